"""The ``chainrule`` command (also ``python -m nn``)::

    chainrule train [options]    train an MLP; by default micrograd's demo
    chainrule graph FORMULA NAME=NUMBER... [--out FILE]
                                 differentiate a formula, print its gradients,
                                 draw its graph
    chainrule playground [--port N] [--no-browser]
                                 train a network live in the browser
    chainrule playground --static OUT
                                 the same page as static files, run in the
                                 browser (Pyodide)

``chainrule`` alone prints this help; ``chainrule --version`` the installed
version. Each subcommand is a module of this
package with ``add_subcommand(subcommands)``, which declares its options and
sets ``run`` to the function that does the work (it returns the exit
status). To add a subcommand, write its module and list it in ``COMMANDS``.

Ctrl-C, anywhere from the first import to the last plot, ends the command
with one line (``chainrule: interrupted``, or what a subcommand saved) and
exit status 130, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = ["train", "graph", "playground"]  # modules of this package
INTERRUPTED = 130  # the exit status of a program stopped by Ctrl-C (128 + SIGINT)


def build_parser():
    """The ``chainrule`` parser, one subparser per module of ``COMMANDS``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: backpropagation and gradient descent, one scalar at a time.")
    parser.add_argument("--version", action="version", version=f"chainrule {_version()}")
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).add_subcommand(subcommands)
    return parser


def _version():
    import importlib.metadata

    try:
        return importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:  # run from a clone, not installed
        return "(not installed: .venv/bin/pip install -e . in the repository)"


def main(argv=None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not hasattr(args, "run"):
            parser.print_help()
            return 0
        return args.run(args)
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return INTERRUPTED
