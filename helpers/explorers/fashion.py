"""Explorers and figures for notebook 12: the ten Fashion-MNIST classes and their confusions.

Explorers (each returns one ipywidgets container):

    class_browser(images, labels, class_names)
        pick a class, page through its images
    confusion_explorer(images, y_true, y_pred, class_names)
        pick a true and a predicted class: the confusion matrix with that cell
        outlined, the count, and the images misclassified that way

Figures: confusion matrices and image grids come from notebook 07's
``helpers.explorers.training`` (``plot_confusion_matrix``, ``plot_digits``); this module adds

    plot_distances(dist, class_names)      distances between class means, a Figure
    class_examples(labels, per_class)      indices of a seeded gallery, one row per class
    short_names(class_names)               "T-shirt/top" -> "T-shirt", for axis labels

Numbers (NumPy only, so tests and checks can reuse them):

    class_means(images, labels, K)        (K, H, W) mean image of each class, pixels in [0, 1]
    mean_distances(means)                 (K, K) Euclidean distances between the means
    closest_pairs(dist, k)                the k closest class pairs (i < j, distance)
    nearest_mean_predict(images, means)   label of the closest class mean, (N,)
    confused_pairs(cm, k)                 the k pairs with most confusions C[i, j] + C[j, i]
    misclassified(y_true, y_pred, t, p)   indices of the images of class t predicted as p

Explorer figures are drawn on matplotlib's Agg canvas into ``widgets.Image`` (PNG), so the
explorers redraw the same way in JupyterLab, in Voila and in a headless test.
"""

import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._static import explorer
from ._style import CONTROL_LAYOUT, CONTROL_STYLE, FONT_SIZE, slider
from .training import plot_confusion_matrix, plot_digits

__all__ = [
    "class_means", "mean_distances", "closest_pairs", "nearest_mean_predict",
    "confused_pairs", "misclassified",
    "short_names", "class_examples", "plot_distances",
    "class_browser", "confusion_explorer",
]


# ---------------------------------------------------------------- numbers

def _scaled(images):
    """Images as float64 in [0, 1]: uint8 pixels are divided by 255, floats kept."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W) or (N, 1, H, W), got {images.shape}")
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return images.astype(np.float64) / scale


def class_means(images, labels, num_classes=10):
    """The mean image of each class: means[k] = average of images[labels == k].

    images (N, H, W) uint8 or float, labels (N,) -> (K, H, W) float64, pixels in [0, 1].
    A class with no image raises ValueError (its mean is undefined).
    """
    x = _scaled(images)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(x):
        raise ValueError(f"images and labels must have the same length, got {len(x)} and "
                         f"{len(labels)}")
    counts = np.bincount(labels.astype(np.int64), minlength=num_classes)[:num_classes]
    if np.any(counts == 0):
        raise ValueError(f"classes {np.flatnonzero(counts == 0).tolist()} have no image")
    sums = np.zeros((num_classes,) + x.shape[1:])
    np.add.at(sums, labels, x)
    return sums / counts[:, None, None]


def mean_distances(means):
    """dist[i, j] = ||means[i] - means[j]|| (Euclidean, over all pixels): (K, K), symmetric,
    zero diagonal. Small = the two classes look alike on average."""
    flat = np.asarray(means, dtype=np.float64).reshape(len(means), -1)
    diff = flat[:, None, :] - flat[None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def closest_pairs(dist, k=5):
    """The k class pairs (i, j), i < j, with the smallest dist[i, j]: [(i, j, d), ...]."""
    dist = np.asarray(dist)
    rows, cols = np.triu_indices(len(dist), 1)
    order = np.argsort(dist[rows, cols], kind="stable")[:k]
    return [(int(rows[o]), int(cols[o]), float(dist[rows[o], cols[o]])) for o in order]


def nearest_mean_predict(images, means, batch_size=1000):
    """The class whose mean image is closest to each image: (N,) int64.

    The simplest "template" classifier: no training beyond averaging.
    ||x - m||^2 = ||x||^2 - 2 x.m + ||m||^2, and ||x||^2 is the same for every class.
    """
    flat_means = np.asarray(means, dtype=np.float64).reshape(len(means), -1)
    m2 = np.sum(flat_means ** 2, axis=1)
    out = []
    for start in range(0, len(images), batch_size):
        x = _scaled(images[start:start + batch_size]).reshape(-1, flat_means.shape[1])
        out.append(np.argmin(m2[None, :] - 2 * x @ flat_means.T, axis=1))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def confused_pairs(cm, k=5):
    """The k class pairs {i, j} most often mixed up, both directions counted:
    [(i, j, C[i, j] + C[j, i]), ...] with i < j, most confusions first."""
    cm = np.asarray(cm)
    both = cm + cm.T
    rows, cols = np.triu_indices(len(cm), 1)
    order = np.argsort(-both[rows, cols], kind="stable")[:k]
    return [(int(rows[o]), int(cols[o]), int(both[rows[o], cols[o]])) for o in order]


def misclassified(y_true, y_pred, true_class, predicted_class):
    """Indices n with y_true[n] == true_class and y_pred[n] == predicted_class
    (true_class == predicted_class gives the correct ones of that class)."""
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {y_true.shape} and "
                         f"{y_pred.shape}")
    return np.flatnonzero((y_true == true_class) & (y_pred == predicted_class))


# ---------------------------------------------------------------- figures

def short_names(class_names):
    """Class names cut at the first "/" ("T-shirt/top" -> "T-shirt"), for axis labels."""
    return [name.split("/")[0] for name in class_names]


def class_examples(labels, per_class=10, seed=0, num_classes=10):
    """Indices of ``per_class`` images of every class, drawn at random (seeded) without
    replacement, grouped by class: (num_classes * per_class,) for a gallery, one row per class."""
    labels = np.asarray(labels).reshape(-1)
    rng = np.random.default_rng(seed)
    picked = []
    for k in range(num_classes):
        pool = np.flatnonzero(labels == k)
        if len(pool) < per_class:
            raise ValueError(f"class {k} has {len(pool)} images, fewer than per_class={per_class}")
        picked.append(rng.choice(pool, size=per_class, replace=False))
    return np.concatenate(picked)


def plot_distances(dist, class_names, title="distance between class means"):
    """A symmetric (K, K) distance matrix as a heat map with one decimal in each cell
    (dark = close, alike; light = far apart). Returns a Figure."""
    dist = np.asarray(dist)
    k = len(class_names)
    with rc_context({"font.size": FONT_SIZE}):
        fig = Figure(figsize=(8, 7), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        ax.imshow(dist, cmap="Purples_r")
        top = dist.max() if dist.size else 0
        for i in range(k):
            for j in range(k):
                ax.text(j, i, f"{dist[i, j]:.1f}", ha="center", va="center", fontsize=10,
                        color="white" if dist[i, j] < 0.4 * top else "black")
        ax.set_xticks(range(k), short_names(class_names), rotation=45, ha="right")
        ax.set_yticks(range(k), short_names(class_names))
        ax.set_title(title)
    return fig


def _png(fig):
    buf = io.BytesIO()
    with rc_context({"font.size": FONT_SIZE}):
        fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


# ---------------------------------------------------------------- explorers

def _dropdown(class_names, description, value=0):
    return widgets.Dropdown(options=[(name, k) for k, name in enumerate(class_names)],
                            value=value, description=description, layout=CONTROL_LAYOUT,
                            style=CONTROL_STYLE)


def _html(text):
    return f"<div style='font-size:{FONT_SIZE + 3}px; line-height:1.5'>{text}</div>"


@explorer('Fashion-MNIST images of one class, page by page')
def class_browser(images, labels, class_names, per_page=30, columns=10):
    """Pick a class, page through its images (``per_page`` at a time, in data order).

    images (N, H, W) uint8 or float, labels (N,). Returns a VBox; its pages are drawn
    by notebook 07's ``plot_digits``.
    """
    labels = np.asarray(labels).reshape(-1)
    choice = _dropdown(class_names, "class")
    page = slider(min=0, max=0, value=0, description="page")
    summary = widgets.HTML()
    picture = widgets.Image(format="png")

    def members():
        return np.flatnonzero(labels == choice.value)

    def redraw(_=None):
        idx = members()
        first = page.value * per_page
        shown = idx[first:first + per_page]
        picture.value = _png(plot_digits(images[shown], [f"#{i}" for i in shown],
                                         columns=columns, size=1.3))
        summary.value = _html(
            f"<b>{html.escape(class_names[choice.value])}</b>: {len(idx)} images; showing "
            f"{first + 1 if len(shown) else 0}-{first + len(shown)} (#n = index in the data)")

    def new_class(_=None):
        pages = max(1, -(-len(members()) // per_page))
        page.unobserve(redraw, names="value")
        page.value, page.max = 0, pages - 1
        page.observe(redraw, names="value")
        redraw()

    choice.observe(new_class, names="value")
    new_class()
    title = widgets.HTML("<h3>Class browser: what the images of one class look like</h3>")
    return widgets.VBox([title, widgets.HBox([choice, page]), summary, picture])


@explorer("the Fashion-MNIST confusion matrix and the images behind any cell, starting on the "
          "most frequent mistake", settings_in_summary=False)   # that cell comes out of training
def confusion_explorer(images, y_true, y_pred, class_names, max_images=20, columns=10):
    """Pick a true class and a predicted class by name: how many test images go that
    way, that cell outlined in the confusion matrix, and the images themselves.

    images (N, H, W), y_true (N,), y_pred (N,). Starts on the largest off-diagonal
    cell (the most frequent single mistake). Like notebook 10's confusion_explorer,
    with class names instead of digits; drawn with notebook 07's
    ``plot_confusion_matrix`` and ``plot_digits``. Returns a VBox.
    """
    y_true = np.asarray(y_true).reshape(-1).astype(np.int64)
    y_pred = np.asarray(y_pred).reshape(-1).astype(np.int64)
    k = len(class_names)
    cm = np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)
    off = np.where(np.eye(k, dtype=bool), -1, cm)
    i0, j0 = np.unravel_index(int(np.argmax(off)), off.shape)
    true_box = _dropdown(class_names, "true class", int(i0))
    pred_box = _dropdown(class_names, "predicted as", int(j0))
    summary = widgets.HTML()
    matrix = widgets.Image(format="png")
    gallery = widgets.Image(format="png")

    def redraw(_=None):
        t, p = true_box.value, pred_box.value
        idx = misclassified(y_true, y_pred, t, p)
        shown = idx[:max_images]
        fig = plot_confusion_matrix(cm, short_names(class_names), "confusion matrix (test images)")
        fig.axes[0].add_patch(Rectangle((p - 0.5, t - 0.5), 1, 1, fill=False, ec="tab:orange",
                                        lw=3.5))
        matrix.value = _png(fig)
        gallery.value = _png(plot_digits(images[shown], [f"#{i}" for i in shown],
                                         columns=columns, size=1.3))
        n_true = int(cm[t].sum())
        what = ("correctly classified" if t == p
                else f"predicted as <b>{html.escape(class_names[p])}</b>")
        summary.value = _html(
            f"<b>{len(idx)}</b> of the {n_true} <b>{html.escape(class_names[t])}</b> images are "
            f"{what} ({100 * len(idx) / max(1, n_true):.1f}%); showing {len(shown)}.")

    true_box.observe(redraw, names="value")
    pred_box.observe(redraw, names="value")
    redraw()
    title = widgets.HTML("<h3>Confusion explorer: which clothes does the network mix up?</h3>")
    return widgets.VBox([title, widgets.HBox([true_box, pred_box]), summary,
                         widgets.HBox([matrix, gallery])])
