"""helpers.layers: dense, activations and pooling against loops, JAX and finite differences.

Finite-difference checks use data whose gradient entries cannot cancel to near
zero (positive values, or activations evaluated away from their kinks): the
elementwise relative error of a near-zero entry would measure finite-difference
round-off rather than the kernel (see tests/test_conv.py).
"""


import jax_oracle as jx
from support import close, examples, no_numeric_warnings, seeds
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.gradcheck import numerical_gradient_array, rel_error
from helpers.layers import (
    avgpool2d_backward, avgpool2d_forward, dense_backward, dense_forward,
    maxpool2d_backward, maxpool2d_forward, relu, relu_backward, sigmoid, sigmoid_backward,
    softmax,
)





# ================================================================ dense

def dense_loops(x, W, b):
    n, d = x.shape
    m = W.shape[1]
    z = np.zeros((n, m))
    for i in range(n):
        for k in range(m):
            z[i, k] = sum(x[i, j] * W[j, k] for j in range(d)) + (b[k] if b is not None else 0.0)
    return z


dense_shapes = st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), seeds)


@examples(25)
@given(dense_shapes)
def test_dense_matches_loops_and_jax(shape):
    n, d, m, seed = shape
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
    dout = rng.standard_normal((n, m))
    for bias in (b, None):
        z, cache = dense_forward(x, W, bias)
        assert z.shape == (n, m)
        close(z, dense_loops(x, W, bias))
        close(z, jx.dense(x, W, bias))
        dx, dW, db = dense_backward(dout, cache)
        jdx, jdW, jdb = jx.dense_grads(x, W, bias, dout)
        close(dx, jdx)
        close(dW, jdW)
        assert (db is None) if bias is None else np.allclose(db, jdb, rtol=1e-10, atol=1e-12)


@examples(20)
@given(dense_shapes)
def test_dense_backward_matches_numerical_gradient(shape):
    n, d, m, seed = shape
    rng = np.random.default_rng(seed)
    x, W, b, dout = (rng.uniform(0.5, 1.5, s) for s in [(n, d), (d, m), (m,), (n, m)])
    _, cache = dense_forward(x, W, b)
    dx, dW, db = dense_backward(dout, cache)
    assert rel_error(dx, numerical_gradient_array(lambda x_: dense_forward(x_, W, b)[0], x, dout)) < 1e-7
    assert rel_error(dW, numerical_gradient_array(lambda W_: dense_forward(x, W_, b)[0], W, dout)) < 1e-7
    assert rel_error(db, numerical_gradient_array(lambda b_: dense_forward(x, W, b_)[0], b, dout)) < 1e-7


def test_dense_is_the_articles_w_transpose_x():
    # The article stacks images as columns: Z = W^T X + b. Rows here: z = x @ W + b.
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    z, _ = dense_forward(x, W, b)
    close(z, (W.T @ x.T + b[:, None]).T)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_dtype_is_preserved(dtype):
    rng = np.random.default_rng(1)
    x, W, b = (rng.standard_normal(s).astype(dtype) for s in [(3, 4), (4, 2), (2,)])
    z, cache = dense_forward(x, W, b)
    grads = dense_backward(np.ones((3, 2), dtype), cache)
    assert z.dtype == dtype and all(g.dtype == dtype for g in grads)


def test_dense_uint8_with_float32_weights_gives_float32():
    x = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    W = np.ones((4, 2), np.float32)
    z, _ = dense_forward(x, W, np.zeros(2, np.float32))
    assert z.dtype == np.float32
    close(z, x.astype(np.float64).sum(axis=1, keepdims=True).repeat(2, axis=1))


def test_dense_does_not_mutate_inputs():
    rng = np.random.default_rng(2)
    x, W, b, dout = (rng.standard_normal(s) for s in [(3, 4), (4, 2), (2,), (3, 2)])
    saved = [a.copy() for a in (x, W, b, dout)]
    z, cache = dense_forward(x, W, b)
    grads = dense_backward(dout, cache)
    for before, after in zip(saved, (x, W, b, dout)):
        np.testing.assert_array_equal(before, after)
    for result in (z, *grads):
        assert not any(np.shares_memory(result, a) for a in (x, W, b, dout))


# ================================================================ sigmoid

@examples(20)
@given(st.tuples(st.integers(1, 4), st.integers(1, 6), seeds))
def test_sigmoid_and_its_gradient_match_jax_and_finite_differences(shape):
    n, k, seed = shape
    rng = np.random.default_rng(seed)
    # |z| <= 5: farther out the gradient is so small that finite differences
    # cannot resolve it to 1e-7 (the extremes are tested separately).
    z = rng.uniform(-5, 5, (n, k))
    dout = rng.standard_normal((n, k))
    a = sigmoid(z)
    close(a, jx.sigmoid(z))
    dz = sigmoid_backward(dout, a)
    close(dz, jx.sigmoid_grad(z, dout))
    assert rel_error(dz, numerical_gradient_array(sigmoid, z, dout)) < 1e-7


def test_sigmoid_extremes_float64_without_warnings():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with no_numeric_warnings():
        a = sigmoid(z)
        da = sigmoid_backward(np.ones_like(z), a)
    assert a[0] == 0.0 and a[-1] == 1.0 and a[2] == 0.5
    assert 0 < a[1] < 1e-20 and 1 - 1e-15 <= a[3] <= 1.0
    assert np.all(np.isfinite(da)) and da[0] == 0.0 and da[-1] == 0.0
    close(a, jx.sigmoid(z))


def test_sigmoid_extremes_float32_without_warnings():
    z = np.array([-100.0, -20.0, 0.0, 20.0, 100.0], dtype=np.float32)
    with no_numeric_warnings():
        a = sigmoid(z)
    assert a.dtype == np.float32
    assert a[0] < 1e-40 and a[-1] == 1.0 and a[2] == 0.5
    np.testing.assert_allclose(a, jx.sigmoid(z), rtol=1e-6, atol=1e-30)


def test_sigmoid_symmetry_and_range():
    z = np.linspace(-40, 40, 161)
    a = sigmoid(z)
    assert np.all((a >= 0) & (a <= 1))
    assert np.all(np.diff(a) >= 0)
    np.testing.assert_allclose(sigmoid(-z), 1 - a, atol=1e-15)


@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32), (np.float64, np.float64),
                                             (np.int64, np.float64), (np.uint8, np.float64)])
def test_sigmoid_dtypes(dtype, expected):
    z = np.arange(-3, 4).astype(dtype) if dtype != np.uint8 else np.arange(7, dtype=np.uint8)
    a = sigmoid(z)
    assert a.dtype == expected
    assert sigmoid_backward(np.ones(7, dtype=a.dtype), a).dtype == expected
    np.testing.assert_allclose(a, jx.sigmoid(z.astype(np.float64)), rtol=1e-6)


def test_sigmoid_does_not_mutate_input():
    z = np.array([-2.0, 0.5, 3.0])
    saved = z.copy()
    a = sigmoid(z)
    sigmoid_backward(np.ones(3), a)
    np.testing.assert_array_equal(z, saved)
    assert not np.shares_memory(a, z)


# ================================================================ relu

@examples(15)
@given(st.tuples(st.integers(1, 4), st.integers(1, 6), seeds))
def test_relu_and_its_gradient(shape):
    n, k, seed = shape
    rng = np.random.default_rng(seed)
    # Keep z away from the kink at 0, where the derivative does not exist.
    z = rng.choice([-1.0, 1.0], (n, k)) * rng.uniform(0.1, 2.0, (n, k))
    dout = rng.standard_normal((n, k))
    close(relu(z), np.where(z > 0, z, 0.0))
    dz = relu_backward(dout, z)
    close(dz, jx.relu_grad(z, dout))
    assert rel_error(dz, numerical_gradient_array(relu, z, dout)) < 1e-7


def test_relu_kink_and_dtype_and_no_mutation():
    z = np.array([-1.0, 0.0, 2.0], dtype=np.float32)
    saved = z.copy()
    a = relu(z)
    dz = relu_backward(np.ones(3, np.float32), z)
    np.testing.assert_array_equal(a, [0, 0, 2])
    np.testing.assert_array_equal(dz, [0, 0, 1])    # the kink at 0 gets gradient 0
    assert a.dtype == dz.dtype == np.float32
    np.testing.assert_array_equal(z, saved)
    assert not np.shares_memory(a, z)


# ================================================================ softmax

@examples(20)
@given(st.tuples(st.integers(1, 5), st.integers(1, 7), seeds))
def test_softmax_matches_jax(shape):
    n, k, seed = shape
    z = np.random.default_rng(seed).standard_normal((n, k)) * 4
    p = softmax(z)
    close(p, jx.softmax(z))
    close(p.sum(axis=1), np.ones(n))
    close(softmax(z, axis=0), jx.softmax(z, axis=0))
    close(softmax(z + 123.0), p)                        # shift invariance


def test_softmax_extremes_without_warnings():
    z = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0],
                  [1e4, 1e4, 1e4], [0.0, 0.0, 0.0]])
    with no_numeric_warnings():
        p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0], atol=1e-300)
    for row in p[1:]:
        np.testing.assert_allclose(row, np.full(3, 1 / 3), rtol=1e-15)
    close(p, jx.softmax(z))


def test_softmax_float32_extremes():
    z = np.array([[100.0, 0.0, -100.0], [50.0, 50.0, 50.0]], dtype=np.float32)
    with no_numeric_warnings():
        p = softmax(z)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-6)


def test_softmax_does_not_mutate_input():
    z = np.array([[1.0, 2.0, 3.0]])
    saved = z.copy()
    p = softmax(z)
    np.testing.assert_array_equal(z, saved)
    assert not np.shares_memory(p, z)


# ================================================================ pooling: loop references

def pool_axis(n, k, stride, padding, dilation=1, ceil_mode=False):
    """One axis, written out here independently of helpers/_windows.py:
    -> (before, after, out). "same" is Keras' rule, ceil_mode PyTorch's."""
    span = (k - 1) * dilation + 1
    if padding == "same":
        total = max((-(-n // stride) - 1) * stride + span - n, 0)
        before, after = total // 2, total - total // 2
    else:
        before = after = 0 if padding == "valid" else padding
    if ceil_mode:
        out = -(-(n + before + after - span) // stride) + 1
        if (out - 1) * stride >= n + before:
            out -= 1
    else:
        out = (n + before + after - span) // stride + 1
    return before, after, out


def pool_windows(shape, size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Every window as (i, j, taps): taps lists, in reading order, the (row, column) of
    each cell of window (i, j) and whether it is an input cell ("in"), an explicit
    padding cell ("pad") or a cell a ceil_mode window overhangs ("over")."""
    two = lambda v: (v, v) if np.ndim(v) == 0 else tuple(v)       # noqa: E731
    size = two(size)
    stride = size if stride is None else two(stride)
    dilation = two(dilation)
    padding = (padding, padding) if isinstance(padding, str) else two(padding)
    axes = [pool_axis(n, k, s, p, d, ceil_mode)
            for n, k, s, p, d in zip(shape[2:], size, stride, padding, dilation)]
    windows = []
    for i in range(axes[0][2]):
        for j in range(axes[1][2]):
            taps = []
            for a in range(size[0]):
                for b in range(size[1]):
                    r = i * stride[0] + a * dilation[0] - axes[0][0]
                    q = j * stride[1] + b * dilation[1] - axes[1][0]
                    kinds = []
                    for v, n, (before, after, _) in ((r, shape[2], axes[0]), (q, shape[3], axes[1])):
                        kinds.append("in" if 0 <= v < n else "pad" if -before <= v < n + after
                                     else "over")
                    kind = "in" if kinds == ["in", "in"] else "over" if "over" in kinds else "pad"
                    taps.append((r, q, kind))
            windows.append((i, j, taps))
    return (axes[0][2], axes[1][2]), windows


def maxpool_winners(x, size, stride=None, **geometry):
    """-> out, {(n, c, i, j): (row, column) of the winner}: each window's first maximum
    in reading order over its input cells (padding never wins; a NaN is the maximum,
    the first NaN wins)."""
    (oh, ow), windows = pool_windows(x.shape, size, stride, **geometry)
    out = np.zeros(x.shape[:2] + (oh, ow))
    winners = {}
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, j, taps in windows:
                best = None
                for r, q, kind in taps:
                    if kind != "in":
                        continue
                    v = x[n, c, r, q]
                    top = None if best is None else x[n, c, best[0], best[1]]
                    if top is None or (not np.isnan(top) and (v > top or np.isnan(v))):
                        best = (r, q)
                out[n, c, i, j] = x[n, c, best[0], best[1]]
                winners[n, c, i, j] = best
    return out, winners


def maxpool_loops(x, size, stride=None, **geometry):
    return maxpool_winners(x, size, stride, **geometry)[0]


def maxpool_backward_loops(x, dout, size, stride=None, **geometry):
    """Each window sends its gradient to one input: its winner in maxpool_winners."""
    _, winners = maxpool_winners(x, size, stride, **geometry)
    dx = np.zeros(x.shape)
    for (n, c, i, j), (r, q) in winners.items():
        dx[n, c, r, q] += dout[n, c, i, j]
    return dx


def avgpool_counts(shape, size, stride=None, count_include_pad=False, **geometry):
    (oh, ow), windows = pool_windows(shape, size, stride, **geometry)
    counted = ("in", "pad") if count_include_pad else ("in",)
    return [(i, j, [(r, q) for r, q, kind in taps if kind == "in"],
             sum(kind in counted for _, _, kind in taps)) for i, j, taps in windows], (oh, ow)


def avgpool_loops(x, size, stride=None, **geometry):
    windows, (oh, ow) = avgpool_counts(x.shape, size, stride, **geometry)
    out = np.zeros(x.shape[:2] + (oh, ow))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i, j, cells, count in windows:
                out[n, c, i, j] = sum(x[n, c, r, q] for r, q in cells) / count
    return out


def avgpool_backward_loops(x_shape, dout, size, stride=None, **geometry):
    windows, _ = avgpool_counts(x_shape, size, stride, **geometry)
    dx = np.zeros(x_shape)
    for n in range(x_shape[0]):
        for c in range(x_shape[1]):
            for i, j, cells, count in windows:
                for r, q in cells:
                    dx[n, c, r, q] += dout[n, c, i, j] / count
    return dx


def pool_out_size(n, size, stride):
    return pool_axis(n, size, stride, 0)[2]


@st.composite
def pool_cases(draw):
    """(N, C, H, W, size, stride, seed): non-square, overlapping (stride < size),
    gapped (stride > size) and non-dividing strides."""
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    size = draw(st.integers(1, min(3, h, w)))
    return (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w, size,
            draw(st.integers(1, 3)), draw(seeds))


def distinct_values(rng, shape):
    """Values with no ties and gaps of at least 0.05, so a max never changes under h = 1e-5."""
    count = int(np.prod(shape))
    values = rng.permutation(count) * 0.1 + rng.uniform(0, 0.05, count)
    return (values - values.mean()).reshape(shape)


# ================================================================ max pooling

@examples(25)
@given(pool_cases())
def test_maxpool_matches_loops_and_jax(case):
    n, c, h, w, size, stride, seed = case
    rng = np.random.default_rng(seed)
    x = distinct_values(rng, (n, c, h, w))
    out, cache = maxpool2d_forward(x, size, stride)
    assert out.shape == (n, c, pool_out_size(h, size, stride), pool_out_size(w, size, stride))
    close(out, maxpool_loops(x, size, stride))
    close(out, jx.maxpool2d(x, size, stride))
    dout = rng.standard_normal(out.shape)
    dx = maxpool2d_backward(dout, cache)
    close(dx, maxpool_backward_loops(x, dout, size, stride))
    close(dx, jx.maxpool2d_grad(x, dout, size, stride))       # no ties: JAX agrees


@examples(20)
@given(pool_cases())
def test_maxpool_backward_matches_numerical_gradient(case):
    n, c, h, w, size, stride, seed = case
    rng = np.random.default_rng(seed)
    x = distinct_values(rng, (n, c, h, w))
    out, cache = maxpool2d_forward(x, size, stride)
    dout = rng.uniform(0.5, 1.5, out.shape)
    dx = maxpool2d_backward(dout, cache)
    numeric = numerical_gradient_array(lambda x_: maxpool2d_forward(x_, size, stride)[0], x, dout)
    assert rel_error(dx, numeric) < 1e-7


@examples(25)
@given(pool_cases(), st.integers(1, 3))
def test_maxpool_ties_go_to_the_first_max_in_reading_order(case, levels):
    # Few distinct levels make ties everywhere; JAX may route ties differently,
    # so the rule itself is checked.
    n, c, h, w, size, stride, seed = case
    rng = np.random.default_rng(seed)
    x = rng.integers(0, levels, (n, c, h, w)).astype(np.float64)
    out, cache = maxpool2d_forward(x, size, stride)
    close(out, maxpool_loops(x, size, stride))
    dout = rng.uniform(0.5, 1.5, out.shape)
    dx = maxpool2d_backward(dout, cache)
    close(dx, maxpool_backward_loops(x, dout, size, stride))
    assert dx.sum() == pytest.approx(dout.sum(), rel=1e-12)
    # Exactly one input per window: with dout = 1 the gradient counts the windows
    # each input won, and those counts add up to the number of windows.
    counts = maxpool2d_backward(np.ones(out.shape), cache)
    assert np.all(counts == np.round(counts)) and counts.sum() == out.size


def test_maxpool_tie_rule_by_hand():
    # One 2x2 window holding 5 twice: at (0, 1) and at (1, 0). Reading order
    # (row by row) reaches (0, 1) first, so it alone receives the gradient.
    x = np.array([[[[1.0, 5.0], [5.0, 2.0]]]])
    out, cache = maxpool2d_forward(x, 2, 2)
    assert out[0, 0, 0, 0] == 5
    dx = maxpool2d_backward(np.array([[[[3.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0, 3], [0, 0]])
    # All equal: every window sends its gradient to its top-left input.
    x = np.zeros((1, 1, 4, 4))
    out, cache = maxpool2d_forward(x)
    dx = maxpool2d_backward(np.arange(1.0, 5.0).reshape(1, 1, 2, 2), cache)
    expected = np.zeros((4, 4))
    expected[::2, ::2] = [[1, 2], [3, 4]]
    np.testing.assert_array_equal(dx[0, 0], expected)


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maxpool_non_overlapping_windows_with_ties(size, dtype):
    # stride == size (the usual 2x2 / 2) has its own fast path in the kernel:
    # same values, same tie rule, same dtype as the loop reference.
    rng = np.random.default_rng(size)
    x = rng.integers(0, 2, (2, 3, 3 * size + 1, 2 * size + 1)).astype(dtype)
    out, cache = maxpool2d_forward(x, size, size)
    assert out.shape == (2, 3, 3, 2) and out.dtype == dtype
    close(out, maxpool_loops(x, size, size))
    dout = rng.uniform(0.5, 1.5, out.shape).astype(dtype)
    dx = maxpool2d_backward(dout, cache)
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, maxpool_backward_loops(x, dout, size, size), rtol=1e-6)
    # The row and column that no window reaches get no gradient.
    assert np.all(dx[:, :, -1, :] == 0) and np.all(dx[:, :, :, -1] == 0)


def test_maxpool_overlapping_windows_add_up():
    # size 3, stride 1 on 4x4: the peak at (1, 1)... (2, 2) lies in all four windows.
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2, 2] = 9.0
    out, cache = maxpool2d_forward(x, 3, 1)
    assert out.shape == (1, 1, 2, 2) and np.all(out == 9)
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx = maxpool2d_backward(dout, cache)
    assert dx[0, 0, 2, 2] == 10.0 and dx.sum() == 10.0


def test_maxpool_rows_no_window_reaches_are_dropped():
    x = distinct_values(np.random.default_rng(3), (1, 2, 5, 7))
    out, cache = maxpool2d_forward(x, 2, 2)
    assert out.shape == (1, 2, 2, 3)
    dx = maxpool2d_backward(np.ones(out.shape), cache)
    assert np.all(dx[:, :, 4, :] == 0) and np.all(dx[:, :, :, 6] == 0)


# ================================================================ average pooling

@examples(20)
@given(pool_cases())
def test_avgpool_matches_loops_jax_and_finite_differences(case):
    n, c, h, w, size, stride, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    out, cache = avgpool2d_forward(x, size, stride)
    close(out, avgpool_loops(x, size, stride))
    close(out, jx.avgpool2d(x, size, stride))
    dout = rng.uniform(0.5, 1.5, out.shape)
    dx = avgpool2d_backward(dout, cache)
    close(dx, avgpool_backward_loops(x.shape, dout, size, stride))
    close(dx, jx.avgpool2d_grad(x, dout, size, stride))
    numeric = numerical_gradient_array(lambda x_: avgpool2d_forward(x_, size, stride)[0], x, dout)
    assert rel_error(dx, numeric) < 1e-7


# ================================================================ pooling: dtypes, no mutation

@pytest.mark.parametrize("forward, backward", [(maxpool2d_forward, maxpool2d_backward),
                                               (avgpool2d_forward, avgpool2d_backward)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_dtype_and_no_mutation(forward, backward, dtype):
    x = distinct_values(np.random.default_rng(4), (2, 3, 6, 5)).astype(dtype)
    saved = x.copy()
    out, cache = forward(x, 2, 2)
    dout = np.ones(out.shape, dtype)
    dout_saved = dout.copy()
    dx = backward(dout, cache)
    assert out.dtype == dtype and dx.dtype == dtype
    np.testing.assert_array_equal(x, saved)
    np.testing.assert_array_equal(dout, dout_saved)
    assert not np.shares_memory(out, x) and not np.shares_memory(dx, dout)


# ================================================================ pooling: issue 14's arguments

def _window_or_pair(draw, low, high):
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


@st.composite
def general_pool_cases(draw, dilation=True):
    """(shape, geometry, seed): size and stride ints or pairs (stride also None),
    padding an int, a pair (at most half the window, as PyTorch allows), "valid" or
    "same", dilation an int or a pair, ceil_mode. Cases where a window would hold
    padding only (the kernels refuse them) are skipped."""
    from hypothesis import assume
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    size = _window_or_pair(draw, 1, 3)
    stride = draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    sizes = (size, size) if np.ndim(size) == 0 else size
    padding = draw(st.one_of(st.sampled_from(["valid", "same"]),
                             st.integers(0, min(sizes) // 2),
                             st.tuples(st.integers(0, sizes[0] // 2), st.integers(0, sizes[1] // 2))))
    geometry = dict(padding=padding, ceil_mode=draw(st.booleans()))
    if dilation:
        geometry["dilation"] = _window_or_pair(draw, 1, 2)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w)
    (oh, ow), windows = pool_windows(shape, size, stride, **geometry)
    assume(oh >= 1 and ow >= 1)
    assume(all(any(kind == "in" for _, _, kind in taps) for _, _, taps in windows))
    return shape, size, stride, geometry, draw(seeds)


@examples(40)
@given(general_pool_cases())
def test_maxpool_general_arguments_match_loops_jax_and_finite_differences(case):
    shape, size, stride, geometry, seed = case
    rng = np.random.default_rng(seed)
    x = distinct_values(rng, shape)
    out, cache = maxpool2d_forward(x, size, stride, **geometry)
    close(out, maxpool_loops(x, size, stride, **geometry))
    close(out, jx.maxpool2d(x, size, stride, **geometry))
    dout = rng.uniform(0.5, 1.5, out.shape)
    dx = maxpool2d_backward(dout, cache)
    close(dx, maxpool_backward_loops(x, dout, size, stride, **geometry))
    close(dx, jx.maxpool2d_grad(x, dout, size, stride, **geometry))
    numeric = numerical_gradient_array(lambda x_: maxpool2d_forward(x_, size, stride, **geometry)[0],
                                       x, dout)
    assert rel_error(dx, numeric) < 1e-7


@examples(40)
@given(general_pool_cases(dilation=False), st.booleans())
def test_avgpool_general_arguments_match_loops_jax_and_finite_differences(case, include_pad):
    shape, size, stride, geometry, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    args = dict(geometry, count_include_pad=include_pad)
    out, cache = avgpool2d_forward(x, size, stride, **args)
    close(out, avgpool_loops(x, size, stride, **args))
    close(out, jx.avgpool2d(x, size, stride, **args))
    dout = rng.uniform(0.5, 1.5, out.shape)
    dx = avgpool2d_backward(dout, cache)
    close(dx, avgpool_backward_loops(x.shape, dout, size, stride, **args))
    close(dx, jx.avgpool2d_grad(x, dout, size, stride, **args))
    numeric = numerical_gradient_array(lambda x_: avgpool2d_forward(x_, size, stride, **args)[0],
                                       x, dout)
    assert rel_error(dx, numeric) < 1e-7


@examples(25)
@given(general_pool_cases(), st.integers(1, 3))
def test_maxpool_general_arguments_ties_go_to_the_first_max(case, levels):
    shape, size, stride, geometry, seed = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-levels, 0, shape).astype(np.float64)     # negative: padding (-inf) below
    out, cache = maxpool2d_forward(x, size, stride, **geometry)
    close(out, maxpool_loops(x, size, stride, **geometry))
    counts = maxpool2d_backward(np.ones(out.shape), cache)
    close(counts, maxpool_backward_loops(x, np.ones(out.shape), size, stride, **geometry))
    assert counts.sum() == out.size                           # one input per window, never padding


X16 = np.arange(16.0).reshape(1, 1, 4, 4)


def test_published_pooling_examples():
    # d2l.ai, "Pooling": on arange(16) as 4 x 4, MaxPool2d(3) (stride 3 by default) gives
    # [[10]]; MaxPool2d(3, padding=1, stride=2) and MaxPool2d((2, 3), stride=(2, 3),
    # padding=(0, 1)) both give [[5, 7], [13, 15]].
    np.testing.assert_array_equal(maxpool2d_forward(X16, 3)[0][0, 0], [[10]])
    np.testing.assert_array_equal(maxpool2d_forward(X16, 3, 2, padding=1)[0][0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(maxpool2d_forward(X16, (2, 3), (2, 3), padding=(0, 1))[0][0, 0],
                                  [[5, 7], [13, 15]])
    # Keras' docstrings, 3 x 3 input 1..9, pool (2, 2), strides (1, 1): "valid" max gives
    # [[5, 6], [8, 9]], "same" max [[5, 6, 6], [8, 9, 9], [8, 9, 9]] (the padded row and
    # column at the bottom and right), "same" average [[3, 4, 4.5], [6, 7, 7.5], [7.5, 8.5, 9]]
    # (padded cells not counted).
    x9 = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(maxpool2d_forward(x9, 2, 1, padding="valid")[0][0, 0], [[5, 6], [8, 9]])
    np.testing.assert_array_equal(maxpool2d_forward(x9, 2, 1, padding="same")[0][0, 0],
                                  [[5, 6, 6], [8, 9, 9], [8, 9, 9]])
    np.testing.assert_array_equal(avgpool2d_forward(x9, 2, 1, padding="same")[0][0, 0],
                                  [[3, 4, 4.5], [6, 7, 7.5], [7.5, 8.5, 9]])


def test_ceil_mode_by_hand():
    # 5 x 5 with 2 x 2 windows at stride 2: floor keeps 2 x 2 outputs and drops row and
    # column 4; ceil_mode adds a third window on each axis that starts at 4 and holds only
    # what is left (PyTorch's rule: it starts inside the input).
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    assert maxpool2d_forward(x, 2)[0].shape == (1, 1, 2, 2)
    out, cache = maxpool2d_forward(x, 2, ceil_mode=True)
    np.testing.assert_array_equal(out[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    avg, _ = avgpool2d_forward(x, 2, ceil_mode=True)
    np.testing.assert_array_equal(avg[0, 0, 2], [20.5, 22.5, 24])          # 1, 2 and 1 cells
    # count_include_pad counts explicit padding, never a ceil_mode overhang (PyTorch)
    avg_inc, _ = avgpool2d_forward(x, 2, ceil_mode=True, count_include_pad=True)
    np.testing.assert_array_equal(avg_inc, avg)
    # A window that would start in the padding behind is dropped: 5 rows, size 2, stride 2,
    # padding 1: ceil((5 + 2 - 2) / 2) + 1 = 4, but window 4 would start at padded row 6,
    # the padding behind: 3 windows, as without ceil_mode.
    x5 = np.zeros((1, 1, 5, 5))
    assert maxpool2d_forward(x5, 2, padding=1, ceil_mode=True)[0].shape == (1, 1, 3, 3)
    assert maxpool2d_forward(x5, 2, padding=1)[0].shape == (1, 1, 3, 3)
    # 6 rows, size 3, stride 2, padding 1: ceil((6 + 2 - 3) / 2) + 1 = 4, and window 4
    # starts at padded row 6 = input row 5: kept, one more than floor's 3.
    x6 = np.zeros((1, 1, 6, 6))
    assert maxpool2d_forward(x6, 3, 2, padding=1, ceil_mode=True)[0].shape == (1, 1, 4, 4)
    assert maxpool2d_forward(x6, 3, 2, padding=1)[0].shape == (1, 1, 3, 3)


def test_average_with_and_without_padding_in_the_count():
    # Ones, 2 x 2 windows at stride 2 with padding 1: each window holds one input cell and
    # three padded ones. Excluded (Keras, ONNX) the mean is 1; included (PyTorch) 1/4.
    x = np.ones((1, 1, 2, 2))
    out, cache = avgpool2d_forward(x, 2, padding=1)
    np.testing.assert_array_equal(out, np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(avgpool2d_backward(np.ones(out.shape), cache), np.ones(x.shape))
    out, cache = avgpool2d_forward(x, 2, padding=1, count_include_pad=True)
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 0.25))
    np.testing.assert_array_equal(avgpool2d_backward(np.ones(out.shape), cache), np.full(x.shape, 0.25))


def test_padded_cells_never_win_a_max():
    # All inputs negative: zero padding would win every border window; -inf padding never.
    rng = np.random.default_rng(31)
    x = -rng.uniform(1, 2, (2, 2, 5, 4))
    for padding in (1, (1, 0), "same"):
        out, cache = maxpool2d_forward(x, 3, 1, padding=padding)
        assert np.all(out < -0.5)
        assert maxpool2d_backward(np.ones(out.shape), cache).sum() == out.size
    # Inputs of -inf tie with the padding: the gradient still goes to an input.
    x = np.full((1, 1, 3, 3), -np.inf)
    out, cache = maxpool2d_forward(x, 3, 1, padding=1)
    assert np.all(out == -np.inf)
    dout = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    dx = maxpool2d_backward(dout, cache)
    assert dx.sum() == dout.sum()
    np.testing.assert_array_equal(dx, maxpool_backward_loops(x, dout, 3, 1, padding=1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_in_a_window_gets_the_gradient_on_both_paths(dtype):
    # 2 x 2 windows at stride 2 take the fast, non-overlapping path; the same first windows
    # with ceil_mode on a 5 x 5 input (a third, cut-short window) take the general argmax
    # path. Both must output NaN and send the window's gradient to the NaN (PyTorch's
    # behaviour); with two NaNs in a window, to the first in reading order.
    rng = np.random.default_rng(32)
    x = distinct_values(rng, (2, 3, 5, 5)).astype(dtype)
    x[0, 1, 1, 0] = np.nan                       # window (0, 0), bottom-left
    x[1, 2, 2, 3] = x[1, 2, 3, 2] = np.nan       # window (1, 1): (2, 3) comes first
    dout = rng.uniform(0.5, 1.5, (2, 3, 3, 3)).astype(dtype)
    fast_out, fast_cache = maxpool2d_forward(x[:, :, :4, :4], 2)
    assert fast_cache[0] == "disjoint"
    general_out, general_cache = maxpool2d_forward(x, 2, ceil_mode=True)
    assert general_cache[0] != "disjoint"
    np.testing.assert_array_equal(fast_out, general_out[:, :, :2, :2])      # NaNs equal too
    assert np.isnan(fast_out[0, 1, 0, 0]) and np.isnan(fast_out[1, 2, 1, 1])
    dx_fast = maxpool2d_backward(dout[:, :, :2, :2], fast_cache)
    dx_general = maxpool2d_backward(dout, general_cache)
    np.testing.assert_array_equal(dx_fast, dx_general[:, :, :4, :4])
    assert dx_fast[0, 1, 1, 0] == dout[0, 1, 0, 0]
    assert dx_fast[1, 2, 2, 3] == dout[1, 2, 1, 1] and dx_fast[1, 2, 3, 2] == 0
    np.testing.assert_array_equal(dx_general, maxpool_backward_loops(x, dout, 2, ceil_mode=True))
    # The gradient is conserved: every window sends its dout to exactly one input.
    np.testing.assert_allclose(dx_fast.sum(), dout[:, :, :2, :2].sum(), rtol=1e-5)


def test_stride_defaults_to_the_window_size():
    x = distinct_values(np.random.default_rng(33), (2, 2, 7, 8))
    for forward in (maxpool2d_forward, avgpool2d_forward):
        np.testing.assert_array_equal(forward(x)[0], forward(x, 2, 2)[0])
        np.testing.assert_array_equal(forward(x, 3)[0], forward(x, 3, 3)[0])
        np.testing.assert_array_equal(forward(x, (2, 3))[0], forward(x, (2, 3), (2, 3))[0])
        assert forward(x, (2, 3))[0].shape == (2, 2, 3, 2)


def test_rectangular_windows_by_hand():
    out, cache = maxpool2d_forward(X16, (2, 3), 1)
    np.testing.assert_array_equal(out[0, 0], [[6, 7], [10, 11], [14, 15]])
    avg, _ = avgpool2d_forward(X16, (3, 2), (1, 2))
    np.testing.assert_array_equal(avg[0, 0], [[4.5, 6.5], [8.5, 10.5]])


def test_dilated_max_pool_by_hand():
    # 3 x 3 taps two cells apart span 5 x 5: on a 5 x 5 input, one window of the corners,
    # edge centres and centre.
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    out, cache = maxpool2d_forward(x, 3, 1, dilation=2)
    np.testing.assert_array_equal(out[0, 0], [[24]])
    x[0, 0, 4, 4] = -1                           # now 22 (row 4, column 2) is the largest tap
    out, cache = maxpool2d_forward(x, 3, 1, dilation=2)
    assert out[0, 0, 0, 0] == 22
    dx = maxpool2d_backward(np.ones(out.shape), cache)
    assert dx[0, 0, 4, 2] == 1 and dx.sum() == 1
    x[0, 0, 4, 3] = 100                          # not a tap: changes nothing
    assert maxpool2d_forward(x, 3, 1, dilation=2)[0][0, 0, 0, 0] == 22


def test_pooling_old_calls_keep_their_results():
    x = distinct_values(np.random.default_rng(34), (2, 3, 7, 6))
    for forward, backward in [(maxpool2d_forward, maxpool2d_backward),
                              (avgpool2d_forward, avgpool2d_backward)]:
        for size, stride in [(2, 2), (3, 2), (2, 1), (3, 3)]:
            out, cache = forward(x, size, stride)
            spelled, spelled_cache = forward(x, (size, size), (stride, stride), padding=(0, 0),
                                             ceil_mode=False)
            np.testing.assert_array_equal(out, spelled)
            dout = np.arange(out.size, dtype=float).reshape(out.shape)
            np.testing.assert_array_equal(backward(dout, cache), backward(dout, spelled_cache))


POOL_BAD = [
    (dict(size=(2, 0)), ValueError, ["size", ">= 1", "(kh, kw)", "(2, 0)"]),
    (dict(size=2.0), TypeError, ["size", "integer", "2.0"]),
    (dict(size=(2, 2, 2)), TypeError, ["size", "pair (kh, kw)", "(2, 2, 2)"]),
    (dict(stride=(1, 0)), ValueError, ["stride", ">= 1", "(1, 0)"]),
    (dict(stride="2"), TypeError, ["stride", "integer", "'2'"]),
    (dict(padding=-1), ValueError, ["padding", ">= 0", "got -1"]),
    (dict(padding="full"), ValueError, ["padding", "'valid' or 'same'", "'full'"]),
    (dict(padding=(0, 1.5)), TypeError, ["padding", "pair (ph, pw)", "(0, 1.5)"]),
    (dict(padding=3), ValueError, ["padding=3", "size=2", "padding only", "at most half"]),
    (dict(size=2, padding=(0, 2)), ValueError, ["padding=(0, 2)", "column 0", "padding only"]),
    (dict(ceil_mode=1), TypeError, ["ceil_mode", "True or False", "1"]),
    (dict(ceil_mode="yes"), TypeError, ["ceil_mode", "True or False", "'yes'"]),
    (dict(size=(2, 6)), ValueError, ["size=(2, 6)", "6 columns", "W + 2*padding = 5 + 2*0 = 5"]),
]


@pytest.mark.parametrize("args, error, fragments", POOL_BAD)
@pytest.mark.parametrize("forward", [maxpool2d_forward, avgpool2d_forward])
def test_pooling_new_arguments_are_validated(forward, args, error, fragments):
    from test_validation import all_of
    with pytest.raises(error, match=all_of(*fragments)):
        forward(np.zeros((1, 1, 4, 5)), **args)


def test_pooling_dilation_and_count_include_pad_are_validated():
    from test_validation import all_of
    x = np.zeros((1, 1, 4, 5))
    with pytest.raises(ValueError, match=all_of("dilation", ">= 1", "got 0")):
        maxpool2d_forward(x, dilation=0)
    with pytest.raises(TypeError, match=all_of("dilation", "(dh, dw)", "(1, 2.0)")):
        maxpool2d_forward(x, dilation=(1, 2.0))
    with pytest.raises(ValueError, match=all_of("size=3", "dilation=3", "7 rows", "4 + 2*0 = 4")):
        maxpool2d_forward(x, 3, dilation=3)
    with pytest.raises(TypeError, match=all_of("count_include_pad", "True or False", "0")):
        avgpool2d_forward(x, count_include_pad=0)
    with pytest.raises(TypeError, match="dilation"):
        avgpool2d_forward(x, dilation=2)        # PyTorch's and Keras' average pools have none


def test_pooling_accepts_numpy_integers_and_bools():
    x = distinct_values(np.random.default_rng(35), (1, 2, 5, 6))
    out, _ = maxpool2d_forward(x, (2, 3), (1, 2), padding=(1, 0), ceil_mode=True)
    same, _ = maxpool2d_forward(x, np.array([2, 3]), (np.int64(1), np.uint8(2)),
                                padding=[np.int32(1), 0], ceil_mode=np.bool_(True))
    np.testing.assert_array_equal(out, same)
    avg, _ = avgpool2d_forward(x, 3, 2, padding=1, count_include_pad=np.bool_(False))
    np.testing.assert_array_equal(avg, avgpool2d_forward(x, 3, 2, padding=1)[0])
