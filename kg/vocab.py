"""Namespaces, ontology terms and the one IRI-minting helper.

Every IRI rarekg creates goes through :func:`mint` (instances) or :data:`RKG` (ontology
terms), so the IRI policy lives here and nowhere else.

IRI policy (see docs/decisions/0002-iri-policy.md):

* ontology terms:   ``https://w3id.org/rarekg/ontology/<Term>``
* instances:        ``https://w3id.org/rarekg/<kind>/<local id>`` where ``kind`` is one of :data:`KINDS`
* named graphs:     ``https://w3id.org/rarekg/graph/<source>``

>>> mint("entity", "orpha/44890").value
'https://w3id.org/rarekg/entity/orpha/44890'
>>> RKG.CancerEntity.value
'https://w3id.org/rarekg/ontology/CancerEntity'
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from pyoxigraph import NamedNode

from kg.text import slug as slugify  # noqa: F401  (the IRI slug, one policy with every text fold)

if TYPE_CHECKING:
    from curies import Converter

BASE = "https://w3id.org/rarekg/"
ONTOLOGY_IRI = BASE + "ontology"
ONTOLOGY_NS = BASE + "ontology/"


class Namespace:
    """Attribute access to terms of a namespace: ``SKOS.prefLabel`` is a NamedNode."""

    def __init__(self, iri: str) -> None:
        self.iri = iri
        self._cache: dict[str, NamedNode] = {}

    def __getattr__(self, name: str) -> NamedNode:
        # called only for a name not yet set: the term is then kept as an instance attribute, so
        # the loaders' millions of later reads of that term are plain attribute reads
        if name.startswith("_"):
            raise AttributeError(name)
        node = self.term(name)
        setattr(self, name, node)
        return node

    def term(self, name: str) -> NamedNode:
        node = self._cache.get(name)
        if node is None:
            node = self._cache[name] = NamedNode(self.iri + name)
        return node

    def __contains__(self, node: NamedNode) -> bool:
        return node.value.startswith(self.iri)


RKG = Namespace(ONTOLOGY_NS)
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
VOID = Namespace("http://rdfs.org/ns/void#")
OBOINOWL = Namespace("http://www.geneontology.org/formats/oboInOwl#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ADMS = Namespace("http://www.w3.org/ns/adms#")

#: Prefixes offered to every query and every serialisation.
PREFIXES: dict[str, str] = {
    "rkg": RKG.iri,
    "rdf": RDF.iri,
    "rdfs": RDFS.iri,
    "owl": OWL.iri,
    "xsd": XSD.iri,
    "skos": SKOS.iri,
    "dcterms": DCTERMS.iri,
    "prov": PROV.iri,
    "schema": SCHEMA.iri,
    "org": ORG.iri,
    "geo": GEO.iri,
    "void": VOID.iri,
    "oboInOwl": OBOINOWL.iri,
    "sh": SH.iri,
    "dcat": DCAT.iri,
    "sd": SD.iri,
    "adms": ADMS.iri,
    "rkgd": BASE,
}


@cache
def curies_converter() -> Converter:
    """The one ``curies`` converter of :data:`PREFIXES`: every CURIE expanded or IRI compacted goes through it.

    Built on first use (importing curies costs most of a second, which a CLI run that never
    compacts an IRI should not pay).

    >>> curies_converter().expand("rkgd:domain/G1")
    'https://w3id.org/rarekg/domain/G1'
    """
    from curies import Converter

    return Converter.from_prefix_map(PREFIXES)


def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI under a project prefix (longest namespace wins), else the IRI itself.

    A namespace IRI itself is compacted under a shorter namespace if one holds it, else kept whole.

    >>> compact_iri("https://w3id.org/rarekg/ontology/Centre"), compact_iri("https://w3id.org/rarekg/centre/x")
    ('rkg:Centre', 'rkgd:centre/x')
    >>> compact_iri("https://w3id.org/rarekg/ontology/"), compact_iri("http://example.org/x")
    ('rkgd:ontology/', 'http://example.org/x')
    """
    parsed = curies_converter().parse_uri(iri)
    if parsed is None or parsed[0] is None:
        return iri
    if not parsed[1]:   # iri is a namespace: the longest namespace with a non-empty local part
        shorter = compact_iri(iri[:-1])
        return shorter + iri[-1] if shorter != iri[:-1] else iri
    return f"{parsed[0]}:{parsed[1]}"


def expand_curie(value: str) -> str | None:
    """The IRI of a CURIE with a project prefix (``rkgd:domain/G1``), or None for anything else."""
    if value.partition(":")[2].startswith("//"):   # an IRI whose scheme happens to be a prefix (rkg://...)
        return None
    return curies_converter().expand(value)

#: The kinds of instance IRI rarekg mints. One word per concept.
KINDS = frozenset({
    "centre",        # a healthcare provider (member centre or institution found through evidence)
    "network",       # a network such as EURACAN
    "membership",    # a sourced, dated membership of a centre in a network
    "domain",        # a EURACAN cancer domain (G1..G10)
    "entity",        # a cancer entity class: entity/orpha/<code>, entity/oncotree/<code>
    "subgroup",      # a curated molecular subgroup or basket class
    "gene",          # a gene class: gene/<HGNC symbol>
    "genefamily",    # a gene family class used in basket definitions, e.g. genefamily/NTRK
    "alteration",    # a molecular alteration class, e.g. alteration/KIT-mutation
    "trial",         # a clinical trial: trial/NCT00685828
    "site",          # a trial site
    "status",        # a controlled recruitment status: status/recruiting (kg.trial_status)
    "phase",         # a controlled trial phase: phase/phase-2-phase-3 (kg.trial_status)
    "publication",   # publication/pmid/<PMID>
    "authorship",    # an author's position on a publication with affiliations
    "evidence",      # a piece of expertise evidence
    "epidemiology",  # an incidence or prevalence record
    "geneassociation",  # an Orphanet disorder-gene association
    "domainassignment",  # how an entity class was assigned to a EURACAN domain (rule, ancestor)
    "mapping",       # a mapping between two cancer entity classes (SSSOM row)
    "link",          # an explained link of a trial/publication to an entity or alteration: link/trial/<id>/entity/orpha/<code>
    "networksize",   # a dated, sourced statement of a network's size: networksize/<network>/<id>
    "load",          # a provenance record of one load
    "source",        # a source file or dataset used by a load
    "graph",         # a named graph
})

_LOCAL_OK = re.compile(r"^[A-Za-z0-9._~\-/:]+$")


def mint(kind: str, local: str) -> NamedNode:
    """The IRI of an instance of ``kind`` with local id ``local``.

    Characters outside the unreserved set (plus ``/`` and ``:``) are percent-encoded, so any
    local id yields a valid IRI. Raises ValueError for an unknown kind or an empty local id.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}; expected one of {sorted(KINDS)}")
    if not local:
        raise ValueError(f"empty local id for kind {kind!r}")
    if not _LOCAL_OK.match(local):
        local = quote(local, safe="/:-._~")
    return NamedNode(f"{BASE}{kind}/{local}")


def graph_iri(source: str) -> NamedNode:
    """The named graph that holds one source, e.g. ``graph/orphanet``."""
    return mint("graph", source)


#: Graphs with a fixed role.
META_GRAPH = graph_iri("meta")          # provenance of every load
ONTOLOGY_GRAPH = graph_iri("ontology")  # the ontology itself
INFERRED_GRAPH = graph_iri("inferred")  # reasoner output
STAGING_PREFIX = BASE + "graph/_staging/"  # never visible to readers
