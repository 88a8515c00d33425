"""The project's import graph, read from the source: no cycles, and the layers point one way.

Every ``import`` counts, including those inside functions (a cycle hidden in a function is
still a cycle: the two modules cannot be understood or changed apart). Imports under
``if TYPE_CHECKING:`` do not run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGES = ("clipmaker", "platforms", "publishing", "stats")


def modules_of(root: Path, packages: tuple[str, ...]) -> dict[str, tuple[Path, bool]]:
    """Module name → (file, is a package's ``__init__``), migrations left out."""
    found: dict[str, tuple[Path, bool]] = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if "migrations" in parts:
                continue
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            found[".".join(parts)] = (path, is_package)
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module → the project modules it imports (the most specific module each import names)."""
    modules = modules_of(root, packages)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        skipped = _type_checking_only(tree)
        package = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    targets.append(submodule if submodule in modules else source)
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    found = import_graph(BASE_DIR, PACKAGES)
    assert "publishing.services" in found and "platforms.providers.vk" in found
    return found


def test_the_project_has_no_import_cycle(graph):
    assert cycles(graph) == []


def test_platforms_never_imports_publishing_or_stats(graph):
    wrong = {
        module: sorted(t for t in targets if t.startswith(("publishing", "stats")))
        for module, targets in graph.items()
        if module.startswith("platforms")
    }

    assert {m: t for m, t in wrong.items() if t} == {}


def test_providers_import_nothing_of_the_orm_layer(graph):
    # Adapters speak HTTP and return dataclasses; models, services and pages are above them.
    allowed = ("platforms.providers", "platforms.constants", "clipmaker.redaction")
    wrong = {
        module: sorted(t for t in targets if not t.startswith(allowed))
        for module, targets in graph.items()
        if module.startswith("platforms.providers")
    }

    assert {m: t for m, t in wrong.items() if t} == {}


def test_the_scan_finds_a_cycle_hidden_in_a_function(tmp_path):
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from app import b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from app.c import X\n"
        "def f():\n    from .a import g\n"
    )
    (package / "c.py").write_text("import app.b\n")

    graph = import_graph(tmp_path, ("app",))

    assert graph["app.a"] == {"app.b"}
    assert graph["app.b"] == {"app.a"}  # the TYPE_CHECKING import is not a runtime edge
    assert cycles(graph) == [["app.a", "app.b"]]
