"""HTTP endpoints. Thin: parse the request, ask the assistant, return JSON."""

from __future__ import annotations

import math

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from bot.extensions import get_assistant
from bot.policy import QuestionError
from bot.replies import Context
from bot.security import RATE_LIMITED_MESSAGE, origin_allowed, own_origin
from bot.serving import Work
from bot.store import MAX_ID_CHARS

api = Blueprint("api", __name__)


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def visitor_keys(payload: object) -> list[str]:
    """A visitor over HTTP is its conversation id (the widget's, as over Socket.IO), else its address."""
    conversation = payload.get("conversation") if isinstance(payload, dict) else None
    if isinstance(conversation, str) and 0 < len(conversation) <= MAX_ID_CHARS:
        return [f"ask:conversation:{conversation}"]
    return [f"ask:address:{request.remote_addr}"]


@api.post("/api/ask")
def ask() -> Response | tuple[Response, int]:
    payload = request.get_json(silent=True)
    wait = current_app.extensions["ask_limits"].retry_after(request.remote_addr or "", visitor_keys(payload))
    if wait is not None:
        response, status = error_response(429, "rate_limited", RATE_LIMITED_MESSAGE)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response, status
    own = own_origin(current_app.config, request.host_url)
    if not origin_allowed(request.headers.get("Origin"), own, current_app.config["ALLOWED_ORIGINS_LIST"]):
        return error_response(403, "origin_not_allowed", "This site may not use the bot.")
    if not isinstance(payload, dict):
        return error_response(400, "invalid_json", 'Send a JSON object like {"question": "..."}.')
    question = payload.get("question")
    try:
        assistant = get_assistant()
        context = Context.from_payload(payload.get("context"))
        answer = current_app.extensions["offloader"].run(Work.CHAT, assistant.answer, question, context)
    except QuestionError as error:
        return error_response(400, error.code, error.message)
    current_app.extensions["store"].record(question, answer, payload.get("conversation"), payload.get("id"))
    return jsonify(answer.to_dict())


@api.get("/healthz")
def healthz() -> Response:
    return jsonify(get_assistant().health())


@api.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response | tuple[Response, int] | HTTPException:
    """JSON errors for the API; ordinary error pages everywhere else."""
    if not request.path.startswith("/api/"):
        return error
    code = (error.name or "error").lower().replace(" ", "_")
    if error.code == 413:
        return error_response(413, "request_too_large", "The request is too large.")
    return error_response(error.code or 500, code, error.description or error.name)
