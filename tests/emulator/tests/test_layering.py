"""The emulator's layers (tests/emulator/README.md, "Layers"): a module imports only from its own layer or the
layers below it, and no import cycle exists. Imports are read with ``ast`` from the source, function-level ones
included, so a late import cannot hide an upward arrow.

``python tests/emulator/tests/test_layering.py`` prints every module with its layer and its imports.
"""

import ast
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

ROOT = "acs_emulator"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / ROOT

# Bottom first. A module may import from its own layer (no cycle) and from any layer below, never from above.
LAYERS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("errors", ("errors",)),
    ("policy grammar", ("policy_grammar",)),
    ("policy engine", ("policy_engine",)),
    ("state", ("state", "seed")),
    ("identity", ("identity",)),
    ("protocol", ("protocol.signed_request", "protocol.mq_signature", "protocol.signatures", "protocol.rendering")),
    (
        "service models",
        (
            "services.base",
            "services.ram_common",
            "services.system_policies",
            "services.ram_people_model",
            "services.ram_model",
            "services.rocketmq_model",
        ),
    ),
    (
        "service handlers",
        ("services.ram", "services.ram_people", "services.sts", "services.rocketmq", "services.mq_http"),
    ),
    ("routing", ("routing",)),
    ("faults and admin", ("faults", "admin")),
    ("server", ("server",)),
    ("entry points", ("cli", "testing")),
)

Module = Tuple[str, bool]  # (source, is a package __init__)


def package_sources(package_dir: Path = PACKAGE_DIR) -> Dict[str, Module]:
    """``{dotted name: (source, is_package)}`` of every module of the package (``acs_emulator.services.ram``...)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_package)
    return modules


def _in_package(name: str) -> bool:
    return name == ROOT or name.startswith(ROOT + ".")


def imports_of(name: str, module: Module, known: Iterable[str]) -> Set[str]:
    """The modules of the package that ``name`` imports anywhere in its source (``from . import x`` is module x)."""
    source, is_package = module
    known = set(known)
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if _in_package(alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
                if not _in_package(base):
                    continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    found.discard(name)
    return found


def import_graph(modules: Dict[str, Module]) -> Dict[str, Set[str]]:
    return {name: imports_of(name, module, modules) for name, module in modules.items()}


def layer_index(layers=LAYERS) -> Dict[str, int]:
    return {f"{ROOT}.{short}": index for index, (_title, members) in enumerate(layers) for short in members}


def placement_problems(modules: Dict[str, Module], layers=LAYERS) -> List[str]:
    """Modules without a layer, layer entries without a module, and packages that import (they must stay empty)."""
    index = layer_index(layers)
    plain = {name for name, (_source, is_package) in modules.items() if not is_package}
    problems = [f"{name} has no layer in LAYERS" for name in sorted(plain - set(index))]
    problems += [f"LAYERS names {name}, which does not exist" for name in sorted(set(index) - plain)]
    graph = import_graph(modules)
    problems += [
        f"package {name} imports {sorted(graph[name])}: keep package __init__ files empty"
        for name, (_source, is_package) in sorted(modules.items())
        if is_package and graph[name]
    ]
    return problems


def upward_imports(graph: Dict[str, Set[str]], layers=LAYERS) -> List[str]:
    """``importer (layer) -> imported (higher layer)`` for every import that points up."""
    index = layer_index(layers)
    titles = [title for title, _members in layers]
    found = []
    for importer, imported in sorted(graph.items()):
        for target in sorted(imported):
            if importer in index and target in index and index[target] > index[importer]:
                found.append(
                    f"{importer} ({titles[index[importer]]}) imports {target} ({titles[index[target]]}), a higher layer"
                )
    return found


def find_cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One import cycle as ``[a, b, ..., a]``, or None."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    path: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


# ---- the emulator ---------------------------------------------------------------------------------------------


def test_every_module_has_a_layer():
    assert placement_problems(package_sources()) == []


def test_no_module_imports_from_a_higher_layer():
    assert upward_imports(import_graph(package_sources())) == []


def test_no_import_cycle():
    cycle = find_cycle(import_graph(package_sources()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_graph_sees_late_and_relative_imports():
    """The graph is the one the layers are checked on: spot-check edges of each import form it must resolve."""
    graph = import_graph(package_sources())
    assert f"{ROOT}.policy_engine" in graph[f"{ROOT}.services.sts"]  # from .. import policy_engine
    assert f"{ROOT}.protocol.rendering" in graph[f"{ROOT}.services.rocketmq"]  # from ..protocol.rendering import ...
    assert f"{ROOT}.errors" in graph[f"{ROOT}.services.base"]  # from ..errors import ...
    assert f"{ROOT}.protocol.mq_signature" in graph[f"{ROOT}.protocol.signatures"]  # from . import mq_signature
    assert graph[f"{ROOT}.errors"] == set() and graph[f"{ROOT}.state"] == set()


# ---- the checker itself, on made-up packages --------------------------------------------------------------------

TOY_LAYERS = (("bottom", ("low",)), ("middle", ("sub.mid",)), ("top", ("high",)))


def _toy(**sources: str) -> Dict[str, Module]:
    modules = {ROOT: ("", True), f"{ROOT}.sub": ("", True)}
    modules.update({f"{ROOT}.{name.replace('__', '.')}": (text, False) for name, text in sources.items()})
    return modules


def test_checker_flags_an_upward_import_even_inside_a_function():
    modules = _toy(low="def f():\n    from .sub import mid\n", sub__mid="from .. import low\n", high="")
    assert upward_imports(import_graph(modules), TOY_LAYERS) == [
        f"{ROOT}.low (bottom) imports {ROOT}.sub.mid (middle), a higher layer"
    ]


def test_checker_accepts_downward_imports():
    modules = _toy(low="", sub__mid="from ..low import thing\n", high=f"import {ROOT}.sub.mid\nfrom .sub import mid\n")
    graph = import_graph(modules)
    assert graph[f"{ROOT}.high"] == {f"{ROOT}.sub.mid"}
    assert upward_imports(graph, TOY_LAYERS) == [] and find_cycle(graph) is None
    assert placement_problems(modules, TOY_LAYERS) == []


def test_checker_finds_a_cycle_within_a_layer():
    layers = (("one", ("a", "b", "c")),)
    modules = _toy(a="from . import b\n", b="from .c import x\n", c="from .a import y\n")
    assert upward_imports(import_graph(modules), layers) == []
    assert find_cycle(import_graph(modules)) == [f"{ROOT}.a", f"{ROOT}.b", f"{ROOT}.c", f"{ROOT}.a"]


def test_checker_wants_every_module_placed_and_packages_empty():
    modules = _toy(low="", sub__mid="", high="", extra="")
    modules[f"{ROOT}.sub"] = ("from .mid import x\n", True)
    assert placement_problems(modules, TOY_LAYERS) == [
        f"{ROOT}.extra has no layer in LAYERS",
        f"package {ROOT}.sub imports ['{ROOT}.sub.mid']: keep package __init__ files empty",
    ]


def main() -> int:
    graph = import_graph(package_sources())
    index = layer_index()
    short = len(ROOT) + 1
    for name in sorted(graph, key=lambda name: (index.get(name, -1), name)):
        imported = ", ".join(f"{target[short:]} ({index.get(target, '-')})" for target in sorted(graph[name]))
        print(f"{index.get(name, '-'):>2} {name[short:] or ROOT:<28} -> {imported}")
    problems = placement_problems(package_sources()) + upward_imports(graph)
    cycle = find_cycle(graph)
    problems += [f"import cycle: {' -> '.join(cycle)}"] if cycle else []
    print("\n".join(problems) or "no upward import, no cycle")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
