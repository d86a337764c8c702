"""The setup a new user relies on: pins, environment.yml, the Makefile contract."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lock_pins(name="requirements.lock"):
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            package, sep, version = line.partition("==")
            assert sep, f"{name} line is not an exact pin: {line!r}"
            pins[package.lower().replace("_", "-")] = version
    return pins


def test_the_instructors_extra_stays_out_of_the_students_install():
    """nbgrader and what it adds are pinned in their own lock, never in requirements.lock;
    the extra in pyproject.toml names nbgrader, and CI runs the grading cycle."""
    students, instructors = lock_pins(), lock_pins("requirements-instructor.lock")
    assert instructors.get("nbgrader") == "0.9.6"
    assert set(instructors) == {"nbgrader", "alembic", "notebook", "rapidfuzz", "sqlalchemy", "mako"}
    assert not set(instructors) & set(students), "a package pinned in both locks"
    text = (ROOT / "pyproject.toml").read_text()
    extra = re.search(r"^instructor = \[(.*?)\]", text, re.M | re.S).group(1)
    assert '"nbgrader"' in extra
    deps = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    assert "nbgrader" not in deps
    assert "make grade-test" in (ROOT / ".ci" / "run").read_text()


def test_every_direct_dependency_is_pinned_exactly():
    text = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"dependencies = \[(.*?)\]", text, re.S).group(1)
    names = [d.lower().replace("_", "-") for d in re.findall(r'"([A-Za-z0-9_.-]+)"', deps)]
    pins = lock_pins()
    missing = [n for n in names if n not in pins]
    assert not missing, f"direct dependencies without an exact pin in requirements.lock: {missing}"


def test_lock_matches_the_installed_environment():
    from importlib.metadata import distributions

    installed = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in distributions()}
    wrong = {n: (v, installed.get(n)) for n, v in lock_pins().items()
             if n in installed and installed[n] != v}
    assert not wrong, f"installed versions differ from requirements.lock (pinned, installed): {wrong}"


def test_environment_yml_uses_the_same_pins_and_python():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.M), "environment.yml must pin python=3.11"
    assert "-r requirements.lock" in text, "environment.yml must install requirements.lock"
    assert re.search(r"^\s*-\s*-e \.\s*$", text, re.M), "environment.yml must install the package"
    assert "KERAS_BACKEND: jax" in text


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_importing_kernels_pulls_in_numpy_only():
    code = ("import sys, helpers.conv, helpers.layers, helpers.losses, helpers.gradcheck, helpers.data; "
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'jax', 'keras', 'scipy') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, f"kernel modules imported heavy packages: {result.stdout}{result.stderr}"
