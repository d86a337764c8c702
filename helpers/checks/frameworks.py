"""Checks for notebooks 12 (Fashion-MNIST) and 13 (the same network in Keras).

    check_hardest_pair(fn)                        fn(cm) -> (i, j), the two classes most
                                                  often mixed up (both directions)
    check_merged_accuracy(fn)                     fn(cm, group) -> accuracy when the classes
                                                  in group count as one
    check_keras_kernel_layout(fn)                 fn(w (F, C, KH, KW)) -> Keras' (KH, KW, C, F)
    check_flatten_permutation(fn)                 fn(W, F, H, W_) -> the dense rows Keras'
                                                  channels_last Flatten needs
    check_cnn_param_count(answer, channels, K)    the number of weights and biases of the
                                                  improved CNN (what model.summary() reports)

Each check raises :class:`ExerciseError` with a message saying what is wrong, or
prints one "Correct: ..." line; a placeholder answer, or a function that returns None,
counts as not answered yet (``_common.unanswered``). NumPy only.
"""

import numbers

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = ["check_hardest_pair", "check_merged_accuracy", "check_keras_kernel_layout",
           "check_flatten_permutation", "check_cnn_param_count"]


def _call(fn, name, *args):
    """Call the learner's function; turn its exception into a readable ExerciseError."""
    if not callable(fn):
        raise ExerciseError(f"pass your function itself (not {type(fn).__name__} {fn!r})")
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code may raise anything
        shown = ", ".join(f"<array of shape {a.shape}>" if isinstance(a, np.ndarray) else repr(a)
                          for a in args)
        raise ExerciseError(f"{name}({shown}) raised {type(err).__name__}: {err}") from err


def _as_result_array(result, name, expected_shape):
    if result is None:
        raise ExerciseError(f"{name} returned None: it must return an array of shape "
                            f"{expected_shape}")
    try:
        result = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ExerciseError(f"{name} returned {type(result).__name__}, which is not an array "
                            f"of numbers: {err}") from err
    if result.shape != tuple(expected_shape):
        raise ExerciseError(f"{name} returned shape {result.shape}, "
                            f"expected {tuple(expected_shape)}")
    return result


# ---------------------------------------------------------------- notebook 12

# Confusion matrices for check_hardest_pair: in each, the largest single off-diagonal cell
# is NOT part of the pair mixed up most often in both directions.
HARDEST_PAIR_CASES = [
    ("a 4 x 4 matrix", np.array([[50, 3, 40, 0],
                                 [2, 40, 0, 25],
                                 [0, 1, 60, 2],
                                 [1, 30, 4, 45]]), (1, 3)),     # 25 + 30 = 55 > 40 + 0
    ("a 10 x 10 matrix", None, (0, 6)),                        # built in _ten_class_case
    ("a 3 x 3 matrix", np.array([[7, 9, 6],
                                 [0, 8, 1],
                                 [5, 2, 9]]), (0, 2)),          # 6 + 5 = 11 > 9 + 0
]


def _ten_class_case():
    cm = np.diag([900] * 10)
    cm[6, 0], cm[0, 6] = 120, 90        # 210 in all
    cm[2, 4], cm[4, 2] = 150, 20        # the largest single cell, 170 in all
    return cm


def _pair_of_indices(result, k):
    """The learner's answer as two class indices, or an ExerciseError saying what is wrong."""
    if isinstance(result, (str, bytes)) or not hasattr(result, "__len__") or len(result) != 2:
        raise ExerciseError(f"return two class indices, e.g. (2, 5); got {result!r}")
    pair = []
    for item in result:
        if isinstance(item, str):
            raise ExerciseError(f"return the classes' indices (row and column numbers of cm), "
                                f"not names such as {item!r}")
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, (numbers.Integral,
                                                                       np.integer)):
            raise ExerciseError(f"return two whole numbers (class indices); got {item!r}")
        if not 0 <= int(item) < k:
            raise ExerciseError(f"class index {int(item)} is out of range 0..{k - 1}")
        pair.append(int(item))
    return pair


@exercise("the two classes most often mixed up",
          spoilers=("cm + cm.T", "np.fill_diagonal"),
          placeholder="your function hardest_pair(cm)")
def check_hardest_pair(fn):
    """fn(cm) -> (i, j): the two classes (indices, either order) that the confusion matrix
    cm (K, K) (rows: true class, columns: predicted class) mixes up most often, counting
    both directions: the largest C[i, j] + C[j, i] with i != j.

    Tried on matrices where the largest single off-diagonal cell is not the answer.
    """
    for what, cm, (want_i, want_j) in HARDEST_PAIR_CASES:
        cm = _ten_class_case() if cm is None else cm
        original = cm.copy()
        raw = _call(fn, "your function", cm)
        if not np.array_equal(cm, original):
            raise ExerciseError("your function changed cm; compute in a new array "
                                "(e.g. cm + cm.T) instead of changing the matrix")
        if returned_nothing(raw, "your function hardest_pair(cm)"):
            return
        i, j = _pair_of_indices(raw, len(cm))
        if i == j:
            raise ExerciseError(f"for {what} both classes are {i}: C[{i}, {i}] on the diagonal "
                                f"counts correct predictions, not confusions")
        both = cm + cm.T
        best = int(both[want_i, want_j])
        mine = int(both[i, j])
        if mine == best:
            continue
        off = np.where(np.eye(len(cm), dtype=bool), -1, cm)
        big_i, big_j = np.unravel_index(np.argmax(off), cm.shape)
        hint = ""
        if {i, j} == {int(big_i), int(big_j)}:
            hint = (" You found the largest single cell; count both directions: "
                    "C[i, j] + C[j, i].")
        raise ExerciseError(
            f"for {what} classes {i} and {j} are mixed up {mine} times (C[{i}, {j}] + "
            f"C[{j}, {i}] = {int(cm[i, j])} + {int(cm[j, i])}), but classes {want_i} and "
            f"{want_j} are mixed up {best} times.{hint}\ncm =\n{cm}")
    report_ok("the pair with the largest C[i, j] + C[j, i], also where the largest single "
              "cell points elsewhere")


MERGE_EXERCISE_CM = np.array([[50, 3, 7, 0],
                              [10, 30, 0, 2],
                              [5, 15, 80, 1],
                              [0, 4, 2, 60]])   # rows and columns sum differently on purpose
MERGE_EXERCISE_GROUP = (0, 1)


def _merged_accuracy(cm, group):
    group = sorted(set(int(g) for g in group))
    rest = [k for k in range(len(cm)) if k not in group]
    correct = cm[np.ix_(group, group)].sum() + sum(cm[k, k] for k in rest)
    return correct / cm.sum()


@exercise("accuracy with a group of classes merged",
          spoilers=("cm[np.ix_(group, group)]",),
          placeholder="your function merged_accuracy(cm, group)")
def check_merged_accuracy(fn):
    """fn(cm, group) -> the accuracy once the classes in ``group`` count as one class:
    a prediction is right when it names the true class, or when true and predicted
    class are both in the group. cm (K, K) counts, group: a tuple of class indices."""
    cases = [(MERGE_EXERCISE_CM, MERGE_EXERCISE_GROUP), (MERGE_EXERCISE_CM, (1, 2, 3)),
             (MERGE_EXERCISE_CM, (0, 2))]
    for cm, group in cases:
        raw = _call(fn, "your function", cm.copy(), group)
        if returned_nothing(raw, "your function merged_accuracy(cm, group)"):
            return
        if isinstance(raw, bool) or not isinstance(raw, (numbers.Number, np.number)) \
                and np.ndim(raw) != 0:
            raise ExerciseError(f"return one number, got {type(raw).__name__}")
        result = float(raw)
        expected = _merged_accuracy(cm, group)
        if np.isclose(result, expected):
            continue
        if np.isclose(result, 100 * expected):
            raise ExerciseError("that is a percentage; return a fraction between 0 and 1")
        if np.isclose(result, np.trace(cm) / cm.sum()):
            raise ExerciseError(
                f"for group {group} you returned the plain accuracy (the diagonal): after the "
                f"merge, a class of the group predicted as another class of the group is right "
                f"too, so count the whole block cm[group][:, group]")
        block = cm[np.ix_(list(group), list(group))].sum()
        if np.isclose(result, block / cm.sum()):
            raise ExerciseError(f"for group {group} you counted only the group's block; the "
                                f"classes outside the group still count when predicted right "
                                f"(their diagonal cells)")
        raise ExerciseError(f"for group {group} and cm =\n{cm}\nexpected {expected:.4f}, "
                            f"got {result:.4f}")
    report_ok("merged accuracy = (the group's whole block + the other diagonal cells) / total")


# ---------------------------------------------------------------- notebook 13

@exercise("our filters in Keras' kernel layout",
          spoilers=("transpose(2, 3, 1, 0)",),
          placeholder="your function to_keras_kernel(w)")
def check_keras_kernel_layout(fn):
    """fn(w) turns our filters w (F, C, KH, KW) into a Keras Conv2D kernel (KH, KW, C, F)
    with kernel[a, b, c, f] = w[f, c, a, b]. Tried on a non-square and a square kernel."""
    rng = np.random.default_rng(7)
    for shape in [(5, 3, 4, 2), (2, 1, 3, 3)]:
        w = rng.standard_normal(shape)
        f_, c_, kh, kw = shape
        expected = np.empty((kh, kw, c_, f_))
        for f in range(f_):
            for c in range(c_):
                for a in range(kh):
                    for b in range(kw):
                        expected[a, b, c, f] = w[f, c, a, b]
        original = w.copy()
        raw = _call(fn, "your function", w)
        if not np.array_equal(w, original):
            raise ExerciseError("your function changed its input w; return a new array")
        if returned_nothing(raw, "your function to_keras_kernel(w)"):
            return
        result = np.asarray(raw, dtype=np.float64)
        if result.shape != expected.shape:
            hint = ""
            if result.shape == (kw, kh, c_, f_):
                hint = " KH and KW are swapped: the kernel's first axis is the filter's rows."
            elif result.shape == (kh, kw, f_, c_):
                hint = " C and F are swapped: Keras puts the output filters F last."
            raise ExerciseError(f"for w of shape (F, C, KH, KW) = {shape} expected "
                                f"(KH, KW, C, F) = {expected.shape}, got {result.shape}.{hint}")
        if np.array_equal(result, expected):
            continue
        if np.array_equal(result, w.reshape(expected.shape)):
            raise ExerciseError(
                "the shape is right but the numbers are not: a reshape keeps the numbers in "
                "memory order and only relabels the axes, so kernel[a, b, c, f] is not "
                "w[f, c, a, b]. Move the axes with transpose (then the shape follows).")
        if kh == kw and np.array_equal(result, w.transpose(3, 2, 1, 0)):
            raise ExerciseError(
                "each filter came out transposed (rows and columns swapped): transpose(3, 2, 1, 0) "
                "reverses all axes, so the kernel's axis 0 is KW. The order you need is "
                "(KH, KW, C, F) from (F, C, KH, KW).")
        a, b, c, f = np.argwhere(~np.isclose(result, expected))[0]
        raise ExerciseError(f"kernel[{a}, {b}, {c}, {f}] should be w[{f}, {c}, {a}, {b}] = "
                            f"{expected[a, b, c, f]:.4f}, got {result[a, b, c, f]:.4f} "
                            f"(w of shape {shape})")
    report_ok("kernel[a, b, c, f] = w[f, c, a, b] for a non-square and a square kernel")


def _describe(d, channels, height, width):
    f, rest = divmod(int(d), height * width)
    i, j = divmod(rest, width)
    return f"map {f}, pixel ({i}, {j})"


@exercise("the rows Keras' Flatten needs",
          spoilers=("transpose(1, 2, 0)",),
          placeholder="your function to_keras_dense(W, channels, height, width)")
def check_flatten_permutation(fn):
    """fn(W, channels, height, width) -> W_keras: the rows of our dense weights W
    (F*H*W, M), reordered for Keras' channels_last Flatten, which reads (H, W, F):
    Keras feature r = (i*W + j)*F + f must get our row f*H*W + i*W + j.

    Verified on data: for feature maps a (N, F, H, W), a.reshape(N, -1) @ W must equal
    a.transpose(0, 2, 3, 1).reshape(N, -1) @ W_keras.
    """
    rng = np.random.default_rng(3)
    channels, height, width, m = 3, 4, 5, 2
    d = channels * height * width
    W = rng.standard_normal((d, m))
    a = rng.standard_normal((6, channels, height, width))
    original = W.copy()
    raw = _call(fn, "your function", W, channels, height, width)
    if not np.array_equal(W, original):
        raise ExerciseError("your function changed its input W; return a new array")
    if returned_nothing(raw, "your function to_keras_dense(W, channels, height, width)"):
        return
    result = _as_result_array(raw, "your function", (d, m))
    z_ours = a.reshape(len(a), -1) @ W
    z_keras = a.transpose(0, 2, 3, 1).reshape(len(a), -1) @ result
    if np.allclose(z_keras, z_ours):
        report_ok("Keras' (H, W, F) flatten times your rows gives the same z as our (F, H, W) "
                  "flatten times W")
        return
    if np.array_equal(result, W):
        raise ExerciseError(
            "W came back unchanged: Keras' channels_last Flatten lists the features in the "
            "order (i, j, f), ours in the order (f, i, j), so the rows must be permuted")
    # Which of our rows landed where? (W's rows are distinct random numbers.)
    expected_src = np.arange(d).reshape(channels, height, width).transpose(1, 2, 0).reshape(-1)
    matches = [np.flatnonzero(np.all(np.isclose(W, row), axis=1)) for row in result]
    if all(len(hit) == 1 for hit in matches):
        src = np.array([hit[0] for hit in matches])
        if np.array_equal(src, np.argsort(expected_src)):
            raise ExerciseError(
                "you applied the inverse permutation (Keras order -> our order). Row r of "
                "W_keras must be our row perm[r], where perm lists our feature numbers in "
                "Keras' order (i, j, f)")
        r = int(np.flatnonzero(src != expected_src)[0])
        i, rest = divmod(r, width * channels)
        j, f = divmod(rest, channels)
        raise ExerciseError(
            f"Keras' feature {r} is {_describe(expected_src[r], channels, height, width)} "
            f"(r = (i*W + j)*F + f with F, H, W = {channels}, {height}, {width}), which is our "
            f"row {int(expected_src[r])}; your row {r} is our row {int(src[r])} "
            f"({_describe(src[r], channels, height, width)})")
    raise ExerciseError("your rows are not a reordering of W's rows: only move rows, "
                        "do not change or mix the numbers")


@exercise("count the CNN's parameters",
          spoilers=("20490", "20,490", "20_490"),
          placeholder="your count, a number")
def check_cnn_param_count(answer, channels=(16, 32), num_classes=10, image_size=28):
    """answer: how many numbers the improved CNN has (weights and biases), which is what
    Keras' model.summary() / model.count_params() reports.

        conv1: 3*3*1*C1 + C1     conv2: 3*3*C1*C2 + C2     dense: (C2*7*7)*K + K
    """
    c1, c2 = channels
    side = image_size // 2 // 2
    parts = {"conv1": 9 * c1 + c1, "conv2": 9 * c1 * c2 + c2,
             "dense": c2 * side * side * num_classes + num_classes}
    expected = sum(parts.values())
    if isinstance(answer, bool) or not isinstance(answer, numbers.Number):
        raise ExerciseError(f"give a number, got {type(answer).__name__} {answer!r}")
    if answer == expected:
        report_ok(f"{expected:,} parameters (conv1 {parts['conv1']:,}, conv2 {parts['conv2']:,}, "
                  f"dense {parts['dense']:,})")
        return
    no_bias = 9 * c1 + 9 * c1 * c2 + c2 * side * side * num_classes
    if answer == no_bias:
        raise ExerciseError(f"{answer:,} counts the weights only: every layer also has one "
                            f"bias per output (C1 + C2 + K = {c1 + c2 + num_classes} more)")
    no_pool = 9 * c1 + c1 + 9 * c1 * c2 + c2 + c2 * image_size * image_size * num_classes \
        + num_classes
    if answer == no_pool:
        raise ExerciseError(f"the dense layer reads the map after two 2 x 2 poolings: "
                            f"{side} x {side} per channel, not {image_size} x {image_size}")
    first_c = 9 * c1 + c1 + 9 * c2 + c2 + c2 * side * side * num_classes + num_classes
    if answer == first_c:
        raise ExerciseError("conv2's filters read all C1 channels of conv1's output: "
                            "3 * 3 * C1 weights per filter")
    raise ExerciseError(f"{answer!r} is not the count; add up each layer's weights and biases "
                        f"(channels = {channels}, K = {num_classes}, {side} x {side} maps "
                        f"before the dense layer)")
