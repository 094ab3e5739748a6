"""Versions of the index on disk, shared by every server process: instance/index/<fingerprint>/ holds a
saved version, and instance/index/CURRENT names the one every process should serve.

The protocol: one process builds at a time (`build_lock`); a process that built a version writes CURRENT
once it is saved, unless it has built a newer one meanwhile (`newest_is`); the others see CURRENT move
and load that version instead of building it (the watcher in bot/watcher.py looks every second).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.fileops import file_lock, write_atomically
from bot.passages import Passage


class IndexVersions:
    def __init__(self, index_root: Path) -> None:
        self.index_root = index_root
        self._marker_lock = threading.Lock()
        self._newest: str | None = None  # fingerprint of the newest version this process built or loaded

    def newest_is(self, fingerprint: str, saved: bool) -> None:
        """Note the newest version of this process; once it is saved, CURRENT names it (a late save of
        an older version must not send the other processes back to it)."""
        with self._marker_lock:
            if not saved:
                self._newest = fingerprint
            elif fingerprint == self._newest:
                self.write_marker(fingerprint)

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        """One process builds at a time; the others then find its saved index and load it."""
        with file_lock(self.index_root / ".lock"):
            yield

    @property
    def marker(self) -> Path:
        """instance/index/CURRENT names the version every process should serve."""
        return self.index_root / "CURRENT"

    def write_marker(self, fingerprint: str) -> None:
        if self.read_marker() == fingerprint:
            return
        write_atomically(self.marker, fingerprint)

    def read_marker(self) -> str | None:
        try:
            return self.marker.read_text("utf-8").strip()
        except OSError:
            return None

    def saved_passages(self) -> list[Passage]:
        """Passages of the version last served (for files that fail at start-up)."""
        fingerprint = self.read_marker()
        if not fingerprint:
            return []
        try:
            raw = json.loads((self.index_root / fingerprint[:16] / "passages.json").read_text("utf-8"))
            return [Passage.from_dict(p) for p in raw]
        except (OSError, ValueError, TypeError, KeyError):
            return []
