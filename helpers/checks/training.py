"""Exercise checks for notebooks 06 (the article's code, audited) and 07 (training a CNN).

Each check prints "Correct: ..." for a right answer, "No answer yet: ..."
while the answer (or what the learner's function returns) is still None (see
``_common.unanswered``), and raises ExerciseError saying what is wrong otherwise. They return None, so a notebook cell ending with a check shows no
"Out" value.

    check_binarize(fn)          fn(y) -> 1 where the digit is > 4, else 0, y untouched
    check_fix_layout(fn)        fn(g, num_filters, side) -> (F, n, n) maps from a filter-major vector
    check_sgd_step(fn)          fn(params, grads, lr) -> new params dict, inputs untouched
    check_majority_baseline(fn) fn(y_train, y_test) -> accuracy of always answering y_train's majority
"""

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = ["check_binarize", "check_fix_layout", "check_sgd_step", "check_majority_baseline"]


def _call(fn, *args):
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code failed: say where, not a traceback
        raise ExerciseError(f"your function raised {type(err).__name__}: {err}") from err


@exercise("binarize labels without side effects",
          spoilers=("(y > 4)", "y >= 5", ">= 5)"),
          placeholder="your function my_binarize(y)")
def check_binarize(fn):
    """fn(y) must return a new array, 1 for digits 5..9 and 0 for 0..4, leaving y unchanged,
    and give the same answer when called twice on the same labels."""
    labels = np.array([3, 7, 5, 4, 0, 9, 1, 6, 8, 2], dtype=np.uint8)
    expected = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 0])
    original = labels.copy()
    base = np.concatenate([labels, labels])
    view = base[:10]                                     # like y = y_train[:200]
    out = _call(fn, view)
    if out is None and np.array_equal(base[:10], original):
        returned_nothing(out, "your function my_binarize(y)")
        return
    out = np.asarray(out)
    if not np.array_equal(base[:10], original):
        raise ExerciseError(
            "your function changed the labels it was given (it wrote into the array, "
            "and through a view into the array behind it): the article's bug. Return a "
            "new array, e.g. with a comparison, instead of assigning into y.")
    if out.shape != expected.shape:
        raise ExerciseError(f"expected one label per image, shape {expected.shape}, got {out.shape}")
    if out.dtype.kind not in "biu":
        raise ExerciseError(f"expected integer (or boolean) labels, got dtype {out.dtype}")
    if not np.array_equal(out.astype(int), expected):
        if np.array_equal(out.astype(int), (original >= 4).astype(int)):
            raise ExerciseError("the digit 4 came out as 1: the rule is digit > 4, so 4 -> 0")
        if np.array_equal(out.astype(int), 1 - expected):
            raise ExerciseError("0 and 1 are swapped: digits 5..9 -> 1, digits 0..4 -> 0")
        raise ExerciseError(f"for labels {original.tolist()} expected {expected.tolist()}, "
                            f"got {out.astype(int).tolist()}")
    again = np.asarray(_call(fn, view))
    if not np.array_equal(again.astype(int), expected):
        raise ExerciseError("a second call on the same labels gives a different answer: "
                            "re-running the cell must not change anything")
    report_ok("labels binarized into a new array; the input is untouched")


@exercise("read a gradient in the filter-major layout",
          spoilers=("reshape(g, (num_filters, side, side))", "reshape(num_filters, side, side)"),
          placeholder="your function my_maps(g, num_filters, side)")
def check_fix_layout(fn):
    """fn(g, num_filters, side) must turn the filter-major flat vector g (F*n*n,)
    into maps (F, n, n): maps[i, r, c] = g[i*n*n + r*n + c]."""
    num_filters, side = 3, 4
    g = np.arange(num_filters * side * side, dtype=np.float64) * 1.5
    expected = g.reshape(num_filters, side, side)
    out = _call(fn, g.copy(), num_filters, side)
    if returned_nothing(out, "your function my_maps(g, num_filters, side)"):
        return
    out = np.asarray(out)
    if out.shape != expected.shape:
        if out.shape == (side, side, num_filters):
            raise ExerciseError(
                f"your maps have shape {out.shape} = (n, n, F), the article's layout; "
                f"the filter index comes first in g, so the shape is (F, n, n) = {expected.shape}")
        raise ExerciseError(f"expected shape (F, n, n) = {expected.shape}, got {out.shape}")
    if np.allclose(out, g.reshape(side, side, num_filters).transpose(2, 0, 1)):
        raise ExerciseError(
            "right shape, wrong reading: you read g as position-major (n, n, F) and then moved "
            "the axis; in g each filter's n*n values are consecutive, so reshape to (F, n, n)")
    if np.allclose(out, expected.transpose(0, 2, 1)):
        raise ExerciseError("each map is transposed: g's index is i*n*n + r*n + c (row r first)")
    if not np.allclose(out, expected):
        raise ExerciseError(f"maps[0] should be {expected[0].tolist()}, got {out[0].tolist()}")
    report_ok("filter-major gradient read as (F, n, n)")


@exercise("one step of gradient descent",
          spoilers=("{key: p - lr * grads[key]", "{k: p[k] - lr * g[k]"),
          placeholder="your function my_sgd_step(params, grads, lr)")
def check_sgd_step(fn):
    """fn(params, grads, lr) must return new params p - lr * g for every key, without
    changing params or grads."""
    params = {"w1": np.array([[1.0, -2.0], [0.5, 3.0]]), "b1": np.array([0.25, -0.75])}
    grads = {"w1": np.array([[0.5, 1.0], [-2.0, 0.0]]), "b1": np.array([1.0, -1.0])}
    lr = 0.1
    before_p = {k: v.copy() for k, v in params.items()}
    before_g = {k: v.copy() for k, v in grads.items()}
    out = _call(fn, params, grads, lr)
    if out is None and all(np.array_equal(params[k], before_p[k]) for k in params):
        returned_nothing(out, "your function my_sgd_step(params, grads, lr)")
        return
    if any(not np.array_equal(params[k], before_p[k]) for k in params):
        raise ExerciseError("your step modified params in place (e.g. with -=); return a new dict "
                            "so that checkpoints saved earlier keep their values")
    if any(not np.array_equal(grads[k], before_g[k]) for k in grads):
        raise ExerciseError("your step modified grads")
    if not isinstance(out, dict) or set(out) != set(params):
        keys = sorted(out) if isinstance(out, dict) else type(out).__name__
        raise ExerciseError(f"expected a dict with the keys {sorted(params)}, got {keys}")
    for k in params:
        expected = params[k] - lr * grads[k]
        got = np.asarray(out[k])
        if got.shape != expected.shape:
            raise ExerciseError(f"{k}: expected shape {expected.shape}, got {got.shape}")
        if np.allclose(got, params[k] + lr * grads[k]):
            raise ExerciseError(f"{k}: you stepped up the gradient (+); descent subtracts lr * grad")
        if np.allclose(got, params[k] - grads[k]):
            raise ExerciseError(f"{k}: the learning rate is missing: p - lr * grad")
        if not np.allclose(got, expected):
            raise ExerciseError(f"{k}: expected {expected.tolist()}, got {got.tolist()}")
    report_ok("one step of gradient descent, p - lr * grad, inputs untouched")


@exercise("the majority-class baseline",
          spoilers=("bincount(y_train)",),
          placeholder="your function my_baseline(y_train, y_test)")
def check_majority_baseline(fn):
    """fn(y_train, y_test) must return the accuracy on y_test of always answering the
    most frequent class of y_train (a float in [0, 1])."""
    y_train = np.array([2, 2, 2, 0, 1, 2, 0, 1, 2, 1])   # class 2 is the training majority
    y_test = np.array([1, 1, 1, 2, 0, 1, 2, 1])          # class 1 is the test majority
    expected = 2 / 8
    out = _call(fn, y_train.copy(), y_test.copy())
    if returned_nothing(out, "your function my_baseline(y_train, y_test)"):
        return
    try:
        value = float(out)
    except (TypeError, ValueError):
        raise ExerciseError(f"expected one number (an accuracy), got {type(out).__name__} "
                            f"{np.shape(out)}") from None
    if np.isclose(value, 5 / 8):
        raise ExerciseError("you took the most frequent class of the *test* labels: the baseline "
                            "may only use what training sees, y_train")
    if np.isclose(value, 2):
        raise ExerciseError("you returned the majority class itself; return the accuracy of "
                            "always answering it")
    if np.isclose(value, 5 / 10):
        raise ExerciseError("that is the majority's share of the training labels; measure it "
                            "on y_test")
    if np.isclose(value, 25.0):
        raise ExerciseError("an accuracy is a fraction between 0 and 1, not a percentage")
    if not np.isclose(value, expected):
        raise ExerciseError(f"expected {expected} (class 2 is right for 2 of the 8 test labels), "
                            f"got {value}")
    report_ok("majority-class baseline measured on the held-out labels")
