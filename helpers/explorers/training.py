"""Explorers for notebooks 06 (the article's code, audited) and 07 (training a CNN): the
article's bugs, a live training plot, the misclassified digits, feature maps and a "time machine".

Every explorer returns an ``ipywidgets.VBox`` whose figure is a ``widgets.Image``
(PNG drawn with matplotlib's Agg canvas: no pyplot state, no ipympl), so it works
in JupyterLab, in Voila and headless. Each box carries ``box.controls`` (dict of
control widgets), ``box.readout`` (an HTML widget with the numbers shown) and
``box.figure`` (the Image).

Static figures used by the notebook (return a matplotlib Figure): ``plot_history``,
``plot_confusion_matrix``, ``plot_digits``, ``plot_filters``.
"""

import html
import io

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import nets
from ..layers import sigmoid, softmax
from ..train import evaluate
from ._static import explorer
from ._style import (CMAP_IMAGE, CMAP_SIGNED, CONTROL_LAYOUT, CONTROL_STYLE, FONT_SIZE,
                     OKABE_ITO, RIGHT_COLOUR, WRONG_COLOUR, WRONG_MARK, slider, verdict)

__all__ = [
    "plot_history", "plot_confusion_matrix", "plot_digits", "plot_filters",
    "layout_explorer", "transpose_explorer", "live_training_plot",
    "misclassified_gallery", "feature_map_explorer", "time_machine",
]

_FILTER_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish green"],
                   OKABE_ITO["reddish purple"], OKABE_ITO["sky blue"], OKABE_ITO["vermillion"])


# ---------------------------------------------------------------- drawing helpers

def _figure(figsize):
    with matplotlib.rc_context({"font.size": FONT_SIZE}):
        fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig):
    buffer = io.BytesIO()
    with matplotlib.rc_context({"font.size": FONT_SIZE}):
        fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _image_widget():
    return widgets.Image(format="png", layout=widgets.Layout(width="100%"))


def _box(figure, controls, readout, rows):
    box = widgets.VBox(rows + [readout, figure])
    box.controls, box.readout, box.figure = controls, readout, figure
    return box


def _readout():
    return widgets.HTML(layout=widgets.Layout(min_height="2em"), style={"font_size": "18px"})


def _probabilities(z):
    """Class probabilities from logits (N, M): softmax, or sigmoid for one output
    (returned as two columns, P(class 0), P(class 1))."""
    if z.shape[1] == 1:
        p1 = sigmoid(z[:, 0].astype(np.float64))
        return np.stack([1 - p1, p1], axis=1)
    return softmax(z.astype(np.float64))


def _show_digit(ax, image, title=None, colour=None):
    ax.imshow(np.asarray(image).reshape(28, 28) if np.size(image) == 784 else image,
              cmap=CMAP_IMAGE)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, color=colour or "black", fontsize=FONT_SIZE)


def _filters_of(params):
    """First-layer filters as (F, KH, KW) (channel 0)."""
    return np.asarray(params["w1"])[:, 0]


# ---------------------------------------------------------------- static figures

def plot_history(histories, title="training"):
    """Loss per step (left) and held-out accuracy (right) of one or more runs.

    histories: dict label -> helpers.train.History. Returns a Figure.
    """
    fig = _figure((11, 4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for label, h in histories.items():
        ax_loss.plot(h.step, h.loss, lw=0.8, alpha=0.8, label=label)
        if h.val_step:
            ax_acc.plot(h.val_step, h.val_accuracy, marker="o", label=label)
    ax_loss.set(xlabel="step", ylabel="mini-batch loss", title=f"{title}: loss")
    ax_loss.set_yscale("log")
    ax_acc.set(xlabel="step", ylabel="accuracy", title="held-out accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        if ax.get_lines():          # a run without held-out data leaves the right panel empty
            ax.legend()
    return fig


def plot_confusion_matrix(cm, class_names=None, title="confusion matrix"):
    """Counts cm (K, K), row = true class, column = predicted, each cell annotated."""
    cm = np.asarray(cm)
    k = cm.shape[0]
    names = class_names or [str(i) for i in range(k)]
    fig = _figure((7.5, 6.5))
    ax = fig.subplots()
    # Log colour scale: the diagonal holds hundreds, the mistakes a handful.
    ax.imshow(np.log1p(cm), cmap="Blues")
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=10,
                        color="white" if i == j else "black")
    ax.set_xticks(range(k), names, rotation=45 if len(names[0]) > 2 else 0)
    ax.set_yticks(range(k), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    return fig


def plot_digits(images, titles=None, colours=None, columns=8, size=1.5):
    """A grid of 28x28 images with optional titles (coloured when given)."""
    n = len(images)
    rows = max(1, -(-n // columns))
    fig = _figure((columns * size, rows * size * 1.15))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for k, ax in enumerate(axes):
        if k < n:
            _show_digit(ax, images[k], titles[k] if titles else None,
                        colours[k] if colours else None)
        else:
            ax.axis("off")
    return fig


def plot_filters(w, title="filters", columns=8):
    """Filters w (F, KH, KW) on a shared, signed colour scale (blue < 0 < red)."""
    w = np.asarray(w)
    f = len(w)
    columns = min(columns, f)
    rows = -(-f // columns)
    fig = _figure((1.4 * columns + 1, 1.5 * rows + 0.6))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    limit = float(np.abs(w).max()) or 1.0
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k < f:
            ax.imshow(w[k], cmap=CMAP_SIGNED, vmin=-limit, vmax=limit)
            ax.set_title(f"filter {k}", fontsize=11)
        else:
            ax.axis("off")
    fig.suptitle(title)
    return fig


# ---------------------------------------------------------------- the article's bugs

@explorer("how the article's resize to (n, n, F) mixes the filters of a filter-major gradient")
def layout_explorer(num_filters=3, side=4):
    """How a filter-major vector is read: as (F, n, n) (right) or as (n, n, F) (the article).

    The flat gradient holds F blocks of n*n numbers, block i for filter i. The
    dropdown chooses the reading, the slider the filter whose map is drawn: each
    cell shows the flat index it was read from, coloured by the filter that index
    belongs to. Laid out position-major (n, n, F), as the article's resize does, the
    slice [:, :, i] mixes all filters. (The article's loop indexes that slice with the
    image index and stops at image F; "map i = slice i" is the repaired reading that
    notebook 06 measures.)
    """
    size = num_filters * side * side
    flat = np.arange(size)
    owner = flat // (side * side)                       # which filter each index belongs to
    reading = widgets.Dropdown(
        options=[("filter-major (F, n, n): correct", "right"),
                 ("position-major (n, n, F): the article's resize", "article")],
        value="article", description="read as", layout=CONTROL_LAYOUT, style=CONTROL_STYLE)
    which = slider(min=0, max=num_filters - 1, value=0, description="filter i")
    figure, readout = _image_widget(), _readout()

    def redraw(_=None):
        i = which.value
        if reading.value == "right":
            idx = flat.reshape(num_filters, side, side)[i]
        else:
            idx = flat.reshape(side, side, num_filters)[:, :, i]
        fig = _figure((10, 4.2))
        ax_flat, ax_map = fig.subplots(1, 2, width_ratios=[2.2, 1])
        colours = [_FILTER_COLOURS[o % len(_FILTER_COLOURS)] for o in owner]
        ax_flat.bar(flat, np.ones(size), color=colours, edgecolor="white")
        picked = np.isin(flat, idx)
        ax_flat.bar(flat[picked], np.ones(picked.sum()), color="none", edgecolor="black", lw=2)
        ax_flat.set(xlabel="flat index d (blocks of n*n = one filter each)", yticks=[],
                    title="the flat gradient; black = cells read into the map")
        ax_map.imshow(np.zeros((side, side)), cmap="Greys", vmin=0, vmax=1)
        for r in range(side):
            for c in range(side):
                d = idx[r, c]
                ax_map.text(c, r, str(d), ha="center", va="center", fontsize=14,
                            color=_FILTER_COLOURS[owner[d] % len(_FILTER_COLOURS)],
                            fontweight="bold")
        title = f"map of filter {i}" if reading.value == "right" else f"slice [:, :, {i}]"
        ax_map.set(xticks=[], yticks=[], title=title)
        figure.value = _png(fig)
        sources = sorted(set(owner[idx.ravel()].tolist()))
        verdict = ("only filter " + str(i) if sources == [i]
                   else "filters " + ", ".join(map(str, sources)))
        readout.value = (f"The map for filter <b>{i}</b> is built from the gradient of "
                         f"<b>{html.escape(verdict)}</b>.")

    reading.observe(redraw, "value")
    which.observe(redraw, "value")
    redraw()
    return _box(figure, {"reading": reading, "filter": which}, readout,
                [widgets.HBox([reading, which])])


@explorer("an image next to the transposed image the article's code feeds the network")
def transpose_explorer(images):
    """An image x[k] next to what the article feeds the network, (x.T)[:, :, k] = x[k].T."""
    images = np.asarray(images)
    stack_t = images.T
    which = slider(min=0, max=len(images) - 1, value=0, description="image k")
    figure, readout = _image_widget(), _readout()

    def redraw(_=None):
        k = which.value
        fig = _figure((8, 4))
        a, b = fig.subplots(1, 2)
        _show_digit(a, images[k], "x[k]: the digit")
        _show_digit(b, stack_t[:, :, k], "(x.T)[:, :, k]: what the article uses")
        figure.value = _png(fig)
        same = np.array_equal(stack_t[:, :, k], images[k].T)
        readout.value = f"(x.T)[:, :, {k}] equals x[{k}].T: <b>{same}</b>"

    which.observe(redraw, "value")
    redraw()
    return _box(figure, {"image": which}, readout, [which])


# ---------------------------------------------------------------- live training plot

@explorer("mini-batch loss and held-out accuracy as training runs", title="Live training plot")
def live_training_plot(total_steps, title="training"):
    """A live plot to pass to ``train.fit(..., callback=...)``.

    Returns (box, callback): display the box, then train with the callback; every
    call redraws the mini-batch loss and the held-out accuracy so far. The call at
    step ``total_steps`` (the end of training) also replaces what the notebook
    stores for the box (``box.static.update()``): a saved notebook shows the final
    figure, not "waiting for the first evaluation".
    """
    figure, readout = _image_widget(), _readout()
    readout.value = "waiting for the first evaluation..."
    box = _box(figure, {}, readout, [])

    def callback(history, params):
        fig = _figure((11, 3.8))
        ax_loss, ax_acc = fig.subplots(1, 2)
        ax_loss.plot(history.step, history.loss, lw=0.8)
        ax_loss.set(xlim=(0, total_steps), xlabel="step", ylabel="mini-batch loss",
                    title=f"{title}: loss")
        ax_loss.set_yscale("log")
        ax_acc.plot(history.val_step, history.val_accuracy, marker="o", color=RIGHT_COLOUR)
        ax_acc.set(xlim=(0, total_steps), ylim=(0, 1), xlabel="step", ylabel="accuracy",
                   title="held-out accuracy")
        for ax in (ax_loss, ax_acc):
            ax.grid(alpha=0.3)
        figure.value = _png(fig)
        if history.val_accuracy:
            readout.value = (f"step <b>{history.val_step[-1]}</b> of {total_steps}: "
                             f"held-out accuracy <b>{history.val_accuracy[-1]:.3f}</b>")
        if history.step and history.step[-1] >= total_steps:
            finished = f"{title}, trained for {history.step[-1]} of {total_steps} steps"
            if history.val_accuracy:
                finished += f", held-out accuracy ≈{history.val_accuracy[-1]:.3f}"
            box.static.description = finished
            box.static.update()

    return box, callback


# ---------------------------------------------------------------- after training

@explorer('the misclassified test images, page by page, filtered by true class')
def misclassified_gallery(images, y_true, y_pred, class_names=None, per_page=16):
    """The misclassified images, filtered by true class, a page at a time.

    images (N, 28, 28), y_true, y_pred (N,). Titles read "true -> predicted".
    """
    images, y_true, y_pred = np.asarray(images), np.asarray(y_true), np.asarray(y_pred)
    names = class_names or [str(i) for i in range(int(max(y_true.max(), y_pred.max())) + 1)]
    wrong = np.flatnonzero(y_true != y_pred)
    options = [("all classes", -1)] + [(f"true class {n}", i) for i, n in enumerate(names)]
    true_class = widgets.Dropdown(options=options, value=-1, description="show",
                                  layout=CONTROL_LAYOUT, style=CONTROL_STYLE)
    page = slider(min=0, max=0, value=0, description="page")
    figure, readout = _image_widget(), _readout()

    def selection():
        if true_class.value < 0:
            return wrong
        return wrong[y_true[wrong] == true_class.value]

    def redraw(_=None):
        chosen = selection()
        pages = max(1, -(-len(chosen) // per_page))
        page.max = pages - 1
        shown = chosen[page.value * per_page:(page.value + 1) * per_page]
        titles = [f"{names[y_true[i]]} -> {names[y_pred[i]]}" for i in shown]
        fig = plot_digits(images[shown], [f"{WRONG_MARK} {t}" for t in titles],
                          [WRONG_COLOUR] * len(shown), columns=8)
        figure.value = _png(fig)
        readout.value = (f"<b>{len(chosen)}</b> misclassified images "
                         f"(of {len(images)}); page {page.value + 1} of {pages}")

    true_class.observe(lambda _: (setattr(page, "value", 0), redraw()), "value")
    page.observe(redraw, "value")
    redraw()
    return _box(figure, {"true_class": true_class, "page": page}, readout,
                [widgets.HBox([true_class, page])])


@explorer('a digit, the first-layer filters and the feature maps they produce')
def feature_map_explorer(params, images, kind="cnn"):
    """Pick a digit; see it, the first-layer filters and the maps they produce.

    kind="cnn": the improved CNN (maps after conv+relu, then after the first pool);
    kind="article": the article's network (z1 and a1 = sigmoid(z1)).
    images (N, 28, 28) uint8.
    """
    images = np.asarray(images)
    which = slider(min=0, max=len(images) - 1, value=0, description="digit")
    shown = slider(min=1, max=min(8, len(params["w1"])), value=min(8, len(params["w1"])),
                   description="filters shown")
    figure, readout = _image_widget(), _readout()

    def redraw(_=None):
        x = nets.prepare_images(images[which.value:which.value + 1])
        k = shown.value
        if kind == "cnn":
            maps = nets.cnn_feature_maps(params, x)
            first, second = np.maximum(maps["z1"][0], 0), maps["p1"][0]
            labels = ("relu(z1): 28x28", "max-pooled: 14x14")
            logits = maps["z3"]
        else:
            maps = nets.article_feature_maps(params, x)
            first, second = maps["z1"][0], maps["a1"][0]
            labels = ("z1 = x * w1: 24x24", "a1 = sigmoid(z1)")
            logits = maps["z2"]
        w = _filters_of(params)
        fig = _figure((1.6 * (k + 1), 5.2))
        axes = fig.subplots(3, k + 1)
        _show_digit(axes[0, 0], images[which.value], "digit")
        axes[1, 0].axis("off")
        axes[2, 0].axis("off")
        limit = float(np.abs(w).max()) or 1.0
        for f in range(k):
            axes[0, f + 1].imshow(w[f], cmap=CMAP_SIGNED, vmin=-limit, vmax=limit)
            axes[0, f + 1].set_title(f"filter {f}", fontsize=10)
            axes[1, f + 1].imshow(first[f], cmap="magma")
            axes[2, f + 1].imshow(second[f], cmap="magma")
            for r in range(3):
                axes[r, f + 1].set_xticks([])
                axes[r, f + 1].set_yticks([])
        axes[1, 1].set_ylabel(labels[0], fontsize=10)
        axes[2, 1].set_ylabel(labels[1], fontsize=10)
        figure.value = _png(fig)
        p = _probabilities(logits)[0]
        readout.value = (f"rows: filters, {html.escape(labels[0])}, {html.escape(labels[1])}. "
                         f"Predicted class <b>{int(np.argmax(p))}</b> "
                         f"(probability {p.max():.2f})")

    which.observe(redraw, "value")
    shown.observe(redraw, "value")
    redraw()
    return _box(figure, {"digit": which, "filters": shown}, readout,
                [widgets.HBox([which, shown])])


@explorer('a slider over training checkpoints: the filters, the predictions and the loss at each step')
def time_machine(net, history, x_show, y_show, x_eval, y_eval, loss="softmax_cross_entropy"):
    """Travel through training without retraining: a slider over the saved checkpoints.

    net: helpers.nets.Network; history: the History of a ``fit`` run with
    ``checkpoint_steps``; x_show, y_show: a few digits (uint8 (n, 28, 28)) whose
    predictions are drawn; x_eval, y_eval: images on which the loss and accuracy
    of each checkpoint are measured (computed once per checkpoint, on demand).
    Shows the first-layer filters, the predictions and the loss curve with the
    chosen step marked.
    """
    steps = sorted(history.checkpoints)
    if not steps:
        raise ValueError("history has no checkpoints: train with checkpoint_steps=[...]")
    x_show, y_show = np.asarray(x_show), np.asarray(y_show)
    measured = {}

    def measure(step):
        if step not in measured:
            # in mini-batches (train.evaluate): never one patch matrix for all of x_eval
            measured[step] = evaluate(net, history.checkpoints[step], x_eval, y_eval, loss=loss)
        return measured[step]

    step_slider = widgets.SelectionSlider(options=steps, value=steps[-1], description="step",
                                          layout=CONTROL_LAYOUT, style=CONTROL_STYLE,
                                          continuous_update=False)
    figure, readout = _image_widget(), _readout()

    def redraw(_=None):
        step = step_slider.value
        params = history.checkpoints[step]
        value, acc = measure(step)
        z, _ = net.forward(params, nets.prepare_images(x_show))
        prob = _probabilities(z)
        pred = np.argmax(prob, axis=1)
        w = _filters_of(params)
        n_f = min(8, len(w))
        n_d = len(x_show)
        fig = _figure((13, 6.2))
        grid = fig.add_gridspec(3, max(n_f, n_d))
        limit = float(np.abs(w).max()) or 1.0
        for f in range(n_f):
            ax = fig.add_subplot(grid[0, f])
            ax.imshow(w[f], cmap=CMAP_SIGNED, vmin=-limit, vmax=limit)
            ax.set(xticks=[], yticks=[])
            ax.set_title(f"filter {f}", fontsize=10)
        for d in range(n_d):
            ax = fig.add_subplot(grid[1, d])
            mark, colour = verdict(pred[d] == y_show[d])
            _show_digit(ax, x_show[d], f"{mark} {pred[d]} ({prob[d, pred[d]]:.2f})", colour)
        ax = fig.add_subplot(grid[2, :])
        ax.plot(history.step, history.loss, lw=0.7, color="grey", label="mini-batch loss")
        ax.axvline(step, color="black", lw=2, ls="--", label=f"step {step}")
        ax.set_yscale("log")
        ax.set(xlabel="step", ylabel="loss")
        ax.legend(loc="upper right")
        figure.value = _png(fig)
        readout.value = (f"step <b>{step}</b>: held-out loss <b>{value:.3f}</b>, "
                         f"accuracy <b>{acc:.3f}</b>; digits: predicted class "
                         f"(probability), {verdict(True)[0]} blue = right, {verdict(False)[0]} "
                         f"vermillion = wrong")

    step_slider.observe(redraw, "value")
    redraw()
    box = _box(figure, {"step": step_slider}, readout, [step_slider])
    box.measure = measure
    return box
