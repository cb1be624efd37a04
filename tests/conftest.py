"""Shared test set-up: quiet TensorFlow, the FSDD copy, the synthetic words and a model
trained on them once per session.

Plain helpers are modules: ``signals`` (tone, noise, speechlike) and
``datasets_fixtures`` (WAV files, archives, a local server, ``fsdd_path``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pytest
from datasets_fixtures import fsdd_path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The kernels the command and the lessons ask for, whether or not a test has run main() first.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

# Session fixtures that take 10 s or more to build: a test that uses one is slow too.
SLOW_FIXTURES = frozenset({"site", "words_model", "base_model"})


@pytest.hookimpl(tryfirst=True)  # before `-m "not slow"` deselects
def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def fsdd() -> Path:
    """Path to the local Free Spoken Digit Dataset; skips the test without one."""
    path = fsdd_path()
    if path is None:
        pytest.skip("no local FSDD copy (set AUDIOLAB_FSDD to its folder)")
    return path


@pytest.fixture(scope="session")
def words(tmp_path_factory) -> Path:
    """Three words said by ten synthetic speakers: 8/1/1 speakers in train/val/test.

    Shared by the whole session: copy it before changing anything in it.
    """
    from audiolab.datasets import make_speech_dataset

    root = tmp_path_factory.mktemp("data") / "words"
    return make_speech_dataset(root, vocabulary=["yes", "no", "up"], per_class=10, seed=1,
                               progress=False)


class TrainedModel(NamedTuple):
    path: Path  # the .keras file; tests may export beside it
    log: str  # what `audiolab train` printed


@pytest.fixture(scope="session")
def words_model(words, tmp_path_factory) -> TrainedModel:
    """A CNN trained on ``words`` for two epochs by ``audiolab train`` (seed 1, the default
    light augmentation), with what the command printed."""
    pytest.importorskip("tensorflow")
    from audiolab.cli import main

    out = tmp_path_factory.mktemp("models") / "cnn.keras"
    capture = pytest.MonkeyPatch()
    lines: list[str] = []
    capture.setattr("builtins.print", lambda *a, **k: lines.append(" ".join(map(str, a))))
    try:
        status = main(["train", str(words), "--model", "cnn", "--out", str(out), "--epochs", "2",
                       "--seed", "1"])
    finally:
        capture.undo()
    assert status == 0, "\n".join(lines)
    return TrainedModel(out, "\n".join(lines))
