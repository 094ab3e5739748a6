"""HTTP endpoints. Thin: parse the request, ask the assistant, return JSON."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from bot.policy import QuestionError

api = Blueprint("api", __name__)


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


@api.post("/api/ask")
def ask() -> Response | tuple[Response, int]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error_response(400, "invalid_json", 'Send a JSON object like {"question": "..."}.')
    question = payload.get("question")
    try:
        answer = current_app.extensions["assistant"].answer(question)
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
    return error_response(error.code or 500, code, error.description or error.name)
