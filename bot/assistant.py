"""The assistant: knowledge folder in, answers out. The one object transports talk to.

It holds one `Snapshot` (knowledge, index, policy) at a time and swaps in a new one only
when the new one was built and checked, so an edit never breaks what visitors see.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.calibration import Calibration, calibrate
from bot.embedding import Encoder, TextKind, VectorCache
from bot.index import PassageIndex, build_index, passages_fingerprint
from bot.knowledge import ClinicSettings, Knowledge, KnowledgeError, SafetyRules, fill_placeholders, parse_markdown
from bot.knowledge_files import KnowledgeFiles
from bot.languages import ReplyText
from bot.lexical import WordTable
from bot.meaning import calibration_questions, small_talk_examples
from bot.message_model import SHIPPED_MODELS, MessageModels
from bot.passages import Passage, build_passages, document_passages, key_sentence_spans, label_address
from bot.policy import AnswerPolicy, PolicySettings
from bot.replies import Answer, Context
from bot.reranking import Reranker
from bot.retrieval import Retriever, page_titles
from bot.topics import TopicFinder
from bot.versions import IndexVersions
from bot.visitor_words import word_bridges
from bot.watcher import KnowledgeWatcher, NewestOnlyWorker

log = logging.getLogger(__name__)
PROGRESS_BAR_PASSAGES = 200
EMBED_BATCH = 32  # questions per model call for the gaps page: visitors' questions get their turn between


@dataclass(frozen=True)
class AssistantConfig:
    knowledge_dir: Path
    instance_dir: Path
    model: str | None = None
    answer_threshold: float | None = None  # None: calibrated for each version of the knowledge
    torch_threads: int | None = None
    models_dir: Path | None = None  # where the ONNX copy of the model is kept [instance_dir/models]
    reranker: Reranker | None = None  # None: the default weights (bot/reranking.py)
    message_models: Path | None = SHIPPED_MODELS  # None: safety.yaml's phrases and examples alone


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


@dataclass(frozen=True)
class SourceTopic:
    label: str
    file: str | None


@dataclass(frozen=True)
class BuildSummary:
    """What a rebuild made: for `flask index`."""

    passages: int
    files: int
    embedded: int  # texts embedded for it (the others were cached or kept)
    seconds: float
    skipped: list[KnowledgeError]  # files that could not be used


@dataclass(frozen=True)
class KnowledgeStatus:
    live_passages: Counter[str]
    kept: tuple[str, ...]
    errors: list[KnowledgeError]


class Assistant:
    def __init__(self, config: AssistantConfig, encoder: Encoder | None = None) -> None:
        self.config = config
        model = encoder or Encoder(
            config.model, threads=config.torch_threads, onnx_dir=config.models_dir or config.instance_dir / "models"
        )
        # The one vector cache, this knowledge's: kept between versions (a rebuild after an edit embeds only
        # what changed) and saved with the index.
        self.encoder = model.with_cache(VectorCache(self._cache_file(model)))
        self.message_models = MessageModels.load(config.message_models, model.name, model.dimension)
        self.files = KnowledgeFiles(config.knowledge_dir, config.instance_dir)
        self.index_root = config.instance_dir / "index"
        self.versions = IndexVersions(self.index_root)
        self.refresh_error: KnowledgeError | None = None  # why the last refresh was refused, if it was
        self._refresh_lock = threading.Lock()
        self._watcher: KnowledgeWatcher | None = None
        atexit.register(self.close)
        # Kept between versions, so a rebuild after an edit reads only what changed.
        self.word_table = WordTable()
        self._example_texts: list[str] = []  # embedded for the policy; kept in the cache with the index
        self._saver = NewestOnlyWorker("index-saver", self._save_in_background)
        self.snapshot = self.load(previous=None)
        self._marker_seen = self.versions.read_marker()
        self._topics: tuple[Any, dict[str, Passage], dict[str, Passage]] = (None, {}, {})  # by index: passage, topic_of

    # --- building versions --------------------------------------------------------------------

    def load(self, previous: Snapshot | None) -> Snapshot:
        """Read the knowledge folder; load the saved index if it matches, else build and save it.
        A file that fails to load keeps its passages from the last good version."""
        started = time.perf_counter()
        knowledge = self.files.load()
        self._example_texts = example_texts(knowledge.safety)
        passages = build_passages(knowledge.documents)
        failed = {error.file for error in knowledge.errors}
        last_good = previous.index.passages if previous else self.versions.saved_passages()
        kept = [p for p in last_good if p.file in failed]
        passages = label_address(passages + kept, knowledge.clinic.address)
        for error in knowledge.errors:
            log.warning(
                "Knowledge file %s: %s",
                "kept at its last good version" if error.file in {p.file for p in kept} else "skipped",
                error,
            )

        fingerprint = passages_fingerprint(passages, self.encoder.name)
        with self.versions.build_lock():
            index = PassageIndex.load(self.index_root, self.encoder.name, fingerprint, self.word_table)
            embedded = 0
            if index is None:
                index, embedded = self._build(passages, previous.index if previous else None)
                self.versions.newest_is(fingerprint, saved=False)
                if previous is None:
                    self._save(index)  # at start-up: saved before serving, for the processes that follow
                else:
                    self._saver.submit(index)  # after an edit: serve the new version first, save it meanwhile
            else:
                self.versions.newest_is(fingerprint, saved=True)
        seconds = time.perf_counter() - started
        log.info(
            "Knowledge ready: %d passages from %d files (%d embedded) in %.2fs",
            len(passages),
            len(knowledge.documents),
            embedded,
            seconds,
        )
        policy, calibration = self._policy(knowledge, index)
        if previous is None:  # the examples the policy embedded, kept for the next start (saves seconds each)
            self.encoder.cache.save(keep=self._cache_keys(index))
        kept_files = tuple(sorted({p.file for p in kept}))
        return Snapshot(knowledge, index, policy, time.time(), seconds, embedded, kept_files, calibration)

    def _cache_file(self, encoder: Encoder) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", encoder.name)
        return self.config.instance_dir / "cache" / f"embeddings-{name}.npz"

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Short texts (safety and small-talk examples, calibration questions), kept with the knowledge."""
        return self.encoder.encode_passages(texts, TextKind.SENTENCE)

    def _policy(
        self, knowledge: Knowledge, index: PassageIndex, threshold: float | None = None
    ) -> tuple[AnswerPolicy, Calibration | None]:
        """The policy for a version of the knowledge, with its answer threshold: `threshold`, the configured
        one, or else calibrated on this knowledge."""
        topics = TopicFinder(knowledge.documents, index.passages)
        words = word_bridges(knowledge.visitor_words)
        retriever = Retriever(
            index, self.encoder, reranker=self.config.reranker, visitor_words=words, safety_words=knowledge.safety.words
        )
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
            models=self.message_models,
        )
        return policy, calibration

    def _build(self, passages: list[Passage], previous: PassageIndex | None) -> tuple[PassageIndex, int]:
        before = self.encoder.cache.embedded
        index = build_index(
            passages,
            self.encoder,
            progress=len(passages) > PROGRESS_BAR_PASSAGES,
            word_table=self.word_table,
            previous=previous,
        )
        if index.dense.ntotal != len(passages):
            raise RuntimeError("index build lost passages")  # never swap in a broken index
        return index, self.encoder.cache.embedded - before

    def _save(self, index: PassageIndex) -> None:
        """Write the index and the caches, then point CURRENT at it unless a newer version came meanwhile.
        Every file is written aside and renamed into place, so builds need not wait for a save."""
        index.save(self.index_root)
        self.encoder.cache.save(keep=self._cache_keys(index))
        self.word_table.forget_texts_except({p.search_text for p in index.passages})
        self.versions.newest_is(index.fingerprint, saved=True)

    def _cache_keys(self, index: PassageIndex) -> set[str]:
        """What the vector cache keeps for this version: what `build_index` embedded (passages, headings,
        key sentences), the titles the retriever labels introductions with, and the policy's examples."""
        texts = [p.embedding_text for p in index.passages] + [p.heading_text for p in index.passages if p.heading_text]
        texts += [p.text[a:b] for p in index.passages for a, b in key_sentence_spans(p.text)]
        texts += page_titles(index.passages) + self._example_texts
        return {VectorCache.key(t) for t in texts}

    def _save_in_background(self, index: PassageIndex) -> None:
        try:
            self._save(index)
        except Exception:  # the version is served from memory; the next start rebuilds it
            log.exception("Could not save the knowledge index")

    def wait_until_saved(self, timeout: float = 300) -> None:
        self._saver.wait(timeout)

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
                self.files.forget()
                self.refresh_error = KnowledgeError("(index)", None, f"could not rebuild the index: {error}")
                log.exception("Knowledge not updated, the last good version keeps serving")
                raise self.refresh_error from error
            self.refresh_error = None
            self.snapshot = snapshot
            return snapshot

    def rebuild(self) -> BuildSummary:
        """Refresh now and say what was built (raises KnowledgeError as `refresh` does)."""
        snapshot = self.refresh()
        knowledge = snapshot.knowledge
        return BuildSummary(
            len(snapshot.index), len(knowledge.documents), snapshot.embedded, snapshot.build_seconds, knowledge.errors
        )

    def refresh_if_changed(self) -> bool:
        """Refresh when the knowledge files or the version marker (another process saved a new
        version) changed since this process last looked."""
        marker = self.versions.read_marker()
        marker_moved, self._marker_seen = marker != self._marker_seen, marker
        if self.files.changed() or (marker_moved and marker != self.snapshot.index.fingerprint):
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
        passages = [p for p in current.index.passages if p.file != file] + label_address(
            document_passages(document), current.knowledge.clinic.address
        )
        index = build_index(passages, self.encoder, word_table=self.word_table, previous=current.index)
        documents = [d for d in current.knowledge.documents if d.file != file] + [document]
        knowledge = replace(current.knowledge, documents=documents, errors=[])
        policy, _ = self._policy(knowledge, index, threshold=current.policy.settings.answer_threshold)
        return policy.run(question)

    @property
    def errors(self) -> list[KnowledgeError]:
        problems = list(self.snapshot.knowledge.errors)
        return [self.refresh_error, *problems] if self.refresh_error else problems

    @property
    def clinic(self) -> ClinicSettings:
        return self.snapshot.knowledge.clinic

    def passage(self, source_id: str) -> Passage | None:
        """The served version's passage with this id (a stored answer's source), if it still has it."""
        return self._passages_by_id()[1].get(source_id)

    def topic_of(self, source_id: str) -> SourceTopic:
        """What a stored answer's passage id was about, for the dashboard: its page and section; for an
        id from an earlier version, its page (the id names its file: stem-hash), or that it is gone."""
        _, passages, stems = self._passages_by_id()
        passage = passages.get(source_id)
        if passage is not None:
            label = f"{passage.title} › {passage.heading}" if passage.heading else passage.title
            return SourceTopic(label, passage.file)
        page = stems.get(source_id.rsplit("-", 1)[0])
        if page is not None:
            return SourceTopic(f"{page.title} (text since changed)", page.file)
        return SourceTopic("A page since removed", None)

    def _passages_by_id(self) -> tuple[Any, dict[str, Passage], dict[str, Passage]]:
        """The served version's passages by id, and a passage of each page by its ids' stem; made once a version."""
        index = self.snapshot.index
        if self._topics[0] is not index:
            passages = {p.id: p for p in index.passages}
            stems: dict[str, Passage] = {}
            for passage in passages.values():
                stems.setdefault(passage.id.rsplit("-", 1)[0], passage)
            self._topics = (index, passages, stems)
        return self._topics

    def embed_questions(self, questions: list[str]) -> np.ndarray:
        """Unit vectors for many questions (the gaps page), through the cache's question shelf. The ONNX
        query path in small batches: no PyTorch model to load in the web process, and visitors' questions
        get their turn between batches."""
        if not questions:
            return np.zeros((0, self.encoder.dimension), np.float32)
        batches = [questions[i : i + EMBED_BATCH] for i in range(0, len(questions), EMBED_BATCH)]
        return np.concatenate([self.encoder.encode_queries(batch) for batch in batches])

    def prepare(self, questions: Iterable[object]) -> None:
        """Embeds what the model will read of many questions about to be asked (an evaluation's) in batches, so
        that answering them finds their vectors in the cache: the safety phrasings' then 3,572 ordinary worries took
        48 s instead of 60 on one thread (session 49). Readings that depend on a conversation are left to `answer`.
        The cache keeps the 20,000 most recent questions' texts (QUESTIONS_KEPT): prepare fewer at a time."""
        policy = self.snapshot.policy
        texts = dict.fromkeys(text for question in questions for text in policy.model_texts(question))
        self.embed_questions(list(texts))

    def knowledge_status(self) -> KnowledgeStatus:
        """What the served version holds: passages per file, files kept from the last good version, problems."""
        snapshot = self.snapshot
        live = Counter(p.file for p in snapshot.index.passages)
        return KnowledgeStatus(live_passages=live, kept=tuple(snapshot.kept), errors=self.errors)

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
            "rebuilding": self._refresh_lock.locked(),  # a new version of the knowledge is being built
            "version": snapshot.index.fingerprint[:16],
            "answer_threshold": snapshot.policy.settings.answer_threshold,
            "model": self.encoder.name,
            "loaded_at": snapshot.loaded_at,
        }


def example_texts(safety: SafetyRules) -> list[str]:
    """The short texts the policy embeds for a version: safety, small-talk and calibration examples."""
    return [
        *safety.emergency_examples,
        *safety.ordinary_examples,
        *safety.personal_advice_examples,
        *safety.general_examples,
        *(e for examples in small_talk_examples().values() for e in examples),
        *calibration_questions(),
    ]
