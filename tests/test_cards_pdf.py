"""Card sheets: who gets a card, and a printed sheet read back QR by QR (DESIGN 2, issue 4)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from admin.cards_pdf import (
    A4_MM,
    PER_PAGE,
    CardToPrint,
    card_rects,
    cards_for,
    pages_needed,
    write_sheet,
)
from admin.cli import main
from kiosk.card_art import CARD_MM
from schema.cards import issue_card, new_token
from schema.clock import now_utc
from schema.db import read_session
from schema.errors import NotFound, Refused
from schema.tables import AuditEvent, Card, Person
from tests.helpers import World, local

ACTOR = "test"
ROOM = "Burns Flats Community Room"
RENDER_DPI = 200
REQUIRE_PDFTOPPM = os.environ.get("DROPIN_REQUIRE_PDFTOPPM") == "1"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        reason = f"{name} (poppler-utils) is not installed: card sheets cannot be read back"
        if REQUIRE_PDFTOPPM:
            pytest.fail(reason + " and DROPIN_REQUIRE_PDFTOPPM=1")
        pytest.skip(reason)
    return found


def read_sheet(pdf: Path, out: Path) -> list[list[zxingcpp.Barcode]]:
    """Render every page with pdftoppm and read every barcode on it: one list per page."""
    subprocess.run([_tool("pdftoppm"), "-r", str(RENDER_DPI), "-png", str(pdf),
                    str(out / "page")], check=True, capture_output=True, timeout=300)
    pages = sorted(out.glob("page-*.png"))
    assert pages, "pdftoppm wrote no pages"
    found = []
    for png in pages:
        with Image.open(png) as image:
            found.append(list(zxingcpp.read_barcodes(image.convert("L"))))
    return found


def assert_sheet_holds(pdf: Path, out: Path, cards: list[CardToPrint]) -> None:
    """Every QR on every page decodes, to exactly the cards' tokens, ten to a page, each at
    least 30 mm wide; nothing else on the sheet reads as a barcode."""
    pages = read_sheet(pdf, out)
    assert len(pages) == pages_needed(len(cards))
    texts: list[str] = []
    for i, page in enumerate(pages):
        assert len(page) == min(PER_PAGE, len(cards) - i * PER_PAGE)
        for code in page:
            assert code.valid and code.format == zxingcpp.BarcodeFormat.QRCode
            texts.append(code.text)
            corners = code.position
            width_px = abs(corners.top_right.x - corners.top_left.x)
            assert width_px / RENDER_DPI * 25.4 >= 30, "the QR must be at least 30 mm wide"
    assert sorted(texts) == sorted(c.token for c in cards)
    names = pdf_text(pdf)
    if names is not None:
        for card in cards:
            assert card.name in names


def pdf_text(pdf: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    done = subprocess.run([tool, str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=120)
    return " ".join(done.stdout.split())  # a long name or room wraps onto two lines


def live_cards(s: Session) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for card in s.exec(select(Card).where(col(Card.revoked_at).is_(None))):
        assert card.person_id is not None
        out.setdefault(card.person_id, []).append(card.token)
    return out


# --- who gets a card ----------------------------------------------------------------------


def test_household_sheet_reprints_live_cards_and_issues_the_rest(engine: Engine) -> None:
    w = World(engine)
    ann, ben, cat = w.household("Ann", "Ben", "Cat", years=(1980, 1982, 2015))
    hid = w.last_household
    w.household("Dan")  # another household: not on this sheet
    ann_token = w.tx(lambda s: issue_card(s, person_id=ann, actor=ACTOR).token)

    cards = w.tx(lambda s: cards_for(s, household_id=hid, actor=ACTOR, room=ROOM))

    assert [c.person_id for c in cards] == [ann, ben, cat]  # oldest first, the child too
    assert [c.name for c in cards] == ["Ann T.", "Ben T.", "Cat T."]
    assert [c.new for c in cards] == [False, True, True]
    assert cards[0].token == ann_token
    assert {c.room for c in cards} == {ROOM}
    with read_session(engine) as s:
        live = live_cards(s)
    assert {p: len(t) for p, t in live.items()} == {ann: 1, ben: 1, cat: 1}
    assert {c.token for c in cards} == {t[0] for t in live.values()}


def test_one_person_gets_one_card_however_often_printed(engine: Engine) -> None:
    w = World(engine)
    (sam,) = w.household("Sam")
    first = w.tx(lambda s: cards_for(s, person_id=sam, actor=ACTOR))
    again = w.tx(lambda s: cards_for(s, person_id=sam, actor=ACTOR))
    assert len(first) == 1 and first[0].new and first[0].name == "Sam T."
    assert again[0].token == first[0].token and not again[0].new
    with read_session(engine) as s:
        assert live_cards(s) == {sam: [first[0].token]}


def test_everyone_without_a_card_once_and_never_twice(engine: Engine) -> None:
    w = World(engine)
    a = w.household("Ann", "Ben", "Cat", years=(1980, 1982, 2015))
    b = w.household("Dan", "Eve")
    c = w.household("Fay")
    w.tx(lambda s: issue_card(s, person_id=a[0], actor=ACTOR))  # has one already

    def anonymise(s: Session) -> None:  # erased people never get a card
        person = s.get(Person, c[0])
        assert person is not None
        person.anonymised_at = now_utc()
        s.add(person)

    w.tx(anonymise)
    cards = w.tx(lambda s: cards_for(s, everyone_without=True, actor=ACTOR))
    assert [x.person_id for x in cards] == [a[1], a[2], b[0], b[1]]
    assert all(x.new for x in cards)
    assert w.tx(lambda s: cards_for(s, everyone_without=True, actor=ACTOR)) == []
    with read_session(engine) as s:
        live = live_cards(s)
        issued = s.exec(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "card.issue")).one()
    assert set(live) == {a[0], a[1], a[2], b[0], b[1]}
    assert all(len(t) == 1 for t in live.values())
    assert issued == 1 + len(cards)


def test_room_is_where_they_last_signed_in(sqlite_engine: Engine) -> None:
    w = World(sqlite_engine)
    ann, ben = w.household("Ann", "Ben")
    w.attend([ann], local(2026, 3, 2), site="Moss Lane Hub")
    w.attend([ann], local(2026, 3, 9), site=ROOM)
    w.attend([ben], local(2026, 3, 3), site="Moss Lane Hub")
    (cat,) = w.household("Cat")  # never signed in: the busiest site
    cards = w.tx(lambda s: cards_for(s, everyone_without=True, actor=ACTOR))
    assert {x.person_id: x.room for x in cards} == {ann: ROOM, ben: "Moss Lane Hub",
                                                  cat: "Moss Lane Hub"}


def test_choose_exactly_one_selection(sqlite_engine: Engine) -> None:
    w = World(sqlite_engine)
    (sam,) = w.household("Sam")
    with pytest.raises(Refused):
        w.tx(lambda s: cards_for(s, actor=ACTOR))
    with pytest.raises(Refused):
        w.tx(lambda s: cards_for(s, person_id=sam, everyone_without=True, actor=ACTOR))
    with pytest.raises(NotFound):
        w.tx(lambda s: cards_for(s, person_id=sam + 100, actor=ACTOR))
    with pytest.raises(NotFound):
        w.tx(lambda s: cards_for(s, household_id=w.last_household + 100, actor=ACTOR))


# --- the sheet ----------------------------------------------------------------------------


def test_cards_fit_the_a4_page_in_ten_bank_card_slots() -> None:
    dpmm = 600 / 25.4
    rects = card_rects(dpmm)
    assert len(rects) == PER_PAGE == 10
    for r in rects:
        assert r.width() / dpmm == pytest.approx(CARD_MM[0])
        assert r.height() / dpmm == pytest.approx(CARD_MM[1])
        assert r.left() / dpmm >= 8 and r.top() / dpmm >= 8  # inside any printer's margins
        assert r.right() / dpmm <= A4_MM[0] - 8 and r.bottom() / dpmm <= A4_MM[1] - 8
    for i, r in enumerate(rects):
        assert not any(r.intersects(o) for o in rects[i + 1:])


def test_household_sheet_reads_back(qapp: object, sqlite_engine: Engine, tmp_path: Path) -> None:
    w = World(sqlite_engine)
    w.household("Ann", "Ben", "Cat", years=(1980, 1982, 2015))
    cards = w.tx(lambda s: cards_for(s, household_id=w.last_household, actor=ACTOR))
    pdf = tmp_path / "household.pdf"
    assert write_sheet(cards, pdf, ROOM) == 1
    assert_sheet_holds(pdf, tmp_path, cards)
    text = pdf_text(pdf)
    if text is not None:
        assert text.count(ROOM) == 3


def test_one_person_sheet_reads_back(qapp: object, sqlite_engine: Engine, tmp_path: Path) -> None:
    w = World(sqlite_engine)
    (sam,) = w.household("Samantha")
    cards = w.tx(lambda s: cards_for(s, person_id=sam, actor=ACTOR, room=ROOM))
    pdf = tmp_path / "one.pdf"
    assert write_sheet(cards, pdf, "") == 1
    assert_sheet_holds(pdf, tmp_path, cards)
    text = pdf_text(pdf)
    if text is not None:
        assert "Show this card to sign in" in text


def test_everyone_without_sheet_reads_back_over_pages(
    qapp: object, sqlite_engine: Engine, tmp_path: Path
) -> None:
    w = World(sqlite_engine)
    names = ["Ann", "Ben", "Christopherson", "Dan", "Eve", "Fay", "Gus", "Hal"]
    ids = [p for i in range(8)  # 23 people in 8 households
           for p in w.household(*[f"{names[i]}{j}" for j in range(3 if i < 7 else 2)])]
    w.tx(lambda s: issue_card(s, person_id=ids[0], actor=ACTOR))  # one already has a card
    cards = w.tx(lambda s: cards_for(s, everyone_without=True, actor=ACTOR))
    assert [c.person_id for c in cards] == ids[1:]  # three pages, the last with two cards
    pdf = tmp_path / "everyone.pdf"
    progress: list[tuple[int, int]] = []
    assert write_sheet(cards, pdf, ROOM, progress=lambda i, n: progress.append((i, n))) == 3
    assert progress[-1] == (22, 22)
    assert_sheet_holds(pdf, tmp_path, cards)


def test_no_cards_no_file(qapp: object, tmp_path: Path) -> None:
    assert write_sheet([], tmp_path / "empty.pdf", ROOM) == 0
    assert not (tmp_path / "empty.pdf").exists()


def test_a_long_sheet_is_quick(qapp: object, tmp_path: Path) -> None:
    cards = [CardToPrint(new_token(), f"Person{i} T.", ROOM) for i in range(500)]
    started = time.perf_counter()
    assert write_sheet(cards, tmp_path / "long.pdf", ROOM) == 50
    took = time.perf_counter() - started
    assert took < 30, f"500 cards took {took:.1f} s"  # about 2 s on a laptop


def test_unwritable_sheet_is_refused_before_any_card_is_issued(
    qapp: object, sqlite_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = World(sqlite_engine)
    w.household("Ann")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    code = main(["--database", url, "cards", "--without-card", "-o",
                 str(tmp_path / "missing" / "x.pdf")])
    assert code == 2
    assert "cannot write the card sheet" in capsys.readouterr().err
    with read_session(sqlite_engine) as s:
        assert live_cards(s) == {}


# --- the command line ---------------------------------------------------------------------


def test_cli_cards_for_a_household(
    qapp: object, sqlite_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = World(sqlite_engine)
    w.site(ROOM)
    w.household("Ann", "Ben")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    pdf = tmp_path / "cards.pdf"
    assert main(["--database", url, "cards", "--household", str(w.last_household),
                 "-o", str(pdf)]) == 0
    assert "2 cards (2 newly issued) on 1 page written to" in capsys.readouterr().out
    with read_session(sqlite_engine) as s:
        tokens = [t for ts in live_cards(s).values() for t in ts]
        sheet = s.exec(select(AuditEvent).where(AuditEvent.action == "cards.sheet")).one()
    assert '"cards": 2' in sheet.detail and "Ann" not in sheet.detail  # ids, never names

    assert main(["--database", url, "cards", "--without-card", "-o",
                 str(tmp_path / "none.pdf")]) == 0
    assert "No cards to print" in capsys.readouterr().out
    assert not (tmp_path / "none.pdf").exists()
    assert main(["--database", url, "cards", "--person", "999", "-o", str(pdf)]) == 2
    assert capsys.readouterr().err.strip() == "dropin-admin: that person is not on record"

    pages = read_sheet(pdf, tmp_path)
    assert sorted(code.text for page in pages for code in page) == sorted(tokens)


def test_print_sheet_lays_out_as_the_pdf(qapp: object, tmp_path: Path) -> None:
    """The printer path, through a QPrinter that prints to a file."""
    from PySide6.QtPrintSupport import QPrinter

    from admin.cards_pdf import print_sheet, printer_available

    cards = [CardToPrint(new_token(), f"Person{i} T.", ROOM) for i in range(12)]
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_sheet(cards, ROOM, printer=printer)
    assert not print_sheet([], ROOM, printer=printer)
    if not printer_available():
        assert not print_sheet(cards, ROOM)
    assert_sheet_holds(tmp_path / "printed.pdf", tmp_path, cards)
