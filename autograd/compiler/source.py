"""A float known only as Python source text, and how such texts combine.

The compiler prints a traced graph as Python. Its backward lines come from
the table's own ``partials`` functions, evaluated on :class:`Source`
values: floats known only by their text (``v3``, ``-dv7``), whose
arithmetic, and any row of the table applied to them, return the text of
the result, parenthesised exactly where Python's precedence needs it.

``fill(template, operands)`` fills a row's ``code`` template (``"{0} + {1}"``,
``"tanh({0})"``) with operands' texts; ``as_source(x)`` is ``x`` itself or the
Source of a number (its ``repr``).
"""

from __future__ import annotations

import ast
import functools

_LOWEST, _SUM, _PRODUCT, _UNARY, _POWER, _ATOM = range(6)
_BINARY = {ast.Add: _SUM, ast.Sub: _SUM, ast.Mult: _PRODUCT, ast.Div: _PRODUCT,
           ast.FloorDiv: _PRODUCT, ast.Mod: _PRODUCT, ast.Pow: _POWER}


@functools.cache
def _layout(template: str, arity: int) -> tuple:
    """How ``template`` prints: its own precedence, and for each operand the
    loosest precedence it may have there without parentheses.

    Python's own parser reads the template (once), so any template prints
    right; an operand anywhere but directly under the template's top
    operator or call is parenthesised unless it is a name or a number.
    """
    slots = [f"_{position}" for position in range(arity)]
    top = ast.parse(template.format(*slots), mode="eval").body
    allowed = {}
    if isinstance(top, ast.BinOp) and type(top.op) in _BINARY:
        precedence = _BINARY[type(top.op)]
        # NOTE: ** groups right to left and takes a unary minus on its right
        # (x ** -2.0); the other operators group left to right.
        left, right = (_ATOM, _UNARY) if precedence == _POWER else (precedence, precedence + 1)
        allowed = {id(top.left): left, id(top.right): right}
    elif isinstance(top, ast.UnaryOp) and isinstance(top.op, (ast.USub, ast.UAdd)):
        precedence, allowed = _UNARY, {id(top.operand): _UNARY}
    elif isinstance(top, ast.Call):
        precedence, allowed = _ATOM, {id(argument): _LOWEST for argument in top.args}
    else:
        precedence = _LOWEST
    needed = [_LOWEST] * arity
    for node in ast.walk(top):
        if isinstance(node, ast.Name) and node.id in slots:
            position = slots.index(node.id)
            needed[position] = max(needed[position], allowed.get(id(node), _ATOM))
    return precedence, tuple(needed)


def fill(template: str, operands) -> Source:
    """``template`` filled with ``operands``, parenthesised where needed."""
    precedence, needed = _layout(template, len(operands))
    texts = [operand.text if operand.precedence >= loosest else f"({operand.text})"
             for operand, loosest in zip(map(as_source, operands), needed)]
    return Source(template.format(*texts), precedence)


def as_source(x) -> Source:
    """``x`` itself, or the Source of a number (its ``repr``)."""
    return x if isinstance(x, Source) else Source.constant(x)


def _operator(template, reflected=False):
    if reflected:
        return lambda self, other: fill(template, (other, self))
    return lambda self, other: fill(template, (self, other))


class Source:
    """A float known only as Python source text, such as ``v3`` or ``-dv7``.

    Python's arithmetic on it, and a row of the table applied to it (through
    :func:`autograd.value.apply`), return the Source of the result: so a
    row's ``partials`` evaluated on Sources print themselves as code.
    ``float()`` works only on a constant (``pow``'s exponent); a partial
    whose formula depends on the value of an input cannot be printed.
    """

    __slots__ = ("text", "precedence", "number")

    def __init__(self, text: str, precedence: int = _ATOM, number: float | None = None):
        self.text = text
        self.precedence = precedence
        self.number = number

    def __repr__(self):
        return f"Source({self.text!r})"

    @classmethod
    def constant(cls, x) -> Source:
        """The Source of a number: its ``repr``."""
        number = float(x)
        text = repr(number)  # "inf" and "nan" are names in the emitted code's globals
        return cls(text, _UNARY if text.startswith("-") else _ATOM, number)

    @property
    def is_atom(self) -> bool:
        """A name or a number: it never needs parentheses."""
        return self.precedence == _ATOM

    def __float__(self):
        if self.number is None:
            raise TypeError(
                f"float() of {self.text}, a value known only when the compiled code "
                f"runs: a partial may call float() on constants only")
        return self.number

    def apply_primitive(self, row, *operands):
        return fill(row.code, operands)

    __add__, __radd__ = _operator("{0} + {1}"), _operator("{0} + {1}", reflected=True)
    __sub__, __rsub__ = _operator("{0} - {1}"), _operator("{0} - {1}", reflected=True)
    __mul__, __rmul__ = _operator("{0} * {1}"), _operator("{0} * {1}", reflected=True)
    __truediv__, __rtruediv__ = _operator("{0} / {1}"), _operator("{0} / {1}", reflected=True)
    __pow__, __rpow__ = _operator("{0} ** {1}"), _operator("{0} ** {1}", reflected=True)

    def __neg__(self):
        return fill("-{0}", (self,))
