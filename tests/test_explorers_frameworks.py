"""Notebook 13's weight-copy explorer: its NumPy emulation of Keras, and its controls."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")
from helpers import keras_bridge as kb  # noqa: E402
from helpers import nets  # noqa: E402
from helpers.explorers import frameworks as E  # noqa: E402

COPIES = [(k, d) for k in E.KERNEL_COPIES for d in E.DENSE_COPIES]


def setup():
    params = nets.init_article_net(10, init="scaled", bias=True, seed=0)
    x = np.random.default_rng(0).integers(0, 256, (5, 28, 28)).astype(np.uint8)
    z, _ = nets.article_forward(params, nets.prepare_images(x))
    return params, x, z


@pytest.mark.parametrize("kernel_copy, dense_copy", COPIES)
def test_only_the_right_copies_give_our_network(kernel_copy, dense_copy):
    params, x, z = setup()
    z_copy = E.keras_copy_logits(params, x, kernel_copy, dense_copy)
    right = kernel_copy == E.KERNEL_COPIES[0] and "wrong" not in dense_copy
    assert (kb.scaled_error(z_copy, z) < 1e-5) == right
    if not right:
        assert kb.scaled_error(z_copy, z) > 1e-2
    # the effective weights, run through OUR forward, give the same logits
    w_eff, W_eff = E.effective_weights(params, kernel_copy, dense_copy)
    z_eff, _ = nets.article_forward({**params, "w1": w_eff, "W2": W_eff},
                                    nets.prepare_images(x))
    assert kb.scaled_error(z_eff, z_copy) < 1e-5
    if right:
        assert np.array_equal(w_eff, params["w1"]) and np.array_equal(W_eff, params["W2"])


def test_bad_copy_names_are_refused():
    params, x, _ = setup()
    with pytest.raises(ValueError, match="kernel_copy"):
        E.keras_copy_logits(params, x, "transpose", E.DENSE_COPIES[0])
    with pytest.raises(ValueError, match="dense_copy"):
        E.effective_weights(params, E.KERNEL_COPIES[0], "perm")


def test_explorer_reports_and_redraws():
    params, x, _ = setup()
    box = E.weight_copy_explorer(x, params, class_names=[f"class {k}" for k in range(10)])
    kernel_box, dense_box = [w for w in box.children if isinstance(w, widgets.ToggleButtons)]
    image_slider = next(w for w in box.children if isinstance(w, widgets.IntSlider))
    summary = box.children[-2]
    picture = box.children[-1]
    assert picture.value[:4] == b"\x89PNG" and "same network" in summary.value
    assert "5 of 5 images" in summary.value
    before = picture.value
    dense_box.value = E.DENSE_COPIES[1]
    assert "a different network" in summary.value and picture.value != before
    dense_box.value = E.DENSE_COPIES[2]
    assert "same network" in summary.value
    kernel_box.value = E.KERNEL_COPIES[1]
    assert "a different network" in summary.value
    before = picture.value
    image_slider.value = 3
    assert picture.value != before


def test_emulation_matches_keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if os.environ["KERAS_BACKEND"] != "jax":
        pytest.skip("KERAS_BACKEND is not jax")
    pytest.importorskip("keras")
    params, x, _ = setup()
    for kernel_copy, dense_copy in COPIES:
        data_format = "channels_first" if "first" in dense_copy else "channels_last"
        model = kb.article_model(params, data_format)
        model.get_layer("conv1").kernel.assign(E._keras_kernel(params["w1"], kernel_copy))
        model.get_layer("dense2").kernel.assign(E._keras_dense(params["W2"], (3, 24, 24),
                                                               dense_copy))
        z_keras = np.asarray(model(kb.images_to_keras(x, data_format)))
        assert kb.scaled_error(E.keras_copy_logits(params, x, kernel_copy, dense_copy),
                               z_keras) < 1e-5
