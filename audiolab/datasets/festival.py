"""Speech synthesis with Festival, a third synthesiser for the synthetic speakers.

Festival (the University of Edinburgh's speech synthesis system, from which
Flite was made) brings three English voices built from recordings of real
people: ``kal`` and ``ked`` (two American men, diphone voices: every sound
pair cut from their recordings) and ``slt`` (an American woman, a
statistical-parametric HTS voice). ``ked`` is a speaker neither eSpeak NG
nor Flite has, and diphones keep the real speakers' consonants, which
formant synthesis only approximates. Adding them to the speakers of
:func:`~audiolab.datasets.make_speech_dataset` (voice names
``"festival:kal"`` and so on, or ``audiolab data speech OUT --festival``)
brings a model trained on synthetic speech closer to real voices (see
``bench/generalise.py``).

Festival is a program, not a Python package: install it and its voices with
your system's package manager (``apt-get install festival festvox-kallpc16k
festvox-kdlpc16k festvox-us-slt-hts`` on Debian, Ubuntu and Colab). It is
only used where you ask for it. Its output depends only on its arguments,
so its clips are reproducible.

Used in ``bench/generalise.py`` and the README's synthetic-speech recipe.
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

__all__ = [
    "DEFAULT_VOICES", "PACKAGES", "PREFIX", "available", "festival_info", "check_voice",
    "synthesize_native",
]

#: The prefix that marks a Festival voice in ``make_speech_dataset(voices=...)``.
PREFIX = "festival:"
#: Festival's English voices of distinct recordings.
DEFAULT_VOICES = ("festival:kal", "festival:ked", "festival:slt")
#: The Debian packages of the program and of :data:`DEFAULT_VOICES`.
PACKAGES = ("festival", "festvox-kallpc16k", "festvox-kdlpc16k", "festvox-us-slt-hts")
#: Festival's name of each voice's set-up function.
_VOICE_FUNCTIONS = {
    "kal": "voice_kal_diphone",
    "ked": "voice_ked_diphone",
    "slt": "voice_cmu_us_slt_arctic_hts",
}
#: Each diphone voice's typical fundamental frequency in Hz: eSpeak's ``pitch``
#: of 50 maps to it, 0 and 100 to four semitones below and above. ``slt`` (HTS)
#: predicts its own pitch.
_BASE_F0 = {"kal": 105.0, "ked": 105.0}
_PITCH_SEMITONES = 4.0
_INSTALL_HINT = (
    "Festival voices need the festival program and its voices: install them with "
    f"'apt-get install {' '.join(PACKAGES)}' (Debian, Ubuntu, Colab), "
    "or leave out the 'festival:' voices"
)


def _program() -> str:
    program = shutil.which("festival")
    if program is None:
        raise SynthesisError(_INSTALL_HINT)
    return program


def _run(*expressions: str) -> subprocess.CompletedProcess:
    """Evaluate Scheme expressions in one ``festival --batch`` process."""
    return subprocess.run([_program(), "--batch", *expressions], capture_output=True,
                          text=True, check=False)


def available() -> bool:
    """Return True if the ``festival`` program and at least one of its English voices are installed.

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    return shutil.which("festival") is not None and bool(_voices())


@functools.lru_cache(maxsize=1)
def _voices() -> tuple[str, ...]:
    if shutil.which("festival") is None:
        return ()
    # Prints e.g. "(cmu_us_slt_arctic_hts ked_diphone kal_diphone)".
    result = _run("(print (voice.list))")
    installed = set(result.stdout.strip().strip("()").split())
    return tuple(sorted(name for name, function in _VOICE_FUNCTIONS.items()
                        if function.removeprefix("voice_") in installed))


def festival_info() -> dict[str, object]:
    """Return Festival's version and the voices of :data:`DEFAULT_VOICES` it has.

    Returns
    -------
    dict
        ``{"version": "2.5.0", "voices": ["festival:kal", ...]}``.

    Raises
    ------
    SynthesisError
        If the ``festival`` program is not installed.

    Examples
    --------
    >>> "festival:ked" in festival_info()["voices"]  # doctest: +SKIP
    True
    """
    result = subprocess.run([_program(), "--version"], capture_output=True, text=True,
                            check=False)
    # "festival: Festival Speech Synthesis System: 2.5.0:release December 2017"
    parts = result.stdout.strip().split(":")
    version = parts[2].strip() if len(parts) > 2 else result.stdout.strip()
    return {"version": version, "voices": [PREFIX + name for name in _voices()]}


def check_voice(voice: object) -> str:
    """Return a ``"festival:<name>"`` voice normalised, or raise naming the choices."""
    if not isinstance(voice, str) or not voice.strip().lower().startswith(PREFIX):
        raise ParameterError(f"a Festival voice is written 'festival:<name>', got {voice!r}")
    name = voice.strip().lower()[len(PREFIX):]
    voices = _voices()
    if not voices:
        raise SynthesisError(_INSTALL_HINT)
    if name not in voices:
        raise ParameterError(
            f"voice={voice!r} is not an installed Festival voice; this festival has "
            f"{', '.join(PREFIX + v for v in voices)}"
        )
    return PREFIX + name


def _scheme_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + " ".join(escaped.split()) + '"'


def _expressions(name: str, text: str, rate: int, pitch: int, pitch_range: int,
                 path: str) -> list[str]:
    lines = [f"({_VOICE_FUNCTIONS[name]})"]
    if name in _BASE_F0:
        f0 = _BASE_F0[name] * 2 ** ((pitch - 50) / 50 * _PITCH_SEMITONES / 12)
        lines += [
            f"(Parameter.set 'Duration_Stretch {175 / rate:.4f})",
            f"(set! int_lr_params (list '(target_f0_mean {f0:.2f}) "
            f"'(target_f0_std {f0 * 0.25 * pitch_range / 100:.2f}) "
            "'(model_f0_mean 170) '(model_f0_std 34)))",
        ]
    else:  # HTS: the engine's own speed factor
        lines.append(f"(set! hts_engine_params (append hts_engine_params "
                     f"(list '(\"-r\" {rate / 175:.4f}))))")
    lines.append(f"(utt.save.wave (utt.synth (Utterance Text {_scheme_string(text)})) "
                 f"{_scheme_string(path)} 'riff)")
    return lines


def synthesize_native(
    text: str,
    *,
    voice: str = "festival:ked",
    rate: int = 175,
    pitch: int = 50,
    pitch_range: int = 50,
) -> tuple[NDArray[np.float32], int]:
    """Say ``text`` with a Festival voice; returns ``(y, sr)`` at the voice's own rate.

    Parameters
    ----------
    text : str
        What to say.
    voice : str
        ``"festival:kal"``, ``"festival:ked"`` or ``"festival:slt"``.
    rate, pitch, pitch_range : int
        In eSpeak's units, so one synthetic speaker means the same with every
        engine: words per minute (175 is Festival's normal speed), pitch
        0-100 (50 is the voice's own; the ends are 4 semitones away) and
        pitch range 0-100 (the spread of the intonation). ``slt`` keeps its
        own pitch whatever ``pitch`` and ``pitch_range`` say.

    Returns
    -------
    y : numpy.ndarray of float32
        The samples, in [-1, 1].
    sr : int
        The voice's sample rate (16,000 Hz for ``kal`` and ``ked``, 32,000 Hz
        for ``slt``).

    Raises
    ------
    ParameterError
        If ``voice`` is not an installed Festival voice or a number is out of
        range.
    SynthesisError
        If Festival is not installed, fails, or says nothing.
    """
    text = check_text(text)
    voice = check_voice(voice)
    rate = _check_int_in("rate", rate, RATE_LIMITS)
    pitch = _check_int_in("pitch", pitch, PITCH_LIMITS)
    pitch_range = _check_int_in("pitch_range", pitch_range, RANGE_LIMITS)
    name = voice[len(PREFIX):]
    return say_with_program(
        lambda path: _run(*_expressions(name, text, rate, pitch, pitch_range, path)),
        program="festival", text=text, voice=voice,
    )
