# Two commands for newcomers: `make lab` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# `make lab` installs what a learner needs; `make test` adds the test tools and the browser driver.
LAB_STAMP  := $(VENV)/.installed-lab
TEST_STAMP := $(VENV)/.installed-test
WORKSHOP_STAMP := $(VENV)/.installed-workshop
# The proxy JupyterHub drives (npm); `make test-workshop` installs it when missing.
CHP_VERSION := 5.3.0
LOWEST     := .venv-lowest
# Two workers (the course machine has 2 cores); a file's tests stay in one worker, so module- and
# session-scoped fixtures (one lab per module, one JupyterLab + Chromium for the browser tests) start once.
XDIST   ?= -n 2 --dist loadfile

.PHONY: lab lab-ko test test-lowest test-workshop bench venv clean notebooks catalogs FORCE

# --no-compile: Python compiles what a learner actually imports on first use; compiling every installed
# module up front adds ~150 MB (measured: 674 MB -> 529 MB for the learner's environment).
$(LAB_STAMP): pyproject.toml constraints.txt s3kms_lab/_version.py
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

# `make lab-ko`: the Korean edition (notebooks/ko) in JupyterLab's Korean interface. JupyterLab's display
# language is a per-user setting, `locale` of @jupyterlab/translation-extension:plugin, and needs the language
# pack jupyterlab-language-pack-ko-KR (in the `lab` extra):
#   https://jupyterlab.readthedocs.io/en/stable/user/language.html
# User settings are read from JUPYTERLAB_SETTINGS_DIR ("JupyterLab User Settings Directory" in
#   https://jupyterlab.readthedocs.io/en/stable/user/directories.html): lab-ko has its own folder inside the
# venv, written here with the Korean locale at every start, so `make lab` (the learner's usual settings) stays
# English. The kernels speak Korean too (S3KMS_LAB_LANG=ko). LAB_ARGS: more `jupyter lab` options
# (tests/browser/test_korean_edition_in_browser.py starts lab-ko itself, with a port and a token).
LAB_KO_SETTINGS ?= $(VENV)/share/s3kms-lab/lab-ko-settings
LAB_KO_DIR      ?= notebooks/ko
LAB_ARGS        ?=
lab-ko: $(LAB_STAMP)
	mkdir -p $(LAB_KO_DIR) $(LAB_KO_SETTINGS)/@jupyterlab/translation-extension
	printf '{"locale": "ko_KR"}\n' > $(LAB_KO_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings
	exec env JUPYTERLAB_SETTINGS_DIR="$(abspath $(LAB_KO_SETTINGS))" S3KMS_LAB_LANG=ko \
	  $(BIN)/jupyter lab --notebook-dir=$(LAB_KO_DIR) $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(LAB_ARGS)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q $(XDIST) --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-kernel-name s3kms-lab tests notebooks

# The instructor's kit (workshop/): its structure, repo2docker's reading of it, and a real JupyterHub with
# WORKSHOP_LEARNERS (default 10) learners running notebooks 02 and 05 at once; the measurement goes to
# artifacts/workshop-measured.json and is printed (workshop/README.md "Capacity" explains it). CI runs it.
$(WORKSHOP_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[lab,test,workshop]"
	touch $(WORKSHOP_STAMP)

test-workshop: $(WORKSHOP_STAMP)
	command -v configurable-http-proxy >/dev/null || npm install -g --no-fund --no-audit configurable-http-proxy@$(CHP_VERSION) \
	  || echo "configurable-http-proxy could not be installed: the multi-learner test will skip"
	mkdir -p artifacts
	WORKSHOP_MEASURE_OUT=artifacts/workshop-measured.json $(BIN)/python -m pytest -q -p no:xdist tests/workshop workshop/tests
	cat artifacts/workshop-measured.json

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

# The Korean catalog (s3kms_lab/i18n.py): extract every marked message from the code into the template,
# carry new/changed ones into the Korean .po (translate them there), compile the .mo the lab reads.
# tests/i18n fails when a message lacks its translation or the .mo is stale.
catalogs: $(TEST_STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg -k N_ -k ngettext:1,2 -c TRANSLATORS: --no-location --sort-output \
	  --no-wrap --project s3kms-lab --copyright-holder "s3kms-lab contributors" -o s3kms_lab/locale/s3kms_lab.pot s3kms_lab
	test -f s3kms_lab/locale/ko/LC_MESSAGES/s3kms_lab.po || $(BIN)/pybabel --quiet init -D s3kms_lab -l ko \
	  -i s3kms_lab/locale/s3kms_lab.pot -d s3kms_lab/locale --no-wrap
	$(BIN)/pybabel --quiet update -D s3kms_lab -l ko --no-wrap --ignore-obsolete --ignore-pot-creation-date \
	  -i s3kms_lab/locale/s3kms_lab.pot -d s3kms_lab/locale
	$(BIN)/pybabel compile -D s3kms_lab -l ko -d s3kms_lab/locale --statistics
