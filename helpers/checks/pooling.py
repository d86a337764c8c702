"""Checks for notebooks 08 (padding and stride) and 09 (max and average pooling).

    check_same_padding(fn)       fn(f) -> p that keeps an n x n input n x n (odd f, stride 1)
    check_unreached_rows(fn)     fn(n, f, s) -> the input rows no window covers (no padding)
    check_pool_output(answer)    the 2 x 2 max pool (size 3, stride 2) of POOL_EXERCISE_X
    check_maxpool_backward(fn)   fn(dout, x, size, stride) -> dx, with overlaps, strides and ties
                                 (at a tie: any split with non-negative weights adding up to one)
    check_avgpool_as_conv(fn)    fn(channels, size) -> (w, stride): conv2d_forward with them is
                                 size x size average pooling of a C-channel map

Each check raises :class:`ExerciseError` with a message saying what is wrong, or
prints one "Correct: ..." line; a placeholder answer, or a function that returns None,
counts as not answered yet (``_common.unanswered``).
"""

import numbers

import numpy as np

from ..conv import conv2d_forward
from ..layers import avgpool2d_forward
from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = ["check_same_padding", "check_unreached_rows", "check_pool_output",
           "check_maxpool_backward", "check_avgpool_as_conv"]

# The matrix of the hand max-pool exercise (size 3, stride 2: the windows overlap
# along row 2 and column 2). Imported by the notebook, so both show the same numbers.
POOL_EXERCISE_X = np.array([
    [1, 3, 2, 0, 4],
    [5, 0, 1, 7, 2],
    [2, 8, 3, 1, 0],
    [0, 4, 6, 2, 9],
    [3, 1, 0, 5, 2],
])
POOL_EXERCISE_SIZE, POOL_EXERCISE_STRIDE = 3, 2


def _call(fn, name, *args):
    """Call the learner's function; turn its exception into a readable ExerciseError."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code may raise anything
        shown = ", ".join(repr(a) if not isinstance(a, np.ndarray) else f"<array of shape {a.shape}>"
                          for a in args)
        raise ExerciseError(f"{name}({shown}) raised {type(err).__name__}: {err}") from err


# ---------------------------------------------------------------- padding

@exercise("the padding that keeps the size",
          spoilers=("(f - 1) // 2", "(f - 1) / 2", "(f-1)/2"),
          placeholder="your function same_padding(f)")
def check_same_padding(fn):
    """fn(f) must return the integer p = (f - 1) / 2 for odd f.

    With stride 1 the output has n + 2p - f + 1 rows; "same" means that is n.
    """
    n = 28
    for f in (1, 3, 5, 7, 9, 11):
        p = _call(fn, "your function", f)
        if returned_nothing(p, "your function same_padding(f)"):
            return
        if isinstance(p, bool) or not isinstance(p, numbers.Number):
            raise ExerciseError(f"for f={f} your function returned {p!r}; return a number of pixels (an int)")
        if not isinstance(p, numbers.Integral):
            if float(p).is_integer():
                raise ExerciseError(
                    f"for f={f} your function returned {p!r}, a float; padding counts whole "
                    f"pixels, so return an int (integer division // keeps it one)")
            raise ExerciseError(
                f"for f={f} your function returned {p!r}, which is not a whole number of pixels")
        p = int(p)
        out = n + 2 * p - f + 1
        if out != n:
            hint = ""
            if p == 0 and f > 1:
                hint = " p = 0 is 'valid' padding, which shrinks the image."
            elif p == f - 1:
                hint = " p = f - 1 is 'full' padding, which grows the image."
            raise ExerciseError(
                f"for f={f} your p={p} turns a {n} x {n} input into {out} x {out} "
                f"(n + 2p - f + 1 = {n} + {2 * p} - {f} + 1), not {n} x {n}.{hint} "
                f"Solve n + 2p - f + 1 = n for p.")
    report_ok("p = (f - 1) / 2 keeps the size for every odd f (1, 3, ..., 11)")


# ---------------------------------------------------------------- stride

def _unreached(n, f, s):
    """Rows 0..n-1 that no window [i*s, i*s + f) covers, by counting (the reference)."""
    count = np.zeros(n, dtype=int)
    for i in range((n - f) // s + 1):
        count[i * s:i * s + f] += 1
    return [int(r) for r in np.flatnonzero(count == 0)]


_UNREACHED_CASES = [(28, 5, 1), (28, 5, 2), (28, 3, 2), (28, 5, 3), (28, 2, 2),
                    (7, 2, 2), (10, 2, 3), (5, 1, 2), (12, 3, 4)]


@exercise("the rows no window reaches",
          spoilers=("[2, 5, 8, 9]", "[26, 27]"),
          placeholder="your function of (n, f, s) returning a list of rows")
def check_unreached_rows(fn):
    """fn(n, f, s) -> the input rows (0-based) that no f-row window at stride s covers.

    No padding. Windows start at rows 0, s, 2s, ... while they fit. Catches: only
    the rows after the last window (forgetting the gaps when s > f), an off-by-one
    at the end, returning a count instead of the rows.
    """
    for n, f, s in _UNREACHED_CASES:
        got = _call(fn, "your function", n, f, s)
        if returned_nothing(got, "your function of (n, f, s) returning a list of rows"):
            return
        if isinstance(got, numbers.Number):
            raise ExerciseError(
                f"for n={n}, f={f}, s={s} your function returned the number {got!r}; return the "
                f"list of the rows themselves (0-based), e.g. [27]")
        try:
            rows = sorted({int(r) for r in np.asarray(got).ravel()})
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"for n={n}, f={f}, s={s} could not read {got!r} as row numbers "
                                f"({err})") from err
        expected = _unreached(n, f, s)
        if rows == expected:
            continue
        n_out = (n - f) // s + 1
        last = (n_out - 1) * s
        where = (f"{n_out} windows start at rows 0, {s}, ..., {last}; the last covers rows "
                 f"{last}..{last + f - 1}")
        missing = sorted(set(expected) - set(rows))
        extra = sorted(set(rows) - set(expected))
        parts = []
        if missing:
            parts.append(f"it leaves out rows {missing}, which no window reaches")
            if s > f and any(r < last for r in missing):
                parts.append(f"(with s={s} > f={f} there are gaps between windows, not only at the end)")
        if extra:
            parts.append(f"it lists rows {extra}, which a window does cover")
        raise ExerciseError(f"for n={n}, f={f}, s={s} your answer {rows} is wrong: "
                            + " ".join(parts) + f". Here {where}; expected {expected}.")
    report_ok(f"the unreached rows are right in all {len(_UNREACHED_CASES)} cases, gaps included")


# ---------------------------------------------------------------- pooling forward

def _pool2d(x, size, stride, reduce):
    """Pool one 2-D matrix with windows of size x size at the given stride (loops)."""
    oh, ow = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    out = np.empty((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = reduce(x[i * stride:i * stride + size, j * stride:j * stride + size])
    return out


@exercise("a max pool by hand",
          spoilers=("[[8, 7], [8, 9]]",),
          placeholder="your max pool as a nested list of rows")
def check_pool_output(answer):
    """answer: the max pool (size 3, stride 2) of POOL_EXERCISE_X, a 2 x 2 array or nested list."""
    x, size, stride = POOL_EXERCISE_X.astype(float), POOL_EXERCISE_SIZE, POOL_EXERCISE_STRIDE
    expected = _pool2d(x, size, stride, np.max)
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError) as err:
        raise ExerciseError(f"could not read your answer as a matrix of numbers ({err})") from err
    if got.shape != expected.shape:
        hint = ""
        if got.shape == _pool2d(x, size, 1, np.max).shape:
            hint = " That is the shape for stride 1; here the window moves 2 columns at a time."
        raise ExerciseError(
            f"your answer has shape {got.shape}, expected {expected.shape}: (n - f) // s + 1 = "
            f"(5 - 3) // 2 + 1 = 2 rows and 2 columns.{hint}")
    if np.array_equal(got, expected):
        report_ok(f"the max pool is {expected.astype(int).tolist()}")
        return
    known = {
        "the averages of the windows (average pooling), not their maxima": _pool2d(x, size, stride, np.mean),
        "the minima of the windows, not their maxima": _pool2d(x, size, stride, np.min),
        ("the max pool transposed: output [i, j] belongs to the window i steps down "
                     "and j steps right, so [0, 1] is the top-right window"): expected.T,
        "the max pool with 2 x 2 windows; these windows are 3 x 3": _pool2d(x, 2, 2, np.max),
    }
    for what, value in known.items():
        if np.allclose(got, value):
            raise ExerciseError(f"your answer {got.tolist()} is {what}.")
    i, j = np.argwhere(got != expected)[0]
    r, c = i * stride, j * stride
    raise ExerciseError(
        f"output [{i}, {j}] is {got[i, j]:g}, but window rows {r}..{r + size - 1}, columns "
        f"{c}..{c + size - 1} holds {x[r:r + size, c:c + size].astype(int).tolist()}, whose "
        f"maximum is {expected[i, j]:g}.")


# ---------------------------------------------------------------- pooling backward

def _windows(shape, size, stride):
    """(i, j, rows slice, cols slice) for every window of an (H, W) plane."""
    h, w = shape
    for i in range((h - size) // stride + 1):
        for j in range((w - size) // stride + 1):
            yield i, j, slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)


def _maxpool_winners(dout, x, size, stride):
    """{(n, c, row, col): [dout of every window that input wins]}, first maximum in reading order."""
    wins = {}
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, j, rs, cs in _windows(x.shape[2:], size, stride):
                p, q = np.unravel_index(np.argmax(x[n, c, rs, cs]), (size, size))
                wins.setdefault((n, c, rs.start + p, cs.start + q), []).append(dout[n, c, i, j])
    return wins


def _maxpool_backward_ref(dout, x, size, stride):
    """The one-winner rule with loops: each input gets the sum of the windows it wins."""
    dx = np.zeros_like(x)
    for position, grads in _maxpool_winners(dout, x, size, stride).items():
        dx[position] = sum(grads)
    return dx


def _tie_free(rng, shape):
    """Random values, distinct within every plane, so every window has one maximum."""
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(float)
    return x / x.size + 0.1 * rng.standard_normal(shape) / x.size


def _backward_cases():
    """(description, x, size, stride) covering each way a max-pool backward goes wrong."""
    rng = np.random.default_rng(7)
    shared = np.zeros((1, 1, 5, 5))
    shared[0, 0] = np.arange(25).reshape(5, 5) / 100.0
    shared[0, 0, 2, 2] = 1.0      # the centre belongs to all four 3 x 3 windows and wins each
    ties = np.zeros((1, 2, 6, 6))  # blank windows (four tied zeros), as on an MNIST background
    ties[0, 0, 0:2, 2:4] = [[0.5, 0.5], [0.2, 0.5]]   # three tied maxima
    ties[0, 1, 2:4, 2:4] = [[0.9, 0.1], [0.3, 0.9]]   # two tied maxima
    ties[0, 1, 4, 5] = 0.4                            # a window with one clear winner
    return [
        ("2 x 2 windows, stride 2, distinct values", _tie_free(rng, (2, 3, 6, 6)), 2, 2),
        ("3 x 3 windows, stride 2 (overlapping): the centre wins all four windows", shared, 3, 2),
        ("3 x 3 windows, stride 2 (overlapping), distinct values", _tie_free(rng, (2, 2, 9, 9)), 3, 2),
        ("2 x 2 windows, stride 1 (overlapping), distinct values", _tie_free(rng, (1, 2, 5, 6)), 2, 1),
        ("2 x 2 windows, stride 3 (stride != size: rows 2, 5, 6 are never in a window)",
         _tie_free(rng, (1, 2, 7, 7)), 2, 3),
        ("2 x 2 windows, stride 2, with tied maxima (blank windows are four tied zeros)", ties, 2, 2),
    ]


def _check_ties(got, dout, x, size, stride, case):
    """Ties: accept any split of a window's gradient over its tied maxima with non-negative
    weights that add up to one (one winner is one such split; windows do not overlap in the
    tie case, so each block of dx belongs to one window). Returns True when every tied
    window went to a single winner."""
    one_winner = True
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, j, rs, cs in _windows(x.shape[2:], size, stride):
                win, g, d = x[n, c, rs, cs], got[n, c, rs, cs], dout[n, c, i, j]
                is_max = win == win.max()
                k = int(is_max.sum())
                where = (f"window [{n}, {c}, {i}, {j}] (rows {rs.start}..{rs.stop - 1}, columns "
                         f"{cs.start}..{cs.stop - 1}) holds {win.tolist()} with dout = {d:g}")
                if k > 1 and np.all(g[~is_max] == 0) and np.allclose(g[is_max], d):
                    raise ExerciseError(
                        f"{case}: {where}: it has {k} tied maxima and your dx gives each of them "
                        f"the window's whole gradient, so it counts that gradient {k} times (the "
                        f"block of dx sums to {g.sum():g}, not {d:g}). Moving the window's inputs "
                        f"together by t moves its max by t, not {k}t: split the gradient over the "
                        f"tied maxima with weights that add up to one (e.g. all of it to the first "
                        f"maximum in reading order, as the frameworks do).")
                if not np.allclose(g[~is_max], 0):
                    raise ExerciseError(
                        f"{case}: {where}: your dx block {g.tolist()} gives gradient to inputs "
                        f"that are not the window's maximum; nudging them changes nothing.")
                if not np.isclose(g.sum(), d):
                    raise ExerciseError(
                        f"{case}: {where}: your dx block {g.tolist()} adds up to {g.sum():g}; the "
                        f"window passes on exactly its dout = {d:g} (the weights given to its "
                        f"maxima must add up to one).")
                weights = g[is_max] / d
                if np.any(weights < -1e-12):
                    raise ExerciseError(
                        f"{case}: {where}: your dx block {g.tolist()} splits the gradient over "
                        f"the tied maxima with weights {np.round(weights, 6).tolist()}; a negative "
                        f"weight claims that raising that input alone lowers the maximum, which "
                        f"never happens: the weights must be non-negative.")
                one_winner &= int(np.count_nonzero(g)) <= 1
    return one_winner


@exercise("the max-pool backward pass",
          spoilers=("np.unravel_index(np.argmax(window)",),
          placeholder="your function of (dout, x, size, stride) returning dx")
def check_maxpool_backward(fn):
    """fn(dout, x, size, stride) -> dx for max pooling, x and dx of shape (N, C, H, W).

    Cases: non-overlapping windows, overlapping windows (3 x 3 at stride 2, 2 x 2 at
    stride 1), stride larger than the window (all with distinct values: one maximum per
    window), and tied maxima in non-overlapping windows. At a tie every split of the
    window's gradient over its tied maxima with non-negative weights adding up to one is
    a subgradient of the max, so every such split is accepted: one winner (the
    frameworks' convention, and helpers'), an equal split, any other. Catches the
    all-ties rule (each tied maximum gets the whole gradient), negative weights, weights
    that do not add up to one, forgetting to sum where windows overlap, ignoring the
    stride, and average pooling's backward.
    """
    rng = np.random.default_rng(11)
    one_winner = True
    for case, x, size, stride in _backward_cases():
        oh, ow = (x.shape[2] - size) // stride + 1, (x.shape[3] - size) // stride + 1
        dout = rng.uniform(0.5, 1.5, (x.shape[0], x.shape[1], oh, ow)) * rng.choice([-1, 1], (oh, ow))
        got = _call(fn, f"{case}: your backward", dout.copy(), x.copy(), size, stride)
        if returned_nothing(got, "your function of (dout, x, size, stride) returning dx"):
            return
        got = np.asarray(got, dtype=float)
        if got.shape != x.shape:
            raise ExerciseError(f"{case}: dx has shape {got.shape}, expected x's shape {x.shape} "
                                f"(dout has shape {dout.shape})")
        expected = _maxpool_backward_ref(dout, x, size, stride)
        if "tied" in case:
            one_winner = _check_ties(got, dout, x, size, stride, case)
            continue
        if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        wins = _maxpool_winners(dout, x, size, stride)
        wrong = [tuple(b) for b in np.argwhere(~np.isclose(got, expected, rtol=1e-9, atol=1e-12))]
        if all(len(wins.get(b, [])) > 1 and np.isclose(got[b], wins[b]).any() for b in wrong):
            raise ExerciseError(
                f"{case}: where windows overlap, one input can win several windows; its gradient "
                f"is the sum of theirs, but your dx keeps only one (assign with += , not =). "
                f"Sum of dx: yours {got.sum():.4g}, expected {expected.sum():.4g} (= sum of dout).")
        avg = np.zeros_like(x)
        for i, j, rs, cs in _windows(x.shape[2:], size, stride):
            avg[:, :, rs, cs] += dout[:, :, i, j][..., None, None] / size ** 2
        if np.allclose(got, avg):
            raise ExerciseError(f"{case}: your dx spreads dout evenly over each window: that is "
                                f"average pooling's backward. Max pooling sends it to the maximum only.")
        bad = np.argwhere(~np.isclose(got, expected, rtol=1e-9, atol=1e-12))
        n, c, r, col = bad[0]
        raise ExerciseError(
            f"{case}: dx differs from the expected at {len(bad)} of {x.size} positions; first at "
            f"[{n}, {c}, {r}, {col}]: yours {got[n, c, r, col]:.4g}, expected "
            f"{expected[n, c, r, col]:.4g}. Sum of dx: yours {got.sum():.4g}, expected "
            f"{expected.sum():.4g} (= sum of dout). Window (i, j) covers rows i*stride .. "
            f"i*stride + size - 1.")
    ties = ("one winner per tied window (the frameworks' convention)" if one_winner else
            "tied windows split over their maxima with non-negative weights adding up to one "
            "(a valid choice; the frameworks give it all to one winner)")
    report_ok(f"max-pool backward: overlaps summed, strides respected, {ties}")


# ---------------------------------------------------------------- average pooling as a convolution

_AVG_CASES = [(1, 2), (3, 2), (2, 3)]      # (channels, size)


@exercise("average pooling as a convolution",
          spoilers=("np.eye(channels)", "w[c, c] = 1 /"),
          placeholder="your function avgpool_as_conv(channels, size) returning (w, stride)")
def check_avgpool_as_conv(fn):
    """fn(channels, size) -> (w, stride) such that conv2d_forward(x, w, stride=stride) equals
    avgpool2d_forward(x, size, size) for every x of shape (N, channels, H, W).

    w must be (C, C, size, size): filter f averages channel f only (pooling keeps the
    channels apart, while a convolution sums over them). Catches the filter that mixes
    the channels, the sum instead of the mean, stride 1, and a (1, 1, k, k) filter.
    """
    rng = np.random.default_rng(5)
    for channels, size in _AVG_CASES:
        what = f"for {channels} channel{'s' * (channels > 1)} and {size} x {size} pooling"
        try:
            answer = fn(channels, size)
        except Exception as err:  # the learner's code may raise anything
            raise ExerciseError(f"{what}: your function raised {type(err).__name__}: {err}") from err
        if returned_nothing(answer, "your function avgpool_as_conv(channels, size) returning "
                                    "(w, stride)"):
            return
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise ExerciseError(f"{what}: return a pair (w, stride), got {answer!r}")
        w, stride = answer
        try:
            w = np.asarray(w, dtype=float)
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"{what}: could not read w as an array of numbers ({err})") from err
        expected_shape = (channels, channels, size, size)
        if w.shape != expected_shape:
            hint = ""
            if w.ndim == 4 and w.shape[1] != channels:
                hint = (f" A filter has one {size} x {size} slice per input channel, so its second "
                        f"axis must be C = {channels}.")
            elif w.ndim == 4 and w.shape[0] != channels:
                hint = (f" Pooling keeps the {channels} channels, so the convolution needs "
                        f"{channels} filters (the first axis).")
            raise ExerciseError(f"{what}: w has shape {w.shape}, expected (F, C, KH, KW) = "
                                f"{expected_shape}.{hint}")
        if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)):
            raise ExerciseError(f"{what}: the stride must be an int, got {stride!r}")
        x = rng.uniform(-1, 1, (2, channels, 7, 8))
        pooled, _ = avgpool2d_forward(x, size=size, stride=size)
        try:
            z, _ = conv2d_forward(x, w, stride=int(stride))
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"{what}: conv2d_forward refused your stride: {err}") from err
        if z.shape != pooled.shape:
            hint = ""
            if stride < size:
                hint = f" With stride {stride} the windows overlap; pooling windows sit side by side."
            raise ExerciseError(f"{what}: the convolution gives shape {z.shape}, the pooling "
                                f"{pooled.shape}.{hint}")
        if np.allclose(z, pooled):
            continue
        if np.allclose(z, pooled * size ** 2):
            raise ExerciseError(f"{what}: your convolution adds up each window ({size ** 2} "
                                f"times the mean): scale the weights so that they average.")
        if channels > 1 and np.allclose(z, np.repeat(pooled.sum(axis=1, keepdims=True), channels, 1)):
            raise ExerciseError(
                f"{what}: each output channel of your convolution averages every input channel "
                f"and adds them up (a convolution sums over c); pooling keeps the channels "
                f"apart: filter f must weigh channel f only and be 0 on the others.")
        n, c, i, j = (int(k) for k in np.argwhere(~np.isclose(z, pooled))[0])
        raise ExerciseError(f"{what}: output [{n}, {c}, {i}, {j}] of your convolution is "
                            f"{z[n, c, i, j]:.4g}, the average pool gives {pooled[n, c, i, j]:.4g}.")
    report_ok(f"your filters and stride reproduce average pooling for every channel count and "
              f"window size tried ({len(_AVG_CASES)} cases)")
