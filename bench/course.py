"""Run every lesson and solution notebook in a fresh kernel; print time and peak memory.

    python bench/course.py [--repeat N] [NOTEBOOK ...]

Peak memory is the kernel process's high-water mark of resident memory
(VmHWM), read just before the kernel shuts down; a 2 GB Binder session must
hold it beside the Jupyter server. The budget of every lesson, on a 2-core
machine: at most 1,500 MB, and 60 s for lessons 00-06, 90 s from lesson 07 on
(they load TensorFlow and train). A run's time varies by a few seconds with
the machine's load: ``--repeat N`` runs each notebook N times, prints the
median and the slowest, and judges the budget by the slowest run and the
highest memory.
"""

from __future__ import annotations

import argparse
import os
import statistics
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
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each notebook (default 1)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    paths = args.paths or sorted(
        [*(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "solutions").glob("*.ipynb")]
    )
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    rows, total = [], 0.0
    for path in paths:
        runs = [run(path.resolve()) for _ in range(args.repeat)]
        seconds = [time for time, _ in runs]
        median, slowest = statistics.median(seconds), max(seconds)
        memory = max(memory for _, memory in runs)
        total += median
        limit = time_budget_s(path)
        within = slowest <= limit and memory <= MEMORY_BUDGET_MB
        budget = f"{'ok' if within else 'OVER'} ({limit:.0f} s)"
        rows.append((str(path.resolve().relative_to(ROOT)), median, slowest, memory, budget))
        print(f"  {rows[-1][0]}: {', '.join(f'{t:.1f}' for t in seconds)} s, {memory:.0f} MB",
              file=sys.stderr)
    print(f"| notebook | wall time, median of {args.repeat} (s) | slowest (s) | kernel peak memory, "
          f"highest (MB) | within budget ({MEMORY_BUDGET_MB:,} MB; time) |")
    print("|---|---:|---:|---:|---|")
    for name, median, slowest, memory, budget in rows:
        print(f"| {name} | {median:.1f} | {slowest:.1f} | {memory:.0f} | {budget} |")
    print(f"| **total** | **{total:.1f}** | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
