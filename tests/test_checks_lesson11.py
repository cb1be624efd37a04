"""Exercise 11's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest
from check_results import wrong

from audiolab.checks import Outcome
from audiolab.checks import lesson11 as checks

FUNCTION_CHECKS = [checks.q1, checks.q2]


def speaker_split(groups, test_speakers):
    is_test = np.isin(groups, list(test_speakers))
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def few_shot_indices(labels, candidates, n):
    return np.concatenate([candidates[labels[candidates] == k][:n] for k in range(labels.max() + 1)])


@pytest.mark.parametrize("check, solution", [(checks.q1, speaker_split), (checks.q2, few_shot_indices)])
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


# ---------------------------------------------------------------------------
# q4: the pretrained encoder with a new classifier, 5 FSDD recordings per digit
# ---------------------------------------------------------------------------


def printed_solution(check):
    """The function of a check's model solution, as ``check.solution()`` prints it."""
    from audiolab.finetune import encoder_of, load_pretrained
    from audiolab.models import keras

    namespace = {"encoder_of": encoder_of, "load_pretrained": load_pretrained, "keras": keras}
    exec(check.solution_text, namespace)
    return namespace[check.name]


def cnn_from_scratch(X_train, y_train):
    from audiolab.models import build_cnn

    model = build_cnn(X_train.shape[1:], 10, normalization=X_train)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X_train, y_train, epochs=10, batch_size=16, verbose=0)
    return model


def test_q4_a_blank_does_not_load_fsdd():
    def fine_tune(X_train, y_train):
        raise NotImplementedError("Replace this line with your code")

    before = checks.q4._data
    assert checks.q4.run(fine_tune).outcome is Outcome.NOT_ATTEMPTED
    assert checks.q4._data is before
    assert checks.q4.run(None).outcome is Outcome.NOT_ATTEMPTED


def test_q4_diagnosis_tells_a_missing_a_retrained_and_a_moved_encoder():
    from audiolab.finetune import encoder_of, load_pretrained
    from audiolab.models import build_cnn, keras

    model = encoder_of(load_pretrained("base"))
    assert checks._encoder_diagnosis(model) is None
    assert "does not contain the pretrained encoder" in checks._encoder_diagnosis(
        keras.Sequential([keras.Input((40, 101)), keras.layers.Flatten(), keras.layers.Dense(10)]))
    assert "not the pretrained one" in checks._encoder_diagnosis(build_cnn((40, 101), 10))
    kernel = next(w for w in model.weights if len(w.shape) == 4)
    kernel.assign(kernel.numpy() * 1.2)
    assert "moved 20%" in checks._encoder_diagnosis(model)


@pytest.mark.slow
def test_q4_the_printed_solution_passes_and_a_network_from_scratch_does_not(fsdd, monkeypatch):
    monkeypatch.setenv("AUDIOLAB_FSDD", str(fsdd))
    (X_train, y_train), X_test, y_test, class_names = checks.q4._load()
    assert X_train.shape == (50, 40, 101) and np.all(np.bincount(y_train) == 5)
    assert X_test.shape == (1500, 40, 101) and class_names[0] == "eight"
    result = checks.q4.run(printed_solution(checks.q4))
    assert result.correct, str(result)
    assert checks.q4.accuracy >= checks.q4.target + 0.05
    wrong(checks.q4, cnn_from_scratch, "not the pretrained one")
