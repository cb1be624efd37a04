"""Metrics: the confusion matrix, the classification report, and a model measured on a folder.

- :func:`classification_report` turns true and predicted labels into a dict:
  accuracy, macro precision / recall / F1, a per-class table and the
  confusion matrix (rows: true class, columns: predicted class);
  :func:`format_report` prints it.
- :func:`accuracy_interval` gives the Wilson score interval of an accuracy
  measured on ``n`` clips: how far the true accuracy may lie from it.
- :func:`real_speech_yardstick` is the course's one measure on real speech: the
  accuracy on FSDD recordings of speakers the model never heard, with its
  interval, as a :class:`Yardstick` that prints the same line in every lesson.
- :func:`evaluate_folder` measures a :class:`~audiolab.predictors.Predictor`
  on a class-per-folder dataset, on the test split ``audiolab train`` made.
  The ``audiolab evaluate`` command is :func:`~audiolab.predictors.load_predictor`,
  this function and :func:`format_report`.

Imports only NumPy.

Taught in lessons 07-08 (accuracy and the confusion matrix of a trained
model); lesson 10 (evaluation) goes further.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..datasets.folder import load_folder_with_notes
from ..datasets.splits import dataset_fingerprint, split_indices
from ..errors import AudiolabError, ParameterError
from ..predictors import Predictor
from ..validation import check_choice, check_positive_int

__all__ = ["confusion_matrix", "classification_report", "format_report", "accuracy_interval",
           "Yardstick", "real_speech_yardstick", "evaluate_folder"]


def _check_label_arrays(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None) -> tuple[NDArray, NDArray]:
    true = np.asarray(y_true)
    pred = np.asarray(y_pred)
    for name, values in (("y_true", true), ("y_pred", pred)):
        if values.ndim != 1:
            raise ParameterError(f"{name} must be a 1-D array of class indices, got shape {values.shape}")
        if values.size and not np.issubdtype(values.dtype, np.integer):
            if np.issubdtype(values.dtype, np.floating) and np.all(values == np.round(values)):
                continue
            raise ParameterError(
                f"{name} must hold integer class indices, got {values.dtype}; for probabilities "
                f"use probabilities.argmax(axis=1)"
            )
    if true.shape != pred.shape:
        raise ParameterError(f"y_true has {true.size} labels but y_pred has {pred.size}")
    if true.size == 0:
        raise ParameterError("y_true is empty: there is nothing to evaluate")
    true = true.astype(np.int64)
    pred = pred.astype(np.int64)
    for name, values in (("y_true", true), ("y_pred", pred)):
        if n_classes is None:
            if values.min() < 0:
                raise ParameterError(f"{name} holds class {int(values.min())}: class indices start at 0")
            continue
        if values.min() < 0 or values.max() >= n_classes:
            raise ParameterError(
                f"{name} holds class {int(values.max() if values.max() >= n_classes else values.min())}, "
                f"outside 0..{n_classes - 1} ({n_classes} class names)"
            )
    return true, pred


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> NDArray[np.int64]:
    """Count how often class ``i`` was predicted as class ``j``.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)] of int
        True and predicted class indices.
    n_classes : int
        Number of classes.

    Returns
    -------
    np.ndarray [shape=(n_classes, n_classes)], int64
        Row ``i``, column ``j``: clips of true class ``i`` predicted as ``j``.
        The diagonal holds the correct predictions; each row sums to the
        class's number of clips.

    Raises
    ------
    ParameterError
        If the arrays differ in length, are empty, or hold classes outside
        ``0..n_classes - 1``.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])

    Taught in lesson 07 (a CNN on spectrograms); lesson 10 in depth.
    """
    n_classes = check_positive_int("n_classes", n_classes)
    true, pred = _check_label_arrays(y_true, y_pred, n_classes)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (true, pred), 1)
    return matrix


def classification_report(
    y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, precision, recall, F1 and the confusion matrix, as a dict.

    For each class, **precision** is the share of the clips predicted as the
    class that are of it, **recall** the share of its clips that were found,
    and **F1** their harmonic mean (0 when both are 0; a class never
    predicted has precision 0). The **macro** averages weigh every class
    equally; they are taken over the classes that occur in ``y_true`` or
    ``y_pred`` (as scikit-learn does by default), so a test set without
    some class does not count that class as a failure.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)] of int
        True and predicted class indices into ``class_names``.
    class_names : sequence of str
        The name of every class.

    Returns
    -------
    dict
        ``accuracy``, ``macro_precision``, ``macro_recall``, ``macro_f1``
        (floats), ``n`` (clips), ``class_names``, ``per_class`` (class name
        to ``{"precision", "recall", "f1", "support"}``) and
        ``confusion_matrix`` (list of lists, rows true, columns predicted).
        Plain Python values: ``json.dumps`` takes it as it is.

    Raises
    ------
    ParameterError
        If the labels are not valid class indices (see :func:`confusion_matrix`).

    See Also
    --------
    confusion_matrix, format_report, sklearn.metrics.classification_report

    Examples
    --------
    >>> report = classification_report([0, 0, 1, 1], [0, 1, 1, 1], ["no", "yes"])
    >>> report["accuracy"], round(report["macro_f1"], 3), report["per_class"]["yes"]["recall"]
    (0.75, 0.733, 1.0)

    Taught in lesson 07 (a CNN on spectrograms); lesson 10 in depth.
    """
    if isinstance(class_names, str) or not isinstance(class_names, Sequence) or not class_names:
        raise ParameterError(f"class_names must be a non-empty list of names, got {class_names!r}")
    names = [str(name) for name in class_names]
    matrix = confusion_matrix(y_true, y_pred, len(names))
    correct = np.diag(matrix).astype(np.float64)
    support = matrix.sum(axis=1)
    predicted = matrix.sum(axis=0)
    precision = np.divide(correct, predicted, out=np.zeros_like(correct), where=predicted > 0)
    recall = np.divide(correct, support, out=np.zeros_like(correct), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(correct), where=both > 0)
    present = (support > 0) | (predicted > 0)
    n = int(matrix.sum())
    return {
        "accuracy": float(correct.sum() / n),
        "macro_precision": float(precision[present].mean()),
        "macro_recall": float(recall[present].mean()),
        "macro_f1": float(f1[present].mean()),
        "n": n,
        "class_names": names,
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]),
                   "f1": float(f1[i]), "support": int(support[i])}
            for i, name in enumerate(names)
        },
        "confusion_matrix": matrix.tolist(),
    }


def format_report(report: dict[str, Any], *, digits: int = 3) -> str:
    """The text of a :func:`classification_report`: the averages, then one line per class.

    Examples
    --------
    >>> print(format_report(classification_report([0, 1, 1], [0, 1, 0], ["no", "yes"])))
    accuracy 0.667 | macro precision 0.750 | macro recall 0.750 | macro F1 0.667 | 3 clips
    class  precision  recall     f1  support
    no         0.500   1.000  0.667        1
    yes        1.000   0.500  0.667        2
    """
    f = f"{{:.{digits}f}}"
    lines = [
        f"accuracy {f.format(report['accuracy'])} | macro precision "
        f"{f.format(report['macro_precision'])} | macro recall {f.format(report['macro_recall'])}"
        f" | macro F1 {f.format(report['macro_f1'])} | {report['n']} clips"
    ]
    header = ["class", "precision", "recall", "f1", "support"]
    rows = [[name, f.format(v["precision"]), f.format(v["recall"]), f.format(v["f1"]),
             str(v["support"])] for name, v in report["per_class"].items()]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    return "\n".join(lines)


def accuracy_interval(correct: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of an accuracy of ``correct`` out of ``n``.

    A test set is a sample: ``correct / n`` estimates the accuracy the model
    would have on all the clips like these, and another sample of ``n`` clips
    would give another figure. The interval holds the true accuracy with the
    given confidence (if the clips are independent draws). Two accuracies
    whose intervals overlap widely cannot be told apart on this many clips.

    Wilson's interval, unlike the textbook ``p ± z sqrt(p (1 - p) / n)``,
    stays inside [0, 1] and is not empty at 0 or ``n`` correct::

        centre = (p + z² / 2n) / (1 + z² / n)
        half   = z / (1 + z² / n) · sqrt(p (1 - p) / n + z² / 4n²)

    with ``p = correct / n`` and ``z`` the normal quantile for ``confidence``
    (1.96 for 95 %).

    Parameters
    ----------
    correct : int
        Clips classified correctly, 0 to ``n``.
    n : int
        Clips tested.
    confidence : float
        Between 0 and 1 (exclusive).

    Returns
    -------
    (float, float)
        The lower and upper bound, 0 <= lower <= correct / n <= upper <= 1.

    Raises
    ------
    ParameterError
        If ``n`` is not a positive integer, ``correct`` is not in 0..n, or
        ``confidence`` is not strictly between 0 and 1.

    See Also
    --------
    classification_report : the accuracy itself.

    Examples
    --------
    >>> [round(b, 3) for b in accuracy_interval(89, 100)]
    [0.814, 0.937]
    >>> [round(b, 3) for b in accuracy_interval(91, 100)]    # overlaps: no evidence of a difference
    [0.838, 0.952]
    >>> [round(b, 3) for b in accuracy_interval(0, 10)]
    [0.0, 0.278]

    References
    ----------
    E. B. Wilson, Probable inference, the law of succession, and statistical
    inference, JASA 22 (1927). A. Agresti and B. A. Coull, Approximate is
    better than "exact" for interval estimation of binomial proportions, The
    American Statistician 52 (1998).

    Taught in lesson 10 (evaluation: robustness to noise).
    """
    from statistics import NormalDist

    n = check_positive_int("n", n)
    if isinstance(correct, bool) or not isinstance(correct, (int, np.integer)) or not 0 <= correct <= n:
        raise ParameterError(f"correct must be an integer from 0 to n={n}, got {correct!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float, np.floating)) \
            or not 0 < confidence < 1:
        raise ParameterError(f"confidence must be a number between 0 and 1 (exclusive), got {confidence!r}")
    z = NormalDist().inv_cdf(0.5 + float(confidence) / 2)
    p = int(correct) / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lower = 0.0 if correct == 0 else max(0.0, centre - half)   # exact ends, no 1e-17 from rounding
    upper = 1.0 if correct == n else min(1.0, centre + half)
    return float(lower), float(upper)


@dataclass(frozen=True)
class Yardstick:
    """One model's accuracy on real speech it never heard, and where it comes from.

    Made by :func:`real_speech_yardstick`; ``str()`` of it is the one line
    every lesson from 04 on prints, so that the figures line up from lesson
    to lesson.

    Attributes
    ----------
    accuracy : float
        ``correct / n``.
    correct, n : int
        Recordings classified correctly, and tested.
    low, high : float
        The 95 % Wilson interval of the accuracy (:func:`accuracy_interval`).
    model : str
        What was trained, e.g. ``"logistic regression on MFCC statistics"``.
    trained_on : str
        On what, e.g. ``"800 synthetic clips"``.
    n_speakers : int or None
        Speakers among the recordings, if known.
    data : str
        The real recordings' name.
    lesson : int or None
        The lesson the figure comes from.
    """

    accuracy: float
    correct: int
    n: int
    low: float
    high: float
    model: str
    trained_on: str
    n_speakers: int | None = None
    data: str = "FSDD"
    lesson: int | None = None

    def __str__(self) -> str:
        speakers = "" if self.n_speakers is None else (
            f", {self.n_speakers} speaker{'s' * (self.n_speakers != 1)} never heard in training")
        lesson = "" if self.lesson is None else f" (lesson {self.lesson:02d})"
        return (f"Yardstick, real speech ({self.data}, {self.n:,} recordings{speakers}): "
                f"{self.accuracy:.2f} (95% CI {self.low:.2f}-{self.high:.2f}); "
                f"{self.model}, trained on {self.trained_on}{lesson}")


def real_speech_yardstick(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    model: str,
    trained_on: str,
    groups: ArrayLike | None = None,
    data: str = "FSDD",
    lesson: int | None = None,
) -> Yardstick:
    """The course's yardstick: accuracy on real recordings of speakers the model never heard.

    Every lesson that trains a model measures it the same way, on the Free
    Spoken Digit Dataset: all 3,000 recordings for a model trained on
    synthetic speech, or the recordings of the held-out speakers where some
    FSDD speakers were used in training. The accuracy comes with its 95 %
    Wilson interval (:func:`accuracy_interval`) and with what was trained on
    what, so that the figures of different lessons can be compared.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n,)] of int
        True and predicted class indices of the real recordings.
    model : str
        The model, e.g. ``"logistic regression on MFCC statistics"``.
    trained_on : str
        Its training data, e.g. ``"800 synthetic clips"``.
    groups : array-like [shape=(n,)] or None
        The speaker of every recording, to count the speakers.
    data : str
        The name of the real recordings.
    lesson : int or None
        The lesson the figure comes from, printed as ``(lesson 04)``.

    Returns
    -------
    Yardstick
        The accuracy, its interval and the description; ``print`` it.

    Raises
    ------
    ParameterError
        If the labels are not 1-D arrays of non-negative class indices of
        the same length, ``groups`` has another length, or ``model``,
        ``trained_on``, ``data`` or ``lesson`` is empty or not of its type.

    See Also
    --------
    accuracy_interval

    Examples
    --------
    >>> print(real_speech_yardstick([0, 1, 2, 3], [0, 1, 2, 0], groups=["a", "a", "b", "b"],
    ...                             model="a CNN", trained_on="800 synthetic clips", lesson=7))
    Yardstick, real speech (FSDD, 4 recordings, 2 speakers never heard in training): 0.75 (95% CI 0.30-0.95); a CNN, trained on 800 synthetic clips (lesson 07)

    Taught in lesson 04 (the baseline), then in every lesson that trains a model.
    """
    for name, text in (("model", model), ("trained_on", trained_on), ("data", data)):
        if not isinstance(text, str) or not text.strip():
            raise ParameterError(f"{name} must be a non-empty description, got {text!r}")
    if lesson is not None and (isinstance(lesson, bool) or not isinstance(lesson, (int, np.integer))
                               or lesson < 0):
        raise ParameterError(f"lesson must be a lesson number (0 or more) or None, got {lesson!r}")
    true, pred = _check_label_arrays(y_true, y_pred, None)
    n_speakers = None
    if groups is not None:
        speakers = np.asarray(groups)
        if speakers.shape != true.shape:
            raise ParameterError(f"groups must give the speaker of each of the {true.size} recordings, "
                                 f"got shape {speakers.shape}")
        n_speakers = len(np.unique(speakers))
    correct = int(np.sum(true == pred))
    low, high = accuracy_interval(correct, true.size)
    return Yardstick(accuracy=correct / true.size, correct=correct, n=int(true.size), low=low, high=high,
                     model=model.strip(), trained_on=trained_on.strip(), n_speakers=n_speakers,
                     data=data.strip(), lesson=None if lesson is None else int(lesson))


def evaluate_folder(
    predictor: Predictor,
    data_dir: str | os.PathLike,
    *,
    split: str = "test",
    skip_broken: bool = False,
) -> dict[str, Any]:
    """Measure a predictor on a class-per-folder dataset.

    The clips are loaded at the predictor's rate and length. ``split="test"``
    takes the dataset's test split; for a dataset without splits, the test
    split ``audiolab train`` made (same files, same seed, from the model's
    settings), or else every clip (the result's ``split`` then says
    ``"all"``).

    Parameters
    ----------
    predictor : Predictor
    data_dir : str or os.PathLike
        A class-per-folder dataset (see :func:`audiolab.datasets.load_folder`).
    split : {"test", "val", "train", "all"}
        Which clips.
    skip_broken : bool
        Skip unreadable files instead of failing.

    Returns
    -------
    dict
        The :func:`classification_report` plus ``split``, ``data`` and notes.

    Raises
    ------
    AudiolabError
        If the folder is missing or empty, holds a broken file (unless
        ``skip_broken``), or has classes the model does not know.
    """
    check_choice("split", split, ("test", "val", "train", "all"))
    dataset, notes = load_folder_with_notes(data_dir, sr=predictor.sr, duration=predictor.duration,
                                           skip_broken=skip_broken)
    unknown = sorted(set(dataset.class_names) - set(predictor.class_names))
    if unknown:
        raise AudiolabError(
            f"{dataset.root}: classes the model does not know: {', '.join(unknown[:10])}; "
            f"the model knows {', '.join(predictor.class_names)}"
        )
    chosen = split
    trained = predictor.metadata.get("split", {})
    if (split != "all" and trained.get("method") == "all-train"
            and trained.get("fingerprint") == dataset_fingerprint(dataset)):
        raise AudiolabError(f"{dataset.root}: the model trained on every clip of this folder (too "
                            f"few to split), so it has no {split} split; measure it on other "
                            f"recordings (or pass --split all to see how it fits its own)")
    if split == "all":
        index = np.arange(len(dataset))
    elif dataset.split is not None and np.any(dataset.split == split):
        index = np.flatnonzero(dataset.split == split)
    elif dataset.split is None and not (
        trained.get("method") == "stratified"
        and trained.get("fingerprint") == dataset_fingerprint(dataset)
    ):
        index = np.arange(len(dataset))
        chosen = "all"
        notes.append(f"{dataset.root} has no {split} split and is not the folder the model "
                     f"was trained on: evaluating all {len(dataset)} clips")
    else:
        # The split audiolab train made: stratified, or carved from the training folder.
        try:
            parts, _ = split_indices(dataset, seed=int(trained.get("seed", 0)),
                                     fractions=tuple(trained.get("fractions", (0.8, 0.1, 0.1))))
        except ParameterError as error:
            raise AudiolabError(f"{dataset.root}: cannot make the {split} split: {error}") from None
        index = parts[split]
    if len(index) == 0:
        raise AudiolabError(f"{dataset.root}: the {split} split holds no clips")
    to_model = np.array([predictor.class_names.index(name) for name in dataset.class_names])
    y_true = to_model[dataset.labels[index]]
    y_pred = predictor.predict(dataset.clips[index])
    report = classification_report(y_true, y_pred, predictor.class_names)
    report.update(split=chosen, data=str(dataset.root), notes=notes)
    return report
