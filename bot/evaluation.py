"""Retrieval quality on a question-to-passage dataset (corpus.jsonl, queries.jsonl, qrels.tsv).

The bot's own pipeline (passages, index, retriever, confidence threshold) is measured
beside two baselines a user could write: BM25 alone and the bare encoder with faiss.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from bot.calibration import calibrate
from bot.embedding import Encoder, VectorCache
from bot.index import build_index
from bot.knowledge import Document, Section
from bot.lexical import LexicalIndex
from bot.meaning import calibration_questions
from bot.passages import build_passages
from bot.replies import ReplyKind
from bot.retrieval import RetrievalSettings, Retriever

Ranker = Callable[[list[str]], list[list[tuple[str, float]]]]  # questions -> [(doc id, score)] best first


@dataclass(frozen=True)
class Dataset:
    name: str
    corpus: list[dict]
    queries: list[dict]
    relevant: dict[str, set[str]]


def load_dataset(folder: Path, name: str | None = None) -> Dataset:
    def read_jsonl(path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]

    relevant: dict[str, set[str]] = {}
    for line in (folder / "qrels.tsv").read_text("utf-8").splitlines()[1:]:
        query_id, doc_id, relevance = line.split("\t")
        if int(relevance) > 0:
            relevant.setdefault(query_id, set()).add(doc_id)
    corpus, queries = read_jsonl(folder / "corpus.jsonl"), read_jsonl(folder / "queries.jsonl")
    return Dataset(name or folder.name, corpus, queries, relevant)


def corpus_documents(corpus: Iterable[dict], with_questions: bool) -> list[Document]:
    """Each corpus entry as a knowledge document: an FAQ entry (its title is the question)
    or, with_questions=False, the answer text alone, as an article paragraph would be."""
    documents = []
    for entry in corpus:
        headings = (entry["title"].strip(),) if with_questions and entry.get("title") else ()
        paragraphs = tuple(p.strip() for p in entry["text"].split("\n") if p.strip())
        section = Section(headings=headings, paragraphs=paragraphs, line=1)
        documents.append(Document(file=entry["id"], title="", url=None, tags=(), sections=(section,)))
    return documents


def _corpus_text(entry: dict, with_questions: bool) -> str:
    return f"{entry['title']}\n{entry['text']}" if with_questions and entry.get("title") else entry["text"]


def bm25_ranker(corpus: list[dict], with_questions: bool) -> Ranker:
    lexical = LexicalIndex([_corpus_text(e, with_questions) for e in corpus])
    ids = [e["id"] for e in corpus]

    def rank(questions: list[str]) -> list[list[tuple[str, float]]]:
        results = []
        for question in questions:
            scores = lexical.scores(question)
            order = np.argsort(-scores)[:10]
            results.append([(ids[i], float(scores[i])) for i in order])
        return results

    return rank


def dense_ranker(corpus: list[dict], encoder: Encoder, with_questions: bool) -> Ranker:
    """The baseline a user writes first: encode each entry, search faiss."""
    vectors = encoder.torch.encode([_corpus_text(e, with_questions) for e in corpus])
    index = faiss.IndexFlatIP(encoder.dimension)
    index.add(vectors)
    ids = [e["id"] for e in corpus]

    def rank(questions: list[str]) -> list[list[tuple[str, float]]]:
        scores, rows = index.search(encoder.torch.encode(questions), 10)
        return [
            [(ids[r], float(s)) for s, r in zip(srow, rrow, strict=True) if r >= 0]
            for srow, rrow in zip(scores, rows, strict=True)
        ]

    return rank


def bot_ranker(
    corpus: list[dict], encoder: Encoder, with_questions: bool, settings: RetrievalSettings | None = None
) -> Ranker:
    """The bot's own pipeline; a document scores as its best passage."""
    encoder = encoder.with_cache(VectorCache())  # the dataset's vectors go when the ranker goes
    index = build_index(build_passages(corpus_documents(corpus, with_questions)), encoder)
    retriever = Retriever(index, encoder, settings)

    def rank(questions: list[str]) -> list[list[tuple[str, float]]]:
        results = []
        readings = [retriever.correct_spelling(q) for q in questions]  # as the answer policy reads them
        for question, vector in zip(readings, encoder.encode_queries(readings), strict=True):
            best: dict[str, float] = {}  # in the retriever's order, each with its best passage's score
            for hit in retriever.search(question, vector, k=30).hits:
                best[hit.passage.file] = max(best.get(hit.passage.file, hit.score), hit.score)
            results.append(list(best.items())[:10])
        return results

    rank.retriever = retriever  # type: ignore[attr-defined]  (calibrated in quality_report)
    return rank


@dataclass(frozen=True)
class Metrics:
    hit1: float
    hit5: float
    mrr10: float
    ndcg10: float
    queries: int


def score_rankings(rankings: list[list[tuple[str, float]]], relevant: list[set[str]]) -> Metrics:
    hit1 = hit5 = mrr = ndcg = 0.0
    for ranking, gold in zip(rankings, relevant, strict=True):
        ids = [doc for doc, _ in ranking[:10]]
        first = next((rank for rank, doc in enumerate(ids, 1) if doc in gold), None)
        hit1 += first == 1
        hit5 += first is not None and first <= 5
        mrr += 1 / first if first else 0
        dcg = sum(1 / math.log2(rank + 1) for rank, doc in enumerate(ids, 1) if doc in gold)
        ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(gold), 10) + 1))
        ndcg += dcg / ideal
    n = max(len(rankings), 1)
    return Metrics(hit1 / n, hit5 / n, mrr / n, ndcg / n, len(rankings))


def evaluate(ranker: Ranker, dataset: Dataset) -> Metrics:
    queries = [q for q in dataset.queries if q["id"] in dataset.relevant]
    rankings = ranker([q["text"] for q in queries])
    return score_rankings(rankings, [dataset.relevant[q["id"]] for q in queries])


@dataclass(frozen=True)
class Abstention:
    """How well "I don't know" is said: precision and recall of abstaining, and how often
    an answerable question still gets its right answer."""

    abstained: int
    precision: float
    recall: float
    answered_correctly: float
    unanswerable: int
    questions: int


def abstention(dataset: Dataset, rankings: list[list[tuple[str, float]]], threshold: float) -> Abstention:
    """Abstain where the best score is below `threshold` (the first document's, unless ours reranked it);
    `rankings` follow dataset.queries."""
    abstained = [not r or max(score for _, score in r) < threshold for r in rankings]
    unanswerable = [not q.get("answerable", True) for q in dataset.queries]
    right = [
        not a and r[0][0] in dataset.relevant.get(q["id"], set())
        for q, r, a in zip(dataset.queries, rankings, abstained, strict=True)
    ]
    true_positives = sum(a and u for a, u in zip(abstained, unanswerable, strict=True))
    answerable = len(unanswerable) - sum(unanswerable)
    return Abstention(
        abstained=sum(abstained),
        precision=true_positives / max(sum(abstained), 1),
        recall=true_positives / max(sum(unanswerable), 1),
        answered_correctly=sum(r and not u for r, u in zip(right, unanswerable, strict=True)) / max(answerable, 1),
        unanswerable=sum(unanswerable),
        questions=len(unanswerable),
    )


def threshold_abstaining_on(rankings: list[list[tuple[str, float]]], count: int) -> float:
    """The score cut below which exactly the `count` lowest-scoring questions fall: baselines
    abstain as often as ours does, so abstention precision compares like with like."""
    tops = sorted(max(score for _, score in r) if r else float("-inf") for r in rankings)
    return tops[count - 1] + 1e-9 if 0 < count <= len(tops) else float("-inf")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells)

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def find_datasets(folder: Path) -> list[Dataset]:
    """Every folder at or below `folder` holding corpus.jsonl, queries.jsonl and qrels.tsv."""
    found = sorted((q.parent for q in folder.rglob("qrels.tsv")), key=lambda f: (len(f.parts), f))
    return [
        load_dataset(f, f.relative_to(folder.parent).as_posix())
        for f in found
        if (f / "corpus.jsonl").exists() and (f / "queries.jsonl").exists()
    ]


def quality_report(
    folder: Path, encoder: Encoder, clinic_reply_kind: Callable[[str], str] | None = None
) -> list[str]:
    """The public datasets' part of the `make eval` report: retrieval on every dataset under `folder` in
    both views; abstention where queries say whether they are answerable, at the threshold calibrated on
    that knowledge (as the bot would); and, given `clinic_reply_kind` (the kind of reply the running bot
    gives), how often the clinic's own bot declines the first dataset's questions."""
    datasets = find_datasets(folder)
    if not datasets:
        raise FileNotFoundError(f"no corpus.jsonl + queries.jsonl + qrels.tsv under {folder}")
    retrieval_rows: list[list[str]] = []
    calibration_lines: list[str] = []
    abstention_rows: list[list[str]] = []
    for dataset in datasets:
        name = dataset.name
        questions = [q["text"] for q in dataset.queries]
        for with_questions, view in ((True, "question+answer"), (False, "answer only")):
            systems = {
                "BM25 only": bm25_ranker(dataset.corpus, with_questions),
                "dense only": dense_ranker(dataset.corpus, encoder, with_questions),
                "ours": bot_ranker(dataset.corpus, encoder, with_questions),
            }
            rankings = {system: ranker(questions) for system, ranker in systems.items()}
            for system, ranked in rankings.items():
                judged = [
                    (r, dataset.relevant[q["id"]])
                    for q, r in zip(dataset.queries, ranked, strict=True)
                    if q["id"] in dataset.relevant
                ]
                m = score_rankings([r for r, _ in judged], [g for _, g in judged])
                metrics = (m.hit1, m.hit5, m.mrr10, m.ndcg10)
                retrieval_rows.append([f"{name} / {view}", system, *(f"{x:.3f}" for x in metrics), str(m.queries)])
            if not any("answerable" in q for q in dataset.queries):
                continue
            retriever = systems["ours"].retriever  # type: ignore[attr-defined]
            questions_off = list(calibration_questions())
            calibration = calibrate(retriever, questions_off, encoder.encode_queries(questions_off))
            calibration_lines.append(f"  {name} / {view}: {calibration.describe()}")
            score_of_threshold = retriever.settings.score_of(calibration.threshold)
            ours = abstention(dataset, rankings["ours"], score_of_threshold)
            for system, ranked in rankings.items():
                cut = score_of_threshold if system == "ours" else threshold_abstaining_on(ranked, ours.abstained)
                a = abstention(dataset, ranked, cut)
                figures = (f"{a.precision:.2f}", f"{a.recall:.2f}", f"{a.answered_correctly:.2f}")
                abstention_rows.append([f"{name} / {view}", system, *figures, f"{a.abstained}/{a.questions}"])

    lines = ["Retrieval (a document ranks by its best passage)"]
    lines += _table(["dataset / view", "system", "Hit@1", "Hit@5", "MRR@10", "nDCG@10", "queries"], retrieval_rows)
    if abstention_rows:
        lines += ["", 'Abstention: "I don\'t know" below the calibrated threshold (baselines cut to abstain as often)']
        lines += calibration_lines
        header = ["dataset / view", "system", "IDK precision", "IDK recall", "answerable answered right", "abstained"]
        lines += _table(header, abstention_rows)
    if clinic_reply_kind:
        questions = [q["text"] for q in datasets[0].queries]
        declined = sum(clinic_reply_kind(q) != ReplyKind.ANSWER for q in questions)
        lines += [
            "",
            f"Off-topic: {datasets[0].name}'s questions asked of the clinic's own knowledge/",
            f"  declined (no passage given): {declined}/{len(questions)} = {declined / len(questions):.2f}",
        ]
    return lines
