"""Find the passages that answer a question: meaning (faiss) and words (BM25), fused."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

from bot.embedding import Encoder, TextKind
from bot.index import FLAT_UP_TO, PassageIndex
from bot.passages import Passage
from bot.prices import PRICE_WORDS, PriceLines, asks_the_price, price_phrase_words
from bot.reranking import Reranker
from bot.services import (
    FORECAST,
    HOME_VISITS,
    NAMES_HOME_VISITS,
    asked_for,
    asks_the_forecast,
    names_nothing,
    something_else_asked_about,
)
from bot.spelling import WORD, SpellingCorrector, written_apart
from bot.visitor_words import CHAT_WORDS, VisitorWords, WordBridge, word_bridges

log = logging.getLogger(__name__)

# Up to this many sentences (about 6,000 passages), and while faiss's search would be exact (FLAT_UP_TO), a
# question is compared with every passage, FAQ question and sentence at once, with numpy: the sentences are
# searched for candidates too (1-2 ms a question), and the passages without faiss, whose two searches and
# their Python wrappers cost about 0.4 ms a question on covid-faq's 263 passages. Back to back on a busy
# machine, answer()'s p50 went from 1.30x to 1.22-1.24x the bare encoder's (docs/performance-history.md).
SCAN_UP_TO = 30_000


@cache
def _numpy_products_on_one_thread() -> None:
    """NumPy's BLAS on one thread, for the whole process (once). A question's product with a matrix of more
    than about 1,100 rows is split across BLAS's threads, which then spin waiting for more work and take
    the cores from ONNX Runtime's: on six clinics' pages together (2,179 sentences), the bare encoder took
    4.57 ms a question beside answer() on two threads and 3.88 ms on one, and answer() 5.97 ms against 5.37
    (2026-12-06; covid-faq's 1,016 sentences stay on one thread either way). faiss's own BLAS, which
    searches many questions at once in evaluations, keeps its threads (bot/index.py). The setting holds for the
    whole process, so scripts that fit models here (bot/message_model_training.py) fit on one BLAS thread too.
    A BLAS threadpoolctl cannot handle leaves the threads as they are: it costs speed, not answers."""
    try:
        controller = ThreadpoolController().select(user_api="blas")
        for library in controller.lib_controllers:
            if "faiss" not in library.filepath:
                library.set_num_threads(1)
    except Exception:  # any error of a native library's probe
        log.warning("NumPy's BLAS threads could not be set to one", exc_info=True)


# A service's name of up to three words must be in one passage together, or the pages do not name it. (On the
# thirty visitor suites of session 32: fallback right 430 → 439 of 562, answered right unchanged at 2,879 of
# 3,779; a longer name is left to the threshold: "that calm birth breathing course thing".)
SERVICE_NAME_WORDS = 3
_POSSESSIVE = re.compile(r"\b(?:my|our|his|her|their|your|ur)\b")
_CHOICES = re.compile(r"\s+or\s+")
# Words that ask for a page as a whole, not for anything in it: "what is microneedling", "tell me about
# fillers", "do you offer peels".
_ABOUT_WORDS = frozenset(
    {"what", "whats", "what's", "are", "tell", "me", "about", "do", "you", "does", "offer", "offered"}
    | {"provide", "info", "information", "explain", "more", "please"}
)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score, the one hits are ranked by
    dense: float  # cosine of the question with the passage, its FAQ question or its best sentence
    lexical: float  # BM25 squashed into 0..1
    sentence: int | None = None  # which of the passage's key_sentence_spans matched the question best
    evidence: Evidence | None = None  # the cosines the reranker weighs


@dataclass(frozen=True)
class Evidence:
    """The question's cosine with each part of a passage, and with the title of an introduction's page: the
    question's own vector (never its topical reading, which the fused score already holds)."""

    passage: float
    heading: float | None  # its FAQ question or statement heading, or its page's title for an introduction
    # (None: an introduction of a page without a title)
    sentence: float | None  # its best sentence, when it has sentences
    names_only_page: bool = False  # every word of the question that counts is in the page's title


@dataclass(frozen=True)
class Retrieval:
    """What the retriever found for a question, with the question's vector (the reply's key sentences are
    the passage's sentences closest to it) and `best_score`: how well the knowledge covers the question,
    the best fused score of any passage (the reranker may put another first, and `k` may leave it out)."""

    hits: list[Hit]
    vector: np.ndarray
    best_score: float = None  # type: ignore[assignment]  (None: the best of the hits' scores)
    bridges: tuple[WordBridge, ...] = ()  # the question's everyday words read as the pages' (see `bridges`)

    def __post_init__(self) -> None:
        if self.best_score is None:
            object.__setattr__(self, "best_score", max((hit.score for hit in self.hits), default=0.0))


@dataclass(frozen=True)
class Cosines:
    """A question's cosine with every passage, FAQ question and sentence of the index (see SCAN_UP_TO)."""

    passage: np.ndarray
    question: np.ndarray
    sentence: np.ndarray


@dataclass(frozen=True)
class DenseParts:
    """`dense` of each candidate row, with the cosines it was made of (NaN where a passage has no heading,
    nor a title for an introduction, or no sentences)."""

    dense: np.ndarray
    passage: np.ndarray
    heading: np.ndarray
    sentence: np.ndarray

    def evidence(self, i: int, names_only_page: bool) -> Evidence:
        """Row i's cosines (None for NaN: no heading or title, no sentences)."""
        heading, sentence = float(self.heading[i]), float(self.sentence[i])
        return Evidence(
            float(self.passage[i]),
            None if np.isnan(heading) else heading,
            None if np.isnan(sentence) else sentence,
            names_only_page,
        )


@dataclass(frozen=True)
class TopicReading:
    """A question read in its context: "does it sting?" asked about microneedling is read as
    "Microneedling: does it sting?" (`text`, its `vector`). Every passage is scored for that reading,
    and the topic page's own passages (`file`) also for the question as it was asked: the better counts.
    Measured on the visitor suites, encoding the reading beats moving the question's vector toward the
    page's centroid (which favours the page's most generic passages)."""

    file: str
    text: str
    vector: np.ndarray
    previous: str | None = None  # the id of the passage answered last, when it is on this page

    @staticmethod
    def text_for(title: str, question: str) -> str:
        return f"{title}: {question}"


@dataclass(frozen=True)
class RetrievalSettings:
    candidates: int = 40
    # The fused score is dense + lexical_weight * bm25 / (bm25 + lexical_half * max_idf): BM25 squashed
    # into 0..1, half way at a score of lexical_half times the largest idf the knowledge can give
    # (BM25 scores grow with the number of passages). Both were chosen on the covid-faq evaluation,
    # in both views, from a broad plateau (see README: "Quality").
    lexical_weight: float = 0.5
    lexical_half: float = 1.6
    # A passage's FAQ question (or its heading) and its text all vote; the closest counts most.
    question_weight: float = 1.0
    # A passage's best sentence votes too, so that an answer buried in one sentence of a long section is
    # found: it counts as the mean of the passage's and the sentence's cosines (sentence_share 0.5). The
    # sentence alone (1.0) found more on the clinic suites but lost 0.02 nDCG@10 on covid-faq, where a
    # sentence of a wrong long answer often matches; the mean keeps covid-faq (0.855 / 0.648 against
    # 0.857 / 0.642 without sentences) and most of the gain. With statement headings, top-1 section on the
    # visitor suites went from 0.78 to 0.81 (harbour), 0.72 to 0.79 (riverside) and stayed 0.92 (seed).
    sentence_share: float = 0.5
    sentence_candidates: int = 40
    # A passage that states a price of what a price question names ("how much is lasik": the price list's
    # row) gains this much (bot/prices.py). On the 32 visitor suites (session 34), with "prices?" getting the
    # price list, answered right 3,065 → 3,084 of 4,036 (20 gained, 1 lost), fallbacks unchanged; 0.1 and 0.2
    # gained 2 fewer and 1 more. Moving such a passage first after the reranker as well lost 31, gained 25.
    price_bonus: float = 0.15
    # A question read in the context of the last answer most often asks more of that very passage ("is that
    # free" after "Do you deliver?"): it gains this much, in its confidence too, as the price bonus does. On
    # the 32 visitor suites (session 35), answered right 3,086 → 3,092 of 4,036 (10 gained, 4 lost) with 0.05,
    # → 3,090 (6 gained, 2 lost) with 0.03; fallbacks unchanged with either.
    previous_bonus: float = 0.05

    def confidence(self, score: float) -> float:
        """A fused score on 0..1: a perfect meaning and word match scores 1."""
        return float(min(max(score / (1.0 + self.lexical_weight), 0.0), 1.0))

    def score_of(self, confidence: float) -> float:
        """The fused score that has this confidence (the inverse of `confidence`, for scores in range)."""
        return confidence * (1.0 + self.lexical_weight)


class Retriever:
    def __init__(
        self,
        index: PassageIndex,
        encoder: Encoder,
        settings: RetrievalSettings | None = None,
        reranker: Reranker | None = None,
        visitor_words: VisitorWords | None = None,
        safety_words: frozenset[str] = frozenset(),
    ) -> None:
        """`safety_words`: the safety rules' words, which spelling correction may only turn into one another."""
        self.index = index
        self.encoder = encoder
        self.settings = settings or RetrievalSettings()
        self.reranker = reranker or Reranker()
        self.visitor_words = word_bridges() if visitor_words is None else visitor_words
        bridges = self.visitor_words.bridges
        # Each bridge's pages' words as the model reads them (a question with everyday words moves toward them).
        self._pages_vectors = dict(zip(bridges, encoder.encode_queries([b.pages for b in bridges]), strict=True))
        apart = written_apart((passage.search_text for passage in index.passages), encoder.dictionary)
        self.correct_spelling = SpellingCorrector(index.lexical.vocabulary, encoder.dictionary, safety_words, apart)
        self.lexical_half = self.settings.lexical_half * index.lexical.max_idf
        self._scan = index.has_sentences and len(index.sentence_vectors) <= SCAN_UP_TO and len(index) <= FLAT_UP_TO
        if self._scan:
            _numpy_products_on_one_thread()
        rows_of_file: dict[str, list[int]] = {}
        for row, passage in enumerate(index.passages):
            rows_of_file.setdefault(passage.file, []).append(row)
        self._rows_of_file = {file: np.asarray(rows, dtype=np.int64) for file, rows in rows_of_file.items()}
        table = index.lexical.table
        self._title_terms = {title: frozenset(table.query_terms(title)) for title in {p.title for p in index.passages}}
        # A page's introduction (its text before the first heading) is labelled by the page's title, as the
        # reranker's evidence (not in the fused score). Before, its own text stood in for a label, so it
        # matched any question on its page better than the sections' labels did: "how long does botox last"
        # got the anti-wrinkle page's introduction, which names Botox, not "When you will see results".
        # Right section first (`python -m bot.reranker_training`): with the shipped weights, harbour 0.833 →
        # 0.842 and riverside 0.839 → 0.849; with weights fitted on the other suites, ashdown 0.714 → 0.733,
        # harbour 0.833 → 0.837 and riverside 0.829 → 0.839; the five other suites unchanged either way.
        # An introduction of a page without a title keeps its own text as its label.
        titles = page_titles(index.passages)
        self._title_vectors = (
            encoder.encode_passages(titles, TextKind.SENTENCE) if titles else np.zeros((0, index.dimension))
        )
        title_number = {title: number for number, title in enumerate(titles)}
        self._intro_title = np.fromiter(
            (title_number.get(p.title, -1) if not p.headings else -1 for p in index.passages),
            dtype=np.int64,
            count=len(index),
        )
        self._row_of_id = {passage.id: row for row, passage in enumerate(index.passages)}
        starts = index.sentence_starts
        self._passage_has_sentences = np.diff(starts) > 0  # per passage row
        self._first_sentences = starts[:-1][self._passage_has_sentences]  # each such passage's first sentence row
        self._faq = np.fromiter((p.question is not None for p in index.passages), dtype=bool, count=len(index))
        self._price_lines = PriceLines(index.passages, table)

    def run(
        self, question: str, k: int = 5, vector: np.ndarray | None = None, topic: TopicReading | None = None
    ) -> Retrieval:
        """The k best passages for `question`. Its `vector` is encoded here unless given (the policy encodes
        the question with its sentences and its reading in context in one call to the model)."""
        vector = self.encoder.encode_queries([question])[0] if vector is None else vector
        return self.search(question, vector, k, topic)

    def search(self, question: str, vector: np.ndarray, k: int = 5, topic: TopicReading | None = None) -> Retrieval:
        """The k best passages for `question` (its `vector` given), reranked. With a `topic`, the question is
        read as being about that page (see TopicReading); with everyday words, also with the pages' words
        for them (see `bridges`). The hits' Evidence is always for `vector`: the reranker weighs which
        section answers what was asked, while the fused score already holds the other readings."""
        index, settings = self.index, self.settings
        if not len(index):
            return Retrieval([], vector, 0.0)
        corrected = self.correct_spelling(question)
        n = min(settings.candidates, len(index))
        bridges = self.bridges(corrected)
        query = self.word_query(corrected, bridges)
        bm25 = index.lexical.scores(query)
        top_lexical = _top(bm25, n)
        cosines = self._cosines(vector)
        lexical_rows = top_lexical[bm25[top_lexical] > 0]
        found = [self._nearest(vector, cosines, n), lexical_rows, self._nearest_by_sentence(cosines)]
        topic_rows = self._rows_of_file.get(topic.file) if topic else None
        if topic_rows is None:
            topic = None
        else:
            found.append(topic_rows)
        rows = _distinct(np.concatenate(found), len(index))

        parts = self._dense(rows, vector, cosines)
        dense = parts.dense
        if bridges:
            # The question moved toward its pages' words: each passage keeps its better cosine of the two.
            # On the visitor suites this lifted answered right over the word search alone by 0.01 to 0.09
            # (northgate-physio 0.660 → 0.753), no suite's fallbacks changed, and it needs no call to the
            # model: encoding the question with the words instead did as well (0.763), for one more text.
            # Half the question, half its bridges' words: with several bridges their mean is shorter, and the
            # question weighs more.
            bridged = vector + np.mean([self._pages_vectors[bridge] for bridge in bridges], axis=0)
            bridged /= max(float(np.linalg.norm(bridged)), 1e-9)
            dense = np.maximum(dense, self._dense(rows, bridged, self._cosines(bridged)).dense)
        fused = dense + settings.lexical_weight * self._squash(bm25[rows])
        use_topic = np.zeros(len(rows), dtype=bool)
        topic_cosines = None
        if topic is not None:
            # The topical reading scores every passage; the topic's own page also keeps the plain one.
            topic_cosines = self._cosines(topic.vector)
            topic_parts = self._dense(rows, topic.vector, topic_cosines)
            topic_bm25 = index.lexical.scores(self.word_query(self.correct_spelling(topic.text)))[rows]
            topic_fused = topic_parts.dense + settings.lexical_weight * self._squash(topic_bm25)
            on_topic = np.isin(rows, topic_rows)
            use_topic = ~on_topic | (topic_fused > fused)
            fused = np.where(use_topic, topic_fused, fused)
            dense = np.where(use_topic, topic_parts.dense, dense)

        if topic is not None and topic.previous in self._row_of_id:
            fused = fused + settings.previous_bonus * (rows == self._row_of_id[topic.previous])
        if asks_the_price(corrected, bridges):
            fused = fused + settings.price_bonus * self._state_the_price(corrected, rows, bridges, topic)
        lexical = self._squash(bm25[rows])
        asked = self._terms_beyond_about_words(corrected)
        read_as = (topic.vector, topic_cosines) if topic is not None else None
        order = np.argsort(-fused)[: max(k, self.reranker.depth)]
        hits = []
        # As Python numbers: numpy's scalars cost a search ~20 µs here.
        for i, row, score, closeness, words, topical in zip(
            order.tolist(),
            rows[order].tolist(),
            fused[order].tolist(),
            dense[order].tolist(),
            lexical[order].tolist(),
            use_topic[order].tolist(),
            strict=True,
        ):
            passage = index.passages[row]
            sentence = self._best_sentence(row, *(read_as if topical else (vector, cosines)))
            names_only_page = bool(asked) and asked <= self._title_terms[passage.title]
            hits.append(Hit(passage, score, closeness, words, sentence, parts.evidence(i, names_only_page)))
        return Retrieval(self.reranker.run(hits)[:k], vector, hits[0].score if hits else 0.0, bridges)

    def _state_the_price(
        self, question: str, rows: np.ndarray, bridges: tuple[WordBridge, ...], topic: TopicReading | None
    ) -> np.ndarray:
        """For each row, whether it states a price of what the question names ("colonoscopy" in "how much is a
        colonoscopy"), or of its topic's page ("how much is it" asked on the tonsillectomy page); for a
        question that names nothing else ("prices?"), whether it is the price list. None of them when the
        question has a word no page uses ("tummy tuck price"): a price the pages do not state."""
        lexical = self.index.lexical
        asking = price_phrase_words(bridges) | PRICE_WORDS | CHAT_WORDS
        # The words outside the question's everyday phrases ("rabies" of "how much is the rabies jab"), else
        # the pages' words for those ("how much is parking": "parking car park").
        words = [w for w in lexical.content_words(self.visitor_words.find(question).rest) if w not in asking]
        if lexical.unknown_words(" ".join(words)):
            return np.zeros(len(rows), dtype=bool)
        if not words:
            words = [bridge.pages for bridge in bridges if not frozenset(bridge.pages.split()) <= PRICE_WORDS]
        if topic is not None:
            words.append(self.index.passages[self._rows_of_file[topic.file][0]].title)
        if not words:
            return self._price_lines.price_list(rows)
        named = set(lexical.table.query_terms(" ".join(words))) - self._price_lines.price_terms
        return self._price_lines.state_a_price_of(named, rows)

    def unnamed_service_words(self, question: str) -> list[str]:
        """The words no page uses, in any form, of the service the question asks for ("transplants" in "do
        you do hair transplants"), or of something else it asks about ("weather"; see bot/services.py): none
        when it asks for neither, or for one the pages name, or name with a visitor's everyday words ("do you
        do jabs"). A name of a few words that no one passage has together is unnamed too, all its words:
        "laser hair removal" at a laser eye clinic, whose pages say "laser", "hair" and "removal" apart. The
        question is read with its spelling corrected, as for the search (correcting it twice changes nothing)."""
        choices = self.unnamed_words_of_each_choice(question)
        if any(not unnamed for _, unnamed in choices):
            return []
        return [word for _, unnamed in choices for word in unnamed]

    def unnamed_words_of_each_choice(self, question: str) -> list[tuple[str, list[str]]]:
        """Each name of what the question asks for, with its words no page uses (see unnamed_service_words):
        "do you do bundles or packages of drips" gives both names, and the pages' name for one is enough. A
        choice that names nothing is none ("do you do hair transplants or not")."""
        corrected = self.correct_spelling(question)
        if asked_for(corrected) == HOME_VISITS:  # everyday words, named only together
            named = any(NAMES_HOME_VISITS.search(passage.search_text) for passage in self.index.passages)
            return [(HOME_VISITS, [] if named else [HOME_VISITS])]
        if asks_the_forecast(corrected):
            return [(FORECAST, [FORECAST])]
        service = self.service_asked_for(question) or something_else_asked_about(corrected)
        if not service:
            return []
        lexical = self.index.lexical
        choices = [
            choice
            for choice in _CHOICES.split(service)
            if any(not names_nothing(word) for word in lexical.content_words(choice))
        ]
        return [(choice, self._unnamed_words_of(choice)) for choice in choices or [service]]

    def _unnamed_words_of(self, service: str) -> list[str]:
        """The words of one name of a service that no page uses (all of them, for a name the pages have apart)."""
        lexical = self.index.lexical
        unnamed = [word for word in lexical.unnamed_words(service) if not names_nothing(word)]
        if unnamed:
            return unnamed
        naming = [word for word in lexical.content_words(service) if not names_nothing(word)]
        # "a copy of my mole photos" names something of the visitor's, not a service
        a_name = len(naming) <= SERVICE_NAME_WORDS and not _POSSESSIVE.search(service)
        return naming if a_name and lexical.named_apart(naming) else []

    def service_asked_for(self, question: str) -> str | None:
        """The words naming the service the question asks for, as the search reads them: spelling corrected, a
        visitor's everyday words ("jabs") taken out."""
        service = asked_for(self.correct_spelling(question))
        return self.visitor_words.find(service).rest if service else None

    def understands(self, question: str) -> bool:
        """Whether the question has a word the knowledge or the model knows ("asdfgh", "???" and emoji
        have none), or a name of letters and digits the pages use ("4d" at a baby scan clinic: one more
        question answered right of the twenty-six visitor suites' 3,251, none lost): only such a question
        can be read in a topic's context, or answered at all."""
        question = self.correct_spelling(question)
        words = {w.lower() for w in WORD.findall(question)}
        lexical = self.index.lexical
        known = any(w in lexical.vocabulary or w in self.encoder.dictionary for w in words if len(w) > 1)
        return known or bool(lexical.known_names(question)) or self._bridged_to_the_pages(question)

    def _bridged_to_the_pages(self, question: str) -> bool:
        """Whether the question has a visitor's everyday word for a word of the pages ("meds" alone, at a clinic
        whose pages say "medication": the model's vocabulary has no "meds")."""
        bridges = self.visitor_words.find(question).bridges
        pages_words = {w.lower() for bridge in bridges for w in WORD.findall(bridge.pages)}
        return bool(pages_words & self.index.lexical.vocabulary)

    def _terms_beyond_about_words(self, question: str) -> set[int]:
        """The question's terms (stemmed, stop words aside) other than words that ask about a page as a
        whole: when they are all in a page's title ("what is microneedling"), the page is what is asked.
        Words no page uses have no term, so "is microneedling halal" names only its page too (and keeps
        the fused order)."""
        words = [w for w in WORD.findall(question.lower()) if w not in _ABOUT_WORDS]
        return set(self.index.lexical.table.query_terms(" ".join(words)))

    def word_query(self, question: str, bridges: tuple[WordBridge, ...] | None = None) -> str:
        """What the word search (BM25) looks for: the question with its bridges' pages' words."""
        bridges = self.bridges(question) if bridges is None else bridges
        return " ".join([question, *(bridge.pages for bridge in bridges)])

    def bridges(self, question: str) -> tuple[WordBridge, ...]:
        """The bridges of the question's everyday words (bot/visitor_words.py): none when the rest of it has a
        word no passage uses, since "how much is a tummy tuck" must not find the price list through "price".
        Without that rule the questions no clinic answers (the calibration questions) gained as much as the
        clinics' own, and the calibrated threshold rose with them."""
        found = self.visitor_words.find(question)
        if not found.bridges:
            return ()
        # Words of one or two letters ("x", "r") say nothing about a subject either.
        unknown = [w for w in self.index.lexical.unknown_words(found.rest) if w not in CHAT_WORDS and len(w) > 2]
        return () if unknown else found.bridges

    def _squash(self, bm25: np.ndarray) -> np.ndarray:
        return bm25 / (bm25 + self.lexical_half)

    def _cosines(self, vector: np.ndarray) -> Cosines | None:
        """The vector's cosine with everything in the index, for an index small enough (else None)."""
        index = self.index
        if not self._scan:
            return None
        return Cosines(index.passage_vectors @ vector, index.question_vectors @ vector, index.sentence_vectors @ vector)

    def _nearest(self, vector: np.ndarray, cosines: Cosines | None, n: int) -> np.ndarray:
        """Rows of the `n` passages closest in meaning to the question, by their text and by their FAQ
        question (so up to 2n rows, perhaps some twice): from `cosines` when computed, else by faiss."""
        if cosines is None:
            return self.index.nearest(vector, n)
        asked = _top(cosines.question, n)
        return np.concatenate([_top(cosines.passage, n), self.index.question_rows[asked]])

    def _dense(self, rows: np.ndarray, vector: np.ndarray, cosines: Cosines | None) -> DenseParts:
        """Per row: the best of the passage's cosine, its FAQ question's, the mean of the passage's and its
        statement heading's, and the mean of the passage's and its best sentence's; with each part's cosine
        for the reranker (an introduction's heading is its page's title). `cosines`: the question's with
        everything in the index, when they were computed (else only the rows' are)."""
        index, settings = self.index, self.settings
        passage = cosines.passage[rows] if cosines is not None else index.passage_vectors[rows] @ vector
        dense = passage.copy()
        heading = np.full(len(rows), np.nan, dtype=np.float32)
        questions = index.question_of_row[rows]
        asked = questions >= 0
        if asked.any():
            question_sims = (
                cosines.question[questions[asked]]
                if cosines is not None
                else index.question_vectors[questions[asked]] @ vector
            )
            heading[asked] = question_sims
            # A statement heading is a label ("Recovery and aftercare"), not a question: it counts together
            # with its passage, as the mean of the two cosines.
            label = (question_sims + passage[asked]) / 2
            evidence = np.where(self._faq[rows[asked]], settings.question_weight * question_sims, label)
            dense[asked] = np.maximum(dense[asked], evidence)
        titled = self._intro_title[rows]
        intro = titled >= 0
        if intro.any():
            heading[intro] = self._title_vectors[titled[intro]] @ vector
        sentence = np.full(len(rows), np.nan, dtype=np.float32)
        if index.has_sentences and len(rows):
            best = self._best_sentence_cosines(rows, vector, cosines.sentence if cosines is not None else None)
            has = best > -np.inf
            sentence[has] = best[has]
            share = settings.sentence_share
            dense[has] = np.maximum(dense[has], share * best[has] + (1 - share) * passage[has])
        return DenseParts(dense, passage, heading, sentence)

    def _best_sentence_cosines(self, rows: np.ndarray, vector: np.ndarray, sims: np.ndarray | None) -> np.ndarray:
        """For each row, its best sentence's cosine with the question (-inf for a passage without any), from
        `sims` (the cosine with every sentence) when given, else from the rows' own sentences."""
        index = self.index
        if sims is not None:
            return self._best_of_every_passage(sims)[rows]
        starts, sizes = index.sentence_starts[rows], np.diff(index.sentence_starts)[rows]
        has = sizes > 0
        best = np.full(len(rows), -np.inf, dtype=np.float32)
        if has.any():
            starts, sizes = starts[has], sizes[has]
            offsets = np.cumsum(sizes) - sizes
            sentence_rows = np.arange(sizes.sum()) - np.repeat(offsets, sizes) + np.repeat(starts, sizes)
            best[has] = np.maximum.reduceat(index.sentence_vectors[sentence_rows] @ vector, offsets)
        return best

    def _best_of_every_passage(self, sims: np.ndarray) -> np.ndarray:
        """Each passage's best sentence cosine: one pass over every sentence's (passages are contiguous)."""
        best = np.full(len(self._passage_has_sentences), -np.inf, dtype=np.float32)
        if len(self._first_sentences):
            best[self._passage_has_sentences] = np.maximum.reduceat(sims, self._first_sentences)
        return best

    def _best_sentence(self, row: int, vector: np.ndarray, cosines: Cosines | None) -> int | None:
        """Which of a passage's key_sentence_spans is closest to the question (`cosines`: its cosines with the
        whole index, when they were computed)."""
        start, end = self.index.sentence_starts[row], self.index.sentence_starts[row + 1]
        if start == end:
            return None
        own = cosines.sentence[start:end] if cosines is not None else self.index.sentence_vectors[start:end] @ vector
        return int(own.argmax())

    def _nearest_by_sentence(self, cosines: Cosines | None) -> np.ndarray:
        """Rows of the passages holding the sentences closest to the question (from its cosine with every
        sentence, computed for a clinic's few thousand; not beyond SCAN_UP_TO)."""
        if cosines is None:
            return np.zeros(0, dtype=np.int64)
        top = _top(cosines.sentence, self.settings.sentence_candidates)
        return np.searchsorted(self.index.sentence_starts, top, side="right") - 1


def page_titles(passages: list[Passage]) -> list[str]:
    """The titles that label an introduction (see Retriever), each once."""
    return sorted({p.title for p in passages if not p.headings and p.title.strip()})


def _distinct(rows: np.ndarray, size: int) -> np.ndarray:
    """The distinct rows, in order (as np.unique, which took 7 µs to this one's 2 for a search's ~150 rows)."""
    seen = np.zeros(size, dtype=bool)
    seen[rows] = True
    return np.flatnonzero(seen)


def _top(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest values (all of them when there are n or fewer), in no particular order."""
    if n >= len(values):
        return np.arange(len(values))
    return np.argpartition(-values, n - 1)[:n]
