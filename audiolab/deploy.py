"""Deployment: TensorFlow Lite conversion, a LiteRT classifier, benchmarks, streaming, C arrays.

- :func:`to_tflite` converts a Keras model to a ``.tflite`` flatbuffer: float32,
  dynamic-range (int8 weights, float activations) or full-integer int8
  (int8 weights, activations, input and output; calibrated on a
  representative sample of training features).
- :class:`TFLiteClassifier` runs a ``.tflite`` model with the LiteRT
  interpreter (``ai_edge_litert``), quantises its input and dequantises its
  output, and predicts from waveforms or from features. It is an
  :class:`audiolab.evaluate.Predictor`, so everything that takes a predictor
  (``evaluate_folder``, ``audiolab evaluate``) takes it too.
- :func:`save_tflite` / :func:`export_model` write the model and its settings.
- :func:`benchmark`: size, latency, memory and accuracy of float, dynamic and
  int8 side by side.
- :class:`StreamingDetector` slides a window over a long recording or a live
  stream and reports smoothed detections with their times.
- :func:`to_c_array`: the model as a C array for TensorFlow Lite for
  Microcontrollers.

**The feature front end stays in NumPy.** The course's end-to-end models
(``audiolab train``) start with an :class:`audiolab.models.AudioFeatures`
layer (waveform to log-mel). It converts to TFLite in float, but it quantises
badly: the power spectrum spans ten orders of magnitude, far beyond 8 bits,
and microcontrollers compute features with their own DSP code anyway. So
:func:`to_tflite` exports the *classifier* (features in, probabilities out,
including the ``Normalization`` layer) and :class:`TFLiteClassifier` computes
the features with :func:`audiolab.features.extract_batch` from the settings
saved with the model, exactly as in training.

**Where the settings live: a sidecar file.** ``MODEL.tflite`` is written with
``MODEL.tflite.json`` beside it (class names, sample rate, clip length,
feature settings, quantisation), both atomically. A sidecar is readable by
any tool and any language without a flatbuffer parser, and leaves the
``.tflite`` file byte for byte what the converter made (the size in the
benchmark is the model's size). Keep the two files together; a classifier
built from bytes takes ``metadata=`` instead.

TensorFlow is imported only inside the functions that convert; running a
``.tflite`` model needs only ``ai_edge_litert`` and NumPy.

Taught in lesson 11 (deployment with TFLite).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import AudiolabError, ParameterError
from .evaluate import Predictor
from .validation import check_choice, check_positive, check_positive_int, check_probability

__all__ = [
    "QUANTIZATIONS",
    "to_tflite",
    "classifier_part",
    "save_tflite",
    "read_tflite_metadata",
    "export_model",
    "TFLiteClassifier",
    "benchmark",
    "format_table",
    "StreamingDetector",
    "StreamResult",
    "to_c_array",
    "write_c_array",
    "sidecar_path",
]

#: The quantisation choices of :func:`to_tflite`, and their names in tables.
QUANTIZATIONS = ("none", "dynamic", "int8")
_LABELS = {"none": "float32", "dynamic": "dynamic", "int8": "int8"}


# ---------------------------------------------------------------------------
# Quiet: the converter and the interpreter print to the C++ streams
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet():
    """Silence file descriptors 1 and 2 and Python's streams (converter and LiteRT chatter)."""
    import io
    import logging

    saved = {}
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd in (1, 2):
            saved[fd] = os.dup(fd)
    except (OSError, ValueError, AttributeError):
        saved = {}
    loggers = [logging.getLogger(name) for name in ("absl", "tensorflow")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        if saved:
            with open(os.devnull, "w") as devnull:
                for fd in saved:
                    os.dup2(devnull.fileno(), fd)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)


def _interpreter(content: bytes, num_threads: int = 1):
    from ai_edge_litert.interpreter import Interpreter

    try:
        with _quiet():
            interpreter = Interpreter(model_content=bytes(content), num_threads=num_threads)
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise AudiolabError(f"not a TFLite model ({reason})") from None
    return interpreter


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------


def classifier_part(model) -> tuple[Any, dict[str, Any] | None]:
    """Split an end-to-end model into its classifier (features in) and its front end settings.

    Parameters
    ----------
    model : keras.Model
        A model that takes features, or one made by
        :func:`audiolab.models.with_frontend` (waveform, ``AudioFeatures``,
        then the classifier).

    Returns
    -------
    classifier : keras.Model
        The part that takes features ``(n_features, n_frames)``.
    frontend : dict or None
        The front end's ``sr`` and feature settings, or None when the model
        takes features already.

    Raises
    ------
    ParameterError
        If the model has a front end in an arrangement other than
        ``with_frontend``'s.
    """
    from .models import AudioFeatures

    frontends = [layer for layer in model.layers if isinstance(layer, AudioFeatures)]
    if not frontends:
        return model, None
    inner = [layer for layer in model.layers
             if hasattr(layer, "layers") and hasattr(layer, "input_shape")]
    if len(frontends) != 1 or len(inner) != 1:
        raise ParameterError(
            "model has an AudioFeatures front end but not as with_frontend makes it "
            "(waveform -> AudioFeatures -> classifier model); pass the classifier itself"
        )
    frontend = frontends[0]
    return inner[0], {"sr": frontend.sr, **frontend.settings()}


def _representative(data: Any, shape: tuple[int, ...], frontend: Mapping[str, Any] | None,
                    limit: int = 200) -> NDArray[np.float32]:
    """Calibration features (n, *shape) from features or (with a front end) waveforms."""
    if data is None:
        raise ParameterError(
            "quantize='int8' needs representative_data: a sample of training features "
            "(n, n_features, n_frames) or, for a model with a front end, waveforms (n, n_samples)"
        )
    x = np.asarray(data, dtype=np.float32)
    if x.ndim == len(shape) + 1 and tuple(x.shape[1:]) == shape:
        pass
    elif frontend is not None and x.ndim == 2:
        from .features import extract_batch

        settings = {k: v for k, v in frontend.items() if k != "sr"}
        x = extract_batch(x[:limit], frontend["sr"], **settings)
        if tuple(x.shape[1:]) != shape:
            raise ParameterError(
                f"representative_data: the waveforms give features {x.shape[1:]}, the model takes "
                f"{shape}"
            )
    else:
        raise ParameterError(
            f"representative_data must have shape (n, {', '.join(map(str, shape))}), got {x.shape}"
        )
    if len(x) == 0:
        raise ParameterError("representative_data holds no examples")
    if not np.all(np.isfinite(x)):
        raise ParameterError("representative_data contains NaN or infinity")
    return np.ascontiguousarray(x[:limit])


def to_tflite(model, *, quantize: str = "none", representative_data: Any = None) -> bytes:
    """Convert a Keras model to a TensorFlow Lite flatbuffer.

    Parameters
    ----------
    model : keras.Model
        A classifier that takes features, or an end-to-end model with an
        :class:`~audiolab.models.AudioFeatures` front end: then only the
        classifier is converted (see the module's notes) and the features
        are computed in NumPy by :class:`TFLiteClassifier`.
    quantize : {"none", "dynamic", "int8"}
        ``"none"``: float32 weights and activations. ``"dynamic"``:
        dynamic-range quantisation, int8 weights, float activations (no
        data needed). ``"int8"``: full-integer quantisation, int8 weights
        and activations, int8 input and output; every operation must have an
        int8 kernel.
    representative_data : np.ndarray or None
        For ``"int8"``: a sample of *training* features
        ``(n, n_features, n_frames)`` (about 100-200 clips), or waveforms
        ``(n, n_samples)`` for a model with a front end. The converter runs
        them through the model to choose each activation's scale and zero
        point.

    Returns
    -------
    bytes
        The ``.tflite`` flatbuffer.

    Raises
    ------
    ParameterError
        If ``quantize`` is unknown or int8 has no representative data.
    AudiolabError
        If the converter fails.

    See Also
    --------
    TFLiteClassifier, save_tflite, benchmark

    Examples
    --------
    >>> flat = to_tflite(model, quantize="int8", representative_data=x_train[:200])  # doctest: +SKIP
    >>> len(flat) < 50_000  # doctest: +SKIP
    True

    Taught in lesson 11 (deployment with TFLite).
    """
    check_choice("quantize", quantize, QUANTIZATIONS)
    import tensorflow as tf

    from .models import keras  # quiet TensorFlow import

    if not isinstance(model, keras.Model):
        raise ParameterError(f"model must be a keras.Model, got {type(model).__name__}")
    classifier, frontend = classifier_part(model)
    shape = tuple(int(n) for n in classifier.input_shape[1:])
    converter = tf.lite.TFLiteConverter.from_keras_model(classifier)
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "int8":
        sample = _representative(representative_data, shape, frontend)

        def examples():
            for row in sample:
                yield [row[np.newaxis]]

        converter.representative_dataset = examples
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    try:
        with _quiet():
            return bytes(converter.convert())
    except Exception as error:  # the converter raises many kinds
        reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise AudiolabError(f"TFLite conversion ({quantize}) failed: {reason}") from None


# ---------------------------------------------------------------------------
# Files: model + sidecar
# ---------------------------------------------------------------------------


def sidecar_path(path: str | os.PathLike) -> Path:
    """``MODEL.tflite`` -> ``MODEL.tflite.json``, where the settings are kept."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def _json_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_tflite(tflite: bytes, path: str | os.PathLike, *, metadata: Mapping[str, Any]) -> Path:
    """Write ``path`` (the flatbuffer) and ``path + ".json"`` (its settings), each atomically.

    Parameters
    ----------
    tflite : bytes
        From :func:`to_tflite`.
    path : str or os.PathLike
        Must end in ``.tflite``; its folder must exist.
    metadata : mapping
        At least ``class_names``, ``sr``, ``n_samples`` and ``features`` (the
        settings of :func:`audiolab.features.extract_batch` plus ``kind``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ParameterError
        If the path or the metadata is unusable.
    """
    path = Path(path)
    if path.suffix != ".tflite":
        raise ParameterError(f"path must end in .tflite, got {path}")
    if not path.parent.is_dir():
        raise ParameterError(f"cannot save {path}: the folder {path.parent} does not exist")
    if not isinstance(tflite, (bytes, bytearray)) or len(tflite) < 8:
        raise ParameterError("tflite must be the bytes of a .tflite model")
    missing = [k for k in ("class_names", "sr", "n_samples", "features") if k not in metadata]
    if missing:
        raise ParameterError(f"metadata lacks {', '.join(missing)}")
    payload = json.dumps(_json_ready(dict(metadata)), indent=2, sort_keys=True).encode("utf-8")
    _write_atomic(path, bytes(tflite))
    _write_atomic(sidecar_path(path), payload)
    return path


def read_tflite_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The settings saved beside a ``.tflite`` file (``MODEL.tflite.json``).

    Raises
    ------
    AudiolabError
        If the sidecar is missing or not valid JSON.
    """
    side = sidecar_path(path)
    if not side.is_file():
        raise AudiolabError(
            f"{path}: no settings file {side.name} beside it (class names, sample rate, "
            f"features); export the model with audiolab export or audiolab.deploy.save_tflite"
        )
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AudiolabError(f"{side}: not a valid settings file ({error})") from None


def _calibration_clips(data_dir: str | os.PathLike, metadata: Mapping[str, Any], limit: int = 200,
                       seed: int = 0) -> NDArray[np.float32]:
    """Up to ``limit`` training clips of a class-per-folder dataset (stratified pick)."""
    from .evaluate import _load_quietly, split_indices

    dataset, _ = _load_quietly(data_dir, sr=int(metadata["sr"]),
                               duration=float(metadata["n_samples"]) / int(metadata["sr"]),
                               skip_broken=True)
    if len(dataset) == 0:
        raise AudiolabError(f"{data_dir}: no clips to calibrate with")
    try:
        parts, _ = split_indices(dataset, seed=int(metadata.get("split", {}).get("seed", 0)))
        index = parts["train"]
    except ParameterError:
        index = np.arange(len(dataset))
    rng = np.random.default_rng(seed)
    if len(index) > limit:
        index = np.sort(rng.choice(index, size=limit, replace=False))
    return np.asarray(dataset.clips[index], dtype=np.float32)


def export_model(model_path: str | os.PathLike, out: str | os.PathLike, *,
                 quantize: str = "none", calibration: str | os.PathLike | None = None) -> Path:
    """``audiolab export``: a ``.keras`` model saved by ``audiolab train`` to ``.tflite`` + settings.

    Parameters
    ----------
    model_path : str or os.PathLike
        A ``.keras`` file with audiolab's settings.
    out : str or os.PathLike
        The ``.tflite`` file (its ``.json`` sidecar is written beside it).
    quantize : {"none", "dynamic", "int8"}
    calibration : str or os.PathLike or None
        A class-per-folder dataset whose training clips calibrate int8;
        default: the folder the model was trained on, if it is still there.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    AudiolabError
        If the model cannot be read, has no front end settings, or int8 has
        no calibration data.
    """
    from . import models

    check_choice("quantize", quantize, QUANTIZATIONS)
    out = Path(out)
    if out.suffix != ".tflite":
        raise ParameterError(f"the output must end in .tflite, got {out}")
    if not out.parent.is_dir():
        raise AudiolabError(f"cannot save {out}: the folder {out.parent} does not exist")
    model_path = Path(model_path)
    if model_path.suffix.lower() != ".keras":
        raise AudiolabError(f"{model_path}: expected a .keras model saved by audiolab train")
    metadata = models.read_metadata(model_path)
    missing = [k for k in ("class_names", "sr", "n_samples", "features") if k not in metadata]
    if missing:
        raise AudiolabError(
            f"{model_path}: a Keras model without audiolab settings (no {', '.join(missing)}); "
            f"train it with audiolab train or save it with audiolab.models.save_model(metadata=...)"
        )
    representative = None
    if quantize == "int8":
        source = calibration or metadata.get("training", {}).get("data_dir")
        if source is None or not Path(source).is_dir():
            raise AudiolabError(
                "--quantize int8 needs calibration clips: pass --calibration DATA_DIR (a "
                "class-per-folder dataset, ideally the training data)"
            )
        representative = _calibration_clips(source, metadata)
    model = models.load_model(model_path)
    flat = to_tflite(model, quantize=quantize, representative_data=representative)
    meta = {
        "format": "audiolab-tflite", "format_version": 1,
        "class_names": metadata["class_names"], "sr": int(metadata["sr"]),
        "n_samples": int(metadata["n_samples"]), "features": metadata["features"],
        "input": "features", "quantize": quantize, "model": metadata.get("model", "model"),
        "source": model_path.name, "split": metadata.get("split", {}),
    }
    return save_tflite(flat, out, metadata=meta)


# ---------------------------------------------------------------------------
# Running: the LiteRT classifier
# ---------------------------------------------------------------------------


class TFLiteClassifier(Predictor):
    """A ``.tflite`` classifier run by the LiteRT interpreter: waveforms or features in.

    Computes the features of a waveform with
    :func:`audiolab.features.extract_batch` and the settings saved with the
    model, quantises them when the model takes int8 (``q = round(x / scale)
    + zero_point``, clipped to [-128, 127]), invokes the interpreter one clip
    at a time, and dequantises the output (``(q - zero_point) * scale``).

    Parameters
    ----------
    model : str, os.PathLike or bytes
        A ``.tflite`` file (its settings are read from ``MODEL.tflite.json``)
        or the flatbuffer itself.
    metadata : mapping or None
        The settings (``class_names``, ``sr``, ``n_samples``, ``features``);
        required with bytes, overrides the sidecar with a path.
    num_threads : int
        Interpreter threads.

    Attributes
    ----------
    input_details, output_details : dict
        The interpreter's, including ``dtype`` and ``quantization`` (scale,
        zero point).
    size : int
        The flatbuffer's size in bytes.

    Raises
    ------
    AudiolabError
        If the file is missing or not a TFLite model, or the settings are
        missing or do not fit the model.

    Examples
    --------
    >>> clf = TFLiteClassifier("cnn_int8.tflite")  # doctest: +SKIP
    >>> clf.class_names[clf.predict([y])[0]]  # doctest: +SKIP
    'seven'

    Taught in lesson 11 (deployment with TFLite).
    """

    def __init__(self, model: str | os.PathLike | bytes, *, metadata: Mapping[str, Any] | None = None,
                 num_threads: int = 1, batch_size: int = 64) -> None:
        if isinstance(model, (bytes, bytearray)):
            content = bytes(model)
            if metadata is None:
                raise ParameterError("metadata is needed with bytes: class_names, sr, n_samples, features")
            source = "<bytes>"
        else:
            path = Path(model)
            if not path.exists():
                raise AudiolabError(f"{path}: no such model file")
            if path.is_dir():
                raise AudiolabError(f"{path}: is a folder, not a model file")
            content = path.read_bytes()
            if metadata is None:
                metadata = read_tflite_metadata(path)
            source = str(path)
        if len(content) < 8 or content[4:8] != b"TFL3":
            raise AudiolabError(f"{source}: not a TFLite model (no TFL3 identifier)")
        meta = dict(metadata)
        missing = [k for k in ("class_names", "sr", "n_samples", "features") if k not in meta]
        if missing:
            raise AudiolabError(f"{source}: the settings lack {', '.join(missing)}")
        meta.setdefault("model", "tflite")
        super().__init__(class_names=meta["class_names"], sr=int(meta["sr"]),
                         n_samples=int(meta["n_samples"]), metadata=meta, batch_size=batch_size)
        self.source = source
        self.content = content
        self.size = len(content)
        self.settings = {k: v for k, v in dict(meta["features"]).items()}
        self.interpreter = _interpreter(content, num_threads=check_positive_int("num_threads", num_threads))
        self.input_details = self.interpreter.get_input_details()[0]
        self.output_details = self.interpreter.get_output_details()[0]
        self.input_shape = tuple(int(n) for n in self.input_details["shape"][1:])
        n_out = int(self.output_details["shape"][-1])
        if n_out != len(self.class_names):
            raise AudiolabError(
                f"{source}: the model has {n_out} outputs but the settings name "
                f"{len(self.class_names)} classes"
            )
        expected = self.feature_shape()
        if expected != self.input_shape:
            raise AudiolabError(
                f"{source}: the model takes {self.input_shape}, but the saved feature settings "
                f"give {expected} per clip"
            )

    # -- the pieces, for lesson 11 ---------------------------------------------------------

    def feature_shape(self) -> tuple[int, int]:
        """``(n_features, n_frames)`` of one clip with the saved settings."""
        s = self.settings
        n_features = int(s.get("n_mfcc", 13)) if s.get("kind") == "mfcc" else int(s.get("n_mels", 40))
        return n_features, 1 + self.n_samples // int(s.get("hop_length", 160))

    def features(self, clips: Any) -> NDArray[np.float32]:
        """Features of waveforms ``(n, n_features, n_frames)``, exactly as in training."""
        from .features import extract_batch

        x = self.prepare(clips)
        return extract_batch(x, self.sr, **self.settings)

    @property
    def quantized(self) -> bool:
        """True when the model takes int8 input (full-integer quantisation)."""
        return np.dtype(self.input_details["dtype"]) != np.float32

    def quantize_input(self, x: NDArray[np.floating]) -> NDArray:
        """Features as the model's input type: int8 via scale and zero point, or float32."""
        dtype = np.dtype(self.input_details["dtype"])
        if dtype == np.float32:
            return np.asarray(x, np.float32)
        scale, zero_point = self.input_details["quantization"]
        info = np.iinfo(dtype)
        q = np.round(np.asarray(x, np.float64) / scale) + zero_point
        return np.clip(q, info.min, info.max).astype(dtype)

    def dequantize_output(self, q: NDArray) -> NDArray[np.float32]:
        """The model's output as float probabilities."""
        if np.dtype(self.output_details["dtype"]) == np.float32:
            return np.asarray(q, np.float32)
        scale, zero_point = self.output_details["quantization"]
        return ((np.asarray(q, np.float32) - zero_point) * scale).astype(np.float32)

    def invoke(self, x: NDArray) -> NDArray:
        """One raw call of the interpreter on one already-typed input ``(1, *input_shape)``."""
        self.interpreter.set_tensor(self.input_details["index"], x)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output_details["index"])

    def predict_features(self, features: Any) -> NDArray[np.float32]:
        """Class probabilities ``(n, n_classes)`` from features ``(n, n_features, n_frames)``."""
        x = np.asarray(features, dtype=np.float32)
        if x.ndim == len(self.input_shape):
            x = x[np.newaxis]
        if tuple(x.shape[1:]) != self.input_shape:
            raise ParameterError(
                f"features must have shape (n, {', '.join(map(str, self.input_shape))}), got {x.shape}"
            )
        q = self.quantize_input(x)
        out = np.empty((len(x), len(self.class_names)), np.float32)
        for i in range(len(x)):
            out[i] = self.dequantize_output(self.invoke(q[i : i + 1]))[0]
        return out

    def _predict_batch(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        from .features import extract_batch

        return self.predict_features(extract_batch(x, self.sr, **self.settings))

    def describe(self) -> str:
        kind = self.metadata.get("model", "model")
        quant = _LABELS.get(self.metadata.get("quantize", ""), str(np.dtype(self.input_details["dtype"])))
        return (f"{kind} TFLite ({quant}, {self.size / 1024:.1f} KB), {len(self.class_names)} "
                f"classes, {self.sr} Hz, {self.duration:.2f} s clips")


# ---------------------------------------------------------------------------
# Benchmark
# ---------------------------------------------------------------------------


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


def benchmark(
    model_or_path: Any,
    features: Any,
    labels: Any,
    *,
    representative_data: Any = None,
    metadata: Mapping[str, Any] | None = None,
    quantizations: Sequence[str] = QUANTIZATIONS,
    n_timing: int = 200,
    seed: int = 0,
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
        Settings for the classifiers (default: a minimal set from the shapes).
    quantizations : sequence of {"none", "dynamic", "int8"}
    n_timing : int
        Clips timed one by one (after one warm-up call).
    seed : int
        Which clips are timed.

    Returns
    -------
    list of dict
        One row per quantisation: ``model`` (float32 / dynamic / int8),
        ``size_bytes``, ``size_kb``, ``latency_ms_median``, ``latency_ms_p95``
        (one interpreter call per clip, one thread, input already computed),
        ``memory_kb`` (bytes of every tensor the interpreter holds: weights
        plus activations, an upper bound of its arena) and ``accuracy``.

    See Also
    --------
    format_table

    Taught in lesson 11 (deployment with TFLite).
    """
    from . import models

    if isinstance(model_or_path, (str, os.PathLike)):
        if metadata is None:
            metadata = models.read_metadata(model_or_path)
        model_or_path = models.load_model(model_or_path)
    x = np.asarray(features, np.float32)
    y = np.asarray(labels)
    if x.ndim != 3 or y.shape != (len(x),) or len(x) == 0:
        raise ParameterError(
            f"features must be (n, n_features, n_frames) and labels (n,), got {x.shape} and {y.shape}"
        )
    n_timing = check_positive_int("n_timing", n_timing)
    for q in quantizations:
        check_choice("quantize", q, QUANTIZATIONS)
    classifier, frontend = classifier_part(model_or_path)
    n_classes = int(classifier.output_shape[-1])
    meta = dict(metadata or {})
    meta.setdefault("class_names", [str(i) for i in range(n_classes)])
    meta.setdefault("sr", (frontend or {}).get("sr", 16000))
    hop = (frontend or meta.get("features") or {}).get("hop_length", 160)
    meta.setdefault("n_samples", (x.shape[2] - 1) * hop)
    meta.setdefault("features", {k: v for k, v in (frontend or {}).items() if k != "sr"}
                    or {"kind": "logmel", "n_mels": x.shape[1], "hop_length": hop})
    rng = np.random.default_rng(seed)
    timed = rng.choice(len(x), size=min(n_timing, len(x)), replace=False)
    rows = []
    for q in quantizations:
        flat = to_tflite(model_or_path, quantize=q, representative_data=representative_data)
        clf = TFLiteClassifier(flat, metadata={**meta, "quantize": q})
        probs = clf.predict_features(x)
        accuracy = float(np.mean(probs.argmax(1) == y))
        xq = clf.quantize_input(x[timed])
        clf.invoke(xq[:1])  # warm-up
        times = np.empty(len(timed))
        for i in range(len(timed)):
            start = time.perf_counter()
            clf.invoke(xq[i : i + 1])
            times[i] = time.perf_counter() - start
        rows.append({
            "model": _LABELS[q], "size_bytes": len(flat), "size_kb": round(len(flat) / 1024, 1),
            "latency_ms_median": float(np.median(times) * 1e3),
            "latency_ms_p95": float(np.percentile(times, 95) * 1e3),
            "memory_kb": round(_tensor_bytes(clf.interpreter) / 1024, 1),
            "accuracy": accuracy,
        })
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


# ---------------------------------------------------------------------------
# Streaming detection
# ---------------------------------------------------------------------------


def _shared_frame_features(classifier: Any, signal: NDArray[np.float32],
                           offsets: NDArray[np.int64], *, cache: dict | None = None,
                           origin: int = 0) -> NDArray[np.float32] | None:
    """Log-mel features of many overlapping windows, computing each STFT frame once.

    Windows ``hop`` samples apart share most of their frames: frame ``j`` of a
    window starting at ``o`` covers the samples around ``o + j * hop_length``,
    the same as frame ``j + hop / hop_length`` of the previous window. Only the
    two frames at each end differ (they include the centre padding's zeros), so
    they are computed per window. The result equals
    ``extract_batch(windows, ...)`` (same samples, same arithmetic) at a tenth
    of the cost for a 100 ms hop. Returns None where this does not apply
    (MFCC, other settings, offsets not a whole number of frames apart), and
    the caller computes every window in full. ``cache`` (a dict kept by the
    caller) holds the last frames with their position (``origin`` is the
    absolute sample index of ``signal[0]``), so a live stream computes each
    frame once across blocks too.
    """
    from .features import extract_batch

    settings = getattr(classifier, "settings", None)
    if not hasattr(classifier, "predict_features") or not isinstance(settings, Mapping):
        return None
    s = dict(settings)
    hop_length, n_fft = int(s.get("hop_length", 160)), int(s.get("n_fft", 512))
    n = int(classifier.n_samples)
    half = n_fft // 2
    edge = -(-half // hop_length)  # frames at each end that reach into the padding
    if (s.get("kind", "logmel") != "logmel" or n % hop_length or len(offsets) == 0
            or np.any((offsets - offsets[0]) % hop_length) or n // hop_length < 2 * edge + 2):
        return None
    top_db = s.pop("top_db", 80.0)
    s.pop("kind", None)
    sr = classifier.sr
    n_frames = 1 + n // hop_length
    # every frame position of every window, from one frame-by-frame pass (no centring)
    # The interior frames (those that need no padding) of all windows: one frame-by-frame
    # pass over the positions first .. last, reusing the frames the cache already holds.
    first = int(offsets[0]) + edge * hop_length
    last = int(offsets[-1]) + (n_frames - 1 - edge) * hop_length
    n_positions = 1 + (last - first) // hop_length
    reuse = np.zeros((0, 0), np.float32)
    if cache and cache.get("frames") is not None:
        start, held = cache["start"], cache["frames"]
        shift = origin + first - start
        if shift >= 0 and shift % hop_length == 0 and shift // hop_length < held.shape[1]:
            reuse = held[:, shift // hop_length :][:, :n_positions]
    have = reuse.shape[1]
    parts = [reuse] if have else []
    if have < n_positions:
        p0 = first + have * hop_length
        span = signal[p0 - half : last + half]
        parts.append(extract_batch(span[np.newaxis], sr, kind="logmel", center=False,
                                   top_db=None, **s)[0])
    frames = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
    if frames.shape[1] != n_positions:  # pragma: no cover - a settings combination not foreseen
        return None
    if cache is not None:
        cache.update(start=origin + first, frames=frames)
    index = (offsets - offsets[0])[:, None] // hop_length + np.arange(n_frames - 2 * edge)[None, :]
    out = np.empty((len(offsets), frames.shape[0], n_frames), np.float32)
    out[:, :, edge : n_frames - edge] = np.transpose(frames[:, index], (1, 0, 2))
    # the frames at both ends, with the window's own zero padding
    m = max(edge + 1, -(-n_fft // hop_length)) * hop_length  # at least n_fft samples
    left = np.stack([signal[o : o + m] for o in offsets])
    right = np.stack([signal[o + n - m : o + n] for o in offsets])
    out[:, :, :edge] = extract_batch(left, sr, kind="logmel", top_db=None, **s)[:, :, :edge]
    out[:, :, -edge:] = extract_batch(right, sr, kind="logmel", top_db=None, **s)[:, :, -edge:]
    if top_db is not None:
        floor = out.max(axis=(1, 2), keepdims=True) - float(top_db)
        out = np.maximum(out, floor)
    return out.astype(np.float32)


class StreamResult:
    """What :meth:`StreamingDetector.process` found.

    Attributes
    ----------
    times : np.ndarray [shape=(n_windows,)]
        Centre of each window, in seconds from the start.
    posteriors, smoothed : np.ndarray [shape=(n_windows, n_classes)]
        Raw and smoothed class probabilities per window (0 where a window is
        too quiet to classify).
    detections : list of dict
        ``label``, ``start``, ``end`` (s), ``score`` (peak smoothed probability).
    seconds : float
        Processing time.
    duration : float
        Length of the recording, in seconds.
    """

    def __init__(self, times, posteriors, smoothed, detections, seconds, duration):
        self.times = times
        self.posteriors = posteriors
        self.smoothed = smoothed
        self.detections = detections
        self.seconds = seconds
        self.duration = duration

    @property
    def real_time_factor(self) -> float:
        """Audio seconds processed per second of computing (>1: faster than real time)."""
        return self.duration / max(self.seconds, 1e-9)

    def __repr__(self) -> str:
        return (f"StreamResult({len(self.detections)} detections in {self.duration:.1f} s, "
                f"{self.real_time_factor:.0f}x real time)")


class StreamingDetector:
    """Slide a window over a long recording or a live stream and report what is said when.

    Every ``hop`` seconds, the last ``window`` seconds (the classifier's clip
    length) are classified; the posteriors are smoothed by a moving average
    over ``smoothing`` windows; a detection starts when a class's smoothed
    probability reaches ``threshold`` and ends when it falls below it (or
    another class wins). Windows quieter than ``min_rms`` are not classified
    (their posteriors are 0): silence never triggers a detection.

    Parameters
    ----------
    classifier : TFLiteClassifier or Predictor
        Anything with ``predict_proba`` (waveforms); a :class:`TFLiteClassifier`
        is used through its features, computed once for the whole recording.
    hop : float
        Seconds between windows (default 0.1).
    smoothing : int
        Windows in the moving average (default 5: half a second).
    threshold : float
        Smoothed probability that starts a detection.
    min_rms : float
        Windows with a lower RMS are silence.
    ignore : sequence of str
        Classes never reported (e.g. ``"_background_noise_"``).

    Examples
    --------
    >>> detector = StreamingDetector(TFLiteClassifier("cnn.tflite"))  # doctest: +SKIP
    >>> result = detector.process(long_recording)  # doctest: +SKIP
    >>> [(d["label"], round(d["start"], 1)) for d in result.detections]  # doctest: +SKIP
    [('three', 1.2), ('seven', 3.4)]

    Taught in lesson 11 (deployment with TFLite: streaming detection).
    """

    def __init__(self, classifier: Any, *, hop: float = 0.1, smoothing: int = 5,
                 threshold: float = 0.6, min_rms: float = 0.005,
                 ignore: Sequence[str] = ()) -> None:
        if not hasattr(classifier, "predict_proba") or not hasattr(classifier, "n_samples"):
            raise ParameterError("classifier must be a TFLiteClassifier or another Predictor")
        self.classifier = classifier
        self.sr = int(classifier.sr)
        self.window = int(classifier.n_samples)
        self.hop_seconds = check_positive("hop", hop)
        self.hop = max(1, int(round(hop * self.sr)))
        self.smoothing = check_positive_int("smoothing", smoothing)
        self.threshold = check_probability("threshold", threshold)
        self.min_rms = float(min_rms)
        self.ignore = set(ignore)
        self.reset()

    def reset(self) -> None:
        """Forget the stream: start again at time 0."""
        self._buffer = np.zeros(0, np.float32)
        self._consumed = 0  # samples dropped from the buffer's front
        self._next = 0  # start sample of the next window
        self._history: list[NDArray[np.float32]] = []
        self._active: dict[str, Any] | None = None
        self._frame_cache: dict[str, Any] = {}
        self.detections: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.posteriors: list[NDArray[np.float32]] = []
        self.smoothed: list[NDArray[np.float32]] = []
        self._seconds = 0.0
        self._samples = 0

    # -- the core: posteriors -> smoothing -> events ---------------------------------------

    def _probabilities(self, signal: NDArray[np.float32], offsets: NDArray[np.int64]) -> NDArray[np.float32]:
        """Posteriors of the windows ``signal[o : o + window]`` for every offset ``o``."""
        n = self.window
        squares = np.concatenate([[0.0], np.cumsum(np.square(signal, dtype=np.float64))])
        rms = np.sqrt(np.maximum(squares[offsets + n] - squares[offsets], 0) / n)
        probs = np.zeros((len(offsets), len(self.classifier.class_names)), np.float32)
        loud = np.flatnonzero(rms >= self.min_rms)
        if len(loud) == 0:
            return probs
        shared = _shared_frame_features(self.classifier, signal, offsets[loud],
                                        cache=self._frame_cache, origin=self._consumed)
        if shared is not None:
            probs[loud] = self.classifier.predict_features(shared)
        else:
            windows = np.stack([signal[o : o + n] for o in offsets[loud]])
            probs[loud] = self.classifier.predict_proba(windows)
        return probs

    def _update(self, times: Sequence[float], probs: NDArray[np.float32]) -> list[dict[str, Any]]:
        new = []
        names = self.classifier.class_names
        for t, p in zip(times, probs, strict=True):
            self._history.append(p)
            if len(self._history) > self.smoothing:
                self._history.pop(0)
            s = np.mean(self._history, axis=0).astype(np.float32)
            self.times.append(float(t))
            self.posteriors.append(p)
            self.smoothed.append(s)
            best = int(np.argmax(s))
            label = names[best]
            on = s[best] >= self.threshold and label not in self.ignore
            active = self._active
            if active is not None and (not on or label != active["label"]):
                new.append(self._close(active))
                self._active = active = None
            if on:
                if active is None:
                    self._active = {"label": label, "start": float(t), "end": float(t),
                                    "score": float(s[best])}
                else:
                    active["end"] = float(t)
                    active["score"] = max(active["score"], float(s[best]))
        return new

    def _close(self, event: dict[str, Any]) -> dict[str, Any]:
        half = self.window / self.sr / 2
        done = {"label": event["label"], "start": round(max(0.0, event["start"] - half), 3),
                "end": round(event["end"] + half, 3), "score": round(event["score"], 3)}
        self.detections.append(done)
        return done

    # -- live: blocks -------------------------------------------------------------------

    def push(self, block: Any) -> list[dict[str, Any]]:
        """Feed the next block of a live stream; returns the detections that ended in it."""
        from .validation import valid_audio

        start = time.perf_counter()
        block = valid_audio(np.asarray(block, dtype=np.float32), name="block")
        self._samples += len(block)
        self._buffer = np.concatenate([self._buffer, block])
        starts = []
        while self._next + self.window <= self._consumed + len(self._buffer):
            starts.append(self._next)
            self._next += self.hop
        new: list[dict[str, Any]] = []
        if starts:
            offset = np.asarray(starts) - self._consumed
            times = [(s + self.window / 2) / self.sr for s in starts]
            new = self._update(times, self._probabilities(self._buffer, offset))
        drop = self._next - self._consumed
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._consumed += drop
        self._seconds += time.perf_counter() - start
        return new

    def flush(self) -> list[dict[str, Any]]:
        """End the stream: close a detection still going on."""
        if self._active is None:
            return []
        event, self._active = self._active, None
        return [self._close(event)]

    @property
    def real_time_factor(self) -> float:
        """Audio seconds processed per second of computing, so far."""
        return self._samples / self.sr / max(self._seconds, 1e-9)

    # -- offline: a whole recording -------------------------------------------------------

    def process(self, y: Any, *, block: float | None = None) -> StreamResult:
        """Detections over a whole recording (from the start; the detector is reset).

        Parameters
        ----------
        y : np.ndarray [shape=(n,)]
            The recording, at the classifier's rate.
        block : float or None
            Feed it in blocks of this many seconds, as a live stream would
            arrive; None: all at once (fastest).

        Returns
        -------
        StreamResult
        """
        from .validation import valid_audio

        y = valid_audio(np.asarray(y, dtype=np.float32), name="y")
        self.reset()
        start = time.perf_counter()
        if len(y) < self.window:
            y = np.pad(y, (0, self.window - len(y)))
        if block is None:
            self.push(y)
        else:
            step = max(1, int(round(check_positive("block", block) * self.sr)))
            for i in range(0, len(y), step):
                self.push(y[i : i + step])
        self.flush()
        seconds = time.perf_counter() - start
        n = len(self.classifier.class_names)
        return StreamResult(
            times=np.asarray(self.times), posteriors=np.asarray(self.posteriors).reshape(-1, n),
            smoothed=np.asarray(self.smoothed).reshape(-1, n), detections=list(self.detections),
            seconds=seconds, duration=len(y) / self.sr,
        )


# ---------------------------------------------------------------------------
# C arrays for TensorFlow Lite for Microcontrollers
# ---------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def to_c_array(tflite: bytes, name: str = "g_model", *, alignment: int = 16,
               per_line: int = 12) -> tuple[str, str]:
    """The model as C source and header, the way TensorFlow Lite for Microcontrollers embeds it.

    Parameters
    ----------
    tflite : bytes
        The flatbuffer.
    name : str
        A C identifier: the array is ``name`` and its length ``name_len``.
    alignment : int
        Byte alignment of the array (TFLM needs at least 4; 16 is safe for
        SIMD kernels).
    per_line : int
        Bytes per line.

    Returns
    -------
    source, header : str
        ``name.cc``: ``#include "name.h"``, then
        ``alignas(16) const unsigned char name[] = { 0x1c, 0x00, ... };`` and
        ``const unsigned int name_len = N;``. ``name.h``: an include guard and
        the two ``extern`` declarations.

    Raises
    ------
    ParameterError
        If ``name`` is not a C identifier or ``tflite`` is empty.

    Examples
    --------
    >>> source, header = to_c_array(b"\\x1c\\x00\\x00\\x00TFL3", "g_model")
    >>> print(source.splitlines()[3])
      0x1c, 0x00, 0x00, 0x00, 0x54, 0x46, 0x4c, 0x33
    >>> print(source.splitlines()[-1])
    const unsigned int g_model_len = 8;

    Taught in lesson 11 (deployment with TFLite: microcontrollers).
    """
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ParameterError(f"name must be a C identifier (letters, digits, _), got {name!r}")
    if not isinstance(tflite, (bytes, bytearray)) or len(tflite) == 0:
        raise ParameterError("tflite must be non-empty bytes")
    alignment = check_positive_int("alignment", alignment)
    per_line = check_positive_int("per_line", per_line)
    data = bytes(tflite)
    lines = []
    for i in range(0, len(data), per_line):
        chunk = ", ".join(f"0x{b:02x}" for b in data[i : i + per_line])
        lines.append(f"  {chunk}" + ("," if i + per_line < len(data) else ""))
    guard = f"{name.upper()}_H_"
    header = (
        f"// {name}: a TensorFlow Lite model ({len(data)} bytes), made by audiolab.deploy.\n"
        f"#ifndef {guard}\n#define {guard}\n\n"
        f"extern const unsigned char {name}[];\n"
        f"extern const unsigned int {name}_len;\n\n"
        f"#endif  // {guard}\n"
    )
    source = "\n".join([
        f'#include "{name}.h"',
        "",
        f"alignas({alignment}) const unsigned char {name}[] = {{",
        *lines,
        "};",
        f"const unsigned int {name}_len = {len(data)};",
    ]) + "\n"
    return source, header


def write_c_array(tflite: bytes, name: str, folder: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``name.cc`` and ``name.h`` (see :func:`to_c_array`) into ``folder``, atomically."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"folder {folder} does not exist")
    source, header = to_c_array(tflite, name)
    paths = (folder / f"{name}.cc", folder / f"{name}.h")
    _write_atomic(paths[0], source.encode("ascii"))
    _write_atomic(paths[1], header.encode("ascii"))
    return paths
