"""Printing a card where a printer is set up: the system's default printer, or PDF files
in a folder (``--print-to FOLDER``: a kiosk tried out without a printer, and the tests).
Both behind one seam, :class:`CardPrinter`."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

# One card painter for the kiosk and the admin's sheets (admin/cards_pdf.py).
from kiosk.card_art import CARD_MM, paint_card

__all__ = ["CARD_MM", "CardPrinter", "PdfFolder", "SystemPrinter", "paint_card"]


class CardPrinter:
    """Where the kiosk prints a visitor's card."""

    def available(self) -> bool:
        raise NotImplementedError

    def _printer(self) -> QPrinter:
        raise NotImplementedError

    def print_card(self, token: str, name: str, room: str) -> bool:
        """One card, at its real size on an A4 page; False when it could not be printed
        (no printer, or the printer or folder refused it)."""
        if not self.available():
            return False
        try:
            printer = self._printer()
        except OSError:
            return False
        printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                          QPageLayout.Orientation.Portrait,
                                          QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
        painter = QPainter()
        if not painter.begin(printer):
            return False
        try:
            dpmm = printer.resolution() / 25.4
            paint_card(painter, QRectF(0, 0, CARD_MM[0] * dpmm, CARD_MM[1] * dpmm), token, name,
                       room)
        finally:
            painter.end()
        return True


class SystemPrinter(CardPrinter):
    """The system's default printer (CUPS), if it has one."""

    def available(self) -> bool:
        return not QPrinterInfo.defaultPrinter().isNull()

    def _printer(self) -> QPrinter:
        return QPrinter(QPrinterInfo.defaultPrinter(), QPrinter.PrinterMode.HighResolution)


class PdfFolder(CardPrinter):
    """Each card a PDF file in ``folder`` (card-1.pdf, card-2.pdf...)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)
        self.printed: list[Path] = []

    def available(self) -> bool:
        return True

    def _printer(self) -> QPrinter:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"card-{next(self._numbers)}.pdf"
        while path.exists():
            path = self.folder / f"card-{next(self._numbers)}.pdf"
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        self.printed.append(path)
        return printer
