"""Figures the lessons draw again and again: waveforms, spectra, spectrograms.

Every helper takes ``ax=None`` (a new figure when omitted) and returns what it
drew, so a lesson can add to it; every axis carries its unit. Matplotlib is
imported here only, so ``import audiolab`` stays light.

Used in every lesson from 01 on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .errors import ParameterError
from .validation import check_choice, check_positive_int, valid_audio

__all__ = ["waveform", "spectrum", "spectrogram", "feature_matrix", "new_axes"]


def new_axes(ax=None, *, figsize: tuple[float, float] = (8, 3)):
    """Return ``ax``, or the axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def waveform(
    y: NDArray[np.floating],
    *,
    sr: int,
    ax=None,
    title: str | None = None,
    offset: float = 0.0,
    **line_kwargs,
):
    """Plot samples against time in seconds.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The signal.
    sr : int
        Its sample rate in Hz.
    ax : matplotlib.axes.Axes or None
        Where to draw; a new figure if None.
    title : str or None
        The axes' title.
    offset : float
        Time of the first sample, in seconds.
    **line_kwargs
        Passed to ``ax.plot`` (``label``, ``color``, ``marker`` ...).

    Returns
    -------
    matplotlib.lines.Line2D

    Taught in lesson 01 (sampling and quantization).
    """
    y = valid_audio(y)
    sr = check_positive_int("sr", sr)
    ax = new_axes(ax)
    t = offset + np.arange(len(y)) / sr
    (line,) = ax.plot(t, y, **({"linewidth": 0.8} | line_kwargs))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    if title:
        ax.set_title(title)
    return line


def spectrum(
    y: NDArray[np.floating],
    *,
    sr: int,
    ax=None,
    window: str = "hann",
    db: bool = True,
    title: str | None = None,
    **line_kwargs,
):
    """Plot the magnitude spectrum of a whole signal (one windowed FFT).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The signal.
    sr : int
        Its sample rate in Hz.
    ax : matplotlib.axes.Axes or None
        Where to draw.
    window : str
        Window applied before the FFT (see :func:`audiolab.dsp.get_window`).
    db : bool
        Magnitude in dB (relative to the peak) rather than linear.
    title : str or None
        The axes' title.

    Returns
    -------
    matplotlib.lines.Line2D

    Taught in lesson 02 (framing and windowing).
    """
    from .dsp import get_window

    y = valid_audio(y)
    sr = check_positive_int("sr", sr)
    magnitude = np.abs(np.fft.rfft(y * get_window(window, len(y))))
    frequencies = np.fft.rfftfreq(len(y), d=1 / sr)
    ax = new_axes(ax)
    if db:
        values = 20 * np.log10(np.maximum(magnitude, 1e-10) / max(magnitude.max(), 1e-10))
        ax.set_ylabel("magnitude (dB re peak)")
    else:
        values = magnitude
        ax.set_ylabel("magnitude")
    (line,) = ax.plot(frequencies, values, **({"linewidth": 0.8} | line_kwargs))
    ax.set_xlabel("frequency (Hz)")
    if title:
        ax.set_title(title)
    return line


def spectrogram(
    S_db: NDArray[np.floating],
    *,
    sr: int,
    hop_length: int,
    y_axis: str = "linear",
    fmin: float = 0.0,
    fmax: float | None = None,
    ax=None,
    title: str | None = None,
    colorbar: bool = True,
    unit: str = "dB",
    **image_kwargs,
):
    """Show a spectrogram (or any time-frequency matrix) with time and frequency axes.

    Parameters
    ----------
    S_db : np.ndarray [shape=(n_bins, n_frames)]
        Values to show, usually in dB.
    sr : int
        Sample rate of the signal, in Hz.
    hop_length : int
        Hop between frames, in samples: frame ``t`` is at ``t * hop_length / sr`` s.
    y_axis : {"linear", "mel"}
        ``"linear"``: rows are FFT bins from 0 to ``sr / 2``. ``"mel"``: rows
        are mel bands from ``fmin`` to ``fmax``, labelled in Hz at their centres.
    fmin, fmax : float
        Frequency range of mel bands.
    ax : matplotlib.axes.Axes or None
        Where to draw.
    title : str or None
        The axes' title.
    colorbar : bool
        Add a colour bar labelled with ``unit``.
    **image_kwargs
        Passed to ``ax.imshow`` (``cmap``, ``vmin``, ``vmax`` ...).

    Returns
    -------
    matplotlib.image.AxesImage

    Taught in lesson 03 (STFT and spectrograms).
    """
    S_db = np.asarray(S_db)
    if S_db.ndim != 2:
        raise ParameterError(f"S_db must be a 2-D matrix (bins, frames), got shape {S_db.shape}")
    sr = check_positive_int("sr", sr)
    hop_length = check_positive_int("hop_length", hop_length)
    check_choice("y_axis", y_axis, ("linear", "mel"))
    ax = new_axes(ax)
    n_bins, n_frames = S_db.shape
    duration = n_frames * hop_length / sr
    options = {"origin": "lower", "aspect": "auto", "cmap": "magma", "interpolation": "nearest"}
    if y_axis == "linear":
        image = ax.imshow(S_db, extent=(0, duration, 0, sr / 2), **(options | image_kwargs))
        ax.set_ylabel("frequency (Hz)")
    else:
        from .features import mel_frequencies

        image = ax.imshow(S_db, extent=(0, duration, 0, n_bins), **(options | image_kwargs))
        centres = mel_frequencies(n_bins + 2, fmin=fmin, fmax=fmax or sr / 2)[1:-1]
        ticks = np.linspace(0, n_bins - 1, min(n_bins, 6)).round().astype(int)
        ax.set_yticks(ticks + 0.5)
        ax.set_yticklabels([f"{centres[i]:.0f}" for i in ticks])
        ax.set_ylabel("mel band centre (Hz)")
    ax.set_xlabel("time (s)")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=unit, pad=0.01)
    return image


def feature_matrix(
    features: NDArray[np.floating],
    *,
    sr: int,
    hop_length: int,
    ax=None,
    title: str | None = None,
    ylabel: str = "coefficient",
    yticklabels: Sequence[str] | None = None,
    colorbar: bool = True,
    **image_kwargs,
):
    """Show a feature matrix such as MFCC or chroma against time.

    Parameters
    ----------
    features : np.ndarray [shape=(n_features, n_frames)]
        One row per feature.
    sr, hop_length : int
        To label time in seconds.
    ax : matplotlib.axes.Axes or None
        Where to draw.
    title, ylabel : str
        Labels.
    yticklabels : sequence of str or None
        A label per row (e.g. pitch classes for chroma).

    Returns
    -------
    matplotlib.image.AxesImage

    Taught in lesson 04 (MFCC, chroma and classic features).
    """
    features = np.asarray(features)
    if features.ndim != 2:
        raise ParameterError(f"features must be 2-D (features, frames), got shape {features.shape}")
    ax = new_axes(ax)
    duration = features.shape[1] * hop_length / sr
    options = {"origin": "lower", "aspect": "auto", "cmap": "coolwarm", "interpolation": "nearest"}
    image = ax.imshow(features, extent=(0, duration, -0.5, features.shape[0] - 0.5),
                      **(options | image_kwargs))
    if yticklabels is not None:
        ax.set_yticks(range(len(yticklabels)))
        ax.set_yticklabels(list(yticklabels))
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, pad=0.01)
    return image
