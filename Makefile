# Two commands set everything up on a fresh machine with only Python 3:
#   make preview   offline preview of the dev stack (program + policy pack + manifest checks)
#   make test      the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STACK  ?= dev

.PHONY: preview test lint bench install clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -qq --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -qq --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

preview: $(STAMP)
	$(PY) -m preflight --stack $(STACK) --policy-pack policies --policy-pack-config policies/config/$(STACK).json

test: $(STAMP)
	$(PY) -m pytest -n 2

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(PY) bench/preflight_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
