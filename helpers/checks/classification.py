"""Exercise checks for notebook 10 (classifying digits).

Notebook 10 (ten digits):

    check_softmax(fn)                  fn(z) -> softmax of each row of z (N, K)
    check_cross_entropy_gradient(fn)   fn(logits, y) -> dE/dlogits (N, K), E averaged over N
    check_confusion_matrix(fn)         fn(y_true, y_pred, num_classes) -> counts (K, K)
    check_accuracy_per_class(fn)       fn(C) -> the fraction of each true class recognised (K,)
    check_mean_learning_rate(lr)       the learning rate with which the batch-MEAN gradient takes
                                       the same steps as the batch-SUM gradient with lr_sum

Each takes the learner's function, runs it on cases chosen to expose the usual mistakes
(overflow on large logits, normalizing the wrong axis, the missing 1/N, the forgotten -1
at the true class, rows and columns swapped, precision instead of recall) and either
prints one "Correct: ..." line or raises ExerciseError naming the mistake. ``None`` or
``...`` (the exercise cell's placeholder), or a function that returns None, counts as not
answered yet (``_common.unanswered``).
"""

import numbers
import warnings

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = [
    "check_softmax", "check_cross_entropy_gradient", "check_confusion_matrix",
    "check_accuracy_per_class", "check_mean_learning_rate",
]


def _fail(message):
    raise ExerciseError(message)


def _call(fn, name, *args):
    """Call the learner's function on copies of args, with warnings recorded.

    -> (result as a float64 array (or None), list of warnings, whether an argument was changed)
    """
    copies = [np.array(a, copy=True) for a in args]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*copies)
        except ExerciseError:
            raise
        except Exception as err:                # the learner's bug, reported, not hidden
            shapes = ", ".join(f"array of shape {np.shape(a)}" for a in args)
            _fail(f"{name}({shapes}) raised {type(err).__name__}: {err}")
    changed = any(not np.array_equal(c, a, equal_nan=True) for c, a in zip(copies, args))
    if out is None:                             # not answered yet: the caller says so
        return None, caught, changed
    if isinstance(out, tuple):
        _fail(f"{name} returned a tuple of {len(out)} items; return one array.")
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(f"{name} must return numbers (an array); got {type(out).__name__}.")
    return out, caught, changed


def _reference_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- notebook 10

@exercise("a softmax that never overflows",
          spoilers=("z - z.max(axis=1, keepdims=True)",),
          placeholder="your function my_softmax(z)")
def check_softmax(fn):
    """``fn(z)`` for z (N, K) float64 must return p (N, K), p[n] = exp(z[n]) / sum_k exp(z[n, k]):
    every row sums to 1, no overflow for logits near +-1000, z not modified."""
    rng = np.random.default_rng(8)
    cases = [
        ("three small logits", np.array([[1.0, 2.0, 3.0]])),
        ("a batch of 4 rows of 5 logits", rng.normal(size=(4, 5))),
        ("a batch of 2 rows of 3 logits", np.array([[0.0, 1.0, -1.0], [2.0, 2.0, 5.0]])),
        ("logits near 1000", np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0]])),
        ("rows far apart", np.array([[800.0, 0.0, -800.0], [3.0, 1.0, 2.0]])),
    ]
    for what, z in cases:
        p, caught, changed = _call(fn, "my_softmax", z)
        if returned_nothing(p, "your function my_softmax(z)"):
            return
        want = _reference_softmax(z)
        if changed:
            _fail(f"my_softmax changed its input ({what}): a line such as `z -= z.max(...)` "
                  "works in place. Compute `z - z.max(...)` into a new array instead.")
        if p.shape != z.shape:
            _fail(f"For z of shape {z.shape} ({what}) the result has shape {p.shape}; softmax "
                  f"keeps the shape: one probability per logit.")
        overflow = [w for w in caught if "overflow" in str(w.message)]
        if overflow or not np.all(np.isfinite(p)):
            _fail(f"For {what} ({z.tolist()}) the result has nan or inf, or exp overflowed "
                  f"({len(overflow)} overflow warning(s)). Subtract each row's largest "
                  "logit before exp: softmax(z - c) = softmax(z), and exp(0) = 1 is the largest term.")
        if np.allclose(p, want, rtol=1e-9, atol=1e-12):
            continue
        by_column = _reference_softmax(z.T).T
        if np.allclose(p, by_column) or (np.allclose(p.sum(axis=0), 1) and not np.allclose(p.sum(axis=1), 1)):
            _fail(f"For {what} your columns sum to 1, not your rows: normalize along axis=1 "
                  "(each image's K logits), with keepdims=True so the division broadcasts.")
        glob = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        if np.isfinite(glob).all() and np.allclose(p, glob):
            _fail(f"For {what} the whole batch sums to 1: each row (one image) must be "
                  "normalized on its own; sum along axis=1 with keepdims=True.")
        if np.allclose(p, z / z.sum(axis=1, keepdims=True)):
            _fail("You divided the logits by their sum; softmax takes exp of each logit first.")
        if not np.allclose(p.sum(axis=1), 1):
            _fail(f"For {what} the rows of your result sum to {np.round(p.sum(axis=1), 4).tolist()}, "
                  "not 1.")
        _fail(f"For {what} ({z.tolist()}) expected {np.round(want, 4).tolist()}, got "
              f"{np.round(p, 4).tolist()}.")
    report_ok("rows sum to 1, logits near 1000 are safe, and z is left unchanged.")


@exercise("the gradient of the cross-entropy",
          spoilers=("(p - onehot) / n", "(p - y) / n", "g[np.arange(n), y] -= 1"),
          placeholder="your function ce_gradient(logits, y)")
def check_cross_entropy_gradient(fn):
    """``fn(logits, y)`` for logits (N, K) float64 and integer labels y (N,) must return
    dE/dlogits (N, K) for E = mean_n -log softmax(logits[n])[y[n]]:
    (softmax(logits) - onehot(y)) / N."""
    rng = np.random.default_rng(80)
    # A batch first: with N = 1 a missing 1/N could not be seen.
    cases = [
        ("4 images, 5 classes", rng.normal(size=(4, 5)), np.array([1, 0, 4, 1])),
        ("one image, 3 classes", np.array([[1.0, 2.0, 3.0]]), np.array([0])),
        ("3 images, 4 classes, large logits", np.array([[1000.0, 0, 1, 2], [0, 1, 2, 3],
                                                        [1, -1000.0, 0, 0]]), np.array([0, 3, 2])),
    ]
    for what, z, y in cases:
        n, k = z.shape
        g, _, changed = _call(fn, "ce_gradient", z, y)
        if returned_nothing(g, "your function ce_gradient(logits, y)"):
            return
        p = _reference_softmax(z)
        onehot = np.eye(k)[y]
        want = (p - onehot) / n
        if changed:
            _fail(f"ce_gradient changed its inputs ({what}); compute the gradient in a new array "
                  "(e.g. `p = softmax(z).copy()` before `p[rows, y] -= 1`).")
        if g.shape != z.shape:
            _fail(f"For logits of shape {z.shape} ({what}) your gradient has shape {g.shape}; "
                  "it must have the logits' shape (N, K).")
        if not np.all(np.isfinite(g)):
            _fail(f"For {what} your gradient has nan or inf: compute softmax with the row "
                  "maximum subtracted.")
        if np.allclose(g, want, rtol=1e-7, atol=1e-12):
            continue
        mistakes = [
            (p - onehot, "the gradient is not divided by N: E averages over the N images, so "
                         "each row is (p - y) / N."),
            (p / n, "the -1 at the true class is missing: dE/dz_j = p_j - y_j, and y_j = 1 "
                    "at the true class (subtract 1 there, then divide by N)."),
            (p, "two things are missing: the -1 at the true class and the division by N."),
            ((onehot - p) / n, "the sign is flipped: the gradient is p - y (it points "
                               "uphill; the update subtracts it)."),
            (-onehot / (n * np.where(onehot > 0, p, 1)), "that is dE/dp (-y / p), the "
                "gradient with respect to the probabilities; chain it through the softmax "
                "Jacobian to get dE/dz = p - y."),
        ]
        if n > 1:
            mistakes.append(((p - onehot) / (n * k), "you divided by N*K; the loss is averaged "
                                                     "over the N images only, not over the classes."))
        for wrong, message in mistakes:
            if np.allclose(g, wrong, rtol=1e-7, atol=1e-12):
                _fail(f"For {what}: {message}")
        _fail(f"For {what} expected {np.round(want, 4).tolist()}, got {np.round(g, 4).tolist()}.")
    report_ok("dE/dz = (softmax(z) - onehot(y)) / N, even for large logits.")


@exercise("a confusion matrix",
          spoilers=("np.add.at(C, (y_true, y_pred), 1)",),
          placeholder="your function my_confusion(y_true, y_pred, num_classes)")
def check_confusion_matrix(fn):
    """``fn(y_true, y_pred, num_classes)`` must return integer counts C (K, K) with
    C[i, j] = the number of images of true class i predicted as class j."""
    cases = [
        ("6 labels, 3 classes", np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3),
        ("class 3 never appears", np.array([0, 1, 2, 2, 1]), np.array([1, 1, 2, 0, 1]), 4),
        ("8 labels, 4 classes", np.array([3, 3, 0, 1, 2, 3, 1, 0]),
         np.array([3, 0, 0, 1, 3, 3, 2, 0]), 4),
    ]
    for what, t, p, k in cases:
        C, _, changed = _call(fn, "my_confusion", t, p, k)
        if returned_nothing(C, "your function my_confusion(y_true, y_pred, num_classes)"):
            return
        want = np.zeros((k, k), dtype=np.int64)
        for i, j in zip(t, p):
            want[i, j] += 1
        if changed:
            _fail("my_confusion changed y_true or y_pred; leave the labels as they are.")
        if C.shape != (k, k):
            hint = (" It looks as if the size came from the largest label; use num_classes, "
                    "since a class may be missing from the labels." if C.ndim == 2
                    and C.shape[0] == C.shape[1] < k else "")
            _fail(f"For {what} the matrix must be (K, K) = ({k}, {k}); got {C.shape}.{hint}")
        if np.array_equal(C, want):
            continue
        if np.array_equal(C, want.T):
            _fail(f"For {what} your matrix is transposed: row i must be the TRUE class i and "
                  f"column j the PREDICTED class j (rows then sum to the class counts).")
        rows = want.sum(axis=1, keepdims=True)
        if np.allclose(C, np.divide(want, rows, out=np.zeros(want.shape), where=rows > 0)):
            _fail("You normalized the rows into fractions; return the counts (integers). "
                  "Dividing by the row sums comes later, for per-class accuracy.")
        if np.array_equal(C, np.diag(np.diag(want))):
            _fail("Only the correct predictions (the diagonal) are counted; every image adds "
                  "one to cell [true, predicted], also the mistakes.")
        if C.sum() != len(t):
            _fail(f"For {what} the counts add up to {C.sum():g}; every one of the {len(t)} "
                  "images must be counted exactly once.")
        _fail(f"For {what} expected\n{want}\ngot\n{C.astype(int)}")
    report_ok("C[i, j] counts true class i predicted as j, with K = num_classes rows and columns.")


@exercise("per-class accuracy",
          spoilers=("np.diag(C) / C.sum(axis=1)",),
          placeholder="your function per_class_accuracy(C)")
def check_accuracy_per_class(fn):
    """``fn(C)`` for a confusion matrix C (K, K) (rows: true class) must return (K,): the
    fraction of each true class predicted correctly, C[i, i] / sum_j C[i, j]."""
    cases = [
        np.array([[8, 2, 0], [1, 4, 5], [0, 0, 10]]),
        np.array([[5, 0, 0, 1], [3, 3, 0, 0], [0, 2, 7, 1], [0, 0, 4, 4]]),
    ]
    for C in cases:
        acc, _, changed = _call(fn, "per_class_accuracy", C)
        if returned_nothing(acc, "your function per_class_accuracy(C)"):
            return
        diag = np.diag(C).astype(np.float64)
        want = diag / C.sum(axis=1)
        if changed:
            _fail("per_class_accuracy changed C; leave the matrix as it is.")
        if acc.shape != want.shape:
            _fail(f"For a {C.shape} matrix return one number per class, shape {want.shape}; "
                  f"got {acc.shape}.")
        if np.allclose(acc, want):
            continue
        if np.allclose(acc, diag / C.sum(axis=0)):
            _fail("You divided by the column sums: that is the fraction of each PREDICTED class "
                  "that was right (precision). Per-class accuracy divides by the row sums, the "
                  "number of images of each true class.")
        if np.allclose(acc, diag / C.sum()):
            _fail("You divided by the total number of images; divide each class's correct count "
                  "by the number of images of that class (its row sum).")
        if np.allclose(acc, 100 * want):
            _fail("Those are percentages; return fractions between 0 and 1.")
        if np.allclose(acc, 1 - want):
            _fail("Those are the error rates (1 - accuracy) of each class.")
        _fail(f"For C =\n{C}\nexpected {np.round(want, 4).tolist()}, got {np.round(acc, 4).tolist()}.")
    report_ok("per-class accuracy = diagonal / row sums (the share of each true class recognised).")


@exercise("the learning rate for the mean gradient",
          spoilers=("20", "200 * 0.1", "0.1 * 200", "n * lr", "lr * n", "n * eta", "n\\eta"),
          placeholder="your learning rate, a number")
def check_mean_learning_rate(answer, lr_sum=0.1, batch_size=200):
    """answer: the learning rate eta_mean with which gradient descent on the batch MEAN of
    the per-image gradients takes exactly the steps it takes on their SUM with lr_sum.

    sum_n g_n = N * mean_n g_n, so lr_sum * sum = (N * lr_sum) * mean: eta_mean = N * lr_sum.
    batch_size: N, the images the gradient is summed over (the lab's 200).
    """
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.number)) \
            or not np.isfinite(float(answer)):
        _fail(f"Give the learning rate as a number, got {type(answer).__name__} {answer!r}.")
    lr = float(answer)
    want = batch_size * lr_sum
    # mean step / summed step = (lr * sum / N) / (lr_sum * sum) for every gradient
    ratio = lr / want
    if np.isclose(lr, want, rtol=1e-9):
        report_ok(f"the sum of {batch_size} gradients is {batch_size} times their mean, so "
                  f"the mean needs a learning rate {batch_size} times larger to take the same "
                  f"steps.")
        return
    if np.isclose(lr, lr_sum / batch_size, rtol=1e-9):
        _fail(f"With {lr:g} the mean-gradient steps are {ratio:.3g} times the summed ones: you "
              f"divided by N. The sum is N times the mean, so it is the mean that needs the "
              f"larger learning rate.")
    if np.isclose(lr, lr_sum, rtol=1e-9):
        _fail(f"With the same learning rate the mean-gradient steps are {ratio:.3g} times the "
              f"summed ones (1/N, N = {batch_size}): the rate must make up for the division "
              f"by N.")
    _fail(f"With learning rate {lr:g}, the mean-gradient steps are {ratio:.3g} times the "
          f"summed ones; find the rate that makes them exactly 1 times as long "
          f"(sum = N * mean, N = {batch_size}).")
