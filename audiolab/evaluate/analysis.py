"""Lesson 10's analyses: confusion-matrix plots, ROC and PR curves, thresholds,
cross-validation, robustness to noise, and the misclassified clips.

Imports NumPy; scikit-learn and Matplotlib load inside the functions that use them.

Taught in lesson 10 (evaluation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import AudiolabError, ParameterError
from ..predictors import Predictor
from ..validation import check_positive_int
from .metrics import _check_label_arrays, classification_report

__all__ = [
    "plot_confusion_matrix",
    "roc_curves",
    "pr_curves",
    "plot_roc",
    "plot_pr",
    "threshold_for",
    "cross_validate",
    "robustness_curve",
    "misclassified",
]


def _check_scores(y_true: ArrayLike, scores: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Labels (n,) int64 and scores (n, n_classes) float64, validated."""
    score = np.asarray(scores, dtype=np.float64)
    if score.ndim != 2:
        raise ParameterError(
            f"scores must be a 2-D array (n_clips, n_classes) of probabilities, got shape {score.shape}"
        )
    if not np.all(np.isfinite(score)):
        raise ParameterError("scores hold NaN or infinite values")
    true, _ = _check_label_arrays(y_true, np.zeros(len(np.asarray(y_true)), np.int64), score.shape[1])
    if len(true) != len(score):
        raise ParameterError(f"y_true has {len(true)} labels but scores has {len(score)} rows")
    return true, score


def _class_names_for(class_names: Sequence[str] | None, n_classes: int) -> list[str]:
    if class_names is None:
        return [str(i) for i in range(n_classes)]
    names = [str(c) for c in class_names]
    if len(names) != n_classes:
        raise ParameterError(f"class_names has {len(names)} names for {n_classes} classes")
    return names


def plot_confusion_matrix(
    matrix: ArrayLike,
    class_names: Sequence[str] | None = None,
    *,
    normalize: bool = False,
    ax=None,
    title: str | None = None,
    colorbar: bool = True,
):
    """Draw a confusion matrix: counts, or each row as shares of the true class.

    Parameters
    ----------
    matrix : array-like [shape=(n_classes, n_classes)]
        From :func:`confusion_matrix` (rows true, columns predicted) or a
        report's ``"confusion_matrix"``.
    class_names : sequence of str or None
        Tick labels; None numbers the classes.
    normalize : bool
        Divide each row by its total, so the diagonal is each class's recall
        (a row without clips stays 0).
    ax : matplotlib Axes or None
    title : str or None
    colorbar : bool

    Returns
    -------
    matplotlib.image.AxesImage
        The image drawn (``image.get_array()`` holds the values shown).

    Raises
    ------
    ParameterError
        If the matrix is not square or holds negative counts.

    Examples
    --------
    >>> image = plot_confusion_matrix([[5, 1], [2, 4]], ["no", "yes"], normalize=True)  # doctest: +SKIP

    Taught in lesson 10 (evaluation).
    """
    from ..plots import new_axes

    counts = np.asarray(matrix, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ParameterError(f"matrix must be square (n_classes, n_classes), got shape {counts.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ParameterError("matrix must hold finite counts >= 0")
    n = counts.shape[0]
    names = _class_names_for(class_names, n)
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    else:
        values = counts
    ax = new_axes(ax, figsize=(5 + 0.2 * n, 4 + 0.2 * n))
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalize else max(values.max(), 1))
    ax.set_xticks(range(n))
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_yticks(range(n))
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    threshold = (1 if normalize else max(values.max(), 1)) / 2
    if n <= 20:
        for i in range(n):
            for j in range(n):
                text = f"{values[i, j]:.2f}" if normalize else f"{int(values[i, j])}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if values[i, j] > threshold else "black")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="share of the true class" if normalize else "clips",
                           pad=0.01)
    return image


def roc_curves(
    y_true: ArrayLike, scores: ArrayLike, class_names: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """One-vs-rest ROC curves and their areas (AUC), one per class.

    For each class, the clips of that class are the positives and all others
    the negatives; sweeping a threshold over the class's score gives the
    false-positive rate (x) and the true-positive rate, or recall (y).

    Parameters
    ----------
    y_true : array-like [shape=(n,)] of int
        True class indices.
    scores : array-like [shape=(n, n_classes)]
        Class probabilities (or any scores, higher meaning more likely).
    class_names : sequence of str or None

    Returns
    -------
    dict
        Class name to ``{"fpr", "tpr", "thresholds"}`` (float arrays) and
        ``"auc"`` (float; NaN for a class without positives or without
        negatives in ``y_true``).

    Raises
    ------
    ParameterError
        If the shapes disagree or labels lie outside the classes.

    See Also
    --------
    pr_curves, plot_roc, sklearn.metrics.roc_curve

    Examples
    --------
    >>> curves = roc_curves([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
    >>> round(curves["1"]["auc"], 3)
    0.75

    Taught in lesson 10 (evaluation).
    """
    from sklearn.metrics import auc, roc_curve

    true, score = _check_scores(y_true, scores)
    names = _class_names_for(class_names, score.shape[1])
    out: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(names):
        positive = true == k
        if positive.all() or not positive.any():
            out[name] = {"fpr": np.array([0.0, 1.0]), "tpr": np.array([0.0, 1.0]),
                         "thresholds": np.array([np.inf, -np.inf]), "auc": float("nan")}
            continue
        fpr, tpr, thresholds = roc_curve(positive, score[:, k])
        out[name] = {"fpr": fpr, "tpr": tpr, "thresholds": thresholds, "auc": float(auc(fpr, tpr))}
    return out


def pr_curves(
    y_true: ArrayLike, scores: ArrayLike, class_names: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """One-vs-rest precision-recall curves and average precision, one per class.

    Parameters
    ----------
    y_true : array-like [shape=(n,)] of int
    scores : array-like [shape=(n, n_classes)]
    class_names : sequence of str or None

    Returns
    -------
    dict
        Class name to ``{"precision", "recall", "thresholds"}`` (as
        ``sklearn.metrics.precision_recall_curve`` gives them: recall
        decreasing, ``thresholds`` one shorter), ``"average_precision"``
        (float; NaN for a class absent from ``y_true``) and ``"prevalence"``
        (the share of positives: the precision of guessing).

    See Also
    --------
    roc_curves, plot_pr, threshold_for, sklearn.metrics.average_precision_score

    Examples
    --------
    >>> curves = pr_curves([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
    >>> round(curves["1"]["average_precision"], 3)
    0.833

    Taught in lesson 10 (evaluation).
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    true, score = _check_scores(y_true, scores)
    names = _class_names_for(class_names, score.shape[1])
    out: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(names):
        positive = true == k
        if not positive.any():
            out[name] = {"precision": np.array([1.0]), "recall": np.array([0.0]),
                         "thresholds": np.array([]), "average_precision": float("nan"),
                         "prevalence": 0.0}
            continue
        precision, recall, thresholds = precision_recall_curve(positive, score[:, k])
        out[name] = {"precision": precision, "recall": recall, "thresholds": thresholds,
                     "average_precision": float(average_precision_score(positive, score[:, k])),
                     "prevalence": float(positive.mean())}
    return out


def _pick_classes(curves: dict[str, Any], classes: Sequence[str] | None) -> list[str]:
    if classes is None:
        return list(curves)
    unknown = [c for c in classes if c not in curves]
    if unknown:
        raise ParameterError(f"unknown class(es) {unknown}; known: {', '.join(curves)}")
    return list(classes)


def plot_roc(curves: dict[str, dict[str, Any]], *, classes: Sequence[str] | None = None, ax=None):
    """Draw ROC curves from :func:`roc_curves`, with the chance diagonal.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One line per class (label ``"name (AUC 0.97)"``), then the diagonal.

    Taught in lesson 10 (evaluation).
    """
    from ..plots import new_axes

    ax = new_axes(ax, figsize=(4.5, 4))
    lines = []
    for name in _pick_classes(curves, classes):
        c = curves[name]
        (line,) = ax.plot(c["fpr"], c["tpr"], label=f"{name} (AUC {c['auc']:.2f})")
        lines.append(line)
    (diagonal,) = ax.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
    lines.append(diagonal)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate (recall)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower right")
    return lines


def plot_pr(curves: dict[str, dict[str, Any]], *, classes: Sequence[str] | None = None, ax=None):
    """Draw precision-recall curves from :func:`pr_curves`.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One line per class (label ``"name (AP 0.95)"``).

    Taught in lesson 10 (evaluation).
    """
    from ..plots import new_axes

    ax = new_axes(ax, figsize=(4.5, 4))
    lines = []
    for name in _pick_classes(curves, classes):
        c = curves[name]
        (line,) = ax.step(c["recall"], c["precision"], where="post",
                          label=f"{name} (AP {c['average_precision']:.2f})")
        lines.append(line)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower left")
    return lines


def threshold_for(
    y_true: ArrayLike,
    scores: ArrayLike,
    target_class: int,
    *,
    precision: float | None = None,
    recall: float | None = None,
) -> dict[str, float]:
    """The threshold on one class's score that reaches a target precision or recall.

    A clip is flagged as ``target_class`` when its score is ``>= threshold``.
    With ``recall=r``: the *highest* threshold whose recall is at least
    ``r`` (catch that share of the class with as few false alarms as
    possible). With ``precision=p``: the *lowest* threshold whose precision
    is at least ``p`` (as many hits as possible while at most ``1 - p`` of
    the alarms are false).

    Parameters
    ----------
    y_true : array-like [shape=(n,)] of int
    scores : array-like [shape=(n, n_classes)]
    target_class : int
        The class index.
    precision, recall : float in (0, 1]
        Exactly one of them: the target.

    Returns
    -------
    dict
        ``threshold``, and the ``precision``, ``recall``,
        ``false_positives`` and ``true_positives`` reached at it.

    Raises
    ------
    ParameterError
        If neither or both targets are given, a target is outside (0, 1],
        the class has no clips, or no threshold reaches the target.

    Examples
    --------
    >>> scores = [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]]
    >>> threshold_for([0, 0, 1, 1], scores, 1, recall=1.0)["threshold"]
    0.35

    Taught in lesson 10 (evaluation: choosing a threshold).
    """
    true, score = _check_scores(y_true, scores)
    if (precision is None) == (recall is None):
        raise ParameterError("give exactly one target: precision=... or recall=...")
    target = precision if precision is not None else recall
    what = "precision" if precision is not None else "recall"
    if not isinstance(target, (int, float)) or not 0 < target <= 1:
        raise ParameterError(f"{what} must be a number in (0, 1], got {target!r}")
    if not isinstance(target_class, (int, np.integer)) or not 0 <= target_class < score.shape[1]:
        raise ParameterError(f"target_class must be a class index 0..{score.shape[1] - 1}, "
                             f"got {target_class!r}")
    positive = true == target_class
    if not positive.any():
        raise ParameterError(f"class {target_class} has no clips in y_true")
    s = score[:, target_class]
    candidates = np.unique(s)[::-1]  # highest threshold first
    rows = []
    for t in candidates:
        flagged = s >= t
        tp = int(np.sum(flagged & positive))
        fp = int(np.sum(flagged & ~positive))
        rows.append((float(t), tp / (tp + fp), tp / int(positive.sum()), tp, fp))
    tol = 1e-12
    if recall is not None:
        chosen = next((r for r in rows if r[2] >= target - tol), None)
    else:
        chosen = next((r for r in reversed(rows) if r[1] >= target - tol), None)
    if chosen is None:
        best = max(r[1] for r in rows)
        raise ParameterError(f"no threshold reaches precision {target} for class {target_class} "
                             f"(the best is {best:.3f})")
    t, p, r, tp, fp = chosen
    return {"threshold": t, "precision": float(p), "recall": float(r),
            "true_positives": tp, "false_positives": fp}


def _labels_from(output: Any) -> NDArray[np.int64]:
    out = np.asarray(output)
    if out.ndim == 2:
        return out.argmax(axis=1).astype(np.int64)
    if out.ndim == 1:
        return np.rint(out).astype(np.int64)
    raise AudiolabError(f"a model's predictions must be labels (n,) or probabilities (n, k), "
                        f"got shape {out.shape}")


def _predict_labels(model: Any, x: Any) -> NDArray[np.int64]:
    if isinstance(model, Predictor):
        return model.predict(x)
    if hasattr(model, "predict"):
        try:
            return _labels_from(model.predict(x, verbose=0))
        except TypeError:
            return _labels_from(model.predict(x))
    if callable(model):
        return _labels_from(model(x))
    raise ParameterError(f"build_and_fit must return a model with .predict or a callable, "
                         f"got {type(model).__name__}")


def cross_validate(
    build_and_fit: Any,
    x: ArrayLike,
    y: ArrayLike,
    *,
    n_splits: int = 5,
    groups: ArrayLike | None = None,
    seed: int = 0,
    class_names: Sequence[str] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Stratified k-fold cross-validation, grouped (e.g. by speaker) when ``groups`` is given.

    Each fold trains a **fresh** model on the other folds and tests it on
    this one: ``model = build_and_fit(x_train, y_train, fold)``, then
    ``model.predict(x_test)`` (a scikit-learn estimator, a Keras model, a
    :class:`Predictor`, or a plain function returning labels or
    probabilities). With ``groups``, no group is in two folds
    (:func:`audiolab.datasets.kfold`), so the score says how the model does
    on speakers it has never heard.

    Parameters
    ----------
    build_and_fit : callable
        ``(x_train, y_train, fold) -> model``; seed inside it with ``fold``.
    x : array-like [shape=(n, ...)]
        Features or clips (indexed with integer arrays).
    y : array-like [shape=(n,)] of int
        Class indices.
    n_splits : int
        Number of folds (at least 2).
    groups : array-like [shape=(n,)] or None
        Group of each example (speaker).
    seed : int
        Seed of the fold assignment.
    class_names : sequence of str or None
        For the reports (default ``"0"``, ``"1"``, ...).
    progress : bool
        Print one line per fold.

    Returns
    -------
    dict
        ``accuracy`` (list per fold), ``macro_f1`` (list), ``mean``, ``std``
        (of accuracy, population std), ``f1_mean``, ``f1_std``, ``folds``
        (the (train, test) index pairs) and ``reports`` (one
        :func:`classification_report` per fold).

    Raises
    ------
    ParameterError
        If the inputs disagree in length or the folds cannot be made.

    See Also
    --------
    audiolab.datasets.kfold, sklearn.model_selection.StratifiedGroupKFold

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression  # doctest: +SKIP
    >>> cv = cross_validate(lambda x, y, f: LogisticRegression().fit(x, y), X, y,
    ...                     groups=speakers)  # doctest: +SKIP
    >>> f"{cv['mean']:.2f} ± {cv['std']:.2f}"  # doctest: +SKIP

    Taught in lesson 10 (evaluation: cross-validation).
    """
    from ..datasets import kfold

    if not callable(build_and_fit):
        raise ParameterError(f"build_and_fit must be a callable, got {type(build_and_fit).__name__}")
    labels = np.asarray(y)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ParameterError(f"y must be a 1-D array of integer class indices, got {labels.dtype} "
                             f"{labels.shape}")
    data = x if hasattr(x, "__getitem__") and hasattr(x, "shape") else np.asarray(x)
    if len(data) != len(labels):
        raise ParameterError(f"x has {len(data)} examples but y has {len(labels)} labels")
    n_classes = int(labels.max()) + 1
    names = _class_names_for(class_names, max(n_classes, len(class_names or [])))
    folds = kfold(labels, n_splits=n_splits, groups=groups, seed=seed)
    accuracy, f1, reports = [], [], []
    for fold, (train, test) in enumerate(folds):
        model = build_and_fit(data[train], labels[train], fold)
        predicted = _predict_labels(model, data[test])
        report = classification_report(labels[test], predicted, names)
        reports.append(report)
        accuracy.append(report["accuracy"])
        f1.append(report["macro_f1"])
        if progress:
            print(f"fold {fold + 1}/{len(folds)}: accuracy {report['accuracy']:.3f} "
                  f"({len(train)} train, {len(test)} test)")
    return {"accuracy": accuracy, "macro_f1": f1,
            "mean": float(np.mean(accuracy)), "std": float(np.std(accuracy)),
            "f1_mean": float(np.mean(f1)), "f1_std": float(np.std(f1)),
            "folds": folds, "reports": reports}


def robustness_curve(
    predict: Any,
    clips: ArrayLike,
    labels: ArrayLike,
    *,
    snrs_db: Sequence[float | None] = (None, 30, 20, 10, 5, 0),
    noise: str = "white",
    sr: int = 16000,
    seed: int = 0,
) -> dict[str, list]:
    """Accuracy as background noise is added at falling signal-to-noise ratios.

    Every clip gets fresh noise (seeded per clip and SNR) scaled with
    :func:`audiolab.augment.add_noise` so that the mixture has the SNR asked
    for, measured over the whole clip; ``None`` is the clean clip.

    Parameters
    ----------
    predict : Predictor, model with ``.predict`` or callable
        Waveforms ``(n, n_samples)`` in; labels or probabilities out.
    clips : np.ndarray [shape=(n, n_samples)]
        The test clips.
    labels : array-like [shape=(n,)] of int
    snrs_db : sequence of float or None
        The SNRs, in dB, from clean to noisy.
    noise : {"white", "pink", "brown"}
        Colour of the noise (:func:`audiolab.augment.colored_noise`).
    sr : int
        Sample rate of the clips (for the noise).
    seed : int

    Returns
    -------
    dict
        ``snr_db`` (the list given, ``None`` for clean) and ``accuracy``
        (one float per SNR).

    Raises
    ------
    ParameterError
        If the clips and labels disagree or an SNR is not a number.

    Examples
    --------
    >>> curve = robustness_curve(predictor, x_test, y_test)  # doctest: +SKIP
    >>> [round(a, 2) for a in curve["accuracy"]]  # doctest: +SKIP
    [0.97, 0.96, 0.93, 0.8, 0.62, 0.41]

    Taught in lesson 10 (evaluation: robustness to noise).
    """
    from ..augment import add_noise, colored_noise
    from ..validation import check_choice, valid_audio

    check_choice("noise", noise, ("white", "pink", "brown"))
    x = np.asarray(clips, dtype=np.float32)
    if x.ndim != 2:
        raise ParameterError(f"clips must be an array (n_clips, n_samples), got shape {x.shape}")
    valid_audio(x, mono=False, name="clips")
    true = np.asarray(labels)
    if true.shape != (len(x),):
        raise ParameterError(f"labels must hold {len(x)} class indices, got shape {true.shape}")
    levels = list(snrs_db)
    for s in levels:
        if s is not None and (not isinstance(s, (int, float, np.number)) or not np.isfinite(s)):
            raise ParameterError(f"snrs_db must hold numbers (dB) or None, got {s!r}")
    accuracy = []
    for j, snr in enumerate(levels):
        if snr is None:
            noisy = x
        else:
            noisy = np.empty_like(x)
            for i, clip in enumerate(x):
                rng = np.random.default_rng([seed, j, i])
                if noise == "white":
                    n = rng.standard_normal(x.shape[1])
                else:
                    n = colored_noise(x.shape[1], color=noise, rng=rng)
                if np.any(clip):
                    noisy[i] = add_noise(clip, snr_db=float(snr), noise=n, rng=rng)
                else:
                    noisy[i] = clip
        accuracy.append(float(np.mean(_predict_labels(predict, noisy) == true)))
    return {"snr_db": levels, "accuracy": accuracy}


def misclassified(
    y_true: ArrayLike,
    probabilities: ArrayLike,
    class_names: Sequence[str] | None = None,
    *,
    top: int = 3,
) -> list[dict[str, Any]]:
    """The misclassified clips, most confidently wrong first.

    Parameters
    ----------
    y_true : array-like [shape=(n,)] of int
    probabilities : array-like [shape=(n, n_classes)]
    class_names : sequence of str or None
    top : int
        How many of the most probable classes to list for each clip.

    Returns
    -------
    list of dict
        One per wrong clip: ``index`` (into the inputs), ``true``,
        ``predicted`` (class names), ``confidence`` (the predicted class's
        probability), ``p_true`` (the true class's) and ``top`` (a list of
        ``(name, probability)``, most probable first). Sorted by confidence,
        highest first, then by index.

    Examples
    --------
    >>> errors = misclassified([0, 1], [[0.9, 0.1], [0.7, 0.3]], ["no", "yes"])
    >>> [(e["index"], e["true"], e["predicted"]) for e in errors]
    [(1, 'yes', 'no')]

    Taught in lesson 10 (evaluation: listening to errors).
    """
    true, prob = _check_scores(y_true, probabilities)
    names = _class_names_for(class_names, prob.shape[1])
    top = check_positive_int("top", top)
    predicted = prob.argmax(axis=1)
    wrong = np.flatnonzero(predicted != true)
    order = sorted(wrong, key=lambda i: (-prob[i, predicted[i]], i))
    out = []
    for i in order:
        best = np.argsort(-prob[i], kind="stable")[:top]
        out.append({"index": int(i), "true": names[true[i]], "predicted": names[predicted[i]],
                    "confidence": float(prob[i, predicted[i]]), "p_true": float(prob[i, true[i]]),
                    "top": [(names[k], float(prob[i, k])) for k in best]})
    return out
