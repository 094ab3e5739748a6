"""`make eval`'s report (`flask eval`): the visitor suites, the same suites imported from a website, and
the public datasets, each asked of bots built on the running Assistant's model."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from bot.assistant import Assistant, AssistantConfig
from bot.embedding import Encoder
from bot.evaluation import quality_report
from bot.import_eval import imported_report
from bot.suites import (
    Outcome,
    SafetyPhrasings,
    Suite,
    ask_all,
    find_suites,
    knowledge_with_safety,
    phrasings_report,
    suite_report,
    temporary_folder,
)


def eval_report(
    assistant: Assistant, datasets: Path, suites_folder: Path, shipped_knowledge: Path, imported: bool
) -> Iterator[str]:
    """The report's lines. The suites use the shipped safety rules (`shipped_knowledge`/safety.yaml); the public
    datasets under `datasets` are skipped, with a line saying so, when the folder does not exist."""
    encoder = assistant.encoder
    safety_file = shipped_knowledge / "safety.yaml"
    suites = find_suites(suites_folder, shipped_knowledge) if suites_folder.is_dir() else []
    yield from suite_report(suites, lambda suite: run_suite(suite, safety_file, encoder))
    phrasings = SafetyPhrasings.load(suites_folder) if suites_folder.is_dir() else None
    if phrasings:
        yield ""
        yield from phrasings_report([ask_phrasings(phrasings, suite, safety_file, encoder) for suite in suites])
        yield ""
        # Here rather than at the top: the server imports this module, and needs no scikit-learn.
        from bot.message_model_training import held_out_report

        yield from held_out_report(suites_folder, encoder)
    if imported:
        yield ""
        yield from imported_report(suites, safety_file, encoder)
    if not datasets.is_dir():
        yield f"\n{datasets} not found: the public datasets were skipped."
        return
    yield ""
    yield from quality_report(datasets, encoder, clinic_reply_kind=lambda q: assistant.answer(q).kind)


def run_suite(suite: Suite, safety_file: Path, encoder: Encoder) -> tuple[list[Outcome], str]:
    """A suite asked of a fresh bot on its own knowledge (with the project's safety rules)."""
    folder = temporary_folder()
    try:
        knowledge = knowledge_with_safety(suite, safety_file, folder)
        assistant = Assistant(AssistantConfig(knowledge, folder / "instance"), encoder=encoder)
        outcomes = ask_all(suite.questions, assistant.answer, assistant.prepare)
        calibration = assistant.snapshot.calibration
        assistant.close()
        return outcomes, calibration.describe() if calibration else "threshold configured"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ask_phrasings(phrasings: SafetyPhrasings, suite: Suite, safety_file: Path, encoder: Encoder) -> list[str]:
    """The safety phrasings asked of a fresh bot on a suite's knowledge."""
    folder = temporary_folder()
    try:
        knowledge = knowledge_with_safety(suite, safety_file, folder)
        assistant = Assistant(AssistantConfig(knowledge, folder / "instance"), encoder=encoder)
        row = phrasings.row(suite.name, assistant.answer)
        assistant.close()
        return row
    finally:
        shutil.rmtree(folder, ignore_errors=True)
