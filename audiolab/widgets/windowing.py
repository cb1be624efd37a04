"""Lesson 02's demo: a tone in one windowed frame, its spectrum, and the leakage.

A tone that completes a whole number of periods in the frame falls exactly on
an FFT bin; any other tone is cut off mid-period at the frame's edges, and
its energy leaks into every bin. A tapering window trades a wider main lobe
for far lower side lobes. :func:`leakage_demo` lets a learner move the tone
between bins and change the window's type and length.
"""

from __future__ import annotations

import functools

import numpy as np

from ..dsp import WINDOWS, get_window
from ..errors import ParameterError
from ..validation import check_choice, check_positive, check_positive_int
from .base import Demo

__all__ = ["leakage_demo", "draw_leakage", "window_lobes", "leaked_fraction"]

# Zero-padding factor for the smooth ("continuous") spectrum of a frame.
_PAD = 16


@functools.lru_cache(maxsize=64)
def window_lobes(window: str, n: int) -> tuple[float, float]:
    """Main-lobe width (in FFT bins) and highest side lobe (dB) of a window.

    The window's spectrum is computed with 64 times zero-padding; the main
    lobe runs from the peak to its first null on either side, and the highest
    side lobe is the largest value beyond that null, relative to the peak.

    Parameters
    ----------
    window : {"rectangular", "hann", "hamming", "blackman"}
        The window's name, as for :func:`audiolab.dsp.get_window`.
    n : int
        Length in samples (at least 8).

    Returns
    -------
    width : float
        Null-to-null width of the main lobe in bins of an ``n``-point FFT
        (2 for rectangular, 4 for Hann and Hamming, 6 for Blackman).
    side_lobe_db : float
        The highest side lobe in dB relative to the main lobe's peak
        (about -13 for rectangular, -31 for Hann, -43 for Hamming).

    Raises
    ------
    ParameterError
        If the window is unknown or ``n`` is below 8.

    Examples
    --------
    >>> width, side = window_lobes("hann", 512)
    >>> width, round(side, 1)
    (4.0, -31.5)

    Taught in lesson 02 (framing and windowing).
    """
    check_choice("window", window, WINDOWS)
    n = check_positive_int("n", n)
    if n < 8:
        raise ParameterError(f"n must be at least 8 to measure a window's lobes, got {n}")
    pad = 64
    magnitude = np.abs(np.fft.rfft(get_window(window, n), n * pad))
    level = 20 * np.log10(np.maximum(magnitude / magnitude.max(), 1e-15))
    # The first null: the first point where the falling main lobe turns up again.
    rising = np.flatnonzero(np.diff(level) > 0)
    null = int(rising[0]) if rising.size else len(level) - 1
    return 2 * null / pad, float(level[null:].max())


def leaked_fraction(frame: np.ndarray, frequency_bins: float, half_width: float) -> float:
    """Fraction of a frame's spectral energy farther than ``half_width`` bins from a tone.

    Parameters
    ----------
    frame : np.ndarray [shape=(n,)]
        The windowed frame.
    frequency_bins : float
        The tone's frequency in FFT bins (may be fractional).
    half_width : float
        Half the main lobe's width in bins: energy inside counts as the tone's.

    Returns
    -------
    float
        Between 0 and 1.

    Taught in lesson 02 (framing and windowing).
    """
    power = np.abs(np.fft.rfft(frame)) ** 2
    bins = np.arange(len(power))
    outside = np.abs(bins - frequency_bins) > half_width
    total = power.sum()
    return float(power[outside].sum() / total) if total > 0 else 0.0


def _tone_frame(n: int, frequency_bins: float) -> np.ndarray:
    """``n`` samples of a unit cosine at ``frequency_bins`` cycles per ``n`` samples."""
    return np.cos(2 * np.pi * frequency_bins * np.arange(n) / n)


def draw_leakage(*, window: str, n: int, frequency_bins: float, sr: int = 16000):
    """Figure of a windowed frame of a tone and its spectrum in dB, with a readout.

    Parameters
    ----------
    window : {"rectangular", "hann", "hamming", "blackman"}
        The analysis window.
    n : int
        Window (frame) length in samples.
    frequency_bins : float
        The tone's frequency in FFT bins: bin ``k`` is ``k * sr / n`` Hz.
        Whole numbers fall exactly on a bin.
    sr : int
        Sample rate in Hz, to state lengths in ms and frequencies in Hz.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Left: the tone, the window and the windowed frame. Right: the smooth
        spectrum (zero-padded FFT) and the FFT's own bins, in dB re the tone's peak.
    readout : str
        HTML: main-lobe width, highest side lobe, and the energy leaked
        beyond the main lobe.

    Taught in lesson 02 (framing and windowing).
    """
    import matplotlib.pyplot as plt

    check_choice("window", window, WINDOWS)
    n = check_positive_int("n", n)
    frequency_bins = check_positive("frequency_bins", frequency_bins)
    sr = check_positive_int("sr", sr)
    if frequency_bins >= n / 2:
        raise ParameterError(
            f"frequency_bins={frequency_bins} must be below n / 2 = {n / 2} (the Nyquist bin)"
        )

    w = get_window(window, n)
    tone = _tone_frame(n, frequency_bins)
    frame = tone * w
    fine = np.abs(np.fft.rfft(frame, n * _PAD))
    peak = fine.max()
    fine_db = 20 * np.log10(np.maximum(fine / peak, 1e-6))
    on_bins_db = 20 * np.log10(np.maximum(np.abs(np.fft.rfft(frame)) / peak, 1e-6))
    width, side_db = window_lobes(window, n)
    leaked = leaked_fraction(frame, frequency_bins, width / 2)

    figure, (ax_time, ax_freq) = plt.subplots(
        1, 2, figsize=(11, 3.4), layout="constrained", width_ratios=(1, 1.4)
    )
    t_ms = np.arange(n) / sr * 1000
    ax_time.plot(t_ms, tone, color="0.75", linewidth=0.8, label="tone")
    ax_time.plot(t_ms, w, color="tab:orange", linewidth=1.2, label=f"{window} window")
    ax_time.plot(t_ms, frame, color="tab:blue", linewidth=0.9, label="windowed frame")
    ax_time.set_xlabel("time (ms)")
    ax_time.set_ylabel("amplitude")
    ax_time.set_ylim(-1.15, 1.6)
    ax_time.set_title("the frame", fontsize="medium")
    ax_time.legend(loc="upper center", ncols=3, fontsize="x-small")

    low = max(0.0, np.floor(frequency_bins) - 16)
    high = min(n / 2, np.ceil(frequency_bins) + 16)
    fine_bins = np.arange(len(fine)) / _PAD
    shown = (fine_bins >= low) & (fine_bins <= high)
    ax_freq.plot(fine_bins[shown], fine_db[shown], color="0.6", linewidth=0.8,
                 label="spectrum (zero-padded)")
    bins = np.arange(len(on_bins_db))
    on = (bins >= low) & (bins <= high)
    ax_freq.plot(bins[on], on_bins_db[on], "o", color="tab:blue", markersize=3.5,
                 label="what the FFT bins see")
    ax_freq.axvline(frequency_bins, color="tab:red", linewidth=0.8, linestyle="--",
                    label=f"tone, {frequency_bins:g} bins")
    ax_freq.axhline(side_db, color="tab:orange", linewidth=0.8, linestyle=":",
                    label=f"highest side lobe, {side_db:.1f} dB")
    ax_freq.set_xlim(low, high)
    ax_freq.set_ylim(-125, 8)
    ax_freq.set_xlabel(f"frequency (FFT bins of {sr / n:.1f} Hz)")
    ax_freq.set_ylabel("magnitude (dB re peak)")
    ax_freq.set_title("its spectrum", fontsize="medium")
    ax_freq.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small")

    hz = frequency_bins * sr / n
    if leaked < 1e-12:
        leak_text = "none: every bin beyond the main lobe is (numerically) zero"
    else:
        leak_text = f"{100 * leaked:.2f} % ({10 * np.log10(leaked):.0f} dB)"
    text = (
        f"A {hz:.1f} Hz tone ({frequency_bins:g} bins) in a {n}-sample "
        f"({1000 * n / sr:.1f} ms) {window} window. "
        f"Main lobe: <b>{width:g} bins</b> wide ({width * sr / n:.1f} Hz). "
        f"Highest side lobe: <b>{side_db:.1f} dB</b>. "
        f"Energy leaked beyond the main lobe: <b>{leak_text}</b>."
    )
    return figure, text


def leakage_demo(
    *, window: str = "rectangular", n: int = 400, frequency_bins: float = 10.5, sr: int = 16000
) -> Demo:
    """A window picker, a window-length slider and a tone slider in fractional bins.

    Parameters
    ----------
    window : str
        Initial window: "rectangular", "hann", "hamming" or "blackman".
    n : int
        Initial window length in samples (64 to 1024).
    frequency_bins : float
        Initial tone frequency in FFT bins (2 to 30).
    sr : int
        Sample rate in Hz (fixed).

    Returns
    -------
    Demo

    Examples
    --------
    >>> demo = leakage_demo()  # doctest: +SKIP
    >>> demo.controls["window"].value = "hann"  # doctest: +SKIP

    Taught in lesson 02 (framing and windowing).
    """
    import ipywidgets as widgets

    check_choice("window", window, WINDOWS)
    controls = {
        "window": widgets.Dropdown(options=list(WINDOWS), value=window, description="window"),
        "n": widgets.IntSlider(value=int(n), min=64, max=1024, step=16,
                               description="length", continuous_update=False),
        "frequency_bins": widgets.FloatSlider(value=float(frequency_bins), min=2.0, max=30.0,
                                              step=0.05, description="tone (bins)",
                                              readout_format=".2f", continuous_update=False),
    }
    return Demo("spectral leakage", controls,
                functools.partial(draw_leakage, sr=sr))
