"""Rebuild the manifest that FSDD downloads are verified against.

``audiolab/datasets/manifests/fsdd.sha256`` lists the SHA-256 of every
recording of the Free Spoken Digit Dataset v1.0.10, one ``sha256  name``
line per file, sorted by name (the format of ``sha256sum``). A download
whose archive is not byte for byte the audited one is accepted only if its
recordings match this list (see ``audiolab.datasets.verify_fsdd``).

Run it on a trusted copy of the published recordings, then review and
commit the change::

    .venv/bin/python tools/make_fsdd_manifest.py ../shared/datasets/fsdd

FOLDER is the copy's root (holding ``recordings/``) or the folder of WAVs.
Only ``{digit}_{speaker}_{take}.wav`` files are listed; the recordings
themselves never go into the project.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audiolab.datasets.real import _find_fsdd, _fsdd_digests, _manifest_text
from audiolab.files import atomic_write

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "audiolab" / "datasets" / "manifests" / "fsdd.sha256"


def write_manifest(folder: Path, output: Path) -> int:
    """Write the manifest of the recordings in ``folder`` to ``output``; return their number.

    The file is written beside ``output`` and renamed into place, so a
    failure never leaves half a manifest. Raises SystemExit if ``folder``
    holds no FSDD recordings.
    """
    recordings = _find_fsdd(folder) if folder.is_dir() else None
    if recordings is None:
        raise SystemExit(f"{folder}: no FSDD recordings ({{digit}}_{{speaker}}_{{take}}.wav)")
    digests = _fsdd_digests(recordings)
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(output) as temporary:
        temporary.write_text(_manifest_text(digests), encoding="ascii", newline="\n")
    return len(digests)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, metavar="FOLDER",
                        help="a trusted FSDD copy (its root or its recordings/ folder)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="FILE",
                        help=f"the manifest to write (default: {DEFAULT_OUTPUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    count = write_manifest(args.folder.expanduser(), args.output)
    print(f"wrote {args.output}: {count} recordings")
    if count != 3000:
        print(f"warning: FSDD v1.0.10 has 3000 recordings, not {count}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
