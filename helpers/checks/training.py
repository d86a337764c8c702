"""Exercise checks for notebooks 06 (the article's code, audited) and 07 (training a CNN).

Each check prints "Correct: ..." for a right answer, "No answer yet: ..."
while the answer (or what the learner's function returns) is still None (see
``_common.unanswered``), and raises ExerciseError saying what is wrong otherwise. They return None, so a notebook cell ending with a check shows no
"Out" value.

    check_binarize(fn)          fn(y) -> 1 where the digit is > 4, else 0, y untouched
    check_fix_layout(fn)        fn(g, num_filters, side) -> (F, n, n) maps from a filter-major vector
    check_sgd_step(fn)          fn(params, grads, lr) -> new params dict, inputs untouched
    check_majority_baseline(fn) fn(y_train, y_test) -> accuracy of always answering y_train's majority
    check_training_loop(fn)     fn(net, params, x, y, epochs, batch_size, lr, seed) -> (params, losses):
                                plain mini-batch gradient descent, the same run as train.fit
"""

import numpy as np

from ._common import ExerciseError, exercise, report_ok, returned_nothing

__all__ = ["check_binarize", "check_fix_layout", "check_sgd_step", "check_majority_baseline",
           "check_training_loop"]


def _call(fn, *args):
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code failed: say where, not a traceback
        raise ExerciseError(f"your function raised {type(err).__name__}: {err}") from err


@exercise("binarize labels without side effects",
          spoilers=("(y > 4)", "y >= 5", ">= 5)"),
          placeholder="your function my_binarize(y)")
def check_binarize(fn):
    """fn(y) must return a new array, 1 for digits 5..9 and 0 for 0..4, leaving y unchanged,
    and give the same answer when called twice on the same labels."""
    labels = np.array([3, 7, 5, 4, 0, 9, 1, 6, 8, 2], dtype=np.uint8)
    expected = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 0])
    original = labels.copy()
    base = np.concatenate([labels, labels])
    view = base[:10]                                     # like y = y_train[:200]
    out = _call(fn, view)
    if out is None and np.array_equal(base[:10], original):
        returned_nothing(out, "your function my_binarize(y)")
        return
    out = np.asarray(out)
    if not np.array_equal(base[:10], original):
        raise ExerciseError(
            "your function changed the labels it was given (it wrote into the array, "
            "and through a view into the array behind it): the article's bug. Return a "
            "new array, e.g. with a comparison, instead of assigning into y.")
    if out.shape != expected.shape:
        raise ExerciseError(f"expected one label per image, shape {expected.shape}, got {out.shape}")
    if out.dtype.kind not in "biu":
        raise ExerciseError(f"expected integer (or boolean) labels, got dtype {out.dtype}")
    if not np.array_equal(out.astype(int), expected):
        if np.array_equal(out.astype(int), (original >= 4).astype(int)):
            raise ExerciseError("the digit 4 came out as 1: the rule is digit > 4, so 4 -> 0")
        if np.array_equal(out.astype(int), 1 - expected):
            raise ExerciseError("0 and 1 are swapped: digits 5..9 -> 1, digits 0..4 -> 0")
        raise ExerciseError(f"for labels {original.tolist()} expected {expected.tolist()}, "
                            f"got {out.astype(int).tolist()}")
    again = np.asarray(_call(fn, view))
    if not np.array_equal(again.astype(int), expected):
        raise ExerciseError("a second call on the same labels gives a different answer: "
                            "re-running the cell must not change anything")
    report_ok("labels binarized into a new array; the input is untouched")


@exercise("read a gradient in the filter-major layout",
          spoilers=("reshape(g, (num_filters, side, side))", "reshape(num_filters, side, side)"),
          placeholder="your function my_maps(g, num_filters, side)")
def check_fix_layout(fn):
    """fn(g, num_filters, side) must turn the filter-major flat vector g (F*n*n,)
    into maps (F, n, n): maps[i, r, c] = g[i*n*n + r*n + c]."""
    num_filters, side = 3, 4
    g = np.arange(num_filters * side * side, dtype=np.float64) * 1.5
    expected = g.reshape(num_filters, side, side)
    out = _call(fn, g.copy(), num_filters, side)
    if returned_nothing(out, "your function my_maps(g, num_filters, side)"):
        return
    out = np.asarray(out)
    if out.shape != expected.shape:
        if out.shape == (side, side, num_filters):
            raise ExerciseError(
                f"your maps have shape {out.shape} = (n, n, F), the article's layout; "
                f"the filter index comes first in g, so the shape is (F, n, n) = {expected.shape}")
        raise ExerciseError(f"expected shape (F, n, n) = {expected.shape}, got {out.shape}")
    if np.allclose(out, g.reshape(side, side, num_filters).transpose(2, 0, 1)):
        raise ExerciseError(
            "right shape, wrong reading: you read g as position-major (n, n, F) and then moved "
            "the axis; in g each filter's n*n values are consecutive, so reshape to (F, n, n)")
    if np.allclose(out, expected.transpose(0, 2, 1)):
        raise ExerciseError("each map is transposed: g's index is i*n*n + r*n + c (row r first)")
    if not np.allclose(out, expected):
        raise ExerciseError(f"maps[0] should be {expected[0].tolist()}, got {out[0].tolist()}")
    report_ok("filter-major gradient read as (F, n, n)")


@exercise("one step of gradient descent",
          spoilers=("{key: p - lr * grads[key]", "{k: p[k] - lr * g[k]"),
          placeholder="your function my_sgd_step(params, grads, lr)")
def check_sgd_step(fn):
    """fn(params, grads, lr) must return new params p - lr * g for every key, without
    changing params or grads."""
    params = {"w1": np.array([[1.0, -2.0], [0.5, 3.0]]), "b1": np.array([0.25, -0.75])}
    grads = {"w1": np.array([[0.5, 1.0], [-2.0, 0.0]]), "b1": np.array([1.0, -1.0])}
    lr = 0.1
    before_p = {k: v.copy() for k, v in params.items()}
    before_g = {k: v.copy() for k, v in grads.items()}
    out = _call(fn, params, grads, lr)
    if out is None and all(np.array_equal(params[k], before_p[k]) for k in params):
        returned_nothing(out, "your function my_sgd_step(params, grads, lr)")
        return
    if any(not np.array_equal(params[k], before_p[k]) for k in params):
        raise ExerciseError("your step modified params in place (e.g. with -=); return a new dict "
                            "so that checkpoints saved earlier keep their values")
    if any(not np.array_equal(grads[k], before_g[k]) for k in grads):
        raise ExerciseError("your step modified grads")
    if not isinstance(out, dict) or set(out) != set(params):
        keys = sorted(out) if isinstance(out, dict) else type(out).__name__
        raise ExerciseError(f"expected a dict with the keys {sorted(params)}, got {keys}")
    for k in params:
        expected = params[k] - lr * grads[k]
        got = np.asarray(out[k])
        if got.shape != expected.shape:
            raise ExerciseError(f"{k}: expected shape {expected.shape}, got {got.shape}")
        if np.allclose(got, params[k] + lr * grads[k]):
            raise ExerciseError(f"{k}: you stepped up the gradient (+); descent subtracts lr * grad")
        if np.allclose(got, params[k] - grads[k]):
            raise ExerciseError(f"{k}: the learning rate is missing: p - lr * grad")
        if not np.allclose(got, expected):
            raise ExerciseError(f"{k}: expected {expected.tolist()}, got {got.tolist()}")
    report_ok("one step of gradient descent, p - lr * grad, inputs untouched")


@exercise("the majority-class baseline",
          spoilers=("bincount(y_train)",),
          placeholder="your function my_baseline(y_train, y_test)")
def check_majority_baseline(fn):
    """fn(y_train, y_test) must return the accuracy on y_test of always answering the
    most frequent class of y_train (a float in [0, 1])."""
    y_train = np.array([2, 2, 2, 0, 1, 2, 0, 1, 2, 1])   # class 2 is the training majority
    y_test = np.array([1, 1, 1, 2, 0, 1, 2, 1])          # class 1 is the test majority
    expected = 2 / 8
    out = _call(fn, y_train.copy(), y_test.copy())
    if returned_nothing(out, "your function my_baseline(y_train, y_test)"):
        return
    try:
        value = float(out)
    except (TypeError, ValueError):
        raise ExerciseError(f"expected one number (an accuracy), got {type(out).__name__} "
                            f"{np.shape(out)}") from None
    if np.isclose(value, 5 / 8):
        raise ExerciseError("you took the most frequent class of the *test* labels: the baseline "
                            "may only use what training sees, y_train")
    if np.isclose(value, 2):
        raise ExerciseError("you returned the majority class itself; return the accuracy of "
                            "always answering it")
    if np.isclose(value, 5 / 10):
        raise ExerciseError("that is the majority's share of the training labels; measure it "
                            "on y_test")
    if np.isclose(value, 25.0):
        raise ExerciseError("an accuracy is a fraction between 0 and 1, not a percentage")
    if not np.isclose(value, expected):
        raise ExerciseError(f"expected {expected} (class 2 is right for 2 of the 8 test labels), "
                            f"got {value}")
    report_ok("majority-class baseline measured on the held-out labels")


# ---------------------------------------------------------------- the training loop (notebook 07)

# A task small enough to check in a blink: 10 images of 8x8 pixels, 3 classes, the article's
# network with 2 filters 3x3; batches of 4 make passes of 4 + 4 + 2 images (a smaller last
# batch), and 3 passes make 9 steps, so an order reused from one pass to the next shows.
LOOP_EXERCISE = {"n": 10, "side": 8, "classes": 3, "epochs": 3, "batch_size": 4, "lr": 0.5,
                 "seed": 3}
_LOOP_PLACEHOLDER = "your function my_fit(net, params, x, y, epochs, batch_size, lr, seed)"


def _loop_task():
    """(net, params, x, y) of the training-loop exercise; params float32, x uint8 (N, 8, 8)."""
    from ..nets import ARTICLE_NET, init_article_net
    t = LOOP_EXERCISE
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(t["n"], t["side"], t["side"]), dtype=np.uint8)
    y = rng.integers(0, t["classes"], size=t["n"])
    params = init_article_net(t["classes"], num_filters=2, kernel_size=3, image_size=t["side"],
                              init="scaled", bias=True, seed=1)
    return ARTICLE_NET, params, x, y


def _loop_variant(net, params, x, y, epochs, batch_size, lr, seed, *, order="shuffle",
                  drop_last=False, sign=1.0):
    """Plain mini-batch gradient descent and its usual mistakes, for the check's diagnosis.

    order: "shuffle" (one generator, a fresh permutation every pass: train.fit's order),
    "once" (the first permutation reused every pass, or a new generator from the same seed
    every pass), "none" (0, 1, 2, ...). drop_last skips each pass's smaller last batch;
    sign=-1 climbs the gradient. Returns (params, losses), one loss per step.
    """
    from ..nets import prepare_images
    from ..train import loss_and_grad
    rng = np.random.default_rng(seed)
    first = rng.permutation(len(x))
    losses = []
    for epoch in range(epochs):
        if order == "shuffle":
            perm = first if epoch == 0 else rng.permutation(len(x))
        else:
            perm = first if order == "once" else np.arange(len(x))
        stop = len(x) - len(x) % batch_size if drop_last else len(x)
        for start in range(0, stop, batch_size):
            idx = perm[start:start + batch_size]
            z, cache = net.forward(params, prepare_images(x[idx]))
            value, dz = loss_and_grad("softmax_cross_entropy", z, y[idx])
            grads = net.backward(dz, cache)
            params = {k: p - sign * lr * grads[k] for k, p in params.items()}
            losses.append(value)
    return params, losses


def _same_run(params, losses, reference):
    ref_params, ref_losses = reference
    return (len(losses) == len(ref_losses)
            and np.allclose(losses, ref_losses, rtol=1e-4, atol=1e-6)
            and all(np.allclose(params[k], ref_params[k], rtol=1e-4, atol=1e-6)
                    for k in ref_params))


@exercise("the training loop, written out",
          spoilers=("rng.permutation", "default_rng(seed)", "order[start:start + batch_size]"),
          placeholder=_LOOP_PLACEHOLDER)
def check_training_loop(fn):
    """fn(net, params, x, y, epochs, batch_size, lr, seed) must train ``net`` by plain
    mini-batch gradient descent (softmax cross-entropy, images through
    nets.prepare_images) and return (new params, the list of the mini-batch losses, one
    per step), exactly the run ``train.fit(..., optimizer=train.sgd(lr))`` makes: one
    generator np.random.default_rng(seed), a fresh permutation of the images for every
    pass, batches taken in that order (the last one smaller), params never modified."""
    from ..train import fit, sgd
    t = LOOP_EXERCISE
    net, params, x, y = _loop_task()
    args = (t["epochs"], t["batch_size"], t["lr"], t["seed"])
    before = {k: v.copy() for k, v in params.items()}
    out = _call(fn, net, params, x.copy(), y.copy(), *args)
    if out is None and all(np.array_equal(params[k], before[k]) for k in params):
        returned_nothing(out, _LOOP_PLACEHOLDER)
        return
    if any(not np.array_equal(params[k], before[k]) for k in params):
        raise ExerciseError("your loop modified the params it was given (in place, e.g. with -=): "
                            "build new arrays, p - lr * grad, so the caller's values survive")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ExerciseError("return two things: the new parameters (a dict) and the list of "
                            "mini-batch losses, one per step")
    new_params, losses = out
    if not isinstance(new_params, dict) or set(new_params) != set(params):
        keys = sorted(new_params) if isinstance(new_params, dict) else type(new_params).__name__
        raise ExerciseError(f"the parameters must be a dict with the keys {sorted(params)}, "
                            f"got {keys}")
    try:
        losses = [float(v) for v in losses]
    except (TypeError, ValueError):
        raise ExerciseError("the second thing returned must be a list of numbers, the loss of "
                            "each step") from None
    new_params = {k: np.asarray(v) for k, v in new_params.items()}
    epochs, batch_size = t["epochs"], t["batch_size"]
    per_pass = -(-t["n"] // batch_size)
    steps = epochs * per_pass
    if len(losses) != steps:
        if len(losses) == epochs * (t["n"] // batch_size):
            raise ExerciseError(f"{len(losses)} losses: you dropped the smaller last batch of "
                                f"each pass ({t['n']} images in batches of {batch_size} make "
                                f"{per_pass} steps per pass, the last with "
                                f"{t['n'] % batch_size} images)")
        if len(losses) == epochs:
            raise ExerciseError(f"{len(losses)} losses: one per pass; return one per step "
                                f"(every mini-batch)")
        if len(losses) == per_pass:
            raise ExerciseError(f"{len(losses)} losses: that is one pass; train for all "
                                f"{epochs} passes (epochs)")
        raise ExerciseError(f"expected one loss per step, {steps} ({epochs} passes of "
                            f"{per_pass} batches), got {len(losses)}")
    if all(np.array_equal(new_params[k], before[k]) for k in params):
        raise ExerciseError("the parameters did not change: apply each step's update "
                            "p - lr * grad and keep the result for the next step")
    right, history = fit(net, params, x, y, optimizer=sgd(t["lr"]), batch_size=batch_size,
                         epochs=epochs, seed=t["seed"], progress=False)
    if _same_run(new_params, losses, (right, history.loss)):
        report_ok(f"your loop makes the same {steps} steps as train.fit: same batches, "
                  f"same losses, same parameters")
        return
    diagnoses = [
        (dict(order="none"), "you did not shuffle: each pass must visit the images in a new "
                             "random order (a permutation from the generator)"),
        (dict(order="once"), "every pass visits the images in the same order: draw a fresh "
                             "permutation for each pass from ONE generator made once, before "
                             "the loop (a new generator with the same seed repeats its order)"),
        (dict(sign=-1.0), "you climbed the gradient: descent subtracts lr * grad"),
    ]
    for options, message in diagnoses:
        if _same_run(new_params, losses, _loop_variant(net, params, x, y, *args, **options)):
            raise ExerciseError(message)
    first_bad = next((i for i, (a, b) in enumerate(zip(losses, history.loss))
                      if not np.isclose(a, b, rtol=1e-4, atol=1e-6)), None)
    if first_bad is not None:
        raise ExerciseError(f"the loss of step {first_bad + 1} is {losses[first_bad]:.6f}, "
                            f"train.fit's is {history.loss[first_bad]:.6f}: check the order of "
                            f"the batches, the loss and the update up to that step")
    worst = max(params, key=lambda k: float(np.max(np.abs(new_params[k] - right[k]))))
    raise ExerciseError(f"the losses match but the final parameters differ ({worst} most): "
                        f"keep the parameters of the last update")
