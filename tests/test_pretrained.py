"""The pretrained speech encoder shipped in the package: found offline, honest about its words,
usable on its own (``embed``) and as the base of ``audiolab train --from base``."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from audiolab.cli import main
from audiolab.datasets import COMMAND_WORDS, DIGIT_WORDS
from audiolab.errors import ParameterError
from audiolab.modelfile import read_keras_card
from audiolab.pretrained import NAMES, pretrained_path


def test_the_base_model_is_in_the_package_and_small():
    path = pretrained_path("base")
    assert NAMES == ("base",) and path.is_file() and path.stat().st_size <= 2 * 1024 * 1024
    with pytest.raises(ParameterError, match="one of base"):
        pretrained_path("large")


def test_it_never_heard_a_digit_or_a_keyword():
    card = read_keras_card(pretrained_path("base"))
    words = card["pretraining"]["words"]
    assert len(words) >= 200 and card["class_names"] == words
    homophones = {"oh", "won", "to", "too", "for", "fore", "ate", "know", "write", "right"}
    assert not set(words) & {*DIGIT_WORDS, *COMMAND_WORDS, *homophones}
    assert card["pretraining"]["tool"] == "tools/pretrain_base.py"
    assert card["test"]["accuracy"] > 0.5 and card["pretraining"]["train_seconds"] > 0


def test_embed_gives_the_layer_before_the_classifier():
    pytest.importorskip("tensorflow")
    from audiolab.finetune import embed, encoder_of, load_pretrained

    model = load_pretrained("base")
    clips = np.random.default_rng(0).normal(0, 0.05, (3, 16000)).astype(np.float32)
    vectors = embed(clips)
    assert vectors.shape == (3, encoder_of(model).output_shape[-1]) and vectors.dtype == np.float32
    features = model.get_layer("audio_features")(clips)
    assert np.allclose(vectors, encoder_of(model)(features), atol=1e-5)
    with pytest.raises(ParameterError, match="clips must be an array"):
        embed(clips[:, :8000])


@pytest.mark.slow
def test_train_from_base_on_five_clips_per_class(fsdd, tmp_path, capsys):
    pytest.importorskip("tensorflow")
    recordings = fsdd / "recordings" if (fsdd / "recordings").is_dir() else fsdd
    for split, takes in (("few", range(5)), ("other", range(10, 20))):
        for digit in ("0", "1", "2"):
            (tmp_path / split / digit).mkdir(parents=True)
            for take in takes:
                shutil.copy(recordings / f"{digit}_theo_{take}.wav", tmp_path / split / digit)
    out = tmp_path / "digits.keras"
    assert main(["train", str(tmp_path / "few"), "--from", "base", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "from base" in said and "too few to split" in said
    assert main(["evaluate", str(out), str(tmp_path / "other"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 30 and report["accuracy"] > 1 / 3 + 0.2  # well above chance
