"""Checks applied once, where data and parameters enter the package.

Every public function validates its inputs with these helpers before doing the
expensive work, so that a mistake is reported by name
(``ParameterError: n_fft must be a positive integer, got 0``) rather than as a
traceback from deep inside NumPy.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import ParameterError

__all__ = [
    "valid_audio",
    "check_average_from",
    "check_positive_int",
    "check_nonnegative_int",
    "check_positive",
    "check_nonnegative",
    "check_choice",
    "check_probability",
    "check_bool",
    "check_finite",
    "check_size",
    "check_sr",
    "check_fmax",
    "check_max_warp",
    "check_label_smoothing",
    "check_duration",
    "check_db",
    "check_rng",
    "check_array_size",
    "MAX_SR",
    "MAX_FRAME_LENGTH",
    "MAX_BANDS",
    "MAX_DURATION",
    "MAX_VALUES",
    "MAX_DB",
]

# Limits on sizes, so that a mistyped value is refused by name instead of
# failing with a MemoryError (or running for hours) deep inside NumPy. Each is
# far beyond what a lesson or a test needs (16-48 kHz audio, FFTs of 256 to
# 4096 points, 40 to 128 mel bands, clips of seconds).

#: The highest sample rate accepted, in Hz (ultrasound recorders reach 384 kHz).
MAX_SR = 10**6
#: The longest FFT, window, frame or hop, in samples (2**20: 65 s at 16 kHz).
MAX_FRAME_LENGTH = 2**20
#: The most mel bands, chroma bins or MFCCs.
MAX_BANDS = 4096
#: The longest signal a duration may ask for, in seconds (a day).
MAX_DURATION = 86400.0
#: The most values in one array made from parameters (2**27: 1 GiB of float64,
#: 2.3 hours of samples at 16 kHz).
MAX_VALUES = 2**27
#: The largest level difference, in dB, of a signal-to-noise or
#: direct-to-reverberant ratio (float32 audio spans about 150 dB).
MAX_DB = 300.0


def valid_audio(y: Any, *, mono: bool = True, name: str = "y") -> NDArray[np.floating]:
    """Check that ``y`` is audio the package can work with, and return it.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (..., n)]
        The samples.
    mono : bool
        If True, ``y`` must be one-dimensional. If False, any number of
        leading (channel or batch) dimensions is allowed.
    name : str
        The parameter's name, used in the error message.

    Returns
    -------
    np.ndarray
        ``y`` itself (no copy).

    Raises
    ------
    ParameterError
        If ``y`` is not a NumPy array, not floating point, empty, of the wrong
        number of dimensions, or contains NaN or infinity.

    Examples
    --------
    >>> import numpy as np
    >>> valid_audio(np.zeros(16000, dtype=np.float32)).shape
    (16000,)
    """
    if not isinstance(y, np.ndarray):
        raise ParameterError(
            f"{name} must be a NumPy array of samples, got {type(y).__name__}"
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(
            f"{name} must hold floating-point samples in [-1, 1], got dtype {y.dtype}; "
            f"convert integer PCM with y.astype(np.float32) / 32768"
        )
    if y.ndim == 0:
        raise ParameterError(f"{name} must be an array of samples, got a scalar")
    if mono and y.ndim != 1:
        raise ParameterError(
            f"{name} must be mono (one-dimensional), got shape {y.shape}; "
            f"mix it down with y.mean(axis=0)"
        )
    if y.shape[-1] == 0:
        raise ParameterError(f"{name} is empty (shape {y.shape})")
    if not np.all(np.isfinite(y)):
        raise ParameterError(f"{name} contains NaN or infinite samples")
    return y


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise if it is not an integer > 0."""
    if not _is_int(value) or value <= 0:
        raise ParameterError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_nonnegative_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= 0."""
    if not _is_int(value) or value < 0:
        raise ParameterError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _as_real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return value


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    return _as_real(name, value)


def check_size(name: str, value: Any, limit: int) -> int:
    """Return ``value`` as an int, or raise if it is not an integer in ``1..limit``."""
    value = check_positive_int(name, value)
    if value > limit:
        raise ParameterError(f"{name} must be at most {limit:,}, got {value!r}")
    return value


def check_sr(name: str, value: Any, *, integer: bool = True) -> int | float:
    """Return a sample rate (an int, or a float if ``integer`` is False) in ``(0, MAX_SR]``."""
    rate: int | float = (
        check_positive_int(name, value) if integer else check_positive(name, value)
    )
    if rate > MAX_SR:
        raise ParameterError(
            f"{name} must be at most {MAX_SR:,} Hz, got {value!r}"
        )
    return rate


def check_average_from(average_from: Any, epochs: int) -> int | None:
    """``average_from``: None, or an epoch from 1 to ``epochs`` (weight averaging of training)."""
    if average_from is None:
        return None
    average_from = check_positive_int("average_from", average_from)
    if average_from > epochs:
        raise ParameterError(f"average_from must be an epoch from 1 to epochs ({epochs}), "
                             f"got {average_from}")
    return average_from


def check_fmax(name: str, value: Any, sr: float, *, fmin: float = 0.0) -> float:
    """Return the top of a filter bank in Hz, or raise if it is not in ``(fmin, sr / 2]``."""
    fmax = check_positive(name, value)
    if fmax > sr / 2:
        raise ParameterError(f"{name} must be at most half the sample rate ({sr / 2:g} Hz at "
                             f"sr={sr:g}), got {fmax:g} Hz")
    if fmax <= fmin:
        raise ParameterError(f"{name} must be above the lowest mel frequency, {fmin:g} Hz, "
                             f"got {fmax:g} Hz")
    return fmax


def _check_fraction_below_one(name: str, value: Any, example: str) -> float:
    number = _as_real(name, value)
    if not 0.0 <= number < 1.0:
        raise ParameterError(f"{name} must be at least 0 and below 1 ({example}), got {value!r}")
    return number


def check_max_warp(name: str, value: Any) -> float:
    """Return the largest frequency warp of SpecAugment, a fraction in [0, 1), or raise."""
    return _check_fraction_below_one(name, value, "0.12: up to 12 % either way")


def check_label_smoothing(name: str, value: Any) -> float:
    """Return a label smoothing, a fraction in [0, 1), or raise."""
    return _check_fraction_below_one(name, value,
                                     "0.1: a tenth of each label spread over all the classes")


def check_duration(name: str, value: Any) -> float:
    """Return a duration in seconds, or raise if it is not in ``(0, MAX_DURATION]``."""
    seconds = check_positive(name, value)
    if seconds > MAX_DURATION:
        raise ParameterError(
            f"{name} must be at most {MAX_DURATION:g} s (a day), got {value!r}"
        )
    return seconds


def check_db(name: str, value: Any, limit: float = MAX_DB) -> float:
    """Return a level difference in dB, or raise if it is not finite or beyond ``limit``."""
    number = _as_real(name, value)
    if abs(number) > limit:
        raise ParameterError(
            f"{name} must be between -{limit:g} and {limit:g} dB, got {value!r}"
        )
    return number


def check_rng(name: str, value: Any) -> np.random.Generator:
    """Return a generator for ``value``: None, a seed (integer >= 0) or a Generator."""
    if value is None or isinstance(value, (np.random.Generator, np.random.BitGenerator,
                                           np.random.SeedSequence)):
        return np.random.default_rng(value)
    if not _is_int(value) or value < 0:
        raise ParameterError(
            f"{name} must be None, a seed (an integer >= 0) or a numpy.random.Generator, "
            f"got {value!r}"
        )
    return np.random.default_rng(value)


def check_array_size(what: str, n_values: int, limit: int = MAX_VALUES) -> int:
    """Raise if an array of ``n_values`` values would be larger than ``limit``.

    ``what`` names the parameters that ask for it (``"duration=1e9 s at
    sr=16000 Hz"``), so that the message says which value to change.
    """
    if n_values > limit:
        raise ParameterError(
            f"{what} would make an array of {n_values:,} values, more than the "
            f"{limit:,} allowed"
        )
    return n_values


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    number = _as_real(name, value)
    if number <= 0:
        raise ParameterError(f"{name} must be positive, got {value!r}")
    return number


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number >= 0."""
    number = _as_real(name, value)
    if number < 0:
        raise ParameterError(f"{name} must be zero or positive, got {value!r}")
    return number


def check_probability(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not in [0, 1]."""
    number = _as_real(name, value)
    if not 0.0 <= number <= 1.0:
        raise ParameterError(f"{name} must be between 0 and 1, got {value!r}")
    return number


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is True or False (NumPy's too), or raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, or raise listing them."""
    choices = tuple(choices)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"{name} must be one of {listed}; got {value!r}")
    return value
