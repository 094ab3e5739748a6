import numpy as np
import pytest

from bot.embedding import VectorCache
from bot.index import PassageIndex, build_index, passages_fingerprint
from bot.knowledge import load_knowledge
from bot.passages import build_passages, key_sentence_spans
from tests.harness import KNOWLEDGE


@pytest.fixture(scope="module")
def shipped(encoder) -> tuple[list, PassageIndex]:
    """The shipped knowledge's passages and their index, built once for the tests that only read them."""
    passages = build_passages(load_knowledge(KNOWLEDGE).documents)
    return passages, build_index(passages, encoder)


def test_vectors_are_unit_length_and_headings_and_sentences_indexed(encoder, shipped):
    passages, index = shipped
    assert index.passage_vectors.shape == (len(passages), encoder.dimension)
    assert np.allclose(np.linalg.norm(index.passage_vectors, axis=1), 1.0, atol=1e-5)
    headings = [passages[r].heading_text for r in index.question_rows]
    assert headings == [p.heading_text for p in passages if p.heading_text]
    assert "How do I book an appointment?" in headings and "Microneedling smooths skin" in headings
    rows = index.sentence_rows(0)
    assert len(rows) == len(key_sentence_spans(passages[0].text))
    assert index.sentence_starts[-1] == len(index.sentence_vectors)
    assert np.allclose(np.linalg.norm(index.sentence_vectors, axis=1), 1.0, atol=1e-4)


def test_save_and_load_round_trip(encoder, shipped, tmp_path):
    passages, index = shipped
    index.save(tmp_path / "index")
    loaded = PassageIndex.load(tmp_path / "index", encoder.name, index.fingerprint)
    assert loaded is not None
    assert loaded.passages == passages
    assert np.allclose(loaded.passage_vectors, index.passage_vectors)
    assert np.array_equal(loaded.question_rows, index.question_rows)
    assert np.allclose(loaded.sentence_vectors, index.sentence_vectors)
    assert np.array_equal(loaded.sentence_starts, index.sentence_starts)
    assert PassageIndex.load(tmp_path / "index", "another-model", index.fingerprint) is None
    assert PassageIndex.load(tmp_path / "index", encoder.name, "0" * 64) is None


def test_damaged_index_is_not_loaded(encoder, shipped, tmp_path):
    _, index = shipped
    folder = index.save(tmp_path / "index")
    data = (folder / "passages.faiss").read_bytes()
    (folder / "passages.faiss").write_bytes(data[: len(data) // 2])
    assert PassageIndex.load(tmp_path / "index", encoder.name, index.fingerprint) is None


def test_rebuild_embeds_only_changed_passages(encoder, knowledge_dir, tmp_path):
    cache_path = tmp_path / "cache.npz"
    passages = build_passages(load_knowledge(knowledge_dir).documents)
    cache = VectorCache(cache_path)
    first = build_index(passages, encoder.with_cache(cache))
    cache.save()
    texts = {p.embedding_text for p in passages} | {p.heading_text for p in passages if p.heading_text}
    texts |= {p.text[a:b] for p in passages for a, b in key_sentence_spans(p.text)}
    assert cache.embedded == len(texts)  # each text once, however often it occurs

    page = knowledge_dir / "microneedling.md"
    page.write_text(page.read_text().replace("tiny needles", "very fine needles"), "utf-8")
    changed = build_passages(load_knowledge(knowledge_dir).documents)
    restarted = VectorCache(cache_path)  # as a restart reads it
    second = build_index(changed, encoder.with_cache(restarted))
    assert restarted.embedded == 2  # the changed passage and its changed sentence
    assert passages_fingerprint(changed, encoder.name) != first.fingerprint
    assert second.passages[0].text != first.passages[0].text


def test_the_onnx_copy_gives_the_same_vectors_as_pytorch(encoder):
    assert encoder.backend == "onnxruntime"
    texts = [
        "hi",
        "can microneedling help my acne scars?",
        "Whether you have stretch marks on your skin " * 30,
        "Ünïcödé, emoji 🙂 and numbers 12/03/1984",
    ]
    fast, reference = encoder.onnx.encode(texts), encoder.torch.encode(texts)
    assert np.all((fast * reference).sum(axis=1) >= 0.999)
    assert np.allclose(encoder.encode_queries(texts), fast)  # and the cached, batched path returns the same


def test_questions_from_many_threads_are_batched_and_each_gets_its_own_vector(encoder):
    from concurrent.futures import ThreadPoolExecutor

    questions = [f"question number {i} about skin" for i in range(40)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        vectors = list(pool.map(lambda q: encoder.encode_queries([q])[0], questions))
    expected = encoder.onnx.encode(questions)
    assert np.all((np.stack(vectors) * expected).sum(axis=1) > 0.9999)


def clustered_unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, 384))
    vectors = centres[rng.integers(0, 50, count)] + 0.3 * rng.normal(size=(count, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_large_knowledge_gets_an_approximate_index_that_finds_what_exact_search_finds(tmp_path):
    import faiss

    from bot.index import FLAT_UP_TO, _cluster_of_each_vector, vector_index
    from bot.passages import Passage

    count = FLAT_UP_TO + 2000
    vectors = clustered_unit_vectors(count)
    small = vector_index(vectors[:FLAT_UP_TO], 384)
    large = vector_index(vectors, 384)
    assert isinstance(small, faiss.IndexFlatIP) and isinstance(large, faiss.IndexIVFFlat)
    exact = vector_index(vectors[:0], 384)
    exact.add(vectors)
    queries = clustered_unit_vectors(50, seed=1)
    _, truth = exact.search(queries, 10)
    _, found = large.search(queries, 40)
    assert np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)]) >= 0.95

    # An edit: ten vectors go, five come. The clusters are reused, not retrained, and the vectors that
    # stay keep their clusters without being assigned again.
    nlist, centroids = large.nlist, faiss.downcast_index(large.quantizer).reconstruct_n(0, large.nlist)
    edited_vectors = np.concatenate([vectors[:-10], clustered_unit_vectors(5, seed=2)])
    previous_rows = np.concatenate([np.arange(count - 10), np.full(5, -1)])
    edited = vector_index(edited_vectors, 384, previous=large, previous_rows=previous_rows)
    del large  # the edited version must not depend on the one it replaced
    assert edited.nlist == nlist and edited.ntotal == count - 5
    assert np.array_equal(faiss.downcast_index(edited.quantizer).reconstruct_n(0, nlist), centroids)
    assert np.array_equal(_cluster_of_each_vector(edited), edited.quantizer.assign(edited_vectors, 1)[:, 0])
    assert edited.search(edited_vectors[3:4], 1)[1][0][0] == 3
    assert edited.search(edited_vectors[-2:-1], 1)[1][0][0] == count - 7

    passages = [Passage(f"p{i}", "big.md", "Big", None, (), f"passage number {i}") for i in range(count)]
    index = PassageIndex(passages, "m", 384, vectors, np.zeros((0, 384), np.float32), np.zeros(0, np.int64))
    folder = index.save(tmp_path)
    loaded = PassageIndex.load(tmp_path, "m", index.fingerprint)
    assert loaded is not None and isinstance(loaded.dense, faiss.IndexIVFFlat)
    assert np.array_equal(loaded.passage_vectors, vectors) and folder.exists()
    assert loaded.dense.search(vectors[7:8], 1)[1][0][0] == 7


def test_an_index_sets_faiss_blas_threshold_from_its_own_dimension(encoder, tmp_path):
    import faiss

    from bot.index import BLAS_FROM_QUESTIONS
    from bot.passages import Passage

    passages = [Passage(f"p{i}", "small.md", "Small", None, (), f"passage number {i}") for i in range(3)]
    vectors = np.eye(3, 16, dtype=np.float32)
    index = PassageIndex(passages, "m", 16, vectors, np.zeros((0, 16), np.float32), np.zeros(0, np.int64))
    assert faiss.cvar.distance_compute_blas_threshold == BLAS_FROM_QUESTIONS * 16
    index.save(tmp_path)
    faiss.cvar.distance_compute_blas_threshold = 128_000  # faiss's own default, as a fresh process has it
    assert PassageIndex.load(tmp_path, "m", index.fingerprint) is not None
    assert faiss.cvar.distance_compute_blas_threshold == BLAS_FROM_QUESTIONS * 16
    build_index(passages[:1], encoder)
    assert faiss.cvar.distance_compute_blas_threshold == BLAS_FROM_QUESTIONS * encoder.dimension
