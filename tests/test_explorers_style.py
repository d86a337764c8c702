"""The explorers' colours are colour-blind safe, and right/wrong carries a mark as well.

Colour vision deficiency is simulated with Viénot, Brettel and Mollon's (1999) projections
for protanopia and deuteranopia (in linear RGB): the colours that tell right from wrong
must stay far apart there, where the red/green pair they replace does not.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import io  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers.explorers import _style as S  # noqa: E402
from helpers.explorers import backprop as B  # noqa: E402
from helpers.explorers import pooling as P  # noqa: E402

PROTANOPIA = np.array([[0.11238, 0.88762, 0.0], [0.11238, 0.88762, 0.0], [0.00401, -0.00401, 1.0]])
DEUTERANOPIA = np.array([[0.29275, 0.70725, 0.0], [0.29275, 0.70725, 0.0],
                         [-0.02234, 0.02234, 1.0]])
RED_GREEN = ("#2ca02c", "#d62728")        # what the time machine used before


def _linear(colour):
    c = np.array(to_rgb(colour))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _srgb(linear):
    c = np.clip(linear, 0, 1)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def seen_apart(a, b):
    """The smallest sRGB distance between a and b as protanopes and deuteranopes see them."""
    return min(np.linalg.norm(_srgb(m @ _linear(a)) - _srgb(m @ _linear(b)))
               for m in (PROTANOPIA, DEUTERANOPIA))


def test_right_and_wrong_stay_apart_without_red_green_vision():
    assert seen_apart(S.RIGHT_COLOUR, S.WRONG_COLOUR) > 0.6
    assert seen_apart(*RED_GREEN) < 0.2            # the old pair: nearly one colour
    assert S.verdict(True) == (S.RIGHT_MARK, S.RIGHT_COLOUR)
    assert S.verdict(False) == (S.WRONG_MARK, S.WRONG_COLOUR)
    assert S.RIGHT_MARK != S.WRONG_MARK


def test_the_marks_render_in_the_default_font():
    fig = Figure()
    fig.subplots().set_title(f"{S.RIGHT_MARK} 7 {S.WRONG_MARK} 3")
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # "Glyph ... missing from font" would raise
        fig.savefig(io.BytesIO(), format="png")


def _capture(monkeypatch, module):
    figures = []
    monkeypatch.setattr(module, "_png", lambda fig: figures.append(fig) or b"\x89PNG")
    return figures


def _no_red_or_green(colours):
    banned = {to_rgb(c) for c in ("tab:red", "tab:green", "red", "green", "#2ca02c", "#d62728")}
    return not any(to_rgb(c) in banned for c in colours)


def test_pooling_windows_differ_by_line_style_too(monkeypatch):
    figures = _capture(monkeypatch, P)
    crop = np.arange(36, dtype=float).reshape(6, 6)
    P._draw_routing(crop, 2, 2, P.RULES[0])
    ax_x = figures[-1].axes[0]
    windows = [(p.get_edgecolor(), p.get_linestyle()) for p in ax_x.patches]
    assert len(windows) == 9
    # neighbouring windows (i + j differs by 1) never share a colour or a line style
    grid = [windows[i * 3:(i + 1) * 3] for i in range(3)]
    for i in range(3):
        for j in range(2):
            assert grid[i][j][0] != grid[i][j + 1][0] and grid[i][j][1] != grid[i][j + 1][1]
    assert _no_red_or_green([c for c, _ in windows])


def test_unreached_rows_are_hatched_not_only_coloured(monkeypatch):
    figures = _capture(monkeypatch, P)
    P._draw_padding(np.zeros((28, 28)), P.OPERATIONS[1], 5, 0, 2)      # row/column 27 missed
    spans = [p for p in figures[-1].axes[0].patches if p.get_hatch()]
    assert len(spans) == 2 and all(p.get_hatch() == "xx" for p in spans)
    assert _no_red_or_green([p.get_facecolor() for p in figures[-1].axes[0].patches])


def test_backprop_explorers_use_the_safe_palette(monkeypatch):
    figures = _capture(monkeypatch, B)
    B.gradient_descent_explorer()
    lines = figures[-1].axes[0].get_lines()
    assert _no_red_or_green([line.get_color() for line in lines])
    markers = {line.get_label(): line.get_marker() for line in lines}
    assert (markers["start a2"], markers["minimum a1"]) == ("s", "*")   # told apart by shape
    B.backward_stepper().children[0].children[1].children[1].click()      # next step
    graph = figures[-1]
    arrows = [p for p in graph.axes[0].patches if type(p).__name__ == "FancyArrowPatch"]
    backward = [p for p in arrows if to_rgb(p.get_edgecolor()) == to_rgb(S.OKABE_ITO["vermillion"])]
    assert backward and _no_red_or_green([p.get_edgecolor() for p in arrows])
