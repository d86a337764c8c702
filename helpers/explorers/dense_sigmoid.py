"""Explorers for notebooks 03 (flattening, the dense layer) and 04 (the sigmoid).

    shape_tracer()          where each element goes under flatten / reshape / transpose
    saturation_explorer(a)  sigmoid, its slope and a dense layer's pre-activations as the
                            weight scale and the initialisation change

Both return one ipywidgets container and draw without a matplotlib backend
(HTML tables, and PNG images rendered by Agg), so they work in JupyterLab and Voila.
"""

import io

import ipywidgets as widgets
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers.layers import sigmoid

from ._static import explorer
from ._style import (CONTROL_LAYOUT, CONTROL_STYLE, FIGSIZE, FONT_SIZE, OKABE_ITO, TOGGLE_STYLE,
                     slider)

__all__ = ["shape_tracer", "saturation_explorer", "SATURATED_SLOPE"]

# ---------------------------------------------------------------- shape tracer

# One hue per slice of the first axis (a filter, or an image); Okabe-Ito, colour-blind safe.
_HUES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"]

_SHAPES = {
    "(2 filters, 2, 2): the tiny stack": (2, 2, 2),
    "(3 filters, 2, 2)": (3, 2, 2),
    "(2 filters, 3, 3)": (2, 3, 3),
    "(3 filters, 2, 3)": (3, 2, 3),
    "(3 images, 4 features): a batch": (3, 4),
    "(2 images, 6 features)": (2, 6),
}

# Each operation: label -> (code shown, function of the array, how to draw a 3-D result).
# "last" draws result[:, :, k] as panels (the layout that treats the last axis as the
# filter), "first" draws result[k].
_OPS_3D = {
    "flatten: reshape(-1)": ("maps.reshape(-1)", lambda a: a.reshape(-1), None),
    "transpose(1, 2, 0): to (H, W, F)": ("maps.transpose(1, 2, 0)",
                                         lambda a: a.transpose(1, 2, 0), "last"),
    "reshape(H, W, F): wrong, mixes filters": (
        "maps.reshape({H}, {W}, {F})", lambda a: a.reshape(a.shape[1], a.shape[2], a.shape[0]), "last"),
    "transpose(1, 2, 0), then flatten": ("maps.transpose(1, 2, 0).reshape(-1)",
                                         lambda a: a.transpose(1, 2, 0).reshape(-1), None),
    ".T: reverses all axes, (W, H, F)": ("maps.T", lambda a: a.T, "last"),
    "round trip: flatten, reshape(F, H, W)": ("maps.reshape(-1).reshape({F}, {H}, {W})",
                                              lambda a: a.reshape(-1).reshape(a.shape), "first"),
}
_OPS_2D = {
    "flatten: reshape(-1)": ("x.reshape(-1)", lambda a: a.reshape(-1), None),
    ".T: (D, N), one column per image": ("x.T", lambda a: a.T, None),
    "reshape(D, N): wrong, mixes images": ("x.reshape({D}, {N})",
                                          lambda a: a.reshape(a.shape[1], a.shape[0]), None),
    "round trip: .T, then .T": ("x.T.T", lambda a: a.T.T, None),
}


def _ops_for(shape):
    return _OPS_3D if len(shape) == 3 else _OPS_2D


def element_code(shape, k):
    """The label of source element k (C order): 100 (s + 1) + 10 i + j for (F, H, W)
    (hundreds = filter + 1, tens = row, units = column), 100 (n + 1) + d for (N, D)."""
    idx = np.unravel_index(k, shape)
    if len(shape) == 3:
        return 100 * (idx[0] + 1) + 10 * idx[1] + idx[2]
    return 100 * (idx[0] + 1) + idx[1]


def _colour(shape, k):
    """Hue from the first-axis slice of source element k, lighter for later positions."""
    first = k // int(np.prod(shape[1:]))
    within = k % int(np.prod(shape[1:]))
    n_within = int(np.prod(shape[1:]))
    hue = np.array(mcolors.to_rgb(_HUES[first % len(_HUES)]))
    mix = 0.55 * within / max(n_within - 1, 1)          # 0 = full colour, 0.55 = pale
    return mcolors.to_hex(hue * (1 - mix) + mix)


def _cell(shape, k, label_mode):
    text = element_code(shape, k) if label_mode == "code" else k
    colour = _colour(shape, k)
    light = np.mean(mcolors.to_rgb(colour)) > 0.6
    return (f'<td style="background:{colour};color:{"#111" if light else "#fff"};'
            f'width:58px;height:44px;text-align:center;font-size:{FONT_SIZE + 5}px;'
            f'font-family:monospace;border:2px solid #fff">{text}</td>')


def _grid(ids, shape, label_mode, title):
    """HTML table of a 1-D or 2-D array of source positions."""
    ids = np.atleast_2d(ids)
    rows = "".join("<tr>" + "".join(_cell(shape, int(k), label_mode) for k in row) + "</tr>"
                   for row in ids)
    return (f'<div style="display:inline-block;margin:0 18px 10px 0;vertical-align:top">'
            f'<div style="font-size:{FONT_SIZE + 2}px;margin-bottom:4px">{title}</div>'
            f'<table style="border-collapse:collapse">{rows}</table></div>')


def _panels(ids, shape, label_mode, name, axis_kind):
    """A 1-D, 2-D or 3-D array of source positions as one or more grids."""
    if ids.ndim == 1 and ids.size > 12:
        # Wrap a long vector into lines (of a divisor of its length) so it fits a screen.
        per_line = max(n for n in range(1, 13) if ids.size % n == 0)
        return _grid(ids.reshape(-1, per_line), shape, label_mode,
                     f"{name}  shape {ids.shape}, read line after line")
    if ids.ndim <= 2:
        return _grid(ids, shape, label_mode, f"{name}  shape {ids.shape}")
    if axis_kind == "last":
        return "".join(_grid(ids[:, :, k], shape, label_mode, f"{name}[:, :, {k}]")
                       for k in range(ids.shape[2]))
    return "".join(_grid(ids[k], shape, label_mode, f"{name}[{k}]") for k in range(ids.shape[0]))


def _groups_text(result, shape, axis_kind):
    """Which source slices (filters or images) each slice of the result holds."""
    per_slice = int(np.prod(shape[1:]))
    owner = result // per_slice
    unit = "filter" if len(shape) == 3 else "image"
    if result.ndim == 1:
        if np.all(np.diff(owner) >= 0):
            return f"{unit}-major: all of {unit} 0, then all of {unit} 1, ... (C order)"
        return f"interleaved: the {unit}s alternate, position by position"
    if result.ndim == 2:
        slices = [(f"column {k}", owner[:, k]) for k in range(owner.shape[1])] \
            if result.shape[0] == shape[1] else [(f"row {k}", owner[k]) for k in range(owner.shape[0])]
    elif axis_kind == "last":
        slices = [(f"result[:, :, {k}]", owner[:, :, k]) for k in range(owner.shape[2])]
    else:
        slices = [(f"result[{k}]", owner[k]) for k in range(owner.shape[0])]
    parts = []
    for name, own in slices:
        found = sorted(set(int(s) for s in np.ravel(own)))
        verdict = "one source, kept together" if len(found) == 1 else "MIXED"
        units = unit if len(found) == 1 else unit + "s"
        parts.append(f"{name}: {units} {', '.join(map(str, found))} ({verdict})")
    return "<br>".join(parts)


def _code_shape(code, shape):
    """The operation's code with the sizes filled in, e.g. maps.reshape(2, 2, 2)."""
    names = ("F", "H", "W") if len(shape) == 3 else ("N", "D")
    return code.format(**dict(zip(names, shape)))


@explorer("pick an array shape and an operation (flatten, reshape, transpose) and follow every element's colour and label")
def shape_tracer():
    """Explorer: pick an array shape and an operation (flatten, reshape, transpose), see the
    source and the result as coloured grids; each element keeps its colour and label.

    Colours: one hue per filter (or image), paler for later positions within it.
    Labels: 100 (f + 1) + 10 i + j for maps[f, i, j] (or 100 (n + 1) + d for x[n, d]),
    or the element's C-order position in the source. Returns an ipywidgets.VBox.
    """
    shape_dd = widgets.Dropdown(options=list(_SHAPES), value=list(_SHAPES)[0],
                                description="array shape", layout=CONTROL_LAYOUT,
                                style=CONTROL_STYLE)
    op_dd = widgets.Dropdown(options=list(_OPS_3D), value=list(_OPS_3D)[0],
                             description="operation", layout=CONTROL_LAYOUT, style=CONTROL_STYLE)
    label_tb = widgets.ToggleButtons(options=[("code 100(f+1)+10i+j", "code"),
                                              ("source position k", "position")],
                                     value="code", description="cell label",
                                     style=TOGGLE_STYLE)
    view = widgets.HTML()

    def redraw(*_):
        shape = _SHAPES[shape_dd.value]
        ops = _ops_for(shape)
        if op_dd.value not in ops:          # options are being swapped; called again after
            return
        code, op, axis_kind = ops[op_dd.value]
        ids = np.arange(int(np.prod(shape))).reshape(shape)
        result = op(ids)
        src_name = "maps" if len(shape) == 3 else "x"
        source_html = _panels(ids, shape, label_tb.value, src_name, "first")
        result_html = _panels(result, shape, label_tb.value, "result", axis_kind)
        view.value = (
            f'<div style="font-size:{FONT_SIZE + 2}px">'
            f"<b>source</b> {src_name} {shape}<br>{source_html}<br>"
            f"<b>result</b> = <code>{_code_shape(code, shape)}</code> &nbsp; shape {result.shape}"
            f"<br>{result_html}<br><b>where the colours went:</b><br>"
            f"{_groups_text(result, shape, axis_kind)}</div>")

    def on_shape(change):
        ops = _ops_for(_SHAPES[change["new"]])
        if list(op_dd.options) != list(ops):
            keep = op_dd.value if op_dd.value in ops else list(ops)[0]
            op_dd.options = list(ops)
            op_dd.value = keep
        redraw()

    shape_dd.observe(on_shape, names="value")
    op_dd.observe(redraw, names="value")
    label_tb.observe(redraw, names="value")
    redraw()
    return widgets.VBox([shape_dd, op_dd, label_tb, view])


# ---------------------------------------------------------------- saturation explorer

SATURATED_SLOPE = 0.01      # a unit counts as saturated when sigmoid'(z) < 0.01, i.e. |z| > 4.6

_INITS = {
    "uniform [0, 1) (the article)": "uniform01",
    "centred uniform [-1, 1)": "centred",
}


def _png(fig):
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def layer_statistics(z):
    """Summary of pre-activations z (any shape): mean, std, the fraction of saturated
    units (sigmoid'(z) < SATURATED_SLOPE) and the largest slope o (1 - o)."""
    o = sigmoid(z)
    slope = o * (1 - o)
    return {"mean": float(z.mean()), "std": float(z.std()),
            "saturated": float(np.mean(slope < SATURATED_SLOPE)),
            "max_slope": float(slope.max())}


@explorer("a dense layer's pre-activations over the sigmoid and its slope, and the share of saturated units, as the weight scale changes")
def saturation_explorer(a=None, n_neurons=100, seed=0):
    """Explorer: a dense layer z = a @ (scale * U) with U uniform [0, 1) or [-1, 1);
    the pre-activations' histogram over the sigmoid and its slope, the outputs'
    histogram, and the fraction of saturated units, as the scale and init change.

    a: layer inputs (N, D), e.g. flattened sigmoid outputs of a conv layer; default
       uniform (0, 1) numbers of shape (16, 1728). n_neurons: M, the layer's width.
    Returns an ipywidgets.VBox (controls, a stats line, a PNG image).
    """
    rng = np.random.default_rng(seed)
    if a is None:
        a = rng.uniform(size=(16, 1728))
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"a must have shape (N, D), got {a.shape}")
    d = a.shape[1]
    u = rng.uniform(size=(d, n_neurons))
    # z is linear in the scale: multiply once here, rescale on every redraw.
    z_unit = {"uniform01": a @ u, "centred": a @ (2 * u - 1)}

    scale_sl = slider(widgets.FloatLogSlider, value=1.0, base=10, min=-3, max=0, step=0.01,
                      description="weight scale", readout_format=".3g")
    init_dd = widgets.Dropdown(options=list(_INITS), value=list(_INITS)[0],
                               description="initialisation", layout=CONTROL_LAYOUT,
                               style=CONTROL_STYLE)
    fan_in = widgets.Button(description=f"scale = 1/sqrt(D) = {1 / np.sqrt(d):.3g}",
                            layout=CONTROL_LAYOUT)
    stats = widgets.HTML()
    image = widgets.Image(format="png")

    def redraw(*_):
        z = scale_sl.value * z_unit[_INITS[init_dd.value]]
        s = layer_statistics(z)
        stats.value = (f'<div style="font-size:{FONT_SIZE + 3}px">D = {d} inputs, '
                       f"{z.size} pre-activations: mean {s['mean']:.3g}, std {s['std']:.3g}; "
                       f"<b>saturated (slope &lt; {SATURATED_SLOPE}): {100 * s['saturated']:.1f} %</b>; "
                       f"largest slope {s['max_slope']:.3g}</div>")
        lim = max(8.0, 1.1 * float(np.max(np.abs(z))))
        grid = np.linspace(-lim, lim, 801)
        sg = sigmoid(grid)
        with rc_context({"font.size": FONT_SIZE}):
            fig = Figure(figsize=(FIGSIZE[0] + 3, FIGSIZE[1] + 0.5), layout="constrained")
            ax, ax_out = fig.subplots(1, 2, width_ratios=[3, 2])
            ax.plot(grid, sg, color=OKABE_ITO["blue"], lw=2.5, label="sigmoid(z)")
            ax.plot(grid, 4 * sg * (1 - sg), color=OKABE_ITO["vermillion"], lw=2.5, ls="--",
                    label="slope x 4 (peak 0.25)")
            ax.set_ylim(-0.02, 1.05)
            ax.set_xlabel("pre-activation z")
            ax.set_ylabel("sigmoid, slope x 4")
            twin = ax.twinx()
            twin.hist(z.ravel(), bins=60, color="0.5", alpha=0.5)
            twin.set_ylabel("count of z")
            ax.set_zorder(twin.get_zorder() + 1)
            ax.patch.set_visible(False)
            ax.legend(loc="center left", fontsize=FONT_SIZE - 2)
            ax.set_title("where the pre-activations fall")
            ax_out.hist(sigmoid(z).ravel(), bins=np.linspace(0, 1, 41), color=OKABE_ITO["bluish green"])
            ax_out.set_xlabel("output o = sigmoid(z)")
            ax_out.set_ylabel("count")
            ax_out.set_title("outputs")
            image.value = _png(fig)

    def set_fan_in(_):
        scale_sl.value = 1 / np.sqrt(d)

    scale_sl.observe(redraw, names="value")
    init_dd.observe(redraw, names="value")
    fan_in.on_click(set_fan_in)
    redraw()
    return widgets.VBox([widgets.HBox([scale_sl, init_dd]), fan_in, stats, image])
