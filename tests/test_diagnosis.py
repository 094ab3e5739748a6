"""Questions whether the visitor has a named condition are told apart from questions the pages answer."""

import pytest

from bot.diagnosis import DiagnosisQuestion
from bot.knowledge import load_safety
from tests.conftest import KNOWLEDGE

SHIPPED = DiagnosisQuestion(load_safety(KNOWLEDGE).diagnoses)


@pytest.mark.parametrize(
    "message",
    [
        "do i have dry eye? they feel gritty every evening",
        "my heel kills first thing, could it be plantar fasciitis",
        "is it a verruca or a corn on the ball of my foot",
        "think ive got tmj, my jaw clicks",
        "running every day, have i given myself tendinitis",
        "hip hurts when i lie on it, bursitis maybe?",
        "pain down the back of my leg, thats sciatica isnt it",
        "does my son have flat feet, he walks funny",
        "white bumps under my eyes, are they milia",
        "my toenail is yellow and thick, is it fungal",
        "does that sound like tennis elbow to you",
        "Is That A Stye??",
        "heel pain every morning - plantar fasciitis?",
        "itchy red patches on my elbows, eczema or psoriasis",
        "heel pain every morning, plantar fasciitis?!",
        "the hard skin on my heels has split open, could it be fungal",  # "open" describes, asks nothing
        # session 19: a description before the name, signs of it, "is it possible", "can you tell me if"
        "is this dark spot on my back tooth a cavity",
        "is this white patch on my tongue thrush or something worse",
        "gum swollen and a bad taste, are these signs of gum disease",
        "is it possible i have tinnitus, my ears hum at night",
        "can you tell me if this is a verruca, hard bit with black dots",
        "how do i know if mine is a bunion",
        "am i getting an ingrowing nail, the corner is red",
        "pain down my leg when i sit, is it sciatica would you agree",
        "34 weeks and my pelvis kills when i walk, is it spd do u reckon",  # session 30
        # session 36: what a sign or a result means, a water infection
        "does my sons stammer mean hes autistic",
        "dad got 78 on the memory test, does it mean hes got dementia",
        "does my mums memory test result mean she might have alzheimers",
        "wee is cloudy and stings, is it a uti",
        # naming no condition: the bot's opinion of a symptom (`_OPINION`)
        "from what ive said do u think my shoulder is torn",
        "would you say my tooth needs a root canal, pain comes and goes",
        "my daughter squints at the tv, do u think she needs glasses",
        "jaw clicks when i yawn and aches in the morning whats causing it",
        "pulled something in my calf, whats it likely to be",
    ],
)
def test_a_question_whether_someone_has_a_condition_is_found(message):
    assert SHIPPED.find(message)


# A read-only review wrote these against a first version made of `personal_advice` phrases with "..." gaps,
# which referred 56 of its 132 everyday questions.
@pytest.mark.parametrize(
    "message",
    [
        "do i have to pay for a glaucoma check if im over 60",
        "do i have to shave before the folliculitis laser",
        "sounds like you treat bunions, how much is a consultation",
        "i think i have an appointment for my bunions next week",
        "i want to make sure i have a cavity free smile",
        "could it be done if ive got astigmatism",
        "do you treat athletes foot or a fungal infection of the nails",
        "is laser good for rosacea",
        "is it glaucoma testing you do at the eye test",
        "is my hearing aid broken or just the battery",
        "could i have a reaction to filler, what are the chances",
        "i think its broken, can you xray my foot",  # asks the clinic for something
        "my nan has glaucoma, do you do home visits",
        "what causes bunions",
        "bunions?",  # alone, it asks whether the clinic treats them
        # a second review wrote 161 against the next version, which referred 125 of them
        "can i have ear wax removed from both ears on saturday",
        "is the nhs shingles vaccine free at 65",
        "does the surgery have shingles vaccines in stock yet",
        "has my son got a verruca appt this week",
        "are these dry eye drops preservative free",
        "is my mums cataract op still going ahead",
        "is he a sciatica specialist",
        "id like to book physio for my sciatica, maybe tuesday?",
        "which is cheaper to treat, a corn or a verruca",
        "read your shockwave page. is it for tennis elbow or golfers elbow",
        "which page is it on, plantar fasciitis?",
        "does the foot health check cover things like... verrucas?",
        "got a podiatrist? verrucas?",
        # and a code review
        "is it gout or arthritis that runs in families",
        "can my son have a verruca or wart frozen off",
        "i dont think i have gout, its just a sore toe",
        # session 19's shapes, asked of something else
        "is this the best cream for thrush",
        "is the laser good on a verruca",
        "is the difference between a corn and a callus big",
        "can you tell me if you treat fungal nails",
        "what are the signs of gum disease",
        "is it possible to get a same day appointment for a verruca",
        # a read-only review of session 19's shapes
        "is the eye test still on if i have sinusitis",
        "is my sons swimming lesson ok if he has warts",
        "is the gel sterile so nothing becomes infected",
        "are the kids at my sons school all catching scabies",
        "what are the early signs of gum disease",
        "would you say my kids should come for a check up every 6 months",
        "do you think he needs a parent with him if hes 16",
        "roughly how much is a crown, whats it likely to be",
        "would you say my budget is enough for invisalign",
        "whats causing my payment to be declined",
        "the booking app keeps clicking back to the start, whats causing it",
        "does my son need to bring his glasses to the eye test",
        "what do you think this offer is worth",
        "my jaw aches after the dentist, whats causing them to run late",
        "my back is sore, just curious, what is causing this heatwave",
        "my eyes are itchy, anyway whats causing the delays",
    ],
)
def test_a_condition_named_in_any_other_question_is_left_to_the_pages(message):
    assert not SHIPPED.find(message)


def test_no_conditions_find_nothing():
    assert DiagnosisQuestion(()).find("is it a verruca") is None
    assert DiagnosisQuestion(("Verruca",)).find("is it a verruca?") == "is it a verruca"
