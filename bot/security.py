"""What keeps a public bot safe: allowed origins, rate limits, security headers and the secret key."""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import socketio
from flask import Flask, Response, request
from flask_cors import CORS
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.extensions import csrf, limiter, login_manager

log = logging.getLogger(__name__)

# The demo page, the widget and the dashboard need nothing from other hosts and nothing inline (the widget
# styles its Shadow DOM with constructed stylesheets, which a CSP does not block).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)


def allowed_origins(app: Flask) -> list[str] | None:
    """Origins (scheme://host[:port]) whose pages may talk to the bot, from BOT_ALLOWED_ORIGINS
    (comma-separated). None means the bot's own origin only. Never '*'."""
    raw = app.config.get("ALLOWED_ORIGINS") or ""
    origins = raw if isinstance(raw, list) else [o.strip() for o in str(raw).split(",")]
    origins = [o.rstrip("/") for o in origins if o]
    if "*" in origins:
        raise RuntimeError("BOT_ALLOWED_ORIGINS must list the clinic's sites; '*' would let any site use the bot")
    return origins or None


def public_url(app: Flask) -> str | None:
    """The bot's own address (BOT_PUBLIC_URL, e.g. https://bot.your-clinic.example). Required in
    production, where the Host header a request names cannot be trusted to say which site it is."""
    configured = str(app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if configured and not re.fullmatch(r"https?://[^/\s]+", configured):
        raise RuntimeError(
            f"BOT_PUBLIC_URL must be scheme://host[:port], like https://bot.your-clinic.example (got {configured!r})"
        )
    if not configured and app.config.get("ENV") == "production":
        raise RuntimeError(
            "Set BOT_PUBLIC_URL (the bot's own address, like https://bot.your-clinic.example) in production"
        )
    return configured or None


def own_origin(config: Mapping, host_url: str) -> str:
    """BOT_PUBLIC_URL when configured; otherwise (development) the host the request was sent to."""
    parts = urlsplit(config.get("PUBLIC_URL") or host_url)
    return f"{parts.scheme}://{parts.netloc}"


def origin_allowed(origin: str | None, own: str, allowed: list[str] | None) -> bool:
    """A request without Origin (curl, server to server) or from the bot's own origin is fine."""
    if not origin:
        return True
    if origin.rstrip("/") == own:
        return True
    return bool(allowed) and origin.rstrip("/") in allowed


def secret_key(app: Flask, instance_dir: Path) -> str:
    """SECRET_KEY from the environment; else, outside production, one made once and kept in instance/.
    In production (BOT_ENV=production) several processes and machines must share one: it is required."""
    configured = app.config.get("SECRET_KEY")
    if configured:
        if len(str(configured)) < 16:
            raise RuntimeError("SECRET_KEY is too short: use at least 32 random characters")
        return str(configured)
    if app.config.get("ENV") == "production":
        raise RuntimeError("Set SECRET_KEY (32+ random characters) before running in production")
    path = instance_dir / "secret_key"
    try:  # created once, readable by this user only; a second process starting together reads the first's
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    for _ in range(50):
        key = path.read_text("utf-8").strip()
        if key:
            return key
        time.sleep(0.01)  # the other process is still writing it
    raise RuntimeError(f"{path} is empty: delete it and start again")


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.path.startswith("/admin"):  # the dashboard may already have set a stricter policy
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY + "; frame-ancestors 'none'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
    elif response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


RATE_LIMITED_MESSAGE = "Please wait a moment before asking again."


class AskRateLimits:
    """Rate limits on questions, per visitor and per IP address, in the same storage as Flask-Limiter
    (memory, or Redis when configured so that every process counts together). HTTP and Socket.IO share
    them: one budget per IP address, whichever way its questions come. A visitor is every key it is known
    by (its Socket.IO connection and its conversation id), so a new conversation id per question does not
    reset its count. A sliding-window counter costs the same for every event, where a moving window keeps
    (and scans) one entry per event counted."""

    def __init__(self, storage_uri: str, per_visitor: str, per_ip: str) -> None:
        self.limiter = SlidingWindowCounterRateLimiter(storage_from_string(storage_uri))
        self.per_visitor = parse_many(per_visitor)
        self.per_ip = parse_many(per_ip)

    def retry_after(self, ip: str, visitor_keys: Iterable[str]) -> float | None:
        """None when the question may go ahead (and counts it); else seconds until it may."""
        checks = [(self.per_visitor, f"visitor:{key}") for key in visitor_keys] + [(self.per_ip, f"ip:{ip}")]
        for limits, key in checks:
            for limit in limits:
                if not self.limiter.hit(limit, "ask", key):
                    reset = self.limiter.get_window_stats(limit, "ask", key).reset_time
                    return max(1.0, reset - time.time())
        return None


class MalformedPackets:
    """Socket.IO packets that cannot be read (a broken client, or someone filling the log): each
    connection's first one is logged as one line, without a traceback, and a connection that sends
    `limit` of them is closed. python-socketio would log a traceback for every one."""

    def __init__(self, server: socketio.Server, limit: int = 10) -> None:
        self.server = server
        self.limit = limit
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        # python-socketio's own Engine.IO handlers, wrapped (it has no hook for packets it cannot decode).
        self.handle_message = server._handle_eio_message
        self.handle_disconnect = server._handle_eio_disconnect
        server.eio.on("message", self.on_message)
        server.eio.on("disconnect", self.on_disconnect)

    def on_message(self, eio_sid: str, data: object) -> None:
        if eio_sid not in self.server.eio.sockets:
            return  # closed below; frames already on their way are dropped
        try:
            self.handle_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            self.malformed(eio_sid, error)

    def on_disconnect(self, eio_sid: str, reason: object) -> None:
        with self.lock:
            self.counts.pop(eio_sid, None)
        self.handle_disconnect(eio_sid, reason)

    def malformed(self, eio_sid: str, error: Exception) -> None:
        with self.lock:
            count = self.counts[eio_sid] = self.counts.get(eio_sid, 0) + 1
        if count == 1:
            log.warning(
                "Socket.IO connection %s sent a packet that cannot be read (%s: %.200s); more are not logged",
                eio_sid,
                type(error).__name__,
                error,
            )
        if count == self.limit:
            log.warning("Closing Socket.IO connection %s: %d packets that cannot be read", eio_sid, count)
            self.server.eio.disconnect(eio_sid)


class LogFloodFilter(logging.Filter):
    """At most `burst` records per `window` seconds of any one message (the same logger, level and format,
    whatever its arguments), so that nobody can fill the disk by making the bot log the same error again
    and again. How many were left out is told with the next one logged."""

    MAX_MESSAGES = 1000  # distinct messages remembered; formats are few, but some messages are preformatted

    def __init__(self, burst: int = 10, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self.clock = clock
        self.seen: dict[tuple[str, int, str], list[float | int]] = {}  # message: [window start, logged, left out]
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg)[:300])
        now = self.clock()
        with self.lock:
            state = self.seen.pop(key, None) or [now, 0, 0]
            self.seen[key] = state  # the most recent last, so the oldest go first
            if len(self.seen) > self.MAX_MESSAGES:
                del self.seen[next(iter(self.seen))]
            if now - state[0] >= self.window:
                state[0], state[1] = now, 0
            state[1] += 1
            if state[1] > self.burst:
                state[2] += 1
                return False
            left_out, state[2] = state[2], 0
        if left_out:
            record.msg = f"{record.getMessage()} ({left_out} more like this not logged)"
            record.args = None
        return True


def init_app(app: Flask) -> None:
    """CSRF on forms, staff sign-in, rate limits, CORS for the allowed origins, the proxy's headers
    (behind nginx) and the security headers. After sockets.init_app: ProxyFix must wrap Socket.IO too."""
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    origins = app.config["ALLOWED_ORIGINS_LIST"]
    if origins:
        CORS(app, resources={r"/api/*": {"origins": origins}})
    if int(app.config["PROXY_COUNT"]):  # behind nginx: trust its X-Forwarded-For/-Proto, and only its
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.extensions["ask_limits"] = AskRateLimits(
        app.config["RATELIMIT_STORAGE_URI"], app.config["RATE_LIMIT_VISITOR"], app.config["RATE_LIMIT_IP"]
    )
    app.after_request(add_security_headers)
