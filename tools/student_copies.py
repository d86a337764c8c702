"""Write the students' copies of the course: every notebook without its reference
solutions and without outputs (``make student``).

Usage:
    .venv/bin/python tools/student_copies.py                 # notebooks/*.ipynb -> student/notebooks/
    .venv/bin/python tools/student_copies.py --out DIR nb.ipynb ...

Uses nbconvert's TagRemovePreprocessor (drops every cell tagged ``solution``) and
ClearOutputPreprocessor (no stored output, no execution count), so a student sees the
prompts and the exercise cells, runs them, and each check says "No answer yet" until
answered. The presenter pages (present/*.ipynb) get a copy too if one of them ever holds a
solution cell; today they hold none (only explorers), so they need no student copy.
The output folder is git-ignored.
"""

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"


def student_copy(nb):
    """A copy of notebook nb without solution cells and without outputs."""
    nb = nbformat.from_dict(nb)            # a deep copy: the caller's notebook is untouched
    resources = {}
    remover = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    nb, resources = remover.preprocess(nb, resources)
    nb, resources = ClearOutputPreprocessor(enabled=True).preprocess(nb, resources)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.validate(nb)
    return nb


def has_solutions(path):
    nb = nbformat.read(path, as_version=4)
    return any(SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells)


def default_sources():
    """notebooks/*.ipynb, plus the presenter pages that hold a solution cell."""
    sources = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    sources += [p for p in sorted((ROOT / "present").glob("*.ipynb")) if has_solutions(p)]
    return sources


def write_copies(sources, out):
    """Write out/<folder>/<name> for each source notebook; returns the paths written."""
    written = []
    for src in sources:
        src = Path(src).resolve()
        try:
            folder = src.parent.relative_to(ROOT)
        except ValueError:                   # a notebook outside the repository
            folder = Path(src.parent.name)
        dest = Path(out) / folder / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_copy(nbformat.read(src, as_version=4)), dest)
        written.append(dest)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--out", default=str(ROOT / "student"), help="default: student/")
    args = parser.parse_args(argv)
    written = write_copies(args.notebooks or default_sources(), args.out)
    for path in written:
        print(f"wrote {path}")
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
