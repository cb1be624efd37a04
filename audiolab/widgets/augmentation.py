"""Lesson 06's demo: noise at a chosen signal-to-noise ratio.

:func:`snr_demo` mixes a spoken word with white, pink or brown noise scaled to
the SNR on the slider, and shows what changes: the waveform, the log-mel
spectrogram of the mix, and where in frequency the noise's power lies
compared with the word's. The readout measures the SNR of the mix, gives the
noise's RMS and plays the mix.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from ..augment import add_noise, colored_noise
from ..validation import check_choice, check_positive_int, valid_audio
from .base import Demo

__all__ = ["snr_demo", "draw_snr", "NOISE_COLORS", "SNR_CHOICES"]

#: The noise colours the demo offers (see :func:`audiolab.augment.colored_noise`).
NOISE_COLORS = ("white", "pink", "brown")
#: The slider's range of SNRs, in dB.
SNR_CHOICES = (-10, 40, 5)


@functools.lru_cache(maxsize=2)
def _default_word(sr: int) -> NDArray[np.float32]:
    from ..datasets import synthesize
    from ..preprocess import pad_or_crop

    y = pad_or_crop(synthesize("seven", sr=sr), sr)  # one second, the word in the middle
    y.flags.writeable = False
    return y


def _mel_settings(sr: int) -> dict:
    win_length = int(round(0.025 * sr))  # 25 ms windows every 10 ms, as for speech features
    return {
        "sr": sr,
        "n_fft": int(2 ** np.ceil(np.log2(win_length))),
        "hop_length": max(1, int(round(0.010 * sr))),
        "win_length": win_length,
        "n_mels": 40,
        "fmin": 20.0,
    }


def _power_phrase(snr: float) -> str:
    ratio = 10 ** (snr / 10)
    if abs(snr) < 1e-9:
        return "the noise has the same power as the speech"
    if snr > 0:
        return (f"the noise has 1/{ratio:.3g} of the speech's power "
                f"({np.sqrt(ratio):.3g} times smaller in amplitude)")
    return (f"the noise has {1 / ratio:.3g} times the speech's power "
            f"({1 / np.sqrt(ratio):.3g} times larger in amplitude)")


def draw_snr(
    *,
    snr_db: float,
    color: str,
    y: NDArray[np.floating] | None = None,
    sr: int = 16000,
    seed: int = 0,
    audio: bool = False,
):
    """Figure of ``y`` mixed with ``color`` noise at ``snr_db``, and a readout.

    The noise of each colour is the same for every SNR (``seed``), so moving
    the slider changes only its level. The figure shows the waveform of the
    mix over the clean one, the log-mel spectrogram of the mix (0 dB is the
    clean word's loudest cell), and the mean level of the word and of the
    noise in each mel band. The readout gives the measured SNR, the RMS of
    the speech and of the noise and, with ``audio``, a player of the mix.

    Returns the figure and the readout (HTML).
    """
    import matplotlib.pyplot as plt

    from .. import plots
    from ..augment import snr_db as measure_snr  # the parameter snr_db hides the function's name
    from ..features import mel_spectrogram, power_to_db

    check_choice("color", color, NOISE_COLORS)
    sr = check_positive_int("sr", sr)
    y = _default_word(sr) if y is None else valid_audio(y)
    noise = colored_noise(len(y), color=color, rng=seed)
    mix = add_noise(y, snr_db=snr_db, noise=noise, rng=seed)
    added = mix.astype(np.float64) - y
    measured = measure_snr(y, added)
    speech_rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2)))
    noise_rms = float(np.sqrt(np.mean(added**2)))

    settings = _mel_settings(sr)
    clean_mel = mel_spectrogram(y=y, **settings)
    ref = max(float(clean_mel.max()), 1e-10)
    mix_db = power_to_db(mel_spectrogram(y=mix, **settings), ref=ref, top_db=None)
    speech_levels = 10 * np.log10(np.maximum(clean_mel.mean(axis=1), 1e-10) / ref)
    noise_mel = mel_spectrogram(y=added.astype(np.float32), **settings)
    noise_levels = 10 * np.log10(np.maximum(noise_mel.mean(axis=1), 1e-10) / ref)

    figure = plt.figure(figsize=(10, 5.6), layout="constrained")
    grid = figure.add_gridspec(2, 2, width_ratios=(3.2, 1), height_ratios=(1, 1.5))
    wave_ax = figure.add_subplot(grid[0, :])
    spec_ax = figure.add_subplot(grid[1, 0])
    band_ax = figure.add_subplot(grid[1, 1], sharey=spec_ax)

    plots.waveform(mix, sr=sr, ax=wave_ax, color="tab:orange", label="mix")
    plots.waveform(y, sr=sr, ax=wave_ax, color="0.15", label="clean word")
    limit = 1.05 * max(float(np.max(np.abs(mix))), 1e-6)
    wave_ax.set_ylim(-limit, limit)
    wave_ax.set_xlim(0, len(y) / sr)
    wave_ax.legend(loc="upper right", fontsize="small", ncols=2)
    wave_ax.set_title(f"{color} noise at {snr_db:g} dB SNR")

    plots.spectrogram(mix_db, sr=sr, hop_length=settings["hop_length"], y_axis="mel",
                      fmin=settings["fmin"], ax=spec_ax, vmin=-80, vmax=10,
                      unit="dB re the word's peak", title="log-mel spectrogram of the mix")

    rows = np.arange(len(speech_levels)) + 0.5
    band_ax.plot(speech_levels, rows, color="0.15", label="word")
    band_ax.plot(noise_levels, rows, color="tab:orange", label="noise")
    band_ax.set_xlim(-90, 10)
    band_ax.set_xlabel("mean level (dB)")
    band_ax.set_title("where the power is", fontsize="medium")
    band_ax.legend(loc="lower left", fontsize="small")
    band_ax.tick_params(labelleft=False)
    band_ax.grid(alpha=0.3)

    text = (
        f"<b>{color.capitalize()}</b> noise at a target of {snr_db:g} dB: "
        f"measured SNR <b>{measured:.1f} dB</b>. Speech RMS {speech_rms:.4f}, "
        f"noise RMS <b>{noise_rms:.4f}</b>: {_power_phrase(float(snr_db))}."
    )
    if audio:
        from IPython.display import Audio

        text += "<br>Listen to the mix: " + Audio(mix, rate=sr)._repr_html_()
    return figure, text


def snr_demo(
    y: NDArray[np.floating] | None = None,
    *,
    sr: int = 16000,
    snr_db: int = 10,
    color: str = "white",
    seed: int = 0,
    audio: bool = True,
) -> Demo:
    """A slider for the SNR and a choice of noise colour; shows and plays the mix.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        The clean clip; None uses a synthetic "seven" (one second). Keep it
        short: the player embeds the mix.
    sr : int
        Its sample rate in Hz.
    snr_db : int
        Initial SNR in dB, from -10 to 40 in steps of 5.
    color : {"white", "pink", "brown"}
        Initial noise colour.
    seed : int
        Seed of the noise (the same noise at every SNR).
    audio : bool
        Put a player for the mix in the readout.

    Returns
    -------
    Demo

    Examples
    --------
    >>> demo = snr_demo(snr_db=0, color="pink")  # doctest: +SKIP
    >>> demo.controls["snr_db"].value = 20  # doctest: +SKIP

    Taught in lesson 06 (augmentation).
    """
    import ipywidgets as widgets

    check_choice("color", color, NOISE_COLORS)
    sr = check_positive_int("sr", sr)
    if y is not None:
        y = valid_audio(y)
    low, high, step = SNR_CHOICES
    controls = {
        "snr_db": widgets.IntSlider(value=int(snr_db), min=low, max=high, step=step,
                                    description="SNR (dB)", continuous_update=False),
        "color": widgets.Dropdown(options=list(NOISE_COLORS), value=color, description="noise"),
    }
    draw = functools.partial(draw_snr, y=y, sr=sr, seed=seed, audio=audio)
    return Demo("noise at a chosen SNR", controls, draw)
