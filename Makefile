# The README's two commands: `make demo` and `make test`. Each sets up what it needs
# (virtual environment, Debian packages, model assets) and skips what is already done.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint bench setup assets clean

demo: setup
	@scripts/bootstrap.sh system demo
	$(BIN)/talkgate demo

test: setup lint
	@scripts/bootstrap.sh system test
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/talkgate bench

setup: $(INSTALLED) assets

$(INSTALLED): pyproject.toml constraints.txt scripts/bootstrap.sh
	scripts/bootstrap.sh venv $(VENV)

assets: $(INSTALLED)
	@$(BIN)/talkgate assets --quiet

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
