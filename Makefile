# The two commands of the README:
#   make run   - set everything up (once) and run the complete study, writing report/
#   make test  - set everything up (once) and run lint, format check, type check and tests
# Both are idempotent: the virtual environment is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
# PyTorch's CPU build (the networks of the ladder run on the CPU). On machines whose pip
# does not find it locally, point TORCH_INDEX at PyTorch's CPU index, e.g.
#   make run TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH  ?= torch==2.13.0
TORCH_INDEX ?=
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= report

MODELS ?= knn-tuned knn-shift knn-deskew svc-rbf cnn cnn-robust ensemble

.PHONY: setup run ladder test lint typecheck pytest clean test-oldest

setup: $(STAMP)

# --no-compile: pip would byte-compile every module of every package (about 80 s on 2 cores,
# most of it PyTorch's); Python compiles the few it imports, once, on first use.
PIP_INSTALL = python -m pip install --quiet --no-compile
# That needs Python to write what it compiled: where the environment sets
# PYTHONDONTWRITEBYTECODE, every process would compile numpy, SciPy, scikit-learn and
# matplotlib from source again: seconds in every process, and the tests start many.
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_INSTALL) --upgrade pip
	$(BIN)/$(PIP_INSTALL) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH)"
	$(BIN)/$(PIP_INSTALL) -e ".[dev,web,models,cnn,dask]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mnistlab study --out $(OUT)

# The accuracy ladder: train and evaluate every model (about an hour on 2 cores), then
# rewrite the report, which gains the leaderboard and the best model's mistakes.
ladder: $(STAMP)
	set -e; for m in $(MODELS); do $(BIN)/mnistlab train $$m; $(BIN)/mnistlab evaluate $$m; done
	$(BIN)/mnistlab leaderboard
	$(BIN)/mnistlab study --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# With the full-data tests (MNISTLAB_FULL_STUDY=1, as in CI) and no PYTEST_ARGS, those tests
# run in a pytest process of their own beside the rest of the suite, at a lower priority: the
# rest of the suite is the longer chain of work and mostly keeps one core busy, the studies
# take what it leaves. The full-data tests' log follows the suite's; either failing fails
# the target.
BESIDE := full

pytest: $(STAMP)
ifeq ($(MNISTLAB_FULL_STUDY)$(PYTEST_ARGS),1)
	@beside=$$(mktemp -d); \
	nice -n 5 $(BIN)/python -m pytest -m "$(BESIDE)" -p no:cacheprovider --basetemp="$$beside/tmp" \
		> "$$beside/log" 2>&1 & beside_pid=$$!; \
	trap 'kill $$beside_pid 2>/dev/null; rm -rf "$$beside"; exit 130' INT TERM; \
	suite=0; $(BIN)/python -m pytest -m "not ($(BESIDE))" || suite=$$?; \
	besides=0; wait $$beside_pid || besides=$$?; \
	echo "=== the full-data tests (they ran beside the rest of the suite) ==="; \
	cat "$$beside/log"; rm -rf "$$beside"; \
	echo "pytest: the suite exited with $$suite, the tests beside it with $$besides"; \
	[ $$suite -eq 0 ] && [ $$besides -eq 0 ]
else
	$(BIN)/python -m pytest $(PYTEST_ARGS)
endif

test: lint typecheck pytest

# The oldest supported environment: every dependency at the lower bound that
# pyproject.toml declares (scripts/lower_bounds.py turns each `name>=x` into
# `name==x`), in its own virtual environment, rebuilt when pyproject.toml changes.
# Runs the suite without the full-data and the slow tests (make test runs those with the
# newest releases). See docs/dependencies.md.
OLDEST_VENV   := .venv-oldest
OLDEST_BIN    := $(OLDEST_VENV)/bin
OLDEST_STAMP  := $(OLDEST_VENV)/.installed-stamp
OLDEST_EXTRAS := dev,web,models,cnn,dask

$(OLDEST_STAMP): pyproject.toml scripts/lower_bounds.py
	rm -rf $(OLDEST_VENV)
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_BIN)/$(PIP_INSTALL) --upgrade pip
	$(OLDEST_BIN)/python scripts/lower_bounds.py --extras $(OLDEST_EXTRAS) \
		--output $(OLDEST_VENV)/constraints.txt
	$(OLDEST_BIN)/$(PIP_INSTALL) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) \
		--constraint $(OLDEST_VENV)/constraints.txt "$(TORCH)"
	$(OLDEST_BIN)/$(PIP_INSTALL) --only-binary=:all: --no-binary=mnistlab \
		--constraint $(OLDEST_VENV)/constraints.txt -e ".[$(OLDEST_EXTRAS)]"
	touch $(OLDEST_STAMP)

test-oldest: $(OLDEST_STAMP)
	$(OLDEST_BIN)/python -m pip freeze --exclude-editable
	$(OLDEST_BIN)/python -m pytest -m "not full and not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
