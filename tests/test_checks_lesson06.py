"""Exercise 06's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab import augment, preprocess
from audiolab.checks import Outcome
from audiolab.checks import lesson06 as checks

FUNCTION_CHECKS = [checks.q1, checks.q2, checks.q3, checks.q4, checks.q5]


# The solutions as the solution notebook writes them.
def add_noise_at_snr(y, noise, snr_db):
    signal_power = np.mean(y**2)
    noise_power = np.mean(noise**2)
    target_noise_power = signal_power / 10 ** (snr_db / 10)
    scale = np.sqrt(target_noise_power / noise_power)
    return y + scale * noise


def time_shift(y, shift):
    out = np.zeros_like(y)
    n = len(y)
    if abs(shift) >= n:
        return out
    if shift >= 0:
        out[shift:] = y[: n - shift]
    else:
        out[:shift] = y[-shift:]
    return out


def random_crop(y, length, rng):
    start = rng.integers(0, len(y) - length + 1)
    return y[start : start + length]


def freq_mask(S, start, width, value):
    out = S.copy()
    out[start : start + width, :] = value
    return out


def time_mask(S, start, width, value):
    out = S.copy()
    out[:, start : start + width] = value
    return out


@pytest.mark.parametrize(
    "check, solution",
    [
        (checks.q1, add_noise_at_snr),
        (checks.q1, lambda y, noise, snr: augment.add_noise(y, snr_db=snr, noise=noise)),
        (checks.q2, time_shift),
        # Other right answers: slicing with max/min, or padding and cropping.
        (checks.q2, lambda y, s: np.concatenate([np.zeros(max(s, 0)), y, np.zeros(max(-s, 0))])[
            max(-s, 0) : max(-s, 0) + len(y)] if abs(s) < len(y) else np.zeros_like(y)),
        (checks.q3, random_crop),
        (checks.q3, lambda y, n, rng: preprocess.pad_or_crop(y, n, mode="random", rng=rng)),
        # A different way of drawing the start is just as right.
        (checks.q3, lambda y, n, rng: y[int(rng.integers(len(y) - n + 1)) :][:n]),
        (checks.q3, lambda y, n, rng: y[int(np.floor(rng.random() * (len(y) - n + 1))) :][:n]),
        (checks.q4, freq_mask),
        (checks.q5, time_mask),
        (checks.q4, lambda S, s, w, v: np.where((np.arange(len(S)) >= s)[:, None]
                                                & (np.arange(len(S)) < s + w)[:, None], v, S)),
    ],
)
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_exception_is_reported_with_its_arguments():
    def shift_with_pad(y, shift):
        return np.pad(y, (shift, 0))[: len(y)]  # a negative pad width raises

    result = checks.q2.run(shift_with_pad)
    assert result.outcome is Outcome.INCORRECT
    assert "time_shift([1., 2., 3., 4., 5.], -2) raised ValueError" in result.message

    def crop_excluding_the_end(y, length, rng):
        start = rng.integers(0, len(y) - length)  # high <= low when the lengths are equal
        return y[start : start + length]

    result = checks.q3.run(crop_excluding_the_end)
    assert result.outcome is Outcome.INCORRECT
    assert "random_crop([10., 20., 30., 40.], 4, np.random.default_rng(0)) raised ValueError" in (
        result.message
    )


@pytest.mark.parametrize(
    "check, in_place",
    [
        (checks.q1, lambda y, noise, snr: np.add(y, add_noise_at_snr(y, noise, snr) - y, out=y)),
        (checks.q2, lambda y, s: np.copyto(y, time_shift(y, s)) or y),
        (checks.q4, lambda S, s, w, v: S.__setitem__((slice(s, s + w), slice(None)), v) or S),
        (checks.q5, lambda S, s, w, v: S.__setitem__((slice(None), slice(s, s + w)), v) or S),
    ],
)
def test_changing_the_input_in_place_fails(check, in_place):
    result = check.run(in_place)
    assert result.outcome is Outcome.INCORRECT
    assert "changed the array you passed in" in result.message


def test_the_usual_in_place_mask_is_caught():
    def freq_mask_in_place(S, start, width, value):
        S[start : start + width, :] = value
        return S

    message = checks.q4.run(freq_mask_in_place).message
    assert "freq_mask(<array shape=(40, 101) dtype=float32>, 12, 8," in message
    assert "changes pile up" in message


def test_random_crop_properties():
    def first_piece(y, length, rng):
        return y[:length]

    assert "always returned the same piece (start 0)" in checks.q3.run(first_piece).message

    def never_last(y, length, rng):
        start = rng.integers(0, max(len(y) - length, 1))
        return y[start : start + length]

    assert "never returned the last piece, y[3:10]" in checks.q3.run(never_last).message

    def global_random(y, length, rng):
        start = np.random.randint(0, len(y) - length + 1)
        return y[start : start + length]

    assert "gave different pieces" in checks.q3.run(global_random).message

    def lopsided(y, length, rng):
        start = len(y) - length if rng.random() < 0.7 else rng.integers(0, len(y) - length + 1)
        return y[start : start + length]

    assert "far more often than others" in checks.q3.run(lopsided).message

    def never_first(y, length, rng):
        start = rng.integers(1, len(y) - length + 1) if len(y) > length else 0
        return y[start : start + length]

    assert "never started at [0]" in checks.q3.run(never_first).message


def test_crop_cases_give_fresh_generators():
    # The learner, the reference and the mistakes draw the same numbers for a case.
    case = checks.q3.cases[2]
    a = checks.q3._call(random_crop, case)
    b = checks.q3._call(random_crop, case)
    np.testing.assert_array_equal(a, b)
    assert "np.random.default_rng(2)" in case.describe()


def test_explain_question_has_a_model_answer(capsys):
    assert checks.q6.run("").outcome is Outcome.NOT_ATTEMPTED
    checks.q6.hint()
    checks.q6.solution()
    out = capsys.readouterr().out
    assert "Hint 1 of 2" in out
    assert "White noise" in out and "Brown noise" in out and "one number" in out
