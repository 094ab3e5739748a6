"""The application factory: each part wires itself in with its `init_app`."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from bot import cli, config, handoff_events, http, inbox, pages, security, sockets, staff, store
from bot import website_import as import_views
from bot.assistant import Assistant, AssistantConfig
from bot.embedding import Encoder
from bot.extensions import csrf
from bot.serving import Offloader, Work

PROJECT_ROOT = config.PROJECT_ROOT


def create_app(test_config: dict | None = None, encoder: Encoder | None = None) -> Flask:
    """Build the app. Settings: see bot/config.py (BOT_* environment variables, DATABASE_URL, SECRET_KEY,
    or `test_config`)."""
    app = Flask(__name__, static_folder=None, instance_path=str(PROJECT_ROOT / "instance"))
    config.init_app(app, test_config)
    sockets.init_app(app)
    security.init_app(app)  # after sockets: its ProxyFix wraps Socket.IO too
    app.extensions["offloader"] = Offloader(
        {Work.CHAT: int(app.config["ANSWER_THREADS"]), Work.STAFF: int(app.config["STAFF_THREADS"])}
    )
    store.init_app(app)
    init_assistant(app, encoder)
    app.register_blueprint(http.api)
    csrf.exempt(http.api)
    app.register_blueprint(pages.pages)
    staff.init_app(app)
    import_views.init_app(app)
    handoff_events.init_app(app)  # talking to a person: callbacks, the queue's purge
    app.register_blueprint(inbox.inbox)
    cli.register(app)
    return app


def init_assistant(app: Flask, encoder: Encoder | None = None) -> None:
    """The model and the index (built, or loaded when saved), and the watcher that rebuilds on an edit."""
    settings = AssistantConfig(
        knowledge_dir=Path(app.config["KNOWLEDGE_DIR"]),
        instance_dir=Path(app.config["INSTANCE_DIR"]),
        model=app.config["MODEL"],
        answer_threshold=float(app.config["ANSWER_THRESHOLD"]) if app.config["ANSWER_THRESHOLD"] else None,
        torch_threads=app.config["TORCH_THREADS"],
        models_dir=Path(app.config["MODELS_DIR"]) if app.config.get("MODELS_DIR") else None,
        message_models=config.message_models_folder(app.config["MESSAGE_MODELS"]),
    )
    app.extensions["assistant"] = assistant = Assistant(settings, encoder=encoder)
    if app.config["WATCH_KNOWLEDGE"]:
        assistant.watch()
