"""The Users page (admins only): invite by e-mail, reset, remove, change role; and the one-time link's
page where an invited or reset person sets a password. The rules live in accounts.py."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from bot.callbacks import SmtpSettings, send
from bot.extensions import db
from bot.staff.accounts import (
    LINK_LIFETIME,
    ROLE_LABELS,
    AccountError,
    LinkPurpose,
    Role,
    change_role,
    has_password,
    invite,
    open_link,
    redeem,
    remove,
    start_reset,
)
from bot.staff.common import admin, clinic
from bot.store import StaffUser, utcnow

log = logging.getLogger(__name__)


def _require_admin() -> None:
    if current_user.role != Role.ADMIN:
        abort(403, "Only an admin can manage staff accounts. Ask an admin of your clinic.")


def _user(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404, "That account does not exist (any more).")
    return user


def _page(status: int = 200, **shown) -> tuple[str, int]:
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    values = {"email": "", "role": str(Role.EDITOR), "error": None, "link": None, **shown}
    return render_template(
        "admin/users.html", users=users, roles=ROLE_LABELS, has_password=has_password, active="users", **values
    ), status


def _mail_link(user: StaffUser, link: str, purpose: LinkPurpose) -> str | None:
    """E-mail the link when SMTP_URL is set; a sentence for the admin about what happened."""
    if not current_app.config.get("SMTP_URL"):
        return None
    name = clinic().name
    message = EmailMessage()
    message["From"] = current_app.config.get("SMTP_FROM") or clinic().email
    message["To"] = user.email
    if purpose == LinkPurpose.INVITE:
        message["Subject"] = f"Your account for the {name} chat assistant dashboard"
        opening = f"You have been invited to the {name} chat assistant dashboard as {ROLE_LABELS[Role(user.role)]}."
    else:
        message["Subject"] = f"Set a new password for the {name} chat assistant dashboard"
        opening = "An admin reset your dashboard password."
    hours = int(LINK_LIFETIME.total_seconds() // 3600)
    message.set_content(f"{opening}\n\nChoose your password here (the link works once, for {hours} hours):\n{link}\n")
    try:
        send(SmtpSettings.from_url(current_app.config["SMTP_URL"]), message)
    except (OSError, smtplib.SMTPException, ValueError):
        log.exception("could not e-mail a staff link")
        return f"The e-mail to {user.email} could not be sent: copy the link below and give it to them yourself."
    return f"The link was e-mailed to {user.email}."


def _show_link(user: StaffUser, token: str, purpose: LinkPurpose, done: str) -> tuple[str, int]:
    link = url_for("admin.welcome", token=token, _external=True)
    db.session.commit()
    mailed = _mail_link(user, link, purpose)
    return _page(link={"url": link, "email": user.email, "done": done, "mailed": mailed})


@admin.get("/users")
def users() -> tuple[str, int]:
    _require_admin()
    return _page()


@admin.post("/users/invite")
def users_invite() -> tuple[str, int]:
    _require_admin()
    email, role = request.form.get("email", "")[:1000], request.form.get("role", "")
    try:
        user, token = invite(email, role)
    except AccountError as error:
        db.session.rollback()
        return _page(400, email=email.strip(), role=role, error=str(error))
    return _show_link(user, token, LinkPurpose.INVITE, f"{user.email} is invited.")


@admin.post("/users/<int:user_id>/reset")
def users_reset(user_id: int) -> tuple[str, int]:
    _require_admin()
    user = _user(user_id)
    if user.id == current_user.id:
        own = "To change your own password, ask another admin for a reset link, or use `flask staff add` on the server."
        return _page(400, error=own)
    token = start_reset(user)
    return _show_link(user, token, LinkPurpose.RESET, f"{user.email}'s password is reset and their sessions ended.")


@admin.post("/users/<int:user_id>/role")
def users_role(user_id: int) -> Response | tuple[str, int]:
    _require_admin()
    user = _user(user_id)
    try:
        role = change_role(user, request.form.get("role", ""))
    except AccountError as error:
        db.session.rollback()
        return _page(400, error=str(error))
    db.session.commit()
    flash(f"{user.email} is now {ROLE_LABELS[role]}.", "success")
    stepped_down = user.id == current_user.id and role != Role.ADMIN  # this page is no longer theirs
    return redirect(url_for("admin.overview" if stepped_down else "admin.users"))


@admin.post("/users/<int:user_id>/remove")
def users_remove(user_id: int) -> Response | tuple[str, int]:
    _require_admin()
    user = _user(user_id)
    email = user.email
    try:
        remove(user)
    except AccountError as error:
        db.session.rollback()
        return _page(400, error=str(error))
    db.session.commit()
    flash(f"{email}'s account is removed and signed out everywhere.", "success")
    return redirect(url_for("admin.users"))


@admin.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str) -> Response | tuple[str, int]:
    """The one-time link: choose a password, then you are signed in."""
    token = token[:200]
    try:
        link, user = open_link(token)
    except AccountError as error:
        return render_template("admin/message.html", title="This link does not work", message=str(error)), 410
    if request.method == "POST":
        try:
            user = redeem(token, request.form.get("password", "")[:2000], request.form.get("password_again", "")[:2000])
        except AccountError as error:
            db.session.rollback()
            return render_template("admin/welcome.html", user=user, purpose=link.purpose, error=str(error)), 400
        user.last_sign_in_at = utcnow()
        db.session.commit()
        session.clear()
        login_user(user)
        flash("Your password is set and you are signed in.", "success")
        return redirect(url_for("admin.overview"))
    return render_template("admin/welcome.html", user=user, purpose=link.purpose, error=None), 200
