"""Does the bot answer as well from a clinic's imported website as from hand-written knowledge files?

A visitor suite's knowledge (eval/visitors/<suite>/knowledge) is published as a small website on loopback,
the way a clinic's site would show it: each page at its `url`'s path, inside a layout with navigation, a
cookie banner and a footer, with a sitemap. The importer reads that site into a fresh knowledge folder, and
the suite's questions are asked of both folders. A question's expected sections are translated to the
files the import made (the import names files after addresses), and a question asked from a page is asked
from the same page of the local site.
"""

from __future__ import annotations

import html
import ipaddress
import re
import shutil
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from bot.assistant import Assistant, AssistantConfig
from bot.embedding import Encoder
from bot.importer.crawl import CrawlSettings, crawl
from bot.importer.fetch import FetchSettings
from bot.importer.write import apply, plan
from bot.knowledge import (
    ClinicSettings,
    fill_placeholders,
    knowledge_files,
    load_clinic,
    read_text,
    split_front_matter,
)
from bot.knowledge_files import KnowledgeFiles
from bot.suites import Outcome, Suite, ask_all, suite_report, temporary_folder

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
_INLINE_BOLD = re.compile(r"\*\*(.+?)\*\*")
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {clinic}</title>
<link rel="canonical" href="{canonical}"><meta name="keywords" content="{keywords}"></head>
<body>
<div class="cookie-banner" role="dialog"><p>This website uses cookies for analytics. Accept all cookies?</p>
<button>Accept</button></div>
<header><a href="/">{clinic}</a><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{title}</h1>
{body}
</article></main>
<footer><p>{clinic} · {address} · {phone}</p><p><a href="/privacy">Privacy</a> · <a href="/terms">Terms</a></p></footer>
</body></html>
"""


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = _INLINE_BOLD.sub(r"<strong>\1</strong>", text)
    return _INLINE_LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', text)


def markdown_to_html(markdown: str) -> str:
    """The Markdown of a knowledge page (headings, paragraphs, lists, bold, links) as a website shows it."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for line in markdown.split("\n"):
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", line)
        item = re.match(r"^\s*[-*+]\s+(.*)$", line)
        if heading:
            flush()
            level = max(len(heading.group(1)), 2)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            if paragraph:
                flush()
            items.append(item.group(1))
        elif not line.strip():
            flush()
        else:
            if items:
                flush()
            paragraph.append(line.strip())
    flush()
    return "\n".join(out)


def _page(path: Path, clinic: ClinicSettings) -> tuple[dict, str]:
    text = fill_placeholders(read_text(path, path.name), clinic)
    meta, lines, _ = split_front_matter(text, path.name)  # as the bot reads it ("title: Visiting us: opening")
    return meta, "\n".join(lines)


def website(knowledge: Path) -> tuple[dict[str, str], dict[str, str]]:
    """({path: HTML page}, {path: the knowledge file it shows}) for the pages of `knowledge` that have a url."""
    clinic = load_clinic(knowledge)
    pages = {}
    for path in knowledge_files(knowledge):
        meta, body = _page(path, clinic)
        if meta.get("url"):
            pages[urlsplit(meta["url"]).path or "/"] = (path.relative_to(knowledge).as_posix(), meta, body)
    nav = "".join(f'<li><a href="{p}">{html.escape(str(m.get("title", p)))}</a></li>' for p, (_, m, _) in pages.items())
    rendered = {}
    for site_path, (_, meta, body) in pages.items():
        title = str(meta.get("title") or site_path)
        body = re.sub(rf"^#\s+{re.escape(title)}\s*$", "", body, count=1, flags=re.M)  # the <h1> says it
        rendered[site_path] = LAYOUT.format(
            title=html.escape(title),
            clinic=html.escape(clinic.name),
            canonical="{base}" + site_path,
            keywords=html.escape(", ".join(str(t) for t in meta.get("tags") or [])),
            nav=nav,
            body=markdown_to_html(body),
            address=html.escape(clinic.address),
            phone=html.escape(clinic.phone),
        )
    return rendered, {site_path: file for site_path, (file, _, _) in pages.items()}


class LocalWebsite:
    """Pages served from a thread on 127.0.0.1, with /sitemap.xml listing them."""

    def __init__(self, pages: dict[str, str]) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/sitemap.xml":
                    body, kind = site.sitemap().encode(), "application/xml"
                elif path in pages:
                    body, kind = pages[path].replace("{base}", site.url).encode(), "text/html; charset=utf-8"
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.pages = pages
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def sitemap(self) -> str:
        urls = "".join(f"<url><loc>{self.url}{path}</loc></url>" for path in self.pages)
        return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'

    def __enter__(self) -> LocalWebsite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def imported_suite(suite: Suite, safety_file: Path, into: Path) -> Suite:
    """`suite` with its knowledge replaced by a folder imported from its website, and its questions
    pointing at the imported files and the local site's pages."""
    pages, shown = website(suite.knowledge)
    knowledge = into / "knowledge"
    knowledge.mkdir(parents=True)
    shutil.copy(suite.knowledge / "clinic.yaml", knowledge / "clinic.yaml")
    shutil.copy(safety_file, knowledge / "safety.yaml")
    settings = CrawlSettings(FetchSettings(allowed_networks=LOOPBACK), delay=0, max_pages=500)
    with LocalWebsite(pages) as site:
        result = crawl([], settings, sitemap=site.url + "/sitemap.xml")
        written = apply(plan(result, knowledge), KnowledgeFiles(knowledge, into / "instance"))
        base = site.url
    became = {shown[urlsplit(e.source).path]: e.file for e in written if e.file and urlsplit(e.source).path in shown}
    original_site = {f"{p.scheme}://{p.netloc}" for p in (urlsplit(q.page) for q in suite.questions if q.page)}

    def local(page: str | None) -> str | None:
        for origin in original_site:
            if page and page.startswith(origin):
                return base + page[len(origin) :]
        return page

    def section(name: str) -> str:
        file, _, heading = name.partition(" > ")
        return f"{became.get(file, file)} > {heading}"

    questions = [
        replace(q, sections=tuple(section(s) for s in q.sections), page=local(q.page)) for q in suite.questions
    ]
    return Suite(f"{suite.name} (imported)", knowledge, questions)


def run_imported(suite: Suite, safety_file: Path, encoder: Encoder) -> tuple[list[Outcome], str]:
    """`suite` asked of a fresh bot on the knowledge imported from its website."""
    folder = temporary_folder()
    try:
        imported = imported_suite(suite, safety_file, folder)
        assistant = Assistant(AssistantConfig(imported.knowledge, folder / "instance"), encoder=encoder)
        outcomes = ask_all(imported.questions, assistant.answer, assistant.prepare)
        calibration = assistant.snapshot.calibration
        assistant.close()
        return outcomes, calibration.describe() if calibration else "threshold configured"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def imported_report(suites: list[Suite], safety_file: Path, encoder: Encoder) -> list[str]:
    """The visitor suites again, each asked of the knowledge imported from its own pages as a website."""
    renamed = {f"{s.name} (imported)": s for s in suites}
    lines = suite_report(
        [replace(s, name=name) for name, s in renamed.items()],
        lambda suite: run_imported(renamed[suite.name], safety_file, encoder),
    )
    return ["The same suites, their pages published as a website and imported (bot/import_eval.py)", *lines[1:]]
