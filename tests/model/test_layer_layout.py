"""The layer package has no import cycle between its modules, and no module longer than a
reader can hold in mind.

Every module-level import counts, those under ``if TYPE_CHECKING:`` too: a cycle hidden from
the interpreter is still one a reader has to hold in mind, and it turns real as soon as one
side needs the other at run time. Importing ``a.b.c`` also runs the package ``a.b``, so that
is an edge as well (except to the importing module's own packages, already being imported).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "aep_activation" / "aep_activation"


def _module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run on import: the module's own and those in its top-level blocks
    (``if TYPE_CHECKING:``, ``try:``), never those inside functions or classes."""
    for statement in statements:
        yield statement
        if isinstance(statement, ast.If | ast.Try):
            blocks = [statement.body, statement.orelse]
            if isinstance(statement, ast.Try):
                blocks += [handler.body for handler in statement.handlers]
                blocks.append(statement.finalbody)
            for block in blocks:
                yield from _module_level(block)


def _packages(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports at module level."""
    paths = {_module_name(root, path): path for path in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for statement in _module_level(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(statement, ast.Import):
                targets.update(alias.name for alias in statement.names)
            elif isinstance(statement, ast.ImportFrom):
                base = statement.module or ""
                if statement.level:
                    anchor = package.split(".")[: len(package.split(".")) - statement.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in statement.names)
        own_packages = set(_packages(name))
        edges = set()
        for target in targets:
            for module in (*_packages(target), target):
                if module in paths and module != name and module not in own_packages:
                    edges.add(module)
        graph[name] = edges
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_layer_has_no_import_cycle() -> None:
    graph = import_graph(LAYER)
    assert "aep_activation.request.activation" in graph  # the walk sees the subpackages
    assert cycles(graph) == []


def test_a_cycle_behind_type_checking_is_found(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "names.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.sub.model import Request\n"
        "def local() -> None:\n"
        "    import pkg.other\n"
    )
    (root / "sub" / "__init__.py").write_text("from pkg.sub.model import Request\n")
    (root / "sub" / "model.py").write_text("from pkg import names\nclass Request: ...\n")
    (root / "sub" / "leaf.py").write_text("from . import model\n")
    (root / "other.py").write_text("from pkg.sub import leaf\n")

    graph = import_graph(root)

    assert graph["pkg.sub.leaf"] == {"pkg.sub.model"}  # its own package is not an edge
    assert graph["pkg.names"] == {"pkg.sub", "pkg.sub.model"}  # not the function's import
    assert cycles(graph) == [["pkg.names", "pkg.sub", "pkg.sub.model"]]


def test_importing_a_submodule_runs_its_package(tmp_path: Path) -> None:
    # names -> sub.fields looks acyclic, but it runs sub/__init__, which imports names back.
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "names.py").write_text("from pkg.sub.fields import Text\n")
    (root / "sub" / "__init__.py").write_text("from pkg.sub.model import Request\n")
    (root / "sub" / "fields.py").write_text("Text = str\n")
    (root / "sub" / "model.py").write_text("from pkg.names import Text\nclass Request: ...\n")

    assert cycles(import_graph(root)) == [["pkg.names", "pkg.sub", "pkg.sub.model"]]


# A module a reader can hold in mind: past this, a file has grown by accretion and wants
# splitting along the ideas it holds.
MOST_LINES_PER_MODULE = 500


def test_no_layer_module_is_longer_than_most_lines() -> None:
    too_long = {
        str(path.relative_to(LAYER)): lines
        for path in sorted(LAYER.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES_PER_MODULE
    }
    assert not too_long, f"layer modules over {MOST_LINES_PER_MODULE} lines: {too_long}"
