"""Which questions ask the clinic for a service, and what they ask for (bot/services.py)."""

from __future__ import annotations

import pytest

from bot.services import asked_for, asks_the_clinic, asks_the_forecast, names_nothing, something_else_asked_about


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("do you do hair transplants", "hair transplants"),
        ("do u do botox for sweaty armpits?", "botox"),
        ("hi there, can i get a spray tan before my holiday", "spray tan"),
        ("i was wondering do you do… microblading", "microblading"),
        ("Does anyone there do cochlear implants", "cochlear implants"),
        ("ok so do you sell compression stockings", "compression stockings"),
        ("can i get my glasses fixed, a screw fell out", "glasses"),
        ("can i get my ear wax sucked out", "ear wax"),
        # its price asked (session 19)
        ("how much is a hair transplant", "hair transplant"),
        ("how much does lasik cost", "lasik"),
        ("how much are lip fillers roughly", "lip fillers"),
        # or with its name alone (session 20)
        ("laser hair removal prices?", "laser hair removal"),
        ("hi, varicose vein surgery cost", "varicose vein surgery"),
        ("can i get an appt today pls", "appt"),
        ("can i get my nan's toenails cut", "nan toenails"),
        ("do you do teeth whitening and is it cheaper than boots", "teeth whitening"),
        ("do you do scale and polish", "scale and polish"),
        ("do you do hair transplants before summer", "hair transplants"),
        ("can i get an sti check before i go travelling", "sti check"),
        # what it is without, or what it does (session 33)
        ("can i get an mri without seeing a doctor first", "mri"),
        ("how much is one of those straps that keeps kids glasses on", "one of those straps"),
        ("can you remove a tattoo on my neck", "tattoo"),
        ("can you put grommets in my sons ears, nhs wait is ages", "grommets"),
        ("can u check my coil im cant feel the strings", "coil"),
        ("can you laser off a tattoo on my ankle", "tattoo"),
        ("can you sort out an ingrown toenail", "ingrown toenail"),
        ("do you do back waxing", "back waxing"),  # a particle only after a verb of what is done
        # by the session, or paid for by someone (session 36)
        ("how much is speech therapy per session", "speech therapy"),
        ("can i get my autism assessment paid for by the nhs", "autism assessment"),
        # or in place of something else (session 41's blind kidney clinic)
        ("can i have a video appointment instead of coming in", "video appointment"),
        # a visit at home, in other words too (session 27)
        ("can the doctor come out to the house, hes too poorly to bring in", "home visits"),
        ("can a dentist come to my house? my nan cant get out", "home visits"),
        ("can a nurse visit me at home", "home visits"),
        ("can i get a home visit", "home visits"),
    ],
)
def test_the_thing_asked_for_is_read_up_to_what_qualifies_it(question, service):
    assert asked_for(question) == service


@pytest.mark.parametrize(
    "question",
    [
        "is there anywhere to park near the clinic",
        "can you make it 3pm instead",
        "can you check i have the right time",
        "can you get rid of a corn on my toe",
        "can i book my mother in for a check up",
        "do you have parking",
        "how often do you do top ups",
        "what do you do for acne",
        "can i have a glass of wine after botox",
        "can i get my nails done before a peel",
        "can i get drunk after botox",
        "i play drums in a band, do you do proper ear protection for gigs",
        "do you do?",
        "whats the cost",
        "what are your prices",
        "is there a cancellation fee",
        "the total cost",
        "do you help people with disabilities",
        "do you help with grief",
        "do i need someone to come to my house after sedation",
        "will the test kit come to my house",
        "what time does the practice open",
        "when will the hole close after my extraction",
    ],
)
def test_other_questions_ask_for_no_service(question):
    """Places, treatments asked for by what they do, help with a problem in the visitor's words, people,
    questions of how or what, whether something is allowed around a treatment, and questions that start with
    something else."""
    assert asked_for(question) is None


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("whats the weather like in leeds tomorrow", "weather"),
        ("what's the weather doing", "weather"),
        ("can you recommend a good vet in clifton", "vet"),
        ("can you recommend a good dentist round here", "dentist"),
        ("best pizza near whiteladies road?", "pizza"),
        ("wheres the best pizza near the station", "pizza"),
        ("any good curry places near the market", "curry places"),
        ("know any good barbers near kingsgate row", "barbers"),
        ("any good exercises in the meantime", None),
        ("are there any good options on the nhs", None),
        ("any good creams in your shop", None),
        ("whats the forecast for my recovery", None),
        ("best time to have botox", None),
        ("whats the best cream near my eyes", None),
        ("write me a poem about herons", "poem"),
        ("can u write a funny story", "story"),
        ("who won the cricket at headingley yesterday", "cricket"),
        ("what time does tesco close tonight", "tesco"),
        ("what time does the tip shut on sunday", "tip"),
        ("what time does the clinic open", None),
        ("what time does the physio open", None),
        ("what time do the doors open", None),
        ("what time does the wound close", None),
        ("what time does it close", None),
    ],
)
def test_something_other_than_the_clinic_is_read_by_its_name(question, thing):
    """Declined, as a service is, when no page names it (session 27: the weather in five of eighteen suites)."""
    assert something_else_asked_about(question) == thing
    assert asked_for(question) is None  # not a service: the calibration still asks it


@pytest.mark.parametrize(
    ("question", "forecast"),
    [
        ("whats the weather like in leeds tomorrow", True),
        ("hows the weather?", True),
        ("what is the weather going to be like at the weekend", True),
        ("whats the weather got to do with my migraines", False),
        ("whats the forecast for my recovery", False),
        ("whats the weather like for my recovery", False),
        ("hows the weather going to affect my skin after microneedling", False),
        ("do you do hot stone massage", False),
    ],
)
def test_a_forecast_is_asked_by_the_weather_it_will_be(question, forecast):
    """Declined even where an aftercare page says "avoid hot weather" (retrieval's unnamed service words)."""
    assert asks_the_forecast(question) is forecast


@pytest.mark.parametrize(
    "word", ["nan", "nans", "mine", "weekends", "old", "hiya", "xl", "things", "stuff", "check", "assessment"]
)
def test_people_times_descriptions_and_chat_name_no_service(word):
    assert names_nothing(word)


@pytest.mark.parametrize("word", ["transplants", "microblading", "tattoo"])
def test_other_words_may_name_a_service(word):
    assert not names_nothing(word)


@pytest.mark.parametrize(
    "question",
    ["do you treat rosacea", "Can you prescribe roaccutane?", "hi, could u do it if its infected", "do ye do peels"],
)
def test_a_request_to_the_clinic_is_told_from_a_request_for_advice(question):
    assert asks_the_clinic(question)


@pytest.mark.parametrize(
    "question",
    ["can you tell me which cream to use", "do you think its infected", "would you recommend a cream", "is it rosacea"],
)
def test_asking_for_an_opinion_or_advice_is_no_request_to_the_clinic(question):
    assert not asks_the_clinic(question)
