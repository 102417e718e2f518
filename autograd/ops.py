"""The table of primitives: every operation chainrule can differentiate.

Each row is a :class:`Primitive` and must provide

``forward(*inputs) -> float``
    The value on plain floats. It checks its own domain and raises the
    exception Python's :mod:`math` module would raise (``ValueError``,
    ``ZeroDivisionError``) with a message that names the op and the operand.
    NaN inputs propagate as they do for floats. A result too large for a
    float is ±inf, never an ``OverflowError``: IEEE semantics, as Python's
    ``x * x``, C, PyTorch and JAX compute it (docs/how-it-works/ops.md#overflow).

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

``c_support`` (optional)
    C definitions (``static inline`` functions) that the row's ``c_code``
    calls; the C backend puts them in front of every function whose graph
    uses the row.

Every feature reads this table and nothing else: the eager backward pass
(``gradᵢ += partialᵢ · grad_out``), forward mode (``tangent_out = Σ partialᵢ ·
tangentᵢ``), higher order, compilation, drawing, and the generic tests. A function row,
of any arity, also becomes a method of ``Value`` (``x.tanh()``, the Value
its first input), a function of the package (``autograd.tanh(x)`` on a
Value or a number: rows are callable) and a function of the formulas that
``chainrule graph`` reads. See docs/extending/index.md#add-an-op.
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
    c_support: str | None = None

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
        # NOTE: the overflow rule (module docstring): ±inf, the sign of
        # the result: negative for a negative base to an odd power.
        odd = base < 0.0 and exponent % 2.0 == 1.0
        return -math.inf if odd else math.inf


def _pow_variable(base, exponent):
    # NOTE: a Value exponent needs a base >= 0: d/dy is out * log(base),
    # written xlogy(out, base), which is 0 at base 0 (where out is 0). At
    # base 0 the exponent must not be negative (0.0 ** -1 divides by zero,
    # as in Python); 0.0 ** 0.0 is 1.0, as in Python, because d/dx of
    # x ** y at x = 0, y = 1 is 1 * 0.0 ** 0.0; its own derivative with
    # respect to the base, 0 * 0.0 ** -1.0, is undefined and raises.
    if base < 0.0:
        raise ValueError(
            f"power() (x ** y with a Value exponent) needs a base >= 0, got "
            f"{base!r} ** {exponent!r}; use a plain number as the exponent for a "
            f"negative base")
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(
            f"power() of zero to a negative power: 0.0 ** {exponent!r}")
    return _pow_constant(base, exponent)


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf  # the overflow rule (module docstring)


def _xlogy(x, y):
    # NOTE: torch.xlogy's semantics: 0 where x == 0 (0 · log 0 is taken as
    # its limit, 0), NaN where y is NaN; elsewhere x · log(y), which needs
    # y > 0 (log's domain: raised, where torch would give -inf or NaN).
    if y != y:
        return y
    if x == 0.0:
        return 0.0
    if y <= 0.0:
        raise ValueError(
            f"xlogy() needs y > 0 where x != 0, got xlogy({x!r}, {y!r})")
    return x * math.log(y)


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


def _checked(name, function, domain, overflow=lambda *inputs: math.inf):
    """``function`` (from :mod:`math`) with its errors naming the op.

    ``domain`` says what the op needs, for the ValueError math raises;
    ``overflow(*inputs)`` is the infinity a result too large for a float
    stands for (``+inf`` unless the row says otherwise: sinh's has the sign
    of its input).
    """
    # NOTE: the overflow rule (module docstring): a finite input whose
    # result is too large for a float gives ±inf, as x * x does; math raises
    # OverflowError for cosh(1000), which is caught and turned into inf
    # (hypot(1.5e308, 1.5e308) is inf in math already). A learner whose loss
    # becomes inf is stopped by fit, naming the step.
    def forward(*inputs):
        try:
            return function(*inputs)
        except ValueError:
            shown = ", ".join(map(repr, inputs))
            raise ValueError(f"{name}() needs {domain}, got {shown}") from None
        except OverflowError:
            return overflow(*inputs)
    return forward


def _floor(x):
    # NOTE: a float, as C's floor: math.floor gives an int (and refuses inf
    # and NaN), so ±inf, NaN and ±0.0 stand for themselves.
    if x == 0.0 or not math.isfinite(x):
        return x
    return float(math.floor(x))


def _floor_divide(a, b):
    if b == 0.0:
        raise ZeroDivisionError(f"floordiv() by zero: {a!r} // {b!r}")
    return a // b


def _modulo(a, b):
    if b == 0.0:
        raise ZeroDivisionError(f"mod() by zero: {a!r} % {b!r}")
    return a % b


def _maximum(a, b):
    # NOTE: IEEE 754's maximum, as torch.maximum: NaN propagates (a + b is
    # NaN), and of two zeros +0.0 is the larger (0.0 + -0.0 is 0.0).
    if a > b:
        return a
    if b > a:
        return b
    return a + b if a == 0.0 or a != b else a


def _minimum(a, b):
    # NOTE: as _maximum; of two zeros -0.0 is the smaller (-(-a - b)).
    if a < b:
        return a
    if b < a:
        return b
    return -(-a - b) if a == 0.0 or a != b else a


def _zero(out, x):
    return (0.0,)


def _pow_constant_partials(out, base, exponent):
    exponent = float(exponent)
    # NOTE: d/dx x ** 0 is 0 everywhere, also at x = 0, where the general
    # formula would compute 0 * 0 ** -1. The power is the pow row, not
    # Python's ** (which raises OverflowError): an overflow gives inf.
    if exponent == 0.0:
        return (0.0, 0.0)
    return (exponent * pow(base, exponent - 1.0), 0.0)


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
# (power) both are differentiated, and d/dy needs log(base), so base >= 0
# (xlogy(out, base) is 0 at base 0, where out is 0). d/dx at x = 0 for
# 0 < y < 1 is infinite: power(0.0, y - 1.0) raises ZeroDivisionError.
pow = Primitive("pow", "**", 2, _pow_constant, _pow_constant_partials,
                "pow({0}, {1})", constant_inputs=(1,), syntax="**")
power = Primitive("power", "**", 2, _pow_variable,
                  lambda out, a, b: (b * power(a, b - 1.0), xlogy(out, a)),
                  "power({0}, {1})", syntax="**",
                  c_code="({0} < 0.0 ? NAN : pow({0}, {1}))")
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
sinh = Primitive("sinh", "sinh", 1,
                 _checked("sinh", math.sinh, "a number",
                          overflow=lambda x: math.copysign(math.inf, x)),
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
# NOTE: floor returns a float and has derivative 0 (as sign and step: the
# jumps at the integers have none).
floor = Primitive("floor", "floor", 1, _floor, _zero, "floor({0})")

# NOTE: the inverse functions' partials are written with (1 - x)(1 + x) and
# (x - 1)(x + 1), not 1 - x², x² - 1: exact to the last bit or so near
# x = ±1, where 1 - x * x loses the digits of x * x's rounding.
asin = Primitive("asin", "asin", 1, _checked("asin", math.asin, "an input in [-1, 1]"),
                 lambda out, x: (1.0 / sqrt((1.0 - x) * (1.0 + x)),), "asin({0})")
acos = Primitive("acos", "acos", 1, _checked("acos", math.acos, "an input in [-1, 1]"),
                 lambda out, x: (-1.0 / sqrt((1.0 - x) * (1.0 + x)),), "acos({0})")
acosh = Primitive("acosh", "acosh", 1, _checked("acosh", math.acosh, "an input >= 1"),
                  lambda out, x: (1.0 / sqrt((x - 1.0) * (x + 1.0)),), "acosh({0})")
atanh = Primitive("atanh", "atanh", 1, _checked("atanh", math.atanh, "an input in (-1, 1)"),
                  lambda out, x: (1.0 / ((1.0 - x) * (1.0 + x)),), "atanh({0})")
log1p = Primitive("log1p", "log1p", 1, _checked("log1p", math.log1p, "an input > -1"),
                  lambda out, x: (1.0 / (1.0 + x),), "log1p({0})")
log2 = Primitive("log2", "log2", 1, _checked("log2", math.log2, "a positive input"),
                 lambda out, x: (1.0 / (x * math.log(2.0)),), "log2({0})")
log10 = Primitive("log10", "log10", 1, _checked("log10", math.log10, "a positive input"),
                  lambda out, x: (1.0 / (x * math.log(10.0)),), "log10({0})")
# NOTE: atan2(y, x) is the angle of the point (x, y), y first as in math;
# at (0, 0) both partials divide by zero and raise.
atan2 = Primitive("atan2", "atan2", 2, math.atan2,
                  lambda out, y, x: (x / (x * x + y * y), -y / (x * x + y * y)),
                  "atan2({0}, {1})")
hypot = Primitive("hypot", "hypot", 2, math.hypot,
                  lambda out, x, y: (x / out, y / out), "hypot({0}, {1})")
xlogy = Primitive("xlogy", "xlogy", 2, _xlogy,
                  lambda out, x, y: (log(y), x / y), "xlogy({0}, {1})",
                  c_code="({1} != {1} ? {1} : {0} == 0.0 ? 0.0 : {0} * log({1}))")
# NOTE: at a tie (a == b) maximum and minimum split the gradient 0.5 / 0.5,
# as torch.maximum and JAX do: 0.5 ± 0.5 · sign(a - b) is 1 or 0 off the
# tie and 0.5 on it, exactly, on floats, Values and compiled code alike.
maximum = Primitive("maximum", "maximum", 2, _maximum,
                    lambda out, a, b: (0.5 + 0.5 * sign(a - b), 0.5 - 0.5 * sign(a - b)),
                    "maximum({0}, {1})",
                    c_code="({0} > {1} ? {0} : {1} > {0} ? {1} : "
                           "({0} == 0.0 || {0} != {1}) ? {0} + {1} : {0})")
minimum = Primitive("minimum", "minimum", 2, _minimum,
                    lambda out, a, b: (0.5 - 0.5 * sign(a - b), 0.5 + 0.5 * sign(a - b)),
                    "minimum({0}, {1})",
                    c_code="({0} < {1} ? {0} : {1} < {0} ? {1} : "
                           "({0} == 0.0 || {0} != {1}) ? -(-{0} - {1}) : {0})")

# NOTE: // and % are exactly Python's float operators, whose C is not C's
# fmod: the remainder takes the divisor's sign (as torch.remainder), and
# the quotient is CPython's float_floor_div, replayed in c_support. a // b
# is piecewise constant (partials 0). a % b = a - b · (a // b) has partials
# (1, -(a // b)), written with the floordiv row: floor(a / b) would differ
# (1 % 0.1: 1 // 0.1 is 9.0, floor(1 / 0.1) is 10.0). At a jump (a an exact
# multiple of b) the derivative is that of the right-hand piece (in a / b:
# the piece where a // b already has its new value), as torch does.
_DIVISION_IN_C = """\
static inline double chainrule_mod(double a, double b)
{
    double mod = fmod(a, b);
    if (mod != 0.0) {
        if ((b < 0.0) != (mod < 0.0))
            mod += b;
    } else {
        mod = copysign(0.0, b);
    }
    return mod;
}

static inline double chainrule_floordiv(double a, double b)
{
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0.0 && (b < 0.0) != (mod < 0.0))
        div -= 1.0;
    if (div != 0.0) {
        double quotient = floor(div);
        if (div - quotient > 0.5)
            quotient += 1.0;
        return quotient;
    }
    return copysign(0.0, a / b);
}
"""
floordiv = Primitive("floordiv", "//", 2, _floor_divide,
                     lambda out, a, b: (0.0, 0.0), "floordiv({0}, {1})", syntax="//",
                     c_code="chainrule_floordiv({0}, {1})", c_support=_DIVISION_IN_C)
mod = Primitive("mod", "%", 2, _modulo,
                lambda out, a, b: (1.0, -floordiv(a, b)), "mod({0}, {1})", syntax="%",
                c_code="chainrule_mod({0}, {1})", c_support=_DIVISION_IN_C)

PRIMITIVES = (add, sub, mul, div, pow, power, neg, floordiv, mod,
              exp, log, sqrt, tanh, sigmoid, softplus, sin, cos, relu, abs,
              tan, sinh, cosh, atan, asinh, expm1, exp2,
              sign, step, floor,
              asin, acos, acosh, atanh, log1p, log2, log10,
              atan2, hypot, xlogy, maximum, minimum)

# The rows called by name, of any arity: each is a Value method, a function
# of the package and of chainrule graph's formulas.
FUNCTIONS = tuple(row for row in PRIMITIVES if row.syntax is None)
