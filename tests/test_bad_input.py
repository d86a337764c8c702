"""Bad input to every public function beyond the kernels fails at once, with a message that
names the argument and the value received (issue 14).

Each case is "<module>.<function>: <argument>: <what is wrong>" with the exception type, the
message fragments that must all appear (the argument's name and what was received) and the
call. ``test_every_argument_has_a_case`` fails when a public function gains an argument
without a case here. The kernels (helpers.conv, helpers.layers) are in test_validation.py.
"""

import gzip
import inspect
import re
import struct

import numpy as np
import pytest

from helpers import article_errata as ae
from helpers import attribution as at
from helpers import data, drawing, fast, gradcheck, keras_bridge as kb, losses, nets, train, variants

MODULES = {"losses": losses, "gradcheck": gradcheck, "nets": nets, "train": train,
           "data": data, "fast": fast, "article_errata": ae, "variants": variants,
           "keras_bridge": kb, "attribution": at, "drawing": drawing}


def all_of(*fragments):
    """A regex that matches when every fragment appears, in any order."""
    return "(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments)


# ---------------------------------------------------------------- small valid inputs

X8 = np.zeros((2, 1, 8, 8))                                   # two 8 x 8 images
U8 = np.zeros((6, 8, 8), np.uint8)                            # six uint8 images
Y6 = np.array([0, 1, 2, 0, 1, 2])
PA = nets.init_article_net(3, num_filters=2, kernel_size=3, image_size=8, bias=True,
                           dtype=np.float64)                  # z2 (N, 3)
PC = nets.init_improved_cnn(3, channels=(2, 3), image_size=8, dtype=np.float64)
NET = nets.IMPROVED_CNN
_, CACHE_A = nets.article_forward(PA, X8)
_, CACHE_C = nets.cnn_forward(PC, X8)
PV = nets.init_article_net(10, num_filters=2, bias=True, dtype=np.float64)   # variants: 28 x 28
XV = np.zeros((2, 1, 28, 28))
_, _, _, CACHE_V = variants.variant_step(PV, XV, [0, 1])
F_AE, WO_AE = ae.init_article(num_filters=2, kernel_size=3, image_size=6)
X_AE = np.zeros((6, 6, 4))                                    # (H, W, N)
CACHE_AE = ae.forward(F_AE, WO_AE, X_AE + np.arange(4))
Y_AE = np.array([0.0, 1.0, 1.0, 0.0])
_, CACHE_FAST = fast.conv2d_forward(X8, np.zeros((2, 1, 3, 3)), padding=1)
_, CACHE_POOL = fast.relu_maxpool2d_forward(np.zeros((2, 3, 4, 4)))
X1 = X8[:1]                                                   # attribution: one image
PC_NO_B3 = {k: v for k, v in PC.items() if k != "b3"}
PC_INT = {k: v.astype(np.int64) for k, v in PC.items()}
PC_F16 = {k: v.astype(np.float16) for k, v in PC.items()}
READ_ONLY = np.zeros((5, 5))
READ_ONLY.flags.writeable = False


class FakeModel:
    """Passes the bridge's model check; any use of it beyond the checks fails loudly."""

    name = "improved_cnn"

    def get_layer(self, name):
        raise AssertionError("the arguments should have been refused before the model is used")


MODEL = FakeModel()


def call(fn, *args, **kwargs):
    return lambda: fn(*args, **kwargs)


def fit(**bad):
    kwargs = dict(net=NET, params=PC, x=U8, y=Y6, progress=False)
    kwargs.update(bad)
    return lambda: train.fit(kwargs.pop("net"), kwargs.pop("params"), kwargs.pop("x"),
                             kwargs.pop("y"), **kwargs)


CASES = {
    # ------------------------------------------------------------------------ losses
    "losses.half_squared_error: o: rank 3": (
        ValueError, ["o", "(2, 1, 1)"], call(losses.half_squared_error, np.zeros((2, 1, 1)), 0)),
    "losses.half_squared_error: y: NaN target": (
        ValueError, ["y", "nan"], call(losses.half_squared_error, np.zeros(2), [0.0, np.nan])),
    "losses.binary_cross_entropy: logits: empty batch": (
        ValueError, ["logits", "(0, 1)"], call(losses.binary_cross_entropy, np.zeros((0, 1)),
                                               np.zeros((0, 1)))),
    "losses.binary_cross_entropy: y: outside [0, 1]": (
        ValueError, ["y", "2"], call(losses.binary_cross_entropy, np.zeros(2), [0, 2])),
    "losses.softmax_cross_entropy: logits: strings": (
        TypeError, ["logits", "<U1"], call(losses.softmax_cross_entropy, [["a", "b"]], [0])),
    "losses.softmax_cross_entropy: y: a label of inf": (
        ValueError, ["y", "inf"], call(losses.softmax_cross_entropy, np.zeros((2, 3)),
                                       [0.0, np.inf])),
    # ------------------------------------------------------------------------ gradcheck
    "gradcheck.numerical_gradient: f: not a function": (
        TypeError, ["f", "int"], call(gradcheck.numerical_gradient, 42, np.ones(2))),
    "gradcheck.numerical_gradient: x: float32": (
        TypeError, ["x", "float32"], call(gradcheck.numerical_gradient, lambda x: 0.0,
                                          np.ones(2, np.float32))),
    "gradcheck.numerical_gradient: h: zero": (
        ValueError, ["h", "got 0"], call(gradcheck.numerical_gradient, lambda x: 0.0,
                                         np.ones(2), h=0)),
    "gradcheck.numerical_gradient_array: f: a string": (
        TypeError, ["f", "str"], call(gradcheck.numerical_gradient_array, "f", np.ones(2),
                                      np.ones(2))),
    "gradcheck.numerical_gradient_array: x: a list": (
        TypeError, ["x", "list"], call(gradcheck.numerical_gradient_array, lambda x: x,
                                       [1.0, 2.0], np.ones(2))),
    "gradcheck.numerical_gradient_array: dout: NaN": (
        ValueError, ["dout", "nan"], call(gradcheck.numerical_gradient_array, lambda x: x,
                                          np.ones(2), [1.0, np.nan])),
    "gradcheck.numerical_gradient_array: h: negative": (
        ValueError, ["h", "-1"], call(gradcheck.numerical_gradient_array, lambda x: x,
                                      np.ones(2), np.ones(2), h=-1)),
    "gradcheck.rel_error: a: complex": (
        TypeError, ["a", "complex"], call(gradcheck.rel_error, np.ones(2) * 1j, np.ones(2))),
    "gradcheck.rel_error: b: NaN": (
        ValueError, ["b", "nan"], call(gradcheck.rel_error, np.ones(2), [1.0, np.nan])),
    # ------------------------------------------------------------------------ nets
    "nets.prepare_images: x: rank 2": (
        ValueError, ["x", "(3, 4)"], call(nets.prepare_images, np.zeros((3, 4)))),
    "nets.prepare_images: dtype: an integer type": (
        TypeError, ["dtype", "int64"], call(nets.prepare_images, U8, np.int64)),
    "nets.init_article_net: num_outputs: zero": (
        ValueError, ["num_outputs", "got 0"], call(nets.init_article_net, 0)),
    "nets.init_article_net: num_filters: 2.5": (
        TypeError, ["num_filters", "2.5"], call(nets.init_article_net, num_filters=2.5)),
    "nets.init_article_net: kernel_size: a bool": (
        TypeError, ["kernel_size", "True"], call(nets.init_article_net, kernel_size=True)),
    "nets.init_article_net: image_size: negative": (
        ValueError, ["image_size", "-1"], call(nets.init_article_net, image_size=-1)),
    "nets.init_article_net: init: unknown": (
        ValueError, ["init", "glorot"], call(nets.init_article_net, init="glorot")),
    "nets.init_article_net: bias: a string": (
        TypeError, ["bias", "'yes'"], call(nets.init_article_net, bias="yes")),
    "nets.init_article_net: seed: negative": (
        ValueError, ["seed", "-1"], call(nets.init_article_net, seed=-1)),
    "nets.init_article_net: dtype: int8": (
        TypeError, ["dtype", "int8"], call(nets.init_article_net, dtype="int8")),
    "nets.article_forward: params: W2 missing": (
        ValueError, ["params", "W2", "['w1']"], call(nets.article_forward, {"w1": PA["w1"]}, X8)),
    "nets.article_forward: x: rank 3": (
        ValueError, ["x", "(1, 8, 8)"], call(nets.article_forward, PA, np.zeros((1, 8, 8)))),
    "nets.article_forward: activation: unknown": (
        ValueError, ["activation", "tanh"], call(nets.article_forward, PA, X8, activation="tanh")),
    "nets.article_backward: dz2: one row too many": (
        ValueError, ["dz2", "N = 2", "(3, 3)"], call(nets.article_backward, np.zeros((3, 3)),
                                                     CACHE_A)),
    "nets.article_backward: cache: a string": (
        TypeError, ["cache", "'bad'"], call(nets.article_backward, np.zeros((2, 3)), "bad")),
    "nets.article_feature_maps: params: a list": (
        TypeError, ["params", "[1, 2]"], call(nets.article_feature_maps, [1, 2], X8)),
    "nets.article_feature_maps: x: strings": (
        TypeError, ["x", "<U1"], call(nets.article_feature_maps, PA, [[[["a"]]]])),
    "nets.init_improved_cnn: num_classes: zero": (
        ValueError, ["num_classes", "got 0"], call(nets.init_improved_cnn, 0)),
    "nets.init_improved_cnn: channels: one number": (
        ValueError, ["channels", "(4,)"], call(nets.init_improved_cnn, channels=(4,))),
    "nets.init_improved_cnn: image_size: too small for two pools": (
        ValueError, ["image_size", "got 3"], call(nets.init_improved_cnn, image_size=3)),
    "nets.init_improved_cnn: in_channels: zero": (
        ValueError, ["in_channels", "got 0"], call(nets.init_improved_cnn, in_channels=0)),
    "nets.init_improved_cnn: seed: a string": (
        TypeError, ["seed", "'a'"], call(nets.init_improved_cnn, seed="a")),
    "nets.init_improved_cnn: dtype: float16": (
        TypeError, ["dtype", "float16"], call(nets.init_improved_cnn, dtype=np.float16)),
    "nets.cnn_forward: params: b3 missing": (
        ValueError, ["params", "b3"], call(nets.cnn_forward,
                                           {k: v for k, v in PC.items() if k != "b3"}, X8)),
    "nets.cnn_forward: x: rank 2": (
        ValueError, ["x", "(8, 8)"], call(nets.cnn_forward, PC, np.zeros((8, 8)))),
    "nets.cnn_backward: dz3: rank 1": (
        ValueError, ["dz3", "(3,)"], call(nets.cnn_backward, np.zeros(3), CACHE_C)),
    "nets.cnn_backward: cache: article's cache": (
        TypeError, ["cache", "cnn_forward"], call(nets.cnn_backward, np.zeros((2, 3)), CACHE_A)),
    "nets.cnn_feature_maps: params: None": (
        TypeError, ["params", "None"], call(nets.cnn_feature_maps, None, X8)),
    "nets.cnn_feature_maps: x: complex": (
        TypeError, ["x", "complex"], call(nets.cnn_feature_maps, PC, X8 * 1j)),
    "nets.count_params: params: None": (
        TypeError, ["params", "None"], call(nets.count_params, None)),
    "nets.copy_params: params: a value of strings": (
        TypeError, ["params['w']", "<U3"], call(nets.copy_params, {"w": "abc"})),
    # ------------------------------------------------------------------------ train
    "train.loss_and_grad: loss: unknown": (
        ValueError, ["loss", "'mse'"], call(train.loss_and_grad, "mse", np.zeros((2, 3)), [0, 1])),
    "train.loss_and_grad: z: rank 1": (
        ValueError, ["z", "(3,)"], call(train.loss_and_grad, "softmax_cross_entropy",
                                        np.zeros(3), [0, 1, 2])),
    "train.loss_and_grad: y: label outside the classes": (
        ValueError, ["y", "to 5"], call(train.loss_and_grad, "softmax_cross_entropy",
                                        np.zeros((2, 3)), [0, 5])),
    "train.sgd: lr: negative": (ValueError, ["lr", "-0.1"], call(train.sgd, -0.1)),
    "train.sgd: momentum: 1": (ValueError, ["momentum", "1"], call(train.sgd, 0.1, momentum=1)),
    "train.adam: lr: NaN": (ValueError, ["lr", "nan"], call(train.adam, float("nan"))),
    "train.adam: beta1: 1.5": (ValueError, ["beta1", "1.5"], call(train.adam, beta1=1.5)),
    "train.adam: beta2: negative": (ValueError, ["beta2", "-0.1"], call(train.adam, beta2=-0.1)),
    "train.adam: eps: negative": (ValueError, ["eps", "-1e-07"], call(train.adam, eps=-1e-7)),
    "train.sgd_step: params: a list": (
        TypeError, ["params", "[1]"], call(train.sgd_step, [1], {}, 0.1)),
    "train.sgd_step: grads: a key missing": (
        ValueError, ["grads", "['w']", "[]"], call(train.sgd_step, {"w": np.ones(2)}, {}, 0.1)),
    "train.sgd_step: lr: a string": (
        TypeError, ["lr", "'0.1'"], call(train.sgd_step, {"w": np.ones(2)}, {"w": np.ones(2)},
                                         "0.1")),
    "train.adam_init: params: a string": (
        TypeError, ["params", "'w'"], call(train.adam_init, "w")),
    "train.adam_step: params: None": (
        TypeError, ["params", "None"], call(train.adam_step, None, {}, {})),
    "train.adam_step: grads: wrong shape": (
        ValueError, ["grads['w']", "(3,)", "(2,)"],
        call(train.adam_step, {"w": np.ones(3)}, {"w": np.ones(2)}, {})),
    "train.adam_step: state: empty dict": (
        TypeError, ["state", "{}"], call(train.adam_step, {"w": np.ones(2)}, {"w": np.ones(2)},
                                         {})),
    "train.adam_step: lr: inf": (
        ValueError, ["lr", "inf"], call(train.adam_step, {"w": np.ones(2)}, {"w": np.ones(2)},
                                        train.adam_init({"w": np.ones(2)}), lr=float("inf"))),
    "train.adam_step: beta1: a bool": (
        TypeError, ["beta1", "True"], call(train.adam_step, {"w": np.ones(2)}, {"w": np.ones(2)},
                                           train.adam_init({"w": np.ones(2)}), beta1=True)),
    "train.adam_step: beta2: 1": (
        ValueError, ["beta2", "got 1"], call(train.adam_step, {"w": np.ones(2)},
                                             {"w": np.ones(2)},
                                             train.adam_init({"w": np.ones(2)}), beta2=1)),
    "train.adam_step: eps: negative": (
        ValueError, ["eps", "-1"], call(train.adam_step, {"w": np.ones(2)}, {"w": np.ones(2)},
                                        train.adam_init({"w": np.ones(2)}), eps=-1)),
    "train.linear_decay: lr: negative": (ValueError, ["lr", "-1"], call(train.linear_decay, -1, 10)),
    "train.linear_decay: total_steps: zero": (
        ValueError, ["total_steps", "got 0"], call(train.linear_decay, 0.1, 0)),
    "train.linear_decay: final: NaN": (
        ValueError, ["final", "nan"], call(train.linear_decay, 0.1, 10, float("nan"))),
    "train.minibatches: n: negative": (ValueError, ["n", "-1"], call(train.minibatches, -1, 2)),
    "train.minibatches: batch_size: zero": (
        ValueError, ["batch_size", "got 0"], call(train.minibatches, 10, 0)),
    "train.minibatches: rng: a string": (
        TypeError, ["rng", "'seed'"], call(train.minibatches, 10, 2, "seed")),
    "train.minibatches: shuffle: 1": (
        TypeError, ["shuffle", "got 1"], call(train.minibatches, 10, 2, shuffle=1)),
    "train.minibatches: drop_last: a string": (
        TypeError, ["drop_last", "'no'"], call(train.minibatches, 10, 2, drop_last="no")),
    "train.fit: net: a string": (TypeError, ["net", "'cnn'"], fit(net="cnn")),
    "train.fit: params: missing": (TypeError, ["params", "None"], fit(params=None)),
    "train.fit: x: rank 2": (ValueError, ["x", "(6, 8)"], fit(x=np.zeros((6, 8)))),
    "train.fit: y: one label for six images": (ValueError, ["x and y", "6", "1"], fit(y=[0])),
    "train.fit: loss: unknown": (ValueError, ["loss", "'hinge'"], fit(loss="hinge")),
    "train.fit: optimizer: unknown name": (
        ValueError, ["optimizer", "'rmsprop'"], fit(optimizer="rmsprop")),
    "train.fit: batch_size: zero": (ValueError, ["batch_size", "got 0"], fit(batch_size=0)),
    "train.fit: batch_size: negative": (ValueError, ["batch_size", "-1"], fit(batch_size=-1)),
    "train.fit: batch_size: 2.5": (TypeError, ["batch_size", "2.5"], fit(batch_size=2.5)),
    "train.fit: epochs: negative": (ValueError, ["epochs", "-1"], fit(epochs=-1)),
    "train.fit: max_steps: zero": (ValueError, ["max_steps", "got 0"], fit(max_steps=0)),
    "train.fit: seed: a float": (TypeError, ["seed", "0.5"], fit(seed=0.5)),
    "train.fit: x_val: without y_val": (ValueError, ["x_val", "y_val"], fit(x_val=U8)),
    "train.fit: y_val: wrong length": (
        ValueError, ["y_val", "(6,)", "(2,)"], fit(x_val=U8, y_val=[0, 1])),
    "train.fit: eval_every: zero": (ValueError, ["eval_every", "got 0"], fit(eval_every=0)),
    "train.fit: eval_batch_size: negative": (
        ValueError, ["eval_batch_size", "-5"], fit(eval_batch_size=-5)),
    "train.fit: callback: not a function": (TypeError, ["callback", "42"], fit(callback=42)),
    "train.fit: checkpoint_steps: a number": (
        TypeError, ["checkpoint_steps", "5"], fit(checkpoint_steps=5)),
    "train.fit: progress: a string": (TypeError, ["progress", "'yes'"], fit(progress="yes")),
    "train.fit: dtype: int32": (TypeError, ["dtype", "int32"], fit(dtype=np.int32)),
    "train.fit: opt_state: a list": (TypeError, ["opt_state", "[]"], fit(opt_state=[])),
    "train.fit: fast: a string": (TypeError, ["fast", "'no'"], fit(fast="no")),
    "train.train_step: net: None": (
        TypeError, ["net", "None"], call(train.train_step, None, PC, {}, train.adam(), X8, [0, 1])),
    "train.train_step: params: a list": (
        TypeError, ["params", "[]"], call(train.train_step, NET, [], {}, train.adam(), X8, [0, 1])),
    "train.train_step: opt_state: None": (
        TypeError, ["opt_state", "None"], call(train.train_step, NET, PC, None, train.adam(), X8,
                                               [0, 1])),
    "train.train_step: optimizer: a name": (
        TypeError, ["optimizer", "'adam'"], call(train.train_step, NET, PC, {}, "adam", X8, [0, 1])),
    "train.train_step: xb: rank 3": (
        ValueError, ["xb", "(2, 8, 8)"], call(train.train_step, NET, PC, {}, train.adam(),
                                              np.zeros((2, 8, 8)), [0, 1])),
    "train.train_step: yb: wrong length": (
        ValueError, ["yb", "(2,)", "(3,)"], call(train.train_step, NET, PC, {}, train.adam(), X8,
                                                 [0, 1, 2])),
    "train.train_step: loss: unknown": (
        ValueError, ["loss", "'l1'"], call(train.train_step, NET, PC, {}, train.adam(), X8, [0, 1],
                                           "l1")),
    "train.train_step: fast: None": (
        TypeError, ["fast", "None"], call(train.train_step, NET, PC, {}, train.adam(), X8, [0, 1],
                                          fast=None)),
    "train.accuracy: y: six images and one label": (
        ValueError, ["y", "(6,)", "(1,)"], call(train.accuracy, NET, PC, U8, [0])),
    "train.evaluate: loss: unknown": (
        ValueError, ["loss", "'l2'"], call(train.evaluate, NET, PC, U8, Y6, "l2")),
    "train.evaluate: y: NaN targets": (
        ValueError, ["y", "nan"], call(train.evaluate, NET, PC, U8, Y6 * np.nan)),
    "train.confusion_matrix: y_true: negative": (
        ValueError, ["y_true", "-1"], call(train.confusion_matrix, [-1, 0], [0, 0], 2)),
    "train.confusion_matrix: y_pred: outside num_classes": (
        ValueError, ["y_pred", "3", "[0, 3)"], call(train.confusion_matrix, [0, 1], [0, 3], 3)),
    "train.confusion_matrix: num_classes: zero": (
        ValueError, ["num_classes", "got 0"], call(train.confusion_matrix, [0], [0], 0)),
    "train.majority_baseline: y_train: empty": (
        ValueError, ["y_train", "empty"], call(train.majority_baseline, [], [0])),
    "train.majority_baseline: y_test: fractions": (
        TypeError, ["y_test", "0.5"], call(train.majority_baseline, [0], [0.5])),
    "train.spaced_steps: total: negative": (
        ValueError, ["total", "-1"], call(train.spaced_steps, -1)),
    "train.spaced_steps: count: zero": (
        ValueError, ["count", "got 0"], call(train.spaced_steps, 10, 0)),
    # ------------------------------------------------------------------------ data
    "data.read_idx: path: a number": (TypeError, ["path", "42"], call(data.read_idx, 42)),
    "data.read_idx: sha256: too short": (
        ValueError, ["sha256", "'abc'"], call(data.read_idx, "x.idx", "abc")),
    "data.load_mnist: source: unknown": (
        ValueError, ["source", "'kaggle'"], call(data.load_mnist, "kaggle")),
    "data.load_mnist: return_source: a string": (
        TypeError, ["return_source", "'yes'"], call(data.load_mnist, "bundled",
                                                    return_source="yes")),
    "data.load_fashion_mnist: source: a list": (
        ValueError, ["source", "['keras']"], call(data.load_fashion_mnist, ["keras"])),
    "data.load_fashion_mnist: return_source: 1": (
        TypeError, ["return_source", "1"], call(data.load_fashion_mnist, "debian",
                                                return_source=1)),
    # ------------------------------------------------------------------------ fast
    "fast.conv2d_forward: x: rank 3": (
        ValueError, ["x", "(1, 8, 8)"], call(fast.conv2d_forward, np.zeros((1, 8, 8)),
                                             np.zeros((2, 1, 3, 3)))),
    "fast.conv2d_forward: w: rank 2": (
        ValueError, ["w", "(3, 3)"], call(fast.conv2d_forward, X8, np.zeros((3, 3)))),
    "fast.conv2d_forward: b: wrong length": (
        ValueError, ["b", "(3,)"], call(fast.conv2d_forward, X8, np.zeros((2, 1, 3, 3)),
                                        np.zeros(3))),
    "fast.conv2d_forward: stride: zero": (
        ValueError, ["stride", "got 0"], call(fast.conv2d_forward, X8, np.zeros((2, 1, 3, 3)),
                                              stride=0)),
    "fast.conv2d_forward: padding: negative": (
        ValueError, ["padding", "-1"], call(fast.conv2d_forward, X8, np.zeros((2, 1, 3, 3)),
                                            padding=-1)),
    "fast.conv2d_forward: dilation: zero": (
        ValueError, ["dilation", "0"], call(fast.conv2d_forward, X8, np.zeros((2, 1, 3, 3)),
                                            dilation=0)),
    "fast.conv2d_backward: dout: wrong shape": (
        ValueError, ["dout", "(2, 2, 8, 8)", "(1, 2, 8, 8)"],
        call(fast.conv2d_backward, np.zeros((1, 2, 8, 8)), CACHE_FAST)),
    "fast.conv2d_backward: cache: a string": (
        TypeError, ["cache", "'c'"], call(fast.conv2d_backward, np.zeros((2, 2, 8, 8)), "c")),
    "fast.conv2d_backward: compute_dx: a string": (
        TypeError, ["compute_dx", "'no'"], call(fast.conv2d_backward, np.zeros((2, 2, 8, 8)),
                                                CACHE_FAST, compute_dx="no")),
    "fast.relu_maxpool2d_forward: z: rank 3": (
        ValueError, ["z", "(3, 4, 4)"], call(fast.relu_maxpool2d_forward, np.zeros((3, 4, 4)))),
    "fast.relu_maxpool2d_forward: b: wrong length": (
        ValueError, ["b", "(5,)"], call(fast.relu_maxpool2d_forward, np.zeros((2, 3, 4, 4)),
                                        np.zeros(5))),
    "fast.relu_maxpool2d_forward: size: 3": (
        ValueError, ["size=3"], call(fast.relu_maxpool2d_forward, np.zeros((2, 3, 4, 4)), None, 3)),
    "fast.relu_maxpool2d_forward: stride: 2.0": (
        TypeError, ["stride", "2.0"], call(fast.relu_maxpool2d_forward, np.zeros((2, 3, 4, 4)),
                                           stride=2.0)),
    "fast.relu_maxpool2d_backward: dout: wrong shape": (
        ValueError, ["dout", "(2, 3, 2, 2)", "(2, 3, 4, 4)"],
        call(fast.relu_maxpool2d_backward, np.zeros((2, 3, 4, 4)), CACHE_POOL)),
    "fast.relu_maxpool2d_backward: cache: a tuple of 2": (
        TypeError, ["cache", "(1, 2)"], call(fast.relu_maxpool2d_backward, np.zeros((2, 3, 2, 2)),
                                             (1, 2))),
    "fast.cnn_loss_and_grads: params: a list": (
        TypeError, ["params", "[]"], call(fast.cnn_loss_and_grads, [], X8, [0, 1], print)),
    "fast.cnn_loss_and_grads: x: no images": (
        ValueError, ["x", "(0, 1, 8, 8)"], call(fast.cnn_loss_and_grads, PC, X8[:0], [], print)),
    "fast.cnn_loss_and_grads: y: wrong length": (
        ValueError, ["y", "N = 2", "(3,)"], call(fast.cnn_loss_and_grads, PC, X8, [0, 1, 2],
                                                 print)),
    "fast.cnn_loss_and_grads: loss_grad: a string": (
        TypeError, ["loss_grad", "'softmax'"], call(fast.cnn_loss_and_grads, PC, X8, [0, 1],
                                                    "softmax")),
    "fast.cnn_loss_and_grads: threads: zero": (
        ValueError, ["threads", "got 0"], call(fast.cnn_loss_and_grads, PC, X8, [0, 1], print,
                                               threads=0)),
    "fast.cnn_logits: params: None": (
        TypeError, ["params", "None"], call(fast.cnn_logits, None, X8)),
    "fast.cnn_logits: x: rank 3": (
        ValueError, ["x", "(2, 8, 8)"], call(fast.cnn_logits, PC, np.zeros((2, 8, 8)))),
    "fast.cnn_logits: threads: 2.5": (
        TypeError, ["threads", "2.5"], call(fast.cnn_logits, PC, X8, threads=2.5)),
    "fast.cnn_supported: params: a string": (
        TypeError, ["params", "'w1'"], call(fast.cnn_supported, "w1", X8)),
    "fast.chunk_sizes: batch: zero": (ValueError, ["batch", "got 0"], call(fast.chunk_sizes, 0)),
    "fast.set_threads: n: negative": (ValueError, ["n", "-2"], call(fast.set_threads, -2)),
    # ------------------------------------------------------------------------ article_errata
    "article_errata.stack_transpose: x: rank 2": (
        ValueError, ["x", "(2, 3)"], call(ae.stack_transpose, np.zeros((2, 3)))),
    "article_errata.binarize_in_place: y: a tuple": (
        TypeError, ["y", "(1, 2)"], call(ae.binarize_in_place, (1, 2))),
    "article_errata.binarize: y: strings": (
        TypeError, ["y", "<U1"], call(ae.binarize, ["a"])),
    "article_errata.init_article: num_filters: zero": (
        ValueError, ["num_filters", "got 0"], call(ae.init_article, 0)),
    "article_errata.init_article: kernel_size: larger than the image": (
        ValueError, ["kernel_size", "30"], call(ae.init_article, kernel_size=30)),
    "article_errata.init_article: image_size: 2.5": (
        TypeError, ["image_size", "2.5"], call(ae.init_article, image_size=2.5)),
    "article_errata.init_article: seed: 1.5": (
        TypeError, ["seed", "1.5"], call(ae.init_article, seed=1.5)),
    "article_errata.init_article: init: unknown": (
        ValueError, ["init", "'he'"], call(ae.init_article, init="he")),
    "article_errata.patches: X: rank 2": (
        ValueError, ["X", "(6, 6)"], call(ae.patches, np.zeros((6, 6)), 3)),
    "article_errata.patches: k: zero": (ValueError, ["k", "got 0"], call(ae.patches, X_AE, 0)),
    "article_errata.forward: f: rank 2": (
        ValueError, ["f", "(3, 3)"], call(ae.forward, np.zeros((3, 3)), WO_AE, X_AE)),
    "article_errata.forward: wo: wrong length": (
        ValueError, ["wo", "(5, 1)"], call(ae.forward, F_AE, np.zeros((5, 1)), X_AE)),
    "article_errata.forward: X: rank 2": (
        ValueError, ["X", "(6, 6)"], call(ae.forward, F_AE, WO_AE, np.zeros((6, 6)))),
    "article_errata.forward: standardize: a string": (
        TypeError, ["standardize", "'no'"], call(ae.forward, F_AE, WO_AE, X_AE, "no")),
    "article_errata.head: a1f: rank 1": (
        ValueError, ["a1f", "(32,)"], call(ae.head, np.zeros(32), WO_AE)),
    "article_errata.head: wo: rank 1": (
        ValueError, ["wo", "(32,)"], call(ae.head, np.zeros((4, 32)), np.zeros(32))),
    "article_errata.head: standardize: 1": (
        TypeError, ["standardize", "got 1"], call(ae.head, np.zeros((4, 32)), WO_AE, 1)),
    "article_errata.error: o: wrong shape": (
        ValueError, ["o", "(4,)", "(3,)"], call(ae.error, np.zeros(4), np.zeros(3))),
    "article_errata.error: y: NaN": (
        ValueError, ["y", "nan"], call(ae.error, np.zeros(2), [0.0, np.nan])),
    "article_errata.error: reduction: unknown": (
        ValueError, ["reduction", "'max'"], call(ae.error, np.zeros(2), np.zeros(2), "max")),
    "article_errata.dense_gradient: cache: empty dict": (
        TypeError, ["cache", "{}"], call(ae.dense_gradient, {}, Y_AE)),
    "article_errata.dense_gradient: y: wrong length": (
        ValueError, ["y", "(4,)", "(3,)"], call(ae.dense_gradient, CACHE_AE, np.zeros(3))),
    "article_errata.dense_gradient: ignore_standardization: None": (
        TypeError, ["ignore_standardization", "None"],
        call(ae.dense_gradient, CACHE_AE, Y_AE, ignore_standardization=None)),
    "article_errata.filter_gradient: cache: a list": (
        TypeError, ["cache", "[]"], call(ae.filter_gradient, [], WO_AE, Y_AE)),
    "article_errata.filter_gradient: wo: wrong shape": (
        ValueError, ["wo", "(3, 1)"], call(ae.filter_gradient, CACHE_AE, np.zeros((3, 1)), Y_AE)),
    "article_errata.filter_gradient: y: inf": (
        ValueError, ["y", "inf"], call(ae.filter_gradient, CACHE_AE, WO_AE, Y_AE + np.inf)),
    "article_errata.filter_gradient: ignore_standardization: 0": (
        TypeError, ["ignore_standardization", "got 0"],
        call(ae.filter_gradient, CACHE_AE, WO_AE, Y_AE, ignore_standardization=0)),
    "article_errata.filter_gradient: skip_sigmoid_derivative: 'yes'": (
        TypeError, ["skip_sigmoid_derivative", "'yes'"],
        call(ae.filter_gradient, CACHE_AE, WO_AE, Y_AE, skip_sigmoid_derivative="yes")),
    "article_errata.filter_gradient: mean_before_product: None": (
        TypeError, ["mean_before_product", "None"],
        call(ae.filter_gradient, CACHE_AE, WO_AE, Y_AE, mean_before_product=None)),
    "article_errata.filter_gradient: layout_bug: 1": (
        TypeError, ["layout_bug", "got 1"],
        call(ae.filter_gradient, CACHE_AE, WO_AE, Y_AE, layout_bug=1)),
    "article_errata.cosine: a: all zeros": (
        ValueError, ["a", "zeros"], call(ae.cosine, np.zeros(3), np.ones(3))),
    "article_errata.cosine: b: wrong size": (
        ValueError, ["a and b", "3", "2"], call(ae.cosine, np.ones(3), np.ones(2))),
    "article_errata.norm_rel_error: a: NaN": (
        ValueError, ["a", "nan"], call(ae.norm_rel_error, [np.nan], [1.0])),
    "article_errata.norm_rel_error: b: strings": (
        TypeError, ["b", "<U1"], call(ae.norm_rel_error, [1.0], ["x"])),
    "article_errata.run_published_steps: images: rank 2": (
        ValueError, ["images", "(6, 6)"], call(ae.run_published_steps, np.zeros((6, 6)), [1],
                                               F_AE, WO_AE)),
    "article_errata.run_published_steps: digits: 10": (
        ValueError, ["digits", "10"], call(ae.run_published_steps, np.zeros((2, 6, 6)), [1, 10],
                                           F_AE, WO_AE)),
    "article_errata.run_published_steps: f: rank 2": (
        ValueError, ["f", "(3, 3)"], call(ae.run_published_steps, np.zeros((2, 6, 6)), [1, 2],
                                          np.zeros((3, 3)), WO_AE)),
    "article_errata.run_published_steps: wo: wrong length": (
        ValueError, ["wo", "(7, 1)"], call(ae.run_published_steps, np.zeros((2, 6, 6)), [1, 2],
                                           F_AE, np.zeros((7, 1)))),
    "article_errata.run_published_steps: names: a list": (
        TypeError, ["names", "[]"], call(ae.run_published_steps, np.zeros((2, 6, 6)), [1, 2],
                                         F_AE, WO_AE, [])),
    "article_errata.run_published_steps: repairs: one string": (
        TypeError, ["repairs", "'filter_index'"],
        call(ae.run_published_steps, np.zeros((2, 6, 6)), [1, 2], F_AE, WO_AE,
             repairs="filter_index")),
    # ------------------------------------------------------------------------ variants
    "variants.variant_forward: params: W2 missing": (
        ValueError, ["params", "W2"], call(variants.variant_forward, {"w1": PV["w1"]}, XV)),
    "variants.variant_forward: x: rank 2": (
        ValueError, ["x", "(28, 28)"], call(variants.variant_forward, PV, np.zeros((28, 28)))),
    "variants.variant_forward: activation: unknown": (
        ValueError, ["activation", "'tanh'"], call(variants.variant_forward, PV, XV,
                                                   activation="tanh")),
    "variants.variant_forward: standardize: 1": (
        TypeError, ["standardize", "got 1"], call(variants.variant_forward, PV, XV,
                                                  standardize=1)),
    "variants.variant_backward: ds: wrong rows": (
        ValueError, ["ds", "N = 2", "(5, 10)"], call(variants.variant_backward, np.zeros((5, 10)),
                                                     CACHE_V)),
    "variants.variant_backward: cache: None": (
        TypeError, ["cache", "None"], call(variants.variant_backward, np.zeros((2, 10)), None)),
    "variants.variant_loss: s: rank 1": (
        ValueError, ["s", "(10,)"], call(variants.variant_loss, np.zeros(10), [1])),
    "variants.variant_loss: y: label 10 for the sigmoid head": (
        ValueError, ["y", "to 10"], call(variants.variant_loss, np.zeros((2, 10)), [0, 10],
                                         head="sigmoid")),
    "variants.variant_loss: head: unknown": (
        ValueError, ["head", "'tanh'"], call(variants.variant_loss, np.zeros((2, 10)), [0, 1],
                                             head="tanh")),
    "variants.variant_loss: reduction: unknown": (
        ValueError, ["reduction", "'max'"], call(variants.variant_loss, np.zeros((2, 10)), [0, 1],
                                                 reduction="max")),
    "variants.variant_step: params: None": (
        TypeError, ["params", "None"], call(variants.variant_step, None, XV, [0, 1])),
    "variants.variant_step: x: strings": (
        TypeError, ["x", "<U1"], call(variants.variant_step, PV, [[[["a"]]]], [0])),
    "variants.variant_step: y: NaN label": (
        ValueError, ["y", "nan"], call(variants.variant_step, PV, XV, [0, np.nan])),
    "variants.variant_step: activation: None": (
        ValueError, ["activation", "None"], call(variants.variant_step, PV, XV, [0, 1],
                                                 activation=None)),
    "variants.variant_step: standardize: a string": (
        TypeError, ["standardize", "'yes'"], call(variants.variant_step, PV, XV, [0, 1],
                                                  standardize="yes")),
    "variants.variant_step: head: unknown": (
        ValueError, ["head", "'relu'"], call(variants.variant_step, PV, XV, [0, 1], head="relu")),
    "variants.variant_step: reduction: unknown": (
        ValueError, ["reduction", "'median'"], call(variants.variant_step, PV, XV, [0, 1],
                                                    reduction="median")),
    "variants.grad_norms: grads: a list": (
        TypeError, ["grads", "[1.0]"], call(variants.grad_norms, [1.0])),
    "variants.unit_statistics: cache: a string": (
        TypeError, ["cache", "'c'"], call(variants.unit_statistics, "c", np.zeros((2, 10)))),
    "variants.unit_statistics: s: rank 3": (
        ValueError, ["s", "(1, 2, 10)"], call(variants.unit_statistics, CACHE_V,
                                              np.zeros((1, 2, 10)))),
    "variants.unit_statistics: head: unknown": (
        ValueError, ["head", "'max'"], call(variants.unit_statistics, CACHE_V, np.zeros((2, 10)),
                                            "max")),
    "variants.run_variant: x: rank 2": (
        ValueError, ["x", "(28, 28)"], call(variants.run_variant, np.zeros((28, 28)), [0])),
    "variants.run_variant: y: wrong length": (
        ValueError, ["y", "(6,)", "(2,)"], call(variants.run_variant, np.zeros((6, 28, 28)),
                                                [0, 1])),
    "variants.run_variant: init: unknown": (
        ValueError, ["init", "'he'"], call(variants.run_variant, XV, [0, 1], init="he")),
    "variants.run_variant: activation: unknown": (
        ValueError, ["activation", "'elu'"], call(variants.run_variant, XV, [0, 1],
                                                  activation="elu")),
    "variants.run_variant: standardize: None": (
        TypeError, ["standardize", "None"], call(variants.run_variant, XV, [0, 1],
                                                 standardize=None)),
    "variants.run_variant: reduction: unknown": (
        ValueError, ["reduction", "'avg'"], call(variants.run_variant, XV, [0, 1],
                                                 reduction="avg")),
    "variants.run_variant: head: unknown": (
        ValueError, ["head", "'linear'"], call(variants.run_variant, XV, [0, 1], head="linear")),
    "variants.run_variant: steps: negative": (
        ValueError, ["steps", "-1"], call(variants.run_variant, XV, [0, 1], steps=-1)),
    "variants.run_variant: lr: inf": (
        ValueError, ["lr", "inf"], call(variants.run_variant, XV, [0, 1], lr=float("inf"))),
    "variants.run_variant: num_filters: zero": (
        ValueError, ["num_filters", "got 0"], call(variants.run_variant, XV, [0, 1],
                                                   num_filters=0)),
    "variants.run_variant: seed: negative": (
        ValueError, ["seed", "-3"], call(variants.run_variant, XV, [0, 1], seed=-3)),
    "variants.run_variant: x_val: without y_val": (
        ValueError, ["x_val", "y_val"], call(variants.run_variant, XV, [0, 1], x_val=XV)),
    "variants.run_variant: y_val: a label of 11": (
        ValueError, ["y_val", "11"], call(variants.run_variant, XV, [0, 1], x_val=XV,
                                          y_val=[0, 11])),
    "variants.variant_grid: x: strings": (
        TypeError, ["x", "<U1"], call(variants.variant_grid, [[["a"]]], [0], fixed={})),
    "variants.variant_grid: y: fractions": (
        TypeError, ["y", "0.5"], call(variants.variant_grid, XV, [0, 0.5])),
    "variants.variant_grid: steps: 2.5": (
        TypeError, ["steps", "2.5"], call(variants.variant_grid, XV, [0, 1], steps=2.5)),
    "variants.variant_grid: lr: negative": (
        ValueError, ["lr", "-0.5"], call(variants.variant_grid, XV, [0, 1], lr=-0.5)),
    "variants.variant_grid: seed: a string": (
        TypeError, ["seed", "'0'"], call(variants.variant_grid, XV, [0, 1], seed="0")),
    "variants.variant_grid: x_val: without y_val": (
        ValueError, ["x_val", "y_val"], call(variants.variant_grid, XV, [0, 1], x_val=XV)),
    "variants.variant_grid: y_val: wrong length": (
        ValueError, ["y_val", "(2,)", "(1,)"], call(variants.variant_grid, XV, [0, 1], x_val=XV,
                                                    y_val=[0])),
    "variants.variant_grid: fixed: unknown switch": (
        ValueError, ["fixed", "'dropout'"], call(variants.variant_grid, XV, [0, 1],
                                                 fixed={"dropout": True})),
    "variants.grid_key: init: unknown": (
        ValueError, ["init", "'he'"], call(variants.grid_key, "he", "relu", True, "sum", "softmax")),
    "variants.grid_key: activation: unknown": (
        ValueError, ["activation", "'elu'"], call(variants.grid_key, "uniform", "elu", True, "sum",
                                                  "softmax")),
    "variants.grid_key: standardize: a string": (
        TypeError, ["standardize", "'True'"], call(variants.grid_key, "uniform", "relu", "True",
                                                   "sum", "softmax")),
    "variants.grid_key: reduction: unknown": (
        ValueError, ["reduction", "'avg'"], call(variants.grid_key, "uniform", "relu", True, "avg",
                                                 "softmax")),
    "variants.grid_key: head: unknown": (
        ValueError, ["head", "'svm'"], call(variants.grid_key, "uniform", "relu", True, "sum",
                                            "svm")),
    # ------------------------------------------------------------------------ keras_bridge
    "keras_bridge.conv_kernel_to_keras: w: rank 3": (
        ValueError, ["w", "(1, 3, 3)"], call(kb.conv_kernel_to_keras, np.zeros((1, 3, 3)))),
    "keras_bridge.conv_kernel_from_keras: kernel: strings": (
        TypeError, ["kernel", "<U1"], call(kb.conv_kernel_from_keras, [[[["a"]]]])),
    "keras_bridge.flatten_permutation: channels: zero": (
        ValueError, ["channels", "got 0"], call(kb.flatten_permutation, 0, 2, 2)),
    "keras_bridge.flatten_permutation: height: 2.5": (
        TypeError, ["height", "2.5"], call(kb.flatten_permutation, 1, 2.5, 2)),
    "keras_bridge.flatten_permutation: width: negative": (
        ValueError, ["width", "-2"], call(kb.flatten_permutation, 1, 2, -2)),
    "keras_bridge.dense_rows_to_keras: W: wrong rows": (
        ValueError, ["W", "(5, 3)", "(8, M)"], call(kb.dense_rows_to_keras, np.zeros((5, 3)),
                                                    (2, 2, 2))),
    "keras_bridge.dense_rows_to_keras: grid: two numbers": (
        ValueError, ["grid", "(2, 2)"], call(kb.dense_rows_to_keras, np.zeros((4, 3)), (2, 2))),
    "keras_bridge.dense_rows_to_keras: data_format: unknown": (
        ValueError, ["data_format", "'NHWC'"], call(kb.dense_rows_to_keras, np.zeros((8, 3)),
                                                    (2, 2, 2), "NHWC")),
    "keras_bridge.dense_rows_from_keras: W_keras: wrong rows": (
        ValueError, ["W_keras", "(5, 3)"], call(kb.dense_rows_from_keras, np.zeros((5, 3)),
                                                (2, 2, 2))),
    "keras_bridge.dense_rows_from_keras: grid: None": (
        ValueError, ["grid", "None"], call(kb.dense_rows_from_keras, np.zeros((8, 3)), None)),
    "keras_bridge.dense_rows_from_keras: data_format: None": (
        ValueError, ["data_format", "None"], call(kb.dense_rows_from_keras, np.zeros((8, 3)),
                                                  (2, 2, 2), None)),
    "keras_bridge.images_to_keras: x: rank 2": (
        ValueError, ["x", "(8, 8)"], call(kb.images_to_keras, np.zeros((8, 8)))),
    "keras_bridge.images_to_keras: data_format: unknown": (
        ValueError, ["data_format", "'nchw'"], call(kb.images_to_keras, U8, "nchw")),
    "keras_bridge.images_to_keras: dtype: int": (
        TypeError, ["dtype", "int"], call(kb.images_to_keras, U8, dtype=int)),
    "keras_bridge.flatten_grid: kind: unknown": (
        ValueError, ["kind", "'lenet'"], call(kb.flatten_grid, "lenet", PC)),
    "keras_bridge.flatten_grid: params: w2 missing": (
        ValueError, ["params", "'w2'"], call(kb.flatten_grid, "cnn", {"w1": PC["w1"]})),
    "keras_bridge.flatten_grid: image_size: zero": (
        ValueError, ["image_size", "got 0"], call(kb.flatten_grid, "cnn", PC, 0)),
    "keras_bridge.params_to_keras: kind: None": (
        ValueError, ["kind", "None"], call(kb.params_to_keras, None, PC)),
    "keras_bridge.params_to_keras: params: a list": (
        TypeError, ["params", "[]"], call(kb.params_to_keras, "cnn", [])),
    "keras_bridge.params_to_keras: data_format: unknown": (
        ValueError, ["data_format", "'last'"], call(kb.params_to_keras, "cnn", PC, "last")),
    "keras_bridge.params_to_keras: image_size: 2.5": (
        TypeError, ["image_size", "2.5"], call(kb.params_to_keras, "cnn", PC, image_size=2.5)),
    "keras_bridge.params_from_keras: kind: unknown": (
        ValueError, ["kind", "'mlp'"], call(kb.params_from_keras, "mlp", PC)),
    "keras_bridge.params_from_keras: keras_params: dense kernel missing": (
        ValueError, ["keras_params", "'W3'", "['w1']"], call(kb.params_from_keras, "cnn",
                                                              {"w1": PC["w1"]})),
    "keras_bridge.params_from_keras: data_format: unknown": (
        ValueError, ["data_format", "'first'"], call(kb.params_from_keras, "cnn", PC, "first")),
    "keras_bridge.params_from_keras: image_size: negative": (
        ValueError, ["image_size", "-28"], call(kb.params_from_keras, "cnn",
                                                kb.params_to_keras("cnn", PC, image_size=8),
                                                image_size=-28)),
    "keras_bridge.article_model: params: W2 missing": (
        ValueError, ["params", "W2"], call(kb.article_model, {"w1": PA["w1"]})),
    "keras_bridge.article_model: data_format: unknown": (
        ValueError, ["data_format", "'x'"], call(kb.article_model, PA, "x")),
    "keras_bridge.article_model: image_size: smaller than the filters": (
        ValueError, ["image_size", "got 2"], call(kb.article_model, PA, image_size=2)),
    "keras_bridge.article_model: dtype: float16": (
        ValueError, ["dtype", "'float16'"], call(kb.article_model, PA, image_size=8,
                                                 dtype="float16")),
    "keras_bridge.cnn_model: params: a string": (
        TypeError, ["params", "'p'"], call(kb.cnn_model, "p")),
    "keras_bridge.cnn_model: data_format: None": (
        ValueError, ["data_format", "None"], call(kb.cnn_model, PC, None)),
    "keras_bridge.cnn_model: image_size: 3": (
        ValueError, ["image_size", "got 3"], call(kb.cnn_model, PC, image_size=3)),
    "keras_bridge.cnn_model: dtype: np.float32 (not its name)": (
        ValueError, ["dtype", "float32"], call(kb.cnn_model, PC, image_size=8, dtype=np.float32)),
    "keras_bridge.build_model: kind: unknown": (
        ValueError, ["kind", "'lenet'"], call(kb.build_model, "lenet", PC)),
    "keras_bridge.build_model: params: None": (
        TypeError, ["params", "None"], call(kb.build_model, "cnn", None)),
    "keras_bridge.build_model: data_format: unknown": (
        ValueError, ["data_format", "'x'"], call(kb.build_model, "cnn", PC, "x")),
    "keras_bridge.build_model: image_size: a string": (
        TypeError, ["image_size", "'28'"], call(kb.build_model, "cnn", PC, image_size="28")),
    "keras_bridge.build_model: dtype: int32": (
        ValueError, ["dtype", "'int32'"], call(kb.build_model, "cnn", PC, image_size=8,
                                               dtype="int32")),
    "keras_bridge.model_params: model: a dict": (
        TypeError, ["model", "{}"], call(kb.model_params, {}, "cnn")),
    "keras_bridge.model_params: kind: unknown": (
        ValueError, ["kind", "'x'"], call(kb.model_params, MODEL, "x")),
    "keras_bridge.model_params: data_format: unknown": (
        ValueError, ["data_format", "'x'"], call(kb.model_params, MODEL, "cnn", "x")),
    "keras_bridge.model_params: image_size: zero": (
        ValueError, ["image_size", "got 0"], call(kb.model_params, MODEL, "cnn", image_size=0)),
    "keras_bridge.numpy_loss_and_grads: kind: unknown": (
        ValueError, ["kind", "'x'"], call(kb.numpy_loss_and_grads, "x", PC, X8, [0, 1])),
    "keras_bridge.numpy_loss_and_grads: params: b3 missing": (
        ValueError, ["params", "b3"], call(kb.numpy_loss_and_grads, "cnn",
                                           {k: v for k, v in PC.items() if k != "b3"}, X8, [0, 1])),
    "keras_bridge.numpy_loss_and_grads: x: rank 2": (
        ValueError, ["x", "(8, 8)"], call(kb.numpy_loss_and_grads, "cnn", PC, np.zeros((8, 8)),
                                          [0])),
    "keras_bridge.numpy_loss_and_grads: y: a label of 3 for 3 classes": (
        ValueError, ["y", "to 3"], call(kb.numpy_loss_and_grads, "cnn", PC, X8, [0, 3])),
    "keras_bridge.numpy_loss_and_grads: loss: unknown": (
        ValueError, ["loss", "'mse'"], call(kb.numpy_loss_and_grads, "cnn", PC, X8, [0, 1], "mse")),
    "keras_bridge.keras_loss_and_grads: model: None": (
        TypeError, ["model", "None"], call(kb.keras_loss_and_grads, None, X8, [0, 1])),
    "keras_bridge.keras_loss_and_grads: x: one image for two labels": (
        ValueError, ["x and y", "(1, 1, 8, 8)", "(2,)"], call(kb.keras_loss_and_grads, MODEL, X8[:1],
                                                              [0, 1])),
    "keras_bridge.keras_loss_and_grads: y: wrong length": (
        ValueError, ["x and y", "(2, 1, 8, 8)", "(3,)"], call(kb.keras_loss_and_grads, MODEL, X8,
                                                              [0, 1, 2])),
    "keras_bridge.keras_loss_and_grads: loss: unknown": (
        ValueError, ["loss", "'mae'"], call(kb.keras_loss_and_grads, MODEL, X8, [0, 1], "mae")),
    "keras_bridge.keras_loss_and_grads: kind: unknown": (
        ValueError, ["kind", "'x'"], call(kb.keras_loss_and_grads, MODEL, X8, [0, 1], kind="x")),
    "keras_bridge.keras_loss_and_grads: data_format: unknown": (
        ValueError, ["data_format", "'x'"], call(kb.keras_loss_and_grads, MODEL, X8, [0, 1],
                                                 data_format="x")),
    "keras_bridge.keras_loss_and_grads: image_size: zero": (
        ValueError, ["image_size", "got 0"], call(kb.keras_loss_and_grads, MODEL, X8, [0, 1],
                                                  image_size=0)),
    "keras_bridge.scaled_error: a: NaN": (
        ValueError, ["a", "nan"], call(kb.scaled_error, [np.nan], [1.0])),
    "keras_bridge.scaled_error: reference: wrong shape": (
        ValueError, ["a and reference", "(3,)", "(2,)"], call(kb.scaled_error, np.zeros(3),
                                                              np.zeros(2))),
    "keras_bridge.compile_like_helpers: model: a string": (
        TypeError, ["model", "'m'"], call(kb.compile_like_helpers, "m")),
    "keras_bridge.compile_like_helpers: learning_rate: zero": (
        ValueError, ["learning_rate", "got 0"], call(kb.compile_like_helpers, MODEL, 0)),
    "keras_bridge.keras_fit_same_batches: model: None": (
        TypeError, ["model", "None"], call(kb.keras_fit_same_batches, None, U8, Y6)),
    "keras_bridge.keras_fit_same_batches: x: strings": (
        TypeError, ["x", "<U1"], call(kb.keras_fit_same_batches, MODEL, ["a"], [0])),
    "keras_bridge.keras_fit_same_batches: y: wrong length": (
        ValueError, ["y", "(6,)", "(2,)"], call(kb.keras_fit_same_batches, MODEL, U8, [0, 1])),
    "keras_bridge.keras_fit_same_batches: batch_size: zero": (
        ValueError, ["batch_size", "got 0"], call(kb.keras_fit_same_batches, MODEL, U8, Y6,
                                                  batch_size=0)),
    "keras_bridge.keras_fit_same_batches: epochs: negative": (
        ValueError, ["epochs", "-1"], call(kb.keras_fit_same_batches, MODEL, U8, Y6, epochs=-1)),
    "keras_bridge.keras_fit_same_batches: max_steps: 1.5": (
        TypeError, ["max_steps", "1.5"], call(kb.keras_fit_same_batches, MODEL, U8, Y6,
                                              max_steps=1.5)),
    "keras_bridge.keras_fit_same_batches: seed: a string": (
        TypeError, ["seed", "'s'"], call(kb.keras_fit_same_batches, MODEL, U8, Y6, seed="s")),
    "keras_bridge.keras_fit_same_batches: data_format: unknown": (
        ValueError, ["data_format", "'x'"], call(kb.keras_fit_same_batches, MODEL, U8, Y6,
                                                 data_format="x")),
    "keras_bridge.keras_fit_same_batches: checkpoint_steps: negative step": (
        ValueError, ["checkpoint_steps", "-1"], call(kb.keras_fit_same_batches, MODEL, U8, Y6,
                                                     checkpoint_steps=[0, -1])),
    "keras_bridge.keras_fit_same_batches: kind: unknown": (
        ValueError, ["kind", "'x'"], call(kb.keras_fit_same_batches, MODEL, U8, Y6, kind="x")),
    "keras_bridge.keras_predict: model: None": (
        TypeError, ["model", "None"], call(kb.keras_predict, None, U8)),
    "keras_bridge.keras_predict: x: rank 2": (
        ValueError, ["x", "(8, 8)"], call(kb.keras_predict, MODEL, np.zeros((8, 8)), 10, "channels_last")),
    "keras_bridge.keras_predict: batch_size: zero": (
        ValueError, ["batch_size", "got 0"], call(kb.keras_predict, MODEL, U8, 0)),
    "keras_bridge.keras_predict: data_format: unknown": (
        ValueError, ["data_format", "'x'"], call(kb.keras_predict, MODEL, U8, 10, "x")),
    # ------------------------------------------------------------------------ attribution
    "attribution.input_gradient: params: a list": (
        TypeError, ["params", "[1, 2]"], call(at.input_gradient, [1, 2], X8, 0)),
    "attribution.input_gradient: x: a size the dense layer cannot read": (
        ValueError, ["x", "(2, 1, 12, 12)"], call(at.input_gradient, PC, np.zeros((2, 1, 12, 12)), 0)),
    "attribution.input_gradient: target: 1.5": (
        TypeError, ["target", "1.5"], call(at.input_gradient, PC, X8, 1.5)),
    "attribution.input_gradient: of: unknown": (
        ValueError, ["of", "'logit'"], call(at.input_gradient, PC, X8, 0, of="logit")),
    "attribution.saliency: params: integer arrays": (
        TypeError, ["params['w1']", "int64"], call(at.saliency, PC_INT, X8, 0)),
    "attribution.saliency: x: NaN": (
        ValueError, ["x", "nan"], call(at.saliency, PC, X8 + np.nan, 0)),
    "attribution.saliency: target: outside the classes": (
        ValueError, ["target", "to 3"], call(at.saliency, PC, X8, [0, 3])),
    "attribution.occlusion_map: params: b3 missing": (
        ValueError, ["params", "b3"], call(at.occlusion_map, PC_NO_B3, X8, 0)),
    "attribution.occlusion_map: x: empty batch": (
        ValueError, ["x", "(0, 1, 8, 8)"], call(at.occlusion_map, PC, X8[:0], 0)),
    "attribution.occlusion_map: target: a bool": (
        TypeError, ["target", "True"], call(at.occlusion_map, PC, X8, True)),
    "attribution.occlusion_map: size: larger than the image": (
        ValueError, ["size", "got 9"], call(at.occlusion_map, PC, X8, 0, size=9)),
    "attribution.occlusion_map: stride: zero": (
        ValueError, ["stride", "got 0"], call(at.occlusion_map, PC, X8, 0, stride=0)),
    "attribution.occlusion_map: fill: NaN": (
        ValueError, ["fill", "nan"], call(at.occlusion_map, PC, X8, 0, fill=float("nan"))),
    "attribution.window_sums: maps: rank 2": (
        ValueError, ["maps", "(8, 8)"], call(at.window_sums, np.zeros((8, 8)))),
    "attribution.window_sums: size: a bool": (
        TypeError, ["size", "True"], call(at.window_sums, np.zeros((1, 8, 8)), True)),
    "attribution.window_sums: stride: negative": (
        ValueError, ["stride", "-1"], call(at.window_sums, np.zeros((1, 8, 8)), 2, -1)),
    "attribution.correlation: a: constant": (
        ValueError, ["a", "all 1"], call(at.correlation, np.ones(4), np.arange(4))),
    "attribution.correlation: b: inf": (
        ValueError, ["b", "inf"], call(at.correlation, np.arange(3), [0, 1, np.inf])),
    "attribution.unit_gradient: params: None": (
        TypeError, ["params", "None"], call(at.unit_gradient, None, X1, "conv1", 0, 0, 0)),
    "attribution.unit_gradient: x: two images": (
        ValueError, ["x", "(2, 1, 8, 8)"], call(at.unit_gradient, PC, X8, "conv1", 0, 0, 0)),
    "attribution.unit_gradient: layer: unknown": (
        ValueError, ["layer", "'conv3'"], call(at.unit_gradient, PC, X1, "conv3", 0, 0, 0)),
    "attribution.unit_gradient: channel: 1.5": (
        TypeError, ["channel", "1.5"], call(at.unit_gradient, PC, X1, "conv1", 1.5, 0, 0)),
    "attribution.unit_gradient: i: negative": (
        ValueError, ["i", "-1"], call(at.unit_gradient, PC, X1, "conv1", 0, -1, 0)),
    "attribution.unit_gradient: j: beyond the map": (
        ValueError, ["j", "got 4"], call(at.unit_gradient, PC, X1, "pool1", 0, 0, 4)),
    "attribution.receptive_field: layer: None": (
        ValueError, ["layer", "None"], call(at.receptive_field, None, 0, 0)),
    "attribution.receptive_field: i: a bool": (
        TypeError, ["i", "True"], call(at.receptive_field, "conv1", True, 0)),
    "attribution.receptive_field: j: beyond the map": (
        ValueError, ["j", "got 7"], call(at.receptive_field, "pool2", 0, 7)),
    "attribution.receptive_field: image_size: huge": (
        ValueError, ["image_size", "1000000"], call(at.receptive_field, "conv1", 0, 0, 10**6)),
    "attribution.receptive_field_size: layer: wrong case": (
        ValueError, ["layer", "'POOL2'"], call(at.receptive_field_size, "POOL2")),
    "attribution.fgsm: params: float16": (
        TypeError, ["params['w1']", "float16"], call(at.fgsm, PC_F16, X8, [0, 1], 0.1)),
    "attribution.fgsm: x: pixels 0..255": (
        ValueError, ["x", "255"], call(at.fgsm, PC, X8 + 255, [0, 1], 0.1)),
    "attribution.fgsm: y: wrong length": (
        ValueError, ["y", "(3,)"], call(at.fgsm, PC, X8, [0, 1, 2], 0.1)),
    "attribution.fgsm: eps: a string": (
        TypeError, ["eps", "'a'"], call(at.fgsm, PC, X8, [0, 1], "a")),
    "attribution.fgsm_accuracy: params: a string value": (
        TypeError, ["params['w1']", "<U1"], call(at.fgsm_accuracy, {**PC, "w1": "a"}, X8, [0, 1],
                                                  [0.1])),
    "attribution.fgsm_accuracy: x: rank 3": (
        ValueError, ["x", "(2, 8, 8)"], call(at.fgsm_accuracy, PC, X8[:, 0], [0, 1], [0.1])),
    "attribution.fgsm_accuracy: y: inf": (
        ValueError, ["y", "inf"], call(at.fgsm_accuracy, PC, X8, [0, np.inf], [0.1])),
    "attribution.fgsm_accuracy: eps_values: negative": (
        ValueError, ["eps_values", "-0.1"], call(at.fgsm_accuracy, PC, X8, [0, 1], [0.1, -0.1])),
    "attribution.smallest_flipping_eps: params: a list value": (
        TypeError, ["params['b3']", "[0, 0, 0]"], call(at.smallest_flipping_eps,
                                                       {**PC, "b3": [0, 0, 0]}, X8, [0, 1], [0.1])),
    "attribution.smallest_flipping_eps: x: three channels": (
        ValueError, ["x", "(2, 3, 8, 8)"], call(at.smallest_flipping_eps, PC,
                                                np.zeros((2, 3, 8, 8)), [0, 1], [0.1])),
    "attribution.smallest_flipping_eps: y: negative label": (
        ValueError, ["y", "-1"], call(at.smallest_flipping_eps, PC, X8, [0, -1], [0.1])),
    "attribution.smallest_flipping_eps: eps_grid: decreasing": (
        ValueError, ["eps_grid", "0.2 followed by 0.1"], call(at.smallest_flipping_eps, PC, X8,
                                                              [0, 1], [0.2, 0.1])),
    "attribution.class_images: params: a dict of two": (
        ValueError, ["params", "['w1', 'b1']"], call(at.class_images, {"w1": PC["w1"],
                                                                       "b1": PC["b1"]})),
    "attribution.class_images: classes: 1.5": (
        TypeError, ["classes", "1.5"], call(at.class_images, PC, [0, 1.5], image_size=8)),
    "attribution.class_images: steps: zero": (
        ValueError, ["steps", "got 0"], call(at.class_images, PC, [0], steps=0, image_size=8)),
    "attribution.class_images: lr: NaN": (
        ValueError, ["lr", "nan"], call(at.class_images, PC, [0], lr=float("nan"), image_size=8)),
    "attribution.class_images: l2: negative": (
        ValueError, ["l2", "-0.5"], call(at.class_images, PC, [0], l2=-0.5, image_size=8)),
    "attribution.class_images: image_size: not the network's": (
        ValueError, ["image_size", "got 12"], call(at.class_images, PC, [0], image_size=12)),
    # ------------------------------------------------------------------------ drawing
    "drawing.prepare_drawing: image: strings": (
        TypeError, ["image", "<U1"], call(drawing.prepare_drawing, [["a"]])),
    "drawing.prepare_drawing: box: zero": (
        ValueError, ["box", "got 0"], call(drawing.prepare_drawing, np.eye(5), box=0)),
    "drawing.prepare_drawing: size: huge": (
        ValueError, ["size", "1000000"], call(drawing.prepare_drawing, np.eye(5), size=10**6)),
    "drawing.area_resize: image: NaN": (
        ValueError, ["image", "nan"], call(drawing.area_resize, np.full((2, 2), np.nan), 2)),
    "drawing.area_resize: scale: huge": (
        ValueError, ["scale", "1000000000.0"], call(drawing.area_resize, np.eye(5), 1e9)),
    "drawing.stroke_segment: image: read-only": (
        ValueError, ["image", "read-only", "(5, 5)"], call(drawing.stroke_segment, READ_ONLY,
                                                          (1, 1), (2, 2), 1)),
    "drawing.stroke_segment: start: NaN": (
        ValueError, ["start", "nan"], call(drawing.stroke_segment, np.zeros((5, 5)), (np.nan, 1),
                                           (2, 2), 1)),
    "drawing.stroke_segment: end: three numbers": (
        ValueError, ["end", "(1, 2, 3)"], call(drawing.stroke_segment, np.zeros((5, 5)), (1, 1),
                                               (1, 2, 3), 1)),
    "drawing.stroke_segment: width: inf": (
        ValueError, ["width", "inf"], call(drawing.stroke_segment, np.zeros((5, 5)), (1, 1),
                                           (2, 2), float("inf"))),
    "drawing.enlarge_digit: digit: negative grey level": (
        ValueError, ["digit", "-1"], call(drawing.enlarge_digit, -np.eye(5))),
    "drawing.enlarge_digit: size: 2.5": (
        TypeError, ["size", "2.5"], call(drawing.enlarge_digit, np.eye(5), 2.5)),
    "drawing.enlarge_digit: box: larger than the canvas": (
        ValueError, ["box", "box=300"], call(drawing.enlarge_digit, np.eye(5), 280, 300)),
    "drawing.has_ink: image: empty": (
        ValueError, ["image", "(0, 5)"], call(drawing.has_ink, np.zeros((0, 5)))),
}

# The evaluation functions share their arguments: one bad value of each, for each function.
_EVAL_BAD = {
    "net": (TypeError, ["net", "'cnn'"], "cnn"),
    "params": (TypeError, ["params", "None"], None),
    "x": (ValueError, ["x", "(0, 8, 8)"], U8[:0]),
    "batch_size": (ValueError, ["batch_size", "got 0"], 0),
    "dtype": (TypeError, ["dtype", "int64"], np.int64),
    "fast": (TypeError, ["fast", "got 1"], 1),
}
for _name in ("predict_logits", "predict", "accuracy", "evaluate"):
    for _arg, (_error, _fragments, _value) in _EVAL_BAD.items():
        _kwargs = dict(net=NET, params=PC, x=U8, batch_size=4, dtype=np.float64, fast=True)
        if _name in ("accuracy", "evaluate"):
            _kwargs["y"] = Y6[:len(U8)] if _arg != "x" else Y6[:0]
        _kwargs[_arg] = _value
        CASES[f"train.{_name}: {_arg}: bad"] = (
            _error, _fragments, (lambda f, kw: lambda: f(**kw))(getattr(train, _name), _kwargs))

# main's cnn_backward(..., return_dx=False) (branch insight): its case, active once merged
if "return_dx" in inspect.signature(nets.cnn_backward).parameters:
    CASES["nets.cnn_backward: return_dx: a string"] = (
        TypeError, ["return_dx", "'yes'"], call(nets.cnn_backward, np.zeros((2, 3)), CACHE_C,
                                                return_dx="yes"))

# Arguments with no bad value to refuse: what the function does with anything instead.
NOT_REFUSED = {
    "fast.cnn_supported: x": "a predicate: anything that is not a supported batch gives False",
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_with_a_message_naming_argument_and_value(name):
    error, fragments, run = CASES[name]
    with pytest.raises(error, match=all_of(*fragments)) as info:
        run()
    # the argument the case is about is named (the fragments say how it is named)
    argument = name.split(": ")[1]
    assert any(argument in f or f in argument for f in fragments), (name, fragments)
    assert "-9223372036854775808" not in str(info.value)


def test_every_argument_has_a_case():
    # A public function that gains an argument without a case here fails this test.
    covered = {": ".join(name.split(": ")[:2]) for name in CASES} | set(NOT_REFUSED)
    missing = []
    for module_name, module in MODULES.items():
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isfunction(obj):
                continue
            for argument in inspect.signature(obj).parameters:
                if f"{module_name}.{name}: {argument}" not in covered:
                    missing.append(f"{module_name}.{name}: {argument}")
    assert not missing, missing


def test_cnn_supported_answers_false_for_what_it_cannot_compute():
    assert fast.cnn_supported(PC, X8)
    assert not fast.cnn_supported(PC, np.zeros((2, 8, 8)))
    assert not fast.cnn_supported(PC, "images")
    assert not fast.cnn_supported(PA, X8)


# ---------------------------------------------------------------- the issue's samples, in full

def test_a_label_of_inf_is_reported_as_inf_not_as_a_cast_integer():
    for run in (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0, np.inf]),
                lambda: train.confusion_matrix([0, np.inf], [0, 1]),
                lambda: train.accuracy(NET, PC, U8[:2], [0, -np.inf])):
        with pytest.raises(ValueError) as info:
            run()
        assert "inf" in str(info.value) and "9223372036854775808" not in str(info.value)


def test_fit_trains_nothing_silently_no_more():
    for bad in (dict(batch_size=0), dict(batch_size=-1), dict(epochs=-1), dict(epochs=0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            fit(**bad)()
    with pytest.raises(TypeError, match="batch_size must be an integer, got 2.5"):
        fit(batch_size=2.5)()


def test_confusion_matrix_no_longer_counts_a_prediction_outside_the_classes():
    with pytest.raises(ValueError, match=r"y_pred must lie in \[0, 3\)"):
        train.confusion_matrix([0, 1, 2], [0, 1, 3], num_classes=3)
    np.testing.assert_array_equal(train.confusion_matrix([0, 1, 2], [0, 2, 2], num_classes=3),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 1]])


def _idx_header(code, dims):
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


@pytest.mark.parametrize("dims", [(4_000_000_000, 4_000_000_000, 4_000_000_000),
                                  (60000, 28, 28), (3,)])
def test_read_idx_notices_a_short_file_before_allocating(tmp_path, monkeypatch, dims):
    path = tmp_path / "tiny.idx"
    path.write_bytes(_idx_header(0x08, dims) + b"\x01\x02")        # 2 bytes of data
    # Nothing as large as the header claims may be allocated: bytearray is where it would be.
    allocated = []
    real = bytearray
    monkeypatch.setattr("builtins.bytearray", lambda n=0, *a: allocated.append(n) or real(n, *a)
                        if isinstance(n, int) else real(n, *a))
    with pytest.raises(data.IdxFormatError, match=r"tiny\.idx.*truncated.*only 2 present"):
        data.read_idx(path)
    assert all(n <= 64 for n in allocated), allocated


def test_read_idx_notices_a_gzip_file_too_small_for_its_header(tmp_path):
    path = tmp_path / "tiny.idx.gz"
    with gzip.open(path, "wb") as f:
        f.write(_idx_header(0x0E, (60000, 28, 28)) + b"\x00" * 8)
    with pytest.raises(data.IdxFormatError, match=r"tiny\.idx\.gz.*needs 376,320,000 bytes.*"
                                                  r"gzip file of \d+ bytes holds at most"):
        data.read_idx(path)


def test_read_idx_still_reads_a_valid_file(tmp_path):
    path = tmp_path / "ok.idx"
    path.write_bytes(_idx_header(0x08, (2, 3)) + bytes(range(6)))
    np.testing.assert_array_equal(data.read_idx(path), [[0, 1, 2], [3, 4, 5]])
    with gzip.open(tmp_path / "ok.idx.gz", "wb") as f:
        f.write(_idx_header(0x08, (2, 3)) + bytes(range(6)))
    np.testing.assert_array_equal(data.read_idx(tmp_path / "ok.idx.gz"), [[0, 1, 2], [3, 4, 5]])


def test_minibatches_refuses_bad_arguments_when_called_not_when_iterated():
    with pytest.raises(ValueError, match="batch_size"):
        train.minibatches(10, 0)                  # no next() needed


def test_valid_edge_cases_are_still_accepted():
    # The checks must not refuse what is legal.
    assert train.confusion_matrix(np.array([0.0, 1.0]), np.array([1, 1])).tolist() == [[0, 1],
                                                                                        [0, 1]]
    assert train.spaced_steps(0) == [0]
    assert list(train.minibatches(0, 5)) == []
    assert [len(b) for b in train.minibatches(5, 10, np.int64(3))] == [5]
    train.sgd(0.0)
    train.adam_step({"w": np.ones(2)}, {"w": np.ones(2)}, train.adam_init({"w": np.ones(2)}),
                    eps=0.0)                                  # notebook 07's bare formula
    train.sgd(lambda t: 0.1 / t, momentum=np.float32(0.5))
    nets.init_article_net(np.int64(1), seed=np.uint8(3), dtype="float64")
    assert ae.norm_rel_error(np.zeros(3), np.zeros(3)) == 0.0
    params, history = train.fit(NET, PC, U8, Y6, batch_size=4, epochs=1, max_steps=1,
                                progress=False, checkpoint_steps=np.array([0, 1]),
                                dtype=np.float64)
    assert history.step == [1] and set(history.checkpoints) == {0, 1}


def test_attribution_and_drawing_still_accept_every_valid_form():
    # The checks must not refuse what is legal, nor change its result.
    rng = np.random.default_rng(0)
    x = rng.random((2, 1, 8, 8))
    first = at.class_images(PC, [0, 2], steps=2, image_size=8)
    for classes in (range(0, 3, 2), (0, 2), (c for c in (0, 2)), np.array([0, 2], np.uint8),
                    [np.int64(0), 2.0]):
        np.testing.assert_array_equal(at.class_images(PC, classes, steps=2, image_size=8), first)
    gradient = at.input_gradient(PC, x, [1, 1])
    for target in (1, np.int64(1), np.array([1, 1]), [1.0, 1.0]):
        np.testing.assert_array_equal(at.input_gradient(PC, x, target), gradient)
    np.testing.assert_array_equal(at.fgsm(PC, x, [0, 1], np.float32(0.25)),
                                  at.fgsm(PC, x, [0, 1], 0.25))
    assert at.fgsm_accuracy(PC, x, [0, 1], (0, 0.5, 0.1)).shape == (3,)   # any order, 0 too
    assert at.receptive_field(np.str_("pool2"), np.int64(1), 1, image_size=np.int32(8)).shape == (8, 8)
    assert drawing.has_ink(np.eye(3, dtype=bool))
    a = drawing.stroke_segment(np.zeros((9, 9)), (1, 1), (6, 7), np.float32(2.5))
    np.testing.assert_array_equal(a, drawing.stroke_segment(np.zeros((9, 9)), [1.0, 1.0],
                                                            np.array([6, 7]), 2.5))
    np.testing.assert_array_equal(drawing.area_resize(np.eye(4), 2), drawing.area_resize(np.eye(4), 2.0))
    assert drawing.prepare_drawing(np.eye(40, dtype=np.uint8) * 255, box=np.int64(20)).shape == (28, 28)
