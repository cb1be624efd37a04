"""Exercise 11's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab.checks import lesson11 as checks

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
