"""Explorer for notebook 13: what Keras computes when our weights are copied in one way or another.

    keras_copy_logits(params, x, kernel_copy, dense_copy)   the logits Keras' article network
                                                             gives with that copy (NumPy emulation)
    effective_weights(params, kernel_copy, dense_copy)       the filters and dense rows that copy
                                                             amounts to, in our own layout
    weight_copy_explorer(params, images)                     toggles for both copies -> filters,
                                                             one dense column and the logits

No Keras import: a Keras Conv2D with kernel K computes our convolution with
w = K.transpose(3, 2, 0, 1), and its channels-last Flatten reads our maps in the order
(H, W, F). Notebook 13 checks this emulation against a real Keras model.
Figures go into a ``widgets.Image`` (PNG, Agg), so the explorer works in JupyterLab,
in Voila and headless.
"""

import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import keras_bridge as kb
from .. import nets
from ..conv import conv2d_forward
from ..layers import sigmoid
from ._static import explorer
from ._style import CMAP_IMAGE, CMAP_SIGNED, CONTROL_STYLE, FONT_SIZE, slider, TOGGLE_STYLE

__all__ = ["KERNEL_COPIES", "DENSE_COPIES", "effective_weights", "keras_copy_logits",
           "weight_copy_explorer"]

KERNEL_COPIES = ("transpose(2, 3, 1, 0)", "reshape (wrong)")
DENSE_COPIES = ("W[perm], channels last", "W as is, channels last (wrong)",
                "W as is, channels first")


def _check(kernel_copy, dense_copy):
    if kernel_copy not in KERNEL_COPIES:
        raise ValueError(f"kernel_copy must be one of {KERNEL_COPIES}, got {kernel_copy!r}")
    if dense_copy not in DENSE_COPIES:
        raise ValueError(f"dense_copy must be one of {DENSE_COPIES}, got {dense_copy!r}")


def _keras_kernel(w, kernel_copy):
    f, c, kh, kw = w.shape
    if kernel_copy == KERNEL_COPIES[0]:
        return kb.conv_kernel_to_keras(w)
    return w.reshape(kh, kw, c, f)


def _keras_dense(W, grid, dense_copy):
    return kb.dense_rows_to_keras(W, grid) if dense_copy == DENSE_COPIES[0] else W


def _channels_last(dense_copy):
    return dense_copy != DENSE_COPIES[2]


def effective_weights(params, kernel_copy=KERNEL_COPIES[0], dense_copy=DENSE_COPIES[0]):
    """The article network's weights as Keras ends up using them, in OUR layout.

    params: {"w1" (F, 1, k, k), "W2" (F*n*n, M), ...}. Returns (w_eff (F, 1, k, k),
    W_eff (F*n*n, M)): Keras with that copy computes exactly our article_forward with
    w_eff and W_eff, so a right copy gives back params["w1"], params["W2"].
    """
    _check(kernel_copy, dense_copy)
    grid = kb.flatten_grid("article", params)
    w_eff = kb.conv_kernel_from_keras(_keras_kernel(params["w1"], kernel_copy))
    W_keras = _keras_dense(params["W2"], grid, dense_copy)
    W_eff = kb.dense_rows_from_keras(W_keras, grid) if _channels_last(dense_copy) else W_keras
    return w_eff, W_eff


def keras_copy_logits(params, x, kernel_copy=KERNEL_COPIES[0], dense_copy=DENSE_COPIES[0]):
    """Logits (N, M) of Keras' article network holding params copied this way, on x.

    x: uint8 (N, 28, 28) or float (N, 1, 28, 28). Emulated in NumPy, step by step as
    Keras does it: conv with the kernel it was given, sigmoid, Flatten in its order
    ((H, W, F) for channels last), Dense with the rows it was given.
    """
    _check(kernel_copy, dense_copy)
    x = nets.prepare_images(x, params["w1"].dtype)
    grid = kb.flatten_grid("article", params)
    kernel = _keras_kernel(params["w1"], kernel_copy)
    z1, _ = conv2d_forward(x, kb.conv_kernel_from_keras(kernel), params.get("b1"))
    a1 = sigmoid(z1)
    if _channels_last(dense_copy):
        a1 = a1.transpose(0, 2, 3, 1)          # Keras holds the maps as (N, H, W, F)
    z2 = a1.reshape(len(a1), -1) @ _keras_dense(params["W2"], grid, dense_copy)
    if "b2" in params:
        z2 = z2 + params["b2"]
    return z2


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def _draw(params, image, w_eff, W_eff, z_ours, z_keras, cls, class_names):
    f_count = params["w1"].shape[0]
    grid = kb.flatten_grid("article", params)
    with rc_context({"font.size": FONT_SIZE}):
        fig = Figure(figsize=(15, 7.5), layout="constrained")
        FigureCanvasAgg(fig)
        top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.25])
        axes = top.subplots(1, 2 * f_count + 1)
        limit = float(np.abs(params["w1"]).max()) or 1.0
        axes[0].imshow(image, cmap=CMAP_IMAGE)
        axes[0].set_title("input")
        for f in range(f_count):
            for k, (w, who) in enumerate([(params["w1"], "ours"), (w_eff, "Keras")]):
                ax = axes[1 + f + k * f_count]
                ax.imshow(w[f, 0], cmap=CMAP_SIGNED, vmin=-limit, vmax=limit)
                ax.set_title(f"{who}: filter {f}")
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        ax_ours, ax_eff, ax_bar = bottom.subplots(1, 3, width_ratios=[1, 1, 2.2])
        lim2 = float(np.abs(params["W2"][:, cls]).max()) or 1.0
        for ax, W, who in [(ax_ours, params["W2"], "ours"), (ax_eff, W_eff, "Keras")]:
            ax.imshow(W[:, cls].reshape(grid)[0], cmap=CMAP_SIGNED, vmin=-lim2, vmax=lim2)
            ax.set_title(f"{who}: W2 weights of\nclass {cls}, filter 0's map")
            ax.set_xticks([])
            ax.set_yticks([])
        positions = np.arange(len(z_ours))
        ax_bar.bar(positions - 0.2, z_ours, 0.4, label="ours (helpers)")
        ax_bar.bar(positions + 0.2, z_keras, 0.4, label="Keras with this copy")
        ax_bar.set_xticks(positions, class_names, rotation=45, ha="right")
        ax_bar.set(ylabel="logit", title="logits of this image")
        ax_bar.axhline(0, color="0.5", lw=0.8)
        ax_bar.legend()
    return _png(fig)


@explorer('copy our weights into Keras right or wrong, and compare the predictions')
def weight_copy_explorer(images, params=None, class_names=None):
    """Toggle how our weights are copied into Keras' article network (kernel: transpose or
    reshape; dense rows: permuted, as is, or channels first) and see the filters Keras
    really applies, the dense weights of one class over filter 0's map, and the logits.

    images: (N, 28, 28) uint8 or (N, 1, 28, 28) float; params: the article network with
    10 outputs (default: scaled init with biases, seed 0). Returns a VBox.
    """
    if params is None:
        params = nets.init_article_net(10, init="scaled", bias=True, seed=0)
    x = nets.prepare_images(images, params["w1"].dtype)
    names = list(class_names) if class_names is not None else [str(k) for k in range(10)]
    names = [n.split("/")[0] for n in names]
    z_ours, _ = nets.article_forward(params, x)
    kernel_box = widgets.ToggleButtons(options=KERNEL_COPIES, description="kernel copied by",
                                       style=TOGGLE_STYLE)
    dense_box = widgets.ToggleButtons(options=DENSE_COPIES, description="dense rows",
                                      style=TOGGLE_STYLE)
    pick = slider(min=0, max=len(x) - 1, value=0, description="image")
    summary = widgets.HTML()
    picture = widgets.Image(format="png")

    def redraw(_=None):
        w_eff, W_eff = effective_weights(params, kernel_box.value, dense_box.value)
        z_keras = keras_copy_logits(params, x, kernel_box.value, dense_box.value)
        n = pick.value
        cls = int(np.argmax(z_ours[n]))
        picture.value = _draw(params, x[n, 0], w_eff, W_eff, z_ours[n], z_keras[n], cls, names)
        err = kb.scaled_error(z_keras, z_ours)
        agree = int(np.sum(np.argmax(z_keras, axis=1) == np.argmax(z_ours, axis=1)))
        verdict = ("<b style='color:#2ca02c'>same network</b>" if err < 1e-5
                   else "<b style='color:#d62728'>a different network</b>")
        summary.value = (
            f"<div style='font-size:{FONT_SIZE + 3}px; line-height:1.5'>{verdict}: logits differ "
            f"by {err:.1e} of the largest logit; same predicted class on {agree} of {len(x)} "
            f"images ({html.escape(kernel_box.value)}; {html.escape(dense_box.value)})</div>")

    for control in (kernel_box, dense_box, pick):
        control.observe(redraw, names="value")
    redraw()
    title = widgets.HTML("<h3>Copying our weights into Keras: which copy gives the same "
                         "network?</h3>")
    return widgets.VBox([title, kernel_box, dense_box, pick, summary, picture])
