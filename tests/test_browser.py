"""The course in a real browser: every notebook in JupyterLab, every presenter page in Voila.

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) opens each
notebook in a throwaway JupyterLab, runs all cells and checks that

* every code cell ran and no cell shows an error (cells tagged raises-exception
  are expected to raise and are left out),
* the notebook displays at least one explorer, every widget renders, and
* moving one of each explorer's controls (a slider by keyboard, a dropdown, a
  toggle, a button) changes what the explorer displays: a new picture or new
  numbers, which only the kernel's Python callback can produce.

Then Voila serves present/ as ``make present`` does: the index links to every
page, and every page loads without an error and reacts to its controls.

The servers run on a temporary copy of notebooks/ and present/, and the tests
assert that the repository's files are unchanged afterwards (the stored outputs
belong to nbval). The browser is made offline (every host name but 127.0.0.1 is
unresolvable). Screenshots go to tests/artifacts/ (git-ignored); with
CNN_UPDATE_SCREENSHOTS=1 the README's screenshots in docs/screenshots/ are
refreshed from the same run.

Without Chromium these tests skip, saying how to install it; with the CI
environment variable set, a missing browser is a failure.

Run them alone with ``make browser`` (two pytest-xdist workers, each with its own
servers and browser; about 4 to 5 minutes on two busy cores).
"""

import ast
import os
import re
import shutil
import time
import warnings
from pathlib import Path

import nbformat
import pytest

import browser_support as bs

ROOT = bs.ROOT
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PRESENT_PAGES = sorted((ROOT / "present").glob("[0-9][0-9]_*.ipynb"))
EXPECTED_ERROR_TAGS = {"raises-exception", "nbval-raises-exception"}

RUN_TIMEOUT = float(os.environ.get("CNN_BROWSER_RUN_TIMEOUT", "300"))   # s, one notebook's run-all
REACT_TIMEOUT = 15.0          # s for an explorer to redraw after a control moved
LAB_VIEWPORT = {"width": 1400, "height": 900}
PRESENT_VIEWPORT = {"width": 1280, "height": 800}    # a common projector resolution

# Screenshots shown in the README: (where, page stem) -> file in docs/screenshots/.
README_SHOTS = {
    ("lab", "01_convolution_by_hand"): "jupyterlab_sliding_window.png",
    ("voila", "index"): "presenter_index.png",
    ("voila", "01_convolution_by_hand"): "presenter_sliding_window.png",
}
UPDATE_SCREENSHOTS = os.environ.get("CNN_UPDATE_SCREENSHOTS") == "1"


# ------------------------------------------------------------------------------------
# Fixtures: one browser, one JupyterLab and one Voila for the whole session
# ------------------------------------------------------------------------------------

# chromium_path and browser (one Playwright per worker) are in tests/conftest.py, shared with
# test_site.py: two sync Playwright instances in one process fail.


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A temporary copy of the course that the servers serve, and their environment."""
    tmp = tmp_path_factory.mktemp("browser")
    bs.copy_course(tmp / "site")
    return tmp / "site", tmp, bs.course_environment(tmp)


@pytest.fixture(scope="session")
def lab(site, browser):
    root, tmp, env = site
    server, base, token = bs.start_lab(root, tmp, env)
    yield base, token, server
    server.stop()


@pytest.fixture(scope="session")
def voila(site, browser):
    root, tmp, env = site
    server, base = bs.start_voila(root / "present", tmp, env)
    yield base, server
    server.stop()


class Watcher:
    """Records what a page asked of the outside world and what went wrong in its JavaScript."""

    def __init__(self, page):
        self.external, self.page_errors = [], []
        page.on("request", self._request)
        page.on("pageerror", lambda err: self.page_errors.append(str(err)[:300]))

    def _request(self, request):
        url = request.url
        if not re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]", url) and not url.startswith(("data:", "blob:")):
            self.external.append(url)

    def unexpected_external(self):
        return sorted({u for u in self.external if not u.startswith(bs.HARMLESS_EXTERNAL)})


@pytest.fixture
def lab_page(lab, browser):
    base, token, server = lab
    context = browser.new_context(viewport=LAB_VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    watcher = Watcher(page)
    yield page, watcher
    context.close()
    bs.shutdown_sessions(base, token)     # no kernels left running between notebooks


@pytest.fixture
def voila_page(voila, browser):
    context = browser.new_context(viewport=PRESENT_VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    watcher = Watcher(page)
    yield page, watcher
    context.close()                       # Voila shuts the page's kernel down


# ------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------

def shot(target, where, stem, suffix="", **options):
    """Save a screenshot of a page or element under tests/artifacts/<where>/ and, when
    refreshing the README's pictures, copy the chosen ones to docs/screenshots/."""
    folder = bs.ARTIFACTS / where
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}{suffix}.png"
    target.screenshot(path=str(path), **options)
    if UPDATE_SCREENSHOTS and not suffix and (where, stem) in README_SHOTS:
        dest = ROOT / "docs" / "screenshots" / README_SHOTS[(where, stem)]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    return path


def clear_shots(where, stem):
    """Forget the screenshots an earlier run took of this page."""
    for path in (bs.ARTIFACTS / where).glob(f"{stem}*.png"):
        if path.stem == stem or path.stem.startswith(f"{stem}_"):
            path.unlink()


def signature(root):
    return root.evaluate(f"(el) => ({bs.SIGNATURE_JS})([el, {bs.CONTROL_SELECTOR!r}])")


def wait_changed(root, before, timeout):
    """Poll the explorer's signature until it differs from ``before`` (True) or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if signature(root)["hash"] != before["hash"]:
            return True
        root.page.wait_for_timeout(100)
    return False


def candidate_controls(root):
    """(description, action) for the controls worth moving, most telling first."""
    found = []
    handles = root.locator(".noUi-target:not([disabled]) .noUi-handle")
    for k in range(min(handles.count(), 2)):
        handle = handles.nth(k)

        def move(handle=handle):
            now = float(handle.get_attribute("aria-valuenow") or 0)
            top = float(handle.get_attribute("aria-valuemax") or now + 1)
            handle.focus()
            handle.press("ArrowLeft" if now >= top else "ArrowRight")

        label = root.locator(".widget-slider").nth(k).locator(".widget-label").first.inner_text()
        found.append((f"slider '{label.strip()}' (keyboard)", move))
    selects = root.locator(".widget-dropdown select:not([disabled])")
    for k in range(min(selects.count(), 1)):
        select = selects.nth(k)

        def choose(select=select):
            values = select.evaluate("(s) => Array.from(s.options).map(o => o.value)")
            current = select.input_value()
            other = next((v for v in values if v != current), None)
            if other is not None:
                select.select_option(other)

        found.append(("dropdown (select_option)", choose))
    toggles = root.locator(".widget-toggle-buttons button:not(.mod-active):not([disabled])")
    if toggles.count():
        found.append(("toggle button (click)", toggles.first.click))
    buttons = root.locator("button.widget-button:not([disabled])")
    for k in range(min(buttons.count(), 2)):
        found.append((f"button '{buttons.nth(k).inner_text().strip()}' (click)", buttons.nth(k).click))
    boxes = root.locator(".widget-checkbox input:not([disabled])")
    if boxes.count():
        found.append(("checkbox (click)", boxes.first.click))
    texts = root.locator(".widget-text input:not([disabled])")
    if texts.count():
        def retype(box=texts.first):
            value = box.input_value()
            try:
                new = str(float(value) + 1)
            except ValueError:
                new = value + "x"
            box.fill(new)
            box.press("Enter")

        found.append(("number box (type, Enter)", retype))
    return found


def exercise(root, label):
    """Move controls of one explorer until its display changes; return what worked."""
    root.scroll_into_view_if_needed()
    tried = []
    for description, action in candidate_controls(root):
        before = signature(root)
        action()
        if wait_changed(root, before, REACT_TIMEOUT):
            return description
        tried.append(description)
    pytest.fail(f"{label}: moving its controls changed nothing it displays within {REACT_TIMEOUT:.0f} s "
                f"each (tried: {', '.join(tried) or 'no control found'}); "
                f"shows: {signature(root)['text']!r}", pytrace=False)


def explorers_in(page):
    """Mark and describe every displayed widget (one per explorer), in page order."""
    return page.evaluate(f"({bs.MARK_EXPLORERS_JS})([{bs.CONTROL_SELECTOR!r}])")


def check_explorers(page, where, stem):
    """Every widget rendered; each explorer with controls reacts; screenshots saved."""
    failures = page.evaluate(bs.WIDGET_FAILURES_JS)
    assert not failures, f"{stem}: widgets failed to render: {failures}"
    found = explorers_in(page)
    interactive = [e for e in found if e["controls"]]
    assert interactive, (f"{stem}: no explorer with controls is displayed "
                         f"(widget outputs: {[e['text'] for e in found]})")
    worked = []
    for e in interactive:
        root = page.locator(f"[data-explorer-index='{e['index']}']")
        worked.append(exercise(root, f"{stem}, explorer {e['index'] + 1} ({e['text'][:60]!r})"))
        if where == "voila":
            # Element clips are off under the presenter's CSS zoom: take the viewport
            # with the explorer scrolled to its top instead.
            root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
            shot(page, where, stem, f"_explorer{e['index'] + 1}")
        else:
            shot(root, where, stem, f"_explorer{e['index'] + 1}")
    return interactive, worked


def fingerprints(repo_file, served_file):
    return {"repo": bs.sha256(repo_file), "served": bs.sha256(served_file)}


def assert_not_written(repo_file, served_file, before):
    """The browser run saved neither the copy it served nor the repository's file.

    The servers only see the temporary copy, so a save would land there: that check
    is strict. The repository's file is checked too; if it changed although the copy
    did not, someone else wrote it (another process, an editor): a failure in CI,
    where nothing else runs, and a warning on a shared working tree.
    """
    assert bs.sha256(served_file) == before["served"], (
        f"{served_file} (the copy served to the browser) was saved during the run")
    if bs.sha256(repo_file) != before["repo"]:
        message = f"{repo_file} changed on disk during the browser run"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        warnings.warn(f"{message}, not through the browser (its server only saw an unchanged "
                      "temporary copy): is someone else editing it?")


def error_report(cells):
    lines = []
    for c in cells:
        if set(c["tags"]) & EXPECTED_ERROR_TAGS:
            continue
        for text in c["errors"] + c["shown"]:
            lines.append(f"cell {c['index']} ({c['source'][:60]!r}): {text.strip()[:400]}")
    return lines


# ------------------------------------------------------------------------------------
# JupyterLab: every notebook
# ------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(notebook, site, lab, lab_page):
    check_in_lab(lab, lab_page, f"notebooks/{notebook.name}", notebook, site[0] / "notebooks" / notebook.name)


def check_in_lab(lab, lab_page, rel_path, repo_file, served, where="lab"):
    """Open ``rel_path`` (relative to the served site) in JupyterLab, run all, check it."""
    base, token, server = lab
    page, watcher = lab_page
    stem = Path(rel_path).stem
    before = fingerprints(repo_file, served)
    clear_shots(where, stem)
    page.goto(f"{base}/lab/tree/{rel_path}?token={token}&reset")
    page.wait_for_function("window.jupyterapp !== undefined && window.jupyterapp.shell !== undefined")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.evaluate("window.jupyterapp.shell.collapseLeft()")       # more room for the notebook

    run = page.evaluate(f"({bs.LAB_RUN_ALL_JS})([{int(RUN_TIMEOUT * 1000)}])")
    cells = page.evaluate(bs.LAB_CELLS_JS)
    errors = error_report(cells)
    if errors or not run["ok"]:
        shot(page, where, stem, "_FAILED")
    assert not errors, f"{stem}: cells show errors:\n" + "\n".join(errors)
    assert run["ok"], f"{stem}: {run['reason']}; server log:\n{server.log_tail(15)}"
    not_run = [c["index"] for c in cells if c["type"] == "code" and c["count"] is None]
    assert not not_run, f"{stem}: code cells {not_run} did not run"

    expected = sum(c["widgets"] for c in cells)
    assert expected, f"{stem}: no cell displays a widget; every notebook needs an explorer"
    page.wait_for_function(
        f"document.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child .jupyter-widgets').length > 0"
        f" && !/Loading widget/.test(document.querySelector('.jp-Notebook').innerText)",
        timeout=30_000)
    interactive, worked = check_explorers(page, where, stem)
    # The README picture: the first explorer with the code cell that made it.
    page.locator(f"[data-explorer-index='{interactive[0]['index']}']").evaluate(
        "(el) => el.closest('.jp-Cell').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    shot(page, where, stem)

    assert not error_report(page.evaluate(bs.LAB_CELLS_JS)), f"{stem}: an interaction produced an error"
    assert not watcher.unexpected_external(), f"{stem}: requests left the machine: {watcher.unexpected_external()}"
    assert_not_written(repo_file, served, before)
    warned = [c["index"] for c in cells if c["stderr"] and not set(c["tags"]) & EXPECTED_ERROR_TAGS]
    print(f"{stem}: ran in {run['seconds']:.1f} s; {len(interactive)} explorer(s) reacted to: {worked}"
          + (f"; stderr output (warnings?) in cells {warned}" if warned else ""))


@pytest.mark.browser
@pytest.mark.skipif(os.environ.get("CNN_BROWSER_SELFTEST") != "1",
                    reason="checks the checks (about a minute): set CNN_BROWSER_SELFTEST=1")
@pytest.mark.parametrize("case", sorted(bs.SELFTEST_NOTEBOOKS))
def test_the_lab_checks_catch_broken_notebooks(case, site, lab, lab_page):
    """Small notebooks, written into the served copy only: a good one passes; one with
    an error, one whose explorer never redraws, one whose callback raises and one
    without any widget each fail, with a message that says why."""
    folder = site[0] / "selftest"
    bs.write_selftest_notebooks(folder)
    served = folder / f"{case}.ipynb"
    expected = bs.SELFTEST_NOTEBOOKS[case][0]
    if expected is None:
        check_in_lab(lab, lab_page, f"selftest/{case}.ipynb", served, served, where="selftest")
        return
    with pytest.raises((AssertionError, pytest.fail.Exception)) as caught:
        check_in_lab(lab, lab_page, f"selftest/{case}.ipynb", served, served, where="selftest")
    assert re.search(expected, str(caught.value)), f"{case}: failed for another reason: {caught.value}"


# ------------------------------------------------------------------------------------
# Voila: presenter mode
# ------------------------------------------------------------------------------------

def load_voila(page, base, name):
    page.goto(f"{base}/voila/render/{name}", wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector("body[data-voila] .jp-Cell", timeout=120_000)


def voila_errors(page):
    return [t.strip()[:400] for t in page.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
        if re.search(r"Traceback|Error\b|error when executing", t)]


@pytest.mark.browser
def test_presenter_index_links_every_page(site, voila, voila_page):
    base, server = voila
    page, watcher = voila_page
    index, served = ROOT / "present" / "index.ipynb", site[0] / "present" / "index.ipynb"
    before = fingerprints(index, served)
    load_voila(page, base, "index.ipynb")
    assert not voila_errors(page), f"index: {voila_errors(page)}"
    links = page.evaluate("() => Array.from(document.querySelectorAll('.jp-RenderedHTMLCommon a'))"
                          ".map(a => a.getAttribute('href')).filter(h => h && !h.startsWith('#'))")
    pages = [p.name for p in PRESENT_PAGES]
    assert sorted(set(links)) == pages, f"the index links {links}, the pages are {pages}"
    # The large font really applies (Voila only): the presenter CSS is active.
    zoom = page.evaluate("getComputedStyle(document.body).zoom")
    assert float(zoom) > 1.2, f"presenter styling is not applied (body zoom {zoom})"
    shot(page, "voila", "index", full_page=True)
    # A link opens its page under /voila/render/ (tree mode serves the whole folder).
    page.locator(f".jp-RenderedHTMLCommon a[href='{pages[0]}']").first.click()
    page.wait_for_url(f"**/voila/render/{pages[0]}", timeout=30_000)
    page.wait_for_selector("body[data-voila] .jupyter-widgets", timeout=120_000)
    assert not voila_errors(page), f"{pages[0]} opened from the index: {voila_errors(page)}"
    assert not watcher.unexpected_external(), f"requests left the machine: {watcher.unexpected_external()}"
    assert_not_written(index, served, before)


@pytest.mark.browser
@pytest.mark.parametrize("present_page", PRESENT_PAGES, ids=[p.stem for p in PRESENT_PAGES])
def test_presenter_page(present_page, site, voila, voila_page):
    base, server = voila
    page, watcher = voila_page
    stem = present_page.stem
    served = site[0] / "present" / present_page.name
    before = fingerprints(present_page, served)
    clear_shots("voila", stem)
    load_voila(page, base, present_page.name)
    errors = voila_errors(page)
    if errors:
        shot(page, "voila", stem, "_FAILED")
    assert not errors, f"{stem}: the page shows errors:\n" + "\n".join(errors)
    n_explorers = len(_load_present_tool().load_registry()[stem])
    page.wait_for_function(
        "document.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child .jupyter-widgets').length > 0",
        timeout=60_000)
    # Code is hidden: Voila shows outputs only.
    assert page.locator(".jp-CodeCell .jp-InputArea:visible").count() == 0, f"{stem}: code cells are visible"
    interactive, worked = check_explorers(page, "voila", stem)
    assert len(interactive) == n_explorers, (f"{stem}: present/pages.py lists {n_explorers} explorers, "
                                             f"the page displays {len(interactive)} with controls")
    # The README picture: the first explorer under its heading.
    page.evaluate("document.querySelector('.jp-RenderedHTMLCommon h2').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    shot(page, "voila", stem)
    assert not voila_errors(page), f"{stem}: an interaction produced an error: {voila_errors(page)}"
    assert not watcher.unexpected_external(), f"{stem}: requests left the machine: {watcher.unexpected_external()}"
    assert_not_written(present_page, served, before)
    print(f"{stem}: {len(interactive)} explorer(s) reacted to: {worked}")


@pytest.mark.browser
def test_presenter_through_jupyter_server_as_on_binder(lab, lab_page):
    """On Binder there is no `make present`: Voila's server extension serves the same
    pages at /voila/render/present/index.ipynb (Binder: ?urlpath=voila/render/present/index.ipynb)."""
    base, token, server = lab
    page, watcher = lab_page
    load_voila(page, base, f"present/index.ipynb?token={token}")
    assert not voila_errors(page), f"index via the server extension: {voila_errors(page)}"
    first = PRESENT_PAGES[0].name
    page.locator(f".jp-RenderedHTMLCommon a[href='{first}']").first.click()
    page.wait_for_url(f"**/voila/render/present/{first}", timeout=30_000)
    page.wait_for_function(
        "document.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child .jupyter-widgets').length > 0",
        timeout=120_000)
    assert not voila_errors(page), f"{first} via the server extension: {voila_errors(page)}"
    found = [e for e in explorers_in(page) if e["controls"]]
    assert found, f"{first} via the server extension shows no explorer"
    exercise(page.locator(f"[data-explorer-index='{found[0]['index']}']"), f"{first} (server extension)")


# ------------------------------------------------------------------------------------
# Presenter pages match the registry and the notebooks (no browser needed)
# ------------------------------------------------------------------------------------

def _load_present_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("present_tool", ROOT / "tools" / "present.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _explorer_functions():
    """Names exported by helpers.explorers.<topic> modules (read from source, no import)."""
    names = set()
    for path in (ROOT / "helpers" / "explorers").glob("[a-z]*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                names.add(node.name)
    return names


def _call_name(node, candidates):
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in candidates:
            return name
    return None


def _called(source, candidates):
    """Names from ``candidates`` that a cell's code calls anywhere."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {name for node in ast.walk(tree) if (name := _call_name(node, candidates))}


def _displayed(source, candidates):
    """The explorer a cell displays as its value: its last line calls one of ``candidates``
    (``window_explorer(x)``), or names what such a call returned (``box = f(x)`` ... ``box``).
    Widgets shown along the way (progress bars, live training plots) do not count."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return set()
    value = tree.body[-1].value
    if (name := _call_name(value, candidates)):
        return {name}
    if isinstance(value, ast.Name):
        for node in tree.body:
            if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == value.id
                                                     for t in node.targets)
                    and (name := _call_name(node.value, candidates))):
                return {name}
    return set()


def _shows_widget(cell):
    return any("application/vnd.jupyter.widget-view+json" in out.get("data", {})
               for out in cell.get("outputs", []))


def test_presenter_pages_are_generated_from_the_registry():
    tool = _load_present_tool()
    pages, warnings = tool.build_pages()
    stale = [name for name, nb in pages.items()
             if not (ROOT / "present" / name).exists()
             or (ROOT / "present" / name).read_text() != nbformat.writes(nb) + "\n"]
    assert not stale, f"present/ is out of date for {stale}: run .venv/bin/python tools/present.py"
    extra = sorted(p.name for p in (ROOT / "present").glob("*.ipynb") if p.name not in pages)
    assert not extra, f"present/ holds pages not generated from present/pages.py: {extra}"
    # (a notebook without an entry fails test_presenter_page_shows_every_explorer_of_its_notebook)
    orphans = [w for w in warnings if "has no presenter entry" not in w]
    assert not orphans, "\n".join(orphans)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_presenter_page_shows_every_explorer_of_its_notebook(notebook):
    functions = _explorer_functions()
    page = ROOT / "present" / notebook.name
    assert page.exists(), f"no presenter page for {notebook.name}: add it to present/pages.py"

    # The notebook's stored outputs say which cells display a widget (an explorer);
    # the page's cells (stored without outputs) only display explorers.
    in_notebook, on_page = set(), set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "code" and _shows_widget(cell):
            in_notebook |= _displayed(cell.source, functions)
    for cell in nbformat.read(page, as_version=4).cells:
        if cell.cell_type == "code":
            on_page |= _called(cell.source, functions)
    assert in_notebook, (f"{notebook.name} displays no explorer from helpers.explorers "
                         "(or is stored without outputs)")
    missing = in_notebook - on_page
    assert not missing, f"present/{page.name} lacks {sorted(missing)}, which {notebook.name} displays"


# ------------------------------------------------------------------------------------
# Draw a digit (notebook 11): a stroke drawn with the mouse on the canvas
# ------------------------------------------------------------------------------------

# Where the draw-a-digit explorer is shown; paths relative to the repository (and to the
# served copy). Point them elsewhere to test another notebook or page.
DRAWING_NOTEBOOK = os.environ.get("CNN_DRAWING_NOTEBOOK", "notebooks/11_what_the_network_sees.ipynb")
DRAWING_PAGE = os.environ.get("CNN_DRAWING_PAGE", "present/11_what_the_network_sees.ipynb")

# What the explorer shows, read in the page: the readout (its last HTML widget), the
# picture's source, the canvas' pixels, and whether the canvas is blank.
DRAWING_STATE_JS = """
(root) => {
  const canvas = root.querySelector('canvas');
  const blank = document.createElement('canvas');
  blank.width = canvas.width; blank.height = canvas.height;
  const html = Array.from(root.querySelectorAll('.widget-html-content'));
  const img = root.querySelector('.widget-image');
  return {readout: html.length ? html[html.length - 1].innerText : '',
          picture: img ? img.getAttribute('src') : '',
          pixels: canvas.toDataURL(), blank: canvas.toDataURL() === blank.toDataURL()};
}
"""


def _drawing_file(rel):
    path = ROOT / rel
    if not path.exists() or "draw_a_digit(" not in path.read_text():
        pytest.skip(f"{rel} does not show the draw-a-digit explorer yet (issue 15; set "
                    "CNN_DRAWING_NOTEBOOK / CNN_DRAWING_PAGE to test another file)")
    return path


def _drawing_root(page, timeout=120_000):
    """The output holding the drawing canvas, once the kernel has painted its digit on it."""
    page.wait_for_selector(".jp-OutputArea-child canvas", timeout=timeout)
    root = page.locator(".jp-OutputArea-child:has(canvas)").first
    root.scroll_into_view_if_needed()
    deadline = time.monotonic() + 30
    while root.evaluate(DRAWING_STATE_JS)["blank"] and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return root


def _wait_for(root, condition, what, timeout=REACT_TIMEOUT * 2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = root.evaluate(DRAWING_STATE_JS)
        if condition(state):
            return state
        root.page.wait_for_timeout(150)
    pytest.fail(f"{what} within {timeout:.0f} s; the explorer shows: {state['readout']!r}", pytrace=False)


def _settled(root, quiet=2.0, timeout=REACT_TIMEOUT * 2):
    """The explorer's state once its picture has not changed for ``quiet`` seconds."""
    state, since, deadline = root.evaluate(DRAWING_STATE_JS), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        root.page.wait_for_timeout(200)
        now = root.evaluate(DRAWING_STATE_JS)
        if now["picture"] != state["picture"] or now["readout"] != state["readout"]:
            state, since = now, time.monotonic()
    return state


def draw_and_clear(page, where, label):
    """Draw a stroke on the canvas with the mouse: the canvas, the picture and the readout
    change; then Clear: the canvas is blank and the readout says so."""
    root = _drawing_root(page)
    start = root.evaluate(DRAWING_STATE_JS)
    assert not start["blank"], f"{label}: the canvas does not show the starting digit"
    assert "reads" in start["readout"], f"{label}: no prediction shown: {start['readout']!r}"
    box = root.locator("canvas").first.bounding_box()
    # A horizontal bar and a loop over the digit, with the button held.
    for path in ([(0.2, 0.3), (0.8, 0.3)], [(0.5, 0.55), (0.3, 0.7), (0.5, 0.85), (0.7, 0.7), (0.5, 0.55)]):
        page.mouse.move(box["x"] + path[0][0] * box["width"], box["y"] + path[0][1] * box["height"])
        page.mouse.down()
        for fx, fy in path[1:]:
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=8)
        page.mouse.up()
    _wait_for(root, lambda s: s["readout"] != start["readout"] and s["picture"] != start["picture"],
              f"{label}: the probabilities and the picture did not change after a stroke")
    drawn = _settled(root)          # redraws are throttled: wait for the one after the release
    assert drawn["pixels"] != start["pixels"], f"{label}: the stroke does not show on the canvas"
    shot(root if where == "lab" else page, where, "draw_a_digit", "_drawn")
    root.locator("button.widget-button", has_text="Clear").click()
    cleared = _wait_for(root, lambda s: s["blank"] and "blank" in s["readout"],
                        f"{label}: Clear did not empty the canvas and the readout")
    assert cleared["picture"] != drawn["picture"]
    return drawn["readout"]


@pytest.mark.browser
def test_draw_a_digit_with_the_mouse_in_jupyterlab(site, lab, lab_page):
    _drawing_file(DRAWING_NOTEBOOK)
    base, token, server = lab
    page, watcher = lab_page
    page.goto(f"{base}/lab/tree/{DRAWING_NOTEBOOK}?token={token}&reset")
    page.wait_for_function("window.jupyterapp !== undefined && window.jupyterapp.shell !== undefined")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    run = page.evaluate(f"({bs.LAB_RUN_ALL_JS})([{int(RUN_TIMEOUT * 1000)}])")
    assert run["ok"], f"{DRAWING_NOTEBOOK}: {run['reason']}; server log:\n{server.log_tail(15)}"
    errors = error_report(page.evaluate(bs.LAB_CELLS_JS))
    assert not errors, f"{DRAWING_NOTEBOOK}: cells show errors:\n" + "\n".join(errors)
    readout = draw_and_clear(page, "lab", DRAWING_NOTEBOOK)
    assert not watcher.page_errors, f"JavaScript errors: {watcher.page_errors}"
    print(f"{DRAWING_NOTEBOOK}: after the stroke: {readout!r}")


@pytest.mark.browser
def test_draw_a_digit_with_the_mouse_in_the_presenter_page(site, voila, voila_page):
    _drawing_file(DRAWING_PAGE)
    base, server = voila
    page, watcher = voila_page
    load_voila(page, base, Path(DRAWING_PAGE).relative_to("present").as_posix())
    assert not voila_errors(page), f"{DRAWING_PAGE}: {voila_errors(page)}"
    readout = draw_and_clear(page, "voila", DRAWING_PAGE)
    assert not voila_errors(page), f"{DRAWING_PAGE}: an interaction produced an error: {voila_errors(page)}"
    assert not watcher.page_errors, f"JavaScript errors: {watcher.page_errors}"
    print(f"{DRAWING_PAGE}: after the stroke: {readout!r}")
