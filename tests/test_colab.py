"""Every lesson runs on Colab: its set-up cell installs what Colab lacks.

On Colab a lesson's first code cell installs the course's package from the
repository, with the extras that lesson needs (``audiolab[litert] @ git+...``);
everything else must come with Colab. This test collects what each notebook
imports, directly or through the ``audiolab`` modules it imports, and checks
that every module is in the standard library, installed by the set-up cell's
``pip install`` (with its dependencies), or in :data:`COLAB_PROVIDES`.

No network: what an install brings is read from this environment's package
metadata, which holds the same versions.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement

# The metadata of every installed distribution is read once per process: 15-50 s.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("notebooks", "solutions", "exercises")

#: Modules Colab's own runtime has, which the set-up cells therefore do not
#: install (installing TensorFlow over Colab's own would replace its GPU build).
#: Keep it short, and to what Colab documents as preinstalled.
COLAB_PROVIDES = frozenset({
    "IPython", "ipywidgets", "matplotlib", "numpy", "scipy", "sklearn", "threadpoolctl",
    "tensorflow", "keras", "tensorflow_hub",
})

INSTALL = re.compile(r"^\s*!pip install (?P<args>.+)$", re.MULTILINE)
AUDIOLAB_SPEC = re.compile(r"[\"']?audiolab(?:\[(?P<extras>[\w,\s-]*)\])?\s*@\s*git\+\S+?[\"']?(?:\s|$)")


def notebooks() -> list[Path]:
    return sorted(p for part in PARTS for p in (ROOT / part).glob("*.ipynb"))


def code_sources(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c["cell_type"] == "code"]


def python_only(source: str) -> str:
    """The cell without IPython's shell escapes and magics (``!pip``, ``%matplotlib``)."""
    return "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("!", "%"))
        else line
        for line in source.splitlines()
    )


def imported_modules(tree: ast.AST, package: str | None = None) -> tuple[set[str], set[str]]:
    """(top-level modules, audiolab submodules) imported anywhere in a syntax tree."""
    outside, ours = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the audiolab package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                names = [module] + [f"{module}.{alias.name}" for alias in node.names]
            else:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "audiolab":
                ours.add(name)
            else:
                outside.add(name.split(".")[0])
    return outside, ours


@cache
def audiolab_module_imports(module: str) -> frozenset[str]:
    """Top-level modules that an audiolab module imports, following its audiolab imports."""
    seen, todo, found = set(), [module], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        relative = Path(*name.split("."))
        file = ROOT / relative.with_suffix(".py")
        package = name
        if (ROOT / relative / "__init__.py").is_file():
            file = ROOT / relative / "__init__.py"
        elif file.is_file():
            package = name.rsplit(".", 1)[0]
        else:
            continue  # an attribute, not a module (``from audiolab import deploy`` lists both)
        outside, ours = imported_modules(ast.parse(file.read_text(encoding="utf-8")), package)
        found |= outside
        todo += sorted(ours)
    return frozenset(found)


@cache
def modules_of_distribution(distribution: str) -> frozenset[str]:
    """The top-level modules an installed distribution provides."""
    provided = metadata.packages_distributions()
    key = distribution.lower().replace("_", "-")
    return frozenset(module for module, dists in provided.items()
                     if any(d.lower().replace("_", "-") == key for d in dists))


def installed_modules(extras: set[str]) -> set[str]:
    """Top-level modules that ``pip install audiolab[extras]`` brings, dependencies included."""
    modules: set[str] = set()
    seen: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = [("audiolab", frozenset(extras))]
    while todo:
        name, wanted = todo.pop()
        key = (name.lower(), wanted)
        if key in seen:
            continue
        seen.add(key)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        modules |= modules_of_distribution(name)
        for text in requirements:
            requirement = Requirement(text)
            markers = [{"extra": extra} for extra in ("", *wanted)]
            if requirement.marker is None or any(requirement.marker.evaluate(m) for m in markers):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return modules


def set_up_extras(path: Path) -> set[str] | None:
    """The extras the set-up cell installs on Colab, or None without an install."""
    first = code_sources(path)[0]
    if "google.colab" not in first:
        return None
    for match in INSTALL.finditer(first):
        spec = AUDIOLAB_SPEC.search(match["args"])
        if spec:
            return {e.strip() for e in (spec["extras"] or "").split(",") if e.strip()}
    return None


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_set_up_cell_installs_what_colab_lacks(path):
    extras = set_up_extras(path)
    assert extras is not None, f"{path.name}: the first code cell does not install audiolab on Colab"
    needed: set[str] = set()
    for source in code_sources(path):
        outside, ours = imported_modules(ast.parse(python_only(source)))
        needed |= outside
        for module in ours:
            needed |= audiolab_module_imports(module)
    covered = set(sys.stdlib_module_names) | COLAB_PROVIDES | installed_modules(extras) | {"audiolab"}
    missing = sorted(needed - covered)
    assert not missing, (
        f"{path.relative_to(ROOT)}: on Colab {missing} would be missing; install the extra that "
        f"holds them in the set-up cell (`audiolab[EXTRA] @ git+...`)"
    )


def test_the_check_sees_what_an_install_brings():
    assert {"librosa", "soundfile", "pooch", "tqdm"} <= installed_modules(set())
    assert "ai_edge_litert" not in installed_modules(set())
    assert "ai_edge_litert" in installed_modules({"litert"})
    outside, ours = imported_modules(ast.parse(
        "import numpy as np\nfrom audiolab import deploy\ndef f():\n    import tensorflow_hub"))
    assert outside == {"numpy", "tensorflow_hub"} and "audiolab.deploy" in ours
    assert "ai_edge_litert" in audiolab_module_imports("audiolab.deploy")
