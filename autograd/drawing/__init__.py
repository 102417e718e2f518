"""Pictures of a computation graph.

* :mod:`~autograd.drawing.dot` — ``draw(root)``: the graph as Graphviz DOT,
  every value, op and gradient;
* :mod:`~autograd.drawing.steps` — ``backward_steps(root)``: the backward
  pass one node at a time, as drawings, a Jupyter slider or an HTML page;
* :mod:`~autograd.drawing.digraph` and :mod:`~autograd.drawing.render` —
  rendering DOT with the system Graphviz or, without one, Graphviz compiled
  to WebAssembly (the ``draw`` extra).

Only the standard library is imported here; the graphviz package is
imported when something is drawn.
"""

from .dot import draw
from .steps import BackwardStep, BackwardSteps, backward_captions, backward_steps

__all__ = ["draw", "backward_steps", "backward_captions", "BackwardStep", "BackwardSteps"]
