"""tools/colab.py: every notebook carries the Colab badge and setup cell it writes, the README its
badges, all from pyproject.toml's Repository URL; the setup cell is silent outside Colab."""

import ast
import copy
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("colab_tool", ROOT / "tools" / "colab.py")
colab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colab)

NOTEBOOKS = colab.notebooks()


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_has_the_colab_cells_the_tool_writes(path):
    # Fails until `.venv/bin/python tools/colab.py` has been run after a notebook was added or
    # renamed, or after the Repository URL in pyproject.toml changed.
    nb = nbformat.read(path, as_version=4)
    ids = [c.get("id") for c in nb.cells]
    assert ids[1:3] == [colab.BADGE_ID, colab.SETUP_ID], (
        f"{path.name}: cells 1 and 2 must be the Colab badge and setup cell; run tools/colab.py")
    badge, setup = nb.cells[1], nb.cells[2]
    assert badge.source == colab.badge_cell(path.name).source, f"{path.name}: stale badge; run tools/colab.py"
    assert setup.source == colab.setup_source(), f"{path.name}: stale setup cell; run tools/colab.py"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code is setup, f"{path.name}: the Colab setup cell must be the first code cell"
    assert setup.outputs == [], f"{path.name}: the Colab setup cell prints nothing outside Colab"
    assert nb.cells[0].source.startswith("# "), f"{path.name}: the title stays the first cell"


def test_readme_has_the_badges_the_tool_writes():
    text = (ROOT / "README.md").read_text()
    assert colab.readme_with_badges(text) == text, "README badges are stale: run tools/colab.py"


def test_readme_course_table_links_every_notebook_to_colab():
    text = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert colab.colab_badge(path.name) in text, f"README has no Colab badge for {path.name}"


def sample_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 A title\n\nOne line."),
                nbformat.v4.new_markdown_cell("Some text."),
                nbformat.v4.new_code_cell("x = 1\nx")]
    return nb


def test_tool_inserts_after_the_title_is_idempotent_and_leaves_other_cells_alone():
    nb = sample_notebook()
    original = copy.deepcopy(nb.cells)
    once = colab.with_colab_cells(nb, "99_sample.ipynb")
    assert [c.get("id") for c in once.cells][1:3] == [colab.BADGE_ID, colab.SETUP_ID]
    rest = [c for c in once.cells if c.get("id") not in (colab.BADGE_ID, colab.SETUP_ID)]
    assert rest == original
    assert nb.cells == original, "the input notebook must not be modified"
    twice = colab.with_colab_cells(once, "99_sample.ipynb")
    assert nbformat.writes(twice) == nbformat.writes(once)
    nbformat.validate(twice)


def test_tool_refreshes_a_stale_cell_and_keeps_a_run_one():
    nb = colab.with_colab_cells(sample_notebook(), "99_sample.ipynb")
    nb.cells[2].execution_count = 1                      # as tools/run_notebooks.py leaves it
    assert colab.with_colab_cells(nb, "99_sample.ipynb").cells[2].execution_count == 1
    nb.cells[2].source = "# an old version"
    nb.cells[1].source = "[![Open In Colab](old)](old)"
    fresh = colab.with_colab_cells(nb, "99_sample.ipynb")
    assert fresh.cells[2].source == colab.setup_source() and fresh.cells[2].execution_count is None
    assert fresh.cells[1].source == colab.badge_cell("99_sample.ipynb").source
    assert len(fresh.cells) == 5


def test_tool_refuses_a_notebook_without_a_title_first():
    nb = sample_notebook()
    nb.cells = nb.cells[1:]
    with pytest.raises(ValueError, match="first cell must be the markdown title"):
        colab.with_colab_cells(nb, "99_sample.ipynb")


def test_readme_badges_are_idempotent():
    text = ("# Title\n\nIntro.\n\n| notebook | what |\n|---|---|\n"
            "| [01 One](notebooks/01_one.ipynb) | a |\n| [02 Two](notebooks/02_two.ipynb) | b |\n")
    once = colab.readme_with_badges(text)
    assert colab.readme_with_badges(once) == once
    assert once.splitlines()[2].startswith("[![Binder](")
    assert colab.colab_badge("02_two.ipynb") in once.splitlines()[-1]


def test_the_repository_url_comes_from_pyproject(tmp_path):
    url, owner, name = colab.repository()
    assert url == f"https://github.com/{owner}/{name}"
    assert url in colab.setup_source() and f"github/{owner}/{name}/blob/" in colab.colab_link("x.ipynb")
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project.urls]\nRepository = "https://gitlab.com/a/b"\n')
    with pytest.raises(colab.SettingError, match="Repository must be https://github.com/"):
        colab.repository(bad)
    bad.write_text('[project]\nname = "x"\n')
    with pytest.raises(colab.SettingError, match="got None"):
        colab.repository(bad)


def run_setup_cell(tmp_path, env_extra):
    """Run the setup cell's source as a notebook would, with git/pip/chdir recorded, not done."""
    script = tmp_path / "cell.py"
    script.write_text(
        "import json, os, subprocess, sys\n"
        "calls = []\n"
        "def fake_run(cmd, check=False):\n"
        "    calls.append(list(cmd))\n"
        "    if cmd[:2] == ['git', 'clone']:\n"
        "        os.makedirs(os.path.join(cmd[-1], 'notebooks'))\n"
        "subprocess.run = fake_run\n"
        "start = os.getcwd()\n"
        f"exec(compile({colab.setup_source()!r}, 'cell', 'exec'))\n"
        "print(json.dumps({'calls': calls, 'cwd': os.getcwd(), 'start': start}))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNN_COURSE_")} | env_extra
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            cwd=tmp_path, env=env, check=True)
    import json
    return json.loads(result.stdout), result.stderr


def test_setup_cell_does_nothing_and_prints_nothing_outside_colab(tmp_path):
    report, stderr = run_setup_cell(tmp_path, {})
    assert report["calls"] == [] and report["cwd"] == report["start"] and stderr == ""
    # IPython displays the value of a cell's last expression: the cell must not end with one.
    last = ast.parse(colab.setup_source()).body[-1]
    assert not isinstance(last, ast.Expr)
    assert "numpy" not in colab.setup_source(), "notebooks set BLAS threads before NumPy loads"


def test_setup_cell_in_colab_clones_installs_and_changes_into_notebooks(tmp_path):
    url, _, name = colab.repository()
    home = tmp_path / "content"
    report, _ = run_setup_cell(tmp_path, {"CNN_COURSE_COLAB": "1", "CNN_COURSE_HOME": str(home)})
    clone = str(home / name)
    assert report["calls"][0] == ["git", "clone", "--quiet", "--depth", "1", url, clone]
    assert report["calls"][1][1:] == ["-m", "pip", "install", "--quiet", clone]
    assert report["cwd"] == os.path.join(clone, "notebooks")
    # A second run in the same runtime reuses the clone; the test variables replace repo and package.
    report, _ = run_setup_cell(tmp_path, {"CNN_COURSE_COLAB": "1", "CNN_COURSE_HOME": str(home),
                                          "CNN_COURSE_PACKAGE": "/some/wheel.whl"})
    assert [c[:2] for c in report["calls"]] == [[sys.executable, "-m"]]
    assert report["calls"][0][-1] == "/some/wheel.whl"
