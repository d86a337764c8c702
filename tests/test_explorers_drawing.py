"""Headless tests of the draw-a-digit explorer (notebook 11): mouse events are sent to the
canvas as the browser sends them (``Canvas._handle_frontend_event``), and what the explorer
shows must follow the drawing: the network's probabilities, the pictures, Clear."""

import os
import re

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from ipycanvas import Canvas  # noqa: E402
from ipycanvas.canvas import COMMANDS  # noqa: E402

from support import find_widget  # noqa: E402
from helpers import nets, train  # noqa: E402
from helpers.data import load_mnist  # noqa: E402
from helpers.drawing import prepare_drawing  # noqa: E402
from helpers.explorers._static import WIDGET_VIEW  # noqa: E402
from helpers.explorers.drawing import _mosaic, _read, draw_a_digit  # noqa: E402
from helpers.layers import softmax  # noqa: E402
from helpers.gradcheck import numerical_gradient  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), (x_test, y_test) = load_mnist(source="bundled")
    return x_train, y_train, x_test, y_test


@pytest.fixture(scope="module")
def params(digits):
    """The improved CNN after 2,000 training digits (about 90% right: enough to read a 7)."""
    x_train, y_train = digits[0][:2000], digits[1][:2000]
    trained, _ = train.fit(nets.IMPROVED_CNN, nets.init_improved_cnn(seed=0), x_train, y_train,
                           loss="softmax_cross_entropy", optimizer=train.adam(2e-3),
                           batch_size=64, epochs=1, seed=0, progress=False)
    return trained


def mouse(box, event, x, y):
    """What the browser sends when the mouse does ``event`` at canvas pixel (x, y)."""
    box.canvas._handle_frontend_event(None, {"event": event, "x": x, "y": y}, [])


def stroke(box, points):
    mouse(box, "mouse_down", *points[0])
    for x, y in points[1:]:
        mouse(box, "mouse_move", x, y)
    mouse(box, "mouse_up", *points[-1])


def probabilities(box):
    """The probability the readout gives for the class it names."""
    text = box.children[-1].value
    match = re.search(r"reads <b>(\d)</b> with probability ([0-9.]+)", text)
    return (int(match.group(1)), float(match.group(2))) if match else None


def picture(box):
    return find_widget(box, widgets.Image).value


# ------------------------------------------------------------------ first state

def test_starts_with_the_mnist_digit_drawn_and_read(digits, params):
    x_test, y_test = digits[2], digits[3]
    box = draw_a_digit(params, x_test[0])
    assert isinstance(box.canvas, Canvas) and box.canvas.width == box.canvas.height == 280
    assert box.drawing.shape == (280, 280) and 0.9 < box.drawing.max() <= 1.0
    k, p = probabilities(box)
    # what the readout says is what the network gives for the prepared drawing
    z = train.predict_logits(nets.IMPROVED_CNN, params, prepare_drawing(box.drawing)[None])
    assert k == int(np.argmax(z)) == y_test[0]                          # the test set's first 7
    assert p == pytest.approx(float(softmax(z)[0, k]), abs=0.005)
    assert picture(box)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_blank_start_says_so(params):
    box = draw_a_digit(params)
    assert not box.drawing.any()
    assert "blank" in box.children[-1].value and probabilities(box) is None


def test_the_static_bundle_has_the_widget_the_picture_and_a_fixed_summary(digits, params):
    box = draw_a_digit(params, digits[2][0])
    data, metadata = box.static.bundle()
    assert WIDGET_VIEW in data and data["image/png"][:4] == b"\x89PNG"
    assert data["text/plain"].startswith("Draw a digit: draw a digit with the mouse")
    assert not re.search(r"\d\.\d", data["text/plain"])        # no trained number in the summary
    assert metadata["image/png"]["alt"] == data["text/plain"]


# ------------------------------------------------------------------ drawing

def test_a_stroke_changes_the_drawing_the_probabilities_and_the_pictures(digits, params):
    box = draw_a_digit(params, digits[2][0], throttle=0)
    before_p, before_png, before_ink = probabilities(box), picture(box), box.drawing.sum()
    # a horizontal bar across the top of the 7's stem and a loop: no longer a clean 7
    stroke(box, [(60, 200), (120, 200), (180, 200), (220, 200)])
    stroke(box, [(100, 100), (60, 140), (100, 180), (140, 140), (100, 100)])
    assert box.drawing.sum() > before_ink
    assert probabilities(box) != before_p
    assert picture(box) != before_png


def test_the_pen_is_22_pixels_wide(params):
    box = draw_a_digit(params, throttle=0)
    stroke(box, [(60, 200), (120, 200), (220, 200)])
    column = box.drawing[:, 150]
    assert (column == 1.0).sum() in (21, 22) and column.sum() == pytest.approx(22, abs=0.5)


def test_the_mouse_without_the_button_draws_nothing(params):
    box = draw_a_digit(params, throttle=0)
    mouse(box, "mouse_move", 100, 100)
    mouse(box, "mouse_move", 150, 150)
    assert not box.drawing.any() and box.state["redraws"] == 1      # the first picture only


def test_a_click_draws_a_dot_and_leaving_the_canvas_ends_the_stroke(params):
    box = draw_a_digit(params, throttle=0)
    mouse(box, "mouse_down", 140, 140)
    assert box.drawing[140, 140] == 1.0
    mouse(box, "mouse_out", 279, 140)
    mouse(box, "mouse_move", 200, 200)
    assert box.drawing[200, 200] == 0.0


def test_redraws_are_throttled_while_the_button_is_held(digits, params):
    box = draw_a_digit(params, digits[2][0], throttle=60.0)
    start = box.state["redraws"]
    mouse(box, "mouse_down", 50, 50)
    for k in range(1, 30):
        mouse(box, "mouse_move", 50 + 5 * k, 50)
    assert box.state["redraws"] == start             # a minute between redraws: none yet
    assert box.state["pending"] and box.drawing[50, 150] == 1.0   # but the drawing followed
    mouse(box, "mouse_up", 195, 50)
    assert box.state["redraws"] == start + 1 and not box.state["pending"]


def test_clear_erases_everything_and_drawing_again_works(digits, params):
    box = draw_a_digit(params, digits[2][0], throttle=0)
    find_widget(box, widgets.Button, "Clear").click()
    assert not box.drawing.any()
    assert probabilities(box) is None and "blank" in box.children[-1].value
    blank_png = picture(box)
    stroke(box, [(140, 60), (140, 220)])                               # a vertical bar: a 1
    assert probabilities(box) is not None and picture(box) != blank_png
    assert probabilities(box)[0] == 1


def test_a_late_canvas_is_repainted_from_the_kernel(digits, params):
    """Voila displays the canvas after the cell ran: commands sent before are lost, so the
    canvas asks (client_ready) and the kernel sends its whole drawing again."""
    box = draw_a_digit(params, digits[2][0])
    sent, batches = [], []
    box.canvas.put_image_data = lambda image, x=0, y=0: sent.append(np.array(image))
    manager = box.canvas._canvas_manager
    assert manager._current_canvas is box.canvas        # ipycanvas believes the browser knows it
    original = manager._send_custom
    manager._send_custom = lambda command, buffers=[]: batches.append(command)
    try:
        box.canvas._handle_frontend_event(None, {"event": "client_ready"}, [])
    finally:
        manager._send_custom = original
    assert len(sent) == 1 and sent[0].shape == (280, 280, 4)
    np.testing.assert_array_equal(sent[0][..., 3], np.round(box.drawing * 255).astype(np.uint8))
    # the batch starts by telling the (new) browser which canvas the commands are for
    assert batches and batches[0][0][0] == COMMANDS["switchCanvas"]


# ------------------------------------------------------------------ pieces

def test_saliency_is_the_gradient_of_the_top_score(params, digits):
    """Checked by finite differences in float64, on a digit with a little noise added: on the
    plain digit, max-pool windows over the flat background tie, and there one winner's
    gradient and a finite difference legitimately disagree (notebook 09). A step of 1e-8:
    with the default 1e-5, a few of the 18,000 ReLU inputs lie closer than the step to 0,
    and the finite difference then straddles the kink (22 pixels off by up to 0.009)."""
    noise = np.random.default_rng(0).random((28, 28)) * 0.01
    x = digits[2][0].astype(np.float64) / 255 + noise
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    p, k, sal = _read(p64, x)
    assert p.shape == (10,) and p.sum() == pytest.approx(1.0) and k == int(np.argmax(p))
    image = x.copy()
    score = lambda *_: float(nets.cnn_forward(p64, image[None, None])[0][0, k])   # noqa: E731
    num = numerical_gradient(score, image, h=1e-8)
    assert np.abs(sal - num).max() < 1e-5 and np.abs(num).max() > 0.01


def test_mosaic_tiles_the_maps_with_gaps():
    maps = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2)
    out = _mosaic(maps, columns=2)
    assert out.shape == (5, 5)
    np.testing.assert_array_equal(out[:2, :2], maps[0])
    np.testing.assert_array_equal(out[:2, 3:], maps[1])
    np.testing.assert_array_equal(out[3:, :2], maps[2])
    assert np.isnan(out[2]).all() and np.isnan(out[3:, 3:]).all()


def test_bad_arguments_are_named(params):
    with pytest.raises(TypeError, match="params must be the improved CNN's parameters"):
        draw_a_digit({"w1": 1})
    with pytest.raises(ValueError, match="stroke must be a positive number, got 0"):
        draw_a_digit(params, stroke=0)
    with pytest.raises(ValueError, match="digit is blank"):
        draw_a_digit(params, np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"params must have the keys .*got \['w1', 'W3'\]"):
        draw_a_digit({"w1": params["w1"], "W3": params["W3"]})
    with pytest.raises(TypeError, match="size must be an integer, got 280.5"):
        draw_a_digit(params, size=280.5)           # was silently cut to 280
    with pytest.raises(ValueError, match="size must be <= 4096, got 100000"):
        draw_a_digit(params, size=100_000)
    with pytest.raises(ValueError, match="stroke must be a positive number, got nan"):
        draw_a_digit(params, stroke=float("nan"))
    with pytest.raises(ValueError, match="stroke must be a positive number, got 300"):
        draw_a_digit(params, stroke=300)
    with pytest.raises(TypeError, match="throttle must be a positive number, got '1'"):
        draw_a_digit(params, throttle="1")
    with pytest.raises(ValueError, match="digit must hold finite grey levels, got inf"):
        draw_a_digit(params, np.full((28, 28), np.inf))
