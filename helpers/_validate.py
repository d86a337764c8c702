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


# ---------------------------------------------------------------- window arguments (issue 14)

def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def int_pair(name, value, minimum=1, axes="(h, w)"):
    """An integer or a pair of integers (one per axis), each >= ``minimum`` -> (a, b).

    ``axes`` names the pair in messages, e.g. "(sh, sw)" for a stride.
    """
    if isinstance(value, (tuple, list, np.ndarray)):
        items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
        if (isinstance(value, np.ndarray) and value.ndim != 1) or len(items) != 2 \
                or not all(_is_int(v) for v in items):
            raise TypeError(f"{name} must be an integer or a pair {axes} of integers, "
                            f"got {value!r}")
        if min(items) < minimum:
            raise ValueError(f"{name} must be >= {minimum} on both axes {axes}, got {value!r}")
        return int(items[0]), int(items[1])
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer or a pair {axes} of integers, got {value!r}")
    value = positive_int(name, value, minimum)
    return value, value


PADDING_MODES = ("valid", "same")


def padding_arg(name, value, axes="(ph, pw)"):
    """``padding``: an integer >= 0, a pair ``axes`` of them, or "valid" / "same".

    -> "valid", "same" (strings are accepted in any case, "SAME" as in TensorFlow)
    or a pair of integers (rows, columns), each added on both sides.
    """
    if isinstance(value, str):
        mode = value.lower()
        if mode not in PADDING_MODES:
            raise ValueError(f"{name} must be an integer >= 0, a pair {axes} of them, "
                             f"'valid' or 'same', got {value!r}")
        return mode
    try:
        return int_pair(name, value, minimum=0, axes=axes)
    except TypeError:
        raise TypeError(f"{name} must be an integer >= 0, a pair {axes} of them, "
                        f"'valid' or 'same', got {value!r}") from None


def flag(name, value):
    """A bool (True/False or a NumPy bool); anything else is refused, 0 and 1 included."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)
