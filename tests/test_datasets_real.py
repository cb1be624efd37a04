"""Real datasets: FSDD from the local copy, and downloads tested offline on 127.0.0.1."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from datasets_fixtures import (
    closed_port_url,
    fsdd_members,
    make_zip,
    serve_directory,
    sha256_of,
    tone,
    wav_bytes,
)

from audiolab.datasets import (
    DatasetError,
    DownloadError,
    download_dataset,
    kfold,
    load_esc50,
    load_fsdd,
    load_mini_speech_commands,
    train_val_test_split,
)
from audiolab.errors import ParameterError

# --------------------------------------------------------------------------
# FSDD through the local copy (the conftest fixture `fsdd` skips without one)
# --------------------------------------------------------------------------


def test_fsdd_local_copy_has_the_official_split(fsdd):
    ds = load_fsdd(fsdd, load_audio=False, download=False)
    assert len(ds) == 3000 and ds.n_broken == 0
    assert ds.class_names == [str(d) for d in range(10)]
    assert (ds.split == "train").sum() == 2700 and (ds.split == "test").sum() == 300
    assert sorted(set(ds.groups)) == ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]
    takes = ds.metadata["take"]
    assert takes.min() == 0 and takes.max() == 49
    assert np.all((takes < 5) == (ds.split == "test"))
    for path, label, speaker, take in zip(ds.paths[:50], ds.labels[:50], ds.groups[:50],
                                          takes[:50], strict=True):
        assert path.name == f"{label}_{speaker}_{take}.wav"
    assert set(ds.metadata["gender"]) == {"male"}
    assert np.bincount(ds.labels).tolist() == [300] * 10


def test_fsdd_loads_audio_resampled_and_fixed_length(fsdd):
    test = load_fsdd(fsdd, split="test", duration=1.0, download=False, progress=False)
    assert test.clips.shape == (300, 16000) and test.clips.dtype == np.float32 and test.sr == 16000
    native = load_fsdd(fsdd, split="test", sr=None, download=False, progress=False)
    assert native.sr == 8000 and len(native) == 300
    assert all(0.1 < len(y) / 8000 < 2.5 for y in native.clips)


def test_fsdd_words_line_up_with_the_synthetic_digits(fsdd):
    ds = load_fsdd(fsdd, load_audio=False, as_words=True, download=False)
    assert ds.class_names == sorted(["zero", "one", "two", "three", "four", "five", "six",
                                     "seven", "eight", "nine"])
    for path, label in zip(ds.paths[::300], ds.labels[::300], strict=True):
        digit = int(path.name.split("_")[0])
        assert ds.class_names[label] == ["zero", "one", "two", "three", "four", "five", "six",
                                         "seven", "eight", "nine"][digit]


def test_fsdd_speaker_grouped_split(fsdd):
    ds = load_fsdd(fsdd, load_audio=False, download=False)
    split = train_val_test_split(ds.labels, groups=ds.groups, seed=0)
    speakers = [set(ds.groups[index]) for index in split]
    assert [len(s) for s in speakers] == [4, 1, 1]
    assert not (speakers[0] & speakers[1] or speakers[0] & speakers[2] or speakers[1] & speakers[2])


def test_fsdd_is_found_through_the_environment(fsdd, monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIOLAB_FSDD", str(fsdd / "recordings"))
    monkeypatch.setenv("AUDIOLAB_DATA", str(tmp_path))
    assert len(load_fsdd(load_audio=False, download=False)) == 3000


def test_without_a_copy_the_error_says_how_to_get_the_data(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDIOLAB_FSDD", raising=False)
    monkeypatch.setenv("AUDIOLAB_DATA", str(tmp_path))
    with pytest.raises(DatasetError) as caught:
        load_fsdd(download=False)
    message = str(caught.value)
    assert "v1.0.10.zip" in message and "AUDIOLAB_FSDD" in message and str(tmp_path) in message
    with pytest.raises(DatasetError, match="does not hold"):
        load_fsdd(tmp_path, download=False)


# --------------------------------------------------------------------------
# Downloads, offline: a local HTTP server serves small archives of the same layout
# --------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "www"
    folder.mkdir()
    with serve_directory(folder) as url:
        yield folder, url


def test_download_verifies_extracts_and_loads(served, tmp_path):
    www, url = served
    archive = make_zip(www / "fsdd.zip", fsdd_members())
    data = tmp_path / "data"
    ds = load_fsdd(data_dir=data, url=f"{url}/fsdd.zip", sha256=sha256_of(archive),
                   load_audio=False, progress=False)
    assert len(ds) == 120 and (ds.split == "test").sum() == 100
    assert (data / "fsdd" / "free-spoken-digit-dataset-1.0.10" / "recordings").is_dir()
    assert list((data / "downloads").iterdir()) == []  # the archive is removed once extracted
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []
    # Now a local copy: no second download (the server's file may even go away).
    archive.unlink()
    assert len(load_fsdd(data_dir=data, load_audio=False)) == 120


def test_a_checksum_mismatch_is_an_error_and_leaves_no_cache(served, tmp_path):
    www, url = served
    make_zip(www / "fsdd.zip", fsdd_members())
    data = tmp_path / "data"
    with pytest.raises(DownloadError, match="SHA-256"):
        download_dataset("fsdd", data_dir=data, url=f"{url}/fsdd.zip", sha256="0" * 64,
                         progress=False)
    assert not (data / "fsdd").exists()
    assert list((data / "downloads").iterdir()) == []


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as bundle:
        for info, data in members:
            bundle.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file_info(name: str, data: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info


def _symlink_info(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info


@pytest.mark.parametrize(
    "kind", ["zip-dotdot", "zip-absolute", "zip-symlink", "tar-dotdot", "tar-absolute",
             "tar-symlink", "tar-hardlink"],
)
def test_archive_members_that_escape_the_folder_are_refused(served, tmp_path, kind):
    www, url = served
    good = fsdd_members()
    evil = b"evil"
    if kind.startswith("zip"):
        import zipfile

        name = {"zip-dotdot": "../evil.txt", "zip-absolute": "/tmp/audiolab-evil.txt",
                "zip-symlink": "free-spoken-digit-dataset-1.0.10/link"}[kind]
        archive = make_zip(www / "bad.zip", good)
        with zipfile.ZipFile(archive, "a") as bundle:
            info = zipfile.ZipInfo(name)
            if kind == "zip-symlink":
                info.external_attr = (0o120777 << 16)
                bundle.writestr(info, "/etc/passwd")
            else:
                bundle.writestr(info, evil)
    else:
        members = [(_file_info(n, d), d) for n, d in list(good.items())[:3]]
        if kind == "tar-dotdot":
            members.append((_file_info("../evil.txt", evil), evil))
        elif kind == "tar-absolute":
            members.append((_file_info("/tmp/audiolab-evil.txt", evil), evil))
        elif kind == "tar-symlink":
            members.append((_symlink_info("free-spoken-digit-dataset-1.0.10/link", "/etc"), None))
        else:
            hard = tarfile.TarInfo("free-spoken-digit-dataset-1.0.10/hard")
            hard.type = tarfile.LNKTYPE
            hard.linkname = "/etc/passwd"
            members.append((hard, None))
        archive = _tar(www / "bad.tar.gz", members)
    data = tmp_path / "data"
    with pytest.raises(DownloadError, match="refusing to extract"):
        download_dataset("fsdd", data_dir=data, url=f"{url}/{archive.name}",
                         sha256=sha256_of(archive), progress=False)
    assert not (data / "fsdd").exists()
    assert not (tmp_path / "evil.txt").exists() and not (data / "evil.txt").exists()
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []


def test_no_download_without_a_checksum(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOLAB_DATA", str(tmp_path))
    monkeypatch.delenv("AUDIOLAB_SPEECH_COMMANDS", raising=False)
    # No SHA-256 is published for mini Speech Commands: refused before any network access.
    with pytest.raises(DownloadError, match="sha256"):
        load_mini_speech_commands()
    with pytest.raises(DownloadError, match="sha256"):
        download_dataset("fsdd", url="http://127.0.0.1:9/mirror.zip")
    with pytest.raises(ParameterError, match="sha256"):
        download_dataset("fsdd", sha256="not-a-hash")
    with pytest.raises(ParameterError, match="name"):
        download_dataset("librispeech")


def test_offline_errors_say_how_to_get_the_data(tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_dataset("fsdd", data_dir=tmp_path, url=closed_port_url(), sha256="a" * 64,
                         progress=False)
    message = str(caught.value)
    assert "cannot download" in message and "AUDIOLAB_FSDD" in message
    assert "github.com/Jakobovski" in message
    assert not (tmp_path / "fsdd").exists()


def test_mini_speech_commands_from_a_verified_download(served, tmp_path):
    www, url = served
    members = {"mini_speech_commands/README.md": b"excerpt"}
    for i, word in enumerate(["down", "go", "left", "no", "right", "stop", "up", "yes"]):
        for speaker in ("0a1b2c3d", "ffee0011"):
            members[f"mini_speech_commands/{word}/{speaker}_nohash_0.wav"] = wav_bytes(
                tone(300 + 40 * i, duration=0.1))
    archive = make_zip(www / "mini_speech_commands.zip", members)
    ds = load_mini_speech_commands(data_dir=tmp_path / "data", url=f"{url}/{archive.name}",
                                   sha256=sha256_of(archive), progress=False)
    assert ds.class_names == ["down", "go", "left", "no", "right", "stop", "up", "yes"]
    assert len(ds) == 16 and sorted(set(ds.groups)) == ["0a1b2c3d", "ffee0011"]
    assert ds.sr == 16000 and len(ds.clips[0]) == 1600


def test_esc50_from_a_local_copy_with_its_five_folds(tmp_path):
    root = tmp_path / "ESC-50-master"
    (root / "audio").mkdir(parents=True)
    (root / "meta").mkdir()
    lines = ["filename,fold,target,category,esc10,src_file,take"]
    categories = ["dog", "rain", "siren"]
    for fold in range(1, 6):
        for target, category in enumerate(categories):
            for take in "AB":
                name = f"{fold}-{100 * target + fold}-{take}-{target}.wav"
                (root / "audio" / name).write_bytes(
                    wav_bytes(tone(200 + 100 * target, sr=44100, duration=0.05), sr=44100))
                lines.append(f"{name},{fold},{target},{category},{category == 'dog'},"
                             f"{100 * target + fold},{take}")
    (root / "meta" / "esc50.csv").write_text("\n".join(lines) + "\n")
    ds = load_esc50(tmp_path, sr=None, progress=False, download=False)
    assert len(ds) == 30 and ds.class_names == categories and ds.sr == 44100
    assert sorted(set(ds.groups)) == ["1", "2", "3", "4", "5"]
    folds = kfold(ds.labels, groups=ds.groups, n_splits=5)
    assert sorted(tuple(sorted(set(ds.groups[test]))) for _, test in folds) == [
        ("1",), ("2",), ("3",), ("4",), ("5",)]
    esc10 = load_esc50(root, load_audio=False, esc10=True, download=False)
    assert esc10.class_names == ["dog"] and len(esc10) == 10


def test_esc50_download_is_verified_too(served, tmp_path):
    www, url = served
    members = {"ESC-50-master/meta/esc50.csv":
               b"filename,fold,target,category,esc10,src_file,take\n1-1-A-0.wav,1,0,dog,True,1,A\n",
               "ESC-50-master/audio/1-1-A-0.wav": wav_bytes(tone(300, duration=0.05))}
    archive = make_zip(www / "master.zip", members)
    ds = load_esc50(data_dir=tmp_path / "data", url=f"{url}/master.zip",
                    sha256=sha256_of(archive), load_audio=False, progress=False)
    assert len(ds) == 1 and ds.metadata["fold"].tolist() == [1]
