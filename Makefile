# The course's two commands are `make lab` and `make test`; both install first if needed.
# Another Python or another venv: `make test PYTHON=python3.13 VENV=.venv-3.13` (3.11 to 3.13).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The interpreter's full version is part of the stamp's name: a venv built by another Python
# (or an older patch release) is rebuilt instead of being silently reused.
PY_VERSION := $(shell $(PYTHON) -c 'import platform; print(platform.python_version())' 2>/dev/null)
STAMP  := $(VENV)/.installed-python-$(or $(PY_VERSION),unknown)
BENCH_STAMP := $(VENV)/.bench-stamp

export KERAS_BACKEND := jax
export MPLBACKEND    ?= Agg
# Keep JAX/XLA quiet and on the CPU (no accelerator on the course machines).
export JAX_PLATFORMS ?= cpu
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install lab test unit notebooks notebooks-portable student student-test browser present \
	bench site clean instructor grade-test wheel-test colab-test

# The instructors' venv: the students' pins plus nbgrader (requirements-instructor.lock).
IVENV  := .venv-instructor
IBIN   := $(IVENV)/bin
ISTAMP := $(IVENV)/.installed-stamp

install: $(STAMP)

# Re-runs only when the pins, the package metadata or the interpreter change: quick when up to date.
$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PY_VERSION)" || { echo "PYTHON=$(PYTHON) does not run; install Python 3.11, 3.12 or 3.13, or point PYTHON at one"; exit 1; }
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version.split()[0]'
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import platform; print(platform.python_version())' 2>/dev/null)" != "$(PY_VERSION)" ]; then \
		echo "$(VENV) was built with another Python: rebuilding it with $(PYTHON) ($(PY_VERSION))"; \
		$(PYTHON) -m venv --clear $(VENV); \
	fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -c "import matplotlib.pyplot"   # build the font cache once, not inside a notebook
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install
	env -u MPLBACKEND $(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

# Tests never download data and always use the bundled MNIST set, even where a full MNIST
# cache exists, so the stored outputs are compared against the data that recorded them.
# Two pytest workers on two cores: one BLAS thread each (oversubscribing made training 10x slower).
TEST_ENV := CNN_COURSE_OFFLINE=1 CNN_COURSE_DATA=bundled OPENBLAS_NUM_THREADS=1

unit: install
	$(TEST_ENV) $(BIN)/python -m pytest -q -n 2 -m "not browser and not student and not nbgrader" tests

notebooks: install
	env -u MPLBACKEND $(TEST_ENV) $(BIN)/python -m pytest -q -n 2 --dist loadfile -p no:randomly --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

# The stored outputs must not depend on the CPU that recorded them: run every notebook again
# under another OpenBLAS kernel (other CPUs round float32 products differently). CI runs this.
notebooks-portable: install
	@core=$$(env -u OPENBLAS_CORETYPE $(BIN)/python tools/blas_kernel.py --other) && \
	OPENBLAS_CORETYPE=$$core $(BIN)/python tools/blas_kernel.py --expect $$core >/dev/null && \
	echo "notebooks under the OpenBLAS kernel $$core (native: $$(env -u OPENBLAS_CORETYPE $(BIN)/python tools/blas_kernel.py))" && \
	OPENBLAS_CORETYPE=$$core $(MAKE) --no-print-directory notebooks

browser: install
	env -u MPLBACKEND $(BIN)/python -m pytest -q -rs -n 2 -m browser tests

# The students' copies: every notebook without its solution cells and outputs (git-ignored).
student: install
	$(BIN)/python tools/student_copies.py --out student

# Each student copy runs top to bottom without an error, every check saying "No answer yet".
student-test: install
	env -u MPLBACKEND CNN_COURSE_OFFLINE=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -q -n 2 -p no:randomly -m student tests/test_student_copies.py

# Unit tests first (fast, precise failures), then every notebook under nbval, the students'
# copies, then the browser tests.
test: unit notebooks student-test browser

# Instructors: nbgrader in its own venv, so that .venv stays exactly the students' install.
instructor: $(ISTAMP)

$(ISTAMP): requirements.lock requirements-instructor.lock pyproject.toml
	@test -x $(IBIN)/python || $(PYTHON) -m venv $(IVENV)
	$(IBIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-instructor.lock
	$(IBIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(ISTAMP)

# The nbgrader cycle (generate_assignment, autograde) on notebooks 01-03 in a temporary course.
grade-test: instructor
	env -u MPLBACKEND CNN_COURSE_OFFLINE=1 OPENBLAS_NUM_THREADS=1 CNN_COURSE_REQUIRE_NBGRADER=1 PATH="$(CURDIR)/$(IBIN):$$PATH" \
		$(IBIN)/python -m pytest -q -p no:randomly -m nbgrader tests/test_nbgrader.py

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

# The course site: every notebook as a static HTML page from its stored outputs (figures and
# explorers' pictures), an index in course order, previous/next links; offline, with MathJax
# copied from Debian's libjs-mathjax (or npm's mathjax@2). Open build/site/index.html.
site: install
	$(BIN)/python tools/build_site.py --out build/site

# The package as a user installs it: `pip wheel` builds it (no `build` package needed), a fresh
# venv gets the pinned versions and the wheel (not editable), and a notebook that loads the
# bundled MNIST runs from a directory outside the clone (tools/wheel_test.sh).
WHEEL_NOTEBOOK ?= notebooks/01_*.ipynb
wheel-test: install
	PYTHON="$(PYTHON)" BUILD_PYTHON="$(BIN)/python" bash tools/wheel_test.sh $(WHEEL_NOTEBOOK)

# The notebooks the way Colab runs them: Python 3.12, the newest releases (no lock), the package
# installed from its wheel, every notebook run from outside the clone with the Colab branch of
# its first cell forced on (tools/colab_test.sh). COLAB_NOTEBOOKS picks a subset.
COLAB_PYTHON    ?= python3.12
COLAB_NOTEBOOKS ?= notebooks/[0-9][0-9]_*.ipynb
colab-test: install
	PYTHON="$(COLAB_PYTHON)" BUILD_PYTHON="$(BIN)/python" bash tools/colab_test.sh $(COLAB_NOTEBOOKS)

clean:
	rm -rf $(VENV) $(IVENV) student .pytest_cache build dist *.egg-info
