"""Benchmark: few-shot fine-tuning of the pretrained encoder on real voices (FSDD).

Run ``python bench/generalise.py [--shots 5] [--seeds 0,1,2]``.

For each of FSDD's six speakers in turn (the *test speaker*), the pretrained
``base`` encoder (:mod:`audiolab.pretrained`, trained on synthetic speech of
257 words that are no digit) gets a new classifier of the ten digits,
fine-tuned (encoder frozen, :func:`audiolab.finetune.finetune_clips`) on
``--shots`` recordings per digit of *another* speaker (the next one in the
list; takes chosen with the seed), and is measured on all 500 recordings of
the test speaker: a voice neither the encoder nor the classifier heard.
Prints one row per test speaker (mean and range over the seeds) and the mean.
*Free Spoken Digit Dataset, Jackson et al., CC BY-SA 4.0*, found through
``$AUDIOLAB_FSDD`` or ``../shared/datasets/fsdd``.

With ``--loso``, two more rows of leave-one-speaker-out accuracy (test
speaker's 500 recordings): (a) the CNN trained on the other five speakers'
recordings (light augmentation, 15 epochs), and (b) the CNN trained on
synthetic digits only (500 per class, eSpeak NG + Flite, strong
augmentation, 15 epochs; one model for all six speakers), with the first of
``--seeds``. Row (c) (synthetic + the other five speakers) is not measured
yet.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=5)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--loso", action="store_true",
                        help="also rows (a) and (b): the FSDD CNN and the synthetic-only CNN")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]

    from models import fsdd_path

    from audiolab import datasets
    from audiolab.deploy import format_table
    from audiolab.finetune import finetune_clips, load_pretrained
    from audiolab.modelfile import read_keras_card
    from audiolab.predictors import KerasPredictor
    from audiolab.pretrained import pretrained_path

    fsdd = datasets.load_fsdd(fsdd_path(), duration=1.0, as_words=True, progress=False,
                              download=False)
    groups = np.asarray(fsdd.groups)
    speakers = sorted(set(groups))
    base = (load_pretrained("base"), read_keras_card(pretrained_path("base")))
    rows, start = [], time.perf_counter()
    for k, test_speaker in enumerate(speakers):
        shot_speaker = speakers[(k + 1) % len(speakers)]
        test = np.flatnonzero(groups == test_speaker)
        scores = []
        for seed in seeds:
            rng = np.random.default_rng([seed, k])
            train = np.concatenate([
                rng.choice(np.flatnonzero((groups == shot_speaker) & (fsdd.labels == c)),
                           args.shots, replace=False)
                for c in range(fsdd.n_classes)])
            result = finetune_clips(fsdd.clips, fsdd.labels, fsdd.class_names,
                                    {"train": train, "val": [], "test": []}, base=base, sr=16000,
                                    seed=seed, log=lambda *a: None)
            predictor = KerasPredictor(result.model, class_names=fsdd.class_names, sr=16000,
                                       n_samples=fsdd.clips.shape[1])
            scores.append(float(np.mean(predictor.predict(fsdd.clips[test]) == fsdd.labels[test])))
        rows.append({"test speaker": test_speaker, "shots from": shot_speaker,
                     "accuracy (mean)": round(float(np.mean(scores)), 3),
                     "lowest": round(min(scores), 3), "highest": round(max(scores), 3)})
    means = [r["accuracy (mean)"] for r in rows]
    print(f"# {args.shots}-shot fine-tuning of the pretrained encoder 'base' on one FSDD speaker, "
          f"tested on another (seeds {args.seeds}; {time.perf_counter() - start:.0f} s)\n")
    print(format_table(rows, columns=list(rows[0]), digits=3))
    print(f"\nMean over the test speakers: {np.mean(means):.3f}; worst: {min(means):.3f} "
          f"({rows[int(np.argmin(means))]['test speaker']})")
    if args.loso:
        leave_one_speaker_out(fsdd, groups, speakers, seeds[0])
    return 0


def leave_one_speaker_out(fsdd, groups, speakers, seed: int) -> None:
    """Rows (a) and (b): the FSDD CNN and the synthetic-only CNN, per test speaker."""
    from audiolab import datasets, train
    from audiolab.datasets import flite
    from audiolab.deploy import format_table
    from audiolab.evaluate import split_indices
    from audiolab.predictors import KerasPredictor

    def accuracy(result, names, index):
        predictor = KerasPredictor(result.model, class_names=names, sr=16000,
                                   n_samples=fsdd.clips.shape[1])
        to_model = np.array([names.index(n) for n in fsdd.class_names])
        return float(np.mean(predictor.predict(fsdd.clips[index]) == to_model[fsdd.labels[index]]))

    start = time.perf_counter()
    voices = [*datasets.DEFAULT_VOICES, *datasets.FLITE_VOICES] if flite.available() else None
    folder = datasets.data_home() / f"bench-synthetic-500-{'flite' if voices else 'espeak'}-seed{seed}"
    datasets.make_speech_dataset(folder, vocabulary="digits", per_class=500, voices=voices,
                                 seed=seed, n_jobs=2, progress=False)
    synthetic = datasets.load_folder(folder, duration=1.0, progress=False)
    parts, _ = split_indices(synthetic, seed=seed)
    synthetic_only = train.train_clips(synthetic.clips, synthetic.labels, synthetic.class_names,
                                       parts, sr=16000, model="cnn", epochs=15, augment="strong",
                                       seed=seed, log=lambda *a: None)
    rows = []
    for test_speaker in speakers:
        test = np.flatnonzero(groups == test_speaker)
        others = np.flatnonzero(groups != test_speaker)
        rng = np.random.default_rng(seed)
        val = rng.choice(others, len(others) // 10, replace=False)
        fsdd_cnn = train.train_clips(fsdd.clips, fsdd.labels, fsdd.class_names,
                                     {"train": np.setdiff1d(others, val), "val": val, "test": []},
                                     sr=16000, model="cnn", epochs=15, augment="light", seed=seed,
                                     log=lambda *a: None)
        rows.append({"test speaker": test_speaker,
                     "(a) FSDD CNN, other 5 speakers": round(accuracy(fsdd_cnn, fsdd.class_names, test), 3),
                     "(b) synthetic only": round(accuracy(synthetic_only, synthetic.class_names, test), 3)})
    everyone = np.arange(len(fsdd))
    print(f"\n# Leave one speaker out (seed {seed}; {time.perf_counter() - start:.0f} s)\n")
    print(format_table(rows, columns=list(rows[0]), digits=3))
    for key in list(rows[0])[1:]:
        values = [r[key] for r in rows]
        print(f"{key}: mean {np.mean(values):.3f}, worst {min(values):.3f}")
    print(f"(b) synthetic only on all {len(fsdd):,} FSDD recordings: "
          f"{accuracy(synthetic_only, synthetic.class_names, everyone):.3f}")


if __name__ == "__main__":
    sys.exit(main())
