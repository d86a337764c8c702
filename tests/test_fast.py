"""helpers.fast: every fast kernel against the readable one (helpers.conv, helpers.layers,
helpers.nets): values and gradients, float32 and float64, odd sizes, stride and padding,
ties in max pooling, hypothesis-generated shapes; and the training step's promise that its
result does not depend on the number of threads.

The readable kernels are themselves tested against loops, finite differences and JAX
(test_conv.py, test_layers.py, test_nets.py), so agreeing with them to float rounding
is agreeing with all of those.
"""

import functools

from support import FIXED_CASES, close, conv_cases, examples, seeds
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import conv, fast, layers, nets, train

fixed = pytest.mark.parametrize("case", list(FIXED_CASES.values()), ids=list(FIXED_CASES))


def close32(actual, expected):
    """Equal up to float32 rounding (sums of up to a few hundred products)."""
    scale = max(float(np.abs(expected).max()), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=2e-5 * scale)


# ---------------------------------------------------------------- convolution

def check_conv(case, dtype=np.float64):
    x, w, b, dout = (a.astype(dtype) for a in case.arrays())
    same = close if dtype == np.float64 else close32
    for bias in (b, None):
        out, cache = fast.conv2d_forward(x, w, bias, stride=case.stride, padding=case.padding)
        ref, ref_cache = conv.conv2d_forward(x, w, bias, stride=case.stride, padding=case.padding)
        assert out.shape == ref.shape and out.dtype == dtype
        same(out, ref)
        grads = fast.conv2d_backward(dout, cache)
        for g, r in zip(grads, conv.conv2d_backward(dout, ref_cache)):
            if r is None:
                assert g is None
            else:
                assert g.shape == r.shape and g.dtype == dtype
                same(g, r)
        none, dw, db = fast.conv2d_backward(dout, cache, compute_dx=False)
        assert none is None
        np.testing.assert_array_equal(dw, grads[1])


@fixed
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_fixed_cases_match_the_readable_kernel(case, dtype):
    check_conv(case, dtype)


@examples(40)
@given(conv_cases(max_n=4, max_hw=9))
def test_conv_matches_the_readable_kernel(case):
    # any stride (the fast kernel keeps every s-th output of stride 1) and padding
    # (padding > kernel - 1 falls back to the readable kernel)
    check_conv(case)


@examples(15)
@given(conv_cases(max_n=3, max_hw=9))
def test_conv_float32_matches_the_readable_kernel(case):
    check_conv(case, np.float32)


def test_conv_the_improved_cnns_layers_use_the_fast_layout():
    rng = np.random.default_rng(0)
    for shape_x, shape_w in [((3, 1, 28, 28), (16, 1, 3, 3)), ((2, 16, 14, 14), (32, 16, 3, 3))]:
        x, w, b = rng.standard_normal(shape_x), rng.standard_normal(shape_w), rng.standard_normal(shape_w[0])
        out, cache = fast.conv2d_forward(x, w, b, padding=1)
        assert cache[0] == "fast"
        ref, ref_cache = conv.conv2d_forward(x, w, b, padding=1)
        close(out, ref)
        dout = rng.standard_normal(out.shape)
        for g, r in zip(fast.conv2d_backward(dout, cache), conv.conv2d_backward(dout, ref_cache)):
            close(g, r)


def test_conv_padding_the_layout_cannot_hold_falls_back_to_the_readable_kernel():
    # a 1x1 kernel with padding 1: an output row would spill into the next image
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 1, 1))
    out, cache = fast.conv2d_forward(x, w, padding=1)
    assert cache[0] == "readable"
    ref, ref_cache = conv.conv2d_forward(x, w, padding=1)
    np.testing.assert_array_equal(out, ref)
    dout = rng.standard_normal(out.shape)
    for g, r in zip(fast.conv2d_backward(dout, cache)[:2], conv.conv2d_backward(dout, ref_cache)[:2]):
        np.testing.assert_array_equal(g, r)


def test_conv_rejects_bad_arguments_with_the_readable_kernels_messages():
    x, w = np.zeros((2, 3, 5, 5)), np.zeros((4, 2, 3, 3))
    with pytest.raises(ValueError, match="channel mismatch"):
        fast.conv2d_forward(x, w)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        fast.conv2d_forward(x, np.zeros((4, 3, 3, 3)), stride=0)
    out, cache = fast.conv2d_forward(x, np.zeros((4, 3, 3, 3)), padding=1)
    with pytest.raises(ValueError, match=r"dout must have shape \(N, F, OH, OW\) = \(2, 4, 5, 5\)"):
        fast.conv2d_backward(np.zeros((2, 4, 4, 5)), cache)


def test_conv_does_not_mutate_or_alias_its_inputs():
    case = FIXED_CASES["nonsquare_s2_p1"]
    x, w, b, dout = case.arrays()
    saved = [a.copy() for a in (x, w, b, dout)]
    out, cache = fast.conv2d_forward(x, w, b, stride=2, padding=1)
    grads = fast.conv2d_backward(dout, cache)
    again = fast.conv2d_backward(dout, cache)              # the cache is not consumed
    for before, after in zip(saved, (x, w, b, dout)):
        np.testing.assert_array_equal(before, after)
    for g1, g2 in zip(grads, again):
        np.testing.assert_array_equal(g1, g2)
    for result in (out, *grads):
        assert not any(np.shares_memory(result, a) for a in (x, w, b, dout))


# ---------------------------------------------------------------- fused relu + max pool

@st.composite
def pool_cases(draw):
    """(N, C, H, W, with bias, ties, seed): odd sizes (a row or column no window reaches)."""
    return (draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(2, 9)),
            draw(st.integers(2, 9)), draw(st.booleans()), draw(st.booleans()), draw(seeds))


def check_relu_pool(case, dtype=np.float64):
    n, c, h, w, with_bias, ties, seed = case
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, c, h, w))
    if ties:                                    # few distinct values: many tied windows
        z = np.round(z)
    z = z.astype(dtype)
    b = (np.round(rng.standard_normal(c)) if ties else rng.standard_normal(c)).astype(dtype)
    shifted = z + b[:, None, None] if with_bias else z
    ref, ref_cache = layers.maxpool2d_forward(layers.relu(shifted), 2, 2)
    out, cache = fast.relu_maxpool2d_forward(z, b if with_bias else None)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, ref)                   # max and relu are exact
    dout = rng.standard_normal(out.shape).astype(dtype)
    dz_ref = layers.relu_backward(layers.maxpool2d_backward(dout, ref_cache), shifted)
    dz, db = fast.relu_maxpool2d_backward(dout, cache)
    assert dz.shape == z.shape and dz.dtype == dtype
    np.testing.assert_array_equal(dz, dz_ref)                 # routing: one winner, same one
    if with_bias:
        (close if dtype == np.float64 else close32)(db, dz_ref.sum(axis=(0, 2, 3)))
    else:
        assert db is None


@examples(60)
@given(pool_cases())
def test_relu_maxpool_matches_relu_then_maxpool(case):
    check_relu_pool(case)


@examples(20)
@given(pool_cases())
def test_relu_maxpool_float32(case):
    check_relu_pool(case, np.float32)


def test_relu_maxpool_ties_go_to_the_first_maximum_in_reading_order():
    z = np.array([[[[1.0, 1.0], [1.0, 1.0]], [[0.0, 2.0], [2.0, 2.0]], [[-1.0, -1.0], [3.0, 3.0]]]])
    out, cache = fast.relu_maxpool2d_forward(z)
    np.testing.assert_array_equal(out[0, :, 0, 0], [1.0, 2.0, 3.0])
    dz, _ = fast.relu_maxpool2d_backward(np.array([[[[5.0]], [[6.0]], [[7.0]]]]), cache)
    np.testing.assert_array_equal(dz[0], [[[5, 0], [0, 0]], [[0, 6], [0, 0]], [[0, 0], [7, 0]]])
    # a window whose maximum is <= 0 is cut by the relu: no gradient at all
    out, cache = fast.relu_maxpool2d_forward(-np.ones((1, 1, 2, 2)))
    assert out[0, 0, 0, 0] == 0
    assert not fast.relu_maxpool2d_backward(np.ones((1, 1, 1, 1)), cache)[0].any()


def test_relu_maxpool_other_windows_are_refused():
    z = np.zeros((1, 1, 6, 6))
    with pytest.raises(ValueError, match="size = stride = 2.*layers.maxpool2d_forward"):
        fast.relu_maxpool2d_forward(z, size=3, stride=3)
    with pytest.raises(ValueError, match="at least 2 x 2"):
        fast.relu_maxpool2d_forward(np.zeros((1, 1, 1, 6)))
    with pytest.raises(ValueError, match=r"b must have shape \(C,\)"):
        fast.relu_maxpool2d_forward(z, np.zeros(2))
    _, cache = fast.relu_maxpool2d_forward(z)
    with pytest.raises(ValueError, match="dout must have shape"):
        fast.relu_maxpool2d_backward(np.zeros((1, 1, 2, 3)), cache)


# ---------------------------------------------------------------- the improved CNN

LOSS_OUTPUTS = {"softmax_cross_entropy": 4, "binary_cross_entropy": 1, "half_squared_error": 1}


def readable_step(params, x, y, loss):
    z, cache = nets.cnn_forward(params, x)
    value, dz = train.loss_and_grad(loss, z, y)
    return value, z, nets.cnn_backward(dz, cache)


@st.composite
def cnn_cases(draw):
    """Batch sizes from 1 to several chunks, odd and even image sizes, several channels."""
    return dict(n=draw(st.integers(1, 40)), size=draw(st.integers(4, 13)),
                cin=draw(st.integers(1, 2)), channels=(draw(st.integers(1, 3)), draw(st.integers(1, 4))),
                loss=draw(st.sampled_from(sorted(LOSS_OUTPUTS))), seed=draw(seeds))


def cnn_problem(n, size, cin, channels, loss, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    k = LOSS_OUTPUTS[loss]
    params = nets.init_improved_cnn(k, channels=channels, image_size=size, in_channels=cin,
                                    seed=seed % 1000, dtype=dtype)
    params = {key: (v + 0.1 * rng.standard_normal(v.shape)).astype(dtype) for key, v in params.items()}
    x = rng.random((n, cin, size, size)).astype(dtype)
    y = rng.integers(0, k if k > 1 else 2, n)
    return params, x, y


def check_cnn(case, dtype=np.float64, threads=None):
    params, x, y = cnn_problem(**case, dtype=dtype)
    assert fast.cnn_supported(params, x)
    value, z, grads = fast.cnn_loss_and_grads(
        params, x, y, functools.partial(train.loss_and_grad, case["loss"]), threads=threads)
    ref_value, ref_z, ref_grads = readable_step(params, x, y, case["loss"])
    same = close if dtype == np.float64 else close32
    assert value == pytest.approx(ref_value, rel=1e-12 if dtype == np.float64 else 1e-5)
    same(z, ref_z)
    np.testing.assert_array_equal(fast.cnn_logits(params, x, threads=threads), z)
    assert set(grads) == set(params)
    for key in params:
        assert grads[key].shape == params[key].shape and grads[key].dtype == dtype, key
        same(grads[key], ref_grads[key])


@examples(30)
@given(cnn_cases())
def test_cnn_step_matches_the_readable_network(case):
    check_cnn(case)


@examples(10)
@given(cnn_cases())
def test_cnn_step_float32(case):
    check_cnn(case, np.float32)


def test_cnn_step_on_the_course_network_at_batch_128():
    rng = np.random.default_rng(2)
    params = nets.init_improved_cnn(seed=0)
    x = nets.prepare_images(rng.integers(0, 256, (128, 28, 28), dtype=np.uint8))
    y = rng.integers(0, 10, 128)
    loss = "softmax_cross_entropy"
    value, z, grads = fast.cnn_loss_and_grads(params, x, y, functools.partial(train.loss_and_grad, loss))
    ref_value, ref_z, ref_grads = readable_step(params, x, y, loss)
    assert value == pytest.approx(ref_value, rel=1e-5)
    close32(z, ref_z)
    for key in params:
        close32(grads[key], ref_grads[key])


def test_cnn_results_do_not_depend_on_the_number_of_threads():
    params, x, y = cnn_problem(70, 12, 1, (3, 4), "softmax_cross_entropy", 5, np.float32)
    loss_grad = functools.partial(train.loss_and_grad, "softmax_cross_entropy")
    results = [fast.cnn_loss_and_grads(params, x, y, loss_grad, threads=t) for t in (1, 2, 3, 1)]
    for value, z, grads in results[1:]:
        assert value == results[0][0]
        np.testing.assert_array_equal(z, results[0][1])
        for key in params:
            np.testing.assert_array_equal(grads[key], results[0][2][key])


def test_cnn_does_not_mutate_or_alias_its_inputs():
    params, x, y = cnn_problem(20, 8, 1, (2, 3), "softmax_cross_entropy", 1)
    saved = {k: v.copy() for k, v in params.items()}, x.copy()
    loss_grad = functools.partial(train.loss_and_grad, "softmax_cross_entropy")
    _, z, grads = fast.cnn_loss_and_grads(params, x, y, loss_grad)
    z_copy, grads_copy = z.copy(), {k: g.copy() for k, g in grads.items()}
    fast.cnn_loss_and_grads(params, 1 - x, y, loss_grad)   # reuses the same buffers
    np.testing.assert_array_equal(z, z_copy)                  # earlier results untouched
    for key in grads:
        np.testing.assert_array_equal(grads[key], grads_copy[key])
    np.testing.assert_array_equal(x, saved[1])
    for key in params:
        np.testing.assert_array_equal(params[key], saved[0][key])


def test_cnn_supported_and_its_error():
    params, x, _ = cnn_problem(2, 8, 1, (2, 3), "softmax_cross_entropy", 0)
    assert fast.cnn_supported(params, x)
    even = dict(params, w1=np.zeros((2, 1, 2, 2)))
    assert not fast.cnn_supported(even, x)                    # even kernels: not implemented
    assert not fast.cnn_supported({k: v.astype(np.float16) for k, v in params.items()}, x)
    assert not fast.cnn_supported(params, x[:, :, :6, :6])    # W3 does not fit 6 x 6 images
    assert not fast.cnn_supported(dict(params, extra=np.zeros(1)), x)
    with pytest.raises(ValueError, match="nets.cnn_forward"):
        fast.cnn_logits(even, x)


def test_chunks_depend_on_the_batch_size_only():
    for batch in range(1, 300):
        sizes = fast.chunk_sizes(batch)
        assert sum(sizes) == batch and max(sizes) - min(sizes) <= 1
        assert len(sizes) % 2 == 0 or batch == 1
        assert max(sizes) <= fast.CHUNK or len(sizes) == 2
    assert fast.chunk_sizes(128) == [fast.CHUNK] * (128 // fast.CHUNK)


def test_thread_setting(monkeypatch):
    monkeypatch.setenv("CNN_COURSE_THREADS", "3")
    fast.set_threads(None)
    assert fast.get_threads() == 3
    fast.set_threads(1)
    try:
        assert fast.get_threads() == 1
    finally:
        fast.set_threads(None)
    with pytest.raises(ValueError, match="n must be >= 1"):
        fast.set_threads(0)
    monkeypatch.setenv("CNN_COURSE_THREADS", "zero")
    with pytest.raises(ValueError, match="CNN_COURSE_THREADS"):
        fast.get_threads()


def test_blas_thread_limit_is_restored():
    from threadpoolctl import threadpool_info
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    params, x, y = cnn_problem(8, 8, 1, (2, 3), "softmax_cross_entropy", 0)
    fast.cnn_loss_and_grads(params, x, y, functools.partial(train.loss_and_grad,
                                                             "softmax_cross_entropy"), threads=2)
    after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert before == after


# ---------------------------------------------------------------- train uses the fast path

def tiny_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.random((n, 8, 8)) * 60).astype(np.uint8)
    x[np.arange(n), 2 * y + 1, :] = 250
    return x, y


def test_fit_fast_and_readable_train_the_same_network():
    x, y = tiny_data()
    p0 = nets.init_improved_cnn(3, channels=(2, 4), image_size=8, seed=0, dtype=np.float64)
    kwargs = dict(optimizer=train.sgd(0.1), batch_size=16, epochs=3, seed=1, x_val=x, y_val=y,
                  progress=False, dtype=np.float64)
    p_fast, h_fast = train.fit(nets.IMPROVED_CNN, p0, x, y, **kwargs)
    p_slow, h_slow = train.fit(nets.IMPROVED_CNN, p0, x, y, fast=False, **kwargs)
    np.testing.assert_allclose(h_fast.loss, h_slow.loss, rtol=1e-10)
    np.testing.assert_allclose(h_fast.val_loss, h_slow.val_loss, rtol=1e-10)
    for key in p0:
        np.testing.assert_allclose(p_fast[key], p_slow[key], rtol=1e-9, atol=1e-12)


def test_fit_gives_bit_identical_parameters_on_one_and_two_threads():
    x, y = tiny_data(90)
    p0 = nets.init_improved_cnn(3, channels=(2, 4), image_size=8, seed=0)
    runs = []
    for threads in (1, 2):
        fast.set_threads(threads)
        try:
            runs.append(train.fit(nets.IMPROVED_CNN, p0, x, y, optimizer=train.adam(0.01),
                                  batch_size=45, epochs=2, seed=3, progress=False))
        finally:
            fast.set_threads(None)
    (p1, h1), (p2, h2) = runs
    assert h1.loss == h2.loss
    for key in p0:
        np.testing.assert_array_equal(p1[key], p2[key])


def test_train_step_uses_the_fast_path_only_where_it_applies():
    calls = []
    real = fast.cnn_loss_and_grads
    path = nets.IMPROVED_CNN.fast
    spy = path._replace(loss_and_grads=lambda *a, **k: calls.append(1) or real(*a, **k))
    net = nets.IMPROVED_CNN._replace(fast=spy)
    x, y = tiny_data(10)
    xb = nets.prepare_images(x)
    p = nets.init_improved_cnn(3, channels=(2, 4), image_size=8, seed=0)
    opt = train.adam()
    train.train_step(net, p, opt.init(p), opt, xb, y)
    assert calls == [1]
    train.train_step(net, p, opt.init(p), opt, xb, y, fast=False)
    assert calls == [1]
    odd = dict(p, w1=np.zeros((2, 1, 2, 2), np.float32))     # even kernel: readable path
    train.train_step(net, odd, opt.init(odd), opt, xb, y)
    assert calls == [1]
    # the article's network has no fast path
    assert nets.ARTICLE_NET.fast is None
