"""Layers look down: read from the source's imports, so a new module is checked too.

* ``nn`` uses ``autograd``'s public API: ``autograd`` itself and the one
  module for extensions, ``autograd.extend``;
* no private name (``_x``) is imported from another module;
* no import cycle between modules, except ``autograd.ops`` <-> ``autograd.value``
  (a row's partials are written with Values; a Value's operators are rows);
* the library never imports a front end (``nn.cli``, ``nn.playground``).
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")
ALLOWED_CYCLE = {"autograd.ops", "autograd.value"}


def modules() -> dict:
    """``{module name: path}`` of every module of the packages."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: pathlib.Path) -> list:
    """``[(imported module, [names])]`` of a module, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((target, [alias.name for alias in node.names]))
    return found


def project_edges() -> dict:
    """``{module: {project modules it imports}}`` (a name imported from a
    package that is itself a module counts as that module)."""
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = set()
        for target, names in imports(name, path):
            if target in known:
                targets.add(target)
            targets.update(f"{target}.{n}" for n in names if f"{target}.{n}" in known)
        edges[name] = targets - {name}
    return edges


def test_nn_uses_only_autograds_public_api():
    wrong = [(name, target) for name, path in modules().items() if name.startswith("nn")
             for target, _ in imports(name, path)
             if target.startswith("autograd") and target not in ("autograd", "autograd.extend")]
    assert wrong == []


def test_no_private_name_crosses_a_module():
    crossing = [(name, target, imported) for name, path in modules().items()
                for target, names in imports(name, path) for imported in names
                if imported.startswith("_") and not imported.startswith("__")]
    assert crossing == []


def test_the_library_never_imports_a_front_end():
    front_ends = ("nn.cli", "nn.playground", "nn.__main__")
    wrong = [(name, target) for name, targets in project_edges().items()
             if not name.startswith(front_ends) for target in targets
             if target.startswith(front_ends)]
    assert wrong == []


def test_no_import_cycle_but_ops_and_value():
    edges = project_edges()
    cycles = set()

    def visit(module, path):
        for target in edges.get(module, ()):
            if target in path:
                cycle = frozenset(path[path.index(target):])
                if cycle != ALLOWED_CYCLE and not _package_and_child(cycle):
                    cycles.add(tuple(sorted(cycle)))
            elif len(path) < 12:
                visit(target, path + [target])

    for module in edges:
        visit(module, [module])
    assert sorted(cycles) == []


def _package_and_child(cycle) -> bool:
    # NOTE: a package's __init__ importing its own modules, which import a
    # sibling through the package, is how Python packages are built, not a
    # cycle between layers.
    names = sorted(cycle)
    return all(other.startswith(names[0] + ".") for other in names[1:])
