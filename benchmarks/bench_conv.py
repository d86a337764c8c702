"""Convolution benchmark: per-pixel loops vs the vectorized kernel, and patch memory.

Run from the repository root:

    .venv/bin/python benchmarks/bench_conv.py            # under 10 s
    .venv/bin/python benchmarks/bench_conv.py --check    # exit 1 if a target is missed

What it measures, in one run so the numbers are comparable:

1. Speed, on the article's workload (200 images of 28 x 28, 3 filters of 5 x 5,
   no padding, stride 1): ``conv2d_naive`` (a Python loop per output number)
   against ``conv2d_forward`` (strided patches + one matrix product), each the
   best of several repeats with ``time.perf_counter``, interleaved so both see
   the same machine load. Target: the vectorized forward >= 150x faster. Also
   the vectorized forward + backward time.
2. Memory: the peak of traced allocations (``tracemalloc``; NumPy reports its
   buffers to it) during forward + backward on mini-batches of 64 and of 256
   images. The patch matrix belongs to one mini-batch, so the peak grows with
   the batch (about 4x from 64 to 256) and looping over a whole data set in
   mini-batches peaks no higher than one mini-batch.

BLAS is limited to one thread: the loops use one core, so the ratio measures
vectorization rather than extra cores, and a shared machine disturbs it less.

Results go to benchmarks/results/conv.json; a short summary goes to stdout.
Absolute times depend on the machine; the ratios are what to compare.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")     # before NumPy loads its BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers.conv import conv2d_backward, conv2d_forward, conv2d_naive, conv_output_size  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "conv.json"
TARGET_SPEEDUP = 150.0

# The article's MNIST layer: 200 grey images 28 x 28, 3 filters 5 x 5, valid, stride 1.
N_IMAGES, HEIGHT, WIDTH = 200, 28, 28
N_FILTERS, KH, KW = 3, 5, 5


def article_workload(seed=0):
    """x (200, 1, 28, 28) in [0, 1), w (3, 1, 5, 5), b (3,), float64."""
    rng = np.random.default_rng(seed)
    x = rng.random((N_IMAGES, 1, HEIGHT, WIDTH))
    w = rng.standard_normal((N_FILTERS, 1, KH, KW)) * 0.1
    b = rng.standard_normal(N_FILTERS) * 0.1
    return x, w, b


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_speed(rounds, inner):
    """Best times of the loop forward, the vectorized forward and forward + backward.

    Each round times the loop version once and each vectorized variant ``inner``
    times, so both are measured under the same load.
    """
    x, w, b = article_workload()
    out_loops = conv2d_naive(x, w, b)
    out_vec, cache = conv2d_forward(x, w, b)
    # Same numbers first: a fast wrong kernel would be no result.
    np.testing.assert_allclose(out_vec, out_loops, rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(1).standard_normal(out_vec.shape)

    def forward_backward():
        _, c = conv2d_forward(x, w, b)
        conv2d_backward(dout, c)

    naive, vectorized, fwd_bwd = [], [], []
    for _ in range(rounds):
        naive.append(seconds(lambda: conv2d_naive(x, w, b)))
        vectorized.extend(seconds(lambda: conv2d_forward(x, w, b)) for _ in range(inner))
        fwd_bwd.extend(seconds(forward_backward) for _ in range(inner))
    return {
        "naive_forward_s": min(naive),
        "vectorized_forward_s": min(vectorized),
        "vectorized_forward_backward_s": min(fwd_bwd),
        "naive_forward_all_s": naive,
        "rounds": rounds,
        "vectorized_repeats": rounds * inner,
    }


def traced_peak(fn):
    """Peak bytes allocated (and traced) while fn runs, above what existed before."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - base


def measure_memory(batches=(64, 256), dataset_size=1024, loop_batch=64):
    """tracemalloc peaks of conv forward + backward for each batch size, and for a
    pass over a whole (synthetic) data set in mini-batches."""
    rng = np.random.default_rng(2)
    data = rng.random((dataset_size, 1, HEIGHT, WIDTH))     # allocated before tracing
    w = rng.standard_normal((N_FILTERS, 1, KH, KW)) * 0.1
    b = np.zeros(N_FILTERS)
    oh, ow = conv_output_size(HEIGHT, KH), conv_output_size(WIDTH, KW)
    douts = {n: np.ones((n, N_FILTERS, oh, ow)) for n in (*batches, loop_batch)}

    def step(x):
        _, cache = conv2d_forward(x, w, b)
        conv2d_backward(douts[len(x)], cache)

    peaks = {}
    for n in batches:
        step(data[:n])                                    # warm-up outside the trace
        peaks[n] = min(traced_peak(lambda: step(data[:n])) for _ in range(2))

    def whole_pass():
        for start in range(0, dataset_size, loop_batch):
            step(data[start:start + loop_batch])

    pass_peak = traced_peak(whole_pass)
    patch_bytes_per_image = oh * ow * KH * KW * data.itemsize
    small, large = min(batches), max(batches)
    return {
        "batch_sizes": list(batches),
        "peak_bytes": {str(n): peaks[n] for n in batches},
        "peak_bytes_per_image": {str(n): peaks[n] / n for n in batches},
        "batch_ratio": large / small,
        "peak_ratio": peaks[large] / peaks[small],
        "patch_matrix_bytes_per_image": patch_bytes_per_image,
        "dataset_pass": {
            "images": dataset_size,
            "batch": loop_batch,
            "peak_bytes": pass_peak,
            "peak_over_one_batch": pass_peak / peaks.get(loop_batch, pass_peak),
        },
        # Arithmetic, not a measurement: the patch matrix if one call got all of MNIST's training set.
        "patch_matrix_bytes_for_60000_images": 60000 * patch_bytes_per_image,
    }


def run(rounds=3, inner=10):
    speed = time_speed(rounds, inner)
    speed["speedup_forward"] = speed["naive_forward_s"] / speed["vectorized_forward_s"]
    speed["target_speedup"] = TARGET_SPEEDUP
    speed["meets_target"] = speed["speedup_forward"] >= TARGET_SPEEDUP
    memory = measure_memory()
    memory["scales_with_batch"] = bool(
        0.75 * memory["batch_ratio"] <= memory["peak_ratio"] <= 1.25 * memory["batch_ratio"]
        and memory["dataset_pass"]["peak_over_one_batch"] <= 1.25
    )
    return {
        "benchmark": "conv",
        "workload": {
            "x": [N_IMAGES, 1, HEIGHT, WIDTH], "w": [N_FILTERS, 1, KH, KW], "b": [N_FILTERS],
            "padding": 0, "stride": 1, "dtype": "float64",
        },
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "machine": platform.machine(),
            "system": platform.system(),
            "cpu_count": os.cpu_count(),
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
        "speed": speed,
        "memory": memory,
    }


def summary(result):
    s, m = result["speed"], result["memory"]
    mib = 2.0**20
    small, large = (str(n) for n in m["batch_sizes"])
    lines = [
        "conv benchmark: 200 images 28x28, 3 filters 5x5, valid, stride 1 (float64, 1 BLAS thread)",
        f"  loops (conv2d_naive)         {s['naive_forward_s'] * 1e3:9.1f} ms  (best of {s['rounds']})",
        f"  vectorized (conv2d_forward)  {s['vectorized_forward_s'] * 1e3:9.2f} ms  "
        f"(best of {s['vectorized_repeats']})",
        f"  speedup                      {s['speedup_forward']:9.0f} x   "
        f"(target >= {s['target_speedup']:.0f}x: {'met' if s['meets_target'] else 'MISSED'})",
        f"  vectorized forward+backward  {s['vectorized_forward_backward_s'] * 1e3:9.2f} ms",
        "memory (tracemalloc peak of forward+backward):",
        f"  batch {small:>4}: {m['peak_bytes'][small] / mib:7.1f} MiB   batch {large:>4}: "
        f"{m['peak_bytes'][large] / mib:7.1f} MiB   ratio {m['peak_ratio']:.2f} "
        f"(batch ratio {m['batch_ratio']:.0f})",
        f"  a pass over {m['dataset_pass']['images']} images in batches of {m['dataset_pass']['batch']}: "
        f"{m['dataset_pass']['peak_bytes'] / mib:.1f} MiB peak "
        f"({m['dataset_pass']['peak_over_one_batch']:.2f}x one batch)",
        f"  patch matrix: {m['patch_matrix_bytes_per_image'] / 1024:.0f} KiB per image; for 60,000 images "
        f"in one call it would be {m['patch_matrix_bytes_for_60000_images'] / 2**30:.1f} GiB",
        f"  memory follows the batch, not the data set: {'yes' if m['scales_with_batch'] else 'NO'}",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="times the loop version runs (best is kept)")
    parser.add_argument("--inner", type=int, default=10, help="vectorized repeats per round")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    result = run(args.rounds, args.inner)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    print(summary(result))
    print(f"results written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    ok = result["speed"]["meets_target"] and result["memory"]["scales_with_batch"]
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
