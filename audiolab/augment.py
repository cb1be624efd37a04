"""Data augmentation: new training examples from the ones you have.

Waveform augmentations (noise at a chosen SNR, reverberation, pitch shift,
time stretch, time shift) come from audiomentations, wrapped so that every
call takes an explicit seed; SpecAugment masks work on spectrograms.

Taught in lesson 06 (augmentation).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

from .errors import ParameterError
from .validation import (
    MAX_VALUES,
    check_array_size,
    check_choice,
    check_db,
    check_duration,
    check_finite,
    check_max_warp,
    check_nonnegative_int,
    check_positive,
    check_rng,
    check_size,
    check_sr,
    valid_audio,
)

__all__ = [
    "snr_db",
    "add_noise",
    "colored_noise",
    "synthetic_room_response",
    "add_reverb",
    "spec_augment",
    "warp_frequency",
    "Augmenter",
    "make_augmenter",
    "STRENGTHS",
]

#: The named augmentation recipes of :func:`make_augmenter`.
STRENGTHS = ("none", "light", "strong")

Rng = np.random.Generator | int | None


def snr_db(signal: NDArray[np.floating], noise: NDArray[np.floating]) -> float:
    """Signal-to-noise ratio in dB: ``10 log10(P_signal / P_noise)``, with P the mean power.

    Parameters
    ----------
    signal, noise : np.ndarray [shape=(n,)]
        The clean signal and the noise alone.

    Returns
    -------
    float
        In dB; ``inf`` for silent noise.

    Examples
    --------
    >>> s = np.ones(100); n = 0.1 * np.ones(100)
    >>> round(snr_db(s, n), 6)
    20.0

    Taught in lesson 06 (augmentation).
    """
    signal = valid_audio(signal, name="signal")
    noise = valid_audio(noise, name="noise")
    noise_power = float(np.mean(noise.astype(np.float64) ** 2))
    if noise_power == 0:
        return float("inf")
    signal_power = float(np.mean(signal.astype(np.float64) ** 2))
    return float(10 * np.log10(max(signal_power, 1e-20) / noise_power))


def colored_noise(
    n: int,
    *,
    color: str = "white",
    sr: int = 16000,
    fmin: float = 20.0,
    rng: Rng = None,
) -> NDArray[np.float32]:
    """Noise whose power falls with frequency: white (flat), pink (1/f) or brown (1/f^2).

    There is no power below ``fmin`` (and no DC): otherwise pink and brown
    noise would put most of their power below what anyone hears, where it
    inflates the noise level without masking any speech.

    Parameters
    ----------
    n : int
        Number of samples, at most :data:`~audiolab.validation.MAX_VALUES`.
    color : {"white", "pink", "brown"}
        The spectral slope: 0, -3 or -6 dB per octave.
    sr : int
        Sample rate in Hz, to place ``fmin``.
    fmin : float
        Lowest frequency of the noise, in Hz, below ``sr / 2``.
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    np.ndarray [shape=(n,)], float32
        Unit RMS.

    Raises
    ------
    ParameterError
        If a parameter is out of range (``fmin`` at or above the Nyquist
        frequency leaves no noise), or ``rng`` is neither None, a seed nor a
        generator.

    Taught in lesson 06 (augmentation).
    """
    n = check_size("n", n, MAX_VALUES)
    check_choice("color", color, ("white", "pink", "brown"))
    sr = check_sr("sr", sr)
    fmin = check_positive("fmin", fmin)
    if fmin >= sr / 2:
        raise ParameterError(
            f"fmin={fmin:g} Hz must be below the Nyquist frequency sr / 2 = {sr / 2:g} Hz"
        )
    rng = check_rng("rng", rng)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    frequencies = np.fft.rfftfreq(n, d=1 / sr)
    exponent = {"white": 0.0, "pink": 0.5, "brown": 1.0}[color]
    audible = frequencies >= fmin
    spectrum[audible] /= frequencies[audible] ** exponent
    spectrum[~audible] = 0.0
    noise = np.fft.irfft(spectrum, n=n)
    rms = np.sqrt(np.mean(noise**2))
    return (noise / rms if rms > 0 else noise).astype(np.float32)


def add_noise(
    y: NDArray[np.floating],
    *,
    snr_db: float,
    noise: NDArray[np.floating] | None = None,
    rng: Rng = None,
) -> NDArray[np.float32]:
    """Add noise scaled so that the mixture has the signal-to-noise ratio asked for.

    The noise is scaled so that ``10 log10(P_y / P_noise) == snr_db`` with P
    the mean power (mean of squares), not the amplitude.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The clean signal.
    snr_db : float
        The SNR wanted, in dB (0 dB: noise as loud as the signal), between
        -300 and 300 (:data:`~audiolab.validation.MAX_DB`).
    noise : np.ndarray or None
        The noise to add (looped or cropped at a random offset to the length
        of ``y``); white noise if None.
    rng : numpy.random.Generator, int or None
        For the white noise and the offset in ``noise``.

    Returns
    -------
    np.ndarray [shape=(n,)], float32

    Raises
    ------
    ParameterError
        If ``y`` is silent (no SNR can be reached) or the noise is silent,
        ``snr_db`` is not a finite number within its range, or ``rng`` is
        neither None, a seed nor a generator.

    Examples
    --------
    >>> y = np.sin(np.arange(16000) / 10).astype(np.float32)
    >>> noisy = add_noise(y, snr_db=10, rng=0)
    >>> round(snr_db(y, noisy - y), 1)
    10.0

    Taught in lesson 06 (augmentation).
    """
    y = valid_audio(y)
    snr_db = check_db("snr_db", snr_db)
    rng = check_rng("rng", rng)
    signal_power = np.mean(y.astype(np.float64) ** 2)
    if signal_power == 0:
        raise ParameterError("y is silent: no noise level gives a signal-to-noise ratio")
    if noise is None:
        noise = rng.standard_normal(len(y))
    else:
        noise = valid_audio(noise, name="noise").astype(np.float64)
        if len(noise) < len(y):
            noise = np.tile(noise, int(np.ceil(len(y) / len(noise))))
        start = int(rng.integers(0, len(noise) - len(y) + 1))
        noise = noise[start : start + len(y)]
    noise_power = np.mean(noise**2)
    if noise_power == 0:
        raise ParameterError("noise is silent: it cannot be scaled to any SNR")
    scale = np.sqrt(signal_power / (noise_power * 10 ** (snr_db / 10)))
    return (y + scale * noise).astype(np.float32)


def synthetic_room_response(
    *, sr: int, rt60: float = 0.3, drr_db: float = 6.0, rng: Rng = None
) -> NDArray[np.float32]:
    """An artificial room impulse response: a direct sound and an exponentially decaying tail.

    Real rooms' responses are measured; this model (Gaussian noise under an
    envelope falling 60 dB in ``rt60`` seconds, a 60 dB decay time) is the
    usual stand-in when none are at hand.

    Parameters
    ----------
    sr : int
        Sample rate in Hz.
    rt60 : float
        Reverberation time in seconds (0.2 a small office, 1.0 a hall).
    drr_db : float
        Direct-to-reverberant ratio: the energy of the direct sound over that
        of the tail, in dB. About +10 dB for a talker close to the
        microphone, 0 dB at the room's critical distance, negative far away;
        between -300 and 300 (:data:`~audiolab.validation.MAX_DB`).
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    np.ndarray [shape=(round(rt60 * sr),)], float32
        Starts with 1.0 (the direct sound).

    Raises
    ------
    ParameterError
        If a parameter is out of range, ``rt60`` and ``sr`` ask for too long
        a response, or ``rng`` is neither None, a seed nor a generator.

    Taught in lesson 06 (augmentation).
    """
    sr = check_sr("sr", sr)
    rt60 = check_duration("rt60", rt60)
    drr_db = check_db("drr_db", drr_db)
    rng = check_rng("rng", rng)
    n = max(2, int(round(rt60 * sr)))
    check_array_size(f"rt60={rt60:g} s at sr={sr} Hz", n)
    t = np.arange(n) / sr
    response = rng.standard_normal(n) * 10 ** (-3 * t / rt60)  # -60 dB at t = rt60
    tail_energy = np.sum(response[1:] ** 2)
    if tail_energy > 0:  # else rt60 is so short that the tail is below the smallest float
        response[1:] *= np.sqrt(10 ** (-drr_db / 10) / tail_energy)
    response[0] = 1.0  # the direct sound, energy 1
    return response.astype(np.float32)


def add_reverb(
    y: NDArray[np.floating],
    *,
    sr: int,
    rt60: float = 0.3,
    drr_db: float = 6.0,
    rng: Rng = None,
) -> NDArray[np.float32]:
    """Make ``y`` sound as if recorded in a room (convolution with a synthetic response).

    The result has the length and the peak level of ``y``. The parameters
    are those of :func:`synthetic_room_response`.

    Raises
    ------
    ParameterError
        If ``y`` is not valid mono audio or a parameter is out of range (see
        :func:`synthetic_room_response`).

    Taught in lesson 06 (augmentation).
    """
    from scipy.signal import fftconvolve

    y = valid_audio(y)
    response = synthetic_room_response(sr=sr, rt60=rt60, drr_db=drr_db, rng=rng)
    wet = fftconvolve(y.astype(np.float64), response)[: len(y)]
    peak_in, peak_out = np.max(np.abs(y)), np.max(np.abs(wet))
    if peak_out > 0:
        wet *= peak_in / peak_out
    return wet.astype(np.float32)


def warp_frequency(S: NDArray[np.floating], factor: float) -> NDArray[np.floating]:
    """Stretch or squeeze a spectrogram along frequency: vocal tract length perturbation.

    Row ``r`` of the result is row ``r / factor`` of ``S`` (interpolated
    linearly; rows beyond the top repeat the last one). ``factor > 1`` moves
    every formant and harmonic up, as a shorter vocal tract would, without
    changing the timing; ``factor < 1`` moves them down (Jaitly and Hinton,
    2013). On mel rows the shift is close to a constant ratio in Hz over the
    speech range.

    Parameters
    ----------
    S : np.ndarray [shape=(n_bins, n_frames)]
        A (log-)spectrogram, frequency first.
    factor : float > 0
        The stretch: 1.1 puts what was at row 10 at row 11.

    Returns
    -------
    np.ndarray [shape=(n_bins, n_frames)]

    Examples
    --------
    >>> S = np.zeros((8, 1)); S[2] = 1.0
    >>> warp_frequency(S, 2.0)[:, 0]
    array([0. , 0. , 0. , 0.5, 1. , 0.5, 0. , 0. ])

    Taught in lesson 06 (augmentation); part of the "strong" recipe of ``audiolab train``.
    """
    S = _spectrogram_argument(S)
    factor = check_positive("factor", factor)
    n_bins = S.shape[0]
    source = np.minimum(np.arange(n_bins) / factor, n_bins - 1)
    below = np.floor(source).astype(int)
    above = np.minimum(below + 1, n_bins - 1)
    weight = (source - below)[:, None]
    return ((1 - weight) * S[below] + weight * S[above]).astype(S.dtype)


def _spectrogram_argument(S: NDArray[np.floating]) -> NDArray[np.floating]:
    S = np.asarray(S)
    if S.ndim != 2 or not np.issubdtype(S.dtype, np.floating):
        raise ParameterError(
            f"S must be a 2-D floating-point matrix (bins, frames), got {S.dtype} {S.shape}"
        )
    return S


def spec_augment(
    S: NDArray[np.floating],
    *,
    n_freq_masks: int = 2,
    freq_mask_param: int = 8,
    n_time_masks: int = 2,
    time_mask_param: int = 10,
    mask_value: float | None = None,
    max_warp: float = 0.0,
    rng: Rng = None,
) -> NDArray[np.floating]:
    """SpecAugment's masks: hide random bands of frequency and stretches of time.

    Each frequency mask hides ``f`` consecutive rows, ``f`` drawn uniformly
    from 0 to ``freq_mask_param``, starting at a random row; time masks do the
    same to columns (Park et al., 2019). With ``max_warp`` the frequency axis
    is first warped (:func:`warp_frequency`) by a factor drawn uniformly from
    ``[1 - max_warp, 1 + max_warp]``. A copy is returned.

    Parameters
    ----------
    S : np.ndarray [shape=(n_bins, n_frames)]
        A (log-)spectrogram or any feature matrix, frequency first.
    n_freq_masks, n_time_masks : int
        How many masks of each kind, at most the rows or columns of ``S``.
    freq_mask_param, time_mask_param : int
        The widest mask, in rows or columns.
    mask_value : float or None
        What masked cells become; the mean of ``S`` if None (for log-mel
        features that is a neutral "grey", where 0 would mean loud).
    max_warp : float in [0, 1)
        The largest frequency warp, as a fraction (0.12: formants up to 12 %
        higher or lower); 0 leaves frequency alone.
    rng : numpy.random.Generator, int or None
        Random generator or seed.

    Returns
    -------
    np.ndarray [shape=(n_bins, n_frames)]

    Raises
    ------
    ParameterError
        If ``S`` is not a 2-D floating-point matrix, a count or width is
        negative or more than the rows or columns of ``S``, ``mask_value`` is
        not None or a finite number, ``max_warp`` is not in [0, 1), or
        ``rng`` is neither None, a seed nor a generator.

    Examples
    --------
    >>> S = np.ones((40, 100))
    >>> masked = spec_augment(S, mask_value=0.0, rng=0)
    >>> bool((masked == 0).any())
    True

    Taught in lesson 06 (augmentation).
    """
    S = _spectrogram_argument(S)
    max_warp = check_max_warp("max_warp", max_warp)
    n_freq_masks = check_nonnegative_int("n_freq_masks", n_freq_masks)
    n_time_masks = check_nonnegative_int("n_time_masks", n_time_masks)
    freq_mask_param = check_nonnegative_int("freq_mask_param", freq_mask_param)
    time_mask_param = check_nonnegative_int("time_mask_param", time_mask_param)
    n_bins, n_frames = S.shape
    for name, count, limit, what in (
        ("n_freq_masks", n_freq_masks, n_bins, "rows"),
        ("freq_mask_param", freq_mask_param, n_bins, "rows"),
        ("n_time_masks", n_time_masks, n_frames, "columns"),
        ("time_mask_param", time_mask_param, n_frames, "columns"),
    ):
        if count > limit:
            raise ParameterError(f"{name}={count} is more than the {limit} {what} of S")
    if mask_value is not None:
        mask_value = check_finite("mask_value", mask_value)
    rng = check_rng("rng", rng)
    value = float(S.mean()) if mask_value is None else mask_value
    out = S.copy()
    if max_warp > 0:
        out = warp_frequency(out, rng.uniform(1.0 - max_warp, 1.0 + max_warp))
    for _ in range(n_freq_masks):
        width = int(rng.integers(0, freq_mask_param + 1))
        start = int(rng.integers(0, n_bins - width + 1))
        out[start : start + width, :] = value
    for _ in range(n_time_masks):
        width = int(rng.integers(0, time_mask_param + 1))
        start = int(rng.integers(0, n_frames - width + 1))
        out[:, start : start + width] = value
    return out


@contextmanager
def _seeded_globals(seed: int):
    """Seed Python's and NumPy's global generators, and put them back afterwards.

    audiomentations draws from the global generators; this keeps our calls
    reproducible without disturbing anyone else's random numbers.
    """
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


class Augmenter:
    """A waveform augmentation pipeline with explicit randomness.

    Parameters
    ----------
    transform : callable
        ``transform(samples=y, sample_rate=sr) -> y``, such as an
        ``audiomentations.Compose``.
    name : str
        Shown in its text form.

    Raises
    ------
    ParameterError
        If ``transform`` is not callable or ``name`` not a string.

    Examples
    --------
    >>> augment = make_augmenter("light", sr=16000)  # doctest: +SKIP
    >>> y_new = augment(y, sr=16000, rng=0)  # doctest: +SKIP

    Taught in lesson 06 (augmentation).
    """

    def __init__(self, transform: Callable[..., NDArray], *, name: str = "custom") -> None:
        if not callable(transform):
            raise ParameterError(
                f"transform must be a callable transform(samples=y, sample_rate=sr), "
                f"got {transform!r}"
            )
        if not isinstance(name, str):
            raise ParameterError(f"name must be a string, got {name!r}")
        self.transform = transform
        self.name = name

    def __call__(
        self, y: NDArray[np.floating], *, sr: int, rng: Rng = None
    ) -> NDArray[np.float32]:
        """Return an augmented copy of ``y``, the same length; ``rng`` fixes the draw."""
        y = valid_audio(y)
        sr = check_sr("sr", sr)
        seed = int(check_rng("rng", rng).integers(0, 2**31 - 1))
        with _seeded_globals(seed):
            out = self.transform(samples=y.astype(np.float32), sample_rate=sr)
        out = np.asarray(out, dtype=np.float32)
        if len(out) != len(y):  # some transforms change the length
            from .preprocess import pad_or_crop

            out = pad_or_crop(out, len(y))
        peak = np.max(np.abs(out))
        return out / peak if peak > 1 else out

    def __repr__(self) -> str:
        return f"Augmenter({self.name!r})"


def _reverb_transform(p: float, rt60: tuple[float, float], drr_db: tuple[float, float]):
    from audiomentations.core.transforms_interface import BaseWaveformTransform

    class SyntheticReverb(BaseWaveformTransform):
        """Convolve with :func:`synthetic_room_response` of a random rt60."""

        supports_multichannel = False

        def randomize_parameters(self, samples, sample_rate):
            super().randomize_parameters(samples, sample_rate)
            if self.parameters["should_apply"]:
                self.parameters["rt60"] = random.uniform(*rt60)
                self.parameters["drr_db"] = random.uniform(*drr_db)
                self.parameters["seed"] = random.randrange(2**31)

        def apply(self, samples, sample_rate):
            return add_reverb(samples, sr=sample_rate, rt60=self.parameters["rt60"],
                              drr_db=self.parameters["drr_db"], rng=self.parameters["seed"])

    return SyntheticReverb(p=p)


def _trim_and_pad_transform(p: float, top_db: tuple[float, float]):
    from audiomentations.core.transforms_interface import BaseWaveformTransform

    from .preprocess import pad_or_crop, trim_silence

    class TrimAndPad(BaseWaveformTransform):
        """Cut the quiet ends (noise and all) and centre what is left in digital silence.

        Many real datasets (FSDD among them) are trimmed recordings that a
        loader pads with exact zeros; synthetic clips sit in continuous noise.
        """

        supports_multichannel = False

        def randomize_parameters(self, samples, sample_rate):
            super().randomize_parameters(samples, sample_rate)
            if self.parameters["should_apply"]:
                self.parameters["top_db"] = random.uniform(*top_db)

        def apply(self, samples, sample_rate):
            frame = max(1, sample_rate // 100)
            kept, _ = trim_silence(samples, top_db=self.parameters["top_db"],
                                   frame_length=frame, hop_length=frame)
            if len(kept) == 0:  # nothing but digital silence to begin with
                return np.zeros_like(samples)
            return pad_or_crop(kept, len(samples))

    return TrimAndPad(p=p)


def make_augmenter(strength: str = "light", *, sr: int = 16000) -> Augmenter:
    """The course's augmentation recipes, as an :class:`Augmenter`.

    - ``"none"``: the identity.
    - ``"light"``: small gain changes, time shifts of up to 100 ms, and
      noise from white to brown at 10-40 dB SNR, each half of the time.
    - ``"strong"``: the variation that separates synthetic voices from
      real recordings: pitch shifts of up to 3 semitones, tempo from 10 %
      slower to 60 % faster, synthetic room reverberation (RT60 0.1-0.6 s,
      direct to reverberant ratio 0-10 dB), time shifts, gains from -30 to
      +6 dB, noise down to 5 dB SNR, (above 8 kHz sampling) most of the time
      a low-pass at 3.4-4 kHz, the bandwidth of 8 kHz recordings and
      telephones, and half of the time a trim of the quiet ends (25-40 dB
      below the loudest 10 ms) with the word centred in exact zeros, as in
      datasets of trimmed recordings such as FSDD.

    Parameters
    ----------
    strength : {"none", "light", "strong"}
        The recipe.
    sr : int
        The sample rate of the clips it will see (for time shifts in samples).

    Returns
    -------
    Augmenter

    Raises
    ------
    ParameterError
        If ``strength`` is unknown or ``sr`` is not a positive integer up to
        :data:`~audiolab.validation.MAX_SR`.

    Taught in lesson 06 (augmentation).
    """
    check_choice("strength", strength, STRENGTHS)
    sr = check_sr("sr", sr)
    if strength == "none":
        return Augmenter(lambda samples, sample_rate: samples, name="none")
    from audiomentations import (
        AddColorNoise,
        Compose,
        Gain,
        LowPassFilter,
        PitchShift,
        Shift,
        TimeStretch,
    )

    shift = int(0.1 * sr)
    if strength == "light":
        steps = [
            Gain(min_gain_db=-6, max_gain_db=6, p=0.5),
            Shift(min_shift=-shift, max_shift=shift, shift_unit="samples", rollover=False, p=0.5),
            AddColorNoise(min_snr_db=10, max_snr_db=40, min_f_decay=-6, max_f_decay=0, p=0.5),
        ]
    else:
        steps = [
            PitchShift(min_semitones=-3, max_semitones=3, p=0.5),
            # Mostly faster: people say a digit in about 0.35 s, eSpeak in about 0.5 s.
            # The Augmenter centres a stretched clip in the original length, so a
            # slowed-down word loses a little at both ends rather than its end.
            TimeStretch(min_rate=0.9, max_rate=1.6, leave_length_unchanged=False, p=0.7),
            _reverb_transform(p=0.3, rt60=(0.1, 0.6), drr_db=(0.0, 10.0)),
            Shift(min_shift=-shift, max_shift=shift, shift_unit="samples", rollover=False, p=0.5),
            # Some real recordings are 15-25 dB quieter than the synthetic ones (FSDD's theo).
            Gain(min_gain_db=-30, max_gain_db=6, p=0.8),
            AddColorNoise(min_snr_db=5, max_snr_db=35, min_f_decay=-6, max_f_decay=0, p=0.6),
        ]
        if sr > 8000:
            # Telephone-like band limits: many real recordings stop at 4 kHz (8 kHz sampling).
            steps.append(LowPassFilter(min_cutoff_freq=3400, max_cutoff_freq=4000, min_rolloff=48,
                                       max_rolloff=48, zero_phase=True, p=0.8))
        steps.append(_trim_and_pad_transform(p=0.5, top_db=(25.0, 40.0)))
    return Augmenter(Compose(steps), name=strength)
