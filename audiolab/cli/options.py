"""The command line's argument types and choices, in one place.

Every command family (:mod:`audiolab.cli.data`, :mod:`~audiolab.cli.train`,
:mod:`~audiolab.cli.deploy`) takes its numbers, files and choices from here,
so that ``--sr`` means the same in ``audiolab data speech`` and
``audiolab train``, and a bad value is refused the same way everywhere.

Types
-----
An argument type turns the text argparse hands it into a value, with the
checks of :mod:`audiolab.validation`, or raises an
:class:`~audiolab.errors.AudiolabError` naming the option (or the file) and
the problem. It is deliberately not a ``ValueError``: argparse would replace
the message with its own "invalid value"; this way the error reaches
:func:`audiolab.cli.main`, which prints it as one line
(``audiolab: error: --epochs must be a positive integer, got 0``) and exits
with status 2, as it does for the errors found while a command runs.

- ``positive_int(name)``: an integer > 0 (``--epochs``, ``--sr``, ``--top-k``);
- ``nonnegative_int(name)``: an integer >= 0 (``--seed``);
- ``positive_float(name)``: a finite number > 0 (``--hop``, ``--duration``);
- ``probability(name)``: a number between 0 and 1 (``--threshold``);
- ``sample_rate(name)``: a rate in Hz between :data:`MIN_SR` and :data:`MAX_SR` (``--sr``);
- ``bounded_float(name, low, high)``: a finite number in ``[low, high]``
  (``--hop``, ``--duration``);
- ``path_ending(name, suffix)``: a file to write, ending in ``suffix`` (``--out``);
- ``c_identifier(name)``: a C identifier (``--c-array``);
- ``existing_file(what)``, ``existing_folder(what)``: a file or a folder that
  is there, returned as typed;
- ``output_file(name, suffix)``: a file to write, ending in ``suffix``, whose
  folder exists and can be written, and which is not a folder itself.

Messages
--------
The work a command runs is the Python API's, whose errors name its
parameters (``per_class``, ``overwrite=True``). :func:`in_option_terms`
rewrites them in the command's words (``--per-class``, ``--overwrite``); a
command lists its own translations with ``set_defaults(api_names={...})``.

Choices
-------
From the package's light modules: :data:`MODEL_KINDS` and
:data:`QUANTIZATIONS` (:mod:`audiolab.modelfile`), :data:`AUGMENT_STRENGTHS`
(:mod:`audiolab.augment`). The dataset names and splits live in
:mod:`audiolab.datasets`, whose import loads SciPy and soundfile; they are
written here once, and ``tests/test_cli_options.py`` checks that they equal
the package's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..augment import STRENGTHS as AUGMENT_STRENGTHS
from ..errors import AudiolabError
from ..files import why_missing
from ..modelfile import MODEL_KINDS, QUANTIZATIONS
from ..validation import (
    check_label_smoothing,
    check_max_warp,
    check_nonnegative,
    check_nonnegative_int,
    check_positive,
    check_positive_int,
    check_probability,
)

__all__ = [
    "AUGMENT_STRENGTHS",
    "EVALUATE_SPLITS",
    "MODEL_KINDS",
    "QUANTIZATIONS",
    "REMOTE_DATASETS",
    "MAX_SR",
    "MIN_SR",
    "one_line",
    "SPLITS",
    "bounded_float",
    "c_identifier",
    "existing_file",
    "existing_folder",
    "in_option_terms",
    "label_fraction",
    "nonnegative_float",
    "nonnegative_int",
    "output_file",
    "path_ending",
    "positive_float",
    "positive_int",
    "probability",
    "sample_rate",
    "warp_fraction",
]

#: The splits of a dataset, in order (:data:`audiolab.datasets.SPLITS`).
SPLITS = ("train", "val", "test")
#: What ``audiolab evaluate --split`` accepts: a split, or every clip.
EVALUATE_SPLITS = ("test", "val", "train", "all")
#: The datasets ``audiolab data download`` fetches (the keys of
#: :data:`audiolab.datasets.REMOTE_DATASETS`).
REMOTE_DATASETS = ("fsdd", "mini_speech_commands", "esc50")

ArgumentType = Callable[[str], Any]

#: The sample rates the command accepts (Hz): below 4 kHz the speech features' 20 Hz to
#: sr/2 mel bands do not fit; above 192 kHz no recording is, and a second of it would be
#: a large allocation for nothing.
MIN_SR, MAX_SR = 4000, 192000


def _checked(check: Callable[[str, Any], Any], name: str, value: Any) -> Any:
    """``check(name, value)``, its ``ParameterError`` raised again as an ``AudiolabError``."""
    try:
        return check(name, value)
    except AudiolabError as error:
        raise AudiolabError(str(error)) from None


def _integer(check: Callable[[str, Any], int], name: str) -> ArgumentType:
    def convert(text: str) -> int:
        try:
            value: Any = int(text)
        except ValueError:
            value = text  # the check names it: "--epochs must be a positive integer, got 'x'"
        return _checked(check, name, value)

    convert.__name__ = name
    return convert


def _number(check: Callable[[str, Any], float], name: str) -> ArgumentType:
    def convert(text: str) -> float:
        try:
            value: Any = float(text)
        except ValueError:
            value = text  # "--hop must be a number, got 'x'"
        return _checked(check, name, value)

    convert.__name__ = name
    return convert


def positive_int(name: str) -> ArgumentType:
    """The type of an option that takes an integer > 0.

    Parameters
    ----------
    name : str
        The option, as the user types it (``"--epochs"``); the error names it.

    Returns
    -------
    callable
        ``str -> int``, raising ``AudiolabError`` on anything else.

    Examples
    --------
    >>> positive_int("--epochs")("15")
    15
    """
    return _integer(check_positive_int, name)


def nonnegative_int(name: str) -> ArgumentType:
    """The type of an option that takes an integer >= 0 (a seed).

    Examples
    --------
    >>> nonnegative_int("--seed")("0")
    0
    """
    return _integer(check_nonnegative_int, name)


def positive_float(name: str) -> ArgumentType:
    """The type of an option that takes a finite number > 0 (seconds, say).

    Examples
    --------
    >>> positive_float("--hop")("0.1")
    0.1
    """
    return _number(check_positive, name)


def nonnegative_float(name: str) -> ArgumentType:
    """The type of an option that takes a finite number >= 0 (a time that may be none).

    Examples
    --------
    >>> nonnegative_float("--refractory")("0.5")
    0.5
    """
    return _number(check_nonnegative, name)


def warp_fraction(name: str) -> ArgumentType:
    """The type of an option that takes a frequency warp, a fraction in [0, 1).

    Examples
    --------
    >>> warp_fraction("--max-warp")("0")
    0.0
    """
    return _number(check_max_warp, name)


def label_fraction(name: str) -> ArgumentType:
    """The type of an option that takes a label smoothing, a fraction in [0, 1).

    Examples
    --------
    >>> label_fraction("--label-smoothing")("0.1")
    0.1
    """
    return _number(check_label_smoothing, name)


def probability(name: str) -> ArgumentType:
    """The type of an option that takes a number between 0 and 1.

    Examples
    --------
    >>> probability("--threshold")("0.6")
    0.6
    """
    return _number(check_probability, name)


def sample_rate(name: str, highest: int = MAX_SR) -> ArgumentType:
    """The type of an option that takes a sample rate: an integer from MIN_SR to ``highest`` Hz.

    Examples
    --------
    >>> sample_rate("--sr")("16000")
    16000
    """
    as_int = positive_int(name)

    def convert(text: str) -> int:
        value = as_int(text)
        if not MIN_SR <= value <= highest:
            raise AudiolabError(f"{name} must be between {MIN_SR} and {highest} Hz, got {value}")
        return value

    convert.__name__ = name
    return convert


def bounded_float(name: str, low: float, high: float, unit: str = "seconds") -> ArgumentType:
    """The type of an option that takes a finite number from ``low`` to ``high``.

    Examples
    --------
    >>> bounded_float("--hop", 0.001, 3600)("0.1")
    0.1
    """
    as_float = positive_float(name)

    def convert(text: str) -> float:
        value = as_float(text)
        if not low <= value <= high:
            raise AudiolabError(f"{name} must be between {low:g} and {high:g} {unit}, got {text}")
        return value

    convert.__name__ = name
    return convert


def path_ending(name: str, suffix: str) -> ArgumentType:
    """The type of an option naming a file to write, which must end in ``suffix``.

    Returns the text as typed.

    Examples
    --------
    >>> path_ending("--out", ".keras")("model.keras")
    'model.keras'
    """

    def convert(text: str) -> str:
        if not text.endswith(suffix):
            raise AudiolabError(f"{name} must end in {suffix}, got {text}")
        return text

    convert.__name__ = name
    return convert


_C_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def c_identifier(name: str) -> ArgumentType:
    """The type of an option naming a C variable.

    Examples
    --------
    >>> c_identifier("--c-array")("g_model")
    'g_model'
    """

    def convert(text: str) -> str:
        if not _C_IDENTIFIER.match(text):
            raise AudiolabError(f"{name} must be a C identifier, got {text!r}")
        return text

    convert.__name__ = name
    return convert


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def existing_file(what: str) -> ArgumentType:
    """The type of an argument naming a file that must be there.

    Parameters
    ----------
    what : str
        What the file is (``"model file"``, ``"audio file"``), for the error:
        ``clip.wav: no such audio file``, ``data: is a folder, not a model file``.

    Returns
    -------
    callable
        ``str -> str``: the text as typed (a leading ``~`` expanded, as the
        shell does not in ``--out=~/m.keras`` or in quotes), so that what a
        command prints shows the user's own path.

    Examples
    --------
    >>> existing_file("audio file")(__file__) == __file__
    True
    """

    def convert(text: str) -> str:
        path = Path(text).expanduser()
        if not path.exists():
            raise AudiolabError(f"{path}: {why_missing(path, what)}")
        if path.is_dir():
            raise AudiolabError(f"{path}: is a folder, not {_a(what)}")
        return os.path.expanduser(text)

    convert.__name__ = what
    return convert


def existing_folder(what: str) -> ArgumentType:
    """The type of an argument naming a folder that must be there.

    The error reads ``data: no such dataset folder`` or
    ``notes.txt: is a file, not a dataset folder``; the value is the text as typed
    (a leading ``~`` expanded).

    Examples
    --------
    >>> import os
    >>> existing_folder("folder")(os.curdir)
    '.'
    """

    def convert(text: str) -> str:
        path = Path(text).expanduser()
        if not path.exists():
            raise AudiolabError(f"{path}: {why_missing(path, what)}")
        if not path.is_dir():
            raise AudiolabError(f"{path}: is a file, not {_a(what)}")
        return os.path.expanduser(text)

    convert.__name__ = what
    return convert


def _writable_folder(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def check_output(name: str, path: Path, *, what: str = "file") -> None:
    """Refuse ``path`` as a file to write: a folder there, a missing or unwritable folder.

    Raises
    ------
    AudiolabError
        Naming the option: ``--out model.keras: is a folder``.
    """
    if path.is_dir():
        raise AudiolabError(f"{name} {path}: is a folder, not {_a(what)}; choose a file name")
    folder = path.parent
    if not folder.exists():
        raise AudiolabError(f"{name} {path}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise AudiolabError(f"{name} {path}: {folder} is a file, not a folder")
    if not _writable_folder(folder):
        raise AudiolabError(f"{name} {path}: the folder {folder} cannot be written (permission denied)")


def output_file(name: str, suffix: str, *, what: str = "file") -> ArgumentType:
    """The type of an option naming a file to write: ``path_ending`` plus :func:`check_output`.

    Checked when the command line is read, before any long work: the file
    must end in ``suffix``, must not be a folder, and its folder must exist
    and be writable. Returns the text as typed (a leading ``~`` expanded).

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.gettempdir(), "model.keras")
    >>> output_file("--out", ".keras")(out) == out
    True
    """
    ending = path_ending(name, suffix)

    def convert(text: str) -> str:
        ending(text)
        check_output(name, Path(text).expanduser(), what=what)
        return os.path.expanduser(text)

    convert.__name__ = name
    return convert


def one_line(text: str) -> str:
    """``text`` on one line: a newline or other control character escaped (``\\n``).

    What the commands print has one line per file; a file name may hold a newline.

    Examples
    --------
    >>> one_line("take\\n2.wav")
    'take\\\\n2.wav'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def in_option_terms(message: str, api_names: Mapping[str, str]) -> str:
    """Rewrite an API error in a command's words: ``per_class=5`` -> ``--per-class 5``.

    ``api_names`` maps the API's names (``"per_class"``, ``"overwrite=True"``,
    ``"the path argument"``) to the options (``"--per-class"``, ``"--source"``).
    A name is replaced only as a whole word outside paths.

    Examples
    --------
    >>> in_option_terms("pass overwrite=True to replace it", {"overwrite=True": "--overwrite"})
    'pass --overwrite to replace it'
    >>> in_option_terms("per_class=7 must be a multiple of takes=2",
    ...                 {"per_class": "--per-class", "takes": "--takes"})
    '--per-class 7 must be a multiple of --takes 2'
    """
    for api, option in sorted(api_names.items(), key=lambda item: -len(item[0])):
        pattern = re.compile(rf"(?<![\w/.\-]){re.escape(api)}(?![\w/\-]|\.\w)(=)?")
        message = pattern.sub(lambda m, option=option: option + (" " if m.group(1) else ""),
                              message)
    return message
