"""The ``rarekg`` command. Subcommands only parse arguments and call library functions.

Exit codes: 0 success, 1 a command failed (bad data, failed build, validation failed),
2 usage error (unknown option, unknown query, bad parameter).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kg import __version__
from kg.core.errors import DataError, NotFoundError, QueryError, RarekgError
from kg.core.ontology import DATA_DIR
from kg.store.graphstore import default_store_path


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, default=None, metavar="PATH",
                   help=f"on-disk store folder (default: $RAREKG_STORE or {default_store_path()})")
    p.add_argument("--backend", default=None, metavar="URL",
                   help="a SPARQL 1.1 server instead of the embedded store, e.g. http://127.0.0.1:7878/ "
                        "(default: $RAREKG_BACKEND; see kg/store/remote.py for the other settings)")


def _open(args: argparse.Namespace, *, write: bool = False):  # type: ignore[no-untyped-def]
    """The store the command names. Only ``build`` writes (``write``): every other command opens
    an existing store read-only, without its write lock, and fails naming the path (StoreError,
    exit 1) when there is none, so a mistyped ``--store`` creates nothing."""
    from kg.store.embedded import open_store
    backend = getattr(args, "backend", None) or (None if args.store else os.environ.get("RAREKG_BACKEND"))
    if backend:
        from kg.store.remote import open_backend
        return open_backend(backend)
    return open_store(args.store or default_store_path(), read_only=not write)


def cmd_build(args: argparse.Namespace) -> int:
    from rarekg.build import DEFAULT_SOURCES, build
    sources = DEFAULT_SOURCES
    if args.source:
        unknown = [s for s in args.source if not any(d.endswith("." + s) for d in DEFAULT_SOURCES)]
        if unknown:
            raise QueryError(f"unknown source {unknown[0]!r}; sources: "
                             + ", ".join(d.rsplit('.', 1)[1] for d in DEFAULT_SOURCES))
        sources = tuple(d for d in DEFAULT_SOURCES if d.rsplit(".", 1)[1] in args.source)
    if args.members:
        from loaders.euracan import MEMBERS_SETTING
        if not args.members.is_file():
            raise DataError("official member list not found", path=args.members)
        os.environ[MEMBERS_SETTING] = str(args.members.resolve())
    store = _open(args, write=True)
    report = build(store, args.dataset, sources=sources, strict=args.strict, reason=not args.no_reason,
                   extra_dirs=args.data, progress=_progress)
    print(report.table())
    problems = sorted(report.problems, key=lambda p: not p.startswith("error"))  # errors first, order kept
    if problems:
        print(f"\n{len(problems)} load problems (first 20, errors first):", file=sys.stderr)
        for p in problems[:20]:
            print("  " + p, file=sys.stderr)
    store.optimize()
    store.close()
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from kg.store import queries
    from kg.store.output import print_result
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
    from kg.checks.stats import stats_table
    print(stats_table(_open(args)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kg.store.export import export
    for path in export(_open(args), args.out, args.format):
        print(path)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.checks.validate import validate_store
    ok, text = validate_store(_open(args), shacl=not args.no_shacl, reasoner=not args.no_reasoner,
                              progress=_progress)
    print(text)
    return 0 if ok else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from rarekg.serve import serve
    serve(store_path=args.store or default_store_path(), host=args.host, port=args.port,
          build_if_empty=not args.no_build, progress=_progress,
          backend=args.backend or (None if args.store else os.environ.get("RAREKG_BACKEND")))
    return 0


def cmd_institutions(args: argparse.Namespace) -> int:
    from loaders.institutions_review import review_table
    if not args.unresolved:
        raise QueryError("rarekg institutions: say what to list (--unresolved)")
    print(review_table(args.data, _open(args) if args.store or args.backend else None, args.raw))
    return 0



def cmd_refer(args: argparse.Namespace) -> int:
    import json

    from kg.expertise.referral import ReferralOptions, format_referral, refer
    opts = ReferralOptions(country=args.country, prefer_country=args.prefer_country, lat=args.lat, lon=args.lon,
                           max_km=args.max_km, members_only=args.members_only, limit=args.limit,
                           outside_network=args.outside_network)
    ref = refer(_open(args), args.entity, opts)
    print(json.dumps(ref.to_dict(), indent=1) if args.json else format_referral(ref))
    return 0


def cmd_network(args: argparse.Namespace) -> int:
    from kg.expertise import network
    g = network.load_collaboration(_open(args))
    summary = network.analyse(g)
    print(network.summary_text(g, summary))
    if args.graphml:
        network.export_graphml(g, args.graphml)
        print(f"wrote {args.graphml}")
    if args.json:
        network.export_json(g, summary, args.json)
        print(f"wrote {args.json}")
    return 0


def _default_conditions() -> list[str]:
    """Search terms from the labels of the default dataset's Orphanet and OncoTree entities."""
    from loaders import fetch, oncotree, orphanet
    return fetch.conditions_from_labels(e.label for e in (*orphanet.mappable(DATA_DIR), *oncotree.mappable(DATA_DIR)))


def cmd_fetch(args: argparse.Namespace) -> int:
    """Download original-format files into --out (resumable); FetchError (exit 1) names the URL."""
    from contextlib import ExitStack

    from loaders import fetch
    from loaders.httpclient import PoliteClient
    with ExitStack() as stack:
        if args.what == "trials":
            client = stack.enter_context(PoliteClient(rate=fetch.CTGOV_RATE, cache_dir=args.cache)) if args.cache else None
            files = fetch.fetch_trials(args.condition or _default_conditions(), args.out,
                                       base_url=args.base_url or fetch.CTGOV_BASE, page_size=args.page_size,
                                       max_pages=args.max_pages, client=client, progress=_progress)
        elif args.what == "pubmed":
            client = stack.enter_context(fetch.ncbi_client(args.cache)[0]) if args.cache else None
            files = []
            for term in args.query or args.condition or _default_conditions():
                files += fetch.fetch_pubmed(term, args.out, base_url=args.base_url or fetch.EUTILS_BASE,
                                            batch_size=args.batch_size, client=client, progress=_progress)
        elif args.what == "ror":
            files = [fetch.fetch_ror(args.out, base_url=args.base_url or fetch.ZENODO_API, record=args.record,
                                     progress=_progress)]
        else:
            client = stack.enter_context(PoliteClient(rate=1.0, cache_dir=args.cache)) if args.cache else None
            files = fetch.fetch_orphadata(args.file or fetch.ORPHADATA_FILES, args.out,
                                          base_url=args.base_url or fetch.ORPHADATA_BASE, client=client,
                                          progress=_progress)
    print(f"{len(files)} files in {args.out}" + ("" if args.what == "orphadata" else
                                                 f"; load them with: rarekg build --data {args.out}"))
    return 0


def _fetch_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("fetch", help="download trials, publications, Orphadata files or the ROR dump (resumable, cached)")
    fsub = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the downloaded files")
    common.add_argument("--base-url", metavar="URL", help="API base URL (default: the public service)")
    common.add_argument("--cache", type=Path, metavar="DIR", help="on-disk response cache (default: DIR/.cache)")
    cond = argparse.ArgumentParser(add_help=False)
    cond.add_argument("--condition", action="append", metavar="TERM",
                      help="condition search term (repeatable; default: the default dataset's entity labels)")
    c = fsub.add_parser("trials", parents=[common, cond], help="ClinicalTrials.gov API v2 studies by condition")
    c.add_argument("--page-size", type=int, default=100)
    c.add_argument("--max-pages", type=int, metavar="N", help="at most N new pages per condition in this run")
    c = fsub.add_parser("pubmed", parents=[common, cond], help="PubMed records (E-utilities esearch + efetch)")
    c.add_argument("--query", action="append", metavar="TERM", help="PubMed query (repeatable; default: the conditions)")
    c.add_argument("--batch-size", type=int, default=200)
    c = fsub.add_parser("orphadata", parents=[common], help="Orphadata product files and ORPHApackets")
    c.add_argument("--file", action="append", metavar="NAME|URL",
                   help="product file name or full URL (repeatable; default: the files the loaders read)")
    c = fsub.add_parser("ror", parents=[common], help="the Research Organization Registry's data dump (Zenodo)")
    c.add_argument("--record", default="6347574", metavar="ID",
                   help="Zenodo record (default: ROR's concept record, i.e. the latest release)")
    p.set_defaults(func=cmd_fetch)


def cmd_data_compile(args: argparse.Namespace) -> int:
    from rarekg.compile import compile_all
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
    p.add_argument("--dataset", type=Path, default=DATA_DIR, metavar="DIR",
                   help=f"the compiled dataset folder (default: {DATA_DIR})")
    p.add_argument("--data", type=Path, action="append", default=[], metavar="DIR",
                   help="also load every original-format trial/publication file under DIR (ClinicalTrials.gov "
                        "v2 JSON or legacy XML, CTIS JSON, PubMed XML, MEDLINE), recognised by content; "
                        "other files are skipped (repeatable)")
    p.add_argument("--source", action="append", metavar="NAME", help="load only this source (repeatable)")
    p.add_argument("--strict", action="store_true", help="fail the build on any row-level error")
    p.add_argument("--members", type=Path, metavar="FILE",
                   help="a network office's official member list (CSV, data/euracan/README.md); it takes "
                        "precedence over the collected membership claims (setting: RAREKG_MEMBERS_FILE)")
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

    p = sub.add_parser("institutions", help="review queue of site and affiliation strings that did not resolve")
    p.add_argument("--store", type=Path, default=None, metavar="PATH",
                   help="list the unresolved sites of this store (default: resolve the default dataset)")
    p.add_argument("--backend", default=None, metavar="URL",
                   help="list the unresolved sites of the graph on this SPARQL 1.1 server")
    p.add_argument("--data", type=Path, default=DATA_DIR, help=f"default dataset folder (default: {DATA_DIR})")
    p.add_argument("--unresolved", action="store_true", help="list unresolved strings, most frequent first")
    p.add_argument("--from", dest="raw", type=Path, action="append", default=[], metavar="DIR",
                   help="a folder the store was built from (rarekg build --data DIR): the registry candidates "
                        "come from the same registry dump")
    p.set_defaults(func=cmd_institutions)

    p = sub.add_parser("refer", help="rank the centres for a cancer entity, with score components and evidence")
    _store_arg(p)
    p.add_argument("entity", help="ORPHA:44890, 44890, GIST, NCIT:C3868, a subgroup slug, a label or a synonym")
    p.add_argument("--country", help="only centres in this country (ISO 3166-1 alpha-2)")
    p.add_argument("--prefer-country", action="store_true", help="with --country: list that country first, keep others")
    p.add_argument("--lat", type=float, help="patient latitude (with --lon)")
    p.add_argument("--lon", type=float, help="patient longitude (with --lat)")
    p.add_argument("--max-km", type=float, help="only centres within this great-circle distance (needs --lat/--lon)")
    p.add_argument("--members-only", action="store_true", help="only centres with a network membership on record")
    p.add_argument("--outside-network", action="store_true",
                   help="also centres outside the network's countries (EU/EEA): Switzerland, the UK, North America ...")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.set_defaults(func=cmd_refer)

    p = sub.add_parser("network", help="collaboration network analytics (centrality, communities); exports")
    _store_arg(p)
    p.add_argument("--graphml", type=Path, help="write the network as GraphML")
    p.add_argument("--json", type=Path, help="write the network as node-link JSON")
    p.set_defaults(func=cmd_network)

    p = sub.add_parser("data", help="manage the repository's default dataset")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    c = dsub.add_parser("compile", help="compile data/ from the original source files")
    c.add_argument("--from", dest="from_dir", type=Path, required=True,
                   help="folder of original files (e.g. ../shared/data)")
    c.add_argument("--to", type=Path, default=DATA_DIR, help=f"output folder (default: {DATA_DIR})")
    c.set_defaults(func=cmd_data_compile)
    _fetch_parsers(sub)
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
