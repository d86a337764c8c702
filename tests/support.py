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


class Case(NamedTuple):
    """One convolution problem: shapes, hyper-parameters and a seed for the values."""
    n: int
    c: int
    h: int
    w: int
    f: int
    kh: int
    kw: int
    stride: int
    padding: int
    seed: int

    @property
    def out_hw(self):
        return ((self.h + 2 * self.padding - self.kh) // self.stride + 1,
                (self.w + 2 * self.padding - self.kw) // self.stride + 1)

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
