"""Lesson 05's gating demo: a moderate threshold raises the SNR, too high a one lowers it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from audiolab import widgets
from audiolab.errors import ParameterError
from audiolab.widgets.preparation import denoise_example, draw_denoise


def snrs(text: str) -> tuple[float, float]:
    before = float(re.search(r"Noise added at <b>(-?[\d.]+) dB</b>", text).group(1))
    after = float(re.search(r"standard deviations: <b>(-?[\d.]+) dB</b>", text).group(1))
    return before, after


def test_threshold_slider_trades_noise_for_distortion():
    demo = widgets.denoise_demo(snr_db=5, n_std_thresh=0.0, audio=False)
    before, barely = snrs(demo.readout.value)
    assert before == pytest.approx(5.0, abs=0.05)
    first = demo.figure
    demo.controls["n_std_thresh"].value = 2.0
    assert demo.draws == 2 and demo.figure is not first
    _, best = snrs(demo.readout.value)
    demo.controls["n_std_thresh"].value = 4.0
    _, harsh = snrs(demo.readout.value)
    # A little gating helps a little, the right amount a lot, too much less again.
    assert before < barely < best and best - before > 5
    assert harsh < best - 3
    assert "better" in demo.readout.value
    assert "gated (threshold 4 std)" in demo.figure.axes[2].get_title()


def test_snr_slider_sets_the_noise():
    demo = widgets.denoise_demo(snr_db=20, n_std_thresh=1.5, audio=False)
    quiet_noise = demo.figure.axes[1].images[0].get_array().filled()
    assert snrs(demo.readout.value)[0] == pytest.approx(20.0, abs=0.05)
    demo.controls["snr_db"].value = 0
    before, after = snrs(demo.readout.value)
    assert before == pytest.approx(0.0, abs=0.05) and after > before + 5
    loud_noise = demo.figure.axes[1].images[0].get_array().filled()
    # Louder noise fills the silence around the word: the "before" picture is brighter.
    assert np.median(loud_noise) > np.median(quiet_noise) + 10
    assert demo.figure.axes[1].get_title() == "with noise: 0.0 dB SNR"


def test_gate_with_too_high_a_threshold_can_make_things_worse():
    # With little noise, a harsh gate removes more speech than noise.
    result = denoise_example(snr_db=40, n_std_thresh=4.0)
    assert result["snr_after"] < result["snr_before"]
    figure, text = draw_denoise(snr_db=40, n_std_thresh=4.0, audio=False)
    assert "worse" in text


def test_same_noise_for_every_setting_and_own_clip():
    a = denoise_example(snr_db=10, n_std_thresh=1.0)
    b = denoise_example(snr_db=10, n_std_thresh=3.0)
    np.testing.assert_array_equal(a["noisy"], b["noisy"])
    assert a["clean"].shape == (16000,)
    t = np.arange(16000) / 16000
    tone = np.where((t > 0.4) & (t < 0.6), 0.5 * np.sin(2 * np.pi * 440 * t), 0.0)
    result = denoise_example(snr_db=0, n_std_thresh=1.5, y=tone.astype(np.float32))
    assert result["snr_after"] > result["snr_before"] + 5


def test_players_and_bad_settings():
    demo = widgets.denoise_demo()
    assert demo.readout.value.count("<audio") == 2
    assert demo._repr_mimebundle_()["text/plain"] == (
        "Interactive demo: spectral gating (controls: snr_db, n_std_thresh)")
    with pytest.raises(ParameterError):
        widgets.denoise_demo(snr_db=7)
    with pytest.raises(ParameterError):
        widgets.denoise_demo(n_std_thresh=9)
