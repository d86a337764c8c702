"""Exercise checks for notebooks 01 (convolution by hand) and 02 (the 3x3 example).

Each check compares the learner's answer with a reference computed here (with
NumPy only, independently of ``helpers.conv``), and when it is wrong, compares it
with the usual mistakes (a flipped kernel, ceil instead of floor, padding on one
side only, rows and columns swapped ...) to say which one was made.

The exercises' fixed data live here too, so the notebook shows exactly what the
check tests: ``FLIP_KERNEL`` (notebook 01), ``EXERCISE_IMAGE``,
``EXERCISE_FILTER`` and ``COUNT_EXERCISE`` (notebook 02).
"""

import numbers

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = [
    "check_flipped_kernel",
    "check_convolve",
    "check_edge_filter",
    "check_filters_for_convolution",
    "check_conv_output",
    "check_output_size",
    "check_patch",
    "check_patch_count",
]

# Notebook 01: the kernel whose "flipped" version the learner writes down.
FLIP_KERNEL = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])

# Notebook 02: a new small example to compute by hand (3x3 image, 2x2 filter).
EXERCISE_IMAGE = np.array([[2, 0, 1], [4, 3, 5], [1, 2, 0]])
EXERCISE_FILTER = np.array([[1, -1], [2, 0]])

# Notebook 02: how many patches, of how many numbers, for one colour image.
COUNT_EXERCISE = {"size": 32, "channels": 3, "f": 3, "padding": 1, "stride": 2}


def _correlate(x, w):
    """Valid cross-correlation of one 2-D x (H, W) with one 2-D w (KH, KW):
    z[i, j] = sum_{p,q} x[i+p, j+q] w[p, q], shape (H-KH+1, W-KW+1)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape)
    return np.einsum("ijpq,pq->ij", windows, w)


def _as_array(name, value):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ExerciseError(f"{name} should be an array of numbers; could not read it ({err})") from None
    return array


def _same(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-6)


def _call(fn, name, *args):
    """Call the learner's function; turn its exception into a readable ExerciseError."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as err:                       # the learner's bug, reported, not hidden
        shown = ", ".join(f"<array of shape {np.shape(a)}>" if np.ndim(a) else repr(a)
                          for a in args)
        raise ExerciseError(f"{name}({shown}) raised {type(err).__name__}: {err}") from None


# ----------------------------------------------------------------------------------------
# Notebook 01
# ----------------------------------------------------------------------------------------

@exercise("flip a kernel by hand",
          spoilers=("[[9, 8, 7], [6, 5, 4], [3, 2, 1]]", "[::-1, ::-1]"),
          placeholder="your 3x3 array")
def check_flipped_kernel(answer):
    """The kernel that, used with cross-correlation, computes the true convolution
    with ``FLIP_KERNEL``: both axes reversed (a 180-degree rotation)."""
    w = FLIP_KERNEL
    answer = _as_array("answer", answer)
    if answer.shape != w.shape:
        raise ExerciseError(f"answer has shape {answer.shape}; the flipped kernel has the "
                            f"kernel's shape {w.shape}")
    if _same(answer, w[::-1, ::-1]):
        report_ok("flipping both axes (w[::-1, ::-1], a 180-degree turn) turns correlation "
                  "into convolution")
        return
    mistakes = [
        (w, "that is the kernel itself: correlation with it is what the course computes, "
            "convolution needs it flipped"),
        (w[::-1, :], "you reversed the rows only (up-down); the columns must be reversed too"),
        (w[:, ::-1], "you reversed the columns only (left-right); the rows must be reversed too"),
        (w.T, "that is the transpose (a mirror along the diagonal), not a flip: the "
              "corner 3 should end up where 7 is in the answer, not where the 7 started"),
        (np.rot90(w), "that is a 90-degree turn; the flip is a 180-degree turn (two quarter turns)"),
        (np.rot90(w, -1), "that is a 90-degree turn; the flip is a 180-degree turn (two quarter turns)"),
        (-w, "negating the weights is not flipping: keep the values, reverse their positions"),
    ]
    for wrong, message in mistakes:
        if _same(answer, wrong):
            raise ExerciseError(message)
    raise ExerciseError("not the flipped kernel: entry w[p, q] must move to position "
                        "[KH-1-p, KW-1-q], e.g. the top-left 1 goes to the bottom-right")


@exercise("true convolution in valid mode",
          spoilers=("[::-1, ::-1]", "np.flip(w)"),
          placeholder="your function my_convolve(x, w)")
def check_convolve(fn):
    """``fn(x, w)`` must return the true (flipped-kernel) 2-D convolution in 'valid'
    mode: out[i, j] = sum_{p,q} x[i+p, j+q] w[KH-1-p, KW-1-q], shape (H-KH+1, W-KW+1).
    Tested on non-square images and asymmetric, non-square kernels."""
    rng = np.random.default_rng(1)
    cases = [
        (np.array([[3.0, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]]), np.array([[1.0, 2.0], [0.0, -1.0]])),
        (rng.integers(-5, 6, (5, 6)).astype(float), rng.integers(-3, 4, (2, 3)).astype(float)),
        (rng.integers(0, 9, (6, 5)).astype(float), rng.integers(-3, 4, (3, 2)).astype(float)),
        (rng.normal(size=(4, 4)), rng.normal(size=(3, 3))),
    ]
    for x, w in cases:
        raw = _call(fn, "fn", x, w)
        if returned_nothing(raw, "your function my_convolve(x, w)"):
            return
        got = _as_array("the result", raw)
        want = _correlate(x, w[::-1, ::-1])
        if _same(got, want):
            continue
        where = (f"for x of shape {x.shape} and w =\n{np.array2string(w)}")
        expected_shape = (x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1)
        if got.shape != expected_shape:
            full = (x.shape[0] + w.shape[0] - 1, x.shape[1] + w.shape[1] - 1)
            hint = (" (that is the 'full' size: only count positions where the kernel fits "
                    "entirely inside x)" if got.shape == full else "")
            raise ExerciseError(f"result has shape {got.shape} {where}; 'valid' mode gives "
                                f"(H - KH + 1, W - KW + 1) = {expected_shape}{hint}")
        if _same(got, _correlate(x, w)):
            raise ExerciseError(f"you computed cross-correlation (the kernel as it is) {where}; "
                                "true convolution uses the kernel flipped on both axes")
        if _same(got, _correlate(x, w[::-1, :])):
            raise ExerciseError(f"kernel flipped up-down only {where}; flip left-right too")
        if _same(got, _correlate(x, w[:, ::-1])):
            raise ExerciseError(f"kernel flipped left-right only {where}; flip up-down too")
        raise ExerciseError(f"wrong values {where}: expected\n{np.array2string(want)}\n"
                            f"got\n{np.array2string(got)}")
    report_ok("your function computes true convolution (correlation with the flipped kernel)")


def _step(shape, axis, low, high, at):
    """An image of `shape` that jumps from `low` to `high` along `axis` at index `at`."""
    image = np.full(shape, float(low))
    if axis == 0:
        image[at:, :] = high
    else:
        image[:, at:] = high
    return image


@exercise("design a filter for horizontal edges",
          spoilers=("[[-1, -1, -1], [0, 0, 0], [1, 1, 1]]", "[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]"),
          placeholder="your 3x3 filter")
def check_edge_filter(w):
    """A 3x3 filter that finds horizontal edges where the image gets brighter going
    down: zero on flat regions, positive (never negative) on a dark-above,
    bright-below step, zero on vertical edges."""
    w = _as_array("w", w)
    if w.shape != (3, 3):
        raise ExerciseError(f"w has shape {w.shape}; the exercise asks for a 3x3 filter")
    tol = 1e-9 * max(1.0, float(np.abs(w).max()))
    flat = _correlate(np.full((7, 7), 5.0), w)
    if not np.allclose(flat, 0.0, atol=1e-6):
        raise ExerciseError(f"on a flat image (all pixels 5) the feature map is {flat[0, 0]:g} "
                            f"everywhere, not 0: the weights sum to {w.sum():g}; make them sum to 0")
    down = _correlate(_step((8, 8), 0, 0.0, 1.0, 4), w)      # dark above, bright below
    if down.max() <= tol:
        if down.min() < -tol:
            raise ExerciseError("your filter gives negative values where the image gets brighter "
                                "going down: the signs are reversed (negative weights above, "
                                "positive below)")
        if not np.allclose(_correlate(_step((8, 8), 1, 0.0, 1.0, 4), w), 0.0, atol=1e-6):
            raise ExerciseError("your filter reacts to left-right changes (vertical edges), not "
                                "to top-bottom ones: compare the rows of the patch, not its columns")
        raise ExerciseError("your filter does not react to a dark-above, bright-below edge: "
                            "weight the rows below the centre against the rows above it")
    if down.min() < -tol:
        raise ExerciseError(f"on a dark-above, bright-below edge your feature map also has negative "
                            f"values (down to {down.min():g}): the response there should never "
                            "be negative")
    across = _correlate(_step((8, 8), 1, 0.0, 1.0, 4), w)     # dark left, bright right
    if not np.allclose(across, 0.0, atol=1e-6):
        raise ExerciseError(f"your filter also reacts to vertical edges (values up to "
                            f"{np.abs(across).max():g} on a dark-left, bright-right image): make "
                            f"each column of weights sum to 0 (column sums now {w.sum(axis=0)})")
    report_ok("zero on flat regions and on vertical edges, positive where the image brightens "
              "going down")


def _feature_maps(x, w, flip):
    """Feature maps of one image x (C, H, W) under filters w (F, C, KH, KW), summed over
    the channels: cross-correlation (flip=False) or true convolution (flip=True, each
    kernel turned by 180 degrees). Shape (F, H-KH+1, W-KW+1)."""
    return np.stack([sum(_correlate(x[c], w[f, c][::-1, ::-1] if flip else w[f, c])
                         for c in range(w.shape[1])) for f in range(w.shape[0])])


@exercise("filters for a library that computes true convolution",
          spoilers=("[..., ::-1, ::-1]", "[:, :, ::-1, ::-1]", "axis=(2, 3)", "axis=(-2, -1)"),
          placeholder="your function filters_for_convolution(w)")
def check_filters_for_convolution(fn):
    """``fn(w)`` gets filters w (F, C, KH, KW) trained with cross-correlation and must
    return filters that give the same feature maps in a library that computes true
    convolution: every (KH, KW) kernel turned by 180 degrees, w[:, :, ::-1, ::-1], the
    order of filters and channels unchanged. Tested with F, C > 1 and non-square,
    asymmetric kernels; w must not be changed in place."""
    rng = np.random.default_rng(5)
    for shape in [(3, 2, 2, 3), (2, 3, 3, 2)]:
        w = rng.integers(-4, 5, size=shape).astype(np.float64)
        x = rng.integers(0, 10, size=(shape[1], 6, 7)).astype(np.float64)
        given = w.copy()
        raw = _call(fn, "fn", given)
        if returned_nothing(raw, "your function filters_for_convolution(w)"):
            return
        if not np.array_equal(given, w):
            raise ExerciseError("your function changed the filters it was given in place; "
                                "return new filters and leave w as it is")
        got = _as_array("the result", raw)
        where = f"for filters of shape {shape} (F, C, KH, KW)"
        if got.shape != w.shape:
            hint = (" (you swapped the last two axes: that is a transpose of each kernel, "
                    "not a 180-degree turn)" if got.shape == w.swapaxes(-1, -2).shape else "")
            raise ExerciseError(f"the result has shape {got.shape} {where}; the filters keep "
                                f"their shape {shape}{hint}")
        if _same(_feature_maps(x, got, flip=True), _feature_maps(x, w, flip=False)):
            continue
        mistakes = [
            (w, "these are the filters unchanged: a library that computes true convolution "
                "turns every kernel by 180 degrees, so each feature map changes"),
            (np.flip(w), "you reversed all four axes: the filters and the channels come out in "
                         "reverse order too; turn only the kernels (the last two axes)"),
            (w[::-1, ::-1], "you reversed the first two axes, which number the filters and the "
                            "channels; a kernel's rows and columns are the last two axes"),
            (w[:, :, ::-1, :], "you reversed the kernels' rows only; reverse their columns too"),
            (w[:, :, :, ::-1], "you reversed the kernels' columns only; reverse their rows too"),
            (-w, "negating the weights is not a flip: keep the values, reverse their positions"),
        ]
        for wrong, message in mistakes:
            if _same(got, wrong):
                raise ExerciseError(f"{message} ({where})")
        raise ExerciseError(f"{where}, true convolution with your filters does not give the "
                            "feature maps that cross-correlation with the trained ones gives: "
                            "kernel entry [p, q] must move to [KH-1-p, KW-1-q] in every filter "
                            "and channel")
    report_ok("every kernel turned by 180 degrees, filters and channels in their order: "
              "true convolution with them gives the trained network's feature maps")


# ----------------------------------------------------------------------------------------
# Notebook 02
# ----------------------------------------------------------------------------------------

@exercise("a 3x3 image and a 2x2 filter by hand",
          spoilers=("[[10, 5], [3, 2]]",),
          placeholder="your 2x2 array")
def check_conv_output(answer):
    """The 2x2 feature map of ``EXERCISE_IMAGE`` (3x3) correlated with
    ``EXERCISE_FILTER`` (2x2), computed by hand."""
    x, w = EXERCISE_IMAGE, EXERCISE_FILTER
    answer = _as_array("answer", answer)
    want = _correlate(x, w)
    if answer.shape != want.shape:
        raise ExerciseError(f"answer has shape {answer.shape}; a 3x3 image and a 2x2 filter give "
                            f"n - f + 1 = 3 - 2 + 1 = 2, a 2x2 output")
    if _same(answer, want):
        report_ok("all four sums of products are right")
        return
    mistakes = [
        (_correlate(x, w[::-1, ::-1]), "that is true convolution (the filter flipped on both axes); "
                                       "slide the filter as it is written, without flipping it"),
        (want.T, "rows and columns are swapped: out[0, 1] is the patch one step to the right"),
        (_correlate(x, w.T), "you read the filter transposed: w[0, 1] = -1 is the top-right "
                             "weight, w[1, 0] = 2 the bottom-left"),
    ]
    for wrong, message in mistakes:
        if _same(answer, wrong):
            raise ExerciseError(message)
    wrong_cells = [(i, j) for i in range(2) for j in range(2)
                   if not np.isclose(answer[i, j], want[i, j])]
    lines = []
    for i, j in wrong_cells:
        patch = x[i:i + 2, j:j + 2]
        lines.append(f"out[{i}, {j}] = {answer[i, j]:g} is wrong: its patch is rows {i}-{i + 1}, "
                     f"columns {j}-{j + 1} = {patch.tolist()}; multiply it elementwise with "
                     f"{w.tolist()} and add the four products")
    raise ExerciseError("\n".join(lines))


def _size_cases():
    cases = [(3, 2, 0, 1), (28, 5, 0, 1), (28, 5, 2, 1), (28, 5, 0, 2), (7, 3, 0, 2),
             (7, 3, 1, 2), (8, 3, 0, 2), (10, 3, 1, 3), (5, 5, 0, 1), (1, 3, 1, 1), (6, 4, 0, 5)]
    for n in range(1, 16):
        for f in range(1, 6):
            for p in range(0, 3):
                for s in range(1, 5):
                    if f <= n + 2 * p:
                        cases.append((n, f, p, s))
    return cases


@exercise("the output size with padding and stride",
          spoilers=("(n + 2p - f) // s + 1", "(n + 2 * p - f) // s + 1"),
          placeholder="your function of (n, f, p, s)")
def check_output_size(fn):
    """``fn(n, f, p, s)`` must return (n + 2p - f) // s + 1 (an integer) for every
    case in a grid of n, f, p, s, including strides that do not divide n + 2p - f."""
    wrong_formulas = [
        (lambda n, f, p, s: -(-(n + 2 * p - f) // s) + 1,
         "you rounded up (ceil); a window that would stick out of the padded input is not "
         "used, so round down: (n + 2p - f) // s + 1"),
        (lambda n, f, p, s: (n + p - f) // s + 1,
         "you added the padding once; it is added on both sides: n + 2p"),
        (lambda n, f, p, s: (n + 2 * p - f) // s,
         "you forgot the + 1: the first window (at position 0) counts too"),
        (lambda n, f, p, s: n + 2 * p - f + 1, "you ignored the stride s"),
        (lambda n, f, p, s: (n - f) // s + 1, "you ignored the padding p"),
        (lambda n, f, p, s: (n + 2 * p - f + 1) // s,
         "you divided n + 2p - f + 1 by s; divide n + 2p - f (the room the window can move), "
         "then add 1"),
    ]
    failures = []
    for n, f, p, s in _size_cases():
        got = _call(fn, "fn", n, f, p, s)
        if returned_nothing(got, "your function of (n, f, p, s)"):
            return
        want = (n + 2 * p - f) // s + 1
        if isinstance(got, bool) or not isinstance(got, (numbers.Integral, np.integer)):
            if isinstance(got, (numbers.Real, np.floating)):
                raise ExerciseError(f"fn({n}, {f}, {p}, {s}) returned {got!r}, a "
                                    f"{type(got).__name__}; a size is a whole number: use // "
                                    f"(floor division), not /")
            raise ExerciseError(f"fn({n}, {f}, {p}, {s}) returned {got!r}; expected an integer")
        if got != want:
            failures.append(((n, f, p, s), int(got), want))
    if not failures:
        report_ok("(n + 2p - f) // s + 1 on all "
                  f"{len(_size_cases())} cases, including strides that do not divide")
        return
    for formula, message in wrong_formulas:
        if all(int(_call(fn, "fn", *case)) == formula(*case) for case in _size_cases()):
            raise ExerciseError(message)
    (n, f, p, s), got, want = failures[0]
    raise ExerciseError(f"{len(failures)} of {len(_size_cases())} cases are wrong; the first: "
                        f"fn(n={n}, f={f}, p={p}, s={s}) returned {got}, expected "
                        f"({n} + 2*{p} - {f}) // {s} + 1 = {want}")


def _patch_cases():
    rng = np.random.default_rng(2)
    x = rng.integers(1, 100, size=(6, 7))              # not square: catches swapped i and j
    cases = []
    for f, p, s in [(2, 0, 1), (3, 0, 1), (3, 1, 1), (2, 0, 2), (3, 1, 2), (3, 2, 3)]:
        oh = (6 + 2 * p - f) // s + 1
        ow = (7 + 2 * p - f) // s + 1
        corners_and_middle = {(0, 0), (0, ow - 1), (oh - 1, 0), (oh - 1, ow - 1),
                              (oh // 2, min(ow - 1, ow // 2 + 1))}
        for i, j in corners_and_middle:
            cases.append((x, i, j, f, p, s))
    return sorted(cases, key=lambda c: c[1:])


def _patch(x, i, j, f, p, s):
    x_pad = np.pad(x, p)
    return x_pad[i * s:i * s + f, j * s:j * s + f]


@exercise("the patch behind one output",
          spoilers=("[i * s:i * s + f", "[i * stride:i * stride + f", "[top:top + f"),
          placeholder="your function of (x, i, j, f, padding, stride)")
def check_patch(fn):
    """``fn(x, i, j, f, padding, stride)`` must return the f x f window of the
    zero-padded x that produces out[i, j]: x_pad[i*s : i*s+f, j*s : j*s+f]."""
    def no_stride(x, i, j, f, p, s):
        return np.pad(x, p)[i:i + f, j:j + f]

    def no_padding(x, i, j, f, p, s):
        return x[i * s:i * s + f, j * s:j * s + f]

    def one_side(x, i, j, f, p, s):
        return np.pad(x, ((p, 0), (p, 0)))[i * s:i * s + f, j * s:j * s + f]

    def swapped(x, i, j, f, p, s):
        return np.pad(x, p)[j * s:j * s + f, i * s:i * s + f]

    mistakes = [
        (no_stride, "you ignored the stride: output (i, j) starts at row i*s, column j*s"),
        (no_padding, "you sliced the unpadded image: pad x with p zeros on every side first "
                     "(np.pad(x, p)), then take rows i*s to i*s+f"),
        (one_side, "you padded only the top and the left: np.pad(x, p) adds p zeros on all "
                   "four sides"),
        (swapped, "rows and columns are swapped: i picks the rows, j the columns"),
    ]
    failures = []
    for x, i, j, f, p, s in _patch_cases():
        raw = _call(fn, "fn", x, i, j, f, p, s)
        if returned_nothing(raw, "your function of (x, i, j, f, padding, stride)"):
            return
        got = _as_array("the patch", raw)
        want = _patch(x, i, j, f, p, s)
        if got.shape != (f, f):
            for variant, message in mistakes:
                if _same(got, variant(x, i, j, f, p, s)):
                    raise ExerciseError(f"{message} (at i={i}, j={j}, f={f}, padding={p}, "
                                        f"stride={s} your patch has shape {got.shape}, not "
                                        f"({f}, {f}))")
            raise ExerciseError(f"fn(x, i={i}, j={j}, f={f}, padding={p}, stride={s}) returned shape "
                                f"{got.shape}; a patch is f x f = ({f}, {f}) (a slice a:b has b - a "
                                "elements: use i*s : i*s + f)")
        if not _same(got, want):
            failures.append((i, j, f, p, s))
    if not failures:
        report_ok(f"all {len(_patch_cases())} patches, with padding and stride")
        return
    for variant, message in mistakes:
        if all(_same(_call(fn, "fn", *c), variant(*c)) for c in _patch_cases()
               if variant(*c).shape == (c[3], c[3])):
            raise ExerciseError(message)
    i, j, f, p, s = failures[0]
    raise ExerciseError(f"{len(failures)} of {len(_patch_cases())} patches are wrong; the first: "
                        f"i={i}, j={j}, f={f}, padding={p}, stride={s}: expected the rows "
                        f"{i * s}..{i * s + f - 1} and columns {j * s}..{j * s + f - 1} of the "
                        "padded image")


@exercise("how many patches, of how many numbers",
          spoilers=("(256, 27)", "256", "27"),
          placeholder="your answer, a tuple (patches per image, numbers per patch)")
def check_patch_count(answer):
    """(patches per image, numbers per patch) for one image of ``COUNT_EXERCISE``
    (size x size pixels, channels channels) and an f x f filter with that padding and
    stride: ((n + 2p - f) // s + 1) ** 2 patches of C * f * f numbers each."""
    n, c, f, p, s = (COUNT_EXERCISE[k] for k in ("size", "channels", "f", "padding", "stride"))
    try:
        count, per_patch = answer
    except (TypeError, ValueError):
        raise ExerciseError(f"give two whole numbers, (patches per image, numbers per patch); "
                            f"got {answer!r}") from None
    if not all(isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)
               for v in (count, per_patch)):
        raise ExerciseError(f"both counts are whole numbers (use // for the division); "
                            f"got {answer!r}")
    side = (n + 2 * p - f) // s + 1
    right = (side * side, c * f * f)
    if (count, per_patch) == right:
        report_ok(f"{side} x {side} patch positions, each patch {c} channels x {f} x {f}")
        return
    if (per_patch, count) == right:
        raise ExerciseError("the two numbers are in swapped order: first the patches per image, "
                            "then the numbers in one patch")
    messages = []
    if count != right[0]:
        ceil_side = -(-(n + 2 * p - f) // s) + 1
        wrong_counts = {
            side: f"{count} is the number of patch positions along one row; a patch sits at "
                  f"every (row, column) pair of positions",
            ceil_side * ceil_side: "you rounded up; a window that would stick out of the padded "
                                   "image is not used: (n + 2p - f) // s + 1 per side",
            ((n - f) // s + 1) ** 2: "you left out the padding (or the + 1): per side there are "
                                     "(n + 2p - f) // s + 1 positions",
            (n + 2 * p - f + 1) ** 2: "you left out the stride: the window jumps s pixels at a time",
            side * side * c: "there is one patch per position, not one per channel: a patch "
                             "spans all the channels",
        }
        messages.append(wrong_counts.get(count, f"{count} patches per image is not right: count "
                                                f"the window positions along a row and along a "
                                                f"column with (n + 2p - f) // s + 1, then multiply"))
    if per_patch != right[1]:
        wrong_numbers = {
            f * f: "a patch of a colour image holds the f x f pixels of every channel",
        }
        messages.append(wrong_numbers.get(per_patch, f"{per_patch} numbers per patch is not right: "
                                                   f"count channels x rows x columns of one patch"))
    raise ExerciseError("; ".join(messages))
