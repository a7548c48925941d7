"""Printing a card on the kiosk's printer, where one is set up."""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from kiosk.widgets import qr_pixmap

# ISO/IEC 7810 ID-1: the size of a bank card.
CARD_MM = (85.6, 53.98)


def printer_available() -> bool:
    return not QPrinterInfo.defaultPrinter().isNull()


def paint_card(painter: QPainter, rect: QRectF, token: str, name: str, room: str) -> None:
    """One card: the QR (only the token) on the left, first name and room on the right."""
    painter.save()
    painter.setPen(Qt.GlobalColor.lightGray)
    painter.drawRoundedRect(rect, rect.height() * 0.06, rect.height() * 0.06)
    pad = rect.height() * 0.08
    side = rect.height() - 2 * pad
    qr = qr_pixmap(token, 600)
    painter.drawPixmap(QRectF(rect.left() + pad, rect.top() + pad, side, side).toRect(), qr)
    text_rect = QRectF(rect.left() + side + 2 * pad, rect.top() + pad,
                       rect.width() - side - 3 * pad, side)
    painter.setPen(Qt.GlobalColor.black)
    big = QFont("DejaVu Sans")
    big.setPixelSize(max(8, int(rect.height() * 0.13)))
    big.setBold(True)
    painter.setFont(big)
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                     name or "Dropin card")
    small = QFont("DejaVu Sans")
    small.setPixelSize(max(6, int(rect.height() * 0.08)))
    painter.setFont(small)
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap,
                     f"{room}\nShow this card to sign in")
    painter.restore()


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
