"""The live hand-off in Chromium: a visitor's page with the widget and a signed-in staff member's inbox, on two
gunicorn processes that share Redis (Socket.IO rooms) and PostgreSQL (the queue). The first run has both
pages on one process, the second has them on different processes. Out-of-hours and unclaimed paths end in a
stored callback request; screenshots of the inbox and the visitor's view go to test-artifacts/."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, func, insert, select
from werkzeug.security import generate_password_hash

from bot.handoff import CallbackRequest
from bot.store import StaffUser, utcnow

from .conftest import Server
from .harness import eventually
from .test_scale_out import redis_url  # noqa: F401  (the fixture)
from .test_widget import XSS, Widget, browser, host_page, shot  # noqa: F401  (browser is a fixture)

PASSWORD = "correct horse battery staple"
WAIT_SECONDS = 10
ALWAYS = "mon-sun 00:00-24:00"  # nobody takes a waiting visitor this long: the callback form


@pytest.fixture(scope="module")
def pair(redis_url, postgres_url, tmp_path_factory) -> Iterator[list[Server]]:  # noqa: F811
    root = tmp_path_factory.mktemp("handoff-pair")
    env = {"REDIS_URL": redis_url, "DATABASE_URL": postgres_url, "BOT_HANDOFF_WAIT_SECONDS": str(WAIT_SECONDS)}
    servers = [Server(root, env=env) for _ in range(2)]
    write_hours(servers[0], ALWAYS)  # the shipped hours would make the result depend on the time of day
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def database(postgres_url):
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def staff_email(database) -> str:
    email = f"anna.{uuid.uuid4().hex[:6]}@clinic.test"
    with database.begin() as connection:
        connection.execute(
            insert(StaffUser.__table__).values(
                email=email, password_hash=generate_password_hash(PASSWORD), created_at=utcnow(), session_generation=0
            )
        )
    return email


def callbacks_about(database, topic: str) -> int:
    with database.connect() as connection:
        return connection.scalar(select(func.count()).where(CallbackRequest.__table__.c.topic == topic))


def open_inbox(browser: Browser, server: Server, email: str) -> Page:  # noqa: F811
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server.url}/admin/inbox")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.locator("#connection")).to_contain_text("Connected")
    expect(page.locator("#team")).to_contain_text("Anna (online)")
    return page


def open_widget(browser: Browser, server: Server) -> tuple[Page, Widget]:  # noqa: F811
    page = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url)
    widget = Widget(page)
    widget.open()
    page.errors = errors  # checked at the end of each test
    return page, widget


def team_says(widget: Widget, text: str) -> None:
    expect(widget.panel.locator(".messages .row.staff").last).to_contain_text(text)


@pytest.mark.parametrize("staff_on", [0, 1], ids=["same-process", "other-process"])
def test_full_hand_off_and_back_to_the_bot(browser, pair, staff_email, staff_on):  # noqa: F811
    inbox = open_inbox(browser, pair[staff_on], staff_email)
    page, widget = open_widget(browser, pair[0])

    if staff_on == 0:  # the bot cannot answer: the fallback offers a person
        question = "Do you validate parking tickets for the garage?"
        reply = widget.ask(question)
        expect(reply).to_have_attribute("data-kind", "fallback")
        reply.get_by_role("button", name="Talk to our team").click()
    else:  # a thumbs-down offers a person
        question = "can microneedling help my acne scars?"
        reply = widget.ask(question)
        expect(reply).to_have_attribute("data-kind", "answer")
        reply.get_by_role("button", name="No, this did not help").click()
        reply.locator(".offer-team").get_by_role("button", name="Talk to our team").click()
    expect(widget.panel.locator(".row.sys").last).to_contain_text("You're in the queue")
    bot_replies = widget.replies.count()

    card = inbox.locator("#waiting .conversation")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(question)  # the bot's part, as stored
    expect(inbox).to_have_title("(1) Inbox · Example Skin Clinic assistant")
    if staff_on == 0:
        shot(inbox, "handoff-inbox-waiting")
    card.get_by_role("button", name="Take this conversation").click()
    expect(widget.panel.locator(".row.sys").last).to_contain_text("Anna from Example Skin Clinic has joined.")
    active = inbox.locator("#active .conversation")
    expect(active).to_have_count(1)

    for n in range(2):
        text = f"visitor message {n}" + (XSS if n else "")
        widget.input.fill(text)
        widget.input.press("Enter")
        expect(active.locator(".transcript li.visitor").last).to_contain_text(text)  # as text, never as markup
        reply_text = f"staff reply {n}" + (XSS if n else "")
        active.get_by_label("Your reply").fill(reply_text)
        active.get_by_role("button", name="Send").click()
        team_says(widget, reply_text)
    assert inbox.evaluate("window.__pwned") is None and page.evaluate("window.__pwned") is None
    if staff_on == 0:
        shot(inbox, "handoff-inbox-active")
        shot(page, "handoff-visitor-active")
    # No bot answer arrived while a person had the conversation.
    expect(widget.replies).to_have_count(bot_replies)

    active.get_by_role("button", name="Hand back to the assistant").click()
    expect(widget.panel.locator(".row.sys").last).to_contain_text("handed you back to the automated assistant")
    expect(inbox.locator("#active .conversation")).to_have_count(0)
    answer = widget.ask("can microneedling help my acne scars?")
    expect(answer).to_have_attribute("data-kind", "answer")
    assert not page.errors, page.errors
    inbox.context.close()
    page.context.close()


def test_a_closed_chat_keeps_its_connection_for_the_teams_reply(browser, pair, staff_email):  # noqa: F811
    """A chat closed and quiet lets its connection go after data-idle-seconds, but not while the team has it."""
    inbox = open_inbox(browser, pair[1], staff_email)
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    tag = f"<script src='{pair[0].url}/widget.js' data-title='Questions? Ask us' data-idle-seconds='1'></script>"
    host_page(page, f"{pair[0].url}/idle", f"<!doctype html><html lang='en'><body><h1>Clinic</h1>{tag}</body></html>")
    widget = Widget(page)
    widget.open()
    widget.panel.locator(".team-btn").click()
    inbox.locator("#waiting .conversation").get_by_role("button", name="Take this conversation").click()
    expect(widget.panel.locator(".row.sys").last).to_contain_text("has joined")
    widget.panel.get_by_role("button", name="Close chat").click()
    page.wait_for_timeout(2500)  # past the idle time: nothing to observe but that the connection stays
    active = inbox.locator("#active .conversation")
    active.get_by_label("Your reply").fill("Are you still there?")
    active.get_by_role("button", name="Send").click()
    expect(widget.badge).to_have_text("1")
    widget.launcher.click()
    team_says(widget, "Are you still there?")
    active.get_by_role("button", name="Close conversation").click()
    expect(widget.panel.locator(".row.sys").last).to_contain_text("has closed this conversation")
    inbox.context.close()
    page.context.close()


def fill_form(widget: Widget, **values: str) -> None:
    form = widget.panel.locator("form.callback").last
    for label, value in values.items():
        form.get_by_label(label, exact=True).fill(value)


def test_unclaimed_hand_off_ends_in_a_stored_callback(browser, pair, staff_email, database):  # noqa: F811
    inbox = open_inbox(browser, pair[1], staff_email)
    page, widget = open_widget(browser, pair[0])
    expect(widget.ask("Can I talk to a real person?")).to_have_attribute("data-kind", "smalltalk")
    widget.replies.last.get_by_role("button", name="Talk to our team").click()  # the "human" intent offers it
    expect(widget.panel.locator(".row.sys").last).to_contain_text("You're in the queue")
    expect(inbox.locator("#waiting .conversation")).to_have_count(1)
    started = time.monotonic()
    expect(widget.panel.locator(".row.sys").last).to_contain_text(
        "nobody could join", timeout=(WAIT_SECONDS + 20) * 1000
    )
    assert time.monotonic() - started > WAIT_SECONDS / 2
    expect(inbox.locator("#waiting .conversation")).to_have_count(0)
    form = widget.panel.locator("form.callback")
    expect(form).to_contain_text("Only our reception team sees your details")  # the clinic's privacy text
    expect(form).to_contain_text("We call back within one working day.")
    topic = f"Laser consultation {uuid.uuid4().hex[:6]}"

    # Bad input on every field: clear errors, nothing stored.
    fill_form(
        widget,
        **{
            "Your name": "<script>x</script>",
            "Phone": "call me",
            "E-mail": "nope@",
            "Best time to reach you (optional)": "t" * 101,
        },
    )
    form.get_by_role("button", name="Send request").click()
    expect(form.locator(".field-error[id]:visible")).to_have_count(6)  # name, phone, e-mail, time, topic, consent
    expect(form).to_contain_text("does not look like a phone number")
    expect(form).to_contain_text("Please tick the box")
    assert callbacks_about(database, topic) == 0
    shot(page, "handoff-visitor-callback-errors")

    fill_form(
        widget,
        **{
            "Your name": "Maria Lopez",
            "Phone": "+1 555 0100",
            "E-mail": "",
            "Best time to reach you (optional)": "mornings",
        },
    )
    form.get_by_label("What is it about?").fill(topic)
    form.get_by_role("checkbox").check()
    form.get_by_role("button", name="Send request").click()
    expect(widget.panel.locator(".row.form").last).to_contain_text("Thank you, Maria. Your request was sent.")
    assert callbacks_about(database, topic) == 1
    inbox.goto(f"{pair[1].url}/admin/callbacks")
    expect(inbox.locator("table.callbacks")).to_contain_text(topic)
    shot(inbox, "handoff-callbacks")
    assert not page.errors, page.errors
    inbox.context.close()
    page.context.close()


def hand_off_state(server: Server) -> str:
    client = socketio.Client(reconnection=False)
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        return client.call("handoff_request", {"conversation": f"probe-{uuid.uuid4().hex}"}, timeout=10)["state"]
    finally:
        client.disconnect()


def write_hours(server: Server, hours: str) -> None:
    path = Path(server.knowledge) / "clinic.yaml"
    text = path.read_text()
    start = text.index("\nhours: ") + 1
    path.write_text(text[:start] + f'hours: "{hours}"' + text[text.index("\n", start) :])


def set_hours(server: Server, hours: str, expected: str) -> None:
    """Edit clinic.yaml as staff would; the servers pick it up by themselves. `expected` is what a probe
    hears then: closed, or no_staff (the probe must not join the queue)."""
    write_hours(server, hours)
    eventually(lambda: hand_off_state(server) == expected, 60, 0.5, f"the server reads the new hours ({expected})")


def test_out_of_hours_ends_in_a_stored_callback(browser, pair, staff_email, database):  # noqa: F811
    inbox = open_inbox(browser, pair[0], staff_email)  # someone online, but the clinic is closed
    set_hours(pair[0], "mon-sun 00:00-00:01", "closed")
    try:
        page, widget = open_widget(browser, pair[0])
        widget.panel.locator(".team-btn").click()  # the menu
        expect(widget.panel.locator(".row.sys").last).to_contain_text("Our team is not available right now")
        expect(widget.panel.locator(".row.sys").last).to_contain_text("Monday to Friday")
        topic = f"Peel aftercare {uuid.uuid4().hex[:6]}"
        form = widget.panel.locator("form.callback")
        form.get_by_role("button", name="Send request").click()
        expect(form.locator(".field-error[id]:visible")).to_have_count(4)  # name, phone-or-email, topic, consent
        fill_form(widget, **{"Your name": "Sam", "E-mail": "sam@example.org"})
        form.get_by_label("What is it about?").fill(topic)
        form.get_by_role("button", name="Send request").click()
        expect(form).to_contain_text("Please tick the box")
        assert callbacks_about(database, topic) == 0  # nothing stored without consent
        form.get_by_role("checkbox").check()
        shot(page, "handoff-visitor-out-of-hours")
        form.get_by_role("button", name="Send request").click()
        expect(widget.panel.locator(".row.form").last).to_contain_text("Thank you, Sam.")
        assert callbacks_about(database, topic) == 1
        assert not page.errors, page.errors
        page.context.close()
    finally:
        inbox.context.close()
        set_hours(pair[0], ALWAYS, "no_staff")
