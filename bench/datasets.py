"""Benchmark of ``audiolab.datasets``: generation, loading and sizes on disk.

Run ``python bench/datasets.py`` (optionally ``--per-class N``). It prints a
Markdown table:

- synthesising the spoken digits (``make_speech_dataset``, 10 x per_class
  one-second clips) with 1 and 2 worker processes, and the cached second call;
- loading them back (``load_folder``);
- loading the Free Spoken Digit Dataset from its local copy (``load_fsdd``,
  8 kHz as stored and resampled to 16 kHz) and writing it as class folders
  (``export_fsdd``);
- the size on disk of each dataset.

The FSDD copy is found through ``$AUDIOLAB_FSDD`` or ``../shared/datasets/fsdd``
beside the project; its rows are skipped without one. Figures are wall-clock
seconds on this machine, not pass/fail thresholds.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fsdd() -> Path | None:
    for candidate in (os.environ.get("AUDIOLAB_FSDD"), ROOT.parent / "shared" / "datasets" / "fsdd"):
        if candidate and (Path(candidate) / "recordings").is_dir():
            return Path(candidate)
    return None


_CPU: list[float] = []


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(function, *args, **kwargs):
    """Call ``function``; return its result and the wall-clock seconds.

    The CPU seconds (this process and its workers) go to ``_CPU``: they
    depend less than wall-clock time on what else the machine is doing.
    """
    cpu = _cpu()
    start = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - start
    _CPU.append(_cpu() - cpu)
    return result, elapsed


def _cpu_text() -> str:
    return f"{_CPU[-1]:.2f} s"


def _mb(path: Path) -> str:
    from audiolab.datasets._common import folder_size

    return f"{folder_size(path) / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=200, help="clips per digit (default 200)")
    args = parser.parse_args()

    from audiolab.datasets import (
        espeak_info,
        export_fsdd,
        load_folder,
        load_fsdd,
        make_speech_dataset,
    )

    n_clips = 10 * args.per_class
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="audiolab-bench-") as scratch:
        scratch = Path(scratch)
        one, seconds = _timed(make_speech_dataset, scratch / "digits-1", per_class=args.per_class,
                              n_jobs=1, progress=False)
        rows.append((f"make_speech_dataset, {n_clips} x 1 s clips, 1 process", f"{seconds:.2f} s",
                     _cpu_text(), f"{n_clips / seconds:.0f} clips/s"))
        two, seconds = _timed(make_speech_dataset, scratch / "digits-2", per_class=args.per_class,
                              n_jobs=2, progress=False)
        rows.append((f"make_speech_dataset, {n_clips} x 1 s clips, 2 processes",
                     f"{seconds:.2f} s", _cpu_text(), f"{n_clips / seconds:.0f} clips/s"))
        identical = all(
            (one / p.relative_to(two)).read_bytes() == p.read_bytes()
            for p in two.rglob("*") if p.is_file()
        )
        _, seconds = _timed(make_speech_dataset, one, per_class=args.per_class, progress=False)
        rows.append(("make_speech_dataset again (cached)", f"{seconds * 1000:.0f} ms", _cpu_text(),
                     "byte-identical across 1 and 2 processes: " + ("yes" if identical else "NO")))
        dataset, seconds = _timed(load_folder, one, progress=False)
        rows.append((f"load_folder of the synthetic digits ({len(dataset)} clips)",
                     f"{seconds:.2f} s", _cpu_text(), f"{_mb(one)} on disk"))

        fsdd = _fsdd()
        if fsdd is None:
            rows.append(("FSDD", "skipped", "", "no local copy ($AUDIOLAB_FSDD)"))
        else:
            native, seconds = _timed(load_fsdd, fsdd, sr=None, download=False, progress=False)
            rows.append((f"load_fsdd, {len(native)} clips at 8 kHz (as stored)", f"{seconds:.2f} s",
                         _cpu_text(), f"{_mb(fsdd / 'recordings')} on disk"))
            wide, seconds = _timed(load_fsdd, fsdd, sr=16000, download=False, progress=False)
            rows.append((f"load_fsdd, {len(wide)} clips resampled to 16 kHz", f"{seconds:.2f} s",
                         _cpu_text(), f"{sum(y.nbytes for y in wide.clips) / 1e6:.1f} MB in memory (float32)"))
            out, seconds = _timed(export_fsdd, scratch / "fsdd16k", path=fsdd, sr=16000,
                                  progress=False)
            rows.append(("export_fsdd to train/ and test/ class folders at 16 kHz",
                         f"{seconds:.2f} s", _cpu_text(), f"{_mb(out)} on disk"))

    info = espeak_info()
    print(f"audiolab.datasets benchmark: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"eSpeak NG {info['version']}\n")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.1f}\n")
    print("| what | wall time | CPU time | notes |")
    print("|---|---:|---:|---|")
    for what, seconds, cpu, note in rows:
        print(f"| {what} | {seconds} | {cpu} | {note} |")


if __name__ == "__main__":
    main()
