"""A static picture for every explorer: what a page without a live kernel shows.

A widget is drawn by a live kernel. GitHub, nbviewer, ``jupyter nbconvert --to html``
and the course site have none: they show a stored widget output as its
``text/plain`` repr (``VBox(children=(HBox(...``) unless the output also carries a
picture. The decorator :func:`explorer` makes every box an explorer function
returns display as one bundle::

    application/vnd.jupyter.widget-view+json   the live widget (JupyterLab, Voila)
    image/png                                  a picture of the explorer as displayed:
                                               its controls' settings, its readouts
                                               and its figures (static renderers)
    text/plain                                 one line for screen readers (and nbval):
                                               what the explorer is, and its settings

with metadata ``{"image/png": {"alt": <that line>, "width": ..., "height": ...}}``
(the course site writes the alt text into the page). A live frontend picks the
widget, a static renderer the picture; nbconvert drops the widget view when the
notebook stores no widget state (``tools/run_notebooks.py`` stores none).

The line is deterministic: it names the explorer and its controls' settings, never a
number a readout computed (readouts may come out of training; they are in the
picture, which nbval does not compare).

``box.static`` (a :class:`StaticView`) also lets code refresh what was stored: the
box is displayed with a display id, and ``box.static.update()`` republishes the
bundle for the box's current state (nbclient stores ``update_display_data`` in the
saved notebook; JupyterLab re-renders the widget). ``live_training_plot`` uses it
to store its final figure instead of "waiting for the first evaluation".
"""

import functools
import html
import io
import re
import uuid
from html.parser import HTMLParser

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

__all__ = ["explorer", "attach", "StaticView", "EXPLORERS", "WIDGET_VIEW"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EXPLORERS = {}        # "module.function" -> the decorated explorer function

_DPI = 100            # the picture is composed pixel for pixel: 1 inch = 100 px
_MIN_WIDTH = 720      # px
_MARGIN = 10          # px
_TEXT_PT = 12         # points, for the settings and readout lines
_LINE = 24            # px per text line at _TEXT_PT
_CHAR = 8.6         # px, average width of a character at _TEXT_PT (table captions)
_CELL = (46, 34)      # px, one cell of an HTML table (width, height)


def explorer(description, title="Interactive explorer", settings_in_summary=True):
    """Decorator for a function that builds an explorer.

    description: one phrase saying what the explorer shows, e.g.
        "slide a filter over an image: patch, products, their sum, feature map".
    title: what it is, the summary's first words ("Live training plot" ...).
    settings_in_summary: False for an explorer whose first settings come out of training
        (e.g. it starts on the most frequent mistake): the summary then leaves them out
        (the picture still shows them), so that it stays the same on every machine.
    The function returns a widget, or a tuple whose first item is the widget
    (``live_training_plot`` returns (box, callback)); that widget gets a
    :class:`StaticView` as ``box.static`` and displays as the bundle described in
    the module docstring.
    """
    def decorate(build):
        @functools.wraps(build)
        def build_explorer(*args, **kwargs):
            result = build(*args, **kwargs)
            box = result[0] if isinstance(result, tuple) else result
            attach(box, description, title, settings_in_summary)
            return result

        build_explorer.description = description
        EXPLORERS[f"{build.__module__}.{build.__name__}"] = build_explorer
        return build_explorer

    return decorate


def attach(box, description, title="Interactive explorer", settings_in_summary=True):
    """Give ``box`` a static picture and summary (see the module docstring); returns box."""
    view = StaticView(box, description, title, settings_in_summary)
    box.static = view
    # Instance attributes: IPython looks these up on the object, so only this box
    # (not every VBox) displays as the bundle.
    box._ipython_display_ = view.ipython_display
    box._repr_mimebundle_ = view.mimebundle
    return box


class StaticView:
    """The static side of one explorer box: its summary line, its picture, its display.

    ``title`` and ``description`` may be changed before ``update()`` (the live training
    plot says how far training got); keep them free of numbers that come out of
    training unless written after a "≈" (see CONTRIBUTING.md).
    """

    def __init__(self, box, description, title="Interactive explorer", settings_in_summary=True):
        self.box, self.description, self.title = box, description, title
        self.settings_in_summary = settings_in_summary
        self.display_id = None

    # ----------------------------------------------------------------- content

    def settings(self):
        """[(label, value text)] of the box's labelled controls, in display order."""
        return [setting for w in _leaves(self.box) if (setting := _setting(w)) is not None]

    def summary(self):
        """One line: '<title>: <description> (label: value; ...)'."""
        settings = self.settings_in_summary and "; ".join(
            f"{label}: {value}" for label, value in self.settings())
        line = f"{self.title}: {self.description}"
        return f"{line} ({settings})" if settings else line

    def picture(self):
        """PNG bytes: the settings, the readouts and the figures, top to bottom."""
        return _compose(self)

    def bundle(self):
        """(data, metadata) as displayed: widget view, image/png, text/plain."""
        png = self.picture()
        width, height = _png_size(png)
        summary = self.summary()
        data = {"text/plain": summary, "image/png": png}
        model_id = getattr(self.box, "model_id", None)
        if model_id:
            data[WIDGET_VIEW] = {"version_major": 2, "version_minor": 0, "model_id": model_id}
        metadata = {"image/png": {"alt": summary, "width": width, "height": height}}
        return data, metadata

    # ----------------------------------------------------------------- IPython

    def mimebundle(self, include=None, exclude=None, **_):
        return self.bundle()

    def ipython_display(self, **_):
        """Display the bundle with a display id, so that ``update()`` can replace it."""
        from IPython.display import display

        if self.display_id is None:
            self.display_id = f"explorer-{uuid.uuid4().hex}"
        data, metadata = self.bundle()
        display(data, raw=True, metadata=metadata, display_id=self.display_id)

    def update(self):
        """Replace every display of the box by its current state (no-op if never displayed)."""
        if self.display_id is None:
            return
        from IPython.display import update_display

        data, metadata = self.bundle()
        update_display(data, raw=True, metadata=metadata, display_id=self.display_id)


# ------------------------------------------------------------------------------ reading the box

def _leaves(widget):
    """The widgets inside ``widget`` in display order (depth first), containers left out."""
    children = getattr(widget, "children", None)
    if children is None:
        yield widget
        return
    for child in children:
        yield from _leaves(child)


def _format(value):
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


def _setting(w):
    """(label, value text) of a labelled control, or None (buttons, displays, unlabeled boxes)."""
    if isinstance(w, (widgets.Button, widgets.HTML, widgets.HTMLMath, widgets.Label,
                      widgets.Image, widgets.Output)):
        return None
    label = _plain(getattr(w, "description", "") or "").strip()
    if not label or getattr(w, "value", None) is None:
        return None                         # (also a selection with nothing selected)
    if hasattr(w, "options") and getattr(w, "label", None) is not None:
        return label, str(w.label)          # a selection: the option's label, not its key
    return label, _format(w.value)


def _plain(markup):
    """Text of an HTML fragment, one line per block (br, div, p, headings, list items)."""
    text = re.sub(r"(?i)<br\s*/?>|</(div|p|h[1-6]|li|tr)>", "\n", markup)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ")
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


class _Blocks(HTMLParser):
    """An HTML readout as blocks: ("text", line, style) with style "normal", "bold"
    (headings), "mono" (pre) or "math" (a line with TeX, from an HTMLMath widget), and
    ("table", title, rows of (text, background, colour)) drawn as a coloured grid."""

    def __init__(self, math=False):
        super().__init__(convert_charrefs=True)
        self.math = math
        self.blocks, self.text, self.bold, self.pre = [], [], 0, 0
        self.table, self.row, self.cell = None, None, None

    def flush(self):
        raw = "".join(self.text)
        self.text = []
        if self.pre:
            for line in raw.strip("\n").splitlines():
                self.blocks.append(("text", line.rstrip(), "mono"))
            return
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            return
        if self.math and "$" in line:
            line = line.replace("$$", "$")
            style = "math" if line.count("$") % 2 == 0 else "normal"
        else:
            style = "bold" if self.bold else "normal"
        self.blocks.append(("text", line, style))

    def handle_starttag(self, tag, attrs):
        if tag == "br" or (tag in ("div", "p", "li") and self.table is None):
            self.flush()
        elif tag == "pre":
            self.flush()
            self.pre += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.bold += 1
        elif tag == "table":
            self.flush()
            title = ""
            if self.blocks and self.blocks[-1][0] == "text":     # the grid's caption
                title = self.blocks.pop()[1]
            self.table = (title, [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            style = dict(attrs).get("style") or ""
            self.cell = [[], _css(style, "background") or "#ffffff", _css(style, "color") or "#111111"]

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.bold = max(0, self.bold - 1)
        elif tag == "pre":
            self.flush()
            self.pre = max(0, self.pre - 1)
        elif tag in ("div", "p", "li") and self.table is None:
            self.flush()
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(("".join(self.cell[0]).strip(), self.cell[1], self.cell[2]))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            self.table[1].append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            self.blocks.append(("table", *self.table))
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[0].append(data)
        elif self.table is None:
            if self.math and "$$" in data and not self.pre:    # display math: a line of its own
                for k, part in enumerate(data.split("$$")):
                    if k % 2:
                        self.flush()
                        self.text.append(f"$${part}$$")
                        self.flush()
                    else:
                        self.text.append(part)
            else:
                self.text.append(data)

    def close(self):
        super().close()
        self.flush()
        return self.blocks


def _css(style, name):
    match = re.search(rf"(?:^|;)\s*{name}\s*:\s*([^;]+)", style)
    if not match:
        return None
    value = match.group(1).strip()
    try:
        matplotlib.colors.to_rgb(value)
    except ValueError:
        return None
    return value


def _content(box):
    """What the box shows, in display order: ("text", line, bold), ("table", title, rows),
    ("image", RGBA array)."""
    items = []
    for w in _leaves(box):
        if isinstance(w, (widgets.HTML, widgets.HTMLMath)) and w.value:
            parser = _Blocks(math=isinstance(w, widgets.HTMLMath))
            parser.feed(w.value)
            items.extend(parser.close())
        elif isinstance(w, widgets.Label) and w.value:
            items.append(("text", w.value, "normal"))
        elif isinstance(w, widgets.Image) and w.value and w.format in ("png", "jpeg", "jpg"):
            items.append(("image", imread(io.BytesIO(bytes(w.value)), format=w.format)))
    return items


# ------------------------------------------------------------------------------ drawing

def _png_size(png):
    """(width, height) in pixels from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@functools.lru_cache(maxsize=1)
def _measurer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, _DPI)


def _text_width(text, bold):
    """Width in pixels of ``text`` drawn at _TEXT_PT (as fig.text draws it)."""
    from matplotlib.font_manager import FontProperties

    font = FontProperties(size=_TEXT_PT, weight="bold" if bold else "normal")
    return _measurer().get_text_width_height_descent(text, font, ismath=False)[0]


def _wrap(line, width_px, bold=False):
    """Greedy word wrap of ``line`` to lines that fit ``width_px`` minus the margins."""
    room = width_px - 2 * _MARGIN
    lines = []
    for word in line.split(" "):
        if lines and _text_width(lines[-1] + " " + word, bold) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _valid_math(line):
    """True when matplotlib's mathtext can draw every $...$ of the line."""
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(line)
    except ValueError:
        return False
    return True


def _layout(view):
    """Place the content: a list of (kind, x, y_top, payload) in pixels, and the size."""
    items = _content(view.box)
    width = max([_MIN_WIDTH] + [i[1].shape[1] + 2 * _MARGIN for i in items if i[0] == "image"])
    placed, y = [], _MARGIN

    def text(line, style="normal", colour="#111111"):
        nonlocal y
        if style == "math" and not _valid_math(line):
            style = "normal"                       # TeX that mathtext cannot draw: as written
        parts = [line] if style in ("math", "mono") else _wrap(line, width, style == "bold")
        for part in parts:
            placed.append(("text", _MARGIN, y, (part, style, colour)))
            y += _LINE + (12 if style == "math" else 0)

    text(f"{view.title}: {view.description}", "bold")
    settings = "; ".join(f"{label}: {value}" for label, value in view.settings())
    if settings:
        text(f"Settings shown: {settings}", colour="#444444")
        text("(a still picture: run the notebook to move the controls)", colour="#666666")
    else:
        text("(a still picture: run the notebook to see it live)", colour="#666666")
    y += _MARGIN // 2
    x_row, row_height = _MARGIN, 0        # tables flow left to right, then wrap
    for item in items:
        if item[0] == "table":
            title, rows = item[1], item[2]
            columns = max((len(r) for r in rows), default=0)
            w = max(columns * _CELL[0], len(title) * _CHAR)
            h = _LINE + len(rows) * _CELL[1]
            if x_row > _MARGIN and x_row + w > width - _MARGIN:
                y += row_height + _MARGIN
                x_row, row_height = _MARGIN, 0
            placed.append(("table", x_row, y, (title, rows)))
            x_row += w + 2 * _MARGIN
            row_height = max(row_height, h)
            continue
        if row_height:                     # the end of a row of tables
            y += row_height + _MARGIN
            x_row, row_height = _MARGIN, 0
        if item[0] == "text":
            text(item[1], item[2])
        else:
            placed.append(("image", _MARGIN, y, item[1]))
            y += item[1].shape[0] + _MARGIN
    y += row_height
    return placed, width, y + _MARGIN


def _compose(view):
    placed, width, height = _layout(view)
    with matplotlib.rc_context({"font.size": _TEXT_PT}):
        fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, facecolor="white")
        FigureCanvasAgg(fig)

        def at(x, y):                       # pixels from the top left -> figure fraction
            return x / width, 1 - y / height

        for kind, x, y, payload in placed:
            if kind == "text":
                line, style, colour = payload
                fig.text(*at(x, y + 4), line, va="top", ha="left", color=colour,
                         fontweight="bold" if style == "bold" else "normal",
                         family="monospace" if style == "mono" else None,
                         parse_math=style == "math")
            elif kind == "image":
                fig.figimage(payload, xo=x, yo=height - y - payload.shape[0], origin="upper")
            else:
                _draw_table(fig, at, x, y, *payload)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=_DPI, facecolor="white")
    # 256 colours: the stored notebooks grow by about a third of the RGBA picture's size
    from PIL import Image

    small = io.BytesIO()
    Image.open(buffer).convert("RGB").quantize(256).save(small, format="png", optimize=True)
    return small.getvalue()


def _draw_table(fig, at, x, y, title, rows):
    from matplotlib.patches import Rectangle

    if title:
        fig.text(*at(x, y + 2), title, va="top", ha="left", parse_math=False)
    top = y + _LINE
    cw, ch = _CELL
    for r, row in enumerate(rows):
        for c, (label, background, colour) in enumerate(row):
            left, upper = at(x + c * cw, top + r * ch)
            fig.add_artist(Rectangle((left, upper - ch / fig.bbox.height), cw / fig.bbox.width,
                                     ch / fig.bbox.height, transform=fig.transFigure,
                                     facecolor=background, edgecolor="white", linewidth=2))
            fig.text(*at(x + (c + 0.5) * cw, top + (r + 0.5) * ch), label, ha="center",
                     va="center", color=colour, family="monospace", parse_math=False)
