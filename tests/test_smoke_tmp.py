import datetime as dt
from schema.db import run_in_transaction, read_session
from schema.people import register_household, NewPerson, find_me
from schema.timetable import get_or_create_site, get_or_create_service, sessions_on_now
from schema.signin import sign_in, scan
from schema.cards import issue_card
from schema.counting import report, Period

def test_smoke(engine):
    def setup(s):
        site = get_or_create_site(s, "Burns Flats Community Room")
        h, people = register_household(s, members=[NewPerson("Sam", "Wilson", 1988), NewPerson("Kai", "Wilson", 2019)], postcode="m40 7ab", actor="t")
        card = issue_card(s, person_id=people[0].id, actor="t")
        return site.id, card.token
    site_id, token = run_in_transaction(engine, setup)
    at = dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC)
    r = run_in_transaction(engine, lambda s: scan(s, token=token, site_id=site_id, actor="t", at=at))
    assert r.outcome == "in"
    r = run_in_transaction(engine, lambda s: scan(s, token=token, site_id=site_id, actor="t", at=at + dt.timedelta(minutes=1)))
    assert r.outcome == "already"
    r = run_in_transaction(engine, lambda s: scan(s, token=token, site_id=site_id, actor="t", at=at + dt.timedelta(hours=1)))
    assert r.outcome == "out"
    with read_session(engine) as s:
        rep = report(s, Period.month(2026, 3))
        print(rep)
        assert rep.individuals == 1 and rep.visits == 1
        assert [m.label for m in find_me(s, first_name="sam", hint="w")] == ["Sam W. (1988)"]
        assert find_me(s, first_name="kai", hint="w") == []
