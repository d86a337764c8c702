"""The notebook-08 and 09 exercise checks accept right answers and reject the usual wrong ones."""

import numpy as np
import pytest

from helpers.checks import ExerciseError
from helpers.checks import pooling as checks
from helpers.layers import maxpool2d_backward, maxpool2d_forward


def fails(check, answer, *fragments):
    """Run the check on a wrong answer; it must raise and its message must say why."""
    with pytest.raises(ExerciseError) as err:
        check(answer)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in the message: {message}"
    return message


def test_pooling_checks_are_exported():
    import helpers.checks as all_checks
    for name in checks.__all__:
        assert name.startswith("check_")
        assert getattr(all_checks, name) is getattr(checks, name)


# ---------------------------------------------------------------- same padding

@pytest.mark.parametrize("right", [lambda f: (f - 1) // 2, lambda f: f // 2, lambda f: int((f - 1) / 2)])
def test_same_padding_accepts_right_answers(right, capsys):
    checks.check_same_padding(right)
    assert capsys.readouterr().out.startswith("Correct:")


def test_same_padding_rejects_wrong_answers():
    fails(checks.check_same_padding, lambda f: f - 1, "'full' padding", "p=2 turns")
    fails(checks.check_same_padding, lambda f: 0, "'valid' padding")
    fails(checks.check_same_padding, lambda f: (f + 1) // 2, "for f=1", "30 x 30")
    fails(checks.check_same_padding, lambda f: (f - 1) / 2, "a float", "//")
    fails(checks.check_same_padding, lambda f: f / 2, "not a whole number")
    fails(checks.check_same_padding, lambda f: 1 / (f - 1), "raised ZeroDivisionError")


# ---------------------------------------------------------------- unreached rows

def unreached_right(n, f, s):
    covered = set()
    for top in range(0, n - f + 1, s):
        covered.update(range(top, top + f))
    return [r for r in range(n) if r not in covered]


def test_unreached_rows_accepts_right_answers(capsys):
    checks.check_unreached_rows(unreached_right)
    checks.check_unreached_rows(lambda n, f, s: np.array(unreached_right(n, f, s)))
    assert capsys.readouterr().out.count("Correct:") == 2


def test_unreached_rows_known_values():
    assert checks._unreached(28, 5, 2) == [27]
    assert checks._unreached(28, 5, 3) == [26, 27]
    assert checks._unreached(10, 2, 3) == [2, 5, 8, 9]
    assert checks._unreached(28, 5, 1) == []


def test_unreached_rows_rejects_wrong_answers():
    def tail_only(n, f, s):            # forgets the gaps between windows when s > f
        n_out = (n - f) // s + 1
        return list(range((n_out - 1) * s + f, n))

    def off_by_one(n, f, s):
        n_out = (n - f) // s + 1
        return list(range((n_out - 1) * s + f - 1, n))

    def count_only(n, f, s):
        return len(unreached_right(n, f, s))

    fails(checks.check_unreached_rows, tail_only, "n=10, f=2, s=3", "gaps between windows", "[2, 5, 8, 9]")
    fails(checks.check_unreached_rows, off_by_one, "which a window does cover")
    fails(checks.check_unreached_rows, count_only, "the number")


# ---------------------------------------------------------------- hand max pool

def test_pool_output_accepts_the_max_pool(capsys):
    checks.check_pool_output([[8, 7], [8, 9]])
    x = checks.POOL_EXERCISE_X[None, None].astype(float)
    out, _ = maxpool2d_forward(x, size=checks.POOL_EXERCISE_SIZE, stride=checks.POOL_EXERCISE_STRIDE)
    checks.check_pool_output(out[0, 0])
    assert capsys.readouterr().out.count("Correct:") == 2


def test_pool_output_rejects_wrong_answers():
    x = checks.POOL_EXERCISE_X.astype(float)
    avg = [[x[r:r + 3, c:c + 3].mean() for c in (0, 2)] for r in (0, 2)]
    fails(checks.check_pool_output, avg, "average pooling")
    fails(checks.check_pool_output, [[8, 8], [7, 9]], "transposed")
    fails(checks.check_pool_output, [[5, 7], [8, 6]], "2 x 2 windows")
    fails(checks.check_pool_output, [[0, 0], [0, 0]], "minima")
    fails(checks.check_pool_output, [[8, 7], [8, 6]], "output [1, 1] is 6", "maximum is 9")
    fails(checks.check_pool_output, np.full((3, 3), 8), "shape (3, 3)", "stride 1")
    fails(checks.check_pool_output, "eight", "could not read")


# ---------------------------------------------------------------- max-pool backward

def backward_via_helpers(dout, x, size, stride):
    _, cache = maxpool2d_forward(x, size=size, stride=stride)
    return maxpool2d_backward(dout, cache)


def backward_loops(dout, x, size, stride, *, last_tie=False, all_ties=False, assign=False,
                   ignore_stride=False, average=False, split=None):
    """A learner's loop backward, right by default; each flag makes one classic mistake.

    split: a function of the tie mask (size, size) -> weights (size, size) that shares a
    window's gradient among its maxima (None: all of it to the first maximum)."""
    step = size if ignore_stride else stride
    dx = np.zeros_like(x)
    oh, ow = dout.shape[2:]
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    rs, cs = slice(i * step, i * step + size), slice(j * step, j * step + size)
                    win = x[n, c, rs, cs]
                    if average:
                        dx[n, c, rs, cs] += dout[n, c, i, j] / size ** 2
                        continue
                    if all_ties:
                        dx[n, c, rs, cs] += (win == win.max()) * dout[n, c, i, j]
                        continue
                    if split is not None:
                        dx[n, c, rs, cs] += split(win == win.max()) * dout[n, c, i, j]
                        continue
                    flat = win.ravel()
                    k = len(flat) - 1 - np.argmax(flat[::-1]) if last_tie else np.argmax(flat)
                    r, q = rs.start + k // size, cs.start + k % size
                    if assign:
                        dx[n, c, r, q] = dout[n, c, i, j]
                    else:
                        dx[n, c, r, q] += dout[n, c, i, j]
    return dx


def equal_split(is_max):
    return is_max / is_max.sum()


def random_split(is_max, rng=np.random.default_rng(3)):
    weights = rng.uniform(0, 1, is_max.shape) * is_max
    return weights / weights.sum()


def test_maxpool_backward_accepts_right_answers(capsys):
    checks.check_maxpool_backward(backward_via_helpers)
    checks.check_maxpool_backward(backward_loops)
    # Any one of the tied maxima may take the gradient: the last one is as right as the first.
    checks.check_maxpool_backward(lambda d, x, s, t: backward_loops(d, x, s, t, last_tie=True))
    out = capsys.readouterr().out
    assert out.count("Correct:") == 3 and out.count("one winner per tied window") == 3


@pytest.mark.parametrize("split", [equal_split, random_split], ids=["equal", "random"])
def test_maxpool_backward_accepts_every_split_with_weights_adding_up_to_one(split, capsys):
    # Every split of a tied window's gradient over its maxima with non-negative weights that
    # add up to one is a subgradient of the max: all are accepted, and the message says so.
    checks.check_maxpool_backward(lambda d, x, s, t: backward_loops(d, x, s, t, split=split))
    out = capsys.readouterr().out
    assert out.startswith("Correct:") and "non-negative weights adding up to one" in out


def test_maxpool_backward_accepts_jax_which_picks_one_winner(capsys):
    import jax_oracle as jx
    checks.check_maxpool_backward(lambda d, x, s, t: jx.maxpool2d_grad(x, d, s, t))
    assert "one winner per tied window" in capsys.readouterr().out


def test_maxpool_backward_rejects_splits_that_are_not_subgradients():
    def negative(is_max):            # weights 2, -1 (, 0): they add up to one, but -1 < 0
        weights = np.zeros(is_max.shape)
        where = np.argwhere(is_max)
        weights[tuple(where[0])] = 1.0
        if len(where) > 1:
            weights[tuple(where[0])], weights[tuple(where[1])] = 2.0, -1.0
        return weights

    def half(is_max):                # shares only half of the gradient
        return 0.5 * is_max / is_max.sum() if is_max.sum() > 1 else is_max

    def leaks(is_max):               # a quarter to every input of the window, maxima or not
        return np.full(is_max.shape, 1 / is_max.size) if is_max.sum() > 1 else is_max

    def loops(split):
        return lambda d, x, s, t: backward_loops(d, x, s, t, split=split)

    fails(checks.check_maxpool_backward, loops(negative), "tied", "negative", "non-negative")
    fails(checks.check_maxpool_backward, loops(half), "adds up to", "add up to one")
    fails(checks.check_maxpool_backward, loops(leaks), "not the window's maximum")


def test_maxpool_backward_cases_cover_what_they_claim():
    cases = checks._backward_cases()
    ties = [x for name, x, size, stride in cases if "tied" in name]
    assert ties and any((w == w.max()).sum() > 1 for w in [ties[0][0, 0, :2, :2]])
    overlapping = [(x, size, stride) for name, x, size, stride in cases if stride < size]
    dout = np.ones((1, 1, 2, 2))
    assert backward_loops(dout, overlapping[0][0], 3, 2)[0, 0, 2, 2] == 4   # one input, four windows
    assert any(stride > size for _, _, size, stride in cases)


def test_maxpool_backward_rejects_wrong_answers():
    def wrong(**flags):
        return lambda d, x, s, t: backward_loops(d, x, s, t, **flags)

    fails(checks.check_maxpool_backward, wrong(all_ties=True), "tied maxima", "counts that gradient")
    fails(checks.check_maxpool_backward, wrong(assign=True), "overlapping", "+=")
    fails(checks.check_maxpool_backward, wrong(average=True), "average pooling")
    fails(checks.check_maxpool_backward, wrong(ignore_stride=True), "stride 2 (overlapping)", "raised IndexError")
    fails(checks.check_maxpool_backward, lambda d, x, s, t: np.zeros((1, 1)), "shape")

    def argmin(d, x, s, t):
        return backward_loops(d, -x, s, t)
    fails(checks.check_maxpool_backward, argmin, "differs from the expected", "first at")


def test_maxpool_backward_does_not_trust_the_learner_with_its_inputs(capsys):
    def mutating(dout, x, size, stride):
        dx = backward_loops(dout, x, size, stride)
        x[...] = 0          # a learner's in-place edit must not change what the check compares
        dout[...] = 0
        return dx
    checks.check_maxpool_backward(mutating)
    assert "Correct:" in capsys.readouterr().out


# ---------------------------------------------------------------- average pooling as a convolution

def avgpool_as_conv_right(channels, size):
    w = np.zeros((channels, channels, size, size))
    for c in range(channels):
        w[c, c] = 1 / size ** 2
    return w, size


def test_avgpool_as_conv_accepts_right_answers(capsys):
    checks.check_avgpool_as_conv(avgpool_as_conv_right)
    checks.check_avgpool_as_conv(lambda c, k: (np.einsum("fc,pq->fcpq", np.eye(c), np.ones((k, k))) / k ** 2,
                                               np.int64(k)))
    assert capsys.readouterr().out.count("Correct:") == 2


def test_avgpool_as_conv_rejects_wrong_answers():
    check = checks.check_avgpool_as_conv
    fails(check, lambda c, k: (np.full((c, c, k, k), 1 / k ** 2), k), "3 channels", "keeps the channels apart")
    fails(check, lambda c, k: (avgpool_as_conv_right(c, k)[0] * k * k, k), "adds up each window")
    fails(check, lambda c, k: (avgpool_as_conv_right(c, k)[0], 1), "stride 1", "overlap")
    fails(check, lambda c, k: (np.full((1, 1, k, k), 1 / k ** 2), k), "3 channels", "second axis must be C = 3")
    fails(check, lambda c, k: (np.full((1, c, k, k), 1 / k ** 2), k), "3 channels", "needs 3 filters")
    fails(check, lambda c, k: (avgpool_as_conv_right(c, k)[0], 2.0), "must be an int")
    fails(check, lambda c, k: avgpool_as_conv_right(c, k)[0], "a pair (w, stride)")
    fails(check, lambda c, k: (avgpool_as_conv_right(c, k)[0] + 0.01, k), "output [0, 0, 0, 0]")
    fails(check, lambda c, k: 1 / 0, "raised ZeroDivisionError")
