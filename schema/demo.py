"""Demo data: a believable pair of estate community rooms with six months of history.

``dropin-admin init --demo`` calls :func:`load_demo`. Everything goes through the
core operations (register, sign in, refer, leave feedback...) in one transaction,
so the demo is counted exactly as real use would be. The same ``seed`` and
``today`` always give the same people, visits and report figures (card tokens and
PIN hashes are random, as they must be).

Demo staff users and their PINs (for trying the kiosk's staff mode and the admin
window; change or remove them before real use):

=============  =========  =====
name           role       PIN
=============  =========  =====
Manager        manager    1234
Hub staff      staff      2468
Volunteer      volunteer  1357
=============  =========  =====
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schema.cards import issue_card
from schema.clock import local_date, now_utc, to_utc
from schema.db import run_in_transaction
from schema.errors import Refused
from schema.feedback import TOPICS, leave_feedback, update_feedback
from schema.people import NewPerson, register_household
from schema.referrals import get_or_create_partner, log_referral, update_referral
from schema.signin import sign_in, sign_in_anonymous, sign_out
from schema.staff import create_staff
from schema.tables import FeedbackStatus, Person, ReferralStatus, Role, Setting
from schema.timetable import add_slot, ensure_session, get_or_create_service, get_or_create_site

ACTOR = "demo"
NOTICE_VERSION = "2026-01"
DEMO_PINS = {"Manager": "1234", "Hub staff": "2468", "Volunteer": "1357"}
DAYS = 182  # about six months of history
HOUSEHOLDS = 60

PRIVACY_NOTICE = (
    "We keep your first name, the first letter or all of your last name, your year of "
    "birth and, if you give them, your postcode and phone number. We use them to sign you "
    "in, to keep you safe in the building, and to count how many families we help (funders "
    "only ever see totals). Staff only see referrals they need to. We delete or anonymise "
    "your details when you have not visited for three years. You can ask to see, correct "
    "or remove what we hold at any time: just ask a member of staff."
)

SITES = (("Burns Flats Community Room", "burns-flats"), ("Moss Lane Hub", "moss-lane"))
SERVICES = (
    ("Coffee morning", False),
    ("After-school club", False),
    ("Housing surgery", False),
    ("Police beat surgery", True),
    ("Mental-health café", True),
    ("Youth club", False),
    ("Food share", False),
)
# (site slug, service, weekday (Mon = 0), start, end)
TIMETABLE = (
    ("burns-flats", "Coffee morning", 0, dt.time(10), dt.time(12)),
    ("burns-flats", "Housing surgery", 1, dt.time(13), dt.time(15)),
    ("burns-flats", "After-school club", 2, dt.time(15, 30), dt.time(17, 30)),
    ("burns-flats", "Police beat surgery", 3, dt.time(11), dt.time(12)),
    ("burns-flats", "Food share", 4, dt.time(12), dt.time(14)),
    ("burns-flats", "Youth club", 4, dt.time(18), dt.time(20)),
    ("moss-lane", "Coffee morning", 1, dt.time(10), dt.time(12)),
    ("moss-lane", "Mental-health café", 2, dt.time(13), dt.time(15)),
    ("moss-lane", "After-school club", 3, dt.time(15, 30), dt.time(17, 30)),
    ("moss-lane", "Youth club", 3, dt.time(18), dt.time(20)),
    ("moss-lane", "Housing surgery", 4, dt.time(10), dt.time(12)),
    ("moss-lane", "Food share", 5, dt.time(10), dt.time(12)),
)
# Postcode districts around each room (north Manchester; Moss Side and Hulme).
DISTRICTS = {"burns-flats": ("M40", "M40", "M9", "M8"), "moss-lane": ("M14", "M14", "M15", "M16")}
STREETS = {
    "burns-flats": ("Burns Court", "Alder Street", "Collyhurst Road", "Rochdale Road",
                    "Thornton Walk"),
    "moss-lane": ("Moss Lane East", "Quinney Crescent", "Greenheys Lane", "Bedwell Close",
                  "Raby Street"),
}
PARTNERS = (
    ("Housing", "housing provider"),
    ("ASB team", "council anti-social behaviour team"),
    ("Beat team", "police neighbourhood team"),
    ("Council", "local authority"),
    ("Mental-health services", "health"),
    ("Food bank", "food"),
    ("Citizens Advice", "advice"),
)
REASONS = {
    "Housing": ("Damp and mould in the flat", "Repair not done after three reports",
                "Rent arrears letter", "Overcrowding: asking for a transfer"),
    "ASB team": ("Noise from the flat above", "Harassment on the landing",
                 "Motorbikes on the green at night"),
    "Beat team": ("Drug dealing on the stairwell", "Car broken into",
                  "Worried about a neighbour's safety"),
    "Council": ("Council tax reduction", "Missed bin collections", "School place appeal"),
    "Mental-health services": ("Low mood, asked for talking therapy", "Support after a loss",
                               "Anxiety, not sleeping"),
    "Food bank": ("Food parcel: waiting for Universal Credit", "Food parcel: benefits sanction",
                  "Baby food and nappies"),
    "Citizens Advice": ("Universal Credit claim", "Debt advice", "PIP application",
                        "Energy bills"),
}
# Which partners each service tends to refer to.
SERVICE_PARTNERS = {
    "Housing surgery": ("Housing", "Housing", "Council", "Citizens Advice"),
    "Police beat surgery": ("Beat team", "ASB team", "ASB team"),
    "Mental-health café": ("Mental-health services", "Mental-health services"),
    "Food share": ("Food bank", "Citizens Advice"),
    "Coffee morning": ("Citizens Advice", "Council", "Housing", "Food bank"),
}
FEEDBACK = (
    ("Our room", "Could the coffee morning start at half nine? I take the kids to school first."),
    ("Activities", "A homework club for the older ones would be brilliant."),
    ("Safety", "The light by the back door has been out for a week, it's dark at 5."),
    ("Housing", "Lots of us on the fourth floor have damp. Can someone from housing come?"),
    ("Activities", "Thank you for the youth club, my son loves it."),
    ("Our room", "The heating was off on Monday and it was freezing."),
    ("Something else", "Please could you do English conversation classes?"),
    ("Safety", "Kids on bikes in the corridor nearly knocked my mum over."),
    ("Activities", "Can we have a sewing or knitting group? Happy to help run it."),
    ("Our room", "The toilets need a baby changing table."),
    ("Something else", "Staff are lovely, thank you for helping with my forms."),
    ("Housing", "Bins at Burns Court overflowing again, attracting rats."),
)
REPLIES = (
    "Raised at the staff meeting; trying it from next month.",
    "Reported to the caretaker.",
    "Passed to the housing officer, who will visit.",
    "Thanks, shared with the team.",
)
EXTRA_NAMES = (
    ("Amina", "Hussain", "F"), ("Mohammed", "Ali", "M"), ("Fatima", "Begum", "F"),
    ("Kwame", "Mensah", "M"), ("Abdi", "Osman", "M"), ("Olena", "Kovalenko", "F"),
    ("Agnieszka", "Nowak", "F"), ("Tomasz", "Kowalski", "M"), ("Chiamaka", "Okafor", "F"),
    ("Ayesha", "Khan", "F"), ("Hamza", "Ahmed", "M"), ("Blessing", "Adeyemi", "F"),
)
# One-off visits: which services people drop in to now and then.
ONE_OFF_WEIGHTS = {"Housing surgery": 4, "Police beat surgery": 3, "Food share": 3,
                   "Coffee morning": 2, "Mental-health café": 1}
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward half of a postcode


@dataclass
class _Member:
    first: str
    last: str
    year: int
    phone: str | None = None
    pid: int = 0


@dataclass
class _Home:
    site: str
    reference: str
    postcode: str | None
    members: list[_Member]
    joined: dt.date
    hid: int = 0
    regulars: list[tuple[int, list[int], float]] = field(default_factory=list)


def _postcode(rng: random.Random, site: str) -> str | None:
    if rng.random() < 0.12:
        return None
    district = rng.choice(DISTRICTS[site])
    letters = "".join(rng.choice(INWARD_LETTERS) for _ in range(2))
    return f"{district} {rng.randint(1, 9)}{letters}"


def _name(rng: random.Random, fake: Faker, sex: str) -> tuple[str, str]:
    if rng.random() < 0.2:
        pool = [n for n in EXTRA_NAMES if n[2] == sex]
        first, last, _ = rng.choice(pool)
        return first, last
    first = fake.first_name_female() if sex == "F" else fake.first_name_male()
    return first, fake.last_name()


def _household(rng: random.Random, fake: Faker, year: int, start: dt.date,
               today: dt.date) -> _Home:
    """One family: a weighted mix of singles, couples, lone parents, pensioners."""
    kind = rng.choices(
        ["single", "pensioner", "pensioners", "couple", "lone_parent", "family", "grown_up"],
        weights=[22, 10, 5, 8, 22, 23, 10],
    )[0]
    sex = rng.choice("FM")
    first, last = _name(rng, fake, "F" if kind == "lone_parent" and rng.random() < 0.85 else sex)
    adults: list[tuple[str, str, int]] = []
    kids: list[int] = []
    if kind == "pensioner":
        adults.append((first, last, year - rng.randint(66, 89)))
    elif kind == "pensioners":
        born = year - rng.randint(66, 84)
        adults += [(first, last, born), (_name(rng, fake, "M" if sex == "F" else "F")[0], last,
                                        born + rng.randint(-4, 4))]
    elif kind == "single":
        adults.append((first, last, year - rng.randint(19, 63)))
    elif kind == "couple":
        born = year - rng.randint(20, 60)
        other = _name(rng, fake, "M" if sex == "F" else "F")
        adults += [(first, last, born),
                   (other[0], last if rng.random() < 0.6 else other[1], born + rng.randint(-5, 5))]
    elif kind == "grown_up":
        born = year - rng.randint(42, 64)
        adults += [(first, last, born), (_name(rng, fake, rng.choice("FM"))[0], last,
                                        born + rng.randint(20, 30))]
    else:
        born = year - rng.randint(20, 45)
        adults.append((first, last, born))
        if kind == "family":
            other = _name(rng, fake, "M" if sex == "F" else "F")
            adults.append((other[0], last if rng.random() < 0.7 else other[1],
                           born + rng.randint(-4, 4)))
        eldest = min(17, year - born - 18)
        kids = sorted(year - rng.randint(0, max(0, eldest)) for _ in range(rng.randint(1, 4)))
    members = []
    for a_first, a_last, a_year in adults:
        phone = f"07700 900{rng.randint(0, 999):03d}" if rng.random() < 0.45 else None
        # A few people give only the first letter of their surname.
        members.append(_Member(a_first, a_last[0] if rng.random() < 0.08 else a_last, a_year,
                               phone))
    for k_year in kids:
        members.append(_Member(_name(rng, fake, rng.choice("FM"))[0], last, k_year))
    site = "burns-flats" if rng.random() < 0.6 else "moss-lane"
    street = rng.choice(STREETS[site])
    reference = (f"Flat {rng.randint(1, 60)}, {street}" if "Court" in street or rng.random() < 0.5
                 else f"{rng.randint(1, 140)} {street}")
    span = (today - start).days
    joined = start if rng.random() < 0.55 else start + dt.timedelta(rng.randint(0, span - 7))
    return _Home(site, reference, _postcode(rng, site), members, joined)


def _age(m: _Member, year: int) -> int:
    return year - m.year


def _adults(h: _Home, year: int) -> list[int]:
    return [i for i, m in enumerate(h.members) if _age(m, year) >= 18]


def _plan_regulars(rng: random.Random, h: _Home, year: int) -> None:
    """Weekly habits: (timetable index, member indexes, chance of coming each week)."""
    slots = {(t[0], t[1]): i for i, t in enumerate(TIMETABLE)}
    adults = _adults(h, year)
    ages = [_age(m, year) for m in h.members]
    juniors = [i for i, a in enumerate(ages) if 5 <= a <= 11]
    teens = [i for i, a in enumerate(ages) if 12 <= a <= 17]
    little = [i for i, a in enumerate(ages) if a <= 4]
    home = h.site
    if juniors and rng.random() < 0.75:
        h.regulars.append((slots[(home, "After-school club")], juniors, rng.uniform(0.5, 0.9)))
    if teens and rng.random() < 0.65:
        h.regulars.append((slots[(home, "Youth club")], teens, rng.uniform(0.4, 0.85)))
    if any(ages[i] >= 65 for i in adults) or rng.random() < 0.3:
        who = adults + (little if rng.random() < 0.5 else [])  # toddlers come along
        h.regulars.append((slots[(home, "Coffee morning")], who, rng.uniform(0.5, 0.9)))
    if rng.random() < 0.3:
        who = adults[:1] + (little if rng.random() < 0.5 else [])
        h.regulars.append((slots[(home, "Food share")], who, rng.uniform(0.4, 0.8)))
    if rng.random() < 0.08:
        h.regulars.append((slots[("moss-lane", "Mental-health café")], adults[:1],
                           rng.uniform(0.4, 0.8)))


def load_demo(engine: Engine, *, seed: int = 1, today: dt.date | None = None) -> dict[str, Any]:
    """Fill an empty database with demo data; returns how many of each thing were made.

    Six months of history end on ``today`` (default: the local date now).
    """
    today = today or local_date(now_utc())
    return run_in_transaction(engine, lambda s: _load(s, seed=seed, today=today))


def _load(s: Session, *, seed: int, today: dt.date) -> dict[str, Any]:
    if s.exec(select(func.count()).select_from(Person)).one():
        raise Refused("this database already has people in it: demo data only goes into an "
                      "empty database", code="demo.not_empty")
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    start = today - dt.timedelta(days=DAYS)
    year = today.year
    now = now_utc()

    # Places, services, timetable, partners, staff, settings.
    sites = {slug: get_or_create_site(s, name, slug) for name, slug in SITES}
    services = {name: get_or_create_service(s, name, sensitive) for name, sensitive in SERVICES}
    for slug, service, weekday, begin, end in TIMETABLE:
        add_slot(s, site_id=sites[slug].id, service_id=services[service].id,
                 weekday=weekday, start=begin, end=end, actor=ACTOR, valid_from=start)
    partners = {name: get_or_create_partner(s, name, kind) for name, kind in PARTNERS}
    staff = {name: create_staff(s, name=name, role=role, pin=DEMO_PINS[name], actor=ACTOR)
             for name, role in (("Manager", Role.manager), ("Hub staff", Role.staff),
                                ("Volunteer", Role.volunteer))}
    for key, value in (("privacy_notice_version", NOTICE_VERSION),
                       ("privacy_notice_text", PRIVACY_NOTICE),
                       ("room_name", SITES[0][0])):
        s.merge(Setting(key=key, value=value))

    # Households, people, consent and cards.
    homes = [_household(rng, fake, year, start, today) for _ in range(HOUSEHOLDS)]
    cards = consents = 0
    for home in homes:
        consent = rng.random() < 0.92
        household, people = register_household(
            s,
            members=[NewPerson(m.first, m.last, m.year, m.phone) for m in home.members],
            reference=home.reference,
            postcode=home.postcode,
            actor=ACTOR,
            consent_version=NOTICE_VERSION if consent else None,
            consent_method=rng.choice(["kiosk", "kiosk", "paper", "staff"]),
        )
        consents += len(people) if consent else 0
        home.hid = household.id
        for member, person in zip(home.members, people, strict=True):
            member.pid = person.id
        if len(home.members) > 2 and rng.random() < 0.25:
            issue_card(s, household_id=home.hid, actor=ACTOR)
            cards += 1
        for i in _adults(home, year):
            if rng.random() < 0.8:
                issue_card(s, person_id=home.members[i].pid, actor=ACTOR)
                cards += 1
        _plan_regulars(rng, home, year)

    # Who comes to what: (date, timetable index) -> person ids.
    plan: dict[tuple[dt.date, int], list[int]] = {}
    day = start
    while day <= today:
        for index, (_slug, _svc, weekday, _b, _e) in enumerate(TIMETABLE):
            if weekday != day.weekday():
                continue
            for home in homes:
                for slot, who, chance in home.regulars:
                    if slot == index and day >= home.joined and rng.random() < chance:
                        plan.setdefault((day, index), []).extend(
                            home.members[i].pid for i in who)
        day += dt.timedelta(days=1)
    visits_for_referral: list[tuple[dt.date, int, int]] = []
    for home in homes:
        span = (today - home.joined).days
        for _ in range(rng.randint(0 if home.regulars else 1, 5)):
            # Mostly the surgeries and the food share, mostly at their own room.
            service = rng.choices(list(ONE_OFF_WEIGHTS), weights=list(ONE_OFF_WEIGHTS.values()))[0]
            site = home.site if rng.random() < 0.8 else rng.choice(list(DISTRICTS))
            index = next((i for i, t in enumerate(TIMETABLE) if t[:2] == (site, service)),
                         next(i for i, t in enumerate(TIMETABLE) if t[1] == service))
            offset = (TIMETABLE[index][2] - home.joined.weekday()) % 7
            weeks = max(0, (span - offset) // 7)
            on = home.joined + dt.timedelta(days=offset + 7 * rng.randint(0, weeks))
            if on > today:
                continue
            adults = _adults(home, year)
            pid = home.members[rng.choice(adults)].pid
            plan.setdefault((on, index), []).append(pid)
            visits_for_referral.append((on, index, pid))

    # Sessions in time order: sign in, head-counts, sign out at the end.
    attendances = anonymous = sessions = 0
    for on, index in sorted(plan):
        slug, service, _wd, begin, end = TIMETABLE[index]
        if to_utc(on, begin) - dt.timedelta(minutes=10) > now:
            continue  # later today: nobody has come yet
        row = ensure_session(s, site_id=sites[slug].id, service_id=services[service].id,
                             on=on, start=begin, end=end, kind="timetabled")
        sessions += 1
        length = int((dt.datetime.combine(on, end) - dt.datetime.combine(on, begin))
                     .total_seconds() // 60)
        attendees = list(dict.fromkeys(plan[(on, index)]))
        for pid in attendees:
            at = min(now, to_utc(on, begin)
                     + dt.timedelta(minutes=rng.randint(-10, max(0, length - 20))))
            attendances += len(sign_in(s, person_ids=[pid], session_id=row.id,
                                       method=rng.choice(["card", "card", "search", "staff"]),
                                       actor=ACTOR, at=at))
        if rng.random() < (0.5 if service in ("Food share", "Coffee morning") else 0.2):
            count = rng.choice([1, 1, 1, 2, 3])
            sign_in_anonymous(s, session_id=row.id, headcount=count, actor=ACTOR,
                              at=to_utc(on, begin) + dt.timedelta(minutes=rng.randint(0, 30)))
            anonymous += count
        finish = to_utc(on, end)
        if finish <= now:
            sign_out(s, person_ids=attendees, site_id=sites[slug].id, actor=ACTOR, at=finish)

    # Referrals from visits, every status represented.
    referrals: list[tuple[int, dt.date]] = []
    candidates = [v for v in visits_for_referral if TIMETABLE[v[1]][1] in SERVICE_PARTNERS]
    rng.shuffle(candidates)
    for on, index, pid in sorted(candidates[:40]):
        slug, service, _wd, begin, _end = TIMETABLE[index]
        partner = rng.choice(SERVICE_PARTNERS[service])
        at = to_utc(on, begin) + dt.timedelta(minutes=rng.randint(15, 45))
        if at > now:
            continue
        ref = log_referral(
            s, person_id=pid, partner_id=partners[partner].id,
            reason=rng.choice(REASONS[partner]), site_id=sites[slug].id,
            service_id=services[service].id, actor=ACTOR,
            staff_id=rng.choice([staff["Manager"].id, staff["Hub staff"].id]),
            follow_up_on=on + dt.timedelta(days=14), at=at,
        )
        referrals.append((ref.id, on))
    statuses = [s_.value for s_ in ReferralStatus]
    for n, (ref_id, on) in enumerate(referrals):
        recent = (today - on).days < 14
        if n < len(statuses):  # the oldest few cover every status
            status = statuses[n]
        elif recent:
            status = ReferralStatus.made.value
        else:
            status = rng.choices(statuses, weights=[1, 3, 6, 2, 2])[0]
        if status != ReferralStatus.made.value:
            update_referral(s, referral_id=ref_id, actor=ACTOR, status=status,
                            outcome_note="" if status != "completed" else "Sorted, thank you.",
                            follow_up_on=None if status != "accepted" else "")

    # Have your say.
    people_ids = [m.pid for h in homes for m in h.members if _age(m, year) >= 18]
    feedback = 0
    for n, (topic, body) in enumerate(FEEDBACK):
        assert topic in TOPICS
        signed = rng.random() < 0.35
        item = leave_feedback(s, topic=topic, text=body,
                              site_id=rng.choice(list(sites.values())).id,
                              actor=f"kiosk:{rng.choice(list(sites))}",
                              person_id=rng.choice(people_ids) if signed else None)
        feedback += 1
        if n % 3 == 1:
            update_feedback(s, feedback_id=item.id, actor="Hub staff",
                            staff_id=staff["Hub staff"].id, status=FeedbackStatus.read.value)
        elif n % 3 == 2:
            update_feedback(s, feedback_id=item.id, actor="Manager",
                            staff_id=staff["Manager"].id, status=FeedbackStatus.acted.value,
                            reply_note=rng.choice(REPLIES))

    # A few people typed in twice at the kiosk, for the likely-duplicates queue.
    duplicates = 0
    for home in rng.sample(homes, 3):
        m = home.members[0]
        variant = m.first[:-1] if len(m.first) > 4 else m.first + m.first[-1]
        register_household(s, members=[NewPerson(variant, m.last, m.year)],
                           postcode=home.postcode, actor=ACTOR)
        duplicates += 1

    return {
        "sites": len(sites),
        "services": len(services),
        "timetable_slots": len(TIMETABLE),
        "households": len(homes) + duplicates,
        "people": sum(len(h.members) for h in homes) + duplicates,
        "consents": consents,
        "cards": cards,
        "sessions": sessions,
        "attendances": attendances,
        "anonymous_visits": anonymous,
        "partners": len(partners),
        "referrals": len(referrals),
        "feedback": feedback,
        "staff": len(staff),
        "typed_twice": duplicates,
    }


__all__ = ["DEMO_PINS", "load_demo"]
