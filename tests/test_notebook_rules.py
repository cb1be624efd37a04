"""The rules that keep the notebooks' tests portable (CONTRIBUTING.md, Lessons).

Stored outputs are compared by nbval; outputs of training are tagged
``nbval-ignore-output`` and their meaning is asserted by the expressions in
``tests/notebook_expectations.yml``, which the root ``conftest.py`` evaluates
in the lesson's kernel. These tests check the rules themselves and that the
mechanism really fails a lesson whose results lose their meaning.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("notebooks", "solutions", "exercises")
EXPECTATIONS = ROOT / "tests" / "notebook_expectations.yml"
IGNORE = "nbval-ignore-output"


def all_notebooks() -> list[Path]:
    return sorted(p for part in PARTS for p in (ROOT / part).glob("*.ipynb"))


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


def text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def expectations() -> dict[str, dict[str, list[str]]]:
    return yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))


def name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", all_notebooks(), ids=name)
def test_outputs_are_clean_and_markers_are_tags(path):
    problems = []
    for cell in code_cells(path):
        where = f"{name(path)} cell {cell.get('id')}"
        if "NBVAL_" in text(cell):
            problems.append(f"{where}: an NBVAL_ comment in code a learner reads; use a cell tag")
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                problems.append(f"{where}: stores an error")
            if output.get("name") == "stderr":
                problems.append(f"{where}: stores output on stderr: {''.join(output['text'])[:80]!r}")
    assert not problems, "\n".join(problems)


def test_every_expectation_names_a_cell_that_exists():
    problems = []
    for notebook, by_cell in expectations().items():
        path = ROOT / notebook
        if not path.is_file():
            problems.append(f"{notebook}: no such notebook")
            continue
        ids = {cell.get("id") for cell in code_cells(path)}
        for cell_id, expressions in by_cell.items():
            if cell_id not in ids:
                problems.append(f"{notebook}: no code cell with id {cell_id!r}")
            if not expressions or not all(isinstance(e, str) and e.strip() for e in expressions):
                problems.append(f"{notebook} {cell_id}: expectations must be non-empty expressions")
            for expression in expressions or []:
                try:
                    compile(expression, f"{notebook}:{cell_id}", "eval")
                except SyntaxError as error:
                    problems.append(f"{notebook} {cell_id}: {expression!r} is not an expression "
                                    f"({error.msg})")
    assert not problems, "\n".join(problems)


def test_every_output_not_compared_has_its_meaning_asserted():
    """An ignored output is asserted instead, so a broken lesson still fails."""
    listed = expectations()
    missing = [
        f"{name(path)} cell {cell.get('id')}"
        for path in all_notebooks()
        for cell in code_cells(path)
        if IGNORE in cell.get("metadata", {}).get("tags", [])
        and cell.get("id") not in listed.get(name(path), {})
    ]
    assert not missing, (
        "cells tagged nbval-ignore-output without expectations in "
        "tests/notebook_expectations.yml:\n" + "\n".join(missing)
    )


def test_exercises_keep_the_tags_of_their_solutions():
    for solution in sorted((ROOT / "solutions").glob("*.ipynb")):
        exercise = ROOT / "exercises" / solution.name
        tagged = {c.get("id") for c in code_cells(solution)
                  if IGNORE in c.get("metadata", {}).get("tags", [])}
        kept = {c.get("id") for c in code_cells(exercise)
                if IGNORE in c.get("metadata", {}).get("tags", [])}
        assert tagged <= kept, f"{exercise.name}: lost the tags of {sorted(tagged - kept)}"


# ---------------------------------------------------------------------------
# The mechanism, end to end: nbval runs a notebook and the expectations fail it
# ---------------------------------------------------------------------------


def _project(pytester, expressions: list[str]) -> None:
    """A small project: the root conftest, one notebook, its expectations."""
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    notebook = nbformat.v4.new_notebook()
    training = nbformat.v4.new_code_cell(
        "accuracy = 0.42\nprint(f'accuracy {accuracy:.3f}')", id="train")
    training.metadata["tags"] = [IGNORE]
    training.outputs = [nbformat.v4.new_output("stream", name="stdout", text="accuracy 0.987\n")]
    training.execution_count = 1
    notebook.cells = [training]
    nbformat.write(notebook, pytester.path / "lesson.ipynb")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "notebook_expectations.yml").write_text(
        yaml.safe_dump({"lesson.ipynb": {"train": expressions}}), encoding="utf-8")


def test_a_tagged_cell_passes_when_its_meaning_holds(pytester):
    _project(pytester, ["0 < accuracy < 1", "isinstance(accuracy, float)"])
    result = pytester.runpytest_subprocess("--nbval", "--nbval-current-env", "-p", "no:xdist",
                                           "lesson.ipynb")
    result.assert_outcomes(passed=1)


def test_a_tagged_cell_fails_when_its_meaning_does_not_hold(pytester):
    _project(pytester, ["accuracy > 0.9", "undefined_name > 0", "0 < accuracy < 1"])
    result = pytester.runpytest_subprocess("--nbval", "--nbval-current-env", "-p", "no:xdist",
                                           "lesson.ipynb")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*lesson.ipynb cell train: what the output means does not hold*",
        "*accuracy > 0.9  ->  is false*",
        "*undefined_name > 0  ->  raised NameError*",
    ])
    assert "0 < accuracy < 1  ->" not in result.stdout.str()
