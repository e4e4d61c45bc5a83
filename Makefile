# Two commands for newcomers: `make lab` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: lab test bench venv clean notebooks FORCE

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==25.3"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[lab,test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name s3kms-lab --display-name "s3kms-lab (Python)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

test: $(STAMP)
	$(BIN)/python -m pytest -q --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-kernel-name s3kms-lab tests notebooks

# Build notebooks/*.ipynb from their jupytext sources notebooks_src/*.py and execute them (outputs are
# committed): every notebook, or one with `make notebooks NB=03_key_policy` (or `make notebooks/03_key_policy.ipynb`).
notebooks: $(STAMP)
	$(BIN)/python tools/build_notebooks.py $(NB)

notebooks/%.ipynb: notebooks_src/%.py $(STAMP) FORCE
	$(BIN)/python tools/build_notebooks.py $*

FORCE:

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV)
