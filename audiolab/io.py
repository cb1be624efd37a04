"""Reading and writing audio: the one place audio enters the program.

:func:`load` turns any audio file into float32 samples at the rate you ask
for, or fails with an :class:`~audiolab.errors.AudioFileError` that names the
file and says what is wrong. :func:`save` writes atomically, so an interrupted
program never leaves half a file behind. :func:`info` reads a file's header
without decoding it.

Taught in lesson 01 (sampling and quantization).
"""

from __future__ import annotations

import os
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from numpy.typing import NDArray

from .errors import AudioFileError, ParameterError
from .files import atomic_write
from .validation import (
    MAX_VALUES,
    check_array_size,
    check_bool,
    check_duration,
    check_nonnegative,
    check_sr,
    valid_audio,
)

__all__ = ["load", "save", "info", "resample", "AudioInfo", "AUDIO_EXTENSIONS"]

PathLike = str | os.PathLike

#: File endings the package treats as audio (soundfile reads all but the last
#: three; those go through librosa and audioread when a decoder is installed).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3", ".m4a", ".aac")


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says, read without decoding the samples."""

    path: str
    sr: int
    channels: int
    frames: int
    duration: float
    format: str
    subtype: str


#: Bits per sample of the integer subtypes :func:`save` rounds to itself.
_PCM_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}


def _on_pcm_grid(y: NDArray[np.floating], bits: int) -> NDArray[np.float64]:
    """Round samples to the nearest ``bits``-bit level, as :func:`audiolab.dsp.quantize` does.

    libsndfile converts floats to integers by truncating toward minus
    infinity (every sample up to one step low, half a step on average);
    samples already on the grid convert exactly, so the error is the rounding
    error, at most half a step. Float64 holds every 32-bit level exactly.
    """
    scale = 2.0 ** (bits - 1)
    levels = np.clip(np.round(np.asarray(y, dtype=np.float64) * scale), -scale, scale - 1)
    return levels / scale


def _check_file(path: PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"path must be a file name, got {type(path).__name__}")
    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path}: the file is empty (0 bytes)")
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        raise AudioFileError(f"{path}: permission denied (the file cannot be read)") from None
    except OSError as error:
        raise AudioFileError(f"{path}: cannot be opened ({error.strerror or error})") from None
    return path


def _wav_truncation(path: Path) -> str | None:
    """Return a message if a RIFF/WAVE file's data chunk is shorter than its header says.

    libsndfile quietly reads what is there, which hides a file cut off by a
    failed copy or download. Streaming writers leave the size as 0 or
    0xFFFFFFFF; those are not reported.
    """
    file_size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return None
        position = 12
        while position + 8 <= file_size:
            handle.seek(position)
            chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
            if chunk_id == b"data":
                if chunk_size in (0, 0xFFFFFFFF):
                    return None
                available = file_size - position - 8
                if available < chunk_size:
                    return (
                        f"the file is truncated: its header announces {chunk_size} bytes "
                        f"of samples but only {available} are present"
                    )
                return None
            position += 8 + chunk_size + (chunk_size & 1)
    return None


def info(path: PathLike) -> AudioInfo:
    """Read a file's rate, channels, length and format without decoding it.

    Parameters
    ----------
    path : str or os.PathLike
        The audio file.

    Returns
    -------
    AudioInfo
        ``sr``, ``channels``, ``frames``, ``duration`` (seconds), ``format``
        and ``subtype`` (for example ``"WAV"`` and ``"PCM_16"``).

    Raises
    ------
    AudioFileError
        If the file is missing, empty, a folder, truncated, or not audio
        soundfile can read.

    See Also
    --------
    load

    Examples
    --------
    >>> info("clip.wav").duration  # doctest: +SKIP
    1.0

    Taught in lesson 01 (sampling and quantization).
    """
    path = _check_file(path)
    truncated = _wav_truncation(path)
    if truncated:
        raise AudioFileError(f"{path}: {truncated}")
    try:
        meta = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioFileError(
            f"{path}: not an audio file soundfile can read ({_reason(error)})"
        ) from None
    return AudioInfo(
        path=str(path),
        sr=int(meta.samplerate),
        channels=int(meta.channels),
        frames=int(meta.frames),
        duration=float(meta.frames) / meta.samplerate if meta.samplerate else 0.0,
        format=str(meta.format),
        subtype=str(meta.subtype),
    )


def _reason(error: Exception) -> str:
    text = str(error).strip()
    # libsndfile prefixes its message with the file name, which we print already.
    if ": " in text and text.startswith("Error opening"):
        text = text.split(": ", 1)[1]
    return text or type(error).__name__


def resample(y: NDArray[np.floating], *, orig_sr: int, target_sr: int) -> NDArray[np.float32]:
    """Change the sample rate of ``y`` with the soxr high-quality resampler.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (channels, n)]
        The samples.
    orig_sr, target_sr : int
        The rate of ``y`` and the rate wanted, in Hz.

    Returns
    -------
    np.ndarray [shape=(round(n * target_sr / orig_sr),) or (channels, ...)], float32

    Raises
    ------
    ParameterError
        If a rate is not a positive integer up to
        :data:`~audiolab.validation.MAX_SR`, the result would be too large,
        or ``y`` is not valid audio.

    Examples
    --------
    >>> import numpy as np
    >>> resample(np.zeros(8000, np.float32), orig_sr=8000, target_sr=16000).shape
    (16000,)

    Taught in lesson 01 (sampling and quantization).
    """
    orig_sr = check_sr("orig_sr", orig_sr)
    target_sr = check_sr("target_sr", target_sr)
    y = valid_audio(y, mono=False)
    if y.ndim > 2:
        raise ParameterError(f"y must be (n,) or (channels, n), got shape {y.shape}")
    # Refused only where the rates, not the signal's length, make it huge.
    check_array_size(
        f"resampling {y.shape[-1]} samples from orig_sr={orig_sr} to target_sr={target_sr} Hz",
        y.size * target_sr // orig_sr,
        limit=max(MAX_VALUES, 16 * y.size),
    )
    if orig_sr == target_sr:
        return y.astype(np.float32, copy=False)
    # soxr wants (frames, channels); the package's convention is (channels, frames).
    out = soxr.resample(y.T.astype(np.float32), orig_sr, target_sr, quality="HQ")
    return np.ascontiguousarray(out.T, dtype=np.float32)


def load(
    path: PathLike,
    *,
    sr: int | None = 16000,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
) -> tuple[NDArray[np.float32], int]:
    """Read an audio file as float32 samples, resampled to ``sr``.

    WAV (8, 16, 24 and 32-bit PCM, float), FLAC, OGG and AIFF are read with
    soundfile; other formats (MP3, M4A) through librosa and audioread where a
    decoder is installed.

    Parameters
    ----------
    path : str or os.PathLike
        The audio file.
    sr : int or None
        The sample rate wanted, in Hz; ``None`` keeps the file's own rate.
        Resampling uses soxr's high-quality mode.
    mono : bool
        Mix the channels down to one (their mean). If False, the result has
        shape ``(channels, n)`` for multichannel files.
    offset : float
        Start reading this many seconds into the file.
    duration : float or None
        Read at most this many seconds; ``None`` reads to the end.

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)], float32
        The samples, in [-1, 1] for integer formats.
    sr : int
        The sample rate of ``y``.

    Raises
    ------
    AudioFileError
        If the file is missing, empty, a folder, truncated, not audio, has no
        samples, or contains NaN or infinite samples. The message names the
        file.
    ParameterError
        If ``sr`` is not None or a positive integer up to
        :data:`~audiolab.validation.MAX_SR`, ``mono`` is not True or False,
        ``offset`` is negative or not finite, ``duration`` is not None or a
        positive number of seconds up to a day, or ``offset`` lies past the
        end of the file.

    See Also
    --------
    save, info, resample

    Examples
    --------
    >>> y, sr = load("7_jackson_32.wav")  # doctest: +SKIP
    >>> y.dtype, sr  # doctest: +SKIP
    (dtype('float32'), 16000)

    Taught in lesson 01 (sampling and quantization).
    """
    if sr is not None:
        sr = check_sr("sr", sr)
    mono = check_bool("mono", mono)
    offset = check_nonnegative("offset", offset)
    if duration is not None:
        duration = check_duration("duration", duration)
    path = _check_file(path)

    if path.suffix.lower() in (".mp3", ".m4a", ".aac"):
        y, native_sr = _load_with_librosa(path, offset, duration)
    else:
        y, native_sr = _load_with_soundfile(path, offset, duration)

    if y.shape[-1] == 0:
        raise AudioFileError(f"{path}: the file holds no samples")
    if not np.all(np.isfinite(y)):
        raise AudioFileError(f"{path}: the file contains NaN or infinite samples")
    if mono and y.ndim == 2:
        y = y.mean(axis=0, dtype=np.float32)
    if sr is not None and sr != native_sr:
        y = resample(y, orig_sr=native_sr, target_sr=sr)
    else:
        sr = native_sr
    return np.ascontiguousarray(y, dtype=np.float32), int(sr)


def _load_with_soundfile(
    path: Path, offset: float, duration: float | None
) -> tuple[NDArray[np.float32], int]:
    truncated = _wav_truncation(path)
    if truncated:
        raise AudioFileError(f"{path}: {truncated}")
    try:
        with sf.SoundFile(str(path)) as handle:
            native_sr = int(handle.samplerate)
            total = handle.frames
            start = int(round(offset * native_sr))
            if start > 0 and start >= total:
                raise ParameterError(
                    f"offset={offset} s lies past the end of {path} "
                    f"({total / native_sr:.3f} s long)"
                )
            handle.seek(start)
            frames = -1 if duration is None else int(round(duration * native_sr))
            data = handle.read(frames=frames, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        if path.suffix.lower() in (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif"):
            raise AudioFileError(
                f"{path}: not a readable audio file, or its header is damaged ({_reason(error)})"
            ) from None
        return _load_with_librosa(path, offset, duration)
    return data.T if data.shape[1] > 1 else data[:, 0], native_sr


def _load_with_librosa(
    path: Path, offset: float, duration: float | None
) -> tuple[NDArray[np.float32], int]:
    import librosa  # heavy; only for formats soundfile cannot read

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y, native_sr = librosa.load(
                str(path), sr=None, mono=False, offset=offset, duration=duration
            )
    except Exception as error:  # audioread raises many unrelated types
        raise AudioFileError(
            f"{path}: cannot decode this file ({_reason(error)}); "
            f"convert it to WAV or FLAC, or install ffmpeg"
        ) from None
    return y.astype(np.float32, copy=False), int(native_sr)


def save(
    path: PathLike,
    y: NDArray[np.floating],
    sr: int,
    *,
    subtype: str | None = None,
) -> Path:
    """Write audio to a file atomically (a temporary file, then a rename).

    The format follows the file's ending (``.wav``, ``.flac``, ``.ogg``).

    Parameters
    ----------
    path : str or os.PathLike
        Where to write. Its folder must exist.
    y : np.ndarray [shape=(n,) or (channels, n)]
        Floating-point samples.
    sr : int
        The sample rate, in Hz.
    subtype : str or None
        soundfile's subtype, e.g. ``"PCM_16"`` (the default for WAV and FLAC),
        ``"PCM_24"`` or ``"FLOAT"``. Integer subtypes store each sample
        rounded to the nearest level, ``round(y * 2**(bits - 1))`` (a full
        scale of 1.0 stored as the highest level), so the error is at most
        half a step.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ParameterError
        If ``y`` is not valid audio, ``sr`` is not a positive integer up to
        :data:`~audiolab.validation.MAX_SR`, the format or ``subtype`` is
        unknown, or an integer subtype is asked for samples outside [-1, 1]
        (they would clip).
    AudioFileError
        If the folder does not exist or cannot be written.

    See Also
    --------
    load

    Examples
    --------
    >>> import numpy as np
    >>> save("tone.wav", 0.5 * np.sin(np.arange(16000) / 5), 16000)  # doctest: +SKIP
    PosixPath('tone.wav')

    Taught in lesson 01 (sampling and quantization).
    """
    y = valid_audio(y, mono=False)
    if y.ndim > 2:
        raise ParameterError(f"y must be (n,) or (channels, n), got shape {y.shape}")
    sr = check_sr("sr", sr)
    if subtype is not None and not isinstance(subtype, str):
        raise ParameterError(
            f"subtype must be None or a name such as 'PCM_16', got {subtype!r}"
        )
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"path must be a file name, got {type(path).__name__}")
    path = Path(path)
    extension = path.suffix.lower().lstrip(".")
    formats = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG", "aiff": "AIFF", "aif": "AIFF"}
    if extension not in formats:
        raise ParameterError(
            f"path={str(path)!r}: cannot tell the format from its ending; use one of "
            + ", ".join("." + e for e in formats)
        )
    file_format = formats[extension]
    if subtype is None:
        subtype = "VORBIS" if file_format == "OGG" else "PCM_16"
    if not sf.check_format(file_format, subtype):
        raise ParameterError(f"subtype={subtype!r} does not exist for {file_format} files")
    peak = float(np.max(np.abs(y)))
    if subtype.startswith("PCM") and peak > 1.0:
        raise ParameterError(
            f"y peaks at {peak:.3f}, outside [-1, 1], and would clip as {subtype}; "
            f"normalise it first or save with subtype='FLOAT'"
        )
    if not path.parent.is_dir():
        raise AudioFileError(f"{path}: the folder {path.parent} does not exist")

    data = y.T if y.ndim == 2 else y
    if subtype in _PCM_BITS:
        data = _on_pcm_grid(data, _PCM_BITS[subtype])
    try:
        with atomic_write(path) as temporary:
            sf.write(temporary, data, sr, format=file_format, subtype=subtype)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise AudioFileError(f"{path}: cannot write the file ({error})") from None
    return path
