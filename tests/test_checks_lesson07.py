"""Exercise 07's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import math

import numpy as np
import pytest

from audiolab.checks import Outcome
from audiolab.checks import lesson07 as checks

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


# The solutions as the solution notebook writes them.
def conv_output_length(n, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return math.ceil(n / stride)
    return (n - kernel_size) // stride + 1


def conv2d_params(in_channels, filters, kernel_size, use_bias=True):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    kh, kw = kernel_size
    return kh * kw * in_channels * filters + (filters if use_bias else 0)


def build_small_cnn(input_shape, num_classes, *, padding="same", flatten=False, softmax=True,
                    names=True, reshape=True):
    def name(n):
        return n if names else None

    inputs = keras.Input(shape=input_shape)
    x = layers.Reshape((*input_shape, 1), name=name("to_image"))(inputs) if reshape else inputs
    x = layers.Conv2D(8, 3, padding=padding, activation="relu", name=name("conv1"))(x)
    x = layers.MaxPooling2D(2, name=name("pool1"))(x)
    x = layers.Conv2D(16, 3, padding=padding, activation="relu", name=name("conv2"))(x)
    if flatten:
        x = layers.Flatten(name=name("global_pool"))(x)
    else:
        x = layers.GlobalAveragePooling2D(name=name("global_pool"))(x)
    outputs = layers.Dense(num_classes, activation="softmax" if softmax else None,
                           name=name("classifier"))(x)
    return keras.Model(inputs, outputs)


def accuracy_and_confusion(y_true, y_pred, n_classes):
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[t, p] += 1
    return np.mean(y_true == y_pred), matrix


@pytest.mark.parametrize(
    "check, solution",
    [
        (checks.q1, conv_output_length),
        (checks.q2, conv2d_params),
        (checks.q3, build_small_cnn),
        (checks.q4, accuracy_and_confusion),
    ],
)
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_keras_and_sklearn_agree_with_the_references():
    for n, k, s, p in [(101, 3, 1, "same"), (40, 5, 2, "valid"), (101, 3, 2, "same")]:
        layer = layers.Conv1D(1, k, strides=s, padding=p)
        assert layer.compute_output_shape((None, n, 1))[1] == conv_output_length(n, k, s, p)
    conv = layers.Conv2D(32, (3, 5), use_bias=False)
    conv.build((None, 20, 20, 16))
    assert conv.count_params() == conv2d_params(16, 32, (3, 5), use_bias=False)
    metrics = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = np.array([0, 2, 2, 1]), np.array([0, 2, 1, 1])
    assert (metrics.confusion_matrix(y_true, y_pred, labels=range(4))
            == accuracy_and_confusion(y_true, y_pred, 4)[1]).all()
    assert checks.q4.run(lambda t, p, k: (metrics.accuracy_score(t, p),
                                          metrics.confusion_matrix(t, p, labels=range(k)))).correct


def test_not_attempted_and_not_a_function():
    for check in (checks.q1, checks.q2, checks.q3, checks.q4):
        assert check.run(None).outcome is Outcome.NOT_ATTEMPTED

        def placeholder(*args, **kwargs):
            raise NotImplementedError("Replace this line with your code")

        assert check.run(placeholder).outcome is Outcome.NOT_ATTEMPTED
        assert check.run(42).outcome is Outcome.INCORRECT
    assert checks.q5.run("").outcome is Outcome.NOT_ATTEMPTED


def wrong(check, function, *fragments):
    result = check.run(function)
    assert result.outcome is Outcome.INCORRECT, str(result)
    for fragment in fragments:
        assert fragment in result.message, result.message
    return result.message


def test_q1_mistakes():
    def length(rule_valid, rule_same):
        def conv_output_length(n, kernel_size, stride=1, padding="valid"):
            if padding == "same":
                return rule_same(n, kernel_size, stride)
            return rule_valid(n, kernel_size, stride)
        return conv_output_length

    def same(n, k, s):
        return math.ceil(n / s)

    def valid(n, k, s):
        return (n - k) // s + 1

    wrong(checks.q1, length(lambda n, k, s: (n - k) // s, same), "One position short")
    wrong(checks.q1, length(lambda n, k, s: n - k + 1, lambda n, k, s: n), "stride is ignored")
    wrong(checks.q1, length(valid, valid), "padding='same'")
    wrong(checks.q1, length(valid, lambda n, k, s: n // s), "Rounded down")
    wrong(checks.q1, length(lambda n, k, s: n // s - k + 1, same), "Subtract the kernel first")
    message = wrong(checks.q1, length(lambda n, k, s: 0, same), "conv_output_length(10, 3)")
    assert "returned 0" in message


def test_q2_mistakes():
    def square(k):
        return (k, k) if isinstance(k, int) else k

    wrong(checks.q2, lambda c, f, k, use_bias=True: square(k)[0] * square(k)[1] * f + f,
          "Multiply by in_channels")
    wrong(checks.q2, lambda c, f, k, use_bias=True: square(k)[0] * square(k)[1] * c * f + f,
          "use_bias=False")
    wrong(checks.q2, lambda c, f, k, use_bias=True: square(k)[0] * square(k)[1] * c * f,
          "one bias")
    wrong(checks.q2, lambda c, f, k, use_bias=True: square(k)[0] * c * f + (f if use_bias else 0),
          "multiply the height by the")
    wrong(checks.q2, lambda c, f, k, use_bias=True: 0, "conv2d_params(1, 16, 3) returned 0")
    wrong(checks.q2, lambda c, f, k, use_bias=True: c / 0, "raised ZeroDivisionError")


def test_q3_mistakes():
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, softmax=False), "not probabilities",
          "no softmax")
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, flatten=True),
          "'global_pool' is a Flatten")
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, padding="valid"),
          "'conv1' outputs shape (38, 99, 8)", "should be (40, 101, 8)")
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, names=False), "no layer named 'to_image'")
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, reshape=False), "raised ValueError")
    wrong(checks.q3, lambda s, k: None, "should return a keras.Model")


def test_q4_mistakes():
    wrong(checks.q4, lambda t, p, k: (np.mean(t == p), accuracy_and_confusion(t, p, k)[1].T),
          "transposed")
    wrong(checks.q4, lambda t, p, k: (100 * np.mean(t == p), accuracy_and_confusion(t, p, k)[1]),
          "not a percentage")
    wrong(checks.q4, lambda t, p, k: (np.sum(t == p), accuracy_and_confusion(t, p, k)[1]),
          "number of correct predictions")
    wrong(checks.q4, lambda t, p, k: (np.mean(t == p), accuracy_and_confusion(t, p, int(max(t.max(), p.max())) + 1)[1]),
          "n_classes rows and columns")
