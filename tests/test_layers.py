"""The layers import one way (issue #19, decision 0017): ``kg.core`` ← ``loaders`` and the rest of
``kg`` ← ``api`` ← ``rarekg`` (the pipeline and CLI wire everything). Checked on the source, by AST,
so a new import that breaks the direction fails here before it can make a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kg", "loaders", "api", "rarekg")

# What each layer may import at run time (imports under ``if TYPE_CHECKING:`` are annotations only).
ALLOWED = {
    "kg.core": {"kg.core", "kg"},
    "kg": {"kg", "kg.core"},
    "loaders": {"loaders", "kg.core", "kg"},
    "api": {"api", "kg", "kg.core"},
    "rarekg": {"rarekg", "api", "kg", "kg.core", "loaders"},
}


def _layer(module: str) -> str:
    return "kg.core" if module == "kg.core" or module.startswith("kg.core.") else module.split(".")[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                typing_only.add(id(inner))
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # ``from kg import names`` imports the module kg.names when there is one
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names
                      if (ROOT / node.module.replace(".", "/") / f"{a.name}.py").exists()
                      or (ROOT / node.module.replace(".", "/") / a.name / "__init__.py").exists()]
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if ".venv" not in p.parts)


def test_every_import_goes_the_allowed_way() -> None:
    wrong = []
    for path in _sources():
        here = _layer(_module_name(path))
        for line, target in _runtime_imports(path):
            there = _layer(target)
            if there not in ALLOWED[here]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_cycle_between_top_level_folders() -> None:
    graph = nx.DiGraph()
    for path in _sources():
        here = _module_name(path).split(".")[0]
        for _, target in _runtime_imports(path):
            if target.split(".")[0] != here:
                graph.add_edge(here, target.split(".")[0])
    assert list(nx.simple_cycles(graph)) == []


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    bad = ROOT / "kg" / "core" / "_layers_probe.py"
    bad.write_text("from loaders import trials\n")
    try:
        assert ("kg.core", "loaders.trials") in {
            (_layer(_module_name(bad)), t) for _, t in _runtime_imports(bad)}
        with pytest.raises(AssertionError, match="kg.core imports loaders"):
            test_every_import_goes_the_allowed_way()
    finally:
        bad.unlink()


def test_api_never_opens_a_writable_store() -> None:
    """The web process reads; the one write path is the admin SPARQL update, which goes through
    :func:`kg.store.embedded.apply_update`. No handler constructs a writable store or runs a build."""
    wrong = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in ("EmbeddedStore", "open_store"):
                ro = [k for k in node.keywords if k.arg == "read_only"]
                if not ro or ast.unparse(ro[0].value) != "True":
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Attribute) and node.attr in ("touch_marker", "replace_graph", "publish_update"):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.attr}")
    assert not wrong, "\n".join(wrong)


STORE_CLASSES = ("GraphStore", "EmbeddedStore", "RemoteStore")


def _store_class_checks(source: str) -> list[tuple[int, str]]:
    """``isinstance``/``issubclass`` calls that name a store class (alone or in a tuple)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("isinstance", "issubclass") and len(node.args) == 2:
            named = {ast.unparse(n).split(".")[-1] for n in ast.walk(node.args[1]) if isinstance(n, (ast.Name, ast.Attribute))}
            if named & set(STORE_CLASSES):
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_api_asks_the_store_what_it_can_do_not_its_class() -> None:
    """``api/`` branches on a store's capabilities (``indexed``, ``local_path``, ``read_only``,
    ``changes_tracked``, ``reopen``; decision 0017), never on its class, so a new store kind needs
    no change there."""
    wrong = [f"{path.relative_to(ROOT)}:{line}: {text}" for path in sorted((ROOT / "api").rglob("*.py"))
             for line, text in _store_class_checks(path.read_text())]
    assert not wrong, "\n".join(wrong)


def test_the_store_class_check_sees_a_branch() -> None:
    assert [t for _, t in _store_class_checks(
        "if isinstance(s, EmbeddedStore): pass\nok = isinstance(s, (int, embedded.RemoteStore))\n"
        "fine = isinstance(s, ox.Literal)\n")] == ["isinstance(s, EmbeddedStore)",
                                                  "isinstance(s, (int, embedded.RemoteStore))"]
