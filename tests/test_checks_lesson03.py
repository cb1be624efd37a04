"""Exercise 03's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab import dsp, features
from audiolab.checks import Outcome
from audiolab.checks import lesson03 as checks

FUNCTION_CHECKS = [checks.q1, checks.q2, checks.q3, checks.q4, checks.q5]


# The solutions as the solution notebook writes them.
def stft_from_frames(frames, window):
    return np.fft.rfft(frames * window[:, np.newaxis], axis=0)


def my_stft(y, n_fft, hop_length):
    padded = np.pad(y, n_fft // 2)
    frames = dsp.frame(padded, frame_length=n_fft, hop_length=hop_length)
    return stft_from_frames(frames, dsp.get_window("hann", n_fft))


def power_to_db(S, top_db=80.0):
    S_db = 10 * np.log10(np.maximum(S, 1e-10))
    return np.maximum(S_db, S_db.max() - top_db)


def hz_to_mel(f):
    return 2595 * np.log10(1 + np.asarray(f) / 700)


def mel_filterbank(sr, n_fft, n_mels):
    frequencies = np.arange(n_fft // 2 + 1) * sr / n_fft
    mels = np.linspace(0, hz_to_mel(sr / 2), n_mels + 2)
    edges = 700 * (10 ** (mels / 2595) - 1)
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (frequencies - left) / (centre - left)
    falling = (right - frequencies) / (right - centre)
    return np.maximum(0, np.minimum(rising, falling))


@pytest.mark.parametrize(
    "check, solution",
    [
        (checks.q1, stft_from_frames),
        (checks.q2, my_stft),
        (checks.q2, lambda y, n, h: features.stft(y, n_fft=n, hop_length=h)),
        (checks.q3, power_to_db),
        (checks.q3, lambda S, top_db=80.0: features.power_to_db(S, top_db=top_db)),
        (checks.q4, hz_to_mel),
        (checks.q4, lambda f: features.hz_to_mel(f, htk=True)),
        (checks.q5, mel_filterbank),
        (checks.q5, lambda sr, n, m: features.mel_filterbank(sr=sr, n_fft=n, n_mels=m,
                                                             htk=True, norm=None)),
    ],
)
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_librosa_equivalents_pass():
    librosa = pytest.importorskip("librosa")
    assert checks.q2.run(lambda y, n, h: librosa.stft(y, n_fft=n, hop_length=h)).correct
    assert checks.q3.run(lambda S, top_db=80.0: librosa.power_to_db(S, top_db=top_db)).correct
    assert checks.q4.run(lambda f: librosa.hz_to_mel(f, htk=True)).correct
    assert checks.q5.run(
        lambda sr, n, m: librosa.filters.mel(sr=sr, n_fft=n, n_mels=m, htk=True, norm=None)
    ).correct


def test_exception_is_reported_with_its_arguments():
    def power_to_db_broken(S, top_db=80.0):
        return 10 * np.log10(S) + top_db[0]

    result = checks.q3.run(power_to_db_broken)
    assert result.outcome is Outcome.INCORRECT
    assert "raised TypeError" in result.message
    assert "power_to_db([  1.,  10., 100.])" in result.message


def test_keyword_arguments_are_passed_and_shown():
    # Ignoring top_db passes the default cases but not top_db=40.
    result = checks.q3.run(lambda S, top_db=80.0: power_to_db(S))
    assert result.outcome is Outcome.INCORRECT
    assert "top_db=40" in result.message


def test_specific_messages():
    assert "window was forgotten" in checks.q1.run(lambda f, w: np.fft.rfft(f, axis=0)).message
    assert "axis=0" in checks.q1.run(lambda f, w: np.fft.rfft(f * w[:, None])).message
    def natural_db(S, top_db=80.0):
        S_db = 10 * np.log(np.maximum(S, 1e-10))
        return np.maximum(S_db, S_db.max() - top_db)

    assert "np.log10" in checks.q3.run(natural_db).message
    assert "20 * log10" in checks.q3.run(lambda S, top_db=80.0: 2 * power_to_db(S, top_db / 2)).message
    shape = checks.q5.run(lambda sr, n, m: mel_filterbank(sr, n, m)[:, :-1]).message
    assert "n_fft // 2 + 1" in shape


def test_explain_question_has_a_model_answer(capsys):
    assert checks.q6.run("").outcome is Outcome.NOT_ATTEMPTED
    checks.q6.solution()
    out = capsys.readouterr().out
    assert "8 ms" in out and "7.8 Hz" in out
