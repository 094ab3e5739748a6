"""Staff accounts' rules: roles, e-mail and password checks, the one-time sign-up/reset links, and the
last-admin rule. The Users page (users.py) and `flask staff add` both use these, so each rule has one home."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.store import StaffUser, utcnow

LINK_LIFETIME = timedelta(hours=72)
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1000
MAX_EMAIL_CHARS = 254
EMAIL = re.compile(r"[^@\s<>\"'`]+@[^@\s<>\"'`]+\.[^@\s<>\"'`.]+")


class Role(StrEnum):
    ADMIN = "admin"  # everything, including the Users page
    EDITOR = "editor"  # everything but the Users page


ROLE_LABELS = {Role.ADMIN: "Admin", Role.EDITOR: "Editor"}


class LinkPurpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"


class AccountError(ValueError):
    """A request the rules refuse, with the sentence to show staff."""


class StaffLink(db.Model):
    """A one-time sign-up or reset link. Only the token's SHA-256 is kept: a copy of the database opens nothing."""

    __tablename__ = "staff_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_email(value: object) -> str:
    email = str(value or "").strip().lower()
    if not email:
        raise AccountError("Enter the e-mail address of the person to invite.")
    if len(email) > MAX_EMAIL_CHARS or not EMAIL.fullmatch(email):
        raise AccountError("That does not look like an e-mail address (name@example.org).")
    return email


def clean_role(value: object) -> Role:
    try:
        return Role(str(value or ""))
    except ValueError:
        raise AccountError("Choose a role: Admin or Editor.") from None


def check_new_password(password: str, again: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Choose a password of at least {MIN_PASSWORD_CHARS} characters.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"Choose a password of at most {MAX_PASSWORD_CHARS} characters.")
    if password != again:
        raise AccountError("The two passwords are not the same. Type the same password twice.")


def find_user(email: str) -> StaffUser | None:
    return db.session.scalars(select(StaffUser).where(StaffUser.email == email)).first()


def has_password(user: StaffUser) -> bool:
    return bool(user.password_hash)


def issue_link(user: StaffUser, purpose: LinkPurpose) -> str:
    """A new one-time link's token for this account; its earlier unused links stop working."""
    db.session.execute(delete(StaffLink).where(StaffLink.user_id == user.id, StaffLink.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        StaffLink(user_id=user.id, purpose=str(purpose), token_hash=token_hash(token), created_at=now,
                  expires_at=now + LINK_LIFETIME)
    )
    return token


def invite(email: object, role: object) -> tuple[StaffUser, str]:
    """A new account without a password, and the token of its sign-up link (commit after sending)."""
    email, role = clean_email(email), clean_role(role)
    if find_user(email) is not None:
        raise AccountError(f"{email} already has an account. Use “Reset password” on it instead.")
    user = StaffUser(email=email, password_hash="", role=str(role))
    db.session.add(user)
    db.session.flush()
    return user, issue_link(user, LinkPurpose.INVITE)


def start_reset(user: StaffUser) -> str:
    """The old password stops working and every session of the account ends; the link sets a new one."""
    user.password_hash = ""
    user.end_sessions()
    return issue_link(user, LinkPurpose.RESET)


def open_link(token: str) -> tuple[StaffLink, StaffUser]:
    link = db.session.scalars(select(StaffLink).where(StaffLink.token_hash == token_hash(token))).first()
    if link is None or link.used_at is not None:
        raise AccountError("This link was already used or replaced by a newer one. Ask an admin for a new link.")
    if link.expires_at <= utcnow():
        raise AccountError("This link has expired. Ask an admin for a new link.")
    user = db.session.get(StaffUser, link.user_id)
    if user is None:
        raise AccountError("This account has been removed.")
    return link, user


def redeem(token: str, password: str, again: str) -> StaffUser:
    """Set the password through a link, once: two tabs submitting together cannot both succeed."""
    link, user = open_link(token)
    check_new_password(password, again)
    used = db.session.execute(
        update(StaffLink).where(StaffLink.id == link.id, StaffLink.used_at.is_(None)).values(used_at=utcnow())
    )
    if used.rowcount != 1:
        raise AccountError("This link has already been used. Ask an admin for a new link.")
    user.set_password(password)
    return user


def _other_admins(user: StaffUser) -> int:
    query = select(func.count(StaffUser.id)).where(
        StaffUser.role == str(Role.ADMIN), StaffUser.id != user.id, StaffUser.password_hash != ""
    )
    return db.session.scalar(query) or 0


def _keep_an_admin(user: StaffUser, doing: str) -> None:
    if user.role == Role.ADMIN and _other_admins(user) == 0:
        raise AccountError(f"{user.email} is the last admin who can sign in, so it cannot be {doing}. "
                           "Make another account an admin first.")


def change_role(user: StaffUser, role: object) -> Role:
    role = clean_role(role)
    if role != user.role:
        _keep_an_admin(user, "made an editor")
        user.role = str(role)
    return role


def remove(user: StaffUser) -> None:
    _keep_an_admin(user, "removed")
    db.session.execute(delete(StaffLink).where(StaffLink.user_id == user.id))
    db.session.delete(user)  # its sessions name an account that no longer exists: they end
