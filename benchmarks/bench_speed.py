"""Training speed of the improved CNN: ours against PyTorch and Keras, side by side.

Usage: .venv/bin/python benchmarks/bench_speed.py [--quick] [--check] [--only NAME ...]
Writes benchmarks/results/speed.json (and prints a summary). PyTorch and Keras on its
torch backend come from the optional extra (``make bench`` installs it:
``pip install -r requirements-bench.lock``); without torch those rows are skipped.

Every contender runs in its own worker process (benchmarks/peers.py: ours, ours with
the readable kernels, PyTorch, Keras on JAX, Keras on torch), and the driver
interleaves them: a few steps of A, a few of B, ..., then A again, so that the load of
a shared machine falls on all of them alike. Times are medians over all interleaved
rounds (the minimum is kept too); the load average is recorded before and after.

Sections (names for --only):

step      one training step (forward, backward, Adam) at batch 128 (a fixed batch of real
          images: Fashion-MNIST if installed, else bundled MNIST), every contender at
          1 and 2 threads (Keras on JAX: XLA single-threaded and XLA's default);
          each contender's best setting; ours / PyTorch at the best settings (target
          <= 1); ours against the arithmetic floor: the step's FLOPs (counted from the
          layer shapes) at this machine's single-core sgemm rate measured in the same
          run (CPU time of one BLAS thread), times the number of threads (target <= 3x).
scaling   step time for batch 16 ... 512, ours and PyTorch, best of 1 and 2 threads,
          interleaved; and the peak memory of each (contender, batch) in a fresh
          worker: peak RSS of the process, and what the steps add to the RSS the
          process had after its imports and model (VmHWM, /proc/self/status).
epoch     one epoch over the 60,000 Fashion-MNIST training images (Debian's copy),
          batch 64, the same data order for both (helpers.train.minibatches), ours and
          PyTorch at their best thread settings from `step`, alternating, three epochs
          each; peak RSS of each worker process (data, imports, training), target
          < 400 MB for ours.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

PEERS = ROOT / "benchmarks" / "peers.py"
RESULTS = ROOT / "benchmarks" / "results" / "speed.json"
TARGETS = {"step_ratio_ours_over_torch_max": 1.0, "floor_ratio_max": 3.0,
           "epoch_peak_rss_mb_max": 400}
BATCHES = (16, 32, 64, 128, 256, 512)


# ---------------------------------------------------------------- workers

class Worker:
    """A contender in its own process (benchmarks/peers.py), asked one command at a time."""

    def __init__(self, kind, jax_threads=0):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu",
               "TF_CPP_MIN_LOG_LEVEL": "2"}
        env.pop("OPENBLAS_NUM_THREADS", None)        # each contender sets its own threads
        env.pop("OMP_NUM_THREADS", None)
        self.kind = kind
        self.process = subprocess.Popen(
            [sys.executable, str(PEERS), kind, "--threads", str(jax_threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        self.ready = self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.kind} exited with {self.process.wait()}")
        return json.loads(line)

    def ask(self, op, **args):
        self.process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.flush()
            self.process.wait(timeout=60)


def have(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def interleave(configs, batch, rounds, steps, warmup=3):
    """configs: {name: (worker, threads)}. Alternates `steps` steps of each, `rounds`
    times, after `warmup` steps each. Returns {name: (per-step seconds, per-step CPU
    seconds of the worker process)}."""
    for worker, threads in configs.values():
        worker.ask("steps", batch=batch, threads=threads, steps=warmup)
    times = {name: ([], []) for name in configs}
    for _ in range(rounds):
        for name, (worker, threads) in configs.items():
            answer = worker.ask("steps", batch=batch, threads=threads, steps=steps)
            times[name][0].extend(answer["seconds"])
            times[name][1].extend(answer["cpu_seconds"])
    return times


def summary(times):
    ms, cpu = (np.asarray(t) * 1000 for t in times)
    return {"median_ms": round(float(np.median(ms)), 2), "min_ms": round(float(ms.min()), 2),
            "p25_ms": round(float(np.percentile(ms, 25)), 2), "steps": len(ms),
            "cpu_median_ms": round(float(np.median(cpu)), 2)}


# ---------------------------------------------------------------- the floor

def step_flops(batch, c_in=1, size=28, c1=16, c2=32, k=3, classes=10):
    """FLOPs (2 per multiply-add) of one training step of the improved CNN: each conv's
    forward and filter gradient, conv 2's input gradient (conv 1's input is data), and
    the dense layer's forward and two gradients. The pools, relu, loss and Adam are
    not counted (they do no products)."""
    conv1 = 2 * batch * c1 * size * size * c_in * k * k
    conv2 = 2 * batch * c2 * (size // 2) ** 2 * c1 * k * k
    dense = 2 * batch * c2 * (size // 4) ** 2 * classes
    return {"conv1_forward": conv1, "conv1_filter_grad": conv1,
            "conv2_forward": conv2, "conv2_filter_grad": conv2, "conv2_input_grad": conv2,
            "dense_forward_and_grads": 3 * dense,
            "total": 2 * conv1 + 3 * conv2 + 3 * dense}


def sgemm_rate(size=1024, repeats=10):
    """GFLOP/s of one core on NumPy's float32 matrix product (OpenBLAS, one thread),
    size x size, best of repeats, timed in CPU time of this thread: a busy machine takes
    the core away now and then, but does not change what a product costs while it runs."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    out = np.empty_like(a)
    best = np.inf
    with threadpool_limits(1, user_api="blas"):
        np.matmul(a, b, out=out)
        for _ in range(repeats):
            start = time.thread_time()
            np.matmul(a, b, out=out)
            best = min(best, time.thread_time() - start)
    return 2 * size ** 3 / best / 1e9


# ---------------------------------------------------------------- sections

def contenders(with_torch):
    """{name: (kind, jax_threads, thread settings)}."""
    table = {"ours": ("ours", 0, (1, 2)), "ours, readable kernels": ("readable", 0, (1, 2)),
             "keras/jax (XLA 1 thread)": ("keras-jax", 1, (1,)),
             "keras/jax (XLA default)": ("keras-jax", 0, (2,))}
    if with_torch:
        table["pytorch"] = ("torch", 0, (1, 2))
        table["keras/torch"] = ("keras-torch", 0, (1, 2))
    return table


def bench_step(rounds=12, steps=4, batch=128):
    with_torch = have("torch")
    table = contenders(with_torch)
    workers = {name: Worker(kind, jax) for name, (kind, jax, _) in table.items()}
    try:
        source = workers["ours"].ask("images")["images"]
        configs = {f"{name} @ {t}": (workers[name], t)
                   for name, (_, _, settings) in table.items() for t in settings}
        times = interleave(configs, batch, rounds, steps)
    finally:
        for w in workers.values():
            w.close()
    rows = {}
    for name, (_, jax, settings) in table.items():
        per = {t: summary(times[f"{name} @ {t}"]) for t in settings}
        best = min(per, key=lambda t: per[t]["median_ms"])
        rows[name] = {"by_threads": {str(t): per[t] for t in settings}, "best_threads": best,
                      "best_median_ms": per[best]["median_ms"], "best_min_ms": per[best]["min_ms"]}
    rate = round(sgemm_rate(), 1)
    flops = step_flops(batch)
    # The floor on t cores: every FLOP of the step at the single-core sgemm rate, t cores
    # working all the time (perfect scaling: no real program gets below it).
    floors = {t: flops["total"] / (t * rate * 1e9) * 1000 for t in (1, 2)}
    ours = rows["ours"]
    out = {"batch": batch, "images": source, "rounds": rounds, "steps_per_round": steps,
           "contenders": rows,
           "flops": flops, "sgemm_gflops_per_core": rate,
           "floor_ms": {str(t): round(f, 2) for t, f in floors.items()},
           "ours_over_floor": {
               t: round(ours["by_threads"][t]["median_ms"] / floors[int(t)], 2)
               for t in ours["by_threads"]},
           "readable_over_ours": round(rows["ours, readable kernels"]["best_median_ms"]
                                       / ours["best_median_ms"], 2)}
    # CPU time per step on one thread: what each step costs a core, whatever else runs on
    # the machine (on two threads the CPU time of PyTorch includes its threads' spin-waits).
    out["cpu_ms_1_thread"] = {name: row["by_threads"]["1"]["cpu_median_ms"]
                              for name, row in rows.items() if "1" in row["by_threads"]}
    out["ours_cpu_1_thread_over_floor"] = round(out["cpu_ms_1_thread"]["ours"] / floors[1], 2)
    if with_torch:
        out["ours_over_pytorch_cpu_1_thread"] = round(
            out["cpu_ms_1_thread"]["ours"] / out["cpu_ms_1_thread"]["pytorch"], 3)
    best_floor = out["ours_over_floor"][str(ours["best_threads"])]
    out["ok_floor"] = best_floor <= TARGETS["floor_ratio_max"]
    if with_torch:
        ratio = ours["best_median_ms"] / rows["pytorch"]["best_median_ms"]
        out["ours_over_pytorch"] = round(ratio, 3)
        out["ours_over_pytorch_min"] = round(ours["best_min_ms"] / rows["pytorch"]["best_min_ms"], 3)
        out["ok_pytorch"] = ratio <= TARGETS["step_ratio_ours_over_torch_max"]
    else:
        out["note"] = "torch is not installed (make bench installs it): no PyTorch rows"
    return out


def bench_scaling(batches=BATCHES, rounds=10, work=512):
    with_torch = have("torch")
    kinds = {"ours": "ours", **({"pytorch": "torch"} if with_torch else {})}
    workers = {name: Worker(kind) for name, kind in kinds.items()}
    rows = {}
    try:
        for batch in batches:
            steps = max(2, work // batch)
            configs = {f"{name} @ {t}": (w, t) for name, w in workers.items() for t in (1, 2)}
            times = interleave(configs, batch, rounds, steps, warmup=2)
            for name in workers:
                per = {t: summary(times[f"{name} @ {t}"]) for t in (1, 2)}
                best = min(per, key=lambda t: per[t]["median_ms"])
                rows.setdefault(name, {})[str(batch)] = {
                    "best_threads": best, "median_ms": per[best]["median_ms"],
                    "min_ms": per[best]["min_ms"],
                    "ms_per_image": round(per[best]["median_ms"] / batch, 4),
                    "by_threads": {str(t): per[t] for t in (1, 2)}}
    finally:
        for w in workers.values():
            w.close()
    for name, kind in kinds.items():                     # memory: a fresh process each
        for batch in batches:
            worker = Worker(kind)
            try:
                worker.ask("images")                       # the data set, loaded before the base
                worker.ask("reset_peak")                   # forget the peak of loading it
                base = worker.ask("memory")["rss_mb"]
                threads = rows[name][str(batch)]["best_threads"]
                worker.ask("steps", batch=batch, threads=threads, steps=3)
                peak = worker.ask("memory")["peak_rss_mb"]
            finally:
                worker.close()
            rows[name][str(batch)].update({"peak_rss_mb": peak,
                                           "step_memory_mb": round(peak - base, 1)})
    out = {"batches": list(batches), "rows": rows,
           "note_memory": "peak_rss_mb: VmHWM of a fresh worker after 3 steps (imports, model, "
                          "the images' data set and the steps); step_memory_mb: the peak RSS during "
                          "the steps minus the RSS the worker had before its first step (peak "
                          "reset after the data set was loaded)"}
    if with_torch:
        out["ours_over_pytorch"] = {str(b): round(rows["ours"][str(b)]["median_ms"]
                                                  / rows["pytorch"][str(b)]["median_ms"], 3)
                                    for b in batches}
    return out


def bench_epoch(batch=64, epochs=3, threads=None):
    with_torch = have("torch")
    threads = threads or {}
    kinds = {"ours": "ours", **({"pytorch": "torch"} if with_torch else {})}
    workers = {name: Worker(kind) for name, kind in kinds.items()}
    seconds = {name: [] for name in kinds}
    try:
        for name, w in workers.items():                 # load the data, warm up
            w.ask("epoch", batch=batch, threads=threads.get(name, 2), seed=0, limit=20)
        for epoch in range(1, epochs + 1):
            for name, w in workers.items():
                seconds[name].append(w.ask("epoch", batch=batch, threads=threads.get(name, 2),
                                           seed=epoch)["seconds"])
        memory = {name: w.ask("memory") for name, w in workers.items()}
    finally:
        for w in workers.values():
            w.close()
    rows = {name: {"threads": threads.get(name, 2), "epoch_seconds": [round(s, 2) for s in sec],
                   "median_seconds": round(float(np.median(sec)), 2),
                   "peak_rss_mb": memory[name]["peak_rss_mb"]} for name, sec in seconds.items()}
    out = {"batch": batch, "images": 60000, "epochs_each": epochs, "rows": rows,
           "data_order": "helpers.train.minibatches(60000, batch, seed=epoch) for both",
           "note_memory": "peak RSS of each worker process: imports, the 60,000 + labels "
                          "training images, one full-batch warm-up pass, the epochs",
           "ok_memory": rows["ours"]["peak_rss_mb"] < TARGETS["epoch_peak_rss_mb_max"]}
    if with_torch:
        out["ours_over_pytorch"] = round(rows["ours"]["median_seconds"]
                                         / rows["pytorch"]["median_seconds"], 3)
    return out


# ---------------------------------------------------------------- main

def machine_info():
    import threadpoolctl

    info = {"python": platform.python_version(), "numpy": np.__version__,
            "cpus": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
            "blas": [{k: lib.get(k) for k in ("internal_api", "version", "architecture")}
                     for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"],
            "load_average_start": [round(v, 2) for v in os.getloadavg()]}
    for module in ("torch", "keras", "jax"):
        if have(module):
            from importlib.metadata import version
            info[module] = version(module)
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=["step", "scaling", "epoch"])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    chosen = args.only or ["step", "scaling", "epoch"]
    results = {"machine": machine_info(), "targets": TARGETS}
    quick = {"step": {"rounds": 2, "steps": 2}, "scaling": {"rounds": 1, "batches": (16, 128)},
             "epoch": {"epochs": 1}}
    for name in chosen:
        kwargs = dict(quick[name]) if args.quick else {}
        if name == "epoch" and "step" in results:
            rows = results["step"]["contenders"]
            kwargs["threads"] = {"ours": rows["ours"]["best_threads"],
                                 **({"pytorch": rows["pytorch"]["best_threads"]}
                                    if "pytorch" in rows else {})}
        print(f"[bench_speed] {name} ...", flush=True)
        start = time.perf_counter()
        results[name] = {"load_average_start": [round(v, 2) for v in os.getloadavg()],
                         **{"step": bench_step, "scaling": bench_scaling,
                            "epoch": bench_epoch}[name](**kwargs)}
        results[name]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
        results[name]["bench_seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps(results[name], indent=1), flush=True)
    results["machine"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    results["quick"] = args.quick
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and args.only:                         # keep the sections not rerun
        previous = json.loads(out.read_text())
        previous.update(results)
        results = previous
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"[bench_speed] wrote {out}")
    failed = [n for n in chosen if any(k.startswith("ok") and v is False
                                      for k, v in results[n].items())]
    if failed:
        print(f"[bench_speed] targets missed in: {', '.join(failed)}")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
