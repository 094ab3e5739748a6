"""Two server processes behind one Redis (Debian's redis-server, started here on a free loopback port)."""

import os
import shutil
import signal
import subprocess
import sys
import threading

import pytest
import requests
import socketio

from tests.harness import eventually

from .conftest import PROJECT, SHARED_MODELS, Server, free_port

SCARS = "can microneedling help my acne scars?"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: `make test` installs it with apt")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    def answers() -> bool:
        try:
            return redis.Redis.from_url(url).ping()
        except redis.ConnectionError:
            return False

    eventually(answers, timeout=10, interval=0.1, what="Redis started")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def two_servers(redis_url, postgres_url, tmp_path_factory):
    """Two gunicorn processes on one knowledge folder, sharing Redis for Socket.IO and rate limits,
    and PostgreSQL for the conversation store."""
    root = tmp_path_factory.mktemp("pair")
    env = {"REDIS_URL": redis_url, "DATABASE_URL": postgres_url, "BOT_RATE_LIMIT_VISITOR": "5 per minute"}
    servers = [Server(root, env=env).start() for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


class Listener:
    def __init__(self, url: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.events: dict[str, list] = {"answer": [], "announcement": []}
        self.arrived = threading.Event()
        for name in self.events:
            self.client.on(name, lambda data, name=name: (self.events[name].append(data), self.arrived.set()))
        self.client.connect(url, transports=["websocket"], wait_timeout=10)


def test_a_visitor_on_either_server_gets_answers(two_servers, postgres_url):
    for n, server in enumerate(two_servers):
        listener = Listener(server.url)
        listener.client.emit("ask", {"id": f"s{n}", "question": SCARS, "conversation": f"pair-{n}"})
        assert listener.arrived.wait(30)
        assert listener.events["answer"][0]["sources"][0]["heading"] == "Microneedling reduces scars"
        listener.client.disconnect()
    import psycopg


    def stored() -> int:  # both servers wrote to the one PostgreSQL store
        with psycopg.connect(postgres_url.replace("+psycopg", "")) as connection:
            return connection.execute("select count(*) from exchanges where answer_id in ('s0', 's1')").fetchone()[0]

    eventually(lambda: stored() == 2, timeout=10, interval=0.2, what="both answers stored")


def test_a_broadcast_reaches_clients_on_both_servers(two_servers, redis_url):
    listeners = [Listener(server.url) for server in two_servers]
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "BOT_KNOWLEDGE_DIR": str(two_servers[0].knowledge),
        "BOT_INSTANCE_DIR": str(two_servers[0].root / "instance"),
        "BOT_WATCH_KNOWLEDGE": "false",
        "BOT_MODELS_DIR": str(SHARED_MODELS),
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "announce", "Closed on Friday."],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for listener in listeners:
        eventually(lambda listener=listener: listener.events["announcement"], timeout=10, what="the announcement")
        assert listener.events["announcement"] == [{"text": "Closed on Friday."}]
        listener.client.disconnect()


def test_rate_limits_count_across_servers(two_servers):
    codes = [
        requests.post(
            f"{two_servers[i % 2].url}/api/ask", json={"question": "hello", "conversation": "shared"}, timeout=30
        ).status_code
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_a_knowledge_edit_reaches_both_servers(two_servers):
    page = two_servers[0].knowledge / "microneedling.md"
    page.write_text(page.read_text("utf-8").replace("minor surgery", "minor surgery or chickenpox"), "utf-8")
    for server in two_servers:
        asked = iter(range(1_000_000))

        def answer_text(server=server, asked=asked) -> str:
            payload = {"question": SCARS, "conversation": f"edit-{server.port}-{next(asked)}"}
            return requests.post(f"{server.url}/api/ask", json=payload, timeout=30).json()["text"]

        eventually(lambda answer_text=answer_text: "chickenpox" in answer_text(), timeout=15, interval=0.3)


def test_killed_during_a_rebuild_it_restarts_on_a_whole_index(tmp_path):
    server = Server(tmp_path).start()
    shipped = requests.get(f"{server.url}/healthz", timeout=30).json()["passages"]
    extra = "\n".join(
        f"## Question {i} about aftercare?\n\nAnswer number {i} says to keep skin number {i} clean.\n"
        for i in range(400)
    )
    (server.knowledge / "aftercare.md").write_text(f"# Aftercare\n\n{extra}", "utf-8")
    health = lambda: requests.get(f"{server.url}/healthz", timeout=30).json()  # noqa: E731
    eventually(lambda: health()["rebuilding"], timeout=30, what="the watcher embedding 400 new passages")
    subprocess.run(["pkill", "-KILL", "-P", str(server.process.pid)], check=False)  # the worker, mid-rebuild
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    restarted = Server(tmp_path, port=free_port()).start(timeout=300)
    try:
        answer = requests.post(f"{restarted.url}/api/ask", json={"question": SCARS}, timeout=30).json()
        assert answer["kind"] == "answer" and answer["sources"][0]["heading"] == "Microneedling reduces scars"
        health = requests.get(f"{restarted.url}/healthz", timeout=30).json()
        assert health["passages"] == shipped + 400 and health["knowledge_errors"] == []
    finally:
        restarted.stop()


def test_a_truncated_saved_index_is_detected_and_rebuilt(tmp_path):
    server = Server(tmp_path).start()
    server.stop()
    index_root = tmp_path / "instance" / "index"
    version = (index_root / "CURRENT").read_text().strip()
    faiss_file = index_root / version[:16] / "passages.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    restarted = Server(tmp_path).start()
    try:
        answer = requests.post(f"{restarted.url}/api/ask", json={"question": SCARS}, timeout=30).json()
        assert answer["sources"][0]["heading"] == "Microneedling reduces scars"
        assert len(faiss_file.read_bytes()) > 100  # rebuilt in place of the damaged one
    finally:
        restarted.stop()
