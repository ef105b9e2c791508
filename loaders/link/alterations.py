"""Gene-alteration mentions in trial text ("NTRK fusion", "KIT exon 11", "IDH1 R132H", "SDH-deficient"),
resolved to the curated alteration classes of ``data/subgroups/alterations.tsv``.

:func:`detect` finds mentions with four patterns (gene names come from ``genes.tsv``, their families
and a few aliases such as "c-kit", "TRK", "INI1"; any other upper-case gene-like word is found too,
so unknown genes are reported rather than silently missed):

* ``pair``: two genes joined by "::", "-" or "/" before a fusion word, or by "::"/"-" alone
  ("EWSR1-FLI1", "ETV6::NTRK3 fusion");
* ``gene-kind``: genes, then a kind word ("NTRK1/2/3 gene fusion", "KIT or PDGFRA mutation",
  "RET-mutant", "MDM2 amplification", "SDH-deficient", "ALK rearrangement");
* ``kind-gene``: a kind word, then "of"/"in"/"involving" and genes ("mutation of the KIT or PDGFRA gene");
* ``variant``: a gene and a protein change or exon ("BRAF V600E", "IDH1 R132H", "H3 K27M", "KIT exon 11"),
  plus "1p/19q codeletion".

A mention is *negated* when its clause says "without", "no", "not", "negative for", "absence of",
"wild-type" ..., or when it sits in the "Exclusion Criteria" part of eligibility text.
:func:`resolve` picks the alteration class: exact genes, kind and variant first (rule ``exact``);
else the class of the genes' family ("NTRK1 fusion" -> ``ntrk-fusion``, rule ``gene-family``,
which is broader than the mention); else, for a fusion of two partners without a class of its own,
the class of a partner ("EWSR1-WT1" would give an EWSR1 fusion class if one existed, rule ``partner``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from loaders import subgroups

#: kind words -> the ``kind`` column of alterations.tsv
KIND_WORDS: dict[str, str] = {
    "fusion": "fusion", "fusions": "fusion", "fused": "fusion", "rearrangement": "fusion",
    "rearrangements": "fusion", "rearranged": "fusion", "translocation": "fusion", "translocated": "fusion",
    "mutation": "mutation", "mutations": "mutation", "mutated": "mutation", "mutant": "mutation",
    "amplification": "amplification", "amplified": "amplification",
    "deficient": "deficiency", "deficiency": "deficiency", "loss": "deficiency",
    "altered": "alteration", "alteration": "alteration", "alterations": "alteration",
    "methylated": "methylation", "methylation": "methylation",
    "deletion": "deletion", "deleted": "deletion", "overexpression": "overexpression",
}
#: other names of curated genes and families
ALIASES = {"C-KIT": "KIT", "CKIT": "KIT", "TRK": "NTRK", "INI1": "SMARCB1", "SYT": "SS18", "H3.3": "H3-3A",
           "H3F3A": "H3-3A", "SUCCINATE DEHYDROGENASE": "SDH", "EWS": "EWSR1", "CHOP": "DDIT3", "NUT": "NUTM1"}
_NEGATION = re.compile(r"\b(?:without|no|not|negative\s+for|absence\s+of|absent|lack\s+of|lacking|"
                       r"free\s+of|excluding|except|wild[\s-]?type|other\s+than)\b", re.IGNORECASE)
_AFTER_NEGATION = re.compile(r"^[\s-]*(?:wild[\s-]?type|negative|wt\b|not\s+(?:detected|present))", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;:\n]|\s-\s|\s\d+\.\s|\bbut\b", re.IGNORECASE)
_EXCLUSION = re.compile(r"exclusion\s+criteria", re.IGNORECASE)
_GENE = r"(?:[A-Z][A-Z0-9]{1,7}(?:-[0-9][A-Z]?)?|[cC]-[kK][iI][tT]|H3\.3|[Ss]uccinate [Dd]ehydrogenase)"
_GENE_LIST = rf"{_GENE}(?:\s*(?:/\d\b|,\s*(?:and\s+|or\s+)?{_GENE}|\s+(?:and|or|and/or)\s+{_GENE}|/{_GENE}))*"
_KIND = r"(?i:" + "|".join(sorted(KIND_WORDS, key=len, reverse=True)) + r")"
_FUSION_KIND = r"(?i:fusions?|fused|rearrange\w*|translocat\w*)"
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pair", re.compile(rf"\b(?P<a>{_GENE})\s*(?:::|-|–)\s*(?P<b>{_GENE})\b(?:\s+(?:gene\s+)?{_FUSION_KIND})?"
                        rf"|\b(?P<c>{_GENE})/(?P<d>{_GENE})\s+(?:gene\s+)?{_FUSION_KIND}")),
    ("variant", re.compile(rf"\b(?P<gene>{_GENE})(?:\s+(?:\(\w+\)\s*)?(?:p\.)?|\s*p\.|(?<=H3))(?P<variant>[A-Z]\d{{2,4}}[A-Z]?\b|"
                           r"(?i:exon)\s+\d+)|\b(?P<codel>1p/19q)[\s-]*(?i:co-?deleted|co-?deletion)")),
    ("gene-kind", re.compile(rf"\b(?P<genes>{_GENE_LIST})(?:\s+(?i:genes?))?[\s-]+(?P<kind>{_KIND})\b")),
    ("kind-gene", re.compile(rf"\b(?P<kind>{_KIND})\s+(?i:of|in|involving|affecting)\s+(?i:the\s+)?"
                             rf"(?P<genes>{_GENE_LIST})\b")),
)
_NOT_GENES = frozenset({"AND", "OR", "THE", "OF", "IN", "WHO", "CNS", "DNA", "RNA", "II", "III", "IV", "NOS",
                        "CT", "MRI", "PET", "ECOG", "GIST", "PR", "CR", "SD", "PD", "OS", "PFS", "HIV", "IHC"})


@dataclass(frozen=True)
class Vocabulary:
    """Curated genes (symbol -> family), families, and alteration classes by (kind, genes, variant)."""

    families: dict[str, str]                       # gene symbol -> family ("" if none)
    members: dict[str, frozenset[str]]             # family -> its genes
    classes: dict[tuple[str, frozenset[str], str], str]  # (kind, genes/families, variant key) -> alteration id

    @classmethod
    def from_data(cls, data_dir: Path) -> Vocabulary:
        """From ``data_dir/subgroups``; DataError (file, line) for a malformed table."""
        folder = data_dir / subgroups.SOURCE.name
        genes = list(subgroups.read_genes(folder / subgroups.GENES_FILE))
        families = {g.symbol: g.family for g in genes}
        members: dict[str, set[str]] = {}
        for g in genes:
            if g.family:
                members.setdefault(g.family, set()).add(g.symbol)
        classes = {(a.kind, frozenset(a.genes), variant_key(a.variant)): a.id
                   for a in subgroups.read_alterations(folder / subgroups.ALTERATIONS_FILE)}
        return cls(families, {k: frozenset(v) for k, v in members.items()}, classes)

    def canonical(self, name: str) -> str | None:
        """A curated gene symbol or family for a written gene name ("c-kit" -> "KIT"); None if unknown."""
        up = name.upper().strip()
        up = ALIASES.get(up, up)
        return up if up in self.families or up in self.members else None


@dataclass(frozen=True)
class Mention:
    """One alteration mention: what was written, what it means, and the class it resolves to."""

    text: str
    genes: tuple[str, ...]          # as written, upper case
    kind: str
    variant: str
    negated: bool
    pattern: str
    alteration_id: str | None = None
    rule: str = "unresolved"        # exact | gene-family | partner | unresolved
    score: float = 0.0


def variant_key(variant: str) -> str:
    """"K27M (p.K28M)" -> "K27M"; "exon 11" -> "EXON11"; "" stays ""."""
    head = variant.split("(")[0]
    return re.sub(r"\s+", "", head).upper()


def _split_genes(text: str) -> list[str]:
    """"NTRK1/2/3" -> NTRK1, NTRK2, NTRK3; "KIT or PDGFRA" -> KIT, PDGFRA."""
    out: list[str] = []
    for part in re.split(r"\s*(?:,|\band/or\b|\band\b|\bor\b)\s*|/(?=[A-Za-z])", text):
        part = part.strip()
        if not part:
            continue
        if m := re.fullmatch(r"([A-Za-z]+)(\d)((?:/\d)+)", part):
            out.extend(m.group(1) + d for d in [m.group(2), *m.group(3).split("/")[1:]])
        else:
            out.append(part)
    return [g for g in out if g.upper() not in _NOT_GENES]


def _negated(text: str, start: int, end: int, excluded_from: int | None) -> bool:
    if excluded_from is not None and start >= excluded_from:
        return True
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    return bool(_NEGATION.search(text, clause_start, start) or _AFTER_NEGATION.match(text[end:end + 30]))


def _raw_mentions(text: str) -> list[tuple[str, int, int, list[str], str, str]]:
    """(pattern, start, end, genes, kind, variant) for every non-overlapping mention, first pattern wins."""
    taken: list[tuple[int, int]] = []
    found = []
    for name, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            g = m.groupdict()
            if name == "pair":
                genes, kind, variant = [g["a"] or g["c"], g["b"] or g["d"]], "fusion", ""
            elif name == "variant" and g.get("codel"):
                genes, kind, variant = [], "deletion", "1P/19QWHOLE-ARMCODELETION"
            elif name == "variant":
                genes, kind, variant = [g["gene"]], "mutation", variant_key(g["variant"])
            else:
                genes, kind, variant = _split_genes(g["genes"]), KIND_WORDS[g["kind"].lower()], ""
            if not genes and not variant:
                continue
            taken.append((m.start(), m.end()))
            found.append((name, m.start(), m.end(), genes, kind, variant))
    return sorted(found, key=lambda f: f[1])


def detect(text: str, vocab: Vocabulary, *, eligibility: bool = False) -> list[Mention]:
    """Every alteration mention in ``text``, resolved (see :func:`resolve`), in text order.

    With ``eligibility``, mentions after an "Exclusion Criteria" heading count as negated.
    """
    excl = _EXCLUSION.search(text) if eligibility else None
    out: list[Mention] = []
    for name, start, end, genes, kind, variant in _raw_mentions(text):
        if name == "pair" and len({vocab.canonical(x) or x.upper() for x in genes}) < 2:
            continue  # "KIT/CD117" is one gene, not a fusion
        if name == "pair" and not all(vocab.canonical(x) for x in genes):
            continue  # a hyphenated word pair of unknown genes is more likely a name than a fusion
        if name == "variant" and genes and not vocab.canonical(genes[0]):
            continue
        negated = _negated(text, start, end, excl.start() if excl else None)
        mention = Mention(text[start:end], tuple(x.upper() for x in genes), kind, variant, negated, name)
        out.extend(resolve(mention, vocab))
    return out


def resolve(mention: Mention, vocab: Vocabulary) -> list[Mention]:
    """The mention resolved: one result per gene for a non-fusion list ("KIT or PDGFRA mutation")."""
    canon = [vocab.canonical(g) for g in mention.genes]
    if mention.kind == "deletion" and not mention.genes:
        return [_resolved(mention, vocab.classes.get(("deletion", frozenset(), mention.variant)), "exact", 0.95)]
    if mention.kind == "fusion" and len(canon) > 1 and mention.pattern == "pair":
        return [_resolve_set(mention, [c for c in canon if c], vocab)]
    groups = _collapse_family(canon, mention.kind, vocab) if mention.kind != "fusion" or mention.pattern != "pair" else canon
    return list({r.alteration_id or r.text: r for r in (_resolve_set(mention, [c] if c else [], vocab)
                                                     for c in groups)}.values())


def _collapse_family(canon: list[str | None], kind: str, vocab: Vocabulary) -> list[str | None]:
    """Genes listed together that make up a whole family with a class of this kind become the family
    ("NTRK1/2/3 fusion" -> "NTRK"; "GNAQ or GNA11 mutation" stays two genes)."""
    known = {c for c in canon if c}
    for family, members in vocab.members.items():
        if len(members) > 1 and members <= known and (kind, frozenset({family}), "") in vocab.classes:
            known = (known - members) | {family}
    return sorted(known) + [c for c in canon if c is None][:1] if known else [None]


def _resolve_set(mention: Mention, genes: list[str], vocab: Vocabulary) -> Mention:
    if not genes:
        return _resolved(mention, None, "unresolved", 0.0)
    kind, variant = mention.kind, mention.variant
    exact = vocab.classes.get((kind, frozenset(genes), variant))
    if exact:
        return _resolved(mention, exact, "exact", 0.95)
    fams = frozenset(vocab.families.get(g) or g for g in genes)
    if (hit := vocab.classes.get((kind, fams, variant))) and fams != frozenset(genes):
        return _resolved(mention, hit, "gene-family", 0.80)
    if kind == "fusion" and len(genes) > 1:
        for g in sorted(genes):
            for key in (frozenset({g}), frozenset({vocab.families.get(g) or g})):
                if hit := vocab.classes.get(("fusion", key, "")):
                    return _resolved(mention, hit, "partner", 0.75)
    return _resolved(mention, None, "unresolved", 0.0)


def _resolved(mention: Mention, alteration_id: str | None, rule: str, score: float) -> Mention:
    return Mention(mention.text, mention.genes, mention.kind, mention.variant, mention.negated, mention.pattern,
                   alteration_id, rule if alteration_id else "unresolved", score if alteration_id else 0.0)
