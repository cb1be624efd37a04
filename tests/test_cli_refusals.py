"""What the ``audiolab`` command refuses before it works: one line, a non-zero exit, no traceback.

Each case of the command's refusals (issue 18): sizes that cannot fit, outputs
that cannot be written, layouts that would train the wrong classes, values out
of range, damaged datasets, and messages in the command's own terms.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest
from datasets_fixtures import write_wav

from audiolab.cli import main
from audiolab.datasets import _common

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(capsys) -> str:
    """The error the command printed: one line, ``audiolab: error: ...``, nothing on stdout."""
    captured = capsys.readouterr()
    assert captured.err.startswith("audiolab: error: "), captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err


# --------------------------------------------------------------------------------------
# 1. Sizes: bounded, and a run that cannot fit is refused before it starts
# --------------------------------------------------------------------------------------


def test_speech_refuses_a_huge_per_class_at_once(tmp_path, capsys):
    assert main(["data", "speech", str(tmp_path / "big"), "--per-class", "99999999999"]) == 2
    assert "--per-class must be at most 100,000" in one_line_error(capsys)
    assert not any(tmp_path.iterdir())


def test_speech_refuses_a_run_the_disk_cannot_hold(tmp_path, capsys, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(_common.shutil, "disk_usage", lambda _: usage(10**9, 10**9 - 10**6, 10**6))
    argv = ["data", "speech", str(tmp_path / "big"), "--per-class", "100", "--quiet"]
    assert main(argv) == 2
    error = one_line_error(capsys)
    assert "1,000 clips of 1 s at 16000 Hz need about" in error and "on disk" in error
    assert "1.0 MB free" in error and "--per-class" in error
    assert [p.name for p in tmp_path.iterdir()] == []  # the build folder is gone too


def test_speech_refuses_a_run_the_memory_cannot_hold(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_common, "available_memory", lambda: 10**5)
    assert main(["data", "speech", str(tmp_path / "big"), "--per-class", "100", "--quiet"]) == 2
    error = one_line_error(capsys)
    assert "of memory" in error and "--per-class" in error


# --------------------------------------------------------------------------------------
# 3. The output is checked before training or converting
# --------------------------------------------------------------------------------------


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    """Two classes of two tones: enough for the command line to be read."""
    sr = 16000
    t = np.arange(sr // 4) / sr
    for name, freq in (("low", 300.0), ("high", 2000.0)):
        for i in range(2):
            write_wav(tmp_path / "data" / name / f"{i}.wav", 0.3 * np.sin(2 * np.pi * freq * t))
    return tmp_path / "data"


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the command gets as far as training or converting."""
    def refuse(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr("audiolab.train.train_folder", refuse)
    monkeypatch.setattr("audiolab.deploy.export_model", refuse)


def test_train_refuses_an_out_that_is_a_folder(tiny_folder, tmp_path, capsys, no_training):
    (tmp_path / "taken.keras").mkdir()
    argv = ["train", str(tiny_folder), "--out", str(tmp_path / "taken.keras")]
    assert main(argv) == 2
    assert "--out" in (error := one_line_error(capsys)) and "is a folder" in error


def test_train_refuses_an_out_in_a_missing_folder(tiny_folder, tmp_path, capsys, no_training):
    assert main(["train", str(tiny_folder), "--out", str(tmp_path / "nowhere" / "m.keras")]) == 2
    assert "does not exist" in one_line_error(capsys)


def test_the_python_api_checks_the_output_before_training(tiny_folder, tmp_path):
    from audiolab.errors import AudiolabError
    from audiolab.train import train_folder

    (tmp_path / "taken.keras").mkdir()
    with pytest.raises(AudiolabError, match="is a folder"):
        train_folder(tiny_folder, out=tmp_path / "taken.keras", log=lambda *a: None)


@pytest.mark.parametrize(("options", "words"), [
    ({"augment": "light", "max_warp": 0.0}, "max_warp is for augment='strong'"),
    ({"augment": "strong", "max_warp": 1.5}, "max_warp must be at least 0 and below 1"),
    ({"label_smoothing": -0.1}, "label_smoothing must be at least 0 and below 1"),
])
def test_the_python_api_checks_its_recipe_before_reading_data(tmp_path, options, words):
    from audiolab.errors import ParameterError
    from audiolab.train import train_folder

    with pytest.raises(ParameterError, match=words):  # the folder is not even looked for
        train_folder(tmp_path / "missing", log=lambda *a: None, **options)


def _as_nobody(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
               str(ROOT / ".venv" / "bin" / "audiolab"), *args]
    env = {**os.environ, "HOME": str(cwd)}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root (to become an unprivileged user with setpriv)")
@pytest.mark.parametrize("command", ["train", "export"])
def test_an_unwritable_out_folder_is_refused_for_an_unprivileged_user(tmp_path_factory, command):
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="audiolab-ro-"))
    try:
        base.chmod(0o755)
        data = base / "data" / "a"
        data.mkdir(parents=True)
        write_wav(data / "0.wav", np.zeros(1600))
        locked = base / "locked"
        locked.mkdir(mode=0o755)  # root's: nobody cannot write here
        model = base / "m.keras"
        model.write_bytes(b"PK")
        for path in (base / "data", data, data / "0.wav", model):
            path.chmod(0o755 if path.is_dir() else 0o644)
        if command == "train":
            args = ["train", str(base / "data"), "--out", str(locked / "m.keras")]
        else:
            args = ["export", str(model), "--out", str(locked / "m.tflite")]
        done = _as_nobody(args, base)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("audiolab: error: --out ") and "cannot be written" in done.stderr
        assert done.stderr.count("\n") == 1
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root (to become an unprivileged user with setpriv)")
def test_an_unreadable_clip_is_listed_as_broken_and_skipped(tmp_path_factory):
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="audiolab-unreadable-"))
    try:
        base.chmod(0o755)
        sr = 16000
        t = np.arange(sr // 4) / sr
        for name, freq in (("low", 300.0), ("high", 2000.0)):
            for i in range(3):
                write_wav(base / "data" / name / f"{i}.wav", 0.3 * np.sin(2 * np.pi * freq * t))
        for folder in (base / "data", base / "data" / "low", base / "data" / "high"):
            folder.chmod(0o755)
        for clip in (base / "data").rglob("*.wav"):
            clip.chmod(0o644)
        locked = base / "data" / "low" / "1.wav"
        locked.chmod(0)

        done = _as_nobody(["data", "info", str(base / "data")], base)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        listed = [line for line in (done.stdout + done.stderr).splitlines() if "1.wav" in line]
        assert listed and "permission denied" in listed[0], done.stdout + done.stderr

        # audiolab train --skip-broken reads the folder as load_folder_with_notes does.
        script = ("from audiolab.datasets import load_folder_with_notes\n"
                  f"clips, notes = load_folder_with_notes({str(base / 'data')!r}, sr=16000, "
                  "duration=0.25, skip_broken=True)\n"
                  "print(len(clips), *notes, sep='\\n')\n")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   str(ROOT / ".venv" / "bin" / "python"), "-c", script]
        read = subprocess.run(command, capture_output=True, text=True, cwd=base,
                              env={**os.environ, "HOME": str(base)}, timeout=120)
        assert read.returncode == 0, read.stderr
        model = base / "m.tflite"
        model.write_bytes(b"\0\0\0\0TFL3" + bytes(64))
        model.chmod(0)
        done = _as_nobody(["predict", str(model), str(base / "data" / "high" / "0.wav")], base)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "m.tflite: permission denied" in done.stderr

        count, *notes = read.stdout.splitlines()
        assert count == "5" and any("1.wav" in note and "permission denied" in note
                                    for note in notes), read.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_export_refuses_outputs_that_are_folders(tmp_path, capsys, no_training):
    model = tmp_path / "m.keras"
    model.write_bytes(b"PK")
    (tmp_path / "taken.tflite").mkdir()
    assert main(["export", str(model), "--out", str(tmp_path / "taken.tflite")]) == 2
    assert "--out" in (error := one_line_error(capsys)) and "is a folder" in error
    (tmp_path / "free.tflite.json").mkdir()  # where its settings would go
    assert main(["export", str(model), "--out", str(tmp_path / "free.tflite")]) == 2
    assert "free.tflite.json: is a folder" in one_line_error(capsys)
    (tmp_path / "g.h").mkdir()
    assert main(["export", str(model), "--out", str(tmp_path / "ok.tflite"), "--c-array", "g"]) == 2
    assert "--c-array" in (error := one_line_error(capsys)) and "g.h: is a folder" in error


def test_save_tflite_writes_both_files_or_neither(tmp_path, monkeypatch):
    from audiolab.deploy import convert

    card = {"class_names": ["a", "b"], "sr": 16000, "n_samples": 16000,
            "features": {"kind": "logmel", "n_fft": 512, "hop_length": 160, "n_mels": 40}}
    out = tmp_path / "m.tflite"
    real_replace = os.replace

    def fail_on_settings(source, target):
        if str(target).endswith(".json"):
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", fail_on_settings)
    with pytest.raises(OSError):
        convert.save_tflite(b"TFL3" * 4, out, metadata=card)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    monkeypatch.setattr(os, "replace", real_replace)
    convert.save_tflite(b"TFL3" * 4, out, metadata=card)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite", "m.tflite.json"]
    before = out.read_bytes(), out.with_suffix(".tflite.json").read_bytes()

    # Replacing an earlier export: a failure leaves the earlier pair as it was.
    monkeypatch.setattr(os, "replace", fail_on_settings)
    with pytest.raises(OSError):
        convert.save_tflite(b"TFL3" * 8, out, metadata={**card, "class_names": ["c", "d"]})
    monkeypatch.setattr(os, "replace", real_replace)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite", "m.tflite.json"]
    assert (out.read_bytes(), out.with_suffix(".tflite.json").read_bytes()) == before


# --------------------------------------------------------------------------------------
# 4. Layouts that would train the wrong classes
# --------------------------------------------------------------------------------------


def _clips(root: Path, *relative: str) -> Path:
    t = np.arange(4000) / 16000
    for folder in relative:
        for i in range(3):
            write_wav(root / folder / f"{i}.wav", 0.3 * np.sin(2 * np.pi * 440 * t))
    return root


def test_a_stray_folder_beside_the_splits_is_refused_by_name(tmp_path, capsys, monkeypatch):
    from audiolab import train
    from audiolab.datasets import DatasetError, load_folder

    monkeypatch.setattr(train, "train_clips", lambda *a, **k: pytest.fail("training started"))

    root = _clips(tmp_path / "d", "train/a", "train/b", "test/a", "test/b", "extra/x")
    with pytest.raises(DatasetError, match=r"extra/, which is not a split"):
        load_folder(root)
    for argv in (["data", "info", str(root)], ["train", str(root), "--out", str(tmp_path / "m.keras")]):
        main_status = main(argv)
        error = one_line_error(capsys)
        assert main_status == 2 and "extra/" in error and "train/" in error


def test_a_class_without_training_clips_is_refused_by_name(tmp_path, capsys):
    from audiolab.datasets import load_folder, split_indices
    from audiolab.errors import ParameterError

    root = _clips(tmp_path / "d", "train/a", "train/b", "test/a", "test/b", "test/ghost")
    with pytest.raises(ParameterError, match=r"class\(es\) ghost have clips .* none in train"):
        split_indices(load_folder(root, load_audio=False))
    assert main(["data", "info", str(root)]) == 1
    assert "classes without training clips (1; audiolab train refuses them): ghost" in capsys.readouterr().out


def test_train_refuses_a_class_without_training_clips_before_training(tmp_path, capsys, monkeypatch):
    from audiolab import train

    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(train, "train_clips", refuse)
    root = _clips(tmp_path / "d", "train/a", "train/b", "test/a", "test/b", "test/ghost")
    assert main(["train", str(root), "--out", str(tmp_path / "m.keras")]) == 2
    assert "ghost" in one_line_error(capsys)


def test_empty_class_folders_are_named_in_a_warning_and_by_data_info(tmp_path, capsys):
    from audiolab.datasets import load_folder
    from audiolab.errors import AudiolabWarning

    root = _clips(tmp_path / "d", "a", "b")
    (root / "c").mkdir()
    with pytest.warns(AudiolabWarning, match=r"class folder\(s\) c hold no audio files"):
        ds = load_folder(root, load_audio=False)
    assert ds.class_names == ["a", "b"]
    assert main(["data", "info", str(root)]) == 1
    assert "empty class folders (1; their classes are left out): c" in capsys.readouterr().out


def test_class_errors_name_the_classes(tmp_path, capsys, monkeypatch):
    from audiolab import train

    monkeypatch.setattr(train, "train_clips", lambda *a, **k: pytest.fail("training started"))
    root = _clips(tmp_path / "d", *[f"class{i:02d}" for i in range(8)])
    (root / "class07" / "1.wav").unlink()
    (root / "class07" / "2.wav").unlink()
    assert main(["train", str(root), "--out", str(tmp_path / "m.keras")]) == 2
    assert "class(es) 'class07' have fewer than 3 clips" in one_line_error(capsys)


# --------------------------------------------------------------------------------------
# 7. A dataset damaged after it was made is not reported as complete
# --------------------------------------------------------------------------------------


@pytest.fixture
def small_speech(tmp_path) -> Path:
    out = tmp_path / "words"
    argv = ["data", "speech", str(out), "--vocabulary", "yes,no", "--per-class", "3",
            "--sr", "8000", "--no-noise", "--quiet"]
    assert main(argv) == 0
    return out


SPEECH_ARGS = ["--vocabulary", "yes,no", "--per-class", "3", "--sr", "8000", "--no-noise", "--quiet"]


def test_a_truncated_clip_is_found_by_its_size_and_rebuilt(small_speech, capsys):
    capsys.readouterr()
    clip = small_speech / "yes" / "0001.wav"
    original = clip.read_bytes()
    clip.write_bytes(original[:5000])
    assert main(["data", "speech", str(small_speech), *SPEECH_ARGS]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {small_speech}")  # not "nothing to do"
    assert clip.read_bytes() == original


def test_data_info_verify_checks_the_hashes(small_speech, capsys):
    capsys.readouterr()
    assert main(["data", "info", str(small_speech), "--verify"]) == 0
    assert "verified: all 6 files match the manifest's SHA-256" in capsys.readouterr().out
    clip = small_speech / "no" / "0000.wav"
    data = bytearray(clip.read_bytes())
    data[-1] ^= 0xFF  # same size, other content: only the hash tells
    clip.write_bytes(bytes(data))
    assert main(["data", "info", str(small_speech), "--verify"]) == 1
    assert "differ from what its manifest's content_sha256 records" in capsys.readouterr().out


@pytest.fixture
def mini_fsdd(tmp_path) -> Path:
    """A small copy of FSDD's layout (its recordings made up), as test_datasets_cache makes."""
    from datasets_fixtures import fsdd_members

    root = tmp_path / "fsdd"
    for name, data in fsdd_members(prefix="").items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_fsdd_export_with_a_truncated_clip_is_rebuilt(mini_fsdd, tmp_path, capsys):
    out = tmp_path / "export"
    argv = ["data", "fsdd", str(out), "--source", str(mini_fsdd), "--sr", "8000", "--quiet"]
    assert main(argv) == 0
    clip = sorted(out.glob("train/*/*.wav"))[0]
    original = clip.read_bytes()
    clip.write_bytes(original[:-100])
    capsys.readouterr()
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out}")
    assert clip.read_bytes() == original


# --------------------------------------------------------------------------------------
# 8. Two identical runs at once: the loser reuses the winner's folder
# --------------------------------------------------------------------------------------


def test_data_fsdd_that_loses_a_race_to_the_same_export_reuses_it(mini_fsdd, tmp_path, capsys,
                                                                  monkeypatch):
    from audiolab.datasets import real

    out = tmp_path / "export"
    argv = ["data", "fsdd", str(out), "--source", str(mini_fsdd), "--sr", "8000", "--quiet"]
    write = real.write_manifest
    raced = []

    def race_then_write(folder, manifest, *args):
        if not raced:  # another `audiolab data fsdd` with the same arguments finishes first
            raced.append(True)
            assert main(argv) == 0
        write(folder, manifest, *args)

    monkeypatch.setattr(real, "write_manifest", race_then_write)
    capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert printed.err == "" and f"{out} already holds FSDD" in printed.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "fsdd"]


# --------------------------------------------------------------------------------------
# 5. Values the parser would take but that cannot work
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "words"), [
    (["train", "{data}", "--out", "{tmp}/m.keras", "--sr", "999999999"],
     "--sr must be between 4000 and 192000 Hz, got 999999999"),
    (["train", "{data}", "--out", "{tmp}/m.keras", "--sr", "1"],
     "--sr must be between 4000 and 192000 Hz, got 1"),
    (["train", "{data}", "--out", "{tmp}/m.keras", "--sr", "8000", "--fmax", "4000.5"],
     "--fmax must be at most half the sample rate (4000 Hz at --sr 8000), got 4000.5 Hz"),
    (["train", "{data}", "--out", "{tmp}/m.keras", "--augment", "strong", "--max-warp", "1"],
     "--max-warp must be at least 0 and below 1 (0.12: up to 12 % either way), got 1.0"),
    (["train", "{data}", "--out", "{tmp}/m.keras", "--max-warp", "0"],
     "--max-warp is for --augment strong (its SpecAugment warps the frequencies), got --augment light"),
    (["train", "{data}", "--out", "{tmp}/m.keras", "--label-smoothing", "1"],
     "--label-smoothing must be at least 0 and below 1 (0.1: a tenth of each label spread over "
     "all the classes), got 1.0"),
    (["train", "{data}", "--out", "{tmp}/m.keras", "--from", "base", "--label-smoothing", "0.1"],
     "--label-smoothing and --from: fine-tuning trains its new classifier on the plain labels"),
    (["data", "fsdd", "{tmp}/f", "--sr", "999999999"], "--sr must be between"),
    (["data", "speech", "{tmp}/s", "--duration", "1e9"], "--duration must be between 0.2 and 30"),
    (["stream", "{model}", "{wav}", "--hop", "1e308"], "--hop must be between 0.001 and 3600"),
    (["stream", "{model}", "{wav}", "--hop", "0.00001"], "--hop must be between 0.001 and 3600"),
])
def test_values_out_of_range_are_refused_when_read(tiny_folder, tmp_path, capsys, no_training,
                                                   argv, words):
    model = tmp_path / "m.tflite"
    model.write_bytes(b"TFL3")
    wav = next(tiny_folder.glob("*/*.wav"))
    fill = {"data": str(tiny_folder), "tmp": str(tmp_path), "model": str(model), "wav": str(wav)}
    assert main([a.format(**fill) for a in argv]) == 2
    assert words in one_line_error(capsys)


class Loudness:
    """A fake predictor without TensorFlow: posteriors from each window's level and spread."""

    class_names = ["quiet", "loud", "busy"]
    sr = 16000
    n_samples = 16000
    metadata = {"features": {"hop_length": 160}}

    def predict_proba(self, clips):
        clips = np.asarray(clips, np.float64)
        scores = np.stack([np.abs(clips).mean(1), np.abs(clips).max(1), clips.std(1)], 1)
        e = np.exp(10 * (scores - scores.max(1, keepdims=True)))
        return (e / e.sum(1, keepdims=True)).astype(np.float32)


class SharedLogMel(Loudness):
    """The same through log-mel features: the detector computes them once for all windows."""

    from audiolab.features import SPEECH_FEATURES as settings  # noqa: N811

    def predict_features(self, x):
        scores = np.stack([x.mean((1, 2)), x.max((1, 2)), x.std((1, 2))], 1)
        e = np.exp(scores - scores.max(1, keepdims=True))
        return (e / e.sum(1, keepdims=True)).astype(np.float32)


def _noisy_bursts(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(3)
    y = 0.01 * rng.standard_normal(int(seconds * 16000)).astype(np.float32)
    for start in (1.0, 3.5):
        i = int(start * 16000)
        y[i : i + 8000] += 0.4 * np.sin(np.arange(8000) * 0.3).astype(np.float32)
    return y


@pytest.mark.parametrize("predictor", [Loudness, SharedLogMel])
@pytest.mark.parametrize("hop", [0.1, 0.055])  # a whole number of feature hops, and not
def test_streaming_in_blocks_of_windows_gives_the_unblocked_result(monkeypatch, predictor, hop):
    from audiolab.deploy import StreamingDetector, streaming

    y = _noisy_bursts(6.0)
    whole = StreamingDetector(predictor(), hop=hop, smoothing=3, threshold=0.5).process(y)
    monkeypatch.setattr(streaming, "_BLOCK_SAMPLES", 3 * 16000)  # three windows a block
    blocked = StreamingDetector(predictor(), hop=hop, smoothing=3, threshold=0.5).process(y)
    assert len(whole.times) == len(blocked.times) > 40
    np.testing.assert_array_equal(blocked.times, whole.times)
    np.testing.assert_allclose(blocked.posteriors, whole.posteriors, rtol=1e-6, atol=1e-7)
    assert blocked.detections == whole.detections


def test_the_detector_refuses_hops_that_overflow_or_are_below_a_sample():
    from audiolab.deploy import StreamingDetector
    from audiolab.errors import ParameterError

    with pytest.raises(ParameterError, match="hop must be at most 3600"):
        StreamingDetector(Loudness(), hop=1e308)
    with pytest.raises(ParameterError, match="hop must be at least one sample"):
        StreamingDetector(Loudness(), hop=1e-5)


def test_stream_refuses_a_hop_below_the_feature_hop_and_too_many_windows(tmp_path, capsys,
                                                                        monkeypatch):
    from audiolab.cli import deploy

    monkeypatch.setattr(deploy, "open_model", lambda path: Loudness())
    model = tmp_path / "m.tflite"
    model.write_bytes(b"TFL3")
    long = write_wav(tmp_path / "long.wav", np.zeros(600 * 8000), sr=8000)  # ten minutes
    assert main(["stream", str(model), str(long), "--hop", "0.005"]) == 2
    assert "--hop must be at least the model's feature hop, 0.01 s" in one_line_error(capsys)
    monkeypatch.setattr(deploy, "MAX_WINDOWS", 10_000)
    assert main(["stream", str(model), str(long), "--hop", "0.05"]) == 2
    error = one_line_error(capsys)
    assert "--hop 0.05 over" in error and "11,981 windows, more than 10,000" in error
    monkeypatch.setattr(_common, "available_memory", lambda: 10**6)
    assert main(["stream", str(model), str(long), "--hop", "1"]) == 2
    assert "of memory to stream" in one_line_error(capsys)


# --------------------------------------------------------------------------------------
# 9. Messages in the command's words, and output that stays readable
# --------------------------------------------------------------------------------------


def test_errors_name_the_options_not_the_python_parameters(tmp_path, capsys):
    out = tmp_path / "words"
    assert main(["data", "speech", str(out), *SPEECH_ARGS]) == 0
    capsys.readouterr()
    assert main(["data", "speech", str(out), *SPEECH_ARGS, "--seed", "4"]) == 2
    error = one_line_error(capsys)
    assert "pass --overwrite to replace it" in error and "overwrite=True" not in error
    (tmp_path / "empty").mkdir()
    assert main(["data", "fsdd", str(tmp_path / "f"), "--source", str(tmp_path / "empty")]) == 2
    error = one_line_error(capsys)
    assert "as --source," in error and "path argument" not in error


def test_a_symbolic_link_loop_is_called_one(tmp_path, capsys):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert main(["data", "info", str(tmp_path / "a")]) == 2
    assert "a symbolic link loop" in one_line_error(capsys)
    model = tmp_path / "m.tflite"
    model.write_bytes(b"TFL3")
    assert main(["predict", str(model), str(tmp_path / "b")]) == 2
    assert "b: a symbolic link loop" in one_line_error(capsys)


def test_data_info_into_a_closed_pipe_ends_quietly(tiny_folder):
    process = subprocess.Popen(
        [sys.executable, "-m", "audiolab.cli", "data", "info", str(tiny_folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )
    process.stdout.close()  # the reader is gone before anything is written (`| head -0`)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 141 and err == b""


def test_predict_prints_one_line_per_file_whatever_its_name(tmp_path, capsys, monkeypatch):
    from audiolab.cli import deploy

    monkeypatch.setattr(deploy, "open_model", lambda path: Loudness())
    model = tmp_path / "m.tflite"
    model.write_bytes(b"TFL3")
    odd = write_wav(tmp_path / "two\nlines.wav", 0.1 * np.ones(16000))
    plain = write_wav(tmp_path / "plain.wav", np.zeros(16000))
    assert main(["predict", str(model), str(odd), str(plain)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(str(tmp_path / "two\\nlines.wav") + ": ")
    assert main(["predict", str(model), str(odd), "--json"]) == 0
    assert "two\\nlines.wav" in capsys.readouterr().out  # JSON escapes it its own way


def test_data_info_exits_1_when_it_lists_broken_files(tiny_folder, capsys):
    assert main(["data", "info", str(tiny_folder)]) == 0
    (tiny_folder / "low" / "bad.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    capsys.readouterr()
    assert main(["data", "info", str(tiny_folder)]) == 1
    assert "broken files (1):" in capsys.readouterr().out
