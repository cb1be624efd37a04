"""Helpers shared by the tests that need files: ``audiolab.datasets``, ``io``, ``evaluate``...

Small WAV files made from tones (``tone`` is ``signals.tone``, imported here too),
class folders with broken files mixed in, archives, a local HTTP server on 127.0.0.1
to test downloads offline, and ``fsdd_path``, the local FSDD copy.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import soundfile as sf
from signals import tone

ROOT = Path(__file__).resolve().parents[1]


def fsdd_path() -> Path | None:
    """The local FSDD copy (the folder holding ``recordings/``), or None.

    ``$AUDIOLAB_FSDD`` (the copy or its ``recordings`` folder), else
    ``../shared/datasets/fsdd`` beside the project. The ``fsdd`` fixture of
    tests/conftest.py skips a test without one.
    """
    for candidate in (os.environ.get("AUDIOLAB_FSDD"), ROOT.parent / "shared" / "datasets" / "fsdd"):
        if not candidate:
            continue
        path = Path(candidate)
        if path.name == "recordings" and any(path.glob("*.wav")):
            path = path.parent
        if (path / "recordings").is_dir():
            return path
    return None


def wav_bytes(y, sr: int = 16000) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, y, sr, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def write_wav(path: Path, y, sr: int = 16000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, format="WAV", subtype="PCM_16")
    return path


def write_broken_files(folder: Path) -> list[Path]:
    """A garbage .wav, an empty .wav and a truncated .wav in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    garbage = folder / "garbage.wav"
    garbage.write_bytes(b"this is not a RIFF file at all" * 10)
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    truncated = folder / "truncated.wav"
    truncated.write_bytes(wav_bytes(tone(440.0))[:2000])
    return [garbage, empty, truncated]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(zipfile.ZipInfo(name), data)
    return path


def fsdd_members(prefix: str = "free-spoken-digit-dataset-1.0.10/", *, speakers=("ann", "bob"),
                 takes: int = 6) -> dict[str, bytes]:
    """A miniature FSDD: tiny WAVs named {digit}_{speaker}_{take}.wav under recordings/."""
    members = {}
    for digit in range(10):
        data = wav_bytes(tone(200.0 + 50 * digit, sr=8000, duration=0.05), sr=8000)
        for speaker in speakers:
            for take in range(takes):
                members[f"{prefix}recordings/{digit}_{speaker}_{take}.wav"] = data
    members[f"{prefix}README.md"] = b"# miniature FSDD for tests\n"
    return members


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port); yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens (connections are refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/archive.zip"
