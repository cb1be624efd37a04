"""Benchmark of lesson 10-11's evaluation: sim-to-real, few-shot transfer, grouped CV, robustness.

Run ``python bench/evaluation.py`` (``--only simreal,fewshot,cv,robust`` to
pick sections; ``--quick`` for the sim-to-real recipe alone; ``--seeds N``
to repeat it with N seeds). It prints Markdown tables:

1. **Sim-to-real**: a CNN trained only on synthetic digits, tested on all
   3,000 FSDD recordings, exactly as the README's commands do it::

       audiolab data speech digits --vocabulary digits --per-class 1000 --flite --festival --no-noise
       audiolab train digits --model cnn --augment strong --max-warp 0 --fmax 4000 --out synthetic.keras
       audiolab data fsdd fsdd16 --words
       audiolab evaluate synthetic.keras fsdd16 --split all

   (in process: :func:`~audiolab.datasets.make_speech_dataset`,
   :func:`~audiolab.train.train_folder`, :func:`~audiolab.datasets.export_fsdd`,
   :func:`~audiolab.evaluate.evaluate_folder`), after three runs with eSpeak
   NG's voices alone: 1,000 clips without and with ``--augment strong``, and
   10,000 clips with it (each ``strong`` run with ``--max-warp 0 --fmax 4000``,
   as the recipe). The recipe uses every voice installed
   (:func:`~audiolab.datasets.installed_voices`): without the ``flite`` or
   ``festival`` programs, their voices are left out and the table says so.
2. **Few-shot transfer**: the lesson-11 protocol (pretrain on synthetic
   digits; fine-tune on 1/5/20 FSDD recordings per class of george, jackson
   and lucas; test on nicolas, theo and yweweler) against training from
   scratch on the same clips.
3. **Speaker-grouped 6-fold CV on FSDD** (one speaker per fold) against a
   random stratified 6-fold, with logistic regression on MFCC statistics.
4. **Robustness curve**: the sim-to-real model's accuracy on FSDD as white
   noise is added at 30 ... 0 dB SNR.

FSDD is found through ``$AUDIOLAB_FSDD`` or ``../shared/datasets/fsdd``.
Figures are from this machine and one seed unless ``--seeds`` says otherwise:
not pass/fail thresholds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SR = 16000


def _fsdd():
    from audiolab.datasets import load_fsdd

    if "AUDIOLAB_FSDD" not in os.environ:
        local = ROOT.parent / "shared" / "datasets" / "fsdd"
        if local.exists():
            os.environ["AUDIOLAB_FSDD"] = str(local)
    return load_fsdd(sr=SR, duration=1.0, as_words=True, progress=False, download=False)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def sim_to_real(args, fsdd, state):
    """The README's commands, in process: data speech, train, data fsdd --words, evaluate."""
    from audiolab import evaluate
    from audiolab.datasets import (
        DEFAULT_VOICES,
        export_fsdd,
        installed_voices,
        make_speech_dataset,
        speech_digits,
    )
    from audiolab.train import train_folder

    rows = []
    every_voice = installed_voices()
    engines = ["eSpeak NG", *(name for prefix, name in (("flite:", "Flite"), ("festival:", "Festival"))
                              if any(v.startswith(prefix) for v in every_voice))]
    if len(engines) < 3:
        print(f"  [the recipe uses the voices installed: {', '.join(engines)}]")
    with_others = len(every_voice) > len(DEFAULT_VOICES)
    per_class = args.recipe_per_class
    recipes = [(per_class, "strong", seed, with_others) for seed in range(args.seeds)]
    if not args.quick:
        espeak_only = [(100, "none", 0, False), (100, "strong", 0, False)]
        if with_others:
            espeak_only.append((per_class, "strong", 0, False))
        recipes = [*espeak_only, *recipes]
    repeated = []
    with tempfile.TemporaryDirectory() as tmp:
        real = export_fsdd(Path(tmp) / "fsdd", sr=SR, as_words=True, download=False,
                           progress=False)
        for per_class, augment, seed, other_voices in recipes:
            start = time.perf_counter()
            if other_voices:
                data = make_speech_dataset(Path(tmp) / f"digits-{per_class}-all-voices",
                                           per_class=per_class, n_jobs=2, progress=False,
                                           voices=every_voice, noise_snr_db=None)
            else:
                data = speech_digits(per_class=per_class, n_jobs=2, progress=False)
            out = Path(tmp) / f"cnn-{per_class}-{augment}-{seed}-{other_voices}.keras"
            # The README's recipe: strong augmentation without the frequency warp, mel bands
            # up to 4 kHz.
            strong = {"fmax": 4000, "max_warp": 0.0} if augment == "strong" else {}
            result = train_folder(data, model="cnn", augment=augment, epochs=args.epochs, seed=seed,
                                  out=out, verbose=0, log=lambda *a: None, **strong)
            seconds = time.perf_counter() - start
            predictor = evaluate.load_predictor(out)
            report = evaluate.evaluate_folder(predictor, real, split="all")
            voices = " + ".join(engines) if other_voices else "eSpeak NG"
            name = f"{10 * per_class:,} clips ({voices}), `--augment {augment}`"
            if args.seeds > 1 and (per_class, other_voices) == (args.recipe_per_class, with_others):
                name += f", `--seed {seed}`"
                repeated.append(report["accuracy"])
            rows.append((name, f"{result.report['accuracy']:.3f}", f"{report['accuracy']:.3f}",
                         f"{report['macro_f1']:.3f}", f"{seconds:.0f}"))
            if seed == 0:
                state["predictor"] = predictor
            print(f"  [{name}: FSDD {report['accuracy']:.3f}]", flush=True)
    if len(repeated) > 1:
        rows.append((f"mean ± std over {len(repeated)} seeds", "", f"{np.mean(repeated):.3f} ± "
                     f"{np.std(repeated):.3f}", "", ""))
    print(f"\n### Sim-to-real: trained on synthetic digits only, tested on all {len(fsdd):,} FSDD "
          f"recordings (goal 0.85, chance 0.10; {args.epochs} epochs)\n")
    print(_table(["synthetic training data (voices), recipe", "synthetic test acc.", "FSDD acc.",
                  "FSDD macro F1", "data + train s"], rows))


def few_shot(args, fsdd, state):
    import tensorflow as tf

    from audiolab.datasets import load_folder, speech_digits
    from audiolab.features import extract_batch
    from audiolab.models import build_cnn, keras
    from audiolab.train import fit, reproducible

    digits = load_folder(speech_digits(per_class=100), duration=1.0, progress=False)
    X = extract_batch(digits.clips, SR)
    part = {s: np.flatnonzero(digits.split == s) for s in ("train", "val")}

    def batches(x, y, bs=32):
        return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0).batch(bs)

    reproducible(0)
    norm = (X[part["train"]].mean(axis=(0, 2)), X[part["train"]].var(axis=(0, 2)))
    pre = build_cnn(X.shape[1:], 10, filters=(16, 32, 48), normalization=norm)
    pre, _ = fit(pre, batches(X[part["train"]], digits.labels[part["train"]]),
                 batches(X[part["val"]], digits.labels[part["val"]]), epochs=8, verbose=0)
    F = extract_batch(fsdd.clips, SR)
    y = fsdd.labels
    train_speakers = ["george", "jackson", "lucas"]
    pool = np.flatnonzero(np.isin(fsdd.groups, train_speakers))
    test = np.flatnonzero(~np.isin(fsdd.groups, train_speakers))
    order = np.random.default_rng(0).permutation(pool)

    def acc(model):
        return float(np.mean(model.predict(F[test], verbose=0).argmax(axis=1) == y[test]))

    rows = [("0 (pretrained only)", f"{acc(pre):.3f}", "-")]
    for n in (1, 5, 20):
        idx = np.concatenate([order[y[order] == k][:n] for k in range(10)])
        reproducible(1)
        tuned = keras.models.clone_model(pre)
        tuned.set_weights(pre.get_weights())
        tuned, _ = fit(tuned, batches(F[idx], y[idx], 16), None, epochs=15, learning_rate=1e-3,
                       patience=None, verbose=0)
        reproducible(1)
        stats = (F[idx].mean(axis=(0, 2)), F[idx].var(axis=(0, 2)) + 1e-6)
        scratch = build_cnn(F.shape[1:], 10, filters=(16, 32, 48), normalization=stats)
        scratch, _ = fit(scratch, batches(F[idx], y[idx], 16), None, epochs=20, learning_rate=3e-3,
                         patience=None, verbose=0)
        rows.append((str(n), f"{acc(tuned):.3f}", f"{acc(scratch):.3f}"))
        print(f"  [{n} per class done]", flush=True)
    print("\n### Few-shot transfer: FSDD, 3 training speakers, 3 unseen test speakers (1,500 clips)\n")
    print(_table(["real examples per class", "fine-tuned (pretrained on synthetic)", "from scratch"], rows))


def grouped_cv(args, fsdd, state):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from audiolab import evaluate
    from audiolab.features import extract_batch

    mfcc = extract_batch(fsdd.clips, SR, kind="mfcc")
    stats = np.concatenate([mfcc.mean(axis=2), mfcc.std(axis=2)], axis=1)

    def build_and_fit(x, y, fold):
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)

    rows = []
    for name, groups in (("random stratified", None), ("speaker-grouped", fsdd.groups)):
        cv = evaluate.cross_validate(build_and_fit, stats, fsdd.labels, n_splits=6, groups=groups)
        rows.append((name, f"{cv['mean']:.3f}", f"{cv['std']:.3f}",
                     " ".join(f"{a:.2f}" for a in cv["accuracy"])))
    print("\n### 6-fold cross-validation on FSDD (logistic regression on MFCC mean + std)\n")
    print(_table(["folds", "mean acc.", "std", "per fold"], rows))


def robustness(args, fsdd, state):
    from audiolab import evaluate

    if "predictor" not in state:
        print("\n(robustness: run with the simreal section to have a model)")
        return
    predictor = state["predictor"]
    y = np.array([predictor.class_names.index(c) for c in fsdd.class_names])[fsdd.labels]
    curve = evaluate.robustness_curve(predictor, fsdd.clips, y,
                                      snrs_db=[None, 30, 20, 10, 5, 0], sr=SR)
    print("\n### Robustness: the last sim-to-real model on all FSDD recordings, white noise\n")
    print(_table(["SNR", *["clean" if s is None else f"{s} dB" for s in curve["snr_db"]]],
                 [["accuracy", *[f"{a:.3f}" for a in curve["accuracy"]]]]))


SECTIONS = {"simreal": sim_to_real, "fewshot": few_shot, "cv": grouped_cv, "robust": robustness}
DEFAULT = "simreal,robust,fewshot,cv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=DEFAULT, help=f"any of {', '.join(SECTIONS)}")
    parser.add_argument("--recipe-per-class", type=int, default=1000,
                        help="synthetic clips per digit for the sim-to-real recipe")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="only the strong recipe in simreal")
    parser.add_argument("--seeds", type=int, default=1,
                        help="train the strong recipe with seeds 0..N-1 (its FSDD accuracy "
                        "moves by a few points from seed to seed)")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    fsdd = _fsdd()
    state: dict = {}
    for name in args.only.split(","):
        start = time.perf_counter()
        SECTIONS[name](args, fsdd, state)
        print(f"\n({name}: {time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
