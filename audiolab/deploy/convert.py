"""Conversion to TensorFlow Lite and the exported model's files (lesson 12).

:func:`to_tflite` converts the classifier part of a Keras model (float32,
dynamic range or int8); :func:`save_tflite` writes the flatbuffer and its
settings sidecar; :func:`export_model` is ``audiolab export``. See
:mod:`audiolab.deploy` for why the feature front end stays in NumPy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..datasets.folder import load_folder_with_notes
from ..datasets.splits import split_indices
from ..errors import AudiolabError, ParameterError
from ..files import atomic_write, restored_on_failure, to_json
from ..modelfile import (
    FORMAT_VERSION,
    QUANTIZATIONS,
    TFLITE_FORMAT,
    ModelCard,
    read_keras_card,
    read_sidecar,
    sidecar_path,
)
from ..quiet import silenced
from ..validation import check_bool, check_choice, check_nonnegative_int
from .microcontroller import strip_names as without_names

__all__ = ["classifier_part", "export_model", "read_tflite_metadata", "save_tflite", "to_tflite"]


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
    from ..models import AudioFeatures

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
        from ..features import extract_batch

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


def to_tflite(model, *, quantize: str = "none", representative_data: Any = None,
              per_channel: bool = True) -> bytes:
    """Convert a Keras model to a TensorFlow Lite flatbuffer.

    Parameters
    ----------
    model : keras.Model
        A classifier that takes features, or an end-to-end model with an
        :class:`~audiolab.models.AudioFeatures` front end: then only the
        classifier is converted (see the module's notes) and the features
        are computed in NumPy by :class:`TFLitePredictor`.
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
    per_channel : bool
        For ``"dynamic"`` and ``"int8"``: one scale for each output channel
        of a layer's weights and bias (TFLite's default), or, with
        ``False``, one for each convolution's whole tensor (a dense layer
        keeps one per output). A channel's scale and zero point take 12
        bytes of the flatbuffer for its weights and 12 for its bias: about
        30 % of a small keyword spotter (the README's: 29.7 KB per channel,
        21.2 KB per tensor, with the same accuracy on FSDD within the
        spread of calibration draws). A model whose channels' weights
        differ widely in range loses more accuracy per tensor.

    Returns
    -------
    bytes
        The ``.tflite`` flatbuffer.

    Raises
    ------
    ParameterError
        If ``quantize`` is unknown, int8 has no representative data, or
        ``per_channel`` is ``False`` without quantisation.
    AudiolabError
        If the converter fails.

    See Also
    --------
    TFLitePredictor, save_tflite, benchmark

    Examples
    --------
    >>> flat = to_tflite(model, quantize="int8", representative_data=x_train[:200])  # doctest: +SKIP
    >>> len(flat) < 50_000  # doctest: +SKIP
    True

    Taught in lesson 12 (deployment with TFLite).
    """
    check_choice("quantize", quantize, QUANTIZATIONS)
    if not check_bool("per_channel", per_channel) and quantize == "none":
        raise ParameterError("per_channel=False needs quantize='dynamic' or 'int8': "
                             "float32 weights have no scales")
    import tensorflow as tf

    from ..models import keras  # quiet TensorFlow import

    if not isinstance(model, keras.Model):
        raise ParameterError(f"model must be a keras.Model, got {type(model).__name__}")
    classifier, frontend = classifier_part(model)
    shape = tuple(int(n) for n in classifier.input_shape[1:])
    converter = tf.lite.TFLiteConverter.from_keras_model(classifier)
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        # The converter's only switch for per-tensor weights; tests check that it still works.
        converter._experimental_disable_per_channel = not per_channel
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
        with silenced(stdout=True):
            return bytes(converter.convert())
    except Exception as error:  # the converter raises many kinds
        reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise AudiolabError(f"TFLite conversion ({quantize}) failed: {reason}") from None


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
    ModelCard.from_dict(metadata, source="metadata", needs_features=True)
    side = sidecar_path(path)
    if path.is_dir() or side.is_dir():
        raise ParameterError(f"cannot save {path}: {path if path.is_dir() else side} is a folder")
    # Both files or neither: the model is renamed into place first, the settings
    # after it; should the settings fail to follow, the model that was there before
    # (or none) is put back.
    with restored_on_failure(path), atomic_write(side) as side_temporary:
        side_temporary.write_text(to_json(dict(metadata)), encoding="utf-8")
        with atomic_write(path) as temporary:
            temporary.write_bytes(bytes(tflite))
    return path


def read_tflite_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The settings saved beside a ``.tflite`` file (``MODEL.tflite.json``).

    The same as :func:`audiolab.modelfile.read_sidecar`.

    Raises
    ------
    AudiolabError
        If the sidecar is missing or not valid JSON.
    """
    return read_sidecar(path)


def _training_clips(data_dir: str | os.PathLike, metadata: Mapping[str, Any]) -> NDArray[np.float32]:
    """The clips of a class-per-folder dataset's training split (all of them if it has none)."""
    dataset, _ = load_folder_with_notes(data_dir, sr=int(metadata["sr"]),
                                        duration=float(metadata["n_samples"]) / int(metadata["sr"]),
                                        skip_broken=True)
    if len(dataset) == 0:
        raise AudiolabError(f"{data_dir}: no clips to calibrate with")
    try:
        parts, _ = split_indices(dataset, seed=int(metadata.get("split", {}).get("seed", 0)))
        index = parts["train"]
    except ParameterError:
        index = np.arange(len(dataset))
    return np.asarray(dataset.clips[index], dtype=np.float32)


def _calibration_clips(clips: NDArray[np.float32], limit: int = 200,
                       seed: int = 0) -> NDArray[np.float32]:
    """Up to ``limit`` of the training clips, drawn at random (``seed``)."""
    if len(clips) <= limit:
        return clips
    return clips[np.sort(np.random.default_rng(seed).choice(len(clips), size=limit, replace=False))]


def export_model(model_path: str | os.PathLike, out: str | os.PathLike, *,
                 quantize: str = "none", calibration: str | os.PathLike | None = None,
                 per_channel: bool = True, strip_names: bool = False,
                 qat_epochs: int | None = None) -> Path:
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
    per_channel : bool
        ``False``: one scale per weight tensor instead of one per channel
        (see :func:`to_tflite`).
    strip_names : bool
        Leave out the tensor names and signatures, which the interpreter
        does not need (:func:`~audiolab.deploy.strip_names`).
    qat_epochs : int >= 0 or None
        For int8: epochs of quantisation-aware fine-tuning on the
        calibration folder's training clips, augmented as the model was
        trained (:func:`~audiolab.deploy.finetune_for_int8`; ``cnn`` and
        ``dscnn`` models); 0 converts the model as it is (post-training
        quantisation only). None: 3 for a model that can be fine-tuned so,
        0 for another.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    AudiolabError
        If the model cannot be read, has no front end settings, or int8 has
        no calibration data.
    """
    from .. import models

    check_choice("quantize", quantize, QUANTIZATIONS)
    strip_names = check_bool("strip_names", strip_names)
    if not check_bool("per_channel", per_channel) and quantize == "none":
        raise ParameterError("per-tensor scales need --quantize dynamic or int8")
    if qat_epochs is not None and quantize != "int8":
        raise ParameterError("quantisation-aware fine-tuning (--qat-epochs) needs --quantize int8")
    asked_epochs = None if qat_epochs is None else check_nonnegative_int("qat_epochs", qat_epochs)
    out = Path(out)
    if out.suffix != ".tflite":
        raise ParameterError(f"the output must end in .tflite, got {out}")
    if not out.parent.is_dir():
        raise AudiolabError(f"cannot save {out}: the folder {out.parent} does not exist")
    model_path = Path(model_path)
    if model_path.suffix.lower() != ".keras":
        raise AudiolabError(f"{model_path}: expected a .keras model saved by audiolab train")
    metadata = read_keras_card(model_path)
    missing = [k for k in ("class_names", "sr", "n_samples", "features") if k not in metadata]
    if missing:
        raise AudiolabError(
            f"{model_path}: a Keras model without audiolab settings (no {', '.join(missing)}); "
            f"train it with audiolab train or save it with audiolab.models.save_model(metadata=...)"
        )
    source = None
    if quantize == "int8":
        source = calibration or metadata.get("training", {}).get("data_dir")
        if source is None or not Path(source).is_dir():
            raise AudiolabError(
                "--quantize int8 needs calibration clips: pass --calibration DATA_DIR (a "
                "class-per-folder dataset, ideally the training data)"
            )
    model = models.load_model(model_path)
    qat_epochs = 0
    if quantize == "int8" and asked_epochs != 0:
        from .quantization_aware import can_finetune_for_int8

        classifier = classifier_part(model)[0]
        if can_finetune_for_int8(classifier):
            qat_epochs = 3 if asked_epochs is None else asked_epochs
        elif asked_epochs is not None:
            raise ParameterError(
                f"{model_path}: quantisation-aware fine-tuning (--qat-epochs) supports cnn and "
                f"dscnn models, not {metadata.get('model', 'this one')}; leave it out to calibrate only"
            )
    representative = None
    if source is not None:
        training_clips = _training_clips(source, metadata)
        representative = _calibration_clips(training_clips)
    if qat_epochs > 0:
        from ..features import extract_batch
        from .quantization_aware import finetune_trained_model

        model = finetune_trained_model(classifier, training_clips, metadata, epochs=qat_epochs)
        representative = extract_batch(representative, int(metadata["sr"]), **metadata["features"])
    flat = to_tflite(model, quantize=quantize, representative_data=representative,
                     per_channel=per_channel)
    if strip_names:
        flat = without_names(flat)
    meta = {
        "format": TFLITE_FORMAT, "format_version": FORMAT_VERSION,
        "class_names": metadata["class_names"], "sr": int(metadata["sr"]),
        "n_samples": int(metadata["n_samples"]), "features": metadata["features"],
        "input": "features", "quantize": quantize, "model": metadata.get("model", "model"),
        "source": model_path.name, "split": metadata.get("split", {}),
    }
    if quantize != "none":
        meta["per_channel"] = per_channel
    if quantize == "int8":
        meta["qat_epochs"] = qat_epochs
    return save_tflite(flat, out, metadata=meta)
