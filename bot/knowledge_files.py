"""The knowledge folder as files staff may edit: which names may be opened, reading a file for the
editor, checking a draft from its text, keeping a backup at each save, writing atomically, and undo.

Flask-free: the dashboard's editor (bot/staff/editor.py), `flask kb check` and the folder watcher use it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from bot.fileops import file_lock, write_atomically
from bot.knowledge import (
    CLINIC_FILE,
    MAX_FILE_BYTES,
    SAFETY_FILE,
    ClinicSettings,
    Knowledge,
    KnowledgeError,
    KnowledgeReader,
    clinic_from_text,
    fill_placeholders,
    knowledge_files,
    load_clinic,
    load_document,
    load_safety,
    parse_markdown,
    safety_from_text,
    visitor_words_from_text,
)
from bot.passages import document_passages

SETTINGS_FILES = {CLINIC_FILE: "Clinic details", SAFETY_FILE: "Safety phrases"}
NEW_PAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}\.md$")
EDITOR_MAX_BYTES = 1_000_000  # a bigger page is edited on the server, not in a browser textarea
BACKUP_STAMP = "%Y%m%dT%H%M%S%fZ"
_thread_lock = threading.Lock()  # one save or undo at a time in this process (the file lock is per process)


class FileRefused(Exception):
    """A name that is not a knowledge file staff may open."""


@dataclass(frozen=True)
class Backup:
    when: datetime
    path: Path


def digest(text: str | None) -> str:
    """A short fingerprint of a file's text: a save is refused when the file changed since it was opened."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:20]


def validate(name: str, text: str, clinic: ClinicSettings) -> KnowledgeError | None:
    """Would this text load as knowledge file `name`? The same checks the bot makes when it reads the folder."""
    if len(text.encode("utf-8")) > min(MAX_FILE_BYTES, EDITOR_MAX_BYTES):
        return KnowledgeError(name, None, "is too large")
    if "\x00" in text:
        return KnowledgeError(name, text[: text.index("\x00")].count("\n") + 1, "contains a binary character")
    if not text.strip():
        return KnowledgeError(name, 1, "is empty")
    try:
        if name == CLINIC_FILE:
            clinic_from_text(text)
            visitor_words_from_text(text)
        elif name == SAFETY_FILE:
            safety_from_text(text)
        else:
            parse_markdown(fill_placeholders(text, clinic), name)
    except KnowledgeError as error:
        return error
    return None


@dataclass(frozen=True)
class FileInfo:
    """A line of the dashboard's list of knowledge files."""

    name: str
    title: str
    kind: str  # "page" | "settings"
    error: KnowledgeError | None
    passages: int | None
    faq: int | None
    live_passages: int
    kept: bool
    changed: datetime | None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    except OSError:
        return None


class KnowledgeFiles:
    """The files of one knowledge folder, with backups kept under `instance_dir/backups`."""

    def __init__(self, root: Path, instance_dir: Path) -> None:
        self.root = Path(root)
        self.instance_dir = Path(instance_dir)
        self.backup_root = self.instance_dir / "backups"
        self._reader = KnowledgeReader(self.root)

    # --- the whole folder (the watcher and `kb check`) ---

    def load(self) -> Knowledge:
        """Read every file; bad pages are listed in `errors`, a bad clinic.yaml or safety.yaml raises."""
        return self._reader.read()

    def changed(self) -> bool:
        return self._reader.changed()

    def forget(self) -> None:
        """Make the next `changed()` true, so that a failed read is tried again."""
        self._reader.forget()

    def listing(self, live: Mapping[str, int], kept: tuple[str, ...], served_clinic: ClinicSettings) -> list[FileInfo]:
        """Every file as it is on disk now: the settings files, then each page with its passages and FAQ
        entries, beside what the bot serves (`live` passages per file, files `kept` at their last good version)."""
        root = self.root
        try:
            clinic = load_clinic(root)
        except KnowledgeError:
            clinic = served_clinic
        infos = []
        for name, title in SETTINGS_FILES.items():
            try:
                (load_clinic if name == CLINIC_FILE else load_safety)(root)
                error = None
            except KnowledgeError as problem:
                error = problem
            infos.append(FileInfo(name, title, "settings", error, None, None, 0, False, _mtime(root / name)))
        for path in knowledge_files(root):
            name = path.relative_to(root).as_posix()
            live_here = live.get(name, 0)
            try:
                document = load_document(path, root, clinic)
            except KnowledgeError as problem:
                infos.append(FileInfo(name, name, "page", problem, None, None, live_here, name in kept, _mtime(path)))
                continue
            faq = sum(1 for s in document.sections if s.question)
            passages = len(document_passages(document))
            infos.append(FileInfo(name, document.title, "page", None, passages, faq, live_here, False, _mtime(path)))
        return infos

    # --- one file (the editor) ---

    def resolve(self, name: str) -> Path:
        """The path of knowledge file `name` (relative, forward slashes), or FileRefused: only .md pages
        and clinic.yaml/safety.yaml, inside the knowledge folder, no hidden parts, no symlinks."""
        if not name or len(name) > 300 or "\\" in name or "\x00" in name or name.startswith("/"):
            raise FileRefused(name)
        parts = PurePosixPath(name).parts
        if any(part in (".", "..") or part.startswith(".") for part in parts) or "/".join(parts) != name:
            raise FileRefused(name)
        is_page = name.endswith(".md") and parts[-1].lower() != "readme.md"
        if not is_page and name not in SETTINGS_FILES:
            raise FileRefused(name)
        path = self.root.joinpath(*parts)
        here = self.root
        for part in parts:  # no symlink on the way, in or out of the folder
            here = here / part
            if here.is_symlink():
                raise FileRefused(name)
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise FileRefused(name)
        return path

    @staticmethod
    def read(path: Path) -> tuple[str | None, str | None]:
        """(text, None), or (None, why it cannot be edited here)."""
        try:
            data = path.read_bytes()
        except OSError as error:
            return None, f"cannot be read ({error.strerror})"
        if len(data) > EDITOR_MAX_BYTES:
            return None, "is too large to edit in the browser: edit it on the server"
        if b"\x00" in data:
            return None, "looks like a binary file, not text"
        try:
            return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n"), None
        except UnicodeDecodeError:
            return None, "is not UTF-8 text: save it as UTF-8 on the server first"

    @contextmanager
    def editing(self) -> Iterator[None]:
        """One save or undo at a time, in this process and across the server's processes."""
        with _thread_lock, file_lock(self.instance_dir / ".edit.lock"):
            yield

    def write(self, path: Path, text: str) -> None:
        write_atomically(path, text)

    def backups(self, name: str) -> list[Backup]:
        """Earlier versions of `name` kept at each save, newest first."""
        folder = self._backup_dir(name)
        pattern = re.compile(re.escape(PurePosixPath(name).name) + r"\.(\d{8}T\d{12}Z)$")
        found = []
        if folder.is_dir():
            for path in folder.iterdir():
                match = pattern.match(path.name)
                if match:
                    found.append(Backup(datetime.strptime(match.group(1), BACKUP_STAMP), path))
        return sorted(found, key=lambda backup: backup.when, reverse=True)

    def keep_copy(self, name: str, text: str, suffix: str = "") -> Path:
        folder = self._backup_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime(BACKUP_STAMP)
        path = folder / f"{PurePosixPath(name).name}.{stamp}{suffix}"
        path.write_text(text, "utf-8")
        return path

    def save(self, name: str, path: Path, current: str | None, text: str) -> None:
        """Keep the current text as a backup, then write the new one. Call within `editing()`."""
        if current is not None:
            self.keep_copy(name, current)
        self.write(path, text)

    def undo(self, name: str, path: Path) -> Backup | None:
        """Put back the newest backup (the undone text is kept too, just in case). Call within `editing()`."""
        backups = self.backups(name)
        if not backups:
            return None
        newest = backups[0]
        current, _ = self.read(path) if path.exists() else (None, None)
        if current is not None:
            self.keep_copy(name, current, suffix=".undone")
        self.write(path, newest.path.read_text("utf-8"))
        newest.path.unlink()
        return newest

    def _backup_dir(self, name: str) -> Path:
        return self.backup_root / PurePosixPath(name).parent
