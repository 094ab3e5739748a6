"""The assistant: knowledge folder in, answers out. The one object transports talk to.

It holds one `Snapshot` (knowledge, index, policy) at a time and swaps in a new one only
when the new one was built and checked, so an edit never breaks what visitors see.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.calibration import Calibration, calibrate
from bot.embedding import Encoder
from bot.index import EmbeddingCache, PassageIndex, build_index, passages_fingerprint
from bot.knowledge import Knowledge, KnowledgeError, KnowledgeReader, fill_placeholders, parse_markdown
from bot.languages import ReplyText
from bot.lexical import WordTable
from bot.meaning import calibration_questions, small_talk_examples
from bot.passages import Passage, build_passages, document_passages, key_sentence_spans
from bot.policy import AnswerPolicy, PolicySettings
from bot.replies import Answer, Context
from bot.retrieval import Retriever
from bot.topics import TopicFinder

log = logging.getLogger(__name__)
PROGRESS_BAR_PASSAGES = 200
SETTLE_SECONDS = 0.3  # edits usually come in bursts (editor save = write + rename): wait for quiet
MARKER_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class AssistantConfig:
    knowledge_dir: Path
    instance_dir: Path
    model: str | None = None
    answer_threshold: float | None = None  # None: calibrated for each version of the knowledge
    torch_threads: int | None = None
    models_dir: Path | None = None  # where the ONNX copy of the model is kept [instance_dir/models]


@dataclass(frozen=True)
class Snapshot:
    """One consistent version of the knowledge, its index and the policy built on them."""

    knowledge: Knowledge
    index: PassageIndex
    policy: AnswerPolicy
    loaded_at: float
    build_seconds: float
    embedded: int  # texts embedded for this version (0 when loaded from disk or all cached)
    kept: tuple[str, ...] = ()  # files that failed to load and are served from their last good version
    calibration: Calibration | None = None  # how the answer threshold was set (None: configured)


class Assistant:
    def __init__(self, config: AssistantConfig, encoder: Encoder | None = None) -> None:
        self.config = config
        self.encoder = encoder or Encoder(
            config.model, threads=config.torch_threads, onnx_dir=config.models_dir or config.instance_dir / "models"
        )
        self.reader = KnowledgeReader(config.knowledge_dir)
        self.index_root = config.instance_dir / "index"
        self.refresh_error: KnowledgeError | None = None  # why the last refresh was refused, if it was
        self._refresh_lock = threading.Lock()
        self._watcher: KnowledgeWatcher | None = None
        atexit.register(self.close)
        # Kept between versions, so a rebuild after an edit embeds and reads only what changed.
        self.embeddings = EmbeddingCache(self._cache("embeddings"))
        self.word_table = WordTable()
        self._example_texts: list[str] = []  # embedded for the policy; kept in the cache with the index
        self._saver = NewestOnlyWorker("index-saver", self._save_in_background)
        self._marker_lock = threading.Lock()
        self._newest: str | None = None  # fingerprint of the newest version built or loaded
        self.snapshot = self.load(previous=None)
        self._marker_seen = self._read_marker()

    # --- building versions --------------------------------------------------------------------

    def load(self, previous: Snapshot | None) -> Snapshot:
        """Read the knowledge folder; load the saved index if it matches, else build and save it.
        A file that fails to load keeps its passages from the last good version."""
        started = time.perf_counter()
        knowledge = self.reader.read()
        passages = build_passages(knowledge.documents)
        failed = {error.file for error in knowledge.errors}
        last_good = previous.index.passages if previous else self._saved_passages()
        kept = [p for p in last_good if p.file in failed]
        passages += kept
        for error in knowledge.errors:
            log.warning(
                "Knowledge file %s: %s",
                "kept at its last good version" if error.file in {p.file for p in kept} else "skipped",
                error,
            )

        fingerprint = passages_fingerprint(passages, self.encoder.name)
        with self._build_lock():
            index = PassageIndex.load(self.index_root, self.encoder.name, fingerprint, self.word_table)
            embedded = 0
            if index is None:
                index, embedded = self._build(passages, previous.index if previous else None)
                self._newest_is(fingerprint, saved=False)
                if previous is None:
                    self._save(index)  # at start-up: saved before serving, for the processes that follow
                else:
                    self._saver.submit(index)  # after an edit: serve the new version first, save it meanwhile
            else:
                self._newest_is(fingerprint, saved=True)
        seconds = time.perf_counter() - started
        log.info(
            "Knowledge ready: %d passages from %d files (%d embedded) in %.2fs",
            len(passages),
            len(knowledge.documents),
            embedded,
            seconds,
        )
        policy, calibration = self._policy(knowledge, index)
        kept_files = tuple(sorted({p.file for p in kept}))
        return Snapshot(knowledge, index, policy, time.time(), seconds, embedded, kept_files, calibration)

    def _cache(self, kind: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.encoder.name)
        return self.config.instance_dir / "cache" / f"{kind}-{name}.npz"

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Short texts (safety and small-talk examples), through the cache kept between versions."""
        return self.embeddings.lookup(texts, self.encoder.encode_fast)

    def _policy(
        self, knowledge: Knowledge, index: PassageIndex, threshold: float | None = None
    ) -> tuple[AnswerPolicy, Calibration | None]:
        """The policy for a version of the knowledge, with its answer threshold: `threshold`, the configured
        one, or else calibrated on this knowledge."""
        topics = TopicFinder(knowledge.documents, {p.id: p.file for p in index.passages})
        safety = knowledge.safety
        self._example_texts = [
            *safety.emergency_examples,
            *safety.ordinary_examples,
            *safety.personal_advice_examples,
            *safety.general_examples,
            *(e for examples in small_talk_examples().values() for e in examples),
            *calibration_questions(),
        ]
        retriever = Retriever(index, self.encoder)
        threshold = threshold or self.config.answer_threshold
        calibration = None
        if threshold is None:
            questions = list(calibration_questions())
            calibration = calibrate(retriever, questions, self._embed(questions))
            threshold = calibration.threshold
        policy = AnswerPolicy(
            retriever,
            knowledge.clinic,
            knowledge.safety,
            PolicySettings(answer_threshold=threshold),
            topics=topics,
            embed=self._embed,
            replies=knowledge.replies,
        )
        return policy, calibration

    def _build(self, passages: list[Passage], previous: PassageIndex | None) -> tuple[PassageIndex, int]:
        before = len(self.embeddings.vectors)
        index = build_index(
            passages,
            self.encoder,
            self.embeddings,
            progress=len(passages) > PROGRESS_BAR_PASSAGES,
            word_table=self.word_table,
            previous=previous,
        )
        if index.dense.ntotal != len(passages):
            raise RuntimeError("index build lost passages")  # never swap in a broken index
        return index, len(self.embeddings.vectors) - before

    def _save(self, index: PassageIndex) -> None:
        """Write the index and the caches, then point CURRENT at it unless a newer version came meanwhile.
        Every file is written aside and renamed into place, so builds need not wait for a save."""
        index.save(self.index_root)
        texts = [p.embedding_text for p in index.passages] + [p.question for p in index.passages if p.question]
        texts += [p.text[a:b] for p in index.passages for a, b in key_sentence_spans(p.text)]
        texts += self._example_texts
        self.embeddings.save(keep={self.embeddings.key(t) for t in texts})
        self.word_table.forget_texts_except({p.search_text for p in index.passages})
        self._newest_is(index.fingerprint, saved=True)

    def _newest_is(self, fingerprint: str, saved: bool) -> None:
        """Note the newest version of this process; once it is saved, CURRENT names it (a late save of
        an older version must not send the other processes back to it)."""
        with self._marker_lock:
            if not saved:
                self._newest = fingerprint
            elif fingerprint == self._newest:
                self._write_marker(fingerprint)

    def _save_in_background(self, index: PassageIndex) -> None:
        try:
            self._save(index)
        except Exception:  # the version is served from memory; the next start rebuilds it
            log.exception("Could not save the knowledge index")

    def wait_until_saved(self, timeout: float = 300) -> None:
        self._saver.wait(timeout)

    @contextmanager
    def _build_lock(self):
        """One process builds at a time; the others then find its saved index and load it."""
        self.index_root.mkdir(parents=True, exist_ok=True)
        with open(self.index_root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @property
    def marker(self) -> Path:
        """instance/index/CURRENT names the version every process should serve."""
        return self.index_root / "CURRENT"

    def _write_marker(self, fingerprint: str) -> None:
        if self._read_marker() == fingerprint:
            return
        staging = self.marker.with_name(f".CURRENT.{os.getpid()}")
        staging.write_text(fingerprint, "utf-8")
        staging.replace(self.marker)

    def _read_marker(self) -> str | None:
        try:
            return self.marker.read_text("utf-8").strip()
        except OSError:
            return None

    def _saved_passages(self) -> list[Passage]:
        """Passages of the version last served (for files that fail at start-up)."""
        fingerprint = self._read_marker()
        if not fingerprint:
            return []
        try:
            raw = json.loads((self.index_root / fingerprint[:16] / "passages.json").read_text("utf-8"))
            return [Passage(**{**p, "headings": tuple(p["headings"])}) for p in raw]
        except (OSError, ValueError, TypeError, KeyError):
            return []

    def refresh(self) -> Snapshot:
        """Re-read the knowledge folder and swap in the new version. If it cannot be built (a bad
        clinic.yaml or safety.yaml, say) the error is kept in `refresh_error`, re-raised, and the
        current version keeps serving."""
        with self._refresh_lock:
            try:
                snapshot = self.load(previous=self.snapshot)
            except KnowledgeError as error:
                self.refresh_error = error
                log.error("Knowledge not updated, the last good version keeps serving: %s", error)
                raise
            except Exception as error:  # a disk or model failure: report it and try again on the next look
                self.reader.forget()
                self.refresh_error = KnowledgeError("(index)", None, f"could not rebuild the index: {error}")
                log.exception("Knowledge not updated, the last good version keeps serving")
                raise self.refresh_error from error
            self.refresh_error = None
            self.snapshot = snapshot
            return snapshot

    def refresh_if_changed(self) -> bool:
        """Refresh when the knowledge files or the version marker (another process saved a new
        version) changed since this process last looked."""
        marker = self._read_marker()
        marker_moved, self._marker_seen = marker != self._marker_seen, marker
        if self.reader.changed() or (marker_moved and marker != self.snapshot.index.fingerprint):
            try:
                self.refresh()
            except KnowledgeError:
                return False
            return True
        return False

    def watch(self) -> None:
        """Follow edits to the knowledge folder from now on (watchdog, plus the on-disk marker)."""
        if self._watcher is None:
            self._watcher = KnowledgeWatcher(self)
            self._watcher.start()

    def close(self) -> None:
        """Stop background work (at exit: a thread killed inside the model aborts the process)."""
        self.stop_watching()
        self.wait_until_saved(timeout=60)

    def stop_watching(self) -> None:
        if self._watcher:
            self._watcher.stop()
            self._watcher = None

    # --- answering ----------------------------------------------------------------------------

    def answer(self, question: object, context: Context | None = None) -> Answer:
        return self.snapshot.policy.run(question, context)

    def preview(self, file: str, text: str, question: object) -> Answer:
        """Answer `question` as if `file` held `text` (the editor's "try it"), without saving anything."""
        document = parse_markdown(fill_placeholders(text, self.snapshot.knowledge.clinic), file)  # may raise
        current = self.snapshot
        passages = [p for p in current.index.passages if p.file != file] + document_passages(document)
        index = build_index(passages, self.encoder, self.embeddings, word_table=self.word_table, previous=current.index)
        documents = [d for d in current.knowledge.documents if d.file != file] + [document]
        knowledge = Knowledge(
            documents, current.knowledge.clinic, current.knowledge.safety, replies=current.knowledge.replies
        )
        policy, _ = self._policy(knowledge, index, threshold=current.policy.settings.answer_threshold)
        return policy.run(question)

    @property
    def errors(self) -> list[KnowledgeError]:
        problems = list(self.snapshot.knowledge.errors)
        return [self.refresh_error, *problems] if self.refresh_error else problems

    def starter_questions(self, limit: int = 4) -> list[str]:
        """Questions to offer before the visitor types: FAQ questions first, then section titles."""
        passages = self.snapshot.index.passages
        faq = [p.question for p in passages if p.question]
        headings = [p.headings[-1] for p in passages if p.headings and not p.question]
        return list(dict.fromkeys(faq + headings))[:limit]

    def welcome(self, language: str | None = None) -> dict:
        """What a chat window shows when it opens: greeting, disclaimer, contacts, first questions; the
        greeting and disclaimer in the visitor's language when the clinic wrote them in it."""
        knowledge = self.snapshot.knowledge
        clinic = knowledge.clinic
        keys = ("name", "phone", "email", "booking_url", "emergency_number", "crisis_line")
        return {
            "clinic": {key: getattr(clinic, key) for key in keys},
            "greeting": knowledge.replies.pick(language, ReplyText.GREETING) or clinic.greeting,
            "disclaimer": knowledge.replies.pick(language, ReplyText.DISCLAIMER) or clinic.disclaimer,
            "suggestions": self.starter_questions(),
        }

    def health(self) -> dict:
        snapshot = self.snapshot
        return {
            "status": "ok",
            "passages": len(snapshot.index),
            "files": len(snapshot.knowledge.documents),
            "knowledge_errors": [e.to_dict() for e in self.errors],
            "kept_last_good": list(snapshot.kept),
            "version": snapshot.index.fingerprint[:16],
            "answer_threshold": snapshot.policy.settings.answer_threshold,
            "model": self.encoder.name,
            "loaded_at": snapshot.loaded_at,
        }


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
