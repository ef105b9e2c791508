"""Which other hosts a client's query or update would make the server call, and whether it may.

pyoxigraph evaluates ``SERVICE <iri>`` (and an update's ``LOAD <iri>``) by an HTTP request from the
process that runs it, and a remote backend would too; neither can be switched off (0.5.13). So a
request naming a remote endpoint is refused here, in the HTTP process, before any evaluation,
unless the operator allowed that endpoint's prefix (``RAREKG_SERVICE_ALLOWED_PREFIXES``,
``RAREKG_LOAD_ALLOWED_PREFIXES``; see docs/decisions/0016-public-endpoint-hardening.md).

The keyword is found by parsing, not by searching the text: ``SERVICE`` may sit inside a string,
an IRI or a comment (no call), and may be written with ``\\u`` escapes, which SPARQL decodes before
parsing (a call). A cheap test comes first: a text whose decoded, lower-cased form does not contain
``service`` (or ``load``) cannot call anything, and most queries stop there. The others are parsed
with rdflib's SPARQL grammar, and its algebra is walked for SERVICE and LOAD operations with their
IRIs resolved against the prologue. A text that rdflib cannot parse while it contains the word is
refused: what cannot be checked is not run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kg.core.vocab import PREFIXES

#: the longest text that mentions SERVICE (or LOAD) and is parsed to check it (rdflib's parser is
#: pure Python: about 10 ms per kilobyte)
MAX_CHECKED = 100_000
#: ``\\uXXXX`` and ``\\UXXXXXXXX``: SPARQL decodes them in the whole text before parsing
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class RemoteCallRefused(Exception):
    """The request would make the server call a host the operator did not allow; ``parameter``
    names the request parameter that carried it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class RemoteCall:
    """One remote call a request would make: ``SERVICE`` or ``LOAD``, and the IRI (None: a variable)."""
    operation: str
    iri: str | None


def _decoded(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group(0)
    return _ESCAPE.sub(one, text)


def may_call(text: str, update: bool = False) -> bool:
    """False when ``text`` certainly names no remote call (no ``service``, nor for an update ``load``,
    in it, escapes decoded); True means "parse it to know".

    >>> may_call("SELECT * { ?s ?p ?o }")
    False
    >>> may_call("SELECT * { \\\\u0053ERVICE <http://x/> { ?s ?p ?o } }")
    True
    """
    folded = _decoded(text).lower()
    return "service" in folded or (update and "load" in folded)


def remote_calls(text: str, update: bool = False) -> list[RemoteCall]:
    """Every SERVICE (and, for an update, LOAD) in a query or update text, IRIs resolved.

    Raises RemoteCallRefused when the text contains the word but cannot be parsed to check it."""
    if not may_call(text, update):
        return []
    parameter = "update" if update else "query"
    if len(text) > MAX_CHECKED:
        raise RemoteCallRefused(parameter, f"the text mentions SERVICE or LOAD and is longer than {MAX_CHECKED} "
                                "characters, too long to check for calls to other hosts, so it is not run")
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    try:   # with the prefixes the endpoint predeclares (kg.core.vocab.PREFIXES), as the store parses it
        algebra: Any = (translateUpdate(parseUpdate(text), initNs=PREFIXES).algebra if update
                        else translateQuery(parseQuery(text), initNs=PREFIXES).algebra)
    except Exception as exc:  # noqa: BLE001 - pyparsing errors, RecursionError, and rdflib raises a bare
        # Exception for an unknown prefix; any failure here refuses the text (never hidden: named)
        raise RemoteCallRefused(parameter, "the text mentions SERVICE or LOAD and could not be checked for "
                                f"calls to other hosts ({type(exc).__name__}), so it is not run") from None
    return list(_walk(algebra))


def _walk(node: Any) -> Iterator[RemoteCall]:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            term = node["term"]
            yield RemoteCall("SERVICE", str(term) if isinstance(term, URIRef) else None)
        elif node.name == "Load":
            term = node["iri"]
            yield RemoteCall("LOAD", str(term) if isinstance(term, URIRef) else None)
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)
    elif hasattr(node, "asList"):
        yield from _walk(node.asList())


def check(text: str, service_allowed: tuple[str, ...], load_allowed: tuple[str, ...] = (),
          update: bool = False) -> bool:
    """Whether the text calls remote services; each one must start with an allowed prefix
    (SERVICE: ``service_allowed``, LOAD: ``load_allowed``). Raises RemoteCallRefused."""
    parameter = "update" if update else "query"
    calls = remote_calls(text, update)
    for call in calls:
        allowed = service_allowed if call.operation == "SERVICE" else load_allowed
        setting = "RAREKG_SERVICE_ALLOWED_PREFIXES" if call.operation == "SERVICE" else "RAREKG_LOAD_ALLOWED_PREFIXES"
        if not allowed:
            raise RemoteCallRefused(parameter, f"{call.operation} is refused here: this endpoint does not "
                                    f"call other hosts for its clients (the operator can allow some with {setting})")
        if call.iri is None:
            raise RemoteCallRefused(parameter, f"{call.operation} with a variable IRI is refused: only "
                                    "the endpoints the operator allowed may be called")
        if not call.iri.startswith(allowed):
            raise RemoteCallRefused(parameter, f"{call.operation} <{call.iri}> is refused: it is not under "
                                    "a prefix the operator allowed (" + ", ".join(allowed) + ")")
    return bool(calls)
