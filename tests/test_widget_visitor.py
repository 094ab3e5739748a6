"""Issue 15, visitor side: the widget point by point, in Chromium, at 1280×800 and 375×667 (and 640×400,
200 % zoom), against one real server whose knowledge has a page written with lists, bold and links.

Screenshots go to test-artifacts/issue15/ (git-ignored). axe-core (web/node_modules, pinned) checks the
demo page closed, open, after a conversation and on a phone.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import test_widget
from tests.conftest import ARTIFACTS, KNOWLEDGE, PROJECT, Server
from tests.test_widget import GREETING, Widget, host_page

browser = test_widget.browser  # the widget tests' Chromium fixture, one per module

SHOTS = ARTIFACTS / "issue15"
AXE = PROJECT / "web" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "mobile": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True},
}
AFTERCARE = """---
title: Peel aftercare
url: https://www.example.com/treatments/peel-aftercare
---

## Is it normal for my skin to flake after a peel?

Yes. Light flaking for three to five days is how the old surface layer comes away after a chemical peel, and it
shows the peel is doing its work; leave the flakes alone and let them fall off by themselves, because picking at
them can leave marks. Keep the skin **clean and moisturised**, wear a broad-spectrum sunscreen every day even when
it is cloudy, and avoid saunas and hard exercise for two days while the skin is warm and sensitive.

## What should I do after my peel?

For the first week:

- Wash with a **gentle** cleanser and lukewarm water
- Skip retinol and exfoliating acids for five days

Day by day:

1. Day one: cool compresses
2. Day two: a plain moisturiser

Read [our aftercare leaflet](https://www.example.com/leaflet), call [the nurses](tel:555-0142) or write
to [our team](mailto:hello@example.com). Not [this link](javascript:window.__pwned=3)
<img src=x onerror="window.__pwned=4">.
"""


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("visitor-server")
    knowledge = Path(shutil.copytree(KNOWLEDGE, root / "knowledge"))
    (knowledge / "peel-aftercare.md").write_text(AFTERCARE, "utf-8")
    running = Server(root).start()
    yield running
    running.stop()


def new_page(browser: Browser, size: str = "desktop", **extra) -> Page:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**VIEWPORTS[size], reduced_motion="reduce", **extra)
    page = context.new_page()
    page.on("pageerror", lambda error: pytest.fail(f"JavaScript error: {error}"))
    return page


def shot(page: Page, name: str) -> None:
    page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def visible(locator) -> int:
    return sum(1 for i in range(locator.count()) if locator.nth(i).is_visible())


def axe(page: Page) -> list[dict]:
    """axe-core's violations on the page, the widget's open shadow root included."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target)}))"
    )


# --- 1. the contacts once, compactly ---------------------------------------------------------------------


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_fallback_contacts_are_shown_once(browser: Browser, bot: Server, size: str) -> None:
    page = new_page(browser, size)
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    for turn in range(20):
        reply = widget.ask(f"what is the capital of France? ({turn})" if turn % 2 else "who won the football?")
        expect(reply).to_have_attribute("data-kind", "fallback")
    shot(page, f"p1-contacts-{size}")
    contacts = widget.panel.locator("a.action")
    assert visible(contacts) == 3, "the latest fallback's phone, e-mail and booking link, and no others"
    assert visible(widget.panel.locator(".actions.team button")) == 1, "one 'Talk to our team', the latest"
    last = widget.replies.last
    expect(last.locator('a[href^="tel:"]')).to_be_visible()
    expect(widget.replies.first.locator(".contacts-above")).to_be_visible()  # older replies point to it
    height = last.locator(".contacts").bounding_box()["height"]
    assert height <= (100 if size == "mobile" else 60), height  # one or two compact rows, not three big buttons
    page.reload()  # rebuilt from sessionStorage: the same
    expect(widget.replies).to_have_count(20)
    assert visible(widget.panel.locator("a.action")) == 3
    page.context.close()


# --- 2. related questions: on the latest answer only, worded as something to ask -------------------------


def test_related_questions_only_under_the_latest_answer_and_read_as_questions(browser: Browser, bot: Server) -> None:
    page = new_page(browser)
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    for question in ("can microneedling help my acne scars?", "does microneedling hurt?", "how long is recovery?"):
        widget.ask(question)
    shot(page, "p2-related")
    groups = widget.panel.locator(".messages .chips")
    assert visible(groups) == 1
    assert groups.last.is_visible()
    stored = json.loads(page.evaluate("sessionStorage.getItem(Object.keys(sessionStorage)[0])"))
    suggestions = [s for m in stored["messages"] if m["t"] == "bot" for s in m["a"]["suggestions"]]
    assert any(not s.endswith("?") for s in suggestions), "the test needs a statement heading among them"
    labels = [widget.panel.locator(".chip").nth(i) for i in range(widget.panel.locator(".chip").count())]
    for chip in labels:
        if chip.is_visible():
            text = chip.inner_text()
            assert text.endswith("?") or re.fullmatch(r"Tell me about “.+”", text), text
    statement = next(c for c in labels if c.is_visible() and c.inner_text().startswith("Tell me about"))
    topic = statement.inner_text()[len("Tell me about “") : -1]
    statement.click()  # asks the heading itself, which the bot answers
    reply = widget.replies.nth(3)
    expect(reply).to_have_attribute("data-kind", "answer", timeout=30_000)
    expect(widget.questions.last).to_contain_text(topic)
    page.context.close()


# --- 3 and 4. Markdown rendered as DOM; long passages lead with the key sentence --------------------------


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_markdown_lists_bold_and_safe_links(browser: Browser, bot: Server, size: str) -> None:
    page = new_page(browser, size)
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    reply = widget.ask("what should I do after my peel?")
    expect(reply).to_have_attribute("data-kind", "answer")
    expect(reply.locator(".heading")).to_have_text("What should I do after my peel?")
    shot(page, f"p3-markdown-{size}")
    passage = reply.locator(".passage")
    expect(passage.locator("ul > li")).to_have_count(2)
    expect(passage.locator("ol > li")).to_have_count(2)
    expect(passage.locator("ul > li").first.locator("strong")).to_have_text("gentle")
    expect(passage.get_by_role("link", name="our aftercare leaflet")).to_have_attribute(
        "href", "https://www.example.com/leaflet"
    )
    expect(passage.get_by_role("link", name="the nurses")).to_have_attribute("href", "tel:5550142")
    expect(passage.get_by_role("link", name="our team")).to_have_attribute("href", "mailto:hello@example.com")
    expect(passage.get_by_text("this link")).to_be_visible()  # a javascript: link keeps its words only
    hrefs = widget.shadow_eval("return [...root.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if not re.match(r"^(https?:|tel:|mailto:)", h or "")], hrefs
    assert widget.shadow_eval("return root.querySelectorAll('img, script, iframe').length") == 0
    assert page.evaluate("window.__pwned") is None
    page.context.close()


def test_markdown_from_a_hostile_server_builds_no_html(browser: Browser, bot: Server) -> None:
    """The widget trusts nothing it is sent: a tampered reply (here through sessionStorage) is still text."""
    page = new_page(browser)
    page.goto(bot.url)
    hostile = {
        "kind": "answer",
        "text": "x",
        "suggestions": [],
        "sources": [
            {
                "title": "T",
                "url": "javascript:window.__pwned=1",
                "heading": "<b>h</b>",
                "passage": "Bold words here. Plain tail",
                "markdown": "**<img src=x onerror=\"window.__pwned=2\">** [a](javascript:window.__pwned=3)\n"
                '- [b](data:text/html,<script>window.__pwned=4</script>)\n1. <svg onload="window.__pwned=5">',
                "highlights": [[0, 16]],
            }
        ],
    }
    key = "clinic-chat:" + bot.url
    state = {"open": True, "messages": [{"t": "bot", "id": "x1", "a": hostile, "vote": None}]}
    page.evaluate("([k, v]) => sessionStorage.setItem(k, v)", [key, json.dumps(state)])
    page.reload()
    widget = Widget(page)
    expect(widget.replies).to_have_count(1)
    assert widget.shadow_eval("return root.querySelectorAll('img, script, iframe, svg:not(.icon), b').length") == 0
    hrefs = widget.shadow_eval("return [...root.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h and not re.match(r"^(https?:|tel:|mailto:)", h)], hrefs
    expect(widget.replies.first.locator("strong")).to_have_text('<img src=x onerror="window.__pwned=2">')
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    page.context.close()


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_long_passage_leads_with_its_key_sentence_and_shows_more(browser: Browser, bot: Server, size: str) -> None:
    page = new_page(browser, size)
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    reply = widget.ask("is it normal for my skin to flake after a peel?")
    expect(reply).to_have_attribute("data-kind", "answer")
    shot(page, f"p4-gist-{size}")
    lead = reply.locator(".lead")
    expect(lead).to_be_visible()
    assert lead.inner_text() != "Yes." and len(lead.inner_text().split()) >= 3, lead.inner_text()
    more = reply.get_by_role("button", name="Show more")
    expect(more).to_have_attribute("aria-expanded", "false")
    passage = reply.locator(".passage")
    expect(passage).to_be_hidden()
    assert more.get_attribute("aria-controls") == passage.get_attribute("id")
    more.focus()
    page.keyboard.press("Enter")  # keyboard
    expect(passage).to_be_visible()
    less = reply.get_by_role("button", name="Show less")
    expect(less).to_have_attribute("aria-expanded", "true")
    expect(passage.locator("mark")).to_have_text(lead.inner_text())  # the key sentence, marked in place
    expect(passage).to_contain_text("Light flaking")
    shot(page, f"p4-gist-expanded-{size}")
    page.keyboard.press("Space")
    expect(passage).to_be_hidden()
    page.context.close()


# --- 5 and 8. full screen is modal; 200 % zoom; a log; the greeting read out -----------------------------


def focus_inside_panel(widget: Widget) -> bool:
    return widget.shadow_eval("const a = root.activeElement; return !!a && root.querySelector('.panel').contains(a);")


def test_full_screen_chat_keeps_focus_and_gives_it_back(browser: Browser, bot: Server) -> None:
    page = new_page(browser, "mobile")
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    widget.ask("What are your opening hours?")
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    for _ in range(25):
        page.keyboard.press("Tab")
        assert focus_inside_panel(widget), "Tab left the full-screen chat"
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        assert focus_inside_panel(widget), "Shift+Tab left the full-screen chat"
    widget.panel.get_by_role("button", name="Close chat").click()
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "launcher"
    expect(page.locator("#clinic-chat-widget .panel")).to_have_attribute("aria-modal", "false")
    page.context.close()


def test_desktop_chat_is_not_modal(browser: Browser, bot: Server) -> None:
    page = new_page(browser)
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    expect(widget.panel).to_have_attribute("aria-modal", "false")
    page.context.close()


def test_at_200_percent_zoom_the_panel_is_full_screen_a_log_and_greets_aloud(browser: Browser, bot: Server) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 640, "height": 400}, reduced_motion="reduce")
    page = context.new_page()
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    box = widget.panel.bounding_box()
    shot(page, "p8-zoom-200")
    assert box == {"x": 0, "y": 0, "width": 640, "height": 400}, box
    expect(widget.panel.get_by_role("log", name="Conversation")).to_have_count(1)
    live = page.locator("#clinic-chat-widget [aria-live=polite]").last
    expect(live).to_contain_text(GREETING)
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    context.close()


# --- 6. thumbs: changeable; thumbs down asks why (stored redacted) and offers the team ---------------------


def test_vote_can_change_and_thumbs_down_asks_why(browser: Browser, bot: Server) -> None:
    page = new_page(browser)
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    reply = widget.ask("What are your opening hours?")
    up = reply.get_by_role("button", name="Yes, this helped")
    down = reply.get_by_role("button", name="No, this did not help")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    reason = reply.get_by_role("textbox", name="What was wrong? (optional)")
    expect(reason).to_be_visible()
    expect(reply.locator(".offer-team").get_by_role("link", name=re.compile("555-0142"))).to_be_visible()
    reason.fill("I asked about Sundays, mail me at jane.doe@example.org")
    reason.press("Enter")
    expect(reply.get_by_text("we will look at it")).to_be_visible()
    expect(reason).to_have_count(0)

    database = bot.root / "instance" / "bot.db"
    deadline = time.monotonic() + 15
    row = None
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            row = connection.execute(
                "SELECT vote, vote_reason FROM exchanges WHERE question = 'What are your opening hours?' "
                "AND vote_reason IS NOT NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
        if row:
            break
        page.wait_for_timeout(100)
    assert row is not None, "the reason was not stored"
    assert row[0] == "down"
    assert "Sundays" in row[1] and "jane.doe" not in row[1], row  # redacted like questions
    page.context.close()


# --- 7. new conversation asks first; times; the tab title; a label on the launcher ------------------------


def test_new_conversation_asks_first_and_messages_show_their_time(browser: Browser, bot: Server) -> None:
    page = new_page(browser)
    page.goto(bot.url)
    widget = Widget(page)
    widget.open()
    reply = widget.ask("What are your opening hours?")
    stamp = reply.locator("time.stamp")
    expect(stamp).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    assert stamp.bounding_box()["width"] <= 1  # out of the way until hovered
    reply.locator(".bubble").hover()
    assert stamp.bounding_box()["width"] > 10
    expect(stamp).to_have_text(re.compile(r"\d{1,2}:\d\d"))
    reply.get_by_role("button", name="Yes, this helped").focus()  # keyboard: focus shows it too
    assert stamp.bounding_box()["width"] > 10

    new = widget.panel.get_by_role("button", name="New conversation")
    assert widget.shadow_eval("return root.querySelector('[aria-label=\"New conversation\"] path').getAttribute('d')")[
        :6
    ] != "M17.65"  # not the reload arrow
    new.click()
    cancel = widget.panel.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()
    cancel.click()
    expect(widget.replies).to_have_count(1)
    new.click()
    widget.panel.get_by_role("button", name="Clear and start again").click()
    expect(widget.replies).to_have_count(0)
    expect(widget.input).to_be_focused()

    # A reply while the tab is in the background shows in the tab title, until the tab is back.
    title = page.title()
    page.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    widget.ask("Where is the clinic?")
    expect(page).to_have_title(f"(New reply) {title}")
    page.evaluate(
        "() => { Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    expect(page).to_have_title(title)
    page.context.close()


def test_launcher_label(browser: Browser, bot: Server) -> None:
    page = new_page(browser)
    tag = '<script src="/widget.js" async data-label="Ask us"></script>'
    host_page(page, f"{bot.url}/labelled", f"<!doctype html><html lang='en'><title>L</title><body>{tag}</body></html>")
    launcher = page.locator("#clinic-chat-widget .launcher")
    expect(launcher).to_contain_text("Ask us")
    expect(launcher).to_have_accessible_name("Ask us: Open chat")
    assert launcher.bounding_box()["width"] > 100
    shot(page, "p7-label")
    page.context.close()


# --- axe-core: zero violations --------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_axe_on_the_demo_page(browser: Browser, bot: Server, size: str) -> None:
    page = new_page(browser, size, bypass_csp=True)
    page.goto(bot.url)
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    found = {"closed": axe(page)}
    widget.open()
    found["open"] = axe(page)
    widget.ask("what should I do after my peel?")
    widget.ask("is it normal for my skin to flake after a peel?")
    widget.replies.last.get_by_role("button", name="Show more").click()
    widget.ask("who won the football?")
    answer = widget.replies.nth(0)
    answer.get_by_role("button", name="No, this did not help").click()
    expect(answer.locator(".offer-team")).to_be_visible()
    found["conversation"] = axe(page)
    assert found == {"closed": [], "open": [], "conversation": []}, found
    page.context.close()


# --- 9. the bot's own sentences in the visitor's language -------------------------------------------------


def test_spanish_widget_gets_spanish_replies(browser: Browser, bot: Server) -> None:
    page = new_page(browser)
    tag = '<script src="/widget.js" async data-lang="es"></script>'
    host_page(page, f"{bot.url}/es", f"<!doctype html><html lang='es'><title>Clínica</title><body>{tag}</body></html>")
    widget = Widget(page, title="¿Preguntas? Escríbanos")
    widget.input = widget.panel.get_by_role("textbox", name="Su pregunta")
    widget.open(greeting="¡Hola! Soy el asistente automático")
    expect(widget.panel.locator(".disclaimer")).to_contain_text("no consejo médico")
    expect(widget.ask("what is the capital of France?")).to_contain_text("No tengo información sobre eso")
    expect(widget.ask("I have chest pain")).to_contain_text("Llame ya al 911")
    answer = widget.ask("What are your opening hours?")
    expect(answer).to_contain_text("Monday to Friday")  # the page as staff wrote it
    shot(page, "p9-spanish")
    page.context.close()
