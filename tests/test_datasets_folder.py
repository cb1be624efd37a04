"""Class-per-folder datasets: layouts, skipped and broken files, fixed lengths, splits."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from datasets_fixtures import tone, write_broken_files, write_wav

from audiolab.datasets import AudioDataset, DatasetError, load_folder
from audiolab.errors import AudiolabError, AudiolabWarning, ParameterError


@pytest.fixture
def animals(tmp_path) -> Path:
    """cat/ (3 tones) and dog/ (2 tones) plus broken, hidden and non-audio files."""
    root = tmp_path / "animals"
    for i in range(3):
        write_wav(root / "cat" / f"c{i}.wav", tone(300 + 10 * i, duration=0.2 + 0.1 * i))
    write_wav(root / "dog" / "d0.wav", tone(500, sr=8000), sr=8000)
    write_wav(root / "dog" / "sub" / "d1.wav", tone(520))
    write_broken_files(root / "dog")
    (root / "cat" / "notes.txt").write_text("not audio")
    write_wav(root / "cat" / ".hidden.wav", tone(100))
    write_wav(root / ".cache" / "x.wav", tone(100))
    write_wav(root / "__MACOSX" / "cat" / "._c0.wav", tone(100))
    (root / "README.md").write_text("read me")
    return root


def test_loads_the_good_files_and_warns_once_naming_the_broken(animals):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = load_folder(animals, progress=False)
    ours = [w for w in caught if issubclass(w.category, AudiolabWarning)]
    assert len(ours) == 1
    message = str(ours[0].message)
    for name in ("garbage.wav", "empty.wav", "truncated.wav"):
        assert name in message
    assert "3 of 8" in message
    assert ds.n_broken == 3 and sorted(p.name for p in ds.broken) == [
        "empty.wav", "garbage.wav", "truncated.wav"]
    assert ds.class_names == ["cat", "dog"]
    assert [p.name for p in ds.paths] == ["c0.wav", "c1.wav", "c2.wav", "d0.wav", "d1.wav"]
    assert ds.labels.tolist() == [0, 0, 0, 1, 1] and ds.labels.dtype == np.int64
    assert ds.sr == 16000 and all(y.dtype == np.float32 for y in ds.clips)
    assert len(ds.clips[3]) == 4000  # 0.25 s at 8 kHz, resampled to 16 kHz
    assert ds.split is None and ds.counts() == {"cat": 3, "dog": 2}
    assert "5 clips" in repr(ds) and "3 broken" in repr(ds)


def test_duration_centre_crops_and_pads(tmp_path):
    ramp = np.linspace(-0.5, 0.5, 1600, dtype=np.float32)
    write_wav(tmp_path / "d" / "a" / "long.wav", ramp)
    write_wav(tmp_path / "d" / "b" / "short.wav", ramp[:400])
    ds = load_folder(tmp_path / "d", duration=0.05, progress=False)  # 800 samples
    assert isinstance(ds.clips, np.ndarray) and ds.clips.shape == (2, 800)
    np.testing.assert_allclose(ds.clips[0], ramp[400:1200], atol=1e-4)
    np.testing.assert_allclose(ds.clips[1, 200:600], ramp[:400], atol=1e-4)
    assert not ds.clips[1, :200].any() and not ds.clips[1, 600:].any()


def test_native_rates_need_to_agree(animals, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudiolabWarning)
        with pytest.raises(DatasetError, match="different sample rates"):
            load_folder(animals, sr=None, progress=False)
    write_wav(tmp_path / "same" / "x" / "a.wav", tone(200, sr=8000), sr=8000)
    ds = load_folder(tmp_path / "same", sr=None, progress=False)
    assert ds.sr == 8000 and len(ds.clips[0]) == 2000


def test_paths_only_checks_headers(animals):
    with pytest.warns(AudiolabWarning, match="garbage.wav"):
        ds = load_folder(animals, load_audio=False, sr=None, progress=False)
    assert ds.clips is None and ds.sr is None
    # Header checks find the garbage, the empty and the truncated file without decoding.
    assert {p.name for p in ds.broken} == {"garbage.wav", "empty.wav", "truncated.wav"}


def test_split_folders_are_recognised(tmp_path):
    root = tmp_path / "splits"
    for split, classes in {"train": ["a", "b"], "validation": ["a", "b"], "test": ["a", "b", "c"]}.items():
        for name in classes:
            write_wav(root / split / name / "x.wav", tone(300))
            write_wav(root / split / name / "y.wav", tone(310))
    ds = load_folder(root, progress=False)
    assert len(ds) == 14 and ds.class_names == ["a", "b", "c"]
    assert sorted(set(ds.split)) == ["test", "train", "val"]
    train = load_folder(root, split="train", progress=False)
    assert len(train) == 4 and train.class_names == ["a", "b", "c"] and set(train.split) == {"train"}
    assert len(ds.subset(split="val")) == 4
    val = load_folder(root, split="validation", progress=False)
    assert set(val.split) == {"val"}


def test_metadata_csv_gives_splits_and_speakers(tmp_path):
    root = tmp_path / "meta"
    for i, (name, _split, _speaker) in enumerate(
        [("a", "train", "s1"), ("a", "test", "s2"), ("b", "train", "s1"), ("b", "val", "s3")]
    ):
        write_wav(root / name / f"{i}.wav", tone(300 + i))
    (root / "metadata.csv").write_text(
        "file,label,speaker,split\n"
        "a/0.wav,a,s1,train\na/1.wav,a,s2,test\nb/2.wav,b,s1,train\nb/3.wav,b,s3,val\n"
    )
    ds = load_folder(root, progress=False)
    assert ds.split.tolist() == ["train", "test", "train", "val"]
    assert ds.groups.tolist() == ["s1", "s2", "s1", "s3"]
    assert ds.metadata["speaker"].tolist() == ds.groups.tolist()
    assert load_folder(root, split="val", progress=False).paths[0].name == "3.wav"


def test_a_split_needs_split_information(tmp_path):
    write_wav(tmp_path / "plain" / "a" / "x.wav", tone(300))
    with pytest.raises(DatasetError, match="no train/"):
        load_folder(tmp_path / "plain", split="train")
    with pytest.raises(ParameterError, match="split"):
        load_folder(tmp_path / "plain", split="holdout")


@pytest.mark.parametrize("layout", ["missing", "file", "empty", "no_classes", "no_audio"])
def test_folders_without_a_dataset_are_clear_errors(tmp_path, layout):
    root = tmp_path / "data"
    if layout == "file":
        root.write_text("x")
    elif layout != "missing":
        root.mkdir()
        if layout == "no_classes":
            write_wav(root / "loose.wav", tone(300))
        if layout == "no_audio":
            (root / "a").mkdir()
            (root / "a" / "notes.txt").write_text("x")
    with pytest.raises(DatasetError) as caught:
        load_folder(root)
    assert isinstance(caught.value, AudiolabError)
    assert str(root) in str(caught.value)


def test_a_folder_of_only_broken_files_is_an_error(tmp_path):
    write_broken_files(tmp_path / "bad" / "a")
    with pytest.raises(DatasetError, match="none of its 3 audio files"):
        load_folder(tmp_path / "bad")


@pytest.mark.parametrize(
    "kwargs", [{"sr": 0}, {"duration": -1.0}, {"load_audio": "yes"},
               {"duration": 1.0, "load_audio": False}, {"progress": "loud"}],
)
def test_bad_arguments(animals, kwargs):
    with pytest.raises(ParameterError):
        load_folder(animals, **kwargs)


def test_subset_keeps_class_names_and_aligns_everything(tmp_path):
    for i in range(6):
        write_wav(tmp_path / "s" / ("a" if i < 3 else "b") / f"{i}.wav", tone(300 + 20 * i))
    ds = load_folder(tmp_path / "s", duration=0.1, progress=False)
    part = ds.subset([4, 1])
    assert isinstance(part, AudioDataset) and part.class_names == ["a", "b"]
    assert part.labels.tolist() == [1, 0] and [p.name for p in part.paths] == ["4.wav", "1.wav"]
    np.testing.assert_array_equal(part.clips[0], ds.clips[4])
    mask = ds.labels == 1
    assert len(ds.subset(mask)) == 3
    with pytest.raises(ParameterError):
        ds.subset([10])
    with pytest.raises(ParameterError):
        ds.subset(split="train")  # no split information
    with pytest.raises(ParameterError):
        ds.subset()
