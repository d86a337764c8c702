"""A fast training path for the course's CNN: the same mathematics, other memory layouts.

The readable kernels (``helpers.conv``, ``helpers.layers``) are written to be read next
to the formulas. This module computes the same functions for training speed, with NumPy
only. ``helpers.train`` uses it by default for ``nets.IMPROVED_CNN`` (``fast=False``
there switches back to the readable kernels). Its results agree with the readable
kernels up to float rounding, not bit for bit: sums are added in another order
(tests/test_fast.py checks every function against its readable counterpart).

Layer functions keep the course's conventions (batch first in and out, ``(out, cache)``,
``backward(dout, cache)``):

    conv2d_forward(x, w, b, stride=1, padding=0)  x (N, C, H, W), w (F, C, KH, KW), b (F,)
                                                  -> out (N, F, OH, OW), cache
    conv2d_backward(dout, cache)                  -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,)
    relu_maxpool2d_forward(z, b=None)             z (N, C, H, W), b (C,)
                                                  -> maxpool2x2(relu(z + b)) (N, C, H//2, W//2)
    relu_maxpool2d_backward(dout, cache)          -> dz (N, C, H, W), db (C,)

and the improved CNN's whole step (the network's forward, the loss, the backward):

    cnn_loss_and_grads(params, x, y, loss_grad)   -> loss, logits (N, K), grads (dict)
    cnn_logits(params, x)                         -> logits (N, K)

How it is fast (measured in benchmarks/bench_speed.py; see benchmarks/README.md):

1. Flat padded images, channels last, the batch folded into the long dimension. n
   images C x H x W with padding P live in one zero-filled (positions, C) array: image
   after image, each image row preceded by P zero columns and each image by P zero rows.
   The zeros are shared (the right padding of a row is the left padding of the next, the
   bottom padding of an image the top padding of the next), so pixel (i, j) of image m
   sits at position ``m*(H+P)*pitch + (i+P)*pitch + (j+P)`` with pitch = W + P, and a
   kernel offset (p, q) is one constant shift ``p*pitch + q`` for every pixel of every
   image. Positions that fall in the padding get an output too, computed and ignored.
2. Patches without the patch copy. KH shifted copies of the flat image side by side
   (``stack[t, p] = flat[t + p*pitch]``: KH copies, where im2col makes KH*KW) turn every
   patch into one contiguous run of KW*KH*C numbers. The patches of positions r,
   r + R, r + 2R, ... (R >= KW "lanes") then lie at a constant stride: an ordinary
   strided matrix (a view) that BLAS multiplies directly, one product per lane, written
   straight into the output.
3. The input gradient is the same convolution, run over the flat upstream gradient (zero
   wherever there is no output) with the filters turned by 180 degrees and their channel
   axes swapped.
4. Outputs a max pool can read fast. With R = 4 lanes and an even pitch, lanes 0 and 2
   hold the even columns and lanes 1 and 3 the odd ones: the output comes out as two
   contiguous arrays, even and odd columns, and a 2x2 max pool is a max of whole arrays
   and of row pairs, never a loop over a few numbers. (Layer 1 only: for the quarter-size
   maps of layer 2 the even pitch's extra products cost more than they save.)
5. ReLU, bias and pool fused: relu(max(z) + b) = max(relu(z + b)) because adding b and
   relu are monotonic, so bias, relu and its gate touch a quarter of the numbers. The
   backward's routing (first maximum in reading order, as ``layers.maxpool2d_forward``)
   is recorded in the forward, while the numbers are in the cache.
6. Two cores. A mini-batch is cut into an even number of chunks of about CHUNK images,
   a function of the batch size only. Each thread takes the next chunk and runs its
   forward and backward with BLAS on one thread; the chunks' gradients are added in chunk
   order, so any number of threads gives bit-identical results. Buffers are allocated
   once per thread and chunk size (64-byte aligned, reused with ``out=``): memory does
   not grow with the batch size.

Threads: ``set_threads(n)`` or the environment variable ``CNN_COURSE_THREADS`` (default:
the CPUs this process may run on, at most 8). BLAS is limited to one thread during a
step with threadpoolctl (without it, BLAS keeps its own setting).
"""

import itertools
import os
import threading

import numpy as np

from . import conv as _conv
from . import _validate as _v
from ._validate import as_array, check_shape, float_dtype, positive_int

__all__ = [
    "conv2d_forward", "conv2d_backward", "relu_maxpool2d_forward", "relu_maxpool2d_backward",
    "cnn_loss_and_grads", "cnn_logits", "cnn_supported", "chunk_sizes",
    "set_threads", "get_threads", "CHUNK",
]

#: Target images per chunk; a batch of B images is cut into an even number of chunks
#: of about this size (see :func:`chunk_sizes`).
CHUNK = 16
_ALIGN = 64


# ---------------------------------------------------------------- buffers

def _zeros(shape, dtype):
    """A zero-filled array whose data starts on a 64-byte boundary.

    Every buffer of this module is aligned alike, so a computation gives the same
    bits whichever thread (and so whichever buffer) runs it.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    raw = np.zeros(nbytes + _ALIGN, dtype=np.uint8)
    start = -raw.ctypes.data % _ALIGN
    return raw[start:start + nbytes].view(dtype).reshape(shape)


# ---------------------------------------------------------------- the flat layout

class Grid:
    """Geometry of n images C x H x W in the flat padded layout (see the module docstring).

    For a convolution with a KH x KW kernel, padding P and stride s:
        pitch = W + P            positions per image row (P shared zero columns; one more
                                 when split = 2 and W + P is odd, so that pitch is even)
        block = (H + P) * pitch  positions per image
        lanes                    the products go ``lanes`` positions at a time: KW,
                                 rounded up to a multiple of split
        span                     output positions computed: n * block rounded up to a
                                 multiple of lanes
        rows                     length of a flat input buffer (zeros past the images)
    split: 1 stores the outputs in position order, (1, span, F); 2 stores them by column
        parity, (2, span / 2, F): even columns, then odd columns, each contiguous, which
        is what a 2x2 max pool reads.
    """

    def __init__(self, n, h, w, kh, kw, padding, stride=1, split=1, pitch=None):
        self.n, self.h, self.w, self.kh, self.kw = n, h, w, kh, kw
        self.p, self.s, self.split = padding, stride, split
        self.pitch = w + padding + (w + padding) % split if pitch is None else pitch
        self.hb = h + padding
        self.block = self.hb * self.pitch
        self.oh1 = h + 2 * padding - kh + 1          # stride-1 output size
        self.ow1 = w + 2 * padding - kw + 1
        self.oh = (self.oh1 - 1) // stride + 1
        self.ow = (self.ow1 - 1) // stride + 1
        self.lanes = -(-kw // split) * split
        self.m = -(-n * self.block // self.lanes)   # rows of each of the lane products
        self.span = self.m * self.lanes
        self.reach = (kh - 1) * self.pitch + kw - 1  # farthest input of an output position
        self.rows = self.span + self.reach + self.lanes
        self.stack_rows = self.span + kw - 1

    @staticmethod
    def supports(kh, kw, padding):
        """The layout needs padding <= kernel - 1 (else an output row of an image would
        spill into the next image's block)."""
        return padding <= kh - 1 and padding <= kw - 1

    def data(self, buf):
        """(n, H, W, C) view of the image pixels in a flat (>= n*block, C) buffer."""
        c = buf.shape[-1]
        return buf[:self.n * self.block].reshape(self.n, self.hb, self.pitch, c)[
            :, self.p:, self.p:self.p + self.w, :]

    def outputs(self, out):
        """(n, OH, OW, F) view of the real outputs in an output buffer of split 1."""
        f = out.shape[-1]
        grid = out[0, :self.n * self.block].reshape(self.n, self.hb, self.pitch, f)
        return grid[:, :self.oh1:self.s, :self.ow1:self.s, :]

    def halves(self, out):
        """The even- and odd-column outputs of a split-2 buffer, each (n, H+P, pitch/2, F)."""
        f = out.shape[-1]
        size = self.n * self.block // 2
        return tuple(out[i, :size].reshape(self.n, self.hb, self.pitch // 2, f) for i in (0, 1))


def _as_rows(a):
    """a (..., C) as an array of (...) elements of C numbers each (a view), so that a
    strided copy moves whole rows of C numbers at a time instead of one number."""
    c = a.shape[-1]
    if a.strides[-1] != a.itemsize:
        return a
    return a.view(np.dtype((np.void, c * a.itemsize)))[..., 0]


def _stack_copies(src, grid, stack):
    """The (destination, source) view pairs that fill a row stack:
    stack[t, p, :] = src[t + p * pitch, :] for t < stack_rows (KH shifted copies of the
    flat image (rows, C) side by side), moving whole rows of C numbers at a time. Rows of
    64 bytes or more go in one copy of all KH shifts (one GIL hand-off); shorter rows (a
    one-channel image) in one copy per shift, whose inner loop is long."""
    rows_out, rows_src = _as_rows(stack), _as_rows(src)
    if src.shape[-1] * src.itemsize < 64:
        return [(rows_out[:, p], rows_src[p * grid.pitch:p * grid.pitch + grid.stack_rows])
                for p in range(grid.kh)]
    step = rows_src.strides[0]
    shifted = np.lib.stride_tricks.as_strided(rows_src, shape=(grid.stack_rows, grid.kh),
                                              strides=(step, grid.pitch * step), writeable=False)
    return [(rows_out, shifted)]


def _copy_all(pairs):
    for dst, src in pairs:
        dst[...] = src


def _patches(stack, grid):
    """All lanes' patch matrices as one strided view, (split, lanes / split, m, KW*KH*C):
    [r % split, r // split] is lane r, the (m, KW*KH*C) matrix of the patches of output
    positions r, r + lanes, r + 2*lanes, ... (no copy).

    Row t of lane r is stack[t*lanes + r : t*lanes + r + KW] flattened, i.e. the patch
    of position t*lanes + r in (q, p, c) order. Rows lie ``lanes`` stack rows apart, at
    least a patch's length: each lane is an ordinary strided matrix for BLAS, and one
    ``np.matmul`` call multiplies them all (one call: the GIL is released once).
    """
    per_row = stack.shape[1] * stack.shape[2]
    flat = stack.reshape(-1)
    item = flat.itemsize
    return np.lib.stride_tricks.as_strided(
        flat, shape=(grid.split, grid.lanes // grid.split, grid.m, grid.kw * per_row),
        strides=(per_row * item, grid.split * per_row * item, grid.lanes * per_row * item, item),
        writeable=False)


def _lanes(out, grid):
    """The rows of an output buffer (split, span / split, F) for every lane, as one view
    (split, lanes / split, m, F) matching :func:`_patches`."""
    f = out.shape[-1]
    per = grid.lanes // grid.split
    return out[:, :grid.span // grid.split].reshape(grid.split, grid.m, per, f).transpose(0, 2, 1, 3)


def _conv_flat(patches, wmat, out_lanes):
    """out[t] = patch(t) @ wmat for every position t: one matrix product per lane, all in
    one call, straight into each lane's rows of the output."""
    np.matmul(patches, wmat, out=out_lanes)


def _conv_flat_wgrad(patches, dz_lanes):
    """dwmat = sum_t patch(t)^T dz[t] (KW*KH*C, F), one product per lane, then the sum
    over the lanes; dz is zero at every position that is not a real output."""
    parts = np.matmul(patches.transpose(0, 1, 3, 2), dz_lanes)
    return parts.reshape(-1, *parts.shape[2:]).sum(axis=0)


def _weight_matrix(w):
    """w (F, C, KH, KW) -> (KW*KH*C, F), rows in the (q, p, c) order of a flat patch."""
    f, c, kh, kw = w.shape
    return np.ascontiguousarray(w.transpose(3, 2, 1, 0).reshape(kw * kh * c, f))


def _flipped_weight_matrix(w):
    """The matrix of the input-gradient convolution: filters turned by 180 degrees and
    the channel axes swapped, w'[c, f, p, q] = w[f, c, KH-1-p, KW-1-q]."""
    return _weight_matrix(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def _weights_from_matrix(dwmat, shape):
    f, c, kh, kw = shape
    return np.ascontiguousarray(dwmat.reshape(kw, kh, c, f).transpose(3, 2, 1, 0))


# ---------------------------------------------------------------- fused relu + 2x2 max pool

class _ReluPool:
    """relu(2x2 max pool(z) + b) and its backward, for z stored by column parity.

    even, odd: (n, R, W', C) views of the even and the odd columns of z (R >= 2*oh
        rows, W' >= ow columns; rows and columns no window reaches are ignored)
    out: (n, oh, ow, C) where the forward writes its result (any view whose last two
        axes are contiguous)
    d_even, d_odd: stored like even and odd, where the backward writes dE/dz (only
        the positions some window reaches are written: the others stay as they are)
    All views and scratch arrays are made once: a training step only calls
    :meth:`forward` and :meth:`backward`. The operations run over whole image rows of
    ow*C numbers (a bias of C numbers is repeated ow times to match): NumPy is several
    times slower on a loop of C = 16 numbers than on one of 224.
    """

    def __init__(self, even, odd, oh, ow, out, d_even, d_odd):
        n, _, _, c = even.shape
        dtype = even.dtype
        self.shape = (n, oh, ow, c)
        self.hmax = _zeros(even.shape, dtype)
        self.left_wins = _zeros(even.shape, bool)
        rows = (slice(0, 2 * oh, 2), slice(1, 2 * oh, 2))
        self.even, self.odd, self.out = even, odd, out
        self.top, self.bottom = (self.hmax[:, r, :ow] for r in rows)
        self.left_wins_rows = [self.left_wins[:, r, :ow] for r in rows]
        self.d_left = [d_even[:, r, :ow] for r in rows]
        self.d_right = [d_odd[:, r, :ow] for r in rows]
        self.top_wins, self.gate = _zeros(self.shape, bool), _zeros(self.shape, bool)
        self.gated, self.half = _zeros(self.shape, dtype), _zeros(self.shape, dtype)
        self.ones = np.ones(n * oh * ow, dtype)
        self.zeros = np.zeros(ow * c, dtype)

    def _rows(self, a):
        """a (n, oh, ow, C) as (n, oh, ow*C): the same numbers, whole rows (a view)."""
        return a.reshape(a.shape[0], a.shape[1], -1)

    def forward(self, b):
        """out = relu(max over each 2x2 window + b); b (C,) or None.

        Also records, for the backward, while the numbers are in the cache: which
        column of each horizontal pair holds its first maximum (left >= right, for
        every pair at once), whether the top pair holds the window's first maximum
        (top max >= bottom max), and the relu gate (out > 0). Together they send each
        window's gradient to its first maximum in reading order, as
        ``layers.maxpool2d_forward`` does.
        """
        out = self._rows(self.out)
        np.maximum(self.even, self.odd, out=self.hmax)       # max of each horizontal pair
        np.greater_equal(self.even, self.odd, out=self.left_wins)
        np.greater_equal(self.top, self.bottom, out=self.top_wins)
        np.maximum(self.top, self.bottom, out=self.out)
        if b is None:
            np.maximum(out, self.zeros, out=out)
        else:
            # relu(m + b) = max(m, -b) + b, exactly: fl(m + b) > 0 if and only if m > -b
            row_b = np.tile(b, self.shape[2])
            np.maximum(out, -row_b, out=out)
            np.add(out, row_b, out=out)
        np.greater(self.out, 0, out=self.gate)
        return self.out

    def backward(self, dp):
        """Route dp (n, oh, ow, C) to d_even and d_odd; return db (C,), the sum of
        the gated gradient (the bias gradient)."""
        gated, half = self.gated, self.half
        np.multiply(dp, self.gate, out=gated)                # relu gate, on the pooled values
        db = self.ones @ gated.reshape(-1, gated.shape[-1])
        np.multiply(gated, self.top_wins, out=half)          # to the top pair
        np.subtract(gated, half, out=gated)                  # to the bottom pair
        for row, share in ((0, half), (1, gated)):
            np.multiply(share, self.left_wins_rows[row], out=self.d_left[row])    # left column
            np.subtract(share, self.d_left[row], out=self.d_right[row])           # right column
        return db


# ---------------------------------------------------------------- layer API (batch first)

def conv2d_forward(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """Convolution (cross-correlation), the fast way; same result as ``conv.conv2d_forward``.

    x (N, C, H, W), w (F, C, KH, KW), b (F,) or None
    -> out (N, F, OH, OW), OH = (H + 2*padding - KH) // stride + 1, cache

    Formula: out[n, f, i, j] = b[f] + sum_{c,p,q} x_pad[n, c, i*s+p, j*s+q] w[f, c, p, q].
    Method: the flat padded layout and the row stack of the module docstring; a
    stride s > 1 computes the stride-1 outputs and keeps every s-th (s^2 times the
    work: the fast path is for stride 1). padding > KH - 1 or > KW - 1 does not fit
    the layout, and neither do per-axis strides or paddings, asymmetric ("same" with an
    even kernel) padding or dilation: then the readable ``conv.conv2d_forward`` is used
    (same results).
    """
    x, w, b, (rows, cols) = _conv._check_conv_args(x, w, b, stride, padding, dilation)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    one_stride_and_padding = (rows.stride == cols.stride and rows.dilation == cols.dilation == 1
                              and rows.before == rows.after == cols.before == cols.after)
    if not one_stride_and_padding or not Grid.supports(kh, kw, rows.before):
        out, cache = _conv.conv2d_forward(x, w, b, stride=stride, padding=padding,
                                          dilation=dilation)
        return out, ("readable", cache)
    stride, padding = rows.stride, rows.before
    grid = Grid(n, h, wd, kh, kw, padding, stride)
    flat = _zeros((grid.rows, c), x.dtype)
    grid.data(flat)[...] = x.transpose(0, 2, 3, 1)
    stack = _zeros((grid.stack_rows, kh, c), x.dtype)
    _copy_all(_stack_copies(flat, grid, stack))
    z = _zeros((1, grid.span, f), x.dtype)
    _conv_flat(_patches(stack, grid), _weight_matrix(w), _lanes(z, grid))
    out = grid.outputs(z)
    if b is not None:
        out = out + b
    out = np.ascontiguousarray(out.transpose(0, 3, 1, 2))
    return out, ("fast", grid, stack, w, b is not None)


def conv2d_backward(dout, cache, *, compute_dx=True):
    """Gradients through :func:`conv2d_forward`; same results as ``conv.conv2d_backward``.

    dout (N, F, OH, OW) -> dx (N, C, H, W) (None if not compute_dx), dw (F, C, KH, KW),
    db (F,) (None without bias).

        dw = sum over positions of patch^T dout   (one product per lane)
        dx = dout, placed on the stride-1 output grid (zeros between strided outputs),
             convolved with the filters turned by 180 degrees, channel axes swapped
        db = dout summed over n, i, j
    """
    compute_dx = _v.flag("compute_dx", compute_dx)
    if not isinstance(cache, tuple) or len(cache) not in (2, 5) or cache[0] not in ("readable",
                                                                                     "fast"):
        raise TypeError(f"cache must be the cache that fast.conv2d_forward returned, got "
                        f"{_v._shown(cache)}")
    if cache[0] == "readable":
        return _conv.conv2d_backward(dout, cache[1], compute_dx=compute_dx)
    _, grid, stack, w, has_bias = cache
    f, c, kh, kw = w.shape
    dout = as_array("dout", dout, 4, "(N, F, OH, OW)")
    check_shape("dout", dout, (grid.n, f, grid.oh, grid.ow), "(N, F, OH, OW)")
    dout = dout.astype(w.dtype, copy=False)
    dzb = _zeros((1, grid.reach + grid.rows, f), w.dtype)       # zero guard, then dz
    dz = dzb[:, grid.reach:grid.reach + grid.span]
    grid.outputs(dz)[...] = dout.transpose(0, 2, 3, 1)
    dw = _weights_from_matrix(_conv_flat_wgrad(_patches(stack, grid), _lanes(dz, grid)), w.shape)
    db = dout.sum(axis=(0, 2, 3)) if has_bias else None
    if not compute_dx:
        return None, dw, db
    dstack = _zeros((grid.stack_rows, kh, f), w.dtype)
    _copy_all(_stack_copies(dzb[0], grid, dstack))
    dx = _zeros((1, grid.span, c), w.dtype)
    _conv_flat(_patches(dstack, grid), _flipped_weight_matrix(w), _lanes(dx, grid))
    dx = np.ascontiguousarray(grid.data(dx[0]).transpose(0, 3, 1, 2))
    return dx, dw, db


def relu_maxpool2d_forward(z, b=None, size=2, stride=2):
    """maxpool2d(relu(z + b)) over 2x2 windows with stride 2, in one pass.

    z (N, C, H, W), b (C,) or None -> out (N, C, H // 2, W // 2), cache.
    Same numbers as ``layers.maxpool2d_forward(layers.relu(z + b))`` (rows and
    columns no window reaches are dropped, ties go to the first maximum in reading
    order). Method: relu(max(z) + b) = max(relu(z + b)) because adding b and relu are
    monotonic; z is read by column parity (even columns, odd columns), so every max
    is over long contiguous runs of numbers. Only size = stride = 2 is implemented
    (a ValueError otherwise: use ``layers.maxpool2d_forward``).
    """
    z = as_array("z", z, 4, "(N, C, H, W)")
    z = z.astype(float_dtype(z, b if b is None else np.asarray(b)), copy=False)
    size, stride = positive_int("size", size), positive_int("stride", stride)
    if size != 2 or stride != 2:
        raise ValueError(f"the fused relu + max pool needs size = stride = 2, got size={size}, "
                         f"stride={stride}; use layers.maxpool2d_forward(layers.relu(z), ...)")
    n, c, h, w = z.shape
    if h < 2 or w < 2:
        raise ValueError(f"z must be at least 2 x 2 for a 2x2 pool, got shape {z.shape}")
    if b is not None:
        b = as_array("b", b, 1, "(C,)")
        check_shape("b", b, (c,), "(C,)")
        b = b.astype(z.dtype, copy=False)
    zt = z.transpose(0, 2, 3, 1)                       # (N, H, W, C)
    half = (w + 1) // 2
    even = np.ascontiguousarray(zt[:, :, 0::2])
    odd = _zeros((n, h, half, c), z.dtype)
    odd[:, :, :w // 2] = zt[:, :, 1::2]
    oh, ow = h // 2, w // 2
    d_even, d_odd = _zeros(even.shape, z.dtype), _zeros(odd.shape, z.dtype)
    pool = _ReluPool(even, odd, oh, ow, _zeros((n, oh, ow, c), z.dtype), d_even, d_odd)
    out = pool.forward(b)
    return (np.ascontiguousarray(out.transpose(0, 3, 1, 2)),
            (z.shape, pool, d_even, d_odd, b is not None))


def relu_maxpool2d_backward(dout, cache):
    """Gradients through :func:`relu_maxpool2d_forward`.

    dout (N, C, OH, OW) -> dz (N, C, H, W), db (C,) (None if the forward had no b).
    Each window's gradient goes to its first maximum if the output is > 0 (the relu
    gate), else nowhere; db is the gated gradient summed over n, i, j.
    """
    if not isinstance(cache, tuple) or len(cache) != 5:
        raise TypeError(f"cache must be the cache that relu_maxpool2d_forward returned, got "
                        f"{_v._shown(cache)}")
    (n, c, h, w), pool, d_even, d_odd, has_bias = cache
    dtype = pool.out.dtype
    dout = as_array("dout", dout, 4, "(N, C, OH, OW)")
    check_shape("dout", dout, (n, c, h // 2, w // 2), "(N, C, OH, OW)")
    dp = np.ascontiguousarray(dout.astype(dtype, copy=False).transpose(0, 2, 3, 1))
    db = pool.backward(dp)
    dz = np.empty((n, h, w, c), dtype)
    dz[:, :, 0::2] = d_even
    dz[:, :, 1::2] = d_odd[:, :, :w // 2]

    return np.ascontiguousarray(dz.transpose(0, 3, 1, 2)), (db if has_bias else None)


# ---------------------------------------------------------------- the improved CNN, one chunk

class _Workspace:
    """Every buffer one chunk of the improved CNN needs, allocated once and reused.

    For a chunk of n images Cin x H x W, channels (C1, C2), padding 1 (3x3 kernels:
    conv 1 gives H x W, pool 1 H2 = H // 2, conv 2 H2 x W2, pool 2 H3 = H2 // 2):
        x1 (rows1, Cin)       the images, flat and padded; s1 its row stack
        z1 (2, span1/2, C1)   conv 1 without its bias, by column parity (for pool 1)
        x2 (rows2, C1)        relu(pool(z1) + b1), flat and padded: conv 2's input; s2
        z2 (1, span2, C2)     conv 2 without its bias, in position order
        a2 (n, H3, W3, C2)    relu(pool(z2) + b2): the dense layer's input
        dz2b (1, reach2 + rows2, C2)  dz2 behind a zero guard, so that conv 2's input
                              gradient is a convolution of it; ds2 its stack, dx2 the result
        dz1 (2, span1/2, C1)  the gradient at conv 1's output, by column parity
    Zeros written once (the padding, the guards) stay zero: only pixel and output
    positions are ever written.

    Layer 2 keeps its outputs in position order (pitch W2 + 1 = 15): splitting them by
    column parity would need an even pitch, 16, and its 7% more products cost more
    than the pool saves on these quarter-size maps (measured). Layer 1's pool works on
    four times more numbers with 16 channels: there the split pays.
    """

    def __init__(self, n, cin, h, w, w1_shape, w2_shape, dtype):
        c1, _, kh1, kw1 = w1_shape
        c2, _, kh2, kw2 = w2_shape
        self.g1 = g1 = Grid(n, h, w, kh1, kw1, 1, split=2)
        self.pool1 = (g1.oh // 2, g1.ow // 2)
        self.g2 = g2 = Grid(n, *self.pool1, kh2, kw2, 1)
        self.pool2 = oh2, ow2 = (g2.oh // 2, g2.ow // 2)
        self.x1 = _zeros((g1.rows, cin), dtype)
        self.s1 = _zeros((g1.stack_rows, kh1, cin), dtype)
        self.z1 = _zeros((2, g1.span // 2, c1), dtype)
        self.x2 = _zeros((g2.rows, c1), dtype)
        self.s2 = _zeros((g2.stack_rows, kh2, c1), dtype)
        self.z2 = _zeros((1, g2.span, c2), dtype)
        self.a2 = _zeros((n, oh2, ow2, c2), dtype)
        self.dz2b = _zeros((1, g2.reach + g2.rows, c2), dtype)
        self.dz2 = self.dz2b[:, g2.reach:g2.reach + g2.span]
        self.ds2 = _zeros((g2.stack_rows, kh2, c2), dtype)
        self.dx2 = _zeros((1, g2.span, c1), dtype)
        self.dz1 = _zeros((2, g1.span // 2, c1), dtype)
        # views used every step
        self.x1_pixels = g1.data(self.x1)
        self.x2_pixels = g2.data(self.x2)
        self.dx2_pixels = g2.data(self.dx2[0])
        self.relu_pool1 = _ReluPool(*g1.halves(self.z1), *self.pool1, self.x2_pixels,
                                    *g1.halves(self.dz1))
        z2, dz2 = (a[0, :n * g2.block].reshape(n, g2.hb, g2.pitch, c2) for a in (self.z2, self.dz2))
        even, odd = slice(0, 2 * ow2, 2), slice(1, 2 * ow2, 2)
        self.relu_pool2 = _ReluPool(z2[:, :, even], z2[:, :, odd], oh2, ow2, self.a2,
                                    dz2[:, :, even], dz2[:, :, odd])
        self.fill_s1 = _stack_copies(self.x1, g1, self.s1)
        self.fill_s2 = _stack_copies(self.x2, g2, self.s2)
        self.fill_ds2 = _stack_copies(self.dz2b[0], g2, self.ds2)
        self.patches1, self.patches2 = _patches(self.s1, g1), _patches(self.s2, g2)
        self.dpatches2 = _patches(self.ds2, g2)
        self.z1_lanes, self.dz1_lanes = _lanes(self.z1, g1), _lanes(self.dz1, g1)
        self.z2_lanes, self.dz2_lanes = _lanes(self.z2, g2), _lanes(self.dz2, g2)
        self.dx2_lanes = _lanes(self.dx2, g2)


class _Prepared:
    """The parameters in the matrix forms the flat kernels multiply with (once per step)."""

    def __init__(self, params):
        self.w1_shape, self.w2_shape = params["w1"].shape, params["w2"].shape
        self.dtype = params["w1"].dtype
        self.wm1 = _weight_matrix(params["w1"])
        self.wm2 = _weight_matrix(params["w2"])
        self.wflip2 = _flipped_weight_matrix(params["w2"])
        self.b1, self.b2, self.b3 = params["b1"], params["b2"], params["b3"]
        c2 = self.w2_shape[0]
        d, k = params["W3"].shape
        # dense rows from the course's (c, i, j) flattening to our (i, j, c) one
        self.W3 = np.ascontiguousarray(
            params["W3"].reshape(c2, d // c2, k).transpose(1, 0, 2).reshape(d, k))


def _chunk_forward(ws, pr, x):
    """Logits (n, K) of one chunk x (n, Cin, H, W); the buffers of ws keep what the
    backward needs."""
    ws.x1_pixels[...] = x.transpose(0, 2, 3, 1)
    _copy_all(ws.fill_s1)
    _conv_flat(ws.patches1, pr.wm1, ws.z1_lanes)
    ws.relu_pool1.forward(pr.b1)
    _copy_all(ws.fill_s2)
    _conv_flat(ws.patches2, pr.wm2, ws.z2_lanes)
    ws.relu_pool2.forward(pr.b2)
    z3 = ws.a2.reshape(len(x), -1) @ pr.W3
    z3 += pr.b3
    return z3


def _chunk_backward(ws, pr, dz3):
    """Gradients of one chunk, in matrix form, from dz3 (n, K) after _chunk_forward."""
    a2f = ws.a2.reshape(len(dz3), -1)
    dW3 = a2f.T @ dz3
    db3 = dz3.sum(axis=0)
    da2 = (dz3 @ pr.W3.T).reshape(ws.a2.shape)
    db2 = ws.relu_pool2.backward(da2)
    dwm2 = _conv_flat_wgrad(ws.patches2, ws.dz2_lanes)
    _copy_all(ws.fill_ds2)
    _conv_flat(ws.dpatches2, pr.wflip2, ws.dx2_lanes)
    db1 = ws.relu_pool1.backward(ws.dx2_pixels)
    dwm1 = _conv_flat_wgrad(ws.patches1, ws.dz1_lanes)
    return dwm1, db1, dwm2, db2, dW3, db3


def _chunk_step(ws, pr, x, y, loss_grad, scale):
    """Forward and backward of one chunk: (its share of the loss, logits, grads).

    loss_grad averages over the chunk's rows; scale = chunk size / batch size turns
    that into this chunk's share of the batch's average."""
    z3 = _chunk_forward(ws, pr, x)
    value, dz3 = loss_grad(z3, y)
    if scale != 1:
        dz3 = dz3 * np.asarray(scale, dz3.dtype)
    return value * scale, z3, _chunk_backward(ws, pr, dz3.astype(pr.dtype, copy=False))


# ---------------------------------------------------------------- chunks and threads

_local = threading.local()
_threads = None
_executor = None
_executor_size = 0
_lock = threading.Lock()


def _default_threads():
    env = os.environ.get("CNN_COURSE_THREADS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ValueError(f"CNN_COURSE_THREADS must be a number of threads >= 1, got {env!r}")
        return int(env)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:                     # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def set_threads(n=None):
    """Use n threads for the fast training step (None: back to the default, the CPUs
    this process may use or $CNN_COURSE_THREADS). Results do not depend on n."""
    global _threads
    _threads = None if n is None else positive_int("n", n)


def get_threads():
    """The number of threads the fast training step uses."""
    return _threads if _threads is not None else _default_threads()


def chunk_sizes(batch):
    """How a mini-batch of ``batch`` images is cut: an even number of chunks (so that
    two threads get equal work) of about CHUNK images, sizes differing by at most one.
    A function of the batch size only: the chunks, and so the results, are the same
    for any number of threads."""
    batch = positive_int("batch", batch)
    if batch == 1:
        return [1]
    k = 2 * -(-batch // (2 * CHUNK))
    k = min(k, batch)
    base, extra = divmod(batch, k)
    return [base + 1] * extra + [base] * (k - extra)


def _workspace(n, cin, h, w, pr):
    cache = getattr(_local, "workspaces", None)
    if cache is None:
        cache = _local.workspaces = {}
    key = (n, cin, h, w, pr.w1_shape, pr.w2_shape, pr.dtype.str)
    ws = cache.get(key)
    if ws is None:
        if len(cache) >= 6:                    # a few shapes at most (full and last batch)
            cache.pop(next(iter(cache)))
        ws = cache[key] = _Workspace(n, cin, h, w, pr.w1_shape, pr.w2_shape, pr.dtype)
    return ws


def _pool(threads):
    global _executor, _executor_size
    with _lock:
        if _executor is None or _executor_size != threads:
            from concurrent.futures import ThreadPoolExecutor
            if _executor is not None:
                _executor.shutdown(wait=True)
            _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cnn-fast")
            _executor_size = threads
        return _executor


class _OneBlasThread:
    """Context: BLAS on one thread (threadpoolctl), so that our threads do not each start
    BLAS threads of their own; without threadpoolctl, nothing is changed."""

    _controller = None

    def __enter__(self):
        self._limit = None
        try:
            if _OneBlasThread._controller is None:
                from threadpoolctl import ThreadpoolController
                _OneBlasThread._controller = ThreadpoolController()
            self._limit = _OneBlasThread._controller.limit(limits=1, user_api="blas")
        except ImportError:
            pass
        return self

    def __exit__(self, *exc):
        if self._limit is not None:
            self._limit.restore_original_limits()
        return False


def cnn_supported(params, x):
    """True if :func:`cnn_loss_and_grads` computes this improved CNN (else use the
    readable ``nets.cnn_forward``): the parameter keys of ``nets.init_improved_cnn``,
    float32 or float64, kernels at least 2 x 2 (padding 1), images (N, C, H, W)."""
    _v.param_dict("params", params)
    keys = {"w1", "b1", "w2", "b2", "W3", "b3"}
    if set(params) != keys or np.ndim(x) != 4:
        return False
    dtype = np.asarray(params["w1"]).dtype
    if dtype not in (np.float32, np.float64) or any(
            np.asarray(v).dtype != dtype for v in params.values()):
        return False
    w1, w2 = np.shape(params["w1"]), np.shape(params["w2"])
    if len(w1) != 4 or len(w2) != 4 or w1[1] != np.shape(x)[1] or w2[1] != w1[0]:
        return False
    if any(k % 2 == 0 for k in (*w1[2:], *w2[2:])):     # odd kernels only (3x3, 5x5, ...)
        return False
    g1 = Grid(1, np.shape(x)[2], np.shape(x)[3], w1[2], w1[3], 1)
    h2, w2_ = g1.oh // 2, g1.ow // 2
    if h2 < 1 or w2_ < 1:
        return False
    g2 = Grid(1, h2, w2_, w2[2], w2[3], 1)
    d = w2[0] * (g2.oh // 2) * (g2.ow // 2)
    return g2.oh >= 2 and g2.ow >= 2 and np.shape(params["W3"])[0] == d


def _run_chunks(params, x, job, threads):
    """Cut x into chunk_sizes(N) chunks and run job(workspace, prepared, lo, hi) on each,
    on up to ``threads`` threads with BLAS on one thread; results in chunk order."""
    if not cnn_supported(params, x):
        raise ValueError("the fast path computes the improved CNN of nets.init_improved_cnn "
                         "(float32 or float64, odd kernels, padding 1, images (N, C, H, W)); "
                         "use nets.cnn_forward / nets.cnn_backward for this network")
    pr = _Prepared(params)
    n_total, cin, h, w = np.shape(x)
    sizes = chunk_sizes(n_total)
    starts = np.concatenate([[0], np.cumsum(sizes)]).tolist()

    def run(i):
        lo, hi = starts[i], starts[i + 1]
        return job(_workspace(hi - lo, cin, h, w, pr), pr, lo, hi)

    threads = min(get_threads() if threads is None else positive_int("threads", threads),
                  len(sizes))
    with _OneBlasThread():
        if threads == 1:
            return [run(i) for i in range(len(sizes))]
        return _in_parallel(run, len(sizes), threads)


def _in_parallel(run, count, threads):
    """[run(0), ..., run(count - 1)] on ``threads`` threads: this one and threads - 1 pool
    workers, each taking the next chunk as soon as it is free (so a thread slowed down by
    another program takes fewer chunks). Which thread runs a chunk does not change its
    result: every buffer is aligned alike."""
    results = [None] * count
    order = itertools.count()                  # next() is atomic under the GIL

    def work():
        for i in iter(lambda: next(order), None):
            if i >= count:
                return
            results[i] = run(i)

    helpers = [_pool(threads - 1).submit(work) for _ in range(threads - 1)]
    try:
        work()
    finally:
        for future in helpers:                 # wait for them, and re-raise their errors
            future.result()
    return results


def _images(params, x):
    x = as_array("x", x, 4, "(N, C, H, W)")
    if len(x) == 0:
        raise ValueError(f"x must hold at least one image, got shape {x.shape}")
    if "w1" not in params:         # not the improved CNN: _run_chunks says so
        return x
    dtype = np.asarray(params["w1"]).dtype
    return x if x.dtype == dtype else x.astype(dtype)


def cnn_logits(params, x, *, threads=None):
    """Logits (N, K) of the improved CNN, fast: the forward of :func:`cnn_loss_and_grads`.

    params: ``nets.init_improved_cnn`` parameters; x (N, C, H, W). Same numbers as
    ``nets.cnn_forward(params, x)[0]`` up to float rounding, whatever ``threads``.
    """
    _v.param_dict("params", params)
    x = _images(params, x)
    threads = _v.optional_integer("threads", threads, 1)
    parts = _run_chunks(params, x, lambda ws, pr, lo, hi: _chunk_forward(ws, pr, x[lo:hi]).copy(),
                        threads)
    return np.concatenate(parts)


def cnn_loss_and_grads(params, x, y, loss_grad, *, threads=None):
    """Loss, logits and gradients of the improved CNN on one mini-batch, fast.

    params: ``nets.init_improved_cnn`` parameters (float32 or float64)
    x: (N, C, H, W) images, y: (N,) targets
    loss_grad(z, y) -> (mean loss over the rows of z, dE/dz): e.g.
        ``functools.partial(train.loss_and_grad, "softmax_cross_entropy")``
    threads: how many threads (default :func:`get_threads`); the result does not
        depend on it.
    -> (loss value, logits z3 (N, K), grads: the keys and shapes of params)

    The same numbers as ``nets.cnn_forward`` + the loss + ``nets.cnn_backward`` up to
    float rounding. The batch is cut into ``chunk_sizes(N)`` chunks; each chunk's loss
    and gradient are scaled by its share of the batch and added in chunk order.
    """
    # checked once here, not per chunk
    _v.param_dict("params", params)
    x = _images(params, x)
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != len(x):
        raise ValueError(f"y must hold one target per image, N = {len(x)}, got shape {y.shape}")
    _v.function("loss_grad", loss_grad, "loss_grad(z, y) -> (loss, dz)")
    threads = _v.optional_integer("threads", threads, 1)
    n_total = len(x)
    results = _run_chunks(
        params, x,
        lambda ws, pr, lo, hi: _chunk_step(ws, pr, x[lo:hi], y[lo:hi], loss_grad,
                                           (hi - lo) / n_total),
        threads)
    value = 0.0
    for r in results:
        value += r[0]
    z = np.concatenate([r[1] for r in results])
    sums = list(results[0][2])
    for r in results[1:]:
        for k, g in enumerate(r[2]):
            sums[k] = sums[k] + g
    dwm1, db1, dwm2, db2, dW3, db3 = sums
    w1_shape, w2_shape = np.shape(params["w1"]), np.shape(params["w2"])
    c2 = w2_shape[0]
    d, k = dW3.shape
    grads = {
        "w1": _weights_from_matrix(dwm1, w1_shape), "b1": db1,
        "w2": _weights_from_matrix(dwm2, w2_shape), "b2": db2,
        "W3": np.ascontiguousarray(dW3.reshape(d // c2, c2, k).transpose(1, 0, 2).reshape(d, k)),
        "b3": db3,
    }
    return float(value), z, grads
