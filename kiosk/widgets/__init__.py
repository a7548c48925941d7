"""Touch-first building blocks: big buttons, the on-screen keyboard, toasts, QR codes.

The Welcome screen is built from these before the rest of the kiosk is loaded, so this
module never touches PySide6's ``Qt`` namespace at import or in :func:`button` (with
``pointer=False``), :func:`label` or ``Toast()``: PySide6 sets up all of that namespace's
enums on first use, ~30 ms. Settings that need one of its enums are made through Qt's
property system by enum key (``setProperty("focusPolicy", "NoFocus")``), or later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtCore import QPropertyAnimation
    from PySide6.QtWidgets import QGraphicsOpacityEffect

class Words:
    """Something that shows words of its own (not a visitor's): it sets them in
    ``retranslate``, once when built and again whenever the kiosk's language changes
    (Qt sends every widget a LanguageChange when a translation is installed or removed)."""

    def retranslate(self) -> None:
        """Set every text shown by this widget itself in the kiosk's language."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)  # type: ignore[misc]


def slot(fn: Callable[..., object], *args: object) -> Callable[..., None]:
    """A slot that calls ``fn(*args)`` with arguments bound now, ignoring the signal's own."""

    def run(*_ignored: object) -> None:
        fn(*args)

    return run


def button(text: str, name: str, *, role: str = "secondary", accessible: str = "",
           pointer: bool = True) -> QPushButton:
    """A touch button: ``role`` picks its look in the style sheet (primary, secondary, tile...).

    It never takes the focus (a tap must leave it with the text field being typed in).
    ``pointer=False`` leaves out the hand pointer, for a button made before PySide6's
    ``Qt`` namespace may be used; :func:`pointing` adds it later.
    """
    b = QPushButton()
    b.setObjectName(name)
    b.setProperty("role", role)
    retext(b, text, accessible)
    b.setProperty("focusPolicy", "NoFocus")
    if pointer:
        pointing(b)
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return b


def retext(b: QPushButton, text: str, accessible: str = "") -> None:
    """A button's words, and its accessible name with them (``accessible`` when the words
    alone would not say enough)."""
    b.setText(text)
    b.setAccessibleName(accessible or text.replace("\n", " "))


def text_field(field: QLineEdit | QPlainTextEdit) -> None:
    """A field for a visitor's typing: no right-click menu (a long press on a touchscreen
    makes one, and its Undo, Paste and Select All have no place on a shared kiosk)."""
    field.setProperty("contextMenuPolicy", "NoContextMenu")


def forget(field: QLineEdit | QPlainTextEdit) -> None:
    """Empty a field and its undo history. ``QLineEdit.clear()`` can be undone: the last
    visitor's text would come back with Undo. ``setText("")`` drops the history, as
    ``QPlainTextEdit.clear()`` does for its document."""
    if isinstance(field, QLineEdit):
        field.setText("")
    else:
        field.clear()


def pointing(widget: QWidget) -> None:
    """The hand pointer over ``widget`` (something to tap)."""
    from PySide6.QtCore import Qt

    widget.setCursor(Qt.CursorShape.PointingHandCursor)


def label(text: str, name: str, *, role: str = "body", wrap: bool = True) -> QLabel:
    """A label styled by ``role``; ``name`` is its object name, for tests and the style sheet.

    Screen readers announce a label by its text (QLabel's own accessible name), so none is
    set here: the object name is an identifier, not something to read out.
    """
    lab = QLabel()
    lab.setObjectName(name)
    lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    # Shown as typed: a stored name or a message is never read as HTML.
    lab.setProperty("textFormat", "PlainText")
    lab.setText(text)
    return lab


def no_scroll_bars(area: QAbstractScrollArea) -> None:
    area.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
    area.setProperty("verticalScrollBarPolicy", "ScrollBarAlwaysOff")


def kinetic(area: QAbstractScrollArea) -> None:
    """No scroll bars on the kiosk: long lists scroll by dragging with a finger."""
    from PySide6.QtWidgets import QScroller, QScrollerProperties

    no_scroll_bars(area)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    # A tap goes straight to the button under the finger; only a drag scrolls.
    scroller = QScroller.scroller(area.viewport())
    props = scroller.scrollerProperties()
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0)
    scroller.setScrollerProperties(props)


class Toast(Words, QLabel):
    """The kiosk's one door for messages: a calm banner that fades; never a dialog.

    Part of the first window on screen: its fade is set up with the first message. It
    lies over the top of the screen, where a screen's Back and Sign in are: touches go
    through it, and the first touch after it has been read (anywhere, from
    ``READ_MS`` on) fades it at once, so that what it covered is back in sight.
    """

    READ_MS = 400  # (the finger that made it, a double tap's second touch: not yet)
    _PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.setWordWrap(True)
        self.setProperty("alignment", "AlignCenter")
        self.setProperty("textFormat", "PlainText")  # never read as HTML
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self._effect: QGraphicsOpacityEffect | None = None
        self._fade: QPropertyAnimation | None = None
        self._shown_at = 0.0  # (time.monotonic)
        self._watching = False  # an application-wide filter for the next touch, while shown
        self.retranslate()
        self.hide()

    def _watch(self, on: bool) -> None:
        if on != self._watching:
            app = QApplication.instance()
            if app is not None:
                (app.installEventFilter if on else app.removeEventFilter)(self)
            self._watching = on

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (event.type() in self._PRESSES
                and time.monotonic() - self._shown_at >= self.READ_MS / 1000):
            self._watch(False)
            self._timer.stop()
            self.dismiss()
        return False  # (the touch goes on to what it was for)

    def retranslate(self) -> None:
        # Announced by its text, the message itself; the description says what it is.
        self.setAccessibleDescription(self.tr("Message"))

    def _set_up_fade(self) -> tuple[QGraphicsOpacityEffect, QPropertyAnimation]:
        if self._effect is None or self._fade is None:
            from PySide6.QtCore import QEasingCurve, QPropertyAnimation, Qt
            from PySide6.QtWidgets import QGraphicsOpacityEffect

            self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self._effect = QGraphicsOpacityEffect(self)
            self.setGraphicsEffect(self._effect)
            self._fade = QPropertyAnimation(self._effect, b"opacity", self)
            self._fade.setDuration(400)
            self._fade.setEasingCurve(QEasingCurve.Type.InOutQuad)
            self._fade.finished.connect(self._faded)
        return self._effect, self._fade

    def show_message(self, text: str, *, kind: str = "info", ms: int = 6000) -> None:
        effect, fade = self._set_up_fade()
        self.setText(text)
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._place()
        fade.stop()
        effect.setOpacity(1.0)
        self.show()
        self.raise_()
        self._timer.start(ms)
        self._shown_at = time.monotonic()
        self._watch(True)
        # Said by a screen reader as it appears, as an alert is.
        from PySide6.QtGui import QAccessible, QAccessibleEvent

        QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))

    def dismiss(self) -> None:
        from PySide6.QtCore import QAbstractAnimation

        running = QAbstractAnimation.State.Running
        if self.isVisible() and self._fade is not None and self._fade.state() != running:
            self._fade.setStartValue(1.0)
            self._fade.setEndValue(0.0)
            self._fade.start()

    def clear_now(self) -> None:
        self._watch(False)
        self._timer.stop()
        if self._fade is not None:
            self._fade.stop()
        self.setText("")
        self.hide()

    def _faded(self) -> None:
        if self._effect is not None and self._effect.opacity() < 0.05:
            self._watch(False)
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
    from PySide6.QtCore import Qt

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
