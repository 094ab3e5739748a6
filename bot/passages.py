"""Split documents into passages: whole sentences, sized for the embedding model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from bot.knowledge import Document, Section
from bot.markdown import passage_markdown

TARGET_WORDS = 110
MIN_WORDS = 40
MAX_WORDS = 150
# all-MiniLM-L6-v2 reads 256 word pieces: about 190 English words with the title in front.
HARD_MAX_WORDS = 180

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) and a space,
# unless the word before the stop is a common abbreviation.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "St.", "e.g.", "i.e.", "vs.", "approx.", "No.", "Prof.", "etc.")


@dataclass(frozen=True)
class Passage:
    """One retrievable piece of knowledge and where it came from."""

    id: str
    file: str
    title: str
    url: str | None
    headings: tuple[str, ...]
    text: str
    question: str | None = None
    markdown: str | None = None  # the text in the widget's Markdown subset, when it has lists, bold or links
    # Words the word search also finds it by, which its text leaves out: a passage that gives the clinic's
    # address is where "where r u" and "whats the address" are answered (see `label_address`).
    search_labels: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        return " › ".join(self.headings)

    @classmethod
    def from_dict(cls, saved: dict) -> Passage:
        """A passage as `dataclasses.asdict` saved it (JSON lists back to tuples; search_labels are newer)."""
        labels = tuple(saved.get("search_labels", ()))
        return cls(**{**saved, "headings": tuple(saved["headings"]), "search_labels": labels})

    @cached_property  # read for every passage at every rebuild
    def embedding_text(self) -> str:
        """What the model reads: the passage in its context (title and headings)."""
        context = ". ".join(part for part in (self.title, *self.headings) if part)
        return f"{context}.\n{self.text}" if context else self.text

    @property
    def heading_text(self) -> str | None:
        """What a visitor's question is matched against besides the text: the FAQ question, or a statement
        heading with the page's title ("Dermal fillers: Recovery and aftercare")."""
        if self.question:
            return self.question
        if not self.headings:
            return None
        heading = self.headings[-1]
        return heading if self.title.lower() in heading.lower() else f"{self.title}: {heading}"

    @property
    def search_text(self) -> str:
        """What the lexical index reads: the same words as the model, and its search labels."""
        return " ".join([self.embedding_text, *self.search_labels])


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping each sentence's words unchanged."""
    pieces = _SENTENCE_END.split(text.strip())
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].endswith(_ABBREVIATIONS):
            sentences[-1] = f"{sentences[-1]} {piece}"
        elif piece:
            sentences.append(piece)
    return sentences


def key_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences that could be a passage's key sentence. A lead-in
    ("Conditions it can address include:") says nothing on its own and is left out."""
    spans: list[tuple[int, int]] = []
    position = 0
    for sentence in split_sentences(text.replace("\n", " ")):
        start = text.find(sentence, position)
        if start < 0:
            continue
        spans.append((start, start + len(sentence)))
        position = start + len(sentence)
    return [span for span in spans if not text[span[0] : span[1]].endswith(":")] or spans


def _word_count(text: str) -> int:
    return len(text.split())


def _sentence_units(section: Section) -> list[tuple[str, bool]]:
    """(sentence, starts_paragraph) for every sentence of a section."""
    units = []
    for paragraph in section.paragraphs:
        for i, sentence in enumerate(split_sentences(paragraph)):
            units.append((sentence, i == 0))
    return units


def _join(units: list[tuple[str, bool]]) -> str:
    text = ""
    for sentence, starts_paragraph in units:
        if text:
            text += "\n" if starts_paragraph else " "
        text += sentence
    return text


def chunk_section(section: Section) -> list[str]:
    """Pack a section's sentences into passages of about TARGET_WORDS words.

    Cuts fall only between sentences, preferably between paragraphs, never right after
    a lead-in that ends with ':' and never so that a short scrap is left on its own.
    """
    units = _sentence_units(section)
    total = sum(_word_count(s) for s, _ in units)
    if total <= MAX_WORDS:
        return [_join(units)] if units else []

    pieces = -(-total // TARGET_WORDS)
    target = total / pieces
    chunks: list[list[tuple[str, bool]]] = [[]]
    words = 0
    for sentence, starts_paragraph in units:
        size = _word_count(sentence)
        current = chunks[-1]
        lead_in = bool(current) and current[-1][0].endswith(":")
        full = words >= target or (words >= MIN_WORDS and starts_paragraph and words + size > target)
        if current and not lead_in and (full or words + size > HARD_MAX_WORDS):
            chunks.append([])
            words = 0
        chunks[-1].append((sentence, starts_paragraph))
        words += size

    last_words = sum(_word_count(s) for s, _ in chunks[-1])
    if len(chunks) > 1 and last_words < MIN_WORDS:
        before = sum(_word_count(s) for s, _ in chunks[-2])
        if before + last_words <= HARD_MAX_WORDS:
            chunks[-2].extend(chunks.pop())
    return [_join(chunk) for chunk in chunks]


def passage_id(file: str, headings: tuple[str, ...], text: str) -> str:
    """Stable across rebuilds: the file plus a hash of where the passage stands and what it says."""
    digest = hashlib.sha1("\x1f".join((file, *headings, text)).encode("utf-8")).hexdigest()[:12]
    stem = re.sub(r"[^A-Za-z0-9]+", "-", file.rsplit(".", 1)[0]).strip("-").lower()
    return f"{stem}-{digest}"


def document_passages(document: Document) -> list[Passage]:
    return list(_document_passages(document))


@lru_cache(maxsize=8192)
def _document_passages(document: Document) -> tuple[Passage, ...]:
    """Memoised: a rebuild after an edit re-splits only the documents that changed."""
    passages: list[Passage] = []
    seen: set[str] = set()
    for section in document.sections:
        for text in chunk_section(section):
            pid = passage_id(document.file, section.headings, text)
            if pid in seen:  # the same words twice under one heading: keep one
                continue
            seen.add(pid)
            passages.append(
                Passage(
                    id=pid,
                    file=document.file,
                    title=document.title,
                    url=document.url,
                    headings=section.headings,
                    text=text,
                    question=section.question,
                    markdown=passage_markdown(text, section.paragraphs, section.markdown),
                )
            )
    return tuple(passages)


def build_passages(documents: Iterable[Document]) -> list[Passage]:
    return [passage for document in documents for passage in _document_passages(document)]


# A page that gives the clinic's address rarely says "address": "We're at 12 Bell Street, on the corner
# opposite the church". These are the pages' words that visitors' "where r u" looks for (the_clinic's first
# line in bot/data/visitor_words.yaml).
ADDRESS_LABELS = ("address", "location", "postcode", "directions")
# A part of an address that is inside the building, and named on pages for other reasons ("the 2nd floor").
_INSIDE = re.compile(r"\b(?:floor|unit|suite|flat|level|room|apartment|apt)\b")


def address_marks(address: str) -> list[str]:
    """What identifies the clinic's address (clinic.yaml) in a page's text: its street with the number
    ("12 bell street") and its postcode ("as3 7hl", "62704"); not a town, a floor or a unit alone."""
    marks = []
    for part in (" ".join(part.split()).lower() for part in address.split(",")):
        if _INSIDE.search(part):
            continue
        if re.match(r"\d+[a-z]?\s+[a-z]", part):
            marks.append(part)
            continue
        words = part.split()
        code = []  # the part's last words that have a digit: "portmere pm1 4qs" → "pm1 4qs"
        while words and re.search(r"\d", words[-1]):
            code.insert(0, words.pop())
        if len(" ".join(code)) >= 5:
            marks.append(" ".join(code))
    return marks


def label_address(passages: list[Passage], address: str) -> list[Passage]:
    """The passages, those that give the clinic's address with ADDRESS_LABELS as their `search_labels` (and
    the others without: the address may have changed)."""
    found = [re.compile(rf"(?<!\w){re.escape(mark)}(?!\w)") for mark in address_marks(address)]

    def gives_address(passage: Passage) -> bool:
        text = " ".join(passage.text.split()).lower()
        return any(mark.search(text) for mark in found)

    labelled = [(p, ADDRESS_LABELS if found and gives_address(p) else ()) for p in passages]
    return [p if p.search_labels == labels else replace(p, search_labels=labels) for p, labels in labelled]
