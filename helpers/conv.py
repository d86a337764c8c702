"""2-D convolution layer: forward, backward, a loop version and the output size.

What deep-learning frameworks (and the article) call "convolution" is
cross-correlation: the filter is slid over the input without being flipped,

    out[n, f, i, j] = b[f] + sum_{c, p, q} x_pad[n, c, i*sh + p*dh, j*sw + q*dw] * w[f, c, p, q]

Shapes (batch first, as everywhere in this course):

    x    (N, C, H, W)      N images, C channels, H rows, W columns
    w    (F, C, KH, KW)    F filters, each C x KH x KW
    b    (F,)              one bias per filter (optional)
    out  (N, F, OH, OW)    OH = (H + 2p - KH) // s + 1, OW = (W + 2p - KW) // s + 1

Arguments of every function here (keyword-only in the kernels):

    stride    s, or (sh, sw) per axis                                      default 1
    padding   p zeros on every side, (ph, pw) per axis, "valid" (0) or "same":
              Keras' "same" gives OH = ceil(H / sh) with total padding
              max((OH - 1) sh + (KH - 1) dh + 1 - H, 0), the odd row at the bottom
              (and the odd column on the right)                            default 0
    dilation  d, or (dh, dw): the filter's taps are d cells apart, so a KH-row
              filter spans (KH - 1) dh + 1 rows (its effective size)      default 1

    in general OH = (H + top + bottom - ((KH - 1) dh + 1)) // sh + 1, likewise OW.

Derived step by step in notebooks 01, 02 (forward) and 05 (backward); with a batch,
channels, filters, stride and padding in notebook 08.
"""

import numpy as np

from . import _windows
from ._validate import as_array, check_shape, float_dtype, int_pair, padding_arg, positive_int

__all__ = ["conv_output_size", "conv2d_naive", "conv2d_backward_naive", "conv2d_forward",
           "conv2d_backward"]


def conv_output_size(n, f, padding=0, stride=1, dilation=1):
    """Length of the output along one axis: ``(n + 2*padding - f_eff) // stride + 1``.

    f_eff = (f - 1) * dilation + 1 is the span of a dilated filter (f without dilation).
    padding: an int (zeros on both sides), "valid" (0) or "same" (Keras: the output
    is ceil(n / stride) long). With no padding and stride 1 this is the article's
    ``n - f + 1``. Like the frameworks, the division floors: input rows that a whole
    window cannot reach are dropped. For per-axis values call it once per axis.
    """
    n = positive_int("n", n)
    f = positive_int("f", f)
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f"padding must be an integer >= 0 (one axis), 'valid' or 'same', "
                             f"got {padding!r}")
        padding = 0 if padding.lower() == "valid" else "same"
    else:
        padding = positive_int("padding", padding, minimum=0)
    stride = positive_int("stride", stride)
    dilation = positive_int("dilation", dilation)
    geometry = _windows.axis(n, f, stride, dilation, padding)
    if geometry is None:
        if dilation == 1:
            raise ValueError(
                f"kernel size f={f} is larger than the padded input n + 2*padding = "
                f"{n} + 2*{padding} = {n + 2 * padding}")
        raise ValueError(
            f"kernel size f={f} with dilation={dilation} spans (f - 1)*dilation + 1 = "
            f"{(f - 1) * dilation + 1} cells, more than the padded input n + 2*padding = "
            f"{n} + 2*{padding} = {n + 2 * padding}")
    return geometry.out


def _conv_geometry(x_shape, w_shape, stride, padding, dilation):
    """Validate stride, padding and dilation -> (rows, cols): the windows along H and W."""
    stride = int_pair("stride", stride, axes="(sh, sw)")
    padding = padding_arg("padding", padding)
    dilation = int_pair("dilation", dilation, axes="(dh, dw)")
    geometry = []
    for axis in (0, 1):
        n, k = x_shape[2 + axis], w_shape[2 + axis]
        pad = padding[axis] if not isinstance(padding, str) else (
            0 if padding == "valid" else padding)
        found = _windows.axis(n, k, stride[axis], dilation[axis], pad)
        if found is None:
            kname, name = ("KH", "H") if axis == 0 else ("KW", "W")
            if dilation[axis] == 1:
                raise ValueError(
                    f"w's kernel {kname}={k} (w shape {w_shape}) is larger than x's padded "
                    f"{name} + 2*padding = {n} + 2*{pad} = {n + 2 * pad} (x shape {x_shape})")
            raise ValueError(
                f"w's kernel {kname}={k} with dilation={dilation[axis]} spans "
                f"({kname} - 1)*dilation + 1 = {(k - 1) * dilation[axis] + 1} cells (w shape "
                f"{w_shape}), more than x's padded {name} + 2*padding = {n} + 2*{pad} = "
                f"{n + 2 * pad} (x shape {x_shape})")
        geometry.append(found)
    return tuple(geometry)


def _check_conv_args(x, w, b, stride, padding, dilation=1):
    """Validate the public arguments -> x, w, b as arrays of one float dtype, and the
    windows (rows, cols) along H and W (:class:`helpers._windows.Axis`)."""
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
    rows, cols = _conv_geometry(x.shape, w.shape, stride, padding, dilation)
    dtype = float_dtype(x, w, b)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    if b is not None:
        b = b.astype(dtype, copy=False)
    return x, w, b, (rows, cols)


def conv2d_naive(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """Convolution written as plain loops, one output number at a time (for reading).

    Same arguments, shapes and result as :func:`conv2d_forward`; far slower.
    """
    x, w, b, (rows, cols) = _check_conv_args(x, w, b, stride, padding, dilation)
    n_images, _, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    sh, sw = rows.stride, cols.stride
    x_pad = _windows.pad2d(x, rows, cols)
    out = np.zeros((n_images, n_filters, rows.out, cols.out), dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(rows.out):
                for j in range(cols.out):
                    top, left = i * sh, j * sw
                    # KH rows top, top + dilation, ...; KW columns left, left + dilation, ...
                    patch = x_pad[n, :, top:top + rows.span:rows.dilation,
                                  left:left + cols.span:cols.dilation]
                    out[n, f, i, j] = np.sum(patch * w[f])
                    if b is not None:
                        out[n, f, i, j] += b[f]
    return out


def conv2d_backward_naive(dout, x, w, b=None, *, stride=1, padding=0, dilation=1):
    """Gradients of a convolution written as plain loops (for reading).

    dout (N, F, OH, OW), x (N, C, H, W), w (F, C, KH, KW), b (F,) or None, the same
    stride, padding and dilation as the forward -> dx (N, C, H, W), dw (F, C, KH, KW),
    db (F,) (None without a bias). Same results as :func:`conv2d_backward`; far slower.

    One output number out[n, f, i, j] = b[f] + sum_{c,p,q} x_pad[n, c, i*s+p, j*s+q] w[f, c, p, q]
    (stride s, dilation 1; with dilation d the row is i*s + p*d) sends its gradient
    dout[n, f, i, j] back along every term of its sum:
        db[f]                       += dout[n, f, i, j]
        dw[f, c, p, q]              += dout[n, f, i, j] * x_pad[n, c, i*s+p, j*s+q]
        dx_pad[n, c, i*s+p, j*s+q]  += dout[n, f, i, j] * w[f, c, p, q]
    so dw and db sum over the images n and the positions (i, j), dx over the filters f
    and over every window that contains the pixel. dx is dx_pad without its frame of
    padding (their gradient is discarded: the zeros are not inputs).
    """
    x, w, b, (rows, cols) = _check_conv_args(x, w, b, stride, padding, dilation)
    n_images, channels, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    sh, sw = rows.stride, cols.stride
    dout = as_array("dout", dout, 4, "(N, F, OH, OW)")
    check_shape("dout", dout, (n_images, n_filters, rows.out, cols.out), "(N, F, OH, OW)")
    dout = dout.astype(x.dtype, copy=False)
    x_pad = _windows.pad2d(x, rows, cols)
    dx_pad = np.zeros(x_pad.shape, dtype=x.dtype)
    dw = np.zeros(w.shape, dtype=x.dtype)
    db = np.zeros(n_filters, dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(rows.out):
                for j in range(cols.out):
                    window = (slice(i * sh, i * sh + rows.span, rows.dilation),
                              slice(j * sw, j * sw + cols.span, cols.dilation))
                    g = dout[n, f, i, j]
                    db[f] += g
                    dw[f] += g * x_pad[n, :, window[0], window[1]]
                    dx_pad[n, :, window[0], window[1]] += g * w[f]
    dx = dx_pad[:, :, rows.before:rows.before + height, cols.before:cols.before + width].copy()
    return dx, dw, (db if b is not None else None)


def conv2d_forward(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """Vectorized convolution (cross-correlation) of a mini-batch.

    x (N, C, H, W), w (F, C, KH, KW), b (F,) or None; stride, padding, dilation as in
    the module docstring -> out (N, F, OH, OW), cache for :func:`conv2d_backward`

    Formula: out[n, f, i, j] = b[f] + sum_{c,p,q} x_pad[n, c, i*sh + p*dh, j*sw + q*dw] w[f, c, p, q].

    Method (im2col, batch-major): each image's patches are copied into a
    (C*KH*KW, OH*OW) matrix, one strided block copy per kernel offset (p, q) for
    the whole batch (each copy moves whole rows); one batched matrix product with
    the filters, reshaped to (F, C*KH*KW), gives (N, F, OH*OW): already the output
    layout, no transpose. The patch matrices are the size of one mini-batch's
    patches: call this on mini-batches, not on a whole data set.
    """
    x, w, b, (rows, cols_) = _check_conv_args(x, w, b, stride, padding, dilation)
    n_images, channels, height, width = x.shape
    n_filters, _, kh, kw = w.shape
    oh, ow = rows.out, cols_.out
    sh, sw = rows.stride, cols_.stride
    x_pad = _windows.pad2d(x, rows, cols_)
    cols = np.empty((n_images, channels, kh, kw, oh, ow), dtype=x.dtype)
    for p in range(kh):
        top = p * rows.dilation
        for q in range(kw):
            left = q * cols_.dilation
            cols[:, :, p, q] = x_pad[:, :, top:top + sh * oh:sh, left:left + sw * ow:sw]
    cols = cols.reshape(n_images, channels * kh * kw, oh * ow)
    out = np.matmul(w.reshape(n_filters, channels * kh * kw), cols)   # (N, F, OH*OW)
    if b is not None:
        out += b[:, None]
    cache = (x.shape, cols, w, b is not None, (rows, cols_))
    return out.reshape(n_images, n_filters, oh, ow), cache


def conv2d_backward(dout, cache, *, compute_dx=True):
    """Gradients of a loss through :func:`conv2d_forward`.

    dout (N, F, OH, OW): dL/dout, the upstream gradient.
    compute_dx: False skips dx (returned as None), e.g. for a first layer whose
        input is the data: it saves about half of the backward's work.
    -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,) (None if the forward had no bias)

    Formulas (s = stride, d = dilation, x_pad the padded input):
        dw[f, c, p, q] = sum_{n,i,j} dout[n, f, i, j] x_pad[n, c, i*s+p*d, j*s+q*d]
                         (the input correlated with the upstream gradient)
        db[f]          = sum_{n,i,j} dout[n, f, i, j]
        dx_pad[n, c, i*s+p*d, j*s+q*d] += sum_f dout[n, f, i, j] w[f, c, p, q]
                         (for stride 1, dilation 1: the full correlation of dout with
                         the flipped filter)
    """
    x_shape, cols, w, has_bias, (rows, cols_) = cache
    n_images, channels, height, width = x_shape
    n_filters, _, kh, kw = w.shape
    oh, ow = rows.out, cols_.out
    sh, sw = rows.stride, cols_.stride
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
    dx_pad = np.zeros((n_images, channels, rows.before + height + rows.after,
                       cols_.before + width + cols_.after), dtype=w.dtype)
    # One strided add per kernel offset (KH*KW of them) instead of one per output pixel.
    for p in range(kh):
        top = p * rows.dilation
        for q in range(kw):
            left = q * cols_.dilation
            dx_pad[:, :, top:top + sh * oh:sh, left:left + sw * ow:sw] += dcols[:, :, p, q]
    dx = dx_pad[:, :, rows.before:rows.before + height, cols_.before:cols_.before + width]
    return np.ascontiguousarray(dx), dw, db
