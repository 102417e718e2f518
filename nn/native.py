"""The native training step of an MLP: loops from the model's structure,
element math from the op table.

:class:`NativeMLPStep` runs one training step of an :class:`~nn.modules.MLP`
(forward pass over a batch, the loss, backpropagation, the L2 penalty and
the optimizer's update) as one call of C code it writes and compiles once
for the model's shape. What it prints and where each piece comes from:

* **the loops** come from the model's structure: each layer is a product
  of its weights with the batch, written as loops over the rows of the
  batch (``dense_forward``, ``dense_weight_grad``, ``dense_input_grad``
  below), the same text for every width. The source does not grow with
  the width of a layer, so a wide network compiles as fast as a narrow one;
* **each activation** is its row of the op table printed in C
  (:func:`autograd.compiler.native.c_row_functions`): the row's ``c_code``
  for the forward value, its ``partials`` evaluated on C text for the
  derivative;
* **the loss** of one example is traced once per label on leaves standing
  for the predictions (and a real target), and that small graph prints
  itself in C with its gradient (:func:`autograd.compiler.native.emit_c_gradient`):
  again the table's rows and partials. A Python decision the loss takes on
  a prediction (binary cross-entropy's range check and its clamp at
  e^-100) is frozen at the trace and checked at every example: where it
  would go the other way, the step replays on Python;
* **the L2 penalty** is :func:`nn.losses.l2_penalty` traced on one
  parameter, printed the same way;
* **the update** is the optimizer's own ``update`` rule (its one
  definition, see :mod:`nn.optim`) evaluated on C text.

Numbers. The data set is copied into native memory once; a step gets the
positions of its rows. Activations are stored feature by feature, so every
inner loop runs along the rows of the batch and vectorises; the batch is
padded to a multiple of ``LANES`` rows with copies of its first row, whose
gradient is 0. The code is compiled with ``-O3 -march=native`` and fused
multiply-adds, never with ``-ffast-math``: a neuron's sum is eager's, term
by term in the same order, each product and addition rounded once instead
of twice; sums over the rows of a batch are taken in ``LANES`` running
sums. Results agree with eager float64 to about 1e-15 relative per step
(the tests hold them to 1e-12 over whole runs); they are not bit for bit
eager's.

Errors stay the table's: a step that meets a value Python would refuse (a
non-finite activation, loss or update, a frozen decision that changes)
stores nothing and returns None, and the caller replays it on the Python
path, which raises the table's named error or computes what eager code
computes. Parameters and optimizer state stay in native memory between
steps: :meth:`NativeMLPStep.sync` writes them to the model and the
optimizer, :meth:`NativeMLPStep.reload` reads them back.
"""

from __future__ import annotations

import array
import ctypes
import itertools
import re
import warnings

from autograd import Value
from autograd import extend as native
from autograd.extend import CSource, TraceWarning, tracing

from . import losses
from .modules import ACTIVATIONS, MLP

LANES = 8  # rows per vector of running sums; the batch is padded to a multiple

# NOTE: -ffp-contract=fast fuses a * b + c into one rounding (FMA); no
# -ffast-math: every sum keeps the order the source gives it.
FLAGS = "-O3 -march=native -ffp-contract=fast"
PORTABLE_FLAGS = "-O3 -ffp-contract=fast"  # for a compiler that refuses -march=native

# How an example counts as classified right, in C, for each loss's own
# ``predict`` rule: ``pred`` holds the model's outputs, ``target`` the label
# (Python's max(range(n), key=...) keeps the first of equal largest logits).
PREDICTIONS = {
    losses.hinge.predict: "(pred[0] > 0.0 ? 1.0 : -1.0) == target",
    losses.bce_with_logits.predict: "(pred[0] > 0.0 ? 1.0 : 0.0) == target",
    losses.binary_cross_entropy.predict: "(pred[0] > 0.5 ? 1.0 : 0.0) == target",
    losses.cross_entropy.predict: "argmax(pred, outputs) == (int64_t)target",
}

# The labels a loss of each target kind is traced for (a class loss: every
# class index), and the value the predictions are traced at.
LABELS = {"sign": (-1, 1), "binary": (0, 1)}
TRACE_POINT = 0.5


def _labels(loss, outputs):
    if loss.target == "class":
        return tuple(range(outputs))
    return LABELS.get(loss.target, (None,))


# The one product of every layer, forward and backward, as a tile of NM rows
# by NV vectors of LANES columns, one function for each shape used (its
# sums then stay in registers).
_TILE = r"""
/* out[m][col] = first[m] + sum_k c[m * cm + k * ck] * src[k * sk + col]
   for m < {NM} and {NV} vectors of columns (first NULL: 0.0), each sum in
   the order of k, of which there are count; only the first `valid`
   columns are stored. */
static inline void tile_{NM}x{NV}(int64_t count, const double *restrict c, int64_t cm,
                                int64_t ck, const double *restrict first, int64_t fm,
                                const double *restrict src, int64_t sk, double *restrict out,
                                int64_t om, int64_t valid)
{{
    vec s[{NM}][{NV}];
    for (int m = 0; m < {NM}; ++m)
        for (int v = 0; v < {NV}; ++v)
            s[m][v] = (vec){{0}} + (first ? first[m * fm] : 0.0);
    for (int64_t k = 0; k < count; ++k) {{
        vec a[{NV}];
        for (int v = 0; v < {NV}; ++v)
            a[v] = load(src + k * sk + v * LANES);
        for (int m = 0; m < {NM}; ++m) {{
            const double factor = c[m * cm + k * ck];
            for (int v = 0; v < {NV}; ++v)
                s[m][v] += factor * a[v];
        }}
    }}
    for (int m = 0; m < {NM}; ++m)
        for (int v = 0; v < {NV}; ++v) {{
            if (valid >= (v + 1) * LANES)
                store(out + m * om + v * LANES, s[m][v]);
            else
                for (int k = 0; k < LANES && v * LANES + k < valid; ++k)
                    out[m * om + v * LANES + k] = s[m][v][k];
        }}
}}
"""
TILES = ((8, 2), (8, 1), (1, 2), (1, 1))

_HEADER = r"""
#include <string.h>

#define LANES {lanes}
/* the loops are compiled once each, not once per layer: half the compile time */
#define NOINLINE __attribute__((noinline))

struct kernel {{
    int64_t rows, capacity;
    const double *x, *target;
    const int64_t *trace;
    double *param, *param_next, *state, *state_next, *shared, *shared_next;
    double *grad, *work;
    const double *lr;
    int64_t *started;
    const int64_t *positions;
    double objective, data_loss;
    int64_t correct;
}};

static inline int64_t argmax(const double *pred, int64_t outputs)
{{
    int64_t best = 0;
    for (int64_t k = 1; k < outputs; ++k)
        if (pred[k] > pred[best])
            best = k;
    return best;
}}

typedef double vec __attribute__((vector_size(8 * LANES)));

static inline vec load(const double *p)
{{
    vec v;
    memcpy(&v, p, sizeof v);
    return v;
}}

static inline void store(double *p, vec v)
{{
    memcpy(p, &v, sizeof v);
}}

static inline double lane_sum(vec s)
{{
    double total = 0.0;
    for (int k = 0; k < LANES; ++k)
        total += s[k];
    return total;
}}

{tiles}
/* out[m][col] for every m < rows and col < columns (see tile): eight rows
   by two vectors at a time, then what is left. */
static NOINLINE void products(int64_t rows, int64_t columns, int64_t count,
                              const double *restrict c, int64_t cm, int64_t ck,
                              const double *restrict first, int64_t fm,
                              const double *restrict src, int64_t sk, double *restrict out,
                              int64_t om, int64_t valid)
{{
    int64_t m = 0;
    for (; m + 8 <= rows; m += 8) {{
        int64_t col = 0;
        for (; col + 2 * LANES <= columns; col += 2 * LANES)
            tile_8x2(count, c + m * cm, cm, ck, first ? first + m * fm : 0, fm, src + col,
                 sk, out + m * om + col, om, valid - col);
        if (col < columns)
            tile_8x1(count, c + m * cm, cm, ck, first ? first + m * fm : 0, fm, src + col,
                 sk, out + m * om + col, om, valid - col);
    }}
    for (; m < rows; ++m) {{
        int64_t col = 0;
        for (; col + 2 * LANES <= columns; col += 2 * LANES)
            tile_1x2(count, c + m * cm, cm, ck, first ? first + m * fm : 0, fm, src + col,
                 sk, out + m * om + col, om, valid - col);
        if (col < columns)
            tile_1x1(count, c + m * cm, cm, ck, first ? first + m * fm : 0, fm, src + col,
                 sk, out + m * om + col, om, valid - col);
    }}
}}

/* out[j][r] = w[j][nin] + sum_i w[j][i] * in[i][r]: the bias, then the
   products in the order of the inputs, as a Neuron sums them. */
static void dense_forward(int64_t nin, int64_t nout, int64_t R, const double *restrict w,
                          const double *restrict in, double *restrict out)
{{
    products(nout, R, nin, w, nin + 1, 1, w + nin, nin + 1, in, R, out, R, R);
}}

/* g[j][i] = sum_r dz[j][r] * in[i][r] and g[j][nin] = sum_r dz[j][r]:
   the gradients of a layer's weights and biases: the weights' sums over
   the rows in order, the biases' in LANES running sums. The inputs are
   first turned row by row into t (padded to LANES columns with 0.0), so
   the sums run along the inputs. */
static void dense_weight_grad(int64_t nin, int64_t nout, int64_t R, const double *restrict dz,
                              const double *restrict in, double *restrict g,
                              double *restrict t)
{{
    const int64_t width = (nin + LANES - 1) / LANES * LANES;
    for (int64_t r = 0; r < R; ++r)
        for (int64_t i = 0; i < width; ++i)
            t[r * width + i] = i < nin ? in[i * R + r] : 0.0;
    for (int64_t j = 0; j < nout; ++j) {{
        vec bias = {{0}};
        for (int64_t r = 0; r < R; r += LANES)
            bias += load(dz + j * R + r);
        g[j * (nin + 1) + nin] = lane_sum(bias);
    }}
    products(nout, width, R, dz, R, 1, 0, 0, t, width, g, nin + 1, nin);
}}

/* din[i][r] = sum_j w[j][i] * dz[j][r]: the gradient of a layer's inputs. */
static void dense_input_grad(int64_t nin, int64_t nout, int64_t R, const double *restrict w,
                             const double *restrict dz, double *restrict din)
{{
    products(nin, R, nout, w, 1, nin + 1, 0, 0, dz, R, din, R, R);
}}
"""

_ENTRY = r"""
/* 0: done; 1: a value Python would refuse (replay on Python, nothing
   stored); 2: a row position outside the data set or too many rows. */
int chainrule_train(struct kernel *kernel, const int64_t *rows, int64_t count)
{{
    const int64_t R = (count + LANES - 1) / LANES * LANES;
    if (count < 1 || R > kernel->capacity)
        return 2;
    for (int64_t r = 0; r < count; ++r)
        if (rows[r] < 0 || rows[r] >= kernel->rows)
            return 2;
    const double *restrict param = kernel->param;
    double *restrict grad = kernel->grad;
    double *restrict work = kernel->work;
    double check = 0.0;
    double lanes[LANES] = {{0.0}};
{body}
}}
"""


def _activation_block(name):
    """C loops applying an activation (``name``, its forward, and
    ``name_partial0``, its partial) to ``count`` values."""
    return f"""
static void activate_{name}(int64_t count, const double *restrict z, double *restrict a,
                            double *restrict lanes)
{{
    for (int64_t e = 0; e < count; e += LANES)
        for (int k = 0; k < LANES; ++k) {{
            const double v = {name}(z[e + k]);
            a[e + k] = v;
            lanes[k] += v - v;
        }}
}}

static void backward_{name}(int64_t count, const double *restrict z, const double *restrict a,
                            double *restrict d)
{{
    for (int64_t e = 0; e < count; ++e)
        d[e] = {name}_partial0(a[e], z[e]) * d[e];
}}
"""



def _c_name(label) -> str:
    return "loss_real" if label is None else f"loss_{label}".replace("-", "minus_")


def _loss_functions(loss, outputs) -> str:
    """Each label's loss of one example as a C function (see
    :func:`autograd.compiler.native.emit_c_gradient`): the predictions are
    its parameters, a real target its one input."""
    functions = []
    for label in _labels(loss, outputs):
        predictions = [Value(TRACE_POINT, f"prediction{k}") for k in range(outputs)]
        inputs = [Value(TRACE_POINT, "target")] if label is None else []
        target = inputs[0] if inputs else label
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TraceWarning)  # checked in C: the decisions
            with tracing() as decisions:
                try:
                    value = loss.unchecked(predictions[0] if outputs == 1 else predictions,
                                           target)
                except (TypeError, ValueError, ArithmeticError) as error:
                    raise native.NativeUnavailable(
                        f"the loss {loss.__name__} does not take {outputs} predictions "
                        f"({error})") from None
        if not isinstance(value, Value):
            raise native.NativeUnavailable(
                f"the loss {loss.__name__} returned {type(value).__name__}, not a Value")
        functions.append(native.emit_c_gradient(_c_name(label), value, inputs, predictions,
                                                decisions))
    return "\n".join(functions)


def _penalty_function(l2) -> str:
    """``l2_penalty`` of one parameter, with its gradient, as the C function ``penalty``."""
    parameter = Value(TRACE_POINT, "parameter")
    return native.emit_c_gradient("penalty", losses.l2_penalty([parameter], l2), [],
                                  [parameter])


def _update_forms(optimizer, group) -> tuple:
    """The optimizer's update rule of ``group`` evaluated on C text, on the
    first step (no state yet) and after: ``(state keys, first, after)``,
    each form ``(new value, {key: new state})`` as C expressions over ``p``
    (the value), ``g`` (the gradient), ``lr`` and ``s_<key>`` (the state)."""
    options = {name: value for name, value in group.items() if name != "params"}
    options["lr"] = CSource("lr")

    def evaluate(state):
        value = optimizer.update(CSource("p"), CSource("g"), state, options)
        return CSource.constant(value) if isinstance(value, float) else value, state

    try:
        first = evaluate({})
        keys = tuple(first[1])
        after = evaluate({key: CSource(f"s_{key}") for key in keys})
    except (TypeError, ValueError, native.NativeUnavailable) as error:
        raise native.NativeUnavailable(
            f"{type(optimizer).__name__}.update does not print itself in C ({error})") from None
    if tuple(after[1]) != keys:
        raise native.NativeUnavailable(
            f"{type(optimizer).__name__}.update keeps other state after its first step")
    return keys, first, after


def _text(x) -> str:
    return (x if isinstance(x, CSource) else CSource.constant(x)).text


class _Layout:
    """Where things are: the model's sizes and activations, the parameters'
    offsets, the optimizer's state."""

    def __init__(self, model, optimizer, parameters):
        self.sizes = [model.nin, *model.nouts]
        self.activations = [ACTIVATIONS[layer.activation] for layer in model.layers]
        self.offsets = [0]
        for nin, nout in itertools.pairwise(self.sizes):
            self.offsets.append(self.offsets[-1] + nout * (nin + 1))
        self.count = self.offsets[-1]
        self.padded = -(-self.count // LANES) * LANES
        self.widest = -(-max(self.sizes) // LANES) * LANES  # the E buffer: transposes too
        positions = {parameter: index for index, parameter in enumerate(parameters)}
        self.groups = [[positions[p] for p in group["params"]] for group in optimizer.param_groups]
        self.forms = [_update_forms(optimizer, group) for group in optimizer.param_groups]
        self.maximize = [group.get("maximize", False) for group in optimizer.param_groups]
        counters = set(type(optimizer).counters)
        self.keys = list(dict.fromkeys(key for keys, _, _ in self.forms for key in keys
                                       if key not in counters))
        self.counters = list(dict.fromkeys(key for keys, _, _ in self.forms for key in keys
                                           if key in counters))
        for _, _, (_, state) in self.forms:
            for key in self.counters:
                names = set(re.findall(r"\b[a-z_]+\b", _text(state[key]))) - {"pow", "sqrt"}
                if not names <= {f"s_{counter}" for counter in self.counters}:
                    raise native.NativeUnavailable(
                        f"the optimizer's counter {key!r} depends on more than the counters")

    def work_size(self, rows) -> int:
        """Doubles of scratch for ``rows`` (padded) rows."""
        layers = sum(2 * size for size in self.sizes[1:])
        return rows * (self.sizes[0] + layers + 2 * self.widest)


def _source(layout, loss, predict, l2) -> str:
    """The C of the whole step for this model, loss, penalty and optimizer."""
    rows = [row for row in dict.fromkeys(layout.activations) if row is not None]
    support = "".join(native.c_row_functions(row, f"act_{row.name}") + "\n" +
                      _activation_block(f"act_{row.name}") for row in rows)
    outputs = layout.sizes[-1]
    labels = _labels(loss, outputs)
    functions = [support, _loss_functions(loss, outputs)]
    if l2:
        functions.append(_penalty_function(l2))
    body = _body(layout, labels, PREDICTIONS.get(predict), l2)
    tiles = "".join(_TILE.format(NM=rows, NV=vectors) for rows, vectors in TILES)
    return "\n".join([native.PRELUDE, _HEADER.format(lanes=LANES, tiles=tiles), *functions,
                      _ENTRY.format(body=body)])


def _body(layout, labels, prediction, l2) -> str:
    sizes, offsets, widest = layout.sizes, layout.offsets, layout.widest
    last = len(sizes) - 1
    lines = ["double *A0 = work;"]
    end = f"A0 + {sizes[0]} * R"
    for layer in range(1, last + 1):
        lines.append(f"double *Z{layer} = {end};")
        if layout.activations[layer - 1] is None:
            lines.append(f"double *A{layer} = Z{layer};")
        else:
            lines.append(f"double *A{layer} = Z{layer} + {sizes[layer]} * R;")
        end = f"Z{layer} + {2 * sizes[layer]} * R"
    lines += [
        f"double *D = {end}, *E = D + {widest} * R;",
        "/* the batch, feature by feature, padded with its first row */",
        "for (int64_t r = 0; r < R; ++r) {",
        "    const double *x = kernel->x + rows[r < count ? r : 0] * " f"{sizes[0]};",
        f"    for (int64_t i = 0; i < {sizes[0]}; ++i)",
        "        A0[i * R + r] = x[i];",
        "}",
    ]
    for layer in range(1, last + 1):
        row = layout.activations[layer - 1]
        lines.append(f"dense_forward({sizes[layer - 1]}, {sizes[layer]}, R, "
                     f"param + {offsets[layer - 1]}, A{layer - 1}, Z{layer});")
        if row is not None:
            lines.append(f"activate_act_{row.name}({sizes[layer]} * R, Z{layer}, A{layer}, "
                         f"lanes);")
    cases = "".join(f"        case {number}: value = {_c_name(label)}(&target, pred, gradient, "
                    f"dpred, &check); break;\n" for number, label in enumerate(labels))
    outputs = sizes[last]
    lines += [
        "/* the loss of each example and its gradient: the mean's share, 1 / count */",
        "const double gradient = 1.0 / (double)count;",
        "double data_sum = 0.0;",
        "int64_t correct = 0;",
        f"double pred[{outputs}], dpred[{outputs}];",
        f"const int64_t outputs = {outputs};",
        "(void)outputs;",
        "for (int64_t r = 0; r < count; ++r) {",
        "    const int64_t row = rows[r];",
        f"    for (int64_t k = 0; k < {outputs}; ++k)",
        f"        pred[k] = A{last}[k * R + r];",
        "    const double target = kernel->target[row];",
        "    double value;",
        "    switch (kernel->trace[row]) {",
        cases + "        default: return 1;",
        "    }",
        "    data_sum += value;",
        f"    correct += {prediction or '0'};",
        f"    for (int64_t k = 0; k < {outputs}; ++k)",
        "        D[k * R + r] = dpred[k];",
        "}",
        "for (int64_t r = count; r < R; ++r)",
        f"    for (int64_t k = 0; k < {outputs}; ++k)",
        "        D[k * R + r] = 0.0;",
    ]
    for layer in range(last, 0, -1):
        row = layout.activations[layer - 1]
        if row is not None:
            lines.append(f"backward_act_{row.name}({sizes[layer]} * R, Z{layer}, A{layer}, D);")
        lines.append(f"dense_weight_grad({sizes[layer - 1]}, {sizes[layer]}, R, D, "
                     f"A{layer - 1}, grad + {offsets[layer - 1]}, E);")
        if layer > 1:
            lines += [f"dense_input_grad({sizes[layer - 1]}, {sizes[layer]}, R, "
                      f"param + {offsets[layer - 1]}, D, E);",
                      "{ double *swap = D; D = E; E = swap; }"]
    lines.append("double penalty_total = 0.0;")
    if l2:
        lines += [
            "/* the L2 penalty and its gradient, parameter by parameter */",
            "{",
            "    vec sums = {0};",
            f"    for (int64_t i = 0; i < {layout.padded}; i += LANES)",
            "        for (int k = 0; k < LANES; ++k) {",
            "            double slope;",
            "            sums[k] += penalty(param + i + k, param + i + k, 1.0, &slope, &check);",
            "            grad[i + k] += slope;",
            "        }",
            "    penalty_total = lane_sum(sums);",
            "}",
        ]
    lines += [
        "for (int k = 0; k < LANES; ++k)",
        "    check += lanes[k];",
        "const double data_loss = data_sum / (double)count;",
        "const double objective = data_loss + penalty_total;",
        "if (check != 0.0 || objective - objective != 0.0)",
        "    return 1;",
        "double *restrict param_next = kernel->param_next;",
        "const double *restrict state = kernel->state;",
        "double *restrict state_next = kernel->state_next;",
        "const double *restrict shared = kernel->shared;",
        "double *restrict shared_next = kernel->shared_next;",
        "(void)state; (void)state_next; (void)shared; (void)shared_next;",
    ]
    lines += _update_lines(layout)
    stored = len(layout.keys) * layout.padded
    counters = len(layout.counters) * len(layout.groups)
    lines += [
        "/* every new value and state finite, or nothing is stored */",
        "for (int64_t i = 0; i < " f"{layout.padded}; i += LANES)",
        "    for (int k = 0; k < LANES; ++k)",
        "        lanes[k] += param_next[i + k] - param_next[i + k];",
        f"for (int64_t i = 0; i < {stored}; i += LANES)",
        "    for (int k = 0; k < LANES; ++k)",
        "        lanes[k] += state_next[i + k] - state_next[i + k];",
        f"for (int64_t i = 0; i < {counters}; ++i)",
        "    check += shared_next[i] - shared_next[i];",
        "for (int k = 0; k < LANES; ++k)",
        "    check += lanes[k];",
        "if (check != 0.0)",
        "    return 1;",
        "{ double *swap = kernel->param; kernel->param = kernel->param_next; "
        "kernel->param_next = swap; }",
        "{ double *swap = kernel->state; kernel->state = kernel->state_next; "
        "kernel->state_next = swap; }",
        "{ double *swap = kernel->shared; kernel->shared = kernel->shared_next; "
        "kernel->shared_next = swap; }",
        f"for (int64_t g = 0; g < {len(layout.groups)}; ++g)",
        "    kernel->started[g] = 1;",
        "kernel->objective = objective;",
        "kernel->data_loss = data_loss;",
        "kernel->correct = correct;",
        "return 0;",
    ]
    return "\n".join(f"    {line}" for line in lines)


def _update_lines(layout) -> list:
    """Each group's update, on its first step and after, from the optimizer's rule."""
    lines = []
    counters = len(layout.counters)
    start = 0
    for number, (positions, (keys, first, after)) in enumerate(zip(layout.groups,
                                                                   layout.forms)):
        if positions == list(range(positions[0], positions[0] + len(positions))):
            stop = positions[0] + len(positions)
            loop = [f"for (int64_t i = {positions[0]}; i < {stop}; ++i) {{"]
        else:  # the group's positions, from kernel->positions
            loop = [f"for (int64_t t = {start}; t < {start + len(positions)}; ++t) {{",
                    "    const int64_t i = kernel->positions[t];"]
        start += len(positions)
        slot_of = {key: number * counters + layout.counters.index(key)
                   for key in keys if key in layout.counters}
        offset_of = {key: layout.keys.index(key) * layout.padded
                     for key in keys if key not in layout.counters}
        lines += [f"/* parameter group {number} */", "{",
                  f"    const double lr = kernel->lr[{number}];", "    (void)lr;"]
        for condition, (value, state) in ((f"if (kernel->started[{number}])", after),
                                          ("else", first)):
            lines += [f"    {condition} {{",
                      *(f"        const double s_{key} = shared[{slot}];"
                        for key, slot in slot_of.items()),
                      *(f"        {line}" for line in loop),
                      "            const double p = param[i];",
                      f"            const double g = {'-' if layout.maximize[number] else ''}"
                      "grad[i];",
                      "            (void)p; (void)g;",
                      *(f"            const double s_{key} = state[{offset} + i];"
                        for key, offset in offset_of.items()),
                      f"            param_next[i] = {_text(value)};",
                      *(f"            state_next[{offset} + i] = {_text(state[key])};"
                        for key, offset in offset_of.items()),
                      "        }",
                      *(f"        shared_next[{slot}] = {_text(state[key])};"
                        for key, slot in slot_of.items()),
                      "    }"]
        lines.append("}")
    return lines


_P, _I, _D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double


class _Kernel(ctypes.Structure):
    """``struct kernel`` of the C source, field for field."""

    _fields_ = [("rows", _I), ("capacity", _I),
                *((name, _P) for name in ("x", "target", "trace", "param", "param_next",
                                          "state", "state_next", "shared", "shared_next",
                                          "grad", "work", "lr", "started", "positions")),
                ("objective", _D), ("data_loss", _D), ("correct", _I)]


def _address(buffer: array.array) -> int:
    return buffer.buffer_info()[0]


def _zeros(typecode, count) -> array.array:
    return array.array(typecode, bytes(8 * max(1, count)))


class NativeMLPStep:
    """One training step of an MLP in native code (the module docstring
    says how it is written): the C engine behind ``nn.Step``.

    Made once for a model, loss, optimizer, penalty and data set (the data
    is copied into native memory here); each call ``step(rows)`` updates the
    parameters, held in native memory, on the rows at those positions
    (None: every row, in order) at each group's current ``lr``, and returns
    ``(objective, data_loss, correct)`` as eager training computes them
    before the update (``correct`` None without a ``predict`` rule). None
    means the step met a value Python would refuse: nothing changed, and the
    caller replays it on the Python path. :meth:`sync` writes parameters and
    optimizer state to the model and the optimizer; :meth:`reload` reads
    them back (after a step on the Python path, say).
    """

    @staticmethod
    def unsupported(model, loss, optimizer, predict) -> str | None:
        """Why this engine cannot run the step, or None if it can."""
        if not isinstance(model, MLP):
            return f"the model is a {type(model).__name__}, not an nn.MLP"
        if not isinstance(loss, losses.Loss):
            return "the loss is not one of nn.losses (a Loss)"
        if predict is not None and predict not in PREDICTIONS:
            return "the predict rule is not a loss's own"
        if not type(optimizer).native:
            return f"{type(optimizer).__name__} does not declare a native update"
        if set(optimizer.params) != set(model.parameters()):
            return "the optimizer does not hold exactly the model's parameters"
        try:
            native.find_compiler()
            _Layout(model, optimizer, model.parameters())
            _loss_functions(loss, model.nouts[-1])
        except native.NativeUnavailable as reason:
            return str(reason)
        return None

    # NOTE: a step this one refuses is replayed on eager backpropagation,
    # which raises the table's error; a wide model is so spared compiling the
    # trace-based C (minutes at width 256) for a step that rarely comes.
    replays_on = "eager"

    @classmethod
    def made_for(cls, step):
        """The native step of ``step`` (an :class:`nn.Step`)."""
        return cls(step.model, step.loss, step.optimizer, step.X, step.y, l2=step.l2,
                   predict=step.predict)

    def __init__(self, model, loss, optimizer, X, y, *, l2=0.0, predict=None):
        self.arguments = (model, loss, optimizer, X, y), {"l2": l2, "predict": predict}
        self.model, self.optimizer, self.predict = model, optimizer, predict
        self.parameters = model.parameters()
        self.layout = layout = _Layout(model, optimizer, self.parameters)
        self.options = self._options()
        labels = _labels(loss, layout.sizes[-1])
        self.source = _source(layout, loss, predict, l2)
        try:
            functions, self.compile_seconds = native.build_and_load(self.source, FLAGS,
                                                                    ["chainrule_train"])
        except native.NativeUnavailable:  # a compiler without -march=native
            functions, self.compile_seconds = native.build_and_load(
                self.source, PORTABLE_FLAGS, ["chainrule_train"])
        self.function = functions["chainrule_train"]
        self.function.argtypes = [_P, _P, _I]
        self.function.restype = ctypes.c_int
        count = len(y)
        number_of = {label: number for number, label in enumerate(labels)}
        self.x = array.array("d", itertools.chain.from_iterable(X))
        self.target = array.array("d", map(float, y))
        self.trace = array.array("q", [0] * count if labels == (None,) else
                                 [number_of[label] for label in y])
        self.every_row = array.array("q", range(count))
        self.buffers = {name: _zeros("d", size) for name, size in (
            ("param", layout.padded), ("param_next", layout.padded),
            ("state", len(layout.keys) * layout.padded),
            ("state_next", len(layout.keys) * layout.padded),
            ("shared", len(layout.counters) * len(layout.groups)),
            ("shared_next", len(layout.counters) * len(layout.groups)),
            ("grad", layout.padded))}
        self.lr = _zeros("d", len(layout.groups))
        self.started = _zeros("q", len(layout.groups))
        self.positions = array.array("q", itertools.chain.from_iterable(layout.groups))
        self.kernel = _Kernel(rows=count, x=_address(self.x), target=_address(self.target),
                              trace=_address(self.trace), lr=_address(self.lr),
                              started=_address(self.started),
                              positions=_address(self.positions),
                              **{name: _address(buffer) for name, buffer in self.buffers.items()})
        self.pointer = ctypes.addressof(self.kernel)
        self._allocate(count)
        self.usable = True
        self.reload()

    def _options(self) -> list:
        """Every group's options but lr (which the C reads at each step), in order."""
        return [value for group in self.optimizer.param_groups
                for name, value in group.items() if name not in ("params", "lr")]

    def _allocate(self, rows):
        padded = -(-rows // LANES) * LANES
        self.work = _zeros("d", self.layout.work_size(padded))
        self.kernel.work, self.kernel.capacity = _address(self.work), padded

    def __call__(self, rows=None):
        """One step on the rows at positions ``rows`` (None: all, in order):
        ``(objective, data_loss, correct)``, or None (see the class docstring)."""
        groups = self.optimizer.param_groups
        if len(groups) != len(self.lr) or self._options() != self.options:
            self._rebuild()
        if not self.usable:
            return None
        for number, group in enumerate(groups):
            self.lr[number] = group["lr"]
        if rows is None:
            positions = self.every_row
        else:
            positions = array.array("q", rows)
            if len(positions) > self.kernel.capacity:
                self._allocate(len(positions))
        status = self.function(self.pointer, _address(positions), len(positions))
        if status == 2:
            raise IndexError(
                f"rows must be positions of the data set's {self.kernel.rows} rows "
                f"(0 to {self.kernel.rows - 1}), at least one")
        if status:
            return None
        kernel = self.kernel
        return (kernel.objective, kernel.data_loss,
                kernel.correct if self.predict is not None else None)

    def _rebuild(self):
        """Made again for the optimizer's new options or groups (the C form
        of its update has them as constants), or unusable if it no longer fits."""
        self.sync()
        (model, loss, optimizer, *_), _ = arguments, keywords = self.arguments
        if self.unsupported(model, loss, optimizer, keywords["predict"]) is not None:
            self.usable, self.options = False, self._options()
            return
        self.__init__(*arguments, **keywords)

    def _current(self, name) -> array.array:
        """The buffer that holds ``name`` now (the kernel swaps them at each step)."""
        buffer = self.buffers[name]
        return buffer if getattr(self.kernel, name) == _address(buffer) \
            else self.buffers[f"{name}_next"]

    def sync(self):
        """Native parameters and optimizer state -> the model's Values and ``optimizer.state``."""
        layout = self.layout
        values, state, shared = (self._current(name) for name in ("param", "state", "shared"))
        for parameter, value in zip(self.parameters, values):
            parameter.data = value
        for number, (positions, (keys, _, _)) in enumerate(zip(layout.groups, layout.forms)):
            for position in positions:
                entry = {}
                if self.started[number]:
                    for key in keys:
                        if key in layout.counters:
                            slot = number * len(layout.counters) + layout.counters.index(key)
                            entry[key] = shared[slot]
                        else:
                            entry[key] = state[layout.keys.index(key) * layout.padded + position]
                self.optimizer.state[self.parameters[position]] = entry

    def reload(self):
        """The model's Values and ``optimizer.state`` -> native memory."""
        layout, parameters = self.layout, self.parameters
        values, state, shared = (self._current(name) for name in ("param", "state", "shared"))
        values[:len(parameters)] = array.array("d", [p.data for p in parameters])
        self.usable = True
        every_state = self.optimizer.state
        for number, (positions, (keys, _, _)) in enumerate(zip(layout.groups, layout.forms)):
            entries = [every_state.get(parameters[p]) or {} for p in positions]
            started = bool(entries[0])
            expected = set(keys) if started else set()
            if any(entry.keys() != expected for entry in entries):
                self.usable = False  # state the C form does not keep: Python steps
                continue
            self.started[number] = started
            for key in keys if started else ():
                if key in layout.counters:
                    if len({entry[key] for entry in entries}) != 1:
                        self.usable = False
                    slot = number * len(layout.counters) + layout.counters.index(key)
                    shared[slot] = entries[0][key]
                else:
                    base = layout.keys.index(key) * layout.padded
                    for position, entry in zip(positions, entries):
                        state[base + position] = entry[key]
