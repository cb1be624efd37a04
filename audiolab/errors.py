"""The one family of errors and warnings that ``audiolab`` raises.

Everything the package raises on bad input is an :class:`AudiolabError`, so a
learner or a program can catch the whole family with one ``except``. Messages
name the parameter or file and say what is wrong in plain words.
"""

from __future__ import annotations

__all__ = [
    "AudiolabError",
    "ParameterError",
    "AudioFileError",
    "DatasetError",
    "DownloadError",
    "SynthesisError",
    "AudiolabWarning",
]


class AudiolabError(Exception):
    """Base class of every error raised by ``audiolab``."""


class ParameterError(AudiolabError, ValueError):
    """A parameter has a value that cannot work; the message names it."""


class AudioFileError(AudiolabError):
    """A file cannot be read as audio; the message names the file and the problem."""


class DatasetError(AudiolabError):
    """A dataset folder is missing, empty, incomplete or not what was expected.

    The message names the folder and says what to do.
    """


class DownloadError(DatasetError):
    """A download failed, or its archive is corrupt, unverified or unsafe to extract."""


class SynthesisError(AudiolabError):
    """eSpeak NG could not be loaded or could not say the text."""


class AudiolabWarning(UserWarning):
    """Something worked, but not the way a user would expect (e.g. skipped files)."""
