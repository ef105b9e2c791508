"""Result formats, content negotiation and serialisation of query results with a row cap.

Serialisation happens where the query ran (in a query worker process), so only bytes cross the
process boundary. SELECT results are written by this module (not by pyoxigraph's serialiser) so
that a capped answer is still a complete, valid document of the chosen format.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.core.vocab import PREFIXES

#: SELECT/ASK formats: short name -> media type.
RESULT_MEDIA: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
#: Graph formats: short name -> (media type, pyoxigraph format).
GRAPH_MEDIA: dict[str, tuple[str, ox.RdfFormat]] = {
    "turtle": ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "nquads": ("application/n-quads", ox.RdfFormat.N_QUADS),
    "trig": ("application/trig", ox.RdfFormat.TRIG),
}
_RESULT_BY_MEDIA = {"application/sparql-results+json": "json", "application/json": "json",
                    "application/sparql-results+xml": "xml", "application/xml": "xml",
                    "text/xml": "xml", "text/csv": "csv", "text/tab-separated-values": "tsv"}
_GRAPH_BY_MEDIA = {"text/turtle": "turtle", "application/x-turtle": "turtle",
                   "application/n-triples": "ntriples", "text/plain": "ntriples",
                   "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
                   "application/ld+json": "jsonld", "application/json": "jsonld",
                   "application/n-quads": "nquads", "application/trig": "trig"}
#: ``format=`` values accepted as aliases.
_ALIASES = {"sparql-json": "json", "srj": "json", "srx": "xml", "ttl": "turtle", "nt": "ntriples",
            "rdf": "rdfxml", "xml-rdf": "rdfxml", "json-ld": "jsonld", "nq": "nquads"}


def parse_accept(accept: str) -> list[str]:
    """Media ranges of an Accept header, best first (by q, then by order)."""
    ranked = []
    for index, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, index, media))
    return [m for _, _, m in sorted(ranked)]


def negotiate(accept: str, fmt: str | None, table: dict[str, str], known: set[str],
              default: str) -> str | None:
    """The short format name to answer with, or None when nothing acceptable is offered.

    ``fmt`` (the ``format`` parameter: a short name or a media type) wins over ``accept``; given
    empty, it names no format (None), as any other unknown name."""
    if fmt is not None:
        fmt = fmt.strip().lower()
        fmt = _ALIASES.get(fmt, fmt)
        if fmt in known:
            return fmt
        return table.get(fmt.split(";")[0].strip())
    if not accept.strip():
        return default
    for media in parse_accept(accept):
        if media in table and table[media] in known:
            return table[media]
        if media == "*/*" or (media.endswith("/*") and any(m.startswith(media[:-1]) for m in table)):
            return default
    return None


def choose_formats(accept: str, fmt: str | None) -> tuple[str | None, str | None]:
    """(result format for SELECT/ASK, graph format for CONSTRUCT/DESCRIBE); None = not acceptable."""
    return (negotiate(accept, fmt, _RESULT_BY_MEDIA, set(RESULT_MEDIA), "json"),
            negotiate(accept, fmt, _GRAPH_BY_MEDIA, set(GRAPH_MEDIA), "turtle"))


def choose_graph_format(accept: str, fmt: str | None = None) -> str | None:
    """The graph format for a linked-data or dump request; None = not acceptable."""
    return negotiate(accept, fmt, _GRAPH_BY_MEDIA, set(GRAPH_MEDIA), "turtle")


@dataclass
class Answer:
    """A serialised query answer: what the HTTP layer sends."""
    kind: str          # "select", "ask" or "graph"
    media: str
    body: bytes
    rows: int
    truncated: bool


class NotAcceptable(Exception):
    """The client accepts no format this kind of result is available in."""

    def __init__(self, kind: str) -> None:
        offered = RESULT_MEDIA.values() if kind != "graph" else [m for m, _ in GRAPH_MEDIA.values()]
        super().__init__(f"{kind} results are available as " + ", ".join(offered))


def serialize(result: Any, result_fmt: str | None, graph_fmt: str | None, max_rows: int) -> Answer:
    """Serialise a pyoxigraph query result, keeping at most ``max_rows`` rows (or triples).

    Raises NotAcceptable when the chosen format for this kind of result is None."""
    if isinstance(result, ox.QueryBoolean):
        if result_fmt is None:
            raise NotAcceptable("ask")
        return Answer("ask", RESULT_MEDIA[result_fmt], _boolean(bool(result), result_fmt), 1, False)
    if isinstance(result, ox.QuerySolutions):
        if result_fmt is None:
            raise NotAcceptable("select")
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == max_rows:
                return Answer("select", RESULT_MEDIA[result_fmt],
                              _solutions(names, rows, result_fmt), len(rows), True)
            rows.append([solution[n] for n in names])
        return Answer("select", RESULT_MEDIA[result_fmt], _solutions(names, rows, result_fmt), len(rows), False)
    if graph_fmt is None:
        raise NotAcceptable("graph")
    triples = []
    truncated = False
    for triple in result:
        if len(triples) == max_rows:
            truncated = True
            break
        triples.append(triple)
    return Answer("graph", GRAPH_MEDIA[graph_fmt][0], graph_bytes(triples, graph_fmt), len(triples), truncated)


def graph_bytes(triples: list[Any], fmt: str) -> bytes:
    """Triples (or quads, for nquads/trig) in one of :data:`GRAPH_MEDIA`'s formats."""
    rdf_format = GRAPH_MEDIA[fmt][1]
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        triples = [t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object,
                                                             ox.DefaultGraph()) for t in triples]
    prefixed = rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)
    return ox.serialize(triples, None, rdf_format, prefixes=PREFIXES if prefixed else None)


def _boolean(value: bool, fmt: str) -> bytes:
    text = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{text}</boolean></sparql>\n").encode()
    return f"_askResult\n{text}\n".encode() if fmt == "csv" else f"?_askResult\n{text}\n".encode()


def term_json(term: Any) -> dict[str, str]:
    """One RDF term as a SPARQL 1.1 JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _solutions(names: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{n: term_json(t) for n, t in zip(names, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "xml":
        return _solutions_xml(names, rows)
    out = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if t is None else (t.value if not isinstance(t, ox.BlankNode) else f"_:{t.value}")
                             for t in row])
    else:
        out.write("\t".join("?" + n for n in names) + "\n")
        for row in rows:
            out.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    return out.getvalue().encode()


def _solutions_xml(names: list[str], rows: list[list[Any]]) -> bytes:
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    parts += [f"<variable name={quoteattr(n)}/>" for n in names]
    parts.append("</head><results>")
    for row in rows:
        parts.append("<result>")
        for name, term in zip(names, row):
            if term is None:
                continue
            j = term_json(term)
            if j["type"] == "uri":
                inner = f"<uri>{escape(j['value'])}</uri>"
            elif j["type"] == "bnode":
                inner = f"<bnode>{escape(j['value'])}</bnode>"
            else:
                attr = (f" xml:lang={quoteattr(j['xml:lang'])}" if "xml:lang" in j else
                        f" datatype={quoteattr(j['datatype'])}" if "datatype" in j else "")
                inner = f"<literal{attr}>{escape(j['value'])}</literal>"
            parts.append(f"<binding name={quoteattr(name)}>{inner}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>\n")
    return "".join(parts).encode()
