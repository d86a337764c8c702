"""Explorers and figures for notebook 10 (ten digits: softmax, cross-entropy, what goes wrong).

    softmax_explorer()                      four logits, a true class and a shift of all logits
                                            -> probabilities, the loss -log p_y, the gradient p - y
    confident_mistakes(y, probs, k)         the k wrong answers given with the highest probability
    confusion_explorer(images, y, probs)    pick a cell of the confusion matrix -> its digits
    lab_table(grid)                         the "what goes wrong" grid as a text table (fixed order)
    lab_explorer(grid)                      flip the article's choices -> loss curve and numbers

Every explorer returns one ipywidgets container and draws with matplotlib's Agg canvas
into a ``widgets.Image`` (PNG), so it behaves the same in JupyterLab, in Voila and in a
headless test. Static figures of confusion matrices and digits come from notebook 07's
``helpers.explorers.training`` (``plot_confusion_matrix``, ``plot_digits``); the private
``_draw_*`` helpers here draw into axes of a composite explorer figure.
"""

import io

import ipywidgets as widgets
import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..layers import softmax
from ..variants import ARTICLE_CHOICES, CHOICES, FIXED_CHOICES, SATURATED_SLOPE, grid_key
from ._static import explorer
from ._style import CMAP_IMAGE, CONTROL_LAYOUT, CONTROL_STYLE, FIGSIZE, FONT_SIZE, slider, TOGGLE_STYLE

__all__ = [
    "softmax_explorer", "confident_mistakes",
    "confusion_explorer", "lab_table", "lab_explorer", "SWITCH_LABELS",
]

_BLUE, _ORANGE, _GREEN, _GREY = "#0072B2", "#D55E00", "#009E73", "0.6"


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return buf.getvalue()


def _html(text, size=FONT_SIZE + 3):
    return f'<div style="font-size:{size}px;line-height:1.5">{text}</div>'


# ---------------------------------------------------------------- softmax explorer

@explorer('move four logits and see the softmax probabilities and the cross-entropy loss')
def softmax_explorer(logits=(1.0, 2.0, 3.0, 0.5), true_class=0):
    """Explorer: four logits (sliders), the true class and a shift c added to every logit.

    Shows z + c, p = softmax(z + c), the one-hot target y and the gradient p - y as bars,
    the loss -log p_y, and what the unshifted formula exp(z) / sum exp(z) gives (nan once
    exp overflows, from about c = 710 in float64). Returns an ipywidgets.VBox.
    """
    k = len(logits)
    z_sliders = [slider(widgets.FloatSlider, value=float(v), min=-6, max=6, step=0.1,
                        description=f"logit z{i}", readout_format=".1f")
                 for i, v in enumerate(logits)]
    shift = slider(widgets.FloatSlider, value=0.0, min=-1000, max=1000, step=10,
                   description="add c to all", readout_format=".0f")
    true_tb = widgets.ToggleButtons(options=list(range(k)), value=true_class,
                                    description="true class y", style=CONTROL_STYLE)
    stats = widgets.HTML()
    image = widgets.Image(format="png")

    def redraw(*_):
        z = np.array([s.value for s in z_sliders]) + shift.value
        y = true_tb.value
        p = softmax(z)
        onehot = np.eye(k)[y]
        with np.errstate(over="ignore", invalid="ignore"):
            naive = np.exp(z) / np.sum(np.exp(z))
        loss = -np.log(p[y]) if p[y] > 0 else np.inf
        naive_text = ("same" if np.allclose(naive, p) else
                      f"<b style='color:{_ORANGE}'>{np.array2string(naive, precision=3)}</b> "
                      "(exp overflowed)")
        stats.value = _html(
            f"p = softmax(z + c) = {np.array2string(p, precision=3)} &nbsp; (sums to {p.sum():.3f})<br>"
            f"<b>loss = -log p<sub>{y}</sub> = {loss:.3f}</b> &nbsp; (ln {k} = {np.log(k):.3f} "
            f"when all logits are equal)<br>"
            f"unshifted formula exp(z) / sum exp(z): {naive_text}")
        with rc_context({"font.size": FONT_SIZE}):
            fig = Figure(figsize=(FIGSIZE[0] + 3, FIGSIZE[1]), layout="constrained")
            axes = fig.subplots(1, 3)
            classes = np.arange(k)
            colours = [_ORANGE if i == y else _BLUE for i in classes]
            axes[0].bar(classes, z - shift.value, color=colours)
            axes[0].set_title(f"logits z (c = {shift.value:.0f} not drawn)")
            axes[1].bar(classes, p, color=colours)
            axes[1].set_ylim(0, 1)
            axes[1].set_title("probabilities p")
            g = p - onehot
            axes[2].bar(classes, g, color=[_GREEN if v >= 0 else _ORANGE for v in g])
            axes[2].set_ylim(-1, 1)
            axes[2].axhline(0, color="0.3", lw=0.8)
            axes[2].set_title("gradient dE/dz = p - y")
            for ax in axes:
                ax.set_xticks(classes)
                ax.set_xlabel("class (orange: the true one)")
            image.value = _png(fig)

    for w in (*z_sliders, shift, true_tb):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([widgets.VBox(z_sliders[:2]), widgets.VBox(z_sliders[2:])]),
                         widgets.HBox([shift, true_tb]), stats, image])


# ---------------------------------------------------------------- confusion matrix, gallery

def _draw_confusion(ax, C, title="confusion matrix", cmap="Blues"):
    """Draw counts C (K, K), C[i, j] = images of true class i predicted as j, on ax:
    a heat map with every count written in its cell (rows: true, columns: predicted)."""
    C = np.asarray(C)
    k = C.shape[0]
    ax.imshow(C, cmap=cmap)
    top = C.max() if C.size else 0
    for i in range(k):
        for j in range(k):
            if C[i, j]:
                ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=FONT_SIZE - 3,
                        color="white" if C[i, j] > top / 2 else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)


def _draw_gallery(axes, images, titles):
    """Draw images (n, H, W) into the first n of ``axes`` (any shape), with titles;
    unused axes are switched off."""
    axes = np.ravel(axes)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=CMAP_IMAGE)
            ax.set_title(titles[i], fontsize=FONT_SIZE - 1)


def confident_mistakes(y_true, probs, k=12):
    """The k misclassified images whose predicted class got the highest probability.

    y_true (N,), probs (N, K) -> (indices (<= k,), predicted (<= k,), confidence (<= k,)),
    confidence = probs[i, predicted[i]], sorted from the most confident down
    (ties broken by the smaller index).
    """
    y_true = np.asarray(y_true).reshape(-1)
    probs = np.asarray(probs)
    pred = probs.argmax(axis=1)
    conf = probs[np.arange(len(pred)), pred]
    wrong = np.flatnonzero(pred != y_true)
    order = wrong[np.lexsort((wrong, -conf[wrong]))][:k]
    return order, pred[order], conf[order]


@explorer('the confusion matrix of the ten-digit CNN and the images behind any cell')
def confusion_explorer(images, y_true, probs, max_images=15):
    """Explorer: choose a true class and a predicted class (or "any") and see those
    digits, most (or least) confident first, next to the confusion matrix with the chosen
    cell framed.

    images (N, H, W), y_true (N,), probs (N, K) (e.g. softmax of a network's logits).
    Returns an ipywidgets.VBox.
    """
    images = np.asarray(images)
    y_true = np.asarray(y_true).reshape(-1).astype(np.int64)
    probs = np.asarray(probs)
    k = probs.shape[1]
    pred = probs.argmax(axis=1)
    conf = probs[np.arange(len(pred)), pred]
    C = np.bincount(y_true * k + pred, minlength=k * k).reshape(k, k)
    options = [("any", -1)] + [(str(c), c) for c in range(k)]
    true_dd = widgets.Dropdown(options=options, value=-1, description="true class",
                               layout=CONTROL_LAYOUT, style=CONTROL_STYLE)
    pred_dd = widgets.Dropdown(options=options, value=-1, description="predicted class",
                               layout=CONTROL_LAYOUT, style=CONTROL_STYLE)
    only_wrong = widgets.Checkbox(value=True, description="mistakes only", style=CONTROL_STYLE)
    order_tb = widgets.ToggleButtons(options=["most confident first", "least confident first"],
                                     description="order", style=TOGGLE_STYLE)
    stats = widgets.HTML()
    image = widgets.Image(format="png")

    def redraw(*_):
        mask = np.ones(len(y_true), dtype=bool)
        if true_dd.value >= 0:
            mask &= y_true == true_dd.value
        if pred_dd.value >= 0:
            mask &= pred == pred_dd.value
        if only_wrong.value:
            mask &= pred != y_true
        idx = np.flatnonzero(mask)
        sign = -1 if order_tb.value.startswith("most") else 1
        idx = idx[np.lexsort((idx, sign * conf[idx]))]
        stats.value = _html(f"{len(idx)} image(s) match; showing {min(len(idx), max_images)}.")
        shown = idx[:max_images]
        with rc_context({"font.size": FONT_SIZE}):
            fig = Figure(figsize=(FIGSIZE[0] + 5, 5.2), layout="constrained")
            left, right = fig.subfigures(1, 2, width_ratios=[1, 1.3])
            ax = left.subplots()
            _draw_confusion(ax, C)
            rows = range(k) if true_dd.value < 0 else [true_dd.value]
            cols = range(k) if pred_dd.value < 0 else [pred_dd.value]
            ax.add_patch(Rectangle((min(cols) - 0.5, min(rows) - 0.5), len(cols), len(rows),
                                   fill=False, edgecolor=_ORANGE, lw=3))
            axes = right.subplots(3, 5)
            _draw_gallery(axes, images[shown],
                         [f"#{i}: {y_true[i]} -> {pred[i]}\np = {conf[i]:.2f}" for i in shown])
            image.value = _png(fig)

    for w in (true_dd, pred_dd, only_wrong, order_tb):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([true_dd, pred_dd]), widgets.HBox([only_wrong, order_tb]),
                         stats, image])


# ---------------------------------------------------------------- the "what goes wrong" lab

SWITCH_LABELS = {
    "init": ("initialization", {"uniform": "uniform [0, 1)", "scaled": "scaled (Glorot)"}),
    "activation": ("conv activation", {"sigmoid": "sigmoid", "relu": "ReLU"}),
    "standardize": ("standardize z2", {True: "yes, forward only", False: "no"}),
    "reduction": ("batch gradient", {"sum": "sum over images", "mean": "mean over images"}),
    "head": ("output + loss", {"sigmoid": "sigmoid + (y-O)^2/2", "softmax": "softmax + CE"}),
}


def lab_table(grid):
    """The lab's results as a text table, one configuration per line, in the grid's
    fixed order (the order of ``helpers.variants.variant_grid``).

    grid: ``helpers.variants.variant_grid``'s dict. Columns: the five switches (the
    article's value marked with *), conv units saturated (sigmoid) or inactive (ReLU) at
    the start, saturated outputs at the start, gradient norms |dw1| and |dW2| at the start,
    loss at the start and after the last step, accuracy on the held-out images.

    The last two columns come out of training, so their last digits depend on the
    machine's floating-point rounding: they are printed after a "≈" (which the notebook
    tests' sanitizer recognises), and the rows are never sorted by them.
    """
    rows = list(grid.values())
    steps = rows[0]["steps"]
    widths = {"init": 9, "activation": 8, "standardize": 6, "reduction": 5, "head": 8}
    head = (f"{'init':>9} {'conv':>8} {'stdz':>6} {'grad':>5} {'head':>8} | {'conv sat':>8} "
            f"{'out sat':>7} | {'|dw1|':>8} {'|dW2|':>8} | {'loss 0':>7} {f'loss {steps}':>9} | "
            f"{'held-out':>9}")
    lines = [head, "-" * len(head)]

    def switches(r):
        cells = []
        for name, width in widths.items():
            text = f"{r[name]}{'*' if ARTICLE_CHOICES[name] == r[name] else ''}"
            cells.append(f"{text:>{width}}")
        return " ".join(cells)

    for r in rows:
        gn = r["grad_norms"]
        final_loss = f"≈{r['final_loss']:.3f}"
        held_out = f"≈{100 * r['val_accuracy']:.1f}%"
        lines.append(
            f"{switches(r)} | {100 * r['conv_saturated']:7.1f}% "
            f"{100 * r['out_saturated']:6.1f}% | {gn['w1']:8.3g} {gn['W2']:8.3g} | "
            f"{r['loss'][0]:7.3f} {final_loss:>9} | {held_out:>9}")
    lines.append("* = the article's choice; loss 'nan' = diverged; conv sat = saturated sigmoid "
                 "units (ReLU: units at or below 0); ≈ = after training, the last digit may "
                 "differ on another machine")
    return "\n".join(lines)


@explorer("the failure-mode lab: the article's choices switched one at a time, and what each does to training")
def lab_explorer(grid):
    """Explorer over a precomputed ``helpers.variants.variant_grid``: one toggle per
    switch, buttons for "all the article's choices" and "all fixed", and for the chosen
    configuration its loss curve (next to the two extremes, in grey), its gradient norms,
    saturation and held-out accuracy. Returns an ipywidgets.VBox.
    """
    toggles = {}
    for name, (label, names) in SWITCH_LABELS.items():
        toggles[name] = widgets.ToggleButtons(
            options=[(names[v] + (" *" if v == ARTICLE_CHOICES[name] else ""), v)
                     for v in CHOICES[name]],
            value=FIXED_CHOICES[name], description=label,
            style={"description_width": "140px", "button_width": "190px"})
    article_btn = widgets.Button(description="all the article's choices (*)", layout=CONTROL_LAYOUT)
    fixed_btn = widgets.Button(description="all fixed", layout=CONTROL_LAYOUT)
    stats = widgets.HTML()
    image = widgets.Image(format="png")
    busy = {"setting": False}

    def current():
        return grid[grid_key(**{n: t.value for n, t in toggles.items()})]

    def redraw(*_):
        if busy["setting"]:
            return
        r = current()
        gn = r["grad_norms"]
        conv_word = "saturated" if r["activation"] == "sigmoid" else "at or below 0 (no gradient)"
        acc = r.get("val_accuracy", np.nan)
        verdict = ("<b style='color:#D55E00'>diverged (inf/nan)</b>" if not r["finite"] else
                   f"<b>held-out accuracy {100 * acc:.1f}%</b> (chance: about 10%)")
        stats.value = _html(
            f"{r['n']} images, {r['steps']} full-batch steps, learning rate {r['lr']}<br>"
            f"at the start: conv units {conv_word}: {100 * r['conv_saturated']:.1f}%, "
            f"outputs saturated: {100 * r['out_saturated']:.1f}% "
            f"(slope below {SATURATED_SLOPE}), std of the scores {r['z2_std']:.3g}<br>"
            f"gradient norms at the start: |dw1| = {gn['w1']:.3g}, |dW2| = {gn['W2']:.3g}, "
            f"|db2| = {gn.get('b2', 0.0):.3g}<br>"
            f"loss {r['loss'][0]:.3f} -> {r['final_loss']:.3f}; {verdict}")
        with rc_context({"font.size": FONT_SIZE}):
            fig = Figure(figsize=FIGSIZE, layout="constrained")
            ax = fig.subplots()
            steps = np.arange(len(r["loss"]))
            for ref, style, label in ((ARTICLE_CHOICES, ":", "all the article's"),
                                      (FIXED_CHOICES, "--", "all fixed")):
                ax.plot(steps, grid[grid_key(**ref)]["loss"], style, color=_GREY, lw=2, label=label)
            ax.plot(steps, r["loss"], color=_BLUE, lw=3, label="this configuration")
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel("training loss (log scale)")
            ax.legend(fontsize=FONT_SIZE - 2)
            ax.set_title("loss of the chosen configuration")
            image.value = _png(fig)

    def set_all(choices):
        busy["setting"] = True
        try:
            for name, t in toggles.items():
                t.value = choices[name]
        finally:
            busy["setting"] = False
        redraw()

    for t in toggles.values():
        t.observe(redraw, names="value")
    article_btn.on_click(lambda _: set_all(ARTICLE_CHOICES))
    fixed_btn.on_click(lambda _: set_all(FIXED_CHOICES))
    redraw()
    return widgets.VBox([*toggles.values(), widgets.HBox([article_btn, fixed_btn]), stats, image])
