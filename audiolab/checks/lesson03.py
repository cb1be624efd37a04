"""Checks for exercise 03, STFT and spectrograms.

- ``q1``: ``stft_from_frames(frames, window)``, the spectrum of every windowed frame.
- ``q2``: ``my_stft(y, n_fft, hop_length)``, a centred STFT like ``librosa.stft``.
- ``q3``: ``power_to_db(S, top_db=80.0)``, decibels with a floor.
- ``q4``: ``hz_to_mel(f)``, the HTK mel scale.
- ``q5``: ``mel_filterbank(sr, n_fft, n_mels)``, triangles of height 1 on the HTK scale.
- ``q6``: explain the time-frequency trade-off in two spectrograms.
"""

from __future__ import annotations

import warnings

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]


def _periodic_hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def _frames(y, frame_length, hop_length):
    count = 1 + (len(y) - frame_length) // hop_length
    return np.stack(
        [y[t * hop_length : t * hop_length + frame_length] for t in range(count)], axis=1
    )


# ---------------------------------------------------------------------------
# q1: spectra of windowed frames
# ---------------------------------------------------------------------------


def _stft_from_frames(frames, window):
    return np.fft.rfft(frames * window[:, np.newaxis], axis=0)


def _stft_no_window(frames, window):
    return np.fft.rfft(frames, axis=0)


def _stft_full_fft(frames, window):
    return np.fft.fft(frames * window[:, np.newaxis], axis=0)


def _stft_wrong_axis(frames, window):
    return np.fft.rfft(frames * window[:, np.newaxis])


def _stft_magnitude(frames, window):
    return np.abs(_stft_from_frames(frames, window))


def _stft_drops_nyquist(frames, window):
    return _stft_from_frames(frames, window)[: frames.shape[0] // 2]


_rng = np.random.default_rng(30)

q1 = FunctionCheck(
    name="stft_from_frames",
    hints=[
        "Two steps: multiply every frame (a column) by the window, then take the FFT "
        "of every column.",
        "A real signal's spectrum is symmetric, so keep only the non-negative "
        "frequencies with np.fft.rfft; tell it to work down the columns with axis=0.",
        "np.fft.rfft(frames * window[:, np.newaxis], axis=0)",
    ],
    solution="""
    def stft_from_frames(frames, window):
        windowed = frames * window[:, np.newaxis]   # every column times the window
        return np.fft.rfft(windowed, axis=0)        # (n_fft // 2 + 1, n_frames), complex
    """,
    reference=_stft_from_frames,
    cases=[
        Case((np.ones((4, 3)), np.array([0.0, 0.5, 1.0, 0.5]))),
        Case((np.arange(24.0).reshape(8, 3), _periodic_hann(8))),
        Case((_rng.standard_normal((512, 6)), _periodic_hann(512))),
        Case((_rng.standard_normal((400, 5)), np.hamming(400))),
    ],
    mistakes=[
        Mistake(
            _stft_no_window,
            "These are the spectra of the raw frames: the window was forgotten. Multiply "
            "each frame by it before the FFT.",
        ),
        Mistake(
            _stft_full_fft,
            "np.fft.fft returns all n_fft frequencies, the negative ones too, which for a "
            "real signal mirror the positive ones. Use np.fft.rfft: n_fft // 2 + 1 rows.",
        ),
        Mistake(
            _stft_wrong_axis,
            "The FFT ran along the rows (across frames) instead of down each column "
            "(along the samples of a frame): pass axis=0.",
        ),
        Mistake(
            _stft_magnitude,
            "These are magnitudes. Return the complex spectrum itself; the magnitude "
            "(np.abs) and the power (np.abs(...) ** 2) come later.",
        ),
        Mistake(
            _stft_drops_nyquist,
            "One row is missing: there are n_fft // 2 + 1 frequencies from 0 Hz to the "
            "Nyquist frequency, both included.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q2: a centred STFT
# ---------------------------------------------------------------------------


def _my_stft(y, n_fft, hop_length):
    padded = np.pad(np.asarray(y, dtype=np.float64), n_fft // 2)
    return _stft_from_frames(_frames(padded, n_fft, hop_length), _periodic_hann(n_fft))


def _my_stft_not_centred(y, n_fft, hop_length):
    y = np.asarray(y, dtype=np.float64)
    return _stft_from_frames(_frames(y, n_fft, hop_length), _periodic_hann(n_fft))


def _my_stft_symmetric(y, n_fft, hop_length):
    padded = np.pad(np.asarray(y, dtype=np.float64), n_fft // 2)
    return _stft_from_frames(_frames(padded, n_fft, hop_length), np.hanning(n_fft))


def _my_stft_no_window(y, n_fft, hop_length):
    padded = np.pad(np.asarray(y, dtype=np.float64), n_fft // 2)
    return _stft_from_frames(_frames(padded, n_fft, hop_length), np.ones(n_fft))


def _my_stft_reflect(y, n_fft, hop_length):
    padded = np.pad(np.asarray(y, dtype=np.float64), n_fft // 2, mode="reflect")
    return _stft_from_frames(_frames(padded, n_fft, hop_length), _periodic_hann(n_fft))


def _my_stft_rows(y, n_fft, hop_length):
    return _my_stft(y, n_fft, hop_length).T


q2 = FunctionCheck(
    name="my_stft",
    hints=[
        "Pad, frame, window, FFT. Centring means frame t is centred on sample "
        "t * hop_length, so the signal needs n_fft // 2 zeros at each end.",
        "np.pad(y, n_fft // 2) pads with zeros; frame the padded signal (frames as "
        "columns), then reuse stft_from_frames with a periodic Hann window of n_fft "
        "samples.",
        "padded = np.pad(y, n_fft // 2); frames = audiolab.dsp.frame(padded, "
        "frame_length=n_fft, hop_length=hop_length); then stft_from_frames(frames, "
        "audiolab.dsp.get_window('hann', n_fft))",
    ],
    solution="""
    def my_stft(y, n_fft, hop_length):
        padded = np.pad(y, n_fft // 2)                          # centre the frames
        frames = dsp.frame(padded, frame_length=n_fft, hop_length=hop_length)
        window = dsp.get_window("hann", n_fft)                  # periodic Hann
        return stft_from_frames(frames, window)

    # the same as audiolab.features.stft(y, n_fft=n_fft, hop_length=hop_length)
    # and librosa.stft(y, n_fft=n_fft, hop_length=hop_length)
    """,
    reference=_my_stft,
    cases=[
        Case((np.ones(8), 4, 2)),
        Case((np.arange(16.0), 8, 4)),
        Case((np.sin(2 * np.pi * 1000 * np.arange(1600) / 16000), 256, 64)),
        Case((_rng.standard_normal(4000).astype(np.float32), 512, 160)),
    ],
    mistakes=[
        Mistake(
            _my_stft_not_centred,
            "Your frames are not centred: pad n_fft // 2 zeros at both ends first, so that "
            "frame t is centred on sample t * hop_length (librosa's center=True).",
        ),
        Mistake(
            _my_stft_symmetric,
            "That window is the symmetric Hann (np.hanning). The STFT uses the periodic "
            "one, 0.5 - 0.5 * cos(2 * pi * k / n_fft).",
        ),
        Mistake(
            _my_stft_no_window,
            "No window was applied (a rectangular window): multiply every frame by a "
            "Hann window before the FFT.",
        ),
        Mistake(
            _my_stft_reflect,
            "You padded by reflecting the signal; pad with zeros (np.pad's default "
            "mode='constant'), as audiolab and librosa 0.10+ do.",
        ),
        Mistake(
            _my_stft_rows,
            "Frequencies and frames are swapped: the result has one row per frequency "
            "and one column per frame, shape (n_fft // 2 + 1, n_frames).",
        ),
    ],
    rtol=1e-4,
    atol=1e-4,
)


# ---------------------------------------------------------------------------
# q3: decibels
# ---------------------------------------------------------------------------


def _power_to_db(S, top_db=80.0):
    S_db = 10 * np.log10(np.maximum(S, 1e-10))
    return np.maximum(S_db, S_db.max() - top_db)


def _power_to_db_natural_log(S, top_db=80.0):
    S_db = 10 * np.log(np.maximum(S, 1e-10))
    return np.maximum(S_db, S_db.max() - top_db)


def _power_to_db_20(S, top_db=80.0):
    S_db = 20 * np.log10(np.maximum(S, 1e-10))
    return np.maximum(S_db, S_db.max() - top_db)


def _power_to_db_no_floor(S, top_db=80.0):
    return 10 * np.log10(np.maximum(S, 1e-10))


def _power_to_db_absolute_floor(S, top_db=80.0):
    return np.maximum(10 * np.log10(np.maximum(S, 1e-10)), -top_db)


def _power_to_db_ref_max(S, top_db=80.0):
    S_db = 10 * np.log10(np.maximum(S, 1e-10) / np.max(S))
    return np.maximum(S_db, S_db.max() - top_db)


q3 = FunctionCheck(
    name="power_to_db",
    hints=[
        "A power ratio in decibels is 10 times its base-10 logarithm; the reference "
        "power (0 dB) is 1 here.",
        "Raise values below 1e-10 to 1e-10 first (np.maximum), so that a power of 0 "
        "gives -100 dB instead of -inf. Then nothing may lie more than top_db below the "
        "largest value.",
        "S_db = 10 * np.log10(np.maximum(S, 1e-10)); "
        "return np.maximum(S_db, S_db.max() - top_db)",
    ],
    solution="""
    def power_to_db(S, top_db=80.0):
        S_db = 10 * np.log10(np.maximum(S, 1e-10))      # 0 dB is a power of 1
        return np.maximum(S_db, S_db.max() - top_db)    # keep top_db dB below the max

    # the same as audiolab.features.power_to_db(S, top_db=top_db)
    # and librosa.power_to_db(S, top_db=top_db)
    """,
    reference=_power_to_db,
    cases=[
        Case((np.array([1.0, 10.0, 100.0]),)),
        Case((np.array([[0.01, 0.5], [2.0, 1000.0]]),)),
        Case((np.array([1e4, 1.0, 1e-6, 0.0]),)),
        Case((np.array([1e4, 1.0, 1e-6, 0.0]),), {"top_db": 40.0}),
        Case((np.abs(_rng.standard_normal((257, 20))) ** 2,), {"top_db": 60.0}),
    ],
    mistakes=[
        Mistake(
            _power_to_db_natural_log,
            "Decibels use the base-10 logarithm: np.log10, not np.log.",
        ),
        Mistake(
            _power_to_db_20,
            "20 * log10 is for amplitudes (magnitudes). S is a power, already squared: "
            "use 10 * log10.",
        ),
        Mistake(
            _power_to_db_ref_max,
            "Your loudest value is 0 dB: you divided by the maximum (ref=np.max). Here "
            "0 dB is a power of 1 (ref=1.0).",
        ),
        Mistake(
            _power_to_db_absolute_floor,
            "The floor is top_db below the largest value in S, not -top_db dB: use "
            "S_db.max() - top_db.",
        ),
        Mistake(
            _power_to_db_no_floor,
            "Nothing may lie more than top_db dB below the maximum: raise lower values "
            "to S_db.max() - top_db.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q4: the mel scale
# ---------------------------------------------------------------------------


def _hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _hz_to_mel_natural_log(f):
    return 2595.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _hz_to_mel_no_one(f):
    with np.errstate(divide="ignore"):
        return 2595.0 * np.log10(np.asarray(f, dtype=np.float64) / 700.0)


def _hz_to_mel_1000(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 1000.0)


def _mel_to_hz(f):
    return 700.0 * (10.0 ** (np.asarray(f, dtype=np.float64) / 2595.0) - 1.0)


q4 = FunctionCheck(
    name="hz_to_mel",
    hints=[
        "The HTK mel scale is about linear below 700 Hz and logarithmic above: "
        "m = 2595 * log10(1 + f / 700).",
        "Write it with NumPy functions so that it works for a number and for an array.",
        "return 2595 * np.log10(1 + f / 700)",
    ],
    solution="""
    def hz_to_mel(f):
        return 2595 * np.log10(1 + np.asarray(f) / 700)

    # the same as audiolab.features.hz_to_mel(f, htk=True)
    # and librosa.hz_to_mel(f, htk=True)
    """,
    reference=_hz_to_mel,
    cases=[
        Case((np.array([100.0, 700.0, 1000.0]),)),
        Case((np.array([0.0, 4000.0, 8000.0]),)),
        Case((np.linspace(0.0, 11025.0, 50),)),
    ],
    mistakes=[
        Mistake(
            _hz_to_mel_natural_log,
            "With the factor 2595 the logarithm is base 10: np.log10, not np.log "
            "(with np.log the factor would be 1127).",
        ),
        Mistake(
            _hz_to_mel_no_one,
            "The 1 + is missing: 0 Hz must be 0 mel, so the logarithm is of 1 + f / 700.",
        ),
        Mistake(
            _hz_to_mel_1000,
            "The break frequency of the HTK scale is 700 Hz: f / 700, not f / 1000.",
        ),
        Mistake(
            _mel_to_hz,
            "That is the inverse, mels to hertz. Here f is in hertz and the result in mels.",
        ),
    ],
    rtol=1e-6,
    atol=1e-6,
)


# ---------------------------------------------------------------------------
# q5: the mel filterbank
# ---------------------------------------------------------------------------


def _mel_to_hz_htk(m):
    return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)


def _triangles(edges, frequencies):
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (frequencies - lower) / (centre - lower)
    falling = (upper - frequencies) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def _mel_filterbank(sr, n_fft, n_mels):
    frequencies = np.arange(n_fft // 2 + 1) * sr / n_fft
    edges = _mel_to_hz_htk(np.linspace(0.0, _hz_to_mel(sr / 2), n_mels + 2))
    return _triangles(edges, frequencies)


def _mel_filterbank_missing_bin(sr, n_fft, n_mels):
    return _mel_filterbank(sr, n_fft, n_mels)[:, : n_fft // 2]


def _mel_filterbank_slaney_area(sr, n_fft, n_mels):
    weights = _mel_filterbank(sr, n_fft, n_mels)
    edges = _mel_to_hz_htk(np.linspace(0.0, _hz_to_mel(sr / 2), n_mels + 2))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def _mel_filterbank_linear_hz(sr, n_fft, n_mels):
    frequencies = np.arange(n_fft // 2 + 1) * sr / n_fft
    return _triangles(np.linspace(0.0, sr / 2, n_mels + 2), frequencies)


def _mel_filterbank_n_mels_edges(sr, n_fft, n_mels):
    # n_mels edges: only n_mels - 2 triangles, padded with empty rows.
    frequencies = np.arange(n_fft // 2 + 1) * sr / n_fft
    edges = _mel_to_hz_htk(np.linspace(0.0, _hz_to_mel(sr / 2), n_mels))
    out = np.zeros((n_mels, len(frequencies)))
    out[: n_mels - 2] = _triangles(edges, frequencies)
    return out


def _mel_filterbank_slaney_scale(sr, n_fft, n_mels):
    from ..features import mel_filterbank

    with warnings.catch_warnings():  # empty filters are the learner's concern, not ours
        warnings.simplefilter("ignore")
        weights = mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=False, norm=None)
    return weights.astype(np.float64)


def _mel_filterbank_transposed(sr, n_fft, n_mels):
    return _mel_filterbank(sr, n_fft, n_mels).T


q5 = FunctionCheck(
    name="mel_filterbank",
    hints=[
        "You need n_mels + 2 edge frequencies equally spaced in mels from 0 to sr / 2 "
        "(use your hz_to_mel and its inverse 700 * (10 ** (m / 2595) - 1)). Filter m "
        "uses edges m, m + 1 and m + 2.",
        "Evaluate each triangle at the FFT bin frequencies np.arange(n_fft // 2 + 1) * "
        "sr / n_fft: rising = (f - left) / (centre - left), falling = (right - f) / "
        "(right - centre), and the filter is max(0, min(rising, falling)).",
        "With broadcasting: left, centre, right = edges[:-2, None], edges[1:-1, None], "
        "edges[2:, None]; return np.maximum(0, np.minimum((f - left) / (centre - left), "
        "(right - f) / (right - centre)))",
    ],
    solution="""
    def mel_filterbank(sr, n_fft, n_mels):
        frequencies = np.arange(n_fft // 2 + 1) * sr / n_fft           # the FFT bins, Hz
        mels = np.linspace(0, hz_to_mel(sr / 2), n_mels + 2)           # equally spaced in mels
        edges = 700 * (10 ** (mels / 2595) - 1)                        # back to Hz
        left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
        rising = (frequencies - left) / (centre - left)
        falling = (right - frequencies) / (right - centre)
        return np.maximum(0, np.minimum(rising, falling))              # (n_mels, n_fft // 2 + 1)

    # the same as audiolab.features.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels,
    #                                              htk=True, norm=None)
    """,
    reference=_mel_filterbank,
    cases=[
        Case((8000, 16, 2)),
        Case((16000, 64, 4)),
        Case((16000, 512, 40)),
        Case((22050, 2048, 128)),
    ],
    mistakes=[
        Mistake(
            _mel_filterbank_missing_bin,
            "One column is missing: the FFT has n_fft // 2 + 1 frequencies, from 0 Hz to "
            "sr / 2 included.",
        ),
        Mistake(
            _mel_filterbank_transposed,
            "Rows and columns are swapped: one row per mel band, one column per FFT bin, "
            "shape (n_mels, n_fft // 2 + 1), so that M @ S works.",
        ),
        Mistake(
            _mel_filterbank_slaney_area,
            "Your triangles are scaled to equal area (librosa's default norm='slaney'). "
            "This task asks for triangles of height 1 (norm=None).",
        ),
        Mistake(
            _mel_filterbank_slaney_scale,
            "Those edges are on Slaney's mel scale (librosa's default). This task uses "
            "the HTK formula, 2595 * log10(1 + f / 700).",
        ),
        Mistake(
            _mel_filterbank_linear_hz,
            "Your edges are equally spaced in hertz. Space them equally in mels, then "
            "convert back to hertz: the bands widen as the frequency rises.",
        ),
        Mistake(
            _mel_filterbank_n_mels_edges,
            "n_mels triangles need n_mels + 2 edges: each has a left foot, a peak and a "
            "right foot, and neighbours share two of them.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q6: explain what you see
# ---------------------------------------------------------------------------

q6 = ExplainCheck(
    name="tradeoff_question",
    hints=[
        "How long is each window in milliseconds, and how far apart are its bins in hertz?",
        "Compare those two numbers with the 20 ms between the clicks and the 60 Hz "
        "between the tones.",
        "A Hann window spreads a tone over a main lobe 4 bins wide: two tones show as two "
        "peaks only when they are about 2 bins apart or more.",
    ],
    solution="""
    With n_fft = 128 each frame lasts 8 ms, shorter than the 20 ms between two
    clicks, so every click gets frames of its own and shows up as a separate
    vertical line. But its bins are 125 Hz apart, and a Hann window spreads each
    tone over a main lobe 4 bins (500 Hz) wide: tones 60 Hz apart fall inside one
    lobe and merge into one thick line.

    With n_fft = 2048 the bins are 7.8 Hz apart, so the 60 Hz between the tones is
    almost 8 bins, far more than the 2 bins (half a main lobe) a Hann window needs to
    show two peaks: two thin lines. But each frame lasts 128 ms and always contains
    several clicks, which therefore smear into one grey block.

    Both come from the window's length: a frame lasts n_fft / sr, and the bins are
    sr / n_fft apart with a main lobe 4 bins wide, so making one resolution finer
    makes the other coarser. (That frame length times bin spacing is 1 is only
    arithmetic; what separates two tones is the main lobe, about 2 bins for Hann.)
    For speech, 20-40 ms windows are the usual compromise.
    """,
)
