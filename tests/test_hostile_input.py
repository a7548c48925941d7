"""Hostile and odd input (issue 5, point 13): property tests over every field people type.

Names in every script, right-to-left text, combining marks, emoji with joiners, NUL and
control characters, bidi overrides, 10 000-character strings, SQL and spreadsheet-formula
payloads, one-letter and one-part names, whitespace-only text, thrown at the kiosk's and
the admin window's operations, the import, the CLI and the exports. For every value:

* no crash: either it is accepted, or it is refused with ``Refused`` and a clear message;
* what is stored is what cleaning promises (NFC, trimmed, whitespace collapsed, no
  control characters) and is exactly what search, lists and exports give back;
* a refusal changes nothing: the row count of every table is the same afterwards;
* no exported cell is a formula.

One SQLite database per module (not per example); examples accumulate in it, and each
refusal is checked against the row counts of every table. ``test_total_cases`` (last)
prints how many cases were generated and checks there were at least 10 000.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import json
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from admin.cli import main as cli_main
from schema.clock import LONDON, UTC, now_utc
from schema.counting import Filters, Period
from schema.db import make_engine, read_session, run_in_transaction
from schema.errors import DropinError, Refused
from schema.feedback import leave_feedback
from schema.importer import ImportProblem, import_file
from schema.people import (
    AGE_BANDS,
    MAX_QUERY,
    MAX_RESULTS,
    MAX_WORDS,
    NewPerson,
    add_member,
    display_label,
    find_me,
    people_ids,
    register_household,
    staff_search,
    update_person,
)
from schema.privacy import subject_access, write_subject_access
from schema.referrals import get_or_create_partner, log_referral
from schema.residents import a_year, first_word
from schema.settings import get_settings, set_setting
from schema.signin import sign_in
from schema.staff import create_staff
from schema.tables import Feedback, Person, Referral, ReferralPartner, Service, Site, StaffUser
from schema.tally_xlsx import write_tally
from schema.text import (
    birth_year_from,
    clean_birth_year,
    clean_name,
    clean_note,
    clean_phone,
    clean_postcode,
    clean_text,
    name_key,
    search_key,
)
from schema.timetable import (
    ensure_session,
    get_or_create_service,
    get_or_create_site,
    slugify,
)

T = TypeVar("T")
ACTOR = "hostile-test"
CASES: Counter[str] = Counter()  # generated cases per test, printed by test_total_cases
MIN_CASES = 10_000
SCALE = float(os.environ.get("DROPIN_HOSTILE_SCALE", "1"))  # < 1 for a quick look

# --- the hostile strings ------------------------------------------------------------

SAMPLES = [
    # names in other scripts, right to left, combining marks
    "محمد", "عائشة بنت أحمد", "שָׁלוֹם", "דוד כהן", "अर्जुन", "देवनागरी नाम", "王秀英",
    "佐藤 花子", "김민준", "Nguyễn Thị Minh Khai", "Ólafur Ragnar", "Zoë", "Łukasz",
    "Z̷̢̛̙a̴͙̐l̶̰̈g̷̣͋o̸͍͝", "e\u0301", "A\u030a", "\u0301leading mark", "Ω\u0308\u0301",
    # emoji, joiners, flags, skin tones
    "👩\u200d👩\u200d👧", "🏳️\u200d🌈", "👍🏽", "🇬🇧", "a\u200db", "ZW\u200cNJ",
    # NUL, control characters, odd spaces, bidi
    "\x00", "Ann\x00e", "\x07bell", "\x1b[31mred", "\t", "\n", "a\r\nb", "\x7f", "\x85",
    "\x9b31m", "\u202e", "abc\u202edef", "\u2066isolate\u2069", "\u200b", "\ufeffBOM",
    "\u2028", "\u2029", "\u3000", "\u00a0", "a\u00a0\u00a0b", "  two   spaces  ",
    # non-characters and the edges of Unicode
    "\uffff", "\ufffe", "x\ufdd0", "\U0010ffff", "\ue000", "\U0001f600",
    # SQL and LIKE payloads
    "Robert'); DROP TABLE person;--", "' OR 1=1 --", "%", "_", "\\", "%_\\", '"', "''",
    "a%", "a_b",
    # spreadsheet formulas
    '=HYPERLINK("http://evil.example","click")', "=1+1", "+1", "@SUM(1)", "-2+3",
    "=cmd|'/c calc'!A0",
    "\t=1", " =1", "'=1",
    # case folding oddities
    "ß", "İstanbul", "ǅemal", "ﬃ", "ΐ", "ÉCOLE", "ǈ",
    # one letter, one part, empty
    "a", "É", "李", "Madonna", "", " ", "   ", "\t \n",
    # digits of other scripts and superscripts
    "١٢٣٤", "²", "١٩٨٨", "߁߉߈߈", "1988", "34", "0", "-1", "1e3", "99999999999999999999",
]
LONG = ["x" * 10_000, "é" * 10_000, "👩\u200d👩\u200d👧" * 2_000, "ab " * 3_400, "a" * 101,
        "a" * 100, "a" * 200, "a" * 201, "a" * 2001]
SURROGATES = ["\ud800", "a\udfffb"]

_pieces = st.one_of(st.sampled_from(SAMPLES), st.text(max_size=6))


def hostile(max_size: int = 24, surrogates: bool = False) -> st.SearchStrategy[str]:
    """Any Unicode text, the samples above, mixtures of them, the long ones."""
    options = [
        st.text(max_size=max_size),
        st.sampled_from(SAMPLES),
        st.lists(_pieces, min_size=1, max_size=4).map("".join),
        st.sampled_from(LONG),
        st.tuples(st.sampled_from(["", " ", "\u3000", "\t"]), st.sampled_from(SAMPLES),
                  st.sampled_from(["", " ", "\n", "\u00a0"])).map("".join),
    ]
    if surrogates:
        options.append(st.sampled_from(SURROGATES))
    return st.one_of(*options)


_letters = st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo"]), min_size=1,
                   max_size=12)
plausible_name = st.one_of(_letters, st.sampled_from(["Sam", "Ann Marie", "O'Neil", "Zoë"]))
name_field = st.one_of(plausible_name, hostile(surrogates=True))
phone_field = st.one_of(st.none(), st.just(""), st.from_regex(r"\+?[0-9 ]{6,15}", fullmatch=True),
                        hostile())
postcode_field = st.one_of(st.none(), st.sampled_from(["SW1A 1AA", "m40", "e1 6an", "BT1"]),
                           hostile())
year_field = st.one_of(st.none(), st.integers(1890, 2030), st.integers().map(str), hostile())

PROPS = settings(max_examples=900, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow, HealthCheck.filter_too_much])


def props(n: int) -> settings:
    return settings(PROPS, max_examples=max(1, round(n * SCALE)))


# --- what cleaning promises ----------------------------------------------------------

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                       r"\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def outcome(fn: Callable[[], T]) -> tuple[bool, T | str]:
    """(True, value) or (False, the refusal's message)."""
    try:
        return True, fn()
    except Refused as exc:
        return False, str(exc)


def assert_clean_line(value: str, max_len: int) -> None:
    """One line of cleaned text: NFC, trimmed, single spaces, no control characters."""
    assert value == unicodedata.normalize("NFC", value)
    assert value == value.strip()
    assert not re.search(r"\s\s", value) and not re.search(r"[^\S ]", value)
    assert not _CONTROLS.search(value)
    assert len(value) <= max_len


def assert_refusal(message: str) -> None:
    assert isinstance(message, str) and message.strip(), "a refusal must say why"
    assert "Traceback" not in message


def sql_lower(value: str) -> str:
    """What SQLite's (and PostgreSQL's with the C locale) lower() does: ASCII only."""
    return "".join(c.lower() if c.isascii() else c for c in value)


# --- the database: one per module ------------------------------------------------------


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from schema.migrate import upgrade

    path = tmp_path_factory.mktemp("hostile") / "dropin.sqlite3"
    eng = make_engine(f"sqlite:///{path}")
    # Commits need not reach the disk here (after Dropin's own pragmas, which set FULL).
    event.listen(eng, "connect", lambda c, _r: c.execute("PRAGMA synchronous = OFF"))
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def tables(db: Engine) -> list[str]:
    return sorted(t for t in inspect(db).get_table_names() if t != "alembic_version")


def row_counts(engine: Engine, tables: list[str]) -> tuple[int, ...]:
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables)
    with engine.connect() as conn:
        return tuple(conn.execute(text(sql)).one())


def attempt(engine: Engine, tables: list[str], work: Callable[[Session], T]) -> tuple[bool, Any]:
    """Run ``work`` in a transaction; on a refusal, check the database is unchanged."""
    before = row_counts(engine, tables)
    try:
        return True, run_in_transaction(engine, work)
    except DropinError as exc:
        assert_refusal(str(exc))
        assert row_counts(engine, tables) == before, "a refusal changed the database"
        return False, str(exc)


_serial = itertools.count(1)


def unique_word() -> str:
    """A fresh ASCII-letter word, so examples do not collide with each other."""
    n, out = next(_serial), ""
    while True:
        n, r = divmod(n, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[r]
        if not n:
            return "Qz" + out


@pytest.fixture(scope="module")
def household(db: Engine) -> tuple[int, int]:
    """One household with one adult, for the tests that add to or edit a person."""
    def work(s: Session) -> tuple[int, int]:
        h, people = register_household(s, members=[NewPerson("Base", "Person", 1980)],
                                       reference="base", actor=ACTOR)
        return h.id, people[0].id  # type: ignore[return-value]

    return run_in_transaction(db, work)


@pytest.fixture(scope="module")
def seeded(db: Engine) -> dict[str, Any]:
    """Adults and children with odd names sharing prefixes, for the searches."""
    year = now_utc().year
    names = ["Sam", "Samantha", "Sa%m", "Sa_m", "محمد", "王秀英", "Zoë", "ß-Anna", "İlker",
             "👩\u200d👩\u200d👧 Fam", "Robert'); DROP TABLE person;--", "=1+1", "O'Neil", "a",
             "e\u0301mile"]

    def work(s: Session) -> None:
        for name in names:
            register_household(s, members=[
                NewPerson(name, "Adult", 1980),
                NewPerson(name, "Nobirth"),
                NewPerson(name, "Child", year - 8),
                NewPerson(name, "Teen", year - 17),
                NewPerson(name, "Banded", age_band="5-11"),
                NewPerson(name, "Grown", age_band="25-49"),
            ], reference=name[:20], postcode="SW1A 1AA", actor=ACTOR)

    run_in_transaction(db, work)
    return {"names": names, "year": year}


# --- the cleaners (every field goes through one) ---------------------------------------


@props(2000)
@given(value=hostile(surrogates=True), max_len=st.sampled_from([1, 100, 200]),
       required=st.booleans())
def test_cleaners(value: str, max_len: int, required: bool) -> None:
    CASES["cleaners"] += 1
    ok, got = outcome(lambda: clean_text(value, field="field", max_len=max_len,
                                         required=required))
    if ok:
        assert isinstance(got, str)
        assert_clean_line(got, max_len)
        assert got or not required
        assert clean_text(got, field="f", max_len=max_len) == got  # idempotent
    else:
        assert_refusal(got)  # type: ignore[arg-type]
    ok, got = outcome(lambda: clean_note(value))
    if ok:
        assert isinstance(got, str) and got == got.strip() and len(got) <= 4000
        assert got == unicodedata.normalize("NFC", got) and "\r" not in got
        assert not _CONTROLS.search(got.replace("\n", "").replace("\t", ""))
    else:
        assert_refusal(got)  # type: ignore[arg-type]
    for clean in (clean_phone, lambda v: clean_postcode(v)[0],
                  lambda v: clean_birth_year(v, this_year=2026),
                  lambda v: birth_year_from(v, this_year=2026)):
        ok, got = outcome(lambda c=clean: c(value))  # type: ignore[misc]
        if ok and isinstance(got, int):
            assert 2026 - 120 <= got <= 2026
        elif ok and got is not None:
            assert isinstance(got, str) and got.isascii() and got == got.strip()
        elif not ok:
            assert_refusal(got)  # type: ignore[arg-type]


# --- the kiosk's and the admin window's operations ---------------------------------------


@props(1200)
@given(first=name_field, last=name_field, phone=phone_field, postcode=postcode_field,
       year=year_field, reference=st.one_of(st.just(""), hostile()),
       kiosk_year=st.booleans())
def test_register_household(db: Engine, tables: list[str], first: str, last: str,
                            phone: Any, postcode: Any, year: Any, reference: str,
                            kiosk_year: bool) -> None:
    """The kiosk's registration form and the admin window's "new household"."""
    CASES["register_household"] += 1
    this_year = now_utc().year
    if kiosk_year:  # the kiosk's "Year born or age" box
        ok, got = outcome(lambda: birth_year_from(None if year is None else str(year),
                                                  this_year=this_year))
        if not ok:
            assert_refusal(got)  # type: ignore[arg-type]
            return
        year = got
    member = NewPerson(first, last, year, phone)

    def work(s: Session) -> tuple[int, int]:
        h, people = register_household(s, members=[member], reference=reference,
                                       postcode=postcode, actor=ACTOR)
        return h.id, people[0].id  # type: ignore[return-value]

    ok, got = attempt(db, tables, work)
    expected = [outcome(lambda: clean_name(first)),
                outcome(lambda: clean_name(last, field="last name", required=False)),
                outcome(lambda: clean_birth_year(year, this_year=this_year)),
                outcome(lambda: clean_phone(phone)),
                outcome(lambda: clean_postcode(postcode)),
                outcome(lambda: clean_text(reference, field="r", max_len=200))]
    assert ok == all(e[0] for e in expected), (got, expected)
    if not ok:
        return
    hid, pid = got
    (_, e_first), (_, e_last), (_, e_year), (_, e_phone), (_, (e_pc, _)), (_, e_ref) = expected
    assert_clean_line(e_first, 100)  # type: ignore[arg-type]
    assert e_first
    with read_session(db) as s:
        person = s.get(Person, pid)
        assert person is not None
        assert (person.first_name, person.last_name, person.birth_year, person.phone) == (
            e_first, e_last, e_year, e_phone)
        row = s.execute(text("SELECT reference, postcode FROM household WHERE id = :h"),
                        {"h": hid}).one()
        assert tuple(row) == (e_ref, e_pc)
        # Shown in the admin window's list and in staff search exactly as stored.
        assert pid in people_ids(s, query=e_first.split()[0])  # type: ignore[union-attr]
        word = e_first.split()[0]  # type: ignore[union-attr]
        # (searched by its letters and digits, as staff type it; "1988" alone is a year)
        if len(name_key(word)) >= 2 and not a_year(word):
            found = staff_search(s, query=word, limit=10**6)
            label = f"{e_first} {e_last}".strip() + (f" ({e_year})" if e_year else "")
            mine = [m for m in found if m.person_id == pid]
            assert mine and mine[0].label.startswith(label)


@props(700)
@given(first=name_field, last=name_field, year=year_field, phone=phone_field,
       band=st.one_of(st.none(), st.sampled_from([b[0] for b in AGE_BANDS]), hostile()))
def test_add_member(db: Engine, tables: list[str], household: tuple[int, int], first: str,
                    last: str, year: Any, phone: Any, band: str | None) -> None:
    CASES["add_member"] += 1
    hid, _ = household
    member = NewPerson(first, last, year, phone, band)
    ok, got = attempt(db, tables, lambda s: add_member(
        s, household_id=hid, member=member, actor=ACTOR).id)
    if not ok:
        return
    with read_session(db) as s:
        person = s.get(Person, got)
        assert person is not None
        assert person.first_name == clean_name(first)
        assert person.last_name == clean_name(last, field="last name", required=False)
        assert person.search_name == name_key(person.first_name)
        assert person.age_band == band and person.household_id == hid


@props(800)
@given(first=st.one_of(st.none(), name_field), last=st.one_of(st.none(), name_field),
       year=st.one_of(st.just(""), year_field), phone=st.one_of(st.just(""), phone_field))
def test_update_person(db: Engine, tables: list[str], household: tuple[int, int],
                       first: str | None, last: str | None, year: Any, phone: Any) -> None:
    """The admin window's person editor: all or nothing."""
    CASES["update_person"] += 1
    _, pid = household
    fields = ("first_name", "last_name", "birth_year", "phone", "search_name", "search_last")

    def snapshot() -> tuple[Any, ...]:
        with read_session(db) as s:
            p = s.get(Person, pid)
            return tuple(getattr(p, f) for f in fields)

    before = snapshot()
    ok, _ = attempt(db, tables, lambda s: update_person(
        s, person_id=pid, actor=ACTOR, first_name=first, last_name=last, birth_year=year,
        phone=phone))
    after = snapshot()
    if not ok:
        assert after == before, "a refused edit changed the person"
        return
    want = dict(zip(fields, before, strict=True))
    if first is not None:
        want["first_name"] = clean_name(first)
        want["search_name"] = name_key(want["first_name"])
    if last is not None:
        want["last_name"] = clean_name(last, field="last name", required=False)
        want["search_last"] = name_key(want["last_name"])
    if year != "":
        want["birth_year"] = clean_birth_year(year, this_year=now_utc().year)
    if phone != "":
        want["phone"] = clean_phone(phone)
    assert after == tuple(want[f] for f in fields)


@props(900)
@given(topic=st.one_of(st.sampled_from(["Our room", "Safety"]), hostile()),
       body=st.one_of(st.just("The tea is cold"), hostile(surrogates=True),
                      st.text(max_size=300)),
       given_name=st.one_of(st.just(""), hostile()))
def test_leave_feedback(db: Engine, tables: list[str], topic: str, body: str,
                        given_name: str) -> None:
    """The kiosk's "Have your say"."""
    CASES["leave_feedback"] += 1
    ok, got = attempt(db, tables, lambda s: leave_feedback(
        s, topic=topic, text=body, site_id=None, actor=ACTOR, given_name=given_name).id)
    if not ok:
        return
    with read_session(db) as s:
        row = s.get(Feedback, got)
        assert row is not None
        assert row.topic == clean_text(topic, field="t", max_len=100, required=True)
        assert row.text == clean_note(body, max_len=2000) and row.text
        assert row.given_name == clean_text(given_name, field="n", max_len=100)
        assert_clean_line(row.topic, 100)
        assert_clean_line(row.given_name, 100)


@props(800)
@given(partner=st.one_of(st.sampled_from(["Housing", "Food bank"]), hostile()),
       reason=st.one_of(st.just("rent arrears"), hostile()),
       note=st.one_of(st.just(""), hostile(surrogates=True), st.text(max_size=200)))
def test_log_referral(db: Engine, tables: list[str], household: tuple[int, int], partner: str,
                      reason: str, note: str) -> None:
    """Staff refer someone: partner (found or created), reason and note."""
    CASES["log_referral"] += 1
    _, pid = household

    def work(s: Session) -> tuple[int, int]:
        p = get_or_create_partner(s, partner)
        return p.id, log_referral(s, person_id=pid, partner_id=p.id,  # type: ignore[arg-type]
                                  reason=reason, note=note, actor=ACTOR).id

    ok, got = attempt(db, tables, work)
    if not ok:
        return
    partner_id, referral_id = got
    with read_session(db) as s:
        p = s.get(ReferralPartner, partner_id)
        r = s.get(Referral, referral_id)
        assert p is not None and r is not None
        name = clean_text(partner, field="p", max_len=200, required=True)
        assert p.name.casefold() == name.casefold()
        assert r.reason == clean_text(reason, field="r", max_len=200, required=True)
        assert r.note == clean_note(note)
    # Asking again by the same name finds the same partner (never a second one, never a
    # crash on the unique name).
    again = run_in_transaction(db, lambda s: get_or_create_partner(s, partner).id)
    assert again == partner_id


@props(600)
@given(name=st.one_of(st.sampled_from(["Room", "Coffee"]), hostile()))
def test_site_and_service_names(db: Engine, tables: list[str], name: str) -> None:
    """Sites and services typed in the admin window (and by the import)."""
    CASES["site_service"] += 1
    ok, cleaned = outcome(lambda: clean_text(name, field="n", max_len=200, required=True))
    # Known bug (see test_service_name_with_non_ascii_capitals_twice): the case-insensitive
    # lookup in timetable.py lowers ASCII only in SQL, so such names are left out here.
    assume(not ok or sql_lower(cleaned) == cleaned.lower())  # type: ignore[union-attr]
    got = attempt(db, tables, lambda s: (get_or_create_service(s, name).id,
                                         get_or_create_site(s, name).id))
    assert got[0] == ok
    if not ok:
        return
    service_id, site_id = got[1]
    with read_session(db) as s:
        service, site = s.get(Service, service_id), s.get(Site, site_id)
        assert service is not None and site is not None
        # names match whatever the case, as Python folds it ("ß" finds "SS")
        assert service.name.casefold() == cleaned.casefold()  # type: ignore[union-attr]
        assert_clean_line(site.name, 200)
        assert site.slug and len(site.slug) <= 60 and not re.search(r"[\s_]", site.slug)
    assert run_in_transaction(db, lambda s: get_or_create_service(s, name).id) == service_id


@props(250)
@given(name=st.one_of(plausible_name, hostile()),
       pin=st.one_of(st.from_regex(r"[0-9]{4,12}", fullmatch=True), hostile(max_size=8),
                     st.sampled_from(["١٢٣٤", "²²²²", "１２３４", "123", "1234567890123",
                                      " 1234", "12 34"])),
       role=st.one_of(st.sampled_from(["volunteer", "staff", "manager"]), hostile(max_size=8)))
def test_staff_user(db: Engine, tables: list[str], name: str, pin: str, role: str) -> None:
    """The admin window's staff page: name, role, PIN."""
    CASES["staff"] += 1
    ok, got = attempt(db, tables, lambda s: create_staff(s, name=name, role=role, pin=pin,
                                                         actor=ACTOR).id)
    if not ok:
        return
    assert re.fullmatch(r"[0-9]{4,12}", pin), "a PIN the PIN pad cannot type was accepted"
    with read_session(db) as s:
        user = s.get(StaffUser, got)
        assert user is not None and user.role == role
        assert user.name == clean_text(name, field="n", max_len=100, required=True)


@props(300)
@given(key=st.one_of(st.sampled_from(["retention_months", "room_name", "privacy_notice_text",
                                      "collect_phone"]), hostile(max_size=8)),
       value=st.one_of(st.sampled_from(["24", "yes", "no", "²⁴", "١٢", "0x10", " 12 "]),
                       hostile(surrogates=True)))
def test_settings(db: Engine, tables: list[str], key: str, value: str) -> None:
    """The admin window's settings page."""
    CASES["settings"] += 1
    ok, _ = attempt(db, tables, lambda s: set_setting(s, key=key, value=value, actor=ACTOR))
    if ok:
        with read_session(db) as s:
            stored = get_settings(s)[key]
        if key == "retention_months":
            assert re.fullmatch(r"[0-9]+", stored) and 6 <= int(stored) <= 120
        elif key == "room_name":
            assert stored == clean_text(value, field="r", max_len=200)


# --- the searches --------------------------------------------------------------------

search_query = st.one_of(hostile(), st.sampled_from(["Sam", "sam", "SAM", "sa%", "sa_",
                                                     "محم", "王秀英", "ß-a", "i̇lk", "rob",
                                                     "=1+", "o'n", "émi", "e\u0301m"]))
hint_query = st.one_of(st.just(""), st.sampled_from(["A", "ad", "C", "Ch", "t", "1980",
                                                     "19", "%", "_", "١٩٨٠", "²²²²",
                                                     " 1980 "]), hostile(),
                       st.integers(1900, 2030).map(str))


@props(2000)
@given(first=search_query, hint=hint_query)
def test_find_me(db: Engine, seeded: dict[str, Any], first: str, hint: str) -> None:
    """The kiosk's find-me: never a crash, never more than 5, never a child."""
    CASES["find_me"] += 1
    year = seeded["year"]
    children = {b[0] for b in AGE_BANDS if b[2] < 18}
    with read_session(db) as s:
        found = find_me(s, first_name=first, hint=hint)
        assert len(found) <= MAX_RESULTS
        if len(name_key(first[:MAX_QUERY])) < 3 or not name_key(hint):
            assert found == []
        for m in found:
            p = s.get(Person, m.person_id)
            assert p is not None
            assert p.birth_year is None or p.birth_year <= year - 18
            assert p.age_band not in children
            assert p.search_name.startswith(name_key(first[:MAX_QUERY]))
            assert m.label == display_label(p.first_name, p.last_name, p.birth_year)
            shown_first = first_word(p.first_name)  # one word of the name, never more
            assert m.label.startswith(shown_first)
            shown_after_name = m.label[len(shown_first):]
            assert len(p.last_name) <= 1 or p.last_name not in shown_after_name


@props(1500)
@given(query=st.one_of(search_query, st.lists(search_query, max_size=3).map(" ".join)))
def test_staff_search_and_people_list(db: Engine, seeded: dict[str, Any], query: str) -> None:
    """Staff mode's search and the admin window's people list filter."""
    CASES["staff_search"] += 1
    with read_session(db) as s:
        found = staff_search(s, query=query)
        assert len(found) <= 20
        # Only the first MAX_QUERY characters of a search box are looked at.
        words = [name_key(w) for w in query[:MAX_QUERY].split()[:MAX_WORDS]
                 if len(w.strip()) >= 2 and not (w.isascii() and w.isdigit())]
        for m in found:
            p = s.get(Person, m.person_id)
            assert p is not None and p.anonymised_at is None
            for w in words:
                assert p.search_name.startswith(w) or p.search_last.startswith(w)
        ids = people_ids(s, query=query)
        assert len(ids) == len(set(ids))


# --- the import ------------------------------------------------------------------------

IMPORT_COLUMNS = ("date", "site", "service", "household", "first_name", "last_name",
                  "birth_year", "postcode", "time", "referred_to", "referral_reason", "count")


@props(500)
@given(column=st.sampled_from(IMPORT_COLUMNS), value=hostile(),
       second=st.one_of(st.none(), st.tuples(st.sampled_from(IMPORT_COLUMNS), hostile())),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_import_hostile_cells(db: Engine, tables: list[str], column: str, value: str,
                              second: tuple[str, str] | None, delimiter: str) -> None:
    """A CSV sign-in sheet with hostile cells: refused with line and column (nothing
    written), or imported and read back exactly as cleaning promises."""
    CASES["import"] += 1
    word = unique_word()
    row = {"date": "2025-03-04", "site": "Hall", "service": "Lunch", "household": word,
           "first_name": word, "last_name": "Smith", "birth_year": "1980",
           "postcode": "SW1A 1AA", "time": "10:30", "referred_to": "", "referral_reason": "",
           "count": ""}
    row[column] = value
    if second:
        row[second[0]] = second[1]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(IMPORT_COLUMNS)
    writer.writerow([row[c] for c in IMPORT_COLUMNS])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.csv"
        path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
        before = row_counts(db, tables)
        try:
            result = import_file(db, path, actor=ACTOR)
        except ImportProblem as exc:
            assert exc.problems and str(exc).strip()
            for line, col_name, message in exc.problems:
                assert message.strip()
                if line is not None:
                    assert line == 2 and col_name in IMPORT_COLUMNS
            assert row_counts(db, tables) == before, "a refused import wrote something"
            return
    assert result.rows == 1
    row = {k: v.strip() for k, v in row.items()}  # the import trims every cell
    first = clean_name(row["first_name"], required=False)
    if not first:
        assert result.anonymous == 1
        return
    assert result.attendances + result.already_recorded == 1
    with read_session(db) as s:
        # Households are matched by reference whatever its case ("NON" joins an earlier
        # "non"), so the stored reference is compared by its search key.
        reference = search_key(clean_text(row["household"], field="h", max_len=200))
        hits = [h for h in s.execute(text(
            "SELECT p.first_name, p.last_name, p.birth_year, h.reference, h.postcode "
            "FROM person p JOIN household h ON h.id = p.household_id "
            "WHERE p.first_name = :f"), {"f": first}).all()
            if search_key(h[3]) == reference]
        assert hits, "an imported person is not stored as cleaned"
        last = clean_name(row["last_name"], field="l", required=False)
        assert any(h[1].casefold() == last.casefold() for h in hits)
        site = clean_text(row["site"], field="s", max_len=200, required=True)
        if slugify(site) != "site":  # else: test_site_names_without_letters_are_distinct
            names = s.execute(text("SELECT name, slug FROM site")).all()
            assert any(n.casefold() == site.casefold() or slug == slugify(site)
                       for n, slug in names)


# --- the CLI ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_db(db: Engine) -> str:
    return db.url.render_as_string(hide_password=False)


@props(400)
@given(site=st.one_of(st.none(), hostile(surrogates=True)),
       service=st.one_of(st.none(), hostile(surrogates=True)),
       start=st.one_of(st.just("2025-01-01"), hostile()),
       end=st.one_of(st.just("2025-12-31"), hostile()))
def test_cli_report_hostile_arguments(cli_db: str, site: str | None, service: str | None,
                                      start: str, end: str) -> None:
    """``dropin-admin report``: exit 0, or exit 2 with one line and no traceback."""
    CASES["cli_report"] += 1
    assume("\x00" not in (site or "") + (service or "") + start + end)  # argv cannot hold NUL
    argv = ["--database", cli_db, "report", f"--from={start}", f"--to={end}"]
    if site is not None:
        argv.append(f"--site={site}")
    if service is not None:
        argv.append(f"--service={service}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli_main(argv)
        except SystemExit as exc:  # argparse: usage error
            rc = exc.code  # type: ignore[assignment]
    message = err.getvalue()
    assert "Traceback" not in message
    if rc == 0:
        assert "Dropin report" in out.getvalue()
        return
    assert rc == 2, (rc, message)
    lines = message.rstrip("\n").split("\n")
    assert len(lines) == 1 or lines[0].startswith("usage:"), message
    assert lines[-1].startswith("dropin-admin")
    assert len(message) < 2000


# --- the exports -----------------------------------------------------------------------

accepted_name = hostile().filter(
    lambda v: outcome(lambda: clean_text(v, field="n", max_len=100, required=True))[0]
    and sql_lower(clean_text(v, field="n", max_len=100)) == clean_text(
        v, field="n", max_len=100).lower())

_day = itertools.count()


def workbook_cells(path: Path) -> list[Any]:
    book = load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    book.close()
    return cells


@props(120)
@given(site=accepted_name, service=accepted_name, partner=accepted_name, first=accepted_name)
def test_tally_export(db: Engine, site: str, service: str, partner: str, first: str) -> None:
    """The tally workbook shows hostile names exactly, and never as a formula."""
    CASES["tally"] += 1
    on = dt.date(2010, 1, 1) + dt.timedelta(days=next(_day))
    at = dt.datetime.combine(on, dt.time(11), tzinfo=LONDON).astimezone(UTC)

    def work(s: Session) -> tuple[str, str, str, int, int]:
        site_row = get_or_create_site(s, site)
        svc = get_or_create_service(s, service)
        part = get_or_create_partner(s, partner)
        _, people = register_household(s, members=[NewPerson(first, first, 1970)],
                                       actor=ACTOR)
        pid = people[0].id
        sid = ensure_session(s, site_id=site_row.id, service_id=svc.id,  # type: ignore[arg-type]
                             on=on, start=dt.time(9), end=dt.time(17), kind="timetabled").id
        sign_in(s, person_ids=[pid], session_id=sid, method="card",  # type: ignore[list-item]
                actor=ACTOR, at=at)
        log_referral(s, person_id=pid, partner_id=part.id, reason=first,  # type: ignore[arg-type]
                     site_id=site_row.id, service_id=svc.id, actor=ACTOR, at=at)
        return site_row.name, svc.name, part.name, site_row.id, svc.id  # type: ignore[return-value]

    site_name, service_name, partner_name, site_id, service_id = run_in_transaction(db, work)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tally.xlsx"
        write_tally(db, Period(on, on), Filters(site_id=site_id, service_id=service_id), path)
        cells = workbook_cells(path)
    assert all(c.data_type != "f" for c in cells), "a cell of the tally is a formula"
    values = [c.value for c in cells if isinstance(c.value, str)]
    for name in (site_name, service_name, partner_name):
        assert name in values, f"{name!r} is not shown as stored"
    assert any(f"Site: {site_name}" in v for v in values)


@props(40)
@given(first=st.one_of(accepted_name, st.sampled_from(["=1+1", "@SUM(1)", "-2+3", "+1"])),
       last=st.one_of(st.just(""), accepted_name), note=hostile(),
       feedback_name=st.one_of(st.just(""), accepted_name))
def test_subject_access_export(db: Engine, first: str, last: str, note: str,
                               feedback_name: str) -> None:
    """Everything held on a person, as xlsx and JSON: the same strings, no formulas."""
    CASES["subject_access"] += 1
    assume(outcome(lambda: clean_note(note))[0])

    def work(s: Session) -> int:
        _, people = register_household(s, members=[NewPerson(first, last, 1975)],
                                       reference=first, actor=ACTOR)
        pid = people[0].id
        part = get_or_create_partner(s, "Advice")
        log_referral(s, person_id=pid, partner_id=part.id, reason=first,  # type: ignore[arg-type]
                     note=note, actor=ACTOR)
        leave_feedback(s, topic="Safety", text=(clean_note(note) or first)[:2000], site_id=None,
                       actor=ACTOR,
                       person_id=pid, given_name=feedback_name)
        return pid  # type: ignore[return-value]

    pid = run_in_transaction(db, work)
    # Not in run_in_transaction: see the report on privacy.person_tables (it inspects the
    # schema on a second connection, which waits for the first one's write lock).
    with Session(db, expire_on_commit=False) as s:
        data = subject_access(s, person_id=pid, actor=ACTOR)
        s.commit()
    with tempfile.TemporaryDirectory() as folder:
        xlsx, js = write_subject_access(data, Path(folder) / "sar")
        loaded = json.loads(js.read_text(encoding="utf-8"))
        cells = workbook_cells(xlsx)
    assert loaded["person"]["first_name"] == clean_name(first)
    assert loaded["person"]["last_name"] == clean_name(last, required=False)
    assert loaded["referral"][0]["note"] == clean_note(note)
    assert all(c.data_type != "f" for c in cells), "a cell of the export is a formula"
    values = {c.value for c in cells if isinstance(c.value, str)}
    for want in (clean_name(first), clean_note(note), clean_text(feedback_name, field="n",
                                                                 max_len=100)):
        assert not want or want in values, f"{want!r} is not in the export as stored"


# --- bugs these tests found, fixed, and kept as tests ---------------------------------


def test_service_name_with_non_ascii_capitals_twice(sqlite_engine: Engine) -> None:
    ids = {run_in_transaction(sqlite_engine, lambda s: get_or_create_service(s, "ÉCOLE").id)
           for _ in range(2)}
    ids.add(run_in_transaction(sqlite_engine, lambda s: get_or_create_service(s, "école").id))
    assert len(ids) == 1


def test_site_names_without_letters_are_distinct(sqlite_engine: Engine) -> None:
    a = run_in_transaction(sqlite_engine, lambda s: get_or_create_site(s, "😀").name)
    b = run_in_transaction(sqlite_engine, lambda s: get_or_create_site(s, "🎉").name)
    c = run_in_transaction(sqlite_engine, lambda s: get_or_create_site(s, "🎉").name)
    assert (a, b, c) == ("😀", "🎉", "🎉")


def test_find_me_very_long_query(sqlite_engine: Engine) -> None:
    run_in_transaction(sqlite_engine, lambda s: register_household(
        s, members=[NewPerson("ΐa", "a", 1980)], actor=ACTOR))
    with read_session(sqlite_engine) as s:
        assert find_me(s, first_name="ΐ" * 10_000, hint="a") == []
        assert staff_search(s, query="ΐ" * 10_000) == []


def test_find_me_superscript_year(sqlite_engine: Engine) -> None:
    with read_session(sqlite_engine) as s:
        assert find_me(s, first_name="Sam", hint="²²²²") == []


def test_search_with_many_words(sqlite_engine: Engine) -> None:
    run_in_transaction(sqlite_engine, lambda s: register_household(
        s, members=[NewPerson("ab", "ab", 1980)], actor=ACTOR))
    with read_session(sqlite_engine) as s:
        # Only the first words are looked at: no "expression tree too large".
        assert len(staff_search(s, query="ab " * 3_400)) == 1
        assert len(people_ids(s, query="ab " * 3_400)) == 1


# --- the total ---------------------------------------------------------------------------


def test_total_cases(capsys: pytest.CaptureFixture[str]) -> None:
    """Printed whatever the capture setting; checked only when the whole file ran."""
    total = sum(CASES.values())
    with capsys.disabled():
        print(f"\nhostile input: {total} generated cases "
              f"({', '.join(f'{k} {v}' for k, v in sorted(CASES.items()))})")
    if len(CASES) < 15 or SCALE < 1:
        pytest.skip("only part of the file ran")
    assert total >= MIN_CASES
