"""helpers.gradcheck: the finite-difference tools every other gradient test relies on."""

import numpy as np
import pytest

from helpers.gradcheck import numerical_gradient, numerical_gradient_array, rel_error


# ---------------------------------------------------------------- numerical_gradient

def test_gradient_of_sum_of_squares_is_2x():
    x = np.array([[-1.5, 0.0, 2.0], [0.25, 3.0, -4.0]])
    grad = numerical_gradient(lambda x: np.sum(x**2), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    # Central differences are exact for quadratics up to round-off.
    np.testing.assert_allclose(grad, 2 * x, atol=1e-9)
    assert rel_error(grad, 2 * x) < 1e-8


def test_gradient_of_smooth_functions():
    x = np.linspace(-2, 2, 9)
    assert rel_error(numerical_gradient(lambda x: np.sum(np.sin(x)), x), np.cos(x)) < 1e-8
    assert rel_error(numerical_gradient(lambda x: np.sum(np.exp(x)), x), np.exp(x)) < 1e-8
    # A function coupling the coordinates: f = (sum x)^2 -> df/dx_i = 2 sum x.
    grad = numerical_gradient(lambda x: np.sum(x) ** 2 + x[3] * x[5], x)
    expected = np.full(9, 2 * x.sum())
    expected[3] += x[5]
    expected[5] += x[3]
    np.testing.assert_allclose(grad, expected, atol=1e-8)


def test_error_shrinks_like_h_squared():
    x = np.array([0.7])
    exact = 3 * 0.7**2
    err = [abs(numerical_gradient(lambda x: x[0] ** 3, x, h=h)[0] - exact) for h in (1e-2, 1e-3)]
    # The truncation error of a central difference for x^3 is exactly h^2.
    assert err[0] == pytest.approx(1e-4, rel=1e-3) and err[1] == pytest.approx(1e-6, rel=1e-2)


def test_zero_dimensional_array():
    x = np.array(3.0)
    assert numerical_gradient(lambda x: float(x) ** 2, x) == pytest.approx(6.0)


def test_restores_x_after_perturbing():
    x = np.array([[0.1, -0.2], [0.3, 0.4]])
    saved = x.copy()
    seen = []

    def f(xp):
        assert xp is x                      # the very array, perturbed in place
        seen.append(xp.copy())
        return np.sum(xp**3)

    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, saved)
    # Each call sees exactly one coordinate moved, by +h or -h.
    for snapshot in seen:
        moved = np.flatnonzero(snapshot != saved)
        assert len(moved) == 1
        assert abs(abs(snapshot.flat[moved[0]] - saved.flat[moved[0]]) - 1e-5) < 1e-12
    assert len(seen) == 2 * x.size


def test_restores_x_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    saved = x.copy()
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return np.sum(x)

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, saved)
    with pytest.raises(RuntimeError, match="boom"):
        calls.clear()
        numerical_gradient_array(lambda x: f(x) * np.ones(2), x, np.ones(2))
    np.testing.assert_array_equal(x, saved)


def test_gradient_of_a_non_contiguous_view():
    base = np.arange(12.0).reshape(3, 4)
    x = base.T                      # a view: perturbing it perturbs base
    assert not x.flags["C_CONTIGUOUS"]
    grad = numerical_gradient(lambda xt: np.sum(xt**2), x)
    np.testing.assert_allclose(grad, 2 * x, atol=1e-8)
    np.testing.assert_array_equal(base, np.arange(12.0).reshape(3, 4))


@pytest.mark.parametrize("bad", [np.ones(3, np.float32), np.ones(3, np.int64), [1.0, 2.0], 1.5],
                         ids=["float32", "int64", "list", "python float"])
def test_rejects_anything_but_a_float64_array(bad):
    with pytest.raises(TypeError, match=r"x must be a float64 ndarray"):
        numerical_gradient(lambda x: 0.0, bad)
    with pytest.raises(TypeError, match=r"x must be a float64 ndarray"):
        numerical_gradient_array(lambda x: np.zeros(1), bad, np.ones(1))


def test_float32_message_explains_why():
    with pytest.raises(TypeError, match=r"float32"):
        numerical_gradient(lambda x: 0.0, np.ones(2, np.float32))


# ---------------------------------------------------------------- numerical_gradient_array

def test_gradient_array_of_an_elementwise_function():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 4))
    dout = rng.uniform(0.5, 1.5, (3, 4))
    grad = numerical_gradient_array(lambda x: np.tanh(x), x, dout)
    assert rel_error(grad, dout * (1 - np.tanh(x) ** 2)) < 1e-8


def test_gradient_array_of_a_matrix_product():
    # f(W) = x @ W: the gradient of sum(f * dout) is x.T @ dout.
    rng = np.random.default_rng(1)
    x, W, dout = rng.uniform(0.5, 1.5, (4, 3)), rng.uniform(0.5, 1.5, (3, 2)), rng.uniform(0.5, 1.5, (4, 2))
    grad = numerical_gradient_array(lambda W: x @ W, W, dout)
    assert rel_error(grad, x.T @ dout) < 1e-8


def test_gradient_array_copies_outputs_that_alias_x():
    # f returns x itself (a view): the + and - evaluations must not overwrite each other.
    x = np.array([1.0, -2.0, 3.0])
    dout = np.array([2.0, 3.0, 4.0])
    np.testing.assert_allclose(numerical_gradient_array(lambda x: x, x, dout), dout, atol=1e-9)


def test_gradient_array_checks_dout_shape():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"dout must have the shape of f's output \(3,\), got \(2,\)"):
        numerical_gradient_array(lambda x: 2 * x, x, np.ones(2))
    np.testing.assert_array_equal(x, np.ones(3))


# ---------------------------------------------------------------- rel_error

def test_rel_error_known_values():
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert rel_error(np.array([1.0]), np.array([-1.0])) == 1.0
    assert rel_error(np.array([0.0]), np.array([0.0])) == 0.0
    # Entries below 1e-8 are compared on an absolute scale of 1e-8 ...
    assert rel_error(np.array([0.0]), np.array([1e-12])) == pytest.approx(1e-4)
    # ... so round-off of 1e-10 on an exact 0 scores 0.01 (the documented caveat).
    assert rel_error(np.array([0.0]), np.array([1e-10])) == pytest.approx(1e-2)


def test_rel_error_properties():
    rng = np.random.default_rng(2)
    for _ in range(20):
        a, b = rng.standard_normal(6), rng.standard_normal(6)
        e = rel_error(a, b)
        assert 0.0 <= e <= 1.0
        assert e == rel_error(b, a)                             # symmetric
        assert rel_error(a, a) == 0.0
        assert rel_error(1e3 * a, 1e3 * b) == pytest.approx(e)   # scale-free
        assert rel_error(a, a * (1 + 1e-9)) < 1e-9               # small relative changes stay small
    # It is the largest entry's error, not an average.
    a = np.ones(100)
    b = a.copy()
    b[17] = 2.0
    assert rel_error(a, b) == pytest.approx(1 / 3)


def test_rel_error_separates_a_right_gradient_from_a_wrong_one():
    x = np.linspace(-1, 1, 6)       # no x = 0, where the exact gradient 0 meets round-off
    numeric = numerical_gradient(lambda x: np.sum(x**3), x)
    assert rel_error(3 * x**2, numeric) < 1e-7
    assert rel_error(2 * x**2, numeric) > 0.1                   # a wrong factor
    assert rel_error(3 * x**2 + 1e-4, numeric) > 1e-5           # a small bias


def test_rel_error_accepts_scalars_and_lists_and_checks_shapes():
    assert rel_error(2.0, 2.0) == 0.0
    assert rel_error([1.0, 2.0], (1.0, 2.0)) == 0.0
    assert rel_error(np.array([]), np.array([])) == 0.0
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(2,\) and \(3,\)"):
        rel_error(np.ones(2), np.ones(3))


# ---- f(x): the perturbed array is passed in (cs231n's convention) ---------------------------

def test_f_receives_the_perturbed_array_so_a_copy_of_x_works():
    x0 = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda x: float(np.sum(x ** 3)), x0.copy())
    np.testing.assert_allclose(grad, 3 * x0 ** 2, rtol=1e-7)


def test_array_form_receives_the_perturbed_array():
    x0 = np.array([0.3, -1.2, 2.0])
    dout = np.array([1.0, 2.0, -1.0])
    grad = numerical_gradient_array(lambda x: np.sin(x), x0.copy(), dout)
    np.testing.assert_allclose(grad, np.cos(x0) * dout, rtol=1e-7)


def test_a_function_without_arguments_still_works_with_a_deprecation_warning():
    x = np.array([1.0, 2.0])
    with pytest.warns(DeprecationWarning, match=r"f\(x\)"):
        grad = numerical_gradient(lambda: float(np.sum(x ** 2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-7)


@pytest.mark.parametrize("f", [42, lambda a, b: 0.0])
def test_f_that_cannot_be_called_as_f_of_x_is_refused(f):
    with pytest.raises(TypeError, match="f"):
        numerical_gradient(f, np.ones(2))


@pytest.mark.parametrize("h", [0, -1e-5, float("nan"), float("inf"), "1e-5", True])
def test_step_h_must_be_positive_and_finite(h):
    with pytest.raises(ValueError, match="h must be a positive finite step"):
        numerical_gradient(lambda x: float(x.sum()), np.ones(2), h=h)


def test_rel_error_refuses_complex_arrays():
    with pytest.raises(TypeError, match="a must be a real numeric array"):
        rel_error(np.array([1 + 1j]), np.array([1 - 1j]))


# ---- the course itself uses f(x) (issue 14) ------------------------------------------------

def _functions_without_arguments(source):
    import ast
    return {node.name for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef) and not node.args.args
            and not node.args.vararg and not node.args.posonlyargs}


def _zero_argument_gradient_calls(source, no_args=frozenset()):
    """Calls numerical_gradient[_array](f, ...) whose f is a function without arguments:
    a `lambda:` or a name defined with `def name():` (in ``source`` or in ``no_args``)."""
    import ast
    tree = ast.parse(source)
    no_args = set(no_args) | _functions_without_arguments(source)
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("numerical_gradient", "numerical_gradient_array") and node.args):
            f = node.args[0]
            if ((isinstance(f, ast.Lambda) and not f.args.args and not f.args.vararg)
                    or (isinstance(f, ast.Name) and f.id in no_args)):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_the_scan_finds_zero_argument_calls():
    # The scan below must be able to fail.
    assert _zero_argument_gradient_calls("numerical_gradient(lambda: loss(x), x)")
    assert _zero_argument_gradient_calls("def f():\n    return 1\nnumerical_gradient_array(f, x, d)")
    assert not _zero_argument_gradient_calls("numerical_gradient(lambda x: loss(x), x)")
    assert not _zero_argument_gradient_calls("def f(x):\n    return 1\nnumerical_gradient(f, x)")
    assert _zero_argument_gradient_calls("numerical_gradient(E, w)", no_args={"E"})


def test_notebooks_call_f_with_the_perturbed_array():
    import json
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    bad = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = {i: "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                for line in "".join(cell["source"]).splitlines())
                   for i, cell in enumerate(cells) if cell["cell_type"] == "code"}
        no_args = set().union(*map(_functions_without_arguments, sources.values()))
        for i, source in sources.items():        # a function defined in one cell, used in another
            bad += [f"{path.name} cell {i}, {hit}"
                    for hit in _zero_argument_gradient_calls(source, no_args)]
            for output in cells[i].get("outputs", []):
                assert "DeprecationWarning" not in json.dumps(output), (path.name, i)
    assert not bad, "\n".join(bad)
