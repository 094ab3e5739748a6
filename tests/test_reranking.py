import numpy as np

from bot.passages import Passage
from bot.reranker_training import Candidates, fit, right_first
from bot.reranking import Reranker, RerankWeights
from bot.retrieval import Evidence, Hit, Retrieval


def hit(heading: str | None, score: float, passage: float, heading_cos: float | None, sentence: float, **kw) -> Hit:
    headings = (heading,) if heading else ()
    question = heading if heading and heading.endswith("?") else None
    p = Passage(f"id-{heading}", "parking.md", "Your first visit", None, headings, "text", question)
    evidence = Evidence(passage, heading_cos, sentence, kw.get("names_only_page", False))
    return Hit(p, score, max(passage, sentence), kw.get("lexical", 0.2), None, evidence)


def test_a_section_that_answers_goes_before_the_introduction_that_mentions_it():
    # "is there parking near the clinic": the introduction says "from where to park to what to bring";
    # a sentence of the section names the car park.
    intro = hit(None, 0.68, 0.54, None, 0.48, lexical=0.28)
    parking = hit("Finding us and parking", 0.66, 0.56, 0.50, 0.62, lexical=0.24)
    assert Reranker().run([intro, parking]) == [parking, intro]


def test_a_section_cut_into_passages_is_weighed_as_one_and_shows_its_best_passage():
    # "where do i park": one passage of the section has the words, another the meaning; alone, each loses
    # to the introduction.
    intro = hit(None, 0.80, 0.60, 0.40, 0.60, lexical=0.40)
    words = hit("Finding us and parking", 0.78, 0.45, 0.50, 0.45, lexical=0.60)
    meaning = hit("Finding us and parking", 0.70, 0.60, 0.50, 0.60, lexical=0.30)
    assert [Reranker().run([intro, h])[0] for h in (words, meaning)] == [intro, intro]
    assert Reranker().run([intro, words, meaning]) == [words, meaning, intro]


def test_an_faq_asked_almost_as_written_stays_first():
    faq = hit("Can I pay by card?", 0.9, 0.5, 0.85, 0.5)
    section = hit("Payment plans", 0.88, 0.7, 0.6, 0.8)
    assert Reranker().run([faq, section])[0] is faq
    asked_otherwise = hit("Can I pay by card?", 0.9, 0.5, 0.6, 0.5)
    assert Reranker().run([asked_otherwise, section])[0] is section


def test_a_question_naming_only_its_page_keeps_the_introduction():
    intro = hit(None, 0.86, 0.75, None, 0.8, names_only_page=True)
    section = hit("Microneedling is minimally invasive", 0.84, 0.75, 0.83, 0.83)
    assert Reranker().run([intro, section])[0] is intro


def test_only_the_first_few_are_reordered_and_confidence_is_the_best_fused_score():
    hits = [hit(None, 0.7 - i / 100, 0.5, None, 0.5) for i in range(3)] + [hit("Best", 0.5, 0.9, 0.9, 0.9)]
    reranked = Reranker(depth=3).run(hits)
    assert reranked[-1] is hits[-1]
    best_first = Reranker(depth=4).run(hits)
    assert best_first[0] is hits[-1]
    assert Retrieval(best_first, np.zeros(3)).best_score == 0.7


def test_fitting_finds_the_feature_that_marks_the_right_candidate():
    rng = np.random.default_rng(0)
    questions = []
    for _ in range(40):
        features = rng.normal(size=(5, len(RerankWeights().values())))
        right = np.zeros(5, dtype=bool)
        right[np.argmax(features[:, 1])] = True  # the passage cosine decides
        questions.append(Candidates(features, right))
    weights = fit(questions)
    assert weights.passage == max(weights.values())
    assert right_first(questions, len(questions), weights) >= 0.9  # by chance: 0.2
