"""Socket.IO wired into the app: the transport, its origin check, and the guards against malformed
packets and too many connections. The chat's events are registered by importing bot.events."""

from __future__ import annotations

from flask import Flask

from bot import events  # noqa: F401  (registers the chat's event handlers on import)
from bot.extensions import socketio
from bot.security import MalformedPackets, origin_allowed, own_origin
from bot.serving import ConnectionLimits, cooperative


def init_app(app: Flask) -> None:
    origins = app.config["ALLOWED_ORIGINS_LIST"]

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
