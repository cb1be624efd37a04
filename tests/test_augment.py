"""audiolab.augment: SNRs are exact, masks are where they should be, seeds reproduce."""

from __future__ import annotations

import random

import numpy as np
import pytest
from signals import speechlike

from audiolab import augment
from audiolab.errors import ParameterError


@pytest.mark.parametrize("target", [-5.0, 0.0, 10.0, 30.0])
def test_add_noise_reaches_the_snr_in_power(target):
    y = speechlike()
    noisy = augment.add_noise(y, snr_db=target, rng=0)
    assert augment.snr_db(y, noisy - y) == pytest.approx(target, abs=1e-3)


def test_add_noise_with_a_given_noise_loops_it():
    y = speechlike()
    noise = augment.colored_noise(3000, color="pink", rng=1)
    noisy = augment.add_noise(y, snr_db=5.0, noise=noise, rng=2)
    assert noisy.shape == y.shape
    assert augment.snr_db(y, noisy - y) == pytest.approx(5.0, abs=1e-3)
    np.testing.assert_array_equal(noisy, augment.add_noise(y, snr_db=5.0, noise=noise, rng=2))


def test_add_noise_errors():
    with pytest.raises(ParameterError, match="y is silent"):
        augment.add_noise(np.zeros(100, np.float32), snr_db=10)
    with pytest.raises(ParameterError, match="noise is silent"):
        augment.add_noise(speechlike(), snr_db=10, noise=np.zeros(100))
    with pytest.raises(ParameterError, match="snr_db must be finite"):
        augment.add_noise(speechlike(), snr_db=float("nan"))
    with pytest.raises(ParameterError, match="snr_db must be between -300 and 300 dB"):
        augment.add_noise(speechlike(), snr_db=1e12)


@pytest.mark.parametrize("color, slope", [("white", 0.0), ("pink", 10.0), ("brown", 20.0)])
def test_colored_noise_slopes(color, slope):
    noise = augment.colored_noise(2**16, color=color, sr=16000, fmin=20.0, rng=0)
    power = np.abs(np.fft.rfft(noise)) ** 2
    decade = 10 * np.log10(power[200:400].mean() / power[2000:4000].mean())
    assert decade == pytest.approx(slope, abs=1.5)
    assert np.sqrt(np.mean(noise.astype(np.float64) ** 2)) == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("drr_db", [-5.0, 0.0, 10.0])
def test_room_response_has_the_direct_to_reverberant_ratio(drr_db):
    response = augment.synthetic_room_response(sr=8000, rt60=0.4, drr_db=drr_db, rng=1)
    tail_energy = np.sum(response[1:].astype(np.float64) ** 2)
    assert 10 * np.log10(1.0 / tail_energy) == pytest.approx(drr_db, abs=1e-3)


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_colored_noise_has_no_power_below_fmin(color):
    noise = augment.colored_noise(4 * 16000, color=color, sr=16000, fmin=50.0, rng=0)
    power = np.abs(np.fft.rfft(noise.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(len(noise), d=1 / 16000)
    assert power[frequencies < 50].sum() / power.sum() < 1e-10


def test_room_response_decays_60_db_in_rt60():
    response = augment.synthetic_room_response(sr=16000, rt60=0.5, rng=0)
    assert response[0] == 1.0 and len(response) == 8000
    early = np.sqrt(np.mean(response[1:800] ** 2))
    late = np.sqrt(np.mean(response[-800:] ** 2))
    assert 20 * np.log10(early / late) == pytest.approx(54, abs=5)  # 0.45 s apart: 54 dB


def test_reverb_keeps_length_and_peak():
    y = speechlike()
    wet = augment.add_reverb(y, sr=16000, rt60=0.4, rng=0)
    assert wet.shape == y.shape
    assert np.abs(wet).max() == pytest.approx(np.abs(y).max(), rel=1e-5)
    assert not np.allclose(wet, y)


def test_spec_augment_masks_whole_rows_and_columns():
    S = np.random.default_rng(0).normal(size=(40, 100))
    masked = augment.spec_augment(S, n_freq_masks=1, freq_mask_param=10, n_time_masks=1,
                                  time_mask_param=20, mask_value=-99.0, rng=3)
    hit = masked == -99.0
    rows = np.flatnonzero(hit.all(axis=1))
    columns = np.flatnonzero(hit.all(axis=0))
    assert len(rows) <= 10 and len(columns) <= 20
    assert np.all(np.diff(rows) == 1) and np.all(np.diff(columns) == 1)
    assert hit.sum() == len(rows) * 100 + len(columns) * 40 - len(rows) * len(columns)
    assert np.array_equal(S, np.random.default_rng(0).normal(size=(40, 100)))  # input untouched
    default = augment.spec_augment(S, n_freq_masks=1, freq_mask_param=10, n_time_masks=1,
                                   time_mask_param=20, rng=3)
    assert np.allclose(default[hit], S.mean())


def test_spec_augment_errors():
    with pytest.raises(ParameterError, match="freq_mask_param=50 is more than the 40 rows"):
        augment.spec_augment(np.zeros((40, 100)), freq_mask_param=50)
    with pytest.raises(ParameterError, match="2-D floating-point"):
        augment.spec_augment(np.zeros(10))


@pytest.mark.parametrize("strength", ["none", "light", "strong"])
def test_augmenters_are_seeded_and_keep_the_length(strength):
    augmenter = augment.make_augmenter(strength, sr=16000)
    y = speechlike()
    a = augmenter(y, sr=16000, rng=1)
    b = augmenter(y, sr=16000, rng=1)
    np.testing.assert_array_equal(a, b)
    assert a.shape == y.shape and a.dtype == np.float32 and np.abs(a).max() <= 1.0
    if strength != "none":
        outputs = [augmenter(y, sr=16000, rng=seed) for seed in range(8)]
        assert len({o.tobytes() for o in outputs}) > 4
    # The global generators are put back as they were.
    random.seed(0), np.random.seed(0)
    state = (random.random(), np.random.random())
    random.seed(0), np.random.seed(0)
    augmenter(y, sr=16000, rng=5)
    assert (random.random(), np.random.random()) == state


def test_make_augmenter_errors():
    with pytest.raises(ParameterError, match="strength must be one of"):
        augment.make_augmenter("medium")


def test_strong_recipe_covers_quiet_and_band_limited_recordings():
    augmenter = augment.make_augmenter("strong", sr=16000)
    rng = np.random.default_rng(0)
    y = (0.3 * rng.standard_normal(16000)).astype(np.float32)
    outputs = [augmenter(y, sr=16000, rng=seed) for seed in range(40)]
    levels = [20 * np.log10(np.sqrt(np.mean(o**2)) / np.sqrt(np.mean(y**2))) for o in outputs]
    assert min(levels) < -15  # gains reach far below the original level

    def high_band_share(z):
        power = np.abs(np.fft.rfft(z)) ** 2
        return power[4500:].sum() / power.sum()  # 1 Hz bins: above 4.5 kHz

    shares = [high_band_share(o) for o in outputs]
    assert sum(s < 1e-3 for s in shares) >= 8  # often low-passed near 4 kHz
    assert sum(s > 0.1 for s in shares) >= 3  # and sometimes not
    assert "LowPassFilter" not in repr(augment.make_augmenter("strong", sr=8000).transform)


def test_strong_recipe_sometimes_trims_and_centres_in_digital_silence():
    rng = np.random.default_rng(0)
    word = np.zeros(16000, np.float32)
    word[3000:8000] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(5000) / 16000)
    y = word + (0.001 * rng.standard_normal(16000)).astype(np.float32)  # a -50 dB noise floor
    augmenter = augment.make_augmenter("strong", sr=16000)
    outputs = [augmenter(y, sr=16000, rng=seed) for seed in range(40)]
    zero_ends = [o for o in outputs if not o[:1000].any() and not o[-1000:].any()]
    assert 8 <= len(zero_ends) <= 32  # about half of them
    for o in zero_ends:
        loud = np.flatnonzero(o)
        assert abs((loud[0] + loud[-1]) / 2 - 8000) <= 200  # centred in the window


def test_trim_and_pad_keeps_the_word_and_centres_it():
    transform = augment._trim_and_pad_transform(p=1.0, top_db=(30.0, 30.0))
    y = np.full(16000, 1e-4, np.float32)  # -74 dB below the word: silence
    y[2000:6000] = 0.5
    out = transform(samples=y, sample_rate=16000)
    assert out.shape == y.shape and out.dtype == np.float32
    loud = np.flatnonzero(out)
    assert loud[-1] - loud[0] + 1 >= 4000  # the whole word, in whole 10 ms frames
    assert np.isclose(out[loud[0]:loud[-1] + 1].max(), 0.5)
    assert abs((loud[0] + loud[-1]) / 2 - 8000) <= 1
    assert not transform(samples=np.zeros(1600, np.float32), sample_rate=16000).any()


def test_warp_frequency_moves_formants_by_the_factor():
    S = np.full((40, 5), -80.0, np.float32)
    S[10] = 0.0  # one "formant" at row 10
    assert np.argmax(augment.warp_frequency(S, 1.2)[:, 0]) == 12
    assert np.argmax(augment.warp_frequency(S, 1 / 1.25)[:, 0]) == 8
    np.testing.assert_array_equal(augment.warp_frequency(S, 1.0), S)
    assert augment.warp_frequency(S, 1.2).dtype == np.float32
    with pytest.raises(ParameterError, match="factor"):
        augment.warp_frequency(S, 0.0)
    with pytest.raises(ParameterError, match="2-D floating-point"):
        augment.warp_frequency(np.zeros(40), 1.1)


def test_spec_augment_warps_within_max_warp():
    S = np.full((40, 20), -80.0)
    S[20] = 0.0
    peaks = {int(np.argmax(augment.spec_augment(S, n_freq_masks=0, n_time_masks=0, max_warp=0.12,
                                                rng=seed)[:, 0])) for seed in range(30)}
    assert min(peaks) >= 17 and max(peaks) <= 23 and len(peaks) >= 4
    np.testing.assert_array_equal(augment.spec_augment(S, max_warp=0.12, rng=3),
                                  augment.spec_augment(S, max_warp=0.12, rng=3))
    with pytest.raises(ParameterError, match="max_warp"):
        augment.spec_augment(S, max_warp=1.0)
