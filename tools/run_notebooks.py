"""Restart-and-run-all for course notebooks, storing clean outputs for nbval.

Usage: .venv/bin/python tools/run_notebooks.py notebooks/01_*.ipynb [...]

Each notebook runs in a fresh kernel in its own folder (as JupyterLab and nbval
run it); the outputs are written back without saved widget state or timing
metadata, so that the stored outputs are exactly what the cells computed.

Cells tagged ``solution`` (the exercises' reference solutions) run like every
other cell, so a broken solution fails here, but are stored without outputs (they
keep their execution count): no spoiler in the saved notebook. nbval runs them
without comparing their output (the repository's conftest.py).
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(path):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(nb, kernel_name="python3", timeout=900, record_timing=False,
                            store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    start = time.perf_counter()
    client.execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
            cell.outputs = []
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"{path}: ran in {time.perf_counter() - start:.1f} s")


# The environment of `make notebooks` (see the Makefile): the stored outputs are what nbval
# will compare against, so they are recorded offline, on the bundled MNIST set (even where a
# full MNIST cache exists) and with one BLAS thread.
TEST_ENV = {"CNN_COURSE_OFFLINE": "1", "CNN_COURSE_DATA": "bundled", "OPENBLAS_NUM_THREADS": "1"}


if __name__ == "__main__":
    os.environ.pop("MPLBACKEND", None)    # notebooks draw inline, as in JupyterLab
    os.environ.update(TEST_ENV)
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for arg in sys.argv[1:]:
        run(arg)
