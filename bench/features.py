"""Benchmark: audiolab's log-mel and MFCC extraction against librosa.

Run ``python bench/features.py [--clips 1000] [--repeat 3] [--synthetic]``.

Makes ``--clips`` one-second clips at 16 kHz (real FSDD recordings resampled
to 16 kHz and padded or cropped to 1 s when the dataset is found through
``AUDIOLAB_FSDD`` or ``../shared/datasets/fsdd``; seeded noise and tones
otherwise), then times, with the course's speech settings
(``audiolab.features.SPEECH_DEFAULTS``: n_fft=512, hop 160, window 400,
40 mel bands from 20 Hz, 13 MFCCs):

- librosa, one clip at a time (the reference, warmed up first);
- ``audiolab.features`` single-clip functions, one clip at a time;
- ``audiolab.features.extract_batch`` on all clips at once.

Prints a Markdown table: clips per second (best of ``--repeat`` runs), the
speed ratio to librosa's per-clip loop, and the largest absolute difference
from librosa's result (dB for log-mel; MFCC units for MFCC).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from audiolab import features as F

SR = 16000


def fsdd_folder() -> Path | None:
    root = os.environ.get("AUDIOLAB_FSDD")
    base = Path(__file__).resolve().parents[1].parent / "shared/datasets/fsdd"
    root = Path(root) if root else base
    for folder in (root / "recordings", root):
        if folder.is_dir() and any(folder.glob("*.wav")):
            return folder
    return None


def make_clips(n_clips: int, synthetic: bool) -> tuple[np.ndarray, str]:
    """``n_clips`` one-second float32 clips at 16 kHz, and where they came from."""
    folder = None if synthetic else fsdd_folder()
    if folder is not None:
        import soundfile as sf
        import soxr

        files = sorted(folder.glob("*.wav"))
        clips = np.zeros((n_clips, SR), dtype=np.float32)
        for i in range(n_clips):
            y, sr = sf.read(files[i % len(files)], dtype="float32")
            y = soxr.resample(y, sr, SR).astype(np.float32)[:SR]
            clips[i, : len(y)] = y
        return (
            clips,
            f"FSDD ({min(n_clips, len(files))} recordings, 8 kHz resampled to 16 kHz, padded to 1 s)",
        )
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    freqs = rng.uniform(100, 4000, size=(n_clips, 1))
    amps = rng.uniform(0.05, 0.5, size=(n_clips, 1))
    clips = amps * np.sin(2 * np.pi * freqs * t) + 0.02 * rng.standard_normal(
        (n_clips, SR)
    )
    return clips.astype(np.float32), "synthetic (seeded tones + white noise)"


def best_time(run: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000, help="number of 1 s clips")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per method (best is kept)"
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="use synthetic clips, not FSDD"
    )
    args = parser.parse_args(argv)

    import librosa  # the reference, imported only here

    clips, source = make_clips(args.clips, args.synthetic)
    settings = {k: v for k, v in F.SPEECH_DEFAULTS.items() if k not in ("sr", "n_mfcc")}
    n_mfcc = F.SPEECH_DEFAULTS["n_mfcc"]

    def librosa_logmel(y):
        return librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=SR, **settings)
        )

    def librosa_mfcc(y):
        return librosa.feature.mfcc(y=y, sr=SR, n_mfcc=n_mfcc, **settings)

    def ours_logmel(y):
        return F.power_to_db(F.mel_spectrogram(y=y, sr=SR, **settings))

    def ours_mfcc(y):
        return F.mfcc(y=y, sr=SR, n_mfcc=n_mfcc, **settings)

    # Warm up: librosa's lazy imports (and any numba compilation), caches.
    for func in (librosa_logmel, librosa_mfcc, ours_logmel, ours_mfcc):
        func(clips[0])
    F.extract_batch(clips[:16], SR, kind="mfcc")

    methods = {
        "log-mel": [
            ("librosa, per clip", lambda: np.stack([librosa_logmel(y) for y in clips])),
            ("audiolab, per clip", lambda: np.stack([ours_logmel(y) for y in clips])),
            (
                "audiolab extract_batch",
                lambda: F.extract_batch(clips, SR, kind="logmel"),
            ),
        ],
        "MFCC": [
            ("librosa, per clip", lambda: np.stack([librosa_mfcc(y) for y in clips])),
            ("audiolab, per clip", lambda: np.stack([ours_mfcc(y) for y in clips])),
            ("audiolab extract_batch", lambda: F.extract_batch(clips, SR, kind="mfcc")),
        ],
    }

    print(f"clips: {args.clips} x 1 s at {SR} Hz, {source}")
    print(
        f"settings: n_fft=512, hop_length=160, win_length=400, n_mels=40, fmin=20, "
        f"n_mfcc={n_mfcc}; best of {args.repeat}"
    )
    print(
        f"numpy {np.__version__}, librosa {librosa.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs ({platform.machine()})"
    )
    print()
    print(
        "| feature | method | clips/s | ratio to librosa per clip | max abs diff vs librosa |"
    )
    print("|---|---|---:|---:|---:|")
    for feature, runs in methods.items():
        reference_time, reference = best_time(runs[0][1], args.repeat)
        unit = "dB" if feature == "log-mel" else "(MFCC units)"
        for name, run in runs:
            seconds, result = (
                (reference_time, reference)
                if run is runs[0][1]
                else best_time(run, args.repeat)
            )
            diff = float(np.abs(result - reference).max())
            print(
                f"| {feature} | {name} | {args.clips / seconds:,.0f} | "
                f"{reference_time / seconds:.2f}x | {diff:.2g} {unit} |"
            )


if __name__ == "__main__":
    main()
