"""Install-wide settings kept in the database: retention, privacy notice, what to collect."""

from __future__ import annotations

from typing import Any

from schema.errors import Refused
from schema.journal import record
from schema.sql import Db
from schema.text import clean_note, clean_text

DEFAULTS: dict[str, str] = {
    "retention_months": "24",
    "privacy_notice_version": "1",
    "privacy_notice_text": "",
    "collect_postcode": "yes",
    "collect_phone": "yes",
    "room_name": "",
}


def get_settings(s: Any) -> dict[str, str]:
    values = dict(DEFAULTS)
    values.update({key: value for key, value in Db.of(s).rows("SELECT key, value FROM setting")})
    return values


def set_setting(s: Any, *, key: str, value: str, actor: str,
                staff_id: int | None = None) -> None:
    """Change one setting, checked for what it may hold."""
    if key not in DEFAULTS:
        raise Refused(f"there is no setting called '{key}'", code="setting.unknown", key=key)
    if key == "retention_months":
        value = value.strip()
        # ASCII digits only: "²⁴" passes str.isdigit() but int() refuses it.
        if not (value.isascii() and value.isdigit()) or not 6 <= int(value) <= 120:
            raise Refused("keep records for between 6 and 120 months", code="setting.retention")
        value = str(int(value))
    elif key in ("collect_postcode", "collect_phone"):
        if value not in ("yes", "no"):
            raise Refused(f"{key} is yes or no", code="setting.yes_no", key=key)
    elif key == "privacy_notice_text":
        value = clean_note(value, field="privacy notice", max_len=20000, code="setting.notice")
    else:
        value = clean_text(value, field=key.replace("_", " "), max_len=200, code="setting.value")
    db = Db.of(s)
    db.run("INSERT INTO setting (key, value) VALUES (:key, :value)"
           " ON CONFLICT (key) DO UPDATE SET value = excluded.value", {"key": key, "value": value})
    record(db, actor=actor, staff_id=staff_id, action="setting.change", entity="setting",
           key=key)
