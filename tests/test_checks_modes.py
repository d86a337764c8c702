"""Every exercise check, in both modes: unanswered, wrong and right answers.

``CASES`` holds, for every ``check_*`` that ``helpers.checks`` exports, one right answer
and one typical wrong answer (reused from tests/test_checks_*.py). A check added to the
package without an entry here fails ``test_every_check_has_a_case``.

Normal mode: a placeholder prints "No answer yet" and the check returns None.
Grading mode (CNN_COURSE_GRADING=1, or ``with grading_mode():``): a placeholder raises
UnansweredError naming the exercise, so an autograder gives it no marks.
Both modes: a wrong answer raises ExerciseError, a right one prints "Correct".
"""

import dataclasses

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

import helpers.checks as checks
import test_checks_attribution as ta
import test_checks_backprop as tb
import test_checks_classification as tcl
import test_checks_conv_layer as tcv
import test_checks_convolution as tc
import test_checks_dense_sigmoid as tds
import test_checks_frameworks as tf
import test_checks_pooling as tp
import test_checks_training as tt
from helpers.checks import EXERCISES, ExerciseError, UnansweredError, grading_mode
from helpers.checks._common import GRADING_ENV, find_spoilers
from helpers.checks.backprop import CONV_EXERCISE, DENSE_EXERCISE
from helpers.checks.convolution import EXERCISE_FILTER, EXERCISE_IMAGE, FLIP_KERNEL
from helpers.layers import sigmoid


@dataclasses.dataclass
class Case:
    right: object
    wrong: object
    args: tuple = ()            # the check's arguments after the answer
    kwargs: dict = dataclasses.field(default_factory=dict)

    @property
    def takes_function(self):
        return callable(self.right)


CASES = {
    # notebooks 01-02
    "check_flipped_kernel": Case(FLIP_KERNEL[::-1, ::-1], FLIP_KERNEL.T),
    "check_convolve": Case(lambda x, w: convolve2d(x, w, mode="valid"),
                           lambda x, w: correlate2d(x, w, mode="valid")),
    "check_edge_filter": Case([[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
                              [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
    "check_conv_output": Case(correlate2d(EXERCISE_IMAGE, EXERCISE_FILTER, mode="valid"),
                              convolve2d(EXERCISE_IMAGE, EXERCISE_FILTER, mode="valid")),
    "check_output_size": Case(lambda n, f, p, s: (n + 2 * p - f) // s + 1,
                              lambda n, f, p, s: (n + p - f) // s + 1),
    "check_patch": Case(tc._right_patch, lambda x, i, j, f, p, s: np.pad(x, p)[i:i + f, j:j + f]),
    "check_filters_for_convolution": Case(lambda w: w[:, :, ::-1, ::-1], lambda w: w[::-1, ::-1]),
    "check_patch_count": Case((256, 27), (256, 9)),
    # notebooks 03-04
    "check_dense_shape": Case((1728, 10), (10, 1728)),
    "check_flat_index": Case(1279, 383),
    "check_dense_output": Case([14, 9], [9, 12]),
    "check_dense_forward": Case(lambda x, W, b: x @ W + b, lambda x, W, b: x @ W),
    "check_sigmoid_derivative": Case(lambda z: sigmoid(z) * (1 - sigmoid(z)),
                                     lambda z: sigmoid(z) * (1 - z)),
    "check_stable_sigmoid": Case(tds._stable, lambda z: 1 / (1 + np.exp(-z))),
    "check_sigmoid_shrink": Case(4 ** 5, 4 * 5),
    # notebook 05
    "check_bias_gradient": Case(tb.bias_right, lambda *a: tb.dz2_of(*a).mean(axis=0)),
    "check_dense_weight_gradient": Case(tb.weight_right, lambda *a: tb.weight_right(*a).T),
    "check_filter_gradient": Case(correlate2d(CONV_EXERCISE["x"], CONV_EXERCISE["dz1"], "valid"),
                                  convolve2d(CONV_EXERCISE["x"], CONV_EXERCISE["dz1"], "valid")),
    "check_input_gradient": Case(tb.input_loop, lambda d, f: correlate2d(d, f, "full")),
    # training (article errata)
    "check_binarize": Case(lambda y: (y > 4).astype(int), lambda y: (y >= 4).astype(int)),
    "check_fix_layout": Case(lambda g, f, n: g.reshape(f, n, n),
                             lambda g, f, n: g.reshape(n, n, f).transpose(2, 0, 1)),
    "check_sgd_step": Case(lambda p, g, lr: {k: p[k] - lr * g[k] for k in p},
                           lambda p, g, lr: {k: p[k] + lr * g[k] for k in p}),
    "check_majority_baseline": Case(lambda tr, te: np.mean(te == np.bincount(tr).argmax()),
                                    lambda tr, te: np.mean(te == np.bincount(te).argmax())),
    "check_training_loop": Case(tt.fit_right, tt.fit_no_shuffle),
    # padding, stride, pooling
    "check_same_padding": Case(lambda f: (f - 1) // 2, lambda f: f - 1),
    "check_unreached_rows": Case(tp.unreached_right, lambda n, f, s: len(tp.unreached_right(n, f, s))),
    "check_pool_output": Case([[8, 7], [8, 9]], [[8, 8], [7, 9]]),
    "check_conv_forward_naive": Case(tcv.forward_loops,
                                     lambda x, w, b, s, p: tcv.forward_loops(x, w, b, s, p, first_channel=True)),
    "check_conv_backward_naive": Case(tcv.backward_loops,
                                      lambda d, x, w, s, p: tcv.backward_loops(d, x, w, s, p, no_crop=True)),
    "check_conv_gradcheck": Case(tcv.gradcheck_right, lambda *args: (0.0, 0.0, 0.0)),
    "check_maxpool_backward": Case(tp.backward_via_helpers,
                                   lambda d, x, s, t: tp.backward_loops(d, x, s, t, all_ties=True)),
    "check_avgpool_as_conv": Case(tp.avgpool_as_conv_right,
                                  lambda c, k: (np.full((c, c, k, k), 1 / k ** 2), k)),
    # ten digits
    "check_softmax": Case(tcl._softmax, lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)),
    "check_cross_entropy_gradient": Case(tcl._ce_right, lambda z, y: tcl._softmax(z) / len(z)),
    "check_confusion_matrix": Case(tcl._confusion_right,
                                   lambda t, p, k: tcl._confusion_right(t, p, k).T),
    "check_accuracy_per_class": Case(lambda C: np.diag(C) / C.sum(axis=1),
                                     lambda C: np.diag(C) / C.sum(axis=0)),
    "check_mean_learning_rate": Case(200 * 0.1, 0.1 / 200),
    # what the network sees
    "check_fgsm_step": Case(ta.fgsm_right, lambda x, g, eps: x + eps * np.sign(g)),
    "check_receptive_field_size": Case(ta.field_right, lambda layers: 1 + sum(k - 1 for k, _ in layers)),
    "check_sign_step_change": Case(lambda w, eps: eps * np.abs(w).sum(),
                                   lambda w, eps: eps * np.linalg.norm(w)),
    # Fashion-MNIST, Keras
    "check_hardest_pair": Case(tf.hardest_right, tf.largest_single_cell),
    "check_merged_accuracy": Case(tf.merged_right, lambda cm, g: np.trace(cm) / cm.sum()),
    "check_keras_kernel_layout": Case(lambda w: w.transpose(2, 3, 1, 0),
                                      lambda w: w.transpose(3, 2, 1, 0)),
    "check_flatten_permutation": Case(tf.dense_right, lambda W, c, h, w: W),
    "check_cnn_param_count": Case(20_490, 20_490 - 16 - 32 - 10),
}

EXPORTED = sorted(name for name in dir(checks) if name.startswith("check_"))


def test_every_check_has_a_case():
    assert set(CASES) == set(EXPORTED)


def test_every_check_is_declared_as_an_exercise():
    assert set(EXERCISES) == set(EXPORTED)
    for name in EXPORTED:
        spec = getattr(checks, name).exercise
        assert spec is EXERCISES[name] and spec.name == name
        assert spec.title and spec.placeholder and isinstance(spec.spoilers, tuple)


@pytest.fixture(params=["normal", "grading (environment)", "grading (context)"])
def mode(request, monkeypatch):
    monkeypatch.delenv(GRADING_ENV, raising=False)
    if request.param == "grading (environment)":
        monkeypatch.setenv(GRADING_ENV, "1")
    if request.param == "grading (context)":
        with grading_mode():
            yield request.param
    else:
        yield request.param


def _placeholders(case):
    answers = [None, ...]
    if case.takes_function:                      # the placeholder function: body `...`
        answers.append(lambda *args, **kwargs: None)
    return answers


@pytest.mark.parametrize("name", EXPORTED)
def test_unanswered(name, mode, capsys):
    check, case = getattr(checks, name), CASES[name]
    for placeholder in _placeholders(case):
        if mode == "normal":
            assert check(placeholder, *case.args, **case.kwargs) is None
            out = capsys.readouterr().out
            assert out.startswith("No answer yet: ") and "Correct" not in out
        else:
            with pytest.raises(UnansweredError) as info:
                check(placeholder, *case.args, **case.kwargs)
            message = str(info.value)
            assert name in message and EXERCISES[name].title in message
            assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", EXPORTED)
def test_wrong(name, mode, capsys):
    check, case = getattr(checks, name), CASES[name]
    with pytest.raises(ExerciseError) as info:
        check(case.wrong, *case.args, **case.kwargs)
    assert not isinstance(info.value, UnansweredError)
    assert "Correct" not in capsys.readouterr().out


@pytest.mark.parametrize("name", EXPORTED)
def test_right(name, mode, capsys):
    check, case = getattr(checks, name), CASES[name]
    assert check(case.right, *case.args, **case.kwargs) is None
    assert capsys.readouterr().out.startswith("Correct: ")


def test_grading_mode_follows_the_environment(monkeypatch):
    for value, expected in [("1", True), ("true", True), ("0", False), ("", False)]:
        monkeypatch.setenv(GRADING_ENV, value)
        assert checks.grading() is expected
    monkeypatch.delenv(GRADING_ENV)
    assert not checks.grading()
    with grading_mode():
        assert checks.grading()
    assert not checks.grading()


@pytest.mark.parametrize("name", [n for n in EXPORTED if not CASES[n].takes_function])
def test_spoilers_of_a_value_answer_include_the_answer(name):
    """For an answer that is a value, its spoilers must catch it written as a list."""
    right = CASES[name].right
    written = str(np.asarray(right).tolist()) if np.ndim(right) else str(right)
    assert find_spoilers(written, EXERCISES[name].spoilers), (written, EXERCISES[name].spoilers)


def test_find_spoilers_matches_numbers_whole_and_ignores_spacing():
    assert find_spoilers("at position 1279.", ["1279"]) == ["1279"]
    assert find_spoilers("12790 or 1.1279", ["1279"]) == []
    assert find_spoilers("$z = [14,  9]$", ["[14, 9]"]) == ["[14, 9]"]
    assert find_spoilers("20,490 parameters", ["20,490"]) == ["20,490"]
    assert find_spoilers("[[14., 10., -1.]]", ["[[14, 10, -1]]"]) == ["[[14, 10, -1]]"]
    assert find_spoilers("(f-1)/2", ["(f - 1) / 2"]) == ["(f - 1) / 2"]
