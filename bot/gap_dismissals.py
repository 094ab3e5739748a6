"""Content gaps staff have dismissed (off-topic: "what's the weather"), kept out of the gaps page.

A small JSON file in the instance folder, by each question's normalised wording (gaps.normalise_question),
with the day it was dismissed. The same wording asked again stays dismissed; another wording shows up.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bot.gaps import normalise_question

FILE_NAME = "dismissed-gaps.json"
_lock = threading.Lock()


class Dismissals:
    def __init__(self, instance_dir: Path) -> None:
        self.path = Path(instance_dir) / FILE_NAME

    def keys(self) -> set[str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return set()
        return set(data) if isinstance(data, dict) else set()

    def dismiss(self, questions: Iterable[str]) -> int:
        """Dismiss these wordings; returns how many were new."""
        with _lock:
            try:
                data = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError):
                data = {}
            today = datetime.now(UTC).date().isoformat()
            new = {key for key in map(normalise_question, questions) if key and key not in data}
            data.update(dict.fromkeys(new, today))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            staging = self.path.with_suffix(".tmp")
            staging.write_text(json.dumps(data, ensure_ascii=False, indent=0), "utf-8")
            os.replace(staging, self.path)
            return len(new)
