"""Checks for the exercise notebooks: ``q1.check(my_function)``, ``q1.hint()``, ``q1.solution()``.

One module per lesson (``audiolab.checks.lesson01``, ...) defines its tasks
as ``q1``, ``q2``, ... with the machinery of :mod:`audiolab.checks.core`.
"""

from .core import (
    Case,
    Check,
    ExplainCheck,
    FunctionCheck,
    Mistake,
    Outcome,
    Result,
    ValueCheck,
    compare,
)

__all__ = [
    "Case",
    "Check",
    "ExplainCheck",
    "FunctionCheck",
    "Mistake",
    "Outcome",
    "Result",
    "ValueCheck",
    "compare",
]
