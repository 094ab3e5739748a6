"""The reply contract every transport returns: its kinds, its sources and the conversation context."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class ReplyKind(StrEnum):
    ANSWER = "answer"  # a passage from the knowledge files
    CLARIFY = "clarify"  # "Did you mean…": the question could be about several sections
    FALLBACK = "fallback"  # "I don't have information about that", with the clinic's contacts
    REFERRAL = "referral"  # personal medical advice asked: "please ask our clinicians", with the contacts
    EMERGENCY = "emergency"  # urgent symptoms: the emergency message, nothing else first
    SMALLTALK = "smalltalk"  # greetings, thanks, goodbye, "can I talk to a person"


class Intent(StrEnum):
    """What a small-talk message wants."""

    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HUMAN = "human"  # a real person: the reply offers the clinic's phone, e-mail and booking link
    IDENTITY = "identity"
    HOW_ARE_YOU = "how_are_you"
    ACKNOWLEDGE = "acknowledge"  # "ok", "yes", "got it": the bot asks what else it can help with


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
    markdown: str | None = None  # `passage` in the widget's Markdown subset (bot/markdown.py), if it has any


@dataclass(frozen=True)
class Answer:
    kind: ReplyKind
    text: str
    confidence: float
    sources: list[Source] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    # The passage's key sentence (the reply leads with it); for a referral, the source is general information.
    lead: str | None = None
    intent: Intent | None = None  # for small talk
    # The question as the bot read it, when that is not as it was typed ("and botox?" read as "how long
    # does a last and what about botox?"): the next question's context keeps it. Not sent to clients.
    read_as: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["read_as"]
        data["kind"] = str(self.kind)
        data["intent"] = str(self.intent) if self.intent else None
        for source in data["sources"]:
            source["highlights"] = [list(span) for span in source["highlights"]]
        return data


@dataclass(frozen=True)
class Context:
    """Where a question is asked: the page the visitor is reading, the passage answered last and the
    question it answered. Any may be None; a question that names its own topic is not bent by them, unless
    that topic is the last answer's page or the question points back first ("is that on the nhs"; see
    TopicFinder.topic; only "and what about fillers?" takes the rest of the previous question: see
    AnswerPolicy)."""

    page: str | None = None  # the page's address, without its query string
    previous: str | None = None  # the id of the passage the bot answered with last
    asked: str | None = None  # the question that passage answered (kept for the conversation only)
    lang: str | None = None  # the widget's language (data-lang): the bot's own sentences are picked in it

    @classmethod
    def from_payload(cls, raw: object) -> Context:
        """From untrusted JSON: anything that is not a short string is ignored."""
        data = raw if isinstance(raw, dict) else {}

        def text(key: str, limit: int) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and 0 < len(value) <= limit else None

        return cls(
            page=text("page", 2000), previous=text("previous", 200), asked=text("asked", 1000), lang=text("lang", 20)
        )

    def after(self, answer: Answer, question: str | None = None) -> Context:
        """The context for the next question of the same conversation: the passage of an answer (or of a
        referral's general information) becomes its topic, with the `question` it answered; other
        replies leave the context as it was."""
        if answer.kind in (ReplyKind.ANSWER, ReplyKind.REFERRAL) and answer.sources:
            return Context(self.page, answer.sources[0].id, answer.read_as or question, self.lang)
        return self
