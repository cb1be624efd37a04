"""The exercise-check machinery: three outcomes, teaching messages, no crashes."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab.checks import Case, ExplainCheck, FunctionCheck, Mistake, Outcome, ValueCheck, compare


def db(x):
    return 10 * np.log10(x)


def db_natural_log(x):
    return 10 * np.log(x)


square_db = FunctionCheck(
    name="to_db",
    hints=["Decibels compare powers.", "Use np.log10.", "10 * np.log10(x)"],
    solution="def to_db(x):\n    return 10 * np.log10(x)",
    reference=db,
    cases=[Case((np.array([1.0, 10.0, 100.0]),)), Case((np.array([[2.0]]),))],
    mistakes=[Mistake(db_natural_log, "Decibels use the base-10 logarithm, np.log10.")],
)


def test_not_attempted():
    def to_db(x):
        raise NotImplementedError("Replace this line with your code")

    assert square_db.run(to_db).outcome is Outcome.NOT_ATTEMPTED
    assert square_db.run(None).outcome is Outcome.NOT_ATTEMPTED
    assert square_db.run(...).outcome is Outcome.NOT_ATTEMPTED


def test_correct():
    result = square_db.run(lambda x: 10 * np.log10(x))
    assert result.correct and "all 2 test cases" in result.message


def test_known_mistake_is_explained():
    result = square_db.run(db_natural_log)
    assert result.outcome is Outcome.INCORRECT
    assert "base-10 logarithm" in result.message
    assert "to_db(" in result.message


def test_wrong_shape_is_named():
    result = square_db.run(lambda x: db(x).ravel()[:2])
    assert "shape (2,)" in result.message and "should be (3,)" in result.message


def test_exception_reports_the_arguments():
    def to_db(x):
        return 10 * np.log10(x) + undefined_name  # noqa: F821

    result = square_db.run(to_db)
    assert result.outcome is Outcome.INCORRECT
    assert "raised NameError" in result.message
    assert "to_db([  1.,  10., 100.])" in result.message


def test_not_a_function():
    result = square_db.run(np.array([0.0, 10.0, 20.0]))
    assert "expects your function itself" in result.message


def test_learner_cannot_spoil_the_inputs():
    def to_db(x):
        x *= 0  # in place: must not change what the reference sees
        return x

    assert square_db.run(to_db).outcome is Outcome.INCORRECT
    assert square_db.run(lambda x: 10 * np.log10(x)).correct


def test_check_hint_solution_print(capsys):
    square_db.check(db)
    square_db.hint()
    square_db.hint(3)
    square_db.hint(99)
    square_db.solution()
    out = capsys.readouterr().out
    assert out.startswith("Correct: ")
    assert "Hint 1 of 3 (more with .hint(2)): Decibels compare powers." in out
    assert "Hint 3 of 3: 10 * np.log10(x)" in out
    assert "Solution:\ndef to_db(x):" in out


def test_value_check():
    nyquist = ValueCheck(
        name="nyquist", hints=[], solution="nyquist = sr / 2", expected=4000.0,
        mistakes=[(8000.0, "That is the sample rate itself; Nyquist is half of it.")],
    )
    assert nyquist.run(...).outcome is Outcome.NOT_ATTEMPTED
    assert nyquist.run(4000).correct
    wrong = nyquist.run(8000)
    assert wrong.outcome is Outcome.INCORRECT and "half of it" in wrong.message
    assert "should return a number" in nyquist.run("4000").message


def test_explain_check_is_never_graded():
    question = ExplainCheck(name="q", hints=[], solution="Because of leakage.")
    assert question.run("").outcome is Outcome.NOT_ATTEMPTED
    assert "not graded" in question.run("my answer").message


@pytest.mark.parametrize(
    "expected, got, fragment",
    [
        (np.zeros(3), [0.0, 0.0, 0.0], None),
        (np.zeros(3), 0.0, "should return a NumPy array"),
        (np.zeros(3), np.array([0.0, 0.0, 1.0]), "1 of 3 values are off"),
        (np.zeros(3), np.array([0.0, np.nan, 0.0]), "NaN"),
        (np.zeros(2, complex), np.zeros(2), "should be complex"),
        ((1, np.ones(2)), (1, np.zeros(2)), "value 2 of 2"),
        (3.0, 3.0 + 1e-9, None),
        (3.0, 3.1, "not right"),
        ("hann", "hamming", "not right"),
    ],
)
def test_compare(expected, got, fragment):
    problem = compare(expected, got)
    if fragment is None:
        assert problem is None
    else:
        assert fragment in problem


def test_compare_integer_arrays_without_overflow():
    expected = np.array([-32768, 0, 32767], dtype=np.int16)
    assert compare(expected, expected.copy()) is None
    assert "1 of 3 values are off" in compare(expected, np.array([-32767, 0, 32767], np.int16))
