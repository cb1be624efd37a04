"""The project's set-up: the environment files agree, `import audiolab` stays light."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_installs_the_course_extra():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    pythons = [d for d in dependencies if isinstance(d, str) and d.startswith("python")]
    assert pythons and pythons[0].split("=")[1] in ("3.11", "3.12")
    pip_sections = [d["pip"] for d in dependencies if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-e .[course]"]]
    # conda provides Python and pip only: pyproject.toml is the one list of versions.
    assert all(isinstance(d, dict) or d.split("=")[0] in ("python", "pip") for d in dependencies)
    assert "course" in pyproject()["project"]["optional-dependencies"]


def test_course_extra_has_everything_and_tensorflow_has_markers():
    extras = pyproject()["project"]["optional-dependencies"]
    assert extras["course"] == ["audiolab[ml,lab,test]"]
    ml = extras["ml"]
    assert any(d.startswith("tensorflow-cpu") and "sys_platform == 'linux'" in d for d in ml)
    assert any(d.startswith("tensorflow>") and "sys_platform != 'linux'" in d for d in ml)
    assert "audiolab[litert]" in ml  # the LiteRT interpreter, installed alone on Colab
    for requirement in pyproject()["project"]["dependencies"] + ml + extras["litert"]:
        if not requirement.startswith("audiolab["):
            assert "<" in requirement, f"{requirement} has no upper bound"


def test_no_binder_folder_hides_the_root_environment():
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert "make test" in script


def _imported_after(statement: str) -> set[str]:
    code = (
        f"import sys; {statement}; "
        "print(' '.join(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', 'librosa', "
        "'sklearn', 'audiomentations') if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_import_audiolab_is_light():
    assert _imported_after("import audiolab") == set()


@pytest.mark.parametrize(
    "module", ["io", "dsp", "features", "preprocess", "checks", "validation", "system", "cli"]
)
def test_core_modules_do_not_load_heavy_libraries(module):
    heavy = _imported_after(f"import audiolab.{module}")
    assert not heavy & {"tensorflow", "keras", "matplotlib"}, heavy


def test_licences_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "Creative Commons Attribution 4.0" in (ROOT / "LICENSE-CONTENT.md").read_text()
