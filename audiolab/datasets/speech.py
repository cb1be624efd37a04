"""The synthetic spoken-word dataset: the course's embedded default data.

:func:`make_speech_dataset` has eSpeak NG say every word of a vocabulary with
many synthetic speakers and writes a class-per-folder dataset::

    out_dir/
        manifest.json       parameters, counts and a content hash
        metadata.csv        file, label, speaker, voice, variant, rate, pitch, snr, split, ...
        eight/0000.wav ...  one folder per word, 16-bit PCM WAV
        five/0000.wav ...

A synthetic *speaker* is one configuration of voice (an eSpeak NG accent, or
a Flite or Festival voice where asked for: see :mod:`audiolab.datasets.flite`
and :mod:`audiolab.datasets.festival`), variant,
rate, base pitch and pitch range; every speaker says every word (``takes``
times, with a little jitter from one utterance to the next). Each utterance is
placed at a random offset in a fixed-length window, mixed with white, pink or
brown noise at a random SNR, and peak-normalised to a random level below full
scale. Splits (80:10:10 by default) are by speaker, so no speaker is in two
splits.

Generation is deterministic (per-clip seeds derived from ``seed``), cached
(a second call with the same arguments returns at once) and atomic (built in
a hidden sibling folder, then renamed into place).

Used from lesson 04 on; lesson 05 ("preparing a dataset") looks inside.
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import json
import math
import os
import sys
import warnings
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

from .. import __version__
from ..errors import AudiolabError, AudiolabWarning, ParameterError
from ..validation import check_positive, check_positive_int
from . import espeak, festival, flite
from ._common import (
    MANIFEST,  # noqa: F401 (speech.MANIFEST, as before)
    DatasetError,
    PathLike,
    SynthesisError,
    as_path,
    auto_progress,
    cached_folder,
    check_room,
    data_home,
    file_sha256,
    progress_bar,
    read_manifest_file,
    tree_sha256,
    wav_intact,
    write_manifest,
)

__all__ = [
    "make_speech_dataset",
    "installed_voices",
    "speech_digits",
    "speech_commands",
    "read_manifest",
    "VOCABULARIES",
    "DIGIT_WORDS",
    "COMMAND_WORDS",
    "UNKNOWN_CLASS",
    "SILENCE_CLASS",
    "UNKNOWN_WORDS",
    "BACKGROUND_KINDS",
]

#: The digits, in numeric order (class folders are sorted alphabetically).
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: The eight keywords of the mini Speech Commands set.
COMMAND_WORDS = ("yes", "no", "up", "down", "left", "right", "stop", "go")
#: Named vocabularies for ``make_speech_dataset(vocabulary=...)``.
VOCABULARIES = {"digits": DIGIT_WORDS, "commands": COMMAND_WORDS}
#: The class of other words and the class of background, as Speech Commands names them.
UNKNOWN_CLASS, SILENCE_CLASS = "_unknown_", "_silence_"
#: What ``_unknown_`` says: varied English words of one to three syllables, none of them a
#: keyword of any vocabulary above nor a homophone of one ("for", "to", "know", "write").
UNKNOWN_WORDS = (
    "apple", "army", "baby", "banana", "basket", "bed", "bird", "blanket", "bottle", "bread",
    "bridge", "brother", "butter", "button", "camera", "candle", "carpet", "castle", "cat",
    "chair", "cherry", "chicken", "circle", "city", "cloud", "coffee", "copper", "cotton",
    "cousin", "dinner", "doctor", "dog", "dragon", "dream", "family", "farmer", "feather",
    "finger", "flower", "follow", "forest", "forward", "garden", "giant", "glass", "guitar",
    "hammer", "happy", "house", "island", "jacket", "jungle", "kettle", "kitchen", "ladder",
    "learn", "lemon", "letter", "lion", "magic", "marble", "market", "marvin", "meadow",
    "melon", "mirror", "monkey", "morning", "mountain", "music", "napkin", "nature", "needle",
    "ocean", "orange", "paper", "parrot", "pencil", "pepper", "picture", "pillow", "planet",
    "pocket", "potato", "puzzle", "rabbit", "river", "rocket", "salad", "sheila", "silver",
    "sister", "soccer", "spider", "spoon", "summer", "sugar", "table", "teacher", "ticket",
    "tiger", "tomato", "tree", "turtle", "valley", "velvet", "village", "visual", "wagon",
    "water", "window", "winter", "wizard", "wow", "yellow", "zebra",
    "backward", "bench", "crisp", "fifty", "hello", "maybe", "never", "open", "please",
    "quiet", "sorry", "thank", "under", "very", "wait", "where", "white", "black", "green",
)

METADATA = "metadata.csv"
_FORMAT = "audiolab-speech-dataset"
#: Bump when the generator changes what it writes: old caches then no longer match.
GENERATOR_VERSION = 1
#: The same for the ``_unknown_`` and ``_silence_`` classes, recorded (with them) only in the
#: parameters of a dataset that has them: the datasets without them, and the names of their
#: caches (lesson 07 prints one), stay as they were.
BACKGROUND_VERSION = 1
#: What a ``_silence_`` clip holds, in turn: noise of three colours, a low room tone with hum,
#: sparse clicks, breath-like bursts of filtered noise, and digital silence (all zeros).
BACKGROUND_KINDS = ("white", "pink", "brown", "room", "clicks", "breath", "silence")
_NOISE_DBFS = (-70.0, -25.0)  # RMS of the noise backgrounds
_ROOM_DBFS = (-65.0, -45.0)  # RMS of the room tone
_CLICK_DBFS = (-30.0, -6.0)  # peak of a click
_BREATH_DBFS = (-45.0, -25.0)  # RMS of a breath over its length

# How synthetic speakers vary (eSpeak units) and how utterances jitter around them.
_RATE = (135, 205)  # words per minute
_PITCH = (20, 80)  # 0..100, 50 = the voice's normal pitch
_PITCH_RANGE = (20, 90)  # 0..100
_RATE_JITTER = 0.06  # +-6 % per utterance
_PITCH_JITTER = 4
_RANGE_JITTER = 6
_PEAK_DBFS = (-12.0, -1.0)  # final peak level
_NOISE_COLOURS = ("white", "pink", "brown")
_MAX_FILL = 0.9  # the word may fill at most 90 % of the window
#: The most clips per word (100,000 clips of a second are 3.2 GB per word).
MAX_PER_CLASS = 100_000
# What a run holds per clip until it ends (its plan and its metadata row), in bytes.
_MEMORY_PER_CLIP = 2500


def _classes(params: dict[str, Any]) -> list[str]:
    """The class folders of a build: the words, then ``_unknown_`` and ``_silence_`` if asked."""
    extra = [name for name, on in ((UNKNOWN_CLASS, params.get("unknown")),
                                   (SILENCE_CLASS, params.get("silence"))) if on]
    return [*params["vocabulary"], *extra]


def _unknown_words(words: Sequence[str]) -> list[str]:
    """:data:`UNKNOWN_WORDS` without any keyword of a known vocabulary or of ``words``."""
    keywords = {w.lower() for v in (*VOCABULARIES.values(), words) for w in v}
    return [w for w in UNKNOWN_WORDS if w not in keywords]


def _needs(params: dict[str, Any]) -> tuple[int, int, int]:
    """(clips, bytes on disk, bytes of memory) a build with ``params`` needs, roughly."""
    n_clips = len(_classes(params)) * params["per_class"]
    samples = int(round(params["duration"] * params["sr"]))
    per_file = -(-(44 + 2 * samples) // 4096) * 4096  # 16-bit WAV, in whole disk blocks
    disk = n_clips * (per_file + 200) + 65536  # + its metadata.csv row, + the manifest
    return n_clips, disk, n_clips * _MEMORY_PER_CLIP + 8 * samples
_TRIM_DB = 40.0  # silence = 40 dB below the peak
# Speakers are rendered in fresh worker processes, about this many clips each.
# The grouping is part of the output (eSpeak's state carries over within a
# process): changing it changes the files, so bump GENERATOR_VERSION with it.
_CLIPS_PER_TASK = 200

_METADATA_COLUMNS = (
    "file", "label", "speaker", "take", "voice", "variant", "rate", "pitch", "pitch_range",
    "noise", "snr", "offset", "speech_duration", "peak", "split",
)


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------


def _check_words(vocabulary: object) -> tuple[str, ...]:
    if isinstance(vocabulary, str):
        if vocabulary not in VOCABULARIES:
            raise ParameterError(
                f"vocabulary must be 'digits', 'commands' or a list of words; got {vocabulary!r}"
            )
        return VOCABULARIES[vocabulary]
    if not isinstance(vocabulary, Sequence) or len(vocabulary) == 0:
        raise ParameterError(
            f"vocabulary must be 'digits', 'commands' or a non-empty list of words; "
            f"got {vocabulary!r}"
        )
    words = []
    for word in vocabulary:
        if not isinstance(word, str) or not word.strip():
            raise ParameterError(f"vocabulary holds {word!r}, which is not a word")
        word = word.strip()
        if (
            word in (".", "..")
            or word.startswith((".", "_"))
            or any(c in word for c in '/\\:*?"<>|')
            or any(ord(c) < 32 for c in word)
            or len(word) > 60
        ):
            raise ParameterError(
                f"vocabulary word {word!r} cannot be a folder name (or, starting with _, "
                f"names a background class): use letters, digits, spaces, hyphens or apostrophes"
            )
        words.append(word)
    lowered = [w.lower() for w in words]
    duplicates = sorted({w for w in lowered if lowered.count(w) > 1})
    if duplicates:
        raise ParameterError(f"vocabulary lists {', '.join(map(repr, duplicates))} more than once")
    return tuple(words)


def _check_snr(noise_snr_db: object) -> tuple[float, float] | None:
    if noise_snr_db is None:
        return None
    if (
        not isinstance(noise_snr_db, Sequence)
        or isinstance(noise_snr_db, str)
        or len(noise_snr_db) != 2
    ):
        raise ParameterError(
            f"noise_snr_db must be a pair (low, high) in dB or None, got {noise_snr_db!r}"
        )
    values = []
    for value in noise_snr_db:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(f"noise_snr_db must hold two numbers, got {noise_snr_db!r}")
        if not math.isfinite(float(value)):
            raise ParameterError(f"noise_snr_db must be finite, got {noise_snr_db!r}")
        values.append(float(value))
    low, high = values
    if low > high:
        raise ParameterError(f"noise_snr_db=({low}, {high}): the low end is above the high end")
    if low < -20 or high > 100:
        raise ParameterError(f"noise_snr_db must lie between -20 and 100 dB, got {noise_snr_db!r}")
    return (low, high)


def _check_fractions(splits: object) -> tuple[float, float, float]:
    if (
        not isinstance(splits, Sequence)
        or isinstance(splits, str)
        or len(splits) != 3
    ):
        raise ParameterError(
            f"splits must be three fractions (train, val, test), got {splits!r}"
        )
    values = []
    for value in splits:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(f"splits must hold three numbers, got {splits!r}")
        if not 0.0 <= float(value) <= 1.0:
            raise ParameterError(f"splits must be fractions between 0 and 1, got {splits!r}")
        values.append(float(value))
    if abs(sum(values) - 1.0) > 1e-6:
        raise ParameterError(f"splits must add up to 1, got {splits!r} (sum {sum(values):g})")
    if values[0] <= 0:
        raise ParameterError(f"splits must give the training split a share, got {splits!r}")
    return (values[0], values[1], values[2])


def _check_list(name: str, values: object, check, default: tuple) -> tuple:
    if values is None:
        return tuple(check(v) for v in default)
    if isinstance(values, str) or not isinstance(values, Sequence) or len(values) == 0:
        raise ParameterError(f"{name} must be a non-empty list or None, got {values!r}")
    checked = tuple(check(v) for v in values)
    if len(set(checked)) != len(checked):
        raise ParameterError(f"{name} lists a name twice: {values!r}")
    return checked


#: The synthesisers other than eSpeak NG, by the prefix of their voice names.
_ENGINES = {flite.PREFIX: flite, festival.PREFIX: festival}


def _engine(voice: str):
    """The module of the synthesiser that speaks ``voice``: Flite, Festival, or None for eSpeak NG."""
    for prefix, engine in _ENGINES.items():
        if voice.strip().lower().startswith(prefix):
            return engine
    return None


def installed_voices() -> list[str]:
    """eSpeak NG's default voices, with those of Flite's and Festival's that are installed.

    The widest choice of synthetic voices on this machine for
    ``make_speech_dataset(voices=...)``: the README's synthetic-speech recipe
    (``audiolab data speech --flite --festival``) where everything is
    installed, eSpeak NG's voices alone where nothing is. A Festival with
    some of its voices (Debian packages each one separately) adds those.

    Examples
    --------
    >>> installed_voices()[:2]
    ['en', 'en-029']
    """
    voices = list(espeak.DEFAULT_VOICES)
    for engine in _ENGINES.values():
        if engine.available():
            voices += [voice for voice in engine.DEFAULT_VOICES if _is_installed(engine, voice)]
    return voices


def _is_installed(engine: Any, voice: str) -> bool:
    try:
        engine.check_voice(voice)
    except AudiolabError:
        return False
    return True


def _check_voice(voice: object) -> str:
    """An eSpeak NG voice (``"en-us"``), a Flite (``"flite:rms"``) or Festival voice (``"festival:ked"``)."""
    engine = _engine(voice) if isinstance(voice, str) else None
    return (engine or espeak).check_voice(voice)


def _check_n_jobs(n_jobs: object) -> int:
    if n_jobs is None:
        return max(1, min(2, os.cpu_count() or 1))
    return check_positive_int("n_jobs", n_jobs)


def _split_counts(n_speakers: int, fractions: tuple[float, float, float]) -> tuple[int, int, int]:
    """Speakers per split: rounded shares, at least one where the share is not 0."""
    needed = sum(1 for f in fractions if f > 0)
    if n_speakers < needed:
        raise ParameterError(
            f"per_class / takes gives {n_speakers} synthetic speaker(s), too few for "
            f"{needed} splits by speaker; raise per_class or set splits=(1, 0, 0)"
        )
    counts = [0, 0, 0]
    for i in (1, 2):
        if fractions[i] > 0:
            counts[i] = max(1, int(round(fractions[i] * n_speakers)))
    counts[0] = n_speakers - counts[1] - counts[2]
    while counts[0] < 1:  # tiny numbers of speakers: take back from the larger split
        j = 1 if counts[1] >= counts[2] else 2
        counts[j] -= 1
        counts[0] += 1
    return counts[0], counts[1], counts[2]


@dataclass(frozen=True)
class _Speaker:
    index: int
    voice: str
    variant: str | None
    rate: int
    pitch: int
    pitch_range: int
    split: str

    @property
    def name(self) -> str:
        return f"spk{self.index:04d}"


def _speakers(params: dict[str, Any]) -> list[_Speaker]:
    seed = params["seed"]
    n_speakers = params["per_class"] // params["takes"]
    voices = params["voices"]
    variants = [v or None for v in params["variants"]]
    counts = _split_counts(n_speakers, tuple(params["splits"]))
    order = np.random.default_rng([seed, 3, n_speakers]).permutation(n_speakers)
    split_of = {}
    for position, index in enumerate(order):
        if position < counts[0]:
            split_of[int(index)] = "train"
        elif position < counts[0] + counts[1]:
            split_of[int(index)] = "val"
        else:
            split_of[int(index)] = "test"
    speakers = []
    for index in range(n_speakers):
        rng = np.random.default_rng([seed, 1, index])
        voice = voices[int(rng.integers(len(voices)))]
        variant = variants[int(rng.integers(len(variants)))]
        speakers.append(
            _Speaker(
                index=index,
                voice=voice,
                # eSpeak's variants change its formant synthesiser; the others have none.
                variant=None if _engine(voice) else variant,
                rate=int(rng.integers(_RATE[0], _RATE[1] + 1)),
                pitch=int(rng.integers(_PITCH[0], _PITCH[1] + 1)),
                pitch_range=int(rng.integers(_PITCH_RANGE[0], _PITCH_RANGE[1] + 1)),
                split=split_of[index],
            )
        )
    return speakers


def _parameters(
    vocabulary, per_class, takes, sr, duration, seed, noise_snr_db, voices, variants, splits,
    unknown=False, silence=False,
) -> dict[str, Any]:
    words = _check_words(vocabulary)
    for name, value in (("unknown", unknown), ("silence", silence)):
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterError(f"{name} must be True or False, got {value!r}")
    per_class = check_positive_int("per_class", per_class)
    if per_class > MAX_PER_CLASS:
        raise ParameterError(f"per_class must be at most {MAX_PER_CLASS:,}, got {per_class:,}")
    takes = check_positive_int("takes", takes)
    if per_class % takes:
        raise ParameterError(
            f"per_class={per_class} must be a multiple of takes={takes} "
            f"(every speaker says every word {takes} times)"
        )
    sr = check_positive_int("sr", sr)
    if not 4000 <= sr <= 96000:
        raise ParameterError(f"sr must be between 4000 and 96000 Hz, got {sr}")
    duration = check_positive("duration", duration)
    if not 0.2 <= duration <= 30.0:
        raise ParameterError(f"duration must be between 0.2 and 30 seconds, got {duration}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    snr = _check_snr(noise_snr_db)
    voice_names = _check_list("voices", voices, _check_voice, espeak.DEFAULT_VOICES)
    variant_names = _check_list("variants", variants, espeak.check_variant, espeak.DEFAULT_VARIANTS)
    fractions = _check_fractions(splits)
    _split_counts(per_class // takes, fractions)
    breathy = sorted(set(v for v in variant_names if v) & set(espeak.breathy_variants()))
    if breathy:
        warnings.warn(
            f"variants {', '.join(breathy)} add eSpeak NG's breath noise, which differs from "
            f"one process to the next: their clips will not be byte-for-byte reproducible",
            AudiolabWarning,
            stacklevel=4,
        )
    params = {
        "vocabulary": list(words),
        "per_class": per_class,
        "takes": takes,
        "sr": sr,
        "duration": float(duration),
        "seed": int(seed),
        "noise_snr_db": None if snr is None else list(snr),
        "voices": list(voice_names),
        "variants": [v or "" for v in variant_names],
        "splits": list(fractions),
        "generator": GENERATOR_VERSION,
    }
    if unknown or silence:
        params.update(unknown=bool(unknown), silence=bool(silence), background=BACKGROUND_VERSION)
    return params


# ---------------------------------------------------------------------------
# One clip
# ---------------------------------------------------------------------------


def _noise(rng: np.random.Generator, n: int, colour: str, sr: int) -> NDArray[np.float64]:
    white = rng.standard_normal(n)
    if colour == "white":
        noise = white
    else:
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(n, d=1.0 / sr)
        exponent = 0.5 if colour == "pink" else 1.0
        spectrum *= 1.0 / np.maximum(freqs, 20.0) ** exponent
        spectrum[0] = 0.0
        noise = np.fft.irfft(spectrum, n=n)
    rms = float(np.sqrt(np.mean(noise**2)))
    return noise / rms if rms > 0 else noise


def _trim(y: NDArray[np.float32], sr: int) -> NDArray[np.float32]:
    """Cut eSpeak's leading and trailing silence (40 dB below the peak), keep 10 ms."""
    peak = float(np.max(np.abs(y)))
    loud = np.flatnonzero(np.abs(y) > peak * 10 ** (-_TRIM_DB / 20))
    margin = int(0.01 * sr)
    start = max(0, int(loud[0]) - margin)
    stop = min(len(y), int(loud[-1]) + 1 + margin)
    return y[start:stop]


def _say_to_fit(word: str, speaker: _Speaker, rate: int, pitch: int, pitch_range: int,
                sr: int, max_len: int) -> tuple[NDArray[np.float32], int]:
    """Synthesise, trim and resample; speak faster until the word fits ``max_len``."""
    from ..io import resample

    engine = _engine(speaker.voice)
    for _attempt in range(6):
        if engine is not None:
            y, native_sr = engine.synthesize_native(
                word, voice=speaker.voice, rate=rate, pitch=pitch, pitch_range=pitch_range
            )
        else:
            y, native_sr = espeak.synthesize_native(
                word, voice=speaker.voice, variant=speaker.variant, rate=rate, pitch=pitch,
                pitch_range=pitch_range, volume=100,
            )
        y = _trim(y, native_sr)
        if native_sr != sr:
            y = resample(y, orig_sr=native_sr, target_sr=sr)
        if len(y) <= max_len:
            return y, rate
        if rate >= espeak.RATE_LIMITS[1]:
            break
        rate = min(espeak.RATE_LIMITS[1], int(math.ceil(rate * len(y) / (0.95 * max_len))) + 1)
    raise ParameterError(
        f"the word {word!r} lasts {len(y) / sr:.2f} s even when spoken at {rate} words per "
        f"minute by {speaker.voice}, more than {_MAX_FILL:.0%} of "
        f"duration={max_len / _MAX_FILL / sr:.2f} s; use a longer duration"
    )


def _render_clip(spec: dict[str, Any], speaker: _Speaker, params: dict[str, Any],
                 out_dir: str) -> dict[str, Any]:
    sr = params["sr"]
    n = int(round(params["duration"] * sr))
    rng = np.random.default_rng(spec["seed"])
    # Draw every random number in a fixed order, whatever the clip turns out to be.
    rate = int(round(speaker.rate * (1 + rng.uniform(-_RATE_JITTER, _RATE_JITTER))))
    pitch = int(np.clip(speaker.pitch + rng.integers(-_PITCH_JITTER, _PITCH_JITTER + 1), 0, 100))
    pitch_range = int(
        np.clip(speaker.pitch_range + rng.integers(-_RANGE_JITTER, _RANGE_JITTER + 1), 0, 100)
    )
    rate = int(np.clip(rate, *espeak.RATE_LIMITS))
    position = rng.random()
    colour = _NOISE_COLOURS[int(rng.integers(len(_NOISE_COLOURS)))]
    snr_range = params["noise_snr_db"]
    snr = float(rng.uniform(*snr_range)) if snr_range is not None else None
    peak = 10 ** (rng.uniform(*_PEAK_DBFS) / 20)
    noise_rng = np.random.default_rng(rng.integers(2**63))

    text = spec.get("text", spec["word"])
    speech, rate = _say_to_fit(text, speaker, rate, pitch, pitch_range, sr, int(_MAX_FILL * n))
    offset = int(position * (n - len(speech) + 1))
    mix = np.zeros(n, dtype=np.float64)
    mix[offset : offset + len(speech)] = speech
    if snr is not None:
        speech_power = float(np.mean(speech.astype(np.float64) ** 2))
        mix += _noise(noise_rng, n, colour, sr) * math.sqrt(speech_power / 10 ** (snr / 10))
    mix *= peak / float(np.max(np.abs(mix)))
    path = Path(out_dir) / spec["file"]
    sf.write(str(path), mix.astype(np.float32), sr, format="WAV", subtype="PCM_16")
    return {
        "file": spec["file"],
        "label": spec["word"],
        "speaker": speaker.name,
        "take": spec["take"],
        "voice": speaker.voice,
        "variant": speaker.variant or "",
        "rate": rate,
        "pitch": pitch,
        "pitch_range": pitch_range,
        "noise": colour if snr is not None else "",
        "snr": f"{snr:.2f}" if snr is not None else "",
        "offset": f"{offset / sr:.4f}",
        "speech_duration": f"{len(speech) / sr:.4f}",
        "peak": f"{peak:.4f}",
        "split": speaker.split,
        "text": text,
        "sha256": file_sha256(path),
    }


def _background(rng: np.random.Generator, kind: str, n: int, sr: int) -> NDArray[np.float64]:
    """``n`` samples of one kind of background (:data:`BACKGROUND_KINDS`), peak below 1."""
    def level(low_high: tuple[float, float]) -> float:
        return 10 ** (rng.uniform(*low_high) / 20)

    if kind == "silence":
        return np.zeros(n)
    if kind in _NOISE_COLOURS:
        y = _noise(rng, n, kind, sr) * level(_NOISE_DBFS)
    elif kind == "room":  # low rumble and a mains hum with two harmonics
        t = np.arange(n) / sr
        mains = 50.0 if rng.random() < 0.5 else 60.0
        hum = sum(rng.uniform(0.1, 0.5) / k * np.sin(2 * np.pi * k * mains * t + rng.uniform(0, 2 * np.pi))
                  for k in (1, 2, 3))
        y = _noise(rng, n, "brown", sr) + hum
        y *= level(_ROOM_DBFS) / float(np.sqrt(np.mean(y**2)))
    elif kind == "clicks":  # a few short decaying bursts over a faint floor
        y = _noise(rng, n, "white", sr) * 10 ** (-80 / 20)
        for _ in range(int(rng.integers(1, 6))):
            length = max(2, int(sr * rng.uniform(0.001, 0.005)))
            start = int(rng.integers(0, max(1, n - length)))
            burst = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4))
            burst *= level(_CLICK_DBFS) / float(np.max(np.abs(burst)))
            y[start : start + length] += burst[: n - start]
    elif kind == "breath":  # one or two bursts of band-passed noise, swelling and fading
        y = _noise(rng, n, "white", sr) * 10 ** (-80 / 20)
        for _ in range(int(rng.integers(1, 3))):
            length = min(n, int(sr * rng.uniform(0.25, 0.6)))
            low, high = rng.uniform(300, 800), rng.uniform(2000, min(5000, 0.45 * sr))
            spectrum = np.fft.rfft(rng.standard_normal(length))
            freqs = np.fft.rfftfreq(length, d=1.0 / sr)
            spectrum[(freqs < low) | (freqs > high)] = 0.0
            burst = np.fft.irfft(spectrum, n=length) * np.hanning(length) ** 1.5
            burst *= level(_BREATH_DBFS) / max(float(np.sqrt(np.mean(burst**2))), 1e-12)
            start = int(rng.integers(0, n - length + 1))
            y[start : start + length] += burst
    else:  # pragma: no cover - the plan only asks for known kinds
        raise ParameterError(f"unknown background kind {kind!r}")
    return np.clip(y, -0.99, 0.99)


def _render_background(spec: dict[str, Any], speaker: _Speaker, params: dict[str, Any],
                       out_dir: str) -> dict[str, Any]:
    """A ``_silence_`` clip: written like the words (rate, length, PCM), in the speaker's split."""
    sr = params["sr"]
    n = int(round(params["duration"] * sr))
    y = _background(np.random.default_rng(spec["seed"]), spec["kind"], n, sr)
    path = Path(out_dir) / spec["file"]
    sf.write(str(path), y.astype(np.float32), sr, format="WAV", subtype="PCM_16")
    return {
        "file": spec["file"], "label": spec["word"], "speaker": speaker.name,
        "take": spec["take"], "voice": "", "variant": "", "rate": "", "pitch": "",
        "pitch_range": "", "noise": spec["kind"], "snr": "", "offset": "0.0000",
        "speech_duration": "0.0000", "peak": f"{float(np.max(np.abs(y))):.4f}",
        "split": speaker.split, "text": "", "sha256": file_sha256(path),
    }


def _render_task(task: dict[str, Any]) -> list[dict[str, Any]]:
    """Render a fixed group of speakers (in a fresh process: see ``_worker.py``)."""
    params = task["params"]
    speakers = {s.index: s for s in _speakers(params)}
    rows = []
    for spec in task["clips"]:
        render = _render_background if "kind" in spec else _render_clip
        rows.append(render(spec, speakers[spec["speaker"]], params, task["out_dir"]))
    return rows


def _plan(params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every clip, in a canonical order, grouped into tasks of whole speakers."""
    words = params["vocabulary"]
    takes = params["takes"]
    n_speakers = params["per_class"] // takes
    width = max(4, len(str(params["per_class"] - 1)))
    per_speaker = len(_classes(params)) * takes
    others = _unknown_words(words)
    others = [others[i] for i in np.random.default_rng([params["seed"], 4]).permutation(len(others))]
    speakers_per_task = max(1, _CLIPS_PER_TASK // per_speaker)
    tasks: list[list[dict[str, Any]]] = []
    for first in range(0, n_speakers, speakers_per_task):
        clips = []
        for s in range(first, min(n_speakers, first + speakers_per_task)):
            for word in words:
                word_key = zlib.crc32(word.encode("utf-8"))
                for t in range(takes):
                    clips.append({
                        "word": word,
                        "speaker": s,
                        "take": t,
                        "seed": [params["seed"], 2, s, word_key, t],
                        "file": f"{word}/{s * takes + t:0{width}d}.wav",
                    })
            for t in range(takes):
                i = s * takes + t  # the clip's number; every other word in turn, in a shuffled order
                extra = {"speaker": s, "take": t, "file": f"{{}}/{i:0{width}d}.wav"}
                if params.get("unknown"):
                    key = zlib.crc32(UNKNOWN_CLASS.encode("utf-8"))
                    clips.append({**extra, "word": UNKNOWN_CLASS, "text": others[i % len(others)],
                                  "seed": [params["seed"], 2, s, key, t],
                                  "file": extra["file"].format(UNKNOWN_CLASS)})
                if params.get("silence"):
                    key = zlib.crc32(SILENCE_CLASS.encode("utf-8"))
                    kind = BACKGROUND_KINDS[(i + params["seed"]) % len(BACKGROUND_KINDS)]
                    clips.append({**extra, "word": SILENCE_CLASS, "kind": kind,
                                  "seed": [params["seed"], 2, s, key, t],
                                  "file": extra["file"].format(SILENCE_CLASS)})
        tasks.append(clips)
    return tasks


# ---------------------------------------------------------------------------
# Running the tasks in fresh processes
# ---------------------------------------------------------------------------


def _worker_command() -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a worker: this interpreter, this audiolab."""
    if not sys.executable:  # pragma: no cover - embedded interpreters
        raise SynthesisError("cannot start worker processes: sys.executable is not set")
    package_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    # -P: do not put the current folder first on sys.path (a stray "audiolab"
    # folder there must not shadow this package).
    return [sys.executable, "-P", "-m", "audiolab.datasets._worker"], env


_WORKER_ERRORS = {
    "ParameterError": ParameterError,
    "SynthesisError": SynthesisError,
    "DatasetError": DatasetError,
}


def _run_tasks(tasks: list[dict[str, Any]], n_jobs: int) -> Iterator[list[dict[str, Any]]]:
    """Yield each task's rows as it finishes; every task runs in a fresh interpreter.

    eSpeak NG keeps state between utterances, so a task must start from a
    fresh process for its output not to depend on what ran before it. Up to
    ``n_jobs`` worker processes run at once; all are stopped if the caller
    stops (an error, or Ctrl-C).
    """
    import subprocess
    import threading
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    command, env = _worker_command()
    running: set[subprocess.Popen] = set()
    lock = threading.Lock()
    stopping = threading.Event()

    def run(task: dict[str, Any]) -> list[dict[str, Any]]:
        if stopping.is_set():
            return []
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env, text=True)
        with lock:
            running.add(process)
        try:
            out, err = process.communicate(json.dumps(task))
        finally:
            with lock:
                running.discard(process)
        if stopping.is_set():
            return []
        try:
            # The answer is the last line: anything a library prints comes before it.
            lines = (out or "").strip().splitlines()
            answer = json.loads(lines[-1]) if process.returncode == 0 and lines else None
        except ValueError:
            answer = None
        if answer is None:
            detail = (err or "").strip().splitlines()[-20:]
            raise SynthesisError(
                "a speech worker process failed (exit status "
                f"{process.returncode}):\n" + "\n".join(detail)
            )
        if "error" in answer:
            raise _WORKER_ERRORS.get(answer["error"], SynthesisError)(answer["message"])
        return answer["rows"]

    executor = ThreadPoolExecutor(max_workers=min(n_jobs, len(tasks)))
    try:
        pending = {executor.submit(run, task) for task in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        stopping.set()
        with lock:
            for process in running:
                process.kill()
        executor.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------
# Manifest, metadata, cache
# ---------------------------------------------------------------------------


def read_manifest(path: PathLike) -> dict[str, Any] | None:
    """Return a dataset folder's ``manifest.json`` as a dict, or None if it has none.

    Parameters
    ----------
    path : str or os.PathLike
        A folder made by :func:`make_speech_dataset` (or ``audiolab data fsdd``).

    Returns
    -------
    dict or None
        The manifest: ``format``, ``parameters``, ``n_clips``, ``class_names``,
        ``counts`` (per split), ``content_sha256``, versions. None if the
        folder has no readable manifest.

    Examples
    --------
    >>> read_manifest(speech_digits(per_class=10))["n_clips"]  # doctest: +SKIP
    100

    Used from lesson 04 on.
    """
    return read_manifest_file(Path(path))


def _is_complete(folder: Path, manifest: dict[str, Any]) -> bool:
    try:
        expected = int(manifest["n_clips"])
        classes = list(manifest["class_names"])
    except (KeyError, TypeError, ValueError):
        return False
    if not (folder / METADATA).is_file():
        return False
    # Every clip is a 16-bit mono WAV of the same length: a cheap size check finds one
    # truncated (or replaced) after the dataset was made; data info --verify checks hashes.
    try:
        params = manifest["parameters"]
        size = 44 + 2 * int(round(float(params["duration"]) * int(params["sr"])))
    except (KeyError, TypeError, ValueError):
        return False
    found = 0
    for name in classes:
        try:
            for entry in os.scandir(folder / name):
                if entry.name.endswith(".wav"):
                    if entry.stat().st_size != size or not wav_intact(Path(entry.path)):
                        return False
                    found += 1
        except OSError:
            return False
    return found == expected


def _write_metadata(folder: Path, rows: list[dict[str, Any]], params: dict[str, Any]) -> None:
    # What an _unknown_ clip says is in a last column, in the datasets that have them.
    columns = (*_METADATA_COLUMNS, "text") if params.get("unknown") else _METADATA_COLUMNS
    buffer = _io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: r["file"]):
        writer.writerow(row)
    (folder / METADATA).write_text(buffer.getvalue(), encoding="utf-8")


def _write_manifest(folder: Path, params: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    entries = [(r["file"], r["sha256"]) for r in rows]
    entries.append((METADATA, file_sha256(folder / METADATA)))
    counts = {split: sum(1 for r in rows if r["split"] == split) for split in ("train", "val", "test")}
    speakers = {split: len({r["speaker"] for r in rows if r["split"] == split})
                for split in ("train", "val", "test")}
    manifest = {
        "format": _FORMAT,
        "parameters": params,
        "n_clips": len(rows),
        "class_names": sorted(_classes(params)),
        "counts": counts,
        "speakers": speakers,
        "content_sha256": tree_sha256(entries),
        "audiolab": __version__,
        "espeak_ng": espeak.espeak_info()["version"],
        "license": "generated by audiolab with eSpeak NG; the audio is the project's own",
    }
    engines = ["eSpeak NG"]
    if any(v.startswith(flite.PREFIX) for v in params["voices"]):
        manifest["flite"] = flite.flite_info()["version"]
        engines.append("Flite")
    if any(v.startswith(festival.PREFIX) for v in params["voices"]):
        manifest["festival"] = festival.festival_info()["version"]
        engines.append("Festival")
    if len(engines) > 1:
        manifest["license"] = (
            f"generated by audiolab with {', '.join(engines[:-1])} and {engines[-1]}; "
            "the audio is the project's own"
        )
    write_manifest(folder, manifest)


def _make(
    out_dir: PathLike,
    *,
    vocabulary: str | Sequence[str] = "digits",
    per_class: int = 100,
    takes: int = 1,
    sr: int = 16000,
    duration: float = 1.0,
    seed: int = 0,
    noise_snr_db: tuple[float, float] | None = (10.0, 40.0),
    voices: Sequence[str] | None = None,
    variants: Sequence[str | None] | None = None,
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1),
    unknown: bool = False,
    silence: bool = False,
    overwrite: bool = False,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> tuple[Path, bool]:
    """:func:`make_speech_dataset`, also saying whether it generated anything."""
    out_dir = as_path("out_dir", out_dir)
    params = _parameters(
        vocabulary, per_class, takes, sr, duration, seed, noise_snr_db, voices, variants, splits,
        unknown, silence,
    )
    if not isinstance(overwrite, bool):
        raise ParameterError(f"overwrite must be True or False, got {overwrite!r}")
    n_jobs = _check_n_jobs(n_jobs)
    n_clips = len(_classes(params)) * params["per_class"]
    show = auto_progress(progress, n_clips)

    def build(work: Path) -> None:
        _, disk, memory = _needs(params)
        check_room(out_dir, disk=disk, memory=memory, cause="per_class (or duration, sr)",
                   what=f"{n_clips:,} clips of {params['duration']:g} s at {params['sr']} Hz")
        for word in _classes(params):
            (work / word).mkdir()
        tasks = [
            {"params": params, "clips": clips, "out_dir": str(work.resolve())}
            for clips in _plan(params)
        ]
        rows: list[dict[str, Any]] = []
        bar = progress_bar(n_clips, enabled=show, desc=f"speech {out_dir.name}")
        try:
            for task_rows in _run_tasks(tasks, n_jobs):
                rows.extend(task_rows)
                bar.update(len(task_rows))
        finally:
            bar.close()
        _write_metadata(work, rows, params)
        _write_manifest(work, params, rows)

    return cached_folder(
        out_dir, format=_FORMAT, parameters=params, build=build, is_complete=_is_complete,
        replace=overwrite, what="a speech dataset", foreign="a dataset made by make_speech_dataset",
    )


def make_speech_dataset(
    out_dir: PathLike,
    *,
    vocabulary: str | Sequence[str] = "digits",
    per_class: int = 100,
    takes: int = 1,
    sr: int = 16000,
    duration: float = 1.0,
    seed: int = 0,
    noise_snr_db: tuple[float, float] | None = (10.0, 40.0),
    voices: Sequence[str] | None = None,
    variants: Sequence[str | None] | None = None,
    splits: tuple[float, float, float] = (0.8, 0.1, 0.1),
    unknown: bool = False,
    silence: bool = False,
    overwrite: bool = False,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> Path:
    """Synthesise a class-per-folder dataset of spoken words with eSpeak NG (and Flite).

    Parameters
    ----------
    out_dir : str or os.PathLike
        The dataset folder to create. If it already holds a complete dataset
        made with the same arguments, it is returned at once.
    vocabulary : {"digits", "commands"} or list of str
        ``"digits"`` is zero..nine, ``"commands"`` is yes, no, up, down, left,
        right, stop, go (the mini Speech Commands keywords); or your own words.
    per_class : int
        Clips per word. There are ``per_class // takes`` synthetic speakers.
    takes : int
        How many times each speaker says each word (with small jitter in rate
        and pitch). ``per_class`` must be a multiple of it.
    sr : int
        Sample rate of the files, in Hz.
    duration : float
        Length of every clip, in seconds. The word is placed at a random
        offset; a word that would fill more than 90 % of the window is spoken
        faster, never cut off (an error says so if even eSpeak's fastest rate
        is too slow).
    seed : int
        Seed of everything random; the same arguments give byte-identical
        files (on the same platform and eSpeak NG build, and for variants
        without breath noise: see :func:`breathy_variants`).
    noise_snr_db : (float, float) or None
        Background noise (white, pink or brown, chosen per clip) at an SNR
        drawn uniformly from this range in dB; None for clean speech.
    voices, variants : list of str or None
        eSpeak voices and variants the speakers are drawn from (defaults:
        ``DEFAULT_VOICES``, ``DEFAULT_VARIANTS``; see :func:`list_voices`).
        A variant of None means the voice's own. Voices may also be Flite's
        (``"flite:kal"``, ``"flite:awb"``, ``"flite:rms"``, ``"flite:slt"``;
        all four are ``FLITE_VOICES``), which need the ``flite`` program, or
        Festival's (``"festival:kal"``, ``"festival:ked"``, ``"festival:slt"``:
        ``FESTIVAL_VOICES``), which need the ``festival`` program and its
        voices; variants do not apply to either.
    splits : (float, float, float)
        Train, validation and test shares, by speaker: no synthetic speaker is
        in two splits. Recorded in ``metadata.csv``'s ``split`` column.
    unknown : bool
        Add an ``_unknown_`` class of other words, as keyword spotters learn
        (Speech Commands, TFLite Micro's micro_speech): ``per_class`` clips,
        each speaker saying ``takes`` words of :data:`UNKNOWN_WORDS` (never a
        keyword of any vocabulary, nor of ``vocabulary``), each word in turn
        in a shuffled order; what was said is ``metadata.csv``'s ``text``.
    silence : bool
        Add a ``_silence_`` class of ``per_class`` background clips, as long
        as the words and in the same splits: white, pink and brown noise from
        -70 to -25 dBFS, a low room tone with mains hum, sparse clicks,
        breath-like bursts of filtered noise, and digital silence (zeros), in
        turn (:data:`BACKGROUND_KINDS`; the kind is ``metadata.csv``'s
        ``noise``). Background classes start with ``_``: ``audiolab predict``
        and the streaming detector never report them as words heard.
    overwrite : bool
        Replace ``out_dir`` if it holds a dataset made by this function with
        other arguments. Folders not made by this function are never deleted.
    n_jobs : int or None
        Worker processes (None: up to 2). Output does not depend on it.
    progress : bool or None
        Show a progress bar; None shows one for 500 clips or more, in a terminal
        (a notebook shows none unless asked: True draws a widget there).

    Returns
    -------
    pathlib.Path
        ``out_dir``, holding ``<word>/<n>.wav`` (16-bit PCM, peak below
        -1 dBFS), ``metadata.csv`` (file, label, speaker, take, voice,
        variant, rate, pitch, pitch_range, noise, snr, offset,
        speech_duration, peak, split; and text with ``unknown``) and
        ``manifest.json`` (the parameters, counts and a SHA-256 of the content).

    Raises
    ------
    ParameterError
        If an argument is invalid (checked before any work), e.g. an unknown
        voice, too few speakers for the splits, or a word starting with ``_``.
    DatasetError
        If ``out_dir`` exists and holds something else (a dataset with other
        parameters, without ``overwrite=True``; or files not made here).
    SynthesisError
        If eSpeak NG cannot be loaded, or Flite or Festival voices are asked
        for and their program is not installed.

    See Also
    --------
    speech_digits, speech_commands, load_folder, synthesize

    Notes
    -----
    Files are built in a hidden sibling folder and renamed into place at the
    end, so an interrupted run never leaves a folder that looks complete.
    Synthesis runs in fresh worker processes (eSpeak NG keeps state between
    utterances), a group of speakers per process.

    Examples
    --------
    >>> path = make_speech_dataset("digits", per_class=20, seed=1)  # doctest: +SKIP
    >>> ds = load_folder(path)  # doctest: +SKIP
    >>> ds.class_names[:3], len(ds)  # doctest: +SKIP
    (['eight', 'five', 'four'], 200)
    >>> spotter = make_speech_dataset("kws", vocabulary="commands", per_class=20,
    ...                               unknown=True, silence=True)  # doctest: +SKIP
    >>> load_folder(spotter).class_names[:3]  # doctest: +SKIP
    ['_silence_', '_unknown_', 'down']

    Used from lesson 04 on; lesson 05 ("preparing a dataset") looks inside.
    """
    path, _created = _make(
        out_dir, vocabulary=vocabulary, per_class=per_class, takes=takes, sr=sr,
        duration=duration, seed=seed, noise_snr_db=noise_snr_db, voices=voices,
        variants=variants, splits=splits, unknown=unknown, silence=silence, overwrite=overwrite,
        n_jobs=n_jobs, progress=progress,
    )
    return path


def _cached(vocabulary: str, data_dir: PathLike | None, kwargs: dict[str, Any]) -> Path:
    params = _parameters(
        vocabulary, kwargs["per_class"], kwargs["takes"], kwargs["sr"], kwargs["duration"],
        kwargs["seed"], kwargs["noise_snr_db"], None, None, (0.8, 0.1, 0.1),
        kwargs["unknown"], kwargs["silence"],
    )
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:8]
    name = f"speech-{vocabulary}-{params['per_class']}-{params['sr']}hz-seed{params['seed']}-{key}"
    base = data_home() if data_dir is None else as_path("data_dir", data_dir)
    return make_speech_dataset(base / name, vocabulary=vocabulary, **kwargs)


def speech_digits(
    *,
    per_class: int = 100,
    takes: int = 1,
    sr: int = 16000,
    duration: float = 1.0,
    seed: int = 0,
    noise_snr_db: tuple[float, float] | None = (10.0, 40.0),
    unknown: bool = False,
    silence: bool = False,
    data_dir: PathLike | None = None,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> Path:
    """Return the synthetic spoken digits (zero..nine), generating them once.

    A convenience over :func:`make_speech_dataset` that caches the dataset in
    :func:`data_home` (or ``data_dir``) under a name made from the arguments,
    so every lesson that asks for the same digits shares one copy.

    Parameters
    ----------
    per_class, takes, sr, duration, seed, noise_snr_db, unknown, silence, n_jobs, progress
        As for :func:`make_speech_dataset` (``unknown`` and ``silence`` add
        the ``_unknown_`` and ``_silence_`` classes of a keyword spotter).
    data_dir : str or os.PathLike or None
        Where to cache; None means :func:`data_home`.

    Returns
    -------
    pathlib.Path
        The dataset folder, e.g. ``~/.cache/audiolab/speech-digits-100-16000hz-seed0-1a2b3c4d``.

    Raises
    ------
    ParameterError, DatasetError, SynthesisError
        As for :func:`make_speech_dataset`.

    See Also
    --------
    make_speech_dataset, speech_commands, load_folder

    Examples
    --------
    >>> ds = load_folder(speech_digits(per_class=50))  # doctest: +SKIP
    >>> len(ds), ds.class_names[0]  # doctest: +SKIP
    (500, 'eight')

    Used from lesson 04 on (the course's main dataset).
    """
    kwargs = dict(per_class=per_class, takes=takes, sr=sr, duration=duration, seed=seed,
                  noise_snr_db=noise_snr_db, unknown=unknown, silence=silence, n_jobs=n_jobs,
                  progress=progress)
    return _cached("digits", data_dir, kwargs)


def speech_commands(
    *,
    per_class: int = 100,
    takes: int = 1,
    sr: int = 16000,
    duration: float = 1.0,
    seed: int = 0,
    noise_snr_db: tuple[float, float] | None = (10.0, 40.0),
    unknown: bool = False,
    silence: bool = False,
    data_dir: PathLike | None = None,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> Path:
    """Return the synthetic keywords (yes, no, up, down, left, right, stop, go), cached.

    Like :func:`speech_digits` with the mini Speech Commands vocabulary.

    Parameters
    ----------
    per_class, takes, sr, duration, seed, noise_snr_db, unknown, silence, n_jobs, progress
        As for :func:`make_speech_dataset` (``unknown`` and ``silence`` add
        the ``_unknown_`` and ``_silence_`` classes of a keyword spotter).
    data_dir : str or os.PathLike or None
        Where to cache; None means :func:`data_home`.

    Returns
    -------
    pathlib.Path
        The dataset folder.

    Raises
    ------
    ParameterError, DatasetError, SynthesisError
        As for :func:`make_speech_dataset`.

    See Also
    --------
    speech_digits, load_mini_speech_commands

    Examples
    --------
    >>> load_folder(speech_commands(per_class=10)).class_names  # doctest: +SKIP
    ['down', 'go', 'left', 'no', 'right', 'stop', 'up', 'yes']

    Used from lesson 06 on (keywords for augmentation and transfer).
    """
    kwargs = dict(per_class=per_class, takes=takes, sr=sr, duration=duration, seed=seed,
                  noise_snr_db=noise_snr_db, unknown=unknown, silence=silence, n_jobs=n_jobs,
                  progress=progress)
    return _cached("commands", data_dir, kwargs)
