"""The bot's own sentences in the visitor's language.

Staff write them in clinic.yaml under `replies`, one block per language (English and Spanish are shipped);
the widget sends its `data-lang` with each question. A language, or a sentence, the clinic has not written
falls back to the base language ("es" for "es-MX"), then to English. Knowledge passages are never
translated: they stay in the language staff wrote them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.replies import Answer, ReplyKind

DEFAULT_LANGUAGE = "en"
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")


class ReplyText(StrEnum):
    """Each sentence of the bot's own that a clinic may write per language (the keys under `replies.<lang>`)."""

    FALLBACK = "fallback"
    REFERRAL = "referral"
    EMERGENCY = "emergency"
    CLARIFY = "clarify"
    GREETING = "greeting"
    DISCLAIMER = "disclaimer"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HUMAN = "human"
    IDENTITY = "identity"
    HOW_ARE_YOU = "how_are_you"
    ACKNOWLEDGE = "acknowledge"


def language_code(raw: object) -> str | None:
    """A language tag as the widget sends it ("es", "pt-BR"), lower-cased, or None when it is not one."""
    if not isinstance(raw, str):
        return None
    code = raw.strip().lower().replace("_", "-")
    return code if _LANGUAGE.match(code) else None


@dataclass(frozen=True)
class ReplyTexts:
    """The clinic's sentences by language code, then by ReplyText."""

    by_language: dict[str, dict[ReplyText, str]] = field(default_factory=dict)

    def pick(self, language: str | None, key: ReplyText) -> str | None:
        """The sentence in `language`, else its base language, else English; None when none is written."""
        code = language_code(language) or DEFAULT_LANGUAGE
        for candidate in dict.fromkeys((code, code.split("-")[0], DEFAULT_LANGUAGE)):
            text = self.by_language.get(candidate, {}).get(key)
            if text:
                return text
        return None


def text_key(answer: Answer) -> ReplyText | None:
    """Which of the clinic's sentences an answer's text is; None for a passage (never translated)."""
    if answer.kind == ReplyKind.SMALLTALK:
        return ReplyText(str(answer.intent)) if answer.intent else None
    return {
        ReplyKind.FALLBACK: ReplyText.FALLBACK,
        ReplyKind.REFERRAL: ReplyText.REFERRAL,
        ReplyKind.EMERGENCY: ReplyText.EMERGENCY,
        ReplyKind.CLARIFY: ReplyText.CLARIFY,
    }.get(answer.kind)
