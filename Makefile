# The README's two commands: `make demo` and `make test`. Each sets up what it needs
# (virtual environment, Debian packages, model assets) and skips what is already done.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint bench setup system assets clean

demo: setup
	$(BIN)/talkgate demo

test: setup lint
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/talkgate bench

setup: $(INSTALLED) system assets

$(INSTALLED): pyproject.toml constraints.txt scripts/bootstrap.sh
	scripts/bootstrap.sh venv $(VENV)

system:
	@scripts/bootstrap.sh system

assets: $(INSTALLED)
	@$(BIN)/talkgate assets --quiet

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
