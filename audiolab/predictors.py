"""Trained models behind one interface: waveforms in, class probabilities out.

- :class:`Predictor` pads or crops the clips, batches them and takes the
  argmax; each runtime implements one method.
- :class:`KerasPredictor` runs a ``.keras`` model (lessons 07-11);
  :class:`TFLitePredictor` runs a ``.tflite`` model with the LiteRT
  interpreter, computing the features in NumPy (lesson 12).
- :func:`load_predictor` opens a saved model by its ending, with the class
  names, sample rate and clip length of its model card
  (:mod:`audiolab.modelfile`).

Everything that measures or deploys a model (:mod:`audiolab.evaluate`,
:mod:`audiolab.deploy`, the ``audiolab`` command) takes a predictor. This
module imports only NumPy; TensorFlow loads when a Keras model is opened,
LiteRT when a ``.tflite`` model is.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import AudiolabError, ParameterError
from .modelfile import ModelCard, read_keras_card, read_sidecar, require
from .quiet import silenced
from .validation import check_positive_int

__all__ = ["Predictor", "KerasPredictor", "TFLitePredictor", "TFLiteClassifier", "load_predictor"]

#: The names of the quantisations in descriptions and tables.
QUANTIZATION_LABELS = {"none": "float32", "dynamic": "dynamic", "int8": "int8"}


class Predictor(ABC):
    """A trained classifier: waveforms in, class probabilities out.

    Subclasses implement :meth:`_predict_batch` for one runtime (Keras here;
    TFLite later); everything else (padding, batching, argmax) is shared.

    Parameters
    ----------
    class_names : sequence of str
        The classes, in the order of the model's outputs.
    sr : int
        Sample rate the model expects, in Hz.
    n_samples : int
        Clip length the model expects, in samples.
    metadata : dict or None
        Anything else saved with the model (feature settings, training run).

    Examples
    --------
    >>> predictor = load_predictor("cnn.keras")  # doctest: +SKIP
    >>> predictor.class_names[predictor.predict([y])[0]]  # doctest: +SKIP
    'seven'
    """

    def __init__(self, *, class_names: Sequence[str], sr: int, n_samples: int,
                 metadata: dict[str, Any] | None = None, batch_size: int = 64) -> None:
        if isinstance(class_names, str) or not class_names:
            raise ParameterError(f"class_names must be a non-empty list, got {class_names!r}")
        self.class_names = [str(c) for c in class_names]
        self.sr = check_positive_int("sr", sr)
        self.n_samples = check_positive_int("n_samples", n_samples)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.metadata = dict(metadata or {})

    @property
    def duration(self) -> float:
        """Clip length in seconds."""
        return self.n_samples / self.sr

    def prepare(self, clips: Any) -> NDArray[np.float32]:
        """Clips as one float32 array ``(n, n_samples)``, centre-padded or cropped."""
        from .preprocess import pad_or_crop
        from .validation import valid_audio

        if isinstance(clips, np.ndarray) and clips.ndim == 1:
            clips = clips[np.newaxis]
        if isinstance(clips, np.ndarray) and clips.ndim == 2 and clips.shape[1] == self.n_samples:
            valid_audio(clips, mono=False, name="clips")
            return np.ascontiguousarray(clips, dtype=np.float32)
        if isinstance(clips, np.ndarray) and clips.ndim != 2:
            raise ParameterError(f"clips must be (n, n_samples) or a list of clips, got {clips.shape}")
        out = np.zeros((len(clips), self.n_samples), np.float32)
        for i, clip in enumerate(clips):
            out[i] = pad_or_crop(valid_audio(np.asarray(clip), name=f"clips[{i}]"), self.n_samples)
        return out

    def predict_proba(self, clips: Any) -> NDArray[np.float32]:
        """Class probabilities of every clip: ``(n, n_classes)``."""
        x = self.prepare(clips)
        if len(x) == 0:
            return np.zeros((0, len(self.class_names)), np.float32)
        parts = [self._predict_batch(x[i : i + self.batch_size])
                 for i in range(0, len(x), self.batch_size)]
        return np.concatenate(parts).astype(np.float32)

    def predict(self, clips: Any) -> NDArray[np.int64]:
        """The most probable class index of every clip."""
        return self.predict_proba(clips).argmax(axis=1).astype(np.int64)

    @abstractmethod
    def _predict_batch(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """Probabilities for one batch of prepared inputs (each runtime's own)."""

    def describe(self) -> str:
        """One line: what the model is and what it expects."""
        kind = self.metadata.get("model", "model")
        return (f"{kind}, {len(self.class_names)} classes, {self.sr} Hz, "
                f"{self.duration:.2f} s clips")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


class KerasPredictor(Predictor):
    """A Keras model that takes waveforms ``(batch, n_samples)`` and returns probabilities.

    Parameters
    ----------
    model : keras.Model
        An end-to-end model (see :func:`audiolab.models.with_frontend`).
    class_names, sr, n_samples, metadata, batch_size
        See :class:`Predictor`.
    """

    def __init__(self, model: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        shape = tuple(model.input_shape[1:])
        if shape != (self.n_samples,):
            raise ParameterError(
                f"the model takes inputs of shape {shape}, not waveforms of {self.n_samples} "
                f"samples; put a feature front end in front (audiolab.models.with_frontend)"
            )
        if model.output_shape[-1] != len(self.class_names):
            raise ParameterError(
                f"the model has {model.output_shape[-1]} outputs but {len(self.class_names)} "
                f"class names"
            )
        self.model = model

    @classmethod
    def from_file(cls, path: str | os.PathLike, **kwargs: Any) -> KerasPredictor:
        """Open a ``.keras`` file saved by ``audiolab train`` (or :func:`audiolab.models.save_model`)."""
        from . import models

        path = Path(path)
        metadata = read_keras_card(path)
        require(metadata, ("class_names", "sr", "n_samples"), source=path,
                hint="a Keras model without audiolab settings (no {missing}); save it with "
                     "audiolab.models.save_model(..., metadata=...) or audiolab train")
        ModelCard.from_dict(metadata, source=path)
        model = models.load_model(path)
        return cls(model, class_names=metadata["class_names"], sr=int(metadata["sr"]),
                   n_samples=int(metadata["n_samples"]), metadata=metadata, **kwargs)

    def _predict_batch(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        return np.asarray(self.model(x, training=False))



def _interpreter(content: bytes, num_threads: int = 1, *, source: str = "<bytes>"):
    from ai_edge_litert.interpreter import Interpreter

    try:
        with silenced(stdout=True):
            interpreter = Interpreter(model_content=bytes(content), num_threads=num_threads)
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise AudiolabError(f"{source}: not a TFLite model ({reason})") from None
    return interpreter


class TFLitePredictor(Predictor):
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

    Taught in lesson 12 (deployment with TFLite).
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
            try:
                content = path.read_bytes()
            except PermissionError:
                raise AudiolabError(f"{path}: permission denied (the model cannot be read)") from None
            if metadata is None:
                metadata = read_sidecar(path)
            source = str(path)
        if len(content) < 8 or content[4:8] != b"TFL3":
            raise AudiolabError(f"{source}: not a TFLite model (no TFL3 identifier)")
        meta = dict(metadata)
        require(meta, ("class_names", "sr", "n_samples", "features"), source=source,
                hint="the settings lack {missing}")
        ModelCard.from_dict(meta, source=source, needs_features=True)
        meta.setdefault("model", "tflite")
        super().__init__(class_names=meta["class_names"], sr=int(meta["sr"]),
                         n_samples=int(meta["n_samples"]), metadata=meta, batch_size=batch_size)
        self.source = source
        self.content = content
        self.size = len(content)
        self.settings = {k: v for k, v in dict(meta["features"]).items()}
        self.interpreter = _interpreter(content, num_threads=check_positive_int("num_threads", num_threads),
                                        source=source)
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

    # -- the pieces, for lesson 12 ---------------------------------------------------------

    def feature_shape(self) -> tuple[int, int]:
        """``(n_features, n_frames)`` of one clip with the saved settings."""
        s = self.settings
        n_features = int(s["n_mfcc"]) if s["kind"] == "mfcc" else int(s["n_mels"])
        return n_features, 1 + self.n_samples // int(s["hop_length"])

    def features(self, clips: Any) -> NDArray[np.float32]:
        """Features of waveforms ``(n, n_features, n_frames)``, exactly as in training."""
        from .features import extract_batch

        x = self.prepare(clips)
        return extract_batch(x, self.sr, **self.settings)

    @property
    def quantized(self) -> bool:
        """True when the model takes int8 input (full-integer quantisation)."""
        return np.dtype(self.input_details["dtype"]) != np.float32

    @property
    def quantization(self) -> str:
        """``"none"``, ``"dynamic"`` or ``"int8"``: from the settings, or else from the tensors' types."""
        if self.metadata.get("quantize") in QUANTIZATION_LABELS:
            return self.metadata["quantize"]
        if self.quantized:
            return "int8"
        details = self.interpreter.get_tensor_details()
        return "dynamic" if any(np.dtype(d["dtype"]) == np.int8 for d in details) else "none"

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
        quant = QUANTIZATION_LABELS[self.quantization]
        return (f"{kind} TFLite ({quant}, {self.size / 1024:.1f} KB), {len(self.class_names)} "
                f"classes, {self.sr} Hz, {self.duration:.2f} s clips")


#: The name :class:`TFLitePredictor` had in audiolab 0.1; kept for one release.
TFLiteClassifier = TFLitePredictor


def load_predictor(path: str | os.PathLike) -> Predictor:
    """Open a saved model as a :class:`Predictor`, choosing the runtime by the file's ending.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.keras`` file written by ``audiolab train``, or a ``.tflite`` file
        written by ``audiolab export`` (with its ``.tflite.json`` settings).

    Returns
    -------
    Predictor

    Raises
    ------
    AudiolabError
        If the file is missing, of an unknown kind, or not a model saved with
        audiolab's settings.

    Examples
    --------
    >>> predictor = load_predictor("cnn.keras")  # doctest: +SKIP
    >>> predictor.sr, predictor.class_names[:3]  # doctest: +SKIP
    (16000, ['0', '1', '2'])
    """
    path = Path(path)
    if not path.exists():
        raise AudiolabError(f"{path}: no such model file")
    if path.is_dir():
        raise AudiolabError(f"{path}: is a folder, not a model file")
    suffix = path.suffix.lower()
    if suffix == ".keras":
        return KerasPredictor.from_file(path)
    if suffix == ".tflite":
        return TFLitePredictor(path)
    raise AudiolabError(
        f"{path}: unknown kind of model file (expected a .keras or .tflite file)"
    )
