"""Headless tests of the explorers of notebooks 03 and 04: build each one, move a
control as a learner would, and check that what it displays changed accordingly."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from support import find_widget  # noqa: E402
from helpers.explorers.dense_sigmoid import (  # noqa: E402
    element_code, layer_statistics, saturation_explorer, shape_tracer,
)




def _cell_labels(html):
    """The numbers shown in the table cells, in document order."""
    import re
    return [int(t) for t in re.findall(r">(\d+)</td>", html)]


# ---------------------------------------------------------------- shape tracer

def test_shape_tracer_builds_a_widget():
    box = shape_tracer()
    assert isinstance(box, widgets.Box)
    view = find_widget(box, widgets.HTML)
    assert "source" in view.value and "result" in view.value


def test_shape_tracer_flatten_keeps_c_order():
    box = shape_tracer()
    view = find_widget(box, widgets.HTML)
    labels = _cell_labels(view.value)
    codes = [element_code((2, 2, 2), k) for k in range(8)]
    assert codes == [100, 101, 110, 111, 200, 201, 210, 211]
    assert labels == codes + codes              # source, then the flattened result
    assert "filter-major" in view.value


def test_shape_tracer_wrong_reshape_mixes_filters():
    box = shape_tracer()
    view = find_widget(box, widgets.HTML)
    find_widget(box, widgets.Dropdown, "operation").value = "transpose(1, 2, 0): to (H, W, F)"
    right = view.value
    assert "MIXED" not in right
    assert _cell_labels(right)[8:12] == [100, 101, 110, 111]     # result[:, :, 0] is filter 0
    find_widget(box, widgets.Dropdown, "operation").value = "reshape(H, W, F): wrong, mixes filters"
    wrong = view.value
    assert wrong != right and "MIXED" in wrong
    assert _cell_labels(wrong)[8:12] == [100, 110, 200, 210]     # every other number
    assert "maps.reshape(2, 2, 2)" in wrong


def test_shape_tracer_label_toggle_shows_positions():
    box = shape_tracer()
    view = find_widget(box, widgets.HTML)
    find_widget(box, widgets.ToggleButtons).value = "position"
    assert _cell_labels(view.value) == list(range(8)) * 2


def test_shape_tracer_2d_shape_swaps_the_operations():
    box = shape_tracer()
    view = find_widget(box, widgets.HTML)
    op = find_widget(box, widgets.Dropdown, "operation")
    before = view.value
    find_widget(box, widgets.Dropdown, "array shape").value = "(3 images, 4 features): a batch"
    assert view.value != before and "shape (3, 4)" not in before
    assert any(o.startswith(".T") for o in op.options)
    op.value = ".T: (D, N), one column per image"
    labels = _cell_labels(view.value)
    x = np.array(labels[:12]).reshape(3, 4)
    assert labels[12:] == x.T.ravel().tolist()
    assert "MIXED" not in view.value
    op.value = "reshape(D, N): wrong, mixes images"
    assert "MIXED" in view.value


@pytest.mark.parametrize("shape_label, size", [("(2 filters, 3, 3)", 18), ("(3 filters, 2, 3)", 18),
                                               ("(2 images, 6 features)", 12)])
def test_shape_tracer_every_operation_draws(shape_label, size):
    box = shape_tracer()
    view = find_widget(box, widgets.HTML)
    find_widget(box, widgets.Dropdown, "array shape").value = shape_label
    op = find_widget(box, widgets.Dropdown, "operation")
    seen = set()
    for option in op.options:
        op.value = option
        assert len(_cell_labels(view.value)) == 2 * size       # source and result
        seen.add(view.value)
    assert len(seen) == len(op.options)


# ---------------------------------------------------------------- saturation explorer

def test_saturation_explorer_reacts_to_scale_and_init():
    a = np.random.default_rng(1).uniform(size=(4, 300))
    box = saturation_explorer(a, n_neurons=20)
    image = find_widget(box, widgets.Image)
    stats = find_widget(box, widgets.HTML)
    assert image.value[:8] == b"\x89PNG\r\n\x1a\n"
    start_png, start_stats = image.value, stats.value
    assert "saturated (slope &lt; 0.01): 100.0 %" in start_stats   # uniform [0, 1), scale 1

    find_widget(box, widgets.Dropdown, "initialisation").value = "centred uniform [-1, 1)"
    find_widget(box, widgets.Button).click()                               # scale = 1/sqrt(D)
    scale = find_widget(box, widgets.FloatLogSlider)
    assert scale.value == pytest.approx(1 / np.sqrt(300), rel=1e-6)
    assert image.value != start_png
    assert "saturated (slope &lt; 0.01): 0.0 %" in stats.value

    scale.value = 0.5
    assert "0.0 %" not in stats.value


def test_layer_statistics():
    s = layer_statistics(np.array([0.0, 10.0, -10.0, 1.0]))
    assert s["saturated"] == 0.5 and s["max_slope"] == 0.25
    assert s["mean"] == pytest.approx(0.25)


def test_saturation_explorer_rejects_a_vector():
    with pytest.raises(ValueError, match="shape"):
        saturation_explorer(np.zeros(10))


def test_saturation_explorer_uses_the_safe_palette(monkeypatch):
    from matplotlib.colors import to_rgb

    import helpers.explorers.dense_sigmoid as module
    from helpers.explorers._style import OKABE_ITO

    figures = []
    monkeypatch.setattr(module, "_png", lambda fig: figures.append(fig) or b"\x89PNG")
    saturation_explorer(np.random.default_rng(2).uniform(size=(3, 50)), n_neurons=5)
    lines = figures[-1].axes[0].get_lines()
    safe = {to_rgb(c) for c in OKABE_ITO.values()}
    assert len(lines) == 2 and all(to_rgb(line.get_color()) in safe for line in lines)
    assert lines[0].get_linestyle() != lines[1].get_linestyle()     # told apart without colour
