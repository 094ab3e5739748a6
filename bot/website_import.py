"""The dashboard's "Import from your website" (/admin/import): an address or a sitemap in, a background
job that reads the site with progress, a preview of every page found and the Markdown it becomes, and the
pages staff tick written into the knowledge folder, where the bot picks them up at once.

Staff-only like the rest of the dashboard; every form carries the CSRF token (CSRFProtect, app-wide); no
JavaScript: the progress page reloads itself until the job is done. The fetched HTML is never shown, only
the Markdown made from it, escaped.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bot.importer.crawl import CrawlResult, CrawlSettings, Progress, crawl, settings_from
from bot.importer.write import Planned, Status, apply, plan, previous_fetches
from bot.staff.common import WEB, assistant, clinic, require_staff, staff_headers, staff_work

log = logging.getLogger(__name__)
KEEP_JOBS = 20

website_import = Blueprint(
    "website_import", __name__, url_prefix="/admin/import", template_folder=str(WEB / "templates")
)
website_import.after_request(staff_headers)


class JobState:
    RUNNING = "running"
    READY = "ready"  # crawled: the preview waits for staff
    WRITTEN = "written"
    FAILED = "failed"


@dataclass
class ImportJob:
    id: str
    addresses: list[str]
    sitemap: str | None
    force: bool
    started_by: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: str = JobState.RUNNING
    progress: Progress | None = None
    result: CrawlResult | None = None
    planned: list[Planned] = field(default_factory=list)
    error: str | None = None


class ImportJobs:
    """The import jobs of this server process, newest last. One runs at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.jobs: dict[str, ImportJob] = {}

    def get(self, job_id: str) -> ImportJob | None:
        return self.jobs.get(job_id)

    def running(self) -> ImportJob | None:
        return next((job for job in self.jobs.values() if job.state == JobState.RUNNING), None)

    def start(self, job: ImportJob, settings: CrawlSettings, root: Path) -> bool:
        with self._lock:
            if self.running():
                return False
            self.jobs[job.id] = job
            while len(self.jobs) > KEEP_JOBS:
                self.jobs.pop(next(iter(self.jobs)))
        # A real OS thread: the crawl waits politely between pages and must not hold a request meanwhile.
        threading.Thread(target=self._run, args=(job, settings, root), name=f"import-{job.id}", daemon=True).start()
        return True

    @staticmethod
    def _run(job: ImportJob, settings: CrawlSettings, root: Path) -> None:
        def progress(step: Progress) -> None:
            job.progress = step

        try:
            job.result = crawl(
                job.addresses, settings, sitemap=job.sitemap, previous=previous_fetches(root), progress=progress
            )
            job.planned = plan(job.result, root, force=job.force)
            job.state = JobState.READY
        except Exception as error:  # the job reports it; the server goes on
            log.exception("Import job %s failed", job.id)
            job.error = str(error) or type(error).__name__
            job.state = JobState.FAILED


def _jobs() -> ImportJobs:
    return current_app.extensions.setdefault("website_imports", ImportJobs())


@website_import.before_request
def _require_staff() -> Response | tuple[Response, int] | None:
    return require_staff()


@website_import.context_processor
def _layout() -> dict:
    return {"clinic": clinic(), "active": "import"}


def _address(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2000:
        raise ValueError(value)
    return value


@website_import.get("/")
def start_page() -> str:
    jobs = list(reversed(_jobs().jobs.values()))
    return render_template("admin/import.html", jobs=jobs, address="", sitemap="", problem=None)


@website_import.post("/")
def start() -> Response | tuple[str, int]:
    raw_address, raw_sitemap = request.form.get("address", ""), request.form.get("sitemap", "")
    try:
        address, sitemap = _address(raw_address), _address(raw_sitemap)
    except ValueError:
        address = sitemap = None
        problem = "Give the address of a page of your website, starting with https://, like https://www.your-clinic.com."
    else:
        problem = None if address or sitemap else "Give the address of your website, or of its sitemap."
    if problem is None:
        settings = settings_from(current_app.config)
        root = assistant().files.root
        job = ImportJob(
            secrets.token_urlsafe(9),
            [address] if address else [],
            sitemap,
            force=request.form.get("force") == "on",
            started_by=current_user.email,
        )
        if _jobs().start(job, settings, root):
            return redirect(url_for("website_import.job_page", job_id=job.id))
        problem = "An import is already running. Wait for it to finish, then start this one."
    jobs = list(reversed(_jobs().jobs.values()))
    return render_template(
        "admin/import.html", jobs=jobs, address=raw_address, sitemap=raw_sitemap, problem=problem
    ), 400


def _job_or_404(job_id: str) -> ImportJob:
    job = _jobs().get(job_id)
    if job is None:
        abort(404, "There is no such import. Imports are kept until the server restarts.")
    return job


@website_import.get("/<job_id>")
def job_page(job_id: str) -> Response:
    job = _job_or_404(job_id)
    counts = {status: sum(1 for e in job.planned if e.status == status) for status in Status}
    page = render_template("admin/import_job.html", job=job, counts=counts, Status=Status, JobState=JobState)
    response = Response(page)
    if job.state == JobState.RUNNING:
        response.headers["Refresh"] = "1"  # the page reloads itself until the job is done: no script needed
    return response


@website_import.post("/<job_id>/write")
def write(job_id: str) -> Response:
    job = _job_or_404(job_id)
    if job.state != JobState.READY or job.result is None:
        flash("This import has nothing (more) to write.", "info")
        return redirect(url_for("website_import.job_page", job_id=job.id))
    chosen = set(request.form.getlist("keep"))
    files = assistant().files
    # Planned again: a file staff edited while they read the preview is not overwritten.
    fresh = plan(job.result, files.root, force=job.force)
    selected = [e if e.source in chosen else replace(e, status=Status.SKIPPED, text=None, reason="not chosen")
                for e in fresh if e.status in (Status.ADDED, Status.CHANGED)]  # fmt: skip
    done = apply(selected, files)
    written = [e for e in done if e.status in (Status.ADDED, Status.CHANGED)]
    job.planned = [*done, *(e for e in fresh if e.status not in (Status.ADDED, Status.CHANGED))]
    job.state = JobState.WRITTEN
    try:
        staff_work(assistant().refresh)
    except Exception as error:  # a KnowledgeError in clinic.yaml/safety.yaml: the files are written anyway
        flash(f"Imported, but the bot could not use the files yet: {error}", "error")
        return redirect(url_for("admin.knowledge"))
    names = ", ".join(e.file for e in written if e.file)
    flash(f"Imported {len(written)} page(s){': ' + names if names else ''}. The bot answers from them now.", "success")
    return redirect(url_for("admin.knowledge"))


def init_app(app: Flask) -> None:
    app.register_blueprint(website_import)
