"""Where the hand-off's Socket.IO events go: each visitor's conversation has a room, staff share one on the
/staff namespace. Across server processes through the Redis message queue."""

from __future__ import annotations

from bot import handoff
from bot.extensions import socketio

STAFF = "/staff"
STAFF_ROOM = "staff"


def visitor_room(conversation: str) -> str:
    return f"visitor:{conversation}"


def broadcast_queue() -> None:
    """Every signed-in staff page gets the queue as it is now."""
    socketio.emit("queue", handoff.queue_snapshot(), to=STAFF_ROOM, namespace=STAFF)
