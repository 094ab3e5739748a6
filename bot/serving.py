"""How one server process holds thousands of open chats: the event loop, the CPU threads, the connection caps.

Under gunicorn (`bot.worker.ChatWorker`) every connection is a greenlet on gevent's event loop, so a chat
that is open but quiet costs some memory and no thread. The work a question needs (encoding with ONNX
Runtime, faiss search, the policy) runs on real OS threads from `Offloader`, while the greenlet that asked
waits: the loop keeps serving every other connection meanwhile, and staff work has threads of its own.
`ConnectionLimits` caps open Socket.IO sessions per client address and in total, so that one address cannot
hold the server and room is left for `/healthz` and staff pages.

Without gevent (`python wsgi.py`, the test client) each request already has a thread of its own, and the
work runs where it is called.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def cooperative() -> bool:
    """True in a process whose sockets gevent patched (the gunicorn worker does so before importing the app)."""
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return monkey.is_module_patched("socket")


class Work(Enum):
    """Who the CPU work is for: visitors' questions, or staff (previews, rebuilds, the gaps page)."""

    CHAT = "chat"
    STAFF = "staff"


@dataclass
class Offloader:
    """Runs CPU-bound work on OS threads while the calling greenlet waits, one pool per kind of work, so a
    burst of visitors' questions never queues in front of a staff preview (and the reverse)."""

    threads: dict[Work, int]
    _pools: dict[Work, Any] = field(default_factory=dict, init=False)

    def run(self, work: Work, function: Callable[..., T], *args: Any) -> T:
        if not cooperative():
            return function(*args)
        pool = self._pools.get(work)
        if pool is None:  # made in the event loop's thread, which it reports back to
            from gevent.threadpool import ThreadPool

            pool = self._pools[work] = ThreadPool(self.threads[work])
        return pool.apply(function, args)


class Refusal(Enum):
    """Why a new Socket.IO connection was refused; the value is the code the client receives."""

    ADDRESS_FULL = "too_many_connections"
    SERVER_FULL = "server_busy"

    @property
    def message(self) -> str:
        if self is Refusal.ADDRESS_FULL:
            return "Too many chats are open from your address. Close one and try again."
        return "The chat is very busy right now. Please try again in a minute."


class ConnectionLimits:
    """Open Socket.IO sessions per client address and in total, counted at the Engine.IO level: a client that
    completes the handshake but never joins a namespace, or never upgrades from long-polling, counts too.
    Counts are per server process (each process protects itself)."""

    def __init__(self, per_address: int, total: int) -> None:
        self.per_address = per_address
        self.total = total
        self._lock = threading.Lock()
        self._address_of: dict[str, str] = {}
        self._open: Counter[str] = Counter()

    @property
    def open_sessions(self) -> int:
        return len(self._address_of)

    def admit(self, sid: str, address: str) -> Refusal | None:
        with self._lock:
            if self._open[address] >= self.per_address:
                return Refusal.ADDRESS_FULL
            if len(self._address_of) >= self.total:
                return Refusal.SERVER_FULL
            self._address_of[sid] = address
            self._open[address] += 1
            return None

    def release(self, sid: str) -> None:
        with self._lock:
            address = self._address_of.pop(sid, None)
            if address is not None:
                self._open[address] -= 1
                if not self._open[address]:
                    del self._open[address]

    def guard(self, engine: Any) -> None:
        """Count and refuse in `engine`'s (an engineio.Server's) connect and disconnect handlers, ahead of
        python-socketio's own. A refused handshake gets Engine.IO's 401 with {"code", "message"}."""
        connected, disconnected = engine.handlers["connect"], engine.handlers["disconnect"]

        def on_connect(sid: str, environ: dict) -> Any:
            refusal = self.admit(sid, environ.get("REMOTE_ADDR") or "")
            if refusal is not None:
                log.info("Refused a Socket.IO connection (%s)", refusal.value)
                return {"code": refusal.value, "message": refusal.message}
            try:
                accepted = connected(sid, environ)
            except BaseException:
                self.release(sid)
                raise
            if accepted is not None and accepted is not True:
                self.release(sid)
            return accepted

        def on_disconnect(sid: str, *args: Any) -> Any:
            self.release(sid)
            return disconnected(sid, *args)

        engine.on("connect", on_connect)
        engine.on("disconnect", on_disconnect)
