"""The notebook tests' sanitizer: numbers printed after a "≈" are left out of nbval's
comparison, every other character is still compared (see CONTRIBUTING.md)."""

import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

PATTERNS = get_sanitize_patterns((Path(__file__).parent / "nbval_sanitize.cfg").read_text())


def sanitize(text):
    """What nbval does to both the stored and the new output before comparing them."""
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


def same(a, b):
    return sanitize(a) == sanitize(b)


def test_numbers_after_the_approx_sign_may_differ():
    assert same("held-out accuracy ≈0.907 (2,000 images)", "held-out accuracy ≈0.913 (2,000 images)")
    assert same("cos ≈-0.43, rel ≈0.906", "cos ≈0.12, rel ≈1.1")
    assert same("error ≈1.6e-06", "error ≈1.7e-06")
    assert same("≈58 mistakes; ≈1,498 in all", "≈59 mistakes; ≈1,541 in all")


def test_right_aligned_columns_of_different_widths_compare_equal():
    # a table cell "   ≈9.8%" on one machine can be "  ≈12.4%" on another
    assert same("sum*  softmax |    ≈9.8%", "sum*  softmax |   ≈12.4%")


def test_everything_else_is_still_compared():
    assert not same("improved CNN: 97.1%", "improved CNN: 97.0%")            # no ≈: exact
    assert not same("accuracy ≈0.907 (2,000 images)", "accuracy ≈0.907 (1,000 images)")
    assert not same("≈0.5 of the digits 5", "≈0.5 of the digits 6")          # only one number
    assert not same("loss ≈nan", "loss ≈0.5")                                # nan is not hidden


def test_memory_addresses_but_not_figure_sizes():
    assert same("<Line2D at 0x7ff3a1c2>", "<Line2D at 0x55d0e9f0>")
    assert not same("<Figure size 1000x280 with 2 Axes>", "<Figure size 1000x300 with 2 Axes>")
