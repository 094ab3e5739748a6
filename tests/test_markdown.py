"""The Markdown subset passages keep for the widget (bot/markdown.py), and the key sentence with content."""

from __future__ import annotations

from bot.knowledge import parse_markdown, plain_text
from bot.markdown import safe_markdown
from bot.passages import document_passages, key_sentence_spans
from bot.policy import with_content

PAGE = """---
title: T
url: https://x.example/t
---
## Does it hurt?

Yes. Most people feel only **a slight scratch**, see [our guide](https://x.example/g) or [bad](javascript:x).

- first *thing*
- call [us](tel:555-0142) or [write](mailto:a@b.example)

3. three
4. four <img src=x onerror=alert(1)>
"""


def test_lists_bold_and_safe_links_are_kept_the_rest_is_plain():
    (passage,) = document_passages(parse_markdown(PAGE, "t.md"))
    assert passage.markdown.split("\n") == [
        "Yes. Most people feel only **a slight scratch**, see [our guide](https://x.example/g) or bad.",
        "- first thing",
        "- call [us](tel:555-0142) or [write](mailto:a@b.example)",
        "3. three",
        "4. four",
    ]
    # Without its ** and [..](..) it reads exactly as the passage, so the key sentence can be found in it.
    assert [plain_text(line.lstrip("-34. ")) for line in passage.markdown.split("\n")] == passage.text.split("\n")


def test_a_page_without_markdown_keeps_none():
    (passage,) = document_passages(parse_markdown("## Hours\n\nWe are open on Mondays.\n", "h.md"))
    assert passage.markdown is None


def test_unsafe_addresses_lose_their_link_but_keep_their_words():
    assert safe_markdown("[a](javascript:alert(1)) [b](data:text/html,x) [c](http://ok.example)") == (
        "a) b [c](http://ok.example)"
    )
    assert safe_markdown("__bold__ and _it_ and `code`") == "**bold** and it and code"


def test_a_key_sentence_of_yes_gives_way_to_the_sentence_with_content():
    text = "Yes. Light flaking for a few days is normal after a peel. Keep it moisturised."
    spans = key_sentence_spans(text)
    assert text[slice(*with_content(text, spans, 0))] == "Light flaking for a few days is normal after a peel."
    assert with_content(text, spans, 2) == spans[2]
    short = "It is. Not at all."
    assert with_content(short, key_sentence_spans(short), 1) == key_sentence_spans(short)[1]  # nothing better
