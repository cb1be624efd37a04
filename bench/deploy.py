"""Benchmark: the DS-CNN (or CNN) on FSDD as float32, dynamic-range and int8 TFLite, and streaming.

Run ``python bench/deploy.py [--model dscnn|cnn] [--epochs 15] [--augment light] [--seed 0]
[--filters 40,40,40,40,40] [--kernel 5,7] [--strides 2,2] [--block-strides 2,2,2,1]
[--spotter-seeds 0,1,2] [--spotter-label-smoothing 0.1] [--qat-epochs 3]
[--calibration-draws 5]``.

Trains the model (:func:`audiolab.models.build_dscnn` by default, ``build_cnn``
with ``--model cnn``) with ``audiolab.train.train_clips`` (the defaults of
``audiolab train``) on the Free Spoken Digit Dataset's official split (takes
0-4 of every speaker and digit are the 300 test clips; a stratified ninth of
the rest is the validation set; found through ``$AUDIOLAB_FSDD`` or
``../shared/datasets/fsdd``; *Free Spoken Digit Dataset, Jackson et al.,
CC BY-SA 4.0*), converts the classifier with :func:`audiolab.deploy.to_tflite`
three ways (int8 calibrated on 200 training clips), and prints a Markdown
table from :func:`audiolab.deploy.benchmark`: file size, latency of one
interpreter call per clip (median and p95 of the fastest of 5 rounds of 300
calls, one thread, features given),
tensor memory and test accuracy, plus the time of the NumPy front end per
clip, and the float32 and int8 accuracy on all 3,000 recordings (the
training clips included: a larger sample of where quantisation changes an
answer) and their difference in points. Then
:class:`audiolab.deploy.StreamingDetector` (int8, hop 100 ms) runs over a
60-second recording made of test clips and silence, and its real-time factor
is printed.

Then the keyword spotter of the README (skip it with ``--no-spotter``), once
for every seed of ``--spotter-seeds`` (0,1,2 by default): the synthetic digits
with ``_unknown_`` and ``_silence_`` (``--spotter-per-class`` clips per class,
500 by default, with the Flite voices where ``flite`` is installed; made with
the seed and cached under ``$AUDIOLAB_DATA``), the DS-CNN trained on them with
the strong augmentation and a label smoothing of 0.1 (``--spotter-label-smoothing``),
converted to float32 and to int8 as ``audiolab export --quantize int8`` makes it
(``--qat-epochs`` epochs of quantisation-aware fine-tuning on the training clips,
3 by default, :func:`audiolab.deploy.finetune_trained_model`; then calibrated on
200 training clips) with a scale per channel and per tensor, and measured by
:func:`audiolab.deploy.benchmark_tflite` on all 3,000 FSDD recordings (a digit
counts as right only if the model names it: ``_unknown_`` and ``_silence_``
are wrong answers), and the int8 model's
:func:`audiolab.evaluate.detection_curve` on a ``--scene-minutes`` scene of
:func:`audiolab.datasets.make_scene` (10 minutes, made with the same seed):
recall and false alarms per minute at thresholds 0.30-0.99 (steps of 0.01,
:data:`audiolab.evaluate.FINE_THRESHOLDS`; the table shows every fifth) and
the best recall within 0.5 and within 1 false alarm per minute, and what the false
alarms at thresholds 0.5 and 0.9 were heard in
(:func:`audiolab.evaluate.false_alarm_sources`) and which words were taken
for which keyword at 0.5 (:func:`audiolab.evaluate.false_alarm_words`); the
int8 model's size also with its names stripped
(:func:`audiolab.deploy.strip_names`); the same for the model with one scale
per weight tensor (``per_channel=False``): size, latency, FSDD accuracy and
the scene's best recalls; and the scene's words
classified one by one, each in a window centred on it (the share of keywords
named right and of other words rejected: the model's own errors, whatever the
detector's settings); and the int8 gap on FSDD over ``--calibration-draws``
other draws of 200 calibration clips, with and without the fine-tuning. One
row per seed, their
mean and spread, and the curve averaged over the seeds.

Goals: int8 model at most 32 KB, int8 accuracy within 0.5 points of float,
int8 latency under 0.2 ms per clip, streaming at least 100x faster than real
time; for the spotter the same three (stretch: 20 KB with names stripped,
per channel or per tensor),
and on the scene a recall of at least 0.95 at 0.5 false alarms per minute
or fewer, each on every seed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def _argparse_type(audiolab_type):
    """An option type of audiolab.cli.options whose refusal argparse prints as a usage error."""
    from audiolab.errors import AudiolabError

    def parse(text: str):
        try:
            return audiolab_type(text)
        except AudiolabError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def main(argv: list[str] | None = None) -> int:
    from audiolab.cli.options import label_fraction

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--augment", default="light", choices=["none", "light", "strong"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="dscnn", choices=["cnn", "dscnn"])
    parser.add_argument("--filters", default=None,
                        help="filters, e.g. 8,16,24,32 (default: the builder's)")
    parser.add_argument("--kernel", default=None,
                        help="DS-CNN first kernel, rows,frames (default: build_dscnn's)")
    parser.add_argument("--strides", default=None,
                        help="DS-CNN first strides, rows,frames (default: build_dscnn's)")
    parser.add_argument("--block-strides", default=None,
                        help="DS-CNN strides of the blocks, e.g. 1,2,1,2 (default: build_dscnn's)")
    parser.add_argument("--no-spotter", action="store_true",
                        help="skip the keyword spotter and its scene")
    parser.add_argument("--spotter-per-class", type=int, default=500)
    parser.add_argument("--spotter-seeds", default="0,1,2",
                        help="train one spotter per seed, each with its own data and scene "
                        "(default: 0,1,2)")
    parser.add_argument("--spotter-epochs", type=int, default=30)
    parser.add_argument("--spotter-label-smoothing", default=0.1,
                        type=_argparse_type(label_fraction("--spotter-label-smoothing")),
                        help="the spotter's label smoothing (default: 0.1, as in the README)")
    parser.add_argument("--scene-minutes", type=float, default=10.0)
    parser.add_argument("--qat-epochs", type=int, default=3,
                        help="the spotter's quantisation-aware fine-tuning before int8 (0: none)")
    parser.add_argument("--calibration-draws", type=int, default=5,
                        help="other draws of 200 calibration clips to measure the int8 gap over")
    args = parser.parse_args(argv)

    from models import load  # bench/models.py: the same FSDD loading and split

    from audiolab import deploy, evaluate, features, train

    clips, labels, names, parts, _ = load("fsdd", 0, args.seed)
    options = {}
    if args.filters:
        options["filters"] = tuple(int(f) for f in args.filters.split(","))
    for key, value in (("kernel_size", args.kernel), ("strides", args.strides),
                       ("block_strides", args.block_strides)):
        if value:
            if args.model != "dscnn":
                raise SystemExit("--kernel and the strides are for --model dscnn")
            options[key] = tuple(int(n) for n in value.split(","))
    start = time.perf_counter()
    result = train.train_clips(clips, labels, names, parts, sr=16000, model=args.model,
                               epochs=args.epochs, augment=args.augment, seed=args.seed,
                               model_options=options, log=lambda *a: None)
    train_seconds = time.perf_counter() - start
    settings = result.metadata["features"]
    x_train = features.extract_batch(clips[parts["train"]], 16000, **settings)
    x_test = features.extract_batch(clips[parts["test"]], 16000, **settings)
    y_test = labels[parts["test"]]
    rng = np.random.default_rng(args.seed)
    calibration = x_train[rng.choice(len(x_train), size=200, replace=False)]

    rows = deploy.benchmark(result.model, x_test, y_test, representative_data=calibration,
                            metadata=result.metadata, n_timing=300, rounds=5)
    t = []
    for clip in clips[parts["test"]][:100]:
        s = time.perf_counter()
        features.extract_batch(clip[np.newaxis], 16000, **settings)
        t.append(time.perf_counter() - s)
    front_ms = 1e3 * float(np.median(t))

    # Streaming: 60 s of test clips separated by silence, with a little noise.
    int8 = deploy.TFLitePredictor(
        deploy.to_tflite(result.model, quantize="int8", representative_data=calibration),
        metadata={**result.metadata, "quantize": "int8"})
    # Float32 and int8 on all 3,000 recordings: 10 times the test set's sample of changed answers.
    floating = deploy.TFLitePredictor(deploy.to_tflite(result.model, quantize="none"),
                                      metadata={**result.metadata, "quantize": "none"})
    x_all = features.extract_batch(clips, 16000, **settings)
    all_float = float(np.mean(floating.predict_features(x_all).argmax(1) == labels))
    all_int8 = float(np.mean(int8.predict_features(x_all).argmax(1) == labels))
    pieces, truth, at = [], [], 0
    test_order = rng.permutation(parts["test"])  # shuffled: neighbours differ
    while at < 60 * 16000:
        i = test_order[len(truth) % len(test_order)]
        if at + len(clips[i]) <= 60 * 16000:
            truth.append({"start": at / 16000, "end": (at + len(clips[i])) / 16000,
                          "label": names[labels[i]]})
        pieces += [clips[i], np.zeros(8000, np.float32)]
        at += len(clips[i]) + 8000
    said = len(truth)
    long = np.concatenate(pieces)[: 60 * 16000]
    long = long + 0.002 * rng.standard_normal(len(long)).astype(np.float32)
    # FSDD's quietest speakers (theo, yweweler) have a speech RMS of 0.003-0.007 over a second:
    # a higher min_rms would never classify their words.
    detector = deploy.StreamingDetector(int8, hop=0.1, smoothing=5, threshold=0.6, min_rms=0.003)
    detector.process(long[:32000])  # warm-up
    cpu = time.process_time()
    stream = detector.process(long)
    cpu_rtf = len(long) / 16000 / (time.process_time() - cpu)
    detector.reset()
    start = time.perf_counter()
    for i in range(0, len(long), 1600):  # a live stream in 100 ms blocks
        detector.push(long[i : i + 1600])
    detector.flush()
    live_rtf = len(long) / 16000 / (time.perf_counter() - start)

    print(f"# audiolab deploy benchmark ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})\n")
    print(f"{args.model.upper()} on FSDD (official split, {len(parts['train'])}/{len(parts['val'])}/"
          f"{len(parts['test'])} train/val/test), {result.metadata['parameters']:,} parameters"
          f"{' ' + str(options) if options else ''}, seed {args.seed}, "
          f"{result.history.epochs} epochs in {train_seconds:.0f} s; Keras test accuracy "
          f"{result.report['accuracy']:.4f}\n")
    table = [{**r, "accuracy": round(100 * r["accuracy"], 2)} for r in rows]
    print(deploy.format_table(
        table, columns=["model", "size_bytes", "size_kb", "latency_ms_median", "latency_ms_p95",
                        "memory_kb", "accuracy"], digits=3))
    print(f"\nAll {len(labels):,} recordings: float32 accuracy {100 * all_float:.2f} %, int8 "
          f"{100 * all_int8:.2f} %, difference {100 * (all_int8 - all_float):+.2f} points")
    print(f"NumPy log-mel front end: {front_ms:.2f} ms per 1-s clip (median)")
    print(f"Streaming (int8, 1-s window, 100 ms hop, {len(stream.times)} windows over 60 s): "
          f"{stream.real_time_factor:.0f}x real time whole-file (wall clock; {cpu_rtf:.0f}x by CPU "
          f"time), {live_rtf:.0f}x in 100 ms blocks; "
          f"{len(stream.detections)} detections for {said} digits said")
    found = evaluate.detection_scores(stream.detections, truth, duration=len(long) / 16000)
    print(f"Found {found.hits} of the {said} digits (recall {found.recall:.3f}), "
          f"{found.false_alarms} false alarms")
    float_acc, int8_acc = rows[0]["accuracy"], rows[-1]["accuracy"]
    goals = [
        ("int8 at most 32 KB", rows[-1]["size_bytes"] <= 32 * 1024),
        ("int8 within 0.5 points of float", abs(float_acc - int8_acc) * 100 <= 0.5
         and abs(all_float - all_int8) * 100 <= 0.5),
        ("int8 latency under 0.2 ms", rows[-1]["latency_ms_median"] < 0.2),
        ("streaming at least 100x real time", stream.real_time_factor >= 100),
    ]
    if not args.no_spotter:
        goals += keyword_spotter(args)
    print("\nGoals: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in goals))
    return 0


def keyword_spotter(args: argparse.Namespace) -> list[tuple[str, bool]]:
    """Train the README's keyword spotter once per seed of ``--spotter-seeds``; print; return its goals."""
    from models import fsdd_path

    from audiolab import datasets, deploy, evaluate
    from audiolab.datasets import flite

    voices = [*datasets.DEFAULT_VOICES, *datasets.FLITE_VOICES] if flite.available() else None
    fsdd = datasets.load_fsdd(fsdd_path(), duration=1.0, as_words=True, progress=False,
                              download=False)
    seeds = [int(seed) for seed in args.spotter_seeds.split(",")]
    runs = [spotter_once(args, seed, voices, fsdd) for seed in seeds]

    print(f"\n## Keyword spotter, seeds {', '.join(map(str, seeds))}: the DS-CNN on "
          f"{args.spotter_per_class} synthetic clips per class ({runs[0]['classes']}; "
          f"{'eSpeak NG + Flite' if voices else 'eSpeak NG only'}), "
          f"{runs[0]['parameters']:,} parameters, {args.spotter_epochs} epochs with the strong "
          f"augmentation and a label smoothing of {args.spotter_label_smoothing:g}; int8 as audiolab export makes it: "
          f"{args.qat_epochs} epochs of quantisation-aware fine-tuning, then calibrated on 200 "
          f"training clips (\"calibrated only\": the same without fine-tuning). FSDD: all {len(fsdd):,} "
          f"recordings (voices never heard; _unknown_ or _silence_ counts as wrong). Scene: "
          f"{args.scene_minutes:g} minutes of make_scene with the same seed (keywords from voices "
          f"no dataset uses, other words, clicks and breaths), int8 detector (hop 0.1 s, "
          f"smoothing 5)\n")
    columns = ["seed", "int8 KB", "int8 KB, names stripped", "int8 ms", "FSDD float32 %",
               "FSDD int8 %", "int8 - float", "FSDD int8 calibrated only %",
               "calibrated only - float", "recall, threshold 0.5", "FA/min, threshold 0.5", "best recall within 0.5 FA/min",
               "best recall within 1 FA/min", "keywords right alone %",
               "other words rejected alone %", "trained in s", "fine-tuned in s"]
    table = [{key: run[key] for key in columns} for run in runs]
    if len(runs) > 1:
        for name, summary in (("mean", np.mean), ("sd", np.std)):
            row = {"seed": name}
            for key in columns[1:]:
                values = [run[key] for run in runs]
                missing = values.count("none")
                row[key] = (f"none on {missing}" if missing
                            else round(float(summary(values)), 3))
            table.append(row)
    print(deploy.format_table(table, columns=columns, digits=3))
    print("\nThe same models with one scale per weight tensor (to_tflite(per_channel=False), "
          "export --per-tensor):\n")
    per_tensor = [run["per tensor"] for run in runs]
    print(deploy.format_table(per_tensor, columns=[key for key in per_tensor[0]
                                                   if not key.endswith("bytes")], digits=3))
    print("\nA best recall of \"none\": no threshold of 0.30-0.99 (steps of 0.01) keeps within "
          "the budget. \"Alone\": each word of the scene classified in one window centred on it "
          "(keywords named right; other words given _unknown_ or _silence_): how well the model "
          "itself tells the words apart, whatever the detector's settings.")

    draws = [row for run in runs for row in run["draws"]]
    if draws:
        print(f"\nThe int8 gap on FSDD (points against float32) over {args.calibration_draws} other "
              f"draws of 200 calibration clips, calibrated only and after the fine-tuning:\n")
        print(deploy.format_table(draws, columns=list(draws[0]), digits=3))
    print("\nThe false alarms on the scene at thresholds 0.5 and 0.9, by what they were heard in "
          "(evaluate.false_alarm_sources: the scene's event each overlaps most):\n")
    sources = [{"seed": run["seed"], "threshold": threshold, **counts}
               for run in runs for threshold, counts in run["sources"].items()]
    print(deploy.format_table(sources, columns=list(sources[0]), digits=3))
    print("\nThe words most often taken for keywords at threshold 0.5 "
          "(evaluate.false_alarm_words):\n")
    for run in runs:
        pairs = ", ".join(f'"{said}" as {detected} ({count})'
                          for said, detected, count in run["words"][:5])
        print(f"- seed {run['seed']}: {pairs or 'none'}")

    curves = [run["curve"] for run in runs]
    averaged = [{"threshold": t, "recall (mean over seeds)": round(float(np.mean(
                     [c.recall[i] for c in curves])), 3),
                 "false alarms per minute (mean)": round(float(np.mean(
                     [c.false_alarms_per_minute[i] for c in curves])), 2)}
                for i, t in enumerate(curves[0].thresholds) if t in evaluate.DEFAULT_THRESHOLDS]
    print("\nThe curve over the threshold, averaged over the seeds:\n")
    print(deploy.format_table(averaged, columns=list(averaged[0]), digits=3))
    return [
        ("spotter int8 at most 32 KB (every seed)",
         all(run["int8 bytes"] <= 32 * 1024 for run in runs)),
        ("stretch: spotter int8 with names stripped at most 20 KB (every seed)",
         all(run["stripped bytes"] <= 20 * 1024 for run in runs)),
        ("stretch: spotter int8 per tensor with names stripped at most 20 KB (every seed)",
         all(run["per tensor"]["stripped bytes"] <= 20 * 1024 for run in runs)),
        ("spotter int8 at most 0.5 points below float on FSDD (every seed)",
         all(run["int8 - float"] >= -0.5 for run in runs)),
        ("spotter int8 per tensor at most 0.5 points below float on FSDD (every seed)",
         all(run["per tensor"]["int8 - float"] >= -0.5 for run in runs)),
        ("spotter int8 latency under 0.2 ms (every seed)",
         all(run["int8 ms"] < 0.2 for run in runs)),
        ("scene recall at least 0.95 at 0.5 false alarms per minute or fewer (every seed)",
         all(run["best recall within 0.5 FA/min"] != "none"
             and run["best recall within 0.5 FA/min"] >= 0.95 for run in runs)),
    ]


def spotter_once(args: argparse.Namespace, seed: int, voices, fsdd) -> dict:
    """One spotter: its data, training, int8 model, FSDD accuracy and scene curve for ``seed``."""
    import tempfile

    from audiolab import datasets, deploy, evaluate, features, io, train

    folder = datasets.data_home() / (f"bench-spotter-{args.spotter_per_class}-"
                                     f"{'flite' if voices else 'espeak'}-seed{seed}")
    datasets.make_speech_dataset(folder, vocabulary="digits", per_class=args.spotter_per_class,
                                 voices=voices, unknown=True, silence=True, seed=seed,
                                 n_jobs=2, progress=False)
    data = datasets.load_folder(folder, duration=1.0, progress=False)
    parts, _ = evaluate.split_indices(data, seed=seed)
    start = time.perf_counter()
    result = train.train_clips(data.clips, data.labels, data.class_names, parts, sr=16000,
                               model="dscnn", epochs=args.spotter_epochs, augment="strong",
                               label_smoothing=args.spotter_label_smoothing, seed=seed,
                               log=lambda *a: None)
    trained = time.perf_counter() - start
    settings = result.metadata["features"]
    rng = np.random.default_rng(seed)
    calibration = rng.choice(parts["train"], min(200, len(parts["train"])), replace=False)
    x_train = features.extract_batch(data.clips[calibration], 16000, **settings)
    to_model = np.array([data.class_names.index(name) for name in fsdd.class_names])
    x_fsdd = features.extract_batch(fsdd.clips, 16000, **settings)
    y_fsdd = to_model[fsdd.labels]
    float32 = deploy.TFLitePredictor(deploy.to_tflite(result.model, quantize="none"),
                                     metadata={**result.metadata, "quantize": "none"})
    float_accuracy = float(np.mean(float32.predict_features(x_fsdd).argmax(1) == y_fsdd))
    with tempfile.TemporaryDirectory() as scene_folder:
        scene = datasets.make_scene(Path(scene_folder) / "scene.wav", minutes=args.scene_minutes,
                                    seed=seed)
        y, _ = io.load(scene.audio, sr=16000)
        truth = evaluate.read_truth(scene.truth)
    start = time.perf_counter()
    tuned = deploy.finetune_trained_model(deploy.classifier_part(result.model)[0],
                                          data.clips[parts["train"]], result.metadata,
                                          epochs=args.qat_epochs)
    finetuned = time.perf_counter() - start
    calibrated_only = deploy.TFLitePredictor(
        deploy.to_tflite(result.model, quantize="int8", representative_data=x_train),
        metadata={**result.metadata, "quantize": "int8"})
    calibrated_accuracy = float(np.mean(calibrated_only.predict_features(x_fsdd).argmax(1)
                                        == y_fsdd))
    draws = calibration_draws(args.calibration_draws, seed, {"calibrated only": result.model,
                                                              "fine-tuned": tuned},
                              data.clips[parts["train"]], settings, result.metadata, x_fsdd,
                              y_fsdd, float_accuracy)
    per_channel, per_tensor = (
        quantised_spotter(tuned, result.metadata, x_train, x_fsdd, y_fsdd, y, truth,
                          per_channel=choice)
        for choice in (True, False))
    detector, stream = per_channel["detector"], per_channel["stream"]
    curve = per_channel["curve"]
    sources = {threshold: evaluate.false_alarm_sources(
                   detector.replay(stream.times, stream.posteriors, threshold=threshold), truth)
               for threshold in (0.5, 0.9)}
    words = evaluate.false_alarm_words(detector.replay(stream.times, stream.posteriors,
                                                       threshold=0.5), truth)
    alone = words_alone(per_channel["predictor"], y, truth)
    at_half = curve.scores[curve.thresholds.index(0.5)]

    def best_recall(budget: float, curve=curve) -> float | str:
        best = curve.best(max_false_alarms_per_minute=budget)
        return "none" if best is None else round(best[1].recall, 3)

    def sizes_and_scores(int8: dict) -> dict:
        row = int8["row"]
        return {"int8 bytes": row["size_bytes"], "int8 KB": row["size_kb"],
                "stripped bytes": int8["stripped"],
                "int8 KB, names stripped": round(int8["stripped"] / 1024, 1),
                "int8 ms": round(row["latency_ms_median"], 3),
                "FSDD int8 %": round(100 * row["accuracy"], 2),
                "int8 - float": round(100 * (row["accuracy"] - float_accuracy), 2),
                "best recall within 0.5 FA/min": best_recall(0.5, int8["curve"]),
                "best recall within 1 FA/min": best_recall(1.0, int8["curve"])}

    print(f"Spotter seed {seed}: trained in {trained:.0f} s, best recall within 0.5 false alarms "
          f"per minute {best_recall(0.5)}", flush=True)
    return {"seed": seed, "classes": f"{', '.join(data.class_names[:2])} and ten digits",
            "parameters": result.metadata["parameters"], "curve": curve,
            **sizes_and_scores(per_channel),
            "FSDD float32 %": round(100 * float_accuracy, 2),
            "FSDD int8 calibrated only %": round(100 * calibrated_accuracy, 2),
            "calibrated only - float": round(100 * (calibrated_accuracy - float_accuracy), 2),
            "fine-tuned in s": round(finetuned),
            "recall, threshold 0.5": round(at_half.recall, 3),
            "FA/min, threshold 0.5": round(at_half.false_alarms_per_minute, 2),
            "keywords right alone %": alone["keywords"],
            "other words rejected alone %": alone["others"],
            "trained in s": round(trained), "sources": sources, "words": words, "draws": draws,
            "per tensor": {"seed": seed, **sizes_and_scores(per_tensor)}}


def calibration_draws(n_draws: int, seed: int, variants: dict, train_clips: np.ndarray,
                      settings: dict, metadata: dict, x_fsdd: np.ndarray, y_fsdd: np.ndarray,
                      float_accuracy: float) -> list[dict]:
    """The int8 gap on FSDD (points) of each variant, over ``n_draws`` draws of 200 calibration clips."""
    from audiolab import deploy, features

    gaps = {name: [] for name in variants}
    for draw in range(n_draws):
        chosen = np.random.default_rng([seed, draw]).choice(len(train_clips), 200, replace=False)
        calibration = features.extract_batch(train_clips[chosen], 16000, **settings)
        for name, model in variants.items():
            predictor = deploy.TFLitePredictor(
                deploy.to_tflite(model, quantize="int8", representative_data=calibration),
                metadata={**metadata, "quantize": "int8"})
            accuracy = float(np.mean(predictor.predict_features(x_fsdd).argmax(1) == y_fsdd))
            gaps[name].append(100 * (accuracy - float_accuracy))
    return [{"seed": seed, "int8": name, "draws": n_draws,
             "gap, mean": round(float(np.mean(values)), 2),
             "lowest": round(min(values), 2), "highest": round(max(values), 2),
             "at most 0.5 below": sum(value >= -0.5 for value in values)}
            for name, values in gaps.items() if values]


def quantised_spotter(model, metadata, x_train, x_fsdd, y_fsdd, y, truth, *,
                      per_channel: bool) -> dict:
    """The int8 spotter with a scale per channel or per tensor: its row, stripped size and scene curve."""
    from audiolab import deploy, evaluate

    flat = deploy.to_tflite(model, quantize="int8", representative_data=x_train,
                            per_channel=per_channel)
    predictor = deploy.TFLitePredictor(flat, metadata={**metadata, "quantize": "int8",
                                                       "per_channel": per_channel})
    row = deploy.benchmark_tflite(predictor, x_fsdd, y_fsdd, n_timing=300, rounds=5)
    detector = deploy.StreamingDetector(predictor, hop=0.1, smoothing=5, min_rms=0.005)
    stream = detector.process(y)
    return {"predictor": predictor, "row": row, "stripped": len(deploy.strip_names(flat)),
            "detector": detector, "stream": stream,
            "curve": evaluate.detection_curve(detector, stream, truth,
                                              thresholds=evaluate.FINE_THRESHOLDS)}


def words_alone(classifier, y: np.ndarray, truth: list[dict]) -> dict[str, float]:
    """How the scene's words are classified one by one, each in a window centred on it.

    The model's own share of the errors, whatever the detector's settings:
    ``keywords`` is the percentage of keywords named right, ``others`` that
    of other words (``_unknown_``) given a background class, not a keyword.
    Bursts (``_silence_``) are left out.
    """
    from audiolab.datasets.speech import SILENCE_CLASS
    from audiolab.modelfile import is_background_class

    n, names = classifier.n_samples, classifier.class_names
    words = [e for e in truth if e["label"] != SILENCE_CLASS]
    centres = [int(round((e["start"] + e["end"]) / 2 * classifier.sr)) for e in words]
    padded = np.pad(y, n)
    windows = np.stack([padded[c + n - n // 2 : c + n - n // 2 + n] for c in centres])
    said = [names[i] for i in classifier.predict_proba(windows).argmax(1)]
    keyword = np.array([not is_background_class(e["label"]) for e in words])
    right = np.array([s == e["label"] if k else is_background_class(s)
                      for s, e, k in zip(said, words, keyword, strict=True)])
    return {"keywords": round(100 * float(np.mean(right[keyword])), 1),
            "others": round(100 * float(np.mean(right[~keyword])), 1)}


if __name__ == "__main__":
    sys.exit(main())
