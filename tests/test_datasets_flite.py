"""Flite, the second synthesiser: its voices, and synthetic speakers that use them.

Flite is a Debian program (``apt-get install flite``). ``make test`` installs it
when it may, like Chromium; without it these tests are skipped, except in CI
(AUDIOLAB_REQUIRE_FLITE=1), where a missing Flite fails them.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from synthesiser_fixtures import hide_program, median_f0, require_program

from audiolab.cli import main
from audiolab.datasets import (
    DEFAULT_VOICES,
    FLITE_VOICES,
    SynthesisError,
    flite,
    load_folder,
    make_speech_dataset,
    read_manifest,
)
from audiolab.errors import ParameterError


@pytest.fixture
def needs_flite():
    require_program(flite.available(), "flite is not installed (apt-get install flite)",
                    "AUDIOLAB_REQUIRE_FLITE")


@pytest.fixture
def without_flite(monkeypatch):
    """As if the flite program were not installed."""
    yield from hide_program(monkeypatch, flite, "flite")


def test_every_default_voice_says_a_word(needs_flite):
    assert set(FLITE_VOICES) <= set(flite.flite_info()["voices"])
    assert flite.flite_info()["version"].startswith("flite")
    for voice in FLITE_VOICES:
        y, sr = flite.synthesize_native("seven", voice=voice)
        assert y.dtype == np.float32 and y.ndim == 1
        assert sr == (8000 if voice == "flite:kal" else 16000)
        assert 0.3 < len(y) / sr < 1.5, voice
        assert 0.05 < np.max(np.abs(y)) <= 1.0


def test_rate_and_pitch_mean_what_they_mean_for_espeak(needs_flite):
    slow, sr = flite.synthesize_native("seven", voice="flite:slt", rate=120)
    fast, _ = flite.synthesize_native("seven", voice="flite:slt", rate=300)
    assert len(fast) < 0.6 * len(slow)
    low, _ = flite.synthesize_native("seven", voice="flite:slt", pitch=0)
    high, _ = flite.synthesize_native("seven", voice="flite:slt", pitch=100)
    semitones = 12 * np.log2(median_f0(high, sr) / median_f0(low, sr))
    assert 5 < semitones < 11  # 8 semitones asked for


def test_the_same_arguments_give_the_same_samples(needs_flite):
    first, _ = flite.synthesize_native("four", voice="flite:awb", rate=160, pitch=30)
    second, _ = flite.synthesize_native("four", voice="flite:awb", rate=160, pitch=30)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("voice, message", [
    ("flite:nobody", "is not a Flite voice; this flite has flite:awb"),
    ("rms", "written 'flite:<name>'"),
    (3, "written 'flite:<name>'"),
])
def test_unknown_voices_are_refused_with_the_choices(needs_flite, voice, message):
    with pytest.raises(ParameterError, match=message):
        flite.check_voice(voice)


def test_bad_numbers_are_refused(needs_flite):
    with pytest.raises(ParameterError, match="rate must be from 80 to 450"):
        flite.synthesize_native("four", voice="flite:rms", rate=20)
    with pytest.raises(ParameterError, match="text is empty"):
        flite.synthesize_native("  ", voice="flite:rms")


def test_without_the_program_the_error_says_how_to_install_it(without_flite, tmp_path):
    assert not flite.available()
    with pytest.raises(SynthesisError, match="apt-get install flite"):
        flite.synthesize_native("four", voice="flite:rms")
    # A dataset that asks for Flite voices fails before it writes anything.
    with pytest.raises(SynthesisError, match="brew install flite"):
        make_speech_dataset(tmp_path / "words", per_class=5, voices=["en-us", "flite:rms"],
                            progress=False)
    assert not (tmp_path / "words").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_speakers_with_flite_voices_are_reproducible_and_recorded(needs_flite, tmp_path):
    voices = ["en-us", *FLITE_VOICES]
    first = make_speech_dataset(tmp_path / "a", per_class=10, voices=voices, seed=2,
                                progress=False)
    second = make_speech_dataset(tmp_path / "b", per_class=10, voices=voices, seed=2,
                                 progress=False)
    manifest = read_manifest(first)
    assert manifest["content_sha256"] == read_manifest(second)["content_sha256"]
    assert manifest["flite"].startswith("flite")
    assert "Flite" in manifest["license"]
    with open(first / "metadata.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    used = {row["voice"] for row in rows}
    assert used & set(FLITE_VOICES) and "en-us" in used
    assert all(row["variant"] == "" for row in rows if row["voice"].startswith("flite:"))
    ds = load_folder(first, duration=1.0, progress=False)
    assert len(ds) == 100
    speaking = [float(row["speech_duration"]) for row in rows if row["voice"].startswith("flite:")]
    assert min(speaking) > 0.15  # a word, not a click


def test_the_command_adds_flite_voices_with_a_flag(needs_flite, tmp_path, capsys):
    out = tmp_path / "words"
    assert main(["data", "speech", str(out), "--per-class", "10", "--flite", "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    voices = read_manifest(out)["parameters"]["voices"]
    assert voices == [*DEFAULT_VOICES, *FLITE_VOICES]


def test_without_the_flag_nothing_needs_flite(without_flite, tmp_path):
    assert main(["data", "speech", str(tmp_path / "w"), "--per-class", "5", "--quiet"]) == 0
    assert "flite" not in read_manifest(tmp_path / "w")
