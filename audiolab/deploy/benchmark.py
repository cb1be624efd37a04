"""Size, latency, memory and accuracy of a model in float32, dynamic and int8 (lesson 12)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from ..modelfile import QUANTIZATIONS
from ..predictors import QUANTIZATION_LABELS, TFLitePredictor
from ..validation import check_bool, check_choice, check_positive_int
from .convert import classifier_part, to_tflite

__all__ = ["benchmark", "benchmark_tflite", "format_table"]


def _tensor_bytes(interpreter) -> int:
    total = 0
    for detail in interpreter.get_tensor_details():
        shape = detail.get("shape")
        if shape is None or len(shape) == 0:
            n = 1
        else:
            n = int(np.prod(np.maximum(shape, 1)))
        total += n * np.dtype(detail["dtype"]).itemsize
    return int(total)


def _call_times(clf: TFLitePredictor, xq: NDArray) -> NDArray[np.float64]:
    """Seconds of one interpreter call for each row of the quantised input ``xq``."""
    times = np.empty(len(xq))
    for i in range(len(xq)):
        start = time.perf_counter()
        clf.invoke(xq[i : i + 1])
        times[i] = time.perf_counter() - start
    return times


def _features_and_labels(features: Any, labels: Any) -> tuple[NDArray[np.float32], NDArray]:
    x = np.asarray(features, np.float32)
    y = np.asarray(labels)
    if x.ndim != 3 or y.shape != (len(x),) or len(x) == 0:
        raise ParameterError(
            f"features must be (n, n_features, n_frames) and labels (n,), got {x.shape} and {y.shape}"
        )
    return x, y


def benchmark_tflite(
    model: TFLitePredictor | str | os.PathLike | bytes,
    features: Any,
    labels: Any,
    *,
    metadata: Mapping[str, Any] | None = None,
    n_timing: int = 200,
    rounds: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """Size, latency, memory and accuracy of one ``.tflite`` model: a row of :func:`benchmark`.

    Needs no TensorFlow: use it on a model written by ``audiolab export``,
    on the machine it is meant for.

    Parameters
    ----------
    model : TFLitePredictor, str, os.PathLike or bytes
        The model: a predictor, a ``.tflite`` file (with its settings file
        beside it) or a flatbuffer (with ``metadata``).
    features : np.ndarray [shape=(n, n_features, n_frames)]
        Test features (what the classifier takes).
    labels : np.ndarray [shape=(n,)], int
        Their classes.
    metadata : mapping or None
        The settings, as for :class:`~audiolab.predictors.TFLitePredictor`
        (not with a predictor).
    n_timing, rounds, seed : int
        As for :func:`benchmark`.

    Returns
    -------
    dict
        ``model`` (its quantisation, from the settings' ``quantize`` and
        ``per_channel``, or without them from the tensors' types), ``size_bytes``, ``size_kb``, ``latency_ms_median``,
        ``latency_ms_p95``, ``memory_kb`` and ``accuracy``, as for
        :func:`benchmark`.

    Examples
    --------
    >>> row = benchmark_tflite("kws.tflite", X_test, y_test)  # doctest: +SKIP
    >>> print(format_table([row]))  # doctest: +SKIP
    """
    x, y = _features_and_labels(features, labels)
    n_timing = check_positive_int("n_timing", n_timing)
    rounds = check_positive_int("rounds", rounds)
    if isinstance(model, TFLitePredictor):
        if metadata is not None:
            raise ParameterError("metadata is read from the predictor; pass one or the other")
        clf = model
    else:
        clf = TFLitePredictor(model, metadata=metadata)
    quantize = clf.quantization
    name = QUANTIZATION_LABELS[quantize]
    if quantize != "none" and clf.metadata.get("per_channel") is False:
        name += ", per tensor"
    accuracy = float(np.mean(clf.predict_features(x).argmax(1) == y))
    timed = np.random.default_rng(seed).choice(len(x), size=min(n_timing, len(x)), replace=False)
    xq = clf.quantize_input(x[timed])
    clf.invoke(xq[:1])  # warm-up
    times = min((_call_times(clf, xq) for _ in range(rounds)), key=np.median)
    return {
        "model": name, "size_bytes": clf.size, "size_kb": round(clf.size / 1024, 1),
        "latency_ms_median": float(np.median(times) * 1e3),
        "latency_ms_p95": float(np.percentile(times, 95) * 1e3),
        "memory_kb": round(_tensor_bytes(clf.interpreter) / 1024, 1),
        "accuracy": accuracy,
    }


def benchmark(
    model_or_path: Any,
    features: Any,
    labels: Any,
    *,
    representative_data: Any = None,
    metadata: Mapping[str, Any] | None = None,
    quantizations: Sequence[str] = QUANTIZATIONS,
    n_timing: int = 200,
    rounds: int = 3,
    seed: int = 0,
    per_channel: bool = True,
) -> list[dict[str, Any]]:
    """Size, latency, memory and accuracy of a model in float32, dynamic and int8, side by side.

    Parameters
    ----------
    model_or_path : keras.Model, str or os.PathLike
        A Keras model (or a ``.keras`` file saved by ``audiolab train``).
    features : np.ndarray [shape=(n, n_features, n_frames)]
        Test features (what the classifier takes).
    labels : np.ndarray [shape=(n,)], int
        Their classes.
    representative_data : np.ndarray or None
        Calibration features for int8 (training features, ~200).
    metadata : mapping or None
        Settings for the classifiers: ``class_names`` (default: the output
        indices), ``sr``, ``n_samples`` and ``features`` (default: those of
        the model's :class:`~audiolab.models.AudioFeatures` front end;
        required for a model without one).
    quantizations : sequence of {"none", "dynamic", "int8"}
    n_timing : int
        Clips timed one by one (after one warm-up call), in each round.
    rounds : int
        Times to time them. The latencies are those of the fastest round:
        the slower ones measure other work on the machine too.
    seed : int
        Which clips are timed.
    per_channel : bool
        For dynamic and int8: a scale per output channel of the weights, or
        with ``False`` one per tensor (see :func:`to_tflite`; the row's
        ``model`` then says "per tensor"). Float32 has no scales.

    Returns
    -------
    list of dict
        One row per quantisation: ``model`` (float32 / dynamic / int8),
        ``size_bytes``, ``size_kb``, ``latency_ms_median``, ``latency_ms_p95``
        (one interpreter call per clip, one thread, input already computed;
        the median and 95th percentile of the fastest of ``rounds`` rounds),
        ``memory_kb`` (bytes of every tensor the interpreter holds: weights
        plus activations, an upper bound of its arena) and ``accuracy``.

    See Also
    --------
    benchmark_tflite : the same for a ``.tflite`` model already converted.
    format_table

    Taught in lesson 12 (deployment with TFLite).
    """
    from .. import models

    if isinstance(model_or_path, (str, os.PathLike)):
        if metadata is None:
            metadata = models.read_metadata(model_or_path)
        model_or_path = models.load_model(model_or_path)
    x, y = _features_and_labels(features, labels)
    n_timing = check_positive_int("n_timing", n_timing)
    rounds = check_positive_int("rounds", rounds)
    per_channel = check_bool("per_channel", per_channel)
    for q in quantizations:
        check_choice("quantize", q, QUANTIZATIONS)
    classifier, frontend = classifier_part(model_or_path)
    n_classes = int(classifier.output_shape[-1])
    meta = dict(metadata or {})
    meta.setdefault("class_names", [str(i) for i in range(n_classes)])
    if frontend is not None:
        meta.setdefault("sr", frontend["sr"])
        meta.setdefault("features", {k: v for k, v in frontend.items() if k != "sr"})
        meta.setdefault("n_samples", (x.shape[2] - 1) * int(frontend["hop_length"]))
    missing = [k for k in ("sr", "n_samples", "features") if k not in meta]
    if missing:
        raise ParameterError(
            f"the model has no feature front end, so metadata must give {', '.join(missing)} "
            f"(the feature settings of its training)"
        )
    rows = []
    for q in quantizations:
        per_tensor = q != "none" and not per_channel  # float32 has no scales
        flat = to_tflite(model_or_path, quantize=q, representative_data=representative_data,
                         per_channel=not per_tensor)
        settings = {**meta, "quantize": q}
        if q != "none":
            settings["per_channel"] = not per_tensor
        rows.append(benchmark_tflite(flat, x, y, metadata=settings, n_timing=n_timing,
                                     rounds=rounds, seed=seed))
    return rows


def format_table(rows: Sequence[Mapping[str, Any]], *, columns: Sequence[str] | None = None,
                 digits: int = 3) -> str:
    """A Markdown table of :func:`benchmark`'s rows (floats rounded to ``digits``)."""
    if not rows:
        raise ParameterError("rows is empty")
    columns = list(columns or rows[0].keys())
    def cell(v):
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)
