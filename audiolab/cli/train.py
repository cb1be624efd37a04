"""``audiolab train`` and ``audiolab evaluate``: a classifier for your own recordings.

::

    audiolab train DATA_DIR --model cnn|rnn|crnn|transformer|dscnn --out MODEL.keras
                            [--epochs N] [--seed S] [--sr HZ] [--fmax HZ]
                            [--augment none|light|strong [--max-warp FRACTION]]
                            [--label-smoothing FRACTION] [--skip-broken]
    audiolab train DATA_DIR --from base|BASE.keras --out MODEL.keras [--no-freeze] [--epochs N]
                            [--average-from EPOCH] ...
    audiolab evaluate MODEL DATA_DIR [--split test|val|train|all] [--json] [--skip-broken]

``DATA_DIR`` is a class-per-folder dataset (see
:func:`audiolab.datasets.load_folder`). ``train`` saves an end-to-end model
(waveform in, probabilities out) whose ``.keras`` file also holds an
``audiolab.json`` entry with the class names, sample rate, clip length,
feature settings and the split, so ``evaluate`` needs nothing else.

Errors are :class:`~audiolab.errors.AudiolabError`\\ s: :func:`audiolab.cli.main`
prints them as one line and exits with status 2. This module imports nothing
heavy; TensorFlow loads when a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys

from .options import (
    AUGMENT_STRENGTHS,
    EVALUATE_SPLITS,
    MODEL_KINDS,
    existing_file,
    existing_folder,
    label_fraction,
    nonnegative_int,
    output_file,
    positive_float,
    positive_int,
    sample_rate,
    warp_fraction,
)

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` and ``evaluate`` commands to ``audiolab``'s parser."""
    train = subparsers.add_parser(
        "train",
        help="train a CNN, RNN, CRNN, transformer or DS-CNN on a class-per-folder dataset",
        description="Train a classifier on DATA_DIR (one folder per class; train/, val/ and "
        "test/ folders are used when present, otherwise an 80:10:10 stratified split is made "
        "with the seed), print the test accuracy and save an end-to-end .keras model "
        "(waveform in) with its class names, sample rate and feature settings.",
    )
    train.add_argument("data_dir", metavar="DATA_DIR", type=existing_folder("folder"),
                       help="the dataset folder")
    train.add_argument("--model", choices=MODEL_KINDS, default=None,
                       help="the network; dscnn is the small depthwise-separable CNN for "
                       "microcontrollers (default: cnn)")
    train.add_argument("--from", dest="base", metavar="BASE", type=_base_model,
                       help="fine-tune base (the speech encoder shipped with audiolab, trained on "
                       "200+ other words) or a MODEL.keras made by audiolab train to DATA_DIR's "
                       "classes: a new "
                       "classifier on its embedding; works from 5 clips per class (fewer than "
                       "10 in a class: every clip trains, no validation or test split)")
    train.add_argument("--freeze", action=argparse.BooleanOptionalAction, default=True,
                       help="with --from: keep the base model's layers and train only the new "
                       "classifier (default), or (--no-freeze) train every layer")
    train.add_argument("--average-from", type=positive_int("--average-from"), default=None,
                       metavar="EPOCH",
                       help="with --from: keep the mean of the weights over every training step "
                       "from this epoch to the last (stochastic weight averaging; every epoch "
                       "trains) instead of the best epoch's")
    train.add_argument("--out", metavar="MODEL.keras", required=True,
                       type=output_file("--out", ".keras", what="model file"),
                       help="where to save the model (must end in .keras; its folder must "
                       "exist and be writable: checked before training)")
    train.add_argument("--epochs", type=positive_int("--epochs"), default=None, metavar="N",
                       help="most epochs; early stopping may end sooner (default: 15; "
                       "with --from: 100)")
    train.add_argument("--seed", type=nonnegative_int("--seed"), default=0, metavar="S",
                       help="seed of the split, the initial weights and the augmentation "
                       "(default: 0)")
    train.add_argument("--sr", type=sample_rate("--sr"), default=None, metavar="HZ",
                       help="sample rate the clips are resampled to, 4000 to 192000 "
                       "(default: 16000; with --from: the base model's)")
    train.add_argument("--fmax", type=positive_float("--fmax"), default=None, metavar="HZ",
                       help="highest frequency of the features' mel bands (default: half the "
                       "sample rate); 4000 keeps the telephone band that every recording "
                       "sampled at 8 kHz or more holds")
    train.add_argument("--augment", choices=AUGMENT_STRENGTHS, default="light",
                       help="waveform augmentation of the training clips (default: light; "
                       "strong: the variation of real recordings, level-free features and SpecAugment)")
    train.add_argument("--max-warp", type=warp_fraction("--max-warp"), default=None,
                       metavar="FRACTION",
                       help="with --augment strong: the largest frequency warp of SpecAugment "
                       "(default: 0.12, formants up to 12%% higher or lower; 0: no warp)")
    train.add_argument("--label-smoothing", type=label_fraction("--label-smoothing"), default=None,
                       metavar="FRACTION",
                       help="spread this share of each label over all the classes, so that the "
                       "model is less sure of what it was not trained on (default: 0; the "
                       "keyword spotter: 0.1)")
    train.add_argument("--skip-broken", action="store_true",
                       help="skip files that cannot be read instead of stopping")
    train.set_defaults(func=_run_train, api_names={"fmax": "--fmax", "sr": "--sr",
                                                       "average_from": "--average-from",
                                                       "epochs": "--epochs"})

    evaluate = subparsers.add_parser(
        "evaluate",
        help="measure a trained model on a class-per-folder dataset",
        description="Accuracy, macro precision, recall and F1, and a per-class table of MODEL "
        "on DATA_DIR's test split (the same split audiolab train made).",
    )
    evaluate.add_argument("model", metavar="MODEL", type=existing_file("model file"),
                          help="a .keras model saved by audiolab train, or a .tflite from audiolab export")
    evaluate.add_argument("data_dir", metavar="DATA_DIR", type=existing_folder("folder"),
                          help="the dataset folder")
    evaluate.add_argument("--split", choices=EVALUATE_SPLITS, default="test",
                          help="which clips (default: test)")
    evaluate.add_argument("--json", action="store_true",
                          help="print one JSON object (accuracy, macro_f1, per_class, "
                          "confusion_matrix, ...)")
    evaluate.add_argument("--skip-broken", action="store_true",
                          help="skip files that cannot be read instead of stopping")
    evaluate.set_defaults(func=_run_evaluate)


def _base_model(text: str) -> str:
    """``--from``: a pretrained model's name, or an existing model file."""
    from ..pretrained import NAMES

    return text if text in NAMES else existing_file("base model")(text)


def _run_train(args: argparse.Namespace) -> int:
    from ..errors import AudiolabError

    log = lambda *parts: print(*parts, flush=True)  # noqa: E731
    verbose = 1 if sys.stdout.isatty() else 2  # a progress bar, or one line per epoch
    if args.base is not None:
        from ..finetune import FEW_SHOT_EPOCHS, finetune_folder

        given = [option for option, value in (("--model", args.model), ("--sr", args.sr),
                                              ("--fmax", args.fmax)) if value is not None]
        if given:
            raise AudiolabError(f"{given[0]} and --from: the network, its sample rate and its "
                                f"features come from the --from model")
        if args.max_warp is not None:
            raise AudiolabError("--max-warp and --from: fine-tuning adds no SpecAugment, "
                                "so there is no frequency warp to set")
        if args.label_smoothing is not None:
            raise AudiolabError("--label-smoothing and --from: fine-tuning trains its new "
                                "classifier on the plain labels")
        epochs = args.epochs or FEW_SHOT_EPOCHS
        result = finetune_folder(
            args.data_dir, base=args.base, out=args.out, freeze=args.freeze,
            epochs=epochs, seed=args.seed, augment=args.augment,
            average_from=args.average_from, skip_broken=args.skip_broken, verbose=verbose,
            log=log)
    else:
        from ..features import SPEECH_FEATURES
        from ..validation import check_fmax

        if not args.freeze:
            raise AudiolabError("--no-freeze is for fine-tuning with --from")
        if args.average_from is not None:
            raise AudiolabError("--average-from is for fine-tuning with --from")
        sr = args.sr or 16000
        if args.fmax is not None:  # refused before TensorFlow loads
            check_fmax("fmax", args.fmax, sr, fmin=SPEECH_FEATURES["fmin"])
        if args.max_warp is not None and args.augment != "strong":
            raise AudiolabError(f"--max-warp is for --augment strong (its SpecAugment warps the "
                                f"frequencies), got --augment {args.augment}")
        from ..train import train_folder

        result = train_folder(
            args.data_dir, model=args.model or "cnn", out=args.out, epochs=args.epochs or 15,
            seed=args.seed, sr=sr, fmax=args.fmax, augment=args.augment,
            max_warp=args.max_warp, label_smoothing=args.label_smoothing or 0.0,
            skip_broken=args.skip_broken, verbose=verbose, log=log)
    history = result.history
    report = result.report
    val_accuracy = history.averaged.get("val_accuracy", history.best().get("val_accuracy"))
    print(f"trained {history.epochs} epochs in {history.seconds:.0f} s"
          + (f", best epoch {history.best_epoch}" if history.best_epoch else "")
          + (f", weights averaged over epochs {history.averaged_from}-{history.epochs}"
             if history.averaged_from else "")
          + (f" (validation accuracy {val_accuracy:.4f})" if val_accuracy is not None
             else " (no validation split)"))
    if report:
        print(f"test accuracy: {report['accuracy']:.4f} ({report['n']} clips), "
              f"macro F1 {report['macro_f1']:.4f}")
    else:
        print("no test split: measure the model on other recordings "
              "(audiolab evaluate MODEL OTHER_DIR --split all)")
    print(f"saved {result.path}")
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate_folder, format_report, load_predictor

    predictor = load_predictor(args.model)
    report = evaluate_folder(predictor, args.data_dir, split=args.split,
                             skip_broken=args.skip_broken)
    if args.json:
        report = {"model": str(args.model), **report}
        print(json.dumps(report))
        return 0
    for note in report["notes"]:
        print(f"note: {note}", file=sys.stderr)
    print(f"model: {args.model} ({predictor.describe()})")
    print(f"data: {report['data']}, {report['split']} split: {report['n']} clips")
    print(format_report(report))
    return 0
