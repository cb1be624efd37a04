"""audiolab.doctor() and the `audiolab` command's shared behaviour."""

from __future__ import annotations

import subprocess
import sys

import pytest

from audiolab import cli, system


def test_doctor_reports_each_item(capsys):
    lines: list[str] = []
    ok = system.doctor(tensorflow=False, print_fn=lines.append)
    assert ok, lines
    assert lines[0].startswith("OK       python 3.")
    for name in ("numpy", "librosa", "soundfile", "espeakng-loader", "eSpeak NG speaks", "data cache"):
        assert any(name in line for line in lines), name
    assert lines[-1] == "Everything the course needs is here."


def test_doctor_says_what_to_do_when_something_is_missing(monkeypatch):
    monkeypatch.setattr(
        system, "_PACKAGES", [("no_such_module_xyz", "no-such-dist", "testing", "pip install it")]
    )
    lines: list[str] = []
    assert not system.doctor(tensorflow=False, print_fn=lines.append)
    missing = [line for line in lines if line.startswith("missing")]
    assert missing and "no-such-dist (testing)" in missing[0] and "run: pip install it" in missing[0]
    assert lines[-1].startswith("Some pieces are missing")


@pytest.mark.slow
def test_doctor_checks_tensorflow_in_a_child_process():
    # In a fresh interpreter: other tests in this worker may have imported TensorFlow.
    code = (
        "import sys; from audiolab import system; ok, detail = system._check_tensorflow(); "
        "print(ok, detail.split()[0], 'tensorflow' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    assert done.stdout.split() == ["True", "tensorflow", "False"], done.stdout + done.stderr


def test_doctor_names_the_data_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIOLAB_DATA", str(tmp_path))
    lines: list[str] = []
    system.doctor(tensorflow=False, print_fn=lines.append)
    assert f"OK       data cache {tmp_path}" in lines


def test_cli_version_and_help(capsys):
    assert cli.main([]) == 2
    assert "doctor" in capsys.readouterr().out
    done = subprocess.run(
        [sys.executable, "-m", "audiolab.cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("audiolab ")


@pytest.mark.slow
def test_cli_doctor_runs_as_a_console_script():
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from audiolab.cli import main; sys.exit(main(['doctor']))"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK       tensorflow 2." in done.stdout
