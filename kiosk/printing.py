"""Printing a card on the kiosk's printer, where one is set up."""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QRectF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

# One card painter for the kiosk and the admin's sheets (admin/cards_pdf.py).
from kiosk.card_art import CARD_MM, paint_card

__all__ = ["CARD_MM", "paint_card", "print_card", "printer_available"]


def printer_available() -> bool:
    return not QPrinterInfo.defaultPrinter().isNull()


def print_card(token: str, name: str, room: str) -> bool:
    """Send one card to the default printer; False when there is none."""
    if not printer_available():
        return False
    printer = QPrinter(QPrinterInfo.defaultPrinter(), QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                      QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 15),
                                      QPageLayout.Unit.Millimeter))
    painter = QPainter(printer)
    try:
        dpmm = printer.resolution() / 25.4
        paint_card(painter, QRectF(0, 0, CARD_MM[0] * dpmm, CARD_MM[1] * dpmm), token, name, room)
    finally:
        painter.end()
    return True
