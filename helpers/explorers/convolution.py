"""Explorers for notebooks 01 (convolution by hand) and 02 (the 3x3 example).

Every explorer is a function that returns an ``ipywidgets.VBox``. The figure is
drawn with matplotlib's object API (no pyplot, no ipympl) into PNG bytes shown
by a ``widgets.Image``, so the same explorer works in JupyterLab, in Voila and
headless in tests. Each returned box also carries, as attributes, the widgets a
test or a presenter page may want to reach:

    box.controls   dict name -> control widget (sliders, dropdowns, buttons)
    box.readout    widgets.HTML with the numbers currently shown
    box.figure     widgets.Image holding the current drawing (PNG bytes)

Notation (as in the notebooks): image x (H, W), filter w (KH, KW), feature map
z (OH, OW) with z[i, j] = sum_{p,q} x[i*s + p, j*s + q] w[p, q] (cross-correlation).
"""

import io
import html

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from ..conv import conv2d_forward, conv_output_size
from ._static import explorer
from ._style import (CMAP_IMAGE, CMAP_SIGNED, CONTROL_LAYOUT, CONTROL_STYLE, FIGSIZE, FONT_SIZE,
                     OKABE_ITO, slider)

__all__ = [
    "PRESET_FILTERS",
    "correlate2d",
    "draw_network_overview",
    "window_explorer",
    "filter_editor",
    "step_explorer",
    "output_size_explorer",
]

# 3x3 filters a learner can pick; "edges" respond where brightness changes along one direction.
PRESET_FILTERS = {
    "vertical edges": np.array([[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]),
    "horizontal edges": np.array([[-1.0, -1.0, -1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
    "blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "identity": np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
}

_HIGHLIGHT = OKABE_ITO["vermillion"]   # the current window, on every panel (colour-blind safe)
_FIRST_WINDOW = OKABE_ITO["blue"]
_BIG_FONT = "font-size: 18px"


def correlate2d(x, w, stride=1, padding=0):
    """One image x (H, W) and one filter w (KH, KW) -> feature map (OH, OW).

    A thin wrapper around :func:`helpers.conv.conv2d_forward` (batch of one image,
    one channel, one filter) so that the explorers show exactly what the course's
    kernel computes: z[i, j] = sum_{p,q} x_pad[i*s + p, j*s + q] w[p, q].
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    z, _ = conv2d_forward(x[None, None], w[None, None], stride=stride, padding=padding)
    return z[0, 0]


def _png(fig):
    """Render a matplotlib Figure to PNG bytes (Agg, independent of the backend)."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"font.size": FONT_SIZE}):
        fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _figure(figsize):
    with matplotlib.rc_context({"font.size": FONT_SIZE}):
        return Figure(figsize=figsize, layout="constrained")


def _number_grid(ax, values, title, cmap=CMAP_SIGNED, fmt="{:g}", highlight=None, blank=None):
    """Draw a small matrix as coloured cells with its numbers written in them.

    highlight: (top, left, height, width) of a block to outline, or None.
    blank: boolean mask of cells to leave empty (drawn as '?').
    """
    values = np.asarray(values, dtype=np.float64)
    shown = values if blank is None else np.where(blank, 0.0, values)
    limit = max(float(np.max(np.abs(shown))), 1e-12)
    vmin, vmax = (-limit, limit) if cmap == CMAP_SIGNED else (0.0, limit)
    ax.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax)
    for (r, c), v in np.ndenumerate(values):
        text = "?" if blank is not None and blank[r, c] else fmt.format(v)
        strong = abs(shown[r, c]) > 0.6 * limit
        ax.text(c, r, text, ha="center", va="center", fontsize=FONT_SIZE,
                color="white" if strong else "black")
    if highlight is not None:
        top, left, height, width = highlight
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False,
                               edgecolor=_HIGHLIGHT, linewidth=4))
    ax.set_title(title)
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.tick_params(length=0)


def _box(figure, controls, readout, rows):
    """Assemble the explorer: controls on top, readout, then the figure."""
    box = widgets.VBox(rows + [readout, figure])
    box.controls = controls
    box.readout = readout
    box.figure = figure
    return box


# ----------------------------------------------------------------------------------------
# A static picture for notebook 01: the three steps and the two passes.
# ----------------------------------------------------------------------------------------

def draw_network_overview(ax):
    """Draw input -> convolution -> dense -> output -> error, with the forward pass
    (left to right, black, solid) and the backward pass (right to left, vermillion,
    dashed) on one axes."""
    stages = [
        ("input\nimage x\n(pixels)", "#e8eef7"),
        ("convolution\nz1 = x * f\na1 = sigmoid(z1)", "#fdf1dc"),
        ("dense layer\nz2 = a1 W + b\no = sigmoid(z2)", "#fdf1dc"),
        ("output\no\n(prediction)", "#e8eef7"),
        ("error\nE = (y' - o)^2 / 2\n(needs label y')", "#eeeeee"),
    ]
    width, height, gap = 2.5, 1.6, 0.8
    centres = []
    for k, (label, colour) in enumerate(stages):
        left = k * (width + gap)
        ax.add_patch(FancyBboxPatch((left, 0), width, height, boxstyle="round,pad=0.08",
                                    facecolor=colour, edgecolor="black", linewidth=1.5))
        ax.text(left + width / 2, height / 2, label, ha="center", va="center", fontsize=FONT_SIZE - 1)
        centres.append(left + width / 2)
    for k in range(len(stages) - 1):
        a, b = k * (width + gap) + width, (k + 1) * (width + gap)
        ax.annotate("", xy=(b, height * 0.8), xytext=(a, height * 0.8),
                    arrowprops=dict(arrowstyle="-|>", color="black", linewidth=2))
        ax.annotate("", xy=(a, height * 0.2), xytext=(b, height * 0.2),
                    arrowprops=dict(arrowstyle="-|>", color=_HIGHLIGHT, linewidth=2,
                                    linestyle="--"))
    ax.text(centres[2], height + 0.45, "forward propagation: receive the input, process it, "
            "produce an output", ha="center", fontsize=FONT_SIZE)
    ax.text(centres[2], -0.5, "backward propagation: gradients dE/dW, dE/db, dE/df flow back; "
            "then each parameter -= learning rate x gradient",
            ha="center", fontsize=FONT_SIZE, color=_HIGHLIGHT)
    ax.text(centres[0], -1.0, "input layer", ha="center", fontsize=FONT_SIZE - 1, style="italic")
    ax.text((centres[1] + centres[2]) / 2, -1.0, "hidden layers (parameters f, W, b)",
            ha="center", fontsize=FONT_SIZE - 1, style="italic")
    ax.text(centres[3], -1.0, "output layer", ha="center", fontsize=FONT_SIZE - 1, style="italic")
    ax.set_xlim(-0.3, len(stages) * (width + gap) - gap + 0.3)
    ax.set_ylim(-1.3, height + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")


# ----------------------------------------------------------------------------------------
# (a) Slide a window over an image: patch, elementwise product, sum.
# ----------------------------------------------------------------------------------------

@explorer('slide a filter over an image; the patch, the filter, their products, the sum z[i, j] and the whole feature map')
def window_explorer(image, filters=None, title="input x"):
    """Slide a filter over ``image`` (H, W): row/column sliders choose the output
    position (i, j), a dropdown chooses the filter.

    Shows the patch x[i:i+KH, j:j+KW], the filter w, their elementwise product and
    its sum z[i, j], and the whole feature map z with (i, j) marked.
    filters: dict name -> (KH, KW) array, default :data:`PRESET_FILTERS`.
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"image must be one 2-D image (H, W), got shape {x.shape}")
    filters = {k: np.asarray(v, dtype=np.float64) for k, v in (filters or PRESET_FILTERS).items()}
    names = list(filters)
    first = filters[names[0]]
    oh, ow = x.shape[0] - first.shape[0] + 1, x.shape[1] - first.shape[1] + 1
    row = slider(description="output row i", min=0, max=oh - 1, value=oh // 2)
    col = slider(description="output column j", min=0, max=ow - 1, value=ow // 2)
    choice = widgets.Dropdown(options=names, value=names[0], description="filter w",
                              layout=CONTROL_LAYOUT, style=CONTROL_STYLE)
    readout = widgets.HTML()
    figure = widgets.Image(format="png", layout=widgets.Layout(width="100%"))

    def redraw(_=None):
        w = filters[choice.value]
        kh, kw = w.shape
        row.max, col.max = x.shape[0] - kh, x.shape[1] - kw
        i, j = row.value, col.value
        z = correlate2d(x, w)
        patch = x[i:i + kh, j:j + kw]
        product = patch * w
        total = float(product.sum())
        fig = _figure((FIGSIZE[0] * 1.75, FIGSIZE[1]))
        axes = fig.subplots(1, 5, width_ratios=[1.6, 1, 1, 1, 1.6])
        axes[0].imshow(x, cmap=CMAP_IMAGE)
        axes[0].add_patch(Rectangle((j - 0.5, i - 0.5), kw, kh, fill=False,
                                    edgecolor=_HIGHLIGHT, linewidth=3))
        axes[0].set_title(f"{title}, patch at ({i}, {j})")
        _number_grid(axes[1], patch, "patch", cmap=CMAP_IMAGE)
        _number_grid(axes[2], w, "x  filter w", fmt="{:.2g}")
        _number_grid(axes[3], product, "= products", fmt="{:.4g}")
        limit = max(float(np.abs(z).max()), 1e-12)
        axes[4].imshow(z, cmap=CMAP_SIGNED, vmin=-limit, vmax=limit)
        axes[4].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                    edgecolor=_HIGHLIGHT, linewidth=3))
        axes[4].set_title(f"feature map z, z[{i}, {j}] = {total:.4g}")
        for ax in (axes[0], axes[4]):
            ax.set_xticks([])
            ax.set_yticks([])
        figure.value = _png(fig)
        readout.value = (
            f"<span style='{_BIG_FONT}'>z[{i}, {j}] = sum of the {w.size} products "
            f"patch &times; w = <b>{total:.6g}</b> &nbsp; (filter: {html.escape(choice.value)}, "
            f"feature map {z.shape[0]} &times; {z.shape[1]})</span>"
        )

    for control in (row, col, choice):
        control.observe(redraw, names="value")
    redraw()
    return _box(figure, {"row": row, "col": col, "filter": choice}, readout,
                [widgets.HBox([choice]), widgets.HBox([row, col])])


# ----------------------------------------------------------------------------------------
# (b) Edit a 3x3 filter and see the feature map live.
# ----------------------------------------------------------------------------------------

@explorer("edit a 3x3 filter (nine numbers or a preset) and see the image's feature map")
def filter_editor(image, presets=None):
    """Edit a 3x3 filter (nine number boxes, or a preset) and see ``image``'s
    feature map z = x correlated with w, recomputed on every change."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"image must be one 2-D image (H, W), got shape {x.shape}")
    presets = {k: np.asarray(v, dtype=np.float64) for k, v in (presets or PRESET_FILTERS).items()}
    for name, w in presets.items():
        if w.shape != (3, 3):
            raise ValueError(f"preset {name!r} must be 3x3, got shape {w.shape}")
    names = list(presets)
    preset = widgets.Dropdown(options=names, value=names[0], description="preset",
                              layout=CONTROL_LAYOUT, style=CONTROL_STYLE)
    boxes = [[widgets.FloatText(value=float(presets[names[0]][p, q]), step=0.1,
                                layout=widgets.Layout(width="90px"))
              for q in range(3)] for p in range(3)]
    grid = widgets.GridBox([b for line in boxes for b in line],
                           layout=widgets.Layout(grid_template_columns="repeat(3, 95px)"))
    readout = widgets.HTML()
    figure = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
    updating = {"now": False}    # a preset writes nine boxes: redraw once, not nine times

    def weights():
        return np.array([[b.value for b in line] for line in boxes])

    def redraw(_=None):
        if updating["now"]:
            return
        w = weights()
        z = correlate2d(x, w)
        fig = _figure((FIGSIZE[0] * 1.4, FIGSIZE[1]))
        axes = fig.subplots(1, 3, width_ratios=[1.5, 1, 1.5])
        axes[0].imshow(x, cmap=CMAP_IMAGE)
        axes[0].set_title("input x")
        _number_grid(axes[1], w, "filter w", fmt="{:.3g}")
        limit = max(float(np.abs(z).max()), 1e-12)
        axes[2].imshow(z, cmap=CMAP_SIGNED, vmin=-limit, vmax=limit)
        axes[2].set_title(f"feature map z ({z.shape[0]} x {z.shape[1]})")
        for ax in (axes[0], axes[2]):
            ax.set_xticks([])
            ax.set_yticks([])
        figure.value = _png(fig)
        readout.value = (
            f"<span style='{_BIG_FONT}'>sum of the weights = {w.sum():.4g} &nbsp; | &nbsp; "
            f"z from <b>{z.min():.4g}</b> to <b>{z.max():.4g}</b> "
            f"(red: positive, blue: negative)</span>"
        )

    def load_preset(change):
        updating["now"] = True
        try:
            for (p, q), v in np.ndenumerate(presets[change["new"]]):
                boxes[p][q].value = float(v)
        finally:
            updating["now"] = False
        redraw()

    preset.observe(load_preset, names="value")
    for line in boxes:
        for b in line:
            b.observe(redraw, names="value")
    redraw()
    label = widgets.HTML(f"<span style='{_BIG_FONT}'>weights w[p, q] (rows p, columns q):</span>")
    box = _box(figure, {"preset": preset, "weights": boxes}, readout,
               [widgets.HBox([preset]), widgets.HBox([label, grid])])
    return box


# ----------------------------------------------------------------------------------------
# Notebook 02: step through a small example, one output number at a time.
# ----------------------------------------------------------------------------------------

def _terms(patch, w):
    """'1·1 + 7·1 + 11·0 + 1·1' for a patch and a filter of the same shape."""
    return " + ".join(f"{a:g}&middot;{b:g}" for a, b in zip(patch.ravel(), w.ravel()))


@explorer('step through a small convolution one output at a time: the patch, the products and their sum')
def step_explorer(x, w):
    """Walk through z = x correlated with w (stride 1, no padding) one output at a
    time: a 'step' slider (and a 'next' button) picks output number k, read in
    row-major order; the patch is outlined and the products and their sum shown.

    x (H, W) and w (KH, KW) small arrays (the notebook uses the 3x3 example).
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    kh, kw = w.shape
    z = correlate2d(x, w)
    oh, ow = z.shape
    steps = oh * ow
    step = slider(description="step k", min=0, max=steps - 1, value=0)
    forward = widgets.Button(description="next step", button_style="info",
                             layout=widgets.Layout(width="160px", height="40px"))
    readout = widgets.HTML()
    figure = widgets.Image(format="png", layout=widgets.Layout(width="100%"))

    def redraw(_=None):
        k = step.value
        i, j = divmod(k, ow)
        patch = x[i:i + kh, j:j + kw]
        product = patch * w
        pending = np.arange(steps).reshape(oh, ow) > k   # outputs not computed yet
        fig = _figure((FIGSIZE[0] * 1.5, FIGSIZE[1]))
        axes = fig.subplots(1, 4)
        _number_grid(axes[0], x, f"input x ({x.shape[0]}x{x.shape[1]})", cmap=CMAP_IMAGE,
                     highlight=(i, j, kh, kw))
        _number_grid(axes[1], w, f"filter w ({kh}x{kw})")
        _number_grid(axes[2], product, f"patch x w, sum = {product.sum():g}")
        _number_grid(axes[3], z, f"output z ({oh}x{ow})", cmap=CMAP_IMAGE,
                     highlight=(i, j, 1, 1), blank=pending)
        figure.value = _png(fig)
        readout.value = (
            f"<span style='{_BIG_FONT}'>step {k + 1} of {steps}: patch rows {i}..{i + kh - 1}, "
            f"columns {j}..{j + kw - 1} &rarr; z[{i}, {j}] = {_terms(patch, w)} = "
            f"<b>{product.sum():g}</b></span>"
        )

    def next_step(_):
        step.value = (step.value + 1) % steps

    step.observe(redraw, names="value")
    forward.on_click(next_step)
    redraw()
    return _box(figure, {"step": step, "next": forward}, readout, [widgets.HBox([step, forward])])


# ----------------------------------------------------------------------------------------
# Notebook 02: output size with padding and stride.
# ----------------------------------------------------------------------------------------

def _positions(n, f, padding, stride):
    """Top-left corners a window of size f can take along one padded axis."""
    return list(range(0, n + 2 * padding - f + 1, stride))


@explorer('image size n, filter f, padding p and stride s: where the windows land and the output size (n + 2p - f) // s + 1')
def output_size_explorer(n=7, f=3, padding=0, stride=2):
    """Sliders for n, f, padding p and stride s; draws the padded (n+2p) x (n+2p)
    input, the window positions and the cells no window reaches, and reports
    out = (n + 2p - f) // s + 1 and the (n + 2p - f) % s rows/columns lost."""
    n_s = slider(description="image size n", min=1, max=14, value=n)
    f_s = slider(description="filter size f", min=1, max=7, value=f)
    p_s = slider(description="padding p", min=0, max=3, value=padding)
    s_s = slider(description="stride s", min=1, max=5, value=stride)
    readout = widgets.HTML()
    figure = widgets.Image(format="png", layout=widgets.Layout(width="min(100%, 720px)"))

    def redraw(_=None):
        n, f, p, s = n_s.value, f_s.value, p_s.value, s_s.value
        size = n + 2 * p
        fig = _figure((7, 7))
        ax = fig.subplots()
        for r in range(size):
            for c in range(size):
                pad = not (p <= r < p + n and p <= c < p + n)
                ax.add_patch(Rectangle((c, size - 1 - r), 1, 1, facecolor="#dddddd" if pad else "white",
                                       edgecolor="#888888", hatch="//" if pad else None, linewidth=0.8))
        if f > size:
            ax.set_title(f"f = {f} > n + 2p = {size}: the window does not fit")
            readout.value = (f"<span style='{_BIG_FONT}'>The filter (f = {f}) is larger than the "
                             f"padded input (n + 2p = {n} + 2&middot;{p} = {size}): no output. "
                             f"Increase n or p, or decrease f.</span>")
        else:
            starts = _positions(n, f, p, s)
            out = conv_output_size(n, f, p, s)
            reach = starts[-1] + f                     # first padded row no window covers
            lost = size - reach
            for r in range(size):                      # cells in rows or columns no window reaches
                for c in range(size):
                    if r >= reach or c >= reach:
                        ax.add_patch(Rectangle((c, size - 1 - r), 1, 1, facecolor=_HIGHLIGHT,
                                               alpha=0.35, hatch="xx", linewidth=0))
            ax.add_patch(Rectangle((0, size - f), f, f, fill=False, edgecolor=_FIRST_WINDOW,
                                   linewidth=4))
            for top in starts:
                for left in starts:
                    ax.plot(left + 0.5, size - 1 - top + 0.5, "o", color=_FIRST_WINDOW, markersize=9)
            ax.set_title(f"{out} x {out} window positions (dots = top-left corners)")
            lost_text = (f"the last <b>{lost}</b> row(s) and column(s) (cross-hatched) are never read: "
                         f"(n + 2p - f) % s = {size - f} % {s} = {lost}" if lost else
                         "every row and column is read: the stride divides n + 2p - f")
            readout.value = (
                f"<span style='{_BIG_FONT}'>output size = (n + 2p - f) // s + 1 = "
                f"({n} + 2&middot;{p} - {f}) // {s} + 1 = <b>{out}</b> &rarr; "
                f"{out} &times; {out} output; {lost_text}</span>"
            )
        ax.set_xlim(-0.2, size + 0.2)
        ax.set_ylim(-0.2, size + 0.2)
        ax.set_aspect("equal")
        ax.axis("off")
        figure.value = _png(fig)

    for control in (n_s, f_s, p_s, s_s):
        control.observe(redraw, names="value")
    redraw()
    return _box(figure, {"n": n_s, "f": f_s, "padding": p_s, "stride": s_s}, readout,
                [widgets.HBox([n_s, f_s]), widgets.HBox([p_s, s_s])])
