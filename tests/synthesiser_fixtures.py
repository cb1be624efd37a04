"""Helpers shared by the tests of the synthesisers that are programs (Flite, Festival)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import numpy as np
import pytest


def require_program(available: bool, reason: str, variable: str) -> None:
    """Skip the test without the program, or fail it where ``$variable`` is 1 (CI)."""
    if not available:
        if os.environ.get(variable) == "1":
            pytest.fail(f"{reason}, and {variable}=1 requires it")
        pytest.skip(reason)


def hide_program(monkeypatch, module, program: str) -> Iterator[None]:
    """For a fixture: as if ``program`` were not installed, for ``module`` (which caches its voices)."""
    real_which = shutil.which
    monkeypatch.setattr(module.shutil, "which",
                        lambda name, *a, **k: None if name == program else real_which(name))
    module._voices.cache_clear()
    yield
    module._voices.cache_clear()


def median_f0(y: np.ndarray, sr: int) -> float:
    """The median fundamental frequency of the loud frames, in Hz."""
    import librosa

    f0 = librosa.yin(y, fmin=60, fmax=400, sr=sr, frame_length=1024)
    loud = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0] > 0.02
    n = min(len(f0), len(loud))
    return float(np.median(f0[:n][loud[:n]]))
