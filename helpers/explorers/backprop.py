"""Explorers for notebook 05 (backpropagation).

    gradient_descent_explorer()   a parameter a sliding down L(a) = (a - a1)^2;
                                  learning-rate, start and step-count sliders
    backward_stepper()            the backward pass of the article's tiny CNN,
                                  one node of the computation graph at a time

Both return an ipywidgets container. Figures are drawn with a bare matplotlib
Figure (no pyplot, no ipympl) and shown as a PNG in a widgets.Image, so the
explorers work the same in JupyterLab, in Voila and headless.

The numbers the stepper shows come from :func:`worked_example`, which runs the
forward and backward pass with the course's kernels; notebook 05 recomputes
every one of them by hand and asserts they agree.
"""

import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..conv import conv2d_backward, conv2d_forward
from ..layers import dense_backward, dense_forward, sigmoid, sigmoid_backward
from ..losses import half_squared_error
from ._static import explorer
from ._style import CONTROL_STYLE, FONT_SIZE, OKABE_ITO, slider, TOGGLE_STYLE

_BACKWARD = OKABE_ITO["vermillion"]     # the backward pass, beside grey forward arrows

__all__ = [
    "descend", "step_factor", "gradient_descent_explorer",
    "ARTICLE_X", "ARTICLE_F", "worked_example", "BACKWARD_STEPS", "backward_stepper",
]


# ---------------------------------------------------------------- helpers

def _png(fig):
    """Render a matplotlib Figure to PNG bytes (Agg, independent of any backend)."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def _fmt(value, decimals):
    """A number or array as short text: integers without decimals."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 4:           # one image, one channel: show the 2-D plane
        arr = arr[0, 0]
    if np.all(arr == np.round(arr)) and np.all(np.abs(arr) < 1e6):
        arr = arr.astype(np.int64)
        return np.array2string(arr) if arr.ndim else str(int(arr))
    if arr.ndim == 0:
        return f"{float(arr):.{decimals}f}"
    return np.array2string(arr, precision=decimals, floatmode="fixed", suppress_small=False)


# ---------------------------------------------------------------- gradient descent in 1-D

def step_factor(lr):
    """|1 - 2 lr|: how much one step of gradient descent on L(a) = (a - a1)^2 shrinks
    the distance to the minimum, since a_new - a1 = (1 - 2 lr) (a - a1)."""
    return abs(1.0 - 2.0 * lr)


def descend(a_start, lr, steps, a_min=1.0):
    """Gradient descent on L(a) = (a - a_min)^2, whose slope is dL/da = 2 (a - a_min).

    Returns the array of the steps + 1 positions a_0 = a_start, ..., a_steps,
    each a_{k+1} = a_k - lr * dL/da(a_k).
    """
    path = [float(a_start)]
    for _ in range(int(steps)):
        a = path[-1]
        path.append(a - lr * 2.0 * (a - a_min))
    return np.array(path)


def _verdict(lr):
    """A short description of what learning rate lr does on L(a) = (a - a1)^2."""
    k = step_factor(lr)
    if lr <= 0:
        return "does not move"
    if k >= 1:
        return "bounces forever" if k == 1 else "diverges: each step lands further away"
    if k == 0:
        return "lands on the minimum in one step"
    side = "jumping across the minimum each step, " if lr > 0.5 else ""
    speed = "slowly" if k > 0.7 else "quickly"
    return f"converges {speed}, {side}the distance shrinks by {k:.2f} per step"


@explorer('gradient descent on a parabola: the steps a learning rate takes')
def gradient_descent_explorer(a_min=1.0, a_start=4.0, lr=0.4, steps=8):
    """Learning-rate explorer for L(a) = (a - a_min)^2: returns a VBox.

    Controls: learning rate, starting point a2, number of steps. Left panel: the
    loss curve with each step drawn; right panel: the distance |a_k - a1| on a
    log scale, a straight line whose slope is log |1 - 2 lr|.
    """
    lr_slider = slider(widgets.FloatSlider, value=lr, min=0.01, max=1.2, step=0.01,
                       description="learning rate", readout_format=".2f")
    start_slider = slider(widgets.FloatSlider, value=a_start, min=-3.0, max=5.0, step=0.5,
                          description="start a2")
    steps_slider = slider(value=steps, min=1, max=30, description="steps")
    presets = widgets.ToggleButtons(options=[("slow 0.05", 0.05), ("good 0.4", 0.4),
                                             ("divergent 1.1", 1.1)], value=None,
                                    description="try", style=TOGGLE_STYLE)
    image = widgets.Image(format="png", layout=widgets.Layout(width="900px"))
    summary = widgets.HTML(layout=widgets.Layout(width="900px"))

    def redraw(_=None):
        lr_, a0, n = lr_slider.value, start_slider.value, steps_slider.value
        path = descend(a0, lr_, n, a_min)
        dist = np.abs(path - a_min)
        fig = Figure(figsize=(12, 4.5))
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
        span = max(4.0, min(float(np.max(dist)), 40.0) * 1.1)
        grid = np.linspace(a_min - span, a_min + span, 400)
        ax.plot(grid, (grid - a_min) ** 2, color="0.4", lw=2, label="L(a) = (a - a1)$^2$")
        shown = path[np.abs(path - a_min) <= span]
        ax.plot(shown, (shown - a_min) ** 2, "o-", color=OKABE_ITO["orange"], ms=7, lw=1.5,
                label="steps")
        ax.plot([a0], [(a0 - a_min) ** 2], "s", color="black", ms=11, label="start a2")
        ax.plot([a_min], [0], "*", color=OKABE_ITO["blue"], ms=18, label="minimum a1")
        ax.set_xlabel("parameter a", fontsize=FONT_SIZE)
        ax.set_ylabel("loss L(a)", fontsize=FONT_SIZE)
        ax.set_title(f"learning rate {lr_:.2f}", fontsize=FONT_SIZE + 1)
        ax.legend(fontsize=FONT_SIZE - 2, loc="upper center")
        ax.set_ylim(-0.05 * span ** 2, span ** 2 * 1.05)
        ax.tick_params(labelsize=FONT_SIZE - 2)
        safe = np.maximum(dist, 1e-16)
        ax2.semilogy(np.arange(n + 1), safe, "o-", color=OKABE_ITO["orange"], ms=6)
        ax2.set_xlabel("step k", fontsize=FONT_SIZE)
        ax2.set_ylabel("distance |a_k - a1|", fontsize=FONT_SIZE)
        ax2.set_title(f"|1 - 2 lr| = {step_factor(lr_):.2f} per step", fontsize=FONT_SIZE + 1)
        ax2.tick_params(labelsize=FONT_SIZE - 2)
        ax2.grid(True, which="major", alpha=0.3)
        fig.tight_layout()
        image.value = _png(fig)
        summary.value = (
            f"<div style='font-size:{FONT_SIZE + 3}px'>lr = {lr_:.2f}: factor |1 - 2 lr| = "
            f"{step_factor(lr_):.2f}, so gradient descent <b>{html.escape(_verdict(lr_))}</b>."
            f" After {n} steps a = {path[-1]:.4g} (distance {dist[-1]:.3g}, "
            f"started at {dist[0]:.3g}).</div>")

    def use_preset(change):
        if change["new"] is not None:
            lr_slider.value = change["new"]

    presets.observe(use_preset, names="value")
    for w in (lr_slider, start_slider, steps_slider):
        w.observe(redraw, names="value")
    redraw()
    controls = widgets.HBox([widgets.VBox([lr_slider, start_slider, steps_slider]), presets])
    box = widgets.VBox([controls, summary, image])
    box.controls = {"lr": lr_slider, "start": start_slider, "steps": steps_slider, "presets": presets}
    box.image, box.summary = image, summary
    return box


# ---------------------------------------------------------------- the worked example

ARTICLE_X = np.array([[1, 7, 2], [11, 1, 23], [2, 2, 2]], dtype=np.float64)
ARTICLE_F = np.array([[1, 1], [0, 1]], dtype=np.float64)


def worked_example(activation="identity", x=None, f=None, W=None, b=None, y=None, scale=None):
    """Forward and backward pass of the one-filter CNN on one image, with the kernels.

    activation: "identity" (A1 = Z1, O = Z2: every number stays an integer) or
    "sigmoid" (the article's network).
    Defaults: the article's 3x3 image x and 2x2 filter f; dense W = [-1, 1, 2, -2]^T,
    b = [0], target y = [[1]]; the image is divided by `scale` first (default 1
    for identity, 10 for sigmoid so the sigmoid does not saturate).

    Shapes: x (3, 3), f (2, 2), z1/a1 (1, 1, 2, 2), a1_flat (1, 4), W (4, 1),
    b (1,), z2/o/y (1, 1); every gradient d<name> has the shape of <name>.
    Returns a dict with all of them and the loss "E".
    """
    if activation not in ("identity", "sigmoid"):
        raise ValueError(f"activation must be 'identity' or 'sigmoid', got {activation!r}")
    if scale is None:
        scale = 1.0 if activation == "identity" else 10.0
    x = (ARTICLE_X if x is None else np.asarray(x, dtype=np.float64)) / scale
    f = ARTICLE_F if f is None else np.asarray(f, dtype=np.float64)
    W = np.array([[-1.0], [1.0], [2.0], [-2.0]]) if W is None else np.asarray(W, dtype=np.float64)
    b = np.zeros(1) if b is None else np.asarray(b, dtype=np.float64)
    y = np.ones((1, 1)) if y is None else np.asarray(y, dtype=np.float64)
    act = sigmoid if activation == "sigmoid" else (lambda z: z)

    z1, conv_cache = conv2d_forward(x[None, None], f[None, None])
    a1 = act(z1)
    a1_flat = a1.reshape(1, -1)
    z2, dense_cache = dense_forward(a1_flat, W, b)
    o = act(z2)
    E, do = half_squared_error(o, y)

    dz2 = sigmoid_backward(do, o) if activation == "sigmoid" else do
    da1_flat, dW, db = dense_backward(dz2, dense_cache)
    da1 = da1_flat.reshape(a1.shape)
    dz1 = sigmoid_backward(da1, a1) if activation == "sigmoid" else da1
    dx, df, _ = conv2d_backward(dz1, conv_cache)
    return {
        "activation": activation, "scale": scale,
        "x": x, "f": f, "z1": z1, "a1": a1, "a1_flat": a1_flat, "W": W, "b": b,
        "z2": z2, "o": o, "y": y, "E": E,
        "dE": 1.0, "do": do, "dz2": dz2, "dW": dW, "db": db, "da1": da1, "dz1": dz1,
        "df": df[0, 0], "dx": dx[0, 0],
    }


# One entry per step of the backward pass, in the order it runs:
# (node, gradient key, forward-value key, local derivative in LaTeX for identity, for sigmoid)
BACKWARD_STEPS = [
    ("E", "dE", "E", r"\frac{\partial E}{\partial E} = 1 \quad\text{(the pass starts here)}", None),
    ("O", "do", "o", r"\frac{\partial E}{\partial O} = -\frac{y' - O}{N}", None),
    ("Z2", "dz2", "z2",
     r"\frac{\partial E}{\partial Z_2} = \frac{\partial E}{\partial O}\cdot 1"
     r"\quad\text{(identity: } O = Z_2)",
     r"\frac{\partial E}{\partial Z_2} = \frac{\partial E}{\partial O}\cdot O\,(1 - O)"),
    ("W", "dW", "W", r"\frac{\partial E}{\partial W} = A_1^{\top}\,\frac{\partial E}{\partial Z_2}", None),
    ("b", "db", "b", r"\frac{\partial E}{\partial b} = \sum_{n} \frac{\partial E}{\partial Z_{2,n}}", None),
    ("A1", "da1", "a1",
     r"\frac{\partial E}{\partial A_1} = \frac{\partial E}{\partial Z_2}\,W^{\top}"
     r"\quad\text{(then reshaped back to } 2\times 2)", None),
    ("Z1", "dz1", "z1",
     r"\frac{\partial E}{\partial Z_1} = \frac{\partial E}{\partial A_1}\cdot 1"
     r"\quad\text{(identity: } A_1 = Z_1)",
     r"\frac{\partial E}{\partial Z_1} = \frac{\partial E}{\partial A_1}\odot A_1(1 - A_1)"),
    ("f", "df", "f",
     r"\frac{\partial E}{\partial f_{pq}} = \sum_{i,j} \frac{\partial E}{\partial Z_{1,ij}}"
     r"\, X_{i+p,\,j+q}\quad\text{(X correlated with } \partial E/\partial Z_1)", None),
    ("X", "dx", "x",
     r"\frac{\partial E}{\partial X} = \text{full correlation of } "
     r"\frac{\partial E}{\partial Z_1} \text{ with the flipped } f", None),
]

# Where each node sits in the drawing (x, y), and the arrows of the forward graph.
_NODES = {"X": (0.5, 1.0), "f": (1.5, 2.4), "Z1": (2.6, 1.0), "A1": (4.7, 1.0),
          "W": (6.1, 2.4), "b": (7.5, 2.4), "Z2": (7.5, 1.0), "O": (9.6, 1.0), "E": (11.6, 1.0)}
_EDGES = [("X", "Z1", "conv"), ("f", "Z1", ""), ("Z1", "A1", "{act}"), ("A1", "Z2", "flatten, A1 W + b"),
          ("W", "Z2", ""), ("b", "Z2", ""), ("Z2", "O", "{act}"), ("O", "E", "(y' - O)$^2$ / 2")]
_PARAMS = {"f", "W", "b"}


def _draw_graph(step, activation):
    """The computation graph with nodes already reached by the backward pass shaded
    and the current one highlighted. Returns a Figure."""
    done = {BACKWARD_STEPS[k][0] for k in range(step + 1)}
    current = BACKWARD_STEPS[step][0]
    act = "sigmoid" if activation == "sigmoid" else "identity"
    fig = Figure(figsize=(12, 3.6))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(-0.1, 12.2)
    ax.set_ylim(0.2, 3.0)
    ax.axis("off")
    for src, dst, label in _EDGES:
        (x0, y0), (x1, y1) = _NODES[src], _NODES[dst]
        back = src in done and dst in done
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=22,
                                     shrinkA=30, shrinkB=30, lw=2, color="0.55"))
        if back:     # the gradient has flowed back along this edge
            # drawn beside the forward arrow, shifted to its right-hand side
            length = np.hypot(x1 - x0, y1 - y0)
            ox, oy = 0.12 * (y1 - y0) / length, -0.12 * (x1 - x0) / length
            ax.add_patch(FancyArrowPatch((x1 + ox, y1 + oy), (x0 + ox, y0 + oy), arrowstyle="-|>",
                                         mutation_scale=20, shrinkA=30, shrinkB=30, lw=2.5,
                                         color=_BACKWARD))
        if label:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.22, label.format(act=act), ha="center",
                    fontsize=FONT_SIZE - 1, color="0.25")
    for name, (cx, cy) in _NODES.items():
        if name == current:
            face, edge = "#ffb347", _BACKWARD
        elif name in done:
            face, edge = "#ffe4c4", "0.3"
        else:
            face, edge = "white", "0.3"
        style = "round,pad=0.15" if name not in _PARAMS else "square,pad=0.15"
        ax.add_patch(FancyBboxPatch((cx - 0.28, cy - 0.2), 0.56, 0.4, boxstyle=style,
                                    facecolor=face, edgecolor=edge,
                                    lw=3.5 if name == current else 1.5))
        ax.text(cx, cy, name, ha="center", va="center", fontsize=FONT_SIZE + 5, weight="bold")
    ax.text(0.0, 0.35, "backward pass: vermillion arrows carry dE/d(node) from E back to X",
            fontsize=FONT_SIZE - 1, color=_BACKWARD)
    return fig


@explorer('step through the backward pass of the worked example, one gradient at a time')
def backward_stepper(activation="identity"):
    """Step through the backward pass of the worked example one node at a time.

    Controls: the activation (identity: all integers; sigmoid: the article's
    network on the image divided by 10), a step slider and previous / next
    buttons. Shows the graph with the current node highlighted, the local
    derivative used there and the numbers: the node's forward value and the
    gradient dE/d(node) arriving at it. Returns a VBox.
    """
    kind = widgets.ToggleButtons(options=[("identity (integers)", "identity"),
                                          ("sigmoid (image / 10)", "sigmoid")],
                                 value=activation, description="activation", style=TOGGLE_STYLE)
    step = slider(value=0, min=0, max=len(BACKWARD_STEPS) - 1, description="backward step")
    prev_button = widgets.Button(description="previous step", icon="arrow-left",
                                 layout=widgets.Layout(width="160px", height="40px"))
    next_button = widgets.Button(description="next step", icon="arrow-right",
                                 layout=widgets.Layout(width="160px", height="40px"))
    image = widgets.Image(format="png", layout=widgets.Layout(width="1000px"))
    panel = widgets.HTMLMath(layout=widgets.Layout(width="1000px"))
    cache = {}

    def redraw(_=None):
        act = kind.value
        if act not in cache:
            cache[act] = worked_example(act)
        ex = cache[act]
        k = step.value
        node, grad_key, value_key, formula, formula_sigmoid = BACKWARD_STEPS[k]
        if act == "sigmoid" and formula_sigmoid is not None:
            formula = formula_sigmoid
        decimals = 0 if act == "identity" else 4
        image.value = _png(_draw_graph(k, act))
        value = _fmt(ex[value_key], decimals)
        grad = _fmt(ex[grad_key], decimals)
        panel.value = (
            f"<div style='font-size:{FONT_SIZE + 4}px; line-height:1.6'>"
            f"<b>step {k} of {len(BACKWARD_STEPS) - 1}: node {node}</b><br>"
            f"local rule: $${formula}$$"
            f"forward value {node}:<pre style='margin:0 0 6px 0'>{html.escape(value)}</pre>"
            f"gradient arriving, dE/d{node}:<pre style='margin:0'>{html.escape(grad)}</pre></div>")

    def move(delta):
        step.value = int(np.clip(step.value + delta, step.min, step.max))

    prev_button.on_click(lambda _: move(-1))
    next_button.on_click(lambda _: move(+1))
    kind.observe(redraw, names="value")
    step.observe(redraw, names="value")
    redraw()
    controls = widgets.VBox([kind, widgets.HBox([prev_button, next_button, step],
                                                layout=widgets.Layout(align_items="center"))])
    box = widgets.VBox([controls, image, panel])
    box.controls = {"activation": kind, "step": step, "previous": prev_button, "next": next_button}
    box.image, box.panel = image, panel
    return box

