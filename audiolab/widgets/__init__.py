"""Interactive demos for the lessons: sliders where a slider teaches more than a picture.

Each demo is a :class:`~audiolab.widgets.base.Demo`: controls, a text readout
and a figure, redrawn whenever a control changes. The drawing is a plain
function of the control values, so tests can move a slider and check what
changed. ipywidgets and matplotlib load only when a demo is built.

The demos live in one module per lesson topic (``sampling``, ``windowing``,
``spectrogram``, ``features``, ``preparation``, ``augmentation``, ...) and
are reachable from here by name, e.g. ``audiolab.widgets.aliasing_demo``.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["Demo"]


def _topic_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def __getattr__(name: str):
    for module_name in _topic_modules():
        module = importlib.import_module(f".{module_name}", __name__)
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module 'audiolab.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    names = set(globals())
    for module_name in _topic_modules():
        module = importlib.import_module(f".{module_name}", __name__)
        names.update(getattr(module, "__all__", ()))
    return sorted(names)
