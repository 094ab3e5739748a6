"""The visitor chat widget (web/static/widget.js) in a real browser, on the demo page, against the real server.

Debian's Chromium through Playwright. Screenshots go to test-artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import ARTIFACTS, Server, free_port, launch_chromium

DESKTOP = {"width": 1280, "height": 800}
TITLE = "Questions? Ask us"  # data-title on the demo page
GREETING = "Hello! I'm the Example Skin Clinic's automated assistant."
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    playwright = sync_playwright().start()
    chromium = launch_chromium(playwright)
    yield chromium
    chromium.close()
    playwright.stop()


class ClinicSite:
    """A clinic's own website on another origin, embedding the widget from the bot's host, with a strict
    Content-Security-Policy (no 'unsafe-inline' anywhere) that allows the bot's host and nothing else."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.bot_url = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Our clinic</title></head>"
                    f"<body><h1>Our clinic</h1><script src='{site.bot_url}/widget.js' async></script></body></html>"
                ).encode()
                bot_ws = site.bot_url.replace("http://", "ws://")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header(
                    "Content-Security-Policy",
                    f"default-src 'self'; script-src 'self' {site.bot_url}; connect-src 'self' {site.bot_url} {bot_ws};"
                    " style-src 'self'; img-src 'self'",
                )
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def clinic_site() -> Iterator[ClinicSite]:
    site = ClinicSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, clinic_site: ClinicSite) -> Iterator[Server]:
    """This module's own server, which lets the clinic's site embed it. The last test restarts it."""
    running = Server(tmp_path_factory.mktemp("widget-server"), env={"BOT_ALLOWED_ORIGINS": clinic_site.url})
    clinic_site.bot_url = running.url
    running.start()
    yield running
    running.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


class Widget:
    """The widget as a visitor sees it. Playwright's CSS and role locators pierce its open shadow root."""

    def __init__(self, page: Page, title: str = TITLE) -> None:
        self.page = page
        self.launcher = page.locator("#clinic-chat-widget .launcher")
        self.badge = page.locator("#clinic-chat-widget .badge")
        self.panel = page.get_by_role("dialog", name=title)
        self.input = self.panel.get_by_role("textbox", name="Your question")
        self.status = self.panel.locator(".status")
        self.greeting = self.panel.locator(".intro .bubble")
        self.questions = self.panel.locator(".messages .row.user")
        self.replies = self.panel.locator(".messages .row.bot")

    def open(self, greeting: str = GREETING) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.greeting).to_contain_text(greeting)

    def ask(self, question: str):
        """Type a question, press Enter, and return the reply that arrives for it."""
        before = self.replies.count()
        self.input.fill(question)
        self.input.press("Enter")
        expect(self.replies).to_have_count(before + 1, timeout=30_000)
        return self.replies.nth(before)

    def shadow_eval(self, script: str):
        """Run `script` with `root` bound to the widget's shadow root."""
        root = "document.querySelector('#clinic-chat-widget').shadowRoot"
        return self.page.evaluate(f"() => {{ const root = {root}; {script} }}")

    def focused(self) -> str | None:
        """A short description of the focused element inside the widget, or None when focus is elsewhere."""
        return self.shadow_eval("const a = root.activeElement; return a ? a.id || a.classList[0] : null;")


class SentPackets:
    """Every Socket.IO payload the page sends, over WebSocket frames and long-polling POSTs alike."""

    def __init__(self, page: Page) -> None:
        self.payloads: list[str] = []
        page.on("websocket", lambda ws: ws.on("framesent", self._frame))
        page.on("request", self._request)

    def _frame(self, payload: str | bytes) -> None:
        self.payloads.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

    def _request(self, request) -> None:
        if request.method == "POST" and "/socket.io/" in request.url:
            self.payloads.append(request.post_data or "")

    def asks(self, question: str) -> int:
        needle = '"question":' + json.dumps(question)
        return sum(payload.count(needle) for payload in self.payloads if '"ask"' in payload)


def host_page(page: Page, url: str, body: str) -> None:
    """Serve `body` at `url` (on the bot's origin) by route interception, and go there."""
    page.route(url, lambda route: route.fulfill(content_type="text/html; charset=utf-8", body=body))
    page.goto(url)


def shot(page: Page, name: str) -> None:
    page.wait_for_timeout(150)  # let the scroll settle
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# --- 1. answers --------------------------------------------------------------------------------------------


def test_answer_marks_the_key_sentence_and_links_the_source(page: Page, bot: Server) -> None:
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    expect(widget.panel.get_by_text("not medical advice")).to_be_visible()  # the disclaimer from `welcome`

    reply = widget.ask("can microneedling help my acne scars?")
    expect(reply).to_have_attribute("data-kind", "answer")
    expect(reply.locator(".heading")).to_have_text("Microneedling reduces scars")
    passage = reply.locator(".passage")
    expect(passage).to_contain_text("acne")
    mark = passage.locator("mark")
    expect(mark).to_have_count(1)
    marked, whole = mark.inner_text(), passage.inner_text()
    assert len(marked) > 40 and marked in whole and marked != whole
    # Exactly the server's key sentence: the passage cut at its highlight offsets (kept in sessionStorage).
    stored = json.loads(page.evaluate("sessionStorage.getItem(Object.keys(sessionStorage)[0])"))
    source = next(m for m in stored["messages"] if m["t"] == "bot")["a"]["sources"][0]
    (start, end), *_ = source["highlights"]
    assert marked == source["passage"][start:end]
    read_more = reply.get_by_role("link", name=re.compile(r"^Read more: Microneedling"))
    expect(read_more).to_have_attribute("href", "https://www.example.com/treatments/microneedling")
    expect(read_more).to_have_attribute("rel", "noopener noreferrer")
    live = page.locator("#clinic-chat-widget [aria-live=polite]").last
    expect(live).to_contain_text("minor surgery")  # read out to screen readers
    shot(page, "desktop-open-answer")

    # Thumbs up: recorded; the same vote again changes nothing (changing it: test_widget_visitor.py).
    up = reply.get_by_role("button", name="Yes, this helped")
    down = reply.get_by_role("button", name="No, this did not help")
    up.click()
    expect(reply.get_by_text("feedback was recorded")).to_be_visible()
    expect(up).to_have_attribute("aria-pressed", "true")
    up.click()
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(up).to_have_attribute("aria-pressed", "true")

    # A suggestion button asks its question.
    widget.panel.get_by_role("button", name="What are your opening hours?").click()
    expect(widget.replies).to_have_count(2, timeout=30_000)
    second = widget.replies.nth(1)
    expect(widget.questions.nth(1)).to_have_text(re.compile("What are your opening hours"))
    expect(second).to_have_attribute("data-kind", "answer")
    expect(second).to_contain_text("Monday to Friday")

    # A related question under the latest answer asks its question too (older answers' are folded away).
    expect(reply.locator(".chips")).to_be_hidden()
    related = second.locator(".chips").get_by_role("button").first
    label = re.sub(r"^Tell me about “(.*)”$", r"\1", related.inner_text())
    related.click()
    expect(widget.replies).to_have_count(3, timeout=30_000)
    expect(widget.questions.nth(2)).to_have_text(re.compile(re.escape(label)))


# --- 2. fallback and emergency -----------------------------------------------------------------------------


def test_fallback_offers_contacts_and_emergency_stands_out(page: Page, bot: Server) -> None:
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()

    fallback = widget.ask("what is the capital of France?")
    expect(fallback).to_have_attribute("data-kind", "fallback")
    expect(fallback.locator('a[href^="tel:"]')).to_have_attribute("href", "tel:5550142")
    expect(fallback.locator('a[href^="mailto:"]')).to_have_attribute("href", "mailto:hello@example.com")
    expect(fallback.get_by_role("link", name="Book an appointment")).to_have_attribute(
        "href", "https://www.example.com/book"
    )
    expect(fallback.get_by_role("button", name=re.compile("helped"))).to_have_count(0)  # votes: answers only
    shot(page, "fallback-reply")

    emergency = widget.ask("I have chest pain")
    expect(emergency).to_have_attribute("data-kind", "emergency")
    expect(emergency).to_have_attribute("role", "alert")
    expect(emergency.locator(".emergency-title svg")).to_have_count(1)  # the warning icon
    calls = emergency.locator('a[href^="tel:"]')
    expect(calls).to_have_count(2)
    expect(calls.nth(0)).to_have_attribute("href", "tel:911")
    expect(calls.nth(1)).to_have_attribute("href", "tel:988")
    assert calls.nth(0).bounding_box()["y"] <= calls.nth(1).bounding_box()["y"]

    def look(row) -> dict:
        return row.locator(".bubble").evaluate(
            "e => { const s = getComputedStyle(e);"
            " return {border: [s.borderTopWidth, s.borderTopStyle, s.borderTopColor].join(' '),"
            " bg: s.backgroundColor}; }"
        )

    plain, alarm = look(fallback), look(emergency)
    assert alarm["border"].startswith("2px solid") and plain["border"].startswith("0px")
    red, green, blue = (int(v) for v in re.findall(r"\d+", alarm["border"].split("solid")[1])[:3])
    assert red > 150 and green < 80 and blue < 80, alarm
    assert alarm["bg"] != plain["bg"]
    shot(page, "emergency-reply")

    page.emulate_media(color_scheme="dark")
    shot(page, "emergency-reply-dark")


# --- 3. no HTML from text ----------------------------------------------------------------------------------


def test_question_with_html_is_shown_as_text(page: Page, bot: Server) -> None:
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    widget.ask(XSS)
    expect(widget.questions.first.locator(".bubble")).to_have_text(XSS)
    assert widget.shadow_eval("return root.querySelectorAll('img, script, iframe').length") == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None

    page.reload()  # and again when rebuilt from sessionStorage
    expect(widget.questions.first.locator(".bubble")).to_have_text(XSS)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert widget.shadow_eval("return root.querySelectorAll('img, script, iframe').length") == 0


# --- 4. the conversation survives reloads ------------------------------------------------------------------


def test_reload_and_navigation_keep_the_conversation_until_new_conversation(page: Page, bot: Server) -> None:
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    reply = widget.ask("What are your opening hours?")
    reply.get_by_role("button", name="No, this did not help").click()
    expect(reply.get_by_text("feedback was recorded")).to_be_visible()

    page.reload()
    expect(widget.panel).to_be_visible()  # it was open, so it is open again
    expect(widget.questions).to_have_count(1)
    expect(widget.questions.first).to_contain_text("What are your opening hours?")
    expect(widget.replies).to_have_count(1)
    expect(widget.replies.first).to_contain_text("Monday to Friday")
    expect(widget.replies.first.get_by_role("button", name="No, this did not help")).to_have_attribute(
        "aria-pressed", "true"
    )

    widget.panel.get_by_role("button", name="Close chat").click()
    page.goto(f"{bot.url}/?page=2")  # another page of the same site
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_hidden()  # closed stays closed
    widget.launcher.click()
    expect(widget.replies).to_have_count(1)

    widget.panel.get_by_role("button", name="New conversation").click()
    widget.panel.get_by_role("button", name="Clear and start again").click()  # it asks first
    expect(widget.questions).to_have_count(0)
    expect(widget.replies).to_have_count(0)
    expect(widget.greeting).to_contain_text(GREETING)
    page.reload()
    expect(widget.greeting).to_contain_text(GREETING)
    expect(widget.replies).to_have_count(0)
    expect(widget.questions).to_have_count(0)


# --- 5. nothing before the visitor opens it ----------------------------------------------------------------


def test_no_request_and_no_cookie_before_the_widget_is_opened(context: BrowserContext, page: Page, bot: Server) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(bot.url)
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    # The demo page's own stylesheet is the host page's; from the widget only widget.js itself.
    assert sorted(requested) == sorted([f"{bot.url}/", f"{bot.url}/demo.css", f"{bot.url}/widget.js"])
    assert context.cookies() == []
    assert page.evaluate("typeof window.io") == "undefined"

    widget.open()
    assert f"{bot.url}/vendor/socket.io.min.js" in requested
    assert any(url.startswith(f"{bot.url}/socket.io/") for url in requested)


# --- 6. the host page's CSS cannot touch it ----------------------------------------------------------------

MEASURE = """() => {
  const root = document.querySelector('#clinic-chat-widget').shadowRoot;
  const look = (selector) => {
    const e = root.querySelector(selector);
    if (!e) return null;
    const s = getComputedStyle(e), b = e.getBoundingClientRect();
    return {box: [b.x, b.y, b.width, b.height].map(Math.round), color: s.color, background: s.backgroundColor,
            fontSize: s.fontSize, fontFamily: s.fontFamily, display: s.display, position: s.position,
            radius: s.borderRadius};
  };
  return {launcher: look('.launcher'), panel: look('.panel'), title: look('.title'), input: look('textarea'),
          greeting: look('.intro .bubble'), chip: look('.chip'), send: look('.send')};
}"""

PAGE_LOOK = """() => Object.fromEntries(['body', 'h1', '.button', 'nav a'].map(sel => {
  const s = getComputedStyle(document.querySelector(sel));
  return [sel, [s.color, s.backgroundColor, s.fontFamily, s.fontSize, s.display, s.boxSizing].join(' | ')];
}))"""


def test_hostile_page_css_does_not_change_the_widget(page: Page, bot: Server) -> None:
    page.goto(bot.url)
    widget = Widget(page)
    page_before = page.evaluate(PAGE_LOOK)
    closed_normal = page.evaluate(MEASURE)
    widget.open()
    open_normal = page.evaluate(MEASURE)
    assert page.evaluate(PAGE_LOOK) == page_before  # the widget's CSS does not leak onto the page

    tag = re.search(r"<script src=\"/widget\.js\"[^>]*></script>", requests.get(bot.url, timeout=10).text)
    assert tag, "the demo page embeds the widget with one script tag"
    hostile = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Hostile</title><style>"
        "* { display:block !important; color:red !important; font-size:40px !important }"
        " html { font-size: 40px !important } div, button, section { position: relative !important;"
        " margin: 30px !important; padding: 30px !important; background: lime !important;"
        " border: 9px solid blue !important;"
        " width: 50px !important; transform: rotate(3deg) !important; font-family: serif !important }"
        " textarea { height: 300px !important }"
        f"</style></head><body><h1>A page with hostile CSS</h1>{tag.group(0)}</body></html>"
    )
    page.evaluate("sessionStorage.clear()")
    host_page(page, f"{bot.url}/hostile-page", hostile)
    expect(widget.launcher).to_be_visible()
    assert page.evaluate(MEASURE) == closed_normal
    widget.open()
    assert page.evaluate(MEASURE) == open_normal
    shot(page, "hostile-css-page")


# --- 7. phones ---------------------------------------------------------------------------------------------


def test_mobile_panel_fills_the_screen(browser: Browser, bot: Server) -> None:
    ctx = browser.new_context(
        viewport={"width": 375, "height": 667},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        reduced_motion="reduce",
    )
    try:
        page = ctx.new_page()
        page.goto(bot.url)
        widget = Widget(page)
        shot(page, "mobile-closed")
        widget.launcher.tap()
        expect(widget.panel).to_be_visible()
        expect(widget.greeting).to_contain_text(GREETING)
        box = widget.panel.bounding_box()
        assert box is not None
        assert abs(box["x"]) <= 1 and abs(box["y"]) <= 1, box
        assert abs(box["width"] - 375) <= 1 and abs(box["height"] - 667) <= 1, box
        shot(page, "mobile-open")

        # Comfortable tap targets: every button and action link in the panel is at least 44px high.
        widget.ask("How do I book an appointment?")
        small = widget.shadow_eval(
            "return [...root.querySelectorAll('.panel button, .panel a.action, .panel a.source')]"
            ".filter(e => e.offsetParent !== null).map(e => [e.getAttribute('aria-label') || e.textContent,"
            " Math.round(e.getBoundingClientRect().height), Math.round(e.getBoundingClientRect().width)])"
            ".filter(([, h, w]) => h < 44 || w < 44);"
        )
        assert small == [], small
        shot(page, "mobile-answer")
        widget.panel.get_by_role("button", name="Close chat").tap()
        expect(widget.panel).to_be_hidden()
        expect(widget.launcher).to_be_visible()
    finally:
        ctx.close()


# --- 8. keyboard only --------------------------------------------------------------------------------------


def test_keyboard_only(page: Page, bot: Server) -> None:
    page.goto(bot.url)
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    for _ in range(40):
        page.keyboard.press("Tab")
        if widget.focused() == "launcher":
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    assert widget.shadow_eval("return getComputedStyle(root.activeElement).outlineStyle") != "none"  # visible focus

    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    assert widget.focused() == "ccw-input"  # focus moved into the input

    page.keyboard.type("What are your opening hours?")
    page.keyboard.press("Enter")
    expect(widget.replies).to_have_count(1, timeout=30_000)
    expect(widget.replies.first).to_contain_text("Monday to Friday")
    assert widget.focused() == "ccw-input"

    # Shift+Tab back to the thumbs-up button and vote with the keyboard.
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if widget.shadow_eval("return root.activeElement && root.activeElement.dataset.vote") == "up":
            break
    else:
        pytest.fail("Shift+Tab never reached the thumbs-up button")
    assert widget.shadow_eval("return getComputedStyle(root.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(widget.replies.first.get_by_text("feedback was recorded")).to_be_visible()

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "launcher"  # focus went back to the launcher
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")


# --- embedded on the clinic's own site, another origin -------------------------------------------------------


def test_embedded_on_another_origin_under_a_strict_csp(
    context: BrowserContext, page: Page, bot: Server, clinic_site: ClinicSite
) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(clinic_site.url)
    widget = Widget(page, title="Questions? Ask us")
    expect(widget.launcher).to_be_visible()
    look = widget.launcher.evaluate("e => [getComputedStyle(e).position, getComputedStyle(e).backgroundColor]")
    assert look == ["fixed", "rgb(11, 93, 107)"]  # styled, though the page allows no inline styles
    widget.open()
    reply = widget.ask("What are your opening hours?")
    expect(reply).to_have_attribute("data-kind", "answer")
    expect(reply).to_contain_text("Monday to Friday")
    assert not [text for text in console if "Content Security Policy" in text], console

    # The same page from an origin the bot does not list (localhost is not 127.0.0.1): no connection.
    other = context.new_page()
    other.goto(f"http://localhost:{clinic_site.port}/")
    stranger = Widget(other)
    stranger.launcher.click()
    expect(stranger.status).to_have_text("Offline, reconnecting…", timeout=15_000)
    expect(stranger.greeting).to_have_count(0)
    other.close()


# --- 9. the server goes away and comes back ----------------------------------------------------------------


def test_offline_question_is_sent_once_after_the_server_restarts(page: Page, bot: Server) -> None:
    sent = SentPackets(page)
    handshakes: list[float] = []  # when each new Engine.IO connection was attempted
    failed: list[float] = []
    is_handshake = lambda request: "/socket.io/" in request.url and "sid=" not in request.url  # noqa: E731
    page.on("request", lambda request: is_handshake(request) and handshakes.append(time.monotonic()))
    page.on("requestfailed", lambda request: is_handshake(request) and failed.append(time.monotonic()))
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    widget.ask("What are your opening hours?")
    expect(widget.status).to_be_hidden()

    bot.stop()
    try:
        expect(widget.status).to_have_text("Offline, reconnecting…", timeout=30_000)
        question = "Where is the clinic?"
        widget.input.fill(question)
        widget.input.press("Enter")
        queued = widget.questions.nth(1)
        expect(queued).to_contain_text(question)
        expect(queued).to_contain_text("Will be sent when you are back online")
        page.keyboard.press("Escape")  # the answer will arrive while the panel is closed
        expect(widget.panel).to_be_hidden()

        # After three failed attempts socket.io-client waits at least 2.5 s before the next one;
        # the browser's `online` event must make the widget try again at once.
        deadline = time.monotonic() + 30
        while len(failed) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert len(failed) >= 3, "socket.io-client did not keep retrying"
        page.wait_for_timeout(100)
        attempts = len(handshakes)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_timeout(1000)
        assert len(handshakes) > attempts, "the online event did not trigger a reconnection attempt"
        assert sent.asks(question) == 0
    finally:
        bot.start()

    expect(widget.badge).to_have_text("1", timeout=20_000)  # answered while closed: unread badge
    expect(widget.launcher).to_have_attribute("aria-label", "Open chat, 1 new")
    shot(page, "unread-badge")
    widget.launcher.click()
    expect(widget.status).to_be_hidden()
    expect(widget.badge).to_be_hidden()
    expect(widget.replies).to_have_count(2)
    expect(widget.replies.nth(1)).to_contain_text("123 Example Street")
    expect(queued).not_to_contain_text("Will be sent")
    page.wait_for_timeout(2000)  # room for a duplicate to show up
    expect(widget.replies).to_have_count(2)
    expect(widget.questions).to_have_count(2)
    assert sent.asks(question) == 1
    shot(page, "reconnected")


# --- more: the script tag's options, long questions ---------------------------------------------------------


def test_script_tag_options_title_accent_position_greeting_and_language(page: Page, bot: Server) -> None:
    tag = (
        '<script src="/widget.js" async data-title="Pregúntenos" data-accent="#f5c518" data-position="left"'
        ' data-greeting="¡Hola! Pregunte lo que quiera." data-lang="es"></script>'
    )
    host_page(page, f"{bot.url}/clinica", f"<!doctype html><html lang='es'><body><h1>Clínica</h1>{tag}</body></html>")
    widget = Widget(page, title="Pregúntenos")
    expect(widget.launcher).to_have_attribute("aria-label", "Abrir chat")
    box = widget.launcher.bounding_box()
    assert box is not None and box["x"] < 100, box  # bottom left
    look = widget.launcher.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")
    assert look[0] == "rgb(245, 197, 24)"
    assert look[1] != "rgb(255, 255, 255)"  # dark text on a light accent, for contrast

    widget.open(greeting="¡Hola! Pregunte lo que quiera.")
    expect(widget.greeting).not_to_contain_text("automated assistant")  # data-greeting replaces the server's
    expect(widget.panel.get_by_role("textbox", name="Su pregunta")).to_have_attribute(
        "placeholder", "Escriba su pregunta…"
    )
    expect(widget.panel.get_by_role("button", name="Nueva conversación")).to_be_visible()
    panel = widget.panel.bounding_box()
    assert panel is not None and panel["x"] < 100, panel


def test_long_questions_are_limited_with_a_note(page: Page, bot: Server) -> None:
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    expect(widget.input).to_have_attribute("maxlength", "1000")
    widget.input.evaluate(
        """e => { const data = new DataTransfer(); data.setData('text/plain', 'x'.repeat(1500));
                  const paste = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
                  e.dispatchEvent(paste); }"""
    )
    expect(widget.panel.locator(".note")).to_contain_text("up to 1000 characters")
    widget.input.fill("y" * 990)
    expect(widget.panel.locator(".note")).to_be_visible()


def test_referral_follow_up_and_asking_for_a_person(page: Page, bot: Server) -> None:
    """Personal advice gets the clinicians' contacts (and general information apart); a follow-up is read in
    the context of the last answer; asking for a person offers the team's contacts; the page is sent."""
    sent = SentPackets(page)
    page.goto(bot.url + "/?visit=1#top")
    widget = Widget(page)
    widget.open()

    referral = widget.ask("can I keep using my retinol cream before microneedling?")
    expect(referral).to_have_attribute("data-kind", "referral")
    expect(referral.locator('a[href^="tel:"]')).to_have_attribute("href", "tel:5550142")
    expect(referral).to_contain_text("clinicians")

    first = widget.ask("tell me about microneedling")
    expect(first).to_have_attribute("data-kind", "answer")
    follow_up = widget.ask("will I be put to sleep for it?")
    expect(follow_up).to_have_attribute("data-kind", "answer")
    expect(follow_up.locator(".heading")).to_have_text("Microneedling is minimally invasive")

    person = widget.ask("can I speak to someone real")
    expect(person).to_have_attribute("data-kind", "smalltalk")
    expect(person.get_by_role("link", name="Book an appointment")).to_have_attribute("href", "https://www.example.com/book")
    shot(page, "referral-follow-up-person")
    packets = [packet for payload in sent.payloads for packet in payload.split("\x1e")]
    asks = [json.loads(packet[2:]) for packet in packets if packet.startswith('42["ask"')]
    pages = {data[1].get("page") for data in asks}
    assert len(asks) >= 4 and pages == {bot.url + "/"}, pages  # no query string, no fragment
