"""Staff edits go live within seconds, and a bad edit never breaks what visitors get."""

import time
from pathlib import Path

import pytest

from bot.assistant import Assistant, AssistantConfig
from tests.harness import eventually

SCARS = "can microneedling help my acne scars?"


def wait_for(condition, timeout: float = 10.0) -> float:
    """Seconds until `condition` held."""
    started = time.monotonic()
    eventually(condition, timeout)
    return time.monotonic() - started


@pytest.fixture
def live(encoder, knowledge_dir, tmp_path, new_instance):
    assistant = Assistant(
        AssistantConfig(knowledge_dir, new_instance(knowledge_dir, tmp_path / "instance")), encoder=encoder
    )
    assistant.watch()
    yield assistant
    assistant.stop_watching()


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")


def test_an_edit_is_answered_from_the_new_text_within_seconds(live, knowledge_dir):
    assert "minor surgery" in live.answer(SCARS).text
    started = time.monotonic()
    edit(knowledge_dir / "microneedling.md", "minor surgery", "minor surgery or chickenpox")
    wait_for(lambda: "chickenpox" in live.answer(SCARS).text)
    # `make bench` measures how fast (0.8-1.7 s, README "Performance"); this bound only catches an edit that
    # waits for a full rebuild. 2 s failed once on the 2-core machine with other jobs running (2.4 s).
    assert time.monotonic() - started < 5.0
    assert live.snapshot.embedded == 2  # only the changed passage and its changed sentence were embedded again


def test_an_edit_rereads_only_what_changed_and_is_saved_for_the_next_start(live, encoder, knowledge_dir, tmp_path):
    from bot.passages import _document_passages

    split_before = _document_passages.cache_info().misses
    page = knowledge_dir / "visiting-us.md"
    page.write_text(page.read_text("utf-8") + "\n## Is there parking?\n\nFree parking is behind the building.\n")
    wait_for(lambda: any("Free parking" in p.text for p in live.snapshot.index.passages))
    assert _document_passages.cache_info().misses - split_before == 1  # the other page was not split again
    live.wait_until_saved()
    restarted = Assistant(AssistantConfig(knowledge_dir, tmp_path / "instance"), encoder=encoder)
    assert restarted.snapshot.embedded == 0 and restarted.snapshot.build_seconds < 2  # loaded, not rebuilt
    assert restarted.snapshot.index.fingerprint == live.snapshot.index.fingerprint


def test_a_new_page_and_a_removed_page(live, knowledge_dir):
    page = knowledge_dir / "parking.md"
    page.write_text("# Parking\n\n## Where can I park?\n\nFree parking is behind the building, entrance on Elm Road.\n")
    wait_for(lambda: "Elm Road" in live.answer("is there a car park for patients?").text)
    assert "Elm Road" in live.answer("where do I park my car?").text
    page.unlink()
    wait_for(lambda: all("Elm Road" not in p.text for p in live.snapshot.index.passages))


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"# Microneedling\n\n\xff\xfe broken bytes\n", 3, "UTF-8"),
        (b"---\ntitle: [unclosed\n---\n\nText.\n", 2, "YAML"),
        (b"", 1, "empty"),
        (b"---\ntitle: Only headings\n---\n# One\n## Two\n", 4, "no text"),
    ],
)
def test_a_broken_page_is_reported_and_its_last_good_version_keeps_serving(live, knowledge_dir, content, line, message):
    before = live.answer(SCARS)
    (knowledge_dir / "microneedling.md").write_bytes(content)
    wait_for(lambda: any(e.file == "microneedling.md" for e in live.errors))
    error = next(e for e in live.errors if e.file == "microneedling.md")
    assert error.line == line and message in error.message
    assert live.snapshot.kept == ("microneedling.md",)
    assert live.health()["knowledge_errors"][0]["file"] == "microneedling.md"
    after = live.answer(SCARS)
    assert after.kind == "answer" and after.text == before.text


def test_an_unreadable_clinic_file_keeps_the_whole_last_version(live, knowledge_dir):
    version = live.snapshot
    (knowledge_dir / "clinic.yaml").write_text("name: [broken\n")
    wait_for(lambda: live.refresh_error is not None)
    assert live.refresh_error.file == "clinic.yaml" and live.refresh_error.line == 1
    edit(knowledge_dir / "microneedling.md", "minor surgery", "minor surgery or chickenpox")
    wait_for(lambda: not live.files.changed())  # the watcher has read the folder since the edit
    assert live.snapshot is version
    assert live.answer("hello").text == version.knowledge.clinic.greeting


def test_a_restart_with_a_broken_page_serves_its_last_good_version(encoder, knowledge_dir, tmp_path, new_instance):
    config = AssistantConfig(knowledge_dir, new_instance(knowledge_dir, tmp_path / "instance"))
    first = Assistant(config, encoder=encoder)
    good = first.answer(SCARS).text
    (knowledge_dir / "microneedling.md").write_bytes(b"\xff\xfe")
    restarted = Assistant(config, encoder=encoder)
    assert restarted.snapshot.kept == ("microneedling.md",)
    assert restarted.answer(SCARS).text == good


def test_every_process_on_one_folder_follows_an_edit(encoder, knowledge_dir, tmp_path, new_instance):
    config = AssistantConfig(knowledge_dir, new_instance(knowledge_dir, tmp_path / "instance"))
    servers = [Assistant(config, encoder=encoder) for _ in range(2)]
    for server in servers:
        server.watch()
    try:
        edit(knowledge_dir / "microneedling.md", "minor surgery", "minor surgery or chickenpox")
        for server in servers:
            wait_for(lambda server=server: "chickenpox" in server.answer(SCARS).text)
        versions = {s.snapshot.index.fingerprint for s in servers}
        assert len(versions) == 1
        assert (tmp_path / "instance" / "index" / "CURRENT").read_text() == versions.pop()
    finally:
        for server in servers:
            server.stop_watching()
