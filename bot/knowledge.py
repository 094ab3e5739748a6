"""Read and validate the files clinic staff keep in `knowledge/`.

Each Markdown file becomes a `Document`: its front matter (title, url, tags) and
its sections, one per heading. Any problem is a `KnowledgeError` that names the
file and the line, so staff can find and fix it; other files still load.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from bot.hours import HoursError, parse_hours
from bot.languages import ReplyText, ReplyTexts, language_code
from bot.markdown import list_marker, safe_markdown
from bot.phrases import GAP, NEAR, has_range, normalise
from bot.visitor_words import WordBridge, read_bridges
from bot.yaml_parsing import parse_yaml

MAX_FILE_BYTES = 5_000_000
CLINIC_FILE = "clinic.yaml"
FRONT_MATTER_KEYS = ("title", "url", "tags", "pages")  # what a page's front matter may set
# What the website import records in a page's front matter (bot/importer/write.py): known, never shown.
IMPORT_RECORD_KEYS = ("imported_from", "imported_at", "etag", "last_modified", "content_hash")
REPLIES_KEY = "replies"  # in clinic.yaml: the bot's own sentences per language (bot/languages.py)
VISITOR_WORDS_KEY = "visitor_words"  # in clinic.yaml: the clinic's visitors' words (bot/visitor_words.py)
SAFETY_FILE = "safety.yaml"

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1")


class KnowledgeError(Exception):
    """A knowledge file that cannot be used, with where the problem is."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: {message}")

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Section:
    """The text under one heading. `headings` is the path from the top heading down."""

    headings: tuple[str, ...]
    paragraphs: tuple[str, ...]
    line: int
    # Each paragraph in the Markdown subset the widget renders (markdown.py), or () when none was kept.
    markdown: tuple[str, ...] = ()

    @property
    def question(self) -> str | None:
        """An FAQ entry is a section whose heading is a question."""
        if self.headings and self.headings[-1].endswith("?"):
            return self.headings[-1]
        return None


@dataclass(frozen=True)
class Document:
    file: str
    title: str
    url: str | None
    tags: tuple[str, ...]
    sections: tuple[Section, ...]
    # More addresses (or address prefixes) of the clinic's site whose visitors ask about this page's topic.
    pages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    phone: str
    email: str
    booking_url: str
    address: str = ""
    opening_hours: str = ""
    emergency_number: str = "911"
    crisis_line: str = "988"
    disclaimer: str = (
        "I share general information from our clinic's pages, not medical advice. "
        "In an emergency call {emergency_number}."
    )
    greeting: str = "Hello! I can answer questions about our clinic and treatments."
    # Machine-readable hours for the live hand-off (bot/hours.py); opening_hours above is what visitors read.
    time_zone: str = "UTC"
    hours: str = ""
    privacy_notice: str = (
        "We use these details only to contact you about this request and delete them after 30 days."
    )
    reply_time: str = "We reply within one working day."

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class SafetyRules:
    """What routes a question away from retrieval (see knowledge/safety.yaml): phrases, matched word for
    word, and examples in visitors' own words, matched by meaning against the counter-examples."""

    emergency: tuple[str, ...]
    personal_advice: tuple[str, ...]
    medicines: tuple[str, ...] = ()  # named with "my", "I'm on"…: advice on the visitor's own medicines
    errands: tuple[str, ...] = ()  # asking the clinic for a service with them ("a repeat prescription"): no advice
    conditions: tuple[str, ...] = ()  # named with "my", "I'm"…: what is right for the visitor in particular
    diagnoses: tuple[str, ...] = ()  # conditions visitors ask whether they have (bot/diagnosis.py)
    not_emergency: tuple[str, ...] = ()  # phrases that contain an emergency phrase but are not one
    # Emergency phrases that may be the visitor's history or a general question, and the words that say so.
    may_be_history: tuple[str, ...] = ()
    past_or_general: tuple[str, ...] = ()
    happening_now: tuple[str, ...] = ()
    emergency_examples: tuple[str, ...] = ()
    ordinary_examples: tuple[str, ...] = ()  # worried but ordinary: no alarm
    personal_advice_examples: tuple[str, ...] = ()
    general_examples: tuple[str, ...] = ()  # ordinary questions about treatments: answered from the pages

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word the rules use (normalised), for the spelling corrector: a clinic whose pages never say
        "filler" had "filler" read as its pages' "filter", and eight red flags lost their emergency message."""
        texts = (text for name in self.__dataclass_fields__ for text in getattr(self, name))
        return frozenset(word for text in texts for word in normalise(text.replace("|", " ")).split())


@dataclass
class Knowledge:
    """Everything read from a knowledge folder, and what could not be read."""

    documents: list[Document]
    clinic: ClinicSettings
    safety: SafetyRules
    errors: list[KnowledgeError] = field(default_factory=list)
    replies: ReplyTexts = field(default_factory=ReplyTexts)  # the bot's own sentences per language
    visitor_words: tuple[WordBridge, ...] = ()  # the clinic's own, besides the shipped ones


def read_text(path: Path, name: str) -> str:
    """Read a file as UTF-8 text, refusing binary, oversized and empty files."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(name, None, f"cannot be read ({exc.strerror})") from exc
    return decode_text(data, name)


def decode_text(data: bytes, name: str) -> str:
    """The bytes of a knowledge file as text, refusing binary, oversized and empty files."""
    if len(data) > MAX_FILE_BYTES:
        raise KnowledgeError(name, None, f"is too large ({len(data):,} bytes; the limit is {MAX_FILE_BYTES:,})")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise KnowledgeError(name, line, "looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise KnowledgeError(name, line, "is not valid UTF-8 text (save it as UTF-8)") from exc
    if not text.strip():
        raise KnowledgeError(name, 1, "is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A top-level "key: value" line whose value has a colon of its own ("title: Visiting us: opening times"): YAML
# refuses it, though staff meant the obvious (a blind clinic written in session 33 lost its visiting page so).
# (Not a value with a comment after it: "url: https://x  # old: keep" would take the comment in.)
_COLON_IN_VALUE = re.compile(
    r"^(?P<key>[A-Za-z_][\w-]*):[ \t]+(?P<value>(?![\"'\[{|>&*!%@`#])(?:(?! #).)*?: (?:(?! #).)*?)[ \t]*$",
    re.MULTILINE,
)


def _load_yaml(text: str, name: str, first_line: int = 1) -> dict:
    try:
        value = parse_yaml(text)
    except yaml.YAMLError as exc:
        quoted = _COLON_IN_VALUE.sub(lambda m: f"{m['key']}: {json.dumps(m['value'], ensure_ascii=False)}", text)
        if quoted != text:
            try:
                return _load_yaml(quoted, name, first_line)
            except KnowledgeError:
                pass
        mark = getattr(exc, "problem_mark", None)
        last_line = max(len(text.rstrip().split("\n")) - 1, 0)  # YAML reports "end of file" past the last line
        line = first_line + min(mark.line, last_line) if mark else first_line
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        raise KnowledgeError(name, line, f"YAML error: {problem}") from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise KnowledgeError(name, first_line, "must be a list of 'key: value' lines")
    return value


def _string_field(meta: dict, key: str, name: str, line: int) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise KnowledgeError(name, line, f"'{key}' must be a single line of text")
    return str(value).strip()


def split_front_matter(text: str, name: str) -> tuple[dict, list[str], int]:
    """Return the front matter, the body lines and the line number the body starts at."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, lines, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            meta = _load_yaml("\n".join(lines[1:i]), name, first_line=2)
            return meta, lines[i + 1 :], i + 2
    raise KnowledgeError(name, 1, "front matter starts with '---' but has no closing '---' line")


def plain_text(markdown: str) -> str:
    """Inline Markdown to the plain text a visitor reads: links keep their words."""
    text = _IMAGE.sub(r"\1", markdown)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def _paragraphs(lines: list[str]) -> list[tuple[str, str]]:
    """Group body lines into paragraphs, as (plain text, safe Markdown); each list item is a paragraph of
    its own, its Markdown keeping its marker ("- ", "2. ")."""
    paragraphs: list[tuple[str, str]] = []
    current: list[str] = []
    marker = ""

    def flush() -> None:
        raw = " ".join(current)
        joined = plain_text(raw)
        if joined:
            paragraphs.append((joined, marker + safe_markdown(raw)))
        current.clear()

    for raw in lines:
        line = raw.strip()
        if line.startswith(">"):
            line = line.lstrip("> ").strip()
        item = _LIST_ITEM.match(raw)
        if not line or item or _FENCE.match(line) or set(line) <= set("-*_=|: "):
            flush()
            if item:
                current.append(item.group(1))
                marker = list_marker(raw)
                flush()
                marker = ""
            continue
        current.append(line)
    flush()
    return paragraphs


def parse_markdown(text: str, name: str) -> Document:
    """Parse one knowledge file. Raises KnowledgeError naming the line at fault."""
    meta, lines, first_line = split_front_matter(text, name)
    title = _string_field(meta, "title", name, 2)
    url = _string_field(meta, "url", name, 2)
    if url and not re.match(r"^https?://\S+$", url):
        raise KnowledgeError(name, 2, f"'url' must start with http:// or https:// (got {url!r})")
    raw_tags = meta.get("tags") or []
    if isinstance(raw_tags, str):
        raw_tags = [t.strip() for t in raw_tags.split(",")]
    if not isinstance(raw_tags, list):
        raise KnowledgeError(name, 2, "'tags' must be a list, like: tags: [skin, aftercare]")
    tags = tuple(str(t) for t in raw_tags if str(t).strip())
    raw_pages = meta.get("pages") or []
    raw_pages = [raw_pages] if isinstance(raw_pages, str) else raw_pages
    if not isinstance(raw_pages, list) or not all(
        isinstance(p, str) and re.match(r"^https?://\S+$", p) for p in raw_pages
    ):
        raise KnowledgeError(name, 2, "'pages' must be a list of addresses starting with http:// or https://")

    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    body: list[str] = []
    body_line = first_line
    in_fence = False

    def close_section() -> None:
        paragraphs = _paragraphs(body)
        if paragraphs:
            plain, markdown = zip(*paragraphs, strict=True)
            sections.append(Section(tuple(h for _, h in stack), plain, body_line, markdown))
        body.clear()

    for offset, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if not heading:
            body.append(line)
            continue
        close_section()
        level, words = len(heading.group(1)), plain_text(heading.group(2))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, words))
        body_line = first_line + offset

    close_section()
    if title is None:
        top = [s.headings[0] for s in sections if s.headings]
        title = top[0] if top else Path(name).stem.replace("-", " ").replace("_", " ").capitalize()
    # A top heading that repeats the title is the page's name, not a section of it.
    sections = [
        Section(s.headings[1:], s.paragraphs, s.line, s.markdown) if s.headings and s.headings[0] == title else s
        for s in sections
    ]
    if not sections:
        raise KnowledgeError(name, first_line, "has no text to answer from (only headings or front matter)")
    return Document(
        file=name, title=title, url=url or None, tags=tags, sections=tuple(sections), pages=tuple(raw_pages)
    )


def fill_placeholders(text: str, clinic: ClinicSettings) -> str:
    """Replace {phone}, {email} and the other clinic settings in a page with their values."""
    values = clinic.to_dict()
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def load_document(path: Path, root: Path, clinic: ClinicSettings) -> Document:
    name = path.relative_to(root).as_posix()
    return parse_markdown(fill_placeholders(read_text(path, name), clinic), name)


def load_clinic(root: Path) -> ClinicSettings:
    path = root / CLINIC_FILE
    if not path.exists():
        raise KnowledgeError(CLINIC_FILE, None, "is missing: the bot needs the clinic's name and phone number")
    return clinic_from_text(read_text(path, CLINIC_FILE))


def clinic_from_text(text: str) -> ClinicSettings:
    """The clinic's settings from the text of clinic.yaml (the editor checks a draft with this too)."""
    meta = _load_yaml(text, CLINIC_FILE)
    known = set(ClinicSettings.__dataclass_fields__)
    unknown = sorted(set(meta) - known - {REPLIES_KEY, VISITOR_WORDS_KEY})
    if unknown:
        raise KnowledgeError(CLINIC_FILE, None, f"has unknown settings: {', '.join(unknown)}")
    values = {}
    for key in known:
        value = _string_field(meta, key, CLINIC_FILE, None)
        if value:
            values[key] = value
    missing = [key for key in ("name", "phone", "email", "booking_url") if key not in values]
    if missing:
        raise KnowledgeError(CLINIC_FILE, None, f"must set {', '.join(missing)}")
    if not re.match(r"^https?://\S+$", values["booking_url"]):
        raise KnowledgeError(CLINIC_FILE, None, "'booking_url' must start with http:// or https://")
    try:
        parse_hours(values.get("hours", ""), values.get("time_zone", "UTC"))
    except HoursError as error:
        raise KnowledgeError(CLINIC_FILE, None, str(error)) from None
    clinic = ClinicSettings(**values)
    return ClinicSettings(**{**values, "disclaimer": fill_placeholders(clinic.disclaimer, clinic)})


def load_replies(root: Path, clinic: ClinicSettings) -> ReplyTexts:
    """clinic.yaml's `replies`: per language code, the bot's own sentences, placeholders filled in."""
    meta = _load_yaml(read_text(root / CLINIC_FILE, CLINIC_FILE), CLINIC_FILE)
    raw = meta.get(REPLIES_KEY) or {}
    if not isinstance(raw, dict):
        raise KnowledgeError(CLINIC_FILE, None, f"'{REPLIES_KEY}' must list languages, like 'en:' and 'es:'")
    known = {key.value for key in ReplyText}
    by_language: dict[str, dict[ReplyText, str]] = {}
    for language, texts in raw.items():
        code = language_code(str(language))
        if code is None or not isinstance(texts, dict):
            message = f"'{REPLIES_KEY}: {language}' must be a language code with its sentences"
            raise KnowledgeError(CLINIC_FILE, None, message)
        unknown = sorted(set(map(str, texts)) - known)
        if unknown:
            raise KnowledgeError(
                CLINIC_FILE, None, f"'{REPLIES_KEY}: {language}' has unknown sentences: {', '.join(unknown)}"
                f" (known: {', '.join(sorted(known))})"
            )
        by_language[code] = {
            ReplyText(key): fill_placeholders(_string_field(texts, key, CLINIC_FILE, None) or "", clinic)
            for key in texts
            if texts[key]
        }
    return ReplyTexts(by_language)


def load_visitor_words(root: Path) -> tuple[WordBridge, ...]:
    """clinic.yaml's `visitor_words` (see visitor_words_from_text)."""
    return visitor_words_from_text(read_text(root / CLINIC_FILE, CLINIC_FILE))


def visitor_words_from_text(text: str) -> tuple[WordBridge, ...]:
    """clinic.yaml's `visitor_words`: each line pairs the words visitors use (separated by commas) with the
    words the pages use, as in "jabs, shots: vaccinations vaccines" (bot/visitor_words.py)."""
    try:
        return read_bridges(_load_yaml(text, CLINIC_FILE).get(VISITOR_WORDS_KEY) or {})
    except ValueError as error:
        raise KnowledgeError(CLINIC_FILE, None, f"'{VISITOR_WORDS_KEY}' {error}") from None


def load_safety(root: Path) -> SafetyRules:
    path = root / SAFETY_FILE
    if not path.exists():
        raise KnowledgeError(SAFETY_FILE, None, "is missing: the bot will not answer without its emergency phrases")
    return safety_from_text(read_text(path, SAFETY_FILE))


def safety_from_text(text: str) -> SafetyRules:
    """The safety rules from the text of safety.yaml (the editor checks a draft with this too)."""
    meta = _load_yaml(text, SAFETY_FILE)
    lists = {}
    for key in ("emergency", "personal_advice"):
        phrases = meta.get(key)
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) for p in phrases):
            raise KnowledgeError(SAFETY_FILE, None, f"'{key}' must be a list of phrases")
        lists[key] = tuple(p.strip() for p in phrases if p.strip())
    examples = ("emergency_examples", "ordinary_examples", "personal_advice_examples", "general_examples")
    history = ("may_be_history", "past_or_general", "happening_now")
    for key in ("medicines", "errands", "conditions", "diagnoses", "not_emergency", *history, *examples):
        lists[key] = _examples(meta.get(key), key)
    odd = [name for name in lists["diagnoses"] if "|" in name or GAP in name or NEAR.strip() in name]
    if odd:
        raise KnowledgeError(SAFETY_FILE, None, f"'diagnoses' takes one condition a line, not: {', '.join(odd)}")
    # "~" joins the lists of an emergency_together entry (eight words apart): a stray one in a phrase would
    # widen it silently.
    phrase_lists = ("emergency", "personal_advice", "errands", "not_emergency", *history)
    marked = [phrase for key in phrase_lists for phrase in lists[key] if NEAR.strip() in phrase]
    if marked:
        raise KnowledgeError(SAFETY_FILE, None, f"a phrase cannot hold '~' (write '...'): {', '.join(marked)}")
    # Words that together are an emergency become phrases of every order. An entry is excused as history
    # only when `may_be_history` names it ("hives with vomiting": "he had hives and was throwing up after
    # eggs when he was 1"), never by default: "im done with life, i tried last year" is an emergency now.
    # A name that is also an emergency phrase ("chest pain") means the phrase.
    together = words_together_entries(meta.get("emergency_together"))
    phrases = lists["emergency"]
    unknown = [p for p in lists["may_be_history"] if p not in phrases and p not in together]
    if unknown:
        listed = "emergency phrases or names of emergency_together entries (exactly as written there)"
        raise KnowledgeError(SAFETY_FILE, None, f"'may_be_history' must list {listed}, not: {', '.join(unknown)}")
    lists["may_be_history"] = _flat((p,) if p in phrases else together[p] for p in lists["may_be_history"])
    lists["emergency"] += tuple(p for p in _flat(together.values()) if p not in phrases)
    return SafetyRules(**lists)


def _flat(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """The groups' phrases in order, each once."""
    return tuple(dict.fromkeys(p for group in groups for p in group))


def words_together_phrases(value: object) -> tuple[str, ...]:
    """All entries' phrases, each once (see words_together_entries)."""
    return _flat(words_together_entries(value).values())


def words_together_entries(value: object) -> dict[str, tuple[str, ...]]:
    """`emergency_together`, each entry by its name as phrases: an entry names two or three lists of words
    (a list is one line, its words or phrases separated by commas), and a word of each list, in any order,
    with up to eight words between them (bot/phrases.py: NEAR), is an emergency ("swallow" with "hard": "its
    really hard for me to swallow")."""
    if value is None:
        return {}
    problem = "'emergency_together' must name lists of words: two or three lines of words separated by commas"
    if not isinstance(value, dict):
        raise KnowledgeError(SAFETY_FILE, None, problem)
    entries: dict[str, tuple[str, ...]] = {}
    for name, lines in value.items():
        if not isinstance(name, str):  # `1:` and `'1':` would be one name here, and one entry lost
            raise KnowledgeError(SAFETY_FILE, None, f"'emergency_together' entries need a name in words (see '{name}')")
        if not isinstance(lines, list) or not 2 <= len(lines) <= 3 or not all(isinstance(x, str) for x in lines):
            raise KnowledgeError(SAFETY_FILE, None, f"{problem} (see '{name}')")
        groups = [[w.strip() for w in line.split(",") if w.strip()] for line in lines]
        if not all(groups):
            raise KnowledgeError(SAFETY_FILE, None, f"{problem} (see '{name}': a line without words)")
        # A word of no letters would drop its part, and "...", "~", "|" or a range ("8-10") would add parts or
        # choices: each would make the entry match far more than staff wrote.
        marks = (GAP, NEAR.strip(), "|")
        odd = [w for group in groups for w in group if any(m in w for m in marks) or has_range(w) or not normalise(w)]
        if odd:
            raise KnowledgeError(SAFETY_FILE, None, f"'emergency_together' '{name}': not a word: {', '.join(odd)}")
        # One phrase for each order, each part a choice of words: "swallow|swallowing ... hard|cant".
        orders = itertools.permutations(groups)
        entries[name] = tuple(dict.fromkeys(NEAR.join("|".join(words) for words in order) for order in orders))
    return entries


def _examples(value: object, key: str) -> tuple[str, ...]:
    """A list of example questions, or groups of them (`name: [examples]`), flattened."""
    if value is None:
        return ()
    groups = value.values() if isinstance(value, dict) else [value]
    examples: list[str] = []
    for group in groups:
        if not isinstance(group, list) or not all(isinstance(e, str) for e in group):
            raise KnowledgeError(SAFETY_FILE, None, f"'{key}' must be a list of example questions (or groups of them)")
        examples += [e.strip() for e in group if e.strip()]
    return tuple(dict.fromkeys(examples))


def knowledge_files(root: Path) -> list[Path]:
    """The Markdown pages of a knowledge folder (hidden files and README.md left out). Only real files
    inside it: a symlink, to a page or to a folder, is never followed, since it could bring any file the
    server can read into the bot's answers."""
    pages = []
    for folder, subfolders, files in os.walk(root):  # does not enter symlinked folders
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in files:
            path = Path(folder) / name
            if (
                name.endswith(".md")
                and not name.startswith(".")
                and name.lower() != "readme.md"
                and not path.is_symlink()
            ):
                pages.append(path)
    return sorted(pages)


def load_knowledge(root: Path) -> Knowledge:
    """Read a knowledge folder. Bad Markdown files are collected in `errors`;
    a bad clinic.yaml or safety.yaml raises, since the bot cannot answer safely without them."""
    return KnowledgeReader(root).read()


class KnowledgeReader:
    """Reads a knowledge folder again and again, parsing only the files that changed since last time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._parsed: dict[Path, tuple[tuple[int, int], Document | KnowledgeError]] = {}
        self._seen: dict[Path, tuple[int, int]] = {}
        self._clinic_stat: tuple[int, int] | None = None

    def _stats(self) -> dict[Path, tuple[int, int]]:
        stats = {}
        for path in [self.root / CLINIC_FILE, self.root / SAFETY_FILE, *knowledge_files(self.root)]:
            try:
                info = path.stat()
            except OSError:
                continue
            stats[path] = (info.st_mtime_ns, info.st_size)
        return stats

    def forget(self) -> None:
        """Make the next `changed()` true, so that a failed refresh is tried again."""
        self._seen = {}

    def changed(self) -> bool:
        return self._stats() != self._seen

    def read(self) -> Knowledge:
        stats = self._stats()
        self._seen = stats  # even if this read fails, the next one waits for the next edit
        clinic = load_clinic(self.root)
        replies = load_replies(self.root, clinic)
        visitor_words = load_visitor_words(self.root)
        safety = load_safety(self.root)
        clinic_changed = stats.get(self.root / CLINIC_FILE) != self._clinic_stat
        self._clinic_stat = stats.get(self.root / CLINIC_FILE)
        documents: list[Document] = []
        errors: list[KnowledgeError] = []
        parsed = {}
        for path in knowledge_files(self.root):
            stat = stats.get(path)
            cached = self._parsed.get(path)
            if cached and cached[0] == stat and not clinic_changed:
                result = cached[1]
            else:
                try:
                    result = load_document(path, self.root, clinic)
                except KnowledgeError as error:
                    result = error
            parsed[path] = (stat, result)
            (errors if isinstance(result, KnowledgeError) else documents).append(result)
        self._parsed = parsed
        return Knowledge(
            documents=documents,
            clinic=clinic,
            safety=safety,
            errors=errors,
            replies=replies,
            visitor_words=visitor_words,
        )
