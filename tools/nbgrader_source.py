"""Generate nbgrader's ``source/<assignment>/<notebook>.ipynb`` from the course notebooks
(instructors only; needs the instructor extra for the nbgrader steps that follow).

Usage:
    .venv-instructor/bin/python tools/nbgrader_source.py --course COURSE_DIR [notebooks ...]
    cd COURSE_DIR && nbgrader generate_assignment 01_convolution_by_hand ...

Default: every notebook in notebooks/, each its own assignment named after the notebook
(``--assignment NAME`` puts the given notebooks into one assignment instead). Writes
COURSE_DIR/nbgrader_config.py too, unless it exists.

Each exercise of the course's pattern (tools/exercise_pattern.py) becomes two cells:

- the *answer cell* (nbgrader "autograded answer"): the exercise cell without its check
  call (the placeholder stays, so the student copy reads as before), then the solution
  cell's code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader removes it
  from the students' release), ending with ``answer = <what the solution checked>`` when the
  solution used another name;
- the *test cell* (nbgrader "autograder tests", locked, ``--points`` points, default 1):
  the exercise's check call inside ``with grading_mode():``, so an unanswered exercise
  raises instead of printing "No answer yet", and scores 0 like a wrong one.

Solution cells that follow no checked exercise are dropped (they would give answers away);
all outputs are cleared.
"""

import argparse
import ast
import sys
from pathlib import Path

import nbformat

import exercise_pattern as ep

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CONFIG = '''\
# nbgrader configuration for the course (written by tools/nbgrader_source.py).
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "cnn-math"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"     # offline, in this folder
# The release keeps the exercise's own placeholder above the removed solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE (replace the placeholder above)"}
c.Execute.timeout = 900
'''


def _nbgrader_meta(grade_id, *, solution, grade, locked, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _is_name(source):
    try:
        return isinstance(ast.parse(source, mode="eval").body, ast.Name)
    except SyntaxError:
        return False


def _without_check_calls(source):
    lines = source.splitlines()
    for _, stmt in reversed(ep.check_calls(source)):
        del lines[stmt.lineno - 1:stmt.end_lineno]
    return "\n".join(lines).strip("\n")


def answer_source(nb, ex):
    """The answer cell: placeholder code, then the solution between the delimiters."""
    solution = nb.cells[ex.solution]
    sol_calls = [stmt for name, stmt in ep.check_calls(solution.source) if name == ex.check]
    sol_arg = ""
    if sol_calls and sol_calls[-1].value.args:
        sol_arg = ep._segment(solution.source, sol_calls[-1].value.args[0])
    body = _without_check_calls(solution.source)
    if _is_name(ex.answer) and sol_arg and sol_arg != ex.answer:
        body = (body + "\n" if body else "") + f"{ex.answer} = {sol_arg}"
    parts = [ex.before.rstrip()] if ex.before.strip() else []
    parts.append(f"{BEGIN}\n{body}\n{END}")
    return "\n".join(parts)


def test_source(ex):
    call = "\n".join("    " + line for line in ex.call.splitlines())
    return ("from helpers.checks import grading_mode\n\n"
            "with grading_mode():   # unanswered raises here, so it scores 0\n" + call)


def nbgrader_notebook(nb, points=1):
    """The nbgrader source version of a course notebook in the exercise pattern."""
    nb = nbformat.from_dict(nb)
    exercises = {ex.cell: ex for ex in ep.find_exercises(nb) if ex.solution is not None}
    counts = {}
    cells = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
        if ep.is_solution(cell):
            continue                     # merged into its answer cell, or dropped
        if k not in exercises:
            cells.append(cell)
            continue
        ex = exercises[k]
        counts[ex.check] = counts.get(ex.check, 0) + 1
        grade_id = ex.check + ("" if counts[ex.check] == 1 else f"_{counts[ex.check]}")
        answer = nbformat.v4.new_code_cell(answer_source(nb, ex))
        answer.metadata["nbgrader"] = _nbgrader_meta(f"{grade_id}_answer", solution=True,
                                                     grade=False, locked=False)
        test = nbformat.v4.new_code_cell(test_source(ex))
        test.metadata["nbgrader"] = _nbgrader_meta(f"{grade_id}_test", solution=False,
                                                   grade=True, locked=True, points=points)
        cells += [answer, test]
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nbformat.validate(nb)
    return nb


def write_source(notebooks, course, assignment=None, points=1):
    """Write course/source/<assignment>/<name>.ipynb for each notebook; returns the paths."""
    course = Path(course)
    course.mkdir(parents=True, exist_ok=True)
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG)
    written = []
    for path in notebooks:
        path = Path(path)
        nb = nbformat.read(path, as_version=4)
        if not ep.find_exercises(nb):
            raise SystemExit(f"{path}: no exercise with a live check (see tools/exercise_pattern.py)")
        dest = course / "source" / (assignment or path.stem) / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbgrader_notebook(nb, points), dest)
        written.append(dest)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--course", required=True, help="the nbgrader course folder")
    parser.add_argument("--assignment", help="one assignment for all the notebooks given")
    parser.add_argument("--points", type=int, default=1, help="points per exercise (default 1)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for dest in write_source(notebooks, args.course, args.assignment, args.points):
        print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
