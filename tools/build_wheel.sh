#!/usr/bin/env bash
# Build the course's wheel and check that it carries its data; prints the wheel's path last.
#
#   BUILD_PYTHON=.venv/bin/python bash tools/build_wheel.sh OUTDIR
#
# The repository's files (tracked, and untracked but not ignored: what a git URL install sees)
# are copied to OUTDIR/src and built there with `pip wheel --no-deps --no-build-isolation`: no
# `build` package and no network (BUILD_PYTHON's setuptools, pinned in requirements.lock), and
# no stale build/ folder of the clone can leak into the wheel. Then the wheel must hold the
# package and helpers/datasets/ (the three MNIST files, their README and their license), and
# nothing outside the package.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD_PYTHON=${BUILD_PYTHON:-$root/.venv/bin/python}
out=${1:?usage: build_wheel.sh OUTDIR}
mkdir -p "$out/src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  xargs -0 cp --parents -t "$out/src")
"$BUILD_PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
  -w "$out/dist" "$out/src" >&2
wheel=$(ls "$out"/dist/cnn_math_helpers-*.whl)
"$BUILD_PYTHON" - "$wheel" >&2 <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = {"helpers/__init__.py", "helpers/data.py", "helpers/checks/__init__.py",
        "helpers/explorers/__init__.py", "helpers/datasets/README.md",
        "helpers/datasets/LICENSE-MNIST", "helpers/datasets/t10k-images-idx3-ubyte.gz",
        "helpers/datasets/t10k-labels-idx1-ubyte.gz", "helpers/datasets/train-labels-idx1-ubyte.gz"}
missing = sorted(need - names)
stray = sorted(n for n in names if not n.startswith(("helpers/", "cnn_math_helpers-")))
assert not missing, f"the wheel lacks {missing}"
assert not stray, f"the wheel holds files outside the package: {stray[:10]}"
print(f"{sys.argv[1]}: the package and its data ({len(names)} files)")
PY
echo "$wheel"
