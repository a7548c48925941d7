"""Importing CSV and Excel sign-in sheets (DESIGN section 6), with hand-worked numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

import schema.importer as importer
from schema.counting import Period, Report, report
from schema.db import read_session, run_in_transaction
from schema.errors import Refused
from schema.importer import ImportProblem, ImportResult, import_file
from schema.people import NewPerson, register_household
from schema.tables import (
    Attendance,
    Household,
    Person,
    Referral,
    ReferralPartner,
    Service,
    Site,
)
from schema.tables import Session as SessionRow

HEADER = ("date,site,service,household,first_name,last_name,birth_year,postcode,time,"
          "referred_to,referral_reason,count")
# Line numbers as a spreadsheet user sees them: the header is line 1.
SHEET = [
    HEADER,
    "2025-01-06,Burns Flats,Coffee morning,Flat 12,Sam,Wilson,1988,M40 7AB,10:15,,,",  # 2
    "2025-01-06,Burns Flats,Coffee morning,Flat 12,Kai,Wilson,2019,,10:15,,,",  # 3
    "2025-01-06,Burns Flats,Coffee morning,,,,,,,,,2",  # 4: two people, no names
    "06/01/2025,burns flats,Housing surgery,flat 12, sam , WILSON ,,,13:30,Housing,Damp,",  # 5
    "2025-01-13,Burns Flats,Coffee morning,Flat 3,Ann,Lee,1950,M9 4QT,,,,",  # 6
    "2025-01-13,Burns Flats,Coffee morning,Flat 12,Sam,Wilson,1988,,,,,",  # 7
    "",  # 8: a blank line is skipped
    "2025-02-03,Moss Lane,Food share,Flat 3,Ann,Lee,1950,,,,,",  # 9
    "2025-02-03,Moss Lane,Food share,,,,,,,,,",  # 10: one person, no name
    "2025-02-03,Moss Lane,Food share,Flat 3,Bob,Lee,1948,,,Citizens Advice,Pension credit,",  # 11
]


def write_csv(tmp_path: Path, lines: list[str], name: str = "sheet.csv",
              encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def figures(rep: Report) -> tuple[int, ...]:
    return (rep.families, rep.individuals, rep.visits, rep.anonymous_visits,
            rep.new_families, rep.new_individuals)


def month(engine: Engine, period: Period) -> Report:
    with read_session(engine) as s:
        return report(s, period)


def counts(engine: Engine) -> dict[str, int]:
    with read_session(engine) as s:
        return {t.__name__: s.exec(select(func.count()).select_from(t)).one()
                for t in (Person, Household, Attendance, Referral, Site, Service,
                          ReferralPartner, SessionRow)}


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_csv_import_and_its_report(engine: Engine, tmp_path: Path) -> None:
    result = import_file(engine, write_csv(tmp_path, SHEET))

    # Sam (lines 2, 5, 7: line 5 has no birth year and other case and spaces), Kai,
    # Ann, Bob; Flat 12 and Flat 3; "burns flats" is the same site as "Burns Flats".
    assert result == ImportResult(
        rows=9, attendances=7, anonymous=3, people_created=4, households_created=2,
        referrals=2, sites_created=2, services_created=3, partners_created=2,
        already_recorded=0, dry_run=False,
    )
    #                                        fam, ind, visits, anon, new fam, new ind
    # January: Sam 3 visits, Kai 1, Ann 1; two anonymous; Sam referred to Housing.
    jan = month(engine, Period.month(2025, 1))
    assert figures(jan) == (2, 3, 7, 2, 2, 3)
    assert jan.by_service["Coffee morning"].as_dict() == {
        "families": 2, "individuals": 3, "visits": 6}
    assert jan.by_service["Housing surgery"].as_dict() == {
        "families": 1, "individuals": 1, "visits": 1}
    assert jan.by_site == {"Burns Flats": jan.by_site["Burns Flats"]}
    assert jan.by_site["Burns Flats"].as_dict() == {"families": 2, "individuals": 3, "visits": 7}
    # Flat 12's postcode comes from line 2; Ann's household from line 6.
    assert {k: v.as_dict() for k, v in jan.by_district.items()} == {
        "M40": {"families": 1, "individuals": 2, "visits": 4},
        "M9": {"families": 1, "individuals": 1, "visits": 1},
    }
    assert (jan.referrals.total, jan.referrals.by_partner) == (1, {"Housing": 1})
    # February: Ann (not new) and Bob (new) of Flat 3 (not new); one anonymous.
    feb = month(engine, Period.month(2025, 2))
    assert figures(feb) == (1, 2, 3, 1, 0, 1)
    assert feb.referrals.by_partner == {"Citizens Advice": 1}
    # The quarter is counted over the whole period: 4 people, 2 families.
    q1 = month(engine, Period.quarter(2025, 1))
    assert figures(q1) == (2, 4, 10, 3, 2, 4)
    assert (q1.referrals.total, q1.referrals.people, q1.referrals.families) == (2, 2, 2)

    with read_session(engine) as s:
        sam = s.exec(select(Person).where(Person.first_name == "Sam")).one()
        assert (sam.last_name, sam.birth_year) == ("Wilson", 1988)
        flat12 = s.exec(select(Household).where(Household.reference == "Flat 12")).one()
        assert (flat12.postcode, flat12.postcode_district) == ("M40 7AB", "M40")
        # One session per site, service and day: 10:15 (earliest) to 13:00 (an hour
        # after the latest row, the 12:00 default of the anonymous line 4).
        coffee = s.exec(select(SessionRow).where(SessionRow.on_date == dt.date(2025, 1, 6))
                        .order_by(col(SessionRow.start_time))).all()
        assert [(r.start_time, r.end_time, r.kind) for r in coffee] == [
            (dt.time(10, 15), dt.time(13, 0), "one-off"),
            (dt.time(13, 30), dt.time(14, 30), "one-off"),
        ]
        sam_visits = s.exec(select(Attendance).where(Attendance.person_id == sam.id)
                            .order_by(col(Attendance.signed_in_at))).all()
        # January is GMT: London wall-clock time is UTC.
        assert [utc(a.signed_in_at) for a in sam_visits] == [
            dt.datetime(2025, 1, 6, 10, 15, tzinfo=dt.UTC),
            dt.datetime(2025, 1, 6, 13, 30, tzinfo=dt.UTC),
            dt.datetime(2025, 1, 13, 12, 0, tzinfo=dt.UTC),
        ]
        assert {a.method for a in sam_visits} == {"import"}
        referral = s.exec(select(Referral).where(Referral.person_id == sam.id)).one()
        assert (referral.reason, referral.local_date) == ("Damp", dt.date(2025, 1, 6))


def test_xlsx_import(engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Date", " Site ", "SERVICE", "Household", "First name", "Last name",
                  "Birth year", "Postcode", "Time", "Count"])
    sheet.append([dt.date(2025, 6, 2), "Moss Lane Hub", "Youth club", "12 Raby St", "Leah",
                  "Brown", 2010, "M14 4SL", dt.time(18, 30), None])
    sheet.append([dt.date(2025, 6, 2), "Moss Lane Hub", "Youth club", "12 Raby St", "Josh",
                  "Brown", 2012, None, dt.time(18, 45), None])
    sheet.append(["09/06/2025", "Moss Lane Hub", "Youth club", "12 raby st", "leah", "brown",
                  2010.0, None, "19:00", None])
    sheet.append([dt.date(2025, 6, 9), "Moss Lane Hub", "Youth club", None, None, None, None,
                  None, dt.time(19, 0), 4])
    sheet.append([None] * 10)
    sheet.append([dt.date(2025, 6, 16), "Moss Lane Hub", "Coffee morning", 7, "Rita", "Patel",
                  1956, "m144sl", "10:05", None])
    path = tmp_path / "june.xlsx"
    book.save(path)

    result = import_file(engine, path)
    assert result == ImportResult(
        rows=5, attendances=4, anonymous=4, people_created=3, households_created=2,
        referrals=0, sites_created=1, services_created=2, dry_run=False,
    )
    # Leah twice, Josh, Rita; four anonymous at the youth club.
    june = month(engine, Period.month(2025, 6))
    assert figures(june) == (2, 3, 8, 4, 2, 3)
    assert june.by_service["Youth club"].as_dict() == {
        "families": 1, "individuals": 2, "visits": 7}
    assert june.by_service["Coffee morning"].as_dict() == {
        "families": 1, "individuals": 1, "visits": 1}
    assert june.by_age_band["12-17"].as_dict() == {"families": 1, "individuals": 2, "visits": 3}
    with read_session(engine) as s:
        leah = s.exec(select(Person).where(Person.first_name == "Leah")).one()
        first = s.exec(select(Attendance).where(Attendance.person_id == leah.id)
                       .order_by(col(Attendance.signed_in_at))).first()
        assert first is not None
        # June is British Summer Time: 18:30 in London is 17:30 UTC.
        assert utc(first.signed_in_at) == dt.datetime(2025, 6, 2, 17, 30, tzinfo=dt.UTC)
        rita = s.exec(select(Household).where(Household.reference == "7")).one()
        assert rita.postcode == "M14 4SL"


def test_same_person_across_imports_and_reimport(engine: Engine, tmp_path: Path) -> None:
    first = import_file(engine, write_csv(tmp_path, SHEET, "a.csv"))
    assert (first.people_created, first.households_created) == (4, 2)

    # A later sheet: Sam again (other case, no birth year), and a new member of Flat 12.
    later = write_csv(tmp_path, [
        "Date,Site,Service,Household,First_Name,Last_Name,Birth_Year,Postcode",
        "2025-03-03,Burns Flats,Coffee morning,FLAT 12,sam,wilson,,",
        "2025-03-03,Burns Flats,Coffee morning,Flat 12,Mia,Wilson,2024,",
    ], "b.csv")
    second = import_file(engine, later)
    assert (second.attendances, second.people_created, second.households_created) == (2, 1, 0)
    assert (second.sites_created, second.services_created) == (0, 0)
    with read_session(engine) as s:
        flat12 = s.exec(select(Household).where(Household.reference == "Flat 12")).one()
        names = s.exec(select(Person.first_name).where(Person.household_id == flat12.id)
                       .order_by(col(Person.id))).all()
        assert names == ["Sam", "Kai", "Mia"]
    mar = month(engine, Period.month(2025, 3))
    assert figures(mar) == (1, 2, 2, 0, 0, 1)  # Sam returning, Mia new

    # The first sheet again: nobody's named visit is counted twice; head-counts are.
    again = import_file(engine, write_csv(tmp_path, SHEET, "a.csv"))
    assert (again.attendances, again.already_recorded, again.anonymous) == (0, 7, 3)
    assert (again.people_created, again.households_created, again.referrals) == (0, 0, 2)
    assert figures(month(engine, Period.month(2025, 1))) == (2, 3, 9, 4, 2, 3)


def test_same_name_twice_in_a_household_needs_a_birth_year(engine: Engine,
                                                           tmp_path: Path) -> None:
    path = write_csv(tmp_path, [
        "date,site,service,household,first_name,last_name,birth_year,postcode",
        "2025-01-06,Room,Coffee morning,Flat 1,Sam,Wilson,1988,",
        "2025-01-06,Room,Coffee morning,Flat 1,Sam,Wilson,2015,",
        "2025-01-13,Room,Coffee morning,Flat 1,Sam,Wilson,,",
    ], encoding="utf-8")  # no byte-order mark
    with pytest.raises(ImportProblem) as caught:
        import_file(engine, path)
    assert [(p[0], p[1]) for p in caught.value.problems] == [(4, "birth_year")]
    assert str(caught.value).startswith("line 4, column birth_year: is blank, and Flat 1 has ")
    assert counts(engine)["Person"] == 0


def test_dry_run_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path, SHEET)
    result = import_file(engine, path, dry_run=True)
    assert result.dry_run is True
    assert (result.rows, result.attendances, result.anonymous, result.people_created,
            result.households_created, result.referrals, result.sites_created,
            result.services_created) == (9, 7, 3, 4, 2, 2, 2, 3)
    assert set(counts(engine).values()) == {0}
    # And the real import afterwards does the same.
    real = import_file(engine, path)
    assert (real.attendances, real.people_created, real.dry_run) == (7, 4, False)


def test_bad_rows_are_reported_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [
        "date,site,service,household,first_name,last_name,birth_year,postcode,count",
        "2025-01-06,,Coffee morning,Flat 1,Sam,Wilson,1988,M40 7AB,",  # 2: no site
        "2025-13-01,Room,Coffee morning,Flat 1,Ann,Lee,1950,,",  # 3
        "2025-01-07,Room,Coffee morning,Flat 2,Bob,Lee,19888,,",  # 4
        "2025-01-07,Room,Coffee morning,Flat 2,Cat,Lee,1990,XYZ 123,",  # 5
        "2025-01-07,Room,Coffee morning,,Dan,Lee,1990,,",  # 6: no household
        "2025-01-07,Room,Coffee morning,,,,,,0",  # 7
        "2025-01-07,Room,Coffee morning,Flat 2,Eve,Lee,1990,,",  # 8: good
    ])
    with pytest.raises(ImportProblem) as caught:
        import_file(engine, path)
    assert caught.value.problems == [
        (2, "site", "the site is required"),
        (3, "date", "'2025-13-01' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
        (4, "birth_year", "19888 is not a possible year of birth"),
        (5, "postcode", "'XYZ 123' is not a UK postcode"),
        (6, "household", "is blank: a named person needs a household reference, such as a "
                         "flat number or a family name"),
        (7, "count", "'0' is not a number of people from 1 to 30"),
    ]
    message = str(caught.value).splitlines()
    assert message[2] == "line 4, column birth_year: 19888 is not a possible year of birth"
    assert len(message) == 6
    assert isinstance(caught.value, Refused)
    assert set(counts(engine).values()) == {0}


def test_failure_while_writing_rolls_everything_back(engine: Engine, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_sign_in = importer.sign_in

    def failing_sign_in(s: Any, **kwargs: Any) -> list[int]:
        calls.append(1)
        if len(calls) == 3:
            raise Refused("the session is full")
        return real_sign_in(s, **kwargs)

    monkeypatch.setattr(importer, "sign_in", failing_sign_in)
    with pytest.raises(ImportProblem) as caught:
        import_file(engine, write_csv(tmp_path, SHEET))
    # The third named row is line 5.
    assert caught.value.problems == [(5, "first_name", "the session is full")]
    assert set(counts(engine).values()) == {0}


def test_matches_households_registered_at_the_kiosk(engine: Engine, tmp_path: Path) -> None:
    def setup(s: Any) -> int:
        _, people = register_household(s, members=[NewPerson("Sam", "Wilson", 1988)],
                                       reference="Flat 12", postcode="M40 7AB", actor="t")
        return people[0].id  # type: ignore[no-any-return]

    sam = run_in_transaction(engine, setup)
    result = import_file(engine, write_csv(tmp_path, [
        "date,site,service,household,first_name,last_name,birth_year,postcode",
        "2025-01-06,Room,Coffee morning,flat 12,SAM,wilson,1988,",
    ]))
    assert (result.attendances, result.people_created, result.households_created) == (1, 0, 0)
    with read_session(engine) as s:
        assert s.exec(select(Attendance.person_id)).all() == [sam]


def one_problem(engine: Engine, path: Path) -> str:
    with pytest.raises(ImportProblem) as caught:
        import_file(engine, path)
    (line, column, message), = caught.value.problems
    assert (line, column) == (None, None)
    assert str(caught.value) == message
    assert "\n" not in message
    return message


def test_file_problems_are_one_line(engine: Engine, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "date,site,service,household,first_name,last_name,birth_year,postcode\n"
        "2025-01-06,Café,Coffee morning,Flat 1,Zoë,Lee,1990,\n".encode("latin-1"))
    assert one_problem(engine, latin) == (
        "latin.csv is not UTF-8 text (line 2 has a character in another encoding, such as "
        "Windows-1252): save it as 'CSV UTF-8' and import that")

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert one_problem(engine, empty).startswith("empty.csv is empty")

    header_only = write_csv(tmp_path, [HEADER], "header.csv")
    assert one_problem(engine, header_only) == "header.csv has a header row but no data rows"

    missing = write_csv(tmp_path, [
        "date,site,service,household,first_name,last_name,birth_year",
        "2025-01-06,Room,Coffee morning,Flat 1,Sam,Lee,1990",
    ], "missing.csv")
    assert one_problem(engine, missing) == (
        "missing.csv has no 'postcode' column (required: date, site, service, household, "
        "first_name, last_name, birth_year, postcode)")

    unknown = write_csv(tmp_path, [
        HEADER + ",Notes,phone",
        "2025-01-06,Room,Coffee morning,Flat 1,Sam,Lee,1990,,,,,,,",
    ], "unknown.csv")
    message = one_problem(engine, unknown)
    assert message.startswith("unknown.csv has unknown columns 'notes', 'phone': the columns")

    assert one_problem(engine, tmp_path / "nowhere.csv") == (
        f"there is no file at {tmp_path / 'nowhere.csv'}")
    assert one_problem(engine, tmp_path) == f"{tmp_path} is a folder, not a file"
    not_excel = tmp_path / "fake.xlsx"
    not_excel.write_text("date,site\n")
    assert one_problem(engine, not_excel).startswith("fake.xlsx is not a readable Excel")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert one_problem(engine, text) == "notes.txt is not a .csv or .xlsx file"
    assert set(counts(engine).values()) == {0}
