"""What every loader shares: the collector pause of a build."""

from __future__ import annotations

import gc

import pytest

from kg.core.records import collector_paused


def test_collector_paused_restores_the_collector_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        assert not gc.isenabled()
        raise KeyError("a loader failed")
    assert gc.isenabled()


def test_collector_paused_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
