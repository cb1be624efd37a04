"""Exercise 09's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest
from check_results import wrong

from audiolab.checks import Outcome
from audiolab.checks import lesson09 as checks

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from audiolab import models  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


# The solutions as the solution notebook writes them.
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    S = Q @ K.T / np.sqrt(Q.shape[1])
    A = np.exp(S - S.max(axis=1, keepdims=True))
    A = A / A.sum(axis=1, keepdims=True)
    return A @ V


def mha_params(width, num_heads, key_dim):
    inner = num_heads * key_dim
    return 3 * (width * inner + inner) + inner * width + width


@pytest.mark.parametrize("check, solution", [(checks.q1, self_attention), (checks.q2, mha_params)])
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_the_references_agree_with_keras():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 40))
    W_q, W_k, W_v = (rng.standard_normal((40, 8)) for _ in range(3))
    mha = layers.MultiHeadAttention(num_heads=1, key_dim=8, use_bias=False, output_shape=8)
    x = X[np.newaxis].astype("float32")
    mha(x, x)
    mha.set_weights([W_q[:, None, :], W_k[:, None, :], W_v[:, None, :], np.eye(8)[None]])
    np.testing.assert_allclose(np.asarray(mha(x, x))[0], self_attention(X, W_q, W_k, W_v),
                               rtol=1e-3, atol=1e-3)
    for width, heads, key_dim in ((48, 4, 12), (64, 8, 16), (40, 2, 8)):
        layer = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)
        sequence = np.zeros((1, 5, width), np.float32)
        layer(sequence, sequence)
        assert layer.count_params() == mha_params(width, heads, key_dim)


def test_not_attempted_and_not_a_function():
    for check in (checks.q1, checks.q2, checks.q4):
        assert check.run(None).outcome is Outcome.NOT_ATTEMPTED

        def placeholder(*args, **kwargs):
            raise NotImplementedError("Replace this line with your code")

        assert check.run(placeholder).outcome is Outcome.NOT_ATTEMPTED
        assert check.run("answer").outcome is Outcome.INCORRECT
    assert checks.q3.run(None).outcome is Outcome.NOT_ATTEMPTED


def test_q1_a_naive_softmax_overflows_on_large_scores():
    def naive(X, W_q, W_k, W_v):
        Q, K, V = X @ W_q, X @ W_k, X @ W_v
        with np.errstate(over="ignore", invalid="ignore"):
            A = np.exp(Q @ K.T / np.sqrt(Q.shape[1]))
            A = A / A.sum(axis=1, keepdims=True)
        return A @ V

    wrong(checks.q1, naive, "NaN or infinite")


# q4: the learner makes a transformer learn; the check scores it on speakers it never saw.


def digit_transformer(X_train, *, permute=True, normalize=True, block=True, patches=True,
                      attention=True, classes=10):
    inputs = keras.Input(shape=X_train.shape[1:])
    x = layers.Permute((2, 1))(inputs) if permute else inputs
    if normalize:
        norm = layers.Normalization(axis=-1)
        norm.adapt(X_train.transpose(0, 2, 1) if permute else X_train)
        x = norm(x)
    x = layers.Conv1D(32, 2, strides=2)(x) if patches else layers.Dense(32)(x)
    if block:
        x = models.PositionEmbedding()(x)
    if attention:
        h = layers.MultiHeadAttention(num_heads=4, key_dim=8)(x, x)
        x = layers.LayerNormalization()(layers.Add()([x, h])) if block else h
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))


def fitted(model, X_train, y_train, *, epochs=30):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


def train_digit_transformer(X_train, y_train, X_val, y_val):
    """The solution notebook's answer."""
    norm = layers.Normalization(axis=-1)
    norm.adapt(X_train.transpose(0, 2, 1))
    inputs = keras.Input(shape=X_train.shape[1:])
    x = layers.Permute((2, 1))(inputs)
    x = norm(x)
    x = layers.Conv1D(32, 2, strides=2)(x)
    x = models.PositionEmbedding()(x)
    h = layers.MultiHeadAttention(num_heads=4, key_dim=8)(x, x)
    x = layers.LayerNormalization()(layers.Add()([x, h]))
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=30, batch_size=32, verbose=0)
    return model


def test_q4_data_are_log_mel_of_new_speakers():
    arguments, X_test, y_test, class_names = checks.q4._load()
    X_train, y_train, X_val, y_val = arguments
    assert X_train.shape == (400, 40, 101) and X_val.shape == (50, 40, 101)
    assert X_test.shape == (250, 40, 101) and len(y_test) == 250 and len(class_names) == 10


def test_q4_diagnoses_what_the_layers_show():
    X = np.zeros((4, 40, 101), dtype="float32")
    assert "40 mel bands, not the frames" in checks._diagnose_transformer(
        digit_transformer(X, permute=False, normalize=False, patches=False))
    assert "on a usable scale" in checks._diagnose_transformer(
        digit_transformer(X, normalize=False, block=False))
    assert "no attention layer" in checks._diagnose_transformer(digit_transformer(X, attention=False))
    assert checks._diagnose_transformer(digit_transformer(X)) is None
    assert checks._diagnose_transformer(models.build_transformer((40, 101), 10)) is None


def test_q4_wrong_returns_and_untrained_models():
    wrong(checks.q4, lambda X, y, Xv, yv: (digit_transformer(X), None), "return the trained model alone")
    wrong(checks.q4, lambda X, y, Xv, yv: digit_transformer(X, classes=4),
          "should output 10 class probabilities")
    wrong(checks.q4, lambda X, y, Xv, yv: digit_transformer(X), "has not learned", "model.fit")


@pytest.mark.slow
def test_q4_the_first_attempt_and_a_half_fix_fail_with_their_reason():
    # the task's first attempt: attention over the 40 mel bands of raw dB levels
    wrong(checks.q4, lambda X, y, Xv, yv: fitted(
        digit_transformer(X, permute=False, normalize=False, block=False, patches=False), X, y,
        epochs=20), "40 mel bands, not the frames", "layers.Permute((2, 1))")
    assert checks.q4.accuracy < 0.5
    # time first, but the levels still raw and no block around the attention
    wrong(checks.q4, lambda X, y, Xv, yv: fitted(
        digit_transformer(X, normalize=False, block=False, patches=False), X, y, epochs=20),
        "on a usable scale", "layers.Normalization")
    assert checks.q4.accuracy < checks.q4.target


@pytest.mark.slow
def test_q4_solution_passes_with_a_margin():
    result = checks.q4.run(train_digit_transformer)
    assert result.correct, str(result)
    assert checks.q4.accuracy >= checks.q4.target + 0.05, str(result)
