"""The ``audiolab`` command: the course's pipeline for your own recordings.

Each command family lives beside the code it drives and registers itself here
through a ``register(subparsers)`` function, so that this file stays a table of
contents. Errors from the ``AudiolabError`` family are printed as one line and
exit with status 2; nothing else is caught, so real bugs still show a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import AudiolabError

__all__ = ["main", "build_parser"]


def _register_doctor(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check that the course's environment works"
    )

    def run(args: argparse.Namespace) -> int:
        from .system import doctor

        return 0 if doctor() else 1

    parser.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``audiolab`` command."""
    parser = argparse.ArgumentParser(
        prog="audiolab",
        description="Audio classification from data to device: the Audiolab course's tools.",
    )
    parser.add_argument("--version", action="version", version=f"audiolab {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    _register_doctor(subparsers)
    for register in _command_families():
        register(subparsers)
    return parser


def _command_families():
    """The ``register`` functions of the command families, in help order."""
    from .datasets.cli import register as register_data
    from .deploy_cli import register as register_deploy
    from .train_cli import register as register_train

    return [register_data, register_train, register_deploy]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``audiolab`` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except AudiolabError as error:
        print(f"audiolab: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("audiolab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
