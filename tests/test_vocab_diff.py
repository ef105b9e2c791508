"""bench/vocab_diff.py: its rules turn what the code emitted before #19 into exactly what it emits now.

The before-triples here are written out by hand in the old vocabulary (as kg/mapping.py, kg/links.py and
loaders/orphanet.py wrote them at 03e2d18); the after-triples come from today's code. If an emitter
changes its vocabulary without a rule here, or a rule drifts from the emitter, this fails.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
from pyoxigraph import Literal, NamedNode

from kg.core.records import MappableEntity
from kg.core.vocab import OBOINOWL, RDF, RDFS, RKG, SKOS, XSD, mint
from loaders import mapping, orphanet
from loaders.mapping import map_entities

REPO = Path(__file__).resolve().parent.parent
G = "https://w3id.org/rarekg/graph/test"


@pytest.fixture(scope="module")
def vocab_diff() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vocab_diff", REPO / "bench" / "vocab_diff.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rewritten(vocab_diff: ModuleType, triples: list[tuple]) -> set[tuple]:
    quads, _ = vocab_diff.rewrite([(G, *t) for t in triples])
    return {q[1:] for q in quads}


def test_an_entity_mapping_of_before_becomes_todays_sssom_axiom(vocab_diff: ModuleType) -> None:
    sub = MappableEntity("https://w3id.org/rarekg/entity/oncotree/GIST", "oncotree:GIST",
                         "Gastrointestinal Stromal Tumor", (), (), ())
    obj = MappableEntity("https://w3id.org/rarekg/entity/orpha/44890", "ORPHA:44890",
                         "Gastrointestinal stromal tumor", (), (), ())
    [m] = map_entities([sub], [obj])
    node, s, o = mapping.mapping_iri(m), NamedNode(sub.iri), NamedNode(obj.iri)
    before = [(node, RDF.type, RKG.EntityMapping),
              (node, RDFS.label, Literal("oncotree:GIST exactMatch ORPHA:44890")),
              (node, RKG.subjectEntity, s), (node, RKG.objectEntity, o), (node, RKG.mappingPredicate, SKOS.exactMatch),
              (node, RKG.mappingJustification, NamedNode("https://w3id.org/semapv/vocab/LexicalMatching")),
              (node, RKG.confidence, Literal("0.95", datatype=XSD.decimal)),
              (node, RKG.matchedOn, Literal(m.matched_on)), (s, SKOS.exactMatch, o)]
    assert rewritten(vocab_diff, before) == set(mapping.to_triples(m))


def test_a_gene_of_before_becomes_todays_gene_class(vocab_diff: ModuleType) -> None:
    kit = mint("gene", "KIT")
    before = [(kit, RDF.type, ox.NamedNode("http://www.w3.org/2002/07/owl#Class")), (kit, RDFS.subClassOf, RKG.Gene),
              (kit, RDFS.label, Literal("KIT")), (kit, OBOINOWL.hasDbXref, Literal("HGNC:6342")),
              (kit, SKOS.definition, Literal("KIT proto-oncogene", language="en"))]
    assert rewritten(vocab_diff, before) == set(orphanet.gene_triples("KIT", "6342", "KIT proto-oncogene"))


def test_an_unknown_old_term_is_left_alone_and_shows_in_the_diff(vocab_diff: ModuleType) -> None:
    """A rule that silently rewrote everything would make the comparison vacuous."""
    node = mint("link", "trial/NCT1/entity/orpha/1")
    before = [(node, RKG.linkField, Literal("condition")), (node, RKG.term("noSuchTerm"), Literal("x"))]
    assert rewritten(vocab_diff, before) == set(before)
    after = [(G, node, RKG.linkField, Literal("condition"))]
    out: list[str] = []
    bad = vocab_diff.report([(G, *t) for t in before], after, examples=5, emit=out.append)
    assert bad == 1 and any("noSuchTerm" in line and line.lstrip().startswith("-") for line in out)
