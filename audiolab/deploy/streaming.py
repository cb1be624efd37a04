"""Finding words in a long recording or a live stream: a sliding window, smoothed (lesson 12)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from ..modelfile import is_background_class
from ..validation import (
    check_bool,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_probability,
)

__all__ = ["StreamResult", "StreamingDetector"]

#: The windows of a recording are classified this many samples' worth at a time (64 MB of
#: float32 windows at most), so that memory does not grow with the recording's length.
_BLOCK_SAMPLES = 16 * 1024 * 1024
#: The longest hop (seconds): a window an hour.
MAX_HOP = 3600.0


def _shared_frame_features(classifier: Any, signal: NDArray[np.float32],
                           offsets: NDArray[np.int64], *, cache: dict | None = None,
                           origin: int = 0) -> NDArray[np.float32] | None:
    """Log-mel features of many overlapping windows, computing each STFT frame once.

    Windows ``hop`` samples apart share most of their frames: frame ``j`` of a
    window starting at ``o`` covers the samples around ``o + j * hop_length``,
    the same as frame ``j + hop / hop_length`` of the previous window. Only the
    two frames at each end differ (they include the centre padding's zeros), so
    they are computed per window. The result equals
    ``extract_batch(windows, ...)`` (same samples, same arithmetic) at a tenth
    of the cost for a 100 ms hop. Returns None where this does not apply
    (MFCC, other settings, offsets not a whole number of frames apart), and
    the caller computes every window in full. ``cache`` (a dict kept by the
    caller) holds the last frames with their position (``origin`` is the
    absolute sample index of ``signal[0]``), so a live stream computes each
    frame once across blocks too.
    """
    from ..features import SPEECH_TOP_DB, extract_batch, floor_per_clip

    settings = getattr(classifier, "settings", None)
    if not hasattr(classifier, "predict_features") or not isinstance(settings, Mapping):
        return None
    s = dict(settings)
    hop_length, n_fft = int(s["hop_length"]), int(s["n_fft"])
    n = int(classifier.n_samples)
    half = n_fft // 2
    edge = -(-half // hop_length)  # frames at each end that reach into the padding
    if (s["kind"] != "logmel" or n % hop_length or len(offsets) == 0
            or np.any((offsets - offsets[0]) % hop_length) or n // hop_length < 2 * edge + 2):
        return None
    top_db = s.pop("top_db", SPEECH_TOP_DB)  # extract_batch's default
    s.pop("kind", None)
    sr = classifier.sr
    n_frames = 1 + n // hop_length
    # every frame position of every window, from one frame-by-frame pass (no centring)
    # The interior frames (those that need no padding) of all windows: one frame-by-frame
    # pass over the positions first .. last, reusing the frames the cache already holds.
    first = int(offsets[0]) + edge * hop_length
    last = int(offsets[-1]) + (n_frames - 1 - edge) * hop_length
    n_positions = 1 + (last - first) // hop_length
    reuse = np.zeros((0, 0), np.float32)
    if cache and cache.get("frames") is not None:
        start, held = cache["start"], cache["frames"]
        shift = origin + first - start
        if shift >= 0 and shift % hop_length == 0 and shift // hop_length < held.shape[1]:
            reuse = held[:, shift // hop_length :][:, :n_positions]
    have = reuse.shape[1]
    parts = [reuse] if have else []
    if have < n_positions:
        p0 = first + have * hop_length
        span = signal[p0 - half : last + half]
        parts.append(extract_batch(span[np.newaxis], sr, kind="logmel", center=False,
                                   top_db=None, **s)[0])
    frames = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
    if frames.shape[1] != n_positions:  # pragma: no cover - a settings combination not foreseen
        return None
    if cache is not None:
        cache.update(start=origin + first, frames=frames)
    index = (offsets - offsets[0])[:, None] // hop_length + np.arange(n_frames - 2 * edge)[None, :]
    out = np.empty((len(offsets), frames.shape[0], n_frames), np.float32)
    out[:, :, edge : n_frames - edge] = np.transpose(frames[:, index], (1, 0, 2))
    # the frames at both ends, with the window's own zero padding
    m = max(edge + 1, -(-n_fft // hop_length)) * hop_length  # at least n_fft samples
    left = np.stack([signal[o : o + m] for o in offsets])
    right = np.stack([signal[o + n - m : o + n] for o in offsets])
    out[:, :, :edge] = extract_batch(left, sr, kind="logmel", top_db=None, **s)[:, :, :edge]
    out[:, :, -edge:] = extract_batch(right, sr, kind="logmel", top_db=None, **s)[:, :, -edge:]
    out = floor_per_clip(out, None if top_db is None else float(top_db))
    return out.astype(np.float32)


class StreamResult:
    """What :meth:`StreamingDetector.process` found.

    Attributes
    ----------
    times : np.ndarray [shape=(n_windows,)]
        Centre of each window, in seconds from the start.
    posteriors, smoothed : np.ndarray [shape=(n_windows, n_classes)]
        Raw and smoothed class probabilities per window (0 where a window is
        too quiet to classify).
    detections : list of dict
        ``label``, ``start``, ``end`` (s), ``score`` (peak smoothed probability).
    seconds : float
        Processing time.
    duration : float
        Length of the recording, in seconds.
    """

    def __init__(self, times, posteriors, smoothed, detections, seconds, duration):
        self.times = times
        self.posteriors = posteriors
        self.smoothed = smoothed
        self.detections = detections
        self.seconds = seconds
        self.duration = duration

    @property
    def real_time_factor(self) -> float:
        """Audio seconds processed per second of computing (>1: faster than real time)."""
        return self.duration / max(self.seconds, 1e-9)

    def __repr__(self) -> str:
        return (f"StreamResult({len(self.detections)} detections in {self.duration:.1f} s, "
                f"{self.real_time_factor:.0f}x real time)")


class StreamingDetector:
    """Slide a window over a long recording or a live stream and report what is said when.

    Every ``hop`` seconds, the last ``window`` seconds (the classifier's clip
    length) are classified; the posteriors are smoothed by a moving average
    over ``smoothing`` windows; a detection starts when a class's smoothed
    probability reaches ``threshold`` and ends when it falls below it (or
    another class wins). Windows quieter than ``min_rms`` are not classified
    (their posteriors are 0): silence never triggers a detection. Background
    classes (names starting with ``_``, such as ``_unknown_`` and
    ``_silence_``: see :func:`~audiolab.modelfile.is_background_class`) are
    never reported: a window they win detects nothing.

    Two rules for a keyword spotter are off by default (so that lesson 12's
    outputs stay as they are) and turned on by their arguments:

    - ``refractory=S`` (seconds): after a detection ends, no detection of any
      word starts for ``S`` seconds, counted between window centres, from the
      first window after the detection's last one. Windows inside that time
      start nothing; the first window after it that passes the threshold
      starts a detection as usual.
    - ``suppress_overlaps=True``: when a detection overlaps the previous one
      kept (their reported ``start``-``end`` intervals, which reach half a
      window beyond the windows that decided) and names another word, only
      the one with the higher ``score`` is kept (the earlier one on a tie).
      The comparison is made when the later detection ends, against the
      previous detection kept, so a chain of overlaps is settled pair by pair.
      On a live stream a detection is therefore held back until no later
      one can overlap it (the stream has gone half a window past its end) or
      the stream is flushed: :meth:`push` returns it that much later.
      Because the intervals reach half a window beyond the windows, two
      different words said less than about a window apart overlap too, and
      the weaker is dropped even when both were right: where words follow
      each other closely (a scene of :func:`~audiolab.datasets.make_scene`),
      measure the recall with and without it.

    Parameters
    ----------
    classifier : TFLitePredictor or Predictor
        Anything with ``predict_proba`` (waveforms); a :class:`TFLitePredictor`
        is used through its features, computed once for the whole recording.
    hop : float
        Seconds between windows (default 0.1).
    smoothing : int
        Windows in the moving average (default 5: half a second).
    threshold : float
        Smoothed probability that starts a detection.
    min_rms : float
        Windows with a lower RMS are silence.
    ignore : sequence of str
        More classes never reported (background classes never are).
    refractory : float
        Seconds after a detection ends during which no new detection starts
        (default 0: none).
    suppress_overlaps : bool
        Keep only the higher-scoring of two overlapping detections of
        different words (default False: keep both).

    Raises
    ------
    ParameterError
        If ``classifier`` cannot classify, or an argument is out of range
        (``hop`` not positive, ``threshold`` outside 0-1, ``refractory``
        negative, ``suppress_overlaps`` not a bool, ...).

    Examples
    --------
    >>> detector = StreamingDetector(TFLitePredictor("cnn.tflite"))  # doctest: +SKIP
    >>> result = detector.process(long_recording)  # doctest: +SKIP
    >>> [(d["label"], round(d["start"], 1)) for d in result.detections]  # doctest: +SKIP
    [('three', 1.2), ('seven', 3.4)]
    >>> spotter = StreamingDetector(TFLitePredictor("cnn.tflite"), refractory=0.5,
    ...                             suppress_overlaps=True)  # doctest: +SKIP

    Taught in lesson 12 (deployment with TFLite: streaming detection).
    """

    def __init__(self, classifier: Any, *, hop: float = 0.1, smoothing: int = 5,
                 threshold: float = 0.6, min_rms: float = 0.005,
                 ignore: Sequence[str] = (), refractory: float = 0.0,
                 suppress_overlaps: bool = False) -> None:
        if not hasattr(classifier, "predict_proba") or not hasattr(classifier, "n_samples"):
            raise ParameterError("classifier must be a TFLitePredictor or another Predictor")
        self.classifier = classifier
        self.sr = int(classifier.sr)
        self.window = int(classifier.n_samples)
        self.hop_seconds = check_positive("hop", hop)
        if self.hop_seconds > MAX_HOP:
            raise ParameterError(f"hop must be at most {MAX_HOP:g} seconds, got {hop!r}")
        if self.hop_seconds * self.sr < 0.5:
            raise ParameterError(
                f"hop must be at least one sample ({1 / self.sr:.3g} s at {self.sr} Hz), got {hop!r}"
            )
        self.hop = max(1, int(round(self.hop_seconds * self.sr)))
        # Windows share their feature frames only when the hop is a whole number of
        # feature hops; decided once, so that the results do not depend on how the
        # windows are grouped (in blocks, or by which of them are loud).
        settings = getattr(classifier, "settings", None)
        hop_length = settings.get("hop_length") if isinstance(settings, Mapping) else None
        self._frames_shared = bool(hop_length) and self.hop % int(hop_length) == 0
        self.smoothing = check_positive_int("smoothing", smoothing)
        self.threshold = check_probability("threshold", threshold)
        self.min_rms = float(min_rms)
        self.ignore = set(ignore)
        self.refractory = check_nonnegative("refractory", refractory)
        self.suppress_overlaps = check_bool("suppress_overlaps", suppress_overlaps)
        self.reset()

    def reset(self) -> None:
        """Forget the stream: start again at time 0."""
        self._buffer = np.zeros(0, np.float32)
        self._consumed = 0  # samples dropped from the buffer's front
        self._next = 0  # start sample of the next window
        self._history: list[NDArray[np.float32]] = []
        self._active: dict[str, Any] | None = None
        self._pending: dict[str, Any] | None = None  # closed, held back by suppress_overlaps
        self._quiet_until = -np.inf  # no detection starts before this window time (refractory)
        self._frame_cache: dict[str, Any] = {}
        self.detections: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.posteriors: list[NDArray[np.float32]] = []
        self.smoothed: list[NDArray[np.float32]] = []
        self._seconds = 0.0
        self._samples = 0

    # -- the core: posteriors -> smoothing -> events ---------------------------------------

    def _probabilities(self, signal: NDArray[np.float32], offsets: NDArray[np.int64]) -> NDArray[np.float32]:
        """Posteriors of the windows ``signal[o : o + window]`` for every offset ``o``.

        The windows are classified in blocks of at most :data:`_BLOCK_SAMPLES`
        samples, each from its own slice of ``signal``: memory stays bounded
        however many windows there are, and the results are those of one pass.
        """
        per_block = max(1, _BLOCK_SAMPLES // self.window)
        if len(offsets) <= per_block:
            return self._block_probabilities(signal, offsets, origin=self._consumed)
        parts = []
        for i in range(0, len(offsets), per_block):
            chunk = offsets[i : i + per_block]
            low, high = int(chunk[0]), int(chunk[-1]) + self.window
            parts.append(self._block_probabilities(signal[low:high], chunk - low,
                                                   origin=self._consumed + low))
        return np.concatenate(parts)

    def _block_probabilities(self, signal: NDArray[np.float32], offsets: NDArray[np.int64],
                             *, origin: int) -> NDArray[np.float32]:
        """:meth:`_probabilities` of one block; ``origin``: the stream's index of ``signal[0]``."""
        n = self.window
        squares = np.concatenate([[0.0], np.cumsum(np.square(signal, dtype=np.float64))])
        rms = np.sqrt(np.maximum(squares[offsets + n] - squares[offsets], 0) / n)
        probs = np.zeros((len(offsets), len(self.classifier.class_names)), np.float32)
        loud = np.flatnonzero(rms >= self.min_rms)
        if len(loud) == 0:
            return probs
        shared = (_shared_frame_features(self.classifier, signal, offsets[loud],
                                         cache=self._frame_cache, origin=origin)
                  if self._frames_shared else None)
        if shared is not None:
            probs[loud] = self.classifier.predict_features(shared)
        else:
            windows = np.stack([signal[o : o + n] for o in offsets[loud]])
            probs[loud] = self.classifier.predict_proba(windows)
        return probs

    def _update(self, times: Sequence[float], probs: NDArray[np.float32]) -> list[dict[str, Any]]:
        new: list[dict[str, Any]] = []
        names = self.classifier.class_names
        for t, p in zip(times, probs, strict=True):
            self._history.append(p)
            if len(self._history) > self.smoothing:
                self._history.pop(0)
            s = np.mean(self._history, axis=0).astype(np.float32)
            self.times.append(float(t))
            self.posteriors.append(p)
            self.smoothed.append(s)
            best = int(np.argmax(s))
            label = names[best]
            on = (s[best] >= self.threshold and label not in self.ignore
                  and not is_background_class(label))
            active = self._active
            if active is not None and (not on or label != active["label"]):
                new += self._close(active)
                self._active = active = None
                self._quiet_until = float(t) + self.refractory
            if on and active is None and float(t) + 1e-9 < self._quiet_until:
                on = False  # refractory time: nothing starts
            if on:
                if active is None:
                    self._active = {"label": label, "start": float(t), "end": float(t),
                                    "score": float(s[best])}
                else:
                    active["end"] = float(t)
                    active["score"] = max(active["score"], float(s[best]))
            new += self._release(float(t))
        return new

    def _close(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """End ``event``; returns the detections now final (with ``suppress_overlaps``, perhaps none)."""
        half = self.window / self.sr / 2
        done = {"label": event["label"], "start": round(max(0.0, event["start"] - half), 3),
                "end": round(event["end"] + half, 3), "score": round(event["score"], 3)}
        if not self.suppress_overlaps:
            self.detections.append(done)
            return [done]
        held, final = self._pending, []
        if held is None:
            self._pending = done
        elif held["label"] != done["label"] and done["start"] < held["end"]:
            if done["score"] > held["score"]:
                self._pending = done  # the earlier one loses
        else:
            self.detections.append(held)
            final.append(held)
            self._pending = done
        return final

    def _release(self, t: float) -> list[dict[str, Any]]:
        """The held detection, once no detection starting at window time ``t`` or later can overlap it."""
        held = self._pending
        if held is None:
            return []
        half = self.window / self.sr / 2
        active = self._active
        earliest = active["start"] if active is not None else t
        if round(max(0.0, earliest - half), 3) < held["end"]:
            return []
        self._pending = None
        self.detections.append(held)
        return [held]

    def replay(self, times: Any, posteriors: Any, *, threshold: float | None = None) -> list[dict[str, Any]]:
        """The detections that posteriors already computed give, at this or another threshold.

        The posteriors of a :class:`StreamResult` (``times``, ``posteriors``)
        are smoothed and turned into detections again, with this detector's
        settings and ``threshold`` if given: the same detections as
        :meth:`process` at that threshold, without classifying the recording
        again (:func:`audiolab.evaluate.detection_curve` uses it). The
        detector is reset; its own threshold is left as it was.

        Parameters
        ----------
        times : np.ndarray [shape=(n_windows,)]
            Window centres in seconds.
        posteriors : np.ndarray [shape=(n_windows, n_classes)]
            Raw class probabilities of those windows.
        threshold : float or None
            The threshold to use (None: the detector's).

        Returns
        -------
        list of dict
            The detections, as in :attr:`StreamResult.detections`.
        """
        times = np.asarray(times, dtype=np.float64)
        posteriors = np.asarray(posteriors, dtype=np.float32)
        n_classes = len(self.classifier.class_names)
        if times.ndim != 1 or posteriors.shape != (len(times), n_classes):
            raise ParameterError(f"posteriors must have shape (len(times), {n_classes}), "
                                 f"got {posteriors.shape} for {times.shape[0]} times")
        own = self.threshold
        if threshold is not None:
            self.threshold = check_probability("threshold", threshold)
        try:
            self.reset()
            self._update(times.tolist(), posteriors)
            self.flush()
            return list(self.detections)
        finally:
            self.threshold = own

    # -- live: blocks -------------------------------------------------------------------

    def push(self, block: Any) -> list[dict[str, Any]]:
        """Feed the next block of a live stream; returns the detections that ended in it.

        With ``suppress_overlaps``, a detection is returned once no later one
        can overlap it: by a later push, or by :meth:`flush`.
        """
        from ..validation import valid_audio

        return self._push(valid_audio(np.asarray(block, dtype=np.float32), name="block"),
                          keep=False)

    def _push(self, block: NDArray[np.float32], *, keep: bool) -> list[dict[str, Any]]:
        """:meth:`push`; ``keep``: the buffer may be ``block`` itself (a whole recording, not copied)."""
        start = time.perf_counter()
        self._samples += len(block)
        if keep and not len(self._buffer):
            self._buffer = block
        else:  # a live stream's caller may reuse its block's array: keep a copy
            self._buffer = np.concatenate([self._buffer, block])
        starts: list[int] = []
        while self._next + self.window <= self._consumed + len(self._buffer):
            starts.append(self._next)
            self._next += self.hop
        new: list[dict[str, Any]] = []
        if starts:
            offset = np.asarray(starts) - self._consumed
            times = [(s + self.window / 2) / self.sr for s in starts]
            new = self._update(times, self._probabilities(self._buffer, offset))
        drop = self._next - self._consumed
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._consumed += drop
        self._seconds += time.perf_counter() - start
        return new

    def flush(self) -> list[dict[str, Any]]:
        """End the stream: close a detection still going on (and release one held back)."""
        new: list[dict[str, Any]] = []
        if self._active is not None:
            event, self._active = self._active, None
            new += self._close(event)
        if self._pending is not None:
            new.append(self._pending)
            self.detections.append(self._pending)
            self._pending = None
        return new

    @property
    def real_time_factor(self) -> float:
        """Audio seconds processed per second of computing, so far."""
        return self._samples / self.sr / max(self._seconds, 1e-9)

    # -- offline: a whole recording -------------------------------------------------------

    def process(self, y: Any, *, block: float | None = None) -> StreamResult:
        """Detections over a whole recording (from the start; the detector is reset).

        Parameters
        ----------
        y : np.ndarray [shape=(n,)]
            The recording, at the classifier's rate.
        block : float or None
            Feed it in blocks of this many seconds, as a live stream would
            arrive; None: all at once (fastest).

        Returns
        -------
        StreamResult
        """
        from ..validation import valid_audio

        y = valid_audio(np.asarray(y, dtype=np.float32), name="y")
        self.reset()
        start = time.perf_counter()
        if len(y) < self.window:
            y = np.pad(y, (0, self.window - len(y)))
        if block is None:
            self._push(y, keep=True)
        else:
            step = max(1, int(round(min(check_positive("block", block) * self.sr, len(y)))))
            for i in range(0, len(y), step):
                self._push(y[i : i + step], keep=False)
        self.flush()
        seconds = time.perf_counter() - start
        n = len(self.classifier.class_names)
        return StreamResult(
            times=np.asarray(self.times), posteriors=np.asarray(self.posteriors).reshape(-1, n),
            smoothed=np.asarray(self.smoothed).reshape(-1, n), detections=list(self.detections),
            seconds=seconds, duration=len(y) / self.sr,
        )
