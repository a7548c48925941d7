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


def clean_text(value: str, *, field: str, max_len: int, required: bool = False,
               code: str = "text") -> str:
    """Normalise (NFC), trim, collapse whitespace; refuse control characters and overlength.

    ``field`` names the field in the English message; ``code`` is the start of the error
    codes ("name" gives "name.required", "name.too_long", "name.control").
    """
    if value is None:
        value = ""
    value = unicodedata.normalize("NFC", str(value))
    if _CONTROL.search(value):
        raise Refused(f"{field} contains a control character", code=f"{code}.control",
                      field=field)
    value = _SPACES.sub(" ", value).strip()
    if required and not value:
        raise Refused(f"{field} is required", code=f"{code}.required", field=field)
    if len(value) > max_len:
        raise Refused(f"{field} is longer than {max_len} characters", code=f"{code}.too_long",
                      field=field, max_len=max_len)
    return value


def clean_name(value: str, *, field: str = "first name", required: bool = True,
               code: str = "name") -> str:
    return clean_text(value, field=field, max_len=100, required=required, code=code)


def clean_note(value: str, *, field: str = "note", max_len: int = 4000,
               code: str = "note") -> str:
    """Free text: keeps line breaks, refuses other control characters."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").strip()
    if _CONTROL.search(value.replace("\n", " ").replace("\t", " ")):
        raise Refused(f"{field} contains a control character", code=f"{code}.control",
                      field=field)
    if len(value) > max_len:
        raise Refused(f"{field} is longer than {max_len} characters", code=f"{code}.too_long",
                      field=field, max_len=max_len)
    return value


# --- the kiosk's name rules ----------------------------------------------------------
# Stricter than what the admin window and an import accept: a visitor typing at a shared
# screen is asked for their first name in one box and their surname (or its first letter)
# in another, so a whole name, a stray digit or a single letter there is a slip to point
# out, not a name to keep.

MIN_FIRST_NAME_LETTERS = 2
# Between the letters of a name: a hyphen (Mary-Jane), an apostrophe as a keyboard types
# it or as a phone does (O'Neill, O’Neill), or Unicode's own hyphen.
_JOINERS = re.compile(r"[-'\u2019\u2010]")
_APOSTROPHES = "'\u2019"
# Scripts in which one character is a whole syllable: a given name of one is a full name
# (明, 慧; Hangul syllables, kana). Han, kana, Hangul and their compatibility blocks.
_SYLLABIC = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
                       "\uf900-\ufaff\U00020000-\U0003134f]")


def _is_name(value: str, *, surname: bool = False) -> bool:
    """Words of letters (with their accents and marks) joined by single hyphens or
    apostrophes: "Mary-Jane", "O'Neill", "Zoë", "van der Berg"; never a digit or symbol.
    In a surname a word may begin with an apostrophe, as the Dutch 't and 's do
    ("'t Hooft")."""
    for word in value.split(" "):
        if surname and len(word) > 1 and word[0] in _APOSTROPHES:
            word = word[1:]
        for part in _JOINERS.split(word):
            if not part or not part[0].isalpha():
                return False
            if not all(ch.isalpha() or unicodedata.category(ch).startswith("M")
                       for ch in part):
                return False
    return True


def _capitals(value: str, *, surname: bool = False) -> str:
    """A name typed all in lower case (an on-screen keyboard left in lower case) given its
    capitals: "amira" -> "Amira", "mary-jane" -> "Mary-Jane", "d'arcy" -> "D'Arcy",
    "o'neill" -> "O'Neill", "k" -> "K". A name with a capital anywhere is kept as typed:
    the visitor chose ("McDonald", "van der Berg"). So is a surname of several words
    typed in lower case ("van der berg"): which of them take a capital is the family's."""
    if any(ch.isupper() for ch in value) or (surname and " " in value):
        return value

    def capital(part: str) -> str:
        first = part[:1].upper()
        return first + part[1:] if len(first) == 1 else part  # ("ß" would become "SS")

    def word(w: str) -> str:
        if len(w) > 2 and w[1] in _APOSTROPHES:  # O'Neill, D'Arcy
            return capital(w[0]) + w[1] + capital(w[2:])
        return capital(w)

    return "-".join(word(w) for w in value.split("-"))


def clean_first_name(value: str) -> str:
    """A first name as the kiosk takes it (the visitor's and each household member's):
    at least 2 letters (or one character of a syllabic script: 明), and only letters,
    hyphens and apostrophes — no digits, symbols or spaces (a space means a surname typed
    here too; two first names take a hyphen). Typed all in lower case, it is given its
    capitals (``_capitals``)."""
    name = clean_name(value)
    if not _is_name(name):
        raise Refused("a first name has only letters, hyphens and apostrophes",
                      code="name.not_letters")
    if " " in name:
        raise Refused("give just the first name here: the surname has its own box",
                      code="name.whole")
    if sum(ch.isalpha() for ch in name) < MIN_FIRST_NAME_LETTERS and not _SYLLABIC.search(name):
        raise Refused(f"a first name has at least {MIN_FIRST_NAME_LETTERS} letters",
                      code="name.too_short", letters=MIN_FIRST_NAME_LETTERS)
    return _capitals(name)


def clean_surname(value: str) -> str:
    """A surname or its initial as the kiosk takes it: letters, and hyphens, apostrophes
    or spaces between them (O'Neill, Smith-Jones, van der Berg, 't Hooft); may be left
    empty. "K." is taken as the initial K. Typed all in lower case, it is given its
    capitals (``_capitals``)."""
    name = clean_name(value, field="surname", required=False, code="surname")
    if len(name) == 2 and name[0].isalpha() and name[1] == ".":
        name = name[0]
    if name and not _is_name(name, surname=True):
        raise Refused("a surname has only letters, hyphens, apostrophes and spaces",
                      code="surname.not_letters")
    return _capitals(name, surname=True)


def search_key(name: str) -> str:
    """A name (or what is typed to find one) folded for prefix search. Control characters
    are dropped: no stored name has one, and a NUL would end SQLite's LIKE pattern early
    (matching names the query does not start) and is an error in PostgreSQL."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", name)).casefold().strip()


# Left out of a name's search key: what a visitor may type, or not, or type another way
# (O'Neill, O’Neill, ONeill, O Neill; Mary-Jane, Mary Jane; St. John, St John).
_NAME_MARKS = re.compile(r"[\s'\u2018\u2019`\u02bc\-\u2010\u2011.]+")


def name_key(name: str) -> str:
    """A person's name (or what is typed to find one) as the find-me and staff searches
    compare it: ``search_key``, with accents dropped (Zoë, Zoe; José, Jose; Siobhán,
    Siobhan: the kiosk's keyboard has no accents, and the office's has) and apostrophes,
    hyphens, full stops and spaces left out. Scripts without accents are unchanged
    (明, 서연)."""
    decomposed = unicodedata.normalize("NFKD", search_key(name))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", _NAME_MARKS.sub("", bare))


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
    raise Refused(f"'{str(value).strip()[:20]}' is not a UK postcode", code="postcode.invalid",
                  value=str(value).strip()[:20])


def clean_phone(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    digits = re.sub(r"[\s().-]", "", str(value))
    if not re.fullmatch(r"\+?[0-9]{6,15}", digits):
        raise Refused("the phone number should be digits only, like 07700 900123",
                      code="phone.invalid")
    return digits


def clean_birth_year(value: int | str | None, *, this_year: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise Refused(f"'{str(value)[:20]}' is not a year of birth", code="year.invalid",
                      value=str(value)[:20]) from None
    if not this_year - 120 <= year <= this_year:
        raise Refused(f"{year} is not a possible year of birth", code="year.impossible",
                      year=year)
    return year


def birth_year_from(value: str | None, *, this_year: int) -> int | None:
    """What a kiosk visitor types in "Year born or age": 1988, or 34 (an age)."""
    raw = (value or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise Refused("type the year you were born (like 1988) or an age (like 34)",
                      code="year_or_age.invalid")
    if len(raw) <= 3:
        age = int(raw)
        if age > 120:
            raise Refused(f"{age} is not a possible age", code="age.impossible", age=age)
        return this_year - age
    return clean_birth_year(raw, this_year=this_year)
