"""Build the course website: a static HTML book of the committed notebooks.

Sphinx with myst-nb renders the lessons (``notebooks/``), then the exercises and
the solutions, each in its own part, from their stored outputs: nothing is
executed, so a build takes seconds. The Sphinx project is ``docs/`` (``conf.py``,
the landing page, the licences page). The notebooks stay where they are: the
build copies them (only those that changed) into a source tree laid out as in
the repository, so that a notebook's link such as ``../exercises/01_sampling.ipynb``
resolves on the site as it does there (symbolic links would not do: myst-nb
resolves links from a file's real path)::

    build/site/src/
        index.md, licences.md               from docs/
        notebooks/, exercises/, solutions/  the repository's folders
        _repo/LICENSE, _repo/LICENSE-CONTENT.md  (included by licences.md)
    build/site/html/                        Sphinx's output, then copied to _site/
    build/site/doctrees/, jupyter_execute/  Sphinx's and myst-nb's working files

Usage::

    python tools/build_site.py                 # _site/ (what `make site` runs)
    python tools/build_site.py --out DIR --work DIR
    python tools/build_site.py --incremental   # rewrite only the pages that changed

A build starts afresh unless ``--incremental`` is given (it takes seconds, and
a page whose notebook was removed would otherwise stay on the site).

Sphinx's warnings (a link to a notebook that does not exist yet, say) are
printed and saved in ``WORK/warnings.txt``; they do not stop the build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOK_FOLDERS = ("notebooks", "exercises", "solutions")
INCLUDED_FILES = ("LICENSE", "LICENSE-CONTENT.md")
# docs/ entries that configure the build rather than being pages.
CONFIG_ENTRIES = {"conf.py", "_ext", "_templates", "_static", "__pycache__"}


def _sync(source: Path, target: Path) -> None:
    """Make ``target`` a copy of ``source`` (a file or folder), copying only what changed.

    Copies keep their modification times, so Sphinx rereads only the notebooks
    that changed since the last build into the same work folder. (Symbolic links
    would not do: myst-nb resolves a notebook's links from its real path.)
    """
    if source.is_dir():
        if target.exists() and not target.is_dir():
            target.unlink()
        target.mkdir(parents=True, exist_ok=True)
        wanted = {e.name for e in source.iterdir() if not _skipped(e)}
        for entry in target.iterdir():
            if entry.name not in wanted:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for name in sorted(wanted):
            _sync(source / name, target / name)
        return
    if target.is_dir():
        shutil.rmtree(target)
    theirs = source.stat()
    if target.exists():
        ours = target.stat()
        if ours.st_size == theirs.st_size and ours.st_mtime_ns == theirs.st_mtime_ns:
            return
    shutil.copy2(source, target)


def _skipped(entry: Path) -> bool:
    return entry.name.startswith(".") or entry.name in {"__pycache__"}


def make_source_tree(src: Path) -> Path:
    """Lay out (or update) the Sphinx source tree in ``src``."""
    src.mkdir(parents=True, exist_ok=True)
    wanted = {"_repo"}
    for entry in sorted(DOCS.iterdir()):
        if entry.name not in CONFIG_ENTRIES and not _skipped(entry):
            _sync(entry, src / entry.name)
            wanted.add(entry.name)
    for folder in NOTEBOOK_FOLDERS:
        if (ROOT / folder).is_dir():
            _sync(ROOT / folder, src / folder)
            wanted.add(folder)
    (src / "_repo").mkdir(exist_ok=True)
    for name in INCLUDED_FILES:
        _sync(ROOT / name, src / "_repo" / name)
    for entry in src.iterdir():  # pages and folders that went away
        if entry.name not in wanted:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return src


def build(
    out: Path = ROOT / "_site",
    work: Path = ROOT / "build" / "site",
    *,
    fresh: bool = True,
    quiet: bool = True,
) -> int:
    """Build the site into ``out``; return Sphinx's exit status (0: built)."""
    from sphinx.cmd.build import build_main

    out, work = Path(out).resolve(), Path(work).resolve()
    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").exists():
        print(f"{out} is not empty and is not a site built by Sphinx: not writing there",
              file=sys.stderr)
        return 2
    src = make_source_tree(work / "src")
    # Sphinx writes into the work folder, and the result is then copied to `out`:
    # myst-nb keeps its extracted outputs beside the output folder
    # (html/../jupyter_execute), which must not land in the repository's root.
    doctrees, html = work / "doctrees", work / "html"
    if fresh:
        for folder in (doctrees, html, work / "jupyter_execute"):
            shutil.rmtree(folder, ignore_errors=True)
    warnings = work / "warnings.txt"
    args = ["-b", "html", "-c", str(DOCS), "-d", str(doctrees), "-w", str(warnings)]
    args += ["--keep-going", "-q"] if quiet else ["--keep-going"]
    os.environ.setdefault("MPLBACKEND", "Agg")  # no display needed
    start = time.perf_counter()
    status = build_main([*args, str(src), str(html)])
    if status == 0:
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(html, out)
        seconds = time.perf_counter() - start
        pages = sum(1 for _ in out.rglob("*.html"))
        print(f"Built the course site in {seconds:.1f} s: {pages} pages in {out}")
        print(f"Open {out / 'index.html'}")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="output folder (_site)")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "site",
        help="source tree and Sphinx's caches (build/site)",
    )
    parser.add_argument(
        "--incremental", action="store_true",
        help="keep Sphinx's caches and the output folder; rewrite only what changed",
    )
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    args = parser.parse_args(argv)
    return build(args.out, args.work, fresh=not args.incremental, quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
