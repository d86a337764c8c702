"""The course's exercise pattern, read from a notebook (used by the tests, by
tools/student_copies.py and by tools/nbgrader_source.py).

One exercise is:

1. a prompt: the markdown cell(s) just before the exercise cell, saying what to do in
   one sentence and how long it takes ("about 5 min"), never the answer;
2. the exercise cell: a code cell with a placeholder (``answer = None``, or a function
   whose body is ``...`` / ``return None``) that ends with a live ``check_<name>(answer)``;
3. the solution cell, right after it: tagged ``solution``, collapsed
   (``metadata.jupyter.source_hidden``), calling the same check, stored without outputs.

``find_exercises(nb)`` lists them; ``violations(nb)`` says, cell by cell, where a notebook
departs from the pattern (rules below); ``solution_dependencies(nb)`` finds later cells that
use a name that only a solution cell defines (they break in the students' copies, which
have no solution cells).

Imports nothing from the course but ``helpers.checks.EXERCISES`` (for the spoilers).
"""

import ast
import builtins
import dataclasses
import re

SOLUTION_TAG = "solution"
CHECK_PREFIX = "check_"
_COMMENTED_CHECK = re.compile(r"^\s*#+\s*(check_\w+)\s*\(", re.M)
_TIME = re.compile(r"\b\d+(\s*(-|–|to)\s*\d+)?\s*(min|minutes?)\b", re.I)

# Rules, as named in Violation.rule
LIVE = "live check"                 # a check call is commented out
ENDS_WITH_CHECK = "ends with check"  # the exercise cell ends with its check call
ANSWER_ARGUMENT = "answer argument"  # the check is called on a name, not on a literal None/...
SOLUTION_FOLLOWS = "solution follows"  # the next cell is the tagged solution calling the check
COLLAPSED = "collapsed"             # the solution cell is collapsed
NO_OUTPUTS = "no solution outputs"  # the solution cell stores no outputs
ORPHAN_SOLUTION = "orphan solution"  # a solution cell that follows no checked exercise
PROMPT = "prompt"                   # markdown prompt before the exercise, with a time estimate
SPOILER = "spoiler"                 # the prompt or the exercise cell shows the answer
KNOWN_CHECK = "known check"         # the check exists in helpers.checks
UNCHECKED = "unchecked exercise"    # an exercise announced in markdown has no check cell
HAS_EXERCISES = "has exercises"     # the notebook has at least one checked exercise

# A markdown cell that announces one exercise: "**Exercise 3 ...", "### Exercise 3",
# or, after an "Exercises" heading, a bold numbered item "**3. Think.**".
_ANNOUNCE = re.compile(r"(?m)^(\*\*|#+\s*)Exercise\s+\d+\b")
_ANNOUNCE_NUMBERED = re.compile(r"(?m)^\*\*\d+\.\s")
_EXERCISES_HEADING = re.compile(r"(?m)^#+\s.*\bExercises\b")


@dataclasses.dataclass
class Exercise:
    cell: int               # index of the exercise cell
    check: str              # name of the check it calls
    call: str               # source of the check-call statement
    answer: str             # source of the call's first argument ("" if none)
    before: str             # the exercise cell's source before the check call
    prompt: list            # indices of the markdown cells just before it
    solution: int = None    # index of its solution cell, if the next cell is one


@dataclasses.dataclass
class Violation:
    rule: str
    cell: int
    message: str

    def __str__(self):
        return f"cell {self.cell}: [{self.rule}] {self.message}"


def is_solution(cell):
    return cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])


def is_collapsed(cell):
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden", False))


def _parse(source):
    """ast of a cell, IPython magics and shell lines blanked; None if it does not parse."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _segment(source, node):
    lines = source.splitlines()
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first][node.col_offset:node.end_col_offset]
    return "\n".join([lines[first][node.col_offset:]] + lines[first + 1:last]
                     + [lines[last][:node.end_col_offset]])


def check_calls(source):
    """Top-level statements that call a check: [(check name, statement node)]."""
    tree = _parse(source)
    if tree is None:
        return []
    calls = []
    for stmt in tree.body:
        if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Name)
                and stmt.value.func.id.startswith(CHECK_PREFIX)):
            calls.append((stmt.value.func.id, stmt))
    return calls


def _last_statement(source):
    tree = _parse(source)
    return tree.body[-1] if tree is not None and tree.body else None


def find_exercises(nb):
    """Every exercise: a non-solution code cell with a top-level check call (its last one)."""
    exercises = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_solution(cell):
            continue
        calls = check_calls(cell.source)
        if not calls:
            continue
        name, stmt = calls[-1]
        call = stmt.value
        answer = _segment(cell.source, call.args[0]) if call.args else ""
        before = "\n".join(cell.source.splitlines()[:stmt.lineno - 1]).rstrip()
        prompt = []
        j = k - 1
        while j >= 0 and nb.cells[j].cell_type != "code":
            if nb.cells[j].cell_type == "markdown":
                prompt.insert(0, j)
            j -= 1
        nxt = nb.cells[k + 1] if k + 1 < len(nb.cells) else None
        solution = k + 1 if nxt is not None and is_solution(nxt) else None
        exercises.append(Exercise(k, name, _segment(cell.source, stmt), answer, before, prompt,
                                  solution))
    return exercises


def _without_check_calls(source):
    """A cell's source with its top-level check-call statements removed."""
    lines = source.splitlines()
    for _, stmt in reversed(check_calls(source)):
        del lines[stmt.lineno - 1:stmt.end_lineno]
    return "\n".join(lines)


def violations(nb, registry=None):
    """[Violation] of the exercise pattern, in cell order. registry: {check name: spec with
    .spoilers}, default helpers.checks.EXERCISES."""
    if registry is None:
        from helpers.checks import EXERCISES as registry
    found = []
    exercises = find_exercises(nb)
    solution_cells = {ex.solution for ex in exercises if ex.solution is not None}
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not is_solution(cell):
            for name in _COMMENTED_CHECK.findall(cell.source):
                found.append(Violation(LIVE, k, f"{name}(...) is commented out: the exercise "
                                                f"cell must end with a live call"))
            continue
        if cell.get("outputs"):
            found.append(Violation(NO_OUTPUTS, k, f"the solution cell stores "
                                                  f"{len(cell.get('outputs', []))} output(s)"))
        previous = next((c for c in reversed(nb.cells[:k]) if c.cell_type == "code"), None)
        commented = previous is not None and _COMMENTED_CHECK.search(previous.source)
        if k not in solution_cells and not commented:      # a commented check: reported above
            found.append(Violation(ORPHAN_SOLUTION, k, "a solution cell that follows no checked "
                                                       "exercise cell (an exercise without a check?)"))
    if not exercises:
        found.append(Violation(HAS_EXERCISES, len(nb.cells) - 1,
                               "the notebook has no exercise with a live check"))
    prompts = {j for ex in exercises for j in ex.prompt}
    exercise_cells = {ex.cell for ex in exercises}
    in_section = False
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        in_section = in_section or bool(_EXERCISES_HEADING.search(cell.source))
        announces = _ANNOUNCE.search(cell.source) or (in_section and
                                                      _ANNOUNCE_NUMBERED.search(cell.source))
        # an exercise cell (or a commented-out check) among the next two code cells is
        # reported by the rules above
        following = [j for j in range(k + 1, len(nb.cells)) if nb.cells[j].cell_type == "code"][:2]
        nearby = any(j in exercise_cells or _COMMENTED_CHECK.search(nb.cells[j].source)
                     for j in following)
        if announces and k not in prompts and not nearby:
            title = cell.source[announces.start():].splitlines()[0][:60]
            found.append(Violation(UNCHECKED, k, f"{title!r} announces an exercise that is not "
                                                 f"the prompt of a checked exercise cell"))
    for ex in exercises:
        cell = nb.cells[ex.cell]
        last = _last_statement(cell.source)
        if last is None or _segment(cell.source, last) != ex.call:
            found.append(Violation(ENDS_WITH_CHECK, ex.cell,
                                   f"{ex.check}(...) is not the cell's last statement"))
        if ex.answer.strip() in ("", "None", "...", "Ellipsis"):
            found.append(Violation(ANSWER_ARGUMENT, ex.cell,
                                   f"{ex.check} is called on {ex.answer or 'nothing'!r}: call it "
                                   f"on the answer's name, and put the placeholder in that name"))
        if ex.check not in registry:
            found.append(Violation(KNOWN_CHECK, ex.cell, f"{ex.check} is not a check of "
                                                         f"helpers.checks"))
        if ex.solution is None:
            found.append(Violation(SOLUTION_FOLLOWS, ex.cell,
                                   f"the next cell is not a code cell tagged {SOLUTION_TAG!r}"))
        else:
            sol = nb.cells[ex.solution]
            if not is_collapsed(sol):
                found.append(Violation(COLLAPSED, ex.solution, "the solution cell is not "
                                                               "collapsed (metadata.jupyter."
                                                               "source_hidden)"))
            if ex.check not in [name for name, _ in check_calls(sol.source)]:
                found.append(Violation(SOLUTION_FOLLOWS, ex.solution,
                                       f"the solution cell does not call {ex.check}"))
        prompt = "\n\n".join(nb.cells[j].source for j in ex.prompt)
        if not ex.prompt:
            found.append(Violation(PROMPT, ex.cell, "no markdown prompt right before the "
                                                    "exercise cell"))
        elif not _TIME.search(prompt):
            found.append(Violation(PROMPT, ex.prompt[-1], f"the prompt of {ex.check} says not "
                                                          f"how long it takes (e.g. 'about 5 min')"))
        if ex.check in registry:
            from helpers.checks._common import find_spoilers
            shown = prompt + "\n" + _without_check_calls(cell.source)
            for spoiler in find_spoilers(shown, registry[ex.check].spoilers):
                found.append(Violation(SPOILER, ex.cell, f"the prompt or the exercise cell of "
                                                         f"{ex.check} contains {spoiler!r}"))
    return sorted(found, key=lambda v: v.cell)


# ---------------------------------------------------------------- names from solution cells

_BUILTINS = set(dir(builtins)) | {"display", "get_ipython", "In", "Out"}


def _bound_and_loaded(source):
    """(names a cell binds at any depth, names it loads at any depth)."""
    tree = _parse(source)
    if tree is None:
        return set(), set()
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            if not isinstance(node, ast.ClassDef):
                args = node.args
                for a in args.posonlyargs + args.args + args.kwonlyargs:
                    bound.add(a.arg)
                for a in (args.vararg, args.kwarg):
                    if a is not None:
                        bound.add(a.arg)
        elif isinstance(node, ast.Lambda):
            for a in node.args.args + node.args.kwonlyargs:
                bound.add(a.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, loaded


def solution_dependencies(nb):
    """[(later cell, solution cell, name)]: a non-solution cell loads a name that, above
    it, only a solution cell binds. Such a cell fails (NameError) in the students' copy."""
    outside, inside = set(), {}
    deps = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        bound, loaded = _bound_and_loaded(cell.source)
        if is_solution(cell):
            for name in bound - outside:
                inside.setdefault(name, k)
            continue
        for name in sorted(loaded - bound - outside - _BUILTINS):
            if name in inside:
                deps.append((k, inside[name], name))
        outside |= bound
    return deps
