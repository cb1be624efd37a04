"""Audiolab: the tested core code of a hands-on course in audio classification.

``import audiolab`` is light: it loads NumPy and the package's small modules
only. Matplotlib, librosa and TensorFlow are imported by the modules that
need them (``audiolab.plots``, ``audiolab.models``, ...), when they need them.

Modules
-------
io          reading and writing audio (the one place audio enters)
dsp         tones, chirps, noise, quantisation, aliasing, framing, windows
features    STFT, mel spectrograms, MFCC, chroma, batched extraction
preprocess  trimming, normalisation, padding, noise reduction, standardising
datasets    synthetic spoken words, class-per-folder data, real datasets
checks      the exercise checks
"""

from __future__ import annotations

import importlib

from .errors import AudioFileError, AudiolabError, AudiolabWarning, ParameterError

__version__ = "0.1.0"

__all__ = [
    "AudiolabError",
    "ParameterError",
    "AudioFileError",
    "AudiolabWarning",
    "doctor",
    "__version__",
]

_SUBMODULES = {
    "io", "dsp", "features", "preprocess", "datasets", "augment", "checks",
    "plots", "widgets", "models", "train", "evaluate", "deploy", "cli",
    "validation", "system",
}


def doctor() -> bool:
    """Check the course's environment and print one line per item.

    See :func:`audiolab.system.doctor`.
    """
    from .system import doctor as _doctor

    return _doctor()


def __getattr__(name: str):
    # ``audiolab.features`` etc. load on first use, keeping ``import audiolab`` fast.
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'audiolab' has no attribute {name!r}")
