"""Stratified and speaker-grouped splits, and k-fold cross-validation."""

from __future__ import annotations

import numpy as np
import pytest

from audiolab.datasets import Split, kfold, train_val_test_split
from audiolab.errors import ParameterError


@pytest.fixture
def imbalanced() -> np.ndarray:
    return np.repeat(["cat", "dog", "owl"], [500, 300, 200])


def test_stratified_split_keeps_class_proportions(imbalanced):
    split = train_val_test_split(imbalanced, seed=4)
    assert isinstance(split, Split)
    assert [len(part) for part in split] == [800, 100, 100]
    together = np.concatenate(split)
    assert sorted(together.tolist()) == list(range(1000))  # disjoint and complete
    for part, size in zip(split, (800, 100, 100), strict=True):
        for name, share in (("cat", 0.5), ("dog", 0.3), ("owl", 0.2)):
            assert abs((imbalanced[part] == name).sum() - share * size) <= 1
        assert np.all(np.diff(part) > 0) and part.dtype == np.int64


def test_splits_are_seeded(imbalanced):
    a = train_val_test_split(imbalanced, seed=1)
    b = train_val_test_split(imbalanced, seed=1)
    c = train_val_test_split(imbalanced, seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a.test, c.test)


def test_other_fractions_and_an_empty_validation_split(imbalanced):
    split = train_val_test_split(imbalanced, fractions=(0.7, 0.0, 0.3))
    assert [len(part) for part in split] == [700, 0, 300]


def test_group_split_never_puts_a_speaker_in_two_splits():
    rng = np.random.default_rng(0)
    speakers = np.repeat([f"s{i:02d}" for i in range(20)], 30)
    labels = np.tile(np.arange(10), 60)
    rng.shuffle(labels)
    split = train_val_test_split(labels, groups=speakers, seed=5)
    groups = [set(speakers[part]) for part in split]
    assert [len(g) for g in groups] == [16, 2, 2]
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    assert sum(len(part) for part in split) == 600
    again = train_val_test_split(labels, groups=speakers, seed=5)
    assert np.array_equal(split.test, again.test)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fractions": (0.8, 0.1, 0.2)}, "add up to 1"),
        ({"fractions": (0.8, 0.3, -0.1)}, "between 0 and 1"),
        ({"fractions": (0.0, 0.5, 0.5)}, "training"),
        ({"fractions": (0.8, 0.2)}, "three"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_fractions_and_seeds(imbalanced, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        train_val_test_split(imbalanced, **kwargs)


def test_too_little_data_is_a_clear_error():
    with pytest.raises(ParameterError, match="'rare'"):
        train_val_test_split(["common"] * 50 + ["rare"] * 2)
    with pytest.raises(ParameterError, match="fewer than the 5 classes"):
        train_val_test_split(np.repeat(np.arange(5), 4))
    with pytest.raises(ParameterError, match="groups"):
        train_val_test_split([0, 1, 0, 1], groups=["a", "a", "b", "b"])
    with pytest.raises(ParameterError, match="entries"):
        train_val_test_split([0, 1, 0], groups=["a", "b"])
    with pytest.raises(ParameterError, match="1-D"):
        train_val_test_split(np.zeros((4, 2), int))
    with pytest.raises(ParameterError, match="1-D"):
        train_val_test_split([])


def test_kfold_is_stratified_and_covers_every_clip(imbalanced):
    folds = kfold(imbalanced, n_splits=5, seed=0)
    assert len(folds) == 5
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(1000))
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == 1000
        assert (imbalanced[test] == "owl").sum() == 40


def test_grouped_kfold_keeps_groups_apart():
    speakers = np.repeat(np.arange(12), 10)
    labels = np.tile(np.arange(5), 24)
    folds = kfold(labels, groups=speakers, n_splits=4, seed=1)
    for train, test in folds:
        assert not set(speakers[train]) & set(speakers[test])
    assert sorted(np.concatenate([t for _, t in folds]).tolist()) == list(range(120))


def test_kfold_arguments_are_checked(imbalanced):
    with pytest.raises(ParameterError, match="n_splits"):
        kfold(imbalanced, n_splits=1)
    with pytest.raises(ParameterError, match="fewer folds"):
        kfold(["a"] * 3 + ["b"] * 10, n_splits=5)
    with pytest.raises(ParameterError, match="groups"):
        kfold([0, 1] * 5, groups=[0, 0, 0, 0, 0, 1, 1, 1, 1, 1], n_splits=3)
