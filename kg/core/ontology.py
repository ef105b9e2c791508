"""Where the ontology, the shapes and the default data live, and the ontology as a loadable source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.core.errors import OntologyError
from kg.core.records import LoadReport, SourceInfo, Triple

REPO_ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = REPO_ROOT / "ontology"
ONTOLOGY_PATH = ONTOLOGY_DIR / "rarekg.ttl"
SHAPES_PATH = ONTOLOGY_DIR / "shapes.ttl"
DATA_DIR = REPO_ROOT / "data"
QUERIES_DIR = REPO_ROOT / "queries"

SOURCE = SourceInfo(
    name="ontology",
    title="rarekg ontology",
    license="CC-BY-4.0",
    attribution="rarekg ontology, CC BY 4.0",
    homepage="https://w3id.org/rarekg/ontology",
)


def parse_turtle(path: str | Path) -> list[ox.Triple]:
    """The triples of a Turtle file. Raises OntologyError naming file and line if it is malformed."""
    path = Path(path)
    try:
        return list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except SyntaxError as err:
        raise OntologyError(f"malformed Turtle: {err.msg}", path=path, line=err.lineno) from err
    except OSError as err:
        raise OntologyError(f"cannot read: {err.strerror}", path=path) from err


def load(data_dir: Path, report: LoadReport, path: Path = ONTOLOGY_PATH) -> Iterator[Triple]:
    """The ontology's triples, as a source of the build (``data_dir`` is not used)."""
    report.files.append(path)
    triples = [(t.subject, t.predicate, t.object) for t in parse_turtle(path)]
    for _, p, o in triples:
        if p.value == "http://www.w3.org/2002/07/owl#versionInfo":
            report.version = o.value
    report.counts["triples"] = len(triples)
    return iter(triples)
