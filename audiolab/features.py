"""Audio features: STFT, decibels, the mel scale, MFCC, deltas, chroma.

Every function here is written with NumPy and SciPy, step by step, so that a
learner can read how a feature is made. Names, parameters, defaults and
results follow librosa 0.11, so code moves freely between the two:

==========================  ==============================================  =================
audiolab.features           librosa                                         agreement
==========================  ==============================================  =================
``stft``                    ``librosa.stft``                                1e-5 of the max
``power_to_db`` & co.       ``librosa.power_to_db`` & co.                   float rounding
``mel_filterbank``          ``librosa.filters.mel``                         float rounding
``mel_spectrogram``         ``librosa.feature.melspectrogram``              1e-4 of the max
``mfcc``                    ``librosa.feature.mfcc``                        1e-3 absolute
``deltas``                  ``librosa.feature.delta``                       float rounding
``chroma``                  ``librosa.feature.chroma_stft(tuning=0.0)``     1e-4 of the max
==========================  ==============================================  =================

Two differences are deliberate: :func:`chroma` assumes A440 tuning
(``tuning=0.0``) instead of estimating it, and :func:`stft` always returns
``complex64``. :func:`extract_batch` computes the same features for many
equal-length clips at once, vectorised, for preparing datasets.

The lessons: 03 (STFT and spectrograms) and 04 (MFCC, chroma and classic
features).
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import scipy.fft
from numpy.typing import ArrayLike, NDArray

from .errors import AudiolabWarning, ParameterError
from .validation import (
    MAX_BANDS,
    MAX_FRAME_LENGTH,
    MAX_VALUES,
    check_array_size,
    check_bool,
    check_choice,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_size,
    check_sr,
    valid_audio,
)

__all__ = [
    "SPEECH_DEFAULTS",
    "SPEECH_FEATURES",
    "SPEECH_TOP_DB",
    "amplitude_to_db",
    "chroma",
    "chroma_filterbank",
    "db_to_amplitude",
    "db_to_power",
    "deltas",
    "extract_batch",
    "floor_per_clip",
    "fft_frequencies",
    "hz_to_mel",
    "mel_filterbank",
    "mel_frequencies",
    "mel_spectrogram",
    "mel_to_hz",
    "mfcc",
    "power_to_db",
    "stft",
]

#: The course's settings for 16 kHz speech: 25 ms windows (400 samples) every
#: 10 ms (160 samples) in a 512-point FFT, 40 mel bands from 20 Hz to Nyquist,
#: 13 MFCCs. They are the defaults of :func:`extract_batch`; pass them to the
#: single-clip functions with ``mel_spectrogram(y=y, **SPEECH_DEFAULTS)`` minus
#: ``n_mfcc``, or ``mfcc(y=y, **SPEECH_DEFAULTS)``. Read-only.
SPEECH_DEFAULTS = MappingProxyType(
    {
        "sr": 16000,
        "n_fft": 512,
        "hop_length": 160,
        "win_length": 400,
        "n_mels": 40,
        "n_mfcc": 13,
        "fmin": 20.0,
        "fmax": None,
    }
)

#: The decibel range of the course's log-mel features: each clip's floor lies
#: this far below its own loudest bin (``power_to_db(..., top_db=80)``).
SPEECH_TOP_DB = 80.0

#: The feature settings a model is trained with and saved with (the model
#: card's ``features``): :data:`SPEECH_DEFAULTS` without ``sr`` (the card
#: keeps it apart), ``kind`` and ``top_db``; exactly the keywords of
#: :func:`extract_batch` and :class:`audiolab.models.AudioFeatures`. Read-only.
SPEECH_FEATURES = MappingProxyType(
    {"kind": "logmel", **{k: v for k, v in SPEECH_DEFAULTS.items() if k != "sr"},
     "top_db": SPEECH_TOP_DB}
)

# Padding modes that make sense for centred frames (as in librosa.stft).
_PAD_MODES = ("constant", "edge", "reflect", "symmetric")

# The STFT works on at most this many windowed samples at a time (4 MB in
# float64): a long recording does not need gigabytes of frames, and blocks
# that fit in the CPU's cache are faster (measured: chunks of ~8 one-second
# clips ran 2x faster than chunks of 256).
_BLOCK_VALUES = 2**19

_KINDS = ("stft", "power", "mel", "logmel", "mfcc")


# ---------------------------------------------------------------------------
# Private helpers: checks and small building blocks
# ---------------------------------------------------------------------------


def _check_norm(name: str, norm: Any, *, allow_slaney: bool) -> Any:
    """None, a positive number (np.inf for the max), or "slaney" if allowed."""
    if norm is None:
        return None
    if allow_slaney and isinstance(norm, str) and norm == "slaney":
        return norm
    if (
        isinstance(norm, numbers.Real)
        and not isinstance(norm, bool)
        and not np.isnan(norm)
        and norm > 0
    ):
        return float(norm)
    allowed = '"slaney", ' if allow_slaney else ""
    raise ParameterError(
        f"{name} must be {allowed}None or a positive number (np.inf for the maximum), "
        f"got {norm!r}"
    )


def _normalize(S: NDArray, norm: float | None, axis: int) -> NDArray:
    """Scale ``S`` so each slice along ``axis`` has unit ``norm`` (librosa.util.normalize).

    Slices whose norm is below the smallest normal float are left as they are.
    """
    if norm is None:
        return S
    magnitude = np.abs(S).astype(np.float64)
    length = magnitude.max(axis=axis, keepdims=True)
    if not np.isinf(norm):
        # The p-norm of the slice scaled to a maximum of 1, times the maximum:
        # the same value, without overflow for a large p (the values are <= 1).
        peak = np.where(length > 0, length, 1.0)
        length = peak * np.sum((magnitude / peak) ** norm, axis=axis, keepdims=True) ** (
            1.0 / norm
        )
    length[length < np.finfo(S.dtype).tiny] = 1.0
    return (S / length).astype(S.dtype)


def _frame_params(n_fft: Any, hop_length: Any, win_length: Any) -> tuple[int, int, int]:
    """Check ``n_fft``, ``win_length``, ``hop_length`` and fill in the defaults."""
    n_fft = check_size("n_fft", n_fft, MAX_FRAME_LENGTH)
    if win_length is None:
        win_length = n_fft
    win_length = check_size("win_length", win_length, MAX_FRAME_LENGTH)
    if win_length > n_fft:
        raise ParameterError(
            f"win_length={win_length} must not exceed n_fft={n_fft}; "
            f"the window is zero-padded up to n_fft, never cropped"
        )
    if hop_length is None:
        hop_length = win_length // 4
        if hop_length == 0:
            raise ParameterError(
                f"hop_length defaults to win_length // 4, which is 0 for "
                f"win_length={win_length}; pass hop_length explicitly"
            )
    hop_length = check_size("hop_length", hop_length, MAX_FRAME_LENGTH)
    return n_fft, hop_length, win_length


@functools.lru_cache(maxsize=64)
def _named_window(window: str | tuple, win_length: int) -> NDArray[np.float64]:
    from scipy.signal import get_window  # scipy.signal is slow to import

    try:
        w = get_window(window, win_length, fftbins=True)
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"window={window!r} is not a window scipy.signal.get_window knows "
            f"(e.g. 'hann', 'hamming', 'blackman', ('kaiser', 8.0)): {exc}"
        ) from None
    w = np.asarray(w, dtype=np.float64)
    w.flags.writeable = False
    return w


def _fft_window(window: Any, win_length: int, n_fft: int) -> NDArray[np.float64]:
    """The analysis window: ``win_length`` samples, zero-padded to ``n_fft`` in the centre."""
    if isinstance(window, (str, tuple)):
        try:
            hash(window)
        except TypeError:
            raise ParameterError(
                f"window={window!r} must hold only a name and numbers"
            ) from None
        w = _named_window(window, win_length)
    elif isinstance(window, np.ndarray) or callable(window):
        w = window(win_length) if callable(window) else window
        w = np.asarray(w)
        if w.shape != (win_length,) or not np.issubdtype(w.dtype, np.number):
            raise ParameterError(
                f"window must have win_length={win_length} values, got shape {w.shape}"
            )
        if np.iscomplexobj(w) or not np.all(np.isfinite(w)):
            raise ParameterError("window must hold finite real numbers")
        w = w.astype(np.float64)
    else:
        raise ParameterError(
            f"window must be a name such as 'hann', a (name, parameter) tuple, an array "
            f"of win_length samples or a function of the length; got {window!r}"
        )
    left = (n_fft - win_length) // 2
    return np.pad(w, (left, n_fft - win_length - left))


def _check_sr(sr: Any) -> float:
    return float(check_sr("sr", sr, integer=False))


def _check_fmin_fmax(sr: float, fmin: Any, fmax: Any) -> tuple[float, float]:
    fmin = check_nonnegative("fmin", fmin)
    fmax = sr / 2.0 if fmax is None else check_positive("fmax", fmax)
    if fmax > sr / 2.0:
        raise ParameterError(
            f"fmax={fmax} is above the Nyquist frequency sr / 2 = {sr / 2.0} Hz "
            f"for sr={sr}"
        )
    if fmin >= fmax:
        raise ParameterError(f"fmin={fmin} must be below fmax={fmax}")
    return fmin, fmax


def _check_y_or_S(y: Any, S: Any) -> None:
    if y is None and S is None:
        raise ParameterError(
            "give either y (audio samples) or S (a spectrogram); got neither"
        )
    if y is not None and S is not None:
        raise ParameterError(
            "give either y (audio samples) or S (a spectrogram), not both"
        )


def _check_spectrogram(S: Any, *, what: str, nonnegative: bool) -> NDArray[np.floating]:
    """Check that ``S`` is a real, finite 2-D spectrogram (n_bins, n_frames)."""
    if not isinstance(S, np.ndarray):
        raise ParameterError(
            f"S must be a NumPy array ({what}), got {type(S).__name__}"
        )
    if np.iscomplexobj(S):
        raise ParameterError(
            f"S must be real ({what}), got complex values; "
            f"use np.abs(D) ** 2 for the power spectrogram of an STFT D"
        )
    if not np.issubdtype(S.dtype, np.floating):
        raise ParameterError(
            f"S must hold floating-point values ({what}), got dtype {S.dtype}"
        )
    if S.ndim != 2:
        raise ParameterError(
            f"S must be two-dimensional (n_bins, n_frames) ({what}), got shape {S.shape}"
        )
    if S.size == 0:
        raise ParameterError(f"S is empty (shape {S.shape})")
    if not np.all(np.isfinite(S)):
        raise ParameterError("S contains NaN or infinite values")
    if nonnegative and np.any(S < 0):
        raise ParameterError(
            f"S must be {what}, which is never negative, but it holds negative values; "
            f"did you pass decibels? Convert back with db_to_power"
        )
    return S


def _frames(
    y: NDArray, *, n_fft: int, hop_length: int, center: bool, pad_mode: str
) -> NDArray:
    """Cut ``y`` (..., n) into overlapping frames (..., n_frames, n_fft), a view."""
    if center:
        # Pad n_fft // 2 samples at each end, so frame t is centred on sample t * hop_length.
        padding = [(0, 0)] * (y.ndim - 1) + [(n_fft // 2, n_fft // 2)]
        y = np.pad(y, padding, mode=pad_mode)
    windows = np.lib.stride_tricks.sliding_window_view(y, n_fft, axis=-1)
    return windows[..., ::hop_length, :]


def _stft_frames(
    y: NDArray,
    *,
    n_fft: int,
    hop_length: int,
    window: NDArray[np.float64],
    center: bool,
    pad_mode: str,
) -> NDArray[np.complex64]:
    """The STFT with frames first: (..., n_frames, 1 + n_fft // 2), complex64.

    Parameters are already checked. Each frame is multiplied by the window in
    float64 (as librosa does) and transformed with a real FFT; frames are
    processed in blocks of about ``_BLOCK_VALUES`` samples to bound memory.
    """
    frames = _frames(
        y, n_fft=n_fft, hop_length=hop_length, center=center, pad_mode=pad_mode
    )
    *leading, n_frames, _ = frames.shape
    out = np.empty((*leading, n_frames, 1 + n_fft // 2), dtype=np.complex64)
    block = max(1, _BLOCK_VALUES // (n_fft * int(np.prod(leading, dtype=np.int64))))
    for start in range(0, n_frames, block):
        windowed = frames[..., start : start + block, :] * window
        out[..., start : start + block, :] = scipy.fft.rfft(windowed, axis=-1)
    return out


def _check_stft_size(
    n_samples: int, n_fft: int, hop_length: int, center: bool, name: str = "y"
) -> int:
    """Return the number of frames; raise if the settings make one signal's STFT huge.

    Refused only where the settings, not the signal's length, are the cause:
    more than ``MAX_VALUES`` values and more than 4 per sample (the usual hop
    of ``n_fft // 4`` gives 2), so that a long recording is not refused.
    """
    padded = n_samples + 2 * (n_fft // 2) if center else n_samples
    n_frames = 1 + (padded - n_fft) // hop_length
    check_array_size(
        f"{name} of {n_samples} samples with n_fft={n_fft} and hop_length={hop_length}",
        n_frames * (1 + n_fft // 2),
        limit=max(MAX_VALUES, 4 * n_samples),
    )
    return n_frames


def _check_signal_length(
    n_samples: int, n_fft: int, center: bool, name: str = "y"
) -> None:
    if center:
        if n_fft > n_samples:
            warnings.warn(
                f"n_fft={n_fft} is longer than {name} ({n_samples} samples); "
                f"the frames are mostly padding",
                AudiolabWarning,
                stacklevel=3,
            )
    elif n_fft > n_samples:
        raise ParameterError(
            f"{name} has {n_samples} samples, fewer than n_fft={n_fft}, so there is not "
            f"one full frame with center=False; use center=True or a smaller n_fft"
        )


def _prepare_stft(
    y: Any,
    *,
    n_fft: Any,
    hop_length: Any,
    win_length: Any,
    window: Any,
    center: Any,
    pad_mode: Any,
    mono: bool,
) -> tuple[NDArray, dict[str, Any]]:
    """Validate audio and STFT settings; return ``y`` and the kwargs of ``_stft_frames``."""
    y = valid_audio(y, mono=mono)
    n_fft, hop_length, win_length = _frame_params(n_fft, hop_length, win_length)
    center = check_bool("center", center)
    pad_mode = check_choice("pad_mode", pad_mode, _PAD_MODES)
    fft_window = _fft_window(window, win_length, n_fft)
    _check_stft_size(y.shape[-1], n_fft, hop_length, center)
    _check_signal_length(y.shape[-1], n_fft, center)
    settings = {
        "n_fft": n_fft,
        "hop_length": hop_length,
        "window": fft_window,
        "center": center,
        "pad_mode": pad_mode,
    }
    return y, settings


# ---------------------------------------------------------------------------
# The STFT
# ---------------------------------------------------------------------------


def stft(
    y: NDArray[np.floating],
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str | tuple | NDArray | Callable[[int], NDArray] = "hann",
    center: bool = True,
    pad_mode: str = "constant",
) -> NDArray[np.complex64]:
    """Short-time Fourier transform: the spectrum of each overlapping frame.

    The signal is cut into frames of ``n_fft`` samples every ``hop_length``
    samples, each frame is multiplied by the window and transformed with a
    real FFT. Column ``t`` is the spectrum around sample ``t * hop_length``
    (with ``center=True``); row ``k`` is frequency ``k * sr / n_fft``.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], floating point
        The samples. Leading dimensions (channels, a batch of clips) are
        transformed independently.
    n_fft : int > 0
        FFT length in samples: the frame length after zero-padding the window.
    hop_length : int > 0 or None
        Samples between the starts of successive frames. ``None``:
        ``win_length // 4``.
    win_length : int, 0 < win_length <= n_fft, or None
        Window length in samples; the window is zero-padded in the centre to
        ``n_fft``. ``None``: ``n_fft``.
    window : str, tuple, np.ndarray [shape=(win_length,)] or callable
        A name or (name, parameter) tuple for :func:`scipy.signal.get_window`
        (periodic, as for spectral analysis), the window's samples, or a
        function of the length returning them.
    center : bool
        If True, pad ``n_fft // 2`` samples at both ends so that frame ``t``
        is centred on sample ``t * hop_length``. If False, frame ``t`` starts
        at sample ``t * hop_length``.
    pad_mode : {"constant", "edge", "reflect", "symmetric"}
        How to pad when ``center=True`` (as :func:`numpy.pad`); "constant"
        pads with zeros.

    Returns
    -------
    D : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)], complex64
        The complex spectra, one column per frame, with
        ``n_frames = 1 + (n + 2 * (n_fft // 2) - n_fft) // hop_length`` if
        ``center`` else ``1 + (n - n_fft) // hop_length``. Computed in float64
        and stored as complex64 (whatever the input's precision; librosa
        keeps float64 input in complex128). Agrees with :func:`librosa.stft`
        to 1e-5 of the largest magnitude.

    Raises
    ------
    ParameterError
        If ``y`` is not valid audio; ``n_fft``, ``hop_length`` or
        ``win_length`` is not a positive integer; ``win_length > n_fft``;
        the window or ``pad_mode`` is unknown; or ``center=False`` and ``y``
        is shorter than ``n_fft``.

    Warns
    -----
    AudiolabWarning
        If ``center=True`` and ``y`` is shorter than ``n_fft``.

    See Also
    --------
    mel_spectrogram : the power spectrogram pooled into mel bands.
    power_to_db : decibels of ``np.abs(D) ** 2``.
    fft_frequencies : the frequency of each row.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    A 1 kHz tone at 16 kHz falls exactly on bin ``1000 / (16000 / 512) = 32``:

    >>> import numpy as np
    >>> sr = 16000
    >>> y = np.sin(2 * np.pi * 1000 * np.arange(sr) / sr).astype(np.float32)
    >>> D = stft(y, n_fft=512, hop_length=160)
    >>> D.shape, D.dtype
    ((257, 101), dtype('complex64'))
    >>> int(np.abs(D[:, 50]).argmax())
    32
    """
    y, settings = _prepare_stft(
        y,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        center=center,
        pad_mode=pad_mode,
        mono=False,
    )
    spectra = _stft_frames(y, **settings)  # (..., n_frames, n_freq)
    return np.ascontiguousarray(np.swapaxes(spectra, -1, -2))


# ---------------------------------------------------------------------------
# Decibels
# ---------------------------------------------------------------------------


def _check_db_input(S: Any, *, allow_complex: bool, name: str = "S") -> NDArray:
    S = np.asarray(S)
    if np.iscomplexobj(S) and not allow_complex:
        raise ParameterError(
            f"{name} must be real, got complex values; "
            "use power_to_db(np.abs(D) ** 2) for an STFT D (phase is discarded)"
        )
    if not np.issubdtype(S.dtype, np.number):
        raise ParameterError(f"{name} must hold numbers, got dtype {S.dtype}")
    if S.size == 0:
        raise ParameterError(f"{name} is empty (shape {S.shape})")
    if not np.all(np.isfinite(S)):
        raise ParameterError(f"{name} contains NaN or infinite values")
    return S


def _check_ref(ref: Any) -> Any:
    if callable(ref):
        return ref
    return check_positive("ref", ref)


def _check_top_db(top_db: Any) -> float | None:
    return None if top_db is None else check_nonnegative("top_db", top_db)


def power_to_db(
    S: ArrayLike,
    *,
    ref: float | Callable[[NDArray], Any] = 1.0,
    amin: float = 1e-10,
    top_db: float | None = 80.0,
) -> NDArray[np.floating]:
    """Convert a power spectrogram to decibels: ``10 * log10(S / ref)``.

    Values below ``amin`` are raised to ``amin`` first (the log of 0 is
    -inf), and with ``top_db`` everything more than ``top_db`` dB below the
    maximum is raised to ``max - top_db``.

    Parameters
    ----------
    S : np.ndarray [shape=(...)], real, >= 0
        Power values, e.g. ``np.abs(stft(y)) ** 2`` or a mel spectrogram.
    ref : float > 0 or callable
        The power that becomes 0 dB. A callable is applied to ``S``:
        ``ref=np.max`` puts the loudest value at 0 dB.
    amin : float > 0
        The smallest power considered; ``10 * log10(amin)`` is the floor.
    top_db : float >= 0 or None
        Dynamic range kept below the maximum. None keeps everything.

    Returns
    -------
    S_db : np.ndarray [shape=S.shape]
        ``10 * log10(max(amin, S)) - 10 * log10(max(amin, ref))``, clipped
        from below at ``S_db.max() - top_db``. Same floating dtype as ``S``
        (float64 for integer input).

    Raises
    ------
    ParameterError
        If ``S`` is complex, empty, not finite or negative somewhere;
        ``amin`` or ``ref`` is not positive; ``top_db`` is negative.

    See Also
    --------
    db_to_power : the inverse.
    amplitude_to_db : the same for magnitudes (``20 * log10``).

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> import numpy as np
    >>> power_to_db(np.array([1.0, 10.0, 100.0, 0.0]))
    array([  0.,  10.,  20., -60.])
    >>> power_to_db(np.array([1.0, 10.0, 100.0]), ref=np.max)
    array([-20., -10.,   0.])
    """
    S = _check_db_input(S, allow_complex=False)
    if np.any(S < 0):
        raise ParameterError(
            f"S must be a power, which is never negative, but it holds values down to "
            f"{S.min():g}; did you pass decibels or samples? Use amplitude_to_db for "
            f"signed amplitudes"
        )
    amin = check_positive("amin", amin)
    ref = _check_ref(ref)
    top_db = _check_top_db(top_db)

    ref_value = np.abs(ref(S)) if callable(ref) else ref
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def amplitude_to_db(
    S: ArrayLike,
    *,
    ref: float | Callable[[NDArray], Any] = 1.0,
    amin: float = 1e-5,
    top_db: float | None = 80.0,
) -> NDArray[np.floating]:
    """Convert magnitudes to decibels: ``20 * log10(|S| / ref)``.

    The same as ``power_to_db(np.abs(S) ** 2, ref=ref ** 2, amin=amin ** 2,
    top_db=top_db)``.

    Parameters
    ----------
    S : np.ndarray [shape=(...)]
        Magnitudes, e.g. ``np.abs(stft(y))``; complex input is replaced by
        its magnitude.
    ref : float > 0 or callable
        The magnitude that becomes 0 dB; a callable (``np.max``) is applied
        to ``np.abs(S)``.
    amin : float > 0
        The smallest magnitude considered.
    top_db : float >= 0 or None
        Dynamic range kept below the maximum. None keeps everything.

    Returns
    -------
    S_db : np.ndarray [shape=S.shape]
        Decibels, clipped from below at ``S_db.max() - top_db``.

    Raises
    ------
    ParameterError
        If ``S`` is empty or not finite; ``amin`` or ``ref`` is not positive;
        ``top_db`` is negative.

    See Also
    --------
    db_to_amplitude : the inverse.
    power_to_db : the same for power.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> import numpy as np
    >>> amplitude_to_db(np.array([1.0, 10.0, 0.5]))
    array([ 0.        , 20.        , -6.02059991])
    """
    S = _check_db_input(S, allow_complex=True)
    amin = check_positive("amin", amin)
    ref = _check_ref(ref)
    top_db = _check_top_db(top_db)

    magnitude = np.abs(S)
    ref_value = np.abs(ref(magnitude)) if callable(ref) else ref
    return power_to_db(magnitude**2, ref=ref_value**2, amin=amin**2, top_db=top_db)


def _db_to_linear(S_db: Any, ref: Any, scale: float) -> NDArray[np.floating]:
    """``ref * 10 ** (scale * S_db)``, refusing decibels beyond the float range."""
    S_db = _check_db_input(S_db, allow_complex=False, name="S_db")
    ref = check_positive("ref", ref)
    with np.errstate(over="ignore"):
        S = ref * np.power(10.0, scale * S_db)
    if not np.all(np.isfinite(S)):
        raise ParameterError(
            f"S_db holds values up to {S_db.max():g} dB, too loud to convert to {S.dtype} "
            f"with ref={ref:g} (the result overflows)"
        )
    return S


def db_to_power(S_db: ArrayLike, *, ref: float = 1.0) -> NDArray[np.floating]:
    """Convert decibels back to power: ``ref * 10 ** (S_db / 10)``.

    Parameters
    ----------
    S_db : np.ndarray [shape=(...)]
        Decibels.
    ref : float > 0
        The power of 0 dB.

    Returns
    -------
    S : np.ndarray [shape=S_db.shape]
        Power. Values clipped by ``top_db`` or ``amin`` in
        :func:`power_to_db` do not come back.

    Raises
    ------
    ParameterError
        If ``S_db`` is complex, empty or not finite, ``ref`` is not positive,
        or a value is too loud to convert (beyond the largest float of the
        result's dtype).

    See Also
    --------
    power_to_db : the forward conversion.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> import numpy as np
    >>> db_to_power(np.array([0.0, 10.0, -20.0]))
    array([ 1.  , 10.  ,  0.01])
    """
    return _db_to_linear(S_db, ref, 0.1)


def db_to_amplitude(S_db: ArrayLike, *, ref: float = 1.0) -> NDArray[np.floating]:
    """Convert decibels back to magnitude: ``ref * 10 ** (S_db / 20)``.

    Parameters
    ----------
    S_db : np.ndarray [shape=(...)]
        Decibels.
    ref : float > 0
        The magnitude of 0 dB.

    Returns
    -------
    S : np.ndarray [shape=S_db.shape]
        Magnitudes.

    Raises
    ------
    ParameterError
        If ``S_db`` is complex, empty or not finite, ``ref`` is not positive,
        or a value is too loud to convert (beyond the largest float of the
        result's dtype).

    See Also
    --------
    amplitude_to_db : the forward conversion.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> import numpy as np
    >>> db_to_amplitude(np.array([0.0, 20.0]))
    array([ 1., 10.])
    """
    return _db_to_linear(S_db, ref, 0.05)


# ---------------------------------------------------------------------------
# The mel scale
# ---------------------------------------------------------------------------

# Slaney's mel scale (the Auditory Toolbox, librosa's default): linear below
# 1 kHz, 3 mels per 200 Hz; logarithmic above, 27 mels per factor 6.4.
_F_SP = 200.0 / 3  # Hz per mel in the linear part
_MIN_LOG_HZ = 1000.0  # where the logarithmic part starts
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP  # = 15 mels
_LOGSTEP = np.log(6.4) / 27.0  # natural log of the frequency ratio per mel


def _check_values(name: str, values: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(values)
    if np.iscomplexobj(array) or not (
        np.issubdtype(array.dtype, np.number) and array.size > 0
    ):
        raise ParameterError(f"{name} must be real numbers, got {values!r}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ParameterError(f"{name} must be finite and non-negative, got {values!r}")
    return array


def hz_to_mel(
    frequencies: ArrayLike, *, htk: bool = False
) -> NDArray[np.float64] | float:
    """Convert frequencies in Hz to mels.

    Slaney's scale (default) is linear below 1 kHz (``f / (200 / 3)``) and
    logarithmic above; HTK's is ``2595 * log10(1 + f / 700)``.

    Parameters
    ----------
    frequencies : float or np.ndarray [shape=(...)], >= 0
        Frequencies in Hz.
    htk : bool
        Use the HTK formula instead of Slaney's.

    Returns
    -------
    mels : float or np.ndarray [shape=frequencies.shape], float64
        A float for a scalar input.

    Raises
    ------
    ParameterError
        If a frequency is negative or not finite.

    See Also
    --------
    mel_to_hz : the inverse.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> round(float(hz_to_mel(1000.0)), 6)
    15.0
    >>> round(float(hz_to_mel(1000.0, htk=True)), 1)
    1000.0
    """
    f = _check_values("frequencies", frequencies)
    htk = check_bool("htk", htk)
    if htk:
        mels = 2595.0 * np.log10(1.0 + f / 700.0)
    else:
        linear = f / _F_SP
        # np.maximum keeps log() away from 0 Hz; those values use the linear part.
        logarithmic = (
            _MIN_LOG_MEL + np.log(np.maximum(f, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOGSTEP
        )
        mels = np.where(f >= _MIN_LOG_HZ, logarithmic, linear)
    return mels[()]  # a float for a scalar, an array otherwise


def mel_to_hz(mels: ArrayLike, *, htk: bool = False) -> NDArray[np.float64] | float:
    """Convert mels to frequencies in Hz (the inverse of :func:`hz_to_mel`).

    Parameters
    ----------
    mels : float or np.ndarray [shape=(...)], >= 0
        Mel values.
    htk : bool
        Use the HTK formula instead of Slaney's.

    Returns
    -------
    frequencies : float or np.ndarray [shape=mels.shape], float64
        Hz; a float for a scalar input.

    Raises
    ------
    ParameterError
        If a value is negative, not finite, or beyond the mel of the largest
        frequency a float can hold.

    See Also
    --------
    hz_to_mel : the forward conversion.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> round(float(mel_to_hz(15.0)), 6)
    1000.0
    """
    m = _check_values("mels", mels)
    htk = check_bool("htk", htk)
    with np.errstate(over="ignore"):
        if htk:
            hz = 700.0 * (10.0 ** (m / 2595.0) - 1.0)
        else:
            linear = _F_SP * m
            logarithmic = _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL))
            hz = np.where(m >= _MIN_LOG_MEL, logarithmic, linear)
    if not np.all(np.isfinite(hz)):
        raise ParameterError(
            f"mels holds values up to {m.max():g}, beyond the mel of any frequency "
            f"a float can hold"
        )
    return hz[()]


def mel_frequencies(
    n_mels: int = 128, *, fmin: float = 0.0, fmax: float = 11025.0, htk: bool = False
) -> NDArray[np.float64]:
    """``n_mels`` frequencies (Hz) equally spaced on the mel scale from ``fmin`` to ``fmax``.

    Parameters
    ----------
    n_mels : int, 0 < n_mels <= MAX_BANDS + 2
        How many frequencies (:data:`~audiolab.validation.MAX_BANDS` bands
        have ``MAX_BANDS + 2`` edges).
    fmin : float >= 0
        The first, in Hz.
    fmax : float > fmin
        The last, in Hz.
    htk : bool
        Use the HTK mel scale instead of Slaney's.

    Returns
    -------
    frequencies : np.ndarray [shape=(n_mels,)], float64

    Raises
    ------
    ParameterError
        If ``n_mels`` is not a positive integer up to ``MAX_BANDS + 2``, a
        frequency is not finite, or ``fmin >= fmax``.

    See Also
    --------
    mel_filterbank : triangles between successive mel frequencies.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> mel_frequencies(3, fmin=0.0, fmax=2000.0).round(1)
    array([   0. ,  836.1, 2000. ])
    """
    n_mels = check_size("n_mels", n_mels, MAX_BANDS + 2)
    fmin = check_nonnegative("fmin", fmin)
    fmax = check_positive("fmax", fmax)
    if fmin >= fmax:
        raise ParameterError(f"fmin={fmin} must be below fmax={fmax}")
    htk = check_bool("htk", htk)
    mels = np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk), n_mels)
    return np.atleast_1d(mel_to_hz(mels, htk=htk))


def fft_frequencies(*, sr: float, n_fft: int) -> NDArray[np.float64]:
    """The frequency in Hz of each row of an STFT: ``k * sr / n_fft``.

    Parameters
    ----------
    sr : float > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT length.

    Returns
    -------
    frequencies : np.ndarray [shape=(1 + n_fft // 2,)], float64
        From 0 Hz to ``sr / 2`` (included for even ``n_fft``).

    Raises
    ------
    ParameterError
        If ``sr`` is not positive or above :data:`~audiolab.validation.MAX_SR`,
        or ``n_fft`` is not a positive integer up to
        :data:`~audiolab.validation.MAX_FRAME_LENGTH`.

    See Also
    --------
    stft : whose rows these are.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> fft_frequencies(sr=16000, n_fft=8)
    array([   0., 2000., 4000., 6000., 8000.])
    """
    sr = _check_sr(sr)
    n_fft = check_size("n_fft", n_fft, MAX_FRAME_LENGTH)
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sr)


def mel_filterbank(
    *,
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: str | float | None = "slaney",
) -> NDArray[np.float32]:
    """Triangular mel filters that pool STFT bins into mel bands.

    Filter ``m`` rises linearly from mel frequency ``m`` to ``m + 1`` and
    falls to ``m + 2``, where the ``n_mels + 2`` mel frequencies are equally
    spaced on the mel scale from ``fmin`` to ``fmax``. Multiply a power
    spectrogram by it: ``mel_filterbank(...) @ S``.

    Parameters
    ----------
    sr : float > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT length of the spectrogram it will be applied to.
    n_mels : int > 0
        Number of mel bands.
    fmin : float >= 0
        Lowest frequency (Hz).
    fmax : float <= sr / 2, or None
        Highest frequency (Hz). ``None``: ``sr / 2``.
    htk : bool
        Use the HTK mel scale instead of Slaney's.
    norm : "slaney", None or float > 0
        "slaney" divides each triangle by its width in Hz (``2 / (f[m + 2] -
        f[m])``), so the bands have constant energy per Hz; a number
        normalises each row to unit p-norm (``np.inf``: peak 1); None leaves
        triangles of height 1.

    Returns
    -------
    M : np.ndarray [shape=(n_mels, 1 + n_fft // 2)], float32
        Equal to :func:`librosa.filters.mel` with the same arguments.

    Raises
    ------
    ParameterError
        If a parameter is out of range: ``sr`` above
        :data:`~audiolab.validation.MAX_SR`, ``fmax > sr / 2``,
        ``fmin >= fmax``, ``n_mels`` or ``n_fft`` not a positive integer (up
        to :data:`~audiolab.validation.MAX_BANDS` and
        :data:`~audiolab.validation.MAX_FRAME_LENGTH`), a filterbank too
        large, an unknown ``norm``.

    Warns
    -----
    AudiolabWarning
        If some filters are empty (no FFT bin falls inside them): too many
        mel bands for this ``n_fft`` and ``sr``.

    See Also
    --------
    mel_frequencies : the filters' edges.
    mel_spectrogram : applies this to a signal.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> M = mel_filterbank(sr=16000, n_fft=512, n_mels=40)
    >>> M.shape, M.dtype
    ((40, 257), dtype('float32'))
    >>> M_peak1 = mel_filterbank(sr=16000, n_fft=512, n_mels=40, norm=None)
    >>> bool(M_peak1.max() <= 1.0)
    True
    """
    sr = _check_sr(sr)
    n_fft = check_size("n_fft", n_fft, MAX_FRAME_LENGTH)
    n_mels = check_size("n_mels", n_mels, MAX_BANDS)
    fmin, fmax = _check_fmin_fmax(sr, fmin, fmax)
    htk = check_bool("htk", htk)
    norm = _check_norm("norm", norm, allow_slaney=True)
    check_array_size(f"n_mels={n_mels} with n_fft={n_fft}", (n_mels + 2) * (1 + n_fft // 2))

    fft_freqs = fft_frequencies(sr=sr, n_fft=n_fft)  # (n_freq,)
    # n_mels + 2 edges: filter m has its left foot at edge m, peak at m + 1, right foot at m + 2.
    edges = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax, htk=htk)
    widths = np.diff(edges)  # (n_mels + 1,)
    distance = edges[:, np.newaxis] - fft_freqs[np.newaxis, :]  # (n_mels + 2, n_freq)
    rising = (
        -distance[:-2] / widths[:-1, np.newaxis]
    )  # 0 at the left foot, 1 at the peak
    falling = (
        distance[2:] / widths[1:, np.newaxis]
    )  # 1 at the peak, 0 at the right foot
    weights = np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)

    if norm == "slaney":
        weights = (weights * (2.0 / (edges[2:] - edges[:-2]))[:, np.newaxis]).astype(
            np.float32
        )
    else:
        weights = _normalize(weights, norm, axis=-1)

    empty = (edges[:-2] != 0) & (weights.max(axis=1) <= 0)
    if np.any(empty):
        warnings.warn(
            f"{int(empty.sum())} of the n_mels={n_mels} mel filters are empty (no FFT bin "
            f"falls inside them) for sr={sr:g}, n_fft={n_fft}; those bands will always "
            f"be 0. Use fewer mel bands, a larger n_fft or a higher fmin",
            AudiolabWarning,
            stacklevel=2,
        )
    return weights


@functools.lru_cache(maxsize=32)
def _cached_mel_filterbank(
    sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float, htk: bool, norm: Any
) -> NDArray[np.float32]:
    """:func:`mel_filterbank`, kept for reuse by the spectrogram functions (read-only)."""
    weights = mel_filterbank(
        sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm
    )
    weights.flags.writeable = False
    return weights


def _check_mel_params(
    sr: Any, n_mels: Any, fmin: Any, fmax: Any, htk: Any, norm: Any, norm_name: str = "norm"
) -> dict[str, Any]:
    sr = _check_sr(sr)
    n_mels = check_size("n_mels", n_mels, MAX_BANDS)
    fmin, fmax = _check_fmin_fmax(sr, fmin, fmax)
    htk = check_bool("htk", htk)
    norm = _check_norm(norm_name, norm, allow_slaney=True)
    return {
        "sr": sr,
        "n_mels": n_mels,
        "fmin": fmin,
        "fmax": fmax,
        "htk": htk,
        "norm": norm,
    }


#: The largest exponent of the magnitude in :func:`mel_spectrogram` (1 is the
#: magnitude, 2 the power); a larger one overflows float32 for loud spectra.
_MAX_POWER = 4.0


def _check_power(power: Any) -> float:
    power = check_positive("power", power)
    if power > _MAX_POWER:
        raise ParameterError(
            f"power must be at most {_MAX_POWER:g} (1 for the magnitude, 2 for the power), "
            f"got {power!r}"
        )
    return power


def _spectrum_power(
    spectra: NDArray[np.complex64], power: float
) -> NDArray[np.float32]:
    """``|D| ** power``; power 1 is the magnitude, 2 the power."""
    magnitude = np.abs(spectra)
    return magnitude if power == 1.0 else magnitude**power


def mel_spectrogram(
    *,
    y: NDArray[np.floating] | None = None,
    sr: float = 16000,
    S: NDArray[np.floating] | None = None,
    n_fft: int = 2048,
    hop_length: int | None = 512,
    win_length: int | None = None,
    window: str | tuple | NDArray | Callable[[int], NDArray] = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: str | float | None = "slaney",
) -> NDArray[np.floating]:
    """Mel spectrogram: the power spectrogram pooled into mel bands.

    ``mel_filterbank(...) @ np.abs(stft(y, ...)) ** power``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio. Give either ``y`` or ``S``.
    sr : float > 0
        Sample rate of ``y`` in Hz.
    S : np.ndarray [shape=(1 + n_fft // 2, n_frames)] or None
        A power (or magnitude) spectrogram instead of ``y``; ``n_fft`` is
        then ``2 * (S.shape[0] - 1)`` and the STFT settings are ignored.
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT settings, as in :func:`stft`. As in librosa, ``hop_length``
        defaults to 512 here whatever ``n_fft`` (``stft``'s default is
        ``win_length // 4``); pass it with a smaller ``n_fft``.
    power : float, 0 < power <= 4
        Exponent of the magnitude: 2 for power, 1 for magnitude.
    n_mels, fmin, fmax, htk, norm
        Mel filterbank settings, as in :func:`mel_filterbank`.

    Returns
    -------
    M : np.ndarray [shape=(n_mels, n_frames)]
        float32 from audio. Agrees with
        :func:`librosa.feature.melspectrogram` to 1e-4 of its maximum.

    Raises
    ------
    ParameterError
        If neither or both of ``y`` and ``S`` are given, ``S`` is not a real
        non-negative 2-D array, or any setting is out of range (see
        :func:`stft` and :func:`mel_filterbank`).

    See Also
    --------
    power_to_db : the usual next step (a log-mel spectrogram).
    mfcc : the DCT of the log-mel spectrogram.

    Notes
    -----
    Taught in lesson 03 (STFT and spectrograms).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> M = mel_spectrogram(y=y, sr=16000, n_fft=512, hop_length=160, n_mels=40)
    >>> M.shape, M.dtype
    ((40, 101), dtype('float32'))
    """
    _check_y_or_S(y, S)
    power = _check_power(power)
    mel = _check_mel_params(sr, n_mels, fmin, fmax, htk, norm)
    if S is not None:
        S = _check_spectrogram(
            S, what="a power or magnitude spectrogram", nonnegative=True
        )
        n_fft = 2 * (S.shape[0] - 1)
        if n_fft == 0:
            raise ParameterError(
                "S must have at least 2 frequency rows (1 + n_fft // 2)"
            )
        basis = _cached_mel_filterbank(n_fft=n_fft, **mel)
        return basis @ S
    y, settings = _prepare_stft(
        y,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        center=center,
        pad_mode=pad_mode,
        mono=True,
    )
    basis = _cached_mel_filterbank(n_fft=settings["n_fft"], **mel)
    spectra = _stft_frames(y, **settings)  # (n_frames, n_freq)
    mel_frames = _spectrum_power(spectra, power) @ basis.T  # (n_frames, n_mels)
    return np.ascontiguousarray(mel_frames.T)


# ---------------------------------------------------------------------------
# MFCC and deltas
# ---------------------------------------------------------------------------

_MEL_KWARGS = (
    "n_fft", "hop_length", "win_length", "window", "center", "pad_mode",
    "power", "n_mels", "fmin", "fmax", "htk",
)  # fmt: skip


def _check_dct(dct_type: Any, norm: Any) -> tuple[int, str | None]:
    dct_type = check_choice("dct_type", dct_type, (1, 2, 3))
    norm = check_choice("norm", norm, ("ortho", None))
    return int(dct_type), norm


def _dct_mfcc(
    log_mel: NDArray[np.floating],
    *,
    n_mfcc: int,
    dct_type: int,
    norm: str | None,
    lifter: float,
    axis: int,
) -> NDArray[np.float64]:
    """DCT of a log-mel spectrogram along ``axis``, first ``n_mfcc`` coefficients, liftered.

    Computed in float64 so the result is within float32 rounding of the exact one.
    """
    coefficients = scipy.fft.dct(
        log_mel.astype(np.float64), type=dct_type, norm=norm, axis=axis
    )
    coefficients = np.take(coefficients, np.arange(n_mfcc), axis=axis)
    if lifter > 0:
        # Sinusoidal liftering raises the higher coefficients (as in HTK).
        shape = [1] * coefficients.ndim
        shape[axis] = n_mfcc
        lift = 1.0 + (lifter / 2.0) * np.sin(np.pi * np.arange(1, n_mfcc + 1) / lifter)
        coefficients *= lift.reshape(shape)
    return coefficients


def mfcc(
    *,
    y: NDArray[np.floating] | None = None,
    sr: float = 16000,
    S: NDArray[np.floating] | None = None,
    n_mfcc: int = 20,
    dct_type: int = 2,
    norm: str | None = "ortho",
    lifter: float = 0,
    mel_norm: str | float | None = "slaney",
    **mel_kwargs: Any,
) -> NDArray[np.floating]:
    """Mel-frequency cepstral coefficients: the DCT of the log-mel spectrogram.

    ``dct(power_to_db(mel_spectrogram(y=y, sr=sr, **mel_kwargs)), axis=0)[:n_mfcc]``.
    The DCT decorrelates the mel bands; the first coefficients describe the
    spectral envelope (the timbre, the vowel), which is what a classifier
    of speech needs.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio. Give either ``y`` or ``S``.
    sr : float > 0
        Sample rate of ``y`` in Hz.
    S : np.ndarray [shape=(n_mels, n_frames)] or None
        A log-power mel spectrogram in dB (``power_to_db(mel_spectrogram(...))``)
        instead of ``y``.
    n_mfcc : int, 0 < n_mfcc <= n_mels
        Number of coefficients kept.
    dct_type : {1, 2, 3}
        DCT type (:func:`scipy.fft.dct`).
    norm : {"ortho", None}
        DCT normalisation.
    lifter : float >= 0
        If > 0, multiply coefficient ``i`` by
        ``1 + (lifter / 2) * sin(pi * (i + 1) / lifter)``.
    mel_norm : "slaney", None or float > 0
        The ``norm`` of the mel filterbank.
    **mel_kwargs
        More :func:`mel_spectrogram` settings, only with ``y``: ``n_fft``,
        ``hop_length``, ``win_length``, ``window``, ``center``, ``pad_mode``,
        ``power``, ``n_mels``, ``fmin``, ``fmax``, ``htk``.

    Returns
    -------
    M : np.ndarray [shape=(n_mfcc, n_frames)]
        float32 for float32 input (the DCT is computed in float64). Agrees
        with :func:`librosa.feature.mfcc` to 1e-3 absolute.

    Raises
    ------
    ParameterError
        If neither or both of ``y`` and ``S`` are given, ``S`` is not a 2-D
        real array, ``n_mfcc`` exceeds the number of mel bands, a
        ``mel_kwargs`` name is unknown or given with ``S``, or any setting is
        out of range.

    See Also
    --------
    mel_spectrogram, power_to_db : the steps before the DCT.
    deltas : how MFCCs change over time.

    Notes
    -----
    Taught in lesson 04 (MFCC, chroma and classic features).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> M = mfcc(y=y, sr=16000, n_mfcc=13, n_fft=512, hop_length=160, n_mels=40)
    >>> M.shape, M.dtype
    ((13, 101), dtype('float32'))
    """
    _check_y_or_S(y, S)
    unknown = sorted(set(mel_kwargs) - set(_MEL_KWARGS))
    if unknown:
        raise ParameterError(
            f"mfcc got unknown setting(s) {', '.join(unknown)}; the mel spectrogram "
            f"settings are {', '.join(_MEL_KWARGS)}"
        )
    n_mfcc = check_size("n_mfcc", n_mfcc, MAX_BANDS)
    dct_type, norm = _check_dct(dct_type, norm)
    lifter = check_nonnegative("lifter", lifter)
    mel_norm = _check_norm("mel_norm", mel_norm, allow_slaney=True)
    if S is not None:
        if mel_kwargs:
            raise ParameterError(
                f"{', '.join(sorted(mel_kwargs))} only apply when y is given; "
                f"S is already a log-mel spectrogram"
            )
        S = _check_spectrogram(
            S, what="a log-power mel spectrogram in dB", nonnegative=False
        )
    else:
        n_mels = mel_kwargs.get("n_mels", 128)
        if isinstance(n_mels, numbers.Integral) and n_mfcc > n_mels:
            raise ParameterError(f"n_mfcc={n_mfcc} must not exceed n_mels={n_mels}")
        S = power_to_db(mel_spectrogram(y=y, sr=sr, norm=mel_norm, **mel_kwargs))
    if n_mfcc > S.shape[0]:
        raise ParameterError(
            f"n_mfcc={n_mfcc} must not exceed the number of mel bands in S ({S.shape[0]})"
        )
    coefficients = _dct_mfcc(
        S, n_mfcc=n_mfcc, dct_type=dct_type, norm=norm, lifter=lifter, axis=0
    )
    return coefficients.astype(np.result_type(S.dtype, np.float32))


def deltas(
    data: NDArray[np.floating], *, width: int = 9, order: int = 1, axis: int = -1
) -> NDArray[np.floating]:
    """Local derivative of features over time (delta features).

    Fits a polynomial of degree ``order`` to each window of ``width`` frames
    and returns its ``order``-th derivative at the centre (a Savitzky-Golay
    filter). At the edges the polynomial fitted to the first or last
    ``width`` frames is used (``mode="interp"``).

    Parameters
    ----------
    data : np.ndarray [shape=(..., n_frames, ...)]
        Features, e.g. MFCCs of shape (n_mfcc, n_frames).
    width : odd int, 3 <= width <= n_frames
        Frames in each window.
    order : int, 0 < order < width
        Derivative order: 1 for deltas, 2 for delta-deltas (accelerations).
    axis : int
        The time axis.

    Returns
    -------
    delta : np.ndarray [shape=data.shape]
        Per-frame derivative (units of ``data`` per frame). Equal to
        :func:`librosa.feature.delta`.

    Raises
    ------
    ParameterError
        If ``width`` is even, below 3 or above the number of frames;
        ``order`` is not a positive integer below ``width``; ``axis`` does
        not exist; ``data`` is not a finite real array.

    See Also
    --------
    mfcc : the usual input.
    scipy.signal.savgol_filter : the filter used.

    Notes
    -----
    Taught in lesson 04 (MFCC, chroma and classic features).

    Examples
    --------
    The delta of a ramp rising 0.5 per frame is 0.5 everywhere:

    >>> import numpy as np
    >>> ramp = 0.5 * np.arange(20.0)
    >>> np.allclose(deltas(ramp), 0.5)
    True
    """
    if not isinstance(data, np.ndarray):
        raise ParameterError(f"data must be a NumPy array, got {type(data).__name__}")
    if (
        np.iscomplexobj(data)
        or not np.issubdtype(data.dtype, np.number)
        or data.ndim == 0
    ):
        raise ParameterError(
            f"data must be a real array of features, got dtype {data.dtype}, shape {data.shape}"
        )
    if not np.all(np.isfinite(data)):
        raise ParameterError("data contains NaN or infinite values")
    if (
        isinstance(axis, bool)
        or not isinstance(axis, numbers.Integral)
        or not (-data.ndim <= axis < data.ndim)
    ):
        raise ParameterError(
            f"axis={axis!r} does not exist for data of shape {data.shape}"
        )
    width = check_positive_int("width", width)
    if width < 3 or width % 2 == 0:
        raise ParameterError(f"width must be an odd integer >= 3, got {width}")
    n_frames = data.shape[axis]
    if width > n_frames:
        raise ParameterError(
            f"width={width} must not exceed the number of frames along axis {axis} "
            f"({n_frames})"
        )
    order = check_positive_int("order", order)
    if order >= width:
        raise ParameterError(f"order={order} must be below width={width}")

    from scipy.signal import savgol_filter  # scipy.signal is slow to import

    return savgol_filter(
        data, width, polyorder=order, deriv=order, axis=axis, mode="interp"
    )


# ---------------------------------------------------------------------------
# Chroma
# ---------------------------------------------------------------------------


def chroma_filterbank(
    *, sr: float, n_fft: int, n_chroma: int = 12, tuning: float = 0.0
) -> NDArray[np.float32]:
    """Filters that fold STFT bins onto the 12 pitch classes (C, C#, ..., B).

    Each FFT bin's frequency is converted to a (fractional) pitch class; a
    Gaussian bump around it spreads the bin over the nearest chroma bins.
    Each bin's weights are normalised to unit 2-norm, then weighted by a
    Gaussian over octaves centred 5 octaves above A0 = 27.5 Hz (880 Hz) with
    a standard deviation of 2 octaves (librosa's ``ctroct=5.0, octwidth=2``),
    so very low and very high bins count less.
    Row 0 is C (``base_c=True``). As :func:`librosa.filters.chroma`.

    Parameters
    ----------
    sr : float > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT length.
    n_chroma : int > 0
        Number of chroma bins per octave.
    tuning : float, -n_chroma <= tuning <= n_chroma
        Deviation from A440 tuning in fractions of a chroma bin (-1 with 12
        bins: A415, baroque pitch), at most an octave either way.

    Returns
    -------
    C : np.ndarray [shape=(n_chroma, 1 + n_fft // 2)], float32

    Raises
    ------
    ParameterError
        If ``sr`` is not positive or above
        :data:`~audiolab.validation.MAX_SR`, ``n_fft`` or ``n_chroma`` not a
        positive integer (up to :data:`~audiolab.validation.MAX_FRAME_LENGTH`
        and :data:`~audiolab.validation.MAX_BANDS`), the filterbank too
        large, or ``tuning`` not a finite number within an octave.

    See Also
    --------
    chroma : applies this to a signal.

    Notes
    -----
    Taught in lesson 04 (MFCC, chroma and classic features).

    Examples
    --------
    >>> C = chroma_filterbank(sr=16000, n_fft=2048)
    >>> C.shape
    (12, 1025)
    >>> int(C[:, 56].argmax())  # bin 56 is 437.5 Hz, next to A4 (row 9)
    9
    """
    sr = _check_sr(sr)
    n_fft = check_size("n_fft", n_fft, MAX_FRAME_LENGTH)
    n_chroma = check_size("n_chroma", n_chroma, MAX_BANDS)
    tuning = _check_tuning(tuning, n_chroma)
    if n_fft < 2:
        raise ParameterError(f"n_fft must be at least 2 for chroma, got {n_fft}")
    check_array_size(f"n_chroma={n_chroma} with n_fft={n_fft}", n_chroma * n_fft)
    ctroct, octwidth = 5.0, 2.0

    # Every FFT bin but DC, in chroma bins above A0 = 440 / 16 = 27.5 Hz
    # (octaves above A0 times n_chroma), allowing for the tuning.
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    bins = n_chroma * np.log2(frequencies / (a440 / 16))
    # Make up a value for 0 Hz: 1.5 octaves below the first bin.
    bins = np.concatenate(([bins[0] - 1.5 * n_chroma], bins))
    # Width of each bin in chroma bins (at least 1).
    bin_widths = np.concatenate((np.maximum(np.diff(bins), 1.0), [1.0]))

    # Distance from each chroma bin to each FFT bin, wrapped to [-n_chroma/2, n_chroma/2).
    distance = (
        bins[np.newaxis, :] - np.arange(n_chroma, dtype=np.float64)[:, np.newaxis]
    )
    half = np.round(n_chroma / 2.0)
    distance = np.remainder(distance + half + 10 * n_chroma, n_chroma) - half

    # Gaussian bumps (2 * distance makes them narrower), unit 2-norm per FFT bin.
    weights = np.exp(-0.5 * (2 * distance / bin_widths[np.newaxis, :]) ** 2)
    weights = _normalize(weights, 2.0, axis=0)
    # Favour the octaves around ctroct.
    weights *= np.exp(-0.5 * ((bins / n_chroma - ctroct) / octwidth) ** 2)[
        np.newaxis, :
    ]
    # Start at C rather than A (3 chroma bins per 12 up from A).
    weights = np.roll(weights, -3 * (n_chroma // 12), axis=0)
    # Keep the non-negative frequencies only.
    return np.ascontiguousarray(weights[:, : 1 + n_fft // 2], dtype=np.float32)


def _check_tuning(tuning: Any, n_chroma: int) -> float:
    if (
        isinstance(tuning, bool)
        or not isinstance(tuning, numbers.Real)
        or not np.isfinite(tuning)
    ):
        raise ParameterError(
            f"tuning must be a finite number (fractions of a chroma bin from A440), "
            f"got {tuning!r}"
        )
    if abs(tuning) > n_chroma:
        raise ParameterError(
            f"tuning must be between -{n_chroma} and {n_chroma} (n_chroma bins: an octave "
            f"from A440), got {tuning!r}"
        )
    return float(tuning)


def chroma(
    *,
    y: NDArray[np.floating] | None = None,
    sr: float = 16000,
    S: NDArray[np.floating] | None = None,
    n_fft: int = 2048,
    hop_length: int | None = 512,
    win_length: int | None = None,
    window: str | tuple | NDArray | Callable[[int], NDArray] = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    norm: float | None = np.inf,
    tuning: float = 0.0,
    n_chroma: int = 12,
) -> NDArray[np.floating]:
    """Chromagram: the energy of each pitch class (C, C#, ..., B) per frame.

    ``chroma_filterbank(...) @ np.abs(stft(y, ...)) ** 2``, each frame then
    normalised (by default so its largest pitch class is 1).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio. Give either ``y`` or ``S``.
    sr : float > 0
        Sample rate in Hz.
    S : np.ndarray [shape=(1 + n_fft // 2, n_frames)] or None
        A power spectrogram instead of ``y``; ``n_fft`` is then
        ``2 * (S.shape[0] - 1)``.
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT settings, as in :func:`stft`; ``hop_length`` defaults to 512,
        as in librosa.
    norm : float > 0 or None
        Norm of each frame after pooling (``np.inf``: the maximum is 1;
        None: no normalisation).
    tuning : float, -n_chroma <= tuning <= n_chroma
        Deviation from A440 in fractions of a chroma bin. The default 0.0
        assumes A440 tuning; librosa estimates it by default, so to match
        librosa pass ``tuning=0.0`` to :func:`librosa.feature.chroma_stft`.
    n_chroma : int > 0
        Number of chroma bins.

    Returns
    -------
    C : np.ndarray [shape=(n_chroma, n_frames)]
        Row 0 is C, row 9 is A. Agrees with
        ``librosa.feature.chroma_stft(..., tuning=0.0)`` to 1e-4 of the max.

    Raises
    ------
    ParameterError
        If neither or both of ``y`` and ``S`` are given, ``S`` is not a real
        non-negative 2-D array, or any setting is out of range.

    See Also
    --------
    chroma_filterbank : the filters.

    Notes
    -----
    Taught in lesson 04 (MFCC, chroma and classic features).

    Examples
    --------
    A 440 Hz tone is an A (row 9):

    >>> import numpy as np
    >>> sr = 16000
    >>> y = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype(np.float32)
    >>> C = chroma(y=y, sr=sr)
    >>> C.shape, int(C[:, 10].argmax())
    ((12, 32), 9)
    """
    _check_y_or_S(y, S)
    sr = _check_sr(sr)
    norm = _check_norm("norm", norm, allow_slaney=False)
    n_chroma = check_size("n_chroma", n_chroma, MAX_BANDS)
    tuning = _check_tuning(tuning, n_chroma)
    if S is not None:
        S = _check_spectrogram(S, what="a power spectrogram", nonnegative=True)
        n_fft = 2 * (S.shape[0] - 1)
        if n_fft == 0:
            raise ParameterError(
                "S must have at least 2 frequency rows (1 + n_fft // 2)"
            )
        power = S
    else:
        y, settings = _prepare_stft(
            y,
            n_fft=n_fft,
            hop_length=hop_length,
            win_length=win_length,
            window=window,
            center=center,
            pad_mode=pad_mode,
            mono=True,
        )
        n_fft = settings["n_fft"]
        power = _spectrum_power(
            _stft_frames(y, **settings), 2.0
        ).T  # (n_freq, n_frames)
    filters = chroma_filterbank(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning)
    return _normalize(filters @ power, norm, axis=0)


# ---------------------------------------------------------------------------
# Many clips at once
# ---------------------------------------------------------------------------


def _clip_matrix(ys: Any) -> NDArray[np.floating]:
    """Check ``ys`` (2-D array or list of 1-D clips of equal length); return a 2-D array."""
    if isinstance(ys, np.ndarray):
        if ys.ndim != 2:
            raise ParameterError(
                f"ys must be a 2-D array (n_clips, n_samples) or a list of 1-D clips, "
                f"got shape {ys.shape}"
                + (
                    "; for one clip use ys[np.newaxis] or the single-clip functions"
                    if ys.ndim == 1
                    else ""
                )
            )
        if ys.shape[0] == 0:
            raise ParameterError("ys holds no clips")
        if not np.issubdtype(ys.dtype, np.floating):
            raise ParameterError(
                f"ys must hold floating-point samples in [-1, 1], got dtype {ys.dtype}; "
                f"convert integer PCM with ys.astype(np.float32) / 32768"
            )
        if ys.shape[1] == 0:
            raise ParameterError(f"ys holds empty clips (shape {ys.shape})")
        return ys
    if not isinstance(ys, Sequence) or isinstance(ys, (str, bytes)):
        raise ParameterError(
            f"ys must be a 2-D array or a list of 1-D clips, got {type(ys).__name__}"
        )
    if len(ys) == 0:
        raise ParameterError("ys holds no clips")
    for i, clip in enumerate(ys):
        valid_audio(clip, mono=True, name=f"ys[{i}]")
        if clip.shape != ys[0].shape:
            raise ParameterError(
                f"all clips must have the same length: ys[{i}] has {clip.shape[0]} samples "
                f"but ys[0] has {ys[0].shape[0]}; pad or crop them first "
                f"(audiolab.preprocess.pad_or_crop)"
            )
    return np.stack(ys)


def _check_finite_clips(ys: NDArray) -> None:
    finite = np.isfinite(ys).all(axis=1)
    if not finite.all():
        first = int(np.argmin(finite))
        raise ParameterError(f"ys[{first}] contains NaN or infinite samples")


def floor_per_clip(db: NDArray[np.floating], top_db: float | None) -> NDArray[np.floating]:
    """Raise every value of each clip to at least its own maximum minus ``top_db``.

    ``db`` is shaped ``(n_clips, ...)``; each clip's floor is measured from its
    own loudest value, as :func:`power_to_db` does for one clip. None leaves
    ``db`` as it is. Used by :func:`extract_batch` and the streaming
    detector, which must agree to the last bit.

    Parameters
    ----------
    db : np.ndarray [shape=(n_clips, ...)], floating point
        Levels in dB, one clip per row.
    top_db : float >= 0 or None
        How far below each clip's maximum the floor lies, in dB.

    Returns
    -------
    np.ndarray [shape=db.shape]
        ``db`` with each clip's values below its floor raised to it.

    Raises
    ------
    ParameterError
        If ``db`` is not a non-empty, finite floating-point array, or
        ``top_db`` is negative or not a number.

    See Also
    --------
    power_to_db, extract_batch

    Examples
    --------
    >>> floor_per_clip(np.array([[0.0, -100.0], [-10.0, -20.0]]), 80.0)
    array([[  0., -80.],
           [-10., -20.]])

    Taught in lesson 04 (MFCC, chroma and classic features).
    """
    if (
        not isinstance(db, np.ndarray)
        or not np.issubdtype(db.dtype, np.floating)
        or db.ndim == 0
        or db.size == 0
    ):
        described = f"{db.dtype} {db.shape}" if isinstance(db, np.ndarray) else repr(db)
        raise ParameterError(
            f"db must be a non-empty floating-point NumPy array (n_clips, ...), got {described}"
        )
    if not np.all(np.isfinite(db)):
        raise ParameterError("db contains NaN or infinite values")
    top_db = _check_top_db(top_db)
    if top_db is None:
        return db
    axes = tuple(range(1, db.ndim))
    return np.maximum(db, db.max(axis=axes, keepdims=True) - top_db)


def extract_batch(
    ys: NDArray[np.floating] | Sequence[NDArray[np.floating]],
    sr: float,
    *,
    kind: str = SPEECH_FEATURES["kind"],
    n_fft: int = SPEECH_DEFAULTS["n_fft"],
    hop_length: int = SPEECH_DEFAULTS["hop_length"],
    win_length: int | None = SPEECH_DEFAULTS["win_length"],
    window: str | tuple | NDArray | Callable[[int], NDArray] = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    n_mels: int = SPEECH_DEFAULTS["n_mels"],
    n_mfcc: int = SPEECH_DEFAULTS["n_mfcc"],
    fmin: float = SPEECH_DEFAULTS["fmin"],
    fmax: float | None = SPEECH_DEFAULTS["fmax"],
    htk: bool = False,
    mel_norm: str | float | None = "slaney",
    top_db: float | None = SPEECH_TOP_DB,
    lifter: float = 0,
    chunk_size: int | None = None,
) -> NDArray[np.float32]:
    """Features of many equal-length clips at once, vectorised.

    All frames of a chunk of clips go through one batched real FFT and one
    matrix product with the mel filterbank; there is no Python loop over
    clips. Clip ``i`` of the result equals the single-clip function with the
    same settings (to float32 rounding):

    =========  ===================================================================
    kind       equals, for each clip ``y``
    =========  ===================================================================
    "stft"     ``np.abs(stft(y, ...))`` (magnitude)
    "power"    ``np.abs(stft(y, ...)) ** 2``
    "mel"      ``mel_spectrogram(y=y, sr=sr, power=2.0, norm=mel_norm, ...)``
    "logmel"   ``power_to_db(mel_spectrogram(...), top_db=top_db)``: ref=1.0
               per clip, so a quiet clip stays quiet (no per-clip max at 0 dB)
    "mfcc"     ``mfcc(S=power_to_db(mel_spectrogram(...), top_db=top_db),
               n_mfcc=n_mfcc, lifter=lifter)``, i.e. ``mfcc(y=y, ...)`` for
               the default top_db=80
    =========  ===================================================================

    The defaults are the course's settings for 16 kHz speech
    (:data:`SPEECH_DEFAULTS`): 25 ms windows (``win_length=400``) every
    10 ms (``hop_length=160``) in a 512-point FFT, 40 mel bands from 20 Hz,
    13 MFCCs. They differ from the single-clip functions' librosa defaults.

    Parameters
    ----------
    ys : np.ndarray [shape=(n_clips, n)] or list of np.ndarray [shape=(n,)]
        The clips, all of the same length (pad or crop them first).
    sr : float > 0
        Sample rate in Hz.
    kind : {"stft", "power", "mel", "logmel", "mfcc"}
        Which feature.
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT settings, as in :func:`stft`.
    n_mels, fmin, fmax, htk, mel_norm
        Mel filterbank settings, as in :func:`mel_filterbank` (``mel_norm``
        is its ``norm``). Ignored for "stft" and "power".
    n_mfcc : int, 0 < n_mfcc <= n_mels
        Number of MFCCs (kind "mfcc"). The DCT is type 2, orthonormal.
    top_db : float >= 0 or None
        Dynamic range of "logmel" and "mfcc", per clip.
    lifter : float >= 0
        MFCC liftering, as in :func:`mfcc`.
    chunk_size : int > 0 or None
        Clips processed together. None: as many as keep a chunk's windowed
        frames within about 4 MB (10 one-second clips at the defaults; at most
        256), which bounds memory for any number of clips and is fastest.

    Returns
    -------
    features : np.ndarray [shape=(n_clips, n_features, n_frames)], float32
        ``n_features`` is ``1 + n_fft // 2`` for "stft" and "power",
        ``n_mels`` for "mel" and "logmel", ``n_mfcc`` for "mfcc".

    Raises
    ------
    ParameterError
        If ``ys`` is not a 2-D array or list of clips; a clip (named by its
        index) is not valid audio or differs in length; ``kind`` is unknown;
        or any setting is out of range.

    See Also
    --------
    stft, mel_spectrogram, power_to_db, mfcc : the single-clip functions.

    Notes
    -----
    Taught in lesson 04 (MFCC, chroma and classic features); used from
    lesson 05 on to turn datasets into features.

    Examples
    --------
    >>> import numpy as np
    >>> ys = np.random.default_rng(0).standard_normal((8, 16000)).astype(np.float32)
    >>> extract_batch(ys, 16000).shape
    (8, 40, 101)
    >>> extract_batch(ys, 16000, kind="mfcc").shape
    (8, 13, 101)
    """
    kind = check_choice("kind", kind, _KINDS)
    ys = _clip_matrix(ys)
    _check_finite_clips(ys)
    n_fft, hop_length, win_length = _frame_params(n_fft, hop_length, win_length)
    center = check_bool("center", center)
    pad_mode = check_choice("pad_mode", pad_mode, _PAD_MODES)
    fft_window = _fft_window(window, win_length, n_fft)
    n_frames = _check_stft_size(ys.shape[1], n_fft, hop_length, center, name="each clip")
    _check_signal_length(ys.shape[1], n_fft, center, name="each clip")
    settings = {
        "n_fft": n_fft,
        "hop_length": hop_length,
        "window": fft_window,
        "center": center,
        "pad_mode": pad_mode,
    }
    basis = None
    if kind in ("mel", "logmel", "mfcc"):
        mel = _check_mel_params(sr, n_mels, fmin, fmax, htk, mel_norm, norm_name="mel_norm")
        basis = _cached_mel_filterbank(n_fft=n_fft, **mel)
    else:
        _check_sr(sr)
    top_db = _check_top_db(top_db)
    lifter = check_nonnegative("lifter", lifter)
    n_mfcc = check_size("n_mfcc", n_mfcc, MAX_BANDS)
    if kind == "mfcc" and n_mfcc > n_mels:
        raise ParameterError(f"n_mfcc={n_mfcc} must not exceed n_mels={n_mels}")

    n_clips = ys.shape[0]
    if chunk_size is None:
        chunk_size = int(np.clip(_BLOCK_VALUES // (n_frames * n_fft), 1, 256))
    chunk_size = check_positive_int("chunk_size", chunk_size)
    n_features = {"stft": 1 + n_fft // 2, "power": 1 + n_fft // 2, "mfcc": n_mfcc}.get(
        kind, n_mels
    )
    out = np.empty((n_clips, n_features, n_frames), dtype=np.float32)

    for start in range(0, n_clips, chunk_size):
        chunk = ys[start : start + chunk_size]
        # One batched FFT over every frame of every clip: (clips, n_frames, n_freq).
        spectra = _stft_frames(chunk, **settings)
        if kind == "stft":
            features = _spectrum_power(spectra, 1.0)
        else:
            features = _spectrum_power(spectra, 2.0)
        if basis is not None:
            # One matrix product for all frames of all clips: (clips * n_frames, n_mels).
            n_chunk = features.shape[0]
            flat = features.reshape(n_chunk * n_frames, -1) @ basis.T
            features = flat.reshape(n_chunk, n_frames, n_mels)
        if kind in ("logmel", "mfcc"):
            # power_to_db with ref=1.0, and top_db measured from each clip's own maximum.
            features = floor_per_clip(10.0 * np.log10(np.maximum(1e-10, features)), top_db)
        if kind == "mfcc":
            features = _dct_mfcc(
                features,
                n_mfcc=n_mfcc,
                dct_type=2,
                norm="ortho",
                lifter=lifter,
                axis=-1,
            )
        out[start : start + chunk_size] = np.swapaxes(features, 1, 2)
    return out
