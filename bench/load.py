"""`make load`: many Socket.IO visitors at once against a real server on loopback.

    python -m bench.load [--clients 200] [--questions 20] [--idle-websockets 5000] [--idle-polling 500]

Two runs, each bounded in count and time: every client asks its questions one after another;
in the second run every client also drops its connection and reconnects half-way. Every question
must get exactly one answer. Prints p50/p99, answers per second and errors.

Then idle chats: new visitors connect and ask one question each, and /healthz is called, first with
no other connection open, then while thousands of open but quiet Socket.IO sessions (websockets and
long-polling, from bench/crowd.py) are held; prints both, with the server's memory per idle session and
its threads. The sessions are closed before the script ends.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.crowd import Crowd
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

    health: list[float] = []
    running = threading.Event()

    def check_health() -> None:
        """/healthz five times a second while the visitors ask: does it answer under the chat load?"""
        with requests.Session() as http:
            while running.is_set():
                asked = time.perf_counter()
                http.get(f"{url}/healthz", timeout=60).raise_for_status()
                health.append(time.perf_counter() - asked)
                time.sleep(0.2)

    running.set()
    checker = threading.Thread(target=check_health, name="healthz", daemon=True)
    checker.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(visitor, range(clients)))
    wall = time.perf_counter() - started
    running.clear()
    checker.join(60)
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
        "healthz_p99_ms": stats(health or [0.0])["p99_ms"],
    }


def worker_threads(server: Server) -> int:
    status = Path(f"/proc/{server.worker_pids()[0]}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))


def newcomers(url: str, visitors: int, health_checks: int) -> dict:
    """New visitors one after another, each connecting (websocket) and asking one question: seconds from
    connecting to the answer. Then /healthz, one call after another."""
    arrivals = []
    for n in range(visitors):
        started = time.perf_counter()
        visitor = SocketVisitor(url)
        visitor.ask(f"new-{n}", f"{QUESTIONS[n % len(QUESTIONS)]} ({n})")
        arrivals.append(time.perf_counter() - started)
        visitor.client.disconnect()
    health = []
    with requests.Session() as http:
        for _ in range(health_checks):
            started = time.perf_counter()
            http.get(f"{url}/healthz", timeout=30).raise_for_status()
            health.append(time.perf_counter() - started)
    return {"visitor": stats(arrivals), "healthz": stats(health)}


def idle_chats(server: Server, websockets: int, polling: int, visitors: int) -> dict:
    newcomers(server.url, 5, 5)  # warm-up: the first connection and answers of a process are slower
    quiet = newcomers(server.url, visitors, visitors)
    memory_before, threads_before = server.worker_rss_mb(), worker_threads(server)
    crowd = Crowd("127.0.0.1", server.port)
    try:
        started = time.perf_counter()
        report = crowd.open(websockets=websockets, polling=polling, at_once=200, timeout=900)
        open_s = time.perf_counter() - started
        time.sleep(5)  # settled: every session greeted, nothing in flight
        cpu_before, hold_started = server.worker_cpu_s(), time.perf_counter()
        time.sleep(30)  # more than one ping interval (25 s): every session is pinged and answers once
        idle_cores = (server.worker_cpu_s() - cpu_before) / (time.perf_counter() - hold_started)
        memory_after, threads_after = server.worker_rss_mb(), worker_threads(server)
        crowded = newcomers(server.url, visitors, visitors)
    finally:
        crowd.stop()
    held = report.total_opened
    return {
        "held": {transport.value: n for transport, n in report.opened.items()},
        "refused": len(report.refused),
        "failed": len(report.failed),
        "first_failures": report.failed[:3],
        "open_s": round(open_s, 1),
        "quiet": quiet,
        "crowded": crowded,
        "memory_mb": [memory_before, memory_after],
        "kb_per_session": round((memory_after - memory_before) * 1024 / max(held, 1), 1),
        "threads": [threads_before, threads_after],
        "idle_cores": round(idle_cores, 3),
    }


def print_idle(idle: dict, newcomers: int) -> None:
    held = idle["held"]
    quiet, crowded = idle["quiet"], idle["crowded"]
    title = (
        f"Idle chats: {held['websocket']:,} websockets + {held['polling']:,} long-polling sessions held "
        f"(opened in {idle['open_s']} s; {idle['refused']} refused, {idle['failed']} failed); "
        f"{newcomers} new visitors each connect and ask once, {newcomers} /healthz calls"
    )
    rows = []
    for name, key in (("new visitor: connect + answer", "visitor"), ("/healthz", "healthz")):
        rows.append(
            [
                name,
                quiet[key]["p50_ms"],
                quiet[key]["p99_ms"],
                crowded[key]["p50_ms"],
                crowded[key]["p99_ms"],
                round(crowded[key]["p50_ms"] / quiet[key]["p50_ms"], 2),
                round(crowded[key]["p99_ms"] / quiet[key]["p99_ms"], 2),
            ]
        )
    table(title, ["", "alone p50 ms", "alone p99 ms", "held p50 ms", "held p99 ms", "p50 x", "p99 x"], rows)
    before, after = idle["memory_mb"]
    print(
        f"server worker: {before} MB -> {after} MB ({idle['kb_per_session']} KB per held session), "
        f"threads {idle['threads'][0]} -> {idle['threads'][1]}, "
        f"{idle['idle_cores']} cores busy while holding them (pings)"
    )
    for failure in idle["first_failures"]:
        print("  ", failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--idle-websockets", type=int, default=5000)
    parser.add_argument("--idle-polling", type=int, default=500)
    parser.add_argument("--newcomers", type=int, default=200, help="new visitors (and /healthz calls) per condition")
    parser.add_argument("--skip-busy", action="store_true", help="only the idle-chats part")
    args = parser.parse_args()
    # Every held session is a socket here and in the server (which inherits this limit, and raises its own).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = Path(tempfile.mkdtemp(prefix="load-"))
    shutil.copytree(PROJECT / "knowledge", work / "knowledge")
    server = Server(work / "knowledge", work / "instance", env=NO_LIMITS)
    try:
        server.wait_until_answering()
        rows = []
        ok = True
        for reconnect in (() if args.skip_busy else (False, True)):
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
                    result["healthz_p99_ms"],
                ]
            )
            for error in result["first_errors"]:
                print("  ", error)
        if rows:
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
                    "/healthz p99 ms",
                ],
                rows,
            )
        if args.idle_websockets or args.idle_polling:
            idle = idle_chats(server, args.idle_websockets, args.idle_polling, args.newcomers)
            ok &= not idle["refused"] and not idle["failed"]
            print_idle(idle, args.newcomers)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
