"""The gunicorn worker `make run` uses (gunicorn.conf.py): gevent's, with three changes.

1. Sockets, DNS and time are patched; threads, queues and select are not. The model, the knowledge
   watcher (watchdog), the conversation store's writer and the index saver run on real OS threads, and the
   question batcher's locks and events are real ones shared by the threads that answer (`bot.serving`).
   With threads patched, each of those threads would become a greenlet on the event loop, and a rebuild
   after an edit would stop every chat for its duration. With select patched, watchdog's inotify thread
   polls with gevent's `poll`, whose watchers belong to the thread that made it, and dies (LoopExit).
   (Without patched select psycopg waits for PostgreSQL with a blocking poll: a staff page's query holds
   the loop for its milliseconds; visitors' exchanges are written by the store's own thread.)
2. TCP_NODELAY on every connection: without it back-to-back Socket.IO packets wait ~40 ms (Nagle).
3. A deadline for request headers and a timeout on a stalled connection. gunicorn's gevent worker reads
   each request's headers under its keep-alive timeout, so `keepalive` is also the header deadline: a
   client that never finishes its headers is cut off then. `idle_timeout` cuts a connection on which a
   read or write waits longer (a body sent a byte a minute, a reader that stops reading); it is longer
   than Engine.IO's ping interval plus timeout, so a live chat always has traffic within it.
"""

from __future__ import annotations

import logging
import os
import socket

from gevent import monkey
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

IDLE_TIMEOUT_SECONDS = float(os.environ.get("IDLE_TIMEOUT", "60"))


class _QuietTimeouts(logging.Filter):
    """A connection cut off by the idle timeout is expected, not an error worth a traceback in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], TimeoutError))


class ChatWorker(GeventWorker):
    def patch(self) -> None:
        monkey.patch_all(thread=False, queue=False, select=False)
        from gevent import socket as green_socket

        # As GeventWorker.patch does: the listening sockets were made before patching.
        self.sockets = [
            green_socket.socket(s.FAMILY, socket.SOCK_STREAM, fileno=s.sock.detach()) for s in self.sockets
        ]

    def init_process(self) -> None:
        self.log.error_log.addFilter(_QuietTimeouts())
        super().init_process()

    def handle(self, listener, client, addr) -> None:
        if client.family in (socket.AF_INET, socket.AF_INET6):
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.settimeout(IDLE_TIMEOUT_SECONDS)
        AsyncWorker.handle(self, listener, client, addr)  # GeventWorker.handle would make it blocking again
