"""helpers.losses: values and gradients against formulas, JAX and finite differences,
stability for huge logits, dtypes, and no in-place changes to the labels.

As in the other kernel tests, the finite-difference data keep every gradient
entry away from zero (targets at least 0.1 from the outputs, logits in a range
where no probability is tiny), so the 1e-7 bound on the elementwise relative
error tests the gradient rather than finite-difference round-off.
"""


import jax_oracle as jx
from support import close, examples, no_numeric_warnings, seeds
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.gradcheck import numerical_gradient, rel_error
from helpers.losses import binary_cross_entropy, half_squared_error, softmax_cross_entropy

# (N, K): K = 0 stands for 1-D outputs of shape (N,).
loss_shapes = st.tuples(st.integers(1, 5), st.integers(0, 4), seeds)


def shape_of(n, k):
    return (n,) if k == 0 else (n, k)




# ================================================================ half squared error

def test_half_squared_error_single_output_by_hand():
    # The article's E = (y' - O)^2 / 2 for one image: O = 0.7, y' = 1.
    loss, do = half_squared_error(np.array([[0.7]]), np.array([[1.0]]))
    assert loss == pytest.approx(0.045)
    np.testing.assert_allclose(do, [[-0.3]])


def test_half_squared_error_averages_over_the_batch_and_sums_over_outputs():
    o = np.array([[0.2, 0.9], [0.5, 0.1], [1.0, 0.0]])
    y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    loss, do = half_squared_error(o, y)
    per_image = [(0.04 + 0.01) / 2, (0.25 + 0.01) / 2, (0.0 + 1.0) / 2]
    assert loss == pytest.approx(np.mean(per_image), rel=1e-12)
    close(do, (o - y) / 3)


@examples(25)
@given(loss_shapes)
def test_half_squared_error_matches_jax_and_finite_differences(case):
    n, k, seed = case
    rng = np.random.default_rng(seed)
    o = rng.uniform(0, 1, shape_of(n, k))
    # Targets at least 0.1 away from the outputs: no gradient entry near zero.
    y = o + rng.choice([-1.0, 1.0], o.shape) * rng.uniform(0.1, 1.0, o.shape)
    loss, do = half_squared_error(o, y)
    j_loss, j_do = jx.half_squared_error(o, y)
    assert isinstance(loss, float) and loss == pytest.approx(j_loss, rel=1e-12)
    close(do, j_do)
    assert rel_error(do, numerical_gradient(lambda o: half_squared_error(o, y)[0], o)) < 1e-7


def test_half_squared_error_column_output_with_flat_targets():
    o = np.array([[0.2], [0.7]])
    loss_flat, do_flat = half_squared_error(o, np.array([1.0, 0.0]))
    loss_col, do_col = half_squared_error(o, np.array([[1.0], [0.0]]))
    assert loss_flat == loss_col and do_flat.shape == (2, 1)
    np.testing.assert_array_equal(do_flat, do_col)


# ================================================================ binary cross-entropy

@examples(25)
@given(loss_shapes)
def test_binary_cross_entropy_matches_jax_and_finite_differences(case):
    n, k, seed = case
    shape = shape_of(n, min(k, 1))     # (N,) or (N, 1): one sigmoid output per image
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3, 3, shape)
    y = rng.integers(0, 2, shape).astype(np.float64)     # |sigmoid(z) - y| >= 0.047
    loss, dz = binary_cross_entropy(z, y)
    j_loss, j_dz = jx.binary_cross_entropy(z, y)
    assert isinstance(loss, float) and loss == pytest.approx(j_loss, rel=1e-12)
    close(dz, j_dz)
    assert rel_error(dz, numerical_gradient(lambda z: binary_cross_entropy(z, y)[0], z)) < 1e-7


def test_binary_cross_entropy_soft_targets_match_jax():
    z = np.array([-2.0, -0.5, 0.3, 4.0])
    y = np.array([0.25, 0.5, 1.0, 0.1])
    loss, dz = binary_cross_entropy(z, y)
    j_loss, j_dz = jx.binary_cross_entropy(z, y)
    assert loss == pytest.approx(j_loss, rel=1e-12)
    close(dz, j_dz)


def test_binary_cross_entropy_is_the_textbook_formula():
    z = np.array([-1.0, 0.0, 2.0])
    y = np.array([0.0, 1.0, 1.0])
    s = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    loss, dz = binary_cross_entropy(z, y)
    assert loss == pytest.approx(expected, rel=1e-12)
    close(dz, (s - y) / 3)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1000.0), (np.float32, 100.0), (np.float32, 1e30)])
def test_binary_cross_entropy_huge_logits_are_finite(dtype, big):
    z = np.array([big, -big, big, -big], dtype=dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    with no_numeric_warnings():
        loss, dz = binary_cross_entropy(z, y)
    # Right and confident: 0; wrong and confident: |z| each.
    assert np.isfinite(loss) and loss == pytest.approx(2 * float(np.float64(dtype(big))) / 4, rel=1e-6)
    assert dz.dtype == dtype and np.all(np.isfinite(dz))
    np.testing.assert_allclose(dz, [0.0, 0.0, 0.25, -0.25], atol=1e-7)


# ================================================================ softmax cross-entropy

@examples(25)
@given(st.tuples(st.integers(1, 5), st.integers(1, 6), seeds))
def test_softmax_cross_entropy_matches_jax_and_finite_differences(case):
    n, k, seed = case
    rng = np.random.default_rng(seed)
    z = rng.uniform(-2, 2, (n, k))       # every probability >= e^-4 / K: none tiny
    y = rng.integers(0, k, n)
    loss, dz = softmax_cross_entropy(z, y)
    j_loss, j_dz = jx.softmax_cross_entropy(z, y)
    assert isinstance(loss, float) and loss == pytest.approx(j_loss, rel=1e-12)
    close(dz, j_dz)
    close(dz.sum(axis=1), np.zeros(n))    # probabilities minus a one-hot: rows sum to 0
    assert rel_error(dz, numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], z)) < 1e-7


def test_softmax_cross_entropy_by_hand():
    z = np.array([[2.0, 1.0, 0.0]])
    p = np.exp(z) / np.exp(z).sum()
    loss, dz = softmax_cross_entropy(z, np.array([1]))
    assert loss == pytest.approx(-np.log(p[0, 1]), rel=1e-12)
    close(dz, p - [[0, 1, 0]])


def test_softmax_cross_entropy_huge_logits_are_finite():
    z = np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0], [5.0, 5.0, 5.0]])
    y = np.array([0, 2, 1])
    with no_numeric_warnings():
        loss, dz = softmax_cross_entropy(z, y)
    # -log p: 0 for the confident right row, 2000 for the confident wrong one, log 3.
    assert loss == pytest.approx((0 + 2000 + np.log(3)) / 3, rel=1e-12)
    assert np.all(np.isfinite(dz))
    np.testing.assert_allclose(dz[1], [1 / 3, 0, -1 / 3], atol=1e-15)
    j_loss, j_dz = jx.softmax_cross_entropy(z, y)
    assert loss == pytest.approx(j_loss, rel=1e-12)
    close(dz, j_dz)


def test_softmax_cross_entropy_float32_huge_logits():
    z = np.array([[100.0, 0.0, -100.0]], dtype=np.float32)
    with no_numeric_warnings():
        loss, dz = softmax_cross_entropy(z, np.array([2]))
    assert loss == pytest.approx(200.0, rel=1e-6) and dz.dtype == np.float32
    np.testing.assert_allclose(dz, [[1, 0, -1]], atol=1e-6)


def test_softmax_cross_entropy_accepts_integer_valued_float_labels():
    z = np.array([[0.5, 1.5, -1.0], [2.0, 0.0, 0.1]])
    a = softmax_cross_entropy(z, np.array([1.0, 2.0]))
    b = softmax_cross_entropy(z, np.array([1, 2]))
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])


# ================================================================ all losses: dtypes, no mutation

def hse_data(rng):
    return rng.uniform(0, 1, (4, 3)), rng.uniform(0, 1, (4, 3))


def bce_data(rng):
    return rng.standard_normal((4, 1)), rng.integers(0, 2, (4, 1)).astype(float)


def sce_data(rng):
    return rng.standard_normal((4, 3)), rng.integers(0, 3, 4)


LOSS_CASES = {
    "half_squared_error": (half_squared_error, hse_data),
    "binary_cross_entropy": (binary_cross_entropy, bce_data),
    "softmax_cross_entropy": (softmax_cross_entropy, sce_data),
}
loss_cases = pytest.mark.parametrize("name", list(LOSS_CASES))


@loss_cases
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_dtypes(name, dtype):
    loss_fn, make = LOSS_CASES[name]
    z, y = make(np.random.default_rng(0))
    loss, dz = loss_fn(z.astype(dtype), y)
    assert type(loss) is float and dz.dtype == dtype
    loss64, dz64 = loss_fn(z, y)
    assert loss == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(dz, dz64, rtol=1e-5, atol=1e-7)


@loss_cases
def test_losses_do_not_mutate_outputs_or_labels(name):
    # The article's code changed its label array in place; ours must not.
    loss_fn, make = LOSS_CASES[name]
    z, y = make(np.random.default_rng(1))
    z_saved, y_saved = z.copy(), y.copy()
    _, dz = loss_fn(z, y)
    np.testing.assert_array_equal(z, z_saved)
    np.testing.assert_array_equal(y, y_saved)
    assert not np.shares_memory(dz, z) and not np.shares_memory(dz, y)


@loss_cases
def test_loss_gradient_scales_with_one_over_batch(name):
    # Averaging over the batch: the same rows repeated twice give the same loss
    # and half the gradient per row.
    loss_fn, make = LOSS_CASES[name]
    z, y = make(np.random.default_rng(2))
    loss1, dz1 = loss_fn(z, y)
    loss2, dz2 = loss_fn(np.concatenate([z, z]), np.concatenate([y, y]))
    assert loss2 == pytest.approx(loss1, rel=1e-12)
    close(dz2[: len(z)], dz1 / 2)
