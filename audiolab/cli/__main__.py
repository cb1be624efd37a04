"""``python -m audiolab.cli``: the ``audiolab`` command."""

import sys

from . import main

sys.exit(main())
