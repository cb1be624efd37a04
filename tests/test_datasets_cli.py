"""``audiolab data``: speech, fsdd, info and download, in-process and as a command."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from datasets_fixtures import tone, write_broken_files, write_wav

from audiolab.cli import main
from audiolab.datasets import load_folder, read_manifest

ROOT = Path(__file__).resolve().parents[1]


def test_speech_makes_a_dataset_then_finds_it_cached(tmp_path, capsys):
    out = tmp_path / "words"
    argv = ["data", "speech", str(out), "--vocabulary", "yes,no", "--per-class", "3",
            "--seed", "2", "--sr", "8000", "--no-noise", "--quiet"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert first.startswith(f"wrote {out}") and "6 clips, 2 classes, 2/2/2 train/val/test" in first
    manifest = read_manifest(out)
    assert manifest["parameters"]["sr"] == 8000 and manifest["parameters"]["noise_snr_db"] is None
    assert main(argv) == 0
    assert "already holds this dataset" in capsys.readouterr().out
    assert main(argv[:-1] + ["--seed", "3", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("audiolab: error:") and "seed" in error and error.count("\n") == 1


def test_speech_draws_its_speakers_from_the_voices_asked_for(tmp_path, capsys):
    out = tmp_path / "words"
    assert main(["data", "speech", str(out), "--vocabulary", "yes,no", "--per-class", "6",
                 "--voices", "en-gb-scotland, en-029", "--quiet"]) == 0
    assert read_manifest(out)["parameters"]["voices"] == ["en-gb-scotland", "en-029"]
    with open(out / "metadata.csv", newline="") as handle:
        assert {row["voice"] for row in csv.DictReader(handle)} <= {"en-gb-scotland", "en-029"}


@pytest.mark.slow
def test_fsdd_writes_the_official_split_and_info_describes_it(fsdd, tmp_path, capsys):
    out = tmp_path / "fsdd16k"
    assert main(["data", "fsdd", str(out), "--source", str(fsdd), "--quiet"]) == 0
    assert "2700 training and 300 test clips at 16000 Hz" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "metadata.csv", "test", "train"]
    assert sorted(p.name for p in (out / "train").iterdir()) == [str(d) for d in range(10)]
    assert len(list((out / "test" / "7").glob("7_*_[0-4].wav"))) == 30
    ds = load_folder(out, load_audio=False)
    assert ds.sr == 16000 and len(ds.subset(split="train")) == 2700 and len(set(ds.groups)) == 6
    assert main(["data", "fsdd", str(out), "--source", str(fsdd), "--quiet"]) == 0
    assert "already holds FSDD" in capsys.readouterr().out
    assert main(["data", "info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "10 classes, 3000 clips (2700 train, 300 test)" in text
    assert "16000 Hz (3000 files)" in text and "0 broken" in text
    assert any(line.split()[:4] == ["7", "270", "30", "300"] for line in text.splitlines())


@pytest.mark.slow
def test_fsdd_with_words_names_the_classes_as_the_synthetic_digits(fsdd, tmp_path, capsys):
    out = tmp_path / "fsdd-words"
    assert main(["data", "fsdd", str(out), "--source", str(fsdd), "--words", "--quiet"]) == 0
    capsys.readouterr()
    synthetic = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    assert sorted(p.name for p in (out / "test").iterdir()) == sorted(synthetic)
    assert len(list((out / "test" / "seven").glob("7_*_[0-4].wav"))) == 30
    assert load_folder(out, load_audio=False).class_names == sorted(synthetic)
    # The other naming is another export: refused without --overwrite, then replaced.
    assert main(["data", "fsdd", str(out), "--source", str(fsdd), "--quiet"]) == 2
    assert "other parameters" in capsys.readouterr().err
    assert main(["data", "fsdd", str(out), "--source", str(fsdd), "--overwrite", "--quiet"]) == 0
    assert (out / "test" / "7").is_dir() and not (out / "test" / "seven").exists()


def test_info_lists_classes_splits_and_broken_files(tmp_path, capsys):
    root = tmp_path / "mine"
    for split in ("train", "test"):
        write_wav(root / split / "bird" / "a.wav", tone(900, duration=0.5))
        write_wav(root / split / "frog" / "b.wav", tone(200, sr=8000, duration=1.5), sr=8000)
    write_broken_files(root / "train" / "frog")
    assert main(["data", "info", str(root)]) == 1  # it lists broken files
    text = capsys.readouterr().out
    assert "2 classes, 4 clips (2 train, 2 test)" in text and "3 broken file(s)" in text
    assert "8000 Hz (2 files), 16000 Hz (2 files)" in text
    assert "durations: 0.50 to 1.50 s" in text
    assert "garbage.wav" in text and "truncated.wav" in text


def test_verify_fsdd_passes_the_local_copy_and_names_a_damaged_recording(fsdd, tmp_path, capsys):
    assert main(["data", "verify-fsdd", str(fsdd)]) == 0
    assert capsys.readouterr().out == (
        f"{fsdd}: all 3,000 recordings match the published FSDD v1.0.10\n")
    copy = tmp_path / "recordings"
    shutil.copytree(fsdd / "recordings", copy)
    (copy / "6_yweweler_40.wav").write_bytes(b"RIFF....WAVE")
    assert main(["data", "verify-fsdd", str(copy)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("audiolab: error: ") and error.count("\n") == 1
    assert "1 recording does not match" in error
    assert "1 corrupt (SHA-256 differs: 6_yweweler_40.wav)" in error


@pytest.mark.parametrize(
    "argv",
    [
        ["data", "info", "/nonexistent/folder"],
        ["data", "verify-fsdd", "/nonexistent/fsdd"],
        ["data", "speech", "OUT", "--vocabulary", "a/b"],
        ["data", "speech", "OUT", "--per-class", "0"],
        ["data", "speech", "OUT", "--voices", "en-us,en-nowhere"],
        ["data", "speech", "OUT", "--voices", ","],
        ["data", "fsdd", "OUT", "--source", "/nonexistent/fsdd"],
    ],
)
def test_errors_are_one_line_with_status_2(argv, tmp_path, capsys):
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("audiolab: error: ") and error.count("\n") == 1
    assert "Traceback" not in error


def test_data_without_a_subcommand_prints_help(capsys):
    assert main(["data"]) == 2
    assert "speech" in capsys.readouterr().out


def test_the_command_runs_as_a_module(tmp_path):
    out = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "audiolab.cli", "data", "speech", str(out), "--vocabulary", "go",
         "--per-class", "3", "--quiet"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and len(list(out.glob("go/*.wav"))) == 3
    done = subprocess.run([sys.executable, "-m", "audiolab.cli", "data", "info", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "1 classes, 3 clips" in done.stdout
