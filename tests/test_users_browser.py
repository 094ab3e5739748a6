"""Issue 15, point 12, in Chromium: an admin invites a colleague on the Users page, the invitation arrives at a
real SMTP server (aiosmtpd), the colleague opens the link, chooses a password and is signed in as an editor;
axe-core finds nothing on the Users page (with and without the one-time link) or the link's page, on a desktop
and a phone. Screenshots go to test-artifacts/issue15/."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, expect

from tests import test_widget
from tests.conftest import Server, free_port
from tests.harness import eventually
from tests.test_admin import PASSWORD, add_staff
from tests.test_dashboard_staff import EMAIL, signed_in
from tests.test_handoff import Inbox
from tests.test_widget_visitor import SHOTS, VIEWPORTS, axe

browser = test_widget.browser  # the widget tests' Chromium fixture, one per module
pytestmark = pytest.mark.e2e  # a server process, a browser, an SMTP server


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def users_server(tmp_path_factory: pytest.TempPathFactory, smtp) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("users-page"), env={"SMTP_URL": f"smtp://127.0.0.1:{smtp[1]}"})
    add_staff(server, EMAIL, PASSWORD)  # `flask staff add` without --role: an admin
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_invite_a_colleague_on_the_users_page(browser: Browser, users_server: Server, smtp, size: str) -> None:
    inbox, _ = smtp
    page = signed_in(browser, users_server, size)
    width = VIEWPORTS[size]["viewport"]["width"]
    if size == "mobile":
        page.goto(f"{users_server.url}/admin/users")
    else:
        page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    expect(page.get_by_role("row", name=EMAIL)).to_contain_text("Admin")
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") == width

    colleague = f"colleague-{size}@clinic.test"
    page.get_by_label("E-mail", exact=True).fill(f"  {colleague}  ")
    page.get_by_label("Role", exact=True).select_option("editor")
    before = len(inbox.messages)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", name=f"{colleague} is invited.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"The link was e-mailed to {colleague}.")
    link = page.get_by_label(f"One-time link for {colleague}").input_value()
    assert f"{users_server.url}/admin/welcome/" in link
    page.screenshot(path=str(SHOTS / f"p12-users-invited-{size}.png"), full_page=True)
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") == width

    envelope = eventually(lambda: inbox.messages[before] if len(inbox.messages) > before else None, what="the mail")
    assert envelope.rcpt_tos == [colleague]
    assert link in message_from_bytes(envelope.content, policy=policy.default).get_content()

    newcomer = browser.new_context(**VIEWPORTS[size], reduced_motion="reduce", bypass_csp=True).new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(newcomer.locator("main")).to_contain_text(colleague)
    assert axe(newcomer) == []
    newcomer.get_by_label("New password").fill("their own passphrase")
    newcomer.get_by_label("The same password again").fill("their own passphrase")
    newcomer.get_by_role("button", name="Set password and sign in").click()
    expect(newcomer.locator(".notice-success")).to_contain_text("you are signed in")
    expect(newcomer.locator(".who")).to_have_text(colleague)
    expect(newcomer.get_by_role("link", name="Users")).to_have_count(0)  # an editor
    newcomer.goto(link)  # used once: never again
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("This link does not work")
    newcomer.context.close()

    page.goto(f"{users_server.url}/admin/users")  # the link is shown once only; the colleague is listed as an editor
    expect(page.get_by_label(f"One-time link for {colleague}")).to_have_count(0)
    expect(page.get_by_label(f"Role of {colleague}", exact=True)).to_have_value("editor")
    page.context.close()
