"""Two networks built from the course's kernels: the article's and an improved CNN.

Both are stateless. Parameters are a plain dict of arrays; the forward pass
returns the logits and a cache, the backward pass turns dE/dlogits into a dict
of gradients with the same keys (and shapes) as the parameters. Updating the
parameters is the optimizer's job (``helpers.train``).

    params = init_article_net(seed=0)               # or init_improved_cnn(seed=0)
    z, cache = article_forward(params, x)           # x (N, 1, 28, 28) -> logits (N, M)
    grads = article_backward(dz, cache)             # dict, same keys as params

A :class:`Network` bundles a forward and a backward, so the training loop can
take either network: ``ARTICLE_NET`` and ``IMPROVED_CNN``. ``IMPROVED_CNN`` also
carries a fast path (``helpers.fast``: the same function computed with other
memory layouts and both cores), which ``helpers.train`` uses by default.

(a) The article's network (notebook 06; ten outputs in notebook 07)::

    x (N, 1, 28, 28)
      -> conv, F filters 5x5, no padding      z1 (N, F, 24, 24)    w1 (F, 1, 5, 5), b1 (F,)
      -> sigmoid                              a1 (N, F, 24, 24)
      -> flatten, C order                     a1f (N, F*24*24)     feature d = f*576 + i*24 + j
      -> dense                                z2 (N, M)            W2 (F*576, M), b2 (M,)

    The logits z2 are returned; the loss adds the output activation: a sigmoid
    for M = 1 (the article's O = sigmoid(Z2) with E = (y' - O)^2 / 2), a softmax
    for M = K classes. Biases are optional (the article has none).

(b) The improved CNN (aims at >= 99% test accuracy on full MNIST)::

    x (N, 1, 28, 28)
      -> conv 3x3, padding 1, C1 filters -> relu -> maxpool 2    (N, C1, 14, 14)   w1, b1
      -> conv 3x3, padding 1, C2 filters -> relu -> maxpool 2    (N, C2, 7, 7)     w2, b2
      -> flatten (C order) -> dense to K                         (N, K)            W3, b3

Every function computes in the parameters' dtype (float32 by default).
"""

from typing import Callable, NamedTuple

import numpy as np

from . import conv as _conv
from . import fast as _fast
from . import layers as _layers
from . import _validate as _v
from ._validate import as_array, positive_int

__all__ = [
    "Network", "FastPath", "ARTICLE_NET", "IMPROVED_CNN",
    "prepare_images",
    "ACTIVATIONS", "init_article_net", "article_forward", "article_backward", "article_feature_maps",
    "init_improved_cnn", "cnn_forward", "cnn_backward", "cnn_feature_maps",
    "count_params", "copy_params",
]


class FastPath(NamedTuple):
    """A faster computation of a network's forward and backward (``helpers.fast``).

    supported(params, x) -> bool: whether it handles these parameters and images
    logits(params, x) -> logits (N, M)
    loss_and_grads(params, x, y, loss_grad) -> (loss, logits (N, M), grads), where
        loss_grad(z, y) -> (mean loss over the rows of z, dE/dz)
    """

    supported: Callable
    logits: Callable
    loss_and_grads: Callable


class Network(NamedTuple):
    """A forward and a backward that belong together.

    forward(params, x) -> (logits (N, M), cache)
    backward(dlogits (N, M), cache) -> grads (dict, the keys and shapes of params)
    fast: a :class:`FastPath` computing the same numbers (up to float rounding), or None
    """

    name: str
    forward: Callable
    backward: Callable
    fast: FastPath = None


# ---------------------------------------------------------------- inputs

def prepare_images(x, dtype=np.float32):
    """Images as the networks take them: (N, 1, H, W) in ``dtype``.

    x: (N, H, W) or (N, 1, H, W). uint8 pixels 0..255 are scaled to [0, 1];
    floats are only cast (assumed already scaled). Used per mini-batch, so a
    whole data set is never converted to float at once.
    """
    dtype = _v.float_type("dtype", dtype)
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[:, None, :, :]
    elif x.ndim != 4:
        raise ValueError(f"x must have shape (N, H, W) or (N, 1, H, W), got {x.shape}")
    if x.dtype == np.uint8:
        out = x.astype(dtype)
        out /= 255                     # in place: stays in dtype
        return out
    if x.dtype.kind not in "biuf":
        raise TypeError(f"x must be numeric images, got dtype {x.dtype}")
    return x.astype(dtype, copy=False)


def count_params(params):
    """Total number of numbers in a parameter dict."""
    _v.param_dict("params", params)
    return int(sum(np.size(v) for v in params.values()))


def copy_params(params):
    """A deep copy of a parameter dict (e.g. a checkpoint that later steps cannot change)."""
    _v.param_dict("params", params)
    return {k: np.array(v, copy=True) for k, v in params.items()}


# ---------------------------------------------------------------- (a) the article's network

def init_article_net(num_outputs=1, *, num_filters=3, kernel_size=5, image_size=28,
                     init="uniform", bias=False, seed=0, dtype=np.float32):
    """Parameters of the article's network.

    num_outputs: M, 1 for the binary task (sigmoid output) or K = 10 classes.
    init: "uniform": every weight drawn uniformly from [0, 1), as the article does
              (all positive: z2 starts far in the sigmoid's flat tail);
          "scaled": uniform in [-l, l] with l = sqrt(6 / (fan_in + fan_out))
              (Glorot), so every layer starts in the sigmoid's useful range.
    bias: add biases b1 (F,) and b2 (M,), initialized to 0 (the article has none).
    seed: for ``np.random.default_rng``; the filters are drawn before W2.

    Returns {"w1": (F, 1, k, k), "W2": (F*n*n, M)} plus "b1": (F,), "b2": (M,)
    if bias, with n = image_size - kernel_size + 1 (24 for MNIST).
    """
    num_outputs = positive_int("num_outputs", num_outputs)
    num_filters = positive_int("num_filters", num_filters)
    kernel_size = positive_int("kernel_size", kernel_size)
    image_size = positive_int("image_size", image_size)
    _v.one_of("init", init, ("uniform", "scaled"))
    bias = _v.flag("bias", bias)
    seed = _v.seed("seed", seed)
    dtype = _v.float_type("dtype", dtype)
    n = _conv.conv_output_size(image_size, kernel_size)
    features = num_filters * n * n
    rng = np.random.default_rng(seed)
    shape_w1 = (num_filters, 1, kernel_size, kernel_size)
    shape_W2 = (features, num_outputs)
    if init == "uniform":
        w1 = rng.uniform(size=shape_w1)
        W2 = rng.uniform(size=shape_W2)
    elif init == "scaled":
        fan_in1, fan_out1 = kernel_size * kernel_size, num_filters * kernel_size * kernel_size
        l1 = np.sqrt(6 / (fan_in1 + fan_out1))
        l2 = np.sqrt(6 / (features + num_outputs))
        w1 = rng.uniform(-l1, l1, size=shape_w1)
        W2 = rng.uniform(-l2, l2, size=shape_W2)
    else:
        raise ValueError(f"init must be 'uniform' (the article's) or 'scaled', got {init!r}")
    params = {"w1": w1.astype(dtype), "W2": W2.astype(dtype)}
    if bias:
        params["b1"] = np.zeros(num_filters, dtype=dtype)
        params["b2"] = np.zeros(num_outputs, dtype=dtype)
    return params


ACTIVATIONS = ("sigmoid", "relu")


def article_forward(params, x, *, activation="sigmoid"):
    """Forward pass of the article's network.

    params: {"w1": (F, 1, k, k), "W2": (F*n*n, M)} and optionally "b1" (F,), "b2" (M,)
    x: (N, 1, 28, 28) (see :func:`prepare_images`)
    activation: after the convolution, "sigmoid" (the article's) or "relu"
        (notebook 10's lab compares them)
    -> z2 (N, M) logits, cache

        z1 = x * w1 + b1       (N, F, n, n)    cross-correlation, no padding
        a1 = sigmoid(z1)       (N, F, n, n)    (or relu(z1))
        a1f = a1.reshape(N, -1)  (N, F*n*n)    C order: filter-major
        z2 = a1f @ W2 + b2     (N, M)
    """
    _v.param_dict("params", params, ("w1", "W2"), ("b1", "b2"))
    x = as_array("x", x, 4, "(N, 1, H, W)")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    z1, conv_cache = _conv.conv2d_forward(x, params["w1"], params.get("b1"))
    a1 = _layers.sigmoid(z1) if activation == "sigmoid" else _layers.relu(z1)
    a1f = a1.reshape(a1.shape[0], -1)
    z2, dense_cache = _layers.dense_forward(a1f, params["W2"], params.get("b2"))
    return z2, (conv_cache, z1, a1, dense_cache, activation)


def article_backward(dz2, cache):
    """Backward pass of the article's network.

    dz2 (N, M) = dE/dz2 -> grads {"w1": (F, 1, k, k), "W2": (D, M)} (+ "b1", "b2")

        dW2 = a1f^T dz2,  db2 = sum_n dz2,  da1f = dz2 W2^T
        dz1 = da1 * a1 * (1 - a1)            (da1 = da1f reshaped to (N, F, n, n);
                                              relu: da1 where z1 > 0, else 0)
        dw1[f] = sum_n x_n * dz1[n, f]       (the input correlated with dz1)
    """
    _check_cache(cache, 5, "article_forward")
    conv_cache, z1, a1, dense_cache, activation = cache
    _check_rows("dz2", dz2, len(a1), "(N, M)")
    da1f, dW2, db2 = _layers.dense_backward(dz2, dense_cache)
    da1 = da1f.reshape(a1.shape)
    if activation == "sigmoid":
        dz1 = _layers.sigmoid_backward(da1, a1)
    else:
        dz1 = _layers.relu_backward(da1, z1)
    # The input is data, not a parameter: skip dx (half of the conv backward).
    _, dw1, db1 = _conv.conv2d_backward(dz1, conv_cache, compute_dx=False)
    grads = {"w1": dw1, "W2": dW2}
    if db1 is not None:
        grads["b1"] = db1
    if db2 is not None:
        grads["b2"] = db2
    return grads


def article_feature_maps(params, x):
    """The activations a learner looks at: {"z1": (N, F, n, n), "a1": (N, F, n, n), "z2": (N, M)}."""
    z2, (_, z1, a1, _, _) = article_forward(params, x)
    return {"z1": z1, "a1": a1, "z2": z2}


# ---------------------------------------------------------------- (b) the improved CNN

def init_improved_cnn(num_classes=10, *, channels=(16, 32), image_size=28, in_channels=1,
                      seed=0, dtype=np.float32):
    """Parameters of the improved CNN, He-initialized (right for ReLU).

    channels: (C1, C2), the filters of the two conv stages.
    He init: w ~ Normal(0, 2 / fan_in), fan_in = C_in * 3 * 3 for a conv and D for
    the dense layer; biases 0.

    Returns {"w1": (C1, 1, 3, 3), "b1": (C1,), "w2": (C2, C1, 3, 3), "b2": (C2,),
             "W3": (C2 * 7 * 7, K), "b3": (K,)}   (7 = 28 // 2 // 2)
    """
    if isinstance(channels, (str, bytes)) or not np.iterable(channels) or len(channels) != 2:
        raise ValueError(f"channels must be a pair (C1, C2), got {_v._shown(channels)}")
    c1, c2 = (positive_int("channels[0]", channels[0]), positive_int("channels[1]", channels[1]))
    num_classes = positive_int("num_classes", num_classes)
    image_size = positive_int("image_size", image_size, 4)     # two 2x2 pools leave >= 1 pixel
    in_channels = positive_int("in_channels", in_channels)
    seed = _v.seed("seed", seed)
    dtype = _v.float_type("dtype", dtype)
    side = image_size // 2 // 2
    rng = np.random.default_rng(seed)

    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)

    return {
        "w1": he((c1, in_channels, 3, 3), in_channels * 9), "b1": np.zeros(c1, dtype),
        "w2": he((c2, c1, 3, 3), c1 * 9), "b2": np.zeros(c2, dtype),
        "W3": he((c2 * side * side, num_classes), c2 * side * side),
        "b3": np.zeros(num_classes, dtype),
    }


_CNN_KEYS = ("w1", "b1", "w2", "b2", "W3", "b3")


def _check_cache(cache, length, forward):
    if not isinstance(cache, tuple) or len(cache) != length:
        raise TypeError(f"cache must be the cache that {forward} returned, got "
                        f"{_v._shown(cache)}")


def _check_rows(name, dout, n, expected):
    """The upstream gradient of a network: 2-D, one row per image of the forward pass."""
    dout = as_array(name, dout, 2, expected)
    if dout.shape[0] != n:
        raise ValueError(f"{name} must have shape {expected} with N = {n} (the forward's "
                         f"images), got {dout.shape}")
    return dout


def _conv_relu_pool(x, w, b):
    """conv 3x3 (padding 1) -> relu -> 2x2 max pool; returns p and the cache."""
    z, conv_cache = _conv.conv2d_forward(x, w, b, padding=1)
    a = _layers.relu(z)
    p, pool_cache = _layers.maxpool2d_forward(a, 2, 2)
    return p, (conv_cache, z, p, pool_cache)


def _conv_relu_pool_backward(dp, cache, compute_dx=True):
    """Back through pool, relu and conv.

    The relu gate is applied to the pooled gradient, before the pool's backward:
    the pool sends dp[window] to the window's maximum only, and relu lets it
    through iff z > 0 there, i.e. iff the pooled value p > 0. So
    relu_backward(maxpool_backward(dp), z) == maxpool_backward(dp * (p > 0)),
    on a quarter of the numbers (tested against JAX in tests/test_nets.py).
    """
    conv_cache, _, p, pool_cache = cache
    dz = _layers.maxpool2d_backward(dp * (p > 0), pool_cache)
    return _conv.conv2d_backward(dz, conv_cache, compute_dx=compute_dx)


def cnn_forward(params, x):
    """Forward pass of the improved CNN.

    params: see :func:`init_improved_cnn`; x (N, 1, 28, 28) -> z3 (N, K) logits, cache

        p1 = maxpool(relu(x * w1 + b1))     (N, C1, 14, 14)   3x3 conv, padding 1
        p2 = maxpool(relu(p1 * w2 + b2))    (N, C2, 7, 7)
        z3 = p2.reshape(N, -1) @ W3 + b3    (N, K)
    """
    _v.param_dict("params", params, _CNN_KEYS)
    x = as_array("x", x, 4, "(N, C, H, W)")
    p1, cache1 = _conv_relu_pool(x, params["w1"], params["b1"])
    p2, cache2 = _conv_relu_pool(p1, params["w2"], params["b2"])
    z3, cache3 = _layers.dense_forward(p2.reshape(p2.shape[0], -1), params["W3"], params["b3"])
    return z3, (cache1, cache2, cache3, p2.shape)


def cnn_backward(dz3, cache, *, return_dx=False):
    """Backward pass of the improved CNN.

    dz3 (N, K) = dE/dz3 -> grads with the keys and shapes of the parameters:
    dW3 = p2f^T dz3, then back through each stage: max-pool sends each window's
    gradient to its maximum, relu keeps it where z > 0, the conv backward gives
    dw, db and the gradient for the stage below.
    return_dx: also carry the gradient down to the image (training skips it: x is
        data) and return (grads, dx) with dx (N, C, H, W) = dE/dx (notebook 11).
    """
    _check_cache(cache, 4, "cnn_forward")
    cache1, cache2, cache3, p2_shape = cache
    _check_rows("dz3", dz3, p2_shape[0], "(N, K)")
    return_dx = _v.flag("return_dx", return_dx)
    dp2f, dW3, db3 = _layers.dense_backward(dz3, cache3)
    dp1, dw2, db2 = _conv_relu_pool_backward(dp2f.reshape(p2_shape), cache2)
    dx, dw1, db1 = _conv_relu_pool_backward(dp1, cache1, compute_dx=return_dx)
    grads = {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2, "W3": dW3, "b3": db3}
    return (grads, dx) if return_dx else grads


def cnn_feature_maps(params, x):
    """Intermediate maps for display: {"z1", "p1", "z2", "p2", "z3"} (see :func:`cnn_forward`)."""
    _v.param_dict("params", params, _CNN_KEYS)
    x = as_array("x", x, 4, "(N, C, H, W)")
    p1, (_, z1, _, _) = _conv_relu_pool(x, params["w1"], params["b1"])
    p2, (_, z2, _, _) = _conv_relu_pool(p1, params["w2"], params["b2"])
    z3, _ = _layers.dense_forward(p2.reshape(p2.shape[0], -1), params["W3"], params["b3"])
    return {"z1": z1, "p1": p1, "z2": z2, "p2": p2, "z3": z3}


ARTICLE_NET = Network("article", article_forward, article_backward)
IMPROVED_CNN = Network("improved_cnn", cnn_forward, cnn_backward,
                       FastPath(_fast.cnn_supported, _fast.cnn_logits, _fast.cnn_loss_and_grads))
