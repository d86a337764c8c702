"""helpers.article_errata: the re-implementation of the article's method computes what
the article's code computes (bugs included), and with every bug switched off it is
the exact gradient."""

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
    num_f = numerical_gradient(lambda: ae.error(ae.forward(f, wo, X, standardize)["o"], y, "mean"), f)
    num_w = numerical_gradient(lambda: ae.error(ae.head(cache["a1f"], wo, standardize)[2], y), wo)
    assert ae.relative_error(ae.filter_gradient(cache, wo, y, **ALL_FIXED), num_f) < 1e-7
    assert ae.relative_error(ae.dense_gradient(cache, y, ignore_standardization=False), num_w) < 1e-7


def article_filter_update_loops(X, f, wo, cache, y):
    """The article's backward for the filters written as its loops (in our words),
    with its filter loop indexing the filter (the article's inner index runs over images
    and reads the map with that image index, which cannot run for more than F images)."""
    o = cache["o"]
    delta = -(y - o) * o * (1 - o)                                   # (N,)
    error_wrt_a1 = wo @ delta[None, :]                               # (F*P, N), no a1(1-a1)
    averaged = np.average(error_wrt_a1, axis=1)                      # over images
    k = f.shape[0]
    n = X.shape[0] - k + 1
    maps = np.resize(averaged, (n, n, f.shape[2]))                   # the layout bug
    update = []
    for i in range(f.shape[2]):
        for a in range(k):
            for b in range(k):
                total = 0.0
                for img in range(X.shape[2]):
                    total += np.sum(X[a:a + n, b:b + n, img] * maps[:, :, i])
                update.append(total / X.shape[2])
    return np.array(update).reshape(f.shape[2], k, k).transpose(1, 2, 0)


def test_all_switches_on_reproduce_the_articles_loops():
    _, X, y, f, wo = problem()
    cache = ae.forward(f, wo, X)
    np.testing.assert_allclose(ae.filter_gradient(cache, wo, y),
                               article_filter_update_loops(X, f, wo, cache, y), rtol=1e-10)
    # and the dense gradient is the article's np.dot(a1f.T, delta)
    o = cache["o"]
    np.testing.assert_allclose(ae.dense_gradient(cache, y),
                               cache["a1f"].T @ (-(y - o) * o * (1 - o))[:, None], rtol=1e-12)


@pytest.mark.parametrize("switch", ae.BUG_SWITCHES)
def test_each_bug_alone_moves_the_gradient_away(switch):
    _, X, y, f, wo = problem(n_img=10, size=10, seed=3)
    cache = ae.forward(f, wo, X)
    exact = ae.filter_gradient(cache, wo, y, **ALL_FIXED)
    buggy = ae.filter_gradient(cache, wo, y, **{**ALL_FIXED, switch: True})
    assert ae.relative_error(buggy, exact) > 0.05


def test_layout_bug_maps_mix_filters():
    g = np.arange(12.0)
    bug = g.reshape(2, 2, 3)[:, :, 0]                                # what np.resize reads
    np.testing.assert_array_equal(bug, np.resize(g, (2, 2, 3))[:, :, 0])
    assert set((bug.ravel() // 4).astype(int)) == {0, 1, 2}          # all three filters


def test_cosine_and_relative_error():
    a = np.array([1.0, 0.0])
    assert ae.cosine(a, [2.0, 0.0]) == pytest.approx(1)
    assert ae.cosine(a, [0.0, 3.0]) == pytest.approx(0)
    assert ae.cosine(a, -a) == pytest.approx(-1)
    assert ae.relative_error(a, a) == 0
    assert ae.relative_error(a, -a) == pytest.approx(1)
    with pytest.raises(ValueError):
        ae.error(np.zeros(2), np.zeros(2), "max")
