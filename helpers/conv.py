"""2-D convolution layer: forward, backward, a loop version and the output size.

What deep-learning frameworks (and the article) call "convolution" is
cross-correlation: the filter is slid over the input without being flipped,

    out[n, f, i, j] = b[f] + sum_{c, p, q} x_pad[n, c, i*s + p, j*s + q] * w[f, c, p, q]

Shapes (batch first, as everywhere in this course):

    x    (N, C, H, W)      N images, C channels, H rows, W columns
    w    (F, C, KH, KW)    F filters, each C x KH x KW
    b    (F,)              one bias per filter (optional)
    out  (N, F, OH, OW)    OH = (H + 2p - KH) // s + 1, OW = (W + 2p - KW) // s + 1

Derived step by step in notebooks 01, 02 (forward) and 05 (backward); with a batch,
channels, filters, stride and padding in notebook 08.
"""

import numpy as np

from ._validate import as_array, check_shape, float_dtype, positive_int

__all__ = ["conv_output_size", "conv2d_naive", "conv2d_backward_naive", "conv2d_forward",
           "conv2d_backward"]


def conv_output_size(n, f, padding=0, stride=1):
    """Length of the output along one axis: ``(n + 2*padding - f) // stride + 1``.

    With no padding and stride 1 this is the article's ``n - f + 1``. Like the
    frameworks, the division floors: input rows that a whole window cannot
    reach are dropped.
    """
    n = positive_int("n", n)
    f = positive_int("f", f)
    padding = positive_int("padding", padding, minimum=0)
    stride = positive_int("stride", stride)
    if f > n + 2 * padding:
        raise ValueError(
            f"kernel size f={f} is larger than the padded input n + 2*padding = "
            f"{n} + 2*{padding} = {n + 2 * padding}"
        )
    return (n + 2 * padding - f) // stride + 1


def _check_conv_args(x, w, b, stride, padding):
    """Validate the public arguments; return x, w, b as arrays of one float dtype."""
    x = as_array("x", x, 4, "(N, C, H, W)")
    w = as_array("w", w, 4, "(F, C, KH, KW)")
    if b is not None:
        b = as_array("b", b, 1, "(F,)")
        check_shape("b", b, (w.shape[0],), "(F,)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"channel mismatch: x has C={x.shape[1]} channels (shape {x.shape}) but "
            f"w expects C={w.shape[1]} (shape {w.shape}, i.e. (F, C, KH, KW))"
        )
    stride = positive_int("stride", stride)
    padding = positive_int("padding", padding, minimum=0)
    for axis, (n, k) in enumerate(zip(x.shape[2:], w.shape[2:])):
        if k > n + 2 * padding:
            name = ("KH", "H") if axis == 0 else ("KW", "W")
            raise ValueError(
                f"w's kernel {name[0]}={k} (w shape {w.shape}) is larger than x's padded "
                f"{name[1]} + 2*padding = {n} + 2*{padding} = {n + 2 * padding} (x shape {x.shape})"
            )
    dtype = float_dtype(x, w, b)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    if b is not None:
        b = b.astype(dtype, copy=False)
    return x, w, b, stride, padding


def _pad(x, padding):
    if padding == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def conv2d_naive(x, w, b=None, *, stride=1, padding=0):
    """Convolution written as plain loops, one output number at a time (for reading).

    Same arguments, shapes and result as :func:`conv2d_forward`; far slower.
    """
    x, w, b, stride, padding = _check_conv_args(x, w, b, stride, padding)
    n_images, _, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    oh = conv_output_size(height, kh, padding, stride)
    ow = conv_output_size(width, kw, padding, stride)
    x_pad = _pad(x, padding)
    out = np.zeros((n_images, n_filters, oh, ow), dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * stride, j * stride
                    patch = x_pad[n, :, top:top + kh, left:left + kw]
                    out[n, f, i, j] = np.sum(patch * w[f])
                    if b is not None:
                        out[n, f, i, j] += b[f]
    return out


def conv2d_backward_naive(dout, x, w, b=None, *, stride=1, padding=0):
    """Gradients of a convolution written as plain loops (for reading).

    dout (N, F, OH, OW), x (N, C, H, W), w (F, C, KH, KW), b (F,) or None, the same
    stride and padding as the forward -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,)
    (None without a bias). Same results as :func:`conv2d_backward`; far slower.

    One output number out[n, f, i, j] = b[f] + sum_{c,p,q} x_pad[n, c, i*s+p, j*s+q] w[f, c, p, q]
    sends its gradient dout[n, f, i, j] back along every term of its sum:
        db[f]                       += dout[n, f, i, j]
        dw[f, c, p, q]              += dout[n, f, i, j] * x_pad[n, c, i*s+p, j*s+q]
        dx_pad[n, c, i*s+p, j*s+q]  += dout[n, f, i, j] * w[f, c, p, q]
    so dw and db sum over the images n and the positions (i, j), dx over the filters f
    and over every window that contains the pixel. dx is dx_pad without its frame of
    `padding` zeros (their gradient is discarded: the zeros are not inputs).
    """
    x, w, b, stride, padding = _check_conv_args(x, w, b, stride, padding)
    n_images, channels, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    oh = conv_output_size(height, kh, padding, stride)
    ow = conv_output_size(width, kw, padding, stride)
    dout = as_array("dout", dout, 4, "(N, F, OH, OW)")
    check_shape("dout", dout, (n_images, n_filters, oh, ow), "(N, F, OH, OW)")
    dout = dout.astype(x.dtype, copy=False)
    x_pad = _pad(x, padding)
    dx_pad = np.zeros(x_pad.shape, dtype=x.dtype)
    dw = np.zeros(w.shape, dtype=x.dtype)
    db = np.zeros(n_filters, dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * stride, j * stride
                    g = dout[n, f, i, j]
                    db[f] += g
                    dw[f] += g * x_pad[n, :, top:top + kh, left:left + kw]
                    dx_pad[n, :, top:top + kh, left:left + kw] += g * w[f]
    dx = dx_pad[:, :, padding:padding + height, padding:padding + width].copy()
    return dx, dw, (db if b is not None else None)


def conv2d_forward(x, w, b=None, *, stride=1, padding=0):
    """Vectorized convolution (cross-correlation) of a mini-batch.

    x (N, C, H, W), w (F, C, KH, KW), b (F,) or None
    -> out (N, F, OH, OW), cache for :func:`conv2d_backward`

    Formula: out[n, f, i, j] = b[f] + sum_{c,p,q} x_pad[n, c, i*s+p, j*s+q] w[f, c, p, q].

    Method (im2col, batch-major): each image's patches are copied into a
    (C*KH*KW, OH*OW) matrix, one strided block copy per kernel offset (p, q) for
    the whole batch (each copy moves whole rows); one batched matrix product with
    the filters, reshaped to (F, C*KH*KW), gives (N, F, OH*OW): already the output
    layout, no transpose. The patch matrices are the size of one mini-batch's
    patches: call this on mini-batches, not on a whole data set.
    """
    x, w, b, stride, padding = _check_conv_args(x, w, b, stride, padding)
    n_images, channels, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    oh = conv_output_size(height, kh, padding, stride)
    ow = conv_output_size(width, kw, padding, stride)
    x_pad = _pad(x, padding)
    cols = np.empty((n_images, channels, kh, kw, oh, ow), dtype=x.dtype)
    for p in range(kh):
        for q in range(kw):
            cols[:, :, p, q] = x_pad[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride]
    cols = cols.reshape(n_images, channels * kh * kw, oh * ow)
    out = np.matmul(w.reshape(n_filters, channels * kh * kw), cols)   # (N, F, OH*OW)
    if b is not None:
        out += b[:, None]
    cache = (x.shape, cols, w, b is not None, stride, padding)
    return out.reshape(n_images, n_filters, oh, ow), cache


def conv2d_backward(dout, cache, *, compute_dx=True):
    """Gradients of a loss through :func:`conv2d_forward`.

    dout (N, F, OH, OW): dL/dout, the upstream gradient.
    compute_dx: False skips dx (returned as None), e.g. for a first layer whose
        input is the data: it saves about half of the backward's work.
    -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,) (None if the forward had no bias)

    Formulas (s = stride, x_pad the padded input):
        dw[f, c, p, q] = sum_{n,i,j} dout[n, f, i, j] x_pad[n, c, i*s+p, j*s+q]
                         (the input correlated with the upstream gradient)
        db[f]          = sum_{n,i,j} dout[n, f, i, j]
        dx_pad[n, c, i*s+p, j*s+q] += sum_f dout[n, f, i, j] w[f, c, p, q]
                         (for stride 1: the full correlation of dout with the flipped filter)
    """
    x_shape, cols, w, has_bias, stride, padding = cache
    n_images, channels, height, width = x_shape
    n_filters, _, kh, kw = w.shape
    oh = (height + 2 * padding - kh) // stride + 1
    ow = (width + 2 * padding - kw) // stride + 1
    dout = as_array("dout", dout, 4, "(N, F, OH, OW)")
    check_shape("dout", dout, (n_images, n_filters, oh, ow), "(N, F, OH, OW)")
    dout = dout.astype(w.dtype, copy=False)

    dout_mat = dout.reshape(n_images, n_filters, oh * ow)
    # dw: one (F, OH*OW) @ (OH*OW, C*KH*KW) product per image, summed over the images
    dw = np.matmul(dout_mat, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    db = dout_mat.sum(axis=(0, 2)) if has_bias else None
    if not compute_dx:
        return None, dw, db

    dcols = np.matmul(w.reshape(n_filters, -1).T, dout_mat)          # (N, C*KH*KW, OH*OW)
    dcols = dcols.reshape(n_images, channels, kh, kw, oh, ow)
    dx_pad = np.zeros((n_images, channels, height + 2 * padding, width + 2 * padding),
                      dtype=w.dtype)
    # One strided add per kernel offset (KH*KW of them) instead of one per output pixel.
    for p in range(kh):
        for q in range(kw):
            dx_pad[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += dcols[:, :, p, q]
    dx = dx_pad[:, :, padding:padding + height, padding:padding + width]
    return np.ascontiguousarray(dx), dw, db
