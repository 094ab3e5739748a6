"""`flask --app wsgi kb import URL... [--sitemap URL] [--force]`: the clinic's website into knowledge files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.extensions import get_assistant
from bot.importer.crawl import CrawlResult, Failed, Progress, convert_file, crawl, settings_from
from bot.importer.write import Planned, Status, apply, plan, previous_fetches

STATUS_MARKS = {Status.ADDED: "+", Status.CHANGED: "~", Status.UNCHANGED: "=", Status.SKIPPED: "!"}


def progress_printer(max_pages: int):
    """A progress bar on a terminal, one line per page elsewhere (a log, CI)."""
    interactive = sys.stderr.isatty()

    def show(progress: Progress) -> None:
        if not interactive:
            click.echo(f"[{progress.done}/{progress.total}] {progress.current}", err=True)
            return
        width = 30
        filled = round(width * progress.done / max(progress.total, 1))
        room = max(shutil.get_terminal_size().columns - width - 20, 10)
        where = urlsplit(progress.current).path or "/"
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {progress.done}/{progress.total} {where[:room]}"
        click.echo(line.ljust(width + room + 20), nl=False, err=True)

    return show


def report(planned: list[Planned]) -> list[str]:
    lines = []
    for entry in planned:
        where = entry.file or "-"
        lines.append(f"{STATUS_MARKS[entry.status]} {entry.status:<9} {where:<28} {entry.source}")
        if entry.reason:
            lines.append(f"    {entry.reason}")
    counts = {status: sum(1 for e in planned if e.status == status) for status in Status}
    lines.append(", ".join(f"{counts[status]} {status}" for status in Status) + ".")
    return lines


@click.command("import")
@with_appcontext
@click.argument("sources", nargs=-1)
@click.option("--sitemap", help="The address of the site's sitemap (e.g. https://www.clinic.example/sitemap.xml).")
@click.option("--force", is_flag=True, help="Replace files staff edited since the last import (a backup is kept).")
@click.option("--no-follow", is_flag=True, help="Import only the addresses given, not the pages they link to.")
@click.option("--url", "file_url", help="For a file on disk (a PDF leaflet): the address of its copy on the site.")
@click.option("--max-pages", type=int, help="At most this many pages [BOT_IMPORT_MAX_PAGES, 100].")
def import_command(
    sources: tuple[str, ...], sitemap: str | None, force: bool, no_follow: bool, file_url: str | None, max_pages: int
) -> None:
    """Import pages of the clinic's website, or PDF leaflets, into the knowledge folder.

    SOURCES are addresses of the site (the pages they link to on the same site are imported too) or
    PDF files on disk. Each page becomes knowledge/<name>.md; importing again updates only what changed."""
    if not sources and not sitemap:
        raise click.UsageError("Give at least one address (or a PDF file), or --sitemap.")
    assistant = get_assistant()
    root = assistant.files.root
    settings = settings_from(current_app.config)
    settings = type(settings)(settings.fetch, settings.delay, max_pages or settings.max_pages, not no_follow)
    files = [Path(s) for s in sources if not s.startswith(("http://", "https://")) and Path(s).is_file()]
    addresses = [s for s in sources if Path(s) not in files]
    result = CrawlResult()
    for path in files:
        try:
            result.found.append(convert_file(path, file_url))
        except (OSError, ValueError) as error:
            result.failed.append(Failed(str(path), str(error)))
    if addresses or sitemap:
        crawled = crawl(
            addresses,
            settings,
            sitemap=sitemap,
            previous=previous_fetches(root),
            progress=progress_printer(settings.max_pages),
        )
        if sys.stderr.isatty():
            click.echo("", err=True)
        result.found += crawled.found
        result.failed += crawled.failed
    done = apply(plan(result, root, force=force), assistant.files)
    for line in report(done):
        click.echo(line)
    if any(entry.status in (Status.ADDED, Status.CHANGED) for entry in done):
        click.echo("The running bot picks the new files up by itself within a second or two.")
