"""One contender of the speed benchmark, as a worker process driven by bench_speed.py.

Usage: python benchmarks/peers.py KIND [--threads N]
KIND: ours          helpers.train.train_step (the fast path, helpers.fast)
      readable      helpers.train.train_step(..., fast=False): the notebooks' kernels
      torch         the same network in PyTorch (eager, CPU), torch.optim.Adam
      keras-jax     the same network in Keras 3 on JAX, train_on_batch
      keras-torch   the same network in Keras 3 on PyTorch, train_on_batch

Every contender trains the improved CNN: conv 3x3 padding 1, 16 filters -> relu ->
max pool 2 -> conv 3x3 padding 1, 32 filters -> relu -> max pool 2 -> dense 1568 -> 10,
float32, softmax cross-entropy on the logits, Adam (lr 1e-3, eps 1e-7), on uint8
images scaled to [0, 1] per mini-batch.

The worker reads one JSON command per line on stdin and answers one JSON line on
stdout, so that a driver can interleave several workers (A, B, A, B, ...) and every
contender sees the same load:
    {"op": "steps", "batch": B, "threads": T, "steps": K}   (a fixed batch of real images)
        -> {"seconds": [K step times], "cpu_seconds": [K CPU times of the process]}
    {"op": "epoch", "batch": B, "threads": T, "seed": S}   -> {"seconds": s, "steps": n}
        one pass over the 60,000 Fashion-MNIST training images (Debian's copy), in the
        order of helpers.train.minibatches(60000, B, S) for every contender
        ("limit": L stops after L steps, e.g. to load the data and warm up)
    {"op": "images"}       -> {"images": the data set the step batches come from}
    {"op": "memory"}       -> {"rss_mb", "peak_rss_mb"} (VmRSS, VmHWM of this process)
    {"op": "reset_peak"}   -> {} (the peak RSS starts again from the current RSS)
    {"op": "quit"}
Thread settings: ours uses helpers.fast.set_threads(T) with BLAS on one thread per
worker thread; PyTorch torch.set_num_threads(T); XLA's threads are fixed when JAX
starts, so keras-jax takes --threads (1: XLA_FLAGS single-threaded Eigen; 0: XLA's
default, all cores) and ignores T.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ("ours", "readable", "torch", "keras-jax", "keras-torch")


def _status_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory():
    """VmRSS and VmHWM (peak RSS since start or the last reset_peak) in MB."""
    return {"rss_mb": round(_status_mb("VmRSS"), 1), "peak_rss_mb": round(_status_mb("VmHWM"), 1)}


def reset_peak():
    """Linux resets VmHWM to the current RSS when 5 is written to clear_refs."""
    Path("/proc/self/clear_refs").write_text("5")


# ---------------------------------------------------------------- contenders

class Ours:
    """helpers.train.train_step on the improved CNN (fast path unless readable)."""

    def __init__(self, fast=True):
        import numpy as np

        from helpers import fast as fast_module
        from helpers import nets, train
        self.np, self.nets, self.train, self.fast_module = np, nets, train, fast_module
        self.fast = fast
        self.params = nets.init_improved_cnn(seed=0)
        self.optimizer = train.adam(1e-3)
        self.state = self.optimizer.init(self.params)

    def set_threads(self, threads):
        self.fast_module.set_threads(threads)
        if not self.fast:
            from threadpoolctl import threadpool_limits
            threadpool_limits(threads, user_api="blas")

    def step(self, x_u8, y):
        xb = self.nets.prepare_images(x_u8)
        self.params, self.state, _, _ = self.train.train_step(
            self.nets.IMPROVED_CNN, self.params, self.state, self.optimizer, xb, y, fast=self.fast)


class Torch:
    """The same network and loop in PyTorch, eager mode."""

    def __init__(self):
        import numpy as np
        import torch
        self.np, self.torch = np, torch
        nn = torch.nn
        torch.manual_seed(0)
        self.model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, eps=1e-7)
        self.loss = nn.CrossEntropyLoss()

    def set_threads(self, threads):
        self.torch.set_num_threads(threads)

    def step(self, x_u8, y):
        torch = self.torch
        x = torch.from_numpy(x_u8).to(torch.float32).div_(255).unsqueeze(1)   # (B, 1, 28, 28)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.model(x), torch.from_numpy(y.astype(self.np.int64)))
        loss.backward()
        self.optimizer.step()


class KerasModel:
    """The same network in Keras 3 (channels last), train_on_batch."""

    def __init__(self, backend):
        os.environ["KERAS_BACKEND"] = backend
        import keras
        import numpy as np
        self.np, self.backend = np, backend
        layers = keras.layers
        keras.utils.set_random_seed(0)
        self.model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(10)])
        self.model.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-7),
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def set_threads(self, threads):
        if self.backend == "torch":
            import torch
            torch.set_num_threads(threads)

    def step(self, x_u8, y):
        x = (x_u8.astype(self.np.float32) / 255)[..., None]
        self.model.train_on_batch(x, y)


def make(kind, jax_threads=0):
    if kind == "keras-jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        if jax_threads == 1:
            os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                                       + " --xla_cpu_multi_thread_eigen=false"
                                       + " intra_op_parallelism_threads=1").strip()
        return KerasModel("jax")
    if kind == "keras-torch":
        return KerasModel("torch")
    if kind == "torch":
        return Torch()
    return Ours(fast=(kind == "ours"))


# ---------------------------------------------------------------- commands

_DATA = {}


def images():
    """(x uint8 (N, 28, 28), y int64 (N,), name): Fashion-MNIST's training images
    (Debian's copy) when installed, else the bundled MNIST training split. Real images,
    not noise: some kernels (PyTorch's max pool, for one) branch on the data."""
    if "images" not in _DATA:
        from helpers import data
        try:
            (x, y), _ = data.load_fashion_mnist("debian")
            name = "Fashion-MNIST (Debian)"
        except data.DataUnavailableError:
            (x, y), _ = data.load_mnist("bundled")
            name = "MNIST (bundled)"
        _DATA["images"] = (x, y.astype("int64"), name)
    return _DATA["images"]


def batch_data(batch):
    """A fixed batch of `batch` real images and labels (a seeded sample)."""
    import numpy as np
    if batch not in _DATA:
        x, y, _ = images()
        rows = np.random.default_rng(batch).choice(len(x), batch, replace=False)
        _DATA[batch] = (x[rows], y[rows])
    return _DATA[batch]


def fashion():
    if "fashion" not in _DATA:
        from helpers import data
        (x, y), _ = data.load_fashion_mnist("debian")
        _DATA["fashion"] = (x, y.astype("int64"))
    return _DATA["fashion"]


def run_steps(model, batch, threads, steps):
    x, y = batch_data(batch)
    model.set_threads(threads)
    seconds, cpu = [], []
    for _ in range(steps):
        start, start_cpu = time.perf_counter(), time.process_time()
        model.step(x, y)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"seconds": seconds, "cpu_seconds": cpu}


def run_epoch(model, batch, threads, seed, limit=None):
    from helpers.train import minibatches
    x, y = fashion()
    model.set_threads(threads)
    count = 0
    start = time.perf_counter()
    for idx in minibatches(len(x), batch, seed):
        if limit is not None and count >= limit:
            break
        model.step(x[idx], y[idx])
        count += 1
    return {"seconds": time.perf_counter() - start, "steps": count}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--threads", type=int, default=0,
                        help="keras-jax only: 1 = single-threaded XLA, 0 = XLA's default")
    args = parser.parse_args(argv)
    start_mem = memory()
    model = make(args.kind, args.threads)
    print(json.dumps({"ready": args.kind, "import_rss_mb": memory()["rss_mb"],
                      "start_rss_mb": start_mem["rss_mb"]}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        op = command.pop("op")
        if op == "quit":
            break
        if op == "steps":
            answer = run_steps(model, **command)
        elif op == "epoch":
            answer = run_epoch(model, **command)
        elif op == "memory":
            answer = memory()
        elif op == "images":
            answer = {"images": images()[2]}
        elif op == "reset_peak":
            reset_peak()
            answer = {}
        else:
            answer = {"error": f"unknown op {op!r}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
