"""Fit the reranker's weights on the visitor suites and show how well they carry to a suite not fitted on:
`python -m bot.reranker_training [suites folder]`.

Each suite is asked, in its conversations, of its own knowledge through a real Assistant whose reranker
only records the candidates. The weights maximise the likelihood of the right sections under a softmax
over each question's candidates (a listwise loss), with an L2 penalty that keeps them small.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from bot.assistant import Assistant, AssistantConfig
from bot.embedding import Encoder
from bot.replies import Context, ReplyKind
from bot.reranking import Reranker, RerankWeights, section_features
from bot.retrieval import Hit
from bot.suites import Suite, find_suites, knowledge_with_safety, temporary_folder

# Chosen from 0.01, 0.001 and 0.0001 by the share of the 51 suites' answerable questions answered with the
# right section, each suite with weights fitted on the others (replaying the candidates each question had and
# the bot's reply kind): 0.764, 0.767 and 0.765 (session 41).
L2 = 0.001


@dataclass(frozen=True)
class Candidates:
    """One question's candidates: their features (a row each) and which of them answer it."""

    features: np.ndarray
    right: np.ndarray


@dataclass(frozen=True)
class RecordingReranker(Reranker):
    """Keeps the order and remembers the hits it was given (only the first when the reranker would not
    reorder them)."""

    depth: int = Reranker.depth
    seen: list[list[Hit]] = field(default_factory=list)

    def run(self, hits: list[Hit]) -> list[Hit]:
        self.seen.append(hits if self.reorders(hits) else hits[:1])
        return hits


def candidates_of(suite: Suite, safety_file: Path, encoder: Encoder | None) -> tuple[list[Candidates], int, Encoder]:
    """The candidates of each answerable question of `suite` that has any, how many answerable
    questions it has, and the encoder (loaded once, for the next suite)."""
    folder = temporary_folder()
    try:
        knowledge = knowledge_with_safety(suite, safety_file, folder)
        recorder = RecordingReranker()
        config = AssistantConfig(knowledge, folder / "instance", answer_threshold=1e-4, reranker=recorder)
        assistant = Assistant(config, encoder=encoder)
        found = []
        answerable = [q for q in suite.questions if q.expect == ReplyKind.ANSWER]
        for question in answerable:
            context = Context(page=question.page)
            if question.after:
                context = context.after(assistant.answer(question.after, context), question.after)
            recorder.seen.clear()
            assistant.answer(question.text, context)
            if recorder.seen:
                hits = recorder.seen[-1]
                head = hits[: recorder.depth]  # what the reranker reorders; every hit weighs in for its section
                right = [section_of_hit(hit) in question.sections for hit in head]
                found.append(Candidates(section_features(hits)[: len(head)], np.array(right)))
        assistant.close()
        return found, len(answerable), assistant.encoder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def section_of_hit(hit: Hit) -> str:
    """`file > heading`, as the suites name sections."""
    return f"{hit.passage.file} > {(hit.passage.headings or ('(intro)',))[-1]}"


def fit(questions: list[Candidates], l2: float = L2) -> RerankWeights:
    """The weights that minimise the listwise loss (L-BFGS, from all-zero weights), over the questions whose
    right section is among their candidates."""
    usable = [c for c in questions if c.right.any()]
    if not usable:
        raise ValueError("no question has its right section among its candidates")
    depth, width = max(len(c.features) for c in usable), usable[0].features.shape[1]
    features = np.zeros((len(usable), depth, width))  # questions x candidates x features, padded
    present = np.zeros((len(usable), depth), dtype=bool)
    target = np.zeros((len(usable), depth))  # the right candidates share each question's probability
    for i, c in enumerate(usable):
        count = len(c.features)
        features[i, :count] = c.features
        present[i, :count] = True
        target[i, :count] = c.right / c.right.sum()

    def loss_and_gradient(weights: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.where(present, features @ weights, -np.inf)
        z -= z.max(axis=1, keepdims=True)
        log_p = np.where(present, z - np.log(np.exp(z).sum(axis=1, keepdims=True)), 0.0)
        loss = -(target * log_p).sum() / len(usable) + l2 / 2 * weights @ weights
        p = np.where(present, np.exp(log_p), 0.0)
        return loss, np.einsum("qc,qcf->f", p - target, features) / len(usable) + l2 * weights

    result = minimize(loss_and_gradient, np.zeros(width), jac=True, method="L-BFGS-B")
    return RerankWeights(*map(float, result.x))


def right_first(questions: list[Candidates], answerable: int, weights: RerankWeights) -> float:
    """Of the answerable questions, the share whose first candidate after reranking is right."""
    w = np.asarray(weights.values())
    return sum(bool(c.right[np.argmax(c.features @ w)]) for c in questions) / answerable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    project = Path(__file__).resolve().parent.parent
    parser.add_argument("suites", nargs="?", type=Path, default=project / "eval" / "visitors")
    parser.add_argument("--suite", action="append", help="only this suite (repeat for several) [all]")
    args = parser.parse_args()
    encoder = None
    data: dict[str, tuple[list[Candidates], int]] = {}
    for suite in find_suites(args.suites, project / "knowledge"):
        if args.suite and suite.name not in args.suite:
            continue
        questions, answerable, encoder = candidates_of(suite, project / "knowledge" / "safety.yaml", encoder)
        data[suite.name] = questions, answerable
    fused_only = RerankWeights(*([1.0] + [0.0] * (len(fields(RerankWeights)) - 1)))
    print("right section first, of answerable questions (reranked: weights fitted on the other suites):")
    all_answerable, all_fused, all_reranked, all_shipped = 0, 0.0, 0.0, 0.0  # right first, in questions
    for name, (questions, answerable) in data.items():
        others = [c for other, (qs, _) in data.items() if other != name for c in qs]
        before = right_first(questions, answerable, fused_only)
        after = right_first(questions, answerable, fit(others)) if others else float("nan")
        shipped = right_first(questions, answerable, RerankWeights())
        all_answerable += answerable
        all_fused += before * answerable
        all_reranked += after * answerable
        all_shipped += shipped * answerable
        print(f"  {name:22} fused {before:.3f}  reranked {after:.3f}  (shipped weights {shipped:.3f})")
    print(
        f"  {'all':22} fused {all_fused / all_answerable:.3f}  reranked {all_reranked / all_answerable:.3f}"
        f"  (shipped weights {all_shipped / all_answerable:.3f})"
    )
    fitted = fit([c for qs, _ in data.values() for c in qs])
    names = [f.name for f in fields(RerankWeights)]
    print("fitted on all:", ", ".join(f"{n}={v:.2f}" for n, v in zip(names, fitted.values(), strict=True)))


if __name__ == "__main__":
    main()
