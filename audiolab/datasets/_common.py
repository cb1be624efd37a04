"""Pieces shared by the dataset modules: errors, the cache folder, atomic folders.

Nothing here is specific to one dataset. The errors are re-exported by
:mod:`audiolab.datasets`. :func:`cached_folder` is the one place that decides
whether a dataset folder made by audiolab (the synthetic speech, the FSDD
export) is reused, refused or rebuilt.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import DatasetError, DownloadError, ParameterError, SynthesisError
from ..files import to_json

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
# Cached dataset folders: reuse, refuse or rebuild
# --------------------------------------------------------------------------

#: The file in a dataset folder made by audiolab that says what it holds.
MANIFEST = "manifest.json"
#: How often a finished build is offered to a target that other processes keep changing.
_INSTALL_ATTEMPTS = 3


def read_manifest_file(folder: Path, name: str = MANIFEST) -> dict[str, Any] | None:
    """The JSON object in ``folder/name``, or None if it is missing, unreadable or not an object."""
    try:
        manifest = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def write_manifest(folder: Path, manifest: Mapping[str, Any], name: str = MANIFEST) -> None:
    """Write ``manifest`` as indented JSON with sorted keys into a folder being built.

    The folder is installed in one rename (:func:`cached_folder`), which is
    what makes the write atomic: no temporary file is needed inside it.
    """
    (folder / name).write_text(to_json(manifest) + "\n", encoding="utf-8")


def describe_difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """The first few keys whose values differ, as ``key: <old> there, <new> asked``."""
    keys = sorted(set(old) | set(new))
    changed = [k for k in keys if old.get(k) != new.get(k)]
    parts = []
    for key in changed[:4]:
        before, after = old.get(key), new.get(key)
        if isinstance(before, list) and len(str(before)) > 40:
            before = f"[{len(before)} items]"
        if isinstance(after, list) and len(str(after)) > 40:
            after = f"[{len(after)} items]"
        parts.append(f"{key}: {before!r} there, {after!r} asked")
    return "; ".join(parts)


def cached_folder(
    target: Path,
    *,
    format: str,
    parameters: Mapping[str, Any],
    build: Callable[[Path], object],
    is_complete: Callable[[Path, dict[str, Any]], bool],
    replace: bool = False,
    what: str,
    foreign: str,
    manifest_name: str = MANIFEST,
) -> tuple[Path, bool]:
    """Reuse the dataset folder ``target`` if it holds what is asked, or build it atomically.

    A folder is *current* when its manifest has this ``format`` and these
    ``parameters`` and ``is_complete(folder, manifest)`` holds. What is done
    with ``target``:

    ==========================================  ==================================
    ``target`` is                               then
    ==========================================  ==================================
    missing, or an empty folder                 built
    current                                     reused, nothing is written
    ours, same parameters, files missing        rebuilt and replaced
    ours, other parameters                      rebuilt and replaced if ``replace``,
                                                else refused (the message names
                                                the differences)
    anything else (a file, a foreign folder)    refused, never deleted
    ==========================================  ==================================

    A build runs in a hidden sibling folder (:func:`building`; those left by
    dead processes are removed first), must leave a current folder there
    (``build`` writes the manifest, e.g. with :func:`write_manifest`), and
    is installed in one rename. Just before installing, ``target`` is judged
    again: if another process has installed a current folder meanwhile, that
    one is reused and this build discarded; if it installed something else,
    the table above decides. On any failure the build folder is removed.

    Parameters
    ----------
    target : pathlib.Path
        The dataset folder.
    format : str
        The manifest's ``format`` for this kind of dataset.
    parameters : mapping
        What is asked, compared with the manifest's ``parameters`` (as read
        back from JSON: lists, not tuples).
    build : callable
        ``build(folder)`` writes the whole dataset, manifest included, into
        the empty ``folder``. Its return value is ignored.
    is_complete : callable
        ``is_complete(folder, manifest)``: are the files the manifest
        promises there?
    replace : bool
        Whether a folder of ours made with other parameters may be replaced
        (the public functions' ``overwrite``).
    what : str
        The kind of dataset, for messages: ``"a speech dataset"``.
    foreign : str
        What ``target`` should have been, for the refusal of a foreign
        folder: ``"a dataset made by make_speech_dataset"``.
    manifest_name : str
        The manifest's file name in the folder.

    Returns
    -------
    (pathlib.Path, bool)
        ``target``, and whether this call built it (False when it was reused).

    Raises
    ------
    DatasetError
        If ``target`` is refused (one line naming it), or the build did not
        leave a current folder. Errors raised by ``build`` propagate.

    See Also
    --------
    building, install_folder, write_manifest

    Examples
    --------
    >>> def build(folder):  # doctest: +SKIP
    ...     (folder / "a.txt").write_text("a")
    ...     write_manifest(folder, {"format": "demo", "parameters": {"n": 1}})
    >>> cached_folder(Path("demo"), format="demo", parameters={"n": 1}, build=build,
    ...               is_complete=lambda f, m: (f / "a.txt").is_file(),
    ...               what="a demo", foreign="a demo folder")  # doctest: +SKIP
    (PosixPath('demo'), True)

    Used by :func:`make_speech_dataset` (lesson 04 on) and :func:`export_fsdd` (lesson 05).
    """

    def judge() -> bool | None:
        return _judge(target, format=format, parameters=parameters, is_complete=is_complete,
                      replace=replace, what=what, foreign=foreign, manifest_name=manifest_name)

    if judge() is None:
        return target, False
    with building(target) as work:
        build(work)
        built = read_manifest_file(work, manifest_name)
        if not _current(work, built, format, parameters, is_complete):
            raise DatasetError(
                f"{target}: the folder built for it does not hold what its {manifest_name} "
                f"promises; nothing was installed"
            )
        for _ in range(_INSTALL_ATTEMPTS):
            verdict = judge()
            if verdict is None:  # another process installed the same dataset meanwhile
                return target, False
            if install_folder(work, target, replace=verdict):
                return target, True
        raise DatasetError(f"{target} keeps being changed by another program; try again")


def _current(folder: Path, manifest: dict[str, Any] | None, format: str,
             parameters: Mapping[str, Any],
             is_complete: Callable[[Path, dict[str, Any]], bool]) -> bool:
    return (manifest is not None and manifest.get("format") == format
            and manifest.get("parameters") == parameters and bool(is_complete(folder, manifest)))


def _judge(target: Path, *, format: str, parameters: Mapping[str, Any],
           is_complete: Callable[[Path, dict[str, Any]], bool], replace: bool, what: str,
           foreign: str, manifest_name: str) -> bool | None:
    """None if ``target`` is current; else whether installing may replace it. Raises if refused."""
    if not (target.exists() or target.is_symlink()):
        return False
    if not target.is_dir():
        raise DatasetError(f"{target}: exists and is not a folder")
    manifest = read_manifest_file(target, manifest_name)
    if manifest is not None and manifest.get("format") == format:
        same = manifest.get("parameters") == parameters
        if same and is_complete(target, manifest):
            return None
        if same or replace:  # a damaged copy of the same dataset is rebuilt without asking
            return True
        difference = describe_difference(manifest.get("parameters") or {}, parameters)
        raise DatasetError(
            f"{target} holds {what} made with other parameters ({difference}); "
            f"pass overwrite=True to replace it, or choose another folder"
        )
    if is_empty_dir(target):
        return True
    reason = (f"it has no {manifest_name}" if manifest is None
              else f"its {manifest_name} is of format {manifest.get('format')!r}")
    raise DatasetError(
        f"{target} exists and is not {foreign} ({reason}); choose a new or empty folder"
        + ("; overwrite=True only replaces such datasets" if replace else "")
    )


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def existing_parent(path: Path) -> Path:
    """The nearest folder that exists at or above ``path`` (where its files will go)."""
    current = path.absolute()
    while not current.is_dir() and current != current.parent:
        current = current.parent
    return current


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _size(n_bytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes / 1e3:,.1f} kB"


def check_room(target: Path, *, disk: int, memory: int, what: str, cause: str) -> None:
    """Refuse a run that needs more disk space beside ``target`` or more memory than there is.

    Parameters
    ----------
    target : pathlib.Path
        The folder to be written (its nearest existing parent is measured).
    disk, memory : int
        Estimated bytes the run writes and holds in memory at its peak.
    what : str
        The run, for the message: ``"12,000 clips of 1.0 s at 16000 Hz"``.
    cause : str
        The parameters that set the size, for the message: ``"per_class"``.

    Raises
    ------
    DatasetError
        Naming ``cause``, the estimate and what is free.
    """
    folder = existing_parent(target)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and disk > free:
        raise DatasetError(
            f"{what} need about {_size(disk)} on disk, but {folder} has {_size(free)} free; "
            f"lower {cause} or choose a folder on a larger disk"
        )
    room = available_memory()
    if room is not None and memory > room:
        raise DatasetError(
            f"{what} need about {_size(memory)} of memory, but {_size(room)} is available; "
            f"lower {cause}"
        )


def wav_intact(path: Path) -> bool:
    """Whether a RIFF/WAVE file is as long as its header says (a cheap truncation check).

    Reads 12 bytes; a file that is not RIFF, or cannot be read, counts as not intact.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            header = handle.read(12)
    except OSError:
        return False
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return False
    declared = int.from_bytes(header[4:8], "little")
    # Streaming writers leave the size 0 or 0xFFFFFFFF; audiolab's own files never do.
    return declared + 8 == size or (declared + 9 == size and declared % 2 == 1)


def verify_content(folder: Path, manifest: Mapping[str, Any], files: list[str]) -> str | None:
    """Recompute a dataset's ``content_sha256`` over ``files`` (relative paths): None if it matches.

    ``files`` are the clips the metadata lists; ``metadata.csv`` is added, as
    the builders do. Returns a one-line problem otherwise.
    """
    expected = manifest.get("content_sha256")
    if not isinstance(expected, str):
        return f"{folder}: its manifest has no content_sha256 to verify against"
    entries = []
    for relative in [*files, "metadata.csv"]:
        try:
            entries.append((relative, file_sha256(folder / relative)))
        except OSError as error:
            return f"{folder / relative}: cannot read it ({error.strerror or error})"
    if tree_sha256(entries) != expected:
        return (f"{folder}: its files differ from what its manifest's content_sha256 records "
                f"(a clip or metadata.csv was changed after the dataset was made)")
    return None


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
