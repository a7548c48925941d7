"""The kiosk's window: a banner, the screen stack, the embedded keyboard and the toast.

Only PySide6 and the kiosk's widgets: it can be built and painted before the database
layer has been imported (see ``kiosk.__main__``), and before PySide6's ``Qt`` namespace
has been set up (see ``kiosk.widgets``).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.screens.welcome import Banner, Screen
from kiosk.widgets import Toast, Words, kinetic, no_scroll_bars


def _keyboard(parent: QWidget) -> QWidget:
    from kiosk.widgets.keyboard import Keyboard

    return Keyboard(parent)


class ScreenStack(QStackedWidget):
    """A stack as big as the page on show (Qt's takes the largest page's size)."""

    def sizeHint(self) -> QSize:
        current = self.currentWidget()
        return current.sizeHint() if current else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        current = self.currentWidget()
        return current.minimumSizeHint() if current else super().minimumSizeHint()

    def heightForWidth(self, width: int) -> int:
        # QStackedLayout answers with the tallest page; the scroll area must see this one.
        current = self.currentWidget()
        return current.heightForWidth(width) if current and current.hasHeightForWidth() else -1


class KioskWindow(Words, QWidget):
    """The window: a banner, the screens, the embedded keyboard and the toast."""

    def __init__(self, *, windowed: bool, keyboard: bool = True) -> None:
        super().__init__()
        self.setObjectName("kiosk")
        self.retranslate()
        self.windowed = windowed
        self.allow_close = windowed
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.banner = Banner()
        self.stack = ScreenStack()
        self.stack.setObjectName("screens")
        self.stack.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.stack.currentChanged.connect(lambda _i: self.stack.updateGeometry())
        # When the keyboard takes the lower part of the screen, the page scrolls
        # (by finger, no scroll bars) to keep the field being typed in visible.
        self.scroll = QScrollArea()
        self.scroll.setObjectName("screensArea")
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.stack)
        # A tap on a button (which never takes the focus) would otherwise hand the focus up
        # to this area: the field being typed in would lose it and the keyboard would go.
        self.scroll.setProperty("focusPolicy", "NoFocus")  # (not through the Qt namespace)
        # (the window paints the page; the viewport's own fill is turned off in theme.qss)
        no_scroll_bars(self.scroll)  # and scrolls by finger once the kiosk is up: complete()
        lay.addWidget(self.banner)
        lay.addWidget(self.scroll, 1)
        # The Qt Quick keyboard takes ~0.25 s to build: a start-up that wants Welcome on
        # screen first asks for a stand-in and adds the keyboard right after.
        self.keyboard: QWidget = _keyboard(self) if keyboard else QWidget(self)
        self.keyboard.hide()
        lay.addWidget(self.keyboard)
        self.toast = Toast(self)
        QApplication.instance().focusChanged.connect(self._focus_changed)  # type: ignore[union-attr]
        QGuiApplication.inputMethod().visibleChanged.connect(self._keyboard_put_away)
        if not windowed:  # no frame: set on the native window, by enum key (kiosk.widgets)
            self.create()
            handle = self.windowHandle()
            handle.setProperty("flags", "Window|FramelessWindowHint")

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Dropin sign-in kiosk"))

    def complete(self) -> None:
        """What the first paint could do without: the screens area scrolls by finger."""
        kinetic(self.scroll)

    def install_keyboard(self) -> None:
        """Put the real on-screen keyboard in place of the stand-in (once)."""
        if self.has_keyboard():
            return
        old, self.keyboard = self.keyboard, _keyboard(self)
        self.keyboard.setFixedHeight(old.height() if old.height() > 0 else 320)
        self.keyboard.setVisible(old.isVisible())
        self.layout().replaceWidget(old, self.keyboard)
        old.deleteLater()
        self.keyboard.setFixedHeight(max(260, min(440, self.height() * 2 // 5)))

    def has_keyboard(self) -> bool:
        return self.keyboard.objectName() == "keyboard"

    def reset_keyboard(self) -> None:
        """The on-screen keyboard back to letters in lower case, for the next visitor.

        It resets itself whenever it is put away too; the stand-in has nothing to reset.
        """
        if self.has_keyboard():
            from kiosk.widgets.keyboard import Keyboard

            assert isinstance(self.keyboard, Keyboard)
            self.keyboard.reset()

    def forget_typing(self) -> None:
        """Empty the on-screen keyboard's memory of the last text field.

        Qt Virtual Keyboard's input context keeps the text it last read from a field
        (its ``surroundingText``) until another field takes the focus. With nothing
        focused, the window stands in for an empty field for a moment: told of it, the
        keyboard reads no text from it. Nothing is shown, and no input can arrive
        meanwhile (this runs without returning to the event loop)."""
        if not self.has_keyboard() or QGuiApplication.focusObject() is not self:
            return  # no keyboard yet, or a field has the focus (it tells the keyboard itself)
        from PySide6.QtCore import Qt  # (after start-up: the keyboard is in)

        method = QGuiApplication.inputMethod()
        everything = Qt.InputMethodQuery.ImQueryAll
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        try:
            method.update(everything)
        finally:
            self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            method.update(everything)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The keyboard is there while a text field has focus, and only then."""
        typing = isinstance(new, QLineEdit | QPlainTextEdit) and self.isAncestorOf(new)
        if typing and not self.has_keyboard():
            self.install_keyboard()  # wanted before the quiet moment it was waiting for
        self.keyboard.setVisible(typing)
        if typing:
            # As a tap on the field does: the keyboard takes in the field's hints, so a name
            # given the focus by the kiosk (Find me, I'm new) starts with a capital letter.
            QGuiApplication.inputMethod().show()
            QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(new, 10, 40))

    def _keyboard_put_away(self) -> None:
        """The keyboard's own hide key (the digit pad has one): the field gives up the
        focus, so the keyboard stays away until a field is tapped again. Looked at once
        the event loop turns: going from one field to the next hides and shows it."""
        if not QGuiApplication.inputMethod().isVisible():
            QTimer.singleShot(0, self._after_put_away)

    def _after_put_away(self) -> None:
        focused = QApplication.focusWidget()
        if (not QGuiApplication.inputMethod().isVisible() and self.keyboard.isVisible()
                and isinstance(focused, QLineEdit | QPlainTextEdit)
                and self.isAncestorOf(focused)):
            focused.clearFocus()

    def add(self, screen: Screen) -> Screen:
        self.stack.addWidget(screen)
        return screen

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.allow_close:
            event.accept()
        else:  # Alt+F4, a stray close: a kiosk stays up
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from PySide6.QtCore import Qt

        if event.key() == Qt.Key.Key_Escape and not self.windowed:
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.keyboard.setFixedHeight(max(260, min(440, self.height() * 2 // 5)))
