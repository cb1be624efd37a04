"""Festival, the third synthesiser: its voices, and synthetic speakers that use them.

Festival and its voices are Debian packages (``festival.PACKAGES``). ``make test``
installs them when it may, like Flite; without them these tests are skipped, except
in CI (AUDIOLAB_REQUIRE_FESTIVAL=1), where a missing Festival fails them.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from synthesiser_fixtures import hide_program, median_f0, require_program

from audiolab.cli import main
from audiolab.datasets import (
    DEFAULT_VOICES,
    FESTIVAL_VOICES,
    SynthesisError,
    festival,
    load_folder,
    make_speech_dataset,
    read_manifest,
)
from audiolab.errors import ParameterError


@pytest.fixture
def needs_festival():
    require_program(festival.available(),
                    f"festival is not installed (apt-get install {' '.join(festival.PACKAGES)})",
                    "AUDIOLAB_REQUIRE_FESTIVAL")


@pytest.fixture
def without_festival(monkeypatch):
    """As if the festival program were not installed."""
    yield from hide_program(monkeypatch, festival, "festival")


def test_every_default_voice_says_a_word(needs_festival):
    assert festival.festival_info()["voices"] == list(FESTIVAL_VOICES)
    assert festival.festival_info()["version"][0].isdigit()
    for voice in FESTIVAL_VOICES:
        y, sr = festival.synthesize_native("seven", voice=voice)
        assert y.dtype == np.float32 and y.ndim == 1
        assert sr == (32000 if voice == "festival:slt" else 16000)
        assert 0.3 < len(y) / sr < 1.5, voice
        assert 0.05 < np.max(np.abs(y)) <= 1.0


@pytest.mark.parametrize("voice", FESTIVAL_VOICES)
def test_rate_means_what_it_means_for_espeak(needs_festival, voice):
    slow, sr = festival.synthesize_native("seven", voice=voice, rate=120)
    fast, _ = festival.synthesize_native("seven", voice=voice, rate=300)
    assert len(fast) < 0.6 * len(slow)


def test_pitch_moves_the_diphone_voices(needs_festival):
    low, sr = festival.synthesize_native("seven", voice="festival:ked", pitch=0)
    high, _ = festival.synthesize_native("seven", voice="festival:ked", pitch=100)
    semitones = 12 * np.log2(median_f0(high, sr) / median_f0(low, sr))
    assert 5 < semitones < 11  # 8 semitones asked for


def test_the_same_arguments_give_the_same_samples(needs_festival):
    first, _ = festival.synthesize_native("four", voice="festival:kal", rate=160, pitch=30)
    second, _ = festival.synthesize_native("four", voice="festival:kal", rate=160, pitch=30)
    np.testing.assert_array_equal(first, second)


def test_quotes_in_the_text_are_said_not_run(needs_festival):
    plain, _ = festival.synthesize_native("say hi", voice="festival:ked")
    quoted, _ = festival.synthesize_native('say "hi") (quit', voice="festival:ked")
    assert len(quoted) > len(plain)


@pytest.mark.parametrize("voice, message", [
    ("festival:nobody", "is not an installed Festival voice; this festival has festival:kal"),
    ("ked", "written 'festival:<name>'"),
    (3, "written 'festival:<name>'"),
])
def test_unknown_voices_are_refused_with_the_choices(needs_festival, voice, message):
    with pytest.raises(ParameterError, match=message):
        festival.check_voice(voice)


def test_bad_numbers_are_refused(needs_festival):
    with pytest.raises(ParameterError, match="rate must be from 80 to 450"):
        festival.synthesize_native("four", voice="festival:ked", rate=20)
    with pytest.raises(ParameterError, match="text is empty"):
        festival.synthesize_native("  ", voice="festival:ked")


def test_without_the_program_the_error_says_how_to_install_it(without_festival, tmp_path):
    assert not festival.available()
    with pytest.raises(SynthesisError, match="apt-get install festival festvox-kallpc16k"):
        festival.synthesize_native("four", voice="festival:ked")
    # A dataset that asks for Festival voices fails before it writes anything.
    with pytest.raises(SynthesisError, match="festvox-us-slt-hts"):
        make_speech_dataset(tmp_path / "words", per_class=5, voices=["en-us", "festival:ked"],
                            progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_speakers_with_festival_voices_are_reproducible_and_recorded(needs_festival, tmp_path):
    voices = ["en-us", *FESTIVAL_VOICES]
    first = make_speech_dataset(tmp_path / "a", per_class=8, voices=voices, seed=2,
                                progress=False)
    second = make_speech_dataset(tmp_path / "b", per_class=8, voices=voices, seed=2,
                                 progress=False)
    manifest = read_manifest(first)
    assert manifest["content_sha256"] == read_manifest(second)["content_sha256"]
    assert manifest["festival"][0].isdigit()
    assert "Festival" in manifest["license"]
    with open(first / "metadata.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    used = {row["voice"] for row in rows}
    assert used & set(FESTIVAL_VOICES) and "en-us" in used
    assert all(row["variant"] == "" for row in rows if row["voice"].startswith("festival:"))
    assert len(load_folder(first, duration=1.0, progress=False)) == 80
    speaking = [float(row["speech_duration"]) for row in rows
                if row["voice"].startswith("festival:")]
    assert min(speaking) > 0.15  # a word, not a click


def test_the_command_adds_festival_voices_with_a_flag(needs_festival, tmp_path, capsys):
    out = tmp_path / "words"
    assert main(["data", "speech", str(out), "--vocabulary", "yes,no", "--per-class", "10",
                 "--festival", "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    voices = read_manifest(out)["parameters"]["voices"]
    assert voices == [*DEFAULT_VOICES, *FESTIVAL_VOICES]


def test_without_the_flag_nothing_needs_festival(without_festival, tmp_path):
    assert main(["data", "speech", str(tmp_path / "w"), "--vocabulary", "yes,no",
                 "--per-class", "5", "--quiet"]) == 0
    assert "festival" not in read_manifest(tmp_path / "w")


def test_installed_voices_lists_only_the_festival_voices_installed(monkeypatch):
    """Debian packages each Festival voice apart: a festival with only kal offers only kal."""
    from audiolab.datasets import installed_voices

    monkeypatch.setattr(festival, "available", lambda: True)
    monkeypatch.setattr(festival, "_voices", lambda: ("kal",))
    voices = installed_voices()
    assert "festival:kal" in voices
    assert not {"festival:ked", "festival:slt"} & set(voices)
    assert voices[:len(DEFAULT_VOICES)] == list(DEFAULT_VOICES)
