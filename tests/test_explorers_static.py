"""Every explorer also displays as a picture with a one-line summary (helpers/explorers/_static.py),
and finished progress bars and live plots store their final state.

Headless checks of the bundle, then one small notebook run in a real kernel (nbclient, as
tools/run_notebooks.py records the course) to check what a saved notebook stores: the
explorer's picture, the live plot's final figure and the progress bar's final line.
"""

import ast
import importlib
import io
import os
import re
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")
from matplotlib.image import imread  # noqa: E402

from helpers.explorers import _static  # noqa: E402
from helpers.explorers.convolution import step_explorer, window_explorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = _static.WIDGET_VIEW
TOPICS = sorted(p.stem for p in (ROOT / "helpers" / "explorers").glob("[a-z]*.py"))


def _registered():
    for topic in TOPICS:
        importlib.import_module(f"helpers.explorers.{topic}")
    return {name.rsplit(".", 1)[1] for name in _static.EXPLORERS}


def _called_on_presenter_pages():
    """Names called by the presenter registry's code: every explorer a notebook displays
    (tests/test_browser.py checks that the pages show all of them)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("pages", ROOT / "present" / "pages.py")
    pages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pages)
    names = set()
    for explorers in pages.PAGES.values():
        for e in explorers:
            for node in ast.walk(ast.parse(e.code)):
                if isinstance(node, ast.Call):
                    f = node.func
                    names.add(f.id if isinstance(f, ast.Name) else getattr(f, "attr", None))
    return names


def test_every_explorer_on_a_page_has_a_static_picture():
    registered = _registered()
    public = set()
    for topic in TOPICS:
        module = importlib.import_module(f"helpers.explorers.{topic}")
        public |= set(getattr(module, "__all__", []))
    shown = _called_on_presenter_pages() & public
    assert shown, "found no explorer call in present/pages.py"
    missing = sorted(shown - registered)
    assert not missing, f"explorers without @explorer (no static picture): {missing}"
    assert "live_training_plot" in registered


def _image(size=12):
    return np.arange(size * size, dtype=np.float64).reshape(size, size) % 7


def test_the_bundle_has_the_widget_the_picture_and_a_one_line_summary():
    box = window_explorer(_image(), title="tiny")
    data, metadata = box._repr_mimebundle_()
    assert set(data) == {WIDGET_VIEW, "image/png", "text/plain"}
    assert data[WIDGET_VIEW]["model_id"] == box.model_id
    summary = data["text/plain"]
    assert "\n" not in summary
    assert summary == ("Interactive explorer: slide a filter over an image; the patch, the filter, "
                       "their products, the sum z[i, j] and the whole feature map "
                       "(filter w: vertical edges; output row i: 5; output column j: 5)")
    picture = imread(io.BytesIO(data["image/png"]), format="png")
    height, width = picture.shape[:2]
    assert metadata["image/png"] == {"alt": summary, "width": width, "height": height}
    # the explorer's own figure is inside the picture, below the text (in 256 colours)
    figure = imread(io.BytesIO(bytes(box.figure.value)), format="png")
    assert width >= figure.shape[1] and height > figure.shape[0]
    inside = picture[-figure.shape[0] - 20:-20, 10:10 + figure.shape[1], :3]
    assert np.abs(inside - figure[:, :, :3]).mean() < 0.01
    assert np.abs(picture[-figure.shape[0] - 21:-21, 10:10 + figure.shape[1], :3]
                  - figure[:, :, :3]).mean() > 0.01          # (the comparison can fail)


def test_the_summary_is_deterministic_and_follows_the_controls():
    a, b = window_explorer(_image()), window_explorer(_image())
    assert a.static.summary() == b.static.summary()
    before = a.static.picture()
    a.controls["filter"].value = "blur"
    a.controls["row"].value = 2
    assert a.static.summary().endswith("(filter w: blur; output row i: 2; output column j: 5)")
    assert a.static.picture() != before


def test_readout_text_and_tables_are_drawn_not_printed():
    """The picture holds the readout (numbers included); the summary never does."""
    box = step_explorer(np.array([[1.0, 7, 2], [11, 1, 23], [2, 2, 2]]), np.array([[1.0, 0], [0, 1]]))
    summary = box.static.summary()
    assert summary.endswith("(step k: 0)") and "z[" not in summary
    blocks = [b for b in _static._content(box) if b[0] == "text"]
    assert any("2" in line for _, line, _ in blocks)
    parser = _static._Blocks()
    parser.feed("<h3>Title</h3><div>caption</div><table><tr><td style='background:#0072B2;color:#fff'>101"
                "</td><td>x</td></tr></table><pre>[1 2]\n[3 4]</pre>done &times; 2")
    assert parser.close() == [
        ("text", "Title", "bold"),
        ("table", "caption", [[("101", "#0072B2", "#fff"), ("x", "#ffffff", "#111111")]]),
        ("text", "[1 2]", "mono"), ("text", "[3 4]", "mono"),
        ("text", "done \u00d7 2", "normal")]


def test_a_box_never_displayed_is_not_updated():
    box = window_explorer(_image())
    box.static.update()           # no display id yet: nothing to replace, no IPython needed
    assert box.static.display_id is None


# ------------------------------------------------------------------------------------
# What a saved notebook stores (a real kernel, as tools/run_notebooks.py runs it)
# ------------------------------------------------------------------------------------

STORED_CELLS = [
    "import numpy as np\n"
    "from helpers import nets, train\n"
    "from helpers.data import load_mnist\n"
    "from helpers.explorers.convolution import window_explorer\n"
    "from helpers.explorers.training import live_training_plot\n"
    "(x, y), (xv, yv) = load_mnist('bundled')",
    "window_explorer(x[0] / 255.0)",
    "plot, redraw = live_training_plot(6, 'tiny net')\n"
    "display(plot)\n"
    "p, h = train.fit(nets.IMPROVED_CNN, nets.init_improved_cnn(10, channels=(2, 2), seed=0),\n"
    "                 x[:48], y[:48], batch_size=8, epochs=1, seed=0, eval_every=3,\n"
    "                 x_val=xv[:20], y_val=yv[:20], callback=redraw)",
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in STORED_CELLS]
    folder = tmp_path_factory.mktemp("stored")
    NotebookClient(nb, kernel_name="python3", timeout=300, store_widget_state=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def test_a_saved_notebook_stores_the_explorers_picture(stored):
    (out,) = stored.cells[1].outputs
    assert out.output_type == "display_data"
    assert set(out.data) == {WIDGET_VIEW, "image/png", "text/plain"}
    assert out.data["text/plain"].startswith("Interactive explorer: slide a filter over an image")
    assert out.metadata["image/png"]["alt"] == out.data["text/plain"]


def test_a_saved_notebook_stores_the_final_live_plot_and_progress_line(stored):
    plot, bar = stored.cells[2].outputs
    assert plot.data["text/plain"].startswith(
        "Live training plot: tiny net, trained for 6 of 6 steps, held-out accuracy \u2248")
    assert re.fullmatch(r".*accuracy \u22480\.\d{3}", plot.data["text/plain"])
    assert "image/png" in plot.data and WIDGET_VIEW in plot.data
    assert re.fullmatch(r"training improved_cnn: 6/6 steps, loss \u2248\d+\.\d{4}", bar.data["text/plain"])
    assert WIDGET_VIEW in bar.data and "image/png" not in bar.data


def test_settings_that_come_out_of_training_stay_out_of_the_summary():
    from helpers.explorers.fashion import confusion_explorer

    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 3, 60), rng.integers(0, 3, 60)
    box = confusion_explorer(rng.integers(0, 255, (60, 28, 28)), y_true, y_pred, ["a", "b", "c"])
    summary = box.static.summary()
    assert summary.endswith("starting on the most frequent mistake") and "true class" not in summary
    assert [label for label, _ in box.static.settings()] == ["true class", "predicted as"]   # in the picture
