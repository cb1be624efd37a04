"""``audiolab doctor``: check that the course's environment works (see :func:`audiolab.system.doctor`)."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` command to ``audiolab``'s parser."""
    parser = subparsers.add_parser("doctor", help="check that the course's environment works")
    parser.set_defaults(func=_run_doctor)


def _run_doctor(args: argparse.Namespace) -> int:
    from ..system import doctor

    return 0 if doctor() else 1
