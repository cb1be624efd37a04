"""Lesson 04's checks: the solutions pass, typical mistakes get the message that teaches."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import scipy.fft
import scipy.signal

from audiolab import features
from audiolab.checks import Outcome
from audiolab.checks import lesson04 as checks

# ---------------------------------------------------------------------------
# The solutions, as in solutions/04_features.ipynb
# ---------------------------------------------------------------------------


def apply_filterbank(S_power, fb):
    return fb @ S_power


def mfcc_from_log_mel(S_db, n_mfcc):
    return scipy.fft.dct(S_db, type=2, norm="ortho", axis=0)[:n_mfcc]


def delta(features, N=2):
    T = features.shape[1]
    padded = np.pad(features, ((0, 0), (N, N)), mode="edge")
    numerator = sum(n * (padded[:, N + n : N + n + T] - padded[:, N - n : N - n + T])
                    for n in range(1, N + 1))
    return numerator / (2 * sum(n * n for n in range(1, N + 1)))


def summary_statistics(mfccs):
    return np.concatenate([mfccs.mean(axis=1), mfccs.std(axis=1)])


# Other right answers a learner may write.


def apply_filterbank_einsum(S_power, fb):
    return np.einsum("mf,ft->mt", fb, S_power)


def mfcc_with_audiolab(S_db, n_mfcc):
    return features.mfcc(S=S_db, n_mfcc=n_mfcc)


def mfcc_with_librosa(S_db, n_mfcc):
    return librosa.feature.mfcc(S=S_db, n_mfcc=n_mfcc)


def delta_loop(features, N=2):
    features = np.asarray(features, dtype=float)
    T = features.shape[1]
    out = np.zeros_like(features)
    denominator = 2 * sum(n * n for n in range(1, N + 1))
    for t in range(T):
        for n in range(1, N + 1):
            after = features[:, min(t + n, T - 1)]
            before = features[:, max(t - n, 0)]
            out[:, t] += n * (after - before)
    return out / denominator


def summary_with_hstack(mfccs):
    return np.hstack([np.mean(mfccs, axis=-1), np.std(mfccs, axis=-1)])


@pytest.mark.parametrize(
    "check, solution",
    [
        (checks.q1, apply_filterbank),
        (checks.q1, apply_filterbank_einsum),
        (checks.q2, mfcc_from_log_mel),
        (checks.q2, mfcc_with_audiolab),
        (checks.q2, mfcc_with_librosa),
        (checks.q3, delta),
        (checks.q3, delta_loop),
        (checks.q4, summary_statistics),
        (checks.q4, summary_with_hstack),
    ],
)
def test_solution_passes(check, solution):
    result = check.run(solution)
    assert result.outcome is Outcome.CORRECT, result.message
    assert f"all {len(check.cases)} test cases" in result.message


def test_explain_question_is_not_graded():
    assert checks.q5.run(...).outcome is Outcome.NOT_ATTEMPTED
    assert "compare yours with .solution()" in checks.q5.run("The band is different.").message
    assert "4 kHz" in checks.q5.solution_text and "voices" in checks.q5.solution_text


def test_exception_is_reported_with_its_arguments():
    def apply_filterbank_crash(S_power, fb):
        return fb @ S_power.T  # (2, 3) @ (2, 3): the shapes do not fit

    result = checks.q1.run(apply_filterbank_crash)
    assert result.outcome is Outcome.INCORRECT
    assert "apply_filterbank([[1., 2.]," in result.message
    assert "raised ValueError" in result.message

    def delta_crash(features, N=2):
        return features[:, N] / undefined  # noqa: F821

    result = checks.q3.run(delta_crash)
    assert "delta([[0., 1., 2., 3., 4., 5.]]) raised NameError" in result.message

    result = checks.q4.run(lambda mfccs: np.concatenate(mfccs.mean(axis=1), mfccs.std(axis=1)))
    assert "summary_statistics([[1., 2., 3.]," in result.message and "raised" in result.message


def test_wrong_type_and_shape_are_named():
    result = checks.q4.run(lambda mfccs: float(mfccs.mean()))
    assert "should return a NumPy array" in result.message
    result = checks.q2.run(lambda S_db, n_mfcc: scipy.fft.dct(S_db, norm="ortho", axis=0))
    assert "shape (3, 2)" in result.message and "should be (2, 2)" in result.message


# ---------------------------------------------------------------------------
# Typical mistakes, written the way a learner would, and the message each gets
# ---------------------------------------------------------------------------


def filterbank_transposed(S_power, fb):
    return S_power.T @ fb.T


def filterbank_magnitude(S_power, fb):
    return fb @ np.sqrt(S_power)


def filterbank_squared(S_power, fb):
    return fb @ (S_power * S_power)


def filterbank_db_first(S_power, fb):
    return fb @ librosa.power_to_db(S_power, top_db=None)


def filterbank_averaged(S_power, fb):
    return (fb / fb.sum(axis=1)[:, None]) @ S_power


def mfcc_default_axis(S_db, n_mfcc):
    return scipy.fft.dct(S_db, norm="ortho")[:n_mfcc]


def mfcc_no_ortho(S_db, n_mfcc):
    return scipy.fft.dct(S_db, axis=0)[:n_mfcc]


def mfcc_idct(S_db, n_mfcc):
    return scipy.fft.idct(S_db, norm="ortho", axis=0)[:n_mfcc]


def mfcc_last(S_db, n_mfcc):
    return scipy.fft.dct(S_db, norm="ortho", axis=0)[S_db.shape[0] - n_mfcc :]


def mfcc_frames_first(S_db, n_mfcc):
    return scipy.fft.dct(S_db.T, norm="ortho", axis=1)[:, :n_mfcc]


def mfcc_back_to_power(S_db, n_mfcc):
    return scipy.fft.dct(librosa.db_to_power(S_db), norm="ortho", axis=0)[:n_mfcc]


def delta_zeros(features, N=2):
    T = features.shape[1]
    padded = np.pad(features, ((0, 0), (N, N)))
    numerator = sum(n * (padded[:, N + n : N + n + T] - padded[:, N - n : N - n + T])
                    for n in range(1, N + 1))
    return numerator / (2 * sum(n * n for n in range(1, N + 1)))


def delta_no_two(features, N=2):
    T = features.shape[1]
    padded = np.pad(features, ((0, 0), (N, N)), mode="edge")
    numerator = sum(n * (padded[:, N + n : N + n + T] - padded[:, N - n : N - n + T])
                    for n in range(1, N + 1))
    return numerator / sum(n * n for n in range(1, N + 1))


def delta_across_coefficients(features, N=2):
    return delta(features.T, N).T


def delta_past_minus_future(features, N=2):
    T = features.shape[1]
    padded = np.pad(features, ((0, 0), (N, N)), mode="edge")
    numerator = sum(n * (padded[:, N - n : N - n + T] - padded[:, N + n : N + n + T])
                    for n in range(1, N + 1))
    return numerator / (2 * sum(n * n for n in range(1, N + 1)))


def delta_gradient(features, N=2):
    return np.gradient(features, axis=-1)


def delta_no_padding(features, N=2):
    T = features.shape[1]
    numerator = sum(n * (features[:, N + n : T - N + n] - features[:, N - n : T - N - n])
                    for n in range(1, N + 1))
    return numerator / (2 * sum(n * n for n in range(1, N + 1)))


def summary_swapped(mfccs):
    return np.concatenate([mfccs.std(axis=1), mfccs.mean(axis=1)])


def summary_axis0(mfccs):
    return np.concatenate([mfccs.mean(axis=0), mfccs.std(axis=0)])


def summary_whole_matrix(mfccs):
    return np.array([mfccs.mean(), mfccs.std()])


def summary_ddof(mfccs):
    return np.concatenate([mfccs.mean(axis=1), mfccs.std(axis=1, ddof=1)])


def summary_interleaved(mfccs):
    return np.column_stack([mfccs.mean(axis=1), mfccs.std(axis=1)]).flatten()


def summary_two_rows(mfccs):
    return np.array([mfccs.mean(axis=1), mfccs.std(axis=1)])


def summary_variance(mfccs):
    return np.concatenate([mfccs.mean(axis=1), mfccs.var(axis=1)])


def summary_mean_only(mfccs):
    return mfccs.mean(axis=1)


@pytest.mark.parametrize(
    "check, wrong, fragment, call",
    [
        (checks.q1, filterbank_transposed, "Rows and columns are swapped", "apply_filterbank([[1., 2.],"),
        (checks.q1, filterbank_magnitude, "pools magnitudes", "apply_filterbank("),
        (checks.q1, filterbank_squared, "squaring it again", "apply_filterbank("),
        (checks.q1, filterbank_db_first, "converted to decibels before pooling", "apply_filterbank("),
        (checks.q1, filterbank_averaged, "divided every band by the sum of its weights", "apply_filterbank("),
        (checks.q2, mfcc_default_axis, "The DCT ran along time", "mfcc_from_log_mel([[1., 4.],"),
        (checks.q2, mfcc_no_ortho, "Without norm='ortho'", "mfcc_from_log_mel("),
        (checks.q2, mfcc_idct, "That is the inverse DCT", "mfcc_from_log_mel("),
        (checks.q2, mfcc_last, "You kept the last n_mfcc coefficients", "mfcc_from_log_mel("),
        (checks.q2, mfcc_frames_first, "Rows and columns are swapped", "mfcc_from_log_mel("),
        (checks.q2, mfcc_back_to_power, "*log*-mel spectrum", "mfcc_from_log_mel("),
        (checks.q3, delta_zeros, "you padded with zeros", "delta([[0., 1., 2., 3., 4., 5.]])"),
        (checks.q3, delta_no_two, "twice too large", "delta([[0., 1., 2., 3., 4., 5.]])"),
        (checks.q3, delta_across_coefficients, "across the coefficients of each frame", "delta("),
        (checks.q3, delta_past_minus_future, "The sign is reversed", "delta([[0., 1., 2., 3., 4., 5.]])"),
        (checks.q3, delta_gradient, "np.gradient takes a difference", "delta("),
        (checks.q3, delta_no_padding, "fewer frames than the input", "delta([[0., 1., 2., 3., 4., 5.]])"),
        (checks.q4, summary_swapped, "The standard deviations come first", "summary_statistics([[1., 2., 3.],"),
        (checks.q4, summary_axis0, "over the coefficients of each frame", "summary_statistics("),
        (checks.q4, summary_whole_matrix, "of the whole matrix", "summary_statistics("),
        (checks.q4, summary_ddof, "ddof=1", "summary_statistics("),
        (checks.q4, summary_interleaved, "mean, std, mean, std", "summary_statistics("),
        (checks.q4, summary_two_rows, "not a 2-row array", "summary_statistics("),
        (checks.q4, summary_variance, "variance", "summary_statistics("),
        (checks.q4, summary_mean_only, "Only the means", "summary_statistics("),
    ],
)
def test_mistake_gets_its_message(check, wrong, fragment, call):
    result = check.run(wrong)
    assert result.outcome is Outcome.INCORRECT
    assert fragment in result.message, result.message
    assert call in result.message, result.message


def test_references_agree_with_audiolab_and_librosa():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(8000).astype(np.float32)
    settings = dict(n_fft=512, hop_length=160, win_length=400)
    S_power = np.abs(features.stft(y, **settings)).astype(np.float64) ** 2
    fb = features.mel_filterbank(sr=16000, n_fft=512, n_mels=40).astype(np.float64)
    mel = apply_filterbank(S_power, fb)
    np.testing.assert_allclose(
        mel, features.mel_spectrogram(y=y, sr=16000, n_mels=40, **settings), rtol=1e-4,
        atol=1e-4 * mel.max())
    S_db = features.power_to_db(mel)
    np.testing.assert_allclose(mfcc_from_log_mel(S_db, 13),
                               librosa.feature.mfcc(S=S_db, n_mfcc=13), atol=1e-4)
    # In the interior, the regression formula is librosa's Savitzky-Golay delta.
    M = mfcc_from_log_mel(S_db, 13)
    np.testing.assert_allclose(delta(M, N=4)[:, 4:-4], librosa.feature.delta(M, width=9)[:, 4:-4],
                               atol=1e-8)
    np.testing.assert_allclose(delta(M)[:, 2:-2],
                               scipy.signal.savgol_filter(M, 5, 1, deriv=1, axis=1)[:, 2:-2],
                               atol=1e-8)
