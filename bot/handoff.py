"""Live hand-off and callback requests, as the database keeps them: the queue of conversations waiting
for a person, who has which, what was said (redacted, like questions), who of the staff is online, and
the callback requests visitors left. Kept in the store's database, not in process memory, so that every
server process sees the same queue.

Callback requests hold the contact details a visitor gave with consent; they are kept apart from the
question log (no conversation id links them) and purged after their own retention period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bot.callbacks import CallbackForm, CallbackStatus
from bot.extensions import db
from bot.redaction import redact
from bot.store import MAX_ID_CHARS, Exchange, StaffUser, utcnow

MAX_MESSAGE_CHARS = 2000
PRESENCE_FRESH = timedelta(seconds=90)  # a staff page pings every 30 s; a closed laptop stops counting after this


class HandoffState(StrEnum):
    WAITING = "waiting"  # in the queue, nobody has it yet
    ACTIVE = "active"  # a staff member has it; the bot is silent
    RETURNED = "returned"  # handed back to the bot
    CLOSED = "closed"  # ended by staff
    UNCLAIMED = "unclaimed"  # nobody took it in time: the visitor was offered the callback form
    LEFT = "left"  # the visitor started a new conversation


OPEN_STATES = (HandoffState.WAITING, HandoffState.ACTIVE)


class Sender(StrEnum):
    VISITOR = "visitor"
    STAFF = "staff"


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"


class Handoff(db.Model):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(MAX_ID_CHARS), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class HandoffMessage(db.Model):
    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(Integer, index=True)
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # redacted
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class StaffPresence(db.Model):
    """One open inbox page (a Socket.IO connection on /staff): its staff member and online/away."""

    __tablename__ = "staff_presence"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class CallbackRequest(db.Model):
    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CallbackStatus.NEW, index=True)
    reason: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    preferred_time: Mapped[str] = mapped_column(String(100), default="")
    topic: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime] = mapped_column(DateTime)


def first_name(user: StaffUser) -> str:
    """What a visitor reads ("Anna from …"): the first word of the e-mail's local part, capitalised."""
    words = [w for w in re.split(r"[._+\-0-9]+", user.email.partition("@")[0]) if w]
    return (words[0] if words else "A colleague").capitalize()[:100]


# --- the queue -------------------------------------------------------------------------------------


def open_handoff(conversation_id: str) -> tuple[Handoff, bool]:
    """The conversation's open hand-off, or a new one in the queue; and whether it is new."""
    current = current_handoff(conversation_id)
    if current is not None:
        return current, False
    handoff = Handoff(conversation_id=conversation_id, state=HandoffState.WAITING, created_at=utcnow())
    db.session.add(handoff)
    db.session.commit()
    return handoff, True


def current_handoff(conversation_id: str) -> Handoff | None:
    query = select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.state.in_(OPEN_STATES))
    return db.session.scalars(query.order_by(Handoff.id.desc()).limit(1)).first()


def _move(handoff_id: int, from_states: tuple[str, ...], **values) -> bool:
    """Change a hand-off only if it is still in one of `from_states`: of two staff members claiming at once,
    on two servers, one wins."""
    result = db.session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.state.in_(from_states)).values(**values)
    )
    db.session.commit()
    return bool(result.rowcount)


def claim(handoff_id: int, user: StaffUser) -> bool:
    return _move(
        handoff_id,
        (HandoffState.WAITING,),
        state=HandoffState.ACTIVE,
        staff_id=user.id,
        staff_name=first_name(user),
        claimed_at=utcnow(),
    )


def end(handoff_id: int, user: StaffUser, state: HandoffState) -> bool:
    """Hand back or close: only the staff member who has the conversation."""
    result = db.session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.state == HandoffState.ACTIVE, Handoff.staff_id == user.id)
        .values(state=state, ended_at=utcnow())
    )
    db.session.commit()
    return bool(result.rowcount)


def leave(handoff_id: int) -> bool:
    """The visitor started a new conversation: the hand-off ends, whoever has it."""
    return _move(handoff_id, OPEN_STATES, state=HandoffState.LEFT, ended_at=utcnow())


def expire(handoff_id: int) -> bool:
    """Nobody claimed it in time: it leaves the queue (the visitor is offered the callback form)."""
    return _move(handoff_id, (HandoffState.WAITING,), state=HandoffState.UNCLAIMED, ended_at=utcnow())


def add_message(handoff_id: int, sender: Sender, text: str) -> None:
    db.session.add(HandoffMessage(handoff_id=handoff_id, sender=sender, text=redact(text)[:MAX_MESSAGE_CHARS]))
    db.session.commit()


def get(handoff_id: int) -> Handoff | None:
    return db.session.get(Handoff, handoff_id)


@dataclass(frozen=True)
class Line:
    """One line of a transcript as staff see it (redacted as stored)."""

    who: str  # "visitor", "bot", "staff"
    text: str
    at: str


def transcript(handoff: Handoff) -> list[Line]:
    """The visitor's questions to the bot (and what kind of reply each got), then the hand-off's messages."""
    exchanges = db.session.scalars(
        select(Exchange).where(Exchange.conversation_id == handoff.conversation_id).order_by(Exchange.id).limit(50)
    )
    lines = []
    for exchange in exchanges:
        lines.append(Line("visitor", exchange.question, exchange.created_at.isoformat(timespec="seconds")))
        lines.append(Line("bot", f"({exchange.kind})", exchange.created_at.isoformat(timespec="seconds")))
    messages = db.session.scalars(
        select(HandoffMessage).where(HandoffMessage.handoff_id == handoff.id).order_by(HandoffMessage.id)
    )
    lines += [Line(m.sender, m.text, m.created_at.isoformat(timespec="seconds")) for m in messages]
    return lines


def queue_snapshot() -> dict:
    """Waiting and active conversations, oldest first, with their transcripts; and who is online."""
    handoffs = db.session.scalars(select(Handoff).where(Handoff.state.in_(OPEN_STATES)).order_by(Handoff.id))
    items = [
        {
            "id": h.id,
            "state": h.state,
            "staff_id": h.staff_id,
            "staff_name": h.staff_name,
            "since": h.created_at.isoformat(timespec="seconds"),
            "transcript": [line.__dict__ for line in transcript(h)],
        }
        for h in handoffs
    ]
    return {"conversations": items, "staff": presence_list()}


# --- presence --------------------------------------------------------------------------------------


def set_presence(sid: str, user: StaffUser, status: Presence) -> None:
    row = db.session.get(StaffPresence, sid)
    if row is None:
        row = StaffPresence(sid=sid, user_id=user.id, name=first_name(user))
        db.session.add(row)
    row.status, row.seen_at = status, utcnow()
    db.session.commit()


def drop_presence(sid: str) -> None:
    db.session.execute(delete(StaffPresence).where(StaffPresence.sid == sid))
    db.session.commit()


def _fresh(now: datetime | None = None):
    return StaffPresence.seen_at >= (now or utcnow()) - PRESENCE_FRESH


def staff_online(now: datetime | None = None) -> int:
    query = select(func.count(func.distinct(StaffPresence.user_id))).where(
        StaffPresence.status == Presence.ONLINE, _fresh(now)
    )
    return db.session.scalar(query) or 0


def presence_list() -> list[dict]:
    """Each staff member with an inbox open: online if any of their pages says so."""
    people: dict[int, dict] = {}
    for row in db.session.scalars(select(StaffPresence).where(_fresh()).order_by(StaffPresence.name)):
        person = people.setdefault(row.user_id, {"name": row.name, "status": Presence.AWAY})
        if row.status == Presence.ONLINE:
            person["status"] = Presence.ONLINE
    return list(people.values())


# --- callback requests -----------------------------------------------------------------------------


def save_callback(form: CallbackForm) -> CallbackRequest:
    now = utcnow()
    request = CallbackRequest(
        name=form.name,
        phone=form.phone,
        email=form.email,
        preferred_time=form.preferred_time,
        topic=form.topic,
        reason=form.reason,
        status=CallbackStatus.NEW,
        created_at=now,
        consent_at=now,
    )
    db.session.add(request)
    db.session.commit()
    return request


def callbacks(status: CallbackStatus | None = None) -> list[CallbackRequest]:
    query = select(CallbackRequest).order_by(CallbackRequest.id.desc())
    if status:
        query = query.where(CallbackRequest.status == status)
    return list(db.session.scalars(query))


def set_callback_status(callback_id: int, status: CallbackStatus) -> bool:
    result = db.session.execute(update(CallbackRequest).where(CallbackRequest.id == callback_id).values(status=status))
    db.session.commit()
    return bool(result.rowcount)


def purge(callback_days: int, message_days: int, now: datetime | None = None) -> tuple[int, int]:
    """Delete callback requests and hand-off messages past their retention periods; returns how many of each."""
    now = now or utcnow()
    callbacks_removed = db.session.execute(
        delete(CallbackRequest).where(CallbackRequest.created_at < now - timedelta(days=callback_days))
    ).rowcount
    cutoff = now - timedelta(days=message_days)
    messages_removed = db.session.execute(delete(HandoffMessage).where(HandoffMessage.created_at < cutoff)).rowcount
    db.session.execute(delete(Handoff).where(Handoff.created_at < cutoff, Handoff.state.not_in(OPEN_STATES)))
    db.session.execute(delete(StaffPresence).where(StaffPresence.seen_at < now - timedelta(days=1)))
    db.session.commit()
    return callbacks_removed or 0, messages_removed or 0
