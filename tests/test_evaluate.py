"""audiolab.evaluate: the metric report, predictors and the choice of the test split."""

from __future__ import annotations

import json

import numpy as np
import pytest
from datasets_fixtures import tone, write_wav

from audiolab import evaluate
from audiolab.datasets import load_folder
from audiolab.errors import AudiolabError, ParameterError

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def test_classification_report_agrees_with_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 5, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 5, 200))
    names = ["a", "b", "c", "d", "e"]
    report = evaluate.classification_report(y_true, y_pred, names)
    assert report["accuracy"] == pytest.approx(metrics.accuracy_score(y_true, y_pred))
    p, r, f, s = metrics.precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    for i, name in enumerate(names):
        row = report["per_class"][name]
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((p[i], r[i], f[i]))
        assert row["support"] == s[i]
    assert report["macro_f1"] == pytest.approx(metrics.f1_score(y_true, y_pred, average="macro"))
    assert report["macro_precision"] == pytest.approx(
        metrics.precision_score(y_true, y_pred, average="macro"))
    assert report["confusion_matrix"] == metrics.confusion_matrix(y_true, y_pred).tolist()
    assert report["n"] == 200 and report["class_names"] == names
    json.dumps(report)  # plain Python values


def test_report_handles_classes_never_predicted_or_absent():
    report = evaluate.classification_report([0, 0, 1, 1], [0, 0, 0, 0], ["no", "yes", "maybe"])
    assert report["per_class"]["yes"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert report["per_class"]["maybe"]["support"] == 0
    # "maybe" is in neither the truth nor the predictions: not part of the macro average.
    assert report["macro_recall"] == pytest.approx(0.5)
    assert report["confusion_matrix"] == [[2, 0, 0], [2, 0, 0], [0, 0, 0]]


def test_confusion_matrix_rows_are_the_true_classes():
    matrix = evaluate.confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert matrix.dtype == np.int64


@pytest.mark.parametrize(
    "y_true, y_pred, message",
    [
        ([0, 1], [0], "2 labels"),
        ([], [], "empty"),
        ([0, 3], [0, 1], "outside 0..2"),
        ([0, 1], [0.2, 0.9], "integer class indices"),
        ([[0, 1]], [[0, 1]], "1-D"),
    ],
)
def test_report_checks_the_labels(y_true, y_pred, message):
    with pytest.raises(ParameterError, match=message):
        evaluate.classification_report(y_true, y_pred, ["a", "b", "c"])


@pytest.mark.parametrize("correct, n, confidence", [(89, 100, 0.95), (91, 100, 0.95), (0, 10, 0.95),
                                                     (10, 10, 0.95), (5, 10, 0.95), (270, 300, 0.9),
                                                     (1, 3, 0.99)])
def test_accuracy_interval_is_wilsons(correct, n, confidence):
    from scipy.stats import binomtest

    reference = binomtest(correct, n).proportion_ci(confidence_level=confidence, method="wilson")
    lower, upper = evaluate.accuracy_interval(correct, n, confidence=confidence)
    assert (lower, upper) == pytest.approx((reference.low, reference.high), abs=1e-9)
    assert 0 <= lower <= correct / n <= upper <= 1


def test_accuracy_interval_known_values_and_width():
    assert evaluate.accuracy_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)   # Wilson 1927
    assert evaluate.accuracy_interval(0, 10)[0] == 0.0 and evaluate.accuracy_interval(10, 10)[1] == 1.0
    # lesson 10: 89 and 91 of 100 clips cannot be told apart; the interval narrows as 1 / sqrt(n)
    a, b = evaluate.accuracy_interval(89, 100), evaluate.accuracy_interval(91, 100)
    assert a[1] > b[0]
    wide = np.subtract(*evaluate.accuracy_interval(90, 100)[::-1])
    narrow = np.subtract(*evaluate.accuracy_interval(900, 1000)[::-1])
    assert narrow == pytest.approx(wide / np.sqrt(10), rel=0.05)
    assert np.subtract(*evaluate.accuracy_interval(90, 100, confidence=0.99)[::-1]) > wide


@pytest.mark.parametrize("args, message", [
    ((5, 0), "n must be"), ((11, 10), "correct must be an integer from 0 to n=10"),
    ((-1, 10), "correct must be"), ((2.5, 10), "correct must be"),
    ((5, 10, 1.0), "confidence must be"), ((5, 10, 0), "confidence must be"),
    ((5, 10, "95%"), "confidence must be"),
])
def test_accuracy_interval_checks_its_arguments(args, message):
    correct, n, *rest = args
    with pytest.raises(ParameterError, match=message):
        evaluate.accuracy_interval(correct, n, **({"confidence": rest[0]} if rest else {}))


def test_real_speech_yardstick_known_answer_and_line():
    y_true = np.repeat(np.arange(10), 300)                       # 3,000 recordings, as FSDD
    y_pred = y_true.copy()
    y_pred[780:] = (y_pred[780:] + 1) % 10                       # 780 right: 0.26
    speakers = np.tile(["george", "jackson", "lucas", "nicolas", "theo", "yweweler"], 500)
    result = evaluate.real_speech_yardstick(y_true, y_pred, groups=speakers, lesson=4,
                                            model="logistic regression on MFCC statistics",
                                            trained_on="800 synthetic clips")
    assert (result.correct, result.n, result.n_speakers) == (780, 3000, 6)
    assert result.accuracy == 0.26
    assert (result.low, result.high) == evaluate.accuracy_interval(780, 3000)
    assert str(result) == (
        "Yardstick, real speech (FSDD, 3,000 recordings, 6 speakers never heard in training): "
        "0.26 (95% CI 0.24-0.28); logistic regression on MFCC statistics, trained on 800 synthetic "
        "clips (lesson 04)")
    with pytest.raises(AttributeError):
        result.accuracy = 1.0                                    # frozen


def test_real_speech_yardstick_without_speakers_or_lesson():
    result = evaluate.real_speech_yardstick([0, 1, 1], [0, 1, 0], model="a CNN", trained_on="x",
                                            data="FSDD test split")
    assert result.n_speakers is None and result.correct == 2
    assert str(result).startswith("Yardstick, real speech (FSDD test split, 3 recordings): 0.67 (95% CI ")
    assert str(result).endswith("; a CNN, trained on x")
    one = evaluate.real_speech_yardstick([0], [0], model="m", trained_on="t", groups=["theo"])
    assert "1 speaker never heard" in str(one) and (one.low, one.high)[1] == 1.0


@pytest.mark.parametrize("y_true, y_pred, kwargs, message", [
    ([0, 1], [0], {}, "2 labels"),
    ([], [], {}, "empty"),
    ([0, -1], [0, 1], {}, "y_true holds class -1"),
    ([0, 1], [0.2, 0.9], {}, "integer class indices"),
    ([0, 1], [0, 1], {"model": " "}, "model must be a non-empty description"),
    ([0, 1], [0, 1], {"trained_on": None}, "trained_on must be"),
    ([0, 1], [0, 1], {"groups": ["a"]}, "groups must give the speaker of each of the 2"),
    ([0, 1], [0, 1], {"lesson": "04"}, "lesson must be a lesson number"),
])
def test_real_speech_yardstick_checks_its_arguments(y_true, y_pred, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        evaluate.real_speech_yardstick(y_true, y_pred, **{"model": "m", "trained_on": "t", **kwargs})


def test_format_report_prints_averages_and_a_row_per_class():
    text = evaluate.format_report(evaluate.classification_report([0, 1, 1], [0, 1, 0], ["no", "yes"]))
    lines = text.splitlines()
    assert lines[0] == ("accuracy 0.667 | macro precision 0.750 | macro recall 0.750 | "
                        "macro F1 0.667 | 3 clips")
    assert lines[1].split() == ["class", "precision", "recall", "f1", "support"]
    assert lines[2].split() == ["no", "0.500", "1.000", "0.667", "1"]


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------


def make_folder(root, layout):
    """``layout``: {relative folder: number of clips}; tiny tones."""
    for folder, count in layout.items():
        for i in range(count):
            write_wav(root / folder / f"{i}.wav", tone(300 + 40 * i, sr=8000, duration=0.1), 8000)
    return root


def test_split_indices_uses_the_folders_and_carves_a_validation_split(tmp_path):
    root = make_folder(tmp_path / "d", {f"{s}/{c}": n for s, n in (("train", 9), ("test", 2))
                                        for c in ("cat", "dog")})
    ds = load_folder(root, sr=8000, load_audio=False)
    parts, info = evaluate.split_indices(ds, seed=0)
    assert info["method"] == "dataset" and info["carved_from_train"] == ["val"]
    assert len(parts["test"]) == 4 and len(parts["val"]) == 2 and len(parts["train"]) == 16
    assert set(ds.split[parts["val"]]) == {"train"} and set(ds.labels[parts["val"]]) == {0, 1}
    assert sorted(np.concatenate(list(parts.values()))) == list(range(len(ds)))


def test_split_indices_stratifies_a_folder_without_splits(tmp_path):
    root = make_folder(tmp_path / "d", {"cat": 10, "dog": 10})
    ds = load_folder(root, sr=8000, load_audio=False)
    parts, info = evaluate.split_indices(ds, seed=3)
    assert info["method"] == "stratified" and info["fractions"] == [0.8, 0.1, 0.1]
    assert [len(parts[k]) for k in ("train", "val", "test")] == [16, 2, 2]
    assert evaluate.split_indices(ds, seed=3)[0]["test"].tolist() == parts["test"].tolist()
    assert info["fingerprint"] == evaluate.dataset_fingerprint(ds)
    (root / "dog" / "extra.wav").write_bytes((root / "dog" / "0.wav").read_bytes())
    assert evaluate.dataset_fingerprint(load_folder(root, sr=8000, load_audio=False)) != info["fingerprint"]


# ---------------------------------------------------------------------------
# Predictors
# ---------------------------------------------------------------------------


class Loudness(evaluate.Predictor):
    """Class 1 when the clip is loud: a predictor without any model."""

    def _predict_batch(self, x):
        loud = (np.abs(x).max(axis=1) > 0.3).astype(np.float32)
        return np.stack([1 - loud, loud], axis=1)


def test_predictor_pads_batches_and_argmaxes():
    predictor = Loudness(class_names=["quiet", "loud"], sr=8000, n_samples=800, batch_size=2)
    clips = [0.1 * tone(300, sr=8000, duration=0.05), tone(300, sr=8000, duration=0.2),
             np.zeros(800, np.float32)]
    assert predictor.prepare(clips).shape == (3, 800)
    assert predictor.predict(clips).tolist() == [0, 1, 0]
    assert predictor.predict_proba(np.zeros((0, 800), np.float32)).shape == (0, 2)
    assert predictor.duration == 0.1 and "2 classes, 8000 Hz, 0.10 s clips" in repr(predictor)
    with pytest.raises(ParameterError, match="clips"):
        predictor.predict(np.zeros((2, 3, 4), np.float32))


def test_evaluate_folder_maps_class_names_and_chooses_the_split(tmp_path):
    root = tmp_path / "d"
    for split, n in (("train", 2), ("test", 3)):
        for i in range(n):
            write_wav(root / split / "loud" / f"{i}.wav", tone(300, sr=8000, duration=0.1), 8000)
            write_wav(root / split / "quiet" / f"{i}.wav",
                      0.05 * tone(300, sr=8000, duration=0.1), 8000)
    predictor = Loudness(class_names=["quiet", "loud"], sr=8000, n_samples=800)
    report = evaluate.evaluate_folder(predictor, root)
    assert report["split"] == "test" and report["n"] == 6 and report["accuracy"] == 1.0
    assert report["per_class"]["loud"]["support"] == 3
    assert evaluate.evaluate_folder(predictor, root, split="all")["n"] == 10
    flat = tmp_path / "flat"
    write_wav(flat / "loud" / "a.wav", tone(300, sr=8000, duration=0.1), 8000)
    report = evaluate.evaluate_folder(predictor, flat)
    assert report["split"] == "all" and "evaluating all 1 clips" in report["notes"][0]
    write_wav(flat / "bird" / "b.wav", tone(300, sr=8000, duration=0.1), 8000)
    with pytest.raises(AudiolabError, match="classes the model does not know: bird"):
        evaluate.evaluate_folder(predictor, flat)


def test_evaluate_folder_stops_at_a_broken_file_unless_told_to_skip(tmp_path):
    root = tmp_path / "d"
    write_wav(root / "loud" / "a.wav", tone(300, sr=8000, duration=0.1), 8000)
    (root / "quiet").mkdir()
    (root / "quiet" / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    write_wav(root / "quiet" / "b.wav", 0.05 * tone(300, sr=8000, duration=0.1), 8000)
    predictor = Loudness(class_names=["quiet", "loud"], sr=8000, n_samples=800)
    with pytest.raises(AudiolabError, match=r"broken\.wav.*--skip-broken"):
        evaluate.evaluate_folder(predictor, root)
    report = evaluate.evaluate_folder(predictor, root, skip_broken=True)
    assert report["n"] == 2 and "could not be read" in report["notes"][0]


def test_load_predictor_reports_bad_files(tmp_path):
    with pytest.raises(AudiolabError, match="no such model file"):
        evaluate.load_predictor(tmp_path / "none.keras")
    with pytest.raises(AudiolabError, match="is a folder"):
        evaluate.load_predictor(tmp_path)
    (tmp_path / "model.onnx").write_bytes(b"x")
    with pytest.raises(AudiolabError, match="unknown kind of model file"):
        evaluate.load_predictor(tmp_path / "model.onnx")
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(AudiolabError, match="not a .keras model file"):
        evaluate.load_predictor(tmp_path / "text.keras")


def test_keras_predictor_round_trip(tmp_path):
    models = pytest.importorskip("audiolab.models")
    body = models.build_cnn((40, 26), 2, filters=(4,))
    model = models.with_frontend(body, models.AudioFeatures(sr=8000), n_samples=4000)
    plain = tmp_path / "plain.keras"
    model.save(plain)
    with pytest.raises(AudiolabError, match="without audiolab settings"):
        evaluate.load_predictor(plain)
    path = models.save_model(model, tmp_path / "m.keras",
                             metadata={"class_names": ["a", "b"], "sr": 8000, "n_samples": 4000,
                                       "model": "cnn"})
    predictor = evaluate.load_predictor(path)
    assert isinstance(predictor, evaluate.KerasPredictor) and predictor.class_names == ["a", "b"]
    clips = [tone(300, sr=8000, duration=0.3), tone(900, sr=8000, duration=0.6)]
    expected = np.asarray(model(predictor.prepare(clips)))
    np.testing.assert_allclose(predictor.predict_proba(clips), expected, atol=1e-6)
    with pytest.raises(ParameterError, match="not waveforms"):
        evaluate.KerasPredictor(body, class_names=["a", "b"], sr=8000, n_samples=4000)
    with pytest.raises(ParameterError, match="2 outputs but 3 class names"):
        evaluate.KerasPredictor(model, class_names=["a", "b", "c"], sr=8000, n_samples=4000)
