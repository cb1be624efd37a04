"""Demos for lessons 07 and 08: what a trained network sees.

- :func:`feature_maps_demo`: pick a clip, a convolution layer and a channel,
  and see the input log-mel spectrogram beside that channel's feature map.
- :func:`attention_demo`: pick a clip and see where in time an RNN with
  attention pooling looks (the attention weights under the spectrogram).

Both take a trained Keras model and a few examples; TensorFlow is loaded by
the model, not by this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from .base import Demo

__all__ = ["feature_maps_demo", "attention_demo"]


def _check_examples(examples: Any, model) -> NDArray[np.float32]:
    x = np.asarray(examples, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if x.ndim != len(expected) + 1 or tuple(x.shape[1:]) != expected or len(x) == 0:
        raise ParameterError(
            f"examples must have shape (n, {', '.join(map(str, expected))}) for this model, "
            f"got {x.shape}"
        )
    return x


def _clip_options(n: int, labels, class_names) -> list[tuple[str, int]]:
    options = []
    for i in range(n):
        if labels is not None and class_names is not None:
            options.append((f"{i}: {class_names[int(labels[i])]}", i))
        else:
            options.append((f"clip {i}", i))
    return options


def _resolution(axis: str, n_input: int, n_map: int, unit: str) -> str:
    """An axis label saying how many input steps one step of a feature map spans."""
    factor = round(n_input / n_map)   # pooling by 2 maps 101 frames to 50: one per 2
    if factor <= 1:
        return f"{axis} (as in the input)"
    return f"{axis} (1 per {factor} {unit})"


def _names(class_names, k: int) -> list[str]:
    return [str(c) for c in class_names] if class_names is not None else [str(i) for i in range(k)]


def feature_maps_demo(
    model,
    examples: NDArray[np.floating],
    *,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    layers: Sequence[str] | None = None,
) -> Demo:
    """Show what each channel of a CNN's convolution layers responds to.

    Parameters
    ----------
    model : keras.Model
        A CNN taking features ``(n_features, n_frames)``, e.g. from
        :func:`audiolab.models.build_cnn`.
    examples : np.ndarray [shape=(n, n_features, n_frames)]
        A few clips' features (at most a dozen is plenty).
    labels : sequence of int or None
        Their true classes, to name them in the picker.
    class_names : sequence of str or None
        The model's classes.
    layers : sequence of str or None
        The layers to offer (default: every layer whose name starts with
        ``relu``, i.e. each block's output after the non-linearity).

    Returns
    -------
    Demo
        Controls ``clip``, ``layer`` and ``channel``; the readout gives the
        map's shape, the channel's strongest response and the prediction.

    Raises
    ------
    ParameterError
        If the examples do not fit the model or no layer can be shown.

    Taught in lesson 07 (a CNN on spectrograms).
    """
    import ipywidgets as widgets
    import keras

    x = _check_examples(examples, model)
    if layers is None:
        layers = [layer.name for layer in model.layers if layer.name.startswith("relu")]
    layers = list(layers)
    if not layers:
        raise ParameterError("the model has no layers named relu...; pass layers=[...]")
    for name in layers:
        try:
            shape = model.get_layer(name).output.shape
        except ValueError:
            raise ParameterError(f"the model has no layer {name!r}") from None
        if len(shape) != 4:
            raise ParameterError(f"layer {name!r} is not a 2-D feature map (shape {shape})")
    probe = keras.Model(model.input, [model.get_layer(n).output for n in layers] + [model.output])
    outputs = [np.asarray(o) for o in probe(x, training=False)]
    maps = dict(zip(layers, outputs[:-1], strict=True))
    probabilities = outputs[-1]
    names = _names(class_names, probabilities.shape[1])
    widest = max(m.shape[-1] for m in maps.values())

    controls = {
        "clip": widgets.Dropdown(options=_clip_options(len(x), labels, class_names), value=0,
                                 description="clip"),
        "layer": widgets.Dropdown(options=layers, value=layers[0], description="layer"),
        "channel": widgets.IntSlider(value=0, min=0, max=widest - 1, description="channel",
                                     continuous_update=False),
    }

    def draw(clip: int, layer: str, channel: int):
        import matplotlib.pyplot as plt

        fmap = maps[layer][clip]
        channel = min(channel, fmap.shape[-1] - 1)
        values = fmap[..., channel]
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), layout="constrained")
        axes[0].imshow(x[clip], origin="lower", aspect="auto", cmap="magma")
        axes[0].set_title("input (log-mel)")
        axes[0].set_xlabel("frame")
        axes[0].set_ylabel("mel band")
        image = axes[1].imshow(values, origin="lower", aspect="auto", cmap="viridis")
        axes[1].set_title(f"{layer}, channel {channel}")
        axes[1].set_xlabel(_resolution("frame", x.shape[2], fmap.shape[1], "input frames"))
        axes[1].set_ylabel(_resolution("row", x.shape[1], fmap.shape[0], "mel bands"))
        fig.colorbar(image, ax=axes[1], pad=0.01, label="activation")
        row, col = np.unravel_index(int(np.argmax(values)), values.shape)
        active = float(np.mean(values > 0))
        predicted = int(np.argmax(probabilities[clip]))
        text = (f"{layer}: {fmap.shape[0]} x {fmap.shape[1]} positions x {fmap.shape[2]} "
                f"channels. Channel {channel} is active (above 0) at {active:.0%} of the "
                f"positions, most strongly at row {row}, frame {col}. Prediction: "
                f"{names[predicted]} ({probabilities[clip, predicted]:.0%}).")
        return fig, text

    return Demo("feature maps", controls, draw)


def attention_demo(
    model,
    examples: NDArray[np.floating],
    *,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    hop_seconds: float = 0.01,
    layer: str = "attention_weights",
) -> Demo:
    """Show where in time an RNN with attention pooling looks.

    Parameters
    ----------
    model : keras.Model
        Built with ``attention=True`` (:func:`audiolab.models.build_rnn` or
        :func:`~audiolab.models.build_crnn`), taking features.
    examples : np.ndarray [shape=(n, n_features, n_frames)]
        A few clips' features.
    labels, class_names
        As in :func:`feature_maps_demo`.
    hop_seconds : float
        Time between input frames (0.01 s at the course's settings).
    layer : str
        The layer holding the weights.

    Returns
    -------
    Demo
        Control ``clip``; the figure shows the features and the weight of each
        time step; the readout, the prediction and where the weight is.

    Raises
    ------
    ParameterError
        If the model has no attention layer or the examples do not fit.

    Taught in lesson 08 (RNNs on sequences).
    """
    import ipywidgets as widgets
    import keras

    x = _check_examples(examples, model)
    try:
        weights_layer = model.get_layer(layer)
    except ValueError:
        raise ParameterError(
            f"the model has no layer {layer!r}: build it with attention=True"
        ) from None
    probe = keras.Model(model.input, [weights_layer.output, model.output])
    weights, probabilities = (np.asarray(o) for o in probe(x, training=False))
    weights = weights[..., 0]  # (n, steps)
    names = _names(class_names, probabilities.shape[1])
    n_frames = x.shape[2]
    step_seconds = hop_seconds * n_frames / weights.shape[1]

    controls = {"clip": widgets.Dropdown(options=_clip_options(len(x), labels, class_names),
                                         value=0, description="clip")}

    def draw(clip: int):
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 1, figsize=(9, 4.5), sharex=True, layout="constrained",
                                 height_ratios=(2, 1))
        duration = n_frames * hop_seconds
        # Each row standardised over time: MFCC's c0 (the frame's energy) is tens of
        # times larger than c1-c12 and would leave them a flat colour.
        rows = x[clip] - x[clip].mean(axis=1, keepdims=True)
        spread = rows.std(axis=1, keepdims=True)
        rows = rows / np.where(spread > 0, spread, 1.0)
        axes[0].imshow(rows, origin="lower", aspect="auto", cmap="magma",
                       extent=(0, duration, -0.5, x.shape[1] - 0.5))
        axes[0].set_ylabel("feature row")
        axes[0].set_title("input features, each row standardised over time")
        times = (np.arange(weights.shape[1]) + 0.5) * step_seconds
        axes[1].bar(times, weights[clip], width=step_seconds * 0.9, color="tab:orange")
        axes[1].set_xlabel("time (s)")
        axes[1].set_ylabel("attention weight")
        top = np.argsort(weights[clip])[::-1]
        cumulative = np.cumsum(weights[clip][top])
        needed = int(np.searchsorted(cumulative, 0.5) + 1)
        predicted = int(np.argmax(probabilities[clip]))
        peak = float(times[top[0]])
        text = (f"Prediction: {names[predicted]} ({probabilities[clip, predicted]:.0%}). "
                f"Half of the attention falls on {needed} of {weights.shape[1]} time steps; "
                f"the largest weight ({weights[clip, top[0]]:.2f}) is at {peak:.2f} s.")
        return fig, text

    return Demo("attention over time", controls, draw)
