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
from support import FIXED_CASES, GENERAL_CASES, close, conv_cases, examples, general_conv_cases
import numpy as np
import pytest
from hypothesis import given

from helpers.conv import conv2d_backward, conv2d_forward, conv2d_naive, conv_output_size
from helpers.gradcheck import numerical_gradient_array, rel_error

fixed = pytest.mark.parametrize("case", list(FIXED_CASES.values()), ids=list(FIXED_CASES))
general = pytest.mark.parametrize("case", list(GENERAL_CASES.values()), ids=list(GENERAL_CASES))


def numerical_grads(forward, x, w, b, dout):
    """Finite-difference (dx, dw, db) of sum(forward(x, w, b) * dout), f(x) form."""
    return (numerical_gradient_array(lambda x_: forward(x_, w, b), x, dout),
            numerical_gradient_array(lambda w_: forward(x, w_, b), w, dout),
            numerical_gradient_array(lambda b_: forward(x, w, b_), b, dout))


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
        out, _ = conv2d_forward(x, w, bias, **case.args)
        assert out.shape == (case.n, case.f, *case.out_hw)
        close(out, conv2d_naive(x, w, bias, **case.args))
        close(out, jx.conv2d(x, w, bias, **case.args))


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
    jdx, jdw, jdb = jx.conv2d_grads(x, w, b, dout, **case.args)
    for bias in (b, None):
        _, cache = conv2d_forward(x, w, bias, **case.args)
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

    def forward(x_, w_, b_):
        return conv2d_forward(x_, w_, b_, **case.args)[0]

    _, cache = conv2d_forward(x, w, b, **case.args)
    for analytic, numeric in zip(conv2d_backward(dout, cache), numerical_grads(forward, x, w, b, dout)):
        assert rel_error(analytic, numeric) < 1e-7


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
        dx, dw, db = conv2d_backward_naive(dout, x, w, bias, **case.args)
        _, cache = conv2d_forward(x, w, bias, **case.args)
        for loop, fast in zip((dx, dw, db), conv2d_backward(dout, cache)):
            if fast is None:
                assert loop is None
                continue
            assert loop.shape == fast.shape and loop.dtype == fast.dtype == dtype
            if dtype == np.float64:
                close(loop, fast)
            else:
                np.testing.assert_allclose(loop, fast, rtol=1e-4, atol=1e-5)
    jdx, jdw, jdb = jx.conv2d_grads(x, w, b, dout, **case.args)
    dx, dw, db = conv2d_backward_naive(dout, x, w, b, **case.args)
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

    def forward(x_, w_, b_):
        return conv2d_naive(x_, w_, b_, **case.args)

    analytic = conv2d_backward_naive(dout, x, w, b, **case.args)
    for loop, numeric in zip(analytic, numerical_grads(forward, x, w, b, dout)):
        assert rel_error(loop, numeric) < 1e-7


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


# ---------------------------------------------------------------- issue 14: per-axis stride and
# padding, "valid" / "same", dilation

@general
def test_general_fixed_cases_forward(case):
    check_forward(case)


@general
def test_general_fixed_cases_backward(case):
    check_backward_against_jax(case)
    check_backward_numerically(case)
    check_backward_naive(case)


@examples(30)
@given(general_conv_cases())
def test_general_arguments_forward_match_loops_and_jax(case):
    check_forward(case)


@examples(25)
@given(general_conv_cases())
def test_general_arguments_backward_match_jax_and_loops(case):
    check_backward_against_jax(case)
    check_backward_naive(case)


@examples(15)
@given(general_conv_cases(max_hw=6))
def test_general_arguments_backward_match_numerical_gradient(case):
    check_backward_numerically(case)


def test_d2l_output_shapes():
    # d2l.ai, "Padding and Stride": an 8 x 8 input with kernel 3, padding 1 stays 8 x 8;
    # kernel (5, 3) with padding (2, 1) too; stride 2 halves it; kernel (3, 5), padding
    # (0, 1), stride (3, 4) gives 2 x 2.
    x = np.zeros((1, 1, 8, 8))
    for kernel, args, shape in [((3, 3), dict(padding=1), (8, 8)),
                                ((5, 3), dict(padding=(2, 1)), (8, 8)),
                                ((3, 3), dict(padding=1, stride=2), (4, 4)),
                                ((3, 5), dict(padding=(0, 1), stride=(3, 4)), (2, 2))]:
        out, _ = conv2d_forward(x, np.zeros((1, 1) + kernel), **args)
        assert out.shape[2:] == shape, (kernel, args)
        assert conv2d_naive(x, np.zeros((1, 1) + kernel), **args).shape[2:] == shape


@pytest.mark.parametrize("stride", [1, 2, 3, (1, 2), (3, 1)])
@pytest.mark.parametrize("dilation", [1, 2, (1, 3)])
def test_same_matches_xla_string_padding(stride, dilation):
    # "same" resolved by XLA itself (padding="SAME" handed to conv_general_dilated as a
    # string), for even and odd kernels, input sizes the stride divides and does not.
    rng = np.random.default_rng(21)
    for h, w, kh, kw in [(7, 6, 3, 2), (5, 8, 4, 1), (1, 3, 2, 3), (6, 6, 5, 4)]:
        x, wt = rng.standard_normal((2, 2, h, w)), rng.standard_normal((3, 2, kh, kw))
        out, _ = conv2d_forward(x, wt, stride=stride, padding="same", dilation=dilation)
        sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
        assert out.shape[2:] == (-(-h // sh), -(-w // sw))            # ceil(n / s)
        close(out, jx.conv2d_string_padding(x, wt, "same", stride=stride, dilation=dilation))
        dh, dw = (dilation, dilation) if np.ndim(dilation) == 0 else dilation
        if (kh - 1) * dh < h and (kw - 1) * dw < w:          # the dilated kernel fits
            close(conv2d_forward(x, wt, stride=stride, padding="valid", dilation=dilation)[0],
                  jx.conv2d_string_padding(x, wt, "valid", stride=stride, dilation=dilation))


def test_same_puts_the_odd_row_and_column_at_the_bottom_and_right():
    # Kernel 2 x 4, stride 1: "same" needs 1 extra row and 3 extra columns; Keras puts
    # 0 on top and 1 below, 1 on the left and 2 on the right.
    rng = np.random.default_rng(22)
    x, w = rng.standard_normal((1, 1, 5, 6)), rng.standard_normal((1, 1, 2, 4))
    out, _ = conv2d_forward(x, w, padding="same")
    by_hand, _ = conv2d_forward(np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2))), w)
    np.testing.assert_array_equal(out, by_hand)
    other_way, _ = conv2d_forward(np.pad(x, ((0, 0), (0, 0), (1, 0), (2, 1))), w)
    assert not np.allclose(out, other_way)
    # An odd kernel at stride 1 pads equally: "same" is then padding=(KH - 1) // 2.
    w3 = rng.standard_normal((2, 1, 3, 5))
    np.testing.assert_array_equal(conv2d_forward(x, w3, padding="same")[0],
                                  conv2d_forward(x, w3, padding=(1, 2))[0])


def test_same_with_stride_needs_no_padding_when_the_windows_fit():
    # 7 rows, kernel 1, stride 2: ceil(7 / 2) = 4 outputs at rows 0, 2, 4, 6, no padding;
    # 8 rows, kernel 3, stride 2: 4 outputs, total padding (4 - 1) * 2 + 3 - 8 = 1, below.
    x = np.arange(56.0).reshape(1, 1, 7, 8)
    out, _ = conv2d_forward(x, np.ones((1, 1, 1, 1)), stride=2, padding="same")
    np.testing.assert_array_equal(out[0, 0], x[0, 0, ::2, ::2])
    x8 = np.arange(64.0).reshape(1, 1, 8, 8)
    out, _ = conv2d_forward(x8, np.ones((1, 1, 3, 1)), stride=(2, 1), padding="same")
    assert out.shape == (1, 1, 4, 8)
    np.testing.assert_array_equal(out[0, 0, -1], x8[0, 0, 6] + x8[0, 0, 7])    # row 8 is zero


def test_dilation_is_a_filter_with_zeros_between_its_taps():
    # A 2 x 3 filter with dilation (3, 2) equals the 4 x 5 filter holding its taps at
    # rows 0, 3 and columns 0, 2, 4 and zeros elsewhere (effective size (k - 1) d + 1).
    rng = np.random.default_rng(23)
    x, w, b = rng.standard_normal((2, 2, 8, 9)), rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)
    spread = np.zeros((3, 2, 4, 5))
    spread[:, :, ::3, ::2] = w
    for args in [dict(), dict(stride=(2, 1), padding=(1, 2))]:
        out, cache = conv2d_forward(x, w, b, dilation=(3, 2), **args)
        ref, ref_cache = conv2d_forward(x, spread, b, **args)
        close(out, ref)
        dout = rng.standard_normal(out.shape)
        dx, dw, db = conv2d_backward(dout, cache)
        rdx, rdw, rdb = conv2d_backward(dout, ref_cache)
        close(dx, rdx)
        close(dw, rdw[:, :, ::3, ::2])
        close(db, rdb)


def test_every_current_call_keeps_its_result():
    # The new arguments at their defaults, or spelled as pairs, change nothing.
    case = FIXED_CASES["nonsquare_s2_p1"]
    x, w, b, dout = case.arrays()
    out, cache = conv2d_forward(x, w, b, stride=2, padding=1)
    for args in [dict(stride=(2, 2), padding=(1, 1), dilation=(1, 1)), dict(stride=2, padding=1, dilation=1)]:
        same_out, same_cache = conv2d_forward(x, w, b, **args)
        np.testing.assert_array_equal(out, same_out)
        for g1, g2 in zip(conv2d_backward(dout, cache), conv2d_backward(dout, same_cache)):
            np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(conv2d_forward(x, w, padding="valid")[0], conv2d_forward(x, w)[0])


def test_output_size_with_the_new_arguments():
    assert conv_output_size(8, 3, padding=1, stride=2) == 4                 # d2l
    assert conv_output_size(28, 3, dilation=2) == 24                        # span 5
    assert conv_output_size(28, 3, padding=2, dilation=2) == 28
    assert conv_output_size(7, 4, padding="same", stride=2) == 4            # ceil(7 / 2)
    assert conv_output_size(7, 4, padding="valid", stride=2) == 2
    for n in range(1, 10):
        for f in range(1, 5):
            for s in range(1, 4):
                for d in range(1, 3):
                    assert conv_output_size(n, f, "same", s, d) == -(-n // s)
                    x = np.zeros((1, 1, n, 1))
                    out, _ = conv2d_forward(x, np.zeros((1, 1, f, 1)), stride=(s, 1),
                                            padding="same", dilation=(d, 1))
                    assert out.shape[2] == conv_output_size(n, f, "same", s, d)
                    if (f - 1) * d + 1 <= n:
                        out, _ = conv2d_forward(x, np.zeros((1, 1, f, 1)), stride=(s, 1),
                                                dilation=(d, 1))
                        assert out.shape[2] == conv_output_size(n, f, 0, s, d) \
                            == (n - (f - 1) * d - 1) // s + 1


@pytest.mark.parametrize("args, error, fragments", [
    (dict(stride=(2, 0)), ValueError, ["stride", ">= 1", "(sh, sw)", "(2, 0)"]),
    (dict(stride=(2, 2, 2)), TypeError, ["stride", "pair (sh, sw)", "(2, 2, 2)"]),
    (dict(stride=(2, 1.5)), TypeError, ["stride", "integer", "(2, 1.5)"]),
    (dict(stride="2"), TypeError, ["stride", "integer", "'2'"]),
    (dict(padding=(1, -1)), ValueError, ["padding", ">= 0", "(1, -1)"]),
    (dict(padding="full"), ValueError, ["padding", "'valid' or 'same'", "'full'"]),
    (dict(padding=1.0), TypeError, ["padding", "'valid' or 'same'", "1.0"]),
    (dict(padding=(1,)), TypeError, ["padding", "pair (ph, pw)", "(1,)"]),
    (dict(dilation=0), ValueError, ["dilation", ">= 1", "got 0"]),
    (dict(dilation=(1, True)), TypeError, ["dilation", "(dh, dw)", "True"]),
    (dict(dilation=3), ValueError, ["KH=3", "dilation=3", "7", "5 + 2*0 = 5"]),
    (dict(dilation=(1, 6), padding=(0, 1)), ValueError, ["KW=2", "dilation=6", "7", "4 + 2*1 = 6"]),
])
def test_new_arguments_are_validated(args, error, fragments):
    from test_validation import all_of
    x, w = np.zeros((2, 3, 5, 4)), np.zeros((4, 3, 3, 2))
    for kernel in (conv2d_forward, conv2d_naive):
        with pytest.raises(error, match=all_of(*fragments)):
            kernel(x, w, **args)


def test_output_size_validates_the_new_arguments():
    from test_validation import all_of
    with pytest.raises(ValueError, match=all_of("padding", "'valid' or 'same'", "'full'")):
        conv_output_size(5, 3, padding="full")
    with pytest.raises(TypeError, match=all_of("padding", "integer", "(1, 1)")):
        conv_output_size(5, 3, padding=(1, 1))
    with pytest.raises(ValueError, match=all_of("dilation", "got 0")):
        conv_output_size(5, 3, dilation=0)
    with pytest.raises(ValueError, match=all_of("f=3", "dilation=3", "7", "5 + 2*0 = 5")):
        conv_output_size(5, 3, dilation=3)


def test_new_arguments_accept_numpy_integers_and_arrays():
    # What a loop over np.arange or a config read into an array hands over must work too.
    case = GENERAL_CASES["everything_per_axis"]
    x, w, b, _ = case.arrays()
    out, _ = conv2d_forward(x, w, b, **case.args)
    for args in [dict(stride=np.array([2, 3]), padding=(np.int64(1), np.int8(2)),
                      dilation=[np.int32(2), 1]),
                 dict(stride=(np.uint8(2), 3), padding=np.array([1, 2]), dilation=(2, np.int16(1)))]:
        np.testing.assert_array_equal(conv2d_forward(x, w, b, **args)[0], out)
    np.testing.assert_array_equal(conv2d_forward(x, w, padding="SAME")[0],
                                  conv2d_forward(x, w, padding="same")[0])   # TensorFlow's spelling
    with pytest.raises(TypeError, match=r"stride must be an integer or a pair \(sh, sw\)"):
        conv2d_forward(x, w, stride=np.array([[2, 3]]))
