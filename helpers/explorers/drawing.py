"""Draw a digit with the mouse and watch the improved CNN read it (notebook 11).

    draw_a_digit(params, digit)     a drawing canvas (ipycanvas), a Clear button, and live:
                                    the drawing's bounding box, the prepared 28x28 image,
                                    the ten probabilities, the saliency map and the feature
                                    maps of both convolution layers

The drawing is kept in the kernel as a (280, 280) grey image: every mouse movement with
the button held draws a thick, round, anti-aliased segment into it
(``helpers.drawing.stroke_segment``) and sends the same segment to the canvas in the
browser. So what the network reads never depends on the browser sending its pixels back,
the explorer works the same in JupyterLab, in Voila and in a headless test (which calls
the mouse handlers directly), and a canvas that connects late (Voila) is repainted from
the kernel's copy when it says it is ready.

Redraws are throttled: while a stroke goes on, the figures are recomputed at most every
``throttle`` seconds (a redraw takes about 0.2 s, mouse events come every few
milliseconds); releasing the button always redraws.
"""

import io
import numbers
import time
from pathlib import Path

import ipywidgets as widgets
import matplotlib
import numpy as np
import PIL.Image
import PIL.ImageDraw
from ipycanvas import Canvas, hold_canvas
from PIL import ImageFont

from .. import _validate as _v
from .. import attribution as _attr
from .. import nets
from ..drawing import MAX_SIDE, area_resize, enlarge_digit, has_ink, prepare_drawing, stroke_segment
from ..layers import softmax
from ._static import explorer
from ._style import CMAP_IMAGE, CMAP_SIGNED, FONT_SIZE, OKABE_ITO

__all__ = ["draw_a_digit"]

_INK = "#111111"


def _read(params, x):
    """The improved CNN on one prepared image x (28, 28): (probabilities (K,), top class k,
    saliency (28, 28) = d z3[k] / dx, the gradient of the top class's score with respect
    to every pixel, from ``nets.cnn_backward(..., return_dx=True)``; signed, where
    ``helpers.attribution.saliency`` of notebook 11 takes its size)."""
    x = np.asarray(x, dtype=params["w1"].dtype).reshape(1, 1, *np.shape(x))   # the net's dtype
    z3, cache = nets.cnn_forward(params, x)
    k = int(np.argmax(z3[0]))
    dz3 = np.zeros_like(z3)
    dz3[0, k] = 1.0                                  # d z3[k] / d z3
    _, dx = nets.cnn_backward(dz3, cache, return_dx=True)
    return softmax(z3)[0], k, dx[0, 0]


def _mosaic(maps, columns=8, gap=1):
    """(F, h, w) maps -> one (rows * (h + gap) - gap, columns * (w + gap) - gap) picture,
    NaN in the gaps (drawn blank); each map keeps its own values."""
    f, h, w = maps.shape
    rows = -(-f // columns)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap), np.nan)
    for i in range(f):
        r, c = divmod(i, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = maps[i]
    return out


def _bounding_box(image):
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return rows[0], cols[0], rows[-1] + 1, cols[-1] + 1


@explorer("draw a digit with the mouse; the drawing prepared as MNIST's digits were, the ten "
          "probabilities, the saliency map and the feature maps of both convolution layers",
          title="Draw a digit")
def draw_a_digit(params, digit=None, *, size=280, stroke=22, throttle=0.3):
    """Explorer: draw on a canvas, see what the improved CNN makes of it.

    params: the improved CNN's parameters (``nets.init_improved_cnn`` keys, trained).
    digit: an (h, w) digit (e.g. an MNIST test image, uint8 or float) drawn large on the
        canvas to start with, so that the first picture means something; None: start blank.
    size: the canvas' side in pixels (280 = 10 MNIST pixels per MNIST pixel);
    stroke: the pen's width in canvas pixels (22: about MNIST's stroke once scaled to 20x20);
    throttle: the least time in seconds between two redraws while the button is held.

    Shows: the drawing with its bounding box (step 1 of the preparation), the prepared
    28x28 image (``helpers.drawing.prepare_drawing``) with its centre of mass, the ten
    probabilities p = softmax(z3), the saliency map d z3[k] / dx of the top class k (red:
    more ink there raises the score, blue: lowers it), relu(z1) of the 16 first-layer maps
    (28x28) and relu(z2) of the 32 second-layer maps (14x14). Returns an ipywidgets.VBox;
    ``box.canvas`` is the ipycanvas Canvas, ``box.drawing`` the (size, size) grey image the
    network reads (ink 1, paper 0), ``box.state["redraws"]`` counts the redraws.
    """
    if not isinstance(params, dict) or "w1" not in params or "W3" not in params:
        raise TypeError("params must be the improved CNN's parameters (a dict with w1, b1, w2, "
                        f"b2, W3, b3), got {type(params).__name__}")
    _attr._params(params)                        # the six arrays, float32 or float64
    size = _v.integer("size", size, 1, MAX_SIDE)
    for name, value in (("stroke", stroke), ("throttle", throttle)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a positive number, got {value!r}")
        if not np.isfinite(value) or value < 0 or (name == "stroke" and not 0 < value <= size):
            raise ValueError(f"{name} must be a positive number, got {value!r}"
                             + (f" (at most the canvas' size {size})" if name == "stroke" else ""))
    drawing = np.zeros((size, size))
    if digit is not None:
        drawing[:] = enlarge_digit(digit, size=size, box=int(round(size * 5 / 7)))

    canvas = Canvas(width=size, height=size,
                    layout=widgets.Layout(width=f"{size}px", height=f"{size}px",
                                          border="2px solid #888888", flex="0 0 auto"))
    clear = widgets.Button(description="Clear", icon="eraser", tooltip="erase the drawing",
                           layout=widgets.Layout(width=f"{size}px"))
    readout = widgets.HTML()
    figure = widgets.Image(format="png")
    state = {"down": False, "last": None, "redrawn": -np.inf, "cost": 0.0, "pending": False,
             "redraws": 0}

    def paint_all():
        """Send the kernel's drawing to the canvas (start, Clear, a canvas that connected late)."""
        rgba = np.zeros((size, size, 4), dtype=np.uint8)
        rgba[..., 3] = np.round(drawing * 255).astype(np.uint8)
        # ipycanvas sends "switch to this canvas" only when the target changes; a browser
        # that connected late (Voila) or reloaded never got it, and then fails on every
        # command ("reading 'clearCanvas'" of an undefined canvas). Forget the target so
        # that the switch is sent again (ipycanvas 0.14's private attribute; harmless if absent).
        manager = getattr(canvas, "_canvas_manager", None)
        if manager is not None and hasattr(manager, "_current_canvas"):
            manager._current_canvas = None
        with hold_canvas():
            canvas.clear()
            canvas.stroke_style = _INK
            canvas.line_width = stroke
            canvas.line_cap = "round"
            canvas.line_join = "round"
            if drawing.any():
                canvas.put_image_data(rgba, 0, 0)

    def redraw(force=False):
        """Recompute the pictures, unless a stroke goes on and the last redraw ended less
        than max(throttle, twice its duration) ago (mouse events queue up while the kernel
        redraws: spacing redraws by their own cost keeps the pen following the mouse)."""
        if not force and time.monotonic() - state["redrawn"] < max(throttle, 2 * state["cost"]):
            state["pending"] = True
            return
        started = time.monotonic()
        figure.value, readout.value = _render(params, drawing)
        state["redrawn"] = time.monotonic()
        state["cost"], state["pending"] = state["redrawn"] - started, False
        state["redraws"] += 1

    def segment(x0, y0, x1, y1):
        stroke_segment(drawing, (y0, x0), (y1, x1), stroke)     # canvas (x, y) = (column, row)
        canvas.stroke_line(x0, y0, x1, y1)

    def on_down(x, y):
        state["down"], state["last"] = True, (x, y)
        segment(x, y, x, y)                                    # a click is a dot
        redraw()

    def on_move(x, y):
        if not state["down"]:
            return
        x0, y0 = state["last"]
        state["last"] = (x, y)
        segment(x0, y0, x, y)
        redraw()

    def on_up(x, y):
        if not state["down"]:
            return
        state["down"] = False
        redraw(force=True)

    def on_clear(_=None):
        drawing[:] = 0
        state["down"] = False
        paint_all()
        redraw(force=True)

    canvas.on_mouse_down(on_down)
    canvas.on_mouse_move(on_move)
    canvas.on_mouse_up(on_up)
    canvas.on_mouse_out(on_up)             # leaving the canvas ends the stroke
    canvas.on_touch_start(lambda touches: on_down(*touches[0]))
    canvas.on_touch_move(lambda touches: on_move(*touches[0]))
    canvas.on_touch_end(lambda touches: on_up(0, 0))
    canvas.on_client_ready(paint_all)
    clear.on_click(on_clear)

    paint_all()
    redraw(force=True)
    hint = widgets.HTML(f'<div style="font-size:{FONT_SIZE + 1}px">Draw a digit below with the '
                        "mouse (hold the button), then Clear to start again.</div>")
    pen = widgets.VBox([canvas, clear], layout=widgets.Layout(flex="0 0 auto", margin="0 12px 8px 0"))
    figure.layout = widgets.Layout(max_width="100%", height="auto")
    box = widgets.VBox([hint, widgets.HBox([pen, figure], layout=widgets.Layout(
                            align_items="flex-start", flex_flow="row wrap")),    # narrow: below
                        readout])
    box.canvas, box.drawing, box.state = canvas, drawing, state
    return box


def _font(size):
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), size)


def _rgb(values, cmap, vmin, vmax, scale):
    """(h, w) values -> (h * scale, w * scale, 3) uint8 through a matplotlib colour map
    (NaN: white), each value a scale x scale block."""
    norm = np.clip((values - vmin) / ((vmax - vmin) or 1.0), 0, 1)
    rgb = matplotlib.colormaps[cmap](np.nan_to_num(norm))[..., :3]
    rgb[np.isnan(values)] = 1.0
    rgb = np.round(rgb * 255).astype(np.uint8)
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)


def _hex(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


class _Sheet:
    """A white picture that panels (RGB arrays with a title above) are pasted into."""

    TITLE = 22

    def __init__(self, width, height):
        self.image = PIL.Image.new("RGB", (width, height), "white")
        self.draw = PIL.ImageDraw.Draw(self.image)
        self.font = _font(15)

    def panel(self, x, y, title, rgb=None, note=None, size=None):
        self.draw.text((x, y), title, fill=_INK, font=self.font)
        top = y + self.TITLE
        if rgb is not None:
            self.image.paste(PIL.Image.fromarray(rgb), (x, top))
            w, h = rgb.shape[1], rgb.shape[0]
            self.draw.rectangle([x - 1, top - 1, x + w, top + h], outline="#999999")
        elif size is not None:
            self.draw.rectangle([x - 1, top - 1, x + size[0], top + size[1]], outline="#999999")
            self.draw.text((x + 8, top + size[1] // 2 - 8), note or "", fill="#666666", font=self.font)
        return top

    def png(self):
        buf = io.BytesIO()
        self.image.save(buf, format="PNG")
        return buf.getvalue()


def _bars(sheet, x, y, p, k, width=236, height=168):
    """The ten probabilities as bars under a title; the top class k in vermillion, with a tick."""
    top = sheet.panel(x, y, "probabilities" + (f": {k} ({p[k]:.2f})" if p is not None else ""))
    draw, font = sheet.draw, sheet.font
    base = top + height - 22
    draw.line([x, base, x + width, base], fill="#444444")
    draw.line([x, top, x, base], fill="#444444")
    slot = width / 10
    for c in range(10):
        cx = x + slot * (c + 0.5)
        draw.text((cx - 4, base + 3), str(c), fill=_INK, font=font)
        if p is not None and p[c] > 0:
            colour = OKABE_ITO["vermillion"] if c == k else OKABE_ITO["blue"]
            bar_top = base - p[c] * (height - 30)
            draw.rectangle([cx - slot * 0.35, bar_top, cx + slot * 0.35, base], fill=_hex(colour))
    if p is not None:
        draw.text((x + 4, top + 2), "1.0", fill="#666666", font=sheet.font)


def _render(params, drawing):
    """(PNG of what the network sees, readout HTML) for the current drawing.

    One picture, composed with Pillow from arrays (a matplotlib figure of these panels takes
    about ten times longer to draw, too slow to follow a moving pen)."""
    sheet = _Sheet(870, 440)
    half = area_resize(drawing, 168 / drawing.shape[0])[:168, :168]
    blank = not has_ink(drawing)
    panel = _rgb(half, CMAP_IMAGE, 0, 1, 1)
    if not blank:
        r0, c0, r1, c1 = (np.array(_bounding_box(drawing > 0)) * 168 / drawing.shape[0]).round().astype(int)
        orange = np.array(_hex(OKABE_ITO["orange"]), dtype=np.uint8)
        r1, c1 = min(r1, 167), min(c1, 167)
        for t in range(2):                       # a 2-pixel frame: the bounding box
            panel[r0 + t, c0:c1 + 1] = panel[r1 - t, c0:c1 + 1] = orange
            panel[r0:r1 + 1, c0 + t] = panel[r0:r1 + 1, c1 - t] = orange
    sheet.panel(10, 8, "your drawing, its box", panel)
    row2 = 230
    if blank:
        for x0, title in ((200, "prepared 28x28"), (680, "saliency")):
            sheet.panel(x0, 8, title, note="blank", size=(168, 168))
        _bars(sheet, 412, 8, None, None)
        sheet.panel(10, row2, "conv layer 1: relu(z1), 16 maps 28x28", note="draw a digit", size=(462, 114))
        sheet.panel(490, row2, "conv layer 2: relu(z2), 32 maps 14x14", note="draw a digit", size=(357, 177))
        return sheet.png(), ('<div style="font-size:16px">The canvas is blank: draw a digit '
                             "to see what the network makes of it.</div>")

    x = prepare_drawing(drawing)
    p, k, sal = _read(params, x)
    maps = nets.cnn_feature_maps(params, x[None, None])
    prepared = _rgb(x, CMAP_IMAGE, 0, 1, 6)
    rows, cols = np.indices(x.shape)
    com_r, com_c = (int(round(6 * float((rows * x).sum() / x.sum()) + 3)),
                    int(round(6 * float((cols * x).sum() / x.sum()) + 3)))
    orange = np.array(_hex(OKABE_ITO["orange"]), dtype=np.uint8)
    prepared[com_r - 1:com_r + 1, com_c - 7:com_c + 7] = orange         # +: the centre of mass
    prepared[com_r - 7:com_r + 7, com_c - 1:com_c + 1] = orange
    sheet.panel(200, 8, "prepared 28x28 (+ centre)", prepared)
    _bars(sheet, 412, 8, p, k)
    limit = float(np.abs(sal).max()) or 1.0
    sheet.panel(680, 8, f"saliency d z[{k}] / dx", _rgb(sal, CMAP_SIGNED, -limit, limit, 6))
    first, second = np.maximum(maps["z1"][0], 0), np.maximum(maps["z2"][0], 0)
    m1, m2 = _mosaic(first), _mosaic(second)
    sheet.panel(10, row2, f"conv layer 1: relu(z1), {len(first)} maps 28x28",
                _rgb(m1, "magma", 0, np.nanmax(m1) or 1.0, 2))
    sheet.panel(490, row2, f"conv layer 2: relu(z2), {len(second)} maps 14x14",
                _rgb(m2, "magma", 0, np.nanmax(m2) or 1.0, 3))
    runner_up = int(np.argsort(p)[-2])
    readout = (f'<div style="font-size:16px">The network reads <b>{k}</b> with probability '
               f"{p[k]:.2f} (next: {runner_up}, {p[runner_up]:.2f}). The saliency map shows "
               "where a little more ink would raise (red) or lower (blue) the score of "
               f"{k}.</div>")
    return sheet.png(), readout
