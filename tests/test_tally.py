"""The monthly tally workbook (issue 4): cell by cell, injection-safe, the command line,
and LibreOffice showing the same numbers as ``report --json``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.engine import Engine

from admin.cli import main
from schema.counting import Filters, Period, report
from schema.db import make_engine, read_session
from schema.tally_xlsx import (
    HEADER_ROW,
    SUMMARY_ROWS,
    Figures,
    build_tally,
    monthly_figures,
    write_tally,
)
from tests.helpers import World, local

REQUIRE_LO = os.environ.get("DROPIN_REQUIRE_LIBREOFFICE") == "1"
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-2+3", "=1+1"]
FIRST = HEADER_ROW + 1  # first figure row


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def three_months(engine: Engine) -> World:
    """Jan-Mar 2026. Ann comes every month, so she is one individual over the quarter
    but three in the sum of the months; Bob (her household) comes in January; Cat
    (another household) in February at the Hall and is referred in March; Dan only
    has a referral in March. Anonymous head-counts in January and March."""
    w = World(engine)
    ann, bob = w.household("Ann", "Bob", postcode="M40 7AB", years=(1980, 2015))
    cat, dan = w.household("Cat", "Dan", postcode="M9 4QQ", years=(1950, 2001))
    w.attend([ann, bob], local(2026, 1, 5), site="Burns Flats", service="Coffee morning")
    w.attend([ann], local(2026, 1, 19), site="Burns Flats", service="Youth club")
    w.attend([ann], local(2026, 2, 2), site="Burns Flats", service="Coffee morning")
    w.attend([cat], local(2026, 2, 9), site="Hall", service="Coffee morning")
    w.attend([ann], local(2026, 3, 2), site="Hall", service="Youth club")
    w.anonymous(local(2026, 1, 5), headcount=3, site="Burns Flats", service="Coffee morning")
    w.anonymous(local(2026, 3, 2), headcount=2, site="Hall", service="Youth club")
    w.refer(cat, local(2026, 3, 3), partner="Housing", site="Hall")
    w.refer(dan, local(2026, 3, 4), partner="Citizens Advice")
    w.attend([ann], local(2025, 12, 1), site="Burns Flats", service="Coffee morning")
    return w


# --- the Summary, cell by cell -----------------------------------------------------


def test_summary_cell_by_cell_whole_period_is_not_the_sum(engine: Engine, tmp_path: Path) -> None:
    three_months(engine)
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    path = write_tally(engine, period, Filters(), tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "By service", "By site", "By age band", "By district",
                             "Referrals", "Notes"]
    ws = wb["Summary"]
    assert [c.value for c in ws[HEADER_ROW]] == [
        "Figure", "Jan 2026", "Feb 2026", "Mar 2026",
        "Whole period (01 Jan 2026 – 31 Mar 2026)"]
    expected = {  # Jan, Feb, Mar, whole quarter (worked by hand)
        "Families supported": [1, 2, 2, 2],
        "Individuals supported": [2, 2, 3, 4],
        "Visits (named + anonymous)": [6, 2, 3, 11],
        "Anonymous visits": [3, 0, 2, 5],
        "New families": [0, 1, 0, 1],  # Ann's household first came in December
        "New individuals": [1, 1, 1, 3],  # Bob, Cat, Dan
        "Referrals": [0, 0, 2, 2],
    }
    got = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 6)]
           for r in range(FIRST, FIRST + len(SUMMARY_ROWS))}
    assert got == expected
    # unique counts are values, and the quarter is not the sum of the months
    for r in range(FIRST, FIRST + len(SUMMARY_ROWS)):
        for c in range(2, 6):
            assert ws.cell(r, c).data_type == "n"
    assert sum(expected["Individuals supported"][:3]) != expected["Individuals supported"][3]
    assert sum(expected["Families supported"][:3]) != expected["Families supported"][3]
    with read_session(engine) as s:
        whole = report(s, period)
        assert [whole.families, whole.individuals, whole.visits, whole.anonymous_visits,
                whole.new_families, whole.new_individuals, whole.referrals.total] == [
            v[3] for v in expected.values()]
        for i, month in enumerate(period.months()):
            assert Figures.of(report(s, month)) == Figures(*(v[i] for v in expected.values()))
    assert ws.freeze_panes == f"B{FIRST}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.cell(HEADER_ROW, 2).font.bold and ws.cell(HEADER_ROW, 2).fill.fgColor.rgb
    with zipfile.ZipFile(path) as z:  # openpyxl does not read charts back
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "lineChart" in chart and "'Summary'!$B$4:$D$4" in chart  # families by month
    assert "'Summary'!$B$5:$D$5" in chart and "'Summary'!$B$3:$D$3" in chart


def test_breakdown_sheets_and_notes(engine: Engine, tmp_path: Path) -> None:
    w = three_months(engine)
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    path = write_tally(engine, period, Filters(site_id=w.sites["Burns Flats"]),
                       tmp_path / "t.xlsx", room="People Zone")
    wb = load_workbook(path)

    def table(name: str) -> dict[str, list[int]]:
        ws = wb[name]
        return {row[0]: list(row[1:]) for row in ws.iter_rows(min_row=FIRST, values_only=True)
                if row[0] is not None}

    # Burns Flats only: Ann (Jan x2, Feb) and Bob (Jan), 3 anonymous in January
    assert table("By service") == {"Coffee morning": [1, 2, 6], "Youth club": [1, 1, 1]}
    assert table("By site") == {"Burns Flats": [1, 2, 7]}
    assert table("By age band") == {"5-11": [1, 1, 1], "25-49": [1, 1, 3]}
    assert table("By district") == {"M40": [1, 2, 4]}
    assert table("Referrals") == {"All partners": [0, 0, 0, 0, 0, 0]}
    summary = wb["Summary"]
    assert [summary.cell(r, 5).value for r in range(FIRST, FIRST + 7)] == [1, 2, 7, 3, 0, 1, 0]
    notes = "\n".join(str(c.value) for row in wb["Notes"].iter_rows() for c in row if c.value)
    for needle in ("Site: Burns Flats", "All services", "People Zone",
                   "01 January 2026 to 31 March 2026", "do not add up", "Never add up",
                   "Anonymous visits are head-counts"):
        assert needle in notes

    all_sites = load_workbook(write_tally(engine, period, Filters(), tmp_path / "all.xlsx"))
    ws = all_sites["Referrals"]
    assert [c.value for c in ws[HEADER_ROW]] == [
        "Partner", "Made", "Accepted", "Completed", "Declined", "No response", "Total"]
    rows = {r[0]: list(r[1:]) for r in ws.iter_rows(min_row=FIRST, values_only=True)}
    assert rows == {"Citizens Advice": [1, 0, 0, 0, 0, 1], "Housing": [1, 0, 0, 0, 0, 1],
                    "All partners": [2, 0, 0, 0, 0, 2]}


# --- month columns equal report() for each month -----------------------------------


def random_world(engine: Engine, seed: int = 7) -> World:
    rng = random.Random(seed)
    w = World(engine)
    people = []
    for i in range(8):
        people += w.household(f"P{i}a", f"P{i}b", postcode=rng.choice(["M40 7AB", "M9 4QQ"]))
    sites, services = ["North", "South"], ["Coffee", "Youth", "Advice"]
    day = dt.date(2025, 11, 20)
    while day < dt.date(2026, 3, 10):
        if rng.random() < 0.5:
            who = rng.sample(people, rng.randint(1, 3))
            w.attend(who, local(day.year, day.month, day.day), site=rng.choice(sites),
                     service=rng.choice(services))
        if rng.random() < 0.15:
            w.anonymous(local(day.year, day.month, day.day), headcount=rng.randint(1, 3),
                        site=rng.choice(sites), service=rng.choice(services))
        if rng.random() < 0.12:
            w.refer(rng.choice(people), local(day.year, day.month, day.day, 15),
                    partner=rng.choice(["Housing", "Food bank"]),
                    site=rng.choice([None, *sites]), service=rng.choice([None, *services]))
        day += dt.timedelta(days=rng.randint(1, 4))
    return w


def test_month_columns_equal_report_per_month(engine: Engine) -> None:
    w = random_world(engine)
    periods = [Period(dt.date(2025, 11, 1), dt.date(2026, 3, 31)),   # whole months
               Period(dt.date(2025, 11, 24), dt.date(2026, 3, 5)),   # ragged both ends
               Period(dt.date(2026, 1, 3), dt.date(2026, 1, 20))]    # inside one month
    filters = [Filters(), Filters(site_id=w.sites["North"]),
               Filters(service_id=w.services["Youth"]),
               Filters(site_id=w.sites["South"], service_id=w.services["Coffee"])]
    with read_session(engine) as s:
        for period in periods:
            for f in filters:
                columns = monthly_figures(s, period, f)
                assert [m for m, _ in columns] == period.months()
                for month, fig in columns:
                    assert fig == Figures.of(report(s, month, f)), (period, f, month)


def test_month_columns_equal_report_on_the_small_benchmark(tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "bench" / "data" / "small.sqlite3"
    if not source.exists():
        pytest.skip("bench/data/small.sqlite3 is not generated (python -m bench.generate)")
    copy = tmp_path / "small.sqlite3"
    shutil.copy(source, copy)
    eng = make_engine(f"sqlite:///{copy}")
    try:
        with eng.connect() as conn:
            lo, hi = (dt.date.fromisoformat(v) for v in conn.execute(
                text("SELECT MIN(local_date), MAX(local_date) FROM attendance")).one())
            period = Period(lo + dt.timedelta(days=3), hi)
            for f in (Filters(), Filters(site_id=1), Filters(service_id=2)):
                for month, fig in monthly_figures(conn, period, f):
                    assert fig == Figures.of(report(conn, month, f)), (f, month)
    finally:
        eng.dispose()


# --- formula injection -------------------------------------------------------------


def injection_world(engine: Engine) -> World:
    w = World(engine)
    ann, bob = w.household("Ann", "Bob", postcode="M40 7AB")
    for i, name in enumerate(PAYLOADS):
        w.attend([ann, bob][: 1 + i % 2], local(2026, 2, 2 + i), site=PAYLOADS[-1 - i],
                 service=name)
    w.refer(ann, local(2026, 2, 20), partner="@SUM(1)")
    w.refer(bob, local(2026, 2, 21), partner="-1")
    return w


def test_text_that_looks_like_a_formula_stays_text(engine: Engine, tmp_path: Path) -> None:
    injection_world(engine)
    period = Period.month(2026, 2)
    path = write_tally(engine, period, Filters(), tmp_path / "t.xlsx")
    wb = load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    seen.add(cell.value)
    assert set(PAYLOADS) | {"-1"} <= seen
    services = [r[0] for r in wb["By service"].iter_rows(min_row=FIRST, values_only=True)]
    assert sorted(services) == sorted(PAYLOADS)
    with zipfile.ZipFile(path) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist()
                         if n.startswith("xl/worksheets/sheet"))
    assert "<f>" not in sheets  # no formula anywhere in the file

    csv_path = write_tally(engine, period, Filters(), tmp_path / "t.csv", csv=True)
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Figure", "Feb 2026", "Whole period (01 Feb 2026 – 28 Feb 2026)"]
    assert all(not v.startswith(("=", "+", "-", "@")) for row in rows for v in row)


def test_csv_prefixes_risky_text_with_an_apostrophe() -> None:
    from schema.tally_xlsx import csv_safe

    assert [csv_safe(v) for v in [*PAYLOADS, "Coffee", 5, "\tx"]] == [
        "'" + p for p in PAYLOADS] + ["Coffee", 5, "'\tx"]


# --- the command line --------------------------------------------------------------


def test_cli_export_tally_xlsx_and_csv(engine: Engine, tmp_path: Path, capsys) -> None:
    three_months(engine)
    db = ["--database", url_of(engine)]
    out = tmp_path / "q1.xlsx"
    assert main([*db, "export", "tally", "--from", "2026-01-01", "--to", "31/03/2026",
                 "-o", str(out)]) == 0
    assert f"written to {out}" in capsys.readouterr().out
    ws = load_workbook(out)["Summary"]
    assert [ws.cell(r, 5).value for r in range(FIRST, FIRST + 7)] == [2, 4, 11, 5, 1, 3, 2]

    assert main([*db, "export", "tally", "--month", "2026-02", "-o", str(tmp_path / "feb.csv"),
                 "--csv", "--site", "burns-flats"]) == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "feb.csv").read_text(encoding="utf-8-sig"))))
    assert rows == [["Figure", "Feb 2026", "Whole period (01 Feb 2026 – 28 Feb 2026)"],
                    ["Families supported", "1", "1"], ["Individuals supported", "1", "1"],
                    ["Visits (named + anonymous)", "1", "1"], ["Anonymous visits", "0", "0"],
                    ["New families", "0", "0"], ["New individuals", "0", "0"],
                    ["Referrals", "0", "0"]]

    assert main([*db, "export", "tally", "--year", "2026", "-o", str(tmp_path / "y.xlsx"),
                 "--service", "Youth club"]) == 0
    ws = load_workbook(tmp_path / "y.xlsx")["Summary"]
    assert ws.max_column == 14 and ws.cell(HEADER_ROW, 13).value == "Dec 2026"
    assert [ws.cell(r, 14).value for r in range(FIRST, FIRST + 7)] == [1, 1, 4, 2, 0, 0, 0]
    with read_session(engine) as s:
        actions = s.execute(text("SELECT action, detail FROM audit_event "
                                 "WHERE action = 'export.tally' ORDER BY id")).all()
    assert len(actions) == 3 and '"format": "csv"' in actions[1][1]


def test_cli_export_tally_refuses_bad_input(engine: Engine, tmp_path: Path, capsys) -> None:
    World(engine).site("Room")
    db = ["--database", url_of(engine)]
    out = ["-o", str(tmp_path / "t.xlsx")]
    for args, expect in [
        (["--month", "2026-13"], "'2026-13' is not a month"),
        (["--month", "March"], "is not a month"),
        (["--year", "20x6"], "'20x6' is not a year"),
        (["--from", "2026-03-01"], "--from needs --to"),
        (["--month", "2026-03", "--to", "2026-03-31"], "--to needs --from"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "before it starts"),
        (["--month", "2026-03", "--site", "nowhere"], "no site 'nowhere' (known: room)"),
        (["--month", "2026-03", "--service", "Bingo"], "no service 'Bingo'"),
    ]:
        assert main([*db, "export", "tally", *args, *out]) == 2, args
        err = capsys.readouterr().err
        assert expect in err and err.count("\n") == 1, (args, err)
    assert main([*db, "export", "tally", "--month", "2026-03", "-o",
                 str(tmp_path / "missing" / "t.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and err.count("\n") == 1
    assert not (tmp_path / "t.xlsx").exists()
    assert not list(tmp_path.glob(".dropin-tally-*"))


@pytest.mark.parametrize("args", [
    ["--month", "2026-03", "--year", "2026"],
    ["--year", "2026", "--from", "2026-01-01", "--to", "2026-02-01"],
    [],  # no period
])
def test_cli_export_tally_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", "tally", *args, "-o", str(tmp_path / "t.xlsx")])
    assert exc.value.code == 2


def test_build_tally_for_one_day(sqlite_engine: Engine) -> None:
    three_months(sqlite_engine)
    with read_session(sqlite_engine) as s:
        wb = build_tally(s, Period(dt.date(2026, 1, 5), dt.date(2026, 1, 5)), Filters())
    ws = wb["Summary"]
    assert [c.value for c in ws[HEADER_ROW]] == [
        "Figure", "05 Jan 2026 – 05 Jan 2026", "Whole period (05 Jan 2026 – 05 Jan 2026)"]
    assert [ws.cell(r, 2).value for r in range(FIRST, FIRST + 7)] == [1, 2, 5, 3, 0, 1, 0]


# --- LibreOffice -------------------------------------------------------------------


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        if REQUIRE_LO:
            pytest.fail(reason + " and DROPIN_REQUIRE_LIBREOFFICE=1")
        pytest.skip(reason)
    return found


def convert(binary: str, source: Path, target: str, out: Path, profile: Path) -> None:
    done = subprocess.run(
        [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


# Every sheet, as shown (formatted), UTF-8, comma separated, double quotes.
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.mark.slow
def test_libreoffice_shows_the_report_json_figures(sqlite_engine: Engine, tmp_path: Path,
                                                   capsys) -> None:
    binary = soffice()
    w = three_months(sqlite_engine)
    for i, name in enumerate(PAYLOADS):
        w.attend([w.household(f"X{i}")[0]], local(2026, 2, 10 + i), site="Hall", service=name)
    db = ["--database", url_of(sqlite_engine)]
    xlsx = tmp_path / "tally.xlsx"
    assert main([*db, "export", "tally", "--from", "2026-01-01", "--to", "2026-03-31",
                 "-o", str(xlsx)]) == 0
    assert main([*db, "report", "--from", "2026-01-01", "--to", "2026-03-31", "--json"]) == 0
    want = json.loads(capsys.readouterr().out.split("\n", 1)[1])

    out = tmp_path / "lo"
    convert(binary, xlsx, ALL_SHEETS_CSV, out, tmp_path / "profile")

    def sheet(name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO((out / f"tally-{name}.csv").read_text("utf-8"))))

    def num(shown: str) -> int:  # as LibreOffice shows it: "1,234"
        return int(shown.replace(",", ""))

    summary = {row[0]: row[1:] for row in sheet("Summary")[HEADER_ROW - 1:]}
    whole = {label: num(summary[label][-1]) for _, label in SUMMARY_ROWS}
    assert whole == {
        "Families supported": want["families"], "Individuals supported": want["individuals"],
        "Visits (named + anonymous)": want["visits"],
        "Anonymous visits": want["anonymous_visits"], "New families": want["new_families"],
        "New individuals": want["new_individuals"], "Referrals": want["referrals"]["total"]}
    assert summary["Figure"] == ["Jan 2026", "Feb 2026", "Mar 2026",
                                 "Whole period (01 Jan 2026 – 31 Mar 2026)"]
    by_service = {row[0]: [num(v) for v in row[1:]] for row in sheet("By service")[HEADER_ROW:]}
    assert by_service == {k: [v["families"], v["individuals"], v["visits"]]
                          for k, v in want["by_service"].items()}
    assert set(PAYLOADS) <= set(by_service)  # shown as typed, never run
    by_site = {row[0]: [num(v) for v in row[1:]] for row in sheet("By site")[HEADER_ROW:]}
    assert by_site == {k: [v["families"], v["individuals"], v["visits"]]
                       for k, v in want["by_site"].items()}
    partners = {row[0]: num(row[-1]) for row in sheet("Referrals")[HEADER_ROW:]}
    assert partners.pop("All partners") == want["referrals"]["total"]
    assert partners == want["referrals"]["by_partner"]
    notes = "\n".join(",".join(row) for row in sheet("Notes"))
    assert "All sites" in notes and "All services" in notes and "do not add up" in notes

    # The printed workbook: landscape A4 pages and the chart on the first one.
    convert(binary, xlsx, "pdf", out, tmp_path / "profile")
    pdf = out / "tally.pdf"
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "841.89 x 595.3" in info  # A4 landscape
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
                               capture_output=True, text=True).stdout
        assert "Families and individuals supported" in first and "Whole period" in first
    else:
        assert pdf.stat().st_size > 10_000
