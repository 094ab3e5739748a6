"""Importing a clinic's website (bot/importer): a realistic little site (tests/clinic_site) served on
loopback is read into a knowledge folder, the bot answers from it with links to the right pages, a
re-import changes only what changed and keeps staff edits, the address guard refuses loopback and private
addresses, and in a real Chromium staff run the import from the dashboard.
"""

from __future__ import annotations

import gzip
import ipaddress
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from bot.app import create_app
from bot.assistant import Assistant, AssistantConfig
from bot.import_eval import imported_suite
from bot.importer.crawl import CrawlSettings, convert_fetched, crawl, sitemap_urls
from bot.importer.extract import extract
from bot.importer.fetch import Fetched, FetchError, FetchSettings, Refusal, fetch, public_address
from bot.importer.write import Status, apply, plan, previous_fetches
from bot.knowledge import load_knowledge
from bot.knowledge_files import KnowledgeFiles
from bot.replies import ReplyKind
from bot.suites import find_suites
from tests.clinic_site.server import ClinicSite
from tests.conftest import ARTIFACTS, NO_LIMITS, launch_chromium
from tests.harness import KNOWLEDGE, PROJECT
from tests.test_admin import PASSWORD

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
SETTINGS = CrawlSettings(FetchSettings(allowed_networks=LOOPBACK), delay=0)
EXPECTED_FILES = {
    "home.md",
    "lip-filler.md",
    "chemical-peels.md",
    "prices.md",
    "faq.md",
    "your-first-visit.md",
    "gift-vouchers.md",
    "news.md",
    "filler-aftercare.md",
}


def empty_knowledge(folder: Path) -> Path:
    """A knowledge folder with the clinic's settings and safety phrases and no pages yet."""
    folder.mkdir(parents=True)
    for name in ("clinic.yaml", "safety.yaml"):
        shutil.copy(KNOWLEDGE / name, folder / name)
    return folder


def front_matter(path: Path) -> tuple[dict, str]:
    _, meta, body = path.read_text("utf-8").split("---\n", 2)
    return yaml.safe_load(meta), body


def import_site(site: ClinicSite, root: Path, **options) -> list:
    result = crawl([site.url + "/"], SETTINGS, previous=previous_fetches(root))
    return apply(plan(result, root, **options), KnowledgeFiles(root, root.parent / "instance"))


@pytest.fixture(scope="module")
def site() -> Iterator[ClinicSite]:
    with ClinicSite() as clinic_site:
        yield clinic_site


@pytest.fixture(scope="module")
def imported(site: ClinicSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = empty_knowledge(tmp_path_factory.mktemp("imported") / "knowledge")
    return root, import_site(site, root)


@pytest.fixture(scope="module")
def bot(imported, encoder, seeded_cache) -> Iterator[Assistant]:
    root, _ = imported
    assistant = Assistant(AssistantConfig(root, seeded_cache(root.parent / "instance")), encoder=encoder)
    yield assistant
    assistant.close()


def test_each_page_and_leaflet_becomes_a_knowledge_file_without_the_site_furniture(site, imported):
    root, report = imported
    assert {p.name for p in root.glob("*.md")} == EXPECTED_FILES
    assert {e.file for e in report if e.status == Status.ADDED} == EXPECTED_FILES
    every_page = "\n".join(p.read_text("utf-8") for p in root.glob("*.md"))
    for furniture in ("We use cookies", "Accept all", "Registered in England", "Book online", "Privacy policy"):
        assert furniture not in every_page, furniture
    assert "weekend rota" not in every_page  # robots.txt disallows /staff-only/
    assert "Book three peels" not in every_page  # the peels page's sidebar

    meta, body = front_matter(root / "lip-filler.md")
    assert meta["title"] == "Lip filler"
    assert meta["url"] == f"{site.url}/treatments/lip-filler"  # the canonical address, without ?utm_source
    assert meta["imported_from"] == f"{site.url}/treatments/lip-filler"
    assert meta["imported_at"].endswith("Z") and meta["etag"].startswith('"') and meta["last_modified"]
    assert len(meta["content_hash"]) == 32
    assert "## How long does lip filler last?" in body
    assert "- Avoid alcohol for 24 hours before your treatment." in body
    assert f"[consent form]({site.url}/your-first-visit)" in body  # links kept, made absolute

    _, faq = front_matter(root / "faq.md")  # JSON-LD FAQPage: its questions word for word, each once
    assert faq.count("## Do you offer a student discount?") == 1
    assert "Yes: students get **10% off peels** on weekdays" in faq
    assert "## Is there parking nearby?" in faq
    _, vouchers = front_matter(root / "gift-vouchers.md")  # microdata FAQPage
    assert "## How long are gift vouchers valid for?\n\nOur gift vouchers are valid for eighteen months" in vouchers
    _, visit = front_matter(root / "your-first-visit.md")  # <details> and a hidden faq-answer accordion
    assert "## Does the consultation cost anything?\n\nNo. Your first consultation is free" in visit
    assert "## Can I have treatment on the same day?\n\nFor anti-wrinkle injections" in visit
    _, prices = front_matter(root / "prices.md")
    assert "- Lip filler (1 ml) — Price: £340; Time: 45 minutes" in prices

    meta, leaflet = front_matter(root / "filler-aftercare.md")
    assert meta["url"] == f"{site.url}/leaflets/filler-aftercare.pdf"
    assert meta["title"] == "Looking after your skin after dermal filler"  # the largest type on the first page
    assert "## Can I exercise after filler?\n\nPlease avoid the gym" in leaflet
    assert "## When can I wear make-up again?" in leaflet  # on the second page


def test_the_report_says_why_addresses_were_skipped(site, imported):
    _, report = imported
    reasons = {e.source.removeprefix(site.url): e.reason for e in report if e.status == Status.SKIPPED}
    assert reasons["/staff-only/rota"] == "robots.txt asks robots not to read this page"
    assert reasons["/missing-page"] == "the site answered with an error (HTTP 404)"
    assert reasons["/old-prices"] == f"the same page as {site.url}/prices"  # a 301 to /prices
    assert not any("utm_source" in e.source for e in report)  # tracking parameters are not another page


@pytest.mark.parametrize(
    ("question", "path", "words"),
    [
        ("how much does lip filler cost", "/prices", "£340"),
        ("can I go to the gym after getting filler?", "/leaflets/filler-aftercare.pdf", "48 hours"),
        ("do students get a discount", "/faq", "10% off peels"),
        ("is the first consultation free?", "/your-first-visit", "consultation is free"),
        ("how long is a gift voucher valid", "/gift-vouchers", "eighteen months"),
        ("who does the lip treatments", "/treatments/lip-filler", "Dr Amara Osei"),
        ("who will do my lip filler", "/treatments/lip-filler", "Dr Amara Osei"),
        ("which doctor does lip fillers", "/treatments/lip-filler", "Dr Amara Osei"),
        ("how much is lip filler", "/prices", "£340"),
    ],
)
def test_the_bot_answers_from_the_imported_pages_with_their_address(bot, site, question, path, words):
    answer = bot.answer(question)
    assert answer.kind == ReplyKind.ANSWER, (question, answer.kind, answer.text)
    assert answer.sources[0].url == site.url + path
    assert words in answer.sources[0].passage


def test_definition_lists_and_nested_accordions_become_faq_entries():
    page = extract(
        """<html><body><main><h1>Aftercare</h1><p>What to do after your treatment at the clinic.</p>
        <h2>Peels</h2><dl><dt>Can I wear make-up after a peel?</dt><dd>Wait until the next morning.</dd></dl>
        <h2>Fillers</h2><details><summary>Can I fly after filler?</summary><p>Wait two days before flying.</p>
        </details></main></body></html>""",
        "https://www.clinic.example/aftercare",
    )
    assert "## Peels\n\n### Can I wear make-up after a peel?\n\nWait until the next morning." in page.markdown
    assert "## Fillers\n\n### Can I fly after filler?\n\nWait two days before flying." in page.markdown


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("text/html", b"  ", "the page is empty"),
        ("text/html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no text found on the page"),
        ("application/zip", b"PK\x03\x04", "not a web page or a PDF (application/zip)"),
        ("application/pdf", b"%PDF-1.4 broken", "the PDF cannot be read"),
    ],
)
def test_pages_with_nothing_to_import_are_reported_not_fatal(content_type, body, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        convert_fetched(Fetched("https://www.clinic.example/x", 200, content_type, body))


def test_sitemaps_plain_gzipped_nested_and_refused():
    urlset = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://c.example/a</loc></url></urlset>'
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://c.example/s2.xml'
    index += b"</loc></sitemap></sitemapindex>"
    assert sitemap_urls(urlset) == sitemap_urls(gzip.compress(urlset)) == (["https://c.example/a"], [])
    assert sitemap_urls(index) == ([], ["https://c.example/s2.xml"])
    for bad, reason in [(b"<urlset", "not valid XML"), (gzip.compress(b" " * 60_000_000), "too large")]:
        with pytest.raises(ValueError, match=reason):
            sitemap_urls(bad)


def test_a_page_in_the_charset_its_meta_tag_names():
    body = '<html><head><meta charset="windows-1252"></head><body><main><h1>Peels</h1><p>A peel costs £95 – '
    body += "and leaves your skin brighter after a week or two of gentle flaking.</p></main></body></html>"
    found = convert_fetched(Fetched("https://www.clinic.example/peels", 200, "text/html", body.encode("cp1252")))
    assert "A peel costs £95 – and leaves" in found.markdown


def test_a_suite_published_as_a_website_comes_back_section_for_section(tmp_path):
    """What the eval's imported figures rest on: every section of the hand-written pages, with the same text."""
    suite = next(s for s in find_suites(PROJECT / "eval" / "visitors", KNOWLEDGE) if s.name == "harbour-aesthetics")
    imported = imported_suite(suite, KNOWLEDGE / "safety.yaml", tmp_path)
    folder = Path(shutil.copytree(suite.knowledge, tmp_path / "original"))
    shutil.copy(KNOWLEDGE / "safety.yaml", folder / "safety.yaml")

    def sections(root: Path) -> dict:
        knowledge = load_knowledge(root)
        assert not knowledge.errors
        return {(d.title, s.headings): s.paragraphs for d in knowledge.documents for s in d.sections}

    assert sections(imported.knowledge) == sections(folder)
    expected = {section for q in imported.questions for section in q.sections}
    files = {section.split(" > ")[0] for section in expected}
    assert files <= {p.name for p in imported.knowledge.glob("*.md")}
    assert "prices.md" in files and "prices-and-booking.md" not in files  # named after its address, /prices


def test_reimport_changes_only_what_changed_and_keeps_staff_edits(site, imported, tmp_path):
    root = Path(shutil.copytree(imported[0], tmp_path / "knowledge"))
    backups = tmp_path / "instance" / "backups"
    try:
        site.news_version = 2
        report = {e.file: e for e in import_site(site, root)}
        assert report["news.md"].status == Status.CHANGED
        assert {f for f, e in report.items() if e.status == Status.UNCHANGED} == EXPECTED_FILES - {"news.md"}
        assert "Wednesdays and Thursdays, until 8.30pm" in (root / "news.md").read_text("utf-8")
        assert any("until 7pm" in b.read_text("utf-8") for b in backups.glob("news.md.*"))  # the editor's Undo

        edited = (root / "news.md").read_text("utf-8").replace("after-work appointments", "evening visits")
        (root / "news.md").write_text(edited, "utf-8")
        site.news_version = 1
        skipped = {e.file: e for e in import_site(site, root)}["news.md"]
        assert skipped.status == Status.SKIPPED and "edited since the last import" in skipped.reason
        assert (root / "news.md").read_text("utf-8") == edited

        forced = {e.file: e for e in import_site(site, root, force=True)}["news.md"]
        assert forced.status == Status.CHANGED and "replacing your edits" in forced.reason
        assert "until 7pm" in (root / "news.md").read_text("utf-8")
        assert any("evening visits" in b.read_text("utf-8") for b in backups.glob("news.md.*"))
    finally:
        site.news_version = 1


def test_an_address_given_may_move_to_another_host_name(site):
    """Staff give the address they know; the site answers with a redirect to its new one, which is then its site."""
    settings = CrawlSettings(FetchSettings(allowed_networks=(*LOOPBACK, ipaddress.ip_network("::1/128"))), delay=0)
    moved = crawl([f"http://localhost:{site.port}/moved"], settings)  # localhost → 127.0.0.1
    found = [f.url for f in moved.found]
    assert found[0] == f"{site.url}/prices" and f"{site.url}/faq" in found  # its links followed on the new host


def test_an_unchanged_leaflet_is_not_downloaded_again(site, imported):
    root, _ = imported
    settings = CrawlSettings(SETTINGS.fetch, delay=0, follow_links=False)
    served = len(site.requests)
    result = crawl([site.url + "/leaflets/filler-aftercare.pdf"], settings, previous=previous_fetches(root))
    (entry,) = plan(result, root)
    assert entry.status == Status.UNCHANGED and entry.file == "filler-aftercare.md"
    assert entry.reason == "not modified on the site since the last import"  # 304 to If-None-Match
    assert site.requests[served:] == ["/robots.txt", "/leaflets/filler-aftercare.pdf"]


def test_loopback_and_private_addresses_are_refused_unless_allowed(site):
    with pytest.raises(FetchError) as refused:
        fetch(site.url + "/prices", FetchSettings())
    assert refused.value.refusal == Refusal.PRIVATE
    with pytest.raises(FetchError) as by_name:
        fetch(f"http://localhost:{site.port}/prices", FetchSettings())
    assert by_name.value.refusal == Refusal.PRIVATE
    served = len(site.requests)
    with pytest.raises(FetchError) as redirected:  # allowed: 127.0.0.1 only; the redirect goes to 127.0.0.2
        fetch(site.url + "/to-private", FetchSettings(allowed_networks=LOOPBACK))
    assert redirected.value.refusal == Refusal.PRIVATE and redirected.value.detail == "127.0.0.2"
    assert site.requests[served:] == ["/to-private"]  # the redirect's target was never asked
    with pytest.raises(FetchError) as file_url:
        fetch(site.url + "/to-file", FetchSettings(allowed_networks=LOOPBACK))
    assert file_url.value.refusal == Refusal.SCHEME
    with pytest.raises(FetchError) as too_large:
        fetch(site.url + "/prices", FetchSettings(allowed_networks=LOOPBACK, max_bytes=1000))
    assert too_large.value.refusal == Refusal.TOO_LARGE
    inside = ("169.254.169.254", "10.1.2.3", "192.168.0.1", "::1", "::ffff:127.0.0.1", "fe80::1", "0.0.0.0")
    # IPv6 addresses that a gateway turns into a private IPv4 one: NAT64, 6to4, Teredo.
    inside += ("64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe")
    inside += ("::7f00:1", "::ffff:0:7f00:1", "64:ff9b:1::7f00:1")  # IPv4-compatible, -translated, local NAT64
    for address in inside:
        assert not public_address(address, ()), address
    assert public_address("93.184.216.34", ()) and public_address("64:ff9b::5db8:d822", ())
    assert fetch(site.url + "/prices", FetchSettings(allowed_networks=LOOPBACK)).status == 200


def test_kb_import_command(site, encoder, tmp_path):
    root = empty_knowledge(tmp_path / "knowledge")
    app = create_app(
        {
            "TESTING": True,
            "KNOWLEDGE_DIR": str(root),
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "WATCH_KNOWLEDGE": False,
            "STORE_QUESTIONS": False,
            "IMPORT_ALLOW_NETWORKS": "127.0.0.1",
            "IMPORT_DELAY": 0,
            **NO_LIMITS,
        },
        encoder=encoder,
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "import", f"{site.url}/faq", f"{site.url}/missing-page", "--no-follow"])
    assert result.exit_code == 0, result.output
    assert "+ added     faq.md" in result.output
    assert "the site answered with an error (HTTP 404)" in result.output
    assert "1 added, 0 changed, 0 unchanged, 1 skipped." in result.output

    leaflet = tmp_path / "leaflet.pdf"
    leaflet.write_bytes(site.pdf)
    url = "https://www.brightwater.example/leaflets/aftercare.pdf"
    result = runner.invoke(args=["kb", "import", str(leaflet), "--url", url])
    assert result.exit_code == 0, result.output
    meta, body = front_matter(root / "aftercare.md")  # named after its address on the site
    assert meta["url"] == url and "## Can I exercise after filler?" in body
    other = tmp_path / "filler-leaflet.pdf"
    other.write_bytes(site.pdf)
    result = runner.invoke(args=["kb", "import", str(other)])  # no address: named after the file, no link
    assert "+ added     filler-leaflet.md" in result.output, result.output
    meta, _ = front_matter(root / "filler-leaflet.md")
    assert "url" not in meta and meta["imported_from"] == str(other)

    app.config["IMPORT_ALLOW_NETWORKS"] = ""  # as shipped: loopback is not a website to import
    refused = runner.invoke(args=["kb", "import", f"{site.url}/prices", "--no-follow"])
    assert "the address is private, loopback or link-local" in refused.output
    assert not (root / "prices.md").exists()


# --- the dashboard, in Chromium -------------------------------------------------------------------


@pytest.fixture(scope="module")
def dashboard(encoder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app in this process, served by Werkzeug's threads (as `python wsgi.py` serves it): the import runs
    on a thread of its own either way, and this spares the suite another server process and model load."""
    root = tmp_path_factory.mktemp("import-dashboard")
    knowledge = empty_knowledge(root / "knowledge")
    shutil.copy(KNOWLEDGE / "visiting-us.md", knowledge / "visiting-us.md")
    app = create_app(
        {"TESTING": True, "KNOWLEDGE_DIR": str(knowledge), "INSTANCE_DIR": str(root / "instance"),
         "WATCH_KNOWLEDGE": False, "STORE_QUESTIONS": False, "IMPORT_ALLOW_NETWORKS": "127.0.0.1/32",
         "IMPORT_DELAY": 0, **NO_LIMITS},
        encoder=encoder,
    )  # fmt: skip
    added = app.test_cli_runner().invoke(args=["staff", "add", "manager@clinic.test", "--password", PASSWORD])
    assert "Created staff account" in added.output, added.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", knowledge
    server.shutdown()


@pytest.mark.e2e
def test_staff_import_the_website_from_the_dashboard(dashboard, site):
    url, knowledge = dashboard
    served = len(site.requests)
    forged = requests.post(f"{url}/admin/import/", data={"address": site.url + "/"}, timeout=30)
    assert forged.status_code == 400  # no CSRF token (and nobody signed in): refused, nothing read
    assert site.requests[served:] == []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(f"{url}/admin/import/")
        expect(page).to_have_url(f"{url}/admin/login?next=/admin/import/")  # staff only
        page.fill("#email", "manager@clinic.test")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("link", name="Import from your website").click()
        page.fill("#address", "ftp://files.clinic.example/")
        page.click("text=Read my website")
        expect(page.get_by_role("alert")).to_contain_text("starting with https://")
        page.fill("#address", site.url + "/")
        page.click("text=Read my website")
        expect(page.get_by_role("heading", name="Pages found on your website")).to_be_visible(timeout=60_000)
        expect(page.locator("#summary")).to_contain_text("9 new, 0 changed, 0 unchanged")
        faq_row = page.locator("tr", has=page.locator("text=faq.md"))
        faq_row.get_by_text("Show the text").click()
        expect(faq_row.locator("pre")).to_contain_text("## Do you offer a student discount?")
        page.locator("tr", has=page.locator("text=news.md")).locator("input[type=checkbox]").uncheck()
        page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)
        page.click("text=Add the ticked pages to the assistant")
        expect(page.get_by_role("heading", name="Knowledge pages")).to_be_visible()
        expect(page.locator(".notice-success")).to_contain_text("Imported 8 page(s)")
        expect(page.locator("a.file-link", has_text="faq.md")).to_be_visible()
        expect(page.locator("a.file-link", has_text="news.md")).to_have_count(0)
        browser.close()
    # Written and live before the Knowledge page showed: the server answers from the imported pages now.
    answer = requests.post(f"{url}/api/ask", json={"question": "do students get a discount"}, timeout=30)
    sources = answer.json()["sources"]
    assert sources and sources[0]["url"] == f"{site.url}/faq"
    assert not (knowledge / "news.md").exists()
