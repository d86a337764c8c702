"""The exercise checks of notebooks 01-02 accept right answers and name the usual mistakes."""

import math

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from helpers.checks import ExerciseError
from helpers.conv import conv2d_forward
from helpers.checks.convolution import (
    COUNT_EXERCISE,
    EXERCISE_FILTER,
    EXERCISE_IMAGE,
    FLIP_KERNEL,
    check_conv_output,
    check_convolve,
    check_edge_filter,
    check_filters_for_convolution,
    check_flipped_kernel,
    check_output_size,
    check_patch,
    check_patch_count,
)


def test_checks_are_exported_from_the_package():
    import helpers.checks as checks

    for name in ["check_flipped_kernel", "check_convolve", "check_edge_filter",
                 "check_filters_for_convolution", "check_conv_output", "check_output_size",
                 "check_patch", "check_patch_count"]:
        assert callable(getattr(checks, name))


# ---- check_flipped_kernel ----------------------------------------------------------------

def test_flipped_kernel_right(capsys):
    check_flipped_kernel(FLIP_KERNEL[::-1, ::-1])
    check_flipped_kernel([[9, 8, 7], [6, 5, 4], [3, 2, 1]])
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (FLIP_KERNEL, "kernel itself"),
    (FLIP_KERNEL[::-1, :], "rows only"),
    (FLIP_KERNEL[:, ::-1], "columns only"),
    (FLIP_KERNEL.T, "transpose"),
    (np.rot90(FLIP_KERNEL), "90-degree"),
    (-FLIP_KERNEL, "negating"),
    (np.zeros((2, 2)), "shape"),
    (FLIP_KERNEL[::-1, ::-1] + np.eye(3), "not the flipped kernel"),
])
def test_flipped_kernel_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_flipped_kernel(wrong)


# ---- check_convolve ----------------------------------------------------------------------

def test_convolve_right(capsys):
    check_convolve(lambda x, w: convolve2d(x, w, mode="valid"))
    check_convolve(lambda x, w: correlate2d(x, np.flip(w), mode="valid"))
    assert "Correct" in capsys.readouterr().out


def _loop_correlate(x, w):
    oh, ow = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
    return np.array([[np.sum(x[i:i + w.shape[0], j:j + w.shape[1]] * w) for j in range(ow)]
                     for i in range(oh)])


@pytest.mark.parametrize("wrong, words", [
    (lambda x, w: correlate2d(x, w, mode="valid"), "cross-correlation"),
    (lambda x, w: _loop_correlate(x, w[::-1, :]), "up-down only"),
    (lambda x, w: _loop_correlate(x, w[:, ::-1]), "left-right only"),
    (lambda x, w: convolve2d(x, w, mode="full"), "'full' size"),
    (lambda x, w: convolve2d(x, w, mode="same"), "shape"),
    (lambda x, w: convolve2d(x, w, mode="valid") + 1, "wrong values"),
    (lambda x, w: 1 / 0, "ZeroDivisionError"),
])
def test_convolve_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_convolve(wrong)


# ---- check_edge_filter -------------------------------------------------------------------

@pytest.mark.parametrize("right", [
    [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],          # Sobel
    [[0, 0, 0], [0, -1, 0], [0, 1, 0]],
])
def test_edge_filter_right(right, capsys):
    check_edge_filter(right)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    ([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], "reversed"),
    ([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], "vertical edges"),
    (np.full((3, 3), 1 / 9), "sum to 0"),
    ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], "sum to 0"),
    ([[0, -1, 0], [0, 2, 0], [0, -1, 0]], "negative"),
    ([[-2, -1, 0], [0, 0, 0], [1, 1, 1]], "column"),
    (np.zeros((3, 3)), "does not react"),
    ([[-1, 1], [0, 0]], "3x3"),
])
def test_edge_filter_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_edge_filter(wrong)


# ---- check_filters_for_convolution -------------------------------------------------------

def _maps_through_library(x, w):
    """What a library that computes true convolution gives for one image x (C, H, W) and
    filters w (F, C, KH, KW): SciPy's convolve2d per channel, summed."""
    return np.stack([sum(convolve2d(x[c], w[f, c], mode="valid") for c in range(w.shape[1]))
                     for f in range(w.shape[0])])


def test_filters_for_convolution_right(capsys):
    def turned(w):
        return w[:, :, ::-1, ::-1]

    # the reference really keeps the feature maps, measured with SciPy on random numbers
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(4, 3, 2, 3)), rng.normal(size=(3, 6, 5))
    trained = np.stack([sum(correlate2d(x[c], w[f, c], mode="valid") for c in range(3))
                        for f in range(4)])
    np.testing.assert_allclose(_maps_through_library(x, turned(w)), trained)
    check_filters_for_convolution(turned)
    check_filters_for_convolution(lambda w: np.flip(w, axis=(-2, -1)))
    check_filters_for_convolution(lambda w: np.rot90(w, 2, axes=(2, 3)))
    assert capsys.readouterr().out.count("Correct") == 3


def _flip_in_place(w):
    w[...] = w[:, :, ::-1, ::-1].copy()
    return w


@pytest.mark.parametrize("wrong, words", [
    (lambda w: w, "unchanged"),
    (np.flip, "all four axes"),
    (lambda w: w[::-1, ::-1], "first two axes"),
    (lambda w: w[:, :, ::-1], "rows only"),
    (lambda w: w[..., ::-1], "columns only"),
    (lambda w: -w, "negating"),
    (lambda w: w.swapaxes(-1, -2), "transpose"),
    (lambda w: w[..., ::-1, ::-1] + 1, "does not give the feature maps"),
    (_flip_in_place, "in place"),
    (lambda w: w[0], "shape"),
    (lambda w: 1 / 0, "ZeroDivisionError"),
    ("not the answer", "TypeError"),
])
def test_filters_for_convolution_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_filters_for_convolution(wrong)


# ---- check_conv_output -------------------------------------------------------------------

def test_conv_output_right(capsys):
    right = correlate2d(EXERCISE_IMAGE, EXERCISE_FILTER, mode="valid")
    np.testing.assert_array_equal(right, [[10, 5], [3, 2]])   # worked out by hand, too
    check_conv_output(right)
    check_conv_output([[10, 5], [3, 2]])
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (convolve2d(EXERCISE_IMAGE, EXERCISE_FILTER, mode="valid"), "true convolution"),
    ([[10, 3], [5, 2]], "swapped"),
    (correlate2d(EXERCISE_IMAGE, EXERCISE_FILTER.T, mode="valid"), "transposed"),
    ([[10, 5], [3, 4]], r"out\[1, 1\] = 4 is wrong"),
    ([[10, 5, 1], [3, 2, 0]], "2x2"),
    (correlate2d(EXERCISE_IMAGE, EXERCISE_FILTER, mode="full"), "n - f \\+ 1"),
])
def test_conv_output_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_conv_output(wrong)


def test_conv_output_names_only_the_wrong_entry():
    with pytest.raises(ExerciseError) as info:
        check_conv_output([[10, 6], [3, 2]])
    assert "out[0, 1]" in str(info.value)
    assert "out[0, 0]" not in str(info.value) and "out[1, 1]" not in str(info.value)


# ---- check_output_size -------------------------------------------------------------------

def test_output_size_right(capsys):
    check_output_size(lambda n, f, p, s: (n + 2 * p - f) // s + 1)
    check_output_size(lambda n, f, p, s: math.floor((n + 2 * p - f) / s) + 1)
    check_output_size(lambda n, f, p, s: np.int64((n + 2 * p - f) // s + 1))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1, "ceil"),
    (lambda n, f, p, s: (n + p - f) // s + 1, "both sides"),
    (lambda n, f, p, s: (n + 2 * p - f) // s, r"\+ 1"),
    (lambda n, f, p, s: n + 2 * p - f + 1, "stride"),
    (lambda n, f, p, s: (n - f) // s + 1, "padding"),
    (lambda n, f, p, s: (n + 2 * p - f + 1) // s, "divided"),
    (lambda n, f, p, s: (n + 2 * p - f) / s + 1, "//"),
    (lambda n, f, p, s: round((n + 2 * p - f) / s) + 1, "cases are wrong"),
    (lambda n, f, p, s: str((n + 2 * p - f) // s + 1), "integer"),
    (lambda n, f: n - f + 1, "TypeError"),
])
def test_output_size_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_output_size(wrong)


# ---- check_patch -------------------------------------------------------------------------

def _right_patch(x, i, j, f, padding, stride):
    x_pad = np.pad(x, padding)
    return x_pad[i * stride:i * stride + f, j * stride:j * stride + f]


def test_patch_right(capsys):
    check_patch(_right_patch)

    def via_windows(x, i, j, f, padding, stride):
        windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, padding), (f, f))
        return windows[::stride, ::stride][i, j]

    check_patch(via_windows)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda x, i, j, f, p, s: np.pad(x, p)[i:i + f, j:j + f], "stride"),
    (lambda x, i, j, f, p, s: x[i * s:i * s + f, j * s:j * s + f], "unpadded"),
    (lambda x, i, j, f, p, s: np.pad(x, p)[j * s:j * s + f, i * s:i * s + f], "swapped"),
    (lambda x, i, j, f, p, s: np.pad(x, p)[i * s:i * s + f + 1, j * s:j * s + f + 1], "f x f"),
    (lambda x, i, j, f, p, s: np.pad(x, ((p, 0), (p, 0)))[i * s:i * s + f, j * s:j * s + f],
     "only the top and the left"),
    (lambda x, i, j, f, p, s: _right_patch(x, i, j, f, p, s).T, "patches are wrong"),
])
def test_patch_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_patch(wrong)


# ---- check_patch_count -------------------------------------------------------------------

def test_patch_count_right(capsys):
    n, c, f, p, s = (COUNT_EXERCISE[k] for k in ("size", "channels", "f", "padding", "stride"))
    z, _ = conv2d_forward(np.zeros((1, c, n, n)), np.zeros((1, c, f, f)), stride=s, padding=p)
    patches = z.shape[2] * z.shape[3]                      # counted by the course's kernel
    check_patch_count((patches, c * f * f))
    check_patch_count([np.int64(patches), c * f * f])
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("wrong, words", [
    ((27, 256), "swapped order"),
    ((16, 27), "along one row"),
    ((17 * 17, 27), "rounded up"),
    ((15 * 15, 27), "padding"),
    ((32 * 32, 27), "stride"),
    ((256 * 3, 27), "one patch per position"),
    ((256, 9), "every channel"),
    ((256, 28), "28 numbers per patch"),
    ((100, 27), "100 patches per image"),
    ((256.0, 27), "whole numbers"),
    (256, "two whole numbers"),
    ("not the answer", "two whole numbers"),
])
def test_patch_count_mistakes(wrong, words):
    with pytest.raises(ExerciseError, match=words):
        check_patch_count(wrong)


@pytest.mark.parametrize("check", [check_flipped_kernel, check_convolve, check_edge_filter,
                                   check_filters_for_convolution, check_conv_output,
                                   check_output_size, check_patch, check_patch_count])
def test_placeholder_is_reported_not_accepted(check, capsys):
    check(None)
    check(...)
    out = capsys.readouterr().out
    assert out.count("No answer yet") == 2 and "Correct" not in out
