"""EURACAN domain assignment of Orphanet entities by documented rules on the Orphanet classification.

EURACAN organises rare adult solid cancers in ten domains, G1 to G10 (see
``../shared/data/euracan/domains``). Orphanet's classification of rare neoplastic diseases
(ORPHAcode 250908, classification 202) is mostly anatomical, so each domain is tied to the
branches of that tree that hold its cancers. Each :class:`DomainRule` names the branches
(ORPHAcodes) it covers, the domains it gives, the sub-branches it leaves out and why.

Semantics (the pure function :func:`assign_domains`):

* a rule covers every entity that is a branch code or a descendant of one, minus every entity
  that is an excluded code or a descendant of one (set difference, so an entity that is also
  filed under an excluded branch elsewhere in the polyhierarchy is left out too);
* an entity gets every domain of every rule that covers it (thymic neuroendocrine carcinoma: G4 by
  the neuroendocrine rule and G8 by the thymic one), recorded as an :class:`Assignment` with the rule name and the nearest
  branch code it came through (``via_ancestor``);
* an entity at or under an out-of-scope code (:data:`OUT_OF_SCOPE`) gets no domain, whatever other
  branch it is filed under, unless it is at or under one of that rule's ``excluding`` codes (MEN1 under
  familial hyperparathyroidism); a ``codes_only`` rule vetoes its named codes alone, not their descendants
  (renal cell carcinoma is common, its rare subtypes are not). The entity carries the category of its
  exclusion (:data:`CATEGORIES`): haematological malignancies (ERN EuroBloodNet), benign tumours, nevi and
  hamartomas, pituitary adenomas and hormone syndromes (Endo-ERN), tumours of children (ERN PaedCan), tumour
  risk syndromes (ERN GENTURIS) and common cancers; EURACAN covers rare *adult solid cancers*;
* a grouping that no rule covers (filed above the domain branches) takes the domains of its direct members when
  they are at most two (rule ``members``: germ cell tumour G2|G3); a wider one stays without;
* every entity without a domain is returned in ``unassigned`` with the reason, never dropped.

Known limits: benign entities filed under a cancer branch are listed one by one (from their
Orphanet definitions), so a new benign entity in a later Orphanet release inherits its branch's
domain until it is listed; a few organ-level groupings above the branches (98057 "Rare tumor", 98060 "Rare respiratory
tumor", 289635 "Rare virus associated tumor") are left unassigned because they span domains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

DOMAINS = tuple(f"G{n}" for n in range(1, 11))


@dataclass(frozen=True)
class DomainRule:
    """Entities under ``branches`` (minus those under ``excluding``) belong to ``domains``."""

    name: str
    domains: tuple[str, ...]
    branches: tuple[str, ...]
    justification: str
    excluding: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutOfScope:
    """Entities at or under ``branches`` (minus those at or under ``excluding``) get no domain: EURACAN
    does not cover them; with ``codes_only`` the named codes alone, not their descendants (a common
    cancer whose rare subtypes keep their domain). ``category`` is one of :data:`CATEGORIES` (short,
    shown in the graph and the API); ``reason`` says why."""

    name: str
    branches: tuple[str, ...]
    category: str
    reason: str
    excluding: tuple[str, ...] = ()
    codes_only: bool = False


@dataclass(frozen=True)
class Assignment:
    """One domain of one entity: which rule gave it, through which ancestor (or the entity itself)."""

    domain: str
    rule: str
    via_ancestor: str


@dataclass(frozen=True)
class Unassigned:
    """An entity without a domain and why; ``category`` is set when it is out of EURACAN's scope."""

    code: str
    reason: str
    category: str | None = None


@dataclass
class DomainAssignments:
    """The result of :func:`assign_domains`."""

    assigned: dict[str, list[Assignment]] = field(default_factory=dict)
    unassigned: list[Unassigned] = field(default_factory=list)


_SARCOMA = "EURACAN domain 1 (connective tissue) covers sarcomas"

RULES: tuple[DomainRule, ...] = (
    DomainRule("soft-tissue-tumours", ("G1",), ("71209",),
               f"{_SARCOMA}: adult soft tissue sarcomas; Orphanet files them under 71209 'Rare soft tissue tumor'."),
    DomainRule("bone-tumours", ("G1",), ("68411",),
               f"{_SARCOMA}: bone sarcomas; Orphanet files them under 68411 'Rare bone tumor'."),
    DomainRule("gist", ("G1",), ("44890",),
               "EURACAN domain 1 lists gastrointestinal stromal tumours; Orphanet files GIST (44890) "
               "only under the digestive branch (423798 'Mesenchymal tumor of small intestine')."),
    DomainRule("vascular-sarcomas", ("G1",), ("673466", "673473"),
               f"{_SARCOMA}: malignant (673466: angiosarcoma, epithelioid haemangioendothelioma) and "
               "borderline (673473: Kaposi sarcoma, haemangioendotheliomas) vascular tumours are vascular "
               "sarcomas; benign vascular tumours (673470) are not covered."),
    DomainRule("sarcomas-at-organ-sites", ("G1",),
               ("423798", "206492", "213600", "213620", "213711", "213792", "213797", "457246"),
               f"{_SARCOMA} at any site; these sarcomas are filed only under organ branches "
               "(the small intestine's mesenchymal tumours: its GIST and leiomyosarcoma; uterine and cervical "
               "adenosarcomas, whose malignant component is the stroma, vulvovaginal "
               "rhabdomyosarcoma, uterine corpus and cervix sarcomas, endometrial stromal sarcoma, "
               "clear cell sarcoma of kidney)."),
    DomainRule("gynaecological", ("G2",), ("98063",),
               "EURACAN domain 2 covers female genital organs and placenta (ovary, uterus, cervix, vulva, "
               "vagina, trophoblastic disease); Orphanet's gynaecological branch 98063 also holds rare "
               "breast tumours (180250), which are not genital and are left out.",
               excluding=("180250",)),
    DomainRule("male-genital-and-urinary", ("G3",), ("182114", "626609", "93619"),
               "EURACAN domain 3 covers male genital organs and the urinary tract (kidney, renal pelvis, "
               "ureter, bladder, urethra, testis, penis); 626609 'Rare andrological tumor' also lists "
               "hereditary breast cancer (227535), which is left out.",
               excluding=("227535",)),
    DomainRule("extragonadal-germ-cell", ("G3",), ("363579",),
               "The JARC family of domain 3 includes extragonadal germ cell tumours (mediastinal, "
               "retroperitoneal); gestational choriocarcinoma (99926), filed among them, is a gestational "
               "trophoblastic neoplasm (domain 2), and the germ cell tumours of the central nervous system "
               "(251995: germinoma, teratoma, yolk sac tumour of the brain) are treated by neuro-oncology "
               "(domain 10 through 98062); both are left out.",
               excluding=("99926", "251995")),
    DomainRule("neuroendocrine", ("G4",), ("877",),
               "EURACAN domain 4 covers neuroendocrine tumours (Orphanet 877 'Neuroendocrine neoplasm'); "
               "chordoma (178) is listed under 877's 'Neuroendocrine tumor with other location' but is a "
               "notochordal bone tumour, so it is left out (domain 1 through 68411).",
               excluding=("178",)),
    DomainRule("neuroendocrine-at-organ-sites", ("G4",), ("213736", "464756", "438274", "617916"),
               "EURACAN domain 4 covers neuroendocrine tumours wherever they arise; these are filed only under "
               "organ branches, not under 877: low-grade neuroendocrine tumour of the corpus uteri, familial "
               "gastric type 1 NET, GCGR-related hyperglucagonemia (pancreatic NETs per its definition) and "
               "DIPNECH ('a rare pulmonary neuroendocrine tumor' per its definition)."),
    DomainRule("digestive", ("G5",), ("98059",),
               "EURACAN domain 5 covers the rare digestive cancers (Orphanet 98059 'Rare digestive tumor'); "
               "salivary gland tumours (276142), filed under both the digestive and the head-and-neck "
               "branches, belong to domain 7 and are left out. So are the gastroenteropancreatic "
               "neuroendocrine neoplasms (877, and the gastric type 1 NET 464756 and the pancreatic NETs of "
               "GCGR-related hyperglucagonemia 438274 filed only under their organs): they are the core of "
               "domain 4, whose expert centres are the neuroendocrine tumour centres; a NEN of another site "
               "keeps its site's domain beside G4 (thymus G8, uterus G2, middle ear G7). So are the small "
               "intestine's mesenchymal tumours (423798: GIST, leiomyosarcoma), sarcomas of domain 1, which "
               "EURACAN lists GIST under; peritoneal sarcomas (DSRCT) keep G5 by the peritoneal rule.",
               excluding=("276142", "877", "464756", "438274", "423798")),
    DomainRule("goblet-cell-adenocarcinoma", ("G5",), ("329984",),
               "Goblet cell carcinoma of the appendix is filed by Orphanet among the appendix's neuroendocrine "
               "neoplasms, but WHO (2019) classes it as an adenocarcinoma (goblet cell adenocarcinoma): a rare "
               "digestive cancer of domain 5 as well."),
    DomainRule("peritoneal", ("G5",), ("168803",),
               "EURACAN domain 5 lists peritoneal malignancies (pseudomyxoma peritonei, primary peritoneal "
               "carcinoma, desmoplastic small round cell tumour, peritoneal leiomyomatosis)."),
    DomainRule("hereditary-neuroendocrine-syndromes", ("G4",), ("276161",),
               "The multiple endocrine neoplasias are hereditary forms of rare cancers, which keep their domains "
               "(the syndrome's cancers are its patients' cancers): MEN1 and MEN4 give pancreatic, duodenal, "
               "thymic and bronchial neuroendocrine tumours (domain 4) beside their endocrine tumours (domain 6, "
               "through 182130); MEN2's cancers are medullary thyroid carcinoma and pheochromocytoma (domain 6 "
               "alone), so MEN2 (653) is left out of this rule.",
               excluding=("653",)),
    DomainRule("hereditary-gist-syndromes", ("G1",), ("97286", "139411"),
               "Carney-Stratakis syndrome and Carney triad are hereditary forms of rare cancers: SDH-deficient "
               "gastrointestinal stromal tumours (domain 1) with paragangliomas (domain 6, through 182130)."),
    DomainRule("endocrine-organs", ("G6",), ("182130",),
               "EURACAN domain 6 covers the endocrine organs (thyroid, parathyroid, adrenal, pituitary, "
               "pheochromocytoma/paraganglioma); neuroendocrine neoplasms (877), filed under the same "
               "Orphanet branch 182130, belong to domain 4 and are left out.",
               excluding=("877",)),
    DomainRule("head-and-neck", ("G7",), ("290849",),
               "EURACAN domain 7 covers head and neck cancers (salivary glands, nasopharynx, nasal cavity "
               "and sinuses, larynx, oral cavity, middle ear); Orphanet 290849 'Rare head and neck tumor'."),
    DomainRule("nut-carcinoma", ("G7", "G8"), ("443167",),
               "NUT carcinoma arises in the midline of the head and neck and of the thorax; Orphanet files "
               "it directly under 98057 'Rare tumor'."),
    DomainRule("sinonasal-neuroectodermal", ("G7",), ("1957",),
               "Esthesioneuroblastoma (olfactory neuroblastoma) arises in the sinonasal cavity (Orphanet's "
               "definition); EURACAN domain 7 covers nasal cavity and sinus cancers. Orphanet files it "
               "under 251870 'Central nervous system embryonal tumor', which gives G10 as well."),
    DomainRule("cardiac-sarcoma", ("G1",), ("874",),
               "Orphanet 874 'Primary adult heart tumor': its malignant forms are sarcomas "
               "(rhabdomyosarcoma, fibrosarcoma, leiomyosarcoma per the definition), EURACAN domain 1. Not "
               "G8: the thorax domain lists mesothelioma, thymic and lung tumours, not the heart."),
    DomainRule("thymic", ("G8",), ("100100",),
               "EURACAN domain 8 (thorax) lists thymic malignancies; Orphanet 100100 'Thymic tumor'."),
    DomainRule("lung-and-pleura", ("G8",), ("101945", "466962"),
               "EURACAN domain 8 lists mesothelioma and rare pulmonary tumours: Orphanet 101945 'Rare "
               "bronchopulmonary and pleural cavity tumors' and 466962 'SMARCA4-deficient sarcoma of thorax'."),
    DomainRule("mesothelioma", ("G8",), ("50251", "168811", "676036", "685004", "685010"),
               "EURACAN domain 8 lists mesothelioma without restricting its site: pleural, peritoneal, "
               "pericardial and tunica vaginalis mesotheliomas."),
    DomainRule("skin", ("G9",), ("79386",),
               "EURACAN domain 9 covers rare skin cancers (adnexal carcinomas, Merkel cell carcinoma, skin "
               "sarcomas, mucosal melanoma); Orphanet 79386 'Rare skin tumor or hamartoma'. Angiomatoid fibrous "
               "histiocytoma (569164), filed there, is a soft tissue tumour of the subcutis (its definition), "
               "domain 1, and is left out.",
               excluding=("569164",)),
    DomainRule("soft-tissue-tumours-filed-under-skin", ("G1",), ("569164",),
               "Angiomatoid fibrous histiocytoma is 'a rare soft tissue tumor' of intermediate malignancy (its "
               "Orphanet definition) filed only under the skin branch: EURACAN domain 1."),
    DomainRule("eye", ("G9",), ("101950",),
               "EURACAN domain 9 covers non-cutaneous melanoma including uveal and conjunctival melanoma; "
               "Orphanet 101950 'Rare eye tumor'."),
    DomainRule("kaposi-sarcoma", ("G9",), ("33276",),
               "EURACAN domain 9 lists Kaposi sarcoma explicitly (it is also a sarcoma, domain 1)."),
    DomainRule("non-cutaneous-melanoma", ("G9",), ("252050",),
               "EURACAN domain 9 covers non-cutaneous melanoma; primary melanoma of the central nervous "
               "system is filed only under the nervous system branch."),
    DomainRule("central-nervous-system", ("G10",), ("98062",),
               "EURACAN domain 10 covers rare brain and central nervous system tumours; Orphanet 98062 "
               "'Rare nervous system tumor'. Malignant peripheral nerve sheath tumours (3148), also filed there "
               "under 'Tumor of cranial and spinal nerves', are soft tissue sarcomas of peripheral nerves "
               "(domain 1) and are left out.",
               excluding=("3148",)),
)

#: reason categories of an exclusion (the value of ``rkg:domainExclusion`` in the graph)
BENIGN = "benign"
PAEDIATRIC = "paediatric: ERN PaedCan"
HAEMATOLOGICAL = "haematological: ERN EuroBloodNet"
HORMONE = "pituitary adenoma or hormone syndrome: Endo-ERN"
SYNDROME = "tumour risk syndrome: ERN GENTURIS"
COMMON = "common cancer: outside EURACAN"
CATEGORIES = (BENIGN, PAEDIATRIC, HAEMATOLOGICAL, HORMONE, SYNDROME, COMMON)

_BENIGN_DEF = ("Orphanet's definition calls it benign (or it is a nevus, hamartoma, cyst or "
               "adenoma); EURACAN covers rare adult solid cancers")

OUT_OF_SCOPE: tuple[OutOfScope, ...] = (
    OutOfScope("haematological", ("68347",), HAEMATOLOGICAL,
               "haematological malignancy (under 68347 'Tumor of hematopoietic and lymphoid tissues'): "
               "EURACAN covers solid cancers; these belong to the ERN EuroBloodNet"),
    OutOfScope("benign-branches", ("180253", "252131", "294057", "673470", "676030", "97293", "199257",
                                   "300515"), BENIGN,
               "under an Orphanet branch of benign tumours (180253 'Rare benign breast tumor', 252131 'Benign "
               "peripheral nerve sheath tumor', 294057 'Rare nevus', 673470 'Benign vascular tumor', 676030 "
               "'Primary benign peritoneal tumor', 97293 'Rare benign ovarian tumor', 199257 'Superficial "
               "fibromatosis', 300515 'Rare nail tumor' (onychomatricomas)); EURACAN covers cancers"),
    OutOfScope("benign-entities",
               ("93292", "480553", "314419", "276148", "464359", "404507", "440727", "157826", "139414",
                "263435", "206470", "2111", "673568", "35125", "497737", "538756", "435329",
                "168632", "386", "54272", "566841", "2591", "289596", "447777", "626", "2611", "569248",
                "97366", "321", "296", "289685", "141112", "263432", "263425", "300504", "300512", "52994",
                "58040", "314473", "314478", "314451", "314466",
                "83468", "91414", "864", "840", "353356", "171723", "168816", "91351", "615", "206484",
                "251992", "867", "91481", "79466", "79467", "79468", "57782", "100035", "675814",
                "675822", "180237", "674968",
                # audit of 2026-12-07 (seed 3117): benign or self-limiting by their Orphanet definitions or by
                # WHO: proliferating trichilemmal cyst, nodular fasciitis, glomus tumour, choroidal osteoma,
                # eruptive keratoacanthoma, adenoid ameloblastoma, central giant cell granuloma, perineuriomas
                "492", "477742", "391651", "674965", "411777", "689430", "696078", "85102"),
               # not listed since the twelfth session: the benign (grade 1) tumours of the brain and its coverings
               # (choroid plexus papilloma 2807, dysembryoplastic neuroepithelial tumour 251946, meningeal
               # melanocytoma 252046, haemangioblastoma 252054, familial multiple meningioma 263662), which are
               # G10's as the meningioma is: CNS tumours are graded, not split into benign and malignant, and
               # neuro-oncology treats every grade; the benign tumours of the peripheral nerves stay here
               BENIGN, _BENIGN_DEF),
    OutOfScope("pituitary-adenomas-and-hormone-syndromes", ("99408", "2207", "99879", "404", "649017"), HORMONE,
               "pituitary adenomas (99408: prolactinoma, acromegaly, Cushing disease, gigantism ...), "
               "hormone-excess syndromes (familial hyperparathyroidism, hyperaldosteronism) and adrenocortical "
               "nodular diseases (649017) are benign endocrine diseases of the Endo-ERN; EURACAN domain 6 "
               "covers endocrine cancers (pituitary carcinoma 300385 stays in G6). MEN1 (652), filed under "
               "familial hyperparathyroidism, is left out: its neuroendocrine tumours are rare cancers",
               excluding=("652",)),
    OutOfScope("paediatric-tumours",
               ("635", "654", "790", "449", "33402", "64742", "99966", "251899", "2665", "251940", "141077",
                "284362", "251877", "268139", "247762", "141115", "69077", "875", "2028", "2481", "2086",
                "251858", "497188", "656417",
                # audit of 2026-12-07: undifferentiated embryonal sarcoma of the liver ('a neoplasm of childhood'),
                # kaposiform haemangioendothelioma (infancy, Kasabach-Merritt), infant-type hemispheric glioma,
                # pancreatoblastoma ('most often found in children'), nasopharyngeal and sacrococcygeal teratomas
                "178315", "2122", "695136", "677", "141107", "494421",
                # subependymal giant cell astrocytoma: a tumour of children with tuberous sclerosis (was 'benign')
                "251618"),
               PAEDIATRIC,
               "a tumour of children (Orphanet: onset in infancy or childhood, 'typically affecting the "
               "pediatric population'): neuroblastoma, nephroblastoma, retinoblastoma, hepatoblastoma, "
               "pleuropulmonary blastoma, rhabdoid tumours ...; they belong to the ERN PaedCan"),
    OutOfScope("tumour-risk-syndromes",
               ("97685", "109", "113", "122", "139", "140944", "1359", "370046", "306658", "53715", "306661",
                "276280", "636", "363700", "638", "64754", "2874", "313936", "306498", "744", "2969", "3110",
                "370052", "137608", "163634", "2760", "201", "805", "377", "79493", "284343", "523", "300501",
                "319340", "892", "493", "65748", "85182", "404560",
                # audits of 2026-12-07 (seeds 3117, 4117): hereditary or familial forms of common cancers
                # (cutaneous melanoma, prostate, pancreatic ductal, gastric, differentiated thyroid carcinoma) and
                # an inherited tumour syndrome (its definition) are predispositions of the ERN GENTURIS, not rare
                # cancer entities; hereditary forms of rare cancers (medullary thyroid carcinoma 99361,
                # pheochromocytoma-paraganglioma 29072, gastric type 1 NET 464756) keep their domain
                "618", "1331", "97290", "1333", "423776", "26106", "314022", "319487", "319494"),
               SYNDROME,
               "a genetic tumour risk, overgrowth or neurocutaneous syndrome, not a cancer entity: its "
               "cancers are mapped on their own entities; the syndromes belong to the ERN GENTURIS"),
    # von Hippel-Lindau disease (892) and Carney complex (1359), listed above, are syndromes of mostly benign
    # tumours (haemangioblastomas, myxomas, adrenocortical nodules); the multiple endocrine neoplasias, Carney
    # triad and Carney-Stratakis syndrome are hereditary forms of rare cancers and take their domains by the
    # rules "hereditary-*-syndromes" and "endocrine-organs"
    OutOfScope("common-cancers", ("217071", "319276"), COMMON,
               "a common cancer (RARECARE: incidence above 6 per 100,000 a year): renal cell carcinoma as a whole "
               "and its clear cell type; EURACAN covers rare cancers. Their rare subtypes (papillary, chromophobe, "
               "translocation, clear cell papillary ...) keep domain 3",
               codes_only=True),
)


def build_hierarchy(parents: Mapping[str, Iterable[str]]) -> nx.DiGraph:
    """A directed graph with an edge parent -> child for every parent link of ``parents``."""
    graph = nx.DiGraph()
    for code, links in parents.items():
        graph.add_node(code)
        for parent in links:
            graph.add_edge(parent, code)
    return graph


def _reach(hierarchy: nx.DiGraph, codes: Iterable[str], rule: str) -> dict[str, tuple[int, str]]:
    """Every code at or below ``codes``: code -> (distance, nearest branch code)."""
    out: dict[str, tuple[int, str]] = {}
    for branch in codes:
        if branch not in hierarchy:
            raise ValueError(f"domain rule {rule!r} names ORPHAcode {branch}, which is not in the hierarchy")
        for code, dist in nx.single_source_shortest_path_length(hierarchy, branch).items():
            if code not in out or (dist, int(branch)) < (out[code][0], int(out[code][1])):
                out[code] = (dist, branch)
    return out


def _why_unassigned(code: str, hierarchy: nx.DiGraph, assigned: Mapping[str, list[Assignment]],
                    vetoed: Mapping[str, OutOfScope]) -> str:
    if code in vetoed:
        return f"out of scope ({vetoed[code].name}): {vetoed[code].reason}"
    below = sorted({a.domain for d in nx.descendants(hierarchy, code) for a in assigned.get(d, [])},
                   key=DOMAINS.index)
    if below:
        return f"grouping above the domain branches; its descendants are in {', '.join(below)}"
    return "no domain rule covers this entity or any of its ancestors"


#: Orphanet's inherited cancer-predisposing syndromes: a grouping there is of syndromes, never of its members' cancers
PREDISPOSITION = "140162"
#: a grouping above the domain branches takes its members' domains when they are at most this many
GROUPING_SPAN = 2
#: the rule name of an assignment a grouping takes from its members
MEMBERS = "members"


def _groupings_of_members(hierarchy: nx.DiGraph, assigned: dict[str, list[Assignment]],
                          vetoed: Mapping[str, OutOfScope]) -> None:
    """Give a grouping that no rule covers the domains of its direct members (children first, so a grouping of
    groupings sees theirs) when they are at most :data:`GROUPING_SPAN`: germ cell tumour (ovary G2, testis G3), EBV
    carcinoma (nasopharynx G7, stomach G5), rare cardiac tumour (sarcoma G1, pericardial mesothelioma G8). A wider
    grouping ("Rare tumor", "Rare virus associated tumor") says nothing of which centre treats a patient and stays
    without; so does an excluded code and a grouping of predisposition syndromes. Mutates ``assigned``."""
    syndromes = nx.descendants(hierarchy, PREDISPOSITION) | {PREDISPOSITION} if PREDISPOSITION in hierarchy else set()
    for code in reversed(list(nx.topological_sort(hierarchy))):
        if code in assigned or code in vetoed or code in syndromes:
            continue
        domains = {a.domain for child in hierarchy.successors(code) for a in assigned.get(child, [])}
        if 0 < len(domains) <= GROUPING_SPAN:
            assigned[code] = [Assignment(d, MEMBERS, code) for d in sorted(domains, key=DOMAINS.index)]


def assign_domains(hierarchy: nx.DiGraph, rules: Iterable[DomainRule] = RULES,
                   out_of_scope: Iterable[OutOfScope] = OUT_OF_SCOPE) -> DomainAssignments:
    """The EURACAN domains of every node of ``hierarchy`` (edges parent -> child) under ``rules``.

    Pure. Returns assignments per code (sorted by domain, then rule) and the unassigned codes with
    reasons (sorted by code). Raises ValueError if a rule names a domain outside G1..G10 or a
    code that is not in the hierarchy.
    """
    vetoed: dict[str, OutOfScope] = {}
    for scope in out_of_scope:
        if scope.category not in CATEGORIES:
            raise ValueError(f"out-of-scope rule {scope.name!r} names unknown category {scope.category!r}")
        reached = _reach(hierarchy, scope.branches, scope.name)
        spared = _reach(hierarchy, scope.excluding, scope.name)
        for code in (scope.branches if scope.codes_only else reached):
            if code not in spared:
                vetoed.setdefault(code, scope)
    # one assignment per code and domain: the rule whose branch is nearest (the first rule on a tie), so a GIST,
    # named by rule "gist" and also under a G1 grouping, is G1 once
    nearest: dict[tuple[str, str], tuple[int, Assignment]] = {}
    for rule in rules:
        bad = [d for d in rule.domains if d not in DOMAINS]
        if bad:
            raise ValueError(f"domain rule {rule.name!r} names unknown domains {bad}")
        covered = _reach(hierarchy, rule.branches, rule.name)
        excluded = _reach(hierarchy, rule.excluding, rule.name)
        for code, (dist, via) in covered.items():
            if code in excluded or code in vetoed:
                continue
            for d in rule.domains:
                if (code, d) not in nearest or dist < nearest[code, d][0]:
                    nearest[code, d] = (dist, Assignment(d, rule.name, via))
    assigned: dict[str, list[Assignment]] = {}
    for (code, _), (_, assignment) in nearest.items():
        assigned.setdefault(code, []).append(assignment)
    _groupings_of_members(hierarchy, assigned, vetoed)
    result = DomainAssignments()
    for code in sorted(hierarchy.nodes, key=int):
        found = sorted(assigned.get(code, []), key=lambda a: (DOMAINS.index(a.domain), a.rule))
        if found:
            result.assigned[code] = found
        else:
            scope = vetoed.get(code)
            result.unassigned.append(Unassigned(code, _why_unassigned(code, hierarchy, assigned, vetoed),
                                                scope.category if scope else None))
    return result


def rule_by_name(name: str, rules: Iterable[DomainRule] = RULES) -> DomainRule:
    """The rule called ``name``; KeyError if there is none."""
    for rule in rules:
        if rule.name == name:
            return rule
    raise KeyError(name)
