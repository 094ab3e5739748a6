# Two commands on a fresh machine: `make run` and `make test`. Everything is installed on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/eval
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint eval index clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.dev-installed: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

index: $(BIN)/.installed
	$(BIN)/flask --app wsgi index

test: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .

eval: $(BIN)/.installed
	$(BIN)/flask --app wsgi eval $(DATA)

clean:
	rm -rf $(VENV) instance
