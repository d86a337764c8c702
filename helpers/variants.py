"""The article's network for ten digits, with each of the article's choices as a switch.

Notebook 10's "what goes wrong" lab flips five choices one at a time and measures
what each does to the gradients and to training:

    init         "uniform": every weight from [0, 1) (the article's), or "scaled" (Glorot)
    activation   "sigmoid" after the convolution (the article's), or "relu"
    standardize  True: z2 -> (z2 - mean(z2)) / std(z2) in the forward pass only, the
                 backward pass treating it as if it were not there (the article's step)
    reduction    "sum": the batch gradient is summed over the N images (the article's
                 dense-layer gradient), or "mean": divided by N
    head         "softmax": softmax + cross-entropy on the ten logits, or "sigmoid":
                 ten sigmoid outputs with the article's E = (y' - O)^2 / 2 on one-hot y'

The network is the article's (``helpers.nets``: conv 5x5 with F filters -> activation ->
flatten -> dense to 10, biases b1, b2), built from the course's kernels
(``helpers.conv``, ``helpers.layers``, ``helpers.losses``); only the switches are new:

    z1 = x * w1 + b1                   (N, F, 24, 24)
    a1 = sigmoid(z1) or relu(z1)       (N, F, 24, 24), flattened to (N, D), D = F*576
    z2 = a1 @ W2 + b2                  (N, 10)
    s  = (z2 - mean z2) / std z2       if standardize (mean and std over all N*10 numbers)
         z2                            otherwise
    loss on s: softmax cross-entropy, or sum_k (onehot - sigmoid(s))^2 / 2, averaged over N

Backward: ds = dE/ds from the loss (times N for reduction="sum"); with standardize the
article hands ds on as dz2 unchanged (the true dE/dz2 would divide by std and remove two
projections); then the kernels' dense, activation and conv backward passes.

NumPy only. Everything is seeded and computed in float32 (the nets' dtype).
"""

import itertools

import numpy as np

from . import _validate as _v
from . import layers as _layers
from . import nets as _nets
from . import losses as _losses
from .nets import init_article_net, prepare_images

__all__ = [
    "CHOICES", "ARTICLE_CHOICES", "FIXED_CHOICES", "SATURATED_SLOPE",
    "variant_forward", "variant_backward", "variant_loss", "variant_step",
    "grad_norms", "unit_statistics", "run_variant", "variant_grid", "grid_key",
]

# Every switch and its values; the first value of each is the article's choice.
CHOICES = {
    "init": ("uniform", "scaled"),
    "activation": ("sigmoid", "relu"),
    "standardize": (True, False),
    "reduction": ("sum", "mean"),
    "head": ("sigmoid", "softmax"),
}
ARTICLE_CHOICES = {name: values[0] for name, values in CHOICES.items()}
FIXED_CHOICES = {name: values[1] for name, values in CHOICES.items()}

# A sigmoid unit counts as saturated when its slope a(1 - a) is below this (|z| > 4.6),
# i.e. it passes on less than 4% of the slope it has at z = 0 (notebook 04's threshold).
SATURATED_SLOPE = 0.01


def _check_choice(name, value):
    if name == "standardize":          # True or False, not 1, 0 or "yes"
        return _v.flag(name, value)
    return _v.one_of(name, value, CHOICES[name])


def _check_labels(name, y, n):
    return _v.labels(name, y, n, 10)


def variant_forward(params, x, *, activation="sigmoid", standardize=False):
    """Forward pass with the switches ``activation`` and ``standardize``.

    params: {"w1": (F, 1, 5, 5), "b1": (F,), "W2": (F*576, 10), "b2": (10,)}
    x: (N, 1, 28, 28) float -> s (N, 10) the scores the loss sees, cache.
    """
    _check_choice("activation", activation)
    _check_choice("standardize", standardize)
    z2, cache = _nets.article_forward(params, x, activation=activation)
    s = z2
    if standardize:
        # The article's line: one mean and one std over every number of the batch.
        s = (z2 - z2.mean()) / z2.std()
    return s, cache


def variant_backward(ds, cache):
    """Gradients for :func:`variant_forward` from ds (N, 10) = dE/ds.

    The standardization is skipped here on purpose (the article's backward pass never
    differentiates it): ds is used as dz2, and the rest is the article network's
    backward. Returns {"w1", "b1", "W2", "b2"} (those present).
    """
    if not isinstance(cache, tuple) or len(cache) != 5:
        raise TypeError(f"cache must be the cache that variant_forward returned, got "
                        f"{_v._shown(cache)}")
    _nets._check_rows("ds", ds, len(cache[2]), "(N, K)")
    return _nets.article_backward(ds, cache)


def variant_loss(s, y, *, head="softmax", reduction="mean"):
    """The loss of scores s (N, K) for integer labels y (N,), averaged over N, and the
    gradient the backward pass receives: dE/ds, or N * dE/ds for reduction="sum"
    (the gradient of the loss summed over the images, as the article's dense layer has it).

    head "softmax": softmax cross-entropy; "sigmoid": o = sigmoid(s),
    E = mean_n sum_k (onehot_nk - o_nk)^2 / 2, dE/ds = dE/do * o (1 - o).
    """
    _check_choice("head", head)
    _check_choice("reduction", reduction)
    s = _v.as_array("s", s, 2, "(N, K)")
    y = _v.labels("y", y, len(s), s.shape[1])
    if head == "softmax":
        loss, ds = _losses.softmax_cross_entropy(s, y)
    else:
        onehot = np.eye(s.shape[1], dtype=s.dtype)[np.asarray(y)]
        o = _layers.sigmoid(s)
        loss, do = _losses.half_squared_error(o, onehot)
        ds = _layers.sigmoid_backward(do, o)
    if reduction == "sum":
        ds = ds * len(s)
    return loss, ds


def variant_step(params, x, y, *, activation="sigmoid", standardize=False, head="softmax",
                 reduction="mean"):
    """One forward and backward pass: -> (loss, scores s (N, K), grads, cache)."""
    s, cache = variant_forward(params, x, activation=activation, standardize=standardize)
    loss, ds = variant_loss(s, y, head=head, reduction=reduction)
    return loss, s, variant_backward(ds, cache), cache


def grad_norms(grads):
    """{name: Euclidean norm} of each gradient array (as Python floats)."""
    _v.param_dict("grads", grads)
    return {k: float(np.sqrt(np.sum(np.square(g, dtype=np.float64)))) for k, g in grads.items()}


def unit_statistics(cache, s, head="softmax"):
    """What the units are doing in one forward pass.

    -> {"conv_saturated": fraction of sigmoid conv units with a(1 - a) < SATURATED_SLOPE
                          (for relu: fraction with z1 <= 0, which pass no gradient),
        "out_saturated":  for the sigmoid head, fraction of outputs with o(1 - o) <
                          SATURATED_SLOPE; for softmax, fraction of rows whose largest
                          probability is above 1 - SATURATED_SLOPE,
        "z2_std":         standard deviation of the scores s over the batch}
    """
    if not isinstance(cache, tuple) or len(cache) != 5:
        raise TypeError(f"cache must be the cache that variant_forward returned, got "
                        f"{_v._shown(cache)}")
    _check_choice("head", head)
    s = _v.as_array("s", s, 2, "(N, K)")
    _, z1, a1, _, activation = cache
    if activation == "sigmoid":
        conv = float(np.mean(a1 * (1 - a1) < SATURATED_SLOPE))
    else:
        conv = float(np.mean(z1 <= 0))
    if head == "sigmoid":
        o = _layers.sigmoid(s)
        out = float(np.mean(o * (1 - o) < SATURATED_SLOPE))
    else:
        out = float(np.mean(_layers.softmax(s).max(axis=1) > 1 - SATURATED_SLOPE))
    return {"conv_saturated": conv, "out_saturated": out, "z2_std": float(np.std(s))}


def run_variant(x, y, *, init="scaled", activation="sigmoid", standardize=False,
                reduction="mean", head="softmax", steps=20, lr=0.5, num_filters=3, seed=0,
                x_val=None, y_val=None):
    """Train one variant by full-batch gradient descent (the article's update
    p <- p - lr * grad, on all N images at every step) and measure it.

    x: (N, 28, 28) uint8 or (N, 1, 28, 28) float; y: (N,) labels 0..9.
    Returns a dict: the switches, "loss" (steps + 1 values: before each step and after
    the last, nan once it diverges), "grad_norms" at the start ({"w1", "b1", "W2", "b2"}),
    the start's unit statistics ("conv_saturated", "out_saturated", "z2_std"),
    "final_loss", "train_accuracy" after training, "val_accuracy" (if x_val is given),
    "finite" (False if any loss or parameter became inf or nan).
    """
    for name, value in (("init", init), ("activation", activation), ("standardize", standardize),
                        ("reduction", reduction), ("head", head)):
        _check_choice(name, value)
    x = prepare_images(x)
    y = _check_labels("y", y, len(x))
    steps = _v.integer("steps", steps, 0)
    lr = _v.number("lr", lr, 0)
    num_filters = _v.integer("num_filters", num_filters, 1)
    if (x_val is None) != (y_val is None):
        raise ValueError(f"x_val and y_val must be given together, got "
                         f"{'x_val' if y_val is None else 'y_val'} only")
    if x_val is not None:
        x_val = prepare_images(x_val)
        y_val = _check_labels("y_val", y_val, len(x_val))
    params = init_article_net(10, num_filters=num_filters, init=init, bias=True, seed=seed)
    switches = dict(activation=activation, standardize=standardize, head=head, reduction=reduction)
    result = {"init": init, **switches, "steps": steps, "lr": lr, "n": len(x)}
    losses = []
    finite = True
    # Diverging variants overflow on purpose; their inf/nan are recorded, not warned about.
    with np.errstate(all="ignore"):
        for step in range(steps + 1):
            loss, s, grads, cache = variant_step(params, x, y, **switches)
            if step == 0:
                result["grad_norms"] = grad_norms(grads)
                result.update(unit_statistics(cache, s, head))
            finite = finite and np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())
            losses.append(float(loss) if finite else float("nan"))
            if step == steps or not finite:
                break
            params = {k: p - lr * grads[k] for k, p in params.items()}
        losses += [float("nan")] * (steps + 1 - len(losses))
        result["loss"] = losses
        result["final_loss"] = losses[-1]
        result["finite"] = bool(finite)
        result["train_accuracy"] = _accuracy(params, x, y, activation) if finite else float("nan")
        if x_val is not None:
            result["val_accuracy"] = (_accuracy(params, x_val, y_val, activation)
                                      if finite else float("nan"))
    return result


def _accuracy(params, x, y, activation):
    # Standardizing is a positive affine map of all scores: it never changes a row's argmax.
    s, _ = variant_forward(params, x, activation=activation, standardize=False)
    return float(np.mean(np.argmax(s, axis=1) == y))


def grid_key(init, activation, standardize, reduction, head):
    """The key of one configuration in :func:`variant_grid`'s dict."""
    for name, value in (("init", init), ("activation", activation), ("standardize", standardize),
                        ("reduction", reduction), ("head", head)):
        _check_choice(name, value)
    return (init, activation, bool(standardize), reduction, head)


def variant_grid(x, y, *, steps=20, lr=0.5, seed=0, x_val=None, y_val=None, fixed=None):
    """:func:`run_variant` for every combination of ``CHOICES`` (2^5 = 32 runs), or for
    the combinations that agree with ``fixed`` (a dict of switches held at one value).

    -> {grid_key(...): result}
    """
    if fixed is not None and not isinstance(fixed, dict):
        raise TypeError(f"fixed must be None or a dict of switches, got {_v._shown(fixed)}")
    fixed = dict(fixed or {})
    for name, value in fixed.items():
        if name not in CHOICES:
            raise ValueError(f"fixed must name switches among {tuple(CHOICES)}, got {name!r}")
        _check_choice(name, value)
    _v.integer("steps", steps, 0)
    _v.number("lr", lr, 0)
    names = list(CHOICES)
    values = [(fixed[n],) if n in fixed else CHOICES[n] for n in names]
    grid = {}
    for combo in itertools.product(*values):
        choices = dict(zip(names, combo))
        grid[grid_key(**choices)] = run_variant(x, y, steps=steps, lr=lr, seed=seed,
                                                x_val=x_val, y_val=y_val, **choices)
    return grid
