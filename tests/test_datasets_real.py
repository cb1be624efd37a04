"""Real datasets: FSDD from the local copy, and downloads tested offline on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import io
import shutil
import tarfile
import zipfile
from importlib import resources
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
    FSDD_SHA256,
    DatasetError,
    DownloadError,
    download_dataset,
    kfold,
    load_esc50,
    load_fsdd,
    load_mini_speech_commands,
    real,
    train_val_test_split,
    verify_fsdd,
)
from audiolab.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]

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


def test_a_checksum_mismatch_without_a_manifest_is_refused_by_the_archive(served, tmp_path):
    www, url = served
    archive = make_zip(www / "mini_speech_commands.zip",
                       {"mini_speech_commands/yes/a_nohash_0.wav": wav_bytes(tone(300))})
    data = tmp_path / "data"
    with pytest.raises(DownloadError, match="SHA-256 does not match"):
        download_dataset("mini_speech_commands", data_dir=data, url=f"{url}/{archive.name}",
                         sha256="0" * 64, progress=False)
    assert not (data / "mini_speech_commands").exists()
    assert list((data / "downloads").iterdir()) == []


# --------------------------------------------------------------------------
# FSDD verified by its contents: the packaged manifest of every recording's SHA-256
# --------------------------------------------------------------------------

FSDD_PREFIX = "free-spoken-digit-dataset-1.0.10/"
SPEAKERS = ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]


def _manifest_file_text() -> str:
    return resources.files("audiolab.datasets").joinpath("manifests/fsdd.sha256").read_text(
        encoding="ascii")


def _flip_a_byte(data: bytes, at: int = 100) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0xFF
    return bytes(changed)


@pytest.fixture
def small_manifest(monkeypatch) -> dict[str, bytes]:
    """Make the miniature FSDD of ``fsdd_members()`` the published one; return its members."""
    members = fsdd_members()
    digests = {name.rsplit("/", 1)[1]: hashlib.sha256(data).hexdigest()
               for name, data in members.items() if name.endswith(".wav")}
    monkeypatch.setattr(real, "_fsdd_manifest", lambda: digests)
    return members


@pytest.fixture
def publish(served, monkeypatch):
    """Serve a zip as *the* published FSDD archive, expected to have the SHA-256 ``sha256``.

    By default that stays FSDD_SHA256 (which a test archive never has); None
    makes the archive's own SHA-256 the published one (the fast path).
    """
    www, url = served

    def publish_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_STORED,
                    sha256: str | None = FSDD_SHA256) -> Path:
        archive = www / "v1.0.10.zip"
        with zipfile.ZipFile(archive, "w") as bundle:
            for name, data in members.items():
                bundle.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
        remote = dataclasses.replace(real.REMOTE_DATASETS["fsdd"], url=f"{url}/v1.0.10.zip",
                                     sha256=sha256 or sha256_of(archive))
        monkeypatch.setitem(real.REMOTE_DATASETS, "fsdd", remote)
        return archive

    return publish_zip


def _nothing_left(data: Path) -> None:
    assert not (data / "fsdd").exists()
    assert list((data / "downloads").iterdir()) == []  # the archive is deleted
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []  # no build folder


def test_the_manifest_lists_the_3000_published_recordings_sorted():
    lines = _manifest_file_text().splitlines()
    names = [line.split("  ")[1] for line in lines]
    assert names == sorted(names) and len(set(names)) == 3000
    assert set(names) == {f"{d}_{s}_{t}.wav" for d in range(10) for s in SPEAKERS
                          for t in range(50)}
    assert all(len(line.split("  ")[0]) == 64 for line in lines)
    assert dict(real._fsdd_manifest()) == {n: line[:64] for n, line in zip(names, lines,
                                                                              strict=True)}


def test_the_manifest_matches_the_local_copy_and_the_tool_rebuilds_it(fsdd, tmp_path):
    verify_fsdd(fsdd)
    verify_fsdd(fsdd / "recordings")
    spec = importlib.util.spec_from_file_location("make_fsdd_manifest",
                                                  ROOT / "tools" / "make_fsdd_manifest.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main([str(fsdd), "--output", str(tmp_path / "fsdd.sha256")]) == 0
    assert (tmp_path / "fsdd.sha256").read_text(encoding="ascii") == _manifest_file_text()
    assert [p.name for p in tmp_path.iterdir()] == ["fsdd.sha256"]


def test_a_corrupt_and_a_missing_recording_of_the_local_copy_are_named(fsdd, tmp_path):
    copy = tmp_path / "fsdd"
    shutil.copytree(fsdd / "recordings", copy / "recordings")
    damaged = copy / "recordings" / "3_theo_17.wav"
    damaged.write_bytes(_flip_a_byte(damaged.read_bytes()))
    (copy / "recordings" / "8_lucas_2.wav").unlink()
    (copy / "recordings" / "notes.txt").write_text("not a recording: ignored")
    with pytest.raises(DatasetError) as caught:
        verify_fsdd(copy)
    message = str(caught.value)
    assert message.startswith(f"{copy}: 2 recordings do not match the published FSDD")
    assert "1 corrupt (SHA-256 differs: 3_theo_17.wav)" in message
    assert "1 missing (8_lucas_2.wav)" in message
    assert "notes.txt" not in message and "\n" not in message and "AUDIOLAB_FSDD" in message


def test_verify_names_the_first_few_problems_and_counts_them(small_manifest, tmp_path):
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    for name, data in small_manifest.items():
        if name.endswith(".wav"):
            (recordings / name.rsplit("/", 1)[1]).write_bytes(data)
    verify_fsdd(tmp_path)
    for take in range(5):
        file = recordings / f"9_bob_{take}.wav"
        file.write_bytes(_flip_a_byte(file.read_bytes()))
    (recordings / "0_ann_0.wav").unlink()
    (recordings / "5_zoe_1.wav").write_bytes(b"RIFF")
    with pytest.raises(DatasetError) as caught:
        verify_fsdd(recordings)
    message = str(caught.value)
    assert ("7 recordings do not match the published FSDD v1.0.10: 5 corrupt (SHA-256 "
            "differs: 9_bob_0.wav, 9_bob_1.wav, 9_bob_2.wav and 2 more), 1 missing "
            "(0_ann_0.wav), 1 not in FSDD (5_zoe_1.wav). Download ") in message
    with pytest.raises(DatasetError, match="no such folder"):
        verify_fsdd(tmp_path / "nowhere")
    with pytest.raises(ParameterError, match="folder"):
        verify_fsdd(None)


def test_a_download_with_other_bytes_but_the_published_recordings_is_accepted(
        small_manifest, publish, tmp_path):
    archive = publish(small_manifest)  # stored, not deflated: not the audited bytes
    assert sha256_of(archive) != FSDD_SHA256
    data = tmp_path / "data"
    ds = load_fsdd(data_dir=data, load_audio=False, progress=False)
    assert len(ds) == 120
    assert (data / "fsdd" / FSDD_PREFIX / "recordings" / "0_ann_0.wav").is_file()
    assert list((data / "downloads").iterdir()) == []
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_the_published_recordings_rezipped_are_accepted_and_installed(fsdd, publish, tmp_path):
    members = {f"{FSDD_PREFIX}README.md": b"# FSDD\n"}
    members |= {f"{FSDD_PREFIX}recordings/{p.name}": p.read_bytes()
                for p in sorted((fsdd / "recordings").glob("*.wav"))}
    assert len(members) == 3001
    publish(members, compression=zipfile.ZIP_STORED)
    data = tmp_path / "data"
    target = download_dataset("fsdd", data_dir=data, progress=False)
    verify_fsdd(target)
    assert len(load_fsdd(data_dir=data, load_audio=False, download=False)) == 3000
    assert list((data / "downloads").iterdir()) == []


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_a_download_with_a_bad_recording_is_refused_and_leaves_nothing(
        small_manifest, publish, tmp_path, damage):
    members = dict(small_manifest)
    name = f"{FSDD_PREFIX}recordings/4_bob_3.wav"
    if damage == "corrupt":
        members[name] = _flip_a_byte(members[name])
    else:
        del members[name]
    publish(members)
    data = tmp_path / "data"
    with pytest.raises(DownloadError) as caught:
        load_fsdd(data_dir=data, load_audio=False, progress=False)
    message = str(caught.value)
    expected = ("1 corrupt (SHA-256 differs: 4_bob_3.wav)" if damage == "corrupt"
                else "1 missing (4_bob_3.wav)")
    assert f"1 recording does not match the published FSDD v1.0.10: {expected}" in message
    assert f"SHA-256 is not {FSDD_SHA256}" in message and "the download was deleted" in message
    assert "AUDIOLAB_FSDD" in message and "\n" not in message
    _nothing_left(data)


def test_the_fast_path_accepts_the_audited_archive_without_reading_the_recordings(
        publish, tmp_path, monkeypatch):
    publish(fsdd_members(), sha256=None)
    # A manifest that these recordings could never match: only the archive's hash is used.
    monkeypatch.setattr(real, "_fsdd_manifest", lambda: {"0_george_0.wav": "0" * 64})
    data = tmp_path / "data"
    assert len(load_fsdd(data_dir=data, load_audio=False, progress=False)) == 120
    assert list((data / "downloads").iterdir()) == []
