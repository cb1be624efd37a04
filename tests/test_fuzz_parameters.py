"""Every public function refuses a bad value in one line, by name, before it works.

Each function of ``audiolab.io``, ``dsp``, ``features``, ``preprocess`` and
``augment`` (their ``__all__``, classes' constructors too) is called with
valid arguments (:data:`BASELINES`), then once per parameter and bad value
(zero, negative, NaN, infinite, huge, None, a string, a list), the others left
valid. Each call must either succeed, where the value is legitimate for that
parameter (:data:`ALLOWED`, with the reason), or raise a ``ParameterError``
whose message names the parameter; within a second, with no NumPy overflow
warning and no NaN or infinity in the result.
"""

from __future__ import annotations

import inspect
import math
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiolab import augment, dsp, features, io, preprocess
from audiolab.errors import AudioFileError, ParameterError

MODULES = {"io": io, "dsp": dsp, "features": features, "preprocess": preprocess,
           "augment": augment}

#: The bad values, by kind.
VALUES = {
    "zero": 0,
    "negative": -1,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "huge": 1e12,
    "huge_int": 10**12,
    "none": None,
    "string": "x",
    "list": [1],
}

#: Public names that are not functions to call with parameters.
NOT_CALLED = {
    # A record of what a file's header says, made by io.info and never an input.
    "io.AudioInfo",
}

_SR = 16000
_Y = (0.5 * np.sin(2 * np.pi * 440 * np.arange(4000) / _SR)).astype(np.float32)
_NOISE = (0.05 * np.random.default_rng(0).standard_normal(4000)).astype(np.float32)
_S = np.abs(np.random.default_rng(1).standard_normal((40, 50))).astype(np.float32)
_S_DB = (10 * np.log10(_S + 1e-3)).astype(np.float32)
_YS = np.stack([_Y, _NOISE])
_X = np.random.default_rng(2).normal(3, 2, size=(6, 4, 5)).astype(np.float32)

#: Stands for the path of a valid WAV file, written once per session.
CLIP = object()
#: Stands for a path to write a WAV file to.
OUT = object()

#: Valid arguments for every function: all its parameters (a new parameter
#: needs an entry here too), by keyword.
BASELINES: dict[str, dict] = {
    "io.load": dict(path=CLIP, sr=8000, mono=True, offset=0.0, duration=None),
    "io.save": dict(path=OUT, y=_Y, sr=_SR, subtype=None),
    "io.info": dict(path=CLIP),
    "io.resample": dict(y=_Y, orig_sr=_SR, target_sr=8000),
    "dsp.tone": dict(frequency=440.0, sr=_SR, duration=0.25, amplitude=0.5, phase=0.0),
    "dsp.chirp": dict(fmin=100.0, fmax=4000.0, sr=_SR, duration=0.25, amplitude=0.5,
                      linear=False),
    "dsp.white_noise": dict(sr=_SR, duration=0.25, rms=0.1, rng=0),
    "dsp.quantize": dict(y=_Y, bits=8),
    "dsp.alias_frequency": dict(frequency=7000.0, sr=8000),
    "dsp.frame": dict(y=_Y, frame_length=400, hop_length=160),
    "dsp.get_window": dict(window="hann", n=64, fftbins=True),
    "features.amplitude_to_db": dict(S=_S, ref=1.0, amin=1e-5, top_db=80.0),
    "features.power_to_db": dict(S=_S, ref=1.0, amin=1e-10, top_db=80.0),
    "features.db_to_amplitude": dict(S_db=_S_DB, ref=1.0),
    "features.db_to_power": dict(S_db=_S_DB, ref=1.0),
    "features.hz_to_mel": dict(frequencies=np.array([100.0, 2000.0]), htk=False),
    "features.mel_to_hz": dict(mels=np.array([5.0, 20.0]), htk=False),
    "features.mel_frequencies": dict(n_mels=20, fmin=0.0, fmax=8000.0, htk=False),
    "features.fft_frequencies": dict(sr=_SR, n_fft=512),
    "features.mel_filterbank": dict(sr=_SR, n_fft=512, n_mels=40, fmin=20.0, fmax=None,
                                    htk=False, norm="slaney"),
    "features.chroma_filterbank": dict(sr=_SR, n_fft=512, n_chroma=12, tuning=0.0),
    "features.stft": dict(y=_Y, n_fft=512, hop_length=160, win_length=400, window="hann",
                          center=True, pad_mode="constant"),
    "features.mel_spectrogram": dict(y=_Y, sr=_SR, S=None, n_fft=512, hop_length=160,
                                     win_length=400, window="hann", center=True,
                                     pad_mode="constant", power=2.0, n_mels=40, fmin=20.0,
                                     fmax=None, htk=False, norm="slaney"),
    "features.mfcc": dict(y=_Y, sr=_SR, S=None, n_mfcc=13, dct_type=2, norm="ortho",
                          lifter=0, mel_norm="slaney", n_fft=512, hop_length=160,
                          win_length=400, window="hann", center=True, pad_mode="constant",
                          power=2.0, n_mels=40, fmin=20.0, fmax=None, htk=False),
    "features.chroma": dict(y=_Y, sr=_SR, S=None, n_fft=512, hop_length=160, win_length=400,
                            window="hann", center=True, pad_mode="constant", norm=np.inf,
                            tuning=0.0, n_chroma=12),
    "features.deltas": dict(data=_S, width=9, order=1, axis=-1),
    "features.extract_batch": dict(ys=_YS, sr=_SR, kind="logmel", n_fft=512, hop_length=160,
                                   win_length=400, window="hann", center=True,
                                   pad_mode="constant", n_mels=40, n_mfcc=13, fmin=20.0,
                                   fmax=None, htk=False, mel_norm="slaney", top_db=80.0,
                                   lifter=0, chunk_size=None),
    "features.floor_per_clip": dict(db=np.stack([_S_DB, _S_DB - 10]), top_db=80.0),
    "preprocess.trim_silence": dict(y=_Y, top_db=60.0, frame_length=512, hop_length=128),
    "preprocess.normalize": dict(y=_Y, kind="peak", target=None),
    "preprocess.pad_or_crop": dict(y=_Y, length=5000, mode="center", rng=None),
    "preprocess.spectral_gate": dict(y=_Y + _NOISE, sr=_SR, noise_clip=_NOISE, n_fft=512,
                                     hop_length=None, n_std_thresh=1.5, prop_decrease=1.0,
                                     freq_smooth_hz=100.0, time_smooth_ms=40.0),
    "preprocess.cmvn": dict(features=_X, axis=-1, variance=True, eps=1e-8),
    "preprocess.Standardizer": dict(axis=1, eps=1e-8),
    "augment.snr_db": dict(signal=_Y, noise=_NOISE),
    "augment.add_noise": dict(y=_Y, snr_db=10.0, noise=None, rng=0),
    "augment.colored_noise": dict(n=4000, color="pink", sr=_SR, fmin=20.0, rng=0),
    "augment.synthetic_room_response": dict(sr=_SR, rt60=0.3, drr_db=6.0, rng=0),
    "augment.add_reverb": dict(y=_Y, sr=_SR, rt60=0.3, drr_db=6.0, rng=0),
    "augment.spec_augment": dict(S=_S, n_freq_masks=2, freq_mask_param=8, n_time_masks=2,
                                 time_mask_param=10, mask_value=None, max_warp=0.0, rng=0),
    "augment.warp_frequency": dict(S=_S, factor=1.1),
    "augment.Augmenter": dict(transform=lambda samples, sample_rate: samples, name="custom"),
    "augment.make_augmenter": dict(strength="none", sr=_SR),
}

# What is legitimately allowed, per function and parameter: the value kinds
# that succeed (or, for a file name, may fail as a file). Anything else must
# raise a ParameterError naming the parameter.
_ANGLE = {"zero", "negative", "huge", "huge_int"}  # any finite angle or level in dB
_SEED = {"zero", "huge_int", "none"}  # None or an integer seed >= 0
_LEVEL = {"huge", "huge_int"}  # a linear level or amplitude: any finite size is defined
_DB_VALUES = {"zero", "negative", "huge", "huge_int", "list"}  # decibels, array-like
ALLOWED: dict[tuple[str, str], set[str]] = {
    # A string is a file name: one that does not exist is an AudioFileError.
    ("io.load", "path"): {"string"},
    ("io.info", "path"): {"string"},
    ("io.load", "sr"): {"none"},  # None keeps the file's rate
    ("io.load", "offset"): {"zero"},  # from the start
    ("io.load", "duration"): {"none"},  # to the end
    ("io.save", "subtype"): {"none"},  # the format's default
    ("dsp.tone", "frequency"): {"zero", "huge", "huge_int"},  # DC; above Nyquist it aliases
    ("dsp.tone", "amplitude"): {"zero"} | _LEVEL,
    ("dsp.tone", "phase"): _ANGLE,
    ("dsp.chirp", "fmin"): _LEVEL,  # sweeps above Nyquist alias, as tones do
    ("dsp.chirp", "fmax"): _LEVEL,
    ("dsp.chirp", "amplitude"): {"zero"} | _LEVEL,
    ("dsp.white_noise", "rms"): {"zero"} | _LEVEL,
    ("dsp.white_noise", "rng"): _SEED,
    ("dsp.alias_frequency", "frequency"): {"zero", "negative", "huge", "huge_int"},  # folded
    ("features.amplitude_to_db", "S"): {"zero", "negative", "huge", "huge_int", "list"},
    ("features.amplitude_to_db", "ref"): _LEVEL,
    ("features.amplitude_to_db", "amin"): _LEVEL,  # a floor above everything: all at the floor
    ("features.amplitude_to_db", "top_db"): {"zero", "none"} | _LEVEL,  # None: no floor
    ("features.power_to_db", "S"): {"zero", "huge", "huge_int", "list"},  # powers are >= 0
    ("features.power_to_db", "ref"): _LEVEL,
    ("features.power_to_db", "amin"): _LEVEL,
    ("features.power_to_db", "top_db"): {"zero", "none"} | _LEVEL,
    ("features.db_to_amplitude", "S_db"): {"zero", "negative", "list"},  # not above float range
    ("features.db_to_amplitude", "ref"): _LEVEL,
    ("features.db_to_power", "S_db"): {"zero", "negative", "list"},
    ("features.db_to_power", "ref"): _LEVEL,
    ("features.hz_to_mel", "frequencies"): {"zero", "huge", "huge_int", "list"},
    ("features.mel_to_hz", "mels"): {"zero", "list"},  # huge mels are beyond any frequency
    ("features.mel_frequencies", "fmin"): {"zero"},
    ("features.mel_frequencies", "fmax"): _LEVEL,  # no sample rate to bound it
    ("features.mel_filterbank", "fmin"): {"zero"},
    ("features.mel_filterbank", "fmax"): {"none"},  # sr / 2
    ("features.mel_filterbank", "norm"): {"none", "inf"} | _LEVEL,  # None, max or a p-norm
    ("features.chroma_filterbank", "tuning"): {"zero", "negative"},
    ("features.stft", "hop_length"): {"none"},  # win_length // 4
    ("features.stft", "win_length"): {"none"},  # n_fft
    ("features.mel_spectrogram", "S"): {"none"},  # y is given
    ("features.mel_spectrogram", "hop_length"): {"none"},
    ("features.mel_spectrogram", "win_length"): {"none"},
    ("features.mel_spectrogram", "fmin"): {"zero"},
    ("features.mel_spectrogram", "fmax"): {"none"},
    ("features.mel_spectrogram", "norm"): {"none", "inf"} | _LEVEL,
    ("features.mfcc", "S"): {"none"},
    ("features.mfcc", "norm"): {"none"},  # the DCT without normalisation
    ("features.mfcc", "lifter"): {"zero"} | _LEVEL,  # 0: no liftering
    ("features.mfcc", "mel_norm"): {"none", "inf"} | _LEVEL,
    ("features.mfcc", "hop_length"): {"none"},
    ("features.mfcc", "win_length"): {"none"},
    ("features.mfcc", "fmin"): {"zero"},
    ("features.mfcc", "fmax"): {"none"},
    ("features.chroma", "S"): {"none"},
    ("features.chroma", "hop_length"): {"none"},
    ("features.chroma", "win_length"): {"none"},
    ("features.chroma", "norm"): {"none", "inf"} | _LEVEL,
    ("features.chroma", "tuning"): {"zero", "negative"},
    ("features.deltas", "axis"): {"zero", "negative"},  # a time axis that exists
    ("features.extract_batch", "hop_length"): {"none"},
    ("features.extract_batch", "win_length"): {"none"},
    ("features.extract_batch", "fmin"): {"zero"},
    ("features.extract_batch", "fmax"): {"none"},
    ("features.extract_batch", "mel_norm"): {"none", "inf"} | _LEVEL,
    ("features.extract_batch", "top_db"): {"zero", "none"} | _LEVEL,
    ("features.extract_batch", "lifter"): {"zero"} | _LEVEL,
    ("features.extract_batch", "chunk_size"): {"none", "huge_int"},  # more than the clips: all
    ("features.floor_per_clip", "top_db"): {"zero", "none"} | _LEVEL,
    ("preprocess.trim_silence", "top_db"): _LEVEL,  # a range beyond any clip's: nothing is cut
    ("preprocess.normalize", "target"): {"none"} | _LEVEL,  # None: the kind's default
    ("preprocess.pad_or_crop", "rng"): _SEED,
    ("preprocess.spectral_gate", "noise_clip"): {"none"},  # the quietest frames stand in
    ("preprocess.spectral_gate", "hop_length"): {"none"},  # n_fft // 4
    ("preprocess.spectral_gate", "n_std_thresh"): {"zero"} | _LEVEL,  # gate at the mean; all
    ("preprocess.spectral_gate", "prop_decrease"): {"zero"},  # attenuate nothing
    ("preprocess.spectral_gate", "freq_smooth_hz"): {"zero"},  # no smoothing
    ("preprocess.spectral_gate", "time_smooth_ms"): {"zero"},
    ("preprocess.cmvn", "axis"): {"zero", "negative"},  # a time axis that exists
    ("preprocess.cmvn", "eps"): _LEVEL,  # a huge eps scales everything towards 0
    ("preprocess.Standardizer", "axis"): {"negative"},  # -1: the last axis
    ("preprocess.Standardizer", "eps"): _LEVEL,
    ("augment.add_noise", "snr_db"): {"zero", "negative"},  # noise as loud; louder
    ("augment.add_noise", "noise"): {"none"},  # white noise
    ("augment.add_noise", "rng"): _SEED,
    ("augment.colored_noise", "rng"): _SEED,
    ("augment.synthetic_room_response", "drr_db"): {"zero", "negative"},  # far from the talker
    ("augment.synthetic_room_response", "rng"): _SEED,
    ("augment.add_reverb", "drr_db"): {"zero", "negative"},
    ("augment.add_reverb", "rng"): _SEED,
    ("augment.spec_augment", "n_freq_masks"): {"zero"},  # no masks of that kind
    ("augment.spec_augment", "n_time_masks"): {"zero"},
    ("augment.spec_augment", "freq_mask_param"): {"zero"},  # masks of width 0
    ("augment.spec_augment", "time_mask_param"): {"zero"},
    ("augment.spec_augment", "mask_value"): {"zero", "negative", "none"} | _LEVEL,  # None: mean
    ("augment.spec_augment", "max_warp"): {"zero"},  # no warp
    ("augment.spec_augment", "rng"): _SEED,
    ("augment.warp_frequency", "factor"): _LEVEL,  # any stretch > 0 is defined
    ("augment.Augmenter", "name"): {"string"},
}


def _public(module_name: str) -> list[str]:
    module = MODULES[module_name]
    return [f"{module_name}.{name}" for name in module.__all__
            if callable(getattr(module, name)) and f"{module_name}.{name}" not in NOT_CALLED]


PUBLIC = [name for module_name in MODULES for name in _public(module_name)]


def _function(qualified: str):
    module_name, name = qualified.split(".")
    return getattr(MODULES[module_name], name)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("fuzz")
    clip = folder / "clip.wav"
    sf.write(clip, _Y, _SR, subtype="PCM_16")
    return {"clip": clip, "out": folder / "out.wav"}


def _arguments(qualified: str, files: dict) -> dict:
    replace = {id(CLIP): files["clip"], id(OUT): files["out"]}
    return {k: replace.get(id(v), v) for k, v in BASELINES[qualified].items()}


def _bad_results(result) -> str | None:
    """Why a successful call's result is wrong (NaN or infinite values), or None."""
    items = result if isinstance(result, tuple) else (result,)
    for item in items:
        if isinstance(item, (np.ndarray, float)) and np.issubdtype(
            np.asarray(item).dtype, np.inexact
        ):
            if not np.all(np.isfinite(item)):
                return "returned NaN or infinite values"
    return None


def _names(message: str, parameter: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(parameter)}(?![A-Za-z_])", message) is not None


def _call(function, arguments: dict):
    start = time.perf_counter()
    error = None
    result = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function(**arguments)
        except Exception as exc:  # noqa: BLE001 - every error is judged below
            error = exc
    seconds = time.perf_counter() - start
    overflow = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    return result, error, seconds, overflow


def test_every_public_function_is_in_the_table():
    missing = sorted(set(PUBLIC) - set(BASELINES))
    assert not missing, f"add {', '.join(missing)} to the fuzz table (BASELINES)"
    stale = sorted(set(BASELINES) - set(PUBLIC))
    assert not stale, f"{', '.join(stale)} in BASELINES are not public functions"
    stale = sorted({k for k in ALLOWED if k[0] not in BASELINES or k[1] not in BASELINES[k[0]]})
    assert not stale, f"ALLOWED names parameters that are not in BASELINES: {stale}"


@pytest.mark.parametrize("qualified", sorted(BASELINES))
def test_baseline_covers_every_parameter(qualified):
    signature = inspect.signature(_function(qualified))
    named = {p.name for p in signature.parameters.values()
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    missing = sorted(named - set(BASELINES[qualified]))
    assert not missing, f"add {', '.join(missing)} to BASELINES[{qualified!r}]"


def _cases():
    return [(qualified, parameter) for qualified in sorted(BASELINES)
            for parameter in BASELINES[qualified]]


@pytest.mark.parametrize("qualified, parameter", _cases())
def test_bad_values_are_refused_by_name(qualified, parameter, files):
    function = _function(qualified)
    result, error, _, overflow = _call(function, _arguments(qualified, files))
    assert error is None, f"{qualified} fails on its baseline arguments: {error!r}"
    allowed = ALLOWED.get((qualified, parameter), set())
    failures = []
    for kind, value in VALUES.items():
        arguments = _arguments(qualified, files)
        arguments[parameter] = value
        result, error, seconds, overflow = _call(function, arguments)
        call = f"{qualified}({parameter}={value!r})"
        if seconds > 1.0:
            failures.append(f"{call} took {seconds:.1f} s")
        if overflow:
            failures.append(f"{call} warned {overflow[0].message}")
        if error is None:
            if kind not in allowed:
                failures.append(f"{call} was accepted")
            elif (why := _bad_results(result)) is not None:
                failures.append(f"{call} {why}")
        elif isinstance(error, ParameterError):
            if not _names(str(error), parameter):
                failures.append(f"{call}: the message does not name {parameter}: {error}")
        elif isinstance(error, AudioFileError) and kind in allowed and parameter == "path":
            pass
        else:
            failures.append(f"{call} raised {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)


def test_the_clip_file_is_a_file(files):
    assert Path(files["clip"]).is_file()
