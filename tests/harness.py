"""What tests and benchmarks (bench/) share to run the bot for real: a free port, the server as
`make run` starts it, a Socket.IO chat client, and `eventually()` to wait for something observable."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import requests
import socketio

PROJECT = Path(__file__).resolve().parent.parent
KNOWLEDGE = PROJECT / "knowledge"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(predicate: Callable[[], T], timeout: float = 10, interval: float = 0.05, what: str = "") -> T:
    """Call `predicate` until it returns something truthy (returned), or fail with TimeoutError after
    `timeout` seconds. For what another thread or process does: never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not within {timeout:g} s: {what or getattr(predicate, '__name__', 'condition')}")
        time.sleep(interval)


def gunicorn(port: int, knowledge: Path, instance: Path, env: dict[str, str], output) -> subprocess.Popen:
    """The app as `make run` serves it (gunicorn, gunicorn.conf.py) on 127.0.0.1:`port`, in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=PROJECT,
        env={
            **os.environ,
            "BIND": f"127.0.0.1:{port}",
            "BOT_KNOWLEDGE_DIR": str(knowledge),
            "BOT_INSTANCE_DIR": str(instance),
            "ACCESS_LOG": "",
            **env,
        },
        stdout=output,
        stderr=subprocess.STDOUT,
    )


class Server:
    """The real app in its own process under `root` (knowledge/, instance/, server.log); the shipped
    knowledge is copied in unless `root/knowledge` exists already."""

    def __init__(self, root: Path, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.env = dict(env or {})
        self.knowledge = root / "knowledge"
        if not self.knowledge.exists():
            shutil.copytree(KNOWLEDGE, self.knowledge)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> Server:
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 (closed with the process)
        self.process = gunicorn(self.port, self.knowledge, self.root / "instance", self.env, log)
        eventually(self._healthy, timeout, interval=0.2, what="server started")
        return self

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"server exited: {(self.root / 'server.log').read_text()[-2000:]}")
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class ChatClient:
    """A python-socketio client that keeps every event it is sent, by name."""

    def __init__(self, url: str, transports: list[str] | None = None, events: tuple[str, ...] = ("answer", "error")):
        self.client = socketio.Client(reconnection=False)
        self.events: dict[str, list] = {name: [] for name in events}
        self.arrived = threading.Event()
        for name in events:
            self.client.on(name, lambda data, name=name: self._store(name, data))
        self.client.connect(url, transports=transports or ["websocket"], wait_timeout=10)

    def _store(self, name: str, data: object) -> None:
        self.events[name].append(data)
        self.arrived.set()

    def wait_for(self, name: str, count: int = 1, timeout: float = 30) -> list:
        return eventually(lambda: len(self.events[name]) >= count and self.events[name], timeout, what=name)

    def close(self) -> None:
        self.client.disconnect()
