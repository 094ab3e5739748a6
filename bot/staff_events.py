"""The staff side of the live hand-off (namespace /staff, signed-in sessions with the page's CSRF token
only): `presence`, `claim`, `reply`, `hand_back`, `close`; staff receive `queue`, `visitor_message` and
`visitor_left`. Thin: the rules are in bot/handoff.py (the queue, in the database)."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_socketio import disconnect, join_room
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from bot import handoff
from bot.extensions import get_assistant, socketio
from bot.handoff import HandoffState, Presence, Sender
from bot.handoff_rooms import STAFF, STAFF_ROOM, broadcast_queue, visitor_room
from bot.policy import QuestionError, validate_question


def _staff():
    return current_user._get_current_object() if current_user.is_authenticated else None


@socketio.on("connect", namespace=STAFF)
def on_staff_connect(auth: object = None) -> bool:
    """Signed-in staff only, and only from the dashboard's own page: the CSRF token in `auth` is the page's."""
    if _staff() is None:
        return False
    try:
        validate_csrf(auth.get("csrf") if isinstance(auth, dict) else None)
    except ValidationError:
        return False
    join_room(STAFF_ROOM)
    handoff.set_presence(request.sid, _staff(), Presence.ONLINE)
    broadcast_queue()
    return True


@socketio.on("disconnect", namespace=STAFF)
def on_staff_disconnect(reason: object = None) -> None:
    handoff.drop_presence(request.sid)
    broadcast_queue()


def _signed_in(handler):
    """Every staff event re-checks the session: a sign-out elsewhere ends what this page may do."""

    def wrapper(data: object = None) -> dict:
        if _staff() is None:  # no longer counts as online, and the page is told why it lost its connection
            handoff.drop_presence(request.sid)
            disconnect()
            return {"ok": False, "code": "signed_out", "message": "Please sign in again."}
        return handler(data if isinstance(data, dict) else {})

    wrapper.__name__ = handler.__name__
    return wrapper


@socketio.on("presence", namespace=STAFF)
@_signed_in
def on_presence(data: dict) -> dict:
    status = data.get("status")
    if status not in set(Presence):
        return {"ok": False, "code": "invalid_presence", "message": "Presence is online or away."}
    handoff.set_presence(request.sid, _staff(), Presence(status))
    broadcast_queue()
    return {"ok": True}


def _handoff_of(data: dict):
    value = data.get("id")
    return handoff.get(value) if isinstance(value, int) else None


@socketio.on("claim", namespace=STAFF)
@_signed_in
def on_claim(data: dict) -> dict:
    item = _handoff_of(data)
    if item is None or not handoff.claim(item.id, _staff()):
        return {"ok": False, "code": "taken", "message": "Someone else has this conversation, or it has ended."}
    name = handoff.first_name(_staff())
    joined = {"staff_name": name, "clinic": get_assistant().clinic.name}
    socketio.emit("handoff_joined", joined, to=visitor_room(item.conversation_id))
    broadcast_queue()
    return {"ok": True}


@socketio.on("reply", namespace=STAFF)
@_signed_in
def on_reply(data: dict) -> dict:
    item = _handoff_of(data)
    if item is None or item.state != HandoffState.ACTIVE or item.staff_id != _staff().id:
        return {"ok": False, "code": "not_yours", "message": "Claim this conversation before replying."}
    try:
        text = validate_question(data.get("text"))
    except QuestionError as error:
        return {"ok": False, "code": error.code, "message": error.message}
    handoff.add_message(item.id, Sender.STAFF, text)
    socketio.emit("handoff_reply", {"staff_name": item.staff_name, "text": text}, to=visitor_room(item.conversation_id))
    return {"ok": True}


def _end(data: dict, state: HandoffState) -> dict:
    item = _handoff_of(data)
    if item is None or not handoff.end(item.id, _staff(), state):
        return {"ok": False, "code": "not_yours", "message": "Only the person who has this conversation can end it."}
    socketio.emit("handoff_ended", {"reason": str(state)}, to=visitor_room(item.conversation_id))
    broadcast_queue()
    return {"ok": True}


@socketio.on("hand_back", namespace=STAFF)
@_signed_in
def on_hand_back(data: dict) -> dict:
    return _end(data, HandoffState.RETURNED)


@socketio.on("close", namespace=STAFF)
@_signed_in
def on_close(data: dict) -> dict:
    return _end(data, HandoffState.CLOSED)
