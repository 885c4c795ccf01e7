"""The package's layout: stages import only earlier stages, and no module imports in a cycle.

docs/guide/architecture.md describes the stages; this test keeps the description true.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "identity_book"

# stage -> the stages it may import (besides itself and the shared leaves)
LEAVES = {
    "identity_book.errors",
    "identity_book.config",
    "identity_book.texunicode",
    "identity_book.files",
    "identity_book.stamp",
    "identity_book.longlived",
    "identity_book",
}
MAY_IMPORT = {
    "expr": set(),
    "catalogue": {"expr"},
    "verify": {"expr", "catalogue"},
    "verdict": {"verify"},
}


def _imports() -> dict[str, set[str]]:
    """Module -> the identity_book modules it imports at module level (names resolved)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "static" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    out: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("identity_book"):
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            found |= {t for t in targets if t in modules and t != name}
        out[name] = found
    return out


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else None


def test_stages_import_only_earlier_stages() -> None:
    wrong = []
    for module, deps in _imports().items():
        stage = _stage(module)
        if stage is None:
            continue
        allowed = MAY_IMPORT[stage] | {stage}
        wrong += [f"{module} imports {d}" for d in deps if d not in LEAVES and _stage(d) not in allowed]
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = _imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []


def test_no_late_imports_between_modules() -> None:
    """Imports at the top, so a broken module fails at start-up instead of hiding a command.

    The one exception is the handbook package's Sphinx entry point ``setup``.
    """
    late = []
    for path in PACKAGE.rglob("*.py"):
        if "static" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            is_ours = (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("identity_book")) or (
                isinstance(node, ast.Import) and any(a.name.startswith("identity_book") for a in node.names)
            )
            entry_point = path == PACKAGE / "handbook" / "__init__.py"
            if is_ours and id(node) not in top and not _under_type_checking(tree, node) and not entry_point:
                late.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert late == []


def _under_type_checking(tree: ast.Module, node: ast.AST) -> bool:
    return any(
        isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test) and node in ast.walk(block)
        for block in tree.body
    )
