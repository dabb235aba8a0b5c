# Two commands set everything up on a fresh machine with only Python 3:
#   make preview   offline preview of the dev stack (program + policy pack + manifest checks)
#   make test      the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STACK  ?= dev

.PHONY: preview test lint bench install lock schema snapshot docs clean

install: $(STAMP)

# The exact versions (with hashes) in requirements.lock, so every machine and CI run installs the same
# thing; then this checkout itself, editable, built with the locked setuptools.
# One line per step, so a first run (minutes with a cold pip cache) is never silent.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || { echo "make: creating the virtualenv $(VENV) with $$($(PYTHON) --version 2>&1)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing $$(grep -cE '^[A-Za-z0-9]' requirements.lock) packages pinned in requirements.lock into $(VENV) (a few minutes with a cold pip cache) ..."
	@$(PY) -m pip install -qq --disable-pip-version-check --require-hashes -r requirements.lock
	@echo "make: installing this checkout into $(VENV) (editable: preflight, pulumi-preflight, the bundled pack)"
	@$(PY) -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "make: $(VENV) is ready"

# Refresh the lock on purpose, from the compatible ranges in the requirements files.
lock: $(STAMP)
	$(PY) -m pip install -qq --disable-pip-version-check "pip-tools>=7.4,<8"
	$(PY) -m piptools compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--upgrade -o requirements.lock requirements-dev.txt

preview: $(STAMP)
	$(PY) -m preflight --program . --stack $(STACK) --policy-pack policies --policy-pack-config policies/config/$(STACK).json

# PYTHONDONTWRITEBYTECODE (set on some machines) off: the suite starts a few hundred interpreters that import
# this checkout's modules, and pytest rewrites every test module's asserts in each worker; cached, each is done once.
# Work stealing: a worker that runs out of tests takes the other's queued ones, so neither ends long before the other
# (with pytest-xdist's default scheduling one worker ran the last 18 s alone).
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 2 --dist worksteal

lint: $(STAMP)
	$(PY) -m ruff check .

# Regenerate schema/stack-config.schema.json from the config models (a test fails when they disagree).
schema: $(STAMP)
	$(PY) -m tools.schema

# Regenerate the docs that describe code (tests fail when they are stale).
docs: $(STAMP)
	$(PY) -m tools.environments
	$(PY) -m tools.config_reference
	$(PY) -m tools.architecture
	$(PY) -m policies.docs

# Record the stacks' URNs after a reviewed change (tests/stacks/test_urn_snapshot.py holds them to it).
snapshot: $(STAMP)
	$(PY) -m tests.snapshots.urns

bench: $(STAMP)
	$(PY) bench/preflight_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
