"""Lesson 01's demos: the sliders change the figure and the readout the way the lesson says."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from audiolab import dsp, widgets
from audiolab.errors import ParameterError
from audiolab.widgets.sampling import draw_aliasing, draw_quantization


def snr_in(readout: str) -> float:
    match = re.search(r"SNR <b>(-?[\d.]+) dB</b>", readout)
    assert match, readout
    return float(match.group(1))


def test_both_demos_are_found_by_name():
    assert "quantization_demo" in dir(widgets) and "aliasing_demo" in dir(widgets)


def test_aliasing_demo_plays_what_the_samples_say():
    demo = widgets.aliasing_demo(frequency=7000, sr=8000)
    assert "aliases to <b>1000 Hz</b>" in demo.readout.value
    assert "<audio" in demo.readout.value and "Listen to the samples at 8000 Hz" in demo.readout.value
    demo.controls["sr"].value = 16000
    assert "below the Nyquist" in demo.readout.value
    assert "Listen to the samples at 16000 Hz" in demo.readout.value
    # Without audio (the default of the drawing function) the readout is text only.
    figure, text = draw_aliasing(frequency=7000, sr=8000)
    assert "<audio" not in text
    figure.clf()


def test_quantization_demo_each_bit_adds_about_6_db():
    demo = widgets.quantization_demo(bits=8, audio=False)
    assert demo.name == "quantization" and list(demo.controls) == ["bits", "level_db"]
    at_8 = snr_in(demo.readout.value)
    # A full-scale tone: close to 6.02 * 8 + 1.76 = 49.9 dB.
    assert abs(at_8 - 49.9) < 1.0
    assert "256 levels" in demo.readout.value and "49.9 dB" in demo.readout.value
    first = demo.figure
    demo.controls["bits"].value = 12
    assert demo.draws == 2 and demo.figure is not first
    at_12 = snr_in(demo.readout.value)
    assert abs((at_12 - at_8) - 4 * 6.02) < 1.0
    assert "4,096 levels" in demo.readout.value


def test_quantization_demo_quiet_signals_lose_snr():
    demo = widgets.quantization_demo(bits=10, audio=False)
    loud = snr_in(demo.readout.value)
    demo.controls["level_db"].value = -24
    quiet = snr_in(demo.readout.value)
    assert abs((loud - quiet) - 24) < 1.5
    assert "Peak at -24 dBFS" in demo.readout.value


def test_quantization_figure_shows_signal_steps_and_error():
    demo = widgets.quantization_demo(bits=3, audio=False)
    top, bottom = demo.figure.axes
    signal, steps = top.lines[0].get_ydata(), top.lines[1].get_ydata()
    error = bottom.lines[0].get_ydata()
    # 3 bits: 8 levels, a step of 0.25; the steps are on the grid.
    assert np.allclose(steps * 4, np.round(steps * 4))
    np.testing.assert_allclose(error, steps - signal)
    inside = signal < 0.875  # above it, samples clip to the top level 0.75
    assert np.abs(error[inside]).max() <= 0.125 + 1e-9
    assert np.isclose(steps.max(), 0.75)
    demo.controls["bits"].value = 6
    finer = demo.figure.axes[1].lines[0].get_ydata()
    assert np.abs(finer).max() < np.abs(error).max() / 4
    assert bottom.get_xlabel() == "time (ms)"


def test_quantization_demo_zooms_on_the_loud_part_and_plays_it():
    sr = 8000
    y = np.concatenate([np.zeros(4000), 0.8 * dsp.tone(300.0, sr=sr, duration=0.25)]).astype(np.float32)
    demo = widgets.quantization_demo(y, sr=sr, bits=4)
    times = demo.figure.axes[0].lines[0].get_xdata()
    assert times[0] >= 500.0  # the tone starts at 500 ms; silence is not shown
    assert "<audio" in demo.readout.value
    # Peak-normalised to 0 dBFS before quantizing: the tone fills the range.
    assert abs(np.abs(demo.figure.axes[0].lines[0].get_ydata()).max() - 1.0) < 1e-6


def test_quantization_edge_cases():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure, text = draw_quantization(bits=1, level_db=-48, audio=True)
    assert "SNR <b>0.0 dB</b>" in text  # everything rounds to 0: the error is the signal
    assert "<audio" in text  # a silent player, not a division by zero
    figure.clf()
    y = dsp.quantize(dsp.tone(300.0, sr=8000, duration=0.1, amplitude=1.0), 8)
    figure, text = draw_quantization(bits=8, y=y, sr=8000, audio=False)
    assert "no error at all" in text  # already on the 8-bit grid
    figure.clf()
    with pytest.raises(ParameterError):
        widgets.quantization_demo(np.zeros(10, dtype=np.int16))
    with pytest.raises(ParameterError):
        widgets.quantization_demo(sr=0)


def test_quantization_demo_text_form():
    demo = widgets.quantization_demo(audio=False)
    bundle = demo._repr_mimebundle_()
    assert bundle["text/plain"] == "Interactive demo: quantization (controls: bits, level_db)"
