"""What differs between SPARQL servers, normalised in one place.

:mod:`kg.store.remote` talks to any SPARQL 1.1 server through the standard protocols; everything a
particular server does differently is described here by a :class:`Flavour` and undone by the
functions of this module, so that a query answered by a server gives the same Python objects
(pyoxigraph ``QuerySolutions`` / ``QueryBoolean`` / triples) as the embedded store:

* **Virtuoso 7** writes ``"type": "typed-literal"`` in JSON results (SPARQL 1.0 draft style);
  :func:`parse_results` rewrites it to ``"literal"`` before pyoxigraph's parser sees it.
* **Virtuoso's row cap** (``ResultSetMaxRows`` in its ini, 10 000 by default) cuts answers
  silently; :func:`check_row_cap` turns an answer of exactly the cap into a StoreError naming the
  setting, so a short answer is never mistaken for a complete one.
* **Virtuoso's ASK** comes back as a one-row SELECT binding ``__ask_retval`` for some result
  formats; :func:`parse_results` turns it back into a boolean.
* **Endpoints and payloads**: where the query, update and Graph Store URLs are under a base URL,
  which RDF media type the server accepts on a Graph Store POST, and how to list named graphs.
* **Pre-bound variables**: servers have no pyoxigraph ``substitutions``; :func:`inline_bindings`
  puts the bound terms into the query as a ``VALUES`` block at the start of the outer group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

import httpx
import pyoxigraph as ox

from kg.core.errors import QueryError, StoreError
from kg.core.vocab import PREFIXES


@dataclass(frozen=True)
class Flavour:
    """One kind of SPARQL server and its known differences."""

    name: str
    #: paths of the query, update and Graph Store endpoints under the base URL
    query_path: str
    update_path: str
    store_path: str
    #: media type sent with a Graph Store POST (N-Triples is valid Turtle, so either works)
    upload_media: str
    #: the server's silent row cap, or None when it has none
    max_rows: int | None
    #: whether update and Graph Store requests need HTTP digest authentication
    digest_auth: bool
    #: SELECT listing the named graphs as ``?g``
    graphs_query: str
    #: whether the query endpoint takes ``union-default-graph`` (the union of all graphs as the default)
    union_default_graph: bool = False
    #: whether its JSON results may use the obsolete binding type ``typed-literal`` (unknown: yes)
    typed_literals: bool = True


OXIGRAPH = Flavour("oxigraph", "query", "update", "store", "application/n-triples", None, False,
                   "SELECT ?g WHERE { GRAPH ?g { } }", union_default_graph=True,
                   typed_literals=False)
VIRTUOSO = Flavour("virtuoso", "sparql", "sparql-auth", "sparql-graph-crud-auth", "text/turtle", 10_000, True,
                   "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
GENERIC = Flavour("generic", "", "", "", "application/n-triples", None, False,
                  "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
FLAVOURS = {f.name: f for f in (OXIGRAPH, VIRTUOSO, GENERIC)}


def flavour_named(name: str) -> Flavour:
    """The flavour called ``name``; raises StoreError listing the known ones."""
    try:
        return FLAVOURS[name.lower()]
    except KeyError:
        raise StoreError(f"unknown backend kind {name!r}; known: {', '.join(FLAVOURS)}") from None


def flavour_from_server_header(server: str | None) -> Flavour:
    """The flavour announced by an HTTP ``Server`` header (``Oxigraph/0.5.13``, ``Virtuoso/07.20…``)."""
    text = (server or "").lower()
    if text.startswith("oxigraph"):
        return OXIGRAPH
    if "virtuoso" in text:
        return VIRTUOSO
    return GENERIC


# -- results ----------------------------------------------------------------------------------------

_ASK_VAR = "__ask_retval"


def parse_results(body: bytes, flavour: Flavour, url: str) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL JSON results as pyoxigraph objects, with the flavour's differences undone.

    Raises StoreError naming ``url`` when the body is not valid SPARQL JSON results, or when the
    answer hit the server's row cap (see :func:`check_row_cap`)."""
    if flavour.max_rows is not None or b'"typed-literal"' in body:
        body = _normalise_json(body, flavour, url)
    try:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    except SyntaxError as exc:
        raise StoreError(f"{url} answered with malformed SPARQL JSON results: {exc}") from exc


_TYPED = b'"typed-literal"'


def parse_results_file(answer: IO[bytes], flavour: Flavour, url: str) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL JSON results read from a file, row by row as they are iterated (the file is not held
    in memory). A flavour with a row cap, or an answer using the obsolete ``typed-literal``, is read
    whole and normalised by :func:`parse_results` (a capped answer is small); the answer is searched
    for that token only when the flavour may write it, so an Oxigraph answer is read once. Raises as
    :func:`parse_results`."""
    if flavour.max_rows is None and not (flavour.typed_literals and _mentions(answer, _TYPED)):
        try:
            return ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise StoreError(f"{url} answered with malformed SPARQL JSON results: {exc}") from exc
    with answer:
        return parse_results(answer.read(), flavour, url)


def _mentions(answer: IO[bytes], token: bytes, chunk: int = 1 << 20) -> bool:
    """Whether ``token`` occurs in the file (read in chunks, each searched with the end of the text
    before it, so a token split between reads is found; the file is left at its start)."""
    tail = b""
    try:
        while block := answer.read(chunk):
            text = tail + block
            if token in text:
                return True
            tail = text[-(len(token) - 1):]
        return False
    finally:
        answer.seek(0)


_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _normalise_json(body: bytes, flavour: Flavour, url: str) -> bytes:
    # The token "typed-literal" with its quotes cannot occur inside a JSON string value (quotes
    # there are escaped), so this replaces only the binding type.
    body = body.replace(b'"typed-literal"', b'"literal"')
    if flavour.max_rows is None:
        return body
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise StoreError(f"{url} answered with malformed JSON: {exc}") from exc
    if "boolean" in data:
        return body
    variables = data.get("head", {}).get("vars", [])
    rows = data.get("results", {}).get("bindings", [])
    if variables == [_ASK_VAR] and len(rows) == 1:
        value = rows[0].get(_ASK_VAR, {}).get("value")
        return json.dumps({"head": {}, "boolean": value in ("1", "true")}).encode()
    check_row_cap(len(rows), flavour, url)
    if b'"bnode"' in body and _relabel_blank_nodes(rows):
        return json.dumps(data).encode()
    return body


def _relabel_blank_nodes(rows: list[dict[str, dict[str, str]]]) -> bool:
    """Virtuoso labels blank nodes ``nodeID://b10007``, which is no blank node label: map each to a
    valid label (the same one for the same node within the answer). True if any was changed."""
    changed = False
    for row in rows:
        for term in row.values():
            if term.get("type") == "bnode" and not _BNODE_LABEL.match(term.get("value", "")):
                term["value"] = re.sub(r"[^A-Za-z0-9_]", "_", term.get("value", "")) or "b"
                changed = True
    return changed


def check_row_cap(rows: int, flavour: Flavour, url: str) -> None:
    """Raise StoreError when an answer of ``rows`` rows may have been cut by the server's cap."""
    if flavour.max_rows is not None and rows >= flavour.max_rows:
        raise StoreError(
            f"{url} answered with {rows} rows, the server's row cap ({flavour.name} ResultSetMaxRows="
            f"{flavour.max_rows}); the answer may be incomplete: raise ResultSetMaxRows in the "
            "server's ini (and RAREKG_BACKEND_MAX_ROWS) or add LIMIT/OFFSET to the query")


def parse_graph(body: bytes, media: str, url: str) -> list[ox.Triple]:
    """Triples of a CONSTRUCT/DESCRIBE answer or a Graph Store GET (N-Triples or Turtle)."""
    fmt = ox.RdfFormat.N_TRIPLES if "n-triples" in media else ox.RdfFormat.TURTLE
    if "rdf+xml" in media:
        fmt = ox.RdfFormat.RDF_XML
    try:
        return [q if isinstance(q, ox.Triple) else ox.Triple(q.subject, q.predicate, q.object)
                for q in ox.parse(body, fmt)]
    except SyntaxError as exc:
        raise StoreError(f"{url} answered with malformed RDF ({media}): {exc}") from exc


# -- query text ----------------------------------------------------------------------------------------

_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_DECLARED = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE | re.MULTILINE)


def with_prefixes(sparql: str) -> str:
    """``sparql`` preceded by the PREFIX declarations of :data:`kg.core.vocab.PREFIXES` it does not
    declare itself (the embedded store applies them implicitly; a server needs them written)."""
    declared = set(_DECLARED.findall(sparql))
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p not in declared]
    return "\n".join(lines + [sparql])


def inline_bindings(sparql: str, bindings: Mapping[str, Any] | None) -> str:
    """``sparql`` with ``bindings`` (variable name -> term) as a ``VALUES`` block opening the outer
    group pattern and the pattern of every sub-select, so the variables are bound before anything
    else is evaluated and, as with pyoxigraph's substitutions (SEP-0007), inside sub-selects too
    (which do not see the outer group's bindings).

    Raises QueryError for a blank node (it cannot be written into a query), a bad variable name or
    a query whose outer group cannot be found."""
    if not bindings:
        return sparql
    names, terms = [], []
    for name, term in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"bad variable name {name!r}")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"variable {name!r}: only IRIs and literals can be bound on a server")
        names.append(f"?{name}")
        terms.append(str(term))
    at = outer_group_start(sparql)
    block = f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "
    for start in sorted({at, *sub_select_starts(sparql, at)}, reverse=True):
        sparql = sparql[:start + 1] + block + sparql[start + 1:]
    return sparql


def sub_select_starts(sparql: str, outer: int) -> list[int]:
    """Indexes of the ``{`` opening the pattern of each sub-select after ``outer``."""
    blanked = _blank_strings(sparql)
    starts = []
    for m in re.finditer(r"\bSELECT\b", blanked[outer:], re.IGNORECASE):
        brace = blanked.find("{", outer + m.end())
        if brace >= 0:
            starts.append(brace)
    return starts


def outer_group_start(sparql: str) -> int:
    """Index of the ``{`` opening the query's WHERE pattern (past a CONSTRUCT template).

    Raises QueryError when there is none."""
    braces = [i for i, ch in _code_chars(sparql) if ch in "{}"]
    form = _FORM.search(_blank_strings(sparql))
    if form is None or not braces:
        raise QueryError("cannot find the query form and its WHERE pattern")
    opening = [i for i in braces if i > form.end()]
    if not opening:
        raise QueryError("the query has no group pattern")
    first = opening[0]
    between = _blank_strings(sparql)[form.end():first]
    if form.group(1).upper() != "CONSTRUCT" or re.search(r"\bWHERE\s*$", between, re.IGNORECASE):
        return first
    depth = 0
    for i in opening:
        depth += 1 if sparql[i] == "{" else -1
        if depth == 0:
            following = [j for j in opening if j > i and sparql[j] == "{"]
            if following:
                return following[0]
            break
    raise QueryError("cannot find the WHERE pattern after the CONSTRUCT template")


_TOKEN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', re.DOTALL)


def _blank_strings(sparql: str) -> str:
    """``sparql`` with strings, IRIs and comments replaced by spaces (same length)."""
    return _TOKEN.sub(lambda m: " " * len(m.group(0)), sparql)


def _code_chars(sparql: str) -> list[tuple[int, str]]:
    blanked = _blank_strings(sparql)
    return [(i, ch) for i, ch in enumerate(blanked) if ch in "{}"]


# -- protocol helpers of kg.store.remote ---------------------------------------------------------------

def checked(response: httpx.Response, method: str, url: str) -> httpx.Response:
    """``response`` if it succeeded; else QueryError (400: the server refused the request) or
    StoreError (not authorised, any other error), naming the URL and what the server said."""
    if response.status_code < 300:
        return response
    detail = response.text[:500].strip()
    if response.status_code == 400:
        raise QueryError(f"{url} rejected the request: {detail}")
    if response.status_code in (401, 403):
        raise StoreError(f"{method} {url}: HTTP {response.status_code}, not authorised "
                         "(set RAREKG_BACKEND_USER and RAREKG_BACKEND_PASSWORD)")
    raise StoreError(f"{method} {url}: HTTP {response.status_code}: {detail}")


def multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields with repeated names (the dataset parameters) as httpx takes them."""
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def chunks(triples: Iterable[Any], size: int) -> Iterator[list[ox.Triple]]:
    """``triples`` (pyoxigraph triples or 3-tuples) in lists of ``size`` pyoxigraph triples."""
    it = iter(triples)
    while chunk := list(islice(it, size)):
        yield [t if isinstance(t, ox.Triple) else ox.Triple(*t) for t in chunk]


def has_bnode(t: ox.Triple) -> bool:
    """Whether the triple has a blank node (its label is scoped to one document)."""
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
