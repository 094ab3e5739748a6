"""The conversation store: what was asked (redacted), how it was answered, and the visitor's vote.

Nothing that identifies a visitor is kept: the conversation id is a random id the widget makes,
questions are redacted before they are written, and rows older than the retention period are purged.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import DateTime, Float, Integer, String, Text, delete, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from bot.extensions import db, migrate
from bot.fileops import file_lock
from bot.policy import validate_question
from bot.redaction import redact
from bot.replies import Answer

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
MAX_ID_CHARS = 100
MAX_REASON_CHARS = 200


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Exchange(db.Model):
    """One question and the bot's reply."""

    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(String(MAX_ID_CHARS), index=True)
    answer_id: Mapped[str | None] = mapped_column(String(MAX_ID_CHARS), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    question: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    source_ids: Mapped[str] = mapped_column(Text, default="")  # space-separated passage ids
    vote: Mapped[str | None] = mapped_column(String(8))
    voted_at: Mapped[datetime | None] = mapped_column(DateTime)
    vote_reason: Mapped[str | None] = mapped_column(Text)  # the visitor's one line after a thumbs down, redacted


class StaffUser(db.Model):
    """A clinic staff member who may use the dashboard (Flask-Login user)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Part of every session's user id: raising it signs out every session of this account, on every
    # server (a copied session cookie stops working at logout or a password change).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    role: Mapped[str] = mapped_column(String(16), default="admin", server_default="admin")  # bot.staff.accounts.Role
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation or 0}"

    def end_sessions(self) -> None:
        self.session_generation = (self.session_generation or 0) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        # "": invited or reset, no password chosen yet
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


def staff_user_for_session(session_id: str) -> StaffUser | None:
    """The account a session belongs to, if the session is still valid (see `session_generation`)."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None  # also sessions made before generations existed
    user = db.session.get(StaffUser, int(user_id))
    return user if user is not None and user.get_id() == session_id else None


class ConversationStore:
    """Writes exchanges and votes on a background thread, so a visitor never waits for the database.
    A failing database is logged, never raised: answers keep flowing."""

    def __init__(
        self, app: Flask | None = None, enabled: bool = True, retention_days: int = 30, write_delay: float = 0.25
    ) -> None:
        self.app = app
        self.enabled = enabled
        self.retention_days = retention_days
        self.write_delay = write_delay
        self.pending: queue.Queue[Callable[[], None]] = queue.Queue(maxsize=10_000)
        threading.Thread(target=self._write_forever, name="conversation-store", daemon=True).start()

    def record(self, question: str, answer: Answer, conversation_id: object = None, answer_id: object = None) -> None:
        if not self.enabled:
            return
        text = validate_question(question)
        values = {
            "conversation_id": _short_id(conversation_id),
            "answer_id": _short_id(answer_id),
            "kind": str(answer.kind),
            "confidence": answer.confidence,
            "source_ids": " ".join(s.id for s in answer.sources),
            "created_at": utcnow(),
        }
        # Redaction and the ORM's work happen on the writer's thread, never on a visitor's.
        self._enqueue(lambda: db.session.add(Exchange(**values, question=redact(text)[:2000])))

    def record_vote(self, answer_id: str, vote: str, conversation_id: object = None, reason: str | None = None) -> None:
        """Store a vote on the latest answer with this id (and conversation, when given); a later vote replaces
        it. A reason is stored redacted, like questions."""
        if not self.enabled:
            return
        conversation = _short_id(conversation_id)

        def update() -> None:
            query = select(Exchange).where(Exchange.answer_id == answer_id)
            if conversation:
                query = query.where(Exchange.conversation_id == conversation)
            exchange = db.session.scalars(query.order_by(Exchange.id.desc()).limit(1)).first()
            if exchange is not None:
                exchange.vote, exchange.voted_at = vote, utcnow()
                if reason:
                    exchange.vote_reason = redact(reason)[:MAX_REASON_CHARS]

        self._enqueue(update)

    def flush(self) -> None:
        """Wait until everything recorded so far is written (tests, shutdown)."""
        self.pending.join()

    def purge(self, now: datetime | None = None) -> int:
        """Delete exchanges older than the retention period; returns how many."""
        cutoff = (now or utcnow()) - timedelta(days=self.retention_days)
        try:
            result = db.session.execute(delete(Exchange).where(Exchange.created_at < cutoff))
            db.session.commit()
        except SQLAlchemyError as error:
            db.session.rollback()
            log.warning("Conversation store unavailable, nothing purged: %s", error)
            return 0
        return result.rowcount or 0

    def _enqueue(self, change: Callable[[], None]) -> None:
        try:
            self.pending.put_nowait(change)
        except queue.Full:
            log.warning("Conversation store is behind; an exchange was not stored")

    def _write_forever(self) -> None:
        """Write what is pending in one transaction. The writer waits a moment after the first change, so
        that under load one commit carries many exchanges and the writer wakes a few times a second rather
        than once per answer, competing with the answers being sent."""
        while True:
            changes = [self.pending.get()]
            time.sleep(self.write_delay)
            while len(changes) < 1000:
                try:
                    changes.append(self.pending.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.app.app_context():
                    for change in changes:
                        change()
                    db.session.commit()
            except SQLAlchemyError as error:
                with self.app.app_context():
                    db.session.rollback()
                log.warning("Conversation store unavailable, %d exchange(s) not stored: %s", len(changes), error)
            except Exception:
                log.exception("Could not store %d exchange(s)", len(changes))
            finally:
                for _ in changes:
                    self.pending.task_done()


def restrict_database_file(database_uri: str) -> None:
    """A SQLite database holds staff password hashes and visitors' questions: readable by this user only.
    Created so (an empty file is an empty database), or tightened if it exists; SQLite gives its journal
    files the same mode."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
    except OSError as error:  # a folder that is missing or not ours: the store reports it as unavailable
        log.warning("Could not restrict %s to its owner: %s", path, error)


def start_purging(app, every_seconds: float = 3600) -> threading.Thread:
    """Purge old exchanges now and then every hour, in the background."""

    def loop() -> None:
        while True:
            with app.app_context():
                removed = app.extensions["store"].purge()
            if removed:
                log.info("Purged %d exchange(s) past the retention period", removed)
            time.sleep(every_seconds)

    thread = threading.Thread(target=loop, name="retention-purge", daemon=True)
    thread.start()
    return thread


def _short_id(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS else None


def init_app(app: Flask) -> None:
    """The database (SQLAlchemy, with Alembic migrations run at start-up) and the conversation store,
    with its hourly purge of exchanges past the retention period."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    restrict_database_file(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        upgrade_database(Path(app.config["INSTANCE_DIR"]))
    app.extensions["store"] = ConversationStore(
        app, enabled=bool(app.config["STORE_QUESTIONS"]), retention_days=int(app.config["RETENTION_DAYS"])
    )
    if app.config["STORE_QUESTIONS"]:
        start_purging(app)


def upgrade_database(instance_dir: Path) -> None:
    """Bring the schema up to date (Alembic), one process at a time. A database that cannot be reached
    does not stop the bot: it answers, and conversations are not stored until the database is back."""
    with file_lock(instance_dir / ".migrate.lock"):
        try:
            upgrade(directory=str(MIGRATIONS))
        except Exception as error:  # any driver's connection error
            log.warning("Database unavailable, conversations will not be stored: %s", error)
