"""The machinery of the exercise checks, in the style of Kaggle Learn.

Every task in an exercise notebook has a check object with three methods:

- ``check(answer)`` says one of three things: the task is not attempted yet;
  the answer is incorrect, with a message that teaches (which case failed,
  the shape, dtype or range that is off, or which typical mistake it looks
  like) without giving the answer away; or it is correct.
- ``hint(n=1)`` gives the n-th hint of a ladder, each more specific.
- ``solution()`` shows a model solution.

A function task (:class:`FunctionCheck`) calls the learner's function on a
list of cases and compares the results with a reference implementation. Known
wrong implementations (*mistakes*) are run on the same cases: when the
learner's result matches one of them, its message explains the mistake.
"""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Outcome",
    "Result",
    "Case",
    "Mistake",
    "Check",
    "FunctionCheck",
    "ValueCheck",
    "ExplainCheck",
    "compare",
    "describe",
]


class Outcome(enum.Enum):
    """The three things a check can say."""

    NOT_ATTEMPTED = "not attempted"
    INCORRECT = "incorrect"
    CORRECT = "correct"


_LABELS = {
    Outcome.NOT_ATTEMPTED: "Not attempted yet",
    Outcome.INCORRECT: "Incorrect",
    Outcome.CORRECT: "Correct",
}


@dataclass(frozen=True)
class Result:
    """What a check found: an :class:`Outcome` and a message for the learner."""

    outcome: Outcome
    message: str = ""

    @property
    def correct(self) -> bool:
        return self.outcome is Outcome.CORRECT

    def __str__(self) -> str:
        label = _LABELS[self.outcome]
        return f"{label}: {self.message}" if self.message else label


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: positional and keyword arguments."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    def describe(self) -> str:
        """The call's arguments, briefly, as a learner would write them."""
        parts = [describe(a) for a in self.args]
        parts += [f"{k}={describe(v)}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong implementation and the message that explains it."""

    function: Callable[..., Any]
    message: str


def describe(value: Any) -> str:
    """A short description of a value: arrays by shape and dtype, the rest by repr."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, precision=4, separator=", ")
        return f"<array shape={value.shape} dtype={value.dtype}>"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def compare(expected: Any, got: Any, *, rtol: float = 1e-5, atol: float = 1e-6) -> str | None:
    """Compare a result with the expected one; return what differs, or None.

    Arrays are compared by type, shape, then values with the tolerances
    ``|got - expected| <= atol + rtol * |expected|``; numbers likewise;
    tuples and lists element by element; anything else with ``==``.
    """
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            if np.isscalar(got) or got is None:
                return f"returned {describe(got)}, but it should return a NumPy array"
            got = np.asarray(got)
        if got.shape != expected.shape:
            return f"returned an array of shape {got.shape}, but the shape should be {expected.shape}"
        if np.iscomplexobj(expected) != np.iscomplexobj(got):
            kind = "complex" if np.iscomplexobj(expected) else "real"
            return f"returned {got.dtype} values, but they should be {kind}"
        if got.dtype.kind in "bifc" and not np.all(np.isfinite(got)):
            return "returned NaN or infinite values"
        if expected.dtype.kind == "b":
            wrong = np.flatnonzero(got.ravel() != expected.ravel())
            if wrong.size:
                return f"differs in {wrong.size} of {expected.size} places"
            return None
        reference = expected.astype(np.complex128)  # no integer overflow in abs()
        difference = np.abs(got.astype(np.complex128) - reference)
        allowed = atol + rtol * np.abs(reference)
        bad = difference > allowed
        if np.any(bad):
            index = np.unravel_index(np.argmax(difference - allowed), expected.shape)
            where = f" at index {tuple(int(i) for i in index)}" if expected.ndim else ""
            return (
                f"has the right shape, but {int(bad.sum())} of {expected.size} values are off; "
                f"the largest error is{where}: got {describe(got[index].item())}, "
                f"expected {describe(expected[index].item())}"
            )
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"returned {describe(got)}, but it should return {len(expected)} values"
        for position, (e, g) in enumerate(zip(expected, got, strict=True)):
            problem = compare(e, g, rtol=rtol, atol=atol)
            if problem:
                return f"value {position + 1} of {len(expected)} " + problem.replace("returned ", "is ", 1)
        return None
    if isinstance(expected, (int, float, np.number)) and not isinstance(expected, bool):
        if isinstance(got, np.ndarray) and got.size == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
            return f"returned {describe(got)}, but it should return a number"
        if not np.isfinite(got) or abs(got - expected) > atol + rtol * abs(expected):
            return f"returned {describe(got)}, which is not right"
        return None
    if got != expected:
        return f"returned {describe(got)}, which is not right"
    return None


def _is_not_attempted(value: Any) -> bool:
    return value is None or value is Ellipsis


class Check:
    """Base class: a task with hints and a solution; subclasses define ``run``.

    Parameters
    ----------
    name : str
        How the task is called in messages, e.g. ``"alias_frequency"``.
    hints : sequence of str
        From gentle to almost the answer.
    solution : str
        Model solution, code or prose.
    """

    def __init__(self, *, name: str, hints: Sequence[str], solution: str) -> None:
        self.name = name
        self.hints = list(hints)
        self.solution_text = textwrap.dedent(solution).strip()

    def run(self, *answer: Any) -> Result:  # pragma: no cover - overridden
        raise NotImplementedError

    def check(self, *answer: Any) -> None:
        """Check an answer and print what was found."""
        print(self.run(*answer))

    def hint(self, n: int = 1) -> None:
        """Print hint number ``n`` (1 is the gentlest)."""
        if not self.hints:
            print("No hint for this one: you have all you need.")
            return
        n = min(max(int(n), 1), len(self.hints))
        more = f" (more with .hint({n + 1}))" if n < len(self.hints) else ""
        print(f"Hint {n} of {len(self.hints)}{more}: {self.hints[n - 1]}")

    def solution(self) -> None:
        """Print the model solution."""
        print(f"Solution:\n{self.solution_text}")


class FunctionCheck(Check):
    """A "write this function" task.

    Parameters
    ----------
    name, hints, solution
        See :class:`Check`.
    reference : callable
        The right implementation.
    cases : sequence of Case
        The calls to try, simplest first: a learner reads the first failure.
    mistakes : sequence of Mistake
        Typical wrong implementations, each with the message that explains it.
    rtol, atol : float
        Tolerances for comparing numbers and arrays.
    validate : callable or None
        ``validate(case, got)`` returning a problem message or None, for tasks
        where several answers are right (e.g. random crops): it replaces the
        comparison with the reference.
    """

    def __init__(
        self,
        *,
        name: str,
        hints: Sequence[str],
        solution: str,
        reference: Callable[..., Any],
        cases: Sequence[Case],
        mistakes: Sequence[Mistake] = (),
        rtol: float = 1e-5,
        atol: float = 1e-6,
        validate: Callable[[Case, Any], str | None] | None = None,
    ) -> None:
        super().__init__(name=name, hints=hints, solution=solution)
        self.reference = reference
        self.cases = list(cases)
        self.mistakes = list(mistakes)
        self.rtol = rtol
        self.atol = atol
        self.validate = validate

    def _call(self, function: Callable[..., Any], case: Case) -> Any:
        # Copies, so that a function that changes its input in place cannot
        # spoil the next case or the reference.
        args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case.args)
        kwargs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.kwargs.items()}
        return function(*args, **kwargs)

    def _problem(self, case: Case, got: Any) -> str | None:
        if self.validate is not None:
            return self.validate(case, got)
        expected = self._call(self.reference, case)
        return compare(expected, got, rtol=self.rtol, atol=self.atol)

    def _diagnose(self, case: Case, got: Any) -> str | None:
        for mistake in self.mistakes:
            try:
                wrong = self._call(mistake.function, case)
            except Exception:
                continue
            if compare(wrong, got, rtol=self.rtol, atol=self.atol) is None:
                return mistake.message
        return None

    def run(self, function: Any = None) -> Result:
        """Call ``function`` on every case and say what was found."""
        if _is_not_attempted(function):
            return Result(Outcome.NOT_ATTEMPTED, f"write {self.name} and pass it to check().")
        if not callable(function):
            return Result(
                Outcome.INCORRECT,
                f"check() expects your function itself, e.g. check({self.name}), "
                f"not {describe(function)}",
            )
        for case in self.cases:
            call = f"{self.name}({case.describe()})"
            try:
                got = self._call(function, case)
            except NotImplementedError:
                return Result(Outcome.NOT_ATTEMPTED, f"replace the `raise NotImplementedError` in {self.name} with your code.")
            except Exception as error:  # the learner's code: report, do not crash
                return Result(
                    Outcome.INCORRECT,
                    f"{call} raised {type(error).__name__}: {error}",
                )
            problem = self._problem(case, got)
            if problem:
                explanation = self._diagnose(case, got)
                message = f"{call} {problem}."
                if explanation:
                    message += f" {explanation}"
                return Result(Outcome.INCORRECT, message)
        return Result(Outcome.CORRECT, f"{self.name} works on all {len(self.cases)} test cases.")


class ValueCheck(Check):
    """A task whose answer is a value (a number, an array, a choice).

    Parameters
    ----------
    expected : Any
        The right value.
    mistakes : sequence of (value, message)
        Typical wrong values and what each one means.
    """

    def __init__(
        self,
        *,
        name: str,
        hints: Sequence[str],
        solution: str,
        expected: Any,
        mistakes: Sequence[tuple[Any, str]] = (),
        rtol: float = 1e-5,
        atol: float = 1e-6,
    ) -> None:
        super().__init__(name=name, hints=hints, solution=solution)
        self.expected = expected
        self.mistakes = list(mistakes)
        self.rtol = rtol
        self.atol = atol

    def run(self, value: Any = None) -> Result:
        if _is_not_attempted(value):
            return Result(Outcome.NOT_ATTEMPTED, f"set {self.name} and pass it to check().")
        problem = compare(self.expected, value, rtol=self.rtol, atol=self.atol)
        if problem is None:
            return Result(Outcome.CORRECT, f"{self.name} is right.")
        for wrong, message in self.mistakes:
            if compare(wrong, value, rtol=self.rtol, atol=self.atol) is None:
                return Result(Outcome.INCORRECT, f"{self.name} {problem}. {message}")
        return Result(Outcome.INCORRECT, f"{self.name} {problem}.")


class ExplainCheck(Check):
    """A question answered in words: not graded; the check shows the model answer."""

    def run(self, answer: Any = None) -> Result:
        if _is_not_attempted(answer) or not str(answer).strip():
            return Result(
                Outcome.NOT_ATTEMPTED,
                "write your answer in the cell above, then run .solution() to compare.",
            )
        return Result(
            Outcome.NOT_ATTEMPTED,
            "answers in words are not graded automatically: compare yours with .solution().",
        )
