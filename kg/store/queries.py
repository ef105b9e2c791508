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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.core import trial_status
from kg.core.errors import QueryError
from kg.core.ontology import QUERIES_DIR
from kg.core.vocab import XSD, expand_curie
from kg.store.graphstore import GraphStore, Term

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
    query = read_query(name)
    given = dict(values or {})
    declared = {p.name for p in query.params}
    if set(given) != declared:
        wrong = min(set(given) ^ declared)
        raise QueryError(f"query {name!r}: parameter {wrong!r} " + ("is not declared" if wrong in given else "is missing"))
    return store.select(query.text, given)
