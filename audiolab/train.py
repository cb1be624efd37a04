"""Training: tf.data input pipelines, a fit with sensible callbacks, and a whole run on a folder.

- :func:`make_dataset` turns clips (an array, a list, file paths or an
  :class:`~audiolab.datasets.AudioDataset`) into a batched, prefetched
  ``tf.data.Dataset`` of ``(features, label)``: feature extraction,
  optional standardisation, waveform augmentation and SpecAugment.
- :func:`reproducible` seeds Python, NumPy and TensorFlow and switches on
  TensorFlow's op determinism: the same seed gives the same model;
  :func:`seeded` does it for one block and puts the global state back.
- :func:`fit` compiles and trains with early stopping on the validation loss
  (best weights restored), a cosine learning-rate schedule and optional class
  weights, and returns the model with a tidy :class:`TrainingHistory`;
  :func:`plot_history` draws it. With ``average_from`` it keeps instead the
  mean of the weights over the training steps of the last epochs
  (stochastic weight averaging).

**Augmentation: precomputed epochs.** audiomentations runs in Python, about
1 ms per one-second clip for the "light" recipe and 8 ms for "strong".
Inside ``tf.data`` (``tf.numpy_function``) it would hold the GIL, run one
clip at a time and, on two cores, slow every epoch down by seconds while
competing with the training step. Instead :func:`make_dataset` makes
``copies`` augmented versions of the training clips once, extracts their
features in one vectorised pass (:func:`audiolab.features.extract_batch`),
and keeps the feature tables in memory (the cache). Every epoch, each clip
is drawn from a random copy, the order is reshuffled and SpecAugment masks
(cheap, NumPy on each batch) are drawn afresh, all from stateless random
operations seeded by ``(seed, epoch)``: the same seed gives the same epochs,
whatever else has used TensorFlow's global seed. The training loop itself
runs no audiomentations code.

- :func:`train_clips` and :func:`train_folder` are ``audiolab train``: clips
  (or a class-per-folder dataset) in, a trained end-to-end model (waveform
  in, probabilities out) and its test report out.

TensorFlow is imported by this module. Taught in lesson 07 (a CNN on
spectrograms) and used in lesson 08.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import models
from .datasets.folder import load_folder_with_notes
from .datasets.splits import split_indices
from .errors import AudiolabError, ParameterError
from .features import SPEECH_FEATURES
from .losses import SmoothedSparseCrossentropy
from .modelfile import FEATURE_KINDS, FORMAT_VERSION, KERAS_FORMAT
from .seeding import reproducible, seeded
from .validation import (
    check_average_from,
    check_choice,
    check_fmax,
    check_label_smoothing,
    check_max_warp,
    check_nonnegative_int,
    check_positive,
    check_positive_int,
)

keras = models.keras
import tensorflow as tf  # noqa: E402  (already loaded quietly by audiolab.models)

__all__ = [
    "FEATURE_DEFAULTS",
    "feature_settings",
    "make_dataset",
    "reproducible",
    "seeded",
    "class_weights",
    "fit",
    "TrainingHistory",
    "plot_history",
    "train_folder",
    "train_clips",
    "TrainResult",
    "MODEL_FEATURES",
    "STRONG_SPEC_AUGMENT",
]

#: The course's feature settings for 16 kHz speech: :data:`audiolab.features.SPEECH_FEATURES`
#: (read-only; :func:`feature_settings` makes an editable copy).
FEATURE_DEFAULTS = SPEECH_FEATURES
#: The features ``audiolab train`` gives each model.
MODEL_FEATURES = {"cnn": "logmel", "rnn": "logmel", "crnn": "logmel", "transformer": "logmel",
                  "dscnn": "logmel"}
#: SpecAugment with ``augment="strong"``: the default masks of :func:`make_dataset`,
#: after a frequency warp of up to 12 % either way (formants of a shorter or
#: longer vocal tract; :func:`audiolab.augment.warp_frequency`).
STRONG_SPEC_AUGMENT = {"max_warp": 0.12}


def feature_settings(kind: str = "logmel", **overrides: Any) -> dict[str, Any]:
    """The feature settings: :data:`FEATURE_DEFAULTS` with ``kind`` and any overrides.

    Examples
    --------
    >>> feature_settings("mfcc", n_mfcc=20)["n_mfcc"]
    20
    """
    check_choice("kind", kind, FEATURE_KINDS)
    unknown = sorted(set(overrides) - set(FEATURE_DEFAULTS))
    if unknown:
        raise ParameterError(
            f"unknown feature setting(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(FEATURE_DEFAULTS))}"
        )
    return {**FEATURE_DEFAULTS, **overrides, "kind": kind}


# ---------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Input pipelines
# ---------------------------------------------------------------------------


def _as_clips(source: Any, labels: Any, sr: int | None, duration: float | None):
    """(clips (n, n_samples) float32, labels int64 or None, sr) from any accepted source."""
    from .datasets import AudioDataset
    from .io import load
    from .preprocess import pad_or_crop
    from .validation import valid_audio

    if isinstance(source, AudioDataset):
        if labels is None:
            labels = source.labels
        if source.clips is None:
            source = list(source.paths)
        else:
            if sr is not None and source.sr is not None and sr != source.sr:
                raise ParameterError(f"sr={sr} differs from the dataset's rate {source.sr}")
            sr = source.sr
            source = source.clips
    if sr is None:
        if isinstance(source, np.ndarray) or (
            isinstance(source, Sequence) and source and isinstance(source[0], np.ndarray)
        ):
            raise ParameterError("sr is needed: the sample rate of the clips, in Hz")
        sr = 16000
    sr = check_positive_int("sr", sr)
    n_samples = None if duration is None else int(round(check_positive("duration", duration) * sr))

    if isinstance(source, np.ndarray):
        clips = source
        if clips.ndim == 1:
            raise ParameterError("source is one clip; pass an array of clips (n, n_samples)")
        if clips.ndim != 2:
            raise ParameterError(f"source must have shape (n_clips, n_samples), got {clips.shape}")
        valid_audio(clips, mono=False, name="source")
        if n_samples is not None and clips.shape[1] != n_samples:
            clips = np.stack([pad_or_crop(c, n_samples) for c in clips])
    elif isinstance(source, Sequence) and not isinstance(source, str):
        if len(source) == 0:
            raise ParameterError("source holds no clips")
        loaded = []
        for i, item in enumerate(source):
            if isinstance(item, (str, os.PathLike)):
                y, _ = load(item, sr=sr)
            else:
                y = valid_audio(np.asarray(item), name=f"source[{i}]")
            loaded.append(y)
        if n_samples is None:
            lengths = {len(y) for y in loaded}
            if len(lengths) > 1:
                raise ParameterError(
                    "the clips have different lengths; pass duration= to pad or crop them"
                )
            n_samples = lengths.pop()
        clips = np.stack([pad_or_crop(y, n_samples) for y in loaded])
    else:
        raise ParameterError(
            "source must be an array of clips (n, n_samples), a list of clips or file paths, or "
            f"an AudioDataset; got {type(source).__name__}"
        )
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(clips),) or not np.issubdtype(labels.dtype, np.integer):
            raise ParameterError(
                f"labels must be {len(clips)} integer class indices, got {labels.dtype} "
                f"{labels.shape}"
            )
        if labels.min() < 0:
            raise ParameterError("labels must be class indices >= 0")
        labels = labels.astype(np.int64)
    return np.ascontiguousarray(clips, dtype=np.float32), labels, sr


def _augmenter(augment: Any, sr: int):
    from .augment import STRENGTHS, Augmenter, make_augmenter

    if augment is None or (isinstance(augment, str) and augment == "none"):
        return None
    if isinstance(augment, Augmenter):
        return augment
    if isinstance(augment, str):
        check_choice("augment", augment, STRENGTHS)
        return make_augmenter(augment, sr=sr)
    raise ParameterError(f"augment must be 'none', 'light', 'strong' or an Augmenter, got {augment!r}")


def _spec_augment_settings(spec_augment: Any, n_features: int, n_frames: int) -> dict | None:
    if spec_augment is False or spec_augment is None:
        return None
    settings = {"n_freq_masks": 1, "freq_mask_param": max(1, n_features // 8),
                "n_time_masks": 1, "time_mask_param": max(1, n_frames // 12)}
    if spec_augment is True:
        return settings
    if isinstance(spec_augment, Mapping):
        unknown = set(spec_augment) - set(settings) - {"mask_value", "max_warp"}
        if unknown:
            raise ParameterError(f"unknown spec_augment setting(s): {', '.join(sorted(unknown))}")
        return {**settings, **spec_augment}
    raise ParameterError(f"spec_augment must be True, False or a dict of settings, got {spec_augment!r}")


def _extract(clips: NDArray[np.float32], sr: int, settings: Mapping[str, Any] | None,
             standardizer: Any) -> NDArray[np.float32]:
    from .features import extract_batch

    if settings is None:
        return clips
    out = extract_batch(clips, sr, **settings)
    if standardizer is not None:
        out = standardizer.transform(out)
    return out


def make_dataset(
    source: Any,
    labels: Any = None,
    *,
    sr: int | None = None,
    duration: float | None = 1.0,
    features: str | None = "logmel",
    settings: Mapping[str, Any] | None = None,
    standardizer: Any = None,
    augment: Any = "none",
    copies: int = 2,
    spec_augment: bool | Mapping[str, Any] = False,
    batch_size: int = 32,
    shuffle: bool = False,
    seed: int = 0,
):
    """A ``tf.data.Dataset`` of (features, label) batches, ready for ``model.fit``.

    The pipeline: load and pad or crop the clips to ``duration``; with
    ``augment``, make ``copies`` augmented versions of every clip
    (audiomentations, seeded per clip and copy); extract the features of all
    of them in one vectorised pass; standardise them with a ``standardizer``
    fitted on the *training* features; keep the tables in memory (the
    cache); then, every epoch: shuffle, draw each clip from a random copy,
    batch, apply SpecAugment masks, prefetch. See the module's docstring for
    why augmentation is precomputed rather than run inside ``tf.data``.

    Parameters
    ----------
    source : np.ndarray [shape=(n, n_samples)], list of np.ndarray or paths, or AudioDataset
        The clips (float32 waveforms), audio files, or a loaded dataset.
    labels : array-like [shape=(n,)] of int, or None
        Class indices; taken from an ``AudioDataset``; None gives a dataset
        of features only (for prediction).
    sr : int or None
        Sample rate of the clips (required for arrays); the rate files are
        loaded at (default 16000).
    duration : float or None
        Centre-pad or crop every clip to this many seconds; None keeps the
        clips' own (equal) length.
    features : {"logmel", "mfcc"} or None
        The features; None passes the waveforms through (for a model with an
        :class:`~audiolab.models.AudioFeatures` front end).
    settings : mapping or None
        Feature settings overriding :data:`FEATURE_DEFAULTS` (``n_mels``,
        ``hop_length``, ...).
    standardizer : audiolab.preprocess.Standardizer or None
        Fitted on the training features (``axis=1``); applied to every
        feature table. None leaves the features as they are (e.g. when the
        model has a ``normalization`` layer).
    augment : {"none", "light", "strong"} or Augmenter
        Waveform augmentation (:func:`audiolab.augment.make_augmenter`). Use
        it for the training split only.
    copies : int
        Augmented versions of every clip (ignored without ``augment``).
    spec_augment : bool or dict
        SpecAugment masks on every clip, drawn afresh each epoch: by default
        one frequency mask of up to an eighth of the rows and one time mask
        of up to a twelfth of the frames (5 mel bands, 80 ms: a spoken digit
        is short, and wider masks hide too much of it); or a dict of
        :func:`audiolab.augment.spec_augment` settings.
    batch_size : int
    shuffle : bool
        Shuffle the clips every epoch (the training split).
    seed : int
        Seed of the augmentation, the shuffling and the masks.

    Returns
    -------
    tf.data.Dataset
        Elements ``(x, y)``: ``x`` float32 ``(batch, n_features, n_frames)``
        (or ``(batch, n_samples)`` for ``features=None``), ``y`` int32
        ``(batch,)``; or only ``x`` without labels. Its cardinality is the
        number of batches.

    Raises
    ------
    ParameterError
        If the clips, labels or settings are invalid.
    AudioFileError
        If a file cannot be read.

    See Also
    --------
    fit, audiolab.features.extract_batch, audiolab.augment.make_augmenter,
    audiolab.augment.spec_augment

    Examples
    --------
    >>> clips = np.random.default_rng(0).standard_normal((8, 16000)).astype(np.float32) * 0.1
    >>> ds = make_dataset(clips, np.arange(8) % 2, sr=16000, batch_size=4)
    >>> [tuple(t.shape) for t in next(iter(ds))]
    [(4, 40, 101), (4,)]

    Taught in lesson 07 (a CNN on spectrograms: the input pipeline).
    """
    clips, labels, sr = _as_clips(source, labels, sr, duration)
    batch_size = check_positive_int("batch_size", batch_size)
    copies = check_positive_int("copies", copies)
    seed = check_nonnegative_int("seed", seed)
    if not isinstance(shuffle, bool):
        raise ParameterError(f"shuffle must be True or False, got {shuffle!r}")
    if features is None:
        if settings is not None or standardizer is not None or spec_augment:
            raise ParameterError("settings, standardizer and spec_augment need features")
        chosen = None
    else:
        chosen = feature_settings(features, **dict(settings or {}))
    augmenter = _augmenter(augment, sr)

    if augmenter is None:
        tables = [_extract(clips, sr, chosen, standardizer)]
    else:
        tables = []
        for copy in range(copies):
            augmented = np.stack([
                augmenter(clip, sr=sr, rng=np.random.default_rng([seed, copy, i]))
                for i, clip in enumerate(clips)
            ])
            tables.append(_extract(augmented, sr, chosen, standardizer))
    table = np.stack(tables)  # (copies, n, ...)
    n = len(clips)
    masks = None if chosen is None else _spec_augment_settings(spec_augment, *table.shape[2:4])

    n_copies = len(tables)
    table_t = tf.constant(table)
    labels_t = None if labels is None else tf.constant(labels.astype(np.int32))
    # The randomness of every epoch comes from stateless ops seeded by (seed, epoch), so a
    # dataset gives the same epochs whatever else has used TensorFlow's global seed. The
    # epoch is counted by a variable that goes up each time the dataset is iterated.
    epoch = tf.Variable(-1, dtype=tf.int64, trainable=False)
    random_order = shuffle
    draw_masks = masks is not None

    @tf.autograph.experimental.do_not_convert  # plain TensorFlow ops: nothing to convert
    def one_epoch(_):
        e = epoch.assign_add(1)
        index = tf.range(n, dtype=tf.int64)
        if random_order:
            keys = tf.random.stateless_uniform([n], seed=tf.stack([tf.constant(seed, tf.int64), e]))
            index = tf.argsort(keys, stable=True)
            index = tf.cast(index, tf.int64)
        copy = tf.random.stateless_uniform([n], seed=tf.stack([tf.constant(seed + 1, tf.int64), e]),
                                           minval=0, maxval=n_copies, dtype=tf.int64)
        mask_seeds = tf.random.stateless_uniform(
            [n], seed=tf.stack([tf.constant(seed + 2, tf.int64), e]), minval=0,
            maxval=2**31 - 1, dtype=tf.int64)
        return tf.data.Dataset.from_tensor_slices((copy, index, mask_seeds))

    @tf.autograph.experimental.do_not_convert  # plain TensorFlow ops: nothing to convert
    def gather(c, i, s):
        x = tf.gather_nd(table_t, tf.stack([c, i]))
        element = (x,) if labels_t is None else (x, tf.gather(labels_t, i))
        return (*element, s) if draw_masks else element

    ds = tf.data.Dataset.range(1).flat_map(one_epoch).map(gather).batch(batch_size)
    ds = ds.apply(tf.data.experimental.assert_cardinality(math.ceil(n / batch_size)))
    if masks is not None:
        ds = ds.map(_spec_augment_batch(masks))
    if labels is None:
        ds = ds.map(tf.autograph.experimental.do_not_convert(lambda x: x))
    ds = ds.prefetch(tf.data.AUTOTUNE)
    ds._audiolab_epoch = epoch  # keep the counter alive as long as the dataset
    return ds


def _spec_augment_batch(masks: dict):
    """A tf.data map function: SpecAugment masks on every clip of a batch, seeded per clip."""
    from .augment import spec_augment

    def mask(x: NDArray[np.float32], seeds: NDArray[np.int64]) -> NDArray[np.float32]:
        out = np.empty_like(x)
        for j in range(len(x)):
            rng = np.random.default_rng(int(seeds[j]) & 0x7FFFFFFFFFFFFFFF)
            out[j] = spec_augment(x[j], rng=rng, **masks)
        return out

    @tf.autograph.experimental.do_not_convert  # plain TensorFlow ops: nothing to convert
    def apply(*element):
        x, seeds = element[0], element[-1]
        masked = tf.numpy_function(mask, [x, seeds], tf.float32, stateful=False)
        masked = tf.ensure_shape(masked, x.shape)
        return (masked, *element[1:-1])

    return apply


# ---------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------


def class_weights(labels: Any, n_classes: int | None = None) -> dict[int, float]:
    """Weights that make every class count as much in the loss: ``n / (k * count)``.

    A class with half the average number of clips gets weight 2. For a
    balanced dataset every weight is 1.

    Examples
    --------
    >>> class_weights([0, 0, 0, 1])
    {0: 0.6666666666666666, 1: 2.0}
    """
    labels = np.asarray(labels).astype(np.int64).ravel()
    if labels.size == 0:
        raise ParameterError("labels is empty")
    k = int(labels.max()) + 1 if n_classes is None else check_positive_int("n_classes", n_classes)
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    present = counts > 0
    weights = np.where(present, labels.size / (present.sum() * np.maximum(counts, 1)), 0.0)
    return {i: float(w) for i, w in enumerate(weights)}


@dataclass
class TrainingHistory:
    """What happened during training, one row per epoch.

    Attributes
    ----------
    rows : list of dict
        ``epoch`` (from 1), ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy`` (when there was validation data), ``lr`` and
        ``seconds`` of every epoch.
    best_epoch : int or None
        The epoch whose weights were kept (lowest validation loss), from 1;
        None when the weights kept are an average (``averaged_from``).
    averaged_from : int or None
        The weights kept are the mean over every training step from this
        epoch (from 1) to the last (see :func:`fit`'s ``average_from``).
    averaged : dict
        The averaged weights' ``val_loss`` and ``val_accuracy`` (empty
        without averaging or validation data).
    stopped_early : bool
        True if early stopping ended the training before ``epochs``.
    seconds : float
        Total training time.
    """

    rows: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    averaged_from: int | None = None
    averaged: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> NDArray[np.float64]:
        """One metric over the epochs, e.g. ``history.column("val_accuracy")``."""
        if not self.rows or name not in self.rows[0]:
            known = ", ".join(self.rows[0]) if self.rows else "none"
            raise ParameterError(f"no column {name!r} in this history (columns: {known})")
        return np.array([row[name] for row in self.rows], dtype=np.float64)

    @property
    def columns(self) -> list[str]:
        return list(self.rows[0]) if self.rows else []

    def best(self) -> dict[str, float]:
        """The row of the best epoch (the last one without validation or with averaged weights)."""
        if not self.rows:
            raise ParameterError("the history is empty")
        return self.rows[(self.best_epoch or len(self.rows)) - 1]

    def table(self, *, digits: int = 3) -> str:
        """The history as a plain-text table (``seconds`` left out: it varies)."""
        names = [c for c in self.columns if c != "seconds"]
        rows = [names] + [
            [str(int(r[c])) if c == "epoch" else f"{r[c]:.{digits}g}" if c == "lr"
             else f"{r[c]:.{digits}f}" for c in names]
            for r in self.rows
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(names))]
        return "\n".join("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in rows)

    def __repr__(self) -> str:
        best = f", best epoch {self.best_epoch}" if self.best_epoch else ""
        if self.averaged_from:
            best = f", weights averaged over epochs {self.averaged_from}-{self.epochs}"
        stop = ", stopped early" if self.stopped_early else ""
        return f"TrainingHistory({self.epochs} epochs{best}{stop})"


class _EpochLog(keras.callbacks.Callback):
    """Record the learning rate and wall time of every epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.lrs: list[float] = []
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        optimizer = self.model.optimizer
        self.lrs.append(float(np.asarray(optimizer.learning_rate)))

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


class _WeightAverage(keras.callbacks.Callback):
    """At the end of training, set the weights to their mean over every step from an epoch on."""

    def __init__(self, first_epoch: int) -> None:
        super().__init__()
        self.first_epoch = first_epoch  # counted from 0, as Keras counts
        self.steps = 0
        self._epoch = 0
        self._sums: list[NDArray[np.float64]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._epoch < self.first_epoch:
            return
        weights = self.model.get_weights()
        if not self._sums:
            self._sums = [w.astype(np.float64) for w in weights]
        else:
            for total, w in zip(self._sums, weights, strict=True):
                total += w
        self.steps += 1

    def on_train_end(self, logs=None):
        if self.steps:
            self.model.set_weights([(total / self.steps).astype(w.dtype) for total, w
                                    in zip(self._sums, self.model.get_weights(), strict=True)])


def _steps(dataset, name: str) -> int:
    steps = int(dataset.cardinality())
    if steps <= 0:
        raise ParameterError(
            f"{name} must be a finite tf.data.Dataset of batches (cardinality {steps}); "
            f"make it with make_dataset"
        )
    return steps


def _labels_of(dataset) -> NDArray[np.int64]:
    parts = [np.asarray(y) for _, y in dataset.map(lambda x, y: (tf.zeros(()), y))]
    return np.concatenate(parts).astype(np.int64)


def fit(
    model,
    train,
    validation=None,
    *,
    epochs: int = 30,
    learning_rate: float = 3e-3,
    schedule: str = "cosine",
    patience: int | None = 6,
    class_weight: str | Mapping[int, float] | None = None,
    seed: int | None = 0,
    verbose: int | str = 2,
    callbacks: Sequence[Any] = (),
    average_from: int | None = None,
    label_smoothing: float = 0.0,
):
    """Compile and train a classifier with early stopping, a schedule and class weights.

    - Adam, sparse categorical cross-entropy (integer labels), accuracy;
      with ``label_smoothing`` the labels are smoothed
      (:class:`audiolab.losses.SmoothedSparseCrossentropy`).
    - ``schedule="cosine"``: the learning rate falls from ``learning_rate``
      to 1 % of it along a half cosine over all ``epochs``;
      ``"plateau"`` halves it when the validation loss stops falling;
      ``"constant"`` keeps it.
    - Early stopping on the validation loss (``patience`` epochs without
      improvement), then the weights of the best epoch are restored.
    - ``class_weight="balanced"`` weighs each class by ``n / (k * count)``
      (see :func:`class_weights`): a rare class counts as much as a common one.
    - ``average_from=E``: every epoch trains, and the weights returned are the
      mean of the weights after each training step of epochs ``E`` to the
      last (stochastic weight averaging, Izmailov et al. 2018), not those of
      the best epoch. The mean lies in a wider, flatter part of the loss
      surface than any single step, which tends to hold better on data
      unlike the training data (new voices). The batch-normalisation
      statistics are averaged too.

    Parameters
    ----------
    model : keras.Model
        Outputs class probabilities (a softmax), as the builders of
        :mod:`audiolab.models` make.
    train, validation : tf.data.Dataset
        Batches of ``(x, y)`` from :func:`make_dataset`; ``validation`` may be None.
    epochs : int
        The most epochs to train.
    learning_rate : float
        The initial learning rate.
    schedule : {"cosine", "plateau", "constant"}
    patience : int or None
        Epochs without improvement of the validation loss before stopping;
        None trains all ``epochs`` (still restoring the best weights).
    class_weight : "balanced", dict or None
    seed : int or None
        Trains inside :func:`seeded` (for the dropout and the TensorFlow
        operations of this run; the initial weights were drawn when the
        model was built): the global random state is put back afterwards.
        None leaves the generators alone.
    verbose : 0, 1, 2 or "auto"
        Keras's output: 1 a progress bar, 2 one line per epoch.
    callbacks : sequence of keras.callbacks.Callback
        More callbacks.
    average_from : int or None
        Keep the mean of the weights over the training steps from this epoch
        (from 1) on; ``patience`` must then be None.
    label_smoothing : float
        In [0, 1): the share of each label spread evenly over all the
        classes (0: none). The validation loss that early stopping watches
        is smoothed too.

    Returns
    -------
    model : keras.Model
        The same model, with the best epoch's weights (or their average).
    history : TrainingHistory

    Raises
    ------
    ParameterError
        If an argument is invalid.

    See Also
    --------
    make_dataset, plot_history, seeded

    Examples
    --------
    >>> model, history = fit(build_cnn((40, 101), 10), train_ds, val_ds, epochs=10)  # doctest: +SKIP
    >>> history.best()["val_accuracy"]  # doctest: +SKIP
    0.99

    Taught in lesson 07 (a CNN on spectrograms).
    """
    epochs = check_positive_int("epochs", epochs)
    learning_rate = check_positive("learning_rate", learning_rate)
    check_choice("schedule", schedule, ("cosine", "plateau", "constant"))
    if patience is not None:
        patience = check_positive_int("patience", patience)
    average_from = check_average_from(average_from, epochs)
    label_smoothing = check_label_smoothing("label_smoothing", label_smoothing)
    if average_from is not None and patience is not None:
        raise ParameterError(f"average_from={average_from} averages every epoch from it to "
                             f"the last: give patience=None (no early stopping)")
    steps = _steps(train, "train")
    if validation is not None:
        _steps(validation, "validation")
    if seed is not None:
        seed = check_nonnegative_int("seed", seed)
    if class_weight == "balanced":
        class_weight = class_weights(_labels_of(train), int(model.output_shape[-1]))
    elif class_weight is not None and not isinstance(class_weight, Mapping):
        raise ParameterError(f"class_weight must be 'balanced', a dict or None, got {class_weight!r}")

    all_callbacks: list[Any] = []
    rate: Any = learning_rate
    if schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps,
                                                      alpha=0.01)
    elif schedule == "plateau":
        all_callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss" if validation is not None else "loss", factor=0.5,
            patience=max(1, (patience or 4) // 2), min_lr=learning_rate / 100))
    monitor = "val_loss" if validation is not None else "loss"
    stopper = keras.callbacks.EarlyStopping(
        monitor=monitor, patience=patience if patience is not None else epochs + 1,
        restore_best_weights=average_from is None)
    log = _EpochLog()
    all_callbacks += [stopper, log, *callbacks]
    if average_from is not None:
        all_callbacks.append(_WeightAverage(average_from - 1))
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss=(SmoothedSparseCrossentropy(label_smoothing) if label_smoothing
                        else keras.losses.SparseCategoricalCrossentropy()),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    start = time.perf_counter()
    with seeded(seed) if seed is not None else contextlib.nullcontext():
        result = model.fit(train, validation_data=validation, epochs=epochs, verbose=verbose,
                           callbacks=all_callbacks, class_weight=class_weight,
                           shuffle=False)
    seconds = time.perf_counter() - start
    history = _tidy(result.history, log)
    if average_from is not None:
        history.averaged_from = average_from
        if validation is not None:
            scores = model.evaluate(validation, verbose=0, return_dict=True)
            history.averaged = {"val_loss": float(scores["loss"]),
                                "val_accuracy": float(scores["accuracy"])}
    elif len(history.rows):
        history.best_epoch = stopper.best_epoch + 1
    history.stopped_early = len(history.rows) < epochs
    history.seconds = seconds
    return model, history


def _tidy(raw: Mapping[str, Sequence[float]], log: _EpochLog) -> TrainingHistory:
    order = ["loss", "accuracy", "val_loss", "val_accuracy"]
    names = [n for n in order if n in raw] + [n for n in raw if n not in order and n != "learning_rate"]
    n_epochs = len(next(iter(raw.values()))) if raw else 0
    rows = []
    for e in range(n_epochs):
        row: dict[str, float] = {"epoch": e + 1}
        row.update({name: float(raw[name][e]) for name in names})
        row["lr"] = log.lrs[e] if e < len(log.lrs) else float("nan")
        row["seconds"] = log.seconds[e] if e < len(log.seconds) else float("nan")
        rows.append(row)
    return TrainingHistory(rows=rows)


def plot_history(history: TrainingHistory, *, axes=None, title: str | None = None, label: str | None = None):
    """Draw the loss and the accuracy per epoch, training and validation, with the best epoch.

    Parameters
    ----------
    history : TrainingHistory
    axes : pair of matplotlib.axes.Axes or None
        Where to draw (loss, accuracy); a new figure if None. Pass the axes
        of an earlier call to compare runs (give each a ``label``).
    title : str or None
        Figure title.
    label : str or None
        Prefix for the legend entries.

    Returns
    -------
    np.ndarray of 2 matplotlib.axes.Axes

    Taught in lesson 07 (a CNN on spectrograms: training curves).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if not isinstance(history, TrainingHistory) or not history.rows:
        raise ParameterError("history must be a TrainingHistory with at least one epoch")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    else:
        fig = axes[0].figure
    axes = np.asarray(axes)
    epoch = history.column("epoch")
    prefix = f"{label}: " if label else ""
    for ax, metric, name in ((axes[0], "loss", "loss (cross-entropy)"),
                             (axes[1], "accuracy", "accuracy")):
        (line,) = ax.plot(epoch, history.column(metric), "-", label=f"{prefix}training")
        if f"val_{metric}" in history.columns:
            ax.plot(epoch, history.column(f"val_{metric}"), "--", color=line.get_color(),
                    label=f"{prefix}validation")
        if history.best_epoch:
            ax.axvline(history.best_epoch, color=line.get_color(), linewidth=0.8, alpha=0.5)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # epochs are whole numbers
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return axes


# ---------------------------------------------------------------------------
# A whole run: audiolab train
# ---------------------------------------------------------------------------


@dataclass
class TrainResult:
    """What :func:`train_folder` made.

    Attributes
    ----------
    model : keras.Model
        The end-to-end model: waveform ``(n_samples,)`` in, probabilities out.
    feature_model : keras.Model
        The same network without the front end (features in).
    history : TrainingHistory
    report : dict
        :func:`audiolab.evaluate.classification_report` on the test split.
    metadata : dict
        What is saved with the model (``audiolab.json``).
    path : pathlib.Path or None
        Where the model was saved.
    """

    model: Any
    feature_model: Any
    history: TrainingHistory
    report: dict[str, Any]
    metadata: dict[str, Any]
    path: Path | None = None


_BUILDERS = {"cnn": models.build_cnn, "rnn": models.build_rnn, "crnn": models.build_crnn,
             "transformer": models.build_transformer, "dscnn": models.build_dscnn}


def _end_to_end_and_report(network, frontend, clips, labels, class_names, parts, *, sr: int,
                           name: str) -> tuple[Any, dict[str, Any]]:
    """The trained network behind its front end, and its report on ``parts["test"]`` ({} if none)."""
    from .evaluate.metrics import classification_report
    from .predictors import KerasPredictor

    end_to_end = models.with_frontend(network, frontend, n_samples=clips.shape[1], name=name)
    test = np.asarray(parts.get("test", []), dtype=np.int64)
    if not len(test):
        return end_to_end, {}
    predictor = KerasPredictor(end_to_end, class_names=class_names, sr=sr, n_samples=clips.shape[1])
    return end_to_end, classification_report(labels[test], predictor.predict(clips[test]),
                                             class_names)


def train_clips(
    clips: NDArray[np.float32],
    labels: NDArray[np.integer],
    class_names: Sequence[str],
    parts: Mapping[str, NDArray[np.integer]],
    *,
    sr: int,
    model: str = "cnn",
    epochs: int = 15,
    seed: int = 0,
    augment: str = "light",
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    patience: int | None = 8,
    verbose: int | str = 0,
    model_options: Mapping[str, Any] | None = None,
    relative_level: bool | None = None,
    fmax: float | None = None,
    max_warp: float | None = None,
    label_smoothing: float = 0.0,
    log=print,
) -> TrainResult:
    """Train one of the course's models on clips already split: the core of :func:`train_folder`.

    Parameters
    ----------
    clips : np.ndarray [shape=(n, n_samples)], float32
        Equal-length waveforms at ``sr``.
    labels : np.ndarray [shape=(n,)], int
        Class indices into ``class_names``.
    class_names : sequence of str
    parts : mapping
        Index arrays ``"train"``, ``"val"`` (may be empty: no early stopping)
        and ``"test"`` (may be empty: no report).
    sr : int
    model, epochs, seed, augment, batch_size, learning_rate, patience, verbose, model_options
        As for :func:`train_folder`.
    relative_level, fmax, max_warp, label_smoothing, log
        As for :func:`train_folder`.

    Returns
    -------
    TrainResult
        ``path`` is None; ``metadata`` holds what does not depend on a folder.

    Taught in lesson 07; used by ``bench/models.py``.
    """
    from . import __version__

    check_choice("model", model, models.MODEL_KINDS)
    check_choice("augment", augment, ("none", "light", "strong"))
    epochs = check_positive_int("epochs", epochs)
    seed = check_nonnegative_int("seed", seed)
    sr = check_positive_int("sr", sr)
    fmax = _check_fmax(fmax, sr)
    spec_augment = _spec_augment(augment, max_warp)
    label_smoothing = check_label_smoothing("label_smoothing", label_smoothing)
    labels = np.asarray(labels)
    train_index = np.asarray(parts["train"])
    if len(train_index) == 0:
        raise ParameterError("the training split holds no clips")

    settings = feature_settings(MODEL_FEATURES[model], **({} if fmax is None else {"fmax": fmax}))
    extract = {k: v for k, v in settings.items() if k != "kind"}
    relative = augment == "strong" if relative_level is None else relative_level
    if not isinstance(relative, (bool, np.bool_)):
        raise ParameterError(f"relative_level must be True, False or None, got {relative_level!r}")
    relative = bool(relative) and settings["kind"] == "logmel"
    frontend = models.AudioFeatures(sr=sr, name="audio_features", **settings)
    train_features = _extract(clips[train_index], sr, settings, None)
    if relative:
        train_features = models.to_relative_level(train_features)
    mean = train_features.mean(axis=(0, 2), dtype=np.float64)
    variance = train_features.var(axis=(0, 2), dtype=np.float64)

    with seeded(seed):
        network = _BUILDERS[model](train_features.shape[1:], len(class_names),
                                   normalization=(mean, variance), relative_level=relative,
                                   **dict(model_options or {}))
    log(f"model: {model}, {network.count_params():,} parameters, input {settings['kind']} "
        f"{train_features.shape[1]} x {train_features.shape[2]}"
        f"{' (relative level)' if relative else ''}; augment: {augment}")

    def dataset_of(index, training: bool):
        return make_dataset(clips[index], labels[index], sr=sr, duration=None,
                            features=settings["kind"], settings=extract,
                            augment=augment if training else "none",
                            spec_augment=spec_augment if training else False,
                            batch_size=batch_size, shuffle=training, seed=seed)

    start = time.perf_counter()
    train_ds = dataset_of(train_index, True)
    val_index = np.asarray(parts.get("val", []), dtype=np.int64)
    val_ds = dataset_of(val_index, False) if len(val_index) else None
    prepare_seconds = time.perf_counter() - start
    network, history = fit(network, train_ds, val_ds, epochs=epochs, learning_rate=learning_rate,
                           patience=patience, class_weight="balanced", seed=seed,
                           verbose=verbose, label_smoothing=label_smoothing)
    end_to_end, report = _end_to_end_and_report(network, frontend, clips, labels, class_names,
                                                parts, sr=sr, name=model)
    best = history.best()
    metadata = {
        "format": KERAS_FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model,
        "class_names": [str(c) for c in class_names],
        "sr": sr,
        "duration": clips.shape[1] / sr,
        "n_samples": int(clips.shape[1]),
        "input": "waveform",
        "features": settings,
        "relative_level": relative,
        "normalization": {"mean": mean.round(6).tolist(), "variance": variance.round(6).tolist()},
        "parameters": int(network.count_params()),
        "training": {
            "seed": seed, "augment": augment,
            "max_warp": spec_augment["max_warp"] if spec_augment else None,
            "label_smoothing": label_smoothing, "epochs": epochs, "epochs_run": history.epochs,
            "best_epoch": history.best_epoch, "batch_size": batch_size,
            "learning_rate": learning_rate, "val_accuracy": best.get("val_accuracy"),
            "seconds": round(history.seconds, 1), "prepare_seconds": round(prepare_seconds, 1),
        },
        "test": ({"accuracy": report["accuracy"], "macro_f1": report["macro_f1"], "n": report["n"]}
                 if report else None),
        "versions": {"audiolab": __version__, "keras": keras.__version__,
                     "tensorflow": tf.__version__},
    }
    return TrainResult(model=end_to_end, feature_model=network, history=history, report=report,
                       metadata=metadata)


def _check_fmax(fmax: float | None, sr: int) -> float | None:
    """``fmax`` in Hz, above the features' ``fmin`` and at most ``sr / 2``; None stays None."""
    return None if fmax is None else check_fmax("fmax", fmax, sr, fmin=FEATURE_DEFAULTS["fmin"])


def _spec_augment(augment: str, max_warp: float | None) -> dict[str, float] | bool:
    """SpecAugment's settings for ``augment`` (False: none), with the warp ``max_warp`` if given."""
    if max_warp is not None:
        max_warp = check_max_warp("max_warp", max_warp)
        if augment != "strong":
            raise ParameterError(f"max_warp is for augment='strong' (its SpecAugment warps the "
                                 f"frequencies), got augment={augment!r}")
    if augment != "strong":
        return False
    return {**STRONG_SPEC_AUGMENT, **({} if max_warp is None else {"max_warp": max_warp})}


def _check_output(out: str | os.PathLike | None) -> Path | None:
    """``out`` as a path a ``.keras`` model can be saved to (refused before any training)."""
    if out is None:
        return None
    out = Path(out)
    if out.suffix != ".keras":
        raise ParameterError(f"the model file must end in .keras, got {out}")
    if not out.parent.is_dir():
        raise AudiolabError(f"cannot save {out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise AudiolabError(f"cannot save {out}: it is a folder")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise AudiolabError(f"cannot save {out}: the folder {out.parent} cannot be written "
                            f"(permission denied)")
    return out


def train_folder(
    data_dir: str | os.PathLike,
    *,
    model: str = "cnn",
    out: str | os.PathLike | None = None,
    epochs: int = 15,
    seed: int = 0,
    sr: int = 16000,
    duration: float = 1.0,
    augment: str = "light",
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    patience: int | None = 8,
    verbose: int | str = 1,
    skip_broken: bool = False,
    model_options: Mapping[str, Any] | None = None,
    relative_level: bool | None = None,
    fmax: float | None = None,
    max_warp: float | None = None,
    label_smoothing: float = 0.0,
    log=print,
) -> TrainResult:
    """Train a model on a class-per-folder dataset: what ``audiolab train`` does.

    1. Load ``data_dir`` at ``sr``, every clip padded or cropped to ``duration``.
    2. Split: the dataset's own ``train/``, ``val/``, ``test/`` (a missing
       validation split is taken from the training clips), or 80:10:10
       stratified with ``seed`` (:func:`audiolab.evaluate.split_indices`).
    3. Log-mel features (:data:`FEATURE_DEFAULTS`, mel bands up to
       ``fmax``); the model standardises them with a ``Normalization`` layer
       holding the training split's mean and variance per mel band. With ``augment="strong"`` the features are
       first made relative to each clip's loudest value
       (:class:`~audiolab.models.RelativeLevel`): the model ignores loudness.
    4. Train with ``augment`` (two precomputed augmented copies; "strong"
       adds SpecAugment with a frequency warp of up to ``max_warp``,
       :data:`STRONG_SPEC_AUGMENT` by default),
       class weights, early stopping and a cosine schedule (:func:`fit`).
    5. Put the :class:`~audiolab.models.AudioFeatures` front end in front,
       measure the end-to-end model on the test split, and save it with
       :func:`audiolab.models.save_model` when ``out`` is given.

    Parameters
    ----------
    data_dir : str or os.PathLike
    model : {"cnn", "rnn", "crnn", "transformer", "dscnn"}
    out : str or os.PathLike or None
        Where to save the ``.keras`` model.
    epochs, seed, sr, duration, augment, batch_size, learning_rate, patience
        The run's settings.
    verbose : 0, 1, 2
        Keras's output per epoch.
    skip_broken : bool
        Skip unreadable files (listed in the metadata) instead of failing.
    model_options : mapping or None
        Keyword arguments for the builder (``filters``, ``units``, ...).
    relative_level : bool or None
        Per-utterance level normalisation of log-mel features
        (:class:`~audiolab.models.RelativeLevel`); None: on with
        ``augment="strong"``, off otherwise.
    fmax : float or None
        Highest frequency of the mel bands, in Hz (None: ``sr / 2``). 4000
        keeps the telephone band, which every recording sampled at 8 kHz or
        more holds: a model that never sees the band above cannot come to
        rely on it (synthetic voices are sharp up there, many real
        recordings are empty).
    max_warp : float or None
        With ``augment="strong"``: the largest frequency warp of
        SpecAugment, a fraction (0.12: formants up to 12 % higher or lower;
        0: no warp; None: :data:`STRONG_SPEC_AUGMENT`'s). Synthetic voices
        vary less than real ones, yet on FSDD a model trained on them did
        better without the warp (README, "Synthetic speech, real
        speakers").
    label_smoothing : float
        In [0, 1): the share of each label spread evenly over all the
        classes (0: none; see :func:`fit`). The README's keyword spotter
        trains with 0.1: it is then less sure of words it was not trained
        on, and fewer of them become false alarms.
    log : callable
        Where progress lines go (``print``; ``lambda *a: None`` for silence).

    Returns
    -------
    TrainResult

    Raises
    ------
    AudiolabError
        If the folder is missing, empty, has broken files (unless
        ``skip_broken``) or too few clips to split.

    See Also
    --------
    train_clips, audiolab.evaluate.evaluate_folder

    Taught in lesson 07; the ``audiolab train`` command.
    """
    check_choice("model", model, models.MODEL_KINDS)
    check_choice("augment", augment, ("none", "light", "strong"))
    seed = check_nonnegative_int("seed", seed)
    sr = check_positive_int("sr", sr)
    fmax = _check_fmax(fmax, sr)
    _spec_augment(augment, max_warp)
    label_smoothing = check_label_smoothing("label_smoothing", label_smoothing)
    duration = check_positive("duration", duration)
    out = _check_output(out)

    dataset, notes = load_folder_with_notes(data_dir, sr=sr, duration=duration,
                                           skip_broken=skip_broken)
    for note in notes:
        log(f"warning: {note}")
    try:
        parts, split_info = split_indices(dataset, seed=seed)
    except ParameterError as error:
        raise AudiolabError(f"{dataset.root}: cannot split the dataset: {error}") from None
    counts = {name: len(index) for name, index in parts.items()}
    log(f"data: {dataset.root}: {len(dataset)} clips, {dataset.n_classes} classes, "
        f"{counts['train']}/{counts['val']}/{counts['test']} train/val/test "
        f"({'own split' if split_info['method'] == 'dataset' else 'stratified 80:10:10'})")
    result = train_clips(dataset.clips, dataset.labels, dataset.class_names, parts, sr=sr,
                         model=model, epochs=epochs, seed=seed, augment=augment,
                         batch_size=batch_size, learning_rate=learning_rate, patience=patience,
                         verbose=verbose, model_options=model_options,
                         relative_level=relative_level, fmax=fmax, max_warp=max_warp,
                         label_smoothing=label_smoothing, log=log)
    result.metadata["duration"] = duration
    result.metadata["training"].update(data_dir=str(dataset.root),
                                       broken_files=[str(p) for p in dataset.broken])
    result.metadata["split"] = split_info
    if out is not None:
        result.path = models.save_model(result.model, out, metadata=result.metadata)
    return result
