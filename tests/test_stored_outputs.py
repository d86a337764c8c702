"""What the stored notebooks show a reader who has no kernel (GitHub, nbviewer, the course site).

* No output holds an absolute path of the machine that recorded it (a home directory,
  a system folder, a temporary file, this clone's own path) or a network error message.
* Every explorer a cell displays carries its static picture (image/png) and one-line
  summary; no widget output is a bare ``VBox(children=...`` repr.
* Progress bars and live plots stored their final state: no ``0%|`` bar, no "waiting for
  the first evaluation".

They read the stored outputs only (no kernel): quick. After changing a helper's message,
re-record with ``tools/run_notebooks.py``. CNN_STORED_NOTEBOOKS=<folder> checks the
notebooks of another folder (e.g. executed copies).
"""

import ast
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = Path(os.environ.get("CNN_STORED_NOTEBOOKS") or ROOT / "notebooks")
NOTEBOOKS = sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Absolute paths: a home directory, a system or temporary folder, a Windows profile,
# and whatever this machine calls its home and this clone (checked literally below).
MACHINE_PATH = re.compile(
    r"(?<![\w.~$<>-])(/(root|home|Users|usr|tmp|var|opt|mnt|srv|private|etc|work|nix)/"
    r"|[A-Za-z]:\\\\?(Users|Windows|Program Files)|file://)")
NETWORK_ERROR = re.compile(
    r"Name or service not known|Temporary failure in name resolution|nodename nor servname"
    r"|getaddrinfo|Errno|URLError|urlopen error|Connection refused|Network is unreachable"
    r"|No route to host|HTTPSConnectionPool|Max retries exceeded")
TQDM_AT_START = re.compile(r"\b0%\|")


def _texts(output):
    """Every stored text of an output (pictures left out), as (where, text)."""
    if output.get("output_type") == "stream":
        yield "stream", output.get("text", "")
    elif output.get("output_type") == "error":
        yield "error", output.get("ename", "") + ": " + output.get("evalue", "")
        yield "traceback", "\n".join(output.get("traceback", []))
    for mime, value in (output.get("data") or {}).items():
        if not mime.startswith("image/") or mime == "image/svg+xml":
            yield mime, value if isinstance(value, str) else json.dumps(value)
    if output.get("metadata"):
        yield "metadata", json.dumps(output["metadata"])


def _code_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            yield index, cell


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, f"no notebooks in {FOLDER}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_machine_path_or_network_error_is_stored(notebook):
    literal = {str(ROOT), str(Path.home())} - {"/"}
    found = []
    for index, cell in _code_outputs(notebook):
        for output in cell.outputs:
            for where, text in _texts(output):
                hits = [m.group(0) for m in MACHINE_PATH.finditer(text)]
                hits += [m.group(0) for m in NETWORK_ERROR.finditer(text)]
                hits += [p for p in literal if p in text]
                if hits:
                    at = text.find(hits[0])
                    found.append(f"cell {index} ({where}): {sorted(set(hits))} in "
                                 f"{text[max(0, at - 80):at + 80]!r}")
    assert not found, (f"{notebook.name} stores paths of the recording machine or network errors "
                       "(re-record with tools/run_notebooks.py after fixing the message):\n"
                       + "\n".join(found))


def _explorer_names():
    """Names of the functions decorated with @explorer (read from the source, no import)."""
    names = set()
    for path in (ROOT / "helpers" / "explorers").glob("[a-z]*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and getattr(d.func, "id", None) == "explorer"
                    for d in node.decorator_list):
                names.add(node.name)
    return names


def _explorer_calls(source, names):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call)
               and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in names)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_stored_explorer_has_its_picture_and_final_state(notebook):
    names = _explorer_names()
    assert names, "no @explorer function found in helpers/explorers"
    problems = []
    for index, cell in _code_outputs(notebook):
        widget_outputs = [o for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
        pictures = [o for o in widget_outputs if "image/png" in o.data]
        calls = _explorer_calls(cell.source, names)
        if len(pictures) < calls:
            problems.append(f"cell {index}: {calls} explorer(s) displayed, {len(pictures)} stored "
                            "with a picture")
        for o in widget_outputs:
            text = o.data.get("text/plain", "")
            if re.match(r"(VBox|HBox|Box|GridBox|Tab|Accordion)\(", text):
                problems.append(f"cell {index}: a widget stored as its bare repr {text[:60]!r}")
            if TQDM_AT_START.search(text):
                problems.append(f"cell {index}: a progress bar stored at its start {text[:60]!r}")
            if "image/png" in o.data:
                alt = (o.get("metadata", {}).get("image/png") or {}).get("alt")
                if not text or "\n" in text or alt != text:
                    problems.append(f"cell {index}: the picture's summary is not one line used as "
                                    f"its alt text: {text[:60]!r}")
        for o in cell.outputs:
            if "waiting for the first evaluation" in json.dumps(o.get("data", {}).get("text/plain", "")):
                problems.append(f"cell {index}: a live plot stored before its first evaluation")
    assert not problems, (f"{notebook.name} (re-record with tools/run_notebooks.py):\n"
                          + "\n".join(problems))
