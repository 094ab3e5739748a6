"""Which page a question is about: its own words, else the conversation, else the page the visitor reads.

A question names a topic when it uses a word of a page's title or tags that is particular to that page
("fillers", "microneedling"); "does it sting?" names none, and is read in its context: the page the previous
question named, else the page of the last answer, or else the page the visitor is on (a knowledge file
whose `url` or `pages` match it). So is a question that points back before a word of it names another page,
when no page is named by more than one of its words: "is that on the nhs" after an answer about the dry eye
clinic, though the fees page is tagged "nhs".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from bot.knowledge import Document
from bot.passages import Passage
from bot.phrases import normalise
from bot.replies import Context

_WORD = re.compile(r"[a-z0-9]+")
# Function words of a title or a multi-word tag ("who we treat", "rehab after surgery", "out of hours") name
# no page: with bm25s' list of 33 words alone, "who", "much" and "after" named pages, and "can i choose who i
# see" asked after an answer, or "how much is it" asked on a treatment page, lost its context. On the
# twenty-six visitor suites, answered right 2,455 → 2,500 of 3,251 (32 follow-ups, 19 questions asked from
# a page, 2 lost), nothing else changed. "long", "often", "soon" and "far" ask how long, how often...: "how
# long is the actual op" after a lens replacement answer lost its context to the tag "long sighted" of the
# laser page (session 34).
_FUNCTION_WORDS = (
    "who whom whose what when where which why how after before out off over under again about above below "
    "from without within through during until upon onto across along around between among here those one "
    "ones can could would should shall may might must does did done doing have has had having get gets got "
    "see seen make makes made take takes took more most much many very also just only own same other others "
    "some any all both each few than too nor yes you your yours our ours she her his him them its now even "
    "long often soon far"
)
_STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(_FUNCTION_WORDS.split())
# Words of a page title that say what kind of page it is, not what it is about.
_GENERIC_WORDS = (
    "treatment treatments clinic page pages faq faqs question questions about our your information info "
    "guide service services care price prices general what how visit visiting us"
)
_GENERIC = frozenset(_GENERIC_WORDS.split())
# Words of a page's tags that say what a question asks about any treatment, not which one: "whats it cost"
# on the dry needling page is about dry needling, though the fees page is tagged "cost". (A title keeps
# them: "Fees and booking" is named by "fees".) On the blind physiotherapy suite, answered right 0.577 →
# 0.598; the other suites as they then stood unchanged (harbour 0.763, riverside 0.723, seed 0.865). "free"
# of "free nhs treatment" took "is that free" asked after a delivery answer (session 31's blind pharmacy;
# "cheap", "cheaper" and "cheapest" are there with it, though no suite's tags have them).
_ASPECT_WORDS = (
    "cost costs fee fees charge charges pay paying payment payments pricing free cheap cheaper cheapest "
    "sore soreness ache aches pain painful "
    "hurt hurts wear wearing clothes book booking booked appointment appointments session sessions recovery "
    "aftercare downtime result results risk risks side effects safe safety"
)
_ASPECT = frozenset(_ASPECT_WORDS.split())
# Words by which a question points back at what was just talked about ("does that include the prep stuff"):
# not "they", most often the clinic's staff ("do they do acne treatment too"), nor "one" ("one more thing")...
_REFERS_BACK = frozenset(("it", "that", "them", "those", "these"))
# ...nor the "it" of "is it worth", "is it ok", "is it possible", nor the "that" of "i heard that", which point
# at nothing said before.
_POINTS_AT_NOTHING = re.compile(
    r"\b(?:is|was|isnt|wasnt) it\b|\b(?:heard|said|read|think|know|sure|true|mean|says) that\b"
)


def normalise_url(url: str) -> str:
    """scheme://host/path without query, fragment or trailing slash, host lower case."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


class TopicFinder:
    def __init__(self, documents: list[Document], passages: list[Passage]) -> None:
        """`passages`: the current version's, whose ids a conversation's context names."""
        self.stemmer = Stemmer.Stemmer("english")
        self.passage_files = {p.id: p.file for p in passages}
        self.passage_headings = {p.id: p.headings[-1] for p in passages if p.headings}
        self.headings = sorted({heading for p in passages for heading in p.headings})
        generic, aspect = self._stems(_GENERIC), self._stems(_ASPECT)
        terms_of = {
            d.file: (self._terms(d.title) | (self._terms(" ".join(d.tags)) - aspect)) - generic for d in documents
        }
        self.terms_of = terms_of
        pages_per_term = Counter(term for terms in terms_of.values() for term in terms)
        # A term on more than a third of the pages ("skin") says little about which page is meant.
        limit = max(1, len(documents) // 3)
        self.files_of_term: dict[str, set[str]] = {}
        for file, terms in terms_of.items():
            for term in terms:
                if pages_per_term[term] <= limit:
                    self.files_of_term.setdefault(term, set()).add(file)
        self.titles = {d.file: d.title for d in documents}
        self.addresses = sorted(
            ((normalise_url(a), d.file) for d in documents for a in (d.url, *d.pages) if a),
            key=lambda pair: -len(pair[0]),  # the longest (most particular) address first
        )

    def _stems(self, words: frozenset[str]) -> set[str]:
        """The words as they are and stemmed (terms are compared stemmed)."""
        return set(words) | set(self.stemmer.stemWords(sorted(words)))

    def _terms(self, text: str) -> set[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2]
        return set(self.stemmer.stemWords(words))

    def label(self, file: str, context: Context | None) -> str:
        """The words a question about `file` is read with: the page's title, and the heading of the last
        answer when it is on that page ("About us - Parking: is it free", not "About us: is it free").
        A follow-up most often asks more of the section just answered, or of one near it: on eleven visitor
        suites, follow-ups and questions asked from a page answered right 244 → 261 of 353 (the heading
        alone: 255), answerable questions 1,023 → 1,040 of 1,316, no suite lower than by one question."""
        title = self.titles.get(file, "")
        previous = context.previous if context else None
        heading = self.passage_headings.get(previous or "")
        return f"{title} - {heading}" if heading and self.passage_files.get(previous or "") == file else title

    def previous_on(self, file: str, context: Context | None) -> str | None:
        """The id of the passage answered last, when it is on `file`."""
        previous = context.previous if context else None
        return previous if previous and self.passage_files.get(previous) == file else None

    def a_title_names(self, phrase: str) -> bool:
        """Whether some page's title has the phrase, as whole words ("psoriasis" in "Eczema and psoriasis")."""
        return _names(phrase, self.titles.values())

    def a_heading_names(self, phrase: str) -> bool:
        """Whether some page's title or section heading has the phrase, or one of its forms ("pregnant|pregnancy"),
        as whole words ("penicillin" in "What happens during penicillin allergy testing?") or, for one word, as the
        start of a longer one ("chemo" in "Chemotherapy Day Unit")."""
        texts = [*self.titles.values(), *self.headings]
        forms = [form for form in phrase.split("|") if form.strip()]
        return any(_names(form, texts) or _begins_a_word(form, texts) for form in forms)

    def named(self, question: str) -> set[str]:
        """The files whose particular title or tag words the question uses."""
        return set(self._votes(question))

    def _votes(self, question: str) -> Counter[str]:
        """For each file the question names, how many of its words name it."""
        return Counter(file for term in self._terms(question) for file in self.files_of_term.get(term, ()))

    def a_page_names_all(self, text: str) -> bool:
        """Whether one page's title and tags have every word of `text`, in any form ("boob job" of a page tagged
        so; not "emergency contraception" of an urgent help page tagged "emergency")."""
        terms = self._terms(text)
        return bool(terms) and any(terms <= page_terms for page_terms in self.terms_of.values())

    def without_topics(self, text: str) -> str:
        """The text without its particular title and tag words: "how long do fillers last" → "how long do
        last", what the question asks with its topic taken out."""
        kept = [w for w in text.split() if not self.named(w)]
        return " ".join(kept)

    def page_file(self, page: str | None) -> str | None:
        """The knowledge file for the page a visitor reads: its url, or an address it starts with."""
        if not page or not re.match(r"^https?://", page):
            return None
        address = normalise_url(page)
        for prefix, file in self.addresses:
            if address == prefix or address.startswith(prefix + "/"):
                return file
        return None

    def topic(self, question: str, context: Context | None) -> str | None:
        """The knowledge file a question that names no topic is about, from its context: the one page the
        previous question named, else the page of the last answer, else the page the visitor reads; also of
        a question that points back before it names a page, no page by more than one word ("is that on the
        nhs"). None when the question stands on its own (it names another topic more than the last answer's
        page, or there is no context)."""
        if context is None:
            return None
        votes = self._votes(question)
        previous_file = self.passage_files.get(context.previous or "")
        if votes:
            # It names its topic ("and what about fillers?", "does microneedling hurt?"), unless no page is
            # named by more of its words than the page of the last answer: "and when can i drive" after the
            # aftercare page's "Returning to work, screens and driving" asks more of it, but "is the sti test
            # free" after the HIV testing page's answer asks of STI testing ("test" names both). On the
            # twenty-six visitor suites, with the function words above, answered right 2,500 → 2,504 of 3,251
            # (all follow-ups).
            most = max(votes.values())
            if votes[previous_file] == most:
                return previous_file
            # Nor do words for other pages, one each, make a new topic when the question points back at the
            # conversation's before it names anything: "does that include the prep stuff" after a colonoscopy's
            # price names the colonoscopy page by "prep", but "what about peels, do they sting" asks of peels.
            # On the 53 visitor suites, 11 follow-ups and questions asked from a page gained, none lost (session
            # 43; with "it" or "that" anywhere in the question, 25 and 2, but two read-only reviews found "and
            # peels, do they sting" after a botox answer about botox, and "is it worth getting microneedling
            # instead" after a filler answer about fillers).
            if most == 1 and self._points_back_first(question):
                return self._conversation_topic(context)
            return None
        return self._conversation_topic(context)

    def _points_back_first(self, question: str) -> bool:
        """Whether a word pointing back ("it", "that", "them") comes before any word that names a page."""
        for word in _WORD.findall(_POINTS_AT_NOTHING.sub(" ", normalise(question))):
            if word in _REFERS_BACK:
                return True
            if word not in _STOPWORDS and len(word) > 2 and self.stemmer.stemWord(word) in self.files_of_term:
                return False
        return False

    def _conversation_topic(self, context: Context) -> str | None:
        """The page the conversation is about: the one page the previous question named, else the page of
        the last answer, else the page the visitor reads."""
        # "how much is teeth whitening" is answered from the price list, but "how long does it last" then
        # asks about whitening: riverside-dental 0.785 → 0.795 answered right, the other suites unchanged.
        named_before = self.named(context.asked) if context.asked else set()
        if len(named_before) == 1:
            return next(iter(named_before))
        return self.passage_files.get(context.previous or "") or self.page_file(context.page)


# A heading's word read as a longer form of a condition or medicine named in one word: "chemo" of
# "chemotherapy", "ulcer" of "ulcers" (five letters at least: not "iron" of "ironing"). Only the start: a shared
# root of six letters, measured in session 47 (answered right +6 of 7,648 on 58 suites, "pregnant" where a heading
# says "Pregnancy"), also took "concerta" of "Growth and puberty concerns" and "retinol" of "Diabetic
# retinopathy"; safety.yaml lists such forms together instead ("pregnant|pregnancy").
CLIPPED_LETTERS = 5


def _begins_a_word(word: str, texts: Iterable[str]) -> bool:
    """Whether one of `texts` has a word that begins with `word` (one word, CLIPPED_LETTERS or more) and is longer."""
    word = normalise(word)
    if " " in word or len(word) < CLIPPED_LETTERS:
        return False
    return any(re.search(rf"\b{re.escape(word)}\w", normalise(text)) for text in texts)


def _names(phrase: str, texts: Iterable[str]) -> bool:
    """Whether one of `texts` has the phrase, as whole words."""
    words = normalise(phrase)
    return bool(words) and any(re.search(rf"\b{re.escape(words)}\b", normalise(text)) for text in texts)
