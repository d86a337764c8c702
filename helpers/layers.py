"""Dense layer, activations and pooling: forward and backward, batch first.

    dense      x (N, D), W (D, M), b (M,)  -> z = x @ W + b            (N, M)
    sigmoid    z (any shape)               -> a = 1 / (1 + exp(-z))    same shape
    relu       z (any shape)               -> a = max(z, 0)            same shape
    softmax    z (N, K)                    -> p = exp(z) / sum exp(z)  (N, K)
    maxpool2d  x (N, C, H, W)              -> (N, C, OH, OW), OH = (H + 2p - size) // stride + 1
    avgpool2d  x (N, C, H, W)              -> (N, C, OH, OW)      (stride defaults to size)

The article writes the dense layer as Z = W^T X + b with X a column per image
and W of shape (features, neurons); stacking images as rows gives the same
numbers as x @ W + b (notebook 03 shows why).
"""

import numpy as np

from . import _windows
from ._validate import as_array, check_shape, flag, float_dtype, int_pair, padding_arg

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

def _pool_geometry(x, size, stride, padding, dilation, ceil_mode):
    """Validate x and the window arguments -> x (a float array), rows, cols: the
    windows along H and W (:class:`helpers._windows.Axis`)."""
    x = as_array("x", x, 4, "(N, C, H, W)")
    x = x.astype(float_dtype(x), copy=False)
    sizes = int_pair("size", size, axes="(kh, kw)")
    strides = sizes if stride is None else int_pair("stride", stride, axes="(sh, sw)")
    paddings = padding_arg("padding", padding)
    dilations = int_pair("dilation", dilation, axes="(dh, dw)")
    ceil_mode = flag("ceil_mode", ceil_mode)
    geometry = []
    for a, (name, what) in enumerate((("H", "rows"), ("W", "columns"))):
        n, k, d = x.shape[2 + a], sizes[a], dilations[a]
        pad = paddings[a] if not isinstance(paddings, str) else (
            0 if paddings == "valid" else paddings)
        found = _windows.axis(n, k, strides[a], d, pad, ceil_mode)
        if found is None:
            if pad in (0, "valid") and d == 1 and sizes[0] == sizes[1]:
                raise ValueError(f"pool size={size} is larger than x's H={x.shape[2]} or "
                                 f"W={x.shape[3]} (x shape {x.shape})")
            raise ValueError(
                f"pool size={size!r} (dilation={dilation!r}) spans (k - 1)*dilation + 1 = "
                f"{(k - 1) * d + 1} {what}, more than x's padded {name} + 2*padding = "
                f"{n} + 2*{pad} = {n + 2 * pad} (x shape {x.shape})")
        empty = np.flatnonzero(found.counts() == 0) if found.before or found.after else ()
        if len(empty):
            raise ValueError(
                f"padding={padding!r} with pool size={size!r}, stride={stride!r}, "
                f"dilation={dilation!r}, ceil_mode={ceil_mode} leaves window {what[:-1]} "
                f"{empty[0]} with padding only, no input {what[:-1]} (x's {name}={n}): use "
                f"less padding (at most half the window, as in PyTorch)")
        geometry.append(found)
    return x, geometry[0], geometry[1]


def _windows_view(x_pad, rows, cols):
    """(N, C, OH, OW, KH, KW) view of the windows of x_pad (padded for rows, cols): no copy."""
    n, c = x_pad.shape[:2]
    sn, sc, sh, sw = x_pad.strides
    return np.lib.stride_tricks.as_strided(
        x_pad, shape=(n, c, rows.out, cols.out, rows.k, cols.k),
        strides=(sn, sc, sh * rows.stride, sw * cols.stride, sh * rows.dilation, sw * cols.dilation),
        writeable=False)


def _padded(rows, cols):
    return any((rows.before, rows.after, rows.extra, cols.before, cols.after, cols.extra))


def maxpool2d_forward(x, size=2, stride=None, *, padding=0, dilation=1, ceil_mode=False):
    """Max pooling: the largest value of each window.

    x (N, C, H, W) -> out (N, C, OH, OW), cache.
    size: k, or (kh, kw) for a rectangular window. stride: s or (sh, sw); None (the
        default) means the window's size, so windows do not overlap.
    padding: p or (ph, pw) cells on each side, or "valid" (0) or "same" (Keras: OH =
        ceil(H / sh), the odd padded row at the bottom, the odd column on the right).
        Padded cells never win: they count as -inf, and a window whose inputs are all
        -inf still sends its gradient to an input.
    dilation: d or (dh, dw): the window's taps are d cells apart.
    ceil_mode: round the output size up instead of down (PyTorch's ceil_mode): the
        last window may then hang over the end, as long as it starts inside the
        input or the padding in front.
    OH = (H + 2 ph - ((kh - 1) dh + 1)) // sh + 1 (rows a window cannot reach are
    dropped, as in the frameworks), likewise OW.

    The cache records, for every window, the position of its maximum; on ties
    the first one in reading order (row by row) is chosen, so exactly one input
    receives that window's gradient. That is a convention (the frameworks' too):
    at a tie the max has no derivative, and any split of the gradient over the
    tied maxima with non-negative weights adding up to one is a subgradient
    (notebook 09). A NaN in a window is its maximum (the output is NaN) and
    receives the gradient, as in PyTorch (the first NaN if there are several).
    """
    x, rows, cols = _pool_geometry(x, size, stride, padding, dilation, ceil_mode)
    if (not _padded(rows, cols) and rows.dilation == cols.dilation == 1
            and rows.stride == rows.k and cols.stride == cols.k):
        return _maxpool_disjoint(x, rows.k, cols.k, rows.out, cols.out)
    n, c, h, w = x.shape
    kh, kw = rows.k, cols.k
    x_pad = _windows.pad2d(x, rows, cols, value=-np.inf)
    flat = _windows_view(x_pad, rows, cols).reshape(n, c, rows.out, cols.out, kh * kw)
    arg = flat.argmax(axis=-1)                # first maximum on ties; a NaN is a maximum
    if _padded(rows, cols):
        # A padded cell (-inf) wins only where every input of the window is -inf too:
        # give those windows their first tap on the input instead.
        on_input = (((rows.taps() >= 0) & (rows.taps() < h))[:, None, :, None]
                    & ((cols.taps() >= 0) & (cols.taps() < w))[None, :, None, :])
        on_input = on_input.reshape(rows.out, cols.out, kh * kw)
        lost = ~np.take_along_axis(np.broadcast_to(on_input, flat.shape), arg[..., None],
                                   axis=-1)[..., 0]
        arg = np.where(lost, on_input.argmax(axis=-1), arg)
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    # tap (p, q) of window (i, j) is input row i*sh + p*dh - top, column j*sw + q*dw - left
    r = np.arange(rows.out)[:, None] * rows.stride + (arg // kw) * rows.dilation - rows.before
    q = np.arange(cols.out)[None, :] * cols.stride + (arg % kw) * cols.dilation - cols.before
    # Index of each window's winner in x viewed as (N*C, H*W), flattened.
    plane = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    winner = plane + r * w + q
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


def _maxpool_disjoint(x, kh, kw, oh, ow):
    """Max pooling when the windows do not overlap (stride == size), the usual 2x2/2.

    Same result and tie rule as the general path, faster: instead of an argmax
    over a (..., kh*kw) copy, the kh*kw offsets are strided views of x;
    the max is a running np.maximum, and mask k marks the windows whose first
    maximum (reading order) sits at offset k. np.maximum propagates a NaN, which
    equals nothing: where the maximum is NaN, the first NaN is the winner (as
    argmax's in the general path).
    """
    views = [x[:, :, p:p + kh * oh:kh, q:q + kw * ow:kw] for p in range(kh) for q in range(kw)]
    out = views[0].copy()
    for v in views[1:]:
        np.maximum(out, v, out=out)
    nan_out = np.isnan(out)
    if not nan_out.any():
        nan_out = None
    taken = np.zeros(out.shape, dtype=bool)
    masks = np.empty((len(views),) + out.shape, dtype=bool)
    for k, v in enumerate(views):
        np.equal(v, out, out=masks[k])
        if nan_out is not None:
            masks[k] |= nan_out & np.isnan(v)
        masks[k] &= ~taken               # a tie goes to the first maximum only
        taken |= masks[k]
    return out, ("disjoint", x.shape, x.dtype, (kh, kw), masks)


def _maxpool_disjoint_backward(dout, cache):
    _, x_shape, dtype, (kh, kw), masks = cache
    n, c, h, w = x_shape
    oh, ow = masks.shape[-2:]
    dout = as_array("dout", dout, 4, "(N, C, OH, OW)")
    check_shape("dout", dout, (n, c, oh, ow), "(N, C, OH, OW)")
    dout = dout.astype(dtype, copy=False)
    dx = np.zeros(x_shape, dtype=dtype)
    for k in range(kh * kw):
        p, q = divmod(k, kw)
        # copy where the mask is set (dx is 0 elsewhere): no -0.0 from dout * False
        np.copyto(dx[:, :, p:p + kh * oh:kh, q:q + kw * ow:kw], dout, where=masks[k])
    return dx


def avgpool2d_forward(x, size=2, stride=None, *, padding=0, ceil_mode=False,
                      count_include_pad=False):
    """Average pooling: the mean of each window.

    x (N, C, H, W) -> out (N, C, OH, OW), cache. size, stride, padding and ceil_mode
    as in :func:`maxpool2d_forward` (OH likewise, with dilation 1).
    count_include_pad: False (the default, Keras' and ONNX's convention) divides each
        window's sum by the number of its cells on the input, so padding changes no
        mean; True (PyTorch's default) divides by the cells on the input or its
        padding (not the cells a ceil_mode window overhangs, as in PyTorch).

        out[n, c, i, j] = sum of the window's input cells / count[i, j]
    """
    x, rows, cols = _pool_geometry(x, size, stride, padding, 1, ceil_mode)
    count_include_pad = flag("count_include_pad", count_include_pad)
    if _padded(rows, cols):
        count = np.outer(rows.counts(count_include_pad), cols.counts(count_include_pad))
    else:                                # every window lies on the input: kh * kw cells each
        count = np.array(rows.k * cols.k)
    count = count.astype(x.dtype)
    windows = _windows_view(_windows.pad2d(x, rows, cols), rows, cols)
    out = windows.sum(axis=(-2, -1), dtype=x.dtype) / count
    return out, (x.shape, x.dtype, rows, cols, count)


def avgpool2d_backward(dout, cache):
    """dL/dx for average pooling: each window spreads dout / count over its cells.

    dout (N, C, OH, OW) -> dx (N, C, H, W) (the share of padded cells is dropped).
    """
    x_shape, dtype, rows, cols, count = cache
    n, c, h, w = x_shape
    dout = as_array("dout", dout, 4, "(N, C, OH, OW)")
    check_shape("dout", dout, (n, c, rows.out, cols.out), "(N, C, OH, OW)")
    share = dout.astype(dtype, copy=False) / count
    dx_pad = np.zeros((n, c, rows.before + h + rows.after + rows.extra,
                       cols.before + w + cols.after + cols.extra), dtype=dtype)
    for p in range(rows.k):
        top = p * rows.dilation
        for q in range(cols.k):
            left = q * cols.dilation
            dx_pad[:, :, top:top + rows.stride * rows.out:rows.stride,
                   left:left + cols.stride * cols.out:cols.stride] += share
    if not _padded(rows, cols):
        return dx_pad
    return np.ascontiguousarray(dx_pad[:, :, rows.before:rows.before + h, cols.before:cols.before + w])
