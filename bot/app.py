"""The application factory: configuration, the assistant, the store and the transports, in one place."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from flask import Flask
from flask_cors import CORS
from flask_migrate import upgrade
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.assistant import Assistant, AssistantConfig
from bot.embedding import DEFAULT_MODEL, Encoder
from bot.extensions import csrf, db, limiter, login_manager, migrate, socketio
from bot.security import (
    AskRateLimits,
    LogFloodFilter,
    MalformedPackets,
    add_security_headers,
    allowed_origins,
    origin_allowed,
    own_origin,
    public_url,
    secret_key,
)
from bot.serving import ConnectionLimits, Offloader, Work, cooperative
from bot.store import (
    ConversationStore,
    StaffUser,
    restrict_database_file,
    staff_user_for_session,
    start_purging,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = PROJECT_ROOT / "migrations"


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, LogFloodFilter) for f in handler.filters):
            handler.addFilter(LogFloodFilter())
    for noisy in ("bm25s", "faiss", "sentence_transformers", "httpx", "engineio", "socketio", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def create_app(test_config: dict | None = None, encoder: Encoder | None = None) -> Flask:
    """Build the app. Settings come from BOT_* environment variables (BOT_MODEL=...,
    BOT_KNOWLEDGE_DIR=...), DATABASE_URL and SECRET_KEY, or from `test_config`."""
    app = Flask(__name__, static_folder=None, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_mapping(
        KNOWLEDGE_DIR=str(PROJECT_ROOT / "knowledge"),
        INSTANCE_DIR=app.instance_path,
        MODEL=DEFAULT_MODEL,
        ANSWER_THRESHOLD=None,  # calibrated for each version of the knowledge unless set
        TORCH_THREADS=None,
        WATCH_KNOWLEDGE=True,
        STORE_QUESTIONS=True,
        RETENTION_DAYS=30,
        MAX_CONTENT_LENGTH=64 * 1024,
        SOCKETIO_MAX_BUFFER=64 * 1024,
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        ENV="development",
        ALLOWED_ORIGINS=None,
        PROXY_COUNT=0,
        REDIS_URL=os.environ.get("REDIS_URL"),
        RATE_LIMIT_VISITOR="10 per 10 seconds",
        RATE_LIMIT_IP="60 per minute",
        LOGIN_RATE_LIMIT="10 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="5 per 15 minutes",
        MAX_CONNECTIONS_PER_IP=50,  # open Socket.IO sessions from one client address (per server process)
        MAX_CHAT_CONNECTIONS=10_000,  # open Socket.IO sessions in all (gunicorn.conf.py sets it from its own)
        # OS threads answering visitors' questions (each process). 50 visitors asking at once got 72 answers/s
        # with 4, 78 with 16 and 78 with 64, and /healthz's p99 meanwhile was 34, 74 and 102 ms (make load
        # --clients 50, 2026-12-01): fewer threads batch fewer questions, more only compete for the interpreter.
        ANSWER_THREADS=16,
        STAFF_THREADS=2,  # OS threads for staff work: previews, rebuilds, the gaps page
        RATELIMIT_HEADERS_ENABLED=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
    )
    app.config.from_prefixed_env("BOT")
    if test_config:
        app.config.update(test_config)
    instance_dir = Path(app.config["INSTANCE_DIR"])
    instance_dir.mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'bot.db'}"
    )
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    app.config["SECRET_KEY"] = secret_key(app, instance_dir)
    app.config["PUBLIC_URL"] = public_url(app)
    production = app.config["ENV"] == "production"
    if production:  # Flask and Flask-Login default these to False, so setdefault would not change them
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    origins = allowed_origins(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    if origins:
        CORS(app, resources={r"/api/*": {"origins": origins}})

    def socket_origin_allowed(origin: str | None, environ: dict) -> bool:
        host_url = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin_allowed(origin, own_origin(app.config, host_url), origins)

    socketio.init_app(
        app,
        # gevent under gunicorn (bot/worker.py); threads under `python wsgi.py` and in tests' in-process apps.
        async_mode="gevent" if cooperative() else "threading",
        max_http_buffer_size=app.config["SOCKETIO_MAX_BUFFER"],
        cors_allowed_origins=socket_origin_allowed,
        message_queue=app.config["REDIS_URL"],
        # Run a connection's events on its own greenlet (or thread) rather than starting another per event:
        # a visitor asks one question at a time.
        async_handlers=False,
    )
    MalformedPackets(socketio.server)
    ConnectionLimits(int(app.config["MAX_CONNECTIONS_PER_IP"]), int(app.config["MAX_CHAT_CONNECTIONS"])).guard(
        socketio.server.eio
    )
    app.extensions["offloader"] = Offloader(
        {Work.CHAT: int(app.config["ANSWER_THREADS"]), Work.STAFF: int(app.config["STAFF_THREADS"])}
    )
    if int(app.config["PROXY_COUNT"]):  # behind nginx: trust its X-Forwarded-For/-Proto, and only its
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.extensions["ask_limits"] = AskRateLimits(
        app.config["RATELIMIT_STORAGE_URI"], app.config["RATE_LIMIT_VISITOR"], app.config["RATE_LIMIT_IP"]
    )
    app.config["ALLOWED_ORIGINS_LIST"] = origins
    app.after_request(add_security_headers)
    restrict_database_file(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        upgrade_database(instance_dir)

    config = AssistantConfig(
        knowledge_dir=Path(app.config["KNOWLEDGE_DIR"]),
        instance_dir=instance_dir,
        model=app.config["MODEL"],
        answer_threshold=float(app.config["ANSWER_THRESHOLD"]) if app.config["ANSWER_THRESHOLD"] else None,
        torch_threads=app.config["TORCH_THREADS"],
        models_dir=Path(app.config["MODELS_DIR"]) if app.config.get("MODELS_DIR") else None,
    )
    app.extensions["assistant"] = assistant = Assistant(config, encoder=encoder)
    app.extensions["store"] = ConversationStore(
        app, enabled=bool(app.config["STORE_QUESTIONS"]), retention_days=int(app.config["RETENTION_DAYS"])
    )
    if app.config["WATCH_KNOWLEDGE"]:
        assistant.watch()
    if app.config["STORE_QUESTIONS"]:
        start_purging(app)

    from bot import admin, cli, events, handoff_events, http, inbox, pages  # noqa: F401  (events register on import)

    app.register_blueprint(http.api)
    app.register_blueprint(pages.pages)
    app.register_blueprint(admin.admin)
    handoff_events.init_app(app)
    app.register_blueprint(inbox.inbox)
    csrf.exempt(http.api)
    cli.register(app)
    return app


def upgrade_database(instance_dir: Path) -> None:
    """Bring the schema up to date (Alembic), one process at a time. A database that cannot be reached
    does not stop the bot: it answers, and conversations are not stored until the database is back."""
    with open(instance_dir / ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            upgrade(directory=str(MIGRATIONS))
        except Exception as error:  # any driver's connection error
            logging.getLogger(__name__).warning("Database unavailable, conversations will not be stored: %s", error)


@login_manager.user_loader
def load_staff_user(user_id: str) -> StaffUser | None:
    return staff_user_for_session(user_id)
