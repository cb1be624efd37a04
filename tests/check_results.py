"""What the exercise-check tests assert of a wrong answer: ``from check_results import wrong``."""

from __future__ import annotations

from audiolab.checks import Outcome


def wrong(check, function, *fragments):
    """Run ``check`` on ``function``: it must be incorrect, its message holding every fragment."""
    result = check.run(function)
    assert result.outcome is Outcome.INCORRECT, str(result)
    for fragment in fragments:
        assert fragment in result.message, result.message
    return result.message
