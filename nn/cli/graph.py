"""``chainrule graph``: differentiate a formula from the command line, and draw it.

    chainrule graph "tanh(w*x + b)" x=1 w=-2 b=0.5 --out graph.svg

parses the formula safely (:mod:`autograd.formula`: Python's ``ast``
against the op table, never ``eval``), builds its graph with each variable a
labelled Value (a finite number: ``x=1e400`` and ``x=nan`` are refused),
runs ``backward()``, prints the value and each variable's gradient (saying
so when the formula does not use the variable), and with ``--out`` writes
the drawing, chosen by extension:

``.svg``  the drawing (system Graphviz, or the WebAssembly build of the ``draw`` extra)
``.png``  the drawing, with the system Graphviz only
``.html`` the backward pass step by step, with a slider (:mod:`autograd.drawing.steps`)
``.dot``  the Graphviz source

Files are written atomically. Exit status: 0 on success, 2 for a refused
formula or argument, 1 when the drawing cannot be made.

``add_subcommand(subparsers)`` registers the command on the ``chainrule``
parser's subparsers (:mod:`nn.cli`), with ``set_defaults(run=run)``.
"""

from __future__ import annotations

import argparse
import keyword
import math
import os
import sys

from autograd import Value, backward_steps, draw, parse_formula, topological_order
from autograd.extend import FORMULA_FUNCTIONS as FUNCTIONS
from autograd.extend import drawing_backend as backend_name
from autograd.extend import write_atomic

OUTPUT_FORMATS = (".svg", ".png", ".html", ".dot")


def add_subcommand(subparsers) -> argparse.ArgumentParser:
    """Register ``graph`` on ``subparsers`` (from ``parser.add_subparsers()``)."""
    parser = subparsers.add_parser(
        "graph", help="differentiate a formula, print its gradients and draw its graph",
        description="Differentiate a formula of named variables, print the value and "
                    "each variable's gradient, and optionally draw the graph.",
        epilog='example: chainrule graph "tanh(w*x + b)" x=1 w=-2 b=0.5 --out graph.svg')
    parser.add_argument("expression",
                        help="a formula in Python syntax with + - * / ** and the "
                             f"functions {', '.join(FUNCTIONS)}")
    parser.add_argument("assignments", nargs="*", metavar="NAME=NUMBER",
                        help="a value for each variable of the formula")
    parser.add_argument("--out", metavar="PATH",
                        help=f"write the drawing; by extension: {', '.join(OUTPUT_FORMATS)} "
                             "(.html: the backward pass step by step)")
    parser.add_argument("--rankdir", default="LR", choices=("LR", "TB", "RL", "BT"),
                        help="direction of the drawing (default: LR, left to right)")
    parser.add_argument("--max-nodes", type=int, default=500,
                        help="refuse to draw a graph of more values than this (default: 500)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out ``chainrule graph``; returns the exit status."""
    try:
        extension = _output_extension(args.out)
        variables = parse_assignments(args.assignments)
        output = parse_formula(args.expression, variables)
        output.backward()
    except (ValueError, ArithmeticError) as error:
        print(f"chainrule graph: {error}", file=sys.stderr)
        return 2
    print(f"value = {output.data!r}")
    used = set(topological_order(output))
    for name, variable in variables.items():
        unused = "" if variable in used else f"  ({name} does not appear in the formula)"
        print(f"d/d{name} = {variable.grad!r}{unused}")
    if extension is None:
        return 0
    try:
        _write_drawing(output, extension, args)
    except ValueError as error:
        print(f"chainrule graph: {error}", file=sys.stderr)
        return 2
    except (ImportError, RuntimeError, ArithmeticError, OSError) as error:
        print(f"chainrule graph: cannot draw: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


def parse_assignments(assignments):
    """``["x=1", "w=-2"]`` → ``{"x": Value(1.0, label="x"), ...}``; numbers only, each
    name a variable's (a ValueError says which assignment is wrong and why)."""
    variables = {}
    for assignment in assignments:
        name, equals, number = assignment.partition("=")
        name = name.strip()
        if not equals:
            raise ValueError(f"{assignment!r} is not NAME=NUMBER")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{name!r} is not a variable name (letters, digits and _)")
        if name in FUNCTIONS:
            raise ValueError(f"{name!r} is the name of a function; choose another name")
        if name in variables:
            raise ValueError(f"{name} is given twice")
        try:
            data = float(number)
        except ValueError:
            raise ValueError(f"the value of {name} must be a number, got {number!r}") from None
        # NOTE: float() reads 1e400 as inf and accepts "nan": refused, as a
        # number beyond the floats is refused in the formula itself.
        if not math.isfinite(data):
            raise ValueError(f"the value of {name}, {number}, is not a finite number "
                             "(floats end near 1.8e308)")
        variables[name] = Value(data, label=name)
    return variables


def _output_extension(path):
    """The extension of ``--out`` if this machine can write it; None for no file."""
    if path is None:
        return None
    extension = os.path.splitext(path)[1].lower()
    if extension not in OUTPUT_FORMATS:
        raise ValueError(f"cannot tell what to write from {path!r}: "
                       f"use one of {', '.join(OUTPUT_FORMATS)}")
    if extension == ".png" and backend_name() != "system":
        raise ValueError("PNG needs the system Graphviz (`dot` on PATH), which is not "
                       "installed; write .svg or .html instead")
    return extension


def _write_drawing(output, extension, args):
    options = {"rankdir": args.rankdir, "max_nodes": args.max_nodes}
    if extension == ".html":
        backward_steps(output, **options).save_html(args.out)
        return
    graph = draw(output, **options)
    data = graph.source.encode("utf-8") if extension == ".dot" else graph.pipe(extension[1:])
    write_atomic(args.out, data)
