"""The article's NumPy method, re-implemented in our own code, bugs included.

Notebook 06 uses this module to *measure* what each bug of the article's code
does, against numerical gradients. Nothing here is meant for training: the
course's networks live in ``helpers.nets``.

Two versions of the article's backward pass:

- ``run_published_steps``: the published steps in the published order, with the
  article's shapes, as loops. Run as published it stops: with a NameError (the
  learning rate is never assigned), and once a learning rate is supplied, with an
  IndexError (its filter loop reads slice ``img`` of an (n, n, F) array, ``img``
  being the *image* index, which passes F). Named ``repairs`` make it run.
- ``filter_gradient`` / ``dense_gradient``: the same computation vectorized, every
  bug behind a switch, so that each one can be turned on alone and its effect
  measured alone. With every switch on, ``filter_gradient`` is the published
  filter update *repaired* to run: map i read as slice i of the (n, n, F) array
  (the filter index replaces the image index), with the weights the forward pass
  used. tests/test_errata.py checks it against the repaired ``run_published_steps``.

The article's layout (kept here on purpose, it is part of the story)::

    X  (28, 28, N)   the image stack transposed with ``.T``: X[:, :, k] is image k
                     *transposed* (rows and columns swapped)
    f  (k, k, F)     filters, drawn as (F, k, k) and transposed, so f[:, :, i]
                     is filter i transposed
    patches (N, P, k, k), P = n*n, n = 28 - k + 1: patch p = r*n + c is the
                     window at row r, column c of X[:, :, img]
    z1, a1 (N, F, P) convolution output and its sigmoid, filter-major
    a1f (N, F*P)     flattened: feature d = i*P + p (filter-major)
    wo (F*P, 1)      dense weights, uniform in [0, 1)
    zr (N,)          a1f @ wo; then standardized over the batch:
    z2 (N,)          (zr - mean(zr)) / std(zr)
    o  (N,)          sigmoid(z2)
    E                sum_n (y_n - o_n)^2 / 2  (or the mean)

The switches of the vectorized backward pass (True = as the article does it):

    delta = -(y - o) * o * (1 - o)                        dE/dz2 per image
      ignore_standardization: use delta as dE/dzr (drops the 1/std and the
                              batch-mean terms of the standardization)
    dense gradient = a1f^T delta                          (F*P,), summed over images
    filter gradient:
      g = delta_n * wo                                    dE/da1f per image (N, F*P)
      skip_sigmoid_derivative: forget the factor a1 (1 - a1) (computed, never used)
      mean_before_product:    average g over the images *first*, then correlate
                              that one map with every image (product of means
                              instead of the mean of products)
      layout_bug:             read the filter-major (F*P,) vector as (n, n, F),
                              position-major, as the article's resize does, and
                              take map i as slice [:, :, i] (the repair)
      grad[:, :, i] = mean_img  sum_{r,c} X[r+a, c+b, img] * map[r, c, i]

Two relative errors are used in the course. ``norm_rel_error`` here (one number
for the whole gradient, ||a - b|| / (||a|| + ||b||)) and ``helpers.gradcheck.rel_error``
(the largest entry-by-entry error, used from notebook 05 on). Notebook 06 uses the
first: the article's dense gradient has entries that are exactly 0 (positions where
every image has the same feature), and an entry-by-entry error judges those by
round-off alone.
"""

import numpy as np

from . import _validate as _v
from ._validate import as_array, check_shape, integer_labels
from .layers import sigmoid

__all__ = [
    "BUG_SWITCHES", "stack_transpose", "binarize_in_place", "binarize",
    "init_article", "patches", "forward", "head", "error",
    "dense_gradient", "filter_gradient", "cosine", "norm_rel_error",
    "REPAIRS", "run_published_steps",
]

BUG_SWITCHES = ("ignore_standardization", "skip_sigmoid_derivative",
                "mean_before_product", "layout_bug")


def stack_transpose(x):
    """The article's ``X = x.T`` on an (N, 28, 28) stack: shape (28, 28, N) and every
    image transposed, X[:, :, k] == x[k].T (a view, no copy)."""
    return as_array("x", x, 3, "(N, H, W)").T


def binarize_in_place(y):
    """The article's binarization: overwrite y[i] with 1 if y[i] > 4 else 0, in place.

    Returns y itself. If y is a view (``y = y_train[:200]``), the array it views
    changes too; run it twice and every label becomes 0 (0 and 1 are both <= 4).
    """
    if not isinstance(y, (np.ndarray, list)):
        raise TypeError(f"y must be an array or list of digits (changed in place), got "
                        f"{_v._shown(y)}")
    array = _v.finite("y", as_array("y", y, 1, "(N,)"))
    if isinstance(y, np.ndarray) and not y.flags.writeable:
        raise ValueError(f"y must be writable (it is changed in place), got a read-only array "
                         f"of shape {array.shape}")
    for i in range(len(y)):
        y[i] = 1 if y[i] > 4 else 0
    return y


def binarize(y):
    """Our fix: a new int64 array, 1 where the digit is > 4, the input untouched."""
    return (_v.finite("y", as_array("y", y)) > 4).astype(np.int64)


def init_article(num_filters=3, kernel_size=5, image_size=28, seed=0, init="uniform"):
    """Filters f (k, k, F) and dense weights wo (F*n*n, 1), as the article draws them.

    init="uniform": uniform [0, 1) like the article (f drawn as (F, k, k) then ``.T``);
    init="scaled": Glorot uniform (signed, small) to keep the sigmoids out of saturation.
    """
    num_filters = _v.integer("num_filters", num_filters, 1)
    image_size = _v.integer("image_size", image_size, 1)
    kernel_size = _v.integer("kernel_size", kernel_size, 1, image_size)
    seed = _v.seed("seed", seed)
    _v.one_of("init", init, ("uniform", "scaled"))
    rng = np.random.default_rng(seed)
    n = image_size - kernel_size + 1
    d = num_filters * n * n
    if init == "uniform":
        f = rng.uniform(size=(num_filters, kernel_size, kernel_size)).T
        wo = rng.uniform(size=(d, 1))
    elif init == "scaled":
        l1 = np.sqrt(6 / (kernel_size ** 2 * (1 + num_filters)))
        f = rng.uniform(-l1, l1, size=(num_filters, kernel_size, kernel_size)).T
        wo = rng.uniform(-np.sqrt(6 / (d + 1)), np.sqrt(6 / (d + 1)), size=(d, 1))
    else:
        raise ValueError(f"init must be 'uniform' or 'scaled', got {init!r}")
    return np.ascontiguousarray(f), wo


def patches(X, k):
    """Every k x k window of every image of X (H, W, N): (N, P, k, k), P = n*n,
    patch p = r*n + c at row r, column c of X[:, :, img] (a copy, as the article's list)."""
    X = as_array("X", X, 3, "(H, W, N)")
    k = _v.integer("k", k, 1, min(X.shape[:2]))
    h, w, _ = X.shape
    view = np.lib.stride_tricks.sliding_window_view(X, (k, k), axis=(0, 1))  # (n, n, N, k, k)
    n_r, n_c = h - k + 1, w - k + 1
    return np.ascontiguousarray(view.transpose(2, 0, 1, 3, 4)).reshape(X.shape[2], n_r * n_c, k, k)


def head(a1f, wo, standardize=True):
    """The dense part: zr = a1f @ wo (N,), z2 standardized over the batch if asked,
    o = sigmoid(z2). Returns (zr, z2, o)."""
    a1f = as_array("a1f", a1f, 2, "(N, D)")
    wo = as_array("wo", wo, 2, "(D, 1)")
    check_shape("wo", wo, (a1f.shape[1], 1), "(D, 1)")
    standardize = _v.flag("standardize", standardize)
    zr = (a1f @ wo)[:, 0]
    z2 = (zr - zr.mean()) / zr.std() if standardize else zr
    return zr, z2, sigmoid(z2)


def forward(f, wo, X, standardize=True):
    """The article's forward pass. f (k, k, F), wo (F*P, 1), X (H, W, N).

    Returns a dict with patches (N, P, k, k), z1 and a1 (N, F, P), a1f (N, F*P),
    zr, z2, o (N,).
    """
    f = as_array("f", f, 3, "(k, k, F)")
    X = as_array("X", X, 3, "(H, W, N)")
    check_shape("f", f, (f.shape[0], f.shape[0], f.shape[2]), "(k, k, F)")
    k = f.shape[0]
    if k > min(X.shape[:2]):
        raise ValueError(f"f must be at most as large as the images, got {k} x {k} filters "
                         f"for images of {X.shape[0]} x {X.shape[1]}")
    pt = patches(X, k)
    z1 = np.einsum("npab,abf->nfp", pt, f, optimize=True)
    a1 = sigmoid(z1)
    a1f = a1.reshape(a1.shape[0], -1)
    zr, z2, o = head(a1f, wo, standardize)
    return {"patches": pt, "z1": z1, "a1": a1, "a1f": a1f, "zr": zr, "z2": z2, "o": o,
            "standardize": standardize}


def error(o, y, reduction="sum"):
    """E = sum (or mean) over images of (y - o)^2 / 2."""
    _v.one_of("reduction", reduction, ("sum", "mean"))
    o = as_array("o", o)
    y = _v.finite("y", as_array("y", y))
    if y.shape != o.shape:
        raise ValueError(f"y must have the shape of o, {o.shape}, got {y.shape}")
    if o.size == 0:
        raise ValueError(f"o must hold at least one output, got shape {o.shape}")
    e = (y.astype(np.float64) - o) ** 2 / 2
    if reduction == "sum":
        return float(e.sum())
    if reduction == "mean":
        return float(e.mean())
    raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")


def _check_cache_and_y(cache, y):
    keys = ("patches", "z1", "a1", "a1f", "zr", "z2", "o", "standardize")
    if not isinstance(cache, dict) or not set(keys) <= set(cache):
        raise TypeError(f"cache must be the dict that forward(...) returned, got "
                        f"{_v._shown(cache)}")
    y = _v.finite("y", as_array("y", y))
    if y.shape != np.shape(cache["o"]):
        raise ValueError(f"y must have the shape of the outputs, {np.shape(cache['o'])}, "
                         f"got {y.shape}")
    return y


def _delta(cache, y, ignore_standardization):
    """dE/dzr (N,) for E summed over images; the article stops at dE/dz2."""
    o = cache["o"]
    delta = -(np.asarray(y, dtype=np.float64) - o) * o * (1 - o)        # dE/dz2
    if ignore_standardization or not cache["standardize"]:
        return delta
    # Backward of z2 = (zr - mean) / std, std over the batch (population):
    # dzr = (delta - mean(delta) - z2 * mean(delta * z2)) / std
    z2, zr = cache["z2"], cache["zr"]
    return (delta - delta.mean() - z2 * np.mean(delta * z2)) / zr.std()


def dense_gradient(cache, y, *, ignore_standardization=True):
    """The article's dE/dwo (F*P, 1) = a1f^T delta, summed over the images.

    With ignore_standardization=False the standardization is backpropagated and
    the result is the exact gradient of E summed over images.
    """
    y = _check_cache_and_y(cache, y)
    ignore_standardization = _v.flag("ignore_standardization", ignore_standardization)
    return cache["a1f"].T @ _delta(cache, y, ignore_standardization)[:, None]


def filter_gradient(cache, wo, y, *, ignore_standardization=True, skip_sigmoid_derivative=True,
                    mean_before_product=True, layout_bug=True):
    """The article's filter update direction (k, k, F), averaged over the images.

    With every switch False this is the exact gradient of E averaged over the
    images (the article divides the filter update by N but not the dense one).
    """
    y = _check_cache_and_y(cache, y)
    wo = as_array("wo", wo, 2, "(D, 1)")
    check_shape("wo", wo, (np.shape(cache["a1f"])[1], 1), "(D, 1)")
    for name, value in (("ignore_standardization", ignore_standardization),
                        ("skip_sigmoid_derivative", skip_sigmoid_derivative),
                        ("mean_before_product", mean_before_product),
                        ("layout_bug", layout_bug)):
        _v.flag(name, value)
    pt, a1f, a1 = cache["patches"], cache["a1f"], cache["a1"]
    n_img, n_filt, n_pos = a1.shape
    side = int(round(np.sqrt(n_pos)))
    delta = _delta(cache, y, ignore_standardization)
    g = delta[:, None] * wo[:, 0][None, :]                      # dE/da1f, (N, F*P)
    if not skip_sigmoid_derivative:
        g = g * a1f * (1 - a1f)                                 # dE/dz1
    if mean_before_product:
        g = g.mean(axis=0, keepdims=True)                       # one map for every image
    if layout_bug:
        maps = g.reshape(len(g), side * side, n_filt)           # read as (position, filter)
    else:
        maps = g.reshape(len(g), n_filt, n_pos).transpose(0, 2, 1)
    maps = np.broadcast_to(maps, (n_img, n_pos, n_filt))        # (N, P, F)
    # grad[a, b, i] = mean_img sum_p patch[img, p, a, b] * map[img, p, i]
    return np.einsum("npab,npf->abf", pt, maps, optimize=True) / n_img


def cosine(a, b):
    """Cosine of the angle between two gradients, flattened: 1 same direction,
    0 unrelated, -1 opposite (a step along a then climbs the error)."""
    a, b = _two_vectors(a, b)
    for name, v in (("a", a), ("b", b)):
        if not np.any(v):
            raise ValueError(f"{name} must not be all zeros: a zero vector has no direction")
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _two_vectors(a, b):
    """a and b flattened to float64, same size, finite, not empty."""
    a = _v.finite("a", as_array("a", a)).ravel().astype(np.float64)
    b = _v.finite("b", as_array("b", b)).ravel().astype(np.float64)
    if a.size != b.size:
        raise ValueError(f"a and b must have the same number of entries, got {a.size} and "
                         f"{b.size}")
    if a.size == 0:
        raise ValueError("a and b must not be empty, got 0 entries")
    return a, b


def norm_rel_error(a, b):
    """||a - b|| / (||a|| + ||b||) on the flattened arrays (one number for the whole array).

    0 when equal; about 1e-8 for a right gradient against a numerical one (float64);
    at most 1, reached only when b points exactly opposite to a (b = -c a, c >= 0);
    1/sqrt(2) ~ 0.71 for orthogonal vectors of equal length. Not to be confused with
    helpers.gradcheck.rel_error, the largest entry-by-entry relative error.
    """
    a, b = _two_vectors(a, b)
    if not (np.any(a) or np.any(b)):
        return 0.0                                   # equal: both zero
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


# ---------------------------------------------------------------- the published steps, run

REPAIRS = ("filter_index", "wo_before_update")

_ARGUMENTS = ("images", "digits", "names", "repairs", "unknown", "cache", "which", "window")


def run_published_steps(images, digits, f, wo, names=None, repairs=()):
    """The article's published steps, in its order and with its shapes (our own code).

    images (N, H, W) uint8 and digits (N,) in 0..9: the data, as loaded.
    f (k, k, F) and wo (F*n*n, 1): the initial parameters (``init_article``), copied:
        the caller's arrays are not changed (the article updates its filters in place).
    names: a dict standing for the notebook's global variables (default: a new one).
        The steps read the learning rate from it as a cell reads a global, "lr": the
        article never assigns one, so without names["lr"] Python raises NameError at
        the first update. When the function returns, or stops with an exception, every
        variable the steps made is in names (X, y, ..., the loop indices i, a, b, img):
        what the article's notebook would hold at that moment.
    repairs: any of REPAIRS. "filter_index": the filter loop reads map i as slice
        maps[:, :, i] instead of maps[:, :, img] (the filter index replaces the image
        index). "wo_before_update": the filter gradient reads the weights the forward
        pass used, not the ones just updated.

    The steps (N images, F filters of k x k, n = H - k + 1, D = F*n*n):
      1. X = images.T / 255 (H, W, N); y: the digits as a row (1, N), binarized in
         place (on our copy of the digits);
      2. forward: patches (N, n*n, k, k), z1 and a1 (N, F, n*n), a1_t (D, N) one column
         per image, zr = wo^T a1_t (1, N), standardized to z2, o = sigmoid(z2) (1, N);
      3. the error E = (y - o)^2 / 2 (1, N); the dense gradient
         dwo = a1_t (dE/do * do/dz2)^T (D, 1), summed over the images;
      4. dense update: wo = wo - lr dwo;
      5. the error reaching a1: dE_da1 = wo (dE/do * do/dz2) (D, N), from the *updated*
         wo; the sigmoid's slope da1_dz1 (D, N) is computed and not used; averaged over
         the images (D,), then np.resize'd to maps (n, n, F);
      6. filter loop: for each filter i, offset (a, b), and image img:
         total += sum(X[a:a+n, b:b+n, img] * maps[:, :, img]), then df[i, a, b] = total / N;
      7. filter update: f[:, :, i] = f[:, :, i] - lr df[i].

    Returns names. Raises NameError at step 4 without names["lr"]; IndexError at step 6,
    img = F, when N > F and "filter_index" is not among the repairs.
    """
    if names is not None and not isinstance(names, dict):
        raise TypeError(f"names must be None or a dict (the notebook's variables), got "
                        f"{_v._shown(names)}")
    names = {} if names is None else names
    if isinstance(repairs, str) or not np.iterable(repairs):
        raise TypeError(f"repairs must be a tuple of names among {REPAIRS}, got {repairs!r}")
    unknown = set(repairs) - set(REPAIRS)
    if unknown:
        raise ValueError(f"repairs must be among {REPAIRS}, got {sorted(unknown)}")
    images = as_array("images", images, 3, "(N, H, W)")
    digits = integer_labels("digits", digits, images.shape[0], 10)
    f = np.array(as_array("f", f, 3, "(k, k, F)"), dtype=np.float64)
    k, num_filters = f.shape[0], f.shape[2]
    check_shape("f", f, (k, k, num_filters), "(k, k, F)")
    n_rows, n_cols = images.shape[2] - k + 1, images.shape[1] - k + 1   # of X = images.T
    wo = np.array(as_array("wo", wo, 2, "(F*n*n, 1)"), dtype=np.float64)
    check_shape("wo", wo, (num_filters * n_rows * n_cols, 1), "(F*n*n, 1)")
    try:
        # 1. data: the image axis last (and every image transposed), labels as a row
        X = stack_transpose(images) / 255
        y = np.array(digits).reshape(1, -1)
        binarize_in_place(y[0])
        n_img = X.shape[2]

        # 2. forward pass, in the article's shapes
        cache = forward(f, wo, X)
        pt = cache["patches"]                                 # (N, n*n, k, k)
        z1, a1 = cache["z1"], cache["a1"]                     # (N, F, n*n)
        a1_t = cache["a1f"].T                                 # (D, N)
        zr, z2, o = cache["zr"][None, :], cache["z2"][None, :], cache["o"][None, :]

        # 3. the error, and the dense layer's gradient summed over the images
        E = (y - o) ** 2 / 2                                  # (1, N)
        dE_do = -(y - o)                                      # (1, N)
        do_dz2 = o * (1 - o)                                  # (1, N)
        dwo = a1_t @ (dE_do * do_dz2).T                       # (D, 1)

        # 4. the dense update reads the learning rate like a notebook's global variable;
        #    no published cell assigns it, so there the code stops with Python's NameError
        wo_forward = wo
        if "lr" not in names:
            raise NameError("name 'lr' is not defined")
        lr = names["lr"]
        wo = wo - lr * dwo

        # 5. the error reaching a1, from the updated weights (or, repaired, the forward's)
        wo_read = wo_forward if "wo_before_update" in repairs else wo
        dz2_da1 = wo_read.T                                   # (1, D)
        da1_dz1 = a1_t * (1 - a1_t)                           # (D, N), never used below
        dE_da1 = dz2_da1.T @ (dE_do * do_dz2)                 # (D, N)
        dE_da1_mean = dE_da1.mean(axis=1)                     # (D,), over the images
        maps = np.resize(dE_da1_mean, (n_rows, n_cols, num_filters))  # position-major

        # 6. the filter loop; the inner index runs over the images
        df = []
        for i in range(num_filters):
            for a in range(k):
                for b in range(k):
                    total = 0.0
                    for img in range(n_img):
                        which = i if "filter_index" in repairs else img
                        window = X[a:a + n_rows, b:b + n_cols, img]
                        total = total + np.sum(window * maps[:, :, which])
                    df.append(total / n_img)
        df = np.resize(np.array(df), (num_filters, k, k))

        # 7. the filter update
        for i in range(num_filters):
            f[:, :, i] = f[:, :, i] - lr * df[i]
    finally:
        names.update({key: value for key, value in locals().items()
                      if key not in _ARGUMENTS})
    return names
