"""``python -m nn train …`` runs the ``chainrule`` command (see :mod:`nn.cli`)."""

import sys

from .cli import main

sys.exit(main())
