"""The build context: what the sources of one build share (docs/decisions/0017-layers-and-rooms.md).

The evidence, institutions and links sources all read the compiled evidence, and the institutions
and links sources both need the site resolution; one build computes each once, two builds share
nothing, and a source called on its own computes afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kg.core.records import BuildContext, LoadReport
from kg.store.embedded import EmbeddedStore
from loaders import evidence, institutions
from rarekg.build import accepts_context, build, source_modules

SHARING = ("loaders.evidence", "loaders.institutions", "loaders.links")


class Calls:
    """Counts the calls of the wrapped function and keeps their arguments."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.args = fn, []  # type: list[tuple[Any, ...]]

    def __call__(self, *args: Any) -> Any:
        self.args.append(args)
        return self.fn(*args)


@pytest.fixture()
def computed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Calls]:
    """The two shared computations, counted: reading the compiled evidence, resolving the sites."""
    calls = {"evidence": Calls(evidence._read_compiled), "resolution": Calls(institutions._resolve)}
    monkeypatch.setattr(evidence, "_read_compiled", calls["evidence"])
    monkeypatch.setattr(institutions, "_resolve", calls["resolution"])
    return calls


def test_the_sharing_sources_take_the_context() -> None:
    assert [accepts_context(m) for m in source_modules(SHARING)] == [True, True, True]
    assert not accepts_context(source_modules(["loaders.orphanet"])[0])  # the others ignore it


def test_sources_of_one_build_compute_each_shared_answer_once(computed: dict[str, Calls], repo_data: Path) -> None:
    report = build(EmbeddedStore(), repo_data, sources=SHARING, reason=False)
    assert all(o.triples for o in report.outcomes)
    assert len(computed["evidence"].args) == 1  # read by evidence, institutions and links
    assert len(computed["resolution"].args) == 1  # needed by institutions and links


def test_two_builds_share_nothing(computed: dict[str, Calls], repo_data: Path) -> None:
    one_report = build(EmbeddedStore(), repo_data, sources=SHARING, reason=False)
    two_report = build(EmbeddedStore(), repo_data, sources=SHARING, reason=False)
    assert len(computed["evidence"].args) == 2 and len(computed["resolution"].args) == 2
    one, two = (args[3] for args in computed["resolution"].args)  # the context each build passed
    assert isinstance(one, BuildContext) and one is not two
    assert not one._answers and not two._answers  # dropped when its build ended
    assert [o.triples for o in one_report.outcomes] == [o.triples for o in two_report.outcomes]


def test_a_source_called_on_its_own_gets_a_fresh_context(computed: dict[str, Calls], repo_data: Path) -> None:
    for _ in range(2):
        assert list(evidence.load(repo_data, LoadReport("evidence")))
    assert len(computed["evidence"].args) == 2
    assert list(institutions.load(repo_data, LoadReport("institutions")))
    assert len(computed["resolution"].args) == 1  # one load, one resolution (its own context)
    assert list(institutions.load(repo_data, LoadReport("institutions")))
    assert len(computed["resolution"].args) == 2


def test_once_keeps_one_answer_per_name_for_its_key() -> None:
    context = BuildContext()
    made: list[str] = []

    def make(value: str) -> Callable[[], str]:
        return lambda: made.append(value) or value

    assert context.once("a", 1, make("a1")) == "a1"
    assert context.once("a", 1, make("a1 again")) == "a1"  # kept
    assert context.once("b", 1, make("b1")) == "b1"  # another name, its own answer
    assert context.once("a", 2, make("a2")) == "a2"  # a changed input replaces it
    assert context.once("a", 1, make("a1 anew")) == "a1 anew"
    assert context.once("c", None, make("c")) == "c" and context.once("c", None, make("c again")) == "c again"
    assert made == ["a1", "b1", "a2", "a1 anew", "c", "c again"]
    context.clear()
    assert context.once("b", 1, make("b1 anew")) == "b1 anew"


def test_once_keeps_nothing_when_the_computation_fails() -> None:
    context = BuildContext()
    context.once("a", 1, lambda: "old")

    def fail() -> str:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        context.once("a", 2, fail)
    assert context.once("a", 1, lambda: "new") == "new"  # the old answer went with its input
