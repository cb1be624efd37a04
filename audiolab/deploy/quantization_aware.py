"""Quantisation-aware fine-tuning: a classifier made ready for int8 (lesson 12).

Post-training int8 (:func:`~audiolab.deploy.to_tflite` with
``quantize="int8"``) rounds every weight and activation of a model trained in
float. On voices the keyword spotter never heard, that rounding changes
1-2 % of its answers and costs up to about half a point of accuracy,
depending on which clips calibrate it. :func:`finetune_for_int8` trains the model to give
its own answers *through* the rounding:

1. each batch normalisation is folded into the convolution before it, as the
   TFLite converter does (:func:`fold_batch_norm`);
2. the folded classifier is fine-tuned for a few epochs with the int8
   rounding simulated ("fake quantisation", with a straight-through
   gradient): weights rounded to 8 bits, symmetric, one scale per output
   channel; activations to 8 bits between their moving minimum and maximum;
3. the target is the float model's own probabilities (self-distillation),
   not the labels, so the fine-tuned model keeps the float model's answers
   rather than fitting the training data again.

The result is an ordinary Keras classifier without batch normalisation;
:func:`~audiolab.deploy.to_tflite` calibrates and converts it as before.
TensorFlow's quantisation-aware training tool (TensorFlow Model
Optimization) supports Keras 2 only, so this is a small one for the course's
convolutional classifiers: a chain of the layers ``build_cnn`` and
``build_dscnn`` use.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..quiet import import_keras
from ..seeding import seeded
from ..validation import check_nonnegative_int, check_positive, check_positive_int

__all__ = ["can_finetune_for_int8", "finetune_for_int8", "finetune_trained_model",
           "fold_batch_norm"]

_CONVOLUTIONS = ("Conv2D", "DepthwiseConv2D")
# The kernel axis of the output channels: one filter per input channel for DepthwiseConv2D.
_OUTPUT_AXIS = {"Conv2D": 3, "DepthwiseConv2D": 2, "Dense": 1}
# Layers without weights that the chain may hold, and whether TFLite gives their output
# its own 8-bit scale (a reshape or dropout passes the input's through).
_PASSIVE = {"InputLayer": True, "RelativeLevel": True, "Normalization": True, "ReLU": True,
            "MaxPooling2D": True, "AveragePooling2D": True, "GlobalAveragePooling2D": True,
            "Reshape": False, "Flatten": False, "Dropout": False}
_ACTIVATIONS = ("linear", "relu", "softmax")


def _chain(model) -> list:
    """The model's layers, checked to be supported and to form one chain."""
    chain = list(model.layers)
    for index, layer in enumerate(chain):
        kind = type(layer).__name__
        if kind == "BatchNormalization":
            if index == 0 or type(chain[index - 1]).__name__ not in _CONVOLUTIONS:
                raise ParameterError(f"{layer.name!r}: batch normalisation must follow a convolution")
        elif kind in _OUTPUT_AXIS:
            activation = layer.get_config().get("activation", "linear")
            if activation not in _ACTIVATIONS:
                raise ParameterError(f"{layer.name!r}: activation {activation!r} is not supported")
            if layer.get_config().get("data_format", "channels_last") != "channels_last":
                raise ParameterError(f"{layer.name!r}: only channels_last is supported")
        elif kind not in _PASSIVE:
            raise ParameterError(
                f"quantisation-aware fine-tuning supports the course's convolutional classifiers "
                f"(cnn, dscnn); {layer.name!r} is a {kind}"
            )
    for previous, layer in itertools.pairwise(chain):
        if layer.input is not previous.output:
            raise ParameterError(
                f"quantisation-aware fine-tuning needs a chain of layers (cnn, dscnn); "
                f"{layer.name!r} does not take {previous.name!r}'s output"
            )
    return chain


def _check_finetunable(model) -> None:
    """Refuse a model :func:`finetune_for_int8` cannot simulate, saying why."""
    last = _chain(model)[-1]
    if type(last).__name__ != "Dense" or last.get_config()["activation"] != "softmax":
        raise ParameterError("the model must end in a Dense layer with a softmax")


def can_finetune_for_int8(model) -> bool:
    """Whether :func:`finetune_for_int8` can simulate int8 for this classifier.

    True for the course's ``cnn`` and ``dscnn`` classifiers (a chain of the
    layers listed in the module's notes, ending in a softmax); False for
    recurrent, attention and fine-tuned (``train --from``) models, which
    ``audiolab export`` then calibrates only.
    """
    try:
        _check_finetunable(model)
    except ParameterError:
        return False
    return True


def fold_batch_norm(model):
    """The same classifier with every batch normalisation folded into the convolution before it.

    A convolution ``w * x`` followed by batch normalisation (in inference:
    ``gamma * (y - mean) / sqrt(var + eps) + beta``) equals one convolution
    with the kernel scaled per output channel by ``s = gamma / sqrt(var +
    eps)`` and the bias ``beta - mean * s``. The TFLite converter makes the
    same change; doing it first lets fine-tuning see the weights that will
    be rounded.

    Parameters
    ----------
    model : keras.Model
        A classifier that takes features: a chain of the layers the course's
        ``cnn`` and ``dscnn`` are made of (see
        :func:`~audiolab.deploy.classifier_part` for an end-to-end model).

    Returns
    -------
    keras.Model
        A new model, without ``BatchNormalization`` layers, whose outputs
        equal the input model's in inference (to rounding).

    Raises
    ------
    ParameterError
        If the model is not such a chain.
    """
    keras = import_keras()
    chain = _chain(model)
    inputs = keras.Input(shape=model.input_shape[1:], name=chain[0].name)
    x = inputs
    index = 1
    while index < len(chain):
        layer = chain[index]
        following = chain[index + 1] if index + 1 < len(chain) else None
        if type(following).__name__ == "BatchNormalization":
            config = {**layer.get_config(), "use_bias": True}
            folded = type(layer).from_config(config)
            x = folded(x)
            kernel = layer.kernel.numpy()
            bias = layer.bias.numpy() if layer.use_bias else 0.0
            gamma = following.gamma.numpy() if following.scale else 1.0
            beta = following.beta.numpy() if following.center else 0.0
            scale = gamma / np.sqrt(following.moving_variance.numpy() + following.epsilon)
            shape = [1] * kernel.ndim
            shape[_OUTPUT_AXIS[type(layer).__name__]] = -1
            folded.set_weights([kernel * scale.reshape(shape),
                                beta + (bias - following.moving_mean.numpy()) * scale])
            index += 2
            continue
        # A copy, not the layer itself: a layer called in two models has two inputs.
        copy = type(layer).from_config(layer.get_config())
        x = copy(x)
        copy.set_weights(layer.get_weights())
        index += 1
    return keras.Model(inputs, x, name=model.name)


class _Simulation:
    """The folded classifier's forward pass with int8 rounding simulated."""

    def __init__(self, model, momentum: float = 0.99) -> None:
        import tensorflow as tf

        self.tf = tf
        self.chain = _chain(model)
        self.momentum = momentum
        self.ranges = {}
        for index, layer in enumerate(self.chain):
            if self._quantised_output(index):
                self.ranges[layer.name] = (tf.Variable(0.0, trainable=False),
                                           tf.Variable(0.0, trainable=False))
        self.variables = [v for layer in self.chain for v in layer.trainable_variables]

    def _quantised_output(self, index: int) -> bool:
        layer = self.chain[index]
        kind = type(layer).__name__
        following = self.chain[index + 1] if index + 1 < len(self.chain) else None
        if kind in _OUTPUT_AXIS:
            # TFLite fuses a ReLU layer into the operation before it.
            return type(following).__name__ != "ReLU"
        return _PASSIVE[kind]

    def _rounded_kernel(self, kernel, axis: int):
        """Weights rounded to 8 bits, symmetric, one scale per channel of ``axis``."""
        tf = self.tf
        rank = len(kernel.shape)
        order = [a for a in range(rank) if a != axis] + [axis]
        moved = tf.transpose(kernel, order)
        bound = tf.stop_gradient(tf.maximum(
            tf.reduce_max(tf.abs(moved), axis=list(range(rank - 1))), 1e-8))
        rounded = tf.quantization.fake_quant_with_min_max_vars_per_channel(
            moved, -bound, bound, num_bits=8, narrow_range=True)
        return tf.transpose(rounded, np.argsort(order).tolist())

    def _rounded_activation(self, x, name: str, mode: str):
        tf = self.tf
        low, high = self.ranges[name]
        if mode == "calibrate":
            low.assign(tf.minimum(low, tf.reduce_min(x)))
            high.assign(tf.maximum(high, tf.reduce_max(x)))
            return x
        if mode == "train":
            keep = self.momentum
            low.assign(keep * low + (1 - keep) * tf.minimum(tf.reduce_min(x), 0.0))
            high.assign(keep * high + (1 - keep) * tf.maximum(tf.reduce_max(x), 0.0))
        return tf.quantization.fake_quant_with_min_max_vars(x, low, high, num_bits=8)

    def __call__(self, x, mode: str = "infer"):
        """Logits of a feature batch; ``mode``: ``"calibrate"``, ``"train"`` or ``"infer"``."""
        tf = self.tf
        rounding = mode != "calibrate"
        for index, layer in enumerate(self.chain):
            kind = type(layer).__name__
            if kind in _OUTPUT_AXIS:
                kernel = layer.kernel
                if rounding:
                    kernel = self._rounded_kernel(kernel, _OUTPUT_AXIS[kind])
                if kind == "Dense":
                    x = tf.matmul(x, kernel)
                elif kind == "DepthwiseConv2D":
                    x = tf.nn.depthwise_conv2d(x, kernel, [1, *layer.strides, 1],
                                               layer.padding.upper(), dilations=layer.dilation_rate)
                else:
                    x = tf.nn.conv2d(x, kernel, [1, *layer.strides, 1], layer.padding.upper(),
                                     dilations=layer.dilation_rate)
                if layer.bias is not None:
                    x = x + layer.bias
                activation = layer.get_config()["activation"]
                if activation == "relu":
                    x = tf.nn.relu(x)
                elif activation == "softmax" and index != len(self.chain) - 1:
                    x = tf.nn.softmax(x)  # the last layer's softmax is left to the loss
            elif kind != "InputLayer":
                x = layer(x, training=mode == "train") if kind == "Dropout" else layer(x)
            if layer.name in self.ranges:
                x = self._rounded_activation(x, layer.name, mode)
        return x


def finetune_for_int8(model, features: Any, *, epochs: int = 3, learning_rate: float = 1e-4,
                      batch_size: int = 32, seed: int = 0):
    """Fine-tune a float classifier with int8 rounding simulated, to keep its answers in int8.

    Parameters
    ----------
    model : keras.Model
        A trained classifier that takes features (see :func:`fold_batch_norm`
        for the layers it may have); its last layer is a ``Dense`` with a
        softmax. It is not changed.
    features : np.ndarray [shape=(n, n_features, n_frames)] or tf.data.Dataset
        Training features, or a dataset of ``(features, label)`` batches
        (e.g. :func:`audiolab.train.make_dataset` with augmentation; the
        labels are not used). The first pass over them also sets the
        starting ranges of the activations.
    epochs : int >= 0
        Passes over the features; 0 returns the folded model unchanged.
    learning_rate : float > 0
        Adam's step size: small, the model only has to move a little.
    batch_size : int > 0
        For an array of features.
    seed : int >= 0
        Shuffling and dropout.

    Returns
    -------
    keras.Model
        The folded classifier with fine-tuned weights, for
        :func:`~audiolab.deploy.to_tflite`.

    Raises
    ------
    ParameterError
        If the model is not a supported chain ending in a softmax, or the
        features do not fit it.
    """
    keras = import_keras()
    import tensorflow as tf

    epochs = check_nonnegative_int("epochs", epochs)
    learning_rate = check_positive("learning_rate", learning_rate)
    batch_size = check_positive_int("batch_size", batch_size)
    seed = check_nonnegative_int("seed", seed)
    _check_finetunable(model)
    if not isinstance(features, tf.data.Dataset):
        features = np.asarray(features, dtype=np.float32)
        if features.shape[1:] != tuple(model.input_shape[1:]) or len(features) == 0:
            raise ParameterError(
                f"features must have shape (n, {', '.join(map(str, model.input_shape[1:]))}), "
                f"got {features.shape}"
            )
        if not np.all(np.isfinite(features)):
            raise ParameterError("features contain NaN or infinity")
    # Everything random (dropout's generators, the shuffling) is made inside the block.
    with seeded(seed):
        folded = fold_batch_norm(model)
        if epochs == 0:
            return folded
        if isinstance(features, tf.data.Dataset):
            dataset = features.map(lambda x, *_: x)
        else:
            dataset = (tf.data.Dataset.from_tensor_slices(features)
                       .shuffle(len(features), seed=seed).batch(batch_size))
        simulation = _Simulation(folded)
        for batch in dataset:
            simulation(batch, mode="calibrate")
        optimizer = keras.optimizers.Adam(learning_rate)

        @tf.function
        def step(batch):
            target = model(batch, training=False)
            with tf.GradientTape() as tape:
                logits = simulation(batch, mode="train")
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(target, logits))
            gradients = tape.gradient(loss, simulation.variables)
            optimizer.apply_gradients(zip(gradients, simulation.variables, strict=True))
            return loss

        for _ in range(epochs):
            for batch in dataset:
                step(batch)
    return folded


def finetune_trained_model(classifier, clips: Any, metadata: Mapping[str, Any], *,
                           epochs: int = 3, seed: int = 0):
    """:func:`finetune_for_int8` for a model trained by ``audiolab train``, on its training clips.

    The clips are augmented as the model was trained (``metadata["training"]``:
    the same augmentation and SpecAugment), so fine-tuning sees the variety
    the float model was taught on; their features are computed with the
    model's own settings. ``audiolab export --quantize int8`` calls this.

    Parameters
    ----------
    classifier : keras.Model
        The trained model's classifier, which takes features (of an
        end-to-end model: ``audiolab.deploy.classifier_part(model)[0]``).
    clips : np.ndarray [shape=(n, n_samples)]
        Training clips at ``metadata["sr"]``.
    metadata : mapping
        The model's settings (:func:`audiolab.modelfile.read_keras_card`):
        ``sr``, ``features`` and, if it was trained with them, ``training``'s
        ``augment`` and ``max_warp``.
    epochs, seed : int
        As for :func:`finetune_for_int8`.

    Returns
    -------
    keras.Model
        The fine-tuned classifier (features in), for
        :func:`~audiolab.deploy.to_tflite`.
    """
    from ..train import _spec_augment, make_dataset

    settings = dict(metadata["features"])
    training = metadata.get("training", {})
    augment = training.get("augment", "none")
    augment = augment if augment in ("none", "light", "strong") else "none"
    clips = np.asarray(clips, dtype=np.float32)
    dataset = make_dataset(clips, np.zeros(len(clips), np.int64), sr=int(metadata["sr"]),
                           duration=None, features=settings.pop("kind", "logmel"),
                           settings=settings, augment=augment,
                           spec_augment=_spec_augment(
                               augment, training.get("max_warp") if augment == "strong" else None),
                           shuffle=True, seed=seed)
    return finetune_for_int8(classifier, dataset, epochs=epochs, seed=seed)
