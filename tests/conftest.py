"""Shared test set-up: quiet TensorFlow, nbval comparisons, the FSDD copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]


def fsdd_path() -> Path | None:
    """The local FSDD copy: $AUDIOLAB_FSDD, or ../shared/datasets/fsdd beside the project."""
    candidates = [os.environ.get("AUDIOLAB_FSDD"), ROOT.parent / "shared" / "datasets" / "fsdd"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "recordings").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def fsdd() -> Path:
    """Path to the local Free Spoken Digit Dataset; skips the test without one."""
    path = fsdd_path()
    if path is None:
        pytest.skip("no local FSDD copy (set AUDIOLAB_FSDD to its folder)")
    return path
