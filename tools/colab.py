"""Colab badges and the Colab setup cell, written from ONE setting: pyproject.toml's Repository URL.

Usage:
    .venv/bin/python tools/colab.py            # insert or refresh them in every notebook and the README
    .venv/bin/python tools/colab.py --check    # exit 1 (saying what differs) if anything is out of date

Every ``notebooks/NN_*.ipynb`` gets, right after its title cell:

1. a markdown cell (id ``colab-badge``): an "Open in Colab" badge for that notebook and one
   sentence saying what the next cell is for;
2. a code cell (id ``colab-setup``), the notebook's first code cell. Outside Colab it does
   nothing and prints nothing (nbval and the browser tests see an empty cell). In Colab it
   clones the course (once per runtime), installs its ``helpers`` package from the clone
   (non-editable, so the bundled MNIST comes with it) and makes the clone's ``notebooks/``
   the working directory, as in a local checkout.

The README gets a Colab badge after each notebook link of its course table and a line of
badges (Binder, Colab) under its title.

The repository URL lives in ``[project.urls] Repository`` of pyproject.toml and nowhere else:
a fork changes that line and runs this tool (then re-runs the notebooks, whose first code cell
changed). Running the tool twice changes nothing the second time. The cells it writes have no
outputs and no execution count: run the notebooks afterwards (tools/run_notebooks.py).

Environment variables read by the setup cell (for tests, see ``make colab-test``):
``CNN_COURSE_COLAB=1`` takes the Colab branch outside Colab; ``CNN_COURSE_REPO`` clones another
repository (a local path or ``file://`` URL) instead of the GitHub one; ``CNN_COURSE_HOME``
is where the clone goes (Colab: ``/content``); ``CNN_COURSE_PACKAGE`` is what pip installs
instead of the clone (a wheel file).
"""

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
BRANCH = "main"
BADGE_ID, SETUP_ID = "colab-badge", "colab-setup"
COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"
PLACEHOLDER_OWNER = "OWNER"

SETUP_TEMPLATE = '''\
# Google Colab only (anywhere else this cell does nothing): install the course's `helpers`
# package with its data, then work in the course's notebooks/ folder, as in a local clone.
import os
import sys

if "google.colab" in sys.modules or os.environ.get("CNN_COURSE_COLAB") == "1":
    import importlib
    import subprocess

    course_repo = os.environ.get("CNN_COURSE_REPO", "{url}")
    course_dir = os.path.join(os.environ.get("CNN_COURSE_HOME", "/content"), "{name}")
    if not os.path.isdir(course_dir):
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", course_repo, course_dir], check=True)
    package = os.environ.get("CNN_COURSE_PACKAGE", course_dir)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", package], check=True)
    importlib.invalidate_caches()
    os.chdir(os.path.join(course_dir, "notebooks"))'''

BADGE_TEMPLATE = (
    "[![Open In Colab]({image})]({link})\n"
    "In Colab, run the next cell first: it installs this course's `helpers` package (with the\n"
    "bundled MNIST). Anywhere else it does nothing.")


class SettingError(ValueError):
    """pyproject.toml's Repository URL is missing or not a GitHub repository URL."""


def repository(pyproject=ROOT / "pyproject.toml"):
    """(url, owner, name) from ``[project.urls] Repository`` = https://github.com/OWNER/NAME."""
    urls = tomllib.loads(Path(pyproject).read_text()).get("project", {}).get("urls", {})
    url = urls.get("Repository")
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?",
                         url or "")
    if not match:
        raise SettingError(f"{pyproject}: [project.urls] Repository must be "
                           f"https://github.com/<owner>/<name> (Colab opens notebooks from GitHub), "
                           f"got {url!r}")
    owner, name = match.groups()
    return f"https://github.com/{owner}/{name}", owner, name


def colab_link(notebook_name, repo=None):
    """Colab's address for notebooks/<notebook_name> on the repository's main branch."""
    _, owner, name = repo or repository()
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/notebooks/{notebook_name}"


def binder_link(repo=None):
    _, owner, name = repo or repository()
    return (f"https://mybinder.org/v2/gh/{owner}/{name}/HEAD"
            f"?urlpath=lab/tree/notebooks/01_convolution_by_hand.ipynb")


def colab_badge(notebook_name, repo=None):
    return f"[![Open In Colab]({COLAB_BADGE_IMAGE})]({colab_link(notebook_name, repo)})"


def badge_cell(notebook_name, repo=None):
    cell = nbformat.v4.new_markdown_cell(
        BADGE_TEMPLATE.format(image=COLAB_BADGE_IMAGE, link=colab_link(notebook_name, repo)))
    cell.id = BADGE_ID
    return cell


def setup_source(repo=None):
    url, _, name = repo or repository()
    return SETUP_TEMPLATE.format(url=url, name=name)


def setup_cell(repo=None):
    cell = nbformat.v4.new_code_cell(setup_source(repo))
    cell.id = SETUP_ID
    cell.metadata["tags"] = ["colab-setup"]
    return cell


def with_colab_cells(nb, notebook_name, repo=None):
    """A copy of nb with the badge and setup cells (new or refreshed) right after its title cell.

    Refreshing keeps the setup cell's outputs and execution count when its source is unchanged,
    so that running the tool on an up-to-date notebook changes nothing.
    """
    nb = nbformat.from_dict(nb)
    old = {c.get("id"): c for c in nb.cells if c.get("id") in (BADGE_ID, SETUP_ID)}
    cells = [c for c in nb.cells if c.get("id") not in (BADGE_ID, SETUP_ID)]
    if not cells or cells[0].cell_type != "markdown" or not cells[0].source.startswith("# "):
        raise ValueError(f"{notebook_name}: the first cell must be the markdown title ('# NN ...')")
    setup = setup_cell(repo)
    previous = old.get(SETUP_ID)
    if previous is not None and previous.source == setup.source:
        setup.outputs, setup.execution_count = previous.outputs, previous.execution_count
        setup.metadata = previous.metadata | {"tags": setup.metadata["tags"]}
    nb.cells = cells[:1] + [badge_cell(notebook_name, repo), setup] + cells[1:]
    return nb


def readme_with_badges(text, repo=None):
    """The README with a Colab badge after every notebooks/NN_*.ipynb link of the course table,
    and the badge line (Binder, Colab) right under the title."""
    repo = repo or repository()
    badge_re = re.compile(r"\s*\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
    link_re = re.compile(r"(\[[^\]]+\]\(notebooks/([0-9][0-9]_[^)/]+\.ipynb)\))")
    lines = []
    for line in text.splitlines():
        if line.startswith("| [") and link_re.search(line):
            line = badge_re.sub("", line)
            line = link_re.sub(lambda m: f"{m.group(1)} {colab_badge(m.group(2), repo)}", line, count=1)
        lines.append(line)
    badges = (f"[![Binder]({BINDER_BADGE_IMAGE})]({binder_link(repo)}) "
              f"{colab_badge('01_convolution_by_hand.ipynb', repo)}")
    if len(lines) > 2 and lines[2].startswith("[![Binder]"):
        lines[2] = badges
    else:
        lines[1:1] = ["", badges]
    return "\n".join(lines) + "\n"


def notebooks(directory=NOTEBOOKS):
    return sorted(Path(directory).glob("[0-9][0-9]_*.ipynb"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report what is out of date, change nothing")
    args = parser.parse_args(argv)
    try:
        repo = repository()
    except SettingError as err:
        sys.exit(str(err))
    if repo[1] == PLACEHOLDER_OWNER:
        print(f"note: pyproject.toml's Repository is still the placeholder {repo[0]}; "
              "set it to the course's GitHub repository", file=sys.stderr)
    stale = []
    for path in notebooks():
        text = path.read_text()
        nb = nbformat.reads(text, as_version=4)
        new = nbformat.writes(with_colab_cells(nb, path.name, repo)) + "\n"
        if new != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                nbformat.validate(nbformat.reads(new, as_version=4))
                path.write_text(new)
    text = README.read_text()
    new = readme_with_badges(text, repo)
    if new != text:
        stale.append(README.relative_to(ROOT))
        if not args.check:
            README.write_text(new)
    verb = "out of date (run tools/colab.py)" if args.check else "updated"
    for path in stale:
        print(f"{path}: {verb}")
    if args.check and stale:
        sys.exit(1)
    if not stale:
        print(f"Colab badges and setup cells are up to date ({repo[0]})")


if __name__ == "__main__":
    main()
