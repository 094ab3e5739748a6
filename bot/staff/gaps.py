"""Content gaps: questions from the last 30 days the bot could not answer or a visitor marked unhelpful,
grouped by meaning, as a page and as a CSV download."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from bot.authoring import as_question, best_pages
from bot.extensions import db
from bot.gap_dismissals import Dismissals
from bot.gaps import MAX_DISTINCT, group_questions, normalise_question
from bot.replies import ReplyKind
from bot.spreadsheet import BOM, safe_cell
from bot.staff.common import DAYS, KIND_LABELS, admin, assistant, staff_work
from bot.staff.overview import day_start
from bot.store import Exchange, utcnow

# Replies that show a gap in the knowledge: the bot did not know, or was not sure which topic was meant.
UNANSWERED = (ReplyKind.FALLBACK, ReplyKind.CLARIFY)


@dataclass(frozen=True)
class GapRow:
    label: str
    count: int
    unanswered: int
    thumbs_down: int
    last_asked: datetime
    examples: list
    slug: str
    rated_down: list = ()  # RatedAnswer: what visitors rated not helpful, with the answer they were given


@dataclass(frozen=True)
class RatedAnswer:
    question: str
    answer: str  # "Page title › heading" of the passage given, or the kind of reply
    excerpt: str
    reason: str | None


def content_gaps(now: datetime | None = None) -> list[GapRow]:
    """Questions from the last 30 days the bot could not answer or a visitor marked unhelpful, grouped."""
    since = day_start(now or utcnow()) - timedelta(days=DAYS - 1)
    rows = db.session.execute(
        select(
            Exchange.question,
            Exchange.kind,
            Exchange.vote,
            Exchange.created_at,
            Exchange.source_ids,
            Exchange.vote_reason,
        )
        .where(Exchange.created_at >= since, or_(Exchange.kind.in_(UNANSWERED), Exchange.vote == "down"))
        .order_by(Exchange.created_at.desc())
        .limit(MAX_DISTINCT)
    ).all()
    dismissed = _dismissals().keys()
    rows = [row for row in rows if row.question.strip() and normalise_question(row.question) not in dismissed]
    if not rows:
        return []
    questions = [row.question for row in rows]
    groups = group_questions(questions, staff_work(assistant().embed_questions, questions))
    result = []
    for group in groups:
        members = [rows[i] for i in group.members]
        result.append(
            GapRow(
                label=group.label,
                count=group.count,
                unanswered=sum(1 for r in members if r.kind in UNANSWERED),
                thumbs_down=sum(1 for r in members if r.vote == "down"),
                last_asked=max(r.created_at for r in members),
                examples=list(group.examples),
                slug=_slug(group.label),
                rated_down=_rated_down(members),
            )
        )
    return result


def _rated_down(rows: list) -> list[RatedAnswer]:
    """The answers visitors rated not helpful: which passage they were given, and their reason."""
    rated = []
    for row in rows:
        if row.vote != "down":
            continue
        found = (assistant().passage(i) for i in (row.source_ids or "").split())
        passage = next((p for p in found if p is not None), None)
        if passage is None:
            answer, excerpt = KIND_LABELS.get(row.kind, row.kind), ""
        else:
            answer = " › ".join(part for part in (passage.title, passage.heading) if part)
            excerpt = passage.text if len(passage.text) <= 220 else passage.text[:220].rsplit(" ", 1)[0] + "…"
        rated.append(RatedAnswer(row.question, answer, excerpt, row.vote_reason))
    return rated


def _dismissals() -> Dismissals:
    config = current_app.config
    return Dismissals(Path(config["INSTANCE_DIR"]), keep_days=int(config["RETENTION_DAYS"]))


def _slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-").split("-")
    return "-".join(words[:6])[:60].strip("-") or "new-page"


@admin.get("/gaps/write")
def write_answer() -> str:
    """"Write an answer" for a gap: add it as an FAQ entry to one of the best-matching pages, or start a page."""
    question = as_question(request.args.get("question", "")[:300])
    pages = staff_work(best_pages, assistant(), question)
    return render_template(
        "admin/write_answer.html", question=question, pages=pages, slug=_slug(question), active="gaps"
    )


@admin.post("/gaps/dismiss")
def dismiss_gap() -> Response:
    """Take a group of questions off the gaps page (off-topic): these wordings stay off it."""
    questions = [q for q in request.form.getlist("question") if q.strip()][:MAX_DISTINCT]
    count = _dismissals().dismiss(questions)
    flash(f"Dismissed {count} question{'s' if count != 1 else ''}: they no longer show here.", "success")
    return redirect(url_for("admin.gaps"))


@admin.get("/gaps")
def gaps() -> str:
    groups = content_gaps()
    repeated = [g for g in groups if g.count > 1]
    once = [g for g in groups if g.count == 1]
    return render_template(
        "admin/gaps.html",
        repeated=repeated,
        once=once,
        total=sum(g.count for g in groups),
        days=DAYS,
        retention=current_app.extensions["store"].retention_days,
        active="gaps",
    )


# Invisible characters a spreadsheet skips before it sees a leading "=": zero-width spaces and joiners,
# the word joiner, the byte-order mark and the soft hyphen.
@admin.get("/gaps.csv")
def gaps_csv() -> Response:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(["group", "count", "question"])
    for group in content_gaps():
        for example in group.examples:
            writer.writerow([safe_cell(group.label), group.count, safe_cell(example.question)])
    filename = f"content-gaps-{utcnow():%Y-%m-%d}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
