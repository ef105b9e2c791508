"""Queries that cannot run away: single-pattern lookups answered in the HTTP process.

Every other query runs in a query worker process that is killed at the deadline
(:mod:`api.limits`), at the price of a round trip to that process, which costs several times
the query itself on a point lookup (docs/decisions/0005-endpoint-speed.md). A query whose work is
bounded before it starts needs no deadline, so the HTTP process answers it itself.

:func:`is_bounded_lookup` accepts only a strict subset of SPARQL, recognised as a whole string,
never by searching inside it: an optional prologue of ``PREFIX``/``BASE`` declarations, then
``SELECT`` (``*`` or plain variables) or ``ASK``, and a group of exactly one triple pattern,
optionally followed by ``LIMIT``. Its terms are IRIs, prefixed names, ``a``, distinct variables
and, as the object, a plain literal. Anything else (a second pattern, FILTER, OPTIONAL, GRAPH,
FROM, a property path, DISTINCT, ORDER BY, OFFSET, a sub-query, comments) is not a lookup here.

Why that is bounded: pyoxigraph evaluates one triple pattern as a lazy scan of one index range,
each matching quad gives one solution (the variables are distinct, so nothing is filtered out),
and the answer is serialised from at most ``max_rows`` solutions (ASK stops at the first). The
scan is further bounded to a few index steps by requiring either a fixed subject and predicate
(one property of one resource: the scan is that resource's values for it) or ``LIMIT`` of at most
:data:`INLINE_LIMIT`.
"""

from __future__ import annotations

import re

#: the largest LIMIT answered in the HTTP process when the subject or predicate is a variable
INLINE_LIMIT = 1000

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PNAME = r"(?:[A-Za-z][\w.-]*)?:[A-Za-z0-9_](?:[\w.-]*[\w-])?|(?:[A-Za-z][\w.-]*)?:"
_VAR = r"[?$][A-Za-z_]\w*"
_LITERAL = rf"\"[^\"\\\n\r]*\"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:{_IRI}|{_PNAME}))?"
_CONST = rf"(?:{_IRI}|{_PNAME})"
_PROLOGUE = rf"(?:\s*(?:PREFIX\s+(?:[A-Za-z][\w.-]*)?:\s*{_IRI}|BASE\s*{_IRI}))*"
_LOOKUP = re.compile(
    rf"{_PROLOGUE}\s*(?:SELECT\s+(?P<proj>\*|(?:{_VAR}\s*)+)|(?P<ask>ASK))\s*(?:WHERE\s*)?"
    rf"\{{\s*(?P<s>{_CONST}|{_VAR})\s+(?P<p>{_CONST}|{_VAR}|a)\s+(?P<o>{_CONST}|{_VAR}|{_LITERAL})\s*\.?\s*\}}"
    rf"\s*(?:LIMIT\s+(?P<limit>\d+))?\s*",
    re.IGNORECASE,
)


def is_bounded_lookup(query: str) -> bool:
    """Whether ``query`` is a single-pattern lookup whose work is bounded (see the module doc).
    A False only means "run it in a query worker"; the text is not validated here.

    >>> is_bounded_lookup("SELECT ?l WHERE { <https://w3id.org/rarekg/x> rdfs:label ?l }")
    True
    >>> is_bounded_lookup("SELECT ?s WHERE { ?s ?p ?o }")
    False
    >>> is_bounded_lookup("SELECT ?s WHERE { ?s ?p ?o } LIMIT 10")
    True
    """
    m = _LOOKUP.fullmatch(query)
    if m is None:
        return False
    terms = [m["s"], m["p"], m["o"]]
    variables = [t for t in terms if t[0] in "?$"]
    if len({v[1:] for v in variables}) != len(variables):
        return False  # a repeated variable filters the scan: its work is no longer bounded by the answer
    if m["proj"] and m["proj"] != "*" and not {v[1:] for v in m["proj"].split()} <= {v[1:] for v in variables}:
        return False  # a projected variable the pattern does not bind: leave the error to the worker
    fixed_subject_and_predicate = m["s"][0] not in "?$" and m["p"][0] not in "?$"
    return bool(m["ask"]) or fixed_subject_and_predicate or (m["limit"] is not None and int(m["limit"]) <= INLINE_LIMIT)
