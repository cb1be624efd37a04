"""Checks for exercise 11, transfer learning.

- ``q1``: ``speaker_split(groups, test_speakers)``, train and test indices with no speaker in both.
- ``q2``: ``few_shot_indices(labels, candidates, n)``, the first n candidates of every class.
- ``q3``: explain the learning curve of fine-tuning against training from scratch.
- ``q4``: ``fine_tune(X_train, y_train)``, the pretrained encoder with a new classifier, trained on
  5 FSDD recordings per digit and scored on three other speakers.
"""

from __future__ import annotations

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake
from .lesson07 import TrainingCheck

__all__ = ["q1", "q2", "q3", "q4"]


def _speaker_split(groups, test_speakers):
    is_test = np.isin(groups, list(test_speakers))
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def _split_swapped(groups, test_speakers):
    train, test = _speaker_split(groups, test_speakers)
    return test, train


def _split_booleans(groups, test_speakers):
    is_test = np.isin(groups, list(test_speakers))
    return ~is_test, is_test


def _split_first_only(groups, test_speakers):
    is_test = np.asarray(groups) == list(test_speakers)[0]
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


_G = np.array(["ann", "bob", "ann", "cy", "bob", "cy", "dee", "ann"])

q1 = FunctionCheck(
    name="speaker_split",
    hints=[
        "Make a boolean mask: is this recording's speaker one of the test speakers? np.isin does it.",
        "np.flatnonzero turns a mask into sorted indices; the training indices are those of the "
        "opposite mask (~mask).",
    ],
    solution="""
    def speaker_split(groups, test_speakers):
        is_test = np.isin(groups, list(test_speakers))
        return np.flatnonzero(~is_test), np.flatnonzero(is_test)
    """,
    reference=_speaker_split,
    cases=[
        Case((np.array(["a", "b", "a", "b"]), ["b"])),
        Case((_G, ["cy", "dee"])),
        Case((_G, ["ann"])),
    ],
    mistakes=[
        Mistake(_split_swapped, "train and test are swapped: return the other speakers' recordings "
                "first, then the test speakers'."),
        Mistake(_split_booleans, "These are boolean masks; return integer indices "
                "(np.flatnonzero turns a mask into them)."),
        Mistake(_split_first_only, "Only the first test speaker went to the test set: use every "
                "speaker in test_speakers (np.isin)."),
    ],
)


def _few_shot(labels, candidates, n):
    labels = np.asarray(labels)
    candidates = np.asarray(candidates)
    return np.concatenate([candidates[labels[candidates] == k][:n] for k in range(labels.max() + 1)])


def _few_shot_sorted(labels, candidates, n):
    return np.sort(_few_shot(labels, candidates, n))


def _few_shot_first_n(labels, candidates, n):
    labels = np.asarray(labels)
    return np.asarray(candidates)[: n * (labels.max() + 1)]


def _few_shot_lowest(labels, candidates, n):
    labels = np.asarray(labels)
    candidates = np.sort(np.asarray(candidates))
    return np.concatenate([candidates[labels[candidates] == k][:n] for k in range(labels.max() + 1)])


def _few_shot_positions(labels, candidates, n):
    labels = np.asarray(labels)
    candidates = np.asarray(candidates)
    return np.concatenate([np.flatnonzero(labels[candidates] == k)[:n]
                           for k in range(labels.max() + 1)])


_L = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
_C = np.array([7, 2, 9, 0, 4, 11, 3, 5, 10, 1, 6, 8])

q2 = FunctionCheck(
    name="few_shot_indices",
    hints=[
        "Go class by class: labels[candidates] are the candidates' classes, in the candidates' order.",
        "candidates[labels[candidates] == k] keeps the order; [:n] takes the first n.",
        "np.concatenate([candidates[labels[candidates] == k][:n] for k in range(labels.max() + 1)])",
    ],
    solution="""
    def few_shot_indices(labels, candidates, n):
        return np.concatenate([candidates[labels[candidates] == k][:n]
                               for k in range(labels.max() + 1)])
    """,
    reference=_few_shot,
    cases=[
        Case((_L, _C, 1)),
        Case((_L, _C, 2)),
        Case((_L, _C[:8], 3), label="a class with fewer than n candidates"),
    ],
    mistakes=[
        Mistake(_few_shot_sorted, "The right recordings, in the wrong order: keep them class by "
                "class (class 0's first), without sorting."),
        Mistake(_few_shot_first_n, "The first n x n_classes candidates are not n per class: pick "
                "the first n of *each* class."),
        Mistake(_few_shot_lowest, "These are the n lowest indices of each class; take the first n "
                "in the candidates' own (shuffled) order."),
        Mistake(_few_shot_positions, "These are positions in candidates, not recordings: index "
                "candidates with them (candidates[...])."),
    ],
)

q3 = ExplainCheck(
    name="learning_curve_question",
    hints=[
        "What must a network learn from the examples when it starts from random weights, and what "
        "does the pretrained one already know?",
        "As the examples grow, which of the two gains more from each new one?",
    ],
    solution="""
    From scratch, the network must learn what speech looks like in a spectrogram
    and how the digits differ, from the few clips alone: ten clips cannot pin
    down thousands of weights, so it memorises them and is near chance on new
    speakers. The pretrained network already knows the general part and only
    adapts it to real voices, microphones and bandwidth. With more examples the
    scratch model learns the general part from the real data itself, so the gap
    narrows; with 1,000 per class the two should be close, scratch perhaps ahead
    if the synthetic pretraining taught habits that do not fit real speech.
    """,
)


# ---------------------------------------------------------------------------
# q4: a new classifier on the pretrained encoder, from 5 recordings per digit
# ---------------------------------------------------------------------------

#: The FSDD speakers whose recordings q4's function trains on; the other three are its test.
FEW_SHOT_SPEAKERS = ("george", "jackson", "lucas")
#: Recordings per digit that q4's function gets.
FEW_SHOT_PER_CLASS = 5


def _fsdd_few_shot():
    """Exercise 11's data: the encoder's log-mel features of 5 recordings per digit of three FSDD
    speakers (the lesson's ``few_shot(5, seed=0)``) and of every recording of the other three."""
    from .. import datasets, features
    from ..modelfile import read_keras_card
    from ..pretrained import pretrained_path

    card = read_keras_card(pretrained_path("base"))
    fsdd = datasets.load_fsdd(sr=int(card["sr"]), duration=float(card["duration"]), as_words=True,
                              progress=False)
    labels = fsdd.labels
    given = np.isin(fsdd.groups, FEW_SHOT_SPEAKERS)
    order = np.random.default_rng(0).permutation(np.flatnonzero(given))
    train = np.concatenate([order[labels[order] == k][:FEW_SHOT_PER_CLASS]
                            for k in range(fsdd.n_classes)])
    test = np.flatnonzero(~given)
    chosen = np.concatenate([train, test])
    F = features.extract_batch(fsdd.clips[chosen], fsdd.sr, **card["features"])
    return ((F[:len(train)], labels[train]), F[len(train):], labels[test], list(fsdd.class_names))


def _first_kernel(model):
    """The first 4-D weight (a convolution kernel) of a model or its nested models, or None."""
    for weight in model.weights:
        if len(weight.shape) == 4:
            return np.asarray(weight)
    return None


def _encoder_diagnosis(model) -> str | None:
    """Why a fine-tuned model missed the target: no pretrained encoder, or one trained away."""
    from ..finetune import load_pretrained

    pretrained = _first_kernel(load_pretrained("base"))
    kernel = _first_kernel(model)
    if kernel is None or kernel.shape != pretrained.shape:
        return ("The model does not contain the pretrained encoder: build it on "
                "encoder_of(load_pretrained(\"base\")), which reads these features.")
    moved = float(np.linalg.norm(kernel - pretrained) / np.linalg.norm(pretrained))
    if moved > 0.5:
        return ("Its first convolution is not the pretrained one: the encoder was built anew or "
                "trained from random weights. Start from encoder_of(load_pretrained(\"base\")).")
    if moved > 0.05:
        return (f"The encoder's weights moved {moved:.0%} away from the pretrained ones: 50 clips "
                f"and a large learning rate train away what it knew. Freeze it "
                f"(encoder.trainable = False) and train only the new Dense layer.")
    return None


q4 = TrainingCheck(
    name="fine_tune",
    hints=[
        "encoder = encoder_of(load_pretrained(\"base\")) is the network up to its embedding (320 "
        "numbers per clip). Freeze it (encoder.trainable = False) and put a new "
        "keras.layers.Dense(10, activation=\"softmax\") on its output.",
        "inputs = keras.Input(shape=X_train.shape[1:]); x = encoder(inputs, training=False); "
        "outputs = keras.layers.Dense(10, activation=\"softmax\")(x); model = keras.Model(inputs, "
        "outputs).",
        "Only 330 weights learn, so a large learning rate and many epochs are cheap: "
        "model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), "
        "loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"]); "
        "model.fit(X_train, y_train, epochs=100, batch_size=16, verbose=0).",
    ],
    solution="""
    def fine_tune(X_train, y_train):
        encoder = encoder_of(load_pretrained("base"))
        encoder.trainable = False                       # keep what it learned
        inputs = keras.Input(shape=X_train.shape[1:])
        outputs = keras.layers.Dense(10, activation="softmax")(encoder(inputs, training=False))
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(X_train, y_train, epochs=100, batch_size=16, verbose=0)
        return model
    """,
    data=_fsdd_few_shot,
    target=0.70,
    held_out="the 1,500 recordings of 3 FSDD speakers",
    time_limit=60.0,
    seed=0,
    not_learning=TrainingCheck.NOT_TRAINED,
    not_enough=("Keep the pretrained encoder frozen and train only a new Dense layer on its "
                "embedding, for enough epochs (about 100 at a learning rate of 0.01: only 330 "
                "weights learn). With 50 clips, a network trained from scratch stays near chance "
                "on new voices."),
    diagnose=_encoder_diagnosis,
)
