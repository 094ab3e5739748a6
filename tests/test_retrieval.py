import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from bot.retrieval import RetrievalSettings, Retriever, _numpy_products_on_one_thread

# Paraphrases a visitor might type, each with the seed section that answers it.
SEED_QUESTIONS = [
    ("what is microneedling", ()),
    ("how does the needle treatment work on skin", ()),
    ("Can it get rid of my wrinkles and fine lines?", ("Microneedling smooths skin",)),
    ("does microneedling boost collagen for smoother skin", ("Microneedling smooths skin",)),
    ("can microneedling help my acne scars?", ("Microneedling reduces scars",)),
    ("I have a scar from surgery, would this make it less visible?", ("Microneedling reduces scars",)),
    ("will it fade stretch marks from pregnancy", ("Microneedling diminishes stretch marks",)),
    ("I lost a lot of weight and have stretch marks", ("Microneedling diminishes stretch marks",)),
    ("I feel self-conscious about my skin, will this help my confidence?", ("Microneedling boosts self-confidence",)),
    ("could I stop wearing so much makeup afterwards", ("Microneedling boosts self-confidence",)),
    ("is there any downtime or recovery time after microneedling", ("Microneedling is minimally invasive",)),
    ("do I need anesthesia or surgery for it", ("Microneedling is minimally invasive",)),
    ("how do I make an appointment", ("How do I book an appointment?",)),
    ("when is the clinic open on saturday", ("What are your opening hours?",)),
]


@pytest.mark.parametrize(("question", "headings"), SEED_QUESTIONS)
def test_each_section_is_found_by_paraphrased_questions(assistant, question, headings):
    retriever = assistant.snapshot.policy.retriever
    hits = retriever.run(question, k=3).hits
    assert hits[0].passage.headings == headings, [h.passage.headings for h in hits]


def test_typos_still_find_the_passage(assistant):
    retriever = assistant.snapshot.policy.retriever
    hit = retriever.run("can microneedlng help acne scarss", k=1).hits[0]
    assert hit.passage.headings == ("Microneedling reduces scars",)
    hit = retriever.run("strech marsk after pregnacy", k=1).hits[0]
    assert hit.passage.headings == ("Microneedling diminishes stretch marks",)


@pytest.mark.parametrize("question", ["0", "a", "?!", "the", "é"])
def test_questions_with_no_searchable_words_are_answered(assistant, question):
    assert assistant.answer(question).kind in ("answer", "fallback", "smalltalk")


def test_sentence_evidence_is_the_same_with_or_without_the_full_scan(assistant, monkeypatch):
    """Large knowledge bases search passages with faiss and score only the candidates' sentences: the same
    scores as the full scan of a clinic-sized one."""
    retriever = assistant.snapshot.policy.retriever
    question = "does it involve incisions or anesthesia"
    vector = retriever.encoder.encode_queries([question])[0]
    scanned = retriever.search(question, vector, k=5).hits
    monkeypatch.setattr(retriever, "_scan", False)
    candidates_only = retriever.search(question, vector, k=5).hits
    assert [(h.passage.id, round(h.score, 5), h.sentence) for h in scanned][:3] == [
        (h.passage.id, round(h.score, 5), h.sentence) for h in candidates_only
    ][:3]


def test_the_full_scan_takes_the_same_nearest_passages_as_faiss(assistant):
    """Fewer candidates than passages and FAQ questions, so that the choice is made: the same rows."""
    index = assistant.snapshot.index
    retriever = Retriever(index, assistant.encoder)
    for question in ("does it hurt", "how much does it cost", "where do i park", "what is microneedling"):
        vector = assistant.encoder.encode_queries([question])[0]
        assert retriever._cosines(vector) is not None
        for n in (1, 3):
            assert set(retriever._nearest(vector, retriever._cosines(vector), n)) == set(index.nearest(vector, n))


@pytest.mark.parametrize("lexical_weight", [0.0, 0.5, 1.25])
def test_score_of_is_the_inverse_of_confidence(lexical_weight):
    """Evaluation cuts rankings at score_of(threshold): it must be the score the policy calls that confidence."""
    settings = RetrievalSettings(lexical_weight=lexical_weight)
    for confidence in (0.0, 0.31, 0.5, 0.87, 1.0):
        assert settings.confidence(settings.score_of(confidence)) == pytest.approx(confidence)


def test_the_assistant_names_the_topic_of_a_stored_source(assistant):
    passage = assistant.snapshot.index.passages[0]
    topic = assistant.topic_of(passage.id)
    assert topic.file == passage.file and topic.label.startswith(passage.title)
    changed = assistant.topic_of(passage.id.rsplit("-", 1)[0] + "-0000000000")
    assert changed.file == passage.file and changed.label.endswith("(text since changed)")
    assert assistant.topic_of("gone-page-1234").file is None
    assert assistant.passage(passage.id) == passage
    assert assistant.passage(passage.id.rsplit("-", 1)[0] + "-0000000000") is None


def test_embedded_questions_are_unit_vectors_in_order(assistant):
    questions = [f"question number {i}?" for i in range(40)]
    vectors = assistant.embed_questions(questions)
    assert vectors.shape == (40, assistant.encoder.dimension)
    assert vectors[3] == pytest.approx(assistant.encoder.encode_queries([questions[3]])[0], abs=1e-5)
    assert assistant.embed_questions([]).shape == (0, assistant.encoder.dimension)


def test_questions_prepared_at_once_are_answered_without_the_model(assistant, monkeypatch):
    """`prepare` embeds what answering will read (a long message's parts too) in batches; a message that words
    settle (a red flag's phrase, small talk) needs nothing; an invalid one is skipped."""
    questions = [
        "does prepare work for this newly worded question about downtime?",
        "i had microneedling on monday and it is still a bit red today, my sister says thats normal, is that right",
        "i cant breathe",
        "thanks!",
        "",
    ]
    policy = assistant.snapshot.policy
    assert len(policy.model_texts(questions[1])) > 1 and policy.model_texts("i cant breathe") == []
    assert policy.model_texts("thanks!") == policy.model_texts("") == []
    batches = []
    encode = assistant.encoder.batcher.encode
    monkeypatch.setattr(assistant.encoder.batcher, "encode", lambda texts: batches.append(texts) or encode(texts))
    assistant.prepare(questions)
    assert len(batches) == 1
    for question in questions[:4]:
        assistant.answer(question)
    assert len(batches) == 1


def test_a_scanning_retriever_keeps_numpy_products_on_one_thread(assistant):
    """BLAS's threads, spinning after a product split across them, took the cores from ONNX Runtime's. NumPy's
    BLAS is set to one thread; faiss's keeps its own (it searches many questions at once in evaluations)."""
    assert assistant.snapshot.policy.retriever._scan
    with threadpool_limits(limits=2, user_api="blas"):
        _numpy_products_on_one_thread.__wrapped__()
        blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
        numpy_blas = [lib for lib in blas if "faiss" not in lib["filepath"]]
        if not numpy_blas:
            pytest.skip("no BLAS library of NumPy's that threadpoolctl can see")
        assert all(lib["num_threads"] == 1 for lib in numpy_blas)
        assert all(lib["num_threads"] == 2 for lib in blas if "faiss" in lib["filepath"])
