"""Lesson 06's SNR demo: the slider sets the measured SNR, the colour moves the noise."""

from __future__ import annotations

import re

import numpy as np
import pytest

from audiolab import widgets
from audiolab.errors import ParameterError
from audiolab.widgets.augmentation import NOISE_COLORS, draw_snr


def word(sr: int = 16000) -> np.ndarray:
    """A voiced, word-like clip: harmonics of 120 Hz under a smooth envelope, then silence."""
    t = np.arange(sr // 2) / sr
    voiced = sum(np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 20)) * np.hanning(len(t))
    return np.concatenate([np.zeros(sr // 4), 0.1 * voiced, np.zeros(sr // 4)]).astype(np.float32)


def measured(readout: str) -> float:
    match = re.search(r"measured SNR <b>(-?[\d.]+) dB</b>", readout)
    assert match, readout
    return float(match.group(1))


def noise_rms(readout: str) -> float:
    match = re.search(r"noise RMS <b>([\d.]+)</b>", readout)
    assert match, readout
    return float(match.group(1))


def band_levels(demo) -> tuple[np.ndarray, np.ndarray]:
    """The word's and the noise's mean level per mel band, from the figure's right panel."""
    (band_ax,) = [ax for ax in demo.figure.axes if ax.get_title() == "where the power is"]
    speech, noise = (line.get_xdata() for line in band_ax.lines[:2])
    return np.asarray(speech), np.asarray(noise)


def test_found_by_name_and_shows_its_controls():
    assert "snr_demo" in dir(widgets)
    demo = widgets.snr_demo(word(), audio=False)
    assert list(demo.controls) == ["snr_db", "color"]
    assert demo.controls["color"].options == NOISE_COLORS
    assert "controls: snr_db, color" in demo._repr_mimebundle_()["text/plain"]


def test_the_slider_sets_the_measured_snr_and_the_noise_level():
    demo = widgets.snr_demo(word(), snr_db=10, audio=False)
    assert measured(demo.readout.value) == 10.0
    assert "1/10 of the speech's power" in demo.readout.value
    quiet = noise_rms(demo.readout.value)
    first = demo.figure
    demo.controls["snr_db"].value = 0
    assert demo.draws == 2 and demo.figure is not first
    assert measured(demo.readout.value) == 0.0
    assert "the same power as the speech" in demo.readout.value
    # 10 dB less SNR: ten times the noise power, sqrt(10) times its RMS.
    assert noise_rms(demo.readout.value) / quiet == pytest.approx(np.sqrt(10), rel=0.01)
    demo.controls["snr_db"].value = -10
    assert measured(demo.readout.value) == -10.0
    assert "10 times the speech's power" in demo.readout.value


def test_lower_snr_raises_the_noise_in_the_figure():
    demo = widgets.snr_demo(word(), snr_db=30, audio=False)
    _, noise_30 = band_levels(demo)
    mix_30 = demo.figure.axes[0].lines[0].get_ydata()
    demo.controls["snr_db"].value = 0
    _, noise_0 = band_levels(demo)
    mix_0 = demo.figure.axes[0].lines[0].get_ydata()
    # Every band's noise rises by the same 30 dB; the word's level does not move.
    np.testing.assert_allclose(noise_0 - noise_30, 30.0, atol=0.05)
    clean = demo.figure.axes[0].lines[1].get_ydata()
    assert np.std(mix_0 - clean) > 10 * np.std(mix_30 - clean)


def test_colour_moves_the_noise_power_down_in_frequency():
    demo = widgets.snr_demo(word(), snr_db=5, color="white", audio=False)
    _, white = band_levels(demo)
    rms_white = noise_rms(demo.readout.value)
    demo.controls["color"].value = "brown"
    _, brown = band_levels(demo)
    # The same total noise power (the same SNR and RMS) ...
    assert measured(demo.readout.value) == 5.0
    assert noise_rms(demo.readout.value) == pytest.approx(rms_white, rel=0.01)
    # ... but white noise is level across the mel bands, brown falls steeply with frequency.
    assert abs(white[-1] - white[len(white) // 2]) < 6
    assert brown[0] - brown[-1] > 40
    assert brown[-1] < white[-1] - 20
    assert "Brown" in demo.readout.value


def test_figure_has_units_and_readout_plays_the_mix():
    demo = widgets.snr_demo(word(), snr_db=20, color="pink")
    wave_ax, spec_ax = demo.figure.axes[0], demo.figure.axes[1]
    assert wave_ax.get_xlabel() == "time (s)" and wave_ax.get_title() == "pink noise at 20 dB SNR"
    assert spec_ax.get_ylabel() == "mel band centre (Hz)"
    assert "<audio" in demo.readout.value and "Listen to the mix" in demo.readout.value
    figure, text = draw_snr(snr_db=20, color="pink", y=word())
    assert "<audio" not in text
    figure.clf()


def test_the_default_clip_is_a_spoken_word():
    demo = widgets.snr_demo(audio=False)
    assert measured(demo.readout.value) == 10.0
    speech, _ = band_levels(demo)
    assert np.max(speech) > -20  # the word is there, not silence


def test_bad_arguments():
    with pytest.raises(ParameterError, match="color"):
        widgets.snr_demo(word(), color="purple")
    with pytest.raises(ParameterError):
        widgets.snr_demo(np.zeros((2, 100), np.float32))
