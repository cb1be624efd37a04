"""Train the pretrained speech encoder shipped in the package: ``audiolab/pretrained/base.keras``.

A CNN (:func:`audiolab.models.build_cnn`) learns to tell apart
:data:`PRETRAINING_WORDS` (over 200 English words, none of them a digit, a
keyword of the course's vocabularies or a homophone of one) said by
synthetic speakers of every eSpeak NG accent and reproducible variant and the
four Flite voices (when ``flite`` is installed), with the strong
augmentation. Its layers up to the classifier are the encoder whose
embedding ``audiolab train DATA --from base`` fine-tunes; so every result of
the course on digits or keywords with it is a few-shot result on words it
never heard. The speakers of :func:`audiolab.datasets.make_scene` (eSpeak
variants the datasets leave out) are left out too.

The data, the split and the augmentation are deterministic for a seed, and
so is the training on one machine (another CPU changes the last digits of
the weights); the time it took and its figures go into the model's card.
Run it, then review and commit the model::

    .venv/bin/python tools/pretrain_base.py [--per-class 40] [--epochs 25] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "audiolab" / "pretrained" / "base.keras"

#: More words for pretraining, beside the speech datasets' ``_unknown_`` words; none is a digit,
#: a keyword (yes, no, up, down, left, right, stop, go) or a homophone of one.
MORE_WORDS = (
    "airport", "animal", "answer", "autumn", "balloon", "beach", "bicycle", "blue", "boat",
    "book", "bottom", "branch", "breakfast", "brick", "brown", "bubble", "butterfly", "cabin",
    "candy", "captain", "carrot", "cartoon", "ceiling", "chalk", "cheese", "child", "chocolate",
    "cinema", "clock", "cookie", "corner", "cow", "crayon", "crown", "cup", "curtain", "daisy",
    "desert", "diamond", "dolphin", "donkey", "door", "drum", "eagle", "elbow", "elephant",
    "engine", "evening", "fabric", "factory", "fence", "field", "fish", "flag", "fountain",
    "fox", "frog", "fruit", "ghost", "gift", "giraffe", "gold", "grape", "grass", "hat",
    "helmet", "honey", "horse", "hospital", "jelly", "kangaroo", "key", "kite", "lamp", "leaf",
    "library", "lizard", "lobster", "machine", "map", "milk", "moon", "mouse", "nest",
    "office", "onion", "owl", "palace", "panda", "peach", "pear", "pebble", "penguin", "piano",
    "pirate", "pizza", "pumpkin", "queen", "radio", "rainbow", "robot", "rope", "sandwich",
    "school", "shadow", "sheep", "snake", "star", "storm", "street", "sweater", "thunder",
    "toast", "tower", "train", "truck", "tunnel", "umbrella", "violin", "whale", "wheel", "wolf",
)


def pretraining_words() -> list[str]:
    """The vocabulary: the ``_unknown_`` words and :data:`MORE_WORDS`, without any keyword."""
    from audiolab.datasets.speech import _unknown_words

    return sorted(set(_unknown_words(())) | set(MORE_WORDS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    from audiolab import datasets, models, train
    from audiolab.datasets import DIGIT_WORDS, flite
    from audiolab.datasets.speech import COMMAND_WORDS

    words = pretraining_words()
    assert not set(words) & {*DIGIT_WORDS, *COMMAND_WORDS, "oh", "won", "to", "too", "for",
                             "ate", "know", "write"}
    voices = [*datasets.DEFAULT_VOICES, *datasets.FLITE_VOICES] if flite.available() else None
    folder = datasets.data_home() / f"pretraining-{len(words)}words-{args.per_class}-seed{args.seed}"
    start = time.perf_counter()
    datasets.make_speech_dataset(folder, vocabulary=words, per_class=args.per_class, voices=voices,
                                 seed=args.seed, n_jobs=2, progress=True)
    made = time.perf_counter() - start
    print(f"{len(words)} words x {args.per_class} clips in {folder} ({made:.0f} s)", flush=True)
    result = train.train_folder(folder, model="cnn", epochs=args.epochs, seed=args.seed,
                                augment="strong", verbose=2, log=print)
    result.metadata["pretraining"] = {
        "tool": "tools/pretrain_base.py", "words": words, "per_class": args.per_class,
        "voices": "eSpeak NG (DEFAULT_VOICES x DEFAULT_VARIANTS)" + (" + Flite" if voices else ""),
        "seed": args.seed, "data_seconds": round(made, 1),
        "train_seconds": result.metadata["training"]["seconds"],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    path = models.save_model(result.model, args.out, metadata=result.metadata)
    report = result.report
    print(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB): test accuracy "
          f"{report['accuracy']:.4f} on {report['n']} clips of {len(words)} words, "
          f"{result.history.epochs} epochs in {result.history.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
