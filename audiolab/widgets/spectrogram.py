"""Lesson 03's demo: the time-frequency trade-off of the STFT.

One test signal holds three sounds that want different windows: a fast chirp,
clicks 20 ms apart and two tones 60 Hz apart. A short window separates the
clicks but merges the tones; a long one separates the tones but smears the
clicks. :func:`resolution_demo` lets a learner slide ``n_fft`` and see both.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from ..dsp import chirp, tone
from ..errors import ParameterError
from ..validation import check_positive_int
from .base import Demo

__all__ = [
    "resolution_demo",
    "draw_resolution",
    "resolution_signal",
    "resolution_report",
    "RESOLUTION_SIGNAL",
    "N_FFT_CHOICES",
]

#: Where the parts of :func:`resolution_signal` lie (seconds) and what they are.
RESOLUTION_SIGNAL = {
    "chirp": (0.0, 0.4, "linear chirp from 500 to 6000 Hz"),
    "clicks": (0.45, 0.75, "clicks every 20 ms"),
    "tones": (0.8, 1.3, "two tones, 1000 and 1060 Hz"),
}
_CLICK_PERIOD = 0.02  # s
_TONES = (1000.0, 1060.0)  # Hz
#: The window lengths the demo's slider offers.
N_FFT_CHOICES = (64, 128, 256, 512, 1024, 2048, 4096)
# The demo's hop: 2 ms at 16 kHz. The hop sets only how often a frame is
# taken (the image's pixel width), not what one frame can resolve.
_HOP = 32


@functools.lru_cache(maxsize=4)
def _signal(sr: int) -> NDArray[np.float32]:
    def silence(seconds: float) -> NDArray[np.float32]:
        return np.zeros(int(round(seconds * sr)), np.float32)

    sweep = chirp(500.0, 6000.0, sr=sr, duration=0.4, amplitude=0.5, linear=True)
    clicks = silence(0.3)
    period = int(round(_CLICK_PERIOD * sr))
    clicks[period : len(clicks) - period + 1 : period] = 0.9
    pair = tone(_TONES[0], sr=sr, duration=0.5, amplitude=0.25) + tone(
        _TONES[1], sr=sr, duration=0.5, amplitude=0.25
    )
    y = np.concatenate([sweep, silence(0.05), clicks, silence(0.05), pair, silence(0.05)])
    y.flags.writeable = False
    return y


def resolution_signal(*, sr: int = 16000) -> NDArray[np.float32]:
    """The test signal of the time-frequency trade-off (1.35 s).

    0-0.4 s: a linear chirp from 500 to 6000 Hz; 0.45-0.75 s: clicks every
    20 ms; 0.8-1.3 s: two tones at 1000 and 1060 Hz. See
    :data:`RESOLUTION_SIGNAL`.

    Parameters
    ----------
    sr : int
        Sample rate in Hz (at least 16000, so that the chirp stays below Nyquist).

    Returns
    -------
    np.ndarray [shape=(round(1.35 * sr),)], float32
        A fresh copy.

    Taught in lesson 03 (STFT and spectrograms).
    """
    sr = check_positive_int("sr", sr)
    if sr < 16000:
        raise ParameterError(f"sr must be at least 16000 Hz for the 6 kHz chirp, got {sr}")
    return _signal(sr).copy()


def _power_spectrogram(y: NDArray, n_fft: int, hop_length: int) -> NDArray[np.float64]:
    from ..features import stft

    return np.abs(stft(y, n_fft=n_fft, hop_length=hop_length)).astype(np.float64) ** 2


def resolution_report(power: NDArray, *, sr: int, n_fft: int, hop_length: int) -> dict:
    """Measure what a spectrogram of :func:`resolution_signal` resolves.

    Parameters
    ----------
    power : np.ndarray [shape=(1 + n_fft // 2, n_frames)]
        Its power spectrogram (``center=True``).
    sr, n_fft, hop_length : int
        The STFT's settings.

    Returns
    -------
    dict
        ``time_ms`` (the window's length), ``frequency_hz`` (the bin spacing),
        ``main_lobe_hz`` (the Hann window's main lobe, 4 bins from null to
        null), ``resolution_hz`` (half of it, 2 bins: about how far apart
        two tones must be to show as two peaks),
        ``tone_dip_db`` (how far the spectrum dips between the two tones, in
        the middle of the tones; 0 when no bin lies between them),
        ``click_dip_db`` (how far the energy dips between two clicks),
        and ``tones_resolved`` / ``clicks_resolved`` (a dip of 3 dB or more).

    Taught in lesson 03 (STFT and spectrograms).
    """
    db = 10 * np.log10(np.maximum(power, 1e-12))
    frequencies = np.arange(power.shape[0]) * sr / n_fft
    start, stop, _ = RESOLUTION_SIGNAL["tones"]
    column = int(round((start + stop) / 2 * sr / hop_length))
    k1, k2 = (int(np.argmin(np.abs(frequencies - f))) for f in _TONES)
    between = db[k1 + 1 : k2, column]
    tone_dip = float(min(db[k1, column], db[k2, column]) - between.min()) if between.size else 0.0

    energy = 10 * np.log10(np.maximum(power.sum(axis=0), 1e-12))
    first = RESOLUTION_SIGNAL["clicks"][0] + 7 * _CLICK_PERIOD
    a, b = (int(round(t * sr / hop_length)) for t in (first, first + _CLICK_PERIOD))
    click_dip = float(min(energy[a], energy[b]) - energy[(a + b) // 2])
    return {
        "time_ms": 1000 * n_fft / sr,
        "frequency_hz": sr / n_fft,
        "main_lobe_hz": 4 * sr / n_fft,
        "resolution_hz": 2 * sr / n_fft,
        "tone_dip_db": max(tone_dip, 0.0),
        "click_dip_db": max(click_dip, 0.0),
        "tones_resolved": tone_dip >= 3.0,
        "clicks_resolved": click_dip >= 3.0,
    }


def draw_resolution(*, n_fft: int, sr: int = 16000):
    """Spectrogram of the test signal for one ``n_fft``, two close-ups and a readout.

    Parameters
    ----------
    n_fft : int
        Window and FFT length in samples (a Hann window of the same length).
    sr : int
        Sample rate in Hz.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Top: the spectrogram in dB. Bottom left: the spectrum across the two
        tones. Bottom right: the energy over time across the clicks.
    readout : str
        HTML: the time resolution (the frame's length), the frequency
        resolution (the bin spacing, and the 2 bins that a Hann window's
        main lobe needs between two tones), and whether the clicks and the
        tones come out separate.

    Taught in lesson 03 (STFT and spectrograms).
    """
    import matplotlib.pyplot as plt

    from ..plots import spectrogram

    n_fft = check_positive_int("n_fft", n_fft)
    sr = check_positive_int("sr", sr)
    y = _signal(sr) if sr >= 16000 else resolution_signal(sr=sr)
    power = _power_spectrogram(y, n_fft, _HOP)
    report = resolution_report(power, sr=sr, n_fft=n_fft, hop_length=_HOP)
    db = 10 * np.log10(np.maximum(power / power.max(), 1e-8))

    figure = plt.figure(figsize=(10, 5.6), layout="constrained")
    grid = figure.add_gridspec(2, 2, height_ratios=(1.5, 1))
    ax = figure.add_subplot(grid[0, :])
    spectrogram(db, sr=sr, hop_length=_HOP, ax=ax, vmin=-80, vmax=0,
                title=f"n_fft = {n_fft} (Hann window of {report['time_ms']:.0f} ms)")
    for name, (start, stop, _) in RESOLUTION_SIGNAL.items():
        ax.text((start + stop) / 2, sr / 2 * 0.93, name, color="white", ha="center",
                va="top", fontsize="small")

    frequencies = np.arange(power.shape[0]) * sr / n_fft
    start, stop, _ = RESOLUTION_SIGNAL["tones"]
    column = int(round((start + stop) / 2 * sr / _HOP))
    ax_tones = figure.add_subplot(grid[1, 0])
    near = (frequencies >= 700) & (frequencies <= 1360)
    ax_tones.plot(frequencies[near], db[near, column], "o-", markersize=3, linewidth=1)
    for f in _TONES:
        ax_tones.axvline(f, color="tab:red", linewidth=0.8, linestyle="--")
    ax_tones.set_xlim(700, 1360)
    ax_tones.set_ylim(-85, 5)
    ax_tones.set_xlabel("frequency (Hz)")
    ax_tones.set_ylabel("power (dB re max)")
    verdict = "two peaks" if report["tones_resolved"] else "one peak"
    ax_tones.set_title(f"tones 60 Hz apart: {verdict}", fontsize="medium")

    energy = power.sum(axis=0)
    energy_db = 10 * np.log10(np.maximum(energy / energy.max(), 1e-8))
    times = np.arange(power.shape[1]) * _HOP / sr
    c0 = RESOLUTION_SIGNAL["clicks"][0] + 5 * _CLICK_PERIOD
    shown = (times >= c0) & (times <= c0 + 0.1)
    ax_clicks = figure.add_subplot(grid[1, 1])
    ax_clicks.plot(1000 * times[shown], energy_db[shown], linewidth=1)
    for k in range(6):
        ax_clicks.axvline(1000 * (c0 + k * _CLICK_PERIOD), color="tab:red", linewidth=0.8,
                          linestyle="--")
    ax_clicks.set_ylim(-85, 5)
    ax_clicks.set_xlabel("time (ms)")
    ax_clicks.set_ylabel("frame energy (dB re max)")
    verdict = "separate" if report["clicks_resolved"] else "smeared together"
    ax_clicks.set_title(f"clicks 20 ms apart: {verdict}", fontsize="medium")

    def yes(flag: bool, good: str, bad: str) -> str:
        return f"<b>{good}</b>" if flag else f"<b>{bad}</b>"

    text = (
        f"n_fft = {n_fft}: each frame spans <b>{report['time_ms']:.1f} ms</b> (time resolution). "
        f"The bins are <b>{report['frequency_hz']:.2f} Hz</b> apart, and the Hann window's main "
        f"lobe is 4 bins ({report['main_lobe_hz']:.0f} Hz) wide, so two tones come out separate "
        f"when about <b>2 bins ({report['resolution_hz']:.1f} Hz)</b> apart or more "
        f"(frequency resolution). "
        f"Clicks 20 ms apart: {yes(report['clicks_resolved'], 'separate', 'smeared together')}. "
        f"Tones 60 Hz apart: {yes(report['tones_resolved'], 'resolved', 'merged')}."
    )
    return figure, text


def resolution_demo(*, n_fft: int = 512, sr: int = 16000) -> Demo:
    """A slider for the STFT's window length on a chirp, clicks and two close tones.

    Parameters
    ----------
    n_fft : int
        Initial window length, one of :data:`N_FFT_CHOICES`.
    sr : int
        Sample rate in Hz (fixed).

    Returns
    -------
    Demo

    Examples
    --------
    >>> demo = resolution_demo()  # doctest: +SKIP
    >>> demo.controls["n_fft"].value = 2048  # doctest: +SKIP

    Taught in lesson 03 (STFT and spectrograms).
    """
    import ipywidgets as widgets

    if n_fft not in N_FFT_CHOICES:
        raise ParameterError(f"n_fft must be one of {N_FFT_CHOICES}, got {n_fft!r}")
    controls = {
        "n_fft": widgets.SelectionSlider(options=list(N_FFT_CHOICES), value=n_fft,
                                         description="n_fft", continuous_update=False),
    }
    return Demo("time-frequency resolution", controls,
                functools.partial(draw_resolution, sr=sr))
