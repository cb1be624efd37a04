"""Exercise 08's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest
from check_results import wrong

from audiolab.checks import Outcome
from audiolab.checks import lesson08 as checks

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


# The solutions as the solution notebook writes them.
def rnn_params(cell, input_dim, units, bidirectional=False):
    per_gate = units * input_dim + units * units
    if cell == "gru":
        count = 3 * (per_gate + 2 * units)
    else:
        count = 4 * (per_gate + units)
    return 2 * count if bidirectional else count


def attention_pool(H, scores):
    w = np.exp(scores - np.max(scores))
    w = w / w.sum()
    return w @ H


def build_gru_classifier(input_shape, num_classes, *, cell=layers.GRU, units=16, permute=True,
                         softmax=True, names=True, return_sequences=False):
    inputs = keras.Input(shape=input_shape)
    x = layers.Permute((2, 1), name="to_sequence" if names else None)(inputs) if permute else inputs
    x = layers.Bidirectional(cell(units, return_sequences=return_sequences),
                             name="bigru" if names else None)(x)
    outputs = layers.Dense(num_classes, activation="softmax" if softmax else None,
                           name="classifier" if names else None)(x)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize(
    "check, solution",
    [(checks.q1, rnn_params), (checks.q2, attention_pool), (checks.q3, build_gru_classifier)],
)
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_the_references_agree_with_keras():
    for cell, layer_class in (("gru", layers.GRU), ("lstm", layers.LSTM)):
        for bidirectional in (False, True):
            layer = layer_class(24)
            if bidirectional:
                layer = layers.Bidirectional(layer)
            layer.build((None, 50, 13))
            assert layer.count_params() == rnn_params(cell, 13, 24, bidirectional)
    H = np.random.default_rng(0).standard_normal((7, 3))
    scores = np.random.default_rng(1).standard_normal(7)
    weights = keras.ops.softmax(scores[None, :, None], axis=1)
    pooled = keras.layers.Dot(axes=1)([weights, H[None]])
    np.testing.assert_allclose(np.asarray(pooled)[0, 0], attention_pool(H, scores), atol=1e-5)


def test_not_attempted_and_not_a_function():
    for check in (checks.q1, checks.q2, checks.q3, checks.q5):
        assert check.run(None).outcome is Outcome.NOT_ATTEMPTED

        def placeholder(*args, **kwargs):
            raise NotImplementedError("Replace this line with your code")

        assert check.run(placeholder).outcome is Outcome.NOT_ATTEMPTED
        assert check.run("answer").outcome is Outcome.INCORRECT
    assert checks.q4.run(None).outcome is Outcome.NOT_ATTEMPTED


def test_q1_mistakes():
    def params(gates_gru, gates_lstm, gru_biases, recurrent=True, directions=2):
        def rnn_params(cell, input_dim, units, bidirectional=False):
            gates = gates_gru if cell == "gru" else gates_lstm
            biases = gru_biases * units if cell == "gru" else units
            count = gates * (units * input_dim + (units * units if recurrent else 0) + biases)
            return directions * count if bidirectional else count
        return rnn_params

    wrong(checks.q1, params(3, 4, 1), "two bias vectors")
    wrong(checks.q1, params(4, 3, 2), "gate counts are swapped")
    wrong(checks.q1, params(3, 4, 2, recurrent=False), "recurrent weights are missing")
    wrong(checks.q1, params(3, 4, 2, directions=1), "twice the parameters")
    wrong(checks.q1, params(1, 1, 2), "counts one gate")


def test_q2_mistakes():
    wrong(checks.q2, lambda H, s: s @ H, "raw scores were used as weights")
    wrong(checks.q2, lambda H, s: H.mean(axis=0), "plain mean over time")
    wrong(checks.q2, lambda H, s: H[-1], "last time step")
    wrong(checks.q2, lambda H, s: (s / s.sum()) @ H,
          "not a softmax")

    def naive(H, scores):
        with np.errstate(over="ignore", invalid="ignore"):
            w = np.exp(scores) / np.exp(scores).sum()
        return w @ H

    message = wrong(checks.q2, naive, "NaN or infinite")
    assert "900.0" in message or "shape=(12," in message  # the case with large scores
    wrong(checks.q2, lambda H, s: s[:, None] * H, "shape (2, 2)")


def test_q3_mistakes():
    wrong(checks.q3, lambda s, k: build_gru_classifier(s, k, cell=layers.LSTM),
          "instead of", "That is an LSTM")
    wrong(checks.q3, lambda s, k: build_gru_classifier(s, k, softmax=False), "not probabilities")
    wrong(checks.q3, lambda s, k: build_gru_classifier(s, k, units=32),
          "'bigru' outputs shape (64,)", "Each direction has 16 units")
    wrong(checks.q3, lambda s, k: build_gru_classifier(s, k, names=False),
          "no layer named 'to_sequence'")
    wrong(checks.q3, lambda s, k: build_gru_classifier(s, k, return_sequences=True),
          "'bigru' outputs shape (101, 32)")


def test_a_missing_permute_reads_the_wrong_axis():
    def no_permute(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = layers.Reshape(input_shape, name="to_sequence")(inputs)
        x = layers.Bidirectional(layers.GRU(16), name="bigru")(x)
        return keras.Model(inputs, layers.Dense(num_classes, activation="softmax",
                                                 name="classifier")(x))

    wrong(checks.q3, no_permute, "'to_sequence' is a Reshape")


# q5: the learner makes a GRU learn; the check scores the model on speakers it never saw.


def digit_gru(X_train, *, permute=True, normalize=True, sequences=True, pool="max", units=32,
              cell=layers.GRU, bidirectional=False, classes=10):
    inputs = keras.Input(shape=X_train.shape[1:])
    x = layers.Permute((2, 1))(inputs) if permute else inputs
    if normalize:
        norm = layers.Normalization(axis=-1)
        norm.adapt(X_train.transpose(0, 2, 1) if permute else X_train)
        x = norm(x)
    if cell is not None:
        recurrent = cell(units, return_sequences=sequences)
        x = layers.Bidirectional(recurrent)(x) if bidirectional else recurrent(x)
    if cell is None or sequences:
        x = layers.GlobalMaxPooling1D()(x) if pool == "max" else layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))


def fitted(model, X_train, y_train, *, learning_rate=3e-3, epochs=20):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


def train_digit_gru(X_train, y_train, X_val, y_val):
    """The solution notebook's answer."""
    norm = layers.Normalization(axis=-1)
    norm.adapt(X_train.transpose(0, 2, 1))
    inputs = keras.Input(shape=X_train.shape[1:])
    x = layers.Permute((2, 1))(inputs)
    x = norm(x)
    x = layers.GRU(32, return_sequences=True)(x)
    x = layers.GlobalMaxPooling1D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=20, batch_size=32, verbose=0)
    return model


def test_q5_data_are_mfcc_of_new_speakers():
    arguments, X_test, y_test, class_names = checks.q5._load()
    X_train, y_train, X_val, y_val = arguments
    assert X_train.shape == (400, 13, 101) and X_val.shape == (50, 13, 101)
    assert X_test.shape == (250, 13, 101) and len(y_test) == 250 and len(class_names) == 10
    seen = {x.tobytes() for x in np.concatenate([X_train, X_val])}
    assert not any(x.tobytes() in seen for x in X_test)


def test_q5_diagnoses_what_the_layers_show():
    X = np.zeros((4, 13, 101), dtype="float32")
    assert "13 time steps of 101" in checks._diagnose_gru(digit_gru(X, permute=False, normalize=False))
    assert "after the last of the 101" in checks._diagnose_gru(digit_gru(X, sequences=False))
    assert "after the last of the 101" in checks._diagnose_gru(
        digit_gru(X, sequences=False, bidirectional=True))
    assert "no recurrent layer" in checks._diagnose_gru(digit_gru(X, cell=None))
    for model in (digit_gru(X), digit_gru(X, cell=layers.LSTM, bidirectional=True)):
        assert checks._diagnose_gru(model) is None


def test_q5_wrong_returns_and_untrained_models():
    wrong(checks.q5, lambda X, y, Xv, yv: (digit_gru(X), None), "return the trained model alone")
    wrong(checks.q5, lambda X, y, Xv, yv: digit_gru(X, classes=4), "should output 10 class probabilities")
    wrong(checks.q5, lambda X, y, Xv, yv: digit_gru(X[:, :, :50]), "cannot read features of shape (13, 101)")
    message = wrong(checks.q5, lambda X, y, Xv, yv: digit_gru(X), "has not learned", "model.fit")
    assert "learning rate of 1.0" not in message  # lesson 07's advice is not repeated here


@pytest.mark.slow
def test_q5_the_first_attempt_and_half_fixes_fail_with_their_reason():
    # the task's first attempt: the GRU reads the 13 coefficients as time steps
    wrong(checks.q5, lambda X, y, Xv, yv: fitted(digit_gru(X, permute=False, normalize=False,
                                                           sequences=False), X, y),
          "13 time steps of 101", "layers.Permute((2, 1))")
    assert checks.q5.accuracy < 0.5
    # time first, but only the last state reaches the classifier
    wrong(checks.q5, lambda X, y, Xv, yv: fitted(digit_gru(X, sequences=False), X, y),
          "after the last of the 101 frames", "return_sequences=True")
    assert checks.q5.accuracy < 0.85
    # the right layers, far too few epochs
    wrong(checks.q5, lambda X, y, Xv, yv: fitted(digit_gru(X), X, y, epochs=1),
          "not enough", "Normalization")


@pytest.mark.slow
def test_q5_solution_passes_with_a_margin():
    result = checks.q5.run(train_digit_gru)
    assert result.correct, str(result)
    assert checks.q5.accuracy >= checks.q5.target + 0.05, str(result)
