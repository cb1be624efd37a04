"""Checks for exercise 09, attention and transformers.

- ``q1``: ``self_attention(X, W_q, W_k, W_v)``, scaled dot-product
  self-attention in NumPy.
- ``q2``: ``mha_params(width, num_heads, key_dim)``, the weights of a Keras
  ``MultiHeadAttention`` layer.
- ``q3``: explain why the lesson's transformer falls behind the CNN on real speech.
- ``q4``: ``train_digit_transformer(X_train, y_train, X_val, y_val)``, make a
  small transformer learn; the trained model is scored on speakers it never heard.

Keras is imported only when ``q4`` trains a model.
"""

from __future__ import annotations

import functools

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake
from .lesson07 import TrainingCheck, _digits_for_training

__all__ = ["q1", "q2", "q3", "q4"]


# ---------------------------------------------------------------------------
# q1: self-attention in NumPy
# ---------------------------------------------------------------------------


def _softmax_rows(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _self_attention(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    return _softmax_rows(Q @ K.T / np.sqrt(Q.shape[1])) @ V


def _attention_unscaled(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    return _softmax_rows(Q @ K.T) @ V


def _attention_softmax_columns(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    return _softmax_rows(scores.T).T @ V


def _attention_no_softmax(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    return (Q @ K.T / np.sqrt(Q.shape[1])) @ V


def _attention_of_inputs(X, W_q, W_k, W_v):
    Q, K = X @ W_q, X @ W_k
    return _softmax_rows(Q @ K.T / np.sqrt(Q.shape[1])) @ X


def _attention_weights_only(X, W_q, W_k, W_v):
    Q, K = X @ W_q, X @ W_k
    return _softmax_rows(Q @ K.T / np.sqrt(Q.shape[1]))


def _attention_scaled_by_d(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    return _softmax_rows(Q @ K.T / Q.shape[1]) @ V


_rng = np.random.default_rng(90)


def _projections(n_in, d, n_v=None):
    return tuple(_rng.standard_normal((n_in, m)) / np.sqrt(n_in) for m in (d, d, n_v or d))


q1 = FunctionCheck(
    name="self_attention",
    hints=[
        "Three matrix products give the queries, keys and values: Q = X @ W_q, and so on. Then "
        "every query is compared with every key: Q @ K.T, one row per step.",
        "Divide the scores by sqrt(d), d the number of columns of Q; turn each ROW into weights "
        "with a softmax (positive, summing to 1; subtract the row's maximum first); the output is "
        "the weights times V.",
        "Q, K, V = X @ W_q, X @ W_k, X @ W_v; S = Q @ K.T / np.sqrt(Q.shape[1]); "
        "A = np.exp(S - S.max(axis=1, keepdims=True)); A /= A.sum(axis=1, keepdims=True); "
        "return A @ V",
    ],
    solution="""
    def self_attention(X, W_q, W_k, W_v):
        Q, K, V = X @ W_q, X @ W_k, X @ W_v               # queries, keys, values: one row per step
        S = Q @ K.T / np.sqrt(Q.shape[1])                 # every query against every key, scaled
        A = np.exp(S - S.max(axis=1, keepdims=True))      # softmax of each row (max first: no overflow)
        A = A / A.sum(axis=1, keepdims=True)              # each row sums to 1
        return A @ V                                      # each step: a weighted mean of the values
    """,
    reference=_self_attention,
    cases=[
        Case((np.eye(2), np.eye(2), np.eye(2), np.eye(2))),
        Case((_rng.standard_normal((10, 40)), *_projections(40, 8))),
        Case((_rng.standard_normal((50, 16)), *_projections(16, 4, 6))),
        Case((30 * _rng.standard_normal((12, 8)), *_projections(8, 8))),
    ],
    mistakes=[
        Mistake(_attention_unscaled,
                "The scores were not divided by sqrt(d) (d = the columns of Q): without it, "
                "long queries and keys give large scores and the softmax picks a single step."),
        Mistake(_attention_scaled_by_d,
                "The scores were divided by d; the scale is sqrt(d), the typical size of a dot "
                "product of d random numbers."),
        Mistake(_attention_softmax_columns,
                "The softmax ran down the columns: each ROW of the scores (one query against "
                "every key) must become weights that sum to 1 (axis=1)."),
        Mistake(_attention_no_softmax,
                "The raw scores were used as weights: turn each row into positive weights that "
                "sum to 1 with a softmax first."),
        Mistake(_attention_of_inputs,
                "The weights averaged the inputs X; they average the values V = X @ W_v."),
        Mistake(_attention_weights_only,
                "That is the attention map (the weights); the output is the weights times the "
                "values, one row per step."),
    ],
)


# ---------------------------------------------------------------------------
# q2: parameters of a multi-head attention layer
# ---------------------------------------------------------------------------


def _mha_params(width, num_heads, key_dim):
    inner = num_heads * key_dim
    projections = 3 * (width * inner + inner)      # query, key, value: kernel and bias
    return projections + inner * width + width     # the output projection back to the width


def _mha_no_biases(width, num_heads, key_dim):
    inner = num_heads * key_dim
    return 4 * width * inner


def _mha_no_output(width, num_heads, key_dim):
    inner = num_heads * key_dim
    return 3 * (width * inner + inner)


def _mha_one_head(width, num_heads, key_dim):
    return _mha_params(width, 1, key_dim)


def _mha_output_bias_per_head(width, num_heads, key_dim):
    inner = num_heads * key_dim
    return 3 * (width * inner + inner) + inner * width + inner


q2 = FunctionCheck(
    name="mha_params",
    hints=[
        "A MultiHeadAttention layer holds four projections: query, key and value map the width "
        "of the input to num_heads x key_dim numbers, and the output projection maps them back.",
        "Each projection is a kernel and a bias. The query kernel is width x (num_heads x key_dim), "
        "its bias num_heads x key_dim; the output kernel is (num_heads x key_dim) x width, its "
        "bias width.",
        "inner = num_heads * key_dim; return 3 * (width * inner + inner) + inner * width + width",
    ],
    solution="""
    def mha_params(width, num_heads, key_dim):
        inner = num_heads * key_dim                      # all heads side by side
        projections = 3 * (width * inner + inner)        # query, key and value: kernel and bias
        return projections + inner * width + width       # the output projection, back to the width
    """,
    reference=_mha_params,
    cases=[Case((48, 4, 12)), Case((48, 1, 48)), Case((64, 8, 16)), Case((40, 2, 8))],
    mistakes=[
        Mistake(_mha_no_biases,
                "The biases are missing: each of the four projections has one (Keras's "
                "use_bias=True is the default)."),
        Mistake(_mha_no_output,
                "The output projection is missing: after the heads, a fourth matrix maps their "
                "num_heads x key_dim numbers back to the width."),
        Mistake(_mha_one_head,
                "That counts one head: every head has its own query, key and value weights, "
                "num_heads x key_dim columns in all."),
        Mistake(_mha_output_bias_per_head,
                "The output projection's bias has one value per output number: width, not "
                "num_heads x key_dim."),
    ],
)


# ---------------------------------------------------------------------------
# q3: explain the gap on real speech
# ---------------------------------------------------------------------------

q3 = ExplainCheck(
    name="explanation",
    hints=[
        "Compare what each model assumes before it sees any data. What does a 3 x 3 kernel do with "
        "a formant that sits two mel bands higher? What does the transformer's patch embedding do?",
        "800 clips of 80 synthetic voices: which model can find a rule that tells these voices' "
        "digits apart without holding for real ones? What would change with 100 times the data?",
    ],
    solution="""
    Both models fit the synthetic speakers, so the difference is in what they learned, not how
    well they learned it. The CNN's small kernels slide along time and frequency with the same
    weights: a pattern is detected wherever it is, so a real voice's formants a few mel bands away
    from the synthetic ones still meet the filters that learned them. The transformer's patch
    embedding gives every mel band of a patch its own weight, and attention can combine any
    patches: nothing tells it that a shifted pattern is the same pattern, so it is free to learn
    what is particular to the 80 synthetic training voices. With little data these built-in
    assumptions (inductive biases) are worth more than flexibility. A transformer needs far more,
    and more varied, data (or pretraining on a large corpus, then fine-tuning) to learn such
    invariances itself; augmentation that shifts pitch and formants (lesson 06) would help it too.
    """,
)


# ---------------------------------------------------------------------------
# q4: a transformer that does not learn, fixed; scored on unseen speakers
# ---------------------------------------------------------------------------


def _attention_layers(model):
    return [layer for layer in model.layers if type(layer).__name__ == "MultiHeadAttention"]


def _diagnose_transformer(model) -> str | None:
    """Why an attention model of exercise 09 misses the target, when its layers show it."""
    attention = _attention_layers(model)
    if not attention:
        return ("The model has no attention layer: the task is to make a transformer learn "
                "(layers.MultiHeadAttention over the frames).")
    try:
        query = attention[0].input
        query = query[0] if isinstance(query, (list, tuple)) else query   # called as (query, value)
        steps = query.shape[1]
    except (AttributeError, ValueError):  # pragma: no cover - a layer used twice
        steps = None
    if steps == 40:
        return ("Its attention compares 40 steps: the 40 mel bands, not the frames. Keras's "
                "layers read (steps, numbers per step) and the features come as (40 bands, 101 "
                "frames); put time first with layers.Permute((2, 1)).")
    kinds = {type(layer).__name__ for layer in model.layers}
    if not kinds & {"Normalization", "LayerNormalization", "BatchNormalization"}:
        return ("Nothing in the model puts the log-mel levels on a usable scale: they run from "
                "about -80 to 0 dB, so the attention scores are huge and every softmax picks one "
                "patch. Standardise the bands (a layers.Normalization adapted on the training "
                "frames) and normalise inside the block (layers.LayerNormalization).")
    return None


q4 = TrainingCheck(
    name="train_digit_transformer",
    hints=[
        "Look at the shapes: model.summary() shows how many steps the attention layer compares. "
        "The log-mel features come as (40 bands, 101 frames); attention, like a GRU, takes "
        "(steps, numbers per step).",
        "layers.Permute((2, 1)) puts the 101 frames first. The levels are in dB, -80 to 0: a "
        "Normalization layer adapted on the training frames puts every band on one scale. A "
        "transformer block adds the attention's output to its input (layers.Add) and normalises "
        "(layers.LayerNormalization); models.PositionEmbedding tells it where each step is.",
        "Permute((2, 1)); Normalization(axis=-1) adapted on X_train.transpose(0, 2, 1); "
        "Conv1D(32, 2, strides=2) (patches of 2 frames); models.PositionEmbedding(); "
        "LayerNormalization()(Add()([x, MultiHeadAttention(4, key_dim=8)(x, x)])); "
        "GlobalAveragePooling1D(); Dense(10, softmax); Adam(3e-3), 30 epochs: about 10 s.",
    ],
    solution="""
    def train_digit_transformer(X_train, y_train, X_val, y_val):
        norm = layers.Normalization(axis=-1)              # one mean and spread per mel band
        norm.adapt(X_train.transpose(0, 2, 1))            # fitted on the training frames only
        inputs = keras.Input(shape=X_train.shape[1:])     # (40 mel bands, 101 frames)
        x = layers.Permute((2, 1))(inputs)                # time first: 101 steps of 40, not 40 of 101
        x = norm(x)                                       # dB levels on one scale
        x = layers.Conv1D(32, 2, strides=2)(x)            # patches of 2 frames, 32 numbers each
        x = models.PositionEmbedding()(x)                 # where each patch is
        h = layers.MultiHeadAttention(num_heads=4, key_dim=8)(x, x)
        x = layers.LayerNormalization()(layers.Add()([x, h]))   # residual connection, normalised
        x = layers.GlobalAveragePooling1D()(x)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(X_train, y_train, validation_data=(X_val, y_val),
                  epochs=30, batch_size=32, verbose=0)
        return model
    """,
    data=functools.partial(_digits_for_training, "logmel"),
    target=0.8,
    held_out="250 clips of 25 speakers",
    time_limit=60.0,
    seed=0,
    not_learning=TrainingCheck.NOT_TRAINED,
    not_enough=("Put time first, the log-mel bands on one scale (a layers.Normalization adapted "
                "on the training frames), add a residual connection and layer normalisation "
                "around the attention, and train for more epochs."),
    diagnose=_diagnose_transformer,
)
