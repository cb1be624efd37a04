"""The eSpeak NG synthesiser behind the synthetic spoken words."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from audiolab.datasets import (
    DEFAULT_VARIANTS,
    DEFAULT_VOICES,
    breathy_variants,
    espeak_info,
    list_variants,
    list_voices,
    synthesize,
)
from audiolab.errors import AudiolabError, ParameterError


def _log_mel_profile(y: np.ndarray, sr: int = 16000) -> np.ndarray:
    """Mean log spectrum in 40 bands: a crude description of a voice's timbre."""
    frames = np.lib.stride_tricks.sliding_window_view(y, 512)[::160] * np.hanning(512)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    bands = np.array_split(power, 40, axis=1)
    return np.log10(np.stack([b.sum(axis=1) for b in bands], axis=1) + 1e-10).mean(axis=0)


def _f0(y: np.ndarray, sr: int = 16000) -> float:
    """Median fundamental frequency of the voiced frames (librosa's YIN)."""
    import librosa

    f0 = librosa.yin(y, fmin=50, fmax=500, sr=sr, frame_length=1024)
    loud = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0] > 0.02
    n = min(len(f0), len(loud))
    return float(np.median(f0[:n][loud[:n]]))


def test_a_word_gives_non_silent_audio_of_plausible_length():
    y = synthesize("seven")
    assert y.dtype == np.float32 and y.ndim == 1
    assert 0.25 < len(y) / 16000 < 1.2
    assert 0.05 < np.max(np.abs(y)) <= 1.0
    loud = np.abs(y) > 0.01
    assert loud.mean() > 0.3  # mostly speech, not silence


def test_the_sample_rate_is_honoured():
    y16 = synthesize("nine", sr=16000)
    y8 = synthesize("nine", sr=8000)
    native = synthesize("nine", sr=22050)
    assert abs(len(y8) / 8000 - len(y16) / 16000) < 0.05
    assert abs(len(native) / 22050 - len(y16) / 16000) < 0.05
    assert espeak_info()["sr"] == 22050


def test_different_voices_and_variants_differ_more_than_repeats():
    same = [_log_mel_profile(synthesize("seven", voice="en-us", variant="m3")) for _ in range(2)]
    other = _log_mel_profile(synthesize("seven", voice="en-gb-x-rp", variant="f4"))
    repeat_distance = np.linalg.norm(same[0] - same[1])
    voice_distance = np.linalg.norm(same[0] - other)
    assert voice_distance > 3 * repeat_distance
    klatt = _log_mel_profile(synthesize("seven", voice="en-us", variant="klatt"))
    assert np.linalg.norm(same[0] - klatt) > 3 * repeat_distance


def test_pitch_raises_the_fundamental_frequency():
    low = _f0(synthesize("aah", pitch=10, pitch_range=0))
    high = _f0(synthesize("aah", pitch=90, pitch_range=0))
    assert high > 1.4 * low
    assert 50 < low < 200


def test_rate_changes_the_length():
    slow = synthesize("seven", rate=100)
    fast = synthesize("seven", rate=300)
    assert len(slow) > 1.8 * len(fast)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"voice": "en-uss"}, ["en-uss", "en-us", "list_voices"]),
        ({"voice": "fr"}, ["'fr'", "English"]),
        ({"voice": 3}, ["voice"]),
        ({"variant": "f9"}, ["'f9'", "list_variants"]),
        ({"rate": 20}, ["rate", "80", "450"]),
        ({"pitch": 101}, ["pitch"]),
        ({"pitch_range": -1}, ["pitch_range"]),
        ({"volume": 2.5}, ["volume"]),
        ({"sr": 0}, ["sr"]),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, words):
    with pytest.raises(ParameterError) as caught:
        synthesize("seven", **kwargs)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize("text", ["", "   ", None, 7, "a\0b"])
def test_bad_text_is_a_clear_error(text):
    with pytest.raises(AudiolabError, match="text"):
        synthesize(text)


def test_voice_names_ignore_case_and_variants_keep_their_spelling():
    assert len(synthesize("go", voice="EN-GB-X-RP", variant="ANNIE")) > 0


def test_voices_and_variants_are_listed():
    voices = list_voices()
    assert {"en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029"} <= set(voices)
    assert "en-shaw" not in voices
    assert all(v.startswith("en") for v in voices)
    variants = list_variants()
    assert {"m1", "m7", "f1", "f5", "klatt", "klatt3", "whisper", "croak"} <= set(variants)
    assert set(DEFAULT_VOICES) <= set(voices)
    assert {v for v in DEFAULT_VARIANTS if v} <= set(variants)
    # The defaults avoid the variants whose breath noise is not reproducible.
    assert {"whisper", "f2", "f3", "f5"} <= set(breathy_variants())
    assert not {v for v in DEFAULT_VARIANTS if v} & set(breathy_variants())


def test_calls_from_several_threads_are_serialised():
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def say(i: int) -> None:
        try:
            results[i] = synthesize(["one", "two", "three", "four"][i], variant="m2")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=say, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(0.2 < len(y) / 16000 < 1.2 and np.max(np.abs(y)) > 0.05 for y in results.values())
