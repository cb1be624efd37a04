"""Lessons 07-08's demos: feature maps of a CNN, attention weights of an RNN."""

from __future__ import annotations

import re

import numpy as np
import pytest

from audiolab import widgets
from audiolab.errors import ParameterError

models = pytest.importorskip("audiolab.models")

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def examples(n=3, shape=(40, 101), seed=0):
    return np.random.default_rng(seed).standard_normal((n, *shape)).astype(np.float32)


def test_feature_maps_follow_the_layer_and_channel():
    model = models.build_cnn((40, 101), 3, filters=(4, 8))
    demo = widgets.feature_maps_demo(model, examples(), labels=[0, 2, 1],
                                     class_names=["a", "b", "c"])
    assert [label for label, _ in demo.controls["clip"].options] == ["0: a", "1: c", "2: b"]
    assert list(demo.controls["layer"].options) == ["relu1", "relu2"]
    assert demo.readout.value.startswith("relu1: 40 x 101 positions x 4 channels")
    assert demo.figure.axes[1].get_xlabel() == "frame (as in the input)"   # relu1 is before pooling
    assert "Prediction: " in demo.readout.value
    first = demo.figure
    demo.controls["layer"].value = "relu2"
    assert demo.readout.value.startswith("relu2: 20 x 50 positions x 8 channels")
    assert demo.figure is not first and demo.draws == 2
    assert demo.figure.axes[1].get_xlabel() == "frame (1 per 2 input frames)"
    assert demo.figure.axes[1].get_ylabel() == "row (1 per 2 mel bands)"
    demo.controls["channel"].value = 7
    assert "Channel 7 is active" in demo.readout.value
    assert demo.figure.axes[1].get_title() == "relu2, channel 7"
    demo.controls["layer"].value = "relu1"  # 4 channels: the slider's 7 shows the last one
    assert demo.figure.axes[1].get_title() == "relu1, channel 3"


def test_feature_maps_checks_its_inputs():
    model = models.build_cnn((40, 101), 3, filters=(4,))
    with pytest.raises(ParameterError, match=r"shape \(n, 40, 101\)"):
        widgets.feature_maps_demo(model, examples(shape=(13, 101)))
    with pytest.raises(ParameterError, match="no layer 'conv9'"):
        widgets.feature_maps_demo(model, examples(), layers=["conv9"])
    with pytest.raises(ParameterError, match="not a 2-D feature map"):
        widgets.feature_maps_demo(model, examples(), layers=["classifier"])


def test_attention_shows_weights_that_sum_to_one():
    model = models.build_rnn((13, 101), 2, units=4, attention=True)
    demo = widgets.attention_demo(model, examples(shape=(13, 101)), labels=[0, 1, 1],
                                  class_names=["no", "yes"])
    text = demo.readout.value
    match = re.search(r"Half of the attention falls on (\d+) of 50 time steps", text)
    assert match and 1 <= int(match.group(1)) <= 50
    bars = demo.figure.axes[1].patches
    assert len(bars) == 50
    assert sum(bar.get_height() for bar in bars) == pytest.approx(1.0, abs=1e-4)
    image = demo.figure.axes[0].images[0].get_array()   # rows standardised: c1-c12 beside c0
    assert np.allclose(image.mean(axis=1), 0, atol=1e-5) and np.allclose(image.std(axis=1), 1, atol=1e-4)
    demo.controls["clip"].value = 2
    assert demo.draws == 2
    with pytest.raises(ParameterError, match="attention=True"):
        widgets.attention_demo(models.build_rnn((13, 101), 2, units=4, attention=False),
                               examples(shape=(13, 101)))
