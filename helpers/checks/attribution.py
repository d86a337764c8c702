"""Checks for notebook 11 (what the network sees).

    check_fgsm_step(fn)              fn(x, grad, eps) -> clip(x + eps * sign(grad), 0, 1)
    check_receptive_field_size(fn)   fn(layers) -> the side of a unit's receptive field, for
                                     layers = [(kernel, stride), ...] from the input up
    check_sign_step_change(fn)       fn(w, eps) -> how much w . x grows under x + eps sign(w)

Each check raises :class:`ExerciseError` with a message saying what is wrong, or prints
one "Correct: ..." line; a placeholder, or a function that returns None, counts as not
answered yet (``_common.unanswered``). NumPy only.
"""

import numbers

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = ["check_fgsm_step", "check_receptive_field_size", "check_sign_step_change"]


def _call(fn, name, *args):
    """Call the learner's function on copies; turn its exception into an ExerciseError."""
    if not callable(fn):
        raise ExerciseError(f"pass your function itself (not {type(fn).__name__} {fn!r})")
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        result = fn(*copies)
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code may raise anything
        shown = ", ".join(f"<array of shape {a.shape}>" if isinstance(a, np.ndarray) else repr(a)
                          for a in args)
        raise ExerciseError(f"{name}({shown}) raised {type(err).__name__}: {err}") from err
    changed = any(isinstance(a, np.ndarray) and not np.array_equal(a, c)
                  for a, c in zip(args, copies))
    return result, changed


def _fgsm(x, grad, eps):
    return np.clip(x + eps * np.sign(grad), 0, 1)


def _fgsm_cases():
    rng = np.random.default_rng(11)
    x = np.array([[0.0, 0.05, 0.5], [0.97, 1.0, 0.3]])
    grad = np.array([[-2.0, 0.5, 0.0], [3e-4, 1.0, -7.0]])
    big = rng.random((2, 1, 6, 6))
    big[:, :, :2] = 0                       # background: only a step up can move these pixels
    return [
        ("a 2 x 3 image with pixels at 0 and 1 and a zero gradient", x, grad, 0.1),
        ("two 6 x 6 images (N, 1, H, W)", big, rng.standard_normal(big.shape), 0.25),
        ("eps = 0", x, grad, 0.0),
    ]


@exercise("one step of the fast gradient sign method",
          spoilers=("np.sign(grad)", "np.clip(x + eps"),
          placeholder="your function fgsm_step(x, grad, eps)")
def check_fgsm_step(fn):
    """``fn(x, grad, eps)`` must return x' = clip(x + eps * sign(grad), 0, 1), the shape of x,
    without changing x or grad."""
    for what, x, grad, eps in _fgsm_cases():
        result, changed = _call(fn, "fgsm_step", x, grad, eps)
        if returned_nothing(result, "your function fgsm_step(x, grad, eps)"):
            return
        if changed:
            raise ExerciseError(f"fgsm_step changed its input ({what}): `x += ...` works in "
                                "place; compute the new image into a new array.")
        try:
            result = np.asarray(result, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"fgsm_step returned {type(result).__name__}, not an array of "
                                f"numbers: {err}") from err
        if result.shape != x.shape:
            raise ExerciseError(f"for {what}: your result has shape {result.shape}, the image "
                                f"{x.shape}; the attack changes pixels, not the shape.")
        want = _fgsm(x, grad, eps)
        if np.allclose(result, want, atol=1e-12):
            continue
        if np.allclose(result, x + eps * np.sign(grad), atol=1e-12):
            raise ExerciseError(f"for {what}: some pixels leave [0, 1] (min {result.min():.3g}, "
                                f"max {result.max():.3g}); an image's pixels must stay in range.")
        if np.allclose(result, np.clip(x + eps * grad, 0, 1), atol=1e-12):
            raise ExerciseError(f"for {what}: you stepped along the gradient itself; FGSM moves "
                                "every pixel by the same amount eps, in the direction of the "
                                "gradient's sign.")
        if np.allclose(result, _fgsm(x, -grad, eps), atol=1e-12):
            raise ExerciseError(f"for {what}: you stepped downhill; the attack increases the "
                                "loss, so it steps along +sign(dE/dx).")
        worst = np.unravel_index(np.argmax(np.abs(result - want)), want.shape)
        raise ExerciseError(f"for {what} and eps = {eps}: at index {tuple(int(i) for i in worst)} "
                            f"x = {x[worst]:.3g}, grad = {grad[worst]:.3g}: expected "
                            f"{want[worst]:.3g}, got {result[worst]:.3g}.")
    report_ok("x' = clip(x + eps sign(dE/dx), 0, 1): every pixel moves by eps at most")


def _field_size(layers):
    r, jump = 1, 1
    for kernel, stride in layers:
        r, jump = r + (kernel - 1) * jump, jump * stride
    return r


FIELD_CASES = [
    ("one 5x5 convolution", [(5, 1)]),
    ("two 3x3 convolutions", [(3, 1), (3, 1)]),
    ("the improved CNN up to pool2", [(3, 1), (2, 2), (3, 1), (2, 2)]),
    ("three 3x3 convolutions of stride 2", [(3, 2), (3, 2), (3, 2)]),
    ("three 2x2 poolings", [(2, 2), (2, 2), (2, 2)]),
    ("no layer at all", []),
]


@exercise("the side of a receptive field",
          spoilers=("r + (k - 1) * j", "j * s"),
          placeholder="your function field_size(layers)")
def check_receptive_field_size(fn):
    """``fn(layers)``, layers = [(kernel, stride), ...] from the input up, must return the side
    of one unit's receptive field in the last layer (an int; 1 for no layer)."""
    for what, layers in FIELD_CASES:
        result, _ = _call(fn, "field_size", [tuple(layer) for layer in layers])
        if returned_nothing(result, "your function field_size(layers)"):
            return
        if isinstance(result, bool) or not isinstance(result, numbers.Real):
            raise ExerciseError(f"field_size returned {type(result).__name__} {result!r}; "
                                "return a whole number of pixels.")
        want = _field_size(layers)
        if result == want:
            continue
        if result == 1 + sum(k - 1 for k, _ in layers):
            raise ExerciseError(f"for {what} {layers} you added k - 1 for every layer, which is "
                                "right only while every stride is 1: after a stride s, one step "
                                "in the layer's map is s pixels of the layer below.")
        raise ExerciseError(f"for {what} {layers}: expected a field of side {want}, got {result}.")
    report_ok("each layer widens the field by (k - 1) times the product of the strides below it")


SIGN_STEP_CASES = [
    ("w = [3, -1, 0.5]", np.array([3.0, -1.0, 0.5]), 0.1),
    ("784 random weights", np.random.default_rng(3).normal(0, 0.05, 784), 0.1),
    ("w with a zero", np.array([0.0, -2.0, 2.0, 1.0]), 0.25),
]


@exercise("how much a sign step moves a linear score",
          spoilers=("np.abs(w).sum()", "np.sum(np.abs(w))", "norm(w, 1)"),
          placeholder="your function sign_step_change(w, eps)")
def check_sign_step_change(fn):
    """``fn(w, eps)`` for weights w (D,) must return the exact change of s(x) = w . x when
    x becomes x + eps * sign(w) (no clipping): a number."""
    for what, w, eps in SIGN_STEP_CASES:
        result, _ = _call(fn, "sign_step_change", w, eps)
        if returned_nothing(result, "your function sign_step_change(w, eps)"):
            return
        try:
            value = float(np.asarray(result, dtype=np.float64).reshape(()))
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"sign_step_change returned {type(result).__name__}; return one "
                                f"number: {err}") from err
        x = np.random.default_rng(0).random(w.shape)
        want = w @ (x + eps * np.sign(w)) - w @ x
        if np.isclose(value, want, rtol=1e-9, atol=1e-12):
            continue
        if np.isclose(value, eps * np.linalg.norm(w)):
            raise ExerciseError(f"for {what}: eps ||w||_2 is the change of a step of LENGTH eps "
                                "along w; the sign step moves every coordinate by eps, a longer "
                                "step.")
        if np.isclose(value, eps * np.sum(w)):
            raise ExerciseError(f"for {what}: eps * sum(w) lets negative weights cancel; along "
                                "sign(w) every term w_i * eps * sign(w_i) is positive.")
        raise ExerciseError(f"for {what} and eps = {eps}: expected a change of {want:.6g}, got "
                            f"{value:.6g}.")
    report_ok("the change is eps times the sum of |w_i|: it grows with the number of pixels")
