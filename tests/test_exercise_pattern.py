"""The exercise pattern (tools/exercise_pattern.py) and the notebooks that must follow it.

Unit tests: each rule fails on a small synthetic notebook that breaks it, and passes on one
that follows the pattern. Notebook tests (one per notebook in notebooks/):

- solution cells store no outputs (they keep their execution count, see conftest.py);
- no prompt (nor the exercise cell outside its check call) contains what its check expects
  (the spoilers each check declares with @exercise in helpers.checks);
- every exercise follows the pattern: a live check call ending a non-solution cell, on the
  answer's name, then a collapsed solution cell calling the same check, a markdown prompt
  with a time estimate; every solution follows an exercise; no exercise without a check;
- no later cell needs a name that only a solution cell defines (the students' copies have
  no solution cells).
"""

import nbformat
import pytest

import exercise_pattern as ep
import pattern_support as ps


def rules(nb):
    return {v.rule for v in ep.violations(nb)}


def test_a_notebook_in_the_pattern_has_no_violation():
    nb = ps.synthetic_notebook()
    assert ep.violations(nb) == []
    found = ep.find_exercises(nb)
    assert [(e.check, e.answer, e.solution) for e in found] == [
        ("check_flat_index", "k", found[0].cell + 1),
        ("check_same_padding", "same_padding", found[1].cell + 1)]
    assert found[0].before == "k = None        # a whole number"


def _broken(edit):
    nb = ps.synthetic_notebook()
    edit(nb.cells)
    return rules(nb)


def test_each_rule_catches_its_break():
    # cells: 0 title, 1 imports, 2-4 exercise 1, 5-7 exercise 2, 8 end
    def set_source(k, text):
        return lambda cells: cells[k].__setitem__("source", text)

    assert ep.LIVE in _broken(set_source(3, "k = None\n# check_flat_index(k)"))
    assert ep.ENDS_WITH_CHECK in _broken(set_source(3, "k = None\ncheck_flat_index(k)\nk"))
    assert ep.ANSWER_ARGUMENT in _broken(set_source(3, "check_flat_index(None)"))
    assert ep.SPOILER in _broken(set_source(2, "Where does it land? It is 1279 (about 3 min)."))
    assert ep.SPOILER in _broken(set_source(3, "k = None   # hint: 2 * 24 * 24 + 5 * 24 + 7\n"
                                               "check_flat_index(k)"))
    assert ep.PROMPT in _broken(set_source(2, "Where does `maps[2, 5, 7]` land?"))
    assert ep.PROMPT in _broken(lambda cells: cells.__setitem__(2, nbformat.v4.new_code_cell("1")))
    assert ep.COLLAPSED in _broken(lambda cells: cells[4].metadata.pop("jupyter"))
    assert ep.SOLUTION_FOLLOWS in _broken(lambda cells: cells[4].metadata.pop("tags"))
    assert ep.SOLUTION_FOLLOWS in _broken(set_source(4, "k_solution = 1279"))
    assert ep.SOLUTION_FOLLOWS in _broken(lambda cells: cells.insert(4, nbformat.v4.new_code_cell("1")))
    assert ep.ORPHAN_SOLUTION in _broken(lambda cells: cells.insert(8, ps.solution_cell("x = 1")))
    assert ep.KNOWN_CHECK in _broken(set_source(3, "k = None\ncheck_nothing(k)"))
    assert ep.UNCHECKED in _broken(lambda cells: cells.insert(8, nbformat.v4.new_markdown_cell(
        "**Exercise 3 (no check).** Think about it.")))
    assert ep.HAS_EXERCISES in _broken(lambda cells: cells.__delitem__(slice(2, 8)))

    def with_output(cells):
        cells[4].outputs = [nbformat.v4.new_output("stream", text="Correct: 1279")]
        cells[4].execution_count = 3
    assert ep.NO_OUTPUTS in _broken(with_output)
    # an execution count alone is fine: restart-and-run-all numbers every cell
    assert ep.NO_OUTPUTS not in _broken(lambda cells: cells[7].__setitem__("execution_count", 7))


def test_solution_dependencies_finds_names_only_solutions_define():
    nb = ps.synthetic_notebook()
    assert ep.solution_dependencies(nb) == []
    nb.cells.append(nbformat.v4.new_code_cell("print(k_solution + 1)"))
    assert ep.solution_dependencies(nb) == [(9, 4, "k_solution")]
    # a name the exercise cell defines too (same_padding) is there in the students' copy
    nb.cells.append(nbformat.v4.new_code_cell("same_padding(3)"))
    assert [d[2] for d in ep.solution_dependencies(nb)] == ["k_solution"]


# ---------------------------------------------------------------- the notebooks

def _report(path, wanted):
    nb = nbformat.read(path, as_version=4)
    return [str(v) for v in ep.violations(nb) if v.rule in wanted]


@pytest.mark.parametrize("path", ps.NOTEBOOKS, ids=lambda p: p.stem)
def test_solution_cells_store_no_outputs(path):
    found = _report(path, {ep.NO_OUTPUTS})
    assert not found, f"{path.name}: run tools/run_notebooks.py on it:\n" + "\n".join(found)


@pytest.mark.parametrize("path", ps.NOTEBOOKS, ids=lambda p: p.stem)
def test_prompts_hold_no_spoilers(path):
    found = _report(path, {ep.SPOILER})
    assert not found, f"{path.name}:\n" + "\n".join(found)


@pytest.mark.parametrize("path", ps.NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_follow_the_pattern(path):
    found = _report(path, {ep.LIVE, ep.ENDS_WITH_CHECK, ep.ANSWER_ARGUMENT, ep.SOLUTION_FOLLOWS,
                           ep.COLLAPSED, ep.ORPHAN_SOLUTION, ep.PROMPT, ep.KNOWN_CHECK,
                           ep.UNCHECKED, ep.HAS_EXERCISES})
    assert not found, f"{path.name} departs from the exercise pattern (CONTRIBUTING.md):\n" + \
        "\n".join(found)


@pytest.mark.parametrize("path", ps.NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_needs_a_solution_cell(path):
    deps = ep.solution_dependencies(nbformat.read(path, as_version=4))
    assert not deps, f"{path.name}: " + "; ".join(
        f"cell {later} uses {name!r}, defined only in solution cell {sol}" for later, sol, name in deps)
