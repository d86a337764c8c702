"""Build the course site: every notebook as a static HTML page, offline.

Usage: .venv/bin/python tools/build_site.py [--notebooks notebooks] [--out build/site]
(``make site``). Open ``build/site/index.html`` in a browser, or serve the folder.

* Pages come from the notebooks' stored outputs (no kernel runs): every figure, and
  every explorer's stored picture (helpers/explorers/_static.py) where the explorer
  was; re-record the notebooks with tools/run_notebooks.py first.
* ``index.html`` lists the notebooks in the course's order (their numbers) with each
  one's title and one-line summary (its first cell); every page has previous / next
  links and a link back to the index. Links between notebooks point to the pages.
* Nothing comes from the network: nbconvert's ``lab`` template asks a CDN for MathJax,
  require.js and Mermaid; the template in tools/site_template/course drops the last two
  (no output needs them) and points MathJax at the site's own copy, taken from
  Debian's ``libjs-mathjax`` (/usr/share/javascript/mathjax) or from the npm package
  ``mathjax@2`` (node_modules/mathjax), or from CNN_MATHJAX_DIR. Only what the pages
  use is copied (TeX input, CommonHTML output, TeX fonts as woff): about 4 MB.
"""

import argparse
import html
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "site_template"
MATHJAX_CANDIDATES = ("/usr/share/javascript/mathjax", str(ROOT / "node_modules" / "mathjax"))
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"
# What MathJax 2 loads for TeX-AMS_CHTML-full with the Safe extension (the rest of the
# package is other inputs, outputs, fonts and the unpacked sources).
MATHJAX_PARTS = ("MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "config/local",
                 "extensions", "jax/element", "jax/input/TeX", "jax/output/CommonHTML",
                 "fonts/HTML-CSS/TeX/woff", "localization/en")
COURSE_TITLE = "The mathematics of CNNs"
NOTEBOOK_LINK = re.compile(r'href="(?:\./)?(\d\d_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"')


def find_mathjax():
    """The folder holding MathJax 2's MathJax.js, or None."""
    for candidate in [os.environ.get("CNN_MATHJAX_DIR")] + list(MATHJAX_CANDIDATES):
        if candidate and (Path(candidate) / "MathJax.js").is_file():
            return Path(candidate)
    return None


def copy_mathjax(source, dest):
    """Copy the parts of MathJax 2 the pages use (symlinks, as in Debian's package, followed)."""
    for part in MATHJAX_PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, dest / part, symlinks=False, dirs_exist_ok=True)
        elif src.is_file():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / part)
        elif part not in ("config/local", "localization/en"):
            raise FileNotFoundError(f"MathJax at {source} lacks {part}: is it MathJax 2.7?")


def title_and_summary(nb, fallback):
    """The first '# ' heading of the first cell, and the paragraph after it (Markdown)."""
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is None:
        return fallback, ""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", first.source) if p.strip()]
    title = fallback
    if paragraphs and paragraphs[0].startswith("# "):
        title = paragraphs.pop(0)[2:].strip()
    summary = paragraphs[0] if paragraphs else ""
    summary = re.sub(r"^\*\*In one line:\*\*\s*", "", summary)
    return title, summary


def page_name(path):
    return Path(path).stem + ".html"


EXTERNAL_IMAGE = re.compile(r'<img\b[^>]*\bsrc="https?://[^"]*"[^>]*>')
ALT = re.compile(r'\balt="([^"]*)"')


def link_pages(body):
    """Links to notebooks -> their pages; the README (the course's front page) -> the index.

    An image from another host (the "Open in Colab" badge) becomes its alt text: the link
    around it still works, and the page asks nothing of the network.
    """
    body = NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
    body = EXTERNAL_IMAGE.sub(lambda m: html.escape(html.unescape(
        (ALT.search(m.group(0)) or [None, "image"])[1])), body)
    return body.replace('href="../README.md"', 'href="index.html"')


def render_index(entries, mathjax_url):
    rows = "\n".join(
        f'<li><a href="{html.escape(e["href"])}">{html.escape(e["title"])}</a>'
        f'<div class="summary">{markdown2html(e["summary"])}</div></li>'
        for e in entries)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(COURSE_TITLE)}: the course</title>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true}},
                    messageStyle: 'none'}});
</script>
<script src="{html.escape(mathjax_url)}"></script>
<style type="text/css">
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
ol.course {{ padding-left: 1.5em; }}
ol.course li {{ margin: 0 0 1em 0; }}
ol.course li > a {{ font-size: 1.15em; font-weight: bold; }}
.summary p {{ margin: 0.2em 0; }}
</style>
</head>
<body>
<main>
<h1>{html.escape(COURSE_TITLE)}, from scratch, in NumPy</h1>
<p>The course's notebooks in order, with their stored outputs: every figure, and a picture of
every interactive explorer (run the notebooks in JupyterLab to move their controls).</p>
<ol class="course">
{rows}
</ol>
</main>
</body>
</html>
"""


def build(notebooks_dir, out):
    notebooks = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        sys.exit(f"no notebooks (NN_*.ipynb) in {notebooks_dir}")
    mathjax = find_mathjax()
    if mathjax is None:
        sys.exit("MathJax 2 not found: install Debian's libjs-mathjax (apt-get install libjs-mathjax) "
                 "or the npm package (npm install mathjax@2), or set CNN_MATHJAX_DIR")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_mathjax(mathjax, out / "mathjax")
    mathjax_url = f"mathjax/MathJax.js?config={MATHJAX_CONFIG}"

    books = [nbformat.read(p, as_version=4) for p in notebooks]
    entries = []
    for path, nb in zip(notebooks, books):
        title, summary = title_and_summary(nb, path.stem.replace("_", " "))
        entries.append({"href": page_name(path), "title": title, "summary": summary})

    exporter = HTMLExporter(template_name="course", extra_template_basedirs=[str(TEMPLATES)],
                            mathjax_url=mathjax_url)
    for k, (path, nb) in enumerate(zip(notebooks, books)):
        nav = {"course_title": COURSE_TITLE,
               "prev": entries[k - 1] if k > 0 else None,
               "next": entries[k + 1] if k + 1 < len(entries) else None}
        resources = {"metadata": {"name": entries[k]["title"]}, "course_nav": nav}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        (out / page_name(path)).write_text(link_pages(body), encoding="utf-8")
    (out / "index.html").write_text(render_index(entries, mathjax_url), encoding="utf-8")
    return out, [e["href"] for e in entries]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default=str(ROOT / "notebooks"))
    parser.add_argument("--out", default=str(ROOT / "build" / "site"))
    args = parser.parse_args(argv)
    out, pages = build(args.notebooks, args.out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"{out}/index.html: {len(pages)} pages, {size / 1e6:.1f} MB in all")


if __name__ == "__main__":
    main()
