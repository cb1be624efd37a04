"""What every exercise check promises, for every lesson.

Each ``FunctionCheck`` accepts its own reference, rejects each of its
registered typical mistakes with that mistake's message (at least three per
check), reports a placeholder as not attempted, and has hints and a solution
to print. The lesson files test what is particular to each lesson.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import audiolab.checks
from audiolab.checks import Outcome
from audiolab.checks.core import Check, ExplainCheck, FunctionCheck

LESSONS = sorted(m.name for m in pkgutil.iter_modules(audiolab.checks.__path__)
                 if m.name.startswith("lesson"))


def _checks(kind):
    found = []
    for lesson in LESSONS:
        module = importlib.import_module(f"audiolab.checks.{lesson}")
        found += [(f"{lesson}.{name}", getattr(module, name)) for name in module.__all__
                  if isinstance(getattr(module, name), kind)]
    return found


FUNCTION_CHECKS = _checks(FunctionCheck)
ALL_CHECKS = _checks(Check)
EXPLAIN_CHECKS = _checks(ExplainCheck)
MISTAKES = [(f"{label}:{i}", check, i) for label, check in FUNCTION_CHECKS
            for i in range(len(check.mistakes))]


def test_every_lesson_has_checks():
    assert LESSONS == [f"lesson{n:02d}" for n in range(1, 13)]
    assert {label.split(".")[0] for label, _ in FUNCTION_CHECKS} == set(LESSONS)
    for lesson in LESSONS:
        module = importlib.import_module(f"audiolab.checks.{lesson}")
        questions = [name for name in module.__all__ if name.startswith("q")]
        assert questions and all(isinstance(getattr(module, q), Check) for q in questions), lesson


@pytest.mark.parametrize("label, check", FUNCTION_CHECKS, ids=[c[0] for c in FUNCTION_CHECKS])
def test_reference_passes_and_three_mistakes_are_known(label, check):
    assert check.run(check.reference).correct, label
    assert len(check.mistakes) >= 3, label


@pytest.mark.parametrize("label, check, index", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_fails_with_its_message(label, check, index):
    mistake = check.mistakes[index]
    result = check.run(mistake.function)
    assert result.outcome is Outcome.INCORRECT, label
    assert mistake.message in result.message, (label, result.message)


@pytest.mark.parametrize("label, check", FUNCTION_CHECKS, ids=[c[0] for c in FUNCTION_CHECKS])
def test_placeholder_is_not_attempted(label, check):
    def placeholder(*args, **kwargs):
        raise NotImplementedError("Replace this line with your code")

    assert check.run(placeholder).outcome is Outcome.NOT_ATTEMPTED
    assert check.run(None).outcome is Outcome.NOT_ATTEMPTED
    assert check.run(...).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("label, check", ALL_CHECKS, ids=[c[0] for c in ALL_CHECKS])
def test_hints_and_solution_print(label, check, capsys):
    check.hint()
    check.solution()
    out = capsys.readouterr().out
    assert "Hint 1 of" in out and "Solution" in out, (label, out)


@pytest.mark.parametrize("label, check", EXPLAIN_CHECKS, ids=[c[0] for c in EXPLAIN_CHECKS])
def test_unanswered_question_is_not_attempted(label, check):
    assert check.run(...).outcome is Outcome.NOT_ATTEMPTED, label
