"""Real recordings: the Free Spoken Digit Dataset, mini Speech Commands, ESC-50.

Each loader reads a local copy when there is one (a ``path`` argument, an
environment variable, or the folder under :func:`data_home`) and otherwise
downloads the published archive with pooch, verifies it and extracts it
safely (no member may leave the target folder; no links). An archive
without a known checksum is never downloaded unverified: pass ``sha256=``.

Mini Speech Commands and ESC-50 are verified by the SHA-256 of the archive.
FSDD is verified by its contents: GitHub makes its tag archive on demand and
does not promise the same bytes forever (a new compression changes the
archive's SHA-256, not the recordings). The archive is accepted when its
SHA-256 is :data:`FSDD_SHA256` (the fast path) or, failing that, when every
recording extracted from it has the SHA-256 listed in the manifest shipped
with the package (``audiolab/datasets/manifests/fsdd.sha256``, rebuilt by
``tools/make_fsdd_manifest.py``). :func:`verify_fsdd` checks any copy
against the same manifest.

========================  ==========================  =====================
dataset                   environment variable        folder in data_home()
========================  ==========================  =====================
Free Spoken Digit (FSDD)  ``AUDIOLAB_FSDD``           ``fsdd``
mini Speech Commands      ``AUDIOLAB_SPEECH_COMMANDS`` ``mini_speech_commands``
ESC-50                    ``AUDIOLAB_ESC50``          ``esc50``
========================  ==========================  =====================

Used from lesson 04 on (FSDD is the real-speech counterpart of the synthetic
digits); lesson 10 tests on real recordings, lesson 11 transfers to them.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import stat
import tarfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import ParameterError
from ._common import (
    DatasetError,
    DownloadError,
    PathLike,
    as_path,
    auto_progress,
    building,
    cached_folder,
    data_home,
    file_sha256,
    install_folder,
    wav_intact,
    write_manifest,
)
from .folder import (
    AudioDataset,
    _check_common,
    _check_split,
    _read_clips,
    _warn_broken,
    load_folder,
)
from .speech import DIGIT_WORDS

__all__ = [
    "RemoteDataset",
    "REMOTE_DATASETS",
    "download_dataset",
    "load_fsdd",
    "load_mini_speech_commands",
    "load_esc50",
    "export_fsdd",
    "verify_fsdd",
    "FSDD_URL",
    "FSDD_SHA256",
    "MINI_SPEECH_COMMANDS_URL",
    "MINI_SPEECH_COMMANDS_SHA256",
    "ESC50_URL",
    "ESC50_SHA256",
]

#: FSDD v1.0.10 (3,000 recordings, 6 speakers), GitHub's archive of the tag.
FSDD_URL = "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.10.zip"
#: SHA-256 of that archive (16,419,872 bytes) as recorded in a public audit of
#: the v1.0.10 tag (commit d6938f9bf1545aa66d8489fc9f1385a7abd64282): the fast
#: path of the download's verification. GitHub makes tag archives on demand
#: and may change their compression; an archive with another SHA-256 is then
#: accepted only if every recording in it has the SHA-256 listed in the
#: package's manifest (see :func:`verify_fsdd`).
FSDD_SHA256 = "c680098f5d2355ba7cc4bd8b0ca9e0a24c00ebe3b4c552208889a4d28d4fbc2b"

#: The mini Speech Commands set of TensorFlow's audio tutorial (8 words x 1,000 clips).
MINI_SPEECH_COMMANDS_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/mini_speech_commands.zip"
)
#: No SHA-256 of this archive is published (TensorFlow's tutorial downloads it
#: unverified). Fill it in once a maintainer has checked a download; until then
#: the loader downloads only with ``sha256=`` given explicitly.
MINI_SPEECH_COMMANDS_SHA256: str | None = None

#: ESC-50 (2,000 five-second clips, 50 classes, 5 folds), the master branch archive.
ESC50_URL = "https://github.com/karolpiczak/ESC-50/archive/master.zip"
#: SHA-256 of that archive (645,695,005 bytes) as recorded by a third party
#: in 2026; the repository has been unchanged since 2017, but a new commit to
#: its master branch would change the archive and fail this check.
ESC50_SHA256 = "805afc618aff80eff0641d51311647871fead5807da68bb18e43a27db47a79ce"


@dataclass(frozen=True)
class RemoteDataset:
    """Where a dataset is published and how it is recognised once extracted."""

    name: str
    title: str
    url: str
    sha256: str | None
    env: str
    size: str
    license: str


REMOTE_DATASETS: dict[str, RemoteDataset] = {
    "fsdd": RemoteDataset(
        "fsdd", "the Free Spoken Digit Dataset", FSDD_URL, FSDD_SHA256, "AUDIOLAB_FSDD",
        "16 MB", "CC BY-SA 4.0",
    ),
    "mini_speech_commands": RemoteDataset(
        "mini_speech_commands", "the mini Speech Commands set", MINI_SPEECH_COMMANDS_URL,
        MINI_SPEECH_COMMANDS_SHA256, "AUDIOLAB_SPEECH_COMMANDS", "182 MB", "CC BY 4.0",
    ),
    "esc50": RemoteDataset(
        "esc50", "ESC-50", ESC50_URL, ESC50_SHA256, "AUDIOLAB_ESC50", "646 MB", "CC BY-NC 3.0",
    ),
}

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _remote(name: str) -> RemoteDataset:
    key = name.replace("-", "_").lower() if isinstance(name, str) else None
    if key not in REMOTE_DATASETS:
        raise ParameterError(
            f"name must be one of {', '.join(map(repr, REMOTE_DATASETS))}; got {name!r}"
        )
    return REMOTE_DATASETS[key]


def _check_sha256(sha256: object) -> str | None:
    if sha256 is None:
        return None
    if not isinstance(sha256, str):
        raise ParameterError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}")
    value = sha256.strip().lower().removeprefix("sha256:")
    if not _HEX64.match(value):
        raise ParameterError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}")
    return value


# ---------------------------------------------------------------------------
# Downloading and extracting
# ---------------------------------------------------------------------------


def _member_problem(name: str) -> str | None:
    """Why an archive member's name is unsafe to extract, or None."""
    normalised = name.replace("\\", "/")
    if not normalised or "\0" in normalised:
        return "an empty or invalid name"
    if normalised.startswith("/") or re.match(r"^[A-Za-z]:", normalised):
        return "an absolute path"
    if ".." in PurePosixPath(normalised).parts:
        return "a path that climbs out with '..'"
    return None


def _safe_extract(archive: Path, target: Path) -> None:
    """Extract a zip or tar archive into ``target``, refusing anything unsafe.

    Every member is checked before anything is written: absolute paths,
    ``..`` components, symbolic and hard links and device files are refused.
    """
    def refuse(member: str, why: str) -> DownloadError:
        return DownloadError(
            f"{archive}: refusing to extract {member!r}: {why} (it would land outside "
            f"{target} or is not a plain file); the archive is not safe"
        )

    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            for info in bundle.infolist():
                problem = _member_problem(info.filename)
                if problem:
                    raise refuse(info.filename, problem)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise refuse(info.filename, "a symbolic link")
            resolved_target = target.resolve()
            for info in bundle.infolist():
                destination = (target / info.filename).resolve()
                if resolved_target not in destination.parents and destination != resolved_target:
                    raise refuse(info.filename, "a path outside the target folder")
            bundle.extractall(target)
        return
    try:
        bundle = tarfile.open(archive)
    except (tarfile.TarError, OSError):
        raise DownloadError(f"{archive}: not a zip or tar archive") from None
    with bundle:
        members = bundle.getmembers()
        for member in members:
            problem = _member_problem(member.name)
            if problem:
                raise refuse(member.name, problem)
            if member.issym() or member.islnk():
                raise refuse(member.name, "a link")
            if not (member.isfile() or member.isdir()):
                raise refuse(member.name, "a device, pipe or other special file")
        if hasattr(tarfile, "data_filter"):
            bundle.extractall(target, members=members, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            bundle.extractall(target, members=members)


def _how_to_get(remote: RemoteDataset, path_argument: str = "path") -> str:
    return (
        f"Download {remote.url}, extract it, and pass its folder as the {path_argument} "
        f"argument, or set the environment variable {remote.env} to it, or put it in "
        f"{data_home() / remote.name} ($AUDIOLAB_DATA/{remote.name})"
    )


def download_dataset(
    name: str,
    *,
    data_dir: PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    progress: bool | None = None,
) -> Path:
    """Download a published dataset archive, verify it and extract it safely.

    The archive is fetched with pooch, its SHA-256 checked (a mismatch
    deletes the download and raises), and extracted into a hidden folder
    that is renamed to ``data_dir/<name>`` only when complete. The archive
    is then deleted, whether it was accepted or not. If ``data_dir/<name>``
    exists already it is returned.

    FSDD is verified by its contents too: an archive whose SHA-256 differs
    (GitHub may compress its tag archives differently one day) is accepted
    when every recording in it has the SHA-256 listed in the package's
    manifest (:func:`verify_fsdd`), and refused otherwise.

    Parameters
    ----------
    name : {"fsdd", "mini_speech_commands", "esc50"}
        Which dataset.
    data_dir : str or os.PathLike or None
        Where datasets live; None means :func:`data_home`.
    url : str or None
        Another address of the same archive (a mirror); it then needs
        ``sha256``.
    sha256 : str or None
        The archive's SHA-256; None uses the published one. Required when
        none is published (mini Speech Commands) or with ``url``. For FSDD
        a mismatch falls back to checking the recordings.
    progress : bool or None
        Show pooch's download bar; None shows it when stderr is a terminal.

    Returns
    -------
    pathlib.Path
        ``data_dir/<name>``, holding the archive's contents.

    Raises
    ------
    DownloadError
        If there is no checksum to verify against, the download fails (the
        message says how to get the data by hand), the checksum does not
        match (for FSDD: nor do the recordings, named in the message), or
        the archive holds a member that would escape the folder.
    ParameterError
        If an argument is invalid.

    See Also
    --------
    load_fsdd, load_mini_speech_commands, load_esc50

    Examples
    --------
    >>> download_dataset("fsdd")  # doctest: +SKIP
    PosixPath('/home/me/.cache/audiolab/fsdd')

    Used from lesson 04 on (when online).
    """
    remote = _remote(name)
    base = data_home() if data_dir is None else as_path("data_dir", data_dir)
    digest = _check_sha256(sha256)
    if url is not None:
        if not isinstance(url, str) or not re.match(r"^(https?|ftp)://", url):
            raise ParameterError(f"url must be an http(s) or ftp address, got {url!r}")
        if digest is None and url != remote.url:
            raise DownloadError(
                f"url={url!r} is not the published address of {remote.title}: pass its "
                f"sha256= too, so that the download can be verified"
            )
    address = url or remote.url
    digest = digest or remote.sha256
    if digest is None:
        raise DownloadError(
            f"no SHA-256 is published for {address}, and audiolab never downloads unverified "
            f"data: pass sha256='<64 hex digits>' (e.g. from `sha256sum` of a copy you trust). "
            + _how_to_get(remote)
        )
    target = base / remote.name
    if target.is_dir() and any(target.iterdir()):
        return target
    show = auto_progress(progress, 1, threshold=1)
    downloads = base / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    lower = address.lower()
    suffix = (".zip" if lower.endswith(".zip")
              else ".tar.gz" if lower.endswith((".tar.gz", ".tgz")) else ".archive")
    file_name = f"{remote.name}-{digest[:12]}{suffix}"
    check_contents = _CONTENT_CHECKS.get(remote.name)
    # With a content check, pooch must not reject an archive whose bytes differ: we decide.
    archive = _retrieve(remote, address, None if check_contents else digest,
                        downloads / file_name, show)
    try:
        fast = check_contents is None or file_sha256(archive) == digest
        with building(target) as work:
            _safe_extract(archive, work)
            problem = None if fast else check_contents(work)
            if problem is not None:
                raise DownloadError(
                    f"the download of {address} is not {remote.title} as published: its "
                    f"SHA-256 is not {digest}, and {problem} (the download was deleted). Try "
                    f"again later. " + _how_to_get(remote)
                )
            if not install_folder(work, target, replace=False) and not target.is_dir():
                raise DownloadError(f"{target}: could not be created")
    except zipfile.BadZipFile as error:
        raise DownloadError(f"{archive}: the archive is damaged ({error})") from None
    finally:
        archive.unlink(missing_ok=True)
    return target


def _retrieve(remote: RemoteDataset, address: str, digest: str | None, file: Path,
              show: bool) -> Path:
    """Download ``address`` to ``file`` with pooch, which checks ``digest`` unless it is None."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")
    try:
        known_hash = None if digest is None else f"sha256:{digest}"
        return Path(pooch.retrieve(address, known_hash=known_hash, fname=file.name,
                                   path=file.parent, progressbar=show))
    except ValueError as error:
        if "hash" in str(error).lower():
            raise DownloadError(
                f"the download of {address} is corrupt or not the published file: its SHA-256 "
                f"does not match {digest} (the file was deleted). Try again later. "
                + _how_to_get(remote)
            ) from None
        raise DownloadError(f"cannot download {address}: {error}. " + _how_to_get(remote)) from None
    except Exception as error:  # requests' many network errors
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise DownloadError(
            f"cannot download {address} (offline? {reason}). " + _how_to_get(remote)
        ) from None
    finally:
        logger.setLevel(level)


def _locate(remote: RemoteDataset, path: PathLike | None, find, download: bool,
            data_dir: PathLike | None, url: str | None, sha256: str | None,
            progress: bool | None) -> Path:
    """The dataset's root: ``path``, then $ENV, then data_dir/<name>, then a download.

    An explicit ``data_dir`` or ``url`` says where the data should come from,
    so the environment variable is not consulted then.
    """
    if path is not None:
        folder = as_path("path", path)
        if not folder.is_dir():
            raise DatasetError(f"{folder}: no such folder (expected {remote.title})")
        root = find(folder)
        if root is None:
            raise DatasetError(
                f"{folder}: does not hold {remote.title} in a layout audiolab knows. "
                + _how_to_get(remote)
            )
        return root
    environment = os.environ.get(remote.env) if data_dir is None and url is None else None
    if environment:
        folder = Path(environment).expanduser()
        root = find(folder) if folder.is_dir() else None
        if root is None:
            raise DatasetError(
                f"${remote.env}={environment} does not hold {remote.title}. "
                + _how_to_get(remote)
            )
        return root
    base = data_home() if data_dir is None else as_path("data_dir", data_dir)
    local = base / remote.name
    if local.is_dir():
        root = find(local)
        if root is not None:
            return root
    if not download:
        raise DatasetError(
            f"{remote.title} was not found locally (download=False). " + _how_to_get(remote)
        )
    folder = download_dataset(remote.name, data_dir=base, url=url, sha256=sha256,
                              progress=progress)
    root = find(folder)
    if root is None:
        raise DatasetError(f"{folder}: the downloaded archive does not hold {remote.title}")
    return root


def _search(folder: Path, test, depth: int = 2) -> Path | None:
    """``folder`` or a sub-folder (up to ``depth`` levels) for which ``test`` is true."""
    if test(folder):
        return folder
    if depth == 0:
        return None
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return None
    for child in children:
        found = _search(child, test, depth - 1)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------
# FSDD
# ---------------------------------------------------------------------------

_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$")


def _fsdd_files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if _FSDD_NAME.match(p.name)]
    except OSError:
        return []


def _find_fsdd(folder: Path) -> Path | None:
    """The folder holding the recordings (``recordings/`` or the WAVs themselves)."""
    def holds(candidate: Path) -> bool:
        return bool(_fsdd_files(candidate / "recordings")) or bool(_fsdd_files(candidate))

    root = _search(folder, holds)
    if root is None:
        return None
    return root / "recordings" if _fsdd_files(root / "recordings") else root


def load_fsdd(
    path: PathLike | None = None,
    *,
    sr: int | None = 16000,
    duration: float | None = None,
    split: str | None = None,
    load_audio: bool = True,
    as_words: bool = False,
    download: bool = True,
    data_dir: PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    progress: bool | None = None,
) -> AudioDataset:
    """Load the Free Spoken Digit Dataset (FSDD): real recordings of the digits 0-9.

    3,000 recordings (v1.0.10): 6 speakers x 10 digits x 50 takes, 8 kHz,
    named ``{digit}_{speaker}_{take}.wav``. The official split puts takes
    0-4 of every speaker and digit in the test set (300 clips) and takes
    5-49 in the training set (2,700); ``groups`` holds the speakers for
    speaker-grouped splits.

    The data is looked for in ``path``, then ``$AUDIOLAB_FSDD``, then
    ``data_home()/fsdd``; if absent and ``download`` is true, the v1.0.10
    archive is downloaded and verified (:func:`download_dataset`).

    Parameters
    ----------
    path : str or os.PathLike or None
        A copy of FSDD: its root (holding ``recordings/``), or the folder of
        WAVs.
    sr : int or None
        Resample to this rate (Hz); None keeps 8,000 Hz.
    duration : float or None
        Centre-crop or zero-pad every clip to this many seconds.
    split : {None, "train", "test"}
        Load only one half of the official split.
    load_audio : bool
        False leaves ``clips`` None (paths, labels and metadata only).
    as_words : bool
        Class names ``"zero"``..``"nine"`` sorted alphabetically, exactly like
        the synthetic digits of :func:`make_speech_dataset`, instead of
        ``"0"``..``"9"`` (where ``labels`` equal the digits).
    download : bool
        Download the archive when no local copy is found.
    data_dir, url, sha256, progress
        As for :func:`download_dataset`.

    Returns
    -------
    AudioDataset
        ``split`` (official, "train"/"test"), ``groups`` (speaker), and
        ``metadata`` with ``speaker``, ``take`` (int), ``digit`` (int) and,
        from ``speakers.json`` when present, ``gender`` and ``accent``.

    Raises
    ------
    DatasetError
        If no copy is found and it cannot be downloaded: the message gives
        the address, the environment variable and the folder to use.
    DownloadError
        If a download fails its verification (:func:`download_dataset`) or
        is unsafe.
    ParameterError
        If an argument is invalid.

    See Also
    --------
    load_folder, speech_digits, train_val_test_split, verify_fsdd

    Examples
    --------
    >>> fsdd = load_fsdd("../shared/datasets/fsdd", load_audio=False)  # doctest: +SKIP
    >>> len(fsdd), len(fsdd.subset(split="test")), sorted(set(fsdd.groups))[:2]  # doctest: +SKIP
    (3000, 300, ['george', 'jackson'])

    Data: FSDD by Zohar Jackson et al., CC BY-SA 4.0. Used from lesson 04
    on; lesson 10 tests on it, lesson 11 fine-tunes on it.
    """
    sr, duration = _check_common(sr, duration, load_audio)
    wanted = _check_split(split)
    if wanted == "val":
        raise ParameterError("FSDD's official split has no validation part; split must be 'train' or 'test'")
    if not isinstance(as_words, bool):
        raise ParameterError(f"as_words must be True or False, got {as_words!r}")
    remote = REMOTE_DATASETS["fsdd"]
    recordings = _locate(remote, path, _find_fsdd, download, data_dir, url, sha256, progress)

    entries = []
    for file in _fsdd_files(recordings):
        match = _FSDD_NAME.match(file.name)
        digit, speaker, take = int(match.group(1)), match.group(2), int(match.group(3))
        entries.append((digit, speaker, take, file))
    entries.sort()
    if wanted is not None:
        entries = [e for e in entries if ("test" if e[2] < 5 else "train") == wanted]
    if not entries:
        raise DatasetError(f"{recordings}: no FSDD recordings ({{digit}}_{{speaker}}_{{take}}.wav)")

    paths = [e[3] for e in entries]
    kept, clips, out_sr, broken = _read_clips(
        paths, sr=sr, duration=duration, load_audio=load_audio, progress=progress,
        desc="loading FSDD",
    )
    if not kept:
        raise DatasetError(f"{recordings}: none of the FSDD recordings could be read")
    _warn_broken(recordings, broken, len(paths))
    entries = [entries[i] for i in kept]

    digits = np.array([e[0] for e in entries], dtype=np.int64)
    if as_words:
        class_names = sorted(DIGIT_WORDS)
        index = {word: i for i, word in enumerate(class_names)}
        labels = np.array([index[DIGIT_WORDS[d]] for d in digits], dtype=np.int64)
    else:
        class_names = [str(d) for d in range(10)]
        labels = digits.copy()
    speakers = np.array([e[1] for e in entries], dtype=str)
    metadata: dict[str, Any] = {
        "speaker": speakers,
        "take": np.array([e[2] for e in entries], dtype=np.int64),
        "digit": digits,
    }
    info_file = recordings.parent / "speakers.json"
    if not info_file.is_file():
        info_file = recordings / "speakers.json"
    if info_file.is_file():
        try:
            about = json.loads(info_file.read_text(encoding="utf-8"))
            for key in ("gender", "accent"):
                metadata[key] = np.array(
                    [str(about.get(s, {}).get(key, "")) for s in speakers], dtype=str
                )
        except (OSError, ValueError, AttributeError):
            pass
    return AudioDataset(
        paths=[e[3] for e in entries],
        labels=labels,
        class_names=class_names,
        clips=clips,
        sr=out_sr,
        split=np.array(["test" if e[2] < 5 else "train" for e in entries], dtype=str),
        groups=speakers,
        metadata=metadata,
        broken=[p for p, _ in broken],
        root=recordings,
    )


# ---------------------------------------------------------------------------
# FSDD: verification by content (every recording's SHA-256)
# ---------------------------------------------------------------------------

#: The manifest in the package: ``sha256  file name`` per recording, as sha256sum prints it.
_FSDD_MANIFEST = "manifests/fsdd.sha256"
_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$")
_SHOWN = 3  # file names shown per kind of problem in a message


def _manifest_text(digests: Mapping[str, str]) -> str:
    """``digests`` (file name -> SHA-256) as lines ``sha256  name``, sorted by name."""
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))


def _parse_manifest(text: str, source: str) -> dict[str, str]:
    """The file name -> SHA-256 table of a manifest made by :func:`_manifest_text`."""
    digests = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _MANIFEST_LINE.match(line)
        if match is None or match.group(2) in digests:
            raise DatasetError(f"{source}, line {number}: not 'sha256  name' or a repeated name")
        digests[match.group(2)] = match.group(1)
    return digests


def _fsdd_digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of every FSDD recording (``{digit}_{speaker}_{take}.wav``) in ``folder``."""
    return {file.name: file_sha256(file) for file in _fsdd_files(folder) if file.is_file()}


@functools.cache
def _fsdd_manifest() -> Mapping[str, str]:
    """The published recordings' SHA-256s, read once from the package data."""
    from importlib.resources import files

    try:
        text = files(__package__).joinpath(_FSDD_MANIFEST).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(
            f"the FSDD manifest {_FSDD_MANIFEST} is missing from the installed audiolab "
            f"({error}); reinstall audiolab"
        ) from None
    return MappingProxyType(_parse_manifest(text, _FSDD_MANIFEST))


def _some(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN:,} more" if len(names) > _SHOWN else "")


def _fsdd_mismatch(folder: Path) -> str | None:
    """How the recordings in ``folder`` differ from the manifest, in one line; None if not.

    ``folder`` is an FSDD copy (searched like :func:`load_fsdd` does) or its
    recordings. Files that are not recordings are ignored.
    """
    expected = _fsdd_manifest()
    recordings = _find_fsdd(folder) or folder
    corrupt, missing = [], []
    for name in sorted(expected):
        file = recordings / name
        if not file.is_file():
            missing.append(name)
            continue
        try:
            if file_sha256(file) != expected[name]:
                corrupt.append(name)
        except OSError:
            corrupt.append(name)
    extra = sorted(p.name for p in _fsdd_files(recordings) if p.name not in expected)
    total = len(corrupt) + len(missing) + len(extra)
    if total == 0:
        return None
    parts = [f"{len(corrupt):,} corrupt (SHA-256 differs: {_some(corrupt)})"] if corrupt else []
    parts += [f"{len(missing):,} missing ({_some(missing)})"] if missing else []
    parts += [f"{len(extra):,} not in FSDD ({_some(extra)})"] if extra else []
    verb = "does" if total == 1 else "do"
    return (f"{total:,} recording{'' if total == 1 else 's'} {verb} not match the published "
            f"FSDD v1.0.10: " + ", ".join(parts))


#: Datasets verified by their contents when the archive's SHA-256 differs.
_CONTENT_CHECKS: dict[str, Callable[[Path], str | None]] = {"fsdd": _fsdd_mismatch}


def verify_fsdd(folder: PathLike) -> None:
    """Check a copy of FSDD against the SHA-256 of every published recording.

    Every one of the 3,000 recordings of v1.0.10 must be present with the
    SHA-256 listed in the manifest shipped with the package, and no other
    ``{digit}_{speaker}_{take}.wav`` may be there. Other files (a README,
    ``speakers.json``) are ignored. All 27 MB are read.

    Parameters
    ----------
    folder : str or os.PathLike
        The copy: its root (holding ``recordings/``), or the folder of WAVs.

    Raises
    ------
    DatasetError
        If the folder does not exist, or recordings are corrupt (their
        SHA-256 differs), missing or unknown: the message gives the counts
        and names the first few of each, then how to get a fresh copy.
    ParameterError
        If ``folder`` is not a path.

    See Also
    --------
    load_fsdd, download_dataset

    Examples
    --------
    >>> verify_fsdd("../shared/datasets/fsdd")  # doctest: +SKIP
    >>> verify_fsdd("damaged")  # doctest: +SKIP
    Traceback (most recent call last):
      ...
    DatasetError: damaged: 2 recordings do not match the published FSDD v1.0.10 ...

    The message goes on: ``1 corrupt (SHA-256 differs: 0_george_0.wav),
    1 missing (7_theo_49.wav)``, then how to get the data.

    Data: FSDD, CC BY-SA 4.0. Used from lesson 04 on (lesson 10 tests on
    FSDD); a downloaded copy is checked this way before it is installed.
    """
    remote = REMOTE_DATASETS["fsdd"]
    folder = as_path("folder", folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder (expected {remote.title})")
    problem = _fsdd_mismatch(folder)
    if problem is not None:
        raise DatasetError(f"{folder}: {problem}. " + _how_to_get(remote))


# ---------------------------------------------------------------------------
# Mini Speech Commands
# ---------------------------------------------------------------------------

_COMMANDS = ("down", "go", "left", "no", "right", "stop", "up", "yes")


def _find_mini_speech_commands(folder: Path) -> Path | None:
    def holds(candidate: Path) -> bool:
        return sum((candidate / word).is_dir() for word in _COMMANDS) == len(_COMMANDS)

    return _search(folder, holds)


def load_mini_speech_commands(
    path: PathLike | None = None,
    *,
    sr: int | None = 16000,
    duration: float | None = None,
    load_audio: bool = True,
    download: bool = True,
    data_dir: PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    progress: bool | None = None,
) -> AudioDataset:
    """Load the mini Speech Commands set: 8 keywords x 1,000 one-second clips.

    The excerpt of Google's Speech Commands used by TensorFlow's audio
    tutorial: folders ``down``, ``go``, ``left``, ``no``, ``right``,
    ``stop``, ``up``, ``yes`` of 16 kHz WAVs named
    ``{speaker}_nohash_{n}.wav``. It has no official split: use
    ``train_val_test_split(ds.labels, groups=ds.groups)`` to split by
    speaker.

    Looked for in ``path``, ``$AUDIOLAB_SPEECH_COMMANDS``, then
    ``data_home()/mini_speech_commands``. No SHA-256 of the archive is
    published, so a download needs ``sha256=`` (see
    :data:`MINI_SPEECH_COMMANDS_SHA256`).

    Parameters
    ----------
    path : str or os.PathLike or None
        The ``mini_speech_commands`` folder (or the folder holding it).
    sr, duration, load_audio, progress
        As for :func:`load_folder`.
    download, data_dir, url, sha256
        As for :func:`download_dataset`.

    Returns
    -------
    AudioDataset
        Class names sorted; ``groups`` and ``metadata["speaker"]`` hold the
        speaker hash of every clip.

    Raises
    ------
    DatasetError, DownloadError, ParameterError
        As for :func:`load_fsdd`.

    See Also
    --------
    speech_commands, load_folder

    Examples
    --------
    >>> ds = load_mini_speech_commands(load_audio=False)  # doctest: +SKIP
    >>> ds.class_names  # doctest: +SKIP
    ['down', 'go', 'left', 'no', 'right', 'stop', 'up', 'yes']

    Data: Speech Commands by Pete Warden (Google), CC BY 4.0. Used from
    lesson 06 on.
    """
    _check_common(sr, duration, load_audio)
    remote = REMOTE_DATASETS["mini_speech_commands"]
    root = _locate(remote, path, _find_mini_speech_commands, download, data_dir, url, sha256,
                   progress)
    dataset = load_folder(root, sr=sr, duration=duration, load_audio=load_audio,
                          progress=progress)
    speakers = np.array([p.name.split("_nohash_")[0] if "_nohash_" in p.name else p.stem
                         for p in dataset.paths], dtype=str)
    dataset.groups = speakers
    dataset.metadata["speaker"] = speakers
    return dataset


# ---------------------------------------------------------------------------
# ESC-50
# ---------------------------------------------------------------------------


def _find_esc50(folder: Path) -> Path | None:
    def holds(candidate: Path) -> bool:
        return (candidate / "meta" / "esc50.csv").is_file() and (candidate / "audio").is_dir()

    return _search(folder, holds)


def load_esc50(
    path: PathLike | None = None,
    *,
    sr: int | None = 16000,
    duration: float | None = None,
    load_audio: bool = True,
    esc10: bool = False,
    download: bool = True,
    data_dir: PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    progress: bool | None = None,
) -> AudioDataset:
    """Load ESC-50: 2,000 five-second environmental sounds in 50 classes, 5 folds.

    Reads ``meta/esc50.csv`` (filename, fold, target, category, esc10,
    src_file, take) and the WAVs in ``audio/``. ``groups`` holds the
    official fold (``"1"``..``"5"``): ``kfold(ds.labels, groups=ds.groups,
    n_splits=5)`` reproduces the published five-fold cross-validation, in
    which clips cut from one source recording never straddle two folds.

    Looked for in ``path``, ``$AUDIOLAB_ESC50``, then ``data_home()/esc50``.

    Parameters
    ----------
    path : str or os.PathLike or None
        The ESC-50 folder (holding ``meta/`` and ``audio/``) or a parent.
    sr, duration, load_audio, progress
        As for :func:`load_folder` (ESC-50 is 44.1 kHz; sr=None keeps it).
    esc10 : bool
        Load only the 10-class ESC-10 subset.
    download, data_dir, url, sha256
        As for :func:`download_dataset`.

    Returns
    -------
    AudioDataset
        Class names (the ``category`` column) sorted; ``metadata`` with
        ``fold`` and ``target`` (ints), ``esc10`` (bool), ``src_file``,
        ``take``.

    Raises
    ------
    DatasetError, DownloadError, ParameterError
        As for :func:`load_fsdd`.

    See Also
    --------
    kfold, load_folder

    Examples
    --------
    >>> ds = load_esc50(load_audio=False)  # doctest: +SKIP
    >>> len(ds), ds.n_classes, sorted(set(ds.groups))  # doctest: +SKIP
    (2000, 50, ['1', '2', '3', '4', '5'])

    Data: ESC-50 by Karol J. Piczak, CC BY-NC 3.0 (non-commercial). Used in
    lesson 11 (transfer learning) when online.
    """
    sr, duration = _check_common(sr, duration, load_audio)
    if not isinstance(esc10, bool):
        raise ParameterError(f"esc10 must be True or False, got {esc10!r}")
    remote = REMOTE_DATASETS["esc50"]
    root = _locate(remote, path, _find_esc50, download, data_dir, url, sha256, progress)
    table = root / "meta" / "esc50.csv"
    try:
        with open(table, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{table}: cannot read it ({error})") from None
    required = {"filename", "fold", "target", "category"}
    if not rows or not required <= set(rows[0]):
        raise DatasetError(f"{table}: expected the columns {', '.join(sorted(required))}")
    if esc10:
        rows = [r for r in rows if r.get("esc10", "").strip().lower() == "true"]
    rows.sort(key=lambda r: (int(r["fold"]), r["filename"]))
    class_names = sorted({r["category"] for r in rows})
    paths = [root / "audio" / r["filename"] for r in rows]
    kept, clips, out_sr, broken = _read_clips(
        paths, sr=sr, duration=duration, load_audio=load_audio, progress=progress,
        desc="loading ESC-50",
    )
    if not kept:
        raise DatasetError(f"{root}: none of the ESC-50 clips could be read")
    _warn_broken(root, broken, len(paths))
    rows = [rows[i] for i in kept]
    index = {name: i for i, name in enumerate(class_names)}
    folds = np.array([r["fold"] for r in rows], dtype=str)
    return AudioDataset(
        paths=[paths[i] for i in kept],
        labels=np.array([index[r["category"]] for r in rows], dtype=np.int64),
        class_names=class_names,
        clips=clips,
        sr=out_sr,
        split=None,
        groups=folds,
        metadata={
            "fold": folds.astype(np.int64),
            "target": np.array([int(r["target"]) for r in rows], dtype=np.int64),
            "esc10": np.array([r.get("esc10", "").strip().lower() == "true" for r in rows]),
            "src_file": np.array([r.get("src_file", "") for r in rows], dtype=str),
            "take": np.array([r.get("take", "") for r in rows], dtype=str),
        },
        broken=[p for p, _ in broken],
        root=root,
    )


# ---------------------------------------------------------------------------
# FSDD as a class-per-folder dataset
# ---------------------------------------------------------------------------

_FSDD_FORMAT = "audiolab-fsdd-folder"


def _fsdd_export_complete(folder: Path, manifest: dict[str, Any]) -> bool:
    try:
        expected = int(manifest["n_clips"])
    except (KeyError, TypeError, ValueError):
        return False
    if not (folder / "metadata.csv").is_file():
        return False
    clips = [f for split in ("train", "test") if (folder / split).is_dir()
             for f in (folder / split).glob("*/*.wav")]
    # A clip truncated after the export is found by its size (cheap); data info --verify
    # checks every hash.
    return len(clips) == expected and all(wav_intact(f) for f in clips)


def export_fsdd(
    out_dir: PathLike,
    *,
    path: PathLike | None = None,
    sr: int = 16000,
    as_words: bool = False,
    overwrite: bool = False,
    download: bool = True,
    progress: bool | None = None,
) -> Path:
    """Write FSDD as a class-per-folder dataset split the official way.

    ``out_dir/train/<digit>/`` gets takes 5-49 (2,700 clips) and
    ``out_dir/test/<digit>/`` takes 0-4 (300 clips), resampled to ``sr`` and
    written as 16-bit PCM WAV under their original names, with a
    ``metadata.csv`` (file, label, speaker, take, split) and a
    ``manifest.json``. The folder is built beside ``out_dir`` and renamed
    into place at the end; a folder already holding the same export is
    returned at once (one with files missing is rebuilt).

    Parameters
    ----------
    out_dir : str or os.PathLike
        The folder to create.
    path : str or os.PathLike or None
        The FSDD copy to read (see :func:`load_fsdd` for where it is looked
        for otherwise).
    sr : int
        Sample rate of the written files, in Hz.
    as_words : bool
        Name the class folders ``zero`` ... ``nine``, as the synthetic digits
        of :func:`speech_digits` are named, so that a model trained on those
        can be evaluated on FSDD; ``0`` ... ``9`` otherwise.
    overwrite : bool
        Replace ``out_dir`` if it holds an FSDD export made with another
        ``sr`` or ``as_words``. Other folders are never deleted.
    download : bool
        Download FSDD if no local copy is found.
    progress : bool or None
        Show a progress bar; None shows one in a terminal (3,000 files).

    Returns
    -------
    pathlib.Path
        ``out_dir``, ready for :func:`load_folder`.

    Raises
    ------
    DatasetError
        If FSDD cannot be found, or ``out_dir`` holds something else.
    ParameterError
        If an argument is invalid.

    See Also
    --------
    load_fsdd, load_folder

    Examples
    --------
    >>> ds = load_folder(export_fsdd("fsdd16k", path="../shared/datasets/fsdd"))  # doctest: +SKIP
    >>> len(ds.subset(split="train")), len(ds.subset(split="test"))  # doctest: +SKIP
    (2700, 300)

    Data: FSDD, CC BY-SA 4.0. Used in lesson 05 ("preparing a dataset").
    """
    path, _created = _export_fsdd(out_dir, path=path, sr=sr, as_words=as_words,
                                  overwrite=overwrite, download=download, progress=progress)
    return path


def _export_fsdd(
    out_dir: PathLike,
    *,
    path: PathLike | None,
    sr: int,
    overwrite: bool,
    download: bool,
    progress: bool | None,
    as_words: bool = False,
) -> tuple[Path, bool]:
    """:func:`export_fsdd`, also saying whether it wrote anything."""
    import soundfile as sf

    from .. import __version__
    from ..errors import AudioFileError, AudiolabWarning
    from ..io import load
    from ..validation import check_positive_int
    from ._common import progress_bar, tree_sha256

    out_dir = as_path("out_dir", out_dir)
    sr = check_positive_int("sr", sr)
    if not isinstance(overwrite, bool):
        raise ParameterError(f"overwrite must be True or False, got {overwrite!r}")
    if not isinstance(as_words, bool):
        raise ParameterError(f"as_words must be True or False, got {as_words!r}")
    source = load_fsdd(path, sr=None, load_audio=False, as_words=as_words, download=download,
                       progress=False)
    params = {"sr": sr, "source_clips": len(source), "split": "official (takes 0-4 test)"}
    if as_words:  # only when asked, so that exports made before the option stay valid
        params["class_names"] = "words"

    show = auto_progress(progress, len(source), threshold=1)

    def build(work: Path) -> None:
        rows = []
        broken = []
        for split in ("train", "test"):
            for digit in source.class_names:
                (work / split / digit).mkdir(parents=True)
        bar = progress_bar(len(source), enabled=show, desc="writing FSDD")
        try:
            for i, file in enumerate(source.paths):
                try:
                    y, _ = load(file, sr=sr)
                except AudioFileError as error:
                    broken.append(str(error))
                    continue
                finally:
                    bar.update()
                split = str(source.split[i])
                digit = source.class_names[source.labels[i]]
                relative = f"{split}/{digit}/{file.name}"
                # Resampling can overshoot full scale by a hair on loud recordings.
                sf.write(str(work / relative), np.clip(y, -1.0, 1.0), sr, format="WAV",
                         subtype="PCM_16")
                rows.append({
                    "file": relative, "label": digit, "speaker": str(source.groups[i]),
                    "take": str(int(source.metadata["take"][i])), "split": split,
                    "sha256": file_sha256(work / relative),
                })
        finally:
            bar.close()
        if broken:
            import warnings

            warnings.warn(
                f"{len(broken)} FSDD files could not be read and were left out: "
                + "; ".join(broken[:10]), AudiolabWarning, stacklevel=4,
            )
        if not rows:
            raise DatasetError("none of the FSDD recordings could be read")
        lines = ["file,label,speaker,take,split"]
        lines += [f"{r['file']},{r['label']},{r['speaker']},{r['take']},{r['split']}"
                  for r in sorted(rows, key=lambda r: r["file"])]
        (work / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        entries = [(r["file"], r["sha256"]) for r in rows]
        entries.append(("metadata.csv", file_sha256(work / "metadata.csv")))
        write_manifest(work, {
            "format": _FSDD_FORMAT,
            "parameters": params,
            "n_clips": len(rows),
            "class_names": list(source.class_names),
            "counts": {s: sum(1 for r in rows if r["split"] == s) for s in ("train", "test")},
            "content_sha256": tree_sha256(entries),
            "source": "Free Spoken Digit Dataset v1.0.10, CC BY-SA 4.0",
            "audiolab": __version__,
        })

    return cached_folder(
        out_dir, format=_FSDD_FORMAT, parameters=params, build=build,
        is_complete=_fsdd_export_complete, replace=overwrite, what="an FSDD export",
        foreign="an FSDD export made by audiolab",
    )
