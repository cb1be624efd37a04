"""Checks for exercise 12, deployment with TFLite.

- ``q1``: ``quantize(x, scale, zero_point)``, float to int8 the way TFLite does it.
- ``q2``: ``dequantize(q, scale, zero_point)``, int8 back to float.
- ``q3``: ``smooth_posteriors(posteriors, n)``, a causal moving average over windows.
- ``q4``: ``hex_lines(data, per_line)``, the body of a C array for microcontrollers.
- ``q5``: explain why int8 loses so little accuracy, and where it would lose more.
- ``q6``: ``quantize_int8(model, X_train)``, fix a full-int8 conversion calibrated with
  the wrong data; the learner's ``.tflite`` bytes are run by the LiteRT interpreter on
  speakers the model never heard and must stay close to the float model.

TensorFlow is imported only when ``q6`` trains its float model and runs the learner's.
"""

from __future__ import annotations

import numpy as np

from .core import (
    Case,
    ExplainCheck,
    FunctionCheck,
    Mistake,
    Outcome,
    Result,
    _is_not_attempted,
    describe,
)
from .lesson07 import TrainingCheck, _digits_for_training, _placeholder

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "QuantizationCheck"]


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


# ---------------------------------------------------------------------------
# q6: full-int8 quantisation calibrated with the right data
# ---------------------------------------------------------------------------


class QuantizationCheck(TrainingCheck):
    """A "quantise this model" task: the learner's ``.tflite`` bytes, run on held-out clips.

    ``data() -> ((model, X_train), X_test, y_test, class_names)``, as for
    :class:`~audiolab.checks.lesson07.TrainingCheck`; the float model's
    accuracy on the held-out clips is measured once. The learner's function
    gets the float model and the training features and returns the bytes of a
    full-integer model (int8 input and output); it passes when its accuracy on
    the held-out clips is at most ``margin`` below the float model's.

    Attributes
    ----------
    float_accuracy : float or None
        The float model's accuracy on the held-out clips (after the first run).
    """

    def __init__(self, *, margin: float, **kwargs) -> None:
        super().__init__(target=0.0, **kwargs)
        self.margin = float(margin)
        self.float_accuracy: float | None = None

    def _run(self, function):
        if _is_not_attempted(function):
            return Result(Outcome.NOT_ATTEMPTED, f"write {self.name} and pass it to check().")
        if not callable(function):
            return Result(Outcome.INCORRECT,
                          f"check() expects your function itself, e.g. check({self.name}), "
                          f"not {describe(function)}")
        if _placeholder(function):  # not attempted: do not train the float model for nothing
            return Result(Outcome.NOT_ATTEMPTED,
                          f"replace the `raise NotImplementedError` in {self.name} with your code.")
        import time

        from .. import features, predictors
        from ..errors import AudiolabError
        from ..quiet import silenced

        with silenced():  # the LiteRT runtime's start-up note
            import ai_edge_litert.interpreter  # noqa: F401

        (model, X_train), X_test, y_test, class_names = self._load()
        if self.float_accuracy is None:
            p_float = np.asarray(model.predict(X_test, batch_size=64, verbose=0))
            self.float_accuracy = float(np.mean(np.argmax(p_float, axis=1) == y_test))
        start = time.perf_counter()
        try:
            flat = function(model, X_train.copy())
        except NotImplementedError:
            return Result(Outcome.NOT_ATTEMPTED,
                          f"replace the `raise NotImplementedError` in {self.name} with your code.")
        except Exception as error:  # the learner's code: report it
            return Result(Outcome.INCORRECT,
                          f"{self.name}(model, X_train) raised {type(error).__name__}: {error}")
        seconds = time.perf_counter() - start
        if not isinstance(flat, (bytes, bytearray)):
            return Result(Outcome.INCORRECT,
                          f"{self.name} returned {describe(flat)}, but it should return the "
                          f".tflite model as bytes (what deploy.to_tflite returns).")
        metadata = {"class_names": list(class_names), "sr": 16000, "n_samples": 16000,
                    "features": dict(features.SPEECH_FEATURES)}
        try:
            tflite = predictors.TFLitePredictor(bytes(flat), metadata=metadata)
        except AudiolabError as error:
            return Result(Outcome.INCORRECT, f"the bytes {self.name} returned are not a usable "
                                             f"TFLite model for these features: {error}")
        if not tflite.quantized:
            return Result(Outcome.INCORRECT,
                          "the model takes float32 input: that is a float or dynamic-range "
                          "conversion (int8 weights, float activations). Full-integer "
                          "quantisation, which a microcontroller needs, is "
                          "deploy.to_tflite(model, quantize='int8', representative_data=...).")
        p_test = tflite.predict_features(X_test)
        self.seconds = seconds
        self.accuracy = accuracy = float(np.mean(np.argmax(p_test, axis=1) == y_test))
        drop = self.float_accuracy - accuracy
        figures = (f"the int8 model reaches {accuracy:.2f} on {self.held_out} the model never "
                   f"heard, the float model {self.float_accuracy:.2f} (at most {self.margin:.2f} "
                   f"lower counts)")
        if seconds > self.time_limit:
            return Result(Outcome.INCORRECT,
                          f"{self.name} took {seconds:.0f} s, more than the {self.time_limit:.0f} s "
                          f"a Binder CPU can spare: calibrate on 100-200 clips, not more.")
        if drop <= self.margin:
            return Result(Outcome.CORRECT, f"{self.name} works: {figures}.")
        scale, zero_point = tflite.input_details["quantization"]
        low, high = (-128 - zero_point) * scale, (127 - zero_point) * scale
        data_low, data_high = np.percentile(X_train, [1, 99])
        span = (f"The int8 input covers {low:.1f} to {high:.1f}, while the training features "
                f"(log-mel in dB) lie between {data_low:.1f} and {data_high:.1f}")
        covered = max(0.0, min(high, data_high) - max(low, data_low)) / (data_high - data_low)
        if accuracy < 1 / len(class_names) + 0.1 or covered < 0.8:
            return Result(Outcome.INCORRECT,
                          f"{figures}. {span}: the scales were calibrated on data that do not look "
                          f"like the model's input, so real clips are clipped or crushed into a "
                          f"few steps. The representative data must be real training features "
                          f"such as X_train[:200], exactly what the model is fed (not random "
                          f"numbers, zeros or rescaled features).")
        return Result(Outcome.INCORRECT,
                      f"{figures}. The calibration saw too little: with a few clips the range of "
                      f"each activation is underestimated and louder or other speakers' clips "
                      f"are clipped. Use 100-200 training clips of every class "
                      f"(X_train[:200]).")


def _float_model_and_data():
    """Exercise 12's data: exercise 07's CNN, trained here, its training features, held-out clips."""
    from .. import models, seeding
    from ..quiet import import_keras

    keras = import_keras()  # without TensorFlow's start-up banner

    arguments, X_test, y_test, class_names = _digits_for_training()
    X_train, y_train = arguments[0], arguments[1]
    with seeding.seeded(0):
        model = models.build_cnn(X_train.shape[1:], 10, filters=(8, 16, 32), normalization=X_train)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(X_train, y_train, epochs=20, batch_size=32, verbose=0)
    return (model, X_train), X_test, y_test, class_names


q6 = QuantizationCheck(
    name="quantize_int8",
    hints=[
        "Full-integer quantisation must choose a scale and zero point for every activation. "
        "It runs the representative data through the model and takes each tensor's range: "
        "those numbers must look like what the model really gets.",
        "The model takes log-mel features in dB (about -80 to +15), and it standardises them "
        "inside. Uniform random numbers in [0, 1) give the input an int8 range of [0, 1): "
        "every real clip is clipped to its top step.",
        "return deploy.to_tflite(model, quantize='int8', representative_data=X_train[:200])",
    ],
    solution="""
    def quantize_int8(model, X_train):
        return deploy.to_tflite(model, quantize="int8",
                                representative_data=X_train[:200])   # real training features
    """,
    data=_float_model_and_data,
    margin=0.03,
    held_out="250 clips of 25 speakers",
    time_limit=60.0,
    seed=0,
)
