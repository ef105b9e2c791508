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

from kg.core.text import slug as slugify  # noqa: F401  (the IRI slug, one policy with every text fold)

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
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
PAV = Namespace("http://purl.org/pav/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
OBO = Namespace("http://purl.obolibrary.org/obo/")
HGNC = Namespace("https://identifiers.org/hgnc:")

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
    "sssom": SSSOM.iri,
    "semapv": SEMAPV.iri,
    "pav": PAV.iri,
    "spdx": SPDX.iri,
    "obo": OBO.iri,
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
    "status",        # a controlled recruitment status: status/recruiting (kg.core.trial_status)
    "phase",         # a controlled trial phase: phase/phase-2-phase-3 (kg.core.trial_status)
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


# --- standard terms rarekg uses where it once had its own (issue #19, docs/decisions/0019) ----------
# Mapping and link nodes are SSSOM mappings in SSSOM's RDF form: an owl:Axiom reifying
# (annotatedSource, annotatedProperty, annotatedTarget) with sssom: metadata. Code that emits or reads
# mapping, link, evidence or provenance nodes uses these names, never the deprecated rkg terms.
MAPPING = OWL.Axiom                         #: the class of a mapping or link node (was EntityMapping / EntityLink)
MAPPING_SUBJECT = OWL.annotatedSource       #: was subjectEntity / linkSubject
MAPPING_PREDICATE = OWL.annotatedProperty   #: was mappingPredicate
MAPPING_OBJECT = OWL.annotatedTarget        #: was objectEntity / linkedEntity / linkedAlteration
JUSTIFICATION = SSSOM.mapping_justification  #: a semapv IRI (was mappingJustification)
CONFIDENCE = SSSOM.confidence               #: xsd:decimal 0..1 (was confidence / linkScore)
MATCH_STRING = SSSOM.match_string           #: the text that matched (was matchedText)
RATIONALE = RDFS.comment                    #: why a mapping holds, as the SSSOM file's comment (was matchedOn)
SUBJECT_LABEL = SSSOM.subject_label         #: the label or text of the subject side
RULE = SSSOM.curation_rule_text             #: the name of the rule that made it (was linkRule)
REVIEWER = SSSOM.reviewer_label             #: who reviewed a curated mapping (was mappingReviewer)

#: ECO classes of the kinds of expertise evidence, the values of evidenceKind (were rkg individuals)
ECO_MEMBERSHIP = OBO.ECO_0000304    # author statement supported by traceable reference used in manual assertion
ECO_TRIAL_SITE = OBO.ECO_0000313    # imported information used in automatic assertion
ECO_PUBLICATION = OBO.ECO_0007669   # computational evidence used in automatic assertion
ECO_CURATED_STATEMENT = OBO.ECO_0000305  # curator inference used in manual assertion
#: evidence kind -> the short name the API and the ranking show
EVIDENCE_KIND_NAMES: dict[str, str] = {
    ECO_MEMBERSHIP.value: "membership", ECO_TRIAL_SITE.value: "trial",
    ECO_PUBLICATION.value: "publication", ECO_CURATED_STATEMENT.value: "curated_statement",
}

#: Sequence Ontology classes of the kinds of molecular alteration (were Mutation, Fusion, ...)
ALTERATION_KINDS: dict[str, NamedNode] = {
    "mutation": OBO.SO_0001059,        # sequence_alteration
    "fusion": OBO.SO_0001565,          # gene_fusion
    "amplification": OBO.SO_0001742,   # copy_number_gain
    "deletion": OBO.SO_0000159,        # deletion
    "deficiency": OBO.SO_0002317,      # absent_gene_product
    "methylation": OBO.SO_0001720,     # epigenetically_modified_region
    "overexpression": OBO.SO_0002315,  # increased_gene_product_level
}

#: provenance: versions (PAV) and checksums (SPDX)
VERSION = PAV.version                       #: on the void:Dataset (was sourceVersion on the load)
CHECKSUM = SPDX.checksum                    #: an spdx:Checksum node (was sha256)
SHA256 = SPDX.checksumAlgorithm_sha256
FILE_NAME = SPDX.fileName                   #: a source file's path in its data folder (was path)


def hgnc_iri(curie: str) -> NamedNode:
    """The identifiers.org IRI of an HGNC id, given as ``HGNC:6342`` or ``6342``.

    >>> hgnc_iri("HGNC:6342").value
    'https://identifiers.org/hgnc:6342'

    Raises ValueError for anything but digits after the optional prefix.
    """
    local = curie.split(":", 1)[1] if curie.upper().startswith("HGNC:") else curie
    if not local.isdigit():
        raise ValueError(f"not an HGNC id: {curie!r}")
    return HGNC.term(local)
