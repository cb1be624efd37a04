"""Lesson 01's checks: the solutions pass, typical mistakes get the message that teaches."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab import dsp
from audiolab.checks import Outcome
from audiolab.checks import lesson01 as checks

# ---------------------------------------------------------------------------
# The solutions, as in solutions/01_sampling.ipynb
# ---------------------------------------------------------------------------


def alias_frequency(f, sr):
    folded = abs(f) % sr
    return min(folded, sr - folded)


def quantize(y, bits):
    scale = 2.0 ** (bits - 1)
    levels = np.round(y * scale)
    levels = np.clip(levels, -scale, scale - 1)
    return levels / scale


def snr_db(clean, noisy):
    noise = noisy - clean
    ratio = np.mean(clean**2) / np.mean(noise**2)
    return 10 * np.log10(ratio)


def to_int16(y):
    pcm = np.round(y * 32768)
    pcm = np.clip(pcm, -32768, 32767)
    return pcm.astype(np.int16)


@pytest.mark.parametrize(
    "check, solution",
    [
        (checks.q1, alias_frequency),
        (checks.q2, quantize),
        (checks.q3, snr_db),
        (checks.q4, to_int16),
        # The package's own implementations are right too.
        (checks.q1, dsp.alias_frequency),
        (checks.q2, dsp.quantize),
    ],
)
def test_solution_passes(check, solution):
    result = check.run(solution)
    assert result.outcome is Outcome.CORRECT, result.message
    assert f"all {len(check.cases)} test cases" in result.message


def test_explain_question_is_not_graded():
    assert checks.q5.run(...).outcome is Outcome.NOT_ATTEMPTED
    assert "compare yours with .solution()" in checks.q5.run("Speech is quieter.").message
    assert "6.02" in checks.q5.solution_text


def test_exception_is_reported_with_its_arguments():
    def alias(f, sr):
        return min(f % sr, sr - f % sr) / undefined  # noqa: F821

    result = checks.q1.run(alias)
    assert result.outcome is Outcome.INCORRECT
    assert "alias_frequency(1000, 8000) raised NameError" in result.message

    def quantize_crash(y, bits):
        return y[bits + 10]

    result = checks.q2.run(quantize_crash)
    assert "quantize([ 0. ,  0.3, -0.3,  0.5], 2) raised IndexError" in result.message


def test_wrong_type_is_named():
    result = checks.q4.run(lambda y: np.round(np.clip(y * 32768, -32768, 32767)))
    assert result.outcome is Outcome.INCORRECT
    assert "dtype float64" in result.message and "int16" in result.message
    result = checks.q2.run(lambda y, bits: float(y[0]))
    assert "should return a NumPy array" in result.message


# ---------------------------------------------------------------------------
# Typical mistakes, written the way a learner would, and the message each gets
# ---------------------------------------------------------------------------


def alias_modulo_only(f, sr):
    return f % sr


def alias_subtract_nyquist(f, sr):
    if f > sr / 2:
        return f - sr / 2
    return f


def alias_modulo_half(f, sr):
    return f % (sr / 2)


def alias_mirror_once(f, sr):
    if f > sr / 2:
        return sr - f
    return f


def quantize_floor(y, bits):
    scale = 2 ** (bits - 1)
    return np.clip(np.floor(y * scale), -scale, scale - 1) / scale


def quantize_int_cast(y, bits):
    scale = 2 ** (bits - 1)
    return np.clip((y * scale).astype(int), -scale, scale - 1) / scale


def quantize_no_clip(y, bits):
    scale = 2 ** (bits - 1)
    return np.round(y * scale) / scale


def quantize_all_levels(y, bits):
    levels = 2**bits
    return np.clip(np.round(y * levels), -levels, levels - 1) / levels


def quantize_returns_levels(y, bits):
    scale = 2 ** (bits - 1)
    return np.clip(np.round(y * scale), -scale, scale - 1)


def snr_rms(clean, noisy):
    noise = noisy - clean
    return 10 * np.log10(np.sqrt(np.mean(clean**2)) / np.sqrt(np.mean(noise**2)))


def snr_20log_power(clean, noisy):
    noise = noisy - clean
    return 20 * np.log10(np.mean(clean**2) / np.mean(noise**2))


def snr_ln(clean, noisy):
    noise = noisy - clean
    return 10 * np.log(np.mean(clean**2) / np.mean(noise**2))


def snr_noisy_as_noise(clean, noisy):
    return 10 * np.log10(np.mean(clean**2) / np.mean(noisy**2))


def snr_upside_down(clean, noisy):
    noise = noisy - clean
    return 10 * np.log10(np.mean(noise**2) / np.mean(clean**2))


def int16_no_clip(y):
    return np.round(y * 32768).astype(np.int16)


def int16_clip_first(y):
    y = np.clip(y, -1, 1)
    return np.round(y * 32768).astype(np.int16)


def int16_32767(y):
    return np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)


def int16_no_round(y):
    return np.clip(y * 32768, -32768, 32767).astype(np.int16)


@pytest.mark.parametrize(
    "check, wrong, fragment, call",
    [
        (checks.q1, alias_modulo_only, "`f % sr` is only half the story", "alias_frequency(7000, 8000)"),
        (checks.q1, alias_subtract_nyquist, "Subtracting sr/2 shifts", "alias_frequency(7000, 8000)"),
        (checks.q1, alias_modulo_half, "Wrapping around sr/2", "alias_frequency(4000, 8000)"),
        (checks.q1, alias_mirror_once, "Mirroring once (sr - f)", "alias_frequency(9000, 8000)"),
        (checks.q2, quantize_floor, "np.floor always rounds down", "quantize("),
        (checks.q2, quantize_int_cast, "rounds towards zero", "quantize("),
        (checks.q2, quantize_no_clip, "Clip the levels", "quantize([ 0.2, -0.6,  0.9, -0.1], 3)"),
        (checks.q2, quantize_all_levels, "Scaling by 2**bits", "quantize("),
        (checks.q2, quantize_returns_levels, "divide by the scale", "quantize("),
        (checks.q3, snr_rms, "10 * log10 of an amplitude (RMS) ratio", "snr_db("),
        (checks.q3, snr_20log_power, "20 * log10 is for amplitude ratios", "snr_db("),
        (checks.q3, snr_ln, "np.log is the natural logarithm", "snr_db("),
        (checks.q3, snr_noisy_as_noise, "noisy - clean", "snr_db("),
        (checks.q3, snr_upside_down, "upside down", "snr_db("),
        (checks.q4, int16_no_clip, "49152 wraps round", "to_int16([ 1.5 , -2.  ,  0.25])"),
        (checks.q4, int16_clip_first, "Clipping y to [-1, 1] is not enough", "to_int16([ 1.5 , -2.  ,  0.25])"),
        (checks.q4, int16_32767, "scales by 32768", "to_int16([-1.,  1.])"),
        (checks.q4, int16_no_round, "truncates towards zero", "to_int16("),
    ],
)
def test_mistake_gets_its_message(check, wrong, fragment, call):
    result = check.run(wrong)
    assert result.outcome is Outcome.INCORRECT
    assert fragment in result.message, result.message
    assert call in result.message, result.message


def test_to_int16_convention_matches_soundfile(tmp_path):
    # soundfile reads 16-bit PCM as int / 32768 and writes +-1.0 as 32767 / -32768,
    # the course's convention; it floors where to_int16 rounds, so values between
    # two levels may differ by one step.
    import soundfile as sf

    y = np.array([-1.0, -0.5, -1 / 32768, 0.0, 0.1, 0.5, 0.99999, 1.0, 1.5, -2.0])
    sf.write(tmp_path / "x.wav", y, 8000, subtype="PCM_16")
    written, _ = sf.read(tmp_path / "x.wav", dtype="int16")
    assert np.abs(to_int16(y).astype(int) - written).max() <= 1
    on_grid = np.array([-32768, -16384, -1, 0, 1, 12345, 32767]) / 32768
    sf.write(tmp_path / "grid.wav", on_grid, 8000, subtype="PCM_16")
    np.testing.assert_array_equal(to_int16(on_grid), sf.read(tmp_path / "grid.wav", dtype="int16")[0])
    np.testing.assert_array_equal(sf.read(tmp_path / "grid.wav")[0], on_grid)
    np.testing.assert_array_equal(to_int16(y) / 32768, dsp.quantize(y, 16))
