"""tools/nbgrader_source.py and the full nbgrader cycle, offline, with SQLite.

The conversion itself is tested without nbgrader. The cycle (``make grade-test``, in the
instructors' venv .venv-instructor) runs, in a temporary course folder, for notebooks 01
to 03: ``nbgrader generate_assignment``, then ``nbgrader autograde`` on three submissions
per notebook, and reads the scores from the gradebook:

- a correct submission (the reference solutions) gets full marks;
- an empty one (the release as handed out) gets 0 for every exercise;
- a partly wrong one (first exercise right, second wrong, the rest empty) gets the first
  exercise's points only.

Each notebook is used as it is when it follows the exercise pattern, otherwise as a copy
converted by ``pattern_support.to_pattern`` (today: 03); the test says which.
Without nbgrader the cycle skips, unless CNN_COURSE_REQUIRE_NBGRADER=1 (make grade-test).
"""

import os
import re
import subprocess
import sys
import warnings

import nbformat
import pytest

import exercise_pattern as ep
import nbgrader_source as ns
import pattern_support as ps

CYCLE_NOTEBOOKS = ps.NOTEBOOKS[:3]          # 01 to 03


# ---------------------------------------------------------------- conversion (no nbgrader)

def test_conversion_of_a_synthetic_notebook():
    nb = ns.nbgrader_notebook(ps.synthetic_notebook(), points=2)
    graded = [c for c in nb.cells if "nbgrader" in c.metadata]
    assert [c.metadata.nbgrader["grade_id"] for c in graded] == [
        "check_flat_index_answer", "check_flat_index_test",
        "check_same_padding_answer", "check_same_padding_test"]
    assert not any(ep.is_solution(c) for c in nb.cells)
    answer, test = graded[0], graded[1]
    assert answer.metadata.nbgrader["solution"] and not answer.metadata.nbgrader["grade"]
    assert answer.source == ("k = None        # a whole number\n" + ns.BEGIN + "\n"
                             "k_solution = 2 * 24 * 24 + 5 * 24 + 7\nk = k_solution\n" + ns.END)
    assert test.metadata.nbgrader["grade"] and test.metadata.nbgrader["locked"]
    assert test.metadata.nbgrader["points"] == 2
    assert "with grading_mode():" in test.source and "    check_flat_index(k)" in test.source
    # the same name in exercise and solution: no extra binding
    assert "same_padding = " not in graded[2].source
    # the first cells (title, imports) are kept as they are
    assert [c.source for c in nb.cells[:2]] == [c.source for c in ps.synthetic_notebook().cells[:2]]


def test_the_answer_cell_with_its_region_solves_the_exercise(capsys):
    """The answer cell's code (solution region kept) followed by the test cell passes;
    with the region removed (the release) the test cell raises: it scores 0."""
    from helpers.checks import UnansweredError

    nb = ns.nbgrader_notebook(ps.synthetic_notebook())
    setup = nb.cells[1].source
    graded = [c for c in nb.cells if "nbgrader" in c.metadata]
    for answer, test in zip(graded[::2], graded[1::2]):
        scope = {}
        exec(setup, scope)
        exec(answer.source, scope)
        exec(test.source, scope)
        assert "Correct" in capsys.readouterr().out
        released = re.sub(re.escape(ns.BEGIN) + ".*?" + re.escape(ns.END), "", answer.source,
                          flags=re.S)
        scope = {}
        exec(setup, scope)
        exec(released, scope)
        with pytest.raises(UnansweredError):
            exec(test.source, scope)


def test_orphan_solutions_are_dropped():
    nb = ps.synthetic_notebook()
    nb.cells.insert(-1, ps.solution_cell("print('a think-exercise answer')"))
    out = ns.nbgrader_notebook(nb)
    assert not any("think-exercise" in c.source for c in out.cells)


# ---------------------------------------------------------------- the nbgrader cycle

def _nbgrader_or_skip():
    if os.environ.get("CNN_COURSE_REQUIRE_NBGRADER") == "1":
        import nbgrader  # noqa: F401  (make grade-test: a missing nbgrader is a failure)
        return
    pytest.importorskip("nbgrader", reason="nbgrader is the instructors' extra: make grade-test")


def _nbgrader(course, *args):
    env = {k: v for k, v in os.environ.items() if k != "CNN_COURSE_GRADING"}
    env.update(CNN_COURSE_OFFLINE="1", OPENBLAS_NUM_THREADS="1")
    env.pop("MPLBACKEND", None)
    # nbgrader runs `alembic` (and the kernel) from PATH: the instructors' venv comes first
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result


def _region(source):
    match = re.search(re.escape(ns.BEGIN) + r"\n(.*?)\n?" + re.escape(ns.END), source, re.S)
    return match.group(1) if match else ""


def _submission(release, source, answers):
    """The release with answer cell k filled per answers[k]: 'right' (the solution region),
    'wrong' (a wrong value in the answer's name), or None (left as released)."""
    nb = nbformat.from_dict(release)
    solutions = {c.metadata.nbgrader["grade_id"]: _region(c.source)
                 for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    tests = {c.metadata.nbgrader["grade_id"]: c.source
             for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    k = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        what = answers[k] if k < len(answers) else None
        k += 1
        if what == "right":
            cell.source += "\n" + solutions[meta["grade_id"]]
        elif what == "wrong":
            test = tests[meta["grade_id"].replace("_answer", "_test")]
            name = re.search(r"check_\w+\((\w+)", test).group(1)
            cell.source += f"\n{name} = 'not the answer'"
    return nb


def _scores(course, assignment, notebook, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(notebook, assignment, student)
        return {g.name: (g.score, g.max_score) for g in sub.grades}


@pytest.mark.nbgrader
@pytest.mark.slow
def test_generate_and_autograde_notebooks_01_to_03(tmp_path):
    _nbgrader_or_skip()
    course = tmp_path / "course"
    src = tmp_path / "pattern"
    src.mkdir()
    for path in CYCLE_NOTEBOOKS:
        nb, why = ps.pattern_notebook(path)
        if why:
            warnings.warn(why)
        nbformat.write(nb, src / path.name)
    ns.write_source(sorted(src.glob("*.ipynb")), course)
    for path in CYCLE_NOTEBOOKS:
        assignment = path.stem
        _nbgrader(course, "generate_assignment", assignment, "--force")
        release = nbformat.read(course / "release" / assignment / path.name, as_version=4)
        source = nbformat.read(course / "source" / assignment / path.name, as_version=4)
        assert ns.BEGIN not in nbformat.writes(release)          # no solution handed out
        n_exercises = sum(1 for c in source.cells if c.metadata.get("nbgrader", {}).get("grade"))
        assert n_exercises >= 2
        plans = {"correct": ["right"] * n_exercises, "empty": [],
                 "partly": ["right", "wrong"]}
        for student, plan in plans.items():
            dest = course / "submitted" / student / assignment / path.name
            dest.parent.mkdir(parents=True)
            nbformat.write(_submission(release, source, plan), dest)
        _nbgrader(course, "autograde", assignment, "--force")
        for student, plan in plans.items():
            scores = _scores(course, assignment, path.stem, student)
            assert len(scores) == n_exercises
            got = [scores[c.metadata.nbgrader["grade_id"]][0] for c in source.cells
                   if c.metadata.get("nbgrader", {}).get("grade")]
            full = [scores[c.metadata.nbgrader["grade_id"]][1] for c in source.cells
                    if c.metadata.get("nbgrader", {}).get("grade")]
            expected = [f if (plan + [None] * n_exercises)[k] == "right" else 0
                        for k, f in enumerate(full)]
            assert got == expected, (path.name, student, scores)
