"""``audiolab train DATA --from BASE.keras``: a trained model fine-tuned to new words from five clips each.

The base model learns digits 3-9 from three FSDD speakers; the few-shot data are five recordings
of each of 0, 1 and 2 by a fourth speaker (Free Spoken Digit Dataset, Jackson et al., CC BY-SA 4.0).
"""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pytest

from audiolab.cli import main

pytest.importorskip("tensorflow")

DIGITS = ("0", "1", "2")


def few_shot(fsdd, root, *, shots=5, speaker="jackson", takes=range(5)):
    """``shots`` of FSDD's recordings of each digit in DIGITS by one speaker, a folder per digit."""
    recordings = fsdd / "recordings" if (fsdd / "recordings").is_dir() else fsdd
    for digit in DIGITS:
        (root / digit).mkdir(parents=True)
        for take in list(takes)[:shots]:
            shutil.copy(recordings / f"{digit}_{speaker}_{take}.wav", root / digit)
    return root


@pytest.fixture(scope="module")
def base_model(fsdd, tmp_path_factory):
    """A CNN trained on other digits (3-9) of other FSDD speakers: an encoder of real speech."""
    recordings = fsdd / "recordings" if (fsdd / "recordings").is_dir() else fsdd
    root = tmp_path_factory.mktemp("base") / "others"
    for digit in "3456789":
        (root / digit).mkdir(parents=True)
        for speaker in ("george", "lucas", "nicolas"):
            for take in range(20):
                shutil.copy(recordings / f"{digit}_{speaker}_{take}.wav", root / digit)
    out = root.parent / "base.keras"
    assert main(["train", str(root), "--model", "cnn", "--epochs", "6", "--augment", "none",
                 "--out", str(out)]) == 0
    return out


def run(argv, capsys):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def card(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("audiolab.json"))


def thirty_recordings(fsdd, settings):
    """FSDD at the base model's rate and length, and the index of 30 recordings of 0, 1 and 2."""
    from audiolab import datasets

    recordings = datasets.load_fsdd(fsdd, sr=settings["sr"], duration=settings["duration"],
                                    as_words=True, progress=False, download=False)
    return recordings, np.flatnonzero(np.isin(recordings.labels, [0, 1, 2]))[:30]


def test_five_clips_per_class_fine_tune_a_base_model(base_model, fsdd, tmp_path, capsys):
    from audiolab import models
    from audiolab.deploy import TFLitePredictor
    from audiolab.finetune import encoder_of

    few = few_shot(fsdd, tmp_path / "few")
    out = tmp_path / "digits.keras"
    status, stdout, err = run(["train", few, "--from", base_model, "--out", out], capsys)
    assert status == 0, err
    assert "too few to split, so every clip trains" in stdout and "no test split" in stdout
    assert "(no validation split)" in stdout and "encoder frozen" in stdout
    meta = card(out)
    assert meta["class_names"] == list(DIGITS) and meta["split"]["method"] == "all-train"
    assert meta["finetuned_from"]["class_names"] == list("3456789")
    assert meta["training"]["epochs_run"] == 100  # the few-shot default, no early stopping
    # frozen: the base model's layers kept their weights; only the new classifier learnt
    base, tuned = models.load_model(base_model), models.load_model(out)
    kept = [w.numpy() for w in encoder_of(base).weights]
    now = [w.numpy() for w in encoder_of(tuned).weights]
    assert len(kept) == len(now) and all(np.array_equal(a, b) for a, b in zip(kept, now, strict=True))
    assert meta["training"]["trainable_parameters"] == (encoder_of(base).output_shape[-1] + 1) * 3
    # it learnt the new words: other takes of the same speaker, never trained on
    held_out = few_shot(fsdd, tmp_path / "held_out", shots=15, takes=range(10, 25))
    status, stdout, _ = run(["evaluate", out, held_out, "--json"], capsys)
    assert status == 0 and json.loads(stdout)["accuracy"] >= 0.8
    # its own folder has no test split: said, not silently scored
    status, _, err = run(["evaluate", out, few], capsys)
    assert status == 2 and "trained on every clip of this folder" in err
    assert run(["evaluate", out, few, "--split", "all"], capsys)[0] == 0
    # an ordinary model: export in int8, predict
    flat = tmp_path / "digits.tflite"
    assert run(["export", out, "--out", flat, "--quantize", "int8", "--calibration", few], capsys)[0] == 0
    assert TFLitePredictor(flat).class_names == list(DIGITS)
    status, stdout, _ = run(["predict", flat, next((held_out / "1").iterdir())], capsys)
    assert status == 0 and stdout.count("\n") == 1


def test_no_freeze_trains_every_layer_and_a_split_is_made_when_there_are_enough(
        base_model, fsdd, tmp_path, capsys):
    from audiolab import models
    from audiolab.finetune import encoder_of

    data = few_shot(fsdd, tmp_path / "more", shots=12, takes=range(12))
    out = tmp_path / "all.keras"
    status, stdout, err = run(["train", data, "--from", base_model, "--out", out,
                               "--no-freeze", "--epochs", 3, "--average-from", 2], capsys)
    assert status == 0, err
    assert "every layer trains" in stdout and "train/val/test" in stdout and "test accuracy" in stdout
    assert "trained 3 epochs" in stdout and "weights averaged over epochs 2-3" in stdout
    training = card(out)["training"]
    assert training["averaged_from"] == 2 and training["best_epoch"] is None
    base, tuned = models.load_model(base_model), models.load_model(out)
    assert not all(np.array_equal(a.numpy(), b.numpy())
                   for a, b in zip(encoder_of(base).weights, encoder_of(tuned).weights, strict=True))


def test_a_model_in_memory_is_copied_not_trained_in_place(base_model, fsdd):
    """Fine-tuning every layer of a (model, card) base leaves the caller's model as it was: a
    benchmark fine-tunes one base once per fold, and each fold must start from the same weights."""
    from audiolab import models
    from audiolab.finetune import finetune_clips

    base, settings = models.load_model(base_model), card(base_model)
    before = [w.numpy().copy() for w in base.weights]
    recordings, index = thirty_recordings(fsdd, settings)
    result = finetune_clips(recordings.clips, recordings.labels, recordings.class_names,
                            {"train": index, "val": [], "test": []}, base=(base, settings),
                            sr=settings["sr"], epochs=2, freeze=False, log=lambda *a: None)
    assert result.model is not base
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, base.weights, strict=True))


@pytest.mark.parametrize("as_file", [True, False])
def test_the_same_seed_fine_tunes_the_same_model(base_model, fsdd, as_file):
    """A benchmark or a lesson that fine-tunes twice with one seed gets the same weights twice."""
    from audiolab import models
    from audiolab.finetune import finetune_clips

    settings = card(base_model)
    recordings, index = thirty_recordings(fsdd, settings)
    base = base_model if as_file else (models.load_model(base_model), settings)
    runs = []
    for _ in range(2):
        result = finetune_clips(recordings.clips, recordings.labels, recordings.class_names,
                                {"train": index, "val": [], "test": []}, base=base,
                                sr=settings["sr"], epochs=2, freeze=False, augment="strong",
                                seed=3, log=lambda *a: None)
        runs.append([w.numpy() for w in result.feature_model.weights])
    assert all(np.array_equal(a, b) for a, b in zip(*runs, strict=True))


def test_fine_tuning_a_model_on_its_own_classes_starts_from_its_own_classifier(base_model, fsdd):
    """More recordings of the words a model knows start from what it knows: with the encoder
    frozen and a negligible learning rate, the model answers as the base model did; with the
    same words in another order, the classifier is a new one (and the log says which)."""
    from audiolab import models
    from audiolab.finetune import finetune_clips

    settings = card(base_model)
    recordings, _ = thirty_recordings(fsdd, settings)
    own = np.flatnonzero(recordings.labels >= 3)[::10]  # digits 3-9: the base model's classes
    clips, labels = recordings.clips[own], recordings.labels[own] - 3
    names = settings["class_names"]
    assert names == [str(d) for d in range(3, 10)]
    expected = models.load_model(base_model).predict(clips, verbose=0)
    for order, start in ((names, "classifier: the base model's own"), (names[::-1], "classifier: new")):
        lines = []
        result = finetune_clips(clips, labels, order, {"train": np.arange(len(clips)), "val": [],
                                                       "test": []},
                                base=base_model, sr=settings["sr"], epochs=1, learning_rate=1e-9,
                                log=lines.append)
        assert any(start in line for line in lines), lines
        if order == names:
            np.testing.assert_allclose(result.model.predict(clips, verbose=0), expected, atol=1e-4)


@pytest.mark.parametrize("extra, words, with_from", [
    (["--model", "cnn"], "--model and --from", True),
    (["--sr", "8000"], "--sr and --from", True),
    (["--fmax", "4000"], "--fmax and --from", True),
    (["--augment", "strong", "--max-warp", "0"],
     "--max-warp and --from: fine-tuning adds no SpecAugment", True),
    (["--epochs", "2", "--average-from", "3"],
     "--average-from must be an epoch from 1 to --epochs (2), got 3", True),
    (["--no-freeze"], "--no-freeze is for fine-tuning with --from", False),
    (["--average-from", "2"], "--average-from is for fine-tuning with --from", False),
])
def test_from_refuses_bad_combinations_in_one_line(base_model, fsdd, tmp_path, capsys, extra, words,
                                                   with_from):
    few = few_shot(fsdd, tmp_path / "few")
    base = ["--from", base_model] if with_from else []
    status, out, err = run(["train", few, *base, "--out", tmp_path / "m.keras", *extra], capsys)
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and words in lines[0] and not (tmp_path / "m.keras").exists()


def test_a_base_that_is_not_an_audiolab_model_or_one_class_is_refused(base_model, fsdd, tmp_path,
                                                                      capsys):
    import keras

    plain = tmp_path / "plain.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(plain)
    few = few_shot(fsdd, tmp_path / "few")
    status, _, err = run(["train", few, "--from", plain, "--out", tmp_path / "m.keras"], capsys)
    assert status == 2 and "no audiolab settings inside" in err
    for digit in DIGITS[1:]:
        shutil.rmtree(few / digit)
    status, _, err = run(["train", few, "--from", base_model, "--out", tmp_path / "m.keras"],
                         capsys)
    assert status == 2 and "at least 2 classes" in err
