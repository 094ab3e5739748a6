# Two commands on a fresh machine: `make run` and `make test`. Everything is installed on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/eval
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test floors quick lint eval index bench load clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.dev-installed: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The widget's Socket.IO client comes from npm, pinned by web/package-lock.json.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages the tests need: Chromium (browser tests), Redis and PostgreSQL (the store and
# two-server tests), nginx (the proxy in front of two servers), through apt when we are root and they are missing.
APT_PACKAGES := chromium redis-server postgresql nginx
SYSTEM_PACKAGES := /usr/bin/chromium /usr/bin/redis-server /usr/share/postgresql-common/pg_wrapper /usr/sbin/nginx
$(SYSTEM_PACKAGES) &:
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	else \
		echo "Missing $@: run 'sudo apt-get install $(APT_PACKAGES)' (the tests need them)"; exit 1; \
	fi

run: $(BIN)/.installed web/node_modules/.installed
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

index: $(BIN)/.installed
	$(BIN)/flask --app wsgi index

# Three workers that steal each other's tests: the end-to-end tests spend much of their time waiting on a server
# or a browser, which a third worker fills (pytest on the noisy 2-core machine, 2026-12-06: 9 min 41 s and 9 min
# 43 s on two workers; 8 min 33 s on three; 8 min 12 s, 9 min 20 s and 9 min 38 s with the slow checks first).
test: $(SYSTEM_PACKAGES) $(BIN)/.dev-installed web/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 3 --dist worksteal

# What `make test` samples, whole: the floors of the visitor suites (eval/visitors) it leaves out, each suite's pages
# embedded and its questions asked (tests/test_visitor_suites.py), every safety phrasing, not every sixth, and the
# phrase index's check on every phrasing (tests/test_policy.py); 10 to 12 minutes on the 2 cores. CI runs it after
# `make test`.
floors: $(BIN)/.dev-installed
	$(BIN)/python -m pytest -n 3 --dist worksteal --unsampled-suites tests/test_visitor_suites.py::test_suite_floors \
		tests/test_visitor_suites.py::test_blind_red_flags_raise_the_alarm_but_the_known_misses \
		tests/test_visitor_suites.py::test_few_blind_ordinary_worries_raise_the_alarm \
		tests/test_visitor_suites.py::test_most_blind_advice_requests_are_referred \
		tests/test_visitor_suites.py::test_few_blind_everyday_questions_are_referred \
		tests/test_policy.py::test_phrase_index_finds_what_one_pattern_of_all_phrases_finds

# The faster loop while working: no browser, server process, nginx, PostgreSQL or Redis, and not the
# quality checks that ask hundreds of questions (tests/conftest.py: E2E_*, SLOW_MODULES): 524 of the tests in
# 1 min 50 s on the 2 idle cores (2026-12-02; the whole suite, 647 tests: 6 min 24 s, README "Test times").
quick: $(BIN)/.dev-installed web/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -m "not e2e and not slow" -q

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .

eval: $(BIN)/.installed
	$(BIN)/flask --app wsgi eval $(DATA)

# Benchmarks: `make bench` (add BENCH_FLAGS=--skip-large to skip the several-minute large index).
bench: $(BIN)/.dev-installed web/node_modules/.installed
	$(BIN)/python -m bench.run $(DATA) $(BENCH_FLAGS)

# 200 Socket.IO clients x 20 questions against a real server on loopback, then 5,000 idle websockets and 500
# long-polling sessions held while new visitors are answered (bounded, loopback only; a few minutes).
load: $(BIN)/.dev-installed web/node_modules/.installed
	$(BIN)/python -m bench.load

# Removes what can be rebuilt; instance/bot.db (staff accounts, conversations), instance/secret_key and
# instance/backups (the editor's previous versions) stay.
clean:
	rm -rf $(VENV) web/node_modules instance/index instance/cache instance/models instance/bench
