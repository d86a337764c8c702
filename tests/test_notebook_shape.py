"""Every notebook has the course's shape: a numbered title, links to its neighbours, and the
one documented use of nbval-ignore-output (widget displays; see CONTRIBUTING.md)."""

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def read(path):
    return nbformat.read(path, as_version=4)


def test_notebooks_are_numbered_one_after_another():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)), [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_title_carries_the_notebook_number(path):
    first_markdown = next(c for c in read(path).cells if c.cell_type == "markdown")
    titles = [line for line in first_markdown.source.splitlines() if line.startswith("# ")]
    assert titles and titles[0].startswith(f"# {path.name[:2]} "), (
        f"{path.name}: the first markdown cell should hold the title '# {path.name[:2]} ...', "
        f"found {titles[:1]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_last_cell_links_to_the_previous_and_next_notebook(path):
    last = read(path).cells[-1]
    links = re.findall(r"\]\(([0-9][0-9]_[a-z0-9_]+\.ipynb)\)", last.source)
    k = NOTEBOOKS.index(path)
    expected = [p.name for p in NOTEBOOKS[max(k - 1, 0):k]] + [p.name for p in NOTEBOOKS[k + 1:k + 2]]
    assert last.cell_type == "markdown" and links[:len(expected)] == expected, (
        f"{path.name}: the last cell should link to {expected} (previous, next), links {links}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nbval_ignore_output_only_on_widget_displays(path):
    # Numbers that depend on the machine are printed after a "≈" instead (nbval_sanitize.cfg).
    misused = []
    for k, cell in enumerate(read(path).cells):
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            if not any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", [])):
                misused.append(k)
    assert not misused, f"{path.name}: cells {misused} are tagged nbval-ignore-output but display no widget"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_notebook_sets_blas_threads_itself(path):
    # helpers.train.fit limits BLAS to one thread at run time (threadpoolctl).
    setting = [k for k, c in enumerate(read(path).cells)
               if c.cell_type == "code" and "OPENBLAS_NUM_THREADS" in c.source]
    assert not setting, f"{path.name}: cells {setting} set OPENBLAS_NUM_THREADS"
