"""The Markdown subset a visitor's chat renders: paragraphs, bullets, numbered lists, bold, and links to
http(s), tel: and mailto: addresses. Everything else in a knowledge file becomes plain words.

A paragraph's safe Markdown reads, once its `**` and `[words](address)` are taken away, exactly as its
plain text (knowledge.plain_text), so the key sentence found in the plain text can be marked in it.
The widget builds DOM nodes from it (never HTML); this module only decides what may reach it.
"""

from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+")
SAFE_ADDRESS = re.compile(r"^(?:https?://[^\s<>\"'`]+|tel:\+?[0-9*#() .-]{3,40}|mailto:[^\s@<>\"'`]+@[^\s@<>\"'`]+)$")


def list_marker(line: str) -> str:
    """The Markdown marker a list item keeps: "- " for a bullet, "3. " for a numbered item, else ""."""
    numbered = _NUMBERED.match(line)
    if numbered:
        return f"{int(numbered.group(1))}. "
    return "- " if _BULLET.match(line) else ""


def _emphasis(text: str) -> str:
    """Bold stays as **bold**; italics and code become plain words."""
    return _EMPHASIS.sub(lambda m: f"**{m.group(2)}**" if m.group(1) in ("**", "__") else m.group(2), text)


def _plain_words(text: str) -> str:
    return _EMPHASIS.sub(r"\2", text)


def safe_markdown(raw: str) -> str:
    """One paragraph's inline Markdown, reduced to bold and safe links, on one line."""
    text = _HTML_TAG.sub("", _IMAGE.sub(r"\1", raw))
    pieces: list[str] = []
    position = 0
    for link in _LINK.finditer(text):
        pieces.append(_emphasis(text[position : link.start()]))
        words, address = _plain_words(link.group(1)), link.group(2).strip()
        pieces.append(f"[{words}]({address})" if SAFE_ADDRESS.match(address) else words)
        position = link.end()
    pieces.append(_emphasis(text[position:]))
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def passage_markdown(text: str, plain: tuple[str, ...], markdown: tuple[str, ...]) -> str | None:
    """A passage's text as safe Markdown: each of its lines that is a whole paragraph of its section takes
    that paragraph's Markdown (a paragraph split between two passages stays plain). None when it would
    read the same as the plain text."""
    by_plain = dict(zip(plain, markdown, strict=False))
    lines = [by_plain.get(line, line) for line in text.split("\n")]
    joined = "\n".join(lines)
    return joined if joined != text else None
