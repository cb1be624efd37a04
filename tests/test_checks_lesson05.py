"""Lesson 05's checks: the solutions pass, typical mistakes get the message that teaches."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab import augment, preprocess
from audiolab.checks import Outcome
from audiolab.checks import lesson05 as checks

# ---------------------------------------------------------------------------
# The solutions, as in solutions/05_preparing_data.ipynb
# ---------------------------------------------------------------------------


def pad_or_crop(y, length):
    slack = abs(len(y) - length)
    offset = slack // 2
    if len(y) >= length:
        return y[offset : offset + length]
    out = np.zeros(length, dtype=y.dtype)
    out[offset : offset + len(y)] = y
    return out


def peak_normalize(y):
    peak = np.max(np.abs(y))
    if peak == 0:
        return y
    return y / peak


def add_noise_at_snr(y, noise, snr_db):
    p_signal = np.mean(y**2)
    p_noise = np.mean(noise**2)
    wanted = p_signal / 10 ** (snr_db / 10)
    return y + np.sqrt(wanted / p_noise) * noise


def standardize(train, test):
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    return (train - mean) / std, (test - mean) / std


# Other right answers a learner may write.


def pad_or_crop_with_np_pad(y, length):
    if len(y) > length:
        start = (len(y) - length) // 2
        return y[start : start + length]
    before = (length - len(y)) // 2
    return np.pad(y, (before, length - len(y) - before))


def pad_or_crop_audiolab(y, length):
    return preprocess.pad_or_crop(y, length)


def peak_normalize_audiolab(y):
    return preprocess.normalize(y, kind="peak")


def add_noise_rms_20(y, noise, snr_db):
    rms_y = np.sqrt(np.mean(y**2))
    rms_n = np.sqrt(np.mean(noise**2))
    return y + noise * rms_y / rms_n / 10 ** (snr_db / 20)


def standardize_audiolab(train, test):
    scaler = preprocess.Standardizer(axis=1, eps=1e-12).fit(train)
    return scaler.transform(train), scaler.transform(test)


@pytest.mark.parametrize(
    "check, solution",
    [
        (checks.q1, pad_or_crop),
        (checks.q1, pad_or_crop_with_np_pad),
        (checks.q1, pad_or_crop_audiolab),
        (checks.q2, peak_normalize),
        (checks.q2, peak_normalize_audiolab),
        (checks.q3, add_noise_at_snr),
        (checks.q3, add_noise_rms_20),
        (checks.q4, standardize),
        (checks.q4, standardize_audiolab),
    ],
)
def test_solution_passes(check, solution):
    result = check.run(solution)
    assert result.outcome is Outcome.CORRECT, result.message
    assert f"all {len(check.cases)} test cases" in result.message


def test_add_noise_solution_reaches_the_snr():
    rng = np.random.default_rng(1)
    y = np.sin(np.arange(4000) / 9)
    noise = rng.standard_normal(4000)
    for target in (-5.0, 0.0, 10.0, 30.0):
        mixture = add_noise_at_snr(y, noise, target)
        assert augment.snr_db(y, mixture - y) == pytest.approx(target)


def test_explain_question_is_not_graded():
    assert checks.q5.run(...).outcome is Outcome.NOT_ATTEMPTED
    assert "compare yours with .solution()" in checks.q5.run("It removes speech.").message
    assert "distortion" in checks.q5.solution_text


def test_exception_is_reported_with_its_arguments():
    def pad_crash(y, length):
        out = np.zeros(length)
        out[1 : 1 + len(y) + 5] = y  # shapes do not match
        return out

    result = checks.q1.run(pad_crash)
    assert result.outcome is Outcome.INCORRECT
    assert "pad_or_crop([1., 2.], 4) raised ValueError" in result.message

    def standardize_crash(train, test):
        return train / train.std(axis=0), test / undefined  # noqa: F821

    result = checks.q4.run(standardize_crash)
    assert "standardize([[ 1., 10.]," in result.message and "raised NameError" in result.message


def test_silence_and_wrong_types_are_named():
    def peak_no_guard(y):
        with np.errstate(invalid="ignore"):
            return y / np.max(np.abs(y))

    result = checks.q2.run(peak_no_guard)
    assert "peak_normalize([0., 0., 0.]) returned NaN" in result.message
    result = checks.q4.run(lambda train, test: [train.mean(), test.mean()])
    assert "value 1 of 2" in result.message


# ---------------------------------------------------------------------------
# Typical mistakes, written the way a learner would, and the message each gets
# ---------------------------------------------------------------------------


def pad_end(y, length):
    if len(y) >= length:
        return y[:length]
    return np.concatenate([y, np.zeros(length - len(y))])


def pad_rounding_up(y, length):
    slack = abs(len(y) - length)
    offset = int(np.ceil(slack / 2))
    if len(y) >= length:
        return y[offset : offset + length]
    out = np.zeros(length)
    out[offset : offset + len(y)] = y
    return out


def pad_centre_crop_start(y, length):
    if len(y) >= length:
        return y[:length]
    before = (length - len(y)) // 2
    return np.pad(y, (before, length - len(y) - before))


def pad_end_crop_centre(y, length):
    if len(y) >= length:
        start = (len(y) - length) // 2
        return y[start : start + length]
    return np.pad(y, (0, length - len(y)))


def pad_both_full(y, length):
    if len(y) >= length:
        start = (len(y) - length) // 2
        return y[start : start + length]
    return np.pad(y, length - len(y))


def pad_resize(y, length):
    return np.resize(y, length)


def peak_max(y):
    return y / y.max()


def peak_min_max(y):
    return (y - np.min(y)) / (np.max(y) - np.min(y))


def peak_stretch(y):
    return (y - y.min()) / (y.max() - y.min()) * 2 - 1


def peak_rms(y):
    return y / np.sqrt(np.mean(y**2))


def peak_sum(y):
    return y / np.abs(y).sum()


def noise_amplitude(y, noise, snr_db):
    rms_y, rms_n = np.sqrt(np.mean(y**2)), np.sqrt(np.mean(noise**2))
    return y + noise * (rms_y / rms_n) / 10 ** (snr_db / 10)


def noise_no_sqrt(y, noise, snr_db):
    p_y, p_n = np.mean(y**2), np.mean(noise**2)
    return y + noise * p_y / p_n / 10 ** (snr_db / 10)


def noise_mean_abs(y, noise, snr_db):
    return y + noise * np.mean(np.abs(y)) / np.mean(np.abs(noise)) / 10 ** (snr_db / 20)


def noise_peak(y, noise, snr_db):
    return y + noise * np.abs(y).max() / np.abs(noise).max() / 10 ** (snr_db / 20)


def noise_reversed(y, noise, snr_db):
    p_y, p_n = np.mean(y**2), np.mean(noise**2)
    return y + noise * np.sqrt(p_y / p_n * 10 ** (snr_db / 10))


def noise_only(y, noise, snr_db):
    p_y, p_n = np.mean(y**2), np.mean(noise**2)
    return noise * np.sqrt(p_y / (p_n * 10 ** (snr_db / 10)))


def standardize_each_with_its_own(train, test):
    return ((train - train.mean(0)) / train.std(0), (test - test.mean(0)) / test.std(0))


def standardize_all_data(train, test):
    everything = np.vstack([train, test])
    mean, std = everything.mean(0), everything.std(0)
    return (train - mean) / std, (test - mean) / std


def standardize_rows(train, test):
    return tuple((X - X.mean(1)[:, None]) / X.std(1)[:, None] for X in (train, test))


def standardize_one_number(train, test):
    return (train - train.mean()) / train.std(), (test - train.mean()) / train.std()


def standardize_ddof(train, test):
    mean, std = train.mean(0), train.std(0, ddof=1)
    return (train - mean) / std, (test - mean) / std


def standardize_centre(train, test):
    return train - train.mean(0), test - train.mean(0)


def standardize_returns_test(train, test):
    return (test - train.mean(0)) / train.std(0)


@pytest.mark.parametrize(
    "check, wrong, fragment, call",
    [
        (checks.q1, pad_end, "All the zeros went at the end", "pad_or_crop([1., 2.], 4)"),
        (checks.q1, pad_rounding_up, "Off by one sample", "pad_or_crop([1., 2., 3.], 6)"),
        (checks.q1, pad_centre_crop_start, "kept the start of the long clip", "pad_or_crop([0., 1., 2., 3., 4.], 3)"),
        (checks.q1, pad_end_crop_centre, "All the zeros went at the end", "pad_or_crop([1., 2.], 4)"),
        (checks.q1, pad_both_full, "zeros at each end", "pad_or_crop([1., 2.], 4)"),
        (checks.q1, pad_resize, "np.resize repeats the clip", "pad_or_crop([1., 2.], 4)"),
        (checks.q2, peak_max, "can be negative", "peak_normalize([ 0.1 , -0.2 ,  0.05])"),
        (checks.q2, peak_min_max, "rescales to [0, 1]", "peak_normalize([ 0.1 , -0.2 ,  0.05])"),
        (checks.q2, peak_stretch, "span [-1, 1]", "peak_normalize([ 0.1 , -0.2 ,  0.05])"),
        (checks.q2, peak_rms, "RMS normalisation", "peak_normalize([ 0.1 , -0.2 ,  0.05])"),
        (checks.q2, peak_sum, "sum of the absolute values", "peak_normalize([ 0.1 , -0.2 ,  0.05])"),
        (checks.q3, noise_amplitude, "applied the power ratio", "add_noise_at_snr([ 1., -1.,  1., -1.], [ 0.5,  0.5, -0.5, -0.5], 20"),
        (checks.q3, noise_no_sqrt, "by a ratio of powers", "add_noise_at_snr([ 1., -1.,  1., -1.], [ 0.5,  0.5, -0.5, -0.5], 20"),
        (checks.q3, noise_mean_abs, "mean absolute values", "add_noise_at_snr("),
        (checks.q3, noise_peak, "You compared peaks", "add_noise_at_snr("),
        (checks.q3, noise_reversed, "the sign is reversed", "add_noise_at_snr("),
        (checks.q3, noise_only, "the scaled noise alone", "add_noise_at_snr([ 1., -1.,  1., -1.], [ 1.,  1., -1., -1.], 0"),
        (checks.q4, standardize_each_with_its_own, "that is leakage", "standardize([[ 1., 10.],"),
        (checks.q4, standardize_all_data, "training and test splits together", "standardize([[ 1., 10.],"),
        (checks.q4, standardize_rows, "each example (each row)", "standardize("),
        (checks.q4, standardize_one_number, "one mean and one standard deviation for all features", "standardize("),
        (checks.q4, standardize_ddof, "ddof=1", "standardize("),
        (checks.q4, standardize_centre, "divide by the standard deviation too", "standardize("),
        (checks.q4, standardize_returns_test, "Return both splits", "standardize("),
    ],
)
def test_mistake_gets_its_message(check, wrong, fragment, call):
    result = check.run(wrong)
    assert result.outcome is Outcome.INCORRECT
    assert fragment in result.message, result.message
    assert call in result.message, result.message


def test_references_agree_with_audiolab():
    rng = np.random.default_rng(2)
    for n, length in ((12345, 16000), (20001, 16000), (7, 8), (9, 4)):
        y = rng.standard_normal(n).astype(np.float32)
        np.testing.assert_array_equal(pad_or_crop(y, length), preprocess.pad_or_crop(y, length))
    y = rng.standard_normal(3000)
    noise = rng.standard_normal(3000)
    np.testing.assert_allclose(add_noise_at_snr(y, noise, 7.0),
                               augment.add_noise(y, snr_db=7.0, noise=noise, rng=0), atol=1e-5)
    train, test = rng.normal(2, 3, (40, 5)), rng.normal(0, 1, (10, 5))
    scaler = preprocess.Standardizer(axis=1).fit(train)
    np.testing.assert_allclose(standardize(train, test)[1], scaler.transform(test), atol=1e-5)
