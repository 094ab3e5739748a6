"""The clinic staff dashboard under /admin: what visitors ask, what the bot could not answer, and
the knowledge pages, with an editor that tries a draft before it goes live.

Server-rendered pages, no JavaScript. Every page and download needs a signed-in staff account
(`flask --app wsgi staff add EMAIL`); every form carries a CSRF token (Flask-WTF's CSRFProtect,
set up in create_app). Pages send anonymous visitors to the sign-in page; the CSV and JSON
downloads answer 401.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import threading
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import numpy as np
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
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from bot.authoring import as_question, best_pages, starter_page, with_faq_entry
from bot.embedding import Encoder
from bot.extensions import db, limiter, login_manager
from bot.gap_dismissals import Dismissals
from bot.gaps import MAX_DISTINCT, group_questions, normalise_question
from bot.knowledge import (
    CLINIC_FILE,
    MAX_FILE_BYTES,
    SAFETY_FILE,
    KnowledgeError,
    fill_placeholders,
    knowledge_files,
    load_clinic,
    load_document,
    load_safety,
    parse_markdown,
)
from bot.page_checks import page_warnings
from bot.passages import Passage, document_passages
from bot.policy import QuestionError
from bot.replies import Answer, ReplyKind
from bot.serving import Work
from bot.store import Exchange, StaffUser, utcnow

WEB = Path(__file__).resolve().parent.parent / "web"
DAYS = 30
SETTINGS_FILES = {CLINIC_FILE: "Clinic details", SAFETY_FILE: "Safety phrases"}
NEW_PAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}\.md$")
EDITOR_MAX_BYTES = 1_000_000  # a bigger page is edited on the server, not in a browser textarea
BACKUP_STAMP = "%Y%m%dT%H%M%S%fZ"
KIND_LABELS = {
    ReplyKind.ANSWER: "Answered from your pages",
    ReplyKind.CLARIFY: "Asked which topic was meant",
    ReplyKind.FALLBACK: "Could not answer",
    ReplyKind.REFERRAL: "Referred to the clinicians",
    ReplyKind.EMERGENCY: "Emergency message",
    ReplyKind.SMALLTALK: "Small talk",
}
# Replies that show a gap in the knowledge: the bot did not know, or was not sure which topic was meant.
UNANSWERED = (ReplyKind.FALLBACK, ReplyKind.CLARIFY)

admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder=str(WEB / "templates"))
PUBLIC_ENDPOINTS = {"admin.login", "admin.stylesheet"}
DATA_ENDPOINTS = {"admin.gaps_csv", "admin.overview_json"}
EDITOR_ENDPOINTS = {"admin.try_it", "admin.save"}
_file_lock = threading.Lock()  # one save or undo at a time in this process


@admin.record_once
def _setup(state) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Please sign in to see the dashboard."


def _assistant():
    return current_app.extensions["assistant"]


def _staff_work(function, *args):
    """CPU work for staff (previews, rebuilds, the gaps page) on the staff's own OS threads, off the event loop."""
    return current_app.extensions["offloader"].run(Work.STAFF, function, *args)


# --- access --------------------------------------------------------------------------------------


@admin.url_value_preprocessor
def _allow_page_sized_forms(endpoint: str | None, values: dict | None) -> None:
    """The editor posts whole pages. This runs before CSRFProtect reads the form (app-wide limit 64 KB)."""
    if endpoint in EDITOR_ENDPOINTS:
        request.max_content_length = EDITOR_MAX_BYTES + 64 * 1024
        request.max_form_memory_size = EDITOR_MAX_BYTES + 64 * 1024


@admin.before_request
def _require_staff() -> Response | tuple[Response, int] | None:
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    if request.endpoint in DATA_ENDPOINTS:
        return jsonify({"error": {"code": "unauthorized", "message": "Sign in to the dashboard first."}}), 401
    flash(login_manager.login_message, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("admin.login", next=target))


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


@admin.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> tuple[str, int]:
    """A form without a valid token is refused (400). An editor whose token ran out keeps the draft."""
    if request.endpoint in EDITOR_ENDPOINTS and current_user.is_authenticated:
        name = (request.view_args or {}).get("name", "")
        try:
            path = resolve_file(name)
        except FileRefused:
            path = None
        if path is not None:
            notice = "This page was open a long time, so for safety nothing was done. Your text is kept: try again."
            return render_editor(
                name,
                path,
                draft=_draft(),
                question=request.form.get("question", ""),
                problem=notice,
                base=request.form.get("base", ""),
            ), 400
    return render_template(
        "admin/message.html",
        title="Please try again",
        message=(
            "This form had expired or did not come from this dashboard, so nothing was changed. "
            "Go back, reload the page and try again."
        ),
    ), 400


@admin.errorhandler(400)
@admin.errorhandler(404)
def _http_error(error) -> tuple[str, int]:
    return render_template("admin/message.html", title=error.name, message=error.description), error.code


@admin.context_processor
def _layout() -> dict:
    return {"clinic": _clinic(), "kind_labels": KIND_LABELS}


@admin.get("/static/admin.css")
def stylesheet() -> Response:
    return send_from_directory(WEB / "static", "admin.css", mimetype="text/css", max_age=300)


_DUMMY_HASH: list[str] = []


def _check_password(user: StaffUser | None, password: str) -> bool:
    """Check as much work for an unknown e-mail as for a known one, so timing tells nothing."""
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(generate_password_hash("not a password of anyone's"))
        check_password_hash(_DUMMY_HASH[0], password)
        return False
    return user.check_password(password)


def _safe_next(target: str | None) -> str:
    """Only go back to a dashboard page after signing in, never to another site. A target with control
    characters (CR/LF would split the Location header) is a damaged or forged link: 400."""
    if target and any(ord(char) < 32 or ord(char) == 127 for char in target):
        abort(400, "That sign-in link is damaged. Open the dashboard from its address instead.")
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin/") and "\\" not in target:
            return target
    return url_for("admin.overview")


def _sign_in_email() -> str:
    return request.form.get("email", "").strip().lower()[:254]


@admin.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])  # password guessing, per IP
@limiter.limit(  # and per account, from any number of addresses: only failed sign-ins count
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
    key_func=lambda: f"account:{_sign_in_email()}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 401,
    error_message="Too many failed sign-ins for this account. Please wait a few minutes and try again.",
)
def login() -> Response | str | tuple[str, int]:
    next_page = _safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_page)
    email = ""
    if request.method == "POST":
        email = _sign_in_email()
        password = request.form.get("password", "")[:1000]
        user = db.session.scalars(select(StaffUser).where(StaffUser.email == email)).first() if email else None
        if _check_password(user, password):
            session.clear()  # a fresh session for the signed-in user
            login_user(user)
            return redirect(next_page)
        return render_template("admin/login.html", email=email, error="That e-mail and password do not match."), 401
    return render_template("admin/login.html", email=email, error=None)


@admin.post("/logout")
def logout() -> Response:
    current_user.end_sessions()  # a copy of this session's cookie is worthless from now on
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.login"))


# --- overview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    label: str
    file: str | None
    count: int


def _day_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day)


def _topic_key(source_id: str, passages: dict[str, Passage], stems: dict[str, Passage]) -> tuple[str, str | None]:
    passage = passages.get(source_id)
    if passage is not None:
        return (f"{passage.title} › {passage.heading}" if passage.heading else passage.title), passage.file
    # The page was edited since: the id still names its file (stem-hash).
    page = stems.get(source_id.rsplit("-", 1)[0])
    if page is not None:
        return f"{page.title} (text since changed)", page.file
    return "A page since removed", None


def overview_stats(now: datetime | None = None) -> dict:
    """Counts for the last 30 days (UTC days, today included)."""
    now = now or utcnow()
    first_day = _day_start(now) - timedelta(days=DAYS - 1)
    rows = db.session.execute(
        select(Exchange.created_at, Exchange.kind, Exchange.vote, Exchange.source_ids).where(
            Exchange.created_at >= first_day
        )
    ).all()
    per_day = Counter(row.created_at.date() for row in rows)
    days = [(first_day + timedelta(days=i)).date() for i in range(DAYS)]
    kinds = Counter(row.kind for row in rows)
    votes = Counter(row.vote for row in rows if row.vote)

    passages = {p.id: p for p in _assistant().snapshot.index.passages}
    stems: dict[str, Passage] = {}
    for passage in passages.values():
        stems.setdefault(passage.id.rsplit("-", 1)[0], passage)
    topics: Counter[tuple[str, str | None]] = Counter()
    for row in rows:
        ids = (row.source_ids or "").split()
        if ids:
            topics[_topic_key(ids[0], passages, stems)] += 1

    total = len(rows)
    rated = votes["up"] + votes["down"]
    return {
        "total": total,
        "days": [{"date": day.isoformat(), "count": per_day.get(day, 0)} for day in days],
        "kinds": [
            {"kind": kind, "label": label, "count": kinds.get(kind, 0), "share": _share(kinds.get(kind, 0), total)}
            for kind, label in KIND_LABELS.items()
        ],
        "votes": {"up": votes["up"], "down": votes["down"], "helpful_share": _share(votes["up"], rated)},
        "topics": [{"label": label, "file": file, "count": count} for (label, file), count in topics.most_common(10)],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def day_chart(days: list[dict]) -> dict:
    """Bar positions for the questions-per-day chart (inline SVG, drawn by the template)."""
    width, height, left, right, bottom, top = 900, 220, 40, 24, 30, 12
    peak = max([d["count"] for d in days] + [1])
    step = max(1, -(-peak // 4))  # four or five gridlines at round numbers
    scale_top = step * -(-peak // step)
    slot = (width - left - right) / len(days)
    bars = []
    for i, day in enumerate(days):
        h = (height - bottom - top) * day["count"] / scale_top
        h = max(h, 2.0) if day["count"] else 0.0
        when = date.fromisoformat(day["date"])
        bars.append(
            {
                "x": round(left + i * slot + slot * 0.15, 1),
                "y": round(height - bottom - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "count": day["count"],
                "label": f"{when.day} {when:%b}",
                "tick": (len(days) - 1 - i) % 7 == 0,  # today and every week before it
                "cx": round(left + (i + 0.5) * slot, 1),
            }
        )
    grid = [
        {"value": v, "y": round(height - bottom - (height - bottom - top) * v / scale_top, 1)}
        for v in range(0, scale_top + 1, step)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "bottom": height - bottom,
        "bars": bars,
        "grid": grid,
    }


@admin.get("/")
def overview() -> str:
    stats = overview_stats()
    problems = _knowledge_problems()
    return render_template(
        "admin/overview.html", stats=stats, chart=day_chart(stats["days"]), problems=problems, active="overview"
    )


@admin.get("/api/overview")
def overview_json() -> Response:
    return jsonify(overview_stats())


# --- content gaps --------------------------------------------------------------------------------


_vector_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_vector_lock = threading.Lock()
VECTOR_CACHE_SIZE = 20_000
EMBED_BATCH = 32


def _embed(encoder: Encoder, questions: list[str]) -> np.ndarray:
    """Unit vectors for questions, remembering the ones seen before (the gaps page is reloaded often)."""
    with _vector_lock:
        missing = list(dict.fromkeys(q for q in questions if (encoder.name, q) not in _vector_cache))
        # The ONNX query path in small batches: no PyTorch model to load in the web process, and
        # visitors' questions get their turn between batches.
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            for question, vector in zip(batch, encoder.encode_queries(batch), strict=True):
                _vector_cache[encoder.name, question] = vector
        vectors = []
        for question in questions:
            _vector_cache.move_to_end((encoder.name, question))
            vectors.append(_vector_cache[encoder.name, question])
        while len(_vector_cache) > VECTOR_CACHE_SIZE:
            _vector_cache.popitem(last=False)
    return np.stack(vectors) if vectors else np.zeros((0, encoder.dimension), np.float32)


@dataclass(frozen=True)
class GapRow:
    label: str
    count: int
    unanswered: int
    thumbs_down: int
    last_asked: datetime
    examples: list
    slug: str
    rated_down: list = ()  # RatedAnswer: what visitors rated not helpful, with the answer they were given


@dataclass(frozen=True)
class RatedAnswer:
    question: str
    answer: str  # "Page title › heading" of the passage given, or the kind of reply
    excerpt: str
    reason: str | None


def content_gaps(now: datetime | None = None) -> list[GapRow]:
    """Questions from the last 30 days the bot could not answer or a visitor marked unhelpful, grouped."""
    since = _day_start(now or utcnow()) - timedelta(days=DAYS - 1)
    rows = db.session.execute(
        select(
            Exchange.question,
            Exchange.kind,
            Exchange.vote,
            Exchange.created_at,
            Exchange.source_ids,
            Exchange.vote_reason,
        )
        .where(Exchange.created_at >= since, or_(Exchange.kind.in_(UNANSWERED), Exchange.vote == "down"))
        .order_by(Exchange.created_at.desc())
        .limit(MAX_DISTINCT)
    ).all()
    dismissed = Dismissals(_assistant().config.instance_dir).keys()
    rows = [row for row in rows if row.question.strip() and normalise_question(row.question) not in dismissed]
    if not rows:
        return []
    questions = [row.question for row in rows]
    groups = group_questions(questions, _staff_work(_embed, _assistant().encoder, questions))
    result = []
    for group in groups:
        members = [rows[i] for i in group.members]
        result.append(
            GapRow(
                label=group.label,
                count=group.count,
                unanswered=sum(1 for r in members if r.kind in UNANSWERED),
                thumbs_down=sum(1 for r in members if r.vote == "down"),
                last_asked=max(r.created_at for r in members),
                examples=list(group.examples),
                slug=_slug(group.label),
                rated_down=_rated_down(members),
            )
        )
    return result


def _rated_down(rows: list) -> list[RatedAnswer]:
    """The answers visitors rated not helpful: which passage they were given, and their reason."""
    passages = {p.id: p for p in _assistant().snapshot.index.passages}
    rated = []
    for row in rows:
        if row.vote != "down":
            continue
        passage = next((passages[i] for i in (row.source_ids or "").split() if i in passages), None)
        if passage is None:
            answer, excerpt = KIND_LABELS.get(row.kind, row.kind), ""
        else:
            answer = " › ".join(part for part in (passage.title, passage.heading) if part)
            excerpt = passage.text if len(passage.text) <= 220 else passage.text[:220].rsplit(" ", 1)[0] + "…"
        rated.append(RatedAnswer(row.question, answer, excerpt, row.vote_reason))
    return rated


def _slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-").split("-")
    return "-".join(words[:6])[:60].strip("-") or "new-page"


@admin.get("/gaps/write")
def write_answer() -> str:
    """"Write an answer" for a gap: add it as an FAQ entry to one of the best-matching pages, or start a page."""
    question = as_question(request.args.get("question", "")[:300])
    pages = _staff_work(best_pages, _assistant(), question)
    return render_template(
        "admin/write_answer.html", question=question, pages=pages, slug=_slug(question), active="gaps"
    )


@admin.post("/gaps/dismiss")
def dismiss_gap() -> Response:
    """Take a group of questions off the gaps page (off-topic): these wordings stay off it."""
    questions = [q for q in request.form.getlist("question") if q.strip()][:MAX_DISTINCT]
    count = Dismissals(_assistant().config.instance_dir).dismiss(questions)
    flash(f"Dismissed {count} question{'s' if count != 1 else ''}: they no longer show here.", "success")
    return redirect(url_for("admin.gaps"))


@admin.get("/gaps")
def gaps() -> str:
    groups = content_gaps()
    repeated = [g for g in groups if g.count > 1]
    once = [g for g in groups if g.count == 1]
    return render_template(
        "admin/gaps.html",
        repeated=repeated,
        once=once,
        total=sum(g.count for g in groups),
        days=DAYS,
        retention=current_app.extensions["store"].retention_days,
        active="gaps",
    )


# Invisible characters a spreadsheet skips before it sees a leading "=": zero-width spaces and joiners,
# the word joiner, the byte-order mark and the soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))


def _csv_cell(value: object) -> object:
    """Visitors' words could be formulas ("=HYPERLINK(...)") that a spreadsheet would run: quote them.
    NFKC first, so that a full-width "＝" is the "=" a spreadsheet reads, and without invisible characters,
    so that none can hide the "=" from this check."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFKC", value).translate(_INVISIBLE)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@admin.get("/gaps.csv")
def gaps_csv() -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow(["group", "count", "question"])
    for group in content_gaps():
        for example in group.examples:
            writer.writerow([_csv_cell(group.label), group.count, _csv_cell(example.question)])
    filename = f"content-gaps-{utcnow():%Y-%m-%d}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- knowledge files -----------------------------------------------------------------------------


class FileRefused(Exception):
    """A name that is not a knowledge file this dashboard may open."""


def knowledge_root() -> Path:
    return Path(_assistant().config.knowledge_dir)


def resolve_file(name: str) -> Path:
    """The path of knowledge file `name` (relative, forward slashes), or FileRefused: only .md pages
    and clinic.yaml/safety.yaml, inside the knowledge folder, no hidden parts, no symlinks."""
    if not name or len(name) > 300 or "\\" in name or "\x00" in name or name.startswith("/"):
        raise FileRefused(name)
    parts = PurePosixPath(name).parts
    if any(part in (".", "..") or part.startswith(".") for part in parts) or "/".join(parts) != name:
        raise FileRefused(name)
    is_page = name.endswith(".md") and parts[-1].lower() != "readme.md"
    if not is_page and name not in SETTINGS_FILES:
        raise FileRefused(name)
    root = knowledge_root()
    path = root.joinpath(*parts)
    here = root
    for part in parts:  # no symlink on the way, in or out of the folder
        here = here / part
        if here.is_symlink():
            raise FileRefused(name)
    if not path.resolve().is_relative_to(root.resolve()):
        raise FileRefused(name)
    return path


def _resolve_or_abort(name: str) -> Path:
    try:
        return resolve_file(name)
    except FileRefused:
        abort(400, "That is not a knowledge file this dashboard can open.")


def _clinic():
    return _assistant().snapshot.knowledge.clinic


def _read(path: Path) -> tuple[str | None, str | None]:
    """(text, None), or (None, why it cannot be edited here)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    if len(data) > EDITOR_MAX_BYTES:
        return None, "is too large to edit in the browser: edit it on the server"
    if b"\x00" in data:
        return None, "looks like a binary file, not text"
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n"), None
    except UnicodeDecodeError:
        return None, "is not UTF-8 text: save it as UTF-8 on the server first"


def _digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:20]


def validate(name: str, text: str) -> KnowledgeError | None:
    """Would this text load? The same checks the bot makes when it reads the folder."""
    if len(text.encode("utf-8")) > min(MAX_FILE_BYTES, EDITOR_MAX_BYTES):
        return KnowledgeError(name, None, "is too large")
    if "\x00" in text:
        return KnowledgeError(name, text[: text.index("\x00")].count("\n") + 1, "contains a binary character")
    if not text.strip():
        return KnowledgeError(name, 1, "is empty")
    try:
        if name in SETTINGS_FILES:
            with tempfile.TemporaryDirectory() as folder:
                (Path(folder) / name).write_text(text, "utf-8")
                (load_clinic if name == CLINIC_FILE else load_safety)(Path(folder))
        else:
            parse_markdown(fill_placeholders(text, _clinic()), name)
    except KnowledgeError as error:
        return error
    return None


@dataclass(frozen=True)
class FileInfo:
    name: str
    title: str
    kind: str  # "page" | "settings"
    error: KnowledgeError | None
    passages: int | None
    faq: int | None
    live_passages: int
    kept: bool
    changed: datetime | None


def _knowledge_listing() -> list[FileInfo]:
    root = knowledge_root()
    snapshot = _assistant().snapshot
    live = Counter(p.file for p in snapshot.index.passages)
    try:
        clinic = load_clinic(root)
    except KnowledgeError:
        clinic = snapshot.knowledge.clinic
    infos = []
    for name, title in SETTINGS_FILES.items():
        path = root / name
        try:
            (load_clinic if name == CLINIC_FILE else load_safety)(root)
            error = None
        except KnowledgeError as problem:
            error = problem
        infos.append(FileInfo(name, title, "settings", error, None, None, 0, False, _mtime(path)))
    for path in knowledge_files(root):
        name = path.relative_to(root).as_posix()
        try:
            document = load_document(path, root, clinic)
        except KnowledgeError as problem:
            infos.append(
                FileInfo(name, name, "page", problem, None, None, live[name], name in snapshot.kept, _mtime(path))
            )
            continue
        infos.append(
            FileInfo(
                name,
                document.title,
                "page",
                None,
                len(document_passages(document)),
                sum(1 for s in document.sections if s.question),
                live[name],
                False,
                _mtime(path),
            )
        )
    return infos


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    except OSError:
        return None


def _knowledge_problems() -> list[KnowledgeError]:
    problems = {(e.file, e.line, e.message): e for e in _assistant().errors}
    return list(problems.values())


@admin.get("/knowledge")
def knowledge() -> str:
    files = _knowledge_listing()
    return render_template(
        "admin/knowledge.html",
        files=files,
        problems=_knowledge_problems(),
        new_name=request.args.get("name", ""),
        question=request.args.get("question", ""),
        active="knowledge",
    )


@admin.post("/knowledge/new")
def new_page() -> Response | tuple[str, int]:
    name = request.form.get("name", "").strip().lower()
    question = request.form.get("question", "").strip()[:300]
    if name and not name.endswith(".md"):
        name += ".md"
    problem = None
    if not NEW_PAGE_NAME.match(name):
        problem = "Use a short name with letters, numbers and dashes only, like opening-hours.md."
    elif (knowledge_root() / name).exists():
        problem = f"There is already a page called {name}. Pick another name, or open that page from the list."
    if problem:
        return render_template(
            "admin/knowledge.html",
            files=_knowledge_listing(),
            problems=_knowledge_problems(),
            new_name=name,
            question=question,
            new_problem=problem,
            active="knowledge",
        ), 400
    title, url = request.form.get("title", "").strip()[:200], request.form.get("url", "").strip()[:2000]
    return redirect(url_for("admin.editor", name=name, question=question or None, title=title or None, url=url or None))


def _starter_page(name: str, question: str) -> str:
    if request.args.get("title"):
        return starter_page(request.args["title"], request.args.get("url", ""), question)
    title = name.removesuffix(".md").replace("-", " ").capitalize()
    heading = question.strip() or "A question visitors ask?"
    if not heading.endswith("?"):
        heading += "?"
    return (
        f"---\ntitle: {title}\n---\n\n## {heading}\n\n"
        "Write the answer here in a few plain sentences. Call us on {phone} if you have more questions.\n"
    )


def _backup_dir(name: str) -> Path:
    return Path(_assistant().config.instance_dir) / "backups" / PurePosixPath(name).parent


def _backups(name: str) -> list[tuple[datetime, Path]]:
    """Earlier versions of `name` kept at each save, newest first."""
    folder = _backup_dir(name)
    base = PurePosixPath(name).name
    pattern = re.compile(re.escape(base) + r"\.(\d{8}T\d{12}Z)$")
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = pattern.match(path.name)
            if match:
                found.append((datetime.strptime(match.group(1), BACKUP_STAMP), path))
    return sorted(found, reverse=True)


def _keep_copy(name: str, text: str, suffix: str = "") -> Path:
    folder = _backup_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime(BACKUP_STAMP)
    path = folder / f"{PurePosixPath(name).name}.{stamp}{suffix}"
    path.write_text(text, "utf-8")
    return path


def _write(path: Path, text: str) -> None:
    """Write atomically (a hidden temp file, then rename), so the bot never reads half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _go_live() -> str | None:
    """Rebuild the index now (the folder watcher would too, a moment later); a problem, if any."""
    try:
        _staff_work(_assistant().refresh)
    except KnowledgeError as error:
        return str(error)
    return None


def _draft() -> str:
    return request.form.get("content", "").replace("\r\n", "\n").replace("\r", "\n")


def _highlighted(source) -> list[tuple[str, bool]]:
    """The passage cut into (text, is_key_sentence) pieces; the template escapes every piece."""
    pieces, position = [], 0
    for start, end in sorted(source.highlights):
        if start >= position:
            pieces += [(source.passage[position:start], False), (source.passage[start:end], True)]
            position = end
    pieces.append((source.passage[position:], False))
    return [piece for piece in pieces if piece[0]]


def render_editor(
    name: str,
    path: Path,
    *,
    draft: str | None = None,
    question: str = "",
    answer: Answer | None = None,
    problem: str | None = None,
    error: KnowledgeError | None = None,
    base: str | None = None,
    warn_before_save: bool = False,
) -> str:
    exists = path.exists()
    saved, unreadable = _read(path) if exists else (None, None)
    if draft is None:
        draft = saved if exists else _starter_page(name, request.args.get("question", ""))
    backups = _backups(name)
    return render_template(
        "admin/editor.html",
        name=name,
        title=SETTINGS_FILES.get(name, name),
        is_page=name not in SETTINGS_FILES,
        exists=exists,
        draft=draft or "",
        unreadable=unreadable,
        changed=draft != saved,
        base=base if base is not None else _digest(saved),
        question=question,
        answer=answer,
        pieces=_highlighted(answer.sources[0]) if answer and answer.sources else [],
        problem=problem,
        error=error,
        lines=(draft or "").split("\n"),
        last_backup=backups[0][0] if backups else None,
        live_error=next((e for e in _assistant().errors if e.file == name), None),
        warnings=page_warnings(draft or "", name) if name not in SETTINGS_FILES and not error else [],
        warn_before_save=warn_before_save,
        active="knowledge",
    )


@admin.get("/knowledge/<path:name>")
def editor(name: str) -> str:
    path = _resolve_or_abort(name)
    if not path.exists() and not NEW_PAGE_NAME.match(name):
        abort(404, "There is no such knowledge file.")
    add = request.args.get("add_question", "").strip()[:300]
    if add and path.exists() and name not in SETTINGS_FILES:
        saved, _ = _read(path)
        if saved is not None:
            return render_editor(name, path, draft=with_faq_entry(saved, add))
    return render_editor(name, path)


@admin.post("/knowledge/<path:name>/try")
def try_it(name: str) -> tuple[str, int] | str:
    path = _resolve_or_abort(name)
    draft, question = _draft(), request.form.get("question", "").strip()
    base = request.form.get("base", "")
    if name in SETTINGS_FILES:
        problem = "“Try it” works on pages. Save the settings, then ask the bot on your website."
        return render_editor(name, path, draft=draft, question=question, problem=problem, base=base), 400
    try:
        answer = _staff_work(_assistant().preview, name, fill_placeholders(draft, _clinic()), question)
    except KnowledgeError as error:
        return render_editor(name, path, draft=draft, question=question, error=error, base=base), 422
    except QuestionError as error:
        return render_editor(name, path, draft=draft, question=question, problem=error.message, base=base), 400
    return render_editor(name, path, draft=draft, question=question, answer=answer, base=base)


@admin.post("/knowledge/<path:name>/save")
def save(name: str) -> Response | tuple[str, int]:
    path = _resolve_or_abort(name)
    draft, question, base = _draft(), request.form.get("question", ""), request.form.get("base", "")
    if not draft.endswith("\n"):
        draft += "\n"
    with _file_lock:
        exists = path.exists()
        if not exists and not NEW_PAGE_NAME.match(name):
            abort(404, "There is no such knowledge file.")
        error = validate(name, draft)
        if error:
            return render_editor(name, path, draft=draft, question=question, error=error, base=base), 422
        if name not in SETTINGS_FILES and page_warnings(draft, name) and not request.form.get("confirm_warnings"):
            return render_editor(name, path, draft=draft, question=question, base=base, warn_before_save=True), 422
        current, unreadable = _read(path) if exists else (None, None)
        if unreadable:
            return render_editor(
                name, path, draft=draft, question=question, problem=f"This file {unreadable}.", base=base
            ), 409
        if _digest(current) != base:
            problem = (
                "Someone changed this file since you opened it, so it was not saved. "
                "Copy your text somewhere safe, reload the page and make your change again."
            )
            return render_editor(name, path, draft=draft, question=question, problem=problem, base=base), 409
        if current == draft:
            flash("Nothing changed, so there was nothing to save.", "info")
            return redirect(url_for("admin.editor", name=name))
        if current is not None:
            _keep_copy(name, current)
        _write(path, draft)
        trouble = _go_live()
    if trouble:
        flash(f"Saved, but the bot could not use it yet: {trouble}", "error")
    elif exists:
        flash("Saved. The bot answers from the new version now.", "success")
    else:
        flash(f"Created {name}. The bot answers from it now.", "success")
    return redirect(url_for("admin.editor", name=name))


@admin.post("/knowledge/<path:name>/undo")
def undo(name: str) -> Response:
    path = _resolve_or_abort(name)
    with _file_lock:
        backups = _backups(name)
        if not backups:
            flash("There is no earlier version to go back to.", "info")
            return redirect(url_for("admin.editor", name=name))
        when, backup = backups[0]
        current, _ = _read(path) if path.exists() else (None, None)
        if current is not None:
            _keep_copy(name, current, suffix=".undone")  # the undone version is kept too, just in case
        _write(path, backup.read_text("utf-8"))
        backup.unlink()
        trouble = _go_live()
    if trouble:
        flash(f"Went back to the earlier version, but the bot could not use it: {trouble}", "error")
    else:
        flash(f"Undone: the file is back to how it was before the save of {when:%d %b %Y, %H:%M} UTC.", "success")
    return redirect(url_for("admin.editor", name=name))
