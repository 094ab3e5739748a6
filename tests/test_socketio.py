import threading

import pytest
import socketio


class Visitor:
    """A python-socketio client that collects what the server sends."""

    def __init__(self, url: str, transports: list[str]) -> None:
        self.client = socketio.Client(reconnection=False)
        self.received: list[tuple[str, dict]] = []
        self.arrived = threading.Event()
        for event in ("answer", "error"):
            self.client.on(event, lambda data, event=event: self._store(event, data))
        self.client.connect(url, transports=transports, wait_timeout=10)

    def _store(self, event: str, data: dict) -> None:
        self.received.append((event, data))
        self.arrived.set()

    def ask(self, payload: object) -> tuple[str, dict]:
        self.arrived.clear()
        self.client.emit("ask", payload)
        assert self.arrived.wait(30), "no reply"
        return self.received[-1]


@pytest.fixture(params=["websocket", "polling"])
def visitor(server, request):
    v = Visitor(server.url, [request.param])
    yield v
    v.client.disconnect()


def test_ask_gets_an_answer_with_the_same_id(visitor):
    event, data = visitor.ask({"id": "q-1", "question": "will it fade stretch marks from pregnancy"})
    assert event == "answer" and data["id"] == "q-1" and data["kind"] == "answer"
    assert data["sources"][0]["heading"] == "Microneedling diminishes stretch marks"


def test_each_kind_of_reply_arrives(visitor):
    kinds = [
        visitor.ask({"id": str(i), "question": q})[1]["kind"]
        for i, q in enumerate(["hello", "I have chest pain", "what is the capital of France?"])
    ]
    assert kinds == ["smalltalk", "emergency", "fallback"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"id": "e1", "question": ""}, "empty_question"),
        ({"id": "e2"}, "invalid_question"),
        ({"id": "e3", "question": "x" * 5000}, "question_too_long"),
        ("just a string", "invalid_question"),
    ],
)
def test_bad_questions_get_an_error_event(visitor, payload, code):
    event, data = visitor.ask(payload)
    assert event == "error" and data["code"] == code and data["message"]
    assert data["id"] == (payload.get("id") if isinstance(payload, dict) else None)
    event, _ = visitor.ask({"id": "after", "question": "hi"})
    assert event == "answer"  # the connection stays usable


def test_feedback_is_acknowledged(visitor):
    assert visitor.client.call("feedback", {"id": "q-1", "vote": "up"}, timeout=10) == {"ok": True}
    refused = visitor.client.call("feedback", {"id": "q-1", "vote": "sideways"}, timeout=10)
    assert refused["ok"] is False and refused["code"] == "invalid_feedback"


def test_welcome_arrives_on_connect(server):
    client = socketio.Client(reconnection=False)
    welcomed = threading.Event()
    received = {}
    client.on("welcome", lambda data: (received.update(data), welcomed.set()))
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        assert welcomed.wait(10)
        assert received["clinic"]["phone"] == "555-0142" and received["clinic"]["emergency_number"] == "911"
        assert received["greeting"] and "911" in received["disclaimer"]
        assert "How do I book an appointment?" in received["suggestions"]
    finally:
        client.disconnect()


def test_a_follow_up_is_read_in_the_context_of_the_last_answer(visitor):
    """The server keeps each connection's context: "will it hurt?" alone names no topic."""
    _, first = visitor.ask({"id": "f1", "question": "tell me about microneedling"})
    assert first["kind"] == "answer" and first["sources"][0]["file"] == "microneedling.md"
    _, follow_up = visitor.ask({"id": "f2", "question": "will I be put to sleep for it?"})
    assert follow_up["kind"] == "answer"
    assert follow_up["sources"][0]["heading"] == "Microneedling is minimally invasive"


def test_the_page_sent_with_a_question_is_its_topic(visitor):
    _, answer = visitor.ask(
        {"id": "p1", "question": "how soon can I go back to work", "page": "https://www.example.com/treatments/microneedling"}
    )
    assert answer["kind"] == "answer" and answer["sources"][0]["heading"] == "Microneedling is minimally invasive"
