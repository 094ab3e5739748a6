"""Slips in a knowledge page that still load but quietly lose something: an unknown front-matter key, front
matter without its opening `---`, a page without `url`, an FAQ question with no answer under it.

The editor warns with these before saving and `flask kb check` lists them: one rule for both. Pages that
cannot load at all (no closing `---`, only headings) are KnowledgeErrors from knowledge.parse_markdown.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge import (
    FRONT_MATTER_KEYS,
    IMPORT_RECORD_KEYS,
    KnowledgeError,
    knowledge_files,
    parse_markdown,
    read_text,
)

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
FRONT_MATTER_SEARCH_LINES = 15  # a lost opening `---` leaves its closing one near the top


@dataclass(frozen=True)
class PageWarning:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}" + (f", line {self.line}" if self.line else "") + f": {self.message}"


def page_warnings(text: str, name: str) -> list[PageWarning]:
    """Everything about this page's text that staff would not want, in line order; [] when it is fine."""
    lines = text.split("\n")
    warnings: list[PageWarning] = []
    starts_with_front_matter = bool(lines) and lines[0].strip() == "---"
    closing = _closing_line(lines) if starts_with_front_matter else None
    if starts_with_front_matter and closing is not None:
        warnings += _unknown_keys(lines[1:closing], name)
    elif not starts_with_front_matter:
        lost = _lost_opening(lines)
        if lost is not None:
            warnings.append(
                PageWarning(
                    name,
                    1,
                    f"the front matter has no opening '---' line (its closing '---' is line {lost + 1}), "
                    "so its title and url are read as page text: add '---' as the first line",
                )
            )
    try:
        document = parse_markdown(text, name)
    except KnowledgeError:
        document = None  # the error itself is reported where the text is validated
    if document is not None and document.url is None:
        warnings.append(
            PageWarning(name, 1, "has no 'url:' in its front matter, so answers from it have no “Read more” link")
        )
    warnings += _unanswered_questions(lines, name)
    return sorted(warnings, key=lambda w: w.line or 0)


def _closing_line(lines: list[str]) -> int | None:
    return next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)


def _lost_opening(lines: list[str]) -> int | None:
    """The index of a `---` line near the top with only `key: value` lines above it, or None."""
    for i, line in enumerate(lines[:FRONT_MATTER_SEARCH_LINES]):
        if line.strip() == "---":
            above = [entry for entry in lines[:i] if entry.strip()]
            keys = [_KEY_LINE.match(entry) for entry in above]
            if above and all(keys) and any(k.group(1).lower() in FRONT_MATTER_KEYS for k in keys if k):
                return i
            return None
        if _HEADING.match(line):
            return None
    return None


def _unknown_keys(meta_lines: list[str], name: str) -> list[PageWarning]:
    warnings = []
    for offset, line in enumerate(meta_lines):
        key = _KEY_LINE.match(line)
        if not key or line[:1].isspace() or key.group(1) in FRONT_MATTER_KEYS + IMPORT_RECORD_KEYS:
            continue
        close = difflib.get_close_matches(key.group(1).lower(), FRONT_MATTER_KEYS, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"the known keys are {', '.join(FRONT_MATTER_KEYS)}"
        warnings.append(PageWarning(name, offset + 2, f"unknown front-matter key '{key.group(1)}' is ignored: {hint}"))
    return warnings


def _unanswered_questions(lines: list[str], name: str) -> list[PageWarning]:
    """FAQ headings (ending in '?') followed by no text before the next heading of the same or a higher level."""
    headings: list[tuple[int, int, str]] = []  # (line index, level, words)
    has_text_after: dict[int, bool] = {}
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            headings.append((i, len(heading.group(1)), heading.group(2)))
            has_text_after[i] = False
        elif line.strip() and line.strip() != "---" and headings:
            has_text_after[headings[-1][0]] = True
    warnings = []
    for position, (i, level, words) in enumerate(headings):
        if not words.endswith("?") or has_text_after[i]:
            continue
        # A sub-heading below the question counts as its answer.
        nested = position + 1 < len(headings) and headings[position + 1][1] > level
        if not nested:
            warnings.append(PageWarning(name, i + 1, f"the question “{words}” has no answer under it"))
    return warnings


def folder_warnings(root: Path) -> list[PageWarning]:
    """The warnings of every page in a knowledge folder (files that cannot be read are errors elsewhere)."""
    warnings: list[PageWarning] = []
    for path in knowledge_files(root):
        name = path.relative_to(root).as_posix()
        try:
            warnings += page_warnings(read_text(path, name), name)
        except KnowledgeError:
            continue
    return warnings
