"""Speech synthesis with eSpeak NG, loaded with ctypes from ``espeakng-loader``.

The PyPI package ``espeakng-loader`` ships the eSpeak NG library and its voice
data inside its wheel, so nothing has to be installed on the system. This
module loads the library once per process, synthesises at eSpeak's native
22,050 Hz (``AUDIO_OUTPUT_SYNCHRONOUS``, samples collected by a ctypes
callback) and resamples to the rate asked for.

eSpeak NG is not thread-safe: every call goes through one lock. It also keeps
a little state between calls (the phase of its pitch "flutter", an automatic
gain, a random generator), so the same word said twice in one process can
differ in a few samples. Within a fresh process the sequence of outputs is
reproducible, which is how :func:`~audiolab.datasets.make_speech_dataset`
gets byte-identical files: it synthesises in fresh worker processes.

Used from lesson 04 on (the course's synthetic spoken words).
"""

from __future__ import annotations

import ctypes
import difflib
import functools
import os
import threading
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from ..validation import check_positive_int
from ._common import SynthesisError

__all__ = [
    "synthesize",
    "list_voices",
    "list_variants",
    "espeak_info",
    "breathy_variants",
    "DEFAULT_VOICES",
    "DEFAULT_VARIANTS",
]

# espeak_AUDIO_OUTPUT, espeak_PARAMETER and option values from speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_EE_OK = 0

#: Limits eSpeak NG documents for its parameters.
RATE_LIMITS = (80, 450)
PITCH_LIMITS = (0, 100)
RANGE_LIMITS = (0, 100)
VOLUME_LIMITS = (0, 200)

#: Voices used by default for synthetic speakers: every English accent in the
#: wheel (``en-shaw`` is left out: it reads the Shavian alphabet, not Latin).
DEFAULT_VOICES = (
    "en",
    "en-029",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-gb-x-rp",
    "en-us",
    "en-us-nyc",
)

#: Voice variants used by default: the plain voice (None), eSpeak's male
#: variants, female ones (f1, f4 and named ones), the Klatt formant
#: synthesisers and a croak. Variants with "breath" noise (f2, f3, f5,
#: whisper, ...) are left out: eSpeak NG makes their noise differently from
#: one process to the next, so they are not reproducible (see
#: :func:`breathy_variants`).
DEFAULT_VARIANTS = (
    None,
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8",
    "f1", "f4", "Andrea", "Annie", "anika", "aunty", "belinda", "grandma", "linda", "steph",
    "klatt", "klatt2", "klatt3", "klatt4",
    "croak",
)

_LOCK = threading.RLock()


def _reset_lock_after_fork() -> None:
    # A lock held by another thread at fork time would stay held forever in the child.
    global _LOCK
    _LOCK = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_after_fork)


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Engine:
    """The loaded library, initialised for synchronous synthesis."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError:  # pragma: no cover - a dependency of the package
            raise SynthesisError(
                "eSpeak NG is not available: install the PyPI package espeakng-loader "
                "(pip install espeakng-loader)"
            ) from None
        library_path = espeakng_loader.get_library_path()
        try:
            self.data_path = espeakng_loader.get_data_path()
            lib = ctypes.CDLL(library_path)
        except (OSError, RuntimeError) as error:  # pragma: no cover - broken install
            raise SynthesisError(f"cannot load eSpeak NG from {library_path}: {error}") from None
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, self.data_path.encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:  # pragma: no cover - broken install
            raise SynthesisError(
                f"eSpeak NG failed to initialise with the voice data in {self.data_path}"
            )
        self.lib = lib
        self.sr = int(rate)
        self.version = (lib.espeak_Info(None) or b"").decode("ascii", "replace")
        self._chunks: list[NDArray[np.int16]] = []
        self._callback = _CALLBACK(self._collect)  # keep a reference: ctypes does not
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, n_samples, events) -> int:
        if n_samples > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        return 0

    def say(self, text: str, voice_name: str, rate: int, pitch: int, pitch_range: int,
            volume: int) -> NDArray[np.int16]:
        lib = self.lib
        if lib.espeak_SetVoiceByName(voice_name.encode("utf-8")) != _EE_OK:
            raise ParameterError(f"eSpeak NG has no voice {voice_name!r}")
        for parameter, value in ((_RATE, rate), (_VOLUME, volume), (_PITCH, pitch),
                                 (_RANGE, pitch_range)):
            lib.espeak_SetParameter(parameter, int(value), 0)
        self._chunks = []
        data = text.encode("utf-8") + b"\0"
        status = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        if status != _EE_OK:
            raise SynthesisError(f"eSpeak NG failed to say {text!r} (status {status})")
        chunks, self._chunks = self._chunks, []
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(chunks)


_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def _data_path() -> Path:
    import espeakng_loader

    try:
        return Path(espeakng_loader.get_data_path())
    except RuntimeError as error:  # pragma: no cover - broken install
        raise SynthesisError(f"eSpeak NG voice data is missing: {error}") from None


@functools.lru_cache(maxsize=1)
def _english_voices() -> tuple[str, ...]:
    names = []
    for path in sorted((_data_path() / "lang").rglob("*")):
        if not path.is_file():
            continue
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:  # pragma: no cover
            continue
        codes = [line.split()[1] for line in lines if line.startswith("language ") and
                 len(line.split()) > 1]
        if codes and codes[0].lower().split("-")[0] == "en":
            names.append(path.name.lower())
    return tuple(sorted(set(names) - {"en-shaw"}))


def list_voices() -> list[str]:
    """Return the names of the English voices (accents) eSpeak NG can speak with.

    The names are the language codes of the voice files in the wheel's
    ``espeak-ng-data/lang`` folder, for example ``"en-us"``, ``"en-gb-x-rp"``
    (received pronunciation), ``"en-gb-scotland"`` or ``"en-029"``
    (Caribbean). ``en-shaw`` (the Shavian alphabet) is left out.

    Returns
    -------
    list of str
        Sorted voice names, lower case.

    See Also
    --------
    list_variants, synthesize

    Examples
    --------
    >>> "en-us" in list_voices()
    True

    Used from lesson 04 on (the course's synthetic spoken words).
    """
    return list(_english_voices())


@functools.lru_cache(maxsize=1)
def _variants() -> tuple[str, ...]:
    folder = _data_path() / "voices" / "!v"
    return tuple(sorted((p.name for p in folder.iterdir() if p.is_file()), key=str.lower))


def list_variants() -> list[str]:
    """Return the voice variants eSpeak NG offers (``espeak-ng-data/voices/!v``).

    A variant changes the speaker's pitch, formants and voice quality on top
    of a voice: ``m1``-``m8`` (male), ``f1``-``f5`` (female), ``klatt`` to
    ``klatt6`` (the Klatt formant synthesiser), ``whisper``, ``croak`` and
    many named ones (``Alex``, ``Annie``, ...).

    Returns
    -------
    list of str
        Variant names, sorted without regard to case.

    See Also
    --------
    list_voices, synthesize

    Examples
    --------
    >>> {"m3", "f2", "klatt", "whisper"} <= set(list_variants())
    True

    Used from lesson 04 on (the course's synthetic spoken words).
    """
    return list(_variants())


@functools.lru_cache(maxsize=1)
def _breathy() -> frozenset[str]:
    folder = _data_path() / "voices" / "!v"
    names = set()
    for path in folder.iterdir():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(line.split()[:1] == ["breath"] for line in text.splitlines()):
            names.add(path.name)
    return frozenset(names)


def breathy_variants() -> list[str]:
    """Return the variants that add eSpeak's breath noise (not reproducible).

    eSpeak NG 1.52 makes the breath noise of these variants (``f2``, ``f3``,
    ``f5``, ``whisper``, ``whisperf``, ...) differently in different
    processes, so clips spoken with them are not byte-for-byte reproducible.
    :data:`DEFAULT_VARIANTS` leaves them out; :func:`make_speech_dataset`
    warns if you ask for them.

    Returns
    -------
    list of str
        Sorted variant names.

    See Also
    --------
    list_variants

    Examples
    --------
    >>> "whisper" in breathy_variants()
    True

    Used from lesson 04 on (the course's synthetic spoken words).
    """
    return sorted(_breathy(), key=str.lower)


def espeak_info() -> dict[str, object]:
    """Return eSpeak NG's version, native sample rate and voice data folder.

    Returns
    -------
    dict
        ``{"version": "1.52.0", "sr": 22050, "data_path": "..."}``.

    Raises
    ------
    SynthesisError
        If the library cannot be loaded.

    Examples
    --------
    >>> espeak_info()["sr"]
    22050

    Used from lesson 04 on (the course's synthetic spoken words).
    """
    with _LOCK:
        engine = _engine()
        return {"version": engine.version, "sr": engine.sr, "data_path": engine.data_path}


def _check_int_in(name: str, value: object, limits: tuple[int, int]) -> int:
    low, high = limits
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ParameterError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    if not low <= int(value) <= high:
        raise ParameterError(f"{name} must be from {low} to {high}, got {value!r}")
    return int(value)


def check_voice(voice: object) -> str:
    """Return ``voice`` normalised (lower case) or raise naming the choices."""
    if not isinstance(voice, str):
        raise ParameterError(f"voice must be a voice name such as 'en-us', got {voice!r}")
    name = voice.strip().lower()
    voices = _english_voices()
    if name not in voices:
        close = difflib.get_close_matches(name, voices, n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ParameterError(
            f"voice={voice!r} is not an English eSpeak NG voice{hint} "
            f"(available: {', '.join(voices)}; see list_voices())"
        )
    return name


def check_variant(variant: object) -> str | None:
    """Return ``variant`` (exact spelling from the data) or None; raise if unknown."""
    if variant is None:
        return None
    if not isinstance(variant, str):
        raise ParameterError(f"variant must be a variant name such as 'f2' or None, got {variant!r}")
    variants = _variants()
    by_lower = {v.lower(): v for v in variants}
    name = by_lower.get(variant.strip().lower())
    if name is None:
        close = difflib.get_close_matches(variant, variants, n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ParameterError(
            f"variant={variant!r} is not an eSpeak NG voice variant{hint} "
            f"(see list_variants())"
        )
    return name


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise ParameterError(f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ParameterError("text is empty: give the word or sentence to say")
    if "\0" in text:
        raise ParameterError("text must not contain NUL characters")
    if len(text) > 10_000:
        raise ParameterError(f"text is too long ({len(text)} characters; at most 10,000)")
    return text


def synthesize_native(
    text: str,
    *,
    voice: str = "en-us",
    variant: str | None = None,
    rate: int = 175,
    pitch: int = 50,
    pitch_range: int = 50,
    volume: int = 100,
) -> tuple[NDArray[np.float32], int]:
    """Like :func:`synthesize`, at eSpeak's native rate; returns ``(y, sr)``."""
    text = check_text(text)
    voice = check_voice(voice)
    variant = check_variant(variant)
    rate = _check_int_in("rate", rate, RATE_LIMITS)
    pitch = _check_int_in("pitch", pitch, PITCH_LIMITS)
    pitch_range = _check_int_in("pitch_range", pitch_range, RANGE_LIMITS)
    volume = _check_int_in("volume", volume, VOLUME_LIMITS)
    name = voice if variant is None else f"{voice}+{variant}"
    with _LOCK:
        engine = _engine()
        samples = engine.say(text, name, rate, pitch, pitch_range, volume)
        native_sr = engine.sr
    if samples.size == 0 or not np.any(samples):
        raise SynthesisError(f"eSpeak NG produced no sound for {text!r}")
    return samples.astype(np.float32) / 32768.0, native_sr


def synthesize(
    text: str,
    *,
    voice: str = "en-us",
    variant: str | None = None,
    rate: int = 175,
    pitch: int = 50,
    pitch_range: int = 50,
    volume: int = 100,
    sr: int = 16000,
) -> NDArray[np.float32]:
    """Say a word (or a sentence) with eSpeak NG and return the samples.

    Parameters
    ----------
    text : str
        What to say, in English spelling, e.g. ``"seven"``.
    voice : str
        An English voice (accent) from :func:`list_voices`, e.g. ``"en-us"``,
        ``"en-gb-x-rp"`` or ``"en-gb-scotland"``. Case does not matter.
    variant : str or None
        A voice variant from :func:`list_variants` (``"m3"``, ``"f2"``,
        ``"klatt"``, ``"whisper"``, ...); None keeps the voice's own.
    rate : int
        Speaking rate in words per minute, 80 to 450 (eSpeak's default 175).
    pitch : int
        Base pitch, 0 to 100 (50 is the voice's normal pitch).
    pitch_range : int
        Intonation range, 0 (monotone) to 100 (50 is normal).
    volume : int
        Amplitude, 0 to 200 (100 is normal).
    sr : int
        Sample rate of the result, in Hz. eSpeak synthesises at 22,050 Hz;
        other rates are made with :func:`audiolab.io.resample`.

    Returns
    -------
    y : np.ndarray [shape=(n,)], float32
        The samples in [-1, 1], with eSpeak's short silences at both ends.

    Raises
    ------
    ParameterError
        If ``text`` is empty or not a string, ``voice`` or ``variant`` is not
        available (the message lists close matches), or a number is out of its
        range.
    SynthesisError
        If eSpeak NG cannot be loaded or produces no sound.

    See Also
    --------
    list_voices, list_variants, make_speech_dataset

    Notes
    -----
    eSpeak NG keeps some state between calls (its pitch flutter advances), so
    two calls with the same arguments in one process may differ slightly,
    while a fresh process always gives the same sequence of results.
    :func:`make_speech_dataset` relies on this to be reproducible.

    Examples
    --------
    >>> y = synthesize("seven", voice="en-gb-x-rp", variant="f2", pitch=60)
    >>> y.dtype, 0.2 < len(y) / 16000 < 1.0
    (dtype('float32'), True)

    Used from lesson 04 on (the course's synthetic spoken words).
    """
    sr = check_positive_int("sr", sr)
    y, native_sr = synthesize_native(
        text, voice=voice, variant=variant, rate=rate, pitch=pitch,
        pitch_range=pitch_range, volume=volume,
    )
    if sr != native_sr:
        from ..io import resample

        y = resample(y, orig_sr=native_sr, target_sr=sr)
    return y
