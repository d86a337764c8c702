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

    def forward():
        return dense_forward(x, W, b)[0]

    assert rel_error(dx, numerical_gradient_array(forward, x, dout)) < 1e-7
    assert rel_error(dW, numerical_gradient_array(forward, W, dout)) < 1e-7
    assert rel_error(db, numerical_gradient_array(forward, b, dout)) < 1e-7


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
    assert rel_error(dz, numerical_gradient_array(lambda: sigmoid(z), z, dout)) < 1e-7


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
    assert rel_error(dz, numerical_gradient_array(lambda: relu(z), z, dout)) < 1e-7


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

def pool_out_size(n, size, stride):
    return (n - size) // stride + 1


def maxpool_loops(x, size, stride):
    n_img, chans, h, w = x.shape
    oh, ow = pool_out_size(h, size, stride), pool_out_size(w, size, stride)
    out = np.zeros((n_img, chans, oh, ow))
    for n in range(n_img):
        for c in range(chans):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * stride, j * stride
                    out[n, c, i, j] = x[n, c, top:top + size, left:left + size].max()
    return out


def maxpool_backward_loops(x, dout, size, stride):
    """Each window sends its gradient to one input: the first maximum in reading order."""
    dx = np.zeros(x.shape)
    n_img, chans, oh, ow = dout.shape
    for n in range(n_img):
        for c in range(chans):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    winner = None
                    for p in range(size):              # reading order: row by row
                        for q in range(size):
                            if winner is None or window[p, q] > window[winner]:
                                winner = (p, q)
                    dx[n, c, i * stride + winner[0], j * stride + winner[1]] += dout[n, c, i, j]
    return dx


def avgpool_loops(x, size, stride):
    n_img, chans, h, w = x.shape
    oh, ow = pool_out_size(h, size, stride), pool_out_size(w, size, stride)
    out = np.zeros((n_img, chans, oh, ow))
    for n in range(n_img):
        for c in range(chans):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * stride, j * stride
                    out[n, c, i, j] = x[n, c, top:top + size, left:left + size].mean()
    return out


def avgpool_backward_loops(x_shape, dout, size, stride):
    dx = np.zeros(x_shape)
    n_img, chans, oh, ow = dout.shape
    for n in range(n_img):
        for c in range(chans):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * stride, j * stride
                    dx[n, c, top:top + size, left:left + size] += dout[n, c, i, j] / size**2
    return dx


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
    numeric = numerical_gradient_array(lambda: maxpool2d_forward(x, size, stride)[0], x, dout)
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
    numeric = numerical_gradient_array(lambda: avgpool2d_forward(x, size, stride)[0], x, dout)
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
