"""Fine-tune a trained model to new words from a few clips: ``audiolab train DATA --from MODEL.keras``.

A model trained by :func:`audiolab.train.train_folder` keeps what it learned
about speech in its layers up to the classifier (the *encoder*; its output
is the *embedding*). :func:`finetune_folder` loads such a model, puts a new
softmax layer for the new classes on its embedding and trains that (with the
encoder frozen, by default) on the new clips, with the base model's features,
level handling and normalisation: statistics of five clips per class would be
worse than those of the base model's training data.

With few clips (fewer than :data:`MIN_CLIPS_TO_SPLIT` in a class, or when no
split can be made) every clip trains: there is no validation split (and no
early stopping: ``epochs`` epochs run) and no test split, and the log says so.
Measure such a model on other recordings (``audiolab evaluate MODEL OTHER
--split all``). The saved model is an ordinary audiolab model: ``evaluate``,
``export``, ``predict`` and ``stream`` take it.

Taught in lesson 11 (transfer learning); the ``audiolab train --from`` option.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import models
from .datasets.folder import load_folder_with_notes
from .datasets.splits import dataset_fingerprint, split_indices
from .errors import AudiolabError, ParameterError
from .modelfile import read_keras_card
from .seeding import seeded
from .train import (
    TrainResult,
    _check_output,
    _end_to_end_and_report,
    fit,
    make_dataset,
)
from .validation import (
    check_average_from,
    check_bool,
    check_choice,
    check_nonnegative_int,
    check_positive,
    check_positive_int,
)

__all__ = ["finetune_clips", "finetune_folder", "encoder_of", "load_pretrained", "embed",
           "MIN_CLIPS_TO_SPLIT",
           "FEW_SHOT_EPOCHS", "FEW_SHOT_LEARNING_RATE"]

#: A class with fewer clips than this trains on all of them: no validation or test split.
MIN_CLIPS_TO_SPLIT = 10
#: Epochs and learning rate of ``audiolab train --from`` unless told otherwise.
FEW_SHOT_EPOCHS = 100
FEW_SHOT_LEARNING_RATE = 1e-2


def _feature_network(model):
    """The network inside an end-to-end audiolab model (features in), or the model itself."""
    inner = [layer for layer in model.layers if hasattr(layer, "layers")]
    return inner[-1] if inner and model.input_shape[1:] != inner[-1].input_shape[1:] else model


def encoder_of(model):
    """The layers of an audiolab model before its classifier: features in, the embedding out.

    Parameters
    ----------
    model : keras.Model
        Made by a builder of :mod:`audiolab.models` (a layer named
        ``classifier`` last), with or without its front end.

    Returns
    -------
    keras.Model
        Shares its layers (and weights) with ``model``.

    Raises
    ------
    ParameterError
        If ``model`` has no layer named ``classifier``.
    """
    import keras

    network = _feature_network(model)
    try:
        classifier = network.get_layer("classifier")
    except ValueError:
        raise ParameterError("the base model has no layer named 'classifier': "
                             "it was not made by audiolab") from None
    return keras.Model(network.input, classifier.input, name="encoder")


def _base_path(base: str | os.PathLike) -> Path:
    """A pretrained model's file for its name (``"base"``), or ``base`` as a path."""
    from .pretrained import NAMES, pretrained_path

    return pretrained_path(base) if isinstance(base, str) and base in NAMES else Path(base)


def _base_card(path: str | os.PathLike) -> dict[str, Any]:
    """The audiolab card of a ``.keras`` base model, refused if it has none."""
    path = _base_path(path)
    if path.suffix != ".keras" or not path.is_file():
        raise ParameterError(f"the base model must be a .keras file made by audiolab train, "
                             f"got {str(path)!r}")
    card = read_keras_card(path)
    if not card.get("class_names") or not card.get("features"):
        raise AudiolabError(f"{path}: no audiolab settings inside; train the base model with "
                            f"audiolab train")
    return card


def load_pretrained(name: str = "base"):
    """A pretrained model shipped with the package, end to end (waveform in).

    Parameters
    ----------
    name : str
        ``"base"``: the speech encoder of ``tools/pretrain_base.py`` (see
        :mod:`audiolab.pretrained`), with its classifier of 257 words.

    Returns
    -------
    keras.Model
        Loaded offline from the installed package; its settings are in
        ``audiolab.modelfile.read_keras_card(audiolab.pretrained.pretrained_path(name))``.

    Raises
    ------
    ParameterError
        If ``name`` is unknown or the file is missing.

    Examples
    --------
    >>> model = load_pretrained("base")  # doctest: +SKIP
    >>> model.input_shape  # doctest: +SKIP
    (None, 16000)
    """
    from .pretrained import pretrained_path

    return models.load_model(pretrained_path(name))


def embed(clips: Any, *, model: Any = "base", batch_size: int = 64) -> NDArray[np.float32]:
    """The embedding of clips: what a model's layers before its classifier make of them.

    Parameters
    ----------
    clips : np.ndarray [shape=(n, n_samples)]
        Waveforms at the model's rate and length (16 kHz, 1 s for ``"base"``).
    model : str, path-like or keras.Model
        A pretrained model's name, a ``.keras`` file of ``audiolab train``, or
        an end-to-end model (waveform in).
    batch_size : int
        Clips per call.

    Returns
    -------
    np.ndarray [shape=(n, dim)], float32
        One vector per clip (320 numbers for ``"base"``): compare clips by
        it, or train a small classifier on it (lesson 11).

    Raises
    ------
    ParameterError
        If the clips are not a 2-D array of the model's length.

    Examples
    --------
    >>> vectors = embed(clips)  # doctest: +SKIP
    >>> vectors.shape  # doctest: +SKIP
    (20, 320)
    """
    import keras

    end_to_end = _load_base(model)[0]() if isinstance(model, (str, os.PathLike)) else model
    if _feature_network(end_to_end) is end_to_end:
        raise ParameterError("model must take waveforms (an end-to-end model of audiolab train), "
                             "not features")
    clips = np.asarray(clips, dtype=np.float32)
    if clips.ndim != 2 or clips.shape[1] != end_to_end.input_shape[-1]:
        raise ParameterError(f"clips must be an array (n, {end_to_end.input_shape[-1]}) of "
                             f"waveforms, got shape {clips.shape}")
    inputs = keras.Input(shape=clips.shape[1:])
    whole = keras.Model(inputs, encoder_of(end_to_end)(end_to_end.get_layer("audio_features")(inputs)))
    return np.asarray(whole.predict(clips, batch_size=check_positive_int("batch_size", batch_size),
                                    verbose=0), np.float32)


def _copy_of(model):
    """A copy of a Keras model with its weights: fine-tuning the copy leaves the caller's model as it was."""
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def _load_base(base: Any) -> tuple[Any, dict[str, Any], str]:
    """(a function that loads the end-to-end model, its card, a name for it) of a base.

    The card is read at once (cheap); the model, which takes seconds, only when the
    function is called, so that arguments can be checked against the card first.
    """
    if isinstance(base, (str, os.PathLike)):
        card = _base_card(base)
        return (lambda: models.load_model(_base_path(base))), card, str(base)
    if isinstance(base, tuple) and len(base) == 2 and isinstance(base[1], Mapping):
        return (lambda: _copy_of(base[0])), dict(base[1]), getattr(base[0], "name", "model")
    raise ParameterError("base must be a path to a .keras model or a (model, metadata) pair, "
                         f"got {type(base).__name__}")


def finetune_clips(
    clips: NDArray[np.float32],
    labels: NDArray[np.integer],
    class_names: Sequence[str],
    parts: Mapping[str, NDArray[np.integer]],
    *,
    base: Any,
    sr: int,
    epochs: int = FEW_SHOT_EPOCHS,
    freeze: bool = True,
    learning_rate: float = FEW_SHOT_LEARNING_RATE,
    seed: int = 0,
    augment: str = "light",
    batch_size: int = 16,
    dropout: float = 0.2,
    average_from: int | None = None,
    verbose: int | str = 0,
    log=print,
) -> TrainResult:
    """A new classifier on a trained model's embedding, trained on clips already split.

    When ``class_names`` are the base model's own classes, in its order (more
    recordings of the words it knows, from new voices), the classifier starts
    from the base model's instead of at random: the features then move less
    to fit it, and the model holds better on voices neither training nor
    validation had (``bench/generalise.py``, row c).

    Parameters
    ----------
    clips, labels, class_names, parts, sr
        As for :func:`audiolab.train.train_clips`; ``sr`` and the clips'
        length must be the base model's. ``parts["val"]`` may be empty (no
        early stopping), ``parts["test"]`` too (no report).
    base : str, path-like or (keras.Model, dict)
        The trained model: a ``.keras`` file of ``audiolab train``, or an
        end-to-end model with its metadata (``TrainResult.model`` and
        ``TrainResult.metadata``).
    epochs, learning_rate, seed, augment, batch_size, verbose
        As for :func:`audiolab.train.train_clips`.
    freeze : bool
        Keep the encoder's weights (default): only the new classifier
        learns. False trains every layer (at ``learning_rate / 10``).
    dropout : float
        Dropout before the new classifier.
    average_from : int or None
        Keep the mean of the weights over every training step from this
        epoch (from 1) to the last, instead of the best epoch's (no early
        stopping): see :func:`audiolab.train.fit`. With ``freeze=False`` on
        many recordings of new voices, it holds better on voices neither
        training nor validation had (``bench/generalise.py``, row c).
    log : callable
        Receives progress lines.

    Returns
    -------
    TrainResult
        ``metadata`` is the base model's, with the new classes, the
        training and ``finetuned_from``.

    Raises
    ------
    ParameterError
        If an argument is out of range, or the clips do not match the base
        model's rate and length (before any training).
    """
    import keras

    from . import __version__

    load, card, base_name = _load_base(base)
    epochs = check_positive_int("epochs", epochs)
    seed = check_nonnegative_int("seed", seed)
    learning_rate = check_positive("learning_rate", learning_rate)
    freeze = check_bool("freeze", freeze)
    average_from = check_average_from(average_from, epochs)
    check_choice("augment", augment, ("none", "light", "strong"))
    if not 0 <= float(dropout) < 1:
        raise ParameterError(f"dropout must be in [0, 1), got {dropout!r}")
    if len(class_names) < 2:
        raise ParameterError(f"a classifier needs at least 2 classes, got {len(class_names)}")
    if int(sr) != int(card["sr"]) or clips.shape[1] != int(card["n_samples"]):
        raise ParameterError(
            f"the clips must be those of the base model: {card['sr']} Hz, "
            f"{int(card['n_samples']) / int(card['sr']):g} s; got {sr} Hz, {clips.shape[1] / sr:g} s"
        )
    settings = dict(card["features"])
    extract = {k: v for k, v in settings.items() if k != "kind"}
    train_index = np.asarray(parts["train"], dtype=np.int64)
    if len(train_index) == 0:
        raise ParameterError("the training split holds no clips")

    with seeded(seed):
        # Loading or copying makes the dropout layers' random generators: seeded too.
        end_to_end = load()
        encoder = encoder_of(end_to_end)
        encoder.trainable = not freeze
        inputs = keras.Input(shape=encoder.input_shape[1:], name="features")
        x = encoder(inputs, training=False) if freeze else encoder(inputs)
        if dropout > 0:
            x = keras.layers.Dropout(float(dropout), name="dropout")(x)
        outputs = keras.layers.Dense(len(class_names), activation="softmax", name="classifier")(x)
        network = keras.Model(inputs, outputs, name=f"{card.get('model', 'model')}_finetuned")
    own_classes = [str(c) for c in class_names] == [str(c) for c in card["class_names"]]
    if own_classes:
        # A new, random classifier would pull the encoder's features to fit it while it
        # learns; they then hold less well on voices the fine-tuning never heard.
        network.get_layer("classifier").set_weights(
            _feature_network(end_to_end).get_layer("classifier").get_weights())
    trainable = int(sum(np.prod(w.shape) for w in network.trainable_weights))
    classifier = "the base model's own (the same classes)" if own_classes else "new"
    log(f"model: {card.get('model')} from {base_name}, {encoder.output_shape[-1]}-dimensional "
        f"embedding, {'encoder frozen' if freeze else 'every layer trains'}: {trainable:,} of "
        f"{network.count_params():,} parameters train; classifier: {classifier}; "
        f"augment: {augment}")

    def dataset_of(index, training: bool):
        return make_dataset(clips[index], labels[index], sr=sr, duration=None,
                            features=settings["kind"], settings=extract,
                            augment=augment if training else "none", spec_augment=False,
                            batch_size=batch_size, shuffle=training, seed=seed)

    val_index = np.asarray(parts.get("val", []), dtype=np.int64)
    network, history = fit(network, dataset_of(train_index, True),
                           dataset_of(val_index, False) if len(val_index) else None,
                           epochs=epochs, learning_rate=learning_rate if freeze else learning_rate / 10,
                           patience=8 if len(val_index) and average_from is None else None,
                           class_weight="balanced", seed=seed, verbose=verbose,
                           average_from=average_from)
    frontend = models.AudioFeatures(sr=sr, name="audio_features", **settings)
    end_to_end_new, report = _end_to_end_and_report(network, frontend, clips, labels, class_names,
                                                    parts, sr=sr, name=card.get("model", "cnn"))
    best = history.best()
    metadata = {
        **{k: v for k, v in card.items() if k not in ("split", "test", "training")},
        "class_names": [str(c) for c in class_names],
        "parameters": int(network.count_params()),
        "finetuned_from": {"model": base_name, "class_names": list(card["class_names"]),
                           "freeze": freeze},
        "training": {
            "seed": seed, "augment": augment, "epochs": epochs, "epochs_run": history.epochs,
            "best_epoch": history.best_epoch, "averaged_from": average_from,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "val_accuracy": history.averaged.get("val_accuracy", best.get("val_accuracy")),
            "seconds": round(history.seconds, 1), "trainable_parameters": trainable,
        },
        "test": ({"accuracy": report["accuracy"], "macro_f1": report["macro_f1"], "n": report["n"]}
                 if report else None),
    }
    metadata["versions"] = {**card.get("versions", {}), "audiolab": __version__}
    return TrainResult(model=end_to_end_new, feature_model=network, history=history, report=report,
                       metadata=metadata)


def finetune_folder(
    data_dir: str | os.PathLike,
    *,
    base: str | os.PathLike,
    out: str | os.PathLike | None = None,
    epochs: int = FEW_SHOT_EPOCHS,
    freeze: bool = True,
    learning_rate: float = FEW_SHOT_LEARNING_RATE,
    seed: int = 0,
    augment: str = "light",
    average_from: int | None = None,
    verbose: int | str = 1,
    skip_broken: bool = False,
    log=print,
) -> TrainResult:
    """Fine-tune a trained model to a class-per-folder dataset: ``audiolab train DATA --from BASE``.

    The clips are read at the base model's rate and length. A dataset with
    :data:`MIN_CLIPS_TO_SPLIT` or more clips in every class is split as by
    :func:`audiolab.train.train_folder`; a smaller one trains on every clip
    (no validation, no test; said in the log).

    Parameters
    ----------
    data_dir : str or os.PathLike
        One folder per class (or ``train/``, ``val/``, ``test/``).
    base : str or os.PathLike
        The ``.keras`` model to start from.
    out : str or os.PathLike or None
        Where to save the new model (``.keras``).
    epochs, freeze, learning_rate, seed, augment, average_from, verbose, log
        As for :func:`finetune_clips`.
    skip_broken : bool
        Skip unreadable files instead of stopping.

    Returns
    -------
    TrainResult

    Raises
    ------
    ParameterError, AudiolabError
        A bad argument, a base model that is not audiolab's, an ``out`` that
        cannot be written, or a dataset with fewer than 2 classes (before
        any training).

    Examples
    --------
    >>> result = finetune_folder("my_words", base="kws.keras", out="mine.keras")  # doctest: +SKIP
    """
    out = _check_output(out)
    check_average_from(average_from, epochs)
    card = _base_card(base)
    sr, duration = int(card["sr"]), float(card["duration"])
    dataset, notes = load_folder_with_notes(data_dir, sr=sr, duration=duration,
                                           skip_broken=skip_broken)
    for note in notes:
        log(f"warning: {note}")
    counts = np.bincount(dataset.labels, minlength=dataset.n_classes)
    if dataset.n_classes < 2:
        raise AudiolabError(f"{dataset.root}: a classifier needs at least 2 classes, "
                            f"found {dataset.n_classes}")
    parts = None
    if counts.min() >= MIN_CLIPS_TO_SPLIT:
        try:
            parts, split_info = split_indices(dataset, seed=seed)
        except ParameterError:
            parts = None
    if parts is None:
        parts = {"train": np.arange(len(dataset)), "val": np.array([], np.int64),
                 "test": np.array([], np.int64)}
        split_info = {"method": "all-train", "fingerprint": dataset_fingerprint(dataset)}
        log(f"data: {dataset.root}: {len(dataset)} clips, {dataset.n_classes} classes, "
            f"{counts.min()} to {counts.max()} per class: too few to split, so every clip trains "
            f"(no validation split, no early stopping: {epochs} epochs; no test split: measure the "
            f"model on other recordings, e.g. audiolab evaluate MODEL OTHER_DIR --split all)")
    else:
        sizes = {name: len(index) for name, index in parts.items()}
        log(f"data: {dataset.root}: {len(dataset)} clips, {dataset.n_classes} classes, "
            f"{sizes['train']}/{sizes['val']}/{sizes['test']} train/val/test")
    result = finetune_clips(dataset.clips, dataset.labels, dataset.class_names, parts, base=base,
                            sr=sr, epochs=epochs, freeze=freeze, learning_rate=learning_rate,
                            seed=seed, augment=augment, average_from=average_from,
                            verbose=verbose, log=log)
    result.metadata["training"].update(data_dir=str(dataset.root),
                                       broken_files=[str(p) for p in dataset.broken])
    result.metadata["split"] = split_info
    if out is not None:
        result.path = models.save_model(result.model, out, metadata=result.metadata)
    return result
