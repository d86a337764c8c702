"""The notebook-10 exercise checks accept right answers and name the typical wrong ones."""

import numpy as np
import pytest

from helpers.checks import ExerciseError
from helpers.checks.classification import (
    check_accuracy_per_class, check_confusion_matrix, check_cross_entropy_gradient,
    check_mean_learning_rate, check_softmax,
)


def _fails(check, answer, *fragments):
    with pytest.raises(ExerciseError) as info:
        check(answer)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- placeholders

@pytest.mark.parametrize("check", [check_softmax, check_cross_entropy_gradient,
                                   check_confusion_matrix, check_accuracy_per_class,
                                   check_mean_learning_rate])
def test_placeholder_prints_a_hint(check, capsys):
    check(None)
    check(...)
    assert capsys.readouterr().out.count("No answer yet") == 2


# ---------------------------------------------------------------- softmax

def test_softmax_right(capsys):
    check_softmax(_softmax)
    assert "Correct" in capsys.readouterr().out


def test_softmax_in_log_sum_exp_form_is_also_right(capsys):
    def log_form(z):
        m = z.max(axis=1, keepdims=True)
        return np.exp(z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)))
    check_softmax(log_form)
    assert "Correct" in capsys.readouterr().out


def test_softmax_naive_overflows():
    _fails(check_softmax, lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
           "Subtract each row's largest")


def test_softmax_wrong_axis():
    def columns(z):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    _fails(check_softmax, columns, "columns sum to 1")


def test_softmax_whole_batch_normalized():
    def whole(z):
        e = np.exp(z - z.max())
        return e / e.sum()
    _fails(check_softmax, whole, "whole batch sums to 1")


def test_softmax_in_place_shift():
    def in_place(z):
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
    _fails(check_softmax, in_place, "changed its input")


def test_softmax_forgot_exp():
    _fails(check_softmax, lambda z: z / z.sum(axis=1, keepdims=True), "exp")


def test_softmax_wrong_shape_and_missing_return():
    _fails(check_softmax, lambda z: _softmax(z).ravel(), "keeps the shape")


def test_softmax_error_inside_learner_code_is_reported():
    _fails(check_softmax, lambda z: z.nope, "AttributeError")


# ---------------------------------------------------------------- cross-entropy gradient

def _ce_right(z, y):
    g = _softmax(z)
    g[np.arange(len(z)), y] -= 1
    return g / len(z)


def test_ce_gradient_right(capsys):
    check_cross_entropy_gradient(_ce_right)
    assert "Correct" in capsys.readouterr().out


def test_ce_gradient_missing_mean():
    _fails(check_cross_entropy_gradient, lambda z, y: _ce_right(z, y) * len(z), "not divided by N")


def test_ce_gradient_forgotten_minus_one():
    _fails(check_cross_entropy_gradient, lambda z, y: _softmax(z) / len(z), "-1 at the true class")


def test_ce_gradient_both_missing():
    _fails(check_cross_entropy_gradient, lambda z, y: _softmax(z), "two things are missing")


def test_ce_gradient_sign_flipped():
    _fails(check_cross_entropy_gradient, lambda z, y: -_ce_right(z, y), "sign is flipped")


def test_ce_gradient_divided_by_n_times_k():
    _fails(check_cross_entropy_gradient, lambda z, y: _ce_right(z, y) / z.shape[1], "N*K")


def test_ce_gradient_modifies_logits():
    def in_place(z, y):
        z -= z.max(axis=1, keepdims=True)
        return _ce_right(z, y)
    _fails(check_cross_entropy_gradient, in_place, "changed its inputs")


def test_ce_gradient_naive_softmax_gives_nan():
    def naive(z, y):
        with np.errstate(all="ignore"):
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        p[np.arange(len(z)), y] -= 1
        return p / len(z)
    _fails(check_cross_entropy_gradient, naive, "nan or inf")


def test_ce_gradient_returning_the_loss_tuple():
    _fails(check_cross_entropy_gradient, lambda z, y: (0.0, _ce_right(z, y)), "tuple")


# ---------------------------------------------------------------- confusion matrix

def _confusion_right(t, p, k):
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (t, p), 1)
    return C


def test_confusion_right(capsys):
    check_confusion_matrix(_confusion_right)
    assert "Correct" in capsys.readouterr().out


def test_confusion_transposed():
    _fails(check_confusion_matrix, lambda t, p, k: _confusion_right(t, p, k).T, "transposed")


def test_confusion_size_from_labels():
    def from_labels(t, p, k):
        k = int(max(t.max(), p.max())) + 1
        return _confusion_right(t, p, k)
    _fails(check_confusion_matrix, from_labels, "num_classes")


def test_confusion_normalized_rows():
    def fractions(t, p, k):
        C = _confusion_right(t, p, k).astype(float)
        rows = C.sum(axis=1, keepdims=True)
        return np.divide(C, rows, out=np.zeros_like(C), where=rows > 0)
    _fails(check_confusion_matrix, fractions, "counts")


def test_confusion_diagonal_only():
    _fails(check_confusion_matrix, lambda t, p, k: np.diag(np.diag(_confusion_right(t, p, k))),
           "diagonal")


def test_confusion_double_count():
    _fails(check_confusion_matrix, lambda t, p, k: 2 * _confusion_right(t, p, k), "exactly once")


# ---------------------------------------------------------------- per-class accuracy

def test_per_class_right(capsys):
    check_accuracy_per_class(lambda C: np.diag(C) / C.sum(axis=1))
    assert "Correct" in capsys.readouterr().out


def test_per_class_precision_instead():
    _fails(check_accuracy_per_class, lambda C: np.diag(C) / C.sum(axis=0), "column sums")


def test_per_class_over_total():
    _fails(check_accuracy_per_class, lambda C: np.diag(C) / C.sum(), "total number")


def test_per_class_percent_and_error_rate():
    _fails(check_accuracy_per_class, lambda C: 100 * np.diag(C) / C.sum(axis=1), "percentages")
    _fails(check_accuracy_per_class, lambda C: 1 - np.diag(C) / C.sum(axis=1), "error rates")


def test_per_class_wrong_shape():
    _fails(check_accuracy_per_class, lambda C: np.diag(C) / C.sum(axis=1, keepdims=True), "shape")


# ---------------------------------------------------------------- learning rate: sum vs mean

@pytest.mark.parametrize("answer", [20, 20.0, 200 * 0.1, np.float32(20)])
def test_mean_learning_rate_right(answer, capsys):
    check_mean_learning_rate(answer)
    assert capsys.readouterr().out.startswith("Correct:")


def test_mean_learning_rate_follows_its_arguments(capsys):
    check_mean_learning_rate(6.4, lr_sum=0.1, batch_size=64)
    _fails(lambda a: check_mean_learning_rate(a, lr_sum=0.1, batch_size=64), 20, "3.12 times")


def test_mean_learning_rate_divided_instead_of_multiplied():
    _fails(check_mean_learning_rate, 0.1 / 200, "divided by N", "2.5e-05 times")


def test_mean_learning_rate_unchanged():
    _fails(check_mean_learning_rate, 0.1, "same learning rate", "0.005 times")


def test_mean_learning_rate_other_numbers_and_types():
    _fails(check_mean_learning_rate, 2, "0.1 times")
    _fails(check_mean_learning_rate, "20", "as a number")
    _fails(check_mean_learning_rate, True, "as a number")
    _fails(check_mean_learning_rate, float("inf"), "as a number")
