"""Issue 15, staff side: the editor's front-matter warnings (and `kb check`), the dashboard on a phone, its
focus ring, the chart's table, and axe-core on every dashboard page, in Chromium at 1280×800 and 375×667.

Screenshots go to test-artifacts/issue15/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests import test_widget
from tests.conftest import PROJECT, SHARED_MODELS, Server
from tests.test_admin import PAGES, PASSWORD, add_staff
from tests.test_widget import Widget
from tests.test_widget_visitor import SHOTS, VIEWPORTS, axe

browser = test_widget.browser  # the widget tests' Chromium fixture, one per module
EMAIL = "editor@clinic.test"
pytestmark = pytest.mark.e2e  # a server process, a browser, the CLI in its own process


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("staff-dashboard"))
    add_staff(server, EMAIL, PASSWORD)
    server.start()
    yield server
    server.stop()


def signed_in(browser: Browser, server: Server, size: str = "desktop") -> Page:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(**VIEWPORTS[size], reduced_motion="reduce", bypass_csp=True).new_page()
    page.goto(f"{server.url}/admin/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")
    return page


def kb_check(server: Server) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "BOT_KNOWLEDGE_DIR": str(server.knowledge),
        "BOT_INSTANCE_DIR": str(server.root / "instance"),
        "BOT_MODELS_DIR": str(SHARED_MODELS),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "kb", "check", "--strict"]
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)


# --- 10. front-matter slips: warned before saving, and by kb check ----------------------------------------


def test_editor_warns_about_front_matter_slips_before_saving(browser: Browser, staff_server: Server) -> None:
    page = signed_in(browser, staff_server)
    path = staff_server.knowledge / "microneedling.md"
    original = path.read_text("utf-8")
    page.goto(f"{staff_server.url}/admin/knowledge/microneedling.md")
    text = page.locator("textarea#content")
    slipped = original.replace("title:", "tittle:", 1).replace("\n## ", "\n## Is it safe?\n\n## ", 1)
    text.fill(slipped)
    page.get_by_role("button", name="Save changes").click()
    shot_name = "p10-editor-warnings"
    page.screenshot(path=str(SHOTS / f"{shot_name}.png"), full_page=True)
    warnings = page.locator("#warnings")
    expect(warnings).to_contain_text("unknown front-matter key 'tittle' is ignored: did you mean 'title'?")
    expect(warnings).to_contain_text("the question “Is it safe?” has no answer under it")
    assert path.read_text("utf-8") == original  # not saved yet
    expect(text).to_have_value(slipped)  # nothing lost

    # The first `---` deleted: the title and url would be read as text.
    text.fill(original.split("\n", 1)[1])
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#warnings")).to_contain_text("no opening '---' line")
    expect(page.locator("#warnings")).to_contain_text("has no 'url:'")
    assert path.read_text("utf-8") == original

    page.get_by_role("button", name="Save anyway").click()  # staff may still save, knowingly
    expect(page.get_by_role("status").or_(page.locator(".notice-success"))).to_contain_text("Saved")
    assert path.read_text("utf-8") == original.split("\n", 1)[1]
    result = kb_check(staff_server)
    assert result.returncode != 0
    assert "microneedling.md, line 1: the front matter has no opening '---' line" in result.stderr, result.stderr
    page.context.close()


def test_kb_check_passes_the_shipped_knowledge(staff_server: Server, tmp_path) -> None:
    shipped = Server(tmp_path)  # a fresh copy of knowledge/, never started
    result = kb_check(shipped)
    assert result.returncode == 0, result.stderr
    assert "⚠" not in result.stderr


# --- 13. the dashboard on a phone; the focus ring; the chart's numbers as a table; axe --------------------


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_every_dashboard_page_fits_and_passes_axe(browser: Browser, staff_server: Server, size: str) -> None:
    page = signed_in(browser, staff_server, size)
    found, widths = {}, {}
    for path in PAGES:
        page.goto(staff_server.url + path)
        name = path.strip("/").replace("/", "-") or "admin"
        page.screenshot(path=str(SHOTS / f"p13-{name}-{size}.png"), full_page=True)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        found[path] = axe(page)
    assert widths == {path: page.viewport_size["width"] for path in PAGES}, widths  # no sideways scrolling
    assert found == {path: [] for path in PAGES}, found
    page.goto(f"{staff_server.url}/admin/knowledge/visiting-us.md")  # a save, so that there is an Undo
    text = page.locator("textarea#content")
    text.fill(text.input_value() + f"\nParking: ask us ({size}).\n")
    page.get_by_role("button", name="Save changes").click()
    undo = page.get_by_role("button", name="Undo last save")
    expect(undo).to_be_visible()
    box = undo.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box
    page.context.close()


def contrast(rgb_a: tuple[int, ...], rgb_b: tuple[int, ...]) -> float:
    def luminance(rgb: tuple[int, ...]) -> float:
        channels = [c / 255 for c in rgb[:3]]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_focus_ring_stands_out_and_the_chart_has_a_table(browser: Browser, staff_server: Server) -> None:
    ask = requests.post(f"{staff_server.url}/api/ask", json={"question": "What are your opening hours?"}, timeout=30)
    assert ask.ok  # the chart shows once there is a question
    page = signed_in(browser, staff_server)
    page.goto(f"{staff_server.url}/admin/")
    for _ in range(20):  # to the first control on the page's white body (the top bar is teal)
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('main')"):
            break
    colours = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineColor, s.outlineStyle, s.outlineWidth]; }"
    )
    rgb = tuple(int(v) for v in colours[0].removeprefix("rgb(").removesuffix(")").split(",")[:3])
    assert colours[1] != "none" and contrast(rgb, (255, 255, 255)) >= 3, colours  # WCAG 1.4.11, on white
    page.get_by_text("The same numbers as a table").click()
    table = page.get_by_role("table", name="Questions per day")
    expect(table).to_have_count(1)
    expect(table.locator("tbody tr")).to_have_count(30)
    expect(table.locator("thead")).to_contain_text("Questions")
    page.screenshot(path=str(SHOTS / "p13-chart-table.png"), full_page=True)
    page.context.close()


# --- 14. content gaps: dismiss a group; the answer a visitor rated down ------------------------------------


def test_gaps_show_the_answer_rated_down_and_a_group_can_be_dismissed(browser: Browser, staff_server: Server) -> None:
    for question in ("what's the weather in Paris tomorrow?", "what will the weather be in Paris tomorrow"):
        assert requests.post(f"{staff_server.url}/api/ask", json={"question": question}, timeout=30).ok
    visitor = browser.new_context(**VIEWPORTS["desktop"], reduced_motion="reduce").new_page()
    visitor.goto(staff_server.url)
    widget = Widget(visitor)
    widget.open()
    reply = widget.ask("What are your opening hours?")
    reply.get_by_role("button", name="No, this did not help").click()
    reply.get_by_role("textbox", name="What was wrong? (optional)").fill("I wanted Sunday hours")
    reply.get_by_role("textbox", name="What was wrong? (optional)").press("Enter")
    expect(reply.get_by_text("we will look at it")).to_be_visible()
    visitor.context.close()

    page = signed_in(browser, staff_server)
    deadline = time.monotonic() + 15
    while True:  # the store writes on its own thread
        page.goto(f"{staff_server.url}/admin/gaps")
        if "I wanted Sunday hours" in page.content() or time.monotonic() > deadline:
            break
    rated = page.locator(".rated li").filter(has_text="What are your opening hours?")
    expect(rated).to_contain_text("got Visiting us")
    expect(rated).to_contain_text("Monday to Friday")  # the answer that was given
    expect(rated).to_contain_text("Visitor's reason: I wanted Sunday hours")
    weather = page.locator(".gap").filter(has_text="weather")
    expect(weather).to_have_count(1)
    page.screenshot(path=str(SHOTS / "p14-gaps.png"), full_page=True)
    weather.get_by_role("button", name=re.compile("Dismiss .*off-topic")).click()
    expect(page.locator(".notice-success")).to_contain_text("Dismissed 2 questions")
    expect(page.locator(".gap").filter(has_text="weather")).to_have_count(0)
    expect(page.get_by_text("weather", exact=False)).to_have_count(0)
    page.context.close()


# --- 11. "Write an answer": an FAQ entry on a matching page, or a new page with its title and url ----------


def test_write_an_answer_offers_matching_pages_or_a_new_page(browser: Browser, staff_server: Server) -> None:
    question = "can I buy a gift voucher for a friend"
    answer = requests.post(f"{staff_server.url}/api/ask", json={"question": question}, timeout=30).json()
    assert answer["kind"] in ("fallback", "clarify"), answer
    page = signed_in(browser, staff_server)
    deadline = time.monotonic() + 15
    while True:
        page.goto(f"{staff_server.url}/admin/gaps")
        if question in page.content() or time.monotonic() > deadline:
            break
    page.get_by_role("row").filter(has_text=question).get_by_role("link", name="Write an answer").click()
    expect(page.get_by_role("heading", name="Write an answer")).to_be_visible()
    choices = page.get_by_role("link", name=re.compile("^Add to “"))
    expect(choices.first).to_have_text(re.compile("^Add to “(Microneedling|Visiting us)”$"))  # best match first
    page.screenshot(path=str(SHOTS / "p11-write-an-answer.png"), full_page=True)
    assert axe(page) == []
    name = re.search(r"/admin/knowledge/([\w.-]+)\?", choices.first.get_attribute("href")).group(1)
    before = (staff_server.knowledge / name).read_text("utf-8")
    choices.first.click()
    draft = page.locator("textarea#content").input_value()
    assert draft.startswith(before.rstrip()) and draft.rstrip().endswith("if you have more questions.")
    assert f"## {question}?" in draft
    assert (staff_server.knowledge / name).read_text("utf-8") == before  # only when saved

    page.go_back()
    page.get_by_label("Title").fill("Gift vouchers")
    page.get_by_label("Address of the page on your website").fill("https://www.example.com/gift-vouchers")
    page.get_by_label("File name").fill("gift-vouchers")
    page.get_by_role("button", name="Start the page").click()
    draft = page.locator("textarea#content").input_value()
    assert draft.startswith("---\ntitle: Gift vouchers\nurl: https://www.example.com/gift-vouchers\n---\n"), draft
    expect(page.locator("#warnings")).to_have_count(0)  # a url from the start: nothing to warn about
    page.context.close()
