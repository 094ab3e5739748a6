"""What keeps a public bot safe: allowed origins, rate limits, security headers and the secret key."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

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
