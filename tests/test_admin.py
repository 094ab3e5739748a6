"""The staff dashboard (/admin): sign-in, CSRF, overview, content gaps, and the knowledge editor.

Sign-in, overview and gaps run on a fresh app per test (its own database and knowledge copy). The editor is
exercised on this module's own server, in a real Chromium as well.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from werkzeug.security import generate_password_hash

from bot.extensions import db
from bot.knowledge_files import FileRefused, KnowledgeFiles
from bot.spreadsheet import safe_cell
from bot.store import Exchange, StaffUser, utcnow
from tests.conftest import ARTIFACTS, PROJECT, SHARED_MODELS, Server, launch_chromium
from tests.harness import eventually

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
BASE = re.compile(r'name="base" value="([^"]*)"')

PAGES = [
    "/admin/",
    "/admin/gaps",
    "/admin/knowledge",
    "/admin/knowledge/microneedling.md",
    "/admin/knowledge/clinic.yaml",
    "/admin/users",
]
DATA = ["/admin/gaps.csv", "/admin/api/overview"]
FORMS = [
    "/admin/logout",
    "/admin/knowledge/new",
    "/admin/knowledge/microneedling.md/try",
    "/admin/knowledge/microneedling.md/save",
    "/admin/knowledge/microneedling.md/undo",
    "/admin/users/invite",
]


def token(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def textarea(page: str) -> str:
    match = re.search(r'<textarea id="content"[^>]*>\n(.*?)</textarea>', page, re.S)
    assert match, "no editor in the page"
    return html.unescape(match.group(1))


# --- a fresh app per test: access, sign-in, overview, gaps ----------------------------------------


@functools.cache
def password_hash() -> str:
    """PASSWORD's hash, made once: hashing is slow on purpose (about 0.2 s), and every test adds staff."""
    return generate_password_hash(PASSWORD)


def add_staff_user(app, email: str) -> None:
    with app.app_context():
        db.session.add(StaffUser(email=email, password_hash=password_hash()))
        db.session.commit()


@pytest.fixture
def staff(app) -> tuple[str, str]:
    email = f"staff-{uuid.uuid4().hex[:10]}@clinic.test"
    add_staff_user(app, email)
    return email, PASSWORD


def sign_in(client, email: str, password: str, next_url: str | None = None):
    page = client.get("/admin/login").get_data(as_text=True)
    url = "/admin/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token(page)})


@pytest.fixture
def client(app, staff):
    client = app.test_client()
    assert sign_in(client, *staff).status_code == 302
    return client


def test_anonymous_visitors_are_refused_everywhere(app):
    client = app.test_client()
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/admin/login?next=")
    for url in DATA:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.get_json()["error"]["code"] == "unauthorized"
    # With a valid CSRF token (from the sign-in page) a form still gets nowhere without signing in.
    csrf = token(client.get("/admin/login").get_data(as_text=True))
    knowledge = Path(app.config["KNOWLEDGE_DIR"]) / "microneedling.md"
    before = knowledge.read_bytes()
    for url in FORMS:
        response = client.post(url, data={"csrf_token": csrf, "content": "# Hacked\n\nHacked.", "name": "x.md"})
        assert response.status_code == 302 and response.headers["Location"] == "/admin/login", url
    assert knowledge.read_bytes() == before
    assert client.get("/admin/login").status_code == 200  # the sign-in page itself is open
    assert client.get("/admin/static/admin.css").status_code == 200


def test_forms_without_a_csrf_token_are_refused(app, staff, client):
    anonymous = app.test_client()
    assert anonymous.post("/admin/login", data={"email": staff[0], "password": staff[1]}).status_code == 400
    knowledge = Path(app.config["KNOWLEDGE_DIR"]) / "microneedling.md"
    before = knowledge.read_bytes()
    for url in FORMS:
        response = client.post(url, data={"content": "# Changed\n\nChanged.", "name": "csrf-test.md"})
        assert response.status_code == 400, url
    assert knowledge.read_bytes() == before
    assert client.post("/admin/knowledge/microneedling.md/save", data={"csrf_token": "forged"}).status_code == 400
    # An editor left open past the token's lifetime loses nothing: the draft comes back to try again.
    refused = client.post("/admin/knowledge/microneedling.md/save", data={"content": "## Draft?\n\nMy long text.\n"})
    assert refused.status_code == 400 and textarea(refused.get_data(as_text=True)) == "## Draft?\n\nMy long text.\n"
    assert knowledge.read_bytes() == before
    assert client.get("/admin/").status_code == 200  # the refused logout did not sign out


def test_sign_in_and_out(app, staff):
    client = app.test_client()
    response = sign_in(client, *staff, next_url="/admin/gaps")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/gaps"
    page = client.get("/admin/").get_data(as_text=True)
    assert "Overview" in page and staff[0] in page
    response = client.post("/admin/logout", data={"csrf_token": token(page)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer(app, staff):
    wrong = sign_in(app.test_client(), staff[0], "not the password")
    unknown = sign_in(app.test_client(), "nobody@clinic.test", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert "That e-mail and password do not match." in response.get_data(as_text=True)
    client = app.test_client()
    sign_in(client, staff[0], "not the password")
    assert client.get("/admin/").status_code == 302


def test_sign_in_never_sends_you_off_the_dashboard(app, staff):
    for target in ("https://evil.example/", "//evil.example/admin/", "/api/ask", "/admin\\..\\x"):
        response = sign_in(app.test_client(), *staff, next_url=target)
        assert response.headers["Location"] == "/admin/", target


def seed(app, rows: list[dict]) -> None:
    with app.app_context():
        for row in rows:
            db.session.add(Exchange(**{"confidence": 0.5, "source_ids": "", **row}))
        db.session.commit()


def test_overview_counts_seeded_exchanges(app, client):
    passages = [p for p in app.extensions["assistant"].snapshot.index.passages if p.file == "visiting-us.md"]
    hours = next(p for p in passages if p.question == "What are your opening hours?")
    now = utcnow()
    rows = [{"question": "when are you open?", "kind": "answer", "source_ids": hours.id, "created_at": now}] * 3
    rows += [
        {"question": "opening hours?", "kind": "answer", "source_ids": hours.id, "vote": "up", "created_at": now},
        {"question": "hours sunday?", "kind": "answer", "source_ids": hours.id, "vote": "down", "created_at": now},
        {"question": "do you sell cars?", "kind": "fallback", "created_at": now - timedelta(days=2)},
        {"question": "hi", "kind": "smalltalk", "created_at": now - timedelta(days=2)},
        {"question": "I can't breathe", "kind": "emergency", "created_at": now - timedelta(days=29, hours=-1)},
        {"question": "too old to count", "kind": "fallback", "created_at": now - timedelta(days=45)},
    ]
    seed(app, rows)
    after = client.get("/admin/api/overview").get_json()

    assert after["total"] == 8  # the 45-day-old one is past the 30 days shown
    kinds = {k["kind"]: k["count"] for k in after["kinds"]}
    assert kinds == {"answer": 5, "clarify": 0, "fallback": 1, "referral": 0, "emergency": 1, "smalltalk": 1}
    assert abs(sum(k["share"] for k in after["kinds"]) - 1) < 0.01
    assert after["votes"]["up"] == 1 and after["votes"]["down"] == 1
    assert len(after["days"]) == 30 and after["days"][-1]["date"] == now.date().isoformat()
    assert after["days"][-1]["count"] == 5 and sum(day["count"] for day in after["days"]) == 8
    label = "Visiting us › What are your opening hours?"
    topics = {t["label"]: t for t in after["topics"]}
    assert topics[label]["count"] == 5 and topics[label]["file"] == "visiting-us.md"

    page = client.get("/admin/").get_data(as_text=True)
    assert "Questions per day" in page and "<svg" in page and 'class="bar"' in page
    assert "Busiest topics" in page and "Visiting us › What are your opening hours?" in page
    assert "Answered from your pages" in page and "Could not answer" in page and "Rated helpful" in page


GIFTS = ["Do you sell gift vouchers?", "can I buy a gift voucher?", "Do you have gift cards?"]
XSS = "<script>alert('gap')</script> do you do <b>tattoo removal</b>?"
FORMULA = '=HYPERLINK("https://evil.example","laser prices")'


def seed_gaps(app) -> None:
    now = utcnow()
    seed(
        app,
        [{"question": q, "kind": "fallback", "created_at": now} for q in GIFTS]
        + [{"question": GIFTS[0], "kind": "fallback", "created_at": now - timedelta(days=1)}]
        + [{"question": "when are you open?", "kind": "answer", "vote": "down", "created_at": now}]
        + [{"question": XSS, "kind": "fallback", "created_at": now}, {"question": FORMULA, "kind": "fallback"}],
    )


def test_content_gaps_group_similar_questions_biggest_first(app, client):
    seed_gaps(app)
    page = client.get("/admin/gaps").get_data(as_text=True)
    assert "Content gaps" in page and "Asked more than once" in page
    cards = re.findall(r'<li class="gap">(.*?)</li>\s*(?=<li class="gap">|</ol>)', page, re.S)
    gift = [c for c in cards if all(html.escape(q, quote=True) in c for q in GIFTS)]
    assert len(gift) == 1, "the gift-voucher questions form one group"
    assert int(re.search(r'<div class="gap-count"><span>(\d+)</span>', gift[0]).group(1)) == 4
    counts = [int(n) for n in re.findall(r'<div class="gap-count"><span>(\d+)</span>', page)]
    assert counts == sorted(counts, reverse=True)
    # Visitors' words are shown as text, never as markup.
    assert "<script>alert(" not in page and "<b>tattoo" not in page
    assert "&lt;script&gt;alert(" in page


def test_content_gaps_csv(app, client):
    seed_gaps(app)
    response = client.get("/admin/gaps.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["group", "count", "question"]
    gift = [row for row in rows[1:] if row[2] in GIFTS]
    assert {row[2] for row in gift} == set(GIFTS)
    assert len({(row[0], row[1]) for row in gift}) == 1 and int(gift[0][1]) == 4
    assert ["'" + FORMULA] in [row[2:] for row in rows]  # a formula stays text in a spreadsheet
    assert not any(cell.startswith("=") for row in rows for cell in row)


@pytest.mark.parametrize(
    ("question", "cell"),
    [
        ('＝HYPERLINK("https://evil.example")', '\'=HYPERLINK("https://evil.example")'),  # full-width equals
        ("\u200b=1+2", "'=1+2"),  # a zero-width space before the equals
        ("\ufeff\u2060@SUM(A1)", "'@SUM(A1)"),
        ("＋cmd", "'+cmd"),
        ("ｂｏｔｏｘ price?", "botox price?"),
        ("lip filler at 35?", "lip filler at 35?"),
    ],
)
def test_csv_cells_are_normalised_before_the_formula_check(question, cell):
    assert safe_cell(question) == cell


def test_knowledge_list_shows_files_state_and_passages(app, client):
    page = client.get("/admin/knowledge").get_data(as_text=True)
    for name in ("microneedling.md", "visiting-us.md", "clinic.yaml", "safety.yaml"):
        assert f">{name}</a>" in page
    rows = dict(re.findall(r">([\w.-]+)</a></td>(.*?)</tr>", page, re.S))
    passages = app.extensions["assistant"].knowledge_status().live_passages["visiting-us.md"]
    assert "status-ok" in rows["visiting-us.md"] and f'class="num">{passages}</td>' in rows["visiting-us.md"]
    assert "status-ok" in rows["clinic.yaml"]


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "..%2Foutside.md",
        "sub%2F..%2F..%2Foutside.md",
        ".hidden.md",
        "README.md",
        "notes.txt",
        "microneedling.md%00.txt",
        "..%5Coutside.md",
    ],
)
def test_paths_outside_the_knowledge_pages_are_refused(app, client, name):
    page = client.get("/admin/knowledge").get_data(as_text=True)
    assert client.get(f"/admin/knowledge/{name}").status_code == 400
    data = {"csrf_token": token(page), "content": "---\ntitle: X\n---\n\n## Owned?\n\nOwned.\n", "base": ""}
    assert client.post(f"/admin/knowledge/{name}/save", data=data).status_code == 400
    root = Path(app.config["KNOWLEDGE_DIR"])
    assert not (root.parent / "outside.md").exists()


def test_resolve_file_keeps_to_the_knowledge_pages(app):
    root = Path(app.config["KNOWLEDGE_DIR"])
    resolve_file = KnowledgeFiles(root, Path(app.config["INSTANCE_DIR"])).resolve
    assert resolve_file("microneedling.md") == root / "microneedling.md"
    assert resolve_file("clinic.yaml") == root / "clinic.yaml"
    assert resolve_file("treatments/botox.md") == root / "treatments" / "botox.md"
    for name in (
        "/etc/hosts.md",
        str(root / "microneedling.md"),
        "../x.md",
        "a/../../x.md",
        "./x.md",
        "a//b.md",
        "x.yaml",
        "sub/clinic.yaml",
        "",
        "x.md/",
        ".git/config.md",
    ):
        with pytest.raises(FileRefused):
            resolve_file(name)


def test_missing_page_is_404_and_bad_new_page_names_are_refused(client):
    assert client.get("/admin/knowledge/sub/missing.md").status_code == 404
    page = client.get("/admin/knowledge").get_data(as_text=True)
    for name in ("../evil", "Has Spaces", "microneedling"):
        response = client.post("/admin/knowledge/new", data={"csrf_token": token(page), "name": name})
        assert response.status_code == 400, name


# --- the editor, on this module's own server ----------------------------------------------------


def add_staff(server: Server, email: str, password: str) -> None:
    """As a clinic would: `flask --app wsgi staff add EMAIL --password ...`."""
    env = {
        **os.environ,
        "BOT_KNOWLEDGE_DIR": str(server.knowledge),
        "BOT_INSTANCE_DIR": str(server.root / "instance"),
        "BOT_WATCH_KNOWLEDGE": "false",
        "BOT_STORE_QUESTIONS": "false",
        "BOT_MODELS_DIR": str(SHARED_MODELS),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "staff", "add", email, "--password", password]
    result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert f"Created staff account {email}" in result.stdout, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    server = Server(tmp_path_factory.mktemp("dashboard"))
    email = "manager@clinic.test"
    add_staff(server, email, PASSWORD)
    server.start()
    yield server, email
    server.stop()


@pytest.fixture
def session(dashboard) -> requests.Session:
    server, email = dashboard
    http = requests.Session()
    page = http.get(f"{server.url}/admin/login", timeout=30).text
    response = http.post(
        f"{server.url}/admin/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token(page)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    return http


def open_editor(http: requests.Session, server: Server, name: str) -> tuple[str, str, str]:
    page = http.get(f"{server.url}/admin/knowledge/{name}", timeout=30).text
    return page, token(page), BASE.search(page).group(1)


def ask(server: Server, question: str) -> dict:
    return requests.post(f"{server.url}/api/ask", json={"question": question}, timeout=30).json()


def test_an_invalid_draft_is_refused_with_file_and_line_and_the_draft_kept(dashboard, session):
    server, _ = dashboard
    path = server.knowledge / "visiting-us.md"
    before = path.read_bytes()
    page, csrf, base = open_editor(session, server, "visiting-us.md")
    draft = textarea(page).replace("url: https://www.example.com/contact", "url: www.example.com/contact")
    response = session.post(
        f"{server.url}/admin/knowledge/visiting-us.md/save",
        data={"csrf_token": csrf, "base": base, "content": draft},
        timeout=30,
    )
    assert response.status_code == 422
    assert "visiting-us.md, line 2" in response.text and "must start with http:// or https://" in response.text
    assert textarea(response.text) == draft
    assert path.read_bytes() == before
    # "Try it" on the same draft shows the same problem instead of an answer.
    response = session.post(
        f"{server.url}/admin/knowledge/visiting-us.md/try",
        data={"csrf_token": csrf, "base": base, "content": draft, "question": "where are you?"},
        timeout=30,
    )
    assert response.status_code == 422 and "line 2" in response.text and textarea(response.text) == draft
    # An empty page and a page without text are refused too.
    for bad, line in (("   \n", 1), ("---\ntitle: Only headings\n---\n# One\n## Two\n", 4)):
        response = session.post(
            f"{server.url}/admin/knowledge/visiting-us.md/save",
            data={"csrf_token": csrf, "base": base, "content": bad},
            timeout=30,
        )
        assert response.status_code == 422 and f"line {line}" in response.text
    assert path.read_bytes() == before


def test_pages_bigger_than_the_api_body_limit_reach_the_editor(dashboard, session):
    server, _ = dashboard
    _, csrf, base = open_editor(session, server, "visiting-us.md")
    draft = "---\nurl: www.example.com\n---\n\n## Big?\n\n" + "A long sentence about the clinic. " * 4000
    assert len(draft) > 128 * 1024
    response = session.post(
        f"{server.url}/admin/knowledge/visiting-us.md/save",
        data={"csrf_token": csrf, "base": base, "content": draft},
        timeout=30,
    )
    assert response.status_code == 422 and "line 2" in response.text  # read and checked, not refused as too large


def test_try_save_and_undo(dashboard, session):
    server, _ = dashboard
    path = server.knowledge / "visiting-us.md"
    original = path.read_text("utf-8")
    question = "how can I contact the clinic?"
    page, csrf, base = open_editor(session, server, "visiting-us.md")
    draft = textarea(page).replace("We answer e-mails within one working day.", "We answer e-mails within an hour.")
    assert draft != textarea(page)

    tried = session.post(
        f"{server.url}/admin/knowledge/visiting-us.md/try",
        data={"csrf_token": csrf, "base": base, "content": draft, "question": question},
        timeout=60,
    )
    assert tried.status_code == 200
    assert "We answer e-mails within an hour." in tried.text and "<mark>" in tried.text
    assert "555-0142" in tried.text  # {phone} filled in from clinic.yaml, as visitors would see it
    assert textarea(tried.text) == draft and path.read_text("utf-8") == original
    assert "within one working day" in ask(server, question)["text"]

    saved = session.post(
        f"{server.url}/admin/knowledge/visiting-us.md/save",
        data={"csrf_token": csrf, "base": base, "content": draft},
        timeout=60,
    )
    assert saved.status_code == 200 and "Saved." in saved.text  # followed the redirect to the editor
    assert path.read_text("utf-8") == draft
    backups = list((server.root / "instance" / "backups").glob("visiting-us.md.*"))
    assert [b.read_text("utf-8") for b in backups] == [original]
    assert "within an hour" in ask(server, question)["text"]

    # Saving from a page opened before that save would overwrite it: refused.
    stale = session.post(
        f"{server.url}/admin/knowledge/visiting-us.md/save",
        data={"csrf_token": csrf, "base": base, "content": draft + "\nMore.\n"},
        timeout=30,
    )
    assert stale.status_code == 409 and path.read_text("utf-8") == draft

    undone = session.post(f"{server.url}/admin/knowledge/visiting-us.md/undo", data={"csrf_token": csrf}, timeout=60)
    assert undone.status_code == 200 and "Undone" in undone.text
    assert path.read_text("utf-8") == original
    assert "within one working day" in ask(server, question)["text"]
    assert "Undo last save" not in undone.text  # nothing older left to go back to
    again = session.post(f"{server.url}/admin/knowledge/visiting-us.md/undo", data={"csrf_token": csrf}, timeout=30)
    assert "no earlier version" in again.text and path.read_text("utf-8") == original


def test_new_page(dashboard, session):
    server, _ = dashboard
    page = session.get(f"{server.url}/admin/knowledge?question=Do+you+sell+gift+vouchers", timeout=30).text
    response = session.post(
        f"{server.url}/admin/knowledge/new",
        data={"csrf_token": token(page), "name": "gift-vouchers", "question": "Do you sell gift vouchers"},
        timeout=30,
    )
    assert response.status_code == 200 and "A new page" in response.text
    assert response.url.startswith(f"{server.url}/admin/knowledge/gift-vouchers.md")
    draft = textarea(response.text)
    assert "## Do you sell gift vouchers?" in draft
    assert not (server.knowledge / "gift-vouchers.md").exists()  # not live before it is saved

    draft = draft.replace(
        "Write the answer here in a few plain sentences.", "Yes: gift vouchers for any treatment, from $50."
    ).replace("---\n\n", "url: https://www.example.com/gift-vouchers\n---\n\n", 1)  # without it: a warning
    saved = session.post(
        f"{server.url}/admin/knowledge/gift-vouchers.md/save",
        data={"csrf_token": token(response.text), "base": BASE.search(response.text).group(1), "content": draft},
        timeout=60,
    )
    assert saved.status_code == 200 and "Created gift-vouchers.md" in saved.text
    assert (server.knowledge / "gift-vouchers.md").read_text("utf-8") == draft
    assert "gift vouchers for any treatment" in ask(server, "do you sell gift vouchers?")["text"]
    again = session.post(
        f"{server.url}/admin/knowledge/new", data={"csrf_token": token(page), "name": "gift-vouchers.md"}, timeout=30
    )
    assert again.status_code == 400 and "already a page" in again.text


def test_symlinks_out_of_the_folder_are_refused(dashboard, session, tmp_path):
    server, _ = dashboard
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\n\nThe secret is 4711.\n", "utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "inner.md").write_text("---\ntitle: Inner\n---\n\nInner secret 4712.\n", "utf-8")
    link, folder_link = server.knowledge / "linked.md", server.knowledge / "linked-folder"
    link.symlink_to(secret)
    folder_link.symlink_to(tmp_path / "folder")
    try:
        page = session.get(f"{server.url}/admin/knowledge", timeout=30).text
        for name in ("linked.md", "linked-folder/inner.md"):
            response = session.get(f"{server.url}/admin/knowledge/{name}", timeout=30)
            assert response.status_code == 400 and "4711" not in response.text and "4712" not in response.text
            data = {"csrf_token": token(page), "base": "", "content": "---\ntitle: X\n---\n\nOverwritten.\n"}
            assert session.post(f"{server.url}/admin/knowledge/{name}/save", data=data, timeout=30).status_code == 400
        assert "4711" in secret.read_text("utf-8") and "4712" in (tmp_path / "folder" / "inner.md").read_text()
    finally:
        link.unlink()
        folder_link.unlink()


# --- in a real browser --------------------------------------------------------------------------

OLD_SENTENCE = (
    "It’s performed during an office visit that you could fit into a lunch break and doesn’t require downtime for "
    "recovery."
)
NEW_SENTENCE = "Each microneedling session takes about 45 minutes, numbing cream included, and needs no downtime."
QUESTION = "how long does a microneedling session take?"


def seed_history(server: Server) -> None:
    """A month of questions, as the dashboard would see them after a few weeks on a website."""
    answered = {}
    for question in (
        "can microneedling help my acne scars?",
        "does microneedling reduce wrinkles?",
        "What are your opening hours?",
        "how do I book an appointment?",
        "where is the clinic?",
    ):
        body = ask(server, question)
        if body["sources"]:
            answered[question] = body["sources"][0]["id"]
    now = utcnow()
    rows = []
    for day in range(30):
        for n, (question, source) in enumerate(answered.items()):
            if (day + n) % 3 == 0 or day < 4:
                vote = "up" if (day + n) % 4 else ("down" if n == 2 else None)
                rows.append((question, "answer", 0.7, source, vote, now - timedelta(days=day, hours=n)))
        if day % 5 == 0:
            rows.append(("hello", "smalltalk", 1.0, "", None, now - timedelta(days=day, hours=3)))
    gaps = [
        "How much does microneedling cost?",
        "What is the price of microneedling?",
        "microneedling prices",
        "how much is a microneedling session?",
        "Is there parking near the clinic?",
        "where can I park my car",
        "Can I park at the clinic?",
        "Do you offer botox?",
        "can I get botox injections",
        "Do you accept dogs in the waiting room?",
    ]
    for i, question in enumerate(gaps):
        rows.append((question, "fallback", 0.2, "", None, now - timedelta(days=i * 2, hours=5)))
    rows.append(("I think I'm having an allergic reaction", "emergency", 1.0, "", None, now - timedelta(days=6)))
    with sqlite3.connect(server.root / "instance" / "bot.db") as database:
        database.executemany(
            "INSERT INTO exchanges (question, kind, confidence, source_ids, vote, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(*row[:5], row[5].isoformat(" ")) for row in rows],
        )


def test_in_a_browser_sign_in_edit_try_save_and_the_bot_follows(dashboard):
    server, email = dashboard
    seed_history(server)
    path = server.knowledge / "microneedling.md"
    assert OLD_SENTENCE in path.read_text("utf-8")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{server.url}/admin/")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            page.get_by_label("E-mail").fill(email)
            page.get_by_label("Password").fill("wrong password!")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_contain_text("do not match")
            page.screenshot(path=ARTIFACTS / "admin-login.png")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
            expect(page.locator("svg.chart rect.bar").first).to_be_visible()
            page.screenshot(path=ARTIFACTS / "admin-overview.png", full_page=True)

            nav = page.get_by_role("navigation", name="Dashboard")
            nav.get_by_role("link", name="Content gaps").click()
            expect(page.locator(".gap").first).to_contain_text("microneedling")
            expect(page.locator(".gap-count span").first).to_have_text("4")
            page.screenshot(path=ARTIFACTS / "admin-gaps.png", full_page=True)

            nav.get_by_role("link", name="Knowledge pages").click()
            page.get_by_role("link", name="microneedling.md").click()
            editor = page.locator("#content")
            text = editor.input_value()
            assert OLD_SENTENCE in text
            editor.fill(text.replace(OLD_SENTENCE, NEW_SENTENCE))
            page.get_by_label("Question").fill(QUESTION)
            page.get_by_role("button", name="Try it", exact=True).click()
            result = page.locator(".result")
            expect(result).to_contain_text("The assistant would answer")
            expect(result.locator("mark")).to_contain_text("45 minutes")
            assert NEW_SENTENCE in editor.input_value()  # the draft is kept
            assert OLD_SENTENCE in path.read_text("utf-8")  # and not saved yet
            expect(page.get_by_text("You have changes that are not saved.")).to_be_visible()
            page.screenshot(path=ARTIFACTS / "admin-editor.png", full_page=True)

            page.get_by_role("button", name="Save changes").click()
            expect(page.get_by_role("status").first).to_contain_text("Saved.")
            expect(page.get_by_role("button", name="Undo last save")).to_be_visible()
            assert NEW_SENTENCE in path.read_text("utf-8")
            nav.get_by_role("link", name="Knowledge pages").click()
            page.screenshot(path=ARTIFACTS / "admin-knowledge.png", full_page=True)
        finally:
            browser.close()
    assert errors == []

    def new_answer() -> dict | None:
        reply = ask(server, QUESTION)
        return reply if "45 minutes" in reply["text"] else None

    assert eventually(new_answer, timeout=5, interval=0.2, what="the saved text answered")["kind"] == "answer"
