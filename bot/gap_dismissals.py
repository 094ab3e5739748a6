"""Content gaps staff have dismissed (off-topic: "what's the weather"), kept out of the gaps page.

A small JSON file in the instance folder, by each question's normalised wording (gaps.normalise_question),
with the day it was dismissed. The same wording asked again stays dismissed; another wording shows up.
A dismissal is kept as long as visitors' questions are (the store's retention period): the wordings are
visitors' own, and past that time the questions it hid are gone from the store too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.fileops import file_lock, write_atomically
from bot.gaps import normalise_question

FILE_NAME = "dismissed-gaps.json"


class Dismissals:
    def __init__(self, instance_dir: Path, keep_days: int = 30) -> None:
        self.path = Path(instance_dir) / FILE_NAME
        self.keep_days = keep_days

    def keys(self) -> set[str]:
        return set(self._read())

    def dismiss(self, questions: Iterable[str]) -> int:
        """Dismiss these wordings; returns how many were new. Dismissals past the retention period go."""
        with file_lock(self.path.with_name(FILE_NAME + ".lock")):
            data = self._read()
            new = {key for key in map(normalise_question, questions) if key and key not in data}
            data.update(dict.fromkeys(new, _today().isoformat()))
            write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=0))
            return len(new)

    def _read(self) -> dict[str, str]:
        """The dismissals still within the retention period (a damaged file counts as none)."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        oldest = (_today() - timedelta(days=self.keep_days)).isoformat()
        return {key: day for key, day in data.items() if isinstance(day, str) and day >= oldest}


def _today() -> date:
    return datetime.now(UTC).date()
