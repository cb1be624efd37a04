"""Benchmark: the course's CNN, RNN and CRNN on synthetic and real spoken digits.

Run ``python bench/models.py [--data synthetic,fsdd] [--models cnn,rnn,crnn]
[--epochs 15] [--augment light] [--per-class 300] [--loso] [--seed 0]``.

Trains each model with ``audiolab.train.train_clips`` (the code behind
``audiolab train``: log-mel features, a Normalization layer fitted on the
training split, two precomputed "light" augmented copies, a cosine schedule,
early stopping on the validation loss) on

- **synthetic**: the synthetic spoken digits (``speech_digits(per_class=300)``:
  3,000 clips of 300 eSpeak NG speakers), split by speaker 80:10:10, so the
  test set holds speakers never heard in training;
- **fsdd**: the Free Spoken Digit Dataset's official split (takes 0-4 of
  every speaker and digit are the 300 test clips; a stratified ninth of the
  other 2,700 is the validation set). Found through ``$AUDIOLAB_FSDD`` or
  ``../shared/datasets/fsdd``. *Free Spoken Digit Dataset, Jackson et al.,
  CC BY-SA 4.0.*

and prints a Markdown table: test accuracy, macro F1, parameters, training
time (feature extraction and augmentation included), and inference time per
clip of the end-to-end model (waveform in, features computed inside), for
one clip at a time and in batches of 64. With ``--loso`` it also trains the
CNN six times on FSDD, each time leaving one speaker out for testing: the
honest figure for a voice the model has never heard (the official split
tests the same six speakers it trained on).

Goals: CNN at least 99 % on both test sets, RNN and CRNN within 1 point of
the CNN, each training run under 2 minutes on 2 cores.
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


def fsdd_path() -> Path | None:
    for candidate in (os.environ.get("AUDIOLAB_FSDD"), ROOT.parent / "shared/datasets/fsdd"):
        if candidate and (Path(candidate) / "recordings").is_dir():
            return Path(candidate)
    return None


def load(name: str, per_class: int, seed: int):
    """(clips, labels, class_names, parts, groups) of a benchmark dataset."""
    from audiolab import datasets
    from audiolab.evaluate import split_indices

    if name == "synthetic":
        folder = datasets.speech_digits(per_class=per_class, n_jobs=2, progress=False)
        ds = datasets.load_folder(folder, duration=1.0, progress=False)
    else:
        path = fsdd_path()
        if path is None:
            raise SystemExit("FSDD not found: set AUDIOLAB_FSDD to its folder")
        ds = datasets.load_fsdd(path, duration=1.0, progress=False, download=False)
    parts, _ = split_indices(ds, seed=seed)
    return ds.clips, ds.labels, ds.class_names, parts, ds.groups


def inference_ms(model, clips: np.ndarray) -> tuple[float, float]:
    """Milliseconds per clip: one clip per call (median) and batches of 64 (mean)."""
    import tensorflow as tf

    run = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    one = tf.constant(clips[:1])
    run(one)
    times = []
    for i in range(min(50, len(clips))):
        x = tf.constant(clips[i : i + 1])
        start = time.perf_counter()
        run(x).numpy()
        times.append(time.perf_counter() - start)
    batch = tf.constant(clips[:64])
    run(batch)
    start = time.perf_counter()
    repeats = 5
    for _ in range(repeats):
        run(batch).numpy()
    per_batch = (time.perf_counter() - start) / repeats / len(batch)
    return 1000 * float(np.median(times)), 1000 * per_batch


def train_one(clips, labels, names, parts, *, model, epochs, augment, seed):
    from audiolab import train

    start = time.perf_counter()
    result = train.train_clips(clips, labels, names, parts, sr=16000, model=model,
                               epochs=epochs, seed=seed, augment=augment, verbose=0,
                               log=lambda *a: None)
    seconds = time.perf_counter() - start
    return result, seconds


def loso(clips, labels, names, groups, *, epochs, augment, seed):
    from audiolab.datasets import train_val_test_split

    rows = []
    for speaker in sorted(set(groups)):
        test = np.flatnonzero(groups == speaker)
        rest = np.flatnonzero(groups != speaker)
        inner = train_val_test_split(labels[rest], fractions=(0.9, 0.1, 0.0), seed=seed)
        parts = {"train": rest[inner.train], "val": rest[inner.val], "test": test}
        result, seconds = train_one(clips, labels, names, parts, model="cnn", epochs=epochs,
                                    augment=augment, seed=seed)
        rows.append((speaker, result.report["accuracy"], seconds))
        print(f"  left out {speaker}: accuracy {result.report['accuracy']:.4f} "
              f"({len(test)} clips, {seconds:.0f} s)", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="synthetic,fsdd")
    parser.add_argument("--models", default="cnn,rnn,crnn")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--augment", default="light", choices=["none", "light", "strong"])
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loso", action="store_true",
                        help="also FSDD leave-one-speaker-out for the CNN (6 trainings)")
    args = parser.parse_args(argv)

    from audiolab import models  # noqa: F401  (loads TensorFlow quietly, before anything else)

    tf = sys.modules["tensorflow"]

    print(f"# Models benchmark: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, TensorFlow {tf.__version__}, {args.epochs} epochs at most, "
          f"augment {args.augment}, seed {args.seed}\n", flush=True)
    table = ["| data | model | accuracy | macro F1 | parameters | training (s) | epochs "
             "| inference ms/clip (1 clip) | ms/clip (batch 64) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for data in args.data.split(","):
        clips, labels, names, parts, groups = load(data, args.per_class, args.seed)
        split_text = "/".join(str(len(parts[k])) for k in ("train", "val", "test"))
        print(f"{data}: {len(clips)} clips, train/val/test {split_text}", flush=True)
        for model in args.models.split(","):
            result, seconds = train_one(clips, labels, names, parts, model=model,
                                        epochs=args.epochs, augment=args.augment, seed=args.seed)
            one, batched = inference_ms(result.model, clips[parts["test"]])
            report = result.report
            row = (f"| {data} | {model} | {report['accuracy']:.4f} | {report['macro_f1']:.4f} "
                   f"| {result.metadata['parameters']:,} | {seconds:.0f} "
                   f"| {result.history.epochs} | {one:.2f} | {batched:.2f} |")
            print(row, flush=True)
            table.append(row)
    if args.loso:
        clips, labels, names, _, groups = load("fsdd", args.per_class, args.seed)
        print("FSDD leave-one-speaker-out, CNN:", flush=True)
        rows = loso(clips, labels, names, groups, epochs=args.epochs, augment=args.augment,
                    seed=args.seed)
        accuracies = [r[1] for r in rows]
        worst = min(rows, key=lambda r: r[1])
        table.append("")
        table.append("| FSDD leave-one-speaker-out (CNN) | " + " | ".join(r[0] for r in rows)
                     + " | mean | worst |")
        table.append("|---" * (len(rows) + 3) + "|")
        table.append("| accuracy | " + " | ".join(f"{a:.3f}" for a in accuracies)
                     + f" | {np.mean(accuracies):.3f} | {worst[1]:.3f} ({worst[0]}) |")
        table.append("| training (s) | " + " | ".join(f"{r[2]:.0f}" for r in rows) + " | | |")
    print()
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
