"""Lesson 10's demo: a browser of misclassified clips.

:func:`error_browser` takes test clips, their true classes and a model's
probabilities. Pick a cell of the confusion matrix (a true class and the
class it was mistaken for) and a clip in it: the demo highlights the cell,
shows the clip's log-mel spectrogram and its three most probable classes,
and plays it, so that a learner can *listen* to what the model got wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ParameterError
from ..validation import check_positive_int, valid_audio
from .base import Demo

__all__ = ["error_browser", "draw_error", "error_pairs"]


def _check_inputs(clips: Any, y_true: ArrayLike, probabilities: ArrayLike,
                  class_names: Sequence[str]) -> tuple[NDArray, NDArray, NDArray, list[str]]:
    x = valid_audio(np.asarray(clips, dtype=np.float32), mono=False, name="clips")
    if x.ndim != 2:
        raise ParameterError(f"clips must be an array (n_clips, n_samples), got shape {x.shape}")
    prob = np.asarray(probabilities, dtype=np.float64)
    names = [str(c) for c in class_names]
    if prob.shape != (len(x), len(names)):
        raise ParameterError(f"probabilities must have shape ({len(x)}, {len(names)}) "
                             f"(clips, classes), got {prob.shape}")
    true = np.asarray(y_true)
    if true.shape != (len(x),) or not np.issubdtype(true.dtype, np.integer):
        raise ParameterError(f"y_true must hold {len(x)} integer class indices, got {true.dtype} "
                             f"{true.shape}")
    if true.size and (true.min() < 0 or true.max() >= len(names)):
        raise ParameterError(f"y_true holds classes outside 0..{len(names) - 1}")
    return x, true.astype(np.int64), prob, names


def error_pairs(y_true: ArrayLike, probabilities: ArrayLike) -> list[tuple[int, int, int]]:
    """The off-diagonal cells of the confusion matrix with clips in them, biggest first.

    Returns
    -------
    list of (true, predicted, count)
        Sorted by count (descending), then by true and predicted class.

    Examples
    --------
    >>> error_pairs([0, 0, 1], [[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]])
    [(0, 1, 1), (1, 0, 1)]
    """
    true = np.asarray(y_true, dtype=np.int64)
    pred = np.asarray(probabilities).argmax(axis=1)
    cells: dict[tuple[int, int], int] = {}
    for t, p in zip(true, pred, strict=False):
        if t != p:
            cells[(int(t), int(p))] = cells.get((int(t), int(p)), 0) + 1
    return sorted(((t, p, c) for (t, p), c in cells.items()), key=lambda r: (-r[2], r[0], r[1]))


def draw_error(
    pair: tuple[int, int] | None,
    clip: int,
    *,
    clips: NDArray,
    y_true: NDArray,
    probabilities: NDArray,
    class_names: Sequence[str],
    sr: int,
    audio: bool = True,
):
    """The figure and readout for one misclassified clip of one confusion-matrix cell.

    Parameters
    ----------
    pair : (int, int) or None
        The cell: true class, predicted class. None: no errors to show.
    clip : int
        Which clip of the cell (0 = the most confidently wrong; clamped to the cell).
    clips, y_true, probabilities, class_names, sr, audio
        See :func:`error_browser`.

    Returns
    -------
    (matplotlib.figure.Figure, str)
        Panels titled "confusion matrix", "log-mel spectrogram" and "top 3",
        and an HTML readout.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ..evaluate import confusion_matrix, plot_confusion_matrix
    from ..features import SPEECH_DEFAULTS, SPEECH_TOP_DB, mel_spectrogram, power_to_db
    from ..plots import spectrogram

    names = list(class_names)
    pred = probabilities.argmax(axis=1)
    matrix = confusion_matrix(y_true, pred, len(names))
    figure, (cm_ax, spec_ax, bar_ax) = plt.subplots(
        1, 3, figsize=(12, 3.6), layout="constrained", gridspec_kw={"width_ratios": [1.1, 1.4, 0.8]})
    plot_confusion_matrix(matrix, names, ax=cm_ax, colorbar=False)
    cm_ax.set_title("confusion matrix")
    if pair is None:
        spec_ax.set_title("log-mel spectrogram")
        spec_ax.text(0.5, 0.5, "no misclassified clips", ha="center", va="center",
                     transform=spec_ax.transAxes)
        bar_ax.set_title("top 3")
        spec_ax.set_axis_off()
        bar_ax.set_axis_off()
        return figure, f"No misclassified clips: all {len(y_true)} are right."
    t, p = pair
    members = np.flatnonzero((y_true == t) & (pred == p))
    if len(members) == 0:
        raise ParameterError(f"no clip of class {names[t]!r} was predicted as {names[p]!r}")
    # Most confidently wrong first, as audiolab.evaluate.misclassified orders them.
    members = sorted(members, key=lambda i: (-probabilities[i, p], i))
    k = int(min(max(clip, 0), len(members) - 1))
    index = int(members[k])
    cm_ax.add_patch(Rectangle((p - 0.5, t - 0.5), 1, 1, fill=False, edgecolor="crimson", lw=2.5))

    y = clips[index]
    win = int(round(0.025 * sr))
    n_fft = int(2 ** np.ceil(np.log2(win)))
    hop = max(1, int(round(0.010 * sr)))
    fmin = SPEECH_DEFAULTS["fmin"]
    S = power_to_db(mel_spectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, win_length=win,
                                    n_mels=SPEECH_DEFAULTS["n_mels"], fmin=fmin),
                    ref=np.max, top_db=SPEECH_TOP_DB)
    spectrogram(S, sr=sr, hop_length=hop, y_axis="mel", fmin=fmin, ax=spec_ax, colorbar=False)
    spec_ax.set_title("log-mel spectrogram")

    order = np.argsort(-probabilities[index], kind="stable")[:3]
    colours = ["crimson" if c == p else "seagreen" if c == t else "grey" for c in order]
    bar_ax.barh(range(len(order))[::-1], probabilities[index, order], color=colours)
    bar_ax.set_yticks(range(len(order))[::-1])
    bar_ax.set_yticklabels([names[c] for c in order])
    bar_ax.set_xlim(0, 1)
    bar_ax.set_xlabel("probability")
    bar_ax.set_title("top 3")

    top = ", ".join(f"{names[c]} {probabilities[index, c]:.2f}" for c in order)
    text = (f"True <b>{names[t]}</b>, predicted <b>{names[p]}</b>: {len(members)} clip(s) in this "
            f"cell; clip {k + 1} of {len(members)} (test clip #{index}). "
            f"Top 3: {top}. The true class got {probabilities[index, t]:.2f}.")
    if audio:
        from IPython.display import Audio

        text += "<br>Listen: " + Audio(y, rate=sr)._repr_html_()
    return figure, text


def error_browser(
    clips: ArrayLike,
    y_true: ArrayLike,
    probabilities: ArrayLike,
    class_names: Sequence[str],
    *,
    sr: int = 16000,
    audio: bool = True,
) -> Demo:
    """Browse the misclassified clips, one confusion-matrix cell at a time.

    Parameters
    ----------
    clips : np.ndarray [shape=(n, n_samples)]
        The test clips (waveforms).
    y_true : array-like [shape=(n,)] of int
        Their true classes.
    probabilities : array-like [shape=(n, n_classes)]
        The model's class probabilities for them.
    class_names : sequence of str
    sr : int
        Sample rate of the clips, in Hz.
    audio : bool
        Put a player for the clip in the readout.

    Returns
    -------
    Demo
        Controls ``pair`` (a dropdown of the cells "true → predicted (count)",
        biggest first) and ``clip`` (which clip of the cell, the most
        confidently wrong first).

    Raises
    ------
    ParameterError
        If the shapes disagree.

    Examples
    --------
    >>> demo = error_browser(x_test, y_test, probs, class_names, sr=16000)  # doctest: +SKIP
    >>> demo.controls["clip"].value = 1  # doctest: +SKIP

    Taught in lesson 10 (evaluation: listening to errors).
    """
    import ipywidgets as widgets

    sr = check_positive_int("sr", sr)
    x, true, prob, names = _check_inputs(clips, y_true, probabilities, class_names)
    pairs = error_pairs(true, prob)
    if pairs:
        options = [(f"{names[t]} → {names[p]} ({c})", (t, p)) for t, p, c in pairs]
        largest = pairs[0][2]
    else:
        options = [("no errors", None)]
        largest = 1
    counts = {(t, p): c for t, p, c in pairs}
    controls = {
        "pair": widgets.Dropdown(options=options, value=options[0][1],
                                 description="true → predicted"),
        "clip": widgets.IntSlider(value=0, min=0, max=max(largest - 1, 0), description="clip",
                                  continuous_update=False),
    }
    draw = functools.partial(draw_error, clips=x, y_true=true, probabilities=prob,
                             class_names=names, sr=sr, audio=audio)
    demo = Demo("misclassified clips", controls, draw)

    def fit_slider(change: dict) -> None:
        slider = controls["clip"]
        top = max(counts.get(change["new"], 1) - 1, 0)
        with slider.hold_trait_notifications():
            if slider.value > top:
                slider.value = 0
            slider.max = top

    controls["pair"].observe(fit_slider, names="value")
    return demo
