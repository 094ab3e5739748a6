"""The visitor side of the live hand-off and the callback requests (default namespace): `handoff_request`,
`handoff_message`, `handoff_leave`, `callback_request`; visitors receive `handoff_joined`, `handoff_reply`,
`handoff_ended` and `handoff_unclaimed` in their conversation's room. Thin: the rules are in
bot/handoff.py (the queue, in the database) and bot/callbacks.py (the form). The staff side is
bot/staff_events.py; importing this module registers both.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from flask import Flask, current_app, request
from flask_socketio import join_room, leave_room

from bot import handoff, staff_events  # noqa: F401  (registers the staff side's handlers)
from bot.callbacks import CallbackError, SmtpSettings, notification, send, validate_callback
from bot.extensions import get_assistant, socketio
from bot.handoff import Sender
from bot.handoff_rooms import STAFF, STAFF_ROOM, broadcast_queue, visitor_room
from bot.hours import parse_hours
from bot.policy import QuestionError, validate_question
from bot.security import RATE_LIMITED_MESSAGE, AskRateLimits
from bot.serving import Work

log = logging.getLogger(__name__)
MAX_ID_CHARS = 100
# Connections of this process whose visitor asked for a person: only their questions are looked up in the queue.
_handoff_sids: dict[str, str] = {}


def init_app(app: Flask) -> None:
    """Callback rate limits and the hourly purge; the settings are in bot/config.py."""
    app.extensions["callback_limits"] = AskRateLimits(
        app.config["RATELIMIT_STORAGE_URI"], app.config["RATE_LIMIT_CALLBACK"], app.config["RATE_LIMIT_CALLBACK_IP"]
    )
    # Callback requests and hand-off messages are kept only for their retention periods, whether or not
    # the bot's own questions are stored (BOT_STORE_QUESTIONS).
    threading.Thread(target=_purge_forever, args=(app,), name="handoff-purge", daemon=True).start()


def _purge_forever(app: Flask, every_seconds: float = 3600) -> None:
    while True:
        try:
            with app.app_context():
                removed = handoff.purge(int(app.config["CALLBACK_RETENTION_DAYS"]), int(app.config["RETENTION_DAYS"]))
            if any(removed):
                log.info("Purged %d callback request(s) and %d hand-off message(s)", *removed)
        except Exception as error:  # a database that is down: try again next time
            log.warning("Could not purge callback requests: %s", error)
        time.sleep(every_seconds)


def _clinic():
    return get_assistant().clinic


def _conversation(data: object) -> str | None:
    value = data.get("conversation") if isinstance(data, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS else None


def _limited(keys: list[str], limits: str = "ask_limits") -> dict | None:
    wait = current_app.extensions[limits].retry_after(request.remote_addr or "", keys)
    if wait is None:
        return None
    return {"ok": False, "code": "rate_limited", "message": RATE_LIMITED_MESSAGE, "retry_after": round(wait)}


def _contact_details() -> dict:
    clinic = _clinic()
    return {
        "clinic": clinic.name,
        "privacy_notice": clinic.privacy_notice,
        "reply_time": clinic.reply_time,
        "opening_hours": clinic.opening_hours,
    }


# --- visitors ----------------------------------------------------------------------------------------


@socketio.on("handoff_request")
def on_handoff_request(data: object) -> dict:
    """The visitor asked for a person. Answers with the state: waiting (in the queue), active (rejoined
    after a reload), closed (out of hours) or no_staff; the last two come with the callback form's texts.
    With `rejoin: true` (the widget reconnecting) it only rejoins an open hand-off: else `ended`."""
    conversation = _conversation(data)
    if conversation is None:
        return {"ok": False, "code": "invalid_request", "message": "A conversation id is needed."}
    if limited := _limited([f"handoff:{request.sid}"]):
        return limited
    clinic = _clinic()
    hours = parse_hours(clinic.hours, clinic.time_zone)
    current = handoff.current_handoff(conversation)
    if current is None and isinstance(data, dict) and data.get("rejoin") is True:
        return {"ok": True, "state": "ended"}  # a reconnect after the hand-off ended: never a new one
    if current is None and hours is not None and not hours.is_open(datetime.now(UTC)):
        return {"ok": True, "state": "closed", **_contact_details()}
    if current is None and not handoff.staff_online():
        return {"ok": True, "state": "no_staff", **_contact_details()}
    item, created = handoff.open_handoff(conversation)
    join_room(visitor_room(conversation))
    _handoff_sids[request.sid] = conversation
    if created:
        # Staff see the visitor's questions to the bot: let this process's store write the last ones first
        # (on a staff thread: the store's writer is an OS thread, and waiting for it here would hold the loop).
        current_app.extensions["offloader"].run(Work.STAFF, current_app.extensions["store"].flush)
        broadcast_queue()
        app = current_app._get_current_object()
        socketio.start_background_task(
            _expire_later, app, item.id, conversation, float(app.config["HANDOFF_WAIT_SECONDS"])
        )
    return {"ok": True, "state": item.state, "staff_name": item.staff_name, **_contact_details()}


def _expire_later(app: Flask, handoff_id: int, conversation: str, seconds: float) -> None:
    socketio.sleep(seconds)
    with app.app_context():
        if handoff.expire(handoff_id):
            socketio.emit("handoff_unclaimed", _contact_details(), to=visitor_room(conversation))
            broadcast_queue()


def _relay(conversation: str, text: object) -> dict:
    """A visitor's message to the person who has (or will take) the conversation."""
    current = handoff.current_handoff(conversation)
    if current is None:
        _handoff_sids.pop(request.sid, None)
        return {"ok": False, "code": "not_with_staff", "message": "This conversation is back with the assistant."}
    try:
        message = validate_question(text)
    except QuestionError as error:
        return {"ok": False, "code": error.code, "message": error.message}
    handoff.add_message(current.id, Sender.VISITOR, message)
    socketio.emit("visitor_message", {"id": current.id, "text": message}, to=STAFF_ROOM, namespace=STAFF)
    return {"ok": True}


@socketio.on("handoff_message")
def on_handoff_message(data: object) -> dict:
    conversation = _conversation(data)
    if conversation is None:
        return {"ok": False, "code": "invalid_request", "message": "A conversation id is needed."}
    if limited := _limited([f"ask:connection:{request.sid}", f"ask:conversation:{conversation}"]):
        return limited
    return _relay(conversation, data.get("text"))


def relay_question(data: object) -> dict | None:
    """For `ask`: while a person has this conversation the bot stays silent, and the question goes to them.
    None when the bot should answer."""
    conversation = _handoff_sids.get(request.sid)
    if conversation is None or conversation != _conversation(data):
        return None
    relayed = _relay(conversation, data.get("question") if isinstance(data, dict) else None)
    if relayed.get("code") == "not_with_staff":
        return None
    if relayed["ok"]:
        return {
            "code": "with_staff",
            "message": "A member of our team has this conversation: your message was passed on.",
        }
    return relayed


@socketio.on("handoff_leave")
def on_handoff_leave(data: object) -> dict:
    """The visitor pressed "New conversation" during a hand-off: it ends, and staff are told. Only the
    connection that holds the hand-off can end it; as for rejoining it, the conversation id (random, known
    only to the visitor's browser) is what proves it is theirs."""
    conversation = _conversation(data)
    if conversation is None or _handoff_sids.get(request.sid) != conversation:
        return {"ok": False, "code": "not_with_staff", "message": "This conversation is not with our team."}
    del _handoff_sids[request.sid]
    leave_room(visitor_room(conversation))
    current = handoff.current_handoff(conversation)
    if current is not None and handoff.leave(current.id):
        socketio.emit("visitor_left", {"id": current.id, "ended": True}, to=STAFF_ROOM, namespace=STAFF)
        broadcast_queue()
    return {"ok": True}


def forget(sid: str) -> None:
    """The visitor's connection closed. The hand-off stays (the visitor may come back: a reload rejoins it);
    staff are told, and can close it."""
    conversation = _handoff_sids.pop(sid, None)
    current = handoff.current_handoff(conversation) if conversation else None
    if current is not None:
        socketio.emit("visitor_left", {"id": current.id}, to=STAFF_ROOM, namespace=STAFF)


@socketio.on("callback_request")
def on_callback_request(data: object) -> dict:
    """A callback form: validated field by field, stored only with consent, e-mailed to the clinic."""
    if limited := _limited([f"callback-form:{request.sid}"]):
        return limited
    try:
        form = validate_callback(data)
    except CallbackError as error:
        return {
            "ok": False,
            "code": "invalid_callback",
            "message": "Please check the marked fields.",
            "errors": error.errors,
            "codes": error.codes,
            "limits": error.limits,
        }
    keys = [f"callback:{request.sid}"] + ([f"callback:{c}"] if (c := _conversation(data)) else [])
    if limited := _limited(keys, "callback_limits"):
        return limited
    saved = handoff.save_callback(form)
    _notify(form, saved.id)
    return {"ok": True, "reply_time": _clinic().reply_time}


def _notify(form, callback_id: int) -> None:
    """E-mail the clinic, on a thread of its own (an SMTP server can take seconds); nothing when SMTP_URL is unset."""
    app = current_app._get_current_object()
    if not app.config.get("SMTP_URL"):
        return
    clinic = _clinic()
    base = app.config.get("PUBLIC_URL") or request.host_url
    message = notification(
        form,
        clinic.name,
        to=app.config.get("CALLBACK_EMAIL") or clinic.email,
        sender=app.config.get("SMTP_FROM") or clinic.email,
        dashboard_url=base.rstrip("/") + "/admin/callbacks",
    )
    settings = SmtpSettings.from_url(app.config["SMTP_URL"])

    def deliver() -> None:
        try:
            send(settings, message)
        except Exception as error:  # the request is stored: the dashboard still lists it
            log.warning("Could not e-mail callback request %d: %s", callback_id, error)

    threading.Thread(target=deliver, name="callback-mail", daemon=True).start()
