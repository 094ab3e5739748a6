import re
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, load_clinic, load_knowledge, load_safety, parse_markdown

from .conftest import KNOWLEDGE


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_front_matter_headings_and_faq_entries():
    doc = parse_markdown(
        "---\ntitle: Aftercare\nurl: https://clinic.example.com/aftercare\ntags: [skin, care]\n---\n"
        "# Aftercare\n\nIntro words here.\n\n## The first day\n\nKeep it clean.\n\n"
        "### Can I wear make-up?\n\nNot for a day.\n",
        "aftercare.md",
    )
    assert (doc.title, doc.url, doc.tags) == ("Aftercare", "https://clinic.example.com/aftercare", ("skin", "care"))
    assert [s.headings for s in doc.sections] == [(), ("The first day",), ("The first day", "Can I wear make-up?")]
    assert [s.question for s in doc.sections] == [None, None, "Can I wear make-up?"]
    assert doc.sections[2].line == 14


def test_markdown_formatting_becomes_plain_text():
    doc = parse_markdown(
        "Some **bold** and _soft_ words, a [link](https://x.example) and <b>tags</b>.\n\n"
        "- first item\n- second item\n\n```\n# not a heading\n```\n",
        "a.md",
    )
    assert doc.sections[0].paragraphs == (
        "Some bold and soft words, a link and tags.",
        "first item",
        "second item",
        "# not a heading",
    )
    assert len(doc.sections) == 1


def test_title_falls_back_to_first_heading_then_file_name():
    assert parse_markdown("# Fillers\n\nText.", "fillers.md").title == "Fillers"
    assert parse_markdown("Just text.", "skin-care_tips.md").title == "Skin care tips"


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"Good line\n\xff\xfe bad bytes\n", 2, "not valid UTF-8"),
        (b"", 1, "empty"),
        (b"  \n\n", 1, "empty"),
        (b"text\x00\x01binary", 1, "binary"),
        ("---\ntitle: x\nno closing line\n", 1, "no closing"),
        ("---\ntitle: [unclosed\n---\nText.\n", 2, "YAML error"),
        ("---\n- a\n- b\n---\nText.\n", 2, "key: value"),
        ("---\nurl: javascript:alert(1)\n---\nText.\n", 2, "http"),
        ("---\ntitle: Only headings\n---\n# One\n## Two\n", 4, "no text"),
    ],
)
def test_bad_files_are_reported_with_file_and_line(tmp_path, content, line, message):
    (tmp_path / "bad").mkdir()
    path = write(tmp_path / "bad", "page.md", content)
    with pytest.raises(KnowledgeError) as caught:
        from bot.knowledge import load_document

        load_document(path, tmp_path, load_clinic(KNOWLEDGE))
    assert caught.value.file == "bad/page.md"
    assert caught.value.line == line
    assert message in caught.value.message


def test_a_colon_inside_a_value_is_read_as_staff_meant_it(knowledge_dir):
    """YAML refuses "title: Visiting us: opening times" (a second ": "): two blind clinics' writers met it."""
    page = "---\ntitle: Visiting us: opening times\nurl: https://clinic.test/visit\ntags: [parking]\n---\nText.\n"
    doc = parse_markdown(page, "visiting.md")
    assert (doc.title, doc.url, doc.tags) == ("Visiting us: opening times", "https://clinic.test/visit", ("parking",))
    clinic = re.sub(
        r"(?m)^disclaimer: .*$",
        "disclaimer: Please note: I cannot give medical advice.",
        (knowledge_dir / "clinic.yaml").read_text("utf-8"),
    )
    write(knowledge_dir, "clinic.yaml", clinic)
    assert load_clinic(knowledge_dir).disclaimer == "Please note: I cannot give medical advice."
    with_comment = "---\ntitle: Visiting us: opening times  # note: check\n---\nText.\n"
    with pytest.raises(KnowledgeError, match="YAML error"):  # a comment is not taken into the value
        parse_markdown(with_comment, "visiting.md")


def test_bad_file_is_skipped_and_the_others_still_load(knowledge_dir):
    write(knowledge_dir, "broken.md", b"\xc3\x28 broken")
    knowledge = load_knowledge(knowledge_dir)
    assert [e.file for e in knowledge.errors] == ["broken.md"]
    assert {d.file for d in knowledge.documents} == {"microneedling.md", "visiting-us.md"}


def test_huge_file_is_refused(knowledge_dir):
    write(knowledge_dir, "huge.md", "word " * 1_200_000)
    assert "too large" in load_knowledge(knowledge_dir).errors[0].message


def test_clinic_settings_fill_placeholders_in_pages(knowledge_dir):
    knowledge = load_knowledge(knowledge_dir)
    assert knowledge.clinic.emergency_number == "911" and knowledge.clinic.crisis_line == "988"
    assert "911" in knowledge.clinic.disclaimer
    visiting = next(d for d in knowledge.documents if d.file == "visiting-us.md")
    text = " ".join(p for s in visiting.sections for p in s.paragraphs)
    assert knowledge.clinic.phone in text and "{phone}" not in text


def test_clinic_yaml_problems_raise(knowledge_dir):
    write(knowledge_dir, "clinic.yaml", "name: Clinic\nphone: [oops\n")
    with pytest.raises(KnowledgeError, match=r"clinic.yaml, line 2"):
        load_clinic(knowledge_dir)
    write(knowledge_dir, "clinic.yaml", "name: Clinic\n")
    with pytest.raises(KnowledgeError, match="must set phone, email, booking_url"):
        load_clinic(knowledge_dir)
    write(knowledge_dir, "clinic.yaml", "name: C\nphone: 1\nemail: e\nbooking_url: b\nfax: 2\n")
    with pytest.raises(KnowledgeError, match="unknown settings: fax"):
        load_clinic(knowledge_dir)


def test_a_tab_in_safety_yaml_is_named_at_its_line(knowledge_dir):
    """libyaml parses the files (bot/yaml_parsing.py `parse_yaml`); the message staff read is PyYAML's own."""
    safety = (knowledge_dir / "safety.yaml").read_text("utf-8")
    write(knowledge_dir, "safety.yaml", safety.replace("emergency:\n", "emergency:\n\t- chest pain\n", 1))
    line = safety[: safety.index("emergency:\n")].count("\n") + 2
    with pytest.raises(KnowledgeError, match=rf"safety.yaml, line {line}: YAML error: found character '\\t'"):
        load_safety(knowledge_dir)
    write(knowledge_dir, "safety.yaml", safety)
    assert load_safety(knowledge_dir).emergency  # and the shipped file reads as before


def test_safety_file_is_required(knowledge_dir):
    (knowledge_dir / "safety.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"safety\.yaml"):
        load_safety(knowledge_dir)


def test_words_that_are_an_emergency_together_become_phrases(knowledge_dir):
    safety = (knowledge_dir / "safety.yaml").read_text("utf-8")
    together = "emergency_together:\n  swallowing made hard:\n    - swallow, swallowing\n    - hard, cant\n"
    write(knowledge_dir, "safety.yaml", safety.replace("emergency_together:\n", together))
    rules = load_safety(knowledge_dir)
    assert {"swallow|swallowing ~ hard|cant", "hard|cant ~ swallow|swallowing"} <= set(rules.emergency)
    assert "hard|cant ~ swallow|swallowing" not in rules.may_be_history  # an emergency now, whatever else
    bad_entries = ("[swallow, hard]", "{x: [swallow]}", "{x: [swallow, hard, a, b]}", "{x: [swallow, ' , ']}")
    odd_words = ("{x: ['!!!', hard]}", "{x: ['a|b', hard]}", "{x: ['swallow ... pills', hard]}", "{x: ['a ~ b', c]}")
    for bad in (*bad_entries, *odd_words):
        write(knowledge_dir, "safety.yaml", f"{safety}\nemergency_together: {bad}\n")
        with pytest.raises(KnowledgeError, match="emergency_together"):
            load_safety(knowledge_dir)


def test_a_phrase_cannot_hold_the_together_entries_mark(knowledge_dir):
    """"~" joins an emergency_together entry's lists eight words apart: in a phrase it would widen it."""
    safety = (knowledge_dir / "safety.yaml").read_text("utf-8")
    write(knowledge_dir, "safety.yaml", safety.replace("emergency:\n", "emergency:\n  - chest ~ pain\n", 1))
    with pytest.raises(KnowledgeError, match="cannot hold '~'"):
        load_safety(knowledge_dir)


def test_may_be_history_names_words_together_entries_or_phrases(knowledge_dir):
    safety = (knowledge_dir / "safety.yaml").read_text("utf-8")
    together = "emergency_together:\n  sick with hives:\n    - hives\n    - vomiting\n"

    def history(first: str) -> str:
        with_entry = safety.replace("emergency_together:\n", together)
        return with_entry.replace("may_be_history:\n", f"may_be_history:\n  - {first}\n")

    write(knowledge_dir, "safety.yaml", history("sick with hives"))
    rules = load_safety(knowledge_dir)
    assert {"hives ~ vomiting", "vomiting ~ hives"} <= set(rules.may_be_history)
    assert {"hives ~ vomiting", "vomiting ~ hives"} <= set(rules.emergency)  # and still emergency phrases
    # A name that is also an emergency phrase means the phrase.
    write(knowledge_dir, "safety.yaml", history("chest pain").replace("sick with hives:", "chest pain:"))
    rules = load_safety(knowledge_dir)
    assert "chest pain" in rules.may_be_history and "hives ~ vomiting" not in rules.may_be_history
    write(knowledge_dir, "safety.yaml", history("hives with fainting"))
    with pytest.raises(KnowledgeError, match="'may_be_history' must list emergency phrases or names of"):
        load_safety(knowledge_dir)
    numbered = "emergency_together:\n  1:\n    - swallow\n    - hard\n"
    write(knowledge_dir, "safety.yaml", safety.replace("emergency_together:\n", numbered))
    with pytest.raises(KnowledgeError, match="need a name in words"):
        load_safety(knowledge_dir)


def test_symlinks_and_files_outside_the_folder_are_never_read(knowledge_dir, tmp_path):
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    write(outside, "secret.md", "---\ntitle: Secret\n---\n\nThe server's secret is 4711.\n")
    write(outside / "folder", "inner.md", "---\ntitle: Inner\n---\n\nThe inner secret is 4712.\n")
    (knowledge_dir / "linked.md").symlink_to(outside / "secret.md")
    (knowledge_dir / "linked-folder").symlink_to(outside / "folder")
    (knowledge_dir / "treatments").mkdir()
    write(knowledge_dir / "treatments", "peels.md", "---\ntitle: Peels\n---\n\nA chemical peel takes half an hour.\n")
    knowledge = load_knowledge(knowledge_dir)
    files = {document.file for document in knowledge.documents}
    assert "treatments/peels.md" in files and "microneedling.md" in files  # real pages, in subfolders too
    assert not {"linked.md", "linked-folder/inner.md"} & files
    text = " ".join(p for d in knowledge.documents for s in d.sections for p in s.paragraphs)
    assert "4711" not in text and "4712" not in text and not knowledge.errors
