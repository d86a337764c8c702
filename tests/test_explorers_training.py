"""The explorers of notebooks 06-07 build headless on real (bundled) MNIST, react to their
controls and show the right numbers; their static figures draw the expected axes."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import re  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")
import matplotlib.pyplot as plt  # noqa: E402

from helpers import nets, train  # noqa: E402
from helpers.data import load_mnist  # noqa: E402
from helpers.explorers import training as T  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STEPS = 24
CHECKPOINTS = (0, 8, STEPS)


def _bold(readout):
    """The numbers written in bold in a readout, in order."""
    return [float(v) for v in re.findall(r"<b>(-?[0-9.]+)</b>", readout.value)]


def _probability(readout):
    """The probability the feature-map readout prints after the predicted class."""
    return float(re.search(r"\(probability ([0-9.]+)\)", readout.value).group(1))


def _state(box):
    return box.readout.value, bytes(box.figure.value)


@pytest.fixture(scope="module")
def mnist():
    (x_train, y_train), (x_test, y_test) = load_mnist("bundled")
    return x_train[:256], y_train[:256], x_test[:120], y_test[:120]


@pytest.fixture(scope="module")
def trained(mnist):
    """A small improved CNN trained for a few steps, with checkpoints and a live plot."""
    x, y, x_val, y_val = mnist
    net = nets.IMPROVED_CNN
    p0 = nets.init_improved_cnn(10, channels=(4, 8), seed=0)
    live, callback = T.live_training_plot(STEPS, title="tiny")
    waiting = live.readout.value
    params, history = train.fit(net, p0, x, y, batch_size=32, epochs=3, max_steps=STEPS, eval_every=8,
                                x_val=x_val, y_val=y_val, callback=callback,
                                checkpoint_steps=CHECKPOINTS, progress=False)
    return {"net": net, "params": params, "history": history, "live": live,
            "waiting": waiting}


# ---------------------------------------------------------------- the article's bugs

def test_layout_explorer_names_the_filters_each_reading_mixes():
    box = T.layout_explorer(num_filters=3, side=4)
    assert bytes(box.figure.value).startswith(PNG_MAGIC)
    flat = np.arange(3 * 16)
    # default: the article's position-major reading mixes every filter into map 0
    owners = sorted(set((flat.reshape(4, 4, 3)[:, :, 0].ravel() // 16).tolist()))
    assert owners == [0, 1, 2]
    assert "<b>filters 0, 1, 2</b>" in box.readout.value
    before = _state(box)
    box.controls["reading"].value = "right"
    after = _state(box)
    assert after[0] != before[0] and after[1] != before[1]
    assert "<b>only filter 0</b>" in box.readout.value
    before = _state(box)
    box.controls["filter"].value = 2
    assert _state(box)[1] != before[1]
    assert _bold(box.readout)[0] == 2 and "<b>only filter 2</b>" in box.readout.value


def test_layout_explorer_position_major_reading_of_one_filter_is_wrong_unless_f_is_1():
    one_filter = T.layout_explorer(num_filters=1, side=3)
    assert "<b>only filter 0</b>" in one_filter.readout.value   # F = 1: both readings agree
    box = T.layout_explorer(num_filters=2, side=3)
    box.controls["filter"].value = 1
    assert "<b>filters 0, 1</b>" in box.readout.value


def test_transpose_explorer_follows_its_slider(mnist):
    images = mnist[0][:4]
    box = T.transpose_explorer(images)
    assert box.controls["image"].max == 3
    assert "(x.T)[:, :, 0] equals x[0].T: <b>True</b>" in box.readout.value
    before = _state(box)
    box.controls["image"].value = 3
    after = _state(box)
    assert after[0] != before[0] and after[1] != before[1]
    assert "x[3].T: <b>True</b>" in box.readout.value
    assert not np.array_equal(images[3], images[3].T)     # so the picture does show a flip


# ---------------------------------------------------------------- live plot

def test_live_training_plot_shows_the_last_evaluation(trained):
    live, h = trained["live"], trained["history"]
    assert "waiting" in trained["waiting"] and "waiting" not in live.readout.value
    assert bytes(live.figure.value).startswith(PNG_MAGIC)
    assert h.val_step == [8, 16, 24]
    step, acc = _bold(live.readout)
    assert step == h.val_step[-1] == STEPS
    assert acc == pytest.approx(h.val_accuracy[-1], abs=5e-4)
    assert f"of {STEPS}" in live.readout.value


def test_live_training_plot_redraws_on_each_call():
    box, callback = T.live_training_plot(10)
    h = train.History(step=[1, 2], loss=[2.3, 2.1])
    callback(h, {})
    first = bytes(box.figure.value)
    assert first.startswith(PNG_MAGIC) and "waiting" in box.readout.value   # no evaluation yet
    h.step.append(3)
    h.loss.append(1.5)
    h.val_step.append(3)
    h.val_accuracy.append(0.4567)
    callback(h, {})
    assert bytes(box.figure.value) != first
    assert _bold(box.readout) == [3, 0.457]


# ---------------------------------------------------------------- after training

def test_misclassified_gallery_counts_and_pages(trained, mnist):
    _, _, x_val, y_val = mnist
    y_pred = train.predict(trained["net"], trained["params"], x_val)
    wrong = np.flatnonzero(y_pred != y_val)
    assert 8 < len(wrong) < len(y_val)          # a few steps of training: some right, some wrong
    box = T.misclassified_gallery(x_val, y_val, y_pred, per_page=4)
    pages = -(-len(wrong) // 4)
    assert _bold(box.readout) == [len(wrong)]
    assert f"(of {len(x_val)}); page 1 of {pages}" in box.readout.value
    assert box.controls["page"].max == pages - 1
    before = _state(box)
    box.controls["page"].value = 1
    after = _state(box)
    assert after[1] != before[1] and f"page 2 of {pages}" in box.readout.value

    counts = np.bincount(y_val[wrong], minlength=10)
    k = int(np.argmax(counts))
    box.controls["true_class"].value = k
    assert box.controls["page"].value == 0           # a new class starts on its first page
    assert _bold(box.readout) == [counts[k]]
    assert f"page 1 of {max(1, -(-counts[k] // 4))}" in box.readout.value
    assert box.controls["page"].max == max(1, -(-counts[k] // 4)) - 1


def test_misclassified_gallery_with_no_mistakes_in_a_class():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 28, 28)).astype(np.uint8)
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([1, 0, 1, 1, 0, 2])
    box = T.misclassified_gallery(images, y_true, y_pred, class_names=["a", "b", "c"])
    assert _bold(box.readout) == [2]
    box.controls["true_class"].value = 1             # class "b" is never misclassified
    assert _bold(box.readout) == [0] and "page 1 of 1" in box.readout.value
    assert bytes(box.figure.value).startswith(PNG_MAGIC)


def test_feature_map_explorer_cnn_predicts_like_the_network(trained, mnist):
    params = trained["params"]
    images = mnist[2][:5]
    box = T.feature_map_explorer(params, images)
    assert box.controls["filters"].max == 4 and box.controls["filters"].value == 4
    z = train.predict_logits(trained["net"], params, images)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    for d in (0, 3):
        before = _state(box)
        box.controls["digit"].value = d
        assert d == 0 or _state(box)[1] != before[1]
        (cls,), prob = _bold(box.readout), _probability(box.readout)
        assert cls == np.argmax(z[d])
        assert prob == pytest.approx(p[d].max(), abs=5e-3)
    before = _state(box)
    box.controls["filters"].value = 2
    assert _state(box)[1] != before[1]
    assert "relu(z1): 28x28" in box.readout.value


@pytest.mark.parametrize("outputs", [10, 1])
def test_feature_map_explorer_article_net(mnist, outputs):
    params = nets.init_article_net(outputs, init="scaled", seed=1)
    images = mnist[2][:3]
    box = T.feature_map_explorer(params, images, kind="article")
    assert box.controls["filters"].max == 3
    z = train.predict_logits(nets.ARTICLE_NET, params, images)
    for d in (0, 2):
        box.controls["digit"].value = d
        (cls,), prob = _bold(box.readout), _probability(box.readout)
        if outputs == 1:
            p1 = 1 / (1 + np.exp(-z[d, 0]))
            assert cls == int(z[d, 0] > 0)
            assert prob == pytest.approx(max(p1, 1 - p1), abs=5e-3)
        else:
            assert cls == np.argmax(z[d])
    assert "a1 = sigmoid(z1)" in box.readout.value


def test_time_machine_shows_the_loss_of_the_chosen_checkpoint(trained, mnist):
    net, h = trained["net"], trained["history"]
    x_show, y_show = mnist[2][:6], mnist[3][:6]
    x_eval, y_eval = mnist[2], mnist[3]
    box = T.time_machine(net, h, x_show, y_show, x_eval, y_eval)
    assert list(box.controls["step"].options) == list(CHECKPOINTS)
    assert box.controls["step"].value == STEPS
    shown = {}
    for step in (STEPS, 0, 8):
        before = _state(box)
        box.controls["step"].value = step
        after = _state(box)
        assert step == STEPS or (after[0] != before[0] and after[1] != before[1])
        value, acc = train.evaluate(net, h.checkpoints[step], x_eval, y_eval)
        got_step, got_loss, got_acc = _bold(box.readout)
        assert got_step == step
        assert got_loss == pytest.approx(value, abs=5e-4)
        assert got_acc == pytest.approx(acc, abs=5e-4)
        shown[step] = got_loss
    # the final checkpoint is the returned model, and training lowered the held-out loss
    np.testing.assert_array_equal(h.checkpoints[STEPS]["w1"], trained["params"]["w1"])
    assert shown[STEPS] < shown[0]
    assert shown[0] == pytest.approx(np.log(10), abs=1.0)     # untrained: near chance
    assert box.measure(8) is box.measure(8)       # measured once per checkpoint, then cached


def test_time_machine_needs_checkpoints(mnist):
    with pytest.raises(ValueError, match="checkpoint"):
        T.time_machine(nets.IMPROVED_CNN, train.History(), mnist[2][:2], mnist[3][:2],
                       mnist[2][:2], mnist[3][:2])


# ---------------------------------------------------------------- static figures

def test_static_figures_draw_the_expected_axes(trained):
    open_before = plt.get_fignums()
    h = trained["history"]
    fig = T.plot_history({"a": h, "b": h})
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), h.val_accuracy)

    cm = np.array([[5, 1, 0], [0, 7, 2], [3, 0, 9]])
    fig = T.plot_confusion_matrix(cm, ["x", "y", "z"])
    assert len(fig.axes) == 1 and len(fig.axes[0].images) == 1
    assert sorted(t.get_text() for t in fig.axes[0].texts) == sorted(str(v) for v in cm[cm > 0])

    images = np.zeros((10, 28, 28), dtype=np.uint8)
    fig = T.plot_digits(images, [str(i) for i in range(10)], columns=8)
    assert len(fig.axes) == 16
    assert sum(len(ax.images) for ax in fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes[:10]] == [str(i) for i in range(10)]
    fig = T.plot_digits(images[:1], columns=8)
    assert len(fig.axes) == 8 and sum(len(ax.images) for ax in fig.axes) == 1

    w = trained["params"]["w1"][:, 0]
    fig = T.plot_filters(w, title="w1")
    assert len(fig.axes) == 4 and all(len(ax.images) == 1 for ax in fig.axes)
    fig = T.plot_filters(np.ones((10, 3, 3)), columns=8)
    assert len(fig.axes) == 16 and sum(len(ax.images) for ax in fig.axes) == 10
    assert fig._suptitle.get_text() == "filters"
    for fig in (T.plot_history({"a": h}), T.plot_filters(w)):
        assert T._png(fig).startswith(PNG_MAGIC)
    assert plt.get_fignums() == open_before      # Agg figures: nothing left open in pyplot
    plt.close("all")


# ---------------------------------------------------------------- right and wrong, told apart

def test_time_machine_marks_right_and_wrong_with_a_tick_or_a_cross(trained, mnist, monkeypatch):
    from helpers.explorers._style import RIGHT_COLOUR, RIGHT_MARK, WRONG_COLOUR, WRONG_MARK

    figures = []
    monkeypatch.setattr(T, "_png", lambda fig: figures.append(fig) or PNG_MAGIC)
    net, h = trained["net"], trained["history"]
    x_show, y_show = mnist[2][:12], mnist[3][:12]
    box = T.time_machine(net, h, x_show, y_show, mnist[2][:20], mnist[3][:20])
    box.controls["step"].value = 8
    z = train.predict_logits(net, h.checkpoints[8], x_show)
    right = np.argmax(z, axis=1) == y_show
    assert right.any() and not right.all()         # a few steps of training: both kinds shown
    digit_axes = [ax for ax in figures[-1].axes if ax.get_title() and ax.get_images()
                  and not ax.get_title().startswith("filter")]
    assert len(digit_axes) == len(x_show)
    for ax, ok, pred in zip(digit_axes, right, np.argmax(z, axis=1)):
        title = ax.title
        assert title.get_text().startswith(f"{RIGHT_MARK if ok else WRONG_MARK} {pred} (")
        assert title.get_color() == (RIGHT_COLOUR if ok else WRONG_COLOUR)
    assert RIGHT_MARK in box.readout.value and WRONG_MARK in box.readout.value
    assert not re.search(r"\b(green|red)\b", box.readout.value)


def test_misclassified_gallery_marks_every_title_wrong(monkeypatch):
    from helpers.explorers._style import WRONG_COLOUR, WRONG_MARK

    figures = []
    monkeypatch.setattr(T, "_png", lambda fig: figures.append(fig) or PNG_MAGIC)
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    T.misclassified_gallery(images, np.array([0, 1, 2, 3]), np.array([1, 1, 0, 3]))
    titles = [ax.title for ax in figures[-1].axes if ax.get_title()]
    assert [t.get_text() for t in titles] == [f"{WRONG_MARK} 0 -> 1", f"{WRONG_MARK} 2 -> 0"]
    assert {t.get_color() for t in titles} == {WRONG_COLOUR}
