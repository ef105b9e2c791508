"""Live fetch against a real HTTP server on 127.0.0.1 that replays recorded responses assembled from
the real files (see tests/fixtures/replay/manifest.json): page-token chains, esearch + efetch with
history, Orphadata downloads, with 429 (Retry-After), 500 and truncated bodies injected."""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from kg.core.errors import FetchError
from kg.core.records import LoadReport
from loaders import evidence, fetch
from loaders.httpclient import PoliteClient

MANIFEST = json.loads((Path(__file__).parent / "fixtures" / "replay" / "manifest.json").read_text())


@dataclass
class Hit:
    time: float
    path: str
    query: dict[str, str]


@dataclass
class Replay:
    """Answers by (path, key query value); ``faults[key]`` lists faults for successive hits."""

    routes: dict[tuple[str, str], bytes]
    faults: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    log: list[Hit] = field(default_factory=list)

    def key(self, path: str, query: dict[str, str]) -> tuple[str, str]:
        if path.endswith("/studies"):
            return path, query.get("pageToken", "")
        if path.endswith("/efetch.fcgi"):
            return path, query.get("retstart", "")
        return path, ""

    def hits(self, path_end: str) -> list[Hit]:
        return [h for h in self.log if h.path.endswith(path_end)]


class _Quiet(BaseHTTPRequestHandler):
    """A handler that answers with a body and its length, and logs nothing."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 in a thread; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(_Quiet):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            replay.log.append(Hit(time.monotonic(), url.path, query))
            key = replay.key(url.path, query)
            body = replay.routes.get(key)
            pending = replay.faults.get(key) or []
            fault = pending.pop(0) if pending else None
            if body is None:
                self._send(404, b"not found")
            elif fault == "429":
                self._send(429, b"slow down", {"Retry-After": "1"})
            elif fault == "500":
                self._send(500, b"internal error")
            elif fault == "truncate":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + 1000))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            else:
                self._send(200, body)

    return Handler


def _articles(shared: Path) -> list[ET.Element]:
    arts: list[ET.Element] = []
    for name in MANIFEST["pubmed"]["files"]:
        arts.extend(ET.parse(shared / "publications" / "pubmed_xml" / name).getroot().findall("PubmedArticle"))
    return arts


def _routes(shared: Path) -> dict[tuple[str, str], bytes]:
    routes: dict[tuple[str, str], bytes] = {}
    v2 = shared / "trials" / "ctgov_api_v2_json"
    for page in MANIFEST["ctgov"]["pages"]:
        studies = [json.loads((v2 / f).read_text(encoding="utf-8")) for f in page["studies"]]
        body = {"studies": studies, **({"nextPageToken": page["next"]} if page["next"] else {})}
        routes[("/api/v2/studies", page["token"] or "")] = json.dumps(body).encode()
    pm = MANIFEST["pubmed"]
    arts = _articles(shared)
    routes[("/eutils/esearch.fcgi", "")] = (
        f"<eSearchResult><Count>{len(arts)}</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
        f"<QueryKey>{pm['query_key']}</QueryKey><WebEnv>{pm['webenv']}</WebEnv><IdList/></eSearchResult>").encode()
    for start in range(0, len(arts), pm["batch_size"]):
        root = ET.Element("PubmedArticleSet")
        root.extend(arts[start: start + pm["batch_size"]])
        routes[("/eutils/efetch.fcgi", str(start))] = b'<?xml version="1.0" ?>\n' + ET.tostring(root)
    orpha = shared / "orphanet"
    routes[("/orphadata/" + MANIFEST["orphadata"]["product"], "")] = (orpha / MANIFEST["orphadata"]["product"]).read_bytes()
    packet = MANIFEST["orphadata"]["packet"]
    routes[("/packets/" + Path(packet).name, "")] = (orpha / packet).read_bytes()
    return routes


@pytest.fixture()
def server(shared_data: Path) -> Iterator[tuple[str, Replay]]:
    replay = Replay(_routes(shared_data))
    with _serving(_handler(replay)) as base:
        yield base, replay


def _fast_client(tmp_path: Path, cache: bool = True) -> PoliteClient:
    return PoliteClient(rate=20.0, backoff=0.05, cache_dir=tmp_path / "cache" if cache else None)


def _direct_trials(shared: Path) -> set:  # type: ignore[type-arg]
    return set(evidence.load_path(shared / "trials" / "ctgov_api_v2_json", LoadReport("e")))


def test_page_chain_with_429_500_and_truncated_body(server, shared_data: Path, tmp_path: Path) -> None:
    base, replay = server
    replay.faults[("/api/v2/studies", "NF0g5JGBlPMo")] = ["429", "500", "truncate"]
    with _fast_client(tmp_path) as client:
        files = fetch.fetch_trials(["neuroblastoma"], tmp_path / "out", base_url=f"{base}/api/v2", page_size=2,
                                   client=client)
    assert [f.name for f in files] == ["page-0001.json", "page-0002.json", "page-0003.json"]
    hits = replay.hits("/studies")
    assert [h.query.get("pageToken", "") for h in hits] == ["", *["NF0g5JGBlPMo"] * 4, "NF0g5JGBlPMp"]
    assert all(h.query["query.cond"] == "neuroblastoma" and h.query["pageSize"] == "2" for h in hits)
    assert hits[2].time - hits[1].time >= 0.95  # Retry-After: 1 honoured after the 429
    report = LoadReport("e")
    assert set(evidence.load_path(tmp_path / "out", report)) == _direct_trials(shared_data)
    assert report.counts["trials"] == 5


def test_cache_answers_without_a_second_request(server, tmp_path: Path) -> None:
    base, replay = server
    with _fast_client(tmp_path) as client:
        fetch.fetch_trials(["neuroblastoma"], tmp_path / "a", base_url=f"{base}/api/v2", page_size=2, client=client)
    assert len(replay.log) == 3
    with _fast_client(tmp_path) as client:
        files = fetch.fetch_trials(["neuroblastoma"], tmp_path / "b", base_url=f"{base}/api/v2", page_size=2,
                                   client=client)
        assert (client.cache_hits, client.requests) == (3, 0)
    assert len(replay.log) == 3 and len(files) == 3


def test_resume_after_interruption(server, shared_data: Path, tmp_path: Path) -> None:
    base, replay = server
    out = tmp_path / "out"

    def interrupt(msg: str) -> None:
        raise KeyboardInterrupt(msg)

    with _fast_client(tmp_path, cache=False) as client, pytest.raises(KeyboardInterrupt):
        fetch.fetch_trials(["neuroblastoma"], out, base_url=f"{base}/api/v2", page_size=2, client=client,
                           progress=interrupt)
    state = json.loads((out / fetch.STATE_FILE).read_text())
    assert state["trials"]["neuroblastoma"] == {"pages": 1, "next_token": "NF0g5JGBlPMo", "done": False}
    with _fast_client(tmp_path, cache=False) as client:
        files = fetch.fetch_trials(["neuroblastoma"], out, base_url=f"{base}/api/v2", page_size=2, client=client)
    assert [h.query.get("pageToken", "") for h in replay.hits("/studies")] == ["", "NF0g5JGBlPMo", "NF0g5JGBlPMp"]
    assert len(files) == 3
    assert set(evidence.load_path(out, LoadReport("e"))) == _direct_trials(shared_data)


def test_pubmed_history_batches_at_ncbi_rate(server, shared_data: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    base, replay = server
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    replay.faults[("/eutils/efetch.fcgi", "3")] = ["500"]
    client, extra = fetch.ncbi_client(tmp_path / "cache")
    assert extra == {} and client.min_interval == pytest.approx(1 / 3)
    client.backoff = 0.05
    with client:
        files = fetch.fetch_pubmed("rare cancer", tmp_path / "out", base_url=f"{base}/eutils", batch_size=3,
                                   client=client)
    assert [f.name for f in files] == ["batch-00001.xml", "batch-00002.xml", "batch-00003.xml"]
    (search,) = replay.hits("esearch.fcgi")
    assert (search.query["usehistory"], search.query["term"]) == ("y", "rare cancer")
    fetches = replay.hits("efetch.fcgi")
    assert [h.query["retstart"] for h in fetches] == ["0", "3", "3", "6"]
    assert {(h.query["WebEnv"], h.query["query_key"]) for h in fetches} == {(MANIFEST["pubmed"]["webenv"], "1")}
    gaps = [b.time - a.time for a, b in zip(replay.log, replay.log[1:])]
    assert min(gaps) >= 1 / 3 - 0.02, gaps  # never more than 3 requests per second without a key
    fetched = list(evidence.read_path(tmp_path / "out", LoadReport("e"))[1])
    direct = list(evidence.read_path(shared_data / "publications" / "pubmed_xml", LoadReport("e"))[1])
    assert [p.pmid for p in fetched] == [p.pmid for p in direct]
    strip = lambda p: {**p.__dict__, "source_file": None}
    assert [strip(p) for p in fetched] == [strip(p) for p in direct]


def test_ncbi_api_key_from_environment_raises_rate_and_is_sent(server, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    base, replay = server
    monkeypatch.setenv("NCBI_API_KEY", "abc123")
    client, extra = fetch.ncbi_client(None)
    assert extra == {"api_key": "abc123"} and client.min_interval == pytest.approx(0.1)
    with client:
        fetch.fetch_pubmed("rare cancer", tmp_path / "out", base_url=f"{base}/eutils", batch_size=3, client=client)
    assert {h.query.get("api_key") for h in replay.log} == {"abc123"}


def test_orphadata_download_retries_truncation_and_resumes(server, shared_data: Path, tmp_path: Path) -> None:
    base, replay = server
    product = MANIFEST["orphadata"]["product"]
    replay.faults[(f"/orphadata/{product}", "")] = ["truncate"]
    packet_url = f"{base}/packets/ORPHApacket_100000.json"
    with _fast_client(tmp_path, cache=False) as client:
        paths = fetch.fetch_orphadata([product, packet_url], tmp_path / "out", base_url=f"{base}/orphadata",
                                      client=client)
    assert paths[0].read_bytes() == (shared_data / "orphanet" / product).read_bytes()
    assert paths[1].read_bytes() == (shared_data / "orphanet" / MANIFEST["orphadata"]["packet"]).read_bytes()
    assert len(replay.log) == 3
    with _fast_client(tmp_path, cache=False) as client:
        fetch.fetch_orphadata([product, packet_url], tmp_path / "out", base_url=f"{base}/orphadata", client=client)
    assert len(replay.log) == 3  # both files already complete: nothing requested


def test_unretryable_and_exhausted_requests_raise(server, tmp_path: Path) -> None:
    base, replay = server
    with _fast_client(tmp_path, cache=False) as client, pytest.raises(FetchError, match="404"):
        client.get(f"{base}/nowhere")
    assert len(replay.log) == 1
    replay.faults[("/api/v2/studies", "")] = ["500"] * 10
    client = PoliteClient(rate=50.0, backoff=0.01, max_retries=2)
    with client, pytest.raises(FetchError, match="after 2 retries"):
        fetch.fetch_trials(["neuroblastoma"], tmp_path / "out", base_url=f"{base}/api/v2", client=client)
    assert len(replay.hits("/studies")) == 3


def test_conditions_from_entity_labels() -> None:
    labels = ["Gastrointestinal stromal tumor", "gastrointestinal stromal tumor", "Sarcoma, NOS",
              "Malignant mesothelioma (disorder)"]
    assert fetch.conditions_from_labels(labels) == ["Gastrointestinal stromal tumor", "Malignant mesothelioma",
                                                    "Sarcoma"]


def test_cli_fetch_trials_end_to_end(server, shared_data: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    base, replay = server
    replay.faults[("/api/v2/studies", "NF0g5JGBlPMo")] = ["500"]
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "rarekg.cli", "fetch", "trials", "--out", str(out), "--base-url", f"{base}/api/v2",
           "--condition", "neuroblastoma", "--page-size", "2", "--cache", str(tmp_path / "cache")]
    proc = subprocess.run([*cmd, "--max-pages", "2"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "trials 'neuroblastoma': page 2 (2 studies)" in proc.stderr
    assert proc.stdout.strip() == f"2 files in {out}; load them with: rarekg build --data {out}"
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)  # resumes at page 3
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("3 files in ")
    assert [h.query.get("pageToken", "") for h in replay.hits("/studies")] == [
        "", "NF0g5JGBlPMo", "NF0g5JGBlPMo", "NF0g5JGBlPMp"]
    assert set(evidence.load_path(out, LoadReport("e"))) == _direct_trials(shared_data)
    bad = subprocess.run([*cmd[:6], str(tmp_path / "other"), "--base-url", f"{base}/nowhere", "--condition", "x"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 1
    assert f"rarekg: error: GET {base}/nowhere/studies?" in bad.stderr and "answered 404" in bad.stderr


# -- the Research Organization Registry's dump on Zenodo ----------------------------------------------

ROR_VERSION = 17_953_395  # a version record id; the concept record 6347574 redirects to it


@dataclass
class ZenodoReplay:
    """Zenodo's record API and file download for one ROR dump zip: the concept record redirects to the
    version record (InvenioRDM JSON, ``files.entries``), the file honours Range; ``faults`` for the file."""

    zip_name: str
    body: bytes
    checksum: str
    faults: list[str] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)  # (path, Range header)

    def record(self, base: str) -> bytes:
        content = f"{base}/api/records/{ROR_VERSION}/files/{self.zip_name}/content"
        return json.dumps({"id": str(ROR_VERSION), "metadata": {"version": "v9.99", "publication_date": "2026-06-23"},
                           "files": {"count": 1, "entries": {self.zip_name: {
                               "key": self.zip_name, "checksum": self.checksum, "size": len(self.body),
                               "links": {"content": content}}}}}).encode()


def _zenodo_handler(replay: ZenodoReplay) -> type[BaseHTTPRequestHandler]:
    class Handler(_Quiet):
        def do_GET(self) -> None:
            path = urlparse(self.path).path
            replay.log.append((path, self.headers.get("Range", "")))
            base = f"http://{self.headers['Host']}"
            if path == "/api/records/6347574":
                self._send(302, b"", {"Location": f"{base}/api/records/{ROR_VERSION}"})
            elif path == f"/api/records/{ROR_VERSION}":
                self._send(200, replay.record(base))
            elif path == "/api/records/2":  # a record whose files hold no zip
                self._send(200, json.dumps({"files": [{"key": "notes.csv", "checksum": "md5:0"}]}).encode())
            elif path == f"/api/records/{ROR_VERSION}/files/{replay.zip_name}/content":
                self._file()
            else:
                self._send(404, b"not found")

        def _file(self) -> None:
            fault = replay.faults.pop(0) if replay.faults else None
            start = int(self.headers["Range"].removeprefix("bytes=").rstrip("-")) if self.headers.get("Range") else 0
            if fault == "ignore-range":
                start = 0
            chunk = replay.body[start:]
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(replay.body) - 1}/{len(replay.body)}")
            self.send_header("Content-Length", str(len(chunk)))
            self.end_headers()
            if fault == "truncate":
                self.wfile.write(chunk[: len(chunk) // 3])
                self.wfile.flush()
                self.close_connection = True
            elif fault == "corrupt":
                self.wfile.write(bytes(len(chunk)))
            else:
                self.wfile.write(chunk)

    return Handler


@pytest.fixture()
def zenodo(shared_data: Path) -> Iterator[tuple[str, ZenodoReplay]]:
    import hashlib
    [dump] = sorted((shared_data / "ror").glob("*.zip"))
    body = dump.read_bytes()
    replay = ZenodoReplay(dump.name, body, "md5:" + hashlib.md5(body, usedforsecurity=False).hexdigest())
    with _serving(_zenodo_handler(replay)) as base:
        yield base, replay


def test_ror_dump_follows_the_concept_record_and_resumes_a_cut_download(zenodo, tmp_path: Path) -> None:
    from loaders import ror
    base, replay = zenodo
    replay.faults = ["truncate"]
    out = tmp_path / "out"
    with _fast_client(tmp_path, cache=False) as client:
        path = fetch.fetch_ror(out, base_url=f"{base}/api", client=client)
    assert path == out / "ror" / replay.zip_name and path.read_bytes() == replay.body
    downloads = [rng for p, rng in replay.log if p.endswith("/content")]
    assert downloads[0] == "" and downloads[1].startswith("bytes=") and int(downloads[1][6:-1]) > 0  # resumed
    assert len(downloads) == 2 and not (out / "ror" / (replay.zip_name + ".part")).exists()
    assert ror.find_dump(out) == path  # where `rarekg build --data out` looks
    assert sum(1 for _ in ror.read(path)) == 23_463
    state = json.loads((out / fetch.STATE_FILE).read_text())["ror"]
    assert state == {"key": replay.zip_name, "checksum": replay.checksum, "version": "v9.99", "done": True}


def test_ror_dump_already_downloaded_is_not_fetched_again(zenodo, tmp_path: Path) -> None:
    base, replay = zenodo
    with _fast_client(tmp_path, cache=False) as client:
        fetch.fetch_ror(tmp_path / "out", base_url=f"{base}/api", client=client)
        fetch.fetch_ror(tmp_path / "out", base_url=f"{base}/api", client=client)
    assert [p for p, _ in replay.log if p.endswith("/content")] == [f"/api/records/{ROR_VERSION}/files/{replay.zip_name}/content"]
    assert sum(1 for p, _ in replay.log if p == f"/api/records/{ROR_VERSION}") == 2  # the record is asked each time


def test_ror_dump_server_ignoring_range_sends_it_whole_again(zenodo, tmp_path: Path) -> None:
    base, replay = zenodo
    replay.faults = ["truncate", "ignore-range"]
    with _fast_client(tmp_path, cache=False) as client:
        path = fetch.fetch_ror(tmp_path / "out", base_url=f"{base}/api", client=client)
    assert path.read_bytes() == replay.body


def test_ror_dump_with_a_wrong_checksum_is_removed(zenodo, tmp_path: Path) -> None:
    base, replay = zenodo
    replay.faults = ["corrupt"]
    with _fast_client(tmp_path, cache=False) as client, pytest.raises(FetchError, match="MD5 differs"):
        fetch.fetch_ror(tmp_path / "out", base_url=f"{base}/api", client=client)
    assert not (tmp_path / "out" / "ror" / replay.zip_name).exists()


def test_ror_unknown_record_or_one_without_a_zip_names_the_url(zenodo, tmp_path: Path) -> None:
    base, _ = zenodo
    with _fast_client(tmp_path, cache=False) as client:
        with pytest.raises(FetchError, match=r"GET http://127\.0\.0\.1:\d+/api/records/1 answered 404"):
            fetch.fetch_ror(tmp_path / "out", base_url=f"{base}/api", record="1", client=client)
        with pytest.raises(FetchError, match=r"/api/records/2: the record has 0 zip files"):
            fetch.fetch_ror(tmp_path / "out", base_url=f"{base}/api", record="2", client=client)
    assert not (tmp_path / "out" / "ror").exists()


def test_rarekg_fetch_ror_command(zenodo, tmp_path: Path) -> None:
    import subprocess
    import sys
    base, replay = zenodo
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "rarekg.cli", "fetch", "ror", "--out", str(out), "--base-url", f"{base}/api"],
                          check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (out / "ror" / replay.zip_name).read_bytes() == replay.body
    assert f"1 files in {out}; load them with: rarekg build --data {out}" in proc.stdout


def _mocked(answers: list[httpx.Response], **kw) -> tuple[PoliteClient, list[float]]:
    """A PoliteClient answered by ``answers`` in order, its pauses recorded instead of slept."""
    pauses: list[float] = []
    client = PoliteClient(rate=1e9, sleep=pauses.append, **kw)
    queue = iter(answers)
    client._client = httpx.Client(transport=httpx.MockTransport(lambda request: next(queue)))
    return client, pauses


def test_retry_pauses_follow_the_shared_policy_and_retry_after() -> None:
    client, pauses = _mocked([httpx.Response(503), httpx.Response(429, headers={"Retry-After": "7"}),
                              httpx.Response(502), httpx.Response(503, headers={"Retry-After": "999"}),
                              httpx.Response(200, content=b"ok")], backoff=0.5, max_backoff=60.0)
    with client:
        assert client.get("http://fetch.test/a", cache=False) == b"ok"
    assert [p for p in pauses if p >= 0.01] == [0.5, 7.0, 2.0, 60.0]  # 0.5 * 2**n; Retry-After wins, capped
    assert client.requests == 5


def test_retries_run_out_or_stop_at_a_client_error() -> None:
    client, pauses = _mocked([httpx.Response(503)] * 3, backoff=0.25, max_retries=2)
    with client, pytest.raises(FetchError, match=r"GET http://fetch\.test/b failed after 2 retries; last: HTTP 503"):
        client.get("http://fetch.test/b", cache=False)
    assert [p for p in pauses if p >= 0.01] == [0.25, 0.5] and client.requests == 3
    client, pauses = _mocked([httpx.Response(404), httpx.Response(200)])
    with client, pytest.raises(FetchError, match="answered 404"):
        client.get("http://fetch.test/c", cache=False)
    assert client.requests == 1 and not [p for p in pauses if p >= 0.01]


def test_esearch_answer_with_an_entity_bomb_is_refused() -> None:
    bomb = b'<!DOCTYPE e [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><eSearchResult><Count>&b;</Count></eSearchResult>'
    client, _ = _mocked([httpx.Response(200, content=bomb)])
    with client, pytest.raises(FetchError, match="esearch for 'x' returned malformed XML: .*entity declaration"):
        fetch._esearch(client, "http://eutils.test", "x", {})
