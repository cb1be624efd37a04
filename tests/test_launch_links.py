"""Binder and Colab links open this repository's notebooks.

Every notebook under notebooks/, exercises/ and solutions/ opens with an
"Open in Binder" and an "Open in Colab" badge that point at the notebook
itself; every launch link anywhere (notebooks, README, the site's pages and
configuration) names the same repository and branch, and a path that exists.
No network: the links are checked against this working tree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "audiolab-course/audiolab"
BRANCH = "main"
PARTS = ("notebooks", "exercises", "solutions")

BINDER = re.compile(r"https://mybinder\.org/v2/gh/[^\s)\"'<>\]]+")
COLAB = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"'<>\]]+")
PIP_GIT = re.compile(r"git\+https://github\.com/([^\s\"'@#]+?)(?:\.git)?(?:@[^\s\"'#]+)?[\"'\s]")


def notebooks() -> list[Path]:
    return sorted(
        p for part in PARTS for p in (ROOT / part).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def parse_binder(url: str) -> tuple[str, str, str | None]:
    """(owner/name, branch, path) of a Binder link; path from labpath or urlpath."""
    parts = urlsplit(url)
    owner, name, branch = parts.path.split("/")[3:6]
    query = parse_qs(parts.query)
    path = None
    if "labpath" in query:
        path = query["labpath"][0]
    elif "urlpath" in query:
        path = re.sub(r"^(lab/tree|tree|notebooks)/", "", query["urlpath"][0])
    return f"{owner}/{name}", unquote(branch), path


def parse_colab(url: str) -> tuple[str, str, str]:
    """(owner/name, branch, path) of a Colab link."""
    parts = urlsplit(url).path.split("/")
    owner, name, blob, branch = parts[2:6]
    assert blob == "blob", url
    return f"{owner}/{name}", branch, unquote("/".join(parts[6:]))


def launch_links(text: str) -> list[tuple[str, str, str, str | None]]:
    """(kind, repository, branch, path) of every launch link in a text."""
    found = [("Binder", *parse_binder(url)) for url in BINDER.findall(text)]
    found += [("Colab", *parse_colab(url)) for url in COLAB.findall(text)]
    return found


def check_links(where: str, text: str) -> list[str]:
    problems = []
    for kind, repository, branch, path in launch_links(text):
        if repository != REPOSITORY or branch != BRANCH:
            problems.append(f"{where}: {kind} link to {repository}@{branch}, "
                            f"not {REPOSITORY}@{BRANCH}")
        if path is not None and not (ROOT / path).exists():
            problems.append(f"{where}: {kind} link to {path}, which is not in the repository")
    return problems


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_launch_links(notebook):
    where = str(notebook.relative_to(ROOT))
    markdown = [source(c) for c in cells(notebook) if c["cell_type"] == "markdown"]
    problems = check_links(where, "\n".join(markdown))
    # The title cell's badges open this very notebook.
    title = markdown[0] if markdown else ""
    for kind in ("Binder", "Colab"):
        own = [link for link in launch_links(title) if link[0] == kind]
        if not own:
            problems.append(f"{where}: no Open in {kind} badge in the title cell")
        for _, _, _, path in own:
            if path != where:
                problems.append(f"{where}: the {kind} badge opens {path}, not this notebook")
    assert not problems, "\n".join(problems)


def test_notebook_set_up_cells_install_from_the_same_repository():
    problems = []
    for notebook in notebooks():
        for cell in cells(notebook):
            if cell["cell_type"] == "code":
                for repository in PIP_GIT.findall(source(cell) + "\n"):
                    if repository != REPOSITORY:
                        problems.append(f"{notebook.relative_to(ROOT)}: installs from {repository}")
    assert not problems, "\n".join(problems)


def test_readme_has_the_badges_of_the_first_lesson():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = launch_links(readme)
    assert ("Binder", REPOSITORY, BRANCH, "notebooks/00_welcome.ipynb") in links
    assert ("Colab", REPOSITORY, BRANCH, "notebooks/00_welcome.ipynb") in links
    assert "https://mybinder.org/badge_logo.svg" in readme
    assert "https://colab.research.google.com/assets/colab-badge.svg" in readme
    assert not check_links("README.md", readme)


def test_documents_and_site_name_the_same_repository():
    problems = []
    for path in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        # CONTRIBUTING's template badges open notebooks/NN_topic.ipynb, a placeholder.
        problems += [
            problem for problem in check_links(str(path.relative_to(ROOT)), text)
            if "NN_topic.ipynb, which is not" not in problem
        ]
        for repository in re.findall(r"github\.com/([\w.-]+/audiolab)\b", text):
            if repository != REPOSITORY:
                problems.append(f"{path.relative_to(ROOT)}: names {repository}")
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert f'REPOSITORY = "{REPOSITORY}"' in conf and f'BRANCH = "{BRANCH}"' in conf
    assert not problems, "\n".join(problems)


def test_link_parsers():
    binder = "https://mybinder.org/v2/gh/o/r/main?labpath=notebooks%2F01_x.ipynb"
    assert parse_binder(binder) == ("o/r", "main", "notebooks/01_x.ipynb")
    book = "https://mybinder.org/v2/gh/o/r/dev?urlpath=lab/tree/solutions/02_y.ipynb"
    assert parse_binder(book) == ("o/r", "dev", "solutions/02_y.ipynb")
    colab = "https://colab.research.google.com/github/o/r/blob/main/exercises/03_z.ipynb"
    assert parse_colab(colab) == ("o/r", "main", "exercises/03_z.ipynb")
    assert check_links("t", f"[b]({binder})") == [
        "t: Binder link to o/r@main, not audiolab-course/audiolab@main",
        "t: Binder link to notebooks/01_x.ipynb, which is not in the repository",
    ]
