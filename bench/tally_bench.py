"""Time the year tally against the year report on the large benchmark database.

``python -m bench.tally_bench [--year 2025] [--runs 5] [--database PATH] [--out FILE]``

The database is opened read-only (a SQLite URI with ``mode=ro``); nothing is written
to it. Each of these is run once to warm the cache, then ``--runs`` times

(interleaved, so a busy machine slows them alike):

* ``report()`` for the whole year (the figure the tally must stay close to);
* ``build_tally()``: the whole-year ``report()`` plus the month columns plus the
  workbook in memory;
* the tally saved as .xlsx (``build_tally`` + ``Workbook.save``);
* for comparison, the naive tally: ``report()`` for the year and for each month.

The medians, and the ratio of the tally to the year report (target <= 1.5), are
printed with the load average (before and after) and whether openpyxl serialises with
lxml (it does when lxml is installed: saving is a few ms faster); ``--out`` also writes
them as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl.xml import LXML
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection

from schema.counting import Filters, Period, report
from schema.tally_xlsx import Figures, build_tally, monthly_figures

TARGET_RATIO = 1.5
DEFAULT_DB = Path(__file__).parent / "data" / "large.sqlite3"


def timed(cases: dict[str, Callable[[], Any]], runs: int
          ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """One warm-up call of each, then ``runs`` rounds taking each case in turn (so a
    busy machine slows them alike); wall-clock and CPU milliseconds. SQLite runs in
    this process, so the CPU time is the steadier figure on a shared machine."""
    for fn in cases.values():
        fn()
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            t, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append((time.perf_counter() - t) * 1000)
            cpu[name].append((time.process_time() - c) * 1000)
    return wall, cpu


def _pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The read settings of schema.db.make_engine, without the ones that write.
    cur = dbapi_conn.cursor()
    for pragma in ("mmap_size = 1073741824", "cache_size = -65536", "temp_store = MEMORY"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def check_months(conn: Connection, period: Period) -> bool:
    """Every month column equals report() for that month."""
    return all(Figures.of(report(conn, m, Filters())) == fig
               for m, fig in monthly_figures(conn, period, Filters()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", type=Path, default=DEFAULT_DB)
    parser.add_argument("--out", type=Path, help="also write the figures as Markdown here")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs must be at least 3")
    if not args.database.exists():
        raise SystemExit(f"{args.database} is missing: run `python -m bench.generate` first")
    engine = create_engine(f"sqlite:///file:{args.database.resolve()}?mode=ro&uri=true",
                           connect_args={"uri": True})
    event.listen(engine, "connect", _pragmas)
    period = Period.year(args.year)
    out = Path(tempfile.mkdtemp(prefix="dropin-tally-bench-")) / "tally.xlsx"
    load_before = os.getloadavg()[0]
    with engine.connect() as conn:
        exact = check_months(conn, period)
        cases: dict[str, Callable[[], Any]] = {
            "report() for the year": lambda: report(conn, period),
            "month columns only": lambda: monthly_figures(conn, period),
            "build_tally() (workbook in memory)": lambda: build_tally(conn, period, Filters()),
            "build_tally() + save .xlsx": lambda: build_tally(conn, period, Filters()).save(out),
            "naive: report() for the year and each month": lambda: [
                report(conn, p) for p in [period, *period.months()]],
        }
        wall, cpu = timed(cases, args.runs)
    engine.dispose()
    base = statistics.median(wall["report() for the year"])
    cpu_base = statistics.median(cpu["report() for the year"])
    lines = [f"Year {args.year} on {args.database.name}, {args.runs} runs after one warm-up; "
             f"month columns equal report() per month: {'yes' if exact else 'NO'}; "
             f"openpyxl with lxml: {'yes' if LXML else 'no'}; load average (1 min) "
             f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after", "",
             "| what | wall median ms | min | max | × year report | CPU median ms "
             "| × year report (CPU) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, times in wall.items():
        med, cmed = statistics.median(times), statistics.median(cpu[name])
        lines.append(f"| {name} | {med:.0f} | {min(times):.0f} | {max(times):.0f} | "
                     f"{med / base:.2f} | {cmed:.0f} | {cmed / cpu_base:.2f} |")
    ratio = statistics.median(wall["build_tally() + save .xlsx"]) / base
    cpu_ratio = statistics.median(cpu["build_tally() + save .xlsx"]) / cpu_base
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    # The same ratio round by round (each tally against the report run just before it),
    # to show how far the load moved it during the run.
    rounds = sorted(t / b for t, b in zip(cpu["build_tally() + save .xlsx"],
                                          cpu["report() for the year"], strict=True))
    lines += ["", f"Tally (saved) / year report = {ratio:.2f} wall, {cpu_ratio:.2f} CPU "
              f"(target <= {TARGET_RATIO}): {verdict}",
              f"Round by round (CPU): median {statistics.median(rounds):.2f}, "
              f"{rounds[0]:.2f} to {rounds[-1]:.2f}"]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0 if exact and ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
