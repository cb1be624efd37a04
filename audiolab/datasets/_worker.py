"""Worker process of :func:`audiolab.datasets.make_speech_dataset` and :func:`~audiolab.datasets.make_scene`.

``python -m audiolab.datasets._worker`` reads one task (JSON) from standard
input, renders its clips and writes their metadata rows (JSON) to standard
output. Each task runs in a fresh interpreter because eSpeak NG keeps state
from one utterance to the next: starting from a pristine library is what
makes a task's files the same whatever ran before and whichever worker runs
it. A plain subprocess (rather than multiprocessing) never re-imports the
caller's ``__main__``, so scripts without an ``if __name__ == "__main__":``
guard work too.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    task = json.loads(sys.stdin.read())
    try:
        if task.get("render") == "scene":
            from audiolab.datasets.scene import _render_utterances as render
        else:
            from audiolab.datasets.speech import _render_task as render
        rows = render(task)
    except Exception as error:  # reported to the parent, which re-raises it
        from audiolab.errors import AudiolabError

        if not isinstance(error, AudiolabError):
            raise
        answer = {"error": type(error).__name__, "message": str(error)}
    else:
        answer = {"rows": rows}
    sys.stdout.write("\n" + json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
