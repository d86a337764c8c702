"""Exercise checks for notebooks 03 (the fully connected layer) and 04 (the sigmoid).

Each check either prints one "Correct: ..." line or raises ExerciseError with a
message that names the mistake it recognised (W^T's shape for W's, a forgotten
bias, reading a row-major buffer in the wrong order, the overflowing naive
sigmoid, the derivative a(1 - a) applied to z instead of to a = sigmoid(z), slopes
added instead of multiplied).

The numbers of the exercises live here (``FLAT_EXERCISE``, ``DENSE_EXERCISE``,
``SHRINK_EXERCISE``) so that a notebook prints them from the same source the check uses.
"""

import math
import warnings

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = [
    "check_dense_shape", "check_flat_index", "check_dense_output", "check_dense_forward",
    "check_sigmoid_derivative", "check_stable_sigmoid", "check_sigmoid_shrink",
]

# Notebook 03, exercise 2: where does maps[f, i, j] land when maps (F, H, W) is flattened?
FLAT_EXERCISE = {"shape": (3, 24, 24), "index": (2, 5, 7)}

# Notebook 03, exercise 3: one image with D = 4 features through M = 2 neurons, by hand.
DENSE_EXERCISE = {
    "x": np.array([2, -1, 3, 1]),                          # (D,) = (4,)
    "W": np.array([[1, 2], [0, -1], [3, 1], [-2, 4]]),      # (D, M) = (4, 2)
    "b": np.array([5, -3]),                                 # (M,) = (2,)
}

# Notebook 04, exercise 3: a gradient passes back through this many stacked sigmoid layers.
SHRINK_EXERCISE = {"layers": 5}


def _fail(message):
    raise ExerciseError(message)


def _shape_of(answer):
    """A shape given as a tuple/list of ints, or the shape of a 2-D array."""
    if isinstance(answer, np.ndarray) and answer.ndim == 2:
        return tuple(int(n) for n in answer.shape)
    if isinstance(answer, (int, np.integer)):
        return (int(answer),)
    try:
        shape = tuple(answer)
    except TypeError:
        _fail(f"Give the shape as a tuple of two integers, like (3, 5); got {answer!r}.")
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        _fail(f"A shape holds whole numbers only, like (3, 5); got {answer!r}.")
    return tuple(int(n) for n in shape)


# ---------------------------------------------------------------- notebook 03

@exercise("the shape of a dense layer's W",
          spoilers=("1728", "(3 * 24 * 24, 10)"),
          placeholder="your shape, a tuple (rows, columns)")
def check_dense_shape(answer, n_maps=3, size=24, n_neurons=10):
    """W's shape for a dense layer that reads ``n_maps`` feature maps of ``size`` x ``size``
    (flattened) and has ``n_neurons`` neurons: (D, M) = (n_maps * size * size, n_neurons).

    answer: a tuple such as (D, M), or the 2-D weight array itself.
    """
    d, m = n_maps * size * size, n_neurons
    shape = _shape_of(answer)
    if shape == (d, m):
        report_ok(f"W has shape (D, M) = ({d}, {m}): one row per input feature, one column per neuron.")
        return
    if len(shape) != 2:
        _fail(f"W needs two axes, one for the input features and one for the neurons; "
              f"your answer {shape} has {len(shape)}.")
    if shape == (m, d):
        _fail(f"{shape} is the shape of W^T, (neurons, features). In this course (and in the "
              f"article's (4, 2) example) W is (features, neurons) = (D, M); Z = W^T X + b "
              f"uses its transpose.")
    rows, cols = shape
    if cols != m and rows != d:
        _fail(f"Neither axis is right: W is (D, M) with D = the number of flattened input "
              f"features and M = {m} neurons; you gave {shape}.")
    if cols != m:
        _fail(f"The second axis of W counts the neurons (M = {m}); you gave {cols}.")
    if rows == size * size:
        _fail(f"{rows} = {size} x {size} counts one feature map only; the dense layer reads "
              f"all {n_maps} maps, flattened into one vector.")
    if rows == 28 * 28 or rows == n_maps * 28 * 28:
        _fail(f"{rows} counts 28 x 28 input pixels, but the dense layer reads the "
              f"convolution's output: a 5 x 5 filter leaves 28 - 5 + 1 = {size} rows and columns.")
    if rows in (n_maps * size, size, n_maps + size + size):
        _fail(f"Flattening keeps every number of the feature maps: D is the product "
              f"{n_maps} x {size} x {size}, not {rows}.")
    _fail(f"The first axis of W is the number of input features D = maps x rows x columns "
          f"of the flattened feature maps; {rows} is not it.")


def _flat_index_candidates(shape, index):
    f, i, j = index
    n_f, h, w = shape
    return {
        "right": f * h * w + i * w + j,
        "position-major": (i * w + j) * n_f + f,
        "Fortran": f + n_f * (i + h * j),
        "rows and columns swapped": f * h * w + j * w + i,
        "one-based": f * h * w + i * w + j + 1,
        "filter forgotten": i * w + j,
    }


@exercise("where an element lands when flattened",
          spoilers=("1279", "2 * 24 * 24 + 5 * 24 + 7"),
          placeholder="your position, a whole number")
def check_flat_index(answer, shape=None, index=None):
    """Position of maps[f, i, j] in maps.reshape(-1) for maps of shape (F, H, W), C order:
    k = f * H * W + i * W + j (counting from 0). Defaults: ``FLAT_EXERCISE``."""
    shape = tuple(FLAT_EXERCISE["shape"] if shape is None else shape)
    index = tuple(FLAT_EXERCISE["index"] if index is None else index)
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        _fail(f"Give the position as one whole number (counting from 0); got {answer!r}.")
    answer = int(answer)
    cand = _flat_index_candidates(shape, index)
    n_f, h, w = shape
    f, i, j = index
    if answer == cand["right"]:
        report_ok(f"maps[{f}, {i}, {j}] is element {answer} = {f}*{h}*{w} + {i}*{w} + {j} "
                  f"of the flattened vector.")
        return
    if answer == cand["position-major"]:
        _fail(f"{answer} is the position in a position-major (H, W, F) layout, where the "
              f"{n_f} filters of each pixel sit next to each other. reshape on a (F, H, W) "
              f"array keeps filter-major order: all of filter 0, then all of filter 1, ...")
    if answer == cand["Fortran"]:
        _fail(f"{answer} is the Fortran-order (first index fastest) position. NumPy's default "
              f"C order moves the last index fastest: k = f*H*W + i*W + j.")
    if answer == cand["rows and columns swapped"]:
        _fail(f"{answer} swaps the row and the column: a row holds W = {w} elements, so the "
              f"row index i is the one multiplied by W.")
    if answer == cand["one-based"]:
        _fail(f"{answer} counts from 1; NumPy positions count from 0, so the answer is one less.")
    if answer == cand["filter forgotten"]:
        _fail(f"{answer} is the position inside one {h} x {w} map. Filter {f} comes after "
              f"{f} complete maps of {h * w} numbers each.")
    _fail(f"{answer} is not where maps[{f}, {i}, {j}] lands. Count the elements before it: "
          f"{f} whole maps, then {i} whole rows, then {j} elements.")


def _as_float_vector(name, value, size):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(f"{name} must be numbers (a list or an array); got {value!r}.")
    if array.size != size:
        _fail(f"{name} must hold {size} numbers, one per neuron; got {array.size} "
              f"(shape {array.shape}).")
    return array.reshape(size)


@exercise("a dense layer by hand",
          spoilers=("[14, 9]", "14 and 9"),
          placeholder="your two numbers, e.g. [z_1, z_2]")
def check_dense_output(z):
    """z = W^T x + b for the numbers in ``DENSE_EXERCISE`` (D = 4 features, M = 2 neurons).

    z: 2 numbers, as a list or an array of shape (2,), (2, 1) or (1, 2).
    """
    x, W, b = (DENSE_EXERCISE[k] for k in ("x", "W", "b"))
    right = W.T @ x + b
    z = _as_float_vector("z", z, right.size)
    if np.allclose(z, right):
        report_ok(f"z = W^T x + b = {right.tolist()}.")
        return
    if np.allclose(z, W.T @ x):
        _fail("The products are right but the bias is missing: add b_j to neuron j.")
    if np.allclose(z, W.T @ x + b[::-1]):
        _fail("The biases are swapped: b_1 belongs to neuron 1, b_2 to neuron 2.")
    if np.allclose(z, W.reshape(W.shape[1], W.shape[0]) @ x + b):
        _fail("You read W's numbers row by row into a 2 x 4 matrix; that is a reshape, not a "
              "transpose. Row j of W^T is column j of W: neuron j uses W[:, j].")
    if np.allclose(z, W.reshape(W.shape[1], W.shape[0]) @ x):
        _fail("Two mistakes: W's numbers were read row by row into a 2 x 4 matrix (neuron j "
              "uses column j of W), and the bias is missing.")
    if np.allclose(z, right[::-1]):
        _fail("The two neurons are in swapped order: z_1 comes from column 1 of W and b_1.")
    wrong = [j + 1 for j in range(right.size) if not np.isclose(z[j], right[j])]
    _fail(f"Neuron(s) {wrong} are off. For neuron j, multiply each feature x_k by W[k, j], "
          f"add the four products, then add b_j.")


@exercise("a dense layer for a batch",
          spoilers=("x @ W + b",),
          placeholder="your function dense(x, W, b)")
def check_dense_forward(fn):
    """A learner's dense layer fn(x, W, b) -> z for a batch: x (N, D), W (D, M), b (M,),
    z = x @ W + b of shape (N, M). A returned tuple (z, cache) is accepted."""
    rng = np.random.default_rng(3)
    for n, d, m in [(5, 4, 3), (1, 6, 2), (7, 3, 5)]:
        x = rng.normal(size=(n, d))
        W = rng.normal(size=(d, m))
        b = rng.normal(size=m)
        right = x @ W + b
        args = (x.copy(), W.copy(), b.copy())
        try:
            z = fn(*args)
        except Exception as err:  # the learner's code may fail in any way
            _fail(f"With x {x.shape}, W {W.shape}, b {b.shape} your function raised "
                  f"{type(err).__name__}: {err}. For a batch in rows, z = x @ W + b.")
        if isinstance(z, tuple):
            z = z[0]
        if returned_nothing(z, "your function dense(x, W, b)"):
            return
        z = np.asarray(z, dtype=np.float64)
        if not (np.array_equal(args[0], x) and np.array_equal(args[1], W)
                and np.array_equal(args[2], b)):
            _fail("Your function changed its inputs in place; compute z in a new array.")
        if z.shape == (m, n) and m != n and np.allclose(z, right.T):
            _fail(f"z has shape {z.shape} = (M, N): one column per image, the article's "
                  f"W^T X layout. Batch-first wants (N, M) = ({n}, {m}): x @ W + b.")
        if z.shape != (n, m):
            _fail(f"With x {x.shape} and W {W.shape}, z must have shape (N, M) = ({n}, {m}); "
                  f"got {z.shape}.")
        if np.allclose(z, x @ W):
            _fail("The bias is missing: z = x @ W + b (b, of shape (M,), is added to every row).")
        if not np.allclose(z, right):
            _fail(f"z differs from x @ W + b (largest difference "
                  f"{np.max(np.abs(z - right)):.3g} for x {x.shape}, W {W.shape}).")
    report_ok("your dense layer computes x @ W + b for batches of any size.")


# ---------------------------------------------------------------- notebook 04

def _reference_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _call_recording(fn, z, what, first=False):
    """fn(z) as a float64 array, with any warnings recorded instead of printed.

    first: the check's first call, where None means "not answered yet" (-> (None, []))."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(z.copy())
        except TypeError as err:
            _fail(f"Your {what} raised TypeError on a NumPy array ({err}). It must work "
                  f"elementwise on arrays: use np.exp, not math.exp.")
        except Exception as err:  # the learner's code may fail in any way
            _fail(f"Your {what} raised {type(err).__name__}: {err}.")
    if out is None:
        if first:
            return None, []
        _fail(f"Your {what} returned None: is the `return` statement missing?")
    out = np.asarray(out, dtype=np.float64)
    if out.shape != z.shape:
        _fail(f"Your {what} returned shape {out.shape} for an input of shape {z.shape}; "
              f"it must work elementwise and keep the shape.")
    return out, [w for w in caught if issubclass(w.category, RuntimeWarning)]


@exercise("the slope of the sigmoid",
          spoilers=("sigmoid(z) * (1 - sigmoid(z))", "\\sigma(z)(1 - \\sigma(z))", "a * (1 - a)"),
          placeholder="your function sigmoid_prime(z)")
def check_sigmoid_derivative(fn):
    """fn(z) must return dsigmoid/dz = sigmoid(z) (1 - sigmoid(z)), elementwise, for an array z,
    including z = +-1000 (where the answer is 0, not nan)."""
    z = np.linspace(-6.0, 6.0, 25)
    s = _reference_sigmoid(z)
    right = s * (1 - s)
    got, _ = _call_recording(fn, z, "derivative", first=True)
    if returned_nothing(got, "your function sigmoid_prime(z)"):
        return
    if not np.allclose(got, right, rtol=1e-9, atol=1e-12):
        known = [
            (s * (1 - z), "sigmoid(z) * (1 - z) mixes z and a: the formula is a * (1 - a) with "
                          "a = sigmoid(z) in both places."),
            (z * (1 - z), "z * (1 - z) applies a(1 - a) to z itself; that formula expects "
                          "a = sigmoid(z), so compute a first."),
            (s, "that is sigmoid(z) itself, not its slope."),
            (1 - s, "1 - sigmoid(z) is only one of the two factors: multiply by sigmoid(z)."),
            (-right, "the sign is flipped: sigmoid increases, so its slope is positive."),
            (s * (1 - s) ** 2, "one factor (1 - sigmoid(z)) too many: the slope is "
                               "sigmoid(z) * (1 - sigmoid(z))."),
        ]
        for wrong, message in known:
            if np.allclose(got, wrong, rtol=1e-9, atol=1e-12, equal_nan=True):
                _fail(message)
        k = int(np.argmax(np.abs(got - right)))
        _fail(f"At z = {z[k]:g} the slope is {right[k]:.6g} (it peaks at 0.25 for z = 0); "
              f"your function gives {got[k]:.6g}.")
    far = np.array([-1000.0, 1000.0])
    got_far, _ = _call_recording(fn, far, "derivative")
    if not np.all(np.isfinite(got_far)):
        _fail(f"At z = -1000 and 1000 your derivative gives {got_far.tolist()}: exp overflowed "
              f"(inf / inf = nan). Write it as sigmoid(z) * (1 - sigmoid(z)) with a stable "
              f"sigmoid; the slope there is 0.")
    if np.any(np.abs(got_far) > 1e-15):
        _fail(f"At z = -1000 and 1000 the slope is 0 (to 300 digits); yours gives "
              f"{got_far.tolist()}.")
    report_ok("sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)), finite even at z = +-1000.")


@exercise("a sigmoid that never overflows",
          spoilers=("exp(-np.abs(z))", "exp(-|z|)"),
          placeholder="your function my_sigmoid(z)")
def check_stable_sigmoid(fn):
    """fn(z) must equal 1 / (1 + exp(-z)) elementwise for float64 arrays, to 1e-12 relative
    (or 1e-15 absolute), without any RuntimeWarning, even at z = +-1000; z is not changed."""
    def warned_at(z):
        _, caught = _call_recording(fn, np.array([z]), "sigmoid")
        return caught

    grid = np.concatenate([np.array([-1000.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 1000.0]),
                           np.linspace(-40.0, 40.0, 161),
                           np.random.default_rng(4).normal(scale=10.0, size=50)])
    before = grid.copy()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            fn(grid)                         # called on the array itself, to see in-place edits
        except Exception:                    # reported below, with a clearer message
            pass
    if not np.array_equal(grid, before):
        _fail("Your sigmoid changed its input array in place; compute the result in a new array.")
    got, caught = _call_recording(fn, grid, "sigmoid", first=True)
    if returned_nothing(got, "your function my_sigmoid(z)"):
        return
    right = _reference_sigmoid(grid)
    bad = ~np.isclose(got, right, rtol=1e-12, atol=1e-15)   # nan is never close
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        extra = ""
        if not np.isfinite(got[k]):
            extra = " exp overflowed: exp(z) for large positive z (or exp(-z) for large negative z) is inf."
        _fail(f"At z = {grid[k]:g} the sigmoid is {right[k]:.17g}; yours gives {got[k]:.17g}.{extra}")
    if caught:
        at_plus, at_minus = warned_at(1000.0), warned_at(-1000.0)
        if at_plus and at_minus:
            _fail("The values are right, but NumPy warned about overflow at both z = 1000 and "
                  "z = -1000. np.where(cond, a, b) computes a and b for every element before "
                  "choosing, so each branch's exp still overflows. Take exp of -|z| once, "
                  "then combine.")
        if at_minus:
            _fail(f"The values are right, but exp overflowed at z = -1000 ("
                  f"{str(at_minus[0].message)!r}): 1 / (1 + exp(-z)) asks for exp(1000). "
                  f"For z < 0 use the equal form exp(z) / (1 + exp(z)).")
        _fail(f"The values are right, but NumPy warned: {str(caught[0].message)!r}. "
              f"A stable sigmoid only takes exp of numbers <= 0.")
    report_ok("your sigmoid is accurate and raises no overflow warning, even at z = +-1000.")


@exercise("how much stacked sigmoids shrink a gradient",
          spoilers=("1024", "4^5", "4^{5}", "(1/4)^5"),
          placeholder="your factor, a number")
def check_sigmoid_shrink(answer, layers=None):
    """The least factor by which the slopes of ``layers`` stacked sigmoids (default
    ``SHRINK_EXERCISE``) shrink a gradient: each slope is at most 1/4, so the product of
    the slopes is at most (1/4) ** layers and the gradient shrinks at least 4 ** layers-fold."""
    layers = SHRINK_EXERCISE["layers"] if layers is None else layers
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        _fail(f"Give the factor as one number; got {answer!r}.")
    answer = float(answer)
    right = 4.0 ** layers
    if math.isclose(answer, right, rel_tol=1e-9):
        report_ok(f"each sigmoid multiplies the gradient by at most 1/4, so {layers} of them "
                  f"shrink it at least 4^{layers} = {right:g}-fold.")
        return
    if math.isclose(answer, 1 / right, rel_tol=1e-9):
        _fail("That is the most the slopes can multiply the gradient by; the question asks by "
              "what factor the gradient shrinks (divide by it, the factor is larger than 1).")
    if math.isclose(answer, 4.0 * layers, rel_tol=1e-9):
        _fail(f"Slopes multiply along the chain rule, they do not add: {layers} factors of at "
              f"most 1/4 each.")
    for k in (layers - 1, layers + 1, 1):
        if math.isclose(answer, 4.0 ** k, rel_tol=1e-9):
            _fail(f"{answer:g} = 4^{k}: the gradient passes {layers} sigmoids, one factor each.")
    if math.isclose(answer, 2.0 ** layers, rel_tol=1e-9):
        _fail("The largest slope of the sigmoid is 1/4 (at z = 0), not 1/2: sigma(0) (1 - sigma(0)) "
              "= 1/2 x 1/2.")
    if answer < 1:
        _fail("A factor by which something shrinks is larger than 1: the gradient is divided by it.")
    _fail(f"{answer:g} is not it: multiply the largest slope of one sigmoid over the {layers} "
          f"layers, and give how many times smaller the gradient gets.")
