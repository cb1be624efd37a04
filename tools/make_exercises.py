"""Generate exercises/ from solutions/, the single source of the exercise notebooks.

In a solution notebook:

- In code cells, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  (nbgrader's markers) are the answer. Inside a function they become
  ``raise NotImplementedError(...)`` at the same indentation; at the top level
  each assigned name becomes ``name = ...`` (a check treats ``...`` as "not
  attempted yet").
- In markdown cells, the text between ``<!-- BEGIN SOLUTION -->`` and
  ``<!-- END SOLUTION -->`` is a model answer; it becomes a prompt to write one.
- Cells tagged ``solution-only`` are left out.

Usage::

    python tools/make_exercises.py            # write exercises/ and execute them
    python tools/make_exercises.py --no-execute
    python tools/make_exercises.py --check    # exit 1 if exercises/ is out of date
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
PLACEHOLDER = 'raise NotImplementedError("Replace this line with your code")'
MD_PLACEHOLDER = "*Write your answer here, then compare it with the model answer.*"


class MarkerError(ValueError):
    """A solution notebook's markers do not pair up."""


def _assigned_names(code: str) -> list[str]:
    names: list[str] = []
    for node in ast.parse(code).body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        )
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id not in names:
                    names.append(name.id)
    return names


def strip_code(source: str, where: str) -> str:
    """Replace every marked solution block in a code cell's source."""
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if block is not None:
                raise MarkerError(f"{where}: {BEGIN} inside another solution block")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if block is None:
                raise MarkerError(f"{where}: {END} without {BEGIN}")
            if indent:
                out.append(indent + PLACEHOLDER)
            else:
                names = _assigned_names("\n".join(block))
                if not names:
                    raise MarkerError(
                        f"{where}: a top-level solution block must assign names "
                        "(put code answers inside a function)"
                    )
                out.extend(f"{name} = ...  # your answer here" for name in names)
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise MarkerError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def strip_markdown(source: str, where: str) -> str:
    """Replace every model answer in a markdown cell; point launch links at the exercise."""
    pattern = re.compile(re.escape(MD_BEGIN) + r".*?" + re.escape(MD_END), re.DOTALL)
    if source.count(MD_BEGIN) != source.count(MD_END):
        raise MarkerError(f"{where}: unpaired {MD_BEGIN} / {MD_END}")
    source = pattern.sub(MD_PLACEHOLDER, source)
    # Binder (labpath=solutions%2F...) and Colab (/blob/main/solutions/...) badges.
    return source.replace("labpath=solutions%2F", "labpath=exercises%2F").replace(
        "/main/solutions/", "/main/exercises/"
    )


def make_exercise(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Return the exercise notebook for a solution notebook (outputs cleared)."""
    exercise = nbformat.v4.new_notebook(metadata=solution.metadata)
    for index, cell in enumerate(solution.cells):
        if "solution-only" in cell.get("metadata", {}).get("tags", []):
            continue
        where = f"{name}, cell {index + 1}"
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(strip_code(cell.source, where))
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(strip_markdown(cell.source, where))
        else:
            new = nbformat.v4.new_raw_cell(cell.source)
        new.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        # The solution's cell ids, so that regenerating changes nothing.
        new.id = cell.get("id") or f"cell-{index}"
        exercise.cells.append(new)
    return exercise


def sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What generation decides: each cell's type and source."""
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def outdated() -> list[str]:
    """Names of exercise notebooks that differ from what the solutions generate."""
    stale = []
    expected_names = set()
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        expected_names.add(path.name)
        generated = make_exercise(nbformat.read(path, as_version=4), path.name)
        target = EXERCISES / path.name
        if not target.exists() or sources(nbformat.read(target, as_version=4)) != sources(generated):
            stale.append(path.name)
    stale += sorted(p.name for p in EXERCISES.glob("*.ipynb") if p.name not in expected_names)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report outdated exercises")
    parser.add_argument("--no-execute", action="store_true", help="do not run the new notebooks")
    parser.add_argument("names", nargs="*", help="solution notebooks to convert (default: all)")
    args = parser.parse_args(argv)

    if args.check:
        stale = outdated()
        for name in stale:
            print(f"exercises/{name} is out of date: run `make exercises`")
        return 1 if stale else 0

    EXERCISES.mkdir(exist_ok=True)
    paths = [SOLUTIONS / n for n in args.names] if args.names else sorted(SOLUTIONS.glob("*.ipynb"))
    written = []
    for path in paths:
        exercise = make_exercise(nbformat.read(path, as_version=4), path.name)
        target = EXERCISES / path.name
        nbformat.write(exercise, target)
        written.append(target)
        print(f"wrote {target.relative_to(ROOT)}")
    if not args.no_execute and written:
        sys.path.insert(0, str(Path(__file__).parent))
        from execute_notebooks import execute

        for target in written:
            execute(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
