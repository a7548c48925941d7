"""Concurrent kiosks: many processes sign people in on one database at once.

    .venv/bin/python -m bench.storm --signins 10000                  # SQLite, 4 kiosks + admin
    .venv/bin/python -m bench.storm --url postgresql+psycopg://…/db --kiosks 10

A launcher process (``python -m bench.storm run …``) imports Dropin once and forks the
kiosk and admin processes; each opens its own connection after the fork. A kiosk signs
people in as ``dropin-kiosk`` does, one transaction each through
:meth:`schema.sql.Database.transaction` (no SQLAlchemy): half are
new people (registered and signed in, as at the kiosk's "first time here"), half are
regulars shared by all kiosks, signed into one of a few sessions — so kiosks
race to sign the same person into the same session. Every confirmed sign-in is written
to the kiosk's log (``in`` newly signed in, ``already`` was in) after the commit; any
exception at all is logged as an ``error`` (a "database is locked" reaching a caller
would be one). The admin process runs reports and people searches and logs referrals
meanwhile, until the kiosks are done.

:func:`check_storm` then requires: no errors; every confirmed sign-in in the database;
nothing in the database that no kiosk confirmed; no (person, session) twice; no
regular reported "newly signed in" to the same session by two kiosks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
ACTOR = "storm"
NEW_SHARE = 0.5


@dataclass
class StormFigures:
    database: str
    kiosks: int
    signins: int
    new_attendances: int
    already: int
    admin_ops: int
    errors: int
    seconds: float

    def __str__(self) -> str:
        return (f"concurrent kiosks on {self.database}: {self.kiosks} kiosk processes + admin, "
                f"{self.signins} sign-ins confirmed ({self.new_attendances} attendances, "
                f"{self.already} already in), {self.admin_ops} admin operations, 0 lost, "
                f"0 doubled, {self.errors} errors, {self.seconds:.1f} s "
                f"({self.signins / max(self.seconds, 1e-9):.0f} sign-ins/s)")


def prepare(url: str, regulars: int = 150, sessions: int = 6) -> dict[str, Any]:
    """A migrated database with a site, sessions today, regulars and a referral partner."""
    from sqlmodel import Session

    from schema.clock import local_date, now_utc
    from schema.db import make_engine, run_in_transaction
    from schema.migrate import upgrade
    from schema.people import NewPerson, register_household
    from schema.referrals import get_or_create_partner
    from schema.timetable import add_one_off, get_or_create_service, get_or_create_site

    engine = make_engine(url)
    upgrade(engine)

    def work(s: Session) -> dict[str, Any]:
        site = get_or_create_site(s, "Storm room")
        service = get_or_create_service(s, "Coffee")
        assert site.id is not None and service.id is not None
        today = local_date(now_utc())
        ids = [add_one_off(s, site_id=site.id, service_id=service.id, on=today,
                           start=dt.time(0, i), end=dt.time(23, 59), actor=ACTOR).id
               for i in range(sessions)]
        people = []
        for i in range(regulars):
            _, members = register_household(
                s, members=[NewPerson("Regular", f"Number {i}", 1970 + i % 40)], actor=ACTOR)
            people.append(members[0].id)
        partner = get_or_create_partner(s, "Citizens Advice")
        return {"site": site.id, "sessions": ids, "regulars": people, "partner": partner.id}

    setup = run_in_transaction(engine, work)
    engine.dispose()
    return setup


# --- the processes ------------------------------------------------------------------------


def _log(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode())  # O_APPEND, one write(): whole lines


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}"


def kiosk(url: str, setup: dict[str, Any], count: int, log: Path, stop: Path, seed: int) -> None:
    from schema.residents import NewPerson, register_household
    from schema.signin import sign_in
    from schema.sql import Database, Db

    rng = random.Random(seed)
    database = Database(url, lean=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    done = 0
    while done < count and not stop.exists():
        session_id = rng.choice(setup["sessions"])
        if rng.random() < NEW_SHARE:
            def work(s: Db, n: int = done, session_id: int = session_id
                     ) -> tuple[int, list[int]]:
                _, people = register_household(
                    s, members=[NewPerson("Visitor", f"Kiosk {seed} {n}", 1990)], actor=ACTOR)
                pid = people[0].id
                assert pid is not None
                return pid, sign_in(s, person_ids=[pid], session_id=session_id,
                                    method="search", actor=ACTOR)
        else:
            regular = rng.choice(setup["regulars"])

            def work(s: Db, regular: int = regular, session_id: int = session_id
                     ) -> tuple[int, list[int]]:
                return regular, sign_in(s, person_ids=[regular], session_id=session_id,
                                        method="card", actor=ACTOR)
        try:
            person, added = database.transaction(work)
        except Exception as exc:  # anything reaching the kiosk is a failure
            _log(fd, f"error {_first_line(exc)}")
        else:
            _log(fd, f"{'in' if added else 'already'} {person} {session_id}")
        done += 1
    os.close(fd)
    database.close()


def admin(url: str, setup: dict[str, Any], log: Path, stop: Path, seed: int) -> None:
    from sqlmodel import Session

    from schema.clock import local_date, now_utc
    from schema.counting import Period, report
    from schema.db import make_engine, read_session, run_in_transaction
    from schema.people import staff_search
    from schema.referrals import log_referral

    rng = random.Random(seed)
    engine = make_engine(url)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    n = 0
    while not stop.exists():
        n += 1
        try:
            if n % 3 == 0:
                person = rng.choice(setup["regulars"])

                def work(s: Session, person: int = person) -> int:
                    ref = log_referral(s, person_id=person, partner_id=setup["partner"],
                                       reason="Debt advice", site_id=setup["site"],
                                       actor=ACTOR)
                    assert ref.id is not None
                    return ref.id

                _log(fd, f"referral {run_in_transaction(engine, work)}")
            elif n % 3 == 1:
                today = local_date(now_utc())
                with read_session(engine) as s:
                    rep = report(s, Period(today, today))
                _log(fd, f"report {rep.visits}")
            else:
                with read_session(engine) as s:
                    found = staff_search(s, query="Regular")
                    count = s.execute(text("SELECT COUNT(*) FROM attendance")).scalar()
                _log(fd, f"search {len(found)} {count}")
        except Exception as exc:
            _log(fd, f"error {_first_line(exc)}")
        time.sleep(0.1)  # a person at the admin window, not a loop
    os.close(fd)
    engine.dispose()


def launcher(url: str, setup: dict[str, Any], kiosks: int, admins: int, signins: int,
             outdir: Path, seed: int) -> int:
    """Fork the kiosks and admins; when the kiosks are done, stop the admins."""
    import schema.counting
    import schema.people
    import schema.referrals
    import schema.signin  # noqa: F401  (imported once, before forking)

    stop = outdir / "stop"
    per = [signins // kiosks + (1 if i < signins % kiosks else 0) for i in range(kiosks)]

    def fork(fn: Any, *args: Any) -> int:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                fn(*args)
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        return pid

    kiosk_pids = [fork(kiosk, url, setup, per[i], outdir / f"kiosk-{i}.log", stop,
                       seed * 1000 + i) for i in range(kiosks)]
    admin_pids = [fork(admin, url, setup, outdir / f"admin-{i}.log", stop, seed * 1000 + 500 + i)
                  for i in range(admins)]
    failed = 0
    for pid in kiosk_pids:
        failed += os.waitpid(pid, 0)[1] != 0
    stop.touch()
    for pid in admin_pids:
        failed += os.waitpid(pid, 0)[1] != 0
    return 1 if failed else 0


# --- the driver ---------------------------------------------------------------------------


def start_storm(url: str, outdir: Path, *, kiosks: int, admins: int, signins: int,
                seed: int = 1) -> subprocess.Popen[bytes]:
    """Prepare the database and start the launcher; :func:`check_storm` after it ends."""
    outdir.mkdir(parents=True, exist_ok=True)
    setup = prepare(url)
    (outdir / "setup.json").write_text(json.dumps(setup))
    return subprocess.Popen(
        [sys.executable, "-m", "bench.storm", "run", url, str(outdir), str(kiosks), str(admins),
         str(signins), str(seed)], cwd=REPO)


def confirmed_now(outdir: Path) -> set[tuple[int, int]]:
    """Every sign-in the kiosks have confirmed so far (whole lines only)."""
    out: set[tuple[int, int]] = set()
    for log in outdir.glob("kiosk-*.log"):
        data = log.read_bytes()
        for line in data[: data.rfind(b"\n") + 1].decode().splitlines():
            kind, *rest = line.split()
            if kind in ("in", "already"):
                out.add((int(rest[0]), int(rest[1])))
    return out


def check_storm(url: str, outdir: Path, seconds: float, kiosks: int) -> StormFigures:
    from schema.db import make_engine

    new: Counter[tuple[int, int]] = Counter()
    already: list[tuple[int, int]] = []
    errors: list[str] = []
    admin_ops = 0
    for log in sorted(outdir.glob("*.log")):
        for line in log.read_text().splitlines():
            kind, *rest = line.split(" ", 1)
            if kind == "error":
                errors.append(f"{log.name}: {rest[0]}")
            elif kind in ("in", "already"):
                person, session = (int(x) for x in rest[0].split())
                if kind == "in":
                    new[(person, session)] += 1
                else:
                    already.append((person, session))
            else:
                admin_ops += 1
    engine = make_engine(url)
    with engine.connect() as conn:
        present = Counter(tuple(r) for r in conn.execute(text(
            "SELECT person_id, session_id FROM attendance WHERE person_id IS NOT NULL")).all())
        integrity = "ok"
        if engine.dialect.name == "sqlite":
            integrity = ", ".join(r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check"))
    engine.dispose()
    confirmed = set(new) | set(already)
    lost = confirmed - set(present)
    unconfirmed = set(present) - confirmed
    doubled_rows = [k for k, v in present.items() if v > 1]
    doubled_reports = [k for k, v in new.items() if v > 1]
    figures = StormFigures(database=engine.dialect.name, kiosks=kiosks,
                           signins=sum(new.values()) + len(already),
                           new_attendances=sum(new.values()), already=len(already),
                           admin_ops=admin_ops, errors=len(errors), seconds=seconds)
    assert not errors, f"{len(errors)} errors reached a caller, e.g. {errors[:3]}"
    assert integrity == "ok", integrity
    assert not lost, f"{len(lost)} confirmed sign-ins lost, e.g. {sorted(lost)[:5]}"
    assert not doubled_rows, f"doubled attendances: {doubled_rows[:5]}"
    assert not doubled_reports, f"signed in twice by two kiosks: {doubled_reports[:5]}"
    assert not unconfirmed, f"{len(unconfirmed)} attendances no kiosk confirmed"
    return figures


def run_storm(url: str, *, kiosks: int, admins: int = 1, signins: int, seed: int = 1,
              outdir: Path | None = None) -> StormFigures:
    with tempfile.TemporaryDirectory(prefix="dropin-storm-") as tmp:
        out = outdir or Path(tmp)
        started = time.monotonic()
        proc = start_storm(url, out, kiosks=kiosks, admins=admins, signins=signins, seed=seed)
        code = proc.wait()
        seconds = time.monotonic() - started
        assert code == 0, f"the storm launcher failed ({code})"
        figures = check_storm(url, out, seconds, kiosks)
        assert figures.signins == signins, figures
        return figures


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:
        url, outdir, kiosks, admins, signins, seed = argv[1:7]
        setup = json.loads((Path(outdir) / "setup.json").read_text())
        return launcher(url, setup, int(kiosks), int(admins), int(signins), Path(outdir),
                        int(seed))
    parser = argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file); "
                        "a PostgreSQL database must be empty")
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--admins", type=int, default=1)
    parser.add_argument("--signins", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dropin-storm-") as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'storm.sqlite3'}"
        print(run_storm(url, kiosks=args.kiosks, admins=args.admins, signins=args.signins,
                        seed=args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
