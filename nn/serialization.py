"""Save and load an MLP as JSON: its architecture and its parameters.

The file (UTF-8 JSON, never pickle)::

    {"format": "chainrule.mlp", "version": 1,
     "architecture": {"nin": 2, "nouts": [16, 16, 1],
                      "activation": "relu", "output_activation": null},
     "parameters": {"layer0.neuron0.w0": 0.123, …, "layer2.neuron0.b": 0.0}}

Guarantees:

* :func:`nn.save` is atomic (:func:`autograd.files.write_atomic`): it writes
  a temporary file in the same folder, flushes it to disk and renames it
  over the target, so an interrupted save leaves the old file whole (and no
  temporary file behind).
* :func:`nn.load` trusts nothing in the file: size, JSON syntax, every key,
  type, number and the size of the network are checked, and the model is
  built completely before it is returned. Anything wrong raises
  ``ValueError`` naming the file and the problem.
* :func:`load` reads only a regular file: a FIFO, a device, a socket or a
  folder is refused before it is opened (:func:`autograd.files.read_regular`),
  so nothing can make it wait forever.
* :func:`load` stays within a stated memory bound: a file over
  ``MAX_FILE_BYTES`` (64 MB), or with more keys or values than a model of
  ``MAX_PARAMETERS`` has (``MAX_ENTRIES``), is refused before it is
  parsed, so the JSON parser never makes more than about a million
  objects. Peak memory of the load, over the process's own, measured by
  ``benchmarks/load_memory.py`` (CPython 3.11, x86-64 Linux, 2-core VM):
  the largest model (1,000,000 parameters, a 45 MB file) 651 MB, loaded;
  a million short keys 231 MB and a 64 MB string 128 MB, each refused
  after parsing; 9 million keys (93 MB) 64 MB and 9 million numbers
  (17 MB) 17 MB, each refused before parsing.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograd.extend import NotRegularFile, read_regular, write_atomic

from ._arguments import checked_int, checked_number
from .modules import MLP

FORMAT = "chainrule.mlp"
VERSION = 1

# NOTE: one limit, checked by save and load alike, so that what save writes
# load accepts: the parameter count, which bounds the layers and widths too
# (a hostile file cannot ask for a huge network). The file size limit is
# above what a model at that limit takes (about 45 bytes a parameter).
MAX_PARAMETERS = 1_000_000
MAX_FILE_BYTES = 64 * 2**20
# NOTE: every key in JSON is followed by a colon, and every value after the
# first of its array or object follows a comma (a string's own colons and
# commas only add to the counts): so these counts, taken before parsing,
# bound the objects json.loads can make. A model at MAX_PARAMETERS has one
# key per parameter and a few more.
MAX_ENTRIES = MAX_PARAMETERS + 100


def save(model: MLP, path) -> None:
    """Write ``model`` to ``path`` as JSON, atomically (see the module docstring).

    Refused, before the old file is touched, is whatever :func:`load`
    would refuse: a parameter that is not a finite number (named), or a
    network over ``MAX_PARAMETERS``.
    """
    write_atomic(path, dumps(model, "save()").encode("utf-8"))


def dumps(model: MLP, caller: str = "dumps()") -> str:
    """The text :func:`save` writes for ``model`` (what a page offers as a download)."""
    if not isinstance(model, MLP):
        raise TypeError(f"{caller} writes an MLP, got {type(model).__name__}")
    architecture = model.architecture()
    _checked_architecture(architecture)
    parameters = {name: checked_number(f"cannot save: parameter {name}", value, valid=None)
                  for name, value in model.state_dict().items()}
    document = {"format": FORMAT, "version": VERSION,
                "architecture": architecture, "parameters": parameters}
    return json.dumps(document, indent=1, allow_nan=False)


def load(path) -> MLP:
    """A new MLP from a file written by :func:`save`; ``ValueError`` if the file is bad."""
    path = Path(path)

    def bad(problem):
        return ValueError(f"{path} is not a valid chainrule model file: {problem}")

    try:
        raw, _ = read_regular(path, MAX_FILE_BYTES)
    except NotRegularFile as error:
        raise bad(f"it is {error.kind}; a model file is a regular file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise bad(f"it is larger than {MAX_FILE_BYTES} bytes")
    for mark, what in ((b":", "keys"), (b",", "values")):
        if raw.count(mark) > MAX_ENTRIES:
            raise bad(f"it has more than {MAX_ENTRIES:,} {what}; a model of the largest "
                      f"size loaded ({MAX_PARAMETERS:,} parameters) has fewer")
    try:
        text = raw.decode("utf-8")
        del raw  # the bytes are not needed beside their text
        document = json.loads(text, parse_constant=_reject_constant,
                              object_pairs_hook=_reject_duplicate_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise bad(f"it is not complete, valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise bad("the top level must be a JSON object")
    expected_keys = {"format", "version", "architecture", "parameters"}
    if set(document) != expected_keys:
        raise bad(f"the top level must have exactly the keys {sorted(expected_keys)}, "
                  f"got {sorted(document)}")
    if document["format"] != FORMAT:
        raise bad(f"format is {document['format']!r}, expected {FORMAT!r}")
    if document["version"] != VERSION or isinstance(document["version"], bool):
        raise bad(f"version {document['version']!r} cannot be read; this chainrule reads "
                  f"version {VERSION}")
    try:
        architecture = _checked_architecture(document["architecture"])
        model = MLP(**architecture)
        model.load_state_dict(document["parameters"])
    except ValueError as error:
        raise bad(str(error)) from None
    return model


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _reject_duplicate_keys(pairs):
    document = dict(pairs)
    if len(document) != len(pairs):
        seen = set()
        duplicates = sorted({key for key, _ in pairs if key in seen or seen.add(key)})
        raise ValueError(f"duplicate keys {duplicates[:5]}")
    return document


def _checked_architecture(architecture):
    """The architecture as MLP arguments, checked against the limits above."""
    keys = {"nin", "nouts", "activation", "output_activation"}
    if not isinstance(architecture, dict) or set(architecture) != keys:
        raise ValueError(f"architecture must be an object with exactly the keys {sorted(keys)}")
    nouts = architecture["nouts"]
    if not isinstance(nouts, list) or not 1 <= len(nouts) <= MAX_PARAMETERS:
        raise ValueError(f"nouts must be a list of 1 to {MAX_PARAMETERS:,} layer sizes")
    sizes = [checked_int("nin", architecture["nin"], maximum=MAX_PARAMETERS)]
    sizes += [checked_int("each layer size", nout, maximum=MAX_PARAMETERS) for nout in nouts]
    parameter_count = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    if parameter_count > MAX_PARAMETERS:
        raise ValueError(
            f"the network would have {parameter_count:,} parameters; the limit is "
            f"{MAX_PARAMETERS:,}")
    return architecture

