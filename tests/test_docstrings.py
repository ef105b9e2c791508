"""The examples in docstrings run and give what they show (as pyoxigraph and curies test theirs)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts)
    for package in ("kg", "api", "loaders")
    for path in (ROOT / package).rglob("*.py")
    if ">>>" in path.read_text(encoding="utf-8"))


def test_the_examples_are_found() -> None:
    assert {"kg.store.embedded", "kg.core.trial_status", "kg.core.vocab"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name} has '>>>' but no example was run"
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (printed above)"
