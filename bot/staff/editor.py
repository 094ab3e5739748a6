"""The knowledge list and the editor: open a page or a settings file, try a draft against a question,
save it (a backup is kept) and undo. What may be opened, read, checked and written is decided by
bot/knowledge_files.py; this module only turns it into pages."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from bot.authoring import starter_page, with_faq_entry
from bot.knowledge import (
    KnowledgeError,
    fill_placeholders,
)
from bot.knowledge_files import EDITOR_MAX_BYTES, NEW_PAGE_NAME, SETTINGS_FILES, FileInfo, FileRefused, digest, validate
from bot.page_checks import page_warnings
from bot.policy import QuestionError
from bot.replies import Answer
from bot.staff.common import admin, assistant, clinic, staff_work
from bot.staff.common import knowledge_files as files
from bot.staff.overview import knowledge_problems

EDITOR_ENDPOINTS = {"admin.try_it", "admin.save"}


@admin.url_value_preprocessor
def _allow_page_sized_forms(endpoint: str | None, values: dict | None) -> None:
    """The editor posts whole pages. This runs before CSRFProtect reads the form (app-wide limit 64 KB)."""
    if endpoint in EDITOR_ENDPOINTS:
        request.max_content_length = EDITOR_MAX_BYTES + 64 * 1024
        request.max_form_memory_size = EDITOR_MAX_BYTES + 64 * 1024


@admin.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> tuple[str, int]:
    """A form without a valid token is refused (400). An editor whose token ran out keeps the draft."""
    if request.endpoint in EDITOR_ENDPOINTS and current_user.is_authenticated:
        name = (request.view_args or {}).get("name", "")
        try:
            path = files().resolve(name)
        except FileRefused:
            path = None
        if path is not None:
            notice = "This page was open a long time, so for safety nothing was done. Your text is kept: try again."
            return render_editor(
                name,
                path,
                draft=_draft(),
                question=request.form.get("question", ""),
                problem=notice,
                base=request.form.get("base", ""),
            ), 400
    return render_template(
        "admin/message.html",
        title="Please try again",
        message=(
            "This form had expired or did not come from this dashboard, so nothing was changed. "
            "Go back, reload the page and try again."
        ),
    ), 400


def _listing() -> list[FileInfo]:
    status = assistant().knowledge_status()
    return files().listing(status.live_passages, status.kept, assistant().clinic)


def _resolve_or_abort(name: str) -> Path:
    try:
        return files().resolve(name)
    except FileRefused:
        abort(400, "That is not a knowledge file this dashboard can open.")


@admin.get("/knowledge")
def knowledge() -> str:
    return render_template(
        "admin/knowledge.html",
        files=_listing(),
        problems=knowledge_problems(),
        new_name=request.args.get("name", ""),
        question=request.args.get("question", ""),
        active="knowledge",
    )


@admin.post("/knowledge/new")
def new_page() -> Response | tuple[str, int]:
    name = request.form.get("name", "").strip().lower()
    question = request.form.get("question", "").strip()[:300]
    if name and not name.endswith(".md"):
        name += ".md"
    problem = None
    if not NEW_PAGE_NAME.match(name):
        problem = "Use a short name with letters, numbers and dashes only, like opening-hours.md."
    elif (files().root / name).exists():
        problem = f"There is already a page called {name}. Pick another name, or open that page from the list."
    if problem:
        return render_template(
            "admin/knowledge.html",
            files=_listing(),
            problems=knowledge_problems(),
            new_name=name,
            question=question,
            new_problem=problem,
            active="knowledge",
        ), 400
    title, url = request.form.get("title", "").strip()[:200], request.form.get("url", "").strip()[:2000]
    return redirect(url_for("admin.editor", name=name, question=question or None, title=title or None, url=url or None))


def _starter_page(name: str, question: str) -> str:
    if request.args.get("title"):  # from "Write an answer": a new page with its title and url
        return starter_page(request.args["title"], request.args.get("url", ""), question)
    title = name.removesuffix(".md").replace("-", " ").capitalize()
    heading = question.strip() or "A question visitors ask?"
    if not heading.endswith("?"):
        heading += "?"
    return (
        f"---\ntitle: {title}\n---\n\n## {heading}\n\n"
        "Write the answer here in a few plain sentences. Call us on {phone} if you have more questions.\n"
    )


def _go_live() -> str | None:
    """Rebuild the index now (the folder watcher would too, a moment later); a problem, if any."""
    try:
        staff_work(assistant().refresh)
    except KnowledgeError as error:
        return str(error)
    return None


def _draft() -> str:
    return request.form.get("content", "").replace("\r\n", "\n").replace("\r", "\n")


def _highlighted(source) -> list[tuple[str, bool]]:
    """The passage cut into (text, is_key_sentence) pieces; the template escapes every piece."""
    pieces, position = [], 0
    for start, end in sorted(source.highlights):
        if start >= position:
            pieces += [(source.passage[position:start], False), (source.passage[start:end], True)]
            position = end
    pieces.append((source.passage[position:], False))
    return [piece for piece in pieces if piece[0]]


def render_editor(
    name: str,
    path: Path,
    *,
    draft: str | None = None,
    question: str = "",
    answer: Answer | None = None,
    problem: str | None = None,
    error: KnowledgeError | None = None,
    base: str | None = None,
    warn_before_save: bool = False,
) -> str:
    exists = path.exists()
    saved, unreadable = files().read(path) if exists else (None, None)
    if draft is None:
        draft = saved if exists else _starter_page(name, request.args.get("question", ""))
    backups = files().backups(name)
    return render_template(
        "admin/editor.html",
        name=name,
        title=SETTINGS_FILES.get(name, name),
        is_page=name not in SETTINGS_FILES,
        exists=exists,
        draft=draft or "",
        unreadable=unreadable,
        changed=draft != saved,
        base=base if base is not None else digest(saved),
        question=question,
        answer=answer,
        pieces=_highlighted(answer.sources[0]) if answer and answer.sources else [],
        problem=problem,
        error=error,
        lines=(draft or "").split("\n"),
        last_backup=backups[0].when if backups else None,
        live_error=next((e for e in assistant().knowledge_status().errors if e.file == name), None),
        warnings=page_warnings(draft or "", name) if name not in SETTINGS_FILES and not error else [],
        warn_before_save=warn_before_save,
        active="knowledge",
    )


@admin.get("/knowledge/<path:name>")
def editor(name: str) -> str:
    path = _resolve_or_abort(name)
    if not path.exists() and not NEW_PAGE_NAME.match(name):
        abort(404, "There is no such knowledge file.")
    add = request.args.get("add_question", "").strip()[:300]
    if add and path.exists() and name not in SETTINGS_FILES:  # "Write an answer": an FAQ entry on this page
        saved, _ = files().read(path)
        if saved is not None:
            return render_editor(name, path, draft=with_faq_entry(saved, add))
    return render_editor(name, path)


@admin.post("/knowledge/<path:name>/try")
def try_it(name: str) -> tuple[str, int] | str:
    path = _resolve_or_abort(name)
    draft, question = _draft(), request.form.get("question", "").strip()
    base = request.form.get("base", "")
    if name in SETTINGS_FILES:
        problem = "“Try it” works on pages. Save the settings, then ask the bot on your website."
        return render_editor(name, path, draft=draft, question=question, problem=problem, base=base), 400
    try:
        answer = staff_work(assistant().preview, name, fill_placeholders(draft, clinic()), question)
    except KnowledgeError as error:
        return render_editor(name, path, draft=draft, question=question, error=error, base=base), 422
    except QuestionError as error:
        return render_editor(name, path, draft=draft, question=question, problem=error.message, base=base), 400
    return render_editor(name, path, draft=draft, question=question, answer=answer, base=base)


@admin.post("/knowledge/<path:name>/save")
def save(name: str) -> Response | tuple[str, int]:
    path = _resolve_or_abort(name)
    draft, question, base = _draft(), request.form.get("question", ""), request.form.get("base", "")
    if not draft.endswith("\n"):
        draft += "\n"
    with files().editing():
        exists = path.exists()
        if not exists and not NEW_PAGE_NAME.match(name):
            abort(404, "There is no such knowledge file.")
        error = validate(name, draft, clinic())
        if error:
            return render_editor(name, path, draft=draft, question=question, error=error, base=base), 422
        if name not in SETTINGS_FILES and page_warnings(draft, name) and not request.form.get("confirm_warnings"):
            return render_editor(name, path, draft=draft, question=question, base=base, warn_before_save=True), 422
        current, unreadable = files().read(path) if exists else (None, None)
        if unreadable:
            return render_editor(
                name, path, draft=draft, question=question, problem=f"This file {unreadable}.", base=base
            ), 409
        if digest(current) != base:
            problem = (
                "Someone changed this file since you opened it, so it was not saved. "
                "Copy your text somewhere safe, reload the page and make your change again."
            )
            return render_editor(name, path, draft=draft, question=question, problem=problem, base=base), 409
        if current == draft:
            flash("Nothing changed, so there was nothing to save.", "info")
            return redirect(url_for("admin.editor", name=name))
        files().save(name, path, current, draft)
        trouble = _go_live()
    if trouble:
        flash(f"Saved, but the bot could not use it yet: {trouble}", "error")
    elif exists:
        flash("Saved. The bot answers from the new version now.", "success")
    else:
        flash(f"Created {name}. The bot answers from it now.", "success")
    return redirect(url_for("admin.editor", name=name))


@admin.post("/knowledge/<path:name>/undo")
def undo(name: str) -> Response:
    path = _resolve_or_abort(name)
    with files().editing():
        backup = files().undo(name, path)
        if backup is None:
            flash("There is no earlier version to go back to.", "info")
            return redirect(url_for("admin.editor", name=name))
        when = backup.when
        trouble = _go_live()
    if trouble:
        flash(f"Went back to the earlier version, but the bot could not use it: {trouble}", "error")
    else:
        flash(f"Undone: the file is back to how it was before the save of {when:%d %b %Y, %H:%M} UTC.", "success")
    return redirect(url_for("admin.editor", name=name))
