"""``_unknown_`` and ``_silence_``: the background classes of a keyword spotter (issue 16).

The data (``make_speech_dataset(unknown=True, silence=True)``, ``audiolab data
speech --unknown --silence``) and the rule that a class starting with ``_`` is
never a word heard (``audiolab predict``'s top choice, ``audiolab stream``, the
streaming detector), while evaluation counts it like any other class.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiolab.cli import main
from audiolab.datasets import DatasetError, load_folder, make_speech_dataset, read_manifest
from audiolab.datasets import speech as speech_module
from audiolab.errors import ParameterError
from audiolab.modelfile import is_background_class

CLASSES = ["_silence_", "_unknown_", "no", "yes"]


@pytest.fixture(scope="module")
def spotter(tmp_path_factory) -> Path:
    """Ten speakers saying yes and no, with ten _unknown_ and ten _silence_ clips (40)."""
    return make_speech_dataset(tmp_path_factory.mktemp("kws") / "kws", vocabulary=["yes", "no"],
                               per_class=10, seed=5, unknown=True, silence=True, progress=False)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path / "metadata.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_background_classes_have_a_class_of_clips_each_in_the_speakers_splits(spotter):
    manifest = read_manifest(spotter)
    assert manifest["class_names"] == CLASSES and manifest["n_clips"] == 40
    assert manifest["parameters"]["unknown"] is True and manifest["parameters"]["silence"] is True
    rows = _rows(spotter)
    assert Counter(r["label"] for r in rows) == {name: 10 for name in CLASSES}
    for name in CLASSES:
        assert len(list((spotter / name).glob("*.wav"))) == 10
    # split by speaker: a speaker's _unknown_ and _silence_ clips are in the speaker's split
    split_of: dict[str, set[str]] = {}
    for row in rows:
        split_of.setdefault(row["speaker"], set()).add(row["split"])
    assert all(len(splits) == 1 for splits in split_of.values()) and len(split_of) == 10
    for name in CLASSES:
        splits = Counter(r["split"] for r in rows if r["label"] == name)
        assert splits == {"train": 8, "val": 1, "test": 1}, name
    ds = load_folder(spotter, split="test", progress=False)
    assert sorted(ds.class_names) == CLASSES and len(ds) == 4


def test_unknown_says_varied_words_that_are_no_keyword(spotter):
    said = [r["text"] for r in _rows(spotter) if r["label"] == "_unknown_"]
    keywords = {w for words in speech_module.VOCABULARIES.values() for w in words} | {"yes", "no"}
    assert len(set(said)) == 10 and not set(said) & keywords
    assert set(said) <= set(speech_module.UNKNOWN_WORDS)
    assert all(r["text"] == r["label"] for r in _rows(spotter) if r["label"] in ("yes", "no"))


def test_the_word_list_leaves_out_every_vocabulary_and_the_asked_words():
    words = speech_module.UNKNOWN_WORDS
    assert len(words) >= 100 and len(set(words)) == len(words)
    keywords = {w for vocabulary in speech_module.VOCABULARIES.values() for w in vocabulary}
    homophones = {"for", "fore", "to", "too", "won", "ate", "know", "write", "rite", "sicks"}
    assert not set(words) & (keywords | homophones)
    assert all(w.isalpha() and w.islower() for w in words)
    mine = speech_module._unknown_words(["Apple", "tiger"])
    assert "apple" not in mine and "tiger" not in mine and len(mine) == len(words) - 2


def test_silence_clips_are_written_like_the_words_with_varied_levels(spotter):
    rows = [r for r in _rows(spotter) if r["label"] == "_silence_"]
    assert {r["noise"] for r in rows} == set(speech_module.BACKGROUND_KINDS)
    word = sf.info(str(spotter / "yes" / "0000.wav"))
    levels = []
    for row in rows:
        meta = sf.info(str(spotter / row["file"]))
        assert (meta.samplerate, meta.frames, meta.subtype, meta.channels) == (
            word.samplerate, word.frames, word.subtype, word.channels)
        y, _ = sf.read(str(spotter / row["file"]), dtype="float64")
        assert np.max(np.abs(y)) < 1
        if row["noise"] == "silence":
            assert not np.any(y)
        else:
            levels.append(10 * np.log10(np.mean(y**2)))
    assert max(levels) - min(levels) > 15  # quiet and louder backgrounds


@pytest.mark.parametrize("kind", speech_module.BACKGROUND_KINDS)
def test_every_kind_of_background(kind):
    n, sr = 8000, 8000
    y = speech_module._background(np.random.default_rng(1), kind, n, sr)
    again = speech_module._background(np.random.default_rng(1), kind, n, sr)
    assert y.shape == (n,) and np.all(np.isfinite(y)) and np.max(np.abs(y)) < 1
    assert np.array_equal(y, again)
    rms_db = 10 * np.log10(np.mean(y**2)) if np.any(y) else -np.inf
    if kind == "silence":
        assert rms_db == -np.inf
    else:
        assert -90 < rms_db < -10, rms_db
    if kind in ("clicks", "breath"):  # sparse: most of the clip is the faint floor
        assert np.median(np.abs(y)) < 10 ** (-60 / 20)


def test_the_same_seed_gives_the_same_files_and_another_seed_others(tmp_path, monkeypatch):
    monkeypatch.setattr(speech_module, "_CLIPS_PER_TASK", 3)
    kwargs = dict(vocabulary=["up"], per_class=3, seed=7, unknown=True, silence=True,
                  progress=False)
    first = make_speech_dataset(tmp_path / "first", n_jobs=1, **kwargs)
    second = make_speech_dataset(tmp_path / "second", n_jobs=2, **kwargs)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == 11  # 9 clips, metadata.csv, manifest.json
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    other = make_speech_dataset(tmp_path / "other", **{**kwargs, "seed": 8})
    assert (other / "_unknown_" / "0000.wav").read_bytes() != (
        first / "_unknown_" / "0000.wav").read_bytes()


def test_the_cache_is_keyed_on_the_options(tmp_path):
    plain = speech_module._parameters("digits", 100, 1, 16000, 1.0, 0, (10.0, 40.0), None, None,
                                      (0.8, 0.1, 0.1))
    # datasets without background classes keep their parameters (and cache names) as before
    assert not {"unknown", "silence", "background"} & set(plain)
    path = make_speech_dataset(tmp_path / "w", vocabulary=["up"], per_class=3, silence=True,
                               progress=False)
    with pytest.raises(DatasetError, match="unknown"):
        make_speech_dataset(path, vocabulary=["up"], per_class=3, unknown=True, silence=True,
                            progress=False)
    with pytest.raises(DatasetError, match="other parameters"):
        make_speech_dataset(path, vocabulary=["up"], per_class=3, progress=False)
    make_speech_dataset(path, vocabulary=["up"], per_class=3, unknown=True, overwrite=True,
                        progress=False)
    assert read_manifest(path)["class_names"] == ["_unknown_", "up"]
    assert not (path / "_silence_").exists()


@pytest.mark.parametrize("kwargs, match", [
    (dict(unknown="yes"), "unknown must be True or False"),
    (dict(silence=1), "silence must be True or False"),
    (dict(vocabulary=["_unknown_"], unknown=True), "background class"),
    (dict(vocabulary=["yes", "_noise"]), "background class"),
])
def test_bad_arguments_are_refused_before_any_work(tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        make_speech_dataset(tmp_path / "out", **{"per_class": 3, **kwargs})
    assert not (tmp_path / "out").exists()


def test_the_command_line_flags(tmp_path, capsys):
    out = tmp_path / "kws"
    argv = ["data", "speech", str(out), "--vocabulary", "yes", "--per-class", "3", "--sr",
            "8000", "--no-noise", "--unknown", "--silence", "--quiet"]
    assert main(argv) == 0
    assert "9 clips, 3 classes, 3/3/3 train/val/test" in capsys.readouterr().out
    assert read_manifest(out)["class_names"] == ["_silence_", "_unknown_", "yes"]
    assert main(["data", "info", str(out)]) == 0
    assert "unknown=True, silence=True" in capsys.readouterr().out
    assert main(argv[:-3] + ["--quiet"]) == 2  # the same folder without them: other parameters
    error = capsys.readouterr().err
    assert error.startswith("audiolab: error:") and error.count("\n") == 1 and "unknown" in error
    assert main(["data", "speech", str(tmp_path / "x"), "--vocabulary", "_a,b", "--unknown"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("audiolab: error:") and error.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["data", "speech", "--help"])
    text = capsys.readouterr().out
    assert "--unknown" in text and "--silence" in text


# ---------------------------------------------------------------------------
# Background classes are never reported as words
# ---------------------------------------------------------------------------

SR = 8000
FREQS = {"_silence_": 500.0, "high": 3000.0, "low": 1200.0}


class FakeSpotter:
    """A predictor without TensorFlow: the class whose tone is loudest in the window."""

    class_names = sorted(FREQS)
    sr = SR
    n_samples = SR // 2

    def predict_proba(self, clips):
        spectrum = np.abs(np.fft.rfft(np.asarray(clips), axis=1))
        freqs = np.fft.rfftfreq(self.n_samples, 1 / SR)
        energy = np.stack([spectrum[:, np.abs(freqs - FREQS[c]) < 100].sum(1) + 1e-3
                           for c in self.class_names], 1)
        return (energy / energy.sum(1, keepdims=True)).astype(np.float32)


def _tones(*parts: tuple[str | None, float]) -> np.ndarray:
    """Tones of the classes (None: silence), each lasting its seconds, one after another."""
    out = []
    for name, seconds in parts:
        t = np.arange(int(seconds * SR)) / SR
        out.append(np.zeros_like(t) if name is None else 0.3 * np.sin(2 * np.pi * FREQS[name] * t))
    return np.concatenate(out).astype(np.float32)


def test_is_background_class():
    assert is_background_class("_unknown_") and is_background_class("_silence_")
    assert not is_background_class("yes") and not is_background_class("un_known")


def test_the_streaming_detector_never_reports_a_background_class():
    from audiolab.deploy import StreamingDetector

    y = _tones((None, 0.5), ("_silence_", 1.5), (None, 0.5), ("low", 1.0), (None, 0.5))
    result = StreamingDetector(FakeSpotter(), hop=0.1, smoothing=3).process(y)
    assert [d["label"] for d in result.detections] == ["low"]
    # the windows were classified: _silence_ won them, and was not reported
    assert result.smoothed[:, 0].max() > 0.9


def test_predict_and_stream_say_no_keyword_for_a_background_class(tmp_path, capsys, monkeypatch):
    from audiolab.cli import deploy as deploy_cli
    from audiolab.io import save

    monkeypatch.setattr(deploy_cli, "open_model", lambda path: FakeSpotter())
    model = tmp_path / "fake.tflite"
    model.write_bytes(b"not read: open_model is replaced")
    save(tmp_path / "quiet.wav", _tones(("_silence_", 0.5)), sr=SR)
    save(tmp_path / "low.wav", _tones(("low", 0.5)), sr=SR)
    assert main(["predict", str(model), str(tmp_path / "quiet.wav"), str(tmp_path / "low.wav"),
                 "--top-k", "2"]) == 0
    quiet, low = capsys.readouterr().out.splitlines()
    assert quiet.startswith(f"{tmp_path / 'quiet.wav'}: no keyword (_silence_ ")
    assert low.startswith(f"{tmp_path / 'low.wav'}: low (") and "no keyword" not in low
    # --json lists the classes as they are
    assert main(["predict", str(model), str(tmp_path / "quiet.wav"), "--json"]) == 0
    assert '"label": "_silence_"' in capsys.readouterr().out
    save(tmp_path / "long.wav", _tones(("_silence_", 2.0), (None, 0.5), ("high", 1.0)), sr=SR)
    assert main(["stream", str(model), str(tmp_path / "long.wav")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].endswith(")") and " high " in lines[1]
    assert "_silence_" not in "\n".join(lines)


def test_the_cached_vocabularies_take_the_background_classes(tmp_path):
    from audiolab.datasets import speech_commands

    plain = speech_commands(per_class=3, data_dir=tmp_path, progress=False)
    spotter = speech_commands(per_class=3, unknown=True, silence=True, data_dir=tmp_path,
                              progress=False)
    assert spotter != plain and spotter.parent == plain.parent == tmp_path
    assert "_unknown_" not in read_manifest(plain)["class_names"]
    assert {"_unknown_", "_silence_"} <= set(read_manifest(spotter)["class_names"])
    assert speech_commands(per_class=3, unknown=True, silence=True, data_dir=tmp_path,
                           progress=False) == spotter
