"""Deployment: TensorFlow Lite conversion, benchmarks, streaming, C arrays.

- :func:`to_tflite` converts a Keras model to a ``.tflite`` flatbuffer: float32,
  dynamic-range (int8 weights, float activations) or full-integer int8
  (int8 weights, activations, input and output; calibrated on a
  representative sample of training features), with a scale for each
  output channel of the weights or, with ``per_channel=False``, one per
  tensor (about 30 % smaller for the keyword spotter).
- :class:`~audiolab.predictors.TFLitePredictor` (offered here too; its
  former name ``TFLiteClassifier`` is kept as an alias for one release)
  runs a ``.tflite`` model with the LiteRT interpreter (``ai_edge_litert``),
  quantises its input and dequantises its output, and predicts from
  waveforms or from features. It is a :class:`~audiolab.predictors.Predictor`,
  so everything that takes a predictor (``evaluate_folder``, ``audiolab
  evaluate``) takes it too.
- :func:`save_tflite` / :func:`export_model` write the model and its settings.
- :func:`benchmark`: size, latency, memory and accuracy of float, dynamic and
  int8 side by side; :func:`benchmark_tflite` measures one ``.tflite`` model
  already converted (an exported file), without TensorFlow.
- :class:`StreamingDetector` slides a window over a long recording or a live
  stream and reports smoothed detections with their times.
- :func:`finetune_for_int8` fine-tunes a convolutional classifier with the
  int8 rounding simulated, so that int8 keeps the float model's answers
  (quantisation-aware training; ``audiolab export --quantize int8`` runs it),
  after :func:`fold_batch_norm` has folded its batch normalisation into the
  convolutions.
- :func:`strip_names` drops the tensor names and signatures the interpreter
  does not need (4-5 KB of the keyword spotter's 30), and :func:`to_c_array`
  makes the model a C array for TensorFlow Lite for Microcontrollers.

**The feature front end stays in NumPy.** The course's end-to-end models
(``audiolab train``) start with an :class:`audiolab.models.AudioFeatures`
layer (waveform to log-mel). It converts to TFLite in float, but it quantises
badly: the power spectrum spans ten orders of magnitude, far beyond 8 bits,
and microcontrollers compute features with their own DSP code anyway. So
:func:`to_tflite` exports the *classifier* (features in, probabilities out,
including the ``Normalization`` layer) and :class:`~audiolab.predictors.TFLitePredictor` computes
the features with :func:`audiolab.features.extract_batch` from the settings
saved with the model, exactly as in training.

**Where the settings live: a sidecar file.** ``MODEL.tflite`` is written with
``MODEL.tflite.json`` beside it (class names, sample rate, clip length,
feature settings, quantisation), both atomically. A sidecar is readable by
any tool and any language without a flatbuffer parser, and leaves the
``.tflite`` file byte for byte what the converter made (the size in the
benchmark is the model's size). Keep the two files together; a classifier
built from bytes takes ``metadata=`` instead.

The package's modules: :mod:`~audiolab.deploy.convert` (conversion and the
model files), :mod:`~audiolab.deploy.benchmark`, :mod:`~audiolab.deploy.streaming`,
:mod:`~audiolab.deploy.microcontroller` and :mod:`~audiolab.deploy.quantization_aware`.
TensorFlow is imported only inside the functions that convert or fine-tune;
running a ``.tflite`` model needs only ``ai_edge_litert`` and NumPy.

Taught in lesson 12 (deployment with TFLite).
"""

from __future__ import annotations

from ..modelfile import QUANTIZATIONS, sidecar_path
from ..predictors import TFLiteClassifier, TFLitePredictor
from .benchmark import benchmark, benchmark_tflite, format_table
from .convert import classifier_part, export_model, read_tflite_metadata, save_tflite, to_tflite
from .microcontroller import strip_names, to_c_array, write_c_array
from .quantization_aware import (
    can_finetune_for_int8,
    finetune_for_int8,
    finetune_trained_model,
    fold_batch_norm,
)
from .streaming import StreamingDetector, StreamResult

__all__ = [
    "QUANTIZATIONS",
    "to_tflite",
    "classifier_part",
    "save_tflite",
    "read_tflite_metadata",
    "export_model",
    "can_finetune_for_int8",
    "finetune_for_int8",
    "finetune_trained_model",
    "fold_batch_norm",
    "TFLiteClassifier",
    "TFLitePredictor",
    "benchmark",
    "benchmark_tflite",
    "format_table",
    "StreamingDetector",
    "StreamResult",
    "strip_names",
    "to_c_array",
    "write_c_array",
    "sidecar_path",
]
