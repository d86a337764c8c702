"""helpers.attribution: input gradients against finite differences and JAX, occlusion and
receptive fields against loops, the fast gradient sign method and class images."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_enable_x64", True)

from helpers import attribution as A  # noqa: E402
from helpers import nets  # noqa: E402
from helpers.gradcheck import numerical_gradient  # noqa: E402
from helpers.layers import softmax  # noqa: E402
from helpers.losses import softmax_cross_entropy  # noqa: E402
from test_nets import jax_cnn_logits, norm_rel_error  # noqa: E402


def small_net(seed=1, size=8, classes=3):
    """A float64 improved CNN on size x size images, weights nudged off the He init."""
    rng = np.random.default_rng(seed)
    p = nets.init_improved_cnn(classes, channels=(2, 3), image_size=size, seed=seed,
                               dtype=np.float64)
    return {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in p.items()}


def images(n=2, size=8, seed=0):
    return np.random.default_rng(seed).random((n, 1, size, size))


# ---------------------------------------------------------------- the input gradient

def test_cnn_backward_still_returns_only_the_parameter_gradients_by_default():
    p, x = small_net(), images()
    z, cache = nets.cnn_forward(p, x)
    grads = nets.cnn_backward(np.ones_like(z), cache)
    assert set(grads) == set(p)
    grads2, dx = nets.cnn_backward(np.ones_like(z), cache, return_dx=True)
    assert dx.shape == x.shape and all(np.array_equal(grads[k], grads2[k]) for k in p)


@pytest.mark.parametrize("of", ["score", "loss"])
def test_input_gradient_matches_finite_differences(of):
    p, x = small_net(), images()
    target = np.array([2, 0])
    dx = A.input_gradient(p, x, target, of=of)

    def total(xx):
        z, _ = nets.cnn_forward(p, xx)
        if of == "score":
            return z[np.arange(2), target].sum()
        return softmax_cross_entropy(z, target)[0] * len(z)      # sum of the per-image losses

    num = numerical_gradient(total, x)
    assert dx.shape == x.shape
    assert norm_rel_error(dx, num) < 1e-7
    assert norm_rel_error(dx, -num) > 0.5          # a sign slip would fail


def test_input_gradient_matches_jax_on_28x28():
    rng = np.random.default_rng(4)
    p = {k: v.astype(np.float64) + 0.05 * rng.standard_normal(v.shape)
         for k, v in nets.init_improved_cnn(channels=(4, 6), seed=2).items()}
    x = rng.random((3, 1, 28, 28))
    target = np.array([7, 1, 3])
    jp = {k: jnp.asarray(v) for k, v in p.items()}

    def score(xx):
        return jax_cnn_logits(jp, xx)[jnp.arange(3), target].sum()

    def loss(xx):
        z = jax_cnn_logits(jp, xx)
        return -jnp.sum(jax.nn.log_softmax(z)[jnp.arange(3), target])

    for of, fn in (("score", score), ("loss", loss)):
        ref = np.asarray(jax.grad(fn)(jnp.asarray(x)))
        assert norm_rel_error(A.input_gradient(p, x, target, of=of), ref) < 1e-9, of


def test_input_gradient_of_the_loss_is_the_score_gradients_weighted_by_p_minus_y():
    p, x = small_net(), images(1)
    z, _ = nets.cnn_forward(p, x)
    prob = softmax(z)[0]
    per_class = [A.input_gradient(p, x, c) for c in range(3)]
    expected = sum((prob[c] - (c == 1)) * per_class[c] for c in range(3))
    np.testing.assert_allclose(A.input_gradient(p, x, 1, of="loss"), expected, atol=1e-12)


def test_saliency_is_the_absolute_score_gradient_and_float32_stays():
    p, x = small_net(), images()
    s = A.saliency(p, x, [0, 1])
    assert s.shape == (2, 8, 8) and np.all(s >= 0)
    np.testing.assert_array_equal(s, np.abs(A.input_gradient(p, x, [0, 1]))[:, 0])
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    assert A.saliency(p32, x.astype(np.float32), 0).dtype == np.float32


def test_input_gradient_validates_its_arguments():
    p, x = small_net(), images()
    with pytest.raises(ValueError, match="of must be"):
        A.input_gradient(p, x, 0, of="logit")
    with pytest.raises(ValueError, match="target"):
        A.input_gradient(p, x, [0, 5])              # 3 classes
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        A.input_gradient(p, x[:, 0], 0)


# ---------------------------------------------------------------- occlusion

def test_occlusion_map_matches_a_loop():
    p, x = small_net(), images()
    drop = A.occlusion_map(p, x, [1, 2], size=3, stride=2, fill=0.5)
    assert drop.shape == (2, 3, 3)                   # (8 - 3) // 2 + 1
    for n, t in enumerate([1, 2]):
        base = nets.cnn_forward(p, x[n:n + 1])[0][0, t]
        for i in range(3):
            for j in range(3):
                hidden = x[n:n + 1].copy()
                hidden[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] = 0.5
                assert np.isclose(drop[n, i, j], base - nets.cnn_forward(p, hidden)[0][0, t])
    assert not np.allclose(drop, 0)


def test_occlusion_of_a_square_that_already_holds_the_fill_changes_nothing():
    p = small_net()
    x = np.full((1, 1, 8, 8), 0.5)
    x[0, 0, :4, :4] = np.random.default_rng(0).random((4, 4))
    drop = A.occlusion_map(p, x, 0, size=4, stride=4)
    assert abs(drop[0, 1, 1]) < 1e-12 and abs(drop[0, 0, 0]) > 1e-6
    with pytest.raises(ValueError, match="size must be at most"):
        A.occlusion_map(p, x, 0, size=9)


def test_window_sums_and_correlation_match_loops():
    maps = np.random.default_rng(1).random((2, 10, 10))
    sums = A.window_sums(maps, size=4, stride=3)
    assert sums.shape == (2, 3, 3)
    for n in range(2):
        for i in range(3):
            for j in range(3):
                assert np.isclose(sums[n, i, j], maps[n, 3 * i:3 * i + 4, 3 * j:3 * j + 4].sum())
    a, b = maps[0], maps[1]
    assert np.isclose(A.correlation(a, b), np.corrcoef(a.ravel(), b.ravel())[0, 1])
    assert np.isclose(A.correlation(a, 2 * a + 1), 1) and np.isclose(A.correlation(a, -a), -1)
    with pytest.raises(ValueError, match="constant"):
        A.correlation(a, np.ones_like(a))
    with pytest.raises(ValueError, match="same number"):
        A.correlation(a, b[:5])


# ---------------------------------------------------------------- receptive fields

@pytest.mark.parametrize("layer, i, expected", [("conv1", 14, 3), ("pool1", 7, 4),
                                                ("conv2", 7, 8), ("pool2", 3, 10)])
def test_receptive_field_is_a_square_of_the_formulas_side(layer, i, expected):
    field = A.receptive_field(layer, i, i)
    rows, cols = np.flatnonzero(field.any(axis=1)), np.flatnonzero(field.any(axis=0))
    assert A.receptive_field_size(layer) == expected
    assert len(rows) == len(cols) == expected and field.sum() == expected ** 2
    assert np.all(field[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])      # one full square


def test_receptive_field_positions_and_the_border():
    # conv1 unit (i, j) sees pixels i-1..i+1 (padding 1); pool1 unit (i, j) covers conv1 units
    # 2i, 2i+1, so pixels 2i-1 .. 2i+2; at the corner the padding cuts the square off.
    assert np.array_equal(np.argwhere(A.receptive_field("conv1", 5, 9)).min(axis=0), [4, 8])
    assert np.array_equal(np.argwhere(A.receptive_field("pool1", 3, 3)).min(axis=0), [5, 5])
    assert A.receptive_field("pool2", 0, 0).sum() == 7 * 7           # 10 - 3 rows of padding
    with pytest.raises(ValueError, match="layer must be one of"):
        A.receptive_field("dense", 0, 0)
    with pytest.raises(ValueError, match="outside"):
        A.receptive_field("pool2", 7, 0)


@pytest.mark.parametrize("layer", ["conv1", "pool1", "conv2", "pool2"])
def test_unit_gradient_matches_finite_differences_and_stays_in_the_field(layer):
    rng = np.random.default_rng(5)
    p = {k: v.astype(np.float64) + 0.05 * rng.standard_normal(v.shape)
         for k, v in nets.init_improved_cnn(channels=(3, 4), seed=3).items()}
    x = rng.random((1, 1, 28, 28))
    i = {"conv1": 13, "pool1": 6, "conv2": 6, "pool2": 3}[layer]
    key = {"conv1": "z1", "pool1": "p1", "conv2": "z2", "pool2": "p2"}[layer]
    c = int(np.argmax(nets.cnn_feature_maps(p, x)[key][0, :, i, i]))      # a unit that is on
    g = A.unit_gradient(p, x, layer, c, i, i)

    def unit(xx):
        return nets.cnn_feature_maps(p, xx)[key][0, c, i, i]

    num = numerical_gradient(unit, x)[0, 0]
    assert norm_rel_error(g, num) < 1e-7
    field = A.receptive_field(layer, i, i)
    assert np.all(g[~field] == 0) and np.any(g != 0)


def test_unit_gradient_validates_the_unit():
    p = nets.init_improved_cnn(seed=0)
    x = np.zeros((1, 1, 28, 28), np.float32)
    with pytest.raises(ValueError, match="outside"):
        A.unit_gradient(p, x, "pool1", 16, 0, 0)
    with pytest.raises(ValueError, match="one image"):
        A.unit_gradient(p, np.zeros((2, 1, 28, 28)), "conv1", 0, 0, 0)


# ---------------------------------------------------------------- FGSM

def test_fgsm_is_one_clipped_sign_step_that_raises_the_loss():
    p, x = small_net(), images(3)
    y = np.array([0, 1, 2])
    g = A.input_gradient(p, x, y, of="loss")
    for eps in (0.0, 0.01, 0.3):
        adv = A.fgsm(p, x, y, eps)
        np.testing.assert_array_equal(adv, np.clip(x + eps * np.sign(g), 0, 1))
        assert np.all(np.abs(adv - x) <= eps + 1e-15) and adv.min() >= 0 and adv.max() <= 1
    before = softmax_cross_entropy(nets.cnn_forward(p, x)[0], y)[0]
    after = softmax_cross_entropy(nets.cnn_forward(p, A.fgsm(p, x, y, 1e-3))[0], y)[0]
    assert after > before
    with pytest.raises(ValueError, match="eps must be a number >= 0"):
        A.fgsm(p, x, y, -0.1)


def test_fgsm_accuracy_and_smallest_flipping_eps_match_loops():
    p, x = small_net(seed=2), images(12, seed=3)
    pred = nets.cnn_forward(p, x)[0].argmax(axis=1)
    y = pred.copy()
    y[:3] = (y[:3] + 1) % 3                             # three wrong to start with
    eps_values = [0.0, 0.05, 0.2, 0.5]
    acc = A.fgsm_accuracy(p, x, y, eps_values)
    for eps, a in zip(eps_values, acc):
        assert a == np.mean(nets.cnn_forward(p, A.fgsm(p, x, y, eps))[0].argmax(axis=1) == y)
    assert acc[0] == 0.75
    grid = np.linspace(0.01, 1.0, 100)
    found = A.smallest_flipping_eps(p, x, y, grid)
    for n in range(12):
        flips = [e for e in grid
                 if nets.cnn_forward(p, A.fgsm(p, x[n:n + 1], y[n:n + 1], e))[0].argmax() != pred[n]]
        if flips:
            assert found[n] == flips[0]
        else:
            assert np.isnan(found[n])
    assert np.sum(~np.isnan(found)) >= 6
    with pytest.raises(ValueError, match="increasing"):
        A.smallest_flipping_eps(p, x, y, [0.2, 0.1])


# ---------------------------------------------------------------- class images

def test_class_images_follow_the_ascent_written_out_and_raise_the_score():
    p = small_net(seed=4)
    p["b1"] = np.abs(p["b1"]) + 0.1          # open relus at the blank image: the ascent can start
    out = A.class_images(p, classes=[0, 2], steps=3, lr=0.2, l2=0.05, image_size=8)
    x = np.zeros((2, 1, 8, 8))
    for _ in range(3):
        g = A.input_gradient(p, x, [0, 2])
        x = np.clip(x + 0.2 * (g - 2 * 0.05 * x), 0, 1)
    np.testing.assert_allclose(out, x[:, 0], atol=1e-12)
    longer = A.class_images(p, classes=[0, 2], steps=30, lr=0.2, l2=0.05, image_size=8)
    z0 = nets.cnn_forward(p, np.zeros((1, 1, 8, 8)))[0][0]
    z = nets.cnn_forward(p, longer[:, None])[0]
    assert z[0, 0] > z0[0] and z[1, 2] > z0[2]
    with pytest.raises(ValueError, match="classes must lie"):
        A.class_images(p, classes=[3], image_size=8)
