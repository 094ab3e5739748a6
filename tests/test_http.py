from pathlib import Path

import requests

from bot.knowledge import load_knowledge
from bot.passages import build_passages


def test_ask_returns_the_answer_contract(app):
    client = app.test_client()
    response = client.post("/api/ask", json={"question": "can microneedling help my acne scars?"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["kind"] == "answer"
    assert body["sources"][0]["heading"] == "Microneedling reduces scars"
    assert all(isinstance(span, list) and len(span) == 2 for span in body["sources"][0]["highlights"])


def test_bad_requests_get_400_with_code_and_message(app):
    client = app.test_client()
    cases = [
        client.post("/api/ask", data="not json", content_type="application/json"),
        client.post("/api/ask", json=["a list"]),
        client.post("/api/ask", json={}),
        client.post("/api/ask", json={"question": "   "}),
        client.post("/api/ask", json={"question": "x" * 1001}),
        client.post("/api/ask", json={"question": {"nested": True}}),
    ]
    codes = [r.get_json()["error"]["code"] for r in cases]
    assert [r.status_code for r in cases] == [400] * 6
    assert codes == [
        "invalid_json",
        "invalid_json",
        "invalid_question",
        "empty_question",
        "question_too_long",
        "invalid_question",
    ]
    assert all(r.get_json()["error"]["message"] for r in cases)


def test_oversized_body_and_wrong_method_are_json_errors(app):
    client = app.test_client()
    huge = client.post("/api/ask", data=b"{" + b" " * 100_000 + b"}", content_type="application/json")
    assert huge.status_code == 413 and huge.get_json()["error"]["code"]
    assert client.get("/api/ask").status_code == 405


def test_a_client_may_send_the_conversation_context(app):
    client = app.test_client()
    alone = client.post("/api/ask", json={"question": "will I be put to sleep for it?"}).get_json()
    first = client.post("/api/ask", json={"question": "tell me about microneedling"}).get_json()
    context = {"previous": first["sources"][0]["id"]}
    follow_up = client.post("/api/ask", json={"question": "will I be put to sleep for it?", "context": context})
    assert alone["kind"] != "answer"
    assert follow_up.get_json()["sources"][0]["heading"] == "Microneedling is minimally invasive"
    junk = client.post("/api/ask", json={"question": "will it hurt?", "context": ["not", "an", "object"]})
    assert junk.status_code == 200


def test_healthz(app):
    knowledge = load_knowledge(Path(app.config["KNOWLEDGE_DIR"]))
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["model"] == "all-MiniLM-L6-v2"
    assert body["passages"] == len(build_passages(knowledge.documents)) > 0


def test_real_server_answers_over_http(server):
    response = requests.post(
        f"{server.url}/api/ask", json={"question": "can microneedling help my acne scars?"}, timeout=30
    )
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "answer" and body["sources"][0]["heading"] == "Microneedling reduces scars"
    bad = requests.post(f"{server.url}/api/ask", json={"question": ""}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "empty_question"


def test_widget_files_are_served_from_the_bot(app):
    client = app.test_client()
    vendor = client.get("/vendor/socket.io.min.js")
    assert vendor.status_code == 200 and vendor.mimetype == "text/javascript" and b"io" in vendor.data
    widget = client.get("/widget.js")
    assert widget.status_code == 200 and widget.mimetype == "text/javascript"
