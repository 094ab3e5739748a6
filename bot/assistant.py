"""The assistant: knowledge folder in, answers out. The one object transports talk to."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from bot.embedding import Encoder
from bot.index import EmbeddingCache, PassageIndex, build_index, passages_fingerprint
from bot.knowledge import Knowledge, KnowledgeError, load_knowledge
from bot.passages import build_passages
from bot.policy import Answer, AnswerPolicy, PolicySettings
from bot.retrieval import Retriever

log = logging.getLogger(__name__)
PROGRESS_BAR_PASSAGES = 200


@dataclass(frozen=True)
class AssistantConfig:
    knowledge_dir: Path
    instance_dir: Path
    model: str | None = None
    answer_threshold: float = PolicySettings.answer_threshold
    torch_threads: int | None = None


@dataclass(frozen=True)
class Snapshot:
    """One consistent version of the knowledge, its index and the policy built on them."""

    knowledge: Knowledge
    index: PassageIndex
    policy: AnswerPolicy
    loaded_at: float
    build_seconds: float
    embedded: int  # passages embedded for this version (0 when loaded from disk or all cached)


class Assistant:
    def __init__(self, config: AssistantConfig, encoder: Encoder | None = None) -> None:
        self.config = config
        self.encoder = encoder or Encoder(config.model, threads=config.torch_threads)
        self.snapshot = self.load()

    @property
    def index_root(self) -> Path:
        return self.config.instance_dir / "index"

    def load(self) -> Snapshot:
        """Read the knowledge folder; load the saved index if it matches, else (re)build it."""
        started = time.perf_counter()
        knowledge = load_knowledge(self.config.knowledge_dir)
        for error in knowledge.errors:
            log.warning("Knowledge file skipped: %s", error)
        passages = build_passages(knowledge.documents)
        fingerprint = passages_fingerprint(passages, self.encoder.name)
        index = PassageIndex.load(self.index_root, self.encoder.name, fingerprint)
        embedded = 0
        if index is None:
            cache_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.encoder.name)
            cache = EmbeddingCache(self.config.instance_dir / "cache" / f"embeddings-{cache_name}.npz")
            before = len(cache.vectors)
            index = build_index(passages, self.encoder, cache, progress=len(passages) > PROGRESS_BAR_PASSAGES)
            embedded = len(cache.vectors) - before
            index.save(self.index_root)
            texts = [p.embedding_text for p in passages] + [p.question for p in passages if p.question]
            cache.save(keep={cache.key(t) for t in texts})
        seconds = time.perf_counter() - started
        log.info(
            "Knowledge ready: %d passages from %d files (%d embedded) in %.1fs",
            len(passages),
            len(knowledge.documents),
            embedded,
            seconds,
        )
        retriever = Retriever(index, self.encoder)
        policy = AnswerPolicy(
            retriever, knowledge.clinic, knowledge.safety, PolicySettings(answer_threshold=self.config.answer_threshold)
        )
        return Snapshot(knowledge, index, policy, time.time(), seconds, embedded)

    def refresh(self) -> Snapshot:
        """Re-read the knowledge folder and swap in the new version. On a bad clinic.yaml or
        safety.yaml the KnowledgeError propagates and the current version keeps serving."""
        self.snapshot = self.load()
        return self.snapshot

    def answer(self, question: object) -> Answer:
        return self.snapshot.policy.run(question)

    @property
    def errors(self) -> list[KnowledgeError]:
        return self.snapshot.knowledge.errors

    def starter_questions(self, limit: int = 4) -> list[str]:
        """Questions to offer before the visitor types: FAQ questions first, then section titles."""
        passages = self.snapshot.index.passages
        faq = [p.question for p in passages if p.question]
        headings = [p.headings[-1] for p in passages if p.headings and not p.question]
        return list(dict.fromkeys(faq + headings))[:limit]

    def welcome(self) -> dict:
        """What a chat window shows when it opens: greeting, disclaimer, contacts, first questions."""
        clinic = self.snapshot.knowledge.clinic
        return {
            "clinic": {
                key: getattr(clinic, key)
                for key in ("name", "phone", "email", "booking_url", "emergency_number", "crisis_line")
            },
            "greeting": clinic.greeting,
            "disclaimer": clinic.disclaimer,
            "suggestions": self.starter_questions(),
        }

    def health(self) -> dict:
        snapshot = self.snapshot
        return {
            "status": "ok",
            "passages": len(snapshot.index),
            "files": len(snapshot.knowledge.documents),
            "knowledge_errors": [e.to_dict() for e in snapshot.knowledge.errors],
            "model": self.encoder.name,
            "loaded_at": snapshot.loaded_at,
        }
