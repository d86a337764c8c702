"""Training benchmarks: accuracy and time of full training runs, and the article's ladder.

Usage: .venv/bin/python benchmarks/bench_training.py [--quick] [--check] [--only NAME ...]
Writes benchmarks/results/training.json and prints a summary. The step-time
comparison with PyTorch and Keras (and the scaling with the batch size) lives in
bench_speed.py; this script trains for real and measures what training gives.

Sections (names for --only):

epoch     the improved CNN on the 60,000 Fashion-MNIST training images (Debian's copy),
          batch 64, Adam with its learning rate decaying linearly from 2e-3 to 0 over
          5 epochs, ``train.fit`` as the notebooks call it (the fast path, helpers.fast),
          in a subprocess that trains the 5 epochs: seconds per epoch (target <= 20 s
          on 2 cores), test accuracy after each epoch (target >= 0.90 within 5 epochs),
          peak memory of the whole run (max RSS, target < 400 MB).
bundled   the improved CNN on the bundled MNIST split (8,000 train / 2,000 held
          out), 8 epochs of Adam 2e-3 then 4 of Adam 5e-4: held-out accuracy,
          target >= 0.975.
ladder    the article's workload (200 images, 3 filters 5x5, sigmoid, dense to one
          sigmoid output, half squared error), one forward + backward pass over the
          200 images: Python loops, our vectorized kernels (float64, float32), Keras.
blas_threads  a training step of the improved CNN on the readable kernels with 1 and
          with 2 BLAS threads (the probe notebook 07 cites for its one-thread setting).

NumPy's BLAS runs single-threaded in the ladder (OPENBLAS_NUM_THREADS=1 unless set):
those matrix products are small. The fast path of the improved CNN sets its own threads
(helpers.fast: one BLAS thread per worker thread, workers from the core count).

What was optimized in the readable kernels (cProfile of one step, batch 128, single
BLAS thread; one step went from about 78 ms to about 35 ms on an idle core, 2.2x):
- conv2d_forward: im2col built batch-major, one block copy per kernel offset for
  the whole batch (moves whole rows) instead of one reshape-copy of a 6-D strided
  view; a batched matmul (F, C*K*K) @ (N, C*K*K, OH*OW) lands directly in the
  (N, F, OH, OW) layout, no transpose.                                 ~2-4x faster
- conv2d_backward: dw as one batched matmul summed over the images, dx accumulated
  from a contiguous (N, C, K, K, OH, OW) block (was a gather through a transposed
  6-D array); compute_dx=False skips dx for the first layer, whose input is data.
                                                                      ~2-5x faster
- max pool 2x2/2: non-overlapping fast path, running np.maximum over strided views
  and first-maximum masks (was an argmax over a copied (..., 4) array); backward
  writes through the masks (was a bincount over the whole input).    ~3-6x faster
- relu backward folded into the pool backward (gate on the pooled values). (The
  standalone relu_backward keeps np.where: a multiply by the mask would turn an
  infinite upstream gradient into nan and print -0.0 in the notebooks.)
- float32 end to end; images converted per mini-batch.
The training loop itself now runs on helpers.fast (see its docstring and
benchmarks/README.md): several times faster again.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from helpers import nets, train  # noqa: E402
from helpers.conv import conv2d_naive  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "training.json"
TARGETS = {"epoch_seconds_max": 20.0, "fashion_accuracy_min": 0.90, "fashion_epochs_max": 5,
           "peak_rss_mb_max": 400, "bundled_accuracy_min": 0.975}


def median_ms(times):
    return float(np.median(times) * 1000)


# ---------------------------------------------------------------- Keras models

def keras_article(keras):
    """The article's network in Keras: 3 filters 5x5 valid, sigmoid, flatten, dense to one
    sigmoid output, half squared error, plain SGD, no biases."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(3, 5, activation="sigmoid", use_bias=False),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid", use_bias=False),
    ])

    def half_squared_error(y, o):
        return 0.5 * keras.ops.mean(keras.ops.square(y - o))

    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=half_squared_error)
    return model


# ---------------------------------------------------------------- BLAS threads, readable kernels

def bench_blas_threads():
    """Median step time of the improved CNN on the readable kernels (``fast=False``) with 1
    and with 2 BLAS threads, in fresh subprocesses (notebook 07 quotes this probe for its
    one-BLAS-thread setting; the fast path always runs BLAS on one thread per worker)."""
    code = (
        "import time, numpy as np\n"
        "from helpers import nets, train\n"
        "rng = np.random.default_rng(0)\n"
        "x = nets.prepare_images(rng.integers(0, 256, (128, 28, 28), dtype=np.uint8))\n"
        "y = rng.integers(0, 10, 128)\n"
        "p = nets.init_improved_cnn(seed=0); o = train.adam(); s = o.init(p)\n"
        "t = []\n"
        "for i in range(45):\n"
        "    a = time.perf_counter()\n"
        "    p, s, _, _ = train.train_step(nets.IMPROVED_CNN, p, s, o, x, y, fast=False)\n"
        "    t.append(time.perf_counter() - a)\n"
        "print(np.median(t[5:]) * 1000)\n")
    out = {"kernels": "readable (train_step(..., fast=False))"}
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads}
        result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                                capture_output=True, text=True, check=True)
        out[f"step_ms_{threads}_thread" + ("s" if threads != "1" else "")] = \
            round(float(result.stdout.strip()), 2)
    return out


# ---------------------------------------------------------------- epoch on Fashion-MNIST

_EPOCH_CHILD = r"""
import json, sys, time
import numpy as np
from helpers import data, nets, train
epochs, batch, lr = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
(x_train, y_train), (x_test, y_test) = data.load_fashion_mnist("debian")
total_steps = epochs * -(-len(x_train) // batch)
marks = []
def at_epoch_end(history, params):
    marks.append((history.seconds, history.val_accuracy[-1]))
start = time.perf_counter()
params, history = train.fit(nets.IMPROVED_CNN, nets.init_improved_cnn(seed=0), x_train, y_train,
                            optimizer=train.adam(train.linear_decay(lr, total_steps)),
                            batch_size=batch, epochs=epochs, seed=0,
                            x_val=x_test, y_val=y_test, callback=at_epoch_end, progress=False)
wall = time.perf_counter() - start
train_seconds = np.diff([0.0] + [m[0] for m in marks]).tolist()
print(json.dumps({"n_train": len(x_train), "n_test": len(x_test), "train_seconds": train_seconds,
                  "test_accuracy": [m[1] for m in marks], "wall_seconds": wall}))
"""


# A forked child starts with its parent's resident set as its high-water mark (and keeps
# it across exec), so a child of this process, which holds Keras and JAX, would report
# their memory too. A small launcher process starts the training child instead, and
# reports that child's peak (RUSAGE_CHILDREN) on its last line.
_LAUNCHER = r"""
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
sys.exit(done.returncode)
"""


def _fast_threads():
    from helpers import fast
    return fast.get_threads()


def bench_epoch(epochs=5, batch=64, lr=2e-3):
    child = [sys.executable, "-c", _EPOCH_CHILD, str(epochs), str(batch), str(lr)]
    result = subprocess.run([sys.executable, "-c", _LAUNCHER] + child, cwd=ROOT,
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = result.stdout.strip().splitlines()
    info, peak = json.loads(lines[-2]), float(lines[-1])
    first_ok = [i + 1 for i, a in enumerate(info["test_accuracy"])
                if a >= TARGETS["fashion_accuracy_min"]]
    epoch_s = float(np.median(info["train_seconds"]))
    return {
        **info, "batch": batch, "optimizer": f"adam, lr {lr} decaying linearly to 0 over "
                                             f"{epochs} epochs",
        "threads": _fast_threads(),
        "median_epoch_seconds": round(epoch_s, 2),
        "first_epoch_reaching_target": first_ok[0] if first_ok else None,
        "peak_rss_mb": round(peak, 1),
        "note_rss": "max RSS of the training process (data loading, 5 epochs, evaluation), "
                    "read with resource.getrusage(RUSAGE_CHILDREN) by a small launcher",
        "ok_epoch_time": epoch_s <= TARGETS["epoch_seconds_max"],
        "ok_accuracy": bool(first_ok) and first_ok[0] <= TARGETS["fashion_epochs_max"],
        "ok_memory": peak < TARGETS["peak_rss_mb_max"],
    }


# ---------------------------------------------------------------- bundled MNIST accuracy

def bench_bundled(epochs=(8, 4), batch=64, lrs=(2e-3, 5e-4)):
    """Two phases of Adam, the second with a smaller learning rate (and the first
    phase's moments): a step schedule, so the last epochs settle instead of bouncing."""
    from helpers import data

    (x_train, y_train), (x_test, y_test) = data.load_mnist("bundled")
    start = time.perf_counter()
    params, per_epoch, state = nets.init_improved_cnn(seed=0), [], None
    for phase, (n_epochs, lr) in enumerate(zip(epochs, lrs)):
        params, history = train.fit(nets.IMPROVED_CNN, params, x_train, y_train,
                                    optimizer=train.adam(lr), batch_size=batch, epochs=n_epochs,
                                    seed=phase, x_val=x_test, y_val=y_test, progress=False,
                                    opt_state=state)
        state = history.opt_state               # the second phase keeps Adam's moments
        per_epoch += [round(a, 4) for a in history.val_accuracy]
    acc = train.accuracy(nets.IMPROVED_CNN, params, x_test, y_test)
    return {"epochs": list(epochs), "adam_lr": list(lrs), "batch": batch,
            "n_train": len(x_train), "n_held_out": len(x_test),
            "held_out_accuracy": round(acc, 4), "accuracy_per_epoch": per_epoch,
            "seconds": round(time.perf_counter() - start, 1),
            "ok": acc >= TARGETS["bundled_accuracy_min"]}


# ---------------------------------------------------------------- speed ladder

def _article_loops(x, w1, W2, y):
    """Forward + backward of the article's network with Python loops (float64, for reading).

    x (N, 28, 28), w1 (F, 5, 5), W2 (F*576, 1), y (N,) -> (loss, dw1, dW2)
    """
    n, k = len(x), w1.shape[-1]
    side = 28 - k + 1
    z1 = conv2d_naive(x[:, None], w1[:, None])               # loops over n, f, i, j
    a1 = 1 / (1 + np.exp(-z1))
    a1f = a1.reshape(n, -1)
    o = np.empty(n)
    for i in range(n):
        o[i] = 1 / (1 + np.exp(-(a1f[i] @ W2[:, 0])))
    loss = np.sum((y - o) ** 2) / (2 * n)
    dz2 = -(y - o) * o * (1 - o) / n
    dW2 = np.zeros_like(W2)
    dw1 = np.zeros_like(w1)
    for i in range(n):
        dW2[:, 0] += a1f[i] * dz2[i]
        dz1 = (W2[:, 0] * dz2[i]).reshape(a1[i].shape) * a1[i] * (1 - a1[i])
        for f in range(len(w1)):
            for r in range(side):
                for c in range(side):
                    dw1[f] += dz1[f, r, c] * x[i, r:r + k, c:c + k]
    return loss, dw1, dW2


def bench_ladder(repeats=5):
    import keras

    from helpers import data

    (x_train, y_train), _ = data.load_mnist("bundled")
    x200, y200 = x_train[:200], (y_train[:200] > 4).astype(np.int64)
    params = nets.init_article_net(1, init="scaled", seed=0, dtype=np.float64)
    x64 = nets.prepare_images(x200, np.float64)

    def vectorized(p, x):
        z, cache = nets.article_forward(p, x)
        _, dz = train.loss_and_grad("half_squared_error", z, y200)
        return nets.article_backward(dz, cache)

    # The loop version computes the same gradients (checked once, then timed).
    _, dw1_loop, dW2_loop = _article_loops(x64[:, 0], params["w1"][:, 0], params["W2"],
                                           y200.astype(np.float64))
    reference = vectorized(params, x64)
    assert np.allclose(dw1_loop, reference["w1"][:, 0]) and np.allclose(dW2_loop, reference["W2"])

    def time_it(fn, n):
        times = []
        for _ in range(n):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return median_ms(times)

    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    x32 = nets.prepare_images(x200)
    model = keras_article(keras)
    xk = np.ascontiguousarray(x32.transpose(0, 2, 3, 1))
    yk = y200.astype(np.float32)
    for _ in range(3):
        model.train_on_batch(xk, yk)
        vectorized(p32, x32)
    rows = {
        "python loops (float64)": time_it(
            lambda: _article_loops(x64[:, 0], params["w1"][:, 0], params["W2"], y200), 1),
        "vectorized kernels (float64)": time_it(lambda: vectorized(params, x64), 10 * repeats),
        "vectorized kernels (float32)": time_it(lambda: vectorized(p32, x32), 10 * repeats),
        "keras/jax train_on_batch (float32, incl. SGD update)": time_it(
            lambda: model.train_on_batch(xk, yk), 10 * repeats),
    }
    base = rows["vectorized kernels (float32)"]
    return {"workload": "200 images 28x28, 3 filters 5x5 valid, sigmoid, dense 1728 -> 1 sigmoid, "
                        "half squared error; one forward + backward over the 200 images",
            "ms": {k: round(v, 3) for k, v in rows.items()},
            "relative_to_vectorized_float32": {k: round(v / base, 2) for k, v in rows.items()}}


# ---------------------------------------------------------------- main

SECTIONS = {"epoch": bench_epoch, "bundled": bench_bundled, "ladder": bench_ladder,
            "blas_threads": bench_blas_threads}


def machine_info():
    import jax
    import keras

    return {"python": platform.python_version(), "numpy": np.__version__,
            "keras": keras.__version__, "jax": jax.__version__,
            "keras_backend": os.environ.get("KERAS_BACKEND"), "cpus": os.cpu_count(),
            "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "load_average_start": [round(v, 2) for v in os.getloadavg()]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), help="sections to run")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and epochs (smoke test)")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the JSON results")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    chosen = args.only or list(SECTIONS)
    results = {"machine": machine_info(), "targets": TARGETS}
    for name in chosen:
        kwargs = {}
        if args.quick:
            kwargs = {"epoch": {"epochs": 1},
                      "bundled": {"epochs": (1, 1)}, "ladder": {"repeats": 1}}.get(name, {})
        start = time.perf_counter()
        print(f"[bench_training] {name} ...", flush=True)
        results[name] = SECTIONS[name](**kwargs)
        results[name]["bench_seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps(results[name], indent=1), flush=True)
    results["machine"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    results["quick"] = args.quick
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and args.only:                           # keep the sections not rerun
        previous = json.loads(out.read_text())
        previous.update(results)
        results = previous
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"[bench_training] wrote {out}")
    failed = [n for n in chosen if any(k.startswith("ok") and v is False
                                      for k, v in results[n].items())]
    if failed:
        print(f"[bench_training] targets missed in: {', '.join(failed)}")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
