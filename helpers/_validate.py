"""Checks shared by every public kernel.

Every public function validates its arguments here, once, at the boundary, so that
a wrong shape fails with a message that names the argument, the shape it received
and the shape it expected, instead of failing deep inside a broadcast.
"""

import numbers

import numpy as np


def as_array(name, value, ndim=None, expected=None):
    """Return ``value`` as a numeric ndarray (integers and floats are accepted).

    name: the argument's name, used in error messages.
    ndim: the required number of dimensions, or None for any.
    expected: a human description of the expected shape, e.g. "(N, C, H, W)".
    """
    try:
        array = np.asarray(value)
    except ValueError as error:          # ragged nested lists: name the argument
        raise ValueError(
            f"{name} must be a rectangular numeric array"
            + (f" of shape {expected}" if expected else "") + f", got {error}"
        ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be a numeric array, got dtype {array.dtype} and shape {array.shape}"
            + (f"; expected shape {expected}" if expected else "")
        )
    if ndim is not None and array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions {expected or ''}".rstrip()
            + f", got shape {array.shape}"
        )
    return array


def float_dtype(*arrays):
    """The floating dtype a kernel computes in.

    float32 stays float32 (also next to small integers such as uint8 pixels);
    float64, large integers and anything mixed with float64 become float64.
    """
    dtypes = [a.dtype for a in arrays if a is not None]
    has_float32 = any(d == np.float32 for d in dtypes)
    only_narrow = all(d == np.float32 or (d.kind in "biu" and d.itemsize <= 2) for d in dtypes)
    return np.dtype(np.float32) if has_float32 and only_narrow else np.dtype(np.float64)


def as_float(name, value, ndim=None, expected=None, dtype=None):
    """Like :func:`as_array`, then cast to ``dtype`` (default: float32 stays,
    everything else becomes float64)."""
    array = as_array(name, value, ndim, expected)
    target = dtype if dtype is not None else float_dtype(array)
    return array.astype(target, copy=False)


def positive_int(name, value, minimum=1):
    """An integer >= ``minimum`` (bools are refused: ``True`` is not a stride)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_shape(name, array, expected_shape, description):
    """Raise ValueError unless ``array.shape == expected_shape``."""
    if tuple(array.shape) != tuple(expected_shape):
        raise ValueError(
            f"{name} must have shape {description} = {tuple(expected_shape)}, "
            f"got {tuple(array.shape)}"
        )


def integer_labels(name, labels, n, num_classes):
    """Integer class labels of shape (N,), each in [0, num_classes)."""
    array = np.asarray(labels)
    if array.dtype.kind not in "iu":
        if array.dtype.kind == "f" and array.size and np.all(array == np.round(array)):
            array = array.astype(np.int64)
        else:
            raise TypeError(
                f"{name} must hold integer class labels of shape (N,) = ({n},), "
                f"got dtype {array.dtype} and shape {array.shape}"
            )
    check_shape(name, array, (n,), "(N,)")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in [0, {num_classes}) (K = {num_classes} classes), "
            f"got values from {array.min()} to {array.max()}"
        )
    return array.astype(np.int64, copy=False)
