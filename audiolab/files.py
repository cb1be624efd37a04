"""Writing files safely: one atomic write and one JSON encoder for the whole package.

Every file audiolab writes (audio, statistics, models, sidecars, C arrays,
manifests) goes through :func:`atomic_write`: the content is written to a
hidden temporary file in the same folder, then renamed over the target, so an
interrupted write never leaves half a file behind and a reader sees either
the old file or the new one. :func:`to_json` turns NumPy values, tuples and
paths into plain JSON. :func:`why_missing` says why a path is not there.

This module is the lowest layer of the package: it imports nothing from
audiolab.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["atomic_write", "restored_on_failure", "json_ready", "to_json", "why_missing"]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place if the block succeeds.

    The temporary name is hidden (it starts with a dot), unique to the
    process, and keeps the target's ending, since some writers (Keras,
    soundfile) choose the format by it. If the block raises, the temporary
    file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its folder must exist.

    Yields
    ------
    pathlib.Path
        Where to write the content.

    Examples
    --------
    >>> with atomic_write("settings.json") as temporary:  # doctest: +SKIP
    ...     temporary.write_text("{}")
    """
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


@contextlib.contextmanager
def restored_on_failure(path: str | os.PathLike) -> Iterator[None]:
    """Put ``path`` back as it was if the block raises: for files written as a pair.

    Two :func:`atomic_write` calls are two renames; if the second fails, this
    undoes the first: the file that was at ``path`` before the block comes
    back, or ``path`` is removed if there was none.

    Examples
    --------
    >>> with restored_on_failure("m.tflite"):  # doctest: +SKIP
    ...     with atomic_write("m.tflite.json") as settings, atomic_write("m.tflite") as model:
    ...         ...
    """
    path = Path(path)
    backup = None
    if path.is_file():
        backup = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.previous")
        try:
            os.link(path, backup)
        except OSError:  # a file system without hard links
            shutil.copy2(path, backup)
    try:
        yield
    except BaseException:
        if backup is not None:
            os.replace(backup, path)
        else:
            path.unlink(missing_ok=True)
        raise
    finally:
        if backup is not None:
            backup.unlink(missing_ok=True)


def json_ready(value: Any) -> Any:
    """NumPy scalars and arrays, tuples, mappings and paths as plain JSON values.

    Examples
    --------
    >>> json_ready({"mean": np.float32(0.5), "shape": (2, 3)})
    {'mean': 0.5, 'shape': [2, 3]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def to_json(value: Any) -> str:
    """``value`` as indented JSON with sorted keys (see :func:`json_ready`)."""
    return json.dumps(json_ready(value), indent=2, sort_keys=True)


def why_missing(path: Path, what: str = "file") -> str:
    """Why ``path``, which ``exists()`` calls missing, is not there: ``no such file``, or a link's fault.

    A symbolic link loop or a link to nothing are named as such, not as a missing file.
    """
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symbolic link loop (the links point at each other)"
    if path.is_symlink():
        return f"a symbolic link to {os.readlink(path)}, which does not exist"
    return f"no such {what}"
