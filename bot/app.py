"""The application factory: configuration, the assistant and the transports, in one place."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from bot.assistant import Assistant, AssistantConfig
from bot.embedding import DEFAULT_MODEL, Encoder
from bot.extensions import socketio
from bot.policy import PolicySettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def configure_logging(level: str) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "faiss", "sentence_transformers", "httpx", "engineio", "socketio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def create_app(test_config: dict | None = None, encoder: Encoder | None = None) -> Flask:
    """Build the app. Settings come from BOT_* environment variables (BOT_MODEL=...,
    BOT_KNOWLEDGE_DIR=...), or from `test_config`."""
    app = Flask(__name__, static_folder=None, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_mapping(
        KNOWLEDGE_DIR=str(PROJECT_ROOT / "knowledge"),
        INSTANCE_DIR=app.instance_path,
        MODEL=DEFAULT_MODEL,
        ANSWER_THRESHOLD=PolicySettings.answer_threshold,
        TORCH_THREADS=None,
        MAX_CONTENT_LENGTH=64 * 1024,
        SOCKETIO_MAX_BUFFER=64 * 1024,
    )
    app.config.from_prefixed_env("BOT")
    if test_config:
        app.config.update(test_config)
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))

    config = AssistantConfig(
        knowledge_dir=Path(app.config["KNOWLEDGE_DIR"]),
        instance_dir=Path(app.config["INSTANCE_DIR"]),
        model=app.config["MODEL"],
        answer_threshold=float(app.config["ANSWER_THRESHOLD"]),
        torch_threads=app.config["TORCH_THREADS"],
    )
    app.extensions["assistant"] = Assistant(config, encoder=encoder)

    from bot import cli, events, http, pages  # noqa: F401  (events registers its handlers on import)

    app.register_blueprint(http.api)
    app.register_blueprint(pages.pages)
    cli.register(app)
    socketio.init_app(app, async_mode="threading", max_http_buffer_size=app.config["SOCKETIO_MAX_BUFFER"])
    return app
