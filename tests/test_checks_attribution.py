"""The notebook-11 exercise checks accept right answers and name the typical wrong ones."""

import numpy as np
import pytest

from helpers.checks import ExerciseError
from helpers.checks.attribution import (
    check_fgsm_step, check_receptive_field_size, check_sign_step_change,
)


def fgsm_right(x, grad, eps):
    return np.clip(x + eps * np.sign(grad), 0, 1)


def field_right(layers):
    r, jump = 1, 1
    for k, s in layers:
        r += (k - 1) * jump
        jump *= s
    return r


def _fails(check, answer, *fragments):
    with pytest.raises(ExerciseError) as info:
        check(answer)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


@pytest.mark.parametrize("check", [check_fgsm_step, check_receptive_field_size,
                                   check_sign_step_change])
def test_placeholder_prints_a_hint(check, capsys):
    check(None)
    check(lambda *args: None)
    assert capsys.readouterr().out.count("No answer yet") == 2


def test_fgsm_step(capsys):
    check_fgsm_step(fgsm_right)
    assert capsys.readouterr().out.startswith("Correct: ")
    _fails(check_fgsm_step, lambda x, g, e: x + e * np.sign(g), "leave [0, 1]")
    _fails(check_fgsm_step, lambda x, g, e: np.clip(x + e * g, 0, 1), "gradient itself")
    _fails(check_fgsm_step, lambda x, g, e: np.clip(x - e * np.sign(g), 0, 1), "downhill")
    _fails(check_fgsm_step, lambda x, g, e: np.clip(x + e * np.sign(g), 0, 1)[0], "shape")

    def in_place(x, g, e):
        x += e * np.sign(g)
        return np.clip(x, 0, 1)
    _fails(check_fgsm_step, in_place, "changed its input")
    _fails(check_fgsm_step, lambda x, g, e: np.clip(x + e * (g > 0), 0, 1), "expected")


def test_receptive_field_size(capsys):
    check_receptive_field_size(field_right)
    assert "Correct" in capsys.readouterr().out
    assert field_right([(3, 1), (2, 2), (3, 1), (2, 2)]) == 10
    _fails(check_receptive_field_size, lambda layers: 1 + sum(k - 1 for k, _ in layers), "stride")
    _fails(check_receptive_field_size, lambda layers: sum(k for k, _ in layers), "expected")
    _fails(check_receptive_field_size, lambda layers: "10", "whole number")


def test_sign_step_change(capsys):
    check_sign_step_change(lambda w, eps: eps * np.abs(w).sum())
    assert "Correct" in capsys.readouterr().out
    _fails(check_sign_step_change, lambda w, eps: eps * np.linalg.norm(w), "LENGTH")
    _fails(check_sign_step_change, lambda w, eps: eps * w.sum(), "cancel")
    _fails(check_sign_step_change, lambda w, eps: np.abs(w).sum(), "expected")
