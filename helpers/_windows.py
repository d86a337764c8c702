"""Where the windows of a convolution or a pooling layer lie: one axis at a time.

Shared by ``helpers.conv`` and ``helpers.layers`` (one copy of the geometry). Along
one axis of n input cells, a window has k taps, d cells apart (the dilation), so it
spans (k - 1) * d + 1 cells. The input gets ``before`` cells of padding in front
(top or left) and ``after`` behind (bottom or right); output i covers the padded
cells i*s + t*d for t = 0 .. k-1 (s the stride). The number of outputs is

    out = (before + n + after - span) // s + 1                  (floor, the default)
    out = ceil((before + n + after - span) / s) + 1             (ceil_mode, pooling only)

and with ceil_mode the last window must start inside the input or the padding in
front (PyTorch's rule); a last window that overhangs the padding behind is cut
short (``extra`` counts the cells it overhangs), and, as in PyTorch, that holds
even for a first window longer than the padded input by less than a stride.

padding="same" is Keras' (and TensorFlow's): out = ceil(n / s), total padding
max((out - 1) * s + span - n, 0), split with the odd cell behind (bottom or right).
"""

from typing import NamedTuple

import numpy as np

__all__ = ["Axis", "same_padding", "axis", "pad2d"]


class Axis(NamedTuple):
    """The windows along one axis (see the module docstring)."""
    n: int          # input cells
    k: int          # taps of the window
    stride: int
    dilation: int
    before: int     # padding in front (top or left)
    after: int      # padding behind (bottom or right)
    extra: int      # ceil_mode: cells past `after` that the last window overhangs
    out: int        # number of windows (output length)

    @property
    def span(self):
        """Cells one window spans: (k - 1) * dilation + 1."""
        return (self.k - 1) * self.dilation + 1

    def taps(self):
        """(out, k) input indices of every window's taps (negative or >= n: padding)."""
        return (np.arange(self.out)[:, None] * self.stride - self.before
                + np.arange(self.k)[None, :] * self.dilation)

    def counts(self, include_pad=False):
        """(out,) taps of each window that fall on the input (include_pad: on the input
        or its padding, never on the cells a ceil_mode window overhangs)."""
        taps = self.taps()
        low, high = (-self.before, self.n + self.after) if include_pad else (0, self.n)
        return np.sum((taps >= low) & (taps < high), axis=1)


def same_padding(n, k, stride=1, dilation=1):
    """Keras' "same" padding of one axis -> (before, after); the odd cell goes after."""
    out = -(-n // stride)                                   # ceil(n / s)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - n, 0)
    return total // 2, total - total // 2


def axis(n, k, stride, dilation, padding, ceil_mode=False):
    """The windows along one axis, or None if one window does not fit the padded input.

    padding: an int added on both sides, "valid" (0) or "same" (Keras).
    """
    if padding == "same":
        before, after = same_padding(n, k, stride, dilation)
    elif padding == "valid":
        before = after = 0
    else:
        before = after = padding
    room = before + n + after - ((k - 1) * dilation + 1)
    if ceil_mode:               # PyTorch: even a first window longer than the input is kept
        out = -(-room // stride) + 1                        # if it overhangs by less than s
        if (out - 1) * stride >= before + n:                # would start in the padding behind
            out -= 1
    else:
        out = room // stride + 1
    if out < 1:
        return None
    extra = max((out - 1) * stride + (k - 1) * dilation + 1 - (before + n + after), 0)
    return Axis(n, k, stride, dilation, before, after, extra, out)


def pad2d(x, rows, cols, value=0):
    """x (N, C, H, W) padded for the windows ``rows`` (H) and ``cols`` (W), with ``value``.

    Adds before / after (+ extra) cells on each axis; x itself when there is nothing to add.
    """
    widths = ((rows.before, rows.after + rows.extra), (cols.before, cols.after + cols.extra))
    if not any(widths[0] + widths[1]):
        return x
    return np.pad(x, ((0, 0), (0, 0)) + widths, constant_values=value)
