"""The badges layer imports one way: no module, and no subpackage (api, domain, service, store), imports itself back."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "badges"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The badges modules `path` imports, at its top or inside a function alike (a deferred import is still a
    dependency); `from badges.store import items` names the module, `from badges.store.items import x` too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                      for alias in node.names}
    return found & modules


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(paths)) - {name} for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def part_of(module: str) -> str:
    """The subpackage a module belongs to (badges.store.items: badges.store), or the top-level module itself."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_the_graph_sees_the_layer():
    graph = import_graph()
    assert "badges.store.items" in graph["badges.store.badges"]
    assert "badges.observability" in graph["badges.store.retry"]


def test_no_module_imports_itself_back():
    assert cycles(import_graph()) == []


def test_no_subpackage_imports_itself_back():
    parts: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        parts.setdefault(part_of(module), set()).update(part_of(name) for name in imported)
    assert cycles({part: imported - {part} for part, imported in parts.items()}) == []


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
