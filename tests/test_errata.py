"""helpers.article_errata: the re-implementation of the article's method computes what
the article's code computes (bugs included), and with every bug switched off it is
the exact gradient.

run_published_steps follows the published steps as they are: it stops with a NameError
without a learning rate, with an IndexError at image index F with one, gives every filter
the same update where it can run, and reads the updated dense weights; repaired, it is
what filter_gradient computes with every switch on."""

import numpy as np
import pytest

from helpers import article_errata as ae
from helpers import nets
from helpers.gradcheck import numerical_gradient

ALL_FIXED = dict(ignore_standardization=False, skip_sigmoid_derivative=False,
                 mean_before_product=False, layout_bug=False)


def problem(n_img=6, size=8, k=3, seed=0, init="uniform"):
    """A small version of the article's setting: uint8 images, labels 0/1, X = x.T / 255."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n_img, size, size)).astype(np.uint8)
    y = np.array([0, 1] * (n_img // 2))
    f, wo = ae.init_article(num_filters=3, kernel_size=k, image_size=size, seed=seed, init=init)
    return x, ae.stack_transpose(x) / 255.0, y, f, wo


def test_stack_transpose_transposes_every_image():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    X = ae.stack_transpose(x)
    assert X.shape == (4, 3, 2)
    for k in range(2):
        np.testing.assert_array_equal(X[:, :, k], x[k].T)


def test_binarize_in_place_through_a_view_destroys_the_labels():
    y_train = np.array([5, 0, 4, 1, 9, 2, 1, 3], dtype=np.uint8)
    y = y_train[:4]
    ae.binarize_in_place(y)
    np.testing.assert_array_equal(y_train[:4], [1, 0, 0, 0])     # the original changed
    ae.binarize_in_place(y)
    assert not y.any()                                            # second run: all zeros
    fresh = np.array([5, 0, 4, 1], dtype=np.uint8)
    np.testing.assert_array_equal(ae.binarize(fresh), [1, 0, 0, 0])
    np.testing.assert_array_equal(ae.binarize(fresh), [1, 0, 0, 0])
    np.testing.assert_array_equal(fresh, [5, 0, 4, 1])


def test_init_article_ranges_and_orientation():
    f, wo = ae.init_article(seed=0)
    assert f.shape == (5, 5, 3) and wo.shape == (1728, 1)
    assert f.min() >= 0 and wo.max() < 1
    raw = np.random.default_rng(0).uniform(size=(3, 5, 5))
    np.testing.assert_array_equal(f, raw.T)                       # drawn (F, k, k), then .T
    fs, _ = ae.init_article(seed=0, init="scaled")
    assert fs.min() < 0
    with pytest.raises(ValueError):
        ae.init_article(init="zeros")


def test_patches_are_the_windows_of_the_transposed_images():
    x, X, *_ = problem()
    pt = ae.patches(X, 3)
    assert pt.shape == (6, 36, 3, 3)
    for img, r, c in [(0, 0, 0), (2, 1, 4), (5, 5, 5)]:
        np.testing.assert_array_equal(pt[img, r * 6 + c], X[r:r + 3, c:c + 3, img])
        np.testing.assert_array_equal(pt[img, r * 6 + c], x[img].T[r:r + 3, c:c + 3] / 255.0)


def test_forward_without_standardization_is_our_network_on_transposed_digits():
    x, X, y, f, wo = problem()
    cache = ae.forward(f, wo, X, standardize=False)
    params = {"w1": f.transpose(2, 0, 1)[:, None], "W2": wo}
    z2, _ = nets.article_forward(params, x.transpose(0, 2, 1)[:, None] / 255.0)
    np.testing.assert_allclose(cache["zr"], z2[:, 0], rtol=1e-12)
    np.testing.assert_allclose(cache["o"], 1 / (1 + np.exp(-z2[:, 0])), rtol=1e-12)


def test_standardized_output_has_mean_0_and_std_1():
    _, X, y, f, wo = problem()
    z2 = ae.forward(f, wo, X)["z2"]
    assert abs(z2.mean()) < 1e-12 and z2.std() == pytest.approx(1)


@pytest.mark.parametrize("standardize", [True, False])
def test_all_bugs_fixed_gives_the_exact_gradients(standardize):
    _, X, y, f, wo = problem(init="scaled")
    cache = ae.forward(f, wo, X, standardize)
    num_f = numerical_gradient(lambda f: ae.error(ae.forward(f, wo, X, standardize)["o"], y, "mean"), f)
    num_w = numerical_gradient(lambda wo: ae.error(ae.head(cache["a1f"], wo, standardize)[2], y), wo)
    assert ae.norm_rel_error(ae.filter_gradient(cache, wo, y, **ALL_FIXED), num_f) < 1e-7
    assert ae.norm_rel_error(ae.dense_gradient(cache, y, ignore_standardization=False), num_w) < 1e-7


def test_all_switches_on_are_the_repaired_published_steps():
    x, X, y, f, wo = problem()
    cache = ae.forward(f, wo, X)
    digits = np.where(y == 1, 7, 2)
    repaired = ae.run_published_steps(x, digits, f, wo, {"lr": 0.5}, repairs=ae.REPAIRS)
    np.testing.assert_allclose(ae.filter_gradient(cache, wo, y),
                               repaired["df"].transpose(1, 2, 0), rtol=1e-10)
    # and the dense gradient is the published one, which runs before any exception
    np.testing.assert_allclose(ae.dense_gradient(cache, y), repaired["dwo"], rtol=1e-12)
    o = cache["o"]
    np.testing.assert_allclose(ae.dense_gradient(cache, y),
                               cache["a1f"].T @ (-(y - o) * o * (1 - o))[:, None], rtol=1e-12)


@pytest.mark.parametrize("switch", ae.BUG_SWITCHES)
def test_each_bug_alone_moves_the_gradient_away(switch):
    _, X, y, f, wo = problem(n_img=10, size=10, seed=3)
    cache = ae.forward(f, wo, X)
    exact = ae.filter_gradient(cache, wo, y, **ALL_FIXED)
    buggy = ae.filter_gradient(cache, wo, y, **{**ALL_FIXED, switch: True})
    assert ae.norm_rel_error(buggy, exact) > 0.05


def test_layout_bug_maps_mix_filters():
    g = np.arange(12.0)
    bug = g.reshape(2, 2, 3)[:, :, 0]                                # what np.resize reads
    np.testing.assert_array_equal(bug, np.resize(g, (2, 2, 3))[:, :, 0])
    assert set((bug.ravel() // 4).astype(int)) == {0, 1, 2}          # all three filters


def test_cosine_and_norm_rel_error():
    a = np.array([1.0, 0.0])
    assert ae.cosine(a, [2.0, 0.0]) == pytest.approx(1)
    assert ae.cosine(a, [0.0, 3.0]) == pytest.approx(0)
    assert ae.cosine(a, -a) == pytest.approx(-1)
    assert ae.norm_rel_error(a, a) == 0
    assert ae.norm_rel_error(a, -a) == pytest.approx(1)
    assert ae.norm_rel_error(a, -3 * a) == pytest.approx(1)              # any opposite
    assert ae.norm_rel_error(a, [0.0, 1.0]) == pytest.approx(1 / np.sqrt(2))  # orthogonal
    assert ae.norm_rel_error(a, [0.0, 1.0]) < 0.71
    assert ae.norm_rel_error([3.0, 4.0], [6.0, 8.0]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        ae.error(np.zeros(2), np.zeros(2), "max")


# ---------------------------------------------------------------- the published steps, run

def digits_and_images(n_img=6, size=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n_img, size, size)).astype(np.uint8)
    digits = rng.permutation(np.arange(n_img) % 10)
    return x, digits


def test_published_steps_stop_at_the_first_update_without_a_learning_rate():
    x, digits = digits_and_images()
    f, wo = ae.init_article(kernel_size=3, image_size=8, seed=1)
    names = {}
    with pytest.raises(NameError, match="name 'lr' is not defined"):
        ae.run_published_steps(x, digits, f, wo, names)
    cache = ae.forward(f, wo, ae.stack_transpose(x) / 255)
    # the steps before the update ran: the published dense gradient is there
    np.testing.assert_allclose(names["dwo"], ae.dense_gradient(cache, ae.binarize(digits)),
                               rtol=1e-12)
    np.testing.assert_array_equal(names["y"], ae.binarize(digits)[None, :])
    assert names["X"].shape == (8, 8, 6) and names["a1_t"].shape == (3 * 36, 6)
    np.testing.assert_array_equal(names["wo"], wo)            # not updated yet
    assert "maps" not in names and "df" not in names and "lr" not in names


@pytest.mark.parametrize("num_filters", [2, 3, 4])
def test_with_a_learning_rate_the_filter_loop_fails_at_image_index_F(num_filters):
    x, digits = digits_and_images(n_img=7)
    f, wo = ae.init_article(num_filters=num_filters, kernel_size=3, image_size=8, seed=2)
    names = {"lr": 0.1}
    with pytest.raises(IndexError, match=f"index {num_filters} is out of bounds for axis 2"):
        ae.run_published_steps(x, digits, f, wo, names)
    assert (names["i"], names["a"], names["b"], names["img"]) == (0, 0, 0, num_filters)
    assert names["maps"].shape == (6, 6, num_filters)
    assert names["da1_dz1"].shape == names["a1_t"].shape      # computed, never used
    assert names["df"] == []                                 # no update finished


def test_the_filter_gradient_reads_the_updated_dense_weights():
    x, digits = digits_and_images(n_img=7)
    f, wo = ae.init_article(kernel_size=3, image_size=8, seed=2)
    names = {"lr": 0.1}
    with pytest.raises(IndexError):
        ae.run_published_steps(x, digits, f, wo, names)
    np.testing.assert_allclose(names["wo"], wo - 0.1 * names["dwo"], rtol=1e-12)
    np.testing.assert_array_equal(names["dz2_da1"], names["wo"].T)
    assert not np.allclose(names["dz2_da1"], wo.T)
    repaired = {"lr": 0.1}
    with pytest.raises(IndexError):
        ae.run_published_steps(x, digits, f, wo, repaired, repairs=("wo_before_update",))
    np.testing.assert_array_equal(repaired["dz2_da1"], wo.T)


def test_the_updated_weights_change_the_filter_gradient_by_lr_times_a_gradient():
    """The filter gradient is linear in wo: with wo - lr dwo it moves by lr times the
    filter gradient computed with dwo in place of wo."""
    _, X, y, f, wo = problem(n_img=10, size=10, seed=3)
    cache = ae.forward(f, wo, X)
    dwo = ae.dense_gradient(cache, y)
    for lr in (0.01, 1.0):
        old = ae.filter_gradient(cache, wo, y)
        new = ae.filter_gradient(cache, wo - lr * dwo, y)
        np.testing.assert_allclose(new, old - lr * ae.filter_gradient(cache, dwo, y),
                                   rtol=1e-9, atol=1e-15)
        assert ae.norm_rel_error(new, old) > 1e-4 * lr


def test_on_as_many_images_as_filters_the_loop_runs_and_every_filter_gets_the_same_update():
    x, digits = digits_and_images(n_img=3)
    f, wo = ae.init_article(kernel_size=3, image_size=8, seed=4)
    names = ae.run_published_steps(x, digits, f, wo, {"lr": 0.5})
    df = names["df"]
    assert df.shape == (3, 3, 3)
    np.testing.assert_array_equal(df[0], df[1])
    np.testing.assert_array_equal(df[0], df[2])
    for i in range(3):
        np.testing.assert_allclose(names["f"][:, :, i], f[:, :, i] - 0.5 * df[i], rtol=1e-12)
    # the repaired reading gives each filter its own update
    repaired = ae.run_published_steps(x, digits, f, wo, {"lr": 0.5}, repairs=("filter_index",))
    assert not np.allclose(repaired["df"][0], repaired["df"][1])


def test_repaired_published_steps_are_the_switch_model_with_the_updated_weights():
    x, digits = digits_and_images(n_img=9, size=9)
    f, wo = ae.init_article(kernel_size=4, image_size=9, seed=5)
    y = ae.binarize(digits)
    cache = ae.forward(f, wo, ae.stack_transpose(x) / 255)
    names = ae.run_published_steps(x, digits, f, wo, {"lr": 0.2}, repairs=("filter_index",))
    updated = wo - 0.2 * ae.dense_gradient(cache, y)
    np.testing.assert_allclose(names["df"].transpose(1, 2, 0),
                               ae.filter_gradient(cache, updated, y), rtol=1e-10)
    np.testing.assert_allclose(names["f"], f - 0.2 * names["df"].transpose(1, 2, 0), rtol=1e-12)


def test_published_steps_leave_the_callers_arrays_alone_and_validate():
    x, digits = digits_and_images(n_img=3)
    f, wo = ae.init_article(kernel_size=3, image_size=8, seed=4)
    f0, wo0, digits0 = f.copy(), wo.copy(), digits.copy()
    ae.run_published_steps(x, digits, f, wo, {"lr": 0.5})
    np.testing.assert_array_equal(f, f0)
    np.testing.assert_array_equal(wo, wo0)
    np.testing.assert_array_equal(digits, digits0)
    with pytest.raises(ValueError, match="repairs"):
        ae.run_published_steps(x, digits, f, wo, {"lr": 0.5}, repairs=("everything",))
    with pytest.raises(ValueError, match="wo must have shape"):
        ae.run_published_steps(x, digits, f, wo[:-1], {"lr": 0.5})
    with pytest.raises(ValueError, match="images must have 3 dimensions"):
        ae.run_published_steps(x[0], digits, f, wo, {"lr": 0.5})
    with pytest.raises(ValueError, match="digits"):
        ae.run_published_steps(x, digits[:2], f, wo, {"lr": 0.5})
