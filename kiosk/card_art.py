"""The one card painter: a bank-card-sized QR card, for the kiosk's printer and the admin's
sheets alike. Only QtGui and qrcode: no widgets, so the admin's PDF sheets can use it."""

from __future__ import annotations

import qrcode
import zxingcpp
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

# ISO/IEC 7810 ID-1: the size of a bank card.
CARD_MM = (85.6, 53.98)

# Printed cards live in wallets and pockets: Q (25 % recovery) rather than the screen's M.
PRINT_EC = "Q"
SCREEN_EC = "M"
QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks

OUTLINE = QColor(170, 170, 170)
FONT_FAMILY = "DejaVu Sans"
FALLBACK_NAME = "Dropin card"
INVITATION = "Show this card to sign in"

_QRCODE_EC = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
              "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}


def _symbol(token: str, ec: str) -> list[list[bool]]:
    """The bare symbol, rows of modules (True = dark). zxing-cpp's encoder (3.0+) takes under
    a millisecond; the pure-Python qrcode package, the fallback, about 20 ms."""
    create = getattr(zxingcpp, "create_barcode", None)
    if create is not None:
        image = create(token, zxingcpp.BarcodeFormat.QRCode, ec_level=ec).to_image(
            scale=1, add_quiet_zones=False)
        n = image.shape[1]
        data = bytes(memoryview(image))
        return [[b < 128 for b in data[i:i + n]] for i in range(0, len(data), n)]
    qr = qrcode.QRCode(error_correction=_QRCODE_EC[ec], border=0)
    qr.add_data(token)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def qr_modules(token: str, *, border: int = QUIET_ZONE, ec: str = PRINT_EC) -> list[list[bool]]:
    """The QR code holding only ``token``: rows of modules (True = dark), quiet zone included."""
    symbol = _symbol(token, ec)
    n = len(symbol[0]) + 2 * border
    blank = [[False] * n for _ in range(border)]
    side = [False] * border
    return blank + [side + row + side for row in symbol] + [list(r) for r in blank]


def qr_image(token: str, *, box: int = 10, border: int = QUIET_ZONE,
             ec: str = PRINT_EC) -> QImage:
    """The QR as a black-and-white image, ``box`` pixels per module."""
    rows = qr_modules(token, border=border, ec=ec)
    n = len(rows)
    image = QImage(n * box, n * box, QImage.Format.Format_Grayscale8)
    image.fill(255)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillPath(_qr_path(rows, float(box)), QColor(0, 0, 0))
    finally:
        painter.end()
    return image


def _qr_path(rows: list[list[bool]], module: float, origin: QPointF | None = None) -> QPainterPath:
    """Dark modules as one path (horizontal runs merged): crisp at any printer resolution,
    and no hairline seams between neighbouring modules, since it is filled as one shape."""
    x0, y0 = (origin.x(), origin.y()) if origin is not None else (0.0, 0.0)
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for r, row in enumerate(rows):
        c, n = 0, len(row)
        while c < n:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            path.addRect(x0 + start * module, y0 + r * module, (c - start) * module, module)
    return path


def paint_qr(painter: QPainter, square: QRectF, token: str) -> None:
    """The printed QR (quiet zone included) filling ``square``, as vector shapes."""
    rows = qr_modules(token)
    module = min(square.width(), square.height()) / len(rows)
    painter.fillRect(square, QColor(255, 255, 255))
    painter.fillPath(_qr_path(rows, module, square.topLeft()), QColor(0, 0, 0))


def _fitted_font(text: str, width: float, height: float, start_px: float, *,
                 bold: bool = False, min_px: float = 4.0) -> QFont:
    """The largest font up to ``start_px`` in which ``text`` word-wraps into width × height."""
    font = QFont(FONT_FAMILY)
    font.setBold(bold)
    px = start_px
    flags = int(Qt.TextFlag.TextWordWrap)
    while True:
        font.setPixelSize(max(1, round(px)))
        box = QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e6), flags, text)
        if (box.width() <= width and box.height() <= height) or px <= min_px:
            return font
        px *= 0.92


def _name_font(name: str, width: float, height: float, start_px: float) -> QFont:
    """Bold, as large as fits: on one line when it can stay at least 60 % of full size
    ("Sam W." is not broken after "Sam"), else word-wrapped."""
    font = QFont(FONT_FAMILY)
    font.setBold(True)
    font.setPixelSize(max(1, round(start_px)))
    advance = QFontMetricsF(font).horizontalAdvance(name)
    px = start_px * min(1.0, 0.98 * width / advance) if advance > 0 else start_px
    if px >= 0.6 * start_px:
        font.setPixelSize(max(1, int(px)))
        return font
    return _fitted_font(name, width, height, 0.6 * start_px, bold=True)


def paint_card(painter: QPainter, rect: QRectF, token: str, name: str, room: str) -> None:
    """One card in ``rect`` (ID-1 proportions, device units): the QR holding only the token on
    the left, filling the card's height; the printed name, the room and how to use it on the
    right; a light rounded outline to cut along."""
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        h = rect.height()
        radius = h * 0.06
        pen = QPen(OUTLINE)
        pen.setWidthF(max(1.0, h * 0.004))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, radius, radius)

        pad = h * 0.05
        side = h - 2 * pad  # the QR's quiet zone is white space of its own
        paint_qr(painter, QRectF(rect.left() + pad, rect.top() + pad, side, side), token)

        gap = pad * 0.4
        text = QRectF(rect.left() + pad + side + gap, rect.top() + 2 * pad,
                      rect.right() - (rect.left() + pad + side + gap) - 1.5 * pad,
                      h - 4 * pad)
        painter.setPen(QColor(0, 0, 0))
        name = name.strip() or FALLBACK_NAME
        painter.setFont(_name_font(name, text.width(), text.height() * 0.5, h * 0.13))
        painter.drawText(text, int(Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap), name)

        footer = f"{room.strip()}\n{INVITATION}" if room.strip() else INVITATION
        small = _fitted_font(footer, text.width(), text.height() * 0.45, h * 0.062)
        painter.setFont(small)
        painter.drawText(text, int(Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap),
                         footer)
    finally:
        painter.restore()
