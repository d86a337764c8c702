"""helpers.conv: the vectorized convolution against its loop version, JAX and
finite differences, plus the article's 3x3 example, output sizes and dtypes.

Data conventions used throughout the kernel tests:
- comparisons against the loop version and JAX use signed Gaussian data;
- finite-difference checks use values in [0.5, 1.5] (inputs, filters, dout). With
  signed data an entry of dx or dw can be close to zero by cancellation, and then
  its *elementwise* relative error measures the finite-difference round-off
  (about 1e-10 absolute at h = 1e-5), not the kernel. Positive data keep every
  entry away from zero, so the 1e-7 bound tests the gradient and only it.

CNN_TEST_EXAMPLES (default 1) multiplies the number of Hypothesis examples, for
an occasional long run: CNN_TEST_EXAMPLES=20 pytest tests/test_conv.py
"""

import jax_oracle as jx
from support import FIXED_CASES, close, conv_cases, examples
import numpy as np
import pytest
from hypothesis import given

from helpers.conv import conv2d_backward, conv2d_forward, conv2d_naive, conv_output_size
from helpers.gradcheck import numerical_gradient_array, rel_error

fixed = pytest.mark.parametrize("case", list(FIXED_CASES.values()), ids=list(FIXED_CASES))


# ---------------------------------------------------------------- the article's example

ARTICLE_X = np.array([[1, 7, 2], [11, 1, 23], [2, 2, 2]])
ARTICLE_F = np.array([[1, 1], [0, 1]])
ARTICLE_OUT = np.array([[9, 32], [14, 26]])


@pytest.mark.parametrize("kernel", [conv2d_naive, lambda x, w: conv2d_forward(x, w)[0], jx.conv2d],
                         ids=["naive", "vectorized", "jax"])
def test_article_3x3_example(kernel):
    out = kernel(ARTICLE_X.reshape(1, 1, 3, 3), ARTICLE_F.reshape(1, 1, 2, 2))
    assert out.shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(out[0, 0], ARTICLE_OUT)


def test_article_example_is_cross_correlation_not_flipped():
    # True convolution would flip the filter and give different numbers: the
    # course, like the article and the frameworks, slides it unflipped.
    flipped = ARTICLE_F[::-1, ::-1].reshape(1, 1, 2, 2)
    out, _ = conv2d_forward(ARTICLE_X.reshape(1, 1, 3, 3), flipped)
    assert not np.array_equal(out[0, 0], ARTICLE_OUT)


# ---------------------------------------------------------------- forward

def check_forward(case):
    x, w, b, _ = case.arrays()
    for bias in (b, None):
        out, _ = conv2d_forward(x, w, bias, stride=case.stride, padding=case.padding)
        assert out.shape == (case.n, case.f, *case.out_hw)
        close(out, conv2d_naive(x, w, bias, stride=case.stride, padding=case.padding))
        close(out, jx.conv2d(x, w, bias, stride=case.stride, padding=case.padding))


@fixed
def test_forward_fixed_cases(case):
    check_forward(case)


@examples(30)
@given(conv_cases())
def test_forward_matches_loops_and_jax(case):
    check_forward(case)


def test_forward_formula_by_hand():
    # One output number written out from the formula, with stride and padding.
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    out, _ = conv2d_forward(x, w, b, stride=2, padding=1)
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    n, f, i, j = 1, 2, 2, 1
    expected = b[f] + np.sum(x_pad[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 2] * w[f])
    assert out[n, f, i, j] == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- backward

def check_backward_against_jax(case):
    x, w, b, dout = case.arrays()
    # dx and dw do not depend on the bias; one JAX call serves both variants.
    jdx, jdw, jdb = jx.conv2d_grads(x, w, b, dout, stride=case.stride, padding=case.padding)
    for bias in (b, None):
        _, cache = conv2d_forward(x, w, bias, stride=case.stride, padding=case.padding)
        dx, dw, db = conv2d_backward(dout, cache)
        assert dx.shape == x.shape and dw.shape == w.shape
        close(dx, jdx)
        close(dw, jdw)
        if bias is None:
            assert db is None
        else:
            close(db, jdb)


def check_backward_numerically(case):
    x, w, b, dout = case.arrays(positive=True)

    def forward():
        return conv2d_forward(x, w, b, stride=case.stride, padding=case.padding)[0]

    _, cache = conv2d_forward(x, w, b, stride=case.stride, padding=case.padding)
    dx, dw, db = conv2d_backward(dout, cache)
    assert rel_error(dx, numerical_gradient_array(forward, x, dout)) < 1e-7
    assert rel_error(dw, numerical_gradient_array(forward, w, dout)) < 1e-7
    assert rel_error(db, numerical_gradient_array(forward, b, dout)) < 1e-7


@fixed
def test_backward_fixed_cases_jax(case):
    check_backward_against_jax(case)


@fixed
def test_backward_fixed_cases_numerical(case):
    check_backward_numerically(case)


@examples(25)
@given(conv_cases())
def test_backward_matches_jax(case):
    check_backward_against_jax(case)


@examples(25)
@given(conv_cases(max_n=2, max_hw=6, max_k=3))
def test_backward_matches_numerical_gradient(case):
    check_backward_numerically(case)


@fixed
def test_backward_can_skip_dx(case):
    # compute_dx=False (for a first layer, whose input is the data) must change
    # nothing but dx, which it leaves out.
    x, w, b, dout = case.arrays()
    _, cache = conv2d_forward(x, w, b, stride=case.stride, padding=case.padding)
    dx, dw, db = conv2d_backward(dout, cache, compute_dx=False)
    _, dw_full, db_full = conv2d_backward(dout, cache)
    assert dx is None
    np.testing.assert_array_equal(dw, dw_full)
    np.testing.assert_array_equal(db, db_full)


def test_backward_rows_a_window_never_reaches_get_zero_gradient():
    # H = 8, KH = 3, stride 2: windows start at rows 0, 2, 4 and cover rows 0..6;
    # row 7 never enters the output (the floor in the size formula), so dx is 0 there.
    # Likewise W = 9, KW = 2: windows start at columns 0, 2, 4, 6; column 8 is dropped.
    case = FIXED_CASES["stride_does_not_divide"]
    x, w, b, dout = case.arrays()
    _, cache = conv2d_forward(x, w, b, stride=2)
    dx, _, _ = conv2d_backward(dout, cache)
    assert case.out_hw == (3, 4)
    assert np.all(dx[:, :, 7, :] == 0)
    assert np.all(dx[:, :, :, 8] == 0)
    assert np.all(dx[:, :, :7, :8] != 0)


def test_db_is_dout_summed_per_filter():
    case = FIXED_CASES["nonsquare_s2_p1"]
    x, w, b, dout = case.arrays()
    _, cache = conv2d_forward(x, w, b, stride=2, padding=1)
    _, _, db = conv2d_backward(dout, cache)
    close(db, dout.sum(axis=(0, 2, 3)))


# ---------------------------------------------------------------- output size

def test_output_size_is_n_minus_f_plus_1_without_padding_or_stride():
    for n in range(1, 31):
        for f in range(1, n + 1):
            assert conv_output_size(n, f) == n - f + 1


def test_output_size_matches_the_kernel_output_shape():
    # Exhaustive over small sizes: the formula and the kernel must agree,
    # including the floor when the stride does not divide n + 2p - f.
    for n in range(1, 11):
        for padding in range(3):
            for stride in range(1, 4):
                for f in range(1, n + 2 * padding + 1):
                    size = conv_output_size(n, f, padding, stride)
                    assert size == (n + 2 * padding - f) // stride + 1
                    x = np.ones((1, 1, n, 2))
                    w = np.ones((1, 1, f, 1))
                    out, _ = conv2d_forward(x, w, stride=stride, padding=padding)
                    assert out.shape[2] == size, (n, f, padding, stride)
                    assert out.shape[3] == conv_output_size(2, 1, padding, stride)


def test_output_size_floors():
    assert conv_output_size(7, 2, stride=2) == 3       # (7 - 2) / 2 = 2.5 -> 2, + 1
    assert conv_output_size(28, 5) == 24               # the article's MNIST layer
    assert conv_output_size(28, 5, padding=2) == 28    # "same" padding
    assert conv_output_size(5, 3, padding=1, stride=2) == 3


# ---------------------------------------------------------------- dtypes

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    case = FIXED_CASES["nonsquare_s2_p1"]
    x, w, b, dout = case.arrays(dtype=dtype)
    out, cache = conv2d_forward(x, w, b, stride=2, padding=1)
    dx, dw, db = conv2d_backward(dout, cache)
    naive = conv2d_naive(x, w, b, stride=2, padding=1)
    for array in (out, dx, dw, db, naive):
        assert array.dtype == dtype


def test_float32_agrees_with_float64():
    case = FIXED_CASES["nonsquare_s2_p1"]
    x, w, b, dout = case.arrays()
    out64, cache64 = conv2d_forward(x, w, b, stride=2, padding=1)
    out32, cache32 = conv2d_forward(*(a.astype(np.float32) for a in (x, w, b)), stride=2, padding=1)
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-5)
    for g32, g64 in zip(conv2d_backward(dout.astype(np.float32), cache32), conv2d_backward(dout, cache64)):
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5)


def test_uint8_images_with_float32_filters_give_float32():
    rng = np.random.default_rng(8)
    x = rng.integers(0, 256, (2, 1, 6, 6), dtype=np.uint8)
    w = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    b = np.zeros(3, np.float32)
    out, cache = conv2d_forward(x, w, b)
    assert out.dtype == np.float32
    dx, dw, db = conv2d_backward(np.ones_like(out), cache)
    assert dx.dtype == dw.dtype == db.dtype == np.float32
    # uint8 arithmetic would wrap around at 256; the result must match float64.
    np.testing.assert_allclose(out, jx.conv2d(x, w, b), rtol=1e-5, atol=1e-3)
    assert conv2d_naive(x, w, b).dtype == np.float32


def test_integer_inputs_compute_in_float64():
    out, _ = conv2d_forward(ARTICLE_X.reshape(1, 1, 3, 3), ARTICLE_F.reshape(1, 1, 2, 2))
    assert out.dtype == np.float64


# ---------------------------------------------------------------- no side effects

@pytest.mark.parametrize("padding", [0, 1])
def test_inputs_are_not_mutated(padding):
    case = FIXED_CASES["nonsquare_s2_p1"]._replace(padding=padding)
    x, w, b, dout = case.arrays()
    saved = [a.copy() for a in (x, w, b, dout)]
    out, cache = conv2d_forward(x, w, b, stride=2, padding=padding)
    dx, dw, db = conv2d_backward(dout, cache)
    conv2d_naive(x, w, b, stride=2, padding=padding)
    for before, after in zip(saved, (x, w, b, dout)):
        np.testing.assert_array_equal(before, after)
    # Results are fresh arrays: writing to them cannot reach the inputs.
    for result in (out, dx, dw, db):
        for given_array in (x, w, b, dout):
            assert not np.shares_memory(result, given_array)


def test_backward_twice_gives_the_same_gradients():
    # The cache must not be consumed or modified by a backward pass.
    case = FIXED_CASES["stride3_pad2"]
    x, w, b, dout = case.arrays()
    _, cache = conv2d_forward(x, w, b, stride=3, padding=2)
    first = conv2d_backward(dout, cache)
    second = conv2d_backward(dout, cache)
    for g1, g2 in zip(first, second):
        np.testing.assert_array_equal(g1, g2)


# ---------------------------------------------------------------- the loop backward (notebook 08)

from helpers.conv import conv2d_backward_naive  # noqa: E402


def check_backward_naive(case, dtype=np.float64):
    x, w, b, dout = case.arrays(dtype=dtype)
    for bias in (b, None):
        dx, dw, db = conv2d_backward_naive(dout, x, w, bias, stride=case.stride, padding=case.padding)
        _, cache = conv2d_forward(x, w, bias, stride=case.stride, padding=case.padding)
        for loop, fast in zip((dx, dw, db), conv2d_backward(dout, cache)):
            if fast is None:
                assert loop is None
                continue
            assert loop.shape == fast.shape and loop.dtype == fast.dtype == dtype
            if dtype == np.float64:
                close(loop, fast)
            else:
                np.testing.assert_allclose(loop, fast, rtol=1e-4, atol=1e-5)
    jdx, jdw, jdb = jx.conv2d_grads(x, w, b, dout, stride=case.stride, padding=case.padding)
    dx, dw, db = conv2d_backward_naive(dout, x, w, b, stride=case.stride, padding=case.padding)
    if dtype == np.float64:
        close(dx, jdx)
        close(dw, jdw)
        close(db, jdb)


@fixed
def test_backward_naive_fixed_cases(case):
    check_backward_naive(case)


@examples(25)
@given(conv_cases())
def test_backward_naive_matches_vectorized_and_jax(case):
    check_backward_naive(case)


def test_backward_naive_float32():
    check_backward_naive(FIXED_CASES["nonsquare_s2_p1"], np.float32)


def test_backward_naive_matches_numerical_gradient():
    case = FIXED_CASES["nonsquare_s2_p1"]
    x, w, b, dout = case.arrays(positive=True)

    def forward():
        return conv2d_naive(x, w, b, stride=case.stride, padding=case.padding)

    dx, dw, db = conv2d_backward_naive(dout, x, w, b, stride=case.stride, padding=case.padding)
    assert rel_error(dx, numerical_gradient_array(forward, x, dout)) < 1e-7
    assert rel_error(dw, numerical_gradient_array(forward, w, dout)) < 1e-7
    assert rel_error(db, numerical_gradient_array(forward, b, dout)) < 1e-7


def test_backward_naive_crops_the_padding_and_sums_overlaps():
    # 4 x 4 input, 3 x 3 kernel of ones, stride 2, padding 1, dout of ones: dx counts the
    # windows (summed over the filters) that hold each pixel; the frame is cropped away.
    x = np.zeros((1, 1, 4, 4))
    w = np.ones((2, 1, 3, 3))
    dx, dw, db = conv2d_backward_naive(np.ones((1, 2, 2, 2)), x, w, np.zeros(2), stride=2, padding=1)
    per_axis = np.array([1, 2, 1, 1])     # padded rows 1..4: row 2 is in both windows
    np.testing.assert_array_equal(dx[0, 0], 2 * np.outer(per_axis, per_axis))
    np.testing.assert_array_equal(db, [4, 4])
    np.testing.assert_array_equal(dw, np.zeros_like(w))


def test_backward_naive_does_not_mutate_and_validates():
    case = FIXED_CASES["stride3_pad2"]
    x, w, b, dout = case.arrays()
    saved = [a.copy() for a in (x, w, b, dout)]
    conv2d_backward_naive(dout, x, w, b, stride=3, padding=2)
    for before, after in zip(saved, (x, w, b, dout)):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match=r"dout must have shape \(N, F, OH, OW\) = \(3, 2, 3, 2\)"):
        conv2d_backward_naive(dout[:, :, :2], x, w, b, stride=3, padding=2)
    with pytest.raises(ValueError, match="channel mismatch"):
        conv2d_backward_naive(dout, x, np.zeros((2, 2, 2, 4)), b, stride=3, padding=2)
    with pytest.raises(ValueError, match=r"b must have shape \(F,\)"):
        conv2d_backward_naive(dout, x, w, np.zeros(3), stride=3, padding=2)
