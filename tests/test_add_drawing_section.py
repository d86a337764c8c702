"""tools/add_drawing_section.py: the draw-a-digit section goes before the links cell, once."""

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("add_drawing_section", ROOT / "tools" / "add_drawing_section.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

LINKS = "---\nPrevious: [10 Ten digits](10_ten_digits.ipynb) |\nNext: [12 Fashion-MNIST](12_fashion_mnist.ipynb)"


def notebook(setup='%matplotlib inline\nfrom helpers import nets, train\n(x_train, y_train), (x_test, y_test) = data()\nparams = 1'):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell(setup),
                nbformat.v4.new_markdown_cell(LINKS)]
    return nb


def test_inserts_four_cells_before_the_links_and_is_idempotent(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook(), path)
    tool.main([str(path)])
    once = nbformat.read(path, as_version=4)
    ids = [c.get("id") for c in once.cells]
    assert ids[2:6] == ["draw-a-digit-why", "draw-a-digit-check", "draw-a-digit-try", "draw-a-digit-explorer"]
    assert once.cells[-1].source == LINKS and len(once.cells) == 7
    assert once.cells[5].source.endswith("draw_a_digit(params, x_test[0])")
    assert once.cells[5].metadata["tags"] == ["nbval-ignore-output"]
    once.cells[3].source = "edited"                                  # a stale copy is refreshed
    nbformat.write(once, path)
    tool.main([str(path)])
    twice = nbformat.read(path, as_version=4)
    assert [c.get("id") for c in twice.cells] == ids
    assert twice.cells[3].source == tool.section("params", "x_test", "y_test")[1].source


def test_other_names_and_missing_names(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook("from helpers import nets, train\nnet_params = 1\nimages, labels = 2, 3"), path)
    with pytest.raises(SystemExit, match="does not define params, x_test, y_test"):
        tool.main([str(path)])
    tool.main([str(path), "--params", "net_params", "--images", "images", "--labels", "labels"])
    assert "draw_a_digit(net_params, images[0])" in nbformat.read(path, as_version=4).cells[5].source


def test_refuses_a_notebook_without_its_links_cell(tmp_path):
    nb = notebook()
    nb.cells.pop()
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(SystemExit, match="not its previous/next links cell"):
        tool.main([str(path)])


def test_goes_before_the_exercises_the_notebook_ends_with(tmp_path):
    nb = notebook()
    exercise = [nbformat.v4.new_markdown_cell("## Exercises"),
                nbformat.v4.new_markdown_cell("**1. Add.** Write `add` (about 2 min)."),
                nbformat.v4.new_code_cell("def add(a, b):\n    ...\n\n\ncheck_add(add)"),
                nbformat.v4.new_code_cell("def add(a, b):\n    return a + b\n\n\ncheck_add(add)",
                                          metadata={"tags": ["solution"]}),
                nbformat.v4.new_markdown_cell("**2. Again.** (about 1 min)"),
                nbformat.v4.new_code_cell("answer = None\ncheck_again(answer)")]
    nb.cells[-1:-1] = [nbformat.v4.new_markdown_cell("A closing remark of the last section.")] + exercise
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    tool.main([str(path)])
    out = nbformat.read(path, as_version=4)
    assert out.cells[2].source == "A closing remark of the last section."
    assert [c.get("id", "")[:13] for c in out.cells[3:7]] == ["draw-a-digit-"] * 4
    assert out.cells[7].source == "## Exercises" and out.cells[-1].source == LINKS


def test_numbers_its_heading_after_numbered_sections(tmp_path):
    nb = notebook()
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("## 6. What a class looks like\n\ntext"))
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    tool.main([str(path)])
    tool.main([str(path)])
    out = nbformat.read(path, as_version=4)
    assert [c.source.splitlines()[0] for c in out.cells if c.get("id") == "draw-a-digit-why"] == [
        "## 7. Draw a digit yourself"]
