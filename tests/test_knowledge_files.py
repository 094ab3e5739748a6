"""The knowledge file service the editor, `kb check` and the watcher share: Flask-free, on a folder of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.fileops import write_atomically
from bot.knowledge import CLINIC_FILE, SAFETY_FILE, ClinicSettings, KnowledgeError
from bot.knowledge_files import FileRefused, KnowledgeFiles, digest, validate

CLINIC = "name: Small Clinic\nphone: 0100 000 000\nemail: a@b.example\nbooking_url: https://b.example/book\n"
SAFETY = "emergency:\n  - chest pain\npersonal_advice:\n  - should i take\n"
PAGE = "---\ntitle: Hours\n---\n\n## When are you open?\n\nWeekdays, nine to five. Call {phone}.\n"


@pytest.fixture
def files(tmp_path: Path) -> KnowledgeFiles:
    root = tmp_path / "knowledge"
    root.mkdir()
    (root / CLINIC_FILE).write_text(CLINIC, "utf-8")
    (root / SAFETY_FILE).write_text(SAFETY, "utf-8")
    (root / "hours.md").write_text(PAGE, "utf-8")
    return KnowledgeFiles(root, tmp_path / "instance")


def clinic() -> ClinicSettings:
    return ClinicSettings(name="Small Clinic", phone="0100", email="a@b.example", booking_url="https://b.example")


def test_the_folder_loads_with_its_own_pages(files):
    knowledge = files.load()
    assert [d.file for d in knowledge.documents] == ["hours.md"] and not knowledge.errors
    assert knowledge.clinic.name == "Small Clinic"


def test_settings_drafts_are_checked_from_their_text(files, tmp_path):
    assert validate(CLINIC_FILE, CLINIC, clinic()) is None
    error = validate(CLINIC_FILE, CLINIC.replace("https://", "ftp://"), clinic())
    assert error.file == CLINIC_FILE and "booking_url" in error.message
    assert validate(SAFETY_FILE, "emergency: chest pain\n", clinic()).file == SAFETY_FILE
    assert validate("hours.md", "", clinic()).message == "is empty"
    assert validate("hours.md", "a\n\x00b", clinic()).line == 2
    assert not any(p.name.startswith("tmp") for p in Path(tmp_path).iterdir())  # nothing written to try a draft


def test_save_keeps_a_backup_and_undo_puts_it_back(files):
    path = files.resolve("hours.md")
    before, problem = files.read(path)
    assert problem is None and before == PAGE
    with files.editing():
        files.save("hours.md", path, before, PAGE.replace("nine", "eight"))
    assert "eight" in path.read_text("utf-8") and len(files.backups("hours.md")) == 1
    with files.editing():
        undone = files.undo("hours.md", path)
    assert undone is not None and path.read_text("utf-8") == PAGE and files.backups("hours.md") == []
    assert files.undo("hours.md", path) is None


def test_refused_names_and_unreadable_files(files):
    for name in ("../x.md", ".hidden.md", "README.md", "notes.txt", "sub/clinic.yaml"):
        with pytest.raises(FileRefused):
            files.resolve(name)
    binary = files.root / "binary.md"
    binary.write_bytes(b"abc\x00def")
    assert files.read(binary) == (None, "looks like a binary file, not text")
    latin = files.root / "latin.md"
    latin.write_bytes("café".encode("latin-1"))
    assert files.read(latin)[0] is None


def test_the_watcher_sees_a_change_until_it_reads_the_folder(files):
    files.load()
    assert not files.changed()
    write_atomically(files.root / "hours.md", PAGE + "\nMore.\n")
    assert files.changed()
    files.load()
    assert not files.changed()


def test_a_digest_tells_texts_apart():
    assert digest("a") != digest("b") and digest(None) == digest("")


def test_a_broken_clinic_file_raises_with_its_line(files):
    (files.root / CLINIC_FILE).write_text("name: [broken\n", "utf-8")
    with pytest.raises(KnowledgeError) as raised:
        files.load()
    assert raised.value.file == CLINIC_FILE
