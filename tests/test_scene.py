"""The long synthetic scene a keyword spotter is measured on: its audio, its truth, its rules."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import soundfile as sf

from audiolab.cli import main
from audiolab.datasets import DEFAULT_VARIANTS, DIGIT_WORDS, SCENE_VARIANTS, make_scene
from audiolab.datasets.speech import UNKNOWN_WORDS
from audiolab.errors import ParameterError
from audiolab.evaluate import read_truth


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return make_scene(tmp_path_factory.mktemp("scene") / "scene.wav", minutes=1.0, seed=3)


def rows(scene):
    import csv

    with open(scene.truth, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_the_scene_holds_keywords_other_words_and_bursts_in_order(scene):
    y, sr = sf.read(scene.audio, dtype="float32")
    assert sr == 16000 and len(y) == 60 * 16000 and np.max(np.abs(y)) <= 1.0
    events = read_truth(scene.truth)
    labels = [e["label"] for e in events]
    assert {"_unknown_", "_silence_"} <= set(labels)
    assert 15 <= sum(label in DIGIT_WORDS for label in labels) <= 30
    assert set(labels) <= {*DIGIT_WORDS, "_unknown_", "_silence_"}
    starts = [e["start"] for e in events]
    assert starts == sorted(starts) and events[-1]["end"] <= 60.0
    for before, after in zip(events, events[1:], strict=False):
        assert after["start"] - before["end"] >= 0.39  # a pause between events
    for row in rows(scene):
        if row["label"] == "_unknown_":
            assert row["text"] in UNKNOWN_WORDS
        if row["label"] in DIGIT_WORDS:
            assert row["text"] == row["label"] and 0.1 < float(row["end"]) - float(row["start"]) <= 0.9


def test_the_words_come_from_voices_no_dataset_uses(scene):
    spoken = [row for row in rows(scene) if row["label"] != "_silence_"]
    variants = {row["variant"] for row in spoken}
    assert variants <= set(SCENE_VARIANTS) and not variants & set(DEFAULT_VARIANTS)
    assert len({row["speaker"] for row in spoken}) >= 10


def test_the_truth_says_where_the_sound_is(scene):
    y, sr = sf.read(scene.audio, dtype="float32")
    table = rows(scene)
    for row in table:
        if row["label"] in DIGIT_WORDS:
            a, b = int(float(row["start"]) * sr), int(float(row["end"]) * sr)
            word = float(np.sqrt(np.mean(y[a:b] ** 2)))
            before = y[max(0, a - int(0.35 * sr)) : a]
            noise = float(np.sqrt(np.mean(before**2))) if len(before) else 0.0
            snr = row["snr_db"]
            if snr == "inf":
                assert row["background"] == "silence" and noise < 1e-3 < word
            else:  # the measured SNR, within the jitter of a short stretch of noise
                measured = 20 * np.log10(np.sqrt(max(word**2 - noise**2, 1e-12)) / noise)
                assert abs(measured - float(snr)) < 3.0, row
    noisy = [float(r["snr_db"]) for r in table if r["snr_db"] not in ("", "inf")]
    assert noisy and min(noisy) > 5 - 6 and max(noisy) < 20 + 6


def test_the_same_seed_gives_the_same_files(scene, tmp_path):
    again = make_scene(tmp_path / "again.wav", minutes=1.0, seed=3)
    other = make_scene(tmp_path / "other.wav", minutes=1.0, seed=4)

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest(again.audio) == digest(scene.audio) and digest(again.truth) == digest(scene.truth)
    assert digest(other.audio) != digest(scene.audio)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.csv", "again.wav", "other.csv", "other.wav"]


@pytest.mark.parametrize("kwargs, match", [
    ({"minutes": 0}, "minutes"), ({"minutes": 500}, "minutes"), ({"snr_db": []}, "snr_db"),
    ({"snr_db": [100]}, "snr_db"), ({"snr_db": "10"}, "snr_db"), ({"vocabulary": "numbers"}, "vocabulary"),
    ({"sr": 1000}, "sr"), ({"seed": -1}, "seed"),
])
def test_bad_arguments_are_refused_before_any_work(tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        make_scene(tmp_path / "s.wav", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_kept_unless_overwritten(tmp_path):
    (tmp_path / "s.csv").write_text("mine")
    with pytest.raises(ParameterError, match="s.csv exists"):
        make_scene(tmp_path / "s.wav", minutes=0.1)
    assert (tmp_path / "s.csv").read_text() == "mine" and not (tmp_path / "s.wav").exists()
    make_scene(tmp_path / "s.wav", minutes=0.1, overwrite=True)
    assert read_truth(tmp_path / "s.csv") is not None
    with pytest.raises(ParameterError, match=".wav"):
        make_scene(tmp_path / "s.mp3")


def test_the_command(tmp_path, capsys):
    out = tmp_path / "sub" / "scene.wav"
    assert main(["data", "scene", str(out), "--minutes", "0.2", "--vocabulary", "commands",
                 "--snr", "15", "--seed", "1"]) == 0
    said = capsys.readouterr().out
    assert "keywords" in said and str(out) in said
    labels = {e["label"] for e in read_truth(out.with_suffix(".csv"))}
    assert labels - {"_unknown_", "_silence_"} <= {"yes", "no", "up", "down", "left", "right", "stop", "go"}
    assert main(["data", "scene", str(out), "--minutes", "0.2"]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["data", "scene", str(out), "--snr", "99"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--snr" in err
