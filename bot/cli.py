"""Command line: `flask --app wsgi ask|index|eval`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from bot.evaluation import quality_report
from bot.knowledge import KnowledgeError
from bot.policy import Answer, QuestionError


def _assistant():
    return current_app.extensions["assistant"]


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
        answer = _assistant().answer(question)
    except QuestionError as error:
        raise click.ClickException(error.message) from error
    click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if as_json else format_answer(answer))


@click.command("index")
@with_appcontext
def index_command() -> None:
    """Build the index, or refresh it after knowledge edits."""
    try:
        snapshot = _assistant().refresh()
    except KnowledgeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Index ready: {len(snapshot.index)} passages from {len(snapshot.knowledge.documents)} files "
        f"({snapshot.embedded} newly embedded, {snapshot.build_seconds:.1f}s)."
    )
    for error in snapshot.knowledge.errors:
        click.echo(f"Skipped {error}", err=True)


@click.command("eval")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def eval_command(folder: Path) -> None:
    """Retrieval quality on FOLDER (corpus.jsonl, queries.jsonl, qrels.tsv; subfolders too)."""
    assistant = _assistant()
    threshold = assistant.snapshot.policy.settings.answer_threshold
    for line in quality_report(
        folder, assistant.encoder, threshold, clinic_reply_kind=lambda q: assistant.answer(q).kind
    ):
        click.echo(line)


def register(app: Flask) -> None:
    for command in (ask_command, index_command, eval_command):
        app.cli.add_command(command)
