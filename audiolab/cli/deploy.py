"""``audiolab export``, ``audiolab predict`` and ``audiolab stream``: a trained model at work.

::

    audiolab export MODEL.keras --out MODEL.tflite [--quantize none|dynamic|int8]
                    [--calibration DATA_DIR] [--qat-epochs 3] [--per-tensor] [--c-array NAME]
                    [--strip-names]
    audiolab predict MODEL(.keras|.tflite) FILE... [--top-k 3] [--json]
    audiolab stream MODEL(.keras|.tflite) FILE [--hop 0.1] [--threshold 0.6] [--refractory S]
                    [--suppress-overlaps] [--truth CSV] [--json]

``export`` writes ``MODEL.tflite`` and its settings ``MODEL.tflite.json``
(class names, sample rate, feature settings; see :mod:`audiolab.deploy`).
With ``audiolab data`` and ``audiolab train`` this is the whole pipeline for
a folder of your own recordings.

Errors are :class:`~audiolab.errors.AudiolabError`\\ s: :func:`audiolab.cli.main`
prints them as one line and exits with status 2. This module imports nothing
heavy; TensorFlow loads only to read a ``.keras`` model or to convert.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from .options import (
    QUANTIZATIONS,
    bounded_float,
    c_identifier,
    check_output,
    existing_file,
    existing_folder,
    nonnegative_float,
    nonnegative_int,
    one_line,
    output_file,
    positive_int,
    probability,
)

__all__ = ["register", "open_model"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export``, ``predict`` and ``stream`` commands to ``audiolab``'s parser."""
    export = subparsers.add_parser(
        "export",
        help="convert a trained .keras model to TensorFlow Lite (float, dynamic or int8)",
        description="Convert MODEL.keras (saved by audiolab train) to a .tflite classifier that "
        "takes log-mel features, and write its settings beside it (MODEL.tflite.json). For "
        "int8 the model is first fine-tuned with int8's rounding simulated (quantisation-aware), "
        "then calibrated, on training clips of --calibration (default: the folder the model was "
        "trained on).",
    )
    export.add_argument("model", metavar="MODEL.keras", type=existing_file("model file"),
                        help="a model saved by audiolab train")
    export.add_argument("--out", metavar="MODEL.tflite", required=True,
                        type=output_file("--out", ".tflite", what="model file"),
                        help="where to write the TFLite model (must end in .tflite; its folder "
                        "must exist and be writable)")
    export.add_argument("--quantize", choices=QUANTIZATIONS, default="none",
                        help="none: float32; dynamic: int8 weights; int8: int8 weights, "
                        "activations, input and output (default: none)")
    export.add_argument("--calibration", metavar="DATA_DIR",
                        type=existing_folder("dataset folder"),
                        help="class-per-folder dataset whose training clips calibrate int8")
    export.add_argument("--qat-epochs", metavar="N", type=nonnegative_int("--qat-epochs"),
                        help="with --quantize int8: epochs of quantisation-aware fine-tuning on the "
                        "calibration clips, so that int8 keeps the float model's answers (default: "
                        "3; 0: calibrate only)")
    export.add_argument("--per-tensor", action="store_true",
                        help="with --quantize dynamic or int8: one scale per weight tensor "
                        "instead of one per output channel: about 30 %% smaller for a small model "
                        "(check its accuracy with audiolab evaluate)")
    export.add_argument("--c-array", metavar="NAME", type=c_identifier("--c-array"),
                        help="also write NAME.cc and NAME.h (TensorFlow Lite for "
                        "Microcontrollers) beside the .tflite")
    export.add_argument("--strip-names", action="store_true",
                        help="leave out the tensor names and signatures, which the interpreter "
                        "does not need: a few KB smaller, for a microcontroller")
    export.set_defaults(func=_run_export)

    predict = subparsers.add_parser(
        "predict",
        help="classify audio files with a .keras or .tflite model",
        description="Print the most probable classes of each FILE. A background class "
        "(a name starting with _, such as _unknown_ or _silence_) on top reads as "
        "'no keyword'.",
    )
    predict.add_argument("model", metavar="MODEL", type=existing_file("model file"),
                         help="a .keras or .tflite model")
    predict.add_argument("files", metavar="FILE", nargs="+", type=existing_file("audio file"),
                         help="audio files")
    predict.add_argument("--top-k", type=positive_int("--top-k"), default=3, metavar="K",
                         help="how many classes to show per file (default: 3)")
    predict.add_argument("--json", action="store_true",
                         help="print one JSON object: a list of {file, top: [{label, "
                         "probability}]}")
    predict.set_defaults(func=_run_predict)

    stream = subparsers.add_parser(
        "stream",
        help="detect words or sounds over a long recording",
        description="Slide the model's window over FILE every --hop seconds, smooth the "
        "probabilities and print each detection with its start and end time. Background "
        "classes (names starting with _, such as _unknown_ or _silence_) are never detections.",
    )
    stream.add_argument("model", metavar="MODEL", type=existing_file("model file"),
                        help="a .keras or .tflite model")
    stream.add_argument("file", metavar="FILE", type=existing_file("audio file"),
                        help="a (long) audio file")
    stream.add_argument("--hop", type=bounded_float("--hop", 0.001, 3600.0), default=0.1,
                        metavar="S",
                        help="seconds between windows, at least the model's feature hop "
                        "(10 ms for the course's models) and at most 3600 (default: 0.1)")
    stream.add_argument("--threshold", type=probability("--threshold"), default=0.6,
                        metavar="P",
                        help="smoothed probability that starts a detection (default: 0.6)")
    stream.add_argument("--smoothing", type=positive_int("--smoothing"), default=5, metavar="N",
                        help="windows in the moving average (default: 5)")
    stream.add_argument("--refractory", type=nonnegative_float("--refractory"), default=0.0,
                        metavar="S",
                        help="seconds after a detection ends during which no new one starts "
                        "(default: 0, none)")
    stream.add_argument("--suppress-overlaps", action="store_true",
                        help="of two overlapping detections of different words, keep only the "
                        "one with the higher score")
    stream.add_argument("--truth", type=existing_file("truth file"), metavar="CSV",
                        help="the true events (start,end,label, as audiolab data scene writes "
                        "them): also print recall and false alarms per minute, what the false alarms "
                        "were heard in (other words, misheard keywords, keywords found again, "
                        "background), the words most often taken for keywords (with a text "
                        "column, what was said), and the threshold with the best recall at 0.5 false alarms "
                        "per minute or fewer")
    stream.add_argument("--json", action="store_true",
                        help="print one JSON object: detections with start, end, label, score "
                        "(and with --truth, the scores)")
    stream.set_defaults(func=_run_stream)


def open_model(path: str | Path):
    """A :class:`~audiolab.evaluate.Predictor` for a ``.tflite`` or ``.keras`` file.

    Raises
    ------
    AudiolabError
        If ``path`` is not there, is a folder, or is neither ``.keras`` nor ``.tflite``.
    """
    from ..predictors import load_predictor

    return load_predictor(Path(existing_file("model file")(str(path))).expanduser())


def _run_export(args: argparse.Namespace) -> int:
    from ..errors import AudiolabError

    model = Path(args.model).expanduser()
    if model.suffix.lower() != ".keras":
        raise AudiolabError(f"{model}: expected a .keras model saved by audiolab train")
    from ..deploy import export_model, read_tflite_metadata, sidecar_path, write_c_array

    # Every file the export writes, checked before converting (which takes a while).
    target = Path(args.out).expanduser()
    check_output("--out", sidecar_path(target), what="settings file")
    if args.c_array is not None:
        for ending in (".cc", ".h"):
            check_output("--c-array", target.parent / f"{args.c_array}{ending}", what="C file")
    out = export_model(model, args.out, quantize=args.quantize, calibration=args.calibration,
                       per_channel=not args.per_tensor, strip_names=args.strip_names,
                       qat_epochs=args.qat_epochs)
    size = out.stat().st_size
    epochs = read_tflite_metadata(out).get("qat_epochs", 0)
    kind = ", ".join([args.quantize, *(["per tensor"] if args.per_tensor else []),
                      *([f"after {epochs} epochs of quantisation-aware fine-tuning"] if epochs else []),
                      *(["names stripped"] if args.strip_names else [])])
    print(f"saved {out} ({size / 1024:.1f} KB, {kind}) and {sidecar_path(out).name}")
    if args.c_array is not None:
        source, header = write_c_array(out.read_bytes(), args.c_array, out.parent)
        print(f"saved {source} and {header}")
    return 0




def top_choice_text(top: list[dict]) -> str:
    """The classes of one file as ``predict`` prints them: a background class on top is no keyword.

    ``top`` holds ``{"label", "probability"}`` dicts, most probable first:
    ``yes (0.912), no (0.051)``, or ``no keyword (_silence_ 0.930), yes (0.040)``.
    """
    from ..modelfile import is_background_class

    parts = [f"{t['label']} ({t['probability']:.3f})" for t in top]
    if top and is_background_class(top[0]["label"]):
        parts[0] = f"no keyword ({top[0]['label']} {top[0]['probability']:.3f})"
    return ", ".join(parts)


def _run_predict(args: argparse.Namespace) -> int:
    from ..io import load

    predictor = open_model(args.model)
    clips = [load(Path(f).expanduser(), sr=predictor.sr)[0] for f in args.files]
    probs = predictor.predict_proba(clips)
    k = min(args.top_k, len(predictor.class_names))
    results = []
    for file, p in zip(args.files, probs, strict=True):
        order = p.argsort()[::-1][:k]
        results.append({"file": str(file), "top": [
            {"label": predictor.class_names[i], "probability": round(float(p[i]), 4)}
            for i in order]})
    if args.json:
        print(json.dumps({"model": str(args.model), "predictions": results}))
        return 0
    for result in results:
        print(f"{one_line(result['file'])}: {top_choice_text(result['top'])}")
    return 0


#: The most windows ``audiolab stream`` classifies in one run (about 30 hours every 0.1 s;
#: each keeps its posteriors).
MAX_WINDOWS = 1_000_000


def _check_stream(predictor, file: str, hop: float) -> None:
    """Refuse a hop below the model's feature hop, and a run too long or too big to hold."""
    from ..datasets._common import available_memory
    from ..errors import AudiolabError
    from ..io import info

    settings = getattr(predictor, "settings", None) or (
        getattr(predictor, "metadata", None) or {}).get("features") or {}
    sr = int(predictor.sr)
    shortest = max(1 / sr, int(settings.get("hop_length", 1)) / sr)
    if hop < shortest * (1 - 1e-9):
        raise AudiolabError(f"--hop must be at least the model's feature hop, {shortest:g} s, "
                            f"got {hop:g}")
    header = info(Path(file).expanduser())
    samples = max(header.frames * sr / max(header.sr, 1), predictor.n_samples)
    windows = 1 + int((samples - predictor.n_samples) // max(1, round(hop * sr)))
    if windows > MAX_WINDOWS:
        raise AudiolabError(
            f"--hop {hop:g} over {file} ({header.duration:.0f} s) makes {windows:,} windows, "
            f"more than {MAX_WINDOWS:,}; use a longer --hop or a shorter recording"
        )
    # the recording at the model's rate (and the file's own, while it is resampled)
    memory = 4 * samples + 4 * header.frames * header.channels + 3 * 200 * windows
    room = available_memory()
    if room is not None and memory > room:
        raise AudiolabError(
            f"{file} ({header.duration:.0f} s) needs about {memory / 1e9:.1f} GB of memory to "
            f"stream, but {room / 1e9:.1f} GB is available; cut it into shorter files"
        )


def _run_stream(args: argparse.Namespace) -> int:
    from ..deploy import StreamingDetector
    from ..evaluate.detection import (
        FINE_THRESHOLDS,
        detection_curve,
        detection_scores,
        false_alarm_sources,
        false_alarm_words,
        read_truth,
    )
    from ..io import load

    truth = read_truth(args.truth) if args.truth else None  # a bad file fails before the work
    predictor = open_model(args.model)
    _check_stream(predictor, args.file, args.hop)
    y, _ = load(args.file, sr=predictor.sr)
    detector = StreamingDetector(predictor, hop=args.hop, threshold=args.threshold,
                                 smoothing=args.smoothing, refractory=args.refractory,
                                 suppress_overlaps=args.suppress_overlaps)
    result = detector.process(y)
    scores = best = sources = words = None
    if truth is not None:
        scores = detection_scores(result.detections, truth, duration=result.duration)
        sources = false_alarm_sources(result.detections, truth)
        words = false_alarm_words(result.detections, truth)
        best = detection_curve(detector, result, truth, thresholds=FINE_THRESHOLDS).best(
            max_false_alarms_per_minute=0.5)
    if args.json:
        answer = {"model": str(args.model), "file": str(args.file),
                  "duration": round(result.duration, 3),
                  "real_time_factor": round(result.real_time_factor, 1),
                  "detections": result.detections}
        if scores is not None:
            answer["scores"] = {**dataclasses.asdict(scores), "threshold": args.threshold,
                                "false_alarm_sources": sources,
                                "false_alarm_words": [{"said": said, "detected": detected,
                                                       "count": n} for said, detected, n in words]}
            answer["best_threshold"] = best[0] if best else None
        print(json.dumps(answer))
        return 0
    print(f"{one_line(args.file)}: {result.duration:.1f} s, {len(result.times)} windows, "
          f"{result.real_time_factor:.0f}x real time")
    if not result.detections:
        print("no detections")
    for d in result.detections:
        print(f"{d['start']:8.2f} - {d['end']:8.2f} s  {d['label']}  ({d['score']:.2f})")
    if scores is not None:
        print(f"against {one_line(args.truth)}: {_scores_text(scores)} at threshold {args.threshold:g}")
        if scores.false_alarms:
            print("the false alarms were heard in: " + ", ".join(
                f"{_SOURCE_WORDS[source]} {n}" for source, n in sources.items()))
        if words:
            print("taken for keywords most often: " + ", ".join(
                f'"{said}" as {detected} ({n})' for said, detected, n in words[:_WORDS_SHOWN]))
        if best is None:
            print("no threshold from 0.30 to 0.99 keeps to 0.5 false alarms per minute")
        else:
            print(f"best threshold within 0.5 false alarms per minute: {best[0]:g} "
                  f"({_scores_text(best[1])})")
    return 0


#: How many of :func:`~audiolab.evaluate.false_alarm_words`' pairs the text output lists.
_WORDS_SHOWN = 5
#: How the text output names each source of :func:`~audiolab.evaluate.false_alarm_sources`.
_SOURCE_WORDS = {"other word": "other words", "other keyword": "other keywords (misheard)",
                 "repeat": "keywords found again", "background": "background"}


def _scores_text(scores) -> str:
    return (f"recall {scores.recall:.3f} ({scores.hits} of {scores.n_events}), "
            f"{scores.false_alarms} false alarms ({scores.false_alarms_per_minute:.2f} per minute, "
            f"{scores.false_alarms_per_hour:.0f} per hour)")

