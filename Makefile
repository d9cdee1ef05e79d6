# `make demo` and `make test` each do their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The `scan` extra of pyproject.toml, installed into its own virtualenv.
SCAN_PINS = $(shell $(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["scan"])')

.PHONY: setup helm deps scanners browser demo test fuzz bench schemas clean

setup: $(VENV)/.installed helm deps scanners browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[crosscheck,browser,dev]'
	touch $@

# Every run re-checks the pinned binaries' hashes (under a second) and installs what
# is missing, so a changed file under .tools/ never reaches the tests.
helm: $(VENV)/.installed
	scripts/bootstrap-helm

# The library packaged into each application chart (charts/*/charts/netpol-*.tgz),
# rebuilt only when charts/netpol changed: helm reads it without the warning a symlink
# gives, and scanners can read the charts.
deps: helm
	$(PY) scripts/chart_deps.py

# Checkov in its own virtualenv (pyproject's `scan` extra): it pins networkx<2.7, which
# network-config-analyzer (the crosscheck extra) cannot share.
scanners: .tools/checkov/.installed

.tools/checkov/.installed: pyproject.toml
	$(PYTHON) -m venv .tools/checkov
	.tools/checkov/bin/python -m pip install --quiet --no-compile $(SCAN_PINS)
	touch $@

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
