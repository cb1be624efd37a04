"""Course tooling: exercises are generated from solutions and kept up to date."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import make_exercises  # noqa: E402


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_function_body_becomes_not_implemented():
    source = (
        "def alias(f, sr):\n"
        "    \"\"\"Docstring stays.\"\"\"\n"
        "    ### BEGIN SOLUTION\n"
        "    folded = f % sr\n"
        "    return min(folded, sr - folded)\n"
        "    ### END SOLUTION\n"
        "\n"
        "q1.check(alias)"
    )
    out = make_exercises.strip_code(source, "test")
    assert out == (
        "def alias(f, sr):\n"
        "    \"\"\"Docstring stays.\"\"\"\n"
        f"    {make_exercises.PLACEHOLDER}\n"
        "\n"
        "q1.check(alias)"
    )


def test_top_level_block_becomes_ellipsis_assignments():
    source = "### BEGIN SOLUTION\nnyquist = sr / 2\nbins, hop = 257, 160\n### END SOLUTION\nq2.check(nyquist)"
    out = make_exercises.strip_code(source, "test")
    assert out.splitlines() == [
        "nyquist = ...  # your answer here",
        "bins = ...  # your answer here",
        "hop = ...  # your answer here",
        "q2.check(nyquist)",
    ]


def test_markdown_answer_and_solution_only_cells():
    solution = notebook(
        nbformat.v4.new_markdown_cell("Why?\n\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"),
        nbformat.v4.new_markdown_cell("Instructor notes", metadata={"tags": ["solution-only"]}),
        nbformat.v4.new_code_cell("x = 1"),
    )
    exercise = make_exercises.make_exercise(solution, "t.ipynb")
    assert [c.source for c in exercise.cells] == [f"Why?\n\n{make_exercises.MD_PLACEHOLDER}", "x = 1"]
    assert all(c.get("outputs", []) == [] for c in exercise.cells)


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "without ### END"),
        ("x = 1\n### END SOLUTION", "without ### BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
        ("### BEGIN SOLUTION\nprint(1)\n### END SOLUTION", "must assign names"),
    ],
)
def test_unpaired_markers_are_errors(source, message):
    with pytest.raises(make_exercises.MarkerError, match=message):
        make_exercises.strip_code(source, "nb, cell 3")


def test_exercises_are_up_to_date():
    assert make_exercises.outdated() == [], "run `make exercises`"


def test_every_solution_has_an_exercise_and_markers():
    solutions = sorted(make_exercises.SOLUTIONS.glob("*.ipynb"))
    for path in solutions:
        text = path.read_text()
        assert make_exercises.BEGIN in text, f"{path.name} has no marked solution"
        assert (make_exercises.EXERCISES / path.name).exists()


def test_launch_badges_point_at_the_exercise():
    badge = (
        "[![Binder](b.svg)](https://mybinder.org/v2/gh/o/r/main?labpath=solutions%2F01_sampling.ipynb) "
        "[![Colab](c.svg)](https://colab.research.google.com/github/o/r/blob/main/solutions/01_sampling.ipynb)"
    )
    out = make_exercises.strip_markdown(badge, "t")
    assert "solutions" not in out
    assert "labpath=exercises%2F01_sampling.ipynb" in out and "/main/exercises/01_sampling.ipynb" in out
