"""Checks for exercise 10, evaluation.

- ``q1``: ``precision_recall_f1(matrix, k)``, one class's metrics from a confusion matrix.
- ``q2``: ``balanced_accuracy(matrix)``, the mean recall over the classes.
- ``q3``: ``threshold_for_recall(scores, is_positive, target)``, the highest
  threshold that still catches ``target`` of the positives.
- ``q4``: explain why a random split flatters a model of speech.
- ``q5``: ``train_and_estimate(X, y, speakers)``, train on five FSDD speakers and
  estimate the accuracy on a new one; the model is scored on the sixth speaker and
  the estimate must be within 0.15 of that score.
"""

from __future__ import annotations

import numpy as np

from .core import (
    Case,
    ExplainCheck,
    FunctionCheck,
    Mistake,
    Outcome,
    Result,
    _is_not_attempted,
    describe,
)
from .lesson07 import TrainingCheck, _placeholder

__all__ = ["q1", "q2", "q3", "q4", "q5", "SpeakerCheck"]


def _safe(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


# --- q1 ----------------------------------------------------------------------

def _precision_recall_f1(matrix, k):
    matrix = np.asarray(matrix)
    tp = matrix[k, k]
    precision = _safe(tp, matrix[:, k].sum())
    recall = _safe(tp, matrix[k, :].sum())
    f1 = _safe(2 * precision * recall, precision + recall)
    return precision, recall, f1


def _prf_swapped(matrix, k):
    return _precision_recall_f1(np.asarray(matrix).T, k)


def _prf_arithmetic(matrix, k):
    p, r, _ = _precision_recall_f1(matrix, k)
    return p, r, (p + r) / 2


def _prf_accuracy(matrix, k):
    matrix = np.asarray(matrix)
    p, r, f = _precision_recall_f1(matrix, k)
    return matrix[k, k] / matrix.sum(), r, f


def _prf_nan(matrix, k):
    matrix = np.asarray(matrix, dtype=float)
    tp = matrix[k, k]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / matrix[:, k].sum()
        recall = tp / matrix[k, :].sum()
        f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1


_M3 = np.array([[5, 1, 0], [2, 6, 2], [0, 0, 4]])
_NEVER = np.array([[3, 0], [2, 0]])  # class 1 never predicted

class _NaNAware(FunctionCheck):
    """Explains a NaN result (0 / 0) before trying the other mistakes."""

    def _diagnose(self, case: Case, got):
        try:
            values = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            values = None
        if values is not None and not np.all(np.isfinite(values)):
            return _NAN_MESSAGE
        return super()._diagnose(case, got)


_NAN_MESSAGE = ("A class that is never predicted gives 0 / 0: return 0 for that metric "
                "instead of NaN.")

q1 = _NaNAware(
    name="precision_recall_f1",
    hints=[
        "Rows are true classes, columns predicted classes. The correct predictions of class k "
        "sit at matrix[k, k].",
        "Precision divides them by everything *predicted* as k (a column sum); recall by "
        "every clip that *is* k (a row sum). F1 is their harmonic mean.",
        "When a sum is 0, return 0 for that metric (as scikit-learn does), not NaN.",
    ],
    solution="""
    def precision_recall_f1(matrix, k):
        tp = matrix[k, k]
        predicted = matrix[:, k].sum()            # column: predicted as k
        actual = matrix[k, :].sum()               # row: truly k
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1
    """,
    reference=_precision_recall_f1,
    cases=[
        Case((np.array([[8, 2], [1, 9]]), 1)),
        Case((_M3, 1)),
        Case((_M3, 0)),
        Case((_NEVER, 1), label="a class never predicted"),
    ],
    mistakes=[
        Mistake(_prf_swapped, "Precision and recall are swapped: rows are the true classes and "
                "columns the predictions, so precision divides by a column sum."),
        Mistake(_prf_arithmetic, "F1 is the harmonic mean of precision and recall, "
                "2PR / (P + R), not their average."),
        Mistake(_prf_accuracy, "Precision divides the hits by the clips predicted as the class "
                "(a column), not by all the clips."),
        Mistake(_prf_nan, _NAN_MESSAGE),
    ],
)


# --- q2 ----------------------------------------------------------------------

def _balanced_accuracy(matrix):
    matrix = np.asarray(matrix, dtype=float)
    support = matrix.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(matrix)[present] / support[present]))


def _ba_plain(matrix):
    matrix = np.asarray(matrix, dtype=float)
    return float(np.trace(matrix) / matrix.sum())


def _ba_precision(matrix):
    return _balanced_accuracy(np.asarray(matrix).T)


def _ba_all_rows(matrix):
    matrix = np.asarray(matrix, dtype=float)
    support = matrix.sum(axis=1)
    recall = np.divide(np.diag(matrix), support, out=np.zeros(len(matrix)), where=support > 0)
    return float(recall.mean())


q2 = FunctionCheck(
    name="balanced_accuracy",
    hints=[
        "Compute the recall of every class, then average them: each class counts the same, "
        "however many clips it has.",
        "The recall of class k is matrix[k, k] / matrix[k].sum(). Leave out a class with no "
        "clips in the test set (an empty row).",
    ],
    solution="""
    def balanced_accuracy(matrix):
        support = matrix.sum(axis=1)               # clips of each true class
        present = support > 0
        recall = np.diag(matrix)[present] / support[present]
        return recall.mean()
    """,
    reference=_balanced_accuracy,
    cases=[
        Case((_M3,)),
        Case((np.array([[95, 0], [5, 0]]),), label="always 'no'"),
        Case((np.array([[90, 10], [1, 4]]),)),
        Case((np.array([[4, 1, 0], [0, 0, 0], [1, 0, 3]]),), label="a class without clips"),
    ],
    mistakes=[
        Mistake(_ba_plain, "This is plain accuracy (the diagonal over all clips), which the big "
                "classes dominate. Average the recall of each class instead."),
        Mistake(_ba_precision, "This averages the precision of the classes (columns); balanced "
                "accuracy averages their recall (rows)."),
        Mistake(_ba_all_rows, "A class with no clips in the test set (an empty row) has no recall "
                "to average: leave it out rather than counting it as 0."),
    ],
)


# --- q3 ----------------------------------------------------------------------

def _threshold_for_recall(scores, is_positive, target):
    scores = np.asarray(scores, dtype=float)
    is_positive = np.asarray(is_positive, dtype=bool)
    for t in np.sort(np.unique(scores))[::-1]:
        if np.mean(scores[is_positive] >= t) >= target - 1e-12:
            return float(t)
    return float(scores.min())


def _thr_strict(scores, is_positive, target):
    scores = np.asarray(scores, dtype=float)
    is_positive = np.asarray(is_positive, dtype=bool)
    for t in np.sort(np.unique(scores))[::-1]:
        if np.mean(scores[is_positive] > t) >= target - 1e-12:
            return float(t)
    return float(scores.min())


def _thr_lowest(scores, is_positive, target):
    return float(np.min(scores))


def _thr_all_clips(scores, is_positive, target):
    scores = np.asarray(scores, dtype=float)
    for t in np.sort(np.unique(scores))[::-1]:
        if np.mean(scores >= t) >= target - 1e-12:
            return float(t)
    return float(scores.min())


def _thr_positive_min(scores, is_positive, target):
    scores = np.asarray(scores, dtype=float)
    return float(scores[np.asarray(is_positive, dtype=bool)].min())


_S = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05])
_P = np.array([1, 1, 0, 1, 0, 1, 0, 0, 1, 0], dtype=bool)
_S2 = np.round(np.linspace(0.95, 0.05, 10), 2)
_P2 = np.array([1, 1, 0, 1, 0, 0, 1, 1, 1, 0], dtype=bool)

q3 = FunctionCheck(
    name="threshold_for_recall",
    hints=[
        "A clip is flagged when its score is >= the threshold. Lowering the threshold flags more "
        "clips: recall rises, and so do false alarms.",
        "Try the scores themselves as thresholds, from the highest down, and return the first "
        "(highest) one whose recall reaches the target.",
        "Recall at t is np.mean(scores[is_positive] >= t): the share of the positives flagged.",
    ],
    solution="""
    def threshold_for_recall(scores, is_positive, target):
        for t in np.sort(np.unique(scores))[::-1]:           # highest first
            if np.mean(scores[is_positive] >= t) >= target:  # recall at t
                return t
        return scores.min()
    """,
    reference=_threshold_for_recall,
    cases=[
        Case((_S2, _P2, 0.6)),
        Case((np.array([0.9, 0.8, 0.3, 0.1]), np.array([True, False, True, False]), 1.0)),
        Case((np.array([0.9, 0.8, 0.3, 0.1]), np.array([True, False, True, False]), 0.5)),
        Case((_S, _P, 0.6)),
        Case((_S, _P, 0.8)),
        Case((_S, _P, 1.0)),
    ],
    mistakes=[
        Mistake(_thr_strict, "Flag a clip when its score is >= the threshold, not only when it "
                "is strictly greater: the clip whose score *is* the threshold counts."),
        Mistake(_thr_lowest, "The lowest score flags everything: recall 1, but with every "
                "negative a false alarm. Look for the *highest* threshold that reaches the target."),
        Mistake(_thr_all_clips, "Recall is the share of the *positive* clips that are flagged, "
                "not the share of all clips."),
        Mistake(_thr_positive_min, "The lowest positive score always gives recall 1; for a "
                "smaller target a higher threshold is enough."),
    ],
)


# --- q4 ----------------------------------------------------------------------

q4 = ExplainCheck(
    name="grouped_question",
    hints=[
        "In a random split, where are the other recordings of a test clip's speaker?",
        "What would a model that recognises *voices* rather than *digits* score in each case?",
    ],
    solution="""
    In a random split every speaker is in the training folds too, so the test
    clips come from voices the model has already learned: it can lean on the
    speaker's timbre, microphone and room, and on near-duplicate takes of the
    same digit. That is not the question we care about, which is "how well
    does it recognise a digit said by someone new?". Grouping the folds by
    speaker keeps every voice entirely in training or entirely in test, so
    the score measures exactly that; it is lower, and it varies a lot from
    fold to fold because six speakers are few (one odd voice moves the mean).
    """,
)


# ---------------------------------------------------------------------------
# q5: train on five speakers, estimate the accuracy on a new one honestly
# ---------------------------------------------------------------------------

#: The FSDD speaker the learner's function never sees.
HELD_OUT_SPEAKER = "nicolas"


class SpeakerCheck(TrainingCheck):
    """A "train and estimate" task: the model is scored on a speaker it never heard, and the
    learner's own estimate of that score must be honest (within ``tolerance``).

    ``data() -> ((X, y, speakers), X_test, y_test, class_names)``. The learner's
    function returns ``(model, estimate)``: a fitted scikit-learn classifier
    (anything with ``predict``) and the accuracy it expects on a new speaker.
    """

    def __init__(self, *, tolerance: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tolerance = float(tolerance)
        self.estimate: float | None = None

    def run(self, function=None):
        self.estimate = None
        return super().run(function)

    def _run(self, function):
        if _is_not_attempted(function):
            return Result(Outcome.NOT_ATTEMPTED, f"write {self.name} and pass it to check().")
        if not callable(function):
            return Result(Outcome.INCORRECT,
                          f"check() expects your function itself, e.g. check({self.name}), "
                          f"not {describe(function)}")
        if _placeholder(function):  # not attempted: do not load FSDD for nothing
            return Result(Outcome.NOT_ATTEMPTED,
                          f"replace the `raise NotImplementedError` in {self.name} with your code.")
        import time

        from .. import seeding

        arguments, X_test, y_test, class_names = self._load()
        arguments = tuple(a.copy() for a in arguments)
        start = time.perf_counter()
        try:
            with seeding.seeded(self.seed, deterministic=False):
                answer = function(*arguments)
        except NotImplementedError:
            return Result(Outcome.NOT_ATTEMPTED,
                          f"replace the `raise NotImplementedError` in {self.name} with your code.")
        except Exception as error:  # the learner's code: report it
            return Result(Outcome.INCORRECT,
                          f"{self.name}(X, y, speakers) raised {type(error).__name__}: {error}")
        seconds = time.perf_counter() - start
        if not (isinstance(answer, tuple) and len(answer) == 2):
            return Result(Outcome.INCORRECT,
                          f"{self.name} returned {describe(answer)}; return two things: "
                          f"(model, estimate), the fitted model and the accuracy you expect on "
                          f"a new speaker.")
        model, estimate = answer
        if not hasattr(model, "predict"):
            return Result(Outcome.INCORRECT,
                          f"the first value is {describe(model)}; it should be the fitted model "
                          f"(fit it on all of X, y after estimating).")
        try:
            estimate = float(estimate)
        except (TypeError, ValueError):
            return Result(Outcome.INCORRECT,
                          f"the estimate is {describe(estimate)}; it should be one accuracy between "
                          f"0 and 1 (the mean of the folds' scores).")
        if not 0 <= estimate <= 1:
            return Result(Outcome.INCORRECT,
                          f"the estimate {estimate:g} is not an accuracy between 0 and 1.")
        try:
            predicted = np.asarray(model.predict(X_test))
        except Exception as error:
            return Result(Outcome.INCORRECT,
                          f"the model cannot predict ({type(error).__name__}: {str(error)[:200]}); "
                          f"is it fitted on X, y?")
        self.seconds = seconds
        self.estimate = estimate
        self.accuracy = accuracy = float(np.mean(predicted == y_test))
        figures = (f"the model reaches {accuracy:.2f} on {self.held_out} it never heard "
                   f"(target {self.target:.2f}); your estimate was {estimate:.2f}")
        if seconds > self.time_limit:
            return Result(Outcome.INCORRECT,
                          f"{self.name} took {seconds:.0f} s, more than the {self.time_limit:.0f} s "
                          f"a Binder CPU can spare ({figures}).")
        weak = ("The model itself is too weak: standardise the features (StandardScaler in a "
                "pipeline) and use a classifier such as LogisticRegression, fitted on all five "
                "speakers.")
        if estimate - accuracy > self.tolerance:
            return Result(Outcome.INCORRECT,
                          f"{figures}: {estimate - accuracy:.2f} too optimistic. The validation "
                          f"clips came from speakers the model also trained on, so it was "
                          f"graded on voices it knew. Keep each speaker wholly in training or "
                          f"wholly in validation: GroupKFold or LeaveOneGroupOut with "
                          f"groups=speakers." + (f" {weak}" if accuracy < self.target else ""))
        if accuracy < self.target:
            return Result(Outcome.INCORRECT, f"{figures}. {weak}")
        if accuracy - estimate > self.tolerance:
            return Result(Outcome.INCORRECT,
                          f"{figures}: {accuracy - estimate:.2f} too pessimistic. Estimate with "
                          f"folds grouped by speaker and a model fitted like the one you return.")
        return Result(Outcome.CORRECT,
                      f"{self.name} works: {figures}, within {self.tolerance:.2f} of the truth.")


def _fsdd_by_speaker():
    """Exercise 10's data: MFCC statistics of FSDD's clips, five speakers given, one held out."""
    from .. import datasets, features

    data = datasets.load_fsdd(sr=8000, duration=1.0, progress=False)
    mfcc = features.extract_batch(data.clips, data.sr, kind="mfcc", n_fft=256, hop_length=80,
                                  win_length=200)
    X = np.concatenate([mfcc.mean(axis=2), mfcc.std(axis=2)], axis=1)
    speakers = np.asarray(data.groups).astype(str)
    given = speakers != HELD_OUT_SPEAKER
    return ((X[given], data.labels[given], speakers[given]), X[~given], data.labels[~given],
            list(data.class_names))


q5 = SpeakerCheck(
    name="train_and_estimate",
    hints=[
        "KFold(shuffle=True) puts clips of every speaker in every fold: the model is validated "
        "on voices it trained on. What does a new user of the model have that no training clip "
        "has?",
        "sklearn.model_selection.cross_val_score(model, X, y, groups=speakers, "
        "cv=GroupKFold(5)) (or LeaveOneGroupOut()) keeps each speaker in one fold.",
        "scores = cross_val_score(model, X, y, groups=speakers, cv=LeaveOneGroupOut()); "
        "model.fit(X, y); return model, scores.mean()",
    ],
    solution="""
    def train_and_estimate(X, y, speakers):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        scores = cross_val_score(model, X, y, groups=speakers,
                                 cv=LeaveOneGroupOut())   # every fold a speaker it never heard
        model.fit(X, y)                                   # then fit on all five speakers
        return model, scores.mean()
    """,
    data=_fsdd_by_speaker,
    target=0.40,
    tolerance=0.15,
    held_out="the 500 clips of a sixth speaker",
    time_limit=60.0,
    seed=0,
)
