"""Numerical gradients by central differences, and the relative error used to compare.

    df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / (2h)

The error of this estimate shrinks like h^2; with h = 1e-5 in float64 an
analytic gradient that is right agrees to about 1e-8 or better in relative
error, and one that is wrong is off by far more.
"""

import inspect
import numbers
import warnings

import numpy as np

from ._validate import as_array, finite

__all__ = ["numerical_gradient", "numerical_gradient_array", "rel_error"]


def _float64_array(name, x):
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            f"{name} must be a float64 ndarray (it is perturbed in place; float32 is too "
            f"coarse for finite differences), got {type(x).__name__} "
            f"{getattr(x, 'dtype', '')}".rstrip()
        )
    return x


def _call_with_x(f):
    """``f`` as a function of the perturbed array: ``f(x)`` is the documented form.

    A function that takes no arguments (the form of earlier releases, which had to
    read the very array passed as x) still works for one release, with a
    DeprecationWarning.
    """
    if not callable(f):
        raise TypeError(f"f must be a function called as f(x), got {type(f).__name__}")
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):      # some builtins have no signature: assume f(x)
        return f
    try:
        signature.bind(None)
        return f
    except TypeError:
        pass
    try:
        signature.bind()
    except TypeError:
        raise TypeError(f"f must accept one argument, the perturbed array: f(x); "
                        f"got a function with signature {signature}") from None
    warnings.warn(
        "numerical_gradient: f takes the perturbed array as its argument, f(x) (as in "
        "cs231n's eval_numerical_gradient); a function without arguments is deprecated "
        "and will stop working in the next release. Write `lambda x: loss(x)`.",
        DeprecationWarning, stacklevel=3)
    return lambda _x: f()


def _step(h):
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite step such as 1e-5, got {h!r}")
    return float(h)


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f at x, one coordinate at a time (cs231n's form).

    f: called as ``f(x)`` with x perturbed in one coordinate; returns a number.
    x: float64 ndarray of any shape, perturbed in place and restored -> grad, same shape.
    h: the step of the central difference, (f(x + h e_i) - f(x - h e_i)) / (2h).

    The scalar case of :func:`numerical_gradient_array`, with dout = 1.
    """
    g = _call_with_x(f)
    return _numerical_gradient_array(lambda xp: float(g(xp)), x, 1.0, _step(h))


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of sum(f(x) * dout) at x, for an array-valued f.

    This is what a layer's backward computes: given the upstream gradient dout,
    the gradient reaching x.
    f: called as ``f(x)`` with x perturbed in one coordinate; returns an array.
    x: float64 ndarray (perturbed in place and restored); dout: shape of f's output.
    """
    dout = finite("dout", as_array("dout", dout))
    return _numerical_gradient_array(_call_with_x(f), x, dout, _step(h))


def _numerical_gradient_array(f, x, dout, h):
    x = _float64_array("x", x)
    dout = np.asarray(dout, dtype=np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        try:                      # restore x even if f raises
            x[i] = old + h
            plus = np.array(f(x), dtype=np.float64, copy=True)
            x[i] = old - h
            minus = np.array(f(x), dtype=np.float64, copy=True)
        finally:
            x[i] = old
        if plus.shape != dout.shape:
            raise ValueError(f"dout must have the shape of f's output {plus.shape}, got {dout.shape}")
        grad[i] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest elementwise relative difference, max |a - b| / max(|a| + |b|, 1e-8).

    0 means identical; about 1e-7 or less means a gradient is right; 1 means
    unrelated numbers.

    Caveat: each entry is judged against its own size, so an entry whose true
    value is (close to) 0 scores badly from round-off alone: a finite difference
    of 1e-10 where the exact gradient is 0 gives 1e-10 / 1e-8 = 0.01. Check
    gradients on data that keep the entries away from zero (tests/test_conv.py).
    """
    for name, value in (("a", a), ("b", b)):
        kind = np.asarray(value).dtype.kind
        if kind not in "biuf":
            raise TypeError(f"{name} must be a real numeric array, got dtype {np.asarray(value).dtype}")
    a = finite("a", np.asarray(a, dtype=np.float64))     # a NaN would make any check pass or fail
    b = finite("b", np.asarray(b, dtype=np.float64))
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))
