"""Checks for exercise 06, augmentation.

- ``q1``: ``add_noise_at_snr(y, noise, snr_db)``, noise scaled to a signal-to-noise ratio.
- ``q2``: ``time_shift(y, shift)``, move a clip later or earlier, filling with zeros.
- ``q3``: ``random_crop(y, length, rng)``, a random piece of a clip (several answers are right).
- ``q4``: ``freq_mask(S, start, width, value)``, SpecAugment's frequency mask.
- ``q5``: ``time_mask(S, start, width, value)``, SpecAugment's time mask.
- ``q6``: explain why the same SNR hides different parts of a word.

Augmentations make new versions of a training example and must leave the
example itself alone, so every function check here also fails an answer that
changes the array it was given.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake, Outcome, Result, describe

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]


class _LeavesInputAlone(FunctionCheck):
    """A function check that also fails a correct result bought by changing the input.

    :class:`FunctionCheck` calls the learner's function on copies of the
    arguments, so that an in-place change cannot spoil the next case; here,
    once every case passes, the last case is run again and its arrays are
    compared with what they were before.
    """

    def _arguments(self, case: Case) -> tuple[tuple, dict]:
        """Fresh copies of a case's arguments, as the learner's function will get them."""
        args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case.args)
        kwargs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.kwargs.items()}
        return args, kwargs

    def _call(self, function, case: Case):
        args, kwargs = self._arguments(case)
        return function(*args, **kwargs)

    def run(self, function=None) -> Result:
        result = super().run(function)
        if not result.correct:
            return result
        case = self.cases[-1]
        args, kwargs = self._arguments(case)
        given = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
        before = [a.copy() for a in given]
        try:
            function(*args, **kwargs)
        except Exception:  # it passed on this very case a moment ago
            return result
        if any(not np.array_equal(b, a) for b, a in zip(before, given, strict=True)):
            return Result(
                Outcome.INCORRECT,
                f"{self.name}({case.describe()}) returns the right values, but it also changed "
                "the array you passed in. An augmentation makes a new version of a training "
                "example and must leave the example itself alone: otherwise the changes pile "
                "up, epoch after epoch. Work on a copy (y.copy(), S.copy(), np.zeros_like).",
            )
        return result


# ---------------------------------------------------------------------------
# q1: noise at a chosen SNR
# ---------------------------------------------------------------------------


def _add_noise_at_snr(y, noise, snr_db):
    signal_power = np.mean(y**2)
    noise_power = np.mean(noise**2)
    scale = np.sqrt(signal_power / (noise_power * 10 ** (snr_db / 10)))
    return y + scale * noise


def _noise_amplitude_db(y, noise, snr_db):
    # 10 ** (snr / 10) applied to an amplitude: the SNR comes out doubled.
    scale = np.sqrt(np.mean(y**2) / np.mean(noise**2)) / 10 ** (snr_db / 10)
    return y + scale * noise


def _noise_power_20(y, noise, snr_db):
    # 20 log10 for a power ratio: the SNR comes out halved.
    scale = np.sqrt(np.mean(y**2) / (np.mean(noise**2) * 10 ** (snr_db / 20)))
    return y + scale * noise


def _noise_no_sqrt(y, noise, snr_db):
    scale = np.mean(y**2) / (np.mean(noise**2) * 10 ** (snr_db / 10))
    return y + scale * noise


def _noise_scales_signal(y, noise, snr_db):
    scale = np.sqrt(np.mean(noise**2) * 10 ** (snr_db / 10) / np.mean(y**2))
    return scale * y + noise


def _noise_upside_down(y, noise, snr_db):
    scale = np.sqrt(np.mean(y**2) * 10 ** (snr_db / 10) / np.mean(noise**2))
    return y + scale * noise


def _noise_only(y, noise, snr_db):
    return _add_noise_at_snr(y, noise, snr_db) - y


def _noise_peak(y, noise, snr_db):
    scale = np.max(np.abs(y)) / (np.max(np.abs(noise)) * 10 ** (snr_db / 20))
    return y + scale * noise


_rng = np.random.default_rng(60)
_t = np.arange(1600) / 16000
_word = (0.3 * np.sin(2 * np.pi * 220 * _t) * np.hanning(1600)).astype(np.float32)

q1 = _LeavesInputAlone(
    name="add_noise_at_snr",
    hints=[
        "The SNR compares powers: the mean of the squared samples. Find the power of y and "
        "of the noise, then the number to multiply the noise by so that "
        "10 * log10(P_y / P_scaled_noise) equals snr_db.",
        "Multiplying the noise by g multiplies its power by g ** 2. You want the scaled noise "
        "to have the power P_y / 10 ** (snr_db / 10).",
        "scale = np.sqrt(np.mean(y ** 2) / (np.mean(noise ** 2) * 10 ** (snr_db / 10))); "
        "return y + scale * noise",
    ],
    solution="""
    def add_noise_at_snr(y, noise, snr_db):
        signal_power = np.mean(y ** 2)                          # power = mean of squares
        noise_power = np.mean(noise ** 2)
        target_noise_power = signal_power / 10 ** (snr_db / 10) # 10 dB: a tenth of the power
        scale = np.sqrt(target_noise_power / noise_power)       # power goes with amplitude squared
        return y + scale * noise                                # the signal stays as it is

    # the same as audiolab.augment.add_noise(y, snr_db=snr_db, noise=noise)
    """,
    reference=_add_noise_at_snr,
    cases=[
        Case((np.array([1.0, -1.0, 1.0, -1.0]), np.array([1.0, 1.0, -1.0, -1.0]), 0.0)),
        Case((np.array([2.0, -2.0, 2.0, -2.0]), np.array([1.0, 1.0, -1.0, -1.0]), 20.0)),
        Case((np.array([0.5, 0.0, -0.5, 0.0, 0.5, 0.0]), np.array([2.0, -1.0, 0.5, 1.0, -2.0, 1.0]), 10.0)),
        Case((_word, _rng.standard_normal(1600).astype(np.float32), 6.0)),
        Case((_word, _rng.standard_normal(1600).astype(np.float32), -5.0)),
    ],
    mistakes=[
        Mistake(
            _noise_upside_down,
            "The noise grows as snr_db grows: the ratio is upside down. A high SNR means "
            "little noise, so the noise's power must be P_y / 10 ** (snr_db / 10).",
        ),
        Mistake(
            _noise_amplitude_db,
            "Your noise comes out at twice the dB asked for. 10 ** (snr_db / 10) is a ratio of "
            "powers, but you divided an amplitude by it. Either divide the noise's power by it "
            "and take the square root, or divide the amplitude by 10 ** (snr_db / 20).",
        ),
        Mistake(
            _noise_power_20,
            "Your noise comes out at half the dB asked for: 10 ** (snr_db / 20) is an amplitude "
            "ratio, but you used it on powers. SNR is defined on power: 10 ** (snr_db / 10).",
        ),
        Mistake(
            _noise_no_sqrt,
            "You multiplied the noise by a ratio of powers. Multiplying samples by g multiplies "
            "their power by g ** 2, so the amplitude factor is the square root of the power "
            "ratio.",
        ),
        Mistake(
            _noise_scales_signal,
            "The SNR is right, but you scaled the signal instead of the noise: the word's own "
            "loudness changed. Keep y as it is and scale the noise.",
        ),
        Mistake(
            _noise_only,
            "That is the scaled noise alone: add it to y.",
        ),
        Mistake(
            _noise_peak,
            "You matched the peaks (np.max(np.abs(...))). The SNR compares average powers, "
            "np.mean(y ** 2), which is what loudness in noise depends on.",
        ),
    ],
    rtol=1e-4,
    atol=1e-6,
)


# ---------------------------------------------------------------------------
# q2: time shift
# ---------------------------------------------------------------------------


def _time_shift(y, shift):
    out = np.zeros_like(y)
    n = len(y)
    if shift >= n or shift <= -n:
        return out
    if shift >= 0:
        out[shift:] = y[: n - shift]
    else:
        out[:shift] = y[-shift:]
    return out


def _shift_roll(y, shift):
    return np.roll(y, shift)


def _shift_wrong_way(y, shift):
    return _time_shift(y, -shift)


def _shift_roll_wrong_way(y, shift):
    return np.roll(y, -shift)


def _shift_grows(y, shift):
    return np.concatenate([np.zeros(shift, dtype=y.dtype), y])


def _shift_minus_zero(y, shift):
    return np.concatenate([np.zeros(shift, dtype=y.dtype), y[:-shift]])


def _shift_one_more(y, shift):
    return _time_shift(y, shift + 1 if shift >= 0 else shift - 1)


q2 = _LeavesInputAlone(
    name="time_shift",
    hints=[
        "Start from an array of zeros as long as y (np.zeros_like(y)) and copy the part of y "
        "that is still inside the clip to its new place.",
        "For shift > 0 the first shift samples of the result stay zero and the last shift "
        "samples of y fall off the end: out[shift:] = y[:len(y) - shift]. For shift < 0 it is "
        "the other way round. Write len(y) - shift, not -shift: y[:-0] is empty.",
        "out = np.zeros_like(y); if abs(shift) >= len(y): return out; "
        "if shift >= 0: out[shift:] = y[:len(y) - shift] else: out[:shift] = y[-shift:]",
    ],
    solution="""
    def time_shift(y, shift):
        out = np.zeros_like(y)                   # what is not covered stays silent
        n = len(y)
        if abs(shift) >= n:                      # shifted right out of the clip
            return out
        if shift >= 0:
            out[shift:] = y[:n - shift]          # later: the end falls off
        else:
            out[:shift] = y[-shift:]             # earlier: the start falls off
        return out
    """,
    reference=_time_shift,
    cases=[
        Case((np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 2)),
        Case((np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 0)),
        Case((np.array([1.0, 2.0, 3.0, 4.0, 5.0]), -2)),
        Case((np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 5)),
        Case((np.array([1.0, 2.0, 3.0, 4.0, 5.0]), -7)),
        Case((_rng.standard_normal(1600).astype(np.float32), 160)),
        Case((_rng.standard_normal(1600).astype(np.float32), -443)),
    ],
    mistakes=[
        Mistake(
            _shift_roll,
            "np.roll wraps round: the samples pushed off one end come back in at the other, "
            "so the end of the word would be heard before its start. Fill the gap with zeros "
            "(silence) instead.",
        ),
        Mistake(
            _shift_roll_wrong_way,
            "Two problems: np.roll wraps round (fill with zeros instead), and the clip moved "
            "the wrong way (a positive shift must make it start later).",
        ),
        Mistake(
            _shift_wrong_way,
            "The clip moved the wrong way: a positive shift makes it start later, so zeros "
            "come first.",
        ),
        Mistake(
            _shift_grows,
            "The result must keep the length of y: what is shifted past the end is dropped.",
        ),
        Mistake(
            _shift_minus_zero,
            "With shift = 0, y[:-shift] is y[:-0], which is empty. Write y[:len(y) - shift].",
        ),
        Mistake(
            _shift_one_more,
            "Off by one: the result moved one sample too far. After shifting by s, sample 0 "
            "of y is at index s.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q3: random crop (several answers are right: checked by its properties)
# ---------------------------------------------------------------------------


class _Seed:
    """A seed in a test case: every call gets a fresh ``np.random.default_rng(seed)``.

    The learner's function, the reference and the mistakes all draw the same
    numbers, so a mistake written the usual way is recognised.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __repr__(self) -> str:
        return f"np.random.default_rng({self.seed})"


def _random_crop(y, length, rng):
    start = rng.integers(0, len(y) - length + 1)
    return y[start : start + length]


def _crop_start_too_far(y, length, rng):
    start = rng.integers(0, len(y))
    return y[start : start + length]


def _crop_stop_instead_of_length(y, length, rng):
    start = rng.integers(0, len(y) - length + 1)
    return y[start:length]


def _crop_scattered(y, length, rng):
    return rng.choice(y, size=length, replace=False)


def _crop_scattered_sorted(y, length, rng):
    return np.sort(rng.choice(y, size=length, replace=False))


def _crop_first(y, length, rng):
    return y[:length]


def _crop_never_last(y, length, rng):
    start = rng.integers(0, max(len(y) - length, 1))
    return y[start : start + length]


def _crop_global_random(y, length, rng):
    start = np.random.randint(0, len(y) - length + 1)
    return y[start : start + length]


def _piece_start(y: np.ndarray, got: np.ndarray) -> int | None:
    """Where ``got`` is found in ``y`` as a contiguous piece (``y`` has distinct values)."""
    first = np.flatnonzero(y == got[0])
    if first.size != 1:
        return None
    start = int(first[0])
    if start + len(got) <= len(y) and np.array_equal(y[start : start + len(got)], got):
        return start
    return None


def _validate_crop(case: Case, got) -> str | None:
    y, length = case.args[0], case.args[1]
    if not isinstance(got, np.ndarray):
        return f"returned {describe(got)}, but it should return a NumPy array"
    if got.shape != (length,):
        return f"returned an array of shape {got.shape}, but the shape should be ({length},)"
    if _piece_start(y, got) is None:
        return "is not a piece of y: the result must be length consecutive samples of y, in order"
    return None


_CROP_Y = np.arange(10.0)
_CROP_LENGTH = 7  # four possible pieces: starts 0, 1, 2 and 3
_CROP_DRAWS = 200


class _CropCheck(_LeavesInputAlone):
    """Each result must be a piece of y; then, over many seeds, every piece must come up."""

    def _arguments(self, case: Case) -> tuple[tuple, dict]:
        args, kwargs = super()._arguments(case)
        args = tuple(np.random.default_rng(a.seed) if isinstance(a, _Seed) else a for a in args)
        return args, kwargs

    def run(self, function=None) -> Result:
        result = super().run(function)
        if not result.correct:
            return result
        call = f"{self.name}(np.arange(10.0), {_CROP_LENGTH}, rng)"

        def draw_starts() -> list[int | None]:
            return [
                _piece_start(_CROP_Y, np.asarray(function(_CROP_Y.copy(), _CROP_LENGTH,
                                                          np.random.default_rng(seed))))
                for seed in range(_CROP_DRAWS)
            ]

        try:
            first, second = draw_starts(), draw_starts()
        except Exception as error:
            return Result(Outcome.INCORRECT, f"{call} raised {type(error).__name__}: {error}")
        if first != second:
            return Result(
                Outcome.INCORRECT,
                f"Called twice with the same seeds, {call} gave different pieces. Draw the "
                "random start from the rng you are given (rng.integers), not from np.random "
                "or random, so that a seed reproduces an experiment.",
            )
        if None in first:
            return Result(Outcome.INCORRECT, f"{call} returned something that is not a piece of y.")
        starts = first
        counts = Counter(starts)
        possible = len(_CROP_Y) - _CROP_LENGTH + 1
        if len(counts) == 1:
            return Result(
                Outcome.INCORRECT,
                f"In {_CROP_DRAWS} calls with different seeds, {call} always returned the same "
                f"piece (start {starts[0]}). The start must be random: every start from 0 to "
                "len(y) - length equally likely.",
            )
        missing = [s for s in range(possible) if counts[s] == 0]
        if missing == [possible - 1]:
            return Result(
                Outcome.INCORRECT,
                f"In {_CROP_DRAWS} calls, {call} never returned the last piece, "
                f"y[{possible - 1}:{len(_CROP_Y)}]. The last possible start is len(y) - length, "
                "and rng.integers(low, high) never returns high: add 1.",
            )
        if missing:
            return Result(
                Outcome.INCORRECT,
                f"In {_CROP_DRAWS} calls, {call} never started at {describe(missing)}: every "
                "start from 0 to len(y) - length must be possible.",
            )
        expected = _CROP_DRAWS / possible
        if max(abs(c - expected) for c in counts.values()) > 0.5 * expected:
            return Result(
                Outcome.INCORRECT,
                f"In {_CROP_DRAWS} calls, {call} started at 0, 1, 2 and 3 "
                f"{', '.join(str(counts[s]) for s in range(possible - 1))} and "
                f"{counts[possible - 1]} times: some pieces come up far more often than others. "
                "Every start should be equally likely.",
            )
        return result


q3 = _CropCheck(
    name="random_crop",
    hints=[
        "Choose a random start, then take length consecutive samples from there. Which "
        "starts are possible, if the piece must lie inside y?",
        "The starts go from 0 to len(y) - length, both included. rng.integers(low, high) "
        "returns a whole number from low up to high - 1.",
        "start = rng.integers(0, len(y) - length + 1); return y[start:start + length]",
    ],
    solution="""
    def random_crop(y, length, rng):
        start = rng.integers(0, len(y) - length + 1)   # 0 .. len(y) - length, all equally likely
        return y[start:start + length]

    # audiolab.preprocess.pad_or_crop(y, length, mode="random", rng=rng) does the same,
    # and pads with zeros at a random offset when y is shorter than length.
    """,
    reference=_random_crop,
    cases=[
        Case((np.array([10.0, 20.0, 30.0, 40.0]), 4, _Seed(0))),
        Case((np.array([10.0, 20.0, 30.0, 40.0]), 3, _Seed(1))),
        Case((np.arange(100.0), 10, _Seed(2))),
        Case((np.arange(100.0), 60, _Seed(3))),
        Case((np.arange(16000.0) / 16000, 8000, _Seed(4))),
    ],
    mistakes=[
        Mistake(
            _crop_stop_instead_of_length,
            "Your piece is too short: y[start:length] stops at index length. The piece "
            "starting at start ends at start + length.",
        ),
        Mistake(
            _crop_start_too_far,
            "Your start can come so late that fewer than length samples are left. The last "
            "possible start is len(y) - length.",
        ),
        Mistake(
            _crop_scattered,
            "rng.choice picks separate samples from all over y. A crop is one stretch of "
            "consecutive samples: choose its start, then slice.",
        ),
        Mistake(
            _crop_scattered_sorted,
            "rng.choice picks separate samples from all over y, even when sorted. A crop is "
            "one stretch of consecutive samples: choose its start, then slice.",
        ),
    ],
    validate=_validate_crop,
)


# ---------------------------------------------------------------------------
# q4 and q5: SpecAugment masks
# ---------------------------------------------------------------------------


def _freq_mask(S, start, width, value):
    out = S.copy()
    out[start : start + width, :] = value
    return out


def _time_mask(S, start, width, value):
    out = S.copy()
    out[:, start : start + width] = value
    return out


def _freq_mask_columns(S, start, width, value):
    return _time_mask(S, start, width, value)


def _time_mask_rows(S, start, width, value):
    return _freq_mask(S, start, width, value)


def _freq_mask_one_more(S, start, width, value):
    return _freq_mask(S, start, width + 1, value)


def _time_mask_one_more(S, start, width, value):
    return _time_mask(S, start, width + 1, value)


def _freq_mask_stop(S, start, width, value):
    out = S.copy()
    out[start:width, :] = value
    return out


def _time_mask_stop(S, start, width, value):
    out = S.copy()
    out[:, start:width] = value
    return out


def _freq_mask_zero(S, start, width, value):
    return _freq_mask(S, start, width, 0.0)


def _time_mask_zero(S, start, width, value):
    return _time_mask(S, start, width, 0.0)


def _freq_mask_keeps_band(S, start, width, value):
    out = np.full_like(S, value)
    out[start : start + width, :] = S[start : start + width, :]
    return out


def _time_mask_keeps_stretch(S, start, width, value):
    out = np.full_like(S, value)
    out[:, start : start + width] = S[:, start : start + width]
    return out


_S_SMALL = np.arange(20.0).reshape(4, 5)
_S_MEL = (-80 + 60 * _rng.random((40, 101))).astype(np.float32)

q4 = _LeavesInputAlone(
    name="freq_mask",
    hints=[
        "A spectrogram S has one row per frequency band and one column per frame. A "
        "frequency mask hides width neighbouring rows, starting at row start, in every frame.",
        "Copy S first (S.copy()), then set the rows start, start + 1, ..., start + width - 1 "
        "of the copy, which is the slice start:start + width, to value.",
        "out = S.copy(); out[start:start + width, :] = value; return out",
    ],
    solution="""
    def freq_mask(S, start, width, value):
        out = S.copy()                          # leave the original spectrogram alone
        out[start:start + width, :] = value     # rows are frequencies: width rows, every frame
        return out
    """,
    reference=_freq_mask,
    cases=[
        Case((_S_SMALL, 1, 1, -1.0)),
        Case((_S_SMALL, 1, 2, -1.0)),
        Case((_S_SMALL, 2, 0, -1.0)),
        Case((_S_SMALL, 2, 2, 99.0)),
        Case((_S_MEL, 12, 8, float(_S_MEL.mean()))),
    ],
    mistakes=[
        Mistake(
            _freq_mask_columns,
            "You masked columns, which are frames (time). Frequencies are the rows of S: "
            "a frequency mask is a horizontal band, S[start:start + width, :].",
        ),
        Mistake(
            _freq_mask_one_more,
            "Off by one: you masked width + 1 rows. The slice start:start + width holds "
            "exactly width rows.",
        ),
        Mistake(
            _freq_mask_stop,
            "S[start:width] stops at row width, not width rows after start. Write "
            "start:start + width.",
        ),
        Mistake(
            _freq_mask_zero,
            "The masked cells must get the value passed in, not 0. (In a log-mel spectrogram "
            "0 dB is loud: a mask of zeros would be a band of loud noise.)",
        ),
        Mistake(
            _freq_mask_keeps_band,
            "It is the other way round: the band from start to start + width is hidden and "
            "the rest of S is kept.",
        ),
    ],
)

q5 = _LeavesInputAlone(
    name="time_mask",
    hints=[
        "The same as freq_mask, along the other axis: a time mask hides width neighbouring "
        "frames (columns), in every frequency band.",
        "Copy S, then set the columns start:start + width of the copy to value.",
        "out = S.copy(); out[:, start:start + width] = value; return out",
    ],
    solution="""
    def time_mask(S, start, width, value):
        out = S.copy()
        out[:, start:start + width] = value     # columns are frames: a vertical stripe
        return out
    """,
    reference=_time_mask,
    cases=[
        Case((_S_SMALL, 1, 1, -1.0)),
        Case((_S_SMALL, 1, 3, -1.0)),
        Case((_S_SMALL, 4, 0, -1.0)),
        Case((_S_SMALL, 3, 2, 99.0)),
        Case((_S_MEL, 40, 15, float(_S_MEL.mean()))),
    ],
    mistakes=[
        Mistake(
            _time_mask_rows,
            "You masked rows, which are frequency bands. Time runs along the columns of S: "
            "a time mask is a vertical stripe, S[:, start:start + width].",
        ),
        Mistake(
            _time_mask_one_more,
            "Off by one: you masked width + 1 frames. The slice start:start + width holds "
            "exactly width columns.",
        ),
        Mistake(
            _time_mask_stop,
            "S[:, start:width] stops at column width, not width columns after start. Write "
            "start:start + width.",
        ),
        Mistake(
            _time_mask_zero,
            "The masked cells must get the value passed in, not 0.",
        ),
        Mistake(
            _time_mask_keeps_stretch,
            "It is the other way round: the frames from start to start + width are hidden and "
            "the rest of S is kept.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q6: explain what you see
# ---------------------------------------------------------------------------

q6 = ExplainCheck(
    name="noise_colour_question",
    hints=[
        "Compare the orange noise curves with the black curve of the word in the lower "
        "panels: in which bands is the noise above the word, in which far below?",
        "The SNR is one number for the whole spectrum. Where does each colour put its power, "
        "and where does the word have its own?",
    ],
    solution="""
    All three mixes have the same total noise power, 5 dB below the word's, but the
    noises put that power in different places. The SNR is one number for the whole
    spectrum; what a listener or a model can still use depends on the SNR in each
    band, the gap between the black and the orange curves.

    White noise has the same power in every hertz, so most of its power lies at
    high frequencies, where the word is weak: above about 3 kHz the orange curve is
    above the black one, and the hiss of the "s" and the upper formants disappear,
    while the loud vowel energy below 1 kHz still stands out. Pink noise has the
    same power in every octave, so it falls with frequency much as the word's own
    spectrum does: it stays 5-15 dB below the word in most bands and dims everything
    a little, reaching the word only at the very top and bottom. Brown noise puts
    nearly all its power at the very lowest frequencies, below the voice's own pitch
    (about 90 Hz here): above a few hundred hertz it is 20-35 dB below the word,
    which stays almost clean.

    For the car, add low-frequency, brown-like rumble, and at low SNRs, since engine
    and road noise is loud; for the fan, white-like hiss. Better still, record the
    real background and mix it in. And when you report "accuracy at 5 dB SNR", say
    which noise: the number means little without it.
    """,
)
