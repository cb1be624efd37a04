"""Checks for exercise 08, RNNs on sequences.

- ``q1``: ``rnn_params(cell, input_dim, units, bidirectional)``, the weights of a
  Keras GRU or LSTM layer.
- ``q2``: ``attention_pool(H, scores)``, attention pooling over time in NumPy.
- ``q3``: ``build_gru_classifier(input_shape, num_classes)``, a Keras RNN with
  given layer names, checked by its shapes and parameter count.
- ``q4``: explain the comparison of CNN, RNN and CRNN.
- ``q5``: ``train_digit_gru(X_train, y_train, X_val, y_val)``, make a GRU on MFCC
  sequences learn; the trained model is scored on speakers it never heard.

Keras is imported only when ``q3`` checks a model or ``q5`` trains one.
"""

from __future__ import annotations

import functools

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake
from .lesson07 import LayerSpec, ModelCheck, TrainingCheck, _digits_for_training

__all__ = ["q1", "q2", "q3", "q4", "q5"]


# ---------------------------------------------------------------------------
# q1: parameters of a recurrent layer
# ---------------------------------------------------------------------------


def _rnn_params(cell, input_dim, units, bidirectional=False):
    if cell == "gru":  # Keras's GRU: reset_after=True, so two bias vectors per gate
        one = 3 * (units * input_dim + units * units + 2 * units)
    else:  # LSTM: four gates, one bias each
        one = 4 * (units * input_dim + units * units + units)
    return 2 * one if bidirectional else one


def _rnn_one_bias(cell, input_dim, units, bidirectional=False):
    gates = 3 if cell == "gru" else 4
    one = gates * (units * input_dim + units * units + units)
    return 2 * one if bidirectional else one


def _rnn_gates_swapped(cell, input_dim, units, bidirectional=False):
    gates = 4 if cell == "gru" else 3
    biases = 2 * units if cell == "gru" else units
    one = gates * (units * input_dim + units * units + biases)
    return 2 * one if bidirectional else one


def _rnn_no_recurrent(cell, input_dim, units, bidirectional=False):
    gates, biases = (3, 2 * units) if cell == "gru" else (4, units)
    one = gates * (units * input_dim + biases)
    return 2 * one if bidirectional else one


def _rnn_single_direction(cell, input_dim, units, bidirectional=False):
    return _rnn_params(cell, input_dim, units, False)


def _rnn_one_gate(cell, input_dim, units, bidirectional=False):
    biases = 2 * units if cell == "gru" else units
    one = units * input_dim + units * units + biases
    return 2 * one if bidirectional else one


q1 = FunctionCheck(
    name="rnn_params",
    hints=[
        "A recurrent layer has one set of weights per gate: an input matrix (input_dim x units), a "
        "recurrent matrix (units x units, from the previous state) and biases.",
        "An LSTM has 4 such sets (input, forget and output gates, and the candidate), a GRU 3 "
        "(update, reset, candidate). Keras's GRU (reset_after=True) keeps two bias vectors per "
        "set. A bidirectional layer is two independent layers.",
        "GRU: 3 * (units * input_dim + units * units + 2 * units); LSTM: 4 * (units * input_dim + "
        "units * units + units); times 2 if bidirectional.",
    ],
    solution="""
    def rnn_params(cell, input_dim, units, bidirectional=False):
        per_gate = units * input_dim + units * units    # input and recurrent weights
        if cell == "gru":
            count = 3 * (per_gate + 2 * units)          # 3 gates, 2 biases each (reset_after)
        else:
            count = 4 * (per_gate + units)              # 4 gates, 1 bias each
        return 2 * count if bidirectional else count    # two directions, two layers
    """,
    reference=_rnn_params,
    cases=[
        Case(("lstm", 13, 32)),
        Case(("gru", 13, 32)),
        Case(("gru", 40, 64), {"bidirectional": True}),
        Case(("lstm", 40, 16), {"bidirectional": True}),
        Case(("gru", 1, 1)),
    ],
    mistakes=[
        Mistake(_rnn_one_bias,
                "Keras's GRU has two bias vectors per gate (reset_after=True, the cuDNN "
                "convention): one for the input and one for the recurrent part."),
        Mistake(_rnn_gates_swapped,
                "The gate counts are swapped: an LSTM has 4 weight sets (input, forget, output "
                "gates and the candidate), a GRU 3 (update, reset, candidate)."),
        Mistake(_rnn_no_recurrent,
                "The recurrent weights are missing: each gate also reads the previous state, "
                "through a units x units matrix."),
        Mistake(_rnn_single_direction,
                "A bidirectional layer is two layers, one reading forwards and one backwards, "
                "each with its own weights: twice the parameters."),
        Mistake(_rnn_one_gate,
                "That counts one gate; an LSTM has four sets of weights and a GRU three."),
    ],
)


# ---------------------------------------------------------------------------
# q2: attention pooling
# ---------------------------------------------------------------------------


def _softmax(scores):
    shifted = scores - np.max(scores)
    e = np.exp(shifted)
    return e / e.sum()


def _attention_pool(H, scores):
    return _softmax(np.asarray(scores, dtype=np.float64)) @ np.asarray(H, dtype=np.float64)


def _pool_no_softmax(H, scores):
    return np.asarray(scores) @ np.asarray(H)


def _pool_mean(H, scores):
    return np.asarray(H).mean(axis=0)


def _pool_last(H, scores):
    return np.asarray(H)[-1]


def _pool_normalised_scores(H, scores):
    scores = np.asarray(scores, dtype=np.float64)
    return (scores / scores.sum()) @ np.asarray(H)


def _pool_max_weight(H, scores):
    return np.asarray(H)[int(np.argmax(scores))]


_rng = np.random.default_rng(80)

q2 = FunctionCheck(
    name="attention_pool",
    hints=[
        "Turn the scores into weights that are positive and sum to 1 (a softmax), then take the "
        "weighted mean of the rows of H: one row per time step.",
        "softmax(s) = exp(s) / sum(exp(s)). Subtract the largest score first: the weights do not "
        "change, and exp of a large score no longer overflows to infinity.",
        "w = np.exp(scores - scores.max()); w = w / w.sum(); return w @ H",
    ],
    solution="""
    def attention_pool(H, scores):
        w = np.exp(scores - np.max(scores))   # subtracting the max avoids overflow
        w = w / w.sum()                       # softmax: positive weights that sum to 1
        return w @ H                          # weighted mean of the time steps (rows)
    """,
    reference=_attention_pool,
    cases=[
        Case((np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0]))),
        Case((np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([0.0, 1.0, 3.0]))),
        Case((_rng.standard_normal((50, 8)), _rng.standard_normal(50))),
        Case((_rng.standard_normal((12, 4)), np.array([900.0, 1000.0] + [0.0] * 10))),
    ],
    mistakes=[
        Mistake(_pool_no_softmax,
                "The raw scores were used as weights: make them positive and sum to 1 with a "
                "softmax first."),
        Mistake(_pool_mean,
                "That is the plain mean over time (average pooling): the scores decide how much "
                "each step counts."),
        Mistake(_pool_last,
                "That is the last time step (what an RNN without attention keeps): attention "
                "takes a weighted mean of all steps."),
        Mistake(_pool_normalised_scores,
                "Dividing the scores by their sum is not a softmax: weights must be positive, so "
                "exponentiate first (np.exp), then divide by the sum."),
        Mistake(_pool_max_weight,
                "That keeps only the step with the largest score (a hard choice); attention "
                "mixes all steps, weighted by the softmax of the scores."),
    ],
)


# ---------------------------------------------------------------------------
# q3: a small GRU classifier
# ---------------------------------------------------------------------------


def _build_gru_classifier(input_shape, num_classes, *, cell="gru", softmax=True, units=16):
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="features")
    x = layers.Permute((2, 1), name="to_sequence")(inputs)
    recurrent = (layers.GRU if cell == "gru" else layers.LSTM)(units)
    x = layers.Bidirectional(recurrent, name="bigru")(x)
    outputs = layers.Dense(num_classes, activation="softmax" if softmax else None,
                           name="classifier")(x)
    return keras.Model(inputs, outputs)


q3 = ModelCheck(
    name="build_gru_classifier",
    hints=[
        "Keras's recurrent layers read (time steps, features per step); the features come as "
        "(n_features, n_frames), so swap the two axes first.",
        "layers.Permute((2, 1)) swaps them. layers.Bidirectional(layers.GRU(16)) reads the "
        "sequence both ways and returns the two final states side by side: 32 numbers.",
        "x = layers.Permute((2, 1), name='to_sequence')(inputs); x = layers.Bidirectional("
        "layers.GRU(16), name='bigru')(x); outputs = layers.Dense(num_classes, "
        "activation='softmax', name='classifier')(x)",
    ],
    solution="""
    def build_gru_classifier(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape, name="features")
        x = layers.Permute((2, 1), name="to_sequence")(inputs)           # (frames, features)
        x = layers.Bidirectional(layers.GRU(16), name="bigru")(x)        # 2 x 16 numbers
        outputs = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
        return keras.Model(inputs, outputs)
    """,
    reference=_build_gru_classifier,
    cases=[((13, 101), 10), ((40, 50), 3)],
    layers=[
        LayerSpec("to_sequence", "Permute", lambda s, k: (s[1], s[0])),
        LayerSpec("bigru", "Bidirectional", lambda s, k: (32,)),
        LayerSpec("classifier", "Dense", lambda s, k: (k,)),
    ],
    mistakes=[
        Mistake(lambda s, k: _build_gru_classifier(s, k, cell="lstm"),
                "That is an LSTM (4 weight sets per direction); the task asks for a GRU (3)."),
        Mistake(lambda s, k: _build_gru_classifier(s, k, softmax=False),
                "The classifier has no softmax: its outputs are scores, not probabilities."),
        Mistake(lambda s, k: _build_gru_classifier(s, k, units=32),
                "Each direction has 16 units; the two together give the 32 numbers."),
    ],
)


# ---------------------------------------------------------------------------
# q4: explain the comparison
# ---------------------------------------------------------------------------

q4 = ExplainCheck(
    name="explanation",
    hints=[
        "Compare the columns one at a time: accuracy, parameters, training time, inference time. "
        "Which model is fastest per clip, and why?",
        "An RNN must process the time steps one after the other; a convolution processes all "
        "positions at once. How many steps does each recurrent layer see?",
    ],
    solution="""
    On these one-second digits all three models reach a similar accuracy, so accuracy alone
    does not choose between them. They differ in cost. The CNN does the most arithmetic per clip
    (its first layers run at full resolution), but a convolution computes every position at
    once, which CPUs and accelerators do well. The RNN has few parameters, yet it is the slowest
    to train and to run: each time step depends on the one before, so the 50 steps of its GRU
    run one after the other, and small sequential matrix products use the hardware poorly. The
    CRNN lets convolutions and pooling shorten the sequence 8 times before the GRU, so its
    recurrent part has only 12 steps: it keeps the RNN's sense of order at a fraction of the
    cost. For a short keyword on a small device the CNN (or CRNN) is the usual choice; RNNs
    shine on long or streaming inputs, where their state carries context from step to step.
    """,
)


# ---------------------------------------------------------------------------
# q5: a GRU that does not learn, fixed; scored on unseen speakers
# ---------------------------------------------------------------------------

_RECURRENT = ("GRU", "LSTM", "SimpleRNN")


def _recurrent_layers(model):
    """The recurrent layers of a model, in order, as (layer, the recurrent cell's layer)."""
    found = []
    for layer in model.layers:
        inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
        if type(layer).__name__ in _RECURRENT:
            found.append((layer, layer))
        elif inner is not None and type(inner).__name__ in _RECURRENT:
            found.append((layer, inner))
    return found


def _diagnose_gru(model) -> str | None:
    """Why a recurrent model of exercise 08 misses the target, when its layers show it."""
    found = _recurrent_layers(model)
    if not found:
        return ("The model has no recurrent layer: the task is to make a GRU learn "
                "(layers.GRU, read along time).")
    first, _ = found[0]
    try:
        steps = first.input.shape[1]
    except (AttributeError, ValueError):  # pragma: no cover - a layer used twice
        steps = None
    if steps == 13:
        return ("Its GRU reads 13 time steps of 101 numbers each: the 13 MFCC coefficients, "
                "not the 101 frames. Keras's recurrent layers take (steps, features per step) "
                "and the features come as (13, 101); put time first with "
                "layers.Permute((2, 1)) before the GRU.")
    last, cell = found[-1]
    if not getattr(cell, "return_sequences", False) and steps and steps > 20:
        return (f"The classifier sees only the GRU's state after the last of the {steps} "
                f"frames; the word is a short part of the clip, and the silence and noise after "
                f"it overwrite much of what the state held. Keep the output of every step "
                f"(return_sequences=True) and pool over time (layers.GlobalMaxPooling1D, or "
                f"the attention pooling of task 2), so the classifier sees the frames where "
                f"the word is.")
    return None


q5 = TrainingCheck(
    name="train_digit_gru",
    hints=[
        "Check the shapes first: model.summary() shows how many time steps the GRU reads. "
        "The MFCC come as (13 coefficients, 101 frames); a recurrent layer takes (steps, "
        "features per step).",
        "layers.Permute((2, 1)) puts the 101 frames first. A GRU without return_sequences "
        "returns its state after the last frame only, long after the word has ended: keep "
        "every step's output and pool over time. MFCC c0 is in the hundreds, c12 near 1: a "
        "Normalization layer adapted on the training frames puts them on one scale.",
        "Permute((2, 1)); Normalization(axis=-1) adapted on X_train.transpose(0, 2, 1); "
        "GRU(32, return_sequences=True); GlobalMaxPooling1D(); Dense(10, softmax); "
        "Adam(3e-3), 20 epochs: about 10 s.",
    ],
    solution="""
    def train_digit_gru(X_train, y_train, X_val, y_val):
        norm = layers.Normalization(axis=-1)              # one mean and spread per coefficient
        norm.adapt(X_train.transpose(0, 2, 1))            # fitted on the training frames only
        inputs = keras.Input(shape=X_train.shape[1:])     # (13 MFCC, 101 frames)
        x = layers.Permute((2, 1))(inputs)                # time first: 101 steps of 13
        x = norm(x)
        x = layers.GRU(32, return_sequences=True)(x)      # an output for every frame
        x = layers.GlobalMaxPooling1D()(x)                # the strongest response, wherever it is
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(X_train, y_train, validation_data=(X_val, y_val),
                  epochs=20, batch_size=32, verbose=0)
        return model
    """,
    data=functools.partial(_digits_for_training, "mfcc"),
    target=0.85,
    held_out="250 clips of 25 speakers",
    time_limit=60.0,
    seed=0,
    not_learning=TrainingCheck.NOT_TRAINED,
    not_enough=("Train for more epochs, check the learning rate, and put the MFCC on one scale "
                "(a layers.Normalization adapted on the training frames): c0 is in the "
                "hundreds, the last coefficients near 1."),
    diagnose=_diagnose_gru,
)
