"""Shared test fixtures.

Tests that read the real source files in ``../shared/data`` use the ``shared_data`` fixture. On a
user's fresh clone that folder is absent and such tests skip with a reason; CI sets
``RAREKG_REQUIRE_SHARED=1``, which turns that skip into a failure so CI always runs them.

The clock is fixed: whether a trial is open depends on the day (an enrolling status counts only if it
was verified within twelve months), so every test, and every server a test starts, answers as of
:data:`TEST_TODAY`, the week the default trial records were downloaded (2018), when four of them were
open. Tests of other days pass ``as_of`` or set ``RAREKG_TODAY`` themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from services import oxigraph_server, virtuoso_server  # noqa: F401  (SPARQL server fixtures)

TEST_TODAY = "2018-06-01"
os.environ["RAREKG_TODAY"] = TEST_TODAY

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SHARED = Path(os.environ.get("RAREKG_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public source files, or skip (fail under RAREKG_REQUIRE_SHARED=1)."""
    if SHARED.is_dir():
        return SHARED
    reason = f"real source files not found at {SHARED} (set RAREKG_SHARED_DATA to their folder)"
    if os.environ.get("RAREKG_REQUIRE_SHARED") == "1":
        pytest.fail(reason + "; RAREKG_REQUIRE_SHARED=1 requires them")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def repo_data() -> Path:
    """The repository's own default dataset folder."""
    return DATA


@pytest.fixture(scope="session")
def built_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store with the default graph, built once by the real `rarekg build` command."""
    import subprocess
    import sys

    path = tmp_path_factory.mktemp("built") / "store"
    proc = subprocess.run([sys.executable, "-m", "rarekg.cli", "build", "--store", str(path)],
                          check=False, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return path


@pytest.fixture()
def built_store(built_store_path: Path):
    """The built default store opened in this process (closed after the test)."""
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore(built_store_path)
    yield store
    store.close()


@pytest.fixture(scope="session")
def default_graph():
    """The default graph built once in memory with the real build (all sources + reasoning)."""
    from kg.store.embedded import EmbeddedStore
    from rarekg.build import build

    store = EmbeddedStore()
    report = build(store)
    return store, report


@pytest.fixture(scope="session")
def query_fixture_store():
    """The hand-written fixture graph of the query library (tests/fixtures/queries/fixture.trig),
    one named graph per GRAPH block, in an in-memory store."""
    import pyoxigraph as ox

    from kg.store.embedded import EmbeddedStore

    graphs: dict = {}
    for q in ox.parse(path=str(REPO / "tests" / "fixtures" / "queries" / "fixture.trig"), format=ox.RdfFormat.TRIG):
        graphs.setdefault(q.graph_name, []).append((q.subject, q.predicate, q.object))
    store = EmbeddedStore()
    for graph, triples in graphs.items():
        store.replace_graph(graph, triples)
    return store


@pytest.fixture(scope="session")
def server(built_store_path: Path):
    """`rarekg serve` over the built default store, default settings, shared by the HTTP tests.
    Modules that need other settings define their own `server` fixture."""
    from services import serving

    yield from serving(built_store_path, "--no-build")


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by selenium (installed by .ci/run)."""
    import shutil

    webdriver = pytest.importorskip("selenium.webdriver")
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("headless browser tests need Debian's chromium and chromium-driver (see .ci/run)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
