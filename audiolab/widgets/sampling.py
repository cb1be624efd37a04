"""Lesson 01's demos: aliasing (a tone, its samples, the frequency you hear) and
quantization (the bit depth, the rounding error, the SNR you get)."""

from __future__ import annotations

import numpy as np

from ..dsp import alias_frequency, quantize, tone
from ..validation import check_positive_int, valid_audio
from .base import Demo

__all__ = ["aliasing_demo", "draw_aliasing", "quantization_demo", "draw_quantization"]


def draw_aliasing(*, frequency: float, sr: int, duration: float = 0.005, audio: bool = False):
    """Figure of a tone (as if continuous), its samples at ``sr``, and the alias they trace.

    Returns the figure and a readout saying what frequency the samples show;
    with ``audio``, the readout also plays half a second of the sampled tone.
    """
    import matplotlib.pyplot as plt

    fine = np.linspace(0, duration, 4000)
    t = np.arange(int(np.floor(duration * sr)) + 1) / sr
    heard = alias_frequency(frequency, sr)
    figure, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    ax.plot(fine * 1000, np.cos(2 * np.pi * frequency * fine), color="0.6", linewidth=1,
            label=f"tone, {frequency:.0f} Hz")
    ax.plot(fine * 1000, np.cos(2 * np.pi * heard * fine), color="tab:orange", linewidth=1.5,
            linestyle="--", label=f"what the samples trace, {heard:.0f} Hz")
    ax.plot(t * 1000, np.cos(2 * np.pi * frequency * t), "o", color="tab:blue",
            label=f"samples at {sr} Hz")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("amplitude")
    ax.set_ylim(-1.3, 1.6)
    ax.legend(loc="upper right", ncols=3, fontsize="small")
    nyquist = sr / 2
    if frequency <= nyquist:
        text = (f"A {frequency:.0f} Hz tone sampled at {sr} Hz is below the Nyquist "
                f"frequency ({nyquist:.0f} Hz): the samples keep it at <b>{heard:.0f} Hz</b>.")
    else:
        text = (f"A {frequency:.0f} Hz tone sampled at {sr} Hz is above the Nyquist "
                f"frequency ({nyquist:.0f} Hz): it aliases to <b>{heard:.0f} Hz</b>.")
    if audio:
        from IPython.display import Audio

        samples = tone(frequency, sr=sr, duration=0.5, amplitude=0.5)
        text += f"<br>Listen to the samples at {sr} Hz: " + Audio(samples, rate=sr)._repr_html_()
    return figure, text


def aliasing_demo(*, frequency: float = 1000.0, sr: int = 8000, audio: bool = True) -> Demo:
    """Sliders for a tone's frequency and the sample rate; shows the alias.

    Parameters
    ----------
    frequency : float
        Initial tone frequency in Hz.
    sr : int
        Initial sample rate in Hz.
    audio : bool
        Put a player for the sampled tone in the readout (what you hear is the alias).

    Returns
    -------
    Demo

    Taught in lesson 01 (sampling and quantization).
    """
    import functools

    import ipywidgets as widgets

    controls = {
        "frequency": widgets.IntSlider(value=int(frequency), min=100, max=16000, step=100,
                                       description="tone (Hz)", continuous_update=False),
        "sr": widgets.Dropdown(options=[4000, 8000, 11025, 16000, 22050], value=sr,
                               description="rate (Hz)"),
    }
    return Demo("aliasing", controls, functools.partial(draw_aliasing, audio=audio))


def _loudest_window(y: np.ndarray, n: int) -> tuple[int, int]:
    """Start and stop of the ``n``-sample stretch of ``y`` with the most energy."""
    if len(y) <= n:
        return 0, len(y)
    energy = np.convolve(y.astype(np.float64) ** 2, np.ones(n), mode="valid")
    start = int(np.argmax(energy))
    return start, start + n


def _snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    noise_power = float(np.mean((noisy.astype(np.float64) - clean) ** 2))
    signal_power = float(np.mean(clean.astype(np.float64) ** 2))
    if noise_power == 0.0:
        return float("inf")
    if signal_power == 0.0:
        return float("-inf")
    return 10 * np.log10(signal_power / noise_power)


def draw_quantization(
    *,
    bits: int,
    level_db: float = 0.0,
    y: np.ndarray | None = None,
    sr: int = 8000,
    zoom_ms: float = 20.0,
    audio: bool = True,
):
    """Figure of a signal quantized to ``bits`` bits, and the error; readout with the SNR.

    The signal is scaled so that its peak sits at ``level_db`` dBFS, then
    rounded with :func:`audiolab.dsp.quantize`. The figure shows the
    ``zoom_ms`` milliseconds where the signal is loudest: the signal and its
    quantized steps above, the error and the +-half-step band it stays in
    below. The readout gives the number of levels, the step, the measured SNR
    next to 6.02 * bits + 1.76 dB (a full-scale sine), and a player.

    Returns the figure and the readout (HTML).
    """
    import matplotlib.pyplot as plt

    if y is None:
        y = tone(220.0, sr=sr, duration=0.5, amplitude=1.0)
    y = np.asarray(y, dtype=np.float64)
    peak = float(np.max(np.abs(y)))
    x = y * (10 ** (level_db / 20) / peak) if peak > 0 else y
    q = quantize(x, bits).astype(np.float64)
    error = q - x
    step = 2.0 / 2**bits
    snr = _snr_db(x, q)

    start, stop = _loudest_window(x, max(2, int(round(zoom_ms * sr / 1000))))
    t = 1000 * np.arange(start, stop) / sr
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4.2), sharex=True,
                                         layout="constrained")
    top.plot(t, x[start:stop], color="0.6", linewidth=1, label="signal")
    top.step(t, q[start:stop], where="mid", color="tab:blue", linewidth=1.2,
             label=f"quantized, {bits} bits")
    top.set_ylabel("amplitude")
    top.legend(loc="upper right", fontsize="small")
    bottom.plot(t, error[start:stop], color="tab:red", linewidth=1, label="error")
    for sign in (-1, 1):
        bottom.axhline(sign * step / 2, color="0.4", linestyle="--", linewidth=0.8)
    bottom.set_ylabel("error")
    bottom.set_xlabel("time (ms)")
    bottom.set_title(f"rounding error; dashed: \u00b1 half a step (\u00b1{step / 2:.2g}), "
                     f"exceeded only where the top level clips", fontsize="small")

    if np.isfinite(snr):
        snr_text = f"SNR <b>{snr:.1f} dB</b>"
    else:
        snr_text = "SNR: no error at all" if snr > 0 else "SNR: the signal is silent"
    text = (
        f"<b>{bits} bits</b>: {2 ** bits:,} levels, one step = {step:.3g}. "
        f"Peak at {level_db:.0f} dBFS: {snr_text} "
        f"(a full-scale sine would get 6.02 \u00d7 {bits} + 1.76 = {6.02 * bits + 1.76:.1f} dB)."
    )
    if audio:
        from IPython.display import Audio

        # The player scales to full volume, so that the noise is heard at any
        # level; all-zero samples (everything rounded away) cannot be scaled.
        text += "<br>" + Audio(q, rate=sr, normalize=bool(np.any(q)))._repr_html_()
    return figure, text


def quantization_demo(
    y: np.ndarray | None = None,
    *,
    sr: int = 8000,
    bits: int = 8,
    level_db: float = 0.0,
    audio: bool = True,
) -> Demo:
    """Sliders for the bit depth and the level; shows the steps, the error and the SNR.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        The signal to quantize (for example a spoken word); None uses a
        0.5 s, 220 Hz tone. Keep it short: the player embeds it.
    sr : int
        Its sample rate in Hz.
    bits : int
        Initial bit depth, 1 to 16.
    level_db : float
        Initial peak level in dBFS, -48 to 0.
    audio : bool
        Put a player for the quantized signal in the readout.

    Returns
    -------
    Demo

    Taught in lesson 01 (sampling and quantization).
    """
    import functools

    import ipywidgets as widgets

    if y is not None:
        y = valid_audio(y)
    sr = check_positive_int("sr", sr)
    controls = {
        "bits": widgets.IntSlider(value=int(bits), min=1, max=16, step=1,
                                  description="bits", continuous_update=False),
        "level_db": widgets.IntSlider(value=int(level_db), min=-48, max=0, step=6,
                                      description="peak (dBFS)", continuous_update=False),
    }
    draw = functools.partial(draw_quantization, y=y, sr=sr, audio=audio)
    return Demo("quantization", controls, draw)
