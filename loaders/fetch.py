"""Live fetch of trials (ClinicalTrials.gov API v2), publications (PubMed E-utilities), Orphadata and
the Research Organization Registry's data dump (Zenodo).

Each function saves the responses as they arrive, in their original formats, under ``out_dir``
(``ctgov/<condition>/page-NNNN.json``, ``pubmed/<term>/batch-NNNNN.xml``, ``orphadata/<file>``,
``ror/<dump>.zip``), so :func:`loaders.evidence.load_path`, the Orphanet loaders and
:func:`loaders.ror.load` read them like any downloaded file.
Progress is kept in ``out_dir/fetch-state.json`` after every page or batch: a run that was
interrupted continues where it stopped (the next page token, the next ``retstart``, the files
not yet downloaded). Base URLs are parameters, so tests point them at a local server.

Politeness: NCBI allows 3 requests per second without an API key and 10 with one
(``NCBI_API_KEY`` in the environment); ClinicalTrials.gov asks for about 50 requests per minute.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kg.core.errors import FetchError
from kg.core.vocab import slugify
from loaders import safexml
from loaders.httpclient import PoliteClient

CTGOV_BASE = "https://clinicaltrials.gov/api/v2"
EUTILS_BASE = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
ORPHADATA_BASE = "https://www.orphadata.com/data/xml"
#: Orphadata product files the reference-data loaders read (names under ORPHADATA_BASE).
ORPHADATA_FILES = ("en_product1.xml", "en_product3_181.xml", "en_product6.xml", "en_product9_prev.xml",
                   "en_product9_ages.xml")
CTGOV_RATE = 50 / 60
NCBI_RATE, NCBI_RATE_WITH_KEY = 3.0, 10.0
ZENODO_API = "https://zenodo.org/api"
#: Zenodo's concept record of the ROR data dump (DOI 10.5281/zenodo.6347574): it resolves to the
#: latest release (https://ror.readme.io/docs/zenodo).
ROR_CONCEPT_RECORD = "6347574"
ZENODO_RATE = 1.0
STATE_FILE = "fetch-state.json"

Progress = Callable[[str], None]


def _silent(_msg: str) -> None:
    return None


class FetchState:
    """The resumable progress of fetches under one folder, saved atomically after each step."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / STATE_FILE
        self.data: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                self.data = json.loads(self.path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise FetchError(f"fetch state {self.path} is corrupt ({exc.msg}); delete it to start over") from exc

    def section(self, name: str) -> dict[str, Any]:
        return self.data.setdefault(name, {})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)


def _write(path: Path, body: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(body)
    tmp.replace(path)
    return path


def conditions_from_labels(labels: Iterable[str]) -> list[str]:
    """Search terms for ClinicalTrials.gov from entity labels: trimmed, case-insensitively unique,
    qualifiers such as "NOS" and bracketed notes dropped, sorted.

    >>> conditions_from_labels(["Gastrointestinal stromal tumor", "gastrointestinal stromal tumor ", "Sarcoma, NOS"])
    ['Gastrointestinal stromal tumor', 'Sarcoma']
    """
    import re
    seen: dict[str, str] = {}
    for label in labels:
        term = re.sub(r"\([^)]*\)|,?\s*\bNOS\b", "", label or "").strip(" ,;")
        term = re.sub(r"\s+", " ", term)
        if term and term.lower() not in seen:
            seen[term.lower()] = term
    return sorted(seen.values())


# -- ClinicalTrials.gov ---------------------------------------------------------------------------------

def fetch_trials(conditions: Iterable[str], out_dir: Path, *, base_url: str = CTGOV_BASE, page_size: int = 100,
                 max_pages: int | None = None, client: PoliteClient | None = None,
                 progress: Progress = _silent) -> list[Path]:
    """Every page of ``/studies?query.cond=<condition>`` for each condition, following page tokens
    (at most ``max_pages`` new pages per condition in this run; a later run continues from there).

    Returns the page files (also those saved by an earlier, interrupted run). Raises FetchError
    when a page cannot be fetched or is not a v2 page.
    """
    own = client is None
    client = client or PoliteClient(rate=CTGOV_RATE, cache_dir=out_dir / ".cache")
    state = FetchState(out_dir)
    section = state.section("trials")
    files: list[Path] = []
    try:
        for cond in conditions:
            files.extend(_fetch_condition(cond, out_dir, base_url, page_size, client, state, section, progress,
                                          max_pages))
    finally:
        if own:
            client.close()
    return files


def _fetch_condition(cond: str, out_dir: Path, base_url: str, page_size: int, client: PoliteClient,
                     state: FetchState, section: dict[str, Any], progress: Progress,
                     max_pages: int | None = None) -> list[Path]:
    folder = out_dir / "ctgov" / slugify(cond)
    entry = section.setdefault(cond, {"pages": 0, "next_token": None, "done": False})
    stop_at = None if max_pages is None else entry["pages"] + max_pages
    while not entry["done"] and (stop_at is None or entry["pages"] < stop_at):
        params: dict[str, str | int] = {"query.cond": cond, "pageSize": page_size, "format": "json"}
        if entry["next_token"]:
            params["pageToken"] = entry["next_token"]
        body = client.get(f"{base_url}/studies", params)
        try:
            page = json.loads(body)
            studies = page["studies"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise FetchError(f"GET {base_url}/studies answered something that is not a ClinicalTrials.gov v2 "
                             f"page for {cond!r}") from exc
        _write(folder / f"page-{entry['pages'] + 1:04d}.json", body)
        entry["pages"] += 1
        entry["next_token"] = page.get("nextPageToken")
        entry["done"] = not entry["next_token"]
        state.save()
        progress(f"trials {cond!r}: page {entry['pages']} ({len(studies)} studies)")
    return sorted(folder.glob("page-*.json"))


# -- PubMed -------------------------------------------------------------------------------------------

def ncbi_client(cache_dir: Path | None) -> tuple[PoliteClient, dict[str, str]]:
    """A client at NCBI's allowed rate and the extra parameters (``api_key`` from NCBI_API_KEY)."""
    key = os.environ.get("NCBI_API_KEY", "").strip()
    rate = NCBI_RATE_WITH_KEY if key else NCBI_RATE
    return PoliteClient(rate=rate, cache_dir=cache_dir), ({"api_key": key} if key else {})


def fetch_pubmed(term: str, out_dir: Path, *, base_url: str = EUTILS_BASE, batch_size: int = 200,
                 client: PoliteClient | None = None, progress: Progress = _silent) -> list[Path]:
    """PubMed records matching ``term``: esearch with ``usehistory=y``, then efetch in batches of
    ``batch_size`` through WebEnv/query_key. Returns the batch files (PubmedArticleSet XML).

    Raises FetchError when esearch or efetch fails or answers with an error instead of records.
    """
    own = client is None
    extra: dict[str, str] = {}
    if client is None:
        client, extra = ncbi_client(out_dir / ".cache")
    elif os.environ.get("NCBI_API_KEY"):
        extra = {"api_key": os.environ["NCBI_API_KEY"].strip()}
    state = FetchState(out_dir)
    entry = state.section("pubmed").setdefault(term, {"retstart": 0, "count": None, "done": False})
    folder = out_dir / "pubmed" / slugify(term)
    try:
        if entry["count"] is None:
            entry.update(_esearch(client, base_url, term, extra))
            state.save()
        while entry["retstart"] < entry["count"]:
            params = {"db": "pubmed", "query_key": entry["query_key"], "WebEnv": entry["webenv"],
                      "retstart": entry["retstart"], "retmax": batch_size, "retmode": "xml", **extra}
            body = client.get(f"{base_url}/efetch.fcgi", params)
            if b"<PubmedArticleSet" not in body[:2000]:
                raise FetchError(f"efetch for {term!r} at retstart {entry['retstart']} returned no PubmedArticleSet")
            _write(folder / f"batch-{entry['retstart'] // batch_size + 1:05d}.xml", body)
            entry["retstart"] = min(entry["retstart"] + batch_size, entry["count"])
            state.save()
            progress(f"pubmed {term!r}: {entry['retstart']}/{entry['count']} records")
        entry["done"] = True
        state.save()
    finally:
        if own:
            client.close()
    return sorted(folder.glob("batch-*.xml"))


def _esearch(client: PoliteClient, base_url: str, term: str, extra: dict[str, str]) -> dict[str, Any]:
    params = {"db": "pubmed", "term": term, "usehistory": "y", "retmax": 0, **extra}
    body = client.get(f"{base_url}/esearch.fcgi", params, cache=False)  # a WebEnv is a live session
    try:
        root = safexml.fromstring(body)
    except ET.ParseError as exc:
        raise FetchError(f"esearch for {term!r} returned malformed XML: {exc}") from exc
    count, key, webenv = root.findtext("Count"), root.findtext("QueryKey"), root.findtext("WebEnv")
    if count is None or not count.isdigit() or not key or not webenv:
        raise FetchError(f"esearch for {term!r} returned no Count/QueryKey/WebEnv: {root.findtext('ERROR')}")
    return {"count": int(count), "query_key": key, "webenv": webenv}


# -- Orphadata ----------------------------------------------------------------------------------------

def fetch_orphadata(files: Iterable[str] = ORPHADATA_FILES, out_dir: Path = Path("."), *,
                    base_url: str = ORPHADATA_BASE, client: PoliteClient | None = None,
                    progress: Progress = _silent) -> list[Path]:
    """Download Orphadata product files (names under ``base_url``) or ORPHApackets (full URLs) to
    ``out_dir/orphadata/``; files finished by an earlier run are not downloaded again.

    Raises FetchError when a file cannot be fetched.
    """
    own = client is None
    client = client or PoliteClient(rate=1.0, cache_dir=None)
    state = FetchState(out_dir)
    done = state.section("orphadata")
    paths: list[Path] = []
    try:
        for item in files:
            url = item if urlparse(item).scheme else f"{base_url}/{item}"
            target = out_dir / "orphadata" / Path(urlparse(url).path).name
            if done.get(url) != target.name or not target.is_file():
                _write(target, client.get(url, cache=False))
                done[url] = target.name
                state.save()
                progress(f"orphadata: {target.name}")
            paths.append(target)
    finally:
        if own:
            client.close()
    return paths


# -- Research Organization Registry (Zenodo) ---------------------------------------------------------

def fetch_ror(out_dir: Path, *, base_url: str = ZENODO_API, record: str = ROR_CONCEPT_RECORD,
              client: PoliteClient | None = None, progress: Progress = _silent) -> Path:
    """The ROR data-dump zip of Zenodo record ``record`` (by default the concept record, i.e. the
    latest release) as ``out_dir/ror/<file>.zip``, where ``rarekg build --data out_dir`` finds it.

    The record's JSON (``GET {base_url}/records/{record}``, following the redirect to the latest
    version) names the zip and its MD5 checksum. A zip that an earlier run finished and that still
    has that checksum is not downloaded again; an interrupted download resumes (HTTP Range). Raises
    FetchError when the record cannot be fetched or has no zip, when the checksum differs (the bad
    file is removed), or when the file is not a ROR dump.
    """
    own = client is None
    client = client or PoliteClient(rate=ZENODO_RATE, cache_dir=None)
    state = FetchState(out_dir)
    entry = state.section("ror")
    try:
        meta = _zenodo_zip(client, f"{base_url}/records/{record}")
        target = out_dir / "ror" / Path(meta["key"]).name
        if entry.get("checksum") == meta["checksum"] and target.is_file() and _md5_matches(target, meta["checksum"]):
            progress(f"ror: {target.name} already downloaded")
            return target
        entry.update(key=meta["key"], checksum=meta["checksum"], version=meta["version"], done=False)
        state.save()
        client.download(meta["url"], target, progress=lambda n: progress(f"ror: {target.name} {n >> 20} MB"))
        if not _md5_matches(target, meta["checksum"]):
            target.unlink()
            raise FetchError(f"GET {meta['url']}: the file's MD5 differs from the record's {meta['checksum']}; "
                             "it was removed")
        _check_dump(target, meta["url"])
        entry["done"] = True
        state.save()
        return target
    finally:
        if own:
            client.close()


def _zenodo_zip(client: PoliteClient, url: str) -> dict[str, str]:
    """The dump zip of a Zenodo record: key, download URL, checksum ("md5:..."), version."""
    body = client.get(url, cache=False)  # the concept record moves to each new release
    try:
        record = json.loads(body)
        files = record["files"]
        entries = list(files["entries"].values()) if isinstance(files, dict) else list(files)
        metadata = record.get("metadata") or {}
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise FetchError(f"GET {url} answered something that is not a Zenodo record") from exc
    zips = [f for f in entries if isinstance(f, dict) and str(f.get("key", "")).endswith(".zip")]
    if len(zips) != 1:
        raise FetchError(f"GET {url}: the record has {len(zips)} zip files; expected the one ROR dump")
    entry = zips[0]
    links = entry.get("links") or {}
    download = links.get("content") or links.get("self")
    checksum = entry.get("checksum", "")
    if not download or not checksum.startswith("md5:"):
        raise FetchError(f"GET {url}: the zip {entry['key']} has no download link or MD5 checksum")
    return {"key": entry["key"], "url": download, "checksum": checksum,
            "version": str(metadata.get("version", ""))}


def _md5_matches(path: Path, checksum: str) -> bool:
    import hashlib
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"md5:{digest.hexdigest()}" == checksum


def _check_dump(path: Path, url: str) -> None:
    from kg.core.errors import DataError
    from loaders.ror_dump import dump_members
    try:
        dump_members(path)
    except DataError as exc:
        path.unlink()
        raise FetchError(f"GET {url} gave a file that is not a ROR dump (removed): {exc}") from exc
