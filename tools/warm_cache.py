"""Compile librosa's numba functions once, before anything runs in parallel.

librosa caches its just-in-time compiled functions on disk (numba's
``cache=True``). When several processes compile the same function for the
first time at once (pytest-xdist workers, notebook kernels), one may read
another's half-written cache entry and crash with a segmentation fault. The
Makefile runs this script once after installing, in a single process, so the
cache is complete before the test suite or a lesson starts. It also spares a
learner the ~15 s pause of the first librosa call in a lesson.
"""

from __future__ import annotations

import time
import warnings

import numpy as np


def main() -> None:
    import librosa

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    sr = 16000
    t = np.arange(sr) / sr
    for dtype in (np.float32, np.float64):
        y = (0.5 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.standard_normal(sr)).astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            D = librosa.stft(y, n_fft=512, hop_length=160)
            librosa.istft(D, hop_length=160, length=len(y))
            librosa.magphase(D)
            S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=160, n_mels=40)
            mfcc = librosa.feature.mfcc(S=librosa.power_to_db(S), n_mfcc=13)
            librosa.feature.delta(mfcc)
            librosa.feature.chroma_stft(y=y, sr=sr, tuning=0.0)
            librosa.feature.rms(y=y)
            librosa.feature.zero_crossing_rate(y)
            librosa.zero_crossings(y)
            librosa.effects.trim(y)
            librosa.effects.time_stretch(y, rate=1.1)
            librosa.effects.pitch_shift(y, sr=sr, n_steps=2)
            librosa.yin(y, fmin=60, fmax=400, sr=sr)
            librosa.pyin(y[: sr // 2], fmin=60, fmax=400, sr=sr)
            librosa.piptrack(y=y, sr=sr)
            librosa.onset.onset_detect(y=y, sr=sr)
            librosa.beat.beat_track(y=y, sr=sr)
            librosa.util.localmax(mfcc, axis=-1)
            librosa.util.localmin(mfcc, axis=-1)
    print(f"librosa's compiled functions are cached ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
