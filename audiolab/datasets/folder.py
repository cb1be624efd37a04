"""Class-per-folder datasets: the layout practitioners bring their recordings in.

::

    root/                         root/
        dog/a.wav                     train/dog/a.wav
        dog/b.flac       or           train/cat/c.wav
        cat/c.wav                     val/...   test/...

:func:`load_folder` reads either layout into an :class:`AudioDataset`: the
clips (or only their paths), integer labels, the sorted class names, and the
split of every clip. A ``metadata.csv`` at the root (written by
:func:`make_speech_dataset` and ``audiolab data fsdd``) adds per-clip columns
such as the speaker and the split. Broken files are skipped with one warning.

Used from lesson 04 on; taught in lesson 05 ("preparing a dataset").
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import AudioFileError, AudiolabWarning, ParameterError
from ..files import why_missing
from ..io import AUDIO_EXTENSIONS, info, load
from ..preprocess import pad_or_crop
from ..validation import check_choice, check_positive, check_positive_int
from ._common import DatasetError, PathLike, auto_progress, progress_bar

__all__ = ["AudioDataset", "load_folder", "load_folder_with_notes", "SPLITS"]

#: The split names, in order. Folder names ``valid`` and ``validation`` mean ``val``.
SPLITS = ("train", "val", "test")
_SPLIT_ALIASES = {"train": "train", "val": "val", "valid": "val", "validation": "val",
                  "test": "test"}
METADATA = "metadata.csv"


@dataclass
class AudioDataset:
    """Labelled clips: what every dataset loader of ``audiolab`` returns.

    Attributes
    ----------
    paths : list of pathlib.Path [length n]
        The files, in a stable order (class, then file name).
    labels : np.ndarray [shape=(n,)], int64
        Index of each clip's class in ``class_names``.
    class_names : list of str
        The classes, sorted (so ``class_names[labels[i]]`` is clip i's class).
    clips : list of np.ndarray, np.ndarray [shape=(n, n_samples)] or None
        The samples, float32 at ``sr``: a list of 1-D arrays of different
        lengths, a 2-D array when a fixed ``duration`` was asked for, or None
        when only the paths were loaded.
    sr : int or None
        Sample rate of ``clips`` (None if the clips were not loaded and
        no rate was asked for).
    split : np.ndarray [shape=(n,)] of str, or None
        ``"train"``, ``"val"`` or ``"test"`` per clip, when the dataset
        defines its splits (folders, ``metadata.csv`` or an official split).
    groups : np.ndarray [shape=(n,)] of str, or None
        The group of each clip for group-aware splits: the speaker (FSDD,
        synthetic speech, Speech Commands) or the official fold (ESC-50).
    metadata : dict of str to np.ndarray [shape=(n,)]
        Further per-clip columns (``take``, ``voice``, ``fold``, ...).
    broken : list of pathlib.Path
        Files that could not be read and were skipped (``n_broken`` counts them).
    root : pathlib.Path or None
        The dataset's folder.

    Examples
    --------
    >>> ds = load_folder("my_recordings", duration=1.0)  # doctest: +SKIP
    >>> ds.clips.shape, ds.class_names  # doctest: +SKIP
    ((120, 16000), ['cat', 'dog'])
    >>> train = ds.subset(split="train")  # doctest: +SKIP

    Used from lesson 04 on; taught in lesson 05 ("preparing a dataset").
    """

    paths: list[Path]
    labels: NDArray[np.int64]
    class_names: list[str]
    clips: list[NDArray[np.float32]] | NDArray[np.float32] | None = None
    sr: int | None = None
    split: NDArray[np.str_] | None = None
    groups: NDArray[np.str_] | None = None
    metadata: dict[str, NDArray[Any]] = field(default_factory=dict)
    broken: list[Path] = field(default_factory=list)
    root: Path | None = None

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def n_broken(self) -> int:
        """How many files were skipped because they could not be read."""
        return len(self.broken)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def label_names(self) -> list[str]:
        """The class name of every clip."""
        return [self.class_names[i] for i in self.labels]

    def counts(self) -> dict[str, int]:
        """Clips per class, in ``class_names`` order."""
        numbers = np.bincount(self.labels, minlength=self.n_classes)
        return {name: int(n) for name, n in zip(self.class_names, numbers, strict=True)}

    def subset(
        self,
        indices: Sequence[int] | NDArray[Any] | None = None,
        *,
        split: str | None = None,
    ) -> AudioDataset:
        """Return the clips at ``indices`` (ints or a boolean mask), or of one ``split``.

        Class names stay the same, so labels keep their meaning.

        Raises
        ------
        ParameterError
            If both or neither argument is given, an index is out of range,
            or the dataset has no split information.
        """
        if (indices is None) == (split is None):
            raise ParameterError("give either indices or split to subset()")
        if split is not None:
            if self.split is None:
                raise ParameterError("this dataset has no splits; use indices, or train_val_test_split")
            name = _SPLIT_ALIASES.get(split) if isinstance(split, str) else None
            if name is None:
                raise ParameterError(f"split must be 'train', 'val' or 'test', got {split!r}")
            index = np.flatnonzero(self.split == name)
        else:
            index = np.asarray(indices)
            if index.dtype == bool:
                if index.shape != (len(self),):
                    raise ParameterError(
                        f"a boolean mask must have shape ({len(self)},), got {index.shape}"
                    )
                index = np.flatnonzero(index)
            elif index.size and not np.issubdtype(index.dtype, np.integer):
                raise ParameterError("indices must be integers or a boolean mask")
            index = index.astype(np.int64).ravel()
            if index.size and (index.min() < -len(self) or index.max() >= len(self)):
                raise ParameterError(f"indices out of range for a dataset of {len(self)} clips")
        if isinstance(self.clips, np.ndarray):
            clips = self.clips[index]
        elif self.clips is not None:
            clips = [self.clips[i] for i in index]
        else:
            clips = None
        return replace(
            self,
            paths=[self.paths[i] for i in index],
            labels=self.labels[index],
            clips=clips,
            split=None if self.split is None else self.split[index],
            groups=None if self.groups is None else self.groups[index],
            metadata={k: v[index] for k, v in self.metadata.items()},
            broken=list(self.broken),
        )

    def __repr__(self) -> str:
        parts = [f"{len(self)} clips", f"{self.n_classes} classes"]
        if self.split is not None:
            names, numbers = np.unique(self.split, return_counts=True)
            order = {s: i for i, s in enumerate(SPLITS)}
            pairs = sorted(zip(names, numbers, strict=True), key=lambda p: order.get(p[0], 9))
            parts.append("/".join(f"{n} {s}" for s, n in pairs))
        if self.clips is None:
            parts.append("paths only")
        elif isinstance(self.clips, np.ndarray):
            parts.append(f"clips {self.clips.shape}")
        if self.sr:
            parts.append(f"sr={self.sr}")
        if self.broken:
            parts.append(f"{self.n_broken} broken")
        where = f" from {self.root}" if self.root else ""
        return f"AudioDataset({', '.join(parts)}{where})"


# ---------------------------------------------------------------------------
# Scanning
# ---------------------------------------------------------------------------


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("__")


def _audio_files(folder: Path) -> list[Path]:
    """Audio files under ``folder`` (recursively), hidden ones skipped, sorted."""
    found = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        for name in files:
            if not _hidden(name) and os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS:
                found.append(Path(current) / name)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def _subfolders(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_dir() and not _hidden(p.name)),
                  key=lambda p: p.name)


@dataclass
class _Scan:
    root: Path
    has_split_folders: bool
    files: list[tuple[Path, str, str | None]]  # (path, class, split)
    class_names: list[str]
    #: Class folders (relative to the root) without audio files, whose class is left out.
    empty: list[str] = field(default_factory=list)


def _check_folder(path: PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise ParameterError(f"path must be a folder name, got {path!r}")
    folder = Path(path).expanduser()
    if not folder.exists():
        raise DatasetError(f"{folder}: {why_missing(folder, 'folder')}")
    if not folder.is_dir():
        raise DatasetError(f"{folder}: is a file, not a dataset folder")
    return folder


def _looks_like_split(folder: Path) -> bool:
    """A folder named like a split (``train``, ``valid``, ...) that holds class folders."""
    return _SPLIT_ALIASES.get(folder.name.lower()) is not None and bool(_subfolders(folder))


def _scan(path: PathLike) -> _Scan:
    root = _check_folder(path)
    subfolders = _subfolders(root)
    split_names = [_SPLIT_ALIASES.get(p.name.lower()) for p in subfolders]
    has_splits = bool(subfolders) and all(split_names)
    if not has_splits and any(_looks_like_split(p) for p in subfolders):
        # train/ and test/ beside other folders: reading them all as classes would train
        # a model whose classes are "train", "test" and the stray ones.
        strays = [p.name for p, split in zip(subfolders, split_names, strict=True) if not split]
        splits = [f"{p.name}/" for p, split in zip(subfolders, split_names, strict=True) if split]
        raise DatasetError(
            f"{root}: holds the split folders {', '.join(splits)} and also "
            f"{', '.join(f'{name}/' for name in strays)}, which "
            f"{'is not a split' if len(strays) == 1 else 'are not splits'}; move "
            f"{'it' if len(strays) == 1 else 'them'} into the split folders (as class "
            f"folders) or out of {root}"
        )
    files: list[tuple[Path, str, str | None]] = []
    folders: list[tuple[Path, str]] = []  # (class folder, class)
    if has_splits:
        for folder, split in zip(subfolders, split_names, strict=True):
            for class_folder in _subfolders(folder):
                found = _audio_files(class_folder)
                folders.append((class_folder, class_folder.name))
                files += [(f, class_folder.name, split) for f in found]
    else:
        for class_folder in subfolders:
            folders.append((class_folder, class_folder.name))
            files += [(f, class_folder.name, None) for f in _audio_files(class_folder)]
    if not files:
        if not subfolders:
            problem = "it holds no class folders"
        else:
            problem = "its class folders hold no audio files"
        raise DatasetError(
            f"{root}: not a class-per-folder dataset: {problem}. Expected "
            f"{root}/<class>/<clip>.wav (or train/, val/, test/ folders holding class "
            f"folders); audio endings: {', '.join(AUDIO_EXTENSIONS)}"
        )
    class_names = sorted({c for _, c, _ in files})
    empty = sorted(folder.relative_to(root).as_posix() for folder, name in folders
                   if name not in class_names)
    return _Scan(root, has_splits, files, class_names, empty)


def _warn_empty(scan: _Scan) -> None:
    if scan.empty:
        warnings.warn(
            f"{scan.root}: the class folder(s) {', '.join(scan.empty)} hold no audio files; "
            f"their class(es) are left out",
            AudiolabWarning,
            stacklevel=3,
        )


def _read_metadata(root: Path) -> dict[str, dict[str, str]]:
    """``metadata.csv`` rows keyed by their ``file`` column (relative, POSIX); {} if none."""
    file = root / METADATA
    if not file.is_file():
        return {}
    try:
        with open(file, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "file" not in reader.fieldnames:
                return {}
            return {row["file"].replace("\\", "/"): row for row in reader if row.get("file")}
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        warnings.warn(f"{file}: cannot read it ({error}); ignoring it", AudiolabWarning,
                      stacklevel=3)
        return {}


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _read_clips(
    paths: list[Path],
    *,
    sr: int | None,
    duration: float | None,
    load_audio: bool,
    progress: bool | None,
    desc: str,
) -> tuple[list[int], list[NDArray[np.float32]] | NDArray[np.float32] | None, int | None,
           list[tuple[Path, str]]]:
    """Read (or check) every file: (kept indices, clips, sr, [(broken path, reason)])."""
    kept: list[int] = []
    clips: list[NDArray[np.float32]] = []
    rates: set[int] = set()
    broken: list[tuple[Path, str]] = []
    # With a known rate and length, clips go straight into one array (no list
    # of clips beside it: that doubled the memory of loading FSDD).
    fixed = (np.zeros((len(paths), int(round(duration * sr))), np.float32)
             if load_audio and duration is not None and sr is not None else None)
    bar = progress_bar(len(paths), enabled=auto_progress(progress, len(paths)), desc=desc)
    try:
        for i, path in enumerate(paths):
            try:
                if load_audio:
                    y, rate = load(path, sr=sr)
                    if fixed is not None:
                        fixed[len(kept)] = pad_or_crop(y, fixed.shape[1])
                    else:
                        clips.append(y)
                else:
                    meta = info(path)
                    if meta.frames == 0:
                        raise AudioFileError(f"{path}: the file holds no samples")
                    rate = meta.sr if sr is None else sr
            except AudioFileError as error:
                broken.append((path, str(error)))
            else:
                kept.append(i)
                rates.add(int(rate))
            bar.update()
    finally:
        bar.close()
    out_sr = sr if sr is not None else (rates.pop() if len(rates) == 1 else None)
    if sr is None and len(rates) > 1 and (load_audio or duration is not None):
        raise DatasetError(
            f"the files have different sample rates ({', '.join(map(str, sorted(rates)))} Hz); "
            f"pass sr=16000 (for example) to resample them to one rate"
        )
    result: list[NDArray[np.float32]] | NDArray[np.float32] | None = clips if load_audio else None
    if fixed is not None:
        result = fixed if len(kept) == len(paths) else fixed[: len(kept)].copy()
    elif load_audio and duration is not None:
        n = int(round(duration * out_sr))
        result = (np.stack([pad_or_crop(y, n) for y in clips]) if clips
                  else np.zeros((0, n), np.float32))
    return kept, result, out_sr, broken


def _warn_broken(root: Path, broken: list[tuple[Path, str]], total: int) -> None:
    if not broken:
        return
    shown = "; ".join(reason for _, reason in broken[:10])
    more = f"; and {len(broken) - 10} more" if len(broken) > 10 else ""
    warnings.warn(
        f"{len(broken)} of {total} audio files in {root} could not be read and were "
        f"skipped: {shown}{more}",
        AudiolabWarning,
        stacklevel=3,
    )


def _check_common(sr: object, duration: object, load_audio: object) -> tuple[int | None, float | None]:
    if sr is not None:
        sr = check_positive_int("sr", sr)
    if duration is not None:
        duration = check_positive("duration", duration)
        if not load_audio:
            raise ParameterError("duration needs load_audio=True (it pads or crops the clips)")
    if not isinstance(load_audio, bool):
        raise ParameterError(f"load_audio must be True or False, got {load_audio!r}")
    return sr, duration


def _check_split(split: object) -> str | None:
    if split is None:
        return None
    name = _SPLIT_ALIASES.get(split.lower()) if isinstance(split, str) else None
    if name is None:
        raise ParameterError(f"split must be None, 'train', 'val' or 'test'; got {split!r}")
    return name


def load_folder(
    path: PathLike,
    *,
    sr: int | None = 16000,
    duration: float | None = None,
    split: str | None = None,
    load_audio: bool = True,
    progress: bool | None = None,
    on_broken: str = "warn",
) -> AudioDataset:
    """Load a class-per-folder dataset: one folder per class, audio files inside.

    Two layouts are recognised: ``path/<class>/<file>`` and
    ``path/<split>/<class>/<file>`` where every folder directly under
    ``path`` is one of ``train``, ``val`` (or ``valid``, ``validation``) and
    ``test``. Class folders may hold sub-folders. Hidden files and folders
    (``.name``, ``__name``) and files that are not audio (by their ending,
    see :data:`audiolab.io.AUDIO_EXTENSIONS`) are skipped. A ``metadata.csv``
    at the root with a ``file`` column (path relative to the root) adds its
    other columns to ``metadata``; its ``split`` column gives the splits of a
    layout without split folders, and its ``speaker`` column the ``groups``.

    Parameters
    ----------
    path : str or os.PathLike
        The dataset's folder.
    sr : int or None
        Resample every clip to this rate (Hz); None keeps the files' rate
        (they must then all have the same).
    duration : float or None
        Centre-crop or zero-pad every clip to this many seconds; ``clips`` is
        then one 2-D array.
    split : {None, "train", "val", "test"}
        Load only this split (from the split folders or ``metadata.csv``).
        Class names and labels are those of the whole dataset either way.
    load_audio : bool
        False reads only the files' headers (to find broken ones) and leaves
        ``clips`` None: for pipelines that load files themselves.
    progress : bool or None
        Show a progress bar; None shows one for 500 files or more, in a terminal
        (a notebook shows none unless asked: True draws a widget there).
    on_broken : {"warn", "skip", "raise"}
        What to do about files that cannot be read: skip them with one
        warning, skip them silently, or raise (after reading every file, so
        the error says how many there are).

    Returns
    -------
    AudioDataset
        ``paths``, ``labels`` (int64), ``class_names`` (sorted), ``clips``
        (list of float32 arrays, or an array of shape ``(n, round(duration *
        sr))``), ``sr``, ``split``, ``groups``, ``metadata``, ``broken``.

    Raises
    ------
    DatasetError
        If the folder does not exist, has no class folders with audio files,
        has split folders beside other folders (``train/``, ``test/`` and a
        stray ``extra/``: the message names the stray ones), has no split
        information when ``split`` is given, or every file is broken. The
        message names the folder.
    ParameterError
        If an argument is invalid.

    Warns
    -----
    AudiolabWarning
        Once, listing the files that could not be read; they are skipped and
        listed in ``broken``. Once, naming the class folders that hold no
        audio files (their classes are left out).

    See Also
    --------
    AudioDataset, make_speech_dataset, train_val_test_split, audiolab.io.load

    Examples
    --------
    >>> ds = load_folder("recordings", duration=1.0)  # doctest: +SKIP
    >>> ds.clips.shape, ds.class_names  # doctest: +SKIP
    ((120, 16000), ['cat', 'dog'])

    Used from lesson 04 on; taught in lesson 05 ("preparing a dataset").
    """
    sr, duration = _check_common(sr, duration, load_audio)
    check_choice("on_broken", on_broken, ("warn", "skip", "raise"))
    wanted = _check_split(split)
    scan = _scan(path)
    _warn_empty(scan)
    root = scan.root
    metadata_rows = _read_metadata(root)
    relative = [f.relative_to(root).as_posix() for f, _, _ in scan.files]

    splits: list[str | None] = [s for _, _, s in scan.files]
    if not scan.has_split_folders:
        from_metadata = [(_SPLIT_ALIASES.get(metadata_rows.get(r, {}).get("split", "").lower()))
                         for r in relative]
        if metadata_rows and any(from_metadata):
            splits = from_metadata
    has_split = any(s is not None for s in splits)
    if wanted is not None and not has_split:
        raise DatasetError(
            f"{root}: has no train/, val/ and test/ folders and no metadata.csv with a split "
            f"column, so split={split!r} cannot be chosen; load it all and use "
            f"train_val_test_split"
        )

    chosen = [i for i, s in enumerate(splits) if wanted is None or s == wanted]
    if not chosen:
        raise DatasetError(f"{root}: the {wanted!r} split holds no audio files")
    paths = [scan.files[i][0] for i in chosen]
    kept, clips, out_sr, broken = _read_clips(
        paths, sr=sr, duration=duration, load_audio=load_audio, progress=progress,
        desc=f"loading {root.name}",
    )
    if not kept:
        raise DatasetError(
            f"{root}: none of its {len(paths)} audio files could be read; the first: "
            f"{broken[0][1]}"
        )
    if broken and on_broken == "raise":
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        raise DatasetError(
            f"{broken[0][1]}{more}; fix or remove the broken file(s), or skip them "
            f"(on_broken='skip'; audiolab's --skip-broken)"
        )
    if on_broken == "warn":
        _warn_broken(root, broken, len(paths))
    index = [chosen[i] for i in kept]

    class_index = {name: i for i, name in enumerate(scan.class_names)}
    labels = np.array([class_index[scan.files[i][1]] for i in index], dtype=np.int64)
    split_array = (np.array([splits[i] or "" for i in index], dtype=str) if has_split else None)

    metadata: dict[str, NDArray[Any]] = {}
    groups = None
    if metadata_rows:
        columns = [c for c in next(iter(metadata_rows.values())) if c not in ("file", "label", "split")]
        for column in columns:
            metadata[column] = np.array(
                [metadata_rows.get(relative[i], {}).get(column, "") or "" for i in index], dtype=str
            )
        if "speaker" in metadata and any(metadata["speaker"]):
            groups = metadata["speaker"]
    return AudioDataset(
        paths=[scan.files[i][0] for i in index],
        labels=labels,
        class_names=list(scan.class_names),
        clips=clips,
        sr=out_sr,
        split=split_array,
        groups=groups,
        metadata=metadata,
        broken=[p for p, _ in broken],
        root=root,
    )


def load_folder_with_notes(
    path: PathLike, *, sr: int, duration: float, skip_broken: bool = False
) -> tuple[AudioDataset, list[str]]:
    """:func:`load_folder` for a model: warnings returned as notes, broken files an error.

    What ``audiolab train`` and ``audiolab evaluate`` read: every clip at the
    model's rate and length; an unreadable file stops the run (naming it)
    unless ``skip_broken``; the warnings (skipped files, an unreadable
    ``metadata.csv``) come back as one-line notes to print.

    Returns
    -------
    dataset : AudioDataset
    notes : list of str
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AudiolabWarning)
        dataset = load_folder(path, sr=sr, duration=duration, progress=False,
                              on_broken="warn" if skip_broken else "raise")
    notes = [str(w.message) for w in caught if issubclass(w.category, AudiolabWarning)]
    return dataset, notes
