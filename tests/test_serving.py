"""Open chats cost no thread, and what one address or a slow client can hold is bounded (bot/serving.py,
bot/worker.py). Real servers as `make run` starts them; crowds of raw Socket.IO sessions from bench/crowd.py."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from bench.crowd import Crowd, Transport

from .conftest import PROJECT, Server

SCARS = "can microneedling help my acne scars?"


def worker_threads(server: Server) -> int:
    """OS threads of the server's worker process (gunicorn's master has one worker)."""
    children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True).stdout.split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))


def ask_as_a_new_visitor(url: str, question: str = SCARS) -> dict:
    client = socketio.Client(reconnection=False)
    answered = threading.Event()
    reply: dict = {}
    client.on("answer", lambda data: (reply.update(data), answered.set()))
    client.connect(url, transports=["websocket"], wait_timeout=10)
    try:
        client.emit("ask", {"id": "new", "question": question})
        assert answered.wait(10), "the new visitor got no answer"
    finally:
        client.disconnect()
    return reply


@pytest.fixture(scope="module")
def roomy_server(tmp_path_factory) -> Server:
    """A server that lets one address (this test's) open many chats."""
    running = Server(tmp_path_factory.mktemp("roomy"), env={"BOT_MAX_CONNECTIONS_PER_IP": "100000"}).start()
    yield running
    running.stop()


def test_idle_chats_hold_no_thread_and_the_server_keeps_answering(roomy_server):
    crowd = Crowd("127.0.0.1", roomy_server.port)
    try:
        # More open chats than the thread-per-connection server had threads (320).
        report = crowd.open(websockets=400, polling=40, timeout=90)
        assert report.opened == {Transport.WEBSOCKET: 400, Transport.POLLING: 40}, report
        assert worker_threads(roomy_server) < 40
        assert requests.get(f"{roomy_server.url}/healthz", timeout=5).json()["status"] == "ok"
        assert ask_as_a_new_visitor(roomy_server.url)["sources"][0]["heading"] == "Microneedling reduces scars"
    finally:
        crowd.stop()


def test_clients_that_never_finish_their_headers_are_cut_off(roomy_server):
    """gunicorn's keepalive (5 s) is the header deadline of the gevent worker."""
    stalled = []
    try:
        for _ in range(400):
            sock = socket.create_connection(("127.0.0.1", roomy_server.port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")  # no final blank line
            stalled.append(sock)
        assert requests.get(f"{roomy_server.url}/healthz", timeout=5).ok
        deadline = time.monotonic() + 15
        for sock in stalled:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            assert sock.recv(1024) == b"", "the server answered an unfinished request"
    finally:
        for sock in stalled:
            sock.close()


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory) -> Server:
    env = {"BOT_MAX_CONNECTIONS_PER_IP": "3", "BOT_MAX_CHAT_CONNECTIONS": "6"}
    running = Server(tmp_path_factory.mktemp("capped"), env=env).start()
    yield running
    running.stop()


def test_open_chats_are_capped_per_address_and_in_total_with_a_clear_refusal(capped_server):
    port = capped_server.port
    first, second, third = (Crowd("127.0.0.1", port, source=f"127.0.0.{n}") for n in (1, 2, 3))
    try:
        assert first.open(websockets=2).total_opened == 2
        report = first.open(polling=3)  # the long-polling one stays counted until Engine.IO times it out
        assert report.total_opened == 1
        assert [r["code"] for r in report.refused] == ["too_many_connections"] * 2
        assert "Too many chats are open from your address" in report.refused[0]["message"]
        assert second.open(websockets=2).total_opened == 2  # another address has its own allowance
        report = third.open(websockets=3)  # 5 of the server's 6 are open
        assert report.total_opened == 1 and [r["code"] for r in report.refused] == ["server_busy"] * 2
        # The connections kept back from chats serve health checks and staff.
        assert requests.get(f"{capped_server.url}/healthz", timeout=5).ok
        assert requests.get(f"{capped_server.url}/admin/login", timeout=5).status_code == 200
    finally:
        for crowd in (first, second, third):
            crowd.stop()
    late = Crowd("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 10  # the server releases a closed websocket as soon as it sees it close
        while late.open(websockets=1).total_opened == 0:
            assert time.monotonic() < deadline, "closed chats were not released"
            time.sleep(0.2)
    finally:
        late.stop()


def test_cpu_work_runs_on_an_os_thread_while_the_event_loop_serves_others():
    """Offloader under gevent (as in the server's worker): a pure-Python job that holds the interpreter for
    a while runs on another OS thread, and a greenlet on the loop keeps running meanwhile."""
    script = textwrap.dedent(
        """
        from gevent import monkey
        monkey.patch_all(thread=False, queue=False, select=False)
        import threading, time, gevent
        from bot.serving import Offloader, Work

        ticks = []
        def ticker():
            while True:
                ticks.append(time.monotonic())
                gevent.sleep(0.01)

        def cpu_work():
            end = time.monotonic() + 0.5
            while time.monotonic() < end:
                sum(range(1000))
            return threading.get_ident()

        gevent.spawn(ticker)
        gevent.sleep(0)
        loop_thread = threading.get_ident()
        worker_thread = Offloader({Work.CHAT: 2, Work.STAFF: 1}).run(Work.CHAT, cpu_work)
        print(worker_thread != loop_thread, len(ticks))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    other_thread, ticks = result.stdout.split()
    assert other_thread == "True"
    assert int(ticks) >= 10  # the loop ticked on through the half second (every 10 ms when it can)


def test_a_request_whose_body_stalls_is_cut_off(tmp_path):
    """IDLE_TIMEOUT (60 s shipped; 2 s here): a read that waits longer ends the request."""
    server = Server(tmp_path, env={"IDLE_TIMEOUT": "2"}).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as slow:
            slow.sendall(
                b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"  # 1 byte of the 100 promised
            )
            started, received = time.monotonic(), b""
            while chunk := slow.recv(4096):
                received += chunk
            assert time.monotonic() - started < 10
        assert received.startswith(b"HTTP/1.1 400")  # what arrived was not a question
        assert "Traceback" not in (tmp_path / "server.log").read_text()
    finally:
        server.stop()
