"""Cleaning what people type: names, postcodes, phone numbers."""

from __future__ import annotations

import re
import unicodedata

from schema.errors import Refused

# C0 and C1 control characters (tab and line feed are whitespace, below), the bidi
# embedding/override/isolate controls (they make text show in another order than it is
# stored), lone surrogates (not text: no database or file can store them) and the
# non-characters U+FDD0-U+FDEF and U+FFFE/U+FFFF (not allowed in an .xlsx export).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
    r"\ufdd0-\ufdef\ufffe\uffff]"
)
_SPACES = re.compile(r"\s+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def clean_text(value: str, *, field: str, max_len: int, required: bool = False) -> str:
    """Normalise (NFC), trim, collapse whitespace; refuse control characters and overlength."""
    if value is None:
        value = ""
    value = unicodedata.normalize("NFC", str(value))
    if _CONTROL.search(value):
        raise Refused(f"{field} contains a control character")
    value = _SPACES.sub(" ", value).strip()
    if required and not value:
        raise Refused(f"{field} is required")
    if len(value) > max_len:
        raise Refused(f"{field} is longer than {max_len} characters")
    return value


def clean_name(value: str, *, field: str = "first name", required: bool = True) -> str:
    return clean_text(value, field=field, max_len=100, required=required)


def clean_note(value: str, *, field: str = "note", max_len: int = 4000) -> str:
    """Free text: keeps line breaks, refuses other control characters."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").strip()
    if _CONTROL.search(value.replace("\n", " ").replace("\t", " ")):
        raise Refused(f"{field} contains a control character")
    if len(value) > max_len:
        raise Refused(f"{field} is longer than {max_len} characters")
    return value


def search_key(name: str) -> str:
    """A name (or what is typed to find one) folded for prefix search. Control characters
    are dropped: no stored name has one, and a NUL would end SQLite's LIKE pattern early
    (matching names the query does not start) and is an error in PostgreSQL."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", name)).casefold().strip()


def clean_postcode(value: str | None) -> tuple[str | None, str | None]:
    """A UK postcode as ("SW1A 1AA", "SW1A"); a bare district ("M40") is accepted too."""
    if value is None or not str(value).strip():
        return None, None
    raw = _SPACES.sub("", str(value)).upper()
    m = _POSTCODE.match(raw)
    if m:
        return f"{m.group(1)} {m.group(2)}", m.group(1)
    if _DISTRICT.match(raw):
        return raw, raw
    raise Refused(f"'{str(value).strip()[:20]}' is not a UK postcode")


def clean_phone(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    digits = re.sub(r"[\s().-]", "", str(value))
    if not re.fullmatch(r"\+?[0-9]{6,15}", digits):
        raise Refused("the phone number should be digits only, like 07700 900123")
    return digits


def clean_birth_year(value: int | str | None, *, this_year: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise Refused(f"'{str(value)[:20]}' is not a year of birth") from None
    if not this_year - 120 <= year <= this_year:
        raise Refused(f"{year} is not a possible year of birth")
    return year


def birth_year_from(value: str | None, *, this_year: int) -> int | None:
    """What a kiosk visitor types in "Year born or age": 1988, or 34 (an age)."""
    raw = (value or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise Refused("type the year you were born (like 1988) or an age (like 34)")
    if len(raw) <= 3:
        age = int(raw)
        if age > 120:
            raise Refused(f"{age} is not a possible age")
        return this_year - age
    return clean_birth_year(raw, this_year=this_year)
