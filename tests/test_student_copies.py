"""Students' copies (tools/student_copies.py, ``make student``): no solution, no output,
and each one runs top to bottom with every check saying "No answer yet".

The run of the real notebooks' copies is marked ``student`` (and ``slow``): ``make
student-test`` runs it, ``make unit`` leaves it out.
"""

import os

import nbformat
import pytest
from nbclient import NotebookClient

import exercise_pattern as ep
import pattern_support as ps
import student_copies as sc


def _run(nb, folder):
    """Execute nb in a fresh kernel in folder, as a student would; returns the notebook."""
    env_before = os.environ.pop("CNN_COURSE_GRADING", None)    # the students' mode
    try:
        NotebookClient(nb, kernel_name="python3", timeout=900, record_timing=False,
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if env_before is not None:
            os.environ["CNN_COURSE_GRADING"] = env_before
    return nb


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def test_copy_drops_solutions_and_outputs():
    nb = ps.synthetic_notebook()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="stored\n")]
            cell.execution_count = 1
    copy = sc.student_copy(nb)
    assert len(copy.cells) == len(nb.cells) - 2
    assert not any(ep.is_solution(c) for c in copy.cells)
    assert all(c.outputs == [] and c.execution_count is None
               for c in copy.cells if c.cell_type == "code")
    assert [c.source for c in copy.cells] == [c.source for c in nb.cells if not ep.is_solution(c)]
    assert any(ep.is_solution(c) for c in nb.cells)            # the original is untouched


def test_write_copies_into_a_folder(tmp_path):
    src = tmp_path / "course" / "notebooks" / "01_tiny.ipynb"
    src.parent.mkdir(parents=True)
    nbformat.write(ps.synthetic_notebook(), src)
    written = sc.write_copies([src], tmp_path / "student")
    assert written == [tmp_path / "student" / "notebooks" / "01_tiny.ipynb"]
    assert not any(ep.is_solution(c) for c in nbformat.read(written[0], as_version=4).cells)


def test_default_sources_are_the_notebooks():
    sources = sc.default_sources()
    assert [p.name for p in sources if p.parent.name == "notebooks"] == [p.name for p in ps.NOTEBOOKS]
    # presenter pages show explorers only: if one ever holds a solution, it gets a copy too
    assert all(p.parent.name == "notebooks" for p in sources)


def test_a_synthetic_copy_runs_and_every_check_is_unanswered(tmp_path):
    nb = _run(sc.student_copy(ps.synthetic_notebook()), tmp_path)
    exercises = ep.find_exercises(nb)
    assert len(exercises) == 2
    for ex in exercises:
        assert _stdout(nb.cells[ex.cell]).startswith("No answer yet"), ex.check


@pytest.mark.slow
@pytest.mark.student
@pytest.mark.parametrize("path", ps.NOTEBOOKS, ids=lambda p: p.stem)
def test_student_copy_runs_top_to_bottom_unanswered(path, tmp_path):
    copy = sc.student_copy(nbformat.read(path, as_version=4))
    exercises = ep.find_exercises(copy)
    assert exercises, f"{path.name} has no exercise with a live check"
    try:
        nb = _run(copy, path.parent.resolve())
    except Exception as err:          # nbclient's CellExecutionError: name the cell and error
        pytest.fail(f"the students' copy of {path.name} fails: {str(err)[-1500:]}")
    answered = [ex.check for ex in exercises if "No answer yet" not in _stdout(nb.cells[ex.cell])]
    assert not answered, (f"{path.name}: these checks do not say 'No answer yet' in the "
                          f"students' copy: {answered}")
