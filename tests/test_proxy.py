"""Debian's nginx with deploy/nginx.conf (its ports and TLS swapped for loopback ones) in front of two servers on
one Redis: websockets, long-polling kept on one backend per visitor, slow clients cut off, and the visitor's own
address reaching the rate limits and the per-address chat cap. Visitors come from different loopback addresses
(127.0.0.2, 127.0.0.3, ...), as visitors of a clinic's site come from different addresses."""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio
from requests.adapters import HTTPAdapter

from bench.crowd import Crowd

from .conftest import PROJECT, Server, free_port
from .test_scale_out import redis_url  # noqa: F401  (the fixture)

SHIPPED = PROJECT / "deploy" / "nginx.conf"
RECORD_SEPARATOR = "\x1e"


def loopback_config(shipped: str, port: int, backends: list[int]) -> str:
    """The shipped server and upstream blocks, listening on `port` without TLS, in front of `backends`."""
    upstreams = re.findall(r"^\s*server 127\.0\.0\.1:\d+;$", shipped, flags=re.MULTILINE)
    assert len(upstreams) == len(backends), "deploy/nginx.conf should list two sample backends"
    for line, backend in zip(upstreams, backends, strict=True):
        shipped = shipped.replace(line, f"    server 127.0.0.1:{backend};", 1)
    listen = "    listen 443 ssl http2;\n"
    assert shipped.count(listen) == 1
    shipped = shipped.replace(listen, f"    listen 127.0.0.1:{port};\n")
    return "".join(line for line in shipped.splitlines(keepends=True) if "ssl_certificate" not in line)


class Nginx:
    def __init__(self, folder: Path, backends: list[int]) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            pytest.fail("nginx is missing: `make test` installs it with apt")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        (folder / "clinic-bot.conf").write_text(loopback_config(SHIPPED.read_text(), self.port, backends))
        temp_paths = "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi"))
        temp_paths += "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in ("uwsgi", "scgi"))
        (folder / "nginx.conf").write_text(
            (f"user {getpass.getuser()};\n" if os.geteuid() == 0 else "")
            + f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    log_format upstreams '$remote_addr $upstream_addr $status $request_uri';\n"
            f"    access_log {folder / 'access.log'} upstreams;\n{temp_paths}"
            f"    include {folder / 'clinic-bot.conf'};\n"
            "}\n"
        )
        self.process = subprocess.Popen(
            [nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder), "-e", str(folder / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {self.process.stderr.read().decode()}") from None
                time.sleep(0.1)

    def upstreams_by_address(self) -> dict[str, set[str]]:
        """Which backends served each client address, from nginx's access log."""
        served: dict[str, set[str]] = defaultdict(set)
        for line in (self.folder / "access.log").read_text().splitlines():
            address, upstream, *_ = line.split()
            served[address].add(upstream)
        return served

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def proxy(redis_url, tmp_path_factory) -> Iterator[Nginx]:  # noqa: F811  (the fixture imported above)
    root = tmp_path_factory.mktemp("proxied")
    env = {
        "REDIS_URL": redis_url,
        "BOT_PROXY_COUNT": "1",
        "BOT_RATE_LIMIT_IP": "8 per minute",
        "BOT_MAX_CONNECTIONS_PER_IP": "4",
    }
    servers = [Server(root, env=env).start() for _ in range(2)]
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), [server.port for server in servers])
    yield nginx
    nginx.stop()
    for server in servers:
        server.stop()


def session_from(address: str) -> requests.Session:
    """HTTP from one loopback address, as one visitor."""

    class FromAddress(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs) -> None:
            super().init_poolmanager(*args, source_address=(address, 0), **kwargs)

    session = requests.Session()
    session.mount("http://", FromAddress())
    return session


def ask_by_long_polling(url: str, address: str, question: str) -> dict:
    """A whole long-polling Socket.IO conversation by hand: handshake, join, ask, poll until the answer."""
    http = session_from(address)
    endpoint = f"{url}/socket.io/?EIO=4&transport=polling"
    opened = http.get(endpoint, timeout=10)
    assert opened.status_code == 200, opened.text
    sid = json.loads(opened.text[1:])["sid"]
    for packet in ("40", '42["ask",' + json.dumps({"id": "p1", "question": question}) + "]"):
        posted = http.post(f"{endpoint}&sid={sid}", data=packet, timeout=10)
        assert posted.status_code == 200, f"{posted.status_code} {posted.text} (another backend?)"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        polled = http.get(f"{endpoint}&sid={sid}", timeout=40)
        assert polled.status_code == 200, f"{polled.status_code} {polled.text} (another backend?)"
        for packet in polled.text.split(RECORD_SEPARATOR):
            if packet.startswith('42["answer"'):
                return json.loads(packet[2:])[1]
    raise AssertionError("no answer by long-polling")


def test_the_config_is_the_shipped_one_on_loopback_ports():
    shipped = SHIPPED.read_text()
    adapted = loopback_config(shipped, 8080, [9001, 9002])
    assert "listen 127.0.0.1:8080;" in adapted and "server 127.0.0.1:9002;" in adapted
    removed = {line.strip() for line in set(shipped.splitlines()) - set(adapted.splitlines())}
    assert all(line.startswith(("listen 443", "server 127.0.0.1:5", "ssl_certificate")) for line in removed)


def test_a_websocket_visitor_is_answered_through_the_proxy(proxy):
    client = socketio.Client(reconnection=False)
    answered = threading.Event()
    reply: dict = {}
    client.on("answer", lambda data: (reply.update(data), answered.set()))
    client.connect(proxy.url, transports=["websocket"], wait_timeout=10)
    try:
        assert client.transport() == "websocket"
        client.emit("ask", {"id": "w1", "question": "can microneedling help my acne scars?"})
        assert answered.wait(15)
        assert reply["id"] == "w1" and reply["sources"][0]["heading"] == "Microneedling reduces scars"
    finally:
        client.disconnect()


def test_long_polling_visitors_stay_on_one_backend_and_both_backends_serve(proxy):
    addresses = [f"127.0.0.{n}" for n in range(2, 14)]
    for address in addresses:
        answer = ask_by_long_polling(proxy.url, address, "will it fade stretch marks")
        assert answer["sources"][0]["heading"] == "Microneedling diminishes stretch marks"
    served = proxy.upstreams_by_address()
    assert all(len(served[address]) == 1 for address in addresses), served  # sticky
    assert len(set().union(*(served[address] for address in addresses))) == 2, served  # and spread


def test_a_client_that_never_finishes_its_headers_is_cut_off_by_the_proxy(proxy):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")  # no final blank line
        while slow.recv(1024):  # nginx may say 408 before it closes
            pass
    assert time.monotonic() - started < 15  # client_header_timeout 10s


def test_the_visitors_own_address_reaches_the_rate_limits(proxy):
    """8 questions a minute per address, counted across both backends (Redis). A forged X-Forwarded-For is
    not believed: nginx appends the address it saw, and the backends trust only that last entry."""
    greedy, other = session_from("127.0.0.20"), session_from("127.0.0.21")
    codes = [
        greedy.post(
            f"{proxy.url}/api/ask",
            json={"question": "hello", "conversation": f"c{n}"},
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
            timeout=15,
        ).status_code
        for n in range(9)
    ]
    assert codes == [200] * 8 + [429]
    assert other.post(f"{proxy.url}/api/ask", json={"question": "hello"}, timeout=15).status_code == 200


def test_the_chat_cap_counts_each_visitor_address_behind_the_proxy(proxy):
    crowded, neighbour = (Crowd("127.0.0.1", proxy.port, source=a) for a in ("127.0.0.30", "127.0.0.31"))
    try:
        report = crowded.open(websockets=6)
        assert report.total_opened == 4 and [r["code"] for r in report.refused] == ["too_many_connections"] * 2
        assert neighbour.open(websockets=2).total_opened == 2
    finally:
        crowded.stop()
        neighbour.stop()
