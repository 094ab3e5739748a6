"""Cells of the CSV files staff open in a spreadsheet: visitors' words must never run as formulas."""

from __future__ import annotations

import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
# Written first, so that spreadsheet programs read the file as UTF-8 (accented names intact).
BOM = "\ufeff"


def safe_cell(value: object) -> object:
    """Visitors' words could be formulas ("=HYPERLINK(...)") that a spreadsheet would run: quote them.
    NFKC first, so that a full-width "＝" is the "=" a spreadsheet reads, and without invisible characters,
    so that none can hide the "=" from this check."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFKC", value).translate(_INVISIBLE)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
