"""Losses, each returning the loss and its gradient with respect to its input.

    half_squared_error(o, y)         E = mean_n sum_k (y - o)^2 / 2     (the article's E)
    binary_cross_entropy(logits, y)  E = mean_n -[y log s(z) + (1-y) log(1-s(z))]
    softmax_cross_entropy(logits, y) E = mean_n -log softmax(z_n)[y_n]

All three average over the batch (N rows), so a gradient step does not grow
with the batch size.
"""

import numpy as np

from ._validate import as_array, finite, float_dtype, integer_labels
from .layers import softmax

__all__ = ["half_squared_error", "binary_cross_entropy", "softmax_cross_entropy"]


def _outputs_and_targets(o_name, o, y):
    o = as_array(o_name, o, None, "(N,) or (N, K)")
    if o.ndim not in (1, 2):
        raise ValueError(f"{o_name} must have shape (N,) or (N, K), got {o.shape}")
    y = as_array("y", y)
    if y.shape != o.shape:
        if o.ndim == 2 and o.shape[1] == 1 and y.shape == (o.shape[0],):
            y = y.reshape(o.shape)           # (N,) targets for a single output column
        else:
            raise ValueError(f"y must have the shape of {o_name}, {o.shape}, got {y.shape}")
    _nonempty(o_name, o)
    finite("y", y)                 # targets are data: a NaN would only make the loss NaN
    dtype = float_dtype(o)
    return o.astype(dtype, copy=False), y.astype(dtype, copy=False)


def _nonempty(name, array):
    """A loss is a mean over the batch: N = 0 (or K = 0 classes) has none."""
    if array.size == 0:
        raise ValueError(f"{name} must hold at least one row and one column, got shape "
                         f"{array.shape}")


def half_squared_error(o, y):
    """The article's error E = (y' - O)^2 / 2, summed over outputs, averaged over the batch.

    o (N,) or (N, K) network outputs, y the same shape (targets y')
    -> loss (float), do (same shape as o) = dE/dO = -(y - o) / N
    """
    o, y = _outputs_and_targets("o", o, y)
    n = o.shape[0]
    diff = y - o
    loss = float(np.sum(diff * diff) / (2 * n))
    return loss, -diff / n


def binary_cross_entropy(logits, y):
    """Cross-entropy of a sigmoid output, computed from the logits z (stable).

    logits (N,) or (N, 1), y in {0, 1} (or [0, 1]) of the same shape
    -> loss (float), dlogits = (sigmoid(z) - y) / N

    Uses -[y log s(z) + (1 - y) log(1 - s(z))] = max(z, 0) - z*y + log(1 + exp(-|z|)),
    which never takes the log of 0 and never overflows.
    """
    z, y = _outputs_and_targets("logits", logits, y)
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"y must lie in [0, 1], got values from {y.min()} to {y.max()}")
    n = z.shape[0]
    loss = float(np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))) / n)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return loss, ((s - y) / n).astype(z.dtype, copy=False)


def softmax_cross_entropy(logits, y):
    """Cross-entropy of a softmax over K classes, with integer labels.

    logits (N, K), y (N,) integers in [0, K)
    -> loss (float) = mean_n -log p[n, y_n], dlogits (N, K) = (p - onehot(y)) / N
    """
    z = as_array("logits", logits, 2, "(N, K)")
    z = z.astype(float_dtype(z), copy=False)
    _nonempty("logits", z)
    n, k = z.shape
    labels = integer_labels("y", y, n, k)
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    rows = np.arange(n)
    loss = float(-np.sum(log_p[rows, labels]) / n)
    dlogits = softmax(z)
    dlogits[rows, labels] -= 1
    return loss, dlogits / n
