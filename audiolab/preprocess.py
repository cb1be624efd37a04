"""Getting clips ready for a model: trim, normalise, fix the length, denoise, standardise.

Taught in lesson 05 (preparing a dataset).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from .errors import AudioFileError, AudiolabError, ParameterError
from .files import atomic_write
from .validation import (
    MAX_FRAME_LENGTH,
    MAX_VALUES,
    check_array_size,
    check_bool,
    check_choice,
    check_nonnegative,
    check_positive,
    check_probability,
    check_rng,
    check_size,
    check_sr,
    valid_audio,
)

__all__ = ["trim_silence", "normalize", "pad_or_crop", "spectral_gate", "cmvn", "Standardizer"]


def _frame_rms_db(y: NDArray, frame_length: int, hop_length: int) -> NDArray[np.float64]:
    """RMS per centred frame, in dB relative to the loudest frame (as librosa.effects.trim)."""
    padded = np.pad(y.astype(np.float64), frame_length // 2, mode="constant")
    n_frames = 1 + (len(padded) - frame_length) // hop_length
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop_length][
        :n_frames
    ]
    power = np.mean(frames**2, axis=-1)
    reference = max(power.max(), 1e-10)
    return 10 * np.log10(np.maximum(power, 1e-10) / reference)


def trim_silence(
    y: NDArray[np.floating],
    *,
    top_db: float = 60.0,
    frame_length: int = 2048,
    hop_length: int = 512,
) -> tuple[NDArray[np.floating], tuple[int, int]]:
    """Cut leading and trailing silence: frames more than ``top_db`` below the loudest.

    The same rule as ``librosa.effects.trim`` (same defaults, same result).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The clip.
    top_db : float
        Frames quieter than the loudest frame by more than this are silence.
        Smaller values trim more (30 suits noisy field recordings).
    frame_length, hop_length : int
        Frame size and hop in samples for the loudness measure, at most
        :data:`~audiolab.validation.MAX_FRAME_LENGTH`.

    Returns
    -------
    y_trimmed : np.ndarray [shape=(m,)]
        A view of ``y`` without the silent ends (empty if ``y`` is all zeros).
    interval : tuple of int
        ``(start, end)`` such that ``y_trimmed == y[start:end]``.

    Raises
    ------
    ParameterError
        If ``y`` is not valid audio or a parameter is out of range.

    See Also
    --------
    pad_or_crop

    Examples
    --------
    >>> y = np.concatenate([np.zeros(4000), 0.5 * np.ones(8000), np.zeros(4000)])
    >>> trim_silence(y)[1]
    (3072, 13312)

    Taught in lesson 05 (preparing a dataset).
    """
    y = valid_audio(y)
    top_db = check_positive("top_db", top_db)
    frame_length = check_size("frame_length", frame_length, MAX_FRAME_LENGTH)
    hop_length = check_size("hop_length", hop_length, MAX_FRAME_LENGTH)
    # Refused only where the settings, not the clip's length, make the frames huge.
    check_array_size(
        f"y of {len(y)} samples in frames of frame_length={frame_length} every "
        f"hop_length={hop_length}",
        (1 + len(y) // hop_length) * frame_length,
        limit=max(MAX_VALUES, 16 * len(y)),
    )
    loud = np.flatnonzero(_frame_rms_db(y, frame_length, hop_length) > -top_db)
    if loud.size == 0 or not np.any(y):
        return y[:0], (0, 0)
    start = int(loud[0] * hop_length)
    end = int(min(len(y), (loud[-1] + 1) * hop_length))
    return y[start:end], (start, end)


def normalize(
    y: NDArray[np.floating], *, kind: str = "peak", target: float | None = None
) -> NDArray[np.float32]:
    """Scale a clip to a given peak or RMS level.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The clip.
    kind : {"peak", "rms"}
        Match the largest absolute sample, or the root-mean-square level
        (loudness, which suits speech better).
    target : float or None
        The level wanted, as a linear amplitude: default 1.0 for ``"peak"`` and
        0.1 (-20 dBFS) for ``"rms"``.

    Returns
    -------
    np.ndarray [shape=(n,)], float32
        The scaled clip; a silent clip is returned unchanged.

    Raises
    ------
    ParameterError
        If ``kind`` is unknown or ``target`` is not positive.

    Examples
    --------
    >>> float(np.abs(normalize(np.array([0.1, -0.2, 0.05]))).max())
    1.0

    Taught in lesson 05 (preparing a dataset).
    """
    y = valid_audio(y)
    check_choice("kind", kind, ("peak", "rms"))
    if target is None:
        target = 1.0 if kind == "peak" else 0.1
    target = check_positive("target", target)
    level = np.max(np.abs(y)) if kind == "peak" else np.sqrt(np.mean(y.astype(np.float64) ** 2))
    if level == 0:
        return y.astype(np.float32)
    return (y * (target / level)).astype(np.float32)


def pad_or_crop(
    y: NDArray[np.floating],
    length: int,
    *,
    mode: str = "center",
    rng: np.random.Generator | int | None = None,
) -> NDArray[np.floating]:
    """Make a clip exactly ``length`` samples long, with zeros or by cutting.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The clip.
    length : int
        The length wanted, in samples (16000 for one second at 16 kHz), at
        most :data:`~audiolab.validation.MAX_VALUES`.
    mode : {"center", "start", "random"}
        Where the clip sits in the result: in the middle, at the start (the
        padding or the cut at the end), or at a random offset (an
        augmentation: a random crop or a random time shift).
    rng : numpy.random.Generator, int or None
        Random generator or seed for ``mode="random"``.

    Returns
    -------
    np.ndarray [shape=(length,)]

    Raises
    ------
    ParameterError
        If ``length`` is not a positive integer up to
        :data:`~audiolab.validation.MAX_VALUES`, ``mode`` is unknown, or
        ``rng`` is neither None, a seed nor a generator.

    Examples
    --------
    >>> pad_or_crop(np.array([1.0, 2.0]), 4)
    array([0., 1., 2., 0.])
    >>> pad_or_crop(np.arange(5.0), 3)
    array([1., 2., 3.])

    Taught in lesson 05 (preparing a dataset).
    """
    y = valid_audio(y)
    length = check_size("length", length, MAX_VALUES)
    check_choice("mode", mode, ("center", "start", "random"))
    rng = check_rng("rng", rng)
    slack = abs(len(y) - length)
    if mode == "start":
        offset = 0
    elif mode == "center":
        offset = slack // 2
    else:
        offset = int(rng.integers(0, slack + 1))
    if len(y) >= length:
        return y[offset : offset + length]
    out = np.zeros(length, dtype=y.dtype)
    out[offset : offset + len(y)] = y
    return out


#: The longest smoothing of :func:`spectral_gate`'s mask in time, in ms: far
#: beyond noisereduce's 50 ms, short enough to keep the filters fast.
_MAX_SMOOTH_MS = 10_000.0


def spectral_gate(
    y: NDArray[np.floating],
    sr: int,
    *,
    noise_clip: NDArray[np.floating] | None = None,
    n_fft: int = 1024,
    hop_length: int | None = None,
    n_std_thresh: float = 1.5,
    prop_decrease: float = 1.0,
    freq_smooth_hz: float = 100.0,
    time_smooth_ms: float = 40.0,
) -> NDArray[np.float32]:
    """Reduce steady background noise by spectral gating.

    For every frequency the noise's typical level is measured (mean plus
    ``n_std_thresh`` standard deviations of its dB magnitude), either on
    ``noise_clip`` (a stretch of noise alone) or, without one, on the quietest
    fifth of the frames of ``y``. Time-frequency cells of ``y`` below that
    threshold are attenuated; the mask is cleaned of short blips and
    smoothed to avoid "musical noise", then the signal is resynthesised from
    the masked STFT. This is the stationary method of Sainburg's
    ``noisereduce``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The noisy clip.
    sr : int
        Its sample rate in Hz.
    noise_clip : np.ndarray [shape=(m,)] or None
        Noise alone, at the same rate; at least ``n_fft`` samples.
    n_fft : int
        FFT size of the analysis, at most
        :data:`~audiolab.validation.MAX_FRAME_LENGTH`.
    hop_length : int or None
        Hop in samples; default ``n_fft // 4``.
    n_std_thresh : float
        How many standard deviations above the noise's mean level a cell must
        be to count as signal.
    prop_decrease : float
        How much to attenuate gated cells, from 0 (nothing) to 1 (fully).
    freq_smooth_hz, time_smooth_ms : float
        Width of the smoothing of the mask in frequency (at most ``sr / 2``)
        and time (at most 10 s). Wider smoothing removes more "musical
        noise" but also weakens narrow-band sounds such as whistles.

    Returns
    -------
    np.ndarray [shape=(n,)], float32
        The denoised clip.

    Raises
    ------
    ParameterError
        If a parameter is out of range or a clip is too short.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(16000) / 16000
    >>> speech = np.where(t > 0.5, np.sin(2 * np.pi * 300 * t), 0.0)
    >>> noisy = speech + 0.05 * rng.standard_normal(16000)
    >>> clean = spectral_gate(noisy, 16000)
    >>> bool(np.std(clean[:4000]) < np.std(noisy[:4000]) / 3)
    True

    Taught in lesson 05 (preparing a dataset).
    """
    from scipy import signal

    y = valid_audio(y)
    sr = check_sr("sr", sr)
    n_fft = check_size("n_fft", n_fft, MAX_FRAME_LENGTH)
    if hop_length is None:
        hop_length = n_fft // 4
        if hop_length == 0:
            raise ParameterError(
                f"hop_length defaults to n_fft // 4, which is 0 for n_fft={n_fft}; "
                f"pass hop_length explicitly"
            )
    hop_length = check_size("hop_length", hop_length, MAX_FRAME_LENGTH)
    if hop_length > n_fft:
        raise ParameterError(f"hop_length={hop_length} must not exceed n_fft={n_fft}")
    n_std_thresh = check_nonnegative("n_std_thresh", n_std_thresh)
    prop_decrease = check_probability("prop_decrease", prop_decrease)
    freq_smooth_hz = check_nonnegative("freq_smooth_hz", freq_smooth_hz)
    if freq_smooth_hz > sr / 2:
        raise ParameterError(
            f"freq_smooth_hz must be at most the Nyquist frequency sr / 2 = {sr / 2:g} Hz, "
            f"got {freq_smooth_hz!r}"
        )
    time_smooth_ms = check_nonnegative("time_smooth_ms", time_smooth_ms)
    if time_smooth_ms > _MAX_SMOOTH_MS:
        raise ParameterError(
            f"time_smooth_ms must be at most {_MAX_SMOOTH_MS:g} ms, got {time_smooth_ms!r}"
        )
    if len(y) < n_fft:
        raise ParameterError(f"y has {len(y)} samples, fewer than n_fft={n_fft}")
    # Refused only where the settings, not the clip's length, make the STFT huge.
    check_array_size(
        f"y of {len(y)} samples with n_fft={n_fft} and hop_length={hop_length}",
        (2 + (len(y) + n_fft) // hop_length) * (1 + n_fft // 2),
        limit=max(MAX_VALUES, 4 * len(y)),
    )
    if noise_clip is not None:
        noise_clip = valid_audio(noise_clip, name="noise_clip")
        if len(noise_clip) < n_fft:
            raise ParameterError(
                f"noise_clip has {len(noise_clip)} samples, fewer than n_fft={n_fft}"
            )

    def analyse(x: NDArray) -> NDArray[np.complex128]:
        return signal.stft(
            x.astype(np.float64), nperseg=n_fft, noverlap=n_fft - hop_length,
            window="hann", boundary="even", padded=True,
        )[2]

    spectrum = analyse(y)
    level_db = 20 * np.log10(np.abs(spectrum) + 1e-10)
    if noise_clip is not None:
        noise_db = 20 * np.log10(np.abs(analyse(noise_clip)) + 1e-10)
    else:
        # Without a noise sample, the quietest fifth of the frames (by power)
        # stands in for it.
        frame_power = np.mean(np.abs(spectrum) ** 2, axis=0)
        quiet = frame_power <= np.quantile(frame_power, 0.2)
        noise_db = level_db[:, quiet]
    threshold = noise_db.mean(axis=1) + n_std_thresh * noise_db.std(axis=1)

    keep = level_db > threshold[:, None]
    # Noise pokes above any threshold in isolated cells; keeping them makes
    # "musical noise". A median over time removes blips shorter than the
    # smoothing time, then a moving average softens the mask's edges in
    # frequency without weakening the cells that are kept.
    frames = int(round(time_smooth_ms / 1000 * sr / hop_length)) // 2
    bins = int(round(freq_smooth_hz / (sr / n_fft))) // 2
    keep = ndimage.median_filter(keep.astype(np.float64), size=(1, 2 * frames + 1), mode="nearest")
    soft = ndimage.uniform_filter(keep, size=(2 * bins + 1, 2 * frames + 1), mode="nearest")
    gain = 1 - prop_decrease * (1 - np.maximum(keep, soft))

    _, out = signal.istft(
        spectrum * gain, nperseg=n_fft, noverlap=n_fft - hop_length, window="hann",
        boundary=True,
    )
    return out[: len(y)].astype(np.float32)


def cmvn(
    features: NDArray[np.floating],
    *,
    axis: int = -1,
    variance: bool = True,
    eps: float = 1e-8,
) -> NDArray[np.float32]:
    """Cepstral mean and variance normalisation: each clip by its own statistics.

    Subtracts from every feature its mean over time, and (with ``variance``)
    divides by its standard deviation over time. A fixed channel (a
    microphone, a telephone line) multiplies the spectrum by the same filter
    in every frame, which adds the same constant to a log-mel band or an MFCC
    in every frame: the mean over time removes it. Each clip is normalised by
    itself, so nothing is fitted on other clips and nothing leaks between
    splits; it complements :class:`Standardizer`, which is fitted on the
    training split.

    Parameters
    ----------
    features : np.ndarray [shape=(..., n_features, n_frames)], floating point
        MFCCs or log-mel energies of one clip, or of a batch of clips.
    axis : int
        The time axis, over which the statistics are taken (default -1):
        one mean and one standard deviation for every other index.
    variance : bool
        Also divide by the standard deviation (CMVN); False only subtracts
        the mean (CMN).
    eps : float > 0
        Added to the standard deviation so that a constant feature does not
        divide by 0.

    Returns
    -------
    np.ndarray [shape=features.shape], float32
        The normalised features: mean 0 over ``axis`` (and standard
        deviation 1 with ``variance``, for a feature that is not constant).

    Raises
    ------
    ParameterError
        If ``features`` is not a finite floating-point NumPy array with frames
        along ``axis``, ``axis`` is not one of its axes, ``variance`` is not a
        bool, or ``eps`` is not a positive number.

    See Also
    --------
    Standardizer : per-feature statistics fitted on the training split.
    audiolab.features.mfcc, audiolab.features.deltas

    Examples
    --------
    >>> mfcc = np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 16.0]])
    >>> cmvn(mfcc, variance=False)
    array([[-1.,  0.,  1.],
           [-2., -2.,  4.]], dtype=float32)
    >>> np.allclose(cmvn(mfcc + 5.0), cmvn(mfcc))     # a constant offset is removed
    True

    Taught in lesson 05 (preparing a dataset).
    """
    if not isinstance(features, np.ndarray) or not np.issubdtype(features.dtype, np.floating):
        described = (f"a {features.dtype} array" if isinstance(features, np.ndarray)
                     else repr(features))
        raise ParameterError(
            f"features must be a floating-point NumPy array (..., n_frames), got {described}"
        )
    if features.ndim == 0:
        raise ParameterError("features must have a time axis, got a single number")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise ParameterError(f"axis must be an integer, got {axis!r}")
    if not -features.ndim <= axis < features.ndim:
        raise ParameterError(
            f"axis={axis} is not an axis of features with shape {features.shape}"
        )
    if features.shape[axis] == 0:
        raise ParameterError(f"features has no frames along axis {axis} (shape {features.shape})")
    variance = check_bool("variance", variance)
    eps = check_positive("eps", eps)
    if not np.all(np.isfinite(features)):
        raise ParameterError("features contains NaN or infinite values")
    x = features.astype(np.float64)
    out = x - x.mean(axis=axis, keepdims=True)
    if variance:
        out /= x.std(axis=axis, keepdims=True) + eps
    return out.astype(np.float32)


class Standardizer:
    """Per-feature standardisation, fitted on the training split only.

    Statistics are taken over every axis except ``axis``: for features of
    shape ``(n_clips, n_mels, n_frames)`` and ``axis=1`` there is one mean and
    one standard deviation per mel band. Fitting on all the data before
    splitting leaks the test set into training: lesson 05 shows the effect.

    Parameters
    ----------
    axis : int or tuple of int
        The feature axis or axes, kept in the statistics (default 1); never
        0, the examples.
    eps : float
        Added to the standard deviation so constant features do not divide by 0.

    Raises
    ------
    ParameterError
        If ``axis`` is not a non-zero integer or a tuple of them, or ``eps``
        is not a positive number.

    Attributes
    ----------
    mean_, std_ : np.ndarray
        The fitted statistics, shaped to broadcast against one example.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(3, 2, size=(100, 40, 10))
    >>> scaler = Standardizer(axis=1).fit(X[:80])
    >>> Z = scaler.transform(X[80:])
    >>> Z.shape
    (20, 40, 10)

    Taught in lesson 05 (preparing a dataset).
    """

    def __init__(self, *, axis: int | tuple[int, ...] = 1, eps: float = 1e-8) -> None:
        self.axis = _feature_axes(axis)
        self.eps = check_positive("eps", eps)
        self.mean_: NDArray[np.float32] | None = None
        self.std_: NDArray[np.float32] | None = None

    def _reduce_axes(self, X: NDArray) -> tuple[int, ...]:
        ndim = X.ndim
        kept = set()
        for a in self.axis:
            if not -ndim <= a < ndim or a == 0 or a == -ndim:
                raise ParameterError(
                    f"axis={a} is not a feature axis of data with shape {X.shape} "
                    "(axis 0 is the examples)"
                )
            kept.add(a % ndim)
        return tuple(a for a in range(ndim) if a not in kept)

    def fit(self, X: NDArray[np.floating]) -> Standardizer:
        """Measure the mean and standard deviation of training features ``X``."""
        X = self._check(X)
        axes = self._reduce_axes(X)
        self.mean_ = X.mean(axis=axes, keepdims=True, dtype=np.float64)[0].astype(np.float32)
        self.std_ = X.std(axis=axes, keepdims=True, dtype=np.float64)[0].astype(np.float32)
        return self

    def transform(self, X: NDArray[np.floating]) -> NDArray[np.float32]:
        """Standardise ``X`` with the fitted statistics."""
        if self.mean_ is None or self.std_ is None:
            raise AudiolabError("this Standardizer is not fitted yet: call fit(X_train) first")
        X = self._check(X)
        if not _broadcastable(X.shape[1:], self.mean_.shape):
            raise ParameterError(
                f"X has examples of shape {X.shape[1:]}, but the Standardizer was fitted "
                f"on statistics of shape {self.mean_.shape}"
            )
        return ((X - self.mean_) / (self.std_ + self.eps)).astype(np.float32)

    def fit_transform(self, X: NDArray[np.floating]) -> NDArray[np.float32]:
        """Fit on ``X`` and return it standardised."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: NDArray[np.floating]) -> NDArray[np.float32]:
        """Undo :meth:`transform`."""
        if self.mean_ is None or self.std_ is None:
            raise AudiolabError("this Standardizer is not fitted yet: call fit(X_train) first")
        return (np.asarray(Z) * (self.std_ + self.eps) + self.mean_).astype(np.float32)

    @staticmethod
    def _check(X: NDArray) -> NDArray:
        if not isinstance(X, np.ndarray) or not np.issubdtype(X.dtype, np.floating):
            raise ParameterError("X must be a floating-point NumPy array of features")
        if X.ndim < 2 or X.shape[0] == 0:
            raise ParameterError(
                f"X must have shape (n_examples, ...) with at least one example, got {X.shape}"
            )
        if not np.all(np.isfinite(X)):
            raise ParameterError("X contains NaN or infinite values")
        return X

    def save(self, path: str | os.PathLike) -> Path:
        """Write the statistics to ``.json`` or ``.npz`` (no pickle), atomically."""
        if self.mean_ is None or self.std_ is None:
            raise AudiolabError("this Standardizer is not fitted yet: nothing to save")
        path = Path(path)
        suffix = path.suffix.lower()
        check_choice("path's ending", suffix, (".json", ".npz"))
        with atomic_write(path) as temporary:
            if suffix == ".json":
                payload = {
                    "axis": list(self.axis),
                    "eps": self.eps,
                    "shape": list(self.mean_.shape),
                    "mean": self.mean_.ravel().tolist(),
                    "std": self.std_.ravel().tolist(),
                }
                temporary.write_text(json.dumps(payload))
            else:
                with open(temporary, "wb") as handle:
                    np.savez(handle, axis=np.array(self.axis), eps=np.array(self.eps),
                             mean=self.mean_, std=self.std_)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Standardizer:
        """Read statistics written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise AudioFileError(f"{path}: no such file")
        try:
            if path.suffix.lower() == ".json":
                payload = json.loads(path.read_text())
                shape = tuple(payload["shape"])
                scaler = cls(axis=tuple(payload["axis"]), eps=payload["eps"])
                scaler.mean_ = np.asarray(payload["mean"], np.float32).reshape(shape)
                scaler.std_ = np.asarray(payload["std"], np.float32).reshape(shape)
            else:
                with np.load(path, allow_pickle=False) as data:
                    scaler = cls(axis=tuple(int(a) for a in data["axis"]), eps=float(data["eps"]))
                    scaler.mean_ = data["mean"].astype(np.float32)
                    scaler.std_ = data["std"].astype(np.float32)
        except (KeyError, ValueError, TypeError, OSError) as error:
            raise AudiolabError(f"{path}: not a saved Standardizer ({error})") from None
        return scaler


def _feature_axes(axis: object) -> tuple[int, ...]:
    """``axis`` as a tuple of feature axes (non-zero integers below NumPy's 64 dimensions)."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool) or a == 0 or abs(a) > 63:
            raise ParameterError(
                f"axis={axis!r} is not a feature axis: give a non-zero integer or a tuple "
                f"of them (axis 0 is the examples)"
            )
    return tuple(int(a) for a in axes)


def _broadcastable(example_shape: tuple[int, ...], stat_shape: tuple[int, ...]) -> bool:
    """True if statistics of ``stat_shape`` apply to examples of ``example_shape``."""
    if len(example_shape) != len(stat_shape):
        return False
    return all(s in (1, e) for e, s in zip(example_shape, stat_shape, strict=True))
