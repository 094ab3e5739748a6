"""`make load`: many Socket.IO visitors at once against a real server on loopback.

    python -m bench.load [--clients 200] [--questions 20]

Two runs, each bounded in count and time: every client asks its questions one after another;
in the second run every client also drops its connection and reconnects half-way. Every question
must get exactly one answer. Prints p50/p99, answers per second and errors.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.run import NO_LIMITS, PROJECT, Server, SocketVisitor, stats, table

QUESTIONS = [
    "can microneedling help my acne scars?",
    "does it get rid of wrinkles",
    "will it fade stretch marks",
    "is there downtime after microneedling",
    "how do I book an appointment",
    "when are you open",
    "where is the clinic",
    "how can I contact you",
    "what is microneedling",
    "will I feel more confident",
    "hello",
    "thanks!",
    "what is the capital of France?",
    "I have chest pain",
]


def run(url: str, clients: int, per_client: int, reconnect: bool) -> dict:
    errors: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()
    answers: list[dict[str, int]] = []
    retries = [0]
    refusals: list[dict[str, dict]] = []

    def visitor(number: int) -> None:
        try:
            client = SocketVisitor(url)
            for i in range(per_client):
                if reconnect and i == per_client // 2:
                    answers.append(client.answers)
                    refusals.append(client.errors)
                    retries[0] += client.retries
                    client.client.disconnect()
                    client = SocketVisitor(url)
                question = f"{QUESTIONS[(number + i) % len(QUESTIONS)]} ({number}-{i})"
                elapsed = client.ask(f"{number}-{i}", question)
                with lock:
                    latencies.append(elapsed)
            time.sleep(0.2)
            answers.append(client.answers)
            refusals.append(client.errors)
            retries[0] += client.retries
            client.client.disconnect()
        except Exception as error:
            with lock:
                errors.append(f"client {number}: {error!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(visitor, range(clients)))
    wall = time.perf_counter() - started
    counts: dict[str, int] = {}
    for received in answers:
        for request_id, n in received.items():
            counts[request_id] = counts.get(request_id, 0) + n
    asked = clients * per_client
    return {
        "clients": clients,
        "asked": asked,
        "answered_once": sum(1 for n in counts.values() if n == 1),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "missing": asked - len(counts),
        "errors": len(errors) + sum(len(r) for r in refusals),
        "connect_retries": retries[0],
        "answers_per_s": round(len(latencies) / wall, 1),
        "wall_s": round(wall, 1),
        **stats(latencies or [0.0]),
        "first_errors": errors[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="load-"))
    shutil.copytree(PROJECT / "knowledge", work / "knowledge")
    server = Server(work / "knowledge", work / "instance", env=NO_LIMITS)
    try:
        server.wait_until_answering()
        rows = []
        ok = True
        for reconnect in (False, True):
            result = run(server.url, args.clients, args.questions, reconnect)
            ok &= result["answered_once"] == result["asked"] and not result["errors"]
            rows.append(
                [
                    "with drops and reconnects" if reconnect else "steady",
                    result["clients"],
                    result["asked"],
                    result["answered_once"],
                    result["duplicates"],
                    result["missing"],
                    result["errors"],
                    result["connect_retries"],
                    result["answers_per_s"],
                    result["p50_ms"],
                    result["p99_ms"],
                ]
            )
            for error in result["first_errors"]:
                print("  ", error)
        table(
            f"Load: {args.clients} Socket.IO clients x {args.questions} questions on loopback",
            [
                "run",
                "clients",
                "asked",
                "answered once",
                "duplicates",
                "missing",
                "errors",
                "connect retries",
                "answers/s",
                "p50 ms",
                "p99 ms",
            ],
            rows,
        )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
