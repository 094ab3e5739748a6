"""HTTP endpoints. Thin: parse the request, ask the assistant, return JSON."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from bot.extensions import limiter
from bot.policy import QuestionError
from bot.security import origin_allowed
from bot.serving import Work

api = Blueprint("api", __name__)


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def visitor_key() -> str:
    """A visitor is their conversation id (from the widget) at their address."""
    payload = request.get_json(silent=True)
    conversation = payload.get("conversation") if isinstance(payload, dict) else None
    return f"{request.remote_addr}:{conversation if isinstance(conversation, str) else ''}"[:200]


@api.post("/api/ask")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_VISITOR"], key_func=visitor_key)
@limiter.limit(lambda: current_app.config["RATE_LIMIT_IP"])
def ask() -> Response | tuple[Response, int]:
    if not origin_allowed(request.headers.get("Origin"), request.host_url, current_app.config["ALLOWED_ORIGINS_LIST"]):
        return error_response(403, "origin_not_allowed", "This site may not use the bot.")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error_response(400, "invalid_json", 'Send a JSON object like {"question": "..."}.')
    question = payload.get("question")
    try:
        assistant = current_app.extensions["assistant"]
        answer = current_app.extensions["offloader"].run(Work.CHAT, assistant.answer, question)
    except QuestionError as error:
        return error_response(400, error.code, error.message)
    current_app.extensions["store"].record(question, answer, payload.get("conversation"), payload.get("id"))
    return jsonify(answer.to_dict())


@api.get("/healthz")
def healthz() -> Response:
    return jsonify(current_app.extensions["assistant"].health())


@api.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response | tuple[Response, int] | HTTPException:
    """JSON errors for the API; ordinary error pages everywhere else."""
    if not request.path.startswith("/api/"):
        return error
    code = (error.name or "error").lower().replace(" ", "_")
    if error.code == 429:
        response, status = error_response(429, "rate_limited", "Please wait a moment before asking again.")
        response.headers["Retry-After"] = str(_retry_after(error))
        return response, status
    if error.code == 413:
        return error_response(413, "request_too_large", "The request is too large.")
    return error_response(error.code or 500, code, error.description or error.name)


def _retry_after(error: HTTPException) -> int:
    headers = error.get_response().headers
    return int(headers.get("Retry-After", 1)) if str(headers.get("Retry-After", "1")).isdigit() else 1
