"""The ``rarekg`` command. Subcommands only parse arguments and call library functions.

Exit codes: 0 success, 1 a command failed (bad data, failed build, validation failed),
2 usage error (unknown option, unknown query, bad parameter).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kg import __version__
from kg.errors import NotFoundError, QueryError, RarekgError
from kg.ontology import DATA_DIR
from kg.store import default_store_path


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, default=None, metavar="PATH",
                   help=f"on-disk store folder (default: $RAREKG_STORE or {default_store_path()})")


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kg.store import open_store
    return open_store(args.store or default_store_path())


def cmd_build(args: argparse.Namespace) -> int:
    from kg.build import DEFAULT_SOURCES, build
    sources = DEFAULT_SOURCES
    if args.source:
        unknown = [s for s in args.source if not any(d.endswith("." + s) for d in DEFAULT_SOURCES)]
        if unknown:
            raise QueryError(f"unknown source {unknown[0]!r}; sources: "
                             + ", ".join(d.rsplit('.', 1)[1] for d in DEFAULT_SOURCES))
        sources = tuple(d for d in DEFAULT_SOURCES if d.rsplit(".", 1)[1] in args.source)
    store = _open(args)
    report = build(store, args.data, sources=sources, strict=args.strict, reason=not args.no_reason,
                   progress=_progress)
    print(report.table())
    problems = report.problems
    if problems:
        print(f"\n{len(problems)} load problems (first 20):", file=sys.stderr)
        for p in problems[:20]:
            print("  " + p, file=sys.stderr)
    store.optimize()
    store.close()
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from kg import queries
    from kg.output import print_result
    params = dict(_split_param(p) for p in args.param)
    if args.name:
        lib = queries.get(args.name)
        text, bindings = lib.text, lib.bind(params)
    elif args.file:
        if not args.file.is_file():
            raise QueryError(f"query file not found: {args.file}")
        text, bindings = args.file.read_text(encoding="utf-8"), None
        if params:
            lib = queries.parse(args.file)
            bindings = lib.bind(params)
    else:
        text, bindings = args.execute, None
    store = _open(args)
    print_result(store.query(text, bindings=bindings), args.format, sys.stdout.buffer)
    return 0


def _split_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise QueryError(f"--param {text!r}: expected NAME=VALUE")
    return name, value


def cmd_stats(args: argparse.Namespace) -> int:
    from kg.stats import stats_table
    print(stats_table(_open(args)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kg.export import export
    for path in export(_open(args), args.out, args.format):
        print(path)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.checks import validate_store
    ok, text = validate_store(_open(args), shacl=not args.no_shacl, reasoner=not args.no_reasoner,
                              progress=_progress)
    print(text)
    return 0 if ok else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from api.server import serve
    serve(store_path=args.store or default_store_path(), host=args.host, port=args.port,
          build_if_empty=not args.no_build, progress=_progress)
    return 0


def cmd_data_compile(args: argparse.Namespace) -> int:
    from kg.compile import compile_all
    for line in compile_all(args.from_dir, args.to, progress=_progress):
        print(line)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rarekg", description="Knowledge graph of rare adult cancers: "
                                  "EURACAN centres, domains, entities, molecular subgroups, trials.")
    top.add_argument("--version", action="version", version=f"rarekg {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="load every source into the store (atomically)")
    _store_arg(p)
    p.add_argument("--data", type=Path, default=DATA_DIR, help=f"default dataset folder (default: {DATA_DIR})")
    p.add_argument("--source", action="append", metavar="NAME", help="load only this source (repeatable)")
    p.add_argument("--strict", action="store_true", help="fail the build on any row-level error")
    p.add_argument("--no-reason", action="store_true", help="skip the HermiT reasoning step")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="serve the store over HTTP (SPARQL endpoint and API)")
    _store_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-build", action="store_true", help="do not build the default graph when the store is empty")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("query", help="run a library query, a .rq file or an inline query")
    _store_arg(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--name", help="a query of the library (queries/NAME.rq)")
    g.add_argument("--file", type=Path, help="a .rq file")
    g.add_argument("-e", "--execute", metavar="SPARQL", help="an inline query")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter")
    p.add_argument("--format", default="table",
                   choices=["table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "rdfxml"])
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("validate", help="SHACL validation and reasoner consistency of the store")
    _store_arg(p)
    p.add_argument("--no-shacl", action="store_true")
    p.add_argument("--no-reasoner", action="store_true")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("stats", help="triples per named graph and entities per class")
    _store_arg(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("export", help="write dumps: N-Quads (gzip) of everything, or Turtle per graph")
    _store_arg(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--format", choices=["nquads", "trig", "turtle"], default="nquads")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("data", help="manage the repository's default dataset")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    c = dsub.add_parser("compile", help="compile data/ from the original source files")
    c.add_argument("--from", dest="from_dir", type=Path, required=True,
                   help="folder of original files (e.g. ../shared/data)")
    c.add_argument("--to", type=Path, default=DATA_DIR, help=f"output folder (default: {DATA_DIR})")
    c.set_defaults(func=cmd_data_compile)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (QueryError, NotFoundError) as exc:
        print(f"rarekg: error: {exc}", file=sys.stderr)
        return 2
    except RarekgError as exc:
        print(f"rarekg: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rarekg: interrupted; the store keeps its previous graphs", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
