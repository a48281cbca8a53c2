"""The code's shape, checked from its source with `ast` (nothing is imported).

* no import cycles among the modules of `core/` and `desktop_app/` (imports under
  `if TYPE_CHECKING:` are for type names only and do not count);
* `core/` never imports `desktop_app` or Qt;
* each part imports only the parts `MAY_IMPORT` lists: the GUI and the CLI talk to the facade
  (`core.library`) and `core.errors` / `core.paths` only, search never imports indexing, the store
  never imports the model layer or search, and nothing below the facade imports it;
* SQL statements are built only in the store (`core/store/`: the catalog, `catalog_<feature>.py`
  modules beside it, and the migrations): nothing else imports sqlalchemy (so no `select`,
  `insert`, `update`, `delete` or `text`) or reaches for a mapped class's `__table__`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("core", "desktop_app")
SQL_BUILDERS = {"select", "insert", "update", "delete", "text"}
SQL_HOMES = ("core/store/",)

#: The parts of the code, by module prefix (the longest prefix wins): what each part may import besides itself.
PARTS = {
    "desktop_app": "gui",
    "core.cli": "cli",
    "core.library": "facade",
    "core.search": "search",
    "core.indexing": "indexing",
    "core.models": "models",
    "core.store": "store",
    "core.media": "media",
    "core": "base",  # core/__init__ (the version), errors, paths, vector_math, native: leaves every part may use
}
MAY_IMPORT = {
    "gui": {"facade", "base", "cli"},  # cli: the launcher runs a subcommand
    "cli": {"facade", "base"},
    "facade": {"search", "indexing", "models", "store", "media", "base"},
    "search": {"models", "store", "media", "base"},
    "indexing": {"models", "store", "media", "base"},
    "models": {"media", "base"},
    "store": {"base"},
    "media": {"base"},
    "base": set(),
}
#: The only modules of the base the GUI and the CLI use; the rest of it sits behind the facade.
PUBLIC_BASE = {"core", "core.errors", "core.paths"}
#: Modules a part may import although their part is closed to it, each with its reason.
EXCEPTIONS = {
    # `medialens models export|verify`: the model layer's own subcommands, run with no library open.
    ("core.cli", "core.models.runtime.cli"),
}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            rel = path.relative_to(REPO).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, list[str]]]:
    """(imported module, names) of every import outside `if TYPE_CHECKING:` blocks."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, [a.name for a in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> tuple[dict[str, set[str]], dict[str, list[tuple[str, list[str]]]]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    raw: dict[str, list[tuple[str, list[str]]]] = {}
    for name, path in modules.items():
        imports = _imports(ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py")
        raw[name] = imports
        edges = set()
        for target, names in imports:
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in modules and candidate != name:
                    edges.add(candidate)
                    break
        graph[name] = edges
    return graph, raw


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_checker_sees_a_cycle_and_ignores_type_checking_imports():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import x\nimport y\n")
    assert [m for m, _ in _imports(tree, "p.m", False)] == ["typing", "y"]
    tree = ast.parse("from . import sibling\nfrom .pkg import thing\n")
    assert [m for m, _ in _imports(tree, "p.q.m", False)] == ["p.q", "p.q.pkg"]


def test_no_import_cycles():
    graph, _ = _graph()
    assert "core.library" in graph and "desktop_app.launcher" in graph
    assert _cycles(graph) == []


def test_core_never_imports_the_gui_or_qt():
    _, raw = _graph()
    bad = [(module, target) for module, imports in raw.items() if module.startswith("core")
           for target, _ in imports
           if target.split(".")[0] in ("desktop_app", "PySide6", "PyQt5", "PyQt6", "shiboken6")]
    assert bad == []


def _part(module: str) -> str | None:
    for prefix in sorted(PARTS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return PARTS[prefix]
    return None


def _part_violations(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    bad = []
    for module, targets in graph.items():
        mine = _part(module)
        for target in targets:
            theirs = _part(target)
            if theirs is None or theirs == mine or (module, target) in EXCEPTIONS:
                continue
            if theirs not in MAY_IMPORT[mine] or (mine in ("gui", "cli") and theirs == "base"
                                                  and target not in PUBLIC_BASE):
                bad.append((module, target))
    return sorted(bad)


def test_each_part_imports_only_the_parts_below_it():
    graph, _ = _graph()
    assert _part("core.store.catalog_faces") == "store" and _part("core.library") == "facade"
    assert _part_violations(graph) == []


def test_the_part_check_sees_a_leak():
    assert _part_violations({"desktop_app.x": {"core.search.query"}, "core.search.fusion": {"core.indexing.ocr"},
                             "core.store.vectors": {"core.models.runtime.native"},
                             "core.cli": {"core.vector_math"}, "core.library": {"core.search.engine"}}) == [
        ("core.cli", "core.vector_math"), ("core.search.fusion", "core.indexing.ocr"),
        ("core.store.vectors", "core.models.runtime.native"), ("desktop_app.x", "core.search.query")]


def test_sql_statements_are_built_only_in_the_catalog():
    _, raw = _graph()
    modules = _modules()
    bad = []
    for module, imports in raw.items():
        path = modules[module]
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(SQL_HOMES):
            continue
        bad.extend((rel, target, names) for target, names in imports if target.split(".")[0] == "sqlalchemy")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad.extend((rel, node.lineno, "__table__") for node in ast.walk(tree)
                   if isinstance(node, ast.Attribute) and node.attr == "__table__")
    assert bad == []


def test_the_sql_check_would_see_a_statement():
    tree = ast.parse("from sqlalchemy import select, func\nx = T.__table__.update()\n")
    assert [(m, n) for m, n in _imports(tree, "core.x", False)] == [("sqlalchemy", ["select", "func"])]
    assert SQL_BUILDERS & {"select", "func"} == {"select"}
    assert any(isinstance(n, ast.Attribute) and n.attr == "__table__" for n in ast.walk(tree))


#: What a search module may make at import time: constants, and the locks of the text tower's hook
#: (`core.search.inversion`), which are no library's state.
IMPORT_TIME_CALLS = {"re.compile", "frozenset", "tuple", "TypeVar", "threading.local", "threading.Lock"}


def _state_at_import(source: str) -> list[str]:
    """Module-level values made by calling something other than `IMPORT_TIME_CALLS`: caches, registries."""
    out = []
    for node in ast.parse(source).body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Call) and ast.unparse(value.func) not in IMPORT_TIME_CALLS:
            out.append(ast.unparse(node).split("=")[0].strip())
    return out


def test_search_keeps_no_library_state_in_module_globals():
    """What queries calibrate per library and model lives on its `SearchContext` (`remember`), so two open
    libraries never share it and a new model starts afresh."""
    assert _state_at_import("_cache = weakref.WeakKeyDictionary()\nX = frozenset('ab')\n_R = re.compile('a')\n"
                            "_SAMPLES = _Samples()\n") == ["_cache", "_SAMPLES"]
    bad = {path.name: found for path in (REPO / "core" / "search").glob("*.py")
           if (found := _state_at_import(path.read_text(encoding="utf-8")))}
    assert bad == {}


def _engine_calls(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "engine"]


def test_the_window_never_reaches_behind_the_facade_for_the_engine():
    """The window asks `Library.find` (and the library's other methods); `Library.engine()` is core's own."""
    assert _engine_calls("ctx = library.engine().context\nlib.find(q)\n") == [1]
    bad = {path.relative_to(REPO).as_posix(): lines for path in (REPO / "desktop_app").rglob("*.py")
           if (lines := _engine_calls(path.read_text(encoding="utf-8")))}
    assert bad == {}


def test_the_window_names_core_only_through_the_facade_even_for_types():
    """Type names too: a `TYPE_CHECKING` import of `core.store…` ties the window to the store's layout."""
    allowed = {"core", "core.library", "core.errors", "core.paths", "core.cli"}
    bad = []
    for path in sorted((REPO / "desktop_app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            bad += [(path.relative_to(REPO).as_posix(), n) for n in names
                    if n.split(".")[0] == "core" and n not in allowed]
    assert bad == []


def _string_key_reads(source: str, names: frozenset[str] = frozenset({"status", "st"})) -> list[int]:
    """Lines that read a status by a string key: `status["images"]`, `st.get("roots")`, `host.status.get(…)`."""
    def named(node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id in names) or (
            isinstance(node, ast.Attribute) and node.attr in names)

    def by_key(node: ast.AST) -> bool:
        if isinstance(node, ast.Subscript):
            return named(node.value) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and named(node.func.value) and bool(node.args) and isinstance(node.args[0], ast.Constant))

    return [node.lineno for node in ast.walk(ast.parse(source)) if by_key(node)]


def test_the_window_and_the_cli_read_the_library_status_by_attribute():
    """`Library.status()` is a typed `LibraryStatus`, read by attribute: a mistyped name fails at once where a
    mistyped key read as "nothing" (the window read 17 keys, the CLI 13)."""
    assert _string_key_reads('n = status["images"]\nr = self.host.status.get("roots", [])\nx = st.images\n'
                             'y = other["images"]\n') == [1, 2]
    paths = [*(REPO / "desktop_app").rglob("*.py"), *(REPO / "core" / "cli").rglob("*.py")]
    bad = {path.relative_to(REPO).as_posix(): lines for path in paths
           if (lines := _string_key_reads(path.read_text(encoding="utf-8")))}
    assert bad == {}
