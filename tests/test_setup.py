"""The setup a new user relies on: pins, environment.yml, the Makefile contract, package data."""

import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# Extras pinned in a lock of their own, never in the students' requirements.lock.
EXTRA_LOCKS = {"instructor": "requirements-instructor.lock", "bench": "requirements-bench.lock"}


def lock_pins(lock="requirements.lock"):
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"{lock} line is not an exact pin: {line!r}"
            pins[normalize(name)] = version
    return pins


def supported_pythons():
    """["3.11", "3.12", ...] from pyproject.toml's classifiers."""
    return [c.rsplit(":: ", 1)[1] for c in PYPROJECT["project"]["classifiers"]
            if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]


def test_every_direct_dependency_is_pinned_exactly():
    project = PYPROJECT["project"]
    groups = {"requirements.lock": list(project["dependencies"])}
    for extra, names in project.get("optional-dependencies", {}).items():
        groups.setdefault(EXTRA_LOCKS.get(extra, "requirements.lock"), []).extend(names)
    for lock, direct in groups.items():
        bare = [d for d in direct if not re.fullmatch(r"[A-Za-z0-9_.-]+", d)]
        assert not bare, f"pyproject.toml stays unpinned (Colab brings newer releases), found {bare}"
        pins = lock_pins() | lock_pins(lock)
        missing = [d for d in direct if normalize(d) not in pins]
        assert not missing, f"direct dependencies without an exact pin in {lock}: {missing}"


def test_the_instructors_extra_stays_out_of_the_students_install():
    """nbgrader and what it adds are pinned in their own lock, never in requirements.lock;
    the extra in pyproject.toml names nbgrader, and CI runs the grading cycle."""
    students, instructors = lock_pins(), lock_pins("requirements-instructor.lock")
    assert instructors.get("nbgrader") == "0.9.6"
    assert set(instructors) == {"nbgrader", "alembic", "notebook", "rapidfuzz", "sqlalchemy", "mako"}
    assert not set(instructors) & set(students), "a package pinned in both locks"
    project = PYPROJECT["project"]
    assert project["optional-dependencies"]["instructor"] == ["nbgrader"]
    assert "nbgrader" not in project["dependencies"]
    assert "make grade-test" in (ROOT / ".ci" / "run").read_text()


def test_lock_matches_the_installed_environment():
    from importlib.metadata import distributions

    installed = {normalize(d.metadata["Name"]): d.version for d in distributions()}
    wrong = {n: (v, installed.get(n)) for n, v in lock_pins().items()
             if n in installed and installed[n] != v}
    assert not wrong, f"installed versions differ from requirements.lock (pinned, installed): {wrong}"


def test_readme_and_pyproject_state_the_same_supported_pythons():
    versions = supported_pythons()
    assert versions[0] == "3.11" and len(versions) >= 3, versions
    assert PYPROJECT["project"]["requires-python"] == f">={versions[0]}"
    readme = (ROOT / "README.md").read_text()
    stated = re.search(r"Python (3\.\d+(?:, 3\.\d+)* (?:or|and) 3\.\d+)", readme)
    assert stated, "README.md must state the supported Pythons, e.g. 'Python 3.11, 3.12 or 3.13'"
    assert re.findall(r"3\.\d+", stated.group(1)) == versions, (stated.group(0), versions)


def test_environment_yml_uses_the_same_pins_and_a_supported_python():
    text = (ROOT / "environment.yml").read_text()
    python = re.search(r"^\s*-\s*python=(3\.\d+)\s*$", text, re.M)
    assert python, "environment.yml must pin python=3.X"
    assert python.group(1) in supported_pythons(), (python.group(1), supported_pythons())
    assert "-r requirements.lock" in text, "environment.yml must install requirements.lock"
    assert re.search(r"^\s*-\s*-e \.\s*$", text, re.M), "environment.yml must install the package"
    assert "KERAS_BACKEND: jax" in text


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_importing_kernels_pulls_in_numpy_only():
    code = ("import sys, helpers.conv, helpers.layers, helpers.losses, helpers.gradcheck, helpers.data, "
            "helpers.attribution; "
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'jax', 'keras', 'scipy') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, f"kernel modules imported heavy packages: {result.stdout}{result.stderr}"


def test_bundled_data_is_package_data():
    # A non-editable install (wheel, git URL, Colab) carries exactly what package-data lists;
    # `make wheel-test` checks the built wheel, this checks that no bundled file is left out.
    import helpers.data

    datasets = ROOT / "helpers" / "datasets"
    assert helpers.data.DATA_DIR.resolve() == datasets.resolve()
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["helpers"]
    files = sorted(p.relative_to(ROOT / "helpers").as_posix() for p in datasets.iterdir())
    assert {"datasets/LICENSE-MNIST", "datasets/README.md"} <= set(files)
    assert set(helpers.data.BUNDLED_SHA256) <= {Path(f).name for f in files}
    left_out = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert not left_out, f"files in helpers/datasets/ that the wheel would leave out: {left_out}"
    assert not (ROOT / "data").exists(), "the bundled data lives in helpers/datasets/ now"


def test_make_install_builds_the_venv_it_is_given_with_the_python_it_is_given(tmp_path):
    # `make install PYTHON=... VENV=...` (dry run): the venv named, that interpreter, and a stamp
    # that names the interpreter's version, so another Python rebuilds instead of reusing.
    venv = tmp_path / "venv-x"
    out = subprocess.run(["make", "-n", "install", f"PYTHON={sys.executable}", f"VENV={venv}"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    version = ".".join(map(str, sys.version_info[:3]))
    assert f"{sys.executable} -m venv {venv}" in out
    assert f"{venv}/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock" in out
    assert f"touch {venv}/.installed-python-{version}" in out


def test_ipycanvas_ships_a_prebuilt_labextension_for_our_widgets():
    """The drawing canvas (notebook 11) needs no `jupyter lab build`: ipycanvas installs a
    prebuilt (federated) extension into <venv>/share/jupyter/labextensions, which JupyterLab
    and Voila both load, and it accepts the @jupyter-widgets/base that our ipywidgets brings."""
    import json

    def labextension(name):
        path = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / name / "package.json"
        assert path.is_file(), f"{name}: no prebuilt labextension at {path}"
        return json.loads(path.read_text())

    canvas = labextension("ipycanvas")
    build = canvas["jupyterlab"]["_build"]
    assert (Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "ipycanvas" / build["load"]).is_file()
    manager = labextension("@jupyter-widgets/jupyterlab-manager")
    base_major = re.search(r"\d+", manager["dependencies"]["@jupyter-widgets/base"]).group()
    accepted = canvas["dependencies"]["@jupyter-widgets/base"]
    assert f"^{base_major}" in accepted.replace(" ", "").split("||"), (
        f"ipycanvas accepts @jupyter-widgets/base {accepted}, ipywidgets brings ^{base_major}")
    assert canvas["jupyterlab"]["sharedPackages"]["@jupyter-widgets/base"]["singleton"]
