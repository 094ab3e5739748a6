"""Property-based fuzzing of every HTTP endpoint and Socket.IO event: whatever arrives, the reply is
a valid answer or a clear error, and the server stays up."""

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.extensions import socketio
from bot.replies import ReplyKind

KINDS = set(ReplyKind)  # any reply the policy gives: a referral or a "did you mean" too
CASES = {"count": 0}
MIN_CASES = 230  # of FUZZ's 250 examples per test: hypothesis really ran the property, not a handful of cases

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
questions = st.one_of(
    st.text(max_size=1200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=80),
    st.sampled_from(["\x00\x01\x02", "\ud800", "\u202e reversed", "a" * 1001, " \n\t ", "<script>alert(1)</script>"]),
    json_values,
)
payloads = st.one_of(
    st.fixed_dictionaries({"question": questions}, optional={"id": json_values, "conversation": json_values}),
    json_values,
    st.binary(max_size=200),
)
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))


def valid_answer(data: dict) -> bool:
    return data["kind"] in KINDS and isinstance(data["text"], str) and 0 <= data["confidence"] <= 1


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        payloads.map(lambda v: json.dumps(v, default=str).encode() if not isinstance(v, bytes) else v),
    )
)
@example(body=b'{"question": "AM?L1"}')  # the advice model refers it: CI, session 38
def http_ask_never_fails(app, body):
    CASES["count"] += 1
    response = app.test_client().post("/api/ask", data=body, content_type="application/json")
    assert response.status_code in (200, 400, 413)
    data = response.get_json()
    assert valid_answer(data) if response.status_code == 200 else set(data["error"]) == {"code", "message"}


@FUZZ
@given(path=st.text(max_size=30), method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
def other_paths_answer_cleanly(app, path, method):
    CASES["count"] += 1
    response = app.test_client().open("/" + path.lstrip("/"), method=method)
    assert response.status_code < 500


@FUZZ
@given(payload=payloads, event=st.sampled_from(["ask", "feedback", "unknown", "connect", "welcome"]))
def socketio_events_never_fail(app, payload, event):
    CASES["count"] += 1
    client = socketio.test_client(app)
    try:
        client.get_received()
        ack = client.emit(event, payload, callback=True)
        received = client.get_received()
        if event == "ask":
            assert len(received) == 1
            reply = received[0]
            assert reply["name"] in ("answer", "error")
            data = reply["args"][0]
            assert valid_answer(data) if reply["name"] == "answer" else {"code", "message"} <= set(data)
        if event == "feedback":
            assert isinstance(ack, dict) and "ok" in ack
        assert client.is_connected()
    finally:
        client.disconnect()


def run_counted(prop, app, capsys, what: str) -> None:
    """Run a hypothesis property and check (and report) how many cases it tried."""
    before = CASES["count"]
    prop(app)
    cases = CASES["count"] - before
    with capsys.disabled():
        print(f"\nfuzz: {cases} cases run against {what}; every one answered cleanly")
    assert cases >= MIN_CASES


def test_http_ask_never_fails(app, capsys):
    run_counted(http_ask_never_fails, app, capsys, "POST /api/ask")


def test_other_paths_answer_cleanly(app, capsys):
    run_counted(other_paths_answer_cleanly, app, capsys, "other paths")


def test_socketio_events_never_fail(app, capsys):
    run_counted(socketio_events_never_fail, app, capsys, "Socket.IO events")
