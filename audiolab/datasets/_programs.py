"""Synthesisers that are programs (Flite, Festival): run one into a WAV file and read it."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

from ._common import SynthesisError


def say_with_program(
    run: Callable[[str], subprocess.CompletedProcess], *, program: str, text: str, voice: str
) -> tuple[NDArray[np.float32], int]:
    """``run(path)`` makes the program write ``text`` said by ``voice`` to ``path``; returns ``(y, sr)``.

    The temporary file is removed whatever happens. A failing program, an
    empty file or pure silence raise :class:`SynthesisError` naming the
    program, the text and the voice.
    """
    handle, path = tempfile.mkstemp(suffix=".wav", prefix=f"audiolab-{program}-")
    os.close(handle)
    try:
        result = run(path)
        if result.returncode != 0 or os.path.getsize(path) == 0:
            raise SynthesisError(
                f"{program} failed to say {text!r} with {voice} (exit status "
                f"{result.returncode}): {(result.stderr or result.stdout).strip()[-300:]}"
            )
        y, sr = sf.read(path, dtype="float32")
    finally:
        os.unlink(path)
    if y.ndim > 1:
        y = y.mean(axis=1)
    if y.size == 0 or not np.any(y):
        raise SynthesisError(f"{program} produced no sound for {text!r} with {voice}")
    return np.ascontiguousarray(y, dtype=np.float32), int(sr)
