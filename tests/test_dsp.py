"""audiolab.dsp: signals with known answers, and agreement with librosa and scipy."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import scipy.signal

from audiolab import dsp
from audiolab.errors import ParameterError


def test_tone_has_its_frequency_and_amplitude():
    y = dsp.tone(1000.0, sr=16000, duration=1.0, amplitude=0.3)
    assert y.dtype == np.float32 and y.shape == (16000,)
    assert np.abs(y).max() == pytest.approx(0.3, rel=1e-6)
    assert np.argmax(np.abs(np.fft.rfft(y))) == 1000


def test_tone_above_nyquist_equals_its_alias():
    # 7 kHz sampled at 8 kHz gives exactly the samples of a 1 kHz tone.
    high = dsp.tone(7000.0, sr=8000, duration=0.1)
    alias = dsp.tone(dsp.alias_frequency(7000.0, 8000), sr=8000, duration=0.1)
    np.testing.assert_allclose(high, alias, atol=1e-5)


@pytest.mark.parametrize(
    "frequency, sr, expected",
    [(1000, 8000, 1000), (4000, 8000, 4000), (5000, 8000, 3000), (7000, 8000, 1000),
     (8000, 8000, 0), (9000, 8000, 1000), (12500, 8000, 3500), (-300, 8000, 300),
     (30000, 44100, 14100)],
)
def test_alias_frequency(frequency, sr, expected):
    assert dsp.alias_frequency(frequency, sr) == pytest.approx(expected)


def test_chirp_sweeps_upwards():
    y = dsp.chirp(200.0, 4000.0, sr=16000, duration=2.0)
    first = np.argmax(np.abs(np.fft.rfft(y[:4000])))
    last = np.argmax(np.abs(np.fft.rfft(y[-4000:])))
    assert first < last
    linear = dsp.chirp(200.0, 4000.0, sr=16000, duration=2.0, linear=True)
    assert linear.shape == y.shape


def test_white_noise_is_seeded_and_at_the_rms_asked():
    a = dsp.white_noise(duration=1.0, rms=0.1, rng=42)
    b = dsp.white_noise(duration=1.0, rms=0.1, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    assert np.sqrt(np.mean(a.astype(np.float64) ** 2)) == pytest.approx(0.1, rel=0.02)


@pytest.mark.parametrize("bits", [6, 8, 12, 16])
def test_quantization_gains_six_db_per_bit(bits):
    # A full-scale sine quantised to b bits has SNR = 6.02 b + 1.76 dB
    # (less the small headroom that keeps it inside the top level).
    t = np.arange(48000) / 48000
    amplitude = 1 - 2.0**-bits
    y = amplitude * np.sin(2 * np.pi * 997 * t)
    noise = dsp.quantize(y, bits) - y
    snr = 10 * np.log10(np.mean(y**2) / np.mean(noise.astype(np.float64) ** 2))
    assert snr == pytest.approx(6.02 * bits + 1.76 + 20 * np.log10(amplitude), abs=0.5)


def test_quantize_levels_and_clipping():
    q = dsp.quantize(np.array([-1.5, -1.0, -0.3, 0.0, 0.3, 0.99, 1.5]), 2)
    np.testing.assert_array_equal(q, np.array([-1, -1, -0.5, 0, 0.5, 0.5, 0.5], np.float32))
    sixteen = dsp.quantize(np.array([1 / 32768 * 3.2]), 16)
    assert sixteen[0] == pytest.approx(3 / 32768)


@pytest.mark.parametrize("frame_length, hop_length", [(4, 2), (400, 160), (512, 512), (5, 7)])
def test_frame_matches_librosa(frame_length, hop_length):
    y = np.random.default_rng(0).standard_normal(1601)
    ours = dsp.frame(y, frame_length=frame_length, hop_length=hop_length)
    theirs = librosa.util.frame(y, frame_length=frame_length, hop_length=hop_length)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.shape[-1] == 1 + (len(y) - frame_length) // hop_length


def test_frame_works_on_batches():
    y = np.random.default_rng(1).standard_normal((3, 1000))
    frames = dsp.frame(y, frame_length=100, hop_length=50)
    assert frames.shape == (3, 100, 19)
    np.testing.assert_array_equal(frames[2, :, 4], y[2, 200:300])


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "boxcar"])
@pytest.mark.parametrize("n", [1, 2, 400, 401])
@pytest.mark.parametrize("fftbins", [True, False])
def test_windows_match_scipy(name, n, fftbins):
    np.testing.assert_allclose(
        dsp.get_window(name, n, fftbins=fftbins),
        scipy.signal.get_window(name, n, fftbins=fftbins),
        atol=1e-12,
    )


def test_bad_parameters():
    with pytest.raises(ParameterError, match="frequency must be zero or positive"):
        dsp.tone(-5.0)
    with pytest.raises(ParameterError, match="gives no samples"):
        dsp.tone(440.0, sr=8000, duration=1e-6)
    with pytest.raises(ParameterError, match="fmin must be positive"):
        dsp.chirp(0.0, 100.0)
    with pytest.raises(ParameterError, match="bits must be between 1 and 32"):
        dsp.quantize(np.zeros(4), 40)
    with pytest.raises(ParameterError, match="bits must be a positive integer"):
        dsp.quantize(np.zeros(4), 0)
    with pytest.raises(ParameterError, match="sr must be positive"):
        dsp.alias_frequency(100.0, 0)
    with pytest.raises(ParameterError, match="fewer than frame_length=400"):
        dsp.frame(np.zeros(100), frame_length=400, hop_length=160)
    with pytest.raises(ParameterError, match="hop_length must be a positive integer"):
        dsp.frame(np.zeros(1000), frame_length=400, hop_length=0)
    with pytest.raises(ParameterError, match="window must be one of"):
        dsp.get_window("kaiser-ish", 10)
    with pytest.raises(ParameterError, match="floating-point"):
        dsp.frame(np.zeros(1000, dtype=np.int16), frame_length=10, hop_length=5)
