"""audiolab.deploy: conversion, the LiteRT classifier, benchmark, streaming and C arrays."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from audiolab.errors import AudiolabError, ParameterError

SR = 16000
N_SAMPLES = 8000  # half-second clips keep the models tiny
SETTINGS = {"kind": "logmel", "n_fft": 512, "hop_length": 160, "win_length": 400, "n_mels": 16,
            "n_mfcc": 13, "fmin": 20.0, "fmax": None, "top_db": 80.0}
CLASSES = ["low", "mid", "high"]
FREQS = [300.0, 1200.0, 4000.0]


def tones(n_per_class: int, seed: int = 0):
    """Noisy tones, one frequency per class: an easy problem for a tiny CNN."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_SAMPLES) / SR
    clips, labels = [], []
    for label, f in enumerate(FREQS):
        for _ in range(n_per_class):
            f0 = f * rng.uniform(0.9, 1.1)
            y = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.02 * rng.standard_normal(N_SAMPLES)
            clips.append(y.astype(np.float32))
            labels.append(label)
    return np.stack(clips), np.array(labels)


@pytest.fixture(scope="module")
def trained():
    """A tiny CNN trained briefly on tones, with and without its front end."""
    pytest.importorskip("tensorflow")
    from audiolab import models
    from audiolab.features import extract_batch

    clips, labels = tones(12)
    x = extract_batch(clips, SR, **SETTINGS)
    models.keras.utils.set_random_seed(0)
    net = models.build_cnn(x.shape[1:], 3, filters=(4, 8), normalization=x)
    net.compile(optimizer=models.keras.optimizers.Adam(0.01),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    net.fit(x, labels, epochs=8, batch_size=12, verbose=0)
    frontend = models.AudioFeatures(sr=SR, **SETTINGS)
    e2e = models.with_frontend(net, frontend, n_samples=N_SAMPLES)
    metadata = {"class_names": CLASSES, "sr": SR, "n_samples": N_SAMPLES,
                "features": SETTINGS, "model": "cnn"}
    return {"net": net, "e2e": e2e, "clips": clips, "labels": labels, "x": x,
            "metadata": metadata}


@pytest.fixture(scope="module")
def flats(trained):
    from audiolab.deploy import to_tflite

    return {q: to_tflite(trained["e2e"], quantize=q, representative_data=trained["x"])
            for q in ("none", "dynamic", "int8")}


@pytest.mark.slow
def test_conversion_makes_smaller_models_and_int8_takes_int8(flats, trained):
    from audiolab.deploy import TFLitePredictor

    assert all(f[4:8] == b"TFL3" for f in flats.values())
    assert len(flats["int8"]) < len(flats["none"])  # tiny model: the flatbuffer's overhead dominates
    clf = TFLitePredictor(flats["int8"], metadata=trained["metadata"])
    assert clf.quantized and clf.input_details["dtype"] == np.int8
    assert clf.output_details["dtype"] == np.int8
    assert clf.input_shape == (16, 51)


@pytest.mark.slow
def test_classifier_matches_keras_from_waveforms_and_features(flats, trained):
    from audiolab.deploy import TFLitePredictor

    reference = np.asarray(trained["e2e"](trained["clips"], training=False))
    floating = TFLitePredictor(flats["none"], metadata=trained["metadata"])
    np.testing.assert_allclose(floating.predict_proba(trained["clips"]), reference, atol=2e-3)
    np.testing.assert_allclose(floating.predict_features(trained["x"]),
                               np.asarray(trained["net"](trained["x"], training=False)), atol=1e-4)
    for q in ("dynamic", "int8"):
        clf = TFLitePredictor(flats[q], metadata=trained["metadata"])
        probs = clf.predict_proba(trained["clips"])
        assert np.abs(probs - reference).max() < 0.15
        assert np.mean(probs.argmax(1) == reference.argmax(1)) >= 0.9


@pytest.mark.slow
def test_a_transformer_converts_and_runs_in_every_quantisation(trained):
    from audiolab import models
    from audiolab.deploy import TFLitePredictor, to_tflite

    models.keras.utils.set_random_seed(0)
    net = models.build_transformer(trained["x"].shape[1:], 3, width=16, num_heads=2, mlp_units=16,
                                   normalization=trained["x"])
    reference = np.asarray(net(trained["x"], training=False))
    for q in ("none", "dynamic", "int8"):
        flat = to_tflite(net, quantize=q, representative_data=trained["x"])
        probs = TFLitePredictor(flat, metadata=trained["metadata"]).predict_features(trained["x"])
        assert np.abs(probs - reference).max() < (1e-4 if q == "none" else 0.05), q


@pytest.fixture(scope="module")
def dscnn(trained):
    """A small DS-CNN trained on the tones, and inputs it has not seen (noisy copies)."""
    from audiolab import models

    models.keras.utils.set_random_seed(0)
    net = models.build_dscnn(trained["x"].shape[1:], 3, filters=(8, 8, 8), block_strides=(2, 1),
                             normalization=trained["x"])
    net.compile(optimizer=models.keras.optimizers.Adam(0.01),
                loss="sparse_categorical_crossentropy")
    net.fit(trained["x"], trained["labels"], epochs=10, batch_size=12, verbose=0)
    rng = np.random.default_rng(4)
    x = np.concatenate([trained["x"], trained["x"][rng.permutation(len(trained["x"]))]
                        + rng.normal(0, 3, trained["x"].shape).astype(np.float32)])
    return {"net": net, "x": x, "reference": np.asarray(net(x, training=False))}


def test_the_dscnn_converts_every_way_and_int8_keeps_the_top_class(trained, dscnn):
    from audiolab.deploy import TFLitePredictor, to_tflite

    for q in ("none", "dynamic", "int8"):
        flat = to_tflite(dscnn["net"], quantize=q, representative_data=trained["x"])
        probs = TFLitePredictor(flat, metadata=trained["metadata"]).predict_features(dscnn["x"])
        if q == "none":
            np.testing.assert_allclose(probs, dscnn["reference"], atol=1e-4)
        else:
            assert np.mean(probs.argmax(1) == dscnn["reference"].argmax(1)) >= 0.95, q


def int8_probabilities(net, calibration, x, metadata):
    from audiolab.deploy import TFLitePredictor, to_tflite

    flat = to_tflite(net, quantize="int8", representative_data=calibration)
    return TFLitePredictor(flat, metadata=metadata).predict_features(x)


def test_folding_batch_norm_keeps_every_output_and_leaves_no_batch_norm(trained, dscnn):
    from audiolab.deploy import fold_batch_norm

    for net, x in ((trained["net"], trained["x"]), (dscnn["net"], dscnn["x"])):
        folded = fold_batch_norm(net)
        kinds = [type(layer).__name__ for layer in folded.layers]
        assert "BatchNormalization" not in kinds
        assert "MaxPooling2D" in kinds or net is dscnn["net"]  # the CNN keeps its pooling
        assert len(folded.layers) == len(net.layers) - kinds.count("Conv2D") - kinds.count(
            "DepthwiseConv2D")
        np.testing.assert_allclose(np.asarray(folded(x, training=False)),
                                   np.asarray(net(x, training=False)), atol=1e-5)


def test_the_simulated_rounding_is_what_tflite_int8_computes(trained, dscnn):
    import tensorflow as tf

    from audiolab.deploy import fold_batch_norm
    from audiolab.deploy.quantization_aware import _Simulation

    folded = fold_batch_norm(dscnn["net"])
    simulation = _Simulation(folded)
    simulation(tf.constant(trained["x"]), mode="calibrate")  # the ranges TFLite calibrates
    simulated = tf.nn.softmax(simulation(tf.constant(dscnn["x"]))).numpy()
    int8 = int8_probabilities(folded, trained["x"], dscnn["x"], trained["metadata"])
    # Much nearer TFLite's int8 answers than the float model is: the rounding is simulated
    # at the right places.
    assert np.abs(simulated - int8).mean() < 0.5 * np.abs(dscnn["reference"] - int8).mean()


def test_finetuning_for_int8_moves_the_weights_but_keeps_the_answers(trained, dscnn):
    from audiolab.deploy import finetune_for_int8, fold_batch_norm

    net, x = dscnn["net"], trained["x"]
    tuned = finetune_for_int8(net, x, epochs=3, batch_size=12, seed=0)
    assert "BatchNormalization" not in [type(layer).__name__ for layer in tuned.layers]
    moved = [np.abs(a - b).max() for a, b in zip(tuned.get_weights(),
                                                  fold_batch_norm(net).get_weights(), strict=True)]
    assert max(moved) > 0
    assert np.abs(np.asarray(tuned(dscnn["x"], training=False)) - dscnn["reference"]).mean() < 0.02
    int8 = int8_probabilities(tuned, x, dscnn["x"], trained["metadata"])
    assert np.mean(int8.argmax(1) == dscnn["reference"].argmax(1)) >= 0.95
    np.testing.assert_allclose(np.asarray(net(x, training=False)),  # the model itself unchanged
                               np.asarray(finetune_for_int8(net, x, epochs=0)(x, training=False)),
                               atol=1e-5)


def test_finetuning_for_int8_is_reproducible(trained, dscnn):
    from audiolab.deploy import finetune_for_int8

    first, second = (finetune_for_int8(dscnn["net"], trained["x"], epochs=2, seed=3)
                     for _ in range(2))
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_finetuning_for_int8_refuses_what_it_cannot_simulate(trained):
    from audiolab import models
    from audiolab.deploy import can_finetune_for_int8, finetune_for_int8, fold_batch_norm

    x = trained["x"]
    transformer = models.build_transformer(x.shape[1:], 3, width=16, num_heads=2, mlp_units=16)
    assert can_finetune_for_int8(trained["net"]) and not can_finetune_for_int8(transformer)
    with pytest.raises(ParameterError, match="cnn, dscnn"):
        fold_batch_norm(transformer)
    with pytest.raises(ParameterError, match="features must have shape"):
        finetune_for_int8(trained["net"], x[:, :8])
    with pytest.raises(ParameterError, match="NaN"):
        finetune_for_int8(trained["net"], np.full_like(x, np.nan))
    with pytest.raises(ParameterError, match="epochs"):
        finetune_for_int8(trained["net"], x, epochs=-1)
    with pytest.raises(ParameterError, match="learning_rate"):
        finetune_for_int8(trained["net"], x, learning_rate=0)


def scale_counts(predictor) -> list[int]:
    """How many scales each quantised tensor of a model has."""
    return [len(detail["quantization_parameters"]["scales"])
            for detail in predictor.interpreter.get_tensor_details()]


def test_per_tensor_scales_make_the_dscnn_smaller_and_keep_the_top_class(trained, dscnn):
    from audiolab.deploy import TFLitePredictor, to_tflite

    flats = {per_channel: to_tflite(dscnn["net"], quantize="int8", per_channel=per_channel,
                                    representative_data=trained["x"])
             for per_channel in (True, False)}
    per_channel, per_tensor = (TFLitePredictor(flats[p], metadata=trained["metadata"])
                               for p in (True, False))
    # The convolutions have 8 channels; the 3-class dense layer keeps a scale per class.
    assert max(scale_counts(per_channel)) == 8 and max(scale_counts(per_tensor)) <= 3
    assert len(flats[False]) < len(flats[True]) - 500
    probs = per_tensor.predict_features(dscnn["x"])
    assert np.mean(probs.argmax(1) == dscnn["reference"].argmax(1)) >= 0.95


def test_the_dscnn_for_40_mels_and_12_classes_is_32_kb_in_int8_and_20_kb_at_its_smallest():
    from audiolab import models
    from audiolab.deploy import strip_names, to_tflite

    models.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(5)
    calibration = rng.normal(-40, 15, (50, 40, 101)).astype(np.float32)
    net = models.build_dscnn((40, 101), 12, normalization=calibration)
    # As after training: no two biases alike (the converter stores equal constants once).
    net.set_weights([w + rng.uniform(0.01, 0.1, w.shape).astype(w.dtype) for w in net.get_weights()])
    assert len(to_tflite(net, quantize="int8", representative_data=calibration)) <= 32 * 1024
    smallest = to_tflite(net, quantize="int8", representative_data=calibration, per_channel=False)
    assert len(strip_names(smallest)) <= 20 * 1024


def test_the_dscnn_without_names_is_smaller_and_computes_the_same(trained):
    from tensorflow.lite.tools import flatbuffer_utils

    from audiolab import models
    from audiolab.deploy import TFLitePredictor, strip_names, to_tflite

    models.keras.utils.set_random_seed(0)
    net = models.build_dscnn(trained["x"].shape[1:], 3, filters=(8, 8, 8), block_strides=(2, 1),
                             normalization=trained["x"])
    for q in ("none", "int8"):
        flat = to_tflite(net, quantize=q, representative_data=trained["x"])
        small = strip_names(flat)
        assert len(small) < len(flat) - 1000 and small[4:8] == b"TFL3", q
        tensorflows = flatbuffer_utils.read_model_from_bytearray(bytearray(flat))
        flatbuffer_utils.strip_strings(tensorflows)
        assert small == bytes(flatbuffer_utils.convert_object_to_bytearray(tensorflows)), q
        named, stripped = (TFLitePredictor(f, metadata=trained["metadata"]) for f in (flat, small))
        assert not any(d["name"] for d in stripped.interpreter.get_tensor_details())
        np.testing.assert_array_equal(stripped.predict_features(trained["x"]),
                                      named.predict_features(trained["x"]))


def test_strip_names_needs_no_tensorflow(flats, tmp_path):
    (tmp_path / "m.tflite").write_bytes(flats["int8"])
    code = ("import sys; from pathlib import Path; from audiolab.deploy import strip_names; "
            f"small = strip_names(Path({str(tmp_path / 'm.tflite')!r}).read_bytes()); "
            "print(len(small), 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    size, imported = out.stdout.split()
    assert 0 < int(size) < len(flats["int8"]) and imported == "False"


@pytest.mark.parametrize("data", [b"", b"\x1c\x00\x00\x00TFL2....", "TFL3", None])
def test_strip_names_refuses_what_is_not_a_flatbuffer(data):
    from audiolab.deploy import strip_names

    with pytest.raises(ParameterError, match="tflite must be a TFLite flatbuffer"):
        strip_names(data)


@pytest.mark.slow
def test_quantize_input_and_dequantize_output_use_scale_and_zero_point(flats, trained):
    from audiolab.deploy import TFLitePredictor

    clf = TFLitePredictor(flats["int8"], metadata=trained["metadata"])
    scale, zero = clf.input_details["quantization"]
    x = trained["x"][:2]
    q = clf.quantize_input(x)
    assert q.dtype == np.int8
    np.testing.assert_allclose((q.astype(np.float32) - zero) * scale, x, atol=scale / 2 + 1e-6)
    assert clf.quantize_input(np.array([1e9]))[0] == 127
    out_scale, out_zero = clf.output_details["quantization"]
    assert clf.dequantize_output(np.array([out_zero], np.int8))[0] == 0


@pytest.mark.slow
def test_bad_arguments_are_parameter_errors(trained):
    from audiolab.deploy import to_tflite

    with pytest.raises(ParameterError, match="quantize"):
        to_tflite(trained["net"], quantize="fp16")
    with pytest.raises(ParameterError, match="representative_data"):
        to_tflite(trained["net"], quantize="int8")
    with pytest.raises(ParameterError, match="representative_data"):
        to_tflite(trained["net"], quantize="int8", representative_data=np.zeros((4, 3, 3)))
    with pytest.raises(ParameterError, match="keras.Model"):
        to_tflite("model.keras")
    with pytest.raises(ParameterError, match="per_channel=False needs quantize"):
        to_tflite(trained["net"], per_channel=False)
    with pytest.raises(ParameterError, match="per_channel"):
        to_tflite(trained["net"], quantize="dynamic", per_channel="no")


@pytest.mark.slow
def test_files_and_sidecar(flats, trained, tmp_path):
    from audiolab.deploy import TFLitePredictor, save_tflite, sidecar_path
    from audiolab.evaluate import evaluate_folder

    path = save_tflite(flats["int8"], tmp_path / "m.tflite",
                       metadata={**trained["metadata"], "quantize": "int8"})
    assert path.read_bytes() == flats["int8"]
    meta = json.loads(sidecar_path(path).read_text())
    assert meta["class_names"] == CLASSES and meta["features"]["n_mels"] == 16
    clf = TFLitePredictor(path)
    assert clf.class_names == CLASSES and "int8" in clf.describe()
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind
    # a class-per-folder dataset: evaluate_folder takes the classifier like any Predictor
    from audiolab.io import save

    clips, labels = tones(2, seed=5)
    for i, (y, label) in enumerate(zip(clips, labels, strict=True)):
        (tmp_path / "data" / CLASSES[label]).mkdir(parents=True, exist_ok=True)
        save(tmp_path / "data" / CLASSES[label] / f"{i}.wav", y, sr=SR)
    report = evaluate_folder(clf, tmp_path / "data", split="all")
    assert report["n"] == 6 and report["accuracy"] >= 0.8

    with pytest.raises(ParameterError, match=".tflite"):
        save_tflite(flats["int8"], tmp_path / "m.bin", metadata=trained["metadata"])
    with pytest.raises(ParameterError, match="lacks"):
        save_tflite(flats["int8"], tmp_path / "n.tflite", metadata={"sr": SR})
    (tmp_path / "lonely.tflite").write_bytes(flats["int8"])
    with pytest.raises(AudiolabError, match="no settings file"):
        TFLitePredictor(tmp_path / "lonely.tflite")
    (tmp_path / "junk.tflite").write_bytes(b"not a model at all")
    sidecar_path(tmp_path / "junk.tflite").write_text(json.dumps(trained["metadata"]))
    with pytest.raises(AudiolabError, match="not a TFLite model"):
        TFLitePredictor(tmp_path / "junk.tflite")
    # The identifier is there but the body is not a model: the error names the file.
    (tmp_path / "broken.tflite").write_bytes(flats["int8"][:64])
    sidecar_path(tmp_path / "broken.tflite").write_text(json.dumps(trained["metadata"]))
    with pytest.raises(AudiolabError, match=r"broken\.tflite: not a TFLite model"):
        TFLitePredictor(tmp_path / "broken.tflite")
    with pytest.raises(AudiolabError, match="no such model file"):
        TFLitePredictor(tmp_path / "missing.tflite")
    with pytest.raises(AudiolabError, match="outputs"):
        TFLitePredictor(flats["int8"], metadata={**trained["metadata"], "class_names": ["a", "b"]})
    with pytest.raises(AudiolabError, match="feature settings"):
        TFLitePredictor(flats["int8"], metadata={**trained["metadata"], "n_samples": 16000})


@pytest.mark.slow
def test_benchmark_rows(trained):
    from audiolab.deploy import benchmark, format_table

    rows = benchmark(trained["e2e"], trained["x"], trained["labels"],
                     representative_data=trained["x"], metadata=trained["metadata"], n_timing=10)
    assert [r["model"] for r in rows] == ["float32", "dynamic", "int8"]
    for row in rows:
        assert row["latency_ms_median"] > 0 and row["latency_ms_p95"] >= row["latency_ms_median"]
        assert 0 <= row["accuracy"] <= 1 and row["memory_kb"] > 0
    assert rows[2]["size_bytes"] < rows[0]["size_bytes"]
    assert rows[2]["memory_kb"] < rows[0]["memory_kb"]
    table = format_table(rows, columns=["model", "size_kb", "accuracy"])
    assert table.splitlines()[0] == "| model | size_kb | accuracy |"
    assert len(table.splitlines()) == 5


def test_benchmark_per_tensor_rows_are_named_and_smaller(trained, dscnn):
    from audiolab.deploy import benchmark

    kwargs = {"representative_data": trained["x"], "metadata": trained["metadata"],
              "n_timing": 4, "rounds": 1}
    per_channel = benchmark(dscnn["net"], trained["x"], trained["labels"], **kwargs)
    per_tensor = benchmark(dscnn["net"], trained["x"], trained["labels"], per_channel=False,
                           **kwargs)
    assert [r["model"] for r in per_tensor] == ["float32", "dynamic, per tensor",
                                                 "int8, per tensor"]
    assert per_tensor[0]["size_bytes"] == per_channel[0]["size_bytes"]
    assert per_tensor[2]["size_bytes"] < per_channel[2]["size_bytes"]
    assert per_tensor[2]["accuracy"] >= 0.9


def test_benchmark_tflite_measures_a_saved_model_as_benchmark_does(trained, dscnn, tmp_path):
    from audiolab.deploy import TFLitePredictor, benchmark, benchmark_tflite, save_tflite, to_tflite

    flat = to_tflite(dscnn["net"], quantize="int8", representative_data=trained["x"],
                     per_channel=False)
    path = save_tflite(flat, tmp_path / "m.tflite",
                       metadata={**trained["metadata"], "quantize": "int8", "per_channel": False})
    row = benchmark_tflite(path, trained["x"], trained["labels"], n_timing=4, rounds=1)
    expected = benchmark(dscnn["net"], trained["x"], trained["labels"],
                         representative_data=trained["x"], metadata=trained["metadata"],
                         quantizations=["int8"], per_channel=False, n_timing=4, rounds=1)[0]
    assert row["model"] == expected["model"] == "int8, per tensor"
    for key in ("size_bytes", "memory_kb", "accuracy"):
        assert row[key] == expected[key], key
    assert row["size_bytes"] == len(flat)
    predictor = TFLitePredictor(path)
    assert benchmark_tflite(predictor, trained["x"][:6], trained["labels"][:6], n_timing=2,
                            rounds=1)["model"] == "int8, per tensor"
    with pytest.raises(ParameterError, match="metadata"):
        benchmark_tflite(predictor, trained["x"], trained["labels"], metadata=trained["metadata"])
    with pytest.raises(ParameterError, match="labels"):
        benchmark_tflite(path, trained["x"], trained["labels"][:-1])
    # settings without "quantize": the name comes from the tensors' types (the converter leaves
    # weight tensors under 1,024 values in float, so the dynamic model needs wider layers)
    from audiolab import models

    wide = models.build_cnn(trained["x"].shape[1:], 3, filters=(32, 64))
    for model, quantize, name in ((dscnn["net"], "none", "float32"), (wide, "dynamic", "dynamic"),
                                  (dscnn["net"], "int8", "int8")):
        flat = to_tflite(model, quantize=quantize, representative_data=trained["x"])
        row = benchmark_tflite(flat, trained["x"], trained["labels"], metadata=trained["metadata"],
                               n_timing=2, rounds=1)
        assert row["model"] == name


def test_benchmark_reports_the_fastest_round(trained, monkeypatch):
    import importlib

    module = importlib.import_module("audiolab.deploy.benchmark")  # the package's name is the function
    rounds = iter([np.full(4, 0.003), np.full(4, 0.001), np.full(4, 0.002)])
    monkeypatch.setattr(module, "_call_times", lambda clf, xq: next(rounds))
    rows = module.benchmark(trained["net"], trained["x"], trained["labels"], metadata=trained["metadata"],
                            quantizations=["none"], n_timing=4, rounds=3)
    assert rows[0]["latency_ms_median"] == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="rounds"):
        module.benchmark(trained["net"], trained["x"], trained["labels"],
                         metadata=trained["metadata"], quantizations=["none"], rounds=0)


class ToneSpotter:
    """A fake predictor without TensorFlow: a tone of a class's frequency in the window."""

    class_names = CLASSES
    sr = SR
    n_samples = N_SAMPLES

    def predict_proba(self, clips):
        spectrum = np.abs(np.fft.rfft(np.asarray(clips), axis=1))
        freqs = np.fft.rfftfreq(N_SAMPLES, 1 / SR)
        energy = np.stack([spectrum[:, np.abs(freqs - f) < 100].sum(1) for f in FREQS], 1)
        return (energy / energy.sum(1, keepdims=True)).astype(np.float32)


def burst_recording():
    """6 s: silence, 'mid' at 1.0-1.8 s, silence, 'high' at 4.0-4.8 s, silence."""
    y = np.zeros(6 * SR, np.float32)
    t = np.arange(int(0.8 * SR)) / SR
    y[SR : SR + len(t)] = 0.3 * np.sin(2 * np.pi * 1200 * t)
    y[4 * SR : 4 * SR + len(t)] = 0.3 * np.sin(2 * np.pi * 4000 * t)
    return y


def test_streaming_detector_finds_the_events_at_the_right_times():
    from audiolab.deploy import StreamingDetector

    detector = StreamingDetector(ToneSpotter(), hop=0.1, smoothing=3, threshold=0.6)
    result = detector.process(burst_recording())
    assert [d["label"] for d in result.detections] == ["mid", "high"]
    mid, high = result.detections
    assert 0.4 <= mid["start"] <= 1.2 and 1.6 <= mid["end"] <= 2.6
    assert 3.4 <= high["start"] <= 4.2 and 4.6 <= high["end"] <= 5.6
    assert result.duration == 6.0 and result.real_time_factor > 1
    assert result.posteriors.shape == (len(result.times), 3)
    assert len(result.times) == 1 + (6 * SR - N_SAMPLES) // 1600
    # a live stream in blocks of 0.25 s gives the same detections, as they end
    live = StreamingDetector(ToneSpotter(), hop=0.1, smoothing=3, threshold=0.6)
    y = burst_recording()
    found = []
    for i in range(0, len(y), 4000):
        found += live.push(y[i : i + 4000])
    found += live.flush()
    assert found == result.detections
    # silence: nothing
    assert StreamingDetector(ToneSpotter()).process(np.zeros(3 * SR, np.float32)).detections == []


def test_streaming_detector_arguments():
    from audiolab.deploy import StreamingDetector

    with pytest.raises(ParameterError, match="hop"):
        StreamingDetector(ToneSpotter(), hop=0)
    with pytest.raises(ParameterError, match="threshold"):
        StreamingDetector(ToneSpotter(), threshold=1.5)
    with pytest.raises(ParameterError, match="classifier"):
        StreamingDetector(object())


def test_c_array_format():
    from audiolab.deploy import to_c_array

    data = bytes(range(30))
    source, header = to_c_array(data, "g_model")
    lines = source.splitlines()
    assert lines[0] == '#include "g_model.h"'
    assert lines[2] == "alignas(16) const unsigned char g_model[] = {"
    assert lines[3] == "  " + ", ".join(f"0x{b:02x}" for b in range(12)) + ","
    assert lines[5] == "  " + ", ".join(f"0x{b:02x}" for b in range(24, 30))
    assert lines[-2:] == ["};", "const unsigned int g_model_len = 30;"]
    assert "extern const unsigned char g_model[];" in header
    assert "extern const unsigned int g_model_len;" in header
    assert "#ifndef G_MODEL_H_" in header
    with pytest.raises(ParameterError, match="C identifier"):
        to_c_array(data, "3model")
    with pytest.raises(ParameterError, match="non-empty"):
        to_c_array(b"", "g_model")


def test_write_c_array(tmp_path):
    from audiolab.deploy import write_c_array

    source, header = write_c_array(b"\x01\x02", "tiny", tmp_path)
    assert source.name == "tiny.cc" and header.name == "tiny.h"
    assert "0x01, 0x02" in source.read_text()


def test_import_stays_light():
    code = ("import sys, audiolab, audiolab.deploy, audiolab.cli.deploy, audiolab.cli; "
            "audiolab.cli.build_parser(); print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_streaming_shares_frames_between_windows_exactly():
    from audiolab.deploy.streaming import _shared_frame_features
    from audiolab.features import extract_batch

    class Settings:
        sr, n_samples, class_names = SR, N_SAMPLES, CLASSES
        settings = SETTINGS

        def predict_features(self, x):  # pragma: no cover - not called here
            return x

    rng = np.random.default_rng(3)
    y = (0.1 * rng.standard_normal(3 * SR) * np.repeat(rng.uniform(0, 1, 30), 1600)).astype(np.float32)
    offsets = np.arange(0, len(y) - N_SAMPLES + 1, 1600)
    shared = _shared_frame_features(Settings(), y, offsets)
    full = extract_batch(np.stack([y[o : o + N_SAMPLES] for o in offsets]), SR, **SETTINGS)
    np.testing.assert_allclose(shared, full, atol=1e-4)
    assert _shared_frame_features(Settings(), y, offsets + np.arange(len(offsets))) is None
    assert _shared_frame_features(ToneSpotter(), y, offsets) is None


def test_tflite_classifier_is_the_old_name_of_the_tflite_predictor():
    from audiolab.deploy import TFLiteClassifier, TFLitePredictor

    assert TFLiteClassifier is TFLitePredictor
