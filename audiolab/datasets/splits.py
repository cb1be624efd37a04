"""Train/validation/test splits and k-fold cross-validation, on scikit-learn.

Two rules the course teaches: keep the class proportions the same in every
split (*stratified*), and never let one speaker (or recording session) be in
two splits (*group-aware*), or the test set measures how well the model
recognises voices it has heard rather than words.

All functions return index arrays, are seeded, and check their arguments
before calling scikit-learn (imported only when a function is called).

Used from lesson 05 on; taught in lesson 10 (evaluation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ParameterError

__all__ = ["Split", "dataset_fingerprint", "kfold", "split_indices", "train_val_test_split",
           "untrained_classes"]


class Split(NamedTuple):
    """Indices of the training, validation and test clips (sorted, int64)."""

    train: NDArray[np.int64]
    val: NDArray[np.int64]
    test: NDArray[np.int64]


def _listed(values: list[Any], most: int = 12) -> str:
    """``'a', 'b'``, every one up to ``most``, then how many more."""
    shown = ", ".join(map(repr, values[:most]))
    return shown + (f" and {len(values) - most} more" if len(values) > most else "")


def _check_class_sizes(labels: NDArray[Any], class_names: list[str], needed: int) -> None:
    """Refuse, by name, the classes with fewer than ``needed`` clips (of those with any)."""
    counts = np.bincount(labels.astype(np.int64), minlength=len(class_names))
    rare = [str(class_names[i]) for i in np.flatnonzero((counts > 0) & (counts < needed))]
    if rare:
        raise ParameterError(
            f"class(es) {_listed(rare)} have fewer than {needed} clips, too few to be in "
            f"every split; collect more or merge classes"
        )


def _check_labels(labels: ArrayLike, name: str = "labels") -> NDArray[Any]:
    array = np.asarray(labels)
    if array.ndim != 1 or array.size == 0:
        raise ParameterError(f"{name} must be a non-empty 1-D sequence, got shape {array.shape}")
    if array.dtype.kind not in "iuUSObf":
        raise ParameterError(f"{name} must hold class labels (ints or strings), got {array.dtype}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ParameterError(f"{name} contains NaN or infinity")
    return array


def _check_groups(groups: ArrayLike | None, n: int) -> NDArray[Any] | None:
    if groups is None:
        return None
    array = _check_labels(groups, "groups")
    if len(array) != n:
        raise ParameterError(f"groups has {len(array)} entries but labels has {n}")
    return array


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ParameterError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
    return int(seed)


def _check_fractions(fractions: object) -> tuple[float, float, float]:
    if isinstance(fractions, str) or not isinstance(fractions, Sequence) or len(fractions) != 3:
        raise ParameterError(
            f"fractions must be three numbers (train, val, test), got {fractions!r}"
        )
    values = []
    for value in fractions:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(f"fractions must hold numbers, got {fractions!r}")
        if not 0.0 <= float(value) <= 1.0:
            raise ParameterError(f"fractions must each lie between 0 and 1, got {fractions!r}")
        values.append(float(value))
    if abs(sum(values) - 1.0) > 1e-6:
        raise ParameterError(
            f"fractions must add up to 1, got {fractions!r} (sum {sum(values):g})"
        )
    if values[0] == 0:
        raise ParameterError(f"fractions must give the training split a share, got {fractions!r}")
    return values[0], values[1], values[2]


def _sizes(n: int, fractions: tuple[float, float, float], what: str) -> tuple[int, int]:
    """Validation and test sizes out of ``n`` items (at least 1 where asked for)."""
    n_val = max(1, int(round(fractions[1] * n))) if fractions[1] > 0 else 0
    n_test = max(1, int(round(fractions[2] * n))) if fractions[2] > 0 else 0
    if n - n_val - n_test < 1:
        raise ParameterError(
            f"{n} {what} are too few for fractions {fractions}: "
            f"{n_val} val + {n_test} test leave none to train on"
        )
    return n_val, n_test


def train_val_test_split(
    labels: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> Split:
    """Split clips into training, validation and test sets (80:10:10 by default).

    Without ``groups`` the split is *stratified*: each class keeps its
    proportion in every split (scikit-learn's ``StratifiedShuffleSplit``).
    With ``groups`` (e.g. speaker names) it is *group-aware*: all clips of a
    group go to the same split, and the fractions are shares of the groups
    (``GroupShuffleSplit``). Group-aware splits are not stratified; datasets
    where every speaker says every word stay balanced anyway.

    Parameters
    ----------
    labels : array-like [shape=(n,)]
        Class of each clip (ints or strings).
    groups : array-like [shape=(n,)] or None
        Group of each clip (speaker, session, fold, ...).
    fractions : (float, float, float)
        Shares of train, validation and test; they must add up to 1. A share
        of 0 gives an empty split.
    seed : int
        Seed of the shuffling; the same seed gives the same split.

    Returns
    -------
    Split
        ``(train, val, test)`` index arrays (int64, sorted) into ``labels``.

    Raises
    ------
    ParameterError
        If the fractions do not add up to 1, a class has too few clips to be
        in every split (stratified), or there are too few groups.

    See Also
    --------
    kfold, AudioDataset.subset

    Examples
    --------
    >>> labels = [0, 1] * 50
    >>> train, val, test = train_val_test_split(labels, seed=0)
    >>> len(train), len(val), len(test)
    (80, 10, 10)
    >>> speakers = [f"s{i // 10}" for i in range(100)]
    >>> split = train_val_test_split(labels, groups=speakers)
    >>> len({speakers[i] for i in split.test}), len({speakers[i] for i in split.val})
    (1, 1)

    Used from lesson 05 on; taught in lesson 10 (evaluation).
    """
    labels = _check_labels(labels)
    groups = _check_groups(groups, len(labels))
    fractions = _check_fractions(fractions)
    seed = _check_seed(seed)
    everything = np.arange(len(labels), dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)

    if groups is None:
        n_val, n_test = _sizes(len(labels), fractions, "clips")
        classes, counts = np.unique(labels, return_counts=True)
        needed = 1 + (n_val > 0) + (n_test > 0)
        if counts.min() < needed:
            rare = classes[counts < needed].tolist()
            raise ParameterError(
                f"class(es) {_listed(rare)} have fewer than {needed} clips, "
                f"too few to be in every split; collect more or merge classes"
            )
        for size, name in ((n_val, "validation"), (n_test, "test")):
            if 0 < size < len(classes):
                raise ParameterError(
                    f"the {name} split would hold {size} clips, fewer than the {len(classes)} "
                    f"classes; use more data or larger fractions"
                )
        from sklearn.model_selection import StratifiedShuffleSplit

        def take(index: NDArray[np.int64], size: int, offset: int):
            if size == 0:
                return index, empty
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=size,
                                              random_state=seed + offset)
            try:
                keep, out = next(splitter.split(np.zeros(len(index)), labels[index]))
            except ValueError as error:
                raise ParameterError(f"cannot stratify these labels: {error}") from None
            return index[keep], index[out]

        rest, test = take(everything, n_test, 0)
        train, val = take(rest, n_val, 1)
    else:
        unique_groups = np.unique(groups)
        n_val, n_test = _sizes(len(unique_groups), fractions, "groups")
        from sklearn.model_selection import GroupShuffleSplit

        def take_groups(index: NDArray[np.int64], size: int, offset: int):
            if size == 0:
                return index, empty
            splitter = GroupShuffleSplit(n_splits=1, test_size=size, random_state=seed + offset)
            keep, out = next(splitter.split(np.zeros(len(index)), groups=groups[index]))
            return index[keep], index[out]

        rest, test = take_groups(everything, n_test, 0)
        train, val = take_groups(rest, n_val, 1)
    return Split(np.sort(train), np.sort(val), np.sort(test))


def kfold(
    labels: ArrayLike,
    *,
    n_splits: int = 5,
    groups: ArrayLike | None = None,
    seed: int = 0,
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """Stratified k-fold cross-validation, group-aware when ``groups`` is given.

    Uses scikit-learn's ``StratifiedKFold`` or, with groups,
    ``StratifiedGroupKFold`` (no group is in two folds; class proportions are
    kept as well as the groups allow), both shuffled with ``seed``.

    Parameters
    ----------
    labels : array-like [shape=(n,)]
        Class of each clip.
    n_splits : int
        Number of folds, at least 2.
    groups : array-like [shape=(n,)] or None
        Group of each clip (speaker, or ESC-50's official fold).
    seed : int
        Seed of the shuffling.

    Returns
    -------
    list of (train, test)
        ``n_splits`` pairs of int64 index arrays; every clip is in exactly
        one test fold.

    Raises
    ------
    ParameterError
        If ``n_splits`` is below 2, above the smallest class's size
        (stratified), or above the number of groups.

    See Also
    --------
    train_val_test_split

    Examples
    --------
    >>> folds = kfold([0, 1] * 10, n_splits=5)
    >>> len(folds), [len(test) for _, test in folds]
    (5, [4, 4, 4, 4, 4])

    Used from lesson 10 on (evaluation).
    """
    labels = _check_labels(labels)
    groups = _check_groups(groups, len(labels))
    seed = _check_seed(seed)
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ParameterError(f"n_splits must be an integer of at least 2, got {n_splits!r}")
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    x = np.zeros(len(labels))
    if groups is None:
        classes, counts = np.unique(labels, return_counts=True)
        if counts.min() < n_splits:
            rare = classes[counts < n_splits].tolist()
            raise ParameterError(
                f"n_splits={n_splits} is more than the {counts.min()} clips of class(es) "
                f"{_listed(rare)}; use fewer folds"
            )
        splitter = StratifiedKFold(n_splits=int(n_splits), shuffle=True, random_state=seed)
        folds = splitter.split(x, labels)
    else:
        n_groups = len(np.unique(groups))
        if n_groups < n_splits:
            raise ParameterError(
                f"n_splits={n_splits} is more than the {n_groups} groups; use fewer folds"
            )
        splitter = StratifiedGroupKFold(n_splits=int(n_splits), shuffle=True, random_state=seed)
        folds = splitter.split(x, labels, groups)
    try:
        return [(np.sort(train).astype(np.int64), np.sort(test).astype(np.int64))
                for train, test in folds]
    except ValueError as error:
        raise ParameterError(f"cannot make {n_splits} folds: {error}") from None


# ---------------------------------------------------------------------------
# The split audiolab train makes of a folder, and how it is recognised again
# ---------------------------------------------------------------------------


def dataset_fingerprint(dataset: Any) -> str:
    """A SHA-256 (16 hex digits) of a dataset's files and classes, relative to its root.

    ``audiolab train`` saves it with the model; ``audiolab evaluate`` makes
    the same split again only for a dataset with the same fingerprint.
    """
    root = dataset.root
    lines = []
    for path, label in zip(dataset.paths, dataset.labels, strict=True):
        name = Path(path)
        try:
            name = name.relative_to(root) if root is not None else name
        except ValueError:
            pass
        lines.append(f"{name.as_posix()}\t{dataset.class_names[int(label)]}")
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()[:16]


def untrained_classes(dataset: Any) -> list[str]:
    """The classes of a dataset with its own splits that have no clip in ``train`` (sorted).

    Empty for a dataset without splits (a stratified split gives every class
    training clips).
    """
    if dataset.split is None:
        return []
    labels = np.asarray(dataset.labels)
    trained = set(labels[dataset.split == "train"].tolist())
    return sorted(dataset.class_names[i] for i in set(labels.tolist()) - trained)


def split_indices(
    dataset: Any, *, seed: int = 0, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> tuple[dict[str, NDArray[np.int64]], dict[str, Any]]:
    """The training, validation and test clips of a dataset, as ``audiolab train`` chooses them.

    - The dataset's own splits when it has them (``train/``, ``val/``,
      ``test/`` folders, or a ``split`` column in ``metadata.csv``). A
      missing validation split is taken from the training clips (stratified,
      a ninth of them, i.e. 10 % of train + val); so is a missing test split.
    - Otherwise a stratified split with ``fractions`` (80:10:10) and ``seed``.

    Parameters
    ----------
    dataset : AudioDataset
        From :func:`audiolab.datasets.load_folder`.
    seed : int
        Seed of the stratified shuffles.
    fractions : (float, float, float)
        Train, validation and test shares for a dataset without splits.

    Returns
    -------
    indices : dict
        ``{"train": ..., "val": ..., "test": ...}``, sorted int64 indices.
    description : dict
        How the split was made (``method``, ``seed``, ``fractions``, and the
        dataset's ``fingerprint``): saved with the model.

    Raises
    ------
    ParameterError
        If a split would be empty, a class has too few clips, or a class of
        the dataset's own splits has no training clips (named).
    """
    labels = np.asarray(dataset.labels)
    description: dict[str, Any] = {"seed": int(seed), "fingerprint": dataset_fingerprint(dataset)}
    if dataset.split is not None:
        parts = {name: np.flatnonzero(dataset.split == name).astype(np.int64)
                 for name in ("train", "val", "test")}
        if len(parts["train"]) == 0:
            raise ParameterError(f"{dataset.root}: the dataset has splits but no training clips")
        untrained = untrained_classes(dataset)
        if untrained:
            raise ParameterError(
                f"class(es) {', '.join(untrained)} have clips in the val or test split but "
                f"none in train: a model cannot learn them; add training clips or remove them"
            )
        carved = []
        for name in ("test", "val"):
            if len(parts[name]) == 0:
                train = parts["train"]
                _check_class_sizes(labels[train], dataset.class_names, 2)
                inner = train_val_test_split(labels[train], fractions=(8 / 9, 1 / 9, 0.0), seed=seed)
                parts[name] = np.sort(train[inner.val])
                parts["train"] = np.sort(train[inner.train])
                carved.append(name)
        description.update(method="dataset", carved_from_train=carved)
        return parts, description
    _check_class_sizes(labels, dataset.class_names,
                       1 + sum(1 for f in fractions[1:] if f > 0))
    split = train_val_test_split(labels, fractions=fractions, seed=seed)
    description.update(method="stratified", fractions=list(fractions))
    return {"train": split.train, "val": split.val, "test": split.test}, description
