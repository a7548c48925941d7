"""What the kiosk paints first: the Welcome screen, the offline banner, the screens' base.

Built and painted before the rest of the kiosk is loaded (see ``kiosk.__main__``), so
this module and the widgets it uses never touch PySide6's ``Qt`` namespace: the first use
of any of its enums costs ~30 ms (PySide6 sets up all of them at once). The settings
Welcome needs from it go through Qt's property system by enum key instead; the hand
pointer on its buttons is added once the kiosk is up (:meth:`WelcomeScreen.add_pointers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QLocale, QTime, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from kiosk.widgets import Words, button, forget, label, pointing, retext

if TYPE_CHECKING:
    import datetime as dt


class Screen(Words, QWidget):
    """A page of the kiosk. ``reset`` forgets everything typed or shown on it."""

    wants_keyboard = False

    def reset(self) -> None:
        for edit in self.findChildren(QLineEdit):
            forget(edit)
        for text in self.findChildren(QPlainTextEdit):
            forget(text)

    def first_field(self) -> QWidget | None:
        return None


class WelcomeScreen(Screen):
    sign_in = Signal()
    new = Signal()
    feedback = Signal()
    language = Signal()
    staff = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("welcomeScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 32)
        outer.setSpacing(20)
        top = QHBoxLayout()
        self.room = label("", "roomName", role="title")
        self.clock = label("", "clock", role="clock", wrap=False)
        self.clock.setProperty("alignment", "AlignRight|AlignVCenter")
        top.addWidget(self.room, 1)
        top.addWidget(self.clock)
        outer.addLayout(top)
        self.on_now = label("", "onNow", role="onnow")
        outer.addWidget(self.on_now)
        outer.addStretch(1)
        self.sign_in_button = button("", "signInButton", role="huge", pointer=False)
        outer.addWidget(self.sign_in_button)
        # A regular need not tap anything: the card is enough, from any screen.
        self.card_hint = label("", "cardHint", role="muted")
        self.card_hint.setProperty("alignment", "AlignCenter")
        outer.addWidget(self.card_hint)
        row = QHBoxLayout()
        row.setSpacing(20)
        self.new_button = button("", "newButton", role="primary", pointer=False)
        self.feedback_button = button("", "feedbackButton", pointer=False)
        row.addWidget(self.new_button)
        row.addWidget(self.feedback_button)
        outer.addLayout(row)
        outer.addStretch(1)
        bottom = QHBoxLayout()
        self.language_button = button("", "languageButton", role="quiet", pointer=False)
        self.staff_button = button("", "staffButton", role="quiet", pointer=False)
        for b in (self.language_button, self.staff_button):
            b.setSizePolicy(b.sizePolicy().horizontalPolicy().Fixed,
                            b.sizePolicy().verticalPolicy())
        bottom.addWidget(self.language_button)
        bottom.addStretch(1)
        bottom.addWidget(self.staff_button)
        outer.addLayout(bottom)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.new_button.clicked.connect(self.new)
        self.feedback_button.clicked.connect(self.feedback)
        self.language_button.clicked.connect(self.language)
        self.staff_button.clicked.connect(self.staff)
        self.language_name = "English"  # the language's own name for itself
        self._on_now: list[str] | None = None
        self._now: dt.datetime | None = None
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.sign_in_button, self.tr("Sign in"))
        self.card_hint.setText(self.tr("Have a card? Just hold it up to the scanner."))
        retext(self.new_button, self.tr("I'm new"))
        retext(self.feedback_button, self.tr("Have your say"))
        retext(self.language_button, self.tr("Language: %s") % self.language_name)
        retext(self.staff_button, self.tr("Staff"), self.tr("Staff mode"))
        if self._on_now is not None:
            self.set_on_now(self._on_now)
        if self._now is not None:
            self.tick(self._now)

    def set_language(self, name: str) -> None:
        """The language the kiosk speaks now, by its own name (on the Language button)."""
        self.language_name = name
        retext(self.language_button, self.tr("Language: %s") % name)

    def buttons(self) -> tuple[QWidget, ...]:
        return (self.sign_in_button, self.new_button, self.feedback_button,
                self.language_button, self.staff_button)

    def add_pointers(self) -> None:
        """The hand pointer over the buttons, as every other screen's have from the start."""
        for b in self.buttons():
            pointing(b)

    def set_room(self, name: str) -> None:
        self.room.setText(name)

    def set_on_now(self, services: list[str]) -> None:
        self._on_now = services
        if services:
            self.on_now.setText(self.tr("On now: %s") % " · ".join(services))
        else:
            self.on_now.setText(self.tr("Drop in: everyone welcome"))

    def tick(self, now: dt.datetime) -> None:
        # Day and month names in the kiosk's language, not the C library's.
        # (wall-clock fields, so that no time zone conversion can move them)
        self._now = now
        locale = QLocale()
        self.clock.setText(locale.toString(QTime(now.hour, now.minute), "HH:mm") + "  "
                           + locale.toString(QDate(now.year, now.month, now.day), "ddd d MMM"))


class Banner(Words, QFrame):
    """A strip across the top: the database is away, sign-ins are being kept safely; or
    (``starting``) the kiosk has never reached its database and cannot sign anyone in."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("offline")
        self.starting = False
        lay = QHBoxLayout(self)
        lay.setContentsMargins(24, 8, 24, 8)
        self.text = label("", "offlineText")
        lay.addWidget(self.text)
        self.retranslate()
        self.hide()

    def show_starting(self, starting: bool) -> None:
        self.starting = starting
        self.retranslate()
        self.setVisible(starting)

    def retranslate(self) -> None:
        if self.starting:
            self.text.setText(self.tr("Getting ready — signing in will open as soon as the "
                                      "system is reached. Staff: see the kiosk's log."))
        else:
            self.text.setText(self.tr("Working offline — sign-ins are saved here and will "
                                      "be sent as soon as the system is back."))
