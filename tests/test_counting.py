"""Counting scenarios built by hand (DESIGN section 3), each with its numbers written out."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import text

from schema.counting import Period, rebuild_rollups
from schema.db import read_session, run_in_transaction
from schema.people import merge_households, merge_people, move_person
from schema.signin import sign_in, sign_out
from schema.timetable import sessions_on_now
from tests.helpers import ACTOR, World, local

Q1 = Period.quarter(2026, 1)
JAN, FEB, MAR = (Period.month(2026, m) for m in (1, 2, 3))


def figures(rep):
    return (rep.families, rep.individuals, rep.visits, rep.new_families, rep.new_individuals)


def test_quarter_is_not_the_sum_of_its_months(engine) -> None:
    w = World(engine)
    ann, bob = w.household("Ann", "Bob")
    (cat,) = w.household("Cat")
    for day in [(1, 6), (1, 13), (2, 3), (2, 10), (3, 3), (3, 10)]:
        w.attend([ann, bob, cat], local(2026, *day))
    (dan,) = w.household("Dan")
    w.attend([dan], local(2026, 2, 17))

    #                      families, individuals, visits, new families, new individuals
    assert figures(w.report(JAN)) == (2, 3, 6, 2, 3)
    assert figures(w.report(FEB)) == (3, 4, 7, 1, 1)
    assert figures(w.report(MAR)) == (2, 3, 6, 0, 0)
    # Summing the months would say 7 families and 10 individuals.
    assert figures(w.report(Q1)) == (3, 4, 19, 3, 4)
    assert figures(w.report(Period.year(2026))) == (3, 4, 19, 3, 4)
    # A custom period with ragged ends: 13 Jan - 3 Feb.
    custom = w.report(Period(dt.date(2026, 1, 13), dt.date(2026, 2, 3)))
    assert figures(custom) == (2, 3, 6, 0, 0)
    assert custom.by_service == {"Coffee": custom.by_service["Coffee"]}
    assert custom.by_service["Coffee"].as_dict() == {"families": 2, "individuals": 3, "visits": 6}


def test_person_who_moves_household_counts_with_the_household_of_the_time(engine) -> None:
    w = World(engine)
    (eve,) = w.household("Eve")
    (fay,) = w.household("Fay")
    fay_household = w.last_household
    w.attend([eve], local(2026, 1, 10))
    w.tx(lambda s: move_person(s, person_id=eve, to_household_id=fay_household, actor=ACTOR))
    w.attend([eve, fay], local(2026, 2, 10))

    assert figures(w.report(JAN)) == (1, 1, 1, 1, 1)
    # In February Eve belongs to Fay's household: one family, two people; that
    # household is new in February, Eve is not.
    assert figures(w.report(FEB)) == (1, 2, 2, 1, 1)
    # Over the quarter both households were supported.
    assert figures(w.report(Q1)) == (2, 2, 3, 2, 2)


def test_merge_makes_two_records_one_person(engine) -> None:
    w = World(engine)
    (gus1,) = w.household("Gus")
    h1 = w.last_household
    (gus2,) = w.household("Gus")
    h2 = w.last_household
    w.attend([gus1], local(2026, 1, 5))
    w.attend([gus1, gus2], local(2026, 2, 5))  # both records at one session
    w.attend([gus2], local(2026, 3, 5))

    assert figures(w.report(Q1)) == (2, 2, 4, 2, 2)
    assert figures(w.report(FEB)) == (2, 2, 2, 1, 1)

    w.tx(lambda s: merge_people(s, keep_id=gus1, merge_id=gus2, actor=ACTOR))
    # One person; the double sign-in on 5 Feb is one visit; March stays with
    # the household it was made in.
    assert figures(w.report(Q1)) == (2, 1, 3, 2, 1)
    assert figures(w.report(FEB)) == (1, 1, 1, 0, 0)
    assert figures(w.report(MAR)) == (1, 1, 1, 1, 0)

    w.tx(lambda s: merge_households(s, keep_id=h1, merge_id=h2, actor=ACTOR))
    assert figures(w.report(Q1)) == (1, 1, 3, 1, 1)
    assert figures(w.report(MAR)) == (1, 1, 1, 0, 0)
    # The year roll-up is rebuilt too: 2026 holds exactly the first quarter's support.
    assert figures(w.report(Period.year(2026))) == (1, 1, 3, 1, 1)
    with read_session(engine) as s:
        left = s.execute(text("SELECT COUNT(*) FROM attendance WHERE person_id = :p OR "
                              "household_id = :h"), {"p": gus2, "h": h2}).scalar()
    assert left == 0


def test_referral_alone_is_support(engine) -> None:
    w = World(engine)
    (hal,) = w.household("Hal")
    (ivy,) = w.household("Ivy")
    w.refer(hal, local(2026, 2, 12), partner="Housing")
    w.refer(ivy, local(2026, 2, 13), partner="Beat team", site="Room", service="Beat surgery")
    w.refer(ivy, local(2026, 2, 20), partner="Housing", site="Room", service="Beat surgery")

    feb = w.report(FEB)
    assert figures(feb) == (2, 2, 0, 2, 2)
    assert (feb.referrals.total, feb.referrals.people, feb.referrals.families) == (3, 2, 2)
    assert feb.referrals.by_partner == {"Beat team": 1, "Housing": 2}
    assert feb.referrals.by_status == {"made": 3}
    assert feb.by_service["Beat surgery"].as_dict() == {
        "families": 1, "individuals": 1, "visits": 0}
    assert figures(w.report(JAN)) == (0, 0, 0, 0, 0)
    # Filtered to the site, Hal's referral (made nowhere in particular) drops out.
    assert figures(w.report(FEB, site="Room")) == (1, 1, 0, 1, 1)


def test_anonymous_visits_sit_beside_the_counts(engine) -> None:
    w = World(engine)
    (jo,) = w.household("Jo")
    w.attend([jo], local(2026, 3, 2))
    w.anonymous(local(2026, 3, 2), headcount=3)  # "me + 2 children"
    w.anonymous(local(2026, 3, 9))
    mar = w.report(MAR)
    assert (mar.families, mar.individuals, mar.anonymous_visits, mar.visits) == (1, 1, 4, 5)
    assert mar.by_service["Coffee"].as_dict() == {"families": 1, "individuals": 1, "visits": 5}
    assert w.report(Q1).anonymous_visits == 4


def test_rescan_and_sign_out_never_make_a_second_visit(engine) -> None:
    w = World(engine)
    (kim,) = w.household("Kim")
    at = local(2026, 3, 4, 10)
    assert w.attend([kim], at) == [kim]
    assert w.attend([kim], at + dt.timedelta(minutes=1)) == []  # same session, same day
    site = w.sites["Room"]
    out = w.tx(lambda s: sign_out(s, person_ids=[kim], site_id=site, actor=ACTOR,
                                  at=at + dt.timedelta(hours=2)))
    assert out == [kim]
    assert w.attend([kim], at + dt.timedelta(hours=3)) == [kim]  # back in: the same attendance
    assert figures(w.report(MAR)) == (1, 1, 1, 1, 1)
    w.attend([kim], at, service="Youth club")  # a different session is another visit
    assert w.report(MAR).visits == 2


@pytest.mark.parametrize(
    ("born", "band"),
    [(2022, "0-4"), (2021, "5-11"), (2015, "5-11"), (2014, "12-17"), (2009, "12-17"),
     (2008, "18-24"), (2002, "18-24"), (2001, "25-49"), (1977, "25-49"), (1976, "50-64"),
     (1962, "50-64"), (1961, "65+"), (None, "Unknown")],
)
def test_age_band_boundaries(engine, born: int | None, band: str) -> None:
    w = World(engine)
    (p,) = w.household("Lee", years=(born,))
    w.attend([p], local(2026, 6, 1))
    rep = w.report(Period.year(2026))
    assert {k: v.individuals for k, v in rep.by_age_band.items()} == {band: 1}


def test_breakdowns_are_distinct_within_each_row(engine) -> None:
    w = World(engine)
    mo, ned = w.household("Mo", "Ned", postcode="M40 7AB")
    (oli,) = w.household("Oli", postcode="m9 4ab")
    (pat,) = w.household("Pat")
    w.attend([mo, ned], local(2026, 1, 6), site="Burns", service="Coffee")
    w.attend([mo], local(2026, 1, 7), site="Moss", service="Coffee")
    w.attend([mo, oli], local(2026, 1, 8), site="Moss", service="Youth club")
    w.attend([pat], local(2026, 1, 9), site="Burns", service="Youth club")
    jan = w.report(JAN)
    assert figures(jan) == (3, 4, 6, 3, 4)
    assert {k: v.as_dict() for k, v in jan.by_service.items()} == {
        "Coffee": {"families": 1, "individuals": 2, "visits": 3},
        "Youth club": {"families": 3, "individuals": 3, "visits": 3},
    }
    assert {k: v.as_dict() for k, v in jan.by_site.items()} == {
        "Burns": {"families": 2, "individuals": 3, "visits": 3},
        "Moss": {"families": 2, "individuals": 2, "visits": 3},
    }
    assert {k: (v.families, v.individuals) for k, v in jan.by_district.items()} == {
        "M40": (1, 2), "M9": (1, 1), "Unknown": (1, 1)}
    # Rows add up to more than the total: every row is distinct by itself.
    assert sum(r.individuals for r in jan.by_service.values()) == 5 > jan.individuals
    coffee = w.report(JAN, service="Coffee")
    assert figures(coffee) == (1, 2, 3, 1, 2)
    assert figures(w.report(JAN, site="Moss", service="Youth club")) == (2, 2, 2, 2, 2)


def test_period_cut_at_local_midnight_across_bst(engine) -> None:
    w = World(engine)
    (quin,) = w.household("Quin")
    (rae,) = w.household("Rae")
    site = w.site("Room")

    def kiosk_sign_in(person: int, at: dt.datetime) -> None:
        def work(s):
            (on,) = sessions_on_now(s, site_id=site, at=at)  # General drop-in
            sign_in(s, person_ids=[person], session_id=on.session_id, method="card",
                    actor=ACTOR, at=at)
        run_in_transaction(engine, work)

    # 00:30 on 1 April in London is 23:30 on 31 March in UTC (BST began 29 March).
    kiosk_sign_in(quin, dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC))
    # 23:30 on 31 March in London (BST) is 22:30 UTC: still March.
    kiosk_sign_in(rae, dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC))
    assert w.report(MAR).individuals == 1
    assert w.report(Period.month(2026, 4)).individuals == 1
    # Autumn: 00:30 on 1 October (BST) is 23:30 on 30 September UTC;
    # 00:30 on 1 November (GMT, after the clocks went back on 25 Oct) is 00:30 UTC.
    kiosk_sign_in(quin, dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC))
    kiosk_sign_in(rae, dt.datetime(2026, 11, 1, 0, 30, tzinfo=dt.UTC))
    assert w.report(Period.month(2026, 9)).visits == 0
    assert w.report(Period.month(2026, 10)).visits == 1
    assert w.report(Period.month(2026, 11)).visits == 1
    assert w.report(Period(dt.date(2026, 10, 25), dt.date(2026, 10, 31))).visits == 0


def test_report_matches_brute_force_on_random_history(engine) -> None:
    """Roll-up months plus ragged ends give exactly what counting raw rows gives."""
    rng = random.Random(7)
    w = World(engine)
    people: list[tuple[int, int]] = []
    for i in range(12):
        ids = w.household(*[f"P{i}x{j}" for j in range(rng.randint(1, 3))])
        people += [(p, w.last_household) for p in ids]
    history = []
    day0 = dt.date(2026, 1, 1)
    for _ in range(60):
        on = day0 + dt.timedelta(days=rng.randrange(120))
        group = rng.sample(people, rng.randint(1, 3))
        service = rng.choice(["Coffee", "Youth club"])
        added = w.attend([p for p, _ in group], local(on.year, on.month, on.day), service=service)
        history += [(on, p, h, service) for p, h in group if p in added]
    for _ in range(6):
        on = day0 + dt.timedelta(days=rng.randrange(120))
        p, h = rng.choice(people)
        w.refer(p, local(on.year, on.month, on.day))
        history.append((on, p, h, None))
    first: dict[int, dt.date] = {}
    first_h: dict[int, dt.date] = {}
    for on, p, h, _ in history:
        first[p] = min(first.get(p, on), on)
        first_h[h] = min(first_h.get(h, on), on)
    periods = [Period.month(2026, m) for m in range(1, 5)] + [
        Period.quarter(2026, 1), Period(dt.date(2026, 1, 17), dt.date(2026, 3, 9)),
        Period(dt.date(2026, 2, 2), dt.date(2026, 2, 27)), Period.year(2026)]
    for period in periods:
        rows = [r for r in history if period.start <= r[0] <= period.end]
        expect = (
            len({h for _, _, h, _ in rows}),
            len({p for _, p, _, _ in rows}),
            sum(1 for r in rows if r[3] is not None),
            len({h for _, _, h, _ in rows if first_h[h] >= period.start}),
            len({p for _, p, _, _ in rows if first[p] >= period.start}),
        )
        assert figures(w.report(period)) == expect, period
        coffee = [r for r in rows if r[3] == "Coffee"]
        if coffee:
            got = w.report(period).by_service["Coffee"]
            assert (got.families, got.individuals, got.visits) == (
                len({r[2] for r in coffee}), len({r[1] for r in coffee}), len(coffee))


def test_filtered_and_multi_year_reports_match_brute_force(engine) -> None:
    """Whole years, whole months and ragged days together, with and without filters:
    every headline figure and every service and site row as counting raw rows gives."""
    rng = random.Random(11)
    w = World(engine)
    people: list[tuple[int, int]] = []
    for i in range(10):
        ids = w.household(*[f"Y{i}x{j}" for j in range(rng.randint(1, 3))])
        people += [(p, w.last_household) for p in ids]
    # (date, person, household, site, service, visits); a referral has no visit.
    history: list[tuple[dt.date, int, int, str | None, str | None, int]] = []
    day0 = dt.date(2024, 11, 1)
    for _ in range(70):
        on = day0 + dt.timedelta(days=rng.randrange(520))
        group = rng.sample(people, rng.randint(1, 3))
        site, service = rng.choice(["Burns", "Moss"]), rng.choice(["Coffee", "Youth club"])
        added = w.attend([p for p, _ in group], local(on.year, on.month, on.day), site=site,
                         service=service)
        history += [(on, p, h, site, service, 1) for p, h in group if p in added]
    for _ in range(10):
        on = day0 + dt.timedelta(days=rng.randrange(520))
        p, h = rng.choice(people)
        site_or_none, service_or_none = rng.choice([None, "Burns", "Moss"]), rng.choice(
            [None, "Coffee"])
        w.refer(p, local(on.year, on.month, on.day), site=site_or_none, service=service_or_none)
        history.append((on, p, h, site_or_none, service_or_none, 0))
    first: dict[int, dt.date] = {}
    first_h: dict[int, dt.date] = {}
    for on, p, h, *_ in history:
        first[p] = min(first.get(p, on), on)
        first_h[h] = min(first_h.get(h, on), on)

    def rows_of(rows: list[tuple[dt.date, int, int, str | None, str | None, int]],
                col: int) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for key in {r[col] for r in rows if r[col] is not None}:
            mine = [r for r in rows if r[col] == key]
            out[key] = {"families": len({r[2] for r in mine}),  # type: ignore[index]
                        "individuals": len({r[1] for r in mine}),
                        "visits": sum(r[5] for r in mine)}
        return out

    periods = [
        Period.year(2025),
        Period(dt.date(2024, 11, 15), dt.date(2026, 2, 10)),  # days, months, a year, ...
        Period(dt.date(2024, 12, 1), dt.date(2026, 1, 31)),  # months, a year, a month
        Period(dt.date(2025, 1, 1), dt.date(2026, 3, 31)),
        Period(dt.date(2025, 3, 5), dt.date(2025, 4, 20)),
        Period(dt.date(2024, 11, 1), dt.date(2026, 4, 30)),
    ]
    for period in periods:
        for site, service in [(None, None), ("Burns", None), (None, "Coffee"),
                              ("Moss", "Youth club")]:
            rows = [r for r in history if period.start <= r[0] <= period.end
                    and (site is None or r[3] == site) and (service is None or r[4] == service)]
            expect = (
                len({r[2] for r in rows}),
                len({r[1] for r in rows}),
                sum(r[5] for r in rows),
                len({r[2] for r in rows if first_h[r[2]] >= period.start}),
                len({r[1] for r in rows if first[r[1]] >= period.start}),
            )
            rep = w.report(period, site=site, service=service)
            where = (period, site, service)
            assert figures(rep) == expect, where
            assert {k: v.as_dict() for k, v in rep.by_service.items()} == rows_of(rows, 4), where
            assert {k: v.as_dict() for k, v in rep.by_site.items()} == rows_of(rows, 3), where
            # Nobody moved household: each person is in one age band and one district.
            for breakdown in (rep.by_age_band, rep.by_district):
                assert sum(r.individuals for r in breakdown.values()) == rep.individuals, where
                assert sum(r.visits for r in breakdown.values()) == expect[2], where


def test_unfiltered_totals_agree_with_bands_districts_and_filtered_paths(engine) -> None:
    """Unfiltered totals come from the age band and district rows: a person who moves
    between households in two districts within the month is still one individual, and
    both households count; a service nobody used has no row."""
    w = World(engine)
    (gus, kid) = w.household("Gus", "Kid", postcode="M14 4AB")
    (uma,) = w.household("Uma", postcode="M15 5CD")
    uma_household = w.last_household
    (vic,) = w.household("Vic")
    w.attend([gus, kid], local(2026, 2, 3), service="Coffee")
    w.attend([gus], local(2026, 2, 5), service="Youth club", site="Moss")
    w.tx(lambda s: move_person(s, person_id=gus, to_household_id=uma_household, actor=ACTOR))
    w.attend([gus, uma], local(2026, 2, 10), service="Coffee")
    w.refer(vic, local(2026, 2, 11), partner="Housing")
    w.refer(kid, local(2026, 2, 12), partner="Housing", site="Moss")

    for period in (FEB, Q1, Period(dt.date(2026, 2, 4), dt.date(2026, 3, 31))):
        rep = w.report(period)
        rows = w.report(period, site="Room"), w.report(period, site="Moss")
        assert rep.individuals == sum(r.individuals for r in rep.by_age_band.values()), period
        assert rep.families == sum(r.families for r in rep.by_district.values()), period
        assert rep.visits == sum(r.visits for r in rep.by_district.values()), period
        assert rep.visits == sum(r.visits for r in rep.by_site.values()), period
        for site_rep, name in zip(rows, ("Room", "Moss"), strict=True):
            got = rep.by_site.get(name)
            want = (site_rep.families, site_rep.individuals, site_rep.visits)
            assert ((got.families, got.individuals, got.visits) if got else (0, 0, 0)) == want
    feb = w.report(FEB)
    # Gus, Kid, Uma and Vic; Gus's first household, Uma's household and Vic's.
    assert figures(feb) == (3, 4, 5, 3, 4)
    assert feb.by_district["M14"].as_dict() == {"families": 1, "individuals": 2, "visits": 3}
    assert feb.by_district["M15"].as_dict() == {"families": 1, "individuals": 2, "visits": 2}
    assert feb.by_district["Unknown"].as_dict() == {"families": 1, "individuals": 1,
                                                    "visits": 0}
    assert set(feb.by_service) == {"Coffee", "Youth club"}
    assert feb.by_service["Coffee"].as_dict() == {"families": 2, "individuals": 3, "visits": 4}
    assert feb.by_site["Moss"].as_dict() == {"families": 1, "individuals": 2, "visits": 1}


def _household_rollup_from_attendance(w: World) -> list[tuple]:
    """Every household_rollup row, counted again from attendance in Python."""
    with w.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT local_date, site_id, service_id, person_id, household_id FROM attendance "
            "WHERE person_id IS NOT NULL")).all()
    cells: dict[tuple, tuple[int, set[int]]] = {}
    for on, site, service, person, household in rows:
        on = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on)[:10])
        for months, start in ((1, on.replace(day=1)), (12, on.replace(month=1, day=1))):
            grains = [(site, 0), (0, service), (0, 0)] + ([(site, service)] if months == 1 else [])
            for g_site, g_service in grains:
                key = (months, start, g_site, g_service, household)
                visits, people = cells.get(key, (0, set()))
                cells[key] = (visits + 1, people | {person})
    return sorted((*k, v, len(p)) for k, (v, p) in cells.items())


def _totals_from_attendance(w: World) -> list[tuple]:
    """Every rollup_total row, counted again from attendance in Python."""
    with w.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT local_date, site_id, service_id, person_id, household_id FROM attendance "
            "WHERE person_id IS NOT NULL")).all()
    cells: dict[tuple, tuple[set[int], set[int], int]] = {}
    for on, site, service, person, household in rows:
        on = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on)[:10])
        for months, start in ((1, on.replace(day=1)), (12, on.replace(month=1, day=1))):
            grains = [(site, 0), (0, service), (0, 0)] + ([(site, service)] if months == 1 else [])
            for g_site, g_service in grains:
                people, households, visits = cells.get((months, start, g_site, g_service),
                                                       (set(), set(), 0))
                cells[(months, start, g_site, g_service)] = (
                    people | {person}, households | {household}, visits + 1)
    return sorted((*k, len(p), len(h), v) for k, (p, h, v) in cells.items())


def _stored_totals(w: World) -> list[tuple]:
    with w.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT months, period_start, site_id, service_id, individuals, families, visits "
            "FROM rollup_total")).all()
    return sorted((m, p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p)[:10]),
                   *rest) for m, p, *rest in rows)


def _stored_household_rollup(w: World) -> list[tuple]:
    with w.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT months, period_start, site_id, service_id, household_id, visits, people "
            "FROM household_rollup")).all()
    return sorted((m, p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p)[:10]),
                   *rest) for m, p, *rest in rows)


def test_districts_and_household_rollup_match_brute_force_when_people_move(engine) -> None:
    """District rows (read from household_rollup) equal counting raw rows, with a person
    in two households of one district in the same month, ragged days and referrals;
    household_rollup and rollup_total stay equal to a recount after sign-ins, moves and
    merges."""
    w = World(engine)
    (ann, bea) = w.household("Ann", "Bea", postcode="M14 4AB")
    (cal,) = w.household("Cal", postcode="M14 9ZZ")
    cal_household = w.last_household
    (dan,) = w.household("Dan", postcode="M15 5CD")
    dan_household = w.last_household
    (eve,) = w.household("Eve")
    w.attend([ann, bea], local(2026, 2, 3), service="Coffee")
    w.attend([ann], local(2026, 2, 4), service="Youth club", site="Moss")
    w.tx(lambda s: move_person(s, person_id=ann, to_household_id=cal_household, actor=ACTOR))
    w.attend([ann, cal], local(2026, 2, 10), service="Coffee")  # same district, new household
    w.tx(lambda s: move_person(s, person_id=ann, to_household_id=dan_household, actor=ACTOR))
    w.attend([ann, dan], local(2026, 2, 20), service="Coffee", site="Moss")
    w.attend([dan], local(2026, 3, 2), service="Coffee")
    w.refer(eve, local(2026, 2, 11), partner="Housing")
    w.refer(bea, local(2026, 3, 12), partner="Housing", site="Moss")
    w.refer(eve, local(2026, 3, 13), partner="Housing", service="Coffee")
    assert _stored_household_rollup(w) == _household_rollup_from_attendance(w)
    assert _stored_totals(w) == _totals_from_attendance(w)

    naive = (
        "SELECT COALESCE(h.postcode_district, 'Unknown'), COUNT(DISTINCT u.household_id), "
        "COUNT(DISTINCT u.person_id), SUM(u.v) FROM ("
        "SELECT person_id, household_id, site_id, service_id, 1 AS v FROM attendance "
        "WHERE person_id IS NOT NULL AND local_date BETWEEN :a AND :b UNION ALL "
        "SELECT person_id, household_id, site_id, service_id, 0 FROM referral "
        "WHERE local_date BETWEEN :a AND :b) u JOIN household h ON h.id = u.household_id "
        "WHERE (CAST(:site AS INTEGER) IS NULL OR u.site_id = :site) GROUP BY 1")
    periods = [FEB, MAR, Q1, Period.year(2026), Period(dt.date(2026, 2, 4), dt.date(2026, 3, 12)),
               Period(dt.date(2026, 2, 1), dt.date(2026, 3, 12))]
    for period in periods:
        for site in (None, "Moss"):
            rep = w.report(period, site=site)
            with w.engine.connect() as conn:
                want = {k: {"families": f, "individuals": i, "visits": v}
                        for k, f, i, v in conn.execute(text(naive), {
                            "a": period.start, "b": period.end,
                            "site": w.site(site) if site else None})}
            got = {k: r.as_dict() for k, r in rep.by_district.items()}
            assert got == want, (period, site)
    assert w.report(FEB).by_district["M14"].as_dict() == {
        "families": 2, "individuals": 3, "visits": 5}

    w.tx(lambda s: merge_households(s, keep_id=dan_household, merge_id=cal_household,
                                    actor=ACTOR))
    assert _stored_household_rollup(w) == _household_rollup_from_attendance(w)
    assert _stored_totals(w) == _totals_from_attendance(w)
    w.tx(lambda s: merge_people(s, keep_id=ann, merge_id=bea, actor=ACTOR))
    assert _stored_household_rollup(w) == _household_rollup_from_attendance(w)
    assert _stored_totals(w) == _totals_from_attendance(w)
    before = _stored_household_rollup(w), _stored_totals(w)
    w.tx(rebuild_rollups)
    assert (_stored_household_rollup(w), _stored_totals(w)) == before
