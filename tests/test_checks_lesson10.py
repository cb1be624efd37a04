"""Exercise 10's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest
from check_results import wrong

from audiolab.checks import Outcome
from audiolab.checks import lesson10 as checks

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


# q5: trained on five FSDD speakers, scored on the sixth; the learner's estimate must hold.


def _fit(model=None, cv=None, groups=True):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def train_and_estimate(X, y, speakers):
        m = model() if model else make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        scores = cross_val_score(m, X, y, groups=speakers if groups else None,
                                 cv=cv if cv is not None else LeaveOneGroupOut())
        m.fit(X, y)
        return m, scores.mean()

    return train_and_estimate


def test_q5_not_attempted_and_not_a_function():
    assert checks.q5.run(None).outcome is Outcome.NOT_ATTEMPTED

    def placeholder(X, y, speakers):
        raise NotImplementedError("Replace this line with your code")

    before = checks.q5._data
    assert checks.q5.run(placeholder).outcome is Outcome.NOT_ATTEMPTED
    assert checks.q5._data is before  # FSDD is not loaded for a blank
    assert checks.q5.run("answer").outcome is Outcome.INCORRECT


@pytest.fixture
def speakers_data(fsdd, monkeypatch):
    monkeypatch.setenv("AUDIOLAB_FSDD", str(fsdd))
    arguments, X_test, y_test, class_names = checks.q5._load()
    return arguments, X_test, y_test


@pytest.mark.slow
def test_q5_the_sixth_speaker_is_held_out(speakers_data):
    (X, y, speakers), X_test, y_test = speakers_data
    assert X.shape == (2500, 26) and X_test.shape == (500, 26)
    assert sorted(set(speakers)) == ["george", "jackson", "lucas", "theo", "yweweler"]
    assert checks.HELD_OUT_SPEAKER not in set(speakers)
    assert np.bincount(y_test, minlength=10).tolist() == [50] * 10


@pytest.mark.slow
def test_q5_solution_passes_and_leaky_estimates_fail(speakers_data):
    from sklearn.model_selection import GroupKFold, KFold, ShuffleSplit, StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier

    result = checks.q5.run(_fit())
    assert result.correct, str(result)
    assert checks.q5.accuracy >= checks.q5.target + 0.05, str(result)
    assert abs(checks.q5.estimate - checks.q5.accuracy) <= checks.q5.tolerance - 0.05, str(result)
    assert checks.q5.run(_fit(cv=GroupKFold(5))).correct
    # the task's first attempt, and other splits that mix the speakers
    for cv in (KFold(5, shuffle=True, random_state=0), StratifiedKFold(5, shuffle=True, random_state=1),
               ShuffleSplit(1, test_size=0.2, random_state=0)):
        wrong(checks.q5, _fit(cv=cv, groups=False), "too optimistic", "groups=speakers")
        assert checks.q5.estimate > 0.85
    # memorising the training speakers is flattered most by a leaky split
    wrong(checks.q5, _fit(model=lambda: KNeighborsClassifier(1), cv=KFold(5, shuffle=True),
                          groups=False), "too optimistic")
    if checks.q5.accuracy < checks.q5.target:
        assert "too weak" in checks.q5.last.message
    # estimated on the training clips themselves
    def on_training_clips(X, y, speakers):
        model, _ = _fit()(X, y, speakers)
        return model, model.score(X, y)

    wrong(checks.q5, on_training_clips, "too optimistic")


@pytest.mark.slow
def test_q5_wrong_returns_and_weak_models(speakers_data):
    from sklearn.dummy import DummyClassifier

    model_only = _fit()
    wrong(checks.q5, lambda X, y, s: model_only(X, y, s)[0], "return two things")
    wrong(checks.q5, lambda X, y, s: (model_only(X, y, s)[1], 0.5), "should be the fitted model")
    wrong(checks.q5, lambda X, y, s: (model_only(X, y, s)[0], 95.0), "not an accuracy between 0 and 1")
    wrong(checks.q5, lambda X, y, s: (model_only(X, y, s)[0], "high"), "one accuracy between 0 and 1")
    wrong(checks.q5, _fit(model=lambda: DummyClassifier()), "too weak")

    def unfitted(X, y, speakers):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(), 0.5

    wrong(checks.q5, unfitted, "cannot predict", "fitted")
    wrong(checks.q5, lambda X, y, s: (model_only(X, y, s)[0], 0.05), "too pessimistic")
