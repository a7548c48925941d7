"""Staff users and PINs: argon2id hashes, lock-out after repeated failures."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from schema.clock import now_utc
from schema.errors import LockedOut, NotFound, Refused
from schema.journal import record
from schema.kinds import Role
from schema.sql import Db, Source
from schema.text import clean_text

# OWASP's argon2id minimum: 19 MiB of memory, two passes, one lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MAX_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=5)
# Rate limit: a wrong PIN is answered only after this long, so guessing is slow even
# before the lock-out.
FAIL_DELAY_S = 0.5


def _check_pin(pin: str) -> str:
    # ASCII digits only: "١٢٣٤" or "²²²²" pass str.isdigit() but no PIN pad types them.
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise Refused("a PIN is 4 to 12 digits", code="pin.format")
    return pin


@dataclass(frozen=True)
class StaffRow:
    """One row of the ``staff_user`` table."""

    id: int
    name: str
    role: str
    pin_hash: str = field(repr=False)
    active: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    created_at: dt.datetime


_STAFF = ("SELECT id, name, role, pin_hash, active, failed_attempts, locked_until, created_at"
          " FROM staff_user")


def _staff(row: tuple[Any, ...]) -> StaffRow:
    return StaffRow(id=row[0], name=row[1], role=row[2], pin_hash=row[3],
                    active=Db.flag(row[4]), failed_attempts=row[5],
                    locked_until=Db.moment(row[6]),
                    created_at=Db.moment(row[7]))  # type: ignore[arg-type]


def create_staff(s: Any, *, name: str, role: str, pin: str, actor: str) -> StaffRow:
    db = Db.of(s)
    if role not in {r.value for r in Role}:
        raise Refused(f"'{role}' is not a role", code="staff.role", role=role)
    name = clean_text(name, field="name", max_len=100, required=True, code="staff.name")
    if db.value("SELECT 1 FROM staff_user WHERE name = :name", {"name": name}):
        raise Refused(f"there is already a staff user called {name}", code="staff.exists",
                      name=name)
    values: dict[str, Any] = {
        "name": name, "role": role, "pin_hash": HASHER.hash(_check_pin(pin)), "active": True,
        "failed_attempts": 0, "locked_until": None, "created_at": now_utc(),
    }
    staff_id = db.insert("staff_user", values)
    record(db, actor=actor, action="staff.create", entity="staff_user", entity_id=staff_id,
           role=role)
    return StaffRow(id=staff_id, **values)


def reset_pin(s: Any, *, staff_id: int, pin: str, actor: str) -> None:
    db = Db.of(s)
    if db.value("SELECT 1 FROM staff_user WHERE id = :id", {"id": staff_id}) is None:
        raise NotFound("no such staff user", code="staff.not_found")
    db.run("UPDATE staff_user SET pin_hash = :hash, failed_attempts = 0, locked_until = NULL"
           " WHERE id = :id", {"hash": HASHER.hash(_check_pin(pin)), "id": staff_id})
    record(db, actor=actor, action="staff.pin_reset", entity="staff_user",
           entity_id=staff_id)


def check_pin(
    source: Source, *, pin: str, actor: str, at: dt.datetime | None = None,
    staff_id: int | None = None,
) -> StaffRow | None:
    """The active staff user whose PIN this is, or None; ``source`` runs the work in
    transactions of its own (a :class:`schema.sql.Database`, or
    :class:`schema.db.Sessions`).

    At a kiosk (no ``staff_id``) a wrong PIN names nobody, so it counts against the
    PIN pad of the kiosk's room (``actor``, "kiosk:<site>"; a room's kiosks share it):
    MAX_FAILURES in a row lock that pad for LOCK_FOR, and the one that locks it is
    answered with :class:`LockedOut` at once. Staff can still sign in at another room's
    kiosk or in the admin window. Where the user is chosen first (the
    admin window, ``staff_id``), a wrong PIN counts against that user, and
    MAX_FAILURES lock them.

    The PIN is checked against the hashes between two short transactions, never inside
    one: argon2 takes tens of milliseconds a user, and the wrong PIN's delay half a
    second, and meanwhile another kiosk or the admin window on the same database must be
    free to write.
    """
    at = at or now_utc()
    pad = actor if staff_id is None else None
    users = source.transaction(lambda s: _candidates(Db.of(s), at=at, staff_id=staff_id,
                                                     pad=pad))
    user = next((u for u in users if _verified(u.pin_hash, pin)), None)
    if user is not None:
        pin_hash = (HASHER.hash(pin) if HASHER.check_needs_rehash(user.pin_hash)
                    else user.pin_hash)
        return source.transaction(
            lambda s: _logged_in(Db.of(s), user, pin_hash, actor=actor, at=at, pad=pad))
    locked = source.transaction(lambda s: _failed(Db.of(s), actor=actor, at=at,
                                                  staff_id=staff_id, pad=pad))
    time.sleep(FAIL_DELAY_S)
    if locked is not None:
        raise LockedOut(f"too many wrong PINs: try again after {locked:%H:%M} UTC",
                        code="pin.locked", until=locked)
    return None


def _check_pad(db: Db, pad: str | None, at: dt.datetime) -> None:
    """LockedOut while the kiosk's PIN pad is locked."""
    if pad is None:
        return
    until = Db.moment(db.value("SELECT locked_until FROM pin_pad WHERE actor = :pad",
                               {"pad": pad}))
    if until is not None and until > at:
        raise LockedOut(f"too many wrong PINs: try again after {until:%H:%M} UTC",
                        code="pin.locked", until=until)


def _candidates(db: Db, *, at: dt.datetime, staff_id: int | None,
                pad: str | None) -> list[StaffRow]:
    """The active users a PIN could be meant for, less those locked out; LockedOut when
    the kiosk's pad is locked, or every one of them is."""
    _check_pad(db, pad, at)
    sql = _STAFF + " WHERE active = :yes"
    params: dict[str, Any] = {"yes": True}
    if staff_id is not None:
        sql += " AND id = :id"
        params["id"] = staff_id
    users = [_staff(r) for r in db.rows(sql + " ORDER BY id", params)]
    free = [u for u in users if not (u.locked_until and u.locked_until > at)]
    if users and not free:
        until = min(u.locked_until for u in users if u.locked_until is not None)
        raise LockedOut(f"too many wrong PINs: try again after {until:%H:%M} UTC",
                        code="pin.locked", until=until)
    return free


def _verified(pin_hash: str, pin: str) -> bool:
    try:
        return HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def _logged_in(db: Db, user: StaffRow, pin_hash: str, *, actor: str, at: dt.datetime,
               pad: str | None) -> StaffRow | None:
    """The right PIN: its user's failures (and the pad's) forgotten. Read again first, as
    the hash was checked outside the transaction: a user since made inactive is not let
    in, nor one that wrong PINs have just locked (the user, or this kiosk's pad)."""
    row = db.row(_STAFF + " WHERE id = :id", {"id": user.id})
    now = _staff(row) if row is not None else None
    if now is None or not now.active or now.pin_hash != user.pin_hash:
        return None
    if now.locked_until and now.locked_until > at:
        raise LockedOut(f"too many wrong PINs: try again after {now.locked_until:%H:%M} UTC",
                        code="pin.locked", until=now.locked_until)
    _check_pad(db, pad, at)
    db.run("UPDATE staff_user SET failed_attempts = 0, locked_until = NULL, pin_hash = :hash"
           " WHERE id = :id", {"hash": pin_hash, "id": user.id})
    if pad is not None:
        db.run("UPDATE pin_pad SET failed_attempts = 0 WHERE actor = :pad", {"pad": pad})
    record(db, actor=actor, staff_id=user.id, action="staff.login",
           entity="staff_user", entity_id=user.id)
    return replace(now, failed_attempts=0, locked_until=None, pin_hash=pin_hash)


def _failed(db: Db, *, actor: str, at: dt.datetime, staff_id: int | None,
            pad: str | None) -> dt.datetime | None:
    """A wrong PIN: one more failure for the kiosk's pad, or for the user it was typed
    for, counted in the statement itself (two wrong PINs at once both count); the
    MAX_FAILURES-th locks the pad (or the user) for LOCK_FOR and starts the count again.
    Until when this one locked it, or None."""
    value: str | int | None
    if pad is not None:
        db.run("INSERT INTO pin_pad (actor, failed_attempts, locked_until)"
               " VALUES (:pad, 1, NULL) ON CONFLICT (actor) DO UPDATE"
               " SET failed_attempts = pin_pad.failed_attempts + 1"
               " WHERE pin_pad.locked_until IS NULL OR pin_pad.locked_until <= :at",
               {"pad": pad, "at": at})
        table, key, value = "pin_pad", "actor", pad
    else:  # (the admin window: the user was chosen first)
        db.run("UPDATE staff_user SET failed_attempts = failed_attempts + 1"
               " WHERE id = :key AND (locked_until IS NULL OR locked_until <= :at)",
               {"key": staff_id, "at": at})
        table, key, value = "staff_user", "id", staff_id
    record(db, actor=actor, action="staff.login_failed", entity=table, entity_id=staff_id)
    until = at + LOCK_FOR
    if not db.run(f"UPDATE {table} SET failed_attempts = 0, locked_until = :until"
                  f" WHERE {key} = :key AND failed_attempts >= :most",
                  {"key": value, "until": until, "most": MAX_FAILURES}):
        return None
    record(db, actor=actor, action="staff.locked", entity=table, entity_id=staff_id,
           until=until.isoformat())
    return until
