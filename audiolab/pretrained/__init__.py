"""Models shipped with the package: the pretrained speech encoder ``base``.

``base.keras`` is a CNN trained by ``tools/pretrain_base.py`` to tell apart
over 200 English words said by synthetic voices (eSpeak NG and Flite), none
of them a digit or a keyword of the course: fine-tuned on digits or keywords
(``audiolab train DATA --from base``,
:func:`audiolab.finetune.finetune_folder`), it has never heard those words.
Its card (``audiolab.json`` inside the file) records the words, the voices,
the seed, the time it took and its test accuracy.

This module only finds the files (no TensorFlow):
:func:`audiolab.finetune.load_pretrained` loads one, and
:func:`audiolab.finetune.embed` computes its embedding.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import ParameterError

__all__ = ["NAMES", "pretrained_path"]

#: The pretrained models, by the name ``--from`` takes.
NAMES = ("base",)


def pretrained_path(name: str = "base") -> Path:
    """The file of a pretrained model shipped with the package.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.

    Returns
    -------
    pathlib.Path
        The ``.keras`` file inside the installed package.

    Raises
    ------
    ParameterError
        If ``name`` is not a pretrained model's name, or the file is missing
        from the installation.

    Examples
    --------
    >>> pretrained_path("base").name
    'base.keras'
    """
    if name not in NAMES:
        raise ParameterError(f"pretrained model must be one of {', '.join(NAMES)}, got {name!r}")
    path = Path(str(resources.files(__package__).joinpath(f"{name}.keras")))
    if not path.is_file():
        raise ParameterError(f"the pretrained model {name!r} is missing from this installation "
                             f"({path}); reinstall audiolab")
    return path
