"""The exercise checks of notebooks 12-13 accept right answers and reject the usual wrong ones."""

import numpy as np
import pytest

from helpers.checks import ExerciseError
from helpers.checks import frameworks as checks


def fails(check, *args, fragments=()):
    """Run the check on a wrong answer; it must raise and its message must say why."""
    with pytest.raises(ExerciseError) as err:
        check(*args)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in the message: {message}"
    return message


def test_framework_checks_are_exported():
    import helpers.checks as all_checks
    assert checks.__all__
    for name in checks.__all__:
        assert name.startswith("check_")
        assert getattr(all_checks, name) is getattr(checks, name)


# ---------------------------------------------------------------- hardest pair

def hardest_right(cm):
    both = cm + cm.T
    np.fill_diagonal(both, -1)
    return np.unravel_index(np.argmax(both), both.shape)


def hardest_loop(cm):
    best, pair = -1, None
    for i in range(len(cm)):
        for j in range(i + 1, len(cm)):
            if cm[i, j] + cm[j, i] > best:
                best, pair = cm[i, j] + cm[j, i], [j, i]          # a list, larger index first
    return pair


def largest_single_cell(cm):
    off = cm.copy()
    np.fill_diagonal(off, -1)
    return np.unravel_index(np.argmax(off), off.shape)


@pytest.mark.parametrize("right", [hardest_right, hardest_loop,
                                   lambda cm: tuple(int(k) for k in hardest_right(cm)[::-1])])
def test_hardest_pair_accepts_right_answers(right, capsys):
    checks.check_hardest_pair(right)
    assert capsys.readouterr().out.startswith("Correct:")


def test_every_hardest_pair_case_is_a_trap_for_the_largest_single_cell():
    for what, cm, want in checks.HARDEST_PAIR_CASES:
        cm = checks._ten_class_case() if cm is None else cm
        assert set(int(k) for k in hardest_right(cm)) == set(want), what
        assert set(int(k) for k in largest_single_cell(cm)) != set(want), what


def test_hardest_pair_rejects_wrong_answers():
    fails(checks.check_hardest_pair, largest_single_cell,
          fragments=("largest single cell", "both directions", "55"))
    fails(checks.check_hardest_pair, lambda cm: (0, 0), fragments=("diagonal",))
    fails(checks.check_hardest_pair, lambda cm: 3, fragments=("two class indices",))
    fails(checks.check_hardest_pair, lambda cm: (1, 3, 0), fragments=("two class indices",))
    fails(checks.check_hardest_pair, lambda cm: ("Shirt", "T-shirt/top"),
          fragments=("indices", "not names"))
    fails(checks.check_hardest_pair, lambda cm: (1.0, 3.0), fragments=("whole numbers",))
    fails(checks.check_hardest_pair, lambda cm: (1, len(cm)), fragments=("out of range",))
    fails(checks.check_hardest_pair, lambda cm: (0, 1), fragments=("mixed up 5 times",))
    fails(checks.check_hardest_pair, "hardest_pair", fragments=("your function itself",))

    def in_place(cm):
        np.fill_diagonal(cm, 0)
        return hardest_right(cm)

    fails(checks.check_hardest_pair, in_place, fragments=("changed cm",))


# ---------------------------------------------------------------- merged accuracy

def merged_right(cm, group):
    group = list(group)
    others = [k for k in range(len(cm)) if k not in group]
    return (cm[np.ix_(group, group)].sum() + cm[others, others].sum()) / cm.sum()


def merged_loop(cm, group):
    right = 0
    for i in range(len(cm)):
        for j in range(len(cm)):
            if i == j or (i in group and j in group):
                right += cm[i, j]
    return float(right / cm.sum())


@pytest.mark.parametrize("right", [merged_right, merged_loop])
def test_merged_accuracy_accepts_right_answers(right, capsys):
    checks.check_merged_accuracy(right)
    assert capsys.readouterr().out.startswith("Correct:")


def test_merged_accuracy_rejects_wrong_answers():
    fails(checks.check_merged_accuracy, lambda cm, g: np.trace(cm) / cm.sum(),
          fragments=("plain accuracy", "whole block"))
    fails(checks.check_merged_accuracy,
          lambda cm, g: cm[np.ix_(list(g), list(g))].sum() / cm.sum(),
          fragments=("only the group's block",))
    fails(checks.check_merged_accuracy, lambda cm, g: 100 * merged_right(cm, g),
          fragments=("percentage",))
    fails(checks.check_merged_accuracy, lambda cm, g: [0.5, 0.5], fragments=("one number",))
    fails(checks.check_merged_accuracy, lambda cm, g: cm[g[0], g[1]], fragments=("expected",))
    fails(checks.check_merged_accuracy, lambda cm, g: 1 / 0,
          fragments=("raised ZeroDivisionError",))


# ---------------------------------------------------------------- kernel layout

def kernel_loop(w):
    f_, c_, kh, kw = w.shape
    out = np.zeros((kh, kw, c_, f_))
    for f, c, a, b in np.ndindex(*w.shape):
        out[a, b, c, f] = w[f, c, a, b]
    return out


@pytest.mark.parametrize("right", [lambda w: w.transpose(2, 3, 1, 0), kernel_loop,
                                   lambda w: np.moveaxis(w, (0, 1), (3, 2))])
def test_kernel_layout_accepts_right_answers(right, capsys):
    checks.check_keras_kernel_layout(right)
    assert capsys.readouterr().out.startswith("Correct:")


def test_kernel_layout_rejects_wrong_answers():
    fails(checks.check_keras_kernel_layout,
          lambda w: w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0]),
          fragments=("reshape", "transpose"))
    fails(checks.check_keras_kernel_layout, lambda w: w.transpose(3, 2, 1, 0),
          fragments=("KH and KW are swapped",))
    fails(checks.check_keras_kernel_layout, lambda w: w.transpose(2, 3, 0, 1),
          fragments=("C and F are swapped",))
    fails(checks.check_keras_kernel_layout, lambda w: w, fragments=("expected (KH, KW, C, F)",))
    fails(checks.check_keras_kernel_layout, "w.transpose(2, 3, 1, 0)",
          fragments=("your function itself",))

    def in_place(w):
        w *= 2
        return kernel_loop(w / 2)

    fails(checks.check_keras_kernel_layout, in_place, fragments=("changed its input",))

    def flipped(w):                     # right axes, but each filter upside down
        return kernel_loop(w)[::-1]

    fails(checks.check_keras_kernel_layout, flipped, fragments=("should be w[",))


def test_kernel_layout_catches_the_spatial_transpose_on_square_kernels():
    """transpose(3, 2, 1, 0) of a square kernel has the right shape: the message says why."""
    def square_only(w):
        if w.shape[2] != w.shape[3]:
            return w.transpose(2, 3, 1, 0)
        return w.transpose(3, 2, 1, 0)

    fails(checks.check_keras_kernel_layout, square_only, fragments=("transposed",))


# ---------------------------------------------------------------- flatten permutation

def dense_right(W, channels, height, width):
    perm = np.arange(channels * height * width).reshape(channels, height, width)
    return W[perm.transpose(1, 2, 0).reshape(-1)]


def dense_right_reshape(W, channels, height, width):
    m = W.shape[1]
    return W.reshape(channels, height, width, m).transpose(1, 2, 0, 3).reshape(-1, m)


@pytest.mark.parametrize("right", [dense_right, dense_right_reshape])
def test_flatten_permutation_accepts_right_answers(right, capsys):
    checks.check_flatten_permutation(right)
    assert capsys.readouterr().out.startswith("Correct:")


def test_flatten_permutation_rejects_wrong_answers():
    fails(checks.check_flatten_permutation, lambda W, c, h, w: W, fragments=("unchanged",))
    fails(checks.check_flatten_permutation,
          lambda W, c, h, w: W.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(c * h * w, -1),
          fragments=("inverse permutation",))
    fails(checks.check_flatten_permutation,
          lambda W, c, h, w: W.reshape(c, h, w, -1).transpose(2, 1, 0, 3).reshape(c * h * w, -1),
          fragments=("Keras' feature", "your row"))
    fails(checks.check_flatten_permutation, lambda W, c, h, w: W[::-1] * 2,
          fragments=("not a reordering",))
    fails(checks.check_flatten_permutation, lambda W, c, h, w: W[:-1], fragments=("shape",))


# ---------------------------------------------------------------- parameter count

def test_param_count_accepts_the_right_number(capsys):
    checks.check_cnn_param_count(20_490)
    checks.check_cnn_param_count(9 * 8 + 8 + 9 * 8 * 16 + 16 + 16 * 49 * 10 + 10, channels=(8, 16))
    assert capsys.readouterr().out.count("Correct:") == 2


def test_param_count_rejects_wrong_numbers():
    fails(checks.check_cnn_param_count, 20_490 - 16 - 32 - 10, fragments=("weights only",))
    fails(checks.check_cnn_param_count, 160 + 4_640 + 32 * 784 * 10 + 10,
          fragments=("7 x 7 per channel",))
    fails(checks.check_cnn_param_count, 160 + 9 * 32 + 32 + 15_690, fragments=("C1 channels",))
    fails(checks.check_cnn_param_count, 12345, fragments=("not the count",))
    fails(checks.check_cnn_param_count, "20490", fragments=("give a number",))
