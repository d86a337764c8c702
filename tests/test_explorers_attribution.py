"""Headless tests of notebook 11's explorers and figure: build each one, move a control as a
learner would, and check that what it displays changed accordingly."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from support import find_widget  # noqa: E402
from helpers import nets  # noqa: E402
from helpers.explorers.attribution import attribution_explorer, fgsm_explorer, plot_maps  # noqa: E402


def _find_all(box, cls):
    out, stack = [], [box]
    while stack:
        w = stack.pop(0)
        if isinstance(w, cls):
            out.append(w)
        stack.extend(getattr(w, "children", ()))
    return out


def _net_and_digits(n=3):
    params = nets.init_improved_cnn(seed=0)
    params["b1"][:] = 0.05                               # open relus: nonzero gradients
    rng = np.random.default_rng(0)
    x = np.zeros((n, 28, 28), np.uint8)
    for k in range(n):                                   # a bar at a different place each
        x[k, 6:22, 8 + 4 * k:12 + 4 * k] = rng.integers(150, 256, (16, 4))
    return params, x, np.arange(n)


def test_plot_maps_draws_one_axis_per_map_with_titles():
    a = np.random.default_rng(1).random((28, 28))
    fig = plot_maps([[a, a - 0.5, a], [a, a, a]], [["x", "signed", "map"]] * 2,
                    ["image", "signed", "map"])
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes[:3]] == ["x", "signed", "map"]
    lo, hi = fig.axes[1].images[0].get_clim()
    assert lo == -hi                                     # signed maps are centred on 0
    fig = plot_maps([[a, a], [a - 0.5, a]], cmaps=[["image", "image"], ["signed", "map"]])
    assert fig.axes[2].images[0].get_clim()[0] == -fig.axes[2].images[0].get_clim()[1]
    assert fig.axes[0].images[0].get_clim() == (0, 1)


def test_fgsm_explorer_reacts_to_eps_and_image():
    params, x, y = _net_and_digits()
    box = fgsm_explorer(params, x, y, eps=0.0)
    image_slider, eps_slider = find_widget(box, widgets.IntSlider), find_widget(box, widgets.FloatSlider)
    summary = _find_all(box, widgets.HTML)[1]
    picture, bars = _find_all(box, widgets.Image)
    assert picture.value[:4] == b"\x89PNG" and bars.value[:4] == b"\x89PNG"
    assert "eps = 0.00" in summary.value and "largest pixel change 0.00" in summary.value
    before = (picture.value, bars.value)
    eps_slider.value = 0.2
    assert "eps = 0.20" in summary.value and "largest pixel change 0.20" in summary.value
    assert picture.value != before[0] and bars.value != before[1]
    image_slider.value = 2
    assert "true digit <b>2</b>" in summary.value
    assert box.static.summary().endswith("(image: 2; eps: 0.2)")


def test_attribution_explorer_reacts_to_the_square_and_image():
    params, x, y = _net_and_digits()
    box = attribution_explorer(params, x, y)
    image_slider = _find_all(box, widgets.IntSlider)[0]
    square = _find_all(box, widgets.IntSlider)[1]
    summary = _find_all(box, widgets.HTML)[1]
    picture = find_widget(box, widgets.Image)
    assert "correlation" in summary.value and picture.value[:4] == b"\x89PNG"
    before = picture.value
    square.value = 10
    assert picture.value != before
    image_slider.value = 1
    assert "true digit <b>1</b>" in summary.value
    assert box.static.summary().endswith("(image: 1; square: 10; fill: background 0)")
    before = picture.value
    find_widget(box, widgets.ToggleButtons).value = 0.5
    assert picture.value != before


@pytest.mark.parametrize("build, error, fragments", [
    (lambda p, x, y: fgsm_explorer({"w1": p["w1"]}, x, y), ValueError, ["params", "['w1']"]),
    (lambda p, x, y: fgsm_explorer(p, x, y[:2]), ValueError, ["labels", "(2,)"]),
    (lambda p, x, y: fgsm_explorer(p, x, [0, 1, np.nan]), ValueError, ["labels", "nan"]),
    (lambda p, x, y: fgsm_explorer(p, x, y, eps=0.5), ValueError, ["eps", "0.5"]),
    (lambda p, x, y: fgsm_explorer(p, x, y, max_eps=0), ValueError, ["max_eps", "got 0"]),
    (lambda p, x, y: fgsm_explorer(p, x.astype(float), y), ValueError, ["x", "255"]),
    (lambda p, x, y: attribution_explorer(p, x, y, size=5), ValueError, ["size", "5"]),
    (lambda p, x, y: attribution_explorer(p, x, y, stride=0), ValueError, ["stride", "got 0"]),
    (lambda p, x, y: attribution_explorer(p, x, y, fill=0.3), ValueError, ["fill", "0.3"]),
    (lambda p, x, y: attribution_explorer(p, x, ["a", "b", "c"]), TypeError, ["labels", "<U1"]),
], ids=["params", "labels-length", "labels-nan", "eps", "max_eps", "x-0..255", "size",
        "stride", "fill", "labels-strings"])
def test_bad_arguments_are_named_before_any_widget_is_built(build, error, fragments):
    params, x, y = _net_and_digits()
    with pytest.raises(error) as info:
        build(params, x, y)
    assert all(f in str(info.value) for f in fragments), (str(info.value), fragments)
