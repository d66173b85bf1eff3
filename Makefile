# The two quick-start commands: `make report` and `make test`.
# Prerequisites: Python >= 3.11 with venv, and make. Everything else is installed here.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Rebuild the environment when the project's dependencies change.
STAMP  := $(VENV)/.installed

.PHONY: venv report test check bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "xlplugin needs Python 3.11 or newer: set PYTHON=python3.11 (or newer)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV): install your Python's venv module (Debian/Ubuntu: apt install python3-venv)"; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

## Build the example FOI-summary workbooks in workbooks/examples/ (and print the founding funnel).
report: venv
	$(VENV)/bin/xlplugin rates workbooks/examples/met-2020-visits.csv
	$(PY) tools/build_examples.py

# pytest-xdist: one worker per core; the modules listed in tests/xdist_groups.py (a shared expensive
# fixture, or in-place refreshes of committed workbooks) each run on one worker.
PARALLEL := -n auto
# Bytecode for the test processes and the children they start: some sandboxes set
# PYTHONDONTWRITEBYTECODE, and then every child `python -m xlplugin.cli` recompiles every module
# (twice its start-up) and pytest rewrites every test module's asserts again on each run. Unset, the
# caches go where Python puts them (`__pycache__/`, ignored by git); a PYTHONPYCACHEPREFIX would
# instead make every worker recompile scipy, statsmodels and pandas, whose installed bytecode it hides.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest

## The gates: lint, format, types, and the tests that need no LibreOffice (CI runs it before `make test`).
CHECKED := xlplugin tests bench fuzz tools
check: venv
	$(VENV)/bin/ruff check $(CHECKED)
	$(VENV)/bin/ruff format --check $(CHECKED)
	$(VENV)/bin/mypy
	$(PYTEST) -q $(PARALLEL) -m "not libreoffice and not slow"

## Run the whole test suite: the tests without LibreOffice on every core, then the LibreOffice ones.
test: venv
	$(PYTEST) -q $(PARALLEL) -m "not libreoffice"
	$(PYTEST) -q -m libreoffice

## Benchmarks: one table of ratios against baselines measured in the same run.
bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
