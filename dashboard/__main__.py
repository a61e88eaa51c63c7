"""Command line: ``python -m dashboard [serve|generate|validate|load|build|metrics|spc|pack|hash-password]``.

With no sub-command it serves the app (generating data first when the data
folder is empty), which is the README's one start command.

Every command of the project is a sub-command here, and nowhere else parses
arguments: each sub-parser names the function that runs it (``set_defaults(run=...)``),
and the commands import their work lazily, so ``--help`` and a quick command never
load Dash or DuckDB.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn

from dashboard.settings import AGE_BANDS, DEFAULT_AGE_BAND, SettingError, get_settings


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2 (the contract)."""

    def error(self, message: str) -> NoReturn:
        """Print the error as one line and exit 2."""
        self.exit(2, f"error: {self.prog}: {message}\n")


def parser() -> argparse.ArgumentParser:
    """Return the command line's parser: one sub-command per command, each naming its function."""
    settings = get_settings()
    root = _OneLineParser(prog="python -m dashboard", description=__doc__.splitlines()[0])
    sub = root.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="serve the dashboard (the default)")
    serve.add_argument("--data", type=Path, default=settings.data_dir, help="served data folder")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--debug", action="store_true", help="Dash debug mode (never in production)")
    serve.add_argument("--population", type=int, default=1_000_000,
                       help="people to generate for when the data folder is empty")
    serve.set_defaults(run=cmd_serve)

    gen = sub.add_parser("generate", help="write realistic synthetic extracts")
    gen.add_argument("--out", type=Path, default=settings.data_dir, help="folder to write (default: the data folder)")
    gen.add_argument("--population", type=int, default=1_000_000, help="people in the system (default 1,000,000)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--years", type=int, default=5)
    gen.add_argument("--end-month", default=None, help="last complete month YYYY-MM (default: last month)")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(run=cmd_generate)

    val = sub.add_parser("validate", help="check a folder of extracts against the data contract")
    val.add_argument("dir", type=Path)
    val.set_defaults(run=cmd_validate)

    load = sub.add_parser("load", help="validate, then atomically replace the served data")
    load.add_argument("dir", type=Path)
    load.add_argument("--data", type=Path, default=settings.data_dir, help="served data folder")
    load.set_defaults(run=cmd_load)

    build = sub.add_parser("build", help="build the catalog's derived tables (on Spark or DuckDB) into a folder to load")
    build.add_argument("--engine", choices=("spark", "duckdb"), default="spark",
                       help="where the tables are computed (default spark)")
    build.add_argument("--source", type=Path, required=True, help="folder of the extracts as parquet, one folder each")
    build.add_argument("--out", type=Path, required=True, help="new folder to write: then `load` it")
    build.add_argument("--master", default="local[*]", help="Spark master (default local[*]; ignored for duckdb)")
    build.set_defaults(run=cmd_build)

    met = sub.add_parser("metrics", help="print every contract metric as JSON (unsuppressed)")
    met.add_argument("--data", type=Path, default=settings.data_dir)
    met.add_argument("--start", help="first month YYYY-MM (default: 12 months before --end)")
    met.add_argument("--end", help="last month YYYY-MM (default: the last month in the data)")
    met.add_argument("--age-band", default=DEFAULT_AGE_BAND, help=f"one of {', '.join(AGE_BANDS)}")
    met.set_defaults(run=cmd_metrics)

    pack = sub.add_parser("pack", help="write a meeting pack (PDF) of chosen pages for one view")
    pack.add_argument("--data", type=Path, default=settings.data_dir)
    pack.add_argument("--pages", nargs="+", default=None, metavar="PAGE",
                      help="page ids, space- or comma-separated (default: every dashboard page)")
    pack.add_argument("--start", help="first month YYYY-MM (default: 12 months before --end)")
    pack.add_argument("--end", help="last month YYYY-MM (default: the last month in the data)")
    pack.add_argument("--age-band", default=DEFAULT_AGE_BAND, help=f"one of {', '.join(AGE_BANDS)}")
    pack.add_argument("--grain", default="month", help="trend grain: month, quarter or fy")
    pack.add_argument("--out", type=Path, default=Path("pack.pdf"), help="the PDF to write (default pack.pdf)")
    pack.add_argument("--detailed", action="store_true",
                      help="exact figures, marked 'not for onward sharing' (default: the protected view)")
    pack.set_defaults(run=cmd_pack)

    spc = sub.add_parser("spc", help="read CSV 'period,value' on stdin, print its SPC reading as JSON")
    spc.add_argument("--better", choices=("higher", "lower", "neither"), default="neither",
                     help="the direction of improvement (default: neither)")
    spc.add_argument("--target", type=float, help="target for the assurance icon")
    spc.add_argument("--recalc-at", action="append", default=[], metavar="YYYY-MM",
                     help="recalculate the limits from this month (repeatable)")
    spc.add_argument("--baseline", type=int, help="fix the limits from the first N points")
    spc.add_argument("--shift-run", type=int, default=settings.spc_shift_run,
                     help=f"points in a shift (default {settings.spc_shift_run})")
    spc.add_argument("--trend-run", type=int, default=settings.spc_trend_run,
                     help=f"points in a trend (default {settings.spc_trend_run})")
    spc.set_defaults(run=cmd_spc)

    pw = sub.add_parser("hash-password",
                        help="print a password hash for MHFLOW_AUTH_USERS (password on stdin, never an argument)")
    pw.add_argument("--user", help="print user:hash, ready to paste into MHFLOW_AUTH_USERS")
    pw.set_defaults(run=cmd_hash_password)
    return root


def _fail(message: str, status: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the app, generating data first when the data folder is empty."""
    from dashboard.store.loading import ensure_data
    from dashboard.web.app import run
    from dashboard.web.security import check_configuration

    check_configuration()  # before minutes of generating data, not after
    ensure_data(args.data, population=args.population)
    run(data_dir=args.data, host=args.host, port=args.port, debug=args.debug)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Generate synthetic extracts; return the exit status."""
    from dashboard.extracts.generate import generate

    counts = generate(args.out, population=args.population, seed=args.seed, years=args.years,
                      end_month=args.end_month, progress=not args.quiet)
    for name, rows in counts.items():
        print(f"{name}: {rows:,} rows")
    from dashboard.store.db import ensure_catalog

    ensure_catalog(args.out)  # build the query catalog now, so the app starts fast
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Report every broken rule of the contract in a folder of extracts; exit 0 only if there is none."""
    from dashboard.store.loading import cli_validate

    return cli_validate(args.dir)


def cmd_load(args: argparse.Namespace) -> int:
    """Validate a folder of extracts, then swap it in as the served data; return the exit status."""
    from dashboard.store.loading import cli_load

    return cli_load(args.dir, args.data)


def cmd_build(args: argparse.Namespace) -> int:
    """Build the derived tables where the data are; write a folder that `load` serves. Return the exit status."""
    from dashboard.store.prebuilt import build

    if not args.source.is_dir():
        return _fail(f"not a folder: {args.source}")
    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        return _fail(f"--out must be a new or empty folder: {args.out}")
    config = {"master": args.master} if args.engine == "spark" else {}
    rows = build(args.engine, args.source, args.out, **config)
    for name, n in rows.items():
        print(f"{name}: {n:,} rows")
    print(f"built on {args.engine} into {args.out}; serve it with: python -m dashboard load {args.out}")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    """Print the metrics JSON; return the exit status."""
    from dashboard.store.cli_metrics import metrics_json

    try:
        print(json.dumps(metrics_json(args.data, args.start, args.end, args.age_band), indent=2))
    except (ValueError, FileNotFoundError) as exc:
        return _fail(str(exc).splitlines()[0])
    return 0


def cmd_spc(args: argparse.Namespace) -> int:
    """Print the SPC reading of the series on stdin as JSON; return the exit status."""
    from dashboard.core.spc import SpcOptions
    from dashboard.core.spc_report import spc_report

    settings = get_settings()
    try:
        options = SpcOptions(args.shift_run, args.trend_run, settings.spc_min_points, settings.spc_conflict)
        report = spc_report(sys.stdin.read(), better=args.better, target=args.target, recalc_at=args.recalc_at,
                            baseline=args.baseline, options=options)
    except ValueError as exc:
        return _fail(str(exc).replace("shift_run", "--shift-run").replace("trend_run", "--trend-run")
                     .replace("baseline must", "--baseline must").splitlines()[0])
    print(json.dumps(report, indent=2))
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    """Write the meeting pack PDF of the chosen pages and view; return the exit status."""
    import dash

    from dashboard.core.disclosure import Policy
    from dashboard.store import runtime
    from dashboard.store.data import data_bounds
    from dashboard.web.api import BadView, parse_view
    from dashboard.web.app import import_pages
    from dashboard.web.pack import PACK_PAGES, PackError, pack_pdf

    runtime.use_app_pandas_options()
    db = runtime.configure(args.data)
    dash.Dash(__name__, use_pages=True, pages_folder="")  # pages register with an app that uses them
    import_pages()
    pages = [p for item in (args.pages or PACK_PAGES) for p in item.split(",") if p]
    view = {"age_band": [args.age_band], "grain": [args.grain]}
    view.update({name: [value] for name, value in (("start", args.start), ("end", args.end)) if value})
    try:
        filters, _ = parse_view(view, data_bounds(db))
    except BadView as exc:
        return _fail(" ".join(exc.problems))
    policy = Policy.detailed_view() if args.detailed else Policy.from_settings()
    try:
        pdf = pack_pdf(pages, filters, policy, db)
    except PackError as exc:
        return _fail(str(exc), 2 if str(exc).startswith("no page") else 1)
    args.out.write_bytes(pdf)
    print(f"wrote {args.out} ({len(pdf):,} bytes; {'detailed' if args.detailed else 'protected'} view, "
          f"{filters.period.label()}, {args.age_band})")
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    """Print a werkzeug hash of a password read from stdin (or the terminal, unechoed); return the exit status."""
    from werkzeug.security import generate_password_hash

    # The line must read back as one entry of MHFLOW_AUTH_USERS ('alice:<hash>,bob:<hash>'),
    # and basic auth cannot send a user name holding ':'.
    if args.user is not None and (not args.user or args.user != args.user.strip() or set(args.user) & {":", ","}):
        return _fail(f"--user {args.user!r} is not allowed: a user name has no ':', ',' or surrounding spaces")
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
    else:  # never an argument: it would sit in the shell history and the process list
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        return _fail("empty password")
    hashed = generate_password_hash(password)
    print(f"{args.user}:{hashed}" if args.user else hashed)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (2, with one line on stderr, for a setting not allowed)."""
    try:
        return _run(argv)
    except SettingError as exc:  # an operator setting outside its allowed values: one line, no traceback
        return _fail(str(exc).splitlines()[0])


def _run(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["serve", *argv]
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
