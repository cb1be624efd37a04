"""Lesson 04's MFCC demo: more coefficients rebuild the spectrum more closely."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.fft

from audiolab import widgets
from audiolab.errors import ParameterError
from audiolab.widgets.features import draw_mfcc, envelope_from_mfcc, log_mel


def errors(text: str) -> tuple[float, float]:
    """The frame's and the clip's RMS reconstruction error in the readout, in dB."""
    frame = float(re.search(r"within <b>([\d.]+) dB</b> RMS \(largest", text).group(1))
    clip = float(re.search(r"whole clip to within <b>([\d.]+) dB</b>", text).group(1))
    return frame, clip


def test_more_coefficients_smaller_error():
    demo = widgets.mfcc_demo(n_mfcc=3, time=0.15)
    assert "<b>3</b> of 40 coefficients" in demo.readout.value
    few = errors(demo.readout.value)
    first = demo.figure
    line = first.axes[2].lines[1].get_ydata().copy()
    demo.controls["n_mfcc"].value = 13
    assert demo.draws == 2 and demo.figure is not first
    middle = errors(demo.readout.value)
    demo.controls["n_mfcc"].value = 40
    everything = errors(demo.readout.value)
    assert few[0] > middle[0] > everything[0] == 0.0
    assert few[1] > middle[1] > everything[1] == 0.0
    assert few[1] > 8 and middle[1] < 6  # 13 coefficients: a few dB; 3: a rough outline
    # The red line (the reconstruction) changed and now lies on the dots (the spectrum).
    dots, rebuilt = (ln.get_ydata() for ln in demo.figure.axes[2].lines)
    assert not np.allclose(line, rebuilt)
    np.testing.assert_allclose(rebuilt, dots, atol=1e-6)
    assert demo.figure.axes[1].get_title() == "rebuilt from the first 40 MFCCs"


def test_time_slider_moves_the_frame():
    demo = widgets.mfcc_demo(n_mfcc=13, time=0.05)
    assert "The frame at 0.05 s" in demo.readout.value
    before = demo.figure.axes[2].lines[0].get_ydata().copy()
    demo.controls["time"].value = 0.3
    assert "The frame at 0.30 s" in demo.readout.value
    after = demo.figure.axes[2].lines[0].get_ydata()
    assert not np.allclose(before, after)
    marker = demo.figure.axes[0].lines[0].get_xdata()[0]
    assert marker == pytest.approx(0.305)
    # The clip's error does not depend on the frame shown.
    assert errors(demo.readout.value)[1] == pytest.approx(4.6, abs=0.5)


def test_default_frame_is_the_loudest():
    demo = widgets.mfcc_demo()
    S_db = log_mel(np.asarray(demo._draw.keywords["y"]))
    assert demo.controls["time"].value == pytest.approx(
        int(np.argmax(S_db.mean(axis=0))) * 0.01, abs=0.006)
    assert demo.controls["n_mfcc"].max == 40


def test_envelope_is_the_inverse_dct_of_the_first_coefficients():
    rng = np.random.default_rng(0)
    S_db = rng.normal(-40, 10, size=(40, 7))
    full = envelope_from_mfcc(S_db, 40)
    np.testing.assert_allclose(full, S_db, atol=1e-9)
    one = envelope_from_mfcc(S_db, 1)
    np.testing.assert_allclose(one, np.broadcast_to(S_db.mean(axis=0), S_db.shape), atol=1e-9)
    five = envelope_from_mfcc(S_db, 5)
    np.testing.assert_allclose(scipy.fft.dct(five, norm="ortho", axis=0)[:5],
                               scipy.fft.dct(S_db, norm="ortho", axis=0)[:5], atol=1e-9)


def test_own_clip_and_errors():
    t = np.arange(8000) / 16000
    y = (0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    figure, text = draw_mfcc(n_mfcc=20, time=0.2, y=y)
    assert "<b>20</b> of 40" in text and "The frame at 0.20 s" in text
    with pytest.raises(ParameterError):
        draw_mfcc(n_mfcc=0, time=0.1)
    demo = widgets.mfcc_demo(y, n_mfcc=5)
    assert demo.controls["time"].max == pytest.approx(0.5)
    bundle = demo._repr_mimebundle_()
    assert bundle["text/plain"] == "Interactive demo: MFCC reconstruction (controls: n_mfcc, time)"
