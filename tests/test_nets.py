"""helpers.nets: shapes, dtypes, initializations, and both networks' gradients
against finite differences and against JAX's automatic differentiation."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

# float64 in the reference: it must be more precise than the tolerances tested.
jax.config.update("jax_enable_x64", True)

from helpers import nets  # noqa: E402
from helpers.gradcheck import numerical_gradient  # noqa: E402


def norm_rel_error(a, b):
    """||a - b|| / (||a|| + ||b||): one number for a whole gradient, robust to entries near 0."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-30))


def f64(params):
    return {k: v.astype(np.float64) for k, v in params.items()}


# ---------------------------------------------------------------- JAX references

def _jconv(x, w, padding):
    return jax.lax.conv_general_dilated(
        x, w, (1, 1), [(padding, padding)] * 2, dimension_numbers=("NCHW", "OIHW", "NCHW"),
        precision=jax.lax.Precision.HIGHEST)


def jax_article_logits(p, x):
    z1 = _jconv(x, p["w1"], 0)
    if "b1" in p:
        z1 = z1 + p["b1"][None, :, None, None]
    a1 = jax.nn.sigmoid(z1).reshape(x.shape[0], -1)
    z2 = a1 @ p["W2"]
    return z2 + p["b2"] if "b2" in p else z2


def jax_cnn_logits(p, x):
    def stage(h, w, b):
        z = jax.nn.relu(_jconv(h, w, 1) + b[None, :, None, None])
        return jax.lax.reduce_window(z, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    h = stage(stage(x, p["w1"], p["b1"]), p["w2"], p["b2"])
    return h.reshape(x.shape[0], -1) @ p["W3"] + p["b3"]


def jax_grads(logits_fn, params, x, dz):
    jp = {k: jnp.asarray(v) for k, v in params.items()}
    _, vjp = jax.vjp(lambda q: logits_fn(q, jnp.asarray(x)), jp)
    return {k: np.asarray(v) for k, v in vjp(jnp.asarray(dz))[0].items()}


# ---------------------------------------------------------------- prepare_images

def test_prepare_images_scales_uint8_and_adds_the_channel_axis():
    x = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    out = nets.prepare_images(x)
    assert out.shape == (1, 1, 2, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0], [[0, 1], [0.2, 0.4]], rtol=1e-6)
    assert nets.prepare_images(x, np.float64).dtype == np.float64


def test_prepare_images_keeps_floats_and_rejects_bad_shapes():
    x = np.full((2, 1, 3, 3), 0.5)
    np.testing.assert_array_equal(nets.prepare_images(x, np.float64), x)
    with pytest.raises(ValueError, match="shape"):
        nets.prepare_images(np.zeros((3, 3)))


# ---------------------------------------------------------------- article's network

def test_article_init_shapes_and_the_articles_uniform_range():
    p = nets.init_article_net(seed=1)
    assert set(p) == {"w1", "W2"}
    assert p["w1"].shape == (3, 1, 5, 5) and p["W2"].shape == (3 * 24 * 24, 1)
    assert all(v.dtype == np.float32 for v in p.values())
    for v in p.values():
        assert v.min() >= 0 and v.max() < 1          # uniform [0, 1): all positive
    assert p["W2"].mean() == pytest.approx(0.5, abs=0.03)


def test_article_init_scaled_biases_and_seed():
    p = nets.init_article_net(10, init="scaled", bias=True, seed=3)
    assert set(p) == {"w1", "b1", "W2", "b2"}
    assert p["b1"].shape == (3,) and p["b2"].shape == (10,)
    limit = np.sqrt(6 / (1728 + 10))
    assert np.abs(p["W2"]).max() <= limit and p["W2"].min() < 0
    again = nets.init_article_net(10, init="scaled", bias=True, seed=3)
    other = nets.init_article_net(10, init="scaled", bias=True, seed=4)
    assert all(np.array_equal(p[k], again[k]) for k in p)
    assert not np.array_equal(p["W2"], other["W2"])
    with pytest.raises(ValueError, match="init"):
        nets.init_article_net(init="normal")


def test_article_forward_matches_the_formula_written_out():
    rng = np.random.default_rng(0)
    p = f64(nets.init_article_net(2, num_filters=2, kernel_size=3, image_size=6, bias=True,
                                  init="scaled", seed=0))
    p["b1"] = rng.standard_normal(2)
    x = rng.random((3, 1, 6, 6))
    z2, _ = nets.article_forward(p, x)
    # Loops over images, filters and positions; features flattened filter-major.
    a1 = np.zeros((3, 2, 4, 4))
    for n in range(3):
        for f in range(2):
            for i in range(4):
                for j in range(4):
                    z = np.sum(x[n, 0, i:i + 3, j:j + 3] * p["w1"][f, 0]) + p["b1"][f]
                    a1[n, f, i, j] = 1 / (1 + np.exp(-z))
    expected = a1.reshape(3, -1) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(z2, expected, rtol=1e-12)


@pytest.mark.parametrize("bias", [False, True])
def test_article_backward_matches_finite_differences(bias):
    rng = np.random.default_rng(1)
    p = f64(nets.init_article_net(2, num_filters=2, kernel_size=3, image_size=7, bias=bias,
                                  init="scaled", seed=2))
    x = rng.random((3, 1, 7, 7))
    dz = rng.standard_normal((3, 2))
    z, cache = nets.article_forward(p, x)
    grads = nets.article_backward(dz, cache)
    assert set(grads) == set(p)
    for k in p:
        assert grads[k].shape == p[k].shape
        num = numerical_gradient(lambda a: np.sum(nets.article_forward({**p, k: a}, x)[0] * dz), p[k])
        assert norm_rel_error(grads[k], num) < 1e-8, k


def test_article_backward_matches_jax():
    rng = np.random.default_rng(2)
    p = f64(nets.init_article_net(10, bias=True, init="scaled", seed=5))
    p["b1"] = rng.standard_normal(3) * 0.1
    x = rng.random((4, 1, 28, 28))
    dz = rng.standard_normal((4, 10))
    z, cache = nets.article_forward(p, x)
    np.testing.assert_allclose(z, np.asarray(jax_article_logits(p, jnp.asarray(x))), rtol=1e-10,
                               atol=1e-12)
    ours, ref = nets.article_backward(dz, cache), jax_grads(jax_article_logits, p, x, dz)
    for k in p:
        assert norm_rel_error(ours[k], ref[k]) < 1e-10, k


def test_article_float32_stays_float32():
    p = nets.init_article_net(seed=0)
    x = nets.prepare_images(np.zeros((2, 28, 28), np.uint8))
    z, cache = nets.article_forward(p, x)
    assert z.dtype == np.float32 and z.shape == (2, 1)
    assert all(g.dtype == np.float32 for g in nets.article_backward(np.ones_like(z), cache).values())


def test_article_feature_maps_shapes():
    p = nets.init_article_net(seed=0)
    maps = nets.article_feature_maps(p, np.ones((2, 1, 28, 28), np.float32))
    assert maps["z1"].shape == maps["a1"].shape == (2, 3, 24, 24)
    np.testing.assert_allclose(maps["a1"], 1 / (1 + np.exp(-maps["z1"])), rtol=1e-5)


# ---------------------------------------------------------------- improved CNN

def test_cnn_init_is_he_and_shapes():
    p = nets.init_improved_cnn(seed=0)
    shapes = {k: v.shape for k, v in p.items()}
    assert shapes == {"w1": (16, 1, 3, 3), "b1": (16,), "w2": (32, 16, 3, 3), "b2": (32,),
                      "W3": (32 * 49, 10), "b3": (10,)}
    assert nets.count_params(p) == 16 * 9 + 16 + 32 * 144 + 32 + 1568 * 10 + 10
    assert p["w2"].std() == pytest.approx(np.sqrt(2 / 144), rel=0.1)
    assert p["W3"].std() == pytest.approx(np.sqrt(2 / 1568), rel=0.05)
    assert not p["b1"].any()


def test_cnn_backward_matches_finite_differences():
    rng = np.random.default_rng(3)
    p = f64(nets.init_improved_cnn(3, channels=(2, 3), image_size=8, seed=1))
    p = {k: v + 0.05 * rng.standard_normal(v.shape) for k, v in p.items()}
    x = rng.random((2, 1, 8, 8))
    dz = rng.standard_normal((2, 3))
    z, cache = nets.cnn_forward(p, x)
    assert z.shape == (2, 3)
    grads = nets.cnn_backward(dz, cache)
    for k in p:
        num = numerical_gradient(lambda a: np.sum(nets.cnn_forward({**p, k: a}, x)[0] * dz), p[k])
        assert norm_rel_error(grads[k], num) < 1e-7, k


def test_cnn_backward_gives_the_gradient_reaching_the_image_on_request():
    """return_dx=True also returns dx = dE/dx (a saliency map), checked by finite differences;
    the parameters' gradients are the same as without it."""
    rng = np.random.default_rng(5)
    p = f64(nets.init_improved_cnn(3, channels=(2, 3), image_size=8, seed=1))
    x = rng.random((2, 1, 8, 8))
    dz = rng.standard_normal((2, 3))
    _, cache = nets.cnn_forward(p, x)
    plain = nets.cnn_backward(dz, cache)
    grads, dx = nets.cnn_backward(dz, cache, return_dx=True)
    num = numerical_gradient(lambda *_: np.sum(nets.cnn_forward(p, x)[0] * dz), x)
    assert dx.shape == x.shape and norm_rel_error(dx, num) < 1e-7
    assert grads.keys() == plain.keys()
    for k in plain:
        np.testing.assert_array_equal(grads[k], plain[k])


def test_cnn_forward_and_backward_match_jax():
    rng = np.random.default_rng(4)
    p = f64(nets.init_improved_cnn(channels=(4, 6), seed=2))
    p = {k: v + 0.05 * rng.standard_normal(v.shape) for k, v in p.items()}
    x = rng.random((3, 1, 28, 28))
    dz = rng.standard_normal((3, 10))
    z, cache = nets.cnn_forward(p, x)
    np.testing.assert_allclose(z, np.asarray(jax_cnn_logits(p, jnp.asarray(x))), rtol=1e-9,
                               atol=1e-11)
    ours, ref = nets.cnn_backward(dz, cache), jax_grads(jax_cnn_logits, p, x, dz)
    for k in p:
        assert norm_rel_error(ours[k], ref[k]) < 1e-9, k


def test_cnn_float32_and_feature_maps():
    p = nets.init_improved_cnn(seed=0)
    x = nets.prepare_images(np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8))
    z, cache = nets.cnn_forward(p, x)
    assert z.dtype == np.float32
    assert all(g.dtype == np.float32 for g in nets.cnn_backward(np.ones_like(z), cache).values())
    maps = nets.cnn_feature_maps(p, x)
    assert maps["z1"].shape == (2, 16, 28, 28) and maps["p2"].shape == (2, 32, 7, 7)
    np.testing.assert_allclose(maps["z3"], z, rtol=1e-6)


def test_networks_and_copy_params():
    assert nets.ARTICLE_NET.forward is nets.article_forward
    assert nets.IMPROVED_CNN.backward is nets.cnn_backward
    p = nets.init_article_net(seed=0)
    c = nets.copy_params(p)
    c["w1"][...] = 7
    assert not np.any(p["w1"] == 7)


def test_conv_backward_without_dx_gives_the_same_filter_gradient():
    # The networks skip dx for their first layer (the input is data); dw and db must not change.
    from helpers.conv import conv2d_backward, conv2d_forward
    rng = np.random.default_rng(5)
    x, w, b = rng.random((2, 1, 9, 9)), rng.random((3, 1, 3, 3)), rng.random(3)
    out, cache = conv2d_forward(x, w, b, padding=1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    none, dw2, db2 = conv2d_backward(dout, cache, compute_dx=False)
    assert none is None and dx.shape == x.shape
    np.testing.assert_array_equal(dw, dw2)
    np.testing.assert_array_equal(db, db2)
