"""The answer policy: validate → emergency → small talk → personal advice → retrieve → answer, clarify or fallback.

Every reply is either a retrieved passage, a fixed message built from clinic.yaml,
or a short small-talk line: the bot never writes medical text of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from bot.diagnosis import DiagnosisQuestion
from bot.knowledge import ClinicSettings, SafetyRules
from bot.languages import ReplyTexts, text_key
from bot.meaning import (
    Distinct,
    ExampleBank,
    ExampleMatcher,
    IntentMatcher,
    MatchRule,
    small_talk_examples,
    split_clauses,
)
from bot.message_model import MessageModels, MessageReading
from bot.passages import key_sentence_spans
from bot.phrases import HistoryRule, OwnHealthMatcher, PhraseMatcher, normalise
from bot.replies import Answer, Context, Intent, ReplyKind, Source
from bot.retrieval import Hit, Retrieval, Retriever, TopicReading
from bot.services import asks_the_clinic, names_nothing
from bot.spelling import write_out_chat
from bot.topics import TopicFinder

MAX_QUESTION_CHARS = 1000
MIN_KEY_SENTENCE_WORDS = 3  # "Yes." or "Not at all." is no key sentence: the one after it says what matters


# Words for any medicine: a heading may use them ("Immunotherapy tablets are taken at home") without a
# medicine being what the clinic's page is about, so they keep a question about the visitor's own unless a
# page's title names them.
MEDICINES_IN_GENERAL = frozenset(
    {"medicine", "medicines", "medication", "medications", "meds", "tablets", "pills", "prescription"}
    | {"antibiotic", "antibiotics"}
)


class QuestionError(ValueError):
    """A question the bot cannot take, with a stable code for clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Matching by meaning (bot/meaning.py), chosen on the visitor suites (eval/visitors: README "Quality").
# Red flags: every red flag of the suites matched, with phrases, at the fewest false alarms.
# A red flag far from every ordinary question counts at a looser likeness: thoughts of suicide in words no
# example has ("I'd rather not exist than look like this", 0.56 close to an example, 0.27 to a counter-
# example). Of a fourteenth safety set written blind (session 19), 4 more of 70 red flags; on every
# ordinary, advice and everyday message of the safety sets and the 1,197 other questions of the visitor
# suites, no new alarm (the closest, "thats all for now bye", leads by 0.22).
EMERGENCY_RULE = MatchRule(floor=0.57, margin=0.06, sure=0.85, distinct=Distinct(floor=0.45, margin=0.25))
# Personal advice: general questions about treatments ("does microneedling help acne scars?") must
# still be answered, so a question must be clearly closer to the advice examples.
PERSONAL_ADVICE_RULE = MatchRule(floor=0.55, margin=0.10, sure=1.0)
# Small talk by meaning catches the forms the patterns above miss; questions near it ("can I ring you?",
# "can I drink that night?") must go on to retrieval, so it takes a close match.
SMALL_TALK_RULE = MatchRule(floor=0.65, margin=0.20, sure=0.85)


@dataclass(frozen=True)
class PolicySettings:
    # Below this confidence the bot does not answer with a passage. Calibrated for each knowledge base
    # when it is built (bot/calibration.py); BOT_ANSWER_THRESHOLD overrides it.
    answer_threshold: float = 0.35
    # Just below the threshold, when the best passages come from different sections, the bot asks
    # "Did you mean…" with those sections instead of saying it does not know. With the calibrated threshold
    # at the 92.5th percentile, a band of 0.05 reached down among the questions no page answers: fallback
    # right on riverside-dental 1.00 → 0.87, on its blind questions 0.83 → 0.50. With 0.025 every suite's
    # fallback right was what it had been with the 95th percentile and 0.05 (harbour 0.91, riverside 1.00,
    # seed 0.83, the blind sets 0.83, 0.83 and 1.00), and a "Did you mean" rarely held the right section.
    clarify_band: float = 0.025
    # A question of a few words that name something, each of them the knowledge's own ("prices?", "the watch
    # thing", "low t"), scores low against any passage: below the threshold it is asked which of its best
    # sections was meant, down to `short_clarify_floor`, instead of being told "I don't know". On the
    # twenty-four visitor suites (session 29), of such questions that fell back 30 were answerable, and for 24
    # the right section was among the three offered; the 3 unanswerable short questions that fell back
    # ("b12 injections?", "yellow fever jab?", "fat freezing coolsculpting?") each have a word no page uses.
    short_question_words: int = 3
    short_clarify_floor: float = 0.2
    # Just below the threshold, a section answers when one of its sentences matches the question well
    # (`stand_out_sentence`) and no other section comes within `stand_out_margin` of it: "does anyone there
    # speak polish" finds the one sentence of a long team section that says so (cosine 0.60), far ahead of
    # every other section, but the section's mean cosine kept it under the threshold. On the thirteen visitor
    # suites (session 21), answerable questions answered right 1,205 → 1,211 of 1,558, unanswerable ones
    # declined 194 of 225 still. A sentence at 0.45: 1,214 and 193 ("whats the weather going to be like in
    # hollinbury tomorrow" got "Finding us"); none required: 1,224 and 189 (off-topic questions naming the
    # clinic's town, "tesco", "book"; "do u take card" got the seed's booking section). With the sentence
    # required, the band and the margin matter little: 0.05 to 0.10 below, 0.06 or 0.08 ahead, 1,211 to 1,212.
    stand_out_band: float = 0.08
    stand_out_margin: float = 0.08
    stand_out_sentence: float = 0.5
    # A question in everyday words for the clinic itself ("where r u", "can i bring someone", "nearest train
    # station": a bridge of visitor_words.yaml's `the_clinic`) is answered down to this far below the threshold.
    # Such questions name nothing of the pages but what every clinic's page on finding, booking or paying says,
    # and score low against it. On the 57 visitor suites (session 46): answered right 5,696 → 5,705 of 7,473, no
    # "I don't know" lost; within 0.06 lay three questions no page answers ("how do i claim universal credit").
    clinic_question_band: float = 0.04
    max_suggestions: int = 3
    # Red flags by meaning: tuned on the visitor suites (eval/visitors) for recall 1.0 with few false
    # alarms on worried-but-ordinary questions (see README: "Quality").
    emergency_rule: MatchRule = EMERGENCY_RULE
    personal_advice_rule: MatchRule = PERSONAL_ADVICE_RULE
    small_talk_rule: MatchRule = SMALL_TALK_RULE
    small_talk_max_words: int = 10
    # A message this long is also checked part by part for red flags (`split_clauses`): in a shorter one a
    # red flag is most of the message, and encoding its parts too would double the model's work for most
    # questions. Parts at commas from 16 words, against sentences from 20: of 90 red flags written blind
    # (session 15), 64 → 69 got the emergency message (chest pain and a stroke mentioned while asking for an
    # appointment); of the safety sets' 570 ordinary worries, 28 → 33 alarmed before counter-examples.
    long_message_words: int = 16
    # A question this close (cosine) to one of the pages' own questions or headings is asked by the pages
    # (`asked_by_the_pages`): on fifteen visitor suites, 0.80 answered one more question right and changed no
    # other reply, nor any of the safety phrasings'.
    asked_by_the_pages: float = 0.80
    # A message this close (cosine) to one of safety.yaml's `ordinary_examples` (`general_examples` for advice)
    # is not taken by the message models: staff correct a model's wrong alarm by adding the message there. Of
    # the 2,269 red flags and 1,551 advice requests of the safety phrasings, none comes closer than 0.844 and
    # 0.878 to the examples of session 38 (of the suites' red flags, 0.874).
    models_excused_by: float = 0.90


def _typed_forms(question: str) -> tuple[str, ...]:
    """A question as typed and with chat spellings written out ("bleeding thru the dressing", "how r u"), the
    forms phrases and patterns are looked for in: the phrases' own typos stay theirs to match."""
    return tuple(dict.fromkeys((question, write_out_chat(question))))


def validate_question(raw: object) -> str:
    if not isinstance(raw, str):
        raise QuestionError("invalid_question", "The question must be text.")
    # Control characters become spaces; lone surrogates (not text at all) become "?".
    question = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", raw).encode("utf-8", "replace").decode("utf-8")
    question = question.strip()
    if not question:
        raise QuestionError("empty_question", "Please type a question.")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError("question_too_long", f"Please keep your question under {MAX_QUESTION_CHARS:,} characters.")
    return question


# Words of thanks: a whole message of them is thanks, and they may come before a farewell
# (with a word of address: "cheers pet", "ta love": session 33's blind ENT clinic in Newcastle)
_THANKS = r"(thanks|thank you|thank u|many thanks|thx|ty|ta|cheers)( so much| a lot| very much| again)?"
# and what for: "cheers for your help x" (session 37's blind laser clinic)
# (not "for everything": "thank you for everything, goodbye" may be a farewell, which is read for its meaning)
_THANKS += r"( for (your|ur|the|all (your|ur|the)|all that) help| for that)?"
_THANKS += r"( pet| love| mate| hun| hon| duck| flower| petal)?"
_SMALL_TALK = {
    Intent.GREETING: [
        r"((hi|hello|hey|hiya|howdy|greetings)( there)?( bot)?)?( ?(good )?(morning|afternoon|evening))?"
        # and a wish: "hello there, hope ur well" (session 37's blind laser clinic)
        r"( (i )?hope (you are|youre|you re|ur|u r|u are|your|all is|everyone is) (well|ok|okay|good|keeping well))?",
        # with a hope or a plea and nothing asked yet: "hello there hope you can help" (session 35's blind
        # menopause clinic)
        r"(hi|hello|hey|hiya)( there)? (i )?(hope|hoping) (you can|someone can|somebody can) help( me)?( please)?"
        r"|(hi|hello|hey|hiya)( there)? (can|could) (you|someone|somebody) help( me)?( please)?",
        # "hello is anyone there": checking that the chat is live (session 26's blind cosmetic surgery clinic)
        r"((hi|hello|hey|hiya)( there)? )?(is )?(there )?(anyone|anybody|someone) (there|about|around|here)",
    ],
    Intent.THANKS: [
        rf"((ok|okay|great|perfect|brilliant|awesome|lovely|cool) )?{_THANKS}"
        r"( (that|thats|that is|this|you have been|youve been) "
        r"((really |very |so )?(helps|helped|helpful)|great|brilliant|perfect|useful)( a lot| so much)?)?"
        r"( x{1,3})?"
    ],
    Intent.GOODBYE: [
        # one farewell or two ("ok thats all for now, have a nice day": session 29's blind vein clinic), after a
        # thanks and with a when ("ok ta, see you tuesday": session 30's blind osteopathy practice), after
        # "thats everything" or "thats all i needed" (session 31's blind pelvic health clinic)
        rf"((ok |okay )?({_THANKS} )?(bye|goodbye|bye bye|see you|see ya|good night|have a nice day|have a good day"
        r"|thats all|thats everything|thats all i needed|thats everything i needed"
        # "no thanks", "nope thats all": an answer to "anything else?" (session 32)
        r"|(no|nope|nah) (thanks|thank you|ta|thats all|thats it|thats everything|im good|im fine|all good))"
        r"( soon| later| tomorrow| next week| on the day| there"
        r"|( on)? (monday|tuesday|wednesday|thursday|friday|saturday|sunday))?( then| for now)?( |$)){1,2}"
        r"(x{1,3})?"  # a kiss: "thats all for now ta, bye x" (session 32's blind ADHD clinic)
    ],
    Intent.IDENTITY: [
        r"(are you|am i (talking|speaking|chatting) (to|with)|is this) (a |an )?(real )?"
        r"(person|human|bot|robot|ai|machine|computer|chatbot)",
        r"who are you|what are you",
    ],
    Intent.HOW_ARE_YOU: [r"how are you( doing)?( today)?"],
    # A word of assent or refusal alone, as visitors answer "Is there anything else I can help with?" or a reply
    # they have read: a fallback's "I don't have information about that" was no answer to "ok" (session 32).
    Intent.ACKNOWLEDGE: [
        r"((ok|okay|oh|ah|ahh|right|yes|yeah|no) )?(ok|okay|k|kk|yes|yeah|yep|yup|yes please|no|nope|nah|alright"
        r"|all right|right|sure|cool|got it|fair enough|i see|understood|fine|great|perfect|brilliant|lovely|noted"
        r"|makes sense|that makes sense)( then| thanks| thank you)?"
    ],
}
_SMALL_TALK_PATTERNS = {kind: re.compile("|".join(patterns)) for kind, patterns in _SMALL_TALK.items()}
# Asking for a person, anywhere in a message ("is this a bot? i want a real person").
_HUMAN = re.compile(
    # not "how long is the first chat with the doctor" (session 41's blind kidney clinic): asked about a
    # particular appointment, which the pages describe
    r"\b((speak|(?<!the first )(?<!my first )(?<!your first )(?<!the initial )(?<!the )(talk|chat)) (to|with) "
    r"(a |an |the |your |some )?"
    r"(real |actual |live )?"
    r"(person|human|someone|somebody|receptionist|reception|staff|nurse|doctor|team|manager|agent|people)"
    r"|(want|need|get me|prefer) (a |an |to speak to a |to talk to a )?(real |actual |live )?(person|human)"
    # "is there an actual human i can talk to not a bot" (session 37's blind recovery clinic), as the whole
    # message: not "is there an actual person doing the surgery" (a read-only code review)
    r"|(is there|are there) (an actual|a proper|a real) (human|person)"
    r"( (i|we) (can|could) (actually )?(speak|talk|chat) (to|with)| to (speak|talk|chat) (to|with))?"
    r"( here| there| on here)?( not (a |the |this )?(bot|chatbot|machine))?( please| pls| plz)?$"
    r"|(are there|is there) (any |an |a )?(real |actual )?(humans|people|person|human)( there| here)?$"
    # "is there someone on reception i can message instead of a bot" (session 30's blind osteopathy practice);
    # not "instead of the machine", "instead of a robot": a clinic's own equipment
    r"|instead of (a |the |this )?(bot|chatbot)"
    # "is there someone i can actually speak to not a bot" (session 35's blind menopause clinic)
    # (not "anyone": "i feel really down and keep crying, is there anyone i can talk to" asks for the clinic's
    # support, which a page answers)
    r"|(someone|somebody|a person|a human) (i can |i could )?(actually )?(speak|talk|chat) (to|with)"
    r"( not (a |the )?(bot|chatbot))?( please| pls| plz)?$"
    # A clinician asked for as the whole message, or right after asking whether this is a bot ("is this a bot? i
    # want a nurse pls"): not "what if youre shut and i need a doctor", nor "my stitches have come apart, do i
    # need a nurse", which must still be read for an emergency or advice (a read-only review, session 28).
    r"|(^|\b(bot|robot|ai|machine|computer|chatbot|person|human|real) )((i|we) )?(just |really )?(want|need) "
    r"(a |an |to speak to a |to talk to a )?(real |actual )?(nurse|doctor)( please| pls| plz)?$"
    # Another clinician only right after the question ("is this a bot? i want to talk to a real midwife", session
    # 44's blind midwifery clinic): alone, "i need a dentist" asks to register, "i need a midwife" may be labour.
    r"|\b(bot|robot|ai|chatbot) ((i|we) )?(just |really )?(want|need) (to speak to |to talk to )?(a |an )?"
    r"(real |actual )?(midwife|dentist|physio|pharmacist|therapist|clinician|gp)( please| pls| plz)?$)\b"
)


# A follow-up that leaves out what it asks: "and for ipl?", "what about lip filler?", "how about kids?".
_ELLIPSIS = re.compile(r"(ok |okay |so )?(and|what about|how about|same for)\b")
ELLIPSIS_MAX_WORDS = 5


def small_talk_intent(question: str) -> Intent | None:
    text = normalise(question)
    if not text:
        return None
    for intent, pattern in _SMALL_TALK_PATTERNS.items():
        if pattern.fullmatch(text):
            return intent
    return Intent.HUMAN if _HUMAN.search(text) else None


def small_talk_by_words(question: str) -> Intent | None:
    """The small talk the patterns read in the question as typed or with chat spellings written out."""
    return next(filter(None, map(small_talk_intent, _typed_forms(question))), None)


@lru_cache(maxsize=4)
def emergency_phrases(safety: SafetyRules) -> PhraseMatcher:
    """The emergency phrases of safety.yaml with what excuses them: `not_emergency` and the history rule.
    Remembered: an edit to a page (a new policy) reuses them, indexed once (the patterns are cached in phrases.py)."""
    history = HistoryRule(safety.may_be_history, safety.past_or_general, safety.happening_now)
    return PhraseMatcher(safety.emergency, unless=safety.not_emergency, history=history)


class AnswerPolicy:
    def __init__(
        self,
        retriever: Retriever,
        clinic: ClinicSettings,
        safety: SafetyRules,
        settings: PolicySettings | None = None,
        topics: TopicFinder | None = None,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        replies: ReplyTexts | None = None,
        models: MessageModels | None = None,
    ) -> None:
        """`embed` turns example questions into vectors (the assistant passes a cached encoder); `models` read
        whole messages for red flags and advice requests besides the phrases and examples."""
        self.retriever = retriever
        self.clinic = clinic
        self.settings = settings = settings or PolicySettings()
        self.topics = topics
        self.replies = replies or ReplyTexts()
        self.models = models or MessageModels()
        embed = embed or retriever.encoder.encode_queries
        self.emergency = emergency_phrases(safety)
        self.personal_advice = PhraseMatcher(safety.personal_advice)
        # A condition a page is about ("Eczema and psoriasis" at a skin clinic) is what the clinic treats, not a
        # circumstance of the visitor's that changes what suits them: "my psoriasis is everywhere, can you
        # help" is for the pages. (A dermatology clinic written blind, session 19, had 9 of its 122
        # answerable questions referred, most for naming "mole" or "psoriasis" with "my".) So is one any
        # heading names, most often to ask it for everyone ("Can I have treatment if I am pregnant or
        # breastfeeding?"): on 32 suites, session 33, answered right +6 of 4,036 ("can i have laser while
        # pregnant"), no advice question lost once "gaviscon" was a medicine of safety.yaml ("im 20 weeks
        # pregnant is gaviscon ok for me").
        conditions = tuple(c for c in safety.conditions if not (topics and topics.a_heading_names(c)))
        # Likewise a medicine a page's title or heading names ("What happens during penicillin allergy
        # testing?", "Do I need to stop antihistamines before a skin test?") is a subject of the clinic's
        # service, and makes a question the visitor's own only when they say they take it ("im on roaccutane,
        # can i have a peel"): an allergy clinic written blind (session 23) had 10 of its 121 answerable
        # questions referred, "what should i wear for the penicillin allergy test" among them. On fifteen
        # suites, answered right +4 ("been on hrt 2 months and getting random spotting" is referred, as said
        # of a medicine taken) and two advice questions no longer referred ("missed my roaccutane yesterday
        # should i take 2 today"; personal_advice phrases for missed doses and clots refer them again).
        # Words for any medicine ("meds", "medication", "tablets") are the clinic's subject only when a page's
        # title has one ("ADHD Medication and Titration"): a blind ADHD clinic (session 32) had "can I take my ADHD
        # meds on holiday to Spain" referred. With "can i take my" no longer read as taking it (bot/phrases.py):
        # answered right +6 there and +2 at a pharmacy ("Prescriptions and ..."), no advice question lost of
        # thirty suites. (Medicines named anywhere in the pages' text too, measured then: answered right +7, but
        # nine advice questions no longer referred.)
        titled_in_general = bool(topics) and any(topics.a_title_names(word) for word in MEDICINES_IN_GENERAL)
        services = {
            m
            for m in safety.medicines
            if topics
            and (titled_in_general if normalise(m) in MEDICINES_IN_GENERAL else topics.a_heading_names(m))
        }
        self.own_health = OwnHealthMatcher(
            tuple(m for m in safety.medicines if m not in services) + conditions, taken=tuple(sorted(services))
        )
        self.errands = PhraseMatcher(safety.errands)
        self.diagnosis = DiagnosisQuestion(safety.diagnoses)
        small_talk = small_talk_examples()
        self.examples = bank = ExampleBank(
            (
                safety.emergency_examples,
                safety.ordinary_examples,
                safety.general_examples,
                safety.personal_advice_examples,
                *small_talk.values(),
            ),
            embed,
        )
        self.emergency_meaning = ExampleMatcher(
            safety.emergency_examples,
            safety.ordinary_examples + safety.general_examples + safety.personal_advice_examples,
            settings.emergency_rule,
            bank,
            whole_counter=safety.ordinary_examples,
        )
        self.personal_advice_meaning = ExampleMatcher(
            safety.personal_advice_examples,
            safety.general_examples + safety.ordinary_examples,
            settings.personal_advice_rule,
            bank,
        )
        self.small_talk_meaning = IntentMatcher(small_talk, safety.general_examples, settings.small_talk_rule, bank)
        self.ordinary_rows = bank.rows(safety.ordinary_examples)
        self.general_rows = bank.rows(safety.general_examples)

    def run(self, raw_question: object, context: Context | None = None) -> Answer:
        return self.in_language(self.decide(raw_question, context), context.lang if context else None)

    def in_language(self, answer: Answer, language: str | None) -> Answer:
        """The bot's own sentence as the clinic wrote it in the visitor's language (English as written here
        when the clinic wrote none); passages stay as they are."""
        key = text_key(answer)
        text = self.replies.pick(language, key) if key else None
        return replace(answer, text=text) if text else answer

    def decide(self, raw_question: object, context: Context | None = None) -> Answer:
        question = validate_question(raw_question)
        settled = self.settled_by_words(question)
        if settled:
            return settled
        # The model reads the question with its misspellings corrected ("dry sockit" → "dry socket"): on
        # the visitor suites, answered right 0.727 → 0.741 (harbour) and 0.652 → 0.681 (riverside).
        typed, question = question, self.retriever.correct_spelling(question)
        if context and context.asked:  # the previous question as the model read it ("teeth whitning")
            context = replace(context, asked=self.retriever.correct_spelling(context.asked))
        topic_file = self.topics.topic(question, context) if self.topics else None
        if topic_file and any(bridge.reads_alone for bridge in self.retriever.bridges(question)):
            topic_file = None  # "where r u" on the microneedling page asks for the address, not microneedling
        topic_text = TopicReading.text_for(self.topics.label(topic_file, context), question) if topic_file else None
        carried = None if topic_file else self.carried_over(question, context)
        texts = self.message_parts(question)
        vectors, extra_vector = self.question_vectors(texts, topic_text or carried)
        vector = vectors[0]
        cosines = self.examples.cosines(vectors)  # with every example, of every kind: a column per vector
        reading = MessageReading(tuple(texts), vectors)
        # A message asked in general or as history is held back from the examples, not from the model: fitted on
        # such messages, it reads them itself. Held out (its threshold at 1%), the rule held back none of the 46
        # ordinary and everyday messages the red-flag model took; on a blind set it silenced "she's been
        # stockpiling her morphine, she just said goodbye on the phone like it was the last time" (session 39).
        by_example = self.emergency_meaning.matches(cosines) and not self.asked_in_general(typed)
        if by_example or self.red_flag_by_the_model(reading, cosines):
            return self.emergency_answer()
        # Asking for a person, after the red flags by meaning: "sometimes i think about not being alive, can i
        # talk to a real person" gets the emergency message first.
        if small_talk_by_words(typed) == Intent.HUMAN:
            return self.small_talk(Intent.HUMAN)
        topic = None
        if topic_file:
            topic = TopicReading(topic_file, topic_text, extra_vector, self.topics.previous_on(topic_file, context))
        if self.asks_personal_advice(typed, question, cosines[:, :1], reading):
            return self.referral(self.retriever.run(question, k=1, vector=vector, topic=topic))
        if len(question.split()) <= self.settings.small_talk_max_words:
            intent = self.small_talk_meaning.intent(cosines[:, 0])
            if intent:
                return self.small_talk(intent)
        if not self.retriever.understands(question):
            return self.fallback()
        if carried:
            return replace(self.from_hits(self.retriever.run(carried, k=8, vector=extra_vector)), read_as=carried)
        found = self.retriever.run(question, k=8, vector=vector, topic=topic)
        if self.unnamed_service_words(question):  # "do you do hair transplants": no page names them
            return self.fallback(0.0, self.suggestions(found.hits, exclude=None))
        short = self.short_in_the_pages_words(question)
        return self.from_hits(found, clarify_floor=self.settings.short_clarify_floor if short else None)

    def settled_by_words(self, question: str) -> Answer | None:
        """Replies that need no model: the emergency message when a phrase of safety.yaml is in the question,
        small talk when the small-talk patterns read it, except a request for a person, which waits until after
        the red flags by meaning."""
        if any(self.emergency.find(text) for text in _typed_forms(question)):
            return self.emergency_answer()
        intent = small_talk_by_words(question)
        return self.small_talk(intent) if intent and intent != Intent.HUMAN else None

    def asked_in_general(self, typed: str) -> bool:
        history = self.emergency.history
        return bool(history) and history.asked_in_general(normalise(typed))

    def asks_personal_advice(self, typed: str, corrected: str, cosines: np.ndarray, reading: MessageReading) -> bool:
        """Phrases are looked for as the visitor typed them and with their spelling corrected: a correction
        can turn a word of a phrase into another ("whats wrong with my" → "what wrong with my"). `cosines`:
        the question's with the example bank. A request to the clinic ("can you carry on meds i got prescribed
        in spain") or an errand ("where do i pick up my meds") names the visitor's medicines without asking
        for advice on them, when it is all the message says: "my repeat prescription of citalopram isnt
        working, should i go up a dose" still asks for advice. On the eleven visitor suites, with "meds" read
        as "medicine" (visitor_words.yaml), answerable questions answered right 1,047 → 1,054 of 1,316 and
        unanswerable ones declined 164 → 165 of 187 (session 21); the safety sets: one more advice request
        referred. An errand does not lift the meaning rule ("is it ok to collect my warfarin and take it with
        ibuprofen"), a request does, as before. The advice model is held back by an errand that is all the message
        says ("can I take my ADHD meds on holiday to Spain", session 56), not by a request (see
        `advice_by_the_model`). Nor is a question asked almost as one of the pages' own questions or headings
        referred by its meaning alone (see `asked_by_the_pages`). `reading`: the question as the message models
        read it."""
        vector = reading.vectors[0]
        request = asks_the_clinic(corrected)
        on_an_errand = any(self.errands.find(text) for text in {typed, corrected})
        one_clause = len(split_clauses(corrected)) <= 1
        only_the_errand = (request or on_an_errand) and one_clause
        return bool(
            any(
                self.personal_advice.find(text)
                or self.diagnosis.find(text)
                or (self.own_health.find(text) and not only_the_errand)
                for text in {typed, corrected}
            )
            or (self.personal_advice_meaning.matches(cosines) and not request and not self.asked_by_the_pages(vector))
            or (self.advice_by_the_model(reading, cosines) and not (on_an_errand and one_clause))
        )

    def red_flag_by_the_model(self, reading: MessageReading, cosines: np.ndarray) -> bool:
        """Whether the red-flag model takes the message (`cosines`: its texts' with the example bank), unless
        staff wrote it as an ordinary example."""
        model = self.models.red_flags
        return bool(model and model.takes(reading) and not self.written_as(cosines[:, 0], self.ordinary_rows))

    def advice_by_the_model(self, reading: MessageReading, cosines: np.ndarray) -> bool:
        """Whether the advice model takes the question as a request for personal advice: not one asked almost
        as one of the pages' own questions, nor one staff wrote as a general example. Unlike the advice
        examples, it is not held back when the question asks the clinic for something: measured without that
        on two clinics written blind (session 38), advice referred 13 → 21 of 26 and no answer lost."""
        model = self.models.advice_requests
        return bool(
            model
            and model.takes(reading)
            and not self.asked_by_the_pages(reading.vectors[0])
            and not self.written_as(cosines[:, 0], self.general_rows)
        )

    def written_as(self, cosines: np.ndarray, rows: np.ndarray) -> bool:
        """Whether a question (`cosines`: its column of the example bank) is almost one of the examples at `rows`."""
        return bool(len(rows)) and float(cosines[rows].max()) >= self.settings.models_excused_by

    def unnamed_service_words(self, question: str) -> list[str]:
        """The words of the service asked for that no page uses, none when one page's title and tags name the
        whole service: staff tag a page with the names visitors give its treatment ("boob job" on the breast
        augmentation page; session 26's blind cosmetic surgery clinic)."""
        choices = self.retriever.unnamed_words_of_each_choice(question)
        if any(not unnamed or self._tags_name(choice) for choice, unnamed in choices):
            return []
        return [word for _, unnamed in choices for word in unnamed]

    def _tags_name(self, service: str) -> bool:
        """Whether one page's title and tags name the whole service (its words that name something)."""
        return bool(self.topics) and self.topics.a_page_names_all(
            " ".join(word for word in service.split() if not names_nothing(word))
        )

    def asked_by_the_pages(self, vector: np.ndarray) -> bool:
        """Whether the question is asked almost as one of the pages' FAQ questions or headings ("do i have to
        stop my antihistamines before the test" at a clinic whose page asks "Do I need to stop antihistamines
        before a skin test?"): the clinic answers it for everyone."""
        questions = self.retriever.index.question_vectors
        return bool(len(questions)) and float((questions @ vector).max()) >= self.settings.asked_by_the_pages

    def short_in_the_pages_words(self, question: str) -> bool:
        """Whether the question has a few words, names something and every word that names something is a
        word of the pages, in any of its forms (see PolicySettings.short_question_words): "prices?" is;
        "b12?" where no page says b12 is not, nor "no" or "yeah", which name nothing."""
        if not 0 < len(question.split()) <= self.settings.short_question_words:
            return False
        lexical = self.retriever.index.lexical
        naming = [word for word in lexical.content_words(question) if not names_nothing(word)]
        return bool(naming) and not [word for word in lexical.unnamed_words(question) if not names_nothing(word)]

    def carried_over(self, question: str, context: Context | None) -> str | None:
        """A short follow-up that names a new topic and nothing else ("and what about fillers?" after "how
        long does a peel last?") asks the previous question of it: it is read after the previous question's
        other words ("how long does a last and what about fillers?"). On the visitor suites, answered right
        0.741 → 0.748 (harbour) and 0.681 → 0.695 (riverside)."""
        if not (self.topics and context and context.asked) or len(question.split()) > ELLIPSIS_MAX_WORDS:
            return None
        if not _ELLIPSIS.match(normalise(question)) or not self.topics.named(question):
            return None
        rest = self.topics.without_topics(context.asked)
        return f"{rest} {question}" if rest else None

    def message_parts(self, question: str) -> list[str]:
        """The question, then its parts when it is long and has several: a red flag may be one part of a
        longer message."""
        parts = split_clauses(question) if len(question.split()) >= self.settings.long_message_words else []
        return [question, *parts] if len(parts) > 1 else [question]

    def model_texts(self, raw_question: object) -> list[str]:
        """What the model reads of a question asked with no context (see `decide`): the question with its spelling
        corrected, then its parts when it is long. Empty for an invalid question or one settled by words."""
        try:
            question = validate_question(raw_question)
        except QuestionError:
            return []
        if self.settled_by_words(question):
            return []
        return self.message_parts(self.retriever.correct_spelling(question))

    def question_vectors(self, texts: list[str], reading: str | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The vectors of the question and its parts (`message_parts`), and of its `reading` in context
        (topical or carried over), when it has one. One call to the model for all."""
        vectors = self.retriever.encoder.encode_queries([*texts, reading] if reading else texts)
        return (vectors[:-1], vectors[-1]) if reading else (vectors, None)

    # --- the kinds of reply -------------------------------------------------------------------

    def confidence(self, hit: Hit) -> float:
        return self.retriever.settings.confidence(hit.score)

    def from_hits(self, found: Retrieval, clarify_floor: float | None = None) -> Answer:
        """The best passage when confident, else "Did you mean…" with the sections just below the threshold
        (down to `clarify_floor` when given: a short question; the one section there when it is alone), else
        "I don't know"."""
        hits, threshold = found.hits, self.settings.answer_threshold
        if any(bridge.about_the_clinic for bridge in found.bridges):
            threshold -= self.settings.clinic_question_band
        best_confidence = self.retriever.settings.confidence(found.best_score) if hits else 0.0
        if best_confidence >= threshold or self.stands_out(hits, best_confidence):
            return self.passage_answer(found, best_confidence)
        choices = self.clarify_choices(hits, clarify_floor)
        if len(choices) >= 2:
            return Answer(ReplyKind.CLARIFY, "Did you mean one of these?", round(best_confidence, 4), [], choices)
        if choices and clarify_floor is not None:
            # A short question in the pages' words that only one section comes near ("online?" where one heading
            # asks "Can I have my appointment online?") is about that section: on thirty suites, answered right
            # 2,863 → 2,871 of 3,779, no fallback lost (session 32).
            return self.passage_answer(found, best_confidence)
        return self.fallback(best_confidence, self.suggestions(hits, exclude=None))

    def passage_answer(self, found: Retrieval, confidence: float) -> Answer:
        """The first hit's passage as the answer, led by its key sentence."""
        best = found.hits[0]
        source = self.source(best, found.vector)
        return Answer(
            kind=ReplyKind.ANSWER,
            text=best.passage.text,
            confidence=round(confidence, 4),
            sources=[source],
            suggestions=self.suggestions(found.hits[1:], exclude=best),
            lead=_span_text(source),
        )

    def stands_out(self, hits: list[Hit], confidence: float) -> bool:
        """Whether the first hit has a sentence that answers and its section is far ahead of any other, with
        `confidence` (the best fused score, as for the threshold) just below the threshold (see
        PolicySettings.stand_out_band). The passage with the best fused score is always among the hits, the
        reranker reorders only the first few: when it is in another section, nothing stands out."""
        settings = self.settings
        if not hits or confidence < settings.answer_threshold - settings.stand_out_band:
            return False
        evidence = hits[0].evidence
        if evidence is None or evidence.sentence is None or evidence.sentence < settings.stand_out_sentence:
            return False
        section = (hits[0].passage.file, hits[0].passage.heading)
        others = (self.confidence(h) for h in hits if (h.passage.file, h.passage.heading) != section)
        return confidence - max(others, default=0.0) >= settings.stand_out_margin

    def clarify_choices(self, hits: list[Hit], floor: float | None = None) -> list[str]:
        """The sections of the best passages in the grey band below the threshold (down to `floor` when
        given), when there are several."""
        band_floor = self.settings.answer_threshold - self.settings.clarify_band
        floor = band_floor if floor is None else min(floor, band_floor)
        labels: list[str] = []
        for hit in hits:
            if self.confidence(hit) < floor:
                continue
            label = self._section_label(hit)
            if label not in labels:
                labels.append(label)
        return labels[: self.settings.max_suggestions]

    def source(self, hit: Hit, vector: np.ndarray) -> Source:
        passage = hit.passage
        return Source(
            id=passage.id,
            title=passage.title,
            url=passage.url,
            file=passage.file,
            heading=passage.heading,
            passage=passage.text,
            highlights=self.key_sentences(hit, vector),
            score=round(hit.score, 4),
            markdown=passage.markdown,
        )

    def fallback(self, confidence: float = 0.0, suggestions: list[str] | None = None) -> Answer:
        c = self.clinic
        text = (
            f"I don't have information about that. You can call us on {c.phone}, "
            f"e-mail {c.email}, or book an appointment at {c.booking_url}."
        )
        return Answer(ReplyKind.FALLBACK, text, round(confidence, 4), [], suggestions or [])

    def referral(self, found: Retrieval) -> Answer:
        """Personal medical advice is for the clinicians; a passage on the subject may follow, as general
        information, when one answers confidently."""
        c = self.clinic
        text = (
            "I can't give personal medical advice, a diagnosis or advice on medicines. "
            f"Please ask one of our clinicians: call us on {c.phone}, e-mail {c.email}, "
            f"or book a consultation at {c.booking_url}."
        )
        confident = self.retriever.settings.confidence(found.best_score) >= self.settings.answer_threshold
        general = found.hits[:1] if confident else []
        sources = [self.source(h, found.vector) for h in general]
        return Answer(ReplyKind.REFERRAL, text, 0.0, sources, lead=_span_text(sources[0]) if sources else None)

    def emergency_answer(self) -> Answer:
        c = self.clinic
        text = (
            f"This may need urgent help. Call {c.emergency_number} now or go to the nearest emergency department. "
            f"If you are thinking about suicide or harming yourself, call or text {c.crisis_line} "
            "to talk to someone right away."
        )
        return Answer(ReplyKind.EMERGENCY, text, 1.0)

    def small_talk(self, intent: Intent) -> Answer:
        c = self.clinic
        replies = {
            Intent.GREETING: c.greeting,
            Intent.THANKS: "You're welcome! Is there anything else I can help with?",
            Intent.GOODBYE: f"Goodbye, and thank you for contacting {c.name}.",
            Intent.HUMAN: (
                f"I'm an automated assistant. To talk to our team, call us on {c.phone}, e-mail {c.email}, "
                f"or book an appointment at {c.booking_url}."
            ),
            Intent.IDENTITY: (
                f"I'm {c.name}'s automated assistant, not a person. I answer from the clinic's own pages; "
                f"to talk to our team, call {c.phone}."
            ),
            Intent.HOW_ARE_YOU: "I'm an automated assistant, so always ready to help. What would you like to know?",
            Intent.ACKNOWLEDGE: "Is there anything else I can help with?",
        }
        return Answer(ReplyKind.SMALLTALK, replies[intent], 1.0, intent=intent)

    # --- pieces of an answer -----------------------------------------------------------------

    def key_sentences(self, hit: Hit, vector: np.ndarray) -> list[tuple[int, int]]:
        """Character spans of the sentence closest in meaning to the question."""
        text = hit.passage.text
        candidates = key_sentence_spans(text)
        if len(candidates) <= 1:
            return candidates
        if hit.sentence is not None and hit.sentence < len(candidates):
            return [with_content(text, candidates, hit.sentence)]
        # A large knowledge base keeps no sentence vectors: embed this passage's sentences now.
        sentence_vectors = self.retriever.encoder.encode_queries([text[a:b] for a, b in candidates])
        return [with_content(text, candidates, int(np.argmax(sentence_vectors @ vector)))]

    def suggestions(self, hits: list[Hit], exclude: Hit | None) -> list[str]:
        """Related questions: FAQ questions or section headings of the next-best passages."""
        floor = self.settings.answer_threshold * 0.8
        taken = {self._suggestion(exclude)} if exclude else set()
        found: list[str] = []
        for hit in hits:
            label = self._suggestion(hit)
            if label in taken or self.confidence(hit) < floor:
                continue
            taken.add(label)
            found.append(label)
            if len(found) == self.settings.max_suggestions:
                break
        return found

    @staticmethod
    def _suggestion(hit: Hit) -> str:
        passage = hit.passage
        return passage.question or (passage.headings[-1] if passage.headings else passage.title)

    @staticmethod
    def _section_label(hit: Hit) -> str:
        """A section as a visitor can pick it: its FAQ question, or its heading with the page's title."""
        passage = hit.passage
        if passage.question:
            return passage.question
        heading = passage.headings[-1] if passage.headings else ""
        if not heading or heading.lower() == passage.title.lower():
            return passage.title
        return heading if passage.title.lower() in heading.lower() else f"{passage.title}: {heading}"


def with_content(text: str, candidates: list[tuple[int, int]], best: int) -> tuple[int, int]:
    """The key sentence, unless it says nothing on its own ("Yes.", "Not at all."): then the sentence with
    content that follows it (or, at the end, the one before)."""
    if len(text[slice(*candidates[best])].split()) >= MIN_KEY_SENTENCE_WORDS:
        return candidates[best]
    order = candidates[best + 1 :] + candidates[:best][::-1]
    return next((span for span in order if len(text[slice(*span)].split()) >= MIN_KEY_SENTENCE_WORDS), candidates[best])


def _span_text(source: Source) -> str | None:
    return source.passage[source.highlights[0][0] : source.highlights[0][1]] if source.highlights else None
