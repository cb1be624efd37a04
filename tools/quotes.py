"""Numbers quoted in a lesson's text, checked against the outputs they come from.

A lesson's markdown often quotes what one of its code cells printed ("16-bit
audio gives a full-scale sine about 98 dB of SNR"). A *quote marker*, an HTML
comment right after the number, says where the number comes from, so that a
test can compare the two and text and output cannot drift apart. Jupyter and
the course site do not show HTML comments, so the lesson stays clean::

    about 98 dB<!-- quote l01-25 /^16 bits: full scale +(\\S+) dB/ -->

- ``l01-25`` is the id of the code cell whose stored output holds the value
  (``NN_topic.ipynb#ID`` for a cell of another notebook in the same folder).
- ``/.../`` is a regular expression (Python's ``re``), searched in the
  cell's text output: what it printed and the text form of what it displayed.
  ``^`` starts a line and ``\\n`` ends one (a marker has no ``$``, which Jupyter
  would take for maths); a ``/`` inside it is written ``\\/``. Its one group
  captures the number. It must match exactly once.
- The quoted number is the one right before the marker (a unit such as ``dB``
  or ``%`` may stand between them).

Options, after the pattern:

``~0.03``
    The quote is approximate: the value lies within 0.03 of it, and the text
    says so ("about", "around", "roughly", "nearly", "some", ...).
``above``, ``below``
    The text says the value is above (below) the quoted number ("above 90 %",
    "under 0.3"); the text's own words must say which.
``scale=100``
    The quote is the value times 100 (a share quoted in per cent);
    ``scale=-1`` quotes a level of -13.3 dB as "13 dB down".
``all``
    The pattern may match several values (a column of a table); the quote
    must hold for every one.
``exact``
    The value does not depend on the processor although its cell is tagged
    (a count of clips or parameters printed beside an accuracy).

Without ``~``, ``above`` or ``below`` a quote is exact to its own precision:
"98" fits 98.1 (98.1 to the nearest whole number), "0.16" fits 0.158, "98.0"
does not fit 98.1.

Outputs of training and timing differ from one processor to another (cells
tagged ``nbval-ignore-output``; CONTRIBUTING.md, "Stored outputs"). A quote of
one must be approximate or a bound, never exact, so that the text stays true
when the lesson runs elsewhere. ``tests/test_quotes.py`` checks every marker
against the stored outputs (no kernel); the root ``conftest.py`` checks the
quotes of tagged cells again against each nbval run's own outputs, so that
CI's runs on other kernels test whether the tolerance is wide enough.

Usage::

    python tools/quotes.py                       # every quote of notebooks/ and solutions/
    python tools/quotes.py notebooks/06_*.ipynb  # one lesson: each quote, its value, ok or not
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The folders whose notebooks carry checked quotes. Exercises are generated from the
#: solutions and store what a fresh learner sees ("Not attempted yet"), not the values.
FOLDERS = ("notebooks", "solutions")
IGNORE_TAG = "nbval-ignore-output"

MARKER = re.compile(r"<!--\s*quote\b(?P<body>.*?)-->", re.DOTALL)
SOURCE = re.compile(r"(?:(?P<notebook>[\w.-]+\.ipynb)#)?(?P<cell>[A-Za-z0-9_-]+)$")
# The number right before a marker: digits with an optional decimal part (a thousands
# separator is a comma), then optionally a unit, then optionally the end of bold text.
NUMBER_BEFORE = re.compile(
    r"(?P<number>\d[\d,]*(?:\.\d+)?)(?P<unit>\s?(?:%|[A-Za-zµ]{1,8}))?(?P<close>\*{0,2})$"
)
SIGNS = "-−+"
# Where a clause starts: the end of a sentence, a paragraph, a list item, a table cell.
CLAUSE_START = re.compile(r"[.!?;:](?=\s)|\n\s*\n|\n\s*(?:[-*+]|\d+\.)\s|\|")
HEDGE = re.compile(
    r"\b(?:about|around|roughly|approximately|nearly|almost|close to|some|circa)\b|≈|~",
    re.IGNORECASE,
)
BOUND_WORDS = {
    "above": re.compile(r"\b(?:above|over|more than|higher than|greater than|beyond|exceeds?)\b|>",
                        re.IGNORECASE),
    "below": re.compile(r"\b(?:below|under|less than|fewer than|lower than)\b|<",
                        re.IGNORECASE),
}


@dataclass
class Quote:
    """One marked number in a markdown cell, and where its value comes from."""

    notebook: str  # the quoting notebook, as given (a path relative to the root)
    cell: str  # the markdown cell's id (or its index, if it has none)
    written: str  # the quoted number as the text writes it, e.g. "-13", "3,210"
    value: float
    decimals: int
    context: str  # the text around the number, for messages
    clause: str  # the text of the clause before the number
    source: str  # "l06-50" or "06_augmentation.ipynb#l06-50"
    pattern: str
    tolerance: float | None = None
    bound: str | None = None  # "above", "below" or None
    scale: float = 1.0
    every: bool = False  # option "all"
    exact: bool = False
    problems: list[str] = field(default_factory=list)  # what is wrong with the marker itself

    @property
    def where(self) -> str:
        return f"{self.notebook} cell {self.cell}: {self.written!r} in “…{self.context}…”"

    @property
    def source_notebook(self) -> str | None:
        match = SOURCE.match(self.source)
        return match["notebook"] if match else None

    @property
    def source_cell(self) -> str:
        match = SOURCE.match(self.source)
        return match["cell"] if match else self.source

    def describe(self) -> str:
        """The rule: '0.72 ± 0.03', 'the value > 0.9', '98 (the value rounded to 0 decimals)'."""
        scaled = "" if self.scale == 1 else f" x {self.scale:g}"
        if self.bound:
            return f"the value{scaled} {'>' if self.bound == 'above' else '<'} {self.written}"
        if self.tolerance is not None:
            return f"{self.written} ± {self.tolerance:g}" + (f" (the value{scaled})" if scaled else "")
        places = f"{self.decimals} decimal{'s' if self.decimals != 1 else ''}"
        return f"{self.written} (the value{scaled} rounded to {places})"


# ---------------------------------------------------------------------------
# Reading notebooks and their outputs


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def output_text(outputs: Iterable[dict]) -> str:
    """A code cell's text output: printed streams, and the text form of displayed values."""
    parts = []
    for output in outputs or ():
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_text(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            plain = output.get("data", {}).get("text/plain")
            if plain:
                text = _text(plain)
                parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


def is_tagged(cell: dict) -> bool:
    return IGNORE_TAG in cell.get("metadata", {}).get("tags", [])


def _parse_number(written: str) -> tuple[float, int] | None:
    """'3,210' -> (3210.0, 0); '-0.72' -> (-0.72, 2); None if it is not a plain number."""
    text = written.replace("−", "-").replace("+", "").strip().rstrip("%").strip()
    if "," in text:
        whole = text.split(".")[0].lstrip("-")
        if not re.fullmatch(r"\d{1,3}(?:,\d{3})+", whole):
            return None
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    decimals = len(text.split(".")[1]) if "." in text else 0
    return value, decimals


def _options(quote: Quote, words: list[str]) -> None:
    for word in words:
        if word.startswith("~"):
            try:
                quote.tolerance = float(word[1:])
            except ValueError:
                quote.problems.append(f"tolerance {word!r} is not a number (write ~0.03)")
                continue
            if not quote.tolerance >= 0:
                quote.problems.append(f"tolerance {word!r} must not be negative")
        elif word in ("above", "below"):
            quote.bound = word
        elif word.startswith("scale="):
            try:
                quote.scale = float(word.removeprefix("scale="))
            except ValueError:
                quote.problems.append(f"{word!r}: the scale is not a number")
            if quote.scale == 0:
                quote.problems.append("scale=0 makes every value 0")
        elif word == "all":
            quote.every = True
        elif word == "exact":
            quote.exact = True
        else:
            quote.problems.append(f"unknown option {word!r} (options: ~TOL, above, below, "
                                  f"scale=X, all, exact)")
    if quote.bound and quote.tolerance is not None:
        quote.problems.append("a quote is a bound (above/below) or approximate (~), not both")
    if quote.exact and (quote.bound or quote.tolerance is not None):
        quote.problems.append("`exact` cannot go with a bound or a tolerance")


def _split_body(body: str) -> tuple[str, str, list[str]] | str:
    """'l06-50 /pattern/ ~0.03' -> ('l06-50', 'pattern', ['~0.03']), or what is wrong."""
    body = body.strip()
    source, _, rest = body.partition(" ")
    rest = rest.lstrip()
    if not source or not rest.startswith("/"):
        return "write it as <!-- quote CELL_ID /PATTERN/ [options] -->"
    pattern, i, closed = [], 1, False
    while i < len(rest):
        char = rest[i]
        if char == "\\" and i + 1 < len(rest) and rest[i + 1] == "/":
            pattern.append("/")
            i += 2
            continue
        if char == "/":
            closed = True
            break
        pattern.append(char)
        i += 1
    if not closed:
        return "the pattern has no closing /"
    return source, "".join(pattern), rest[i + 1 :].split()


def find_quotes(notebook: dict, name: str) -> list[Quote]:
    """Every quote marker in a notebook's markdown cells, with what is wrong with each."""
    quotes = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        text = _text(cell.get("source", ""))
        cell_name = cell.get("id") or f"#{index}"
        for marker in MARKER.finditer(text):
            before = text[: marker.start()]
            line_start = before.rfind("\n") + 1
            context = (before[-50:] + text[marker.end() : marker.end() + 20]).replace("\n", " ")
            found = NUMBER_BEFORE.search(before)
            problems = []
            if found is None:
                written, value, decimals, number_start = "", math.nan, 0, len(before)
                problems.append("no number right before the marker")
            else:
                number_start = found.start("number")
                sign = before[number_start - 1 : number_start] if number_start else ""
                if sign and sign in SIGNS and (
                    number_start < 2 or not re.match(r"[\w.,)]", before[number_start - 2])
                ):
                    number_start -= 1
                written = before[number_start : found.start("unit") if found["unit"] else
                                 found.start("close")]
                parsed = _parse_number(written)
                if parsed is None:
                    value, decimals = math.nan, 0
                    problems.append(f"{written!r} is not a plain number")
                else:
                    value, decimals = parsed
            head = before[:number_start]
            starts = [m.end() for m in CLAUSE_START.finditer(head)]
            clause = head[starts[-1] if starts else 0 :]
            quote = Quote(notebook=name, cell=cell_name, written=written, value=value,
                          decimals=decimals, context=context.strip(), clause=clause,
                          source="", pattern="", problems=problems)
            quotes.append(quote)

            body = marker["body"]
            if "--" in body or "$" in body:
                quote.problems.append("a marker must not contain `--` (it ends an HTML comment "
                                      "early) or `$` (Jupyter would read it as maths)")
            if not before[line_start:].strip():
                quote.problems.append("the marker starts a line, which makes it an HTML block "
                                      "that swallows the rest of the line: put it right after "
                                      "the number")
            if before[line_start:].count("`") % 2:
                quote.problems.append("the marker is inside `code`, where it would show")
            if len(re.findall(r"(?<!\\)\$", before)) % 2:
                quote.problems.append("the marker is inside $maths$, where it would show")
            parts = _split_body(body)
            if isinstance(parts, str):
                quote.problems.append(parts)
                continue
            quote.source, quote.pattern, words = parts
            if not SOURCE.match(quote.source):
                quote.problems.append(f"{quote.source!r} is not a cell id (or NOTEBOOK.ipynb#ID)")
            _options(quote, words)
            try:
                groups = re.compile(quote.pattern, re.MULTILINE).groups
            except re.error as error:
                quote.problems.append(f"pattern /{quote.pattern}/ is not a regular expression "
                                      f"({error})")
            else:
                if groups != 1:
                    quote.problems.append(f"pattern /{quote.pattern}/ must have exactly one "
                                          f"group (it has {groups})")
    return quotes


# ---------------------------------------------------------------------------
# Checking


def values_in(quote: Quote, text: str) -> list[tuple[str, float | None]] | str:
    """The captured strings and their numbers, or what is wrong (no match, several)."""
    matches = list(re.finditer(quote.pattern, text, re.MULTILINE))
    if not matches:
        return f"/{quote.pattern}/ does not match the output of cell {quote.source}"
    if len(matches) > 1 and not quote.every:
        shown = ", ".join(repr(m.group(1)) for m in matches[:4])
        return (f"/{quote.pattern}/ matches {len(matches)} times in the output of cell "
                f"{quote.source} ({shown}): make it match once, or add `all`")
    found = []
    for match in matches:
        captured = (match.group(1) or "").strip()
        parsed = _parse_number(captured)
        found.append((captured, None if parsed is None else parsed[0]))
    return found


def check_value(quote: Quote, text: str, *, tagged: bool) -> str | None:
    """Does the quote hold for this output text? What is wrong, or None."""
    if quote.problems:
        return f"{quote.where}: " + "; ".join(quote.problems)
    if tagged and not (quote.bound or quote.tolerance is not None or quote.exact):
        return (f"{quote.where}: cell {quote.source} is tagged {IGNORE_TAG} (its numbers change "
                f"from one processor to another), so the quote cannot be exact: give a "
                f"tolerance (~0.03) and say 'about', or a bound (above/below); `exact` for a "
                f"number that does not depend on the processor")
    if quote.tolerance is not None and not HEDGE.search(quote.clause):
        return (f"{quote.where}: the quote is approximate (~{quote.tolerance:g}), so the text "
                f"must say so before the number (about, around, roughly, nearly, some, ...)")
    if quote.bound and not BOUND_WORDS[quote.bound].search(quote.clause):
        return (f"{quote.where}: the marker says the value is {quote.bound} the quote, but the "
                f"text before the number does not ({'above, over, more than' if quote.bound == 'above' else 'below, under, less than, fewer than'})")
    found = values_in(quote, text)
    if isinstance(found, str):
        return f"{quote.where}: {found}"
    for captured, value in found:
        if value is None:
            return f"{quote.where}: the pattern captured {captured!r}, which is not a number"
        shown = value * quote.scale
        if quote.bound == "above":
            holds = shown > quote.value
        elif quote.bound == "below":
            holds = shown < quote.value
        else:
            allowed = (quote.tolerance if quote.tolerance is not None
                       else 0.5 * 10.0 ** -quote.decimals)
            holds = abs(shown - quote.value) <= allowed + 1e-9 * max(1.0, abs(shown))
        if not holds:
            return (f"{quote.where}: the output of cell {quote.source} says {captured} "
                    f"(/{quote.pattern}/), the text {quote.describe()}")
    return None


def _folder_notebook(folder: Path, name: str, load: Callable[[Path], dict]) -> dict | None:
    path = folder / name
    try:
        return load(path)
    except FileNotFoundError:
        return None


def _read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_notebook(
    notebook: dict,
    name: str,
    *,
    folder: Path | None = None,
    load: Callable[[Path], dict] = _read,
) -> tuple[list[Quote], list[str]]:
    """Check every quote of a notebook against the stored outputs: (quotes, problems).

    ``folder`` is where ``NN_topic.ipynb#ID`` sources are looked up (the
    notebook's own folder); ``load`` reads one (a JSON dict).
    """
    quotes = find_quotes(notebook, name)
    problems = []
    for quote in quotes:
        source_nb = notebook
        if not quote.problems and quote.source_notebook:
            source_nb = (_folder_notebook(folder, quote.source_notebook, load)
                         if folder is not None else None)
            if source_nb is None:
                problems.append(f"{quote.where}: no notebook {quote.source_notebook} beside it")
                continue
        cells = {c.get("id"): c for c in source_nb.get("cells", [])}
        cell = cells.get(quote.source_cell)
        if not quote.problems and (cell is None or cell.get("cell_type") != "code"):
            problems.append(f"{quote.where}: no code cell {quote.source!r}")
            continue
        problem = check_value(quote, output_text(cell.get("outputs", []) if cell else []),
                              tagged=bool(cell) and is_tagged(cell))
        if problem:
            problems.append(problem)
    return quotes, problems


def check_path(path: Path) -> tuple[list[Quote], list[str]]:
    path = Path(path).resolve()
    try:
        name = path.relative_to(ROOT).as_posix()
    except ValueError:
        name = str(path)
    return check_notebook(_read(path), name, folder=path.parent)


def checked(path: Path) -> bool:
    """Are this notebook's quotes checked? (Not in exercises/: see FOLDERS.)"""
    return Path(path).resolve().parent.name in FOLDERS


@cache
def _folder_quotes(folder: Path) -> dict[tuple[str, str], list[Quote]]:
    """{(source notebook file name, cell id): [quotes of it]} for one folder."""
    by_source: dict[tuple[str, str], list[Quote]] = {}
    for path in sorted(folder.glob("*.ipynb")):
        for quote in find_quotes(_read(path), path.name):
            key = (quote.source_notebook or path.name, quote.source_cell)
            by_source.setdefault(key, []).append(quote)
    return by_source


def quotes_of(path: Path, cell_id: str) -> list[Quote]:
    """The quotes, in this notebook's folder, of the output of one of its cells."""
    path = Path(path).resolve()
    if not checked(path):
        return []
    return _folder_quotes(path.parent).get((path.name, cell_id), [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.ipynb"))
    failed = 0
    for path in paths:
        quotes, problems = check_path(path)
        if not quotes:
            continue
        shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        print(f"{shown}: {len(quotes)} quotes, {len(problems)} wrong")
        for quote in quotes:
            print(f"  {quote.cell:>8}  {quote.describe():28s}  <- {quote.source} /{quote.pattern}/")
        for problem in problems:
            print(f"  WRONG: {problem}")
        failed += len(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
