"""Entry point: `gunicorn wsgi:app` (as `make run` does) or `python wsgi.py`."""

import gc
import os
import socket

from werkzeug.serving import WSGIRequestHandler

from bot.app import create_app
from bot.extensions import socketio

app = create_app()
# What start-up made (the model, the index, the knowledge) lives as long as the process: keep it out of the
# garbage collector's full scans, whose pauses every open connection feels. In one pair of `make load` runs
# (2026-12-01), a new visitor's p99 among 5,500 idle sessions went from 81 ms without this to 58 ms with it.
gc.freeze()


class NoDelayRequestHandler(WSGIRequestHandler):
    """Werkzeug leaves Nagle's algorithm on, which delays back-to-back Socket.IO packets by ~40 ms."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


if __name__ == "__main__":
    socketio.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        request_handler=NoDelayRequestHandler,
        allow_unsafe_werkzeug=True,
    )
