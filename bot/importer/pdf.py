"""A PDF leaflet to the Markdown of a knowledge file.

pypdf reads the text line by line with the size each piece is drawn at. The size most of the text has is
the body; lines drawn clearly larger are headings, the largest size `#`, the next `##`, and so on, so the
leaflet's own headings (often its questions) become sections. A PDF with one size throughout is one section.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError

HEADING_RATIO = 1.15  # a line at least this much larger than the body text is a heading
MAX_PAGES = 200


class PdfError(Exception):
    """A PDF that cannot be read as text."""


@dataclass(frozen=True)
class Line:
    text: str
    size: float


@dataclass(frozen=True)
class PdfDocument:
    title: str
    markdown: str


def _lines(reader: PdfReader) -> list[Line]:
    lines: list[Line] = []
    for page in reader.pages[:MAX_PAGES]:
        pieces: list[tuple[str, float]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float, into=pieces) -> None:
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]) or 1.0
            into.append((text, size * scale))

        page.extract_text(visitor_text=visit)
        text, sizes = "", Counter()
        for piece, size in [*pieces, ("\n", 0.0)]:
            for part in re.split(r"(\n)", piece):
                if part == "\n":
                    if text.strip():
                        lines.append(Line(re.sub(r"\s+", " ", text).strip(), sizes.most_common(1)[0][0]))
                    text, sizes = "", Counter()
                elif part:
                    text += part
                    if part.strip():
                        sizes[round(size, 1)] += len(part.strip())
    return lines


def convert(data: bytes, fallback_title: str) -> PdfDocument:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfError("the PDF is password-protected")
        lines = _lines(reader)
        meta_title = str((reader.metadata or {}).get("/Title") or "").strip()
    except PdfReadError as error:
        raise PdfError(f"the PDF cannot be read ({error})") from error
    if not lines:
        raise PdfError("the PDF has no text (a scanned image?)")
    weight = Counter()
    for line in lines:
        weight[line.size] += len(line.text)
    body = weight.most_common(1)[0][0]
    heading_sizes = sorted({line.size for line in lines if line.size >= body * HEADING_RATIO}, reverse=True)[:5]
    level = {size: depth + 1 for depth, size in enumerate(heading_sizes)}

    blocks: list[str] = []
    paragraph: list[str] = []
    title = None
    paragraph_since_heading = False

    def flush() -> None:
        if paragraph:
            blocks.append(_join(paragraph))
            paragraph.clear()

    for line in lines:
        if line.size in level:
            flush()
            if title is None and level[line.size] == 1 and not blocks:
                title = line.text
                continue
            marks = "#" * max(level[line.size], 2) + " "
            if blocks and blocks[-1].startswith(marks) and not paragraph_since_heading:
                blocks[-1] += " " + line.text  # a heading drawn on two lines
                continue
            blocks.append(marks + line.text)
            paragraph_since_heading = False
        else:
            paragraph.append(line.text)
            paragraph_since_heading = True
    flush()
    return PdfDocument(title=title or meta_title or fallback_title, markdown="\n\n".join(blocks))


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one, rejoining words the layout hyphenated at a line end."""
    text = ""
    for line in lines:
        hyphenated = text.endswith("-") and line[:1].islower()
        text = text[:-1] + line if hyphenated else f"{text} {line}".strip()
    return text
