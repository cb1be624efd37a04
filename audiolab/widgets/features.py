"""Lesson 04's demo: what the first MFCCs keep of a spectrum.

The DCT turns each frame's log-mel spectrum (40 numbers) into 40 cepstral
coefficients; keeping only the first ``n_mfcc`` and transforming back gives a
smoothed version of the spectrum, its *envelope*. :func:`mfcc_demo` lets a
learner slide ``n_mfcc`` and the frame's time and see how much of the spectrum
a few coefficients keep, and how far the reconstruction is off, in dB.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.fft
from numpy.typing import NDArray

from ..features import SPEECH_DEFAULTS
from ..validation import check_positive_int, valid_audio
from .base import Demo

__all__ = ["mfcc_demo", "draw_mfcc", "log_mel", "envelope_from_mfcc", "MFCC_SETTINGS"]

#: The analysis the demo uses: the course's speech settings (25 ms windows every
#: 10 ms, 40 mel bands from 20 Hz) at 16 kHz.
MFCC_SETTINGS = {key: SPEECH_DEFAULTS[key]
                 for key in ("n_fft", "hop_length", "win_length", "n_mels", "fmin")}


@functools.lru_cache(maxsize=2)
def _default_word(sr: int) -> NDArray[np.float32]:
    from ..datasets import synthesize

    y = synthesize("seven", sr=sr)
    y.flags.writeable = False
    return y


def log_mel(y: NDArray[np.floating], *, sr: int = 16000) -> NDArray[np.float64]:
    """Log-mel spectrogram with :data:`MFCC_SETTINGS`, in dB re its maximum (80 dB range).

    Returns
    -------
    np.ndarray [shape=(40, n_frames)], float64

    Taught in lesson 04 (MFCC, chroma and classic features).
    """
    from ..features import mel_spectrogram, power_to_db

    S = mel_spectrogram(y=y, sr=sr, **MFCC_SETTINGS)
    return power_to_db(S.astype(np.float64), ref=np.max, top_db=80.0)


def envelope_from_mfcc(S_db: NDArray[np.floating], n_mfcc: int) -> NDArray[np.float64]:
    """Keep the first ``n_mfcc`` DCT coefficients of every column and transform back.

    ``idct(dct(S_db)[:n_mfcc] padded with zeros)``, both orthonormal DCT-II along
    axis 0: the part of each log-mel spectrum that the first ``n_mfcc`` MFCCs
    describe. With all coefficients it is ``S_db`` itself.

    Parameters
    ----------
    S_db : np.ndarray [shape=(n_mels, n_frames)] or [shape=(n_mels,)]
        Log-mel spectra in dB.
    n_mfcc : int, 1 <= n_mfcc <= n_mels
        How many coefficients to keep.

    Returns
    -------
    np.ndarray [shape=S_db.shape], float64

    Taught in lesson 04 (MFCC, chroma and classic features).
    """
    S_db = np.asarray(S_db, dtype=np.float64)
    n_mfcc = check_positive_int("n_mfcc", n_mfcc)
    coefficients = scipy.fft.dct(S_db, type=2, norm="ortho", axis=0)
    coefficients[n_mfcc:] = 0.0
    return scipy.fft.idct(coefficients, type=2, norm="ortho", axis=0)


def _rms(x: NDArray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def draw_mfcc(*, n_mfcc: int, time: float, y: NDArray | None = None, sr: int = 16000):
    """The log-mel spectrogram, its reconstruction from ``n_mfcc`` MFCCs, and one frame.

    Parameters
    ----------
    n_mfcc : int
        Coefficients kept, 1 to 40.
    time : float
        Time of the frame shown, in seconds (rounded to the nearest frame).
    y : np.ndarray [shape=(n,)] or None
        The clip; None uses a synthetic "seven".
    sr : int
        Its sample rate in Hz.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Top left: the log-mel spectrogram; top right: the same rebuilt from the
        first ``n_mfcc`` coefficients of every frame (a dashed line marks the
        frame). Bottom: that frame's log-mel spectrum (dots) and its
        reconstruction (line).
    readout : str
        HTML: the RMS and largest reconstruction error in dB, for the frame and
        the whole clip.

    Taught in lesson 04 (MFCC, chroma and classic features).
    """
    import matplotlib.pyplot as plt

    from ..features import mel_frequencies
    from ..plots import spectrogram

    sr = check_positive_int("sr", sr)
    y = _default_word(sr) if y is None else valid_audio(y)
    S_db = log_mel(y, sr=sr)
    n_mels, n_frames = S_db.shape
    n_mfcc = min(check_positive_int("n_mfcc", n_mfcc), n_mels)
    hop = MFCC_SETTINGS["hop_length"]
    frame = int(np.clip(round(float(time) * sr / hop), 0, n_frames - 1))
    rebuilt = envelope_from_mfcc(S_db, n_mfcc)
    error_frame = rebuilt[:, frame] - S_db[:, frame]
    error_clip = rebuilt - S_db

    figure = plt.figure(figsize=(10, 5.8), layout="constrained")
    grid = figure.add_gridspec(2, 2, height_ratios=(1, 1.1))
    top_left = figure.add_subplot(grid[0, 0])
    top_right = figure.add_subplot(grid[0, 1], sharey=top_left)
    bottom = figure.add_subplot(grid[1, :])
    common = dict(sr=sr, hop_length=hop, y_axis="mel", fmin=MFCC_SETTINGS["fmin"], vmin=-80,
                  vmax=0)
    spectrogram(S_db, ax=top_left, title="log-mel spectrogram (40 bands)", colorbar=False,
                **common)
    spectrogram(rebuilt, ax=top_right, unit="dB (re max)",
                title=f"rebuilt from the first {n_mfcc} MFCCs", **common)
    top_right.set_ylabel("")
    t = (frame + 0.5) * hop / sr
    for ax in (top_left, top_right):
        ax.axvline(t, color="white", linestyle="--", linewidth=1)

    centres = mel_frequencies(n_mels + 2, fmin=MFCC_SETTINGS["fmin"], fmax=sr / 2)[1:-1]
    bottom.plot(centres, S_db[:, frame], "o", markersize=4, color="0.35",
                label="log-mel spectrum of the frame")
    bottom.plot(centres, rebuilt[:, frame], "-", color="tab:red", linewidth=2,
                label=f"from the first {n_mfcc} MFCCs")
    bottom.set_xscale("symlog", linthresh=1000, linscale=0.6)
    bottom.set_xticks([100, 250, 500, 1000, 2000, 4000, 8000])
    bottom.set_xticklabels(["100", "250", "500", "1k", "2k", "4k", "8k"])
    bottom.set_xlim(centres[0] * 0.9, centres[-1] * 1.05)
    bottom.set_ylim(-90, 10)
    bottom.set_xlabel("mel band centre (Hz)")
    bottom.set_ylabel("dB (re max)")
    bottom.legend(loc="upper right", fontsize="small")
    bottom.set_title(f"the frame at {frame * hop / sr:.2f} s", fontsize="medium")

    text = (
        f"<b>{n_mfcc}</b> of {n_mels} coefficients. The frame at {frame * hop / sr:.2f} s is "
        f"rebuilt to within <b>{_rms(error_frame):.1f} dB</b> RMS (largest error "
        f"{np.abs(error_frame).max():.1f} dB); the whole clip to within "
        f"<b>{_rms(error_clip):.1f} dB</b> RMS."
    )
    return figure, text


def mfcc_demo(
    y: NDArray[np.floating] | None = None, *, sr: int = 16000, n_mfcc: int = 13,
    time: float | None = None,
) -> Demo:
    """Sliders for the number of MFCCs kept and the frame; shows what they rebuild.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        The clip (a spoken word works best); None uses a synthetic "seven".
    sr : int
        Its sample rate in Hz.
    n_mfcc : int
        Initial number of coefficients, 1 to 40.
    time : float or None
        Initial frame time in seconds; None picks the loudest frame.

    Returns
    -------
    Demo

    Examples
    --------
    >>> demo = mfcc_demo()  # doctest: +SKIP
    >>> demo.controls["n_mfcc"].value = 5  # doctest: +SKIP

    Taught in lesson 04 (MFCC, chroma and classic features).
    """
    import ipywidgets as widgets

    sr = check_positive_int("sr", sr)
    y = _default_word(sr) if y is None else valid_audio(y)
    hop = MFCC_SETTINGS["hop_length"]
    S_db = log_mel(y, sr=sr)
    duration = (S_db.shape[1] - 1) * hop / sr
    if time is None:
        time = int(np.argmax(S_db.mean(axis=0))) * hop / sr
    controls = {
        "n_mfcc": widgets.IntSlider(value=int(n_mfcc), min=1, max=S_db.shape[0], step=1,
                                    description="n_mfcc", continuous_update=False),
        "time": widgets.FloatSlider(value=round(float(time), 2), min=0.0,
                                    max=round(duration, 2), step=hop / sr,
                                    description="frame (s)", readout_format=".2f",
                                    continuous_update=False),
    }
    return Demo("MFCC reconstruction", controls, functools.partial(draw_mfcc, y=y, sr=sr))
