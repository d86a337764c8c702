"""The course site (``make site``, tools/build_site.py) in headless Chromium, offline.

The site is built from the stored notebooks into a temporary folder (the same code as
``make site``) and served from 127.0.0.1. Every request the pages make is intercepted:
one that leaves the machine (anything but the local server and data: URLs) is refused and
fails the test, and so does a local request that fails (a missing MathJax part). Then:

* the index lists every notebook in the course's order, with its title;
* every page typesets its math (MathJax ran, no TeX error, no formula left as source),
  shows every stored figure and every explorer's picture (decoded, with the explorer's
  one-line summary as alt text), and links to its previous and next notebook; every
  relative link of the site resolves to one of its files.

CNN_STORED_NOTEBOOKS=<folder> builds the site from the notebooks of another folder.
Screenshots go to tests/artifacts/site/.
"""

import functools
import http.server
import importlib.util
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

import browser_support as bs

ROOT = bs.ROOT
FOLDER = Path(os.environ.get("CNN_STORED_NOTEBOOKS") or ROOT / "notebooks")
NOTEBOOKS = sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TYPESET_JS = """
async () => {
  const deadline = Date.now() + 60000;
  while (!(window.MathJax && window.MathJax.Hub && window.MathJax.isReady)) {
    if (Date.now() > deadline) return {ready: false};
    await new Promise(r => setTimeout(r, 100));
  }
  await new Promise(r => window.MathJax.Hub.Queue(r));    // after every queued typeset
  const markdown = Array.from(document.querySelectorAll('.jp-RenderedMarkdown, .summary'));
  const source = markdown.map(e => e.innerText).join('\\n');
  return {ready: true,
          typeset: document.querySelectorAll('.MathJax_CHTML, .MathJax_Display').length,
          errors: Array.from(document.querySelectorAll('.MathJax_Error, .merror, .MathJax_CHTML_error'))
                    .map(e => e.textContent.slice(0, 120)),
          leftover: (source.match(/\\$\\$|\\\\frac|\\\\sum|\\\\partial|\\\\mathbf/g) || []).length};
}
"""
IMAGES_JS = """
() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(img => ({
  ok: img.complete && img.naturalWidth > 0, alt: img.getAttribute('alt') || '',
  width: img.naturalWidth}))
"""


def _build_tool():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tool = _build_tool()
    if tool.find_mathjax() is None:
        message = ("MathJax 2 is needed for the course site: `apt-get install libjs-mathjax` "
                   "(or `npm install mathjax@2`)")
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the site tests must run: {message}", pytrace=False)
        pytest.skip(message)
    out, pages = tool.build(FOLDER, tmp_path_factory.mktemp("site") / "site")
    return out, pages


@pytest.fixture(scope="module")
def server(site):
    folder = site[0]
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site_page(browser, server):
    """A page whose every request to another host is refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    left, failed, errors = [], [], []

    def route(route):
        url = route.request.url
        if url.startswith((server + "/", "data:", "blob:")):
            route.continue_()
        else:
            left.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})")
            if r.url.startswith(server) else None)
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)[:300]))
    yield page, server, left, failed, errors
    context.close()


def _shot(page, stem):
    folder = bs.ARTIFACTS / "site"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{stem}.png"))


def _title(nb, fallback):
    return _build_tool().title_and_summary(nb, fallback)[0]


def _offline(left, failed, errors, where):
    assert not left, f"{where}: requests left the machine: {sorted(set(left))}"
    assert not failed, f"{where}: requests failed: {sorted(set(failed))}"
    assert not errors, f"{where}: JavaScript errors: {errors}"


def _relative_links_resolve(page, folder, where):
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    broken = []
    for href in hrefs:
        parsed = urlparse(href)
        if parsed.scheme or href.startswith(("#", "mailto:")):
            continue
        if not (folder / parsed.path).is_file():
            broken.append(href)
    assert not broken, f"{where}: links to files the site does not have: {broken}"


@pytest.mark.browser
def test_the_index_lists_every_notebook_in_course_order(site, site_page):
    folder, pages = site
    page, server, left, failed, errors = site_page
    page.goto(f"{server}/index.html")
    typeset = page.evaluate(TYPESET_JS)
    assert typeset["ready"], "MathJax did not start on the index"
    links = page.evaluate("() => Array.from(document.querySelectorAll('ol.course > li > a'))"
                          ".map(a => [a.getAttribute('href'), a.textContent])")
    expected = [(p.stem + ".html", _title(nbformat.read(p, as_version=4), p.stem)) for p in NOTEBOOKS]
    assert [tuple(link) for link in links] == expected
    assert [href for href, _ in expected] == pages
    assert not typeset["errors"] and not typeset["leftover"], typeset
    _relative_links_resolve(page, folder, "index")
    _shot(page, "index")
    _offline(left, failed, errors, "index")


@pytest.mark.browser
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_page_renders_its_math_and_pictures_offline(notebook, site, site_page):
    folder, pages = site
    page, server, left, failed, errors = site_page
    nb = nbformat.read(notebook, as_version=4)
    stem = notebook.stem
    page.goto(f"{server}/{stem}.html")

    typeset = page.evaluate(TYPESET_JS)
    assert typeset["ready"], f"{stem}: MathJax did not start"
    has_math = any(c.cell_type == "markdown" and re.search(r"\$[^$]+\$", c.source) for c in nb.cells)
    if has_math:
        assert typeset["typeset"] > 0, f"{stem}: its math was not typeset"
    assert not typeset["errors"], f"{stem}: TeX errors: {typeset['errors']}"
    assert not typeset["leftover"], f"{stem}: formulas left as TeX source ({typeset['leftover']})"

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    explorers = [o for o in outputs if WIDGET_VIEW in o.get("data", {}) and "image/png" in o.data]
    bare = [o.data.get("text/plain", "")[:50] for o in outputs
            if WIDGET_VIEW in o.get("data", {}) and "image/png" not in o.data
            and re.match(r"(VBox|HBox)\(", o.data.get("text/plain", ""))]
    assert not bare, (f"{stem}: explorers stored without a picture (re-record the notebooks with "
                      f"tools/run_notebooks.py): {bare}")
    images = page.evaluate(IMAGES_JS)
    assert len(images) == len(pictures), f"{stem}: {len(pictures)} stored pictures, {len(images)} on the page"
    assert all(i["ok"] for i in images), f"{stem}: pictures that did not load: {images}"
    alts = [i["alt"] for i in images]
    for o in explorers:
        assert o.data["text/plain"] in alts, f"{stem}: no picture for {o.data['text/plain'][:80]!r}"

    k = pages.index(f"{stem}.html")
    prev_link = page.locator("nav.course-nav.top a[rel=prev]")
    next_link = page.locator("nav.course-nav.top a[rel=next]")
    if k > 0:
        assert prev_link.get_attribute("href") == pages[k - 1]
    else:
        assert prev_link.count() == 0
    if k + 1 < len(pages):
        assert next_link.get_attribute("href") == pages[k + 1]
    else:
        assert next_link.count() == 0
    _relative_links_resolve(page, folder, stem)
    _shot(page, stem)
    if explorers:
        page.locator(".jp-OutputArea-output img[alt^='Interactive explorer']").first.scroll_into_view_if_needed()
        _shot(page, f"{stem}_explorer")
    _offline(left, failed, errors, stem)
    print(f"{stem}: {typeset['typeset']} formulas typeset, {len(images)} pictures "
          f"({len(explorers)} explorers)")


def test_images_from_other_hosts_become_their_alt_text():
    # the notebooks' "Open in Colab" badge is an image on Colab's site: the page keeps the
    # link, shows its text, and asks nothing of the network
    body = ('<a href="https://colab.research.google.com/github/o/r/blob/main/notebooks/x.ipynb">'
            '<img src="https://colab.research.google.com/assets/colab-badge.svg" alt="Open In Colab">'
            '</a> <img alt="a figure" src="data:image/png;base64,iVBORw0KGgo=">')
    out = _build_tool().link_pages(body)
    assert "colab-badge.svg" not in out and ">Open In Colab</a>" in out
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out          # local pictures stay
