# `make demo` and `make test` each do their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup helm browser demo test fuzz bench schemas clean

setup: $(VENV)/.installed helm browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[crosscheck,browser,dev]'
	touch $@

# Every run re-checks the pinned binaries' hashes (under a second) and installs what
# is missing, so a changed file under .tools/ never reaches the tests.
helm: $(VENV)/.installed
	scripts/bootstrap-helm

# Debian's chromium for the report's browser tests and screenshots (skipped, with a note,
# where apt cannot install it).
browser:
	scripts/bootstrap-browser

demo: setup
	$(PY) scripts/netpol demo

test: setup
	$(PY) -m pytest -n 2 -q

# The long fuzz run: about 870 distinct values files per chart and helm (5,000 and more in all).
fuzz: setup
	rm -rf .cache/fuzz
	NETPOL_FUZZ_EXAMPLES=$${NETPOL_FUZZ_EXAMPLES:-1050} $(PY) -m pytest -n 2 -q -k fuzzed_values
	$(PY) scripts/fuzz_summary.py

# Each chart's values.schema.json from schema/ (the peer vocabulary and the chart's own
# part) and the descriptions in its values.yaml; `make test` fails when one is stale.
schemas: $(VENV)/.installed
	$(PY) scripts/schemas.py

# Render, matrix and evaluator speed, each figure a ratio against a baseline of the same run.
bench: setup
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) .tools .cache out
