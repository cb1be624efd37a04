"""cached_folder: the one builder of dataset folders (synthetic speech, FSDD export)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from datasets_fixtures import fsdd_members

from audiolab.datasets import DatasetError, export_fsdd, read_manifest, real
from audiolab.datasets._common import cached_folder, read_manifest_file, write_manifest

FORMAT = "audiolab-test-folder"


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}"))


def _complete(folder: Path, manifest: dict) -> bool:
    return len(list(folder.glob("*.txt"))) == manifest.get("n_files")


class Builder:
    """A build writing ``n`` text files and a manifest; counts its calls."""

    def __init__(self, n: int = 3, tag: str = "a") -> None:
        self.n, self.tag, self.calls = n, tag, 0

    @property
    def parameters(self) -> dict:
        return {"n": self.n, "tag": self.tag}

    def __call__(self, folder: Path) -> None:
        self.calls += 1
        for i in range(self.n):
            (folder / f"{i}.txt").write_text(f"{self.tag}{i}")
        write_manifest(folder, {"format": FORMAT, "parameters": self.parameters,
                                "n_files": self.n})


def _cached(target: Path, build, *, replace: bool = False, parameters: dict | None = None):
    return cached_folder(
        target, format=FORMAT, parameters=build.parameters if parameters is None else parameters,
        build=build, is_complete=_complete, replace=replace, what="a test folder",
        foreign="a folder made by the tests",
    )


def test_a_folder_is_built_once_then_reused(tmp_path):
    build = Builder()
    target = tmp_path / "data"
    assert _cached(target, build) == (target, True)
    assert sorted(p.name for p in target.iterdir()) == ["0.txt", "1.txt", "2.txt", "manifest.json"]
    assert read_manifest_file(target) == {"format": FORMAT, "parameters": build.parameters,
                                          "n_files": 3}
    stamps = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    assert _cached(target, build) == (target, False)
    assert build.calls == 1
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == stamps
    assert _leftovers(tmp_path, "data") == []


def test_other_parameters_are_refused_then_replaced_with_replace(tmp_path):
    target = tmp_path / "data"
    _cached(target, Builder(n=3))
    other = Builder(n=4)
    with pytest.raises(DatasetError) as caught:
        _cached(target, other)
    message = str(caught.value)
    assert str(target) in message and "\n" not in message
    assert "holds a test folder made with other parameters (n: 3 there, 4 asked)" in message
    assert "overwrite=True" in message
    assert other.calls == 0 and read_manifest_file(target)["parameters"]["n"] == 3
    assert _cached(target, other, replace=True) == (target, True)
    assert read_manifest_file(target)["parameters"]["n"] == 4
    assert len(list(target.glob("*.txt"))) == 4
    assert _leftovers(tmp_path, "data") == []


def test_a_damaged_folder_with_the_same_parameters_is_rebuilt_without_replace(tmp_path):
    target = tmp_path / "data"
    build = Builder()
    _cached(target, build)
    (target / "1.txt").unlink()
    assert _cached(target, build) == (target, True)
    assert (target / "1.txt").read_text() == "a1" and build.calls == 2


@pytest.mark.parametrize("replace", [False, True])
def test_a_foreign_folder_is_refused_in_one_line_and_left_alone(tmp_path, replace):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("precious")
    build = Builder()
    with pytest.raises(DatasetError) as caught:
        _cached(target, build, replace=replace)
    message = str(caught.value)
    assert message.startswith(f"{target} exists and is not a folder made by the tests")
    assert "no manifest.json" in message and "\n" not in message
    assert build.calls == 0 and (target / "notes.txt").read_text() == "precious"
    # A manifest of another kind is foreign too, and said so.
    (target / "manifest.json").write_text('{"format": "someone-else"}')
    with pytest.raises(DatasetError, match="'someone-else'"):
        _cached(target, build, replace=replace)
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json", "notes.txt"]


def test_a_file_is_refused_and_an_empty_folder_is_filled(tmp_path):
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(DatasetError, match="exists and is not a folder"):
        _cached(file, Builder())
    assert file.read_text() == "x"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _cached(empty, Builder()) == (empty, True)
    assert len(list(empty.glob("*.txt"))) == 3


class _Crash(Exception):
    pass


@pytest.mark.parametrize("error", [_Crash, KeyboardInterrupt])
def test_a_build_that_fails_leaves_nothing_behind(tmp_path, error):
    def build(folder: Path) -> None:
        (folder / "0.txt").write_text("half")
        raise error

    build.parameters = {"n": 3}
    with pytest.raises(error):
        _cached(tmp_path / "data", build)
    assert list(tmp_path.iterdir()) == []


def test_a_build_that_fails_keeps_the_old_folder(tmp_path):
    target = tmp_path / "data"
    _cached(target, Builder(n=2))

    def build(folder: Path) -> None:
        raise _Crash

    with pytest.raises(_Crash):
        _cached(target, build, replace=True, parameters={"n": 5})
    assert read_manifest_file(target)["parameters"]["n"] == 2
    assert _leftovers(tmp_path, "data") == []


def test_a_build_that_does_not_keep_its_promise_is_not_installed(tmp_path):
    build = Builder()

    def incomplete(folder: Path) -> None:
        build(folder)
        (folder / "2.txt").unlink()

    with pytest.raises(DatasetError, match="does not hold what its manifest.json promises"):
        _cached(tmp_path / "data", incomplete, parameters=build.parameters)
    assert list(tmp_path.iterdir()) == []


def test_a_race_lost_to_an_equal_build_reuses_the_winner(tmp_path):
    target = tmp_path / "data"
    winner = Builder(tag="a")

    def build(folder: Path) -> None:
        # Another process installs the same dataset while this one is building.
        assert _cached(target, winner) == (target, True)
        Builder(tag="a")(folder)

    assert _cached(target, build, parameters=winner.parameters) == (target, False)
    assert winner.calls == 1 and (target / "0.txt").read_text() == "a0"
    assert _leftovers(tmp_path, "data") == []


def test_a_race_lost_to_another_dataset_is_refused_or_replaced(tmp_path):
    target = tmp_path / "data"

    def racing(winner):
        def build(folder: Path) -> None:
            winner(target)
            Builder(n=3)(folder)

        return build

    def other_parameters(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
        _cached(path, Builder(n=7), replace=True)

    with pytest.raises(DatasetError, match="other parameters"):
        _cached(target, racing(other_parameters), parameters={"n": 3, "tag": "a"})
    assert read_manifest_file(target)["parameters"]["n"] == 7
    assert _cached(target, racing(other_parameters), parameters={"n": 3, "tag": "a"},
                   replace=True) == (target, True)
    assert read_manifest_file(target)["parameters"]["n"] == 3

    def foreign(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir()
        (path / "notes.txt").write_text("precious")

    shutil.rmtree(target)
    with pytest.raises(DatasetError, match="exists and is not a folder made by the tests"):
        _cached(target, racing(foreign), parameters={"n": 3, "tag": "a"}, replace=True)
    assert (target / "notes.txt").read_text() == "precious"
    assert _leftovers(tmp_path, "data") == []


# --------------------------------------------------------------------------
# The FSDD export goes through it (a miniature FSDD: 10 digits x 2 speakers x 6 takes)
# --------------------------------------------------------------------------


@pytest.fixture
def mini_fsdd(tmp_path) -> Path:
    root = tmp_path / "fsdd"
    for name, data in fsdd_members(prefix="").items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_fsdd_export_reuses_an_equal_export_installed_meanwhile(mini_fsdd, tmp_path,
                                                                monkeypatch):
    out = tmp_path / "export"
    write = real.write_manifest
    raced = []

    def race_then_write(folder, manifest, *args):
        if not raced:  # another process finishes the same export first
            raced.append(True)
            assert real._export_fsdd(out, path=mini_fsdd, sr=8000, overwrite=False,
                                     download=False, progress=False) == (out, True)
        write(folder, manifest, *args)

    monkeypatch.setattr(real, "write_manifest", race_then_write)
    assert real._export_fsdd(out, path=mini_fsdd, sr=8000, overwrite=False, download=False,
                             progress=False) == (out, False)
    assert read_manifest(out)["n_clips"] == 120
    assert _leftovers(tmp_path, "export") == []


def test_fsdd_export_rebuilds_a_damaged_copy_and_names_other_parameters(mini_fsdd, tmp_path):
    out = export_fsdd(tmp_path / "export", path=mini_fsdd, sr=8000, download=False,
                      progress=False)
    victim = next((out / "train" / "3").glob("*.wav"))
    victim.unlink()
    assert real._export_fsdd(out, path=mini_fsdd, sr=8000, overwrite=False, download=False,
                             progress=False) == (out, True)
    assert victim.is_file()
    with pytest.raises(DatasetError, match=r"other parameters \(sr: 8000 there, 16000 asked\)"):
        export_fsdd(out, path=mini_fsdd, sr=16000, download=False, progress=False)
    with pytest.raises(DatasetError, match="not an FSDD export made by audiolab"):
        export_fsdd(mini_fsdd, path=mini_fsdd, sr=8000, download=False, progress=False)
