"""The compiler: trace a step once, replay it as straight-line code.

``compile(f, params)`` (:mod:`autograd.compiler.function`) traces ``f`` on
Values, prints the recorded graph as one Python function
(:mod:`autograd.compiler.emit`, with :mod:`autograd.compiler.source` for
the printing) and replays it on floats: the same losses and gradients as
``loss.backward()``, many times faster.
"""

from .function import CompiledFunction, compile

__all__ = ["compile", "CompiledFunction"]
