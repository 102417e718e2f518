"""The ``chainrule`` command (also ``python -m nn``).

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
"""

from __future__ import annotations

import argparse
import importlib.metadata

from . import graph, playground, train

COMMANDS = [train, graph, playground]


def build_parser() -> argparse.ArgumentParser:
    """The ``chainrule`` parser, one subparser per module of ``COMMANDS``."""
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: backpropagation and gradient descent, one scalar at a time.")
    parser.add_argument("--version", action="version", version=f"chainrule {_version()}")
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.add_subcommand(subcommands)
    return parser


def _version():
    try:
        return importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:  # run from a clone, not installed
        return "(not installed: .venv/bin/pip install -e . in the repository)"


def main(argv=None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 0
    return args.run(args)
