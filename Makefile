# Two commands for newcomers: `make lab` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# `make lab` installs what a learner needs; `make test` adds the test tools and the browser driver.
LAB_STAMP  := $(VENV)/.installed-lab
TEST_STAMP := $(VENV)/.installed-test
LOWEST     := .venv-lowest
# Two workers (the course machine has 2 cores); a file's tests stay in one worker, so module- and
# session-scoped fixtures (one lab per module, one JupyterLab + Chromium for the browser tests) start once.
XDIST   ?= -n 2 --dist loadfile

.PHONY: lab test test-lowest bench venv clean notebooks FORCE

# --no-compile: Python compiles what a learner actually imports on first use; compiling every installed
# module up front adds ~150 MB (measured: 674 MB -> 529 MB for the learner's environment).
$(LAB_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==25.3"
	$(BIN)/python -m pip install -q --no-compile -c constraints.txt -e ".[lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name s3kms-lab --display-name "s3kms-lab (Python)" >/dev/null
	touch $(LAB_STAMP)

$(TEST_STAMP): $(LAB_STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[lab,test]"
	touch $(TEST_STAMP)

venv: $(TEST_STAMP)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q $(XDIST) --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-kernel-name s3kms-lab tests notebooks

# The declared lower bounds are true: the engine, endpoint and lab tests with the lowest declared moto,
# boto3/botocore, awscli, JupyterLab, pandas (constraints-lowest.txt), in a venv of their own. CI runs it.
test-lowest: pyproject.toml constraints-lowest.txt
	test -x $(LOWEST)/bin/python || $(PY) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install -q --upgrade "pip==25.3"
	$(LOWEST)/bin/python -m pip install -q -c constraints-lowest.txt -e ".[lab,test]"
	$(LOWEST)/bin/python -m pytest -q $(XDIST) -m "not slow" tests/engine tests/endpoint tests/lab tests/test_cli.py

# Build notebooks/*.ipynb from their jupytext sources notebooks_src/*.py and execute them (outputs are
# committed): every notebook, or one with `make notebooks NB=03_key_policy` (or `make notebooks/03_key_policy.ipynb`).
notebooks: $(TEST_STAMP)
	$(BIN)/python tools/build_notebooks.py $(NB)

notebooks/%.ipynb: notebooks_src/%.py $(TEST_STAMP) FORCE
	$(BIN)/python tools/build_notebooks.py $*

FORCE:

bench: $(TEST_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(LOWEST)
