"""The layer rule of docs/ARCHITECTURE.md: each layer imports only itself and the layers below; no import loop; no
import of the package's own modules inside a function; at most five in-function imports of optional libraries."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lib" / "diversification"
LAYERS = ["inputs", "indicators", "decisions", "publish", "run"]
MAX_LAZY_IMPORTS = 5


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, name: str):
    """(imported module, line, inside a function) for every import of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        yield targets, node.lineno, id(node) not in top


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_sits_in_a_layer():
    loose = [m for m in _modules() if m.count(".") == 1 and m.split(".")[1] not in LAYERS + ["__main__"]]
    assert loose == []


def test_no_layer_imports_a_higher_one():
    bad = []
    for name, path in _modules().items():
        here = _layer(name)
        for targets, line, _ in _imports(path, name):
            for target in targets:
                there = _layer(target)
                if here and there and LAYERS.index(there) > LAYERS.index(here):
                    bad.append(f"{path.relative_to(PACKAGE)}:{line} ({here}) imports {target} ({there})")
    assert bad == []


def test_no_import_loop():
    modules = _modules()
    edges = {name: set() for name in modules}
    for name, path in modules.items():
        for targets, _, _ in _imports(path, name):
            edges[name].update(t for t in targets if t in modules and t != name)
    # Tarjan's strongly connected components
    index, low, stack, on, loops, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    assert loops == []


def test_imports_inside_functions_are_only_for_a_few_optional_libraries():
    own, lazy = [], []
    for name, path in _modules().items():
        for targets, line, inside in _imports(path, name):
            if not inside:
                continue
            where = f"{path.relative_to(PACKAGE)}:{line} {targets[0]}"
            (own if targets[0].split(".")[0] == "diversification" else lazy).append(where)
    assert own == []
    assert len(lazy) <= MAX_LAZY_IMPORTS, lazy
