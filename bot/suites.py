"""Visitor suites: questions as visitors type them, with the reply each should get (eval/visitors/).

Each suite is asked of its own knowledge folder through a real Assistant, in conversations: a follow-up
is asked after its first question, a question with a page is asked from that page. The report gives,
by question type, how often the reply was the right one.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.replies import Answer, Context, ReplyKind
from bot.yaml_parsing import parse_yaml

# What a suite's `expect` names, as reply kinds.
EXPECTED_KIND = {
    "answer": ReplyKind.ANSWER,
    "fallback": ReplyKind.FALLBACK,
    "emergency": ReplyKind.EMERGENCY,
    "advice": ReplyKind.REFERRAL,
    "smalltalk": ReplyKind.SMALLTALK,
}


@dataclass(frozen=True)
class VisitorQuestion:
    id: str
    text: str
    type: str
    expect: ReplyKind
    sections: tuple[str, ...] = ()  # "file > heading" of the sections that answer it
    page: str | None = None
    after: str | None = None  # the question asked just before, in the same conversation
    intent: str | None = None


@dataclass(frozen=True)
class Suite:
    name: str
    knowledge: Path  # a knowledge folder (its safety.yaml may be missing: the project's is used)
    questions: list[VisitorQuestion]


@dataclass(frozen=True)
class Outcome:
    question: VisitorQuestion
    answer: Answer

    @property
    def section(self) -> str | None:
        return section_of(self.answer)

    @property
    def right(self) -> bool:
        expected, answer = self.question, self.answer
        if answer.kind != expected.expect:
            return False
        if expected.expect == ReplyKind.ANSWER:
            return self.section in expected.sections
        if expected.expect == ReplyKind.SMALLTALK and expected.intent:
            return str(answer.intent) == expected.intent
        return True


def section_of(answer: Answer) -> str | None:
    """`file > heading` of an answer's passage (`(intro)` before the first heading)."""
    if not answer.sources:
        return None
    source = answer.sources[0]
    heading = source.heading.split(" › ")[-1] if source.heading else "(intro)"
    return f"{source.file} > {heading}"


def load_suite(folder: Path, default_knowledge: Path) -> Suite:
    raw = parse_yaml((folder / "questions.yaml").read_text("utf-8"))
    questions = []
    for entry in raw:
        sections = entry.get("section") or ()
        questions.append(
            VisitorQuestion(
                id=str(entry["id"]),
                text=str(entry["q"]),
                type=str(entry["type"]),
                expect=EXPECTED_KIND[entry["expect"]],
                sections=(sections,) if isinstance(sections, str) else tuple(sections),
                page=entry.get("page"),
                after=entry.get("after"),
                intent=entry.get("intent"),
            )
        )
    knowledge = folder / "knowledge" if (folder / "knowledge").is_dir() else default_knowledge
    return Suite(folder.name, knowledge, questions)


def find_suites(folder: Path, default_knowledge: Path) -> list[Suite]:
    return [load_suite(q.parent, default_knowledge) for q in sorted(folder.glob("*/questions.yaml"))]


def knowledge_with_safety(suite: Suite, safety_file: Path, into: Path) -> Path:
    """A copy of the suite's knowledge folder with the project's safety rules, as a clinic would ship it."""
    target = Path(shutil.copytree(suite.knowledge, into / "knowledge"))
    if not (target / safety_file.name).exists():
        shutil.copy(safety_file, target / safety_file.name)
    return target


def ask_all(
    questions: Iterable[VisitorQuestion],
    answer: Callable[[str, Context], Answer],
    prepare: Callable[[list[str]], None] | None = None,
) -> list[Outcome]:
    """Each question in a conversation of its own: its `after` question first, then itself. `prepare`
    (`Assistant.prepare`) is given every text to be asked first."""
    questions = list(questions)
    if prepare:
        prepare([text for question in questions for text in (question.after, question.text) if text])
    outcomes = []
    for question in questions:
        context = Context(page=question.page)
        if question.after:
            context = context.after(answer(question.after, context), question.after)
        outcomes.append(Outcome(question, answer(question.text, context)))
    return outcomes


@dataclass(frozen=True)
class SuiteScores:
    answered_right: float  # of the questions the knowledge answers, the right section given
    fallback_right: float  # of the questions it does not answer, "I don't know" said
    clarify_rate: float  # of the answerable questions, "Did you mean…" asked
    emergency_recall: float
    false_alarms: float  # emergency replies to questions that are not red flags
    referred: float  # personal-advice questions referred to the clinicians
    small_talk_right: float
    answerable: int
    red_flags: int
    ordinary: int


def scores(outcomes: list[Outcome]) -> SuiteScores:
    def share(selected: list[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(map(test, selected)) / len(selected) if selected else float("nan")

    by_expect: dict[ReplyKind, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_expect[outcome.question.expect].append(outcome)
    answerable = by_expect[ReplyKind.ANSWER]
    ordinary = [o for o in outcomes if o.question.expect != ReplyKind.EMERGENCY]
    return SuiteScores(
        answered_right=share(answerable, lambda o: o.right),
        fallback_right=share(by_expect[ReplyKind.FALLBACK], lambda o: o.right),
        clarify_rate=share(answerable, lambda o: o.answer.kind == ReplyKind.CLARIFY),
        emergency_recall=share(by_expect[ReplyKind.EMERGENCY], lambda o: o.right),
        false_alarms=share(ordinary, lambda o: o.answer.kind == ReplyKind.EMERGENCY),
        referred=share(by_expect[ReplyKind.REFERRAL], lambda o: o.right),
        small_talk_right=share(by_expect[ReplyKind.SMALLTALK], lambda o: o.right),
        answerable=len(answerable),
        red_flags=len(by_expect[ReplyKind.EMERGENCY]),
        ordinary=len(ordinary),
    )


def by_type_rows(outcomes: list[Outcome]) -> list[list[str]]:
    """Per question type: how many, how many right, and what the bot replied."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.question.type].append(outcome)
    rows = []
    for kind in sorted(groups):
        group = groups[kind]
        replies = Counter(o.answer.kind for o in group)
        right = sum(o.right for o in group)
        mix = " ".join(f"{k}:{replies[k]}" for k in ReplyKind if replies[k])
        rows.append([kind, str(len(group)), f"{right / len(group):.2f}", mix])
    return rows


def failures(outcomes: list[Outcome]) -> list[str]:
    lines = []
    for o in outcomes:
        if o.right:
            continue
        q, a = o.question, o.answer
        got = f"{a.kind}" + (f" {o.section}" if o.section else "") + f" ({a.confidence:.2f})"
        want = f"{q.expect}" + (f" {' | '.join(q.sections)}" if q.sections else "")
        after = f" [after: {q.after}]" if q.after else ""
        page = f" [page: {q.page}]" if q.page else ""
        lines.append(f"{q.id} {q.type}: {q.text!r}{after}{page}\n    got {got}; want {want}")
    return lines


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="bot-suite-"))


def suite_report(suites: list[Suite], run: Callable[[Suite], tuple[list[Outcome], str]]) -> list[str]:
    """The visitor suites' part of the `make eval` report. `run` asks a suite's questions of a bot built on
    its knowledge and returns the outcomes with a line on how that bot's threshold was set."""
    from bot.evaluation import _table  # the report's one table format

    summary: list[list[str]] = []
    details: list[str] = []
    for suite in suites:
        outcomes, calibration = run(suite)
        s = scores(outcomes)
        summary.append(
            [
                suite.name,
                str(len(outcomes)),
                f"{s.answered_right:.2f}",
                f"{s.fallback_right:.2f}",
                f"{s.clarify_rate:.2f}",
                f"{s.emergency_recall:.2f}",
                f"{s.false_alarms:.3f}",
                f"{s.referred:.2f}",
                f"{s.small_talk_right:.2f}",
            ]
        )
        details += ["", f"{suite.name}: {calibration}"]
        details += _table(["question type", "questions", "right", "replies"], by_type_rows(outcomes))
    header = [
        "suite",
        "questions",
        "answered right",
        "fallback right",
        "clarify",
        "emergency recall",
        "false alarms",
        "referred",
        "small talk",
    ]
    lines = ["Visitor suites (eval/visitors): questions as visitors type them, in conversations"]
    return lines + _table(header, summary) + details


PHRASINGS_FILE = "safety-phrasings.yaml"


@dataclass(frozen=True)
class SafetyPhrasings:
    """Messages written blind about red flags, personal advice and ordinary worries (eval/visitors/
    safety-phrasings.yaml): asked of every suite's knowledge, each on its own."""

    emergency: tuple[str, ...]
    advice: tuple[str, ...]
    ordinary: tuple[str, ...]
    general: tuple[str, ...] = ()  # everyday questions naming a condition: the pages answer, not the clinicians

    @classmethod
    def load(cls, folder: Path) -> SafetyPhrasings | None:
        path = folder / PHRASINGS_FILE
        if not path.exists():
            return None
        raw = parse_yaml(path.read_text("utf-8"))
        required = [tuple(str(q) for q in raw[group]) for group in ("emergency", "advice", "ordinary")]
        return cls(*required, general=tuple(str(q) for q in raw.get("general") or ()))

    def row(self, name: str, answer: Callable[[str], Answer]) -> list[str]:
        """Red flags that got the emergency message, advice referred, ordinary worries that raised the alarm,
        everyday questions referred."""

        def count(questions: tuple[str, ...], kind: ReplyKind) -> str:
            return f"{sum(answer(q).kind == kind for q in questions)}/{len(questions)}"

        return [
            name,
            count(self.emergency, ReplyKind.EMERGENCY),
            count(self.advice, ReplyKind.REFERRAL),
            count(self.ordinary, ReplyKind.EMERGENCY),
            count(self.general, ReplyKind.REFERRAL),
        ]


def phrasings_report(rows: list[list[str]]) -> list[str]:
    from bot.evaluation import _table

    lines = [f"Safety phrasings written blind ({PHRASINGS_FILE}), asked of each suite's knowledge"]
    header = ["knowledge", "red flags: emergency", "advice: referred", "ordinary: alarm", "general: referred"]
    return lines + _table(header, rows)
