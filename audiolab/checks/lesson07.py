"""Checks for exercise 07, a CNN on spectrograms.

- ``q1``: ``conv_output_length(n, kernel_size, stride, padding)``, the length of a
  convolution's output along one axis.
- ``q2``: ``conv2d_params(in_channels, filters, kernel_size, use_bias)``, the
  weights of a ``Conv2D`` layer.
- ``q3``: ``build_small_cnn(input_shape, num_classes)``, a Keras CNN with given
  layer names, checked by its shapes and parameter count.
- ``q4``: ``accuracy_and_confusion(y_true, y_pred, n_classes)``.
- ``q5``: explain the training curves with and without dropout and augmentation.
- ``q6``: ``train_digit_cnn(X_train, y_train, X_val, y_val)``, fix a training run that
  does not learn; the trained model is scored on speakers it never heard.

Keras is imported only when ``q3`` checks a model or ``q6`` trains one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .core import (
    Case,
    Check,
    ExplainCheck,
    FunctionCheck,
    Mistake,
    Outcome,
    Result,
    _is_not_attempted,
    describe,
)

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "ModelCheck", "LayerSpec", "TrainingCheck"]


# ---------------------------------------------------------------------------
# q1: output length of a convolution
# ---------------------------------------------------------------------------


def _conv_output_length(n, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return math.ceil(n / stride)
    return (n - kernel_size) // stride + 1


def _length_no_plus_one(n, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return math.ceil(n / stride)
    return (n - kernel_size) // stride


def _length_ignores_stride(n, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return n
    return n - kernel_size + 1


def _length_same_is_valid(n, kernel_size, stride=1, padding="valid"):
    return (n - kernel_size) // stride + 1


def _length_floor_same(n, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return n // stride
    return (n - kernel_size) // stride + 1


def _length_divides_first(n, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return math.ceil(n / stride)
    return n // stride - kernel_size + 1


q1 = FunctionCheck(
    name="conv_output_length",
    hints=[
        "Slide the kernel along the axis. With 'valid' padding it must fit entirely inside: "
        "count the positions where it starts.",
        "'valid': the first position is 0, the last n - kernel_size, and positions go up by "
        "stride. 'same': the input is padded so that every stride-th sample is a centre: "
        "n / stride positions, rounded up.",
        "valid: (n - kernel_size) // stride + 1; same: math.ceil(n / stride).",
    ],
    solution="""
    def conv_output_length(n, kernel_size, stride=1, padding="valid"):
        if padding == "same":
            return math.ceil(n / stride)          # padded: every stride-th sample is a centre
        return (n - kernel_size) // stride + 1    # the kernel must fit: positions 0..n-k
    """,
    reference=_conv_output_length,
    cases=[
        Case((10, 3)),
        Case((101, 3), {"padding": "same"}),
        Case((16000, 400), {"stride": 160}),
        Case((40, 3), {"stride": 2}),
        Case((101, 3), {"stride": 2, "padding": "same"}),
        Case((7, 7)),
        Case((50, 5), {"stride": 3, "padding": "valid"}),
    ],
    mistakes=[
        Mistake(_length_no_plus_one,
                "One position short: the kernel also fits at the very first position, so "
                "there is one more output than (n - kernel_size) // stride."),
        Mistake(_length_ignores_stride,
                "The stride is ignored: with stride s the kernel only starts at every s-th "
                "position, so there are about s times fewer outputs."),
        Mistake(_length_floor_same,
                "Rounded down: with 'same' padding a last, partial stride still gets an output "
                "(Keras rounds up: ceil(n / stride))."),
        Mistake(_length_same_is_valid,
                "With padding='same' the input is padded so that nothing is lost at the edges: "
                "the output has ceil(n / stride) positions, whatever the kernel size."),
        Mistake(_length_divides_first,
                "Subtract the kernel first, then divide by the stride: the number of starting "
                "positions is (n - kernel_size) // stride + 1."),
    ],
)


# ---------------------------------------------------------------------------
# q2: parameters of a Conv2D layer
# ---------------------------------------------------------------------------


def _pair(kernel_size):
    if isinstance(kernel_size, (tuple, list)):
        return int(kernel_size[0]), int(kernel_size[1])
    return int(kernel_size), int(kernel_size)


def _conv2d_params(in_channels, filters, kernel_size, use_bias=True):
    kh, kw = _pair(kernel_size)
    return kh * kw * in_channels * filters + (filters if use_bias else 0)


def _params_no_in_channels(in_channels, filters, kernel_size, use_bias=True):
    kh, kw = _pair(kernel_size)
    return kh * kw * filters + (filters if use_bias else 0)


def _params_always_bias(in_channels, filters, kernel_size, use_bias=True):
    kh, kw = _pair(kernel_size)
    return kh * kw * in_channels * filters + filters


def _params_never_bias(in_channels, filters, kernel_size, use_bias=True):
    kh, kw = _pair(kernel_size)
    return kh * kw * in_channels * filters


def _params_bias_per_weight(in_channels, filters, kernel_size, use_bias=True):
    kh, kw = _pair(kernel_size)
    return 2 * kh * kw * in_channels * filters if use_bias else kh * kw * in_channels * filters


def _params_kernel_not_squared(in_channels, filters, kernel_size, use_bias=True):
    kh, _ = _pair(kernel_size)
    return kh * in_channels * filters + (filters if use_bias else 0)


q2 = FunctionCheck(
    name="conv2d_params",
    hints=[
        "Each filter is a small 3-D block of weights: kernel height x kernel width x the "
        "number of input channels, plus one bias.",
        "There are `filters` such blocks. kernel_size may be one number (a square kernel) "
        "or a pair (height, width).",
        "kh * kw * in_channels * filters + (filters if use_bias else 0)",
    ],
    solution="""
    def conv2d_params(in_channels, filters, kernel_size, use_bias=True):
        if isinstance(kernel_size, int):
            kernel_size = (kernel_size, kernel_size)
        kh, kw = kernel_size
        weights = kh * kw * in_channels * filters   # one kh x kw x in_channels block per filter
        biases = filters if use_bias else 0          # one bias per filter
        return weights + biases
    """,
    reference=_conv2d_params,
    cases=[
        Case((1, 16, 3)),
        Case((16, 32, 3)),
        Case((16, 32, 3), {"use_bias": False}),
        Case((3, 8, (5, 1))),
        Case((32, 64, (3, 5)), {"use_bias": True}),
    ],
    mistakes=[
        Mistake(_params_no_in_channels,
                "Each filter looks at every input channel: its kernel has kh x kw weights per "
                "input channel. Multiply by in_channels."),
        Mistake(_params_always_bias,
                "With use_bias=False there are no biases (the course's CNN drops them because "
                "batch normalisation, right after, has its own shift)."),
        Mistake(_params_never_bias,
                "Each filter has one bias, added to all its outputs: `filters` more parameters "
                "when use_bias is True."),
        Mistake(_params_bias_per_weight,
                "There is one bias per filter, not one per weight."),
        Mistake(_params_kernel_not_squared,
                "A 3 x 3 kernel has 9 weights per input channel: multiply the height by the "
                "width (a single number means a square kernel)."),
    ],
)


# ---------------------------------------------------------------------------
# q3: a small CNN with given layer names
# ---------------------------------------------------------------------------


class LayerSpec:
    """What a named layer must be: its Keras class name, its output shape and its activation.

    ``activation`` (e.g. ``"relu"``), when given, must follow the layer: as its
    own ``activation=`` argument, or as an ``Activation``/``ReLU`` layer right
    after it (batch normalisation, dropout or max-pooling may come between).
    """

    def __init__(self, name: str, kind: str, shape: Callable[[tuple, int], tuple],
                 activation: str | None = None) -> None:
        self.name = name
        self.kind = kind
        self.shape = shape
        self.activation = activation


#: Layers that are an activation and nothing else.
_ACTIVATION_LAYERS = ("Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax")
#: Layers an activation may follow without changing what it computes (max-pooling
#: commutes with a monotonic activation; batch normalisation usually comes first).
_PASS_THROUGH = ("BatchNormalization", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
                 "MaxPooling1D", "MaxPooling2D")


def _activation_name(layer) -> str | None:
    """The non-linearity a layer applies ("relu", "sigmoid", ...), or None for a linear one."""
    kind = type(layer).__name__
    if kind == "ReLU":
        plain = (getattr(layer, "max_value", None) is None
                 and not getattr(layer, "negative_slope", 0)
                 and not getattr(layer, "threshold", 0))
        return "relu" if plain else "a modified relu"
    if kind in _ACTIVATION_LAYERS and kind != "Activation":
        return kind.lower()
    function = getattr(layer, "activation", None)
    if function is None:
        return None
    name = getattr(function, "__name__", None) or type(function).__name__
    return None if name == "linear" else name


def _activation_after(model, layer) -> str | None:
    """The activation applied to ``layer``'s output: its own, or a layer's soon after it."""
    own = _activation_name(layer)
    if own:
        return own
    following = model.layers[model.layers.index(layer) + 1:]
    for other in following:
        kind = type(other).__name__
        if kind in _ACTIVATION_LAYERS:
            return _activation_name(other)
        if kind not in _PASS_THROUGH:
            break
    return None


class ModelCheck(Check):
    """A "build this Keras model" task, checked by layer names, shapes, activations and parameters.

    Parameters
    ----------
    name, hints, solution
        See :class:`~audiolab.checks.core.Check`.
    reference : callable
        ``reference(input_shape, num_classes) -> keras.Model``, the right model.
    cases : sequence of (input_shape, num_classes)
        The calls to try.
    layers : sequence of LayerSpec
        The layers the model must have, in order, with the activations that
        must follow them.
    mistakes : sequence of Mistake
        Wrong builders; a learner's model with the same parameter count,
        output shapes and activations gets the mistake's message.
    """

    def __init__(self, *, name, hints, solution, reference, cases, layers, mistakes=()):
        super().__init__(name=name, hints=hints, solution=solution)
        self.reference = reference
        self.cases = list(cases)
        self.layers = list(layers)
        self.mistakes = list(mistakes)

    @staticmethod
    def _signature(model) -> tuple:
        shapes = []
        for layer in model.layers:
            try:
                shapes.append(tuple(layer.output.shape))
            except (AttributeError, ValueError):
                shapes.append(None)
        activations = tuple(_activation_name(layer) for layer in model.layers)
        return int(model.count_params()), tuple(model.output_shape), tuple(shapes), activations

    def _diagnose(self, model, case) -> str | None:
        signature = self._signature(model)
        for mistake in self.mistakes:
            try:
                wrong = mistake.function(*case)
            except Exception:
                continue
            if self._signature(wrong) == signature:
                return mistake.message
        return None

    def _problem(self, model, case) -> str | None:
        import keras

        input_shape, num_classes = case
        if not isinstance(model, keras.Model):
            return f"returned {describe(model)}, but it should return a keras.Model"
        names = [layer.name for layer in model.layers]
        position = -1
        for spec in self.layers:
            if spec.name not in names:
                return (f"the model has no layer named {spec.name!r} (its layers: "
                        f"{', '.join(names)}); pass name={spec.name!r} when you create it")
            layer = model.get_layer(spec.name)
            if type(layer).__name__ != spec.kind:
                return f"layer {spec.name!r} is a {type(layer).__name__}, but it should be a {spec.kind}"
            index = names.index(spec.name)
            if index < position:
                return f"layer {spec.name!r} comes too early: keep the layers in the order given"
            position = index
            expected = spec.shape(tuple(input_shape), num_classes)
            got = tuple(layer.output.shape)[1:]
            if got != expected:
                return (f"layer {spec.name!r} outputs shape {got} (without the batch axis), "
                        f"but it should be {expected}")
            if spec.activation is not None:
                activation = _activation_after(model, layer)
                if activation is None:
                    return (f"layer {spec.name!r} has no activation, but the task asks for "
                            f"{spec.activation!r} after it. Without a non-linearity a stack of "
                            f"linear layers is one linear map: this layer and the next one with "
                            f"weights compute no more than a single layer could, so the depth "
                            f"buys nothing (give it activation={spec.activation!r})")
                if activation != spec.activation:
                    return (f"layer {spec.name!r} is followed by the activation {activation!r}, "
                            f"but the task asks for {spec.activation!r}")
        reference = self.reference(*case)
        if model.count_params() != reference.count_params():
            return (f"the shapes are right, but the model has {model.count_params():,} "
                    f"parameters instead of {reference.count_params():,}")
        x = np.random.default_rng(0).standard_normal((2, *input_shape)).astype("float32")
        p = np.asarray(model(x, training=False))
        if not np.allclose(p.sum(axis=1), 1.0, atol=1e-4) or np.any(p < 0):
            return ("its outputs are not probabilities (they should be non-negative and sum to "
                    "1 for each clip): end with activation='softmax'")
        return None

    def run(self, function: Any = None) -> Result:
        if _is_not_attempted(function):
            return Result(Outcome.NOT_ATTEMPTED, f"write {self.name} and pass it to check().")
        if not callable(function):
            return Result(Outcome.INCORRECT,
                          f"check() expects your function itself, e.g. check({self.name}), "
                          f"not {describe(function)}")
        for case in self.cases:
            call = f"{self.name}{tuple(case)!r}"
            try:
                model = function(*case)
            except NotImplementedError:
                return Result(Outcome.NOT_ATTEMPTED,
                              f"replace the `raise NotImplementedError` in {self.name} with your code.")
            except Exception as error:  # the learner's code: report it
                return Result(Outcome.INCORRECT, f"{call} raised {type(error).__name__}: {error}")
            problem = self._problem(model, case)
            if problem:
                message = f"{call}: {problem}."
                explanation = self._diagnose(model, case) if hasattr(model, "layers") else None
                if explanation:
                    message += f" {explanation}"
                return Result(Outcome.INCORRECT, message)
        return Result(Outcome.CORRECT,
                      f"{self.name} builds the right model for all {len(self.cases)} test cases.")


def _build_small_cnn(input_shape, num_classes, *, flatten=False, padding="same",
                     softmax=True, pool=True, filters=(8, 16), relu=("relu", "relu")):
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="features")
    x = layers.Reshape((*input_shape, 1), name="to_image")(inputs)
    x = layers.Conv2D(filters[0], 3, padding=padding, activation=relu[0], name="conv1")(x)
    if pool:
        x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(filters[1], 3, padding=padding, activation=relu[1], name="conv2")(x)
    if flatten:
        x = layers.Flatten(name="global_pool")(x)
    else:
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax" if softmax else None,
                           name="classifier")(x)
    return keras.Model(inputs, outputs)


def _half(n):
    return n // 2


q3 = ModelCheck(
    name="build_small_cnn",
    hints=[
        "Follow the list of layers in the task: a keras.Input, then each layer called on the "
        "output of the one before (x = layers.Conv2D(...)(x)), then keras.Model(inputs, outputs).",
        "Conv2D needs a channel axis: Reshape((*input_shape, 1)). padding='same' keeps the "
        "height and width; MaxPooling2D(2) halves them (rounding down). Each convolution needs "
        "activation='relu'. Give every layer its name with name='conv1' and so on.",
        "inputs = keras.Input(shape=input_shape); x = layers.Reshape((*input_shape, 1), "
        "name='to_image')(inputs); x = layers.Conv2D(8, 3, padding='same', activation='relu', "
        "name='conv1')(x); ... layers.Dense(num_classes, activation='softmax', name='classifier')",
    ],
    solution="""
    def build_small_cnn(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape, name="features")
        x = layers.Reshape((*input_shape, 1), name="to_image")(inputs)   # one channel
        x = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
        x = layers.MaxPooling2D(2, name="pool1")(x)                       # halve both axes
        x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)          # 16 numbers
        outputs = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
        return keras.Model(inputs, outputs)
    """,
    reference=_build_small_cnn,
    cases=[((40, 101), 10), ((13, 50), 4)],
    layers=[
        LayerSpec("to_image", "Reshape", lambda s, k: (s[0], s[1], 1)),
        LayerSpec("conv1", "Conv2D", lambda s, k: (s[0], s[1], 8), activation="relu"),
        LayerSpec("pool1", "MaxPooling2D", lambda s, k: (_half(s[0]), _half(s[1]), 8)),
        LayerSpec("conv2", "Conv2D", lambda s, k: (_half(s[0]), _half(s[1]), 16), activation="relu"),
        LayerSpec("global_pool", "GlobalAveragePooling2D", lambda s, k: (16,)),
        LayerSpec("classifier", "Dense", lambda s, k: (k,)),
    ],
    mistakes=[
        Mistake(lambda s, k: _build_small_cnn(s, k, softmax=False),
                "The classifier has no softmax: its outputs are scores, not probabilities."),
        Mistake(lambda s, k: _build_small_cnn(s, k, filters=(16, 8)),
                "The channel counts are swapped: conv1 has 8 filters and conv2 16."),
        Mistake(lambda s, k: _build_small_cnn(s, k, relu=(None, None)),
                "Neither convolution has an activation: everything before the softmax is then "
                "one linear map of the spectrogram (two convolutions in a row are one larger "
                "convolution, and averaging is linear too), no better than a single linear "
                "layer. The ReLU after each convolution is what lets a deeper network learn "
                "more: activation='relu'."),
    ],
)


# ---------------------------------------------------------------------------
# q4: accuracy and the confusion matrix
# ---------------------------------------------------------------------------


def _accuracy_and_confusion(y_true, y_pred, n_classes):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[t, p] += 1
    return float(np.mean(y_true == y_pred)), matrix


def _confusion_transposed(y_true, y_pred, n_classes):
    accuracy, matrix = _accuracy_and_confusion(y_true, y_pred, n_classes)
    return accuracy, matrix.T


def _accuracy_percent(y_true, y_pred, n_classes):
    accuracy, matrix = _accuracy_and_confusion(y_true, y_pred, n_classes)
    return 100 * accuracy, matrix


def _accuracy_count(y_true, y_pred, n_classes):
    accuracy, matrix = _accuracy_and_confusion(y_true, y_pred, n_classes)
    return float(np.trace(matrix)), matrix


def _confusion_normalised(y_true, y_pred, n_classes):
    accuracy, matrix = _accuracy_and_confusion(y_true, y_pred, n_classes)
    return accuracy, matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)


def _confusion_sized_by_labels(y_true, y_pred, n_classes):
    size = int(max(np.max(y_true), np.max(y_pred))) + 1
    return _accuracy_and_confusion(y_true, y_pred, size)


q4 = FunctionCheck(
    name="accuracy_and_confusion",
    hints=[
        "Accuracy is the share of clips whose predicted class equals the true class: a number "
        "between 0 and 1. The confusion matrix counts every (true, predicted) pair.",
        "Make an n_classes x n_classes array of zeros, and for every clip add 1 at row "
        "y_true[i], column y_pred[i]: rows are true classes, columns predicted ones.",
        "accuracy = np.mean(y_true == y_pred); for t, p in zip(y_true, y_pred): matrix[t, p] += 1",
    ],
    solution="""
    def accuracy_and_confusion(y_true, y_pred, n_classes):
        accuracy = np.mean(y_true == y_pred)                 # share of right answers
        matrix = np.zeros((n_classes, n_classes), dtype=int)
        for t, p in zip(y_true, y_pred):
            matrix[t, p] += 1                                # row: truth, column: prediction
        return accuracy, matrix

    # np.add.at(matrix, (y_true, y_pred), 1) does the loop in one call;
    # sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(n_classes)) agrees.
    """,
    reference=_accuracy_and_confusion,
    cases=[
        Case((np.array([0, 1, 1]), np.array([0, 1, 0]), 2)),
        Case((np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3)),
        Case((np.array([2, 2, 0]), np.array([2, 2, 0]), 4)),
        Case((np.random.default_rng(7).integers(0, 5, 40), np.random.default_rng(8).integers(0, 5, 40), 5)),
    ],
    mistakes=[
        Mistake(_confusion_transposed,
                "The matrix is transposed: rows must be the true classes and columns the "
                "predicted ones (matrix[true, predicted])."),
        Mistake(_accuracy_percent, "Give the accuracy as a fraction between 0 and 1, not a percentage."),
        Mistake(_accuracy_count,
                "That is the number of correct predictions; the accuracy divides it by the "
                "number of clips."),
        Mistake(_confusion_normalised,
                "Count the clips: the confusion matrix holds whole numbers (normalising the "
                "rows is a separate, later step)."),
        Mistake(_confusion_sized_by_labels,
                "The matrix must have n_classes rows and columns, even for classes that occur "
                "in neither array."),
    ],
)


# ---------------------------------------------------------------------------
# q5: explain the curves
# ---------------------------------------------------------------------------

q5 = ExplainCheck(
    name="explanation",
    hints=[
        "Look at the gap between the training and the validation curves in each run, and at "
        "which one is higher.",
        "Dropout and augmentation act only while training: what does that do to the training "
        "accuracy that Keras reports, compared with the validation accuracy measured without "
        "them?",
    ],
    solution="""
    Without dropout or augmentation the network can memorise the training clips: the
    training loss keeps falling while the validation loss stops improving (or rises), a
    gap that grows with the epochs; that is overfitting. Dropout (switching off a random
    quarter of the features at every step) and augmentation (noise, gain and time shifts)
    make the training task harder and different at every epoch, so the model cannot rely on
    details of single clips. Both are active only during training: Keras measures the
    training accuracy on these perturbed inputs, while the validation accuracy is measured
    on clean clips with all units on, which is why the training curve can lie *below* the
    validation curve. What matters is the validation (and finally the test) figure, and the
    gap between the curves is smaller with regularisation.
    """,
)


# ---------------------------------------------------------------------------
# q6: a training run that does not learn, fixed; scored on unseen speakers
# ---------------------------------------------------------------------------


def _placeholder(function) -> bool:
    """True when a function's body is only ``raise NotImplementedError`` (an exercise's blank)."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    if not tree.body or not isinstance(tree.body[0], ast.FunctionDef):
        return False
    body = [node for node in tree.body[0].body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


class TrainingCheck(Check):
    """A "train a model that reaches a target" task, scored on data the learner never sees.

    The check calls the learner's function with the training data only,
    inside a seeded block (the verdict is the same on every run of one
    machine), times it, and scores the model it returns on a held-out set.

    Parameters
    ----------
    name, hints, solution
        See :class:`~audiolab.checks.core.Check`.
    data : callable
        ``data() -> (arguments, X_test, y_test, class_names)``: the arguments
        to call the learner's function with (the first is the training
        features, the second their labels) and the held-out features and
        labels. Called once; the result is kept.
    target : float
        The accuracy on the held-out set that counts as correct.
    held_out : str
        What the held-out set is, for messages ("250 clips of 25 speakers").
    time_limit : float
        Seconds the learner's function may take (a Binder CPU's share).
    seed : int
        Seed for the learner's function (initial weights, shuffling, dropout).
    not_learning : str, optional
        Advice when the model is about chance (after "has not learned anything").
    not_enough : str, optional
        Advice when the model learned something but not enough.
    diagnose : callable, optional
        ``diagnose(model) -> str | None``: a task's own reason for a model
        that misses the target (e.g. a layer reading the wrong axis), said
        before the general advice.

    Attributes
    ----------
    last : Result or None
        The last verdict; ``accuracy`` and ``seconds`` are its figures (None
        when the function did not return a usable model).
    """

    #: Lesson 07's advice for a model that learned nothing.
    NOT_LEARNING = ("Is it trained at all (model.fit)? Watch the training loss (verbose=2): stuck "
                    "at ln({n_classes}) = {ln:.2f} or jumping about means the steps are far too "
                    "large (a learning rate of 1.0 throws the weights past every minimum; Adam "
                    "works with about 0.001 to 0.003).")
    #: The advice for a model that learned nothing, once lesson 07's learning-rate task is done.
    NOT_TRAINED = ("Is it trained at all (model.fit)? Watch the training loss (verbose=2): it "
                   "should fall from ln({n_classes}) = {ln:.2f} towards 0. Adam works with a "
                   "learning rate of about 0.001 to 0.003.")
    #: Lesson 07's advice for a model that learned too little.
    NOT_ENOUGH = ("Train for more epochs, check the learning rate, and standardise the features "
                  "inside the model (models.build_cnn(..., normalization=X_train)): the check "
                  "feeds it raw log-mel features.")

    def __init__(self, *, name, hints, solution, data, target, held_out, time_limit=60.0, seed=0,
                 not_learning=NOT_LEARNING, not_enough=NOT_ENOUGH, diagnose=None):
        super().__init__(name=name, hints=hints, solution=solution)
        self.not_learning = not_learning
        self.not_enough = not_enough
        self.diagnose = diagnose
        self.data = data
        self.target = float(target)
        self.held_out = held_out
        self.time_limit = float(time_limit)
        self.seed = int(seed)
        self._data = None
        self.last: Result | None = None
        self.accuracy: float | None = None
        self.seconds: float | None = None

    def _load(self):
        if self._data is None:
            self._data = self.data()
        return self._data

    def run(self, function: Any = None) -> Result:
        self.accuracy = self.seconds = None
        self.last = self._run(function)
        return self.last

    def _predict(self, model, X):
        return np.asarray(model.predict(X, batch_size=64, verbose=0))

    def _run(self, function: Any) -> Result:
        if _is_not_attempted(function):
            return Result(Outcome.NOT_ATTEMPTED, f"write {self.name} and pass it to check().")
        if not callable(function):
            return Result(Outcome.INCORRECT,
                          f"check() expects your function itself, e.g. check({self.name}), "
                          f"not {describe(function)}")
        if _placeholder(function):  # not attempted: do not load the data for nothing
            return Result(Outcome.NOT_ATTEMPTED,
                          f"replace the `raise NotImplementedError` in {self.name} with your code.")
        import time

        import keras

        from .. import seeding

        arguments, X_test, y_test, class_names = self._load()
        arguments = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in arguments)
        X_train, y_train = arguments[0], arguments[1]
        start = time.perf_counter()
        try:
            with seeding.seeded(self.seed):
                model = function(*arguments)
        except NotImplementedError:
            return Result(Outcome.NOT_ATTEMPTED,
                          f"replace the `raise NotImplementedError` in {self.name} with your code.")
        except Exception as error:  # the learner's code: report it
            return Result(Outcome.INCORRECT,
                          f"{self.name}(X_train, y_train, ...) raised {type(error).__name__}: {error}")
        seconds = time.perf_counter() - start
        if isinstance(model, (tuple, list)) and any(isinstance(m, keras.Model) for m in model):
            return Result(Outcome.INCORRECT,
                          f"{self.name} returned {type(model).__name__} of {len(model)} values; "
                          f"return the trained model alone (model.fit trains it in place).")
        if not isinstance(model, keras.Model):
            return Result(Outcome.INCORRECT,
                          f"{self.name} returned {describe(model)}, but it should return the "
                          f"trained keras.Model.")
        try:
            p_test = self._predict(model, X_test)
        except Exception as error:
            return Result(Outcome.INCORRECT,
                          f"the model cannot read features of shape {X_test.shape[1:]} "
                          f"({type(error).__name__}: {str(error)[:200]}); build it for "
                          f"X_train.shape[1:], the shape of one clip's features.")
        n_classes = len(class_names)
        if p_test.shape != (len(X_test), n_classes):
            return Result(Outcome.INCORRECT,
                          f"the model outputs shape {p_test.shape[1:]} for each clip, but it should "
                          f"output {n_classes} class probabilities.")
        if not np.all(np.isfinite(p_test)):
            return Result(Outcome.INCORRECT,
                          "the model outputs NaN: its weights blew up during training. That is what "
                          "a learning rate far too large does (Adam works with about 0.001 to 0.003).")
        self.seconds = seconds
        self.accuracy = accuracy = float(np.mean(np.argmax(p_test, axis=1) == y_test))
        figures = (f"the model reaches {accuracy:.2f} on {self.held_out} it never heard "
                   f"(target {self.target:.2f}) after {seconds:.0f} s of training")
        if seconds > self.time_limit:
            return Result(Outcome.INCORRECT,
                          f"{self.name} took {seconds:.0f} s, more than the {self.time_limit:.0f} s "
                          f"a Binder CPU can spare ({figures.split(' after')[0]}). Train fewer "
                          f"epochs or a smaller model.")
        if accuracy >= self.target:
            return Result(Outcome.CORRECT, f"{self.name} works: {figures}.")
        reason = self.diagnose(model) if self.diagnose is not None else None
        if reason:
            return Result(Outcome.INCORRECT, f"{figures}. {reason}")
        chance = 1 / n_classes
        predicted = np.argmax(p_test, axis=1)
        top = np.bincount(predicted, minlength=n_classes)
        train_accuracy = float(np.mean(np.argmax(self._predict(model, X_train), axis=1) == y_train))
        if accuracy < chance + 0.1:
            one_class = ""
            if top.max() >= 0.5 * len(predicted):
                one_class = (f" It answers {class_names[int(top.argmax())]!r} for "
                             f"{top.max() / len(predicted):.0%} of the clips.")
            return Result(Outcome.INCORRECT,
                          f"{figures}: about chance ({chance:.2f}), so the model has not learned "
                          f"anything.{one_class} "
                          + self.not_learning.format(n_classes=n_classes, ln=math.log(n_classes)))
        if train_accuracy - accuracy > 0.15 and train_accuracy >= 0.9:
            return Result(Outcome.INCORRECT,
                          f"{figures}, but {train_accuracy:.2f} on its own training clips: it "
                          f"memorises the training speakers instead of the words. Regularise "
                          f"(dropout), use a smaller model, or stop at the best validation epoch.")
        return Result(Outcome.INCORRECT,
                      f"{figures}, and {train_accuracy:.2f} on its training clips: it has "
                      f"started to learn but not enough. {self.not_enough}")


def _digits_for_training(kind: str = "logmel"):
    """Exercise 07's data: features of the training and validation clips, and a held-out set.

    The held-out set is the test split of the digits (5 speakers) and 200
    clips of 20 more synthetic speakers (another seed): no clip of a speaker
    the learner's function sees. ``kind`` is the feature kind (exercise 08
    trains on ``"mfcc"``).
    """
    from .. import datasets, features

    data = datasets.load_folder(datasets.speech_digits(per_class=50), duration=1.0, progress=False)
    more = datasets.load_folder(datasets.speech_digits(per_class=20, seed=1), duration=1.0,
                                progress=False)
    if list(more.class_names) != list(data.class_names):  # pragma: no cover - same vocabulary
        raise RuntimeError("the two digit sets disagree on the class names")
    X = features.extract_batch(data.clips, data.sr, kind=kind)
    X_more = features.extract_batch(more.clips, more.sr, kind=kind)
    train_, val, test = (data.split == name for name in ("train", "val", "test"))
    arguments = (X[train_], data.labels[train_], X[val], data.labels[val])
    X_test = np.concatenate([X[test], X_more])
    y_test = np.concatenate([data.labels[test], more.labels])
    return arguments, X_test, y_test, list(data.class_names)


q6 = TrainingCheck(
    name="train_digit_cnn",
    hints=[
        "Run the first attempt with validation_data=(X_val, y_val) and verbose=2 and watch "
        "the loss: it should fall from about 2.3 (ln 10, a uniform guess) towards 0. A loss "
        "that stays near 2.3 or jumps about is a step size problem.",
        "A learning rate of 1.0 throws Adam's weights far past every minimum; it works with "
        "about 0.001 to 0.003. Two epochs of 13 batches are far too few, too. Standardising "
        "the features inside the model (normalization=X_train) helps the first layer.",
        "models.build_cnn(X_train.shape[1:], 10, filters=(8, 16, 32), normalization=X_train); "
        "Adam(learning_rate=3e-3); model.fit(..., epochs=20, batch_size=32): about 10 s.",
    ],
    solution="""
    def train_digit_cnn(X_train, y_train, X_val, y_val):
        model = models.build_cnn(X_train.shape[1:], 10, filters=(8, 16, 32),
                                 normalization=X_train)   # standardise inside the model
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),   # not 1.0
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(X_train, y_train, validation_data=(X_val, y_val),
                  epochs=20, batch_size=32, verbose=0)   # 20 epochs, not 2
        return model
    """,
    data=_digits_for_training,
    target=0.85,
    held_out="250 clips of 25 speakers",
    time_limit=60.0,
    seed=0,
)
