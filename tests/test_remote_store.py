"""RemoteStore on a real Oxigraph server, and kg.store.backends' normalisation of server differences."""

from __future__ import annotations

import io
import uuid

import httpx
import pyoxigraph as ox
import pytest
from services import free_port, oxigraph_binary, require, start_oxigraph

from kg.core.errors import DataError, QueryError, StoreError
from kg.core.vocab import RDFS, RKG, STAGING_PREFIX, graph_iri
from kg.store import backends, remote
from kg.store.remote import BackendSettings, RemoteStore, open_backend

EX = "https://w3id.org/rarekg/centre/"


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """This module's own empty Oxigraph server: the session one holds the parity tests' graphs."""
    binary = require(oxigraph_binary(), "the oxigraph server (pip install oxigraph)")
    service = start_oxigraph(tmp_path_factory.mktemp("oxigraph-remote"), binary)
    yield service
    service.stop()


@pytest.fixture()
def store(oxigraph_server):  # type: ignore[no-untyped-def]
    s = open_backend(oxigraph_server.url, kind="oxigraph")
    yield s
    for g in s.graphs():
        s.drop_graph(g)
    s.close()


def _graph() -> ox.NamedNode:
    return graph_iri(f"test-{uuid.uuid4().hex[:8]}")


def _centres(n: int) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.Literal]]:
    return [(ox.NamedNode(f"{EX}c{i}"), RDFS.label, ox.Literal(f"Centre {i}", language="en")) for i in range(n)]


def _all_graph_names(url: str) -> set[str]:
    body = httpx.post(url + "query", data={"query": "SELECT ?g WHERE { GRAPH ?g {} }"},
                      headers={"Accept": "application/sparql-results+json"}).json()
    return {b["g"]["value"] for b in body["results"]["bindings"]}


def test_replace_count_query_with_bindings(store: RemoteStore) -> None:
    g = _graph()
    assert store.replace_graph(g, _centres(5) + _centres(5)) == 5   # duplicates collapse
    assert store.graphs() == [g]
    assert store.count(g) == 5 and store.count() == 5
    rows = store.select("SELECT ?c ?l WHERE { ?c rdfs:label ?l }", {"c": ox.NamedNode(EX + "c3")})
    assert rows == [{"c": ox.NamedNode(EX + "c3"), "l": ox.Literal("Centre 3", language="en")}]
    assert store.query("ASK { ?c rdfs:label 'Centre 9'@en }").__bool__() is False
    constructed = store.query("CONSTRUCT { ?c rkg:name ?l } WHERE { ?c rdfs:label ?l }")
    assert len(constructed) == 5 and all(t.predicate == RKG.name for t in constructed)


def test_replacement_swaps_whole_graph(store: RemoteStore) -> None:
    g = _graph()
    store.replace_graph(g, _centres(4))
    store.replace_graph(g, _centres(2))
    assert store.count(g) == 2
    assert not any(n.startswith(STAGING_PREFIX) for n in _all_graph_names(store.endpoints.query[:-5]))


def test_failed_check_leaves_published_graph_and_no_staging(store: RemoteStore, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    g = _graph()
    store.replace_graph(g, _centres(3))

    def refuse(count: int) -> None:
        raise DataError(f"{count} triples refused")

    with pytest.raises(DataError, match="7 triples refused"):
        store.replace_graph(g, _centres(7), check=refuse)
    assert store.count(g) == 3
    assert _all_graph_names(oxigraph_server.url) == {g.value}


def test_failing_triple_stream_publishes_nothing(store: RemoteStore, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    g = _graph()
    store.replace_graph(g, _centres(3))

    def broken():  # type: ignore[no-untyped-def]
        yield from _centres(10)
        raise DataError("source broke at record 11")

    with pytest.raises(DataError, match="record 11"):
        store.replace_graph(g, broken())
    assert store.count(g) == 3
    assert _all_graph_names(oxigraph_server.url) == {g.value}


def test_blank_nodes_spanning_chunks_stay_one_node(store: RemoteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "CHUNK", 2)
    g = _graph()
    b = ox.BlankNode("r1")
    triples = [(ox.NamedNode(EX + "a"), RDFS.subClassOf, b), *_centres(5),
               (b, RKG.term("onProperty"), RKG.term("x")), (b, RKG.term("someValuesFrom"), RKG.term("y"))]
    assert store.replace_graph(g, triples) == 8
    rows = store.select("SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?a rdfs:subClassOf ?b . ?b ?p ?o }")
    assert rows[0]["n"].value == "1"


def test_dump_turtle_round_trip(store: RemoteStore) -> None:
    g = _graph()
    store.replace_graph(g, _centres(3))
    out = io.BytesIO()
    store.dump(out, "turtle", g)
    assert b"@prefix rdfs:" in out.getvalue()
    assert {(t.subject, t.predicate, t.object) for t in ox.parse(out.getvalue(), ox.RdfFormat.TURTLE)} == set(_centres(3))
    with pytest.raises(QueryError, match="holds one graph"):
        store.dump(io.BytesIO(), "turtle")


def test_malformed_query_is_query_error_naming_url(store: RemoteStore, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match=f"{oxigraph_server.url}query rejected"):
        store.select("SELEC ?x WHERE {}")


def test_unreachable_backend_names_url_after_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "RETRY_PAUSES", (0.01, 0.01))
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(StoreError, match=f"backend {url} cannot be reached"):
        open_backend(url)
    store = RemoteStore(BackendSettings(url=url, kind="oxigraph", timeout_s=2))
    with pytest.raises(StoreError, match=rf"POST {url}query failed after 3 attempts: ConnectError"):
        store.graphs()


def test_no_backend_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAREKG_BACKEND", raising=False)
    monkeypatch.delenv("RAREKG_BACKEND_URL", raising=False)
    with pytest.raises(StoreError, match="give --backend URL or set RAREKG_BACKEND"):
        open_backend()


def test_backend_from_environment(oxigraph_server, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RAREKG_BACKEND", oxigraph_server.url)
    store = open_backend()
    assert store.flavour is backends.OXIGRAPH      # detected from the Server header
    assert store.endpoints.store == oxigraph_server.url + "store"


# -- kg.store.backends (no server) -------------------------------------------------------------------------

VIRTUOSO_JSON = (b'{"head": {"link": [], "vars": ["n", "d"]}, "results": {"distinct": false, "ordered": true, '
                 b'"bindings": [{"n": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer",'
                 b' "value": "42"}, "d": {"type": "literal", "value": "say \\"typed-literal\\""}}]}}')


def test_virtuoso_typed_literal_json_is_normalised() -> None:
    rows = list(backends.parse_results(VIRTUOSO_JSON, backends.VIRTUOSO, "http://v/sparql"))
    assert rows[0]["n"] == ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert rows[0]["d"] == ox.Literal('say "typed-literal"')


def test_virtuoso_blank_node_labels_are_made_valid() -> None:
    body = (b'{"head":{"vars":["s","o"]},"results":{"bindings":[{"s":{"type":"bnode","value":"nodeID://b10007"},'
            b'"o":{"type":"bnode","value":"nodeID://b10007"}},{"s":{"type":"bnode","value":"nodeID://b10008"}}]}}')
    rows = list(backends.parse_results(body, backends.VIRTUOSO, "http://v/sparql"))
    assert rows[0]["s"] == rows[0]["o"] != rows[1]["s"]
    assert all(isinstance(r["s"], ox.BlankNode) for r in rows)


def test_virtuoso_ask_retval_becomes_boolean() -> None:
    body = b'{"head":{"vars":["__ask_retval"]},"results":{"bindings":[{"__ask_retval":{"type":"literal","value":"1"}}]}}'
    assert bool(backends.parse_results(body, backends.VIRTUOSO, "u")) is True


def test_answer_at_row_cap_is_an_error() -> None:
    rows = ",".join(f'{{"x":{{"type":"literal","value":"{i}"}}}}' for i in range(10_000))
    body = ('{"head":{"vars":["x"]},"results":{"bindings":[' + rows + "]}}").encode()
    with pytest.raises(StoreError, match="ResultSetMaxRows=10000"):
        backends.parse_results(body, backends.VIRTUOSO, "http://v/sparql")
    assert len(list(backends.parse_results(body, backends.OXIGRAPH, "u"))) == 10_000


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?x) { (<urn:a>) }  ?x ?p ?o }"),
    ('SELECT ?x WHERE { ?x rdfs:label "{not a group}" }',
     'SELECT ?x WHERE { VALUES (?x) { (<urn:a>) }  ?x rdfs:label "{not a group}" }'),
    ("# a { comment\nASK { ?x a ?t }", "# a { comment\nASK { VALUES (?x) { (<urn:a>) }  ?x a ?t }"),
    ("CONSTRUCT { ?x a ?t } WHERE { ?x a ?t }", "CONSTRUCT { ?x a ?t } WHERE { VALUES (?x) { (<urn:a>) }  ?x a ?t }"),
    ("CONSTRUCT WHERE { ?x a ?t }", "CONSTRUCT WHERE { VALUES (?x) { (<urn:a>) }  ?x a ?t }"),
    ("SELECT ?x ?y WHERE { { SELECT ?y WHERE { ?y ?p ?x } } ?x a ?t }",
     "SELECT ?x ?y WHERE { VALUES (?x) { (<urn:a>) }  { SELECT ?y WHERE { VALUES (?x) { (<urn:a>) }  ?y ?p ?x } } ?x a ?t }"),
])
def test_inline_bindings(query: str, expected: str) -> None:
    assert backends.inline_bindings(query, {"x": ox.NamedNode("urn:a")}) == expected


def test_inline_bindings_refuses_blank_nodes() -> None:
    with pytest.raises(QueryError, match="only IRIs and literals"):
        backends.inline_bindings("SELECT * { ?x ?p ?o }", {"x": ox.BlankNode()})


def test_prefixes_added_only_when_not_declared() -> None:
    text = backends.with_prefixes("PREFIX rdfs: <urn:mine#>\nSELECT * {}")
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" not in text
    assert "PREFIX rkg: <https://w3id.org/rarekg/ontology/>" in text


def test_cli_build_and_query_through_backend(oxigraph_server, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from rarekg.cli import main
    assert main(["build", "--backend", oxigraph_server.url, "--source", "euracan", "--no-reason"]) == 0
    store = open_backend(oxigraph_server.url)
    try:
        assert [g.value.rsplit("/", 1)[1] for g in store.graphs()] == ["euracan", "meta"]
        capsys.readouterr()
        assert main(["query", "--backend", oxigraph_server.url, "--format", "csv", "-e",
                     "SELECT ?n WHERE { <https://w3id.org/rarekg/domain/G7> skos:notation ?n }"]) == 0
        assert capsys.readouterr().out.split() == ["n", "G7"]
    finally:
        for g in store.graphs():
            store.drop_graph(g)
        store.close()


def test_cli_review_queue_of_a_graph_on_a_server(oxigraph_server, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``rarekg institutions --unresolved --backend URL`` lists the server graph's unresolved sites,
    as ``--store`` does for the same graph built into the embedded store."""
    from rarekg.cli import main
    assert main(["build", "--backend", oxigraph_server.url, "--source", "evidence", "--source", "institutions", "--no-reason"]) == 0
    assert main(["build", "--store", str(tmp_path / "store"), "--source", "evidence", "--source", "institutions", "--no-reason"]) == 0
    store = open_backend(oxigraph_server.url)
    try:
        capsys.readouterr()
        assert main(["institutions", "--unresolved", "--backend", oxigraph_server.url]) == 0
        on_server = capsys.readouterr().out.splitlines()
        assert main(["institutions", "--unresolved", "--store", str(tmp_path / "store")]) == 0
        embedded = capsys.readouterr().out.splitlines()
        assert on_server == embedded and len(on_server) > 1 and "\tsite\t" in on_server[1]
    finally:
        for g in store.graphs():
            store.drop_graph(g)
        store.close()


def test_http_api_over_remote_store(store: RemoteStore) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    store.replace_graph(_graph(), _centres(3))
    with TestClient(create_app(store, Settings(query_workers=0))) as client:
        answer = client.get("/sparql", params={"query": "SELECT ?c WHERE { ?c rdfs:label ?l } ORDER BY ?c"},
                            headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200
        assert [b["c"]["value"] for b in answer.json()["results"]["bindings"]] == [f"{EX}c{i}" for i in range(3)]


class _Proxy:
    """A loopback HTTP proxy in front of a real server, one request per connection. For the first
    ``faults`` SPARQL updates that publish (MOVE, or its idempotent form), it misbehaves as ``mode`` says: ``after`` forwards
    the update, reads the server's answer and closes the client's connection without it; ``before``
    closes it without forwarding; ``hold`` forwards it and keeps the answer until the client gives up."""

    def __init__(self, upstream: str, mode: str, faults: int = 1) -> None:
        import socket
        import threading
        from urllib.parse import urlsplit

        up = urlsplit(upstream)
        self.upstream = (up.hostname, up.port)
        self.mode, self.faults, self.dropped, self.updates = mode, faults, 0, 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import threading
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn) -> None:  # type: ignore[no-untyped-def]
        import socket
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:
                body += conn.recv(65536)
            lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
            request = b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body
            publishing = lines[0].startswith(b"POST /update") and (b"MOVE" in body or b"ADD+SILENT" in body)
            if publishing:
                self.updates += 1
            fault = publishing and self.dropped < self.faults
            if fault and self.mode == "before":
                self.dropped += 1
                return
            with socket.create_connection(self.upstream) as up:
                up.sendall(request)
                answer = b""
                while chunk := up.recv(65536):
                    answer += chunk
            if fault:
                self.dropped += 1
                if self.mode == "hold":
                    conn.recv(1)  # until the client closes the connection
                return
            status, rest = answer.split(b"\r\n", 1)  # the client must not reuse this connection
            conn.sendall(status + b"\r\nConnection: close\r\n" + rest)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("mode", ["after", "before", "hold"])
def test_interrupted_publish_ends_with_the_new_graph_exactly_once(oxigraph_server, mode: str,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (#15): the publishing MOVE was not retried, and retrying it blindly after a commit
    would empty the graph (a second MOVE SILENT finds no staging graph)."""
    from kg.core.vocab import META_GRAPH

    monkeypatch.setattr(remote, "PUBLISH_PAUSES", (0.2, 0.5, 1.0))
    monkeypatch.setenv("RAREKG_BACKEND_PUBLISH_TIMEOUT_S", "2")
    direct = open_backend(oxigraph_server.url, kind="oxigraph")
    g = _graph()
    direct.replace_graph(g, _centres(5))
    new = _centres(300)[100:]
    bnode = ox.BlankNode()
    new += [(ox.NamedNode(EX + "c100"), RKG.term("address"), bnode), (bnode, RDFS.label, ox.Literal("addr"))]
    load = ox.NamedNode(EX + "load-" + mode)
    proxy = _Proxy(oxigraph_server.url, mode)
    via = open_backend(proxy.url, kind="oxigraph")
    assert via.settings.publish_timeout_s == 2.0
    try:
        via.replace_graph(g, new, meta=lambda n: [(g, RKG.currentLoad, load), (load, RKG.term("triples"), ox.Literal(n))],
                          meta_graph=META_GRAPH)
    finally:
        via.close()
        proxy.close()
    # sent again only when the server did not get it; otherwise found committed
    assert proxy.dropped == 1 and proxy.updates == (2 if mode == "before" else 1)
    held = {(t["s"], t["p"], t["o"]) for t in direct.select("SELECT ?s ?p ?o { ?s ?p ?o }",
                                                              default_graphs=[g], named_graphs=[])}
    def ground(triples):  # type: ignore[no-untyped-def]
        return {t for t in triples if not any(isinstance(x, ox.BlankNode) for x in t)}

    assert len(held) == len(new) and ground(held) == ground(new)
    addr = next(t[2] for t in held if t[1] == RKG.term("address"))
    assert (addr, RDFS.label, ox.Literal("addr")) in held  # the blank node is still one node
    assert [r["l"] for r in direct.select(f"SELECT ?l {{ GRAPH {META_GRAPH} {{ {g} rkg:currentLoad ?l }} }}")] == [load]
    assert not [n for n in _all_graph_names(oxigraph_server.url) if n.startswith(STAGING_PREFIX)]
    direct.drop_graph(g)
    direct.close()


def test_idempotent_publish_update_can_run_twice() -> None:
    from kg.store.embedded import EmbeddedStore
    from kg.store.graphstore import publish_update

    store = EmbeddedStore()
    g, staging = _graph(), ox.NamedNode(STAGING_PREFIX + "x")
    store.replace_graph(g, _centres(3))
    store._store.extend(ox.Quad(*t, staging) for t in _centres(7)[3:])
    for idempotent, expected in ((True, 4), (True, 4)):
        store.update(publish_update([(g, staging, 4)], None, None, idempotent=idempotent))
        assert store.count(g) == expected
    store.update(publish_update([(g, staging, 4)], None, None))  # the plain MOVE, run again, loses the graph
    assert store.count(g) == 0


def test_union_default_graph_only_when_it_is_exactly_the_published_graphs(store: RemoteStore) -> None:
    """Oxigraph evaluates its union default graph several times faster than a dataset naming each
    graph; it stands for the published graphs only while the server holds nothing else."""
    store.update("DROP ALL")            # what earlier tests left on this module's server
    g = _graph()
    store.replace_graph(g, _centres(3))
    store._published = None
    assert store._dataset(None, None, "SELECT * { ?s ?p ?o }") == [("union-default-graph", "")]
    assert len(store.select("SELECT ?c WHERE { ?c rdfs:label ?l }")) == 3
    # a dataset clause, or graphs chosen by the caller, keep the named dataset
    assert ("default-graph-uri", g.value) in store._dataset(None, None, f"SELECT * FROM {g} {{ ?s ?p ?o }}")
    assert store._dataset([g], [], "") == [("default-graph-uri", g.value), ("named-graph-uri", remote.EMPTY_GRAPH)]
    # a graph that is not published (staging, foreign) or triples in the server's default graph:
    # the published graphs are named again, and readers never see the others
    for stray, undo in ((f"INSERT DATA {{ GRAPH <{STAGING_PREFIX}x> {{ <{EX}s> rdfs:label 'staged' }} }}",
                         f"DROP GRAPH <{STAGING_PREFIX}x>"),
                        ("INSERT DATA { GRAPH <http://example.org/foreign> { <http://example.org/s> rdfs:label 'x' } }",
                         "DROP GRAPH <http://example.org/foreign>"),
                        (f"INSERT DATA {{ <{EX}s> rdfs:label 'default graph' }}",
                         f"DELETE DATA {{ <{EX}s> rdfs:label 'default graph' }}")):
        store.update(stray)
        store._published = None
        assert store._dataset(None, None, "SELECT * { ?s ?p ?o }")[0] == ("default-graph-uri", g.value)
        assert len(store.select("SELECT ?c WHERE { ?c rdfs:label ?l }")) == 3
        store.update(undo)
    store._published = None
    assert store._dataset(None, None, "SELECT * { ?s ?p ?o }") == [("union-default-graph", "")]


def test_long_answer_is_spooled_and_read_row_by_row(store: RemoteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "SPOOL_BYTES", 1024)          # every answer past 1 kB goes to disk
    g = _graph()
    store.replace_graph(g, _centres(2000))
    rows = store.select("SELECT ?c ?l WHERE { ?c rdfs:label ?l }")
    assert len(rows) == 2000 and {r["l"].value for r in rows} == {f"Centre {i}" for i in range(2000)}
    assert store.query("ASK { ?c rdfs:label 'Centre 1999'@en }").__bool__() is True


def test_results_file_with_typed_literal_across_chunks_is_normalised() -> None:
    body = (b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"typed-literal",'
            b'"datatype":"http://www.w3.org/2001/XMLSchema#integer","value":"7"}}]}}')
    at = body.index(b"typed-literal")
    for chunk in (at - 3, at + 2, 8):    # the token split between two reads, and short reads
        answer = io.BytesIO(body)
        assert backends._mentions(answer, backends._TYPED, chunk) and answer.tell() == 0
        rows = list(backends.parse_results_file(io.BytesIO(body), backends.GENERIC, "http://x/sparql"))
        assert rows[0]["n"] == ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    with pytest.raises(StoreError, match="malformed SPARQL JSON"):
        list(backends.parse_results_file(io.BytesIO(b'{"head": [1, 2'), backends.GENERIC, "http://x/sparql"))
