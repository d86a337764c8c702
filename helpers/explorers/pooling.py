"""Explorers for notebooks 08-09: padding, stride and pooling over a real digit.

    padding_stride_explorer(images=None)   window size, padding, stride and operation
                                            -> padded input with its windows, windows per
                                               pixel, the output map and its size
    maxpool_routing_explorer(images=None)  a crop of a digit, pool size and stride, tie rule
                                            (one winner, an equal split, or the wrong
                                            every-tied-maximum rule)
                                            -> where each window's gradient goes

Both return one ipywidgets container. Figures are drawn with matplotlib's Agg
canvas into a ``widgets.Image`` (PNG), so they redraw the same way in JupyterLab,
in Voila and in a headless test, without a plotting backend.
"""

import io

import ipywidgets as widgets
import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..conv import conv2d_forward, conv_output_size
from ..layers import avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from ._static import explorer
from ._style import (CMAP_IMAGE, CMAP_SIGNED, FONT_SIZE, OKABE_ITO, SERIES_COLOURS,
                     SERIES_STYLES, slider)

__all__ = ["padding_stride_explorer", "maxpool_routing_explorer",
           "window_coverage", "maxpool_backward_all_ties", "maxpool_backward_equal_split"]

OPERATIONS = ("convolution (vertical-edge filter)", "max pooling", "average pooling")
RULES = ("one winner per window (helpers)", "equal split over the tied maxima",
         "every tied maximum (WRONG)")


def _digits(images):
    """Default: the first 10 bundled training digits, as floats in [0, 1], (K, 28, 28)."""
    if images is None:
        from ..data import load_mnist
        (images, _), _ = load_mnist(source="bundled")
        images = images[:10]
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (K, H, W), got {images.shape}")
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return images.astype(np.float64) / scale


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return buf.getvalue()


def window_coverage(n, f, padding=0, stride=1):
    """How many f x f windows cover each pixel of the padded (n + 2p) x (n + 2p) grid.

    -> counts (n + 2p, n + 2p), ints. Windows start at 0, s, 2s, ... while they fit;
    the count is a product of the row count and the column count.
    """
    size = n + 2 * padding
    per_axis = np.zeros(size, dtype=int)
    for i in range(conv_output_size(n, f, padding, stride)):
        per_axis[i * stride:i * stride + f] += 1
    return np.outer(per_axis, per_axis)


def _edge_filter(f):
    """An f x f vertical-edge filter: -1 left of the centre column, +1 right of it (f=1: identity)."""
    if f == 1:
        return np.ones((1, 1))
    w = np.zeros((f, f))
    w[:, :f // 2] = -1.0
    w[:, f - f // 2:] = 1.0
    return w / w.size


def _apply(image, operation, f, padding, stride):
    """The output map of one operation on one (H, W) image, zero-padded by `padding`."""
    x = image[None, None]
    if operation == OPERATIONS[0]:
        z, _ = conv2d_forward(x, _edge_filter(f)[None, None], stride=stride, padding=padding)
        return z[0, 0]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    # Zero padding is harmless for max pooling here: digits are >= 0.
    pool = maxpool2d_forward if operation == OPERATIONS[1] else avgpool2d_forward
    out, _ = pool(x_pad, size=f, stride=stride)
    return out[0, 0]


def _describe_padding(n, f, padding, stride, oh):
    """The HTML line under the figure: the size formula and what the windows miss."""
    per_axis = window_coverage(n, f, padding, stride).max(axis=1)
    missed = np.flatnonzero(per_axis == 0) - padding
    real = [int(r) for r in missed if 0 <= r < n]
    pad_only = len(missed) - len(real)
    same = f"p = (f - 1)/2 = {(f - 1) // 2}" if f % 2 else "none with equal padding (f is even)"
    lost = (f"image rows/columns no window reaches: <b>{real}</b>" if real
            else "every image row and column is inside some window")
    if pad_only:
        lost += f" ({pad_only} padding row(s) unused too)"
    return (f"<div style='font-size:{FONT_SIZE + 3}px; line-height:1.5'>"
            f"output size = (n + 2p - f) // s + 1 = ({n} + 2*{padding} - {f}) // {stride} + 1 = "
            f"<b>{oh} x {oh}</b><br>{lost}<br>'same' padding for f = {f}: {same}</div>")


def _draw_padding(image, operation, f, padding, stride):
    n = image.shape[0]
    padded = np.pad(image, padding)
    out = _apply(image, operation, f, padding, stride)
    coverage = window_coverage(n, f, padding, stride)
    unreached = np.flatnonzero(coverage.max(axis=1) == 0)
    with rc_context({"font.size": FONT_SIZE}):
        fig = Figure(figsize=(14, 4.8))
        ax_in, ax_cov, ax_out = fig.subplots(1, 3)
        ax_in.imshow(padded, cmap=CMAP_IMAGE, vmin=0, vmax=1)
        ax_in.add_patch(Rectangle((padding - 0.5, padding - 0.5), n, n, fill=False,
                                  ec=OKABE_ITO["blue"], ls="--", lw=1.5))
        for k, (top, left) in enumerate([(0, 0), (0, stride)]):
            if left + f <= padded.shape[1]:
                ax_in.add_patch(Rectangle((left - 0.5, top - 0.5), f, f, fill=False,
                                          ec=OKABE_ITO["orange"], lw=3 if k == 0 else 1.5,
                                          ls="-" if k == 0 else ":"))
        for r in unreached:      # rows and columns no window reaches: vermillion, cross-hatched
            for span in (ax_in.axhspan, ax_in.axvspan):
                span(r - 0.5, r + 0.5, facecolor=OKABE_ITO["vermillion"], alpha=0.35,
                     hatch="xx", edgecolor=OKABE_ITO["vermillion"], lw=0)
        ax_in.set_title(f"padded input {padded.shape[0]} x {padded.shape[1]}\n"
                        f"first window and the next one (stride {stride})")
        im = ax_cov.imshow(coverage, cmap="viridis")
        fig.colorbar(im, ax=ax_cov, fraction=0.046)
        ax_cov.set_title(f"windows covering each pixel\n(corner of the image: "
                         f"{coverage[padding, padding]}, most: {coverage.max()})")
        if operation == OPERATIONS[0]:
            lim = max(np.abs(out).max(), 1e-12)
            ax_out.imshow(out, cmap=CMAP_SIGNED, vmin=-lim, vmax=lim)
        else:
            ax_out.imshow(out, cmap=CMAP_IMAGE, vmin=0, vmax=1)
        ax_out.set_title(f"{operation.split(' (')[0]} output\n{out.shape[0]} x {out.shape[1]}")
        for ax in (ax_in, ax_cov, ax_out):
            ax.set_xticks([])
            ax.set_yticks([])
        return _png(fig), _describe_padding(n, f, padding, stride, out.shape[0])


@explorer('padding and stride over a digit: the padded image, the windows and the output size')
def padding_stride_explorer(images=None):
    """Sliders for digit, window size f, padding p and stride s over a real digit.

    images: (K, H, W) digits (uint8 0..255 or floats 0..1), default the first 10
    bundled MNIST training digits. Returns a VBox: controls, the size formula and
    what is lost, and a figure (padded input with its windows, windows per pixel,
    output map).
    """
    digits = _digits(images)
    n = digits.shape[1]
    digit = slider(min=0, max=len(digits) - 1, value=0, description="digit")
    operation = widgets.Dropdown(options=OPERATIONS, value=OPERATIONS[0], description="operation",
                                 layout=widgets.Layout(width="420px"),
                                 style={"description_width": "140px"})
    f = slider(min=1, max=9, value=5, description="window f")
    padding = slider(min=0, max=4, value=0, description="padding p")
    stride = slider(min=1, max=5, value=1, description="stride s")
    summary = widgets.HTML()
    picture = widgets.Image(format="png")

    def redraw(_=None):
        png, html = _draw_padding(digits[digit.value], operation.value, f.value,
                                  padding.value, stride.value)
        picture.value, summary.value = png, html

    for control in (digit, operation, f, padding, stride):
        control.observe(redraw, names="value")
    redraw()
    title = widgets.HTML(f"<h3>Padding, stride and pooling on a {n} x {n} digit</h3>")
    controls = widgets.HBox([widgets.VBox([digit, operation, f]), widgets.VBox([padding, stride])])
    return widgets.VBox([title, controls, summary, picture])


# ---------------------------------------------------------------- tie routing

def maxpool_backward_all_ties(dout, x, size, stride):
    """WRONG on purpose: every input equal to its window's max receives that window's dout.

    x (N, C, H, W), dout (N, C, OH, OW) -> dx (N, C, H, W). On a window with k tied
    maxima it passes on k times the gradient; shown next to the right rule.
    """
    dx = np.zeros_like(x, dtype=np.float64)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rs, cs = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            win = x[:, :, rs, cs]
            is_max = win == win.max(axis=(2, 3), keepdims=True)
            dx[:, :, rs, cs] += is_max * dout[:, :, i, j][..., None, None]
    return dx


def maxpool_backward_equal_split(dout, x, size, stride):
    """A valid tie rule: each window's dout is shared equally among its tied maxima.

    x (N, C, H, W), dout (N, C, OH, OW) -> dx (N, C, H, W). Weights 1/k on the k tied
    maxima (non-negative, adding up to one: a subgradient of the max, like one winner).
    """
    dx = np.zeros_like(x, dtype=np.float64)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rs, cs = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            win = x[:, :, rs, cs]
            is_max = win == win.max(axis=(2, 3), keepdims=True)
            share = is_max / is_max.sum(axis=(2, 3), keepdims=True)
            dx[:, :, rs, cs] += share * dout[:, :, i, j][..., None, None]
    return dx


def _short(v):
    """0.25 -> '0.25', 1/3 -> '0.33', 2.0 -> '2': numbers that fit in a pixel's square."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _draw_routing(crop, size, stride, rule):
    """crop (h, w) of pixel values 0..255 -> PNG and HTML of where the gradient goes."""
    x = crop[None, None].astype(np.float64)
    out, cache = maxpool2d_forward(x, size=size, stride=stride)
    dout = np.ones_like(out)            # every window passes on a gradient of 1
    if rule == RULES[0]:
        dx = maxpool2d_backward(dout, cache)
    elif rule == RULES[1]:
        dx = maxpool_backward_equal_split(dout, x, size, stride)
    else:
        dx = maxpool_backward_all_ties(dout, x, size, stride)
    oh, ow = out.shape[2:]
    n_tied = 0
    for i in range(oh):
        for j in range(ow):
            win = crop[i * stride:i * stride + size, j * stride:j * stride + size]
            n_tied += int((win == win.max()).sum() > 1)
    h, w = crop.shape
    with rc_context({"font.size": FONT_SIZE}):
        fig = Figure(figsize=(13, 6))
        ax_x, ax_dx = fig.subplots(1, 2)
        ax_x.imshow(crop, cmap=CMAP_IMAGE, vmin=0, vmax=255)
        lim = 1.6 * max(dx.max(), 1.0)      # light enough for black numbers on top
        ax_dx.imshow(dx[0, 0], cmap="Oranges", vmin=0, vmax=lim)
        for r in range(h):
            for c in range(w):
                ax_x.text(c, r, f"{int(crop[r, c])}", ha="center", va="center", fontsize=FONT_SIZE - 2,
                          color="white" if crop[r, c] > 128 else "black")
                ax_dx.text(c, r, _short(dx[0, 0, r, c]), ha="center", va="center",
                           fontsize=FONT_SIZE, color="black")
        for i in range(oh):
            for j in range(ow):
                colour = SERIES_COLOURS[(i + j) % len(SERIES_COLOURS)]   # and a line style:
                style = SERIES_STYLES[(i + j) % len(SERIES_STYLES)]      # hue is not enough
                inset = 0.08 * ((i + j) % 2)     # overlapping windows stay distinguishable
                for ax in (ax_x, ax_dx):
                    ax.add_patch(Rectangle((j * stride - 0.5 + inset, i * stride - 0.5 + inset),
                                           size - 2 * inset, size - 2 * inset, fill=False,
                                           ec=colour, ls=style, lw=2.5))
        ax_x.set_title(f"input crop: {oh * ow} windows of {size} x {size}, stride {stride}")
        ax_dx.set_title("dx when every window's dout = 1")
        for ax in (ax_x, ax_dx):
            ax.set_xticks([])
            ax.set_yticks([])
        png = _png(fig)
    verdict = ("equal: every window passes on exactly the gradient it received"
               if np.isclose(dx.sum(), dout.sum())
               else "NOT equal: tied windows pass on their gradient several times")
    html = (f"<div style='font-size:{FONT_SIZE + 3}px; line-height:1.5'>"
            f"windows with a tied maximum: <b>{n_tied} of {oh * ow}</b><br>"
            f"sum of dout = <b>{dout.sum():g}</b>, sum of dx = <b>{_short(dx.sum())}</b>: {verdict}</div>")
    return png, html


def _edge_crop(image, crop):
    """Top-left corner of the crop x crop patch whose share of ink is closest to 40%:
    on the edge of a stroke, so the first view shows ink and tied blank pixels together."""
    ink = np.lib.stride_tricks.sliding_window_view(image > 0, (crop, crop)).mean(axis=(-2, -1))
    top, left = np.unravel_index(np.argmin(np.abs(ink - 0.4)), ink.shape)
    return int(top), int(left)


@explorer("max pooling's backward pass: where each gradient goes, and what ties do")
def maxpool_routing_explorer(images=None, crop=6):
    """Where a max pool sends its gradient, on a crop x crop patch of a real digit.

    images: (K, H, W) digits as for :func:`padding_stride_explorer`. Controls:
    digit, crop position, pool size, stride and the tie rule (the helpers' one
    winner, an equal split over the tied maxima, or the wrong every-tied-maximum rule).
    Returns a VBox.
    """
    digits = np.round(_digits(images) * 255)       # integer pixel values show ties plainly
    h, w = digits.shape[1:]
    digit = slider(min=0, max=len(digits) - 1, value=0, description="digit")
    start_top, start_left = _edge_crop(digits[0], crop)
    top = slider(min=0, max=h - crop, value=start_top, description="crop top row")
    left = slider(min=0, max=w - crop, value=start_left, description="crop left column")
    size = slider(min=2, max=3, value=2, description="pool size")
    stride = slider(min=1, max=3, value=2, description="pool stride")
    rule = widgets.ToggleButtons(options=RULES, value=RULES[0], description="tie rule",
                                 style={"description_width": "80px", "button_width": "250px"})
    summary = widgets.HTML()
    picture = widgets.Image(format="png")

    def redraw(_=None):
        patch = digits[digit.value, top.value:top.value + crop, left.value:left.value + crop]
        picture.value, summary.value = _draw_routing(patch, size.value, stride.value, rule.value)

    for control in (digit, top, left, size, stride, rule):
        control.observe(redraw, names="value")
    redraw()
    title = widgets.HTML("<h3>Max pooling backward: who receives the gradient?</h3>")
    controls = widgets.HBox([widgets.VBox([digit, top, left]), widgets.VBox([size, stride])])
    return widgets.VBox([title, controls, rule, summary, picture])
