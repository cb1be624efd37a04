"""What the ``audiolab`` command refuses before it works: one line, a non-zero exit, no traceback.

Each case of the command's refusals (issue 18): sizes that cannot fit, outputs
that cannot be written, layouts that would train the wrong classes, values out
of range, damaged datasets, and messages in the command's own terms.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest
from datasets_fixtures import write_wav

from audiolab.cli import main
from audiolab.datasets import _common

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(capsys) -> str:
    """The error the command printed: one line, ``audiolab: error: ...``, nothing on stdout."""
    captured = capsys.readouterr()
    assert captured.err.startswith("audiolab: error: "), captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err


# --------------------------------------------------------------------------------------
# 1. Sizes: bounded, and a run that cannot fit is refused before it starts
# --------------------------------------------------------------------------------------


def test_speech_refuses_a_huge_per_class_at_once(tmp_path, capsys):
    assert main(["data", "speech", str(tmp_path / "big"), "--per-class", "99999999999"]) == 2
    assert "--per-class must be at most 100,000" in one_line_error(capsys)
    assert not any(tmp_path.iterdir())


def test_speech_refuses_a_run_the_disk_cannot_hold(tmp_path, capsys, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(_common.shutil, "disk_usage", lambda _: usage(10**9, 10**9 - 10**6, 10**6))
    argv = ["data", "speech", str(tmp_path / "big"), "--per-class", "100", "--quiet"]
    assert main(argv) == 2
    error = one_line_error(capsys)
    assert "1,000 clips of 1 s at 16000 Hz need about" in error and "on disk" in error
    assert "1.0 MB free" in error and "--per-class" in error
    assert [p.name for p in tmp_path.iterdir()] == []  # the build folder is gone too


def test_speech_refuses_a_run_the_memory_cannot_hold(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_common, "available_memory", lambda: 10**5)
    assert main(["data", "speech", str(tmp_path / "big"), "--per-class", "100", "--quiet"]) == 2
    error = one_line_error(capsys)
    assert "of memory" in error and "--per-class" in error
