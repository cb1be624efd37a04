"""Run every lesson and solution notebook in a fresh kernel; print time and peak memory.

    python bench/course.py [NOTEBOOK ...]

Peak memory is the kernel process's high-water mark of resident memory
(VmHWM), read just before the kernel shuts down; a 2 GB Binder session must
hold it beside the Jupyter server. The budget of every lesson, on a 2-core
machine: at most 1,500 MB, and 60 s for lessons 00-06, 90 s from lesson 07 on
(they load TensorFlow and train).
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
MEMORY_BUDGET_MB = 1500


def time_budget_s(path: Path) -> float:
    """60 s for lessons 00-06, 90 s for the later ones (by the notebook's number)."""
    number = path.name.split("_", 1)[0]
    return 60.0 if number.isdigit() and int(number) <= 6 else 90.0


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a process's resident memory, in MB (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(path: Path) -> tuple[float, float]:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        memory = peak_rss_mb(pid)
    return time.perf_counter() - start, memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    paths = args.paths or sorted(
        [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "solutions").glob("*.ipynb")]
    )
    rows, total = [], 0.0
    for path in paths:
        seconds, memory = run(path.resolve())
        total += seconds
        limit = time_budget_s(path)
        within = seconds <= limit and memory <= MEMORY_BUDGET_MB
        budget = f"{'ok' if within else 'OVER'} ({limit:.0f} s)"
        rows.append((str(path.resolve().relative_to(ROOT)), seconds, memory, budget))
        print(f"  {rows[-1][0]}: {seconds:.1f} s, {memory:.0f} MB", file=sys.stderr)
    print(f"| notebook | wall time (s) | kernel peak memory (MB) | within budget "
          f"({MEMORY_BUDGET_MB:,} MB; time) |")
    print("|---|---:|---:|---|")
    for name, seconds, memory, budget in rows:
        print(f"| {name} | {seconds:.1f} | {memory:.0f} | {budget} |")
    print(f"| **total** | **{total:.1f}** | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
