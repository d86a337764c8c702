"""Headless tests of notebook 10's explorers and figure helpers: build each one, move a
control as a learner would, and check that what it displays changed accordingly."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from support import find_widget  # noqa: E402
from helpers import variants  # noqa: E402
from helpers.explorers.classification import (  # noqa: E402
    SWITCH_LABELS, _draw_confusion, _draw_gallery, confident_mistakes, confusion_explorer,
    lab_explorer, lab_table, softmax_explorer,
)




def _find_all(box, cls):
    out, stack = [], [box]
    while stack:
        w = stack.pop(0)
        if isinstance(w, cls):
            out.append(w)
        stack.extend(getattr(w, "children", ()))
    return out


# ---------------------------------------------------------------- softmax explorer

def test_softmax_explorer_shows_loss_and_reacts():
    box = softmax_explorer(logits=(0.0, 0.0, 0.0, 0.0), true_class=0)
    stats = find_widget(box, widgets.HTML)
    image = find_widget(box, widgets.Image)
    assert "loss = -log p<sub>0</sub> = 1.386" in stats.value          # ln 4, equal logits
    before = image.value
    find_widget(box, widgets.FloatSlider, "logit z0").value = 3.0
    assert image.value != before and "1.386</b>" not in stats.value


def test_softmax_explorer_shift_changes_nothing_but_the_naive_formula():
    box = softmax_explorer()
    stats = find_widget(box, widgets.HTML)
    p_line = stats.value.split("<br>")[0]
    assert "unshifted formula exp(z) / sum exp(z): same" in stats.value
    find_widget(box, widgets.FloatSlider, "add c to all").value = 1000.0
    assert stats.value.split("<br>")[0] == p_line                     # probabilities unchanged
    assert "exp overflowed" in stats.value and "nan" in stats.value


def test_softmax_explorer_true_class_moves_the_loss():
    box = softmax_explorer(logits=(1.0, 2.0, 3.0, 0.5), true_class=0)
    stats = find_widget(box, widgets.HTML)
    find_widget(box, widgets.ToggleButtons).value = 2
    assert "-log p<sub>2</sub>" in stats.value


# ---------------------------------------------------------------- confusion helpers

def test_draw_confusion_writes_every_nonzero_count():
    C = np.array([[5, 1, 0], [0, 7, 2], [3, 0, 4]])
    fig = Figure()
    ax = fig.subplots()
    _draw_confusion(ax, C, "t")
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(str(v) for v in C.ravel() if v)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_draw_gallery_switches_off_unused_axes():
    fig = Figure()
    axes = fig.subplots(2, 3)
    _draw_gallery(axes, np.zeros((4, 28, 28)), [f"t{i}" for i in range(4)])
    assert [ax.get_title() for ax in axes.ravel()] == ["t0", "t1", "t2", "t3", "", ""]
    assert len(axes.ravel()[0].images) == 1 and len(axes.ravel()[5].images) == 0


def test_confident_mistakes_orders_wrong_answers_by_probability():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.7, 0.3]])
    y = np.array([0, 0, 1, 0, 1])          # wrong: 1 (p .8), 2 (p .6), 3 (p .95), 4 (p .7)
    idx, pred, conf = confident_mistakes(y, probs, k=3)
    assert idx.tolist() == [3, 1, 4]
    assert pred.tolist() == [1, 1, 0] and np.allclose(conf, [0.95, 0.8, 0.7])
    idx_all, _, _ = confident_mistakes(y, probs, k=10)
    assert idx_all.tolist() == [3, 1, 4, 2]


def test_confusion_explorer_filters_cells():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(40, 28, 28)).astype(np.uint8)
    y = np.arange(40) % 4
    probs = np.full((40, 4), 0.1)
    pred = y.copy()
    pred[:6] = (y[:6] + 1) % 4            # six mistakes
    probs[np.arange(40), pred] = 0.5 + 0.01 * np.arange(40)      # distinct confidences
    box = confusion_explorer(images, y, probs)
    stats = find_widget(box, widgets.HTML)
    assert "6 image(s) match" in stats.value                     # mistakes only, any cell
    find_widget(box, widgets.Checkbox).value = False
    assert "40 image(s) match" in stats.value
    find_widget(box, widgets.Dropdown, "true class").value = 0
    find_widget(box, widgets.Dropdown, "predicted class").value = 1
    assert "2 image(s) match" in stats.value                     # images 0 and 4
    image = find_widget(box, widgets.Image)
    before = bytes(image.value)
    find_widget(box, widgets.ToggleButtons).value = "least confident first"
    assert bytes(image.value) != before and bytes(image.value).startswith(b"\x89PNG")


# ---------------------------------------------------------------- the lab

@pytest.fixture(scope="module")
def small_grid():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(12, 28, 28)).astype(np.uint8)
    y = np.arange(12) % 10
    return variants.variant_grid(x, y, steps=2, lr=0.1, x_val=x[:6], y_val=y[:6])


def test_lab_table_lists_every_configuration_and_marks_the_article(small_grid):
    text = lab_table(small_grid)
    lines = text.splitlines()
    assert len(lines) == 2 + 32 + 1
    assert lines[0].split()[:5] == ["init", "conv", "stdz", "grad", "head"]
    article_rows = [ln for ln in lines[2:-1] if ln.split("|")[0].count("*") == 5]
    assert len(article_rows) == 1 and "uniform*" in article_rows[0]
    assert any(ln.split("|")[0].count("*") == 0 for ln in lines[2:-1])     # all fixed


def test_lab_table_keeps_the_grid_order_and_marks_what_training_computed(small_grid):
    # Rows never sorted by a trained number (its order would differ between machines), and
    # the two columns that come out of training carry the "≈" that nbval's sanitizer reads.
    rows = lab_table(small_grid).splitlines()[2:-1]
    for row, r in zip(rows, small_grid.values(), strict=True):
        switches = [cell.rstrip("*") for cell in row.split("|")[0].split()]
        assert switches == [str(r[name]) for name in ("init", "activation", "standardize",
                                                        "reduction", "head")]
        trained = row.split("|")[-2:]
        assert row.count("≈") == 2
        assert f"≈{r['final_loss']:.3f}" in trained[0] and f"≈{100 * r['val_accuracy']:.1f}%" in trained[1]


def test_lab_explorer_looks_up_the_chosen_configuration(small_grid):
    box = lab_explorer(small_grid)
    stats = find_widget(box, widgets.HTML)
    fixed = small_grid[variants.grid_key(**variants.FIXED_CHOICES)]
    assert f"|dw1| = {fixed['grad_norms']['w1']:.3g}" in stats.value
    buttons = {b.description: b for b in _find_all(box, widgets.Button)}
    buttons["all the article's choices (*)"].click()
    article = small_grid[variants.grid_key(**variants.ARTICLE_CHOICES)]
    assert f"|dw1| = {article['grad_norms']['w1']:.3g}" in stats.value
    toggles = {t.description: t for t in _find_all(box, widgets.ToggleButtons)}
    assert toggles["initialization"].value == "uniform" and toggles["output + loss"].value == "sigmoid"
    toggles["initialization"].value = "scaled"
    chosen = small_grid[variants.grid_key("scaled", "sigmoid", True, "sum", "sigmoid")]
    assert f"|dw1| = {chosen['grad_norms']['w1']:.3g}" in stats.value
    buttons["all fixed"].click()
    assert all(toggles[label].value == variants.FIXED_CHOICES[name]
               for name, (label, _) in SWITCH_LABELS.items())


def test_lab_explorer_reports_divergence():
    grid = {}
    for combo in np.ndindex(*(2,) * 5):
        choices = {name: values[i] for (name, values), i in zip(variants.CHOICES.items(), combo)}
        grid[variants.grid_key(**choices)] = dict(
            choices, steps=2, lr=0.1, n=4, loss=[1.0, float("nan"), float("nan")],
            final_loss=float("nan"), finite=False, train_accuracy=float("nan"),
            val_accuracy=float("nan"), grad_norms={"w1": 1.0, "W2": 1.0, "b1": 1.0, "b2": 1.0},
            conv_saturated=0.0, out_saturated=0.0, z2_std=1.0)
    box = lab_explorer(grid)
    assert "diverged" in find_widget(box, widgets.HTML).value
    assert "nan" in lab_table(grid)
