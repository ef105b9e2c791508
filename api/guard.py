"""Query texts that would crash the engine's parser, refused in the HTTP process.

pyoxigraph parses and plans a query by recursion on the process's stack, without a depth bound
(0.5.13): 4,000 nested groups (``{{{{...``), 9,000 ``!`` in a row or 7,000 ``1+1+...`` end the
process with a segmentation fault. Measured with the 8 MB main-thread stack of a query worker;
no legitimate query comes near. :func:`shape_problem` bounds what makes the tree deep, counted by a
small lexer that skips string literals and comments (whose content is not syntax): the depth of
``{ ( [`` and the number of operators (``! && || = != < > <= >= + - * / | ^``).

An IRI ``<...>`` is skipped too, as its content is not syntax, but the lexical form of an IRI can
also be read as a comparison (``?a<1/1>?b``); so only IRI-shaped tokens up to :data:`IRI_CHARS`
characters are skipped, and what longer ones hold is counted as operators and brackets. A short
one can hide at most that many levels, well within the margin.
"""

from __future__ import annotations

import re

#: deepest nesting of ``{``, ``(`` and ``[`` accepted (the parser crashed at about 4,000 groups)
MAX_DEPTH = 256
#: most operators accepted in one query (crashes began at about 7,000 in one chain)
MAX_OPERATORS = 2000
#: an IRI-shaped token longer than this is counted as if it were syntax
IRI_CHARS = 512

_TOKEN = re.compile(r'''
    (?P<comment>\#[^\n\r]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<op>&&|\|\||!=|<=|>=|[!=<>+\-*/|^])
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>[^\#"'<>&|!=+\-*/^{}()\[\]]+|.)
''', re.VERBOSE | re.DOTALL)
_OP_CHARS = "!=<>+-*/|^&"
_OPS = re.compile(r"&&|\|\||!=|<=|>=|[!=<>+\-*/|^]")


def shape_problem(text: str) -> str | None:
    """Why ``text`` is refused (too deep, too many operators), or None.

    >>> shape_problem("SELECT * { ?s ?p ?o FILTER(?o > 1) }") is None
    True
    >>> shape_problem("SELECT * " + "{" * 5000) is not None
    True
    """
    if sum(text.count(c) for c in "{([") <= MAX_DEPTH and sum(text.count(c) for c in _OP_CHARS) <= MAX_OPERATORS:
        return None  # cannot be too deep whatever the strings and IRIs hold (most queries stop here)
    depth = deepest = operators = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "iri":
            token = m.group()
            if len(token) <= IRI_CHARS:
                continue
            operators += len(_OPS.findall(token[1:-1])) + 2
            nested = token.count("(") + token.count("[")
            deepest = max(deepest, depth + nested)
        elif kind == "op":
            operators += 1
        elif kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(0, depth - 1)
        if deepest > MAX_DEPTH:
            return f"the query nests groups, brackets or parentheses more than {MAX_DEPTH} deep"
        if operators > MAX_OPERATORS:
            return f"the query has more than {MAX_OPERATORS} operators"
    return None
