"""The ``audiolab`` command: the course's pipeline for your own recordings.

One module per command family, each with a ``register(subparsers)`` function;
this file only puts them together, so that it stays a table of contents:

- :mod:`audiolab.cli.doctor`: ``audiolab doctor``;
- :mod:`audiolab.cli.data`: ``audiolab data speech|scene|fsdd|info|download|verify-fsdd``;
- :mod:`audiolab.cli.train`: ``audiolab train`` and ``audiolab evaluate``;
- :mod:`audiolab.cli.deploy`: ``audiolab export``, ``predict`` and ``stream``;
- :mod:`audiolab.cli.options`: the argument types and choices they share.

Building the parser imports nothing heavy (``audiolab --help`` loads neither
TensorFlow nor librosa): each command imports its work when it runs. Errors
from the ``AudiolabError`` family, whether an argument type refuses a value
or the work fails, are printed as one line and exit with status 2; nothing
else is caught (but a closed output pipe, which ends the command quietly),
so real bugs still show a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import AudiolabError
from . import data, deploy, doctor, train
from .options import in_option_terms

__all__ = ["main", "build_parser"]

#: The command families, in the order of ``audiolab --help``.
_FAMILIES = (doctor, data, train, deploy)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``audiolab`` command."""
    parser = argparse.ArgumentParser(
        prog="audiolab",
        description="Audio classification from data to device: the Audiolab course's tools.",
    )
    parser.add_argument("--version", action="version", version=f"audiolab {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for family in _FAMILIES:
        family.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``audiolab`` command and return its exit status.

    Parameters
    ----------
    argv : sequence of str or None
        The arguments after ``audiolab``; None reads ``sys.argv``.

    Returns
    -------
    int
        0 on success, 1 when ``doctor`` finds a problem or ``data info`` lists
        broken files, 2 on an error (one line on stderr: ``audiolab: error:
        ...``, in the command's terms: ``--overwrite``, not ``overwrite=True``),
        130 when interrupted, 141 when the reader of its output went away
        (``audiolab data info DIR | head -1``; nothing is printed).
    """
    # The entry point silences TensorFlow's start-up chatter, and asks for its oneDNN kernels,
    # which some x86 processors (AMD's) do not get by default: the lessons' kernels, and the
    # CNN's training steps a fifth shorter on such a processor. An explicit setting still wins.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    parser = build_parser()
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(argv)
        if not hasattr(args, "func"):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except AudiolabError as error:
        names = getattr(args, "api_names", None) or {}
        print(f"audiolab: error: {in_option_terms(str(error), names)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("audiolab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``audiolab data info DIR | head -1``): stop quietly, as
        # Unix tools do. Point stdout at nothing, so that Python's own flush at exit
        # does not fail again on the closed pipe.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE: what a shell reports for a tool the pipe stopped
