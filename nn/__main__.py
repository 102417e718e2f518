"""``python -m nn train …`` runs the ``chainrule`` command (see :mod:`nn.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":  # importing the module (as documentation tools do) runs nothing
    sys.exit(main())
