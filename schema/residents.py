"""The kiosk's people operations on plain DB-API: register, add a member, find-me.

Written once against :class:`~schema.sql.Db`, so the kiosk runs them without loading
SQLAlchemy; the admin window and the tests call the same functions with a SQLModel
session. Rows come back as frozen dataclasses with the table's column names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schema import journal
from schema.cards import card_for_person
from schema.clock import now_utc
from schema.errors import NotFound, Refused
from schema.sql import Db
from schema.text import (
    clean_birth_year,
    clean_name,
    clean_phone,
    clean_postcode,
    clean_text,
    name_key,
)

if TYPE_CHECKING:
    from sqlmodel import Session

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-4", 0, 4),
    ("5-11", 5, 11),
    ("12-17", 12, 17),
    ("18-24", 18, 24),
    ("25-49", 25, 49),
    ("50-64", 50, 64),
    ("65+", 65, 200),
)
ADULT_AGE = 18


@dataclass(frozen=True)
class HouseholdRow:
    """A ``household`` row as read (or just written)."""

    id: int
    reference: str
    postcode: str | None
    postcode_district: str | None
    created_at: dt.datetime
    merged_into_id: int | None = None


@dataclass(frozen=True)
class PersonRow:
    """A ``person`` row as read (or just written)."""

    id: int
    household_id: int
    first_name: str
    last_name: str
    birth_year: int | None
    age_band: str | None
    phone: str | None
    search_name: str
    search_last: str
    created_at: dt.datetime
    merged_into_id: int | None = None
    anonymised_at: dt.datetime | None = None


_PERSON = ("id, household_id, first_name, last_name, birth_year, age_band, phone, "
           "search_name, search_last, created_at, merged_into_id, anonymised_at")
_HOUSEHOLD = "id, reference, postcode, postcode_district, created_at, merged_into_id"


def _person_row(r: tuple[Any, ...]) -> PersonRow:
    created = Db.moment(r[9])
    assert created is not None
    return PersonRow(id=r[0], household_id=r[1], first_name=r[2], last_name=r[3],
                     birth_year=r[4], age_band=r[5], phone=r[6], search_name=r[7],
                     search_last=r[8], created_at=created, merged_into_id=r[10],
                     anonymised_at=Db.moment(r[11]))


def _household_row(r: tuple[Any, ...]) -> HouseholdRow:
    created = Db.moment(r[4])
    assert created is not None
    return HouseholdRow(id=r[0], reference=r[1], postcode=r[2], postcode_district=r[3],
                        created_at=created, merged_into_id=r[5])


@dataclass(frozen=True)
class NewPerson:
    first_name: str
    last_name: str = ""
    birth_year: int | None = None
    phone: str | None = None
    age_band: str | None = None


def _clean_person(p: NewPerson, this_year: int) -> NewPerson:
    band = p.age_band
    if band is not None and band not in {b[0] for b in AGE_BANDS}:
        raise Refused(f"'{band}' is not an age band", code="age_band.invalid", band=band)
    return NewPerson(
        first_name=clean_name(p.first_name),
        last_name=clean_name(p.last_name, field="last name", required=False, code="surname"),
        birth_year=clean_birth_year(p.birth_year, this_year=this_year),
        phone=clean_phone(p.phone),
        age_band=band,
    )


def person(s: Db | Session, person_id: int) -> PersonRow | None:
    """The person with this id (merged and anonymised records too), or None."""
    found = Db.of(s).row(f"SELECT {_PERSON} FROM person WHERE id = :id", {"id": person_id})
    return None if found is None else _person_row(found)


def _live_person(db: Db, person_id: int) -> PersonRow:
    found = person(db, person_id)
    if found is None or found.merged_into_id is not None:
        raise NotFound("that person is not on record", code="person.not_found")
    return found


def _live_household(db: Db, household_id: int) -> HouseholdRow:
    found = db.row(f"SELECT {_HOUSEHOLD} FROM household WHERE id = :id", {"id": household_id})
    if found is None or found[5] is not None:
        raise NotFound("that household is not on record", code="household.not_found")
    return _household_row(found)


def register_household(
    s: Db | Session,
    *,
    members: list[NewPerson],
    reference: str = "",
    postcode: str | None = None,
    actor: str,
    staff_id: int | None = None,
    consent_version: str | None = None,
    consent_method: str = "kiosk",
) -> tuple[HouseholdRow, list[PersonRow]]:
    """A new household with its members (the first is the one registering)."""
    if not members:
        raise Refused("a household needs at least one person", code="household.empty")
    db = Db.of(s)
    at = now_utc()
    cleaned = [_clean_person(m, at.year) for m in members]
    pc, district = clean_postcode(postcode)
    ref = clean_text(reference, field="household reference", max_len=200,
                     code="household.reference")
    household_id = db.insert("household", {
        "reference": ref, "postcode": pc, "postcode_district": district, "created_at": at,
        "merged_into_id": None,
    })
    household = HouseholdRow(id=household_id, reference=ref, postcode=pc,
                             postcode_district=district, created_at=at)
    people = [_add_person(db, household_id, m, at) for m in cleaned]
    if consent_version:
        for p in people:
            db.insert("consent", {
                "person_id": p.id, "notice_version": consent_version, "given_at": at,
                "method": consent_method, "withdrawn_at": None,
            })
    journal.record(
        db,
        actor=actor,
        staff_id=staff_id,
        action="household.register",
        entity="household",
        entity_id=household_id,
        people=[p.id for p in people],
    )
    return household, people


def _add_person(db: Db, household_id: int, m: NewPerson, at: dt.datetime) -> PersonRow:
    search_name, search_last = name_key(m.first_name), name_key(m.last_name)
    person_id = db.insert("person", {
        "household_id": household_id, "first_name": m.first_name, "last_name": m.last_name,
        "birth_year": m.birth_year, "age_band": m.age_band, "phone": m.phone,
        "created_at": at, "search_name": search_name, "search_last": search_last,
        "merged_into_id": None, "anonymised_at": None,
    })
    db.insert("household_membership", {
        "person_id": person_id, "household_id": household_id, "valid_from": at,
        "valid_to": None,
    })
    return PersonRow(id=person_id, household_id=household_id, first_name=m.first_name,
                     last_name=m.last_name, birth_year=m.birth_year, age_band=m.age_band,
                     phone=m.phone, search_name=search_name, search_last=search_last,
                     created_at=at)


def add_member(
    s: Db | Session, *, household_id: int, member: NewPerson, actor: str,
    staff_id: int | None = None,
) -> PersonRow:
    """Add a person (a new baby, a partner) to an existing household."""
    db = Db.of(s)
    _live_household(db, household_id)
    at = now_utc()
    added = _add_person(db, household_id, _clean_person(member, at.year), at)
    journal.record(
        db,
        actor=actor,
        staff_id=staff_id,
        action="person.add",
        entity="person",
        entity_id=added.id,
        household=household_id,
    )
    return added


def household_members(s: Db | Session, household_id: int) -> list[PersonRow]:
    """The live people of a household: oldest first, those without a birth year last."""
    rows = Db.of(s).rows(
        f"SELECT {_PERSON} FROM person WHERE household_id = :h "
        "AND merged_into_id IS NULL AND anonymised_at IS NULL "
        "ORDER BY birth_year IS NULL, birth_year, id",
        {"h": household_id},
    )
    return [_person_row(r) for r in rows]


def person_card_brief(s: Db | Session, person_id: int) -> tuple[PersonRow, list[PersonRow], bool]:
    """What the kiosk shows once someone is picked: the person, their household's live
    members, and whether they hold a live card."""
    db = Db.of(s)
    picked = _live_person(db, person_id)
    members = household_members(db, picked.household_id)
    return picked, members, card_for_person(db, person_id) is not None


# --- the kiosk's find-me search (DESIGN 4.2) -----------------------------------------

MIN_LETTERS = 3
MAX_RESULTS = 5
MAX_QUERY = 100  # characters of a search box that are looked at
MAX_WORDS = 8  # words of a staff search that are looked at


@dataclass(frozen=True)
class Match:
    person_id: int
    household_id: int
    label: str  # "Sam W. (1988)": never more than this on the kiosk


# What ends the first word of a name: a space, or a separator a whole name may have been
# written with ("Khan, Amira", "Amira/Sam", "Sam & Jo", "Amira (Khan)"). Hyphens and
# apostrophes belong to the word: "Mary-Jane", "D'Arcy".
_WORD_BREAK = re.compile(r"[\s,;/\\&+()\[\]{}|]+")


def first_word(name: str) -> str:
    """The first word of a name as stored (whatever the admin window or an import put
    there): "Amira" of "Amira Khan", "Mary-Jane" of "Mary-Jane"."""
    return next((w for w in _WORD_BREAK.split(name) if w), "")


def display_label(first_name: str, last_name: str, birth_year: int | None) -> str:
    """"Sam W. (1988)": the most a shared screen or a card shows of anyone — the first
    word of the first name, the surname's initial and the year born (DESIGN 4.2), however
    much of a name was stored in either field."""
    initial = next((ch.upper() for ch in last_name if ch.isalnum()), "")
    return (first_word(first_name) + (f" {initial}." if initial else "")
            + (f" ({birth_year})" if birth_year else ""))


def _like_prefix(value: str) -> str:
    """A LIKE pattern for "starts with ``value``", with its wildcards taken literally
    (for ``LIKE ... ESCAPE '\\'``)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _starts(db: Db, column: str, name: str, key: str, params: dict[str, Any]) -> str:
    """SQL for ``column`` starts with ``key`` — as a range too on SQLite, so the index is
    used (SQLite cannot use one for LIKE 'key%'; PostgreSQL's planner handles LIKE
    itself). Adds its parameters, named after ``name``, to ``params``."""
    params[name] = _like_prefix(key)
    cond = f"{column} LIKE :{name} ESCAPE '\\'"
    if db.dialect == "sqlite":
        params[f"{name}_lo"], params[f"{name}_hi"] = key, key + "\U0010ffff"
        cond += f" AND {column} >= :{name}_lo AND {column} < :{name}_hi"
    return cond


CHILD_BANDS = [b[0] for b in AGE_BANDS if b[2] < ADULT_AGE]


def find_me(
    s: Db | Session, *, first_name: str, hint: str = "", today: dt.date | None = None
) -> list[Match]:
    """Adults whose first name starts with ``first_name`` (3+ letters), narrowed by
    ``hint``: a birth year, or the first letters of the surname.

    Privacy (DESIGN 4.2): nothing for fewer than 3 letters; at most 5 results;
    children are never listed, nor anyone whose age is not known (they may be a child);
    a surname shows only as an initial.
    """
    key = name_key(first_name[:MAX_QUERY])
    if len(key) < MIN_LETTERS:
        return []
    hint = hint.strip()[:MAX_QUERY]
    if not name_key(hint):
        # A first name alone is not enough to pick someone out on a shared screen.
        return []
    db = Db.of(s)
    year_now = (today or now_utc().date()).year
    params: dict[str, Any] = {"adult_born": year_now - ADULT_AGE, "children": CHILD_BANDS,
                              "limit": MAX_RESULTS}
    where = [
        _starts(db, "search_name", "first", key, params),
        "merged_into_id IS NULL",
        "anonymised_at IS NULL",
        # Known to be an adult: by birth year, or (none given) by an adult age band.
        "(birth_year <= :adult_born OR birth_year IS NULL AND age_band IS NOT NULL)",
        "(age_band IS NULL OR age_band NOT IN (:children))",
    ]
    if hint.isascii() and hint.isdigit() and len(hint) == 4:
        where.append("birth_year = :year")
        params["year"] = int(hint)
    else:
        where.append(_starts(db, "search_last", "last", name_key(hint), params))
    rows = db.rows(
        "SELECT id, household_id, first_name, last_name, birth_year FROM person WHERE "
        + " AND ".join(where) + " ORDER BY search_name, search_last, id LIMIT :limit",
        params,
    )
    return [
        Match(person_id=r[0], household_id=r[1], label=display_label(r[2], r[3], r[4]))
        for r in rows
    ]


@dataclass(frozen=True)
class StaffMatch:
    person_id: int
    household_id: int
    label: str  # full name, birth year and household reference: for staff eyes only


def a_year(word: str) -> bool:
    """Whether staff search takes ``word`` as a year born: four digits, 1880 to 2100."""
    return word.isascii() and word.isdigit() and len(word) == 4 and 1880 <= int(word) <= 2100


def staff_search(s: Db | Session, *, query: str, limit: int = 20) -> list[StaffMatch]:
    """People whose first name or surname starts with each word of ``query``: a word of
    two letters or more, or of one with other words ("Sarah K"); a four-digit word is
    the year born ("Sarah 1988").

    For staff mode and the admin window only: it shows full names.
    """
    terms = query[:MAX_QUERY].split()[:MAX_WORDS]
    # A four-digit word is a year born ("Sarah 1988"); with another word, one letter is
    # an initial ("Sarah K"); alone, a word needs two letters.
    years = [int(w) for w in terms if a_year(w)]
    keys = [name_key(w) for w in terms if not (w.isascii() and w.isdigit())]
    if not keys:  # digits alone, not a year: a name, however odd ("00" came in an import)
        keys = [name_key(w) for w in terms if not a_year(w)]
    words = [k for k in keys if k and (len(k) >= 2 or len(terms) > 1)]
    if not words:
        return []
    params: dict[str, Any] = {"limit": limit}
    where = ["p.merged_into_id IS NULL", "p.anonymised_at IS NULL"]
    for i, word in enumerate(words):
        params[f"w{i}"] = _like_prefix(word)
        where.append(f"(p.search_name LIKE :w{i} ESCAPE '\\' "
                     f"OR p.search_last LIKE :w{i} ESCAPE '\\')")
    if years:
        params["year"] = years[0]
        where.append("p.birth_year = :year")
    rows = Db.of(s).rows(
        "SELECT p.id, p.household_id, p.first_name, p.last_name, p.birth_year, h.reference, "
        "h.postcode_district FROM person p JOIN household h ON h.id = p.household_id WHERE "
        + " AND ".join(where) + " ORDER BY p.first_name, p.last_name, p.id LIMIT :limit",
        params,
    )
    out = []
    for pid, hid, first, last, year, ref, district in rows:
        label = f"{first} {last}".strip() + (f" ({year})" if year else "")
        # What tells two Sarah Joneses (1985) apart: the household's reference, or for one
        # registered at the kiosk (no reference) its postcode district.
        if ref or district:
            label += f" · {ref or district}"
        out.append(StaffMatch(person_id=pid, household_id=hid, label=label))
    return out
