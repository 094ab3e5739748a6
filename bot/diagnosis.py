"""Questions that ask whether the visitor, or someone in their care, has a named condition: "is it a verruca?",
"could he have severs disease", "my heel kills in the morning, plantar fasciitis maybe?"; or what the
visitor's own symptom is or needs, in the bot's opinion ("would you say my tooth needs a root canal").

Such a question asks for a diagnosis, which only a clinician can give: the bot refers it. The conditions are
staff's (safety.yaml's `diagnoses`); the shapes of the question are here. A condition named in any other
shape is a question the pages answer ("do you treat plantar fasciitis", "is shockwave good for tennis
elbow", "do i have to pay for a glaucoma check"), and so is one that asks the clinic for something ("i
think its broken, can you x-ray it").

Written after two sets of blind messages and two read-only reviews (README "Quality", session 18): a
first version of `personal_advice` phrases with "..." gaps ("do i have ... tinnitus") referred "do i have
to pay for the shingles vaccine"; so the condition must end a part of the message here, and a message about
the clinic's bookings or prices is never read as one.
"""

from __future__ import annotations

import re

from bot.phrases import normalise
from bot.visitor_words import CHAT_WORDS

# Who the question is about: "i", "he", "my son", "my little boy" (not "the clinic": "does the surgery have
# shingles vaccines").
_WHO = r"(?:i|he|she|they|we|my \w+|my \w+ \w+|our \w+)"
# Words between the question and the condition's name: "is it a verruca", "is that just thrush".
_ARTICLE = (
    r"(?:a |an |just |just a |some |some kind of |the start of |"
    r"(?:a |the |early |the early )?(?:sign|signs|symptom|symptoms|beginnings|beginning) of (?:a |an )?|)"
)
# Words after the name that leave it the question: "tinnitus right?", "tmj do you reckon", "sciatica would
# you agree".
_CHECKING = (
    r"(?: right| yeah| yes| then| maybe| perhaps| do you think| do u think| do you reckon| do u reckon| you reckon"
    r"| u reckon| to me| to you"
    r"| would you say| would u say| would you agree| would u agree| am i right| dyou reckon| dya reckon| d you reckon)?"
)
# The name ends its part of the message, or starts a choice: "is it a verruca or a corn", "is it shin splints
# or something else" (not "is it bunions dr patel specialises in", "is it gout or arthritis that runs in
# families").
_CLAUSE_END = r"(?: or (?![\w ]*\b(?:that|which|your|you)\b)[\w ]{0,40})?$"
# Words about the clinic, its services and bookings: a message with any of them asks about those, whatever
# condition it names ("is the nhs shingles vaccine free at 65", "has my son got a verruca appt this week",
# "which is cheaper to treat, a corn or a verruca"), and the pages answer it. (Words a visitor describes
# symptoms or remedies with are not here: "split open, could it be fungal", "what cream should i buy".)
_ABOUT_THE_CLINIC = re.compile(
    r"\b(?:do|can|could|would|will) (?:you|u|ya)\b(?! think| reckon| say| agree| tell (?:me )?(?:if|whether|from))"
    r"|\byou (?:treat|do|offer|see|use)\b"
    r"|\b(?:price|prices|cost|costs|cheaper|cheapest|fee|fees|pay|paid|book|booking|booked|appointment|appointments"
    r"|appt|appts|slot|nhs|insurance|bupa|included|include|includes|specialist|specialise|specialises|clinic"
    r"|surgery|practice|vaccine|vaccines|jab|jabs|referral|refer|parking|visit|visits|leaflet|treat|treated"
    r"|treats|treatment|treatments|removed|removal|op|operation|procedure|class|classes|page|website"
    # and the admin of a visit: "would you say my budget is enough", "whats causing my payment to fail"
    r"|budget|payment|payments|invoice|receipt|bill|charge|charged|refund|deposit|discount|voucher|vouchers|offer"
    r"|offers|sale|bundle|package|letter|email|text|texts|reminder|reminders|app|card|call|phone|form|paperwork"
    r"|passport|confirmation|opening|hours|staff|receptionist|session|sessions|consultation|consultations|how much"
    r"|delay|delays|wait|waits|waiting|queue|late)\b"
)
# Asking the bot's opinion of what the visitor describes, naming no condition: "from what ive said do u think
# my shoulder is torn", "would you say my tooth needs a root canal", "jaw aches in the morning whats causing
# it" (written from three blind advice sets, session 19; a read-only review then found such shapes asked of
# bookings and prices, which _ABOUT_THE_CLINIC now leaves to the pages).
_NEEDED = r"(?:hearing aids|glasses|insoles|braces|a filling|a root canal|antibiotics|a scan|an x ?ray|stitches)"
_CAUSE_OF_A_SYMPTOM = (
    r"(?:ache|aches|aching|hurts|hurt|pain|sore|itchy|itching|swollen|clicks|clicking)\b(?: \w+){0,5}"
    r" (?:whats|what is) causing (?:it|this)"
)
_OPINION = re.compile(
    r"\b(?:from what (?:ive|i|im) (?:said|described|describing|told you)|from my description"
    r"|based on what ive (?:said|described)"
    r"|(?:whats|what is) it likely to be|any idea what (?:it|this|that) (?:is|could be)"
    r"|what do (?:you|u) think (?:it|this|that)(?: \w+){0,6} (?:is|are)$"
    rf"|would (?:you|u) say (?:my|his|her) \w+ (?:needs?|has|have|is|are|looks?)\b"
    rf"|(?:do|d) (?:you|u) think (?:she|he|they|my \w+|my \w+ \w+) (?:needs? {_NEEDED}|has|have|is|are)\b"
    rf"|(?:does|do) (?:he|she|i|my \w+|my \w+ \w+) need {_NEEDED}$"
    r"|(?:whats|what is|what could be|what might be) causing (?:my|his|her) \w+"
    rf"|{_CAUSE_OF_A_SYMPTOM}"
    r"|(?:am i|is he|is she) having (?:a|an) (?:allergic )?reaction|^is (?:this|that) (?:a|an) (?:allergic )?reaction$)"
)
_CAUSE_ASKED_LAST = re.compile(rf"\b{_CAUSE_OF_A_SYMPTOM}$")
# A message's parts: between punctuation, line breaks and dashes.
_PARTS = re.compile(r"[,.;:!?\n]+|\s-+\s|\s*[–—]+\s*")
_ASKS_OTHERWISE = re.compile(r"(?:what|whats|which|where|when|how|hows|who|whos|why|does|do|is|are|can|will)\b")
_NOTHING = r"(?!)"  # no conditions listed: a pattern that matches nothing
# A gap of description must not end in a word that makes the name something else than what it describes:
# "is this the best cream for thrush", "is the laser good on a verruca" (an article is the name's own).
_NOT_AFTER = "".join(
    rf"(?<!\b{word} )"
    for word in (
        *("a", "an", "for", "about", "with", "on", "of", "to", "in", "the", "and", "treat", "get", "cure"),
        *("have", "has", "having", "gets", "got", "becomes", "catch", "catching"),
    )
)
# The description itself: up to seven words, none saying when or why ("is the eye test still on if i have
# sinusitis", "is the gel sterile so nothing becomes infected").
_DESCRIPTION = r"(?:(?!(?:if|so|after|when|because|unless|once|before)\b)\w+ ){1,7}?"


class DiagnosisQuestion:
    """Finds a question whether someone has one of `conditions` (normalised as phrases are), or what their
    symptom is or needs (`_OPINION`)."""

    def __init__(self, conditions: tuple[str, ...]) -> None:
        names = sorted({normalise(c) for c in conditions} - {""}, key=len, reverse=True)
        name = rf"{_ARTICLE}(?:{'|'.join(map(re.escape, names)) or _NOTHING}){_CHECKING}"
        self.shapes = _shapes(name)
        # A last part that is only a name asked about, after a description ("heel pain every morning,
        # plantar fasciitis?"), or a choice with a name at either end ("itchy elbows, eczema or psoriasis").
        self.asked_last = re.compile(rf"^{name}$")
        # The other side of a choice: a name, or a word or two ("sensitive teeth or a cavity"), but not what a
        # treatment is for ("is it for tennis elbow or golfers elbow").
        either = r"(?:(?:is it|is that|is this|its|either) )?(?!(?:for|about|on|in|with)\b)\w+(?: \w+)?"
        self.choice_last = re.compile(rf"^(?:(?:{either}|{name}) or {name}|{name} or [\w ]{{0,30}})$")

    def find(self, text: str) -> str | None:
        """The words of `text` that ask for a diagnosis, or None."""
        if _ABOUT_THE_CLINIC.search(normalise(text)):
            return None
        typed = text.lower().replace("’", "").replace("'", "")
        parts = [normalise(part) for part in _PARTS.split(typed)]
        for part in parts:
            found = self.shapes.search(part) or _OPINION.search(part)
            if found:
                return found.group(0)
        # The cause of a symptom asked across a comma, at the end: "jaw clicks and aches when i wake up, whats
        # causing it".
        found = _CAUSE_ASKED_LAST.search(" ".join(part for part in parts if part))
        if found:
            return found.group(0)
        # The last part counts after a description of two words or more: alone, or after "hi there",
        # "bunions?" asks whether the clinic treats them.
        said = [part for part in parts if part]
        if len(said) < 2:
            return None
        *before, last = said
        if len([word for part in before for word in part.split() if word not in CHAT_WORDS]) < 2:
            return None
        # Not after another question: "which page is it on, plantar fasciitis?", "saturday hours? verrucas?",
        # "does the foot health check cover things like... verrucas?".
        if any(_ASKS_OTHERWISE.match(part) for part in before) or "?" in typed.rstrip(" ?!"):
            return None
        asked = bool(re.search(r"\?[?!]*\s*$", typed))
        named = self.choice_last.match(last) or (asked and self.asked_last.match(last))
        return named.group(0) if named else None


def _shapes(name: str) -> re.Pattern[str]:
    """The ways of asking whether someone has the condition `name`, which ends the part of the message."""
    shapes = [
        # do i have dry eye (not "can my son have a verruca frozen off")
        rf"(?:do|does|did|could|might) {_WHO} (?:have|has|got|have got|be getting|be) {name}",
        rf"(?:have|has) {_WHO} (?:got|given \w+|done|developed|caught) {name}",  # have i given myself tendinitis
        rf"(?:is|was) (?:it|that|this|these|my \w+|my \w+ \w+|his \w+|her \w+) {name}",  # is it a verruca
        # is this dark spot on my back tooth a cavity, is this white patch on my tongue thrush (not "is this the
        # best cream for thrush", "is my sons swimming lesson ok if he has warts")
        rf"(?:is|was|are) (?:this|that|these|those|my|his|her) {_DESCRIPTION}{_NOT_AFTER}{name}",
        rf"is it possible (?:that )?{_WHO} (?:have|has|got|have got|had|caught) {name}",  # is it possible i have tmj
        # can you tell me if this is a verruca, how do i know if mine is infected
        rf"(?:tell|know) (?:me )?(?:if|whether) (?:this|that|these|mine|my \w+|my \w+ \w+|his \w+|her \w+)"
        rf" (?:is|are|was|has|have|has got|have got) {name}",
        rf"tell (?:me )?(?:if|whether) (?:its|thats|i have|ive got|he has|she has|hes got|shes got) {name}",
        rf"(?:are|were) (?:they|these|those|my \w+) {name}",  # are they milia
        rf"(?:could|might|may|would) (?:it|that|this|these|they|my \w+|my \w+ \w+) (?:be|mean) {name}",
        rf"(?:does|do) (?:it|that|this) (?:sound like|look like|mean i have|mean ive got|mean) {name}",
        # does my sons stammer mean hes autistic, does it mean hes got dementia (session 36, blind sets), does
        # my mums memory test result mean she might have alzheimers (its code review)
        rf"(?:does|do) (?:it |that |this |(?:my|his|her|our|their) (?:\w+ ){{1,4}})mean"
        rf" (?:im|i am|hes|he is|shes|she is|theyre|they are|i have|he has|she has|ive got|hes got|shes got"
        rf"|(?:i|he|she|they) (?:might|could|may) (?:be|have)) {name}",
        # think ive got tmj (not "i dont think its infected")
        rf"(?<!dont )(?<!do not )(?:think|reckon|worried|scared|afraid|wondering if) (?:i|ive|im|i have|i might have"
        rf"|ive got|hes got|shes got|he has|she has|it might be|its|it is|they might be|i may have) (?:got )?{name}",
        rf"(?:sounds|sound) like {name}",  # sounds like cataracts to me
        rf"(?:am i|is he|is she|are they|could (?:i|he|she|they) be|might (?:i|he|she|they) be)"
        rf" (?:getting |having |developing |starting |coming down with )?{name}",  # am i getting an ingrowing nail
        rf"(?:thats|that is|its) {name} (?:isnt it|innit)",  # thats sciatica isnt it
    ]
    # Not "what are the early signs of gum disease", "what is this cream for a verruca": asked in general.
    return re.compile(r"(?<!what )(?<!whats )\b(?:" + "|".join(shapes) + rf"){_CLAUSE_END}")
