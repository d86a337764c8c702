"""Which OpenBLAS kernel NumPy uses here, and another one to re-run the notebooks under.

Usage:
    .venv/bin/python tools/blas_kernel.py            # the kernel in use, e.g. "SkylakeX"
    .venv/bin/python tools/blas_kernel.py --other    # a different kernel this CPU can run
    OPENBLAS_CORETYPE=Sandybridge .venv/bin/python tools/blas_kernel.py --expect Sandybridge

Different CPUs make OpenBLAS pick different kernels, and different kernels round float32
products differently in the last bits; training turns those bits into different printed
digits. `make notebooks-portable` re-runs every notebook under a kernel other than the
native one (OPENBLAS_CORETYPE, read when NumPy loads), to prove that the stored outputs do
not depend on the machine that recorded them (see CONTRIBUTING.md).
"""

import argparse
import os
import platform
import sys

# Kernels every x86-64 CPU can run (SSE2/AVX); the first that differs from the native
# one is used. Names as OPENBLAS_CORETYPE takes them (Prescott reports itself as "Katmai").
X86_ALTERNATIVES = ("Sandybridge", "Prescott")
ARM_ALTERNATIVES = ("ARMV8", "CortexA57")


def kernel():
    """The OpenBLAS kernel ("architecture") that NumPy's BLAS uses in this process."""
    import numpy  # noqa: F401  (loads OpenBLAS, which reads OPENBLAS_CORETYPE)
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        if pool.get("internal_api") == "openblas":
            return pool.get("architecture") or "unknown"
    return "not OpenBLAS"


def other_kernel(native):
    """A kernel to force with OPENBLAS_CORETYPE that differs from `native`."""
    machine = platform.machine().lower()
    choices = X86_ALTERNATIVES if machine in ("x86_64", "amd64") else ARM_ALTERNATIVES
    for name in choices:
        if name.lower() != native.lower():
            return name
    raise SystemExit(f"no alternative OpenBLAS kernel known for {machine} (native {native})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--other", action="store_true", help="print a kernel other than the native one")
    group.add_argument("--expect", metavar="NAME", help="exit 1 unless the kernel in use is NAME")
    args = parser.parse_args(argv)
    if args.other:
        if os.environ.get("OPENBLAS_CORETYPE"):
            raise SystemExit("--other needs the native kernel: unset OPENBLAS_CORETYPE first")
        print(other_kernel(kernel()))
        return 0
    current = kernel()
    if args.expect:
        # Prescott is reported under its family name.
        aliases = {"prescott": {"prescott", "katmai"}}
        wanted = aliases.get(args.expect.lower(), {args.expect.lower()})
        if current.lower() not in wanted:
            print(f"OpenBLAS kernel is {current}, expected {args.expect} "
                  f"(OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r})", file=sys.stderr)
            return 1
    print(current)
    return 0


if __name__ == "__main__":
    sys.exit(main())
