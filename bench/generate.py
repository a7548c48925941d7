"""Deterministic synthetic data for benchmarks: people, households, sessions, attendances.

``python -m bench.generate --scale small|medium|large [--out PATH] [--seed N]``

The database is created with the Alembic revisions (never ``create_all``) and filled
with raw ``executemany`` INSERTs through the SQLAlchemy connection. Attendances are
written in time order, a week at a time: weekly regular households (one to three
timetabled sessions a week, for months or years) and occasional households (a few
visits), plus about 1% anonymous head-counts. The roll-ups are then rebuilt with
``schema.counting.rebuild_rollups`` and the database is analysed.

Timestamps are written the way SQLModel's ``UTCDateTime`` stores them on SQLite:
naive UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff``; dates as ``YYYY-MM-DD`` and times
as ``HH:MM:SS.ffffff``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from schema.clock import LONDON
from schema.counting import rebuild_rollups
from schema.db import make_engine
from schema.migrate import upgrade
from schema.text import name_key

FIRST_DAY = dt.date(2021, 11, 1)  # a Monday
LAST_DAY = dt.date(2026, 10, 31)
DAYS = (LAST_DAY - FIRST_DAY).days + 1
WEEKS = math.ceil(DAYS / 7)
DATA_DIR = Path(__file__).with_name("data")
BATCH = 100_000

ANONYMOUS_SHARE = 0.01  # of all attendance rows
REGULAR_SHARE = 0.75  # of named attendances, from weekly regular households
CANCELLED = 0.01  # of sessions


@dataclass(frozen=True)
class Scale:
    name: str
    people: int
    attendances: int
    slots: int  # weekly timetabled sessions across the three sites


SCALES = {
    "small": Scale("small", 2_000, 50_000, 18),
    "medium": Scale("medium", 20_000, 1_000_000, 64),
    "large": Scale("large", 100_000, 5_000_000, 150),
}

SITES = (
    ("burns", "Burns Flats Community Room"),
    ("hulme", "Hulme People Zone"),
    ("moss", "Moss Side Hub"),
)
SITE_WEIGHTS = (0.45, 0.35, 0.20)
# (name, sensitive, weight in the timetable)
SERVICES = (
    ("Coffee morning", False, 3),
    ("Food pantry", False, 3),
    ("Warm space", False, 2),
    ("Toddler group", False, 2),
    ("Homework club", False, 2),
    ("Digital help", False, 2),
    ("Benefits advice", False, 2),
    ("Housing surgery", False, 1),
    ("Beat surgery", True, 1),
    ("Mental health café", True, 1),
)
PARTNERS = (
    ("Citizens Advice", "advice"),
    ("Food bank", "food"),
    ("Credit union", "money"),
    ("GP surgery", "health"),
    ("Talking therapies", "health"),
    ("Housing options", "housing"),
    ("Adult learning", "learning"),
    ("Jobcentre work coach", "work"),
)
REASONS = ("debt", "food", "housing repair", "benefits", "mental health", "employment", "fuel")
STATUSES = ("made", "accepted", "completed", "declined", "no response")
STATUS_WEIGHTS = (0.2, 0.25, 0.35, 0.1, 0.1)
DISTRICTS = ("M1", "M4", "M8", "M9", "M11", "M12", "M13", "M14", "M15", "M16", "M40", "M90")
DISTRICT_WEIGHTS = (1, 2, 3, 4, 3, 3, 6, 8, 10, 9, 3, 1)
FIRST_NAMES = (
    "Amina", "Ben", "Chloe", "Daniel", "Ella", "Farah", "George", "Hannah", "Isaac", "Jade",
    "Kwame", "Layla", "Mohammed", "Nadia", "Oliver", "Priya", "Qasim", "Rosa", "Samuel",
    "Tia", "Usman", "Violet", "Wei", "Yusuf", "Zara", "Aisha", "Callum", "Dominika", "Emeka",
    "Fatima", "Grace", "Harry", "Ifeoma", "Jack", "Kacper", "Leah", "Maya", "Noah", "Olu",
    "Ruby",
)
LAST_NAMES = (
    "Ahmed", "Brown", "Clarke", "Dlamini", "Evans", "Francis", "Green", "Hussain", "Iqbal",
    "Jones", "Khan", "Lewis", "Mensah", "Nowak", "Okafor", "Patel", "Quinn", "Robinson",
    "Smith", "Taylor", "Uddin", "Walker", "Wright", "Young",
)
BAND_STARTS = (("0-4", 0), ("5-11", 5), ("12-17", 12), ("18-24", 18), ("25-49", 25),
               ("50-64", 50), ("65+", 65))
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# "HH:MM:SS.000000" for every second of a day: timestamps are built by string joins.
CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(86_400)]
DATES = [(FIRST_DAY + dt.timedelta(days=i)).isoformat() for i in range(DAYS)]
# Seconds to subtract from London wall-clock time to get UTC, for each day (at noon).
UTC_SHIFT = [
    int(LONDON.utcoffset(dt.datetime.combine(FIRST_DAY + dt.timedelta(days=i), dt.time(12)))
        .total_seconds())
    for i in range(DAYS)
]


def stamp(day: int, local_seconds: int) -> str:
    """The stored UTC text of a London wall-clock second on day ``day`` (index from FIRST_DAY).

    Sessions run in the daytime, so the UTC date is always the local date.
    """
    return f"{DATES[day]} {CLOCK[local_seconds - UTC_SHIFT[day]]}"


@dataclass(frozen=True)
class Slot:
    site: int
    service: int
    weekday: int
    start: int  # seconds after local midnight
    end: int


@dataclass
class Household:
    id: int
    first: int  # day index of the first and last day the household is around
    last: int
    regular: bool
    home_site: int
    members: list[tuple[int, float]] = field(default_factory=list)  # person id, P(comes along)
    slots: list[int] = field(default_factory=list)  # regular: timetable slot indexes
    rate: float = 0.0  # regular: P(visit) per weekly slot; occasional: number of visits

    @property
    def expected_people(self) -> float:
        return sum(p for _, p in self.members)

    def weekly_chances(self) -> float:
        """Slot occurrences inside the household's span (a regular's visit opportunities)."""
        return len(self.slots) * (self.last - self.first + 1) / 7


@dataclass
class SessionRow:
    id: int
    day: int
    utc_start: int  # local start seconds (stamped through ``stamp``)
    length: int
    site: int
    service: int
    cancelled: bool


class Generator:
    """Builds the rows of one data set from a seed; :meth:`load` writes them."""

    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.slots: list[Slot] = []
        self.households: list[Household] = []
        self.person_rows: list[tuple[Any, ...]] = []
        self.household_rows: list[tuple[Any, ...]] = []
        self.week_sessions: list[list[SessionRow | None]] = []
        self.session_rows: list[tuple[Any, ...]] = []
        self.named = 0
        self.anonymous = 0

    # --- timetable and sessions --------------------------------------------------------

    def make_timetable(self) -> None:
        rng = self.rng
        weights = [w for _, _, w in SERVICES]
        taken: set[tuple[int, int, int, int]] = set()
        while len(self.slots) < self.scale.slots:
            site = rng.choices(range(len(SITES)), SITE_WEIGHTS)[0]
            service = rng.choices(range(len(SERVICES)), weights)[0]
            weekday = rng.choices(range(7), (5, 5, 5, 5, 5, 3, 1))[0]
            start = rng.randrange(9 * 2, 19 * 2) * 1800
            key = (site, service, weekday, start)
            if key in taken:
                continue
            taken.add(key)
            length = rng.choice((3600, 5400, 7200, 10800))
            self.slots.append(Slot(site, service, weekday, start, min(start + length, 21 * 3600)))
        self.slots.sort(key=lambda s: (s.weekday, s.start, s.site, s.service))

    def make_sessions(self) -> None:
        rng = self.rng
        sid = 0
        for week in range(WEEKS):
            row: list[SessionRow | None] = []
            for slot in self.slots:
                day = week * 7 + slot.weekday
                if day >= DAYS:
                    row.append(None)
                    continue
                sid += 1
                cancelled = rng.random() < CANCELLED
                row.append(SessionRow(sid, day, slot.start, slot.end - slot.start,
                                      slot.site + 1, slot.service + 1, cancelled))
                self.session_rows.append((
                    sid, slot.site + 1, slot.service + 1, DATES[day], CLOCK[slot.start],
                    CLOCK[slot.end], "timetabled", int(cancelled),
                ))
            self.week_sessions.append(row)

    # --- households and people ---------------------------------------------------------

    def make_people(self) -> None:
        rng = self.rng
        by_site: list[list[int]] = [[] for _ in SITES]
        for i, slot in enumerate(self.slots):
            by_site[slot.site].append(i)
        pid = 0
        while pid < self.scale.people:
            size = min(rng.choices((1, 2, 3, 4, 5, 6), (33, 25, 17, 14, 7, 4))[0],
                       self.scale.people - pid)
            hid = len(self.households) + 1
            # Some households were already coming when the records start.
            came = rng.randrange(-365, DAYS)
            regular = rng.random() < 0.4
            span = int(rng.expovariate(1 / 550 if regular else 1 / 200)) + (28 if regular else 14)
            if came + span < 0:
                came = -span // 2
            first = max(0, came)
            home = rng.choices(range(len(SITES)), SITE_WEIGHTS)[0]
            h = Household(hid, first, min(DAYS - 1, came + span), regular, home)
            if regular:
                n = min(len(by_site[home]), rng.choices((1, 2, 3), (50, 35, 15))[0])
                h.slots = rng.sample(by_site[home], n)
                h.rate = rng.uniform(0.35, 0.9)
            else:
                h.rate = 1 + rng.expovariate(1 / 2.5)
            created = stamp(first, rng.randrange(9 * 3600, 17 * 3600))
            district = rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0]
            postcode = None
            if rng.random() < 0.93:
                postcode = (f"{district} {rng.randrange(10)}"
                            f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}")
            reference = f"Flat {rng.randrange(1, 200)}" if rng.random() < 0.5 else ""
            self.household_rows.append((hid, reference, postcode,
                                        district if postcode else None, created, None))
            surname = rng.choice(LAST_NAMES)
            join_year = 2021 + (first + 304) // 365  # roughly the year the household came
            for i in range(size):
                pid += 1
                adult = i == 0 or (i == 1 and rng.random() < 0.6) or rng.random() < 0.1
                age = int(rng.triangular(18, 95, 38)) if adult else rng.randrange(18)
                birth_year: int | None = join_year - age
                band = None
                roll = rng.random()
                if roll < 0.05:  # only an age band was given
                    band = next(b for b, lo in reversed(BAND_STARTS) if age >= lo)
                    birth_year = None
                elif roll < 0.08:  # nothing given
                    birth_year = None
                first_name = rng.choice(FIRST_NAMES)
                last_name = surname if rng.random() < 0.7 else surname[0]
                phone = f"07{rng.randrange(10**9):09d}" if adult and rng.random() < 0.5 else None
                self.person_rows.append((pid, hid, first_name, last_name, birth_year, band,
                                         phone, created, name_key(first_name),
                                         name_key(last_name), None, None))
                h.members.append((pid, 0.95 if i == 0 else (0.5 if adult else 0.55)))
            self.households.append(h)

    def calibrate(self) -> None:
        """Scale visit rates so the named attendances come close to the target."""
        named = self.scale.attendances * (1 - ANONYMOUS_SHARE) / (1 - CANCELLED)
        regulars = [h for h in self.households if h.regular]
        occasional = [h for h in self.households if not h.regular]
        weight = [h.weekly_chances() * h.expected_people for h in regulars]
        base = [h.rate for h in regulars]
        alpha = 1.0
        for _ in range(8):  # rates are capped at 1, so settle alpha by iteration
            got = sum(w * min(1.0, alpha * b) for w, b in zip(weight, base, strict=True))
            alpha *= REGULAR_SHARE * named / max(got, 1.0)
        for h, b in zip(regulars, base, strict=True):
            h.rate = min(1.0, alpha * b)
        got = sum(w * h.rate for w, h in zip(weight, regulars, strict=True))
        rest = sum(h.rate * h.expected_people for h in occasional)
        beta = max(named - got, 0.0) / max(rest, 1.0)
        for h in occasional:
            h.rate *= beta

    # --- attendances -------------------------------------------------------------------

    def occasional_visits(self) -> list[list[tuple[Household, int]]]:
        """Per week, the (household, slot index) visits of the occasional households."""
        rng = self.rng
        by_weekday: list[list[int]] = [[] for _ in range(7)]
        for i, slot in enumerate(self.slots):
            by_weekday[slot.weekday].append(i)
        weeks: list[list[tuple[Household, int]]] = [[] for _ in range(WEEKS)]
        for h in self.households:
            if h.regular:
                continue
            visits = int(h.rate) + (rng.random() < h.rate - int(h.rate))
            chosen: set[tuple[int, int]] = set()
            for _ in range(visits):
                for _try in range(10):
                    day = rng.randint(h.first, h.last)
                    options = by_weekday[day % 7]
                    if not options:
                        continue
                    pick = (day, rng.choice(options))
                    if pick not in chosen:
                        chosen.add(pick)
                        weeks[day // 7].append((h, pick[1]))
                        break
        return weeks

    def attendances(self) -> Iterator[list[tuple[Any, ...]]]:
        """Attendance rows a week at a time, each week in sign-in order."""
        rng = self.rng
        occasional = self.occasional_visits()
        starting: list[list[Household]] = [[] for _ in range(WEEKS)]
        for h in self.households:
            if h.regular:
                starting[h.first // 7].append(h)
        active: list[Household] = []
        for week in range(WEEKS):
            sessions = self.week_sessions[week]
            active = [h for h in active if h.last // 7 >= week] + starting[week]
            rows: list[tuple[Any, ...]] = []
            for h in active:
                for slot in h.slots:
                    s = sessions[slot]
                    if (s is not None and not s.cancelled and h.first <= s.day <= h.last
                            and rng.random() < h.rate):
                        self._visit(h, s, rows)
            for h, slot in occasional[week]:  # (household, day, slot) are distinct
                s = sessions[slot]
                if s is not None and not s.cancelled:
                    self._visit(h, s, rows)
            self.named += len(rows)
            open_sessions = [s for s in sessions if s is not None and not s.cancelled]
            extra = len(rows) * ANONYMOUS_SHARE / (1 - ANONYMOUS_SHARE)
            for _ in range(int(extra) + (rng.random() < extra - int(extra))):
                s = rng.choice(open_sessions)
                at = s.utc_start + rng.randrange(-600, s.length // 2)
                rows.append((s.id, None, None, s.site, s.service, DATES[s.day], stamp(s.day, at),
                             None, rng.choices((1, 2, 3), (60, 25, 15))[0], "anonymous", None))
                self.anonymous += 1
            rows.sort(key=lambda r: r[6])
            yield rows

    def _visit(self, h: Household, s: SessionRow, rows: list[tuple[Any, ...]]) -> None:
        """A household arriving at a session: each member comes along or not."""
        rng = self.rng
        arrive = s.utc_start + rng.randrange(-600, s.length // 2)
        method = rng.choices(("card", "search", "staff"), (70, 20, 10))[0]
        leaves = rng.random() < 0.25
        for pid, p in h.members:
            if rng.random() < p:
                at = arrive + rng.randrange(120)
                out = stamp(s.day, min(at + rng.randrange(1800, 7200), 86_399)) if leaves else None
                rows.append((s.id, pid, h.id, s.site, s.service, DATES[s.day], stamp(s.day, at),
                             out, 1, method, None))

    def referrals(self) -> list[tuple[Any, ...]]:
        """Referrals for a few % of people, in time order."""
        rng = self.rng
        rows = []
        for h in self.households:
            for pid, _ in h.members:
                if rng.random() >= 0.04:
                    continue
                for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0]):
                    day = rng.randint(h.first, h.last)
                    made = stamp(day, rng.randrange(10 * 3600, 16 * 3600))
                    status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
                    follow = None
                    if rng.random() < 0.6:
                        follow = (FIRST_DAY + dt.timedelta(days=day + 14)).isoformat()
                    service = rng.randrange(1, len(SERVICES) + 1) if rng.random() < 0.5 else None
                    site = h.home_site + 1 if rng.random() < 0.8 else None
                    rows.append((pid, h.id, rng.randrange(1, len(PARTNERS) + 1), site, service,
                                 rng.choice(REASONS), "", status, "", made, DATES[day], follow,
                                 None, made))
        rows.sort(key=lambda r: r[9])
        return rows

    # --- writing -----------------------------------------------------------------------

    def load(self, conn: Connection) -> None:
        """Insert every row (one transaction per table group)."""
        created = stamp(0, 9 * 3600)
        insert(conn, "site (id, slug, name, created_at)",
               [(i + 1, slug, name, created) for i, (slug, name) in enumerate(SITES)])
        insert(conn, "service (id, name, sensitive, active)",
               [(i + 1, n, int(s), 1) for i, (n, s, _) in enumerate(SERVICES)])
        insert(conn, "referral_partner (id, name, kind, active)",
               [(i + 1, n, k, 1) for i, (n, k) in enumerate(PARTNERS)])
        insert(conn, "timetable_slot (site_id, service_id, weekday, start_time, end_time, "
               "valid_from, valid_to)",
               [(s.site + 1, s.service + 1, s.weekday, CLOCK[s.start], CLOCK[s.end],
                 FIRST_DAY.isoformat(), None) for s in self.slots])
        insert(conn, "session (id, site_id, service_id, on_date, start_time, end_time, kind, "
               "cancelled)", self.session_rows)
        insert(conn, "household (id, reference, postcode, postcode_district, created_at, "
               "merged_into_id)", self.household_rows)
        insert(conn, "person (id, household_id, first_name, last_name, birth_year, age_band, "
               "phone, created_at, search_name, search_last, merged_into_id, anonymised_at)",
               self.person_rows)
        conn.commit()
        columns = ("attendance (session_id, person_id, household_id, site_id, service_id, "
                   "local_date, signed_in_at, signed_out_at, headcount, method, staff_id)")
        buffer: list[tuple[Any, ...]] = []
        for week in self.attendances():
            buffer.extend(week)
            if len(buffer) >= BATCH:
                insert(conn, columns, buffer)
                buffer = []
        insert(conn, columns, buffer)
        insert(conn, "referral (person_id, household_id, partner_id, site_id, service_id, "
               "reason, note, status, outcome_note, made_at, local_date, follow_up_on, "
               "made_by_id, updated_at)", self.referrals())
        conn.commit()


def insert(conn: Connection, into: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """One executemany INSERT of ``rows`` into ``into`` ("table (col, ...)")."""
    if not rows:
        return
    marks = ", ".join("?" * len(rows[0]))
    conn.exec_driver_sql(f"INSERT INTO {into} VALUES ({marks})", list(rows))


def _bulk_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Loading only: no fsync per commit and a big page cache for the index inserts."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous = OFF")
    cur.execute("PRAGMA cache_size = -1048576")
    cur.close()


def default_path(scale: str) -> Path:
    return DATA_DIR / f"{scale}.sqlite3"


def generate(scale: Scale, out: Path, seed: int = 1, verbose: bool = True) -> dict[str, float]:
    """Create ``out`` afresh with the data set of ``scale``; return phase timings (s)."""
    def say(msg: str) -> None:
        if verbose:
            print(msg, flush=True)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    for p in (tmp, *(tmp.with_name(tmp.name + x) for x in ("-wal", "-shm"))):
        p.unlink(missing_ok=True)
    timings: dict[str, float] = {}
    t0 = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now
        say(f"  {name:<10} {timings[name]:7.1f} s")

    engine: Engine = make_engine(f"sqlite:///{tmp}")
    event.listen(engine, "connect", _bulk_pragmas)
    upgrade(engine)
    lap("schema")
    gen = Generator(scale, seed)
    gen.make_timetable()
    gen.make_sessions()
    gen.make_people()
    gen.calibrate()
    lap("plan")
    with engine.connect() as conn:
        gen.load(conn)
    lap("insert")
    with Session(engine) as s:
        rebuild_rollups(s)
        s.commit()
    lap("roll-ups")
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    lap("analyze")
    for p in (out, *(out.with_name(out.name + x) for x in ("-wal", "-shm"))):
        p.unlink(missing_ok=True)
    tmp.replace(out)
    timings["total"] = time.perf_counter() - t0
    say(f"{scale.name}: {len(gen.person_rows):,} people, {len(gen.household_rows):,} households, "
        f"{len(gen.session_rows):,} sessions, {gen.named:,} named + {gen.anonymous:,} anonymous "
        f"attendances -> {out} in {timings['total']:.1f} s")
    return timings


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.generate",
                                 description="Generate a benchmark database.")
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--out", type=Path, help="default: bench/data/<scale>.sqlite3")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    generate(SCALES[args.scale], args.out or default_path(args.scale), args.seed)


if __name__ == "__main__":
    main()
