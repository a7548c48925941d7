"""The monthly tally (issue 4): an Excel workbook of the figures a funder reads.

``build_tally`` makes the workbook, ``write_tally`` saves it (or the Summary as CSV).

* **Summary**: one column per calendar month of the period (cut to the period at the
  ends) and a last column for the whole period. The whole-period column is
  :func:`schema.counting.report` over the whole period, counted distinctly: never the
  sum of the months. Every unique count is written as a plain value (a spreadsheet
  cannot recount people), and so is every other figure: no formulas at all.
* **By service / By site / By age band / By district / Referrals**: the breakdowns of
  the whole-period report, each row distinct within itself.
* **Notes**: the counting rules in plain words, the period, the filters, when it was made.

The month columns are read in two statements instead of one ``report()`` per month (a
year tally would otherwise cost 13 reports): each whole month's families, individuals
and visits from its ``rollup_total`` row plus the referrals and ragged days not in it
(as ``report()`` counts a service row), the rest as range counts per month. Filtered
tallies keep one grouped query over the month roll-up, ragged days and referrals.
``tests/test_tally.py`` proves each month column equals ``report()`` for that month,
with and without filters.

Formula injection: names of services, sites, partners and districts are typed by
users. A text cell is always written with the string type (never a formula) and,
when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, with the
cell style's *quote prefix* set: the cell shows exactly the text, unchanged, and
Excel and LibreOffice keep it as text even when it is edited (the hidden apostrophe
of typing ``'=1+1``). CSV has no cell types, so there such text is prefixed with a
visible apostrophe ``'`` (the OWASP advice); a spreadsheet opening the CSV shows
``'=...`` as text and never runs it.
"""

from __future__ import annotations

import csv as csv_module
import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.borders import DEFAULT_BORDER
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from schema.clock import LONDON, next_month, now_utc
from schema.counting import ALL, RULES_TEXT, Filters, Period, Report, Row, _slice_sql, report
from schema.db import read_session
from schema.errors import Refused
from schema.tables import ReferralStatus

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
NOT_ADDITIVE = ("Each column is counted over its own period and each row is distinct: "
                "rows and months do not add up to the totals. Never add up monthly figures.")
SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    ("families", "Families supported"),
    ("individuals", "Individuals supported"),
    ("visits", "Visits (named + anonymous)"),
    ("anonymous_visits", "Anonymous visits"),
    ("new_families", "New families"),
    ("new_individuals", "New individuals"),
    ("referrals", "Referrals"),
)
BREAKDOWNS: tuple[tuple[str, str, str], ...] = (
    ("By service", "by_service", "Service"),
    ("By site", "by_site", "Site"),
    ("By age band", "by_age_band", "Age band"),
    ("By district", "by_district", "Postcode district"),
)

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", start_color="1F4E78", end_color="1F4E78")
LABEL_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
TOTAL_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="595959")
BOLD = Font(bold=True)
RULES_FONT = Font(bold=True, size=12)
RULE_NUMBER = Alignment(horizontal="right", vertical="top")
RULE_TEXT = Alignment(wrap_text=True, vertical="top")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
COUNT_FORMAT = "#,##0"
HEADER_ROW = 3  # every sheet: a title (1), a note (2), then the header row (3)
# The cell styles of the tables. Each is added to a workbook as a named style (hidden
# from Excel's list of styles) the first time a cell takes it: openpyxl hashes every
# Font, Fill, Border and Alignment set on a cell, and one named style per cell costs a
# fraction of three or four of them (bench/TALLY.md). The cells look exactly as with
# the objects set one by one. What a named style leaves out is the workbook's default.
PLAIN: dict[str, Any] = {"font": DEFAULT_FONT, "fill": PatternFill(), "border": DEFAULT_BORDER,
                         "alignment": Alignment(), "protection": Protection()}
STYLES: dict[str, dict[str, Any]] = {
    "Dropin title": {"font": TITLE_FONT},
    "Dropin note": {"font": NOTE_FONT},
    "Dropin header": {"font": HEADER_FONT, "fill": HEADER_FILL, "border": BOX, "alignment":
                      Alignment(horizontal="center", vertical="center", wrap_text=True)},
    "Dropin first header": {"font": HEADER_FONT, "fill": HEADER_FILL, "border": BOX, "alignment":
                            Alignment(horizontal="left", vertical="center", wrap_text=True)},
    "Dropin label": {"fill": LABEL_FILL, "border": BOX},
    "Dropin count": {"number_format": COUNT_FORMAT, "border": BOX},
    "Dropin bold count": {"font": BOLD, "number_format": COUNT_FORMAT, "border": BOX},
    "Dropin total": {"fill": TOTAL_FILL, "number_format": COUNT_FORMAT, "border": BOX},
    "Dropin bold total": {"font": BOLD, "fill": TOTAL_FILL, "number_format": COUNT_FORMAT,
                          "border": BOX},
    "Dropin total label": {"font": BOLD, "fill": TOTAL_FILL, "border": BOX},
    "Dropin empty": {"font": NOTE_FONT, "border": BOX},
    "Dropin box": {"border": BOX},
}


# --- safe text ---------------------------------------------------------------------


def is_dangerous(value: str) -> bool:
    """Would a spreadsheet take this text for a formula?"""
    return value.startswith(DANGEROUS_START)


def put(ws: Worksheet, row: int, col: int, value: Any, style: str | None = None) -> Any:
    """Write one cell, in one of the ``STYLES`` if given; text is always text (see the
    module notes), numbers are values."""
    cell = ws.cell(row=row, column=col)
    if style is not None:
        wb = ws.parent
        if style not in wb.named_styles:
            wb.add_named_style(NamedStyle(style, **{**PLAIN, **STYLES[style]}, hidden=True))
        cell.style = style  # before the quote prefix: this sets the whole cell style
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl makes "=..." a formula: undo that
        if is_dangerous(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def csv_safe(value: Any) -> Any:
    """A CSV field a spreadsheet will not run: risky text gets a leading apostrophe."""
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value


# --- the month columns -------------------------------------------------------------


@dataclass
class Figures:
    """The Summary rows of one column."""

    families: int = 0
    individuals: int = 0
    visits: int = 0
    anonymous_visits: int = 0
    new_families: int = 0
    new_individuals: int = 0
    referrals: int = 0

    @classmethod
    def of(cls, rep: Report) -> Figures:
        return cls(rep.families, rep.individuals, rep.visits, rep.anonymous_visits,
                   rep.new_families, rep.new_individuals, rep.referrals.total)


def _dialect(conn: Session | Connection) -> str:
    return conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def monthly_figures(conn: Session | Connection, period: Period,
                    filters: Filters | None = None) -> list[tuple[Period, Figures]]:
    """The Summary figures of each calendar month of ``period`` (cut to the period),
    each exactly what ``report()`` gives for that month, in a few grouped queries.

    Every row carries ``k``, the first day of its month cut to the period. Whole
    months are read from the month roll-up (``months = 1``), the ragged days at the
    ends from ``attendance`` and referrals from ``referral``, as ``report()`` does."""
    f = filters or Filters()
    months = period.months()
    dialect = _dialect(conn)
    month_of = ("date({col}, 'start of month')" if dialect == "sqlite"
                else "CAST(date_trunc('month', {col}) AS date)")
    params: dict[str, Any] = {"p_start": period.start, "p_end": period.end,
                              "site": f.site_id, "service": f.service_id}
    key = (f"CASE WHEN {month_of.format(col='local_date')} < :p_start THEN :p_start "
           f"ELSE {month_of.format(col='local_date')} END")
    if dialect == "postgresql":
        key = f"CAST({key} AS date)"
    flt = ""
    rollup_flt = ""
    for dim, value in (("site", f.site_id), ("service", f.service_id)):
        flt += f" AND {dim}_id = :{dim}" if value is not None else ""
        rollup_flt += f" AND {dim}_id = :{dim}" if value is not None else f" AND {dim}_id = 0"

    whole = [m.start for m in months
             if m.start.day == 1 and m.end == next_month(m.start) - dt.timedelta(days=1)]
    days = [(m.start, m.end) for m in months if m.start not in whole]
    parts = []
    if whole:
        names = []
        for i, start in enumerate(whole):
            names.append(f":m{i}")
            params[f"m{i}"] = start
        parts.append(f"SELECT period_start AS k, person_id, household_id, visits "
                     f"FROM support_rollup WHERE months = 1 "
                     f"AND period_start IN ({', '.join(names)}){rollup_flt}")
    for i, (a, b) in enumerate(days):
        params[f"a{i}"], params[f"b{i}"] = a, b
        parts.append(f"SELECT {key} AS k, person_id, household_id, 1 AS visits FROM attendance "
                     f"WHERE local_date BETWEEN :a{i} AND :b{i} AND person_id IS NOT NULL{flt}")
    parts.append(f"SELECT {key} AS k, person_id, household_id, 0 AS visits FROM referral "
                 f"WHERE local_date BETWEEN :p_start AND :p_end{flt}")
    rows = " UNION ALL ".join(parts)

    out = {m.start: Figures() for m in months}
    run = conn.execute
    if f == Filters():
        # Each month on its own roll-up slice (see counting._slice_sql): a count and a
        # sum over household_rollup, a streamed distinct count over support_rollup.
        slices = " UNION ALL ".join(
            f"SELECT {i} AS i, * FROM ({_slice_sql(m, ALL, ALL, params)}) s{i}"
            for i, m in enumerate(months))
        for i, fam, ind, vis in run(text(slices), params):
            fig = out[months[int(i)].start]
            fig.families, fig.individuals, fig.visits = int(fam), int(ind), int(vis or 0)
    else:
        new = ("COUNT(DISTINCT CASE WHEN fs.first_date >= u.k THEN u.person_id END), "
               "COUNT(DISTINCT CASE WHEN hf.first_date >= u.k THEN u.household_id END)")
        joins = (" LEFT JOIN first_support fs ON fs.person_id = u.person_id "
                 "LEFT JOIN household_first_support hf ON hf.household_id = u.household_id")
        for k, ind, fam, vis, new_ind, new_fam in run(text(
            "SELECT u.k, COUNT(DISTINCT u.person_id), COUNT(DISTINCT u.household_id), "
            f"COALESCE(SUM(u.visits), 0), {new} FROM ({rows}) u{joins} GROUP BY u.k"
        ), params):
            fig = out[_as_date(k)]
            fig.individuals, fig.families, fig.visits = int(ind), int(fam), int(vis or 0)
            fig.new_individuals, fig.new_families = int(new_ind or 0), int(new_fam or 0)
    # The small figures, each a range count (or sum) per month column over an index:
    # unfiltered, report() counts the first-support dates in the period.
    anon_table = ("attendance INDEXED BY ix_attendance_anonymous" if dialect == "sqlite"
                  else "attendance")
    per_month = []
    for i, m in enumerate(months):
        params[f"ma{i}"], params[f"mb{i}"] = m.start, m.end
        between = f"BETWEEN :ma{i} AND :mb{i}"
        new_counts = (
            f"(SELECT COUNT(*) FROM first_support WHERE first_date {between}), "
            f"(SELECT COUNT(*) FROM household_first_support WHERE first_date {between})"
            if f == Filters() else "NULL, NULL")
        per_month.append(
            f"SELECT {i} AS i, {new_counts}, "
            f"(SELECT COALESCE(SUM(headcount), 0) FROM {anon_table} WHERE person_id IS NULL "
            f"AND local_date {between}{flt}), "
            f"(SELECT COUNT(*) FROM referral WHERE local_date {between}{flt})")
    for i, new_ind, new_fam, anon, refs in run(text(" UNION ALL ".join(per_month)), params):
        fig = out[months[int(i)].start]
        if new_ind is not None:
            fig.new_individuals, fig.new_families = int(new_ind), int(new_fam)
        fig.anonymous_visits = int(anon or 0)
        fig.visits += fig.anonymous_visits
        fig.referrals = int(refs)
    return [(m, out[m.start]) for m in months]


# --- the workbook ------------------------------------------------------------------


def _header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        put(ws, row, col, value, "Dropin header" if col > 1 else "Dropin first header")


def _title(ws: Worksheet, title: str, note: str) -> None:
    put(ws, 1, 1, title, "Dropin title")
    put(ws, 2, 1, note, "Dropin note")


def _page_setup(ws: Worksheet, *, header_rows: str, freeze: str) -> None:
    ws.freeze_panes = freeze
    ws.print_title_rows = header_rows
    ws.print_title_cols = "A:A"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&A: page &P of &N"


def _widths(ws: Worksheet, first: float, others: float, count: int) -> None:
    ws.column_dimensions["A"].width = first
    for col in range(2, count + 1):
        ws.column_dimensions[get_column_letter(col)].width = others


def _breakdown(wb: Workbook, title: str, what: str, rows: dict[str, Row], heading: str) -> None:
    ws = wb.create_sheet(title)
    _title(ws, f"{title}: {heading}",
           "Each row counts a person or family once; one person can appear in several "
           "rows, so rows do not add up to the Summary.")
    _header(ws, HEADER_ROW, [what, "Families", "Individuals", "Visits"])
    for r, (name, row) in enumerate(rows.items(), start=HEADER_ROW + 1):
        put(ws, r, 1, name, "Dropin label")
        for c, value in enumerate((row.families, row.individuals, row.visits), start=2):
            put(ws, r, c, value, "Dropin count")
    if not rows:
        put(ws, HEADER_ROW + 1, 1, "Nothing in this period", "Dropin empty")
        for c in range(2, 5):
            put(ws, HEADER_ROW + 1, c, None, "Dropin box")
    width = max([len(what), *(len(k) for k in rows)]) + 4
    _widths(ws, min(max(width, 18), 60), 13, 4)
    _page_setup(ws, header_rows=f"{HEADER_ROW}:{HEADER_ROW}", freeze=f"B{HEADER_ROW + 1}")


def _referrals_sheet(wb: Workbook, rep: Report, heading: str) -> None:
    ws = wb.create_sheet("Referrals")
    _title(ws, f"Referrals by partner and status: {heading}",
           f"Referrals: {rep.referrals.total}; people referred: {rep.referrals.people}; "
           f"their families: {rep.referrals.families}. Each referral is in its partner's row.")
    statuses = [s.value for s in ReferralStatus]
    statuses += sorted({s for by in rep.referrals.by_partner_status.values() for s in by}
                       - set(statuses))
    _header(ws, HEADER_ROW, ["Partner", *(s.capitalize() for s in statuses), "Total"])
    r = HEADER_ROW
    for r, (partner, by) in enumerate(rep.referrals.by_partner_status.items(),
                                      start=HEADER_ROW + 1):
        put(ws, r, 1, partner, "Dropin label")
        for c, status in enumerate(statuses, start=2):
            put(ws, r, c, by.get(status, 0), "Dropin count")
        put(ws, r, len(statuses) + 2, rep.referrals.by_partner.get(partner, 0),
            "Dropin bold count")
    r += 1
    put(ws, r, 1, "All partners", "Dropin total label")
    for c, status in enumerate(statuses, start=2):
        put(ws, r, c, rep.referrals.by_status.get(status, 0), "Dropin total")
    put(ws, r, len(statuses) + 2, rep.referrals.total, "Dropin bold total")
    width = max([20, *(len(k) + 4 for k in rep.referrals.by_partner)])
    _widths(ws, min(width, 60), 13, len(statuses) + 2)
    _page_setup(ws, header_rows=f"{HEADER_ROW}:{HEADER_ROW}", freeze=f"B{HEADER_ROW + 1}")


def _notes_sheet(wb: Workbook, period: Period, site_label: str, service_label: str,
                 room: str, made: dt.datetime) -> None:
    ws = wb.create_sheet("Notes")
    _title(ws, "About these figures", NOT_ADDITIVE)
    lines: list[tuple[str, str]] = [
        ("Period", f"{period.start:%d %B %Y} to {period.end:%d %B %Y} (inclusive, UK time)"),
        ("Site", site_label),
        ("Service", service_label),
    ]
    if room:
        lines.append(("Room", room))
    lines.append(("Made", f"{made:%d %B %Y %H:%M} (UK time)"))
    rules: list[str] = []
    for line in RULES_TEXT.rstrip().splitlines()[1:]:
        if line.startswith("  ") and rules:  # a wrapped continuation of the previous rule
            rules[-1] += " " + line.strip()
        elif line.strip():
            rules.append(line.removeprefix("- ").strip())
    rules.append(NOT_ADDITIVE)
    rules.append("Text that starts with =, +, - or @ (a name typed by a user) is stored as "
                 "text and never run as a formula.")
    r = HEADER_ROW
    for label, value in lines:
        put(ws, r, 1, label).font = BOLD
        put(ws, r, 2, value)
        r += 1
    r += 1
    put(ws, r, 1, RULES_TEXT.splitlines()[0]).font = RULES_FONT
    r += 1
    for number, rule in enumerate(rules, start=1):
        put(ws, r, 1, number).alignment = RULE_NUMBER
        put(ws, r, 2, rule).alignment = RULE_TEXT
        ws.row_dimensions[r].height = 15 * (len(rule) // 95 + 1)
        r += 1
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    _page_setup(ws, header_rows="1:1", freeze="A2")
    ws.print_title_cols = None


def _filters_heading(site_label: str, service_label: str) -> str:
    return f"{site_label}, {service_label}"


def build_tally(conn: Session | Connection, period: Period, filters: Filters, *,
                site_label: str = "All sites", service_label: str = "All services",
                room: str = "") -> Workbook:
    """The tally workbook for ``period`` and ``filters`` (see the module notes)."""
    whole = report(conn, period, filters)
    columns: list[tuple[Period, Figures]] = monthly_figures(conn, period, filters)
    return _workbook(period, whole, columns, site_label=site_label,
                     service_label=service_label, room=room)


def _workbook(period: Period, whole: Report, columns: list[tuple[Period, Figures]], *,
              site_label: str, service_label: str, room: str) -> Workbook:
    made = now_utc().astimezone(LONDON)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Summary"
    heading = _filters_heading(site_label, service_label)
    _title(ws, f"Dropin tally{': ' + room if room else ''}, "
               f"{period.start:%d %b %Y} to {period.end:%d %b %Y} ({heading})", NOT_ADDITIVE)
    whole_label = f"Whole period ({period.start:%d %b %Y} – {period.end:%d %b %Y})"
    _header(ws, HEADER_ROW, ["Figure", *(m.label for m, _ in columns), whole_label])
    all_figures = [fig for _, fig in columns] + [Figures.of(whole)]
    last = len(all_figures) + 1
    for r, (attr, label) in enumerate(SUMMARY_ROWS, start=HEADER_ROW + 1):
        put(ws, r, 1, label, "Dropin label")
        for c, fig in enumerate(all_figures, start=2):
            put(ws, r, c, getattr(fig, attr), "Dropin bold total" if c == last else "Dropin count")
    ws.row_dimensions[HEADER_ROW].height = 45 if len(columns) and not all(
        m.label.count(" ") == 1 for m, _ in columns) else 30
    _widths(ws, 28, 12, last - 1)
    ws.column_dimensions[get_column_letter(last)].width = 26
    _page_setup(ws, header_rows=f"{HEADER_ROW}:{HEADER_ROW}", freeze=f"B{HEADER_ROW + 1}")

    chart = LineChart()
    chart.title = "Families and individuals supported each month"
    chart.y_axis.title = "people"
    chart.x_axis.title = "month"
    chart.height, chart.width = 8.5, max(16.0, min(32.0, 2.2 * len(columns) + 8))
    data = Reference(ws, min_col=1, max_col=len(columns) + 1, min_row=HEADER_ROW + 1,
                     max_row=HEADER_ROW + 2)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    for series in chart.series:
        series.smooth = False
    chart.set_categories(Reference(ws, min_col=2, max_col=len(columns) + 1,
                                   min_row=HEADER_ROW, max_row=HEADER_ROW))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    ws.add_chart(chart, f"A{HEADER_ROW + len(SUMMARY_ROWS) + 3}")

    for title, attr, what in BREAKDOWNS:
        _breakdown(wb, title, what, getattr(whole, attr), heading + ", whole period")
    _referrals_sheet(wb, whole, heading + ", whole period")
    _notes_sheet(wb, period, site_label, service_label, room, made)
    wb.properties.title = "Dropin tally"
    wb.properties.creator = "Dropin"
    return wb


def summary_rows(wb: Workbook) -> list[list[Any]]:
    """The Summary table (header and figure rows) as plain values."""
    ws = wb["Summary"]
    return [list(row) for row in ws.iter_rows(min_row=HEADER_ROW,
                                                max_row=HEADER_ROW + len(SUMMARY_ROWS),
                                                values_only=True)]


def labels_for(conn: Session | Connection, filters: Filters) -> tuple[str, str]:
    """The names of the filter's site and service, for the headings and notes."""
    site = service = None
    if filters.site_id is not None:
        site = conn.execute(text("SELECT name FROM site WHERE id = :i"),
                            {"i": filters.site_id}).scalar()
        if site is None:
            raise Refused(f"there is no site with id {filters.site_id}", code="site.not_found",
                          site_id=filters.site_id)
    if filters.service_id is not None:
        service = conn.execute(text("SELECT name FROM service WHERE id = :i"),
                               {"i": filters.service_id}).scalar()
        if service is None:
            raise Refused(f"there is no service with id {filters.service_id}",
                          code="service.not_found", service_id=filters.service_id)
    return (f"Site: {site}" if site else "All sites",
            f"Service: {service}" if service else "All services")


def write_tally(engine: Engine, period: Period, filters: Filters, path: str | Path, *,
                csv: bool = False, room: str = "") -> Path:
    """Save the tally workbook (or, with ``csv``, the Summary as CSV) at ``path``.

    The file is written beside ``path`` and moved into place, so a failed export never
    leaves half a file behind."""
    path = Path(path)
    with read_session(engine) as s:
        site_label, service_label = labels_for(s, filters)
        wb = build_tally(s, period, filters, site_label=site_label,
                         service_label=service_label, room=room)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".dropin-tally-", dir=path.parent or ".")
    except OSError as exc:
        raise Refused(f"cannot write {path}: {exc.strerror or exc}", code="file.write",
                      path=str(path)) from exc
    try:
        if csv:
            with os.fdopen(fd, "w", newline="", encoding="utf-8-sig") as out:
                writer = csv_module.writer(out)
                for row in summary_rows(wb):
                    writer.writerow([csv_safe(v) for v in row])
        else:
            os.close(fd)
            wb.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise Refused(f"cannot write {path}: {exc.strerror or exc}", code="file.write",
                      path=str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
