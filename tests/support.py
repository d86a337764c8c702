"""Small helpers shared by several test modules (imported as ``support``, like jax_oracle)."""

import os
import warnings

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
