"""Staff users and PINs: argon2id hashes, lock-out after repeated failures."""

from __future__ import annotations

import datetime as dt
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from schema import audit
from schema.clock import now_utc
from schema.errors import LockedOut, NotFound, Refused
from schema.tables import Role, StaffUser
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
        raise Refused("a PIN is 4 to 12 digits")
    return pin


def create_staff(s: Session, *, name: str, role: str, pin: str, actor: str) -> StaffUser:
    if role not in {r.value for r in Role}:
        raise Refused(f"'{role}' is not a role")
    name = clean_text(name, field="name", max_len=100, required=True)
    if s.exec(select(StaffUser).where(StaffUser.name == name)).first():
        raise Refused(f"there is already a staff user called {name}")
    user = StaffUser(name=name, role=role, pin_hash=HASHER.hash(_check_pin(pin)),
                     created_at=now_utc())
    s.add(user)
    s.flush()
    audit.record(s, actor=actor, action="staff.create", entity="staff_user", entity_id=user.id,
                 role=role)
    return user


def reset_pin(s: Session, *, staff_id: int, pin: str, actor: str) -> None:
    user = s.get(StaffUser, staff_id)
    if user is None:
        raise NotFound("no such staff user")
    user.pin_hash = HASHER.hash(_check_pin(pin))
    user.failed_attempts = 0
    user.locked_until = None
    s.add(user)
    audit.record(s, actor=actor, action="staff.pin_reset", entity="staff_user",
                 entity_id=staff_id)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def check_pin(
    s: Session, *, pin: str, actor: str, at: dt.datetime | None = None,
    staff_id: int | None = None,
) -> StaffUser | None:
    """The active staff user whose PIN this is, or None.

    A wrong PIN counts against every active user it could have been meant for
    (or against ``staff_id``); after MAX_FAILURES in a row the PIN pad is locked
    for LOCK_FOR. The caller commits even when this returns None, so failures
    are remembered.
    """
    at = at or now_utc()
    stmt = select(StaffUser).where(col(StaffUser.active).is_(True))
    if staff_id is not None:
        stmt = stmt.where(StaffUser.id == staff_id)
    users = list(s.exec(stmt.order_by(col(StaffUser.id))).all())
    locked = [u for u in users if u.locked_until and _aware(u.locked_until) > at]
    if users and len(locked) == len(users):
        until = min(_aware(u.locked_until) for u in locked)  # type: ignore[arg-type]
        raise LockedOut(f"too many wrong PINs: try again after {until:%H:%M} UTC")
    for user in users:
        if user in locked:
            continue
        try:
            HASHER.verify(user.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            continue
        user.failed_attempts = 0
        user.locked_until = None
        if HASHER.check_needs_rehash(user.pin_hash):
            user.pin_hash = HASHER.hash(pin)
        s.add(user)
        audit.record(s, actor=actor, staff_id=user.id, action="staff.login",
                     entity="staff_user", entity_id=user.id)
        return user
    for user in users:
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILURES:
            user.locked_until = at + LOCK_FOR
            user.failed_attempts = 0
        s.add(user)
    audit.record(s, actor=actor, action="staff.login_failed", entity="staff_user",
                 entity_id=staff_id)
    time.sleep(FAIL_DELAY_S)
    return None
