"""The static pages' Python: what ``static/worker.js`` calls in Pyodide, in a Web Worker.

The static build (:mod:`~nn.playground.build`) runs chainrule itself in the
browser: Pyodide (CPython compiled to WebAssembly) in a Web Worker imports
this module from the chainrule archive, and the worker's messages become
calls of :class:`Pages`, with JSON text in and out. There is no server and
no thread: the worker's timer calls :meth:`Pages.play_slice` while the
session plays, and each call answers at once.

* the playground: the same :class:`~nn.playground.session.Session` the local
  server runs (:meth:`start`, :meth:`act`, :meth:`play_slice`, :meth:`svg`);
* the backward pass of a typed formula, step by step (:meth:`formula`,
  :meth:`formula_svg`): ``chainrule graph``'s parser (``ast`` against the op
  table, never ``eval``) and ``autograd.backward_steps``;
* a runnable snippet (:meth:`run`): the code a reader typed into the page's
  editor cell, run with its output captured. It is the reader's own code in
  the reader's own browser tab, as in a Python console: nothing is loaded from
  a link or a file.
"""

from __future__ import annotations

import contextlib
import io
import json
import traceback

from autograd import backward_steps, parse_formula, topological_order

from ..cli.graph import parse_assignments
from .session import Session, json_text
from .settings import parse_settings

SNIPPET_OUTPUT_CHARACTERS = 20_000  # a snippet's output is cut beyond this


class Pages:
    """One worker's state: a playground session and the latest formula's steps."""

    def __init__(self):
        self.session = None
        self.sent = 0  # the number of the latest frame sent to the page
        self.steps = None

    # --- the playground -------------------------------------------------------------

    def start(self, settings_text: str):
        """A new session from the page's settings (the worker then sends its first frame)."""
        self.session = Session(parse_settings(json.loads(settings_text)))
        self.sent = 0

    def act(self, action: str, body_text: str) -> str:
        """One of the page's actions (``Session.act``); the answer as JSON text."""
        return json_text(self.session.act(action, json.loads(body_text)))

    def frame(self) -> str | None:
        """The session's latest frame as JSON text, or None if the page has it already."""
        number, frame = self.session.frame()
        if number == self.sent:
            return None
        self.sent = number
        return json_text(frame)

    def play_slice(self) -> float:
        """One frame interval of play; the seconds to wait before the next (-1: paused)."""
        left = self.session.play_slice()
        return left if self.session.running else -1.0

    def svg(self, graph: str, step: int) -> str:
        return self.session.step_svg(graph, step)

    # --- a formula, step by step ----------------------------------------------------

    def formula(self, formula: str, assignments: str) -> str:
        """``formula`` with the values of ``assignments`` ("x=1 w=-2"): its value, each
        variable's gradient and the backward pass's frames (frame 0: the seed)."""
        variables = parse_assignments(assignments.replace(",", " ").split())
        root = parse_formula(formula, variables)
        steps = backward_steps(root)
        root.backward()
        used = set(topological_order(root))
        self.steps = steps
        frames = [{"caption": steps.seed_caption(), "formulas": []}]
        frames += [{"caption": steps.caption(index), "formulas": step.formulas()}
                   for index, step in enumerate(steps)]
        return json_text({
            "value": root.data,
            "gradients": [[name, variable.grad, variable in used]
                          for name, variable in variables.items()],
            "frames": frames,
        })

    def formula_svg(self, frame: int) -> str:
        """Frame ``frame`` of the latest formula's backward pass, drawn."""
        if not 0 <= frame <= len(self.steps):
            raise ValueError(f"the backward pass has frames 0 to {len(self.steps)}, not {frame}")
        return self.steps.seed_svg() if frame == 0 else self.steps.svg(frame - 1)

    # --- a snippet -------------------------------------------------------------------

    def run(self, code: str) -> str:
        """Run ``code`` (the reader's own) in a fresh namespace; what it printed, and the
        traceback if it failed, as JSON text."""
        output = io.StringIO()
        failed = False
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            try:
                exec(compile(code, "<your code>", "exec"), {"__name__": "__main__"})
            except BaseException as error:  # a reader's error is shown, whatever it is
                failed = True
                # NOTE: from the reader's first frame on: this function's is not theirs.
                traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        text = output.getvalue()
        if len(text) > SNIPPET_OUTPUT_CHARACTERS:
            text = text[:SNIPPET_OUTPUT_CHARACTERS] + "\n… (output cut)"
        return json_text({"output": text, "failed": failed})
