"""Touch-first building blocks: big buttons, the on-screen keyboard, toasts, QR codes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QObject, QPropertyAnimation, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QGraphicsOpacityEffect,
    QLabel,
    QPushButton,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QWidget,
)


def slot(fn: Callable[..., object], *args: object) -> Callable[..., None]:
    """A slot that calls ``fn(*args)`` with arguments bound now, ignoring the signal's own."""

    def run(*_ignored: object) -> None:
        fn(*args)

    return run


def button(text: str, name: str, *, role: str = "secondary", accessible: str = "") -> QPushButton:
    """A touch button: ``role`` picks its look in the style sheet (primary, secondary, tile...)."""
    b = QPushButton(text)
    b.setObjectName(name)
    b.setProperty("role", role)
    b.setAccessibleName(accessible or text.replace("\n", " "))
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return b


def label(text: str, name: str, *, role: str = "body", wrap: bool = True) -> QLabel:
    lab = QLabel(text)
    lab.setObjectName(name)
    lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    lab.setAccessibleName(name)
    return lab


def kinetic(area: QAbstractScrollArea) -> None:
    """No scroll bars on the kiosk: long lists scroll by dragging with a finger."""
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    # A tap goes straight to the button under the finger; only a drag scrolls.
    scroller = QScroller.scroller(area.viewport())
    props = scroller.scrollerProperties()
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0)
    scroller.setScrollerProperties(props)


class Toast(QLabel):
    """The kiosk's one door for messages: a calm banner that fades; never a dialog."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.setAccessibleName("Message")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._effect = QGraphicsOpacityEffect(self)
        self.setGraphicsEffect(self._effect)
        self._fade = QPropertyAnimation(self._effect, b"opacity", self)
        self._fade.setDuration(400)
        self._fade.setEasingCurve(QEasingCurve.Type.InOutQuad)
        self._fade.finished.connect(self._faded)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def show_message(self, text: str, *, kind: str = "info", ms: int = 6000) -> None:
        self.setText(text)
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._place()
        self._fade.stop()
        self._effect.setOpacity(1.0)
        self.show()
        self.raise_()
        self._timer.start(ms)

    def dismiss(self) -> None:
        if self.isVisible():
            self._fade.setStartValue(1.0)
            self._fade.setEndValue(0.0)
            self._fade.start()

    def clear_now(self) -> None:
        self._timer.stop()
        self._fade.stop()
        self.setText("")
        self.hide()

    def _faded(self) -> None:
        if self._effect.opacity() < 0.05:
            self.hide()
            self.setText("")

    def _place(self) -> None:
        parent = self.parentWidget()
        assert parent is not None
        width = min(parent.width() - 80, 1100)
        self.setFixedWidth(width)
        self.adjustSize()
        self.move((parent.width() - width) // 2, 36)


def qr_pixmap(token: str, size: int) -> QPixmap:
    """A QR code holding only the card token (for the screen: a narrower quiet zone)."""
    from kiosk.card_art import SCREEN_EC, qr_image  # qrcode + zxing: ~0.1 s, not at start-up

    image = qr_image(token, box=10, border=2, ec=SCREEN_EC)
    return QPixmap.fromImage(image).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)


def collect_garbage_on_this_thread(parent: QObject, every_ms: int = 5000) -> QTimer:
    """Python's cyclic garbage collector, run only here (the GUI thread), every few seconds.

    Left automatic, a collection can start on the database worker thread and delete Qt
    objects of the GUI thread there, which corrupts Qt's timer lists and crashes later.
    """
    import gc

    gc.disable()
    timer = QTimer(parent)
    timer.timeout.connect(gc.collect)
    timer.start(every_ms)
    return timer


def __getattr__(name: str):
    # The keyboard lives in its own module so that Qt Quick is not loaded before Welcome
    # is on screen; ``from kiosk.widgets import Keyboard`` still works.
    if name == "Keyboard":
        from kiosk.widgets.keyboard import Keyboard

        return Keyboard
    raise AttributeError(name)
