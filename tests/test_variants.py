"""helpers.variants: the article's network with switches (notebook 10's lab).

The variant network must be the article's network when the switches are off, its backward
pass must be the true gradient (checked by central differences) except for the article's
standardization, which it deliberately does not differentiate, and the measurements of
run_variant must be what they claim."""

import math

import numpy as np
import pytest

from helpers import nets, variants
from helpers.gradcheck import numerical_gradient, rel_error


def _params(init="scaled", image_size=10, seed=0):
    return nets.init_article_net(10, init=init, bias=True, image_size=image_size, seed=seed,
                                 dtype=np.float64)


def _data(n=4, size=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.05, 1.0, size=(n, 1, size, size))
    y = np.arange(n) % 10
    return x, y


def test_choices_list_the_article_first():
    assert variants.ARTICLE_CHOICES == {"init": "uniform", "activation": "sigmoid",
                                        "standardize": True, "reduction": "sum", "head": "sigmoid"}
    assert variants.FIXED_CHOICES == {"init": "scaled", "activation": "relu",
                                      "standardize": False, "reduction": "mean", "head": "softmax"}


def test_forward_without_switches_is_the_articles_network():
    params = _params()
    x, _ = _data()
    s, _ = variants.variant_forward(params, x, activation="sigmoid", standardize=False)
    z2, _ = nets.article_forward(params, x)
    assert np.allclose(s, z2, rtol=1e-12)


def test_standardize_gives_zero_mean_unit_std_and_keeps_the_argmax():
    params = _params(init="uniform")
    x, _ = _data(n=6)
    s, _ = variants.variant_forward(params, x, standardize=True)
    z2, _ = variants.variant_forward(params, x, standardize=False)
    assert abs(s.mean()) < 1e-12 and math.isclose(s.std(), 1.0, rel_tol=1e-12)
    assert np.array_equal(s.argmax(axis=1), z2.argmax(axis=1))


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("head", ["softmax", "sigmoid"])
def test_backward_is_the_true_gradient_without_standardization(activation, head):
    params = _params()
    params["b1"][:] = 0.05                 # keep relu's z1 away from its kink at 0
    x, y = _data()
    options = dict(activation=activation, standardize=False, head=head, reduction="mean")
    _, _, grads, _ = variants.variant_step(params, x, y, **options)
    for key in ("w1", "b1", "b2"):
        numerical = numerical_gradient(
            lambda a: variants.variant_step({**params, key: a}, x, y, **options)[0], params[key])
        assert rel_error(numerical, grads[key]) < 1e-6, key
    # W2 is large: check a few entries.
    W2 = params["W2"]
    for idx in [(0, 0), (5, 3), (W2.shape[0] - 1, 9)]:
        old = W2[idx]
        W2[idx] = old + 1e-5
        plus = variants.variant_step(params, x, y, **options)[0]
        W2[idx] = old - 1e-5
        minus = variants.variant_step(params, x, y, **options)[0]
        W2[idx] = old
        assert math.isclose((plus - minus) / 2e-5, grads["W2"][idx], rel_tol=1e-5, abs_tol=1e-10)


def test_standardization_is_skipped_in_the_backward_pass():
    params = _params()
    x, y = _data()
    options = dict(activation="sigmoid", head="softmax", reduction="mean")
    _, s, grads_std, cache = variants.variant_step(params, x, y, standardize=True, **options)
    # The hack: the same ds goes into the unstandardized backward pass.
    _, ds = variants.variant_loss(s, y, head="softmax", reduction="mean")
    hand = variants.variant_backward(ds, cache)
    assert all(np.array_equal(hand[k], grads_std[k]) for k in grads_std)
    numerical = numerical_gradient(
        lambda w1: variants.variant_step({**params, "w1": w1}, x, y, standardize=True, **options)[0],
        params["w1"])
    assert rel_error(numerical, grads_std["w1"]) > 0.1        # not the loss's gradient


def test_sum_reduction_is_n_times_the_mean():
    params = _params()
    x, y = _data(n=5)
    g_mean = variants.variant_step(params, x, y, reduction="mean")[2]
    g_sum = variants.variant_step(params, x, y, reduction="sum")[2]
    for k in g_mean:
        assert np.allclose(g_sum[k], 5 * g_mean[k], rtol=1e-12)


def test_uniform_init_with_sigmoid_outputs_has_exactly_zero_gradients():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)
    y = np.arange(6)
    r = variants.run_variant(x, y, init="uniform", activation="sigmoid", standardize=False,
                             reduction="mean", head="sigmoid", steps=3, lr=0.1)
    assert r["out_saturated"] == 1.0
    assert all(v == 0.0 for v in r["grad_norms"].values())
    assert r["loss"] == [4.5] * 4 and r["finite"]


def test_run_variant_is_seeded_and_records_every_step():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 256, size=(8, 28, 28)).astype(np.uint8)
    y = np.arange(8)
    a = variants.run_variant(x, y, steps=4, lr=0.1, seed=2, x_val=x[:4], y_val=y[:4])
    b = variants.run_variant(x, y, steps=4, lr=0.1, seed=2, x_val=x[:4], y_val=y[:4])
    assert a["loss"] == b["loss"] and a["val_accuracy"] == b["val_accuracy"]
    assert len(a["loss"]) == 5 and a["final_loss"] == a["loss"][-1]
    assert set(a["grad_norms"]) == {"w1", "b1", "W2", "b2"}
    assert 0 <= a["train_accuracy"] <= 1 and a["n"] == 8


def test_run_variant_flags_divergence():
    # lr * gradient overflows float32 at the first update: every later number is inf or nan.
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, size=(8, 28, 28)).astype(np.uint8)
    y = np.arange(8)
    r = variants.run_variant(x, y, init="uniform", activation="relu", standardize=False,
                             reduction="sum", head="softmax", steps=6, lr=1e38, x_val=x, y_val=y)
    assert not r["finite"] and len(r["loss"]) == 7
    assert math.isnan(r["final_loss"]) and math.isnan(r["val_accuracy"])


def test_grid_covers_every_combination_or_the_fixed_ones():
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, size=(4, 28, 28)).astype(np.uint8)
    y = np.arange(4)
    part = variants.variant_grid(x, y, steps=1, fixed={"head": "softmax", "init": "scaled",
                                                       "reduction": "mean"})
    assert len(part) == 4
    assert all(k[0] == "scaled" and k[3] == "mean" and k[4] == "softmax" for k in part)
    r = part[variants.grid_key("scaled", "relu", False, "mean", "softmax")]
    assert r["activation"] == "relu" and r["standardize"] is False


def test_bad_switch_values_are_refused():
    x, y = _data()
    with pytest.raises(ValueError, match="activation"):
        variants.variant_forward(_params(), x, activation="tanh")
    with pytest.raises(ValueError, match="head"):
        variants.variant_loss(np.zeros((2, 10)), np.array([0, 1]), head="linear")
    with pytest.raises(ValueError, match="init"):
        variants.run_variant(np.zeros((2, 28, 28), np.uint8), np.array([0, 1]), init="normal")
