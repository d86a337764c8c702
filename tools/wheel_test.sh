#!/usr/bin/env bash
# make wheel-test: the course's package as a user installs it, tested outside the clone.
#
#   PYTHON=python3 BUILD_PYTHON=.venv/bin/python bash tools/wheel_test.sh NOTEBOOK...
#
# 1-2. tools/build_wheel.sh builds the wheel (pip wheel, from a copy of the repository's files)
#    and checks that it holds the package and its data (helpers/datasets/).
# 3. Creates a fresh venv with PYTHON, installs requirements.lock, then the wheel (not editable).
# 4. From a folder outside the clone: helpers must come from that venv's site-packages and
#    load_mnist("bundled") must work; then the given notebooks run top to bottom there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
BUILD_PYTHON=${BUILD_PYTHON:-$root/.venv/bin/python}
[ $# -gt 0 ] || { echo "usage: $0 NOTEBOOK..." >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cnn-wheel-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== wheel-test: building the wheel"
wheel=$(BUILD_PYTHON="$BUILD_PYTHON" bash "$root/tools/build_wheel.sh" "$work/build" | tail -1)

echo "== wheel-test: a fresh venv ($PYTHON) with requirements.lock and the wheel (not editable)"
"$PYTHON" -m venv "$work/venv"
venv_python="$work/venv/bin/python"
"$venv_python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements.lock"
"$venv_python" -m pip install --quiet --disable-pip-version-check --no-deps "$wheel"

echo "== wheel-test: running from $work/run, outside the clone"
mkdir -p "$work/run"
cp "$@" "$work/run/"
cd "$work/run"
export CNN_COURSE_OFFLINE=1 CNN_COURSE_DATA=bundled OPENBLAS_NUM_THREADS=1
"$venv_python" - "$work/venv" <<'EOF'
import sys
from pathlib import Path
import helpers
from helpers.data import DATA_DIR, load_mnist
where = Path(helpers.__file__).resolve()
assert Path(sys.argv[1]).resolve() in where.parents and "site-packages" in where.parts, \
    f"helpers was imported from {where}, not from the venv's site-packages"
(x_train, y_train), (x_test, y_test) = load_mnist("bundled")
assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
print(f"helpers {helpers.__version__} from {where.parent}; bundled MNIST read from {DATA_DIR}")
EOF
"$venv_python" "$root/tools/execute_notebooks.py" "$work"/run/*.ipynb
