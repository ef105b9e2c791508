"""The SPARQL query library: ``queries/<name>.rq`` files with a header, loaded by name.

Header format (comment lines at the top of the file)::

    # title: Centres by domain
    # description: Reference centres whose network membership covers a cancer domain.
    # param: domain iri  The domain, e.g. <https://w3id.org/rarekg/domain/G1>
    # example: domain=https://w3id.org/rarekg/domain/G1

Parameters are bound with pyoxigraph substitutions (never string formatting). A parameter's type
is ``iri``, ``string``, ``integer``, ``decimal``, ``boolean`` or ``date``. A type may name a default
computed when the query runs, ``date=open-cutoff`` (see :data:`DEFAULTS`): such a parameter may be omitted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.core import trial_status
from kg.core.errors import QueryError
from kg.core.ontology import QUERIES_DIR
from kg.core.vocab import XSD, expand_curie
from kg.store.embedded import GraphStore, Term, iter_rows

#: the read model's queries: the questions the REST and FHIR answers are shaped from (api/rest/)
READ_DIR = QUERIES_DIR / "read"
PARAM_TYPES = {"iri", "string", "integer", "decimal", "boolean", "date"}
#: defaults a parameter may name (``# param: since date=open-cutoff ...``), computed when the query is bound
DEFAULTS: dict[str, Callable[[], str]] = {
    "open-cutoff": lambda: trial_status.open_cutoff().isoformat(),   # an open status must be verified since
    "today": lambda: trial_status.today().isoformat(),
}
_HEADER = re.compile(r"^#\s*(title|description|param|example):\s*(.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    default: str = ""      # a key of DEFAULTS, or "" for a required parameter


@dataclass
class LibraryQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def bind(self, values: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        """Turn ``name -> text`` values into RDF terms by the declared types.

        Raises QueryError naming the parameter for an unknown name, a missing value or a value
        of the wrong type."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise QueryError(f"query {self.name!r} has no parameter {unknown[0]!r}; "
                             f"parameters: {', '.join(declared) or 'none'}")
        values = {**{p.name: DEFAULTS[p.default]() for p in self.params if p.default and p.name not in values},
                  **values}
        missing = [p for p in declared if p not in values]
        if missing:
            raise QueryError(f"query {self.name!r} needs parameter {missing[0]!r} "
                             f"({declared[missing[0]].description})")
        return {name: to_term(declared[name], value) for name, value in values.items()}


def to_term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """One parameter value as an RDF term; CURIEs with a known prefix expand to IRIs."""
    try:
        if param.type == "iri":
            return ox.NamedNode(expand_iri(value))
        if param.type == "integer":
            return ox.Literal(str(int(value)), datatype=XSD.integer)
        if param.type == "decimal":
            return ox.Literal(str(float(value)), datatype=XSD.decimal)
        if param.type == "date":
            return ox.Literal(date.fromisoformat(value.strip()).isoformat(), datatype=XSD.date)
        if param.type == "boolean":
            if value.lower() not in ("true", "false"):
                raise ValueError("expected true or false")
            return ox.Literal(value.lower(), datatype=XSD.boolean)
        return ox.Literal(value)
    except ValueError as exc:
        raise QueryError(f"parameter {param.name!r}: {value!r} is not a valid {param.type} ({exc})") from exc


def expand_iri(value: str) -> str:
    """``<iri>``, a full IRI, or a CURIE with a rarekg prefix (``rkgd:domain/G1``) to an IRI."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    expanded = expand_curie(value)
    if expanded is not None:
        return expanded
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        raise ValueError("expected an IRI such as <https://w3id.org/rarekg/domain/G1> or a CURIE like rkgd:domain/G1")
    return value


def parse(path: Path) -> LibraryQuery:
    """Read one ``.rq`` file and its header. Raises QueryError naming file and line for a bad header."""
    text = path.read_text(encoding="utf-8")
    query = LibraryQuery(name=path.stem, path=path, text=text)
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "param":
            parts = value.split(None, 2)
            kind, _, default = parts[1].partition("=") if len(parts) > 1 else ("", "", "")
            if len(parts) < 2 or kind not in PARAM_TYPES or (default and default not in DEFAULTS):
                raise QueryError(f"{path}:{lineno}: param line must be 'name type description' "
                                 f"with type one of {sorted(PARAM_TYPES)}, optionally type=default "
                                 f"with a default one of {sorted(DEFAULTS)}")
            query.params.append(Param(parts[0], kind, parts[2] if len(parts) > 2 else "", default))
        elif key == "example":
            query.examples.append(value)
        else:
            setattr(query, key, value)
    if not query.title:
        raise QueryError(f"{path}:1: query file has no '# title:' header")
    return query


def library(directory: Path = QUERIES_DIR) -> dict[str, LibraryQuery]:
    """Every query of the library by name."""
    return {q.name: q for q in (parse(p) for p in sorted(directory.glob("*.rq")))}


def get(name: str, directory: Path = QUERIES_DIR) -> LibraryQuery:
    """One query by name. Raises QueryError listing the known names."""
    path = directory / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.rq")))
        raise QueryError(f"unknown query {name!r}; known queries: {known}")
    return parse(path)


@lru_cache(maxsize=64)
def read_query(name: str) -> LibraryQuery:
    """One query of the read model (``queries/read/<name>.rq``, else the library's ``queries/<name>.rq``),
    parsed once per process. Raises QueryError listing the known names."""
    return get(name, READ_DIR) if (READ_DIR / f"{name}.rq").is_file() else get(name)


def run(store: GraphStore, name: str, values: Mapping[str, Term] | None = None) -> list[dict[str, Term]]:
    """The rows of read-model query ``name`` on ``store`` with its parameters bound to ``values``
    (RDF terms, bound by substitution). Raises QueryError naming a parameter the query does not
    declare, or one it needs and is not given; QueryError / StoreError from the store."""
    return list(stream(store, name, values))


def stream(store: GraphStore, name: str, values: Mapping[str, Term] | None = None) -> Iterator[dict[str, Term]]:
    """:func:`run`'s rows one by one, as the store yields them: for the whole-column reads of the
    referral index and the network (millions of rows at scale 100), which are never held as a list.
    The parameters are checked before the first row is asked for."""
    query = read_query(name)
    given = dict(values or {})
    declared = {p.name for p in query.params}
    if set(given) != declared:
        wrong = min(set(given) ^ declared)
        raise QueryError(f"query {name!r}: parameter {wrong!r} " + ("is not declared" if wrong in given else "is missing"))
    text = query.text
    projected = _projection(text)
    written = {k: v for k, v in given.items() if projected is not None and k not in projected}
    for var, term in written.items():      # a parameter the answer does not repeat is written in
        text = re.sub(rf"\?{var}\b", lambda _m, t=str(term): t, text)
    return iter_rows(store.query(text, bindings={k: v for k, v in given.items() if k not in written}))


def _projection(text: str) -> set[str] | None:
    """The variables a SELECT query projects, or None for ``SELECT *`` and other query forms.

    A parameter the query does not project is written into its text rather than bound: pyoxigraph
    binds only projected variables, and a projected parameter repeats the bound value in every
    row, which over a server doubles a two-column answer (``property-column``)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    m = re.search(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE\b|\{)", body, re.IGNORECASE | re.DOTALL)
    if m is None or m.group(1).strip() == "*":
        return None
    return set(re.findall(r"\?([A-Za-z_][A-Za-z0-9_]*)", m.group(1)))


def column(store: GraphStore, prop: str, *, of_type: str | None = None, entities: bool = False,
           iri_values: bool = False) -> Iterator[tuple[str, str]]:
    """``(node, value)`` of one property (a CURIE), streamed from the library's read queries: of every
    node (``property-column``), of every node of a class (``column-of-type``) or of every entity and
    subgroup class (``entity-column``); ``iri_values`` keeps only values that are IRIs.

    Raises QueryError/StoreError from the store."""
    predicate = ox.NamedNode(_iri(prop))
    if entities:
        rows = stream(store, "entity-column", {"predicate": predicate})
    elif of_type is not None:
        rows = stream(store, "column-of-type", {"class": ox.NamedNode(_iri(of_type)), "predicate": predicate})
    else:
        rows = stream(store, "property-column", {"predicate": predicate})
    for row in rows:
        value = row["value"]
        if not iri_values or isinstance(value, ox.NamedNode):
            yield row["node"].value, value.value


def _iri(curie: str) -> str:
    iri = expand_curie(curie)
    if iri is None:
        raise QueryError(f"{curie!r} is not a CURIE of the project's prefixes")
    return iri


def first_values(pairs: Iterable[tuple[str, str]], keep: Container[str] | None = None) -> dict[str, str]:
    """``node -> value`` of one property's pairs; of several values the least, so the index is deterministic."""
    out: dict[str, str] = {}
    for s, o in pairs:
        if (keep is None or s in keep) and (s not in out or o < out[s]):
            out[s] = o
    return out
