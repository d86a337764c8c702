"""Notebooks in the exercise pattern, for the tests of the pattern, the student copies and
nbgrader (imported as ``pattern_support``).

- ``exercise(...)`` builds the three parts of one exercise (prompt, exercise cell, solution);
- ``synthetic_notebook(...)`` a small notebook of such exercises on real checks;
- ``to_pattern(nb)`` converts a copy of one of today's notebooks to the pattern as far as the
  tools need it (live check calls on the answer's name, collapsed output-less solutions), for
  the notebooks the other helpers have not rewritten yet.
"""

import ast
import re
from pathlib import Path

import nbformat

import exercise_pattern as ep

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def solution_cell(source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [ep.SOLUTION_TAG]
    cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def exercise(prompt, source, solution):
    """[prompt markdown, exercise code cell, solution cell]."""
    return [nbformat.v4.new_markdown_cell(prompt), nbformat.v4.new_code_cell(source),
            solution_cell(solution)]


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def synthetic_notebook():
    """Three exercises on real checks: a value, a function, a function with extra setup."""
    return notebook([
        nbformat.v4.new_markdown_cell("# A tiny course notebook\n\n## Exercises"),
        nbformat.v4.new_code_cell("import numpy as np\n\n"
                                  "from helpers.checks import check_flat_index, check_same_padding"),
        *exercise("**Exercise 1.** Where does `maps[2, 5, 7]` of a (3, 24, 24) array land when "
                  "flattened? (about 3 min)",
                  "k = None        # a whole number\ncheck_flat_index(k)",
                  "k_solution = 2 * 24 * 24 + 5 * 24 + 7\ncheck_flat_index(k_solution)"),
        *exercise("**Exercise 2.** Write `same_padding(f)` for odd filter sizes (about 5 min).",
                  "def same_padding(f):\n    return None   # your code\n\n\n"
                  "check_same_padding(same_padding)",
                  "def same_padding(f):\n    return (f - 1) // 2\n\n\n"
                  "check_same_padding(same_padding)"),
        nbformat.v4.new_markdown_cell("---\nThe end."),
    ])


def _first_function(source):
    tree = ast.parse(source)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    return names[0] if len(names) == 1 else None


def to_pattern(nb):
    """A copy of nb with the tool-relevant parts of the pattern: commented-out check calls
    made live, a check called on a literal None given the cell's function instead, and
    solution cells after an exercise collapsed and output-less. Prompts are left as they are."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type != "code" or ep.is_solution(cell):
            continue
        cell.source = re.sub(r"(?m)^(\s*)#+\s*(check_\w+\(.*?\))\s*(#.*)?$", r"\1\2", cell.source)
        calls = ep.check_calls(cell.source)
        if calls:
            name, stmt = calls[-1]
            call = stmt.value
            if call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value is None:
                fn = _first_function(cell.source)
                if fn:
                    lines = cell.source.splitlines()
                    lines[stmt.lineno - 1] = re.sub(r"\(\s*None", f"({fn}", lines[stmt.lineno - 1], 1)
                    lines[stmt.lineno - 1] = re.sub(r"\)\s*#.*$", ")", lines[stmt.lineno - 1])
                    cell.source = "\n".join(lines)
    for cell in nb.cells:
        if ep.is_solution(cell):
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.outputs, cell.execution_count = [], None
    return nb


def pattern_notebook(path):
    """The notebook at path if it follows the pattern, else a converted copy (and why)."""
    nb = nbformat.read(path, as_version=4)
    structural = (ep.LIVE, ep.ENDS_WITH_CHECK, ep.ANSWER_ARGUMENT, ep.SOLUTION_FOLLOWS,
                  ep.HAS_EXERCISES)
    found = [v for v in ep.violations(nb) if v.rule in structural]
    if not found:
        return nb, None
    return to_pattern(nb), f"{Path(path).name} is not in the pattern yet ({found[0]}): converted copy"
