"""Lesson 09's demo: the self-attention maps of a keyword transformer, clip by clip.

The maps come from :func:`audiolab.models.attention_maps`; the demo only draws
them. Keras and the model's module load when the demo is built.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from .base import Demo
from .training import _check_examples, _clip_options, _names

__all__ = ["transformer_attention_demo"]


def transformer_attention_demo(
    model,
    examples: NDArray[np.floating],
    *,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    hop_seconds: float = 0.01,
) -> Demo:
    """Show where a transformer's self-attention looks, for each clip, block and head.

    Parameters
    ----------
    model : keras.Model
        Built by :func:`audiolab.models.build_transformer`, taking features.
    examples : np.ndarray [shape=(n, n_features, n_frames)]
        A few clips' log-mel features (a dozen is plenty: every map is
        computed when the demo is built).
    labels, class_names
        The clips' true classes and the class names, for the clip picker.
    hop_seconds : float
        Time between input frames (0.01 s at the course's settings).

    Returns
    -------
    Demo
        Controls ``clip``, ``block`` and ``head`` (``-1``: the mean of the
        heads). The figure shows the clip's log-mel spectrogram, the attention
        map (row: the patch that asks, column: the patch it takes from; each
        row sums to 1) and the attention each patch receives, averaged over
        the rows. The readout gives the prediction and where the attention goes.

    Raises
    ------
    ParameterError
        If the model has no attention blocks or the examples do not fit it.

    Taught in lesson 09 (attention and transformers).
    """
    import ipywidgets as widgets

    from .. import models

    x = _check_examples(examples, model)
    blocks = models.attention_blocks(model)
    if not blocks:
        raise ParameterError(
            f"model {model.name!r} has no attention blocks: build it with models.build_transformer"
        )
    maps = {block: models.attention_maps(model, x, block=block) for block in blocks}
    probabilities = np.asarray(model(x, training=False))
    names = _names(class_names, probabilities.shape[1])
    n_heads, n_patches = maps[blocks[0]].shape[1], maps[blocks[0]].shape[2]
    duration = x.shape[2] * hop_seconds
    patch_seconds = hop_seconds * (x.shape[2] // n_patches)
    span = n_patches * patch_seconds

    controls = {
        "clip": widgets.Dropdown(options=_clip_options(len(x), labels, class_names), value=0,
                                 description="clip"),
        "block": widgets.Dropdown(options=[(f"block {b}", b) for b in blocks], value=blocks[-1],
                                  description="block"),
        "head": widgets.Dropdown(options=[("mean of heads", -1)]
                                 + [(f"head {h + 1}", h) for h in range(n_heads)],
                                 value=-1, description="head"),
    }

    def draw(clip: int, block: int, head: int):
        import matplotlib.pyplot as plt

        heads = maps[block][clip]
        attention = heads.mean(axis=0) if head < 0 else heads[head]
        received = attention.mean(axis=0)          # each column: what one patch gives the others
        times = (np.arange(n_patches) + 0.5) * patch_seconds
        fig = plt.figure(figsize=(10, 6.2), layout="constrained")
        grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.5), width_ratios=(1.15, 1))
        spectrum = fig.add_subplot(grid[0, 0])
        image = spectrum.imshow(x[clip], origin="lower", aspect="auto", cmap="magma",
                                extent=(0, duration, -0.5, x.shape[1] - 0.5))
        fig.colorbar(image, ax=spectrum, label="level (dB)")
        spectrum.set_ylabel("mel band")
        spectrum.set_title("the clip (log-mel)")
        bars = fig.add_subplot(grid[1, 0], sharex=spectrum)
        bars.bar(times, received, width=patch_seconds * 0.9, color="tab:orange")
        bars.set_xlabel("time (s)")
        bars.set_ylabel("attention received (mean over rows)")
        bars.set_xlim(0, duration)
        square = fig.add_subplot(grid[:, 1])
        shown = square.imshow(attention, origin="lower", cmap="viridis",
                              extent=(0, span, 0, span))
        fig.colorbar(shown, ax=square, label="attention weight", shrink=0.7)
        square.set_xlabel("patch attended to: time (s)")
        square.set_ylabel("patch attending: time (s)")
        which = "mean of the heads" if head < 0 else f"head {head + 1}"
        square.set_title(f"block {block}, {which}")
        order = np.argsort(received)[::-1]
        needed = int(np.searchsorted(np.cumsum(received[order]), 0.5) + 1)
        chosen = np.sort(order[:needed])
        predicted = int(np.argmax(probabilities[clip]))
        text = (f"Prediction: {names[predicted]} ({probabilities[clip, predicted]:.0%}). "
                f"Half of the attention goes to {needed} of {n_patches} patches, between "
                f"{chosen[0] * patch_seconds:.2f} s and {(chosen[-1] + 1) * patch_seconds:.2f} s.")
        return fig, text

    return Demo("transformer attention", controls, draw)
