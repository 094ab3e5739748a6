"""Command line: `flask --app wsgi ask|index|eval`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from bot import handoff
from bot.eval_report import eval_report
from bot.extensions import db, get_assistant, socketio
from bot.import_command import import_command
from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge_files import KnowledgeFiles
from bot.page_checks import folder_warnings
from bot.passages import build_passages, document_passages
from bot.policy import QuestionError
from bot.replies import Answer
from bot.staff.accounts import Role
from bot.store import StaffUser

PROJECT = Path(__file__).resolve().parent.parent
SUITES = PROJECT / "eval" / "visitors"


def format_answer(answer: Answer) -> str:
    """An answer for a terminal: the key sentence in bold, then its source and related questions."""
    lines = [f"[{answer.kind}, confidence {answer.confidence:.2f}]"]
    if answer.sources:
        source = answer.sources[0]
        text = source.passage
        for start, end in sorted(source.highlights, reverse=True):
            text = text[:start] + click.style(text[start:end], bold=True) + text[end:]
        lines.append(text)
        where = " › ".join(part for part in (source.title, source.heading) if part)
        lines.append(f"Source: {where} ({source.url or source.file})")
    else:
        lines.append(textwrap.fill(answer.text, 100))
    if answer.suggestions:
        lines.append("Related: " + " | ".join(answer.suggestions))
    return "\n".join(lines)


@click.command("ask")
@with_appcontext
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as the JSON the API returns.")
def ask_command(question: str, as_json: bool) -> None:
    """Ask the bot a question."""
    try:
        answer = get_assistant().answer(question)
    except QuestionError as error:
        raise click.ClickException(error.message) from error
    click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if as_json else format_answer(answer))


@click.command("index")
@with_appcontext
def index_command() -> None:
    """Build the index, or refresh it after knowledge edits."""
    try:
        built = get_assistant().rebuild()
    except KnowledgeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Index ready: {built.passages} passages from {built.files} files "
        f"({built.embedded} newly embedded, {built.seconds:.1f}s)."
    )
    for error in built.skipped:
        click.echo(f"Skipped {error}", err=True)


@click.command("eval")
@with_appcontext
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--suites", "suites_folder", type=click.Path(file_okay=False, path_type=Path), default=SUITES)
@click.option("--imported/--no-imported", default=True, help="The suites again, their pages imported from a website.")
def eval_command(folder: Path, suites_folder: Path, imported: bool) -> None:
    """Quality: the visitor suites (eval/visitors) and the public datasets under FOLDER (corpus.jsonl,
    queries.jsonl, qrels.tsv; subfolders too; skipped when FOLDER does not exist)."""
    for line in eval_report(get_assistant(), folder, suites_folder, PROJECT / "knowledge", imported):
        click.echo(line)


kb = AppGroup("kb", help="Check the knowledge files.")


@kb.command("check")
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
def kb_check(strict: bool) -> None:
    """Validate every knowledge file; exit non-zero with the problems listed. Warnings (pages that load but
    lose something, the editor's warnings) are listed too."""
    folder = Path(current_app.config["KNOWLEDGE_DIR"])
    try:
        knowledge = KnowledgeFiles(folder, Path(current_app.config["INSTANCE_DIR"])).load()
    except KnowledgeError as error:
        raise click.ClickException(str(error)) from error
    warnings = folder_warnings(folder)
    for warning in warnings:
        click.echo(f"⚠ {warning}", err=True)
    for error in knowledge.errors:
        click.echo(f"✗ {error}", err=True)
    if strict and warnings and not knowledge.errors:
        raise click.ClickException(f"{len(warnings)} warning(s).")
    if knowledge.errors:
        raise click.ClickException(f"{len(knowledge.errors)} file(s) need fixing; the others are fine.")
    passages = build_passages(knowledge.documents)
    note = f"; {len(warnings)} warning(s) above" if warnings else ""
    pages = len(knowledge.documents)
    click.echo(f"✓ {pages} pages, clinic.yaml and safety.yaml are fine ({len(passages)} passages){note}.")


@kb.command("stats")
def kb_stats() -> None:
    """Files, passages and FAQ entries."""
    knowledge = load_knowledge(Path(current_app.config["KNOWLEDGE_DIR"]))
    rows = []
    for document in knowledge.documents:
        passages = document_passages(document)
        faq = sum(1 for s in document.sections if s.question)
        rows.append((document.file, len(passages), faq))
    width = max([len("file"), *(len(r[0]) for r in rows)])
    click.echo(f"{'file'.ljust(width)}  passages  FAQ entries")
    for file, passages, faq in rows:
        click.echo(f"{file.ljust(width)}  {passages:8d}  {faq:11d}")
    click.echo(f"{'total'.ljust(width)}  {sum(r[1] for r in rows):8d}  {sum(r[2] for r in rows):11d}")
    for error in knowledge.errors:
        click.echo(f"✗ {error}", err=True)


kb.add_command(import_command)

staff = AppGroup("staff", help="Manage dashboard accounts.")


@staff.command("add")
@click.argument("email")
@click.password_option(help="The new account's password (asked for when not given).")
@click.option("--role", type=click.Choice([str(role) for role in Role]), default=None,
              help="admin (a new account's default): everything, including staff accounts; editor: everything else. "
              "An existing account keeps its role unless this is given.")
def staff_add(email: str, password: str, role: str | None) -> None:
    """Create a staff account for the dashboard, or reset its password and set its role."""
    email = email.strip().lower()
    if "@" not in email or len(password) < 10:
        raise click.ClickException("Give an e-mail address and a password of at least 10 characters.")
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == email)).first()
    created = user is None
    if created:
        user = StaffUser(email=email)
        db.session.add(user)
    user.set_password(password)
    user.role = role or user.role or str(Role.ADMIN)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} staff account {email} ({user.role}).")


store = AppGroup("store", help="The conversation store.")


@store.command("purge")
def store_purge() -> None:
    """Delete conversations, callback requests and hand-off messages older than their retention periods now."""
    removed = current_app.extensions["store"].purge()
    click.echo(f"Removed {removed} exchange(s) older than {current_app.extensions['store'].retention_days} days.")
    callbacks, messages = handoff.purge(
        int(current_app.config["CALLBACK_RETENTION_DAYS"]), int(current_app.config["RETENTION_DAYS"])
    )
    click.echo(f"Removed {callbacks} callback request(s) and {messages} hand-off message(s).")


@click.command("announce")
@click.argument("text")
@with_appcontext
def announce_command(text: str) -> None:
    """Send a short notice to every open chat window, on every server (through Redis when REDIS_URL is set)."""
    socketio.emit("announcement", {"text": text[:500]})
    click.echo("Announcement sent.")


def register(app: Flask) -> None:
    for command in (ask_command, index_command, eval_command, kb, staff, store, announce_command):
        app.cli.add_command(command)
