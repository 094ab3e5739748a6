"""Imported pages as knowledge files: which file each becomes, what changed since the last import, and
writing them.

Each imported file records where it came from in its front matter:

    ---
    title: Lip filler
    url: https://www.clinic.example/treatments/lip-filler      # the page's canonical address
    imported_from: https://www.clinic.example/treatments/lip-filler?ref=nav
    imported_at: '2026-12-01T14:35:00Z'
    etag: '"5d8c72a"'
    last_modified: Tue, 01 Dec 2026 09:00:00 GMT
    content_hash: 3f1a...                                        # of the text as imported
    ---

A re-import compares the site with that record: a page the site says is not modified (ETag/Last-Modified),
or whose converted text hashes the same, is unchanged. A changed page replaces its file, unless staff
edited the file since it was imported (its text no longer matches `content_hash`): then it is skipped
unless forced. Files are written through the editor's file service, so every replaced version is kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import yaml

from bot.importer.crawl import CrawlResult, Found, Previous, normal_url
from bot.knowledge import KnowledgeError, knowledge_files, parse_markdown, read_text
from bot.knowledge_files import KnowledgeFiles
from bot.yaml_parsing import parse_yaml

MAX_SLUG = 60


class Status(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Planned:
    """What an import does (or did) with one address."""

    status: Status
    source: str
    file: str | None
    title: str = ""
    url: str | None = None
    text: str | None = None  # the whole knowledge file to write (ADDED and CHANGED)
    reason: str = ""


@dataclass(frozen=True)
class ImportRecord:
    """A knowledge file that an earlier import wrote."""

    file: str
    source: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    edited: bool  # changed by staff since it was imported


def content_hash(title: str, url: str | None, body: str) -> str:
    """Of what an import writes and staff may edit: the title, the address and the text."""
    return hashlib.sha256(f"{title}\n{url or ''}\n{body.strip()}".encode()).hexdigest()[:32]


def _front_matter(text: str) -> tuple[dict, str] | None:
    match = re.match(r"---\n(.*?)\n(?:---|\.\.\.)\n(.*)\Z", text, re.S)
    if not match:
        return None
    try:
        meta = parse_yaml(match.group(1))  # as the bot reads the page
    except yaml.YAMLError:
        return None
    return (meta, match.group(2)) if isinstance(meta, dict) else None


def imported_files(root: Path) -> dict[str, ImportRecord]:
    """The files of the knowledge folder an import wrote, by the address they were imported from."""
    records = {}
    for path in knowledge_files(root):
        name = path.relative_to(root).as_posix()
        try:
            parsed = _front_matter(read_text(path, name))
        except KnowledgeError:
            continue
        if not parsed or not isinstance(parsed[0].get("imported_from"), str):
            continue
        meta, body = parsed
        recorded = meta.get("content_hash")
        title = str(meta.get("title") or "")
        url = meta.get("url")
        edited = recorded is not None and content_hash(title, url, body) != str(recorded)
        records[normal_url(meta["imported_from"])] = ImportRecord(
            name, meta["imported_from"], meta.get("etag"), meta.get("last_modified"),
            str(recorded) if recorded else None, edited,
        )  # fmt: skip
    return records


def previous_fetches(root: Path) -> dict[str, Previous]:
    """ETag and Last-Modified of every imported address, for conditional requests."""
    return {source: Previous(r.etag, r.last_modified) for source, r in imported_files(root).items()}


def slug(url: str) -> str:
    """A file name for a page: the last part of its path ("lip-filler"), "home" for the home page."""
    path = PurePosixPath(urlsplit(url).path)
    name = path.stem if path.suffix.lower() in (".html", ".htm", ".php", ".aspx", ".pdf") else path.name
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return words[:MAX_SLUG].strip("-") or "home"


def _file_name(url: str, taken: set[str]) -> str:
    base = slug(url)
    parent = re.sub(r"[^a-z0-9]+", "-", PurePosixPath(urlsplit(url).path).parent.name.lower()).strip("-")
    candidates = [base, f"{parent}-{base}"[:MAX_SLUG] if parent else base]
    candidates += [f"{base}-{n}" for n in range(2, 1000)]
    return next(f"{name}.md" for name in candidates if f"{name}.md" not in taken)


def render(found: Found, imported_at: datetime) -> str:
    meta = {
        "title": found.title,
        "url": found.url,
        "tags": list(found.tags) or None,
        "imported_from": found.source,
        "imported_at": imported_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "etag": found.etag,
        "last_modified": found.last_modified,
        "content_hash": content_hash(found.title, found.url, found.markdown),
    }
    meta = {key: value for key, value in meta.items() if value is not None}
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{front}---\n\n{found.markdown.strip()}\n"


def plan(result: CrawlResult, root: Path, *, force: bool = False, now: datetime | None = None) -> list[Planned]:
    """What importing `result` into the knowledge folder `root` would do, page by page. Writes nothing."""
    now = now or datetime.now(UTC)
    records = imported_files(root)
    taken = {path.relative_to(root).as_posix() for path in knowledge_files(root)}
    planned: list[Planned] = []
    for found in result.found:
        record = records.get(normal_url(found.source))
        if found.not_modified:
            reason = "not modified on the site since the last import"
            planned.append(Planned(Status.UNCHANGED, found.source, record.file if record else None, reason=reason))
            continue
        text = render(found, now)
        name = record.file if record else _file_name(found.url or found.source, taken)
        taken.add(name)
        try:
            parse_markdown(text, name)
        except KnowledgeError as error:
            planned.append(Planned(Status.SKIPPED, found.source, None, found.title, found.url, reason=error.message))
            continue
        entry = Planned(Status.ADDED, found.source, name, found.title, found.url, text)
        if record is None:
            planned.append(entry)
        elif record.content_hash == content_hash(found.title, found.url, found.markdown):
            reason = "same text as at the last import" + (" (your edits to the file are kept)" if record.edited else "")
            planned.append(replace(entry, status=Status.UNCHANGED, text=None, reason=reason))
        elif record.edited and not force:
            reason = "changed on the site, but the file was edited since the last import: import with --force to replace it (your version is kept as a backup)"  # noqa: E501
            planned.append(replace(entry, status=Status.SKIPPED, text=None, reason=reason))
        else:
            reason = "changed on the site" + (", replacing your edits (kept as a backup)" if record.edited else "")
            planned.append(replace(entry, status=Status.CHANGED, reason=reason))
    for failed in result.failed:
        record = records.get(normal_url(failed.url))
        planned.append(Planned(Status.SKIPPED, failed.url, record.file if record else None, reason=failed.reason))
    return planned


def apply(planned: list[Planned], files: KnowledgeFiles) -> list[Planned]:
    """Write the ADDED and CHANGED files of `planned` into `files`' folder, as the editor saves: the
    previous text kept as a backup ("Undo last save" brings it back), the new one written atomically, under
    the editor's lock. The others are left as they are. A file that appeared since the plan was made
    (someone created it meanwhile) is not overwritten."""
    done = []
    with files.editing():
        for entry in planned:
            if entry.status not in (Status.ADDED, Status.CHANGED) or not entry.file or entry.text is None:
                done.append(entry)
                continue
            path = files.root / entry.file
            current = path.read_text("utf-8") if path.exists() else None
            if current is not None and entry.status == Status.ADDED:
                done.append(replace(entry, status=Status.SKIPPED, text=None, reason="a file of that name appeared"))
                continue
            files.save(entry.file, path, current, entry.text)
            done.append(entry)
    return done
