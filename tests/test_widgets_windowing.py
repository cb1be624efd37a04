"""Lesson 02's leakage demo: the readout and the figure follow the controls."""

from __future__ import annotations

import re

import numpy as np
import pytest

from audiolab import widgets
from audiolab.errors import ParameterError
from audiolab.widgets.windowing import draw_leakage, leaked_fraction, window_lobes


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return float(match.group(1))


def side_lobe(text: str) -> float:
    return number(r"side lobe: <b>(-?[\d.]+) dB", text)


def main_lobe(text: str) -> float:
    return number(r"Main lobe: <b>([\d.]+) bins", text)


def leaked_percent(text: str) -> float:
    if "leaked beyond the main lobe: <b>none" in text:
        return 0.0
    return number(r"leaked beyond the main lobe: <b>([\d.]+) %", text)


@pytest.mark.parametrize(
    "window, width, side",
    [("rectangular", 2, -13.3), ("hann", 4, -31.5), ("hamming", 4, -42.7), ("blackman", 6, -58.1)],
)
def test_window_lobes_are_the_textbook_values(window, width, side):
    measured_width, measured_side = window_lobes(window, 512)
    assert measured_width == width
    assert measured_side == pytest.approx(side, abs=0.2)


def test_hann_has_lower_side_lobes_and_a_wider_main_lobe():
    demo = widgets.leakage_demo(window="rectangular", n=400, frequency_bins=10.5)
    rectangular = demo.readout.value
    first = demo.figure
    demo.controls["window"].value = "hann"
    hann = demo.readout.value
    assert demo.draws == 2 and demo.figure is not first
    assert side_lobe(hann) < side_lobe(rectangular) - 15
    assert main_lobe(hann) == 2 * main_lobe(rectangular)
    assert leaked_percent(hann) < leaked_percent(rectangular) / 100


def test_a_tone_on_a_bin_does_not_leak_through_a_rectangular_window():
    demo = widgets.leakage_demo(window="rectangular", n=400, frequency_bins=10.5)
    assert leaked_percent(demo.readout.value) > 10
    demo.controls["frequency_bins"].value = 10.0
    assert leaked_percent(demo.readout.value) == 0.0
    assert "400.0 Hz" in demo.readout.value  # 10 bins of 16000 / 400 = 40 Hz


def test_leakage_is_worst_halfway_between_bins():
    frame = lambda k: np.cos(2 * np.pi * k * np.arange(256) / 256)  # noqa: E731
    fractions = [leaked_fraction(frame(k), k, 1.0) for k in (12.0, 12.25, 12.5)]
    assert fractions[0] < 1e-20 < fractions[1] < fractions[2]


def test_longer_window_narrows_the_main_lobe_in_hz():
    demo = widgets.leakage_demo(window="hann", n=256, frequency_bins=8.0)
    wide = number(r"wide \(([\d.]+) Hz\)", demo.readout.value)
    demo.controls["n"].value = 1024
    narrow = number(r"wide \(([\d.]+) Hz\)", demo.readout.value)
    assert wide == pytest.approx(250.0) and narrow == pytest.approx(62.5)
    assert "1024-sample (64.0 ms)" in demo.readout.value


def test_figure_shows_the_frame_and_its_spectrum():
    figure, _ = draw_leakage(window="hann", n=128, frequency_bins=5.25)
    ax_time, ax_freq = figure.axes
    assert ax_time.get_xlabel() == "time (ms)"
    assert "frequency" in ax_freq.get_xlabel()
    # The windowed frame (third line) starts and ends near zero for Hann.
    frame = ax_time.lines[2].get_ydata()
    assert abs(frame[0]) < 1e-12 and abs(frame[-1]) < 0.01
    # The spectrum peaks at 0 dB near the tone.
    fine = ax_freq.lines[0]
    peak_at = fine.get_xdata()[np.argmax(fine.get_ydata())]
    assert abs(peak_at - 5.25) < 0.1


def test_text_form_and_bad_values():
    demo = widgets.leakage_demo()
    assert demo._repr_mimebundle_()["text/plain"] == (
        "Interactive demo: spectral leakage (controls: window, n, frequency_bins)"
    )
    with pytest.raises(ParameterError, match="window"):
        widgets.leakage_demo(window="triangle")
    with pytest.raises(ParameterError, match="Nyquist"):
        draw_leakage(window="hann", n=64, frequency_bins=40)
