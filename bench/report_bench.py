"""Time ``schema.counting.report`` against naive raw SQL on the benchmark databases.

``python -m bench.report_bench [--scales small,medium,large] [--runs 5] [--profile]``

For each scale (the database is generated first when missing) and for a full month
and a full calendar year inside the data, ``report()`` and a naive version (one
``COUNT(DISTINCT ...)`` query per figure straight on ``attendance`` and ``referral``,
plus the per-service and per-site rows) are each run once to warm the cache and then
``--runs`` times; the median, min and max are printed. The two must agree on every
figure they share, else MISMATCH is printed. ``--profile`` also times every SQL
statement of one ``report()`` run and shows its query plan.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from bench.generate import SCALES, default_path, generate
from schema.counting import Period, Report, report
from schema.db import make_engine

YEAR_TARGET_MS = 500.0
YEAR_TARGET_RATIO = 5.0
MONTH_TARGET_MS = 100.0

_PERIOD_ROWS = (
    "SELECT person_id, household_id, site_id, service_id, headcount AS v FROM attendance "
    "WHERE local_date BETWEEN :a AND :b "
    "UNION ALL SELECT person_id, household_id, site_id, service_id, 0 FROM referral "
    "WHERE local_date BETWEEN :a AND :b"
)
_FIRST_EVER = (
    "SELECT {col}, MIN(local_date) AS first FROM ("
    "SELECT {col}, local_date FROM attendance WHERE {col} IS NOT NULL AND local_date <= :b "
    "UNION ALL SELECT {col}, local_date FROM referral WHERE local_date <= :b) GROUP BY {col}"
)
NAIVE_FIGURES = {
    "individuals": "SELECT COUNT(DISTINCT person_id) FROM (" + _PERIOD_ROWS + ")",
    "families": "SELECT COUNT(DISTINCT household_id) FROM (" + _PERIOD_ROWS + ")",
    "visits": "SELECT COALESCE(SUM(headcount), 0) FROM attendance "
              "WHERE local_date BETWEEN :a AND :b",
    "anonymous_visits": "SELECT COALESCE(SUM(headcount), 0) FROM attendance "
                        "WHERE person_id IS NULL AND local_date BETWEEN :a AND :b",
    "new_individuals": "SELECT COUNT(*) FROM (" + _FIRST_EVER.format(col="person_id")
                       + ") WHERE first >= :a",
    "new_families": "SELECT COUNT(*) FROM (" + _FIRST_EVER.format(col="household_id")
                    + ") WHERE first >= :a",
}
NAIVE_BREAKDOWN = (
    "SELECT {dim}_id, COUNT(DISTINCT household_id), COUNT(DISTINCT person_id), SUM(v) "
    "FROM (" + _PERIOD_ROWS + ") WHERE {dim}_id IS NOT NULL GROUP BY {dim}_id"
)
FIGURES = tuple(NAIVE_FIGURES)


def naive(conn: Connection, period: Period) -> dict[str, Any]:
    """The headline figures and the service and site rows, one plain query each."""
    params = {"a": period.start, "b": period.end}
    out: dict[str, Any] = {
        name: int(conn.execute(text(sql), params).scalar_one())
        for name, sql in NAIVE_FIGURES.items()
    }
    for dim in ("service", "site"):
        names = dict(conn.execute(text(f"SELECT id, name FROM {dim}")).all())
        out[f"by_{dim}"] = {
            names[key]: (int(fam), int(ind), int(vis))
            for key, fam, ind, vis in conn.execute(text(NAIVE_BREAKDOWN.format(dim=dim)), params)
        }
    return out


def from_report(rep: Report) -> dict[str, Any]:
    """The same figures, taken from a :class:`Report`."""
    out: dict[str, Any] = {name: getattr(rep, name) for name in FIGURES}
    out["by_service"] = {k: (r.families, r.individuals, r.visits)
                         for k, r in rep.by_service.items()}
    out["by_site"] = {k: (r.families, r.individuals, r.visits) for k, r in rep.by_site.items()}
    return out


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """One warm-up call, then ``runs`` timed calls (ms); the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def full_periods(conn: Connection) -> list[tuple[str, Period]]:
    """The last full calendar month and the last full calendar year inside the data."""
    lo, hi = (dt.date.fromisoformat(v) for v in conn.execute(
        text("SELECT MIN(local_date), MAX(local_date) FROM attendance")).one())
    month_end = hi if (hi + dt.timedelta(days=1)).day == 1 else hi.replace(day=1) - dt.timedelta(1)
    month = Period.month(month_end.year, month_end.month)
    year = hi.year if hi.month == 12 and hi.day == 31 else hi.year - 1
    if month.start < lo or dt.date(year, 1, 1) < lo.replace(day=1):
        raise SystemExit(f"the data ({lo} to {hi}) holds no full month and year")
    return [("month", month), ("year", Period.year(year))]


@dataclass
class Result:
    scale: str
    kind: str
    period: Period
    report_ms: list[float]
    naive_ms: list[float]
    mismatches: list[str]

    @property
    def ratio(self) -> float:
        return statistics.median(self.naive_ms) / statistics.median(self.report_ms)

    def verdict(self) -> str:
        ms = statistics.median(self.report_ms)
        if self.kind == "month":
            return f"month ≤ {MONTH_TARGET_MS:.0f} ms: {'ok' if ms <= MONTH_TARGET_MS else 'MISS'}"
        good = ms <= YEAR_TARGET_MS and self.ratio >= YEAR_TARGET_RATIO
        return (f"year ≤ {YEAR_TARGET_MS:.0f} ms and ≥ {YEAR_TARGET_RATIO:.0f}× naive: "
                f"{'ok' if good else 'MISS'}")


def compare(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Human-readable differences between report() (got) and naive SQL (want)."""
    out = []
    for key in (*FIGURES, "by_service", "by_site"):
        if got[key] != want[key]:
            out.append(f"{key}: report()={got[key]} naive={want[key]}")
    return out


def profile(conn: Connection, period: Period) -> None:
    """Time each statement of one report() run and print its query plan."""
    spans: list[tuple[float, str, Any]] = []
    started: dict[int, float] = {}

    def before(_c: Any, cursor: Any, *_: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(_c: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        spans.append(((time.perf_counter() - started.pop(id(cursor))) * 1000, statement, params))

    engine = conn.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        t = time.perf_counter()
        report(conn, period)
        total = (time.perf_counter() - t) * 1000
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    print(f"\n  report({label(period)}): {total:.0f} ms in {len(spans)} statements "
          f"(statement time includes fetching)")
    for ms, statement, params in sorted(spans, key=lambda s: -s[0]):
        head = " ".join(statement.split())
        print(f"  {ms:8.1f} ms  {head[:150]}{'…' if len(head) > 150 else ''}")
        if ms >= max(1.0, total * 0.05):
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            for row in plan:
                print(f"             | {row[-1]}")


def bench_scale(scale: str, runs: int, do_profile: bool) -> list[Result]:
    path = default_path(scale)
    if not path.exists():
        print(f"{path} is missing: generating it")
        generate(SCALES[scale], path)
    engine = make_engine(f"sqlite:///{path}")
    results = []
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM attendance")).scalar_one()
        periods = full_periods(conn)
        print(f"\n{scale}: {path} ({n:,} attendance rows)")
        for kind, period in periods:
            report_ms, rep = timed(lambda p=period: report(conn, p), runs)
            naive_ms, plain = timed(lambda p=period: naive(conn, p), runs)
            conn.rollback()
            res = Result(scale, kind, period, report_ms, naive_ms, compare(from_report(rep), plain))
            figures = ", ".join(f"{k}={getattr(rep, k):,}" for k in FIGURES)
            print(f"  {label(period)}: {figures}")
            for line in res.mismatches:
                print(f"  *** MISMATCH *** {line}")
            if not res.mismatches:
                print("  report() and naive SQL agree on every shared figure")
            results.append(res)
        if do_profile:
            for _kind, period in periods:
                profile(conn, period)
            conn.rollback()
    engine.dispose()
    return results


def label(period: Period) -> str:
    """'Oct 2026' for a month, '2025' for a calendar year."""
    if period == Period.year(period.start.year):
        return str(period.start.year)
    return period.label


def ms(values: list[float]) -> str:
    return f"{statistics.median(values):9.1f} ({min(values):.1f}–{max(values):.1f})"


def print_table(results: list[Result]) -> None:
    print("\nmedian ms (min–max)")
    print(f"{'scale':<7} {'period':<9} {'report()':>24} {'naive SQL':>24} {'naive/report':>12}  "
          "target")
    for r in results:
        print(f"{r.scale:<7} {label(r.period):<9} {ms(r.report_ms):>24} {ms(r.naive_ms):>24} "
              f"{r.ratio:11.1f}×  {r.verdict()}{'  MISMATCH' if r.mismatches else ''}")
    print("targets apply at the large scale: year report ≤ 500 ms and ≥ 5× faster than naive "
          "SQL, month report ≤ 100 ms")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.report_bench",
                                 description="Time report() against naive SQL.")
    ap.add_argument("--scales", default="small,medium,large")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true",
                    help="time each statement of report() and show its query plan")
    args = ap.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    for s in scales:
        if s not in SCALES:
            raise SystemExit(f"unknown scale {s!r} (choose from {', '.join(SCALES)})")
    results = []
    for s in scales:
        results.extend(bench_scale(s, max(args.runs, 1), args.profile))
    print_table(results)
    if any(r.mismatches for r in results):
        raise SystemExit("*** MISMATCH between report() and naive SQL ***")


if __name__ == "__main__":
    main()
