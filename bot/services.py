"""Questions that ask whether the clinic offers something: "do you do hair transplants", "can i get a spray tan",
"how much is a hair transplant", "can the doctor come to my house"; and questions about something other than the
clinic: "whats the weather like tomorrow", "can you recommend a good vet".

A clinic's pages describe what it does, rarely what it does not. Asked for a service no page names, the
model still finds the nearest page ("hair transplants" → laser hair removal), often confidently enough to
answer with it. So when the words naming the thing asked for include one that no page uses in any form
(`Retriever.unnamed_service_words`), and no page's title and tags name it whole (`AnswerPolicy.unnamed_service_words`:
"boob job" on a page tagged so), the reply is "I don't know, here is how to reach us", with the nearest
sections as suggestions; so is a question about something else that no page names. Questions of any other
shape are left to the confidence threshold: "how much is it" names nothing, and "is there anywhere to park"
asks for no service.
"""

from __future__ import annotations

import re

from bot.visitor_words import CHAT_WORDS

# "do you do …", "can i get …", "does anyone there do …", "how much is …": the ways visitors ask for a service
# (its price too: on the visitor suites, with the calibration's questions of that shape then declined too,
# answered right riverside 0.815 → 0.839, millbrook 0.794 → 0.814, fernhill 0.743 → 0.752, fallback right
# kestrel 0.842 → 0.895, lakeside 0.833 → 0.750, the others unchanged), after a
# greeting or "i was wondering" at most (after anything else, the question is about something else first:
# "i play drums in a band, do you do proper ear protection"). "do you have", "do you treat" and "can i book"
# are left out: they ask about far more than services ("do you have parking", "do you treat children", "can
# i book a consultation"), and "can you get rid of …" asks for a treatment by what it does, as "do you help
# with …" asks for help with a problem in the visitor's words ("do you help with grief" where the pages say
# "bereavement": measured in session 25 and dropped).
_ASKS_FOR = re.compile(
    r"^(?:(?:hi|hiya|hey|hello|ok|okay|so|and|also|just|quick question)(?: there| guys| all)?[\s,.!?]+"
    r"|(?:i was |i'm |im |just |i was just )?wondering[\s,]+)*"
    r"(?:do (?:you|u|ya|you guys|u guys|you lot|you all|yall|yous) (?:do|offer|provide|sell|stock|fit|perform|carry)"
    r"|can (?:you|u) do"
    # a service asked for by what it does to something ("can you remove a tattoo", "can you unblock tear ducts";
    # session 33, 32 suites: fallback right 468 → 476 of 605, answered right 3,065 → 3,068 of 4,036, with
    # "mirena" a visitor's word for the coil, visitor_words.yaml)
    r"|can (?:you|u) (?P<act>test|put|check|treat|take|remove|make|fit|whiten|unblock|scan|laser|freeze|change"
    r"|assess|pin|track|perform|repair|mend|fix|straighten|inject|pierce|sort)"
    # "verb": whether it asks to have something (see _TIMING)
    r"|can (?:i|you|u|we) (?P<verb>get|have)(?! rid\b)"
    r"|does (?:anyone|anybody|someone|the clinic|your clinic)(?: there| here)? (?:do|offer)"
    r"|how much (?:is|are|does|do|for))"
    r"[\s.…]+(?P<determiner>(?:a|an|the|my|some|any|your)\s+)?(?P<thing>.+)$"
)
# "lip filler prices?", "varicose vein surgery cost": a thing's price asked with its name alone (three words
# at most before the price, and no small word: "whats the cost" and "the total cost" name nothing).
_PRICE_OF = re.compile(
    r"^(?:(?:hi|hiya|hey|hello|ok|okay|so|and|also)[\s,.!?]+)*"
    r"(?!.*\b(?:what|whats|the|your|ur|my|our|a|an|is|are|it|its|this|that|how|total|overall|average)\b)"
    r"(?P<thing>[a-z][a-z-]*(?: [a-z][a-z-]*){0,2})"
    r" (?:prices?|costs?|pricing|price list|fees?)[\s?!.]*$"
)
# Where the name of the thing ends: "botox | for sweaty armpits", "a peel | before my holiday", "whitening |
# and is it cheaper than boots", "an mri | without seeing a doctor", "one of those straps | that keeps kids
# glasses on", at a new clause (below) ("scale and polish" goes on).
_THING_ENDS = re.compile(
    r"(?:^|\s+)(?:for|on|in|at|near|here|there|with|without|before|after|to|from|as|like|than|while|during|if|"
    r"because|cos|coz|cause|cuz|so|when|today|tomorrow|tonight|this|next|please|pls|plz|cost|costs|roughly|approx"
    r"|approximately|per|each|instead)\b"
    r"|\s+(?:that|which|who)\b"
    # a new clause or a pronoun: "can u check my coil | im cant feel the strings", "can you check my mirena | is
    # in properly", "can you make | it 3pm instead"
    r"|(?:^|\s+)(?:i|im|ive|it|its|theres|he|hes|she|shes|we|they|is|are|was|were|me|us|them)\b"
    r"|\s+(?:and|or|but) (?:is|are|do|does|can|could|will|would|how|what|when|where|if|i|it)\b|[,.;:?!]"
)
# "can i have a glass of wine after botox", "can i get my nails done before a peel", "can i get drunk after
# botox": asked with "have", of something done to the visitor, or of no thing in particular ("a", "my"), and
# then timed, it asks whether it is allowed, not whether it is offered ("can i get an sti check before i
# go travelling" asks for one).
_TIMING = re.compile(r"^\s*(?:before|after|while|during|if|when)\b")
# A verb's particle before the thing: "can you laser | off a tattoo", "can you sort | out an ingrown toenail".
_PARTICLE = re.compile(r"^(?:off|out|away)\s+(?:(?:a|an|the|my|some|any|your)\s+)?")
# The verb of "can i get my glasses fixed", "… ear wax sucked out": the service is named by what it is done to.
_DONE_TO = re.compile(r"\s+(?:\w{2,}ed|done|cut|seen|made|paid)(?:\s+(?:out|off|up|in))?$")

# Words that say who the thing is for or what it is like rather than name it: "can i get my old lip filler
# dissolved", "do you do baby botox", "can i get my nan's toenails cut" (no page says "old", "baby" or "nan").
# CHAT_WORDS has the small words ("mine", "those", "same").
NOT_A_SERVICE = frozenset(
    [
        *("son", "daughter", "mother", "father", "mom", "sister", "brother", "nan", "nana", "nanna", "gran"),
        *("granny", "grandma", "grandad", "grandpa", "grandson", "granddaughter", "aunt", "uncle", "niece"),
        *("nephew", "cousin", "boyfriend", "girlfriend", "friend", "baby", "male", "female", "lady", "man"),
        *("woman", "old", "new", "first", "proper", "quicker", "cheap", "cheaper", "cheapest", "free"),
        *("different", "extra", "little", "big", "small", "whole", "full", "usual", "normal", "regular"),
        *("decent", "good", "best", "real", "actual", "one", "these", "weekend", "weekday", "evening", "enough"),
        *("morning", "night", "late", "saturday", "sunday", "thing", "stuff", "kind", "sort", "type", "bit"),
        # the kind of service, not what it is of: "diabetic foot check" where the page says "assessment"
        *("check", "checkup", "test", "appointment", "session", "treatment", "procedure", "service"),
        *("consultation", "assessment"),
        # who it is for, in more words ("do u do student or nhs discounts", "do you do blokes": session 36)
        *("men", "women", "bloke", "guy", "lad", "girl", "boy", "child", "children", "student", "pensioner"),
        *("adult", "teenager"),
        # what the visit gives, not what it is: "can i get the answer while i wait"
        *("answer", "reply"),
    ]
)


# A visit at home, asked for in other words: "can the doctor come to my house", "can a nurse visit me at home".
# Its words are everyday ones every clinic's pages use ("home", "visit"), so a page names it only in words
# like these together (`NAMES_HOME_VISITS`; not "the home routine between visits"). On the eighteen suites
# of session 26, five such questions to clinics without home visits got a passage that happened to say
# "home"; now all five get "I don't know", and the clinic that has them ("we also offer … home visits")
# still answers.
HOME_VISITS = "home visits"
_HOME_VISIT_NAMES = re.compile(r"(?:home|domiciliary) (?:visits?|appointments?)|house ?calls?")
NAMES_HOME_VISITS = re.compile(
    r"\b(?:home|domiciliary)[- ](?:visits?|appointments?)\b|\bhouse ?calls?\b|\bhousebound\b|\bdomiciliary\b"
    r"|\bvisits? (?:you |patients |people |them )?(?:at|in) (?:your |their |the )?(?:own )?homes?\b"
    r"|\bvisits? (?:your|their|people's|patients') (?:own )?homes?\b",
    re.IGNORECASE,
)
_COME_TO_THE_HOUSE = re.compile(
    r"^(?:(?:hi|hiya|hey|hello|ok|okay|so|and|also|just wondering|quick question)[\s,.!?]+)*"
    r"(?:can|could|would|will|do|does) (?:you|u|you guys|someone|somebody|anyone|anybody|one of your \w+"
    r"|(?:the|a|an|your) (?:doctor|gp|nurse|dentist|hygienist|therapist|counsellor|physio|physiotherapist"
    r"|podiatrist|chiropodist|midwife|phlebotomist|clinician|practitioner|audiologist|optician|optometrist"
    r"|consultant|surgeon)s?) "
    r"(?:(?:come|pop|call)(?: out| round| over| up)? to (?:my|the|our|his|her|their|me at|my \w+) "
    r"(?:house|home|flat|place)"
    r"|visit (?:me|us|him|her|them|my \w+) at (?:home|the house|my house|his house|her house))\b"
)
# Other places whose hours visitors ask the clinic's assistant ("what time does tesco close tonight"): named, since
# the same shape asks the clinic's own ("what time does the physio open", "what time do the doors open") and about
# healing ("what time does the wound close"), which a read-only red team found declined by a rule for any name.
_OTHER_PLACES = (
    r"tesco|sainsburys|asda|aldi|lidl|morrisons|waitrose|co-?op|boots|superdrug|greggs|costa|mcdonalds|tip|library"
    r"|post office|bank|pub|supermarket|leisure centre|swimming pool|council|job ?centre|museum|shopping centre"
)
# Something other than the clinic, asked about by name: the weather, a business to recommend, the best one
# near by ("whats the weather like in leeds tomorrow", "can you recommend a good vet", "wheres the best pizza
# near the station"), any good one ("any good curry places near the market"). Each is declined as a service
# is, when no page uses its words ("avoid hot weather" on an aftercare page keeps the weather to the
# threshold). Every suite asks about the weather; four of the eighteen of session 26 answered it from the page
# with the clinic's town on it, none now. "any good …" (session 47): fallback right +5 of 1,116 on 58 suites
# (pubs, pizza, curry, barbers), no other reply changed. Another place's
# opening hours ("what time does the tip shut") were left out: the same shape asks the clinic's own ("what
# time does the practice open" where the pages say "clinic") and about healing ("when will the hole close").
_SOMETHING_ELSE = re.compile(
    r"^(?:(?:hi|hiya|hey|hello|ok|okay|so|and|also|random question|quick question)[\s,.!?]+)*"
    r"(?:(?:what|whats|what is|how|hows|how is)(?: will)? (?:the )?(?P<weather>weather)\b"
    r"|(?:can|could) (?:you|u) recommend (?:a|an|any|some)(?: good| decent| nice)? (?P<recommended>.+)"
    r"|(?:(?:wheres|where is|whats|what is) )?(?:the )?best (?P<best>[a-z]+) "
    r"(?:near (?!my\b|your\b|the eyes?\b)|nearby|around here|round here|in town|in the area)\b"
    r"|(?:(?:do you |do u )?know |are there |is there )?any (?:good|decent|nice) (?P<any_good>(?:[a-z]+ ){0,2}?[a-z]+) "
    r"(?:near (?!my\b|your\b|the eyes?\b)|nearby|round here|around here"
    r"|in (?!the meantime|general|between|your\b|my\b|our\b|the clinic|stock|store))"
    r"|(?:(?:can|could) (?:you|u) |pls |please )?write (?:me )?(?:a|an|some) (?:\w+ )?"
    r"(?P<writing>poem|story|song|essay|joke|limerick|haiku|rap)s?\b"
    r"|who won (?:the )?(?P<won>.+)"
    rf"|what time (?:does|do) (?:the )?(?P<hours>{_OTHER_PLACES})(?: [a-z]+){{0,3}}? "
    r"(?:close|closes|shut|shuts|open|opens)\b)"
)
# The weather as a forecast ("whats the weather like in leeds tomorrow", "weather today?") is on no clinic's
# pages, though an aftercare page may say "avoid hot weather": asked so, the weather is declined even there.
# On the 69 suites of session 53, eight forecasts were answered from such a page or the one with the town.
FORECAST = "weather"
_FORECAST = re.compile(
    r"\bweather(?:$|[\s,.?!]+(?:like|going to|gonna|supposed to|forecast|tomorrow|today|tonight|this|next|at the"
    r"|on|in|for the weekend)\b|[\s?!.]*$)"
)
# (a read-only red team, session 53: "hows the weather going to affect my skin after microneedling")
_WEATHER_AND_TREATMENT = re.compile(
    r"\b(?:affect|affects|effect|for my|after|recover|recovery|heal|healing|skin|scar|scars|treatment|bandages?"
    r"|stockings|better|worse|swelling|flare|flares)\b"
)
_ELSEWHERE_ENDS = re.compile(r"\s+(?:round|nearby|around|local|locally|who|that|near)\b")


def asked_for(question: str) -> str | None:
    """The words that name what the question asks the clinic for ("hair transplants" in "hi, do you do hair
    transplants for men?"), or None when it does not ask whether the clinic offers something."""
    text = re.sub(r"'s\b", "", " ".join(question.lower().replace("’", "'").split()))  # "my nan's toenails"
    priced = _PRICE_OF.match(text)
    if priced:
        return priced.group("thing")
    if _COME_TO_THE_HOUSE.match(text):
        return HOME_VISITS
    found = _ASKS_FOR.match(text)
    if not found:
        return None
    thing = found.group("thing")
    if found.group("act"):
        thing = _PARTICLE.sub("", thing)
    end = _THING_ENDS.search(thing)
    named = thing[: end.start()] if end else thing
    name = _DONE_TO.sub("", named).strip()
    timed = end is not None and _TIMING.match(thing[end.start() :])
    verb = found.group("verb")
    allowed = verb is not None and (verb == "have" or name != named.strip() or not found.group("determiner"))
    if timed and allowed:
        return None
    return HOME_VISITS if _HOME_VISIT_NAMES.fullmatch(name) else name or None


def asks_the_forecast(question: str) -> bool:
    """Whether the question asks what the weather will be ("hows the weather looking for tomorrow"), not what it
    does to a treatment ("whats the weather like for my recovery", "is winter better")."""
    text = question.lower()
    forecast = something_else_asked_about(question) == FORECAST and _FORECAST.search(text)
    return bool(forecast) and not _WEATHER_AND_TREATMENT.search(text)


def something_else_asked_about(question: str) -> str | None:
    """The words naming something other than the clinic that the question asks about ("weather" in "whats the
    weather like in leeds tomorrow", "vet" in "can you recommend a good vet round here"), or None."""
    text = re.sub(r"'s\b", "", " ".join(question.lower().replace("’", "'").split())).replace("'", "")
    found = _SOMETHING_ELSE.match(text)
    if not found:
        return None
    thing = next(group for group in found.groups() if group)
    ends = [end.start() for end in (_THING_ENDS.search(thing), _ELSEWHERE_ENDS.search(thing)) if end]
    return thing[: min(ends, default=len(thing))].strip() or None


# "do you treat rosacea", "can you prescribe roaccutane", "could you do it if its infected", "can i get cialis
# from you": a request to the clinic, which its pages answer, though by meaning it is close to "do i have
# rosacea" (not "can you tell me which cream", "would you recommend…": asking for advice).
_ASKS_THE_CLINIC = re.compile(
    r"^(?:(?:hi|hiya|hey|hello|ok|okay|so|and)(?: there)?[\s,.!?]+)*"
    r"(?:(?:do|can|could|will|would|are) (?:you|u|ya|ye|yous)\b"
    r"(?! think| reckon| say| tell| recommend| suggest| advise| know)"
    r"|(?:can|could) i (?:get|buy|order) (?:(?!(?:advice|help|opinion|opinions|view|views|recommendation)\b)\S+ ){1,3}"
    r"(?:from|off|through) (?:you|u|ya|yous)\b)"
)


def asks_the_clinic(question: str) -> bool:
    """Whether the question asks the clinic to do or have something, rather than for advice."""
    return bool(_ASKS_THE_CLINIC.match(" ".join(question.lower().split())))


def names_nothing(word: str) -> bool:
    """Whether a word of the thing asked for may be missing from the pages without making it a service they
    do not name: chat ("hiya", "mum"), a person, a time or a description (NOT_A_SERVICE, also in the plural),
    or one or two letters."""
    return len(word) < 3 or word in CHAT_WORDS or word in NOT_A_SERVICE or word.removesuffix("s") in NOT_A_SERVICE
