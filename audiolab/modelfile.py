"""The model file: what audiolab saves beside a network, read and checked without TensorFlow.

A model trained by ``audiolab train`` (lesson 07) is a ``.keras`` zip with an
``audiolab.json`` entry; an exported model (lesson 12) is a ``.tflite``
flatbuffer with a ``MODEL.tflite.json`` sidecar. Both hold the same **model
card**: the class names, the sample rate, the clip length, the feature
settings and where the model came from. :class:`ModelCard` is its schema;
this module reads, validates and writes it, and imports neither TensorFlow
nor Keras, so ``audiolab info``-like tools and tests can read a model card in
milliseconds.

Schema (``format_version`` 1)
-----------------------------
Required: ``class_names`` (list of str), ``sr`` (Hz), ``n_samples``.
Required to compute features (every ``.tflite``, every export):
``features``, the keywords of :func:`audiolab.features.extract_batch` plus
``kind``, with at least ``kind``, ``n_fft``, ``hop_length``, ``n_mels`` (and
``n_mfcc`` for MFCCs); the others default as in ``extract_batch``. Written by audiolab: ``format`` (``"audiolab-model"`` or
``"audiolab-tflite"``), ``format_version``, ``model`` (one of
:data:`MODEL_KINDS` or a name), ``input`` (``"waveform"`` or
``"features"``). Anything else (``training``, ``test``, ``split``,
``normalization``, ``versions``, ``quantize``, ...) is kept as it is.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AudiolabError
from .files import atomic_write, to_json

__all__ = [
    "FEATURE_KINDS",
    "FORMAT_VERSION",
    "KERAS_ENTRY",
    "KERAS_FORMAT",
    "TFLITE_FORMAT",
    "MODEL_KINDS",
    "ModelCard",
    "QUANTIZATIONS",
    "BACKGROUND_PREFIX",
    "add_card_to_keras",
    "is_background_class",
    "read_keras_card",
    "read_sidecar",
    "require",
    "sidecar_path",
    "write_sidecar",
]

#: The architectures ``audiolab train`` builds (lessons 07-09; ``dscnn``: lesson 12).
MODEL_KINDS = ("cnn", "rnn", "crnn", "transformer", "dscnn")
#: The features a model file may ask for.
FEATURE_KINDS = ("logmel", "mfcc")
#: The quantisations of ``audiolab export`` (lesson 12).
QUANTIZATIONS = ("none", "dynamic", "int8")
#: The version of the schema this module writes.
FORMAT_VERSION = 1
#: The ``format`` of a card inside a ``.keras`` file and beside a ``.tflite`` file.
KERAS_FORMAT, TFLITE_FORMAT = "audiolab-model", "audiolab-tflite"
#: The entry of a ``.keras`` zip that holds the model card.
KERAS_ENTRY = "audiolab.json"
#: A class whose name starts with this is background (``_unknown_``, ``_silence_``), not a word.
BACKGROUND_PREFIX = "_"


def is_background_class(name: str) -> bool:
    """Whether a class is background (its name starts with ``_``): never reported as a detection.

    Keyword spotters learn ``_unknown_`` (other words) and ``_silence_``
    (noise, room tone, nothing) beside their keywords, as Speech Commands
    does. ``audiolab predict``'s top choice and the streaming detector never
    report such a class as a word heard; evaluation counts it like any other.

    Parameters
    ----------
    name : str
        A class name, as a model card lists it.

    Returns
    -------
    bool
        True for ``"_unknown_"``, ``"_silence_"``, ``"_background_noise_"``.

    See Also
    --------
    audiolab.deploy.StreamingDetector, audiolab.datasets.make_speech_dataset

    Examples
    --------
    >>> is_background_class("_silence_"), is_background_class("yes")
    (True, False)

    Taught in lesson 12 (a keyword spotter with ``_unknown_`` and ``_silence_``).
    """
    return str(name).startswith(BACKGROUND_PREFIX)

_REQUIRED = ("class_names", "sr", "n_samples")


def require(card: Mapping[str, Any], keys: Sequence[str], *, source: Any, hint: str) -> None:
    """Raise ``AudiolabError`` naming ``source`` and every key of ``keys`` missing from ``card``."""
    missing = [k for k in keys if k not in card]
    if missing:
        raise AudiolabError(f"{source}: {hint.format(missing=', '.join(missing))}")


@dataclass
class ModelCard:
    """The settings saved with a model (see the module's schema).

    Parameters
    ----------
    class_names : list of str
        The classes, in the order of the model's outputs.
    sr : int
        The sample rate the model expects, in Hz.
    n_samples : int
        The clip length the model expects, in samples.
    features : dict or None
        The feature settings (``kind`` and :func:`~audiolab.features.extract_batch`'s
        keywords); None for a model that was saved without them.
    model : str
        The architecture or a name.
    extra : dict
        Every other entry of the card, kept as saved.

    Examples
    --------
    >>> card = ModelCard.from_dict({"class_names": ["no", "yes"], "sr": 16000, "n_samples": 16000})
    >>> card.duration
    1.0
    """

    class_names: list[str]
    sr: int
    n_samples: int
    features: dict[str, Any] | None = None
    model: str = "model"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, card: Mapping[str, Any], *, source: Any = "the model card",
                  needs_features: bool = False) -> ModelCard:
        """Check a card read from a file; errors name ``source`` and what is wrong."""
        if not isinstance(card, Mapping):
            raise AudiolabError(f"{source}: the model card is not a JSON object")
        require(card, _REQUIRED + (("features",) if needs_features else ()), source=source,
                hint="the model's settings lack {missing}")
        names = card["class_names"]
        if isinstance(names, str) or not isinstance(names, Sequence) or not names:
            raise AudiolabError(f"{source}: class_names must be a non-empty list, got {names!r}")
        try:
            sr, n_samples = int(card["sr"]), int(card["n_samples"])
        except (TypeError, ValueError):
            raise AudiolabError(f"{source}: sr and n_samples must be integers") from None
        if sr <= 0 or n_samples <= 0:
            raise AudiolabError(f"{source}: sr and n_samples must be positive, got {sr}, {n_samples}")
        features = card.get("features")
        if features is not None:
            if not isinstance(features, Mapping):
                raise AudiolabError(f"{source}: features must be a JSON object of settings")
            if features.get("kind", "logmel") not in FEATURE_KINDS:
                raise AudiolabError(
                    f"{source}: unknown feature kind {features.get('kind')!r} (known: "
                    f"{', '.join(FEATURE_KINDS)})"
                )
            if needs_features:
                shape_keys = ("kind", "n_fft", "hop_length", "n_mels") + (
                    ("n_mfcc",) if features.get("kind") == "mfcc" else ())
                require(features, shape_keys, source=source,
                        hint="the feature settings lack {missing}")
            features = dict(features)
        known = {"class_names", "sr", "n_samples", "features", "model"}
        return cls(class_names=[str(c) for c in names], sr=sr, n_samples=n_samples,
                   features=features, model=str(card.get("model", "model")),
                   extra={k: v for k, v in card.items() if k not in known})

    @property
    def duration(self) -> float:
        """Clip length in seconds."""
        return self.n_samples / self.sr

    def as_dict(self) -> dict[str, Any]:
        """The card as saved: the fields and ``extra`` in one JSON-ready dict."""
        card = {**self.extra, "class_names": list(self.class_names), "sr": self.sr,
                "n_samples": self.n_samples, "model": self.model}
        if self.features is not None:
            card["features"] = dict(self.features)
        return card


# ---------------------------------------------------------------------------
# .keras: the card inside the zip
# ---------------------------------------------------------------------------


def read_keras_card(path: str | os.PathLike) -> dict[str, Any]:
    """The ``audiolab.json`` card saved inside a ``.keras`` file ({} if there is none).

    Raises
    ------
    AudiolabError
        If the file is missing or not a ``.keras`` (zip) file.
    """
    path = Path(path)
    if not path.is_file():
        raise AudiolabError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "config.json" not in names:
                raise AudiolabError(f"{path}: not a Keras model (no config.json inside)")
            if KERAS_ENTRY not in names:
                return {}
            return json.loads(archive.read(KERAS_ENTRY).decode("utf-8"))
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AudiolabError(f"{path}: not a .keras model file ({error})") from None


def add_card_to_keras(archive_path: str | os.PathLike, card: Mapping[str, Any]) -> None:
    """Add the card to a ``.keras`` zip just written (before it is renamed into place)."""
    with zipfile.ZipFile(archive_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(KERAS_ENTRY, to_json(dict(card)))


# ---------------------------------------------------------------------------
# .tflite: the card beside the flatbuffer
# ---------------------------------------------------------------------------


def sidecar_path(path: str | os.PathLike) -> Path:
    """``MODEL.tflite`` -> ``MODEL.tflite.json``, where the settings are kept."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def write_sidecar(path: str | os.PathLike, card: Mapping[str, Any]) -> Path:
    """Write the card of ``path`` to its sidecar, atomically; returns the sidecar's path."""
    side = sidecar_path(path)
    with atomic_write(side) as temporary:
        temporary.write_text(to_json(dict(card)), encoding="utf-8")
    return side


def read_sidecar(path: str | os.PathLike) -> dict[str, Any]:
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

