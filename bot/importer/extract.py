"""One web page to the Markdown of a knowledge file: its main content, with headings, lists and links.

trafilatura finds the main content (navigation, footers, cookie banners and sidebars go); markdownify
writes it as Markdown. FAQs the page marks up for search engines (schema.org `FAQPage`, JSON-LD or
microdata, read by extruct) become `## Question?` entries word for word, and accordions (`<details>`,
`<dt>`/`<dd>`, "faq-question"/"faq-answer" blocks) become headings over their answers, so each is an FAQ
entry of the knowledge file. Tables become lists, one row a line, so that a price is read with its
treatment. The HTML is parsed, never rendered: no script runs, nothing it links to is loaded.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import extruct
import lxml.html
import trafilatura
from lxml import etree
from markdownify import markdownify

_DROP = "//script|//style|//noscript|//template|//svg|//iframe|//input|//select|//textarea|//nav|//footer"
_UNWRAP = "//form|//button"  # a page may sit inside a <form>; an accordion's question inside a <button>
_BOILERPLATE = re.compile(r"cookie|consent|gdpr|newsletter|breadcrumb|skip-?link|share|social|popup|modal", re.I)
_QUESTION_CLASS = re.compile(r"(^|[-_ ])(question|faq-q|accordion-(header|title|button|toggle))($|[-_ ])", re.I)
_ANSWER_CLASS = re.compile(r"(^|[-_ ])(answer|faq-a|accordion-(body|content|panel|collapse))($|[-_ ])", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014·•-]\s+")


@dataclass(frozen=True)
class ExtractedPage:
    title: str
    canonical: str | None  # the page's own idea of its address (<link rel=canonical>), absolute
    markdown: str  # the body of the knowledge file
    links: tuple[str, ...]  # absolute addresses the page links to, without #fragments
    faq_entries: int  # how many FAQ entries came from structured data
    keywords: tuple[str, ...] = ()  # <meta name="keywords">: the file's tags


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer_markdown: str


def _text(element) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def _title(tree, fallback: str) -> str:
    heading = tree.find(".//h1")
    if heading is not None and _text(heading):
        return _text(heading)
    for xpath in ('//meta[@property="og:title"]/@content', "//title/text()"):
        found = tree.xpath(xpath)
        if found and str(found[0]).strip():
            # "Dermal fillers | Harbour Aesthetics": the part before the site's name
            return _TITLE_SEPARATORS.split(str(found[0]).strip())[0]
    return fallback


def _canonical(tree, base_url: str) -> str | None:
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        url = urljoin(base_url, str(href).strip())
        if urlsplit(url).scheme in ("http", "https"):
            return urldefrag(url)[0]
    return None


def _keywords(tree) -> tuple[str, ...]:
    found = tree.xpath('//meta[translate(@name, "KEYWORDS", "keywords")="keywords"]/@content')
    words = [w.strip() for w in str(found[0]).split(",")] if found else []
    return tuple(dict.fromkeys(w for w in words if w and len(w) <= 60))[:20]


def _links(tree, base_url: str) -> tuple[str, ...]:
    links = []
    for href in tree.xpath("//a/@href"):
        url = urldefrag(urljoin(base_url, str(href).strip()))[0]
        if urlsplit(url).scheme in ("http", "https"):
            links.append(url)
    return tuple(dict.fromkeys(links))


def _items(data: object):
    """Every dict inside extruct's output, depth first (FAQPage may sit in an @graph or a list)."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _items(value)
    elif isinstance(data, list):
        for value in data:
            yield from _items(value)


def _types(item: dict) -> set[str]:
    kind = item.get("@type") or item.get("type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _first(value: object) -> object:
    return value[0] if isinstance(value, list) and value else value


def structured_faq(page_html: str, base_url: str) -> list[FaqEntry]:
    """schema.org FAQPage entries from JSON-LD and microdata, in page order, each question once."""
    try:
        data = extruct.extract(page_html, base_url=base_url, syntaxes=["json-ld", "microdata"], uniform=True)
    except Exception:  # extruct raises whatever its parsers raise on broken markup: no structured FAQ then
        return []
    entries: dict[str, FaqEntry] = {}
    for page in _items(data):
        if "FAQPage" not in _types(page):
            continue
        questions = page.get("mainEntity") or []
        for question in questions if isinstance(questions, list) else [questions]:
            if not isinstance(question, dict) or "Question" not in _types(question):
                continue
            name = re.sub(r"\s+", " ", html.unescape(str(_first(question.get("name")) or ""))).strip()
            answer = _first(question.get("acceptedAnswer") or question.get("suggestedAnswer"))
            text = str(_first(answer.get("text")) or "") if isinstance(answer, dict) else ""
            if name and text.strip():
                entries.setdefault(_key(name), FaqEntry(name, to_markdown(text, base_url)))
    return list(entries.values())


def _key(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", heading.lower()).strip()


def _heading_level(element) -> int:
    """One below the nearest heading before `element` (h2 at least), so an accordion nests under it; the
    same level as an accordion question just before it."""
    found = element.xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6][1]")
    if not found:
        return 2
    level = int(found[0].tag[1])
    return level if found[0].get("data-accordion") is not None else max(2, min(level + 1, 6))


def _as_heading(level: int, text: str):
    heading = etree.Element(f"h{level}", {"data-accordion": ""})
    heading.text = text
    return heading


def _open_accordions(tree) -> None:
    """Accordion questions become headings and their hidden answers plain blocks, before extraction."""
    _details_as_sections(tree)
    _question_lists_as_sections(tree)
    _question_blocks_as_headings(tree)
    _show_hidden_answers(tree)


def _details_as_sections(tree) -> None:
    """<details><summary>Question?</summary>answer</details> → a heading over the answer."""
    for details in tree.xpath("//details"):
        summary = details.find("summary")
        if summary is None or not _text(summary):
            continue
        level = _heading_level(details)
        section = etree.Element("div")
        section.append(_as_heading(level, _text(summary)))
        details.remove(summary)
        body = etree.SubElement(section, "div")
        body.text = details.text
        for child in list(details):
            body.append(child)
        section.tail = details.tail
        details.getparent().replace(details, section)


def _question_lists_as_sections(tree) -> None:
    """<dl><dt>Question?</dt><dd>answer</dd></dl> → headings over plain blocks."""
    for listing in tree.xpath("//dl[dt]"):
        if not all(_text(term).endswith("?") for term in listing.findall("dt")):
            continue
        level = _heading_level(listing)
        block = etree.Element("div")
        for child in listing:
            if child.tag == "dt":
                block.append(_as_heading(level, _text(child)))
            elif child.tag == "dd":
                child.tag = "div"
                block.append(child)
        block.tail = listing.tail
        listing.getparent().replace(listing, block)


def _question_blocks_as_headings(tree) -> None:
    """<div class="faq-question">Question?</div> (and accordion headers) → a heading."""
    for element in tree.xpath("//*[@class]"):
        if _QUESTION_CLASS.search(element.get("class", "")) and _text(element).endswith("?"):
            inside_heading = element.xpath("ancestor::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5]")
            if element.getparent() is None or inside_heading or element.xpath(".//h1|.//h2|.//h3|.//h4|.//h5"):
                continue
            heading = _as_heading(_heading_level(element), _text(element))
            heading.tail = element.tail
            element.getparent().replace(element, heading)


def _show_hidden_answers(tree) -> None:
    """An accordion's closed answer is content, though hidden until a visitor opens it."""
    for element in tree.xpath("//*[@hidden or @aria-hidden]"):
        before = element.getprevious()
        after_question = before is not None and before.get("data-accordion") is not None
        if after_question or _ANSWER_CLASS.search(element.get("class", "")):
            element.attrib.pop("hidden", None)
            element.attrib.pop("aria-hidden", None)


def _drop_boilerplate(tree) -> None:
    for element in tree.xpath(_DROP):
        if element.getparent() is not None:
            element.drop_tree()
    for element in tree.xpath(_UNWRAP):
        if element.getparent() is not None:
            element.drop_tag()
    for element in tree.xpath('//*[@role="navigation" or @role="banner" or @role="contentinfo" or @role="dialog"]'):
        if element.getparent() is not None:
            element.drop_tree()
    for element in tree.xpath("//*[@id or @class]"):
        names = f"{element.get('id', '')} {element.get('class', '')}"
        keep = element.getparent() is None or element.tag in ("html", "body", "main")
        if not keep and _BOILERPLATE.search(names):
            element.drop_tree()


def _table_rows(table) -> list[str]:
    """A table's rows as lines: "Lip filler (0.5 ml): £275" for two columns, else with the column names,
    "Lip filler (0.5 ml) — Price: £275; Time: 45 minutes"."""
    rows = [row for row in table.xpath(".//tr") if row.xpath("./th|./td")]
    cells = [[_text(cell) for cell in row.xpath("./th|./td")] for row in rows]
    header = cells[0] if rows and not rows[0].xpath("./td") and len(rows) > 1 else None
    lines = []
    for row in cells[1:] if header else cells:
        if not any(row):
            continue
        if header and len(row) > 2:
            named = zip(header[1:], row[1:], strict=False)
            pairs = [f"{name}: {cell}" if name else cell for name, cell in named if cell]
            lines.append(f"{row[0]} — " + "; ".join(pairs))
        else:
            lines.append(f"{row[0]}: " + "; ".join(cell for cell in row[1:] if cell) if len(row) > 1 else row[0])
    return lines


def _tables_as_lists(tree) -> None:
    """Each table becomes a list, one row an item, with its caption as a paragraph before it."""
    for table in tree.xpath("//table"):
        if table.getparent() is None or table.xpath("ancestor::table"):
            continue
        replacement = etree.Element("div")
        caption = table.find("caption")
        if caption is not None and _text(caption):
            etree.SubElement(replacement, "p").text = _text(caption)
        listing = etree.SubElement(replacement, "ul")
        for line in _table_rows(table):
            etree.SubElement(listing, "li").text = line
        replacement.tail = table.tail
        table.getparent().replace(table, replacement)


def to_markdown(fragment: str, base_url: str) -> str:
    """An HTML fragment as knowledge-file Markdown: ATX headings, "-" lists, absolute links."""
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return re.sub(r"\s+", " ", html.unescape(fragment)).strip()
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    root.make_links_absolute(base_url, resolve_base_href=False)
    _tables_as_lists(root)
    for element in root.xpath("//img|//picture|//video|//audio"):
        element.drop_tree()
    for link in root.xpath("//a"):  # only links a visitor can follow safely; others keep just their words
        if urlsplit(link.get("href", "")).scheme not in ("http", "https", "mailto", "tel"):
            link.drop_tag()
    text = markdownify(
        lxml.html.tostring(root, encoding="unicode"),
        heading_style="ATX",
        bullets="-",
        strip=["span", "div", "section", "article", "u", "small"],
    )
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _sections(markdown: str) -> list[tuple[str | None, str]]:
    """(heading line, the text under it) for each heading of `markdown`."""
    parts: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in markdown.split("\n"):
        if re.match(r"^#{1,6}\s", line):
            parts.append((line, []))
        else:
            parts[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in parts]


def _merge_faq(markdown: str, entries: list[FaqEntry]) -> str:
    """The page's text with the structured FAQ entries as `## Question?` sections, word for word. Sections
    of the visible page with the same question are replaced by them, not repeated."""
    questions = {_key(entry.question) for entry in entries}
    kept = []
    for heading, text in _sections(markdown):
        if heading and _key(heading.lstrip("#")) in questions:
            continue
        kept.append("\n\n".join(part for part in (heading, text) if part))
    faq = []
    for entry in entries:
        question = entry.question if entry.question.endswith("?") else entry.question + "?"
        faq.append(f"## {question}\n\n{entry.answer_markdown}")
    return "\n\n".join(part for part in [*kept, *faq] if part.strip())


def extract(page_html: str, url: str) -> ExtractedPage:
    """The knowledge-file Markdown of one page fetched from `url`."""
    tree = lxml.html.document_fromstring(page_html)
    title = _title(tree, fallback=urlsplit(url).path.strip("/").rsplit("/", 1)[-1] or urlsplit(url).hostname or url)
    canonical = _canonical(tree, url)
    links = _links(tree, url)
    faq = structured_faq(page_html, url)
    _open_accordions(tree)
    _drop_boilerplate(tree)
    _tables_as_lists(tree)  # before trafilatura, which loses captions and header rows
    cleaned = lxml.html.tostring(tree, encoding="unicode")
    main = trafilatura.extract(
        cleaned,
        url=url,
        output_format="html",
        include_links=True,
        include_tables=True,
        include_formatting=True,
        include_comments=False,
        include_images=False,
        favor_recall=True,
    )
    markdown = to_markdown(_body_of(main), url) if main else ""
    markdown = _without_title_heading(markdown, title)
    if faq:
        markdown = _merge_faq(markdown, faq)
    return ExtractedPage(title, canonical, markdown, links, len(faq), _keywords(tree))


def _body_of(document: str) -> str:
    root = lxml.html.document_fromstring(document)
    body = root.find("body")
    return "".join(lxml.html.tostring(child, encoding="unicode") for child in (body if body is not None else root))


def _without_title_heading(markdown: str, title: str) -> str:
    """The page's own `# Title` is the file's title (front matter), not a section."""
    lines = markdown.split("\n")
    if lines and re.match(r"^#\s", lines[0]) and _key(lines[0][1:]) == _key(title):
        return "\n".join(lines[1:]).strip()
    return markdown
