"""The code style of COURSE.md, checked by ruff (settings in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    beside = Path(sys.executable).with_name("ruff")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (it is in the test extra)")
    return [found]


def test_package_tests_tools_benchmarks_and_notebooks_pass_ruff():
    folders = ["audiolab", "tests", "tools", "bench", "notebooks", "solutions", "exercises"]
    done = subprocess.run([*_ruff(), "check", "--no-cache", *folders], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
