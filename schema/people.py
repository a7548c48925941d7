"""Households and people: edit, move, merge, the admin window's list and duplicates.

Registration and the kiosk's find-me search live in :mod:`schema.residents` (no
SQLAlchemy) and are re-exported here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text, update
from sqlmodel import Session, col

from schema import audit
from schema.clock import now_utc
from schema.errors import NotFound, Refused
from schema.residents import (  # noqa: F401  (moved to the SQLAlchemy-free module)
    ADULT_AGE,
    AGE_BANDS,
    MAX_QUERY,
    MAX_RESULTS,
    MAX_WORDS,
    MIN_LETTERS,
    HouseholdRow,
    Match,
    NewPerson,
    PersonRow,
    StaffMatch,
    _add_person,
    _clean_person,
    _like_prefix,
    _starts,
    add_member,
    display_label,
    find_me,
    household_members,
    person_card_brief,
    register_household,
    staff_search,
)
from schema.tables import (
    LIVE_PERSON,
    Attendance,
    Card,
    Consent,
    Feedback,
    Household,
    HouseholdMembership,
    Person,
    Referral,
)
from schema.text import (
    clean_birth_year,
    clean_name,
    clean_phone,
    clean_postcode,
    clean_text,
    name_key,
    search_key,
)


def _live_person(s: Session, person_id: int) -> Person:
    person = s.get(Person, person_id)
    if person is None or person.merged_into_id is not None:
        raise NotFound("that person is not on record", code="person.not_found")
    return person


def _live_household(s: Session, household_id: int) -> Household:
    household = s.get(Household, household_id)
    if household is None or household.merged_into_id is not None:
        raise NotFound("that household is not on record", code="household.not_found")
    return household


def update_person(
    s: Session,
    *,
    person_id: int,
    actor: str,
    staff_id: int | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    birth_year: int | str | None = "",
    phone: str | None = "",
) -> Person:
    """Correct a person's details. Arguments left out are unchanged."""
    person = _live_person(s, person_id)
    changed: list[str] = []
    if first_name is not None:
        person.first_name = clean_name(first_name)
        person.search_name = name_key(person.first_name)
        changed.append("first_name")
    if last_name is not None:
        person.last_name = clean_name(last_name, field="last name", required=False,
                                       code="surname")
        person.search_last = name_key(person.last_name)
        changed.append("last_name")
    if birth_year != "":
        person.birth_year = clean_birth_year(birth_year, this_year=now_utc().year)
        changed.append("birth_year")
    if phone != "":
        person.phone = clean_phone(phone)
        changed.append("phone")
    s.add(person)
    audit.record(
        s,
        actor=actor,
        staff_id=staff_id,
        action="person.update",
        entity="person",
        entity_id=person_id,
        fields=changed,
    )
    return person


def update_household(
    s: Session,
    *,
    household_id: int,
    actor: str,
    staff_id: int | None = None,
    reference: str | None = None,
    postcode: str | None = "",
) -> Household:
    household = _live_household(s, household_id)
    if reference is not None:
        household.reference = clean_text(reference, field="household reference", max_len=200,
                                         code="household.reference")
    if postcode != "":
        household.postcode, household.postcode_district = clean_postcode(postcode)
    s.add(household)
    audit.record(
        s,
        actor=actor,
        staff_id=staff_id,
        action="household.update",
        entity="household",
        entity_id=household_id,
    )
    return household


def move_person(
    s: Session,
    *,
    person_id: int,
    to_household_id: int | None,
    actor: str,
    staff_id: int | None = None,
) -> Household:
    """Move a person to another household (or a new one of their own).

    Past attendances and referrals keep the household they had at the time.
    """
    person = _live_person(s, person_id)
    at = now_utc()
    if to_household_id is None:
        old = s.get(Household, person.household_id)
        target = Household(
            reference="", postcode=old.postcode if old else None, created_at=at,
            postcode_district=old.postcode_district if old else None,
        )
        s.add(target)
        s.flush()
    else:
        target = _live_household(s, to_household_id)
    assert target.id is not None
    if target.id == person.household_id:
        raise Refused("that person is already in that household", code="person.same_household")
    s.execute(
        update(HouseholdMembership)
        .where(col(HouseholdMembership.person_id) == person_id)
        .where(col(HouseholdMembership.valid_to).is_(None))
        .values(valid_to=at)
    )
    s.add(HouseholdMembership(person_id=person_id, household_id=target.id, valid_from=at))
    from_id = person.household_id
    person.household_id = target.id
    s.add(person)
    audit.record(
        s,
        actor=actor,
        staff_id=staff_id,
        action="person.move",
        entity="person",
        entity_id=person_id,
        from_household=from_id,
        to_household=target.id,
    )
    return target


def merge_people(
    s: Session, *, keep_id: int, merge_id: int, actor: str, staff_id: int | None = None
) -> Person:
    """Make two records of one person into one, as if they had always been one.

    Every attendance, referral, card, consent and feedback of ``merge_id`` moves to
    ``keep_id``; where both attended the same session only one attendance remains.
    """
    from schema.counting import refresh_person_rollups

    if keep_id == merge_id:
        raise Refused("choose two different people to merge", code="merge.same_person")
    keep = _live_person(s, keep_id)
    gone = _live_person(s, merge_id)
    # Same session twice: keep the earlier sign-in, drop the other.
    dupes = s.execute(
        text(
            "SELECT b.id FROM attendance a JOIN attendance b ON a.session_id = b.session_id "
            "WHERE a.person_id = :keep AND b.person_id = :gone"
        ),
        {"keep": keep_id, "gone": merge_id},
    ).scalars().all()
    if dupes:
        s.execute(text("DELETE FROM attendance WHERE id IN ({})".format(",".join(map(str, dupes)))))
    for table in (Attendance, Referral, Card, Consent, Feedback, HouseholdMembership):
        s.execute(
            update(table).where(col(table.person_id) == merge_id).values(person_id=keep_id)
        )
    if keep.birth_year is None:
        keep.birth_year = gone.birth_year
    if not keep.phone:
        keep.phone = gone.phone
    if len(keep.last_name) < len(gone.last_name):
        keep.last_name, keep.search_last = gone.last_name, gone.search_last
    gone.merged_into_id = keep_id
    gone.first_name, gone.last_name, gone.phone = "", "", None
    gone.search_name = gone.search_last = ""
    s.add_all([keep, gone])
    s.flush()
    refresh_person_rollups(s, [keep_id, merge_id])
    audit.record(
        s,
        actor=actor,
        staff_id=staff_id,
        action="person.merge",
        entity="person",
        entity_id=keep_id,
        merged=merge_id,
        dropped_duplicate_attendances=len(dupes),
    )
    return keep


def merge_households(
    s: Session, *, keep_id: int, merge_id: int, actor: str, staff_id: int | None = None
) -> Household:
    """Make two households one: members, history and cards all move to ``keep_id``."""
    from schema.counting import refresh_household_rollups

    if keep_id == merge_id:
        raise Refused("choose two different households to merge", code="merge.same_household")
    keep = _live_household(s, keep_id)
    gone = _live_household(s, merge_id)
    for table in (Person, Attendance, Referral, Card, HouseholdMembership):
        s.execute(
            update(table).where(col(table.household_id) == merge_id).values(household_id=keep_id)
        )
    if not keep.postcode:
        keep.postcode, keep.postcode_district = gone.postcode, gone.postcode_district
    if not keep.reference:
        keep.reference = gone.reference
    gone.merged_into_id = keep_id
    gone.reference, gone.postcode = "", None
    s.add_all([keep, gone])
    s.flush()
    refresh_household_rollups(s, [keep_id, merge_id])
    audit.record(
        s,
        actor=actor,
        staff_id=staff_id,
        action="household.merge",
        entity="household",
        entity_id=keep_id,
        merged=merge_id,
    )
    return keep


# --- the admin window's people list and duplicate queue ------------------------------

PEOPLE_COLUMNS = ("First name", "Last name", "Born", "Household", "Postcode", "Card",
                  "Last seen")


def people_ids(s: Session, *, query: str = "") -> list[int]:
    """Ids of live people matching ``query`` (name words, or a postcode), in name order.

    Only ids: the admin table fetches the rows it shows (see :func:`people_rows`).
    Without a query this is read from one partial index, so 100 000 people take
    milliseconds.
    """
    where = [f"p.{LIVE_PERSON.replace(' AND ', ' AND p.')}"]
    params: dict[str, object] = {}
    words = [w for w in search_key(query[:MAX_QUERY]).split() if name_key(w)][:MAX_WORDS]
    for i, word in enumerate(words):
        params[f"w{i}"] = _like_prefix(name_key(word))
        params[f"u{i}"] = _like_prefix(word.upper())
        params[f"c{i}"] = "%" + _like_prefix(word.lower())[:-1] + "%"
        where.append(
            f"(p.search_name LIKE :w{i} ESCAPE '\\' OR p.search_last LIKE :w{i} ESCAPE '\\' "
            f"OR EXISTS (SELECT 1 FROM household h WHERE h.id = p.household_id AND "
            f"(h.postcode LIKE :u{i} ESCAPE '\\' OR LOWER(h.reference) LIKE :c{i} ESCAPE '\\')))"
        )
    sql = ("SELECT p.id FROM person p WHERE " + " AND ".join(where)
           + " ORDER BY p.search_name, p.search_last")
    return [row[0] for row in s.connection().execute(text(sql), params)]


def people_rows(s: Session, ids: list[int]) -> dict[int, tuple[object, ...]]:
    """The table columns of :data:`PEOPLE_COLUMNS` for these people (one query)."""
    if not ids:
        return {}
    rows = s.execute(text(
        "SELECT p.id, p.first_name, p.last_name, p.birth_year, "
        "COALESCE(NULLIF(h.reference, ''), '#' || CAST(h.id AS VARCHAR(12))), h.postcode, "
        "EXISTS (SELECT 1 FROM card c WHERE c.person_id = p.id AND c.revoked_at IS NULL), "
        "(SELECT MAX(a.local_date) FROM attendance a WHERE a.person_id = p.id) "
        f"FROM person p JOIN household h ON h.id = p.household_id "
        f"WHERE p.id IN ({','.join(str(int(i)) for i in ids)})"
    )).all()
    return {
        r[0]: (r[1], r[2], r[3] or "", r[4], r[5] or "", "yes" if r[6] else "",
               str(r[7]) if r[7] else "")
        for r in rows
    }


@dataclass(frozen=True)
class DuplicatePair:
    keep_id: int
    merge_id: int
    left: str
    right: str
    reason: str


def _fold(name: str) -> str:
    """A name reduced for comparison: letters only, case-folded, accents stripped."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalpha())


def likely_duplicates(s: Session, *, limit: int = 200) -> list[DuplicatePair]:
    """Pairs of records that are probably one person, for staff to check and merge.

    Three signs: similar first names in one household; the same name and birth
    year in two households; the same person typed two ways ("Jon"/"John",
    "O'Neil"/"Oneil") with the same birth year.
    """
    from difflib import SequenceMatcher

    rows = s.execute(text(
        "SELECT p.id, p.household_id, p.first_name, p.last_name, p.birth_year "
        "FROM person p WHERE p.merged_into_id IS NULL AND p.anonymised_at IS NULL"
    )).all()
    blocks: dict[tuple[object, ...], list[tuple[int, int, str, str, int | None]]] = {}
    for pid, hid, first, last, year in rows:
        blocks.setdefault(("h", hid), []).append((pid, hid, first, last, year))
        if year:
            blocks.setdefault(("y", year, _fold(last)[:1]), []).append(
                (pid, hid, first, last, year))
    seen: set[tuple[int, int]] = set()
    out: list[DuplicatePair] = []
    for key, members in blocks.items():
        if len(members) < 2 or len(members) > 400:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pair = (min(a[0], b[0]), max(a[0], b[0]))
                if pair in seen:
                    continue
                fa, fb = _fold(a[2]), _fold(b[2])
                la, lb = _fold(a[3]), _fold(b[3])
                same_year = a[4] is None or b[4] is None or a[4] == b[4]
                first_close = fa == fb or SequenceMatcher(None, fa, fb).ratio() >= 0.8
                last_close = la == lb or not la or not lb or (la[:1] == lb[:1] and (
                    SequenceMatcher(None, la, lb).ratio() >= 0.8))
                if key[0] == "h":
                    if not (first_close and same_year and last_close):
                        continue
                    reason = "similar names in one household"
                elif fa == fb and la == lb:
                    reason = "same name and year of birth in two households"
                elif first_close and last_close:
                    reason = "the same name typed two ways, same year of birth"
                else:
                    continue
                seen.add(pair)
                ka, kb = (a, b) if a[0] < b[0] else (b, a)
                out.append(DuplicatePair(
                    keep_id=ka[0], merge_id=kb[0],
                    left=f"{ka[2]} {ka[3]} ({ka[4] or '?'}) · household #{ka[1]}",
                    right=f"{kb[2]} {kb[3]} ({kb[4] or '?'}) · household #{kb[1]}",
                    reason=reason))
                if len(out) >= limit:
                    return out
    return out


def person_history(s: Session, person_id: int) -> dict[str, int]:
    """How much history hangs on a record: shown side by side before a merge."""
    counts = {}
    for table in ("attendance", "referral", "card", "consent", "feedback"):
        counts[table] = int(s.execute(
            text(f"SELECT COUNT(*) FROM {table} WHERE person_id = :p"), {"p": person_id}
        ).scalar() or 0)
    return counts
