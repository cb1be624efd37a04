"""The lessons' demos: moving a control redraws the figure and changes the readout."""

from __future__ import annotations

import numpy as np

from audiolab import widgets


def test_aliasing_demo_follows_its_sliders():
    demo = widgets.aliasing_demo(frequency=1000, sr=8000)
    assert "below the Nyquist" in demo.readout.value and "<b>1000 Hz</b>" in demo.readout.value
    first = demo.figure
    demo.controls["frequency"].value = 7000
    assert demo.draws == 2 and demo.figure is not first
    assert "aliases to <b>1000 Hz</b>" in demo.readout.value
    demo.controls["sr"].value = 16000
    assert "<b>7000 Hz</b>" in demo.readout.value
    # The dashed line (what the samples trace) has the alias's frequency.
    traced = demo.figure.axes[0].lines[1].get_ydata()
    assert np.isclose(traced[0], 1.0)


def test_demo_text_form_is_stable():
    demo = widgets.aliasing_demo()
    bundle = demo._repr_mimebundle_()
    assert bundle["text/plain"] == "Interactive demo: aliasing (controls: frequency, sr)"
    assert "application/vnd.jupyter.widget-view+json" in bundle
