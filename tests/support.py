"""Small helpers shared by several test modules (imported as ``support``, like jax_oracle)."""

import os
import warnings
from typing import NamedTuple

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

# CNN_TEST_EXAMPLES=12 runs every hypothesis test with 12x its usual number of examples.
SCALE = float(os.environ.get("CNN_TEST_EXAMPLES", "1"))

seeds = st.integers(0, 2**32 - 1)


def examples(n):
    """Hypothesis settings: n examples (times SCALE), no deadline (a shared machine is slow)."""
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None)


def close(actual, expected):
    """Equal up to float64 rounding."""
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12)


def per_axis(value):
    """An int or a pair -> a pair."""
    return (value, value) if np.ndim(value) == 0 else tuple(value)


def output_length(n, k, stride=1, padding=0, dilation=1):
    """One axis of a convolution's output, written out independently of helpers/:
    the frameworks' floor((n + 2p - span) / s) + 1 with span = (k - 1) d + 1, and for
    "same" Keras' ceil(n / s)."""
    if padding == "same":
        return -(-n // stride)
    padding = 0 if padding == "valid" else padding
    return (n + 2 * padding - ((k - 1) * dilation + 1)) // stride + 1


class Case(NamedTuple):
    """One convolution problem: shapes, hyper-parameters and a seed for the values.

    stride and dilation: an int or a pair; padding: an int, a pair, "valid" or "same".
    """
    n: int
    c: int
    h: int
    w: int
    f: int
    kh: int
    kw: int
    stride: object
    padding: object
    seed: int
    dilation: object = 1

    @property
    def out_hw(self):
        stride, dilation = per_axis(self.stride), per_axis(self.dilation)
        padding = (self.padding,) * 2 if isinstance(self.padding, str) else per_axis(self.padding)
        return tuple(output_length(n, k, s, p, d) for n, k, s, p, d in
                     zip((self.h, self.w), (self.kh, self.kw), stride, padding, dilation))

    @property
    def args(self):
        """The keyword arguments of the kernels for this case."""
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation)

    def arrays(self, positive=False, dtype=np.float64):
        """x (N, C, H, W), w (F, C, KH, KW), b (F,), dout (N, F, OH, OW)."""
        rng = np.random.default_rng(self.seed)
        oh, ow = self.out_hw
        shapes = [(self.n, self.c, self.h, self.w), (self.f, self.c, self.kh, self.kw),
                  (self.f,), (self.n, self.f, oh, ow)]
        if positive:
            return [rng.uniform(0.5, 1.5, s).astype(dtype) for s in shapes]
        return [rng.standard_normal(s).astype(dtype) for s in shapes]


@st.composite
def conv_cases(draw, max_n=3, max_hw=8, max_k=4):
    """Random shapes: H != W and KH != KW allowed, strides that do not divide, padding."""
    h, w = draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw))
    padding = draw(st.integers(0, 2))
    return Case(
        n=draw(st.integers(1, max_n)), c=draw(st.integers(1, 3)), h=h, w=w,
        f=draw(st.integers(1, 3)),
        kh=draw(st.integers(1, min(max_k, h + 2 * padding))),
        kw=draw(st.integers(1, min(max_k, w + 2 * padding))),
        stride=draw(st.integers(1, 3)), padding=padding,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def _int_or_pair(draw, low, high):
    """An int, or a pair (a, b) that is often unequal."""
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


@st.composite
def general_conv_cases(draw, max_n=2, max_hw=8, max_k=3):
    """Issue 14's arguments: stride and dilation ints or pairs, padding an int, a pair,
    "valid" or "same"; kernels drawn so that their dilated span fits the padded input."""
    h, w = draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw))
    stride = _int_or_pair(draw, 1, 3)
    dilation = _int_or_pair(draw, 1, 3)
    padding = draw(st.one_of(st.sampled_from(["valid", "same"]),
                             st.builds(lambda a, b, pair: (a, b) if pair else a,
                                       st.integers(0, 2), st.integers(0, 2), st.booleans())))
    kernel = []
    for n, d, p in zip((h, w), per_axis(dilation),
                       (padding,) * 2 if isinstance(padding, str) else per_axis(padding)):
        room = n + (2 * p if isinstance(p, int) else 2 * max_k * d if p == "same" else 0)
        kernel.append(draw(st.integers(1, max(1, min(max_k, (room - 1) // d + 1)))))
    return Case(n=draw(st.integers(1, max_n)), c=draw(st.integers(1, 2)), h=h, w=w,
                f=draw(st.integers(1, 2)), kh=kernel[0], kw=kernel[1], stride=stride,
                padding=padding, seed=draw(seeds), dilation=dilation)


# Cases the brief names explicitly, so they run on every run and not only when drawn.
FIXED_CASES = {
    "nonsquare_s2_p1": Case(n=2, c=3, h=7, w=5, f=4, kh=3, kw=2, stride=2, padding=1, seed=1),
    "stride_does_not_divide": Case(n=2, c=2, h=8, w=9, f=3, kh=3, kw=2, stride=2, padding=0, seed=2),
    "stride3_pad2": Case(n=3, c=1, h=6, w=4, f=2, kh=2, kw=4, stride=3, padding=2, seed=3),
    "article_shapes_small": Case(n=4, c=1, h=12, w=12, f=3, kh=5, kw=5, stride=1, padding=0, seed=4),
    "kernel_covers_input": Case(n=2, c=2, h=3, w=4, f=2, kh=3, kw=4, stride=1, padding=0, seed=5),
    "one_by_one": Case(n=2, c=3, h=4, w=5, f=2, kh=1, kw=1, stride=1, padding=0, seed=6),
    # A filter taller than the unpadded input with stride 2: the shape that crashed XLA's
    # compiler in the JAX oracle (tests/jax_oracle.py, _conv), kept so every run compiles it.
    "filter_taller_than_input_s2_p1": Case(n=1, c=1, h=1, w=4, f=1, kh=2, kw=2, stride=2,
                                           padding=1, seed=7),
}

# Issue 14's arguments, each on its own and together.
GENERAL_CASES = {
    # d2l's examples on 8 x 8 inputs: output (8, 8) and (2, 2)
    "d2l_padding_2_1": Case(n=1, c=1, h=8, w=8, f=1, kh=5, kw=3, stride=1, padding=(2, 1), seed=11),
    "d2l_stride_3_4": Case(n=1, c=1, h=8, w=8, f=1, kh=3, kw=5, stride=(3, 4), padding=(0, 1),
                           seed=12),
    "same_even_kernel_asymmetric": Case(n=2, c=2, h=5, w=6, f=3, kh=2, kw=4, stride=1,
                                        padding="same", seed=13),
    "same_stride_2": Case(n=2, c=2, h=7, w=6, f=2, kh=3, kw=2, stride=2, padding="same", seed=14),
    "same_dilated": Case(n=1, c=2, h=6, w=5, f=2, kh=3, kw=2, stride=(1, 2), padding="same",
                         seed=15, dilation=(2, 3)),
    "valid_string": Case(n=2, c=1, h=6, w=7, f=2, kh=3, kw=3, stride=(2, 1), padding="valid",
                         seed=16),
    "dilation_2": Case(n=2, c=3, h=7, w=8, f=2, kh=3, kw=3, stride=1, padding=0, seed=17,
                       dilation=2),
    "everything_per_axis": Case(n=2, c=2, h=9, w=7, f=3, kh=3, kw=2, stride=(2, 3),
                                padding=(1, 2), seed=18, dilation=(2, 1)),
}


class no_numeric_warnings:
    """Context: any warning, and any overflow / divide / invalid in NumPy, is an error."""

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("error")
        self._errstate = np.errstate(over="raise", divide="raise", invalid="raise")
        self._errstate.__enter__()

    def __exit__(self, *exc):
        self._errstate.__exit__(*exc)
        return self._warnings.__exit__(*exc)


def find_widget(box, cls, description=None):
    """The first widget of type cls (with that description) anywhere inside box."""
    stack = [box]
    while stack:
        w = stack.pop(0)
        if isinstance(w, cls) and (description is None or w.description.startswith(description)):
            return w
        stack.extend(getattr(w, "children", ()))
    raise LookupError(f"no {cls.__name__} {description!r} in the explorer")
