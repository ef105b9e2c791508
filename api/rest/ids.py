"""Identifiers in any form a user has, resolved to the REST API's canonical ids.

Canonical ids (and the IRIs they name):

* entity: ``ORPHA:99916`` (``entity/orpha/99916``), ``oncotree:GIST`` (``entity/oncotree/GIST``),
  ``subgroup:<slug>`` (``subgroup/<slug>``);
* trial: the registry id in the IRI, e.g. ``NCT00685828``; publication: ``PMID:<n>``;
* centre: its slug, e.g. ``centre-leon-berard``; domain: ``G1`` .. ``G10``.

Another spelling of the same id (case, a bare Orphanet number, ``Orphanet_99916``, the ORDO or
rarekg IRI, a bare OncoTree code) redirects permanently (301); an id found through data that may
change (an NCIt/ICD/MeSH cross-reference, a label, a EudraCT or CTIS number, a DOI, a centre's
name or alias) redirects temporarily (307). :func:`resolve` raises :class:`NotFound` with close
matches otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from api.rest.catalogue import Catalogue, of_type
from api.rest.search import fold, search
from kg.core.vocab import BASE, DCTERMS, OBOINOWL, RDFS, RKG, SKOS, slugify

_ORPHA = re.compile(r"^(?:orpha(?:net)?[:_ ]?|.*orphanet_|.*/entity/orpha/)?(\d{1,7})$", re.IGNORECASE)
_PMID = re.compile(r"^(?:pmid:?\s*|.*/publication/pmid/)?(\d{1,9})$", re.IGNORECASE)


@dataclass(frozen=True)
class Resolved:
    iri: str
    canonical: str
    #: 200 when the request used the canonical id, else the redirect status (301 or 307)
    status: int


@dataclass
class NotFound(Exception):
    kind: str
    given: str
    close: list[dict[str, str]] = field(default_factory=list)


def entity_id(iri: str) -> str:
    """The canonical id of an entity IRI."""
    local = iri[len(BASE):]
    if local.startswith("entity/orpha/"):
        return "ORPHA:" + local[len("entity/orpha/"):]
    if local.startswith("entity/oncotree/"):
        return "oncotree:" + local[len("entity/oncotree/"):]
    if local.startswith("subgroup/"):
        return "subgroup:" + local[len("subgroup/"):]
    return local


def entity_iri(canonical: str) -> str:
    """The IRI a canonical entity id names (no check that it exists)."""
    prefix, _, local = canonical.partition(":")
    return BASE + {"ORPHA": "entity/orpha/", "oncotree": "entity/oncotree/", "subgroup": "subgroup/"}.get(
        prefix, "entity/none/") + local


def local_id(iri: str, kind: str) -> str:
    """The canonical id of a centre, trial, domain (``<kind>/<id>``) or publication IRI."""
    if kind == "publication":
        return "PMID:" + iri.rsplit("/", 1)[1]
    return iri[len(BASE) + len(kind) + 1:]


def resolve(cat: Catalogue, kind: str, given: str) -> Resolved:
    """Resolve ``given`` (any form) to a node of ``kind``. Raises NotFound."""
    text = given.strip()
    finder = {"entity": _entity, "centre": _centre, "trial": _trial,
              "publication": _publication, "domain": _domain}[kind]
    found = finder(cat, text) if text else None
    if found is None:
        raise NotFound(kind, given, close_matches(cat, kind, text))
    iri, status = found
    canonical = entity_id(iri) if kind == "entity" else local_id(iri, kind)
    return Resolved(iri, canonical, 200 if canonical == given else status)


def _entity(cat: Catalogue, text: str) -> tuple[str, int] | None:
    from api.rest.views import entity_view
    known = cat.entity_set
    for candidate in (entity_iri(text), text if text.startswith(BASE) else ""):
        if candidate in known:
            return candidate, 301
    match = _ORPHA.match(text)
    if match and (iri := f"{BASE}entity/orpha/{int(match.group(1))}") in known:
        return iri, 301
    codes = cat.kept("oncotree-codes", lambda: {
        code.casefold(): e for e in cat.entities for code in entity_view(cat).strings(e, RKG.oncotreeCode)})
    bare = re.sub(r"^(oncotree:|.*/entity/oncotree/)", "", text, flags=re.IGNORECASE).casefold()
    if bare in codes:
        return codes[bare], 301
    if text.casefold().startswith("subgroup:") and f"{BASE}subgroup/{text[9:].lower()}" in known:
        return f"{BASE}subgroup/{text[9:].lower()}", 301
    xrefs = cat.kept("xrefs", lambda: _first_by(
        (x.casefold(), e) for e in cat.entities for x in entity_view(cat).strings(e, OBOINOWL.hasDbXref)))
    if text.casefold() in xrefs:
        return xrefs[text.casefold()], 307
    named = [m for m in search(cat, text) if m.score == 100.0 and m.name.field in ("label", "synonym")]
    if named:  # the same spelling first (Orphanet's "tumor" label vs OncoTree's "Tumor")
        return next((m for m in named if m.name.text == text), named[0]).entity, 307
    return None


def _centre(cat: Catalogue, text: str) -> tuple[str, int] | None:
    iri = f"{BASE}centre/{text}"
    if iri in cat.out:
        return iri, 301
    slug = slugify(text.rsplit("/centre/", 1)[-1])
    if (iri := f"{BASE}centre/{slug}") in cat.out:
        return iri, 301
    names = cat.kept("centre-names", lambda: _centre_names(cat))
    return (names[slug], 307) if slug in names else None


def _centre_names(cat: Catalogue) -> dict[str, str]:
    view = cat.prefetch(cat.centres, (RDFS.label, SKOS.altLabel), of_type(RKG.HealthcareProvider))
    return _first_by((slugify(n), c) for c in cat.centres for n in [view.label(c), *view.strings(c, SKOS.altLabel)])


def _trial(cat: Catalogue, text: str) -> tuple[str, int] | None:
    ids = cat.kept("trial-ids", lambda: _trial_ids(cat))
    bare = text.rsplit("/trial/", 1)[-1].casefold()
    if bare not in ids:
        return None
    iri = ids[bare]
    return iri, 301 if bare == local_id(iri, "trial").casefold() else 307


def _trial_ids(cat: Catalogue) -> dict[str, str]:
    view = cat.prefetch(cat.trials, (DCTERMS.identifier, RKG.secondaryId), of_type(RKG.ClinicalTrial))
    return {**_first_by((i.casefold(), t) for t in cat.trials
                        for i in [*view.strings(t, DCTERMS.identifier), *view.strings(t, RKG.secondaryId)]),
            **{local_id(t, "trial").casefold(): t for t in cat.trials}}


def _publication(cat: Catalogue, text: str) -> tuple[str, int] | None:
    match = _PMID.match(text)
    if match and (iri := f"{BASE}publication/pmid/{int(match.group(1))}") in cat.out:
        return iri, 301
    other = cat.kept("publication-ids", lambda: _publication_ids(cat))
    bare = re.sub(r"^(doi:|https?://(dx\.)?doi\.org/)", "", text, flags=re.IGNORECASE).casefold()
    return (other[bare], 307) if bare in other else None


def _publication_ids(cat: Catalogue) -> dict[str, str]:
    view = cat.prefetch(cat.publications, (RKG.doi, RKG.pmcid), of_type(RKG.Publication))
    return _first_by((i.casefold(), p) for p in cat.publications
                     for i in [*view.strings(p, RKG.doi), *view.strings(p, RKG.pmcid)])


def _domain(cat: Catalogue, text: str) -> tuple[str, int] | None:
    bare = text.rsplit("/domain/", 1)[-1].upper()
    iri = f"{BASE}domain/{bare}"
    return (iri, 301) if iri in cat.domains else None


def _first_by(pairs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out: dict[str, str] = {}
    for k, v in sorted(pairs):
        out.setdefault(k, v)
    return out


def close_matches(cat: Catalogue, kind: str, text: str, limit: int = 5) -> list[dict[str, str]]:
    """Up to ``limit`` nodes of ``kind`` whose id or name resembles ``text``."""
    if kind == "entity":
        return [{"id": entity_id(m.entity), "label": cat.label(m.entity), "matched": m.name.text}
                for m in search(cat, text)[:limit]]
    from rapidfuzz import fuzz, process
    nodes = {"centre": cat.centres, "trial": cat.trials, "publication": cat.publications,
             "domain": cat.domains}[kind]
    labels = cat.kept(f"labels-{kind}", lambda: _labels(cat, nodes, _CLASS[kind]))
    choices = cat.kept(f"choices-{kind}", lambda: [
        fold(f"{local_id(n, kind)} {label}") for n, label in zip(nodes, labels, strict=True)])
    found = process.extract(fold(text), choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
    return [{"id": local_id(nodes[i], kind), "label": labels[i]} for _, _, i in found]


#: the class of the nodes of each kind (the lists of the catalogue are the nodes of these classes)
_CLASS = {"centre": RKG.HealthcareProvider, "trial": RKG.ClinicalTrial, "publication": RKG.Publication,
          "domain": RKG.CancerDomain}


def _labels(cat: Catalogue, nodes: list[str], cls: Any) -> list[str]:
    view = cat.prefetch(nodes, (RDFS.label,), of_type(cls))
    return [view.label(n) for n in nodes]
