"""Exercise 10's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab.checks import Outcome
from audiolab.checks import lesson10 as checks

FUNCTION_CHECKS = [checks.q1, checks.q2]


def speaker_split(groups, test_speakers):
    is_test = np.isin(groups, list(test_speakers))
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def few_shot_indices(labels, candidates, n):
    return np.concatenate([candidates[labels[candidates] == k][:n] for k in range(labels.max() + 1)])


@pytest.mark.parametrize("check, solution", [(checks.q1, speaker_split), (checks.q2, few_shot_indices)])
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_references_pass():
    for check in FUNCTION_CHECKS:
        assert check.run(check.reference).correct


@pytest.mark.parametrize(
    "check, index",
    [(check, i) for check in FUNCTION_CHECKS for i in range(len(check.mistakes))],
    ids=lambda x: getattr(x, "name", str(x)),
)
def test_each_mistake_fails_with_its_message(check, index):
    mistake = check.mistakes[index]
    result = check.run(mistake.function)
    assert result.outcome is Outcome.INCORRECT
    assert mistake.message in result.message, result.message


def test_at_least_three_mistakes_each():
    assert all(len(check.mistakes) >= 3 for check in FUNCTION_CHECKS)


def test_not_attempted():
    assert checks.q1.run(...).outcome is Outcome.NOT_ATTEMPTED
    assert checks.q3.run(...).outcome is Outcome.NOT_ATTEMPTED
