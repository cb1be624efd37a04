"""Evaluating classifiers: metrics, the confusion matrix, and lesson 10's analyses.

- :mod:`audiolab.evaluate.metrics`: :func:`classification_report`,
  :func:`confusion_matrix`, :func:`format_report`, :func:`accuracy_interval`
  (a Wilson confidence interval), :func:`real_speech_yardstick` (the course's
  one measure on real speech, a :class:`Yardstick`), :func:`evaluate_folder`
  (lessons 07-08 and the ``audiolab evaluate`` command).
- :mod:`audiolab.evaluate.detection`: :func:`detection_scores` (recall and
  false alarms per minute of a detector, a :class:`DetectionScores`),
  :func:`false_alarm_sources` (what each false alarm was heard in),
  :func:`false_alarm_words` (which words were taken for which keywords),
  :func:`read_truth`, :func:`detection_curve` and
  :func:`plot_detection_curve` (over the threshold; lesson 12).
- :mod:`audiolab.evaluate.analysis`: confusion-matrix plots, ROC and PR
  curves, thresholds, cross-validation, robustness to noise, the
  misclassified clips (lesson 10).

For convenience this package also offers the predictors
(:mod:`audiolab.predictors`) and the split ``audiolab train`` makes
(:mod:`audiolab.datasets.splits`), as the lessons use them. It imports only
NumPy; TensorFlow loads when a Keras model is opened.
"""

from __future__ import annotations

from ..datasets.splits import dataset_fingerprint, split_indices
from ..predictors import KerasPredictor, Predictor, load_predictor
from .analysis import (
    cross_validate,
    misclassified,
    plot_confusion_matrix,
    plot_pr,
    plot_roc,
    pr_curves,
    robustness_curve,
    roc_curves,
    threshold_for,
)
from .detection import (
    DEFAULT_THRESHOLDS,
    FALSE_ALARM_SOURCES,
    FINE_THRESHOLDS,
    DetectionCurve,
    DetectionScores,
    detection_curve,
    detection_scores,
    false_alarm_sources,
    false_alarm_words,
    plot_detection_curve,
    read_truth,
)
from .metrics import (
    Yardstick,
    accuracy_interval,
    classification_report,
    confusion_matrix,
    evaluate_folder,
    format_report,
    real_speech_yardstick,
)

__all__ = [
    "confusion_matrix",
    "classification_report",
    "format_report",
    "accuracy_interval",
    "Yardstick",
    "real_speech_yardstick",
    "Predictor",
    "KerasPredictor",
    "load_predictor",
    "evaluate_folder",
    "split_indices",
    "dataset_fingerprint",
    "plot_confusion_matrix",
    "roc_curves",
    "pr_curves",
    "plot_roc",
    "plot_pr",
    "threshold_for",
    "cross_validate",
    "robustness_curve",
    "misclassified",
    "DetectionScores",
    "detection_scores",
    "false_alarm_sources",
    "false_alarm_words",
    "FALSE_ALARM_SOURCES",
    "DEFAULT_THRESHOLDS",
    "FINE_THRESHOLDS",
    "read_truth",
    "DetectionCurve",
    "detection_curve",
    "plot_detection_curve",
]
