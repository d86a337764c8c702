#!/usr/bin/env bash
# make colab-test: the notebooks the way Google Colab runs them.
#
#   PYTHON=python3.12 BUILD_PYTHON=.venv/bin/python bash tools/colab_test.sh NOTEBOOK...
#
# Colab has a newer Python than our lock and the newest releases of the libraries, opens a
# notebook outside any clone, and runs its first code cell (tools/colab.py), which clones the
# course, installs its package (not editable) and changes into the clone's notebooks/. Here:
# 1. the notebooks must carry the Colab cells that tools/colab.py writes (--check);
# 2. the wheel is built (tools/build_wheel.sh);
# 3. a fresh venv with PYTHON (Colab's 3.12) gets the wheel and the NEWEST releases of its
#    dependencies from the package index (no lock), plus a Jupyter kernel to run notebooks;
# 4. every notebook runs top to bottom from a folder outside the clone, with the Colab branch
#    of its first cell forced on (CNN_COURSE_COLAB=1), cloning this repository (file://, tests
#    are offline) and pip-installing the wheel; no output is compared, every cell must run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3.12}
BUILD_PYTHON=${BUILD_PYTHON:-$root/.venv/bin/python}
[ $# -gt 0 ] || { echo "usage: $0 NOTEBOOK..." >&2; exit 2; }
"$PYTHON" -c 'import sys; print("colab-test: Python", sys.version.split()[0])' || {
  echo "colab-test needs $PYTHON (Colab's Python); set COLAB_PYTHON=... to another 3.12+" >&2; exit 1; }

echo "== colab-test: the notebooks carry the Colab cells"
"$BUILD_PYTHON" "$root/tools/colab.py" --check

work=$(mktemp -d "${TMPDIR:-/tmp}/cnn-colab-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== colab-test: building the wheel"
wheel=$(BUILD_PYTHON="$BUILD_PYTHON" bash "$root/tools/build_wheel.sh" "$work/build" | tail -1)

echo "== colab-test: a fresh venv ($PYTHON) with the wheel and the newest releases (no lock)"
"$PYTHON" -m venv "$work/venv"
venv_python="$work/venv/bin/python"
"$venv_python" -m pip install --quiet --disable-pip-version-check "$wheel" ipykernel nbclient nbformat
"$venv_python" - <<'EOF'
from importlib.metadata import version
names = ["numpy", "scipy", "matplotlib", "ipywidgets", "tqdm", "threadpoolctl", "jax", "jaxlib",
         "keras", "ipykernel", "nbclient"]
print("newest releases:", ", ".join(f"{n} {version(n)}" for n in names))
EOF

echo "== colab-test: every notebook from $work/run, the Colab branch forced on"
mkdir -p "$work/run" "$work/content"
cp "$@" "$work/run/"
cd "$work/run"
# Colab sets none of the Makefile's variables (its notebooks choose their Keras backend).
unset KERAS_BACKEND JAX_PLATFORMS MPLBACKEND TF_CPP_MIN_LOG_LEVEL PYTHONPATH
export CNN_COURSE_COLAB=1 CNN_COURSE_REPO="file://$root" CNN_COURSE_HOME="$work/content" \
  CNN_COURSE_PACKAGE="$wheel" CNN_COURSE_OFFLINE=1 OPENBLAS_NUM_THREADS=1
"$venv_python" "$root/tools/execute_notebooks.py" "$work"/run/*.ipynb
clone=$(ls -d "$work"/content/*/notebooks)
echo "the first cells cloned the course into ${clone%/notebooks} and ran from $clone"
