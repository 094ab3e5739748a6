import re
from dataclasses import asdict

from bot.knowledge import load_knowledge, parse_markdown
from bot.passages import (
    ADDRESS_LABELS,
    HARD_MAX_WORDS,
    MAX_WORDS,
    MIN_WORDS,
    Passage,
    address_marks,
    build_passages,
    document_passages,
    label_address,
    split_sentences,
)

from .conftest import KNOWLEDGE


def sentence(i: int, words: int = 12) -> str:
    return f"Sentence {i} " + " ".join(f"w{i}x{j}" for j in range(words - 3)) + " ends."


def test_split_sentences_keeps_abbreviations_and_numbers():
    text = "Dr. Smith sees you at 9.30 today. Results vary, e.g. with skin type! Is it safe? Yes."
    assert split_sentences(text) == [
        "Dr. Smith sees you at 9.30 today.",
        "Results vary, e.g. with skin type!",
        "Is it safe?",
        "Yes.",
    ]


def test_long_section_splits_between_sentences_within_size_limits():
    body = "\n\n".join(" ".join(sentence(p * 10 + i) for i in range(5)) for p in range(6))  # 360 words
    doc = parse_markdown(f"# Long\n\n{body}\n", "long.md")
    passages = document_passages(doc)
    assert len(passages) >= 3
    sentences = set(split_sentences(body.replace("\n\n", " ")))
    for passage in passages:
        words = len(passage.text.split())
        assert MIN_WORDS <= words <= MAX_WORDS
        assert all(s in sentences for s in split_sentences(passage.text.replace("\n", " ")))
    assert " ".join(p.text.replace("\n", " ") for p in passages) == body.replace("\n\n", " ")


def test_lead_in_with_colon_stays_with_what_follows():
    lead = "These are the options:"
    body = " ".join(sentence(i) for i in range(9)) + f" {lead}\n\n" + " ".join(sentence(i) for i in range(20, 29))
    passages = document_passages(parse_markdown(body, "lead.md"))
    assert len(passages) > 1
    holder = next(p for p in passages if lead in p.text)
    assert not holder.text.endswith(lead)


def test_short_trailing_piece_is_merged_not_left_alone():
    body = " ".join(sentence(i) for i in range(14)) + " Short end."
    passages = document_passages(parse_markdown(body, "t.md"))
    assert all(len(p.text.split()) >= MIN_WORDS for p in passages)


def test_giant_sentence_is_kept_whole():
    giant = " ".join(["word"] * (HARD_MAX_WORDS + 50)) + "."
    passages = document_passages(parse_markdown(f"Before it. {giant} After it.", "g.md"))
    assert any(p.text.count("word") == HARD_MAX_WORDS + 50 for p in passages)


def test_seed_article_passages():
    passages = build_passages(load_knowledge(KNOWLEDGE).documents)
    seed = [p for p in passages if p.file == "microneedling.md"]
    assert [p.headings for p in seed] == [
        (),
        ("Microneedling smooths skin",),
        ("Microneedling reduces scars",),
        ("Microneedling diminishes stretch marks",),
        ("Microneedling boosts self-confidence",),
        ("Microneedling is minimally invasive",),
    ]
    stretch = seed[3]
    # The source's dangling lead-in stays with the text it belongs to, not as a passage of its own.
    assert stretch.text.endswith("Related skin conditions microneedling can address include:")
    assert "microneedling can help." in stretch.text
    for p in seed:
        assert p.url == "https://www.example.com/treatments/microneedling"
        assert p.embedding_text.startswith("Microneedling.")
    faq = [p for p in passages if p.question]
    assert "How do I book an appointment?" in [p.question for p in faq]


def test_passage_ids_are_stable_and_follow_content():
    first = build_passages(load_knowledge(KNOWLEDGE).documents)
    second = build_passages(load_knowledge(KNOWLEDGE).documents)
    assert [p.id for p in first] == [p.id for p in second]
    assert len({p.id for p in first}) == len(first)
    assert all(re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{12}", p.id) for p in first)
    doc = parse_markdown("# A\n\nOne text.\n\n# B\n\nOne text.\n", "x.md")
    changed = parse_markdown("# A\n\nOne text changed.\n\n# B\n\nOne text.\n", "x.md")
    before, after = document_passages(doc), document_passages(changed)
    assert before[0].id != after[0].id and before[1].id == after[1].id


def test_the_clinics_address_is_found_by_its_street_and_postcode():
    assert address_marks("Unit 3, The Old Dairy, 27 Fernhill Road, Ashcombe, AC7 3RW") == [
        "27 fernhill road",
        "ac7 3rw",
    ]
    assert address_marks("2nd floor, 14 Quayside Walk, Harbourside, Portmere PM1 4QS") == [
        "14 quayside walk",
        "pm1 4qs",
    ]
    assert address_marks("123 Example Street, Springfield, IL 62704") == ["123 example street", "62704"]
    assert address_marks("Suite 4, The Mill") == []
    assert address_marks("") == []


def test_the_passage_that_gives_the_address_is_labelled_for_the_word_search():
    document = parse_markdown(
        "# Visiting\n\n## Finding us\n\nWe're at 12 Bell Street,\nopposite the church.\n\n"
        "## Parking\n\nThere is a car park behind the library at 112 Bell Street.\n\n"
        "## Rooms\n\nOur treatment room is on the 2nd floor, by the lift.\n",
        "visiting.md",
    )
    passages = label_address(document_passages(document), "2nd floor, 12 Bell Street, Ashdown, AS3 7HL")
    assert [p.search_labels for p in passages] == [ADDRESS_LABELS, (), ()]
    assert "postcode" in passages[0].search_text and "postcode" not in passages[0].embedding_text
    assert Passage.from_dict(asdict(passages[0])) == passages[0]
    # A new address takes the labels away from the passage that no longer gives it.
    assert [p.search_labels for p in label_address(passages, "1 New Road, Ashdown")] == [(), (), ()]
