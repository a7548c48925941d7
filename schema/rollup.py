"""Keeping the roll-ups in step with every named attendance and referral.

``support_rollup``, ``household_rollup``, ``rollup_total``, ``first_support`` and
``household_first_support`` are what :mod:`schema.counting` reads whole months and years
from. Each sign-in adds to them in its own transaction, here, in plain SQL on the
operation's :class:`~schema.sql.Db` (the kiosk runs this without SQLAlchemy).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from schema.clock import month_start
from schema.sql import Db

_UPSERT_ROLLUP = (
    "INSERT INTO support_rollup (months, period_start, site_id, service_id, person_id, "
    "household_id, visits) VALUES "
    "(1, :month, 0, 0, :person, :household, 1), "
    "(1, :month, :site, 0, :person, :household, 1), "
    "(1, :month, 0, :service, :person, :household, 1), "
    "(1, :month, :site, :service, :person, :household, 1), "
    "(12, :year, 0, 0, :person, :household, 1), "
    "(12, :year, :site, 0, :person, :household, 1), "
    "(12, :year, 0, :service, :person, :household, 1) "
    "ON CONFLICT (months, period_start, site_id, service_id, person_id, household_id) "
    "DO UPDATE SET visits = support_rollup.visits + excluded.visits"
)
_UPSERT_FIRST = (
    "INSERT INTO first_support (person_id, first_date) VALUES (:person, :on) "
    "ON CONFLICT (person_id) DO UPDATE SET first_date = CASE "
    "WHEN excluded.first_date < first_support.first_date THEN excluded.first_date "
    "ELSE first_support.first_date END"
)
_UPSERT_HOUSEHOLD_FIRST = (
    "INSERT INTO household_first_support (household_id, first_date) VALUES (:household, :on) "
    "ON CONFLICT (household_id) DO UPDATE SET first_date = CASE "
    "WHEN excluded.first_date < household_first_support.first_date THEN excluded.first_date "
    "ELSE household_first_support.first_date END"
)


_GRAIN_WHERE = ("(months = 1 AND period_start = :month OR months = 12 AND period_start = :year) "
                "AND site_id IN (0, :site) AND service_id IN (0, :service)")
_PERSON_GRAINS = (
    "SELECT months, site_id, service_id, household_id FROM support_rollup "
    f"WHERE {_GRAIN_WHERE} AND person_id = :person"
)
_HOUSEHOLD_GRAINS = (
    f"SELECT months, site_id, service_id FROM household_rollup WHERE {_GRAIN_WHERE} "
    "AND household_id = :household"
)
# The seven (months, site, service) grains a named attendance is counted in.
_GRAINS = ((1, True, True), (1, True, False), (1, False, True), (1, False, False),
           (12, True, False), (12, False, True), (12, False, False))


_ADD_TOTALS = ("individuals = rollup_total.individuals + excluded.individuals, "
               "families = rollup_total.families + excluded.families, "
               "visits = rollup_total.visits + excluded.visits")


def _grain_key(months: int, by_site: bool, by_service: bool) -> str:
    return (f"{months}, :{'month' if months == 1 else 'year'}, "
            f"{':site' if by_site else '0'}, {':service' if by_service else '0'}")


# One row per grain; the 0/1 parameters n<i>, p<i>, h<i> say whether the grain is new to
# the person in this household, to the person, to the household.
_ADD_HOUSEHOLD_GRAINS = (
    "INSERT INTO household_rollup (months, period_start, site_id, service_id, household_id, "
    "visits, people) VALUES "
    + ", ".join(f"({_grain_key(*g)}, :household, 1, :n{i})" for i, g in enumerate(_GRAINS))
    + " ON CONFLICT (months, period_start, site_id, service_id, household_id) DO UPDATE SET "
    "visits = household_rollup.visits + excluded.visits, "
    "people = household_rollup.people + excluded.people"
)
_ADD_TOTAL_GRAINS = (
    "INSERT INTO rollup_total (months, period_start, site_id, service_id, individuals, "
    "families, visits) VALUES "
    + ", ".join(f"({_grain_key(*g)}, :p{i}, :h{i}, 1)" for i, g in enumerate(_GRAINS))
    + f" ON CONFLICT (months, period_start, site_id, service_id) DO UPDATE SET {_ADD_TOTALS}"
)


def note_attendance(s: Db | Any, att: Any) -> None:
    """Add one new named attendance to the roll-ups (same transaction). ``att``: anything
    with the attendance's person_id, household_id, site_id, service_id and local_date."""
    if att.person_id is None:
        return
    db = Db.of(s)
    params: dict[str, Any] = {
        "month": month_start(att.local_date), "year": att.local_date.replace(month=1, day=1),
        "person": att.person_id, "household": att.household_id, "site": att.site_id,
        "service": att.service_id,
    }
    # Which grains already hold this person (with any household, with this one) and
    # this household: the new ones add a person or a household to the counts.
    person_seen: set[tuple[int, int, int]] = set()
    pair_seen: set[tuple[int, int, int]] = set()
    for months, site_id, service_id, household_id in db.rows(_PERSON_GRAINS, params):
        person_seen.add((months, site_id, service_id))
        if household_id == att.household_id:
            pair_seen.add((months, site_id, service_id))
    household_seen = {tuple(r) for r in db.rows(_HOUSEHOLD_GRAINS, params)}
    for i, (months, by_site, by_service) in enumerate(_GRAINS):
        grain = (months, att.site_id if by_site else 0, att.service_id if by_service else 0)
        params[f"n{i}"] = 0 if grain in pair_seen else 1
        params[f"p{i}"] = 0 if grain in person_seen else 1
        params[f"h{i}"] = 0 if grain in household_seen else 1
    db.run(_ADD_HOUSEHOLD_GRAINS, params)
    db.run(_ADD_TOTAL_GRAINS, params)
    db.run(_UPSERT_ROLLUP, params)
    note_support(db, person_id=att.person_id, household_id=att.household_id,
                 on=att.local_date)


def note_support(s: Db | Any, *, person_id: int, household_id: int, on: dt.date) -> None:
    """Remember the first day a person and their household were supported."""
    db = Db.of(s)
    db.run(_UPSERT_FIRST, {"person": person_id, "on": on})
    db.run(_UPSERT_HOUSEHOLD_FIRST, {"household": household_id, "on": on})
