"""Numbers quoted in the lessons' text agree with the outputs they come from.

A quote marker (``tools/quotes.py``) is an HTML comment right after a number in
a markdown cell, naming the code cell whose output holds the value and a
pattern that finds it there. These tests read the notebooks' JSON (no kernel):
every quote against the stored outputs, then the checker itself on small
notebooks. The root conftest.py checks the quotes of tagged cells again against
each nbval run's own outputs (the last test here).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import quotes  # noqa: E402

NOTEBOOKS = sorted(p for folder in quotes.FOLDERS for p in (ROOT / folder).glob("*.ipynb"))
IGNORE = quotes.IGNORE_TAG


def name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---------------------------------------------------------------------------
# The course's quotes


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name)
def test_quotes_agree_with_the_stored_outputs(path):
    _, problems = quotes.check_path(path)
    assert not problems, "\n".join(problems)


def test_the_dsp_lessons_guard_their_quoted_numbers():
    """Lessons 01-06 quote their outputs throughout; losing the markers would go unnoticed."""
    counts = {}
    for path in sorted((ROOT / "notebooks").glob("0[1-6]_*.ipynb")):
        counts[path.name] = len(quotes.check_path(path)[0])
    assert len(counts) >= 6 and all(n >= 4 for n in counts.values()), counts


def test_markers_render_as_comments_on_the_site():
    """Markdown (MyST's parser, markdown-it) keeps every marker an HTML comment: never shown."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark")
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "markdown" or "<!-- quote" not in source:
                continue
            html = markdown.render(source)
            assert html.count("<!-- quote") == source.count("<!-- quote"), (
                f"{name(path)} cell {cell.get('id')}: a marker is not rendered as a comment")
            shown = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)
            assert "quote l" not in shown and "-->" not in shown, (
                f"{name(path)} cell {cell.get('id')}: part of a marker shows")


# ---------------------------------------------------------------------------
# The checker, on small notebooks


def lesson(markdown: str, output: str, *, tagged: bool = False) -> dict:
    """A code cell `c1` that printed `output`, then a markdown cell that quotes it."""
    notebook = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print(...)", id="c1")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    code.execution_count = 1
    if tagged:
        code.metadata["tags"] = [IGNORE]
    notebook.cells = [code, nbformat.v4.new_markdown_cell(markdown, id="m1")]
    return notebook


def problems(markdown: str, output: str, **options) -> list[str]:
    return quotes.check_notebook(lesson(markdown, output, **options), "lesson.ipynb")[1]


TABLE = (
    "test set   trained clean   trained + noise\n"
    "clean               0.98              0.96\n"
    "30 dB               0.49              0.92\n"
    "0 dB                0.10              0.72\n"
)


def test_a_quote_that_disagrees_with_its_output_fails():
    # Lesson 06 said "about 0.8 at 0 dB" where its table says 0.72.
    found = problems(r"still about 0.8<!-- quote c1 /^0 dB +\S+ +(\S+)/ ~0.03 --> at 0 dB", TABLE,
                     tagged=True)
    assert len(found) == 1
    assert "says 0.72" in found[0] and "0.8 ± 0.03" in found[0] and "lesson.ipynb cell m1" in found[0]
    assert not problems(r"still about 0.72<!-- quote c1 /^0 dB +\S+ +(\S+)/ ~0.03 --> at 0 dB",
                        TABLE, tagged=True)


@pytest.mark.parametrize(("markdown", "output"), [
    (r"about 98 dB<!-- quote c1 /full scale +(\S+) dB/ --> of SNR", "full scale  98.1 dB\n"),
    (r"collapses to 0.16<!-- quote c1 /only +(\S+)/ -->", "only 0.158\n"),
    (r"= 3,210<!-- quote c1 /classifier .* (\S+)\n/ -->", "classifier  Dense  (None, 10)  3,210\n"),
    (r"side lobes only 13 dB<!-- quote c1 /lobe +(\S+) dB/ scale=-1 --> down", "lobe  -13.3 dB\n"),
    (r"leaks 19 %<!-- quote c1 /rect: +(\S+)/ scale=100 --> of it", "rect: 0.1895\n"),
    (r"a peak at -10.3<!-- quote c1 /peak (\S+)/ --> dBFS", "peak -10.3\n"),
    (r"the range 0.72-0.73<!-- quote c1 /b (\S+)/ -->", "a 0.72, b 0.73\n"),
    (r"**4**<!-- quote c1 /^(\d+) frames/ --> frames", "4 frames, shape (4, 4)\n"),
])
def test_exact_quotes_hold_to_their_own_precision(markdown, output):
    assert not problems(markdown, output)


@pytest.mark.parametrize(("markdown", "output", "message"), [
    (r"about 98.0 dB<!-- quote c1 /scale +(\S+) dB/ -->", "scale  98.1 dB\n", "says 98.1"),
    (r"13 dB<!-- quote c1 /lobe +(\S+) dB/ --> down", "lobe  -13.3 dB\n", "says -13.3"),
    (r"the range 0.72-0.74<!-- quote c1 /b (\S+)/ -->", "a 0.72, b 0.73\n", "says 0.73"),
])
def test_exact_quotes_fail_beyond_their_precision(markdown, output, message):
    found = problems(markdown, output)
    assert len(found) == 1 and message in found[0], found


def test_a_training_output_is_quoted_with_a_tolerance_and_in_words_that_say_so():
    exact = problems(r"It reaches 0.72<!-- quote c1 /^0 dB +\S+ +(\S+)/ -->.", TABLE, tagged=True)
    assert len(exact) == 1 and "cannot be exact" in exact[0]
    unhedged = problems(r"It reaches 0.72<!-- quote c1 /^0 dB +\S+ +(\S+)/ ~0.03 -->.", TABLE,
                        tagged=True)
    assert len(unhedged) == 1 and "must say so" in unhedged[0]
    # The word must be in the same clause: an "about" in the sentence before does not count.
    elsewhere = problems(r"It is about right. It reaches 0.72<!-- quote c1 /^0 dB +\S+ +(\S+)/ "
                         r"~0.03 -->.", TABLE, tagged=True)
    assert len(elsewhere) == 1 and "must say so" in elsewhere[0]
    assert not problems(r"It reaches about 0.7<!-- quote c1 /^0 dB +\S+ +(\S+)/ ~0.03 -->.",
                        TABLE, tagged=True)
    assert not problems(r"about 0.5 at 30 dB and 0.1<!-- quote c1 /^0 dB +(\S+)/ ~0.03 --> at 0",
                        TABLE, tagged=True)
    # A count printed by a tagged cell does not depend on the processor.
    assert not problems(r"all 300<!-- quote c1 /of (\d+) clips/ exact --> clips",
                        "accuracy 0.5 of 300 clips\n", tagged=True)


def test_bounds_hold_for_every_value_of_a_column():
    column = r"/^(?:clean|30 dB) +\S+ +(\S+)/"
    assert not problems(f"all above 90 %<!-- quote c1 {column} all above scale=100 -->", TABLE)
    too_high = problems(f"all above 95 %<!-- quote c1 {column} all above scale=100 -->", TABLE)
    assert len(too_high) == 1 and "says 0.92" in too_high[0] and "> 95" in too_high[0]
    assert not problems(r"under 0.2<!-- quote c1 /^0 dB +(\S+)/ below -->", TABLE)
    assert problems(r"under 0.1<!-- quote c1 /^0 dB +(\S+)/ below -->", TABLE)
    words = problems(r"is 0.2<!-- quote c1 /^0 dB +(\S+)/ below -->", TABLE)
    assert len(words) == 1 and "does not" in words[0]


@pytest.mark.parametrize(("markdown", "message"), [
    (r"about 0.5<!-- quote c1 /^\S+ dB +(\S+)/ ~0.1 -->", "matches 2 times"),
    (r"about 0.5<!-- quote c9 /(\S+)/ -->", "no code cell 'c9'"),
    (r"about 0.5<!-- quote c1 /^babble +(\S+)/ ~0.1 -->", "does not match"),
    (r"about 0.5<!-- quote c1 /^30 dB +\S+/ ~0.1 -->", "exactly one group"),
    (r"about 0.5<!-- quote c1 /^30 dB +(\S+)/ ~0.1 roughly -->", "unknown option"),
    (r"about 0.5<!-- quote c1 /^30 dB +(\S+) ~0.1 -->", "no closing /"),
    (r"about half<!-- quote c1 /^30 dB +(\S+)/ ~0.1 -->", "no number right before"),
    ("a line\n<!-- quote c1 /^30 dB +(\\S+)/ --> 0.49", "starts a line"),
    (r"`x = 0.49<!-- quote c1 /^30 dB +(\S+)/ -->`", "inside `code`"),
    (r"$x = 0.49<!-- quote c1 /^30 dB +(\S+)/ -->$", "inside $maths$"),
    (r"0.49<!-- quote c1 /^30 dB +(\S+)$/ -->", "must not contain"),
    (r"0.49<!-- quote c1 /^30 dB +(\S+)/ ~0.1 above -->", "not both"),
    (r"0.49<!-- quote c1 /^(30) dB/ --> apart", "says 30"),
])
def test_a_broken_marker_is_reported(markdown, message):
    found = problems(markdown, TABLE)
    assert len(found) == 1 and message in found[0], found


def test_a_quote_may_come_from_another_notebook_of_the_folder(tmp_path):
    tmp_path = tmp_path / "notebooks"
    tmp_path.mkdir()
    nbformat.write(lesson("", "accuracy 0.262\n", tagged=True), tmp_path / "04_features.ipynb")
    quoting = lesson(r"from about 0.26<!-- quote 04_features.ipynb#c1 /accuracy (\S+)/ ~0.03 --> "
                     r"in lesson 04", "")
    nbformat.write(quoting, tmp_path / "07_cnn.ipynb")
    assert quotes.check_notebook(quoting, "07_cnn.ipynb", folder=tmp_path)[1] == []
    assert [q.written for q in quotes.quotes_of(tmp_path / "04_features.ipynb", "c1")] == ["0.26"]
    missing = lesson(r"about 0.26<!-- quote 05_x.ipynb#c1 /accuracy (\S+)/ ~0.03 -->", "")
    found = quotes.check_notebook(missing, "07_cnn.ipynb", folder=tmp_path)[1]
    assert len(found) == 1 and "no notebook 05_x.ipynb" in found[0]


def test_output_text_holds_printed_and_displayed_text():
    outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=["a 1\n", "b 2\n"]),
        nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>", "image/png": "x"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "c 3"}, execution_count=1),
    ]
    assert quotes.output_text(outputs) == "a 1\nb 2\n<Figure>\nc 3\n"


# ---------------------------------------------------------------------------
# The same quotes, checked against the outputs of an nbval run


def _project(pytester, printed: str) -> None:
    """The root conftest and tools/quotes.py, and a lesson whose tagged cell prints `printed`."""
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    (pytester.path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "quotes.py", pytester.path / "tools" / "quotes.py")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "notebook_expectations.yml").write_text("{}\n", encoding="utf-8")
    (pytester.path / "notebooks").mkdir()
    notebook = lesson(r"It reaches about 0.90<!-- quote c1 /accuracy (\S+)/ ~0.03 --> here.",
                      "accuracy 0.900\n", tagged=True)
    notebook.cells[0].source = f"print('accuracy {printed}')"
    nbformat.write(notebook, pytester.path / "notebooks" / "lesson.ipynb")


@pytest.mark.parametrize(("printed", "outcome"), [("0.920", "passed"), ("0.850", "failed")])
def test_an_nbval_run_checks_the_quote_against_its_own_output(pytester, printed, outcome):
    """Another processor prints 0.85 where the stored output says 0.90: the text is wrong there."""
    _project(pytester, printed)
    result = pytester.runpytest_subprocess("--nbval", "--nbval-current-env", "-p", "no:xdist",
                                           "notebooks/lesson.ipynb")
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        result.stdout.fnmatch_lines(["*lesson.ipynb cell c1: the lesson's text quotes this output*",
                                     "*says 0.850*0.90 ± 0.03*"])
