"""Benchmark of lesson 09-10's evaluation: sim-to-real, few-shot transfer, grouped CV, robustness.

Run ``python bench/evaluation.py`` (``--only simreal,fewshot,cv,robust`` to
pick sections; ``--per-class N`` synthetic clips per digit; ``--epochs N``).
It prints Markdown tables:

1. **Sim-to-real**: a CNN trained only on synthetic digits exactly as
   ``audiolab train DATA_DIR --model cnn --augment strong`` does
   (:func:`audiolab.train.train_folder`), tested on all 3,000 FSDD recordings;
   then the same with the training folder band-limited to FSDD's 4 kHz
   (resampled 16 kHz -> 8 kHz -> 16 kHz before training), a data-side lever
   that needs no change to ``train.py``.
2. **Few-shot transfer**: the lesson-10 protocol (pretrain on synthetic
   digits; fine-tune on 1/5/20 FSDD recordings per class of george, jackson
   and lucas; test on nicolas, theo and yweweler) against training from
   scratch on the same clips.
3. **Speaker-grouped 6-fold CV on FSDD** (one speaker per fold) against a
   random stratified 6-fold, with logistic regression on MFCC statistics.
4. **Robustness curve**: the sim-to-real model's accuracy on FSDD as white
   noise is added at 30 ... 0 dB SNR.
5. ``--only extra`` (not run by default, about 10 minutes): levers beyond
   ``audiolab train``: band-limiting after augmentation, SpecAugment,
   per-clip CMVN, 3,000 synthetic clips.

FSDD is found through ``$AUDIOLAB_FSDD`` or ``../shared/datasets/fsdd``.
Figures are from this machine and one seed: not pass/fail thresholds.
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


def _band_limited_copy(src: Path, dst: Path) -> Path:
    """Every WAV of a class-per-folder dataset resampled to 8 kHz and back (4 kHz bandwidth)."""
    import librosa

    from audiolab.io import load, save

    for wav in sorted(src.rglob("*.wav")):
        y, sr = load(wav, sr=None)
        narrow = librosa.resample(librosa.resample(y, orig_sr=sr, target_sr=8000), orig_sr=8000,
                                  target_sr=sr).astype(np.float32)
        out = dst / wav.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        save(out, narrow, sr)
    for extra in ("metadata.csv",):
        if (src / extra).exists():
            (dst / extra).write_bytes((src / extra).read_bytes())
    return dst


def sim_to_real(args, fsdd, state):
    from audiolab import evaluate
    from audiolab.datasets import speech_digits
    from audiolab.train import train_folder

    data = speech_digits(per_class=args.per_class)
    rows = []
    recipes = [("synthetic digits, `--augment strong`", data, "strong")]
    if not args.quick:
        recipes.insert(0, ("synthetic digits, `--augment none`", data, "none"))
    with tempfile.TemporaryDirectory() as tmp:
        if not args.quick:
            narrow = _band_limited_copy(data, Path(tmp) / "narrow")
            recipes.append(("band-limited to 4 kHz, `--augment strong`", narrow, "strong"))
        for name, folder, augment in recipes:
            start = time.perf_counter()
            result = train_folder(folder, model="cnn", augment=augment, epochs=args.epochs,
                                  verbose=0, log=lambda *a: None)
            seconds = time.perf_counter() - start
            predictor = evaluate.KerasPredictor(result.model, class_names=result.metadata["class_names"],
                                                sr=SR, n_samples=SR)
            to_model = np.array([predictor.class_names.index(c) for c in fsdd.class_names])
            y = to_model[fsdd.labels]
            pred = predictor.predict(fsdd.clips)
            acc = float(np.mean(pred == y))
            rows.append((name, f"{result.report['accuracy']:.3f}", f"{acc:.3f}", f"{seconds:.0f}"))
            state["predictor"], state["y"] = predictor, y
            print(f"  [{name}: FSDD {acc:.3f}]", flush=True)
    print(f"\n### Sim-to-real: trained on {10 * args.per_class} synthetic clips, tested on all "
          f"{len(fsdd)} FSDD recordings (goal 0.85, chance 0.10)\n")
    print(_table(["training data, recipe", "synthetic test acc.", "FSDD acc.", "train s"], rows))


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
    curve = evaluate.robustness_curve(state["predictor"], fsdd.clips, state["y"],
                                      snrs_db=[None, 30, 20, 10, 5, 0], sr=SR)
    print("\n### Robustness: the last sim-to-real model on all FSDD recordings, white noise\n")
    print(_table(["SNR", *["clean" if s is None else f"{s} dB" for s in curve["snr_db"]]],
                 [["accuracy", *[f"{a:.3f}" for a in curve["accuracy"]]]]))


def sim_to_real_extra(args, fsdd, state):
    """Levers beyond ``audiolab train``: band-limit *after* augmentation, SpecAugment, per-clip CMVN.

    Uses :func:`audiolab.train.make_dataset` with a custom augmenter (the
    "strong" recipe followed by a resample to 8 kHz and back) and, with
    ``cmvn``, a per-clip, per-band mean and variance normalisation of the
    log-mel features in place of the dataset-wide normalisation layer.
    """
    import librosa

    from audiolab.augment import Augmenter, make_augmenter
    from audiolab.datasets import load_folder, speech_digits
    from audiolab.features import extract_batch
    from audiolab.models import build_cnn
    from audiolab.train import fit, make_dataset, reproducible

    def band(y):
        y = np.asarray(y, np.float32)
        narrow = librosa.resample(librosa.resample(y, orig_sr=SR, target_sr=8000),
                                  orig_sr=8000, target_sr=SR)
        return narrow[: len(y)].astype(np.float32)

    class CMVN:
        def transform(self, x):
            return ((x - x.mean(axis=2, keepdims=True))
                    / (x.std(axis=2, keepdims=True) + 1e-3)).astype(np.float32)

    rows = []
    for per_class, cmvn in ((args.per_class, True), (args.per_class, False), (300, False)):
        start = time.perf_counter()
        digits = load_folder(speech_digits(per_class=per_class), duration=1.0, progress=False)
        strong = make_augmenter("strong", sr=SR)

        def narrowed(samples, sample_rate, strong=strong):
            return band(strong.transform(samples=samples, sample_rate=sample_rate))

        aug = Augmenter(narrowed, name="strong+band")
        tr = np.flatnonzero(digits.split == "train")
        va = np.flatnonzero(digits.split == "val")
        std = CMVN() if cmvn else None
        train = make_dataset(digits.clips[tr], digits.labels[tr], sr=SR, augment=aug, copies=2,
                             spec_augment=True, shuffle=True, standardizer=std)
        val = make_dataset(np.stack([band(c) for c in digits.clips[va]]), digits.labels[va],
                           sr=SR, standardizer=std)
        sample = extract_batch(digits.clips[tr[:200]], SR)
        norm = None if cmvn else (sample.mean(axis=(0, 2)), sample.var(axis=(0, 2)))
        reproducible(0)
        model = build_cnn((40, 101), 10, normalization=norm)
        model, _ = fit(model, train, val, epochs=args.epochs, class_weight="balanced", verbose=0)
        F = extract_batch(fsdd.clips, SR)
        if cmvn:
            F = CMVN().transform(F)
        acc = float(np.mean(model.predict(F, verbose=0).argmax(axis=1) == fsdd.labels))
        rows.append((10 * per_class, "yes" if cmvn else "no", f"{acc:.3f}",
                     f"{time.perf_counter() - start:.0f}"))
        print(f"  [{per_class}/class cmvn={cmvn}: FSDD {acc:.3f}]", flush=True)
    print("\n### Sim-to-real, further levers: strong + band-limit after augmentation + SpecAugment\n")
    print(_table(["synthetic clips", "per-clip CMVN", "FSDD acc.", "s"], rows))


SECTIONS = {"simreal": sim_to_real, "fewshot": few_shot, "cv": grouped_cv, "robust": robustness,
            "extra": sim_to_real_extra}
DEFAULT = "simreal,robust,fewshot,cv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=DEFAULT, help=f"any of {', '.join(SECTIONS)}")
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="only the strong recipe in simreal")
    args = parser.parse_args()
    fsdd = _fsdd()
    state: dict = {}
    for name in args.only.split(","):
        start = time.perf_counter()
        SECTIONS[name](args, fsdd, state)
        print(f"\n({name}: {time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
