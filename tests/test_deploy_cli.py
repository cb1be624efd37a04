"""``audiolab export``, ``predict`` and ``stream``: the whole pipeline on a tiny synthetic dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audiolab.cli import main

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def keras_model(words_model) -> Path:
    """The CNN that `audiolab train` made from `words` (session fixtures, tests/conftest.py)."""
    return words_model.path


@pytest.fixture(scope="module")
def int8_model(keras_model, words) -> Path:
    out = keras_model.with_name("cnn_int8.tflite")
    assert main(["export", str(keras_model), "--out", str(out), "--quantize", "int8",
                 "--calibration", str(words)]) == 0
    return out


def run(argv, capsys):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_chain_train_export_evaluate_predict(keras_model, int8_model, words, capsys):
    from audiolab.deploy import TFLitePredictor
    from audiolab.evaluate import evaluate_folder, load_predictor

    assert int8_model.is_file() and int8_model.with_name("cnn_int8.tflite.json").is_file()
    meta = json.loads(int8_model.with_name("cnn_int8.tflite.json").read_text())
    assert meta["quantize"] == "int8" and meta["class_names"] == ["no", "up", "yes"]
    clf = TFLitePredictor(int8_model)
    assert clf.quantized
    # evaluate: the same test split as the Keras model, similar accuracy
    tflite_report = evaluate_folder(clf, words)
    keras_report = evaluate_folder(load_predictor(keras_model), words)
    assert tflite_report["split"] == "test" and tflite_report["n"] == keras_report["n"] == 3
    assert abs(tflite_report["accuracy"] - keras_report["accuracy"]) <= 1 / 3 + 1e-9
    # predict: .tflite and .keras, text and JSON
    files = sorted(words.rglob("*.wav"))[:2]
    status, out, _ = run(["predict", str(int8_model), *map(str, files), "--top-k", "2"], capsys)
    assert status == 0 and len(out.splitlines()) == 2
    assert out.splitlines()[0].startswith(f"{files[0]}: ") and out.count("(") == 4
    status, out, _ = run(["predict", str(keras_model), str(files[0]), "--json"], capsys)
    result = json.loads(out)
    assert status == 0 and len(result["predictions"][0]["top"]) == 3
    assert abs(sum(t["probability"] for t in result["predictions"][0]["top"]) - 1) < 1e-3


def test_export_float_and_c_array(keras_model, tmp_path, capsys):
    out = tmp_path / "m.tflite"
    status, stdout, _ = run(["export", str(keras_model), "--out", str(out), "--c-array",
                             "g_model"], capsys)
    assert status == 0 and "saved" in stdout and "none" in stdout
    assert (tmp_path / "g_model.cc").is_file() and (tmp_path / "g_model.h").is_file()
    assert f"g_model_len = {out.stat().st_size};" in (tmp_path / "g_model.cc").read_text()


def test_export_with_names_stripped(keras_model, tmp_path, capsys):
    from audiolab.deploy import TFLitePredictor

    paths = {name: tmp_path / f"{name}.tflite" for name in ("named", "stripped")}
    outputs = {}
    for name, path in paths.items():
        extra = ["--strip-names", "--c-array", "g_small"] if name == "stripped" else []
        status, outputs[name], _ = run(["export", str(keras_model), "--out", str(path), *extra],
                                       capsys)
        assert status == 0
    assert "names stripped" in outputs["stripped"] and "names stripped" not in outputs["named"]
    assert paths["stripped"].stat().st_size < paths["named"].stat().st_size
    cc = (tmp_path / "g_small.cc").read_text()
    assert f"g_small_len = {paths['stripped'].stat().st_size};" in cc
    x = np.random.default_rng(0).normal(-40, 10, (4, *TFLitePredictor(paths["named"]).input_shape))
    np.testing.assert_array_equal(TFLitePredictor(paths["stripped"]).predict_features(x),
                                  TFLitePredictor(paths["named"]).predict_features(x))


def test_export_int8_per_tensor(keras_model, int8_model, words, tmp_path, capsys):
    from audiolab.deploy import TFLitePredictor

    out = tmp_path / "per_tensor.tflite"
    status, stdout, _ = run(["export", str(keras_model), "--out", str(out), "--quantize", "int8",
                             "--calibration", str(words), "--per-tensor"], capsys)
    assert status == 0 and "KB, int8, per tensor, after 3 epochs of quantisation-aware" in stdout
    assert out.stat().st_size < int8_model.stat().st_size
    assert json.loads(out.with_name("per_tensor.tflite.json").read_text())["per_channel"] is False
    assert json.loads(int8_model.with_name("cnn_int8.tflite.json").read_text())["per_channel"] is True
    x = np.random.default_rng(0).normal(-40, 10, (16, *TFLitePredictor(out).input_shape))
    agree = (TFLitePredictor(out).predict_features(x).argmax(1)
             == TFLitePredictor(int8_model).predict_features(x).argmax(1))
    assert agree.mean() >= 0.9


def test_int8_export_is_finetuned_unless_told_not_to(keras_model, int8_model, words, tmp_path,
                                                     capsys):
    from audiolab.deploy import TFLitePredictor

    assert json.loads(int8_model.with_name("cnn_int8.tflite.json").read_text())["qat_epochs"] == 3
    out = tmp_path / "calibrated.tflite"
    status, _, _ = run(["export", str(keras_model), "--out", str(out), "--quantize", "int8",
                        "--calibration", str(words), "--qat-epochs", "0"], capsys)
    assert status == 0 and json.loads(out.with_name("calibrated.tflite.json").read_text())[
        "qat_epochs"] == 0
    # Fine-tuning changes the weights, so the two int8 models differ, but not in their answers.
    assert out.read_bytes() != int8_model.read_bytes()
    from audiolab.io import load

    clips = [load(path, sr=16000)[0] for path in sorted(words.rglob("*.wav"))]
    agree = TFLitePredictor(out).predict(clips) == TFLitePredictor(int8_model).predict(clips)
    assert agree.mean() >= 0.9


def test_finetuning_without_int8_is_refused_before_converting(keras_model, tmp_path, capsys):
    out = tmp_path / "float.tflite"
    status, _, err = run(["export", str(keras_model), "--out", str(out), "--quantize", "dynamic",
                          "--qat-epochs", "2"], capsys)
    assert status == 2 and "--quantize int8" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_per_tensor_without_quantisation_is_refused_before_converting(keras_model, tmp_path,
                                                                      capsys):
    out = tmp_path / "float.tflite"
    status, _, err = run(["export", str(keras_model), "--out", str(out), "--per-tensor"], capsys)
    assert status == 2 and "--quantize dynamic or int8" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_stream_a_long_file(int8_model, words, tmp_path, capsys):
    from audiolab.io import load, save

    files = sorted((words / "yes").glob("*.wav"))[:2]
    parts = [np.zeros(8000, np.float32)]
    for f in files:
        parts += [load(f, sr=16000)[0], np.zeros(8000, np.float32)]
    save(tmp_path / "long.wav", np.concatenate(parts), sr=16000)
    status, out, _ = run(["stream", str(int8_model), str(tmp_path / "long.wav"), "--json"], capsys)
    assert status == 0
    result = json.loads(out)
    assert result["duration"] == pytest.approx(len(np.concatenate(parts)) / 16000, abs=1e-3)
    assert result["real_time_factor"] > 1
    for d in result["detections"]:
        assert d["label"] in ("no", "up", "yes") and 0 <= d["start"] < d["end"]
    status, out, _ = run(["stream", str(int8_model), str(tmp_path / "long.wav")], capsys)
    assert status == 0 and "real time" in out.splitlines()[0]


@pytest.mark.parametrize("argv, message", [
    (["export", "{tmp}/missing.keras", "--out", "{tmp}/m.tflite"], "no such model file"),
    (["export", "{wav}", "--out", "{tmp}/m.tflite"], "expected a .keras model"),
    (["export", "{keras}", "--out", "{tmp}/m.bin"], "must end in .tflite"),
    (["export", "{keras}", "--out", "{tmp}/m.tflite", "--calibration", "{tmp}/nowhere"],
     "no such dataset folder"),
    (["export", "{keras}", "--out", "{tmp}/m.tflite", "--quantize", "int8", "--calibration",
      "{tmp}/empty"], "{tmp}/empty"),
    (["export", "{broken_keras}", "--out", "{tmp}/m.tflite"], "not a .keras model file"),
    (["predict", "{keras}", "{tmp}/missing.wav"], "no such audio file"),
    (["predict", "{keras}", "{broken_wav}"], "broken.wav"),
    (["predict", "{wav}", "{wav}"], "unknown kind of model file"),
    (["predict", "{tmp}/missing.tflite", "{wav}"], "no such model file"),
    (["predict", "{lonely_tflite}", "{wav}"], "no settings file"),
    (["predict", "{keras}", "{wav}", "--top-k", "0"], "--top-k"),
    (["stream", "{keras}", "{tmp}/missing.wav"], "no such audio file"),
    (["stream", "{keras}", "{wav}", "--hop", "0"], "--hop"),
])
def test_bad_input_is_one_line_and_status_2(argv, message, keras_model, int8_model, words,
                                            tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    (tmp_path / "lonely.tflite").write_bytes(int8_model.read_bytes())
    wav = str(next(words.rglob("*.wav")))
    values = {"tmp": str(tmp_path), "keras": str(keras_model), "wav": wav,
              "broken_wav": str(tmp_path / "broken.wav"),
              "broken_keras": str(tmp_path / "broken.keras"),
              "lonely_tflite": str(tmp_path / "lonely.tflite")}
    argv = [a.format(**values) for a in argv]
    status, out, err = run(argv, capsys)
    assert status == 2, (out, err)
    lines = [line for line in err.splitlines() if line.startswith("audiolab: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert message.format(**values) in lines[0]


def test_evaluate_command_accepts_tflite_models(int8_model, words, capsys):
    code, out, err = run(["evaluate", str(int8_model), str(words), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["n"] == 3 and 0.0 <= report["accuracy"] <= 1.0
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix"} <= set(report)
