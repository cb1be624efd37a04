"""audiolab.io: every format the course meets loads; every broken file is named."""

from __future__ import annotations

import os
import wave

import numpy as np
import pytest
import soundfile as sf

from audiolab import io
from audiolab.errors import AudioFileError, AudiolabError, ParameterError


def sine(sr: int = 16000, seconds: float = 0.5, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize(
    "subtype, tolerance",
    [("PCM_U8", 1 / 64), ("PCM_16", 1e-4), ("PCM_24", 1e-6), ("PCM_32", 1e-8), ("FLOAT", 1e-7)],
)
def test_wav_bit_depths_round_trip(tmp_path, subtype, tolerance):
    y = sine()
    path = tmp_path / f"{subtype}.wav"
    sf.write(path, y, 16000, subtype=subtype)
    loaded, sr = io.load(path, sr=None)
    assert sr == 16000
    assert loaded.dtype == np.float32
    np.testing.assert_allclose(loaded, y, atol=tolerance)


@pytest.mark.parametrize("extension", ["flac", "ogg"])
def test_flac_and_ogg(tmp_path, extension):
    y = sine()
    path = io.save(tmp_path / f"clip.{extension}", y, 16000)
    loaded, sr = io.load(path, sr=None)
    assert sr == 16000 and loaded.shape == y.shape
    # OGG Vorbis is lossy: compare loosely, by correlation.
    assert np.corrcoef(loaded, y)[0, 1] > 0.99


def test_stereo_is_mixed_down_or_kept(tmp_path):
    left, right = sine(freq=440), sine(freq=660)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 16000, subtype="FLOAT")
    mono, _ = io.load(path, sr=None)
    np.testing.assert_allclose(mono, (left + right) / 2, atol=1e-6)
    both, _ = io.load(path, sr=None, mono=False)
    assert both.shape == (2, len(left))
    np.testing.assert_allclose(both[1], right, atol=1e-6)


def test_resampling_48k_to_16k_keeps_the_tone(tmp_path):
    y = sine(sr=48000, seconds=1.0, freq=1000.0)
    path = io.save(tmp_path / "48k.wav", y, 48000, subtype="FLOAT")
    loaded, sr = io.load(path)  # default sr=16000
    assert sr == 16000 and len(loaded) == 16000
    spectrum = np.abs(np.fft.rfft(loaded))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins for a 1 s clip


def test_resample_function_matches_length_and_validates():
    y = sine(sr=8000, seconds=1.0)
    assert io.resample(y, orig_sr=8000, target_sr=16000).shape == (16000,)
    assert io.resample(y, orig_sr=8000, target_sr=8000) is not None
    with pytest.raises(ParameterError, match="target_sr"):
        io.resample(y, orig_sr=8000, target_sr=0)


def test_silent_and_one_sample_files_load(tmp_path):
    silent = io.save(tmp_path / "silent.wav", np.zeros(1600, np.float32), 16000)
    y, _ = io.load(silent)
    assert y.shape == (1600,) and not y.any()
    single = io.save(tmp_path / "one.wav", np.array([0.25], np.float32), 16000)
    y, sr = io.load(single, sr=None)
    assert y.shape == (1,) and sr == 16000
    assert y[0] == pytest.approx(0.25, abs=1e-4)


def test_offset_and_duration(tmp_path):
    y = np.linspace(-1, 1, 16000, dtype=np.float32)
    path = io.save(tmp_path / "ramp.wav", y, 16000, subtype="FLOAT")
    part, _ = io.load(path, sr=None, offset=0.25, duration=0.5)
    np.testing.assert_allclose(part, y[4000:12000])
    with pytest.raises(ParameterError, match="offset=2.0 s lies past the end"):
        io.load(path, offset=2.0)
    with pytest.raises(ParameterError, match="duration"):
        io.load(path, duration=0)
    with pytest.raises(ParameterError, match="offset"):
        io.load(path, offset=-1)


def test_info_reads_the_header(tmp_path):
    path = tmp_path / "info.wav"
    sf.write(path, np.zeros((8000, 2), np.float32), 8000, subtype="PCM_24")
    meta = io.info(path)
    assert (meta.sr, meta.channels, meta.frames) == (8000, 2, 8000)
    assert meta.duration == pytest.approx(1.0)
    assert (meta.format, meta.subtype) == ("WAV", "PCM_24")


def test_real_fsdd_recording(fsdd):
    path = fsdd / "recordings" / "7_jackson_32.wav"
    y, sr = io.load(path)
    native, native_sr = io.load(path, sr=None)
    assert native_sr == 8000 and sr == 16000
    assert abs(len(y) - 2 * len(native)) <= 1
    assert 0.05 < np.abs(y).max() <= 1.0


# --- bad input: each names the file and says what is wrong ---------------------------


def test_missing_file(tmp_path):
    with pytest.raises(AudioFileError, match=r"nothere\.wav: no such file"):
        io.load(tmp_path / "nothere.wav")


def test_directory(tmp_path):
    with pytest.raises(AudioFileError, match="is a folder"):
        io.load(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioFileError, match=r"empty\.wav: the file is empty"):
        io.load(path)


def test_not_audio(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my notes, not a recording\n" * 20)
    with pytest.raises(AudioFileError, match=r"notes\.wav: not a readable audio file"):
        io.load(path)
    with pytest.raises(AudioFileError, match=r"notes\.wav: not an audio file"):
        io.info(path)


def test_truncated_file(tmp_path):
    path = io.save(tmp_path / "cut.wav", sine(), 16000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioFileError, match=r"cut\.wav: the file is truncated"):
        io.load(path)
    with pytest.raises(AudioFileError, match=r"cut\.wav: the file is truncated"):
        io.info(path)


def test_header_only_truncation(tmp_path):
    path = io.save(tmp_path / "stub.wav", sine(), 16000)
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(AudioFileError, match=r"stub\.wav"):
        io.load(path)


def test_zero_samples(tmp_path):
    path = tmp_path / "nothing.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16000)
    with pytest.raises(AudioFileError, match=r"nothing\.wav: the file holds no samples"):
        io.load(path)


def test_nan_samples(tmp_path):
    y = sine()
    y[100] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, y, 16000, subtype="FLOAT")
    with pytest.raises(AudioFileError, match=r"nan\.wav: the file contains NaN"):
        io.load(path)


def test_errors_are_one_family(tmp_path):
    with pytest.raises(AudiolabError):
        io.load(tmp_path / "missing.wav")
    assert issubclass(ParameterError, ValueError)


@pytest.mark.parametrize(
    "kwargs, match", [({"sr": 0}, "sr must be a positive integer"), ({"sr": 16000.5}, "sr")]
)
def test_bad_parameters(tmp_path, kwargs, match):
    path = io.save(tmp_path / "ok.wav", sine(), 16000)
    with pytest.raises(ParameterError, match=match):
        io.load(path, **kwargs)


# --- save -----------------------------------------------------------------------------


def test_save_is_atomic_and_leaves_nothing_on_failure(tmp_path, monkeypatch):
    path = io.save(tmp_path / "keep.wav", sine(), 16000)
    before = path.read_bytes()

    def broken_write(*args, **kwargs):
        with open(args[0], "wb") as handle:
            handle.write(b"RIFF half")
        raise OSError("disk full")

    monkeypatch.setattr(io.sf, "write", broken_write)
    with pytest.raises(AudioFileError, match="disk full"):
        io.save(path, np.zeros(100, np.float32), 16000)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.wav"]


def test_save_refuses_clipping_and_bad_input(tmp_path):
    with pytest.raises(ParameterError, match="peaks at 2.000"):
        io.save(tmp_path / "loud.wav", np.full(10, 2.0, np.float32), 16000)
    io.save(tmp_path / "loud.wav", np.full(10, 2.0, np.float32), 16000, subtype="FLOAT")
    with pytest.raises(ParameterError, match="cannot tell the format"):
        io.save(tmp_path / "clip.xyz", sine(), 16000)
    with pytest.raises(ParameterError, match="floating-point"):
        io.save(tmp_path / "int.wav", np.zeros(10, np.int16), 16000)
    with pytest.raises(ParameterError, match="NaN"):
        io.save(tmp_path / "nan.wav", np.full(10, np.nan, np.float32), 16000)
    with pytest.raises(AudioFileError, match="does not exist"):
        io.save(tmp_path / "no" / "such" / "folder.wav", sine(), 16000)


@pytest.mark.parametrize("subtype, bits, read_as", [("PCM_16", 16, "int16"), ("PCM_24", 24, "int32"),
                                                    ("PCM_U8", 8, "int16")])
def test_save_rounds_to_the_nearest_level(tmp_path, subtype, bits, read_as):
    # Lesson 01 promises at most half a step of error: libsndfile alone truncates
    # (every sample up to a step low, half a step on average).
    y = np.random.default_rng(0).uniform(-1, 1, 20000)
    y[:3] = (1.0, -1.0, 0.5 / 2 ** (bits - 1))
    path = io.save(tmp_path / "q.wav", y, 16000, subtype=subtype)
    stored, _ = sf.read(path, dtype=read_as)
    step = 2.0 ** (bits - 1)
    levels = stored.astype(np.float64) / 2.0 ** (8 * np.dtype(read_as).itemsize - bits)
    error = levels - y * step
    inside = y * step <= step - 1  # above the highest level a sample clips
    assert np.abs(error[inside]).max() <= 0.5 + 1e-9
    assert abs(error.mean()) < 0.02
    assert levels[0] == step - 1  # full scale is the highest level, not a wrap-around
    np.testing.assert_array_equal(levels, np.clip(np.round(y * step), -step, step - 1))
