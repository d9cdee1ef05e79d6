# `make demo` and `make test` each do their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HELM   := .tools/bin/helm

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed $(HELM)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[crosscheck]'
	touch $@

$(HELM): scripts/bootstrap-helm
	scripts/bootstrap-helm

demo: setup
	$(PY) scripts/netpol demo

test: setup
	$(PY) -m pytest -n 2 -q

bench: setup
	$(PY) scripts/bench_evaluator.py

clean:
	rm -rf $(VENV) .tools .cache out
