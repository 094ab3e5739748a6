"""Background work of the Assistant: the folder watcher that rebuilds after an edit (and follows versions
other processes saved), and the worker that saves the newest version while it is served."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.assistant import Assistant

log = logging.getLogger(__name__)
SETTLE_SECONDS = 0.3  # edits usually come in bursts (editor save = write + rename): wait for quiet
MARKER_POLL_SECONDS = 1.0


class NewestOnlyWorker:
    """Runs `work` on one background thread for the newest item submitted: when items come faster than
    they are worked on, the ones a newer item replaced before their turn are skipped."""

    def __init__(self, name: str, work: Callable[[Any], None]) -> None:
        self.name = name
        self.work = work
        self._lock = threading.Lock()
        self._next: Any = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def submit(self, item: Any) -> None:
        with self._lock:
            self._next = item
            if self._thread and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    @property
    def busy(self) -> bool:
        thread = self._thread
        return bool(thread and thread.is_alive())

    def wait(self, timeout: float) -> None:
        thread = self._thread
        if thread and thread.is_alive():
            thread.join(timeout)

    def stop(self) -> None:
        """Take nothing more after the item in hand (the work may also watch its own stop signal)."""
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            with self._lock:
                item, self._next = self._next, None
                if item is None:
                    self._thread = None
                    return
            self.work(item)


class KnowledgeWatcher:
    """Rebuilds a moment after edits in the knowledge folder settle (watchdog events), and picks up
    versions other processes saved (the CURRENT marker), so every server process follows."""

    def __init__(self, assistant: Assistant) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.assistant = assistant
        self.edited = threading.Event()
        self.stopped = threading.Event()
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type not in ("opened", "closed_no_write"):
                    watcher.edited.set()

        self.observer = Observer()
        self.observer.schedule(Handler(), str(assistant.config.knowledge_dir), recursive=True)
        self.thread = threading.Thread(target=self._run, name="knowledge-watcher", daemon=True)

    def start(self) -> None:
        self.observer.start()
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.observer.stop()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stopped.is_set():
            if self.edited.wait(MARKER_POLL_SECONDS):
                while self.edited.is_set() and not self.stopped.is_set():  # wait until edits settle
                    self.edited.clear()
                    time.sleep(SETTLE_SECONDS)
            if self.stopped.is_set():
                return
            try:
                self.assistant.refresh_if_changed()
            except Exception:  # a watcher that dies silently would freeze the knowledge: log and go on
                log.exception("Knowledge refresh failed; the last good version keeps serving")
