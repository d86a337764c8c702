"""The explorers of notebooks 08-09 build headless, react to their controls and report true numbers."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")
from helpers.conv import conv_output_size  # noqa: E402
from helpers.explorers import pooling as P  # noqa: E402


def find(box, cls, description=None):
    """Every widget of type cls (with that description) inside a container, depth first."""
    found = []
    for child in getattr(box, "children", ()):
        if isinstance(child, cls) and (description is None or child.description == description):
            found.append(child)
        found.extend(find(child, cls, description))
    return found


def one(box, cls, description=None):
    hits = find(box, cls, description)
    assert len(hits) == 1, f"expected one {cls.__name__} {description!r}, found {len(hits)}"
    return hits[0]


def digits():
    rng = np.random.default_rng(0)
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[:, 6:22, 10:18] = rng.integers(0, 256, (3, 16, 8))
    return images


def test_coverage_counts_windows():
    c = P.window_coverage(28, 5)                  # valid: the corner is in one window
    assert c[0, 0] == 1 and c[14, 14] == 25 and c.shape == (28, 28)
    same = P.window_coverage(28, 5, padding=2)
    assert same.shape == (32, 32) and same[2, 2] == 9
    strided = P.window_coverage(28, 5, stride=2)
    assert strided[27].max() == 0 and strided[:27, :27].min() > 0   # only row/col 27 unreached


def test_padding_explorer_redraws_and_reports_the_size():
    box = P.padding_stride_explorer(digits())
    picture = one(box, widgets.Image)
    summary = find(box, widgets.HTML)[1]
    assert picture.value[:4] == b"\x89PNG"
    assert "24 x 24" in summary.value
    before = picture.value
    one(box, widgets.IntSlider, "padding p").value = 2
    assert picture.value != before
    assert "28 x 28" in summary.value
    one(box, widgets.IntSlider, "stride s").value = 2
    assert f"{conv_output_size(28, 5, 2, 2)} x {conv_output_size(28, 5, 2, 2)}" in summary.value
    one(box, widgets.IntSlider, "padding p").value = 0
    assert "<b>[27]</b>" in summary.value             # (28 - 5) // 2 windows never reach row 27
    for op in P.OPERATIONS:
        before = picture.value
        one(box, widgets.Dropdown, "operation").value = op
        assert op == P.OPERATIONS[0] or picture.value != before
    one(box, widgets.IntSlider, "window f").value = 9
    assert "(28 + 2*0 - 9) // 2 + 1 = <b>10 x 10</b>" in summary.value


def test_padding_explorer_outputs_match_the_kernels():
    image = digits()[0] / 255.0
    for op in P.OPERATIONS:
        out = P._apply(image, op, 3, 1, 2)
        assert out.shape == (conv_output_size(28, 3, 1, 2),) * 2
    assert np.isclose(P._apply(image, P.OPERATIONS[1], 2, 0, 2).max(), image.max())


def test_routing_explorer_counts_the_gradient_per_rule():
    box = P.maxpool_routing_explorer(digits())
    picture = one(box, widgets.Image)
    summary = find(box, widgets.HTML)[1]
    one(box, widgets.IntSlider, "crop top row").value = 0
    one(box, widgets.IntSlider, "crop left column").value = 0     # a blank 6 x 6 corner
    assert "sum of dout = <b>9</b>, sum of dx = <b>9</b>" in summary.value
    assert "tied maximum: <b>9 of 9</b>" in summary.value
    before = picture.value
    one(box, widgets.ToggleButtons).value = P.RULES[1]           # equal split: valid too
    assert picture.value != before
    assert "sum of dx = <b>9</b>" in summary.value and "NOT" not in summary.value
    one(box, widgets.ToggleButtons).value = P.RULES[2]           # every tied maximum: wrong
    assert "sum of dx = <b>36</b>" in summary.value and "NOT equal" in summary.value
    one(box, widgets.IntSlider, "pool size").value = 3
    one(box, widgets.IntSlider, "pool stride").value = 1        # 16 overlapping 3 x 3 windows
    assert "sum of dout = <b>16</b>, sum of dx = <b>144</b>" in summary.value


def test_all_ties_rule_is_wrong_only_on_ties():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 2, 6, 6))
    dout = rng.standard_normal((1, 2, 3, 3))
    from helpers.layers import maxpool2d_backward, maxpool2d_forward
    _, cache = maxpool2d_forward(x)
    assert np.allclose(P.maxpool_backward_all_ties(dout, x, 2, 2), maxpool2d_backward(dout, cache))
    blank = np.zeros((1, 1, 2, 2))
    assert P.maxpool_backward_all_ties(np.ones((1, 1, 1, 1)), blank, 2, 2).sum() == 4


def test_equal_split_shares_each_window_among_its_maxima():
    from helpers.layers import maxpool2d_backward, maxpool2d_forward
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 6, 6))              # no ties: the same as one winner
    dout = rng.standard_normal((1, 2, 3, 3))
    _, cache = maxpool2d_forward(x)
    assert np.allclose(P.maxpool_backward_equal_split(dout, x, 2, 2), maxpool2d_backward(dout, cache))
    window = np.array([[[[0.5, 0.5], [0.2, 0.5]]]])     # three tied maxima
    dx = P.maxpool_backward_equal_split(np.full((1, 1, 1, 1), 3.0), window, 2, 2)
    np.testing.assert_allclose(dx[0, 0], [[1, 1], [0, 1]])
    assert P._short(1 / 3) == "0.33" and P._short(2.0) == "2" and P._short(0.25) == "0.25"
