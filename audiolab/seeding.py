"""Seeding: the same random numbers on every run, for a session or for one block.

:func:`reproducible` seeds Python, NumPy, TensorFlow and Keras and switches on
TensorFlow's op determinism for the rest of the session (a lesson's choice,
made once at its top); :func:`seeded` does the same for one block and puts the
global state back, so a library call or an exercise check leaves none behind.
TensorFlow is imported when a function is called, not with this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from .quiet import import_keras
from .validation import check_nonnegative_int

__all__ = ["reproducible", "seeded"]


def reproducible(seed: int = 0) -> None:
    """Seed every random generator and make TensorFlow's operations deterministic, from now on.

    Calls ``keras.utils.set_random_seed(seed)`` (Python's ``random``, NumPy's
    global generator and TensorFlow's) and
    ``tf.config.experimental.enable_op_determinism()``, so that building and
    training a model again with the same seed, on the same machine, gives
    the same weights. Call it before building the model: the initial weights
    are drawn then. This changes the whole session (a lesson's choice, made
    once at its top); :func:`seeded` does the same for one block only.

    Parameters
    ----------
    seed : int >= 0

    Taught in lesson 07 (a CNN on spectrograms).
    """
    seed = check_nonnegative_int("seed", seed)
    keras = import_keras()
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


@contextlib.contextmanager
def seeded(seed: int, *, deterministic: bool = True) -> Iterator[None]:
    """Run a block as :func:`reproducible` would, then put the global random state back.

    Inside the block Python's, NumPy's, TensorFlow's and Keras's generators
    are seeded with ``seed`` and (with ``deterministic``) TensorFlow's op
    determinism is on. On leaving, Python's and NumPy's generators continue
    where they were before the block, Keras's global seed is what it was, and
    op determinism is switched off again if it was off: a library call
    leaves no global state behind. (TensorFlow's own global seed stays set.)

    Parameters
    ----------
    seed : int >= 0
    deterministic : bool
        Switch on TensorFlow's op determinism for the block.

    Examples
    --------
    >>> with seeded(0):  # doctest: +SKIP
    ...     model = models.build_cnn((40, 101), 10)
    """
    import random

    seed = check_nonnegative_int("seed", seed)
    keras = import_keras()
    import tensorflow as tf

    # Keras and TensorFlow keep the global seed and the determinism switch in private
    # places; with a release that moves them, the block still runs seeded, but Keras's
    # seed and the switch are left as the block set them.
    try:
        from keras.src.backend.common import global_state
        from keras.src.random import seed_generator
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED

        keras_names = (GLOBAL_RANDOM_SEED, seed_generator.GLOBAL_SEED_GENERATOR)
    except ImportError:
        global_state, keras_names = None, ()
    try:
        from tensorflow.python.framework import config as tf_config

        was_deterministic = tf_config.is_op_determinism_enabled()
    except (ImportError, AttributeError):
        tf_config, was_deterministic = None, True

    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras_state = {name: global_state.get_global_attribute(name) for name in keras_names}
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        for name, value in keras_state.items():
            global_state.set_global_attribute(name, value)
        if deterministic and not was_deterministic:
            tf_config.disable_op_determinism()
