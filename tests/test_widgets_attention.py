"""Lesson 09's demo: a transformer's attention maps, clip by clip, block by block, head by head."""

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


def test_the_map_follows_clip_block_and_head():
    model = models.build_transformer((40, 101), 2, width=16, num_heads=2, mlp_units=16)
    x = examples()
    demo = widgets.transformer_attention_demo(model, x, labels=[0, 1, 1], class_names=["no", "yes"])
    assert list(demo.controls["block"].options) == [("block 1", 1), ("block 2", 2)]
    assert [label for label, _ in demo.controls["head"].options] == ["mean of heads", "head 1", "head 2"]
    match = re.search(r"Half of the attention goes to (\d+) of 50 patches", demo.readout.value)
    assert match and 1 <= int(match.group(1)) <= 50
    mean_map = demo.figure.axes[-2].images[0].get_array()
    expected = models.attention_maps(model, x, block=2)[0]
    np.testing.assert_allclose(mean_map, expected.mean(axis=0), atol=1e-6)
    bars = next(ax for ax in demo.figure.axes if ax.get_ylabel().startswith("attention received")).patches
    assert len(bars) == 50 and sum(b.get_height() for b in bars) == pytest.approx(1.0, abs=1e-4)
    demo.controls["head"].value = 1
    np.testing.assert_allclose(demo.figure.axes[-2].images[0].get_array(), expected[1], atol=1e-6)
    assert demo.figure.axes[-2].get_title() == "block 2, head 2"
    demo.controls["block"].value = 1
    demo.controls["clip"].value = 2
    np.testing.assert_allclose(demo.figure.axes[-2].images[0].get_array(),
                               models.attention_maps(model, x, block=1)[2, 1], atol=1e-6)
    assert demo.draws == 4


def test_it_refuses_a_model_without_attention_and_wrong_examples():
    with pytest.raises(ParameterError, match="build_transformer"):
        widgets.transformer_attention_demo(models.build_cnn((40, 101), 2, filters=(4,)), examples())
    model = models.build_transformer((40, 101), 2, width=8, num_heads=2, num_blocks=1, mlp_units=8)
    with pytest.raises(ParameterError, match=r"shape \(n, 40, 101\)"):
        widgets.transformer_attention_demo(model, examples(shape=(13, 101)))
