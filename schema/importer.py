"""Importing attendance from a CSV or Excel file (DESIGN section 6).

One row per attendance: a typed-up paper sign-in sheet or a spreadsheet kept
before Dropin. The whole file is checked first; if any row is bad nothing is
written and every bad row is reported as "line 7, column birth_year: ...". A good
file is written in one transaction through the same operations the kiosk uses,
so imported visits are counted exactly like kiosk sign-ins.

Choices made here (the brief is silent on them):

* Sessions: rows for the same site, service and date share one session. An
  existing session of that service at that site on that day (timetabled, one-off,
  or from an earlier import) is reused, so a re-imported sheet does not double
  anyone's named visits; otherwise a one-off session is made from the earliest
  time on the sheet to an hour after the latest (capped at 23:59).
* People: the same household reference + first name + last name (trimmed,
  case-insensitive) is the same person when the birth years agree or either is
  blank; a row without a birth year that could be two people is refused. People
  already in the database are matched the same way through their household's
  reference. A named row needs a household reference.
* Sites are found by name or slug, services and partners by name, all
  case-insensitively, before a new one is created.
* Imported people get no consent record: the organisation's paper sign-in sheet
  carries its own notice.
* Headers may use spaces or hyphens for underscores ("First name").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from schema import audit
from schema.clock import local_date, now_utc, to_utc
from schema.counting import parse_date
from schema.db import run_in_transaction
from schema.errors import DropinError, Refused
from schema.people import NewPerson, add_member, register_household
from schema.referrals import get_or_create_partner, log_referral
from schema.signin import MAX_HEADCOUNT, sign_in, sign_in_anonymous
from schema.tables import Household, Person, ReferralPartner, Service, SessionKind, Site
from schema.tables import Session as SessionRow
from schema.text import (
    clean_birth_year,
    clean_name,
    clean_postcode,
    clean_text,
    search_key,
)
from schema.timetable import ensure_session, get_or_create_service, get_or_create_site, slugify

REQUIRED = ("date", "site", "service", "household", "first_name", "last_name", "birth_year",
            "postcode")
OPTIONAL = ("time", "referred_to", "referral_reason", "count")
COLUMNS = REQUIRED + OPTIONAL
DEFAULT_TIME = dt.time(12, 0)
SESSION_LENGTH = dt.timedelta(hours=1)
MAX_SHOWN = 50  # problems listed in the exception's message; all are in .problems

T = TypeVar("T")


class ImportProblem(Refused):
    """The file cannot be imported; nothing was written.

    ``problems`` holds (line, column, message); line and column are None for a
    problem with the whole file (unreadable, wrong encoding, missing column...).
    """

    def __init__(self, problems: list[tuple[int | None, str | None, str]]) -> None:
        self.problems = problems
        lines = [_describe(*p) for p in problems[:MAX_SHOWN]]
        if len(problems) > MAX_SHOWN:
            lines.append(f"... and {len(problems) - MAX_SHOWN} more problems")
        super().__init__("\n".join(lines), code="import.invalid")

    @classmethod
    def whole_file(cls, message: str) -> ImportProblem:
        return cls([(None, None, message)])


def _describe(line: int | None, column: str | None, message: str) -> str:
    if line is None:
        return message
    return f"line {line}, column {column}: {message}" if column else f"line {line}: {message}"


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    rows: int = 0  # data rows read (blank lines skipped)
    attendances: int = 0  # named attendances written
    anonymous: int = 0  # anonymous head-count, in people
    people_created: int = 0
    households_created: int = 0
    referrals: int = 0
    sites_created: int = 0
    services_created: int = 0
    partners_created: int = 0
    already_recorded: int = 0  # named rows whose person was already in that session
    dry_run: bool = False


# --- reading the file ---------------------------------------------------------------


@dataclass
class _Raw:
    line: int
    cells: dict[str, Any]


def _read_rows(path: Path) -> list[_Raw]:
    """Rows keyed by normalised column name, with their line numbers (header = 1)."""
    name = path.name
    if not path.exists():
        raise ImportProblem.whole_file(f"there is no file at {path}")
    if not path.is_file():
        raise ImportProblem.whole_file(f"{path} is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ImportProblem.whole_file(
            f"{name} is in the old Excel .xls format: save it as .xlsx or CSV UTF-8 first")
    if suffix not in (".csv", ".xlsx"):
        raise ImportProblem.whole_file(f"{name} is not a .csv or .xlsx file")
    try:
        if suffix == ".csv":
            header, body = _read_csv(path)
        else:
            header, body = _read_xlsx(path)
    except OSError as exc:
        raise ImportProblem.whole_file(
            f"cannot read {name}: {exc.strerror or exc}") from None
    return _keyed(name, header, body)


def _read_csv(path: Path) -> tuple[list[Any] | None, Iterator[tuple[int, list[Any]]]]:
    data = path.read_bytes()
    name = path.name
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportProblem.whole_file(
            f"{name} is saved as UTF-16 text: save it as 'CSV UTF-8' and import that")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise ImportProblem.whole_file(f"{name} does not look like a CSV text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblem.whole_file(
            f"{name} is not UTF-8 text (line {line} has a character in another encoding, "
            "such as Windows-1252): save it as 'CSV UTF-8' and import that") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportProblem.whole_file(f"{name}, line 1: the header row is not valid CSV "
                                       f"({exc})") from None

    def body() -> Iterator[tuple[int, list[Any]]]:
        previous = reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportProblem.whole_file(
                    f"{name}, line {previous + 1}: not valid CSV ({exc})") from None
            yield previous + 1, record
            previous = reader.line_num

    return header, body()


def _read_xlsx(path: Path) -> tuple[list[Any] | None, Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise ImportProblem.whole_file(
            f"{path.name} is not a readable Excel .xlsx file ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        return None, iter(())
    return rows[0], ((n, r) for n, r in enumerate(rows[1:], start=2))


def _heading(value: Any) -> str:
    text = "" if value is None else str(value)
    return "_".join(text.strip().lower().replace("-", " ").split())


def _keyed(name: str, header: list[Any] | None,
           body: Iterator[tuple[int, list[Any]]]) -> list[_Raw]:
    if header is None or not any(_cell(v) for v in header):
        raise ImportProblem.whole_file(f"{name} is empty: the first line should be the "
                                       f"column headings ({', '.join(REQUIRED)})")
    headings = [_heading(v) for v in header]
    unknown = [h for h in headings if h and h not in COLUMNS]
    if unknown:
        raise ImportProblem.whole_file(
            f"{name} has unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)}: the columns are {', '.join(COLUMNS)}")
    twice = sorted({h for h in headings if h and headings.count(h) > 1})
    if twice:
        raise ImportProblem.whole_file(
            f"{name} has the column {', '.join(repr(t) for t in twice)} more than once")
    missing = [c for c in REQUIRED if c not in headings]
    if missing:
        raise ImportProblem.whole_file(
            f"{name} has no {', '.join(repr(m) for m in missing)} "
            f"column{'s' if len(missing) > 1 else ''} (required: {', '.join(REQUIRED)})")
    rows: list[_Raw] = []
    for line, record in body:
        if not any(_cell(v) for v in record):
            continue  # blank lines and empty spreadsheet rows
        for i, value in enumerate(record):
            if (i >= len(headings) or not headings[i]) and _cell(value):
                raise ImportProblem.whole_file(
                    f"{name}, line {line}: column {i + 1} has data but no heading")
        cells = {h: (record[i] if i < len(record) else None)
                 for i, h in enumerate(headings) if h}
        rows.append(_Raw(line, cells))
    if not rows:
        raise ImportProblem.whole_file(f"{name} has a header row but no data rows")
    return rows


def _cell(value: Any) -> str:
    """A cell as trimmed text (numbers from Excel without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()


# --- checking the rows -------------------------------------------------------------


@dataclass
class _Row:
    line: int
    date: dt.date
    at_time: dt.time
    site: str
    service: str
    household: str
    first_name: str
    last_name: str
    birth_year: int | None
    postcode: str | None
    count: int
    referred_to: str
    referral_reason: str
    person: _PersonKey | None = None

    @property
    def anonymous(self) -> bool:
        return not self.first_name


@dataclass(eq=False)
class _PersonKey:
    """One person the file speaks of (several rows may name them)."""

    household: str  # search_key of the reference
    first: str
    last: str
    birth_year: int | None
    first_name: str  # as written, for creating them
    last_name: str
    line: int
    person_id: int | None = None


class _Checker:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.problems: list[tuple[int | None, str | None, str]] = []

    def field(self, line: int, column: str, fn: Callable[[], T], default: T) -> T:
        try:
            return fn()
        except Refused as exc:
            self.problems.append((line, column, str(exc)))
            return default

    def bad(self, line: int, column: str | None, message: str) -> None:
        self.problems.append((line, column, message))

    def row(self, raw: _Raw) -> _Row | None:
        line = raw.line
        before = len(self.problems)
        text = {k: _cell(v) for k, v in raw.cells.items()}
        on = self.field(line, "date", lambda: self._date(raw.cells.get("date"), text["date"]),
                        self.today)
        at_time = self.field(line, "time", lambda: _time(raw.cells.get("time"),
                                                         text.get("time", "")), DEFAULT_TIME)
        site = self.field(line, "site", lambda: clean_text(
            text["site"], field="the site", max_len=200, required=True), "")
        service = self.field(line, "service", lambda: clean_text(
            text["service"], field="the service", max_len=200, required=True), "")
        household = self.field(line, "household", lambda: clean_text(
            text["household"], field="the household", max_len=200), "")
        first = self.field(line, "first_name", lambda: clean_name(
            text["first_name"], required=False), "")
        last = self.field(line, "last_name", lambda: clean_name(
            text["last_name"], field="the last name", required=False), "")
        year = self.field(line, "birth_year", lambda: _birth_year(text["birth_year"], on), None)
        postcode = self.field(line, "postcode", lambda: clean_postcode(text["postcode"])[0],
                              None)
        count = self.field(line, "count", lambda: _count(text.get("count", "")), None)
        referred_to = self.field(line, "referred_to", lambda: clean_text(
            text.get("referred_to", ""), field="referred to", max_len=200), "")
        reason = self.field(line, "referral_reason", lambda: clean_text(
            text.get("referral_reason", ""), field="the referral reason", max_len=200), "")
        if not first and not text["first_name"]:
            for column, value in (("last_name", last), ("birth_year", text["birth_year"])):
                if value:
                    self.bad(line, "first_name", f"is blank but {column} is filled in: give a "
                             "first name, or leave the names blank for an anonymous head-count")
                    break
            if referred_to:
                self.bad(line, "referred_to", "a referral needs a named person (first_name is "
                         "blank)")
        elif first:
            if not household and not text["household"]:
                self.bad(line, "household", "is blank: a named person needs a household "
                         "reference, such as a flat number or a family name")
            if count not in (None, 1):
                self.bad(line, "count", f"{count} people on a named row: count is only for "
                         "anonymous head-counts (first_name blank)")
        if referred_to and not reason:
            self.bad(line, "referral_reason", "is blank: say why the person was referred")
        if reason and not referred_to:
            self.bad(line, "referred_to", "is blank but referral_reason is filled in")
        if len(self.problems) > before:
            return None
        return _Row(line, on, at_time, site, service, household, first, last, year, postcode,
                    count or 1, referred_to, reason)

    def _date(self, value: Any, text: str) -> dt.date:
        if isinstance(value, dt.datetime):
            on = value.date()
        elif isinstance(value, dt.date):
            on = value
        elif not text:
            raise Refused("the date is blank", code="import.date_blank")
        else:
            on = parse_date(text)
        if on > self.today:
            raise Refused(f"{on:%d/%m/%Y} is in the future", code="import.date_future")
        if on.year < 2000:
            raise Refused(f"{on:%d/%m/%Y} is too long ago", code="import.date_old")
        return on


def _time(value: Any, text: str) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if not text:
        return DEFAULT_TIME
    parts = text.replace(".", ":").split(":")
    try:
        if len(parts) in (2, 3) and all(p.isdigit() for p in parts) and len(parts[1]) == 2:
            return dt.time(int(parts[0]), int(parts[1]))
    except ValueError:
        pass
    raise Refused(f"'{text[:20]}' is not a time (use HH:MM, such as 10:30)", code="import.time")


def _birth_year(text: str, on: dt.date) -> int | None:
    year = clean_birth_year(text, this_year=now_utc().year)
    if year is not None and year > on.year:
        raise Refused(f"{year} is after the date of the visit", code="import.year_after_visit")
    return year


def _count(text: str) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_HEADCOUNT:
        raise Refused(f"'{text[:20]}' is not a number of people from 1 to {MAX_HEADCOUNT}",
                      code="import.count")
    return int(text)


def _match_people(rows: list[_Row], checker: _Checker) -> None:
    """Give every named row its person: same household, names and (when given) birth year."""
    people: dict[tuple[str, str, str], list[_PersonKey]] = {}
    named = [r for r in rows if not r.anonymous]
    # Rows with a birth year first, so a row without one joins the person it must mean.
    for row in sorted(named, key=lambda r: (r.birth_year is None, r.line)):
        key = (search_key(row.household), search_key(row.first_name), search_key(row.last_name))
        found = people.setdefault(key, [])
        fits = [p for p in found
                if row.birth_year is None or p.birth_year in (None, row.birth_year)]
        if row.birth_year is None and len(fits) > 1:
            years = ", ".join(str(p.birth_year) for p in fits)
            checker.bad(row.line, "birth_year",
                        f"is blank, and {row.household} has more than one {row.first_name} "
                        f"{row.last_name} (born {years}): give the year of birth")
            continue
        if fits:
            person = fits[0]
            if person.birth_year is None:
                person.birth_year = row.birth_year
        else:
            person = _PersonKey(*key, row.birth_year, row.first_name, row.last_name, row.line)
            found.append(person)
        row.person = person


# --- writing -----------------------------------------------------------------------


class _Writer:
    def __init__(self, s: Session, result: ImportResult, actor: str) -> None:
        self.s = s
        self.result = result
        self.actor = actor
        self.sites: dict[str, int] = {}
        self.services: dict[str, int] = {}
        self.partners: dict[str, int] = {}
        self.households: dict[str, int] = {}
        self.sessions: dict[tuple[int, int, dt.date], int] = {}

    def site(self, name: str) -> int:
        key = search_key(name)
        if key not in self.sites:
            found = self.s.exec(
                select(Site).where((func.lower(col(Site.name)) == key)
                                   | (col(Site.slug) == key) | (col(Site.slug) == slugify(name)))
                .order_by(col(Site.id))
            ).first()
            if found is None:
                self.sites[key] = get_or_create_site(self.s, name).id
                self.result.sites_created += 1
            else:
                self.sites[key] = found.id  # type: ignore[assignment]
        return self.sites[key]

    def service(self, name: str) -> int:
        key = search_key(name)
        if key not in self.services:
            # The exact name too: SQL's lower() folds only ASCII, so "ÉCOLE" misses itself.
            found = self.s.exec(select(Service).where((func.lower(col(Service.name)) == key)
                                                      | (col(Service.name) == name))
                                .order_by(col(Service.id))).first()
            if found is None:
                self.services[key] = get_or_create_service(self.s, name).id
                self.result.services_created += 1
            else:
                self.services[key] = found.id  # type: ignore[assignment]
        return self.services[key]

    def partner(self, name: str) -> int:
        key = search_key(name)
        if key not in self.partners:
            found = self.s.exec(
                select(ReferralPartner).where((func.lower(col(ReferralPartner.name)) == key)
                                              | (col(ReferralPartner.name) == name))
                .order_by(col(ReferralPartner.id))).first()
            if found is None:
                self.partners[key] = get_or_create_partner(self.s, name).id
                self.result.partners_created += 1
            else:
                self.partners[key] = found.id  # type: ignore[assignment]
        return self.partners[key]

    def session(self, site_id: int, service_id: int, on: dt.date, times: list[dt.time]) -> int:
        key = (site_id, service_id, on)
        if key not in self.sessions:
            existing = self.s.exec(
                select(SessionRow).where(SessionRow.site_id == site_id)
                .where(SessionRow.service_id == service_id).where(SessionRow.on_date == on)
                .where(col(SessionRow.cancelled).is_(False))
                .order_by(col(SessionRow.start_time), col(SessionRow.id))
            ).first()
            if existing is None:
                start = min(times)
                last = dt.datetime.combine(on, max(times)) + SESSION_LENGTH
                end = last.time() if last.date() == on else dt.time(23, 59)
                if end <= start:
                    end = dt.time(23, 59)
                self.sessions[key] = ensure_session(
                    self.s, site_id=site_id, service_id=service_id, on=on, start=start, end=end,
                    kind=SessionKind.one_off.value).id
            else:
                self.sessions[key] = existing.id  # type: ignore[assignment]
        return self.sessions[key]

    def person(self, row: _Row) -> int:
        p = row.person
        assert p is not None
        if p.person_id is not None:
            return p.person_id
        s = self.s
        household_id = self.households.get(p.household)
        if household_id is None:
            household_id = s.exec(
                select(Household.id).where(func.lower(col(Household.reference)) == p.household)
                .where(col(Household.merged_into_id).is_(None)).order_by(col(Household.id))
            ).first()
        if household_id is not None:
            for person in s.exec(select(Person).where(Person.household_id == household_id)
                                 .where(col(Person.merged_into_id).is_(None))
                                 .where(col(Person.anonymised_at).is_(None))
                                 .order_by(col(Person.id))):
                if (search_key(person.first_name) == p.first
                        and search_key(person.last_name) == p.last
                        and (p.birth_year is None or person.birth_year in (None, p.birth_year))):
                    p.person_id = person.id
                    break
            else:
                new = add_member(s, household_id=household_id, actor=self.actor,
                                 member=NewPerson(p.first_name, p.last_name, p.birth_year))
                p.person_id = new.id
                self.result.people_created += 1
        else:
            household, (new,) = register_household(
                s, members=[NewPerson(p.first_name, p.last_name, p.birth_year)],
                reference=row.household, postcode=row.postcode, actor=self.actor)
            household_id = household.id
            p.person_id = new.id
            self.result.households_created += 1
            self.result.people_created += 1
        self.households[p.household] = household_id
        assert p.person_id is not None
        return p.person_id


def _write(s: Session, rows: list[_Row], result: ImportResult, actor: str, name: str) -> None:
    w = _Writer(s, result, actor)
    times: dict[tuple[str, str, dt.date], list[dt.time]] = {}
    for row in rows:
        times.setdefault((search_key(row.site), search_key(row.service), row.date),
                         []).append(row.at_time)
    # The household's postcode comes from the first row of it that has one.
    postcodes: dict[str, str] = {}
    for row in rows:
        if row.postcode and not row.anonymous:
            postcodes.setdefault(search_key(row.household), row.postcode)
    column = ""
    for row in rows:
        try:
            column = "site"
            site_id = w.site(row.site)
            column = "service"
            service_id = w.service(row.service)
            column = "date"
            session_id = w.session(site_id, service_id, row.date, times[
                (search_key(row.site), search_key(row.service), row.date)])
            at = to_utc(row.date, row.at_time)
            if row.anonymous:
                column = "count"
                sign_in_anonymous(s, session_id=session_id, headcount=row.count, actor=actor,
                                  at=at)
                result.anonymous += row.count
                continue
            column = "first_name"
            row.postcode = row.postcode or postcodes.get(search_key(row.household))
            person_id = w.person(row)
            added = sign_in(s, person_ids=[person_id], session_id=session_id, method="import",
                            actor=actor, at=at)
            result.attendances += len(added)
            result.already_recorded += 1 - len(added)
            if row.referred_to:
                column = "referred_to"
                log_referral(s, person_id=person_id, partner_id=w.partner(row.referred_to),
                             reason=row.referral_reason, site_id=site_id, service_id=service_id,
                             actor=actor, at=at, past=True)
                result.referrals += 1
        except DropinError as exc:
            raise ImportProblem([(row.line, column, str(exc))]) from exc
    audit.record(s, actor=actor, action="import.file", entity="import", file=name,
                 rows=result.rows, attendances=result.attendances, anonymous=result.anonymous,
                 people_created=result.people_created, referrals=result.referrals)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def import_file(engine: Engine, path: Path, *, dry_run: bool = False,
                actor: str = "import") -> ImportResult:
    """Import attendances from a .csv or .xlsx file; all or nothing.

    Raises :class:`ImportProblem` (nothing written) when the file or any row is bad.
    """
    path = Path(path)
    raws = _read_rows(path)
    checker = _Checker(today=local_date(now_utc()))
    rows = [r for r in (checker.row(raw) for raw in raws) if r is not None]
    _match_people(rows, checker)
    if checker.problems:
        raise ImportProblem(sorted(checker.problems, key=lambda p: (p[0] or 0, _order(p[1]))))

    def work(s: Session) -> ImportResult:
        result = ImportResult(rows=len(raws), dry_run=dry_run)
        _write(s, rows, result, actor, path.name)
        if dry_run:
            s.flush()
            raise _DryRun(result)
        return result

    try:
        return run_in_transaction(engine, work)
    except _DryRun as done:
        return done.args[0]


def _order(column: str | None) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


__all__ = ["COLUMNS", "OPTIONAL", "REQUIRED", "ImportProblem", "ImportResult", "import_file"]
