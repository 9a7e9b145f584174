# Two commands do all the set-up on a fresh machine with Python 3.11 and pip:
#   make demo   runs the sample engagement end to end (executed notebooks + offline HTML reports)
#   make test   runs the whole test suite (library, real-data, notebooks via nbval, headless browser)
# Both create and reuse a local virtual environment in .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint bench constraints kernel docs clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cs360)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cs360 run data/samples/engagement.yml

test: $(STAMP)
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check cs360lib tests benchmarks
	$(BIN)/ruff format --check cs360lib tests benchmarks
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_its.py
	$(BIN)/python benchmarks/bench_ceasefire.py
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_scanning.py
	$(BIN)/python benchmarks/bench_prioritize.py

docs: $(STAMP)
	$(BIN)/python -c "from cs360lib.data.schema_docs import columns_markdown; print(columns_markdown())" > docs/columns.md

kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name cs360 --display-name "Python 3 (cs360)"

constraints: $(STAMP)
	{ echo "# Exact versions the test suite was last run with (pip route); make installs with -c constraints.txt."; \
	  echo "# Regenerate with: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
