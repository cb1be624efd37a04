"""Checks for exercise 05, preparing a dataset.

- ``q1``: ``pad_or_crop(y, length)``, centred zero-padding or cropping to a fixed length.
- ``q2``: ``peak_normalize(y)``, the loudest sample at full scale.
- ``q3``: ``add_noise_at_snr(y, noise, snr_db)``, a mixture at a chosen signal-to-noise ratio.
- ``q4``: ``standardize(train, test)``, statistics from the training split only.
- ``q5``: explain the SNR of spectral gating against its threshold.
"""

from __future__ import annotations

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake

__all__ = ["q1", "q2", "q3", "q4", "q5"]

_rng = np.random.default_rng(50)


# ---------------------------------------------------------------------------
# q1: pad or crop, centred
# ---------------------------------------------------------------------------


def _pad_or_crop(y, length):
    y = np.asarray(y)
    n = len(y)
    if n >= length:
        start = (n - length) // 2
        return y[start : start + length]
    out = np.zeros(length, dtype=y.dtype)
    offset = (length - n) // 2
    out[offset : offset + n] = y
    return out


def _pad_or_crop_ceil(y, length):
    y = np.asarray(y)
    n = len(y)
    slack = abs(n - length)
    offset = (slack + 1) // 2
    if n >= length:
        return y[offset : offset + length]
    out = np.zeros(length, dtype=y.dtype)
    out[offset : offset + n] = y
    return out


def _pad_or_crop_crop_start(y, length):
    y = np.asarray(y)
    if len(y) >= length:
        return y[:length]
    return _pad_or_crop(y, length)


def _pad_or_crop_pad_end(y, length):
    y = np.asarray(y)
    if len(y) >= length:
        return _pad_or_crop(y, length)
    return np.pad(y, (0, length - len(y)))


def _pad_or_crop_double(y, length):
    y = np.asarray(y)
    if len(y) >= length:
        return _pad_or_crop(y, length)
    slack = length - len(y)
    return np.pad(y, (slack, slack))


def _pad_or_crop_resize(y, length):
    return np.resize(np.asarray(y), length)


q1 = FunctionCheck(
    name="pad_or_crop",
    hints=[
        "Two cases. A short clip gets zeros on both sides, half before and half after; a long "
        "clip loses samples on both sides. Either way the clip stays in the middle.",
        "The difference in length is slack = abs(len(y) - length), and the clip (or the "
        "window you keep) starts at offset = slack // 2: when the slack is odd, the extra "
        "sample goes at the end.",
        "Long: start = (len(y) - length) // 2; return y[start:start + length]. Short: out = "
        "np.zeros(length, dtype=y.dtype); offset = (length - len(y)) // 2; out[offset:offset + "
        "len(y)] = y; return out",
    ],
    solution="""
    def pad_or_crop(y, length):
        slack = abs(len(y) - length)
        offset = slack // 2                      # an odd extra sample goes at the end
        if len(y) >= length:                     # too long: keep the middle
            return y[offset:offset + length]
        out = np.zeros(length, dtype=y.dtype)    # too short: zeros on both sides
        out[offset:offset + len(y)] = y
        return out

    # the same as audiolab.preprocess.pad_or_crop(y, length) (mode="center")
    """,
    reference=_pad_or_crop,
    cases=[
        Case((np.array([1.0, 2.0]), 4)),
        Case((np.arange(5.0), 3)),
        Case((np.array([1.0, 2.0, 3.0]), 6)),
        Case((np.arange(6.0), 3)),
        Case((np.array([0.5, -0.5, 0.25]), 3)),
        Case((_rng.standard_normal(12345).astype(np.float32), 16000)),
        Case((_rng.standard_normal(20001).astype(np.float32), 16000)),
    ],
    mistakes=[
        Mistake(
            _pad_or_crop_ceil,
            "Off by one sample: when the difference in length is odd, the extra sample goes "
            "at the end, so the offset is slack // 2 (rounded down), not rounded up.",
        ),
        Mistake(
            _pad_or_crop_pad_end,
            "All the zeros went at the end, so the clip sits at the start. Centre it: half "
            "the zeros before it, half after.",
        ),
        Mistake(
            _pad_or_crop_crop_start,
            "You kept the start of the long clip and cut its end. Crop from the middle: "
            "start at (len(y) - length) // 2.",
        ),
        Mistake(
            _pad_or_crop_double,
            "The result is too long: you padded length - len(y) zeros at each end. That is "
            "the total; split it between the two ends.",
        ),
        Mistake(
            _pad_or_crop_resize,
            "np.resize repeats the clip to fill the length instead of padding with zeros "
            "(silence).",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q2: peak normalisation
# ---------------------------------------------------------------------------


def _peak_normalize(y):
    y = np.asarray(y, dtype=np.float64)
    peak = np.max(np.abs(y))
    if peak == 0:
        return y
    return y / peak


# The wrong versions divide by 0 on a silent clip: quietly, since a learner's
# notebook should show the check's message, not NumPy's warnings.


@np.errstate(all="ignore")
def _peak_no_abs(y):
    y = np.asarray(y, dtype=np.float64)
    return y / np.max(y)


@np.errstate(all="ignore")
def _peak_min_max(y):
    y = np.asarray(y, dtype=np.float64)
    return (y - y.min()) / (y.max() - y.min())


@np.errstate(all="ignore")
def _peak_min_max_symmetric(y):
    y = np.asarray(y, dtype=np.float64)
    return 2 * (y - y.min()) / (y.max() - y.min()) - 1


@np.errstate(all="ignore")
def _peak_rms(y):
    y = np.asarray(y, dtype=np.float64)
    return y / np.sqrt(np.mean(y**2))


@np.errstate(all="ignore")
def _peak_sum(y):
    y = np.asarray(y, dtype=np.float64)
    return y / np.sum(np.abs(y))


q2 = FunctionCheck(
    name="peak_normalize",
    hints=[
        "Scale the whole clip by one number, so that its loudest sample, positive or "
        "negative, becomes 1.0 (or -1.0).",
        "The loudest sample is np.max(np.abs(y)). A silent clip (all zeros) has no peak: "
        "return it unchanged instead of dividing by 0.",
        "peak = np.max(np.abs(y)); return y if peak == 0 else y / peak",
    ],
    solution="""
    def peak_normalize(y):
        peak = np.max(np.abs(y))          # the loudest sample, whatever its sign
        if peak == 0:                     # silence stays silence (no division by 0)
            return y
        return y / peak                   # the peak becomes exactly 1.0

    # the same as audiolab.preprocess.normalize(y, kind="peak")
    """,
    reference=_peak_normalize,
    cases=[
        Case((np.array([0.1, -0.2, 0.05]),)),
        Case((np.array([0.5, 0.25, -0.1]),)),
        Case((np.array([0.0, 0.0, 0.0]),)),
        Case((0.3 * np.sin(np.arange(1000) / 7) + 0.01 * _rng.standard_normal(1000),)),
    ],
    mistakes=[
        Mistake(
            _peak_no_abs,
            "You divided by the largest value, but the loudest sample can be negative: "
            "divide by the largest absolute value, np.max(np.abs(y)).",
        ),
        Mistake(
            _peak_min_max,
            "That rescales to [0, 1] and shifts the whole waveform up (a DC offset that "
            "is not in the sound). Only scale: divide by the peak.",
        ),
        Mistake(
            _peak_min_max_symmetric,
            "That stretches the waveform to span [-1, 1] and shifts it: only scale it, by "
            "dividing by its largest absolute value.",
        ),
        Mistake(
            _peak_rms,
            "That is RMS normalisation (dividing by the root-mean-square level). Peak "
            "normalisation divides by the largest absolute sample.",
        ),
        Mistake(
            _peak_sum,
            "You divided by the sum of the absolute values. Divide by the largest absolute "
            "sample.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q3: noise at a chosen SNR
# ---------------------------------------------------------------------------


def _mean_power(x):
    return np.mean(np.asarray(x, dtype=np.float64) ** 2)


def _add_noise(y, noise, snr_db):
    scale = np.sqrt(_mean_power(y) / (_mean_power(noise) * 10 ** (snr_db / 10)))
    return y + scale * noise


def _add_noise_amplitude(y, noise, snr_db):
    ratio = np.sqrt(_mean_power(y)) / np.sqrt(_mean_power(noise))
    return y + ratio / 10 ** (snr_db / 10) * noise


def _add_noise_no_sqrt(y, noise, snr_db):
    scale = _mean_power(y) / (_mean_power(noise) * 10 ** (snr_db / 10))
    return y + scale * noise


def _add_noise_mean_abs(y, noise, snr_db):
    ratio = np.mean(np.abs(y)) / np.mean(np.abs(noise))
    return y + ratio / 10 ** (snr_db / 20) * noise


def _add_noise_peak(y, noise, snr_db):
    ratio = np.max(np.abs(y)) / np.max(np.abs(noise))
    return y + ratio / 10 ** (snr_db / 20) * noise


def _add_noise_reversed(y, noise, snr_db):
    return _add_noise(y, noise, -snr_db)


def _add_noise_noise_only(y, noise, snr_db):
    return _add_noise(y, noise, snr_db) - y


q3 = FunctionCheck(
    name="add_noise_at_snr",
    hints=[
        "The SNR compares *powers*: SNR = 10 * log10(P_signal / P_noise), where the power "
        "P is the mean of the squared samples. Scaling the noise by a factor g multiplies "
        "its power by g².",
        "You want P_y / (g² * P_noise) = 10 ** (snr_db / 10). Solve for g, then add g * noise "
        "to y.",
        "g = np.sqrt(np.mean(y ** 2) / (np.mean(noise ** 2) * 10 ** (snr_db / 10))); "
        "return y + g * noise",
    ],
    solution="""
    def add_noise_at_snr(y, noise, snr_db):
        p_signal = np.mean(y ** 2)                       # power = mean of squares
        p_noise = np.mean(noise ** 2)
        wanted = p_signal / 10 ** (snr_db / 10)          # the noise power we want
        return y + np.sqrt(wanted / p_noise) * noise     # amplitude: the square root

    # the same as audiolab.augment.add_noise(y, snr_db=snr_db, noise=noise) when the
    # noise is as long as y
    """,
    reference=_add_noise,
    cases=[
        Case((np.array([1.0, -1.0, 1.0, -1.0]), np.array([1.0, 1.0, -1.0, -1.0]), 0.0)),
        Case((np.array([1.0, -1.0, 1.0, -1.0]), np.array([0.5, 0.5, -0.5, -0.5]), 20.0)),
        Case((np.array([0.5, -0.2, 0.8, 0.0, -0.6]), np.array([0.3, -0.1, 0.2, 0.4, -0.3]), 10.0)),
        Case((0.5 * np.sin(np.arange(2000) / 5), _rng.standard_normal(2000), 5.0)),
        Case((0.1 * np.sin(np.arange(800) / 3), 0.2 * _rng.standard_normal(800), -5.0)),
    ],
    mistakes=[
        Mistake(
            _add_noise_amplitude,
            "You applied the power ratio 10 ** (snr_db / 10) to amplitudes (RMS levels). An "
            "amplitude ratio is the square root of the power ratio: use 10 ** (snr_db / 20) "
            "for amplitudes, or take the square root of the power ratio.",
        ),
        Mistake(
            _add_noise_no_sqrt,
            "You scaled the noise's samples by a ratio of powers. Samples are amplitudes: "
            "scale them by the square root of the power ratio.",
        ),
        Mistake(
            _add_noise_mean_abs,
            "You compared mean absolute values. The SNR compares powers, the means of the "
            "squared samples (np.mean(y ** 2)); for different kinds of signal the two differ.",
        ),
        Mistake(
            _add_noise_peak,
            "You compared peaks. The SNR compares average powers (the means of the squared "
            "samples), not the loudest samples.",
        ),
        Mistake(
            _add_noise_reversed,
            "The noise gets louder as snr_db rises: the sign is reversed. A high SNR means "
            "little noise, so divide by 10 ** (snr_db / 10), do not multiply.",
        ),
        Mistake(
            _add_noise_noise_only,
            "You returned the scaled noise alone: return the mixture, y plus the scaled "
            "noise.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q4: standardise with the training statistics
# ---------------------------------------------------------------------------


def _standardize(train, test):
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    return (train - mean) / std, (test - mean) / std


def _standardize_own_statistics(train, test):
    return (
        (train - train.mean(axis=0)) / train.std(axis=0),
        (test - test.mean(axis=0)) / test.std(axis=0),
    )


def _standardize_pooled(train, test):
    both = np.concatenate([train, test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    return (train - mean) / std, (test - mean) / std


def _standardize_per_example(train, test):
    def per_row(X):
        return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)

    return per_row(train), per_row(test)


def _standardize_global(train, test):
    mean, std = train.mean(), train.std()
    return (train - mean) / std, (test - mean) / std


def _standardize_ddof(train, test):
    mean = train.mean(axis=0)
    std = train.std(axis=0, ddof=1)
    return (train - mean) / std, (test - mean) / std


def _standardize_centre_only(train, test):
    mean = train.mean(axis=0)
    return train - mean, test - mean


def _standardize_test_only(train, test):
    return _standardize(train, test)[1]


_shifted_train = _rng.normal(3.0, 2.0, size=(50, 6))
_shifted_test = _rng.normal(5.0, 1.0, size=(20, 6))

q4 = FunctionCheck(
    name="standardize",
    hints=[
        "Measure one mean and one standard deviation per feature (per column) on the "
        "training examples only, then apply the same two numbers to both splits.",
        "Examples are rows: train.mean(axis=0) and train.std(axis=0) give one value per "
        "feature. The test split must not influence them, not even a little.",
        "mean, std = train.mean(axis=0), train.std(axis=0); "
        "return (train - mean) / std, (test - mean) / std",
    ],
    solution="""
    def standardize(train, test):
        mean = train.mean(axis=0)     # one per feature, from the training split only
        std = train.std(axis=0)
        return (train - mean) / std, (test - mean) / std   # the same numbers for both

    # the same as audiolab.preprocess.Standardizer(axis=1).fit(train), then
    # .transform(train) and .transform(test); or sklearn's StandardScaler
    """,
    reference=_standardize,
    cases=[
        Case((np.array([[1.0, 10.0], [3.0, 30.0]]), np.array([[2.0, 20.0], [5.0, 0.0]]))),
        Case((np.array([[0.0, 1.0, 2.0], [2.0, 3.0, 2.5], [4.0, 8.0, 3.0]]),
              np.array([[1.0, 1.0, 1.0], [6.0, 2.0, 0.0]]))),
        Case((_shifted_train, _shifted_test)),
        Case((_rng.normal(0.0, 5.0, size=(200, 78)), _rng.normal(1.0, 4.0, size=(60, 78)))),
    ],
    mistakes=[
        Mistake(
            _standardize_own_statistics,
            "The test split was standardised with its own mean and standard deviation: that "
            "is leakage. The test set stands for recordings the model has never seen, so "
            "use the training statistics for both splits.",
        ),
        Mistake(
            _standardize_pooled,
            "Your statistics come from the training and test splits together: the test "
            "split leaks into the preprocessing. Fit on the training split only.",
        ),
        Mistake(
            _standardize_per_example,
            "You standardised each example (each row) on its own. Standardise each feature "
            "(each column): statistics with axis=0.",
        ),
        Mistake(
            _standardize_global,
            "You used one mean and one standard deviation for all features together. Each "
            "feature gets its own: reduce along axis 0 only.",
        ),
        Mistake(
            _standardize_ddof,
            "That is the sample standard deviation (ddof=1). Use NumPy's default, ddof=0, as "
            "scikit-learn's StandardScaler and audiolab's Standardizer do.",
        ),
        Mistake(
            _standardize_centre_only,
            "The means are removed, but the features still have their own scales: divide by "
            "the standard deviation too.",
        ),
        Mistake(
            _standardize_test_only,
            "Return both splits, standardised: (train_standardized, test_standardized).",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q5: explain what you see
# ---------------------------------------------------------------------------

q5 = ExplainCheck(
    name="gate_threshold_question",
    hints=[
        "The gate keeps a time-frequency cell if it is louder than the noise's mean level "
        "plus n_std_thresh standard deviations. What happens to noise cells, and to quiet "
        "speech cells, as the threshold rises?",
        "The SNR after gating counts everything that differs from the clean word as noise: "
        "the noise that is left, and the speech that was removed.",
    ],
    solution="""
    The SNR after gating counts as "noise" everything that differs from the clean
    word: the noise that gets through the gate, and the speech that the gate removes.

    At a threshold of 0 the gate removes only the noise cells below the noise's
    average level in dB, the quietest ones, which hold little of its power: the SNR
    barely improves. Raising the threshold removes more and more noise cells (noise
    fluctuates, so it takes a margin of one or two standard deviations to catch most
    of it): the curve climbs. But speech has quiet parts too, the "s", the start and
    end of the word, the weak upper harmonics, no louder than the noise. Beyond about
    2 standard deviations the gate cuts them: the distortion grows faster than the
    noise shrinks, and the curve turns down.

    The noisier the clip, the more noise there is to remove: about 9 dB gained at
    0 dB SNR, about 4 dB at 30 dB. With little noise, the speech lost weighs more: at
    20 or 30 dB and a threshold of 4, the gated clip is worse than the noisy one.

    Noise reduction never gives the clean signal back: it trades noise for
    distortion, and its best setting depends on the noise. For a classifier that
    distortion can cost more than the noise did, and the gate must be applied the
    same way everywhere the model is used. Measure the accuracy with and without it;
    often training with noisy examples (lesson 06) works better.
    """,
)
