"""Lesson 05's demo: noise reduction by spectral gating, and what it costs.

A clean word gets white noise at a chosen SNR; :func:`audiolab.preprocess.spectral_gate`
then removes what lies below a threshold (the noise's mean level plus
``n_std_thresh`` standard deviations). Because the clean word is known, the
SNR after gating can be measured: it counts the noise that is left and the
speech that was removed. :func:`denoise_demo` puts both settings on sliders.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from ..validation import check_positive_int, valid_audio
from .base import Demo

__all__ = ["denoise_demo", "draw_denoise", "denoise_example", "SNR_CHOICES"]

#: The SNRs (dB) the demo's noise slider offers.
SNR_CHOICES = (-5, 0, 5, 10, 15, 20, 25, 30, 40)
_N_FFT = 512  # the spectrograms shown: 32 ms windows every 8 ms
_HOP = 128


@functools.lru_cache(maxsize=2)
def _default_word(sr: int) -> NDArray[np.float32]:
    from ..datasets import synthesize
    from ..preprocess import normalize, pad_or_crop

    y = pad_or_crop(normalize(synthesize("seven", sr=sr), target=0.5), sr)  # 1 s, word centred
    y.flags.writeable = False
    return y


def _db(value: float) -> str:
    """A level in dB to one decimal, without a "-0.0"."""
    return f"{round(float(value), 1) + 0.0:.1f}"


def denoise_example(
    *, snr_db: float, n_std_thresh: float, y: NDArray | None = None, sr: int = 16000,
    seed: int = 0,
) -> dict:
    """Add white noise to a clean clip at ``snr_db``, gate it, and measure both SNRs.

    Parameters
    ----------
    snr_db : float
        SNR of the added noise, in dB.
    n_std_thresh : float
        The gate's threshold, in standard deviations above the noise's mean level.
    y : np.ndarray [shape=(n,)] or None
        The clean clip; None uses a synthetic "seven" centred in one second.
    sr : int
        Sample rate in Hz.
    seed : int
        Seed of the noise (the same noise for every setting).

    Returns
    -------
    dict
        ``clean``, ``noisy``, ``denoised`` (float32 arrays) and ``snr_before``,
        ``snr_after`` (dB; everything that differs from ``clean`` counts as noise).

    Taught in lesson 05 (preparing a dataset).
    """
    from ..augment import add_noise
    from ..augment import snr_db as measure
    from ..preprocess import spectral_gate

    sr = check_positive_int("sr", sr)
    clean = _default_word(sr) if y is None else valid_audio(y)
    noisy = add_noise(clean, snr_db=float(snr_db), rng=seed)
    denoised = spectral_gate(noisy, sr, n_std_thresh=float(n_std_thresh))
    clean64 = clean.astype(np.float64)
    return {
        "clean": np.asarray(clean, dtype=np.float32),
        "noisy": noisy,
        "denoised": denoised,
        "snr_before": measure(clean64, noisy - clean64),
        "snr_after": measure(clean64, denoised - clean64),
    }


def draw_denoise(
    *, snr_db: float, n_std_thresh: float, y: NDArray | None = None, sr: int = 16000,
    seed: int = 0, audio: bool = True,
):
    """Spectrograms of the clean, noisy and gated clip; readout with the SNR before and after.

    Parameters
    ----------
    snr_db, n_std_thresh, y, sr, seed
        As for :func:`denoise_example`.
    audio : bool
        Put players for the noisy and the gated clip in the readout.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three spectrograms in dB on one scale: clean, with noise (before), gated
        (after).
    readout : str
        HTML: the SNR before and after gating, and the change.

    Taught in lesson 05 (preparing a dataset).
    """
    import matplotlib.pyplot as plt

    from ..features import power_to_db, stft
    from ..plots import spectrogram

    result = denoise_example(snr_db=snr_db, n_std_thresh=n_std_thresh, y=y, sr=sr, seed=seed)
    spectra = {
        name: np.abs(stft(result[name], n_fft=_N_FFT, hop_length=_HOP)).astype(np.float64) ** 2
        for name in ("clean", "noisy", "denoised")
    }
    reference = max(s.max() for s in spectra.values())
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained", sharey=True)
    titles = {
        "clean": "clean word",
        "noisy": f"with noise: {_db(result['snr_before'])} dB SNR",
        "denoised": f"gated (threshold {n_std_thresh:g} std): {_db(result['snr_after'])} dB SNR",
    }
    for ax, name in zip(axes, ("clean", "noisy", "denoised"), strict=True):
        S_db = power_to_db(spectra[name], ref=reference, top_db=None)
        spectrogram(S_db, sr=sr, hop_length=_HOP, ax=ax, vmin=-90, vmax=0,
                    colorbar=name == "denoised", unit="dB (re max)", title=titles[name])
    for ax in axes[1:]:
        ax.set_ylabel("")

    change = result["snr_after"] - result["snr_before"]
    sign = "+" if change >= 0 else ""
    verdict = "better" if change > 0.05 else ("worse" if change < -0.05 else "unchanged")
    text = (
        f"Noise added at <b>{_db(result['snr_before'])} dB</b> SNR. After gating with a "
        f"threshold of {n_std_thresh:g} standard deviations: <b>{_db(result['snr_after'])} dB</b> "
        f"SNR ({sign}{_db(change)} dB, {verdict}). The SNR after gating counts both the noise "
        f"left and the speech removed."
    )
    if audio:
        from IPython.display import Audio

        text += (
            "<br>Before: " + Audio(result["noisy"], rate=sr)._repr_html_()
            + " After: " + Audio(result["denoised"], rate=sr)._repr_html_()
        )
    return figure, text


def denoise_demo(
    y: NDArray[np.floating] | None = None,
    *,
    sr: int = 16000,
    snr_db: int = 5,
    n_std_thresh: float = 1.5,
    seed: int = 0,
    audio: bool = True,
) -> Demo:
    """Sliders for the SNR of added noise and the gate's threshold; shows before and after.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        A clean clip (with some silence, where the gate learns the noise); None
        uses a synthetic "seven" centred in one second.
    sr : int
        Its sample rate in Hz.
    snr_db : int
        Initial SNR of the added white noise, one of :data:`SNR_CHOICES`.
    n_std_thresh : float
        Initial threshold, 0 to 4 standard deviations.
    seed : int
        Seed of the noise.
    audio : bool
        Put players for the noisy and gated clips in the readout.

    Returns
    -------
    Demo

    Examples
    --------
    >>> demo = denoise_demo()  # doctest: +SKIP
    >>> demo.controls["n_std_thresh"].value = 3.0  # doctest: +SKIP

    Taught in lesson 05 (preparing a dataset).
    """
    import ipywidgets as widgets

    from ..errors import ParameterError

    sr = check_positive_int("sr", sr)
    if y is not None:
        y = valid_audio(y)
    if snr_db not in SNR_CHOICES:
        raise ParameterError(f"snr_db must be one of {SNR_CHOICES}, got {snr_db!r}")
    if not 0 <= n_std_thresh <= 4:
        raise ParameterError(f"n_std_thresh must be between 0 and 4, got {n_std_thresh!r}")
    controls = {
        "snr_db": widgets.SelectionSlider(options=list(SNR_CHOICES), value=snr_db,
                                          description="noise SNR (dB)",
                                          continuous_update=False,
                                          style={"description_width": "initial"}),
        "n_std_thresh": widgets.FloatSlider(value=float(n_std_thresh), min=0.0, max=4.0,
                                            step=0.25, description="threshold (std)",
                                            continuous_update=False,
                                            style={"description_width": "initial"}),
    }
    draw = functools.partial(draw_denoise, y=y, sr=sr, seed=seed, audio=audio)
    return Demo("spectral gating", controls, draw)
