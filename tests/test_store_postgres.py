"""The conversation store on PostgreSQL (DATABASE_URL), with the same migrations as SQLite."""

from sqlalchemy import select

from bot.app import create_app
from bot.extensions import db
from bot.store import Exchange

from .conftest import NO_LIMITS


def test_exchanges_and_votes_are_stored_in_postgres(postgres_url, encoder, knowledge_dir, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "KNOWLEDGE_DIR": str(knowledge_dir),
            "INSTANCE_DIR": str(tmp_path),
            "WATCH_KNOWLEDGE": False,
            "SQLALCHEMY_DATABASE_URI": postgres_url,
            **NO_LIMITS,
        },
        encoder=encoder,
    )
    with app.app_context():
        assert db.engine.url.get_backend_name() == "postgresql"
    client = app.test_client()
    client.post("/api/ask", json={"question": "mail me at a@b.example: acne scars?", "id": "pg1", "conversation": "c"})
    app.extensions["store"].record_vote("pg1", "up", "c")
    app.extensions["store"].flush()
    with app.app_context():
        row = db.session.scalars(select(Exchange).where(Exchange.answer_id == "pg1")).one()
        assert row.question == "mail me at [email]: acne scars?" and row.vote == "up"
