"""The staff inbox (/admin/inbox: visitors waiting for a person, live over Socket.IO on /staff) and the
callback requests visitors left (/admin/callbacks, with a CSV download). Signed-in staff only."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
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
from flask_wtf.csrf import generate_csrf

from bot import handoff
from bot.callbacks import CallbackStatus, callbacks_csv
from bot.extensions import get_assistant
from bot.staff.common import require_staff, staff_headers

WEB = Path(__file__).resolve().parent.parent / "web"
DATA_ENDPOINTS = {"inbox.callbacks_csv_download", "inbox.socket_token"}
STATUS_LABELS = {CallbackStatus.NEW: "New", CallbackStatus.CALLED: "Called", CallbackStatus.DONE: "Done"}

inbox = Blueprint("inbox", __name__, url_prefix="/admin", template_folder=str(WEB / "templates"))


@inbox.before_request
def _require_staff() -> Response | tuple[Response, int] | None:
    return require_staff(DATA_ENDPOINTS)


@inbox.after_request
def _security_headers(response: Response) -> Response:
    return staff_headers(response, scripts=True)


@inbox.context_processor
def _layout() -> dict:
    return {"clinic": get_assistant().clinic}


@inbox.get("/inbox")
def inbox_page() -> str:
    return render_template(
        "admin/inbox.html", active="inbox", my_name=handoff.first_name(current_user), my_id=current_user.id
    )


@inbox.get("/inbox/token")
def socket_token() -> Response:
    """A fresh CSRF token for the /staff connection: the page's own expires after an hour, and a reconnect
    later needs a new one. Readable by the dashboard's own pages only (no CORS on /admin)."""
    return jsonify({"csrf": generate_csrf()})


@inbox.get("/static/inbox.js")
def script() -> Response:
    return send_from_directory(WEB / "static", "inbox.js", mimetype="text/javascript", max_age=0)


def _status_filter() -> CallbackStatus | None:
    value = request.args.get("status", "")
    return CallbackStatus(value) if value in set(CallbackStatus) else None


@inbox.get("/callbacks")
def callbacks() -> str:
    status = _status_filter()
    return render_template(
        "admin/callbacks.html",
        active="callbacks",
        requests=handoff.callbacks(status),
        status=status,
        labels=STATUS_LABELS,
        retention_days=current_app.config["CALLBACK_RETENTION_DAYS"],
    )


@inbox.post("/callbacks/<int:callback_id>/status")
def callback_status(callback_id: int) -> Response:
    value = request.form.get("status", "")
    if value not in set(CallbackStatus) or not handoff.set_callback_status(callback_id, CallbackStatus(value)):
        abort(400)
    flash(f"Marked as {STATUS_LABELS[CallbackStatus(value)].lower()}.")
    return redirect(url_for("inbox.callbacks", status=request.args.get("status") or None))


@inbox.get("/callbacks.csv")
def callbacks_csv_download() -> Response:
    rows = [
        (
            r.created_at.isoformat(timespec="minutes"),
            r.status,
            r.name,
            r.phone,
            r.email,
            r.preferred_time,
            r.topic,
            r.reason,
        )
        for r in handoff.callbacks(_status_filter())
    ]
    return Response(
        callbacks_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=callback-requests.csv"},
    )
