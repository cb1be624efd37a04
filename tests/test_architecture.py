"""The package's structure: no import cycle, no import-time side effects, one home per idea.

CONTRIBUTING.md ("Layers") describes the rules these tests hold.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "audiolab"

#: Modules a learner or a tool may import without loading TensorFlow (about 6 s, 600 MB).
LIGHT_MODULES = [
    "audiolab", "audiolab.errors", "audiolab.validation", "audiolab.files", "audiolab.quiet",
    "audiolab.modelfile", "audiolab.io", "audiolab.dsp", "audiolab.features",
    "audiolab.preprocess", "audiolab.augment", "audiolab.datasets", "audiolab.predictors",
    "audiolab.evaluate", "audiolab.deploy", "audiolab.cli", "audiolab.pretrained",
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The audiolab modules ``name`` imports, at the top or inside functions."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return {target for target in found if target in modules and target != name}


def import_graph() -> dict[str, set[str]]:
    """Module -> the audiolab modules it imports.

    The package's front door, ``audiolab/__init__.py``, is left out as an
    importer: its ``__getattr__`` loads any submodule on first use by design
    (``audiolab.features`` without ``import audiolab.features``).
    """
    modules = _modules()
    return {name: set() if name == "audiolab" else _imports(name, path, modules)
            for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert "audiolab.predictors" in graph and "audiolab.deploy.convert" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_evaluate_and_deploy_share_predictors_without_importing_each_other():
    graph = import_graph()
    evaluate = {m for m in graph if m.startswith("audiolab.evaluate")}
    deploy = {m for m in graph if m.startswith("audiolab.deploy")}
    assert not any(graph[m] & deploy for m in evaluate)
    assert not any(graph[m] & evaluate for m in deploy)
    assert "audiolab.predictors" in graph["audiolab.evaluate.metrics"]
    assert not graph["audiolab.predictors"] & (evaluate | deploy)


#: The rows of CONTRIBUTING.md's "Layers" table: a module imports from its row or rows above.
LAYERS = [
    ["audiolab", "audiolab.errors", "audiolab.validation", "audiolab.files", "audiolab.quiet",
     "audiolab.modelfile", "audiolab.pretrained"],
    ["audiolab.io", "audiolab.dsp", "audiolab.features", "audiolab.plots"],
    ["audiolab.preprocess", "audiolab.augment"],
    ["audiolab.datasets"],
    ["audiolab.models", "audiolab.losses", "audiolab.seeding", "audiolab.train",
     "audiolab.finetune"],
    ["audiolab.predictors"],
    ["audiolab.evaluate", "audiolab.deploy"],
    ["audiolab.cli", "audiolab.widgets", "audiolab.checks", "audiolab.system"],
]
#: The one import that goes up: the whole run of ``audiolab train`` (and of ``--from``, through
#: it) reports on its model.
UPWARD = {("audiolab.train", "audiolab.predictors"), ("audiolab.train", "audiolab.evaluate.metrics")}


def _row(module: str) -> int:
    matches = [(len(prefix), row) for row, prefixes in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} is in no row of CONTRIBUTING.md's Layers table"
    return max(matches)[1]


def test_imports_go_down_the_layers():
    graph = import_graph()
    upward = sorted((module, target) for module, targets in graph.items() for target in targets
                    if _row(target) > _row(module) and (module, target) not in UPWARD)
    assert upward == [], upward


def _run(code: str) -> dict:
    # Without the variables the test session sets, so that a module setting one is seen.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=PACKAGE.parent, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_a_module_changes_no_environment_variable():
    # The third-party libraries first: TensorFlow sets variables of its own when it loads.
    modules = sorted(name for name in _modules() if not name.endswith("__main__"))
    changed = _run(
        "import importlib, json, os\n"
        "import tensorflow, keras, librosa, sklearn, matplotlib, audiomentations, ipywidgets\n"
        "changed = {}\n"
        f"for name in {modules!r}:\n"
        "    before = dict(os.environ)\n"
        "    importlib.import_module(name)\n"
        "    diff = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))\n"
        "    if diff:\n"
        "        changed[name] = diff\n"
        "print(json.dumps(changed))\n"
    )
    assert changed == {}


def test_light_modules_do_not_load_tensorflow():
    loaded = _run(
        "import importlib, json, sys\n"
        "first = None\n"
        f"for name in {LIGHT_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "    if first is None and 'tensorflow' in sys.modules:\n"
        "        first = name\n"
        "print(json.dumps({'first': first}))\n"
    )
    assert loaded == {"first": None}


def test_the_speech_feature_settings_have_one_source():
    from audiolab import features, models, train
    from audiolab.widgets.features import MFCC_SETTINGS

    source = features.SPEECH_FEATURES
    assert source["kind"] == "logmel" and source["hop_length"] == 160 and source["top_db"] == 80.0
    assert dict(train.feature_settings()) == dict(source)
    assert train.FEATURE_DEFAULTS is source
    for function in (features.extract_batch, models.AudioFeatures.__init__):
        defaults = {name: parameter.default
                    for name, parameter in inspect.signature(function).parameters.items()}
        assert {key: defaults[key] for key in source} == dict(source), function.__qualname__
    assert models.AudioFeatures().get_config()["sr"] == features.SPEECH_DEFAULTS["sr"]
    assert MFCC_SETTINGS.items() <= features.SPEECH_DEFAULTS.items()
    with pytest.raises(TypeError):
        source["hop_length"] = 128  # read-only: a lesson cannot change everyone's settings


def test_every_file_the_package_writes_goes_through_atomic_write():
    renames = [f"{path.relative_to(PACKAGE.parent)}:{number}"
               for path in PACKAGE.rglob("*.py") if path.name != "files.py"
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if "os.replace(" in line or "tempfile.mkstemp(" in line]
    # Folders are installed by renaming them (audiolab.datasets); files only by atomic_write.
    assert all("datasets" in where for where in renames), renames
