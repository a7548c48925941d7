"""The embedded on-screen keyboard (Qt Quick: loaded only when the keyboard is built)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import QSizePolicy, QWidget


class Keyboard(QQuickWidget):
    """Qt Virtual Keyboard embedded in the window (the kiosk has no physical keyboard).

    It never takes focus, so its keys type into the focused line edit.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.setAccessibleName("On-screen keyboard")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
        self.setClearColor(Qt.GlobalColor.transparent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(320)
        self.setSource(QUrl.fromLocalFile(str(Path(__file__).with_name("keyboard.qml"))))
