"""Explorers and figures for notebook 11: what the trained network looks at, and fooling it.

Explorers (each returns one ipywidgets container):

    fgsm_explorer(params, images, labels)
        pick a digit and a step size eps: the image, the perturbation eps sign(dE/dx),
        the perturbed image, and the ten probabilities before and after
    attribution_explorer(params, images, labels)
        pick a digit, the occluding square's size and its fill: the image, its saliency map
        and its occlusion map, with their correlation

Figures (matplotlib Figures, drawn on the Agg canvas):

    plot_maps(rows, titles, cmaps)    a grid of images and maps, one row per digit

The numbers come from ``helpers.attribution`` (NumPy only). Figures go into a
``widgets.Image`` (PNG), so the explorers redraw the same way in JupyterLab, in Voila and
in a headless test. Colours: a sequential, colour-blind-safe map ("magma") for
non-negative maps, the course's signed map for signed ones, Okabe-Ito colours for bars.
"""

import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import _validate as _v
from .. import attribution as _attr
from .. import nets as _nets
from ..layers import softmax
from ._static import explorer
from ._style import CMAP_IMAGE, CMAP_SIGNED, FONT_SIZE, OKABE_ITO, TOGGLE_STYLE, slider, verdict

__all__ = ["CMAP_MAP", "plot_maps", "fgsm_explorer", "attribution_explorer"]

CMAP_MAP = "magma_r"       # non-negative maps (saliency, occlusion drops): dark = large


def _figure(figsize):
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig):
    buf = io.BytesIO()
    with rc_context({"font.size": FONT_SIZE}):
        fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def _html(text):
    return f"<div style='font-size:{FONT_SIZE + 3}px; line-height:1.5'>{text}</div>"


def plot_maps(rows, titles=None, cmaps=None, size=2.0):
    """A grid of 2-D arrays: rows[r][c] (H, W) each, drawn without axes.

    cmaps: one colour map per column, or per map (nested like rows): "image" (digits, dark
    ink on white, 0..1), "signed" (blue < 0 < red, symmetric about 0) or "map"
    (non-negative, dark = large); default "image" for the first column, "map" for the others.
    titles: the same layout as rows (or None). Returns a Figure.
    """
    n_rows, n_cols = len(rows), len(rows[0])
    cmaps = cmaps or ["image"] + ["map"] * (n_cols - 1)
    with rc_context({"font.size": FONT_SIZE - 2}):
        fig = _figure((n_cols * size, n_rows * size * 1.1))
        axes = np.array(fig.subplots(n_rows, n_cols)).reshape(n_rows, n_cols)
        for r in range(n_rows):
            for c in range(n_cols):
                ax, a = axes[r, c], np.asarray(rows[r][c])
                cmap = cmaps[c] if isinstance(cmaps[0], str) else cmaps[r][c]
                if cmap == "image":
                    ax.imshow(a, cmap=CMAP_IMAGE, vmin=0, vmax=1)
                elif cmap == "signed":
                    limit = float(np.abs(a).max()) or 1.0
                    ax.imshow(a, cmap=CMAP_SIGNED, vmin=-limit, vmax=limit)
                else:
                    ax.imshow(a, cmap=CMAP_MAP, vmin=min(0.0, float(a.min())))
                ax.set_xticks([])
                ax.set_yticks([])
                if titles:
                    ax.set_title(titles[r][c], fontsize=FONT_SIZE - 2)
    return fig


def _inputs(params, images, labels):
    """The explorers' data, checked: (images (N, 1, H, W) in the parameters' dtype, labels (N,))."""
    _attr._params(params)
    x = _nets.prepare_images(images, params["w1"].dtype)
    x = _attr._images(params, x, unit_range=True)
    return x, _v.labels("labels", labels, len(x), params["W3"].shape[1])


def _image_slider(n):
    return slider(min=0, max=n - 1, value=0, description="image")


@explorer("a digit, the perturbation eps sign(dE/dx), the perturbed digit, and the ten "
          "probabilities before and after")
def fgsm_explorer(params, images, labels, eps=0.1, max_eps=0.3):
    """Pick a digit (``image`` slider) and a step size (``eps`` slider): the fast gradient
    sign method's x' = clip(x + eps sign(dE/dx), 0, 1) next to x, and the network's ten
    probabilities for both.

    params: a trained improved CNN; images (N, 1, 28, 28) in [0, 1] (or uint8 (N, 28, 28));
    labels (N,). Returns a VBox.
    """
    x, labels = _inputs(params, images, labels)
    max_eps = _v.number("max_eps", max_eps, above=0)
    eps = _v.number("eps", eps, 0, max_eps)
    image = _image_slider(len(x))
    step = slider(widgets.FloatSlider, min=0.0, max=max_eps, step=0.01, value=eps,
                  description="eps", readout_format=".2f")
    summary = widgets.HTML()
    picture = widgets.Image(format="png")
    bars = widgets.Image(format="png")

    def redraw(_=None):
        n, e = image.value, step.value
        xn, yn = x[n:n + 1], labels[n:n + 1]
        adv = _attr.fgsm(params, xn, yn, e)
        p0 = softmax(_nets.cnn_forward(params, xn)[0])[0]
        p1 = softmax(_nets.cnn_forward(params, adv)[0])[0]
        q0, q1 = int(p0.argmax()), int(p1.argmax())
        picture.value = _png(plot_maps(
            [[xn[0, 0], adv[0, 0] - xn[0, 0], adv[0, 0]]],
            [[f"digit {yn[0]}: says {q0}", f"change (at most {e:.2f})", f"perturbed: says {q1}"]],
            ["image", "signed", "image"], size=2.6))
        with rc_context({"font.size": FONT_SIZE - 2}):
            fig = _figure((5.2, 2.8))
            ax = fig.subplots()
            k = np.arange(len(p0))
            ax.bar(k - 0.2, p0, 0.4, color=OKABE_ITO["sky blue"], label="before")
            ax.bar(k + 0.2, p1, 0.4, color=OKABE_ITO["vermillion"], hatch="//", label="after")
            ax.set(xticks=k, ylim=(0, 1), xlabel="class", ylabel="probability")
            ax.legend(loc="upper right", fontsize=FONT_SIZE - 4)
        bars.value = _png(fig)
        mark, colour = verdict(q1 == yn[0])
        summary.value = _html(
            f"true digit <b>{yn[0]}</b>; before: <b>{q0}</b> (p = {p0[q0]:.2f}); after a step of "
            f"eps = {e:.2f} on every pixel: <b style='color:{colour}'>{q1} {mark}</b> "
            f"(p = {p1[q1]:.2f}); largest pixel change {np.abs(adv - xn).max():.2f}")

    image.observe(redraw, names="value")
    step.observe(redraw, names="value")
    redraw()
    title = widgets.HTML("<h3>Fooling the network: one step along the sign of the gradient</h3>")
    return widgets.VBox([title, widgets.HBox([image, step]), summary,
                         widgets.HBox([picture, bars])])


@explorer("a digit, its saliency map |dz/dx| and its occlusion map, side by side, with "
          "their correlation")
def attribution_explorer(params, images, labels, size=6, stride=2, fill=0.0):
    """Pick a digit (``image``) and the occluding square's side (``square``): the digit, the
    saliency map of its predicted class, the occlusion map (drop of that class's score when a
    square hides each place), and the correlation of the occlusion map with the
    saliency summed over the same squares. The ``fill`` toggle: the square is filled with
    the background (0, MNIST's paper) or with grey (0.5, which adds ink on the paper).

    params: a trained improved CNN; images (N, 1, 28, 28) in [0, 1] (or uint8); labels (N,).
    Returns a VBox.
    """
    x, labels = _inputs(params, images, labels)
    size = _v.integer("size", size, 2, 12)
    if size % 2:
        raise ValueError(f"size must be an even integer in [2, 12] (the square slider's "
                         f"values), got {size}")
    stride = _v.integer("stride", stride, 1, min(x.shape[2:]))
    if isinstance(fill, (bool, np.bool_)) or fill not in (0.0, 0.5):
        raise ValueError(f"fill must be 0.0 (background) or 0.5 (grey), got {fill!r}")
    image = _image_slider(len(x))
    square = slider(min=2, max=12, step=2, value=size, description="square")
    filling = widgets.ToggleButtons(options=[("background 0", 0.0), ("grey 0.5", 0.5)], value=fill,
                                    description="fill", style=TOGGLE_STYLE)
    summary = widgets.HTML()
    picture = widgets.Image(format="png")

    def redraw(_=None):
        n, s, f = image.value, square.value, filling.value
        xn = x[n:n + 1]
        pred = int(_nets.cnn_forward(params, xn)[0].argmax())
        sal = _attr.saliency(params, xn, pred)
        occ = _attr.occlusion_map(params, xn, pred, size=s, stride=stride, fill=f)
        r = _attr.correlation(occ, _attr.window_sums(sal, s, stride))
        picture.value = _png(plot_maps(
            [[xn[0, 0], sal[0], occ[0]]],
            [[f"digit {labels[n]}, says {pred}", "saliency |dz/dx|", f"occlusion, {s}x{s} square"]],
            ["image", "map", "signed"], size=2.8))
        mark, colour = verdict(pred == labels[n])
        summary.value = _html(
            f"true digit <b>{labels[n]}</b>, predicted <b style='color:{colour}'>{pred} {mark}</b>; "
            f"correlation of the occlusion map with the saliency summed over the same squares: "
            f"<b>{r:.2f}</b> (red: hiding the place lowers the score of {pred}, blue: raises it)")

    image.observe(redraw, names="value")
    square.observe(redraw, names="value")
    filling.observe(redraw, names="value")
    redraw()
    title = widgets.HTML("<h3>What the network looks at: gradient and occlusion</h3>")
    return widgets.VBox([title, widgets.HBox([image, square]), filling, summary,
                         picture])
