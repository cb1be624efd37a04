"""Checks for exercise 04, MFCC, chroma and classic features.

- ``q1``: ``apply_filterbank(S_power, fb)``, pool a power spectrogram into mel bands.
- ``q2``: ``mfcc_from_log_mel(S_db, n_mfcc)``, the DCT-II (orthonormal) along the mel axis.
- ``q3``: ``delta(features, N=2)``, the regression formula of HTK, edges repeated.
- ``q4``: ``summary_statistics(mfccs)``, mean and standard deviation over time.
- ``q5``: explain why the baseline does worse on real recordings.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from .core import Case, ExplainCheck, FunctionCheck, Mistake

__all__ = ["q1", "q2", "q3", "q4", "q5"]

_rng = np.random.default_rng(40)


def _filterbank(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    from ..features import mel_filterbank

    return mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels).astype(np.float64)


# ---------------------------------------------------------------------------
# q1: the mel filterbank applied to a power spectrogram
# ---------------------------------------------------------------------------


def _apply_filterbank(S_power, fb):
    return fb @ S_power


def _apply_filterbank_transposed(S_power, fb):
    return (fb @ S_power).T


def _apply_filterbank_magnitude(S_power, fb):
    return fb @ np.sqrt(S_power)


def _apply_filterbank_squared(S_power, fb):
    return fb @ S_power**2


def _apply_filterbank_db_first(S_power, fb):
    return fb @ (10 * np.log10(np.maximum(S_power, 1e-10)))


def _apply_filterbank_averaged(S_power, fb):
    return (fb @ S_power) / fb.sum(axis=1, keepdims=True)


_power = np.abs(_rng.standard_normal((257, 12))) ** 2

q1 = FunctionCheck(
    name="apply_filterbank",
    hints=[
        "Each mel band is a weighted sum of the FFT bins of one frame, with the weights of "
        "one row of fb. Doing that for every band and every frame is one matrix product.",
        "fb has shape (n_mels, n_freq) and S_power (n_freq, n_frames): which order of the "
        "product gives (n_mels, n_frames)?",
        "return fb @ S_power",
    ],
    solution="""
    def apply_filterbank(S_power, fb):
        # (n_mels, n_freq) @ (n_freq, n_frames) -> (n_mels, n_frames):
        # every band is a weighted sum of the bins' power, frame by frame
        return fb @ S_power

    # the same as audiolab.features.mel_spectrogram(S=S_power, ...) and
    # librosa.feature.melspectrogram(S=S_power, ...) with the same filterbank
    """,
    reference=_apply_filterbank,
    cases=[
        Case((np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]]),
              np.array([[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]]))),
        Case((np.abs(_rng.standard_normal((9, 4))) ** 2, _filterbank(8000, 16, 3))),
        Case((_power, _filterbank(16000, 512, 40))),
    ],
    mistakes=[
        Mistake(
            _apply_filterbank_transposed,
            "Rows and columns are swapped: the result has one row per mel band and one "
            "column per frame, shape (n_mels, n_frames), like the spectrogram it came from.",
        ),
        Mistake(
            _apply_filterbank_magnitude,
            "You took the square root first, which pools magnitudes. The filterbank adds up "
            "the power of the bins: use S_power as it is.",
        ),
        Mistake(
            _apply_filterbank_squared,
            "S_power is already a power (the squared magnitude): squaring it again gives the "
            "fourth power of the magnitude. Use it as it is.",
        ),
        Mistake(
            _apply_filterbank_db_first,
            "You converted to decibels before pooling. Pool the power first, then take the "
            "log of the mel spectrogram: a sum of logs is the log of a product, not of a sum.",
        ),
        Mistake(
            _apply_filterbank_averaged,
            "You divided every band by the sum of its weights. The filterbank's weights are "
            "already normalised (norm='slaney'): just multiply.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q2: the DCT of the log-mel spectrogram
# ---------------------------------------------------------------------------


def _mfcc(S_db, n_mfcc):
    return scipy.fft.dct(S_db, type=2, norm="ortho", axis=0)[:n_mfcc]


def _mfcc_time_axis(S_db, n_mfcc):
    return scipy.fft.dct(S_db, type=2, norm="ortho", axis=-1)[:n_mfcc]


def _mfcc_no_ortho(S_db, n_mfcc):
    return scipy.fft.dct(S_db, type=2, axis=0)[:n_mfcc]


def _mfcc_inverse(S_db, n_mfcc):
    return scipy.fft.idct(S_db, type=2, norm="ortho", axis=0)[:n_mfcc]


def _mfcc_last(S_db, n_mfcc):
    return scipy.fft.dct(S_db, type=2, norm="ortho", axis=0)[-n_mfcc:]


def _mfcc_transposed(S_db, n_mfcc):
    return _mfcc(S_db, n_mfcc).T


def _mfcc_unlogged(S_db, n_mfcc):
    return _mfcc(10.0 ** (np.asarray(S_db) / 10.0), n_mfcc)


def _log_mel_of_tones() -> np.ndarray:
    """A real log-mel spectrogram: two tones and a little noise, 40 bands, 25 frames."""
    from ..features import SPEECH_DEFAULTS, mel_spectrogram, power_to_db

    sr = 16000
    t = np.arange(int(0.25 * sr)) / sr
    y = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1800 * t)
    y = (y + 0.01 * np.random.default_rng(41).standard_normal(len(t))).astype(np.float32)
    settings = {k: SPEECH_DEFAULTS[k] for k in ("n_fft", "hop_length", "win_length", "n_mels", "fmin")}
    S = mel_spectrogram(y=y, sr=sr, **settings)
    return power_to_db(S).astype(np.float64)


q2 = FunctionCheck(
    name="mfcc_from_log_mel",
    hints=[
        "MFCCs are the discrete cosine transform (DCT) of each frame's log-mel spectrum: a "
        "column of S_db. Keep the first n_mfcc coefficients.",
        "scipy.fft.dct does it. Tell it the type (2), the normalisation (norm='ortho', as "
        "librosa does) and the axis that runs along the mel bands: the rows, axis=0.",
        "return scipy.fft.dct(S_db, type=2, norm='ortho', axis=0)[:n_mfcc]",
    ],
    solution="""
    def mfcc_from_log_mel(S_db, n_mfcc):
        # DCT-II, orthonormal, down each column (along the mel bands), first n_mfcc rows
        return scipy.fft.dct(S_db, type=2, norm="ortho", axis=0)[:n_mfcc]

    # the same as audiolab.features.mfcc(S=S_db, n_mfcc=n_mfcc)
    # and librosa.feature.mfcc(S=S_db, n_mfcc=n_mfcc)
    """,
    reference=_mfcc,
    cases=[
        Case((np.array([[1.0, 4.0], [2.0, 0.0], [5.0, 1.0]]), 2)),
        Case((np.array([[1.0, 4.0, -2.0], [2.0, 0.0, 3.0], [5.0, 1.0, 1.0],
                        [3.0, -1.0, 0.5]]), 3)),
        Case((-60.0 + 20.0 * _rng.random((40, 10)), 13)),
        Case((_log_mel_of_tones(), 20)),
        Case((-50.0 + 30.0 * _rng.random((128, 5)), 40)),
    ],
    mistakes=[
        Mistake(
            _mfcc_time_axis,
            "The DCT ran along time (along each row) instead of along the mel bands of each "
            "frame (down each column): pass axis=0. scipy.fft.dct's default is the last axis.",
        ),
        Mistake(
            _mfcc_no_ortho,
            "Without norm='ortho' SciPy's DCT-II is not normalised, so every coefficient is "
            "too large by a factor of about sqrt(2 * n_mels). Pass norm='ortho', as librosa "
            "does.",
        ),
        Mistake(
            _mfcc_inverse,
            "That is the inverse DCT (idct, a DCT of type 3). MFCCs use the forward DCT of "
            "type 2: scipy.fft.dct.",
        ),
        Mistake(
            _mfcc_last,
            "You kept the last n_mfcc coefficients. Keep the first ones: the slowly varying "
            "cosines describe the spectral envelope; the last ones, fine ripples.",
        ),
        Mistake(
            _mfcc_transposed,
            "Rows and columns are swapped: one row per coefficient and one column per frame, "
            "shape (n_mfcc, n_frames).",
        ),
        Mistake(
            _mfcc_unlogged,
            "You undid the decibels (back to power) before the DCT. MFCCs are the DCT of the "
            "*log*-mel spectrum: transform S_db as it is.",
        ),
    ],
    rtol=1e-6,
    atol=1e-6,
)


# ---------------------------------------------------------------------------
# q3: deltas
# ---------------------------------------------------------------------------


def _delta(features, N=2):
    features = np.asarray(features, dtype=np.float64)
    n_frames = features.shape[1]
    padded = np.pad(features, ((0, 0), (N, N)), mode="edge")
    numerator = np.zeros_like(features)
    for n in range(1, N + 1):
        numerator += n * (padded[:, N + n : N + n + n_frames] - padded[:, N - n : N - n + n_frames])
    return numerator / (2 * sum(n * n for n in range(1, N + 1)))


def _delta_zero_padding(features, N=2):
    features = np.asarray(features, dtype=np.float64)
    n_frames = features.shape[1]
    padded = np.pad(features, ((0, 0), (N, N)), mode="constant")
    numerator = np.zeros_like(features)
    for n in range(1, N + 1):
        numerator += n * (padded[:, N + n : N + n + n_frames] - padded[:, N - n : N - n + n_frames])
    return numerator / (2 * sum(n * n for n in range(1, N + 1)))


def _delta_no_two(features, N=2):
    return 2 * _delta(features, N)


def _delta_wrong_axis(features, N=2):
    return _delta(np.asarray(features).T, N).T


def _delta_reversed(features, N=2):
    return -_delta(features, N)


def _delta_gradient(features, N=2):
    return np.gradient(np.asarray(features, dtype=np.float64), axis=1)


def _delta_valid_only(features, N=2):
    return _delta(features, N)[:, N:-N]


q3 = FunctionCheck(
    name="delta",
    hints=[
        "The delta at frame t is the slope of a straight line fitted to frames t - N .. t + N "
        "of each coefficient: d[t] = sum over n = 1..N of n * (c[t + n] - c[t - n]), divided "
        "by 2 * (1² + 2² + ... + N²).",
        "Frames beyond the edges do not exist: pad N copies of the first frame before and of "
        "the last frame after, along time only: np.pad(features, ((0, 0), (N, N)), "
        "mode='edge'). Then frame t of the original is column t + N of the padded array.",
        "padded = np.pad(features, ((0, 0), (N, N)), mode='edge'); T = features.shape[1]; "
        "numerator = sum(n * (padded[:, N + n:N + n + T] - padded[:, N - n:N - n + T]) for n in "
        "range(1, N + 1)); return numerator / (2 * sum(n * n for n in range(1, N + 1)))",
    ],
    solution="""
    def delta(features, N=2):
        T = features.shape[1]
        padded = np.pad(features, ((0, 0), (N, N)), mode="edge")   # repeat the edge frames
        numerator = sum(n * (padded[:, N + n:N + n + T] - padded[:, N - n:N - n + T])
                        for n in range(1, N + 1))                   # future minus past
        return numerator / (2 * sum(n * n for n in range(1, N + 1)))

    # In the interior this equals audiolab.features.deltas(features, width=2 * N + 1)
    # and librosa.feature.delta(features, width=2 * N + 1), a Savitzky-Golay filter;
    # at the first and last N frames those fit a polynomial to the edge instead.
    """,
    reference=_delta,
    cases=[
        Case((np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]]),)),
        Case((np.array([[1.0, 4.0, 9.0, 16.0, 25.0], [3.0, 1.0, 4.0, 1.0, 5.0]]),), {"N": 1}),
        Case((np.array([[2.0, 0.0, 5.0, 1.0, 7.0, 3.0, 3.0]]),)),
        Case((_rng.standard_normal((13, 50)),)),
        Case((_rng.standard_normal((5, 20)),), {"N": 3}),
    ],
    mistakes=[
        Mistake(
            _delta_zero_padding,
            "The edges are off: you padded with zeros, which makes a jump at both ends. Pad "
            "by repeating the first and last frames (np.pad(..., mode='edge')).",
        ),
        Mistake(
            _delta_no_two,
            "Your deltas are twice too large: the denominator is 2 * (1² + ... + N²), with the "
            "factor 2.",
        ),
        Mistake(
            _delta_wrong_axis,
            "The deltas were taken across the coefficients of each frame instead of along "
            "time: rows are coefficients, columns are frames, so pad and shift along axis 1.",
        ),
        Mistake(
            _delta_reversed,
            "The sign is reversed: a rising coefficient must get a positive delta, so take "
            "the future minus the past, c[t + n] - c[t - n].",
        ),
        Mistake(
            _delta_gradient,
            "np.gradient takes a difference of the two neighbouring frames only. A delta "
            "fits a line over N frames on each side, which is smoother: use the regression "
            "formula.",
        ),
        Mistake(
            _delta_valid_only,
            "Your result has fewer frames than the input: there must be one delta per frame. "
            "Pad N frames at each end before taking differences.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q4: summary statistics
# ---------------------------------------------------------------------------


def _summary(mfccs):
    return np.concatenate([np.mean(mfccs, axis=1), np.std(mfccs, axis=1)])


def _summary_swapped(mfccs):
    return np.concatenate([np.std(mfccs, axis=1), np.mean(mfccs, axis=1)])


def _summary_wrong_axis(mfccs):
    return np.concatenate([np.mean(mfccs, axis=0), np.std(mfccs, axis=0)])


def _summary_ddof(mfccs):
    return np.concatenate([np.mean(mfccs, axis=1), np.std(mfccs, axis=1, ddof=1)])


def _summary_interleaved(mfccs):
    return np.stack([np.mean(mfccs, axis=1), np.std(mfccs, axis=1)], axis=1).ravel()


def _summary_stacked(mfccs):
    return np.stack([np.mean(mfccs, axis=1), np.std(mfccs, axis=1)])


def _summary_variance(mfccs):
    return np.concatenate([np.mean(mfccs, axis=1), np.var(mfccs, axis=1)])


def _summary_mean_only(mfccs):
    return np.mean(mfccs, axis=1)


def _summary_global(mfccs):
    return np.array([np.mean(mfccs), np.std(mfccs)])


q4 = FunctionCheck(
    name="summary_statistics",
    hints=[
        "For every coefficient (a row), its mean over time and its standard deviation over "
        "time: n_mfcc means, then n_mfcc standard deviations, in one flat vector.",
        "Time runs along the columns, so reduce with axis=1; np.concatenate joins two "
        "vectors into one.",
        "return np.concatenate([mfccs.mean(axis=1), mfccs.std(axis=1)])",
    ],
    solution="""
    def summary_statistics(mfccs):
        means = mfccs.mean(axis=1)        # one per coefficient, over time (the columns)
        stds = mfccs.std(axis=1)          # how much each one moves over time
        return np.concatenate([means, stds])   # shape (2 * n_mfcc,)
    """,
    reference=_summary,
    cases=[
        Case((np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0]]),)),
        Case((np.array([[0.0, 2.0, 4.0, 10.0], [1.0, -1.0, 1.0, -1.0], [5.0, 5.0, 6.0, 8.0]]),)),
        Case((_rng.standard_normal((13, 101)) * 10,)),
        Case((_rng.standard_normal((20, 7)),)),
    ],
    mistakes=[
        Mistake(
            _summary_swapped,
            "The standard deviations come first: put the n_mfcc means first, then the "
            "n_mfcc standard deviations.",
        ),
        Mistake(
            _summary_wrong_axis,
            "You took the statistics over the coefficients of each frame (axis=0), giving "
            "two numbers per frame. Take them over time, along each row: axis=1.",
        ),
        Mistake(
            _summary_global,
            "You took one mean and one standard deviation of the whole matrix. Keep one per "
            "coefficient: reduce along time only (axis=1).",
        ),
        Mistake(
            _summary_ddof,
            "That is the sample standard deviation (ddof=1, the default of pandas). Use "
            "NumPy's default, ddof=0.",
        ),
        Mistake(
            _summary_interleaved,
            "The order is mean, std, mean, std, ... Put all the means first, then all the "
            "standard deviations (np.concatenate).",
        ),
        Mistake(
            _summary_stacked,
            "Return one flat vector of 2 * n_mfcc numbers (np.concatenate), not a 2-row "
            "array (np.stack): a classifier takes one row of numbers per clip.",
        ),
        Mistake(
            _summary_variance,
            "The second half is the variance (np.var), the square of the standard "
            "deviation: use np.std, in the same units as the coefficients.",
        ),
        Mistake(
            _summary_mean_only,
            "Only the means: add the standard deviations, which say how much each "
            "coefficient changes over the clip.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q5: explain what you see
# ---------------------------------------------------------------------------

q5 = ExplainCheck(
    name="domain_gap_question",
    hints=[
        "Compare the two curves band by band. Where do they agree, and where does one of them "
        "drop to the floor? What was FSDD's sample rate, and what is its highest frequency?",
        "Look at the pauses too: what surrounds the word in each dataset? The statistics are "
        "taken over the whole second, and every MFCC mixes all 40 bands.",
    ],
    solution="""
    Below 4 kHz, the loud frames of the two datasets look remarkably alike on average.
    The differences are elsewhere:

    - Nothing above 4 kHz in the real clips: FSDD was recorded at 8 kHz, so its
      highest frequency is 4 kHz, and resampling to 16 kHz adds no content. Its top
      bands sit at the floor, 80 dB below the peak, where the synthetic clips have
      their "s", "f" and "th" noise at -40 to -50 dB.
    - Digital silence instead of background noise: FSDD's recordings are trimmed
      tightly, so centred in one second they are mostly zeros (pauses at -75 to
      -80 dB), while the synthetic clips have noise 40-55 dB below their peak.

    Every MFCC mixes all 40 bands, and the statistics are taken over the whole
    second, so both shift the means of nearly all coefficients (above all c0) and
    the standard deviations: the real clips land where the classifier never saw any
    training data. Remedies: low-pass the training clips at 4 kHz (or fmax=4000),
    add a little noise to the real clips or trim the silence from both (lesson 05),
    normalise each clip's MFCCs (subtract their mean), augment (lesson 06).

    What the figure cannot show are the voices: six real people with their own
    accents, pitches and speaking rates, microphones and rooms, against one
    synthesiser's rules. They probably explain most of the remaining gap; only more
    varied training data (lesson 06) or a little real data (lesson 11) closes it.
    """,
)
