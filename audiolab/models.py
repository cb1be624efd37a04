"""Keras models for audio classification: a CNN, an RNN, a CRNN, a transformer, a DS-CNN, and their feature front end.

Every builder returns a functional ``keras.Model`` with named layers. The
models read features the way :mod:`audiolab.features` returns them, shaped
``(n_features, n_frames)`` per clip (frequency first, as in
:func:`audiolab.features.extract_batch`), so the same arrays feed all five:

=====================  ==========================================================  ===============
builder                what it does                                                default size
=====================  ==========================================================  ===============
``build_cnn``          the features as a one-channel image; 3x3 convolutions,      ~50k parameters
                       batch normalisation, max-pooling; average over time
``build_rnn``          the frames as a sequence; a bidirectional GRU or LSTM;      ~42k (GRU)
                       attention pooling (or the last state)
``build_crnn``         convolutions over time and frequency, then a GRU over the   ~51k
                       sequence, 8 times shorter
``build_transformer``  patches of 2 frames, a learned position embedding, two      ~45k
                       self-attention blocks; average over the patches
``build_dscnn``        one strided convolution, then depthwise-separable blocks    ~11k
                       (a 3x3 filter per channel, then a 1x1 mix); global average
=====================  ==========================================================  ===============

Two optional layers put the feature pipeline inside the model, so that an
exported model takes what an application has (a waveform), not what the
training script had:

- ``normalization=``: a ``keras.layers.Normalization`` with the mean and
  variance of the *training* features (one per feature row), set from an
  :class:`audiolab.preprocess.Standardizer` or from training features.
- :class:`AudioFeatures`: a layer that computes the log-mel spectrogram (or
  MFCC) of a waveform exactly as :func:`audiolab.features.extract_batch` does,
  with convolutions and matrix products only (so TFLite can run it).
  :func:`with_frontend` puts it in front of a trained model.

:func:`save_model` writes a ``.keras`` file with an ``audiolab.json`` entry
(class names, sample rate, clip length, feature settings) beside Keras's own,
and :func:`load_model` reads it back with ``safe_mode=True``.

TensorFlow is imported by this module (about 600 MB): ``import audiolab``
does not load it. The import drops TensorFlow's start-up banner unless
``TF_CPP_MIN_LOG_LEVEL`` asks for informational messages
(:func:`audiolab.quiet.import_keras`); it changes no environment variable.

Taught in lessons 07 (a CNN on spectrograms), 08 (RNNs on sequences), 09 (attention and
transformers) and 12 (deployment: the DS-CNN).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import AudiolabError, ParameterError
from .features import SPEECH_DEFAULTS, SPEECH_FEATURES
from .files import atomic_write
from .losses import SmoothedSparseCrossentropy  # noqa: F401  (registered: smoothed models load)
from .modelfile import FEATURE_KINDS, KERAS_ENTRY, MODEL_KINDS, add_card_to_keras, read_keras_card
from .quiet import import_keras
from .validation import (
    check_bool,
    check_choice,
    check_positive,
    check_positive_int,
    check_probability,
)

keras = import_keras()
layers = keras.layers
ops = keras.ops

__all__ = [
    "AudioFeatures",
    "RelativeLevel",
    "to_relative_level",
    "build_cnn",
    "build_rnn",
    "build_crnn",
    "build_transformer",
    "build_dscnn",
    "PositionEmbedding",
    "attention_maps",
    "attention_blocks",
    "with_frontend",
    "normalization_layer",
    "layer_table",
    "count_params",
    "save_model",
    "load_model",
    "read_metadata",
    "METADATA_ENTRY",
    "MODEL_KINDS",
]

#: The name of the entry :func:`save_model` adds to the ``.keras`` zip file.
METADATA_ENTRY = KERAS_ENTRY


# ---------------------------------------------------------------------------
# The feature front end
# ---------------------------------------------------------------------------


def _hann_padded(win_length: int, n_fft: int) -> NDArray[np.float64]:
    """Periodic Hann window of ``win_length``, zero-padded to ``n_fft`` in the centre."""
    n = np.arange(win_length)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / win_length)
    left = (n_fft - win_length) // 2
    return np.pad(window, (left, n_fft - win_length - left))


@keras.saving.register_keras_serializable(package="audiolab")
class AudioFeatures(layers.Layer):
    """Log-mel spectrogram or MFCC of a batch of waveforms, inside a Keras model.

    Computes what :func:`audiolab.features.extract_batch` computes (within
    float32 rounding, about 1e-3 dB): a centred, zero-padded STFT with a
    periodic Hann window of ``win_length`` samples in ``n_fft``-point frames
    every ``hop_length`` samples; the power spectrum pooled by a Slaney mel
    filterbank; decibels with ``ref=1.0`` and a floor ``top_db`` below each
    clip's maximum; for ``kind="mfcc"``, an orthonormal DCT-II. The STFT is a
    strided 1-D convolution whose kernels are the windowed cosines and sines
    of the DFT, so the layer uses only operations TFLite has. It has no
    trainable weights; its settings are its config, saved with the model.

    Parameters
    ----------
    sr : int
        Sample rate of the input, in Hz.
    kind : {"logmel", "mfcc"}
        The feature.
    n_fft, hop_length, win_length, n_mels, n_mfcc, fmin, fmax, top_db
        As in :func:`audiolab.features.extract_batch`; the defaults are the
        course's speech settings (:data:`audiolab.features.SPEECH_DEFAULTS`).
    **kwargs
        Keras layer arguments (``name``, ...).

    Input shape
    -----------
    ``(batch, n_samples)``, float32 waveforms in [-1, 1].

    Output shape
    ------------
    ``(batch, n_features, n_frames)`` with ``n_features`` = ``n_mels`` or
    ``n_mfcc`` and ``n_frames = 1 + n_samples // hop_length``.

    Examples
    --------
    >>> layer = AudioFeatures(sr=16000)
    >>> layer(np.zeros((2, 16000), np.float32)).shape
    TensorShape([2, 40, 101])

    Taught in lesson 07 (a CNN on spectrograms: saving the model).
    """

    def __init__(
        self,
        *,
        sr: int = SPEECH_DEFAULTS["sr"],
        kind: str = SPEECH_FEATURES["kind"],
        n_fft: int = SPEECH_FEATURES["n_fft"],
        hop_length: int = SPEECH_FEATURES["hop_length"],
        win_length: int | None = SPEECH_FEATURES["win_length"],
        n_mels: int = SPEECH_FEATURES["n_mels"],
        n_mfcc: int = SPEECH_FEATURES["n_mfcc"],
        fmin: float = SPEECH_FEATURES["fmin"],
        fmax: float | None = SPEECH_FEATURES["fmax"],
        top_db: float | None = SPEECH_FEATURES["top_db"],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sr = check_positive_int("sr", sr)
        self.kind = check_choice("kind", kind, FEATURE_KINDS)
        self.n_fft = check_positive_int("n_fft", n_fft)
        self.hop_length = check_positive_int("hop_length", hop_length)
        self.win_length = self.n_fft if win_length is None else check_positive_int(
            "win_length", win_length
        )
        if self.win_length > self.n_fft:
            raise ParameterError(f"win_length={win_length} must not exceed n_fft={n_fft}")
        self.n_mels = check_positive_int("n_mels", n_mels)
        self.n_mfcc = check_positive_int("n_mfcc", n_mfcc)
        if self.kind == "mfcc" and self.n_mfcc > self.n_mels:
            raise ParameterError(f"n_mfcc={n_mfcc} must not exceed n_mels={n_mels}")
        self.fmin = float(fmin)
        self.fmax = None if fmax is None else check_positive("fmax", fmax)
        self.top_db = None if top_db is None else check_positive("top_db", top_db)

        from .features import mel_filterbank

        n_freq = 1 + self.n_fft // 2
        window = _hann_padded(self.win_length, self.n_fft)
        k = np.arange(n_freq)
        n = np.arange(self.n_fft)[:, None]
        angle = 2 * np.pi * n * k / self.n_fft
        # X[k] = sum_n w[n] x[n] (cos - i sin): real and imaginary parts as 2 * n_freq kernels.
        dft = np.concatenate([window[:, None] * np.cos(angle), -window[:, None] * np.sin(angle)], 1)
        self._dft = dft[:, None, :].astype(np.float32)  # (n_fft, 1 channel, 2 * n_freq)
        mel = mel_filterbank(sr=self.sr, n_fft=self.n_fft, n_mels=self.n_mels, fmin=self.fmin,
                             fmax=self.fmax)
        self._mel = np.ascontiguousarray(mel.T, dtype=np.float32)  # (n_freq, n_mels)
        if self.kind == "mfcc":
            import scipy.fft

            dct = scipy.fft.dct(np.eye(self.n_mels), type=2, norm="ortho", axis=0)
            self._dct = np.ascontiguousarray(dct[: self.n_mfcc].T, dtype=np.float32)
        else:
            self._dct = None

    @property
    def n_features(self) -> int:
        """Rows of the output: ``n_mels`` for log-mel, ``n_mfcc`` for MFCC."""
        return self.n_mfcc if self.kind == "mfcc" else self.n_mels

    def n_frames(self, n_samples: int) -> int:
        """Frames of a clip of ``n_samples`` samples (centred frames)."""
        return 1 + n_samples // self.hop_length

    def settings(self) -> dict[str, Any]:
        """The feature settings as keyword arguments of :func:`extract_batch` (plus ``kind``)."""
        return {
            "kind": self.kind, "n_fft": self.n_fft, "hop_length": self.hop_length,
            "win_length": self.win_length, "n_mels": self.n_mels, "n_mfcc": self.n_mfcc,
            "fmin": self.fmin, "fmax": self.fmax, "top_db": self.top_db,
        }

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        pad = self.n_fft // 2
        x = ops.pad(x, [[0, 0], [pad, pad]])
        x = ops.expand_dims(x, -1)  # (batch, samples, 1)
        spectrum = ops.conv(x, ops.convert_to_tensor(self._dft), strides=self.hop_length,
                            padding="valid")  # (batch, frames, 2 * n_freq)
        n_freq = 1 + self.n_fft // 2
        power = ops.square(spectrum[..., :n_freq]) + ops.square(spectrum[..., n_freq:])
        mel = ops.matmul(power, ops.convert_to_tensor(self._mel))  # (batch, frames, n_mels)
        db = 10.0 * ops.log(ops.maximum(mel, 1e-10)) / np.log(10.0)
        if self.top_db is not None:
            db = ops.maximum(db, ops.max(db, axis=(1, 2), keepdims=True) - self.top_db)
        if self._dct is not None:
            db = ops.matmul(db, ops.convert_to_tensor(self._dct))  # (batch, frames, n_mfcc)
        return ops.transpose(db, (0, 2, 1))

    def compute_output_shape(self, input_shape):
        n_samples = input_shape[-1]
        frames = None if n_samples is None else self.n_frames(int(n_samples))
        return (input_shape[0], self.n_features, frames)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"sr": self.sr, **self.settings()})
        return config


@keras.saving.register_keras_serializable(package="audiolab")
class RelativeLevel(layers.Layer):
    """Decibel features relative to each clip's loudest value: per-utterance level normalisation.

    Subtracts every clip's maximum over frequency and time, so the loudest
    bin is 0 dB and a recording made 20 dB quieter (a far microphone, a
    soft speaker) gives the same input as a loud one. Use it on log-mel
    features (decibels), before the ``normalization`` layer; the builders
    put it there with ``relative_level=True``. No weights; TFLite runs it as
    one ``REDUCE_MAX`` and a subtraction.

    Examples
    --------
    >>> RelativeLevel()(np.array([[[-20.0, -5.0], [-40.0, -30.0]]], np.float32)).numpy()
    array([[[-15.,   0.],
            [-35., -25.]]], dtype=float32)

    Taught in lesson 10 (evaluation: sim-to-real).
    """

    def call(self, inputs):
        return inputs - ops.max(inputs, axis=(1, 2), keepdims=True)


def to_relative_level(features: NDArray[np.floating]) -> NDArray[np.float32]:
    """What :class:`RelativeLevel` computes, in NumPy: ``features - max`` per clip.

    Parameters
    ----------
    features : np.ndarray [shape=(n_clips, n_features, n_frames)]

    Returns
    -------
    np.ndarray, float32, the same shape
    """
    x = np.asarray(features, dtype=np.float32)
    if x.ndim != 3:
        raise ParameterError(f"features must have shape (n_clips, n_features, n_frames), got {x.shape}")
    return x - x.max(axis=(1, 2), keepdims=True)


# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------


def normalization_layer(
    normalization: Any, n_features: int, *, name: str = "normalization"
):
    """A ``keras.layers.Normalization`` with one mean and variance per feature row.

    Parameters
    ----------
    normalization : Standardizer, (mean, variance), or np.ndarray
        A fitted :class:`audiolab.preprocess.Standardizer` (``axis=1``), a
        pair of arrays of ``n_features`` values, or training features of
        shape ``(n_clips, n_features, n_frames)`` to measure.
    n_features : int
        Rows of the features.

    Returns
    -------
    keras.layers.Normalization
        Standardises ``(batch, n_features, n_frames)`` inputs along axis 1.

    Raises
    ------
    ParameterError
        If the statistics do not have ``n_features`` values.
    """
    from .preprocess import Standardizer

    if isinstance(normalization, Standardizer):
        if normalization.mean_ is None:
            raise ParameterError("normalization: the Standardizer is not fitted yet")
        mean = np.asarray(normalization.mean_, np.float64).ravel()
        variance = (np.asarray(normalization.std_, np.float64).ravel() + normalization.eps) ** 2
    elif isinstance(normalization, tuple) and len(normalization) == 2:
        mean = np.asarray(normalization[0], np.float64).ravel()
        variance = np.asarray(normalization[1], np.float64).ravel()
    elif isinstance(normalization, np.ndarray) and normalization.ndim == 3:
        data = normalization.astype(np.float64)
        mean = data.mean(axis=(0, 2))
        variance = data.var(axis=(0, 2))
    else:
        raise ParameterError(
            "normalization must be a fitted Standardizer, a (mean, variance) pair or training "
            f"features of shape (n_clips, n_features, n_frames); got {type(normalization).__name__}"
        )
    if mean.shape != (n_features,) or variance.shape != (n_features,):
        raise ParameterError(
            f"normalization has statistics of {mean.size} features, but the input has "
            f"{n_features} feature rows"
        )
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(variance))):
        raise ParameterError("normalization statistics contain NaN or infinity")
    return layers.Normalization(axis=1, mean=mean.astype(np.float32),
                                variance=variance.astype(np.float32), name=name)


def _check_shape(input_shape: Any, frontend: Any) -> tuple[tuple[int, ...], tuple[int, int]]:
    """The model's input shape and the feature shape (n_features, n_frames)."""
    if isinstance(input_shape, (int, np.integer)):
        input_shape = (int(input_shape),)
    if not isinstance(input_shape, Sequence) or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in input_shape
    ):
        raise ParameterError(
            f"input_shape must be a tuple of positive integers, got {input_shape!r}"
        )
    input_shape = tuple(int(n) for n in input_shape)
    if frontend is None:
        if len(input_shape) != 2:
            raise ParameterError(
                f"input_shape must be (n_features, n_frames), as extract_batch returns per clip, "
                f"got {input_shape}; for waveforms of n samples pass (n,) and a frontend"
            )
        return input_shape, input_shape
    if not isinstance(frontend, AudioFeatures):
        raise ParameterError(f"frontend must be an AudioFeatures layer, got {frontend!r}")
    if len(input_shape) != 1:
        raise ParameterError(
            f"with a frontend, input_shape is (n_samples,), the waveform; got {input_shape}"
        )
    return input_shape, (frontend.n_features, frontend.n_frames(input_shape[0]))


def _inputs(input_shape, frontend, normalization, relative: bool = False):
    """Input, optional front end, level and normalisation; returns (inputs, x, feature_shape)."""
    model_shape, feature_shape = _check_shape(input_shape, frontend)
    if frontend is None:
        inputs = keras.Input(shape=model_shape, name="features")
        x = inputs
    else:
        inputs = keras.Input(shape=model_shape, name="waveform")
        x = frontend(inputs)
    if relative:
        x = RelativeLevel(name="relative_level")(x)
    if normalization is not None:
        x = normalization_layer(normalization, feature_shape[0])(x)
    return inputs, x, feature_shape


def _check_classes(num_classes: Any) -> int:
    num_classes = check_positive_int("num_classes", num_classes)
    if num_classes < 2:
        raise ParameterError(f"num_classes must be at least 2, got {num_classes}")
    return num_classes


def _check_filters(filters: Any) -> tuple[int, ...]:
    if isinstance(filters, (int, np.integer)) or not isinstance(filters, Sequence) or not filters:
        raise ParameterError(f"filters must be a non-empty list of integers, got {filters!r}")
    return tuple(check_positive_int("filters", f) for f in filters)


def _conv_block(x, filters: int, index: int, *, pool, kernel_size: int = 3):
    """Conv2D (no bias) -> BatchNormalization -> ReLU [-> MaxPooling2D], named ``conv{i}`` ..."""
    x = layers.Conv2D(filters, kernel_size, padding="same", use_bias=False,
                      name=f"conv{index}")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"bn{index}")(x)
    x = layers.ReLU(name=f"relu{index}")(x)
    if pool is not None:
        x = layers.MaxPooling2D(pool, name=f"pool{index}")(x)
    return x


def _attention_pooling(x, units: int | None = None):
    """Weighted mean over time: a score per frame, softmax over time, weighted sum.

    Built from standard layers (Dense, Softmax, Dot), so the model loads with
    ``safe_mode=True``; the weights are the output of the ``attention_weights`` layer.
    """
    score = layers.Dense(1, name="attention_score")(x)  # (batch, time, 1)
    weights = layers.Softmax(axis=1, name="attention_weights")(score)
    pooled = layers.Dot(axes=1, name="attention_pool")([weights, x])  # (batch, 1, channels)
    return layers.Flatten(name="attention_flatten")(pooled)


def _classifier(x, num_classes: int, dropout: float):
    if dropout > 0:
        x = layers.Dropout(dropout, name="dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name="classifier")(x)


# ---------------------------------------------------------------------------
# The builders
# ---------------------------------------------------------------------------


def build_cnn(
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    filters: Sequence[int] = (16, 32, 48, 64),
    kernel_size: int = 3,
    pooling: str = "time",
    dropout: float = 0.25,
    normalization: Any = None,
    relative_level: bool = False,
    frontend: AudioFeatures | None = None,
    name: str = "cnn",
):
    """A small CNN that reads features as a one-channel image.

    ``Reshape`` to ``(n_features, n_frames, 1)``, then one block per entry of
    ``filters``: ``Conv2D`` (3x3, "same" padding, no bias), batch
    normalisation, ReLU and 2x2 max-pooling (not after the last block); then
    an average over time (``pooling="time"``), which keeps the frequency
    rows, flattened; dropout; and a softmax ``Dense`` layer. Each pooling
    halves both axes while the channels grow, so the last block sees the
    whole word at low resolution. Averaging over time makes the model
    indifferent to when the word starts; keeping the rows lets it tell a low
    sound from a high one, which global average pooling
    (``pooling="global"``) cannot do once the receptive field is small. The
    defaults give about 50,000 parameters for 40 x 101 log-mel features and
    10 classes.

    Parameters
    ----------
    input_shape : (n_features, n_frames) or (n_samples,)
        One clip's features, e.g. ``(40, 101)`` for a second of 16 kHz audio
        at the course's settings; or, with a ``frontend``, its waveform.
    num_classes : int >= 2
        Number of classes.
    filters : sequence of int
        Channels of each convolution block.
    kernel_size : int
        Height and width of the convolution kernels.
    pooling : {"time", "global"}
        Average the last feature map over time only (keeping frequency
        rows), or over time and frequency.
    dropout : float in [0, 1)
        Dropout rate before the classifier (0 for none).
    normalization : Standardizer, (mean, variance), np.ndarray or None
        Standardise the features inside the model with statistics of the
        training split (see :func:`normalization_layer`).
    relative_level : bool
        Make log-mel features relative to each clip's loudest value first
        (:class:`RelativeLevel`, before ``normalization``): the model then
        ignores how loud a recording is. ``normalization`` statistics must
        be measured on relative features (:func:`to_relative_level`).
    frontend : AudioFeatures or None
        Compute the features inside the model: the input is then a waveform.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Functional, uncompiled; layers named ``features`` (or ``waveform``),
        ``normalization``, ``to_image``, ``conv1``, ``bn1``, ``relu1``,
        ``pool1``, ..., ``time_pool`` and ``flatten`` (or ``global_pool``),
        ``dropout``, ``classifier``.

    Raises
    ------
    ParameterError
        If a shape, size or rate is invalid.

    See Also
    --------
    build_rnn, build_crnn, layer_table, audiolab.train.fit

    Examples
    --------
    >>> model = build_cnn((40, 101), 10)
    >>> model.output_shape, model.count_params()
    ((None, 10), 50074)

    Taught in lesson 07 (a CNN on spectrograms).
    """
    num_classes = _check_classes(num_classes)
    filters = _check_filters(filters)
    kernel_size = check_positive_int("kernel_size", kernel_size)
    pooling = check_choice("pooling", pooling, ("time", "global"))
    dropout = _check_dropout(dropout)
    inputs, x, (n_features, n_frames) = _inputs(input_shape, frontend, normalization,
                                                check_bool("relative_level", relative_level))
    smallest = 2 ** (len(filters) - 1)
    if min(n_features, n_frames) < smallest:
        raise ParameterError(
            f"features of shape {(n_features, n_frames)} are too small for {len(filters)} "
            f"pooling steps; use fewer filters"
        )
    x = layers.Reshape((n_features, n_frames, 1), name="to_image")(x)
    for i, f in enumerate(filters, start=1):
        x = _conv_block(x, f, i, pool=2 if i < len(filters) else None, kernel_size=kernel_size)
    if pooling == "time":
        # Average over time only: where a sound is in time does not matter, but where it is
        # in frequency does (a low tone is not a high one), so the frequency rows stay.
        x = layers.AveragePooling2D((1, x.shape[2]), name="time_pool")(x)
        x = layers.Flatten(name="flatten")(x)
    else:
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    outputs = _classifier(x, num_classes, dropout)
    return keras.Model(inputs, outputs, name=name)


def _check_dropout(dropout: Any) -> float:
    dropout = check_probability("dropout", dropout)
    if dropout >= 1:
        raise ParameterError(f"dropout must be below 1, got {dropout}")
    return dropout


def _recurrent(cell: str, units: int, *, return_sequences: bool, bidirectional: bool,
               name: str):
    layer_class = layers.GRU if cell == "gru" else layers.LSTM
    layer = layer_class(units, return_sequences=return_sequences, name=name)
    if bidirectional:
        return layers.Bidirectional(layer, name=f"bi{name}")
    return layer


def build_rnn(
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    cell: str = "gru",
    units: int = 64,
    num_layers: int = 1,
    bidirectional: bool = True,
    attention: bool = True,
    downsample: int = 2,
    dropout: float = 0.25,
    normalization: Any = None,
    relative_level: bool = False,
    frontend: AudioFeatures | None = None,
    name: str = "rnn",
):
    """A recurrent network that reads the frames as a sequence.

    ``Permute`` the features to ``(n_frames, n_features)``, average pairs of
    frames (``downsample``: 20 ms steps instead of 10 ms halve the work and
    lose nothing a word needs), then ``num_layers`` GRU or LSTM layers
    (bidirectional: one reads forwards, one backwards, their outputs are
    concatenated). The sequence becomes one vector either as the last
    state (``attention=False``) or by **attention pooling**: a learned score
    per frame, a softmax over time, and the weighted mean of the frames.
    Dropout and a softmax ``Dense`` layer classify.

    Parameters
    ----------
    input_shape : (n_features, n_frames) or (n_samples,)
        One clip's features (e.g. ``(13, 101)`` MFCC or ``(40, 101)``
        log-mel), or its waveform with a ``frontend``.
    num_classes : int >= 2
        Number of classes.
    cell : {"gru", "lstm"}
        The recurrent cell.
    units : int
        Units per direction.
    num_layers : int
        Stacked recurrent layers.
    bidirectional : bool
        Read the sequence both ways.
    attention : bool
        Attention pooling (the default) instead of the last state.
    downsample : int
        Average this many consecutive frames first (1: keep every frame).
    dropout : float in [0, 1)
        Dropout before the classifier.
    normalization, relative_level, frontend, name
        As in :func:`build_cnn`.

    Returns
    -------
    keras.Model
        Layers named ``features``, ``normalization``, ``to_sequence``,
        ``downsample``, ``gru1`` (``bigru1`` when bidirectional; ``lstm1``
        ...), ``attention_score``, ``attention_weights``, ``attention_pool``,
        ``dropout``, ``classifier``.

    Raises
    ------
    ParameterError
        If an argument is invalid.

    See Also
    --------
    build_cnn, build_crnn

    Examples
    --------
    >>> model = build_rnn((13, 101), 10, cell="lstm", attention=True)
    >>> model.get_layer("bilstm1").output.shape
    (None, 50, 128)

    Taught in lesson 08 (RNNs on sequences).
    """
    num_classes = _check_classes(num_classes)
    cell = check_choice("cell", cell, ("gru", "lstm"))
    units = check_positive_int("units", units)
    num_layers = check_positive_int("num_layers", num_layers)
    downsample = check_positive_int("downsample", downsample)
    dropout = _check_dropout(dropout)
    for flag_name, flag in (("bidirectional", bidirectional), ("attention", attention)):
        if not isinstance(flag, bool):
            raise ParameterError(f"{flag_name} must be True or False, got {flag!r}")
    inputs, x, (_, n_frames) = _inputs(input_shape, frontend, normalization,
                                       check_bool("relative_level", relative_level))
    if n_frames < downsample:
        raise ParameterError(f"downsample={downsample} is more than the {n_frames} frames")
    x = layers.Permute((2, 1), name="to_sequence")(x)
    if downsample > 1:
        x = layers.AveragePooling1D(downsample, name="downsample")(x)
    for i in range(1, num_layers + 1):
        last = i == num_layers
        x = _recurrent(cell, units, return_sequences=attention or not last,
                       bidirectional=bidirectional, name=f"{cell}{i}")(x)
    if attention:
        x = _attention_pooling(x)
    outputs = _classifier(x, num_classes, dropout)
    return keras.Model(inputs, outputs, name=name)


def build_crnn(
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    filters: Sequence[int] = (16, 32, 32),
    cell: str = "gru",
    units: int = 48,
    bidirectional: bool = True,
    attention: bool = False,
    dropout: float = 0.25,
    normalization: Any = None,
    relative_level: bool = False,
    frontend: AudioFeatures | None = None,
    name: str = "crnn",
):
    """A convolutional recurrent network: convolutions find local patterns, a GRU orders them.

    ``Permute`` and ``Reshape`` to ``(n_frames, n_features, 1)`` (time first),
    convolution blocks as in :func:`build_cnn` with 2x2 max-pooling after
    each (so the sequence is ``2 ** len(filters)`` times shorter); each
    time step's remaining frequency rows and channels become one vector,
    which a ``Dense`` layer (``projection``) shrinks to ``units``; then a
    (bidirectional) GRU or LSTM over time, last state or attention pooling,
    dropout and the classifier.

    Parameters
    ----------
    input_shape : (n_features, n_frames) or (n_samples,)
        One clip's features, or its waveform with a ``frontend``.
    num_classes : int >= 2
        Number of classes.
    filters : sequence of int
        Channels of each convolution block.
    cell, units, bidirectional, attention
        The recurrent part, as in :func:`build_rnn`.
    dropout, normalization, relative_level, frontend, name
        As in :func:`build_cnn`.

    Returns
    -------
    keras.Model
        Layers named ``features``, ``normalization``, ``to_time_first``,
        ``to_image``, ``conv1``, ``bn1``, ``relu1``, ``pool1``, ...,
        ``to_sequence``, ``projection``, ``bigru1``, ..., ``classifier``.

    Raises
    ------
    ParameterError
        If an argument is invalid.

    See Also
    --------
    build_cnn, build_rnn

    Examples
    --------
    >>> model = build_crnn((40, 101), 10)
    >>> model.get_layer("to_sequence").output.shape
    (None, 12, 160)

    Taught in lesson 08 (RNNs on sequences).
    """
    num_classes = _check_classes(num_classes)
    filters = _check_filters(filters)
    cell = check_choice("cell", cell, ("gru", "lstm"))
    units = check_positive_int("units", units)
    dropout = _check_dropout(dropout)
    for flag_name, flag in (("bidirectional", bidirectional), ("attention", attention)):
        if not isinstance(flag, bool):
            raise ParameterError(f"{flag_name} must be True or False, got {flag!r}")
    inputs, x, (n_features, n_frames) = _inputs(input_shape, frontend, normalization,
                                                check_bool("relative_level", relative_level))
    shrink = 2 ** len(filters)
    if min(n_features, n_frames) < shrink:
        raise ParameterError(
            f"features of shape {(n_features, n_frames)} are too small for {len(filters)} "
            f"pooling steps; use fewer filters"
        )
    x = layers.Permute((2, 1), name="to_time_first")(x)
    x = layers.Reshape((n_frames, n_features, 1), name="to_image")(x)
    for i, f in enumerate(filters, start=1):
        x = _conv_block(x, f, i, pool=2)
    steps, rows = n_frames // shrink, n_features // shrink
    # Each step's frequency rows and channels become one vector (where in frequency a
    # pattern is matters); a Dense layer shrinks it to ``units`` before the recurrent layer.
    x = layers.Reshape((steps, rows * filters[-1]), name="to_sequence")(x)
    x = layers.Dense(units, activation="relu", name="projection")(x)
    x = _recurrent(cell, units, return_sequences=attention, bidirectional=bidirectional,
                   name=f"{cell}1")(x)
    if attention:
        x = _attention_pooling(x)
    outputs = _classifier(x, num_classes, dropout)
    return keras.Model(inputs, outputs, name=name)


def _check_pair(name: str, value: Any) -> tuple[int, int]:
    """An int or a (frequency, time) pair of positive ints, as a pair."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    if (not isinstance(value, Sequence) or len(value) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
                       for v in value)):
        raise ParameterError(
            f"{name} must be a positive integer or a (frequency, time) pair of them, got {value!r}"
        )
    return int(value[0]), int(value[1])


def _separable_block(x, filters: int, index: int, *, kernel_size: int, strides: tuple[int, int]):
    """DepthwiseConv2D -> BN -> ReLU -> 1x1 Conv2D -> BN -> ReLU, named ``block{i}_...``."""
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False,
                               name=f"block{index}_depthwise")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"block{index}_bn1")(x)
    x = layers.ReLU(name=f"block{index}_relu1")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"block{index}_pointwise")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"block{index}_bn2")(x)
    return layers.ReLU(name=f"block{index}_relu2")(x)


def build_dscnn(
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    filters: Sequence[int] = (40, 40, 40, 40, 40),
    kernel_size: int | tuple[int, int] = (3, 3),
    strides: int | tuple[int, int] = (2, 2),
    block_strides: Sequence[int | tuple[int, int]] | None = None,
    depthwise_kernel_size: int = 3,
    dropout: float = 0.2,
    normalization: Any = None,
    relative_level: bool = False,
    frontend: AudioFeatures | None = None,
    name: str = "dscnn",
):
    """A depthwise-separable CNN: the small keyword-spotting model for microcontrollers.

    ``Reshape`` to ``(n_features, n_frames, 1)``; one ordinary ``Conv2D``
    (``filters[0]`` channels, a ``kernel_size`` kernel moved ``strides`` at
    a time, "same" padding, no bias), batch normalisation and ReLU; then one
    depthwise-separable block per further entry of ``filters``: a
    ``DepthwiseConv2D`` (one ``depthwise_kernel_size`` square filter per
    channel, moved ``block_strides`` at a time: patterns in time and
    frequency, each channel alone), batch normalisation, ReLU, a 1x1
    ``Conv2D`` (the channels mixed, position by position), batch
    normalisation and ReLU; global average pooling, dropout and a softmax
    ``Dense`` layer. This is the DS-CNN of "Hello Edge" (Zhang et al.,
    2017), smaller, and with strided blocks for features of 40 x 101
    instead of 10 x 49. A 3x3 convolution from ``c`` to ``c`` channels
    costs ``9 c**2`` weights; the separable block ``9 c + c**2``, about 7
    times fewer for 40 channels. The defaults give about 10,000 parameters
    for 40 x 101 log-mel features and 12 classes: an int8 ``.tflite`` file
    of about 30 KB (:func:`audiolab.deploy.to_tflite`), against about 60 KB
    for :func:`build_cnn`. The first kernel is small (3 x 3) because it sees
    a single input channel, which LiteRT's int8 kernels handle slowly on
    some processors: on an AMD EPYC AVX2 core a 5 x 7 kernel made the int8
    model take 0.5 ms per clip, nearly all of it in that layer, and 3 x 3
    takes about 0.15 ms, with about the same accuracy on FSDD.

    Parameters
    ----------
    input_shape : (n_features, n_frames) or (n_samples,)
        One clip's features, e.g. ``(40, 101)``; or, with a ``frontend``,
        its waveform.
    num_classes : int >= 2
        Number of classes.
    filters : sequence of int, at least two
        Channels of the first convolution, then of each separable block
        (one block per entry after the first).
    kernel_size : int or (int, int)
        The first convolution's kernel, (frequency rows, frames).
    strides : int or (int, int)
        The first convolution's step, (frequency rows, frames): 2 halves
        both axes, so the blocks work on a quarter of the positions.
    block_strides : sequence of int or (int, int), or None
        Each block's depthwise step, one per block (None: 2 in the first
        three blocks, 1 in the others): 2 halves both axes again. Without it each
        position of the last blocks would see only a few frequency rows, and
        the global average could not tell a low sound from a high one (see
        :func:`build_cnn`); with it they see most of the clip, and cost less.
    depthwise_kernel_size : int
        Height and width of the depthwise kernels.
    dropout, normalization, relative_level, frontend, name
        As in :func:`build_cnn`.

    Returns
    -------
    keras.Model
        Functional, uncompiled; layers named ``features`` (or ``waveform``),
        ``normalization``, ``to_image``, ``conv1``, ``bn1``, ``relu1``,
        ``block1_depthwise``, ``block1_bn1``, ``block1_relu1``,
        ``block1_pointwise``, ``block1_bn2``, ``block1_relu2``, ...,
        ``global_pool``, ``dropout``, ``classifier``.

    Raises
    ------
    ParameterError
        If a shape, size or rate is invalid.

    See Also
    --------
    build_cnn, audiolab.deploy.to_tflite, audiolab.deploy.benchmark

    Examples
    --------
    >>> model = build_dscnn((40, 101), 12)
    >>> model.get_layer("conv1").output.shape, model.get_layer("block4_relu2").output.shape
    ((None, 20, 51, 40), (None, 3, 7, 40))

    Taught in lesson 12 (deployment).
    """
    num_classes = _check_classes(num_classes)
    filters = _check_filters(filters)
    if len(filters) < 2:
        raise ParameterError(
            f"filters must give the first convolution's channels and at least one block's, "
            f"got {filters!r}"
        )
    kernel_size = _check_pair("kernel_size", kernel_size)
    strides = _check_pair("strides", strides)
    if block_strides is None:
        block_strides = [2 if i < 3 else 1 for i in range(len(filters) - 1)]
    if isinstance(block_strides, (int, np.integer)) or not isinstance(block_strides, Sequence):
        raise ParameterError(f"block_strides must be a sequence, one per block, got {block_strides!r}")
    if len(block_strides) != len(filters) - 1:
        raise ParameterError(
            f"block_strides must give one stride per block ({len(filters) - 1}), got {block_strides!r}"
        )
    block_strides = [_check_pair("block_strides", s) for s in block_strides]
    depthwise_kernel_size = check_positive_int("depthwise_kernel_size", depthwise_kernel_size)
    dropout = _check_dropout(dropout)
    inputs, x, (n_features, n_frames) = _inputs(input_shape, frontend, normalization,
                                                check_bool("relative_level", relative_level))
    x = layers.Reshape((n_features, n_frames, 1), name="to_image")(x)
    x = layers.Conv2D(filters[0], kernel_size, strides=strides, padding="same", use_bias=False,
                      name="conv1")(x)
    x = layers.BatchNormalization(momentum=0.9, name="bn1")(x)
    x = layers.ReLU(name="relu1")(x)
    for i, (f, step) in enumerate(zip(filters[1:], block_strides, strict=True), start=1):
        x = _separable_block(x, f, i, kernel_size=depthwise_kernel_size, strides=step)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    outputs = _classifier(x, num_classes, dropout)
    return keras.Model(inputs, outputs, name=name)


@keras.saving.register_keras_serializable(package="audiolab")
class PositionEmbedding(layers.Layer):
    """A learned vector per position, added to a sequence: where in the clip each step is.

    Self-attention compares every step with every other and does not see
    their order; adding a trainable vector for each position (one row of a
    ``(n_steps, width)`` table, initialised small) lets the model tell the
    start of a word from its end. The table is fixed in size, so the model
    takes sequences of exactly ``n_steps``.

    Examples
    --------
    >>> layer = PositionEmbedding()
    >>> layer(np.zeros((2, 5, 8), np.float32)).shape
    TensorShape([2, 5, 8])
    >>> layer.count_params()
    40

    Taught in lesson 09 (attention and transformers).
    """

    def build(self, input_shape):
        self.embedding = self.add_weight(
            shape=(int(input_shape[1]), int(input_shape[2])), name="embedding",
            initializer=keras.initializers.RandomNormal(stddev=0.02),
        )

    def call(self, inputs):
        return inputs + self.embedding

    def compute_output_shape(self, input_shape):
        return input_shape


def _transformer_block(x, index: int, *, num_heads: int, mlp_units: int, dropout: float):
    """Pre-norm encoder block: x + attention(norm(x)), then x + MLP(norm(x))."""
    width = x.shape[-1]
    h = layers.LayerNormalization(epsilon=1e-6, name=f"block{index}_norm1")(x)
    h = layers.MultiHeadAttention(num_heads, key_dim=width // num_heads,
                                  name=f"block{index}_attention")(h, h)
    if dropout > 0:
        h = layers.Dropout(dropout, name=f"block{index}_dropout1")(h)
    x = layers.Add(name=f"block{index}_residual1")([x, h])
    h = layers.LayerNormalization(epsilon=1e-6, name=f"block{index}_norm2")(x)
    h = layers.Dense(mlp_units, activation="gelu", name=f"block{index}_mlp1")(h)
    h = layers.Dense(width, name=f"block{index}_mlp2")(h)
    if dropout > 0:
        h = layers.Dropout(dropout, name=f"block{index}_dropout2")(h)
    return layers.Add(name=f"block{index}_residual2")([x, h])


def build_transformer(
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    patch_frames: int = 2,
    width: int = 48,
    num_heads: int = 4,
    num_blocks: int = 2,
    mlp_units: int = 96,
    dropout: float = 0.1,
    normalization: Any = None,
    relative_level: bool = False,
    frontend: AudioFeatures | None = None,
    name: str = "transformer",
):
    """A small keyword transformer: patches of frames, self-attention, an average over time.

    ``Permute`` the features to time first; cut the frames into patches of
    ``patch_frames`` frames (all feature rows) and project each to ``width``
    numbers (a ``Conv1D`` whose kernel and stride are the patch: one linear
    map per patch); add a learned :class:`PositionEmbedding`; then
    ``num_blocks`` pre-norm encoder blocks, each multi-head self-attention
    (``num_heads`` heads of ``width // num_heads`` dimensions) and a two-layer
    GELU MLP, both with residual connections; layer normalisation, the mean
    over the patches, dropout and the classifier. This is the keyword
    transformer of Berg et al. (2021), much smaller, with the mean over
    patches instead of a class token.

    Parameters
    ----------
    input_shape : (n_features, n_frames) or (n_samples,)
        One clip's features (``(40, 101)`` log-mel), or its waveform with a
        ``frontend``.
    num_classes : int >= 2
        Number of classes.
    patch_frames : int
        Frames per patch (2: 50 patches of 20 ms from 101 frames; a last
        incomplete patch is dropped).
    width : int
        Numbers per patch inside the model (``d_model``); a multiple of
        ``num_heads``.
    num_heads : int
        Attention heads per block.
    num_blocks : int
        Encoder blocks.
    mlp_units : int
        Hidden units of each block's MLP.
    dropout : float in [0, 1)
        Dropout after attention and MLP, and before the classifier.
    normalization, relative_level, frontend, name
        As in :func:`build_cnn`.

    Returns
    -------
    keras.Model
        Layers named ``features``, ``normalization``, ``to_time_first``,
        ``patch_embedding``, ``position_embedding``, ``block1_norm1``,
        ``block1_attention``, ..., ``final_norm``, ``average_over_time``,
        ``dropout``, ``classifier``.

    Raises
    ------
    ParameterError
        If an argument is invalid.

    See Also
    --------
    build_cnn, build_crnn, attention_maps

    Examples
    --------
    >>> model = build_transformer((40, 101), 10)
    >>> model.get_layer("position_embedding").output.shape
    (None, 50, 48)

    Taught in lesson 09 (attention and transformers).
    """
    num_classes = _check_classes(num_classes)
    patch_frames = check_positive_int("patch_frames", patch_frames)
    width = check_positive_int("width", width)
    num_heads = check_positive_int("num_heads", num_heads)
    num_blocks = check_positive_int("num_blocks", num_blocks)
    mlp_units = check_positive_int("mlp_units", mlp_units)
    dropout = _check_dropout(dropout)
    if width % num_heads:
        raise ParameterError(f"width ({width}) must be a multiple of num_heads ({num_heads})")
    inputs, x, (_, n_frames) = _inputs(input_shape, frontend, normalization,
                                       check_bool("relative_level", relative_level))
    if n_frames < patch_frames:
        raise ParameterError(f"patch_frames={patch_frames} is more than the {n_frames} frames")
    x = layers.Permute((2, 1), name="to_time_first")(x)
    x = layers.Conv1D(width, patch_frames, strides=patch_frames, name="patch_embedding")(x)
    x = PositionEmbedding(name="position_embedding")(x)
    for i in range(1, num_blocks + 1):
        x = _transformer_block(x, i, num_heads=num_heads, mlp_units=mlp_units, dropout=dropout)
    x = layers.LayerNormalization(epsilon=1e-6, name="final_norm")(x)
    x = layers.GlobalAveragePooling1D(name="average_over_time")(x)
    outputs = _classifier(x, num_classes, dropout)
    return keras.Model(inputs, outputs, name=name)


def attention_blocks(model) -> list[int]:
    """The numbers of a :func:`build_transformer` model's encoder blocks, in order.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    list of int
        1, 2, ... for the layers ``block1_attention``, ``block2_attention``,
        ...; empty for a model without them.

    Examples
    --------
    >>> attention_blocks(build_transformer((40, 101), 10))
    [1, 2]
    >>> attention_blocks(build_cnn((40, 101), 10))
    []

    Taught in lesson 09 (attention and transformers).
    """
    found = (re.fullmatch(r"block(\d+)_attention", layer.name) for layer in model.layers)
    return sorted(int(match.group(1)) for match in found if match)


def attention_maps(model, features: Any, *, block: int | None = None) -> NDArray[np.float32]:
    """The self-attention weights of a :func:`build_transformer` model, per head.

    Row ``i`` of a map says how much patch ``i`` takes from every patch
    (each row sums to 1).

    Parameters
    ----------
    model : keras.Model
        Built by :func:`build_transformer`, taking features.
    features : np.ndarray [shape=(n, n_features, n_frames)]
        Clips' features, as the model takes them.
    block : int, optional
        The encoder block (1 is the first); the last by default.

    Returns
    -------
    np.ndarray [shape=(n, num_heads, n_patches, n_patches)], float32

    Raises
    ------
    ParameterError
        If the model has no such block or the features do not fit it.

    Examples
    --------
    >>> model = build_transformer((40, 101), 10, num_blocks=1)
    >>> attention_maps(model, np.zeros((3, 40, 101), np.float32)).shape
    (3, 4, 50, 50)

    Taught in lesson 09 (attention and transformers).
    """
    blocks = attention_blocks(model)
    if not blocks:
        raise ParameterError(f"model {model.name!r} has no attention blocks: build it with build_transformer")
    block = blocks[-1] if block is None else check_positive_int("block", block)
    if block not in blocks:
        raise ParameterError(f"block must be one of {blocks}, got {block}")
    x = np.asarray(features, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if x.ndim != len(expected) + 1 or tuple(x.shape[1:]) != expected:
        raise ParameterError(
            f"features must have shape (n, {', '.join(map(str, expected))}) for this model, got {x.shape}"
        )
    before = keras.Model(model.input, model.get_layer(f"block{block}_norm1").output)
    h = before(x, training=False)
    _, scores = model.get_layer(f"block{block}_attention")(h, h, return_attention_scores=True,
                                                           training=False)
    return np.asarray(scores, dtype=np.float32)


def with_frontend(model, frontend: AudioFeatures, *, n_samples: int, name: str | None = None):
    """Put a feature front end in front of a model trained on features.

    Parameters
    ----------
    model : keras.Model
        Takes features of shape ``(n_features, n_frames)``.
    frontend : AudioFeatures
        Computes those features from a waveform.
    n_samples : int
        Length of the waveforms, in samples (``sr * duration``).
    name : str or None
        The new model's name (default: the model's own).

    Returns
    -------
    keras.Model
        Input ``waveform`` of shape ``(n_samples,)``, then the layer
        ``features`` (the front end), then ``model`` (shared: same weights).

    Raises
    ------
    ParameterError
        If the front end's output does not fit the model's input.

    Examples
    --------
    >>> end_to_end = with_frontend(build_cnn((40, 101), 10), AudioFeatures(sr=16000),
    ...                            n_samples=16000)
    >>> end_to_end.input_shape, end_to_end.output_shape
    ((None, 16000), (None, 10))

    Taught in lesson 07 (a CNN on spectrograms: saving the model).
    """
    if not isinstance(frontend, AudioFeatures):
        raise ParameterError(f"frontend must be an AudioFeatures layer, got {frontend!r}")
    n_samples = check_positive_int("n_samples", n_samples)
    expected = tuple(model.input_shape[1:])
    produced = (frontend.n_features, frontend.n_frames(n_samples))
    if expected != produced:
        raise ParameterError(
            f"the front end makes features of shape {produced} from {n_samples} samples, but "
            f"the model takes {expected}"
        )
    inputs = keras.Input(shape=(n_samples,), name="waveform")
    outputs = model(frontend(inputs))
    return keras.Model(inputs, outputs, name=name or model.name)


# ---------------------------------------------------------------------------
# Looking inside
# ---------------------------------------------------------------------------


def count_params(model) -> int:
    """Number of parameters (weights and biases, trainable or not) of a model."""
    return int(model.count_params())


def layer_table(model, *, nested: bool = False) -> str:
    """A plain-text table of a model's layers: name, type, output shape, parameters.

    Unlike ``model.summary()`` it has no box drawing or colours, so it reads
    the same in a terminal, a notebook and a test.

    Parameters
    ----------
    model : keras.Model
    nested : bool
        List the layers inside nested models too (indented).

    Returns
    -------
    str

    Examples
    --------
    >>> print(layer_table(build_cnn((40, 101), 10)))  # doctest: +SKIP
    layer        type                    output shape       params
    features     InputLayer              (None, 40, 101)         0
    ...

    Taught in lesson 07 (a CNN on spectrograms).
    """
    rows = [("layer", "type", "output shape", "params")]

    def visit(m, indent: str) -> None:
        for layer in m.layers:
            try:
                shape = layer.output.shape
            except (AttributeError, ValueError):
                shape = "?"
            shape_text = str(tuple(shape)) if not isinstance(shape, str) else shape
            rows.append((indent + layer.name, type(layer).__name__, shape_text,
                         f"{layer.count_params():,}"))
            if nested and isinstance(layer, keras.Model):
                visit(layer, indent + "  ")

    visit(model, "")
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                 row[3].rjust(widths[3])]
        lines.append("  ".join(cells).rstrip())
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    total = model.count_params()
    lines.append(f"total: {total:,} parameters ({trainable:,} trainable)")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------


def save_model(model, path: str | os.PathLike, *, metadata: Mapping[str, Any] | None = None) -> Path:
    """Save a model as ``.keras``, with audiolab's settings inside, atomically.

    Keras writes the model to a temporary file in the same folder; an
    ``audiolab.json`` entry holding ``metadata`` (class names, sample rate,
    clip length, feature settings, ...) is added to the zip; then the file
    is renamed into place, so an interrupted save never leaves a broken
    model behind. Keras ignores the extra entry; :func:`read_metadata` reads
    it without loading TensorFlow.

    Parameters
    ----------
    model : keras.Model
    path : str or os.PathLike
        Must end in ``.keras``; its folder must exist.
    metadata : mapping or None
        JSON-serialisable settings (NumPy values are converted).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ParameterError
        If the path does not end in ``.keras`` or its folder does not exist.

    See Also
    --------
    load_model, read_metadata

    Taught in lesson 07 (a CNN on spectrograms: saving the model).
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ParameterError(f"path must end in .keras, got {path}")
    if not path.parent.is_dir():
        raise ParameterError(f"cannot save {path}: the folder {path.parent} does not exist")
    with atomic_write(path) as temporary:
        model.save(temporary)
        add_card_to_keras(temporary, metadata or {})
    return path


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``audiolab.json`` settings saved inside a ``.keras`` file ({} if there are none).

    The same as :func:`audiolab.modelfile.read_keras_card`, which reads it
    without importing TensorFlow.

    Raises
    ------
    AudiolabError
        If the file is missing or not a ``.keras`` (zip) file.
    """
    return read_keras_card(path)


def load_model(path: str | os.PathLike, *, compile: bool = False):
    """Load a ``.keras`` model with ``safe_mode=True`` (no arbitrary code runs).

    :class:`AudioFeatures` is registered with Keras when this module is
    imported, so models with the front end load without ``custom_objects``.

    Parameters
    ----------
    path : str or os.PathLike
    compile : bool
        Restore the optimizer and loss too (to continue training).

    Returns
    -------
    keras.Model

    Raises
    ------
    AudiolabError
        If the file is missing or is not a Keras model.

    See Also
    --------
    save_model, read_metadata, audiolab.evaluate.load_predictor
    """
    path = Path(path)
    read_metadata(path)  # a clear error for a missing file or a file that is not a zip
    try:
        return keras.models.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise AudiolabError(f"{path}: cannot load the Keras model ({reason})") from None
