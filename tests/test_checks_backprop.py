"""Exercise checks of notebook 05: right answers pass, the usual wrong ones fail readably."""

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from helpers.checks import (ExerciseError, check_bias_gradient, check_dense_weight_gradient,
                            check_filter_gradient, check_input_gradient)
from helpers.checks.backprop import CONV_EXERCISE, DENSE_EXERCISE
from helpers.layers import dense_backward, dense_forward, sigmoid, sigmoid_backward
from helpers.losses import half_squared_error


# ---------------------------------------------------------------- dense layer

def dz2_of(a1, W, b, y):
    o = sigmoid(a1 @ W + b)
    return -(y - o) / a1.shape[0] * o * (1 - o)


def bias_right(a1, W, b, y):
    return dz2_of(a1, W, b, y).sum(axis=0)


def weight_right(a1, W, b, y):
    return a1.T @ dz2_of(a1, W, b, y)


def with_kernels(a1, W, b, y):
    z2, cache = dense_forward(a1, W, b)
    o = sigmoid(z2)
    _, do = half_squared_error(o, y)
    return dense_backward(sigmoid_backward(do, o), cache)


def no_sigmoid_derivative(a1, W, b, y):
    o = sigmoid(a1 @ W + b)
    return -(y - o) / a1.shape[0]


def no_mean(a1, W, b, y):
    o = sigmoid(a1 @ W + b)
    return -(y - o) * o * (1 - o)


def z2_derivative(a1, W, b, y):
    z2 = a1 @ W + b
    o = sigmoid(z2)
    return -(y - o) / a1.shape[0] * z2 * (1 - z2)


def passes(check, answer, capsys):
    """True when the check accepts the answer: no error, and it printed its confirmation."""
    capsys.readouterr()
    check(answer)
    out = capsys.readouterr().out
    return out.startswith("Correct") and "No answer" not in out


def test_bias_right_answers_pass(capsys):
    assert passes(check_bias_gradient, bias_right, capsys)
    assert passes(check_bias_gradient, lambda *args: with_kernels(*args)[2], capsys)
    assert passes(check_bias_gradient, bias_right(**DENSE_EXERCISE), capsys)


def test_unanswered_is_not_an_error(capsys):
    for check in (check_bias_gradient, check_dense_weight_gradient,
                  check_filter_gradient, check_input_gradient):
        assert check(None) is None
        assert check(...) is None
        assert check(lambda *args: None) is None
    out = capsys.readouterr().out
    assert out.count("No answer yet") == 12 and "Correct" not in out


@pytest.mark.parametrize("wrong, words", [
    (lambda *a: dz2_of(*a), "one row per example"),
    (lambda *a: dz2_of(*a).sum(axis=1), "axis 1"),
    (lambda *a: dz2_of(*a).sum(axis=0, keepdims=True), "keepdims"),
    (lambda *a: -bias_right(*a), "sign"),
    (lambda *a: no_mean(*a).sum(axis=0), "N times too large"),
    (lambda *a: dz2_of(*a).mean(axis=0), "N times too small"),
    (lambda *a: no_sigmoid_derivative(*a).sum(axis=0), "derivative is missing"),
    (lambda *a: z2_derivative(*a).sum(axis=0), "not Z2"),
    (lambda *a: bias_right(*a) + 0.01, "is wrong: at index"),
])
def test_bias_wrong_answers_are_explained(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_bias_gradient(wrong)
    with pytest.raises(ExerciseError, match=words):
        check_bias_gradient(wrong(*DENSE_EXERCISE.values()))


def test_a_crashing_function_is_reported():
    def broken(a1, W, b, y):
        return a1 @ y
    with pytest.raises(ExerciseError, match="raised ValueError"):
        check_bias_gradient(broken)
    with pytest.raises(ExerciseError, match="array of numbers"):
        check_filter_gradient("twelve")


def test_weight_right_answers_pass(capsys):
    assert passes(check_dense_weight_gradient, weight_right, capsys)
    assert passes(check_dense_weight_gradient, lambda *args: with_kernels(*args)[1], capsys)
    assert passes(check_dense_weight_gradient, weight_right(**DENSE_EXERCISE), capsys)


@pytest.mark.parametrize("wrong, words", [
    (lambda *a: weight_right(*a).T, "transposed"),
    (lambda *a: -weight_right(*a), "sign"),
    (lambda a1, W, b, y: a1.T @ no_mean(a1, W, b, y), "N times too large"),
    (lambda *a: weight_right(*a) / a[0].shape[0], "N times too small"),
    (lambda a1, W, b, y: a1.T @ no_sigmoid_derivative(a1, W, b, y), "derivative is missing"),
    (lambda a1, W, b, y: a1.T @ z2_derivative(a1, W, b, y), "not Z2"),
    (lambda a1, W, b, y: a1[-1:].T @ dz2_of(a1, W, b, y)[-1:], "only the last example"),
    (lambda a1, W, b, y: W * 0.5, "is wrong: at index"),
])
def test_weight_wrong_answers_are_explained(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_dense_weight_gradient(wrong)
    with pytest.raises(ExerciseError, match=words):
        check_dense_weight_gradient(wrong(*DENSE_EXERCISE.values()))


def test_a_function_right_only_on_square_inputs_fails():
    # Right on the exercise example, but transposes an intermediate: fails on another input.
    def sloppy(a1, W, b, y):
        out = weight_right(a1, W, b, y)
        return out if a1.shape == (3, 4) else out[::-1]
    with pytest.raises(ExerciseError, match="test input"):
        check_dense_weight_gradient(sloppy)


# ---------------------------------------------------------------- convolution layer

def filter_loop(x, dz1):
    kh, kw = x.shape[0] - dz1.shape[0] + 1, x.shape[1] - dz1.shape[1] + 1
    df = np.zeros((kh, kw))
    for p in range(kh):
        for q in range(kw):
            df[p, q] = np.sum(dz1 * x[p:p + dz1.shape[0], q:q + dz1.shape[1]])
    return df


def test_filter_right_answers_pass(capsys):
    assert passes(check_filter_gradient, filter_loop, capsys)
    assert passes(check_filter_gradient, lambda x, dz1: correlate2d(x, dz1, "valid"), capsys)
    x, dz1 = CONV_EXERCISE["x"], CONV_EXERCISE["dz1"]
    assert passes(check_filter_gradient, correlate2d(x, dz1, "valid"), capsys)
    assert passes(check_filter_gradient, filter_loop(x, dz1).tolist(), capsys)


@pytest.mark.parametrize("wrong, words", [
    (lambda x, d: convolve2d(x, d, "valid"), "flipped dZ1"),
    (lambda x, d: filter_loop(x, d)[::-1, ::-1], "rotated by 180"),
    (lambda x, d: filter_loop(x, d).T, "transposed"),
    (lambda x, d: -filter_loop(x, d), "sign"),
    (lambda x, d: filter_loop(x, np.ones_like(d)), "unweighted"),
    (lambda x, d: correlate2d(x, d, "full"), "'full'"),
    (lambda x, d: correlate2d(x, d, "same"), "X's shape"),
    (lambda x, d: d * 2, "dZ1's shape"),
    (lambda x, d: filter_loop(x, d) + 1, "is wrong: at index"),
])
def test_filter_wrong_answers_are_explained(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_filter_gradient(wrong)
    with pytest.raises(ExerciseError, match=words):
        check_filter_gradient(wrong(CONV_EXERCISE["x"], CONV_EXERCISE["dz1"]))


def input_loop(dz1, f):
    kh, kw = f.shape
    dx = np.zeros((dz1.shape[0] + kh - 1, dz1.shape[1] + kw - 1))
    for i in range(dz1.shape[0]):
        for j in range(dz1.shape[1]):
            dx[i:i + kh, j:j + kw] += dz1[i, j] * f      # X's patch (i, j) met the whole filter
    return dx


def test_input_right_answers_pass(capsys):
    assert passes(check_input_gradient, input_loop, capsys)
    assert passes(check_input_gradient, lambda d, f: convolve2d(d, f, "full"), capsys)
    kh, kw = CONV_EXERCISE["f"].shape
    padded = np.pad(CONV_EXERCISE["dz1"], ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    answer = correlate2d(padded, np.flip(CONV_EXERCISE["f"]), "valid")
    assert passes(check_input_gradient, answer, capsys)


@pytest.mark.parametrize("wrong, words", [
    (lambda d, f: correlate2d(d, f, "full"), "forgot to flip"),
    (lambda d, f: correlate2d(d, np.flip(f), "valid"), "'valid'"),
    (lambda d, f: correlate2d(d, np.flip(f), "same"), "smaller than X"),
    (lambda d, f: input_loop(d, f)[::-1, ::-1], "rotated by 180"),
    (lambda d, f: input_loop(d, f).T, "transposed"),
    (lambda d, f: -input_loop(d, f), "sign"),
    (lambda d, f: input_loop(d, f) * 2, "is wrong: at index"),
])
def test_input_wrong_answers_are_explained(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_input_gradient(wrong)
    with pytest.raises(ExerciseError, match=words):
        check_input_gradient(wrong(CONV_EXERCISE["dz1"], CONV_EXERCISE["f"]))


def test_exercise_examples_expose_flips_and_transposes():
    # If the fixed examples were symmetric, a flipped or transposed answer would pass.
    x, f, dz1 = CONV_EXERCISE["x"], CONV_EXERCISE["f"], CONV_EXERCISE["dz1"]
    df, dx = filter_loop(x, dz1), input_loop(dz1, f)
    for arr in (df, dx):
        assert not np.allclose(arr, arr.T) and not np.allclose(arr, arr[::-1, ::-1])
        assert not np.allclose(arr.T, arr[::-1, ::-1])
    assert not np.allclose(convolve2d(x, dz1, "valid"), df)
    assert not np.allclose(correlate2d(dz1, f, "full"), dx)
    a1, W = DENSE_EXERCISE["a1"], DENSE_EXERCISE["W"]
    assert len({a1.shape[0], a1.shape[1], W.shape[1]}) == 3     # N, D, M all different
