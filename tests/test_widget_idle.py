"""The widget lets its connection go when the chat is closed and quiet, and connects again when it is opened
(web/static/widget.js, data-idle-seconds). Debian's Chromium through Playwright, against the real server, on a
clinic's page served from another origin (a page made by route interception may not open local websockets)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect

from tests.conftest import Server, free_port
from tests.test_widget import DESKTOP, Widget, browser  # noqa: F401  (browser: the fixture)


class ClinicPage:
    """A clinic's page embedding the widget with a one-second idle period."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.bot_url = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Clinic</title></head><body>"
                    f"<script src='{site.bot_url}/widget.js' data-title='Questions? Ask us' data-idle-seconds='1'>"
                    "</script></body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", int(self.url.rsplit(":", 1)[1])), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def clinic_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicPage]:
    site = ClinicPage()
    bot = Server(tmp_path_factory.mktemp("idle-widget"), env={"BOT_ALLOWED_ORIGINS": site.url})
    site.bot_url = bot.url
    bot.start()
    yield site
    bot.stop()
    site.close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:  # noqa: F811  (the fixture imported above)
    context = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def wait_for(page: Page, condition, seconds: float, what: str) -> None:
    """Poll through Playwright's own waits: its events (a websocket opening or closing) arrive only then."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(100)


def test_a_closed_quiet_chat_lets_its_connection_go_and_connects_again_on_open(tab: Page, clinic_page) -> None:
    page = tab
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.goto(clinic_page.url)
    widget = Widget(page)
    widget.open()
    expect(widget.ask("can microneedling help my acne scars?")).to_have_attribute("data-kind", "answer")
    wait_for(page, lambda: sockets and not sockets[-1].is_closed(), 10, "the widget never upgraded to a websocket")

    page.wait_for_timeout(2500)  # open, the chat keeps its connection however quiet
    assert not sockets[-1].is_closed()

    widget.launcher.click()  # closed: after a quiet second the connection goes
    expect(widget.panel).to_be_hidden()
    wait_for(page, lambda: sockets[-1].is_closed(), 10, "the closed, quiet chat kept its connection")
    first = sockets[-1]

    widget.launcher.click()  # opened again: connected again, and answering
    expect(widget.panel).to_be_visible()
    reply = widget.ask("will it fade stretch marks")
    expect(reply).to_have_attribute("data-kind", "answer")
    wait_for(page, lambda: sockets[-1] is not first and not sockets[-1].is_closed(), 10, "no new connection on open")
