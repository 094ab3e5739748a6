"""Shared fixtures. Everything runs on the real model and the knowledge the project ships."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Playwright

from bot.app import create_app
from bot.assistant import Assistant, AssistantConfig
from bot.embedding import Encoder
from bot.fileops import file_lock
from tests import harness
from tests.harness import KNOWLEDGE, PROJECT, eventually, free_port

ARTIFACTS = PROJECT / "test-artifacts"  # screenshots, git-ignored

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests ask far faster than a person types; the rate-limit tests set their own limits.
NO_LIMITS = {
    "RATE_LIMIT_VISITOR": "100000 per minute",
    "RATE_LIMIT_IP": "100000 per minute",
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
}


# The test processes (pytest-xdist's workers inherit the variable) and every test server share one ONNX copy
# of the model instead of each exporting its own (about 20 s each on a busy machine; the export holds a file lock).
# They also share the instance folders built for the visitor suites' knowledge (`built_instance`).
MADE_SHARED_FOLDERS = [
    variable for variable in ("TEST_BOT_MODELS_DIR", "TEST_BOT_INSTANCES_DIR") if variable not in os.environ
]
for variable in MADE_SHARED_FOLDERS:
    os.environ[variable] = tempfile.mkdtemp(prefix="bot-test-shared-")
SHARED_MODELS = Path(os.environ["TEST_BOT_MODELS_DIR"])
SHARED_INSTANCES = Path(os.environ["TEST_BOT_INSTANCES_DIR"])
# Each worker's encoder on one thread: two processes on the 2 cores, each running ONNX on two threads, took 12 %
# longer to build and ask four suites than on one thread each (2026-12-06).
ENCODER_THREADS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--unsampled-suites",
        action="store_true",
        help="check whole what `make test` samples: the suites' floors it leaves out, every phrasing (`make floors`)",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    for variable in MADE_SHARED_FOLDERS:  # the first process, after its workers are done
        shutil.rmtree(os.environ[variable], ignore_errors=True)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The model as the server runs it: questions through the ONNX copy it exports on first use."""
    return Encoder(threads=ENCODER_THREADS, onnx_dir=SHARED_MODELS)


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped knowledge folder, free to edit."""
    return Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))


@pytest.fixture(scope="session")
def new_instance(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, Path], Path]:
    """`new_instance(knowledge, folder)`: an instance folder at `folder` as a first start on `knowledge` leaves
    it (the saved index, the embedding cache, a migrated database). It is a copy of one built once per test
    process for each distinct knowledge folder, so a new app or Assistant loads all that instead of embedding
    and migrating (about 0.3 s instead of 5 to 9)."""
    built: dict[bytes, Path] = {}

    def new(knowledge: Path, folder: Path) -> Path:
        contents = folder_digest(knowledge)
        if contents not in built:
            template = tmp_path_factory.mktemp("instance")
            if built:  # the policy's examples are embedded once for all
                shutil.copytree(next(iter(built.values())) / "cache", template / "cache")
            settings = {"KNOWLEDGE_DIR": str(knowledge), "INSTANCE_DIR": str(template), "STORE_QUESTIONS": False}
            create_app({"TESTING": True, "WATCH_KNOWLEDGE": False, **settings}, encoder=encoder)
            built[contents] = template
        return Path(shutil.copytree(built[contents], folder, ignore=shutil.ignore_patterns("*.lock")))

    return new


@pytest.fixture(scope="session")
def seeded_cache(new_instance, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """`seeded_cache(folder)`: a new instance folder holding only the embedding cache of the shipped knowledge's
    instance, so an Assistant on knowledge of its own embeds its passages but not the policy's examples again."""
    root = tmp_path_factory.mktemp("shipped")
    shipped = new_instance(Path(shutil.copytree(KNOWLEDGE, root / "knowledge")), root / "instance")

    def seed(folder: Path) -> Path:
        shutil.copytree(shipped / "cache", folder / "cache")
        return folder

    return seed


@pytest.fixture(scope="session")
def built_instance(encoder: Encoder, seeded_cache: Callable[[Path], Path]) -> Callable[[Path, Path], Path]:
    """`built_instance(knowledge, folder)`: an instance folder at `folder` holding the saved index and embedding
    cache of `knowledge`, built once for all test processes. Several modules ask the same visitor suites, and a
    suite's build embeds about 600 texts (6 s); loading the saved index takes a fraction of a second."""

    def built(knowledge: Path, folder: Path) -> Path:
        shared = SHARED_INSTANCES / folder_digest(knowledge).hex()
        with file_lock(shared.with_suffix(".lock")):
            if not shared.exists():
                staging = seeded_cache(Path(tempfile.mkdtemp(dir=SHARED_INSTANCES)) / "instance")
                Assistant(AssistantConfig(knowledge, staging), encoder=encoder).close()
                staging.rename(shared)
        return Path(shutil.copytree(shared, folder, ignore=shutil.ignore_patterns("*.lock")))

    return built


@contextlib.contextmanager
def suite_assistant(
    name: str, encoder: Encoder, built_instance: Callable[[Path, Path], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Assistant]:
    """An Assistant on a visitor suite's knowledge (eval/visitors/<name>) with the shipped safety rules."""
    root = tmp_path_factory.mktemp(name)
    knowledge = shutil.copytree(PROJECT / "eval" / "visitors" / name / "knowledge", root / "knowledge")
    shutil.copy(KNOWLEDGE / "safety.yaml", knowledge / "safety.yaml")
    assistant = Assistant(AssistantConfig(knowledge, built_instance(knowledge, root / "instance")), encoder=encoder)
    try:
        yield assistant
    finally:
        assistant.close()


def folder_digest(root: Path) -> bytes:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(root)}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.digest()


@pytest.fixture(scope="session")
def make_app(encoder: Encoder, new_instance, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Flask]:
    """`make_app(knowledge=None, **config)`: a fresh app as `create_app` builds it, on a copy of the shipped
    knowledge (or the `knowledge` folder given), with the shared model, an instance from `new_instance`, no
    folder watcher and no rate limits unless `config` says otherwise."""

    def make(knowledge: Path | None = None, **config) -> Flask:
        root = tmp_path_factory.mktemp("app")
        knowledge = Path(knowledge or shutil.copytree(KNOWLEDGE, root / "knowledge"))
        instance = new_instance(knowledge, root / "instance")
        settings = {"TESTING": True, "KNOWLEDGE_DIR": str(knowledge), "INSTANCE_DIR": str(instance)}
        return create_app({**settings, "WATCH_KNOWLEDGE": False, **NO_LIMITS, **config}, encoder=encoder)

    return make


@pytest.fixture
def app(make_app) -> Flask:
    """A fresh app for each test (flaskr style): its own knowledge copy, database and instance folder."""
    return make_app()


@pytest.fixture(scope="session")
def assistant(encoder: Encoder, new_instance, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """One Assistant on the shipped knowledge for the tests that only ask it questions (it is never edited)."""
    root = tmp_path_factory.mktemp("assistant")
    knowledge = shutil.copytree(KNOWLEDGE, root / "knowledge")
    settings = AssistantConfig(knowledge_dir=knowledge, instance_dir=new_instance(knowledge, root / "instance"))
    return Assistant(settings, encoder=encoder)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium (installed by `make test`), headless, with no calls home."""
    ARTIFACTS.mkdir(exist_ok=True)
    return playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


class Server(harness.Server):
    """The real app in its own process, as `make run` starts it, with the tests' limits and shared model. A
    new instance folder starts with the embedding cache of the shipped knowledge (`seeded`, set once per
    test process), so the server embeds only what differs: about 3 s less per start, 7.6 → 4.9 s idle."""

    seeded: Callable[[Path], Path] | None = None

    def __init__(self, root: Path, port: int | None = None, env: dict[str, str] | None = None) -> None:
        limits = {f"BOT_{key}": value for key, value in NO_LIMITS.items()}
        super().__init__(root, port, limits | {"BOT_MODELS_DIR": str(SHARED_MODELS)} | (env or {}))
        if Server.seeded and not (root / "instance").exists():
            Server.seeded(root / "instance")


@pytest.fixture(scope="session", autouse=True)
def servers_start_seeded(request: pytest.FixtureRequest) -> None:
    """Every test server of a process that needs one starts from the shipped knowledge's embedding cache."""
    if any(E2E_FIXTURES & set(item.fixturenames) for item in request.session.items):
        Server.seeded = request.getfixturevalue("seeded_cache")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server (Debian's, which `make test` installs) on a free loopback port."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not binaries:
        pytest.fail("PostgreSQL is missing: `make test` installs it with apt")
    bin_dir = binaries[-1].parent
    data = Path(tempfile.mkdtemp(prefix="bot-test-postgres-"))  # directly in /tmp: the postgres user must reach it
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(data, "postgres")
    subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [*as_postgres, str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    import psycopg

    def accepts_connections() -> bool:
        try:
            psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres").close()
            return True
        except psycopg.OperationalError:
            return False

    eventually(accepts_connections, timeout=10, interval=0.1, what="PostgreSQL started")
    yield url
    process.terminate()
    process.wait(timeout=20)
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("server")).start()
    yield running
    running.stop()


# End-to-end tests: a browser, a server in its own process, nginx, PostgreSQL or Redis. `make quick`
# (pytest -m "not e2e") leaves them out; `make test` runs everything. A test is e2e when it uses one of
# these fixtures, is in one of these modules, or is marked @pytest.mark.e2e itself.
E2E_FIXTURES = {
    "server", "dashboard", "strict_server", "roomy_server", "capped_server", "two_servers", "redis_url",
    "postgres_url", "proxy", "browser", "bot", "clinic_site", "clinic_page", "tab", "page", "context", "visitor",
}  # fmt: skip
E2E_MODULES = {"test_proxy", "test_scale_out", "test_serving", "test_socketio", "test_store_postgres", "test_widget",
               "test_widget_idle"}  # fmt: skip


# Quality checks that ask hundreds of questions (the fuzzers, the visitor suites' floors): `make quick`
# leaves them out too.
SLOW_MODULES = {"test_fuzz", "test_visitor_suites"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else ""
        if module in E2E_MODULES or E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
    # The slow quality checks first: the longest (a group of safety phrasings, up to 45 s) then start while the
    # other workers have plenty to do, instead of running alone at the end (pytest in a fresh clone, one run
    # each: 9 min 43 s on two workers in collection order, 8 min 33 s on three workers that steal each other's
    # tests, 8 min 12 s on three with the slow checks first).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
