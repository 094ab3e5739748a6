"""Spelling correction: a misspelt word of a question becomes the closest word the knowledge uses."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# Two words of the pages next to each other, with the hyphen or the space between them; a hyphenated pair
# only as a whole compound ("x-ray", not the "to-day" of "day-to-day", which made "today" "to day").
_PAIR = re.compile(r"(?=(?<!-)\b([a-z]+)([- ])([a-z]+)\b(?!-))")
# Endings that make a new word from a whole one without changing it (unlike "-ing": "bleding" is "bled" +
# "ing" to a dictionary, and a typo of "bleeding").
_ENDINGS = ("'s", "s", "ness", "less", "ful", "ly")
_INFLECTIONS = ("ing", "ed")
_VOWELS = frozenset("aeiouy")
# Words shorter than this are never corrected: too many words are a letter from them ("hom": "home", "how",
# "him"). A word of this length is corrected only by a letter put back ("chek" → "check", "blod" → "blood",
# "fevr" → "fever") or two letters swapped ("tets" → "test"): a letter taken from it or changed makes it
# another word too often ("cant" → "can", "tans" → "tan", "lipo" → "lip"). On the eleven visitor suites,
# answerable questions answered right 1,041 → 1,047 of 1,316, nothing else changed (2026-12-03, session 21).
_SHORTEST = 4
# Two words typed apart are read as one word of the pages only when that word is this long ("chickenpox",
# "toothache"): the shorter a word, the more pairs of typed words are one letter from it.
_SHORTEST_JOINED = 8
# Four-letter words that a letter put back would make others: written without their apostrophe ("hows" →
# "shows"), and "lats" (the back muscles, not "last").
_LEFT_AS_TYPED = frozenset({"cant", "dont", "wont", "isnt", "aint", "hows", "whos", "whys", "shes", "lats"})
# What a slip of the fingers or of spelling costs, against 1 for any other letter added, dropped or
# changed: one vowel for another ("removel", "canel"), a letter doubled or undoubled ("yelow", "realy"), two
# letters swapped ("sprots").
_LIKELY_SLIP = 0.5
# A word this long that no word of the pages is one edit from is corrected by two likely slips, which cost
# one edit together ("verucca": "verruca", "merina": "mirena"), when it has all but two of the word's letters:
# a read-only code review found "pooing" read as "paying" and "palsy" as "pulse" (four letters apart). On the
# thirty-six suites of session 36, with the service checks' words below, answered right 3,495 → 3,504 of
# 4,567, nothing lost.
_SHORTEST_TWO_SLIPS = 5
_MOST_LETTERS_APART_BY_SLIPS = 2
# A word this long that neither finds is corrected by two edits that are slips whatever they cost: letters swapped
# or moved, or one left out of a plural ("tounge": tongue, "colieac": coeliac, "discout": discounts). On the
# sixty-five suites of session 50, answered right 6,813 → 6,817 of 8,925, nothing else changed; letting it change
# shorter words or vowels too lost "whats a cist aspration" (read as "cost"), and letting it put back any two letters
# read "my toddler swallowed posion" as "position" where a page said it (a read-only review: the red flag lost).
_SHORTEST_SLIPS = 6
# Days are asked about in any clinic's chat box, and a page may name them only in the plural ("late opening on
# Thursdays"), which a misspelt "thursdy" is two letters away from.
_DAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
# Chat spellings too short to correct by edits, written out for the model ("wat time do u shut" → "what time
# do you shut"): only those that stand for one word in any clinic's chat box, and never a word the clinic's
# pages use ("Dr Wen"). "r" only next to "u" ("how r u", "u r"): alone it is also right ("my r eye"); "ya" is "you"
# or "yes" ("see ya").
CHAT_SPELLINGS = {
    "u": "you",
    "ur": "your",
    "yous": "you",
    "wat": "what",
    "wot": "what",
    "wht": "what",
    "ther": "there",
    "hav": "have",
    "wen": "when",
    "shud": "should",
    "cud": "could",
    "wud": "would",
    "abt": "about",
    "afta": "after",
    "wiv": "with",
    "tho": "though",
    "thru": "through",
    "thx": "thanks",
    "ppl": "people",
    "cos": "because",
    "coz": "because",
    "fone": "phone",
    "nite": "night",
    "tonite": "tonight",
    "tmrw": "tomorrow",
    "tomoz": "tomorrow",
    # four letters, which a letter put back would make other words ("tues" → "tubes", "hols" → "holds")
    "tues": "tuesday",
    "weds": "wednesday",
    "thur": "thursday",
    "thurs": "thursday",
    "hols": "holidays",
    "prob": "probably",
    "probs": "probably",
}
_ARE_YOU = re.compile(r"\b[Rr](?= [Uu]\b)|(?<=\b[Uu] )[Rr]\b")
# "were" for "where", only where "were" cannot be meant: starting the message or a clause, before a verb that
# asks where ("were are you based", "hi were do i park": session 37's blind breast clinic); not "were you open
# on monday", nor "the instructions were do not eat after midnight" (a read-only code review).
_WERE_FOR_WHERE = re.compile(
    r"(^|[.,!?] |\b(?:hi|hello|hey|and|so|but|ok|okay|also|sorry|thanks) )([Ww])ere"
    r"(?= (?:is|are|abouts|do (?:i|you|u|we)|can (?:i|you|u|we)|should (?:i|we)|r)\b)"
)


def write_out_chat(text: str, keep: frozenset[str] = frozenset()) -> str:
    """The text with its chat spellings written out (CHAT_SPELLINGS), but for the words in `keep`."""
    return _write_out_chat(text, keep) if keep else _write_out_all_chat(text)


@lru_cache(maxsize=256)
def _write_out_all_chat(text: str) -> str:
    """Remembered for the last texts: the policy and the everyday words both read a message written out."""
    return _write_out_chat(text, frozenset())


def _write_out_chat(text: str, keep: frozenset[str]) -> str:
    text = _WERE_FOR_WHERE.sub(r"\1\2here", _ARE_YOU.sub("are", text))
    return WORD.sub(lambda m: _written_out(m.group(0), keep), text)


def _written_out(word: str, keep: frozenset[str]) -> str:
    lower = word.lower()
    return CHAT_SPELLINGS[lower] if lower in CHAT_SPELLINGS and lower not in keep else word


def typo_cost(typed: str, word: str) -> float:
    """The edits that turn `word` into `typed`, each likely slip counting half (a weighted optimal string
    alignment distance): "removel" is closer to "removal" (0.5) than to "remove" (1)."""
    rows, cols = len(typed) + 1, len(word) + 1
    cost = [[0.0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = float(i)
    for j in range(cols):
        cost[0][j] = float(j)
    for i in range(1, rows):
        for j in range(1, cols):
            a, b = typed[i - 1], word[j - 1]
            if a == b:
                change = 0.0
            elif a in _VOWELS and b in _VOWELS:
                change = _LIKELY_SLIP
            else:
                change = 1.0
            added = _LIKELY_SLIP if i > 1 and typed[i - 2] == a else 1.0  # "yelloow": a letter doubled
            dropped = _LIKELY_SLIP if j > 1 and word[j - 2] == b else 1.0  # "yelow": a double letter single
            best = min(cost[i - 1][j - 1] + change, cost[i - 1][j] + added, cost[i][j - 1] + dropped)
            if i > 1 and j > 1 and a == word[j - 2] and typed[i - 2] == b:
                best = min(best, cost[i - 2][j - 2] + _LIKELY_SLIP)
            cost[i][j] = best
    return cost[-1][-1]


def _puts_back_or_swaps(typed: str, word: str) -> bool:
    """Whether `word`, one edit from `typed`, has a letter more or the same letters (see _SHORTEST)."""
    return len(word) == len(typed) + 1 or sorted(word) == sorted(typed)


def _only_slips(typed: str, word: str) -> bool:
    """Whether `word` is `typed` with its letters in another order, or with one letter put back and an "s" added."""
    if sorted(word) == sorted(typed):
        return True
    if len(word) != len(typed) + 2 or not word.endswith("s"):
        return False
    letters = iter(word[:-1])
    return all(letter in letters for letter in typed)


def letters_apart(typed: str, word: str) -> int:
    """How many letters one word has that the other lacks, in any order: "excersise" has every letter of
    "exercise" but one "s", and lacks the "v" of "excessive"."""
    a, b = Counter(typed), Counter(word)
    return sum(((a - b) + (b - a)).values())


def written_apart(texts: Iterable[str], dictionary: frozenset[str] = frozenset()) -> dict[str, str]:
    """The words the texts write as two ("X-ray", "follow-up", "hay fever"), by the one word a visitor types
    for them ("xray": "x ray"). A pair with a word of one or two letters only when hyphenated ("x-ray", "e-mail";
    not "an x" for "anx"); any other pair only when the model's `dictionary` has no such word ("hay fever",
    "follow-up"; not "any one" for "anyone", nor "make-up" for "makeup", which the model reads as it is)."""
    apart: dict[str, str] = {}
    for text in texts:
        for first, joint, second in _PAIR.findall(text.lower()):
            together = first + second
            short = min(len(first), len(second)) < 3
            if (short and joint == "-") or (not short and together not in dictionary):
                apart.setdefault(together, f"{first} {second}")
    return apart


class SpellingCorrector:
    """Replace a misspelt word with the closest word the knowledge uses ("strech" → "stretch").
    A word counts as misspelt when neither the knowledge nor the `dictionary` (the model's own
    whole-word vocabulary) knows it, so real words ("there", "botox") are never "corrected"; a word the pages
    only write as two ("email" where they say "e-mail") is written as they write it."""

    def __init__(
        self,
        vocabulary: frozenset[str],
        dictionary: frozenset[str] = frozenset(),
        keep: frozenset[str] = frozenset(),
        apart: dict[str, str] | None = None,
    ) -> None:
        """A word of `keep` (the safety rules' words, typos among them) is corrected only into another word
        of `keep` one letter away: "swallo" into "swallow", but "filler" never into a hearing clinic's
        "filter", nor "fainting" into "finding" (both lost red flags their emergency message). Measured on
        the ten safety sets: 599/614 red flags on every suite's knowledge, against 591–599 before.
        `apart`: the words the pages write as two (`written_apart`), read as the pages write them when a
        visitor types them as one ("xray", "wifi", "hayfever") and the pages never do."""
        self.vocabulary = vocabulary
        self.apart = {joined: two for joined, two in (apart or {}).items() if joined not in vocabulary}
        self.choices = sorted(vocabulary | _DAYS)
        self.dictionary = dictionary
        self.keep = keep
        self.closest = lru_cache(maxsize=8192)(self._closest)
        # A question is corrected by the policy, then by the retriever (which also serves the evaluation
        # directly) and for `understands`: remembered, the second and third time cost a dict lookup.
        self.corrected = lru_cache(maxsize=1024)(self._corrected)

    def _closest(self, word: str) -> str:
        lower = word.lower()
        # Before knows(): the model may know "email", but the word search only finds the pages' "e mail".
        if lower in self.apart and (lower not in self.keep or set(self.apart[lower].split()) <= self.keep):
            return self.apart[lower]
        if len(lower) < _SHORTEST or lower in _LEFT_AS_TYPED or self.knows(lower):
            return word
        kept = lower in self.keep
        inflected = self.inflects_a_known_word(lower)
        limit = 1 if len(lower) < 8 or kept or inflected else 2
        nearest = self.nearest(lower, limit, short=len(lower) == _SHORTEST)
        if not nearest and limit == 1 and len(lower) >= _SHORTEST_TWO_SLIPS and not (kept or inflected):
            nearest = self.nearest_by_two_slips(lower)
        if not nearest and len(lower) >= _SHORTEST_SLIPS and not (kept or inflected):
            nearest = self.nearest_by_slips(lower)
        if not nearest or (kept and nearest not in self.keep):
            return word
        return nearest

    def nearest(self, typed: str, limit: int, short: bool = False) -> str | None:
        """The word of the knowledge fewest edits from `typed` (at most `limit`; for a `short` word, only a
        letter put back or two swapped). Where several are as few edits away, the likelier slip wins, then the
        one with the more letters in common, then the first alphabetically. Before, the first alphabetically
        always won: "excersise" became "excessive", not "exercise" (see README "Quality", session 15)."""
        matches = extract(typed, self.choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if short:
            matches = [m for m in matches if _puts_back_or_swaps(typed, m[0])]
        if not matches:
            return None
        fewest = min(edits for _, edits, _ in matches)
        tied = [choice for choice, edits, _ in matches if edits == fewest]
        return min(tied, key=lambda choice: (typo_cost(typed, choice), letters_apart(typed, choice), choice))

    def nearest_by_two_slips(self, typed: str) -> str | None:
        """The word of the knowledge two edits from `typed` that are both likely slips (`typo_cost` 1 at most)
        and leave it at most `_MOST_LETTERS_APART_BY_SLIPS` letters apart, the one with the more letters in
        common first."""
        matches = extract(typed, self.choices, scorer=OSA.distance, score_cutoff=2, limit=None)
        slips = [(letters_apart(typed, choice), choice) for choice, edits, _ in matches if edits == 2]
        slips = [
            (apart, choice)
            for apart, choice in slips
            if apart <= _MOST_LETTERS_APART_BY_SLIPS and typo_cost(typed, choice) <= 2 * _LIKELY_SLIP
        ]
        return min(slips)[1] if slips else None

    def nearest_by_slips(self, typed: str) -> str | None:
        """The word of the knowledge two edits from `typed`, with its first letter, that only slips make: the same
        letters in another order ("tounge": tongue, "pesarys": pessary, "posion": poison) or a letter left out of
        the plural ("discout": discounts); the likeliest slip first, then the first alphabetically. Other edits
        make other words too ("squint": suit, "goggles": google, "filler": filled, "pooing": paying, and, two
        letters left out, "posion": position, "tether": together, "atrial": arterial)."""
        matches = extract(typed, self.choices, scorer=OSA.distance, score_cutoff=2, limit=None)
        slips = [choice for choice, _, _ in matches if choice[0] == typed[0] and _only_slips(typed, choice)]
        return min(slips, key=lambda choice: (typo_cost(typed, choice), choice)) if slips else None

    def knows(self, word: str) -> bool:
        """A word of the knowledge or the dictionary, or one of them with an ending the dictionary leaves out
        ("numbness", "tonights" once the apostrophe is gone): otherwise they were "corrected" into words of
        the pages ("numbers", "tights") and a worry read as something else."""

        def known(word: str) -> bool:
            return word in self.vocabulary or word in self.dictionary

        return known(word) or any(
            word.endswith(ending) and len(word) - len(ending) >= 4 and known(word[: -len(ending)])
            for ending in _ENDINGS
        )

    def inflects_a_known_word(self, word: str) -> bool:
        """A known word with "-ing" or "-ed" ("tweaking", "snipping", "teething"): most likely a word, so it is
        corrected only one letter away ("bleding" → "bleeding"), not two ("tweaking" had become "breaking",
        "dreading" "dressing")."""
        for ending in _INFLECTIONS:
            stem = word.removesuffix(ending)
            if stem == word or len(stem) < 3:
                continue
            undoubled = stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem
            if any(self.knows(form) for form in (stem, stem + "e", undoubled)):
                return True
        return False

    def __call__(self, text: str) -> str:
        return self.corrected(text)

    def _corrected(self, text: str) -> str:
        text = self.joined(write_out_chat(text, keep=self.vocabulary))
        return WORD.sub(lambda m: self.closest(m.group(0)), text)

    def joined(self, text: str) -> str:
        """Two words typed apart, one of them misspelt, that make one word of the pages ("chiken pox" →
        "chickenpox", "tooth achee" → "toothache")."""
        words = list(WORD.finditer(text))
        pieces, done = [], 0
        for first, second in pairwise(words):
            if first.start() < done or text[first.end() : second.start()] != " ":
                continue
            one = self.one_word(first.group(0).lower(), second.group(0).lower())
            if one:
                pieces += [text[done : first.start()], one]
                done = second.end()
        return "".join(pieces) + text[done:]

    def one_word(self, first: str, second: str) -> str | None:
        """The word of the pages that `first` and `second` (lower case) make together, when one of them is
        misspelt. A known word stays whole at its end of it and has at least `_SHORTEST` letters: otherwise
        "bleach in" became "bleaching", "eyelid is" "eyelids" and "the rabies" "therapies" (a read-only
        review, session 22); a word of the safety rules joins only into another ("bleach")."""
        known = [self.knows(word) or word in _LEFT_AS_TYPED for word in (first, second)]
        if all(known):
            return None
        together = first + second
        if len(together) < _SHORTEST_JOINED or any(
            is_known and len(word) < _SHORTEST for is_known, word in zip(known, (first, second), strict=True)
        ):
            return None
        one = together if together in self.vocabulary else self.nearest(together, 1)
        if not one or (known[0] and not one.startswith(first)) or (known[1] and not one.endswith(second)):
            return None
        if any(word in self.keep for word in (first, second)) and one not in self.keep:
            return None
        return one
