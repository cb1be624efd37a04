"""Keeping TensorFlow's and LiteRT's C++ chatter out of a learner's notebook.

TensorFlow, its converter and the LiteRT interpreter print start-up banners
and conversion logs straight to file descriptors 1 and 2, below Python, where
``contextlib.redirect_stderr`` cannot reach; in Jupyter they land in the
notebook as red stderr boxes. :func:`silenced` drops them for the length of a
``with`` block; :func:`import_keras` loads TensorFlow and Keras inside it.

Nothing here changes ``os.environ``: the lessons and the ``audiolab`` command
set ``TF_CPP_MIN_LOG_LEVEL`` themselves, before TensorFlow loads.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings
from collections.abc import Iterator

__all__ = ["import_keras", "silenced"]


@contextlib.contextmanager
def silenced(*, stdout: bool = False) -> Iterator[None]:
    """Drop what is written to stderr (and stdout if asked) inside the block, at every level.

    File descriptor 2 (and 1) is pointed at ``os.devnull``; Python's
    streams are redirected, warnings ignored and the ``absl`` and
    ``tensorflow`` loggers raised to ERROR for the block. Without real file
    descriptors (some embedded consoles) only Python's streams are quietened.

    Parameters
    ----------
    stdout : bool
        Silence standard output too (the TFLite converter prints there).
    """
    descriptors = (1, 2) if stdout else (2,)
    saved: dict[int, int] = {}
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd in descriptors:
            saved[fd] = os.dup(fd)
    except (OSError, ValueError, AttributeError):  # no real file descriptors
        for copy in saved.values():
            os.close(copy)
        saved = {}
    loggers = [logging.getLogger(name) for name in ("absl", "tensorflow")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        if saved:
            with open(os.devnull, "w") as devnull:
                for fd in saved:
                    os.dup2(devnull.fileno(), fd)
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
            if stdout:
                stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)


def import_keras():
    """Import TensorFlow and Keras without their C++ start-up banner; return ``keras``.

    TensorFlow 2.21 prints an absl warning and a oneDNN note to file
    descriptor 2 when it loads, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. They
    are dropped unless that variable asks for informational messages (0 or
    1); later messages follow the variable as TensorFlow reads it.
    """
    if "tensorflow" not in sys.modules:
        asked = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2").strip()
        with silenced() if asked not in ("0", "1") else contextlib.nullcontext():
            import tensorflow  # noqa: F401
    import keras

    return keras
