"""Checks for exercise 11, transfer learning.

- ``q1``: ``speaker_split(groups, test_speakers)``, train and test indices with no speaker in both.
- ``q2``: ``few_shot_indices(labels, candidates, n)``, the first n candidates of every class.
- ``q3``: explain the learning curve of fine-tuning against training from scratch.
"""

from __future__ import annotations

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake

__all__ = ["q1", "q2", "q3"]


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
