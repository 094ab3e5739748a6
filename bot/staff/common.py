"""The staff blueprint and what all its pages share: headers, error pages, the layout's data."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user

from bot.extensions import get_assistant
from bot.knowledge import ClinicSettings
from bot.knowledge_files import KnowledgeFiles
from bot.replies import ReplyKind
from bot.serving import Work

WEB = Path(__file__).resolve().parent.parent.parent / "web"
DAYS = 30
SIGN_IN_MESSAGE = "Please sign in to see the dashboard."
# The dashboard's pages load only their own files; the inbox also runs its own script and talks to /staff.
OWN_FILES_POLICY = "style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
SCRIPTS_POLICY = "script-src 'self'; connect-src 'self'; "
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


def require_staff(data_endpoints: Collection[str] = ()) -> Response | tuple[Response, int] | None:
    """Signed-in staff only (every staff blueprint's `before_request`): a page sends to the sign-in form,
    and back after it for a GET; data (JSON, CSV) answers 401."""
    if current_user.is_authenticated:
        return None
    if request.endpoint in data_endpoints:
        return jsonify({"error": {"code": "unauthorized", "message": "Sign in to the dashboard first."}}), 401
    flash(SIGN_IN_MESSAGE, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("admin.login", next=target))


def staff_headers(response: Response, scripts: bool = False) -> Response:
    """Every staff response: never cached, never framed, loading only the dashboard's own files."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    scripts_policy = SCRIPTS_POLICY if scripts else ""
    response.headers["Content-Security-Policy"] = f"default-src 'none'; {scripts_policy}{OWN_FILES_POLICY}"
    return response


admin.after_request(staff_headers)


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
