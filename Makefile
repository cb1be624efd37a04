# Audiolab: `make lab` to learn, `make test` to check everything.
# Both build the same environment: .venv with `pip install -e ".[course]"`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Parallel workers for the test suite; notebooks run one kernel per worker.
JOBS   ?= auto
LAB_PORT ?= 8888
# nbval compares the notebooks' stored outputs; see CONTRIBUTING.md for what it
# compares and what tests/notebook_expectations.yml asserts instead.
NBVAL     := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --durations=10
NOTEBOOKS := notebooks solutions exercises
# A local copy of the Free Spoken Digit Dataset, if there is one beside the
# project, saves the download (lessons and tests read it through load_fsdd).
FSDD_COPY := $(abspath ../shared/datasets/fsdd)
ifneq ($(wildcard $(FSDD_COPY)/recordings),)
export AUDIOLAB_FSDD ?= $(FSDD_COPY)
endif

.PHONY: help install lab site test test-fast test-notebooks exercises execute bench clean

help:
	@echo "make lab        build .venv (once) and open JupyterLab at the first lesson"
	@echo "make test       build .venv (once) and run the whole test suite"
	@echo "make test-notebooks  the notebooks alone (nbval and their expectations)"
	@echo "make site       build the course website into _site/ (stored outputs, nothing is run)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make execute    re-run lessons and solutions and store their outputs"
	@echo "make bench      run the benchmarks under bench/"

# The stamp records that the environment matches pyproject.toml; it is
# rebuilt only when pyproject.toml changes, so a second `make lab` installs nothing.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[course]"
	$(BIN)/python tools/warm_cache.py
	@touch $(STAMP)

install: $(STAMP)

# Served from the project's root, so the lessons' links to exercises/ and
# solutions/ open; root (as in a container) needs --allow-root.
lab: $(STAMP)
	$(BIN)/jupyter lab --port=$(LAB_PORT) --ServerApp.root_dir="$(CURDIR)" \
		$(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_welcome.ipynb

# The course website: a static book of the committed notebooks, from their stored
# outputs. Open _site/index.html.
site: $(STAMP)
	$(BIN)/python tools/build_site.py

# Two Debian programs some tests need: Chromium for the browser tests
# (tests/test_browser.py, marker `browser`, driven by Playwright; no browser is ever
# downloaded), Flite and Festival, the second and third speech synthesisers
# (tests/test_datasets_flite.py, tests/test_datasets_festival.py).
# `make test` installs whichever is missing with apt when that is allowed (root with
# apt-get, and CI=true or AUDIOLAB_INSTALL_PACKAGES=1); otherwise those tests are skipped.
export AUDIOLAB_CHROMIUM ?= /usr/bin/chromium
# Festival's voices: the folder each installs under /usr/share/festival/voices, and its package.
FESTIVAL_VOICE_PACKAGES = english/kal_diphone=festvox-kallpc16k english/ked_diphone=festvox-kdlpc16k \
	us/cmu_us_slt_arctic_hts=festvox-us-slt-hts

test: $(STAMP)
	@missing=""; \
	[ -x "$(AUDIOLAB_CHROMIUM)" ] || missing="chromium"; \
	command -v flite >/dev/null 2>&1 || missing="$$missing flite"; \
	command -v festival >/dev/null 2>&1 || missing="$$missing festival"; \
	for voice in $(FESTIVAL_VOICE_PACKAGES); do \
	  [ -d /usr/share/festival/voices/$${voice%%=*} ] || missing="$$missing $${voice##*=}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	     && { [ "$(CI)" = true ] || [ "$(AUDIOLAB_INSTALL_PACKAGES)" = 1 ]; }; then \
	    echo "Installing for the tests: apt-get install $$missing"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	      || echo "Could not install $$missing: the tests that need it will be skipped."; \
	  else \
	    echo "Not installed: $$missing; the tests that need it will be skipped."; \
	    echo "To run them, apt-get install $$missing, or as root: make test AUDIOLAB_INSTALL_PACKAGES=1"; \
	  fi; \
	fi
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) tests $(NOTEBOOKS)

# The notebooks alone: CI runs them again on both of TensorFlow's CPU code paths
# (TF_ENABLE_ONEDNN_OPTS=0 and =1), as learners' different processors would.
test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(NOTEBOOKS)

# The unit tests alone, without the notebooks.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) tests

exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
