"""Callback requests: a visitor who could not reach a person leaves a name, a phone number or e-mail
address, a preferred time and what it is about, with explicit consent. Validation, the CSV export and the
e-mail to the clinic live here; where requests are kept is bot/handoff.py.
"""

from __future__ import annotations

import csv
import io
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from bot.spreadsheet import BOM, safe_cell

MAX_NAME = 100
MAX_PHONE = 30
MAX_EMAIL = 254
MAX_TIME = 100
MAX_TOPIC = 1000
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
MARKUP = re.compile(r"[<>]")


class CallbackStatus(StrEnum):
    NEW = "new"
    CALLED = "called"
    DONE = "done"


class CallbackReason(StrEnum):
    """Why the visitor left a request rather than talking to someone."""

    CLOSED = "closed"  # out of hours
    NO_STAFF = "no_staff"  # open, but nobody online
    UNCLAIMED = "unclaimed"  # nobody took the conversation in time
    ASKED = "asked"  # the visitor chose the form


@dataclass(frozen=True)
class CallbackForm:
    name: str
    phone: str
    email: str
    preferred_time: str
    topic: str
    reason: CallbackReason


class FieldProblem(StrEnum):
    """What can be wrong with a field of the form: the widget says it in the visitor's language by this code."""

    TOO_LONG = "too_long"
    MARKUP = "markup"
    NO_NAME = "no_name"
    NOT_A_PHONE = "not_a_phone"
    PHONE_TOO_SHORT = "phone_too_short"
    NOT_AN_EMAIL = "not_an_email"
    NO_CONTACT = "no_contact"
    NO_TOPIC = "no_topic"
    NO_CONSENT = "no_consent"


PROBLEM_MESSAGES = {
    FieldProblem.TOO_LONG: "Please keep this under {limit} characters.",
    FieldProblem.MARKUP: "Please leave out < and >.",
    FieldProblem.NO_NAME: "Please tell us your name.",
    FieldProblem.NOT_A_PHONE: "This does not look like a phone number: use digits, spaces and an optional +.",
    FieldProblem.PHONE_TOO_SHORT: "This does not look like a phone number: it needs at least 6 digits.",
    FieldProblem.NOT_AN_EMAIL: "This does not look like an e-mail address.",
    FieldProblem.NO_CONTACT: "Please give a phone number or an e-mail address so we can reach you.",
    FieldProblem.NO_TOPIC: "Please say briefly what it is about.",
    FieldProblem.NO_CONSENT: "Please tick the box to agree that we keep these details to contact you.",
}


class CallbackError(ValueError):
    """What is wrong with a form, field by field (shown next to each field): `codes` for the widget to say
    in the visitor's language (with the `limits` of fields too long), `errors` in English."""

    def __init__(self, problems: dict[str, FieldProblem], limits: dict[str, int]) -> None:
        self.codes = {field: str(problem) for field, problem in problems.items()}
        self.limits = {field: limits[field] for field, problem in problems.items() if problem == FieldProblem.TOO_LONG}
        self.errors = {
            field: PROBLEM_MESSAGES[problem].format(limit=limits.get(field)) for field, problem in problems.items()
        }
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return " ".join(value.split()) if isinstance(value, str) else ""


def validate_callback(data: object) -> CallbackForm:
    """A form from the widget (untrusted JSON), checked field by field; raises CallbackError with every problem."""
    data = data if isinstance(data, dict) else {}
    fields = {key: _text(data, key) for key in ("name", "phone", "email", "preferred_time", "topic")}
    limits = {"name": MAX_NAME, "phone": MAX_PHONE, "email": MAX_EMAIL, "preferred_time": MAX_TIME, "topic": MAX_TOPIC}
    errors: dict[str, FieldProblem] = {}
    for key, limit in limits.items():
        if len(fields[key]) > limit:
            errors[key] = FieldProblem.TOO_LONG
        elif MARKUP.search(fields[key]):
            errors[key] = FieldProblem.MARKUP
    if "name" not in errors and not fields["name"]:
        errors["name"] = FieldProblem.NO_NAME
    if "phone" not in errors and fields["phone"] and not PHONE.match(fields["phone"]):
        errors["phone"] = FieldProblem.NOT_A_PHONE
    if "phone" not in errors and fields["phone"] and sum(c.isdigit() for c in fields["phone"]) < 6:
        errors["phone"] = FieldProblem.PHONE_TOO_SHORT
    if "email" not in errors and fields["email"] and not EMAIL.match(fields["email"]):
        errors["email"] = FieldProblem.NOT_AN_EMAIL
    if not fields["phone"] and not fields["email"] and not ({"phone", "email"} & errors.keys()):
        errors["phone"] = FieldProblem.NO_CONTACT
    if "topic" not in errors and not fields["topic"]:
        errors["topic"] = FieldProblem.NO_TOPIC
    if data.get("consent") is not True:
        errors["consent"] = FieldProblem.NO_CONSENT
    reason = data.get("reason")
    if errors:
        raise CallbackError(errors, limits)
    return CallbackForm(
        **fields, reason=CallbackReason(reason) if reason in set(CallbackReason) else CallbackReason.ASKED
    )


CSV_COLUMNS = ("received (UTC)", "status", "name", "phone", "email", "preferred time", "about", "why")


def callbacks_csv(rows: list[tuple]) -> str:
    """The requests as CSV, one row per request, in CSV_COLUMNS order."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


@dataclass(frozen=True)
class SmtpSettings:
    """From SMTP_URL: smtp://user:password@host:port (STARTTLS, required when a user is set) or smtps://… (TLS)."""

    host: str
    port: int
    tls: bool
    user: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 587),
            tls=tls,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def notification(form: CallbackForm, clinic_name: str, to: str, sender: str, dashboard_url: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"Callback request from the {clinic_name} chat"
    message["From"] = sender
    message["To"] = to
    message.set_content(
        "A visitor asked to be contacted.\n\n"
        f"Name: {form.name}\n"
        f"Phone: {form.phone or '-'}\n"
        f"E-mail: {form.email or '-'}\n"
        f"Preferred time: {form.preferred_time or '-'}\n"
        f"About: {form.topic}\n\n"
        f"Mark it called or done in the dashboard: {dashboard_url}\n"
    )
    return message


def send(settings: SmtpSettings, message: EmailMessage, timeout: float = 15) -> None:
    """Send one message; raises OSError/SMTPException when the server refuses or cannot be reached."""
    if settings.tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    with client:
        client.ehlo()
        if not settings.tls and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        elif not settings.tls and settings.user:
            # A password (and the visitor's details) never go in clear text: a server, or someone in the
            # middle, that does not offer STARTTLS gets nothing.
            raise smtplib.SMTPNotSupportedError("the SMTP server does not offer STARTTLS; use smtps:// or STARTTLS")
        if settings.user:
            client.login(settings.user, settings.password or "")
        client.send_message(message)
