"""audiolab.models: the builders, the feature front end, saving and loading."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import numpy as np
import pytest

from audiolab import features
from audiolab.errors import AudiolabError, ParameterError
from audiolab.preprocess import Standardizer

models = pytest.importorskip("audiolab.models")
keras = models.keras

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def clips(n=3, length=16000, seed=0):
    rng = np.random.default_rng(seed)
    y = (0.1 * rng.standard_normal((n, length))).astype(np.float32)
    y[min(1, n - 1), : length // 2] = 0  # half silent: exercises the dB floor
    return y


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------


def test_cnn_defaults_are_small_named_and_shaped():
    model = models.build_cnn((40, 101), 10)
    assert isinstance(model, keras.Model) and model.name == "cnn"
    assert model.input_shape == (None, 40, 101) and model.output_shape == (None, 10)
    assert 20_000 < model.count_params() < 100_000
    names = [layer.name for layer in model.layers]
    assert names[:2] == ["features", "to_image"]
    assert names[-4:] == ["time_pool", "flatten", "dropout", "classifier"]
    assert model.get_layer("flatten").output.shape == (None, 5 * 64)
    assert model.get_layer("pool1").output.shape == (None, 20, 50, 16)
    assert "pool4" not in names and model.get_layer("conv4").output.shape == (None, 5, 12, 64)
    # The last layer is a softmax: probabilities that sum to 1.
    p = np.asarray(model(np.zeros((2, 40, 101), np.float32)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_parameter_count_follows_the_formula():
    model = models.build_cnn((20, 30), 4, filters=(8, 16), dropout=0.0)
    conv = (3 * 3 * 1 * 8) + (3 * 3 * 8 * 16)  # no biases: batch norm follows
    batch_norm = 4 * (8 + 16)
    dense = (10 * 16) * 4 + 4  # 10 frequency rows x 16 channels after averaging over time
    assert model.count_params() == conv + batch_norm + dense
    assert "dropout" not in [layer.name for layer in model.layers]
    pooled = models.build_cnn((20, 30), 4, filters=(8, 16), dropout=0.0, pooling="global")
    assert pooled.count_params() == conv + batch_norm + 16 * 4 + 4


@pytest.mark.parametrize("cell, bidirectional", [("gru", True), ("lstm", False)])
def test_rnn_cells_directions_and_attention(cell, bidirectional):
    model = models.build_rnn((13, 101), 10, cell=cell, bidirectional=bidirectional, units=16,
                             attention=True)
    name = ("bi" if bidirectional else "") + f"{cell}1"
    directions = 2 if bidirectional else 1
    assert model.get_layer("to_sequence").output.shape == (None, 101, 13)
    assert model.get_layer("downsample").output.shape == (None, 50, 13)
    assert model.get_layer(name).output.shape == (None, 50, 16 * directions)
    assert model.get_layer("attention_weights").output.shape == (None, 50, 1)
    gates = 3 if cell == "gru" else 4
    biases = 2 * 16 if cell == "gru" else 16  # Keras's GRU has reset_after=True: two biases
    per_direction = gates * (16 * (13 + 16) + biases)
    assert model.get_layer(name).count_params() == directions * per_direction
    weights = keras.Model(model.input, model.get_layer("attention_weights").output)
    w = np.asarray(weights(np.random.default_rng(0).standard_normal((2, 13, 101)).astype("float32")))
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)


def test_rnn_last_state_and_stacking():
    model = models.build_rnn((40, 101), 5, num_layers=2, units=8, downsample=1, attention=False)
    assert model.get_layer("bigru1").output.shape == (None, 101, 16)
    assert model.get_layer("bigru2").output.shape == (None, 16)
    assert model.output_shape == (None, 5)


def test_crnn_shortens_time_and_pools_frequency():
    model = models.build_crnn((40, 101), 10, attention=True)
    assert model.get_layer("to_image").output.shape == (None, 101, 40, 1)
    assert model.get_layer("to_sequence").output.shape == (None, 12, 5 * 32)  # rows x channels
    assert model.get_layer("projection").output.shape == (None, 12, 48)
    assert model.get_layer("bigru1").output.shape == (None, 12, 96)
    assert model.output_shape == (None, 10)
    assert model.count_params() < 100_000


def test_transformer_patches_positions_and_attention_blocks():
    model = models.build_transformer((40, 101), 10)
    assert model.get_layer("patch_embedding").output.shape == (None, 50, 48)  # 2 frames a patch
    width, heads, mlp = 48, 4, 96
    attention = 4 * (width * width + width)                 # query, key, value, output projections
    block = attention + 2 * 2 * width + width * mlp + mlp + mlp * width + width
    expected = (2 * 40 * width + width) + 50 * width + 2 * block + 2 * width + width * 10 + 10
    assert model.count_params() == expected == 44_794
    assert model.get_layer("block1_attention").count_params() == attention
    x = np.random.default_rng(0).standard_normal((3, 40, 101)).astype(np.float32)
    maps = models.attention_maps(model, x)
    assert maps.shape == (3, heads, 50, 50)
    np.testing.assert_allclose(maps.sum(axis=-1), 1, atol=1e-5)    # every row is a softmax
    assert not np.allclose(models.attention_maps(model, x, block=1), maps)


def test_transformer_sees_order_only_through_its_position_embedding():
    model = models.build_transformer((40, 101), 3, num_blocks=1, dropout=0.0)
    x = np.random.default_rng(1).standard_normal((1, 40, 100)).astype(np.float32)
    x = np.concatenate([x, x[..., :1]], axis=2)                     # 101 frames, the last dropped
    patches = x[..., :100].reshape(1, 40, 50, 2)
    reversed_ = np.concatenate([patches[:, :, ::-1].reshape(1, 40, 100), x[..., :1]], axis=2)
    assert not np.allclose(model(x), model(reversed_), atol=1e-5)
    embedding = model.get_layer("position_embedding")
    embedding.set_weights([np.zeros_like(embedding.get_weights()[0])])
    np.testing.assert_allclose(model(x), model(reversed_), atol=1e-5)   # a bag of patches


def test_transformer_saves_and_loads_safely(tmp_path):
    model = models.build_transformer((40, 101), 3, width=16, num_heads=2, mlp_units=16)
    path = models.save_model(model, tmp_path / "t.keras", metadata={"class_names": ["a", "b", "c"]})
    x = np.random.default_rng(2).standard_normal((2, 40, 101)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(models.load_model(path)(x)), np.asarray(model(x)), atol=1e-6)


def test_dscnn_defaults_are_small_named_and_shaped():
    model = models.build_dscnn((40, 101), 12)
    assert isinstance(model, keras.Model) and model.name == "dscnn"
    assert model.input_shape == (None, 40, 101) and model.output_shape == (None, 12)
    assert 10_000 < model.count_params() < 20_000 < models.build_cnn((40, 101), 12).count_params()
    names = [layer.name for layer in model.layers]
    assert names[:5] == ["features", "to_image", "conv1", "bn1", "relu1"]
    assert names[5:11] == ["block1_depthwise", "block1_bn1", "block1_relu1", "block1_pointwise",
                           "block1_bn2", "block1_relu2"]
    assert names[-3:] == ["global_pool", "dropout", "classifier"]
    assert model.get_layer("conv1").output.shape == (None, 20, 51, 40)
    assert model.get_layer("block1_relu2").output.shape == (None, 10, 26, 40)  # strided blocks
    assert model.get_layer("block3_relu2").output.shape == (None, 3, 7, 40)
    assert model.get_layer("block4_relu2").output.shape == (None, 3, 7, 40)
    assert "block5_depthwise" not in names
    p = np.asarray(model(np.zeros((2, 40, 101), np.float32)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_dscnn_parameter_count_follows_the_formula():
    model = models.build_dscnn((20, 30), 4, filters=(8, 16, 24), kernel_size=(3, 5), strides=2,
                               block_strides=(1, (1, 2)), dropout=0.0)
    first = 3 * 5 * 1 * 8 + 4 * 8                                    # no bias, batch norm
    blocks = (9 * 8 + 4 * 8 + 8 * 16 + 4 * 16) + (9 * 16 + 4 * 16 + 16 * 24 + 4 * 24)
    assert model.count_params() == first + blocks + 24 * 4 + 4
    assert model.get_layer("conv1").output.shape == (None, 10, 15, 8)
    assert model.get_layer("block2_depthwise").output.shape == (None, 10, 8, 16)
    assert model.get_layer("block1_depthwise").count_params() == 9 * 8  # one 3x3 filter a channel
    assert "dropout" not in [layer.name for layer in model.layers]


def test_dscnn_trains_saves_and_loads_safely(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(3).standard_normal((8, 16, 24)).astype(np.float32)
    y = np.arange(8) % 3
    model = models.build_dscnn((16, 24), 3, filters=(8, 8), normalization=x)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    path = models.save_model(model, tmp_path / "d.keras", metadata={"model": "dscnn"})
    loaded = models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)
    waveform = models.build_dscnn((8000,), 3, filters=(8, 8), frontend=models.AudioFeatures())
    assert waveform.input_shape == (None, 8000) and waveform.output_shape == (None, 3)

@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.build_cnn((40, 101, 1), 10), "n_features, n_frames"),
        (lambda: models.build_cnn((40, 101), 1), "num_classes"),
        (lambda: models.build_cnn((40, 101), 10, filters=()), "filters"),
        (lambda: models.build_cnn((40, 101), 10, dropout=1.0), "dropout"),
        (lambda: models.build_cnn((4, 101), 10), "too small"),
        (lambda: models.build_rnn((13, 101), 10, cell="rnn"), "cell"),
        (lambda: models.build_rnn((13, 101), 10, attention="yes"), "attention"),
        (lambda: models.build_crnn((40, 101), 10, filters=(8,) * 7), "too small"),
        (lambda: models.build_transformer((40, 101), 10, width=50), "multiple of num_heads"),
        (lambda: models.build_transformer((40, 101), 10, patch_frames=200), "patch_frames"),
        (lambda: models.build_transformer((40, 101), 10, num_blocks=0), "num_blocks"),
        (lambda: models.build_dscnn((40, 101), 10, filters=(16,)), "at least one block"),
        (lambda: models.build_dscnn((40, 101), 10, kernel_size=(3, 0)), "kernel_size"),
        (lambda: models.build_dscnn((40, 101), 10, strides=(1, 2, 3)), "strides"),
        (lambda: models.build_dscnn((40, 101), 10, block_strides=(2, 2)), "one stride per block"),
        (lambda: models.build_dscnn((40, 101), 10, dropout=-0.1), "dropout"),
        (lambda: models.build_cnn((16000,), 10, frontend=models.AudioFeatures()), None),
        (lambda: models.build_cnn((40, 101), 10, frontend="logmel"), "AudioFeatures"),
        (lambda: models.build_cnn((40, 101), 10, normalization=np.zeros((5, 13, 101))),
         "13 features"),
    ],
)
def test_builders_check_their_arguments(call, message):
    if message is None:  # a valid call: waveform input with a front end
        assert call().input_shape == (None, 16000)
        return
    with pytest.raises(ParameterError, match=message):
        call()


# ---------------------------------------------------------------------------
# The front end
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, settings",
    [
        ("logmel", {}),
        ("mfcc", {}),
        ("logmel", {"n_mels": 32, "hop_length": 128, "win_length": None, "fmax": 3500.0}),
        ("mfcc", {"n_mfcc": 20, "top_db": None}),
    ],
)
def test_audio_features_equal_extract_batch(kind, settings):
    sr = 8000 if settings.get("fmax") else 16000
    y = clips(length=sr)
    layer = models.AudioFeatures(sr=sr, kind=kind, **settings)
    ours = np.asarray(layer(y))
    expected = features.extract_batch(y, sr, kind=kind, **settings)
    assert ours.shape == expected.shape
    tolerance = 2e-3 if kind == "logmel" else 5e-3
    np.testing.assert_allclose(ours, expected, atol=tolerance * max(1.0, np.abs(expected).max() / 100))


def test_audio_features_config_round_trip_and_shape():
    layer = models.AudioFeatures(sr=8000, kind="mfcc", n_mfcc=10, name="front")
    config = layer.get_config()
    assert config["sr"] == 8000 and config["kind"] == "mfcc" and config["name"] == "front"
    again = models.AudioFeatures.from_config(config)
    assert again.settings() == layer.settings() and again.n_features == 10
    assert layer.compute_output_shape((None, 8000)) == (None, 10, 51)
    with pytest.raises(ParameterError, match="n_mfcc"):
        models.AudioFeatures(kind="mfcc", n_mfcc=50)
    with pytest.raises(ParameterError, match="kind"):
        models.AudioFeatures(kind="stft")


def test_normalization_layer_matches_the_standardizer():
    X = features.extract_batch(clips(4), 16000)
    scaler = Standardizer(axis=1).fit(X)
    expected = scaler.transform(X)
    for source in (scaler, X, (X.mean(axis=(0, 2)), X.var(axis=(0, 2)))):
        layer = models.normalization_layer(source, 40)
        np.testing.assert_allclose(np.asarray(layer(X)), expected, atol=1e-4)
    with pytest.raises(ParameterError, match="not fitted"):
        models.normalization_layer(Standardizer(axis=1), 40)
    with pytest.raises(ParameterError, match="Standardizer"):
        models.normalization_layer([1.0, 2.0], 40)


def test_with_frontend_reproduces_the_feature_model():
    y = clips()
    X = features.extract_batch(y, 16000)
    body = models.build_cnn((40, 101), 3, filters=(4, 8), normalization=X)
    end_to_end = models.with_frontend(body, models.AudioFeatures(sr=16000), n_samples=16000)
    assert end_to_end.input_shape == (None, 16000) and end_to_end.name == "cnn"
    np.testing.assert_allclose(np.asarray(end_to_end(y)), np.asarray(body(X)), atol=1e-4)
    with pytest.raises(ParameterError, match="the model takes"):
        models.with_frontend(body, models.AudioFeatures(sr=16000), n_samples=8000)


def test_layer_table_lists_every_layer():
    model = models.build_cnn((40, 101), 10)
    text = models.layer_table(model)
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "type", "output", "shape", "params"]
    assert any(line.split()[:2] == ["conv1", "Conv2D"] and line.endswith("144") for line in lines)
    assert lines[-1].startswith(f"total: {model.count_params():,} parameters")
    nested = models.with_frontend(model, models.AudioFeatures(), n_samples=16000)
    assert "  conv1" in models.layer_table(nested, nested=True)
    assert "  conv1" not in models.layer_table(nested)


def test_relative_level_makes_features_relative_to_each_clips_maximum():
    x = np.stack([np.full((4, 5), -30.0), np.arange(20.0).reshape(4, 5) - 50]).astype(np.float32)
    out = np.asarray(models.RelativeLevel()(x))
    np.testing.assert_allclose(out, models.to_relative_level(x))
    assert out.max(axis=(1, 2)).tolist() == [0.0, 0.0]
    np.testing.assert_allclose(out[1], x[1] - x[1].max())
    with pytest.raises(ParameterError, match="n_clips, n_features, n_frames"):
        models.to_relative_level(np.zeros((4, 5)))


@pytest.mark.parametrize("build", [models.build_cnn, models.build_rnn, models.build_crnn])
def test_relative_level_models_ignore_loudness(build):
    stats = (np.full(40, -40.0), np.full(40, 100.0))
    body = build((40, 101), 3, relative_level=True, normalization=stats)
    assert [layer.name for layer in body.layers][1:3] == ["relative_level", "normalization"]
    model = models.with_frontend(body, models.AudioFeatures(sr=16000), n_samples=16000)
    y = clips()[[0, 2]]  # (not the half-silent clip: digital silence has no level to follow)
    np.testing.assert_allclose(np.asarray(model(y * 0.01)), np.asarray(model(y)), atol=1e-5)
    plain = models.with_frontend(build((40, 101), 3), models.AudioFeatures(sr=16000),
                                 n_samples=16000)
    assert not np.allclose(np.asarray(plain(y * 0.01)), np.asarray(plain(y)), atol=1e-5)
    with pytest.raises(ParameterError, match="relative_level must be True or False"):
        build((40, 101), 3, relative_level="yes")


# ---------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------


def test_save_and_load_round_trip_with_metadata(tmp_path):
    body = models.build_rnn((40, 101), 3, units=4, attention=True)
    model = models.with_frontend(body, models.AudioFeatures(sr=16000), n_samples=16000)
    path = models.save_model(model, tmp_path / "m.keras",
                             metadata={"class_names": ["a", "b", "c"], "sr": np.int64(16000),
                                       "stats": np.array([1.5, 2.5])})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]  # no temporary left
    assert "audiolab.json" in zipfile.ZipFile(path).namelist()
    assert models.read_metadata(path) == {"class_names": ["a", "b", "c"], "sr": 16000,
                                          "stats": [1.5, 2.5]}
    loaded = models.load_model(path)
    y = clips()
    np.testing.assert_allclose(np.asarray(loaded(y)), np.asarray(model(y)), atol=1e-6)
    assert isinstance(loaded.layers[1], models.AudioFeatures)


def test_saving_and_loading_report_bad_paths_and_files(tmp_path):
    model = models.build_cnn((40, 101), 2, filters=(4,))
    with pytest.raises(ParameterError, match=r"\.keras"):
        models.save_model(model, tmp_path / "m.h5")
    with pytest.raises(ParameterError, match="does not exist"):
        models.save_model(model, tmp_path / "no" / "m.keras")
    with pytest.raises(AudiolabError, match="no such model file"):
        models.load_model(tmp_path / "missing.keras")
    text = tmp_path / "text.keras"
    text.write_text("not a model")
    with pytest.raises(AudiolabError, match="not a .keras model file"):
        models.load_model(text)
    other_zip = tmp_path / "other.keras"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(AudiolabError, match="not a Keras model"):
        models.read_metadata(other_zip)
    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("config.json", "{not json")
    with pytest.raises(AudiolabError, match="cannot load the Keras model"):
        models.load_model(broken)
    plain = tmp_path / "plain.keras"
    model.save(plain)
    assert models.read_metadata(plain) == {}


@pytest.mark.slow
def test_importing_models_keeps_tensorflow_quiet():
    done = subprocess.run(
        [sys.executable, "-c", "import audiolab.models"], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": "/tmp"},
    )
    assert done.returncode == 0, done.stderr
    assert "oneDNN" not in done.stderr and "absl" not in done.stderr
    assert "cpu_feature_guard" not in done.stderr
