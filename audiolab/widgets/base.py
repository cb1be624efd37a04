"""The common shape of the lessons' interactive demos."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Demo"]


class Demo:
    """Controls, a readout and a figure that is redrawn when a control moves.

    Parameters
    ----------
    name : str
        What the demo shows, e.g. ``"aliasing"``; used in its text form.
    controls : mapping of str to ipywidgets.ValueWidget
        The sliders and pickers; their names are the keyword arguments of ``draw``.
    draw : callable
        ``draw(**values) -> (figure, readout)``: makes a matplotlib figure for
        the current values and a short HTML or text readout.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The last figure drawn (closed after display, still inspectable).
    readout : ipywidgets.HTML
        The text under the controls.
    widget : ipywidgets.VBox
        What is displayed.

    Examples
    --------
    >>> demo = aliasing_demo()  # doctest: +SKIP
    >>> demo.controls["frequency"].value = 7000  # doctest: +SKIP
    >>> demo.readout.value  # doctest: +SKIP
    'A 7000 Hz tone sampled at 8000 Hz sounds at 1000 Hz ...'
    """

    def __init__(
        self,
        name: str,
        controls: Mapping[str, Any],
        draw: Callable[..., tuple[Any, str]],
    ) -> None:
        import ipywidgets as widgets

        self.name = name
        self.controls = dict(controls)
        self._draw = draw
        self.output = widgets.Output()
        self.readout = widgets.HTML()
        self.figure = None
        self.draws = 0
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox(list(self.controls.values())), self.readout, self.output]
        )
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Redraw the figure and the readout for the current values."""
        import matplotlib.pyplot as plt

        figure, text = self._draw(**self.values())
        self.readout.value = text
        self.figure = figure
        self.draws += 1
        # Set the Output widget's state rather than printing into it: printing
        # would also reach the cell's own output when a notebook is run
        # without a live front end (as nbval does).
        self.output.outputs = ()
        self.output.append_display_data(figure)
        plt.close(figure)

    def _changed(self, change: dict) -> None:
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # A stable text form: the widget's own repr embeds the figure's PNG.
        names = ", ".join(self.controls)
        bundle["text/plain"] = f"Interactive demo: {self.name} (controls: {names})"
        return bundle
