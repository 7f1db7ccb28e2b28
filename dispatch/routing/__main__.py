"""``python -m dispatch.routing``: see :mod:`dispatch.routing.cli`."""

import sys

from .cli import main

sys.exit(main())
