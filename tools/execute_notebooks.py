"""Run notebooks top to bottom and report errors; nothing is written back.

Usage: python tools/execute_notebooks.py NOTEBOOK [NOTEBOOK ...]

Each notebook runs in a fresh kernel of the interpreter that runs this script (its
``python3`` kernel), in the notebook's own folder, like JupyterLab does. Cells tagged
``raises-exception`` may raise. Unlike tools/run_notebooks.py, outputs are not stored and
not compared (nbval does that): this only asks "does every cell run?", for environments
other than the pinned one (``make wheel-test``, ``make colab-test``). On an error it prints
the notebook, the cell's index and first lines, and the error; exits 1 if any notebook failed.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELL_TIMEOUT = 900  # s


def check_kernel():
    """The python3 kernel must be this interpreter (a user kernelspec could point elsewhere)."""
    argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]
    if argv0 not in ("python", "python3", sys.executable):
        sys.exit(f"the python3 kernel runs {argv0}, not {sys.executable}: "
                 "remove that kernelspec or set JUPYTER_PATH")


def failing_cell(nb, err):
    """(index, first lines) of the cell that raised, found by its stored error output."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.outputs):
            lines = cell.source.splitlines()
            return index, "\n".join(lines[:6]) + ("\n..." if len(lines) > 6 else "")
    return None, ""


def run(path):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        index, source = failing_cell(nb, err)
        print(f"FAILED {path.name}, cell {index}:\n{source}\n--- error:\n{err.ename}: {err.evalue}"
              f"\n{str(err)[-3000:]}", flush=True)
        return False
    print(f"ok {path.name}: every cell ran ({time.perf_counter() - start:.0f} s)", flush=True)
    return True


def main(paths):
    if not paths:
        sys.exit(__doc__)
    os.environ.pop("MPLBACKEND", None)    # notebooks draw inline, as in JupyterLab
    check_kernel()
    failed = [p for p in paths if not run(p)]
    print(f"{len(paths) - len(failed)} passed, {len(failed)} failed"
          + (": " + ", ".join(Path(p).name for p in failed) if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
