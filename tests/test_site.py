"""The course site (`make site`): it builds, its contents and its links.

The session fixture ``site`` builds the site once per test run with
``tools/build_site.py`` (what `make site` runs), from the stored outputs, into a
temporary folder shared by the xdist workers; tests/test_browser.py uses it too.
These tests read the HTML; the browser tests look at the pages in Chromium.
"""

from __future__ import annotations

import base64
import fcntl
import html.parser
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("notebooks", "exercises", "solutions")
COURSE_NOTEBOOK = re.compile(r"^\d\d_.+\.ipynb$")
FSDD_CREDIT = ("Free Spoken Digit Dataset", "CC BY-SA 4.0")
# Hosts a page may load something from: the launch badges' images and MathJax.
# (Everything else, widgets included, is served by the site itself.)
EXTERNAL_HOSTS = {"mybinder.org", "colab.research.google.com", "cdn.jsdelivr.net"}

sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import audiolab_site  # noqa: E402  (docs/_ext/audiolab_site.py)


def course_notebooks(part: str) -> list[Path]:
    """The notebooks of one part in course order (the site's table of contents globs the same)."""
    return sorted(p for p in (ROOT / part).glob("*.ipynb") if COURSE_NOTEBOOK.match(p.name))


@dataclass(frozen=True)
class Site:
    root: Path  # the built site (index.html)
    warnings: str  # Sphinx's warnings
    log: str  # the build's output
    seconds: float

    def page(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")


def _build_site(root: Path) -> Site:
    out, work, record = root / "site", root / "site-work", root / "site.json"
    with open(root / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build for all xdist workers
        if not record.exists():
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, str(ROOT / "tools" / "build_site.py"),
                 "--out", str(out), "--work", str(work)],
                capture_output=True, text=True, timeout=600, cwd=ROOT,
            )
            record.write_text(json.dumps({
                "status": done.returncode,
                "log": done.stdout + done.stderr,
                "seconds": time.perf_counter() - start,
            }))
    result = json.loads(record.read_text())
    if result["status"] != 0:
        pytest.fail(f"tools/build_site.py failed:\n{result['log'][-5000:]}", pytrace=False)
    warnings = work / "warnings.txt"
    return Site(out, warnings.read_text() if warnings.exists() else "", result["log"],
                result["seconds"])


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    """The course site, built once per test run (shared by the xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return _build_site(root)


class _Page(html.parser.HTMLParser):
    """The links, ids, images, audio sources and scripts of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []
        self.images: list[str] = []
        self.audio_sources: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag == "source" and attrs.get("src"):
            self.audio_sources.append(attrs["src"])

    def handle_data(self, data):
        self.text.append(data)


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def page_text(text: str) -> str:
    return " ".join(" ".join(parse(text).text).split())


def site_pages(site: Site) -> list[Path]:
    return sorted(
        p for p in site.root.rglob("*.html")
        if not p.relative_to(site.root).parts[0].startswith("_")
    )


def repo_links(notebook: Path) -> list[str]:
    """The relative links (not web addresses, not anchors) in a notebook's Markdown cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    links = []
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        for target in re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", source):
            if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
                links.append(target)
    return links


# -- the build -------------------------------------------------------------------


def test_site_builds_every_notebook_and_the_landing_page(site):
    assert (site.root / "index.html").exists()
    for part in PARTS:
        for notebook in course_notebooks(part):
            assert (site.root / part / f"{notebook.stem}.html").exists(), notebook
    # Stored outputs only: nothing is executed.
    assert re.search(r'^nb_execution_mode = "off"', (ROOT / "docs" / "conf.py").read_text(), re.M)
    # myst-nb's working files stay in the work folder, not beside the output.
    assert not (site.root.parent / "jupyter_execute").exists()


def test_sphinx_has_no_warnings_beyond_missing_notebook_links(site):
    """Links to notebooks that do not exist are reported by the link tests below."""
    allowed = ("[myst.xref_missing]", "[misc.highlighting_failure]")
    other = [
        line for line in site.warnings.splitlines()
        if "WARNING" in line or "ERROR" in line
        if not line.rstrip().endswith(allowed)
    ]
    assert not other, "Sphinx warnings:\n" + "\n".join(other)


def test_table_of_contents_globs_the_lessons_in_order(site):
    index = parse(site.page("index.html"))
    pages = [link.split("#")[0] for link in index.links]
    for part in PARTS:
        expected = [f"{part}/{nb.stem}.html" for nb in course_notebooks(part)]
        listed = [p for p in dict.fromkeys(pages) if p.startswith(f"{part}/")]
        assert listed == expected, f"{part}: the table of contents lists {listed}"
    # The tables of contents name no lesson: new lessons appear by themselves.
    toctrees = re.findall(r"```\{toctree\}(.*?)```", (ROOT / "docs" / "index.md").read_text(), re.S)
    entries = [line for tree in toctrees for line in tree.splitlines() if line and line[0] != ":"]
    assert {f"{part}/[0-9][0-9]_*" for part in PARTS} <= set(entries)
    assert not [entry for entry in entries if re.search(r"\d\d_[a-z]", entry)]


def test_landing_page_says_what_who_how_and_where(site):
    text = page_text(site.page("index.html"))
    links = parse(site.page("index.html")).links
    for words in ("audio classification", "Who it is for", "make lab", "make test",
                  "Free Spoken Digit Dataset", "CC BY-SA 4.0", "CC BY 4.0", "MIT"):
        assert words in text, words
    assert any(link.startswith("https://mybinder.org/v2/gh/") for link in links)
    assert any(link.startswith("https://colab.research.google.com/github/") for link in links)


def test_every_page_carries_the_licences(site):
    for page in site_pages(site):
        text = page_text(page.read_text(encoding="utf-8"))
        assert "CC BY 4.0" in text and "MIT" in text, page
    licences = page_text(site.page("licences.html"))
    assert "Creative Commons Attribution 4.0" in licences
    assert "Permission is hereby granted" in licences  # the MIT licence itself
    assert "Jackson" in licences and "CC BY-SA 4.0" in licences


@pytest.mark.parametrize("part", PARTS)
def test_fsdd_credit_wherever_fsdd_is_used(site, part):
    missing = []
    for notebook in course_notebooks(part):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if "fsdd" not in code.lower():
            continue
        # The credit in the notebook's own text, not only in the site's footer.
        body = site.page(f"{part}/{notebook.stem}.html").split('class="bd-footer', 1)[0]
        if not all(words in page_text(body) for words in FSDD_CREDIT):
            missing.append(notebook.name)
    assert not missing, (
        f"{part}: these notebooks use FSDD without the credit line "
        f"'Free Spoken Digit Dataset, Jackson et al., CC BY-SA 4.0': {missing}"
    )


@pytest.mark.parametrize("lesson", [nb.stem for nb in course_notebooks("notebooks")])
def test_lesson_pages_have_figures_and_playable_audio(site, lesson):
    page = parse(site.page(f"notebooks/{lesson}.html"))
    figures = [src for src in page.images if src.startswith("../_images/")]
    assert figures, f"{lesson}: no figure on the page"
    for src in figures:
        assert (site.root / "notebooks" / unquote(src)).resolve().is_file(), src
    wavs = [src for src in page.audio_sources if src.startswith("data:audio/wav;base64,")]
    assert wavs, f"{lesson}: no audio player on the page"
    header = base64.b64decode(wavs[0].split(",", 1)[1][:64])
    assert header[:4] == b"RIFF" and header[8:12] == b"WAVE"


def test_pages_load_no_script_from_elsewhere_but_mathjax(site):
    for page in site_pages(site):
        for src in parse(page.read_text(encoding="utf-8")).scripts:
            host = urlsplit(src).hostname
            assert host in (None, "cdn.jsdelivr.net"), f"{page.name} loads {src}"
            if host:
                assert "mathjax" in src, f"{page.name} loads {src}"


def test_widgets_are_static_snapshots_with_their_figure(site):
    text = site.page("notebooks/01_sampling.html")
    assert "application/vnd.jupyter.widget" not in text  # no widget state or views
    demo = text.split('class="audiolab-demo"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "tone (Hz)" in demo and "7000" in demo  # its controls, as stored
    assert "Nyquist" in demo  # its readout
    # The figure the demo drew is on the page, just after the snapshot.
    after = text.split('class="audiolab-demo"', 1)[1][:20000]
    assert "<img" in after


# -- links -----------------------------------------------------------------------------


@pytest.mark.parametrize("part", PARTS)
def test_notebook_links_point_at_files_in_the_repository(part):
    broken = []
    for notebook in sorted((ROOT / part).glob("*.ipynb")):
        for link in repo_links(notebook):
            target = (notebook.parent / unquote(link.split("#")[0])).resolve()
            if not target.exists():
                broken.append(f"{notebook.relative_to(ROOT)} -> {link}")
    assert not broken, "links to files that are not in the repository:\n" + "\n".join(broken)


def test_every_link_on_the_site_resolves(site):
    """Relative links and anchors lead to a page and a place on it.

    Links to notebooks that are not in the repository are left to the test
    above; a failure here means the site itself broke a link.
    """
    missing_notebooks = set()
    for part in PARTS:
        for notebook in sorted((ROOT / part).glob("*.ipynb")):
            missing_notebooks |= {
                link for link in repo_links(notebook)
                if not (notebook.parent / unquote(link.split("#")[0])).resolve().exists()
            }
    ids: dict[Path, set[str]] = {}

    def anchors(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = parse(path.read_text(encoding="utf-8")).ids
        return ids[path]

    broken = []
    for page in site_pages(site):
        for link in parse(page.read_text(encoding="utf-8")).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            name = page.relative_to(site.root)
            if not target.is_file():
                broken.append(f"{name}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in anchors(
                target
            ):
                if parts.fragment not in missing_notebooks:
                    broken.append(f"{name}: {link} (no such anchor)")
    assert not broken, "broken links on the site:\n" + "\n".join(broken)


@pytest.mark.parametrize("part", PARTS)
def test_lessons_exercises_and_solutions_link_to_each_other(site, part):
    for notebook in course_notebooks(part):
        page = parse(site.page(f"{part}/{notebook.stem}.html"))
        for other in PARTS:
            if other == part:
                continue
            twins = sorted((ROOT / other).glob(f"{notebook.name[:3]}*.ipynb"))
            if twins:
                assert f"../{other}/{twins[0].stem}.html" in page.links, (notebook, other)


def test_launch_buttons_point_at_the_pages_notebook(site):
    for part in PARTS:
        for notebook in course_notebooks(part):
            links = parse(site.page(f"{part}/{notebook.stem}.html")).links
            path = f"{part}/{notebook.name}"
            assert f"https://mybinder.org/v2/gh/audiolab-course/audiolab/main?urlpath=lab/tree/{path}" in links
            assert f"https://colab.research.google.com/github/audiolab-course/audiolab/blob/main/{path}" in links


# -- the site's notebook reader (docs/_ext/audiolab_site.py) ------------------------------


def _widget_notebook() -> dict:
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_row", "IPY_MODEL_text", "IPY_MODEL_out"]}},
        "row": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_f", "IPY_MODEL_sr"]}},
        "f": {"model_name": "IntSliderModel", "state": {"description": "tone (Hz)", "value": 7000}},
        "sr": {"model_name": "DropdownModel", "state": {"description": "rate", "index": 1, "_options_labels": ["4000", "8000"]}},
        "text": {"model_name": "HTMLModel", "state": {"value": "<b>sounds at 1000 Hz</b>"}},
        "out": {"model_name": "OutputModel", "state": {"outputs": [
            {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}, "metadata": {}},
        ]}},
    }
    view = {"model_id": "box", "version_major": 2, "version_minor": 0}
    return {
        "metadata": {"widgets": {audiolab_site.WIDGET_STATE: {"state": state}}},
        "cells": [{"cell_type": "code", "source": "demo()", "outputs": [{
            "output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {audiolab_site.WIDGET_VIEW: view, "text/plain": "Interactive demo: aliasing"},
        }]}],
    }


def test_reader_turns_a_widget_into_a_snapshot_of_its_state():
    notebook = _widget_notebook()
    assert audiolab_site.snapshot_widgets(notebook)
    assert "widgets" not in notebook["metadata"]
    snapshot, figure = notebook["cells"][0]["outputs"]
    shown = snapshot["data"]["text/html"]
    assert "tone (Hz) = <strong>7000</strong>" in shown
    assert "rate = <strong>8000</strong>" in shown
    assert "<b>sounds at 1000 Hz</b>" in shown
    assert "make lab" in shown
    assert figure["data"]["image/png"] == "iVBOR"


def test_reader_keeps_the_text_of_a_widget_without_stored_state():
    notebook = _widget_notebook()
    notebook["metadata"] = {}
    audiolab_site.snapshot_widgets(notebook)
    (snapshot,) = notebook["cells"][0]["outputs"]
    assert snapshot["data"]["text/plain"] == "Interactive demo: aliasing"
    assert audiolab_site.WIDGET_VIEW not in snapshot["data"]


def test_reader_titles_solutions_as_solutions(site):
    assert audiolab_site.retitle_solution(
        {"cells": [{"cell_type": "markdown", "source": ["# Exercise 02 · Windows\n", "text"]}]}
    )
    for notebook in course_notebooks("solutions"):
        heading = site.page(f"solutions/{notebook.stem}.html").split("<h1", 1)[1].split("</h1>")[0]
        assert "Exercise" not in heading, (notebook.name, heading)


def test_reader_links_a_lesson_to_its_exercises_and_solutions(tmp_path):
    for part in PARTS:
        (tmp_path / part).mkdir()
    (tmp_path / "exercises" / "07_cnn.ipynb").touch()
    assert audiolab_site.related_notebooks("notebooks/07_cnn", tmp_path) == [
        ("Lesson 07", None), ("Exercises", "../exercises/07_cnn.ipynb"),
    ]
    assert audiolab_site.related_notebooks("notebooks/08_rnn", tmp_path) == []
    assert audiolab_site.related_notebooks("index", tmp_path) == []
