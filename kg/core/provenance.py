"""Provenance of every load, in PROV-O, VoID, PAV, SPDX and DCTERMS, kept in the ``graph/meta`` named graph.

One :func:`load_record` per source load: the load (a ``prov:Activity``) says which files it used
(``spdx:fileName``, an ``spdx:checksum`` SHA-256), which loader version, and when; the graph (a
``void:Dataset``, ``prov:wasGeneratedBy`` its load) carries what describes its current content: the
source version (``pav:version``), the licence and ``void:triples``. The graph IRI points to its
current load with ``rkg:currentLoad``; earlier loads stay as history (see
docs/decisions/0019-standard-vocabularies.md).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode

from kg import __version__
from kg.core.records import LoadReport, SourceInfo, Triple
from kg.core.vocab import (
    CHECKSUM,
    DCTERMS,
    FILE_NAME,
    META_GRAPH,
    PROV,
    RDF,
    RDFS,
    RKG,
    SD,
    SHA256,
    SPDX,
    VERSION,
    VOID,
    XSD,
    mint,
)

if TYPE_CHECKING:
    from kg.store.graphstore import GraphStore

LICENSE_IRIS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "MIT": "https://spdx.org/licenses/MIT.html",
    "public-domain": "https://creativecommons.org/publicdomain/mark/1.0/",
}


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def _datetime(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="milliseconds").replace("+00:00", "Z"), datatype=XSD.dateTime)


def load_record(source: SourceInfo, graph: NamedNode, report: LoadReport, *, started: datetime,
                ended: datetime, triples: int, base_dir: Path | None = None) -> list[Triple]:
    """The provenance triples of one load of ``source`` into ``graph``."""
    load = mint("load", f"{source.name}/{started.strftime('%Y%m%dT%H%M%S%fZ')}")
    out: list[Triple] = [
        (load, RDF.type, RKG.Load),
        (load, RDF.type, PROV.Activity),  # asserted: a consumer without a reasoner finds it
        (load, RDFS.label, Literal(f"load of {source.name} at {started.isoformat(timespec='seconds')}")),
        (load, PROV.generated, graph),
        (load, PROV.startedAtTime, _datetime(started)),
        (load, PROV.endedAtTime, _datetime(ended)),
        (load, RKG.loaderVersion, Literal(f"rarekg {__version__}")),
        (load, RKG.attribution, Literal(source.attribution)),
        (graph, RDF.type, VOID.Dataset),
        (graph, RDF.type, SD.NamedGraph),
        (graph, RDFS.label, Literal(source.title)),
        (graph, RKG.currentLoad, load),
        (graph, PROV.wasGeneratedBy, load),
        (graph, VOID.triples, Literal(str(triples), datatype=XSD.integer)),
    ]
    if report.version:
        out.append((graph, VERSION, Literal(report.version)))
    license_iri = LICENSE_IRIS.get(source.license)
    if license_iri:
        out.append((graph, DCTERMS.license, NamedNode(license_iri)))
    for path in sorted(set(report.files)):
        digest = sha256_file(path)
        src, checksum = mint("source", digest), mint("source", f"{digest}/sha256")
        shown = str(path.relative_to(base_dir)) if base_dir and path.is_relative_to(base_dir) else str(path)
        out += [
            (load, PROV.used, src),
            (src, RDF.type, RKG.SourceFile),
            (src, FILE_NAME, Literal(shown)),
            (src, CHECKSUM, checksum),
            (checksum, RDF.type, SPDX.Checksum),
            (checksum, SPDX.algorithm, SHA256),
            (checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)),
            (src, DCTERMS.format, Literal(path.suffix.lstrip(".") or "unknown")),
        ]
    return out


_Q_RECORDED = (f"SELECT (SUM(?n) AS ?total) WHERE {{ GRAPH <{META_GRAPH.value}> {{ ?g rkg:currentLoad ?load ; "
               "void:triples ?n } }")


def recorded_triples(store: GraphStore) -> int:
    """The triples the published graphs' current loads recorded: the store's size as of its last
    loads, read from the meta graph instead of counted (4.5 s and 40 MB of store caches at scale
    100); an admin update since then is not in it. 0 for a store with no load records."""
    rows = store.select(_Q_RECORDED)
    return int(rows[0]["total"].value) if rows and "total" in rows[0] else 0
