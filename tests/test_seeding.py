"""audiolab.seeding: the same draws for a seed, and no global state left behind."""

from __future__ import annotations

import random

import numpy as np
import pytest

from audiolab.errors import ParameterError

pytestmark = pytest.mark.slow  # imports TensorFlow


def _draws():
    import keras

    return (random.random(), float(np.random.rand()),
            float(keras.random.uniform((1,), seed=None)[0]))


def test_a_block_draws_the_same_numbers_for_a_seed_and_leaves_the_global_state_as_it_was():
    from tensorflow.python.framework import config as tf_config

    from audiolab import seeding

    random.seed(123)
    np.random.seed(123)
    python_before, numpy_before = random.getstate(), np.random.get_state()
    was_deterministic = tf_config.is_op_determinism_enabled()
    with seeding.seeded(7):
        first = _draws()
        assert tf_config.is_op_determinism_enabled()
    assert random.getstate() == python_before
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), numpy_before, strict=True))
    assert tf_config.is_op_determinism_enabled() == was_deterministic
    with seeding.seeded(7, deterministic=False):
        assert _draws() == first
    with seeding.seeded(8, deterministic=False):
        assert _draws() != first


def test_a_bad_seed_is_refused_before_tensorflow_is_touched():
    from audiolab import seeding

    with pytest.raises(ParameterError, match="seed"):
        with seeding.seeded(-1):
            pass
