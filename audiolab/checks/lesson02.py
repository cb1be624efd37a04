"""Checks for exercise 02, framing and windowing.

- ``q1``: ``n_frames(n_samples, frame_length, hop_length)``, how many whole frames fit.
- ``q2``: ``frame_signal(y, frame_length, hop_length)``, frames as columns.
- ``q3``: ``hann(n)``, the periodic Hann window.
- ``q4``: ``apply_window(frames, window)``, every frame times the window.
- ``q5``: explain why a Hann window reveals a quiet tone a rectangular one hides.
"""

from __future__ import annotations

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake

__all__ = ["q1", "q2", "q3", "q4", "q5"]


# ---------------------------------------------------------------------------
# q1: the number of frames
# ---------------------------------------------------------------------------


def _n_frames(n_samples, frame_length, hop_length):
    return 1 + (n_samples - frame_length) // hop_length


def _n_frames_no_plus_one(n_samples, frame_length, hop_length):
    return (n_samples - frame_length) // hop_length


def _n_frames_ignores_frame_length(n_samples, frame_length, hop_length):
    return n_samples // hop_length


def _n_frames_keeps_partial(n_samples, frame_length, hop_length):
    return 1 + int(np.ceil((n_samples - frame_length) / hop_length))


def _n_frames_no_overlap(n_samples, frame_length, hop_length):
    return n_samples // frame_length


q1 = FunctionCheck(
    name="n_frames",
    hints=[
        "The first frame starts at sample 0. How many more start positions, "
        "hop_length apart, leave room for a whole frame before the end?",
        "The last frame must start at or before sample n_samples - frame_length.",
        "Count the hops that fit in n_samples - frame_length with integer division "
        "(//), then add the first frame.",
    ],
    solution="""
    def n_frames(n_samples, frame_length, hop_length):
        return 1 + (n_samples - frame_length) // hop_length
    """,
    reference=_n_frames,
    cases=[
        Case((10, 4, 2)),
        Case((400, 400, 160)),
        Case((1000, 400, 160)),
        Case((16000, 400, 160)),
        Case((8000, 256, 64)),
    ],
    mistakes=[
        Mistake(
            _n_frames_no_plus_one,
            "That counts the hops between frames but not the first frame: add 1.",
        ),
        Mistake(
            _n_frames_ignores_frame_length,
            "That counts every start position up to the end of the signal, but a frame "
            "that starts near the end runs past it. Only starts up to "
            "n_samples - frame_length leave room for a whole frame.",
        ),
        Mistake(
            _n_frames_keeps_partial,
            "That counts a last, partial frame too. Frames hold whole frame_length "
            "samples: round the number of hops down (//), not up.",
        ),
        Mistake(
            _n_frames_no_overlap,
            "That counts frames laid end to end, without overlap. Consecutive frames "
            "start hop_length samples apart, not frame_length.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q2: framing a signal
# ---------------------------------------------------------------------------


def _frame_signal(y, frame_length, hop_length):
    count = 1 + (len(y) - frame_length) // hop_length
    return np.stack(
        [y[t * hop_length : t * hop_length + frame_length] for t in range(count)], axis=1
    )


def _frame_signal_rows(y, frame_length, hop_length):
    return _frame_signal(y, frame_length, hop_length).T


def _frame_signal_missing_last(y, frame_length, hop_length):
    return _frame_signal(y, frame_length, hop_length)[:, :-1]


def _frame_signal_no_overlap(y, frame_length, hop_length):
    return _frame_signal(y, frame_length, frame_length)


def _frame_signal_zero_padded(y, frame_length, hop_length):
    count = 1 + int(np.ceil((len(y) - frame_length) / hop_length))
    padded = np.concatenate([y, np.zeros((count - 1) * hop_length + frame_length - len(y))])
    return _frame_signal(padded, frame_length, hop_length)


def _frame_signal_mixed_indices(y, frame_length, hop_length):
    # Sample index and frame index swapped in the slice start: y[n * frame_length + t].
    count = 1 + (len(y) - frame_length) // hop_length
    out = np.zeros((frame_length, count), dtype=np.result_type(y, np.float64))
    for n in range(frame_length):
        for t in range(count):
            index = n * hop_length + t
            out[n, t] = y[index] if index < len(y) else 0.0
    return out


q2 = FunctionCheck(
    name="frame_signal",
    hints=[
        "Frame t holds the samples y[t * hop_length : t * hop_length + frame_length]. "
        "Use your n_frames from task 1 for how many there are.",
        "Collect the frames in a list and stack them with np.stack(..., axis=1), so "
        "that each frame is a column: the result has shape (frame_length, n_frames).",
        "count = 1 + (len(y) - frame_length) // hop_length, then "
        "np.stack([y[t * hop_length : t * hop_length + frame_length] for t in range(count)], axis=1)",
    ],
    solution="""
    def frame_signal(y, frame_length, hop_length):
        count = 1 + (len(y) - frame_length) // hop_length
        frames = [y[t * hop_length : t * hop_length + frame_length] for t in range(count)]
        return np.stack(frames, axis=1)

    # or, without a loop: audiolab.dsp.frame(y, frame_length=frame_length, hop_length=hop_length)
    """,
    reference=_frame_signal,
    cases=[
        Case((np.arange(10.0), 4, 3)),
        Case((np.arange(10.0), 4, 2)),
        Case((np.arange(9.0), 3, 3)),
        Case((np.arange(11.0), 4, 2)),
        Case((np.random.default_rng(2).standard_normal(1600), 400, 160)),
        Case((np.random.default_rng(3).standard_normal(1000).astype(np.float32), 256, 100)),
    ],
    mistakes=[
        Mistake(
            _frame_signal_rows,
            "Your frames are the rows. In this course (as in librosa) each frame is a "
            "column: the shape is (frame_length, n_frames), so frames[:, t] is frame t.",
        ),
        Mistake(
            _frame_signal_missing_last,
            "The last frame is missing: an off-by-one in the frame count. There are "
            "1 + (len(y) - frame_length) // hop_length frames.",
        ),
        Mistake(
            _frame_signal_no_overlap,
            "Your frames do not overlap: frame t starts at t * hop_length, not "
            "t * frame_length.",
        ),
        Mistake(
            _frame_signal_zero_padded,
            "You padded the end with zeros to make a last, partial frame. Keep whole "
            "frames only and drop the short tail.",
        ),
        Mistake(
            _frame_signal_mixed_indices,
            "The sample index and the frame index are mixed up: entry [n, t] should be "
            "y[t * hop_length + n] (sample n of frame t).",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q3: the periodic Hann window
# ---------------------------------------------------------------------------


def _hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def _hann_symmetric(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))


def _hann_plus(n):
    return 0.5 + 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def _hamming(n):
    return 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(n) / n)


def _hann_half_period(n):
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)


q3 = FunctionCheck(
    name="hann",
    hints=[
        "The Hann window is one period of a raised cosine: 0 at the start, 1 in the "
        "middle, back towards 0 at the end.",
        "w[k] = 0.5 - 0.5 * cos(2 * pi * k / N) for k = 0 .. n - 1. The periodic form "
        "divides by N = n, not by n - 1.",
        "0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)",
    ],
    solution="""
    def hann(n):
        k = np.arange(n)
        return 0.5 - 0.5 * np.cos(2 * np.pi * k / n)

    # the same as audiolab.dsp.get_window("hann", n) and scipy.signal.get_window("hann", n)
    """,
    reference=_hann,
    cases=[Case((4,)), Case((5,)), Case((8,)), Case((400,))],
    mistakes=[
        Mistake(
            _hann_symmetric,
            "That is the symmetric Hann window (np.hanning), which ends on a 0. For "
            "spectral analysis use the periodic one: divide by n, not n - 1, so that the "
            "window is one period of a cosine that repeats seamlessly.",
        ),
        Mistake(
            _hann_plus,
            "Your window is upside down: it is largest at the edges. It should start at "
            "0 and peak in the middle, 0.5 - 0.5 * cos(...).",
        ),
        Mistake(
            _hamming,
            "Those are the Hamming window's coefficients (0.54 and 0.46). Hann uses "
            "0.5 and 0.5, so that it reaches 0 at the edge.",
        ),
        Mistake(
            _hann_half_period,
            "Your cosine makes only half a period across the window. Use 2 * pi * k / n.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q4: windowing every frame
# ---------------------------------------------------------------------------


def _apply_window(frames, window):
    return frames * window[:, np.newaxis]


def _apply_window_forgotten(frames, window):
    return frames


def _apply_window_wrong_axis(frames, window):
    return frames * window[np.newaxis, :]


def _apply_window_to_first_frame(frames, window):
    out = np.array(frames, dtype=np.result_type(frames, window))
    out[:, 0] = out[:, 0] * window
    return out


def _apply_window_squared(frames, window):
    return frames * window[:, np.newaxis] ** 2


_rng = np.random.default_rng(4)

q4 = FunctionCheck(
    name="apply_window",
    hints=[
        "Each column of frames is one frame; every frame is multiplied, sample by "
        "sample, by the same window.",
        "Make the window a column, window[:, np.newaxis] (shape (frame_length, 1)), "
        "and NumPy broadcasting multiplies it into every column.",
        "return frames * window[:, np.newaxis]",
    ],
    solution="""
    def apply_window(frames, window):
        return frames * window[:, np.newaxis]
    """,
    reference=_apply_window,
    cases=[
        Case((np.ones((4, 4)), np.array([0.0, 0.5, 1.0, 0.5]))),
        Case((np.arange(12.0).reshape(4, 3), np.array([0.0, 0.5, 1.0, 0.5]))),
        Case((_rng.standard_normal((400, 8)), _hann(400))),
        Case((_rng.standard_normal((5, 5)), np.hanning(5))),
    ],
    mistakes=[
        Mistake(
            _apply_window_forgotten,
            "The frames come back unchanged: the window was not applied.",
        ),
        Mistake(
            _apply_window_wrong_axis,
            "The window runs along the frames instead of along the samples: it should "
            "multiply each column (a frame), so make it a column, window[:, np.newaxis].",
        ),
        Mistake(
            _apply_window_to_first_frame,
            "Only the first frame is windowed: every frame needs the window.",
        ),
        Mistake(
            _apply_window_squared,
            "The window is applied twice (squared). Multiply by it once.",
        ),
    ],
)


# ---------------------------------------------------------------------------
# q5: explain what you see
# ---------------------------------------------------------------------------

q5 = ExplainCheck(
    name="leakage_question",
    hints=[
        "Where does the strong tone's energy go with each window, far from its own "
        "frequency?",
        "Compare the highest side lobes of the two windows with the quiet tone's level.",
    ],
    solution="""
    The strong tone falls between two FFT bins, so it does not complete a whole
    number of periods in the frame. With the rectangular window the frame is cut
    off abruptly, and the strong tone's energy leaks into every bin: its side lobes
    fall off slowly (the highest at -13 dB, still about -30 dB eleven bins away at
    1350 Hz), so at the quiet tone's frequency the leakage is far louder than the
    quiet tone itself (-50 dB), which is buried. The Hann window tapers the frame
    to zero at both ends; its side lobes start at -31 dB and fall much faster, so
    eleven bins away the leakage is near -70 dB and the quiet tone stands out as a
    peak of its own, about 20 dB above it.

    The price: Hann's main lobe is twice as wide (4 bins instead of 2), so two tones
    closer than about two bins would merge into one peak. Windows trade frequency
    resolution (main-lobe width) for dynamic range (side-lobe level).
    """,
)
