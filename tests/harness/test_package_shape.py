"""The package stays in small pieces: no module imports itself back through others, no
function is over 50 lines and no module over 400, except the few named below with a reason.

Imports are read from the source with `ast`, wherever they sit (module level, inside a
function, under `if TYPE_CHECKING:`): a cycle that only a deferred or type-only import keeps
legal is still two modules that cannot be understood one without the other.
"""
from __future__ import annotations

import ast
from pathlib import Path

import netpol_harness

PACKAGE = Path(netpol_harness.__file__).parent
MAX_FUNCTION_LINES = 50
MAX_MODULE_LINES = 400

# Qualified name ("module" or "module:Class.function") -> why it may stay over its limit.
EXCEPTIONS: dict[str, str] = {}


def module_files() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `name` imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                # `from .. import project` imports the module project, not the package.
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path back to its start) per strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_through(group, graph) for group in groups]


def _cycle_through(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph[node] & members):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return group


def measure() -> dict[str, tuple[int, int]]:
    """Qualified name -> (lines, limit) for every module and function of the package."""
    sizes: dict[str, tuple[int, int]] = {}
    for name, path in module_files().items():
        text = path.read_text()
        sizes[name] = (len(text.splitlines()), MAX_MODULE_LINES)
        _measure_functions(ast.parse(text, str(path)), f"{name}:", sizes)
    return sizes


def _measure_functions(node: ast.AST, prefix: str, sizes: dict[str, tuple[int, int]]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert child.end_lineno is not None
            sizes[prefix + child.name] = (child.end_lineno - child.lineno + 1, MAX_FUNCTION_LINES)
            _measure_functions(child, f"{prefix}{child.name}.", sizes)
        elif isinstance(child, ast.ClassDef):
            _measure_functions(child, f"{prefix}{child.name}.", sizes)
        else:
            _measure_functions(child, prefix, sizes)


def test_the_walk_sees_the_package():
    graph = import_graph()
    assert len(graph) > 50, "the walk found too few modules to mean anything"
    assert "netpol_harness.net.cluster" in graph["netpol_harness.net"]


def test_no_module_imports_itself_back():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join("  " + " -> ".join(c) for c in cycles)


def test_no_function_or_module_is_over_its_limit():
    sizes = measure()
    over = {name: size for name, size in sizes.items() if size[0] > size[1] and name not in EXCEPTIONS}
    assert not over, "over the limit (split it, or name it in EXCEPTIONS with a reason):\n" + "\n".join(
        f"  {name}: {lines} lines (limit {limit})" for name, (lines, limit) in sorted(over.items()))


def test_every_exception_is_still_needed():
    sizes = measure()
    stale = [name for name in EXCEPTIONS if name not in sizes or sizes[name][0] <= sizes[name][1]]
    assert not stale, f"no longer over the limit, drop from EXCEPTIONS: {stale}"
