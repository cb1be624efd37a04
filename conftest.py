"""pytest set-up for the whole tree (the notebooks included).

Lessons are tested with nbval, which compares each cell's stored output as
text. Outputs of training differ in the last digit from one CPU to another,
so those cells carry nbval's ``nbval-ignore-output`` tag, and what they mean
is asserted instead: ``tests/notebook_expectations.yml`` lists, for a cell id,
Python expressions that must be true in the lesson's kernel once that cell
has run (for example ``0.85 <= accuracy <= 1``). The numbers a lesson's text
quotes from such a cell (``tools/quotes.py``: "about 0.72", "above 0.9") are
checked against the outputs of the same run, so that the text holds on every
processor CI runs it on. See CONTRIBUTING.md.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from queue import Empty

import pytest

# pytester runs small nbval sessions in tests/test_notebook_rules.py.
pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent
EXPECTATIONS = ROOT / "tests" / "notebook_expectations.yml"
#: Seconds an expectation may take in the kernel (they are cheap expressions).
EXPECTATION_TIMEOUT = 120


def pytest_collectstart(collector):
    # Stored notebook outputs: compare text, not HTML renderings (audio players
    # embed their WAV as base64, tables render twice) nor widget state.
    if getattr(collector, "fspath", None) and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("text/html", "application/javascript", "image/svg+xml")


@cache
def notebook_expectations() -> dict[str, dict[str, list[str]]]:
    """{notebook path relative to the root: {cell id: [expression, ...]}}."""
    import yaml

    with open(EXPECTATIONS, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def expectations_for(item) -> list[str]:
    """The expressions to check after an nbval cell item, or []."""
    cell = getattr(item, "cell", None)
    if cell is None or getattr(item, "cell_num", None) is None:
        return []
    try:
        notebook = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return []
    return notebook_expectations().get(notebook, {}).get(cell.get("id"), [])


def check_in_kernel(kernel, expression: str) -> str | None:
    """Evaluate ``assert (expression)`` in a running kernel; the failure, or None."""
    code = f"assert ({expression}), {expression!r}"
    msg_id = kernel.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
    try:
        while True:
            reply = kernel.kc.get_shell_msg(timeout=EXPECTATION_TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        kernel.await_idle(msg_id, EXPECTATION_TIMEOUT)
    except Empty:
        return f"no answer from the kernel within {EXPECTATION_TIMEOUT} s"
    content = reply["content"]
    if content["status"] == "ok":
        return None
    if content.get("ename") == "AssertionError":
        return "is false"
    return f"raised {content.get('ename')}: {content.get('evalue')}"


@cache
def quotes_module():
    """tools/quotes.py, the checker of quoted numbers (None where it is absent)."""
    path = ROOT / "tools" / "quotes.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("audiolab_tools_quotes", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def quote_failures(item) -> list[str]:
    """The quotes of a tagged cell's output that this run's output contradicts."""
    cell, outputs = getattr(item, "cell", None), getattr(item, "test_outputs", None)
    if cell is None or outputs is None or (quotes := quotes_module()) is None:
        return []
    if not quotes.is_tagged(cell):
        return []
    text = quotes.output_text(outputs)
    return [
        f"  {problem}"
        for quote in quotes.quotes_of(Path(str(item.fspath)), cell.get("id"))
        if (problem := quotes.check_value(quote, text, tagged=True)) is not None
    ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    expressions = expectations_for(item)
    kernel = getattr(getattr(item, "parent", None), "kernel", None)
    failures = []
    if expressions and kernel is not None:
        failures = [
            f"  {expression}  ->  {problem}"
            for expression in expressions
            if (problem := check_in_kernel(kernel, expression)) is not None
        ]
    where = f"{item.fspath.basename} cell {getattr(item, 'cell', {}).get('id')}"
    messages = []
    if failures:
        messages.append(f"{where}: what the output means does not hold "
                        f"(tests/notebook_expectations.yml):\n" + "\n".join(failures))
    if wrong_quotes := quote_failures(item):
        messages.append(f"{where}: the lesson's text quotes this output, and on this run "
                        f"the quote does not hold (tools/quotes.py):\n" + "\n".join(wrong_quotes))
    if messages:
        pytest.fail("\n".join(messages), pytrace=False)
    return result
