import os
import sqlite3
import stat
import threading
from datetime import timedelta

import pytest
import socketio
from sqlalchemy import select

from bot.extensions import db
from bot.redaction import redact
from bot.store import Exchange, utcnow
from tests.harness import eventually


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jane.doe+x@mail.example.co.uk please", "mail me at [email] please"),
        ("call 555-0142 or +1 (555) 014-2233", "call [phone] or [phone]"),
        ("born 12/03/1984, or 1984-03-12", "born [date], or [date]"),
        ("DOB 3rd March 1984 / March 3, 1984", "DOB [date] / [date]"),
        ("my patient number is 88812345", "my patient number is [id]"),
        ("ref 123456", "ref [id]"),
        ("order 123456", "order [number]"),
        ("I am 45, had 2 sessions of 30 minutes in 2024", "I am [age], had 2 sessions of 30 minutes in 2024"),
        ("can I have botox at 35?", "can I have botox at 35?"),
    ],
)
def test_redaction(text, expected):
    assert redact(text) == expected


def stored(app) -> list[Exchange]:
    app.extensions["store"].flush()
    with app.app_context():
        return db.session.scalars(select(Exchange).order_by(Exchange.id)).all()


def test_each_exchange_is_stored_redacted(app):
    client = app.test_client()
    client.post(
        "/api/ask",
        json={
            "question": "I'm jane@example.com, 555-123-4567: can microneedling help acne scars?",
            "id": "a1",
            "conversation": "c1",
        },
    )
    client.post("/api/ask", json={"question": "what is the capital of France?"})
    first, second = stored(app)
    assert first.question == "I'm [email], [phone]: can microneedling help acne scars?"
    assert (first.kind, first.answer_id, first.conversation_id) == ("answer", "a1", "c1")
    assert first.source_ids.startswith("microneedling-") and 0 < first.confidence <= 1
    assert second.kind == "fallback" and second.source_ids == "" and second.conversation_id is None


def test_feedback_is_stored_against_its_answer(server):
    """Over a real connection to a real server, read back from its SQLite store."""
    client = socketio.Client(reconnection=False)
    answered = threading.Event()
    client.on("answer", lambda data: answered.set())
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    client.emit("ask", {"id": "v1", "question": "will it fade stretch marks", "conversation": "c9"})
    assert answered.wait(30)
    assert client.call("feedback", {"id": "v1", "vote": "down", "conversation": "c9"}, timeout=10) == {"ok": True}
    client.disconnect()
    database = server.root / "instance" / "bot.db"

    def voted_row():
        with sqlite3.connect(database) as connection:
            row = connection.execute("select vote, voted_at, kind from exchanges where answer_id = 'v1'").fetchone()
        return row if row and row[0] is not None else None

    row = eventually(voted_row, timeout=10, what="the vote stored")
    assert row[0] == "down" and row[1] is not None and row[2] == "answer"


def test_logging_can_be_switched_off(make_app):
    app = make_app(STORE_QUESTIONS=False)
    assert app.test_client().post("/api/ask", json={"question": "hello"}).get_json()["kind"] == "smalltalk"
    assert stored(app) == []


def test_retention_purge(app):
    # Purged as of 25 days from now, so that the app's own purge (at start-up, in the background) has none of
    # these to take first, as it could on a busy machine.
    later = utcnow() + timedelta(days=25)
    with app.app_context():
        for days in (31, 45, 29, 0):
            db.session.add(
                Exchange(
                    question="q", kind="answer", confidence=0.5, source_ids="", created_at=later - timedelta(days=days)
                )
            )
        db.session.commit()
        assert app.extensions["store"].purge(now=later) == 2
    assert sorted((later - r.created_at).days for r in stored(app)) == [0, 29]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sqlite_database_is_readable_by_its_owner_only(app, server, tmp_path, make_app):
    assert mode(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")) == 0o600
    assert mode(server.root / "instance" / "bot.db") == 0o600
    existing = tmp_path / "old" / "bot.db"  # a database made before, world-readable
    existing.parent.mkdir()
    with sqlite3.connect(existing):
        pass
    os.chmod(existing, 0o644)
    make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{existing}")
    assert mode(existing) == 0o600
