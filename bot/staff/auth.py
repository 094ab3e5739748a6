"""Sign-in and sign-out, and the guard that keeps every other dashboard page for signed-in staff."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from bot.extensions import db, limiter, login_manager
from bot.staff.common import SIGN_IN_MESSAGE, admin, require_staff
from bot.store import StaffUser, staff_user_for_session, utcnow

PUBLIC_ENDPOINTS = {"admin.login", "admin.stylesheet", "admin.welcome"}
DATA_ENDPOINTS = {"admin.gaps_csv", "admin.overview_json"}


@admin.record_once
def _setup(state) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = SIGN_IN_MESSAGE


@login_manager.user_loader
def load_staff_user(user_id: str) -> StaffUser | None:
    return staff_user_for_session(user_id)


@admin.before_request
def _require_staff() -> Response | tuple[Response, int] | None:
    return None if request.endpoint in PUBLIC_ENDPOINTS else require_staff(DATA_ENDPOINTS)


_DUMMY_HASH: list[str] = []


def _check_password(user: StaffUser | None, password: str) -> bool:
    """Check as much work for an unknown e-mail as for a known one, so timing tells nothing."""
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(generate_password_hash("not a password of anyone's"))
        check_password_hash(_DUMMY_HASH[0], password)
        return False
    return user.check_password(password)


def _safe_next(target: str | None) -> str:
    """Only go back to a dashboard page after signing in, never to another site. A target with control
    characters (CR/LF would split the Location header) is a damaged or forged link: 400."""
    if target and any(ord(char) < 32 or ord(char) == 127 for char in target):
        abort(400, "That sign-in link is damaged. Open the dashboard from its address instead.")
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin/") and "\\" not in target:
            return target
    return url_for("admin.overview")


def _sign_in_email() -> str:
    return request.form.get("email", "").strip().lower()[:254]


@admin.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])  # password guessing, per IP
@limiter.limit(  # and per account, from any number of addresses: only failed sign-ins count
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
    key_func=lambda: f"account:{_sign_in_email()}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 401,
    error_message="Too many failed sign-ins for this account. Please wait a few minutes and try again.",
)
def login() -> Response | str | tuple[str, int]:
    next_page = _safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_page)
    email = ""
    if request.method == "POST":
        email = _sign_in_email()
        password = request.form.get("password", "")[:1000]
        user = db.session.scalars(select(StaffUser).where(StaffUser.email == email)).first() if email else None
        if _check_password(user, password):
            session.clear()  # a fresh session for the signed-in user
            login_user(user)
            user.last_sign_in_at = utcnow()
            db.session.commit()
            return redirect(next_page)
        return render_template("admin/login.html", email=email, error="That e-mail and password do not match."), 401
    return render_template("admin/login.html", email=email, error=None)


@admin.post("/logout")
def logout() -> Response:
    current_user.end_sessions()  # a copy of this session's cookie is worthless from now on
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))
