"""Remove what could identify a visitor from a question before it is stored."""

from __future__ import annotations

import re

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

# Order matters: e-mails before numbers, dates before phone numbers and long digit runs.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE), "[email]"),
    (re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b"), "[date]"),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{2,4}}\b", re.IGNORECASE), "[date]"),
    (re.compile(rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b", re.IGNORECASE), "[date]"),
    (re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{5,}\d\b"), "[phone]"),
    (re.compile(r"\b\d{5,}\b"), "[number]"),
]


def redact(text: str) -> str:
    """The question with e-mail addresses, dates, phone numbers and long digit runs replaced by tags."""
    for pattern, tag in _RULES:
        text = pattern.sub(tag, text)
    return text
