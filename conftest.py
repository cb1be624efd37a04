"""pytest set-up for the whole tree (the notebooks included).

Lessons are tested with nbval, which compares each cell's stored output as
text. Outputs of training differ in the last digit from one CPU to another,
so those cells carry nbval's ``nbval-ignore-output`` tag, and what they mean
is asserted instead: ``tests/notebook_expectations.yml`` lists, for a cell id,
Python expressions that must be true in the lesson's kernel once that cell
has run (for example ``0.85 <= accuracy <= 1``). See CONTRIBUTING.md.
"""

from __future__ import annotations

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    expressions = expectations_for(item)
    kernel = getattr(getattr(item, "parent", None), "kernel", None)
    if expressions and kernel is not None:
        failures = [
            f"  {expression}  ->  {problem}"
            for expression in expressions
            if (problem := check_in_kernel(kernel, expression)) is not None
        ]
        if failures:
            pytest.fail(
                f"{item.fspath.basename} cell {item.cell.get('id')}: what the output means "
                f"does not hold (tests/notebook_expectations.yml):\n" + "\n".join(failures),
                pytrace=False,
            )
    return result
