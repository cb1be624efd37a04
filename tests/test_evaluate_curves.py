"""Tests for lesson 10's evaluation tools in audiolab.evaluate: known answers on hand-made scores."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from audiolab import evaluate
from audiolab.errors import ParameterError

Y = [0, 0, 1, 1]
SCORES = [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]]


def test_roc_auc_known_answer():
    curves = evaluate.roc_curves(Y, SCORES, ["a", "b"])
    assert curves["b"]["auc"] == pytest.approx(0.75)
    assert curves["a"]["auc"] == pytest.approx(0.75)
    assert curves["b"]["fpr"][0] == 0 and curves["b"]["tpr"][-1] == 1


def test_roc_perfect_and_missing_class():
    curves = evaluate.roc_curves([0, 1, 2], np.eye(3)[[0, 1, 2]])
    assert all(c["auc"] == 1.0 for c in curves.values())
    curves = evaluate.roc_curves([0, 0, 1], np.eye(3)[[0, 0, 1]])
    assert np.isnan(curves["2"]["auc"])


def test_pr_average_precision_known_answer():
    curves = evaluate.pr_curves(Y, SCORES)
    # Positives of class 1 ranked 1st and 3rd: AP = (1/2)(1 + 2/3) = 0.8333
    assert curves["1"]["average_precision"] == pytest.approx(5 / 6)
    assert curves["1"]["prevalence"] == 0.5


def test_threshold_for_recall_and_precision():
    by_recall = evaluate.threshold_for(Y, SCORES, 1, recall=1.0)
    assert by_recall["threshold"] == 0.35
    assert by_recall["recall"] == 1.0 and by_recall["false_positives"] == 1
    by_precision = evaluate.threshold_for(Y, SCORES, 1, precision=1.0)
    assert by_precision["threshold"] == 0.8
    assert by_precision["recall"] == 0.5 and by_precision["false_positives"] == 0
    half = evaluate.threshold_for(Y, SCORES, 1, recall=0.5)
    assert half["threshold"] == 0.8


def test_threshold_for_errors():
    with pytest.raises(ParameterError, match="exactly one"):
        evaluate.threshold_for(Y, SCORES, 1)
    with pytest.raises(ParameterError, match="exactly one"):
        evaluate.threshold_for(Y, SCORES, 1, recall=0.5, precision=0.5)
    with pytest.raises(ParameterError, match="recall"):
        evaluate.threshold_for(Y, SCORES, 1, recall=1.5)
    with pytest.raises(ParameterError, match="target_class"):
        evaluate.threshold_for(Y, SCORES, 2, recall=0.5)
    with pytest.raises(ParameterError, match="no threshold"):
        evaluate.threshold_for([0, 1], [[0.1, 0.9], [0.9, 0.1]], 1, precision=1.0)


def test_scores_validation():
    with pytest.raises(ParameterError, match="2-D"):
        evaluate.roc_curves(Y, [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ParameterError, match="rows"):
        evaluate.pr_curves(Y, SCORES[:3])
    with pytest.raises(ParameterError, match="class_names"):
        evaluate.roc_curves(Y, SCORES, ["a"])


def test_plot_confusion_matrix_counts_and_normalised():
    fig, (a, b) = plt.subplots(1, 2)
    image = evaluate.plot_confusion_matrix([[3, 1], [0, 4]], ["no", "yes"], ax=a)
    assert image.get_array()[0, 1] == 1
    image = evaluate.plot_confusion_matrix([[3, 1], [0, 4]], ["no", "yes"], normalize=True, ax=b)
    np.testing.assert_allclose(image.get_array(), [[0.75, 0.25], [0, 1]])
    assert a.get_xlabel() == "predicted class" and a.get_ylabel() == "true class"
    texts = [t.get_text() for t in b.texts]
    assert "0.75" in texts
    plt.close(fig)
    with pytest.raises(ParameterError, match="square"):
        evaluate.plot_confusion_matrix([[1, 2, 3]])


def test_plot_roc_and_pr_return_lines():
    lines = evaluate.plot_roc(evaluate.roc_curves(Y, SCORES, ["a", "b"]))
    assert [line.get_label() for line in lines] == ["a (AUC 0.75)", "b (AUC 0.75)", "chance"]
    lines = evaluate.plot_pr(evaluate.pr_curves(Y, SCORES, ["a", "b"]), classes=["b"])
    assert [line.get_label() for line in lines] == ["b (AP 0.83)"]
    with pytest.raises(ParameterError, match="unknown class"):
        evaluate.plot_pr(evaluate.pr_curves(Y, SCORES, ["a", "b"]), classes=["c"])
    plt.close("all")


def test_misclassified_sorted_by_confidence():
    prob = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    errors = evaluate.misclassified([0, 0, 1, 2], prob, ["a", "b", "c"], top=2)
    assert [e["index"] for e in errors] == [1, 2]
    assert errors[0]["true"] == "a" and errors[0]["predicted"] == "b"
    assert errors[0]["confidence"] == pytest.approx(0.7) and errors[0]["p_true"] == pytest.approx(0.2)
    assert [name for name, _ in errors[0]["top"]] == ["b", "a"]
    assert evaluate.misclassified([0], [[1.0, 0.0]]) == []


def _blobs(n_per_class=30, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [4, 0], [0, 4]])
    x = np.concatenate([c + rng.standard_normal((n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    groups = np.tile(np.arange(6), len(y) // 6)
    return x, y, groups


def test_cross_validate_sklearn_stratified_and_grouped():
    from sklearn.linear_model import LogisticRegression

    x, y, groups = _blobs()
    calls = []

    def build_and_fit(x_train, y_train, fold):
        calls.append((len(x_train), fold))
        return LogisticRegression().fit(x_train, y_train)

    cv = evaluate.cross_validate(build_and_fit, x, y, n_splits=3)
    assert len(cv["accuracy"]) == 3 and [c[1] for c in calls] == [0, 1, 2]
    assert cv["mean"] > 0.9 and 0 <= cv["std"] < 0.1
    assert cv["mean"] == pytest.approx(np.mean(cv["accuracy"]))
    tested = np.sort(np.concatenate([test for _, test in cv["folds"]]))
    np.testing.assert_array_equal(tested, np.arange(len(y)))

    grouped = evaluate.cross_validate(build_and_fit, x, y, n_splits=3, groups=groups)
    for train, test in grouped["folds"]:
        assert not set(groups[train]) & set(groups[test])


def test_cross_validate_leak_shows_in_grouped_score():
    """A model that memorises groups looks perfect on random folds, not on grouped ones."""
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(6), 20)
    y = groups % 2  # each speaker says one class; neighbouring speakers the other
    x = np.column_stack([groups + 0.01 * rng.standard_normal(len(y)),
                         0.01 * rng.standard_normal(len(y))])
    from sklearn.neighbors import KNeighborsClassifier

    def fit(x_train, y_train, fold):
        return KNeighborsClassifier(1).fit(x_train, y_train)

    random = evaluate.cross_validate(fit, x, y, n_splits=3)
    grouped = evaluate.cross_validate(fit, x, y, n_splits=3, groups=groups)
    assert random["mean"] == 1.0
    assert grouped["mean"] < 0.5


@pytest.mark.slow
def test_cross_validate_keras_tiny_model():
    pytest.importorskip("tensorflow")
    from audiolab.models import keras
    from audiolab.train import reproducible

    x, y, _ = _blobs(n_per_class=20)
    x = x.astype(np.float32)

    def build_and_fit(x_train, y_train, fold):
        reproducible(fold)
        inputs = keras.Input((2,))
        outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Dense(8, activation="relu")(inputs))
        model = keras.Model(inputs, outputs)
        model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
        model.fit(x_train, y_train, epochs=30, verbose=0)
        return model

    cv = evaluate.cross_validate(build_and_fit, x, y, n_splits=2)
    assert cv["mean"] > 0.8


def test_cross_validate_errors():
    x, y, _ = _blobs()
    with pytest.raises(ParameterError, match="callable"):
        evaluate.cross_validate(None, x, y)
    with pytest.raises(ParameterError, match="examples"):
        evaluate.cross_validate(lambda *a: None, x[:5], y)
    with pytest.raises(ParameterError, match="integer"):
        evaluate.cross_validate(lambda *a: None, x, y.astype(float))


def _toy_predict(clips):
    """Class 0: a 300 Hz tone, class 1: a 1,200 Hz tone; picks the stronger DFT bin."""
    spectrum = np.abs(np.fft.rfft(clips, axis=1))
    return (spectrum[:, 1200] > spectrum[:, 300]).astype(int)


def test_robustness_curve_monotone_on_toy_model():
    sr = 16000
    t = np.arange(sr) / sr
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 20)
    clips = np.stack([np.sin(2 * np.pi * (300 if k == 0 else 1200) * t + rng.uniform(0, 6))
                      for k in y]).astype(np.float32) * 0.1
    snrs = [None, 0, -20, -30, -40]
    curve = evaluate.robustness_curve(_toy_predict, clips, y, snrs_db=snrs, sr=sr)
    assert curve["snr_db"] == snrs
    acc = curve["accuracy"]
    assert acc[0] == 1.0 and acc[1] == 1.0
    assert acc[-1] < 0.8
    assert all(b <= a + 0.1 for a, b in zip(acc, acc[1:], strict=False))  # monotone-ish
    again = evaluate.robustness_curve(_toy_predict, clips, y, snrs_db=snrs, sr=sr)
    assert again == curve  # seeded
    pink = evaluate.robustness_curve(_toy_predict, clips, y, snrs_db=[None, 0], noise="pink", sr=sr)
    assert pink["accuracy"][0] == 1.0


def test_robustness_curve_errors():
    clips = np.zeros((2, 100), np.float32)
    with pytest.raises(ParameterError, match="labels"):
        evaluate.robustness_curve(_toy_predict, clips, [0])
    with pytest.raises(ParameterError, match="snrs_db"):
        evaluate.robustness_curve(_toy_predict, clips, [0, 1], snrs_db=["loud"])
    with pytest.raises(ParameterError, match="noise"):
        evaluate.robustness_curve(_toy_predict, clips, [0, 1], noise="blue")
