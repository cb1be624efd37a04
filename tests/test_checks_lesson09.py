"""Exercise 09's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab.checks import Outcome
from audiolab.checks import lesson09 as checks

FUNCTION_CHECKS = [checks.q1, checks.q2, checks.q3]


# The solutions as the solution notebook writes them.
def precision_recall_f1(matrix, k):
    tp = matrix[k, k]
    predicted = matrix[:, k].sum()
    actual = matrix[k, :].sum()
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def balanced_accuracy(matrix):
    support = matrix.sum(axis=1)
    present = support > 0
    recall = np.diag(matrix)[present] / support[present]
    return recall.mean()


def threshold_for_recall(scores, is_positive, target):
    for t in np.sort(np.unique(scores))[::-1]:
        if np.mean(scores[is_positive] >= t) >= target:
            return t
    return scores.min()


@pytest.mark.parametrize("check, solution", [
    (checks.q1, precision_recall_f1), (checks.q2, balanced_accuracy),
    (checks.q3, threshold_for_recall),
])
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


# One case has a class that no clip belongs to; scikit-learn warns about it, and is right.
@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true:UserWarning")
def test_sklearn_equivalents_pass():
    from sklearn.metrics import balanced_accuracy_score

    def via_sklearn(matrix):
        y_true = np.repeat(np.arange(len(matrix)), matrix.sum(axis=1))
        y_pred = np.concatenate([np.repeat(np.arange(len(row)), row) for row in matrix])
        return balanced_accuracy_score(y_true, y_pred)

    assert checks.q2.run(via_sklearn).correct


def test_audiolab_threshold_for_agrees():
    from audiolab.evaluate import threshold_for

    def via_audiolab(scores, is_positive, target):
        two = np.column_stack([1 - scores, scores])
        return threshold_for(is_positive.astype(int), two, 1, recall=target)["threshold"]

    assert checks.q3.run(via_audiolab).correct


def test_not_attempted_and_crash():
    assert checks.q1.run(...).outcome is Outcome.NOT_ATTEMPTED

    def unfinished(matrix, k):
        raise NotImplementedError

    assert checks.q1.run(unfinished).outcome is Outcome.NOT_ATTEMPTED

    def crashes(matrix, k):
        return matrix[k, k] / undefined  # noqa: F821

    result = checks.q1.run(crashes)
    assert result.outcome is Outcome.INCORRECT and "NameError" in result.message
    assert checks.q4.run(...).outcome is Outcome.NOT_ATTEMPTED
