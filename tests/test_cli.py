import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.passages import build_passages

from .conftest import PROJECT, SHARED_MODELS


def test_ask_prints_the_passage_and_its_source(app):
    result = app.test_cli_runner().invoke(args=["ask", "can microneedling help my acne scars?"])
    assert result.exit_code == 0, result.output
    assert "[answer" in result.output and "Source: Microneedling › Microneedling reduces scars" in result.output


def test_ask_json_and_errors(app):
    runner = app.test_cli_runner()
    data = json.loads(runner.invoke(args=["ask", "--json", "hello"]).output)
    assert data["kind"] == "smalltalk"
    failed = runner.invoke(args=["ask", "  "])
    assert failed.exit_code != 0 and "Please type a question" in failed.output


def test_index_command_reports_passages(app):
    knowledge = load_knowledge(Path(app.config["KNOWLEDGE_DIR"]))
    passages, files = len(build_passages(knowledge.documents)), len(knowledge.documents)
    result = app.test_cli_runner().invoke(args=["index"])
    assert result.exit_code == 0, result.output
    assert f"Index ready: {passages} passages from {files} files" in result.output


@pytest.mark.slow
def test_eval_command_prints_tables(app, tmp_path):
    corpus = [
        {"id": "d1", "title": "How do I book?", "text": "Book online or call the front desk to book a visit."},
        {"id": "d2", "title": "Do you treat acne scars?", "text": "Microneedling reduces acne scars over sessions."},
        {"id": "d3", "title": "Where do I park?", "text": "There is free parking behind the building."},
    ]
    queries = [
        {"id": "q1", "text": "how can I make an appointment", "answerable": True},
        {"id": "q2", "text": "treatment for scars from acne", "answerable": True},
        {"id": "q3", "text": "is there a car park", "answerable": False},
    ]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(c) for c in corpus))
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (tmp_path / "qrels.tsv").write_text("query_id\tdoc_id\trelevance\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\n")
    # One visitor suite (seed), not all: the suites' own figures are tests/test_visitor_suites.py's.
    suites = tmp_path / "suites"
    shutil.copytree(Path(__file__).parent.parent / "eval/visitors/seed", suites / "seed")
    result = app.test_cli_runner().invoke(args=["eval", str(tmp_path), "--suites", str(suites)])
    assert result.exit_code == 0, result.output
    assert "seed" in result.output and "published as a website and imported" in result.output
    for expected in ("question+answer", "answer only", "BM25 only", "dense only", "ours", "IDK precision", "Off-topic"):
        assert expected in result.output
    ours = next(line for line in result.output.splitlines() if "question+answer" in line and " ours " in line)
    assert ours.split()[4] == "1.000"  # Hit@1 of ours on three easy questions


@pytest.mark.e2e
def test_flask_cli_in_a_real_process(tmp_path):
    env = {**os.environ, "BOT_INSTANCE_DIR": str(tmp_path / "instance"), "BOT_MODELS_DIR": str(SHARED_MODELS)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "ask", "--json", "how do I book an appointment?"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "answer" and data["sources"][0]["heading"] == "How do I book an appointment?"
