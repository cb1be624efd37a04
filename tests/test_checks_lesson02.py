"""Exercise 02's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab import dsp
from audiolab.checks import Outcome
from audiolab.checks import lesson02 as checks

FUNCTION_CHECKS = [checks.q1, checks.q2, checks.q3, checks.q4]


# The solutions as the solution notebook writes them.
def n_frames(n_samples, frame_length, hop_length):
    return 1 + (n_samples - frame_length) // hop_length


def frame_signal(y, frame_length, hop_length):
    count = n_frames(len(y), frame_length, hop_length)
    return np.stack([y[t * hop_length : t * hop_length + frame_length] for t in range(count)], axis=1)


def hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def apply_window(frames, window):
    return frames * window[:, np.newaxis]


@pytest.mark.parametrize(
    "check, solution",
    [
        (checks.q1, n_frames),
        (checks.q2, frame_signal),
        (checks.q2, lambda y, L, h: dsp.frame(y, frame_length=L, hop_length=h)),
        (checks.q3, hann),
        (checks.q3, lambda n: dsp.get_window("hann", n)),
        (checks.q4, apply_window),
    ],
)
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_library_equivalents_pass():
    librosa = pytest.importorskip("librosa")
    scipy_signal = pytest.importorskip("scipy.signal")
    assert checks.q2.run(lambda y, L, h: librosa.util.frame(y, frame_length=L, hop_length=h)).correct
    assert checks.q3.run(lambda n: scipy_signal.get_window("hann", n)).correct


def test_exception_is_reported_with_its_arguments():
    def frame_signal_broken(y, frame_length, hop_length):
        return y.reshape(frame_length, -1)

    result = checks.q2.run(frame_signal_broken)
    assert result.outcome is Outcome.INCORRECT
    assert "raised ValueError" in result.message
    assert "frame_signal(<array shape=(10,) dtype=float64>, 4, 3)" in result.message


def test_specific_messages():
    assert "add 1" in checks.q1.run(lambda n, L, h: (n - L) // h).message
    assert "rows" in checks.q2.run(lambda y, L, h: frame_signal(y, L, h).T).message
    assert "np.hanning" in checks.q3.run(np.hanning).message
    result = checks.q4.run(lambda frames, window: frames)
    assert "window was not applied" in result.message


def test_wrong_answer_of_unknown_kind_still_says_what_differs():
    result = checks.q3.run(lambda n: np.ones(n))
    assert result.outcome is Outcome.INCORRECT
    assert "hann(4)" in result.message and "values are off" in result.message


def test_explain_question_has_a_model_answer(capsys):
    assert checks.q5.run(...).outcome is Outcome.NOT_ATTEMPTED
    checks.q5.solution()
    out = capsys.readouterr().out
    assert "side lobes" in out and "main lobe" in out
