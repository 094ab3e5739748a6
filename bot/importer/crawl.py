"""Walk the clinic's own site: the addresses given, the pages of a sitemap, and (unless told not to) the
pages and PDF leaflets they link to on the same site. robots.txt is obeyed (protego), requests are spaced
by a polite delay (or the site's Crawl-delay, if longer), and the number of pages fetched is capped.
"""

from __future__ import annotations

import gzip
import io
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

from lxml import etree
from protego import Protego

from bot.importer.extract import extract
from bot.importer.fetch import Fetched, FetchError, FetchSettings, fetch, networks
from bot.importer.pdf import PdfError, convert

SKIPPED_EXTENSIONS = {
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".css", ".js", ".json", ".zip", ".mp4", ".mp3",
    ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".woff", ".woff2", ".ttf", ".xml", ".txt", ".ics",
}  # fmt: skip
TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga")
MAX_SITEMAPS = 20
MAX_SITEMAP_BYTES = 50_000_000


class Kind(StrEnum):
    PAGE = "page"
    PDF = "pdf"


@dataclass(frozen=True)
class CrawlSettings:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    delay: float = 1.0  # seconds between two requests to the site
    max_pages: int = 100
    follow_links: bool = True


@dataclass(frozen=True)
class Previous:
    """What an earlier import recorded for an address: asked again with If-None-Match/If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Found:
    """One page or PDF of the site, converted."""

    source: str  # the address it was fetched from (after redirects), or the file it was read from
    url: str | None  # the address the bot links to: the page's canonical address, else `source`
    kind: Kind
    title: str
    markdown: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # the site said 304: nothing to convert
    links: tuple[str, ...] = ()  # addresses a page links to
    tags: tuple[str, ...] = ()  # the page's keywords


@dataclass(frozen=True)
class Failed:
    url: str
    reason: str


@dataclass
class CrawlResult:
    found: list[Found] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    done: int  # addresses dealt with
    total: int  # addresses known so far (grows as links are found), at most the page cap
    current: str


def normal_url(url: str) -> str:
    """Without #fragment and tracking parameters, so one page is one address."""
    parts = urlsplit(urldefrag(url.strip())[0])
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith(TRACKING)]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def site_of(url: str) -> str:
    """The host, without a leading www.: www.clinic.example and clinic.example are one site."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", re.I)


def _decode(fetched: Fetched) -> str:
    """The text of a response: in the charset its header names, else its <meta charset>, else UTF-8."""
    declared = _META_CHARSET.search(fetched.body[:4096])
    for charset in (fetched.charset, declared.group(1).decode("ascii") if declared else None):
        if charset:
            try:
                return fetched.body.decode(charset, errors="replace")
            except LookupError:
                continue
    return fetched.body.decode("utf-8", errors="replace")


def is_pdf(fetched: Fetched) -> bool:
    return fetched.content_type == "application/pdf" or fetched.body[:5] == b"%PDF-"


def convert_fetched(fetched: Fetched) -> Found:
    """A fetched page or PDF as a `Found`, or ValueError saying why it has nothing to import."""
    if fetched.not_modified:
        return Found(fetched.url, fetched.url, Kind.PAGE, "", "", fetched.etag, fetched.last_modified, True)
    name = PurePosixPath(urlsplit(fetched.url).path).stem.replace("-", " ").replace("_", " ").capitalize()
    if is_pdf(fetched):
        try:
            document = convert(fetched.body, name or "Leaflet")
        except PdfError as error:
            raise ValueError(str(error)) from error
        return Found(fetched.url, fetched.url, Kind.PDF, document.title, document.markdown, fetched.etag,
                     fetched.last_modified)  # fmt: skip
    if fetched.content_type not in ("text/html", "application/xhtml+xml", ""):
        raise ValueError(f"not a web page or a PDF ({fetched.content_type})")
    if not fetched.body.strip():
        raise ValueError("the page is empty")
    try:
        page = extract(_decode(fetched), fetched.url)
    except etree.LxmlError as error:
        raise ValueError(f"the page cannot be read as HTML ({error})") from error
    if not page.markdown.strip():
        raise ValueError("no text found on the page")
    canonical = page.canonical if page.canonical and site_of(page.canonical) == site_of(fetched.url) else None
    return Found(fetched.url, canonical or fetched.url, Kind.PAGE, page.title, page.markdown, fetched.etag,
                 fetched.last_modified, links=page.links, tags=page.keywords)  # fmt: skip


def convert_file(path: Path, url: str | None = None) -> Found:
    """A PDF leaflet or saved HTML page on disk (`kb import leaflet.pdf`), linked to `url` if given."""
    data = path.read_bytes()
    fetched = Fetched(url or path.resolve().as_uri(), 200, "", data)
    found = convert_fetched(fetched)
    return Found(str(path.resolve()), url, found.kind, found.title, found.markdown, tags=found.tags)


def settings_from(config: Mapping[str, object]) -> CrawlSettings:
    """Import settings from the app's configuration (BOT_IMPORT_* environment variables)."""
    defaults, fetch_defaults = CrawlSettings(), FetchSettings()
    return CrawlSettings(
        fetch=FetchSettings(
            allowed_networks=networks(str(config.get("IMPORT_ALLOW_NETWORKS") or "")),
            max_bytes=int(config.get("IMPORT_MAX_BYTES") or fetch_defaults.max_bytes),
            timeout=float(config.get("IMPORT_TIMEOUT") or fetch_defaults.timeout),
        ),
        delay=float(config.get("IMPORT_DELAY", defaults.delay)),
        max_pages=int(config.get("IMPORT_MAX_PAGES") or defaults.max_pages),
    )


def sitemap_urls(data: bytes) -> tuple[list[str], list[str]]:
    """(page addresses, nested sitemap addresses) of a sitemap or sitemap index."""
    if data[:2] == b"\x1f\x8b":  # sitemap.xml.gz, read up to a limit: a small file can unpack to gigabytes
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError) as error:
            raise ValueError(f"the sitemap cannot be unpacked ({error})") from error
        if len(data) > MAX_SITEMAP_BYTES:
            raise ValueError("the sitemap is too large")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"the sitemap is not valid XML ({error})") from error
    locations = [(el.getparent(), (el.text or "").strip()) for el in root.iter("{*}loc")]
    pages = [loc for parent, loc in locations if etree.QName(parent).localname == "url" and loc]
    nested = [loc for parent, loc in locations if etree.QName(parent).localname == "sitemap" and loc]
    return pages, nested


class Crawler:
    def __init__(
        self,
        settings: CrawlSettings,
        previous: dict[str, Previous] | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.settings = settings
        self.previous = previous or {}
        self.progress = progress or (lambda _: None)
        self.robots: dict[str, Protego | None] = {}
        self.delay = settings.delay
        self._last_request = 0.0

    def _wait(self) -> None:
        pause = self._last_request + self.delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last_request = time.monotonic()

    def _fetch(self, url: str, previous: Previous | None = None) -> Fetched:
        self._wait()
        previous = previous or Previous()
        return fetch(url, self.settings.fetch, etag=previous.etag, last_modified=previous.last_modified)

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            try:
                rules = Protego.parse(_decode(self._fetch(origin + "/robots.txt")))
            except FetchError:  # no robots.txt (or none that could be read): nothing is disallowed
                rules = None
            self.robots[origin] = rules
            delay = rules.crawl_delay(self.settings.fetch.user_agent) if rules else None
            if delay:
                self.delay = max(self.delay, min(float(delay), 30.0))
        rules = self.robots[origin]
        return rules is None or rules.can_fetch(url, self.settings.fetch.user_agent)

    def sitemap(self, url: str, result: CrawlResult) -> list[str]:
        pages: list[str] = []
        queue, seen = [url], set()
        while queue and len(seen) < MAX_SITEMAPS:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            try:
                found, nested = sitemap_urls(self._fetch(current).body)
            except (FetchError, ValueError) as error:
                result.failed.append(Failed(current, getattr(error, "reason", str(error))))
                continue
            pages += found
            queue += nested
        return pages

    def run(self, urls: list[str], sitemap: str | None = None) -> CrawlResult:
        result = CrawlResult()
        start = [normal_url(u) for u in urls]
        if sitemap:
            start += [normal_url(u) for u in self.sitemap(sitemap, result)]
        sites = {site_of(u) for u in [*urls, *([sitemap] if sitemap else [])]}
        given = {normal_url(u) for u in urls}
        queue = deque(dict.fromkeys(start))
        seen = set(queue)
        canonical_seen: set[str] = set()
        done = 0
        while queue and done < self.settings.max_pages:
            url = queue.popleft()
            done += 1
            self.progress(Progress(done, min(done + len(queue), self.settings.max_pages), url))
            if site_of(url) not in sites:
                result.failed.append(Failed(url, "not on the clinic's site"))
                continue
            try:
                if not self.allowed(url):
                    result.failed.append(Failed(url, "robots.txt asks robots not to read this page"))
                    continue
                # A page whose links are followed is read in full even if unchanged: its links are needed.
                conditional = not self.settings.follow_links or url.lower().endswith(".pdf")
                fetched = self._fetch(url, self.previous.get(url) if conditional else None)
                if site_of(fetched.url) not in sites:
                    if url not in given:
                        result.failed.append(Failed(url, f"redirected off the clinic's site, to {fetched.url}"))
                        continue
                    sites.add(site_of(fetched.url))  # the address staff gave moved (clinic.com → clinic.co.uk)
                found = convert_fetched(fetched)
            except FetchError as error:
                result.failed.append(Failed(url, error.reason))
                continue
            except ValueError as error:
                result.failed.append(Failed(url, str(error)))
                continue
            if found.not_modified:
                found = Found(url, url, Kind.PAGE, "", "", found.etag, found.last_modified, True)
            elif found.url in canonical_seen:
                result.failed.append(Failed(url, f"the same page as {found.url}"))
                continue
            canonical_seen.add(found.url)
            result.found.append(found)
            if self.settings.follow_links and not found.not_modified and found.kind == Kind.PAGE:
                for link in self._links(found.links, sites):
                    if link not in seen:
                        seen.add(link)
                        queue.append(link)
        for url in queue:
            result.failed.append(Failed(url, f"over the limit of {self.settings.max_pages} pages"))
        return result

    def _links(self, found_links: tuple[str, ...], sites: set[str]) -> list[str]:
        links = []
        for link in found_links:
            url = normal_url(link)
            if site_of(url) in sites and PurePosixPath(urlsplit(url).path).suffix.lower() not in SKIPPED_EXTENSIONS:
                links.append(url)
        return links


def crawl(
    urls: list[str],
    settings: CrawlSettings,
    *,
    sitemap: str | None = None,
    previous: dict[str, Previous] | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> CrawlResult:
    return Crawler(settings, previous, progress).run(urls, sitemap)
