"""Settings, read in one place: the defaults below, then BOT_* environment variables (BOT_MODEL=...,
BOT_KNOWLEDGE_DIR=...), DATABASE_URL, SECRET_KEY, REDIS_URL and SMTP_URL, then a test's `test_config`; the secret
key falls back to one kept in the instance folder."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from bot.embedding import DEFAULT_MODEL
from bot.message_model import SHIPPED_MODELS
from bot.security import LogFloodFilter, allowed_origins, public_url, secret_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def defaults(app: Flask) -> dict:
    return {
        "KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge"),
        "INSTANCE_DIR": app.instance_path,
        "MODEL": DEFAULT_MODEL,
        "ANSWER_THRESHOLD": None,  # calibrated for each version of the knowledge unless set
        "MESSAGE_MODELS": str(SHIPPED_MODELS),  # "off": safety.yaml's phrases and examples alone
        "TORCH_THREADS": None,
        "WATCH_KNOWLEDGE": True,
        "STORE_QUESTIONS": True,
        "RETENTION_DAYS": 30,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SOCKETIO_MAX_BUFFER": 64 * 1024,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "ENV": "development",
        "ALLOWED_ORIGINS": None,
        "PROXY_COUNT": 0,
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "RATE_LIMIT_VISITOR": "10 per 10 seconds",
        "RATE_LIMIT_IP": "60 per minute",
        "LOGIN_RATE_LIMIT": "10 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "5 per 15 minutes",
        "MAX_CONNECTIONS_PER_IP": 50,  # open Socket.IO sessions from one client address (per server process)
        "MAX_CHAT_CONNECTIONS": 10_000,  # open Socket.IO sessions in all (gunicorn.conf.py sets it from its own)
        # OS threads answering visitors' questions (each process). 50 visitors asking at once got 72 answers/s
        # with 4, 78 with 16 and 78 with 64, and /healthz's p99 meanwhile was 34, 74 and 102 ms (make load
        # --clients 50, 2026-12-01): fewer threads batch fewer questions, more only compete for the interpreter.
        "ANSWER_THREADS": 16,
        "STAFF_THREADS": 2,  # OS threads for staff work: previews, rebuilds, the gaps page
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Talking to a person (bot/handoff_events.py)
        "HANDOFF_WAIT_SECONDS": 120,  # a visitor nobody takes this long is offered the callback form
        "CALLBACK_RETENTION_DAYS": 30,
        "SMTP_URL": os.environ.get("SMTP_URL"),  # unset: callback requests are not e-mailed
        "SMTP_FROM": None,  # the clinic's e-mail address when unset
        "CALLBACK_EMAIL": None,  # where requests are e-mailed; the clinic's e-mail address when unset
        "RATE_LIMIT_CALLBACK": "3 per hour",  # per visitor
        "RATE_LIMIT_CALLBACK_IP": "20 per hour",
    }


def message_models_folder(value: object) -> Path | None:
    """BOT_MESSAGE_MODELS as a folder, or None when it turns the models off ("off", "false", "0", "no" or
    empty; Flask reads "false" and "0" as JSON)."""
    if value is None or value is False or str(value).strip().lower() in ("off", "false", "0", "no", ""):
        return None
    return Path(str(value))


def init_app(app: Flask, test_config: dict | None = None) -> None:
    """Fill `app.config` (and start logging at its LOG_LEVEL). Refuses a production setup that lacks
    SECRET_KEY or BOT_PUBLIC_URL, or allows '*' as an origin."""
    app.config.from_mapping(defaults(app))
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
    if app.config["ENV"] == "production":  # Flask and Flask-Login default these to False, so setdefault would not
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config["ALLOWED_ORIGINS_LIST"] = allowed_origins(app)


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, LogFloodFilter) for f in handler.filters):
            handler.addFilter(LogFloodFilter())
    for noisy in ("bm25s", "faiss", "sentence_transformers", "httpx", "engineio", "socketio", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
