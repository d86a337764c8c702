"""Run every benchmark (benchmarks/bench_*.py), one after the other, each in its own process.

Usage: .venv/bin/python benchmarks/run_all.py [--check] [--only conv training]

Each script runs in a fresh interpreter, so the thread settings it makes before
importing NumPy (e.g. OPENBLAS_NUM_THREADS=1) take effect, and one benchmark's
memory does not leak into the next one's measurements. Each writes its own
benchmarks/results/<name>.json. --check is passed on: a script then exits 1 when
one of its targets is missed, and so does this driver.
Prints one line per benchmark (exit status and wall time) at the end.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(only=None):
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        found = [p for p in found if p.stem.removeprefix("bench_") in only]
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any target is missed")
    parser.add_argument("--only", nargs="*", help="names after bench_, e.g. conv training")
    args = parser.parse_args(argv)
    chosen = scripts(args.only)
    if not chosen:
        sys.exit(f"no benchmarks/bench_*.py matches {args.only}")
    env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax")}
    summary = []
    print(f"load average before: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} CPUs)")
    for path in chosen:
        print(f"=== {path.name}", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(path)] + (["--check"] if args.check else []),
                              cwd=HERE.parent, env=env)
        summary.append((path.name, done.returncode, time.perf_counter() - start))
    print("\n=== summary")
    for name, code, seconds in summary:
        print(f"{name:24s} {'ok' if code == 0 else f'exit {code}':8s} {seconds:7.1f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 1 if any(code for _, code, _ in summary) else 0


if __name__ == "__main__":
    sys.exit(main())
