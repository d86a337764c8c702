"""A digit drawn with the mouse, made to look like an MNIST digit (notebook 11).

MNIST's digits were not photographed at 28x28: each was scanned, its stroke's bounding
box scaled to fit a 20x20 box keeping its aspect ratio (anti-aliasing gives grey levels),
and the result placed in a 28x28 field so that its centre of mass falls on the centre.
A network trained on them has only ever seen digits prepared that way; a drawing must be
prepared the same way before the network reads it.

    prepare_drawing(image)                  (H, W) drawing -> (28, 28) float32 in [0, 1]
    area_resize(image, scale)               (H, W) -> (ceil(H s), ceil(W s)): area averaging
    stroke_segment(image, start, end, width)   draw one thick, round, anti-aliased segment
    enlarge_digit(digit, size, box)         a 28x28 digit drawn large, as on a drawing canvas
    has_ink(image)                          False for a blank drawing

Coordinates are (row, column) of pixel centres: pixel (i, j) covers [i, i + 1) x [j, j + 1)
and its centre is (i + 0.5, j + 0.5) in drawing units; ``stroke_segment`` takes points in
those units (a mouse position on a canvas is one). NumPy and scipy.ndimage only.

Every argument is checked first, with a message naming it and the value received: images
finite, non-empty, >= 0; sides (box, size) integers in [1, MAX_SIDE]; a resized image at
most MAX_SIDE on each side; stroke points within MAX_COORDINATE pixels of the origin.
"""

import numbers

import numpy as np
from scipy import ndimage

from . import _validate as _v
from ._validate import as_array

__all__ = ["prepare_drawing", "area_resize", "stroke_segment", "enlarge_digit", "has_ink",
           "MNIST_BOX", "MNIST_SIZE"]

MNIST_BOX = 20      # the longer side of the stroke's bounding box after scaling
MNIST_SIZE = 28     # the field the box is placed in
MAX_SIDE = 4096     # the largest image side the functions make (a larger one exhausts the memory)
MAX_COORDINATE = 1e6   # stroke points farther than this (in pixels) from the origin are refused


def _side(name, value):
    """A side length in pixels: an integer in [1, MAX_SIDE]."""
    return _v.integer(name, value, 1, MAX_SIDE)


def _image(name, image):
    """A finite, non-negative (H, W) array as float64 (validation shared by the functions)."""
    image = as_array(name, image, 2, "(H, W)")
    if image.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {image.shape}")
    image = image.astype(np.float64)
    if not np.all(np.isfinite(image)):
        bad = np.argwhere(~np.isfinite(image))[0]
        raise ValueError(f"{name} must hold finite grey levels, got {image[tuple(bad)]} at "
                         f"index {tuple(int(k) for k in bad)}")
    if image.min() < 0:
        raise ValueError(f"{name} must hold grey levels >= 0 (ink bright on a dark background, "
                         f"e.g. the canvas' alpha channel), got a minimum of {image.min():g}")
    return image


def has_ink(image):
    """True if the (H, W) drawing has any pixel above 0 (a cleared canvas has none)."""
    return bool(np.any(_image("image", image) > 0))


def _area_matrix(n, scale):
    """(ceil(n * scale), n) matrix R such that R @ v resamples a length-n signal by ``scale``
    with area averaging: output pixel i covers [i / scale, (i + 1) / scale) of the input and
    is the mean of the input over that interval (the part inside the input; outside is 0).

        R[i, j] = scale * |[j, j + 1) intersected with [i / scale, (i + 1) / scale)|
    """
    m = int(np.ceil(n * scale - 1e-9))
    lo = np.arange(m)[:, None] / scale
    hi = (np.arange(m)[:, None] + 1) / scale
    j = np.arange(n)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0, None)
    return overlap * scale


def area_resize(image, scale):
    """Resample an (H, W) image by the factor ``scale`` (> 0) on both axes: out (ceil(H s), ceil(W s)).

    Each output pixel is the mean of the input over the square it covers (area averaging):
    downscaling anti-aliases (a stroke's edge becomes grey), and the total ink scales with
    the area, sum(out) = s^2 sum(image). Computed as Ry @ image @ Rx^T with the matrices of
    :func:`_area_matrix`. Returns float64.
    """
    image = _image("image", image)
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a positive number, got {_v._shown(scale)}")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    out = tuple(int(np.ceil(n * float(scale) - 1e-9)) for n in image.shape)
    if max(out) > MAX_SIDE:
        raise ValueError(f"scale must keep the output within {MAX_SIDE} x {MAX_SIDE} pixels, "
                         f"got {scale!r} (an image of shape {image.shape} would become {out})")
    ry = _area_matrix(image.shape[0], float(scale))
    rx = _area_matrix(image.shape[1], float(scale))
    return ry @ image @ rx.T


def prepare_drawing(image, *, box=MNIST_BOX, size=MNIST_SIZE):
    """Prepare a drawing the way MNIST's digits were prepared.

    image: (H, W) grey levels >= 0, any size and any scale (uint8 0..255, floats, the
        alpha channel of a canvas), ink bright on a dark background.
    box, size: the bounding box's longer side after scaling (20) and the field (28).

    1. crop the bounding box of the pixels > 0: (h, w);
    2. scale it by s = box / max(h, w) on both axes (the aspect ratio is kept) with area
       averaging (:func:`area_resize`): (ceil(h s), ceil(w s)), at most (box, box);
    3. place it in a (size, size) field of zeros, shifted by whole pixels so that its
       centre of mass (row, column) = sum(p * (i, j)) / sum(p) lands within half a pixel of
       (size / 2, size / 2) = (14, 14): where MNIST's own centres of mass lie (measured on the
       bundled digits: every one within half a pixel of (14, 14) in index coordinates). A shift
       that would push ink out of the field is clamped so that no ink is lost;
    4. divide by the largest value, so that the brightest pixel is 1 (as in MNIST, where it is 255).

    Returns (size, size) float32 in [0, 1]. An MNIST digit comes back unchanged (its box
    is already 20 pixels long, its centre of mass already at (14, 14)), up to the grey scale.
    Raises ValueError for a blank drawing (no pixel > 0): there is nothing to centre; check
    :func:`has_ink` first.
    """
    image = _image("image", image)
    box = _side("box", box)
    size = _side("size", size)
    if box > size:
        raise ValueError(f"box must fit in the field: box <= size, got box={box}, size={size}")
    ink = image > 0
    if not ink.any():
        raise ValueError("image is blank (no pixel above 0): draw something first "
                         "(has_ink(image) tells)")
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scaled = area_resize(crop, box / max(crop.shape))[:box, :box]
    h, w = scaled.shape
    com = np.array(ndimage.center_of_mass(scaled))
    top, left = np.round(size / 2 - com).astype(int)
    top, left = int(np.clip(top, 0, size - h)), int(np.clip(left, 0, size - w))
    out = np.zeros((size, size))
    out[top:top + h, left:left + w] = scaled
    return (out / out.max()).astype(np.float32)


def _point(name, point):
    p = as_array(name, point, 1, "(row, column)")
    if p.dtype.kind == "b":
        raise TypeError(f"{name} must be two finite numbers (row, column), got {point!r}")
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ValueError(f"{name} must be two finite numbers (row, column), got {point!r}")
    if np.max(np.abs(p)) > MAX_COORDINATE:
        raise ValueError(f"{name} must lie within {MAX_COORDINATE:g} pixels of the origin "
                         f"(row, column), got {point!r}")
    return p.astype(np.float64)


def stroke_segment(image, start, end, width):
    """Draw a segment with round ends into ``image`` (H, W) float, in place; returns image.

    start, end: (row, column) in pixel units (pixel (i, j) has its centre at (i + 0.5, j + 0.5));
    width: the stroke's thickness in pixels (> 0).
    Each pixel gets the coverage of its centre by the stroke, anti-aliased over one pixel:
        c = clip(width / 2 + 1/2 - d, 0, 1),  d = distance from the pixel centre to the segment
    and keeps the larger of its old value and c (strokes overlap without adding up).
    Only the pixels near the segment are computed.
    """
    if not isinstance(image, np.ndarray) or image.ndim != 2 or image.dtype.kind != "f":
        raise TypeError(f"image must be a 2-D float ndarray (drawn in place), got "
                        f"{type(image).__name__} {getattr(image, 'shape', '')} {getattr(image, 'dtype', '')}")
    if not image.flags.writeable:
        raise ValueError(f"image must be writeable (the segment is drawn in place), got a "
                         f"read-only array of shape {image.shape}")
    a, b = _point("start", start), _point("end", end)
    if isinstance(width, (bool, np.bool_)) or not isinstance(width, numbers.Real):
        raise TypeError(f"width must be a positive number of pixels, got {_v._shown(width)}")
    if not (np.isfinite(width) and 0 < width <= MAX_SIDE):
        raise ValueError(f"width must be a positive number of pixels, got {width!r} "
                         f"(finite, at most {MAX_SIDE})")
    reach = width / 2 + 1
    r0 = max(int(np.floor(min(a[0], b[0]) - reach)), 0)
    r1 = min(int(np.ceil(max(a[0], b[0]) + reach)), image.shape[0])
    c0 = max(int(np.floor(min(a[1], b[1]) - reach)), 0)
    c1 = min(int(np.ceil(max(a[1], b[1]) + reach)), image.shape[1])
    if r0 >= r1 or c0 >= c1:
        return image                      # entirely outside the image
    pr = np.arange(r0, r1)[:, None] + 0.5
    pc = np.arange(c0, c1)[None, :] + 0.5
    d = b - a
    length2 = float(d @ d)
    t = 0.0 if length2 == 0 else np.clip(((pr - a[0]) * d[0] + (pc - a[1]) * d[1]) / length2, 0, 1)
    dist = np.hypot(pr - (a[0] + t * d[0]), pc - (a[1] + t * d[1]))
    cover = np.clip(width / 2 + 0.5 - dist, 0, 1)
    np.maximum(image[r0:r1, c0:c1], cover, out=image[r0:r1, c0:c1])
    return image


def enlarge_digit(digit, size=280, box=200):
    """A digit (h, w) drawn large, as a learner would draw it on a (size, size) canvas.

    The digit's grey levels (any scale, ink bright) are divided by their maximum, zoomed by
    box / max(h, w) with bilinear interpolation (``scipy.ndimage.zoom``, order 1) and placed
    in the middle of a (size, size) float64 image of zeros; values stay in [0, 1].
    """
    digit = _image("digit", digit)
    size = _side("size", size)
    box = _side("box", box)
    if box > size:
        raise ValueError(f"box must fit in the canvas: box <= size, got box={box}, size={size}")
    if not digit.any():
        raise ValueError("digit is blank (no pixel above 0)")
    big = np.clip(ndimage.zoom(digit / digit.max(), box / max(digit.shape), order=1,
                                  grid_mode=True, mode="grid-constant"), 0, 1)
    big = big[:size, :size]
    out = np.zeros((size, size))
    top, left = (size - big.shape[0]) // 2, (size - big.shape[1]) // 2
    out[top:top + big.shape[0], left:left + big.shape[1]] = big
    return out
