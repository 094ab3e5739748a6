"""The overview page: questions per day (an inline SVG chart), kinds of reply, votes and top topics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Response, jsonify, render_template
from sqlalchemy import select

from bot.extensions import db
from bot.knowledge import KnowledgeError
from bot.staff.common import DAYS, KIND_LABELS, admin, assistant
from bot.store import Exchange, utcnow


@dataclass(frozen=True)
class Topic:
    label: str
    file: str | None
    count: int


def day_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day)


def overview_stats(now: datetime | None = None) -> dict:
    """Counts for the last 30 days (UTC days, today included)."""
    now = now or utcnow()
    first_day = day_start(now) - timedelta(days=DAYS - 1)
    rows = db.session.execute(
        select(Exchange.created_at, Exchange.kind, Exchange.vote, Exchange.source_ids).where(
            Exchange.created_at >= first_day
        )
    ).all()
    per_day = Counter(row.created_at.date() for row in rows)
    days = [(first_day + timedelta(days=i)).date() for i in range(DAYS)]
    kinds = Counter(row.kind for row in rows)
    votes = Counter(row.vote for row in rows if row.vote)

    topics: Counter[tuple[str, str | None]] = Counter()
    for row in rows:
        ids = (row.source_ids or "").split()
        if ids:
            topic = assistant().topic_of(ids[0])
            topics[topic.label, topic.file] += 1

    total = len(rows)
    rated = votes["up"] + votes["down"]
    return {
        "total": total,
        "days": [{"date": day.isoformat(), "count": per_day.get(day, 0)} for day in days],
        "kinds": [
            {"kind": kind, "label": label, "count": kinds.get(kind, 0), "share": _share(kinds.get(kind, 0), total)}
            for kind, label in KIND_LABELS.items()
        ],
        "votes": {"up": votes["up"], "down": votes["down"], "helpful_share": _share(votes["up"], rated)},
        "topics": [{"label": label, "file": file, "count": count} for (label, file), count in topics.most_common(10)],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def day_chart(days: list[dict]) -> dict:
    """Bar positions for the questions-per-day chart (inline SVG, drawn by the template)."""
    width, height, left, right, bottom, top = 900, 220, 40, 24, 30, 12
    peak = max([d["count"] for d in days] + [1])
    step = max(1, -(-peak // 4))  # four or five gridlines at round numbers
    scale_top = step * -(-peak // step)
    slot = (width - left - right) / len(days)
    bars = []
    for i, day in enumerate(days):
        h = (height - bottom - top) * day["count"] / scale_top
        h = max(h, 2.0) if day["count"] else 0.0
        when = date.fromisoformat(day["date"])
        bars.append(
            {
                "x": round(left + i * slot + slot * 0.15, 1),
                "y": round(height - bottom - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "count": day["count"],
                "label": f"{when.day} {when:%b}",
                "tick": (len(days) - 1 - i) % 7 == 0,  # today and every week before it
                "cx": round(left + (i + 0.5) * slot, 1),
            }
        )
    grid = [
        {"value": v, "y": round(height - bottom - (height - bottom - top) * v / scale_top, 1)}
        for v in range(0, scale_top + 1, step)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "bottom": height - bottom,
        "bars": bars,
        "grid": grid,
    }


@admin.get("/")
def overview() -> str:
    stats = overview_stats()
    problems = knowledge_problems()
    return render_template(
        "admin/overview.html", stats=stats, chart=day_chart(stats["days"]), problems=problems, active="overview"
    )


@admin.get("/api/overview")
def overview_json() -> Response:
    return jsonify(overview_stats())


def knowledge_problems() -> list[KnowledgeError]:
    problems = {(e.file, e.line, e.message): e for e in assistant().errors}
    return list(problems.values())
