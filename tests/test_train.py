"""helpers.train: losses on logits, optimizers, mini-batches, fit, evaluation."""

import numpy as np
import pytest

from helpers import nets, train
from helpers.gradcheck import numerical_gradient, rel_error


def tiny_data(n=60, seed=0):
    """Images whose class is visible: class k has a bright row k (k < 3), 8x8."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.random((n, 8, 8)) * 60).astype(np.uint8)
    x[np.arange(n), 2 * y + 1, :] = 250
    return x, y


def tiny_cnn(seed=0):
    return nets.init_improved_cnn(3, channels=(2, 4), image_size=8, seed=seed)


# ---------------------------------------------------------------- losses

@pytest.mark.parametrize("loss,m", [("softmax_cross_entropy", 4), ("binary_cross_entropy", 1),
                                    ("half_squared_error", 1)])
def test_loss_gradients_match_finite_differences(loss, m):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, m))
    y = rng.integers(0, m, 5) if m > 1 else rng.integers(0, 2, 5)
    _, dz = train.loss_and_grad(loss, z, y)
    num = numerical_gradient(lambda z: train.loss_and_grad(loss, z, y)[0], z)
    assert rel_error(dz, num) < 1e-7


def test_half_squared_error_is_the_articles_error_on_the_sigmoid():
    z = np.array([[0.0], [2.0]])
    y = np.array([1, 0])
    value, _ = train.loss_and_grad("half_squared_error", z, y)
    o = 1 / (1 + np.exp(-z[:, 0]))
    assert value == pytest.approx(np.mean((y - o) ** 2 / 2))
    with pytest.raises(ValueError, match="loss"):
        train.loss_and_grad("mse", z, y)


# ---------------------------------------------------------------- optimizers

def test_sgd_is_the_articles_update_and_pure():
    p = {"w": np.array([1.0, 2.0])}
    g = {"w": np.array([0.5, -1.0])}
    opt = train.sgd(0.1)
    new, state = opt.update(p, g, opt.init(p))
    np.testing.assert_allclose(new["w"], [0.95, 2.1])
    np.testing.assert_array_equal(p["w"], [1.0, 2.0])          # not modified


def test_sgd_momentum_accumulates_velocity():
    p = {"w": np.array([0.0])}
    g = {"w": np.array([1.0])}
    opt = train.sgd(0.1, momentum=0.9)
    s = opt.init(p)
    p, s = opt.update(p, g, s)
    p, s = opt.update(p, g, s)
    np.testing.assert_allclose(p["w"], [-0.1 - 0.19])


def test_adam_first_steps_by_hand():
    p = {"w": np.array([1.0, -1.0], np.float32)}
    g = {"w": np.array([0.2, -3.0], np.float32)}
    state = train.adam_init(p)
    new, state = train.adam_step(p, g, state, lr=0.01)
    # After one step m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps).
    np.testing.assert_allclose(new["w"], [0.99, -0.99], rtol=1e-5)
    assert new["w"].dtype == np.float32 and state["t"] == 1
    np.testing.assert_array_equal(p["w"], [1.0, -1.0])
    new2, state2 = train.adam_step(new, g, state, lr=0.01)
    m = 0.9 * 0.1 * 0.2 + 0.1 * 0.2
    v = 0.999 * 0.001 * 0.04 + 0.001 * 0.04
    expected = 0.99 - 0.01 * np.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2) * m / (np.sqrt(v) + 1e-7)
    assert new2["w"][0] == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------- mini-batches

def test_minibatches_cover_every_index_once_and_are_seeded():
    batches = list(train.minibatches(10, 4, 0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))
    again = list(train.minibatches(10, 4, 0))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))
    assert not np.array_equal(np.concatenate(batches), np.arange(10))
    assert [len(b) for b in train.minibatches(10, 4, 0, drop_last=True)] == [4, 4]
    assert [list(b) for b in train.minibatches(3, 8, shuffle=False)] == [[0, 1, 2]]


def test_spaced_steps():
    s = train.spaced_steps(100, 8)
    assert s[0] == 0 and s[-1] == 100 and s == sorted(set(s))


# ---------------------------------------------------------------- fit

def test_fit_learns_a_visible_pattern_and_is_reproducible():
    x, y = tiny_data()
    p0 = tiny_cnn()
    kwargs = dict(optimizer=train.adam(0.03), batch_size=16, epochs=10, seed=1,
                  x_val=x, y_val=y, progress=False)
    p1, h1 = train.fit(nets.IMPROVED_CNN, p0, x, y, **kwargs)
    p2, h2 = train.fit(nets.IMPROVED_CNN, p0, x, y, **kwargs)
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    assert h1.loss == h2.loss
    assert len(h1.step) == 10 * 4 and h1.step[-1] == 40
    assert h1.epoch_loss[-1] < 0.5 * h1.epoch_loss[0]
    assert h1.val_accuracy[-1] > 0.9
    assert len(h1.val_step) == 10 and all(v.dtype == np.float32 for v in p1.values())
    # the initial parameters were not touched
    assert all(np.array_equal(p0[k], tiny_cnn()[k]) for k in p0)


def test_fit_checkpoints_max_steps_and_callback():
    x, y = tiny_data()
    calls = []
    params, h = train.fit(nets.IMPROVED_CNN, tiny_cnn(), x, y, optimizer="sgd", batch_size=10,
                          epochs=3, max_steps=7, checkpoint_steps=[0, 3, 7, 50], eval_every=2,
                          x_val=x[:10], y_val=y[:10], progress=False,
                          callback=lambda hist, p: calls.append(hist.step[-1] if hist.step else 0))
    assert h.step[-1] == 7 and sorted(h.checkpoints) == [0, 3, 7]
    assert all(np.array_equal(h.checkpoints[7][k], params[k]) for k in params)
    assert all(np.array_equal(h.checkpoints[0][k], tiny_cnn()[k]) for k in params)
    assert not np.array_equal(h.checkpoints[3]["w1"], params["w1"])
    assert h.val_step == [2, 4, 6, 7] and calls == [2, 4, 6, 7]


def test_fit_full_batch_article_network_with_half_squared_error():
    x, y = tiny_data(40)
    yb = (y > 0).astype(np.int64)
    p = nets.init_article_net(1, kernel_size=3, image_size=8, init="scaled", seed=0)
    params, h = train.fit(nets.ARTICLE_NET, p, x, yb, loss="half_squared_error",
                          optimizer=train.sgd(2.0), batch_size=len(x), epochs=30, progress=False)
    assert len(h.step) == 30 and h.loss[-1] < h.loss[0]


def test_fit_rejects_bad_arguments():
    x, y = tiny_data(10)
    with pytest.raises(ValueError, match="length"):
        train.fit(nets.IMPROVED_CNN, tiny_cnn(), x, y[:5], progress=False)
    with pytest.raises(ValueError, match="loss"):
        train.fit(nets.IMPROVED_CNN, tiny_cnn(), x, y, loss="l2", progress=False)
    with pytest.raises(ValueError, match="optimizer"):
        train.fit(nets.IMPROVED_CNN, tiny_cnn(), x, y, optimizer="rmsprop", progress=False)


def test_fit_shows_a_progress_bar(capsys):
    x, y = tiny_data(20)
    train.fit(nets.IMPROVED_CNN, tiny_cnn(), x, y, batch_size=10, progress=True)
    assert "2/2" in capsys.readouterr().err


# ---------------------------------------------------------------- evaluation

def test_predictions_in_minibatches_equal_one_batch():
    x, y = tiny_data(23)
    p = tiny_cnn()
    whole = train.predict_logits(nets.IMPROVED_CNN, p, x, batch_size=100)
    pieces = train.predict_logits(nets.IMPROVED_CNN, p, x, batch_size=5)
    np.testing.assert_allclose(whole, pieces, rtol=1e-5, atol=1e-6)
    labels = train.predict(nets.IMPROVED_CNN, p, x, batch_size=5)
    np.testing.assert_array_equal(labels, whole.argmax(1))
    assert train.accuracy(nets.IMPROVED_CNN, p, x, y) == pytest.approx(np.mean(labels == y))
    value, acc = train.evaluate(nets.IMPROVED_CNN, p, x, y, batch_size=7)
    assert value == pytest.approx(train.loss_and_grad("softmax_cross_entropy", whole, y)[0], rel=1e-5)


def test_one_output_predicts_by_the_sign_of_the_logit():
    p = nets.init_article_net(1, kernel_size=3, image_size=8, init="scaled", seed=0)
    x, _ = tiny_data(9)
    z = train.predict_logits(nets.ARTICLE_NET, p, x)
    np.testing.assert_array_equal(train.predict(nets.ARTICLE_NET, p, x), (z[:, 0] > 0).astype(int))


def test_confusion_matrix_and_majority_baseline():
    c = train.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    np.testing.assert_array_equal(c, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert train.confusion_matrix([1], [0]).shape == (2, 2)
    assert train.majority_baseline([0, 1, 1, 1], [1, 0]) == (1, 0.5)


def test_fit_continues_from_an_optimizer_state():
    # A second run started from the first run's state keeps Adam's moments and step count.
    x, y = tiny_data(50)
    kwargs = dict(optimizer=train.adam(0.01), batch_size=10, epochs=1, seed=4, progress=False)
    p3, h3 = train.fit(nets.IMPROVED_CNN, tiny_cnn(), x, y, max_steps=3, **kwargs)
    assert h3.opt_state["t"] == 3
    m_before = {k: v.copy() for k, v in h3.opt_state["m"].items()}
    p_more, h_more = train.fit(nets.IMPROVED_CNN, p3, x, y, opt_state=h3.opt_state,
                               max_steps=2, **kwargs)
    assert h_more.opt_state["t"] == 5
    assert all(np.array_equal(m_before[k], h3.opt_state["m"][k]) for k in m_before)  # pure
    # one step from the saved state differs from one step of a fresh Adam
    p_fresh, _ = train.fit(nets.IMPROVED_CNN, p3, x, y, max_steps=1, **kwargs)
    p_cont, _ = train.fit(nets.IMPROVED_CNN, p3, x, y, opt_state=h3.opt_state, max_steps=1,
                          **kwargs)
    assert not np.allclose(p_fresh["W3"], p_cont["W3"])


def test_learning_rate_schedules():
    schedule = train.linear_decay(0.1, 11, final=0.0)
    assert schedule(1) == pytest.approx(0.1) and schedule(6) == pytest.approx(0.05)
    assert schedule(11) == pytest.approx(0.0) and schedule(50) == pytest.approx(0.0)
    p = {"w": np.array([1.0])}
    g = {"w": np.array([1.0])}
    opt = train.sgd(lambda t: 0.1 * t)                   # rate 0.1 then 0.2
    s = opt.init(p)
    p, s = opt.update(p, g, s)
    p, s = opt.update(p, g, s)
    np.testing.assert_allclose(p["w"], [1.0 - 0.1 - 0.2])
    # Adam with a constant schedule equals Adam with the constant
    q = {"w": np.array([1.0, -2.0])}
    gq = {"w": np.array([0.3, 0.1])}
    a, _ = train.adam_step(q, gq, train.adam_init(q), lr=lambda t: 0.01)
    b, _ = train.adam_step(q, gq, train.adam_init(q), lr=0.01)
    np.testing.assert_array_equal(a["w"], b["w"])


def test_fit_trains_on_one_blas_thread_and_restores_the_setting():
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    x = np.random.default_rng(0).integers(0, 256, size=(16, 28, 28)).astype(np.uint8)
    y = np.arange(16) % 10
    seen = []
    with threadpool_limits(limits=2, user_api="blas"):
        train.fit(nets.IMPROVED_CNN, nets.init_improved_cnn(seed=0), x, y, batch_size=8,
                  progress=False, eval_every=1, callback=lambda h, p: seen.append(blas_threads()))
        after = blas_threads()
    assert seen and all(threads == [1] * len(threads) for threads in seen)
    assert after == [2] * len(after)
