"""Install-wide settings kept in the database: retention, privacy notice, what to collect."""

from __future__ import annotations

from sqlmodel import Session, select

from schema import audit
from schema.errors import Refused
from schema.tables import Setting
from schema.text import clean_note, clean_text

DEFAULTS: dict[str, str] = {
    "retention_months": "24",
    "privacy_notice_version": "1",
    "privacy_notice_text": "",
    "collect_postcode": "yes",
    "collect_phone": "yes",
    "room_name": "",
}


def get_settings(s: Session) -> dict[str, str]:
    values = dict(DEFAULTS)
    values.update({row.key: row.value for row in s.exec(select(Setting))})
    return values


def set_setting(s: Session, *, key: str, value: str, actor: str,
                staff_id: int | None = None) -> None:
    """Change one setting, checked for what it may hold."""
    if key not in DEFAULTS:
        raise Refused(f"there is no setting called '{key}'")
    if key == "retention_months":
        value = value.strip()
        # ASCII digits only: "²⁴" passes str.isdigit() but int() refuses it.
        if not (value.isascii() and value.isdigit()) or not 6 <= int(value) <= 120:
            raise Refused("keep records for between 6 and 120 months")
        value = str(int(value))
    elif key in ("collect_postcode", "collect_phone"):
        if value not in ("yes", "no"):
            raise Refused(f"{key} is yes or no")
    elif key == "privacy_notice_text":
        value = clean_note(value, field="privacy notice", max_len=20000)
    else:
        value = clean_text(value, field=key.replace("_", " "), max_len=200)
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=value))
    else:
        row.value = value
        s.add(row)
    audit.record(s, actor=actor, staff_id=staff_id, action="setting.change", entity="setting",
                 key=key)
