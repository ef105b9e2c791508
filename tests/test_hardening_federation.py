"""The checks the HTTP process makes on a query text before a worker sees it: remote calls
(api/federation.py) and shapes that would crash the engine's parser (api/guard.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.federation import RemoteCall, RemoteCallRefused, check, remote_calls
from api.guard import MAX_DEPTH, MAX_OPERATORS, shape_problem
from kg.store import queries

INTERNAL = "http://127.0.0.1:9/sparql"


@pytest.mark.parametrize("text,calls", [
    (f"SELECT * {{ SERVICE <{INTERNAL}> {{ ?s ?p ?o }} }}", [RemoteCall("SERVICE", INTERNAL)]),
    (f"select * {{ service silent <{INTERNAL}> {{ ?s ?p ?o }} }}", [RemoteCall("SERVICE", INTERNAL)]),
    ("PREFIX in: <http://127.0.0.1:9/> SELECT * { SERVICE in:sparql { ?s ?p ?o } }", [RemoteCall("SERVICE", INTERNAL)]),
    ("BASE <http://127.0.0.1:9/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }", [RemoteCall("SERVICE", INTERNAL)]),
    (f"SELECT * {{ \\u0053ERVICE <{INTERNAL}> {{ ?s ?p ?o }} }}", [RemoteCall("SERVICE", INTERNAL)]),
    ("SELECT * { SERVICE ?x { ?s ?p ?o } }", [RemoteCall("SERVICE", None)]),
    ('SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }', []),
    ("SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }", []),
    ("SELECT * { ?s <http://example.org/SERVICE> ?o }", []),
    ("PREFIX ex: <http://example.org/> SELECT ?service { ?service ex:SERVICE ?o }", []),
])
def test_remote_calls_are_found_by_parsing(text: str, calls: list[RemoteCall]) -> None:
    assert remote_calls(text) == calls


def test_updates_load_and_service() -> None:
    update = (f"LOAD <{INTERNAL}> INTO GRAPH <http://g>; "
              f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{INTERNAL}> {{ ?s ?p ?o }} }}")
    assert remote_calls(update, update=True) == [RemoteCall("LOAD", INTERNAL), RemoteCall("SERVICE", INTERNAL)]
    assert remote_calls('INSERT DATA { <http://a> <http://b> "LOAD <http://127.0.0.1:9/>" }', update=True) == []


def test_allowed_prefixes() -> None:
    query = f"SELECT * {{ SERVICE <{INTERNAL}> {{ ?s ?p ?o }} }}"
    with pytest.raises(RemoteCallRefused, match="RAREKG_SERVICE_ALLOWED_PREFIXES"):
        check(query, ())
    with pytest.raises(RemoteCallRefused, match="not under a prefix"):
        check(query, ("https://query.wikidata.org/",))
    assert check(query, ("http://127.0.0.1:9/",)) is True
    with pytest.raises(RemoteCallRefused, match="variable"):
        check("SELECT * { SERVICE ?x { ?s ?p ?o } }", ("http://127.0.0.1:9/",))
    with pytest.raises(RemoteCallRefused, match="RAREKG_LOAD_ALLOWED_PREFIXES"):
        check(f"LOAD <{INTERNAL}>", ("http://127.0.0.1:9/",), (), update=True)
    assert check("SELECT * { ?s ?p ?o }", ()) is False


def test_unparseable_text_with_the_word_is_refused() -> None:
    with pytest.raises(RemoteCallRefused, match="could not be checked"):
        remote_calls("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ")


def test_library_queries_pass_both_checks() -> None:
    library = queries.library()
    assert len(library) >= 10
    for name, query in library.items():
        assert shape_problem(query.text) is None, name
        assert check(query.text, ()) is False, name


_SAFE_TEXT = st.text(st.characters(blacklist_characters='"\\\n\r', blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=60, deadline=None)
@given(before=_SAFE_TEXT, after=_SAFE_TEXT)
def test_service_inside_a_string_or_comment_is_no_call(before: str, after: str) -> None:
    inner = f"{before} SERVICE <{INTERNAL}> {{ ?s ?p ?o }} {after}"
    assert remote_calls(f'SELECT * {{ ?s ?p "{inner}" }}') == []
    assert remote_calls(f"SELECT * {{ ?s ?p ?o }} # {inner}\n") == []


@settings(max_examples=40, deadline=None)
@given(keyword=st.sampled_from(["SERVICE", "service", "Service", "\\u0053ERVICE", "SERV\\u0049CE"]),
       silent=st.booleans(), space=st.sampled_from([" ", "\n", "\t", "  "]))
def test_every_spelling_of_the_keyword_is_found(keyword: str, silent: bool, space: str) -> None:
    text = f"SELECT * {{{space}{keyword}{space}{'SILENT' + space if silent else ''}<{INTERNAL}>{space}{{ ?s ?p ?o }} }}"
    assert remote_calls(text) == [RemoteCall("SERVICE", INTERNAL)]


@pytest.mark.parametrize("text", [
    "SELECT * WHERE " + "{" * (MAX_DEPTH + 1) + "?s ?p ?o" + "}" * (MAX_DEPTH + 1),
    "SELECT * WHERE { FILTER(" + "!" * (MAX_OPERATORS + 1) + "true) }",
    "SELECT * WHERE { FILTER(" + "1+" * (MAX_OPERATORS + 1) + "1) }",
    "SELECT * WHERE { ?s " + "/".join(["<http://p>"] * (MAX_OPERATORS + 2)) + " ?o }",
    "SELECT * WHERE { FILTER(?a<" + "1/" * 2000 + "1>?b) }",   # reads as an IRI, parses as a division chain
])
def test_shapes_that_crash_the_parser_are_refused(text: str) -> None:
    assert shape_problem(text) is not None


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    text = 'SELECT * WHERE { ?s ?p "' + "{(" * 3000 + '" } # ' + "!" * 5000 + "\n"
    assert shape_problem(text) is None
