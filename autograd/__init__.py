"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x + 3 * x).tanh()
>>> y.backward()
>>> round(x.grad, 12) == round((1 - y.data ** 2) * (2 * 2.0 + 3), 12)
True

The layers, in the order a reader meets them:

* :mod:`autograd.ops` — the table of primitives, each with its local
  derivatives; every row called by name is also a function here
  (``autograd.exp(x)`` works on a Value or a number) and a Value method;
* :mod:`autograd.value` — ``Value``, the graph, the chain rule;
* :mod:`autograd.functional` — grad, value_and_grad, gradients, jvp, vjp,
  jacobian (jacrev), jacfwd, hessian;
* :mod:`autograd.gradcheck` — derivatives against finite differences;
* :mod:`autograd.compiler` — ``compile``: a traced step replayed as code;
* :mod:`autograd.drawing` — ``draw`` and ``backward_steps``: pictures;
* :mod:`autograd.formula` — formulas parsed safely into graphs;
* :mod:`autograd.files` — the atomic file writer.

``draw`` and ``backward_steps`` import the optional graphviz package only
when they render, so ``import autograd`` needs nothing beyond the standard
library.

``autograd.compile`` shares its name with a builtin, so it is left out of
``__all__``: ``from autograd import *`` never hides the builtin; import it
by name.
"""

import builtins

from . import ops
from .compiler import compile as compile
from .drawing import BackwardStep, BackwardSteps, backward_captions, backward_steps, draw
from .formula import parse_formula
from .functional import (
    grad,
    gradients,
    hessian,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from .gradcheck import GradcheckError, gradcheck
from .spelling import add_misspellings
from .value import (
    Value,
    data_of,
    enable_grad,
    is_grad_enabled,
    method_for,
    no_grad,
    topological_order,
)

# Each row called by name becomes a Value method (x.tanh()) and a function of
# this package (autograd.tanh(x)), so a new row needs no edit here.
for _row in ops.FUNCTIONS:
    setattr(Value, _row.name, method_for(_row))
    globals()[_row.name] = _row
del _row
# x.tahn() and x.ln() say "did you mean tanh / log?", for rows added above too.
add_misspellings(Value, [name for name in dir(Value) if not name.startswith("_")])

__all__ = [
    "Value", "data_of", "no_grad", "enable_grad", "is_grad_enabled", "topological_order",
    "grad", "value_and_grad", "gradients", "jvp", "vjp", "jacobian", "jacfwd", "jacrev",
    "hessian",
    "gradcheck", "GradcheckError", "ops",
    "draw", "backward_steps", "backward_captions", "BackwardStep", "BackwardSteps",
    "parse_formula",
    # abs stays importable by name, but a star import must not hide a builtin
    *(row.name for row in ops.FUNCTIONS if not hasattr(builtins, row.name)),
]
