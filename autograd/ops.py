"""The table of primitives: every operation chainrule can differentiate.

Each row is a :class:`Primitive` and must provide

``forward(*inputs) -> float``
    The value on plain floats. It checks its own domain and raises the
    exception Python's :mod:`math` module would raise (``ValueError``,
    ``ZeroDivisionError``, ``OverflowError``) with a message that names the
    op and the operand. NaN inputs propagate as they do for floats.

``partials(out, *inputs) -> tuple``
    The local partial derivatives ∂out/∂inputᵢ, one per input, given the
    output and the inputs. They are written only with arithmetic and with
    rows of this table, so the same function evaluates on floats (the
    backward pass), on :class:`~autograd.Value` nodes (higher-order
    derivatives: the derivative becomes a graph of its own) and on any other
    type that implements the same operations.

``label``
    How the op is shown in drawings and in ``repr``.

``constant_inputs`` (optional)
    Positions of inputs the row holds constant: they must be plain numbers
    (pow's exponent), and their partial is 0 by definition.

``code``
    A Python expression template over ``{0}``, ``{1}`` (the inputs) that
    computes the forward value; a name in it is a row's name and stands for
    that row's ``forward``. ``autograd.compile`` prints rows with it.

``syntax`` (optional)
    The Python operator that applies the row (``"+"`` for add); rows
    without one are *functions*, called by name.

``c_code`` (optional)
    The same expression in C99 over ``{0}``, ``{1}``, for
    ``compile(..., backend="c")``. Without one the C form is derived from
    ``code`` (operators as they are, ``**`` as ``pow``, a called name as
    the C99 libm function of that name: ``tanh``, ``atan2``, ``log1p``);
    a row whose ``code`` calls anything else needs a ``c_code``. Domain
    errors need no C: the backend replays a failing call in Python.

Every feature reads this table and nothing else: the eager backward pass
(``gradᵢ += partialᵢ · grad_out``), forward mode (``tangent_out = Σ partialᵢ ·
tangentᵢ``), higher order, compilation, drawing, and the generic tests. A function row,
of any arity, also becomes a method of ``Value`` (``x.tanh()``, the Value
its first input), a function of the package (``autograd.tanh(x)`` on a
Value or a number: rows are callable) and a function of the formulas that
``chainrule graph`` reads. See "How to add an op" in the README.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

# NOTE: the table and Value import each other (see the NOTE in value.py).
from . import value


@dataclass(frozen=True, eq=False)
class Primitive:
    """One row of the table (see the module docstring for the contract)."""

    name: str
    label: str
    arity: int
    forward: Callable[..., float]
    partials: Callable[..., tuple]
    code: str
    constant_inputs: tuple = ()
    syntax: str | None = None
    c_code: str | None = None

    def __call__(self, *operands):
        """Apply to numbers (gives a float) or to Values (records a node)."""
        return value.apply(self, *operands)

    def __repr__(self):
        return f"<primitive {self.name}>"


# --- forward functions that guard their domain ------------------------------


def _divide(a, b):
    if b == 0.0:
        raise ZeroDivisionError(f"div() by zero: {a!r} / {b!r}")
    return a / b


def _pow_constant(base, exponent):
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(
            f"pow() of zero to a negative power: 0.0 ** {exponent!r}")
    if base < 0.0 and not exponent.is_integer():
        raise ValueError(
            f"pow() of a negative base needs an integer exponent, "
            f"got {base!r} ** {exponent!r}")
    try:
        return base ** exponent
    except OverflowError:
        raise OverflowError(
            f"pow() overflows: {base!r} ** {exponent!r}") from None


def _pow_variable(base, exponent):
    # NOTE: the derivative with respect to the exponent is out * log(base),
    # which exists only for a positive base; so a Value exponent needs one.
    if base <= 0.0:
        raise ValueError(
            f"pow() with a Value exponent needs a positive base, got "
            f"{base!r}; use a plain number as the exponent for bases <= 0")
    return _pow_constant(base, exponent)


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp() overflows for input {x!r} (the largest is about 709.78)"
        ) from None


def _log(x):
    if x <= 0.0:
        raise ValueError(f"log() needs a positive input, got {x!r}")
    return math.log(x)


def _sqrt(x):
    if x < 0.0:
        raise ValueError(f"sqrt() needs a non-negative input, got {x!r}")
    return math.sqrt(x)


def _sigmoid(x):
    # NOTE: two forms so exp() never overflows: exp(-x) for x >= 0, exp(x)
    # otherwise; both equal 1 / (1 + exp(-x)).
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _periodic(name, function):
    def forward(x):
        if math.isinf(x):
            raise ValueError(f"{name}() needs a finite input, got {x!r}")
        return function(x)
    return forward


def _relu(x):
    return 0.0 if x <= 0.0 else x  # NaN fails the test and passes through


def _sign(x):
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x  # ±0.0 and NaN stand for themselves


def _step(x):
    if x > 0.0:
        return 1.0
    return 0.0 if x <= 0.0 else x  # NaN stays NaN


def _softplus(x):
    # NOTE: log(1 + exp(x)) written as max(x, 0) + log(1 + exp(-|x|)): exp
    # never sees a positive argument, so it cannot overflow.
    return max(x, 0.0) + math.log1p(math.exp(-math.fabs(x)))


def _checked(name, function, domain):
    """``function`` (from :mod:`math`) with its errors naming the op.

    ``domain`` says what the op needs, for the ValueError math raises.
    """
    # NOTE: the overflow rule of the rows built here: a finite input whose
    # result is too large for a float raises OverflowError naming the op
    # (math raises it for cosh(1000); hypot(1e308, 1e308) would quietly give
    # inf, so the result is checked too). A learner sees where the number
    # blew up instead of an inf loss that fit reports steps later.
    def forward(*inputs):
        shown = ", ".join(map(repr, inputs))
        try:
            out = function(*inputs)
        except ValueError:
            raise ValueError(f"{name}() needs {domain}, got {shown}") from None
        except OverflowError:
            out = math.inf
        if math.isinf(out) and not any(map(math.isinf, inputs)):
            raise OverflowError(f"{name}() overflows for input {shown}")
        return out
    return forward


def _zero(out, x):
    return (0.0,)


def _pow_constant_partials(out, base, exponent):
    exponent = float(exponent)
    # NOTE: d/dx x ** 0 is 0 everywhere, also at x = 0, where the general
    # formula would compute 0 * 0 ** -1.
    if exponent == 0.0:
        return (0.0, 0.0)
    return (exponent * base ** (exponent - 1.0), 0.0)


# --- the table ---------------------------------------------------------------
# NOTE: sub and div are fused rows rather than a + (-b) and a * b ** -1: one
# node instead of two keeps drawings readable, and a / b is then exactly
# Python's quotient (a * (1 / b) can differ in the last bit).

add = Primitive("add", "+", 2, operator.add,
                lambda out, a, b: (1.0, 1.0), "{0} + {1}", syntax="+")
sub = Primitive("sub", "-", 2, operator.sub,
                lambda out, a, b: (1.0, -1.0), "{0} - {1}", syntax="-")
mul = Primitive("mul", "*", 2, operator.mul,
                lambda out, a, b: (b, a), "{0} * {1}", syntax="*")
# NOTE: div, pow and power print as calls of their forward functions, not as
# Python's / and **, so compiled code raises the same named errors as eager
# code (and a negative base to a fractional power raises, not turns complex).
div = Primitive("div", "/", 2, _divide,
                lambda out, a, b: (1.0 / b, -out / b), "div({0}, {1})", syntax="/",
                c_code="{0} / {1}")
# NOTE: `x ** 2` and `x ** y` are two rows. With a number exponent (pow) the
# exponent is a constant and any base is allowed; with a Value exponent
# (power) both are differentiated, and d/dy needs log(base), so base > 0.
pow = Primitive("pow", "**", 2, _pow_constant, _pow_constant_partials,
                "pow({0}, {1})", constant_inputs=(1,), syntax="**")
power = Primitive("power", "**", 2, _pow_variable,
                  lambda out, a, b: (b * a ** (b - 1.0), out * log(a)),
                  "power({0}, {1})", syntax="**",
                  c_code="({0} > 0.0 ? pow({0}, {1}) : NAN)")
neg = Primitive("neg", "-", 1, operator.neg,
                lambda out, a: (-1.0,), "-{0}", syntax="-")

exp = Primitive("exp", "exp", 1, _exp,
                lambda out, x: (out,), "exp({0})")
log = Primitive("log", "log", 1, _log,
                lambda out, x: (1.0 / x,), "log({0})")
sqrt = Primitive("sqrt", "sqrt", 1, _sqrt,
                 lambda out, x: (0.5 / out,), "sqrt({0})")
tanh = Primitive("tanh", "tanh", 1, math.tanh,
                 lambda out, x: (1.0 - out * out,), "tanh({0})")
sigmoid = Primitive("sigmoid", "sigmoid", 1, _sigmoid,
                    lambda out, x: (out * (1.0 - out),), "sigmoid({0})",
                    c_code="({0} >= 0.0 ? 1.0 / (1.0 + exp(-{0})) : exp({0}) / (1.0 + exp({0})))")
softplus = Primitive("softplus", "softplus", 1, _softplus,
                     lambda out, x: (sigmoid(x),), "softplus({0})",
                     c_code="(0.0 > {0} ? 0.0 : {0}) + log1p(exp(-fabs({0})))")
sin = Primitive("sin", "sin", 1, _periodic("sin", math.sin),
                lambda out, x: (cos(x),), "sin({0})")
cos = Primitive("cos", "cos", 1, _periodic("cos", math.cos),
                lambda out, x: (-sin(x),), "cos({0})")
# NOTE: at 0, relu and abs take the subgradient 0 (as PyTorch and JAX do):
# step(0) = 0 and sign(0) = 0.
relu = Primitive("relu", "relu", 1, _relu,
                 lambda out, x: (step(x),), "relu({0})",
                 c_code="({0} <= 0.0 ? 0.0 : {0})")
abs = Primitive("abs", "abs", 1, math.fabs,
                lambda out, x: (sign(x),), "abs({0})", c_code="fabs({0})")
tan = Primitive("tan", "tan", 1, _checked("tan", math.tan, "a finite input"),
                lambda out, x: (1.0 + out * out,), "tan({0})")
sinh = Primitive("sinh", "sinh", 1, _checked("sinh", math.sinh, "a number"),
                 lambda out, x: (cosh(x),), "sinh({0})")
cosh = Primitive("cosh", "cosh", 1, _checked("cosh", math.cosh, "a number"),
                 lambda out, x: (sinh(x),), "cosh({0})")
atan = Primitive("atan", "atan", 1, math.atan,
                 lambda out, x: (1.0 / (1.0 + x * x),), "atan({0})")
asinh = Primitive("asinh", "asinh", 1, math.asinh,
                  lambda out, x: (1.0 / sqrt(x * x + 1.0),), "asinh({0})")
expm1 = Primitive("expm1", "expm1", 1, _checked("expm1", math.expm1, "a number"),
                  lambda out, x: (out + 1.0,), "expm1({0})")
exp2 = Primitive("exp2", "exp2", 1, _checked("exp2", math.exp2, "a number"),
                 lambda out, x: (out * math.log(2.0),), "exp2({0})")
sign = Primitive("sign", "sign", 1, _sign, _zero, "sign({0})",
                 c_code="({0} > 0.0 ? 1.0 : {0} < 0.0 ? -1.0 : {0})")
step = Primitive("step", "step", 1, _step, _zero, "step({0})",
                 c_code="({0} > 0.0 ? 1.0 : {0} <= 0.0 ? 0.0 : {0})")

PRIMITIVES = (add, sub, mul, div, pow, power, neg,
              exp, log, sqrt, tanh, sigmoid, softplus, sin, cos, relu, abs,
              tan, sinh, cosh, atan, asinh, expm1, exp2,
              sign, step)

# The rows called by name, of any arity: each is a Value method, a function
# of the package and of chainrule graph's formulas.
FUNCTIONS = tuple(row for row in PRIMITIVES if row.syntax is None)
