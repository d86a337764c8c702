"""Machinery for the browser tests: Chromium, a throwaway JupyterLab and a Voila server.

Used by ``tests/test_browser.py``. Nothing here asserts anything about the course;
it starts and stops servers, finds the browser and holds the JavaScript that reads
the page (widget signatures, error outputs, notebook state).

Everything runs in a temporary copy of the course (``notebooks/`` and ``present/``),
so JupyterLab and Voila can never write to the repository's files, and with
throwaway Jupyter config/runtime/workspace/settings directories, so the user's own
JupyterLab settings and workspaces neither leak in nor get touched.
"""

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL_HINT = ("Chromium is needed for the browser tests: install it with "
                "`apt-get install -y chromium` (Debian/Ubuntu, as root or with sudo), or point CHROMIUM_PATH "
                "at a Chromium/Chrome binary.")

# No background traffic (updates, metrics, field trials), no GPU, shared memory on
# disk (small /dev/shm in containers), and every host name except 127.0.0.1
# unresolvable: the course must work offline, so the browser is made offline.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

# External URLs the Voila/Lab pages ask for that are known to be harmless when
# they fail offline: Voila's template links Font Awesome's CSS (icons only); each
# notebook's "Open in Colab" badge (tools/colab.py) is Colab's picture, shown on
# GitHub and in Colab, and its alt text "Open In Colab" offline.
HARMLESS_EXTERNAL = ("https://cdn.jsdelivr.net/npm/font-awesome@",
                     "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@",
                     "https://colab.research.google.com/assets/colab-badge.svg")

# JupyterLab settings for the test server: no news or update checks (no network),
# no autosave (the browser never writes a notebook), and every cell in the DOM
# (windowing "none"), so off-screen outputs can be inspected.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def find_chromium():
    """Path of a Chromium binary, or None. CHROMIUM_PATH wins if set."""
    env = os.environ.get("CHROMIUM_PATH")
    if env:
        return env if Path(env).is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def course_environment(tmp):
    """Environment for the Jupyter servers and their kernels.

    Throwaway Jupyter directories under ``tmp``; data offline and bundled (the same
    numbers on every machine, no download attempt); no MPLBACKEND, so notebooks
    draw inline as in a user's JupyterLab; Keras on JAX on the CPU, as in the Makefile.
    """
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    for name in ("config", "runtime", "workspaces", "settings", "data"):
        (tmp / name).mkdir(parents=True, exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTER_DATA_DIR=str(tmp / "data"),       # no user kernelspec shadows this venv's
        IPYTHONDIR=str(tmp / "ipython"),          # no user startup scripts in the kernels
    )
    env.setdefault("CNN_COURSE_DATA", "bundled")
    env.setdefault("CNN_COURSE_OFFLINE", "1")
    env.setdefault("KERAS_BACKEND", "jax")
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # One BLAS thread (notebook 10 explains why): small matrix products on a shared
    # machine run several times slower with more; it changes speed, not results.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    labconfig = tmp / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "default_setting_overrides.json").write_text(json.dumps(LAB_SETTINGS, indent=1))
    return env


def copy_course(site):
    """Copy notebooks/ and present/ into ``site`` (what the servers will serve).

    docs/, which a notebook might read with a relative path, is linked, not copied:
    it is only read (the bundled data is package data, inside helpers/). Checkpoints
    and caches are left out.
    """
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    site.mkdir(parents=True, exist_ok=True)
    for name in ("notebooks", "present"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, site / name, ignore=ignore)
    for name in ("docs",):
        if (ROOT / name).is_dir() and not (site / name).exists():
            (site / name).symlink_to(ROOT / name, target_is_directory=True)
    return site


class Server:
    """A Jupyter server process in its own process group, logging to a file."""

    def __init__(self, name, cmd, env, cwd, log_path, status_url):
        self.name, self.log_path, self.status_url = name, Path(log_path), status_url
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode}; "
                                   f"log:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.status_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not answer {self.status_url} within {timeout} s; "
                           f"log:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        """SIGTERM the server's process group (server and kernels), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self.log.close()


def start_lab(site, tmp, env):
    """JupyterLab on 127.0.0.1:<random port>, token-protected, rooted at ``site``.

    Returns (server, base_url, token). ``expose_app_in_browser`` gives the page
    ``window.jupyterapp``, through which the tests run cells and read the model.
    """
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--ServerApp.root_dir={site}", "--ServerApp.open_browser=False",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    base = f"http://127.0.0.1:{port}"
    server = Server("JupyterLab", cmd, env, site, tmp / "jupyterlab.log",
                    f"{base}/api/status?token={token}")
    server.wait_ready()
    return server, base, token


def start_voila(present_dir, tmp, env):
    """Voila in tree mode on ``present_dir`` (as ``make present`` runs it), with
    tracebacks shown so that a failing cell names its error. Returns (server, base_url)."""
    port = free_port()
    cmd = [sys.executable, "-m", "voila", str(present_dir), "--no-browser",
           "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
           "--show_tracebacks=True"]
    base = f"http://127.0.0.1:{port}"
    server = Server("Voila", cmd, env, present_dir, tmp / "voila.log", f"{base}/")
    server.wait_ready()
    return server, base


def api(base, token, path, method="GET"):
    """A call to the Jupyter server's REST API; returns the decoded JSON (or None)."""
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=20) as response:
        body = response.read()
    return json.loads(body) if body else None


def shutdown_sessions(base, token):
    """Shut down every notebook session (and so its kernel) on the Lab server."""
    for session in api(base, token, "/api/sessions") or []:
        try:
            api(base, token, f"/api/sessions/{session['id']}", method="DELETE")
        except urllib.error.HTTPError:
            pass


# ------------------------------------------------------------------------------------
# JavaScript run in the page
# ------------------------------------------------------------------------------------

# Controls a learner moves; everything else in an explorer is "what it displays".
CONTROL_SELECTOR = ", ".join([
    ".widget-slider", ".widget-hslider", ".widget-vslider", ".widget-dropdown", ".widget-select",
    ".widget-select-multiple", ".widget-radio", ".widget-toggle-buttons", ".widget-toggle-button",
    ".widget-checkbox", ".widget-text", ".widget-textarea", ".widget-button", ".jupyter-button",
    ".widget-play", ".widget-colorpicker", ".widget-datepicker", ".widget-tagsinput",
])

# A fingerprint of what an explorer shows, leaving out its controls (a slider's own
# readout changes in the browser without the kernel; only a changed picture or text
# proves that the Python callback ran): text, image sources, SVG and canvas sizes.
SIGNATURE_JS = """
([root, controlSelector]) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (node.matches(controlSelector)) return;
    if (node.tagName === 'IMG') parts.push('img:' + node.getAttribute('src'));
    if (node.tagName === 'svg') parts.push('svg:' + node.outerHTML.length + ':' + node.outerHTML.slice(-2000));
    if (node.tagName === 'CANVAS') { try { parts.push('canvas:' + node.toDataURL()); } catch (e) {} }
    for (const child of node.childNodes) walk(child);
  };
  walk(root);
  const text = parts.join('|');
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
  const visible = (root.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 160);
  return {hash: h.toString(16) + ':' + text.length, text: visible};
}
"""

# Waits until the notebook's kernel is connected and idle, runs every cell and
# waits for the run to finish (or for the time limit). Returns what it saw.
LAB_RUN_ALL_JS = """
async ([timeoutMs]) => {
  const app = window.jupyterapp;
  const sleep = (ms) => new Promise(r => setTimeout(r, ms));
  const deadline = Date.now() + timeoutMs;
  let panel = null;
  while (Date.now() < deadline) {
    panel = app.shell.currentWidget;
    if (panel && panel.sessionContext && panel.content && panel.content.model) break;
    await sleep(100);
  }
  if (!panel || !panel.sessionContext) return {ok: false, reason: 'no notebook panel opened'};
  await panel.context.ready;
  await panel.sessionContext.ready;
  while (Date.now() < deadline) {
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle') break;
    await sleep(100);
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle')
    return {ok: false, reason: 'the kernel did not become idle (status ' + (kernel && kernel.status) + ')'};
  const started = Date.now();
  const run = app.commands.execute('notebook:run-all-cells');
  const timer = sleep(Math.max(deadline - Date.now(), 1000)).then(() => 'timeout');
  const result = await Promise.race([run, timer]);
  if (result === 'timeout') return {ok: false, reason: 'run-all did not finish within ' + timeoutMs / 1000 + ' s'};
  // run-all may resolve as soon as a cell raises while later cells still run: wait
  // until no cell is running and the kernel is idle.
  const busy = () => panel.content.widgets.some(c => c.model.type === 'code' && c.model.executionState === 'running')
    || panel.sessionContext.session.kernel.status !== 'idle';
  let quiet = 0;
  while (quiet < 3) {
    if (Date.now() > deadline) return {ok: false, reason: 'cells still running after ' + timeoutMs / 1000 + ' s'};
    quiet = busy() ? 0 : quiet + 1;
    await sleep(100);
  }
  // run-all resolves to false when any cell raised, including cells tagged
  // raises-exception; the test reads the errors cell by cell instead.
  return {ok: true, raised: result === false, reason: '',
          seconds: (Date.now() - started) / 1000, path: panel.context.path};
}
"""

# Every cell of the open notebook: tags, execution count, error outputs in the
# model, and error/traceback text shown in its DOM (stderr outputs).
LAB_CELLS_JS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const strip = (s) => s.replace(/\\u001b\\[[0-9;]*m/g, '');
  return panel.content.widgets.map((cell, index) => {
    const json = cell.model.toJSON();
    const outputs = json.outputs || [];
    const errors = outputs.filter(o => o.output_type === 'error')
      .map(o => o.ename + ': ' + o.evalue + '\\n' + strip((o.traceback || []).slice(-3).join('\\n')));
    const shown = Array.from(cell.node.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
      .map(e => e.innerText).filter(t => /Traceback|Error\\b/.test(t));
    const stderr = outputs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
      .map(o => Array.isArray(o.text) ? o.text.join('') : o.text);
    return {index, type: json.cell_type, tags: (json.metadata && json.metadata.tags) || [],
            count: json.execution_count === undefined ? null : json.execution_count,
            source: (Array.isArray(json.source) ? json.source.join('') : json.source).slice(0, 120),
            widgets: outputs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
            errors, shown, stderr};
  });
}
"""

# Top-level widget outputs in the page (JupyterLab or Voila): one per displayed
# explorer. Each is tagged with data-explorer-index so that the tests can address it.
MARK_EXPLORERS_JS = """
([controlSelector]) => {
  const roots = Array.from(document.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child'))
    .filter(child => child.querySelector('.jupyter-widgets'));
  return roots.map((root, i) => {
    root.setAttribute('data-explorer-index', String(i));
    const cell = root.closest('.jp-Cell');
    return {index: i, controls: root.querySelectorAll(controlSelector).length,
            cellIndex: cell ? Array.from(cell.parentNode.children).indexOf(cell) : -1,
            text: (root.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 100)};
  });
}
"""

# Widget rendering failures ipywidgets shows in place of a widget.
WIDGET_FAILURES_JS = """
() => Array.from(document.querySelectorAll('.jupyter-widgets-error-widget, .jupyter-widgets'))
  .map(e => e.innerText || '')
  .filter(t => /^(Error displaying widget|Loading widget\\.\\.\\.)/.test(t.trim()))
  .map(t => t.trim().slice(0, 200))
"""


# ------------------------------------------------------------------------------------
# Notebooks that the checks must reject (and one they must accept)
# ------------------------------------------------------------------------------------

_LIVE = ("import ipywidgets as w\n"
         "s = w.IntSlider(value=1, max=5, description='n')\n"
         "out = w.HTML('n squared = 1')\n"
         "s.observe(lambda change: setattr(out, 'value', f\"n squared = {change['new'] ** 2}\"), names='value')\n"
         "w.VBox([s, out])")

# name -> (regex the failure message must match, or None for "must pass"; code cells)
SELFTEST_NOTEBOOKS = {
    "a_good": (None, ["import warnings\nwarnings.warn('only a warning')",
                      ("1 / 0", ["raises-exception"]), _LIVE]),
    "b_error": (r"NameError", [_LIVE, "undefined_name"]),
    "c_explorer_never_redraws": (r"changed nothing", [_LIVE.replace("s.observe", "# s.observe")]),
    "d_callback_raises": (r"changed nothing", [_LIVE.replace(
        "lambda change: setattr(out, 'value', f\"n squared = {change['new'] ** 2}\")",
        "lambda change: 1 / 0")]),
    "e_no_widget": (r"no cell displays a widget", ["print('no explorer here')"]),
}


def write_selftest_notebooks(folder):
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    for name, (_, cells) in SELFTEST_NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells.append(nbformat.v4.new_markdown_cell(f"# self-test: {name}"))
        for cell in cells:
            source, tags = (cell, []) if isinstance(cell, str) else cell
            nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {}))
        path = folder / f"{name}.ipynb"
        if not path.exists():
            nbformat.write(nb, path)
