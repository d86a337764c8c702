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
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):   # before any cast
        raise ValueError(f"{name} must hold finite integer class labels, got "
                         f"{array[~np.isfinite(array)].ravel()[0]}")
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


# ---------------------------------------------------------------- scalars, choices, labels
# The same kind of message everywhere: "<name> must be <what is expected>, got <what came>".

def _shown(value):
    """A received value as a message shows it: arrays by dtype and shape, others by repr."""
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def integer(name, value, minimum=None, maximum=None):
    """A Python or NumPy integer (not a bool, not a float such as 2.0) in [minimum, maximum]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_shown(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def optional_integer(name, value, minimum=None, maximum=None):
    """None, or :func:`integer`."""
    return None if value is None else integer(name, value, minimum, maximum)


def number(name, value, minimum=None, maximum=None, *, above=None, below=None):
    """A finite real number (not a bool): minimum <= value <= maximum, above < value < below."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_shown(value)}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    for bound, fails, words in ((minimum, lambda b: value < b, ">="),
                                (maximum, lambda b: value > b, "<="),
                                (above, lambda b: value <= b, ">"),
                                (below, lambda b: value >= b, "<")):
        if bound is not None and fails(bound):
            raise ValueError(f"{name} must be {words} {bound}, got {value}")
    return float(value)


def flag(name, value):
    """True or False (NumPy's bool too); 0, 1 and strings are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_shown(value)}")
    return bool(value)


def one_of(name, value, options):
    """``value`` if it is one of ``options`` (strings), else a ValueError listing them."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {_shown(value)}")
    return value


def function(name, value, how):
    """A callable; ``how`` says how it is called, e.g. "f(x)"."""
    if not callable(value):
        raise TypeError(f"{name} must be a function called as {how}, got {_shown(value)}")
    return value


def seed(name, value):
    """What ``np.random.default_rng`` takes: None, an integer >= 0, a Generator or SeedSequence."""
    if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence)):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be None, an integer >= 0 or a np.random.Generator, "
                        f"got {_shown(value)}")
    return integer(name, value, 0)


def float_type(name, value):
    """np.float32 or np.float64 (as a type, a dtype or its name) -> the dtype."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if value is None or dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be np.float32 or np.float64, got {_shown(value)}")
    return dtype


def labels(name, values, n=None, num_classes=None):
    """Integer class labels (N,) >= 0 (and < num_classes) -> int64.

    Finiteness is checked before any cast, so that a label of inf or NaN is reported as
    what was passed, not as the integer a cast makes of it.
    """
    expected = "(N,)" if n is None else f"(N,) = ({n},)"
    try:
        array = np.asarray(values)
    except ValueError:
        raise ValueError(f"{name} must be integer class labels of shape {expected}, "
                         f"got a ragged sequence") from None
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            bad = array[~np.isfinite(array)].ravel()[0]
            raise ValueError(f"{name} must hold finite integer class labels, got {bad}")
        if array.size and not np.all(array == np.round(array)):
            bad = array[array != np.round(array)].ravel()[0]
            raise TypeError(f"{name} must hold integer class labels, got {bad} "
                            f"(dtype {array.dtype}, shape {array.shape})")
    elif array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels of shape {expected}, "
                        f"got dtype {array.dtype} and shape {array.shape}")
    if array.ndim != 1 or (n is not None and array.shape[0] != n):
        raise ValueError(f"{name} must have shape {expected}, got {array.shape}")
    if array.size and array.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0, got {array.min()}")
    if num_classes is not None and array.size and array.max() >= num_classes:
        raise ValueError(f"{name} must lie in [0, {num_classes}) (K = {num_classes} classes), "
                         f"got values from {array.min()} to {array.max()}")
    return array.astype(np.int64)


def finite(name, array):
    """Raise ValueError if a numeric array holds NaN or inf (names the first such value)."""
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"{name} must be finite, got {bad} at index "
                         f"{tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])}")
    return array


def param_dict(name, params, keys=None, optional=()):
    """A dict of numeric arrays; with ``keys``, exactly those keys (plus any of ``optional``)."""
    if not isinstance(params, dict):
        raise TypeError(f"{name} must be a dict of arrays, got {_shown(params)}")
    if keys is not None:
        missing = [k for k in keys if k not in params]
        extra = [k for k in params if k not in keys and k not in optional]
        if missing or extra:
            raise ValueError(f"{name} must have the keys {list(keys)}"
                             + (f" (optionally {list(optional)})" if optional else "")
                             + f", got {list(params)}")
    for key, value in params.items():
        as_array(f"{name}[{key!r}]", value)
    return params
