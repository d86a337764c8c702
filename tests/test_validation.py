"""Bad inputs fail early, with a message naming the argument, what it got and what it expects.

Each case is named "<function>: <what is wrong>" and gives the exception type,
the message fragments that must all appear (the argument's name, the shape or
value received, the shape expected) and the call that must fail.
"""

import re

import numpy as np
import pytest

from helpers.conv import (conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_naive,
                          conv_output_size)
from helpers.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from helpers.layers import (
    avgpool2d_backward, avgpool2d_forward, dense_backward, dense_forward,
    maxpool2d_backward, maxpool2d_forward, relu, relu_backward, sigmoid, sigmoid_backward,
    softmax,
)
from helpers.losses import binary_cross_entropy, half_squared_error, softmax_cross_entropy


def all_of(*fragments):
    """A regex that matches when every fragment appears, in any order."""
    return "(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments)


X = np.zeros((2, 3, 5, 4))           # (N, C, H, W)
Wc = np.zeros((4, 3, 3, 2))          # (F, C, KH, KW)
B = np.zeros(4)


def conv_dout_case(dout):
    def run():
        _, cache = conv2d_forward(X, Wc, B, stride=2, padding=1)    # out (2, 4, 3, 3)
        conv2d_backward(dout, cache)
    return run


def dense_dout_case(dout):
    def run():
        _, cache = dense_forward(np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4))
        dense_backward(dout, cache)
    return run


def pool_dout_case(forward, backward, dout):
    def run():
        _, cache = forward(np.zeros((2, 3, 6, 5)), 2, 2)              # out (2, 3, 3, 2)
        backward(dout, cache)
    return run


CASES = {
    # ------------------------------------------------ convolution forward (and the loop version)
    "conv2d_forward: x rank 3": (
        ValueError, ["x", "4 dimensions", "(N, C, H, W)", "(3, 5, 4)"],
        lambda: conv2d_forward(np.zeros((3, 5, 4)), Wc)),
    "conv2d_forward: w rank 2": (
        ValueError, ["w", "(F, C, KH, KW)", "(3, 3)"],
        lambda: conv2d_forward(X, np.zeros((3, 3)))),
    "conv2d_forward: channel mismatch": (
        ValueError, ["channel", "x", "C=3", "(2, 3, 5, 4)", "w", "C=2", "(4, 2, 3, 3)"],
        lambda: conv2d_forward(X, np.zeros((4, 2, 3, 3)))),
    "conv2d_forward: kernel taller than input": (
        ValueError, ["KH=6", "H", "5 + 2*0 = 5", "(1, 3, 6, 2)", "(2, 3, 5, 4)"],
        lambda: conv2d_forward(X, np.zeros((1, 3, 6, 2)))),
    "conv2d_forward: kernel wider than padded input": (
        ValueError, ["KW=7", "W", "4 + 2*1 = 6", "(1, 3, 1, 7)", "(2, 3, 5, 4)"],
        lambda: conv2d_forward(X, np.zeros((1, 3, 1, 7)), padding=1)),
    "conv2d_forward: stride 0": (
        ValueError, ["stride", ">= 1", "got 0"],
        lambda: conv2d_forward(X, Wc, stride=0)),
    "conv2d_forward: stride negative": (
        ValueError, ["stride", "got -2"],
        lambda: conv2d_forward(X, Wc, stride=-2)),
    "conv2d_forward: stride float": (
        TypeError, ["stride", "integer", "1.5"],
        lambda: conv2d_forward(X, Wc, stride=1.5)),
    "conv2d_forward: stride bool": (
        TypeError, ["stride", "integer", "True"],
        lambda: conv2d_forward(X, Wc, stride=True)),
    "conv2d_forward: negative padding": (
        ValueError, ["padding", ">= 0", "got -1"],
        lambda: conv2d_forward(X, Wc, padding=-1)),
    "conv2d_forward: bias length": (
        ValueError, ["b", "(F,) = (4,)", "(3,)"],
        lambda: conv2d_forward(X, Wc, np.zeros(3))),
    "conv2d_forward: bias rank": (
        ValueError, ["b", "(F,)", "(4, 1)"],
        lambda: conv2d_forward(X, Wc, np.zeros((4, 1)))),
    "conv2d_forward: x strings": (
        TypeError, ["x", "numeric", "<U1", "(2, 3, 5, 4)", "(N, C, H, W)"],
        lambda: conv2d_forward(np.full((2, 3, 5, 4), "a"), Wc)),
    "conv2d_forward: x objects": (
        TypeError, ["x", "numeric", "object", "(2, 3, 5, 4)"],
        lambda: conv2d_forward(np.full((2, 3, 5, 4), None, dtype=object), Wc)),
    "conv2d_forward: w strings": (
        TypeError, ["w", "numeric", "(1, 2)"],
        lambda: conv2d_forward(X, [["1", "2"]])),
    "conv2d_forward: x ragged": (
        ValueError, ["x", "(N, C, H, W)"],
        lambda: conv2d_forward([[1.0, 2.0], [3.0]], Wc)),
    "conv2d_forward: x complex": (
        TypeError, ["x", "complex"],
        lambda: conv2d_forward(X.astype(complex), Wc)),
    "conv2d_naive: channel mismatch": (
        ValueError, ["x", "C=3", "w", "C=1"],
        lambda: conv2d_naive(X, np.zeros((4, 1, 3, 3)))),
    "conv2d_naive: stride 0": (
        ValueError, ["stride", "got 0"],
        lambda: conv2d_naive(X, Wc, stride=0)),
    "conv2d_naive: bias length": (
        ValueError, ["b", "(4,)", "(5,)"],
        lambda: conv2d_naive(X, Wc, np.zeros(5))),
    "conv2d_backward_naive: dout shape": (
        ValueError, ["dout", "(N, F, OH, OW) = (2, 4, 3, 3)", "(2, 4, 3, 2)"],
        lambda: conv2d_backward_naive(np.zeros((2, 4, 3, 2)), X, Wc, B, stride=2, padding=1)),
    "conv2d_backward_naive: channel mismatch": (
        ValueError, ["x", "C=3", "w", "C=1"],
        lambda: conv2d_backward_naive(np.zeros((2, 4, 5, 4)), X, np.zeros((4, 1, 1, 1)))),
    "conv2d_backward_naive: padding negative": (
        ValueError, ["padding", "got -1"],
        lambda: conv2d_backward_naive(np.zeros((2, 4, 3, 3)), X, Wc, padding=-1)),
    # ------------------------------------------------ convolution backward
    "conv2d_backward: dout shape": (
        ValueError, ["dout", "(N, F, OH, OW) = (2, 4, 3, 3)", "(2, 4, 3, 2)"],
        conv_dout_case(np.zeros((2, 4, 3, 2)))),
    "conv2d_backward: dout rank": (
        ValueError, ["dout", "(N, F, OH, OW)", "(4, 3, 3)"],
        conv_dout_case(np.zeros((4, 3, 3)))),
    "conv2d_backward: dout strings": (
        TypeError, ["dout", "numeric"],
        conv_dout_case(np.full((2, 4, 3, 3), "x"))),
    # ------------------------------------------------ output size
    "conv_output_size: kernel too large": (
        ValueError, ["f=8", "5 + 2*1 = 7"],
        lambda: conv_output_size(5, 8, padding=1)),
    "conv_output_size: stride 0": (
        ValueError, ["stride", "got 0"],
        lambda: conv_output_size(5, 3, stride=0)),
    "conv_output_size: negative padding": (
        ValueError, ["padding", "got -1"],
        lambda: conv_output_size(5, 3, padding=-1)),
    "conv_output_size: n 0": (
        ValueError, ["n", "got 0"],
        lambda: conv_output_size(0, 1)),
    "conv_output_size: float n": (
        TypeError, ["n", "integer", "5.0"],
        lambda: conv_output_size(5.0, 3)),
    # ------------------------------------------------ dense
    "dense_forward: x rank": (
        ValueError, ["x", "(N, D)", "(3,)"],
        lambda: dense_forward(np.zeros(3), np.zeros((3, 2)))),
    "dense_forward: W rank": (
        ValueError, ["W", "(D, M)", "(3,)"],
        lambda: dense_forward(np.zeros((2, 3)), np.zeros(3))),
    "dense_forward: D mismatch": (
        ValueError, ["x", "D=3", "(2, 3)", "W", "D=4", "(4, 2)"],
        lambda: dense_forward(np.zeros((2, 3)), np.zeros((4, 2)))),
    "dense_forward: bias length": (
        ValueError, ["b", "(M,) = (2,)", "(3,)"],
        lambda: dense_forward(np.zeros((2, 3)), np.zeros((3, 2)), np.zeros(3))),
    "dense_forward: x strings": (
        TypeError, ["x", "numeric", "(2, 3)", "(N, D)"],
        lambda: dense_forward(np.full((2, 3), "a"), np.zeros((3, 2)))),
    "dense_backward: dout shape": (
        ValueError, ["dout", "(N, M) = (2, 4)", "(2, 3)"],
        dense_dout_case(np.zeros((2, 3)))),
    "dense_backward: dout rank": (
        ValueError, ["dout", "(N, M)", "(4,)"],
        dense_dout_case(np.zeros(4))),
    # ------------------------------------------------ activations
    "sigmoid: strings": (
        TypeError, ["z", "numeric", "(1,)"],
        lambda: sigmoid(np.array(["1.0"]))),
    "sigmoid: objects": (
        TypeError, ["z", "object"],
        lambda: sigmoid(np.array([1.0, None], dtype=object))),
    "sigmoid_backward: dout shape": (
        ValueError, ["dout", "(3, 2)", "(2, 3)"],
        lambda: sigmoid_backward(np.zeros((2, 3)), np.zeros((3, 2)))),
    "relu: strings": (
        TypeError, ["z", "numeric", "(2,)"],
        lambda: relu(["a", "b"])),
    "relu_backward: dout shape": (
        ValueError, ["dout", "(5,)", "(4,)"],
        lambda: relu_backward(np.zeros(4), np.zeros(5))),
    "softmax: strings": (
        TypeError, ["z", "numeric", "(1, 2)"],
        lambda: softmax(np.array([["a", "b"]]))),
    # ------------------------------------------------ pooling
    "maxpool2d_forward: x rank": (
        ValueError, ["x", "(N, C, H, W)", "(3, 4, 4)"],
        lambda: maxpool2d_forward(np.zeros((3, 4, 4)))),
    "maxpool2d_forward: size too large": (
        ValueError, ["size=4", "H=3", "(1, 1, 3, 5)"],
        lambda: maxpool2d_forward(np.zeros((1, 1, 3, 5)), 4)),
    "maxpool2d_forward: size 0": (
        ValueError, ["size", "got 0"],
        lambda: maxpool2d_forward(np.zeros((1, 1, 4, 4)), 0)),
    "maxpool2d_forward: stride 0": (
        ValueError, ["stride", "got 0"],
        lambda: maxpool2d_forward(np.zeros((1, 1, 4, 4)), 2, 0)),
    "maxpool2d_forward: strings": (
        TypeError, ["x", "numeric", "(1, 1, 2, 2)"],
        lambda: maxpool2d_forward(np.full((1, 1, 2, 2), "a"))),
    "maxpool2d_backward: dout shape": (
        ValueError, ["dout", "(N, C, OH, OW) = (2, 3, 3, 2)", "(2, 3, 2, 3)"],
        pool_dout_case(maxpool2d_forward, maxpool2d_backward, np.zeros((2, 3, 2, 3)))),
    "avgpool2d_forward: size too large": (
        ValueError, ["size=4", "W=3", "(1, 1, 5, 3)"],
        lambda: avgpool2d_forward(np.zeros((1, 1, 5, 3)), 4)),
    "avgpool2d_backward: dout shape": (
        ValueError, ["dout", "(N, C, OH, OW)", "(2, 3, 3)"],
        pool_dout_case(avgpool2d_forward, avgpool2d_backward, np.zeros((2, 3, 3)))),
    # ------------------------------------------------ losses
    "half_squared_error: o rank 3": (
        ValueError, ["o", "(N,) or (N, K)", "(2, 2, 2)"],
        lambda: half_squared_error(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))),
    "half_squared_error: y shape": (
        ValueError, ["y", "o", "(2, 3)", "(2, 4)"],
        lambda: half_squared_error(np.zeros((2, 3)), np.zeros((2, 4)))),
    "half_squared_error: y strings": (
        TypeError, ["y", "numeric", "(2,)"],
        lambda: half_squared_error(np.zeros(2), np.array(["a", "b"]))),
    "binary_cross_entropy: y out of range": (
        ValueError, ["y", "[0, 1]", "2.0"],
        lambda: binary_cross_entropy(np.zeros(3), np.array([0.0, 1.0, 2.0]))),
    "binary_cross_entropy: y shape": (
        ValueError, ["y", "logits", "(3, 1)", "(4,)"],
        lambda: binary_cross_entropy(np.zeros((3, 1)), np.zeros(4))),
    "binary_cross_entropy: logits rank": (
        ValueError, ["logits", "(N,) or (N, K)", "(2, 1, 1)"],
        lambda: binary_cross_entropy(np.zeros((2, 1, 1)), np.zeros((2, 1, 1)))),
    "softmax_cross_entropy: logits rank": (
        ValueError, ["logits", "(N, K)", "(3,)"],
        lambda: softmax_cross_entropy(np.zeros(3), np.zeros(3, int))),
    "softmax_cross_entropy: label too large": (
        ValueError, ["y", "[0, 3)", "K = 3", "from 0 to 3"],
        lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))),
    "softmax_cross_entropy: label negative": (
        ValueError, ["y", "[0, 3)", "from -1 to 2"],
        lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([-1, 2]))),
    "softmax_cross_entropy: labels length": (
        ValueError, ["y", "(N,) = (2,)", "(3,)"],
        lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))),
    "softmax_cross_entropy: labels one-hot": (
        ValueError, ["y", "(N,) = (2,)", "(2, 3)"],
        lambda: softmax_cross_entropy(np.zeros((2, 3)), np.eye(3)[[0, 1]].astype(int))),
    "softmax_cross_entropy: labels fractional": (
        TypeError, ["y", "integer class labels", "float64", "(2,)"],
        lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))),
    "softmax_cross_entropy: labels strings": (
        TypeError, ["y", "integer class labels", "(2,)"],
        lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array(["0", "1"]))),
    "softmax_cross_entropy: logits strings": (
        TypeError, ["logits", "numeric", "(2, 3)", "(N, K)"],
        lambda: softmax_cross_entropy(np.full((2, 3), "a"), np.array([0, 1]))),
    # ------------------------------------------------ gradcheck
    "numerical_gradient: x float32": (
        TypeError, ["x", "float64", "float32"],
        lambda: numerical_gradient(lambda x: 0.0, np.zeros(2, np.float32))),
    "numerical_gradient_array: x float32": (
        TypeError, ["x", "float64", "float32"],
        lambda: numerical_gradient_array(lambda x: 0.0, np.zeros(2, np.float32), 1.0)),
    "numerical_gradient_array: dout shape": (
        ValueError, ["dout", "(3,)", "(4,)"],
        lambda: numerical_gradient_array(lambda x: np.zeros(3), np.zeros(2), np.zeros(4))),
    "rel_error: shape mismatch": (
        ValueError, ["a and b", "(2, 3)", "(3, 2)"],
        lambda: rel_error(np.zeros((2, 3)), np.zeros((3, 2)))),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_rejected_with_a_helpful_message(name):
    error, fragments, run = CASES[name]
    with pytest.raises(error, match=all_of(*fragments)):
        run()


def test_every_public_kernel_has_a_bad_input_case():
    # A new public function without a case here fails this test.
    import helpers.conv
    import helpers.gradcheck
    import helpers.layers
    import helpers.losses
    public = {name for module in (helpers.conv, helpers.layers, helpers.losses, helpers.gradcheck)
              for name in module.__all__}
    covered = {case.split(":")[0] for case in CASES}
    assert public <= covered, sorted(public - covered)


def test_valid_edge_cases_are_accepted():
    # The checks must not reject what is legal.
    out, _ = conv2d_forward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)))     # kernel = input
    assert out.shape == (1, 1, 1, 1)
    out, _ = conv2d_forward(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 3, 3)), padding=1)
    assert out.shape == (1, 1, 1, 1)
    assert conv_output_size(np.int64(5), np.int32(3), np.int8(0), np.uint8(1)) == 3
    out, _ = conv2d_forward([[[[1, 2], [3, 4]]]], [[[[1]]]])                     # nested lists
    assert out.shape == (1, 1, 2, 2)
    loss, _ = softmax_cross_entropy(np.zeros((2, 3)), [0, 2])
    assert loss == pytest.approx(np.log(3))
    half_squared_error(np.zeros((3, 1)), np.zeros(3))                            # (N,) targets for (N, 1)
