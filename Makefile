# The two commands of the README: `make demo` (the main job) and `make test` (what CI runs).
# Both set up the virtual environment first, so a fresh machine with Python 3.11 needs nothing else.
SHELL   := /bin/bash
PYTHON  ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PROFILE ?= smoke
RUN     ?= $(PROFILE)
# Real data: a local copy (here: ../shared/data) or, when unset, the downloader fills data/real/.
export MICROSYNTH_DATA ?= $(if $(wildcard ../shared/data/tbm),$(abspath ../shared/data),)
# nbdev_test runs two notebooks at once on 2 cores: spinning OpenMP threads (torch, numba) would starve each other.
export OMP_WAIT_POLICY ?= PASSIVE
export NUMBA_THREADING_LAYER ?= workqueue

.PHONY: demo test setup sync nbtest pytest smoke lab clean

demo: $(STAMP)  ## run the notebook sequence on PROFILE (smoke|laptop|paper) into runs/RUN/
	$(BIN)/microsynth run --profile $(PROFILE) --out runs/$(RUN)

test: $(STAMP) sync nbtest pytest smoke  ## everything CI checks, in order

setup: $(STAMP)

# torch first, by exact pin: pip takes the local wheels where they exist instead of a fresh download.
$(STAMP): settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip wheel setuptools
	$(BIN)/python -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(BIN)/python -m pip install -q -e ".[dev]"
	# papermill needs a kernel from this venv; --sys-prefix keeps it inside the venv.
	$(BIN)/python -m ipykernel install --sys-prefix --name microsynth --display-name "microsynth (.venv)"
	touch $(STAMP)

sync: $(STAMP)  ## the library must be what the notebooks export, and the notebooks clean
	PATH=$(BIN):$$PATH $(BIN)/python tools/check_sync.py

nbtest: $(STAMP)
	cd nbs && ../$(BIN)/nbdev_test --path . --do_print --timing

pytest: $(STAMP)
	$(BIN)/python -m pytest tests -q

smoke: $(STAMP)
	$(BIN)/microsynth run --profile smoke --out runs/ci-smoke

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab nbs

clean:
	rm -rf runs data/work
