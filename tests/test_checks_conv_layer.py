"""The notebook-08 checks of the convolution layer in full accept right answers (loops
and the vectorized helpers) and reject the usual wrong ones, each with a message that
names the mistake."""

import numpy as np
import pytest

from helpers.checks import ExerciseError
from helpers.checks import conv_layer as checks
from helpers.conv import conv2d_backward, conv2d_forward
from helpers.gradcheck import numerical_gradient_array, rel_error


def fails(check, answer, *fragments):
    """Run the check on a wrong answer; it must raise and its message must say why."""
    with pytest.raises(ExerciseError) as err:
        check(answer)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in the message: {message}"
    return message


def test_conv_layer_checks_are_exported():
    import helpers.checks as all_checks
    for name in checks.__all__:
        assert name.startswith("check_")
        assert getattr(all_checks, name) is getattr(checks, name)


def test_cases_cover_what_the_docstring_claims():
    shapes = checks.CASES
    assert any(c > 1 and f > 1 and n > 1 for n, c, h, w, f, kh, kw, s, p in shapes)
    assert any(s == 2 and p == 1 for *_, s, p in shapes)
    assert any(h != w and kh != kw for n, c, h, w, f, kh, kw, s, p in shapes)
    # a stride larger than the kernel: pixels that no window reads
    assert any(s > kh for n, c, h, w, f, kh, kw, s, p in shapes)
    # the overlap that makes = instead of += wrong: a kernel larger than the stride
    assert any(kh > s for n, c, h, w, f, kh, kw, s, p in shapes)


# ---------------------------------------------------------------- a learner's loops

def forward_loops(x, w, b, stride, padding, *, no_bias=False, first_channel=False,
                  flip=False, ignore_stride=False, no_padding=False, filters_first=False):
    """A learner's naive forward, right by default; each flag makes one classic mistake."""
    n_images, channels, h, wd = x.shape
    n_filters, _, kh, kw = w.shape
    pad = 0 if no_padding else padding
    step = 1 if ignore_stride else stride
    oh, ow = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    if no_padding:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kernel = w[:, :, ::-1, ::-1] if flip else w
    out = np.zeros((n_images, n_filters, oh, ow))
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if no_bias else b[f]
                    for c in range(1 if first_channel else channels):
                        for p in range(kh):
                            for q in range(kw):
                                total += x_pad[n, c, i * step + p, j * step + q] * kernel[f, c, p, q]
                    out[n, f, i, j] = total
    return out.transpose(1, 0, 2, 3) if filters_first else out


def backward_loops(dout, x, w, stride, padding, *, no_crop=False, assign=False,
                   first_image=False, first_filter=False, ignore_stride=False,
                   db_mean=False, crop_top_left=False, two_values=False):
    """A learner's naive backward, right by default; each flag makes one classic mistake."""
    n_images, n_filters, oh, ow = dout.shape
    _, _, kh, kw = w.shape
    h, wd = x.shape[2:]
    step = 1 if ignore_stride else stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dx_pad, dw, db = np.zeros_like(x_pad), np.zeros_like(w), np.zeros(n_filters)
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(oh):
                for j in range(ow):
                    g = dout[n, f, i, j]
                    r, c = i * step, j * step
                    if assign:
                        dx_pad[n, :, r:r + kh, c:c + kw] = g * w[f]
                    elif not first_filter or f == 0:
                        dx_pad[n, :, r:r + kh, c:c + kw] += g * w[f]
                    if not first_image or n == 0:
                        dw[f] += g * x_pad[n, :, r:r + kh, c:c + kw]
                        db[f] += g
    if db_mean:
        db = db / (n_images * oh * ow)
    if no_crop:
        dx = dx_pad
    elif crop_top_left:
        dx = dx_pad[:, :, :h, :wd]
    else:
        dx = dx_pad[:, :, padding:padding + h, padding:padding + wd]
    return (dx, dw) if two_values else (dx, dw, db)


def forward_helpers(x, w, b, stride, padding):
    return conv2d_forward(x, w, b, stride=stride, padding=padding)[0]


def backward_helpers(dout, x, w, stride, padding):
    _, cache = conv2d_forward(x, w, np.zeros(w.shape[0]), stride=stride, padding=padding)
    return conv2d_backward(dout, cache)


def numerical_conv_grads(x, w, b, dout, stride, padding):
    def out(x, w, b):
        return conv2d_forward(x, w, b, stride=stride, padding=padding)[0]
    return (numerical_gradient_array(lambda x: out(x, w, b), x, dout),
            numerical_gradient_array(lambda w: out(x, w, b), w, dout),
            numerical_gradient_array(lambda b: out(x, w, b), b, dout))


def gradcheck_right(backward, x, w, b, dout, stride, padding):
    grads = backward(dout, x, w, stride, padding)
    return tuple(rel_error(g, n)
                 for g, n in zip(grads, numerical_conv_grads(x, w, b, dout, stride, padding)))


# ---------------------------------------------------------------- forward

def test_forward_accepts_right_answers(capsys):
    checks.check_conv_forward_naive(forward_loops)
    checks.check_conv_forward_naive(forward_helpers)
    assert capsys.readouterr().out.count("Correct:") == 2


def wrong_forward(**flag):
    return lambda x, w, b, s, p: forward_loops(x, w, b, s, p, **flag)


def test_forward_rejects_wrong_answers():
    check = checks.check_conv_forward_naive
    fails(check, wrong_forward(no_bias=True), "case 1", "leaves out the bias")
    fails(check, wrong_forward(first_channel=True), "case 2", "channel 0 only", "sum over c")
    fails(check, wrong_forward(flip=True), "case 1", "flipped the filter")
    fails(check, wrong_forward(ignore_stride=True), "case 3", "i * 2 and j * 2")
    fails(check, wrong_forward(no_padding=True), "case 3", "shape without padding")
    fails(check, wrong_forward(filters_first=True), "case 2", "images come first")
    fails(check, lambda x, w, b, s, p: forward_loops(x, w, b, s, p) + 1e-3, "case 1", "expected")
    fails(check, lambda x, w, b, s, p: x[10], "raised IndexError")


def test_forward_does_not_trust_the_learner_with_its_inputs(capsys):
    def mutating(x, w, b, s, p):
        out = forward_loops(x, w, b, s, p)
        x[...], w[...], b[...] = 0, 0, 0
        return out
    checks.check_conv_forward_naive(mutating)
    assert "Correct:" in capsys.readouterr().out


# ---------------------------------------------------------------- backward

def test_backward_accepts_right_answers(capsys):
    checks.check_conv_backward_naive(backward_loops)
    checks.check_conv_backward_naive(backward_helpers)
    checks.check_conv_backward_naive(lambda *a: list(backward_loops(*a)))
    assert capsys.readouterr().out.count("Correct:") == 3


def wrong_backward(**flag):
    return lambda d, x, w, s, p: backward_loops(d, x, w, s, p, **flag)


def test_backward_rejects_wrong_answers():
    check = checks.check_conv_backward_naive
    fails(check, wrong_backward(no_crop=True), "case 3", "padded input's shape", "crop")
    fails(check, wrong_backward(crop_top_left=True), "case 3", "cropped the wrong part")
    fails(check, wrong_backward(assign=True), "case 1", "+=")
    fails(check, wrong_backward(first_image=True), "case 2", "db[f] sums", "all the images")
    fails(check, wrong_backward(first_filter=True), "case 2", "sums over the filters")
    fails(check, wrong_backward(ignore_stride=True), "case 3", "stride")
    fails(check, wrong_backward(db_mean=True), "case 1", "averages dout")
    fails(check, wrong_backward(two_values=True), "return the three gradients")


def test_backward_names_a_dw_mistake_when_db_is_right():
    def dw_first_image(d, x, w, s, p):
        dx, _, db = backward_loops(d, x, w, s, p)
        return dx, backward_loops(d, x, w, s, p, first_image=True)[1], db
    fails(checks.check_conv_backward_naive, dw_first_image, "case 2", "dw[f] sums over all the images")


def test_backward_gradient_check_catches_what_the_values_would():
    def off(d, x, w, s, p):
        dx, dw, db = backward_loops(d, x, w, s, p)
        return dx * (1 + 1e-6), dw, db
    fails(checks.check_conv_backward_naive, off, "case 1", "dx[")


# ---------------------------------------------------------------- gradient check

def test_gradcheck_accepts_a_right_checker(capsys):
    checks.check_conv_gradcheck(gradcheck_right)
    assert "Correct:" in capsys.readouterr().out


def test_gradcheck_rejects_wrong_checkers():
    def without_dout(backward, x, w, b, dout, stride, padding):
        # numerical gradients of sum(out) instead of sum(dout * out)
        grads = backward(dout, x, w, stride, padding)
        ones = np.ones_like(dout)
        return tuple(rel_error(g, n)
                     for g, n in zip(grads, numerical_conv_grads(x, w, b, ones, stride, padding)))

    def swapped(backward, x, w, b, dout, stride, padding):
        e_dx, e_dw, e_db = gradcheck_right(backward, x, w, b, dout, stride, padding)
        return e_dw, e_dx, e_db

    def always_fine(backward, x, w, b, dout, stride, padding):
        return 0.0, 0.0, 0.0

    fails(checks.check_conv_gradcheck, without_dout, "not of sum(dout * out)")
    fails(checks.check_conv_gradcheck, swapped, "a backward whose dx is wrong", "order (dx, dw, db)")
    fails(checks.check_conv_gradcheck, always_fine, "does not notice the wrong gradient")
    fails(checks.check_conv_gradcheck, lambda *a: 0.0, "three numbers")
