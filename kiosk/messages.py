"""What the kiosk says when the core refuses something, in its own words and language.

The Qt-free core raises a :class:`~schema.errors.DropinError` with a stable ``code``
("card.unknown") and the values its message needs; its English text is written for the
admin window and the command line. Here each code the kiosk can meet has a sentence for
someone standing at a touchscreen — marked for lupdate in the "Messages" context and
translated when it is shown, with its values filled in (Qt's ``%1``, ``%2``: a
translation may put them in another order). A code with no sentence here gets a calm
general one and a line in the log, never the core's English.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from schema.clock import LONDON
from schema.errors import DropinError

log = logging.getLogger(__name__)

CONTEXT = "Messages"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """lupdate's marker, found by its name: ``text`` is to be translated in ``context``
    (and is given back as it is: a ``str``, where Qt's own is typed as any object)."""
    return text


@dataclass(frozen=True)
class Said:
    """A sentence (English, as marked for lupdate) and the error's values for its
    ``%1``, ``%2``... in that order."""

    text: str
    fills: tuple[str, ...] = ()


GENERIC = QT_TRANSLATE_NOOP(
    "Messages", "Sorry, that didn't work. Please try again, or ask a member of staff.")

# Sentences several codes share (one translation each).
ASK_STAFF = Said(QT_TRANSLATE_NOOP(
    "Messages", "Sorry, that can't be done here just now. Please ask a member of staff."))
GONE = Said(QT_TRANSLATE_NOOP(
    "Messages", "Sorry, we can't find those details any more. Please ask a member of staff."))
CANT_USE = Said(QT_TRANSLATE_NOOP(
    "Messages", "Something typed there can't be used. Please type it again."))
PARTNER_GONE = Said(QT_TRANSLATE_NOOP(
    "Messages", "That partner is no longer on the list. Please choose another."))
YEAR_OR_AGE = Said(QT_TRANSLATE_NOOP(
    "Messages", "Please type the year born, like 1988, or an age, like 34, in numbers. "
    "For a baby under one, type 0."))

MESSAGES: dict[str, Said] = {
    # a card shown to the scanner
    "card.unknown": Said(QT_TRANSLATE_NOOP(
        "Messages", "Sorry, we don't know this card. Please ask a member of staff.")),
    "card.no_one": Said(QT_TRANSLATE_NOOP(
        "Messages", "Sorry, this card isn't anyone's now. Please ask a member of staff.")),
    "card.owner": ASK_STAFF,
    # someone found, or about to be signed in, who has gone from the records meanwhile
    "person.not_found": GONE,
    "household.not_found": GONE,
    "session.not_on": Said(QT_TRANSLATE_NOOP(
        "Messages", "Sorry, that session isn't on any more. Please ask a member of staff.")),
    "headcount.invalid": Said(QT_TRANSLATE_NOOP(
        "Messages", "Please choose from 1 to %1 people."), ("most",)),
    # I'm new, and a person added on Who's here
    "name.required": Said(QT_TRANSLATE_NOOP("Messages", "Please type a first name.")),
    "name.whole": Said(QT_TRANSLATE_NOOP(
        "Messages", "Just the first name here, please, not the surname. For two first "
                    "names, join them with a hyphen, like Mary-Jane.")),
    "name.not_letters": Said(QT_TRANSLATE_NOOP(
        "Messages", "A first name has only letters in it. A hyphen or an apostrophe is "
                    "fine, like Mary-Jane or O'Neill.")),
    "name.too_short": Said(QT_TRANSLATE_NOOP(
        "Messages", "Please type the whole first name, at least %1 letters."), ("letters",)),
    "name.too_long": Said(QT_TRANSLATE_NOOP(
        "Messages", "That first name is too long. Please type just the first name.")),
    "name.control": CANT_USE,
    "surname.not_letters": Said(QT_TRANSLATE_NOOP(
        "Messages", "A surname has only letters in it (a hyphen, an apostrophe or a space is "
                    "fine). Or just type its first letter.")),
    "surname.too_long": Said(QT_TRANSLATE_NOOP(
        "Messages", "That surname is too long. Just its first letter is fine.")),
    "surname.control": CANT_USE,
    "year_or_age.invalid": YEAR_OR_AGE,
    "year.invalid": YEAR_OR_AGE,
    "year.impossible": Said(QT_TRANSLATE_NOOP(
        "Messages", "%1 can't be a year of birth. Please type a year like 1988, or an age "
                    "like 34."), ("year",)),
    "age.impossible": Said(QT_TRANSLATE_NOOP(
        "Messages", "%1 can't be an age. Please type an age like 34, or a year like 1988."),
        ("age",)),
    "postcode.invalid": Said(QT_TRANSLATE_NOOP(
        "Messages", "That postcode doesn't look right. Please check it, or leave it empty "
                    "(it's optional).")),
    "phone.invalid": Said(QT_TRANSLATE_NOOP(
        "Messages", "That phone number doesn't look right. Please use numbers only, like "
                    "07700 900123, or leave it empty.")),
    "age_band.invalid": ASK_STAFF,
    "household.empty": ASK_STAFF,
    "household.reference.control": ASK_STAFF,
    "household.reference.too_long": ASK_STAFF,
    # Have your say
    "feedback.empty": Said(QT_TRANSLATE_NOOP("Messages", "Please write a few words first.")),
    "feedback.message.too_long": Said(QT_TRANSLATE_NOOP(
        "Messages", "That's a long message! Please make it shorter: up to %1 characters."),
        ("max_len",)),
    "feedback.message.control": CANT_USE,
    "feedback.name.too_long": Said(QT_TRANSLATE_NOOP(
        "Messages", "That name is too long. Please make it shorter.")),
    "feedback.name.control": CANT_USE,
    "feedback.topic.required": Said(QT_TRANSLATE_NOOP(
        "Messages", "Please choose a topic first.")),
    "feedback.topic.control": ASK_STAFF,
    "feedback.topic.too_long": ASK_STAFF,
    # the sessions on now (the room's timetable)
    "service.name.required": ASK_STAFF,
    "service.name.control": ASK_STAFF,
    "service.name.too_long": ASK_STAFF,
    # staff mode
    "pin.locked": Said(QT_TRANSLATE_NOOP(
        "Messages", "Too many wrong PINs. The PIN pad is locked until %1."), ("until",)),
    "partner.not_found": PARTNER_GONE,
    "partner.inactive": PARTNER_GONE,
    "referral.follow_up_past": Said(QT_TRANSLATE_NOOP(
        "Messages", "The follow-up date is in the past. Please choose another.")),
    "referral.reason.required": Said(QT_TRANSLATE_NOOP(
        "Messages", "Please type a reason for the referral.")),
    "referral.reason.too_long": Said(QT_TRANSLATE_NOOP(
        "Messages", "Please make the reason shorter: up to %1 characters."), ("max_len",)),
    "referral.reason.control": CANT_USE,
    "referral.note.too_long": Said(QT_TRANSLATE_NOOP(
        "Messages", "Please make the note shorter: up to %1 characters."), ("max_len",)),
    "referral.note.control": CANT_USE,
}

_MARKER = re.compile(r"%([1-9])")


def _shown(value: object, *, until: bool = False) -> str:
    """A value as the kiosk shows it: a moment as the room's clock time; the end of a
    wait (``until``) as the first minute it is over ("until 14:06" for 14:05:29, since
    at 14:05 it still holds)."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if until and (moment.second or moment.microsecond):
            moment = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        return f"{moment.astimezone(LONDON):%H:%M}"
    return str(value)


def explain(exc: DropinError) -> str:
    """``exc`` in the kiosk's words, in the language on screen."""
    said = MESSAGES.get(exc.code)
    missing = [] if said is None else [f for f in said.fills if f not in exc.params]
    if said is None or missing:
        # A gap to fill in the table above (or a raise site without a code): logged by
        # code and kind only, as the core's text may carry what a visitor typed.
        log.warning("no kiosk message for %s %r%s", type(exc).__name__, exc.code,
                    f" (without {', '.join(missing)})" if missing else "")
        return QCoreApplication.translate(CONTEXT, GENERIC)
    return fill(QCoreApplication.translate(CONTEXT, said.text),
                *(_shown(exc.params[f], until=f == "until") for f in said.fills))


def fill(text: str, *values: str) -> str:
    """``text`` with ``%1``, ``%2``... filled in (Qt's markers: a translation may put them
    in another order). One pass, so that a value holding "%2" is never filled in itself."""
    return _MARKER.sub(lambda m: values[int(m.group(1)) - 1]
                       if int(m.group(1)) <= len(values) else m.group(0), text)
