"""Counting (DESIGN section 3): the figures a funder reads, computed by the database.

The rules, in short:

* visits: attendances in the period, named and anonymous (a duplicated count);
* individuals: distinct people with an attendance or a referral in the period;
* families: distinct households of those people, as they were at the time;
* new: individuals / families whose first support ever falls in the period;
* anonymous visits sit beside the unduplicated counts, never inside them;
* every breakdown row is distinct within itself: rows do not add up to the total;
* longer periods are counted distinctly over the whole period, never summed.

Whole calendar years and months are read from the ``support_rollup`` table (per
person and household, per site, per service and, for months, per site and service;
kept in step with every attendance), its per-household twin ``household_rollup`` and
the per-slice figures ``rollup_total``; only the days at the ragged ends of a period
come from ``attendance`` itself, and referrals always come from ``referral``.
Nothing here loads rows as ORM objects.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from schema.clock import month_start, next_month
from schema.errors import Refused
from schema.rollup import _ADD_TOTALS, _GRAINS, note_attendance, note_support  # noqa: F401

# --- keeping the roll-ups in step: schema.rollup (the kiosk's side, no SQLAlchemy) -------

def _ids(values: list[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "NULL"


_START_OF = {
    "sqlite": "date({col}, 'start of {unit}')",
    "postgresql": "CAST(date_trunc('{unit}', {col}) AS date)",
}
_ROLLUP_COLUMNS = "months, period_start, site_id, service_id, person_id, household_id, visits"
# The grains derived from the month (site, service) cells: (months, site, service) of the
# new rows, each from the finest grain already written.
_DERIVED = (
    (1, "site_id", "0", "months = 1 AND site_id > 0 AND service_id > 0"),
    (1, "0", "service_id", "months = 1 AND site_id > 0 AND service_id > 0"),
    (1, "0", "0", "months = 1 AND site_id > 0 AND service_id = 0"),
    (12, "0", "0", "months = 1 AND site_id = 0 AND service_id = 0"),
    (12, "site_id", "0", "months = 1 AND site_id > 0 AND service_id = 0"),
    (12, "0", "service_id", "months = 1 AND site_id = 0 AND service_id > 0"),
)


def _rebuild(s: Session, where: str, first_where: str, household_where: str) -> None:
    """Recompute the roll-up rows matching ``where`` (a condition on ``person_id`` /
    ``household_id``: every grain keeps both, so it selects the same people's rows in
    ``attendance`` and in every grain) and the first-support rows matching the others."""
    start_of = _START_OF[s.get_bind().dialect.name]
    full = where == "1 = 1"
    before = {} if full else _slice_figures(s, where, household_where)
    s.execute(text(f"DELETE FROM support_rollup WHERE {where}"))
    month_of = start_of.format(col="local_date", unit="month")
    s.execute(text(
        f"INSERT INTO support_rollup ({_ROLLUP_COLUMNS}) "
        f"SELECT 1, {month_of}, site_id, service_id, person_id, household_id, COUNT(*) "
        f"FROM attendance WHERE person_id IS NOT NULL AND {where} GROUP BY 2, 3, 4, 5, 6"
    ))
    for months, site, service, source in _DERIVED:
        start = "period_start" if months == 1 else start_of.format(col="period_start", unit="year")
        s.execute(text(
            f"INSERT INTO support_rollup ({_ROLLUP_COLUMNS}) "
            f"SELECT {months}, {start}, {site}, {service}, person_id, household_id, SUM(visits) "
            f"FROM support_rollup WHERE {source} AND {where} GROUP BY 2, 3, 4, 5, 6"
        ))
    _rebuild_households(s, household_where, full=full)
    if full:
        s.execute(text("DELETE FROM rollup_total"))
        s.execute(text(
            "INSERT INTO rollup_total (months, period_start, site_id, service_id, individuals, "
            "families, visits) SELECT h.months, h.period_start, h.site_id, h.service_id, p.n, "
            "h.n, h.visits FROM (SELECT months, period_start, site_id, service_id, COUNT(*) AS n, "
            "SUM(visits) AS visits FROM household_rollup GROUP BY 1, 2, 3, 4) h JOIN ("
            "SELECT months, period_start, site_id, service_id, COUNT(DISTINCT person_id) AS n "
            "FROM support_rollup GROUP BY 1, 2, 3, 4) p ON p.months = h.months "
            "AND p.period_start = h.period_start AND p.site_id = h.site_id "
            "AND p.service_id = h.service_id"
        ))
    else:
        # Only the people of ``where`` and the households of ``household_where`` had
        # their rows rewritten: add the change in their part of each slice's figures.
        after = _slice_figures(s, where, household_where)
        deltas = []
        for key in set(before) | set(after):
            old, new = before.get(key, (0, 0, 0)), after.get(key, (0, 0, 0))
            if old != new:
                deltas.append({"m": key[0], "start": key[1], "site": key[2], "service": key[3],
                               "i": new[0] - old[0], "f": new[1] - old[1],
                               "v": new[2] - old[2]})
        if deltas:
            s.execute(text(
                "INSERT INTO rollup_total (months, period_start, site_id, service_id, "
                "individuals, families, visits) VALUES (:m, :start, :site, :service, :i, :f, :v) "
                f"ON CONFLICT (months, period_start, site_id, service_id) DO UPDATE SET "
                f"{_ADD_TOTALS}"
            ), deltas)
            s.execute(text("DELETE FROM rollup_total WHERE individuals = 0"))
    s.execute(text(f"DELETE FROM first_support WHERE {first_where}"))
    s.execute(text(
        "INSERT INTO first_support (person_id, first_date) SELECT person_id, MIN(local_date) "
        "FROM (SELECT person_id, local_date FROM attendance WHERE person_id IS NOT NULL "
        f"UNION ALL SELECT person_id, local_date FROM referral) u WHERE {first_where} "
        "GROUP BY person_id"
    ))
    s.execute(text(f"DELETE FROM household_first_support WHERE {household_where}"))
    s.execute(text(
        "INSERT INTO household_first_support (household_id, first_date) "
        "SELECT household_id, MIN(local_date) FROM (SELECT household_id, local_date "
        "FROM attendance WHERE household_id IS NOT NULL "
        f"UNION ALL SELECT household_id, local_date FROM referral) u WHERE {household_where} "
        "GROUP BY household_id"
    ))


def _slice_figures(s: Session, where: str, household_where: str
                   ) -> dict[tuple[Any, ...], tuple[int, int, int]]:
    """Per roll-up slice: the distinct people of ``where``, and the households of
    ``household_where`` and their visits (their share of ``rollup_total``)."""
    out: dict[tuple[Any, ...], list[int]] = {}
    for *key, n in s.execute(text(
        "SELECT months, period_start, site_id, service_id, COUNT(DISTINCT person_id) "
        f"FROM support_rollup WHERE {where} GROUP BY 1, 2, 3, 4"
    )):
        out.setdefault(tuple(key), [0, 0, 0])[0] = int(n)
    for *key, n, visits in s.execute(text(
        "SELECT months, period_start, site_id, service_id, COUNT(*), SUM(visits) "
        f"FROM household_rollup WHERE {household_where} GROUP BY 1, 2, 3, 4"
    )):
        cell = out.setdefault(tuple(key), [0, 0, 0])
        cell[1], cell[2] = int(n), int(visits)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


_HOUSEHOLD_COLUMNS = "months, period_start, site_id, service_id, household_id, visits, people"


def _rebuild_households(s: Session, household_where: str, full: bool) -> None:
    """Recompute the ``household_rollup`` rows of the households matching
    ``household_where``: from the (already rebuilt) ``support_rollup`` when every row
    is rebuilt, from their ``attendance`` rows otherwise."""
    s.execute(text(f"DELETE FROM household_rollup WHERE {household_where}"))
    if full:
        # support_rollup holds one row per person and household in each grain.
        s.execute(text(
            f"INSERT INTO household_rollup ({_HOUSEHOLD_COLUMNS}) "
            "SELECT months, period_start, site_id, service_id, household_id, SUM(visits), "
            "COUNT(*) FROM support_rollup GROUP BY 1, 2, 3, 4, 5"
        ))
        return
    start_of = _START_OF[s.get_bind().dialect.name]
    for months, by_site, by_service in _GRAINS:
        start = start_of.format(col="local_date", unit="month" if months == 1 else "year")
        site = "site_id" if by_site else "0"
        service = "service_id" if by_service else "0"
        s.execute(text(
            f"INSERT INTO household_rollup ({_HOUSEHOLD_COLUMNS}) "
            f"SELECT {months}, {start}, {site}, {service}, household_id, COUNT(*), "
            "COUNT(DISTINCT person_id) FROM attendance "
            f"WHERE person_id IS NOT NULL AND {household_where} GROUP BY 2, 3, 4, 5"
        ))


def refresh_person_rollups(s: Session, person_ids: list[int]) -> None:
    """Recompute the roll-ups of these people (after a merge or a correction)."""
    ids = _ids(person_ids)
    households = s.execute(text(
        f"SELECT DISTINCT household_id FROM support_rollup WHERE person_id IN ({ids}) "
        f"UNION SELECT DISTINCT household_id FROM attendance WHERE person_id IN ({ids}) "
        f"UNION SELECT DISTINCT household_id FROM referral WHERE person_id IN ({ids})"
    )).scalars().all()
    _rebuild(s, f"person_id IN ({ids})", f"person_id IN ({ids})",
             f"household_id IN ({_ids([h for h in households if h is not None])})")


def refresh_household_rollups(s: Session, household_ids: list[int]) -> None:
    """Recompute the roll-ups touching these households (after a household merge).

    Every roll-up row of these households belongs to someone who attended with one
    of them, so the whole roll-up of those people is rebuilt (found through the
    person index, not by scanning the roll-up for the households)."""
    ids = _ids(household_ids)
    people = s.execute(text(
        f"SELECT DISTINCT person_id FROM attendance WHERE household_id IN ({ids}) "
        f"AND person_id IS NOT NULL UNION SELECT DISTINCT person_id FROM referral "
        f"WHERE household_id IN ({ids})"
    )).scalars().all()
    person_ids = _ids(list(people))
    _rebuild(s, f"person_id IN ({person_ids})", f"person_id IN ({person_ids})",
             f"household_id IN ({ids})")


def rebuild_rollups(s: Session) -> None:
    """Recreate every roll-up from ``attendance`` and ``referral`` (repair, bulk loads)."""
    _rebuild(s, "1 = 1", "1 = 1", "1 = 1")


# --- periods -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Inclusive local dates."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise Refused(f"the period ends ({self.end}) before it starts ({self.start})",
                          code="period.backwards", start=self.start, end=self.end)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls(first, next_month(first) - dt.timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        first = dt.date(year, 3 * (q - 1) + 1, 1)
        return cls(first, Period.month(year, 3 * q).end)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def months(self) -> list[Period]:
        """The calendar months the period touches, each cut to the period."""
        out = []
        first = month_start(self.start)
        while first <= self.end:
            last = next_month(first) - dt.timedelta(days=1)
            out.append(Period(max(first, self.start), min(last, self.end)))
            first = next_month(first)
        return out

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.end == Period.month(self.start.year, self.start.month).end:
            return self.start.strftime("%b %Y")
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD or DD/MM/YYYY."""
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            return dt.date.fromisoformat("-".join(p.zfill(2) for p in value.split("-")))
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        pass
    raise Refused(f"'{value[:30]}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
                  code="date.invalid", value=value[:30])


# --- the report --------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    site_id: int | None = None
    service_id: int | None = None


@dataclass
class Row:
    families: int = 0
    individuals: int = 0
    visits: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"families": self.families, "individuals": self.individuals, "visits": self.visits}


@dataclass
class ReferralFigures:
    total: int = 0
    people: int = 0
    families: int = 0
    by_partner: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_partner_status: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Report:
    period: Period
    filters: Filters
    families: int = 0
    individuals: int = 0
    visits: int = 0
    anonymous_visits: int = 0
    new_families: int = 0
    new_individuals: int = 0
    by_service: dict[str, Row] = field(default_factory=dict)
    by_site: dict[str, Row] = field(default_factory=dict)
    by_age_band: dict[str, Row] = field(default_factory=dict)
    by_district: dict[str, Row] = field(default_factory=dict)
    referrals: ReferralFigures = field(default_factory=ReferralFigures)

    @property
    def returning_individuals(self) -> int:
        return self.individuals - self.new_individuals

    @property
    def returning_families(self) -> int:
        return self.families - self.new_families

    def to_json(self) -> dict[str, Any]:
        """Exactly the keys of DESIGN section 6."""
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "families": self.families,
            "individuals": self.individuals,
            "visits": self.visits,
            "anonymous_visits": self.anonymous_visits,
            "new_families": self.new_families,
            "new_individuals": self.new_individuals,
            "by_service": {k: v.as_dict() for k, v in self.by_service.items()},
            "by_site": {k: v.as_dict() for k, v in self.by_site.items()},
            "referrals": {
                "total": self.referrals.total,
                "people": self.referrals.people,
                "families": self.referrals.families,
                "by_partner": dict(self.referrals.by_partner),
            },
        }


UNKNOWN = "Unknown"


def _filter_sql(f: Filters, alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    out = ""
    if f.site_id is not None:
        out += f" AND {p}site_id = :site"
    if f.service_id is not None:
        out += f" AND {p}service_id = :service"
    return out


# A grain picks, for sites and for services independently, all of them together (ALL),
# each one separately (EACH) or the one of the filter (FILTERED, bound as :site/:service).
ALL, EACH, FILTERED = "all", "each", "filtered"


def split_period(period: Period, years: bool = True) -> tuple[list[tuple[int, dt.date]],
                                                             list[tuple[dt.date, dt.date]]]:
    """Cut a period into whole calendar years (when ``years``) and months, as
    ``(months, first day)`` roll-up periods, and the ragged runs of days left over."""
    whole: list[tuple[int, dt.date]] = []
    days: list[tuple[dt.date, dt.date]] = []
    day = period.start
    while day <= period.end:
        after = next_month(day) if day.day == 1 else day
        if years and (day.month, day.day) == (1, 1) and dt.date(day.year, 12, 31) <= period.end:
            whole.append((12, day))
            day = dt.date(day.year + 1, 1, 1)
        elif day.day == 1 and after - dt.timedelta(days=1) <= period.end:
            whole.append((1, day))
            day = after
        else:
            stop = min(period.end, next_month(month_start(day)) - dt.timedelta(days=1))
            if days and days[-1][1] + dt.timedelta(days=1) == day:
                days[-1] = (days[-1][0], stop)
            else:
                days.append((day, stop))
            day = stop + dt.timedelta(days=1)
    return whole, days


def _support_rows(period: Period, site: str | int, service: str | int, params: dict[str, Any],
                  cols: str = "", join: str = "", from_rollup: bool = True) -> str:
    """SQL for (site_id, service_id, person_id, household_id, visits) rows of named support
    in the period at one grain (``site``/``service``: ALL, EACH, FILTERED or one id; ALL
    reads 0): whole years and months from the roll-up, ragged days from attendance, and
    referrals (with no visits). Rows are not distinct: count them with COUNT(DISTINCT ...).

    ``join`` (on ``x``, each source's alias) is added to every source and ``cols`` (a
    leading list of extra columns) selected from it, so that a join runs once per source
    row inside a co-routine instead of over a materialised union. With
    ``from_rollup`` false, only the rows that are not in the roll-up (ragged days and referrals)."""
    # Years hold no (site, service) cells: such a grain is read from the months.
    whole, days = split_period(period, years=ALL in (site, service))
    rollup = ""
    raw_cols = ""
    raw_where = ""
    for dim, sel in (("site", site), ("service", service)):
        if isinstance(sel, int):
            rollup += f" AND x.{dim}_id = {int(sel)}"
            raw_cols += f"x.{dim}_id, "
            raw_where += f" AND x.{dim}_id = {int(sel)}"
            continue
        rollup += {ALL: f" AND x.{dim}_id = 0", EACH: f" AND x.{dim}_id > 0",
                   FILTERED: f" AND x.{dim}_id = :{dim}"}[sel]
        raw_cols += f"0 AS {dim}_id, " if sel == ALL else f"x.{dim}_id, "
        raw_where += {ALL: "", EACH: f" AND x.{dim}_id IS NOT NULL",
                      FILTERED: f" AND x.{dim}_id = :{dim}"}[sel]
    head = f"SELECT {cols + ', ' if cols else ''}"
    parts = []
    for months in (12, 1):
        starts = [start for m, start in whole if m == months and from_rollup]
        if starts:
            names = []
            for start in starts:
                names.append(f":r{months}_{start:%Y%m%d}")
                params[names[-1][1:]] = start
            parts.append(
                f"{head}x.site_id, x.service_id, x.person_id, x.household_id, x.visits "
                f"FROM support_rollup x{join} "
                f"WHERE x.months = {months} AND x.period_start IN ({', '.join(names)}){rollup}"
            )
    for a, b in days:
        params[f"d_{a:%Y%m%d}"], params[f"d_{b:%Y%m%d}"] = a, b
        parts.append(
            f"{head}{raw_cols}x.person_id, x.household_id, 1 AS visits FROM attendance x{join} "
            f"WHERE x.local_date BETWEEN :d_{a:%Y%m%d} AND :d_{b:%Y%m%d} "
            f"AND x.person_id IS NOT NULL{raw_where}"
        )
    ref_start, ref_end = f"rs_{period.start:%Y%m%d}", f"re_{period.end:%Y%m%d}"
    params[ref_start], params[ref_end] = period.start, period.end
    parts.append(f"{head}{raw_cols}x.person_id, x.household_id, 0 AS visits FROM referral x{join} "
                 f"WHERE x.local_date BETWEEN :{ref_start} AND :{ref_end}{raw_where}")
    return " UNION ALL ".join(parts)


def _single_part(period: Period, site: str | int, service: str | int, params: dict[str, Any],
                 alias: str) -> str | None:
    """When the period is one whole roll-up period at this grain (plus, perhaps, ragged
    days), the condition selecting that roll-up slice (on ``alias``), else None."""
    whole, _days = split_period(period, years=ALL in (site, service))
    if len(whole) != 1:
        return None
    months, start = whole[0]
    name = f"r{months}_{start:%Y%m%d}"
    params[name] = start
    cond = f"{alias}.months = {months} AND {alias}.period_start = :{name}"
    for dim, sel in (("site", site), ("service", service)):
        if isinstance(sel, int):
            cond += f" AND {alias}.{dim}_id = {int(sel)}"
        else:
            cond += {ALL: f" AND {alias}.{dim}_id = 0",
                     FILTERED: f" AND {alias}.{dim}_id = :{dim}"}[sel]
    return cond


def _slice_sql(period: Period, site: str | int, service: str | int,
               params: dict[str, Any]) -> str:
    """A SELECT of (families, individuals, named visits) of one slice (see
    ``_support_rows``; EACH is not allowed here).

    A period that is one roll-up period reads the slice's figures from ``rollup_total``
    (one row); the ragged days and referrals add the people and households that are
    not in the slice already (a primary-key probe each), and their visits."""
    x = _single_part(period, site, service, params, "x")
    if x is None:
        rows = _support_rows(period, site, service, params)
        return ("SELECT COUNT(DISTINCT household_id), COUNT(DISTINCT person_id), "
                f"COALESCE(SUM(visits), 0) FROM ({rows}) u")
    y = _single_part(period, site, service, params, "y")
    extra = _support_rows(period, site, service, params, from_rollup=False)
    return (
        "SELECT t.families + e.families, t.individuals + e.individuals, t.visits + e.visits "
        "FROM (SELECT COALESCE(MAX(x.families), 0) AS families, "
        "COALESCE(MAX(x.individuals), 0) AS individuals, COALESCE(MAX(x.visits), 0) AS visits "
        f"FROM rollup_total x WHERE {x}) t, "
        "(SELECT COUNT(DISTINCT CASE WHEN NOT EXISTS (SELECT 1 FROM household_rollup y "
        f"WHERE {y} AND y.household_id = e.household_id) THEN e.household_id END) AS families, "
        "COUNT(DISTINCT CASE WHEN NOT EXISTS (SELECT 1 FROM support_rollup y "
        f"WHERE {y} AND y.person_id = e.person_id) THEN e.person_id END) AS individuals, "
        f"COALESCE(SUM(e.visits), 0) AS visits FROM ({extra}) e) e"
    )


def _district_single_sql(period: Period, site: str | int, service: str | int,
                         params: dict[str, Any]) -> str | None:
    """(district, families, individuals, named visits) parts to add up per district,
    when the period is one roll-up period: ``household_rollup`` rows (a household is in
    one district; its ``people`` are distinct within it), less the people counted in
    two households of the same district, plus the ragged days and referrals that are
    not in the slice already."""
    x = _single_part(period, site, service, params, "x")
    if x is None:
        return None
    y = _single_part(period, site, service, params, "y")
    t = _single_part(period, site, service, params, "t")
    z = _single_part(period, site, service, params, "z")
    district = f"COALESCE(h.postcode_district, '{UNKNOWN}')"
    extra = _support_rows(period, site, service, params, from_rollup=False, cols=f"{district} AS k",
                          join=" JOIN household h ON h.id = x.household_id")
    return (
        f"SELECT {district}, COUNT(*), SUM(x.people), SUM(x.visits) FROM household_rollup x "
        f"JOIN household h ON h.id = x.household_id WHERE {x} GROUP BY 1 "
        f"UNION ALL SELECT k, 0, COUNT(DISTINCT person_id) - COUNT(*), 0 FROM ("
        f"SELECT {district} AS k, x.person_id FROM support_rollup x "
        f"JOIN household h ON h.id = x.household_id WHERE {x} AND x.person_id IN ("
        f"SELECT y.person_id FROM support_rollup y WHERE {y} "
        # Only when someone is in two households of the slice (a constant condition,
        # tested once: the slice holds more person-household pairs than people).
        f"AND (SELECT COALESCE(MAX(t.individuals), 0) FROM rollup_total t WHERE {t}) < "
        f"(SELECT COALESCE(SUM(z.people), 0) FROM household_rollup z WHERE {z}) "
        "GROUP BY y.person_id "
        f"HAVING COUNT(*) > 1)) d GROUP BY k "
        f"UNION ALL SELECT k, COUNT(DISTINCT CASE WHEN NOT EXISTS ("
        f"SELECT 1 FROM household_rollup y "
        f"WHERE {y} AND y.household_id = e.household_id) THEN e.household_id END), "
        f"COUNT(DISTINCT CASE WHEN NOT EXISTS (SELECT 1 FROM support_rollup y "
        f"JOIN household h2 ON h2.id = y.household_id WHERE {y} AND y.person_id = e.person_id "
        f"AND COALESCE(h2.postcode_district, '{UNKNOWN}') = e.k) THEN e.person_id END), "
        f"COALESCE(SUM(e.visits), 0) FROM ({extra}) e GROUP BY k"
    )


def _age_band_sql() -> str:
    from schema.people import AGE_BANDS

    whens = " ".join(
        f"WHEN :end_year - p.birth_year BETWEEN {lo} AND {hi} THEN '{name}'"
        for name, lo, hi in AGE_BANDS
    )
    return f"CASE {whens} WHEN p.age_band IS NOT NULL THEN p.age_band ELSE '{UNKNOWN}' END"



def _anonymous_sql(conn: Session | Connection, f: Filters) -> str:
    # SQLite would rather answer "person_id IS NULL" through the person index (every
    # anonymous row of all time); name the partial index of anonymous rows instead.
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    table = ("attendance INDEXED BY ix_attendance_anonymous" if dialect == "sqlite"
             else "attendance")
    return (f"SELECT site_id, service_id, SUM(headcount) FROM {table} WHERE person_id IS NULL "
            "AND local_date BETWEEN :p_start AND :p_end" + _filter_sql(f) +
            " GROUP BY site_id, service_id")


def report(conn: Session | Connection, period: Period, filters: Filters | None = None) -> Report:
    """Every figure of DESIGN section 3 for ``period`` and ``filters``.

    Age is the age a person reaches in the year the period ends (only the birth
    year is kept). A district is the outward half of the household's postcode.

    Each group of figures is read at its own grain of the roll-up: the headline, age
    band and district figures per person and household, the service rows per service,
    the site rows per site (narrowed to the filters). Every figure is a
    COUNT(DISTINCT ...) or a SUM over the whole period, never a sum of counts.
    """
    f = filters or Filters()
    params: dict[str, Any] = {
        "p_start": period.start,
        "p_end": period.end,
        "site": f.site_id,
        "service": f.service_id,
        "end_year": period.end.year,
    }
    site_sel = ALL if f.site_id is None else FILTERED
    service_sel = ALL if f.service_id is None else FILTERED
    rep = Report(period=period, filters=f)
    run = conn.execute

    # Age band and district rows. The join runs inside every source of rows (a
    # co-routine), not over a materialised union of them.
    from schema.people import AGE_BANDS

    band_rows = _support_rows(period, site_sel, service_sel, params, cols=f"{_age_band_sql()} AS k",
                              join=" JOIN person p ON p.id = x.person_id")
    for band, fam, ind, vis in run(text(
        "SELECT k, COUNT(DISTINCT household_id), COUNT(DISTINCT person_id), SUM(visits) "
        f"FROM ({band_rows}) u GROUP BY k"
    ), params):
        rep.by_age_band[band] = Row(int(fam), int(ind), int(vis))
    district_sql = _district_single_sql(period, site_sel, service_sel, params)
    if district_sql is None:
        district_rows = _support_rows(
            period, site_sel, service_sel, params,
            cols=f"COALESCE(h.postcode_district, '{UNKNOWN}') AS k",
            join=" JOIN household h ON h.id = x.household_id")
        district_sql = ("SELECT k, COUNT(DISTINCT household_id), COUNT(DISTINCT person_id), "
                        f"SUM(visits) FROM ({district_rows}) u GROUP BY k")
    for district, fam, ind, vis in run(text(district_sql), params):
        row = rep.by_district.setdefault(district, Row())
        row.families += int(fam or 0)
        row.individuals += int(ind or 0)
        row.visits += int(vis or 0)
    rep.by_district = {k: r for k, r in rep.by_district.items() if r.individuals}

    if f == Filters():
        # A person is in exactly one age band and a household in exactly one district
        # (every row joins its person and household), so the bands' individuals and the
        # districts' families add up to the distinct totals. Unfiltered, a person
        # (household) whose first support ever falls in the period is supported in it:
        # count the first-support dates, no join needed.
        rep.individuals = sum(r.individuals for r in rep.by_age_band.values())
        rep.families = sum(r.families for r in rep.by_district.values())
        named_visits = sum(r.visits for r in rep.by_age_band.values())
        firsts = run(text(
            "SELECT (SELECT COUNT(*) FROM first_support "
            "WHERE first_date BETWEEN :p_start AND :p_end), "
            "(SELECT COUNT(*) FROM household_first_support "
            "WHERE first_date BETWEEN :p_start AND :p_end)"
        ), params).one()
        rep.new_individuals, rep.new_families = (int(x or 0) for x in firsts)
    else:
        rows = _support_rows(period, site_sel, service_sel, params)
        totals = run(text(
            "SELECT COUNT(DISTINCT u.person_id), COUNT(DISTINCT u.household_id), "
            "COALESCE(SUM(u.visits), 0), "
            "COUNT(DISTINCT CASE WHEN fs.first_date >= :p_start THEN u.person_id END), "
            "COUNT(DISTINCT CASE WHEN hf.first_date >= :p_start THEN u.household_id END) "
            f"FROM ({rows}) u LEFT JOIN first_support fs ON fs.person_id = u.person_id "
            "LEFT JOIN household_first_support hf ON hf.household_id = u.household_id"
        ), params).one()
        rep.individuals, rep.families, named_visits, rep.new_individuals, rep.new_families = (
            int(x or 0) for x in totals
        )

    order = [b[0] for b in AGE_BANDS] + [UNKNOWN]
    rep.by_age_band = {k: rep.by_age_band[k] for k in order if k in rep.by_age_band}
    rep.by_district = dict(sorted(rep.by_district.items(),
                                  key=lambda kv: (kv[0] == UNKNOWN, -kv[1].individuals, kv[0])))

    anon_by: dict[tuple[int, int], int] = {}
    for site_id, service_id, n in run(text(_anonymous_sql(conn, f)), params):
        anon_by[(site_id, service_id)] = int(n)
    rep.anonymous_visits = sum(anon_by.values())
    rep.visits = named_visits + rep.anonymous_visits

    # Service and site rows: one aggregate per service (site) over its own slice of
    # the roll-up, read in key order, instead of one GROUP BY that sorts every row.
    names = {
        "service": dict(run(text("SELECT id, name FROM service ORDER BY id")).all()),
        "site": dict(run(text("SELECT id, name FROM site ORDER BY id")).all()),
    }
    for dim, target in (("service", rep.by_service), ("site", rep.by_site)):
        keys = list(names[dim]) if getattr(f, f"{dim}_id") is None else [getattr(f, f"{dim}_id")]
        parts = []
        for key in keys:
            sel: dict[str, str | int] = {"site": site_sel, "service": service_sel}
            sel[dim] = int(key)
            parts.append(f"SELECT {int(key)} AS k, * FROM ("
                         f"{_slice_sql(period, sel['site'], sel['service'], params)}) u")
        if parts:
            for key_id, fam, ind, vis in run(text(" UNION ALL ".join(parts)), params):
                if ind:
                    target[names[dim][key_id]] = Row(int(fam), int(ind), int(vis))
        for (site_id, service_id), n in anon_by.items():
            key = names[dim][service_id if dim == "service" else site_id]
            target.setdefault(key, Row()).visits += n
        ordered = sorted(target.items(), key=lambda kv: (-kv[1].individuals, kv[0]))
        target.clear()
        target.update(ordered)

    rep.referrals = _referrals(run, params, f)
    return rep


def _referrals(run: Any, params: dict[str, Any], f: Filters) -> ReferralFigures:
    flt = _filter_sql(f, "r")
    out = ReferralFigures()
    total, people, families = run(text(
        "SELECT COUNT(*), COUNT(DISTINCT person_id), COUNT(DISTINCT household_id) FROM referral r "
        "WHERE local_date BETWEEN :p_start AND :p_end" + flt
    ), params).one()
    out.total, out.people, out.families = int(total), int(people), int(families)
    for partner, status, n in run(text(
        "SELECT p.name, r.status, COUNT(*) FROM referral r "
        "JOIN referral_partner p ON p.id = r.partner_id "
        "WHERE r.local_date BETWEEN :p_start AND :p_end" + flt +
        " GROUP BY p.name, r.status ORDER BY p.name, r.status"
    ), params):
        out.by_partner[partner] = out.by_partner.get(partner, 0) + int(n)
        out.by_status[status] = out.by_status.get(status, 0) + int(n)
        out.by_partner_status.setdefault(partner, {})[status] = int(n)
    return out


RULES_TEXT = """\
How Dropin counts
- Visits: every sign-in in the period, named or anonymous. One person at three
  sessions is three visits.
- Individuals: different people who came to at least one session or were
  referred to a partner in the period. Each person is counted once.
- Families: different households those people belonged to at the time.
- New: people (or households) supported for the first time ever in the period.
- Anonymous visits are head-counts of people who gave no details. They are
  shown beside the counts of people and families, never inside them.
- Breakdowns (by service, site, age band, area) count each person once per row,
  so a person who came to two services appears in both rows: rows do not add up
  to the total.
- A quarter or a year is counted over the whole period, so someone who came
  every month is one person, not twelve. Never add up monthly figures.
- Age band: the age a person reaches in the year the period ends.
"""
