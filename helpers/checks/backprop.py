"""Exercise checks for notebook 05 (backpropagation).

    check_bias_gradient(answer)           dE/db of a sigmoid dense layer, (M,)
    check_dense_weight_gradient(answer)   dE/dW of the same layer, (D, M)
    check_filter_gradient(answer)         dE/df of a convolution, (KH, KW)
    check_input_gradient(answer)          dE/dX of a convolution, (H, W)

``answer`` is either a function (tested on several inputs, including non-square
ones that expose transposes and flips) or an array: the answer for the fixed
example in ``DENSE_EXERCISE`` or ``CONV_EXERCISE``. ``None`` or ``...``, or a
function that returns ``None``, counts as "not answered yet" (see ``_common.unanswered``). A right answer prints a confirmation; a wrong one raises
:class:`ExerciseError` that says what is wrong. The checks return None (so a
notebook cell that ends with one shows only the printed line).

The dense layer of these exercises (batch first, as in helpers.layers):

    Z2 = A1 @ W + b          A1 (N, D), W (D, M), b (M,), Z2 (N, M)
    O  = sigmoid(Z2)         (N, M)
    E  = sum (y' - O)^2 / 2, averaged over the N examples

The convolution (a cross-correlation, stride 1, no padding), one channel:

    Z1[i, j] = sum_{p,q} X[i+p, j+q] f[p, q]      X (H, W), f (KH, KW), Z1 (H-KH+1, W-KW+1)
"""

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = [
    "check_bias_gradient", "check_dense_weight_gradient",
    "check_filter_gradient", "check_input_gradient",
]

# The fixed examples the array answers refer to (N=3 examples, D=4 features,
# M=2 neurons; a 4x4 image, a 3x3 filter and the 2x2 upstream gradient dE/dZ1).
DENSE_EXERCISE = {
    "a1": np.array([[0.5, -1.0, 2.0, 0.0],
                    [1.5, 0.5, -0.5, 1.0],
                    [-1.0, 2.0, 0.0, 0.5]]),
    "W": np.array([[0.2, -0.1],
                   [0.4, 0.3],
                   [-0.3, 0.1],
                   [0.1, -0.2]]),
    "b": np.array([0.1, -0.2]),
    "y": np.array([[1.0, 0.0],
                   [0.0, 1.0],
                   [1.0, 1.0]]),
}
CONV_EXERCISE = {
    "x": np.array([[3.0, 0.0, 1.0, 2.0],
                   [1.0, 4.0, 0.0, 1.0],
                   [2.0, 1.0, 5.0, 0.0],
                   [0.0, 2.0, 1.0, 3.0]]),
    "f": np.array([[1.0, 0.0, 2.0],
                   [0.0, 1.0, -1.0],
                   [-1.0, 0.0, 1.0]]),
    "dz1": np.array([[1.0, -2.0],
                     [3.0, 2.0]]),
}


# ---------------------------------------------------------------- references (NumPy only)

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _dense_parts(a1, W, b, y):
    """Forward and backward of the exercise layer: o, z2, the upstream dE/dO and dZ2."""
    z2 = a1 @ W + b
    o = _sigmoid(z2)
    n = a1.shape[0]
    do = -(y - o) / n
    return z2, o, do, do * o * (1 - o)


def _correlate_valid(x, k):
    """out[i, j] = sum_{p,q} x[i+p, j+q] k[p, q], for every position where k fits in x."""
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return out


def _full_correlation(dz1, k):
    """Correlation of dz1, zero-padded by (KH-1, KW-1) on each side, with k: shape (H, W)."""
    kh, kw = k.shape
    padded = np.pad(dz1, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return _correlate_valid(padded, k)


def _dense_case(seed, n, d, m):
    rng = np.random.default_rng(seed)
    return {"a1": rng.normal(size=(n, d)), "W": rng.normal(scale=0.5, size=(d, m)),
            "b": rng.normal(scale=0.2, size=m), "y": rng.integers(0, 2, size=(n, m)).astype(float)}


def _conv_case(seed, h, w, kh, kw):
    rng = np.random.default_rng(seed)
    return {"x": rng.integers(-3, 4, size=(h, w)).astype(float),
            "f": rng.integers(-2, 3, size=(kh, kw)).astype(float),
            "dz1": rng.integers(-3, 4, size=(h - kh + 1, w - kw + 1)).astype(float)}


# Non-square, N != D != M: a transposed or flipped answer cannot pass by accident.
_DENSE_CASES = [DENSE_EXERCISE, _dense_case(1, 1, 3, 1), _dense_case(2, 5, 3, 2), _dense_case(3, 2, 6, 4)]
_CONV_CASES = [CONV_EXERCISE, _conv_case(4, 4, 5, 2, 3), _conv_case(5, 5, 4, 3, 2), _conv_case(6, 3, 3, 2, 2)]


# ---------------------------------------------------------------- shared machinery

def _call(fn, args, names):
    shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in zip(names, args))
    try:
        result = fn(*[np.array(a, dtype=np.float64) for a in args])
    except Exception as err:  # the learner's code: report any failure readably
        raise ExerciseError(f"your function raised {type(err).__name__}: {err}\n"
                            f"(called with {shapes})") from None
    return result


def _as_answer(value, what):
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} must be a NumPy array of numbers, got {type(value).__name__}") from None
    return arr


def _diagnose(got, expected, mistakes, what, context):
    """Raise ExerciseError naming the mistake that ``got`` matches, if any.

    mistakes: list of (wrong, message); ``wrong`` is an array (the values of a
    typical wrong answer) or a tuple of ints (a typical wrong shape, any values).
    The first one ``got`` matches wins. Returns quietly when ``got`` equals ``expected``.
    """
    if got.shape == expected.shape and np.allclose(got, expected, rtol=1e-6, atol=1e-9):
        return
    for wrong, message in mistakes:
        if isinstance(wrong, tuple):
            if got.shape == wrong and wrong != expected.shape:
                raise ExerciseError(f"{what} {context} has shape {got.shape}, expected "
                                    f"{expected.shape}: {message}")
            continue
        wrong = np.asarray(wrong, dtype=np.float64)
        if got.shape == wrong.shape and np.allclose(got, wrong, rtol=1e-6, atol=1e-9):
            raise ExerciseError(f"{what} {context}: {message}")
    if got.shape != expected.shape:
        raise ExerciseError(f"{what} {context} has shape {got.shape}, expected {expected.shape}.")
    worst = np.unravel_index(np.argmax(np.abs(got - expected)), expected.shape)
    raise ExerciseError(
        f"{what} {context} is wrong: at index {tuple(int(i) for i in worst)} you have "
        f"{got[worst]:.6g}, expected {expected[worst]:.6g}.\nexpected:\n{np.round(expected, 6)}\n"
        f"got:\n{np.round(got, 6)}")


def _run(answer, cases, arg_names, reference, mistakes, what, hint):
    """Check a function on every case, or an array against the first case (the exercise).
    False when the function returned None (not answered yet), True when right."""
    if callable(answer):
        for number, case in enumerate(cases):
            args = [case[k] for k in arg_names]
            got = _call(answer, args, arg_names)
            if returned_nothing(got, hint):
                return False
            got = _as_answer(got, what)
            shapes = ", ".join(f"{k} {case[k].shape}" for k in arg_names)
            context = "of the exercise example" if number == 0 else f"for test input {number} ({shapes})"
            _diagnose(got, reference(case), mistakes(case), what, context)
        return True
    got = _as_answer(answer, what)
    _diagnose(got, reference(cases[0]), mistakes(cases[0]), what, "of the exercise example")
    return True


# ---------------------------------------------------------------- dense layer

def _dense_mistakes(case, grad):
    """The usual wrong versions of a dense-layer gradient; grad(a1, dz2-like) -> gradient."""
    a1, W, b, y = case["a1"], case["W"], case["b"], case["y"]
    z2, o, do, dz2 = _dense_parts(a1, W, b, y)
    n = a1.shape[0]
    return [
        (grad(a1, -dz2), "the sign is flipped. dE/dO = -(y' - O) = O - y': the minus sign matters."),
        (grad(a1, dz2 * n), "the numbers are N times too large: E is averaged over the N examples, "
                            "so dE/dO = -(y' - O) / N."),
        (grad(a1, dz2 / n), "the numbers are N times too small: the 1/N is already in dE/dO; "
                            "do not divide (or take a mean over the batch) a second time."),
        (grad(a1, do), "the sigmoid's derivative is missing: dO/dZ2 = O (1 - O) multiplies dE/dO."),
        (grad(a1, do * z2 * (1 - z2)), "O(1 - O) must use the output O = sigmoid(Z2), not Z2."),
        (grad(a1, do * _sigmoid(o) * (1 - _sigmoid(o))),
         "sigmoid was applied twice: O is already sigmoid(Z2), so dO/dZ2 = O (1 - O)."),
    ]


def _bias_reference(case):
    return _dense_parts(case["a1"], case["W"], case["b"], case["y"])[3].sum(axis=0)


def _bias_mistakes(case):
    dz2 = _dense_parts(case["a1"], case["W"], case["b"], case["y"])[3]
    shape_mistakes = [
        (dz2, "this is dE/dZ2, one row per example. Each b_m is added to every example, so "
              "dE/db_m sums dE/dZ2 over the batch: dz2.sum(axis=0), shape (M,)."),
        (dz2.sum(axis=1), "you summed over axis 1 (the neurons); sum over axis 0 (the examples) "
                          "so that db has b's shape (M,)."),
        (dz2.sum(axis=0, keepdims=True), "right numbers, but shape (1, M); b has shape (M,): "
                                         "sum without keepdims."),
    ]
    return shape_mistakes + _dense_mistakes(case, lambda a1, g: g.sum(axis=0))


@exercise("the bias gradient dE/db",
          spoilers=("[-0.0235, -0.0471]", "sum(axis=0)"),
          placeholder="your function (a1, W, b, y) -> dE/db, an array of shape (M,)")
def check_bias_gradient(answer):
    """Check dE/db for O = sigmoid(A1 @ W + b), E = mean over examples of sum (y' - O)^2 / 2.

    answer: a function ``db(a1, W, b, y) -> (M,)`` or the array dE/db for
    ``DENSE_EXERCISE``. Expected: dE/db = sum_n dE/dZ2[n], with
    dE/dZ2 = -(y' - O) / N * O (1 - O).
    """
    if _run(answer, _DENSE_CASES, ("a1", "W", "b", "y"), _bias_reference, _bias_mistakes,
           "dE/db", "your function (a1, W, b, y) -> dE/db, shape (M,)"):
        report_ok("dE/db = sum over the batch of dE/dZ2 = sum_n -(y'_n - O_n)/N * O_n(1 - O_n).")


def _weight_reference(case):
    return case["a1"].T @ _dense_parts(case["a1"], case["W"], case["b"], case["y"])[3]


def _weight_mistakes(case):
    a1 = case["a1"]
    dz2 = _dense_parts(a1, case["W"], case["b"], case["y"])[3]
    n = a1.shape[0]
    mistakes = [
        (dz2.T @ a1, "this is dW transposed, shape (M, D). A1^T @ dZ2 gives W's shape (D, M)."),
        (a1[-1:].T @ dz2[-1:], "only the last example contributes; dW sums A1[n]^T dZ2[n] over all "
                               "N examples, which A1^T @ dZ2 does in one product."),
        (a1.T @ dz2 / n, "the numbers are N times too small: the 1/N is already in dE/dO; "
                         "do not divide (or take a mean over the batch) a second time."),
    ]
    return mistakes + _dense_mistakes(case, lambda a, g: a.T @ g)


@exercise("the weight gradient dE/dW",
          spoilers=("a1.T @ dz2", "A_1^T dZ_2", "A_1^\\top dZ_2"),
          placeholder="your function (a1, W, b, y) -> dE/dW, an array of shape (D, M)")
def check_dense_weight_gradient(answer):
    """Check dE/dW for O = sigmoid(A1 @ W + b), E = mean over examples of sum (y' - O)^2 / 2.

    answer: a function ``dW(a1, W, b, y) -> (D, M)`` or the array dE/dW for
    ``DENSE_EXERCISE``. Expected: dE/dW = A1^T @ dE/dZ2 (the chain rule
    dE/dO * dO/dZ2 * dZ2/dW summed over the batch).
    """
    if _run(answer, _DENSE_CASES, ("a1", "W", "b", "y"), _weight_reference, _weight_mistakes,
           "dE/dW", "your function (a1, W, b, y) -> dE/dW, shape (D, M)"):
        report_ok("dE/dW = A1^T @ dE/dZ2, with dE/dZ2 = -(y' - O)/N * O(1 - O); shape (D, M) like W.")


# ---------------------------------------------------------------- convolution layer

def _filter_reference(case):
    return _correlate_valid(case["x"], case["dz1"])


def _filter_mistakes(case):
    x, dz1 = case["x"], case["dz1"]
    ref = _correlate_valid(x, dz1)
    full = (x.shape[0] + dz1.shape[0] - 1, x.shape[1] + dz1.shape[1] - 1)
    return [
        (_correlate_valid(x, dz1[::-1, ::-1]),
         "you flipped dZ1 (a convolution, e.g. convolve2d) instead of correlating. No flip for "
         "the filter gradient: df[p, q] = sum_ij dZ1[i, j] X[i+p, j+q] (correlate2d(x, dz1, 'valid'))."),
        (ref[::-1, ::-1], "this is the answer rotated by 180 degrees (did you swap X and dZ1, or "
                          "flip the result?). df[p, q] = sum_ij dZ1[i, j] X[i+p, j+q]."),
        (ref.T, "this is the answer transposed: p indexes rows (X[i+p, ...]), q columns."),
        (-ref, "the sign is flipped: df[p, q] = + sum_ij dZ1[i, j] X[i+p, j+q]."),
        (_correlate_valid(x, np.ones_like(dz1)),
         "each patch of X must be weighted by dZ1[i, j]; you added the patches unweighted."),
        (full, "that is a 'full' correlation. For the filter, slide dZ1 over X only where it fits "
               "('valid'): the result has the filter's shape (KH, KW) = (H - OH + 1, W - OW + 1)."),
        (x.shape, "that is X's shape ('same' mode?). df has the filter's shape (KH, KW), "
                  "(H - OH + 1, W - OW + 1)."),
        (dz1.shape, "that is dZ1's shape. df has the filter's shape (KH, KW), (H - OH + 1, W - OW + 1)."),
    ]


@exercise("the filter gradient dE/df",
          spoilers=("[[14, 10, -1], [1, 17, 13], [4, -1, 14]]", "correlate2d(x, dz1"),
          placeholder="your 3x3 array dE/df (or a function df(x, dz1))")
def check_filter_gradient(answer):
    """Check dE/df for Z1 = X (cross-correlated with) f, given the upstream dE/dZ1.

    answer: the array dE/df for ``CONV_EXERCISE`` (x 4x4, dz1 2x2 -> df 3x3) or a
    function ``df(x, dz1) -> (KH, KW)`` (KH = H - OH + 1). Expected:
    df[p, q] = sum_{i,j} dz1[i, j] x[i+p, j+q], the valid correlation of x with dz1.
    """
    if _run(answer, _CONV_CASES, ("x", "dz1"), _filter_reference, _filter_mistakes,
           "dE/df", "your function df(x, dz1) -> dE/df, shape (KH, KW)"):
        report_ok("dE/df[p, q] = sum_ij dZ1[i, j] X[i+p, j+q]: X correlated with dE/dZ1, no flip.")


def _input_reference(case):
    return _full_correlation(case["dz1"], case["f"][::-1, ::-1])


def _input_mistakes(case):
    dz1, f = case["dz1"], case["f"]
    ref = _full_correlation(dz1, f[::-1, ::-1])
    small = ("Pad dZ1 with KH-1 rows and KW-1 columns of zeros on every side ('full') so that "
             "dX has X's shape.")
    valid = (abs(dz1.shape[0] - f.shape[0]) + 1, abs(dz1.shape[1] - f.shape[1]) + 1)
    return [
        (_full_correlation(dz1, f),
         "you forgot to flip the filter. X[r, s] met f[p, q] at output (r-p, s-q), so "
         "dX[r, s] = sum_pq dZ1[r-p, s-q] f[p, q]: a full correlation with f rotated by 180 degrees "
         "(np.flip(f) or f[::-1, ::-1])."),
        (ref[::-1, ::-1], "this is the answer rotated by 180 degrees: flip the filter, not dZ1 "
                          "(nor the result)."),
        (ref.T, "this is the answer transposed: rows of dX match rows of X."),
        (-ref, "the sign is flipped: dX[r, s] = + sum_pq dZ1[r-p, s-q] f[p, q]."),
        (valid, "that is the shape of a 'valid' correlation, smaller than X. " + small),
        (dz1.shape, "that is dZ1's shape (a 'same' or 'valid' correlation?), smaller than X. " + small),
    ]


@exercise("the input gradient dE/dX",
          spoilers=("[[1, -2, 2, -4], [3, 3, 3, 6], [-1, 5, 0, -4], [-3, -2, 3, 2]]", "convolve2d(dz1, f, \"full\")", "convolve2d(dz1, f, 'full')"),
          placeholder="your 4x4 array dE/dX (or a function dx(dz1, f))")
def check_input_gradient(answer):
    """Check dE/dX for Z1 = X (cross-correlated with) f, given the upstream dE/dZ1.

    answer: the array dE/dX for ``CONV_EXERCISE`` (dz1 2x2, f 3x3 -> dx 4x4) or a
    function ``dx(dz1, f) -> (H, W)`` with H = OH + KH - 1. Expected: the full
    correlation of dz1 (padded by KH-1, KW-1) with the flipped filter,
    dx[r, s] = sum_{p,q} dz1[r-p, s-q] f[p, q] (terms outside dz1 are 0).
    """
    if _run(answer, _CONV_CASES, ("dz1", "f"), _input_reference, _input_mistakes,
           "dE/dX", "your function dx(dz1, f) -> dE/dX, X's shape"):
        report_ok("dE/dX = full correlation of dE/dZ1 with the filter rotated by 180 degrees "
                  "(= convolve2d(dZ1, f, 'full')).")
