"""``audiolab.doctor()``: is everything the course needs here and working?

Taught in lesson 00 (welcome).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import platform
import subprocess
import sys
from collections.abc import Callable

__all__ = ["doctor"]

# (import name, distribution name, what it is for, how to get it)
_PACKAGES = [
    ("numpy", "numpy", "arrays", "pip install -e ."),
    ("scipy", "scipy", "signal processing", "pip install -e ."),
    ("soundfile", "soundfile", "reading and writing audio", "pip install -e ."),
    ("soxr", "soxr", "resampling", "pip install -e ."),
    ("librosa", "librosa", "the reference implementation", "pip install -e ."),
    ("sklearn", "scikit-learn", "classic classifiers, metrics", "pip install -e ."),
    ("audiomentations", "audiomentations", "augmentation", "pip install -e ."),
    ("espeakng_loader", "espeakng-loader", "speech synthesis", "pip install -e ."),
    ("matplotlib", "matplotlib", "figures", "pip install -e ."),
    ("ipywidgets", "ipywidgets", "sliders in the lessons", 'pip install -e ".[course]"'),
    ("jupyterlab", "jupyterlab", "the notebooks", 'pip install -e ".[course]"'),
]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _check_import(module: str, distribution: str) -> tuple[bool, str]:
    try:
        importlib.import_module(module)
    except Exception as error:  # a broken install raises many kinds of error
        return False, f"{type(error).__name__}: {error}"
    return True, _version(distribution)


def _check_espeak() -> tuple[bool, str]:
    try:
        from .datasets.espeak import synthesize

        y = synthesize("zero", sr=16000)
    except Exception as error:
        return False, f"{type(error).__name__}: {error}"
    if y.size == 0 or not y.any():
        return False, "eSpeak NG produced silence"
    return True, f"eSpeak NG speaks ({len(y) / 16000:.2f} s for 'zero')"


def _check_tensorflow() -> tuple[bool, str]:
    # In a child process: importing TensorFlow costs ~600 MB that a lesson
    # running the doctor should not keep.
    code = (
        "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3';"
        "import tensorflow as tf, keras; print(tf.__version__, keras.__version__)"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=180
        )
    except subprocess.TimeoutExpired:
        return False, "importing TensorFlow took over 3 minutes"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        return False, last
    tf_version, keras_version = done.stdout.split()
    return True, f"tensorflow {tf_version}, keras {keras_version}"


def doctor(*, tensorflow: bool = True, print_fn: Callable[[str], None] = print) -> bool:
    """Check the course's environment and print one line per item.

    Each line says ``OK`` with the version found, or ``missing`` with what to
    do about it. Checks Python, every key dependency, that eSpeak NG loads and
    speaks, where data is cached, and (in a separate process, so the memory
    is given back) that TensorFlow imports.

    Parameters
    ----------
    tensorflow : bool
        Also check TensorFlow (takes a few seconds).
    print_fn : callable
        Where the lines go.

    Returns
    -------
    bool
        True if everything the course needs works.

    Examples
    --------
    >>> import audiolab
    >>> audiolab.doctor()  # doctest: +SKIP
    OK       python 3.11.7 (Linux x86_64)
    ...

    Taught in lesson 00 (welcome).
    """
    results: list[tuple[bool, str, str]] = []
    python_ok = sys.version_info[:2] in ((3, 11), (3, 12))
    results.append((
        python_ok,
        f"python {platform.python_version()} ({platform.system()} {platform.machine()})",
        "the course is tested on Python 3.11 and 3.12",
    ))
    from . import __version__

    results.append((True, f"audiolab {__version__}", ""))
    for module, distribution, purpose, fix in _PACKAGES:
        ok, detail = _check_import(module, distribution)
        results.append((ok, f"{distribution} {detail}" if ok else f"{distribution} ({purpose})",
                        f"{detail}; run: {fix}"))
    ok, detail = _check_espeak()
    results.append((ok, detail if ok else "eSpeak NG (synthetic speech)",
                    f"{detail}; run: pip install espeakng-loader"))
    from .datasets import data_home

    home = data_home()
    results.append((True, f"data cache {home}" + ("" if home.exists() else " (created on first use)"), ""))
    if tensorflow:
        ok, detail = _check_tensorflow()
        results.append((ok, detail if ok else "tensorflow (lessons 07-12)",
                        f"{detail}; run: pip install -e \".[ml]\""))

    for ok, what, fix in results:
        print_fn(f"OK       {what}" if ok else f"missing  {what}: {fix}")
    all_ok = all(ok for ok, _, _ in results)
    print_fn("Everything the course needs is here." if all_ok
             else "Some pieces are missing: see the lines above.")
    return all_ok
