"""Label smoothing for integer labels: the loss ``audiolab train --label-smoothing`` trains with.

Keras's ``SparseCategoricalCrossentropy`` takes integer labels but cannot
smooth them, and ``CategoricalCrossentropy(label_smoothing=...)`` needs
one-hot labels. :class:`SmoothedSparseCrossentropy` takes the integers the
course's datasets yield and smooths them. It is registered with Keras when
this module is imported (:mod:`audiolab.models` imports it), so a model
trained with it loads without ``custom_objects``.

Taught in lesson 12 (deployment: the keyword spotter's recipe).
"""

from __future__ import annotations

from typing import Any

from .quiet import import_keras
from .validation import check_label_smoothing

keras = import_keras()

__all__ = ["SmoothedSparseCrossentropy"]


@keras.saving.register_keras_serializable(package="audiolab")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy of probabilities against smoothed integer labels.

    The target of a clip of class ``c`` among ``k`` is ``1 - label_smoothing
    + label_smoothing / k`` for ``c`` and ``label_smoothing / k`` for every
    other class, instead of 1 and 0. A model then gains nothing from pushing
    a probability all the way to 1: its logits stay in a narrower range, and
    it is less sure of inputs unlike its training data (other words, other
    voices), which is where a keyword spotter's false alarms come from
    (Szegedy et al. 2016; Müller, Kornblith and Hinton 2019).

    Parameters
    ----------
    label_smoothing : float
        In [0, 1); 0 is the ordinary sparse cross-entropy.
    name : str
    **kwargs
        Passed to ``keras.losses.Loss`` (``reduction``, ``dtype``).

    Examples
    --------
    >>> model.compile(optimizer="adam", loss=SmoothedSparseCrossentropy(0.1))  # doctest: +SKIP
    """

    def __init__(self, label_smoothing: float = 0.1, name: str = "smoothed_sparse_crossentropy",
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.label_smoothing = check_label_smoothing("label_smoothing", label_smoothing)

    def call(self, y_true, y_pred):
        n_classes = y_pred.shape[-1]
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        target = keras.ops.one_hot(labels, n_classes)
        target = target * (1.0 - self.label_smoothing) + self.label_smoothing / n_classes
        return keras.losses.categorical_crossentropy(target, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
