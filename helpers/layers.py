"""Dense layer, activations and pooling: forward and backward, batch first.

    dense      x (N, D), W (D, M), b (M,)  -> z = x @ W + b            (N, M)
    sigmoid    z (any shape)               -> a = 1 / (1 + exp(-z))    same shape
    relu       z (any shape)               -> a = max(z, 0)            same shape
    softmax    z (N, K)                    -> p = exp(z) / sum exp(z)  (N, K)
    maxpool2d  x (N, C, H, W)              -> (N, C, OH, OW), OH = (H - size) // stride + 1
    avgpool2d  x (N, C, H, W)              -> (N, C, OH, OW)

The article writes the dense layer as Z = W^T X + b with X a column per image
and W of shape (features, neurons); stacking images as rows gives the same
numbers as x @ W + b (notebook 03 shows why).
"""

import numpy as np

from ._validate import as_array, check_shape, float_dtype, positive_int

__all__ = [
    "dense_forward", "dense_backward",
    "sigmoid", "sigmoid_backward", "relu", "relu_backward", "softmax",
    "maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward", "avgpool2d_backward",
]


# ---------------------------------------------------------------- dense layer

def dense_forward(x, W, b=None):
    """Fully connected layer: z = x @ W + b.

    x (N, D), W (D, M) as the article's (features, neurons), b (M,) or None
    -> z (N, M), cache
    """
    x = as_array("x", x, 2, "(N, D)")
    W = as_array("W", W, 2, "(D, M)")
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"x has D={x.shape[1]} features (shape {x.shape}) but W expects "
            f"D={W.shape[0]} (shape {W.shape}, i.e. (D, M))"
        )
    if b is not None:
        b = as_array("b", b, 1, "(M,)")
        check_shape("b", b, (W.shape[1],), "(M,)")
    dtype = float_dtype(x, W, b)
    x, W = x.astype(dtype, copy=False), W.astype(dtype, copy=False)
    z = x @ W
    if b is not None:
        z += b.astype(dtype, copy=False)
    return z, (x, W, b is not None)


def dense_backward(dout, cache):
    """Gradients through :func:`dense_forward`.

    dout (N, M) = dL/dz -> dx (N, D) = dout @ W.T, dW (D, M) = x.T @ dout,
    db (M,) = sum over the batch of dout (None if the forward had no bias).
    """
    x, W, has_bias = cache
    dout = as_array("dout", dout, 2, "(N, M)")
    check_shape("dout", dout, (x.shape[0], W.shape[1]), "(N, M)")
    dout = dout.astype(W.dtype, copy=False)
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0) if has_bias else None
    return dx, dW, db


# ---------------------------------------------------------------- activations

def _float_array(name, z):
    z = as_array(name, z)
    return z.astype(float_dtype(z), copy=False)


def sigmoid(z):
    """Logistic function 1 / (1 + exp(-z)), elementwise, for any shape.

    Stable form: for z >= 0 it computes 1 / (1 + exp(-z)), for z < 0 the equal
    exp(z) / (1 + exp(z)), so exp never sees a large positive argument and
    z = +-1000 gives 1 and 0 without an overflow warning.
    """
    z = _float_array("z", z)
    e = np.exp(-np.abs(z))               # in (0, 1], never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_backward(dout, a):
    """dL/dz for a = sigmoid(z), from the output a: dout * a * (1 - a)."""
    a = _float_array("a", a)
    dout = _float_array("dout", dout)
    check_shape("dout", dout, a.shape, "the shape of a")
    return (dout * a * (1 - a)).astype(a.dtype, copy=False)


def relu(z):
    """Rectified linear unit max(z, 0), elementwise (a new array; z is not changed)."""
    z = _float_array("z", z)
    return np.maximum(z, 0)


def relu_backward(dout, z):
    """dL/dz for a = relu(z): dout where z > 0, else 0 (the kink at 0 gets 0)."""
    z = _float_array("z", z)
    dout = _float_array("dout", dout)
    check_shape("dout", dout, z.shape, "the shape of z")
    # np.where, not dout * (z > 0): an inf or a negative dout times False would give nan or -0.0
    return np.where(z > 0, dout, 0).astype(z.dtype, copy=False)


def softmax(z, axis=-1):
    """exp(z) / sum(exp(z)) along ``axis``; the max is subtracted first, which
    changes nothing mathematically and keeps exp from overflowing."""
    z = _float_array("z", z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


# ---------------------------------------------------------------- pooling

def _pool_windows(name, x, size, stride):
    x = as_array(name, x, 4, "(N, C, H, W)")
    x = x.astype(float_dtype(x), copy=False)
    size = positive_int("size", size)
    stride = positive_int("stride", stride)
    n, c, h, w = x.shape
    if size > h or size > w:
        raise ValueError(f"pool size={size} is larger than x's H={h} or W={w} (x shape {x.shape})")
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    sn, sc, sh, sw = x.strides
    windows = np.lib.stride_tricks.as_strided(
        x, shape=(n, c, oh, ow, size, size),
        strides=(sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)
    return x, windows, size, stride, oh, ow


def maxpool2d_forward(x, size=2, stride=2):
    """Max pooling: the largest value of each size x size window.

    x (N, C, H, W) -> out (N, C, OH, OW), OH = (H - size) // stride + 1 (rows a
    window cannot reach are dropped, as in the frameworks), cache.

    The cache records, for every window, the position of its maximum; on ties
    the first one in reading order (row by row) is chosen, so exactly one input
    receives that window's gradient. That is a convention (the frameworks' too):
    at a tie the max has no derivative, and any split of the gradient over the
    tied maxima with non-negative weights adding up to one is a subgradient
    (notebook 09).
    """
    x, windows, size, stride, oh, ow = _pool_windows("x", x, size, stride)
    n, c, h, w = x.shape
    if stride == size:
        return _maxpool_disjoint(x, size, oh, ow)
    flat = windows.reshape(n, c, oh, ow, size * size)
    arg = flat.argmax(axis=-1)                       # first maximum on ties
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    rows = np.arange(oh)[:, None] * stride + arg // size
    cols = np.arange(ow)[None, :] * stride + arg % size
    # Index of each window's winner in x viewed as (N*C, H*W), flattened.
    plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    winner = plane + rows * w + cols
    return out, (x.shape, x.dtype, winner)


def maxpool2d_backward(dout, cache):
    """dL/dx for max pooling: each window's gradient goes to its one winner.

    dout (N, C, OH, OW) -> dx (N, C, H, W); inputs that won no window get 0,
    an input that won several overlapping windows gets the sum.
    """
    if cache[0] == "disjoint":
        return _maxpool_disjoint_backward(dout, cache)
    x_shape, dtype, winner = cache
    dout = as_array("dout", dout, 4, "(N, C, OH, OW)")
    check_shape("dout", dout, winner.shape, "(N, C, OH, OW)")
    dx = np.bincount(winner.ravel(), weights=dout.ravel(), minlength=int(np.prod(x_shape)))
    return dx.reshape(x_shape).astype(dtype, copy=False)


def _maxpool_disjoint(x, size, oh, ow):
    """Max pooling when the windows do not overlap (stride == size), the usual 2x2/2.

    Same result and tie rule as the general path, faster: instead of an argmax
    over a (..., size*size) copy, the size*size offsets are strided views of x;
    the max is a running np.maximum, and mask k marks the windows whose first
    maximum (reading order) sits at offset k.
    """
    views = [x[:, :, p:p + size * oh:size, q:q + size * ow:size]
             for p in range(size) for q in range(size)]
    out = views[0].copy()
    for v in views[1:]:
        np.maximum(out, v, out=out)
    taken = np.zeros(out.shape, dtype=bool)
    masks = np.empty((len(views),) + out.shape, dtype=bool)
    for k, v in enumerate(views):
        np.equal(v, out, out=masks[k])
        masks[k] &= ~taken               # a tie goes to the first maximum only
        taken |= masks[k]
    return out, ("disjoint", x.shape, x.dtype, size, masks)


def _maxpool_disjoint_backward(dout, cache):
    _, x_shape, dtype, size, masks = cache
    n, c, h, w = x_shape
    oh, ow = masks.shape[-2:]
    dout = as_array("dout", dout, 4, "(N, C, OH, OW)")
    check_shape("dout", dout, (n, c, oh, ow), "(N, C, OH, OW)")
    dout = dout.astype(dtype, copy=False)
    dx = np.zeros(x_shape, dtype=dtype)
    for k in range(size * size):
        p, q = divmod(k, size)
        # copy where the mask is set (dx is 0 elsewhere): no -0.0 from dout * False
        np.copyto(dx[:, :, p:p + size * oh:size, q:q + size * ow:size], dout, where=masks[k])
    return dx


def avgpool2d_forward(x, size=2, stride=2):
    """Average pooling: the mean of each size x size window.

    x (N, C, H, W) -> out (N, C, OH, OW), OH = (H - size) // stride + 1, cache.
    """
    x, windows, size, stride, oh, ow = _pool_windows("x", x, size, stride)
    out = windows.mean(axis=(-2, -1), dtype=x.dtype)
    return out, (x.shape, x.dtype, size, stride)


def avgpool2d_backward(dout, cache):
    """dL/dx for average pooling: each window spreads dout / size^2 over its inputs.

    dout (N, C, OH, OW) -> dx (N, C, H, W).
    """
    x_shape, dtype, size, stride = cache
    n, c, h, w = x_shape
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    dout = as_array("dout", dout, 4, "(N, C, OH, OW)")
    check_shape("dout", dout, (n, c, oh, ow), "(N, C, OH, OW)")
    share = dout.astype(dtype, copy=False) / (size * size)
    dx = np.zeros(x_shape, dtype=dtype)
    for p in range(size):
        for q in range(size):
            dx[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += share
    return dx
