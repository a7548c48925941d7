"""UK GDPR duties done by the software: consent withdrawal, retention, subject access
and erasure. Past totals never change: a person is anonymised in place (their row,
visits and referrals keep their ids and dates), only what identifies them goes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from schema import audit
from schema.clock import local_date, now_utc
from schema.errors import NotFound
from schema.settings import get_settings
from schema.tables import Consent, Household, Person

ERASED = ""


def _live(s: Session, person_id: int) -> Person:
    person = s.get(Person, person_id)
    if person is None or person.merged_into_id is not None:
        raise NotFound(f"there is no person #{person_id}", code="person.not_found",
                       person_id=person_id)
    return person


def anonymise(s: Session, *, person_id: int, actor: str, staff_id: int | None = None,
              reason: str) -> None:
    """Remove what identifies a person; keep what the counts need.

    Kept: the row and its id, year of birth (age bands of past reports), the
    household link and its postcode district (area breakdowns), dates of visits
    and referrals. Removed: names, phone, full postcode and household reference
    (when nobody identified is left in it), cards, referral reasons and notes,
    feedback text they signed.
    """
    person = _live(s, person_id)
    if person.anonymised_at is not None:
        return
    at = now_utc()
    person.first_name = person.last_name = ERASED
    person.search_name = person.search_last = ""
    person.phone = None
    person.anonymised_at = at
    s.add(person)
    params = {"p": person_id}
    s.execute(text("DELETE FROM card WHERE person_id = :p"), params)
    s.execute(text("UPDATE referral SET reason = '', note = '', outcome_note = '' "
                   "WHERE person_id = :p"), params)
    s.execute(text("UPDATE feedback SET text = '', given_name = '', person_id = NULL "
                   "WHERE person_id = :p"), params)
    household = s.get(Household, person.household_id)
    if household is not None:
        others = s.execute(text(
            "SELECT COUNT(*) FROM person WHERE household_id = :h AND id <> :p "
            "AND anonymised_at IS NULL AND merged_into_id IS NULL"),
            {"h": household.id, "p": person_id}).scalar()
        if not others:
            household.reference = ""
            household.postcode = None  # the district stays, for past area breakdowns
            s.add(household)
            s.execute(text("DELETE FROM card WHERE household_id = :h"), {"h": household.id})
    audit.record(s, actor=actor, staff_id=staff_id, action=f"person.{reason}",
                 entity="person", entity_id=person_id)


def withdraw_consent(s: Session, *, person_id: int, actor: str,
                     staff_id: int | None = None) -> None:
    """One action: consent is marked withdrawn and the person is anonymised, so from now
    on they can only be counted anonymously."""
    _live(s, person_id)
    at = now_utc()
    rows = s.exec(select(Consent).where(Consent.person_id == person_id)
                  .where(col(Consent.withdrawn_at).is_(None))).all()
    for row in rows:
        row.withdrawn_at = at
        s.add(row)
    anonymise(s, person_id=person_id, actor=actor, staff_id=staff_id, reason="withdraw")


def erase(s: Session, *, person_id: int, actor: str, staff_id: int | None = None) -> None:
    """Erasure on request: as anonymisation, plus their consent records' method text."""
    anonymise(s, person_id=person_id, actor=actor, staff_id=staff_id, reason="erase")
    s.execute(text("UPDATE consent SET method = '' WHERE person_id = :p"), {"p": person_id})


def due_for_purge(s: Session, *, months: int | None = None,
                  today: dt.date | None = None) -> list[int]:
    """People not supported for ``months`` (default: the retention setting), oldest first."""
    months = months or int(get_settings(s)["retention_months"])
    today = today or local_date(now_utc())
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    cutoff = dt.date(y, m + 1, min(today.day, 28))
    rows = s.execute(text(
        "SELECT p.id, p.created_at, "
        "(SELECT MAX(a.local_date) FROM attendance a WHERE a.person_id = p.id), "
        "(SELECT MAX(r.local_date) FROM referral r WHERE r.person_id = p.id) "
        "FROM person p WHERE p.anonymised_at IS NULL AND p.merged_into_id IS NULL"
    )).all()
    out = []
    for pid, created, last_visit, last_referral in rows:
        dates = [_as_date(d) for d in (last_visit, last_referral) if d is not None]
        last = max(dates) if dates else _as_date(created)
        if last < cutoff:
            out.append((last, pid))
    return [pid for _last, pid in sorted(out)]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def purge(s: Session, *, actor: str, staff_id: int | None = None, dry_run: bool = False,
          today: dt.date | None = None) -> list[int]:
    """Anonymise everyone past the retention period; returns their ids."""
    ids = due_for_purge(s, today=today)
    if not dry_run:
        for pid in ids:
            anonymise(s, person_id=pid, actor=actor, staff_id=staff_id, reason="purge")
        audit.record(s, actor=actor, staff_id=staff_id, action="privacy.purge",
                     entity="person", count=len(ids))
    return ids


# --- subject access -----------------------------------------------------------------------


def person_tables(s: Session) -> list[tuple[str, str]]:
    """(table, column) for every column that refers to a person, found from the schema
    itself, so a table added later cannot be forgotten by the export."""
    insp = inspect(s.connection())  # the session's own connection: no second one
    out: list[tuple[str, str]] = []
    for table in insp.get_table_names():
        for fk in insp.get_foreign_keys(table):
            if fk["referred_table"] == "person" and table != "person":
                out.extend((table, column) for column in fk["constrained_columns"])
    return sorted(out)


def subject_access(s: Session, *, person_id: int, actor: str,
                   staff_id: int | None = None) -> dict[str, Any]:
    """Everything held on a person: their record, household links, and every row of
    every table that refers to them, plus audit entries about them."""
    person = s.get(Person, person_id)
    if person is None:
        raise NotFound(f"there is no person #{person_id}", code="person.not_found",
                       person_id=person_id)
    data: dict[str, Any] = {
        "made_at": now_utc().isoformat(timespec="seconds"),
        "person": _row(s, "person", "id", person_id)[0],
        "household": _row(s, "household", "id", person.household_id),
    }
    for table, column in person_tables(s):
        key = table if column == "person_id" else f"{table}.{column}"
        data[key] = _row(s, table, column, person_id)
    data["audit_event"] = [
        r for r in _rows(s, "SELECT * FROM audit_event WHERE entity = 'person' AND "
                            "entity_id = :p ORDER BY id", {"p": person_id})
    ] + [
        r for r in _rows(s, "SELECT * FROM audit_event WHERE entity <> 'person' AND "
                            "(detail LIKE :a OR detail LIKE :b OR detail LIKE :c) ORDER BY id",
                         {"a": f'%"person": {person_id}%', "b": f"%[{person_id}]%",
                          "c": f"%[{person_id},%"})
        if _mentions(r.get("detail") or "", person_id)
    ]
    audit.record(s, actor=actor, staff_id=staff_id, action="privacy.subject_access",
                 entity="person", entity_id=person_id)
    return data


def _mentions(detail: str, person_id: int) -> bool:
    try:
        values = json.loads(detail)
    except ValueError:
        return False
    return any(v == person_id or (isinstance(v, list) and person_id in v)
               for v in values.values())


def _rows(s: Session, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = s.execute(text(sql), params)
    keys = list(result.keys())
    return [{k: _plain(v) for k, v in zip(keys, row, strict=True)} for row in result]


def _row(s: Session, table: str, column: str, value: Any) -> list[dict[str, Any]]:
    return _rows(s, f"SELECT * FROM {table} WHERE {column} = :v ORDER BY 1", {"v": value})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def write_subject_access(data: dict[str, Any], path: Path) -> tuple[Path, Path]:
    """The export as a readable workbook (one sheet per kind of record) and as JSON."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from schema.tally_xlsx import put

    path = Path(path)
    json_path = path.with_suffix(".json")
    xlsx_path = path.with_suffix(".xlsx")
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str),
                         encoding="utf-8")
    book = Workbook()
    first = book.active
    first.title = "About this export"
    first.append(["Everything Dropin holds on this person, made on " + data["made_at"]])
    first.append(["Each sheet is one kind of record; an empty sheet means there is none."])
    for key, value in data.items():
        if key == "made_at":
            continue
        rows = value if isinstance(value, list) else [value]
        sheet = book.create_sheet(key.replace(".", " ")[:31])
        headers = list(rows[0]) if rows else ["(nothing held)"]
        for c, header in enumerate(headers, start=1):
            put(sheet, 1, c, header).font = Font(bold=True)
        for r, row in enumerate(rows, start=2):
            for c, header in enumerate(headers, start=1):
                put(sheet, r, c, row.get(header))
        for i, header in enumerate(headers, start=1):
            width = max([len(str(header))] + [len(str(r.get(header) or "")) for r in rows])
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, width + 2)
    book.save(xlsx_path)
    return xlsx_path, json_path


def checkpoint(engine: Engine) -> None:
    """After an erasure: fold SQLite's write-ahead log into the file and empty it, so old
    versions of the erased rows do not linger there (secure_delete zeroes freed space)."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.close()
    finally:
        raw.close()


__all__ = ["anonymise", "due_for_purge", "erase", "person_tables", "purge", "subject_access",
           "withdraw_consent", "write_subject_access"]
