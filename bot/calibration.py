"""The answer threshold of one knowledge base, found when it is built.

How confident a right answer looks depends on the knowledge: its size, its wording, FAQ pages or long
articles. So the threshold is not one number: the shipped questions that no clinic's pages answer
(bot/data/calibration.yaml: off-topic chat and other kinds of clinic) are asked of this knowledge,
and the threshold is set just above most of them. A few of those questions may be ones this clinic
does answer, so a high quantile is taken rather than the maximum, and the result is kept within bounds
that held on every knowledge base measured.
A question that asks for a service (bot/services.py) is left out: the policy declines it whatever its
confidence when no page names the service, and when a page does, this clinic may well offer it. A family
doctor's pages answer "do you do sti testing", "can i get a repeat prescription" and "i need a sick note",
and counted as unanswerable such questions set its threshold at 0.479 (`make eval`'s calibration table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.retrieval import Retriever
from bot.services import asked_for

# Measured with `make eval` (calibration table) on the shipped seed knowledge, the visitor suites and
# covid-faq in both views: see README "Quality". The 95th percentile was too high for a clinic whose own
# kind of service is among the shipped questions (a dental practice asked "how much is invisalign"): on
# six suites, three of them written blind (one a clinic of a new kind), the 92.5th answered 0.675 → 0.707
# of the answerable questions rightly. Taken alone it also answered 2 more of the 77 unanswerable ones (the
# 90th: 0.716, 8 of 77); with "Did you mean" narrowed to match (policy.py), no suite's fallbacks changed.
# With the questions for a service left out (session 20, eleven suites): the 95th answered 993 of 1,316
# answerable questions rightly and 169 of 187 unanswerable ones, the 92.5th 1,023 and 163, the 90th 1,034
# and 154 (with them counted, as before: 1,001 and 167).
QUANTILE = 0.925
LOWEST = 0.30
HIGHEST = 0.50
# A large knowledge base is calibrated on a sample, so an edit there stays quick.
SAMPLE_FOR_LARGE = 80
LARGE = 20_000


@dataclass(frozen=True)
class Calibration:
    threshold: float
    unanswerable: int  # how many calibration questions were asked (those asking for a service are not)
    quantiles: dict[str, float]  # their best confidences: 50th, 90th, 95th, 99th percentile, highest

    def describe(self) -> str:
        spread = ", ".join(f"{name} {value:.3f}" for name, value in self.quantiles.items())
        return f"threshold {self.threshold:.3f} from {self.unanswerable} unanswerable questions ({spread})"


def calibrate(retriever: Retriever, questions: list[str], vectors: np.ndarray) -> Calibration:
    """The threshold for `retriever`'s knowledge: most of `questions` (which it should not answer) fall
    below it. `vectors` are the questions' vectors."""
    if len(retriever.index) > LARGE and len(questions) > SAMPLE_FOR_LARGE:
        step = len(questions) / SAMPLE_FOR_LARGE
        chosen = [int(i * step) for i in range(SAMPLE_FOR_LARGE)]
        questions, vectors = [questions[i] for i in chosen], vectors[chosen]
    best = []
    for question, vector in zip(questions, vectors, strict=True):
        if asked_for(retriever.correct_spelling(question)):
            continue  # a service: declined whatever its confidence, or perhaps one this clinic offers
        found = retriever.search(question, vector, k=1)
        best.append(retriever.settings.confidence(found.best_score) if found.hits else 0.0)
    scores = np.asarray(best or [0.0])
    threshold = float(np.clip(np.quantile(scores, QUANTILE) + 0.005, LOWEST, HIGHEST))
    quantiles = {f"p{int(q * 100)}": float(np.quantile(scores, q)) for q in (0.5, 0.9, 0.95, 0.99)}
    quantiles["max"] = float(scores.max())
    return Calibration(round(threshold, 4), len(best), quantiles)
