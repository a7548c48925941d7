"""A small world of sites, services and households for hand-worked counting scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from schema.clock import LONDON, UTC
from schema.counting import Filters, Period, Report, report
from schema.db import read_session, run_in_transaction
from schema.people import NewPerson, register_household
from schema.referrals import get_or_create_partner, log_referral
from schema.signin import sign_in, sign_in_anonymous
from schema.timetable import ensure_session, get_or_create_service, get_or_create_site

ACTOR = "test"


def local(y: int, m: int, d: int, hh: int = 11, mm: int = 0) -> dt.datetime:
    """A London wall-clock time as an aware UTC instant."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(UTC)


class World:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sites: dict[str, int] = {}
        self.services: dict[str, int] = {}

    def tx(self, fn: Any) -> Any:
        return run_in_transaction(self.engine, fn)

    def site(self, name: str) -> int:
        if name not in self.sites:
            self.sites[name] = self.tx(lambda s: get_or_create_site(s, name).id)
        return self.sites[name]

    def service(self, name: str, sensitive: bool = False) -> int:
        if name not in self.services:
            self.services[name] = self.tx(
                lambda s: get_or_create_service(s, name, sensitive=sensitive).id
            )
        return self.services[name]

    def household(self, *names: str, postcode: str | None = None,
                  years: tuple[int | None, ...] = ()) -> list[int]:
        """Register a household; returns its people's ids (household id via .hid)."""
        members = [
            NewPerson(n, "Test", years[i] if i < len(years) else 1980)
            for i, n in enumerate(names)
        ]

        def work(s: Session) -> tuple[int, list[int]]:
            h, people = register_household(s, members=members, postcode=postcode, actor=ACTOR)
            return h.id, [p.id for p in people]  # type: ignore[return-value]

        hid, ids = self.tx(work)
        self.last_household = hid
        return ids

    def session(self, at: dt.datetime, site: str = "Room", service: str = "Coffee") -> int:
        site_id, service_id = self.site(site), self.service(service)
        on = at.astimezone(LONDON).date()
        return self.tx(lambda s: ensure_session(
            s, site_id=site_id, service_id=service_id, on=on, start=dt.time(9),
            end=dt.time(17), kind="timetabled").id)

    def attend(self, people: list[int], at: dt.datetime, site: str = "Room",
               service: str = "Coffee") -> list[int]:
        sid = self.session(at, site, service)
        return self.tx(lambda s: sign_in(s, person_ids=people, session_id=sid, method="card",
                                         actor=ACTOR, at=at))

    def anonymous(self, at: dt.datetime, headcount: int = 1, site: str = "Room",
                  service: str = "Coffee") -> None:
        sid = self.session(at, site, service)
        self.tx(lambda s: sign_in_anonymous(s, session_id=sid, headcount=headcount, actor=ACTOR,
                                            at=at))

    def refer(self, person: int, at: dt.datetime, partner: str = "Housing",
              site: str | None = None, service: str | None = None) -> int:
        site_id = self.site(site) if site else None
        service_id = self.service(service) if service else None

        def work(s: Session) -> int:
            p = get_or_create_partner(s, partner)
            return log_referral(s, person_id=person, partner_id=p.id, reason="help",  # type: ignore[arg-type]
                                site_id=site_id, service_id=service_id, actor=ACTOR, at=at).id

        return self.tx(work)

    def report(self, period: Period, site: str | None = None,
               service: str | None = None) -> Report:
        f = Filters(site_id=self.sites[site] if site else None,
                    service_id=self.services[service] if service else None)
        with read_session(self.engine) as s:
            return report(s, period, f)
