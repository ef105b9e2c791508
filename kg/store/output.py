"""Printing query results: an aligned table for people, or a standard format for programs."""

from __future__ import annotations

from typing import IO, Any

import pyoxigraph as ox

from kg.core.errors import QueryError
from kg.core.vocab import PREFIXES, compact_iri
from kg.store.graphstore import RDF_FORMATS, RESULT_FORMATS


def compact(term: Any) -> str:
    """A term as people read it: CURIE for known namespaces, the lexical form for literals."""
    if isinstance(term, ox.NamedNode):
        curie = compact_iri(term.value)
        return curie if curie != term.value else f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def format_table(variables: list[str], rows: list[dict[str, Any]], max_width: int = 60) -> str:
    """An aligned text table; long cells are cut with an ellipsis."""
    cells = [[_cut(compact(r[v]) if v in r else "", max_width) for v in variables] for r in rows]
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(variables)]
    line = "  ".join(v.ljust(w) for v, w in zip(variables, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def print_result(result: Any, fmt: str, out: IO[bytes]) -> None:
    """Write a query result in ``fmt``: table, or json/xml/csv/tsv (SELECT, ASK), or an RDF format
    (CONSTRUCT, DESCRIBE). Raises QueryError when the format does not fit the query form."""
    if isinstance(result, ox.QueryBoolean):
        if fmt == "table":
            out.write(b"true\n" if bool(result) else b"false\n")
        elif fmt in RESULT_FORMATS:
            result.serialize(out, RESULT_FORMATS[fmt])
        else:
            raise QueryError(f"format {fmt!r} does not fit an ASK query")
    elif isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            variables = [v.value for v in result.variables]
            rows = [{v: s[v] for v in variables if s[v] is not None} for s in result]
            out.write((format_table(variables, rows) + "\n").encode())
        elif fmt in RESULT_FORMATS:
            result.serialize(out, RESULT_FORMATS[fmt])
        else:
            raise QueryError(f"format {fmt!r} does not fit a SELECT query; use table, json, xml, csv or tsv")
    else:
        rdf = RDF_FORMATS.get("turtle" if fmt == "table" else fmt)
        if rdf is None or fmt in ("nquads", "trig"):
            raise QueryError(f"format {fmt!r} does not fit a CONSTRUCT/DESCRIBE query; "
                             f"use turtle, ntriples or rdfxml")
        ox.serialize(result, out, rdf, prefixes=PREFIXES if rdf == ox.RdfFormat.TURTLE else None)
    out.flush()
