"""Pieces shared by the dataset modules: errors, the cache folder, atomic folders.

Nothing here is specific to one dataset. The errors are re-exported by
:mod:`audiolab.datasets`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ..errors import DatasetError, DownloadError, ParameterError, SynthesisError

__all__ = [
    "DatasetError",
    "DownloadError",
    "SynthesisError",
    "data_home",
    "PathLike",
]

PathLike = str | os.PathLike

#: Environment variable naming the folder where datasets are cached and found.
DATA_ENV = "AUDIOLAB_DATA"


def data_home() -> Path:
    """Return the folder where ``audiolab`` caches and looks for datasets.

    ``$AUDIOLAB_DATA`` if that is set, otherwise ``$XDG_CACHE_HOME/audiolab``,
    otherwise ``~/.cache/audiolab``. The folder is not created here; the
    functions that write into it create it when they need it.

    Returns
    -------
    pathlib.Path
        The folder (absolute, ``~`` expanded).

    See Also
    --------
    speech_digits, load_fsdd

    Examples
    --------
    >>> data_home()  # doctest: +SKIP
    PosixPath('/home/me/.cache/audiolab')

    Used from lesson 04 on (the datasets of the course live here).
    """
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return (base / "audiolab").absolute()


def as_path(name: str, value: object) -> Path:
    """Return ``value`` as a Path, or raise a ParameterError naming ``name``."""
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        raise ParameterError(f"{name} must be a folder name, got {value!r}")
    return Path(value).expanduser()


# --------------------------------------------------------------------------
# Atomic folders: build in a hidden sibling, then rename into place.
# --------------------------------------------------------------------------

_PARTIAL = ".partial-"


def partial_sibling(target: Path) -> Path:
    """Return a fresh hidden folder beside ``target`` to build it in (created)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = target.parent / f".{target.name}{_PARTIAL}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    return folder


def _pid_alive(pid: int, folder: Path) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":
        # os.kill(pid, 0) would send Ctrl-C on Windows: call a build folder
        # abandoned when it has not changed for a day.
        try:
            return time.time() - folder.stat().st_mtime < 86400
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_partials(target: Path) -> None:
    """Delete hidden build folders of ``target`` left by processes that died."""
    prefix = f".{target.name}{_PARTIAL}"
    if not target.parent.is_dir():
        return
    for entry in target.parent.iterdir():
        if not entry.name.startswith(prefix) or not entry.is_dir():
            continue
        pid_text = entry.name[len(prefix):].split("-", 1)[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text), entry):
            shutil.rmtree(entry, ignore_errors=True)


def is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def install_folder(built: Path, target: Path, *, replace: bool) -> bool:
    """Move the finished folder ``built`` to ``target`` in one rename.

    If ``target`` exists, it is replaced only when ``replace`` is true (the
    caller has checked that it is safe to delete) or when it is empty. Returns
    False, leaving ``built`` in place, when another process installed
    ``target`` first.
    """
    if target.exists() or target.is_symlink():
        if not (replace or is_empty_dir(target)):
            return False
        old = target.parent / f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(target, old)
        try:
            os.rename(built, target)
        except OSError:
            os.rename(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return True
    try:
        os.rename(built, target)
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY) or target.exists():
            return False
        raise
    return True


@contextlib.contextmanager
def building(target: Path) -> Iterator[Path]:
    """Context manager: a hidden build folder beside ``target``, removed on any error."""
    remove_stale_partials(target)
    folder = partial_sibling(target)
    try:
        yield folder
    finally:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(entries: list[tuple[str, str]]) -> str:
    """Combine ``(relative path, file sha256)`` pairs into one content hash."""
    digest = hashlib.sha256()
    for relative, file_hash in sorted(entries):
        digest.update(relative.encode("utf-8") + b"\0" + file_hash.encode("ascii") + b"\n")
    return digest.hexdigest()


def auto_progress(progress: bool | None, n_items: int, threshold: int = 500) -> bool:
    """Resolve ``progress=None`` to "on for big jobs, in a terminal"; validate booleans.

    A bar is shown by default only when stderr is a terminal: in a notebook
    kernel (whose stderr is not one) or a log file a text bar is noise, and a
    lesson's stored outputs would then depend on whether the cache was warm.
    """
    if progress is None:
        return n_items >= threshold and _stderr_is_terminal()
    if not isinstance(progress, bool):
        raise ParameterError(f"progress must be True, False or None, got {progress!r}")
    return progress


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


def progress_bar(total: int, *, enabled: bool, desc: str, unit: str = "clip"):
    """A tqdm bar (imported lazily), or a do-nothing stand-in.

    ``tqdm.auto`` draws a widget in a notebook (asked for with ``progress=True``)
    and a text bar on stderr in a terminal.
    """
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False)


class _NoBar:
    def update(self, n: int = 1) -> None:  # pragma: no cover - trivial
        pass

    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def folder_size(path: Path) -> int:
    """Total size in bytes of the regular files under ``path``."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total
