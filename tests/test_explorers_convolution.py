"""The explorers of notebooks 01-02 build headless, react to their controls and show the
right numbers (run with MPLBACKEND=Agg; they draw with matplotlib's Agg canvas anyway)."""

import re

import ipywidgets as widgets
import numpy as np
import pytest
from scipy.signal import correlate2d

from helpers.explorers.convolution import (
    PRESET_FILTERS,
    correlate2d as explorer_correlate2d,
    draw_network_overview,
    filter_editor,
    output_size_explorer,
    step_explorer,
    window_explorer,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
X3 = np.array([[1, 7, 2], [11, 1, 23], [2, 2, 2]])
W2 = np.array([[1, 1], [0, 1]])


@pytest.fixture
def digit():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(12, 10)).astype(np.uint8)


def _bold(readout):
    """The numbers written in bold in a readout."""
    return [float(v) for v in re.findall(r"<b>(-?[0-9.e+-]+)</b>", readout.value)]


def _state(box):
    return box.readout.value, bytes(box.figure.value)


def test_correlate2d_matches_scipy(digit):
    for w in PRESET_FILTERS.values():
        np.testing.assert_allclose(explorer_correlate2d(digit, w),
                                   correlate2d(digit.astype(float), w, mode="valid"))


def test_window_explorer_follows_its_sliders(digit):
    box = window_explorer(digit)
    assert isinstance(box, widgets.VBox)
    assert bytes(box.figure.value).startswith(PNG_MAGIC)
    before = _state(box)
    box.controls["row"].value = 2
    box.controls["col"].value = 5
    after = _state(box)
    assert after[0] != before[0] and after[1] != before[1]
    w = PRESET_FILTERS[box.controls["filter"].value]
    expected = np.sum(digit[2:5, 5:8].astype(float) * w)
    assert "z[2, 5]" in box.readout.value
    assert _bold(box.readout) == [pytest.approx(expected, rel=1e-5)]


def test_window_explorer_changes_filter(digit):
    box = window_explorer(digit)
    box.controls["row"].value, box.controls["col"].value = 4, 3
    before = _state(box)
    box.controls["filter"].value = "blur"
    assert _state(box) != before
    assert _bold(box.readout) == [pytest.approx(digit[4:7, 3:6].mean(), rel=1e-5)]
    # the sliders stop where the 3x3 window still fits
    assert box.controls["row"].max == digit.shape[0] - 3
    assert box.controls["col"].max == digit.shape[1] - 3


def test_window_explorer_refuses_a_batch():
    with pytest.raises(ValueError, match="2-D"):
        window_explorer(np.zeros((2, 5, 5)))


def test_filter_editor_preset_and_weights(digit):
    box = filter_editor(digit)
    boxes = box.controls["weights"]
    before = _state(box)
    box.controls["preset"].value = "blur"
    assert _state(box) != before
    w = np.array([[b.value for b in line] for line in boxes])
    np.testing.assert_allclose(w, PRESET_FILTERS["blur"])
    z = correlate2d(digit.astype(float), w, mode="valid")
    assert _bold(box.readout) == [pytest.approx(z.min(), rel=1e-3), pytest.approx(z.max(), rel=1e-3)]

    before = _state(box)
    boxes[1][1].value = -3.0                     # edit one weight by hand
    assert _state(box) != before
    w[1, 1] = -3.0
    z = correlate2d(digit.astype(float), w, mode="valid")
    assert _bold(box.readout) == [pytest.approx(z.min(), rel=1e-3), pytest.approx(z.max(), rel=1e-3)]
    assert f"sum of the weights = {w.sum():.4g}" in box.readout.value


def test_step_explorer_walks_the_3x3_example():
    box = step_explorer(X3, W2)
    assert "step 1 of 4" in box.readout.value
    sums = []
    for k in range(4):
        box.controls["step"].value = k
        sums.append(_bold(box.readout)[0])
    assert sums == [9, 32, 14, 26]
    assert "z[1, 0] = 11&middot;1 + 1&middot;1 + 2&middot;0 + 2&middot;1" in _step_readout(box, 2)


def _step_readout(box, k):
    box.controls["step"].value = k
    return box.readout.value


def test_step_explorer_next_button_wraps_around():
    box = step_explorer(X3, W2)
    before = _state(box)
    box.controls["next"].click()
    assert box.controls["step"].value == 1
    assert _state(box) != before
    for _ in range(3):
        box.controls["next"].click()
    assert box.controls["step"].value == 0


def test_output_size_explorer_reports_size_and_loss():
    box = output_size_explorer(n=7, f=3, padding=0, stride=2)
    assert _bold(box.readout) == [3]                  # (7 - 3) // 2 + 1, nothing lost
    assert "every row and column is read" in box.readout.value
    before = _state(box)
    box.controls["n"].value = 8                       # (8 - 3) // 2 + 1 = 3, 1 row lost
    after = _state(box)
    assert after[0] != before[0] and after[1] != before[1]
    assert _bold(box.readout) == [3, 1]
    box.controls["padding"].value = 1                 # (8 + 2 - 3) // 2 + 1 = 4, 1 lost
    assert _bold(box.readout) == [4, 1]
    box.controls["stride"].value = 1
    assert _bold(box.readout) == [8]


def test_output_size_explorer_window_too_large():
    box = output_size_explorer(n=3, f=3, padding=0, stride=1)
    box.controls["f"].value = 6
    assert "larger than" in box.readout.value
    assert bytes(box.figure.value).startswith(PNG_MAGIC)


def test_network_overview_draws():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    draw_network_overview(ax)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "forward propagation" in texts and "backward propagation" in texts
    assert len(ax.patches) == 5


# ---- colour-blind-safe colours (issue 11) --------------------------------------------------

_RED_GREEN = ("tab:red", "tab:green", "red", "green", "#2ca02c", "#d62728", "#1f77b4")


def _banned(colour):
    from matplotlib.colors import to_rgb

    return to_rgb(colour) in {to_rgb(c) for c in _RED_GREEN}


def _capture(monkeypatch):
    import helpers.explorers.convolution as module

    figures = []
    monkeypatch.setattr(module, "_png", lambda fig: figures.append(fig) or PNG_MAGIC)
    return figures


def test_explorers_use_the_safe_palette(monkeypatch, digit):
    from helpers.explorers._style import OKABE_ITO

    figures = _capture(monkeypatch)
    window_explorer(digit)
    step_explorer(X3, W2)
    output_size_explorer(n=8, f=3, padding=0, stride=2)          # one row and column unread
    patches = [p for fig in figures for ax in fig.axes for p in ax.patches]
    edges = [p.get_edgecolor() for p in patches if p.get_edgecolor()[3] > 0]
    faces = [p.get_facecolor() for p in patches if p.get_fill() and p.get_facecolor()[3] > 0]
    lines = [line.get_color() for fig in figures for ax in fig.axes for line in ax.get_lines()]
    assert edges and lines and not any(_banned(c) for c in edges + faces + lines)
    unread = [p for p in figures[-1].axes[0].patches if p.get_hatch() == "xx"]
    assert len(unread) == 8 * 8 - 7 * 7                          # marked by a hatch, not only a hue
    assert all(c[:3] == to_rgb_(OKABE_ITO["vermillion"]) for c in (p.get_facecolor() for p in unread))


def to_rgb_(colour):
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def test_network_overview_tells_the_passes_apart_without_colour():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    draw_network_overview(ax)
    arrows = [t.arrow_patch for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 8 and not any(_banned(p.get_edgecolor()) for p in arrows)
    styles = {p.get_linestyle() for p in arrows}
    assert len(styles) == 2                                      # forward solid, backward dashed
    assert not any(_banned(p.get_facecolor()) for p in ax.patches)
