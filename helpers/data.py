"""MNIST and Fashion-MNIST loaders that work offline, with verified checksums.

Every loader returns what ``keras.datasets.<name>.load_data()`` returns::

    (x_train, y_train), (x_test, y_test) = load_mnist()

    x_*: uint8 (N, 28, 28), pixels 0..255
    y_*: uint8 (N,), class labels 0..9

No TensorFlow or Keras import is needed: IDX files are parsed by :func:`read_idx`
and Keras' ``mnist.npz`` is read with ``np.load(..., allow_pickle=False)``.

Sources
-------
MNIST, ``load_mnist(source=...)``:

``"bundled"``
    The real MNIST *test* set (10,000 images, shipped as IDX gzip package data in
    ``helpers/datasets/``, so a non-editable install carries them),
    split in two so that both writer populations (the first 5,000 test images
    are the cleaner ones) appear in both parts:

    * held out ("x_test")  = rows 0, 5, 10, ..., 9995 (row % 5 == 0): 2,000 images
    * training ("x_train") = all other rows: 8,000 images

    both in their original order (see :func:`bundled_split_rows`).
``"full"``
    The full MNIST (60,000 train / 10,000 test) from Keras' cache file
    ``$KERAS_HOME/datasets/mnist.npz`` (default ``~/.keras/datasets/mnist.npz``),
    checked against Keras' published SHA-256. When absent it is downloaded once
    from Keras' origin into that cache (progress bar, temp file, hash check,
    atomic rename).
``"auto"`` (default)
    ``"full"`` when it can be had (cached or downloadable), else ``"bundled"``;
    prints one line saying which it used and, on fallback, why.

Fashion-MNIST, ``load_fashion_mnist(source=...)``: ``"keras"`` (Keras' cache
directory, downloading missing files), ``"debian"`` (the files installed by
``apt-get install dataset-fashion-mnist``), ``"auto"`` (Keras' cache if
complete, else Debian's copy, else download; prints which it used).

The line a loader prints is what a notebook stores, so it names places without
this machine's absolute paths (``~/.keras/datasets/mnist.npz``, ``$KERAS_HOME/...``,
"Debian's dataset-fashion-mnist package") and says why a download failed in a few
words ("no network connection"); the exceptions keep the full paths and error text.

Which source was used, programmatically: pass ``return_source=True`` and get
``(data, source)``, ``source`` being the concrete name ("full"/"bundled", or
"keras"/"debian").

Environment variables (read at every call)
------------------------------------------
``CNN_COURSE_DATA``
    ``bundled``, ``full`` or ``auto``: replaces ``source="auto"`` in
    :func:`load_mnist` (an explicit ``source=`` argument always wins). CI sets
    ``bundled`` so that notebooks see the same data on every machine.
``CNN_COURSE_OFFLINE``
    ``1`` forbids every download: "auto" then uses local files only, and an
    explicit download-needing source raises :class:`DataUnavailableError`.
``KERAS_HOME``
    Keras' home directory (default ``~/.keras``); datasets live in its
    ``datasets/`` subdirectory, like Keras does it.

Errors
------
A file whose checksum does not match raises :class:`ChecksumError` naming the
path, the expected and the actual hash; the file is left untouched (never
deleted, never overwritten). A malformed IDX file raises
:class:`IdxFormatError` naming the path. No source available raises
:class:`DataUnavailableError` saying what to do. Downloads use a 10 s timeout,
so being offline fails fast instead of hanging.
"""

import gzip
import hashlib
import math
import os
import re
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "read_idx",
    "load_mnist",
    "load_mnist_train_labels",
    "load_fashion_mnist",
    "bundled_split_rows",
    "keras_datasets_dir",
    "FASHION_MNIST_CLASSES",
    "MNIST_SOURCES",
    "FASHION_MNIST_SOURCES",
    "DataError",
    "ChecksumError",
    "IdxFormatError",
    "DataUnavailableError",
]

# Bundled files live inside the package (package data), so `pip install .` ships them too.
DATA_DIR = Path(__file__).resolve().parent / "datasets"
ENV_SOURCE = "CNN_COURSE_DATA"
ENV_OFFLINE = "CNN_COURSE_OFFLINE"
DOWNLOAD_TIMEOUT = 10.0  # seconds, for the connection and for each read
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

MNIST_SOURCES = ("auto", "bundled", "full")
FASHION_MNIST_SOURCES = ("auto", "keras", "debian")

# --- bundled MNIST (helpers/datasets/) ----------------------------------------
# sha256 of the *decompressed* IDX bytes (the .gz wrapper may differ between copies).
BUNDLED_SHA256 = {
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
}
BUNDLED_HELD_OUT_STEP = 5  # held out = rows whose index is a multiple of 5

# --- full MNIST (Keras' mnist.npz) ------------------------------------------
MNIST_NPZ_NAME = "mnist.npz"
MNIST_NPZ_URL = KERAS_ORIGIN + MNIST_NPZ_NAME
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_NPZ_SIZE = 11_490_434

# --- Fashion-MNIST ------------------------------------------------------------
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
FASHION_MNIST_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_SUBDIR = "fashion-mnist"  # under $KERAS_HOME/datasets, as Keras does
FASHION_MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
# sha256 of the decompressed IDX bytes (the same for Zalando's, Keras' and Debian's
# copies, whose gzip headers differ). Computed from Debian's dataset-fashion-mnist
# 0.0~git20200523.55506a9-1, whose deflate streams were shown byte-identical to
# Zalando's files with the published MD5s (helpers/datasets/README.md, tests/test_data.py).
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


class DataError(Exception):
    """Base class of the errors raised by this module."""


class ChecksumError(DataError, ValueError):
    """A file's SHA-256 differs from the published one (the file is left as it is)."""

    def __init__(self, path, expected, actual, what="file"):
        self.path, self.expected, self.actual = Path(path), expected, actual
        super().__init__(
            f"{path}: SHA-256 mismatch ({what}): expected {expected}, got {actual}. "
            "The file is corrupt, incomplete or a different version; it was left "
            "untouched. Move it away (the loader then downloads a fresh copy) or "
            "use source='bundled'."
        )


class IdxFormatError(DataError, ValueError):
    """A file is not a valid IDX file (bad magic number, truncated, bad gzip)."""


class DataUnavailableError(DataError, OSError):
    """The requested data is neither on this machine nor downloadable.

    Attributes: ``where`` (the path that was looked for) and ``reason`` (why it
    could not be downloaded, in full: the network error, the path), besides the full
    message; ``brief``: the same in a few words without this machine's paths or
    error text (what a notebook prints, e.g. "could not be downloaded (no network
    connection)").
    """

    def __init__(self, message, where=None, reason=None, brief=None):
        super().__init__(message)
        self.where, self.reason = where, reason
        self.brief = brief or "is not available"

    def __str__(self):
        return self.args[0]


# =============================================================================
# IDX parsing
# =============================================================================

# IDX type code -> big-endian dtype (LeCun's format description).
_IDX_DTYPES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


def _read_exact(f, n, path, what):
    """Read exactly n bytes (gzip streams may return short reads)."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = f.readinto(view[got:])
        if not k:
            raise IdxFormatError(
                f"{path}: truncated IDX file: {what} needs {n} bytes, only {got} present"
            )
        got += k
    return buf


def read_idx(path, sha256=None):
    """Read an IDX file (plain or gzip-compressed) into a NumPy array.

    Layout (all integers big-endian)::

        bytes 0-1   0x00 0x00            magic
        byte  2     type code            0x08 = uint8 (also 0x09 int8, 0x0B int16,
                                         0x0C int32, 0x0D float32, 0x0E float64)
        byte  3     ndim
        4*ndim      dims, uint32 each    e.g. (10000, 28, 28)
        rest        prod(dims) values, C order

    path: the file; gzip is detected from its first two bytes (1f 8b), not its name.
    sha256: optional expected SHA-256 (hex) of the *decompressed* bytes; a mismatch
        raises ChecksumError.
    Returns a writable array of shape dims in native byte order (uint8 stays uint8).
    Raises IdxFormatError naming the path for a bad magic number, an unknown type
    code, a truncated file, trailing bytes or a corrupt gzip stream. A header that
    claims more data than the file can hold is refused before anything is allocated.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (a str or pathlib.Path), got "
                        f"{type(path).__name__} {path!r}"[:200])
    if sha256 is not None and not (isinstance(sha256, str)
                                   and re.fullmatch(r"[0-9a-fA-F]{64}", sha256)):
        raise ValueError(f"sha256 must be None or a SHA-256 of 64 hexadecimal digits, "
                         f"got {sha256!r}"[:200])
    path = Path(path)
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if is_gzip else open
    digest = hashlib.sha256()
    try:
        with opener(path, "rb") as f:
            head = _read_exact(f, 4, path, "the header")
            if head[0] != 0 or head[1] != 0:
                raise IdxFormatError(
                    f"{path}: not an IDX file: magic bytes {bytes(head).hex()} "
                    "(an IDX file starts with 00 00 <type> <ndim>)"
                )
            code, ndim = head[2], head[3]
            if code not in _IDX_DTYPES:
                known = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
                raise IdxFormatError(
                    f"{path}: unknown IDX type code 0x{code:02X} (known: {known})"
                )
            dims_raw = _read_exact(f, 4 * ndim, path, f"the {ndim} dimensions")
            dims = tuple(int(d) for d in np.frombuffer(dims_raw, ">u4"))
            dtype = _IDX_DTYPES[code]
            nbytes = math.prod(dims) * dtype.itemsize      # Python ints: no overflow
            _check_claimed_size(path, is_gzip, 4 + 4 * ndim, nbytes, dims)
            body = _read_exact(f, nbytes, path, f"the data of shape {dims}")
            # Reading past the end also makes gzip check its CRC and length.
            extra = f.read(1)
            if extra:
                raise IdxFormatError(
                    f"{path}: trailing bytes after the data of shape {dims}"
                )
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise IdxFormatError(f"{path}: corrupt or truncated gzip stream ({err})") from err
    if sha256 is not None:
        for part in (head, dims_raw, body):
            digest.update(part)
        _check_hash(path, sha256, digest.hexdigest(), "decompressed IDX bytes")
    array = np.frombuffer(body, dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=False)


# A deflate stream cannot expand by more than 1032:1 (RFC 1951: a 258-byte match costs at
# least 2 bits), so this bounds what a gzip file of a given size can hold.
_DEFLATE_MAX_RATIO = 1032


def _check_claimed_size(path, is_gzip, header_bytes, nbytes, dims):
    """Refuse a header whose data cannot fit in the file, before allocating it."""
    size = os.path.getsize(path)
    if is_gzip:
        available = size * _DEFLATE_MAX_RATIO - header_bytes
        if nbytes > available:
            raise IdxFormatError(
                f"{path}: truncated IDX file: the data of shape {dims} needs {nbytes:,} bytes, "
                f"but a gzip file of {size:,} bytes holds at most {max(available, 0):,}")
    elif nbytes > size - header_bytes:
        raise IdxFormatError(
            f"{path}: truncated IDX file: the data of shape {dims} needs {nbytes:,} bytes, "
            f"only {max(size - header_bytes, 0):,} present")


# =============================================================================
# Hashes, paths, downloads
# =============================================================================

def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_hash(path, expected, actual, what="file"):
    if actual != expected:
        raise ChecksumError(path, expected, actual, what)


def _offline():
    return os.environ.get(ENV_OFFLINE, "").strip().lower() not in ("", "0", "false", "no")


def _keras_home():
    return Path(os.path.expanduser(os.environ.get("KERAS_HOME") or "~/.keras"))


def _keras_fallback_home():
    # Keras' get_file uses /tmp/.keras when its home directory is not writable.
    return Path("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()) / ".keras"


def keras_datasets_dir():
    """Where Keras keeps datasets: ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``).

    Like Keras, falls back to ``/tmp/.keras/datasets`` when the home directory is
    not writable. Unlike Keras, a missing home directory counts as usable (Keras
    creates ``~/.keras`` when imported), so a download lands where Keras looks.
    Returns a Path; creates nothing (downloads create it once connected).
    """
    home = _keras_home()
    if not home.exists() or os.access(home, os.W_OK):
        return home / "datasets"
    return _keras_fallback_home() / "datasets"


def _keras_candidates(relative):
    """Paths where Keras may hold ``relative`` (read-only lookup, creates nothing)."""
    home = _keras_home()
    paths = [home / "datasets" / relative]
    if not os.access(home, os.W_OK):
        paths.append(_keras_fallback_home() / "datasets" / relative)
    return paths


def _download(url, dest, verify):
    """Download url to dest: temp file in dest's directory, verify(temp), atomic rename.

    verify(path) raises (e.g. ChecksumError) when the download is wrong; the temp
    file is then removed. An existing dest is never overwritten. Network errors
    propagate (urllib.error.URLError, TimeoutError, OSError).
    """
    from ._progress import Progress  # tqdm, only needed here; keeps the module NumPy-only

    dest = Path(dest)
    # Connect first: when offline, nothing is created on disk.
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part",
                                   dir=dest.parent)
        tmp = Path(tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                with Progress(total, dest.name, unit="B", unit_scale=True) as bar:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        out.write(block)
                        bar.update(len(block))
            verify(tmp)
            try:
                os.link(tmp, dest)  # fails if dest appeared meanwhile: never overwrite
            except FileExistsError:
                pass
            except OSError:  # filesystem without hard links
                if not dest.exists():
                    os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
    return dest


def _download_reason(err):
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        return f"network unreachable ({err.reason})"
    return f"{type(err).__name__}: {err}"


def _brief_reason(err):
    """Why a download failed, in words a notebook may print and store: no path of this
    machine, no operating-system error text (those stay in the exception's message)."""
    if isinstance(err, ChecksumError):
        return "the download failed its SHA-256 check"
    if isinstance(err, DataError):
        return "the download is not a valid data file"
    if isinstance(err, urllib.error.HTTPError):
        return f"the server answered HTTP {err.code}"
    if isinstance(err, TimeoutError) or (isinstance(err, urllib.error.URLError)
                                         and isinstance(err.reason, TimeoutError)):
        return "the connection timed out"
    if isinstance(err, urllib.error.URLError):
        return "no network connection"
    return f"the download failed ({type(err).__name__})"


def _offline_reason():
    return f"downloads are disabled ({ENV_OFFLINE}={os.environ.get(ENV_OFFLINE)})"


def _shown(path):
    """``path`` as the notebooks print it, never as this machine's absolute path:
    Debian's package by name, else relative to ``$KERAS_HOME`` (when set) or ``~``,
    else the temporary folder as ``<temp>``, else the file's name alone."""
    path = Path(path)
    candidates = [(FASHION_MNIST_DEBIAN_DIR, "Debian's dataset-fashion-mnist package")]
    if os.environ.get("KERAS_HOME"):
        candidates.append((_keras_home(), "$KERAS_HOME"))
    candidates += [(Path.home(), "~"), (Path(tempfile.gettempdir()), "<temp>")]
    for base, name in candidates:
        try:
            relative = path.relative_to(base)
        except ValueError:
            continue
        if name.startswith("Debian"):
            return name
        return f"{name}/{relative.as_posix()}" if str(relative) != "." else name
    return path.name

# =============================================================================
# MNIST
# =============================================================================

def bundled_split_rows():
    """Row indices of the bundled split, into the 10,000-image MNIST test set.

    Returns (train_rows, held_out_rows): int64 arrays of shapes (8000,) and (2000,);
    held_out_rows = 0, 5, 10, ..., 9995 (row % 5 == 0), train_rows = the others,
    both ascending.
    """
    rows = np.arange(10_000)
    held_out = rows % BUNDLED_HELD_OUT_STEP == 0
    return rows[~held_out], rows[held_out]


def _load_bundled():
    x = read_idx(DATA_DIR / "t10k-images-idx3-ubyte.gz",
                 BUNDLED_SHA256["t10k-images-idx3-ubyte.gz"])
    y = read_idx(DATA_DIR / "t10k-labels-idx1-ubyte.gz",
                 BUNDLED_SHA256["t10k-labels-idx1-ubyte.gz"])
    train_rows, held_out_rows = bundled_split_rows()
    return (x[train_rows], y[train_rows]), (x[held_out_rows], y[held_out_rows])


def load_mnist_train_labels():
    """The 60,000 real MNIST *training* labels (shipped in helpers/datasets/; no images).

    Returns uint8 (60000,), values 0..9, in MNIST's original order, e.g. to count
    the classes of the first 200 training images.
    """
    name = "train-labels-idx1-ubyte.gz"
    return read_idx(DATA_DIR / name, BUNDLED_SHA256[name])


def _read_mnist_npz(path):
    _check_hash(path, MNIST_NPZ_SHA256, _sha256_file(path))
    with np.load(path, allow_pickle=False) as f:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(f.files)
        if missing:
            raise DataError(f"{path}: missing arrays {sorted(missing)}")
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    for part in ("train", "test"):
        x, y = arrays["x_" + part], arrays["y_" + part]
        if x.dtype != np.uint8 or x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(
                f"{path}: expected x_{part} uint8 (N, 28, 28) and y_{part} (N,), got "
                f"{x.dtype} {x.shape} and {y.dtype} {y.shape}"
            )
    return ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))


def _cached_mnist_npz():
    for path in _keras_candidates(MNIST_NPZ_NAME):
        if path.is_file():
            return path
    return None


def _load_full():
    """Full MNIST from Keras' cache, downloading it there if needed."""
    path = _cached_mnist_npz()
    if path is not None:
        return _read_mnist_npz(path)
    where = keras_datasets_dir() / MNIST_NPZ_NAME
    if _offline():
        reason = _offline_reason()
        raise DataUnavailableError(
            f"full MNIST is not cached at {where} and {reason}; use source='bundled'",
            where, reason, brief=reason)
    try:
        _download(MNIST_NPZ_URL, where,
                  lambda tmp: _check_hash(tmp, MNIST_NPZ_SHA256, _sha256_file(tmp),
                                          f"download of {MNIST_NPZ_URL}"))
    except (OSError, ChecksumError) as err:
        reason = _download_reason(err)
        raise DataUnavailableError(
            f"full MNIST is not cached at {where} and could not be downloaded from "
            f"{MNIST_NPZ_URL}: {reason}. Go online once (the file is "
            f"{MNIST_NPZ_SIZE:,} bytes), or use source='bundled'.",
            where, reason, brief=f"could not be downloaded ({_brief_reason(err)})") from err
    return _read_mnist_npz(where)


_BUNDLED_LINE = "MNIST: using the bundled 10,000-image set (8,000 train / 2,000 held out)"


def _check_source(source, valid, argument="source"):
    if not isinstance(source, str) or source not in valid:
        raise ValueError(
            f"{argument} must be one of {', '.join(repr(v) for v in valid)}, got {source!r}"
        )


def load_mnist(source="auto", *, return_source=False):
    """MNIST as ``((x_train, y_train), (x_test, y_test))``, like Keras' ``load_data()``.

    source: "auto" (default), "bundled" or "full" (see the module docstring).
        "bundled": x_train uint8 (8000, 28, 28), y_train uint8 (8000,),
                   x_test uint8 (2000, 28, 28), y_test uint8 (2000,);
                   from the real MNIST test set: x_test = rows with row % 5 == 0,
                   x_train = the other rows, both in the original order.
        "full":    x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28),
                   y_test (10000,), all uint8, from Keras' cached mnist.npz
                   (downloaded into the cache if absent).
        "auto":    "full" when cached or downloadable, else "bundled"; prints one
                   line saying which. The environment variable CNN_COURSE_DATA
                   (bundled/full/auto) replaces "auto".
    return_source: if True, return ``(data, used)`` with used = "bundled" or "full".

    Raises ValueError for an unknown source, ChecksumError (naming the path, the
    expected and the actual SHA-256) for a corrupt cache file, which is never
    deleted, DataUnavailableError when "full" can be neither read nor downloaded.
    """
    _check_source(source, MNIST_SOURCES)
    if not isinstance(return_source, bool):
        raise TypeError(f"return_source must be True or False, got {return_source!r}")
    chosen = source
    forced = ""
    if source == "auto" and os.environ.get(ENV_SOURCE):
        chosen = os.environ[ENV_SOURCE].strip().lower()
        _check_source(chosen, MNIST_SOURCES, f"environment variable {ENV_SOURCE}")
        forced = f" ({ENV_SOURCE}={chosen})" if chosen != "auto" else ""

    if chosen == "bundled":
        data, used = _load_bundled(), "bundled"
        if source == "auto":
            print(_BUNDLED_LINE + forced)
    elif chosen == "full":
        data, used = _load_full(), "full"
        if source == "auto":
            print(f"MNIST: using full MNIST (60,000 train / 10,000 test){forced}")
    else:
        try:
            data, used = _load_full(), "full"
            print(f"MNIST: using full MNIST (60,000 train / 10,000 test) from "
                  f"{_shown(_cached_mnist_npz())}")
        except DataUnavailableError as err:
            data, used = _load_bundled(), "bundled"
            # what the notebook stores: no path of this machine, no network error text
            # (err.reason and str(err) have them)
            print(f"{_BUNDLED_LINE}; full MNIST is not in Keras' cache ({_shown(err.where)}) "
                  f"and {err.brief}")
    return (data, used) if return_source else data


# =============================================================================
# Fashion-MNIST
# =============================================================================

def _read_fashion_dir(directory):
    arrays = {}
    for name in FASHION_MNIST_FILES:
        arrays[name] = read_idx(Path(directory) / name, FASHION_MNIST_SHA256[name])
    return ((arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]),
            (arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"]))


def _complete(directory):
    return all((Path(directory) / name).is_file() for name in FASHION_MNIST_FILES)


def _fashion_keras_dir():
    """The Keras cache directory holding all four files, or None."""
    for path in _keras_candidates(FASHION_MNIST_SUBDIR):
        if _complete(path):
            return path
    return None


def _download_fashion():
    directory = keras_datasets_dir() / FASHION_MNIST_SUBDIR
    for name in FASHION_MNIST_FILES:
        if not (directory / name).is_file():
            _download(KERAS_ORIGIN + name, directory / name,
                      lambda tmp, name=name: read_idx(tmp, FASHION_MNIST_SHA256[name]))
    return directory


def _fashion_unavailable(reason, brief=None):
    where = keras_datasets_dir() / FASHION_MNIST_SUBDIR
    return DataUnavailableError(
        f"Fashion-MNIST is not on this machine (looked in {where} and "
        f"{FASHION_MNIST_DEBIAN_DIR}) and {reason}. Install it offline with "
        "`sudo apt-get install dataset-fashion-mnist`, or go online once.",
        where, reason, brief=brief or reason)


def _fashion_loaded(data):
    """The line "auto" prints: what was loaded, not from which folder."""
    (x_train, _), (x_test, _) = data
    return (f"Fashion-MNIST: {len(x_train):,} training and {len(x_test):,} test images, "
            f"checked against their published SHA-256 sums")


def load_fashion_mnist(source="auto", *, return_source=False):
    """Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))``, like Keras.

    Shapes: x_train uint8 (60000, 28, 28), y_train uint8 (60000,),
    x_test uint8 (10000, 28, 28), y_test uint8 (10000,); label k names
    FASHION_MNIST_CLASSES[k].

    source: "keras": Keras' cache ``$KERAS_HOME/datasets/fashion-mnist/`` (the
                four ``*-idx*-ubyte.gz`` files), missing files downloaded there;
            "debian": ``/usr/share/datasets/fashion-mnist/`` from
                ``apt-get install dataset-fashion-mnist``;
            "auto" (default): Keras' cache if complete, else Debian's copy, else
                download into Keras' cache; prints one line, the same whichever copy
                was used (they hold the same checksummed files, and a notebook's stored
                output must not depend on the machine): return_source tells which.
    return_source: if True, return ``(data, used)`` with used = "keras" or "debian".

    Every file is checked against the SHA-256 of its decompressed bytes
    (FASHION_MNIST_SHA256); a mismatch raises ChecksumError naming the path and
    leaves the file untouched. Nothing available raises DataUnavailableError.
    """
    _check_source(source, FASHION_MNIST_SOURCES)
    if not isinstance(return_source, bool):
        raise TypeError(f"return_source must be True or False, got {return_source!r}")
    if source == "debian":
        if not _complete(FASHION_MNIST_DEBIAN_DIR):
            raise DataUnavailableError(
                f"Fashion-MNIST is not installed in {FASHION_MNIST_DEBIAN_DIR}: "
                "run `sudo apt-get install dataset-fashion-mnist`"
            )
        data, used = _read_fashion_dir(FASHION_MNIST_DEBIAN_DIR), "debian"
        return (data, used) if return_source else data

    directory = _fashion_keras_dir()
    if directory is None and source == "auto" and _complete(FASHION_MNIST_DEBIAN_DIR):
        data = _read_fashion_dir(FASHION_MNIST_DEBIAN_DIR)
        print(_fashion_loaded(data))
        return (data, "debian") if return_source else data
    if directory is None:
        if _offline():
            raise _fashion_unavailable(_offline_reason())
        try:
            directory = _download_fashion()
        except (OSError, DataError) as err:
            raise _fashion_unavailable(
                f"could not be downloaded from {KERAS_ORIGIN}: {_download_reason(err)}",
                brief=f"could not be downloaded ({_brief_reason(err)})") from err
    data = _read_fashion_dir(directory)
    if source == "auto":
        print(_fashion_loaded(data))
    return (data, "keras") if return_source else data
