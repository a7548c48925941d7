"""The embedded on-screen keyboard (Qt Quick: loaded only when the keyboard is built)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMetaObject, Qt, QUrl
from PySide6.QtGui import QHideEvent
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.widgets import Words


class Keyboard(Words, QQuickWidget):
    """Qt Virtual Keyboard embedded in the window (the kiosk has no physical keyboard).

    It never takes focus, so its keys type into the focused line edit. English (UK) only,
    with no language or hide key (keyboard.qml).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.retranslate()
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
        self.setClearColor(Qt.GlobalColor.transparent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(320)
        self.setSource(QUrl.fromLocalFile(str(Path(__file__).with_name("keyboard.qml"))))

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("On-screen keyboard"))

    def reset(self) -> None:
        """Back to letters in lower case (no shift, caps lock or symbols), for the next visitor."""
        root = self.rootObject()
        if root is not None:
            QMetaObject.invokeMethod(root, "reset")

    def hideEvent(self, event: QHideEvent) -> None:
        # Put away (the text field lost focus, or the kiosk moved on): whoever types next
        # starts from the usual keyboard, not from the last visitor's symbols or caps lock.
        super().hideEvent(event)
        if not event.spontaneous():
            self.reset()
