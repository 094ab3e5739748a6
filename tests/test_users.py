"""Issue 15, point 12: staff accounts from the dashboard. Roles, the Users page (admins only), invitations and
resets by one-time links (e-mailed through a real SMTP server, aiosmtpd), removal, and the last-admin rule."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.extensions import db
from bot.staff.accounts import StaffLink
from bot.store import StaffUser, utcnow

from .conftest import free_port
from .harness import eventually
from .test_admin import PASSWORD, sign_in, token
from .test_handoff import Inbox

ADMIN = "head@clinic.test"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def app(make_app, smtp):
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp[1]}", SMTP_FROM="front-desk@clinic.test")
    result = app.test_cli_runner().invoke(args=["staff", "add", ADMIN, "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return app


def new_email(name: str = "staff") -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@clinic.test"


def add_account(app, email: str, role: str) -> None:
    result = app.test_cli_runner().invoke(args=["staff", "add", email, "--password", PASSWORD, "--role", role])
    assert result.exit_code == 0, result.output
    assert f"Created staff account {email} ({role})." in result.output


def account(app, email: str) -> StaffUser | None:
    with app.app_context():
        user = db.session.scalars(select(StaffUser).where(StaffUser.email == email)).first()
        if user is not None:
            db.session.expunge(user)
        return user


def signed_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    assert sign_in(client, email, password).status_code == 302
    return client


def users_page(client) -> str:
    response = client.get("/admin/users")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post(client, path: str, **data):
    return client.post(path, data={**data, "csrf_token": token(users_page(client))})


def shown_link(page: str) -> str:
    start = page.index('id="one-time-link"')
    value = page[start:].split('value="', 1)[1].split('"', 1)[0]
    return urlsplit(value).path


def set_password(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    form = {"password": password, "password_again": password if again is None else again}
    return client.post(path, data={**form, "csrf_token": token(page.get_data(as_text=True))})


def user_id(app, email: str) -> int:
    user = account(app, email)
    assert user is not None
    return user.id


# --- invite → e-mail → accept → signed in --------------------------------------------------------------


def test_invite_emails_a_one_time_link_that_signs_the_new_person_in(app, smtp) -> None:
    inbox, _ = smtp
    admin = signed_in(app, ADMIN)
    email = new_email("nurse")
    before = len(inbox.messages)
    response = post(admin, "/admin/users/invite", email=email.upper(), role="editor")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{email} is invited." in page and f"The link was e-mailed to {email}." in page
    path = shown_link(page)
    assert path.startswith("/admin/welcome/")

    # The e-mail, as the real SMTP server received it, carries the same link.
    envelope = eventually(lambda: inbox.messages[before] if len(inbox.messages) > before else None, what="invite mail")
    assert envelope.rcpt_tos == [email]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["From"] == "front-desk@clinic.test"
    assert "dashboard" in mail["Subject"]
    assert path in mail.get_content()

    # Only a hash of the token is stored.
    token_text = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(select(StaffLink).where(StaffLink.user_id == user_id(app, email))).all()
        assert [link.purpose for link in stored] == ["invite"]
        assert token_text not in stored[0].token_hash and len(stored[0].token_hash) == 64
        assert stored[0].expires_at - stored[0].created_at == timedelta(hours=72)

    # Listed as not having a password yet; cannot sign in before accepting.
    assert "Has not set a password yet" in users_page(admin)
    assert sign_in(app.test_client(), email, "").status_code == 401

    newcomer = app.test_client()
    mismatch = set_password(newcomer, path, NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 400 and "not the same" in mismatch.get_data(as_text=True)
    short = set_password(newcomer, path, "short")
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    accepted = set_password(newcomer, path)
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/admin/")
    assert newcomer.get("/admin/").status_code == 200  # signed in
    assert newcomer.get("/admin/users").status_code == 403  # an editor

    # Single use: the same link never works again, and the password signs in from now on.
    again = app.test_client().get(path)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302
    user = account(app, email)
    assert user.role == "editor" and user.last_sign_in_at is not None


def test_an_expired_or_unknown_link_does_not_work(app) -> None:
    admin = signed_in(app, ADMIN)
    email = new_email("late")
    path = shown_link(post(admin, "/admin/users/invite", email=email, role="admin").get_data(as_text=True))
    with app.app_context():
        link = db.session.scalars(select(StaffLink).where(StaffLink.user_id == user_id(app, email))).one()
        link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = app.test_client().get(path)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    posted = app.test_client().post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert posted.status_code in (400, 410)  # no CSRF token, and expired: never a password set
    assert account(app, email).password_hash == ""
    assert app.test_client().get("/admin/welcome/not-a-real-token").status_code == 410


def test_a_new_link_replaces_the_old_one(app) -> None:
    admin = signed_in(app, ADMIN)
    email = new_email("twice")
    first = shown_link(post(admin, "/admin/users/invite", email=email, role="editor").get_data(as_text=True))
    second = shown_link(post(admin, f"/admin/users/{user_id(app, email)}/reset").get_data(as_text=True))
    assert first != second
    assert app.test_client().get(first).status_code == 410
    assert set_password(app.test_client(), second).status_code == 302


# --- reset, remove, role -------------------------------------------------------------------------------


def test_reset_ends_the_accounts_sessions_and_old_password(app, smtp) -> None:
    inbox, _ = smtp
    email = new_email("reset")
    add_account(app, email, "editor")
    victim = signed_in(app, email)
    assert victim.get("/admin/").status_code == 200
    admin = signed_in(app, ADMIN)
    before = len(inbox.messages)
    page = post(admin, f"/admin/users/{user_id(app, email)}/reset").get_data(as_text=True)
    assert "password is reset and their sessions ended" in page
    path = shown_link(page)
    eventually(lambda: len(inbox.messages) > before, what="reset mail")
    assert path in message_from_bytes(inbox.messages[before].content, policy=policy.default).get_content()

    assert victim.get("/admin/").status_code == 302  # the old session is over
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 401  # so is the old password
    assert set_password(app.test_client(), path).status_code == 302
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302


def test_remove_ends_the_accounts_sessions(app) -> None:
    email = new_email("leaver")
    add_account(app, email, "editor")
    leaver = signed_in(app, email)
    admin = signed_in(app, ADMIN)
    response = post(admin, f"/admin/users/{user_id(app, email)}/remove")
    assert response.status_code == 302
    assert f"{email}&#39;s account is removed" in admin.get("/admin/users").get_data(as_text=True)
    assert account(app, email) is None
    assert leaver.get("/admin/").status_code == 302
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 401
    assert post(admin, f"/admin/users/{10**6}/remove").status_code == 404


def test_change_role_gives_and_takes_the_users_page(app) -> None:
    email = new_email("promoted")
    add_account(app, email, "editor")
    person = signed_in(app, email)
    assert person.get("/admin/users").status_code == 403
    admin = signed_in(app, ADMIN)
    assert post(admin, f"/admin/users/{user_id(app, email)}/role", role="admin").status_code == 302
    assert person.get("/admin/users").status_code == 200
    assert ">Users</a>" in person.get("/admin/").get_data(as_text=True)
    assert post(admin, f"/admin/users/{user_id(app, email)}/role", role="editor").status_code == 302
    assert person.get("/admin/users").status_code == 403
    refused = post(admin, f"/admin/users/{user_id(app, email)}/role", role="owner")
    assert refused.status_code == 400 and "Choose a role" in refused.get_data(as_text=True)


def test_editors_get_403_everywhere_on_the_users_page_and_no_link(app) -> None:
    email = new_email("editor")
    add_account(app, email, "editor")
    editor = signed_in(app, email)
    overview = editor.get("/admin/").get_data(as_text=True)
    assert ">Users</a>" not in overview
    csrf = token(overview)
    target = user_id(app, ADMIN)
    forbidden = editor.get("/admin/users")
    assert forbidden.status_code == 403 and "Only an admin" in forbidden.get_data(as_text=True)
    for path, data in [
        ("/admin/users/invite", {"email": new_email(), "role": "admin"}),
        (f"/admin/users/{target}/role", {"role": "editor"}),
        (f"/admin/users/{target}/reset", {}),
        (f"/admin/users/{target}/remove", {}),
    ]:
        assert editor.post(path, data={**data, "csrf_token": csrf}).status_code == 403, path
    assert account(app, ADMIN).role == "admin" and account(app, ADMIN).password_hash


# --- the last admin --------------------------------------------------------------------------------------


def test_the_last_admin_cannot_be_removed_or_demoted(app) -> None:
    admin = signed_in(app, ADMIN)
    # An invited admin who has not chosen a password yet cannot sign in: it does not count.
    invited = new_email("pending-admin")
    post(admin, "/admin/users/invite", email=invited, role="admin")
    me = user_id(app, ADMIN)
    for path, data in [(f"/admin/users/{me}/remove", {}), (f"/admin/users/{me}/role", {"role": "editor"})]:
        response = post(admin, path, **data)
        assert response.status_code == 400, path
        assert "the last admin who can sign in" in response.get_data(as_text=True)
    assert account(app, ADMIN).role == "admin"

    # With a second admin who can sign in, the first may step down.
    second = new_email("second-admin")
    add_account(app, second, "admin")
    stepped_down = post(admin, f"/admin/users/{me}/role", role="editor")
    assert stepped_down.status_code == 302 and stepped_down.headers["Location"] == "/admin/"
    assert admin.get("/admin/users").status_code == 403
    boss = signed_in(app, second)
    refused = post(boss, f"/admin/users/{user_id(app, second)}/remove")
    assert refused.status_code == 400
    assert post(boss, f"/admin/users/{me}/role", role="admin").status_code == 302


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "role", "error"),
    [
        ("", "editor", "Enter the e-mail address"),
        ("not an address", "editor", "does not look like an e-mail address"),
        ("<script>alert(1)</script>@clinic.test", "editor", "does not look like an e-mail address"),
        ("someone@clinic", "editor", "does not look like an e-mail address"),
        ("x" * 250 + "@clinic.test", "editor", "does not look like an e-mail address"),
        ("fine@clinic.test", "superuser", "Choose a role"),
        (ADMIN, "editor", "already has an account"),
    ],
)
def test_bad_invitations_are_refused_clearly_and_keep_the_form(app, email: str, role: str, error: str) -> None:
    admin = signed_in(app, ADMIN)
    before = users_page(admin).count("<tr data-email")
    response = post(admin, "/admin/users/invite", email=email, role=role)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error in page
    assert "<script>alert" not in page  # shown escaped, never run
    assert 'id="one-time-link"' not in page
    assert users_page(admin).count("<tr data-email") == before
    if email and len(email) < 254:
        assert f'value="{email.replace("<", "&lt;").replace(">", "&gt;")}"' in page  # nothing typed is lost


def test_forms_need_the_csrf_token(app) -> None:
    admin = signed_in(app, ADMIN)
    assert admin.post("/admin/users/invite", data={"email": new_email(), "role": "editor"}).status_code == 400
    assert admin.post(f"/admin/users/{user_id(app, ADMIN)}/remove").status_code == 400


def test_staff_add_role_option(app) -> None:
    email = new_email("cli")
    add_account(app, email, "editor")
    assert account(app, email).role == "editor"
    result = app.test_cli_runner().invoke(args=["staff", "add", new_email(), "--password", PASSWORD, "--role", "boss"])
    assert result.exit_code != 0 and "boss" in result.output


def test_the_migration_makes_existing_accounts_admins(make_app) -> None:
    """An account made before roles existed keeps every right: down to the previous head, add one, up again."""
    from flask_migrate import downgrade, upgrade

    from bot.store import MIGRATIONS

    other = make_app()
    with other.app_context():
        downgrade(directory=str(MIGRATIONS), revision="c4e8f1a2b3d5")
        with db.engine.begin() as connection:
            columns = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(staff_users)")]
            assert "role" not in columns
            connection.exec_driver_sql(
                "INSERT INTO staff_users (email, password_hash, created_at, session_generation) "
                "VALUES ('old@clinic.test', 'x', '2026-01-01', 0)"
            )
        upgrade(directory=str(MIGRATIONS))
        with db.engine.begin() as connection:
            rows = connection.exec_driver_sql("SELECT email, role, last_sign_in_at FROM staff_users").all()
            assert rows == [("old@clinic.test", "admin", None)]
            assert connection.exec_driver_sql("SELECT count(*) FROM staff_links").scalar() == 0


def test_staff_add_keeps_an_existing_accounts_role(app) -> None:
    email = new_email("kept")
    add_account(app, email, "editor")
    result = app.test_cli_runner().invoke(args=["staff", "add", email, "--password", "another long password"])
    assert f"Updated staff account {email} (editor)." in result.output, result.output
    assert account(app, email).role == "editor"
    fresh = new_email("fresh")
    result = app.test_cli_runner().invoke(args=["staff", "add", fresh, "--password", PASSWORD])
    assert f"Created staff account {fresh} (admin)." in result.output, result.output


def test_an_admin_cannot_reset_their_own_password_here(app) -> None:
    admin = signed_in(app, ADMIN)
    response = post(admin, f"/admin/users/{user_id(app, ADMIN)}/reset")
    assert response.status_code == 400 and "ask another admin" in response.get_data(as_text=True)
    assert admin.get("/admin/").status_code == 200  # still signed in, password unchanged
    assert sign_in(app.test_client(), ADMIN, PASSWORD).status_code == 302
