"""audiolab.preprocess: trimming like librosa, exact lengths, denoising that works."""

from __future__ import annotations

import json

import librosa
import numpy as np
import pytest

from audiolab import preprocess
from audiolab.errors import AudioFileError, AudiolabError, ParameterError


def word_in_silence(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(8000) / 16000
    word = np.sin(2 * np.pi * 300 * t) * np.hanning(8000)
    return np.concatenate([np.zeros(5000), word, np.zeros(3000)]) + 1e-5 * rng.standard_normal(16000)


@pytest.mark.parametrize("top_db", [20, 40, 60])
@pytest.mark.parametrize("frame_length, hop_length", [(2048, 512), (400, 160)])
def test_trim_matches_librosa(top_db, frame_length, hop_length):
    y = word_in_silence(np.random.default_rng(0))
    ours, interval = preprocess.trim_silence(
        y, top_db=top_db, frame_length=frame_length, hop_length=hop_length
    )
    theirs, reference = librosa.effects.trim(
        y, top_db=top_db, frame_length=frame_length, hop_length=hop_length
    )
    assert interval == tuple(int(i) for i in reference)
    np.testing.assert_array_equal(ours, theirs)


def test_trim_of_silence_is_empty():
    trimmed, interval = preprocess.trim_silence(np.zeros(1000))
    assert trimmed.size == 0 and interval == (0, 0)


def test_trim_on_real_speech(fsdd):
    from audiolab import io

    y, _ = io.load(fsdd / "recordings" / "3_theo_0.wav", sr=8000)
    padded = np.concatenate([np.zeros(4000, np.float32), y, np.zeros(4000, np.float32)])
    trimmed, (start, end) = preprocess.trim_silence(padded, top_db=30, frame_length=256, hop_length=64)
    assert 3000 <= start <= 4200 and len(padded) - 4200 <= end <= len(padded) - 3000


def test_normalize_peak_and_rms():
    y = np.array([0.1, -0.4, 0.2], dtype=np.float32)
    assert np.abs(preprocess.normalize(y)).max() == pytest.approx(1.0)
    assert np.abs(preprocess.normalize(y, target=0.5)).max() == pytest.approx(0.5)
    rms = preprocess.normalize(y, kind="rms", target=0.2)
    assert np.sqrt(np.mean(rms.astype(np.float64) ** 2)) == pytest.approx(0.2, rel=1e-6)
    np.testing.assert_array_equal(preprocess.normalize(np.zeros(4)), np.zeros(4))
    with pytest.raises(ParameterError, match="kind must be one of"):
        preprocess.normalize(y, kind="loudness")
    with pytest.raises(ParameterError, match="target must be positive"):
        preprocess.normalize(y, target=0)


def test_pad_or_crop_modes():
    y = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(preprocess.pad_or_crop(y, 9), [0, 0, 1, 2, 3, 4, 5, 0, 0])
    np.testing.assert_array_equal(preprocess.pad_or_crop(y, 8, mode="start"), [1, 2, 3, 4, 5, 0, 0, 0])
    np.testing.assert_array_equal(preprocess.pad_or_crop(y, 3), [2, 3, 4])
    np.testing.assert_array_equal(preprocess.pad_or_crop(y, 3, mode="start"), [1, 2, 3])
    np.testing.assert_array_equal(preprocess.pad_or_crop(y, 5), y)
    seen = {tuple(preprocess.pad_or_crop(y, 3, mode="random", rng=seed)) for seed in range(30)}
    assert seen == {(1, 2, 3), (2, 3, 4), (3, 4, 5)}
    a = preprocess.pad_or_crop(y, 12, mode="random", rng=7)
    b = preprocess.pad_or_crop(y, 12, mode="random", rng=7)
    np.testing.assert_array_equal(a, b)
    assert a.sum() == y.sum() and len(a) == 12
    with pytest.raises(ParameterError, match="length must be a positive integer"):
        preprocess.pad_or_crop(y, 0)
    with pytest.raises(ParameterError, match="mode must be one of"):
        preprocess.pad_or_crop(y, 3, mode="middle")


def test_spectral_gate_reduces_noise_and_keeps_the_signal():
    rng = np.random.default_rng(0)
    t = np.arange(32000) / 16000
    clean = np.where((t > 0.5) & (t < 1.5), 0.5 * np.sin(2 * np.pi * 440 * t), 0.0)
    noise = 0.05 * rng.standard_normal(len(t))
    noisy = clean + noise
    for kwargs in ({}, {"noise_clip": 0.05 * rng.standard_normal(16000)}):
        denoised = preprocess.spectral_gate(noisy, 16000, **kwargs)
        assert denoised.shape == noisy.shape and denoised.dtype == np.float32
        error_before = np.mean((noisy - clean) ** 2)
        error_after = np.mean((denoised - clean) ** 2)
        assert error_after < error_before / 4
        # The tone survives: its level changes by less than 1 dB.
        middle = slice(12000, 20000)
        ratio = np.std(denoised[middle]) / np.std(clean[middle])
        assert abs(20 * np.log10(ratio)) < 1.0


def test_spectral_gate_zero_decrease_is_identity():
    y = np.random.default_rng(1).standard_normal(8000).astype(np.float32) * 0.1
    np.testing.assert_allclose(preprocess.spectral_gate(y, 16000, prop_decrease=0.0), y, atol=1e-5)


def test_spectral_gate_bad_parameters():
    y = np.zeros(4000)
    with pytest.raises(ParameterError, match="prop_decrease must be between 0 and 1"):
        preprocess.spectral_gate(y, 16000, prop_decrease=2)
    with pytest.raises(ParameterError, match="noise_clip has 100 samples"):
        preprocess.spectral_gate(y, 16000, noise_clip=np.zeros(100))
    with pytest.raises(ParameterError, match="fewer than n_fft"):
        preprocess.spectral_gate(np.zeros(100), 16000)


def test_standardizer_fits_on_training_data_only():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=np.linspace(-5, 5, 40)[None, :, None], scale=3.0, size=(200, 40, 30))
    train, test = X[:150], X[150:] + 1.0  # the test split is shifted
    scaler = preprocess.Standardizer(axis=1).fit(train)
    assert scaler.mean_.shape == (40, 1)
    Z = scaler.transform(train)
    np.testing.assert_allclose(Z.mean(axis=(0, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(Z.std(axis=(0, 2)), 1, atol=1e-3)
    # Statistics from training only: the shift of the test split stays visible.
    assert scaler.transform(test).mean() == pytest.approx(1 / 3, abs=0.05)
    np.testing.assert_allclose(scaler.inverse_transform(Z), train, atol=1e-4)


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_standardizer_save_load(tmp_path, suffix):
    X = np.random.default_rng(0).normal(size=(20, 5, 7)).astype(np.float32)
    scaler = preprocess.Standardizer(axis=(1, 2)).fit(X)
    path = scaler.save(tmp_path / f"scaler{suffix}")
    again = preprocess.Standardizer.load(path)
    np.testing.assert_allclose(again.transform(X), scaler.transform(X), atol=1e-6)
    if suffix == ".json":
        assert json.loads(path.read_text())["axis"] == [1, 2]


def test_standardizer_errors(tmp_path):
    scaler = preprocess.Standardizer(axis=1)
    with pytest.raises(AudiolabError, match="not fitted yet"):
        scaler.transform(np.zeros((2, 3)))
    with pytest.raises(ParameterError, match="axis=0 is not a feature axis"):
        preprocess.Standardizer(axis=0).fit(np.zeros((4, 3)))
    scaler.fit(np.random.default_rng(0).normal(size=(10, 3, 4)))
    with pytest.raises(ParameterError, match=r"shape \(5, 4\)"):
        scaler.transform(np.zeros((2, 5, 4)))
    with pytest.raises(ParameterError, match="floating-point"):
        scaler.transform(np.zeros((2, 3, 4), dtype=int))
    with pytest.raises(ParameterError, match=r"path's ending must be one of"):
        scaler.save(tmp_path / "scaler.pkl")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(AudiolabError, match="not a saved Standardizer"):
        preprocess.Standardizer.load(tmp_path / "bad.json")
    with pytest.raises(AudioFileError, match="no such file"):
        preprocess.Standardizer.load(tmp_path / "none.npz")


def test_cmvn_matches_scikit_learn_and_normalises_each_clip():
    from sklearn.preprocessing import scale

    rng = np.random.default_rng(0)
    batch = rng.normal(loc=5.0, scale=3.0, size=(4, 13, 50))
    Z = preprocess.cmvn(batch)
    assert Z.dtype == np.float32 and Z.shape == batch.shape
    np.testing.assert_allclose(Z.mean(axis=-1), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=-1), 1, atol=1e-5)
    for clip, z in zip(batch, Z, strict=True):  # each clip by its own statistics only
        np.testing.assert_allclose(z, scale(clip.T).T, atol=1e-5)
        np.testing.assert_allclose(z, preprocess.cmvn(clip), atol=1e-6)
    # Frames along another axis, and the mean alone.
    np.testing.assert_allclose(preprocess.cmvn(batch[0].T, axis=0), Z[0].T, atol=1e-6)
    centred = preprocess.cmvn(batch, variance=False)
    np.testing.assert_allclose(centred, batch - batch.mean(axis=-1, keepdims=True), atol=1e-5)
    # A constant feature becomes 0, not NaN.
    assert np.all(preprocess.cmvn(np.ones((3, 10))) == 0)


def test_cmvn_removes_a_fixed_channel():
    from scipy import signal
    from signals import speechlike

    from audiolab import features

    y = speechlike()
    # A fixed channel: a gentle high-pass, the same filter in every frame.
    channel = signal.lfilter([1.0, -0.9], [1.0], y).astype(np.float32)
    a, b = (features.mfcc(y=clip, sr=16000, n_mfcc=13, hop_length=160) for clip in (y, channel))
    # Exactly: an offset per coefficient is removed by the mean, a scale by the variance.
    offset, gain = np.linspace(-20, 20, 13)[:, None], np.linspace(0.5, 2, 13)[:, None]
    np.testing.assert_allclose(preprocess.cmvn(a + offset, variance=False),
                               preprocess.cmvn(a, variance=False), atol=1e-4)
    np.testing.assert_allclose(preprocess.cmvn(gain * a + offset), preprocess.cmvn(a), atol=1e-4)
    # The real filter: most of the difference in the cepstrum was a constant per coefficient.
    before = np.abs(b - a).mean()
    after = np.abs(preprocess.cmvn(b, variance=False) - preprocess.cmvn(a, variance=False)).mean()
    assert after < before / 4


def test_cmvn_refuses_bad_input_by_name():
    with pytest.raises(ParameterError, match="features must be a floating-point"):
        preprocess.cmvn(np.zeros((3, 4), dtype=int))
    with pytest.raises(ParameterError, match="features must be a floating-point"):
        preprocess.cmvn([[1.0, 2.0]])
    with pytest.raises(ParameterError, match="features must have a time axis"):
        preprocess.cmvn(np.ones(()))
    with pytest.raises(ParameterError, match="features has no frames"):
        preprocess.cmvn(np.zeros((13, 0)))
    with pytest.raises(ParameterError, match="NaN or infinite"):
        preprocess.cmvn(np.array([[1.0, np.nan]]))
    with pytest.raises(ParameterError, match=r"axis=2 is not an axis"):
        preprocess.cmvn(np.zeros((13, 5)), axis=2)
    with pytest.raises(ParameterError, match="axis must be an integer"):
        preprocess.cmvn(np.zeros((13, 5)), axis=None)
    with pytest.raises(ParameterError, match="variance must be True or False"):
        preprocess.cmvn(np.zeros((13, 5)), variance="yes")
    with pytest.raises(ParameterError, match="eps must be positive"):
        preprocess.cmvn(np.zeros((13, 5)), eps=0)
