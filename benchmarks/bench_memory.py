"""Memory a student's Jupyter server needs: peak RSS of each notebook run top to bottom.

Usage: .venv/bin/python benchmarks/bench_memory.py [--only 06 08] [--check]
Writes benchmarks/results/memory.json (with --only: memory.partial.json).

What runs is what a student's server runs on a JupyterHub: one JupyterLab server
(``jupyter lab``, the process ``jupyterhub-singleuser`` wraps) and, for each notebook, a
kernel that the server starts (REST ``POST /api/sessions``, as opening the notebook
does). Every code cell is executed in that kernel, in order, through its own channels
(no browser: the server relays no output). On a temporary copy of notebooks/, with the
course's offline settings (bundled MNIST, Debian's Fashion-MNIST, one BLAS thread; the
machinery of tests/browser_support.py). Per notebook it reports:

* ``kernel_peak_mb``: the kernel process's peak resident set (VmHWM from /proc, exact,
  read before the kernel shuts down), plus the peak of its child processes if any;
* ``server_peak_mb``: the server process's peak resident set so far (VmHWM);
* ``together_peak_mb``: the largest sum of server + kernel RSS seen at one moment,
  sampled every 20 ms;
* ``needs_mb``: kernel peak + server peak, a bound on what both hold at once.

The result to size a hub with is the largest ``needs_mb`` (the heaviest notebook);
a hub that runs one kernel per student at a time needs that per student, plus headroom.
--check exits 1 when the heaviest notebook needs more than 2 GB.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
from jupyter_client import BlockingKernelClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
import browser_support as bs  # noqa: E402  (servers and the course's offline environment)

LIMIT_MB = 2048
MB = 1024 * 1024
EXPECTED_ERROR_TAGS = {"raises-exception", "nbval-raises-exception"}


def vm_hwm(pid):
    """Peak resident set of a process in bytes (Linux /proc VmHWM), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class Sampler(threading.Thread):
    """Polls the RSS of the server and of the kernel's process tree every 20 ms."""

    def __init__(self, server_pid, kernel_pid):
        super().__init__(daemon=True)
        self.server, self.kernel = psutil.Process(server_pid), psutil.Process(kernel_pid)
        self.peak_together = self.peak_children = 0
        self.running = True

    def run(self):
        while self.running:
            try:
                kernel = self.kernel.memory_info().rss
                children = sum(c.memory_info().rss for c in self.kernel.children(recursive=True))
                server = self.server.memory_info().rss
            except psutil.Error:
                break
            self.peak_together = max(self.peak_together, server + kernel + children)
            self.peak_children = max(self.peak_children, children)
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.join()


def api(base, token, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                     headers={"Authorization": f"token {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    return json.loads(text) if text else None


def kernel_pid(server_pid, before):
    """The kernel process the server has just started (its new child)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [p for p in psutil.Process(server_pid).children() if p.pid not in before]
        if new:
            return new[0].pid
        time.sleep(0.1)
    raise RuntimeError("the server started no kernel process")


def run_cells(client, nb, name):
    """Execute every code cell in order; raise on an unexpected error."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        errors = []

        def output(msg, errors=errors):
            if msg["header"]["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        reply = client.execute_interactive(cell.source, timeout=1800, output_hook=output,
                                           allow_stdin=False)
        expected = set(cell.metadata.get("tags", [])) & EXPECTED_ERROR_TAGS
        if reply["content"]["status"] != "ok" and not expected:
            raise RuntimeError(f"{name}, cell {index}: {errors or reply['content']}")


def measure(base, token, server, runtime_dir, notebook_rel, nb):
    before = {p.pid for p in psutil.Process(server.proc.pid).children()}
    session = api(base, token, "/api/sessions", "POST",
                  {"path": notebook_rel, "type": "notebook", "name": Path(notebook_rel).name,
                   "kernel": {"name": "python3"}})
    kernel_id = session["kernel"]["id"]
    pid = kernel_pid(server.proc.pid, before)
    client = BlockingKernelClient(connection_file=str(Path(runtime_dir) / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels(hb=False)    # the server watches the kernel; a busy machine misses beats
    client.wait_for_ready(timeout=120)
    sampler = Sampler(server.proc.pid, pid)
    sampler.start()
    start = time.perf_counter()
    try:
        run_cells(client, nb, notebook_rel)
    finally:
        seconds = time.perf_counter() - start
        sampler.stop()
        kernel_peak = (vm_hwm(pid) or 0) + sampler.peak_children
        server_peak = vm_hwm(server.proc.pid) or 0
        client.stop_channels()
        api(base, token, f"/api/sessions/{session['id']}", "DELETE")
    return {"kernel_peak_mb": round(kernel_peak / MB, 1),
            "server_peak_mb": round(server_peak / MB, 1),
            "together_peak_mb": round(sampler.peak_together / MB, 1),
            "needs_mb": round((kernel_peak + server_peak) / MB, 1),
            "seconds": round(seconds, 1)}


def markdown_table(report):
    """The README's table: one row per notebook, kernel peak and kernel + server."""
    rows = ["| notebook | kernel peak | with the server |", "|---|---|---|"]
    for stem, row in report["notebooks"].items():
        name = stem[:2] + " " + stem[3:].replace("_", " ")
        rows.append(f"| {name} | {row['kernel_peak_mb']:.0f} MB | {row['needs_mb']:.0f} MB |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="notebook numbers, e.g. 06 08")
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {LIMIT_MB} MB")
    parser.add_argument("--table", action="store_true",
                        help="print the README's table from results/memory.json (measures nothing)")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table(json.loads((HERE / "results" / "memory.json").read_text())))
        return 0
    if not Path("/proc/self/status").exists():
        sys.exit("needs Linux (/proc VmHWM) for exact peaks")
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [p for p in notebooks if p.name[:2] in args.only]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        tmp = Path(tmp)
        site = bs.copy_course(tmp / "site")
        env = bs.course_environment(tmp)
        env.pop("MPLBACKEND", None)
        server, base, token = bs.start_lab(site, tmp, env)
        try:
            idle = vm_hwm(server.proc.pid) or 0
            print(f"server idle: {idle / MB:.0f} MB")
            for path in notebooks:
                nb = nbformat.read(site / "notebooks" / path.name, as_version=4)
                row = measure(base, token, server, env["JUPYTER_RUNTIME_DIR"],
                              f"notebooks/{path.name}", nb)
                results[path.stem] = row
                print(f"{path.stem:36s} kernel {row['kernel_peak_mb']:7.1f} MB  server "
                      f"{row['server_peak_mb']:6.1f} MB  together (sampled) "
                      f"{row['together_peak_mb']:7.1f} MB  needs {row['needs_mb']:7.1f} MB  "
                      f"({row['seconds']:.0f} s)", flush=True)
        finally:
            server.stop()
    heaviest = max(results, key=lambda k: results[k]["needs_mb"])
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "openblas_threads": env.get("OPENBLAS_NUM_THREADS"),
                    "data": env.get("CNN_COURSE_DATA")},
        "method": ("JupyterLab server + one kernel per notebook started by the server; every code "
                   "cell executed in order; peaks from /proc VmHWM (kernel, server), sum of both "
                   "sampled every 20 ms"),
        "server_idle_mb": round(idle / MB, 1),
        "notebooks": results,
        "heaviest": {"notebook": heaviest, **results[heaviest]},
        "limit_mb": LIMIT_MB,
    }
    name = "memory.partial.json" if args.only else "memory.json"
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / name).write_text(json.dumps(report, indent=1) + "\n")
    print(f"heaviest: {heaviest}, needs {results[heaviest]['needs_mb']:.0f} MB "
          f"(kernel {results[heaviest]['kernel_peak_mb']:.0f} + server "
          f"{results[heaviest]['server_peak_mb']:.0f}); wrote benchmarks/results/{name}")
    return 1 if args.check and results[heaviest]["needs_mb"] > LIMIT_MB else 0


if __name__ == "__main__":
    sys.exit(main())
