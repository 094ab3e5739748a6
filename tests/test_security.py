"""The bot on the open internet: origins, rate limits, headers, secrets, a failing database."""


import pytest
import requests
import socketio

from bot.app import create_app

from .conftest import Server
from .harness import eventually

SCARS = "can microneedling help my acne scars?"


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """A server with tight limits, one allowed foreign origin and its own address configured. It trusts
    one proxy, so each test names its own visitor address in X-Forwarded-For and has an IP budget of its own."""
    env = {
        "BOT_RATE_LIMIT_VISITOR": "3 per minute",
        "BOT_RATE_LIMIT_IP": "8 per minute",
        "BOT_ALLOWED_ORIGINS": "https://www.clinic.example",
        "BOT_PROXY_COUNT": "1",
        "BOT_PUBLIC_URL": "http://bot.clinic.example",
    }
    server = Server(tmp_path_factory.mktemp("strict"), env=env).start()
    yield server
    server.stop()


OWN_ORIGIN = "http://bot.clinic.example"


def from_address(address: str, **headers: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, **headers}


def websocket_client() -> socketio.Client:
    """A client that is not a browser, so sends no Origin (websocket-client makes one up unless told not to)."""
    return socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})


def test_a_foreign_origin_is_refused_over_http_and_socketio(strict_server):
    url = f"{strict_server.url}/api/ask"
    refused = requests.post(
        url,
        json={"question": SCARS, "conversation": "o1"},
        headers=from_address("192.0.2.1", Origin="https://evil.example"),
        timeout=30,
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "origin_not_allowed"
    allowed = requests.post(
        url,
        json={"question": SCARS, "conversation": "o2"},
        headers=from_address("192.0.2.1", Origin="https://www.clinic.example"),
        timeout=30,
    )
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.clinic.example"
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            strict_server.url, headers={"Origin": "https://evil.example"}, transports=["polling"], wait_timeout=10
        )
    client = socketio.Client(reconnection=False)
    client.connect(
        strict_server.url, headers={"Origin": "https://www.clinic.example"}, transports=["polling"], wait_timeout=10
    )
    client.disconnect()


def test_http_rate_limit_per_visitor_answers_429_with_retry_after(strict_server):
    url = f"{strict_server.url}/api/ask"
    codes = [
        requests.post(
            url, json={"question": "hello", "conversation": "burst"}, headers=from_address("192.0.2.2"), timeout=30
        )
        for _ in range(4)
    ]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    limited = codes[-1]
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1


def test_socketio_rate_limit_replies_politely_and_keeps_the_connection(strict_server):
    replies = []
    client = websocket_client()
    client.on("answer", lambda data: replies.append(("answer", data)))
    client.on("error", lambda data: replies.append(("error", data)))
    client.connect(strict_server.url, headers=from_address("192.0.2.3"), transports=["websocket"], wait_timeout=10)
    try:
        for i in range(4):
            client.emit("ask", {"id": f"r{i}", "question": "hello", "conversation": "sock-burst"})
        eventually(lambda: len(replies) >= 4, timeout=30, what="four replies")
        assert sorted(kind for kind, _ in replies) == ["answer", "answer", "answer", "error"]  # events run in parallel
        error = next(data for kind, data in replies if kind == "error")
        assert error["code"] == "rate_limited" and error["retry_after"] >= 1 and error["id"].startswith("r")
        assert client.call("feedback", {"id": "r0", "vote": "up"}, timeout=10) == {"ok": True}
    finally:
        client.disconnect()


class Asker:
    """A Socket.IO visitor that collects its replies."""

    def __init__(self, url: str, address: str) -> None:
        self.replies: list[tuple[str, dict]] = []
        self.client = websocket_client()
        self.client.on("answer", lambda data: self.replies.append(("answer", data)))
        self.client.on("error", lambda data: self.replies.append(("error", data)))
        self.client.connect(url, headers=from_address(address), transports=["websocket"], wait_timeout=10)

    def ask(self, conversation: str) -> str:
        """Ask and wait for the reply; its kind ("answer" or the error code)."""
        count = len(self.replies)
        self.client.emit("ask", {"id": conversation, "question": "hello", "conversation": conversation})
        eventually(lambda: len(self.replies) > count, timeout=30, interval=0.02, what="the reply")
        kind, data = self.replies[-1]
        return kind if kind == "answer" else data["code"]


def test_a_new_conversation_id_per_question_does_not_reset_the_visitor_limit(strict_server):
    visitor = Asker(strict_server.url, "192.0.2.4")
    try:
        assert [visitor.ask(f"fresh-{i}") for i in range(4)] == ["answer"] * 3 + ["rate_limited"]
    finally:
        visitor.client.disconnect()


def test_http_and_socketio_share_one_budget_per_address(strict_server):
    """8 questions a minute from one address, however they come: 5 over HTTP, then 3 over Socket.IO."""
    address = "192.0.2.5"

    def over_http(conversation: str) -> int:
        body = {"question": "hello", "conversation": conversation}
        return requests.post(
            f"{strict_server.url}/api/ask", json=body, headers=from_address(address), timeout=30
        ).status_code

    assert [over_http(f"h{i}") for i in range(5)] == [200] * 5
    first, second = Asker(strict_server.url, address), Asker(strict_server.url, address)
    try:
        assert [first.ask("s1"), first.ask("s2"), second.ask("s3")] == ["answer"] * 3
        assert second.ask("s4") == "rate_limited"
    finally:
        first.client.disconnect()
        second.client.disconnect()
    assert over_http("h5") == 429
    other = requests.post(
        f"{strict_server.url}/api/ask", json={"question": "hello"}, headers=from_address("192.0.2.6"), timeout=30
    )
    assert other.status_code == 200  # another address has its own budget


def test_the_bots_own_origin_comes_from_configuration_not_from_host(strict_server):
    """A page on evil.example that names evil.example as the Host is not the bot's own page."""
    forged = {"Host": "evil.example", "Origin": "http://evil.example"}
    response = requests.post(
        f"{strict_server.url}/api/ask",
        json={"question": SCARS},
        headers=from_address("192.0.2.7", **forged),
        timeout=30,
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "origin_not_allowed"
    own = requests.post(
        f"{strict_server.url}/api/ask",
        json={"question": SCARS},
        headers=from_address("192.0.2.7", Origin=OWN_ORIGIN),
        timeout=30,
    )
    assert own.status_code == 200
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            strict_server.url, headers=from_address("192.0.2.7", **forged), transports=["polling"], wait_timeout=10
        )


def test_production_needs_the_bots_own_address(tmp_path, encoder, monkeypatch):
    monkeypatch.delenv("BOT_PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="BOT_PUBLIC_URL"):
        create_app({"ENV": "production", "SECRET_KEY": "x" * 40, "INSTANCE_DIR": str(tmp_path)}, encoder=encoder)
    with pytest.raises(RuntimeError, match="BOT_PUBLIC_URL must be"):
        create_app({"PUBLIC_URL": "bot.clinic.example", "INSTANCE_DIR": str(tmp_path)}, encoder=encoder)


def test_security_headers(app):
    client = app.test_client()
    page = client.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    api = client.post("/api/ask", json={"question": "hello"})
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    admin = client.get("/admin/")
    assert "frame-ancestors 'none'" in admin.headers["Content-Security-Policy"]


def test_production_refuses_to_start_without_a_secret(tmp_path, encoder, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "INSTANCE_DIR": str(tmp_path)}, encoder=encoder)
    with pytest.raises(RuntimeError, match="too short"):
        create_app({"ENV": "production", "SECRET_KEY": "short", "INSTANCE_DIR": str(tmp_path)}, encoder=encoder)


def test_answers_flow_when_the_database_is_unavailable(make_app, caplog):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent/dir/bot.db")
    response = app.test_client().post("/api/ask", json={"question": SCARS, "id": "x"})
    assert response.status_code == 200 and response.get_json()["kind"] == "answer"
    assert "Database unavailable" in caplog.text or "Conversation store unavailable" in caplog.text


def test_staff_sign_in_is_rate_limited(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/admin/login", data={"email": "x@example.com", "password": "guess"}).status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]  # wrong password three times, then "wait"
