"""The model card (audiolab.modelfile) and the one atomic write (audiolab.files)."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from audiolab.errors import AudiolabError
from audiolab.files import atomic_write, json_ready, to_json
from audiolab.modelfile import (
    KERAS_ENTRY,
    ModelCard,
    add_card_to_keras,
    read_keras_card,
    read_sidecar,
    sidecar_path,
    write_sidecar,
)

CARD = {"format": "audiolab-tflite", "format_version": 1, "class_names": ["no", "yes"],
        "sr": 16000, "n_samples": 16000, "model": "cnn", "quantize": "int8",
        "features": {"kind": "logmel", "n_fft": 512, "hop_length": 160, "n_mels": 40}}


def test_atomic_write_replaces_the_file_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "settings.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]
    with atomic_write(target) as temporary:
        assert temporary.parent == tmp_path and temporary.name.startswith(".")
        assert temporary.suffix == ".json"  # writers that choose the format by the ending
        temporary.write_text("new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_json_ready_turns_numpy_tuples_and_paths_into_plain_json(tmp_path):
    value = {"mean": np.float32(0.5), "shape": (2, 3), "rows": np.arange(3), 1: tmp_path}
    assert json_ready(value) == {"mean": 0.5, "shape": [2, 3], "rows": [0, 1, 2],
                                 "1": str(tmp_path)}
    assert json.loads(to_json(value))["rows"] == [0, 1, 2]


def test_sidecar_round_trip(tmp_path):
    model = tmp_path / "cnn.tflite"
    assert write_sidecar(model, CARD) == sidecar_path(model) == tmp_path / "cnn.tflite.json"
    assert read_sidecar(model) == CARD
    card = ModelCard.from_dict(read_sidecar(model), source=model, needs_features=True)
    assert (card.class_names, card.sr, card.duration, card.model) == (["no", "yes"], 16000, 1.0, "cnn")
    assert card.extra["quantize"] == "int8"
    assert card.as_dict() == CARD


def test_a_missing_or_broken_sidecar_is_named(tmp_path):
    with pytest.raises(AudiolabError, match="no settings file lonely.tflite.json"):
        read_sidecar(tmp_path / "lonely.tflite")
    sidecar_path(tmp_path / "bad.tflite").write_text("{not json")
    with pytest.raises(AudiolabError, match="bad.tflite.json: not a valid settings file"):
        read_sidecar(tmp_path / "bad.tflite")


@pytest.mark.parametrize("change, message", [
    ({"class_names": []}, "class_names must be a non-empty list"),
    ({"class_names": "yes"}, "class_names must be a non-empty list"),
    ({"sr": "fast"}, "sr and n_samples must be integers"),
    ({"n_samples": 0}, "must be positive"),
    ({"features": {"kind": "chroma", "n_fft": 512, "hop_length": 160, "n_mels": 40}},
     "unknown feature kind 'chroma'"),
    ({"features": {"kind": "logmel", "n_fft": 512}}, "the feature settings lack hop_length, n_mels"),
    ({"features": {"kind": "mfcc", "n_fft": 512, "hop_length": 160, "n_mels": 40}},
     "the feature settings lack n_mfcc"),
])
def test_a_card_that_cannot_run_is_refused_naming_the_file_and_the_problem(change, message):
    with pytest.raises(AudiolabError, match=f"model.tflite: .*{message}"):
        ModelCard.from_dict({**CARD, **change}, source="model.tflite", needs_features=True)


def test_a_card_without_features_is_refused_only_where_features_are_needed():
    card = {k: v for k, v in CARD.items() if k != "features"}
    assert ModelCard.from_dict(card).features is None
    with pytest.raises(AudiolabError, match="lack features"):
        ModelCard.from_dict(card, source="m.tflite", needs_features=True)


def test_keras_card_is_read_from_the_zip_without_tensorflow(tmp_path):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    assert read_keras_card(path) == {}
    add_card_to_keras(path, CARD)
    assert read_keras_card(path) == CARD
    with zipfile.ZipFile(path) as archive:
        assert KERAS_ENTRY in archive.namelist()
    (tmp_path / "not.keras").write_bytes(b"plain bytes")
    with pytest.raises(AudiolabError, match="not.keras: not a .keras model file"):
        read_keras_card(tmp_path / "not.keras")
    with pytest.raises(AudiolabError, match="no such model file"):
        read_keras_card(tmp_path / "missing.keras")
