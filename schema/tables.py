"""SQLModel table classes: one class per entity of the design brief (section 2).

Times are stored as timezone-aware UTC datetimes; every row that is counted by period also
carries its ``local_date`` (Europe/London), fixed when the row is written, so
periods are cut in local time without any timezone arithmetic in SQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from schema.kinds import FeedbackStatus, ReferralStatus, Role, SessionKind


class Site(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=60)
    name: str = Field(max_length=200)
    created_at: dt.datetime


class Service(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    sensitive: bool = False
    active: bool = True


class TimetableSlot(SQLModel, table=True):
    """A weekly repeating session: this service, at this site, on this weekday."""

    __tablename__ = "timetable_slot"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    service_id: int = Field(foreign_key="service.id")
    weekday: int  # Monday = 0, as datetime.date.weekday()
    start_time: dt.time
    end_time: dt.time
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class Closure(SQLModel, table=True):
    """A day a site is closed: no timetabled session is offered that day."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    on_date: dt.date
    reason: str = Field(default="", max_length=200)


class Session(SQLModel, table=True):
    """One occurrence of a service at a site on a local date."""

    __table_args__ = (
        UniqueConstraint("site_id", "service_id", "on_date", "start_time", name="uq_session_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    service_id: int = Field(foreign_key="service.id")
    on_date: dt.date = Field(index=True)
    start_time: dt.time
    end_time: dt.time
    kind: str = SessionKind.timetabled.value
    cancelled: bool = False


class Household(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(default="", max_length=200)  # "Flat 12": whatever groups a family
    postcode: str | None = Field(default=None, max_length=10)
    postcode_district: str | None = Field(default=None, max_length=5, index=True)
    created_at: dt.datetime
    merged_into_id: int | None = Field(default=None, foreign_key="household.id")


LIVE_PERSON = "merged_into_id IS NULL AND anonymised_at IS NULL"


class Person(SQLModel, table=True):
    # The admin list: live people in name order, read from the index alone.
    __table_args__ = (
        Index("ix_person_live_names", "search_name", "search_last",
              sqlite_where=text(LIVE_PERSON), postgresql_where=text(LIVE_PERSON)),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(default="", max_length=100)  # surname or just an initial
    birth_year: int | None = None
    age_band: str | None = Field(default=None, max_length=20)  # when only a band was given
    phone: str | None = Field(default=None, max_length=30)
    created_at: dt.datetime
    # Lower-cased first name, for the kiosk's find-me search (an index, not a scan).
    search_name: str = Field(default="", max_length=100, index=True)
    search_last: str = Field(default="", max_length=100)
    merged_into_id: int | None = Field(default=None, foreign_key="person.id")
    anonymised_at: dt.datetime | None = None


class HouseholdMembership(SQLModel, table=True):
    """History of which household a person belonged to, and from when."""

    __tablename__ = "household_membership"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    valid_from: dt.datetime
    valid_to: dt.datetime | None = None


class Card(SQLModel, table=True):
    """A QR card. The token is random; it never encodes a name or a row id."""

    __table_args__ = (
        CheckConstraint(
            "(person_id IS NULL) <> (household_id IS NULL)", name="card_person_xor_household"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(unique=True, max_length=64)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    issued_at: dt.datetime
    revoked_at: dt.datetime | None = None


class Attendance(SQLModel, table=True):
    """One person at one session; or, with no person, an anonymous head-count.

    ``household_id``, ``site_id``, ``service_id`` and ``local_date`` are copied in
    when the row is written, so reports count "the household as it was at the
    time" and filter without joins.
    """

    __table_args__ = (
        UniqueConstraint("person_id", "session_id", name="uq_attendance_person_session"),
        CheckConstraint("headcount >= 1", name="headcount_positive"),
        CheckConstraint(
            "(person_id IS NULL AND household_id IS NULL) OR "
            "(person_id IS NOT NULL AND household_id IS NOT NULL AND headcount = 1)",
            name="attendance_named_or_anonymous",
        ),
        # Covers the ragged days of a report period.
        Index("ix_attendance_date_person", "local_date", "person_id", "household_id", "site_id",
              "service_id"),
        # Anonymous head-counts by date (reports).
        Index("ix_attendance_anonymous", "local_date", "site_id", "service_id", "headcount",
              sqlite_where=text("person_id IS NULL"), postgresql_where=text("person_id IS NULL")),
        Index("ix_attendance_person", "person_id"),
        Index("ix_attendance_household", "household_id"),
        Index("ix_attendance_session", "session_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    household_id: int | None = Field(default=None, foreign_key="household.id")
    site_id: int = Field(foreign_key="site.id")
    service_id: int = Field(foreign_key="service.id")
    local_date: dt.date
    signed_in_at: dt.datetime
    signed_out_at: dt.datetime | None = None
    # The latest sign-in, return the same day, or sign-out by the visitor's own scan: a
    # second scan within a few minutes of it is the same one (schema.signin.RESCAN_GRACE).
    changed_at: dt.datetime | None = None
    headcount: int = 1
    method: str = Field(default="card", max_length=20)  # card, search, staff, import, anonymous
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")


class SupportRollup(SQLModel, table=True):
    """Roll-up kept in step with named ``attendance``: per calendar month
    (``months`` = 1) and per calendar year (``months`` = 12), one row per person and
    household (as at the time) and per site and service, with the number of visits.

    ``site_id`` / ``service_id`` 0 means "all sites" / "all services", so each period
    holds several grains of the same attendances: (0, 0) per person and household,
    (site, 0) per site, (0, service) per service and, for months only, (site, service).
    Reports read the coarsest grain that answers a question; only the ragged days
    at the ends of a period come from ``attendance``. Referrals are not rolled up.
    ``counting.rebuild_rollups`` recreates the table from scratch.
    """

    __tablename__ = "support_rollup"
    __table_args__ = (
        CheckConstraint("months IN (1, 12)", name="rollup_months"),
        Index("ix_support_rollup_person", "person_id"),
        {"sqlite_with_rowid": False},
    )

    months: int = Field(primary_key=True)  # 1: a calendar month, 12: a calendar year
    period_start: dt.date = Field(primary_key=True)  # 1 January or the 1st of the month
    site_id: int = Field(primary_key=True)  # 0: all sites (no foreign key)
    service_id: int = Field(primary_key=True)  # 0: all services
    person_id: int = Field(primary_key=True, foreign_key="person.id")
    household_id: int = Field(primary_key=True, foreign_key="household.id")
    visits: int = 0


class HouseholdRollup(SQLModel, table=True):
    """``support_rollup`` per household: the same periods and grains, one row per
    household (as at the time) with its visits and the number of its people in the
    row's period and grain. Families and visits of a slice are then a count and a sum
    over one primary-key range. Kept in step with ``support_rollup``."""

    __tablename__ = "household_rollup"
    __table_args__ = (
        CheckConstraint("months IN (1, 12)", name="household_rollup_months"),
        Index("ix_household_rollup_household", "household_id"),
        {"sqlite_with_rowid": False},
    )

    months: int = Field(primary_key=True)  # 1: a calendar month, 12: a calendar year
    period_start: dt.date = Field(primary_key=True)
    site_id: int = Field(primary_key=True)  # 0: all sites
    service_id: int = Field(primary_key=True)  # 0: all services
    household_id: int = Field(primary_key=True, foreign_key="household.id")
    visits: int = 0
    people: int = 0  # distinct people of the household in this period and grain


class RollupTotal(SQLModel, table=True):
    """The figures of each slice of the roll-ups: per period and grain of
    ``support_rollup`` / ``household_rollup``, the distinct people, the distinct
    households and the visits in it. Kept in step with them."""

    __tablename__ = "rollup_total"
    __table_args__ = (
        CheckConstraint("months IN (1, 12)", name="rollup_total_months"),
        {"sqlite_with_rowid": False},
    )

    months: int = Field(primary_key=True)
    period_start: dt.date = Field(primary_key=True)
    site_id: int = Field(primary_key=True)  # 0: all sites
    service_id: int = Field(primary_key=True)  # 0: all services
    individuals: int = 0
    families: int = 0
    visits: int = 0


class FirstSupport(SQLModel, table=True):
    """The first local date on which each person was supported (attended or referred)."""

    __tablename__ = "first_support"

    person_id: int = Field(primary_key=True, foreign_key="person.id")
    first_date: dt.date = Field(index=True)


class HouseholdFirstSupport(SQLModel, table=True):
    """The first local date on which anyone in a household was supported."""

    __tablename__ = "household_first_support"

    household_id: int = Field(primary_key=True, foreign_key="household.id")
    first_date: dt.date = Field(index=True)


class ReferralPartner(SQLModel, table=True):
    __tablename__ = "referral_partner"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    kind: str = Field(default="", max_length=100)
    active: bool = True


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    role: str = Role.volunteer.value
    pin_hash: str = Field(max_length=200)
    active: bool = True
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime


class Referral(SQLModel, table=True):
    __table_args__ = (Index("ix_referral_date", "local_date", "person_id", "household_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)  # at the time
    partner_id: int = Field(foreign_key="referral_partner.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    service_id: int | None = Field(default=None, foreign_key="service.id")
    reason: str = Field(max_length=200)
    note: str = Field(default="", max_length=4000)
    status: str = ReferralStatus.made.value
    outcome_note: str = Field(default="", max_length=4000)
    made_at: dt.datetime
    local_date: dt.date
    follow_up_on: dt.date | None = None
    made_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: dt.datetime


class Feedback(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    topic: str = Field(max_length=100)
    text: str = Field(max_length=2000)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    given_name: str = Field(default="", max_length=100)  # a name typed, when not a known person
    created_at: dt.datetime
    status: str = FeedbackStatus.new.value
    reply_note: str = Field(default="", max_length=4000)


class Consent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    notice_version: str = Field(max_length=40)
    given_at: dt.datetime
    method: str = Field(default="kiosk", max_length=40)  # kiosk, paper, staff, import
    withdrawn_at: dt.datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Append-only: the database refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    actor: str = Field(max_length=100)  # "kiosk:burns", "cli", a staff name
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    detail: str = Field(default="", max_length=4000)


class PinPad(SQLModel, table=True):
    """A room's PIN pad (its kiosks: the actor "kiosk:<site>"): wrong PINs typed on it in a
    row, and until when it is locked.
    A wrong PIN names nobody, so it is the pad that is locked, not the staff: a child
    playing with one room's pad locks no one out of another room or the admin window."""

    __tablename__ = "pin_pad"

    actor: str = Field(primary_key=True, max_length=100)  # the kiosk, e.g. "kiosk:moss-lane"
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None


class KioskReceipt(SQLModel, table=True):
    """A kiosk's sign-in that must land once only (a registration, a head-count): the id of
    its outbox entry, written in the same transaction as the sign-in. Replaying the entry
    again (after a crash between the database's commit and the outbox's removal, or an
    error reported for a commit that in fact went through) finds it and changes nothing."""

    __tablename__ = "kiosk_receipt"

    id: str = Field(primary_key=True, max_length=32)
    landed_at: dt.datetime


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=20000)
