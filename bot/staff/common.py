"""The staff blueprint and what all its pages share: headers, error pages, the layout's data."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from bot.extensions import get_assistant
from bot.knowledge import ClinicSettings
from bot.knowledge_files import KnowledgeFiles
from bot.replies import ReplyKind
from bot.serving import Work

WEB = Path(__file__).resolve().parent.parent.parent / "web"
DAYS = 30
KIND_LABELS = {
    ReplyKind.ANSWER: "Answered from your pages",
    ReplyKind.CLARIFY: "Asked which topic was meant",
    ReplyKind.FALLBACK: "Could not answer",
    ReplyKind.REFERRAL: "Referred to the clinicians",
    ReplyKind.EMERGENCY: "Emergency message",
    ReplyKind.SMALLTALK: "Small talk",
}

admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder=str(WEB / "templates"))


assistant = get_assistant


def knowledge_files() -> KnowledgeFiles:
    return assistant().files


def clinic() -> ClinicSettings:
    return assistant().clinic


def staff_work(function, *args):
    """CPU work for staff (previews, rebuilds, the gaps page) on the staff's own OS threads, off the event loop."""
    return current_app.extensions["offloader"].run(Work.STAFF, function, *args)


@admin.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return response


@admin.errorhandler(400)
@admin.errorhandler(403)
@admin.errorhandler(404)
def _http_error(error) -> tuple[str, int]:
    return render_template("admin/message.html", title=error.name, message=error.description), error.code


@admin.context_processor
def _layout() -> dict:
    return {"clinic": clinic(), "kind_labels": KIND_LABELS}


@admin.get("/static/admin.css")
def stylesheet() -> Response:
    return send_from_directory(WEB / "static", "admin.css", mimetype="text/css", max_age=300)
