"""Test signals every test file can import: ``from signals import tone, noise, speechlike``.

Plain NumPy, seeded, float32; the same arguments give the same samples on every run.
"""

from __future__ import annotations

import numpy as np


def tone(freq: float, *, sr: int = 16000, duration: float = 0.25, n: int | None = None,
         amplitude: float = 0.5) -> np.ndarray:
    """A sine of ``freq`` Hz, ``n`` samples long (or ``duration`` seconds), starting at phase 0."""
    if n is None:
        n = int(round(sr * duration))
    t = np.arange(n) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def noise(n: int = 22050, seed: int = 0) -> np.ndarray:
    """White Gaussian noise with a standard deviation of 0.1."""
    return (0.1 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def speechlike(n: int = 16000, *, sr: int = 16000, seed: int = 0) -> np.ndarray:
    """Harmonics of a gliding pitch under a Hann envelope, plus a little noise: a wide
    dynamic range, peak 0.3."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    f0 = 120 + 40 * t
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 20) if k * f0.max() < sr / 2)
    y = y * np.hanning(n) + 0.001 * rng.standard_normal(n)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)
