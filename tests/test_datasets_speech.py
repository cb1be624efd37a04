"""The synthetic spoken-word dataset: layout, determinism, caching, atomicity."""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiolab.datasets import (
    DatasetError,
    load_folder,
    make_speech_dataset,
    read_manifest,
    speech_digits,
)
from audiolab.datasets import speech as speech_module
from audiolab.errors import AudiolabWarning, ParameterError

DIGITS = sorted(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])


@pytest.fixture(scope="session")
def digits(tmp_path_factory) -> Path:
    """Five synthetic speakers saying the ten digits (50 clips), made once."""
    return make_speech_dataset(tmp_path_factory.mktemp("speech") / "digits", per_class=5,
                               seed=3, progress=False)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path / "metadata.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def _snapshot(path: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(path)): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(path.rglob("*")) if p.is_file()}


def _leftovers(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}")]


def test_layout_metadata_and_manifest(digits):
    assert sorted(p.name for p in digits.iterdir() if p.is_dir()) == DIGITS
    for word in DIGITS:
        assert sorted(p.name for p in (digits / word).iterdir()) == [f"{i:04d}.wav" for i in range(5)]
    rows = _rows(digits)
    assert len(rows) == 50
    assert {"file", "label", "voice", "variant", "rate", "pitch", "snr", "split", "speaker"} <= set(rows[0])
    for row in rows:
        assert row["file"].split("/")[0] == row["label"]
        assert 10.0 <= float(row["snr"]) <= 40.0
        assert float(row["speech_duration"]) <= 0.9
    manifest = read_manifest(digits)
    assert manifest["n_clips"] == 50 and manifest["class_names"] == DIGITS
    assert manifest["parameters"]["seed"] == 3 and manifest["parameters"]["per_class"] == 5
    assert len(manifest["content_sha256"]) == 64
    assert sum(manifest["counts"].values()) == 50


def test_clips_are_fixed_length_pcm16_and_do_not_clip(digits):
    for path in sorted(digits.glob("*/*.wav"))[::7]:
        meta = sf.info(str(path))
        assert (meta.samplerate, meta.frames, meta.subtype, meta.channels) == (16000, 16000, "PCM_16", 1)
        y, _ = sf.read(str(path), dtype="float32")
        assert 0.2 < np.max(np.abs(y)) < 0.95


def test_each_speaker_says_every_word_and_stays_in_one_split(digits):
    rows = _rows(digits)
    speakers = {r["speaker"] for r in rows}
    assert len(speakers) == 5
    for speaker in speakers:
        mine = [r for r in rows if r["speaker"] == speaker]
        assert sorted(r["label"] for r in mine) == DIGITS
        assert len({r["split"] for r in mine}) == 1
        assert len({(r["voice"], r["variant"]) for r in mine}) == 1
    splits = [r["split"] for r in rows]
    assert (splits.count("train"), splits.count("val"), splits.count("test")) == (30, 10, 10)


def test_load_folder_reads_the_splits_and_speakers(digits):
    ds = load_folder(digits, progress=False)
    assert len(ds) == 50 and ds.class_names == DIGITS and ds.sr == 16000
    assert set(ds.split) == {"train", "val", "test"}
    assert ds.groups is not None and len(set(ds.groups)) == 5
    test = load_folder(digits, split="test", progress=False)
    assert len(test) == 10 and set(test.split) == {"test"}


def test_the_same_arguments_give_byte_identical_files(tmp_path, monkeypatch):
    # Small tasks, so that both runs use several worker processes in different orders.
    monkeypatch.setattr(speech_module, "_CLIPS_PER_TASK", 6)
    kwargs = dict(vocabulary=["yes", "no"], per_class=4, seed=11, progress=False)
    first = make_speech_dataset(tmp_path / "first", n_jobs=1, **kwargs)
    second = make_speech_dataset(tmp_path / "second", n_jobs=2, **kwargs)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert len(files) == 10  # 8 clips, metadata.csv, manifest.json
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    other = make_speech_dataset(tmp_path / "other", **{**kwargs, "seed": 12})
    assert (other / "yes" / "0000.wav").read_bytes() != (first / "yes" / "0000.wav").read_bytes()


def test_a_second_call_returns_at_once_without_rewriting(digits):
    before = _snapshot(digits)
    start = time.perf_counter()
    assert make_speech_dataset(digits, per_class=5, seed=3, progress=False) == digits
    assert time.perf_counter() - start < 0.5
    assert _snapshot(digits) == before


def test_other_parameters_need_overwrite(tmp_path):
    path = make_speech_dataset(tmp_path / "words", vocabulary=["up"], per_class=3, progress=False)
    with pytest.raises(DatasetError, match="seed"):
        make_speech_dataset(path, vocabulary=["up"], per_class=3, seed=1, progress=False)
    assert read_manifest(path)["parameters"]["seed"] == 0
    make_speech_dataset(path, vocabulary=["up"], per_class=3, seed=1, overwrite=True, progress=False)
    assert read_manifest(path)["parameters"]["seed"] == 1
    assert _leftovers(tmp_path, "words") == []


def test_folders_not_made_here_are_never_overwritten(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious")
    for overwrite in (False, True):
        with pytest.raises(DatasetError, match="not a dataset made by make_speech_dataset"):
            make_speech_dataset(folder, vocabulary=["go"], per_class=3, overwrite=overwrite,
                                progress=False)
    assert (folder / "notes.txt").read_text() == "precious"
    empty = tmp_path / "empty"
    empty.mkdir()
    make_speech_dataset(empty, vocabulary=["go"], per_class=3, progress=False)
    assert len(list(empty.glob("go/*.wav"))) == 3


def _fail_while_writing(*args, **kwargs):
    raise RuntimeError("simulated crash while writing the manifest")


def _interrupted_run(real_run_tasks):
    def run_tasks(tasks, n_jobs):
        iterator = real_run_tasks(tasks, n_jobs)
        yield next(iterator)
        raise KeyboardInterrupt

    return run_tasks


@pytest.mark.parametrize("how", ["exception", "interrupt"])
def test_an_interrupted_generation_leaves_no_complete_looking_folder(tmp_path, monkeypatch, how):
    monkeypatch.setattr(speech_module, "_CLIPS_PER_TASK", 4)
    target = tmp_path / "digits"
    kwargs = dict(vocabulary=["left", "right"], per_class=3, progress=False)
    with monkeypatch.context() as patch:
        if how == "exception":
            patch.setattr(speech_module, "_write_manifest", _fail_while_writing)
            expected = RuntimeError
        else:
            patch.setattr(speech_module, "_run_tasks", _interrupted_run(speech_module._run_tasks))
            expected = KeyboardInterrupt
        with pytest.raises(expected):
            make_speech_dataset(target, **kwargs)
    assert not target.exists()
    assert _leftovers(tmp_path, "digits") == []
    path = make_speech_dataset(target, **kwargs)
    assert len(list(path.glob("*/*.wav"))) == 6 and read_manifest(path)["n_clips"] == 6


def test_a_build_folder_left_by_a_killed_process_is_removed(tmp_path):
    stale = tmp_path / ".words.partial-999999999-deadbeef"
    (stale / "up").mkdir(parents=True)
    (stale / "manifest.json").write_text("{}")
    path = make_speech_dataset(tmp_path / "words", vocabulary=["up"], per_class=3, progress=False)
    assert not stale.exists()
    assert len(list(path.glob("up/*.wav"))) == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"vocabulary": "letters"}, "vocabulary"),
        ({"vocabulary": []}, "vocabulary"),
        ({"vocabulary": ["up", "../down"]}, "folder name"),
        ({"vocabulary": ["up", "Up"]}, "more than once"),
        ({"per_class": 0}, "per_class"),
        ({"per_class": 5, "takes": 2}, "multiple of takes"),
        ({"per_class": 2}, "too few"),
        ({"sr": 100}, "sr"),
        ({"duration": 0}, "duration"),
        ({"seed": -1}, "seed"),
        ({"noise_snr_db": (40, 10)}, "low end"),
        ({"noise_snr_db": 20}, "noise_snr_db"),
        ({"splits": (0.8, 0.1, 0.2)}, "add up to 1"),
        ({"voices": ["en-xx"]}, "en-xx"),
        ({"variants": ["nope"]}, "nope"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_bad_arguments_fail_before_any_work(tmp_path, kwargs, match):
    arguments = {"vocabulary": ["up"], "per_class": 3, "progress": False, **kwargs}
    with pytest.raises(ParameterError, match=match):
        make_speech_dataset(tmp_path / "never", **arguments)
    assert list(tmp_path.iterdir()) == []


def test_a_word_longer_than_the_window_is_an_error_not_a_cut(tmp_path):
    with pytest.raises(ParameterError, match="longer duration"):
        make_speech_dataset(tmp_path / "long", vocabulary=["supercalifragilisticexpialidocious"],
                            per_class=3, duration=0.3, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_words_that_barely_fit_are_spoken_faster_and_kept_whole(tmp_path):
    path = make_speech_dataset(tmp_path / "tight", vocabulary=["seventy seven"], per_class=3,
                               duration=0.6, noise_snr_db=None, progress=False)
    for row in _rows(path):
        assert float(row["speech_duration"]) <= 0.9 * 0.6 + 1e-3
        y, sr = sf.read(str(path / row["file"]), dtype="float32")
        edge = int(0.004 * sr)
        peak = np.max(np.abs(y))
        assert np.max(np.abs(y[:edge])) < 0.05 * peak and np.max(np.abs(y[-edge:])) < 0.05 * peak
    assert max(int(r["rate"]) for r in _rows(path)) > 205  # faster than any base rate


def test_clean_speech_is_silent_around_the_word(tmp_path):
    path = make_speech_dataset(tmp_path / "clean", vocabulary=["stop"], per_class=3,
                               noise_snr_db=None, progress=False)
    for row in _rows(path):
        assert row["snr"] == "" and row["noise"] == ""
        y, sr = sf.read(str(path / row["file"]), dtype="float32")
        start = int(float(row["offset"]) * sr)
        if start > 10:
            assert np.max(np.abs(y[: start - 5])) < 1e-3


def test_takes_repeat_each_word_per_speaker(tmp_path):
    path = make_speech_dataset(tmp_path / "takes", vocabulary=["yes", "no"], per_class=6, takes=2,
                               progress=False)
    rows = _rows(path)
    assert len({r["speaker"] for r in rows}) == 3
    for speaker in {r["speaker"] for r in rows}:
        mine = sorted((r["label"], r["take"]) for r in rows if r["speaker"] == speaker)
        assert mine == [("no", "0"), ("no", "1"), ("yes", "0"), ("yes", "1")]
        takes = [r for r in rows if r["speaker"] == speaker and r["label"] == "yes"]
        assert (path / takes[0]["file"]).read_bytes() != (path / takes[1]["file"]).read_bytes()


def test_breathy_variants_warn_that_they_are_not_reproducible(tmp_path):
    with pytest.warns(AudiolabWarning, match="whisper"):
        make_speech_dataset(tmp_path / "whisper", vocabulary=["go"], per_class=3,
                            variants=["whisper"], progress=False)


def test_speech_digits_caches_under_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOLAB_DATA", str(tmp_path / "data"))
    path = speech_digits(per_class=3, progress=False)
    assert path.parent == tmp_path / "data" and path.name.startswith("speech-digits-3-16000hz-seed0-")
    assert len(list(path.glob("*/*.wav"))) == 30
    assert speech_digits(per_class=3, progress=False) == path
    assert speech_digits(per_class=3, seed=1, data_dir=tmp_path / "elsewhere",
                         progress=False).parent == tmp_path / "elsewhere"


def test_manifest_hash_covers_the_content(digits):
    manifest = json.loads((digits / "manifest.json").read_text())
    from audiolab.datasets._common import file_sha256, tree_sha256

    entries = [(p.relative_to(digits).as_posix(), file_sha256(p))
               for p in digits.rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert tree_sha256(entries) == manifest["content_sha256"]
    assert os.access(digits, os.R_OK)


def test_a_damaged_dataset_of_ours_is_rebuilt(tmp_path):
    path = make_speech_dataset(tmp_path / "words", vocabulary=["up"], per_class=3, progress=False)
    first = (path / "up" / "0001.wav").read_bytes()
    (path / "up" / "0001.wav").unlink()
    make_speech_dataset(path, vocabulary=["up"], per_class=3, progress=False)
    assert (path / "up" / "0001.wav").read_bytes() == first


class _Terminal:
    """A stand-in stderr that says it is a terminal and keeps what is written."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.slow
def test_a_big_dataset_shows_progress_in_a_terminal_and_none_elsewhere(tmp_path, monkeypatch, capfd):
    # A notebook kernel's stderr is no terminal: a lesson on an empty cache must
    # print nothing there (nbval compares it), while a terminal user sees the bar.
    arguments = {"vocabulary": ["up", "down"], "per_class": 250, "duration": 0.5,
                 "noise_snr_db": None}
    make_speech_dataset(tmp_path / "quiet", **arguments)
    assert capfd.readouterr().err == ""
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    make_speech_dataset(tmp_path / "shown", **arguments)
    assert "500/500" in terminal.text
