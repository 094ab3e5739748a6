"""Staff sessions: Secure cookies in production, sessions that end server-side at logout and at a
password change, back-off per account on failed sign-ins, and a damaged `next` link refused cleanly."""

from __future__ import annotations

import pytest

from .test_admin import PASSWORD, add_staff_user, sign_in, token

EMAIL = "nurse@clinic.test"
SECRET = "x" * 40


def app_with_staff(make_app, **config):
    app = make_app(STORE_QUESTIONS=False, **config)
    for email in (EMAIL, "doctor@clinic.test"):
        add_staff_user(app, email)
    return app


@pytest.fixture
def staff_app(make_app):
    return app_with_staff(make_app)


def set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_production_marks_every_cookie_secure(make_app):
    app = app_with_staff(make_app, ENV="production", SECRET_KEY=SECRET, PUBLIC_URL="https://bot.clinic.example")
    client, https = app.test_client(), "https://bot.clinic.example"
    page = client.get("/admin/login", base_url=https)
    signed_in = client.post(
        "/admin/login",
        base_url=https,
        headers={"Referer": f"{https}/admin/login"},  # Flask-WTF checks it over HTTPS
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token(page.get_data(as_text=True))},
    )
    assert signed_in.status_code == 302
    cookies = set_cookies(page) + set_cookies(signed_in)
    assert cookies, "the sign-in page and the sign-in set the session cookie"
    for cookie in cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes and "httponly" in attributes, cookie


def test_outside_production_cookies_work_over_plain_http(staff_app):
    page = staff_app.test_client().get("/admin/login")
    assert set_cookies(page) and all("Secure" not in cookie for cookie in set_cookies(page))


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_logout_ends_the_session_for_a_copied_cookie_too(staff_app):
    client = staff_app.test_client()
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302
    copied = session_cookie(client)
    thief = staff_app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/").status_code == 200  # a copied cookie works while the session lasts

    page = client.get("/admin/").get_data(as_text=True)
    assert client.post("/admin/logout", data={"csrf_token": token(page)}).status_code == 302
    assert thief.get("/admin/").status_code == 302  # and not after the sign-out
    assert client.get("/admin/").status_code == 302
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302 and client.get("/admin/").status_code == 200


def test_a_password_change_ends_every_session_of_the_account(staff_app):
    mine, other_account = staff_app.test_client(), staff_app.test_client()
    assert sign_in(mine, EMAIL, PASSWORD).status_code == 302
    assert sign_in(other_account, "doctor@clinic.test", PASSWORD).status_code == 302
    result = staff_app.test_cli_runner().invoke(args=["staff", "add", EMAIL, "--password", "a new long password"])
    assert "Updated staff account" in result.output
    assert mine.get("/admin/").status_code == 302
    assert other_account.get("/admin/").status_code == 200  # other accounts are not touched
    assert sign_in(mine, EMAIL, "a new long password").status_code == 302


def test_failed_sign_ins_back_off_per_account_from_any_address(make_app):
    app = app_with_staff(make_app, LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")

    def attempt(email: str, password: str, address: str) -> int:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return sign_in(client, email, password).status_code

    assert [attempt(EMAIL, "wrong guess", f"10.0.0.{i}") for i in range(3)] == [401, 401, 401]
    refused = app.test_client()
    refused.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    response = sign_in(refused, EMAIL, PASSWORD)
    assert response.status_code == 429 and "Too many failed sign-ins" in response.get_data(as_text=True)
    assert attempt("doctor@clinic.test", PASSWORD, "10.0.0.1") == 302  # other accounts are not held up
    assert attempt("doctor@clinic.test", PASSWORD, "10.0.0.1") == 302  # and successes do not count
    # An account that does not exist backs off the same way, so the answer tells nothing.
    assert [attempt("nobody@clinic.test", "guess", "10.0.1.1") for _ in range(4)] == [401, 401, 401, 429]


@pytest.mark.parametrize(
    "query",
    ["next=/admin/%0d%0aSet-Cookie:%20x=1", "next=/admin/%0aLocation:%20https://evil.example", "next=%00", "next=%7f"],
)
def test_a_damaged_next_link_is_a_clear_400(staff_app, query):
    client = staff_app.test_client()
    assert client.get(f"/admin/login?{query}").status_code == 400
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post(
        f"/admin/login?{query}", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token(page)}
    )
    assert response.status_code == 400 and "damaged" in response.get_data(as_text=True)
