# The course's two commands are `make lab` and `make test`; both install first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp

export KERAS_BACKEND := jax
export MPLBACKEND    ?= Agg
# Keep JAX/XLA quiet and on the CPU (no accelerator on the course machines).
export JAX_PLATFORMS ?= cpu
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install lab test unit notebooks browser present bench clean

install: $(STAMP)

# Re-runs only when the pins or the package metadata change: quick when up to date.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -c "import matplotlib.pyplot"   # build the font cache once, not inside a notebook
	@touch $(STAMP)

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install
	env -u MPLBACKEND $(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

# Tests never download data: with no MNIST cache they use the bundled set.
# Two pytest workers on two cores: one BLAS thread each (oversubscribing made training 10x slower).
unit: install
	CNN_COURSE_OFFLINE=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -q -n 2 -m "not browser" tests

notebooks: install
	env -u MPLBACKEND CNN_COURSE_OFFLINE=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -q -n 2 --dist loadfile -p no:randomly --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

browser: install
	env -u MPLBACKEND $(BIN)/python -m pytest -q -rs -n 2 -m browser tests

# Unit tests first (fast, precise failures), then every notebook under nbval, then the browser tests.
test: unit notebooks browser

present: install
	@echo "Presenter mode: open http://127.0.0.1:$${PRESENT_PORT:-8866}/voila/render/index.ipynb  (Ctrl+C stops it)"
	env -u MPLBACKEND $(BIN)/voila present/ --no-browser --Voila.ip=127.0.0.1 --port=$${PRESENT_PORT:-8866} --Voila.port_retries=0

# The benchmark's extra (PyTorch CPU build, for the comparison): pinned, and only here.
$(BENCH_STAMP): requirements-bench.lock $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock
	@touch $(BENCH_STAMP)

# Every number of the README's speed section, in one run (about 7 minutes on 2 idle cores).
bench: install $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py
	$(BIN)/python benchmarks/report.py --write

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
