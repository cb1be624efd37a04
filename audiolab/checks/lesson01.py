"""Checks for the exercises of lesson 01 (sampling and quantization).

- ``q1``: ``alias_frequency(f, sr)``, the frequency a sampled tone appears at.
- ``q2``: ``quantize(y, bits)``, rounding samples to a ``bits``-bit grid.
- ``q3``: ``snr_db(clean, noisy)``, the signal-to-noise ratio in decibels.
- ``q4``: ``to_int16(y)``, float samples to 16-bit PCM integers, clipped.
- ``q5``: explain why speech gets less SNR per bit than a full-scale sine.

The course's convention for PCM, used by ``audiolab.dsp.quantize``, by
``audiolab.io.save`` and by these checks (soundfile alone truncates toward
minus infinity instead): a ``b``-bit sample is ``round(y * 2**(b-1))``
clipped to ``[-2**(b-1), 2**(b-1) - 1]``; for 16 bits, ``y * 32768`` clipped
to ``[-32768, 32767]``. Full scale +1.0 is the one value that does not fit
and is clipped to 32767.

Used by ``exercises/01_sampling.ipynb``.
"""

from __future__ import annotations

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake, compare

__all__ = ["q1", "q2", "q3", "q4", "q5"]


# ---------------------------------------------------------------------------
# q1: alias_frequency
# ---------------------------------------------------------------------------


def _alias_frequency(f, sr):
    folded = abs(f) % sr
    return float(min(folded, sr - folded))


def _alias_modulo_only(f, sr):
    return float(abs(f) % sr)


def _alias_modulo_half(f, sr):
    return float(abs(f) % (sr / 2))


def _alias_mirror_once(f, sr):
    return float(sr - f if f > sr / 2 else f)


def _alias_subtract_nyquist(f, sr):
    return float(f if f <= sr / 2 else f - sr / 2)


q1 = FunctionCheck(
    name="alias_frequency",
    hints=[
        "Sampling at sr cannot tell f from f + sr, f + 2*sr, ...: first bring f "
        "into the range [0, sr).",
        "After `f % sr`, a frequency above sr/2 is a mirror image: sr - x is the "
        "same tone as x, seen from the other side.",
        "folded = abs(f) % sr; then return the smaller of folded and sr - folded.",
    ],
    solution="""
    def alias_frequency(f, sr):
        folded = abs(f) % sr              # sampling repeats every sr Hz
        return min(folded, sr - folded)   # and mirrors around sr / 2
    """,
    reference=_alias_frequency,
    cases=[
        Case((1000, 8000)),
        Case((4000, 8000)),
        Case((7000, 8000)),
        Case((5000, 8000)),
        Case((9000, 8000)),
        Case((17500, 8000)),
        Case((8000, 8000)),
        Case((30000, 44100)),
        Case((440, 44100)),
    ],
    mistakes=[
        Mistake(
            _alias_modulo_only,
            "`f % sr` is only half the story: it removes whole multiples of sr, "
            "but a frequency between sr/2 and sr is still above the Nyquist "
            "frequency, and it folds back (mirrors) below it.",
        ),
        Mistake(
            _alias_subtract_nyquist,
            "Subtracting sr/2 shifts the frequency down instead of mirroring it. Above "
            "the Nyquist frequency a tone folds back: the further above sr/2 it is, "
            "the further below sr/2 it appears.",
        ),
        Mistake(
            _alias_modulo_half,
            "Wrapping around sr/2 shifts the frequency instead of mirroring it. "
            "Sampling repeats every sr Hz (use % sr), and between sr/2 and sr "
            "the frequency is mirrored: it counts down again from sr/2.",
        ),
        Mistake(
            _alias_mirror_once,
            "Mirroring once (sr - f) is right only for sr/2 < f < sr. A tone above "
            "sr first wraps round by whole multiples of sr (% sr), then mirrors.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q2: quantize
# ---------------------------------------------------------------------------


def _quantize(y, bits):
    scale = 2.0 ** (bits - 1)
    levels = np.clip(np.round(y * scale), -scale, scale - 1)
    return levels / scale


def _quantize_floor(y, bits):
    scale = 2.0 ** (bits - 1)
    return np.clip(np.floor(y * scale), -scale, scale - 1) / scale


def _quantize_truncate(y, bits):
    scale = 2.0 ** (bits - 1)
    return np.clip(np.trunc(y * scale), -scale, scale - 1) / scale


def _quantize_no_clip(y, bits):
    scale = 2.0 ** (bits - 1)
    return np.round(y * scale) / scale


def _quantize_all_levels(y, bits):
    scale = 2.0**bits
    return np.clip(np.round(y * scale), -scale, scale - 1) / scale


def _quantize_integers(y, bits):
    scale = 2.0 ** (bits - 1)
    return np.clip(np.round(y * scale), -scale, scale - 1)


q2 = FunctionCheck(
    name="quantize",
    hints=[
        "A b-bit signed integer has 2**b levels, from -2**(b-1) to 2**(b-1) - 1. "
        "Scale y so that [-1, 1) covers them.",
        "Multiply by scale = 2**(bits - 1), round to the nearest integer, keep it "
        "inside [-scale, scale - 1], and divide by scale again.",
        "np.clip(np.round(y * scale), -scale, scale - 1) / scale",
    ],
    solution="""
    def quantize(y, bits):
        scale = 2.0 ** (bits - 1)                     # 4 bits: 16 levels, -8..7
        levels = np.round(y * scale)                  # nearest level
        levels = np.clip(levels, -scale, scale - 1)   # the integer's range
        return levels / scale                         # back to [-1, 1)
    """,
    reference=_quantize,
    cases=[
        Case((np.array([0.0, 0.3, -0.3, 0.5]), 2)),
        Case((np.array([0.2, -0.6, 0.9, -0.1]), 3)),
        Case((np.array([1.0, -1.0, 0.99, 1.7, -2.5]), 3)),
        Case((0.8 * np.sin(2 * np.pi * np.arange(64) / 64), 8)),
        Case((0.9 * np.cos(2 * np.pi * 3 * np.arange(200) / 200), 16)),
    ],
    mistakes=[
        Mistake(
            _quantize_floor,
            "np.floor always rounds down, so every sample moves down by up to a whole "
            "step and the error is biased. Round to the nearest level instead.",
        ),
        Mistake(
            _quantize_truncate,
            "Casting to int (or np.trunc) rounds towards zero, so small samples "
            "collapse to 0 and the error is up to a whole step. Round to the "
            "nearest level instead.",
        ),
        Mistake(
            _quantize_no_clip,
            "Samples at or beyond full scale need a level that does not exist: "
            "a b-bit integer stops at 2**(b-1) - 1. Clip the levels.",
        ),
        Mistake(
            _quantize_all_levels,
            "Scaling by 2**bits uses twice the levels there are: a signed b-bit "
            "integer spends one bit on the sign, so [-1, 1) is covered by "
            "2**(bits-1) steps each side.",
        ),
        Mistake(
            _quantize_integers,
            "These are the integer levels; divide by the scale again to return "
            "samples in [-1, 1).",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q3: snr_db
# ---------------------------------------------------------------------------


def _snr_db(clean, noisy):
    noise = noisy - clean
    return float(10 * np.log10(np.sum(clean**2) / np.sum(noise**2)))


def _snr_amplitude(clean, noisy):
    noise = noisy - clean
    return float(10 * np.log10(np.sqrt(np.mean(clean**2)) / np.sqrt(np.mean(noise**2))))


def _snr_20_power(clean, noisy):
    noise = noisy - clean
    return float(20 * np.log10(np.sum(clean**2) / np.sum(noise**2)))


def _snr_natural_log(clean, noisy):
    noise = noisy - clean
    return float(10 * np.log(np.sum(clean**2) / np.sum(noise**2)))


def _snr_noisy_power(clean, noisy):
    return float(10 * np.log10(np.sum(clean**2) / np.sum(noisy**2)))


def _snr_inverted(clean, noisy):
    noise = noisy - clean
    return float(10 * np.log10(np.sum(noise**2) / np.sum(clean**2)))


_RNG = np.random.default_rng(1)
_SINE = np.sin(2 * np.pi * 5 * np.arange(400) / 400)
_NOISE = 0.25 * _RNG.standard_normal(400)

q3 = FunctionCheck(
    name="snr_db",
    hints=[
        "The noise is what the noisy signal adds to the clean one. The SNR compares "
        "the power (mean of the squares) of the clean signal with that of the noise.",
        "Decibels of a power ratio are 10 * log10(ratio), with the base-10 logarithm.",
        "noise = noisy - clean; 10 * np.log10(np.sum(clean**2) / np.sum(noise**2))",
    ],
    solution="""
    def snr_db(clean, noisy):
        noise = noisy - clean                              # what was added
        ratio = np.mean(clean ** 2) / np.mean(noise ** 2)  # a ratio of powers
        return 10 * np.log10(ratio)                        # in decibels
    """,
    reference=_snr_db,
    cases=[
        Case((np.array([1.0, -1.0, 1.0, -1.0]), np.array([1.1, -1.1, 1.1, -1.1]))),
        Case((np.array([0.5, -0.5, 0.5, -0.5]), np.array([0.0, -1.0, 1.0, 0.0]))),
        Case((_SINE, _SINE + _NOISE)),
        Case((0.01 * _SINE, 0.01 * _SINE + 0.001 * _NOISE)),
    ],
    mistakes=[
        Mistake(
            _snr_amplitude,
            "That is 10 * log10 of an amplitude (RMS) ratio. Decibels are defined on "
            "powers: 10 * log10 of a power ratio, or 20 * log10 of an amplitude ratio.",
        ),
        Mistake(
            _snr_20_power,
            "20 * log10 is for amplitude ratios; a ratio of powers (squares) takes "
            "10 * log10. Using both squares and 20 counts the decibels twice.",
        ),
        Mistake(
            _snr_natural_log,
            "np.log is the natural logarithm; decibels use the base-10 logarithm, np.log10.",
        ),
        Mistake(
            _snr_noisy_power,
            "The noise is not the noisy signal: it is what was added to the clean one, "
            "noisy - clean.",
        ),
        Mistake(
            _snr_inverted,
            "The ratio is upside down: signal power over noise power, so that more "
            "noise gives a lower SNR.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q4: to_int16
# ---------------------------------------------------------------------------


def _to_int16(y):
    return np.clip(np.round(y * 32768), -32768, 32767).astype(np.int16)


# The wrong answers return int16, as a learner's would: compare() subtracts in
# complex128, clear of int16 overflow (np.abs(-32768) is -32768 in int16).
def _to_int16_32767(y):
    return np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)


def _to_int16_no_clip(y):
    return np.round(y * 32768).astype(np.int16)


def _to_int16_clip_first(y):
    return np.round(np.clip(y, -1.0, 1.0) * 32768).astype(np.int16)


def _to_int16_truncate(y):
    return np.clip(y * 32768, -32768, 32767).astype(np.int16)


def _validate_int16(case: Case, got) -> str | None:
    if isinstance(got, np.ndarray) and got.dtype != np.int16:
        return (f"returned an array of dtype {got.dtype}, but 16-bit PCM samples are "
                f"int16 (use .astype(np.int16) as the last step)")
    return compare(_to_int16(*case.args), got)


q4 = FunctionCheck(
    name="to_int16",
    hints=[
        "16-bit PCM stores integers from -32768 to 32767. The course maps -1.0 to "
        "-32768, so the scale is 32768 (the step of 16-bit audio is 1/32768).",
        "Scale, round to the nearest integer, clip to the int16 range, then convert "
        "the dtype. Clip before converting: np.int16 wraps round instead of saturating.",
        "np.clip(np.round(y * 32768), -32768, 32767).astype(np.int16)",
    ],
    solution="""
    def to_int16(y):
        pcm = np.round(y * 32768)                # -1.0 -> -32768, one step = 1/32768
        pcm = np.clip(pcm, -32768, 32767)        # +1.0 and anything louder: 32767
        return pcm.astype(np.int16)              # only now convert: no wrap-round
    """,
    reference=_to_int16,
    cases=[
        Case((np.array([0.0, 0.5, -0.5]),)),
        Case((np.array([1.5, -2.0, 0.25]),)),
        Case((np.array([-1.0, 1.0]),)),
        Case((np.array([0.1, -0.1, 0.7, -0.3]),)),
        Case((0.99 * np.sin(2 * np.pi * np.arange(100) / 100),)),
    ],
    mistakes=[
        Mistake(
            _to_int16_no_clip,
            "Samples beyond full scale do not fit in 16 bits, and np.int16 does not "
            "saturate: 1.5 * 32768 = 49152 wraps round to a large negative number, "
            "a loud click. Clip to [-32768, 32767] before converting.",
        ),
        Mistake(
            _to_int16_clip_first,
            "Clipping y to [-1, 1] is not enough: 1.0 * 32768 = 32768 is one more than "
            "int16 holds (32767) and wraps round to -32768. Clip the scaled values "
            "to [-32768, 32767].",
        ),
        Mistake(
            _to_int16_32767,
            "Scaling by 32767 is a convention some programs use, but this course "
            "(like audiolab.dsp.quantize, and soundfile when it reads 16-bit files) "
            "scales by 32768, so that -1.0 is exactly -32768 and one step is 1/32768.",
        ),
        Mistake(
            _to_int16_truncate,
            ".astype(np.int16) truncates towards zero instead of rounding: 3276.8 "
            "becomes 3276, not 3277. Round first with np.round.",
        ),
    ],
    validate=_validate_int16,
)


# ---------------------------------------------------------------------------
# q5: explain what you see
# ---------------------------------------------------------------------------

q5 = ExplainCheck(
    name="speech_snr",
    hints=[
        "6.02 * bits + 1.76 dB is for a sine that swings over the whole range. "
        "How loud, on average, is the speech compared with its own peak?",
        "The quantization noise power is step**2 / 12 whatever the signal. "
        "What changes from one signal to another is the signal power.",
    ],
    solution="""
    Each bit halves the step and so adds 6.02 dB for every signal: the curves are
    parallel. What differs is where they start. The quantization noise has the
    same power (step**2 / 12) for any signal that moves across many steps, so the
    SNR is the signal's power measured against a fixed noise floor. The formula
    6.02 * bits + 1.76 assumes a sine at full scale, whose power is 1/2. The sine
    at amplitude 0.1 (-20 dBFS) has 1/100 of that power: 20 dB less SNR at every
    bit depth. Speech is nearly as far down: it is peaky (a high crest factor), so
    even normalised to a peak of 0.9 its average power is about 15 dB below a
    full-scale sine's, and its quiet parts are far lower. That is why recordings
    use more bits than the formula suggests: 16 bits (about 98 dB for a full-scale
    sine, some 80 dB for speech at a good level) leaves room for quiet speakers
    and for headroom. At 2-3 bits the curves bend away from the line, because the
    error is no longer a small noise but a distortion that follows the signal.
    """,
)
