"""A long synthetic scene with a truth file: what a keyword spotter is tuned and measured on.

:func:`make_scene` writes ``OUT.wav`` (16-bit PCM) and ``OUT.csv``, one row
per event::

    start,end,label,text,speaker,voice,variant,snr_db,background
    1.132,1.604,seven,seven,scene07,en-gb-x-rp,paul,12.4,pink
    3.020,3.571,_unknown_,garden,scene31,en-us,Mike,5.2,pink
    4.810,5.212,_silence_,breath,,,,,pink

The scene is a bed of background, in stretches of 20-40 s (digital silence,
room tone, or white, pink or brown noise), and on it, one after another with
a pause of 0.4-2 s between them: keywords of the vocabulary, other words
(``_unknown_``) and bursts of clicks or breath (``_silence_``). The words are
said by voices no speech dataset of the package uses: eSpeak NG's accents with
:data:`SCENE_VARIANTS`, which :data:`~audiolab.datasets.DEFAULT_VARIANTS`
leaves out, and rates and pitches of their own. Each stretch of noise has an
SNR from ``snr_db`` (speech level over noise level), and every word's own SNR
is in the truth file. The truth is in the format of
:func:`audiolab.evaluate.read_truth`, so ``detection_scores`` scores a
detector on it (background labels are left out of the scoring).

Generation is deterministic for a seed (the words are said in one fresh
worker process, as for the datasets) and atomic (both files appear together
or not at all).

Taught in lesson 12 (deployment: a keyword spotter's recall and false alarms).
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from ..validation import check_bool
from . import espeak
from ._common import PathLike, as_path
from .speech import (
    _PITCH,
    _PITCH_RANGE,
    _RATE,
    SILENCE_CLASS,
    UNKNOWN_CLASS,
    _background,
    _check_words,
    _noise,
    _run_tasks,
    _say_to_fit,
    _Speaker,
    _unknown_words,
)

__all__ = ["make_scene", "Scene", "SCENE_VARIANTS", "SCENE_BACKGROUNDS"]

#: eSpeak NG variants of the scene's voices: human-sounding ones that the speech datasets'
#: :data:`~audiolab.datasets.DEFAULT_VARIANTS` leave out (and none with breath noise, which
#: would not be reproducible), so a model trained on those datasets never heard them.
SCENE_VARIANTS = (
    "adam", "Alex", "Andy", "announcer", "antonio", "benjamin", "boris", "david", "Denis",
    "Diogo", "ed", "edward", "edward2", "Gene", "Gene2", "grandpa", "gustave", "Henrique",
    "Hugo", "ian", "iven", "iven2", "iven3", "iven4", "Jacky", "john", "klatt5", "klatt6", "Lee",
    "marcelo", "Marco", "Mario", "max", "Michael", "michel", "miguel", "Mike", "mike2",
    "norbert", "pablo", "paul", "pedro", "quincy", "rob", "robert", "shelby", "steph2",
    "steph3", "travis", "zac",
)
#: What the bed of each stretch of the scene is.
SCENE_BACKGROUNDS = ("silence", "room", "white", "pink", "brown")
_SPEECH_DBFS = -23.0  # RMS of an average word; each word varies by +-4 dB around it
_LEVEL_JITTER_DB = 4.0
_STRETCH = (20.0, 40.0)  # seconds of one background
_GAP = (0.4, 2.0)  # seconds between events
_SHARES = {"keyword": 0.55, "unknown": 0.30, "burst": 0.15}
_BURST_SECONDS = 0.8
_N_SPEAKERS = 60
_MAX_WORD = 0.9  # seconds: a word fits the course's 1-s window
_MAX_MINUTES = 60.0  # an hour at 16 kHz: 230 MB for the scene, as much for its background
_COLUMNS = ("start", "end", "label", "text", "speaker", "voice", "variant", "snr_db", "background")


class Scene(NamedTuple):
    """The two files :func:`make_scene` writes."""

    audio: Path
    truth: Path


def _check_snrs(snr_db: object) -> tuple[float, ...]:
    if isinstance(snr_db, (str, bytes)) or not isinstance(snr_db, Sequence) or not snr_db:
        raise ParameterError(f"snr_db must be a non-empty list of SNRs in dB, got {snr_db!r}")
    values = []
    for value in snr_db:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not -10 <= float(value) <= 60:
            raise ParameterError(f"snr_db must hold SNRs between -10 and 60 dB, got {value!r}")
        values.append(float(value))
    return tuple(values)


def _check_minutes(minutes: object) -> float:
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(minutes)) or not 0.05 <= float(minutes) <= _MAX_MINUTES:
        raise ParameterError(f"minutes must be between 0.05 and {_MAX_MINUTES:g}, got {minutes!r}")
    return float(minutes)


def _speakers(seed: int) -> list[_Speaker]:
    """The scene's voices: accents of the datasets, variants they never use."""
    speakers = []
    for index in range(_N_SPEAKERS):
        rng = np.random.default_rng([seed, 8, index])
        speakers.append(_Speaker(
            index=index,
            voice=espeak.DEFAULT_VOICES[int(rng.integers(len(espeak.DEFAULT_VOICES)))],
            variant=SCENE_VARIANTS[int(rng.integers(len(SCENE_VARIANTS)))],
            rate=int(rng.integers(_RATE[0], _RATE[1] + 1)),
            pitch=int(rng.integers(_PITCH[0], _PITCH[1] + 1)),
            pitch_range=int(rng.integers(_PITCH_RANGE[0], _PITCH_RANGE[1] + 1)),
            split="scene",
        ))
    return speakers


def _plan(words: tuple[str, ...], seconds: float, seed: int) -> list[dict[str, Any]]:
    """Enough events to fill ``seconds``, in order: what is said or heard, and by whom."""
    rng = np.random.default_rng([seed, 9])
    others = _unknown_words(words)
    kinds = list(_SHARES)
    shares = np.array(list(_SHARES.values()))
    n = int(seconds / (np.mean(_GAP) + 0.3)) + 10  # more than can fit; the rest is dropped
    plan, said = [], {"keyword": 0, "unknown": 0}
    keyword_order = rng.permutation(len(words))
    other_order = rng.permutation(len(others))
    for i in range(n):
        kind = kinds[int(rng.choice(len(kinds), p=shares))]
        event = {"kind": kind, "gap": float(rng.uniform(*_GAP)),
                 "level_db": float(rng.uniform(-_LEVEL_JITTER_DB, _LEVEL_JITTER_DB)),
                 "speaker": int(rng.integers(_N_SPEAKERS)), "seed": [seed, 10, i]}
        if kind == "keyword":
            k = said["keyword"]
            event["text"] = words[int(keyword_order[k % len(words)])]
            if (k + 1) % len(words) == 0:
                keyword_order = rng.permutation(len(words))
            said["keyword"] += 1
        elif kind == "unknown":
            event["text"] = others[int(other_order[said["unknown"] % len(others)])]
            said["unknown"] += 1
        else:
            event["text"] = ("clicks", "breath")[int(rng.integers(2))]
        plan.append(event)
    return plan


def _render_utterances(task: dict[str, Any]) -> list[dict[str, Any]]:
    """Say every word of ``task`` (in a fresh worker process); each saved as ``.npy``."""
    sr = task["sr"]
    speakers = {s.index: s for s in _speakers(task["seed"])}
    rows = []
    for item in task["utterances"]:
        speaker = speakers[item["speaker"]]
        rng = np.random.default_rng(item["seed"])
        rate = int(np.clip(round(speaker.rate * rng.uniform(0.94, 1.06)), *espeak.RATE_LIMITS))
        y, _ = _say_to_fit(item["text"], speaker, rate, speaker.pitch, speaker.pitch_range,
                           sr, int(_MAX_WORD * sr))
        np.save(Path(task["out_dir"]) / item["file"], y.astype(np.float32))
        rows.append({"file": item["file"]})
    return rows


def _say_all(plan: list[dict[str, Any]], sr: int, seed: int, work: Path) -> dict[int, NDArray]:
    """Every word of ``plan`` as a waveform, by the event's index."""
    utterances = [{"text": e["text"], "speaker": e["speaker"], "seed": e["seed"],
                   "file": f"{i:05d}.npy"}
                  for i, e in enumerate(plan) if e["kind"] != "burst"]
    task = {"render": "scene", "sr": sr, "seed": seed, "utterances": utterances,
            "out_dir": str(work)}
    for _rows in _run_tasks([task], 1):
        pass
    return {int(u["file"][:5]): np.load(work / u["file"]) for u in utterances}


def _bed(n: int, sr: int, snrs: tuple[float, ...], seed: int) -> tuple[NDArray, list[tuple[int, str, float]]]:
    """The background: stretches of one kind each; returns it and (first sample, kind, SNR) per stretch."""
    rng = np.random.default_rng([seed, 11])
    bed = np.zeros(n, np.float32)
    stretches = []
    start = 0
    speech_rms = 10 ** (_SPEECH_DBFS / 20)
    while start < n:
        length = min(n - start, int(rng.uniform(*_STRETCH) * sr))
        kind = SCENE_BACKGROUNDS[int(rng.integers(len(SCENE_BACKGROUNDS)))]
        snr = float(snrs[int(rng.integers(len(snrs)))])
        noise_rng = np.random.default_rng(rng.integers(2**63))
        if kind != "silence":
            piece = (_noise(noise_rng, length, kind, sr) if kind != "room"
                     else _background(noise_rng, "room", length, sr))
            rms = float(np.sqrt(np.mean(piece**2)))
            bed[start : start + length] = piece * (speech_rms / 10 ** (snr / 20) / max(rms, 1e-12))
        stretches.append((start, kind, snr if kind != "silence" else math.inf))
        start += length
    return bed, stretches


def _stretch_at(stretches: list[tuple[int, str, float]], sample: int) -> tuple[str, float]:
    kind, snr = stretches[0][1:]
    for first, k, s in stretches:
        if first > sample:
            break
        kind, snr = k, s
    return kind, snr


def make_scene(
    out: PathLike,
    *,
    minutes: float = 10.0,
    vocabulary: str | Sequence[str] = "digits",
    snr_db: Sequence[float] = (20.0, 10.0, 5.0),
    sr: int = 16000,
    seed: int = 0,
    overwrite: bool = False,
) -> Scene:
    """Write a long synthetic scene of keywords, other words and background, with its truth.

    Parameters
    ----------
    out : str or path-like
        The audio file to write (``.wav``); the truth goes beside it, with
        the suffix ``.csv``.
    minutes : float
        Length of the scene, 0.05 to 60 minutes (default 10).
    vocabulary : "digits", "commands" or list of str
        The keywords, as for :func:`make_speech_dataset`. The other words are
        those of ``_unknown_`` in the speech datasets (never a keyword).
    snr_db : sequence of float
        SNRs of the noisy stretches, in dB: each stretch of noise takes one
        (a stretch of digital silence has none). Default: 20, 10 and 5 dB.
    sr : int
        Sample rate in Hz, 8000 to 48000.
    seed : int
        Everything random derives from it: the same seed gives the same files.
    overwrite : bool
        Replace ``out`` and its ``.csv`` if they exist (otherwise refuse).

    Returns
    -------
    Scene
        ``audio`` and ``truth``, the two paths written.

    Raises
    ------
    ParameterError
        If an argument is out of range, ``out`` is not a ``.wav`` file name,
        or the files exist and ``overwrite`` is false (before any work).
    SynthesisError
        If eSpeak NG fails.

    See Also
    --------
    audiolab.evaluate.read_truth, audiolab.evaluate.detection_scores,
    audiolab.deploy.StreamingDetector

    Examples
    --------
    >>> scene = make_scene("scene.wav", minutes=2)  # doctest: +SKIP
    >>> truth = read_truth(scene.truth)  # doctest: +SKIP
    >>> sum(e["label"] == "seven" for e in truth)  # doctest: +SKIP
    7

    Taught in lesson 12 (deployment: a keyword spotter's recall and false alarms).
    """
    audio = as_path("out", out)
    if audio.suffix.lower() != ".wav":
        raise ParameterError(f"out must name a .wav file, got {str(out)!r}")
    truth = audio.with_suffix(".csv")
    minutes = _check_minutes(minutes)
    words = _check_words(vocabulary)
    snrs = _check_snrs(snr_db)
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or not 8000 <= sr <= 48000:
        raise ParameterError(f"sr must be a whole number of Hz between 8000 and 48000, got {sr!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    if not check_bool("overwrite", overwrite):
        for path in (audio, truth):
            if path.exists():
                raise ParameterError(f"{path} exists; pass overwrite=True to replace it")
    audio.parent.mkdir(parents=True, exist_ok=True)
    sr, seed = int(sr), int(seed)

    n = int(round(minutes * 60 * sr))
    plan = _plan(words, minutes * 60, seed)
    with tempfile.TemporaryDirectory(prefix=".scene-", dir=audio.parent) as folder:
        work = Path(folder)
        spoken = _say_all(plan, sr, seed, work)
        bed, stretches = _bed(n, sr, snrs, seed)
        scene = bed.copy()
        rows, cursor = [], 0
        speakers = _speakers(seed)
        for i, event in enumerate(plan):
            rng = np.random.default_rng([*event["seed"], 1])
            start = cursor + int(event["gap"] * sr)
            if event["kind"] == "burst":
                piece = _background(rng, event["text"], int(_BURST_SECONDS * sr), sr)
            else:
                piece = spoken[i].astype(np.float64)
                rms = float(np.sqrt(np.mean(piece**2)))
                piece *= 10 ** ((_SPEECH_DBFS + event["level_db"]) / 20) / max(rms, 1e-12)
            if start + len(piece) > n:
                break
            scene[start : start + len(piece)] += piece
            cursor = start + len(piece)
            kind, stretch_snr = _stretch_at(stretches, start)
            row = {"start": f"{start / sr:.3f}", "end": f"{cursor / sr:.3f}",
                   "label": {"keyword": event["text"], "unknown": UNKNOWN_CLASS,
                             "burst": SILENCE_CLASS}[event["kind"]],
                   "text": event["text"], "speaker": "", "voice": "", "variant": "",
                   "snr_db": "", "background": kind}
            if event["kind"] != "burst":
                speaker = speakers[event["speaker"]]
                noise_rms = float(np.sqrt(np.mean(bed[start:cursor].astype(np.float64) ** 2)))
                word_rms = float(np.sqrt(np.mean(piece**2)))
                row.update(speaker=f"scene{speaker.index:02d}", voice=speaker.voice,
                           variant=speaker.variant or "",
                           snr_db=f"{20 * math.log10(word_rms / noise_rms):.1f}"
                           if math.isfinite(stretch_snr) and noise_rms > 0 else "inf")
            rows.append(row)
        peak = float(np.max(np.abs(scene)))
        if peak > 0.99:  # scale everything: the SNRs stay as they are
            scene *= 0.99 / peak
        import soundfile as sf

        staged_audio, staged_truth = work / "scene.wav", work / "scene.csv"
        sf.write(str(staged_audio), scene, sr, format="WAV", subtype="PCM_16")
        with open(staged_truth, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(staged_truth, truth)
        os.replace(staged_audio, audio)
    return Scene(audio=audio, truth=truth)
