# Set-up and the main jobs. Every target creates what it needs, so each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MXNET_VENV := .venv-mxnet
# lrlab runs with backend = "mxnet" use this interpreter (MXNet needs its own environment).
export LRLAB_MXNET_PYTHON ?= $(abspath $(MXNET_VENV))/bin/python
# torch==2.13.0 is the CPU build CI uses (any other release pulls a multi-GB CUDA build there).
TORCH ?= torch==2.13.0
EXTRAS ?= torch,jax,keras,optuna,schedulefree,ray,test

.PHONY: reproduce quick test test-main test-mxnet venv mxnet-env plots clean

## The chapter, reproduced: 5 schedules x 3 seeds x 30 epochs, then a report with pictures.
reproduce: venv
	$(VENV)/bin/lrlab run experiments/d2l-chapter.toml --report

## A first look in about a minute: 5000 training images, one seed, all 30 epochs.
quick: venv
	$(VENV)/bin/lrlab run experiments/d2l-chapter.toml --quick --report

## The chapter's schedule figures.
plots: venv
	$(VENV)/bin/lrlab plot "constant(0.3)" "power(base_lr=0.1, beta=0.5)" \
	  "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5)" \
	  "cosine(max_update=20, base_lr=0.3, final_lr=0.01)" \
	  "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)" \
	  --steps 30 --xlabel epoch -o plots/chapter-schedules.png --csv plots/chapter-schedules.csv

## Every test: the main environment, then the MXNet environment.
test: test-main test-mxnet

test-main: venv mxnet-env
	$(PY) -m pytest

test-mxnet: mxnet-env
	$(MXNET_VENV)/bin/python -m pytest -o addopts=-ra tests/schedules tests/data tests/adapters/test_mxnet_adapter.py \
	  tests/backends/test_mxnet_backend.py
	$(MXNET_VENV)/bin/python -m pytest src/lrlab/schedules src/lrlab/data src/lrlab/adapters/mxnet.py src/lrlab/backends/mxnet.py src/lrlab/models/lenet_mxnet.py

venv: $(VENV)/.ready

$(VENV)/.ready: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

mxnet-env:
	bash scripts/mxnet-env.sh $(MXNET_VENV)

clean:
	rm -rf $(VENV) $(MXNET_VENV) build dist src/*.egg-info .pytest_cache .hypothesis
