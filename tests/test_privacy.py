"""Data protection: retention purge keeps past figures, subject access covers every table,
erasure leaves no trace in the database file, withdrawing consent is one action."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from admin.cli import main
from schema.cards import issue_card
from schema.counting import Period, report
from schema.db import read_session, run_in_transaction
from schema.demo import load_demo
from schema.feedback import leave_feedback
from schema.people import NewPerson, register_household
from schema.privacy import (
    checkpoint,
    due_for_purge,
    erase,
    person_tables,
    purge,
    subject_access,
    withdraw_consent,
    write_subject_access,
)
from schema.referrals import get_or_create_partner, log_referral
from schema.settings import set_setting
from tests.helpers import ACTOR, World, local

TODAY = dt.date(2026, 11, 22)


def every_figure(engine: Engine, periods: list[Period]) -> list[dict[str, object]]:
    out = []
    with read_session(engine) as s:
        for period in periods:
            rep = report(s, period)
            figures = rep.to_json()
            figures["by_age_band"] = {k: v.as_dict() for k, v in rep.by_age_band.items()}
            figures["by_district"] = {k: v.as_dict() for k, v in rep.by_district.items()}
            figures["by_status"] = rep.referrals.by_status
            out.append(figures)
    return out


def test_purge_keeps_every_past_figure(engine: Engine) -> None:
    load_demo(engine, seed=5, today=TODAY)
    months = [Period.month(y, m) for y, m in
              ((2026, 5), (2026, 6), (2026, 7), (2026, 8), (2026, 9), (2026, 10), (2026, 11))]
    periods = [*months, Period.quarter(2026, 3), Period(dt.date(2026, 5, 1), TODAY),
               Period(dt.date(2026, 6, 17), dt.date(2026, 9, 3))]
    before = every_figure(engine, periods)
    run_in_transaction(engine, lambda s: set_setting(s, key="retention_months", value="6",
                                                     actor=ACTOR))
    later = TODAY + dt.timedelta(days=150)  # five months on: many are past six months
    with read_session(engine) as s:
        due = due_for_purge(s, today=later)
    assert len(due) > 10
    dry = run_in_transaction(engine, lambda s: purge(s, actor=ACTOR, dry_run=True, today=later))
    assert dry == due
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM person WHERE anonymised_at IS NOT NULL")
                         ).scalar() == 0
    done = run_in_transaction(engine, lambda s: purge(s, actor=ACTOR, today=later))
    assert done == due
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM person WHERE anonymised_at IS NOT NULL "
                              "AND first_name = ''")).scalar() == len(due)
        assert s.execute(text("SELECT COUNT(*) FROM card c JOIN person p ON p.id = c.person_id "
                              "WHERE p.anonymised_at IS NOT NULL")).scalar() == 0
    assert every_figure(engine, periods) == before
    # Nobody is purged twice.
    assert run_in_transaction(engine, lambda s: purge(s, actor=ACTOR, today=later)) == []


def _everything_about_one_person(engine: Engine) -> tuple[int, int]:
    w = World(engine)
    (kim,) = w.household("Kim")
    (other,) = w.household("Other")

    def more(s):
        issue_card(s, person_id=kim, actor=ACTOR)
        partner = get_or_create_partner(s, "Housing")
        log_referral(s, person_id=kim, partner_id=partner.id, reason="Damp", actor=ACTOR,
                     at=local(2026, 3, 2))
        leave_feedback(s, topic="Safety", text="Stair light", site_id=None, actor=ACTOR,
                       person_id=kim)
        register_household(s, members=[NewPerson("Consenting", "Adult", 1980)], actor=ACTOR,
                           consent_version="1")
    w.tx(more)
    w.tx(lambda s: s.execute(text("UPDATE consent SET person_id = :p"), {"p": kim}))
    w.attend([kim, other], local(2026, 3, 1))
    return kim, other


def test_subject_access_covers_every_table_that_refers_to_a_person(engine: Engine,
                                                                    tmp_path: Path) -> None:
    kim, _other = _everything_about_one_person(engine)
    data = run_in_transaction(engine, lambda s: subject_access(s, person_id=kim, actor=ACTOR))
    with read_session(engine) as s:
        tables = person_tables(s)
    assert ("attendance", "person_id") in tables and ("referral", "person_id") in tables
    for table, column in tables:
        key = table if column == "person_id" else f"{table}.{column}"
        assert key in data, f"the subject access export forgets {table}.{column}"
        assert data[key], f"{table}.{column} has rows about this person but none exported"
        assert all(row[column] == kim for row in data[key])
    assert data["person"]["first_name"] == "Kim"
    assert data["household"] and data["audit_event"]
    assert any(e["action"] == "attendance.sign_in" for e in data["audit_event"])
    xlsx, js = write_subject_access(data, tmp_path / "kim")
    book = openpyxl.load_workbook(xlsx)
    assert {"attendance", "referral", "card", "consent", "feedback"} <= set(book.sheetnames)
    assert json.loads(js.read_text())["person"]["id"] == kim
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = "
                              "'privacy.subject_access' AND entity_id = :p"), {"p": kim}
                         ).scalar() == 1


def test_erasure_leaves_no_trace_in_the_database_file(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    w = World(engine)

    def reg(s):
        _h, people = register_household(
            s, members=[NewPerson("Zebediah", "Quartermaine", 1977, phone="07700 900461")],
            postcode="M40 7AB", reference="Flat 99 Quartermaine House", actor=ACTOR,
            consent_version="1")
        pid = people[0].id
        partner = get_or_create_partner(s, "Housing")
        log_referral(s, person_id=pid, partner_id=partner.id, reason="Quartermaine damp",
                     note="Zebediah's landlord", actor=ACTOR, at=local(2026, 3, 2))
        leave_feedback(s, topic="Safety", text="Zebediah says the lift is broken",
                       site_id=None, actor=ACTOR, person_id=pid, given_name="Zebediah Q")
        issue_card(s, person_id=pid, actor=ACTOR)
        return pid

    pid = w.tx(reg)
    w.attend([pid], local(2026, 3, 1))
    period = Period.month(2026, 3)
    with read_session(engine) as s:
        before = report(s, period).to_json()
    path = Path(engine.url.database)
    checkpoint(engine)

    def raw() -> bytes:
        wal = path.with_name(path.name + "-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    assert b"Zebediah" in raw() and b"Quartermaine" in raw()  # the test can fail
    run_in_transaction(engine, lambda s: erase(s, person_id=pid, actor=ACTOR))
    checkpoint(engine)
    content = raw()
    for secret in (b"Zebediah", b"zebediah", b"Quartermaine", b"quartermaine",
                   b"07700900461", b"M40 7AB"):
        assert secret not in content, secret
    with read_session(engine) as s:
        assert report(s, period).to_json() == before
        assert s.execute(text("SELECT postcode_district FROM household h JOIN person p "
                              "ON p.household_id = h.id WHERE p.id = :p"), {"p": pid}
                         ).scalar() == "M40"


def test_withdrawing_consent_is_one_action(engine: Engine) -> None:
    w = World(engine)

    def reg(s):
        _h, people = register_household(s, members=[NewPerson("Ola", "Nowak", 1990)],
                                        actor=ACTOR, consent_version="2026-01")
        return people[0].id

    pid = w.tx(reg)
    w.attend([pid], local(2026, 4, 1))
    with read_session(engine) as s:
        before = report(s, Period.month(2026, 4)).to_json()
    w.tx(lambda s: withdraw_consent(s, person_id=pid, actor=ACTOR))
    with read_session(engine) as s:
        consent = s.execute(text("SELECT notice_version, withdrawn_at FROM consent "
                                 "WHERE person_id = :p"), {"p": pid}).one()
        assert consent[0] == "2026-01" and consent[1] is not None
        person = s.execute(text("SELECT first_name, anonymised_at FROM person WHERE id = :p"),
                           {"p": pid}).one()
        assert person[0] == "" and person[1] is not None
        assert report(s, Period.month(2026, 4)).to_json() == before


def test_privacy_commands(engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    kim, other = _everything_about_one_person(engine)
    db = ["--database", engine.url.render_as_string(hide_password=False)]
    assert main([*db, "sar", str(kim), "-o", str(tmp_path / "sar")]) == 0
    assert (tmp_path / "sar.xlsx").exists() and (tmp_path / "sar.json").exists()
    assert main([*db, "sar", "999999", "-o", str(tmp_path / "x")]) == 2
    assert "no person #999999" in capsys.readouterr().err
    assert main([*db, "purge", "--dry-run"]) == 0
    assert "would be anonymised" in capsys.readouterr().out
    assert main([*db, "withdraw", str(other)]) == 0
    assert main([*db, "erase", str(kim)]) == 0
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM person WHERE anonymised_at IS NOT NULL")
                         ).scalar() == 2


@pytest.mark.parametrize(("first", "last", "typed", "label"), [
    ("Amira Khan", "Khan", "Ami", "Amira K. (1990)"),  # a whole name in the first-name field
    ("Amira  Khan Begum", "", "Ami", "Amira (1990)"),
    ("Khan, Amira", "Khan", "Kha", "Khan K. (1990)"),
    ("Amira/Sam", "Okafor", "Ami", "Amira O. (1990)"),
    ("Amira (Khan)", "Khan", "Ami", "Amira K. (1990)"),
    ("Mary-Jane", "O'Neill", "Mar", "Mary-Jane O. (1990)"),
    ("D'Arcy", "van der Berg", "D'Ar", "D'Arcy V. (1990)"),
    ("Sam", "'t Hooft", "Sam", "Sam T. (1990)"),
])
def test_find_me_shows_one_word_of_a_first_name_and_the_surname_initial(
        engine: Engine, first: str, last: str, typed: str, label: str) -> None:
    """DESIGN 4.2: "Sam W. (1988)" at most on the kiosk, whatever the admin window or an
    import stored in either name field."""
    from schema.people import find_me

    run_in_transaction(engine, lambda s: register_household(
        s, members=[NewPerson(first, last, 1990)], actor=ACTOR))
    with read_session(engine) as s:
        (found,) = find_me(s, first_name=typed, hint="1990")
    assert found.label == label
    shown = found.label.replace(".", " ").replace("(", " ").split()
    stored = [w for w in (first + " " + last).replace(",", " ").replace("/", " ")
              .replace("(", " ").replace(")", " ").split() if len(w) > 1]
    assert {w for w in stored if w in shown} == {label.split()[0]}  # no other word of it


@pytest.mark.parametrize(("first", "last", "typed", "hint"), [
    ("Zoë", "Brown", "Zoe", "1985"),
    ("José", "Núñez", "Jose", "Nunez"),
    ("Siobhán", "O'Neill", "Siobhan", "ONeill"),
    ("Siobhán", "O'Neill", "siobhan", "O Neill"),
    ("Siobhán", "O’Neill", "Sio", "O'Ne"),
    ("Mary-Jane", "Smith-Jones", "Mary Jane", "Smith J"),
    ("Zoe", "Brown", "Zoë", "1985"),
])
def test_find_me_matches_names_however_accents_and_apostrophes_are_typed(
        engine: Engine, first: str, last: str, typed: str, hint: str) -> None:
    """The kiosk's keyboard has no accents and the office's has: Zoë finds herself by
    typing Zoe, and O'Neill by ONeill, O Neill or O’Neill."""
    from schema.people import find_me

    run_in_transaction(engine, lambda s: register_household(
        s, members=[NewPerson(first, last, 1985)], actor=ACTOR))
    with read_session(engine) as s:
        (found,) = find_me(s, first_name=typed, hint=hint)
    assert found.label.startswith(first.split("-")[0][:2])


def test_a_hint_that_folds_to_nothing_finds_no_one(engine: Engine) -> None:
    from schema.people import find_me

    run_in_transaction(engine, lambda s: register_household(
        s, members=[NewPerson("Samira", "Okafor", 1985)], actor=ACTOR))
    with read_session(engine) as s:
        assert find_me(s, first_name="Samira", hint="'") == []
        assert find_me(s, first_name="Samira", hint="-") == []
        assert find_me(s, first_name="S'a", hint="1985") == []  # (two letters: "sa")


def test_staff_search_tells_namesakes_apart_by_year_initial_and_district(
        engine: Engine) -> None:
    """Staff mode: three Sarahs. A year born or a surname's initial picks one out, and
    one registered at the kiosk (no household reference) shows her postcode district."""
    from schema.people import staff_search

    def reg(s):
        register_household(s, members=[NewPerson("Sarah", "Smith", 1988)], actor=ACTOR,
                           reference="BF-014")
        register_household(s, members=[NewPerson("Sarah", "Khan", 1990)], actor=ACTOR)
        register_household(s, members=[NewPerson("Sarah", "Jones", 1985)], actor=ACTOR,
                           postcode="M40 1AA")
        # A name of digits (as an import once brought one in): found by it, like any name.
        register_household(s, members=[NewPerson("00", "A", None)], actor=ACTOR)

    run_in_transaction(engine, reg)
    with read_session(engine) as s:
        def labels(query: str) -> list[str]:
            return [m.label for m in staff_search(s, query=query)]

        assert labels("Sarah 1988") == ["Sarah Smith (1988) · BF-014"]
        assert labels("Sarah 19") == labels("Sarah")  # (a year half typed: not yet a word)
        assert labels("00") == ["00 A"]
        assert labels("Sarah K") == ["Sarah Khan (1990)"]
        assert labels("Sarah") == ["Sarah Jones (1985) · M40", "Sarah Khan (1990)",
                                   "Sarah Smith (1988) · BF-014"]
        assert labels("1988") == []  # a year alone picks out nobody
        assert labels("S") == []  # nor one letter alone
