"""Integrity of the #17 entity gold sets (conditions, mappings, domains) and of the conditions scorer.

Each gold file must keep its columns and canonical order, name only codes that exist in the sources it
was labelled from (Orphanet product 3, the OncoTree JSON), and cover what its protocol says it covers.
"""

from __future__ import annotations

import csv
import json
import random
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import REPO
from gold import domains_score as ds
from gold import mappings_score as ms
from gold import score_conditions as sc
from gold.split import split_rows

GOLD = REPO / "tests" / "gold"
MAPPING_COLUMNS = ["oncotree_code", "oncotree_name", "predicate", "orpha", "orpha_label", "reason"]
PREDICATES = {"exactMatch", "closeMatch", "broadMatch", "narrowMatch", "NONE"}
DOMAIN_COLUMNS = ["orpha", "orpha_label", "domains", "exclusion", "reason"]


def read_tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return list(reader.fieldnames or []), list(reader)


@cache
def orphanet_names(product3: Path) -> dict[str, str]:
    """ORPHA code -> preferred name, for every disorder of product 3."""
    root = ET.parse(product3).getroot()
    return {d.findtext("OrphaCode"): d.findtext("Name") for d in root.iter("Disorder")}


@cache
def oncotree_nodes(path: Path) -> dict[str, dict]:
    nodes: dict[str, dict] = {}

    def walk(node: dict) -> None:
        nodes[node["code"]] = node
        for child in node["children"].values():
            walk(child)

    walk(json.loads(path.read_text(encoding="utf-8"))["TISSUE"])
    return nodes


def orpha_labels(curies: str, names: dict[str, str]) -> str:
    return " | ".join(names[c.removeprefix("ORPHA:")] for c in curies.split("|"))


# ---------------------------------------------------------------- conditions

#: the two conditions gold files: the test half's (figures reported) and the dev half's (rules tuned)
HALVES = pytest.mark.parametrize("half", ["test", "dev"])


def conditions_gold(half: str) -> Path:
    return GOLD / f"conditions_{half}.tsv"


@HALVES
def test_conditions_gold_has_its_columns_and_canonical_order(half):
    rows = sc.read_gold(conditions_gold(half))
    keys = [(r.registry_id, r.field, r.text) for r in rows]
    assert keys == sorted(keys), f"sort conditions_{half}.tsv by registry_id, field, text (code-point order)"
    assert len(keys) == len(set(keys)), "one row per (registry_id, field, text)"
    assert [r.line for r in rows] == list(range(2, len(rows) + 2))


@HALVES
def test_conditions_gold_covers_only_its_half(half):
    split = {line.split("\t")[0]: line.split("\t")[2] for line in (GOLD / "trial_split.tsv").read_text().splitlines()[1:]}
    trials = {r.registry_id for r in sc.read_gold(conditions_gold(half))}
    # the dev half's CTIS record has no condition text
    assert trials == {rid for rid, h in split.items() if h == half} - {"2024-510663-34-00"}


@HALVES
def test_rare_cancer_trial_is_one_value_per_trial(half):
    seen: dict[str, bool] = {}
    for row in sc.read_gold(conditions_gold(half)):
        assert seen.setdefault(row.registry_id, row.rare_cancer_trial) == row.rare_cancer_trial, \
            f"line {row.line}: rare_cancer_trial differs from the trial's other rows"


@pytest.mark.shared
@HALVES
def test_conditions_gold_labels_every_text_of_every_trial_of_its_half(shared_data, half):
    expected = sorted((rid, fld, text) for rid, file, h in split_rows(shared_data / "trials") if h == half
                      for fld, text in sc.trial_texts(shared_data / "trials" / file))
    labelled = [(r.registry_id, r.field, r.text) for r in sc.read_gold(conditions_gold(half))]
    assert labelled == expected, f"each condition, keyword and MeSH text of a {half}-half trial needs exactly one row"


@pytest.mark.shared
@HALVES
def test_conditions_gold_codes_exist_in_product3_with_their_labels(shared_data, half):
    names = orphanet_names(shared_data / "orphanet" / "en_product3_202.xml")
    _, rows = read_tsv(conditions_gold(half))
    for number, row in enumerate(rows, start=2):
        if row["expected"] == "NONE":
            assert row["expected_label"] == "NONE", f"line {number}: a NONE row has label NONE"
            continue
        for curie in row["expected"].split("|"):
            assert curie.removeprefix("ORPHA:") in names, f"line {number}: {curie} is not in product 3"
        assert row["expected_label"] == orpha_labels(row["expected"], names), \
            f"line {number}: expected_label must be product 3's names of {row['expected']}"


def test_read_gold_names_the_line_of_a_malformed_row(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("\t".join(sc.COLUMNS) + "\nNCT1\tcondition\tX\t44890\tGIST\tyes\t\n", encoding="utf-8")
    with pytest.raises(sc.GoldFormatError, match=r"bad.tsv:2: expected must be NONE or ORPHA:n"):
        sc.read_gold(bad)
    bad.write_text("\t".join(sc.COLUMNS) + "\nNCT1\ttitle\tX\tNONE\tNONE\tyes\t\n", encoding="utf-8")
    with pytest.raises(sc.GoldFormatError, match=r"bad.tsv:2: field 'title'"):
        sc.read_gold(bad)


# ---------------------------------------------------------------- the scorer on a hand-made graph


def _fixture_store():
    """Two trials: NCT1 links GIST from its condition (right) and soft tissue sarcoma from its MeSH
    term (wrong: the gold says GIST); NCT2 links only OncoTree PLMESO, which a mapping calls close to
    pleural mesothelioma (50251)."""
    from kg.core.vocab import PREFIXES
    from kg.store.embedded import EmbeddedStore

    rkg = PREFIXES["rkg"]
    store = EmbeddedStore()

    def iri(x: str) -> ox.NamedNode:
        return ox.NamedNode(x)

    trial1, trial2 = iri("https://example.org/t1"), iri("https://example.org/t2")
    gist, sts = iri("https://w3id.org/rarekg/entity/orpha/44890"), iri("https://w3id.org/rarekg/entity/orpha/3394")
    triples = [ox.Triple(trial1, iri(rkg + "nctId"), ox.Literal("NCT1")),
               ox.Triple(trial2, iri(rkg + "nctId"), ox.Literal("NCT2")),
               ox.Triple(trial1, iri(rkg + "studiesEntity"), gist),
               ox.Triple(trial1, iri(rkg + "studiesEntity"), sts),
               ox.Triple(trial1, iri(rkg + "studiesEntity"), iri("https://w3id.org/rarekg/entity/oncotree/GIST")),
               ox.Triple(trial2, iri(rkg + "studiesEntity"), iri("https://w3id.org/rarekg/entity/oncotree/PLMESO"))]
    mapping = iri("https://example.org/mapping")
    owl = PREFIXES["owl"]
    triples += [ox.Triple(mapping, iri(PREFIXES["rdf"] + "type"), iri(owl + "Axiom")),
                ox.Triple(mapping, iri(owl + "annotatedSource"), iri("https://w3id.org/rarekg/entity/oncotree/PLMESO")),
                ox.Triple(mapping, iri(owl + "annotatedTarget"), iri("https://w3id.org/rarekg/entity/orpha/50251")),
                ox.Triple(mapping, iri(owl + "annotatedProperty"), iri(PREFIXES["skos"] + "closeMatch"))]
    for n, (entity, field, text) in enumerate([(gist, "condition", "gastrointestinal stromal tumor"),
                                               (sts, "condition-mesh", "Sarcoma")]):
        link = iri(f"https://example.org/link{n}")
        triples += [ox.Triple(link, iri(PREFIXES["rdf"] + "type"), iri(owl + "Axiom")),
                    ox.Triple(link, iri(owl + "annotatedSource"), trial1), ox.Triple(link, iri(owl + "annotatedTarget"), entity),
                    ox.Triple(link, iri(owl + "annotatedProperty"), iri(rkg + "studiesEntity")),
                    ox.Triple(link, iri(rkg + "linkField"), ox.Literal(field)),
                    ox.Triple(link, iri(PREFIXES["sssom"] + "match_string"), ox.Literal(text))]
    store.replace_graph(iri("https://example.org/graph"), triples)
    return store


def _gold(tmp_path: Path) -> list[sc.GoldRow]:
    rows = [("NCT1", "condition", "Gastrointestinal Stromal Tumor (GIST)", "ORPHA:44890", "yes"),
            ("NCT1", "keyword", "imatinib", "NONE", "yes"),
            ("NCT1", "mesh", "Sarcoma", "ORPHA:44890", "yes"),
            ("NCT2", "condition", "Mesothelioma", "ORPHA:50251|ORPHA:168811", "yes")]
    path = tmp_path / "gold.tsv"
    path.write_text("\t".join(sc.COLUMNS) + "\n" + "".join(f"{r}\t{f}\t{t}\t{e}\tx\t{y}\t\n" for r, f, t, e, y in rows),
                    encoding="utf-8")
    return sc.read_gold(path)


def test_scorer_counts_text_and_trial_links_exactly(tmp_path):
    store = _fixture_store()
    try:
        links = sc.read_links(store)
    finally:
        store.close()
    assert links.other_vocabulary == 2
    result = sc.score(_gold(tmp_path), links)
    # text level: 2 links attributed (GIST by its span inside the condition, STS on the MeSH row), 1 right;
    # 4 expected codes (GIST, GIST, 50251, 168811); exact rows: the GIST condition and the NONE keyword
    assert result["text"] == {"precision": 0.5, "recall": 0.25, "exact_rows": 0.5, "linked": 2, "correct": 1, "expected": 4}
    # trial level: NCT1 expects {44890} and has {44890, 3394}; NCT2 expects two codes and has none
    assert result["trial"] == {"precision": 0.5, "recall": 0.333, "macro_recall": 0.5, "trials": 2}
    assert result["rare_trials_without_entity"] == ["NCT2"]
    assert result["rare_trials_without_any_vocabulary_entity"] == []
    assert [m["text"] for m in result["text_wrong"]] == ["Sarcoma"]
    assert "rare-cancer trials without any Orphanet entity: 1 ['NCT2']" in sc.report(result)


def test_scorer_through_mappings_counts_an_oncotree_link_as_its_close_orphanet_class(tmp_path):
    store = _fixture_store()
    try:
        links = sc.read_links(store, through_mappings=True)
    finally:
        store.close()
    assert links.trial_codes["NCT2"] == {"50251"}
    result = sc.score(_gold(tmp_path), links)
    assert result["trial"] == {"precision": 0.667, "recall": 0.667, "macro_recall": 0.75, "trials": 2}
    assert result["rare_trials_without_entity"] == []


def test_scorer_does_not_attribute_a_link_to_another_field_or_a_partial_word(tmp_path):
    links = sc.Links()
    links.text_links = [("NCT1", "keyword", "Gastrointestinal Stromal Tumor (GIST)", "44890"),
                        ("NCT1", "condition-mesh", "Sarc", "3394")]
    row = _gold(tmp_path)[0]
    assert sc.attributed(row, links) == set()
    assert sc.attributed(_gold(tmp_path)[2], links) == set()


# ---------------------------------------------------------------- mappings

#: the mappings gold samples: file, the slice of the seed-17 order it was drawn from, and how many it kept
MAPPING_SAMPLES = [("mappings_gold.tsv", 0, 95, 80), ("mappings_gold2.tsv", 95, 175, 60),
                   ("mappings_gold3.tsv", 175, 253, 60), ("mappings_gold4.tsv", 253, 328, 60),
                   ("mappings_gold5.tsv", 328, 406, 60)]


@pytest.mark.parametrize(("name", "start", "end", "kept"), MAPPING_SAMPLES)
def test_mappings_gold_has_its_columns_and_canonical_order(name, start, end, kept):
    columns, rows = read_tsv(GOLD / name)
    assert columns == MAPPING_COLUMNS
    codes = [r["oncotree_code"] for r in rows]
    assert codes == sorted(codes) and len(codes) == len(set(codes)) == kept
    for number, row in enumerate(rows, start=2):
        assert row["predicate"] in PREDICATES, f"line {number}: predicate {row['predicate']!r}"
        assert (row["predicate"] == "NONE") == (row["orpha"] == "NONE") == (row["orpha_label"] == "NONE"), \
            f"line {number}: a NONE row has NONE in predicate, orpha and orpha_label, and only then"
        assert row["reason"].strip(), f"line {number}: give the reason"


@pytest.mark.shared
@pytest.mark.parametrize("name", [s[0] for s in MAPPING_SAMPLES])
def test_mappings_gold_codes_exist_in_both_sources(shared_data, name):
    names = orphanet_names(shared_data / "orphanet" / "en_product3_202.xml")
    nodes = oncotree_nodes(shared_data / "oncotree" / "oncotree_2025_10_03.json")
    _, rows = read_tsv(GOLD / name)
    for number, row in enumerate(rows, start=2):
        node = nodes.get(row["oncotree_code"])
        assert node is not None, f"line {number}: {row['oncotree_code']} is not in the OncoTree JSON"
        assert row["oncotree_name"] == node["name"], f"line {number}: oncotree_name must be {node['name']!r}"
        assert node["tissue"] not in {"Lymphoid", "Myeloid"}, f"line {number}: haematological tissue"
        if row["orpha"] != "NONE":
            assert row["orpha"].startswith("ORPHA:") and row["orpha"][6:] in names, \
                f"line {number}: {row['orpha']} is not in product 3"
            assert row["orpha_label"] == names[row["orpha"][6:]], f"line {number}: orpha_label must be product 3's name"


@pytest.mark.shared
@pytest.mark.parametrize(("name", "start", "end", "kept"), MAPPING_SAMPLES)
def test_mappings_sample_is_the_seeded_draw_its_protocol_states(shared_data, name, start, end, kept):
    nodes = oncotree_nodes(shared_data / "oncotree" / "oncotree_2025_10_03.json")
    frame = sorted(c for c, n in nodes.items() if n["level"] and n["level"] >= 2
                   and n["tissue"] not in ("Lymphoid", "Myeloid"))
    assert len(frame) == 639
    order = frame[:]
    random.Random(17).shuffle(order)
    _, rows = read_tsv(GOLD / name)
    sampled = {r["oncotree_code"] for r in rows}
    protocol = (GOLD / "mappings_protocol.md").read_text(encoding="utf-8")
    skipped = {code for code in order[start:end] if f"| {code} |" in protocol}
    assert sampled | skipped == set(order[start:end]) and not sampled & skipped, \
        f"the {kept} rows and the skipped nodes listed in the protocol are exactly order[{start}:{end}] of seed 17"


# ---------------------------------------------------------------- domains

#: the domains gold samples: file and the seed of its draw (each draws from the frame without the earlier samples')
DOMAIN_SAMPLES = [("domains_gold.tsv", 17), ("domains_gold2.tsv", 18), ("domains_gold3.tsv", 19),
                  ("domains_gold4.tsv", 20), ("domains_gold5.tsv", 21)]


@pytest.mark.parametrize(("name", "seed"), DOMAIN_SAMPLES)
def test_domains_gold_has_its_columns_and_canonical_order(name, seed):
    columns, rows = read_tsv(GOLD / name)
    assert columns == DOMAIN_COLUMNS
    codes = [int(r["orpha"].removeprefix("ORPHA:")) for r in rows]
    assert codes == sorted(codes) and len(codes) == len(set(codes)) == 60
    for number, row in enumerate(rows, start=2):
        domains = row["domains"].split("|") if row["domains"] != "NONE" else []
        assert all(d in {f"G{i}" for i in range(1, 11)} for d in domains), f"line {number}: domains {row['domains']!r}"
        assert bool(domains) != bool(row["exclusion"].strip()), \
            f"line {number}: give domains or an exclusion reason, not both"
        assert row["reason"].strip(), f"line {number}: give the reason"


@pytest.mark.shared
@pytest.mark.parametrize(("name", "seed"), DOMAIN_SAMPLES)
def test_domains_gold_codes_exist_in_product3(shared_data, name, seed):
    names = orphanet_names(shared_data / "orphanet" / "en_product3_202.xml")
    _, rows = read_tsv(GOLD / name)
    for number, row in enumerate(rows, start=2):
        code = row["orpha"].removeprefix("ORPHA:")
        assert code in names, f"line {number}: {row['orpha']} is not in product 3"
        assert row["orpha_label"] == names[code], f"line {number}: orpha_label must be product 3's name"


@cache
def orphanet_children(product3: Path) -> dict[str, set[str]]:
    """ORPHA code -> the codes of its children in product 3's classification tree."""
    children: dict[str, set[str]] = {}
    for node in ET.parse(product3).getroot().iter("ClassificationNode"):
        code = node.findtext("Disorder/OrphaCode")
        kids = node.find("ClassificationNodeChildList")
        if kids is not None:
            children.setdefault(code, set()).update(k.findtext("Disorder/OrphaCode")
                                                    for k in kids.findall("ClassificationNode"))
    return children


@pytest.mark.shared
def test_domains_samples_are_the_seeded_draws_their_protocol_states(shared_data):
    children = orphanet_children(shared_data / "orphanet" / "en_product3_202.xml")
    below: set[str] = set()
    todo = ["98057"]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in below:
                below.add(child)
                todo.append(child)
    frame = sorted(below, key=int)
    assert len(frame) == 948
    drawn: set[str] = set()
    for name, seed in DOMAIN_SAMPLES:
        rest = [c for c in frame if f"ORPHA:{c}" not in drawn]
        sample = [r["orpha"] for r in read_tsv(GOLD / name)[1]]
        assert sample == [f"ORPHA:{c}" for c in sorted(random.Random(seed).sample(rest, 60), key=int)], \
            f"{name} is the seed-{seed} draw of 60 from the frame without the earlier samples ({len(rest)} codes)"
        drawn.update(sample)


# ---------------------------------------------------------------- the mappings scorer on a hand-made graph

def _read_from(triples: list[ox.Triple], reader):  # type: ignore[no-untyped-def]
    """What a scorer's ``reader`` reads from a fresh in-memory store holding ``triples``."""
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore()
    store.replace_graph(ox.NamedNode("https://example.org/graph"), triples)
    try:
        return reader(store)
    finally:
        store.close()


def test_mappings_scorer_judges_right_implied_and_wrong_rows(tmp_path):
    from kg.core.vocab import PREFIXES

    onco, orpha = "https://w3id.org/rarekg/entity/oncotree/", "https://w3id.org/rarekg/entity/orpha/"
    sub = ox.NamedNode(PREFIXES["rdfs"] + "subClassOf")
    triples = [ox.Triple(ox.NamedNode(orpha + "213625"), sub, ox.NamedNode(orpha + "213620")),
               ox.Triple(ox.NamedNode(orpha + "99971"), sub, ox.NamedNode(orpha + "69078"))]
    # UELMS: the gold row (right) and soft-tissue LMS (wrong); LUSC: a row for a NONE type (wrong);
    # WDLS: the exact target's parent as broadMatch (implied); DDLS: nothing (missed)
    emitted = [("UELMS", "broadMatch", "213625"), ("UELMS", "broadMatch", "64720"), ("LUSC", "exactMatch", "70573"),
               ("WDLS", "broadMatch", "69078")]
    for n, (code, predicate, target) in enumerate(emitted):
        m = ox.NamedNode(f"https://example.org/m{n}")
        owl = PREFIXES["owl"]
        triples += [ox.Triple(m, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(owl + "Axiom")),
                    ox.Triple(m, ox.NamedNode(owl + "annotatedSource"), ox.NamedNode(onco + code)),
                    ox.Triple(m, ox.NamedNode(owl + "annotatedTarget"), ox.NamedNode(orpha + target)),
                    ox.Triple(m, ox.NamedNode(owl + "annotatedProperty"), ox.NamedNode(PREFIXES["skos"] + predicate))]
    found, parents = _read_from(triples, ms.read_mappings)
    gold = tmp_path / "gold.tsv"
    gold.write_text("\t".join(ms.COLUMNS) + "\n"
                    "DDLS\tx\texactMatch\tORPHA:99970\tx\tr\n"
                    "LUSC\tx\tNONE\tNONE\tNONE\tr\n"
                    "UELMS\tx\tbroadMatch\tORPHA:213625\tx\tr\n"
                    "WDLS\tx\texactMatch\tORPHA:99971\tx\tr\n", encoding="utf-8")
    result = ms.score(ms.read_gold(gold), found, parents)
    assert {k: result[k] for k in ("emitted", "right", "implied", "wrong", "precision", "lenient_precision",
                                   "recall", "target_recall")} == {
        "emitted": 4, "right": 1, "implied": 1, "wrong": 2, "precision": 0.25, "lenient_precision": 0.5,
        "recall": 0.333, "target_recall": 0.333}
    assert [m["oncotree_code"] for m in result["missed"]] == ["DDLS", "WDLS"]


def test_domains_scorer_compares_each_entitys_domains_and_exclusion(tmp_path):
    orpha, rkg = "https://w3id.org/rarekg/entity/orpha/", "https://w3id.org/rarekg/ontology/"
    in_domain, exclusion = ox.NamedNode(rkg + "inDomain"), ox.NamedNode(rkg + "domainExclusion")
    domain = "https://w3id.org/rarekg/domain/"
    triples = [ox.Triple(ox.NamedNode(orpha + "97279"), in_domain, ox.NamedNode(domain + "G4")),
               ox.Triple(ox.NamedNode(orpha + "97279"), in_domain, ox.NamedNode(domain + "G5")),
               ox.Triple(ox.NamedNode(orpha + "1501"), in_domain, ox.NamedNode(domain + "G6")),
               ox.Triple(ox.NamedNode(orpha + "492"), exclusion, ox.Literal("benign")),
               ox.Triple(ox.NamedNode(orpha + "654"), exclusion, ox.Literal("benign"))]
    domains, exclusions = _read_from(triples, ds.read_domains)
    gold = tmp_path / "gold.tsv"
    gold.write_text("\t".join(ds.COLUMNS) + "\n"
                    "ORPHA:492\tx\tNONE\tbenign\tr\n"                     # agrees, same category
                    "ORPHA:654\tx\tNONE\tpaediatric: ERN PaedCan\tr\n"    # agrees (no domain), other category
                    "ORPHA:1501\tx\tG6\t\tr\n"                             # agrees
                    "ORPHA:97279\tx\tG4\t\tr\n", encoding="utf-8")          # an extra G5: disagrees
    result = ds.score(ds.read_gold(gold), domains, exclusions)
    assert (result["agree"], result["agreement"], result["exact_domains"], result["same_category"]) == (3, 0.75, 1, 1)
    assert result["disagree"] == [{"orpha": "ORPHA:97279", "label": "x", "gold": ["G4"], "graph": ["G4", "G5"]}]
    bad = tmp_path / "bad.tsv"
    bad.write_text("\t".join(ds.COLUMNS) + "\nORPHA:1\tx\tG11\t\tr\n", encoding="utf-8")
    with pytest.raises(ds.GoldFormatError, match=r"bad.tsv:2: domains 'G11'"):
        ds.read_gold(bad)


def test_mappings_gold_reads_with_the_scorer():
    rows = ms.read_gold()
    assert len(rows) == 80 and sum(r.orpha is None for r in rows) == 1


def test_text_scorer_links_gold_texts_with_the_builds_linker(tmp_path):
    """The dev2 scorer reads what the linker says of texts that are in no trial file, as the store scorer
    reads a graph: per text, by field, and per trial."""
    from gold import score_condition_texts as sct

    from loaders.link.conditions_names import ConditionIndex

    gold = _gold(tmp_path)
    links = sct.link_gold_texts(gold, ConditionIndex.from_data(REPO / "data"))
    assert ("NCT1", "condition", "Gastrointestinal Stromal Tumor (GIST)", "44890") in links.text_links
    assert not [link for link in links.text_links if link[2] == "imatinib"]
    assert "44890" in links.trial_codes["NCT1"]
    result = sc.score(gold, links)
    assert result["rows"] == 4 and result["text"]["correct"] >= 1


def test_read_gold_accepts_a_source_url_column(tmp_path):
    path = tmp_path / "dev2.tsv"
    path.write_text("\t".join([*sc.COLUMNS, "source_url"]) + "\n2018-001360-39\tcondition\tLiposarcoma\tORPHA:3394\tx\tyes\t\t"
                    "https://example.org/p\n", encoding="utf-8")
    assert [r.expected for r in sc.read_gold(path)] == [frozenset({"3394"})]
    path.write_text("\t".join([*sc.COLUMNS, "url"]) + "\n", encoding="utf-8")
    with pytest.raises(sc.GoldFormatError, match=r"dev2.tsv:1: header must be"):
        sc.read_gold(path)


#: the fresh texts of trials outside ../shared (#17): development (eighth and ninth sessions) and held out (ninth)
FRESH_FILES = ["conditions_dev2.tsv", "conditions_dev3.tsv", "conditions_dev4.tsv", "conditions_dev5.tsv",
               "conditions_holdout.tsv", "conditions_holdout2.tsv", "conditions_holdout3.tsv",
               "conditions_holdout4.tsv", "conditions_holdout5.tsv", "conditions_holdout6.tsv",
               "conditions_holdout7.tsv", "conditions_holdout8.tsv", "conditions_holdout9.tsv",
               "conditions_holdout10.tsv", "conditions_holdout11.tsv"]
FRESH = pytest.mark.parametrize("name", FRESH_FILES)


@FRESH
def test_fresh_condition_texts_are_in_canonical_order_and_outside_the_split(name):
    rows = sc.read_gold(GOLD / name)
    keys = [(r.registry_id, r.field, r.text) for r in rows]
    assert keys == sorted(keys) and len(keys) == len(set(keys)), f"sort {name} by registry_id, field, text"
    split = {line.split("\t")[0] for line in (GOLD / "trial_split.tsv").read_text().splitlines()[1:]}
    assert not {r.registry_id for r in rows} & split, f"{name} holds a trial of the split"
    _, table = read_tsv(GOLD / name)
    assert all(row["source_url"].startswith("http") for row in table), "every row says where its text was read"


def test_the_fresh_batches_share_no_trial():
    ids = [{r.registry_id for r in sc.read_gold(GOLD / n)} for n in FRESH_FILES]
    for i, a in enumerate(ids):
        for j, b in enumerate(ids[i + 1:], start=i + 1):
            assert not a & b, f"{FRESH_FILES[i]} and {FRESH_FILES[j]} share {sorted(a & b)}"


def test_the_fresh_titles_cover_the_fresh_trials_and_say_where_they_were_read():
    from gold import score_condition_texts as sct
    lines = (GOLD / "conditions_titles.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["registry_id", "title", "title_source"]
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[0] for r in rows] == sorted({r[0] for r in rows}), "one row per id, sorted"
    assert {r[0] for r in rows} == set().union(*({r.registry_id for r in sc.read_gold(GOLD / n)} for n in FRESH_FILES))
    assert all(r[2].startswith("http") if r[1] else r[2] == "not found" for r in rows)
    assert len(sct.read_titles()) == sum(bool(r[1]) for r in rows)


@pytest.mark.shared
@FRESH
def test_fresh_condition_codes_exist_in_product3_with_their_labels(shared_data, name):
    names = orphanet_names(shared_data / "orphanet" / "en_product3_202.xml")
    _, rows = read_tsv(GOLD / name)
    for number, row in enumerate(rows, start=2):
        if row["expected"] == "NONE":
            assert row["expected_label"] == "NONE", f"{name}:{number}: a NONE row has label NONE"
            continue
        assert all(c.removeprefix("ORPHA:") in names for c in row["expected"].split("|")), f"{name}:{number}"
        assert row["expected_label"] == orpha_labels(row["expected"], names), f"{name}:{number}: product 3's names"
