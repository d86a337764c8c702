"""The course's two networks in Keras (JAX backend), with helpers' weights copied in.

Notebook 13 uses this module to show that a framework computes the same numbers as
our NumPy kernels, once the weights are laid out the framework's way:

    model = article_model(params)                   # or cnn_model(params)
    z, value, grads = keras_loss_and_grads(model, x, y)       # grads in OUR layout
    z0, value0, grads0 = numpy_loss_and_grads("article", params, x, y)

Two layout differences, both pure re-indexing (no number changes):

conv filters
    helpers: w (F, C, KH, KW)          Keras Conv2D kernel: (KH, KW, C, F)
    -> ``conv_kernel_to_keras(w) = w.transpose(2, 3, 1, 0)``; a plain reshape to
    (KH, KW, C, F) has the right shape and the wrong numbers.
the flatten before the dense layer
    helpers flattens a map (N, F, H, W) in C order: feature d = f*H*W + i*W + j.
    Keras' default, ``data_format="channels_last"``, holds maps as (N, H, W, F) and
    its Flatten gives feature r = (i*W + j)*F + f. The dense weights' rows must be
    permuted to match: ``W_keras = W[flatten_permutation(F, H, W)]``.
    With ``data_format="channels_first"`` the maps are (N, F, H, W) like ours and
    no permutation is needed, as long as Flatten keeps its default: a Flatten
    built with ``data_format="channels_first"`` transposes to (N, H, W, F) first.

Only the model-building and gradient functions import Keras/JAX, lazily, after
setting ``KERAS_BACKEND=jax`` (and CPU, quiet XLA) unless already set; the
layout functions are NumPy only.

Shapes: images x (N, 1, 28, 28) float as ``helpers.nets.prepare_images`` gives them
(uint8 (N, 28, 28) is accepted and converted); labels y (N,) integers.
"""

import os
import time
from dataclasses import dataclass, field

import numpy as np

from . import _validate as _v
from . import nets as _nets
from . import train as _train

__all__ = [
    "KINDS", "DATA_FORMATS", "KERAS_NAMES",
    "conv_kernel_to_keras", "conv_kernel_from_keras",
    "flatten_permutation", "dense_rows_to_keras", "dense_rows_from_keras",
    "images_to_keras", "flatten_grid",
    "params_to_keras", "params_from_keras",
    "import_keras", "article_model", "cnn_model", "build_model", "model_params",
    "numpy_loss_and_grads", "keras_loss_and_grads", "scaled_error",
    "compile_like_helpers", "KerasHistory", "keras_fit_same_batches", "keras_predict",
]

KINDS = ("article", "cnn")
DATA_FORMATS = ("channels_last", "channels_first")

# Our parameter key -> (Keras layer name, variable name).
KERAS_NAMES = {
    "article": {"w1": ("conv1", "kernel"), "b1": ("conv1", "bias"),
                "W2": ("dense2", "kernel"), "b2": ("dense2", "bias")},
    "cnn": {"w1": ("conv1", "kernel"), "b1": ("conv1", "bias"),
            "w2": ("conv2", "kernel"), "b2": ("conv2", "bias"),
            "W3": ("dense3", "kernel"), "b3": ("dense3", "bias")},
}

# ---------------------------------------------------------------- layouts (NumPy only)

def _check_format(data_format):
    return _v.one_of("data_format", data_format, DATA_FORMATS)


def _check_kind(kind):
    return _v.one_of("kind", kind, KINDS)


def _check_params(kind, params, name="params"):
    """Our parameter dict for ``kind``: the keys of KERAS_NAMES[kind] (article: biases optional)."""
    keys = ("w1", "W2") if kind == "article" else tuple(KERAS_NAMES["cnn"])
    optional = ("b1", "b2") if kind == "article" else ()
    return _v.param_dict(name, params, keys, optional)


def _check_dtype_name(dtype):
    if not isinstance(dtype, str) or dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {_v._shown(dtype)}")
    return dtype


def _check_grid(grid):
    if isinstance(grid, (str, bytes)) or not np.iterable(grid) or len(grid) != 3:
        raise ValueError(f"grid must be (F, H, W), three positive integers, got {_v._shown(grid)}")
    return tuple(_v.integer(f"grid[{i}]", g, 1) for i, g in enumerate(grid))


def _check_model(model):
    if not hasattr(model, "get_layer") or not hasattr(model, "name"):
        raise TypeError(f"model must be a Keras model (build_model(...)), got {_v._shown(model)}")
    return model


def conv_kernel_to_keras(w):
    """Our filters w (F, C, KH, KW) -> a Keras Conv2D kernel (KH, KW, C, F).

    kernel[a, b, c, f] = w[f, c, a, b]: axes move, every number keeps its role.
    """
    w = _v.as_array("w", w, 4, "(F, C, KH, KW)")
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0))


def conv_kernel_from_keras(kernel):
    """A Keras Conv2D kernel (KH, KW, C, F) -> our filters (F, C, KH, KW)."""
    kernel = _v.as_array("kernel", kernel, 4, "(KH, KW, C, F)")
    return np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))


def flatten_permutation(channels, height, width):
    """perm (F*H*W,) int: Keras' channels_last feature r is our feature perm[r].

    Ours: d = f*H*W + i*W + j (C order over (F, H, W)).
    Keras channels_last: r = (i*W + j)*F + f (C order over (H, W, F)).
    So a_keras_flat = a_flat[:, perm] and, for the same z = a @ W,
    W_keras = W[perm] (the rows follow the features).
    """
    channels, height, width = (_v.integer("channels", channels, 1),
                               _v.integer("height", height, 1), _v.integer("width", width, 1))
    return np.arange(channels * height * width).reshape(channels, height, width) \
        .transpose(1, 2, 0).reshape(-1)


def dense_rows_to_keras(W, grid, data_format="channels_last"):
    """Dense weights W (F*H*W, M) after our flatten -> Keras' Dense kernel.

    grid: (F, H, W), the shape of one flattened map. channels_first needs no change.
    """
    _check_format(data_format)
    grid = _check_grid(grid)
    W = _v.as_array("W", W, 2, "(F*H*W, M)")
    if W.ndim != 2 or W.shape[0] != int(np.prod(grid)):
        raise ValueError(f"W must have shape ({int(np.prod(grid))}, M) for a map of shape "
                         f"{tuple(grid)}, got {W.shape}")
    if data_format == "channels_first":
        return W.copy()
    return W[flatten_permutation(*grid)]


def dense_rows_from_keras(W_keras, grid, data_format="channels_last"):
    """Inverse of :func:`dense_rows_to_keras`: W[perm] = W_keras."""
    _check_format(data_format)
    grid = _check_grid(grid)
    W_keras = _v.as_array("W_keras", W_keras, 2, "(F*H*W, M)")
    if W_keras.shape[0] != int(np.prod(grid)):
        raise ValueError(f"W_keras must have shape ({int(np.prod(grid))}, M) for a map of shape "
                         f"{grid}, got {W_keras.shape}")
    if data_format == "channels_first":
        return W_keras.copy()
    W = np.empty_like(W_keras)
    W[flatten_permutation(*grid)] = W_keras
    return W


def images_to_keras(x, data_format="channels_last", dtype=np.float32):
    """Images as Keras takes them: float (N, H, W, C) (channels_last) or (N, C, H, W).

    x: uint8 (N, H, W) or float (N, C, H, W), see ``helpers.nets.prepare_images``.
    """
    _check_format(data_format)
    x = _nets.prepare_images(x, dtype)
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if data_format == "channels_last" else x


def flatten_grid(kind, params, image_size=28):
    """(F, H, W) of the map the dense layer reads, from the parameters' shapes."""
    _check_kind(kind)
    image_size = _v.integer("image_size", image_size, 1)
    for key in ("w1",) if kind == "article" else ("w1", "w2"):
        if not isinstance(params, dict) or key not in params or np.ndim(params[key]) != 4:
            raise ValueError(f"params must hold {key!r}, filters of shape (F, C, KH, KW), "
                             f"for the {kind} network, got {_v._shown(params)}")
    if kind == "article":
        side = image_size - np.shape(params["w1"])[2] + 1
        if side < 1:
            raise ValueError(f"image_size must be at least the filter size "
                             f"{np.shape(params['w1'])[2]}, got {image_size}")
        return (np.shape(params["w1"])[0], side, side)
    side = image_size // 2 // 2
    if side < 1:
        raise ValueError(f"image_size must be >= 4 for two 2x2 poolings, got {image_size}")
    return (params["w2"].shape[0], side, side)


def _dense_key(kind):
    return "W2" if kind == "article" else "W3"


def params_to_keras(kind, params, data_format="channels_last", image_size=28):
    """Our parameter dict -> the same keys holding arrays in Keras' layouts."""
    _check_kind(kind)
    _check_format(data_format)
    _v.param_dict("params", params)
    grid = flatten_grid(kind, params, image_size)
    out = {}
    for key, value in params.items():
        if key not in KERAS_NAMES[kind]:
            raise ValueError(f"unknown parameter {key!r} for the {kind} network")
        if key.startswith("w"):
            out[key] = conv_kernel_to_keras(value)
        elif key == _dense_key(kind):
            out[key] = dense_rows_to_keras(value, grid, data_format)
        else:
            out[key] = np.array(value, copy=True)
    return out


def params_from_keras(kind, keras_params, data_format="channels_last", image_size=28):
    """Arrays in Keras' layouts (keyed like ours) -> our layouts (inverse of params_to_keras)."""
    _check_kind(kind)
    _check_format(data_format)
    _v.param_dict("keras_params", keras_params)
    unknown = [key for key in keras_params if key not in KERAS_NAMES[kind]]
    if unknown or _dense_key(kind) not in keras_params:
        raise ValueError(f"keras_params must have keys among {list(KERAS_NAMES[kind])}, with "
                         f"{_dense_key(kind)!r}, got {list(keras_params)}")
    out = {}
    for key, value in keras_params.items():
        if key.startswith("w"):
            out[key] = conv_kernel_from_keras(value)
        else:
            out[key] = np.array(value, copy=True)
    # The grid needs our w's shapes, so the dense rows come last.
    grid = flatten_grid(kind, out, image_size)
    dense = _dense_key(kind)
    out[dense] = dense_rows_from_keras(keras_params[dense], grid, data_format)
    return out


# ---------------------------------------------------------------- Keras models

def import_keras():
    """Import Keras on the JAX backend, on the CPU, with XLA's logging quiet."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if keras.backend.backend() != "jax":
        raise RuntimeError(f"helpers.keras_bridge needs KERAS_BACKEND=jax, Keras is using "
                           f"{keras.backend.backend()!r} (set it before the first import of keras)")
    return keras


def _set_weights(model, kind, params, data_format, image_size):
    keras_params = params_to_keras(kind, params, data_format, image_size)
    for key, (layer, variable) in KERAS_NAMES[kind].items():
        target = getattr(model.get_layer(layer), variable, None)
        if key in keras_params:
            if target is None:
                raise ValueError(f"the Keras model has no {layer}/{variable} for {key!r}")
            if tuple(target.shape) != keras_params[key].shape:
                raise ValueError(f"{key}: Keras expects {tuple(target.shape)}, "
                                 f"got {keras_params[key].shape}")
            target.assign(keras_params[key])
        elif target is not None:
            raise ValueError(f"the Keras model has {layer}/{variable} but params has no {key!r}")


def _input_shape(data_format, image_size, in_channels=1):
    if data_format == "channels_last":
        return (image_size, image_size, in_channels)
    return (in_channels, image_size, image_size)


def article_model(params, data_format="channels_last", image_size=28, dtype="float32"):
    """The article's network in Keras, holding ``params`` (see helpers.nets.init_article_net).

    Input -> Conv2D(F, k, sigmoid) -> Flatten -> Dense(M): logits, like article_forward.
    Biases are used only if params has "b1"/"b2". dtype: the layers' variables and
    computations ("float64" needs JAX's x64 mode, e.g. ``with jax.enable_x64(True):``).
    """
    _check_params("article", params)
    _check_format(data_format)
    flatten_grid("article", params, image_size)
    _check_dtype_name(dtype)
    keras = import_keras()
    num_filters, _, k, _ = params["w1"].shape
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(_input_shape(data_format, image_size), dtype=dtype, name="x"),
        layers.Conv2D(num_filters, k, activation="sigmoid", use_bias="b1" in params,
                      data_format=data_format, dtype=dtype, name="conv1"),
        layers.Flatten(dtype=dtype, name="flatten"),     # default: plain C-order reshape
        layers.Dense(params["W2"].shape[1], use_bias="b2" in params, dtype=dtype,
                     name="dense2"),
    ], name="article_net")
    _set_weights(model, "article", params, data_format, image_size)
    return model


def cnn_model(params, data_format="channels_last", image_size=28, dtype="float32"):
    """The improved CNN in Keras, holding ``params`` (see helpers.nets.init_improved_cnn).

    [Conv2D 3x3 same, relu -> MaxPooling2D 2] x 2 -> Flatten -> Dense(K): logits.
    dtype: as in :func:`article_model`.
    """
    _check_params("cnn", params)
    _check_format(data_format)
    flatten_grid("cnn", params, image_size)
    _check_dtype_name(dtype)
    keras = import_keras()
    layers = keras.layers
    c1, c2 = params["w1"].shape[0], params["w2"].shape[0]
    model = keras.Sequential([
        keras.Input(_input_shape(data_format, image_size, params["w1"].shape[1]), dtype=dtype,
                    name="x"),
        layers.Conv2D(c1, 3, padding="same", activation="relu", data_format=data_format,
                      dtype=dtype, name="conv1"),
        layers.MaxPooling2D(2, data_format=data_format, dtype=dtype, name="pool1"),
        layers.Conv2D(c2, 3, padding="same", activation="relu", data_format=data_format,
                      dtype=dtype, name="conv2"),
        layers.MaxPooling2D(2, data_format=data_format, dtype=dtype, name="pool2"),
        layers.Flatten(dtype=dtype, name="flatten"),
        layers.Dense(params["W3"].shape[1], dtype=dtype, name="dense3"),
    ], name="improved_cnn")
    _set_weights(model, "cnn", params, data_format, image_size)
    return model


def build_model(kind, params, data_format="channels_last", image_size=28, dtype="float32"):
    """article_model or cnn_model by name ("article" or "cnn")."""
    _check_kind(kind)
    builder = article_model if kind == "article" else cnn_model
    return builder(params, data_format, image_size, dtype)


def model_params(model, kind, data_format="channels_last", image_size=28):
    """The weights a Keras model holds now, as our parameter dict (our layouts)."""
    _check_model(model)
    _check_kind(kind)
    _check_format(data_format)
    _v.integer("image_size", image_size, 1)
    keras_params = {}
    for key, (layer, variable) in KERAS_NAMES[kind].items():
        target = getattr(model.get_layer(layer), variable, None)
        if target is not None:
            keras_params[key] = np.array(target.value)
    return params_from_keras(kind, keras_params, data_format, image_size)


# ---------------------------------------------------------------- forward and gradients

def _network(kind):
    _check_kind(kind)
    return _nets.ARTICLE_NET if kind == "article" else _nets.IMPROVED_CNN


def numpy_loss_and_grads(kind, params, x, y, loss="softmax_cross_entropy"):
    """helpers' forward, loss and backward: (z (N, M), loss value, grads dict)."""
    net = _network(kind)
    _check_params(kind, params)
    _v.one_of("loss", loss, _train.LOSSES)
    z, cache = net.forward(params, _nets.prepare_images(x, params["w1"].dtype))
    value, dz = _train.loss_and_grad(loss, z, y)
    return z, float(value), net.backward(dz, cache)


def _keras_loss(keras, loss, z, y):
    """Keras' per-image loss, averaged with jnp.mean (keras.ops.mean computes in
    float32 even for float64 inputs, which would blur the float64 comparison)."""
    import jax.numpy as jnp

    ops = keras.ops
    if loss == "softmax_cross_entropy":
        return jnp.mean(ops.sparse_categorical_crossentropy(y, z, from_logits=True))
    y = ops.reshape(ops.cast(y, z.dtype), (z.shape[0], -1))
    if loss == "binary_cross_entropy":      # one output: mean over images of the BCE
        return jnp.mean(ops.sum(ops.binary_crossentropy(y, z, from_logits=True), axis=1))
    if loss == "half_squared_error":        # the article's E = (y - o)^2 / 2, o = sigmoid(z)
        return jnp.mean(ops.sum((y - ops.sigmoid(z)) ** 2, axis=1) / 2)
    raise ValueError(f"loss must be one of {_train.LOSSES}, got {loss!r}")


def keras_loss_and_grads(model, x, y, loss="softmax_cross_entropy", kind=None,
                         data_format=None, image_size=28):
    """Keras' forward and loss, and jax.grad of them: (z (N, M), loss value, grads).

    The model is called statelessly (``model.stateless_call``) on the current values
    of its variables, so jax.grad differentiates a pure function of the weights.
    grads: keyed and laid out like our params (kind and data_format are read from the
    model when not given), so they compare entry by entry with helpers' backward.
    """
    _check_model(model)
    _v.one_of("loss", loss, _train.LOSSES)
    if kind is not None:
        _check_kind(kind)
    if data_format is not None:
        _check_format(data_format)
    _v.integer("image_size", image_size, 1)
    x = _v.as_array("x", x)
    if x.ndim not in (3, 4) or np.ndim(y) == 0 or len(y) != len(x):
        raise ValueError(f"x and y must have the same length (x of shape (N, H, W) or "
                         f"(N, C, H, W)), got x of shape {x.shape} and y of shape {np.shape(y)}")
    import jax

    keras = import_keras()
    kind = kind or ("article" if model.name == "article_net" else "cnn")
    data_format = data_format or model.get_layer("conv1").data_format
    xk = images_to_keras(x, data_format, model.get_layer("conv1").compute_dtype)
    y = np.asarray(y)
    trainable = [v.value for v in model.trainable_variables]
    frozen = [v.value for v in model.non_trainable_variables]

    def loss_of(weights):
        z, _ = model.stateless_call(weights, frozen, xk, training=True)
        return _keras_loss(keras, loss, z, y), z

    (value, z), grads = jax.value_and_grad(loss_of, has_aux=True)(trainable)
    by_variable = {id(v): np.asarray(g) for v, g in zip(model.trainable_variables, grads)}
    keras_grads = {}
    for key, (layer, variable) in KERAS_NAMES[kind].items():
        target = getattr(model.get_layer(layer), variable, None)
        if target is not None:
            keras_grads[key] = by_variable[id(target)]
    return (np.asarray(z), float(value),
            params_from_keras(kind, keras_grads, data_format, image_size))


def scaled_error(a, reference):
    """max |a - reference| / max |reference|: the largest difference, relative to the
    array's own scale (0 = identical).

    Unlike an entry-by-entry relative error it does not blow up on entries that are
    0 by nature (a dead ReLU's gradient), where float32 round-off alone would give
    any ratio at all.
    """
    a = _v.finite("a", _v.as_array("a", a)).astype(np.float64)
    reference = _v.finite("reference", _v.as_array("reference", reference)).astype(np.float64)
    if a.shape != reference.shape:
        raise ValueError(f"a and reference must have the same shape, got {a.shape} and "
                         f"{reference.shape}")
    scale = np.max(np.abs(reference)) if reference.size else 0.0
    diff = np.max(np.abs(a - reference)) if a.size else 0.0
    if scale == 0:
        return float(diff)
    return float(diff / scale)


# ---------------------------------------------------------------- training side by side

def compile_like_helpers(model, learning_rate=1e-3):
    """Compile with what ``train.fit(..., optimizer=train.adam(lr))`` uses: Adam with
    betas 0.9 / 0.999 and eps 1e-7, softmax cross-entropy on the logits, mean over
    the batch."""
    _check_model(model)
    _v.number("learning_rate", learning_rate, above=0)
    keras = import_keras()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.9, beta_2=0.999,
                                                  epsilon=1e-7),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@dataclass
class KerasHistory:
    """Per step of :func:`keras_fit_same_batches`: loss and wall-clock seconds;
    checkpoints: {step: params in our layout} at the requested steps (0 = initial).

    step_seconds[0] includes XLA's compilation of the training step (the first
    call traces and compiles; the later ones reuse the compiled program).
    """

    loss: list = field(default_factory=list)
    step_seconds: list = field(default_factory=list)
    checkpoints: dict = field(default_factory=dict)

    @property
    def seconds(self):
        return float(sum(self.step_seconds))

    @property
    def compile_seconds(self):
        """The first step's excess over the median step: about the compilation time."""
        if not self.step_seconds:
            return 0.0
        return float(self.step_seconds[0] - np.median(self.step_seconds[1:] or [0.0]))


def keras_fit_same_batches(model, x, y, *, batch_size=64, epochs=1, max_steps=None, seed=0,
                           data_format=None, checkpoint_steps=(), kind=None):
    """Train a compiled Keras model on exactly the mini-batches ``train.fit`` would use.

    The order comes from ``train.minibatches`` with ``np.random.default_rng(seed)``
    (one permutation per epoch, as in fit), and each batch goes to
    ``model.train_on_batch``, which waits for its result: the step times are real.
    checkpoint_steps: steps after which to store the weights (our layout, see
    :func:`model_params`) in history.checkpoints, like ``train.fit``'s.
    Returns a :class:`KerasHistory`. Use a batch_size that divides len(x): a smaller
    last batch has a new shape, which makes XLA compile the step again.
    """
    _check_model(model)
    x = _v.as_array("x", x)
    y = _v.labels("y", y, len(x) if x.ndim else None)
    batch_size = _v.integer("batch_size", batch_size, 1)
    epochs = _v.integer("epochs", epochs, 1)
    max_steps = _v.optional_integer("max_steps", max_steps, 1)
    _v.seed("seed", seed)
    if data_format is not None:
        _check_format(data_format)
    if kind is not None:
        _check_kind(kind)
    if isinstance(checkpoint_steps, (str, bytes)) or not np.iterable(checkpoint_steps):
        raise TypeError(f"checkpoint_steps must be a list of step numbers, got "
                        f"{_v._shown(checkpoint_steps)}")
    checkpoint_steps = set(_v.integer("checkpoint_steps[]", s, 0) for s in checkpoint_steps)
    data_format = data_format or model.get_layer("conv1").data_format
    kind = kind or ("article" if model.name == "article_net" else "cnn")
    rng = np.random.default_rng(seed)
    history = KerasHistory()
    step = 0
    if 0 in checkpoint_steps:
        history.checkpoints[0] = model_params(model, kind, data_format)
    for _ in range(epochs):
        for idx in _train.minibatches(len(x), batch_size, rng):
            if max_steps is not None and step >= max_steps:
                return history
            xb = images_to_keras(x[idx], data_format)
            start = time.perf_counter()
            value = model.train_on_batch(xb, y[idx])
            history.step_seconds.append(time.perf_counter() - start)
            history.loss.append(float(np.asarray(value)))
            step += 1
            if step in checkpoint_steps:
                history.checkpoints[step] = model_params(model, kind, data_format)
    return history


def keras_predict(model, x, batch_size=500, data_format=None):
    """Predicted labels (N,) from a Keras model: argmax of its logits."""
    _check_model(model)
    batch_size = _v.integer("batch_size", batch_size, 1)
    if data_format is not None:
        _check_format(data_format)
    data_format = data_format or model.get_layer("conv1").data_format
    xk = images_to_keras(x, data_format)
    z = model.predict(xk, batch_size=batch_size, verbose=0)
    return np.argmax(np.asarray(z), axis=1)
