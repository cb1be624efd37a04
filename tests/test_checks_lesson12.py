"""Exercise 12's checks: the solutions pass, typical mistakes get their message."""

from __future__ import annotations

import numpy as np
import pytest
from check_results import wrong

from audiolab.checks import Outcome
from audiolab.checks import lesson12 as checks

FUNCTION_CHECKS = [checks.q1, checks.q2, checks.q3, checks.q4]


# The solutions as the solution notebook writes them.
def quantize(x, scale, zero_point):
    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def dequantize(q, scale, zero_point):
    return (np.asarray(q).astype(np.float32) - zero_point) * scale


def smooth_posteriors(posteriors, n):
    p = np.asarray(posteriors, dtype=float)
    out = np.empty_like(p)
    for t in range(len(p)):
        out[t] = p[max(0, t - n + 1) : t + 1].mean(axis=0)
    return out


def hex_lines(data, per_line):
    data = bytes(data)
    lines = []
    for i in range(0, len(data), per_line):
        line = "  " + ", ".join(f"0x{b:02x}" for b in data[i : i + per_line])
        if i + per_line < len(data):
            line += ","
        lines.append(line)
    return lines


def hex_lines_from_to_c_array(data, per_line):
    from audiolab.deploy import to_c_array

    source, _ = to_c_array(bytes(data), "g_model", per_line=per_line)
    return source.splitlines()[3:-2]


@pytest.mark.parametrize("check, solution", [
    (checks.q1, quantize),
    (checks.q2, dequantize),
    (checks.q3, smooth_posteriors),
    (checks.q4, hex_lines),
    (checks.q4, hex_lines_from_to_c_array),
])
def test_solutions_pass(check, solution):
    result = check.run(solution)
    assert result.correct, str(result)


def test_specific_messages():
    assert "wrapped around" in checks.q1.run(
        lambda x, s, z: (np.round(np.asarray(x) / s) + z).astype(np.int64).astype(np.int8)).message
    assert "float32 first" in checks.q2.run(
        lambda q, s, z: ((np.asarray(q) - np.int8(z)).astype(np.float32) * s)).message
    assert "centred" in checks.q3.run(
        lambda p, n: np.stack([np.asarray(p)[max(0, t - n // 2): t + n - n // 2].mean(0)
                               for t in range(len(p))])).message


def test_explain_question_has_a_model_answer(capsys):
    assert checks.q5.run(...).outcome is Outcome.NOT_ATTEMPTED
    checks.q5.solution()
    out = capsys.readouterr().out
    assert "scale" in out and "front end" in out


# q6: full-int8 quantisation; the check runs the learner's bytes on speakers the model never heard.


def _int8(calibration):
    from audiolab import deploy

    return lambda model, X_train: deploy.to_tflite(model, quantize="int8",
                                                   representative_data=calibration(X_train))


def test_q6_not_attempted():
    assert checks.q6.run(None).outcome is Outcome.NOT_ATTEMPTED

    def placeholder(model, X_train):
        raise NotImplementedError("Replace this line with your code")

    assert checks.q6.run(placeholder).outcome is Outcome.NOT_ATTEMPTED
    assert checks.q6.run("answer").outcome is Outcome.INCORRECT


@pytest.mark.slow
def test_q6_solution_passes_and_wrong_calibrations_fail_with_their_reason():
    pytest.importorskip("ai_edge_litert")
    result = checks.q6.run(_int8(lambda X: X[:200]))
    assert result.correct, str(result)
    assert checks.q6.float_accuracy >= 0.85
    assert checks.q6.float_accuracy - checks.q6.accuracy <= checks.q6.margin - 0.01, str(result)
    # the task's first attempt: uniform random numbers
    wrong(checks.q6, _int8(lambda X: np.random.default_rng(0).random((100, *X.shape[1:]))),
           "The int8 input covers 0.0 to 1.0", "real training features")
    assert checks.q6.accuracy < 0.3
    # standardised features: the model standardises inside, so the scale is wrong
    wrong(checks.q6, _int8(lambda X: (X[:200] - X.mean()) / X.std()), "do not look like")
    # one clip: too little calibration
    wrong(checks.q6, _int8(lambda X: X[:1]), "saw too little", "100-200 training clips")
    # dynamic range or float: not full-integer
    from audiolab import deploy

    wrong(checks.q6, lambda model, X: deploy.to_tflite(model, quantize="dynamic"),
           "takes float32 input", "quantize='int8'")
    wrong(checks.q6, lambda model, X: model, "as bytes")
    wrong(checks.q6, lambda model, X: b"not a model", "not a usable TFLite model")
    wrong(checks.q6, lambda model, X: X[len(X)], "raised IndexError")


def test_q6_a_blank_is_not_attempted_without_training():
    def quantize_int8(model, X_train):
        """Full-integer (int8) TFLite bytes."""
        raise NotImplementedError("Replace this line with your code")

    before = checks.q6._data
    assert checks.q6.run(quantize_int8).outcome is Outcome.NOT_ATTEMPTED
    assert checks.q6._data is before
    assert not checks._placeholder(lambda model, X: None)
