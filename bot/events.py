"""Socket.IO events. Thin: each hands its payload to the assistant and emits the result."""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_socketio import emit

from bot import handoff_events
from bot.extensions import get_assistant, socketio
from bot.languages import language_code
from bot.policy import QuestionError
from bot.replies import Context
from bot.security import RATE_LIMITED_MESSAGE
from bot.serving import Work

log = logging.getLogger(__name__)

MAX_ID_CHARS = 100
# Each open chat's context (the page it is on, the passage answered last), by Socket.IO session id: a
# follow-up ("does it hurt?") is read as about the last answer's topic. Forgotten when the chat closes.
_contexts: dict[str, Context] = {}


def _request_id(data: object) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and len(value) <= MAX_ID_CHARS else None


def _retry_after(data: object, event: str) -> float | None:
    """Seconds this visitor must wait (rate limits per visitor and per IP), or None. The visitor is its
    connection and, when it names one, its conversation: a new conversation id does not start afresh."""
    conversation = data.get("conversation") if isinstance(data, dict) else None
    keys = [f"{event}:connection:{request.sid}"]
    if isinstance(conversation, str) and 0 < len(conversation) <= MAX_ID_CHARS:
        keys.append(f"{event}:conversation:{conversation}")
    return current_app.extensions["ask_limits"].retry_after(request.remote_addr or "", keys)


@socketio.on_error_default
def on_unexpected_error(error: Exception) -> None:
    """Whatever went wrong, the visitor gets a reply for their question rather than silence."""
    log.exception("Socket.IO event failed", exc_info=error)
    event = getattr(request, "event", None)
    data = (event.get("args") or [None])[0] if isinstance(event, dict) else None
    emit(
        "error",
        {
            "id": _request_id(data),
            "code": "internal_error",
            "message": "Sorry, something went wrong. Please try again in a moment.",
        },
    )


@socketio.on("connect")
def on_connect(auth: object = None) -> None:
    """Greet each new connection with what the widget shows before the first question."""
    language = language_code(auth.get("lang")) if isinstance(auth, dict) else None
    emit("welcome", get_assistant().welcome(language))


@socketio.on("disconnect")
def on_disconnect(reason: object = None) -> None:
    _contexts.pop(request.sid, None)
    handoff_events.forget(request.sid)


@socketio.on("ask")
def on_ask(data: object) -> None:
    request_id = _request_id(data)
    question = data.get("question") if isinstance(data, dict) else None
    conversation = data.get("conversation") if isinstance(data, dict) else None
    wait = _retry_after(data, "ask")
    if wait is not None:
        error = {"id": request_id, "code": "rate_limited", "message": RATE_LIMITED_MESSAGE, "retry_after": round(wait)}
        emit("error", error)
        return
    # While a person has this conversation the bot is silent: the question goes to them.
    if (relayed := handoff_events.relay_question(data)) is not None:
        emit("error", {"id": request_id, "code": relayed["code"], "message": relayed["message"]})
        return
    sent = Context.from_payload(data)
    context = _contexts.get(request.sid, Context())
    context = Context(sent.page or context.page, context.previous, context.asked, sent.lang)
    try:
        assistant = get_assistant()
        answer = current_app.extensions["offloader"].run(Work.CHAT, assistant.answer, question, context)
    except QuestionError as error:
        emit("error", {"id": request_id, "code": error.code, "message": error.message})
        return
    _contexts[request.sid] = context.after(answer, question)
    emit("answer", {**answer.to_dict(), "id": request_id})
    current_app.extensions["store"].record(question, answer, conversation, request_id)


@socketio.on("feedback")
def on_feedback(data: object) -> dict:
    """A visitor's thumbs up or down on one answer (`{"id": answer id, "vote": "up"|"down"}`, after a thumbs
    down optionally `"reason"`: one line); a later vote on the same answer replaces the earlier one."""
    if _retry_after(data, "feedback") is not None:
        return {"ok": False, "code": "rate_limited", "message": "Please wait a moment."}
    request_id = _request_id(data)
    vote = data.get("vote") if isinstance(data, dict) else None
    if request_id is None or vote not in ("up", "down"):
        return {
            "ok": False,
            "code": "invalid_feedback",
            "message": "Feedback needs an answer id and a vote of up or down.",
        }
    reason = data.get("reason")
    reason = reason.strip() if isinstance(reason, str) and vote == "down" else None
    current_app.extensions["store"].record_vote(request_id, vote, data.get("conversation"), reason or None)
    return {"ok": True}
