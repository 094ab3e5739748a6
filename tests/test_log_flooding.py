"""Logs that an attacker cannot fill: unreadable Socket.IO packets, and the same error again and again."""

from __future__ import annotations

import json
import logging
import time

import requests
import websocket

from bot.security import LogFloodFilter

from .test_socketio import Visitor

FRAMES = 2000


def raw_socket(server) -> tuple[websocket.WebSocket, str]:
    """A websocket speaking Engine.IO by hand, connected to the default namespace; and its Engine.IO id."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10, suppress_origin=True
    )
    opening = ws.recv()
    assert opening.startswith("0")
    ws.send("40")
    return ws, json.loads(opening[1:])["sid"]


def wait_until_closed(ws: websocket.WebSocket, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = ws.recv()
        except websocket.WebSocketTimeoutException:
            return False  # still open, and quiet
        except (websocket.WebSocketException, OSError):
            return True
        if data in ("", b"", "1"):  # a close frame, or Engine.IO's close packet
            return True
    return False


def log_after(server, offset: int, until: str, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = (server.root / "server.log").read_bytes()[offset:].decode("utf-8", "replace")
        if until in text:
            return text
        time.sleep(0.1)
    return text


def test_unreadable_frames_are_logged_once_per_connection_and_the_sender_is_cut_off(server):
    log_file = server.root / "server.log"
    before = log_file.stat().st_size
    sockets = [raw_socket(server) for _ in range(2)]
    for ws, _ in sockets:
        try:
            for _ in range(FRAMES):
                ws.send("42[")  # an event whose JSON never ends
        except (websocket.WebSocketException, OSError):
            pass  # the server closed the connection while we were still sending
        assert wait_until_closed(ws), "a client that keeps sending unreadable packets is disconnected"
        ws.close()
    logged = log_after(server, before, f"Closing Socket.IO connection {sockets[1][1]}")
    for _, sid in sockets:
        assert logged.count(f"Socket.IO connection {sid} sent a packet that cannot be read") == 1
    assert "Traceback" not in logged and len(logged.encode()) < 2000, logged[:3000]

    assert requests.get(f"{server.url}/healthz", timeout=10).ok  # and everyone else is served as before
    visitor = Visitor(server.url, ["websocket"])
    try:
        assert visitor.ask({"id": "after", "question": "hello"})[0] == "answer"
    finally:
        visitor.client.disconnect()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_same_error_again_and_again_is_logged_a_few_times_a_minute():
    clock = Clock()
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    handler.addFilter(LogFloodFilter(burst=5, window=60, clock=clock))
    logger = logging.getLogger("tests.flood")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for i in range(1000):
            logger.error("Could not do %s", i)
            logger.warning("Something else")
        assert records.count("Something else") == 5
        assert [r for r in records if r.startswith("Could")] == [f"Could not do {i}" for i in range(5)]
        clock.now = 61
        logger.error("Could not do %s", "more")
        assert records[-1] == "Could not do more (995 more like this not logged)"
    finally:
        logger.removeHandler(handler)
