"""The answer policy: validate → emergency → small talk → personal advice → retrieve → answer or fallback.

Every reply is either a retrieved passage, a fixed message built from clinic.yaml,
or a short small-talk line: the bot never writes medical text of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from bot.knowledge import ClinicSettings, SafetyRules
from bot.passages import key_sentence_spans
from bot.retrieval import Hit, Retriever

MAX_QUESTION_CHARS = 1000


class QuestionError(ValueError):
    """A question the bot cannot take, with a stable code for clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Source:
    id: str  # the passage id
    title: str
    url: str | None
    file: str
    heading: str
    passage: str
    highlights: list[tuple[int, int]]
    score: float


@dataclass(frozen=True)
class Answer:
    kind: str  # "answer" | "fallback" | "emergency" | "smalltalk"
    text: str
    confidence: float
    sources: list[Source] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        for source in data["sources"]:
            source["highlights"] = [list(span) for span in source["highlights"]]
        return data


@dataclass(frozen=True)
class PolicySettings:
    # Below this confidence the bot says it does not know (calibrated in README: "Quality").
    answer_threshold: float = 0.35
    max_suggestions: int = 3


def validate_question(raw: object) -> str:
    if not isinstance(raw, str):
        raise QuestionError("invalid_question", "The question must be text.")
    # Control characters become spaces; lone surrogates (not text at all) become "?".
    question = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", raw).encode("utf-8", "replace").decode("utf-8")
    question = question.strip()
    if not question:
        raise QuestionError("empty_question", "Please type a question.")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError("question_too_long", f"Please keep your question under {MAX_QUESTION_CHARS:,} characters.")
    return question


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped (can't → cant), everything else not a letter or digit a space."""
    text = text.lower().replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


class PhraseMatcher:
    """Finds any of a list of phrases in a text; '...' in a phrase stands for up to four words."""

    def __init__(self, phrases: tuple[str, ...]) -> None:
        patterns = []
        for phrase in phrases:
            parts = [re.escape(normalise(part)) for part in phrase.split("...")]
            patterns.append(r"(?:\s\S+){0,4}\s".join(p for p in parts if p))
        self.pattern = re.compile(r"\b(?:" + "|".join(patterns) + r")\b") if patterns else None

    def find(self, text: str) -> str | None:
        match = self.pattern.search(normalise(text)) if self.pattern else None
        return match.group(0) if match else None


_SMALL_TALK = {
    "greeting": [r"(hi|hello|hey|hiya|howdy|greetings)( there)?( bot)?", r"good (morning|afternoon|evening)"],
    "thanks": [
        r"((ok|okay|great|perfect|brilliant|awesome) )?(thanks|thank you|many thanks|thx|ty|cheers)"
        r"( so much| a lot| very much)?"
    ],
    "goodbye": [
        r"(ok |okay )?(bye|goodbye|bye bye|see you|see ya|good night|have a nice day|thats all)( then| for now)?"
    ],
    "identity": [
        r"(are you|am i (talking|speaking|chatting) (to|with)|is this) (a |an )?(real )?"
        r"(person|human|bot|robot|ai|machine|computer|chatbot)",
        r"who are you|what are you",
    ],
    "how_are_you": [r"how are you( doing)?( today)?"],
}
_SMALL_TALK_PATTERNS = {kind: re.compile("|".join(patterns)) for kind, patterns in _SMALL_TALK.items()}


def small_talk_kind(question: str) -> str | None:
    text = normalise(question)
    for kind, pattern in _SMALL_TALK_PATTERNS.items():
        if pattern.fullmatch(text):
            return kind
    return None


class AnswerPolicy:
    def __init__(
        self,
        retriever: Retriever,
        clinic: ClinicSettings,
        safety: SafetyRules,
        settings: PolicySettings | None = None,
        encode_sentences: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        self.retriever = retriever
        # Sentence vectors for key sentences; the assistant passes a cache warmed in the background.
        self.encode_sentences = encode_sentences or retriever.encoder.encode_queries
        self.clinic = clinic
        self.settings = settings or PolicySettings()
        self.emergency = PhraseMatcher(safety.emergency)
        self.personal_advice = PhraseMatcher(safety.personal_advice)

    def run(self, raw_question: object) -> Answer:
        question = validate_question(raw_question)
        if self.emergency.find(question):
            return self.emergency_answer()
        kind = small_talk_kind(question)
        if kind:
            return self.small_talk(kind)
        if self.personal_advice.find(question):
            return self.personal_advice_answer()
        vector = self.retriever.encoder.encode_queries([question])[0]
        hits = self.retriever.search(question, vector, k=8)
        return self.from_hits(hits, vector)

    # --- the four kinds of reply -------------------------------------------------------------

    def confidence(self, hit: Hit) -> float:
        """The fused score mapped onto 0..1 (a perfect passage and word match scores 1)."""
        best = 1.0 + self.retriever.settings.lexical_weight
        return float(np.clip(hit.score / best, 0.0, 1.0))

    def from_hits(self, hits: list[Hit], vector: np.ndarray) -> Answer:
        if not hits or self.confidence(hits[0]) < self.settings.answer_threshold:
            confidence = self.confidence(hits[0]) if hits else 0.0
            return self.fallback(confidence, self.suggestions(hits, exclude=None))
        best = hits[0]
        source = Source(
            id=best.passage.id,
            title=best.passage.title,
            url=best.passage.url,
            file=best.passage.file,
            heading=best.passage.heading,
            passage=best.passage.text,
            highlights=self.key_sentences(best.passage.text, vector),
            score=round(best.score, 4),
        )
        return Answer(
            kind="answer",
            text=best.passage.text,
            confidence=round(self.confidence(best), 4),
            sources=[source],
            suggestions=self.suggestions(hits[1:], exclude=best),
        )

    def fallback(self, confidence: float = 0.0, suggestions: list[str] | None = None) -> Answer:
        c = self.clinic
        text = (
            f"I don't have information about that. You can call us on {c.phone}, "
            f"e-mail {c.email}, or book an appointment at {c.booking_url}."
        )
        return Answer("fallback", text, round(confidence, 4), [], suggestions or [])

    def personal_advice_answer(self) -> Answer:
        c = self.clinic
        text = (
            "I can't give personal medical advice, a diagnosis or advice on medicines. "
            f"Please ask one of our clinicians: call us on {c.phone}, e-mail {c.email}, "
            f"or book a consultation at {c.booking_url}."
        )
        return Answer("fallback", text, 0.0)

    def emergency_answer(self) -> Answer:
        c = self.clinic
        text = (
            f"This may need urgent help. Call {c.emergency_number} now or go to the nearest emergency department. "
            f"If you are thinking about suicide or harming yourself, call or text {c.crisis_line} "
            "to talk to someone right away."
        )
        return Answer("emergency", text, 1.0)

    def small_talk(self, kind: str) -> Answer:
        c = self.clinic
        replies = {
            "greeting": c.greeting,
            "thanks": "You're welcome! Is there anything else I can help with?",
            "goodbye": f"Goodbye, and thank you for contacting {c.name}.",
            "identity": (
                f"I'm {c.name}'s automated assistant, not a person. I answer from the clinic's own pages; "
                f"to talk to our team, call {c.phone}."
            ),
            "how_are_you": "I'm an automated assistant, so always ready to help. What would you like to know?",
        }
        return Answer("smalltalk", replies[kind], 1.0)

    # --- pieces of an answer -----------------------------------------------------------------

    def key_sentences(self, text: str, vector: np.ndarray) -> list[tuple[int, int]]:
        """Character spans of the sentence closest in meaning to the question."""
        candidates = key_sentence_spans(text)
        if len(candidates) <= 1:
            return candidates
        sentence_vectors = self.encode_sentences([text[a:b] for a, b in candidates])
        return [candidates[int(np.argmax(sentence_vectors @ vector))]]

    def suggestions(self, hits: list[Hit], exclude: Hit | None) -> list[str]:
        """Related questions: FAQ questions or section headings of the next-best passages."""
        floor = self.settings.answer_threshold * 0.8
        taken = {self._suggestion(exclude)} if exclude else set()
        found: list[str] = []
        for hit in hits:
            label = self._suggestion(hit)
            if label in taken or self.confidence(hit) < floor:
                continue
            taken.add(label)
            found.append(label)
            if len(found) == self.settings.max_suggestions:
                break
        return found

    @staticmethod
    def _suggestion(hit: Hit) -> str:
        passage = hit.passage
        return passage.question or (passage.headings[-1] if passage.headings else passage.title)
