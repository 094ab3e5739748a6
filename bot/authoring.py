"""Helping staff write an answer for a content gap: which existing pages it could go on, and the text to
start from (an FAQ entry added to a page, or a new page with its title and url). No Flask."""

from __future__ import annotations

from bot.assistant import Assistant

PLACEHOLDER_ANSWER = "Write the answer here in a few plain sentences. Call us on {phone} if you have more questions."


def as_question(text: str) -> str:
    question = " ".join(text.split()) or "A question visitors ask?"
    return question if question.endswith("?") else question + "?"


def with_faq_entry(page: str, question: str) -> str:
    """The page with the question added at its end as an FAQ entry (a heading ending in '?')."""
    return f"{page.rstrip()}\n\n## {as_question(question)}\n\n{PLACEHOLDER_ANSWER}\n"


def starter_page(title: str, url: str, question: str) -> str:
    """A new page: front matter with its title (and url, when given), and the question as its first FAQ entry."""
    front = f"title: {title.strip()}\n" + (f"url: {url.strip()}\n" if url.strip() else "")
    return f"---\n{front}---\n\n## {as_question(question)}\n\n{PLACEHOLDER_ANSWER}\n"


def best_pages(assistant: Assistant, question: str, limit: int = 3) -> list[tuple[str, str]]:
    """The pages (file, title) whose passages come closest to the question, best first."""
    retriever = assistant.snapshot.policy.retriever
    vector = retriever.encoder.encode_queries([question])[0]
    pages: dict[str, str] = {}
    for hit in retriever.search(question, vector, k=20).hits:
        pages.setdefault(hit.passage.file, hit.passage.title)
        if len(pages) == limit:
            break
    return list(pages.items())
