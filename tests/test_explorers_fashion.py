"""Notebook 12's numbers agree with loops; its explorers build headless and react to controls."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")
from helpers.data import FASHION_MNIST_CLASSES as CLASSES  # noqa: E402
from helpers.explorers import fashion as F  # noqa: E402
from helpers.train import confusion_matrix  # noqa: E402


def find(box, cls):
    found = []
    for child in getattr(box, "children", ()):
        if isinstance(child, cls):
            found.append(child)
        found.extend(find(child, cls))
    return found


def data(n=200, seed=0):
    """Synthetic 'clothes': class k is a bright block whose width depends on k, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    x = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(y):
        x[i, 4:24, 10 - k // 2:18 + k // 2] = 200
    return x, y


# ---------------------------------------------------------------- numbers

def test_class_means_and_distances_match_loops():
    x, y = data()
    means = F.class_means(x, y)
    assert means.shape == (10, 28, 28) and means.max() <= 1
    for k in range(10):
        members = [x[i] / 255 for i in range(len(y)) if y[i] == k]
        assert np.allclose(means[k], sum(members) / len(members))
    dist = F.mean_distances(means)
    for i in range(10):
        for j in range(10):
            assert np.isclose(dist[i, j], np.sqrt(np.sum((means[i] - means[j]) ** 2)))
    assert np.allclose(F.class_means(x.astype(float) / 255, y), means)   # floats are not rescaled
    with pytest.raises(ValueError, match="no image"):
        F.class_means(x[y < 5], y[y < 5])
    with pytest.raises(ValueError, match="same length"):
        F.class_means(x, y[:-1])


def test_closest_and_confused_pairs():
    dist = np.array([[0, 5, 1], [5, 0, 3], [1, 3, 0]], dtype=float)
    assert F.closest_pairs(dist, 2) == [(0, 2, 1.0), (1, 2, 3.0)]
    cm = np.array([[50, 2, 9], [8, 40, 1], [3, 0, 60]])
    assert F.confused_pairs(cm, 2) == [(0, 2, 12), (0, 1, 10)]      # both directions counted


def test_nearest_mean_predict_matches_a_loop():
    x, y = data()
    means = F.class_means(x, y)
    pred = F.nearest_mean_predict(x, means, batch_size=37)            # several batches
    slow = [np.argmin([np.linalg.norm(img / 255 - m) for m in means]) for img in x]
    assert np.array_equal(pred, slow)
    assert np.mean(pred == y) > 0.9                                   # the blocks are separable


def test_misclassified_and_class_examples():
    y_true = np.array([0, 1, 1, 2, 1])
    y_pred = np.array([0, 2, 1, 2, 2])
    assert F.misclassified(y_true, y_pred, 1, 2).tolist() == [1, 4]
    assert F.misclassified(y_true, y_pred, 1, 1).tolist() == [2]
    with pytest.raises(ValueError, match="same length"):
        F.misclassified(y_true, y_pred[:-1], 1, 2)
    _, y = data()
    idx = F.class_examples(y, per_class=4, seed=1)
    assert np.array_equal(y[idx], np.repeat(np.arange(10), 4)) and len(set(idx)) == 40
    assert np.array_equal(idx, F.class_examples(y, per_class=4, seed=1))   # seeded
    with pytest.raises(ValueError, match="fewer than"):
        F.class_examples(y, per_class=50)
    assert F.short_names(CLASSES)[0] == "T-shirt"


def test_plot_distances_returns_a_labelled_figure():
    x, y = data()
    fig = F.plot_distances(F.mean_distances(F.class_means(x, y)), CLASSES)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["T-shirt", "Trouser"]
    assert len(ax.texts) == 100


# ---------------------------------------------------------------- explorers

def test_class_browser_pages_through_one_class():
    x, y = data(n=500)
    box = F.class_browser(x, y, CLASSES, per_page=30)
    dropdown = find(box, widgets.Dropdown)[0]
    page = find(box, widgets.IntSlider)[0]
    picture = find(box, widgets.Image)[0]
    summary = find(box, widgets.HTML)[1]
    assert picture.value[:4] == b"\x89PNG"
    assert "T-shirt/top</b>: 50 images" in summary.value and page.max == 1
    before = picture.value
    page.value = 1
    assert "showing 31-50" in summary.value and picture.value != before
    dropdown.value = 6
    assert "Shirt</b>: 50 images" in summary.value and page.value == 0


def test_confusion_explorer_starts_on_the_largest_mistake_and_counts():
    x, y = data()
    pred = y.copy()
    pred[y == 6] = np.where(np.arange(20) < 7, 0, 6)      # 7 shirts called T-shirts
    pred[y == 2] = np.where(np.arange(20) < 3, 4, 2)      # 3 pullovers called coats
    box = F.confusion_explorer(x, y, pred, CLASSES)
    true_box, pred_box = find(box, widgets.Dropdown)
    summary = find(box, widgets.HTML)[1]
    matrix, gallery = find(box, widgets.Image)
    assert (true_box.value, pred_box.value) == (6, 0)
    assert "<b>7</b> of the 20 <b>Shirt</b>" in summary.value
    assert confusion_matrix(y, pred, 10)[6, 0] == 7
    before = matrix.value
    true_box.value, pred_box.value = 2, 4
    assert "<b>3</b> of the 20 <b>Pullover</b>" in summary.value and matrix.value != before
    pred_box.value = 2
    assert "correctly classified" in summary.value and "<b>17</b>" in summary.value
    true_box.value, pred_box.value = 1, 9
    assert "<b>0</b> of the 20" in summary.value and gallery.value[:4] == b"\x89PNG"
