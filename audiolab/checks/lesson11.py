"""Checks for exercise 11, deployment with TFLite.

- ``q1``: ``quantize(x, scale, zero_point)``, float to int8 the way TFLite does it.
- ``q2``: ``dequantize(q, scale, zero_point)``, int8 back to float.
- ``q3``: ``smooth_posteriors(posteriors, n)``, a causal moving average over windows.
- ``q4``: ``hex_lines(data, per_line)``, the body of a C array for microcontrollers.
- ``q5``: explain why int8 loses so little accuracy, and where it would lose more.
"""

from __future__ import annotations

import numpy as np

from .core import Case, ExplainCheck, FunctionCheck, Mistake

__all__ = ["q1", "q2", "q3", "q4", "q5"]


# ---------------------------------------------------------------------------
# q1: quantize
# ---------------------------------------------------------------------------


def _quantize(x, scale, zero_point):
    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def _quantize_truncates(x, scale, zero_point):
    q = np.trunc(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def _quantize_no_clip(x, scale, zero_point):
    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return q.astype(np.int64).astype(np.int8)  # wraps around


def _quantize_minus_zero_point(x, scale, zero_point):
    q = np.round(np.asarray(x, dtype=np.float64) / scale) - zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def _quantize_times_scale(x, scale, zero_point):
    q = np.round(np.asarray(x, dtype=np.float64) * scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


_X = np.array([-1.0, -0.26, 0.0, 0.1, 0.5, 1.0])
_WIDE = np.array([-40.0, -3.3, 0.0, 2.6, 12.0, 80.0])

q1 = FunctionCheck(
    name="quantize",
    hints=[
        "Divide by the scale to count steps, round to the nearest step, add the zero "
        "point, and keep the result inside int8's range.",
        "np.round(x / scale) + zero_point, then np.clip(..., -128, 127), then .astype(np.int8).",
    ],
    solution="""
    def quantize(x, scale, zero_point):
        q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
        return np.clip(q, -128, 127).astype(np.int8)
    """,
    reference=_quantize,
    cases=[
        Case((_X, 1 / 127, 0)),
        Case((_X, 2 / 255, -1)),
        Case((_WIDE, 0.25, -10)),
        Case((np.linspace(-3, 3, 25), 0.02, 5)),
    ],
    mistakes=[
        Mistake(_quantize_truncates,
                "Values are cut towards zero instead of rounded to the nearest step: use "
                "np.round before converting to int8 (astype alone truncates)."),
        Mistake(_quantize_no_clip,
                "Values beyond int8's range wrapped around (127 + 1 became -128): clip to "
                "[-128, 127] before .astype(np.int8)."),
        Mistake(_quantize_minus_zero_point,
                "The zero point is added when quantising (q = round(x / scale) + zero_point) "
                "and subtracted when dequantising, not the other way round."),
        Mistake(_quantize_times_scale,
                "The scale is the size of one step in float units: divide x by it to count "
                "steps, do not multiply."),
    ],
)


# ---------------------------------------------------------------------------
# q2: dequantize
# ---------------------------------------------------------------------------


def _dequantize(q, scale, zero_point):
    return ((np.asarray(q).astype(np.float32) - zero_point) * scale).astype(np.float32)


def _dequantize_int_overflow(q, scale, zero_point):
    q = np.asarray(q)
    return ((q - np.int8(zero_point)).astype(np.float32) * scale).astype(np.float32)


def _dequantize_plus_zero_point(q, scale, zero_point):
    return ((np.asarray(q).astype(np.float32) + zero_point) * scale).astype(np.float32)


def _dequantize_divides(q, scale, zero_point):
    return ((np.asarray(q).astype(np.float32) - zero_point) / scale).astype(np.float32)


def _dequantize_no_zero_point(q, scale, zero_point):
    return (np.asarray(q).astype(np.float32) * scale).astype(np.float32)


_Q = np.array([-128, -100, -1, 0, 1, 64, 127], dtype=np.int8)

q2 = FunctionCheck(
    name="dequantize",
    hints=[
        "Undo quantize: subtract the zero point, then multiply by the scale.",
        "Convert q to float32 *before* subtracting: in int8, 127 - (-128) overflows.",
    ],
    solution="""
    def dequantize(q, scale, zero_point):
        return (np.asarray(q).astype(np.float32) - zero_point) * scale
    """,
    reference=_dequantize,
    cases=[
        Case((_Q, 0.5, 0)),
        Case((_Q, 1 / 256, -128)),
        Case((_Q, 0.1, 10)),
    ],
    mistakes=[
        Mistake(_dequantize_int_overflow,
                "Some values wrapped around: q - zero_point was computed in int8, where "
                "127 - (-128) overflows. Convert q to float32 first."),
        Mistake(_dequantize_plus_zero_point,
                "Subtract the zero point (it is the integer that stands for 0.0), do not add it."),
        Mistake(_dequantize_divides,
                "Multiply by the scale to get back to float units; dividing undoes nothing."),
        Mistake(_dequantize_no_zero_point,
                "The zero point is missing: the integer zero_point stands for 0.0, so "
                "subtract it before scaling."),
    ],
    rtol=1e-5,
    atol=1e-6,
)


# ---------------------------------------------------------------------------
# q3: smooth_posteriors
# ---------------------------------------------------------------------------


def _smooth(posteriors, n):
    p = np.asarray(posteriors, dtype=np.float64)
    out = np.empty_like(p)
    for t in range(len(p)):
        out[t] = p[max(0, t - n + 1) : t + 1].mean(axis=0)
    return out


def _smooth_centred(posteriors, n):
    p = np.asarray(posteriors, dtype=np.float64)
    out = np.empty_like(p)
    half = n // 2
    for t in range(len(p)):
        out[t] = p[max(0, t - half) : t + n - half].mean(axis=0)
    return out


def _smooth_zero_padded(posteriors, n):
    p = np.asarray(posteriors, dtype=np.float64)
    out = np.empty_like(p)
    for t in range(len(p)):
        out[t] = p[max(0, t - n + 1) : t + 1].sum(axis=0) / n
    return out


def _smooth_sum(posteriors, n):
    p = np.asarray(posteriors, dtype=np.float64)
    out = np.empty_like(p)
    for t in range(len(p)):
        out[t] = p[max(0, t - n + 1) : t + 1].sum(axis=0)
    return out


def _smooth_over_classes(posteriors, n):
    p = np.asarray(posteriors, dtype=np.float64)
    return _smooth(p.T, n).T


_P = np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7], [0.8, 0.2], [0.6, 0.4]])
_P3 = np.random.default_rng(11).dirichlet(np.ones(4), size=9)

q3 = FunctionCheck(
    name="smooth_posteriors",
    hints=[
        "Row t of the result is the mean of rows t-n+1 .. t of the input (the last n "
        "windows, the current one included): a detector cannot look into the future.",
        "At the start fewer than n windows exist: average those that do "
        "(posteriors[max(0, t - n + 1) : t + 1].mean(axis=0)).",
    ],
    solution="""
    def smooth_posteriors(posteriors, n):
        p = np.asarray(posteriors, dtype=float)
        out = np.empty_like(p)
        for t in range(len(p)):
            out[t] = p[max(0, t - n + 1) : t + 1].mean(axis=0)
        return out
    """,
    reference=_smooth,
    cases=[
        Case((_P, 1)),
        Case((_P, 2)),
        Case((_P, 3)),
        Case((_P3, 4)),
    ],
    mistakes=[
        Mistake(_smooth_centred,
                "That window is centred, so it uses windows that have not arrived yet. A "
                "streaming detector can only average the last n windows, up to the current one."),
        Mistake(_smooth_zero_padded,
                "The first rows are too small: before n windows exist, divide by how many "
                "there are (use .mean), not by n."),
        Mistake(_smooth_sum,
                "That is a sum: divide by the number of windows so each row stays a "
                "probability distribution."),
        Mistake(_smooth_over_classes,
                "That averages across classes. Rows are windows (time), columns are "
                "classes: average over rows (axis=0)."),
    ],
)


# ---------------------------------------------------------------------------
# q4: hex_lines
# ---------------------------------------------------------------------------


def _lines(data, per_line, byte=lambda b: f"0x{b:02x}", *, stop=None):
    data = bytes(data)
    stop = len(data) if stop is None else stop
    lines = []
    for i in range(0, stop, per_line):
        line = "  " + ", ".join(byte(b) for b in data[i : i + per_line])
        if i + per_line < stop:
            line += ","
        lines.append(line)
    return lines


def _hex_lines(data, per_line):
    return _lines(data, per_line)


def _hex_lines_trailing_comma(data, per_line):
    return [line if line.endswith(",") else line + "," for line in _lines(data, per_line)]


def _hex_lines_unpadded(data, per_line):
    return _lines(data, per_line, hex)


def _hex_lines_decimal(data, per_line):
    return _lines(data, per_line, str)


def _hex_lines_drops_tail(data, per_line):
    return _lines(data, per_line, stop=len(bytes(data)) // per_line * per_line)


q4 = FunctionCheck(
    name="hex_lines",
    hints=[
        "Take the bytes per_line at a time; write each as 0x and two lower-case hex digits "
        "(f\"0x{b:02x}\"), joined by \", \", after two spaces of indent.",
        "Every line but the last ends with a comma; the last bytes make a shorter line.",
    ],
    solution="""
    def hex_lines(data, per_line):
        data = bytes(data)
        lines = []
        for i in range(0, len(data), per_line):
            line = "  " + ", ".join(f"0x{b:02x}" for b in data[i : i + per_line])
            if i + per_line < len(data):
                line += ","
            lines.append(line)
        return lines
    """,
    reference=_hex_lines,
    cases=[
        Case((b"\x1c\x00\x00\x00", 4)),
        Case((b"\x1c\x00\x00\x00TFL3", 4)),
        Case((bytes(range(0, 250, 7)), 12)),
        Case((b"\x01\xff\x10", 2)),
    ],
    mistakes=[
        Mistake(_hex_lines_trailing_comma,
                "The last line ends with a comma; C allows it, but xxd -i and TFLM's examples "
                "put commas only between lines. Leave it off the last line."),
        Mistake(_hex_lines_unpadded,
                "Bytes below 16 need two hex digits (0x00, not 0x0): use f\"0x{b:02x}\"."),
        Mistake(_hex_lines_decimal,
                "Those are decimal numbers; write every byte in hexadecimal: f\"0x{b:02x}\"."),
        Mistake(_hex_lines_drops_tail,
                "The last, shorter line is missing: the bytes that do not fill a whole line "
                "belong to the model too."),
    ],
)


# ---------------------------------------------------------------------------
# q5: explain
# ---------------------------------------------------------------------------

q5 = ExplainCheck(
    name="int8_question",
    hints=[
        "How big is one quantisation step of a weight tensor compared with the spread of "
        "its values? And what does the representative data fix for the activations?",
        "Think of an input the calibration never saw, and of the log-mel front end.",
    ],
    solution="""
    Each tensor gets its own scale (weights even one per output channel), chosen
    from the range of its values: 256 steps over that range make the rounding error
    of a weight about 0.4 % of the range, small noise that a trained network
    tolerates, just as it tolerates dropout. The activations' scales come from the
    representative training features, so typical inputs use the int8 range well.
    The argmax rarely changes: accuracy moves by a fraction of a point.

    It loses more when the calibration data do not look like the real inputs
    (louder or noisier recordings are clipped at 127), when a tensor has a few
    huge outliers (the scale grows and the other values get only a few steps),
    for tiny layers where every weight matters, and for quantities with a huge
    dynamic range such as a power spectrum (ten orders of magnitude): that is why
    the log-mel front end stays in float and only the classifier is quantised.
    """,
)
