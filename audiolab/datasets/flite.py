"""Speech synthesis with Flite, a second synthesiser for the synthetic speakers.

eSpeak NG makes every sound from rules (formant synthesis): flexible, but
every voice shares its way of saying a word. Flite (CMU's small engine)
speaks with voices built from recordings of four real people: ``kal``
(American man, diphones, 8 kHz), ``awb`` (Scottish man), ``rms`` (American
man) and ``slt`` (American woman), the last three statistical-parametric
voices at 16 kHz. Adding them to the speakers of
:func:`~audiolab.datasets.make_speech_dataset` (voice names ``"flite:kal"``
and so on, or ``audiolab data speech OUT --flite``) gives a model trained on
synthetic speech other pronunciations than eSpeak's, which helps it most on
real voices (see ``bench/evaluation.py``).

Flite is a program, not a Python package: install it with your system's
package manager (``apt-get install flite`` on Debian, Ubuntu and Colab,
``brew install flite`` on macOS). eSpeak NG remains the course's default and
needs nothing installed; Flite is only used where you ask for it. Flite's
output depends only on its arguments, so its clips are reproducible.

Used in lesson 10 (sim-to-real) and ``bench/evaluation.py``.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from ._common import SynthesisError
from ._programs import say_with_program
from .espeak import PITCH_LIMITS, RANGE_LIMITS, RATE_LIMITS, _check_int_in, check_text

__all__ = ["DEFAULT_VOICES", "PREFIX", "available", "flite_info", "check_voice", "synthesize_native"]

#: The prefix that marks a Flite voice in ``make_speech_dataset(voices=...)``.
PREFIX = "flite:"
#: Flite's English voices of distinct people (``kal16`` repeats ``kal`` and
#: ``awb_time`` repeats ``awb``, so they are left out).
DEFAULT_VOICES = ("flite:kal", "flite:awb", "flite:rms", "flite:slt")
#: Each voice's typical fundamental frequency in Hz: eSpeak's ``pitch`` of 50
#: maps to it, 0 and 100 to four semitones below and above.
_BASE_F0 = {"kal": 100.0, "kal16": 100.0, "awb": 140.0, "rms": 85.0, "slt": 160.0}
_PITCH_SEMITONES = 4.0
_INSTALL_HINT = (
    "Flite voices need the flite program: install it with 'apt-get install flite' "
    "(Debian, Ubuntu, Colab) or 'brew install flite' (macOS), or leave out the "
    "'flite:' voices"
)


def _program() -> str:
    program = shutil.which("flite")
    if program is None:
        raise SynthesisError(_INSTALL_HINT)
    return program


def available() -> bool:
    """Return True if the ``flite`` program is installed.

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    return shutil.which("flite") is not None


@functools.lru_cache(maxsize=1)
def _voices() -> tuple[str, ...]:
    result = subprocess.run([_program(), "-lv"], capture_output=True, text=True, check=False)
    # "Voices available: kal awb_time kal16 awb rms slt"
    _, _, names = result.stdout.partition(":")
    return tuple(sorted(set(names.split()) & set(_BASE_F0)))


def flite_info() -> dict[str, object]:
    """Return Flite's version and voices.

    Returns
    -------
    dict
        ``{"version": "flite-2.2-current Sep 2018", "voices": ["flite:awb", ...]}``.

    Raises
    ------
    SynthesisError
        If the ``flite`` program is not installed.

    Examples
    --------
    >>> "flite:rms" in flite_info()["voices"]  # doctest: +SKIP
    True
    """
    result = subprocess.run([_program(), "--version"], capture_output=True, text=True,
                            check=False)
    version = ""
    for line in result.stdout.splitlines():
        if "version:" in line:
            version = line.split("version:", 1)[1].strip().split(" (")[0]
    return {"version": version, "voices": [PREFIX + name for name in _voices()]}


def check_voice(voice: object) -> str:
    """Return a ``"flite:<name>"`` voice normalised, or raise naming the choices."""
    if not isinstance(voice, str) or not voice.strip().lower().startswith(PREFIX):
        raise ParameterError(f"a Flite voice is written 'flite:<name>', got {voice!r}")
    name = voice.strip().lower()[len(PREFIX):]
    voices = _voices()
    if name not in voices:
        raise ParameterError(
            f"voice={voice!r} is not a Flite voice; this flite has "
            f"{', '.join(PREFIX + v for v in voices)}"
        )
    return PREFIX + name


def synthesize_native(
    text: str,
    *,
    voice: str = "flite:rms",
    rate: int = 175,
    pitch: int = 50,
    pitch_range: int = 50,
) -> tuple[NDArray[np.float32], int]:
    """Say ``text`` with a Flite voice; returns ``(y, sr)`` at the voice's own rate.

    Parameters
    ----------
    text : str
        What to say.
    voice : str
        ``"flite:kal"``, ``"flite:awb"``, ``"flite:rms"`` or ``"flite:slt"``.
    rate, pitch, pitch_range : int
        In eSpeak's units, so one synthetic speaker means the same with both
        engines: words per minute (175 is Flite's normal speed), pitch 0-100
        (50 is the voice's own; the ends are 4 semitones away) and pitch
        range 0-100 (the spread of the intonation). ``rms`` keeps its own
        pitch whatever ``pitch`` says.

    Returns
    -------
    y : numpy.ndarray of float32
        The samples, in [-1, 1].
    sr : int
        The voice's sample rate (8,000 Hz for ``kal``, 16,000 Hz for the others).

    Raises
    ------
    ParameterError
        If ``voice`` is not a Flite voice or a number is out of range.
    SynthesisError
        If ``flite`` is not installed, fails, or says nothing.
    """
    text = check_text(text)
    voice = check_voice(voice)
    rate = _check_int_in("rate", rate, RATE_LIMITS)
    pitch = _check_int_in("pitch", pitch, PITCH_LIMITS)
    pitch_range = _check_int_in("pitch_range", pitch_range, RANGE_LIMITS)
    name = voice[len(PREFIX):]
    f0 = _BASE_F0[name] * 2 ** ((pitch - 50) / 50 * _PITCH_SEMITONES / 12)
    f0_spread = f0 * 0.25 * pitch_range / 100
    command = [_program(), "-voice", name, "-t", text,
               "--setf", f"duration_stretch={175 / rate:.4f}",
               "--setf", f"int_f0_target_mean={f0:.2f}",
               "--setf", f"int_f0_target_stddev={f0_spread:.2f}"]
    return say_with_program(
        lambda path: subprocess.run([*command, "-o", path], capture_output=True, text=True,
                                    check=False),
        program="flite", text=text, voice=voice,
    )
