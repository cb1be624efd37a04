"""Exercise 07's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import math

import numpy as np
import pytest
from check_results import wrong

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
                    names=True, reshape=True, activations=("relu", "relu"), separate=()):
    def name(n):
        return n if names else None

    def convolution(x, filters, layer_name, activation, layer):
        if layer in separate:  # the activation as a layer of its own, right after
            x = layers.Conv2D(filters, 3, padding=padding, name=name(layer_name))(x)
            return layers.ReLU()(x) if separate[layer] == "ReLU" else layers.Activation(activation)(x)
        return layers.Conv2D(filters, 3, padding=padding, activation=activation,
                             name=name(layer_name))(x)

    separate = dict(separate)
    inputs = keras.Input(shape=input_shape)
    x = layers.Reshape((*input_shape, 1), name=name("to_image"))(inputs) if reshape else inputs
    x = convolution(x, 8, "conv1", activations[0], 1)
    x = layers.MaxPooling2D(2, name=name("pool1"))(x)
    x = convolution(x, 16, "conv2", activations[1], 2)
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
    for check in (checks.q1, checks.q2, checks.q3, checks.q4, checks.q6):
        assert check.run(None).outcome is Outcome.NOT_ATTEMPTED

        def placeholder(*args, **kwargs):
            raise NotImplementedError("Replace this line with your code")

        assert check.run(placeholder).outcome is Outcome.NOT_ATTEMPTED
        assert check.run(42).outcome is Outcome.INCORRECT
    assert checks.q5.run("").outcome is Outcome.NOT_ATTEMPTED


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


def test_q3_activations_as_arguments_or_layers():
    for separate in ({1: "ReLU"}, {2: "Activation"}, {1: "Activation", 2: "ReLU"}):
        result = checks.q3.run(lambda s, k, separate=separate: build_small_cnn(s, k, separate=separate))
        assert result.correct, (separate, str(result))


def test_q3_activation_mistakes():
    # No activation at all: the network is one linear map, and the check says so.
    message = wrong(checks.q3, lambda s, k: build_small_cnn(s, k, activations=(None, None)),
                    "layer 'conv1' has no activation", "one linear map", "Neither convolution")
    assert "activation='relu'" in message
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, activations=("relu", None)),
          "layer 'conv2' has no activation", "one linear map")
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, activations=("sigmoid", "relu")),
          "layer 'conv1' is followed by the activation 'sigmoid'", "asks for 'relu'")
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, activations=("relu", "linear"),
                                                   separate={2: "Activation"}),
          "layer 'conv2' has no activation")
    # Without the softmax too, the first problem in the list is reported.
    wrong(checks.q3, lambda s, k: build_small_cnn(s, k, activations=(None, None), softmax=False),
          "layer 'conv1' has no activation")


# q6: the learner fixes a training run; the check scores the model on speakers it never saw.


def digit_cnn(X_train, *, filters=(8, 16, 32), normalization=True, classes=10):
    return __import__("audiolab.models", fromlist=["build_cnn"]).build_cnn(
        X_train.shape[1:], classes, filters=filters, normalization=X_train if normalization else None)


def fitted(model, X_train, y_train, *, learning_rate=3e-3, epochs=20):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


def train_digit_cnn(X_train, y_train, X_val, y_val):
    """The solution notebook's answer."""
    model = digit_cnn(X_train)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=20, batch_size=32, verbose=0)
    return model


def test_q6_held_out_speakers_are_new_and_data_is_copied():
    arguments, X_test, y_test, class_names = checks.q6._load()
    X_train, y_train, X_val, y_val = arguments
    assert X_train.shape == (400, 40, 101) and X_val.shape == (50, 40, 101)
    assert X_test.shape == (250, 40, 101) and len(y_test) == 250 and len(class_names) == 10
    assert np.bincount(y_test, minlength=10).min() >= 20
    # no held-out clip is one of the clips the learner's function gets
    seen = {x.tobytes() for x in np.concatenate([X_train, X_val])}
    assert not any(x.tobytes() in seen for x in X_test)

    def spoil(X_train, y_train, X_val, y_val):
        X_train[:] = 0
        y_train[:] = 0
        return None

    wrong(checks.q6, spoil, "should return the trained keras.Model")
    assert np.any(checks.q6._load()[0][0] != 0)


def test_q6_untrained_and_broken_models_fail_with_their_reason():
    message = wrong(checks.q6, lambda X, y, Xv, yv: digit_cnn(X), "about chance (0.10)",
                    "has not learned", "model.fit")
    assert checks.q6.last.message == message and checks.q6.accuracy < 0.2
    # the task's first attempt: learning rate 1.0, two epochs, raw features
    wrong(checks.q6, lambda X, y, Xv, yv: fitted(digit_cnn(X, normalization=False), X, y,
                                                 learning_rate=1.0, epochs=2),
          "not learned", "learning rate of 1.0")


def test_q6_wrong_returns_shapes_and_nan():
    wrong(checks.q6, lambda X, y, Xv, yv: (digit_cnn(X), None), "return the trained model alone")
    wrong(checks.q6, lambda X, y, Xv, yv: "model", "should return the trained keras.Model")
    wrong(checks.q6, lambda X, y, Xv, yv: digit_cnn(X[:, :20]), "cannot read features of shape (40, 101)")
    wrong(checks.q6, lambda X, y, Xv, yv: digit_cnn(X, classes=4), "should output 10 class probabilities")
    wrong(checks.q6, lambda X, y, Xv, yv: X[len(X)], "raised IndexError")

    def blown_up(X, y, Xv, yv):
        model = digit_cnn(X)
        layer = model.get_layer("classifier")
        layer.set_weights([np.full_like(w, np.nan) for w in layer.get_weights()])
        return model

    wrong(checks.q6, blown_up, "outputs NaN", "learning rate far too large")


@pytest.mark.slow
def test_q6_too_few_epochs_and_too_slow():
    message = wrong(checks.q6, lambda X, y, Xv, yv: fitted(digit_cnn(X), X, y, epochs=2),
                    "started to learn but not enough", "more epochs")
    assert 0.2 <= checks.q6.accuracy < 0.85, message
    slow = checks.TrainingCheck(name="train_digit_cnn", hints=[], solution="", data=checks.q6._load,
                                target=0.85, held_out="the test clips", time_limit=0.5)
    wrong(slow, lambda X, y, Xv, yv: fitted(digit_cnn(X), X, y, epochs=2),
          "more than the 0 s a Binder CPU can spare", "fewer epochs")


@pytest.mark.slow
def test_q6_solution_passes_with_a_margin():
    result = checks.q6.run(train_digit_cnn)
    assert result.correct, str(result)
    assert checks.q6.accuracy >= checks.q6.target + 0.05, str(result)
