"""Sphinx extension of the Audiolab site: cross-links and widget snapshots.

Changes to each notebook as it is read (the files themselves are untouched):

- Lessons, exercises and solutions of the same number link to each other: a
  line under the title, "Lesson 01 · Exercises · Solutions", with relative links
  (``../exercises/01_sampling.ipynb``) that myst-nb resolves like the notebooks'
  own links.
- An ipywidgets demo cannot run on a static page, and embedding its stored state
  would need the widget JavaScript from a CDN and show sliders that move nothing.
  Each widget output is shown instead as a snapshot of its stored state: a note
  saying how to make it interactive, the control values, the readout, and the
  outputs (figure, audio) that its Output widgets held when the notebook was saved.
- A solutions notebook carries its exercise's title ("Exercises 01 · ..."); on the
  site it is titled "Solutions 01 · ...", so the two parts of the table of
  contents can be told apart.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PARTS = (("notebooks", "Lesson {nn}"), ("exercises", "Exercises"), ("solutions", "Solutions"))
COURSE_NOTEBOOK = re.compile(r"^(notebooks|exercises|solutions)/(\d\d)_[^/]+$")
TEXT_MODELS = {"HTMLModel", "HTMLMathModel"}
EXERCISE_TITLE = re.compile(r"^(#\s+)Exercises?\b", re.M)


def setup(app):
    app.connect("source-read", _on_source_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def _on_source_read(app, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    changed = snapshot_widgets(notebook)
    changed = add_cross_links(notebook, docname, Path(app.srcdir)) or changed
    if docname.startswith("solutions/"):
        changed = retitle_solution(notebook) or changed
    if changed:
        source[0] = json.dumps(notebook)


# -- cross-links ------------------------------------------------------------------


def related_notebooks(docname: str, srcdir: Path) -> list[tuple[str, str | None]]:
    """(label, relative link or None for this page) for the lesson, exercises, solutions."""
    match = COURSE_NOTEBOOK.match(docname)
    if not match:
        return []
    folder, nn = match.groups()
    related = []
    for part, label in PARTS:
        label = label.format(nn=nn)
        if part == folder:
            related.append((label, None))
            continue
        candidates = sorted((srcdir / part).glob(f"{nn}_*.ipynb"))
        if candidates:
            related.append((label, f"../{part}/{candidates[0].name}"))
    return related if len(related) > 1 else []


def add_cross_links(notebook: dict, docname: str, srcdir: Path) -> bool:
    related = related_notebooks(docname, srcdir)
    if not related:
        return False
    items = [f"**{label}**" if link is None else f"[{label}]({link})" for label, link in related]
    cell = {
        "cell_type": "markdown",
        "id": "audiolab-site-links",
        "metadata": {},
        "source": "```{container} audiolab-links\n" + " · ".join(items) + "\n```",
    }
    notebook["cells"].insert(1 if notebook["cells"] else 0, cell)
    return True


def retitle_solution(notebook: dict) -> bool:
    """'# Exercises 01 · Title' becomes '# Solutions 01 · Title' in the first Markdown cell."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        new = EXERCISE_TITLE.sub(r"\1Solutions", text, count=1)
        cell["source"] = new
        return new != text
    return False


# -- widget snapshots -----------------------------------------------------------------


def snapshot_widgets(notebook: dict) -> bool:
    """Replace every widget output by a static snapshot; drop the widget state."""
    widgets = notebook.get("metadata", {}).pop("widgets", None)
    models = (widgets or {}).get(WIDGET_STATE, {}).get("state", {})
    changed = widgets is not None
    for cell in notebook.get("cells", []):
        outputs = cell.get("outputs")
        if not outputs:
            continue
        new_outputs: list[dict] = []
        for output in outputs:
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                new_outputs.append(output)
                continue
            changed = True
            new_outputs.extend(widget_snapshot(view.get("model_id", ""), models, output))
        cell["outputs"] = new_outputs
    return changed


def _walk(model_id: str, models: dict, found: dict[str, list], seen: set[str]) -> None:
    if model_id in seen or model_id not in models:
        return
    seen.add(model_id)
    model = models[model_id]
    name, state = model.get("model_name", ""), model.get("state", {})
    if name == "OutputModel":
        found["outputs"].extend(state.get("outputs", []))
    elif isinstance(state.get("children"), list):
        for child in state["children"]:
            if isinstance(child, str):
                _walk(child.removeprefix("IPY_MODEL_"), models, found, seen)
    elif name in TEXT_MODELS:
        found["readouts"].append(str(state.get("value", "")))
    elif name == "LabelModel":
        found["readouts"].append(html.escape(str(state.get("value", ""))))
    elif "index" in state and isinstance(state.get("_options_labels"), list):
        labels, index = state["_options_labels"], state["index"]
        if isinstance(index, int) and 0 <= index < len(labels):
            found["controls"].append((state.get("description", ""), labels[index]))
    elif "value" in state and not isinstance(state["value"], (dict, list)):
        found["controls"].append((state.get("description", ""), state["value"]))


def widget_snapshot(model_id: str, models: dict, output: dict) -> list[dict]:
    """The outputs that stand for one widget output on the static site."""
    found: dict[str, list] = {"controls": [], "readouts": [], "outputs": []}
    _walk(model_id, models, found, set())
    text = output.get("data", {}).get("text/plain", "interactive demo")
    text = "".join(text) if isinstance(text, list) else str(text)
    parts = [
        '<div class="audiolab-demo">',
        '<p class="audiolab-demo-note"><strong>Interactive demo</strong>, shown here as it was '
        "when the notebook was saved. To move its controls, run the notebook: on Binder or "
        "Colab (the buttons at the top of the page) or on your computer with <code>make lab</code>."
        "</p>",
    ]
    if found["controls"]:
        values = " · ".join(
            f"{html.escape(str(label or 'value'))} = <strong>{html.escape(str(value))}</strong>"
            for label, value in found["controls"]
        )
        parts.append(f'<p class="audiolab-demo-controls">{values}</p>')
    parts += [f'<div class="audiolab-demo-readout">{value}</div>' for value in found["readouts"]]
    parts.append("</div>")
    snapshot: dict[str, Any] = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": "\n".join(parts), "text/plain": text},
    }
    kept = []
    for stored in found["outputs"]:
        if not isinstance(stored, dict) or "output_type" not in stored:
            continue
        stored = dict(stored)
        if stored["output_type"] == "execute_result":
            stored["output_type"] = "display_data"
            stored.pop("execution_count", None)
        if stored["output_type"] == "display_data":
            stored.setdefault("metadata", {})
        kept.append(stored)
    return [snapshot, *kept]
