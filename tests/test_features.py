"""Tests of audiolab.features: known answers, librosa as reference, bad input."""

from __future__ import annotations

import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest
from signals import noise, speechlike, tone

from audiolab import features as F
from audiolab.errors import AudiolabWarning, ParameterError

librosa = pytest.importorskip("librosa")


# ---------------------------------------------------------------------------
# Signals and helpers
# ---------------------------------------------------------------------------


def assert_close_to_max(ours, ref, rel):
    """Agreement relative to the reference's largest magnitude."""
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=rel, atol=rel * np.abs(ref).max())


@pytest.fixture(scope="module")
def fsdd_clips(fsdd):
    import soundfile as sf

    recordings = fsdd / "recordings"
    files = [recordings / f"{digit}_{speaker}_{take}.wav" for digit, speaker, take in
             [(0, "george", 0), (3, "jackson", 5), (7, "lucas", 12), (9, "nicolas", 40),
              (5, "theo", 8), (2, "yweweler", 20)]]  # fmt: skip
    clips = []
    for path in files:
        if not path.exists():
            path = sorted(recordings.glob("*.wav"))[len(clips)]
        y, sr = sf.read(path, dtype="float32")
        assert sr == 8000
        clips.append(y)
    return clips


# ---------------------------------------------------------------------------
# Module-level properties
# ---------------------------------------------------------------------------


def test_import_is_light():
    code = (
        "import sys, audiolab.features; "
        "print(any(m in sys.modules for m in ('librosa', 'matplotlib', 'tensorflow')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_public_functions_are_documented():
    for name in F.__all__:
        obj = getattr(F, name)
        if not callable(obj):
            continue
        doc = inspect.getdoc(obj)
        for section in ("Parameters", "Returns", "Raises", "See Also", "Examples"):
            assert section in doc, (name, section)
        assert "Taught in lesson 0" in doc, name


def test_speech_defaults_are_extract_batch_defaults():
    params = inspect.signature(F.extract_batch).parameters
    for key, value in F.SPEECH_DEFAULTS.items():
        if key != "sr":
            assert params[key].default == value, key
    with pytest.raises(TypeError):
        F.SPEECH_DEFAULTS["n_fft"] = 1024  # read-only


def test_librosa_defaults():
    for func, ref in [(F.stft, librosa.stft), (F.mel_spectrogram, librosa.feature.melspectrogram),
                      (F.mfcc, librosa.feature.mfcc), (F.power_to_db, librosa.power_to_db),
                      (F.amplitude_to_db, librosa.amplitude_to_db), (F.db_to_power, librosa.db_to_power),
                      (F.mel_filterbank, librosa.filters.mel), (F.deltas, librosa.feature.delta),
                      (F.mel_frequencies, librosa.mel_frequencies), (F.hz_to_mel, librosa.hz_to_mel),
                      (F.chroma_filterbank, librosa.filters.chroma)]:  # fmt: skip
        ours = inspect.signature(func).parameters
        theirs = inspect.signature(ref).parameters
        for name, p in ours.items():
            if name in theirs and name not in ("sr", "y", "S", "data"):
                assert p.default == theirs[name].default, (func.__name__, name)
                assert p.kind == theirs[name].kind, (func.__name__, name)
    chroma_defaults = inspect.signature(F.chroma).parameters
    for name, p in inspect.signature(librosa.feature.chroma_stft).parameters.items():
        if name not in ("sr", "tuning", "kwargs"):
            assert chroma_defaults[name].default == p.default, name
    assert chroma_defaults["tuning"].default == 0.0  # librosa estimates it (None)


# ---------------------------------------------------------------------------
# STFT
# ---------------------------------------------------------------------------


def test_stft_sine_on_a_bin_has_known_magnitude():
    sr, n_fft, k = 16000, 512, 32  # 1 kHz is exactly bin 32
    D = F.stft(tone(k * sr / n_fft, sr=sr, n=sr, amplitude=1.0), n_fft=n_fft, hop_length=128)
    interior = np.abs(D[:, 4:-4])
    # A unit sine at bin k: |X_k| = sum(window) / 2 = n_fft / 4 for a periodic Hann;
    # the Hann window leaks half of that into each neighbour and nothing further.
    np.testing.assert_allclose(interior[k], n_fft / 4, rtol=1e-4)
    np.testing.assert_allclose(interior[[k - 1, k + 1]], n_fft / 8, rtol=1e-3)
    others = np.delete(interior, [k - 1, k, k + 1], axis=0)
    assert others.max() < 1e-3 * n_fft


def test_stft_parseval_per_frame():
    y = noise(4096).astype(np.float64)
    n_fft = 256
    D = F.stft(y, n_fft=n_fft, hop_length=256, center=False).astype(np.complex128)
    frames = y[: 16 * 256].reshape(16, 256) * np.hanning(n_fft + 1)[:-1]
    energy_time = np.sum(frames**2, axis=1)
    weights = np.full(1 + n_fft // 2, 2.0)
    weights[[0, -1]] = 1.0  # DC and Nyquist appear once in the full spectrum
    energy_freq = (weights[:, None] * np.abs(D) ** 2).sum(axis=0) / n_fft
    np.testing.assert_allclose(energy_freq, energy_time, rtol=1e-5)


@pytest.mark.parametrize(
    ("n", "n_fft", "hop", "center", "n_frames"),
    [
        (16000, 512, 160, True, 101),
        (16000, 512, 160, False, 97),
        (1000, 2048, 512, True, 2),
    ],
)
def test_stft_shape(n, n_fft, hop, center, n_frames):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AudiolabWarning)
        D = F.stft(noise(n), n_fft=n_fft, hop_length=hop, center=center)
    assert D.shape == (1 + n_fft // 2, n_frames)
    assert D.dtype == np.complex64


STFT_CASES = [
    {},
    {"n_fft": 512, "hop_length": 160, "win_length": 400},
    {"n_fft": 1024, "hop_length": 333, "center": False},
    {"n_fft": 511, "window": "hamming", "pad_mode": "reflect"},
    {"n_fft": 256, "win_length": 200, "window": ("kaiser", 8.0), "pad_mode": "edge"},
]


@pytest.mark.parametrize("kwargs", STFT_CASES)
def test_stft_matches_librosa(kwargs):
    y = noise()
    assert_close_to_max(F.stft(y, **kwargs), librosa.stft(y, **kwargs), 1e-5)


def test_stft_float64_and_window_array():
    y = noise(5000).astype(np.float64)
    window = np.hamming(300)
    ours = F.stft(y, n_fft=512, win_length=300, window=window)
    ref = librosa.stft(y, n_fft=512, win_length=300, window=window)
    assert ours.dtype == np.complex64
    assert_close_to_max(ours, ref, 1e-5)


def test_stft_leading_dimensions():
    ys = np.stack([noise(3000, seed) for seed in range(6)]).reshape(2, 3, 3000)
    D = F.stft(ys, n_fft=256, hop_length=64)
    assert D.shape == (2, 3, 129, 1 + 3000 // 64)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(
                D[i, j], F.stft(ys[i, j], n_fft=256, hop_length=64)
            )


def test_stft_long_signal_in_blocks():
    y = noise(200_000)  # more frames than one block
    assert_close_to_max(
        F.stft(y, n_fft=2048, hop_length=128),
        librosa.stft(y, n_fft=2048, hop_length=128),
        1e-5,
    )


def test_stft_warns_when_signal_shorter_than_n_fft():
    with pytest.warns(AudiolabWarning, match="n_fft=2048 is longer"):
        F.stft(noise(1000))


# ---------------------------------------------------------------------------
# Decibels
# ---------------------------------------------------------------------------


def test_power_to_db_known_values():
    S = np.array([1.0, 10.0, 100.0, 1e-3, 0.0])
    np.testing.assert_allclose(F.power_to_db(S, top_db=None), [0, 10, 20, -30, -100])
    np.testing.assert_allclose(
        F.power_to_db(S), [0, 10, 20, -30, -60]
    )  # top_db=80 below 20 dB
    np.testing.assert_allclose(
        F.power_to_db(S, ref=np.max, top_db=None)[:3], [-20, -10, 0]
    )
    np.testing.assert_allclose(
        F.power_to_db(S, ref=10.0, amin=1e-3, top_db=None), [-10, 0, 10, -40, -40]
    )
    assert F.power_to_db(S.astype(np.float32)).dtype == np.float32


def test_db_round_trips_and_amplitude():
    S = np.random.default_rng(0).uniform(0.01, 5, size=(20, 30))
    np.testing.assert_allclose(
        F.db_to_power(F.power_to_db(S, top_db=None)), S, rtol=1e-12
    )
    np.testing.assert_allclose(
        F.db_to_amplitude(F.amplitude_to_db(S, top_db=None)), S, rtol=1e-12
    )
    np.testing.assert_allclose(
        F.amplitude_to_db(S, top_db=None), 2 * F.power_to_db(S, top_db=None)
    )
    np.testing.assert_allclose(F.db_to_power(np.array([3.0]), ref=2.0), 2 * 10**0.3)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"ref": np.max}, {"ref": 0.5, "amin": 1e-6, "top_db": 40.0}, {"top_db": None}],
)
def test_db_match_librosa(kwargs):
    S = np.abs(librosa.stft(noise(4000), n_fft=256)) ** 2
    amin = kwargs.get("amin", 1e-10)
    np.testing.assert_allclose(
        F.power_to_db(S, **kwargs), librosa.power_to_db(S, **kwargs), atol=1e-4
    )
    amp_kwargs = dict(kwargs, amin=np.sqrt(amin)) if "amin" in kwargs else kwargs
    np.testing.assert_allclose(
        F.amplitude_to_db(np.sqrt(S), **amp_kwargs),
        librosa.amplitude_to_db(np.sqrt(S), **amp_kwargs),
        atol=1e-4,
    )
    dB = librosa.power_to_db(S)
    np.testing.assert_allclose(F.db_to_power(dB), librosa.db_to_power(dB), rtol=1e-6)


# ---------------------------------------------------------------------------
# Mel scale and filterbank
# ---------------------------------------------------------------------------


def test_mel_scale_known_values_and_inverse():
    assert F.hz_to_mel(1000.0) == pytest.approx(15.0)
    assert F.hz_to_mel(200.0) == pytest.approx(3.0)
    assert F.hz_to_mel(6400.0) == pytest.approx(15.0 + 27.0)  # 27 mels per factor 6.4
    assert F.hz_to_mel(1000.0, htk=True) == pytest.approx(1000.0, abs=0.02)
    assert isinstance(F.hz_to_mel(440.0), float)
    f = np.array([0.0, 50.0, 999.0, 1000.0, 1001.0, 4000.0, 11025.0])
    for htk in (False, True):
        np.testing.assert_allclose(
            F.mel_to_hz(F.hz_to_mel(f, htk=htk), htk=htk), f, atol=1e-9
        )
        np.testing.assert_allclose(
            F.hz_to_mel(f, htk=htk), librosa.hz_to_mel(f, htk=htk), rtol=1e-12
        )
        m = np.linspace(0, 40, 9)
        np.testing.assert_allclose(
            F.mel_to_hz(m, htk=htk), librosa.mel_to_hz(m, htk=htk), rtol=1e-12
        )


def test_mel_and_fft_frequencies_match_librosa():
    np.testing.assert_allclose(
        F.mel_frequencies(), librosa.mel_frequencies(), rtol=1e-12
    )
    np.testing.assert_allclose(
        F.mel_frequencies(40, fmin=20.0, fmax=8000.0, htk=True),
        librosa.mel_frequencies(40, fmin=20.0, fmax=8000.0, htk=True),
        rtol=1e-12,
    )
    np.testing.assert_array_equal(
        F.fft_frequencies(sr=8000, n_fft=255),
        librosa.fft_frequencies(sr=8000, n_fft=255),
    )


MEL_CASES = [
    {"sr": 22050, "n_fft": 2048},
    {"sr": 16000, "n_fft": 512, "n_mels": 40, "fmin": 20.0},
    {"sr": 8000, "n_fft": 256, "n_mels": 32, "htk": True, "norm": None},
    {
        "sr": 16000,
        "n_fft": 1024,
        "n_mels": 64,
        "fmin": 100.0,
        "fmax": 7000.0,
        "norm": 2.0,
    },
    {"sr": 16000, "n_fft": 400, "n_mels": 20, "norm": np.inf},
]


@pytest.mark.parametrize("kwargs", MEL_CASES)
def test_mel_filterbank_matches_librosa(kwargs):
    ours = F.mel_filterbank(**kwargs)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(
        ours, librosa.filters.mel(**kwargs), rtol=1e-6, atol=1e-9
    )


def test_mel_filterbank_shape_and_sums():
    sr, n_fft = 16000, 2048
    M = F.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=40)
    assert M.shape == (40, 1 + n_fft // 2)
    assert (M >= 0).all()
    # Slaney norm: each triangle has unit area in Hz.
    np.testing.assert_allclose(M.sum(axis=1) * sr / n_fft, 1.0, atol=0.01)
    # Without norm, neighbouring triangles add up to 1 between the first and last peak.
    M1 = F.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=40, norm=None)
    assert M1.max() <= 1.0
    edges = F.mel_frequencies(42, fmin=0.0, fmax=sr / 2)
    freqs = F.fft_frequencies(sr=sr, n_fft=n_fft)
    inside = (freqs >= edges[1]) & (freqs <= edges[-2])
    np.testing.assert_allclose(M1[:, inside].sum(axis=0), 1.0, atol=1e-6)
    # Peaks rise with the band index.
    assert (np.diff(M1.argmax(axis=1)) > 0).all()


def test_mel_filterbank_warns_on_empty_filters():
    with pytest.warns(AudiolabWarning, match="mel filters are empty"):
        F.mel_filterbank(sr=8000, n_fft=128, n_mels=128)


# ---------------------------------------------------------------------------
# Mel spectrogram, MFCC, deltas
# ---------------------------------------------------------------------------

SPEC_CASES = [
    (22050, {}),
    (
        16000,
        {
            "n_fft": 512,
            "hop_length": 160,
            "win_length": 400,
            "n_mels": 40,
            "fmin": 20.0,
        },
    ),
    (
        8000,
        {"n_fft": 256, "hop_length": 80, "n_mels": 32, "htk": True, "center": False},
    ),
    (16000, {"n_fft": 1024, "n_mels": 64, "power": 1.0, "fmax": 6000.0}),
]


@pytest.mark.parametrize(("sr", "kwargs"), SPEC_CASES)
def test_mel_spectrogram_matches_librosa(sr, kwargs):
    y = speechlike(sr, sr=sr)
    ours = F.mel_spectrogram(y=y, sr=sr, **kwargs)
    assert ours.dtype == np.float32
    assert_close_to_max(
        ours, librosa.feature.melspectrogram(y=y, sr=sr, **kwargs), 1e-4
    )


def test_mel_spectrogram_norm_none_and_from_S():
    y = speechlike(8000, sr=16000)
    kwargs = {"n_fft": 512, "hop_length": 128, "n_mels": 40, "norm": None}
    ours = F.mel_spectrogram(y=y, sr=16000, **kwargs)
    assert_close_to_max(
        ours, librosa.feature.melspectrogram(y=y, sr=16000, **kwargs), 1e-4
    )
    S = np.abs(F.stft(y, n_fft=512, hop_length=128)) ** 2
    assert_close_to_max(
        F.mel_spectrogram(S=S, sr=16000, n_mels=40, norm=None), ours, 1e-6
    )


@pytest.mark.parametrize(
    ("sr", "kwargs"),
    SPEC_CASES
    + [
        (16000, {"n_mfcc": 13, "n_mels": 40, "lifter": 22, "n_fft": 512}),
        (22050, {"dct_type": 3, "norm": None, "n_mfcc": 30}),
        (16000, {"mel_norm": None, "n_fft": 512, "n_mels": 40, "n_mfcc": 40}),
    ],
)
def test_mfcc_matches_librosa(sr, kwargs):
    y = speechlike(sr, sr=sr)
    ours = F.mfcc(y=y, sr=sr, **kwargs)
    ref = librosa.feature.mfcc(y=y, sr=sr, **kwargs)
    assert ours.shape == ref.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-3)


def test_mfcc_from_S_and_known_dc():
    y = speechlike(16000, sr=16000)
    log_mel = F.power_to_db(F.mel_spectrogram(y=y, sr=16000, n_mels=40))
    M = F.mfcc(S=log_mel, n_mfcc=13)
    np.testing.assert_allclose(
        M, F.mfcc(y=y, sr=16000, n_mels=40, n_mfcc=13), atol=1e-5
    )
    # With the orthonormal DCT-II, c0 is sum(log_mel) / sqrt(n_mels).
    np.testing.assert_allclose(M[0], log_mel.sum(axis=0) / np.sqrt(40), rtol=1e-5)
    constant = np.full((40, 5), -20.0)
    np.testing.assert_allclose(F.mfcc(S=constant)[1:], 0.0, atol=1e-9)


def test_deltas_of_ramps():
    t = np.arange(30.0)
    np.testing.assert_allclose(F.deltas(0.5 * t), 0.5, atol=1e-12)
    np.testing.assert_allclose(F.deltas(3.0 * t**2, order=2, width=5), 6.0, atol=1e-9)
    features = np.stack([t, -2 * t, np.full_like(t, 7.0)])
    np.testing.assert_allclose(
        F.deltas(features, width=3), [[1.0] * 30, [-2.0] * 30, [0.0] * 30], atol=1e-12
    )
    np.testing.assert_allclose(
        F.deltas(features.T, axis=0), F.deltas(features).T, atol=1e-12
    )


@pytest.mark.parametrize(
    ("width", "order", "axis"), [(9, 1, -1), (5, 2, -1), (3, 1, 0), (7, 3, 1)]
)
def test_deltas_match_librosa(width, order, axis):
    data = F.mfcc(y=speechlike(8000, sr=16000), sr=16000, n_mfcc=13)
    np.testing.assert_allclose(
        F.deltas(data, width=width, order=order, axis=axis),
        librosa.feature.delta(data, width=width, order=order, axis=axis),
        rtol=1e-6,
        atol=1e-6,
    )


# ---------------------------------------------------------------------------
# Chroma
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "pitch_class"),
    [(440.0, 9), (261.63, 0), (392.0, 7), (880.0, 9), (311.13, 3)],
)
def test_chroma_of_a_tone_peaks_at_its_pitch_class(freq, pitch_class):
    sr = 16000
    C = F.chroma(y=tone(freq, sr=sr, n=sr, amplitude=1.0), sr=sr, n_fft=4096)
    assert C.shape == (12, 1 + sr // 512)
    assert (C[:, 3:-3].argmax(axis=0) == pitch_class).all()
    np.testing.assert_allclose(C.max(axis=0), 1.0)  # norm=inf


@pytest.mark.parametrize(
    ("sr", "kwargs"),
    [
        (22050, {}),
        (16000, {"n_fft": 1024, "hop_length": 256, "win_length": 800}),
        (8000, {"n_fft": 512, "norm": None, "center": False}),
        (16000, {"n_chroma": 24, "norm": 2.0}),
        (16000, {"tuning": 0.2}),
    ],
)
def test_chroma_matches_librosa(sr, kwargs):
    y = speechlike(sr, sr=sr)
    ours = F.chroma(y=y, sr=sr, **kwargs)
    ref = librosa.feature.chroma_stft(y=y, sr=sr, **{"tuning": 0.0, **kwargs})
    assert_close_to_max(ours, ref, 1e-4)


def test_chroma_filterbank_and_from_S():
    for kwargs in (
        {"sr": 16000, "n_fft": 2048},
        {"sr": 8000, "n_fft": 511, "n_chroma": 24, "tuning": -0.3},
    ):
        np.testing.assert_allclose(
            F.chroma_filterbank(**kwargs),
            librosa.filters.chroma(**kwargs),
            rtol=1e-6,
            atol=1e-9,
        )
    y = speechlike(8000, sr=16000)
    S = np.abs(F.stft(y)) ** 2
    assert_close_to_max(F.chroma(S=S, sr=16000), F.chroma(y=y, sr=16000), 1e-6)


def test_a_large_p_norm_approaches_the_maximum_without_overflow():
    y = speechlike(8000, sr=16000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in |x| ** p
        large = F.chroma(y=y, sr=16000, norm=1e6)
        M = F.mel_filterbank(sr=16000, n_fft=512, n_mels=40, norm=1e12)
    np.testing.assert_allclose(large, F.chroma(y=y, sr=16000, norm=np.inf), rtol=1e-5)
    np.testing.assert_allclose(M, F.mel_filterbank(sr=16000, n_fft=512, n_mels=40,
                                                   norm=np.inf), rtol=1e-5)


# ---------------------------------------------------------------------------
# Real speech (FSDD)
# ---------------------------------------------------------------------------


def test_fsdd_features_match_librosa(fsdd_clips):
    sr = 8000
    kwargs = {
        "n_fft": 256,
        "hop_length": 80,
        "win_length": 200,
        "n_mels": 40,
        "fmin": 20.0,
    }
    for y in fsdd_clips:
        assert_close_to_max(
            F.stft(y, n_fft=256, hop_length=80),
            librosa.stft(y, n_fft=256, hop_length=80),
            1e-5,
        )
        assert_close_to_max(
            F.mel_spectrogram(y=y, sr=sr, **kwargs),
            librosa.feature.melspectrogram(y=y, sr=sr, **kwargs),
            1e-4,
        )
        np.testing.assert_allclose(
            F.mfcc(y=y, sr=sr, n_mfcc=13, **kwargs),
            librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, **kwargs),
            atol=1e-3,
        )
        assert_close_to_max(
            F.chroma(y=y, sr=sr, n_fft=1024),
            librosa.feature.chroma_stft(y=y, sr=sr, n_fft=1024, tuning=0.0),
            1e-4,
        )


def test_fsdd_extract_batch(fsdd_clips):
    n = 8000
    ys = [np.pad(y[:n], (0, max(0, n - len(y)))) for y in fsdd_clips]
    kwargs = {
        "n_fft": 256,
        "hop_length": 80,
        "win_length": 200,
        "n_mels": 32,
        "fmin": 20.0,
    }
    batch = F.extract_batch(ys, 8000, kind="logmel", **kwargs)
    for i, y in enumerate(ys):
        ref = librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=8000, **kwargs)
        )
        np.testing.assert_allclose(batch[i], ref, atol=1e-3)


# ---------------------------------------------------------------------------
# extract_batch
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clips():
    rng = np.random.default_rng(0)
    ys = [speechlike(16000, sr=16000, seed=seed) * rng.uniform(0.01, 1) for seed in range(5)]
    ys.append(tone(440.0, sr=16000, n=16000, amplitude=0.5))
    ys.append(np.zeros(16000, dtype=np.float32))  # silence: everything at the floor
    return np.stack(ys)


SPEECH = {k: v for k, v in F.SPEECH_DEFAULTS.items() if k not in ("sr", "n_mfcc")}


def _per_clip(y, kind, **kw):
    stft_kw = {k: kw[k] for k in ("n_fft", "hop_length", "win_length") if k in kw}
    if kind == "stft":
        return np.abs(F.stft(y, **stft_kw))
    if kind == "power":
        return np.abs(F.stft(y, **stft_kw)) ** 2
    mel = F.mel_spectrogram(y=y, sr=16000, **kw)
    if kind == "mel":
        return mel
    if kind == "logmel":
        return F.power_to_db(mel)
    return F.mfcc(y=y, sr=16000, n_mfcc=13, **kw)


@pytest.mark.parametrize("kind", ["stft", "power", "mel", "logmel", "mfcc"])
def test_extract_batch_equals_per_clip(clips, kind):
    batch = F.extract_batch(clips, 16000, kind=kind, chunk_size=3)
    assert batch.dtype == np.float32
    n_features = {"stft": 257, "power": 257, "mfcc": 13}.get(kind, 40)
    assert batch.shape == (len(clips), n_features, 101)
    for i, y in enumerate(clips):
        ref = _per_clip(y, kind, **SPEECH)
        if kind in ("logmel", "mfcc"):
            np.testing.assert_allclose(batch[i], ref, atol=1e-4)
        else:
            assert_close_to_max(batch[i], ref, 1e-6)


def test_extract_batch_list_chunks_and_options(clips):
    default = F.extract_batch(clips, 16000)
    # Chunks change the shapes of the matrix products, and with them the order
    # of the additions of some BLAS kernels: float32 rounding, a few ulps of dB.
    np.testing.assert_allclose(
        F.extract_batch(list(clips), 16000, chunk_size=1), default, rtol=0, atol=1e-4
    )
    # logmel is relative to ref=1.0 per clip: a clip 10x quieter is 20 dB lower.
    loud = noise(16000)[np.newaxis]
    quieter = F.extract_batch(loud * 0.1, 16000, top_db=None)
    np.testing.assert_allclose(
        quieter, F.extract_batch(loud, 16000, top_db=None) - 20.0, atol=1e-3
    )
    kwargs = {"n_fft": 1024, "hop_length": 256, "win_length": None, "n_mels": 64, "fmin": 0.0, "htk": True,
              "center": False, "mel_norm": None, "lifter": 22, "n_mfcc": 20}  # fmt: skip
    batch = F.extract_batch(clips[:3], 22050, kind="mfcc", **kwargs)
    for i in range(3):
        ref = librosa.feature.mfcc(
            y=clips[i], sr=22050, n_mfcc=20, lifter=22, mel_norm=None, n_fft=1024, hop_length=256,
            n_mels=64, fmin=0.0, htk=True, center=False,
        )  # fmt: skip
        np.testing.assert_allclose(batch[i], ref, atol=1e-3)


def test_extract_batch_matches_librosa_with_course_defaults(clips):
    batch = F.extract_batch(clips, 16000, kind="logmel")
    for i, y in enumerate(clips):
        ref = librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=16000, **SPEECH)
        )
        np.testing.assert_allclose(batch[i], ref, atol=1e-3)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------

Y = noise(4000)
S_POWER = np.abs(F.stft(Y, n_fft=512)) ** 2

BAD_CALLS = [
    # stft
    (lambda: F.stft([0.0, 1.0]), "y must be a NumPy array"),
    (lambda: F.stft(np.arange(10)), "floating-point"),
    (lambda: F.stft(np.array([0.0, np.nan])), "NaN"),
    (lambda: F.stft(np.zeros(0)), "empty"),
    (lambda: F.stft(Y, n_fft=0), "n_fft must be a positive integer, got 0"),
    (lambda: F.stft(Y, n_fft=512.0), "n_fft must be a positive integer"),
    (lambda: F.stft(Y, hop_length=0), "hop_length must be a positive integer, got 0"),
    (lambda: F.stft(Y, hop_length=-3), "hop_length must be a positive integer, got -3"),
    (
        lambda: F.stft(Y, n_fft=256, win_length=400),
        "win_length=400 must not exceed n_fft=256",
    ),
    (
        lambda: F.stft(Y, n_fft=8, win_length=3),
        "hop_length defaults to win_length // 4",
    ),
    (lambda: F.stft(Y, window="hannn"), "window='hannn'"),
    (lambda: F.stft(Y, window=np.hanning(100)), "window must have win_length=2048"),
    (lambda: F.stft(Y, window=3), "window must be a name"),
    (lambda: F.stft(Y, pad_mode="wrap"), "pad_mode must be one of"),
    (lambda: F.stft(Y, center="yes"), "center must be True or False"),
    (lambda: F.stft(Y[:100], n_fft=512, center=False), "fewer than n_fft=512"),
    # decibels
    (lambda: F.power_to_db(np.ones(3), amin=0), "amin must be positive, got 0"),
    (
        lambda: F.power_to_db(np.ones(3), top_db=-1),
        "top_db must be zero or positive, got -1",
    ),
    (lambda: F.power_to_db(np.ones(3), ref=0), "ref must be positive, got 0"),
    (lambda: F.power_to_db(np.ones(3, dtype=complex)), "complex"),
    (lambda: F.power_to_db(np.array([1.0, np.inf])), "NaN or infinite"),
    (lambda: F.power_to_db(np.array([])), "empty"),
    (lambda: F.amplitude_to_db(np.ones(3), amin=-1.0), "amin must be positive"),
    (lambda: F.db_to_power(np.ones(3), ref=-2.0), "ref must be positive"),
    # mel scale and filterbank
    (lambda: F.hz_to_mel(-5.0), "frequencies must be finite and non-negative"),
    (lambda: F.mel_to_hz([1.0, np.nan]), "mels must be finite"),
    (lambda: F.hz_to_mel("a"), "frequencies must be real numbers"),
    (lambda: F.mel_frequencies(0), "n_mels must be a positive integer, got 0"),
    (
        lambda: F.mel_frequencies(10, fmin=500.0, fmax=100.0),
        "fmin=500.0 must be below fmax=100.0",
    ),
    (lambda: F.fft_frequencies(sr=0, n_fft=512), "sr must be positive, got 0"),
    (
        lambda: F.mel_filterbank(sr=16000, n_fft=512, fmax=9000),
        r"fmax=9000.0 is above the Nyquist frequency sr / 2 = 8000.0",
    ),
    (
        lambda: F.mel_filterbank(sr=16000, n_fft=512, fmin=4000, fmax=4000),
        "fmin=4000.0 must be below fmax=4000.0",
    ),
    (
        lambda: F.mel_filterbank(sr=16000, n_fft=512, fmin=-1),
        "fmin must be zero or positive, got -1",
    ),
    (
        lambda: F.mel_filterbank(sr=16000, n_fft=512, n_mels=0),
        "n_mels must be a positive integer, got 0",
    ),
    (
        lambda: F.mel_filterbank(sr=16000, n_fft=-1),
        "n_fft must be a positive integer, got -1",
    ),
    (
        lambda: F.mel_filterbank(sr=16000, n_fft=512, norm="htk"),
        'norm must be "slaney", None or a positive number',
    ),
    (
        lambda: F.mel_filterbank(sr=16000, n_fft=512, htk="no"),
        "htk must be True or False",
    ),
    # mel spectrogram
    (lambda: F.mel_spectrogram(), "give either y .* or S .*; got neither"),
    (lambda: F.mel_spectrogram(y=Y, S=S_POWER), "not both"),
    (lambda: F.mel_spectrogram(y=np.stack([Y, Y])), "mono"),
    (
        lambda: F.mel_spectrogram(S=S_POWER[0]),
        r"S must be two-dimensional .* got shape \(32,\)",
    ),
    (lambda: F.mel_spectrogram(S=S_POWER.astype(np.complex64)), "S must be real"),
    (lambda: F.mel_spectrogram(S=F.power_to_db(S_POWER)), "did you pass decibels"),
    (lambda: F.mel_spectrogram(S=S_POWER.tolist()), "S must be a NumPy array"),
    (lambda: F.mel_spectrogram(y=Y, power=0), "power must be positive, got 0"),
    (
        lambda: F.mel_spectrogram(y=Y, sr=8000, fmax=5000.0),
        "fmax=5000.0 is above the Nyquist",
    ),
    (
        lambda: F.mel_spectrogram(y=Y, n_fft=0),
        "n_fft must be a positive integer, got 0",
    ),
    (lambda: F.mel_spectrogram(y=Y, window="nope"), "window='nope'"),
    # mfcc
    (lambda: F.mfcc(), "got neither"),
    (lambda: F.mfcc(y=Y, n_mfcc=0), "n_mfcc must be a positive integer, got 0"),
    (lambda: F.mfcc(y=Y, n_mfcc=50, n_mels=40), "n_mfcc=50 must not exceed n_mels=40"),
    (
        lambda: F.mfcc(S=np.zeros((10, 4)), n_mfcc=20),
        r"must not exceed the number of mel bands in S \(10\)",
    ),
    (lambda: F.mfcc(y=Y, dct_type=4), "dct_type must be one of 1, 2, 3; got 4"),
    (lambda: F.mfcc(y=Y, norm="orthogonal"), "norm must be one of 'ortho', None"),
    (lambda: F.mfcc(y=Y, lifter=-1), "lifter must be zero or positive, got -1"),
    (lambda: F.mfcc(y=Y, n_ffts=512), "unknown setting.*n_ffts"),
    (lambda: F.mfcc(S=np.zeros((40, 4)), n_fft=512), "only apply when y is given"),
    (lambda: F.mfcc(y=Y, fmin=-20.0), "fmin must be zero or positive"),
    # deltas
    (
        lambda: F.deltas(np.zeros((3, 20)), width=4),
        "width must be an odd integer >= 3, got 4",
    ),
    (
        lambda: F.deltas(np.zeros((3, 20)), width=1),
        "width must be an odd integer >= 3, got 1",
    ),
    (
        lambda: F.deltas(np.zeros((3, 5)), width=9),
        r"width=9 must not exceed the number of frames along axis -1 \(5\)",
    ),
    (
        lambda: F.deltas(np.zeros((3, 20)), order=0),
        "order must be a positive integer, got 0",
    ),
    (
        lambda: F.deltas(np.zeros((3, 20)), width=3, order=3),
        "order=3 must be below width=3",
    ),
    (
        lambda: F.deltas(np.zeros((3, 20)), axis=2),
        r"axis=2 does not exist for data of shape \(3, 20\)",
    ),
    (lambda: F.deltas([1.0, 2.0, 3.0]), "data must be a NumPy array"),
    (lambda: F.deltas(np.full((3, 20), np.nan)), "NaN"),
    # chroma
    (lambda: F.chroma(), "got neither"),
    (lambda: F.chroma(y=Y, S=S_POWER), "not both"),
    (lambda: F.chroma(y=Y, n_chroma=0), "n_chroma must be a positive integer, got 0"),
    (lambda: F.chroma(y=Y, tuning=np.nan), "tuning must be a finite number"),
    (lambda: F.chroma(y=Y, norm="slaney"), "norm must be None or a positive number"),
    (lambda: F.chroma(y=Y, norm=-1), "norm must be None or a positive number"),
    (lambda: F.chroma(S=-S_POWER), "did you pass decibels"),
    (
        lambda: F.chroma(y=Y, hop_length=0),
        "hop_length must be a positive integer, got 0",
    ),
    (lambda: F.chroma_filterbank(sr=-1, n_fft=512), "sr must be positive, got -1"),
    # extract_batch
    (
        lambda: F.extract_batch(np.zeros((2, 16000), np.float32), 16000, kind="mfccs"),
        "kind must be one of",
    ),
    (
        lambda: F.extract_batch(np.zeros(16000, np.float32), 16000),
        r"got shape \(16000,\); for one clip",
    ),
    (
        lambda: F.extract_batch(np.zeros((0, 16000), np.float32), 16000),
        "ys holds no clips",
    ),
    (lambda: F.extract_batch([], 16000), "ys holds no clips"),
    (
        lambda: F.extract_batch(np.zeros((2, 16000), np.int16), 16000),
        "ys must hold floating-point",
    ),
    (
        lambda: F.extract_batch([Y, Y[:-1], Y], 16000),
        r"ys\[1\] has 3999 samples but ys\[0\] has 4000",
    ),
    (
        lambda: F.extract_batch([Y, Y.astype(int)], 16000),
        r"ys\[1\] must hold floating-point",
    ),
    (lambda: F.extract_batch([Y, np.stack([Y, Y])], 16000), r"ys\[1\] must be mono"),
    (
        lambda: F.extract_batch(np.stack([Y, Y, np.where(Y > 0.2, np.nan, Y)]), 16000),
        r"ys\[2\] contains NaN",
    ),
    (lambda: F.extract_batch("clips", 16000), "ys must be a 2-D array or a list"),
    (lambda: F.extract_batch([Y], 0), "sr must be positive, got 0"),
    (
        lambda: F.extract_batch([Y], 16000, n_fft=0),
        "n_fft must be a positive integer, got 0",
    ),
    (
        lambda: F.extract_batch([Y], 16000, win_length=600),
        "win_length=600 must not exceed n_fft=512",
    ),
    (
        lambda: F.extract_batch([Y], 16000, fmax=10000.0),
        "fmax=10000.0 is above the Nyquist",
    ),
    (
        lambda: F.extract_batch([Y], 16000, n_mels=0),
        "n_mels must be a positive integer, got 0",
    ),
    (
        lambda: F.extract_batch([Y], 16000, kind="mfcc", n_mfcc=41),
        "n_mfcc=41 must not exceed n_mels=40",
    ),
    (
        lambda: F.extract_batch([Y], 16000, chunk_size=0),
        "chunk_size must be a positive integer, got 0",
    ),
    (
        lambda: F.extract_batch([Y[:100]], 16000, center=False),
        "each clip has 100 samples, fewer than n_fft=512",
    ),
    (
        lambda: F.extract_batch([Y], 16000, top_db=-3),
        "top_db must be zero or positive, got -3",
    ),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS)
def test_bad_input_raises_parameter_error(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_parameter_error_is_a_value_error():
    with pytest.raises(ValueError):
        F.stft(Y, n_fft=0)
