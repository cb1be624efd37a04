"""``audiolab train`` and ``audiolab evaluate`` end to end, on a tiny synthetic dataset."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from audiolab.cli import main

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


# `words` and `words_model` (the CNN trained on them by `audiolab train`, with what it
# printed) are session fixtures of tests/conftest.py.


def run(argv, capsys):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_train_prints_progress_and_saves_a_self_describing_model(words_model):
    out, text = words_model
    assert "data: " in text and "30 clips, 3 classes, 24/3/3 train/val/test (own split)" in text
    assert "model: cnn" in text and "augment: light" in text
    assert "trained 2 epochs" in text and "test accuracy: " in text and f"saved {out}" in text
    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read("audiolab.json"))
    assert meta["class_names"] == ["no", "up", "yes"]
    assert (meta["sr"], meta["n_samples"], meta["input"]) == (16000, 16000, "waveform")
    assert meta["features"]["kind"] == "logmel" and meta["features"]["n_mels"] == 40
    assert meta["split"]["method"] == "dataset" and meta["training"]["seed"] == 1
    assert meta["test"]["n"] == 3
    assert f"test accuracy: {meta['test']['accuracy']:.4f}" in text


def test_evaluate_json_gives_the_test_report(words_model, words, capsys):
    out, _ = words_model
    status, stdout, _ = run(["evaluate", str(out), str(words), "--json"], capsys)
    assert status == 0 and stdout.count("\n") == 1
    report = json.loads(stdout)
    for key in ("accuracy", "macro_f1", "per_class", "confusion_matrix"):
        assert key in report
    assert report["split"] == "test" and report["n"] == 3
    assert sorted(report["per_class"]) == ["no", "up", "yes"]
    assert sum(map(sum, report["confusion_matrix"])) == 3
    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read("audiolab.json"))
    assert report["accuracy"] == pytest.approx(meta["test"]["accuracy"])


def test_evaluate_prints_a_table(words_model, words, capsys):
    out, _ = words_model
    status, stdout, _ = run(["evaluate", str(out), str(words), "--split", "all"], capsys)
    lines = stdout.splitlines()
    assert status == 0 and lines[0].startswith(f"model: {out} (cnn, 3 classes, 16000 Hz")
    assert lines[1].endswith("all split: 30 clips") and lines[2].startswith("accuracy ")
    assert lines[3].split() == ["class", "precision", "recall", "f1", "support"]
    assert [line.split()[0] for line in lines[4:]] == ["no", "up", "yes"]


@pytest.mark.parametrize("model", ["rnn", "crnn", "transformer"])
@pytest.mark.slow
def test_the_other_models_train_too(model, words, tmp_path, capsys):
    out = tmp_path / f"{model}.keras"
    status, stdout, _ = run(["train", str(words), "--model", model, "--out", str(out),
                             "--epochs", "1", "--augment", "none"], capsys)
    assert status == 0 and f"model: {model}" in stdout and out.is_file()
    if model == "transformer":
        # int8 without quantisation-aware fine-tuning, which only cnn and dscnn models have
        flat = tmp_path / "transformer.tflite"
        export = ["export", str(out), "--out", str(flat), "--quantize", "int8",
                  "--calibration", str(words)]
        status, _, err = run([*export, "--qat-epochs", "2"], capsys)
        assert status == 2 and "supports cnn and dscnn" in err and len(err.splitlines()) == 1
        assert not flat.exists()
        status, stdout, _ = run(export, capsys)
        assert status == 0 and "fine-tuning" not in stdout
        assert json.loads(flat.with_name("transformer.tflite.json").read_text())["qat_epochs"] == 0
    status, stdout, _ = run(["evaluate", str(out), str(words), "--json"], capsys)
    assert status == 0 and json.loads(stdout)["n"] == 3


def test_the_dscnn_trains_and_exports_in_int8(words, tmp_path, capsys):
    out = tmp_path / "dscnn.keras"
    status, stdout, _ = run(["train", str(words), "--model", "dscnn", "--out", str(out),
                             "--epochs", "1", "--augment", "none"], capsys)
    assert status == 0 and "model: dscnn" in stdout and out.is_file()
    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read("audiolab.json"))
    assert meta["model"] == "dscnn" and meta["parameters"] < 20_000
    flat = tmp_path / "dscnn.tflite"
    status, _, _ = run(["export", str(out), "--out", str(flat), "--quantize", "int8",
                        "--calibration", str(words)], capsys)
    assert status == 0 and flat.stat().st_size <= 32 * 1024

@pytest.mark.slow
def test_a_folder_without_splits_gets_a_stratified_split_that_evaluate_finds(words, tmp_path,
                                                                              capsys):
    flat = tmp_path / "flat"
    for word in ("no", "up", "yes"):
        shutil.copytree(words / word, flat / word)  # no metadata.csv: no split information
    out = tmp_path / "flat.keras"
    status, stdout, _ = run(["train", str(flat), "--out", str(out), "--epochs", "1",
                             "--augment", "none", "--seed", "5"], capsys)
    assert status == 0 and "24/3/3 train/val/test (stratified 80:10:10)" in stdout
    status, stdout, _ = run(["evaluate", str(out), str(flat), "--json"], capsys)
    report = json.loads(stdout)
    assert report["split"] == "test" and report["n"] == 3 and report["notes"] == []
    assert [row["support"] for row in report["per_class"].values()] == [1, 1, 1]
    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read("audiolab.json"))
    assert meta["split"]["method"] == "stratified" and meta["split"]["seed"] == 5


def _one_line_error(status, stderr, *fragments):
    assert status == 2
    assert stderr.startswith("audiolab: error: ") and stderr.count("\n") == 1, stderr
    for fragment in fragments:
        assert fragment in stderr


def test_bad_folders_and_arguments_give_one_line_errors(tmp_path, words_model, capsys):
    out, _ = words_model
    status, _, err = run(["train", str(tmp_path / "missing"), "--out", str(tmp_path / "m.keras")],
                         capsys)
    _one_line_error(status, err, "no such folder")
    (tmp_path / "empty").mkdir()
    status, _, err = run(["train", str(tmp_path / "empty"), "--out", str(tmp_path / "m.keras")],
                         capsys)
    _one_line_error(status, err, "not a class-per-folder dataset")
    status, _, err = run(["train", str(tmp_path), "--out", str(tmp_path / "m.h5")], capsys)
    _one_line_error(status, err, "must end in .keras")
    status, _, err = run(["train", str(tmp_path), "--out", "m.keras", "--epochs", "0"], capsys)
    _one_line_error(status, err, "--epochs")
    status, _, err = run(["train", str(tmp_path), "--out", "m.keras", "--fmax", "9000"], capsys)
    _one_line_error(status, err, "--fmax must be at most half the sample rate (8000 Hz at --sr 16000)")
    status, _, err = run(["evaluate", str(out), str(tmp_path / "empty")], capsys)
    _one_line_error(status, err, "not a class-per-folder dataset")


def test_files_that_are_not_models_give_one_line_errors(tmp_path, words, capsys):
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    status, _, err = run(["evaluate", str(text), str(words)], capsys)
    _one_line_error(status, err, "notes.keras", "not a .keras model file")
    status, _, err = run(["evaluate", str(tmp_path / "none.keras"), str(words)], capsys)
    _one_line_error(status, err, "no such model file")
    status, _, err = run(["evaluate", str(words / "yes" / "0000.wav"), str(words)], capsys)
    _one_line_error(status, err, "unknown kind of model file")


@pytest.mark.slow
def test_a_broken_wav_stops_training_unless_skipped(words, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(words, data)
    broken = data / "yes" / "9999.wav"
    broken.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage")
    status, _, err = run(["train", str(data), "--out", str(tmp_path / "m.keras")], capsys)
    _one_line_error(status, err, "9999.wav", "--skip-broken")
    assert not (tmp_path / "m.keras").exists()
    status, stdout, _ = run(["train", str(data), "--out", str(tmp_path / "m.keras"), "--epochs", "1",
                             "--augment", "none", "--skip-broken"], capsys)
    assert status == 0 and "warning: 1 of 31 audio files" in stdout
    status, _, err = run(["evaluate", str(tmp_path / "m.keras"), str(data)], capsys)
    _one_line_error(status, err, "9999.wav")


def test_the_command_exits_with_status_2_without_a_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "audiolab.cli", "evaluate", str(tmp_path / "none.keras"),
         str(tmp_path)],
        capture_output=True, text=True,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("audiolab: error:") and done.stderr.count("\n") == 1


@pytest.mark.slow
def test_strong_augmentation_trains_a_model_that_ignores_loudness(words, tmp_path, capsys):
    import numpy as np

    from audiolab.datasets import load_folder
    from audiolab.models import load_model, read_metadata

    out = tmp_path / "strong.keras"
    status, stdout, _ = run(["train", str(words), "--model", "cnn", "--out", str(out),
                             "--epochs", "1", "--augment", "strong", "--max-warp", "0"], capsys)
    assert status == 0 and "(relative level); augment: strong" in stdout
    meta = read_metadata(out)
    assert meta["relative_level"] is True and meta["training"]["augment"] == "strong"
    assert meta["training"]["max_warp"] == 0.0  # the README's synthetic recipe: no frequency warp
    model = load_model(out)
    assert "relative_level" in [layer.name for layer in model.layers[-1].layers]
    clips = load_folder(words, duration=1.0, progress=False).clips[:4]
    loud, quiet = model.predict(clips, verbose=0), model.predict(clips * 0.03, verbose=0)
    np.testing.assert_allclose(quiet, loud, atol=1e-4)  # 30 dB quieter, the same answer


@pytest.mark.slow
def test_fmax_trains_a_model_that_hears_nothing_above_it(words, words_model, tmp_path, capsys):
    import numpy as np

    from audiolab.datasets import load_folder
    from audiolab.models import load_model, read_metadata

    out = tmp_path / "band.keras"
    status, _, _ = run(["train", str(words), "--out", str(out), "--epochs", "1", "--fmax", "4000"],
                       capsys)
    meta = read_metadata(out)
    assert status == 0 and meta["features"]["fmax"] == 4000
    assert meta["training"]["max_warp"] is None  # light augmentation: no SpecAugment
    clips = load_folder(words, duration=1.0, progress=False).clips[:4]
    t = np.arange(clips.shape[1]) / 16000
    # A loud 6 kHz whistle that fades in and out (a sudden start would splash into every band).
    whistle = 0.3 * np.sin(np.pi * t) ** 2 * np.sin(2 * np.pi * 6000 * t)
    whistled = clips + whistle.astype(np.float32)
    band = load_model(out)
    np.testing.assert_allclose(band.predict(whistled, verbose=0), band.predict(clips, verbose=0),
                               atol=1e-4)  # it changes nothing
    full = load_model(words_model.path)  # the default: mel bands up to 8 kHz
    assert not np.allclose(full.predict(whistled, verbose=0), full.predict(clips, verbose=0),
                           atol=1e-2)
