"""helpers.checks.training: each check accepts a right answer and rejects the usual wrong ones
with a message that says what is wrong."""

import numpy as np
import pytest

from helpers.checks import ExerciseError
from helpers.checks.training import (check_binarize, check_fix_layout, check_majority_baseline,
                                     check_sgd_step, check_training_loop)
from helpers.nets import prepare_images
from helpers.train import loss_and_grad, sgd_step


def wrong(check, answer, match):
    with pytest.raises(ExerciseError, match=match):
        check(answer)


# ---------------------------------------------------------------- binarize

def test_binarize_right_answers(capsys):
    check_binarize(lambda y: (y > 4).astype(int))
    check_binarize(lambda y: np.asarray(y) >= 5)
    assert "Correct" in capsys.readouterr().out


def in_place(y):
    for i in range(len(y)):
        y[i] = 1 if y[i] > 4 else 0
    return y


def test_binarize_wrong_answers():
    wrong(check_binarize, in_place, "changed the labels")
    wrong(check_binarize, lambda y: (y >= 4).astype(int), "4 came out as 1")
    wrong(check_binarize, lambda y: (y <= 4).astype(int), "swapped")
    wrong(check_binarize, lambda y: (y > 4).astype(float), "integer")
    wrong(check_binarize, lambda y: (y > 4)[:5].astype(int), "shape")
    wrong(check_binarize, lambda y: (y > 6).astype(int), "expected")
    wrong(check_binarize, lambda y: 1 / 0, "ZeroDivisionError")


def test_binarize_catches_an_answer_that_changes_on_a_second_call():
    calls = []

    def flaky(y):
        calls.append(1)
        out = (y > 4).astype(int)
        return out if len(calls) == 1 else out * 0
    wrong(check_binarize, flaky, "second call")


# ---------------------------------------------------------------- layout

def test_fix_layout_right_answer(capsys):
    check_fix_layout(lambda g, f, n: g.reshape(f, n, n))
    assert "Correct" in capsys.readouterr().out


def test_fix_layout_wrong_answers():
    wrong(check_fix_layout, lambda g, f, n: np.resize(g, (n, n, f)), "article's layout")
    wrong(check_fix_layout, lambda g, f, n: g.reshape(n, n, f).transpose(2, 0, 1), "position-major")
    wrong(check_fix_layout, lambda g, f, n: g.reshape(f, n, n).transpose(0, 2, 1), "transposed")
    wrong(check_fix_layout, lambda g, f, n: g.reshape(f, n * n), "shape")
    wrong(check_fix_layout, lambda g, f, n: -g.reshape(f, n, n), "maps\\[0\\]")


# ---------------------------------------------------------------- sgd step

def test_sgd_step_right_answer(capsys):
    check_sgd_step(lambda p, g, lr: {k: p[k] - lr * g[k] for k in p})
    assert "Correct" in capsys.readouterr().out


def in_place_step(p, g, lr):
    for k in p:
        p[k] -= lr * g[k]
    return p


def test_sgd_step_wrong_answers():
    wrong(check_sgd_step, in_place_step, "in place")
    wrong(check_sgd_step, lambda p, g, lr: {k: p[k] + lr * g[k] for k in p}, "up the gradient")
    wrong(check_sgd_step, lambda p, g, lr: {k: p[k] - g[k] for k in p}, "learning rate")
    wrong(check_sgd_step, lambda p, g, lr: {"w1": p["w1"] - lr * g["w1"]}, "keys")
    wrong(check_sgd_step, lambda p, g, lr: [p[k] - lr * g[k] for k in p], "dict")
    wrong(check_sgd_step, lambda p, g, lr: {k: p[k] - lr * lr * g[k] for k in p}, "expected")


def test_sgd_step_catches_modified_gradients():
    def spoil(p, g, lr):
        g["b1"] *= 2
        return {k: p[k] - lr * g[k] for k in p}
    wrong(check_sgd_step, spoil, "modified grads")


# ---------------------------------------------------------------- majority baseline

def test_majority_baseline_right_answers(capsys):
    check_majority_baseline(lambda tr, te: np.mean(te == np.bincount(tr).argmax()))
    check_majority_baseline(lambda tr, te: float(np.sum(te == np.argmax(np.bincount(tr)))) / len(te))
    assert "Correct" in capsys.readouterr().out


def test_majority_baseline_wrong_answers():
    wrong(check_majority_baseline, lambda tr, te: np.mean(te == np.bincount(te).argmax()), "test")
    wrong(check_majority_baseline, lambda tr, te: np.bincount(tr).argmax(), "majority class itself")
    wrong(check_majority_baseline, lambda tr, te: np.bincount(tr).max() / len(tr), "share")
    wrong(check_majority_baseline, lambda tr, te: 100 * np.mean(te == np.bincount(tr).argmax()),
          "percentage")
    wrong(check_majority_baseline, lambda tr, te: np.bincount(te), "one number")
    wrong(check_majority_baseline, lambda tr, te: np.mean(te == 0), "expected")


# ---------------------------------------------------------------- the training loop

def fit_right(net, params, x, y, epochs, batch_size, lr, seed, *, order="shuffle",
              drop_last=False, sign=1.0, in_place=False, per_pass=False):
    """A learner's loop, written independently of the check's own; the keywords make it
    commit one usual mistake each."""
    rng = np.random.default_rng(seed)
    fixed = rng.permutation(len(x)) if order == "once" else None
    losses, passes = [], []
    if in_place:
        new = params
    else:
        new = dict(params)
    for _ in range(epochs):
        if order == "shuffle":
            perm = rng.permutation(len(x))
        elif order == "fresh generator":
            perm = np.random.default_rng(seed).permutation(len(x))
        elif order == "once":
            perm = fixed
        else:
            perm = np.arange(len(x))
        last = len(x) - len(x) % batch_size if drop_last else len(x)
        for start in range(0, last, batch_size):
            idx = perm[start:start + batch_size]
            z, cache = net.forward(new, prepare_images(x[idx]))
            loss, dz = loss_and_grad("softmax_cross_entropy", z, y[idx])
            grads = net.backward(dz, cache)
            if in_place:
                for k in new:
                    new[k] -= lr * grads[k]
            else:
                new = sgd_step(new, {k: sign * g for k, g in grads.items()}, lr)
            losses.append(loss)
        per_pass_steps = -(-last // batch_size)
        passes.append(float(np.mean(losses[-per_pass_steps:])))
    return new, passes if per_pass else losses


def fit_no_shuffle(*args):
    return fit_right(*args, order="none")


def test_training_loop_right_answers(capsys):
    check_training_loop(fit_right)
    check_training_loop(lambda *a: tuple(fit_right(*a)))
    assert capsys.readouterr().out.count("Correct") == 2


def test_training_loop_wrong_answers():
    wrong(check_training_loop, fit_no_shuffle, "did not shuffle")
    wrong(check_training_loop, lambda *a: fit_right(*a, order="once"), "same order")
    wrong(check_training_loop, lambda *a: fit_right(*a, order="fresh generator"), "ONE generator")
    wrong(check_training_loop, lambda *a: fit_right(*a, drop_last=True), "dropped the smaller last")
    wrong(check_training_loop, lambda *a: fit_right(*a, sign=-1.0), "climbed")
    wrong(check_training_loop, lambda *a: fit_right(*a, in_place=True), "modified the params")
    wrong(check_training_loop, lambda *a: fit_right(*a, per_pass=True), "one per pass")
    wrong(check_training_loop, lambda *a: fit_right(*a)[0], "two things")
    wrong(check_training_loop, lambda *a: (a[1], fit_right(*a)[1]), "did not change")
    wrong(check_training_loop, lambda *a: (list(fit_right(*a)[0].values()), fit_right(*a)[1]),
          "a dict")
    wrong(check_training_loop, lambda *a: (fit_right(*a)[0], None), "list of numbers")
    wrong(check_training_loop, lambda net, p, x, y, e, b, lr, s: fit_right(net, p, x, y, e, b, lr, s + 1),
          "loss of step 1")
    wrong(check_training_loop, lambda net, p, x, y, e, b, lr, s: fit_right(net, p, x, y, e, b, 2 * lr, s),
          "loss of step 2")
    wrong(check_training_loop, lambda *a: 1 / 0, "ZeroDivisionError")


def test_unanswered_exercises_say_so(capsys):
    check_binarize(lambda y: None)
    check_fix_layout(lambda g, f, n: None)
    check_sgd_step(lambda p, g, lr: None)
    check_majority_baseline(lambda tr, te: None)
    check_training_loop(lambda *args: None)
    out = capsys.readouterr().out
    assert out.count("No answer yet") == 5 and "Correct" not in out
