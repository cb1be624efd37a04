"""``audiolab data``: make, convert, fetch and describe datasets from the shell.

::

    audiolab data speech OUT_DIR [--vocabulary digits|commands|WORD,WORD,...]
                                 [--per-class N] [--takes N] [--sr HZ] [--duration S]
                                 [--seed S] [--noise-snr LO HI | --no-noise]
                                 [--voices LIST] [--flite] [--festival]
                                 [--unknown] [--silence]
                                 [--jobs N] [--overwrite] [--quiet]
    audiolab data scene OUT.wav [--minutes M] [--vocabulary digits|commands|WORD,...]
                                [--snr DB [DB ...]] [--seed S] [--overwrite]
    audiolab data fsdd OUT_DIR [--source PATH] [--sr HZ] [--words] [--overwrite] [--quiet]
    audiolab data info DIR [--verify]
    audiolab data download {fsdd,mini_speech_commands,esc50} [--data-dir DIR] [--sha256 HEX]
    audiolab data verify-fsdd PATH

Errors are :class:`~audiolab.errors.AudiolabError`\\ s, which
:func:`audiolab.cli.main` prints as one line with exit status 2. Building the
parser imports nothing heavy; the work is imported when a command runs.

Used in lesson 05 ("preparing a dataset") and by practitioners.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..errors import AudiolabError
from .options import (
    REMOTE_DATASETS,
    SPLITS,
    bounded_float,
    nonnegative_int,
    one_line,
    positive_int,
    sample_rate,
)

__all__ = ["register", "describe"]

#: The highest rate ``audiolab.datasets.speech_digits`` makes (it refuses more); read
#: here without importing the datasets, so that ``--help`` stays light.
SPEECH_MAX_SR = 96000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` command and its sub-commands to ``audiolab``'s parser."""
    data = subparsers.add_parser(
        "data",
        help="make, convert, download and describe datasets",
        description="Make, convert, download and describe class-per-folder audio datasets.",
    )
    commands = data.add_subparsers(title="data commands", metavar="COMMAND")

    def show_help(args: argparse.Namespace) -> int:
        data.print_help()
        return 2

    data.set_defaults(func=show_help)

    speech = commands.add_parser(
        "speech",
        help="synthesise a spoken-word dataset with eSpeak NG (and Flite, Festival)",
        description="Synthesise a class-per-folder dataset of spoken words with eSpeak NG, "
        "with --flite also Flite and with --festival also Festival (deterministic for a seed; "
        "a second run with the same arguments does nothing).",
    )
    speech.add_argument("out_dir", metavar="OUT_DIR", help="the dataset folder to create")
    speech.add_argument("--vocabulary", default="digits",
                        help="digits (zero..nine), commands (yes, no, up, ...) or a "
                        "comma-separated list of words (default: digits)")
    speech.add_argument("--per-class", type=positive_int("--per-class"), default=100, metavar="N",
                        help="clips per word (default: 100)")
    speech.add_argument("--takes", type=positive_int("--takes"), default=1, metavar="N",
                        help="times each synthetic speaker says each word (default: 1)")
    speech.add_argument("--sr", type=sample_rate("--sr", highest=SPEECH_MAX_SR), default=16000, metavar="HZ",
                        help=f"sample rate in Hz, 4000 to {SPEECH_MAX_SR} (default: 16000)")
    speech.add_argument("--duration", type=bounded_float("--duration", 0.2, 30.0), default=1.0, metavar="SECONDS",
                        help="length of every clip, 0.2 to 30 (default: 1.0)")
    speech.add_argument("--seed", type=nonnegative_int("--seed"), default=0, help="random seed (default: 0)")
    noise = speech.add_mutually_exclusive_group()
    noise.add_argument("--noise-snr", type=float, nargs=2, default=(10.0, 40.0),
                       metavar=("LO", "HI"),
                       help="background noise at an SNR between LO and HI dB (default: 10 40)")
    noise.add_argument("--no-noise", action="store_true", help="clean speech, no noise")
    speech.add_argument("--voices", type=_voice_list, metavar="LIST",
                        help="comma-separated voices to draw the speakers from: eSpeak NG "
                        "accents (en-us, en-gb-scotland, ...), flite:NAME or festival:NAME "
                        "(default: every English eSpeak NG accent)")
    speech.add_argument("--flite", action="store_true",
                        help="add Flite's four voices to eSpeak NG's (needs the flite program: "
                        "apt-get install flite, or brew install flite)")
    speech.add_argument("--festival", action="store_true",
                        help="add Festival's three voices (needs the festival program and its "
                        "voices: apt-get install festival festvox-kallpc16k festvox-kdlpc16k "
                        "festvox-us-slt-hts)")
    speech.add_argument("--unknown", action="store_true",
                        help="add an _unknown_ class of --per-class other words (never a "
                        "keyword), said by the same speakers")
    speech.add_argument("--silence", action="store_true",
                        help="add a _silence_ class of --per-class background clips: noise, "
                        "room tone, clicks, breaths, digital silence")
    speech.add_argument("--jobs", type=positive_int("--jobs"), default=1, metavar="N",
                        help="worker processes (default: 1; the output does not depend on it)")
    speech.add_argument("--overwrite", action="store_true",
                        help="replace OUT_DIR if it holds a speech dataset with other parameters")
    speech.add_argument("--quiet", action="store_true", help="no progress bar")
    speech.set_defaults(func=_run_speech, api_names={
        "per_class": "--per-class", "takes": "--takes", "sr": "--sr", "duration": "--duration",
        "seed": "--seed", "noise_snr_db": "--noise-snr", "n_jobs": "--jobs",
        "vocabulary": "--vocabulary", "overwrite=True": "--overwrite", "out_dir": "OUT_DIR"})

    scene = commands.add_parser(
        "scene",
        help="synthesise a long scene of keywords, other words and noise, with a truth file",
        description="Write OUT.wav, a long recording of keywords said by voices no speech "
        "dataset uses, other words (_unknown_), clicks and breaths (_silence_) on stretches "
        "of silence, room tone and noise, and OUT.csv, the truth (start, end, label, text, "
        "speaker, voice, variant, snr_db, background), to tune and measure a keyword "
        "spotter with audiolab stream --truth (deterministic for a seed).",
    )
    scene.add_argument("out", metavar="OUT.wav", help="the recording to write (the truth: OUT.csv)")
    scene.add_argument("--minutes", type=bounded_float("--minutes", 0.05, 60.0), default=10.0,
                       metavar="M", help="length, 0.05 to 60 minutes (default: 10)")
    scene.add_argument("--vocabulary", default="digits",
                       help="the keywords: digits, commands or a comma-separated list of "
                       "words (default: digits)")
    scene.add_argument("--snr", type=float, nargs="+", default=(20.0, 10.0, 5.0), metavar="DB",
                       help="SNRs of the noisy stretches in dB (default: 20 10 5)")
    scene.add_argument("--seed", type=nonnegative_int("--seed"), default=0,
                       help="random seed (default: 0)")
    scene.add_argument("--overwrite", action="store_true",
                       help="replace OUT.wav and OUT.csv if they exist")
    scene.set_defaults(func=_run_scene, api_names={
        "minutes": "--minutes", "snr_db": "--snr", "seed": "--seed", "vocabulary": "--vocabulary",
        "overwrite=True": "--overwrite", "out": "OUT.wav"})

    fsdd = commands.add_parser(
        "fsdd",
        help="write the Free Spoken Digit Dataset as train/ and test/ class folders",
        description="Write FSDD as OUT_DIR/train/<digit>/ (takes 5-49) and "
        "OUT_DIR/test/<digit>/ (takes 0-4), resampled, as 16-bit WAV. With --words the "
        "digit folders are named zero..nine, the class names of the synthetic digits.",
    )
    fsdd.add_argument("out_dir", metavar="OUT_DIR", help="the folder to create")
    fsdd.add_argument("--source", metavar="PATH",
                      help="a local copy of FSDD (default: $AUDIOLAB_FSDD, "
                      "$AUDIOLAB_DATA/fsdd, or a verified download)")
    fsdd.add_argument("--sr", type=sample_rate("--sr"), default=16000, metavar="HZ",
                      help="sample rate in Hz (default: 16000)")
    fsdd.add_argument("--words", action="store_true",
                      help="name the class folders zero..nine, as audiolab data speech does "
                      "(default: 0..9)")
    fsdd.add_argument("--overwrite", action="store_true",
                      help="replace OUT_DIR if it holds an FSDD export with other settings")
    fsdd.add_argument("--quiet", action="store_true", help="no progress bar")
    fsdd.set_defaults(func=_run_fsdd, api_names={
        "sr": "--sr", "overwrite=True": "--overwrite", "the path argument": "--source",
        "out_dir": "OUT_DIR"})

    info = commands.add_parser(
        "info",
        help="describe a class-per-folder dataset",
        description="Classes, clips per class and split, durations, sample rates and "
        "broken files of a class-per-folder dataset (every file is decoded), and what "
        "audiolab train would refuse or leave out: folders beside train/ and test/ (an "
        "error), classes without training clips, empty class folders. Exit status: 0 when "
        "all is well, 1 when it lists problems (broken files, classes without training "
        "clips, empty class folders, files that --verify finds changed), 2 on an error.",
    )
    info.add_argument("directory", metavar="DIR", help="the dataset folder")
    info.add_argument("--verify", action="store_true",
                      help="also check every file against the SHA-256 its manifest records "
                      "(a dataset made by audiolab data speech or data fsdd)")
    info.set_defaults(func=_run_info)

    download = commands.add_parser(
        "download",
        help="download and verify a published dataset",
        description="Download a dataset archive, check its SHA-256 (for FSDD, failing "
        "that, every recording's) and extract it into the data folder ($AUDIOLAB_DATA or "
        "~/.cache/audiolab).",
    )
    download.add_argument("name", choices=REMOTE_DATASETS)
    download.add_argument("--data-dir", metavar="DIR", help="where datasets live")
    download.add_argument("--sha256", metavar="HEX",
                          help="the archive's SHA-256 (required when none is published)")
    download.set_defaults(func=_run_download)

    verify = commands.add_parser(
        "verify-fsdd",
        help="check a copy of FSDD against the SHA-256 of every published recording",
        description="Check that PATH holds the 3,000 recordings of FSDD v1.0.10 unchanged "
        "(each one's SHA-256 against the manifest shipped with audiolab); name the corrupt, "
        "missing or unknown ones otherwise (exit status 2).",
    )
    verify.add_argument("path", metavar="PATH",
                        help="the copy: its root (holding recordings/) or the folder of WAVs")
    verify.set_defaults(func=_run_verify_fsdd)


def _voice_list(text: str) -> list[str]:
    voices = [voice.strip() for voice in text.split(",") if voice.strip()]
    if not voices:
        raise AudiolabError("--voices lists no voice: give some, e.g. --voices en-us,en-gb-scotland")
    return voices


def _vocabulary(text: str) -> str | list[str]:
    from ..datasets import VOCABULARIES

    if text in VOCABULARIES:
        return text
    return [word.strip() for word in text.split(",") if word.strip()]


def _run_speech(args: argparse.Namespace) -> int:
    from ..datasets.espeak import DEFAULT_VOICES
    from ..datasets.festival import DEFAULT_VOICES as FESTIVAL_VOICES
    from ..datasets.flite import DEFAULT_VOICES as FLITE_VOICES
    from ..datasets.speech import _make, read_manifest

    voices = list(dict.fromkeys([*(args.voices or DEFAULT_VOICES),
                                 *(FLITE_VOICES if args.flite else ()),
                                 *(FESTIVAL_VOICES if args.festival else ())]))

    start = time.perf_counter()
    path, created = _make(
        args.out_dir,
        vocabulary=_vocabulary(args.vocabulary),
        per_class=args.per_class,
        takes=args.takes,
        sr=args.sr,
        duration=args.duration,
        seed=args.seed,
        noise_snr_db=None if args.no_noise else tuple(args.noise_snr),
        voices=voices if args.voices or args.flite or args.festival else None,
        unknown=args.unknown,
        silence=args.silence,
        overwrite=args.overwrite,
        n_jobs=args.jobs,
        progress=False if args.quiet else None,
    )
    manifest = read_manifest(path) or {}
    counts = manifest.get("counts", {})
    split_text = "/".join(str(counts.get(s, 0)) for s in SPLITS)
    what = (f"{manifest.get('n_clips', '?')} clips, {len(manifest.get('class_names', []))} "
            f"classes, {split_text} train/val/test")
    if created:
        print(f"wrote {path}: {what} in {time.perf_counter() - start:.1f} s")
    else:
        print(f"{path} already holds this dataset ({what}); nothing to do")
    return 0


def _run_scene(args: argparse.Namespace) -> int:
    from collections import Counter

    from ..datasets.scene import make_scene
    from ..evaluate import read_truth
    from ..modelfile import is_background_class

    start = time.perf_counter()
    scene = make_scene(args.out, minutes=args.minutes, vocabulary=_vocabulary(args.vocabulary),
                       snr_db=tuple(args.snr), seed=args.seed, overwrite=args.overwrite)
    counts = Counter(event["label"] for event in read_truth(scene.truth))
    keywords = sum(n for label, n in counts.items() if not is_background_class(label))
    print(f"wrote {scene.audio} ({args.minutes:g} min) and {scene.truth}: {keywords} keywords, "
          f"{counts.get('_unknown_', 0)} other words, {counts.get('_silence_', 0)} clicks and "
          f"breaths in {time.perf_counter() - start:.1f} s")
    return 0


def _run_fsdd(args: argparse.Namespace) -> int:
    from ..datasets.real import _export_fsdd

    start = time.perf_counter()
    path, created = _export_fsdd(args.out_dir, path=args.source, sr=args.sr,
                                 as_words=args.words, overwrite=args.overwrite, download=True,
                                 progress=False if args.quiet else None)
    train = sum(1 for _ in (path / "train").glob("*/*.wav"))
    test = sum(1 for _ in (path / "test").glob("*/*.wav"))
    what = f"{train} training and {test} test clips at {args.sr} Hz"
    if created:
        print(f"wrote {path}: {what} in {time.perf_counter() - start:.1f} s")
    else:
        print(f"{path} already holds FSDD ({what}); nothing to do")
    return 0


def _run_download(args: argparse.Namespace) -> int:
    from ..datasets.real import download_dataset

    path = download_dataset(args.name, data_dir=args.data_dir, sha256=args.sha256)
    print(path)
    return 0


def _run_verify_fsdd(args: argparse.Namespace) -> int:
    from ..datasets.real import _fsdd_manifest, verify_fsdd

    verify_fsdd(args.path)
    print(f"{args.path}: all {len(_fsdd_manifest()):,} recordings match the published FSDD v1.0.10")
    return 0


def _format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for i, row in enumerate([header] + rows):
        cells = [str(c).ljust(w) if j == 0 else str(c).rjust(w)
                 for j, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def describe(directory: str | Path, *, verify: bool = False) -> str:
    """Return the text ``audiolab data info`` prints for a dataset folder."""
    return _describe(directory, verify=verify)[0]


def _describe(directory: str | Path, *, verify: bool = False) -> tuple[str, int]:
    """The text ``audiolab data info`` prints, and how many problems it lists."""
    import numpy as np

    from ..datasets._common import auto_progress, folder_size, progress_bar
    from ..datasets.folder import _SPLIT_ALIASES, _read_metadata, _scan
    from ..datasets.speech import read_manifest
    from ..errors import AudioFileError
    from ..io import load

    scan = _scan(directory)
    root = scan.root
    rows_meta = _read_metadata(root)
    splits = []
    for file, _class, split in scan.files:
        if split is None and rows_meta:
            split = _SPLIT_ALIASES.get(
                rows_meta.get(file.relative_to(root).as_posix(), {}).get("split", "").lower()
            )
        splits.append(split or "")
    durations: list[float] = []
    rates: dict[int, int] = {}
    broken: list[str] = []
    ok = []
    bar = progress_bar(len(scan.files), enabled=auto_progress(None, len(scan.files)),
                       desc=f"checking {root.name}")
    for (file, class_name, _), split in zip(scan.files, splits, strict=True):
        bar.update()
        try:
            # Decode every file: headers alone do not reveal truncated or NaN-filled files.
            y, rate = load(file, sr=None)
        except AudioFileError as error:
            broken.append(str(error))
            continue
        duration = y.shape[-1] / rate
        ok.append((class_name, split, duration))
        durations.append(duration)
        rates[rate] = rates.get(rate, 0) + 1
    bar.close()

    split_names = [s for s in SPLITS if any(sp == s for _, sp, _ in ok)]
    layout = (f"split folders ({', '.join(split_names)})" if scan.has_split_folders
              else "class folders" + ("; splits from metadata.csv" if split_names else ""))
    lines = [f"{root}", f"layout: {layout}"]
    manifest = read_manifest(root)
    if manifest and isinstance(manifest.get("parameters"), dict):
        p = manifest["parameters"]
        shown = ", ".join(f"{k}={p[k]}" for k in ("per_class", "takes", "sr", "duration",
                                                     "seed", "noise_snr_db", "unknown",
                                                     "silence") if k in p)
        lines.append(f"made by: {manifest.get('format', '?')}" + (f" ({shown})" if shown else ""))
    total_split = ", ".join(
        f"{sum(1 for _, sp, _ in ok if sp == s)} {s}" for s in split_names
    )
    size_mb = folder_size(root) / 1e6
    lines.append(
        f"{len(scan.class_names)} classes, {len(ok)} clips"
        + (f" ({total_split})" if total_split else "")
        + f", {size_mb:.1f} MB on disk, {len(broken)} broken file(s)"
    )
    if rates:
        lines.append("sample rates: " + ", ".join(
            f"{rate} Hz ({n} files)" for rate, n in sorted(rates.items())))
    if durations:
        d = np.asarray(durations)
        lines.append(f"durations: {d.min():.2f} to {d.max():.2f} s, mean {d.mean():.2f} s, "
                     f"total {d.sum() / 60:.1f} min")
    lines.append("")
    header = ["class"] + split_names + ["total", "mean s"]
    table = []
    for name in scan.class_names:
        mine = [(sp, dur) for c, sp, dur in ok if c == name]
        row = [name] + [str(sum(1 for sp, _ in mine if sp == s)) for s in split_names]
        mean = np.mean([dur for _, dur in mine]) if mine else 0.0
        table.append(row + [str(len(mine)), f"{mean:.2f}"])
    table.append(["total"] + [str(sum(1 for _, sp, _ in ok if sp == s)) for s in split_names]
                 + [str(len(ok)), f"{np.mean(durations):.2f}" if durations else "-"])
    lines.append(_format_table(header, table))
    problems = len(broken)
    if broken:
        lines.append("")
        lines.append(f"broken files ({len(broken)}):")
        lines += [f"  {one_line(reason)}" for reason in broken[:20]]
        if len(broken) > 20:
            lines.append(f"  ... and {len(broken) - 20} more")
    untrained = sorted({c for c, sp, _ in ok if sp in ("val", "test")}
                       - {c for c, sp, _ in ok if sp == "train"}) if "train" in split_names else []
    if untrained:
        problems += len(untrained)
        lines += ["", f"classes without training clips ({len(untrained)}; audiolab train "
                  f"refuses them): {', '.join(untrained)}"]
    if scan.empty:
        problems += len(scan.empty)
        lines += ["", f"empty class folders ({len(scan.empty)}; their classes are left out): "
                  + ", ".join(one_line(name) for name in scan.empty)]
    if verify:
        from ..datasets._common import verify_content

        lines.append("")
        if manifest and isinstance(manifest.get("content_sha256"), str) and rows_meta:
            problem = verify_content(root, manifest, sorted(rows_meta))
            if problem is None:
                lines.append(f"verified: all {len(rows_meta)} files match the manifest's SHA-256")
            else:
                problems += 1
                lines.append(f"verify: {one_line(problem)}")
        else:
            problems += 1
            lines.append(f"verify: {root} has no manifest.json with a content_sha256 (only "
                         f"datasets made by audiolab data speech or data fsdd can be verified)")
    return "\n".join(lines), problems




def _run_info(args: argparse.Namespace) -> int:
    text, problems = _describe(args.directory, verify=args.verify)
    print(text)
    sys.stdout.flush()
    return 1 if problems else 0
