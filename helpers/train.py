"""Training: losses on logits, optimizers, mini-batches, ``fit``, evaluation.

Everything is stateless and seeded. A network is a ``helpers.nets.Network``
(forward + backward); parameters are a dict of arrays; an optimizer is a pair of
pure functions ``init(params) -> state`` and ``update(params, grads, state) ->
(new_params, new_state)`` that never modify their arguments.

    from helpers import nets, train
    params = nets.init_improved_cnn(seed=0)
    params, history = train.fit(nets.IMPROVED_CNN, params, x_train, y_train,
                                loss="softmax_cross_entropy", optimizer=train.adam(1e-3),
                                batch_size=64, epochs=1, seed=0,
                                x_val=x_test, y_val=y_test, checkpoint_steps=[0, 50, 100])
    train.accuracy(nets.IMPROVED_CNN, params, x_test, y_test)

Fast path: for a network with one (``nets.IMPROVED_CNN``), ``train_step``, ``fit``
and the evaluation functions compute with ``helpers.fast`` by default: the same
numbers up to float rounding, several times faster, on all cores, with results that
do not depend on the number of cores. ``fast=False`` uses the readable kernels of
``helpers.conv`` and ``helpers.layers`` instead (the ones the notebooks derive).

Images may be given as uint8 (N, 28, 28): each mini-batch is converted on the
fly by ``nets.prepare_images`` (scaled to [0, 1], float32, shape (B, 1, 28, 28)),
so a whole data set is never held as float, and evaluation runs in mini-batches
so a patch matrix never covers more than one mini-batch.

Losses (the name passed as ``loss=``), each on the logits z (N, M):

    "softmax_cross_entropy"  M = K classes, y integer labels (N,)
    "binary_cross_entropy"   M = 1, y in {0, 1} (N,), output sigmoid(z)
    "half_squared_error"     M = 1 (or K with one-hot y), o = sigmoid(z), E = mean_n (y - o)^2 / 2:
                             the article's error
"""

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, NamedTuple

import numpy as np

from . import _validate as _v
from . import layers as _layers
from . import losses as _losses
from ._validate import as_array
from .nets import Network, copy_params, prepare_images

__all__ = [
    "LOSSES", "loss_and_grad",
    "Optimizer", "sgd", "adam", "sgd_step", "adam_init", "adam_step", "linear_decay",
    "minibatches", "History", "fit", "train_step",
    "predict_logits", "predict", "accuracy", "evaluate", "confusion_matrix",
    "majority_baseline", "spaced_steps",
]

LOSSES = ("softmax_cross_entropy", "binary_cross_entropy", "half_squared_error")


# ---------------------------------------------------------------- losses on logits

def _column_targets(y, z):
    y = np.asarray(y)
    if z.shape[1] == 1 and y.ndim == 1:
        y = y.reshape(-1, 1)
    return y.astype(z.dtype)


def loss_and_grad(loss, z, y):
    """The loss of logits z (N, M) against targets y, and dE/dz (N, M).

    loss: one of ``LOSSES`` (see the module docstring). All average over the N rows.
    "half_squared_error" applies o = sigmoid(z), E = mean_n sum_m (y - o)^2 / 2, and
    chains dE/dz = dE/do * o * (1 - o).
    """
    _v.one_of("loss", loss, LOSSES)
    z = as_array("z", z, 2, "(N, M)")
    if loss == "softmax_cross_entropy":
        return _losses.softmax_cross_entropy(z, y)
    if loss == "binary_cross_entropy":
        return _losses.binary_cross_entropy(z, _column_targets(y, z))
    if loss == "half_squared_error":
        o = _layers.sigmoid(z)
        value, do = _losses.half_squared_error(o, _column_targets(y, z))
        return value, _layers.sigmoid_backward(do, o)
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


# ---------------------------------------------------------------- argument checks

def _check_net(net):
    if not isinstance(net, Network):
        raise TypeError(f"net must be a helpers.nets.Network (e.g. nets.IMPROVED_CNN), "
                        f"got {_v._shown(net)}")
    return net


def _check_images(name, x, *, empty=False):
    """Images (N, H, W) or (N, C, H, W), numeric, at least one unless ``empty``."""
    x = as_array(name, x, None, "(N, H, W) or (N, C, H, W)")
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must have shape (N, H, W) or (N, C, H, W), got {x.shape}")
    if not empty and len(x) == 0:
        raise ValueError(f"{name} must hold at least one image, got shape {x.shape}")
    return x


def _check_targets(name, y, n, loss):
    """Targets for ``loss``: integer labels (N,) for softmax_cross_entropy, else finite
    numbers with N rows. Checked once per call (not per mini-batch)."""
    if loss == "softmax_cross_entropy":
        return _v.labels(name, y, n)
    y = as_array(name, y, None, "(N,) or (N, M)")
    if y.ndim not in (1, 2) or len(y) != n:
        raise ValueError(f"{name} must have shape (N,) or (N, M) with N = {n}, got {y.shape}")
    return _v.finite(name, y)


def _check_batch_size(name, value):
    return _v.integer(name, value, 1)


def _check_rate(name, lr):
    """A learning rate: a finite number >= 0, or a schedule lr(t)."""
    return lr if callable(lr) else _v.number(name, lr, 0)


def _check_grads(params, grads):
    _v.param_dict("params", params)
    _v.param_dict("grads", grads, list(params))
    for key, p in params.items():
        if np.shape(grads[key]) != np.shape(p):
            raise ValueError(f"grads[{key!r}] must have the shape of params[{key!r}], "
                             f"{np.shape(p)}, got {np.shape(grads[key])}")


# ---------------------------------------------------------------- optimizers

class Optimizer(NamedTuple):
    """init(params) -> state; update(params, grads, state) -> (new_params, new_state).

    Both are pure: the dicts and arrays passed in are never modified.
    """

    name: str
    init: Callable
    update: Callable


def sgd_step(params, grads, lr):
    """Plain gradient descent: p_new = p - lr * dE/dp for every key (new arrays)."""
    _check_grads(params, grads)
    lr = _v.number("lr", lr, 0)
    return {k: p - lr * grads[k] for k, p in params.items()}


def sgd(lr=0.1, momentum=0.0):
    """Gradient descent, optionally with momentum (velocity v = momentum * v - lr * g; p += v).

    momentum 0 is the article's update: new = old - learning_rate * gradient.
    lr: a number, or a schedule lr(t) of the step count t = 1, 2, ...
    """
    lr = _check_rate("lr", lr)
    momentum = _v.number("momentum", momentum, 0, below=1)

    def init(params):
        state = {k: np.zeros_like(p) for k, p in params.items()} if momentum else {}
        return {"t": 0, "velocity": state}

    def update(params, grads, state):
        t = state["t"] + 1
        rate = _rate(lr, t)
        if not momentum:
            return sgd_step(params, grads, rate), {"t": t, "velocity": {}}
        velocity = {k: momentum * state["velocity"][k] - rate * grads[k] for k in params}
        return {k: p + velocity[k] for k, p in params.items()}, {"t": t, "velocity": velocity}

    return Optimizer(f"sgd(lr={lr}, momentum={momentum})", init, update)


def adam_init(params):
    """Adam's state: step t = 0 and zero first/second moments m, v for every key."""
    _v.param_dict("params", params)
    return {"t": 0,
            "m": {k: np.zeros_like(p) for k, p in params.items()},
            "v": {k: np.zeros_like(p) for k, p in params.items()}}


def _rate(lr, t):
    """The learning rate at step t (1-based): lr itself, or lr(t) for a schedule."""
    return float(lr(t)) if callable(lr) else lr


def linear_decay(lr, total_steps, final=0.0):
    """A schedule for ``sgd``/``adam``: lr at step 1, falling linearly to ``final`` at
    step total_steps (and staying there). Large early steps, fine late ones."""
    lr = _v.number("lr", lr, 0)
    total_steps = _v.integer("total_steps", total_steps, 1)
    final = _v.number("final", final, 0)

    def schedule(t):
        frac = min(max(t - 1, 0) / max(total_steps - 1, 1), 1.0)
        return lr + (final - lr) * frac
    return schedule


def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """One Adam update (Kingma & Ba; eps as in Keras), returning (new_params, new_state).

        m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
        p = p - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

    lr: a number, or a schedule lr(t) of the step count t = 1, 2, ... (see linear_decay).
    """
    _check_grads(params, grads)
    _check_adam_state(state, params)
    _check_adam_numbers(lr, beta1, beta2, eps)
    t = state["t"] + 1
    step = _rate(lr, t) * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    new_params, m_new, v_new = {}, {}, {}
    for k, p in params.items():
        g = grads[k]
        m = beta1 * state["m"][k] + (1 - beta1) * g
        v = beta2 * state["v"][k] + (1 - beta2) * (g * g)
        new_params[k] = (p - step * m / (np.sqrt(v) + eps)).astype(p.dtype, copy=False)
        m_new[k], v_new[k] = m, v
    return new_params, {"t": t, "m": m_new, "v": v_new}


def _check_adam_numbers(lr, beta1, beta2, eps):
    _check_rate("lr", lr)
    _v.number("beta1", beta1, 0, below=1)
    _v.number("beta2", beta2, 0, below=1)
    _v.number("eps", eps, 0)             # 0 is legal: notebook 07 compares with the bare formula


def _check_adam_state(state, params):
    if not isinstance(state, dict) or not {"t", "m", "v"} <= set(state):
        raise TypeError(f"state must be Adam's state dict {{'t', 'm', 'v'}} (adam_init(params)), "
                        f"got {_v._shown(state)}")
    _v.integer("state['t']", state["t"], 0)
    for part in ("m", "v"):
        _v.param_dict(f"state[{part!r}]", state[part], list(params))


def adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """Adam with Keras' defaults (lr 1e-3, betas 0.9/0.999, eps 1e-7); lr may be a
    schedule lr(t), e.g. ``adam(linear_decay(2e-3, total_steps))``."""
    _check_adam_numbers(lr, beta1, beta2, eps)
    return Optimizer(f"adam(lr={lr})", adam_init,
                     lambda params, grads, state: adam_step(params, grads, state, lr,
                                                            beta1, beta2, eps))


def _optimizer(optimizer):
    if optimizer is None:
        return adam()
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer == "adam":
        return adam()
    if isinstance(optimizer, str) and optimizer == "sgd":
        return sgd()
    raise ValueError(f"optimizer must be an Optimizer (train.sgd(...), train.adam(...)), "
                     f"'sgd' or 'adam', got {_v._shown(optimizer)}")


# ---------------------------------------------------------------- mini-batches

def minibatches(n, batch_size, rng=None, *, shuffle=True, drop_last=False):
    """Index arrays covering range(n) once (one epoch), in batches of batch_size.

    rng: a ``np.random.Generator`` (or an int seed) used for the shuffle; the same
    seed gives the same batches. The last batch is smaller unless drop_last.
    Yields int64 arrays; batch_size >= n gives one full batch (plain gradient descent).
    """
    # checked here, when called, not at the first next() of the generator
    n = _v.integer("n", n, 0)
    batch_size = _check_batch_size("batch_size", batch_size)
    rng = _v.seed("rng", rng)
    shuffle, drop_last = _v.flag("shuffle", shuffle), _v.flag("drop_last", drop_last)
    return _minibatches(n, batch_size, rng, shuffle, drop_last)


def _minibatches(n, batch_size, rng, shuffle, drop_last):
    if shuffle:
        rng = np.random.default_rng(rng)
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    stop = n - n % batch_size if drop_last and n >= batch_size else n
    for start in range(0, stop, batch_size):
        yield order[start:start + batch_size]


def spaced_steps(total, count=12):
    """About ``count`` distinct checkpoint steps from 0 to total, denser at the start
    (where the parameters change most): geometric spacing, always including 0 and total."""
    total = _v.integer("total", total, 0)
    count = _v.integer("count", count, 1)
    if total <= 0:
        return [0]
    steps = np.unique(np.round(np.geomspace(1, total, max(count - 1, 1))).astype(int))
    return [0] + [int(s) for s in steps]


# ---------------------------------------------------------------- training

@dataclass
class History:
    """What happened during ``fit``. Lists grow as training runs.

    step, loss, accuracy: after every step, its number (1, 2, ...) and the
        mini-batch's loss and accuracy (measured in the forward pass of that step,
        i.e. before its update).
    epoch, epoch_loss, epoch_accuracy: per finished epoch, the means over its steps.
    val_step, val_loss, val_accuracy: on (x_val, y_val), after those steps.
    checkpoints: {step: params} copies saved at the requested steps (0 = initial).
    seconds: wall-clock training time (evaluation and callbacks excluded).
    opt_state: the optimizer's state after the last step; pass it to the next
        ``fit(..., opt_state=...)`` to continue, e.g. with a smaller learning rate.
    """

    step: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    epoch: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    epoch_accuracy: list = field(default_factory=list)
    val_step: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    checkpoints: dict = field(default_factory=dict)
    seconds: float = 0.0
    opt_state: object = None


def _batch_accuracy(z, y):
    return float(np.mean(_labels_from_logits(z) == np.asarray(y).reshape(-1)))


def _fast_path(net, params, x, fast):
    """The network's FastPath if it should be used for these parameters and images."""
    path = getattr(net, "fast", None) if fast else None
    return path if path is not None and path.supported(params, x) else None


def train_step(net, params, opt_state, optimizer, xb, yb, loss="softmax_cross_entropy", *,
               fast=True):
    """One forward, backward and update on one mini-batch.

    xb: (B, 1, H, W) float, yb: (B,) -> (new_params, new_state, loss value, logits (B, M))
    fast: use the network's fast path if it has one (``nets.IMPROVED_CNN``); False
        computes with ``net.forward`` and ``net.backward`` (the readable kernels).
    """
    _check_net(net)
    _v.param_dict("params", params)
    if not isinstance(opt_state, dict):
        raise TypeError(f"opt_state must be the optimizer's state dict (optimizer.init(params)), "
                        f"got {_v._shown(opt_state)}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer (train.sgd(...), train.adam(...)), "
                        f"got {_v._shown(optimizer)}")
    _v.one_of("loss", loss, LOSSES)
    xb = as_array("xb", xb, 4, "(B, C, H, W)")
    yb = _check_targets("yb", yb, len(xb), loss)
    fast = _v.flag("fast", fast)
    path = _fast_path(net, params, xb, fast)
    if path is not None:
        value, z, grads = path.loss_and_grads(params, xb, yb, partial(loss_and_grad, loss))
    else:
        z, cache = net.forward(params, xb)
        value, dz = loss_and_grad(loss, z, yb)
        grads = net.backward(dz, cache)
    params, opt_state = optimizer.update(params, grads, opt_state)
    return params, opt_state, value, z


def fit(net, params, x, y, *, loss="softmax_cross_entropy", optimizer=None, batch_size=64,
        epochs=1, max_steps=None, seed=0, x_val=None, y_val=None, eval_every=None,
        eval_batch_size=500, callback=None, checkpoint_steps=(), progress=True,
        dtype=np.float32, opt_state=None, fast=True):
    """Train ``net`` by mini-batch gradient descent; returns (params, history).

    net: a ``helpers.nets.Network``; params: its initial parameters (not modified).
    x: images (N, 28, 28) uint8 or (N, 1, H, W) float; y: targets (N,) (see LOSSES).
    optimizer: ``sgd(lr)``, ``adam(lr)`` (default ``adam(1e-3)``), or "sgd"/"adam".
    batch_size: B; B >= N is full-batch gradient descent (the article's).
    epochs: passes over the data, each in a fresh seeded order; max_steps stops
        earlier (e.g. to keep a notebook fast).
    seed: seeds the shuffles; the same seed and data give the same run.
    x_val, y_val: evaluated (in mini-batches of eval_batch_size) every eval_every
        steps and at the end of every epoch.
    callback(history, params): called after every evaluation (every eval_every
        steps, or once per epoch when eval_every is None), e.g. to redraw a live plot;
        eval_every=1 without x_val calls it after every step, evaluating nothing.
    checkpoint_steps: steps after which to store a copy of the parameters in
        history.checkpoints (0 = before the first update).
    progress: show a progress bar with the running loss (``helpers._progress``: tqdm's
        bar; a saved notebook stores its final line, e.g. "training improved_cnn:
        600/600 steps, loss ≈0.1234").
    opt_state: the optimizer state to start from (``history.opt_state`` of an
        earlier run, same optimizer type); None starts fresh with optimizer.init.
    fast: train and evaluate with the network's fast path (``helpers.fast``) when it
        has one; False uses the readable kernels (slower, same numbers up to rounding).

    While it trains, NumPy's BLAS runs on one thread (set at run time with threadpoolctl
    and restored afterwards): notebooks need no environment variable for it. The fast
    path runs its own threads (``CNN_COURSE_THREADS``), each calling BLAS on one thread.
    """
    # Every argument is checked here, once, before any training (issue 14).
    _check_net(net)
    _v.param_dict("params", params)
    optimizer = _optimizer(optimizer)
    _v.one_of("loss", loss, LOSSES)
    x = _check_images("x", x)
    y = np.asarray(y)
    if y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and "
                         f"{'a scalar' if y.ndim == 0 else len(y)}")
    y = _check_targets("y", y, len(x), loss)
    batch_size = _check_batch_size("batch_size", batch_size)
    epochs = _v.integer("epochs", epochs, 1)
    max_steps = _v.optional_integer("max_steps", max_steps, 1)
    _v.seed("seed", seed)
    if (x_val is None) != (y_val is None):
        raise ValueError(f"x_val and y_val must be given together, got "
                         f"{'x_val' if y_val is None else 'y_val'} only")
    if x_val is not None:
        x_val = _check_images("x_val", x_val)
        y_val = _check_targets("y_val", y_val, len(x_val), loss)
    eval_every = _v.optional_integer("eval_every", eval_every, 1)
    eval_batch_size = _check_batch_size("eval_batch_size", eval_batch_size)
    if callback is not None:
        _v.function("callback", callback, "callback(history, params)")
    if isinstance(checkpoint_steps, (str, bytes)) or not np.iterable(checkpoint_steps):
        raise TypeError(f"checkpoint_steps must be a list of step numbers, got "
                        f"{_v._shown(checkpoint_steps)}")
    checkpoint_steps = [_v.integer("checkpoint_steps[]", s, 0) for s in checkpoint_steps]
    progress = _v.flag("progress", progress)
    dtype = _v.float_type("dtype", dtype)
    if opt_state is not None and not isinstance(opt_state, dict):
        raise TypeError(f"opt_state must be None or history.opt_state of an earlier run, "
                        f"got {_v._shown(opt_state)}")
    fast = _v.flag("fast", fast)
    n = len(x)
    steps_per_epoch = -(-n // batch_size)
    total = epochs * steps_per_epoch if max_steps is None else min(max_steps, epochs * steps_per_epoch)
    checkpoint_steps = set(int(s) for s in checkpoint_steps)
    params = {k: np.asarray(v, dtype=dtype) for k, v in params.items()}
    opt_state = optimizer.init(params) if opt_state is None else opt_state
    history = History()
    rng = np.random.default_rng(seed)
    has_val = x_val is not None and y_val is not None

    def evaluate_now():
        if has_val:
            v_loss, v_acc = evaluate(net, params, x_val, y_val, loss=loss,
                                     batch_size=eval_batch_size, dtype=dtype, fast=fast)
            history.val_step.append(step)
            history.val_loss.append(v_loss)
            history.val_accuracy.append(v_acc)
        if callback is not None:
            callback(history, params)

    bar = None
    if progress:
        from ._progress import Progress  # tqdm: optional dependency of the training loop only
        bar = Progress(total, f"training {net.name}", unit="step")
    step = 0
    if 0 in checkpoint_steps:
        history.checkpoints[0] = copy_params(params)
    # The course's networks multiply many small matrices: a second BLAS thread only waits
    # (and on a busy machine makes a step several times slower), so training uses one.
    # threadpoolctl changes the limit at run time and restores it afterwards.
    from threadpoolctl import threadpool_limits
    blas_limit = threadpool_limits(limits=1, user_api="blas")
    try:
        for epoch in range(1, epochs + 1):
            if step >= total:
                break
            first = len(history.loss)
            for idx in minibatches(n, batch_size, rng):
                if step >= total:
                    break
                start = time.perf_counter()
                xb = prepare_images(x[idx], dtype)
                params, opt_state, value, z = train_step(net, params, opt_state, optimizer,
                                                         xb, y[idx], loss, fast=fast)
                history.seconds += time.perf_counter() - start
                step += 1
                history.step.append(step)
                history.loss.append(value)
                history.accuracy.append(_batch_accuracy(z, y[idx]))
                if step in checkpoint_steps:
                    history.checkpoints[step] = copy_params(params)
                if bar is not None:
                    bar.update(1)
                    if step % 10 == 0 or step == total:
                        bar.set_postfix(loss=f"{value:.4f}", refresh=False)
                if eval_every and step % eval_every == 0:
                    evaluate_now()
            history.epoch.append(epoch)
            history.epoch_loss.append(float(np.mean(history.loss[first:])))
            history.epoch_accuracy.append(float(np.mean(history.accuracy[first:])))
            if not (eval_every and step % eval_every == 0):
                evaluate_now()
    finally:
        blas_limit.restore_original_limits()
        if bar is not None:
            # what a saved notebook shows: the final state, no timings, the loss after '≈'
            bar.close(f"loss ≈{history.loss[-1]:.4f}" if history.loss else None)
    history.opt_state = opt_state
    return params, history


# ---------------------------------------------------------------- evaluation

def _labels_from_logits(z):
    if z.shape[1] == 1:
        return (z[:, 0] > 0).astype(np.int64)   # sigmoid(z) > 0.5
    return np.argmax(z, axis=1)


def predict_logits(net, params, x, batch_size=500, dtype=np.float32, *, fast=True):
    """Logits (N, M) for images x (N, 28, 28) or (N, 1, H, W), in mini-batches of batch_size.

    fast: use the network's fast path if it has one (False: ``net.forward``)."""
    _check_net(net)
    _v.param_dict("params", params)
    x = _check_images("x", x)
    batch_size = _check_batch_size("batch_size", batch_size)
    dtype = _v.float_type("dtype", dtype)
    fast = _v.flag("fast", fast)
    return _predict_logits(net, params, x, batch_size, dtype, fast)


def _predict_logits(net, params, x, batch_size, dtype, fast):
    out = []
    for start in range(0, len(x), batch_size):
        xb = prepare_images(x[start:start + batch_size], dtype)
        path = _fast_path(net, params, xb, fast)
        z = path.logits(params, xb) if path is not None else net.forward(params, xb)[0]
        out.append(z)
    if not out:
        raise ValueError("x is empty")
    return np.concatenate(out)


def predict(net, params, x, batch_size=500, dtype=np.float32, *, fast=True):
    """Predicted labels (N,) int64: argmax of the logits, or z > 0 for one output.

    The arguments are those of :func:`predict_logits` (checked there)."""
    return _labels_from_logits(predict_logits(net, params, x, batch_size, dtype, fast=fast))


def accuracy(net, params, x, y, batch_size=500, dtype=np.float32, *, fast=True):
    """Fraction of images whose predicted label equals y (N,) (integer labels, one per image)."""
    y = _v.labels("y", y, len(_check_images("x", x)))
    return float(np.mean(predict(net, params, x, batch_size, dtype, fast=fast) == y))


def evaluate(net, params, x, y, loss="softmax_cross_entropy", batch_size=500,
             dtype=np.float32, *, fast=True):
    """(mean loss, accuracy) over x, y, computed in mini-batches."""
    _v.one_of("loss", loss, LOSSES)
    y = _check_targets("y", y, len(_check_images("x", x)), loss)
    z = predict_logits(net, params, x, batch_size, dtype, fast=fast)
    value, _ = loss_and_grad(loss, z, y)
    return value, float(np.mean(_labels_from_logits(z) == np.asarray(y).reshape(-1)))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts C (K, K): C[i, j] = number of images of true class i predicted as j.

    The diagonal holds the correct predictions; row i sums to the count of class i.
    y_true, y_pred: integer labels (N,); num_classes: K (default: the largest label + 1),
    every label must lie in [0, K).
    """
    num_classes = _v.optional_integer("num_classes", num_classes, 1)
    y_true = _v.labels("y_true", y_true, None, num_classes)
    y_pred = _v.labels("y_pred", y_pred, None, num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got "
                         f"{y_true.shape} and {y_pred.shape}")
    k = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def majority_baseline(y_train, y_test):
    """Accuracy on y_test of always answering the most frequent class of y_train,
    the score any classifier must beat. Returns (class, accuracy).
    y_train, y_test: integer labels (N,), each with at least one label."""
    y_train, y_test = _v.labels("y_train", y_train), _v.labels("y_test", y_test)
    for name, values in (("y_train", y_train), ("y_test", y_test)):
        if values.size == 0:
            raise ValueError(f"{name} must hold at least one label, got an empty array")
    counts = np.bincount(y_train)
    majority = int(np.argmax(counts))
    return majority, float(np.mean(y_test == majority))
