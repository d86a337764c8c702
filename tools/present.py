"""Write the presenter pages (present/*.ipynb) from the registry in present/pages.py.

Usage:
    .venv/bin/python tools/present.py           # (re)write present/index.ipynb and one page per notebook
    .venv/bin/python tools/present.py --check   # exit 1 if a page is missing or out of date

A page is written for every notebook in notebooks/ that has an entry in
present/pages.py; a notebook without an entry (or an entry without a notebook) is
reported. Pages are stored without outputs: Voila runs them when they are opened.
Their cells only import and display explorers, so they stay short.
"""

import argparse
import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PRESENT = ROOT / "present"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
SETUP = "import presenter\n\npresenter.setup()   # projector styling"


def load_registry(with_prepare=False):
    """present/pages.py's PAGES (and PREPARE), loaded by path (present/ is not a package)."""
    spec = importlib.util.spec_from_file_location("present_pages", PRESENT / "pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return (module.PAGES, module.PREPARE) if with_prepare else module.PAGES


def notebook_title(path):
    """The text of the notebook's first '# ' heading, e.g. '01 Convolution by hand'."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem.replace("_", " ")


def _cell_id(stem, k):
    # Stable ids, so regenerating an unchanged page gives identical bytes.
    return f"{stem[:24]}-{k}".replace("_", "-")


def _notebook(stem, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    for k, (kind, source) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(source, id=_cell_id(stem, k)))
    nbformat.validate(nb)
    return nb


def build_pages():
    """{filename: notebook} for the index and every page; and a list of warnings."""
    registry, prepare = load_registry(with_prepare=True)
    notebooks = {p.stem: p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}
    warnings = [f"notebooks/{stem}.ipynb has no presenter entry in present/pages.py"
                for stem in notebooks if stem not in registry]
    warnings += [f"present/pages.py has an entry for {stem}, but notebooks/{stem}.ipynb does not exist"
                 for stem in registry if stem not in notebooks]
    warnings += [f"present/pages.py: PREPARE has {stem}, which PAGES lacks"
                 for stem in prepare if stem not in registry]
    stems = [stem for stem in notebooks if stem in registry]
    titles = {stem: notebook_title(notebooks[stem]) for stem in stems}
    pages = {}
    for k, stem in enumerate(stems):
        links = ["[&larr; all explorers](index.ipynb)"]
        if k > 0:
            links.append(f"[&larr; {titles[stems[k - 1]]}]({stems[k - 1]}.ipynb)")
        if k + 1 < len(stems):
            links.append(f"[{titles[stems[k + 1]]} &rarr;]({stems[k + 1]}.ipynb)")
        cells = [("md", f"# {titles[stem]}\n\n" + " &nbsp;|&nbsp; ".join(links)), ("code", SETUP)]
        if stem in prepare:
            cells.append(("code", prepare[stem]))
        for explorer in registry[stem]:
            cells.append(("md", f"## {explorer.heading}\n\n{explorer.hint}"))
            cells.append(("code", explorer.code))
        pages[f"{stem}.ipynb"] = _notebook(stem, cells)
    rows = "\n".join(
        f"| [{titles[stem]}]({stem}.ipynb) | {'; '.join(e.heading for e in registry[stem])} |"
        for stem in stems)
    index = (
        "# The mathematics of CNNs: explorers\n\n"
        "Presenter mode: one page per notebook, with only its interactive explorers. "
        "Every control recomputes the picture in Python, live.\n\n"
        f"| notebook | explorers |\n|---|---|\n{rows}\n"
    )
    pages["index.ipynb"] = _notebook("index", [("md", index), ("code", SETUP)])
    return pages, warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the pages are up to date")
    args = parser.parse_args(argv)
    pages, warnings = build_pages()
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    stale = []
    for name, nb in pages.items():
        text = nbformat.writes(nb) + "\n"
        path = PRESENT / name
        if path.exists() and path.read_text() == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text)
            print(f"wrote present/{name}")
    expected = set(pages) | {"pages.py", "presenter.py"}
    extra = [p.name for p in PRESENT.glob("*.ipynb") if p.name not in expected]
    for name in extra:
        print(f"warning: present/{name} is not generated from present/pages.py", file=sys.stderr)
    if args.check and (stale or extra):
        print(f"out of date: {', '.join(stale + extra)}; run .venv/bin/python tools/present.py",
              file=sys.stderr)
        return 1
    if not stale:
        print(f"{len(pages)} presenter pages up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
