"""Binder keeps working: its links open files that exist, and environment.yml takes every
version from requirements.lock (tests/test_setup.py checks the pins and the Python version)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDER_LINK = re.compile(r"https://mybinder\.org/v2/gh/[^/\s]+/[^/\s]+/[^?\s]+\?urlpath=([^)\s`]+)")


def test_readme_has_a_binder_badge_whose_links_open_existing_files():
    readme = (ROOT / "README.md").read_text()
    assert "https://mybinder.org/badge_logo.svg" in readme, "the README lacks the Binder badge"
    paths = BINDER_LINK.findall(readme)
    assert paths, "no mybinder.org link with a urlpath in the README"
    for urlpath in paths:
        route = re.match(r"(lab/tree|voila/render)/(.+)", urlpath)
        assert route, f"unexpected Binder urlpath {urlpath!r}"
        assert (ROOT / route.group(2)).is_file(), f"Binder link opens {route.group(2)}, which does not exist"


def test_environment_yml_takes_every_version_from_the_lock():
    text = (ROOT / "environment.yml").read_text()
    block = text.split("dependencies:", 1)[1].split("variables:", 1)[0]
    conda = [m.group(1) for m in re.finditer(r"^  - ([^\s:][^\n]*)$", block, re.M) if m.group(1) != "pip:"]
    # conda installs Python and pip only: a conda numpy or jupyterlab next to the lock's
    # pip pins would be two versions of one package, and the lock's would not be the one used
    assert sorted(conda) == ["pip", "python=3.11"], f"conda dependencies besides python and pip: {conda}"
    lock = (ROOT / "requirements.lock").read_text()
    for name in ("jupyterlab", "ipywidgets", "voila", "numpy", "ipycanvas"):
        assert re.search(rf"^{name}==", lock, re.M | re.I), f"requirements.lock does not pin {name}"
