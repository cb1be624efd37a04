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

With ``--loso``, three rows of leave-one-speaker-out accuracy (test
speaker's 500 recordings), for every seed of ``--seeds``: (a) the CNN trained
on the other five speakers' recordings (light augmentation, 15 epochs,
a tenth of them for validation); (b) the CNN trained on synthetic digits
only (the README's recipe: 1,000 per class made with the seed, with every
voice installed: eSpeak NG, Flite and Festival,
:func:`audiolab.datasets.installed_voices`; no background noise in the files,
strong augmentation without SpecAugment's frequency warp, mel bands up to
4 kHz, 15 epochs; one model for all six
speakers, also measured on all 3,000 recordings); (c) model (b), fine-tuned on the other five speakers'
recordings mixed with 2,500 of (b)'s synthetic training clips (chosen at random, so that it does not
forget the voices it learned from; every layer, starting from (b)'s own classifier of the ten
digits, strong augmentation, 15 epochs, keeping the mean
of the weights over the training steps of epochs 9-15 rather than the best epoch's:
:func:`audiolab.finetune.finetune_clips` with ``freeze=False``, as ``audiolab train MIXED --from
SYNTHETIC.keras --no-freeze --augment strong --epochs 15 --average-from 9`` does on a
folder holding both).
Then the mean over the seeds per speaker, and per row the mean over
speakers with its spread over seeds and the worst speaker.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
#: Synthetic clips of (b)'s training split mixed into (c)'s fine-tuning on real speakers.
REHEARSED_CLIPS = 2500
#: (c) keeps the mean of the weights over every step from this epoch of 15 on.
AVERAGE_FROM = 9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=5)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--loso", action="store_true",
                        help="also rows (a), (b) and (c): the FSDD CNN, the synthetic-only CNN and both")
    parser.add_argument("--rows", default="abc",
                        help="with --loso, the rows to compute: any of a, b, c (default: abc; "
                        "the synthetic-only model of (b) is trained whatever the rows: (c) starts "
                        "from it)")
    parser.add_argument("--results", type=Path,
                        help="with --loso, a JSON-lines file that each accuracy is appended to "
                        "as it is measured; those it holds are not measured again, so a stopped "
                        "run goes on where it stopped")
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
        leave_one_speaker_out(fsdd, groups, speakers, seeds, rows=args.rows,
                              results=args.results)
    return 0


def measured(path: Path | None) -> dict[tuple[str, int, str], float]:
    """The accuracies a results file of :func:`leave_one_speaker_out` holds: ``(row, seed, speaker)``."""
    if path is None or not path.exists():
        return {}
    done = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                item = json.loads(line)
                done[item["row"], int(item["seed"]), item["speaker"]] = float(item["accuracy"])
            except (ValueError, KeyError, TypeError):
                raise SystemExit(f"{path}, line {number}: not a result of this bench "
                                 "(a JSON object with row, seed, speaker and accuracy)") from None
    return done


def leave_one_speaker_out(fsdd, groups, speakers, seeds: list[int], rows: str = "abc",
                          results: Path | None = None) -> None:
    """Rows (a), (b) and (c) (those in ``rows``), per test speaker, for every seed; then their summary.

    With ``results``, each accuracy is appended to that JSON-lines file as soon as it is
    measured, and those it holds already are not measured again: a stopped run goes on
    where it stopped (each model is deterministic for its seed, so the figures are the same).
    """
    from audiolab import datasets, train
    from audiolab.deploy import format_table
    from audiolab.evaluate import split_indices
    from audiolab.finetune import finetune_clips
    from audiolab.predictors import KerasPredictor

    def accuracy(result, names, index):
        predictor = KerasPredictor(result.model, class_names=names, sr=16000,
                                   n_samples=fsdd.clips.shape[1])
        to_model = np.array([names.index(n) for n in fsdd.class_names])
        return float(np.mean(predictor.predict(fsdd.clips[index]) == to_model[fsdd.labels[index]]))

    done = measured(results)

    def record(key: str, seed: int, speaker: str, value: float) -> float:
        done[key, seed, speaker] = value
        if results is not None:
            with results.open("a") as file:
                file.write(json.dumps({"row": key, "seed": seed, "speaker": speaker,
                                       "accuracy": value}) + "\n")
        return value

    quiet = {"log": lambda *a: None}
    keys = tuple(key for key in ("(a) FSDD CNN, other 5 speakers", "(b) synthetic only",
                                 "(c) synthetic, then other 5 speakers") if key[1] in rows)
    scores = {key: np.zeros((len(seeds), len(speakers))) for key in keys}   # [seed, test speaker]
    everyone = np.zeros(len(seeds))
    voices = datasets.installed_voices()
    engines = "-".join(sorted({v.split(":")[0] if ":" in v else "espeak" for v in voices}))
    print(f"(b) is trained on the voices of {engines.replace('-', ', ')}", flush=True)
    start = time.perf_counter()
    b_key = "(b) synthetic only"
    for i, seed in enumerate(seeds):
        needs_synthetic_only = (b_key, seed, "all") not in done or any(
            (key, seed, speaker) not in done
            for key in keys if key[1] in "bc" for speaker in speakers)
        if not needs_synthetic_only:
            everyone[i] = done[b_key, seed, "all"]
        else:
            folder = datasets.data_home() / f"bench-synthetic-1000-{engines}-clean-seed{seed}"
            datasets.make_speech_dataset(folder, vocabulary="digits", per_class=1000,
                                         voices=voices, noise_snr_db=None, seed=seed, n_jobs=2,
                                         progress=False)
            synthetic = datasets.load_folder(folder, duration=1.0, progress=False)
            parts, _ = split_indices(synthetic, seed=seed)
            # (c) starts from (b): it sees the digits in (b)'s class order.
            to_synthetic = np.array([synthetic.class_names.index(n) for n in fsdd.class_names])
            synthetic_only = train.train_clips(synthetic.clips, synthetic.labels,
                                               synthetic.class_names, parts, sr=16000,
                                               model="cnn", epochs=15, augment="strong",
                                               fmax=4000, max_warp=0.0, seed=seed, **quiet)
            everyone[i] = (done[b_key, seed, "all"] if (b_key, seed, "all") in done
                           else record(b_key, seed, "all", accuracy(
                               synthetic_only, synthetic.class_names, np.arange(len(fsdd)))))
        for k, test_speaker in enumerate(speakers):
            test = np.flatnonzero(groups == test_speaker)
            others = np.flatnonzero(groups != test_speaker)
            val = np.random.default_rng([seed, k]).choice(others, len(others) // 10, replace=False)
            fold = {"train": np.setdiff1d(others, val), "val": val, "test": []}
            for key in keys:
                if (key, seed, test_speaker) in done:
                    scores[key][i, k] = done[key, seed, test_speaker]
                    continue
                if key.startswith("(a)"):
                    fsdd_cnn = train.train_clips(fsdd.clips, fsdd.labels, fsdd.class_names, fold,
                                                 sr=16000, model="cnn", epochs=15,
                                                 augment="light", seed=seed, **quiet)
                    scores[key][i, k] = record(key, seed, test_speaker,
                                               accuracy(fsdd_cnn, fsdd.class_names, test))
                elif key.startswith("(b)"):
                    scores[key][i, k] = record(key, seed, test_speaker, accuracy(
                        synthetic_only, synthetic.class_names, test))
                else:
                    # The five speakers' recordings and, so that the fine-tuning does not
                    # forget the voices it learned from, 2,500 of (b)'s synthetic clips.
                    rehearsed = np.random.default_rng([seed, k, 7]).choice(
                        parts["train"], REHEARSED_CLIPS, replace=False)
                    mixed = np.concatenate([fsdd.clips, synthetic.clips[rehearsed]])
                    mixed_labels = np.concatenate([to_synthetic[fsdd.labels],
                                                   synthetic.labels[rehearsed]])
                    mixed_fold = {**fold, "train": np.concatenate(
                        [fold["train"], np.arange(len(fsdd), len(mixed))])}
                    both = finetune_clips(mixed, mixed_labels, synthetic.class_names, mixed_fold,
                                          base=(synthetic_only.model, synthetic_only.metadata),
                                          sr=16000, epochs=15, freeze=False, learning_rate=1e-2,
                                          augment="strong", average_from=AVERAGE_FROM,
                                          seed=seed, **quiet)
                    scores[key][i, k] = record(key, seed, test_speaker,
                                               accuracy(both, synthetic.class_names, test))
        print(f"seed {seed}: " + "; ".join(f"{key[:3]} mean {scores[key][i].mean():.3f}, worst "
                                          f"{scores[key][i].min():.3f}" for key in keys)
              + f"; (b) on all {len(fsdd):,}: {everyone[i]:.3f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    rows = [{"test speaker": speaker, **{key: round(float(scores[key][:, k].mean()), 3)
                                        for key in keys}}
            for k, speaker in enumerate(speakers)]
    print(f"\n# Leave one speaker out: accuracy on the test speaker's 500 recordings, mean over "
          f"seeds {','.join(map(str, seeds))} ({time.perf_counter() - start:.0f} s)\n")
    print(format_table(rows, columns=list(rows[0]), digits=3))
    summary = []
    for key in keys:
        means, worst = scores[key].mean(axis=1), scores[key].min(axis=1)
        summary.append({"row": key, "mean over speakers": round(float(means.mean()), 3),
                        "spread of the mean (sd over seeds)": round(float(means.std()), 3),
                        "worst speaker (mean over seeds)": round(float(worst.mean()), 3),
                        "lowest worst": round(float(worst.min()), 3)})
    print()
    print(format_table(summary, columns=list(summary[0]), digits=3))
    print(f"\n(b) synthetic only on all {len(fsdd):,} FSDD recordings: mean {everyone.mean():.3f}, "
          f"sd {everyone.std():.3f}, range {everyone.min():.3f}-{everyone.max():.3f} "
          f"(seeds {','.join(map(str, seeds))})")


if __name__ == "__main__":
    sys.exit(main())
