"""Scoring a detector over a long recording: recall and false alarms, and their curve.

- :func:`detection_scores` matches a detector's detections with the true
  events of a recording (which :func:`read_truth` reads from a CSV file, as
  :func:`audiolab.datasets.make_scene` writes it): hits, misses, false alarms,
  recall, false alarms per minute and per hour, as :class:`DetectionScores`.
- :func:`false_alarm_sources` says what each false alarm was heard in: another
  word, another keyword, a keyword found twice, or background;
  :func:`false_alarm_words` which words were taken for which keywords.
- :func:`detection_curve` does that at many thresholds from one pass of the
  detector (a :class:`DetectionCurve`, the keyword spotter's trade-off between
  recall and false alarms); :meth:`DetectionCurve.best` picks the threshold
  for a budget of false alarms, :func:`plot_detection_curve` draws it.

Imports only NumPy (matplotlib to plot).

Taught in lesson 12 (deployment: streaming detection and a keyword spotter).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import AudiolabError, ParameterError

__all__ = ["DetectionScores", "detection_scores", "false_alarm_sources", "FALSE_ALARM_SOURCES",
           "false_alarm_words", "read_truth", "DetectionCurve", "detection_curve", "plot_detection_curve",
           "DEFAULT_THRESHOLDS", "FINE_THRESHOLDS"]

#: Thresholds :func:`detection_curve` tries unless told otherwise.
DEFAULT_THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.30 ... 0.95
#: Thresholds for choosing one (``audiolab stream --truth``, ``bench/deploy.py``): a
#: confident model's posteriors crowd near 1, between the default's last steps.
FINE_THRESHOLDS = tuple(round(0.3 + 0.01 * i, 2) for i in range(70))  # 0.30 ... 0.99


@dataclass(frozen=True)
class DetectionScores:
    """How well a detector found the words of a recording: made by :func:`detection_scores`.

    Attributes
    ----------
    hits, misses, false_alarms : int
        True events found, true events not found, detections that found none.
    recall : float
        ``hits / n_events`` (NaN when the truth holds no event).
    false_alarms_per_minute, false_alarms_per_hour : float
        ``false_alarms`` over ``duration``.
    n_events : int
        True events scored (background labels left out).
    duration : float
        Length of the recording, in seconds.
    """

    hits: int
    misses: int
    false_alarms: int
    recall: float
    false_alarms_per_minute: float
    false_alarms_per_hour: float
    n_events: int
    duration: float


#: What :func:`false_alarm_sources` tells apart, in the order it returns them.
FALSE_ALARM_SOURCES = ("other word", "other keyword", "repeat", "background")


def _events(name: str, items: Any, *, background: bool = False) -> list[tuple[float, float, str]]:
    """``(start, end, label)`` of each mapping in ``items``; background labels left out unless asked."""
    from ..modelfile import is_background_class
    from ..validation import check_finite

    if isinstance(items, (str, bytes, os.PathLike)) or not isinstance(items, Sequence):
        raise ParameterError(f"{name} must be a list of mappings with start, end and label, "
                             f"got {type(items).__name__}")
    events = []
    for i, item in enumerate(items):
        missing = [key for key in ("start", "end", "label")
                   if not hasattr(item, "keys") or key not in item]
        if missing:
            raise ParameterError(f"{name}[{i}] must be a mapping with start, end and label; "
                                 f"it has no {missing[0]!r}")
        start = check_finite(f"{name}[{i}]['start']", item["start"])
        end = check_finite(f"{name}[{i}]['end']", item["end"])
        if end < start:
            raise ParameterError(f"{name}[{i}] ends ({end:g} s) before it starts ({start:g} s)")
        label = str(item["label"])
        if background or not is_background_class(label):
            events.append((start, end, label))
    return events


def _matches(found: list[tuple[float, float, str]], events: list[tuple[float, float, str]],
             tolerance: float) -> list[int | None]:
    """For each detection (sorted by start), the index of the event it hits, or None (greedy by time)."""
    matched = [False] * len(events)
    hits: list[int | None] = []
    for start, end, label in found:
        hit = None
        for i, (t0, t1, true_label) in enumerate(events):
            if (not matched[i] and true_label == label
                    and start <= t1 + tolerance and end >= t0 - tolerance):
                matched[i] = True
                hit = i
                break
        hits.append(hit)
    return hits


def detection_scores(detections: Sequence[Any], truth: Sequence[Any], *, duration: float,
                     tolerance: float = 0.5) -> DetectionScores:
    """Recall and false alarms of a detector, against the true events of a recording.

    A detection hits a true event when it has the event's label and its
    interval overlaps the event's, widened by ``tolerance`` seconds on each
    side. Each event is found at most once: the detections are taken in order
    of their start (greedy by time), each matched with the earliest event
    still unmatched that it hits. A detection that matches no event is a false
    alarm, so two detections of one word count one hit and one false alarm.
    Background labels (``_unknown_``, ``_silence_``: see
    :func:`~audiolab.modelfile.is_background_class`) are left out of both
    lists.

    Parameters
    ----------
    detections : sequence of mapping
        What the detector found: ``start``, ``end`` (s) and ``label`` each
        (``StreamingDetector``'s ``detections``; other keys are ignored).
    truth : sequence of mapping
        The true events, with the same keys (:func:`read_truth` reads them
        from a CSV file).
    duration : float
        Length of the recording in seconds, for the false alarms per minute.
    tolerance : float
        Seconds by which each true event is widened on both sides.

    Returns
    -------
    DetectionScores
        Hits, misses, false alarms, recall, false alarms per minute and per
        hour, the number of events and the duration.

    Raises
    ------
    ParameterError
        If an item lacks ``start``, ``end`` or ``label``, ends before it
        starts, or ``duration`` or ``tolerance`` is out of range.

    See Also
    --------
    audiolab.deploy.StreamingDetector : the detector it measures.

    Examples
    --------
    >>> truth = [{"start": 1.0, "end": 1.5, "label": "yes"},
    ...          {"start": 4.0, "end": 4.6, "label": "no"}]
    >>> found = [{"start": 0.8, "end": 1.9, "label": "yes", "score": 0.9},
    ...          {"start": 7.0, "end": 7.5, "label": "no", "score": 0.7}]
    >>> scores = detection_scores(found, truth, duration=60.0)
    >>> scores.hits, scores.misses, scores.false_alarms, scores.recall
    (1, 1, 1, 0.5)
    >>> scores.false_alarms_per_minute, scores.false_alarms_per_hour
    (1.0, 60.0)

    Taught in lesson 12 (deployment with TFLite: streaming detection).
    """
    from ..validation import check_nonnegative, check_positive

    duration = check_positive("duration", duration)
    tolerance = check_nonnegative("tolerance", tolerance)
    found = sorted(_events("detections", detections))
    events = sorted(_events("truth", truth))
    hits = sum(hit is not None for hit in _matches(found, events, tolerance))
    false_alarms = len(found) - hits
    return DetectionScores(
        hits=hits, misses=len(events) - hits, false_alarms=false_alarms,
        recall=hits / len(events) if events else float("nan"),
        false_alarms_per_minute=false_alarms / duration * 60,
        false_alarms_per_hour=false_alarms / duration * 3600,
        n_events=len(events), duration=duration,
    )


def false_alarm_sources(detections: Sequence[Any], truth: Sequence[Any], *,
                        tolerance: float = 0.5) -> dict[str, int]:
    """What a detector's false alarms were heard in: the truth event each one overlaps most.

    The false alarms are those of :func:`detection_scores` (the same
    matching, the same ``tolerance``). Each is put down to the true event its
    interval overlaps most, background events included (the share of the
    overlap decides; without any overlap, the nearest event within
    ``tolerance``):

    - ``"other word"``: an ``_unknown_`` event, a word that is not a keyword;
    - ``"other keyword"``: a keyword event of another label (the keyword
      was misheard);
    - ``"repeat"``: a keyword event of the same label, already found (one
      word detected twice);
    - ``"background"``: a ``_silence_`` event or another background label,
      or no event at all (noise, clicks, breath, silence).

    Each source has its own remedy: other words call for more of them, said
    by more voices, in the ``_unknown_`` class; misheard keywords for more
    voices or augmentation; repeats for a ``refractory`` time
    (:class:`~audiolab.deploy.StreamingDetector`).

    Parameters
    ----------
    detections, truth : sequence of mapping
        As for :func:`detection_scores`; here the truth's background events
        count too.
    tolerance : float
        Seconds by which each true event is widened on both sides.

    Returns
    -------
    dict of str to int
        The number of false alarms of each source, with the keys of
        :data:`FALSE_ALARM_SOURCES` in that order (they add up to
        ``detection_scores(...).false_alarms``).

    Raises
    ------
    ParameterError
        As :func:`detection_scores`.

    Examples
    --------
    >>> truth = [{"start": 1.0, "end": 1.5, "label": "yes"},
    ...          {"start": 3.0, "end": 3.6, "label": "_unknown_"}]
    >>> found = [{"start": 0.8, "end": 1.9, "label": "yes"},
    ...          {"start": 1.9, "end": 2.4, "label": "yes"},
    ...          {"start": 2.9, "end": 3.7, "label": "no"}]
    >>> false_alarm_sources(found, truth)
    {'other word': 1, 'other keyword': 0, 'repeat': 1, 'background': 0}

    Taught in lesson 12 (deployment: a keyword spotter's recall and false alarms).
    """
    sources = dict.fromkeys(FALSE_ALARM_SOURCES, 0)
    for _, _, source in _false_alarms_heard_in(detections, truth, tolerance):
        sources[source] += 1
    return sources


def false_alarm_words(detections: Sequence[Any], truth: Sequence[Any], *,
                      tolerance: float = 0.5) -> list[tuple[str, str, int]]:
    """Which words a detector's false alarms were heard in, and taken for which keywords.

    The false alarms are put down to true events as by
    :func:`false_alarm_sources`; those heard in a word (another word or a
    misheard keyword, not a keyword found again or background) are counted
    by what was said and what was detected. What was said is the event's
    ``text`` where the truth gives one (:func:`~audiolab.datasets.make_scene`
    writes it and :func:`read_truth` keeps it), its label otherwise. The words
    at the top of the list are the first to record more of, in more voices,
    for the ``_unknown_`` class (or, for a misheard keyword, for its own).

    Parameters
    ----------
    detections, truth : sequence of mapping
        As for :func:`false_alarm_sources`.
    tolerance : float
        Seconds by which each true event is widened on both sides.

    Returns
    -------
    list of (str, str, int)
        ``(said, detected, count)``, the most frequent first (ties by what
        was said, then by what was detected).

    Raises
    ------
    ParameterError
        As :func:`detection_scores`.

    Examples
    --------
    >>> truth = [{"start": 1.0, "end": 1.5, "label": "_unknown_", "text": "white"},
    ...          {"start": 3.0, "end": 3.6, "label": "_unknown_", "text": "white"},
    ...          {"start": 5.0, "end": 5.4, "label": "three"}]
    >>> found = [{"start": 0.9, "end": 1.6, "label": "one"},
    ...          {"start": 2.9, "end": 3.5, "label": "one"},
    ...          {"start": 4.9, "end": 5.5, "label": "eight"}]
    >>> false_alarm_words(found, truth)
    [('white', 'one', 2), ('three', 'eight', 1)]

    Taught in lesson 12 (deployment: a keyword spotter's recall and false alarms).
    """
    from collections import Counter

    pairs: Counter[tuple[str, str]] = Counter()
    for label, heard, source in _false_alarms_heard_in(detections, truth, tolerance):
        if source in ("other word", "other keyword"):
            said = str(heard["text"] if "text" in heard else "").strip() or str(heard["label"])
            pairs[said, label] += 1
    return [(said, label, n) for (said, label), n in
            sorted(pairs.items(), key=lambda item: (-item[1], item[0]))]


def _false_alarms_heard_in(detections: Sequence[Any], truth: Sequence[Any],
                           tolerance: float) -> list[tuple[str, Any, str]]:
    """The label of each false alarm, the truth event it overlaps most (None: none near), and
    its source (a key of :data:`FALSE_ALARM_SOURCES`).

    The share of the overlap decides (ties to the earlier event); without any
    overlap, the nearest event within ``tolerance``. Background events count.
    """
    from ..datasets.speech import UNKNOWN_CLASS
    from ..modelfile import is_background_class
    from ..validation import check_nonnegative

    tolerance = check_nonnegative("tolerance", tolerance)
    found = sorted(_events("detections", detections))
    everything = _events("truth", truth, background=True)  # one per item of truth, in order
    keywords = sorted(e for e in everything if not is_background_class(e[2]))
    heard_in = []
    for (start, end, label), hit in zip(found, _matches(found, keywords, tolerance), strict=True):
        if hit is not None:
            continue
        # overlap in seconds (negative: the gap to an event within tolerance); ties to the earlier
        near = [(min(end, t1) - max(start, t0), -t0, -i)
                for i, (t0, t1, _) in enumerate(everything)
                if start <= t1 + tolerance and end >= t0 - tolerance]
        heard = truth[-max(near)[2]] if near else None
        heard_label = None if heard is None else str(heard["label"])
        if heard_label == UNKNOWN_CLASS:
            source = "other word"
        elif heard_label is None or is_background_class(heard_label):
            source = "background"
        else:
            source = "repeat" if heard_label == label else "other keyword"
        heard_in.append((label, heard, source))
    return heard_in


def read_truth(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The true events of a recording, from a CSV file with the columns start, end, label.

    One event a row, times in seconds; a header row names the columns (in
    any order; a ``text`` column, what was said, is kept for
    :func:`false_alarm_words`; other columns are ignored)::

        start,end,label
        1.20,1.75,three
        8.60,9.10,zero

    Parameters
    ----------
    path : str or path-like
        The CSV file.

    Returns
    -------
    list of dict
        ``{"start": float, "end": float, "label": str}`` per row (and
        ``"text": str`` if the file has that column), in the file's order,
        for :func:`detection_scores`.

    Raises
    ------
    AudiolabError
        If the file cannot be read, lacks a column, or a time is not a
        number (the message names the file and the row).

    See Also
    --------
    detection_scores : the detections scored against these events.

    Examples
    --------
    >>> events = read_truth("scene.csv")  # doctest: +SKIP
    >>> detection_scores(result.detections, events, duration=result.duration)  # doctest: +SKIP

    Taught in lesson 12 (deployment with TFLite: streaming detection).
    """
    import csv
    from pathlib import Path

    from ..files import why_missing

    file = Path(path).expanduser()
    try:
        with open(file, newline="", encoding="utf-8") as stream:
            reader = csv.DictReader(stream)
            rows = list(reader)
            columns = set(reader.fieldnames or ())
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        reason = why_missing(file) if not file.is_file() else str(error)
        raise AudiolabError(f"cannot read the truth file {file}: {reason}") from None
    missing = sorted({"start", "end", "label"} - columns)
    if missing:
        raise AudiolabError(f"{file} must have the columns start, end, label; "
                            f"it has no {', '.join(missing)}")
    events = []
    for line, row in enumerate(rows, start=2):
        try:
            event = {"start": float(row["start"]), "end": float(row["end"]),
                     "label": str(row["label"]).strip()}
        except (TypeError, ValueError):
            raise AudiolabError(f"{file}, line {line}: start and end must be numbers, "
                                f"got {row['start']!r} and {row['end']!r}") from None
        if "text" in columns:
            event["text"] = str(row["text"] or "").strip()
        events.append(event)
    return events


@dataclass(frozen=True)
class DetectionCurve:
    """A detector's recall and false alarms at several thresholds: made by :func:`detection_curve`.

    Attributes
    ----------
    thresholds : tuple of float
        The thresholds tried, ascending.
    scores : tuple of DetectionScores
        What the detector scored at each.
    """

    thresholds: tuple[float, ...]
    scores: tuple[DetectionScores, ...]

    @property
    def recall(self) -> NDArray[np.float64]:
        """Recall at each threshold."""
        return np.array([s.recall for s in self.scores])

    @property
    def false_alarms_per_minute(self) -> NDArray[np.float64]:
        """False alarms per minute at each threshold."""
        return np.array([s.false_alarms_per_minute for s in self.scores])

    def best(self, max_false_alarms_per_minute: float = 0.5) -> tuple[float, DetectionScores] | None:
        """The threshold with the highest recall among those within a budget of false alarms.

        Ties go to fewer false alarms, then to the lower threshold. None if
        no threshold keeps within the budget.

        Parameters
        ----------
        max_false_alarms_per_minute : float
            The budget (default 0.5, a common goal for a keyword spotter).

        Returns
        -------
        (float, DetectionScores) or None
        """
        from ..validation import check_nonnegative

        budget = check_nonnegative("max_false_alarms_per_minute", max_false_alarms_per_minute)
        within = [(-s.recall, s.false_alarms, t, s) for t, s in zip(self.thresholds, self.scores, strict=True)
                  if s.false_alarms_per_minute <= budget + 1e-12]
        if not within:
            return None
        _, _, threshold, scores = min(within, key=lambda item: item[:3])
        return threshold, scores

    def rows(self) -> list[dict[str, Any]]:
        """One dict per threshold (threshold, hits, misses, false alarms, recall, per minute, per hour)."""
        return [{"threshold": t, "hits": s.hits, "misses": s.misses,
                 "false_alarms": s.false_alarms, "recall": round(s.recall, 3),
                 "false_alarms_per_minute": round(s.false_alarms_per_minute, 2),
                 "false_alarms_per_hour": round(s.false_alarms_per_hour, 1)}
                for t, s in zip(self.thresholds, self.scores, strict=True)]


def detection_curve(detector: Any, y: ArrayLike, truth: Sequence[Any], *,
                    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                    tolerance: float = 0.5) -> DetectionCurve:
    """Recall and false alarms of a streaming detector at several thresholds.

    The recording is classified once (``detector.process``, unless ``y`` is
    what it returned already); the detections
    at each threshold are then made from those posteriors
    (``detector.replay``), with the detector's other settings (smoothing,
    refractory time, overlap suppression), and scored with
    :func:`detection_scores`. The detector's own threshold is left as it was.

    Parameters
    ----------
    detector : StreamingDetector
        The detector to measure (:class:`audiolab.deploy.StreamingDetector`).
    y : np.ndarray [shape=(n,)] or StreamResult
        The recording, at the detector's rate, or what ``detector.process``
        returned for it (its posteriors are used; nothing is classified again).
    truth : sequence of mapping
        Its true events (``start``, ``end``, ``label``; :func:`read_truth`).
    thresholds : sequence of float
        The thresholds, each between 0 and 1 (default 0.30, 0.35, ..., 0.95;
        :data:`FINE_THRESHOLDS` are 0.30, 0.31, ..., 0.99).
    tolerance : float
        As for :func:`detection_scores`.

    Returns
    -------
    DetectionCurve

    Raises
    ------
    ParameterError
        If ``detector`` is not a streaming detector, a threshold is outside
        0-1, or ``truth`` is malformed (before the recording is classified).

    See Also
    --------
    detection_scores, plot_detection_curve, audiolab.datasets.make_scene

    Examples
    --------
    >>> curve = detection_curve(StreamingDetector(model), y, read_truth("scene.csv"))  # doctest: +SKIP
    >>> curve.best(max_false_alarms_per_minute=0.5)  # doctest: +SKIP
    (0.75, DetectionScores(hits=198, misses=9, false_alarms=4, recall=0.956..., ...))

    Taught in lesson 12 (deployment: a keyword spotter's recall and false alarms).
    """
    from ..validation import check_probability

    if not all(hasattr(detector, name) for name in ("process", "replay")):
        raise ParameterError("detector must be a StreamingDetector (with process and replay), "
                             f"got {type(detector).__name__}")
    if isinstance(thresholds, (str, bytes)) or not isinstance(thresholds, Sequence) or not thresholds:
        raise ParameterError(f"thresholds must be a non-empty list of numbers, got {thresholds!r}")
    chosen = sorted({check_probability("thresholds", t) for t in thresholds})
    _events("truth", truth)
    result = y if hasattr(y, "posteriors") and hasattr(y, "duration") else detector.process(y)
    scores = tuple(detection_scores(detector.replay(result.times, result.posteriors, threshold=t),
                                    truth, duration=result.duration, tolerance=tolerance)
                   for t in chosen)
    return DetectionCurve(thresholds=tuple(chosen), scores=scores)


def plot_detection_curve(curve: DetectionCurve, *, label: str | None = None, annotate: bool = True,
                         max_false_alarms_per_minute: float | None = 0.5, ax=None):
    """Draw recall against false alarms per minute, one point per threshold.

    Call it once per detector on the same axes to compare them: the curve
    further to the left and higher finds more keywords for fewer false alarms.

    Parameters
    ----------
    curve : DetectionCurve
        From :func:`detection_curve`.
    label : str or None
        The curve's name in the legend.
    annotate : bool
        Write each point's threshold beside it.
    max_false_alarms_per_minute : float or None
        Draw this budget as a dashed vertical line (None: none).
    ax : matplotlib.axes.Axes or None
        Where to draw (None: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Taught in lesson 12 (deployment: a keyword spotter's recall and false alarms).
    """
    from ..plots import new_axes

    if not isinstance(curve, DetectionCurve):
        raise ParameterError(f"curve must be a DetectionCurve, got {type(curve).__name__}")
    ax = new_axes(ax, figsize=(5, 3.5))
    x, y = curve.false_alarms_per_minute, curve.recall
    ax.plot(x, y, "o-", ms=4, label=label)
    if annotate:
        for t, xi, yi in zip(curve.thresholds, x, y, strict=True):
            ax.annotate(f"{t:.2f}", (xi, yi), textcoords="offset points", xytext=(4, -10), fontsize=7)
    if max_false_alarms_per_minute is not None:
        ax.axvline(max_false_alarms_per_minute, color="k", ls="--", lw=1,
                   label=f"budget: {max_false_alarms_per_minute:g} per minute")
    if label is not None or max_false_alarms_per_minute is not None:
        ax.legend(fontsize=8, loc="upper left")
    ax.set_xlabel("false alarms per minute")
    ax.set_ylabel("recall (keywords found)")
    ax.set_ylim(0, 1.02)
    ax.set_title("recall and false alarms over the threshold", fontsize=9)
    return ax
