"""Institutions beyond the member list, and the links of trial sites and affiliations to providers.

Reads the curated institutions (``data/institutions/institutions.tsv``), extra aliases of EURACAN
centres (``data/institutions/member_aliases.tsv``) and the centres themselves
(``data/euracan/centres.tsv``) as one candidate set, resolves every site of the compiled trials and
every affiliation of the compiled publications (``data/evidence``) with :mod:`loaders.link.curated`, and
yields, into graph ``graph/institutions``:

* one ``rkg:HealthcareProvider`` per curated institution (``centre/<slug>``; members are loaded by
  :mod:`loaders.euracan` under the same IRI scheme and never get a membership from here);
* ``site rkg:atProvider provider``, ``site rkg:resolutionStatus "resolved"|"generic"|"unresolved"``,
  ``authorship rkg:affiliatedWith provider``;
* ``rkg:Evidence`` per (trial, provider) and (publication, provider), at
  ``evidence/trial/<trial id>/<provider>`` and ``evidence/publication/<pmid>/<provider>``, with the
  rule, matched text and score of the link (the entity side, ``rkg:aboutEntity``, is added elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.core import names
from kg.core.records import BuildContext, LoadReport, SourceInfo, Triple
from kg.core.vocab import (
    CONFIDENCE,
    DCTERMS,
    ECO_PUBLICATION,
    ECO_TRIAL_SITE,
    MATCH_STRING,
    ORG,
    PROV,
    RDF,
    RDFS,
    RKG,
    RULE,
    XSD,
    mint,
)
from loaders import euracan, evidence, pubmed, ror, trials
from loaders.euracan import centre_iri
from loaders.institutions_curated import (
    FOLDER,
    INSTITUTIONS_FILE,
    MEMBER_ALIASES_FILE,
    Institution,
    affiliation_place,
    candidates,
    country_words,
    read_institutions,
)
from loaders.link import curated as resolver
from loaders.link.registry import Wanted, wanted
from loaders.link.registry import build_index as registry_index
from loaders.link.sites import SiteResolver, registry_id

SOURCE = SourceInfo(
    name="institutions",
    title="Institutions named by trial sites and affiliations, and their links (curated by rarekg)",
    license="CC-BY-4.0",
    attribution="rarekg curated institutions; trial and publication records courtesy of NLM and EMA",
    homepage="https://w3id.org/rarekg/",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)


# -- resolving the compiled evidence ----------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """One resolved or unresolved string with where it came from."""

    kind: str                        # "site" | "affiliation"
    record: str                      # trial id or PMID
    node: NamedNode                  # the site or authorship node
    text: str
    city: str
    country: str
    date: str | None
    resolution: resolver.Resolution


def resolve_all(index: resolver.Index | SiteResolver, found: list[trials.Trial], pubs: list[pubmed.Publication],
                report: LoadReport | None = None) -> list[Link]:
    """Every site of ``found`` and every affiliation of ``pubs``, resolved in three steps
    (:class:`loaders.link.sites.SiteResolver`; a bare curated index gets no registry). A string seen before
    with the same place (and identifiers) reuses its decision: registries repeat the same facility
    and affiliation strings across thousands of records. A site without city or country is reported
    on ``report`` (kind ``site-without-place``, naming the trial's file and the site's number)."""
    steps = index if isinstance(index, SiteResolver) else SiteResolver(index)
    links = []
    sites = _SiteDecisions(steps)
    for trial in found:
        tid = trial.canonical_id
        sponsors = tuple(s for s in (trial.sponsor, *trial.collaborators) if s)
        for n, site in enumerate(trial.sites, 1):
            res = sites.decide(site.facility, site.city, site.country_code, sponsors)
            if res.rule == "no-place" and report is not None:
                report.warn("site-without-place", f"site {n} ({site.facility!r}) of {tid} has no "
                            f"{'city' if not site.city else 'country'}: it cannot be placed, so it stays unresolved",
                            path=", ".join(trial.source_files), record=f"{tid}/site/{n}")
            links.append(Link("site", tid, mint("site", f"{tid}/{n}"), site.facility or "", site.city or "",
                              site.country_code or "", trial.start_date or trial.status_date, res))
    affiliations: dict[tuple[str, tuple[str, ...]], tuple[str, str, resolver.Resolution]] = {}
    for pub in pubs:
        for author in pub.authors:
            for aff in author.affiliations:
                akey = (aff.text, tuple(aff.identifiers))
                if akey not in affiliations:
                    text, city, country = affiliation_place(aff.text, steps.index.cities)
                    affiliations[akey] = (city, country, steps.resolve(
                        text, city, country, identifiers=aff.identifiers, country_words=country_words(country),
                        open_world=False))
                city, country, res = affiliations[akey]
                links.append(Link("affiliation", pub.pmid, mint("authorship", f"{pub.pmid}/{author.position}"),
                                  aff.text, city, country, (pub.date or "")[:4] or None, res))
    return links


class _SiteDecisions:
    """:meth:`loaders.link.sites.SiteResolver.resolve` of trial sites, each distinct question answered once.

    A trial's sponsors matter only when no candidate matched (see
    :func:`loaders.link.curated.generic_reason`): a site is first resolved by facility and place alone,
    shared by every trial naming it, and again with the sponsors only if that left it to the open
    world or unresolved. The answers are those of ``resolve(..., sponsors=...)`` for every site (at
    scale 10, 20 310 questions with sponsors were 2 105 without)."""

    def __init__(self, steps: SiteResolver) -> None:
        self._steps = steps
        self._plain: dict[tuple[str | None, ...], resolver.Resolution] = {}
        self._with_sponsors: dict[tuple[object, ...], resolver.Resolution] = {}

    def decide(self, facility: str | None, city: str | None, country: str | None,
               sponsors: tuple[str, ...]) -> resolver.Resolution:
        key = (facility, city, country)
        res = self._plain.get(key)
        if res is None:
            res = self._plain[key] = self._resolve(facility, city, country, ())
        if not _sponsor_may_matter(res) or not sponsors:
            return res
        full = (key, sponsors)
        if full not in self._with_sponsors:
            self._with_sponsors[full] = self._resolve(facility, city, country, sponsors)
        return self._with_sponsors[full]

    def _resolve(self, facility: str | None, city: str | None, country: str | None,
                 sponsors: tuple[str, ...]) -> resolver.Resolution:
        return self._steps.resolve(facility, city, country, sponsors=sponsors, country_words=country_words(country or ""))


def _sponsor_may_matter(res: resolver.Resolution) -> bool:
    """A sponsor's name used as a site is generic; that is decided only after the curated step found
    nothing, so only answers of the later steps can change with the sponsors."""
    return res.status == "unresolved" or not res.rule.startswith("curated:")


# -- triples ------------------------------------------------------------------------------------------

def institution_triples(inst: Institution) -> Iterator[Triple]:
    """The provider node of one curated institution (pure); never a membership."""
    return euracan.provider_triples(inst)


def evidence_iri(link: Link) -> NamedNode:
    """``evidence/trial/<trial>/<provider>`` or ``evidence/publication/<pmid>/<provider>``."""
    kind = "trial" if link.kind == "site" else "publication"
    return mint("evidence", f"{kind}/{link.record}/{link.resolution.institution}")


def link_triples(links: list[Link], names_by_id: dict[str, str]) -> Iterator[Triple]:
    """Site and affiliation links, site resolution statuses, and one evidence node per (record, provider)."""
    best: dict[NamedNode, Link] = {}
    for link in links:
        res = link.resolution
        if link.kind == "site":
            yield link.node, RKG.resolutionStatus, Literal(res.status)
            if res.rule:
                yield link.node, RULE, Literal(res.rule)
        if res.status != "resolved" or res.institution is None:
            continue
        if link.kind == "site":
            yield link.node, CONFIDENCE, Literal(f"{res.score:.3f}", datatype=XSD.decimal)
        provider = mint("centre", res.institution)
        yield link.node, RKG.atProvider if link.kind == "site" else RKG.affiliatedWith, provider
        e = evidence_iri(link)
        if e not in best or res.score > best[e].resolution.score:
            best[e] = link
    for e, link in sorted(best.items(), key=lambda kv: kv[0].value):
        yield from _evidence_triples(e, link, names_by_id)


def record_url(link: Link) -> str:
    """The public page of the trial or publication a link comes from."""
    if link.kind != "site":
        return f"https://pubmed.ncbi.nlm.nih.gov/{link.record}/"
    if link.record.startswith("NCT"):
        return f"https://clinicaltrials.gov/study/{link.record}"
    return f"https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={link.record}"


def _evidence_triples(e: NamedNode, link: Link, names_by_id: dict[str, str]) -> Iterator[Triple]:
    res = link.resolution
    site = link.kind == "site"
    record = trials.mint("trial", link.record) if site else pubmed.publication_iri(link.record)
    what = f"trial {link.record}" if site else f"PMID {link.record}"
    yield e, RDF.type, RKG.Evidence
    yield e, RDFS.label, Literal(f"{names_by_id[res.institution or '']}: {'site of' if site else 'author of'} {what}",
                                 language="en")
    yield e, RKG.aboutProvider, mint("centre", res.institution or "")
    yield e, RKG.evidenceKind, ECO_TRIAL_SITE if site else ECO_PUBLICATION
    yield e, PROV.wasDerivedFrom, record
    yield e, DCTERMS.source, NamedNode(record_url(link))
    if link.date:
        yield e, DCTERMS.date, trials.date_literal(link.date)
    yield e, RULE, Literal(res.rule)
    yield e, MATCH_STRING, Literal(res.matched_text or link.text)
    yield e, CONFIDENCE, Literal(f"{res.score:.3f}", datatype=XSD.decimal)


# -- the source ---------------------------------------------------------------------------------------

@dataclass
class Resolved:
    """One resolution of every site and affiliation, with what it made."""

    candidates: list[resolver.Candidate]
    links: list[Link]
    files: list[Path]
    steps: SiteResolver
    problems: LoadReport


def registry_records(data_dir: Path, extra_dirs: Sequence[Path] = ()) -> list[ror.RorRecord] | None:
    """The registry the resolver uses: the newest ROR dump zip found under one of ``extra_dirs``
    (:func:`loaders.ror.find_dump`; the full registry when given with ``--data``), else the default
    dataset's compiled subset (``data/ror/records.jsonl``), else None (no registry step). DataError
    as :func:`loaders.ror.read` and :func:`loaders.ror.read_compiled` raise."""
    dumps = [d for d in (ror.find_dump(folder) for folder in extra_dirs) if d is not None]
    if dumps:
        return list(ror.read(max(dumps, key=lambda p: (p.name, str(p)))))
    if not (data_dir / ror.SOURCE.name / ror.RECORDS_FILE).is_file():
        return None
    return ror.read_compiled(data_dir)[1]


def resolve_default(data_dir: Path, report: LoadReport | None = None, extra_dirs: Sequence[Path] = (),
                    registry: list[ror.RorRecord] | None = None, *, context: BuildContext | None = None
                    ) -> tuple[list[resolver.Candidate], list[Link]]:
    """The candidate set and every link of the compiled default evidence under ``data_dir``, plus the
    evidence of the original-format files under ``extra_dirs`` (:func:`loaders.evidence.read_evidence`),
    resolved against ``registry`` (default: :func:`registry_records`). The evidence files read are
    added to ``report.files``; their record problems are the evidence source's to report, not repeated
    here. With the build's ``context``, the resolution is computed once per build (:func:`resolution`).
    Raises DataError as ``read_evidence``, :func:`candidates` and :func:`registry_records` do.
    """
    done = resolution(data_dir, extra_dirs, registry, context=context)
    if report is not None:
        candidates(data_dir, report)  # row problems of the curated files go to this source's report
        report.files.extend(done.files)
        report.problems.extend(done.problems.problems)
    return done.candidates, done.links


def resolution(data_dir: Path, extra_dirs: Sequence[Path] = (), registry: list[ror.RorRecord] | None = None,
               *, context: BuildContext | None = None) -> Resolved:
    """The resolution behind :func:`resolve_default`; with the build's ``context``, computed once for
    the institutions and links sources of one build, and again if an input file changed."""
    if context is None:
        return _resolve(data_dir, extra_dirs, registry, None)
    key = (_inputs_fingerprint(data_dir, extra_dirs), id(registry))
    return context.once("institutions.resolution", key, lambda: _resolve(data_dir, extra_dirs, registry, context))


def _resolve(data_dir: Path, extra_dirs: Sequence[Path], registry: list[ror.RorRecord] | None,
             context: BuildContext | None) -> Resolved:
    cands = candidates(data_dir, None)
    scratch = LoadReport(evidence.SOURCE.name)
    _, found, pubs = evidence.read_evidence(data_dir, scratch, extra_dirs, context)
    records = registry if registry is not None else registry_records(data_dir, extra_dirs)
    problems = LoadReport(SOURCE.name)
    steps = SiteResolver(resolver.build_index(cands))
    if records:
        steps.registry = registry_index(records, problems, _places(found, pubs, steps))
    links = resolve_all(steps, found, pubs, problems)
    return Resolved(cands, links, list(scratch.files), steps, problems)


def _places(found: list[trials.Trial], pubs: list[pubmed.Publication], steps: SiteResolver) -> Wanted:
    """Where the sites and affiliations that the curated step leaves open are: what the registry index
    must hold (its names are normalised only there; the curated answers are kept for the second pass)."""
    open_ = []
    for trial in found:
        for site in trial.sites:
            res = steps.curated(site.facility or "", site.city or "", site.country_code or "", (),
                                tuple(sorted(country_words(site.country_code or ""))))
            if res.status != "resolved":
                open_.append((site.facility or "", site.city or ""))
    for aff in {a.text: a for p in pubs for au in p.authors for a in au.affiliations}.values():
        text, city, country = affiliation_place(aff.text, steps.index.cities)
        res = steps.curated(text, city, country, tuple(aff.identifiers), tuple(sorted(country_words(country))))
        if res.status != "resolved":
            open_.append((text, city))
    return wanted(open_)


def _inputs_fingerprint(data_dir: Path, extra_dirs: Sequence[Path]) -> tuple[object, ...]:
    """Path, size and modification time of every file under the folders resolution reads, so a
    changed input is never answered from the build context."""
    roots = [data_dir / "euracan", data_dir / FOLDER, data_dir / evidence.SOURCE.name, data_dir / "ror", *extra_dirs]
    stats = []
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                st = path.stat()
                stats.append((str(path.resolve()), st.st_size, st.st_mtime_ns))
    return (str(data_dir.resolve()), tuple(str(d) for d in extra_dirs), tuple(stats))


def load(data_dir: Path, report: LoadReport, *, extra_dirs: Sequence[Path] = (),
         context: BuildContext | None = None) -> Iterator[Triple]:
    """The institution nodes (curated, and those the registry and open-world steps made) and the links
    of the default dataset and of the evidence under ``extra_dirs``; DataError for malformed curated
    files (and as :func:`resolve_default`). ``context`` is the build's (a fresh one if None)."""
    context = BuildContext() if context is None else context
    folder = data_dir / FOLDER
    insts = read_institutions(folder / INSTITUTIONS_FILE)
    cands, links = resolve_default(data_dir, report, extra_dirs, context=context)
    made = made_institutions(resolution(data_dir, extra_dirs, context=context).steps, links)
    report.files.extend([folder / INSTITUTIONS_FILE, folder / MEMBER_ALIASES_FILE])
    report.version = f"{len(insts)} institutions"
    for inst in [*insts, *made]:
        yield from institution_triples(inst)
        if inst.part_of:
            yield centre_iri(inst.id), ORG.subOrganizationOf, centre_iri(inst.part_of)
    report.counts["institutions"] = len(insts)
    report.counts["institutions-registry"] = sum(i.id.startswith("ror-") for i in made)
    report.counts["institutions-open-world"] = sum(i.id.startswith("ow-") for i in made)
    for link in links:
        report.counts[f"{link.kind}s"] += 1
        report.counts[f"{link.kind}s-{link.resolution.status}"] += 1
        report.counts[f"{link.kind}s-by-{link.resolution.rule.split(':')[0]}"] += 1
    yield from link_triples(links, {**{c.id: c.name for c in cands}, **{i.id: i.name for i in made}})


def made_institutions(steps: SiteResolver, links: list[Link]) -> list[Institution]:
    """The nodes of the registry records and open-world keys that ``links`` point to (pure)."""
    used = {lk.resolution.institution for lk in links if lk.resolution.status == "resolved"}
    first_record = {}
    for lk in links:
        first_record.setdefault(lk.resolution.institution, lk)
    out = []
    if steps.registry is not None:
        for org_id in sorted(steps.used_orgs):
            org = steps.registry.orgs[org_id]
            nid = registry_id(org_id)
            if nid in used:
                method = f"ror:{org_id}" if org.latitude is not None else ""
                out.append(Institution(nid, org.name, "", (), org.city, org.country, org.latitude, org.longitude,
                                       method, org_id, org_id, "CC0-1.0", wikidata=org.wikidata))
    pool = steps.open_world
    for nid in sorted(set(pool.places) & used):
        city, country = pool.places[nid]
        label = pool.label(nid)
        out.append(Institution(nid, label, "", tuple(sorted(set(pool.spellings[nid]) - {label})), city, country,
                               None, None, "", "", record_url(first_record[nid]), "CC-BY-4.0"))
    return out


def integrity_problems(cands: list[resolver.Candidate]) -> dict[str, list[str]]:
    """Per candidate id, the curated-data problems it is part of: an alias (folded) shared with another
    institution, or a ROR id shared with another institution; each message names both and says how to fix."""
    problems: dict[str, list[str]] = {c.id: [] for c in cands}
    owners: dict[str, str] = {}
    rors: dict[str, str] = {}
    for c in cands:
        for text in {names.fold(n) for n in c.names if n}:
            other = owners.setdefault(text, c.id)
            if other != c.id:
                msg = (f"alias {text!r} points to two institutions: {other} and {c.id}; keep it on one "
                       "(qualify it with the city if both use it)")
                problems[c.id].append(msg)
                problems[other].append(msg)
        if c.ror:
            other = rors.setdefault(c.ror, c.id)
            if other != c.id:
                msg = f"ROR {c.ror} is given for two institutions: {other} and {c.id}; one of them is wrong"
                problems[c.id].append(msg)
                problems[other].append(msg)
    return problems

