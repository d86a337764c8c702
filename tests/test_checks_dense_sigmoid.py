"""The exercise checks of notebooks 03 and 04 accept right answers and name typical wrong ones."""

import math
import re
import warnings

import numpy as np
import pytest

from helpers import checks
from helpers.checks import ExerciseError
from helpers.checks.dense_sigmoid import DENSE_EXERCISE, FLAT_EXERCISE, SHRINK_EXERCISE
from helpers.layers import sigmoid


def test_exported_from_helpers_checks():
    for name in ["check_dense_shape", "check_flat_index", "check_dense_output",
                 "check_dense_forward", "check_sigmoid_derivative", "check_stable_sigmoid",
                 "check_sigmoid_shrink"]:
        assert callable(getattr(checks, name))


# ---------------------------------------------------------------- check_dense_shape

@pytest.mark.parametrize("answer", [(1728, 10), [1728, 10], np.zeros((1728, 10))])
def test_dense_shape_right(answer, capsys):
    checks.check_dense_shape(answer)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("answer, words", [
    ((10, 1728), "W^T"),
    ((576, 10), "one feature map"),
    ((784, 10), "28 - 5 + 1"),
    ((2352, 10), "28 - 5 + 1"),
    ((72, 10), "product"),
    ((1728, 1), "neurons"),
    ((1728,), "two axes"),
    (1728, "two axes"),
    ((5, 7), "Neither axis"),
    ("1728, 10", "whole numbers"),
])
def test_dense_shape_wrong(answer, words):
    with pytest.raises(ExerciseError, match=re.escape(words)):
        checks.check_dense_shape(answer)


def test_dense_shape_other_layer(capsys):
    checks.check_dense_shape((2 * 4 * 4, 3), n_maps=2, size=4, n_neurons=3)
    assert "Correct" in capsys.readouterr().out


# ---------------------------------------------------------------- check_flat_index

def test_flat_index_right(capsys):
    n_f, h, w = FLAT_EXERCISE["shape"]
    f, i, j = FLAT_EXERCISE["index"]
    maps = np.arange(n_f * h * w).reshape(n_f, h, w)
    k = int(np.flatnonzero(maps.reshape(-1) == maps[f, i, j])[0])   # found, not computed
    checks.check_flat_index(k)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("answer, words", [
    (383, "position-major"),        # ((5 * 24) + 7) * 3 + 2
    (521, "Fortran"),               # 2 + 3 * (5 + 24 * 7)
    (1325, "swaps the row"),        # 2 * 576 + 7 * 24 + 5
    (1280, "counts from 1"),
    (127, "inside one"),
    (1000, "Count the elements"),
    (1279.0, "whole number"),
    ("1279", "whole number"),
])
def test_flat_index_wrong(answer, words):
    with pytest.raises(ExerciseError, match=words):
        checks.check_flat_index(answer)


# ---------------------------------------------------------------- check_dense_output

def _dense_exercise():
    return (DENSE_EXERCISE[k] for k in ("x", "W", "b"))


def test_dense_output_right(capsys):
    x, W, b = _dense_exercise()
    z = [sum(W[k, j] * x[k] for k in range(4)) + b[j] for j in range(2)]
    for answer in (z, np.array(z), np.array(z).reshape(2, 1), np.array(z).reshape(1, 2)):
        checks.check_dense_output(answer)
    assert capsys.readouterr().out.count("Correct") == 4


def test_dense_output_wrong():
    x, W, b = _dense_exercise()
    right = W.T @ x + b
    cases = [
        (W.T @ x, "bias is missing"),
        (W.T @ x + b[::-1], "biases are swapped"),
        (W.reshape(2, 4) @ x + b, "reshape, not a transpose"),
        (W.reshape(2, 4) @ x, "Two mistakes"),
        (right[::-1], "swapped order"),
        (right + np.array([0, 1]), r"Neuron\(s\) \[2\]"),
        (right[:1], "2 numbers"),
        ("fourteen", "must be numbers"),
    ]
    for answer, words in cases:
        with pytest.raises(ExerciseError, match=words):
            checks.check_dense_output(answer)


# ---------------------------------------------------------------- check_dense_forward

def test_dense_forward_right(capsys):
    from helpers.layers import dense_forward
    checks.check_dense_forward(lambda x, W, b: x @ W + b)
    checks.check_dense_forward(dense_forward)            # returns (z, cache)
    assert capsys.readouterr().out.count("Correct") == 2


def _in_place(x, W, b):
    x += 0
    W *= 2
    return x @ W + b


@pytest.mark.parametrize("fn, words", [
    (lambda x, W, b: x @ W, "bias is missing"),
    (lambda x, W, b: W.T @ x.T + b[:, None], r"\(M, N\)"),
    (lambda x, W, b: x @ W.T + b, "raised ValueError"),
    (lambda x, W, b: (x @ W + b)[:1], "must have shape"),
    (lambda x, W, b: x @ W + 2 * b, "differs"),
    (_in_place, "in place"),
])
def test_dense_forward_wrong(fn, words):
    with pytest.raises(ExerciseError, match=words):
        checks.check_dense_forward(fn)


# ---------------------------------------------------------------- check_sigmoid_derivative

def test_sigmoid_derivative_right(capsys):
    checks.check_sigmoid_derivative(lambda z: sigmoid(z) * (1 - sigmoid(z)))

    def via_tanh(z):                  # 1 / (4 cosh^2(z / 2)), another correct form
        return 0.25 * (1 - np.tanh(z / 2) ** 2)
    checks.check_sigmoid_derivative(via_tanh)
    assert capsys.readouterr().out.count("Correct") == 2


def _naive_derivative(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


@pytest.mark.parametrize("fn, words", [
    (lambda z: sigmoid(z) * (1 - z), "mixes z and a"),
    (lambda z: z * (1 - z), "applies a\\(1 - a\\) to z"),
    (lambda z: sigmoid(z), "sigmoid\\(z\\) itself"),
    (lambda z: 1 - sigmoid(z), "only one of the two factors"),
    (lambda z: -sigmoid(z) * (1 - sigmoid(z)), "sign"),
    (lambda z: sigmoid(z) * (1 - sigmoid(z)) ** 2, "too many"),
    (lambda z: sigmoid(z) * (1 - sigmoid(z)) + 0.01, "peaks at 0.25"),
    (_naive_derivative, "overflowed"),
    (lambda z: sigmoid(z) * (1 - sigmoid(z)) + 1e-12 * (np.abs(z) > 100), "is 0"),
    (lambda z: np.array([math.exp(-v) for v in z])[:3], "shape"),
    (lambda z: math.exp(-z), "np.exp"),
])
def test_sigmoid_derivative_wrong(fn, words):
    with pytest.raises(ExerciseError, match=words):
        checks.check_sigmoid_derivative(fn)


def test_checks_print_no_warnings(recwarn):
    """A learner's overflowing function must not spill warnings into the notebook."""
    with pytest.raises(ExerciseError):
        checks.check_sigmoid_derivative(_naive_derivative)
    with pytest.raises(ExerciseError):
        checks.check_stable_sigmoid(lambda z: 1 / (1 + np.exp(-z)))
    assert len(recwarn) == 0


# ---------------------------------------------------------------- check_stable_sigmoid

def _stable(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _clipped(z):
    z = np.clip(z, -500, 500)         # a legitimate fix: exp never sees more than 500
    return 1 / (1 + np.exp(-z))


def test_stable_sigmoid_right(capsys):
    from scipy.special import expit
    for fn in (_stable, _clipped, sigmoid, expit, lambda z: 0.5 * (1 + np.tanh(z / 2))):
        checks.check_stable_sigmoid(fn)
    assert capsys.readouterr().out.count("Correct") == 5


def _both_branches(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def _in_place_sigmoid(z):
    neg = z < 0
    z[neg] = -z[neg]                  # overwrites the caller's array
    e = np.exp(-z)
    return np.where(neg, e / (1 + e), 1 / (1 + e))


@pytest.mark.parametrize("fn, words", [
    (lambda z: 1 / (1 + np.exp(-z)), "overflowed at z = -1000"),
    (_both_branches, "np.where"),
    (lambda z: np.exp(z) / (1 + np.exp(z)), "At z = 710"),
    (lambda z: 1 / (1 + np.exp(z)), "At z = -1000 the sigmoid is 0; yours gives 1"),
    (lambda z: 1 / (1 + np.exp(-np.float32(z))), "At z = "),
    (lambda z: np.array([1 / (1 + math.exp(-v)) for v in z]), "OverflowError"),
    (lambda z: 1 / (1 + math.exp(-z)), "np.exp"),
    (_in_place_sigmoid, "in place"),
    (lambda z: _stable(z)[:-1], "shape"),
])
def test_stable_sigmoid_wrong(fn, words):
    with pytest.raises(ExerciseError, match=words):
        checks.check_stable_sigmoid(fn)


def test_overflow_message_quotes_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # the check itself must not let a warning escape
        with pytest.raises(ExerciseError, match="overflow encountered in exp"):
            checks.check_stable_sigmoid(lambda z: 1 / (1 + np.exp(-z)))


# ---------------------------------------------------------------- check_sigmoid_shrink

def test_sigmoid_shrink_right(capsys):
    # the largest slope, measured on a fine grid, then multiplied over the layers
    z = np.linspace(-10, 10, 200001)
    largest = float(np.max(sigmoid(z) * (1 - sigmoid(z))))
    assert math.isclose(largest, 0.25)
    factor = (1 / largest) ** SHRINK_EXERCISE["layers"]
    checks.check_sigmoid_shrink(factor)
    checks.check_sigmoid_shrink(int(round(factor)))
    checks.check_sigmoid_shrink(4 ** 3, layers=3)
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize("answer, words", [
    (1 / 1024, "the most the slopes can multiply"),
    (20, "do not add"),
    (256, "4^4"),
    (4096, "4^6"),
    (4, "4^1"),
    (32, "not 1/2"),
    (0.3, "larger than 1"),
    (1000, "is not it"),
    ("1024", "one number"),
    (True, "one number"),
])
def test_sigmoid_shrink_wrong(answer, words):
    with pytest.raises(ExerciseError, match=re.escape(words)):
        checks.check_sigmoid_shrink(answer)


def _unfinished(*args):
    ...                               # what the exercise cells start with


@pytest.mark.parametrize("check, answer", [
    (checks.check_dense_shape, None),
    (checks.check_flat_index, None),
    (checks.check_dense_output, None),
    (checks.check_dense_forward, _unfinished),
    (checks.check_sigmoid_derivative, _unfinished),
    (checks.check_stable_sigmoid, _unfinished),
    (checks.check_sigmoid_shrink, None),
])
def test_unanswered_exercises_get_a_clear_message(check, answer, capsys):
    assert check(answer) is None
    out = capsys.readouterr().out
    assert out.startswith("No answer yet") and "Correct" not in out
