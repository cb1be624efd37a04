"""Signals made with NumPy, and the first steps of digital signal processing.

Tones, chirps and noise show one idea at a time; :func:`quantize` and
:func:`alias_frequency` show what sampling does to a signal; :func:`frame` and
:func:`get_window` cut a signal into the short windowed frames every spectral
feature is computed from.

Taught in lessons 01 (sampling and quantization) and 02 (framing and windowing).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .errors import ParameterError
from .validation import (
    MAX_FRAME_LENGTH,
    check_array_size,
    check_bool,
    check_choice,
    check_duration,
    check_finite,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_rng,
    check_size,
    check_sr,
    valid_audio,
)

__all__ = [
    "tone",
    "chirp",
    "white_noise",
    "quantize",
    "alias_frequency",
    "frame",
    "get_window",
    "WINDOWS",
]

#: The windows :func:`get_window` knows, by name.
WINDOWS = ("rectangular", "hann", "hamming", "blackman")


def _time_axis(sr: int, duration: float) -> NDArray[np.float64]:
    n = int(round(duration * sr))
    if n < 1:
        raise ParameterError(
            f"duration={duration} s at sr={sr} Hz gives no samples; make it longer"
        )
    check_array_size(f"duration={duration:g} s at sr={sr} Hz", n)
    return np.arange(n) / sr


def tone(
    frequency: float,
    *,
    sr: int = 16000,
    duration: float = 1.0,
    amplitude: float = 0.5,
    phase: float = 0.0,
) -> NDArray[np.float32]:
    """A pure tone: ``amplitude * cos(2 pi f t + phase)``.

    The frequency may lie above ``sr / 2``: the samples are then exactly those
    of the tone's alias, which is how lesson 01 shows aliasing.

    Parameters
    ----------
    frequency : float
        In Hz, zero or positive.
    sr : int
        Sample rate in Hz, at most :data:`~audiolab.validation.MAX_SR`.
    duration : float
        In seconds, at most a day.
    amplitude : float
        Peak amplitude (0.5 leaves headroom).
    phase : float
        Starting phase in radians.

    Returns
    -------
    np.ndarray [shape=(round(duration * sr),)], float32

    Raises
    ------
    ParameterError
        If a parameter is not a finite number, is negative, is beyond its
        limit, or ``duration`` and ``sr`` give no samples or too many.

    See Also
    --------
    chirp, alias_frequency

    Examples
    --------
    >>> y = tone(440.0, sr=16000, duration=0.5)
    >>> y.shape, y.dtype
    ((8000,), dtype('float32'))

    Taught in lesson 01 (sampling and quantization).
    """
    frequency = check_nonnegative("frequency", frequency)
    sr = check_sr("sr", sr)
    duration = check_duration("duration", duration)
    amplitude = check_nonnegative("amplitude", amplitude)
    phase = check_finite("phase", phase)
    t = _time_axis(sr, duration)
    return (amplitude * np.cos(2 * np.pi * frequency * t + phase)).astype(np.float32)


def chirp(
    fmin: float,
    fmax: float,
    *,
    sr: int = 16000,
    duration: float = 1.0,
    amplitude: float = 0.5,
    linear: bool = False,
) -> NDArray[np.float32]:
    """A sweep from ``fmin`` to ``fmax`` Hz, exponential (default) or linear.

    Parameters
    ----------
    fmin, fmax : float
        Start and end frequencies in Hz, both positive.
    sr : int
        Sample rate in Hz.
    duration : float
        In seconds.
    amplitude : float
        Peak amplitude.
    linear : bool
        Sweep linearly in Hz instead of exponentially (equal time per octave).

    Returns
    -------
    np.ndarray [shape=(round(duration * sr),)], float32

    Raises
    ------
    ParameterError
        If a frequency is not a positive number, ``sr`` or ``duration`` is
        out of range or they give no samples or too many, or ``linear`` is
        not True or False.

    See Also
    --------
    tone

    Examples
    --------
    >>> chirp(100.0, 4000.0, sr=16000, duration=2.0).shape
    (32000,)

    Taught in lesson 01 (sampling and quantization).
    """
    fmin = check_positive("fmin", fmin)
    fmax = check_positive("fmax", fmax)
    sr = check_sr("sr", sr)
    duration = check_duration("duration", duration)
    amplitude = check_nonnegative("amplitude", amplitude)
    linear = check_bool("linear", linear)
    t = _time_axis(sr, duration)
    if linear or fmin == fmax:
        phase = 2 * np.pi * (fmin * t + (fmax - fmin) * t**2 / (2 * duration))
    else:
        # Instantaneous frequency fmin * (fmax / fmin) ** (t / duration).
        k = np.log(fmax / fmin) / duration
        phase = 2 * np.pi * fmin * (np.exp(k * t) - 1) / k
    return (amplitude * np.sin(phase)).astype(np.float32)


def white_noise(
    *,
    sr: int = 16000,
    duration: float = 1.0,
    rms: float = 0.1,
    rng: np.random.Generator | int | None = None,
) -> NDArray[np.float32]:
    """Gaussian white noise with a given RMS level.

    Parameters
    ----------
    sr : int
        Sample rate in Hz.
    duration : float
        In seconds.
    rms : float
        Root-mean-square amplitude (0.1 is -20 dBFS).
    rng : numpy.random.Generator, int or None
        The random generator or a seed; ``None`` draws a fresh seed.

    Returns
    -------
    np.ndarray [shape=(round(duration * sr),)], float32

    Raises
    ------
    ParameterError
        If a parameter is out of range, ``duration`` and ``sr`` give no
        samples or too many, or ``rng`` is neither None, a seed nor a
        generator.

    Examples
    --------
    >>> y = white_noise(duration=1.0, rms=0.1, rng=0)
    >>> round(float(np.sqrt(np.mean(y ** 2))), 2)
    0.1

    Taught in lesson 01 (sampling and quantization).
    """
    sr = check_sr("sr", sr)
    duration = check_duration("duration", duration)
    rms = check_nonnegative("rms", rms)
    rng = check_rng("rng", rng)
    n = len(_time_axis(sr, duration))
    return (rms * rng.standard_normal(n)).astype(np.float32)


def quantize(y: NDArray[np.floating], bits: int) -> NDArray[np.float32]:
    """Round samples in [-1, 1] to the levels of a ``bits``-bit signed integer.

    This is what storing audio as ``bits``-bit PCM does: ``2 ** bits`` levels a
    step ``2 / 2 ** bits`` apart (the step of 16-bit WAV is 1/32768), values
    outside the range clipped. Each bit adds about 6 dB of signal-to-noise
    ratio (6.02 * bits + 1.76 dB for a full-scale sine).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Floating-point samples.
    bits : int
        Bit depth, 1 to 32.

    Returns
    -------
    np.ndarray [shape=(n,)], float32

    Raises
    ------
    ParameterError
        If ``y`` is not valid audio or ``bits`` is not in 1..32.

    Examples
    --------
    >>> quantize(np.array([0.3, -0.3]), 2)
    array([ 0.5, -0.5], dtype=float32)

    Taught in lesson 01 (sampling and quantization).
    """
    y = valid_audio(y, mono=False)
    bits = check_positive_int("bits", bits)
    if bits > 32:
        raise ParameterError(f"bits must be between 1 and 32, got {bits}")
    scale = 2.0 ** (bits - 1)
    levels = np.clip(np.round(y.astype(np.float64) * scale), -scale, scale - 1)
    return (levels / scale).astype(np.float32)


def alias_frequency(frequency: float, sr: float) -> float:
    """The frequency a tone of ``frequency`` Hz appears at when sampled at ``sr``.

    Sampling cannot tell ``f`` from ``f + k * sr`` or from ``k * sr - f``, so
    every frequency folds into the range [0, sr / 2] (the Nyquist frequency).

    Parameters
    ----------
    frequency : float
        The tone's frequency in Hz (negative frequencies are mirrored).
    sr : float
        The sample rate in Hz.

    Returns
    -------
    float
        The apparent frequency, between 0 and ``sr / 2``.

    Raises
    ------
    ParameterError
        If ``sr`` is not positive or above
        :data:`~audiolab.validation.MAX_SR`, or a value is not a finite number.

    Examples
    --------
    >>> alias_frequency(7000, 8000)
    1000.0
    >>> alias_frequency(3000, 8000)
    3000.0

    Taught in lesson 01 (sampling and quantization).
    """
    sr = check_sr("sr", sr, integer=False)
    frequency = check_finite("frequency", frequency)
    folded = abs(frequency) % sr
    return float(min(folded, sr - folded))


def frame(
    y: NDArray[np.floating], *, frame_length: int, hop_length: int
) -> NDArray[np.floating]:
    """Cut ``y`` into overlapping frames, without copying (like ``librosa.util.frame``).

    Frame ``t`` holds the samples ``y[t * hop_length : t * hop_length + frame_length]``;
    a tail shorter than a frame is dropped, so there are
    ``1 + (len(y) - frame_length) // hop_length`` frames.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        The signal; framing is along the last axis.
    frame_length : int
        Samples per frame (for example 400, 25 ms at 16 kHz).
    hop_length : int
        Samples between the starts of two frames (for example 160, 10 ms).

    Returns
    -------
    np.ndarray [shape=(..., frame_length, n_frames)]
        A read-only view of ``y``.

    Raises
    ------
    ParameterError
        If a length is not a positive integer up to
        :data:`~audiolab.validation.MAX_FRAME_LENGTH` or ``y`` is shorter
        than one frame.

    See Also
    --------
    get_window

    Examples
    --------
    >>> frame(np.arange(10.0), frame_length=4, hop_length=2)
    array([[0., 2., 4., 6.],
           [1., 3., 5., 7.],
           [2., 4., 6., 8.],
           [3., 5., 7., 9.]])

    Taught in lesson 02 (framing and windowing).
    """
    y = valid_audio(y, mono=False)
    frame_length = check_size("frame_length", frame_length, MAX_FRAME_LENGTH)
    hop_length = check_size("hop_length", hop_length, MAX_FRAME_LENGTH)
    if y.shape[-1] < frame_length:
        raise ParameterError(
            f"y has {y.shape[-1]} samples, fewer than frame_length={frame_length}"
        )
    windows = np.lib.stride_tricks.sliding_window_view(y, frame_length, axis=-1)
    # (..., n - frame_length + 1, frame_length) -> every hop-th, frames last.
    return np.swapaxes(windows[..., ::hop_length, :], -1, -2)


def get_window(window: str, n: int, *, fftbins: bool = True) -> NDArray[np.float64]:
    """A window function of ``n`` samples, written out with NumPy.

    The periodic form (``fftbins=True``, the default, as in
    ``scipy.signal.get_window``) is the one for spectral analysis: its ``n + 1``
    point symmetric twin with the last point dropped. The symmetric form is
    the one for filter design.

    Parameters
    ----------
    window : {"rectangular", "hann", "hamming", "blackman"}
        ``"boxcar"`` and ``"ones"`` are accepted for ``"rectangular"``.
    n : int
        Length in samples.
    fftbins : bool
        Periodic (True) or symmetric (False).

    Returns
    -------
    np.ndarray [shape=(n,)], float64

    Raises
    ------
    ParameterError
        If ``window`` is unknown, ``n`` is not a positive integer up to
        :data:`~audiolab.validation.MAX_FRAME_LENGTH`, or ``fftbins`` is not
        True or False.

    See Also
    --------
    frame, scipy.signal.get_window

    Examples
    --------
    >>> get_window("hann", 4)
    array([0. , 0.5, 1. , 0.5])

    Taught in lesson 02 (framing and windowing).
    """
    if window in ("boxcar", "ones"):
        window = "rectangular"
    check_choice("window", window, WINDOWS)
    n = check_size("n", n, MAX_FRAME_LENGTH)
    fftbins = check_bool("fftbins", fftbins)
    if window == "rectangular" or n == 1:
        return np.ones(n)
    length = n + 1 if fftbins else n
    phase = 2 * np.pi * np.arange(length) / (length - 1)
    if window == "hann":
        w = 0.5 - 0.5 * np.cos(phase)
    elif window == "hamming":
        w = 0.54 - 0.46 * np.cos(phase)
    else:  # blackman
        w = 0.42 - 0.5 * np.cos(phase) + 0.08 * np.cos(2 * phase)
    return w[:n]
