"""audiolab.train: input pipelines, seeds, fitting, histories."""

from __future__ import annotations

import numpy as np
import pytest
from datasets_fixtures import tone, write_wav

from audiolab import features
from audiolab.augment import make_augmenter
from audiolab.datasets import load_folder
from audiolab.errors import ParameterError
from audiolab.preprocess import Standardizer

train = pytest.importorskip("audiolab.train")
models = pytest.importorskip("audiolab.models")

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SR = 8000


def two_tones(n_per_class=12, sr=SR, seed=0):
    """Noisy low and high tones: a task a tiny CNN learns in a few epochs."""
    rng = np.random.default_rng(seed)
    clips, labels = [], []
    for label, base in enumerate((300.0, 1500.0)):
        for _ in range(n_per_class):
            f = base * rng.uniform(0.9, 1.1)
            y = tone(f, sr=sr, duration=0.5, amplitude=rng.uniform(0.2, 0.6))
            clips.append(y + 0.01 * rng.standard_normal(len(y)).astype(np.float32))
            labels.append(label)
    return np.stack(clips).astype(np.float32), np.array(labels)


def batches(ds):
    return [tuple(np.asarray(t) for t in element) for element in ds]


SETTINGS = {"n_fft": 256, "hop_length": 80, "win_length": 200, "n_mels": 24}


# ---------------------------------------------------------------------------
# make_dataset
# ---------------------------------------------------------------------------


def test_make_dataset_extracts_batches_of_features():
    x, y = two_tones()
    ds = train.make_dataset(x, y, sr=SR, duration=0.5, batch_size=10, settings=SETTINGS)
    assert int(ds.cardinality()) == 3
    got = batches(ds)
    assert [b[0].shape for b in got] == [(10, 24, 51), (10, 24, 51), (4, 24, 51)]
    assert got[0][1].dtype == np.int32
    expected = features.extract_batch(x, SR, **SETTINGS)
    np.testing.assert_allclose(np.concatenate([b[0] for b in got]), expected, atol=1e-5)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in got]), y)


def test_make_dataset_from_paths_lists_and_datasets(tmp_path):
    paths = []
    for name, f in (("a_low", 300), ("b_high", 1500)):  # sorted like load_folder's classes
        for i in range(3):
            y = tone(f, sr=SR, duration=0.3 + 0.1 * i)
            paths.append(write_wav(tmp_path / name / f"{i}.wav", y, SR))
    labels = np.repeat([0, 1], 3)
    from_paths = batches(train.make_dataset(paths, labels, sr=SR, duration=0.5, batch_size=6,
                                            features="mfcc"))
    assert from_paths[0][0].shape == (6, 13, 26)
    dataset = load_folder(tmp_path, sr=SR, duration=0.5)
    from_folder = batches(train.make_dataset(dataset, batch_size=6, features="mfcc",
                                             duration=0.5))
    np.testing.assert_allclose(from_folder[0][0], from_paths[0][0], atol=1e-4)
    clips = [tone(300, sr=SR, duration=0.2), tone(300, sr=SR, duration=0.7)]
    waves = batches(train.make_dataset(clips, [0, 1], sr=SR, duration=0.5, features=None))
    assert waves[0][0].shape == (2, 4000)
    no_labels = [np.asarray(x) for x in train.make_dataset(clips, sr=SR, duration=0.5)]
    assert no_labels[0].shape == (2, 40, 26)  # features only, for prediction


def test_make_dataset_standardizes_with_training_statistics():
    x, y = two_tones()
    X = features.extract_batch(x, SR, **SETTINGS)
    scaler = Standardizer(axis=1).fit(X[:16])
    got = batches(train.make_dataset(x, y, sr=SR, settings=SETTINGS, standardizer=scaler,
                                     batch_size=64, duration=None))
    np.testing.assert_allclose(got[0][0], scaler.transform(X), atol=1e-4)


def test_augmented_copies_and_shuffling_are_seeded_and_change_every_epoch():
    x, y = two_tones(6)
    ds = train.make_dataset(x, y, sr=SR, settings=SETTINGS, augment="light", copies=2,
                            shuffle=True, spec_augment=True, batch_size=12, seed=4, duration=None)
    first, second = batches(ds), batches(ds)
    assert not np.array_equal(first[0][1], second[0][1]) or not np.allclose(first[0][0], second[0][0])
    # The same seed gives the same epochs, whatever the global seeds say.
    train.reproducible(123)
    again = train.make_dataset(x, y, sr=SR, settings=SETTINGS, augment="light", copies=2,
                               shuffle=True, spec_augment=True, batch_size=12, seed=4,
                               duration=None)
    for a, b in zip(first + second, batches(again) + batches(again), strict=True):
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_allclose(a[0], b[0])
    # Each clip keeps its label through shuffling.
    clean = features.extract_batch(x, SR, **SETTINGS)
    order = batches(train.make_dataset(x, y, sr=SR, settings=SETTINGS, shuffle=True, seed=1,
                                       batch_size=12, duration=None))[0]
    for features_, label in zip(order[0], order[1], strict=True):
        match = np.flatnonzero(np.all(np.isclose(clean, features_, atol=1e-5), axis=(1, 2)))
        assert len(match) == 1 and y[match[0]] == label


def test_augmentation_uses_the_augmenter_seeded_per_clip_and_copy():
    x, y = two_tones(2)
    augmenter = make_augmenter("light", sr=SR)
    ds = train.make_dataset(x, y, sr=SR, features=None, augment=augmenter, copies=1,
                            batch_size=4, duration=None, seed=7)
    got = batches(ds)[0][0]
    expected = augmenter(x[2], sr=SR, rng=np.random.default_rng([7, 0, 2]))
    np.testing.assert_allclose(got[2], expected, atol=1e-6)


def test_spec_augment_masks_rows_and_frames():
    x, y = two_tones(4)
    plain = batches(train.make_dataset(x, y, sr=SR, settings=SETTINGS, batch_size=8,
                                       duration=None))[0][0]
    masked = batches(train.make_dataset(
        x, y, sr=SR, settings=SETTINGS, batch_size=8, duration=None,
        spec_augment={"n_freq_masks": 1, "freq_mask_param": 6, "n_time_masks": 0,
                      "mask_value": -999.0}))[0][0]
    changed = masked != plain
    assert np.all(masked[changed] == -999.0)
    rows = changed.any(axis=2)
    assert rows.sum(axis=1).max() <= 6 and rows.any()
    with pytest.raises(ParameterError, match="spec_augment"):
        train.make_dataset(x, y, sr=SR, spec_augment={"width": 3})


def test_spec_augment_of_the_strong_recipe_warps_frequency():
    x, y = two_tones(4)
    plain = batches(train.make_dataset(x, y, sr=SR, settings=SETTINGS, batch_size=8,
                                       duration=None))[0][0]
    no_masks = {"n_freq_masks": 0, "n_time_masks": 0}
    warped = batches(train.make_dataset(x, y, sr=SR, settings=SETTINGS, batch_size=8,
                                        duration=None,
                                        spec_augment={**train.STRONG_SPEC_AUGMENT, **no_masks}))[0][0]
    # The tones' mel rows move by up to 12 %, up or down, but no further.
    plain_rows, warped_rows = plain.mean(axis=2).argmax(axis=1), warped.mean(axis=2).argmax(axis=1)
    assert np.any(plain_rows != warped_rows)
    assert np.all(np.abs(warped_rows - plain_rows) <= np.ceil(0.12 * plain_rows) + 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"source": np.zeros(100, np.float32), "labels": None, "sr": SR}, "one clip"),
        ({"source": np.zeros((2, 100), np.float32), "labels": [0, 1]}, "sr is needed"),
        ({"source": np.zeros((2, 4000), np.float32), "labels": [0], "sr": SR}, "labels"),
        ({"source": np.zeros((2, 4000), np.float32), "labels": [0.0, 1.0], "sr": SR}, "labels"),
        ({"source": np.zeros((2, 4000), np.int16), "labels": [0, 1], "sr": SR}, "floating"),
        ({"source": "folder", "labels": None, "sr": SR}, "source must be"),
        ({"source": np.zeros((2, 4000), np.float32), "labels": [0, 1], "sr": SR,
          "augment": "heavy"}, "augment"),
        ({"source": np.zeros((2, 4000), np.float32), "labels": [0, 1], "sr": SR,
          "features": "chroma"}, "kind"),
        ({"source": np.zeros((2, 4000), np.float32), "labels": [0, 1], "sr": SR,
          "settings": {"n_bins": 3}}, "n_bins"),
        ({"source": np.zeros((2, 4000), np.float32), "labels": [0, 1], "sr": SR,
          "features": None, "spec_augment": True}, "need features"),
        ({"source": [np.zeros(10, np.float32), np.zeros(20, np.float32)], "labels": [0, 1],
          "sr": SR, "duration": None}, "different lengths"),
    ],
)
def test_make_dataset_checks_its_arguments(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        train.make_dataset(**kwargs)


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------


def test_class_weights_balance_the_classes():
    assert train.class_weights([0, 0, 0, 1]) == {0: 4 / 6, 1: 2.0}
    assert train.class_weights([0, 1, 1, 0], n_classes=2) == {0: 1.0, 1: 1.0}
    assert train.class_weights([0, 0, 2], n_classes=3) == {0: 0.75, 1: 0.0, 2: 1.5}


def _tiny(seed=0, **fit_kwargs):
    x, y = two_tones()
    tr = train.make_dataset(x[::2], y[::2], sr=SR, settings=SETTINGS, shuffle=True, batch_size=4,
                            duration=None, augment="light", copies=2)
    va = train.make_dataset(x[1::2], y[1::2], sr=SR, settings=SETTINGS, duration=None)
    train.reproducible(seed)
    X = features.extract_batch(x[::2], SR, **SETTINGS)
    model = models.build_cnn(X.shape[1:], 2, filters=(4, 8), normalization=X)
    return train.fit(model, tr, va, verbose=0, seed=seed, **fit_kwargs)


def test_fit_learns_a_simple_task_and_keeps_a_tidy_history():
    model, history = _tiny(epochs=8, learning_rate=1e-2)
    assert history.epochs >= 2 and history.columns == ["epoch", "loss", "accuracy", "val_loss",
                                                       "val_accuracy", "lr", "seconds"]
    assert history.best()["val_accuracy"] == 1.0
    lr = history.column("lr")
    assert lr[0] == pytest.approx(1e-2) and np.all(np.diff(lr) < 0)  # the cosine schedule
    best = history.best_epoch
    assert history.column("val_loss")[best - 1] == history.column("val_loss").min()
    table = history.table().splitlines()
    assert table[0].split() == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert len(table) == history.epochs + 1
    with pytest.raises(ParameterError, match="no column"):
        history.column("precision")


@pytest.mark.slow
def test_fit_is_reproducible_for_a_seed():
    first, h1 = _tiny(seed=3, epochs=2)
    second, h2 = _tiny(seed=3, epochs=2)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert h1.column("loss").tolist() == h2.column("loss").tolist()


def test_early_stopping_restores_the_best_weights():
    x, y = two_tones(4)
    data = train.make_dataset(x, y, sr=SR, settings=SETTINGS, duration=None)
    wrong = train.make_dataset(x, 1 - y, sr=SR, settings=SETTINGS, duration=None)
    train.reproducible(0)
    model = models.build_cnn((24, 51), 2, filters=(4,), normalization=features.extract_batch(
        x, SR, **SETTINGS))
    # Validating on the opposite labels: the validation loss rises as training succeeds.
    model, history = train.fit(model, data, wrong, epochs=20, learning_rate=0.05, patience=2,
                               schedule="constant", verbose=0, class_weight="balanced")
    assert history.stopped_early and history.epochs == history.best_epoch + 2
    assert model.evaluate(wrong, verbose=0)[0] == pytest.approx(history.best()["val_loss"], rel=1e-4)


def test_weight_averaging_keeps_the_mean_of_every_step_from_its_epoch():
    """Stochastic weight averaging: the model returned holds the mean of the weights after each
    training step of epochs 3 and 4, not the last step's nor the best epoch's."""
    import keras

    class EveryStep(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            steps.append((self.epoch, self.model.get_weights()))

    steps = []
    model, history = _tiny(epochs=4, learning_rate=1e-2, patience=None, average_from=3,
                           callbacks=[EveryStep()])
    averaged = [weights for epoch, weights in steps if epoch >= 2]
    assert len(averaged) == len(steps) // 2
    for i, kept in enumerate(model.get_weights()):
        mean = np.mean([weights[i].astype(np.float64) for weights in averaged], axis=0)
        np.testing.assert_allclose(kept, mean, rtol=1e-5, atol=1e-7)
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), averaged[-1],
                                                        strict=True))
    assert history.epochs == 4 and history.averaged_from == 3 and history.best_epoch is None
    x, y = two_tones()
    validation = train.make_dataset(x[1::2], y[1::2], sr=SR, settings=SETTINGS, duration=None)
    assert history.averaged["val_accuracy"] == pytest.approx(
        model.evaluate(validation, verbose=0, return_dict=True)["accuracy"])


def test_smoothed_loss_is_the_cross_entropy_against_smoothed_labels():
    from audiolab.losses import SmoothedSparseCrossentropy

    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    labels = np.array([0, 1])
    target = np.full((2, 3), 0.3 / 3) + 0.7 * np.eye(3)[labels]
    expected = -np.mean(np.sum(target * np.log(probabilities), axis=1))
    assert float(SmoothedSparseCrossentropy(0.3)(labels, probabilities)) == pytest.approx(expected,
                                                                                      rel=1e-5)
    plain = -np.mean(np.log(probabilities[[0, 1], labels]))
    assert float(SmoothedSparseCrossentropy(0.0)(labels[:, None], probabilities)) == pytest.approx(
        plain, rel=1e-5)
    assert SmoothedSparseCrossentropy.from_config(
        SmoothedSparseCrossentropy(0.2).get_config()).label_smoothing == 0.2
    for bad in (1.0, -0.1, "0.1"):
        with pytest.raises(ParameterError, match="label_smoothing"):
            SmoothedSparseCrossentropy(bad)


def test_label_smoothing_keeps_the_model_from_certainty_and_the_model_loads(tmp_path):
    """Three tenths of each label spread over both classes: the model learns the task, but its
    probabilities stay near the smoothed target (0.85) where the plain loss drives them to 1."""
    plain, _ = _tiny(epochs=12, learning_rate=1e-2, patience=None)
    smoothed, history = _tiny(epochs=12, learning_rate=1e-2, patience=None, label_smoothing=0.3)
    x, y = two_tones()
    X = features.extract_batch(x[1::2], SR, **SETTINGS)
    top = {name: np.asarray(model(X, training=False)).max(axis=1)
           for name, model in (("plain", plain), ("smoothed", smoothed))}
    assert history.best()["val_accuracy"] == 1.0
    assert np.median(top["plain"]) > 0.95 and 0.75 < np.median(top["smoothed"]) < 0.9
    path = models.save_model(smoothed, tmp_path / "smoothed.keras")
    loaded = models.load_model(path, compile=True)  # the loss is rebuilt: it is registered
    assert loaded.loss.label_smoothing == 0.3
    np.testing.assert_allclose(np.asarray(loaded(X, training=False)),
                               np.asarray(smoothed(X, training=False)), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label_smoothing": 1.0}, "label_smoothing must be at least 0 and below 1"),
        ({"epochs": 0}, "epochs"),
        ({"average_from": 0}, "average_from must be"),
        ({"epochs": 3, "average_from": 4, "patience": None}, r"from 1 to epochs \(3\), got 4"),
        ({"average_from": 2}, "give patience=None"),
        ({"schedule": "linear"}, "schedule"),
        ({"class_weight": "auto"}, "class_weight"),
        ({"learning_rate": -1.0}, "learning_rate"),
    ],
)
def test_fit_checks_its_arguments(kwargs, message):
    x, y = two_tones(2)
    data = train.make_dataset(x, y, sr=SR, settings=SETTINGS, duration=None)
    model = models.build_cnn((24, 51), 2, filters=(4,))
    with pytest.raises(ParameterError, match=message):
        train.fit(model, data, **kwargs)
    with pytest.raises(ParameterError, match="finite"):
        train.fit(model, data.repeat(), verbose=0)


def test_plot_history_draws_loss_and_accuracy():
    history = train.TrainingHistory(
        rows=[{"epoch": e, "loss": 1.0 / e, "accuracy": 0.5 + e / 10, "val_loss": 1.2 / e,
               "val_accuracy": 0.4 + e / 10, "lr": 1e-3, "seconds": 1.0} for e in (1, 2, 3)],
        best_epoch=3)
    axes = train.plot_history(history, title="run")
    assert len(axes) == 2 and axes[0].get_ylabel().startswith("loss")
    assert len(axes[1].get_lines()) == 3  # training, validation, best epoch
    for ax in axes:                        # whole epochs only on the x axis, never 1.5
        ax.figure.canvas.draw()
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks)
    again = train.plot_history(history, axes=axes, label="second")
    assert again[0] is axes[0] and len(axes[0].get_lines()) == 6
    assert repr(history) == "TrainingHistory(3 epochs, best epoch 3)"
    import matplotlib.pyplot as plt

    plt.close("all")
    with pytest.raises(ParameterError, match="TrainingHistory"):
        train.plot_history({"loss": [1.0]})
