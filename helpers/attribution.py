"""What a trained improved CNN looks at, and how to fool it (notebook 11). NumPy only.

Every function takes the improved CNN's parameters (``helpers.nets.init_improved_cnn``)
and images x (N, 1, H, W) with pixels in [0, 1] (``nets.prepare_images``), and runs the
readable kernels (``nets.cnn_forward``, ``nets.cnn_backward``). It computes in the
parameters' dtype (float64 parameters and images for gradient checks).

    input_gradient(params, x, target, of="score")   dx (N, 1, H, W): d z[n, target[n]] / dx,
                                                    or (of="loss") d E_n / dx with
                                                    E_n = -log softmax(z_n)[target[n]]
    saliency(params, x, target)                      (N, H, W): |d z_target / dx|
    occlusion_map(params, x, target, size, stride, fill)
                                                     (N, OH, OW): z_target(x) - z_target(x with
                                                     a size x size square of grey `fill` at
                                                     (i*stride, j*stride)), OH = (H - size)//stride + 1
    window_sums(maps, size, stride)                  (N, OH, OW): a map summed over the same squares
    correlation(a, b)                                Pearson correlation of two arrays, one number
    unit_gradient(params, x, layer, channel, i, j)   (H, W): d (one unit of a layer) / dx, image x (1, 1, H, W)
    receptive_field(layer, i, j, image_size)         (H, W) bool: the pixels that can reach the unit
    receptive_field_size(layer)                      the side r of that square, by the formula
    fgsm(params, x, y, eps)                          clip(x + eps sign(dE/dx), 0, 1), (N, 1, H, W)
    fgsm_accuracy(params, x, y, eps_values)          held-out accuracy after each eps, (len(eps_values),)
    smallest_flipping_eps(params, x, y, eps_grid)    (N,): the first eps of the grid that changes
                                                     each prediction (nan if none does)
    class_images(params, classes, steps, lr, l2)     (K, H, W): gradient ascent on z_c(x) - l2 ||x||^2
                                                     from a blank image

Every argument is checked first (``helpers._validate``), with a message naming the argument
and the value received: params must be the improved CNN's six float32 or float64 arrays;
x must be finite, N >= 1 images of the size the dense layer reads, and in [0, 1] where the
function clips to that range (fgsm, fgsm_accuracy, smallest_flipping_eps); classes are
integers; an image side is at most ``MAX_IMAGE_SIZE``.

The layers of the improved CNN, as this module names them (``LAYERS``)::

    conv1  z1 (N, C1, 28, 28)   3x3, stride 1, padding 1
    pool1  p1 (N, C1, 14, 14)   2x2, stride 2
    conv2  z2 (N, C2, 14, 14)   3x3, stride 1, padding 1
    pool2  p2 (N, C2, 7, 7)     2x2, stride 2
"""

import numbers

import numpy as np

from . import conv as _conv
from . import layers as _layers
from . import nets as _nets
from . import train as _train
from . import _validate as _v
from ._validate import as_array, as_float, positive_int

__all__ = [
    "LAYERS", "input_gradient", "saliency", "occlusion_map", "window_sums", "correlation",
    "unit_gradient", "receptive_field", "receptive_field_size", "fgsm", "fgsm_accuracy",
    "smallest_flipping_eps", "class_images",
]

#: (name, kernel size, stride) of every layer of the improved CNN up to the dense layer.
LAYERS = (("conv1", 3, 1), ("pool1", 2, 2), ("conv2", 3, 1), ("pool2", 2, 2))
_LAYER_NAMES = tuple(name for name, _, _ in LAYERS)


# ---------------------------------------------------------------- arguments

#: the largest image side :func:`receptive_field` and :func:`class_images` accept
#: (a larger one would only exhaust the memory).
MAX_IMAGE_SIZE = 1024


def _params(params):
    """The improved CNN's parameters: a dict with its six arrays, float32 or float64."""
    _v.param_dict("params", params, _nets._CNN_KEYS)
    for key, value in params.items():
        if not isinstance(value, np.ndarray):
            raise TypeError(f"params[{key!r}] must be a NumPy array, got {_v._shown(value)}")
    dtype = params["w1"].dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"params['w1'] must be float32 or float64 (the dtype the functions "
                        f"compute in), got {dtype}")
    return params


def _images(params, x, unit_range=False):
    """x as (N, 1, H, W) in the parameters' dtype, finite, of the size the network reads.

    unit_range: also require pixels in [0, 1] (where the function clips to that range).
    """
    x = as_array("x", x, 4, "(N, 1, H, W)")
    c = params["w1"].shape[1]
    h, w = x.shape[2:]
    features = params["W3"].shape[0]
    if x.shape[0] == 0 or x.shape[1] != c or params["w2"].shape[0] * (h // 4) * (w // 4) != features:
        raise ValueError(f"x must be a batch of N >= 1 images of shape (N, {c}, H, W) that the "
                         f"network reads (C2 * (H // 4) * (W // 4) = {features} features for its "
                         f"dense layer), got shape {x.shape}")
    _v.finite("x", x)
    if unit_range and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"x must hold pixels in [0, 1] (nets.prepare_images), got values from "
                         f"{x.min():g} to {x.max():g}")
    return x.astype(params["w1"].dtype, copy=False)


def _targets(name, target, n, num_classes):
    """One class per image: an int (the same class for all) or (N,) integer labels."""
    if np.ndim(target) == 0 and not isinstance(target, np.ndarray):
        target = np.full(n, _v.integer(name, target, 0, num_classes - 1))
    return _v.labels(name, target, n, num_classes)


def _layer(layer):
    return _LAYER_NAMES.index(_v.one_of("layer", layer, _LAYER_NAMES))


def _unit(name, value, size, layer, axis):
    """An index into one axis of a layer's maps."""
    value = _v.integer(name, value)
    if not 0 <= value < size:
        raise ValueError(f"{name} must lie in [0, {size}) ({layer}'s maps have {size} "
                         f"{axis}), got {value}")
    return value


# ---------------------------------------------------------------- gradients with respect to x

def input_gradient(params, x, target, *, of="score"):
    """The gradient that reaches the image, through the whole improved CNN.

    params: the improved CNN's parameters; x (N, 1, H, W), pixels in [0, 1];
    target: (N,) integer classes, or one int for every image.
    of: "score": dz[n, t_n] / dx[n], the logit of class t_n (before the softmax);
        "loss":  dE_n / dx[n] with E_n = -log softmax(z_n)[t_n], the cross-entropy of
                 image n alone (not divided by N: each image gets its own gradient).
    -> dx (N, 1, H, W), in the parameters' dtype.

    Backward from the logits: the upstream gradient dz (N, K) is onehot(t) for the score
    and softmax(z) - onehot(t) for the loss (notebook 10), then ``nets.cnn_backward``
    down to x (dense, pool, relu, conv, twice).
    """
    x = _images(_params(params), x)
    _v.one_of("of", of, ("score", "loss"))
    z, cache = _nets.cnn_forward(params, x)
    n, k = z.shape
    t = _targets("target", target, n, k)
    dz = np.zeros_like(z)
    dz[np.arange(n), t] = 1
    if of == "loss":
        dz = _layers.softmax(z) - dz
    _, dx = _nets.cnn_backward(dz, cache, return_dx=True)
    return dx


def saliency(params, x, target):
    """Saliency map: how strongly each pixel moves the class score, |dz_t / dx|.

    x (N, 1, H, W), target (N,) or an int -> (N, H, W), non-negative
    (Simonyan et al. 2014; with one input channel the max over channels is the channel).
    """
    return np.abs(input_gradient(params, x, target, of="score"))[:, 0]


# ---------------------------------------------------------------- occlusion

def _scores(params, x, t, batch_size=256):
    """z[n, t[n]] for every image, in mini-batches (readable kernels)."""
    out = []
    for start in range(0, len(x), batch_size):
        z, _ = _nets.cnn_forward(params, x[start:start + batch_size])
        out.append(z[np.arange(len(z)), t[start:start + batch_size]])
    return np.concatenate(out)


def occlusion_map(params, x, target, *, size=6, stride=2, fill=0.5):
    """How much the class score drops when a grey square hides part of the image.

    x (N, 1, H, W) in [0, 1]; target (N,) or an int; size: the square's side s;
    stride: how far it moves; fill: its grey level, in [0, 1].
    -> drop (N, OH, OW), OH = (H - s) // stride + 1, OW likewise:

        drop[n, i, j] = z_t(x_n) - z_t(x_n with x[i*stride : i*stride + s,
                                                  j*stride : j*stride + s] = fill)

    Positive: the square hid something that spoke for the class (Zeiler & Fergus 2014).
    """
    x = _images(_params(params), x)
    size, stride = positive_int("size", size), positive_int("stride", stride)
    fill = _v.number("fill", fill, 0, 1)
    n, _, h, w = x.shape
    if size > min(h, w):
        raise ValueError(f"size must be at most the image side {min(h, w)}, got {size}")
    t = _targets("target", target, n, params["W3"].shape[1])
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    base = _scores(params, x, t)
    drop = np.empty((n, oh, ow), dtype=x.dtype)
    for m in range(n):
        hidden = np.repeat(x[m:m + 1], oh * ow, axis=0)          # one copy per position
        for i in range(oh):
            for j in range(ow):
                hidden[i * ow + j, :, i * stride:i * stride + size,
                       j * stride:j * stride + size] = fill
        drop[m] = (base[m] - _scores(params, hidden, np.full(oh * ow, t[m]))).reshape(oh, ow)
    return drop


def window_sums(maps, size=6, stride=2):
    """Sum of a map over the occlusion squares: (N, H, W) -> (N, OH, OW),
    out[n, i, j] = sum of maps[n, i*stride : i*stride + size, j*stride : j*stride + size],
    so that a saliency map can be compared square by square with :func:`occlusion_map`.
    maps: finite, N >= 1 maps of at least size x size."""
    maps = _v.finite("maps", as_float("maps", maps, 3, "(N, H, W)"))
    size, stride = positive_int("size", size), positive_int("stride", stride)
    if maps.shape[0] == 0 or size > min(maps.shape[1:]):
        raise ValueError(f"maps must hold N >= 1 maps at least size x size = {size} x {size}, "
                         f"got shape {maps.shape}")
    # a size x size all-ones filter, correlated with stride: the window sums
    ones = np.ones((1, 1, size, size), dtype=maps.dtype)
    out, _ = _conv.conv2d_forward(maps[:, None], ones, stride=stride)
    return out[:, 0]


def correlation(a, b):
    """Pearson correlation of two arrays of the same shape, flattened: a number in [-1, 1].

    r = sum (a - mean a)(b - mean b) / sqrt(sum (a - mean a)^2 sum (b - mean b)^2)

    a, b: finite, neither constant (a constant array has no correlation).
    """
    a = _v.finite("a", as_float("a", a)).astype(np.float64).ravel()
    b = _v.finite("b", as_float("b", b)).astype(np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same number of entries, got {a.size} and {b.size}")
    for name, v in (("a", a), ("b", b)):
        if v.size < 2 or np.all(v == v[0]):
            raise ValueError(f"{name} is a constant array (a constant array has no correlation): "
                             f"got {v.size} entr{'y' if v.size == 1 else 'ies'}"
                             + (f", all {v[0]:g}" if v.size else ""))
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt(np.sum(a * a) * np.sum(b * b))
    if denominator == 0:
        raise ValueError("a constant array has no correlation")
    return float(np.sum(a * b) / denominator)


# ---------------------------------------------------------------- receptive fields

def unit_gradient(params, x, layer, channel, i, j):
    """The gradient of one unit of one layer with respect to the image.

    x (1, 1, H, W) one image; layer: "conv1", "pool1", "conv2" or "pool2" (``LAYERS``);
    channel, i, j: the unit, map[0, channel, i, j] (conv maps are before the relu).
    -> (H, W): d unit / dx, from a one-hot upstream gradient at the unit, carried down
    through the trained network (max-pool routes to the window's maximum, relu gates).
    Nonzero only inside the unit's receptive field (:func:`receptive_field`), and often
    on fewer pixels: closed relus and pooling's single winners cut paths off.
    """
    x = as_array("x", x, 4, "(1, 1, H, W)")
    if x.shape[0] != 1:
        raise ValueError(f"x must hold one image, shape (1, 1, H, W), got {x.shape}")
    x = _images(_params(params), x)
    k = _layer(layer)
    _, (cache1, cache2, _, _) = _nets.cnn_forward(params, x)
    conv1, z1, p1, pool1 = cache1
    conv2, z2, p2, _ = cache2
    shape = (z1, p1, z2, p2)[k].shape
    try:
        for name, value, size, axis in (("channel", channel, shape[1], "channels"),
                                        ("i", i, shape[2], "rows"), ("j", j, shape[3], "columns")):
            _unit(name, value, size, layer, axis)
    except ValueError as error:
        raise ValueError(f"unit (channel, i, j) = {(channel, i, j)} lies outside {layer}'s "
                         f"maps of shape (C, H, W) = {shape[1:]}: {error}") from None
    onehot = np.zeros(shape, dtype=x.dtype)
    onehot[0, channel, i, j] = 1
    if k == 3:                                               # pool2 -> z2 -> p1
        onehot = _nets._conv_relu_pool_backward(onehot, cache2)[0]
    elif k == 2:                                             # z2 -> p1
        onehot = _conv.conv2d_backward(onehot, conv2)[0]
    if k >= 1:                                               # p1 -> z1 -> x
        return _nets._conv_relu_pool_backward(onehot, cache1)[0][0, 0]
    return _conv.conv2d_backward(onehot, conv1)[0][0, 0]     # z1 -> x


def receptive_field(layer, i, j, image_size=28):
    """The input pixels that can reach unit (i, j) of a layer's maps, in ANY improved CNN.

    layer: "conv1", "pool1", "conv2" or "pool2"; i, j: the unit's position in its map.
    -> (H, W) bool, H = W = image_size.

    A one-hot at the unit carried down through a network in which every path is open:
    3x3 filters of ones (a zero weight would cut a path), every relu passing, and every
    pooling window sending its gradient to all four inputs (any of them could be the
    maximum; average pooling's backward does exactly that). The pixels it reaches form a
    square of side :func:`receptive_field_size`, cut off at the image's border.
    """
    k = _layer(layer)
    i, j = _v.integer("i", i), _v.integer("j", j)
    image_size = _v.integer("image_size", image_size, 4, MAX_IMAGE_SIZE)
    ones = np.ones((1, 1, 3, 3))
    h = np.zeros((1, 1, image_size, image_size))
    caches = []
    for name, _, _ in LAYERS[:k + 1]:                        # forward, to get the caches
        if name.startswith("conv"):
            h, cache = _conv.conv2d_forward(h, ones, padding=1)
        else:
            h, cache = _layers.avgpool2d_forward(h, 2, 2)
        caches.append((name, cache))
    try:
        _unit("i", i, h.shape[2], layer, "rows")
        _unit("j", j, h.shape[3], layer, "columns")
    except ValueError as error:
        raise ValueError(f"unit (i, j) = {(i, j)} lies outside {layer}'s maps of shape "
                         f"(H, W) = {h.shape[2:]}: {error}") from None
    grad = np.zeros_like(h)
    grad[0, 0, i, j] = 1
    for name, cache in reversed(caches):
        if name.startswith("conv"):
            grad = _conv.conv2d_backward(grad, cache)[0]
        else:
            grad = _layers.avgpool2d_backward(grad, cache)
    return grad[0, 0] > 0


def receptive_field_size(layer):
    """The side r of a unit's receptive field, by the formula (no border):

        r_0 = 1, j_0 = 1;   for each layer (kernel k, stride s):
        r <- r + (k - 1) * j,   j <- j * s

    (j: how many input pixels one step in the layer's map moves). conv1 3, pool1 4,
    conv2 8, pool2 10.
    """
    k = _layer(layer)
    r, jump = 1, 1
    for _, kernel, stride in LAYERS[:k + 1]:
        r, jump = r + (kernel - 1) * jump, jump * stride
    return r


# ---------------------------------------------------------------- fooling the network

def _eps(name, eps):
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {_v._shown(eps)}")
    eps = float(eps)
    if not (eps >= 0 and np.isfinite(eps)):
        raise ValueError(f"{name} must be a number >= 0, got {eps}")
    return eps


def _eps_list(name, values, increasing=False):
    """A 1-D sequence of finite numbers >= 0 (strictly increasing if asked) -> float64."""
    values = as_array(name, values, 1, "(E,)")
    if values.dtype.kind == "b" or values.size == 0:
        raise TypeError(f"{name} must be a non-empty 1-D sequence of numbers >= 0, "
                        f"got {_v._shown(values)}")
    values = _v.finite(name, values.astype(np.float64))
    if values.min() < 0:
        raise ValueError(f"{name} must hold numbers >= 0, got {values.min():g}")
    if increasing and np.any(np.diff(values) <= 0):
        k = int(np.flatnonzero(np.diff(values) <= 0)[0])
        raise ValueError(f"{name} must be an increasing 1-D sequence of numbers >= 0, got "
                         f"{values[k]:g} followed by {values[k + 1]:g}")
    return values


def fgsm(params, x, y, eps):
    """The fast gradient sign method (Goodfellow et al. 2015): one step of size eps on
    every pixel, in the direction that increases the loss.

    x (N, 1, H, W) in [0, 1], y (N,) true labels, eps >= 0 ->
        x' = clip(x + eps * sign(dE/dx), 0, 1)     (N, 1, H, W)
    with E the cross-entropy of each image (:func:`input_gradient`, of="loss").
    Every pixel moves by at most eps.
    """
    eps = _eps("eps", eps)
    x = _images(_params(params), x, unit_range=True)
    y = _v.labels("y", y, len(x), params["W3"].shape[1])
    direction = np.sign(input_gradient(params, x, y, of="loss"))
    return np.clip(x + eps * direction, 0, 1)


def _predict(params, x):
    """Predicted classes (N,): ``train.predict`` (the fast path for float32, the same
    numbers up to rounding as the readable kernels)."""
    return _train.predict(_nets.IMPROVED_CNN, params, x, dtype=params["w1"].dtype)


def fgsm_accuracy(params, x, y, eps_values):
    """Accuracy on (x, y) after an FGSM step of each size: (len(eps_values),).

    The direction sign(dE/dx) does not depend on eps: it is computed once, then
    x' = clip(x + eps * direction, 0, 1) is classified for every eps.
    """
    x = _images(_params(params), x, unit_range=True)
    y = _v.labels("y", y, len(x), params["W3"].shape[1])
    eps_values = _eps_list("eps_values", eps_values)
    direction = np.sign(input_gradient(params, x, y, of="loss"))
    return np.array([np.mean(_predict(params, np.clip(x + e * direction, 0, 1)) == y)
                     for e in eps_values])


def smallest_flipping_eps(params, x, y, eps_grid):
    """For each image, the smallest eps of ``eps_grid`` (increasing) whose FGSM step
    changes the network's prediction for it: (N,) float64, nan where none does.

    The direction is that of :func:`fgsm` (computed once, at x).
    """
    x = _images(_params(params), x, unit_range=True)
    eps_grid = _eps_list("eps_grid", eps_grid, increasing=True)
    y = _v.labels("y", y, len(x), params["W3"].shape[1])
    direction = np.sign(input_gradient(params, x, y, of="loss"))
    before = _predict(params, x)
    found = np.full(len(x), np.nan)
    for eps in eps_grid:
        open_ = np.isnan(found)
        if not open_.any():
            break
        after = _predict(params, np.clip(x[open_] + eps * direction[open_], 0, 1))
        idx = np.flatnonzero(open_)[after != before[open_]]
        found[idx] = eps
    return found


# ---------------------------------------------------------------- class visualisation

def class_images(params, classes=range(10), *, steps=200, lr=0.1, l2=0.01, image_size=28):
    """What each class looks like to the network: gradient ascent on the image.

    Starting from a blank (all-zero) image, for every class c in ``classes``:

        x <- clip(x + lr * (dz_c/dx - 2 * l2 * x), 0, 1)      ``steps`` times

    i.e. gradient ascent on z_c(x) - l2 ||x||^2 (the score, minus a small penalty that
    keeps pixels off unless they help), kept inside the pixels' range [0, 1].
    -> (K, H, W), K = len(classes), in the parameters' dtype.
    The ascent can start only if the blank image's gradient is not 0, i.e. some
    first-layer relu is open on it (a bias b1 > 0), as after training.
    """
    _params(params)
    steps = positive_int("steps", steps)
    num_classes = params["W3"].shape[1]
    if not isinstance(classes, (np.ndarray, str)) and hasattr(classes, "__iter__"):
        classes = list(classes)                               # a range, a tuple, a generator
        classes = np.array(classes) if classes else np.zeros(0, np.int64)
    if np.ndim(classes) != 1 or np.size(classes) == 0:
        raise ValueError(f"classes must be a non-empty sequence of classes in [0, {num_classes}), "
                         f"got {_v._shown(classes)}")
    classes = [int(c) for c in _v.labels("classes", classes)]
    if max(classes) >= num_classes:
        raise ValueError(f"classes must lie in [0, {num_classes}), got {classes}")
    lr, l2 = _eps("lr", lr), _eps("l2", l2)
    image_size = _v.integer("image_size", image_size, 4, MAX_IMAGE_SIZE)
    features = params["w2"].shape[0] * (image_size // 4) ** 2
    if features != params["W3"].shape[0] or params["w1"].shape[1] != 1:
        raise ValueError(f"image_size must give the {params['W3'].shape[0]} features the dense "
                         f"layer reads (C2 * (image_size // 4)^2, one input channel), got "
                         f"{image_size} ({features} features)")
    dtype = params["w1"].dtype
    x = np.zeros((len(classes), 1, image_size, image_size), dtype=dtype)
    target = np.array(classes)
    for _ in range(steps):
        g = input_gradient(params, x, target, of="score")
        x = np.clip(x + lr * (g - 2 * l2 * x), 0, 1).astype(dtype, copy=False)
    return x[:, 0]
