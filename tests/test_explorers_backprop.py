"""Explorers of notebook 05, headless: build, move a control, the display follows."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.explorers.backprop import (BACKWARD_STEPS, backward_stepper, descend,  # noqa: E402
                                        gradient_descent_explorer, step_factor, worked_example)
from helpers.gradcheck import numerical_gradient, rel_error  # noqa: E402


def test_descend_follows_the_contraction_factor():
    for lr, factor in [(0.05, 0.9), (0.4, 0.2), (1.1, 1.2), (0.75, 0.5)]:
        assert step_factor(lr) == pytest.approx(factor)
        path = descend(4.0, lr, 12, a_min=1.0)
        assert np.allclose(np.abs(path - 1.0), 3.0 * factor ** np.arange(13))


def test_gradient_descent_explorer_redraws_on_every_control():
    box = gradient_descent_explorer()
    assert isinstance(box, widgets.VBox)
    assert box.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    for name, value, words in [("lr", 1.1, "diverges"), ("lr", 0.05, "converges slowly"),
                               ("lr", 0.5, "one step"), ("lr", 0.8, "jumping across"),
                               ("start", -2.0, "started at 3"), ("steps", 3, "After 3 steps")]:
        before_image, before_text = box.image.value, box.summary.value
        box.controls[name].value = value
        assert box.summary.value != before_text, name
        assert box.image.value != before_image, name
        assert words in box.summary.value
    box.controls["presets"].value = 0.4
    assert box.controls["lr"].value == 0.4
    assert "0.20" in box.summary.value and "converges quickly" in box.summary.value


def test_backward_stepper_buttons_and_slider_move_the_highlight():
    box = backward_stepper()
    step, panel = box.controls["step"], box.panel
    assert step.value == 0 and "node E" in panel.value
    box.controls["previous"].click()                 # already at the first step: stays
    assert step.value == 0
    seen = [panel.value]
    images = [box.image.value]
    for k in range(1, len(BACKWARD_STEPS)):
        box.controls["next"].click()
        assert step.value == k
        assert f"node {BACKWARD_STEPS[k][0]}" in panel.value
        seen.append(panel.value)
        images.append(box.image.value)
    assert len(set(seen)) == len(seen) and len(set(images)) == len(images)
    box.controls["next"].click()                     # already at the last step: stays
    assert step.value == len(BACKWARD_STEPS) - 1
    # last step, identity: dE/dX of the integer example
    assert "[[ 2  0 -2]" in panel.value
    box.controls["activation"].value = "sigmoid"
    assert "0.0258" in panel.value and "[[ 2  0 -2]" not in panel.value
    step.value = 3
    assert "node W" in panel.value and "-0.0892" in panel.value


@pytest.mark.parametrize("activation", ["identity", "sigmoid"])
def test_worked_example_gradients_match_numerical_ones(activation):
    ex = worked_example(activation)
    x, f, W, b, y = (ex[k].copy() for k in ("x", "f", "W", "b", "y"))

    def loss(x=x, f=f, W=W, b=b):   # worked_example divides x by scale: hand it x * scale
        return worked_example(activation, x=x * ex["scale"], f=f, W=W, b=b, y=y)["E"]

    for key, arr in [("dx", x), ("df", f), ("dW", W), ("db", b)]:
        name = key[1:]
        num = numerical_gradient(lambda a: loss(**{name: a}), arr)
        assert rel_error(ex[key], num) < 1e-7, key


def test_worked_example_identity_is_all_integers():
    ex = worked_example("identity")
    assert np.array_equal(ex["z1"][0, 0], [[9, 32], [14, 26]])
    for key in ("z2", "do", "dz2", "dW", "db", "dz1", "df", "dx"):
        assert np.array_equal(ex[key], np.round(ex[key])), key
    with pytest.raises(ValueError, match="activation"):
        worked_example("relu")
