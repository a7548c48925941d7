"""Card sheets: A4 pages of bank-card-sized QR cards for one person, a household or everyone
without a card, as a PDF (QPdfWriter) or straight to the default printer.

The cards are drawn by the kiosk's own painter (:func:`kiosk.card_art.paint_card`), so a card
printed at the kiosk and one cut from a sheet look the same. Painting needs a
``QGuiApplication`` (fonts); the caller makes one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from sqlalchemy import text
from sqlmodel import Session, col, select

from kiosk.card_art import CARD_MM, paint_card
from schema.cards import card_for_person, issue_card
from schema.errors import NotFound, Refused
from schema.people import display_label, household_members
from schema.tables import Card, Household, Person, Site

# A4 portrait, 2 columns × 5 rows of ID-1 cards with a little room between them to cut.
A4_MM = (210.0, 297.0)
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
GAP_MM = (4.0, 2.0)  # between columns, between rows
DPI = 600  # the QR and the text are vector shapes; this is only the coordinate grid

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CardToPrint:
    token: str
    name: str  # first name and surname initial: "Sam W."
    room: str = ""  # the site the card is for; empty: the sheet's room
    person_id: int | None = None
    new: bool = True  # issued for this sheet (False: their live card, printed again)


# --- choosing and issuing ---------------------------------------------------------------


def cards_for(
    s: Session,
    *,
    person_id: int | None = None,
    household_id: int | None = None,
    everyone_without: bool = False,
    actor: str,
    staff_id: int | None = None,
    room: str = "",
) -> list[CardToPrint]:
    """The cards for a sheet, issuing one (:func:`schema.cards.issue_card`) to anyone chosen
    who has no live card; someone who has one gets theirs printed again, never a second.

    Choose exactly one of: a person; a household (every current member, children too); or
    everyone on record (not merged, not anonymised) without a live card. Each card's room is
    ``room`` when given, else the only site, else the site the person last signed in at,
    else the busiest site.
    """
    if sum((person_id is not None, household_id is not None, everyone_without)) != 1:
        raise Refused("choose one person, one household or everyone without a card")
    if person_id is not None:
        person = s.get(Person, person_id)
        if person is None or person.merged_into_id or person.anonymised_at:
            raise NotFound("that person is not on record")
        people = [person]
    elif household_id is not None:
        household = s.get(Household, household_id)
        if household is None or household.merged_into_id:
            raise NotFound("that household is not on record")
        people = household_members(s, household_id)
    else:
        has_card = (
            select(Card.id)
            .where(Card.person_id == Person.id)
            .where(col(Card.revoked_at).is_(None))
            .exists()
        )
        people = list(s.exec(
            select(Person)
            .where(col(Person.merged_into_id).is_(None))
            .where(col(Person.anonymised_at).is_(None))
            .where(~has_card)
            .order_by(col(Person.household_id), col(Person.id))
        ).all())

    rooms = _rooms(s, [p.id for p in people if p.id is not None]) if not room else {}
    cards: list[CardToPrint] = []
    # Plain values first: issuing a card writes on the session's connection, and the
    # people read here are not reloaded one by one afterwards.
    for pid, first, last in [(p.id, p.first_name, p.last_name) for p in people]:
        assert pid is not None
        live = None if everyone_without else card_for_person(s, pid)
        card = live or issue_card(s, person_id=pid, actor=actor, staff_id=staff_id)
        cards.append(CardToPrint(
            token=card.token,
            name=display_label(first, last, None),
            room=room or rooms.get(pid, ""),
            person_id=pid,
            new=live is None,
        ))
    return cards


def _rooms(s: Session, person_ids: Sequence[int]) -> dict[int, str]:
    """Each person's room: the only site, or the site of their latest sign-in, or (never
    signed in) the busiest site."""
    sites = list(s.exec(select(Site.name).limit(2)).all())
    if len(sites) <= 1:
        return dict.fromkeys(person_ids, sites[0]) if sites else {}
    busiest = s.execute(text(
        "SELECT st.name FROM site st LEFT JOIN attendance a ON a.site_id = st.id "
        "GROUP BY st.id, st.name ORDER BY COUNT(a.id) DESC, st.id LIMIT 1")).scalar_one()
    rooms = dict.fromkeys(person_ids, str(busiest))
    for i in range(0, len(person_ids), 500):
        chunk = list(person_ids[i:i + 500])
        marks = ", ".join(f":p{j}" for j in range(len(chunk)))
        rows = s.execute(text(
            "SELECT person_id, name FROM (SELECT a.person_id, st.name, ROW_NUMBER() OVER "
            "(PARTITION BY a.person_id ORDER BY a.signed_in_at DESC, a.id DESC) AS n "
            "FROM attendance a JOIN site st ON st.id = a.site_id "
            f"WHERE a.person_id IN ({marks})) latest WHERE n = 1"
        ), {f"p{j}": pid for j, pid in enumerate(chunk)})
        rooms.update({int(r[0]): str(r[1]) for r in rows})
    return rooms


# --- painting ---------------------------------------------------------------------------


def pages_needed(count: int) -> int:
    return -(-count // PER_PAGE)


def card_rects(dpmm: float) -> list[QRectF]:
    """Where the cards of one page go, in device units at ``dpmm`` dots per millimetre,
    row by row, centred on the A4 page (about 17 mm side and 9.5 mm top margins)."""
    w, h = CARD_MM
    block_w = COLUMNS * w + (COLUMNS - 1) * GAP_MM[0]
    block_h = ROWS * h + (ROWS - 1) * GAP_MM[1]
    left, top = (A4_MM[0] - block_w) / 2, (A4_MM[1] - block_h) / 2
    return [
        QRectF((left + c * (w + GAP_MM[0])) * dpmm, (top + r * (h + GAP_MM[1])) * dpmm,
               w * dpmm, h * dpmm)
        for r in range(ROWS) for c in range(COLUMNS)
    ]


def _paint_sheet(device: QPdfWriter | QPrinter, cards: Sequence[CardToPrint], room: str,
                 progress: Progress | None) -> int:
    painter = QPainter()
    if not painter.begin(device):
        raise Refused("cannot start the card sheet (is the file or printer writable?)")
    try:
        rects = card_rects(device.resolution() / 25.4)
        for i, card in enumerate(cards):
            if i and i % PER_PAGE == 0:
                device.newPage()
            paint_card(painter, rects[i % PER_PAGE], card.token, card.name, card.room or room)
            if progress is not None:
                progress(i + 1, len(cards))
    finally:
        painter.end()
    return pages_needed(len(cards))


def _a4_layout() -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                       QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def check_writable(path: Path) -> None:
    """Refuse a sheet that could not be saved, before any card is issued for it."""
    path = Path(path)
    if path.is_dir():
        raise Refused(f"{path} is a folder: give a file name for the card sheet")
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise Refused(f"cannot write the card sheet to {path}: no such folder, or not allowed")
    if path.exists() and not os.access(path, os.W_OK):
        raise Refused(f"cannot write the card sheet to {path}: the file is read-only")


def write_sheet(cards: Iterable[CardToPrint], path: Path, room: str = "",
                progress: Progress | None = None) -> int:
    """Write the cards to an A4 PDF, 10 a page; returns the pages written (0: no cards,
    no file). ``room`` is printed on cards that carry none of their own."""
    cards = list(cards)
    if not cards:
        return 0
    check_writable(path)
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageLayout(_a4_layout())
    writer.setTitle("Dropin cards")
    writer.setCreator("Dropin")
    return _paint_sheet(writer, cards, room, progress)


def printer_available() -> bool:
    return not QPrinterInfo.defaultPrinter().isNull()


def print_sheet(cards: Iterable[CardToPrint], room: str = "",
                progress: Progress | None = None, printer: QPrinter | None = None) -> bool:
    """Send the sheet to ``printer`` (default: the system's default printer); False when
    there is none, or no cards."""
    cards = list(cards)
    if not cards:
        return False
    if printer is None:
        if not printer_available():
            return False
        printer = QPrinter(QPrinterInfo.defaultPrinter(), QPrinter.PrinterMode.HighResolution)
    printer.setDocName("Dropin cards")
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)  # coordinates from the paper's corner, as in the PDF
    _paint_sheet(printer, cards, room, progress)
    return True
