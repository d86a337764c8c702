"""helpers.keras_bridge: layouts (NumPy only), then the Keras models against helpers' nets.

The Keras tests use small inputs (a few images, few channels) to stay fast; the
import of Keras and JAX costs a few seconds once per process.
"""

import os

import numpy as np
import pytest

from helpers import keras_bridge as kb
from helpers import nets, train

TOL32 = 1e-5      # float32: about sqrt(n) * 1.2e-7 for sums of n ~ 1e3..1e4 terms
TOL64 = 1e-12


# ---------------------------------------------------------------- layouts (no Keras)

def test_conv_kernel_layout_matches_the_definition_and_round_trips():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((5, 3, 4, 2))               # F, C, KH, KW all different
    kernel = kb.conv_kernel_to_keras(w)
    assert kernel.shape == (4, 2, 3, 5)
    for f, c, a, b in np.ndindex(*w.shape):
        assert kernel[a, b, c, f] == w[f, c, a, b]
    assert np.array_equal(kb.conv_kernel_from_keras(kernel), w)
    assert not np.array_equal(kernel, w.reshape(4, 2, 3, 5))   # the reshape mistake differs
    with pytest.raises(ValueError, match="F, C, KH, KW"):
        kb.conv_kernel_to_keras(w[0])


def test_flatten_permutation_matches_a_loop_and_keeps_z():
    channels, height, width = 3, 4, 5
    perm = kb.flatten_permutation(channels, height, width)
    for f, i, j in np.ndindex(channels, height, width):
        assert perm[(i * width + j) * channels + f] == f * height * width + i * width + j
    assert sorted(perm) == list(range(channels * height * width))
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, channels, height, width))
    W = rng.standard_normal((channels * height * width, 4))
    z = a.reshape(2, -1) @ W
    W_keras = kb.dense_rows_to_keras(W, (channels, height, width))
    assert np.allclose(a.transpose(0, 2, 3, 1).reshape(2, -1) @ W_keras, z)
    assert np.array_equal(kb.dense_rows_from_keras(W_keras, (channels, height, width)), W)
    assert np.array_equal(kb.dense_rows_to_keras(W, (channels, height, width), "channels_first"), W)
    with pytest.raises(ValueError, match="shape"):
        kb.dense_rows_to_keras(W[:-1], (channels, height, width))
    with pytest.raises(ValueError, match="data_format"):
        kb.dense_rows_to_keras(W, (channels, height, width), "NCHW")


@pytest.mark.parametrize("kind", kb.KINDS)
@pytest.mark.parametrize("data_format", kb.DATA_FORMATS)
def test_params_round_trip_through_keras_layouts(kind, data_format):
    params = (nets.init_article_net(10, bias=True, seed=0) if kind == "article"
              else nets.init_improved_cnn(10, channels=(4, 6), seed=0))
    keras_params = kb.params_to_keras(kind, params, data_format)
    assert set(keras_params) == set(params)
    back = kb.params_from_keras(kind, keras_params, data_format)
    assert all(np.array_equal(back[k], params[k]) for k in params)
    assert kb.flatten_grid(kind, params) == ((3, 24, 24) if kind == "article" else (6, 7, 7))


def test_images_to_keras_layouts():
    x = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    last = kb.images_to_keras(x)
    first = kb.images_to_keras(x, "channels_first")
    assert last.shape == (2, 28, 28, 1) and first.shape == (2, 1, 28, 28)
    assert last.dtype == np.float32 and np.allclose(last[..., 0], x / 255)
    assert np.array_equal(first[:, 0], last[..., 0])


def test_scaled_error():
    ref = np.array([0.0, 2.0, -4.0])
    assert kb.scaled_error(ref, ref) == 0.0
    assert kb.scaled_error(ref + np.array([1e-3, 0, 0]), ref) == pytest.approx(1e-3 / 4)
    assert kb.scaled_error(np.ones(2), np.zeros(2)) == 1.0      # zero reference: plain difference
    with pytest.raises(ValueError, match=r"a and reference must have the same shape, got \(3,\) and \(2,\)"):
        kb.scaled_error(ref, ref[:2])


# ---------------------------------------------------------------- Keras (JAX backend)

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if os.environ["KERAS_BACKEND"] != "jax":
        pytest.skip("KERAS_BACKEND is not jax")
    pytest.importorskip("jax")
    pytest.importorskip("keras")
    return kb.import_keras()


def _batch(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


CASES = {
    "article+bias": ("article",
                     lambda: nets.init_article_net(10, init="scaled", bias=True, seed=1)),
    "article": ("article", lambda: nets.init_article_net(10, init="scaled", seed=2)),
    "cnn": ("cnn", lambda: nets.init_improved_cnn(10, channels=(4, 6), seed=3)),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("data_format", kb.DATA_FORMATS)
def test_copied_weights_give_equal_logits_loss_and_gradients(keras, case, data_format):
    kind, make = CASES[case]
    params = make()
    model = kb.build_model(kind, params, data_format)
    x, y = _batch()
    z0, loss0, g0 = kb.numpy_loss_and_grads(kind, params, x, y)
    z1, loss1, g1 = kb.keras_loss_and_grads(model, x, y)
    assert z1.shape == z0.shape == (4, 10)
    assert kb.scaled_error(z1, z0) < TOL32
    assert abs(loss1 - loss0) < TOL32 * loss0
    assert set(g1) == set(params)
    for key in params:
        assert g1[key].shape == params[key].shape
        assert kb.scaled_error(g1[key], g0[key]) < TOL32, key
    back = kb.model_params(model, kind, data_format)
    assert all(np.array_equal(back[k], params[k]) for k in params)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "half_squared_error"])
def test_one_output_losses_match(keras, loss):
    params = nets.init_article_net(1, init="scaled", bias=True, seed=4)
    model = kb.article_model(params)
    x, _ = _batch(6)
    y = np.array([0, 1, 1, 0, 1, 0])
    z0, loss0, g0 = kb.numpy_loss_and_grads("article", params, x, y, loss)
    z1, loss1, g1 = kb.keras_loss_and_grads(model, x, y, loss)
    assert abs(loss1 - loss0) < TOL32 * loss0
    assert all(kb.scaled_error(g1[k], g0[k]) < TOL32 for k in params)


def test_a_wrong_layout_is_caught(keras):
    """The comparison can fail: unpermuted dense rows or a reshaped kernel differ by O(1)."""
    params = nets.init_article_net(10, init="scaled", bias=True, seed=5)
    x, _ = _batch()
    z0, _ = nets.article_forward(params, x)
    model = kb.article_model(params)
    xk = kb.images_to_keras(x)
    model.get_layer("dense2").kernel.assign(params["W2"])          # no permutation
    assert kb.scaled_error(np.asarray(model(xk)), z0) > 1e-2
    model = kb.article_model(params)
    model.get_layer("conv1").kernel.assign(params["w1"].reshape(5, 5, 1, 3))
    assert kb.scaled_error(np.asarray(model(xk)), z0) > 1e-2


def test_flatten_channels_first_argument_reorders(keras):
    a = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    moved = np.asarray(keras.layers.Flatten(data_format="channels_first")(a))
    plain = np.asarray(keras.layers.Flatten()(a))
    assert np.array_equal(plain, a.reshape(2, -1))
    assert np.array_equal(moved, a.transpose(0, 2, 3, 1).reshape(2, -1))


def test_float64_agreement(keras):
    import jax

    with jax.enable_x64(True):
        for kind, make in (CASES["article+bias"], CASES["cnn"]):
            params = {k: v.astype(np.float64) for k, v in make().items()}
            model = kb.build_model(kind, params, dtype="float64")
            x, y = _batch(3)
            x = x.astype(np.float64)
            z0, loss0, g0 = kb.numpy_loss_and_grads(kind, params, x, y)
            z1, loss1, g1 = kb.keras_loss_and_grads(model, x, y)
            assert z1.dtype == np.float64
            assert kb.scaled_error(z1, z0) < TOL64 and abs(loss1 - loss0) < TOL64 * loss0
            assert all(kb.scaled_error(g1[k], g0[k]) < TOL64 for k in params)


def test_mismatched_params_are_refused(keras):
    params = nets.init_article_net(10, bias=True, seed=0)
    with pytest.raises(ValueError, match=r"params must have the keys .*'W3'"):
        kb.article_model({**params, "W3": params["W2"]})
    with pytest.raises(ValueError, match="kind"):
        kb.build_model("lenet", params)


def test_training_on_the_same_batches_follows_train_fit(keras):
    rng = np.random.default_rng(6)
    x = rng.integers(0, 256, (64, 28, 28)).astype(np.uint8)
    y = rng.integers(0, 10, 64)
    params0 = nets.init_improved_cnn(10, channels=(4, 6), seed=7)
    np_params, history = train.fit(nets.IMPROVED_CNN, params0, x, y, optimizer=train.adam(1e-3),
                                   batch_size=16, epochs=2, seed=8, progress=False,
                                   checkpoint_steps=[0, 1, 8])
    model = kb.compile_like_helpers(kb.cnn_model(params0), learning_rate=1e-3)
    keras_history = kb.keras_fit_same_batches(model, x, y, batch_size=16, epochs=2, seed=8,
                                              checkpoint_steps=[0, 1, 8])
    assert len(keras_history.loss) == len(history.loss) == 8
    assert len(keras_history.step_seconds) == 8 and keras_history.seconds > 0
    assert np.allclose(keras_history.loss, history.loss, atol=1e-3)
    assert abs(keras_history.loss[0] - history.loss[0]) < 1e-5      # same batch, same weights
    assert set(keras_history.checkpoints) == {0, 1, 8}
    for step in (0, 1):
        ours, theirs = history.checkpoints[step], keras_history.checkpoints[step]
        assert all(kb.scaled_error(theirs[k], ours[k]) < 1e-4 for k in ours)
    final = kb.model_params(model, "cnn")
    assert all(kb.scaled_error(final[k], np_params[k]) < 0.05 for k in final)
    pred = kb.keras_predict(model, x)
    assert pred.shape == (64,)
    assert np.mean(pred == train.predict(nets.IMPROVED_CNN, np_params, x)) > 0.9
    short = kb.keras_fit_same_batches(model, x, y, batch_size=16, max_steps=3)
    assert len(short.loss) == 3
