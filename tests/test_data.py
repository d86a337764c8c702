"""helpers.data: bundled MNIST facts, the IDX parser, cache/download/fallback logic.

Never touches the network or the user's ~/.keras: the keras_home fixture points
KERAS_HOME into tmp_path and `offline` (or a fake urlopen) replaces the network.
"""

import gzip
import hashlib
import io
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from helpers.data import (
    ChecksumError,
    DataUnavailableError,
    IdxFormatError,
    load_fashion_mnist,
    load_mnist,
    load_mnist_train_labels,
    read_idx,
)

TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ----------------------------------------------------------------------------- helpers

def idx_bytes(array, code=0x08):
    """Serialize an array as IDX (big-endian dims and values)."""
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    array = np.asarray(array)
    head = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.astype(dtype).tobytes()


def write_gz(path, payload):
    path.write_bytes(gzip.compress(payload))
    return path


def tiny_mnist_npz(path, n_train=6, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    np.savez(path, **arrays)
    return arrays


class FakeResponse(io.BytesIO):
    def __init__(self, payload):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


def serve(monkeypatch, files):
    """Fake urlopen serving {url basename: bytes}; returns the list of requested URLs."""
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append(url)
        assert timeout is not None and timeout <= 30, "downloads must use a short timeout"
        return FakeResponse(files[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    return calls


def sha256(payload):
    return hashlib.sha256(payload).hexdigest()


def leftovers(directory):
    return sorted(p.name for p in Path(directory).rglob("*.part"))


# ----------------------------------------------------------------------------- bundled MNIST

@pytest.fixture(scope="module")
def bundled():
    return data._load_bundled()


@pytest.fixture(scope="module")
def raw_test_set():
    x = read_idx(data.DATA_DIR / "t10k-images-idx3-ubyte.gz")
    y = read_idx(data.DATA_DIR / "t10k-labels-idx1-ubyte.gz")
    return x, y


def test_bundled_shapes_and_dtypes(bundled):
    (x_train, y_train), (x_test, y_test) = bundled
    assert x_train.shape == (8000, 28, 28) and y_train.shape == (8000,)
    assert x_test.shape == (2000, 28, 28) and y_test.shape == (2000,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    assert y_train.max() == 9 and y_test.min() == 0


def test_bundled_split_rows_are_the_documented_ones(bundled, raw_test_set):
    x, y = raw_test_set
    (x_train, y_train), (x_test, y_test) = bundled
    train_rows, held_rows = data.bundled_split_rows()
    np.testing.assert_array_equal(held_rows, np.arange(0, 10_000, 5))
    assert len(train_rows) == 8000 and np.all(train_rows % 5 != 0)
    assert np.all(np.diff(train_rows) > 0)
    np.testing.assert_array_equal(x_test, x[::5])
    np.testing.assert_array_equal(y_test, y[::5])
    keep = np.arange(10_000) % 5 != 0
    np.testing.assert_array_equal(x_train, x[keep])
    np.testing.assert_array_equal(y_train, y[keep])
    # both writer populations (first 5,000 / last 5,000) are equally represented
    assert np.sum(held_rows < 5000) == np.sum(held_rows >= 5000) == 1000
    assert np.sum(train_rows < 5000) == np.sum(train_rows >= 5000) == 4000


def test_bundled_class_counts_and_mean_pixel(bundled, raw_test_set):
    x, y = raw_test_set
    assert x.shape == (10_000, 28, 28) and y.shape == (10_000,)
    assert np.bincount(y, minlength=10).tolist() == TEST_LABEL_COUNTS
    (_, y_train), (_, y_test) = bundled
    together = np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10)
    assert together.tolist() == TEST_LABEL_COUNTS
    assert round(float(x.mean()), 2) == 33.79


def test_first_200_training_labels():
    labels = load_mnist_train_labels()
    assert labels.shape == (60_000,) and labels.dtype == np.uint8
    first = labels[:200]
    assert dict(Counter(first.tolist())) == {
        1: 26, 9: 23, 0: 21, 3: 21, 4: 21, 7: 21, 2: 20, 6: 19, 8: 15, 5: 13}
    assert int(np.sum(first <= 4)) == 109


def test_bundled_files_match_published_hashes():
    for name, expected in data.BUNDLED_SHA256.items():
        payload = gzip.decompress((data.DATA_DIR / name).read_bytes())
        assert sha256(payload) == expected, name


def test_explicit_bundled_is_silent_and_reports_its_source(capsys, keras_home):
    out, used = load_mnist("bundled", return_source=True)
    assert used == "bundled" and out[0][0].shape == (8000, 28, 28)
    assert capsys.readouterr().out == ""


def test_arrays_are_writable(bundled):
    (x_train, _), _ = bundled
    assert x_train.flags.writeable


# ----------------------------------------------------------------------------- read_idx

@pytest.mark.parametrize("name, shape", [
    ("t10k-images-idx3-ubyte.gz", (10_000, 28, 28)),
    ("t10k-labels-idx1-ubyte.gz", (10_000,)),
    ("train-labels-idx1-ubyte.gz", (60_000,)),
])
def test_read_idx_bundled_files(name, shape):
    array = read_idx(data.DATA_DIR / name, sha256=data.BUNDLED_SHA256[name])
    assert array.shape == shape and array.dtype == np.uint8


def test_read_idx_plain_file_equals_gzip(tmp_path, raw_test_set):
    _, y = raw_test_set
    plain = tmp_path / "labels-no-gz-suffix.gz"  # gzip is detected by content, not name
    plain.write_bytes(gzip.decompress((data.DATA_DIR / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    np.testing.assert_array_equal(read_idx(plain), y)


@pytest.mark.parametrize("code, values", [
    (0x08, np.arange(12).reshape(3, 4)),
    (0x09, np.arange(-6, 6).reshape(2, 6)),
    (0x0B, np.arange(-300, 300, 50).reshape(2, 2, 3)),
    (0x0C, np.array([-70_000, 0, 70_000])),
    (0x0D, np.array([[0.5, -1.25]])),
    (0x0E, np.array([1e-300, 3.0])),
])
def test_read_idx_roundtrip_all_type_codes(tmp_path, code, values):
    path = write_gz(tmp_path / "a.gz", idx_bytes(values, code))
    array = read_idx(path)
    assert array.shape == values.shape
    assert array.dtype.isnative
    np.testing.assert_array_equal(array, values)


def test_read_idx_bad_magic_names_path(tmp_path):
    path = write_gz(tmp_path / "bad-magic.gz", b"\x12\x34\x08\x01" + b"\x00" * 8)
    with pytest.raises(IdxFormatError, match="bad-magic.gz.*magic"):
        read_idx(path)


def test_read_idx_not_even_a_header(tmp_path):
    path = tmp_path / "empty.idx"
    path.write_bytes(b"\x00")
    with pytest.raises(IdxFormatError, match="empty.idx.*truncated"):
        read_idx(path)


def test_read_idx_unknown_type_code(tmp_path):
    path = write_gz(tmp_path / "code.gz", b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00")
    with pytest.raises(IdxFormatError, match="code.gz.*0x07"):
        read_idx(path)


def test_read_idx_truncated_plain_file(tmp_path):
    payload = idx_bytes(np.zeros((5, 28, 28), np.uint8))
    path = tmp_path / "short.idx"
    path.write_bytes(payload[:-100])
    with pytest.raises(IdxFormatError, match=r"short.idx.*truncated.*\(5, 28, 28\)"):
        read_idx(path)


def test_read_idx_truncated_gzip_file(tmp_path):
    full = (data.DATA_DIR / "t10k-labels-idx1-ubyte.gz").read_bytes()
    path = tmp_path / "cut.gz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(IdxFormatError, match="cut.gz"):
        read_idx(path)


def test_read_idx_corrupt_gzip_crc(tmp_path):
    blob = bytearray(gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8))))
    blob[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(blob))
    with pytest.raises(IdxFormatError, match="crc.gz.*corrupt"):
        read_idx(path)


def test_read_idx_trailing_bytes(tmp_path):
    path = write_gz(tmp_path / "long.gz", idx_bytes(np.arange(4, dtype=np.uint8)) + b"\x01")
    with pytest.raises(IdxFormatError, match="long.gz.*trailing"):
        read_idx(path)


def test_read_idx_checksum_mismatch(tmp_path):
    payload = idx_bytes(np.arange(10, dtype=np.uint8))
    path = write_gz(tmp_path / "x.gz", payload)
    assert read_idx(path, sha256=sha256(payload)).tolist() == list(range(10))
    with pytest.raises(ChecksumError, match="x.gz.*expected 0{64}") as info:
        read_idx(path, sha256="0" * 64)
    assert info.value.actual == sha256(payload)


# ----------------------------------------------------------------------------- full / auto MNIST

def test_unknown_source_lists_valid_values():
    with pytest.raises(ValueError, match="'auto', 'bundled', 'full'.*'keras'"):
        load_mnist("keras")
    with pytest.raises(ValueError, match="'auto', 'keras', 'debian'.*'full'"):
        load_fashion_mnist("full")


def test_full_with_wrong_hash_raises_and_keeps_the_file(keras_home, offline):
    cache = keras_home / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    tiny_mnist_npz(cache)
    before = cache.read_bytes()
    for source in ("full", "auto"):  # auto must not hide a corrupt cache either
        with pytest.raises(ChecksumError) as info:
            load_mnist(source)
        message = str(info.value)
        assert str(cache) in message
        assert data.MNIST_NPZ_SHA256 in message
        assert sha256(before) in message
        assert cache.read_bytes() == before
    assert offline == []  # a present file is never re-downloaded


def test_full_reads_a_valid_cache(keras_home, offline, monkeypatch, capsys):
    cache = keras_home / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    arrays = tiny_mnist_npz(cache)
    monkeypatch.setattr(data, "MNIST_NPZ_SHA256", sha256(cache.read_bytes()))
    ((x_train, y_train), (x_test, y_test)), used = load_mnist("full", return_source=True)
    assert used == "full"
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert capsys.readouterr().out == ""
    _, used = load_mnist(return_source=True)
    assert used == "full"
    assert "full MNIST" in capsys.readouterr().out
    assert offline == []


def test_auto_falls_back_to_bundled_and_says_why(keras_home, offline, capsys):
    (x_train, _), (x_test, _) = load_mnist()
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    assert line.startswith("MNIST: using the bundled 10,000-image set (8,000 train / 2,000 held out)")
    # what a notebook stores: where and why in words, without this machine's path or error text
    assert line.endswith("full MNIST is not in Keras' cache ($KERAS_HOME/datasets/mnist.npz) "
                         "and could not be downloaded (no network connection)"), line
    assert str(keras_home) not in line and "simulated offline" not in line
    assert offline == [data.MNIST_NPZ_URL]
    assert list(keras_home.iterdir()) == []  # nothing created when offline
    _, used = load_mnist(return_source=True)
    assert used == "bundled"


def test_full_offline_without_cache_fails_fast_and_clearly(keras_home, offline):
    start = time.perf_counter()
    with pytest.raises(DataUnavailableError) as info:
        load_mnist("full")
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert str(keras_home / "datasets" / "mnist.npz") in message
    assert "simulated offline" in message and "source='bundled'" in message


def test_real_urlopen_is_called_with_a_short_timeout(keras_home, monkeypatch):
    seen = {}

    def spy(url, timeout=None):
        seen["url"], seen["timeout"] = url, timeout
        raise urllib.error.URLError("no route")

    import urllib.error
    monkeypatch.setattr(urllib.request, "urlopen", spy)
    with pytest.raises(DataUnavailableError):
        load_mnist("full")
    assert seen["url"] == data.MNIST_NPZ_URL
    assert 0 < seen["timeout"] <= 10


def test_offline_env_var_skips_the_download(keras_home, offline, monkeypatch, capsys):
    monkeypatch.setenv("CNN_COURSE_OFFLINE", "1")
    _, used = load_mnist(return_source=True)
    assert used == "bundled" and offline == []
    assert "CNN_COURSE_OFFLINE=1" in capsys.readouterr().out
    with pytest.raises(DataUnavailableError, match="CNN_COURSE_OFFLINE"):
        load_mnist("full")
    assert offline == []


def test_source_env_var(keras_home, offline, monkeypatch, capsys):
    monkeypatch.setenv("CNN_COURSE_DATA", "bundled")
    _, used = load_mnist(return_source=True)
    assert used == "bundled" and offline == []
    assert "CNN_COURSE_DATA=bundled" in capsys.readouterr().out
    with pytest.raises(DataUnavailableError):  # an explicit source wins over the variable
        load_mnist("full")
    monkeypatch.setenv("CNN_COURSE_DATA", "everything")
    with pytest.raises(ValueError, match="CNN_COURSE_DATA.*'bundled'"):
        load_mnist()


def test_download_verifies_then_renames(keras_home, monkeypatch, tmp_path):
    blob_path = tmp_path / "served.npz"
    arrays = tiny_mnist_npz(blob_path, seed=1)
    blob = blob_path.read_bytes()
    calls = serve(monkeypatch, {"mnist.npz": blob})
    monkeypatch.setattr(data, "MNIST_NPZ_SHA256", sha256(blob))
    (x_train, _), _ = load_mnist("full")
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    cache = keras_home / "datasets" / "mnist.npz"
    assert cache.read_bytes() == blob and calls == [data.MNIST_NPZ_URL]
    assert leftovers(keras_home) == []
    load_mnist("full")  # now cached: no second download
    assert len(calls) == 1


def test_download_with_wrong_hash_leaves_nothing(keras_home, monkeypatch, tmp_path, capsys):
    tiny_mnist_npz(tmp_path / "served.npz")
    serve(monkeypatch, {"mnist.npz": (tmp_path / "served.npz").read_bytes()})
    with pytest.raises(DataUnavailableError, match="SHA-256 mismatch"):
        load_mnist("full")
    assert not (keras_home / "datasets" / "mnist.npz").exists()
    assert leftovers(keras_home) == []
    _, used = load_mnist(return_source=True)
    assert used == "bundled"
    assert "could not be downloaded (the download failed its SHA-256 check)" in capsys.readouterr().out


def test_download_never_overwrites_an_existing_file(tmp_path, monkeypatch):
    dest = tmp_path / "d" / "file.bin"
    dest.parent.mkdir()
    serve(monkeypatch, {"file.bin": b"new bytes"})

    def verify(tmp):  # the user's file appears while we download
        dest.write_bytes(b"user's bytes")

    data._download("https://example.invalid/file.bin", dest, verify)
    assert dest.read_bytes() == b"user's bytes"
    assert leftovers(tmp_path) == []


def test_module_imports_numpy_only():
    code = ("import sys, helpers.data; "
            "bad = [m for m in ('tqdm', 'keras', 'tensorflow', 'jax', 'matplotlib') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


# ----------------------------------------------------------------------------- Fashion-MNIST

def test_fashion_classes():
    assert len(data.FASHION_MNIST_CLASSES) == 10
    assert data.FASHION_MNIST_CLASSES[0] == "T-shirt/top"
    assert data.FASHION_MNIST_CLASSES[9] == "Ankle boot"


@pytest.fixture
def tiny_fashion(monkeypatch):
    """Tiny valid Fashion-MNIST-shaped files, with FASHION_MNIST_SHA256 patched to match."""
    rng = np.random.default_rng(3)
    payloads = {
        "train-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (6, 28, 28))),
        "train-labels-idx1-ubyte.gz": idx_bytes(rng.integers(0, 10, 6)),
        "t10k-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (4, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(rng.integers(0, 10, 4)),
    }
    monkeypatch.setattr(data, "FASHION_MNIST_SHA256", {k: sha256(v) for k, v in payloads.items()})
    return {k: gzip.compress(v) for k, v in payloads.items()}


def test_fashion_reads_a_valid_keras_cache(keras_home, offline, tiny_fashion, capsys):
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name, blob in tiny_fashion.items():
        (folder / name).write_bytes(blob)
    ((x_train, y_train), (x_test, y_test)), used = load_fashion_mnist(return_source=True)
    assert used == "keras" and offline == []
    assert x_train.shape == (6, 28, 28) and y_train.shape == (6,)
    assert x_test.shape == (4, 28, 28) and y_test.shape == (4,)
    assert capsys.readouterr().out == ("Fashion-MNIST: 6 training and 4 test images, checked "
                                       "against their published SHA-256 sums\n")


def test_fashion_corrupt_cache_file_names_the_path(keras_home, offline, tiny_fashion):
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name, blob in tiny_fashion.items():
        (folder / name).write_bytes(blob)
    bad = folder / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(gzip.compress(idx_bytes(np.zeros(4, np.uint8))))  # valid IDX, wrong content
    before = bad.read_bytes()
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte.gz") as info:
        load_fashion_mnist("keras")
    assert str(bad) in str(info.value)
    assert data.FASHION_MNIST_SHA256["t10k-labels-idx1-ubyte.gz"] in str(info.value)
    assert bad.read_bytes() == before
    bad.write_bytes(b"not gzip, not idx")
    with pytest.raises(IdxFormatError, match=str(bad)):
        load_fashion_mnist("keras")


def test_fashion_download_into_keras_cache(keras_home, monkeypatch, tiny_fashion, tmp_path):
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN_DIR", tmp_path / "no-debian")
    calls = serve(monkeypatch, tiny_fashion)
    _, used = load_fashion_mnist(return_source=True)
    assert used == "keras" and len(calls) == 4
    assert all(url.startswith(data.KERAS_ORIGIN) for url in calls)
    folder = keras_home / "datasets" / "fashion-mnist"
    assert {p.name for p in folder.iterdir()} == set(data.FASHION_MNIST_FILES)
    assert leftovers(keras_home) == []


def test_fashion_nothing_available_says_what_to_do(keras_home, offline, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN_DIR", tmp_path / "no-debian")
    for source in ("auto", "keras", "debian"):
        with pytest.raises(DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
            load_fashion_mnist(source)
    assert list(keras_home.iterdir()) == []


debian = pytest.mark.skipif(
    not all((data.FASHION_MNIST_DEBIAN_DIR / n).is_file() for n in data.FASHION_MNIST_FILES),
    reason=f"Debian's dataset-fashion-mnist is not installed in {data.FASHION_MNIST_DEBIAN_DIR} "
           "(sudo apt-get install dataset-fashion-mnist)",
)

# Zalando's published MD5s of its .gz files, and the gzip header fields Debian's
# packaging rewrote (strip-nondeterminism dropped the file name and clamped the
# timestamp; the compressed stream itself is untouched).
ZALANDO_MD5 = {
    "train-images-idx3-ubyte.gz": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", 1504176606),
    "train-labels-idx1-ubyte.gz": ("25c81989df183df01b3e8a0aad5dffbe", 1504176606),
    "t10k-images-idx3-ubyte.gz": ("bef4ecab320f06d8554ea6380940ec79", 1504176627),
    "t10k-labels-idx1-ubyte.gz": ("bb300cfdad3c16e7a12a480ee83cd310", 1504176627),
}


@debian
@pytest.mark.parametrize("name", data.FASHION_MNIST_FILES)
def test_debian_files_are_zalandos(name):
    blob = (data.FASHION_MNIST_DEBIAN_DIR / name).read_bytes()
    md5, mtime = ZALANDO_MD5[name]
    assert blob[3] == 0, "expected a header without file name"
    original = (b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + blob[8:10]
                + name[:-3].encode() + b"\x00" + blob[10:])
    assert hashlib.md5(original).hexdigest() == md5
    assert sha256(gzip.decompress(blob)) == data.FASHION_MNIST_SHA256[name]


@debian
def test_fashion_uses_debian_copy(keras_home, offline, capsys):
    ((x_train, y_train), (x_test, y_test)), used = load_fashion_mnist(return_source=True)
    assert used == "debian" and offline == []
    assert x_train.shape == (60_000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10_000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    # the same line as from Keras' cache: a stored notebook output must not depend on the copy
    assert capsys.readouterr().out == ("Fashion-MNIST: 60,000 training and 10,000 test images, "
                                       "checked against their published SHA-256 sums\n")


# ----------------------------------------------------------------------------- printed lines

def test_printed_places_never_show_this_machines_paths(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    home = Path.home()
    assert data._shown(home / ".keras" / "datasets" / "mnist.npz") == "~/.keras/datasets/mnist.npz"
    assert data._shown(data.FASHION_MNIST_DEBIAN_DIR) == "Debian's dataset-fashion-mnist package"
    assert data._shown(data.FASHION_MNIST_DEBIAN_DIR / "t10k-labels-idx1-ubyte.gz") == (
        "Debian's dataset-fashion-mnist package")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data._shown(tmp_path / "kh" / "datasets" / "fashion-mnist") == "$KERAS_HOME/datasets/fashion-mnist"
    monkeypatch.delenv("KERAS_HOME")
    assert data._shown(Path(tempfile.gettempdir()) / ".keras" / "datasets") == "<temp>/.keras/datasets"
    assert data._shown("/srv/elsewhere/mnist.npz") == "mnist.npz"


@pytest.mark.parametrize("err, brief", [
    (urllib.error.URLError(OSError(-2, "Name or service not known")), "no network connection"),
    (urllib.error.URLError(TimeoutError("timed out")), "the connection timed out"),
    (TimeoutError("The read operation timed out"), "the connection timed out"),
    (urllib.error.HTTPError("https://x.invalid/f", 404, "Not Found", {}, None), "the server answered HTTP 404"),
    (PermissionError(13, "Permission denied", "/root/.keras/datasets"), "the download failed (PermissionError)"),
])
def test_brief_download_reasons_hold_no_machine_detail(err, brief):
    assert data._brief_reason(err) == brief
    assert "Errno" not in brief and "/" not in brief.replace("HTTP", "")


def test_offline_fashion_error_keeps_full_detail_but_a_brief_reason(keras_home, offline, monkeypatch):
    monkeypatch.setattr(data, "FASHION_MNIST_DEBIAN_DIR", keras_home / "no-debian")
    with pytest.raises(DataUnavailableError) as info:
        load_fashion_mnist()
    assert "simulated offline" in str(info.value) and str(keras_home) in str(info.value)
    assert info.value.brief == "could not be downloaded (no network connection)"
