"""Benchmark: the DS-CNN (or CNN) on FSDD as float32, dynamic-range and int8 TFLite, and streaming.

Run ``python bench/deploy.py [--model dscnn|cnn] [--epochs 15] [--augment light] [--seed 0]
[--filters 40,40,40,40,40] [--kernel 5,7] [--strides 2,2] [--block-strides 2,2,2,1]``.

Trains the model (:func:`audiolab.models.build_dscnn` by default, ``build_cnn``
with ``--model cnn``) with ``audiolab.train.train_clips`` (the defaults of
``audiolab train``) on the Free Spoken Digit Dataset's official split (takes
0-4 of every speaker and digit are the 300 test clips; a stratified ninth of
the rest is the validation set; found through ``$AUDIOLAB_FSDD`` or
``../shared/datasets/fsdd``; *Free Spoken Digit Dataset, Jackson et al.,
CC BY-SA 4.0*), converts the classifier with :func:`audiolab.deploy.to_tflite`
three ways (int8 calibrated on 200 training clips), and prints a Markdown
table from :func:`audiolab.deploy.benchmark`: file size, latency of one
interpreter call per clip (median and p95, one thread, features given),
tensor memory and test accuracy, plus the time of the NumPy front end per
clip, and the float32 and int8 accuracy on all 3,000 recordings (the
training clips included: a larger sample of where quantisation changes an
answer) and their difference in points. Then
:class:`audiolab.deploy.StreamingDetector` (int8, hop 100 ms) runs over a
60-second recording made of test clips and silence, and its real-time factor
is printed.

Goals: int8 model at most 32 KB, int8 accuracy within 0.5 points of float,
int8 latency under 0.2 ms per clip, streaming at least 100x faster than real
time.
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


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)

    from models import load  # bench/models.py: the same FSDD loading and split

    from audiolab import deploy, features, train

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
                            metadata=result.metadata, n_timing=300)
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
    pieces, said = [], 0
    test_clips = clips[rng.permutation(parts["test"])]  # shuffled: neighbours differ
    while sum(len(p) for p in pieces) < 60 * 16000:
        pieces += [test_clips[said % len(test_clips)], np.zeros(8000, np.float32)]
        said += 1
    long = np.concatenate(pieces)[: 60 * 16000]
    long = long + 0.002 * rng.standard_normal(len(long)).astype(np.float32)
    detector = deploy.StreamingDetector(int8, hop=0.1, smoothing=5, threshold=0.6, min_rms=0.01)
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
    float_acc, int8_acc = rows[0]["accuracy"], rows[-1]["accuracy"]
    goals = [
        ("int8 at most 32 KB", rows[-1]["size_bytes"] <= 32 * 1024),
        ("int8 within 0.5 points of float", abs(float_acc - int8_acc) * 100 <= 0.5
         and abs(all_float - all_int8) * 100 <= 0.5),
        ("int8 latency under 0.2 ms", rows[-1]["latency_ms_median"] < 0.2),
        ("streaming at least 100x real time", stream.real_time_factor >= 100),
    ]
    print("\nGoals: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in goals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
