"""Spark SQL from the project's one copy of its SQL, and the catalog's derived tables built on Spark.

What it owns:
- ``to_spark(sql)``: the Spark SQL of a DuckDB statement of ``queries/`` (a page query, or the
  SELECT of a catalog table), made by sqlglot (pinned in requirements.txt) plus the few fix-ups
  below, each saying why. There is no second hand-written copy of any SQL: the ``.sql`` files are
  DuckDB's, and Spark's text is derived from them every time.
- ``session()``: a local Spark session set up as the translation assumes (UTC; see there).
- ``query(spark, name, params)``: a page query on Spark, user choices as Spark named parameters
  (``:name`` markers bound by ``spark.sql(..., args=...)``), never formatted into the text.
- ``build(spark, source, out)``: the derived tables of ``queries/catalog/`` computed on Spark from
  a folder of extracts and written as parquet in the layout ``dashboard.store.prebuilt`` serves.

Spark has no macros, so the macros of ``_macros.sql`` and of the catalog (``CREATE MACRO``) are
inlined: a call is replaced by the macro's body with its arguments in place of its parameters (a
table macro becomes a subquery). pyspark is imported only here, and only when a session is made.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from dashboard.store.db import bind, catalog_sql, load_sql

READ = "duckdb"
WRITE = "spark"


@dataclass(frozen=True)
class Macro:
    """A DuckDB macro: its parameters and body (an expression, or a query for a table macro)."""

    name: str
    params: tuple[str, ...]
    body: exp.Expression
    table: bool


@dataclass(frozen=True)
class Table:
    """A derived table of the catalog: its name and the SELECT that makes it (DuckDB's AST)."""

    name: str
    select: exp.Expression


def _parse(sql: str) -> list[exp.Expression]:
    return [statement for statement in sqlglot.parse(sql, read=READ) if statement is not None]


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, Macro], tuple[Table, ...]]:
    """Return the macros (of _macros.sql and the catalog) and the catalog's tables, in build order."""
    macros: dict[str, Macro] = {}
    tables: list[Table] = []
    for sql in (load_sql("_macros"), *catalog_sql()):
        for statement in _parse(sql.sql):
            if not isinstance(statement, exp.Create):
                raise ValueError(f"{sql.name}: not a CREATE statement")
            kind = statement.args.get("kind")
            if kind == "MACRO":
                signature = statement.this
                name = signature.this.name
                params = tuple(p.name for p in signature.expressions)
                body = statement.expression
                macros[name] = Macro(name, params, body, isinstance(body, exp.Query))
            elif kind == "TABLE":
                tables.append(Table(statement.this.name, statement.expression))
            else:
                raise ValueError(f"{sql.name}: CREATE {kind} is neither a table nor a macro")
    return macros, tuple(tables)


def tables() -> tuple[Table, ...]:
    """Return the catalog's derived tables in build order (a table may read those before it)."""
    return _catalog()[1]


# -- macros: inlined (Spark SQL has no macros) ---------------------------------------------------


def _substitute(macro: Macro, args: list[exp.Expression]) -> exp.Expression:
    if len(args) != len(macro.params):
        raise ValueError(f"macro {macro.name} takes {len(macro.params)} arguments, not {len(args)}")
    bound = dict(zip(macro.params, args))

    def replace(node: exp.Expression) -> exp.Expression:
        # A parameter is an unqualified column of the parameter's name (no table of the macro's
        # body has a column named like a parameter: the macros were written so in DuckDB too).
        if isinstance(node, exp.Column) and not node.table and node.name in bound:
            return exp.Paren(this=bound[node.name].copy())
        return node

    return macro.body.copy().transform(replace)


def _inline_macros(tree: exp.Expression) -> exp.Expression:
    macros = _catalog()[0]

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and node.this.name in macros:
            macro = macros[node.this.name]
            alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(macro.name))
            return exp.Subquery(this=_substitute(macro, list(node.this.expressions)), alias=alias.copy())
        if isinstance(node, exp.Anonymous) and node.name in macros:
            macro = macros[node.name]
            body = _substitute(macro, list(node.expressions))
            return exp.Subquery(this=body) if macro.table or isinstance(body, exp.Query) else exp.Paren(this=body)
        return node

    for _ in range(10):  # a macro may call another: inline until none is left
        before = tree.sql(READ)
        tree = tree.transform(replace)
        if tree.sql(READ) == before:
            return tree
    raise ValueError("macros nest more than 10 deep")


# -- per-engine fix-ups: where sqlglot's Spark SQL would differ from DuckDB's answer --------------


def _spark(sql: str, args: dict[str, Any] | None = None) -> exp.Expression:
    return sqlglot.parse_one(sql, read=WRITE)


def _fix_epoch_us(node: exp.Expression) -> exp.Expression:
    # sqlglot passes DuckDB's epoch_us() through unchanged, and Spark has none: unix_micros is the
    # same microseconds since 1970 (of a TIMESTAMP_NTZ read in the session's zone, pinned to UTC).
    if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
        return exp.Anonymous(this="unix_micros", expressions=node.expressions)
    return node


def _fix_isodow(node: exp.Expression) -> exp.Expression:
    # sqlglot maps isodow to (dayofweek(x) % 7) + 1, which makes Sunday 2; ISO's Monday 1 to
    # Sunday 7 is Spark's weekday() (Monday 0) plus one.
    if isinstance(node, exp.DayOfWeekIso):
        return exp.Paren(this=exp.Add(this=exp.Anonymous(this="weekday", expressions=[node.this]),
                                      expression=exp.Literal.number(1)))
    return node


def _fix_generate_series_table(node: exp.Expression) -> exp.Expression:
    # `FROM generate_series(a, b, step) AS t(m)`: sqlglot's Spark form loses the column alias m.
    # A subquery exploding Spark's sequence (inclusive of b, as generate_series is) keeps it.
    if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
        series, alias = node.this, node.args.get("alias")
        columns = alias.columns if alias is not None else []
        column = columns[0].name if columns else "generate_series"
        sequence = exp.Anonymous(this="sequence", expressions=[
            series.args["start"], series.args["end"], *([series.args["step"]] if series.args.get("step") else [])])
        select = exp.select(exp.alias_(exp.Explode(this=sequence), column))
        return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(
            alias.name if alias is not None and alias.name else "t")))
    return node


def _fix_cast_of_unnest(node: exp.Expression) -> exp.Expression:
    # `unnest(list)::DATE`: Spark refuses a generator nested in an expression, so the cast goes
    # onto each element (transform) and the explode stays outermost.
    if isinstance(node, exp.Cast) and isinstance(node.this, (exp.Unnest, exp.Explode)):
        inner = node.this
        values = inner.expressions[0] if isinstance(inner, exp.Unnest) else inner.this
        lam = exp.Lambda(this=exp.Cast(this=exp.column("_v"), to=node.args["to"].copy()),
                         expressions=[exp.to_identifier("_v")])
        return exp.Explode(this=exp.Anonymous(this="transform", expressions=[values, lam]))
    return node


def _fix_window_filter(node: exp.Expression) -> exp.Expression:
    # `agg(x) FILTER (WHERE c) OVER w`: Spark refuses a filter on a window aggregate. The same
    # aggregate over CASE WHEN c THEN x END ignores the rows that fail c, as FILTER does.
    if isinstance(node, exp.Window) and isinstance(node.this, exp.Filter):
        agg, condition = node.this.this, node.this.expression.this
        agg = agg.copy()
        if isinstance(agg, exp.Count) and isinstance(agg.this, exp.Star):
            agg.set("this", exp.Case(ifs=[exp.If(this=condition.copy(), true=exp.Literal.number(1))]))
        else:
            agg.set("this", exp.Case(ifs=[exp.If(this=condition.copy(), true=agg.this)]))
        node = node.copy()
        node.set("this", agg)
    return node


def _day_to_second(bound: Any) -> exp.Expression:
    """Return a frame bound (one microsecond, or N DAY) as a Spark INTERVAL DAY TO SECOND."""
    if bound is None:  # one microsecond
        text = "0 00:00:00.000001"
    elif isinstance(bound, exp.Interval) and bound.text("unit").upper() == "DAY" and bound.this.name.isdigit():
        text = f"{bound.this.name} 00:00:00"
    else:
        raise ValueError(f"no Spark form for the frame bound {bound!r}")
    return _spark(f"SELECT INTERVAL '{text}' DAY TO SECOND").expressions[0]


def _fix_exclude_group(node: exp.Expression) -> exp.Expression:
    # `RANGE ... EXCLUDE GROUP` (leave out the rows at this row's own time): Spark has no EXCLUDE,
    # and sqlglot drops it. Timestamps are whole microseconds in both engines, so the rows strictly
    # after (before) this one are those from one microsecond after (to one before) it. Spark wants
    # both bounds of one interval type, so an N DAY bound becomes DAY TO SECOND too.
    if isinstance(node, exp.WindowSpec) and node.args.get("exclude") is not None:
        exclude = node.args["exclude"].name.upper()
        if exclude != "GROUP" or (node.args.get("kind") or "").upper() != "RANGE":
            raise ValueError(f"no Spark form for EXCLUDE {exclude} in a {node.args.get('kind')} frame")
        node = node.copy()
        node.set("exclude", None)
        start, end = node.args.get("start"), node.args.get("end")
        if start == "CURRENT ROW":
            node.set("start", _day_to_second(None))
            node.set("start_side", "FOLLOWING")
            if end != "UNBOUNDED":
                node.set("end", _day_to_second(end))
        elif end == "CURRENT ROW":
            node.set("end", _day_to_second(None))
            node.set("end_side", "PRECEDING")
            if start != "UNBOUNDED":
                node.set("start", _day_to_second(start))
        else:
            raise ValueError("EXCLUDE GROUP in a frame that does not start or end at the current row")
    return node


def _fix_unordered_row_number(node: exp.Expression) -> exp.Expression:
    # `row_number() OVER ()`, a number for each row in no order: Spark requires an ordered window.
    # monotonically_increasing_id() is unique per row too, and (being non-deterministic) makes Spark
    # compute the CTE holding it once, so every reader of it sees the same numbers.
    if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) \
            and not node.args.get("partition_by") and not node.args.get("order"):
        return exp.Anonymous(this="monotonically_increasing_id", expressions=[])
    return node


def _fix_decimal_literal(node: exp.Expression) -> exp.Expression:
    # A literal such as 60000000.0 is a DECIMAL in both engines, but DuckDB divides by one in
    # DOUBLE while Spark keeps a DECIMAL of limited scale (rounding minutes to 6 places): as a
    # DOUBLE it gives DuckDB's answer.
    if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d+\.\d+", node.name) \
            and not isinstance(node.parent, exp.Interval):
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
    return node


def _fix_materialized(node: exp.Expression) -> exp.Expression:
    # `WITH x AS MATERIALIZED (...)` is DuckDB's hint to compute a CTE once; Spark's parser has no
    # such word (and reuses a CTE's plan itself). Dropping it changes no answer.
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node = node.copy()
        node.set("materialized", None)
    return node


def _expand_columns(tree: exp.Expression) -> exp.Expression:
    """Expand DuckDB's COLUMNS('regex') star expressions into the columns they stand for.

    Spark has no COLUMNS. Which columns match, and what DuckDB names each result, is asked of
    DuckDB itself (on empty extracts, parameters as NULL: names do not depend on values), so the
    expansion is exactly DuckDB's: each projection holding COLUMNS(re) repeats for every column of
    its FROM whose name matches re (a search, as DuckDB's), named as DuckDB names it.
    """
    from dashboard.store.prebuilt import column_names

    def as_duckdb(select: exp.Select, body: exp.Expression) -> str:
        query = body.copy()
        with_ = tree.args.get("with_") or tree.args.get("with")
        if with_ is not None and query is not tree:
            query.set("with_", with_.copy())
        return query.transform(lambda n: exp.Null() if isinstance(n, exp.Placeholder) else n).sql(READ)

    for select in list(tree.find_all(exp.Select)):
        if not any(p.find(exp.Columns) for p in select.expressions):
            continue
        source = select.copy()
        source.set("expressions", [exp.Star()])
        for key in ("group", "having", "order", "limit", "qualify"):
            source.set(key, None)
        inputs = column_names(as_duckdb(select, source))
        outputs = column_names(as_duckdb(select, select))
        expanded: list[exp.Expression] = []
        for projection in select.expressions:
            star = projection.find(exp.Columns)
            if star is None:
                expanded.append(projection)
                continue
            pattern = re.compile(star.this.name)
            for column in (c for c in inputs if pattern.search(c)):
                item = projection.copy()
                item.find(exp.Columns).replace(exp.column(column))
                expanded.append(item)
        if len(expanded) != len(outputs):
            raise ValueError(f"COLUMNS expanded to {len(expanded)} columns, DuckDB gives {len(outputs)}")
        select.set("expressions", [e if e.alias_or_name == name else exp.alias_(e.unalias(), name)
                                   for e, name in zip(expanded, outputs)])
    return tree


def _fix_error(node: exp.Expression) -> exp.Expression:
    # DuckDB's error(message) is Spark's raise_error(message).
    if isinstance(node, exp.Anonymous) and node.name.lower() == "error":
        return exp.Anonymous(this="raise_error", expressions=node.expressions)
    return node


def _fix_grand_total_set(tree: exp.Expression) -> exp.Expression:
    # `GROUP BY GROUPING SETS ((a), ())`: on no rows DuckDB gives the grand total's one row (SQL's
    # rule for an empty grouping set) and Spark gives none. Spark's answer is made the standard's
    # by computing the grand total as its own SELECT without GROUP BY (always one row) and the
    # other sets as before, UNION ALL, the ORDER BY and LIMIT kept outermost.
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if group is None or len(group.expressions) != 1 or not isinstance(group.expressions[0], exp.GroupingSets):
            continue
        members = group.expressions[0].expressions
        empty = [m for m in members if isinstance(m, exp.Tuple) and not m.expressions]
        if not empty:
            continue
        others = [m for m in members if m not in empty]
        grouped_columns = {c.sql(READ) for m in others for c in m.find_all(exp.Column)}
        order, limit = select.args.get("order"), select.args.get("limit")
        body = select.copy()
        body.set("order", None)
        body.set("limit", None)
        by_set = body.copy()
        by_set.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=[m.copy() for m in others])]))
        total = body.copy()
        total.set("group", None)

        def null_grouped(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and node.sql(READ) in grouped_columns \
                    and node.find_ancestor(exp.AggFunc) is None:
                return exp.Null()
            return node

        total.set("expressions", [e.transform(null_grouped) for e in total.expressions])
        union = exp.union(by_set, total, distinct=False)
        outer = exp.select("*").from_(exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("_sets"))))
        if order is not None:
            outer.set("order", order.copy())
        if limit is not None:
            outer.set("limit", limit.copy())
        if select is tree:
            tree = outer
        else:
            select.replace(outer)
    return tree


FIXUPS = (_fix_epoch_us, _fix_isodow, _fix_generate_series_table, _fix_cast_of_unnest, _fix_window_filter,
          _fix_exclude_group, _fix_unordered_row_number, _fix_decimal_literal, _fix_materialized, _fix_error)


def spark_tree(tree: exp.Expression) -> exp.Expression:
    """Return a DuckDB statement's AST with its macros inlined and Spark's fix-ups applied."""
    tree = _expand_columns(tree.copy())
    tree = _inline_macros(tree)
    tree = _fix_grand_total_set(tree)
    for fix in FIXUPS:
        tree = tree.transform(fix)
    return tree


def to_spark(sql: str) -> str:
    """Return the Spark SQL of one DuckDB statement of queries/ (its $name parameters become :name)."""
    statements = _parse(sql)
    if len(statements) != 1:
        raise ValueError("one statement expected")
    return spark_tree(statements[0]).sql(WRITE, comments=False)


@lru_cache(maxsize=None)
def query_sql(name: str) -> str:
    """Return the Spark SQL of the page query ``queries/<name>.sql``."""
    return to_spark(load_sql(name).sql)


@lru_cache(maxsize=None)
def table_sql(name: str) -> str:
    """Return the Spark SQL of the SELECT that makes the catalog table `name`."""
    for table in tables():
        if table.name == name:
            return spark_tree(table.select).sql(WRITE, comments=False)
    raise KeyError(name)


# -- running on Spark -----------------------------------------------------------------------------

SESSION_CONFIG = {
    # Spark reads the contract's naive timestamps (TIMESTAMP_NTZ) and converts them in the session's
    # zone wherever a function takes a zoned TIMESTAMP (unix_micros): with Europe/London a span over
    # the spring clock change measured an hour short. DuckDB's TIMESTAMP has no zone: UTC is none.
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def session(master: str = "local[2]", shuffle_partitions: int = 4, **config: str) -> Any:
    """Return a Spark session set up as the translation assumes (UTC), local by default."""
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("mhflow-catalog")
    for key, value in {**SESSION_CONFIG, "spark.sql.shuffle.partitions": str(shuffle_partitions), **config}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def query(spark: Any, name: str, params: dict[str, Any] | None = None) -> Any:
    """Run the page query `name` on Spark with named parameters; return a pandas DataFrame."""
    return spark.sql(query_sql(name), args=bind(name, params)).toPandas()


# The contract's types (dashboard/extracts/schema.py) in Spark: DuckDB's TIMESTAMP has no zone.
SPARK_TYPES = {"string": "STRING", "code": "STRING", "integer": "INT", "boolean": "BOOLEAN",
               "timestamp": "TIMESTAMP_NTZ", "date": "DATE"}


def register_extracts(spark: Any, source: Path) -> dict[str, int]:
    """Make each extract of `source` (parquet) a view of the contract's columns and types; return rows.

    An optional extract left out reads as empty, as it does in DuckDB's catalog.
    """
    from dashboard.extracts.schema import ALL_EXTRACTS

    rows: dict[str, int] = {}
    for name, extract in ALL_EXTRACTS.items():
        files = sorted(str(p) for p in (Path(source) / name).glob("**/*.parquet"))
        columns = ", ".join(f"CAST({c.name} AS {SPARK_TYPES[c.type]}) AS {c.name}" for c in extract.columns)
        if files:
            frame = spark.read.option("mergeSchema", "true").parquet(*files)
            frame.createOrReplaceTempView(f"_raw_{name}")
            frame = spark.sql(f"SELECT {columns} FROM _raw_{name}")
            rows[name] = frame.count()
        else:
            frame = spark.sql(f"SELECT {columns} FROM (SELECT " + ", ".join(
                f"NULL AS {c.name}" for c in extract.columns) + ") WHERE false")
        frame.createOrReplaceTempView(name)
    return rows


def build(spark: Any, source: Path, out: Path) -> dict[str, int]:
    """Compute every derived table on Spark from the extracts in `source`; write them under `out`.

    Writes each extract present (contract-typed) to ``out/<extract>/`` and each derived table to
    ``out/_derived/<table>/`` (dashboard.store.prebuilt's layout); each table, once written, is
    read back as the view the later tables read, so no table's plan is computed twice. Returns
    each extract's rows.
    """
    from dashboard.store.db import DERIVED

    out = Path(out)
    rows = register_extracts(spark, source)
    for name in rows:
        spark.table(name).write.mode("error").parquet(str(out / name))
    for table in tables():
        target = str(out / DERIVED / table.name)
        spark.sql(table_sql(table.name)).write.mode("error").parquet(target)
        spark.read.parquet(target).createOrReplaceTempView(table.name)
    return rows
