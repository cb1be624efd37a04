"""The README's keyword-spotter chain, on small data: speech with background classes, a DS-CNN,
int8 calibrated on the folder, a scene with its truth, and the stream scored against it."""

from __future__ import annotations

import json

import pytest

from audiolab.cli import main
from audiolab.evaluate import read_truth

pytest.importorskip("tensorflow")


def run(argv, capsys):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


@pytest.mark.slow
def test_the_readme_chain_on_small_data(tmp_path, capsys):
    from audiolab.models import read_metadata

    kws, model, flat = tmp_path / "kws", tmp_path / "kws.keras", tmp_path / "kws.tflite"
    run(["data", "speech", kws, "--vocabulary", "yes,no", "--per-class", 20, "--unknown",
         "--silence", "--quiet"], capsys)
    assert sorted(p.name for p in kws.iterdir() if p.is_dir()) == ["_silence_", "_unknown_", "no", "yes"]
    out = run(["train", kws, "--model", "dscnn", "--augment", "strong", "--label-smoothing", 0.1,
               "--epochs", 3, "--out", model], capsys)
    assert "model: dscnn" in out
    training = read_metadata(model)["training"]
    assert training["max_warp"] == 0.12  # --augment strong's default warp
    assert training["label_smoothing"] == 0.1
    run(["export", model, "--out", flat, "--quantize", "int8", "--calibration", kws], capsys)
    assert flat.stat().st_size <= 32 * 1024
    small = tmp_path / "kws_small.tflite"
    run(["export", model, "--out", small, "--quantize", "int8", "--calibration", kws,
         "--per-tensor", "--strip-names"], capsys)
    assert small.stat().st_size <= 20 * 1024
    out = run(["data", "scene", tmp_path / "scene.wav", "--minutes", 0.5, "--vocabulary", "yes,no"],
              capsys)
    truth = read_truth(tmp_path / "scene.csv")
    said = [e for e in truth if not e["label"].startswith("_")]
    assert f"{len(said)} keywords" in out and {e["label"] for e in said} <= {"yes", "no"}
    answer = json.loads(run(["stream", flat, tmp_path / "scene.wav", "--truth",
                             tmp_path / "scene.csv", "--json"], capsys))
    assert answer["duration"] == 30.0
    assert {d["label"] for d in answer["detections"]} <= {"yes", "no"}  # never a background class
    scores = answer["scores"]
    assert scores["n_events"] == len(said)
    assert scores["hits"] + scores["false_alarms"] == len(answer["detections"])
    assert scores["false_alarms_per_minute"] == pytest.approx(scores["false_alarms"] * 2)
    text = run(["stream", flat, tmp_path / "scene.wav", "--truth", tmp_path / "scene.csv"], capsys)
    assert f"of {len(said)})" in text and "false alarms per minute" in text
    smallest = json.loads(run(["stream", small, tmp_path / "scene.wav", "--json"], capsys))
    assert {d["label"] for d in smallest["detections"]} <= {"yes", "no"}
