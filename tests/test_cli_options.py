"""``audiolab.cli.options``: the argument types and choices the command families share."""

from __future__ import annotations

import subprocess
import sys

import pytest

from audiolab.cli import main, options
from audiolab.errors import AudiolabError


@pytest.mark.parametrize("make, text, value", [
    (options.positive_int, "15", 15),
    (options.nonnegative_int, "0", 0),
    (options.positive_float, "0.1", 0.1),
    (options.positive_float, "2", 2.0),
    (options.probability, "0", 0.0),
    (options.probability, "1", 1.0),
])
def test_number_types_accept_what_they_should(make, text, value):
    converted = make("--x")(text)
    assert converted == value and type(converted) is type(value)


@pytest.mark.parametrize("make, text, message", [
    (options.positive_int, "0", "--x must be a positive integer, got 0"),
    (options.positive_int, "-3", "--x must be a positive integer, got -3"),
    (options.positive_int, "1.5", "--x must be a positive integer, got '1.5'"),
    (options.positive_int, "ten", "--x must be a positive integer, got 'ten'"),
    (options.nonnegative_int, "-1", "--x must be a non-negative integer, got -1"),
    (options.positive_float, "0", "--x must be positive, got 0.0"),
    (options.positive_float, "nan", "--x must be finite, got nan"),
    (options.positive_float, "soon", "--x must be a number, got 'soon'"),
    (options.probability, "1.5", "--x must be between 0 and 1, got 1.5"),
])
def test_number_types_refuse_with_the_option_and_the_value(make, text, message):
    with pytest.raises(AudiolabError) as caught:
        make("--x")(text)
    # Not a ValueError: argparse would put its own "invalid value" message in its place.
    assert str(caught.value) == message and not isinstance(caught.value, ValueError)


def test_path_and_identifier_types():
    assert options.path_ending("--out", ".keras")("m.keras") == "m.keras"
    with pytest.raises(AudiolabError, match=r"^--out must end in \.keras, got m\.h5$"):
        options.path_ending("--out", ".keras")("m.h5")
    assert options.c_identifier("--c-array")("g_model2") == "g_model2"
    for bad in ("2model", "g-model", ""):
        with pytest.raises(AudiolabError, match="--c-array must be a C identifier"):
            options.c_identifier("--c-array")(bad)


def test_existing_file_and_folder(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"")
    audio, folder = options.existing_file("audio file"), options.existing_folder("dataset folder")
    assert audio(str(tmp_path / "a.wav")) == str(tmp_path / "a.wav")  # as typed
    assert folder(str(tmp_path)) == str(tmp_path)
    with pytest.raises(AudiolabError, match=r"b\.wav: no such audio file$"):
        audio(str(tmp_path / "b.wav"))
    with pytest.raises(AudiolabError, match=r": is a folder, not an audio file$"):
        audio(str(tmp_path))
    with pytest.raises(AudiolabError, match=r"nowhere: no such dataset folder$"):
        folder(str(tmp_path / "nowhere"))
    with pytest.raises(AudiolabError, match=r"a\.wav: is a file, not a dataset folder$"):
        folder(str(tmp_path / "a.wav"))


def test_choices_are_the_packages():
    from audiolab import augment, modelfile
    from audiolab.datasets import REMOTE_DATASETS, SPLITS

    assert options.MODEL_KINDS is modelfile.MODEL_KINDS
    assert options.QUANTIZATIONS is modelfile.QUANTIZATIONS
    assert options.AUGMENT_STRENGTHS is augment.STRENGTHS
    # Written out in options (importing audiolab.datasets is slow), so compared here.
    assert options.REMOTE_DATASETS == tuple(REMOTE_DATASETS)
    assert options.SPLITS == tuple(SPLITS)
    assert set(options.EVALUATE_SPLITS) == {*SPLITS, "all"}


def test_the_parser_uses_the_shared_choices():
    from audiolab.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    choices = {action.dest: action.choices for name in ("train", "evaluate", "export")
               for action in commands[name]._actions if action.choices}
    assert choices == {"model": options.MODEL_KINDS, "augment": options.AUGMENT_STRENGTHS,
                       "split": options.EVALUATE_SPLITS, "quantize": options.QUANTIZATIONS}


def _one_line_error(status, stderr, message):
    assert status == 2
    assert stderr == f"audiolab: error: {message}\n"


def test_a_refused_value_is_one_line_with_status_2(tmp_path, capsys):
    status = main(["train", str(tmp_path), "--out", "m.keras", "--epochs", "many"])
    _one_line_error(status, capsys.readouterr().err,
                    "--epochs must be a positive integer, got 'many'")
    status = main(["stream", str(tmp_path / "m.tflite"), str(tmp_path / "long.wav")])
    _one_line_error(status, capsys.readouterr().err, f"{tmp_path / 'm.tflite'}: no such model file")
    status = main(["data", "speech", str(tmp_path / "out"), "--duration", "-1"])
    _one_line_error(status, capsys.readouterr().err, "--duration must be positive, got -1.0")


def test_argparse_own_errors_still_show_the_usage(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", str(tmp_path), "--out", "m.keras", "--model", "mlp"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: audiolab train")
    assert "audiolab train: error: argument --model: invalid choice: 'mlp'" in err


@pytest.mark.parametrize("variable, default", [
    ("TF_CPP_MIN_LOG_LEVEL", "2"),  # TensorFlow's start-up chatter silenced
    ("TF_ENABLE_ONEDNN_OPTS", "1"),  # the lessons' kernels, on AMD processors too
])
def test_main_sets_tensorflow_defaults_unless_told_otherwise(monkeypatch, capsys, variable,
                                                             default):
    monkeypatch.delenv(variable, raising=False)  # restored afterwards
    assert main(["data"]) == 2
    assert __import__("os").environ[variable] == default
    monkeypatch.setenv(variable, "0")
    assert main(["data"]) == 2
    assert __import__("os").environ[variable] == "0"
    capsys.readouterr()


def test_help_loads_nothing_heavy():
    code = (
        "import sys\n"
        "from audiolab.cli import main\n"
        "for argv in ([], ['data'], ['data', 'speech'], ['train'], ['evaluate'], ['export'],"
        " ['predict'], ['stream']):\n"
        "    try:\n"
        "        main([*argv, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('tensorflow', 'keras', 'librosa', 'matplotlib', 'sklearn', 'audiomentations',"
        " 'audiolab.datasets')\n"
        "print('loaded:', *sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stderr.strip() == "loaded:", done.stderr
    assert "usage: audiolab" in done.stdout and "--top-k K" in done.stdout


def test_the_command_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "audiolab.cli", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: audiolab")


def test_paths_with_a_tilde_are_expanded_once_for_every_command(tmp_path, monkeypatch):
    # The shell leaves ~ alone in quotes and in --out=~/m.keras: the types expand it, so
    # the command works on the file it checked.
    from audiolab.cli.options import existing_file, existing_folder, output_file

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "clip.wav").write_bytes(b"RIFF")
    assert existing_file("audio file")("~/clip.wav") == str(tmp_path / "clip.wav")
    assert existing_folder("folder")("~") == str(tmp_path)
    assert output_file("--out", ".keras")("~/m.keras") == str(tmp_path / "m.keras")



def test_data_speech_takes_the_rates_the_synthetic_speech_makes(tmp_path, capsys):
    from audiolab.cli import data
    from audiolab.datasets import make_speech_dataset
    from audiolab.errors import ParameterError

    assert main(["data", "speech", str(tmp_path / "out"), "--sr", "192000"]) == 2
    assert "--sr must be between 4000 and 96000 Hz" in capsys.readouterr().err
    with pytest.raises(ParameterError, match="96000"):  # the limit the command repeats
        make_speech_dataset(tmp_path / "api", sr=data.SPEECH_MAX_SR + 1)
