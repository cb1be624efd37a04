"""Run notebooks top to bottom in a fresh kernel and store their outputs.

Lessons and solutions are committed with their outputs, which nbval compares
on every test run. Run this after changing a lesson or the code it shows::

    python tools/execute_notebooks.py                  # notebooks/ and solutions/
    python tools/execute_notebooks.py notebooks/03_*.ipynb

Execution metadata (timings) is dropped, so a re-run that changes nothing
leaves the files unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, *, timeout: int = 600) -> float:
    """Execute one notebook in place, in its own folder; return the seconds it took."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(ROOT)} in {seconds:.1f} s")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted(
        [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "solutions").glob("*.ipynb")]
    )
    for path in paths:
        execute(path.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
