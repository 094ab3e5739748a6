"""Content gaps: questions the bot could not answer (or answered badly), grouped by meaning.

Pure functions on questions and their unit embeddings, no Flask: the dashboard embeds the
questions with the assistant's encoder and shows what comes out, biggest groups first, so a
clinic manager sees which missing answers matter most.

Grouping is average-linkage agglomerative clustering on cosine similarity: two groups merge while
their questions are, on average, at least `threshold` alike. Average linkage (rather than "any two
questions alike") keeps a chain of loosely related questions from collapsing into one big group.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# all-MiniLM-L6-v2: rewordings of one question ("where can I park my car" / "is there parking near
# the clinic?") score about 0.55-0.85, different topics ("botox price" / "microneedling price") 0.45.
DEFAULT_THRESHOLD = 0.55
MAX_DISTINCT = 3000  # O(n²) memory: beyond this the oldest questions are left out by the caller


@dataclass(frozen=True)
class Example:
    question: str
    count: int  # how many times it was asked in these words


@dataclass(frozen=True)
class GapGroup:
    label: str  # the most central question of the group
    count: int  # questions in the group, repeats included
    examples: tuple[Example, ...]  # distinct wordings, most asked (then most central) first
    members: tuple[int, ...]  # positions in the input of every question in the group


def normalise_question(question: str) -> str:
    """The key two wordings share when they differ only in case, spacing or end punctuation."""
    return " ".join(question.casefold().split()).rstrip(" ?!.").strip()


# What a question asks for: two questions that ask for different things ("how long does a session take" /
# "how many sessions will I need") are never one gap, however alike their words are to the model.
_ASKS_FOR = (
    ("duration", re.compile(r"\bhow long\b|\bhow many (?:minutes|hours|days|weeks|months)\b")),
    ("number", re.compile(r"\bhow many\b")),
    ("price", re.compile(r"\bhow much\b|\b(?:cost|costs|price|prices|fee|fees)\b")),
    ("frequency", re.compile(r"\bhow often\b")),
    ("place", re.compile(r"\bwhere\b")),
    ("time", re.compile(r"\bwhen\b|\bwhat time\b")),
)


def asks_for(question: str) -> str | None:
    """The kind of answer a question wants (duration, number, price, …), or None when it does not say."""
    text = question.casefold()
    return next((kind for kind, pattern in _ASKS_FOR if pattern.search(text)), None)


def average_linkage(vectors: np.ndarray, threshold: float, apart: np.ndarray | None = None) -> list[list[int]]:
    """Cluster unit vectors: merge the two most alike clusters (mean pairwise cosine) while that
    mean is at least `threshold`. `apart[i, j]` true keeps rows i and j (and so their clusters) apart.
    Returns clusters as lists of row positions."""
    n = len(vectors)
    if n == 0:
        return []
    sim = (vectors @ vectors.T).astype(np.float64)
    if apart is not None:
        sim[apart] = -np.inf  # an average with -inf in it stays -inf: the clusters never merge
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    members: list[list[int]] = [[i] for i in range(n)]
    active = np.ones(n, dtype=bool)
    best = sim.max(axis=1)  # each row's best partner (cached; refreshed after every merge)
    partner = sim.argmax(axis=1)

    def refresh(row: int) -> None:
        partner[row] = int(np.argmax(sim[row]))
        best[row] = sim[row, partner[row]]

    while True:
        i = int(np.argmax(np.where(active, best, -np.inf)))
        if not active[i] or best[i] < threshold:
            break
        j = int(partner[i])
        # Lance-Williams update for average linkage: the merged cluster's mean similarity to each other.
        merged = (sizes[i] * sim[i] + sizes[j] * sim[j]) / (sizes[i] + sizes[j])
        sim[i], sim[:, i] = merged, merged
        sim[i, i] = -np.inf
        sim[j], sim[:, j] = -np.inf, -np.inf
        sizes[i] += sizes[j]
        members[i] += members[j]
        members[j] = []
        active[j] = False
        best[j] = -np.inf
        refresh(i)
        stale = np.flatnonzero(active & ((partner == i) | (partner == j)))
        for row in stale:
            refresh(int(row))
        better = np.flatnonzero(active & (sim[:, i] > best))
        partner[better], best[better] = i, sim[better, i]
    return [group for group, alive in zip(members, active, strict=True) if alive]


def group_questions(
    questions: Sequence[str],
    vectors: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[GapGroup]:
    """Group questions (with their unit embeddings, one row each) by meaning, biggest groups first.

    Wordings that differ only in case, spacing or end punctuation count as one. Each group's label
    is its most central wording: the one most like all the others, repeats weighted in."""
    if len(questions) != len(vectors):
        raise ValueError("one embedding per question")
    keys: dict[str, int] = {}
    positions: list[list[int]] = []
    for position, question in enumerate(questions):
        key = normalise_question(question)
        if not key:
            continue
        if key not in keys:
            keys[key] = len(positions)
            positions.append([])
        positions[keys[key]].append(position)
    if not positions:
        return []

    firsts = [group[0] for group in positions]
    distinct = np.asarray(vectors, dtype=np.float32)[firsts]
    weights = np.array([len(group) for group in positions], dtype=np.float64)
    groups = []
    kinds = np.array([asks_for(questions[first]) or "" for first in firsts], dtype=object)
    apart = (kinds[:, None] != kinds[None, :]) & (kinds[:, None] != "") & (kinds[None, :] != "")
    for cluster in average_linkage(distinct, threshold, apart):
        rows = np.array(cluster)
        centrality = (distinct[rows] @ distinct[rows].T) @ weights[rows]
        order = sorted(range(len(rows)), key=lambda k: (-weights[rows[k]], -centrality[k], firsts[rows[k]]))
        examples = tuple(Example(_display(questions, positions[rows[k]]), int(weights[rows[k]])) for k in order)
        central = max(range(len(rows)), key=lambda k: (centrality[k], weights[rows[k]], -firsts[rows[k]]))
        members = tuple(sorted(p for k in rows for p in positions[k]))
        groups.append(GapGroup(_display(questions, positions[rows[central]]), len(members), examples, members))
    groups.sort(key=lambda g: (-g.count, g.members[0]))
    return groups


def _display(questions: Sequence[str], positions: list[int]) -> str:
    """The wording to show for questions that share a key: the most common one, tidied."""
    wordings = [re.sub(r"\s+", " ", questions[p]).strip() for p in positions]
    return max(dict.fromkeys(wordings), key=wordings.count)
