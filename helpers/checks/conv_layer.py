"""Checks for notebook 08's convolution layer in full: batch, channels, filters, bias,
stride and padding, forward and backward, as plain loops.

    check_conv_forward_naive(fn)    fn(x, w, b, stride, padding) -> out (N, F, OH, OW)
    check_conv_backward_naive(fn)   fn(dout, x, w, stride, padding) -> (dx, dw, db)
    check_conv_gradcheck(fn)        fn(backward, x, w, b, dout, stride, padding)
                                    -> (rel. error of dx, of dw, of db) against central
                                       differences of the forward

The layer (s = stride, x_pad = x with a frame of `padding` zeros):

    out[n, f, i, j] = b[f] + sum_{c, p, q} x_pad[n, c, i*s + p, j*s + q] w[f, c, p, q]
    db[f]           = sum_{n, i, j} dout[n, f, i, j]
    dw[f, c, p, q]  = sum_{n, i, j} dout[n, f, i, j] x_pad[n, c, i*s + p, j*s + q]
    dx              = dx_pad without its frame, where every window adds
                      dx_pad[n, c, i*s + p, j*s + q] += sum_f dout[n, f, i, j] w[f, c, p, q]

Every check runs the learner's function on several problems (one channel; a batch with
channels and filters; stride 2 with padding 1; a non-square input and kernel; a stride
larger than the kernel, so that some pixels are in no window), on copies of the inputs,
and names the usual mistake when it finds one: no bias, only one channel, a flipped
filter, the stride ignored, the padding not cropped from dx, = instead of +=, a sum
over the images or the filters left out. A placeholder answer, or a function that
returns None, counts as not answered yet.
"""

import numpy as np

from ..conv import conv2d_backward_naive, conv2d_forward
from ..gradcheck import numerical_gradient_array, rel_error
from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = ["check_conv_forward_naive", "check_conv_backward_naive", "check_conv_gradcheck"]

# (N, C, H, W, F, KH, KW, stride, padding) of the problems every check runs
CASES = [
    (1, 1, 4, 4, 1, 2, 2, 1, 0),
    (2, 3, 5, 5, 2, 3, 3, 1, 0),
    (2, 2, 4, 4, 2, 3, 3, 2, 1),
    (2, 2, 6, 5, 3, 3, 2, 2, 1),
    (1, 2, 7, 7, 2, 2, 2, 3, 0),
]


def _describe(case):
    n, c, h, w, f, kh, kw, s, p = case
    return (f"N={n} image{'s' * (n > 1)}, C={c} channel{'s' * (c > 1)} of {h} x {w}, F={f} filter"
            f"{'s' * (f > 1)} {kh} x {kw}, stride {s}, padding {p}")


def _problem(case, seed):
    """x, w, b, dout with values in [0.5, 1.5]: every gradient entry stays away from 0,
    so relative errors measure the gradient, not round-off (tests/test_conv.py)."""
    n, c, h, w, f, kh, kw, s, p = case
    rng = np.random.default_rng(seed)
    oh, ow = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
    shapes = [(n, c, h, w), (f, c, kh, kw), (f,), (n, f, oh, ow)]
    return [rng.uniform(0.5, 1.5, shape) for shape in shapes]


def _call(fn, what, *args):
    """Call the learner's function on copies; turn its exception into an ExerciseError."""
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        return fn(*copies)
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code may raise anything
        shown = ", ".join(f"<array {a.shape}>" if isinstance(a, np.ndarray) else repr(a)
                          for a in args)
        raise ExerciseError(f"{what}: your function({shown}) raised {type(err).__name__}: {err}") from err


def _array(value, name, what):
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise ExerciseError(f"{what}: could not read {name} as an array of numbers ({err})") from err
    return array


def _same(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12)


def _first_difference(got, expected):
    index = tuple(int(k) for k in np.argwhere(~np.isclose(got, expected, rtol=1e-9, atol=1e-12))[0])
    return index, got[index], expected[index]


# ---------------------------------------------------------------- forward

@exercise("a naive multi-channel convolution forward",
          spoilers=("* w[f])", "x_pad[n, :, top:top + kh"),
          placeholder="your function conv_forward_naive(x, w, b, stride, padding)")
def check_conv_forward_naive(fn):
    """fn(x, w, b, stride, padding) -> out (N, F, OH, OW), out = b + the sum over c, p, q."""
    for k, case in enumerate(CASES):
        x, w, b, _ = _problem(case, seed=k)
        s, p = case[7], case[8]
        what = f"case {k + 1} ({_describe(case)})"
        got = _call(fn, what, x, w, b, s, p)
        if returned_nothing(got, "your function conv_forward_naive(x, w, b, stride, padding)"):
            return
        got = _array(got, "the output", what)
        expected, _ = conv2d_forward(x, w, b, stride=s, padding=p)
        if got.shape != expected.shape:
            hint = ""
            if got.shape == conv2d_forward(x, w, b, stride=s, padding=0)[0].shape and p:
                hint = f" That is the shape without padding: pad x with {p} zeros on every side first."
            elif got.shape == conv2d_forward(x, w, b, stride=1, padding=p)[0].shape and s > 1:
                hint = f" That is the shape for stride 1: the window jumps {s} pixels."
            elif got.shape == (expected.shape[1], expected.shape[0]) + expected.shape[2:]:
                hint = " Images come first: (N, F, OH, OW), not (F, N, OH, OW)."
            raise ExerciseError(
                f"{what}: out has shape {got.shape}, expected (N, F, OH, OW) = {expected.shape} "
                f"with OH = (H + 2p - KH) // s + 1.{hint}")
        if _same(got, expected):
            continue
        oh, ow = expected.shape[2:]
        known = {
            "your output leaves out the bias: add b[f] to every output of filter f":
                conv2d_forward(x, w, None, stride=s, padding=p)[0],
            "your output uses channel 0 only: each output number sums over all C channels "
            "(the sum over c), each channel with its own slice w[f, c]":
                conv2d_forward(x[:, :1], w[:, :1], b, stride=s, padding=p)[0],
            "you flipped the filter (a true convolution): the course and the frameworks slide "
            "it unflipped (cross-correlation)":
                conv2d_forward(x, w[:, :, ::-1, ::-1], b, stride=s, padding=p)[0],
            f"your windows start at rows i and columns j, not i * {s} and j * {s}: the "
            f"stride moves the window {s} pixels per output":
                conv2d_forward(x, w, b, stride=1, padding=p)[0][:, :, :oh, :ow],
            "your output swaps the image and filter axes: images come first, "
            "out[n, f, i, j] is image n seen by filter f":
                expected.transpose(1, 0, 2, 3),
        }
        for message, value in known.items():
            if _same(got, value):
                raise ExerciseError(f"{what}: {message}.")
        index, mine, right = _first_difference(got, expected)
        n, f, i, j = index
        raise ExerciseError(
            f"{what}: out{list(index)} is {mine:.6g}, expected {right:.6g} = b[{f}] + the sum "
            f"over c, p, q of x_pad[{n}, c, {i}*{s} + p, {j}*{s} + q] * w[{f}, c, p, q].")
    report_ok(f"your forward matches in all {len(CASES)} cases (channels, filters, bias, "
              f"stride and padding)")


# ---------------------------------------------------------------- backward

def _loops(dout, x, w, stride, padding, *, mistake=None):
    """(dx, dw, db) by loops, right by default; `mistake` makes one classic error:
    "assign" (= instead of +=), "no crop" (dx keeps the padding frame),
    "first image" (dw and db from image 0 only), "first filter" (dx from filter 0 only),
    "ignore stride" (windows start at i, j)."""
    h, wd = x.shape[2:]
    kh, kw = w.shape[2:]
    n_images, n_filters, oh, ow = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dx_pad, dw, db = np.zeros_like(x_pad), np.zeros_like(w), np.zeros(n_filters)
    step = 1 if mistake == "ignore stride" else stride
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(oh):
                for j in range(ow):
                    g = dout[n, f, i, j]
                    rows, cols = slice(i * step, i * step + kh), slice(j * step, j * step + kw)
                    if mistake == "assign":
                        db[f] = g
                        dw[f] = g * x_pad[n, :, rows, cols]
                        dx_pad[n, :, rows, cols] = g * w[f]
                        continue
                    if mistake != "first image" or n == 0:
                        db[f] += g
                        dw[f] += g * x_pad[n, :, rows, cols]
                    if mistake != "first filter" or f == 0:
                        dx_pad[n, :, rows, cols] += g * w[f]
    if mistake == "no crop":
        return dx_pad, dw, db
    return dx_pad[:, :, padding:padding + h, padding:padding + wd], dw, db


_DX_MISTAKES = {
    "assign": "a pixel inside several windows (or reached by several filters) receives the "
              "sum of their terms; your dx keeps only the last one: accumulate with +=, not =",
    "first filter": "dx sums over the filters f: every filter's window sends dout[n, f, i, j] "
                    "* w[f, c, p, q] back to the same pixels; yours uses filter 0 only",
    "ignore stride": "window (i, j) starts at row i * stride and column j * stride of x_pad; "
                     "yours sends its gradient back from row i, column j",
}
_DW_MISTAKES = {
    "assign": "dw keeps only the last term: dw[f] sums over the images n and the positions "
              "(i, j), so accumulate with +=",
    "first image": "dw[f] sums over all the images n, not image 0 alone (the same filter is "
                   "used on every image)",
    "ignore stride": "dw pairs dout[n, f, i, j] with x_pad[n, c, i * stride + p, j * stride + q]; "
                     "yours reads the window at row i, column j",
}


def _check_gradients(got, case, x, w, dout, what):
    """Raise an ExerciseError naming the mistake if (dx, dw, db) is wrong for this case."""
    s, p = case[7], case[8]
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise ExerciseError(f"{what}: return the three gradients (dx, dw, db), got "
                            f"{type(got).__name__}")
    dx, dw, db = (_array(g, name, what) for g, name in zip(got, ("dx", "dw", "db")))
    ref_dx, ref_dw, ref_db = conv2d_backward_naive(dout, x, w, np.zeros(w.shape[0]),
                                                   stride=s, padding=p)
    wrong = {name: _loops(dout, x, w, s, p, mistake=name)
             for name in ("assign", "first image", "first filter", "ignore stride")}
    # db
    if db.shape != ref_db.shape:
        hint = " (sum over the images and positions: db has one number per filter)" \
            if db.shape == dout.shape[:2] else ""
        raise ExerciseError(f"{what}: db has shape {db.shape}, expected (F,) = {ref_db.shape}{hint}")
    if not _same(db, ref_db):
        if np.allclose(db, dout.mean(axis=(0, 2, 3))) or np.allclose(db, dout.mean(axis=(2, 3)).sum(0)):
            raise ExerciseError(f"{what}: db averages dout; the bias b[f] is added to every output "
                                f"of filter f, so db[f] is the sum of dout[:, f] over n, i, j")
        if _same(db, wrong["first image"][2]):
            raise ExerciseError(f"{what}: db[f] sums dout[n, f, i, j] over all the images n, not "
                                f"image 0 alone")
        if _same(db, wrong["assign"][2]):
            raise ExerciseError(f"{what}: db keeps only the last dout: accumulate with +=")
        raise ExerciseError(f"{what}: db is {db.tolist()}, expected the sum of dout over n, i, j: "
                            f"{ref_db.tolist()}")
    # dw
    if dw.shape != ref_dw.shape:
        raise ExerciseError(f"{what}: dw has shape {dw.shape}, expected w's shape {w.shape}")
    if not _same(dw, ref_dw):
        for name, message in _DW_MISTAKES.items():
            if _same(dw, wrong[name][1]):
                raise ExerciseError(f"{what}: {message}.")
        index, mine, right = _first_difference(dw, ref_dw)
        raise ExerciseError(
            f"{what}: dw{list(index)} is {mine:.6g}, expected {right:.6g} = the sum over n, i, j "
            f"of dout[n, {index[0]}, i, j] * x_pad[n, {index[1]}, i*{s} + {index[2]}, "
            f"j*{s} + {index[3]}].")
    # dx
    if dx.shape != x.shape:
        hint = ""
        if p and dx.shape == x.shape[:2] + (x.shape[2] + 2 * p, x.shape[3] + 2 * p):
            hint = (f" That is the padded input's shape: the gradient lands on x_pad; crop the "
                    f"frame of {p} zeros (they are not inputs) to get dx.")
        raise ExerciseError(f"{what}: dx has shape {dx.shape}, expected x's shape {x.shape}.{hint}")
    if not _same(dx, ref_dx):
        for name, message in _DX_MISTAKES.items():
            if _same(dx, wrong[name][0]):
                raise ExerciseError(f"{what}: {message}.")
        if p:
            shifted = _loops(dout, x, w, s, p, mistake="no crop")[0][:, :, :x.shape[2], :x.shape[3]]
            if _same(dx, shifted):
                raise ExerciseError(f"{what}: you cropped the wrong part of dx_pad: the image "
                                    f"sits at rows and columns {p} .. {p} + H - 1 of x_pad")
        index, mine, right = _first_difference(dx, ref_dx)
        raise ExerciseError(
            f"{what}: dx{list(index)} is {mine:.6g}, expected {right:.6g}: the sum, over the "
            f"filters and over every window that contains that pixel, of dout * the filter "
            f"weight that multiplied it.")
    return dx, dw, db


def _numerical(x, w, b, dout, s, p):
    # numerical dx, dw, db of sum(dout * out): each f receives the perturbed array
    def out(x, w, b):
        return conv2d_forward(x, w, b, stride=s, padding=p)[0]
    return [numerical_gradient_array(lambda x: out(x, w, b), x, dout),
            numerical_gradient_array(lambda w: out(x, w, b), w, dout),
            numerical_gradient_array(lambda b: out(x, w, b), b, dout)]


@exercise("a naive multi-channel convolution backward",
          spoilers=("+= g * w[f]", "dw[f] += g * x_pad"),
          placeholder="your function conv_backward_naive(dout, x, w, stride, padding)")
def check_conv_backward_naive(fn):
    """fn(dout, x, w, stride, padding) -> (dx, dw, db): compared with the exact gradients
    (naming the mistake when there is one), then gradient-checked: each must agree with
    central differences of the forward to a relative error below 1e-7."""
    for k, case in enumerate(CASES):
        x, w, b, dout = _problem(case, seed=10 + k)
        s, p = case[7], case[8]
        what = f"case {k + 1} ({_describe(case)})"
        got = _call(fn, what, dout, x, w, s, p)
        if returned_nothing(got, "your function conv_backward_naive(dout, x, w, stride, padding)"):
            return
        grads = _check_gradients(got, case, x, w, dout, what)
        for name, mine, numerical in zip(("dx", "dw", "db"), grads, _numerical(x, w, b, dout, s, p)):
            err = rel_error(mine, numerical)
            if err >= 1e-7:
                raise ExerciseError(f"{what}: {name} fails the gradient check: relative error "
                                    f"{err:.1e} against central differences (expected < 1e-7)")
    report_ok(f"dx, dw and db are exact in all {len(CASES)} cases and pass the gradient check "
              f"(relative error < 1e-7 against central differences)")


# ---------------------------------------------------------------- gradient check

def _reference_backward(dout, x, w, stride, padding):
    return conv2d_backward_naive(dout, x, w, np.zeros(w.shape[0]), stride=stride, padding=padding)


def _broken_backward(which):
    """A backward pass that is right except for one gradient (a classic mistake in it)."""
    mistake = {"dx": "first filter", "dw": "first image"}.get(which)

    def backward(dout, x, w, stride, padding):
        dx, dw, db = _reference_backward(dout, x, w, stride, padding)
        if which == "db":
            return dx, dw, db / dout.shape[0]          # averaged over the images
        broken = _loops(dout, x, w, stride, padding, mistake=mistake)
        return (broken[0], dw, db) if which == "dx" else (dx, broken[1], db)

    return backward


@exercise("a gradient check of a convolution's backward pass",
          spoilers=("numerical_gradient_array(forward, x, dout)",
                    "numerical_gradient_array(lambda x"),
          placeholder="your function gradient_check(backward, x, w, b, dout, stride, padding)")
def check_conv_gradcheck(fn):
    """fn(backward, x, w, b, dout, stride, padding) -> (err_dx, err_dw, err_db), the relative
    errors (rel_error) of backward(dout, x, w, stride, padding) against central differences
    of conv2d_forward. Must pass a right backward (all < 1e-7) and catch each wrong gradient
    (its error > 1e-3, the others still < 1e-7)."""
    case = CASES[3]
    x, w, b, dout = _problem(case, seed=20)
    s, p = case[7], case[8]
    for which in (None, "dx", "dw", "db"):
        backward = _reference_backward if which is None else _broken_backward(which)
        label = "a right backward" if which is None else f"a backward whose {which} is wrong"
        got = _call(fn, f"on {label}", backward, x, w, b, dout, s, p)
        if returned_nothing(got, "your function gradient_check(backward, x, w, b, dout, stride, "
                                 "padding)"):
            return
        try:
            errors = [float(e) for e in got]
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"on {label}: return three numbers (err_dx, err_dw, err_db), "
                                f"got {got!r}") from err
        if len(errors) != 3:
            raise ExerciseError(f"on {label}: return three numbers (err_dx, err_dw, err_db), "
                                f"got {len(errors)}")
        if which is None:
            if max(errors) < 1e-7:
                continue
            unweighted = [rel_error(g, n) for g, n in zip(
                backward(dout, x, w, s, p), _numerical(x, w, b, np.ones_like(dout), s, p))]
            hint = ""
            if np.allclose(errors, unweighted, rtol=1e-3):
                hint = (" Your numerical gradient is that of sum(out), not of sum(dout * out): "
                        "pass dout to numerical_gradient_array.")
            raise ExerciseError(
                f"on {label} your check reports errors {[f'{e:.1e}' for e in errors]}; a right "
                f"backward must score below 1e-7 for dx, dw and db.{hint}")
        position = ("dx", "dw", "db").index(which)
        if errors[position] <= 1e-3:
            others = [name for k, name in enumerate(("dx", "dw", "db")) if errors[k] > 1e-3]
            order = (f" It flags {others} instead: return the errors in the order (dx, dw, db)."
                     if others else "")
            raise ExerciseError(
                f"on {label} your check reports {which}'s error as {errors[position]:.1e}: it "
                f"does not notice the wrong gradient (expected an error above 1e-3).{order}")
        if max(e for k, e in enumerate(errors) if k != position) >= 1e-7:
            raise ExerciseError(
                f"on {label} your check reports errors {[f'{e:.1e}' for e in errors]}: only "
                f"{which} is wrong, the other two are right and should score below 1e-7.")
    report_ok("your gradient check passes a right backward and catches a wrong dx, dw and db")
