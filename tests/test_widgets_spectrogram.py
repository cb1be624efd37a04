"""Lesson 03's resolution demo: n_fft trades time resolution for frequency resolution."""

from __future__ import annotations

import re

import numpy as np
import pytest

from audiolab import widgets
from audiolab.errors import ParameterError
from audiolab.widgets.spectrogram import (
    N_FFT_CHOICES,
    RESOLUTION_SIGNAL,
    draw_resolution,
    resolution_report,
    resolution_signal,
)


def resolutions(text: str) -> tuple[float, float]:
    ms = float(re.search(r"spans <b>([\d.]+) ms", text).group(1))
    hz = float(re.search(r"<b>([\d.]+) Hz</b> apart", text).group(1))
    return ms, hz


def test_longer_window_finer_frequency_coarser_time():
    demo = widgets.resolution_demo(n_fft=256)
    short_ms, short_hz = resolutions(demo.readout.value)
    first = demo.figure
    demo.controls["n_fft"].value = 2048
    long_ms, long_hz = resolutions(demo.readout.value)
    assert demo.draws == 2 and demo.figure is not first
    assert (short_ms, short_hz) == (16.0, 62.5)
    assert (long_ms, long_hz) == (128.0, 7.81)
    assert long_ms > short_ms and long_hz < short_hz


def test_frequency_resolution_is_the_main_lobe_not_the_bin_spacing():
    """At n_fft = 512 the bins are 31.25 Hz apart, yet tones 60 Hz apart merge: under 2 bins."""
    demo = widgets.resolution_demo(n_fft=512)
    text = demo.readout.value
    assert "main lobe is 4 bins (125 Hz) wide" in text
    assert "<b>2 bins (62.5 Hz)</b> apart" in text
    assert "Tones 60 Hz apart: <b>merged</b>" in text
    assert "product" not in text
    demo.controls["n_fft"].value = 1024  # 60 Hz is 3.8 bins of 15.6 Hz
    assert "<b>2 bins (31.2 Hz)</b>" in demo.readout.value
    assert "Tones 60 Hz apart: <b>resolved</b>" in demo.readout.value
    from audiolab.features import stft

    power = np.abs(stft(resolution_signal(), n_fft=512, hop_length=32)) ** 2
    report = resolution_report(power, sr=16000, n_fft=512, hop_length=32)
    assert report["main_lobe_hz"] == 125.0 and report["resolution_hz"] == 62.5
    assert report["frequency_hz"] < 60 < report["resolution_hz"] and not report["tones_resolved"]


def test_short_window_separates_clicks_long_window_separates_tones():
    demo = widgets.resolution_demo(n_fft=128)
    assert "Clicks 20 ms apart: <b>separate</b>" in demo.readout.value
    assert "Tones 60 Hz apart: <b>merged</b>" in demo.readout.value
    demo.controls["n_fft"].value = 2048
    assert "Clicks 20 ms apart: <b>smeared together</b>" in demo.readout.value
    assert "Tones 60 Hz apart: <b>resolved</b>" in demo.readout.value


def test_no_window_resolves_both():
    from audiolab.features import stft

    y = resolution_signal()
    both = []
    for n_fft in N_FFT_CHOICES:
        power = np.abs(stft(y, n_fft=n_fft, hop_length=32)) ** 2
        report = resolution_report(power, sr=16000, n_fft=n_fft, hop_length=32)
        both.append(report["tones_resolved"] and report["clicks_resolved"])
    assert not any(both)


def test_figure_has_the_spectrogram_and_two_close_ups():
    figure, text = draw_resolution(n_fft=1024)
    titles = [ax.get_title() for ax in figure.axes]
    assert "n_fft = 1024 (Hann window of 64 ms)" in titles
    assert "tones 60 Hz apart: two peaks" in titles
    assert "clicks 20 ms apart: smeared together" in titles
    image = figure.axes[0].images[0]
    assert image.get_array().shape[0] == 1024 // 2 + 1


def test_signal_layout():
    y = resolution_signal()
    assert y.shape == (int(1.35 * 16000),) and y.dtype == np.float32
    start, stop, _ = RESOLUTION_SIGNAL["clicks"]
    clicks = np.flatnonzero(y[int(start * 16000) : int(stop * 16000)])
    assert np.all(np.diff(clicks) == 320)  # 20 ms at 16 kHz
    y[0] = 5.0  # a copy: the demo's signal is unchanged
    assert resolution_signal()[0] != 5.0


def test_text_form_and_bad_values():
    demo = widgets.resolution_demo()
    assert demo._repr_mimebundle_()["text/plain"] == (
        "Interactive demo: time-frequency resolution (controls: n_fft)"
    )
    with pytest.raises(ParameterError, match="n_fft"):
        widgets.resolution_demo(n_fft=500)
    with pytest.raises(ParameterError, match="16000"):
        resolution_signal(sr=8000)
