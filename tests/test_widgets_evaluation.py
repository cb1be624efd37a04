"""Lesson 10's error browser: pick a confusion-matrix cell and a clip, see and hear it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from audiolab import widgets
from audiolab.errors import ParameterError
from audiolab.widgets.evaluation import error_pairs

SR = 8000
NAMES = ["a", "b", "c"]


def data():
    rng = np.random.default_rng(0)
    clips = (0.1 * rng.standard_normal((8, SR // 2))).astype(np.float32)
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    prob = np.array([
        [0.8, 0.1, 0.1],   # right
        [0.3, 0.6, 0.1],   # a -> b
        [0.1, 0.8, 0.1],   # a -> b, more confident
        [0.1, 0.8, 0.1],   # right
        [0.1, 0.2, 0.7],   # b -> c
        [0.1, 0.1, 0.8],   # right
        [0.2, 0.1, 0.7],   # right
        [0.5, 0.2, 0.3],   # c -> a
    ])
    return clips, y_true, prob


def test_error_pairs_biggest_first():
    _, y, prob = data()
    assert error_pairs(y, prob) == [(0, 1, 2), (1, 2, 1), (2, 0, 1)]


def test_browser_shows_the_most_confident_error_first():
    demo = widgets.error_browser(*data(), NAMES, sr=SR)
    assert demo.controls["pair"].value == (0, 1)
    assert [label for label, _ in demo.controls["pair"].options][0] == "a → b (2)"
    text = demo.readout.value
    assert "True <b>a</b>, predicted <b>b</b>" in text and "test clip #2" in text
    assert "Top 3: b 0.80, a 0.10, c 0.10" in text
    assert "<audio" in text
    titles = [ax.get_title() for ax in demo.figure.axes]
    assert titles == ["confusion matrix", "log-mel spectrogram", "top 3"]


def test_moving_the_controls_changes_the_clip():
    demo = widgets.error_browser(*data(), NAMES, sr=SR, audio=False)
    assert demo.controls["clip"].max == 1
    demo.controls["clip"].value = 1
    assert "test clip #1" in demo.readout.value and "clip 2 of 2" in demo.readout.value
    demo.controls["pair"].value = (2, 0)
    assert demo.controls["clip"].max == 0 and demo.controls["clip"].value == 0
    text = demo.readout.value
    assert "True <b>c</b>, predicted <b>a</b>" in text and "test clip #7" in text
    assert "The true class got 0.30" in text
    # the highlighted cell moved to row c, column a
    (cm_ax,) = [ax for ax in demo.figure.axes if ax.get_title() == "confusion matrix"]
    (patch,) = cm_ax.patches
    assert patch.get_xy() == (-0.5, 1.5)
    # top-3 bars: predicted class first
    (bar_ax,) = [ax for ax in demo.figure.axes if ax.get_title() == "top 3"]
    assert [t.get_text() for t in bar_ax.get_yticklabels()] == ["a", "c", "b"]


def test_no_errors():
    clips, y, _ = data()
    demo = widgets.error_browser(clips, y, np.eye(3)[y], NAMES, sr=SR)
    assert demo.controls["pair"].value is None
    assert "No misclassified clips" in demo.readout.value


def test_bad_inputs():
    clips, y, prob = data()
    with pytest.raises(ParameterError, match="probabilities"):
        widgets.error_browser(clips, y, prob[:, :2], NAMES, sr=SR)
    with pytest.raises(ParameterError, match="y_true"):
        widgets.error_browser(clips, y[:3], prob, NAMES, sr=SR)
