"""MNIST loaders (work in progress: only source="bundled" so far).

Returns arrays shaped like ``keras.datasets.mnist.load_data()``:
``((x_train, y_train), (x_test, y_test))`` with uint8 images ``(N, 28, 28)``
and uint8 labels ``(N,)``.

The bundled set is the real MNIST test set (10,000 images) in ``data/``:
held out = rows 0, 5, 10, ... (index % 5 == 0, 2,000 images),
training = every other row (8,000 images), both in their original order.
"""

import gzip
import struct
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

_IDX_DTYPES = {0x08: np.dtype(np.uint8)}


def read_idx(path):
    """Read an IDX file (gzip or plain) into an ndarray (only uint8 data, code 0x08)."""
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unsupported IDX data type code 0x{code:02x}")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = _IDX_DTYPES[code]
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    return np.frombuffer(raw, dtype, count, offset).reshape(dims).copy()


def _bundled_split():
    x = read_idx(DATA_DIR / "t10k-images-idx3-ubyte.gz")
    y = read_idx(DATA_DIR / "t10k-labels-idx1-ubyte.gz")
    held_out = np.arange(len(y)) % 5 == 0
    return (x[~held_out], y[~held_out]), (x[held_out], y[held_out])


def load_mnist(source="auto"):
    """MNIST as ((x_train, y_train), (x_test, y_test)); only "bundled" works yet."""
    if source not in ("auto", "bundled"):
        raise ValueError(f"source must be 'bundled' for now, got {source!r}")
    return _bundled_split()


def load_mnist_train_labels():
    """The 60,000 real MNIST training labels, uint8 (60000,)."""
    return read_idx(DATA_DIR / "train-labels-idx1-ubyte.gz")
