"""The visitor's screens: layout and the signals they give; kiosk/app.py decides what happens."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.screens.welcome import Screen
from kiosk.widgets import button, forget, label, qr_pixmap, retext, slot, text_field

# Have your say's topics (schema.feedback.TOPICS: stored in English, shown translated),
# marked here for lupdate.
TOPICS_CONTEXT = "FeedbackScreen"
TOPIC_NAMES = (
    QT_TRANSLATE_NOOP("FeedbackScreen", "Our room"),
    QT_TRANSLATE_NOOP("FeedbackScreen", "Activities"),
    QT_TRANSLATE_NOOP("FeedbackScreen", "Safety"),
    QT_TRANSLATE_NOOP("FeedbackScreen", "Housing"),
    QT_TRANSLATE_NOOP("FeedbackScreen", "Something else"),
)


def _line(name: str, placeholder: str = "", accessible: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    _words(edit, placeholder, accessible)
    edit.setMaxLength(100)
    text_field(edit)
    return edit


def _words(edit: QLineEdit | QPlainTextEdit, placeholder: str, accessible: str) -> None:
    """A field's words: what it asks for while empty, and its name for a screen reader."""
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(accessible)


def _back(name: str) -> QPushButton:
    """A screen's "‹ Back" (its words are set with the screen's)."""
    b = button("", name, role="quiet")
    b.setFixedWidth(180)
    return b


def _clear_layout(layout: QGridLayout | QVBoxLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()


def room_for_text(b: QPushButton) -> int:
    """How wide a line of text ``b`` can show, in pixels: its width less the style sheet's
    padding and border."""
    b.ensurePolished()  # (the style sheet's font and padding)
    option = QStyleOptionButton()
    option.initFrom(b)
    return b.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, b).width()


def _fit(b: QPushButton, text: str) -> None:
    """Show a match ("Sam W. (1988)") on ``b`` whole if it fits, else with the first name
    shortened: the initial and the year stay, they tell two Sams apart."""
    room = room_for_text(b)
    metrics = b.fontMetrics()
    if metrics.horizontalAdvance(text) > room:
        name, space, rest = text.partition(" ")
        tail = space + rest
        name = metrics.elidedText(name, Qt.TextElideMode.ElideRight,
                                  max(0, room - metrics.horizontalAdvance(tail)))
        text = name + tail
    b.setText(text)


def fit_lines(b: QPushButton, text: str, lines: int = 2) -> str:
    """``text`` broken at spaces into at most ``lines`` lines that fit on ``b``, the last
    shortened with "…" if the rest still does not fit: a long service name ("Citizens
    Advice benefits and debt drop-in") on a tile of the width the row gives it."""
    room = room_for_text(b)
    metrics = b.fontMetrics()
    words, out, line = text.split(), [], ""
    for i, word in enumerate(words):
        longer = f"{line} {word}" if line else word
        if not line or metrics.horizontalAdvance(longer) <= room:
            line = longer
            continue
        out.append(line)
        if len(out) == lines - 1:
            line = " ".join(words[i:])
            break
        line = word
    out.append(line)
    return "\n".join(metrics.elidedText(x, Qt.TextElideMode.ElideRight, room) for x in out)


class Tiles:
    """Buttons in a grid of equal columns whose texts are fitted to the widths they are
    given (``fit_lines``): however long a name, no button pushes the screen wider than
    the window (which has no scroll bar to reach it)."""

    def __init__(self, grid: QGridLayout, columns: int) -> None:
        self.grid, self.columns = grid, columns
        self.shown: list[tuple[QPushButton, str, str]] = []  # button, name, second line

    def fill(self, tiles: list[tuple[QPushButton, str, str]], columns: int) -> None:
        _clear_layout(self.grid)
        for column in range(max(columns, self.columns)):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        self.columns, self.shown = columns, tiles
        for i, (b, _name, _more) in enumerate(tiles):
            b.setSizePolicy(QSizePolicy.Policy.Ignored, b.sizePolicy().verticalPolicy())
            self.grid.addWidget(b, i // columns, i % columns)
        if tiles:
            for b, _name, _more in tiles:
                b.show()  # (a widget takes its place in a layout once shown)
            parent = self.grid.parentWidget()
            if parent is not None and parent.layout() is not None:
                parent.layout().activate()
            self.fit()

    def fit(self) -> None:
        for b, name, more in self.shown:
            b.setText(fit_lines(b, name) + (f"\n{more}" if more else ""))


class IdentifyScreen(Screen):
    """Scan a card, or find yourself: first name plus birth year or surname letters."""

    wants_keyboard = True
    COLUMNS = 3
    search = Signal(str, str)
    picked = Signal(int)
    back = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("identifyScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 12)
        outer.setSpacing(14)
        head = QHBoxLayout()
        self.back_button = _back("backButton")
        head.addWidget(self.back_button)
        self.title = label("", "identifyTitle", role="heading")
        head.addWidget(self.title, 1)
        outer.addLayout(head)
        fields = QHBoxLayout()
        fields.setSpacing(16)
        self.first = _line("firstNameField")
        self.hint = _line("hintField")
        fields.addWidget(self.first, 1)
        fields.addWidget(self.hint, 1)
        outer.addLayout(fields)
        self.help = label("", "findHelp", role="muted")
        outer.addWidget(self.help)
        # Five matches in two rows of three: all of them above the on-screen keyboard,
        # which takes the lower 40% of the screen while a field is being typed in.
        self.results = QGridLayout()
        self.results.setSpacing(12)
        for column in range(self.COLUMNS):
            self.results.setColumnStretch(column, 1)
        outer.addLayout(self.results)
        self._matches: list[tuple[QPushButton, str]] = []
        self._no_match: QLabel | None = None
        outer.addStretch(1)
        self.first.textChanged.connect(self._changed)
        self.hint.textChanged.connect(self._changed)
        self.first.returnPressed.connect(self.hint.setFocus)
        self.back_button.clicked.connect(self.back)
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.back_button, self.tr("‹ Back"))
        self.title.setText(self.tr("Show your card to the scanner — or find yourself"))
        _words(self.first, self.tr("First name"), self.tr("First name"))
        _words(self.hint, self.tr("Year born, or first letters of surname"),
               self.tr("Year you were born, or the first letters of your surname"))
        self.help.setText(self.tr("Type at least 3 letters of your first name, then your "
                                  "year of birth or the start of your surname."))
        for b, text in self._matches:
            b.setAccessibleName(self.tr("That's me: %s") % text)
        if self._no_match is not None:
            self._no_match.setText(self._no_match_text())

    def _no_match_text(self) -> str:
        return self.tr("No match yet. Check the spelling, or tap Back and choose “I'm new”.")

    def first_field(self) -> QWidget:
        return self.first

    def _changed(self) -> None:
        self.search.emit(self.first.text(), self.hint.text())

    def show_results(self, matches: list[tuple[int, str]], searched: bool) -> None:
        _clear_layout(self.results)
        self._matches, self._no_match = [], None
        # The help has been read by now; its line is worth more to the matches.
        self.help.setVisible(not matches)
        for i, (person_id, text) in enumerate(matches):
            b = button(text, f"result{i}", role="result",
                       accessible=self.tr("That's me: %s") % text)
            # Columns of equal width, whatever the names: a long one is shortened (_fit).
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            b.clicked.connect(slot(self.picked.emit, person_id))
            self.results.addWidget(b, i // self.COLUMNS, i % self.COLUMNS)
            self._matches.append((b, text))
        if searched and not matches:
            none = self._no_match = label(self._no_match_text(), "noMatch", role="muted")
            self.results.addWidget(none, 0, 0, 1, self.COLUMNS)
            none.show()  # now, with the answer (else on the next turn of the event loop)
        if self._matches:
            # Laid out now (a widget only takes a place in a layout once shown): their
            # names are fitted to the widths they are given.
            for b, _text in self._matches:
                b.show()
            self.layout().activate()
            self._fit_results()

    def _fit_results(self) -> None:
        for b, text in self._matches:
            _fit(b, text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_results()  # (the layout has given the buttons their new widths)

    def reset(self) -> None:
        super().reset()
        self.show_results([], searched=False)


class WhoScreen(Screen):
    """Who's here: the household as big toggles, the identified person already on."""

    wants_keyboard = True
    confirm = Signal(list)
    add_member = Signal(str, str)
    back = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("whoScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 12)
        outer.setSpacing(14)
        head = QHBoxLayout()
        self.back_button = _back("whoBackButton")
        head.addWidget(self.back_button)
        self.title = label("", "whoTitle", role="heading")
        head.addWidget(self.title, 1)
        # The way on sits in the header, as I'm new's family step's does: never under the
        # keyboard, nor below a big household's rows.
        self.next_button = button("", "whoNextButton", role="primary")
        self.next_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        head.addWidget(self.next_button)
        outer.addLayout(head)
        self.grid = QGridLayout()
        self.grid.setSpacing(14)
        outer.addLayout(self.grid)
        add = QHBoxLayout()
        self.new_name = _line("newMemberName")
        self.new_year = _line("newMemberYear")
        self.new_year.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.new_year.setMaxLength(4)
        self.add_button = button("", "addMemberButton")
        add.addWidget(self.new_name, 3)
        add.addWidget(self.new_year, 2)
        add.addWidget(self.add_button, 1)
        outer.addLayout(add)
        outer.addStretch(1)
        self.toggles: dict[int, QPushButton] = {}
        self.back_button.clicked.connect(self.back)
        self.add_button.clicked.connect(self._add)
        self.new_name.returnPressed.connect(self.new_year.setFocus)
        self.new_year.returnPressed.connect(self._add)
        self.next_button.clicked.connect(slot(self._confirm))
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.back_button, self.tr("‹ Back"))
        self.title.setText(self.tr("Who's here today? Tap everyone who came with you."))
        _words(self.new_name, self.tr("Add someone: first name"),
               self.tr("New household member's first name"))
        _words(self.new_year, self.tr("Age (baby: 0) or year"),
               self.tr("New household member's year of birth or age (0 for a baby under one)"))
        retext(self.add_button, self.tr("Add"))
        for b in self.toggles.values():
            b.setAccessibleName(self._here(b.text()))
        self._update_next()

    def _here(self, name: str) -> str:
        return self.tr("%s is here") % name

    def _add(self) -> None:
        self.add_member.emit(self.new_name.text(), self.new_year.text())

    def added(self) -> None:
        """Someone was added: the keyboard is put away (a tap on the name field brings it
        back for another), so the household and the way on are in sight."""
        for field in (self.new_name, self.new_year):
            if field.hasFocus():
                field.clearFocus()

    def _confirm(self) -> None:
        self.confirm.emit([p for p, b in self.toggles.items() if b.isChecked()])

    def show_household(self, members: list[tuple[int, str]], selected: set[int],
                       first: int | None = None) -> None:
        """A toggle for each member, ``first`` (the visitor) at the head, in columns of
        equal width."""
        _clear_layout(self.grid)
        self.toggles = {}
        members = sorted(members, key=lambda m: m[0] != first)  # (stable: oldest first)
        for column in range(3):
            self.grid.setColumnStretch(column, 1)
        for i, (person_id, name) in enumerate(members):
            b = button(name, f"member{i}", role="toggle", accessible=self._here(name))
            b.setSizePolicy(QSizePolicy.Policy.Ignored, b.sizePolicy().verticalPolicy())
            b.setCheckable(True)
            b.setChecked(person_id in selected)
            b.toggled.connect(self._update_next)
            self.toggles[person_id] = b
            self.grid.addWidget(b, i // 3, i % 3)
        forget(self.new_name)
        forget(self.new_year)
        self._update_next()

    def _update_next(self) -> None:
        n = sum(b.isChecked() for b in self.toggles.values())
        self.next_button.setEnabled(n > 0)
        retext(self.next_button, self.tr("Sign in") if n <= 1
               else self.tr("Sign in all %n", "", n))

    def reset(self) -> None:
        super().reset()
        self.show_household([], set())


class WhatForScreen(Screen):
    chosen = Signal(int)
    back = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("whatForScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 24)
        outer.setSpacing(16)
        head = QHBoxLayout()
        self.back_button = _back("whatBackButton")
        head.addWidget(self.back_button)
        self.title = label("", "whatTitle", role="heading")
        head.addWidget(self.title, 1)
        outer.addLayout(head)
        self.grid = QGridLayout()
        self.grid.setSpacing(18)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.tiles = Tiles(self.grid, 2)
        self.back_button.clicked.connect(self.back)
        self.name = ""
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.back_button, self.tr("‹ Back"))
        # With her name (a card's holder sees it was hers that was read), when known.
        self.title.setText(self.tr("%s, what are you here for today?") % self.name
                           if self.name else self.tr("What are you here for today?"))

    def show_sessions(self, sessions: list[tuple[int, str, str]], name: str = "") -> None:
        """(session id, service name, times) per tile; ``name``: the visitor's first
        name, if known."""
        self.name = name
        self.retranslate()
        tiles = []
        for i, (session_id, name, times) in enumerate(sessions):
            b = button(f"{name}\n{times}", f"session{i}", role="tile", accessible=name)
            b.clicked.connect(slot(self.chosen.emit, session_id))
            tiles.append((b, name, times))
        self.tiles.fill(tiles, 2 if len(sessions) <= 4 else 3)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.tiles.fit()  # (the layout has given the tiles their new widths)

    def reset(self) -> None:
        self.show_sessions([])


MORE_SHARE = 3  # fifths of Done's bottom row for "Someone with you?"; "Done" has the rest


class DoneScreen(Screen):
    """Welcome / goodbye, a card for anyone without one, and a way to sign in the rest of
    the household (after a personal card, or for a new baby)."""

    make_card = Signal()
    add_people = Signal()
    leave = Signal()
    finish = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("doneScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 40, 60, 40)
        outer.setSpacing(24)
        outer.addStretch(1)
        self.message = label("", "doneMessage", role="big")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = label("", "doneDetail", role="heading")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.message)
        outer.addWidget(self.detail)
        self.card_row = QHBoxLayout()
        self.qr = QLabel()
        self.qr.setObjectName("cardQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card_button = button("", "makeCardButton", role="primary")
        # For someone found by name who is in already: no card to scan again to leave.
        self.leave_button = button("", "signOutButton", role="primary")
        self.card_row.addStretch(1)
        self.card_row.addWidget(self.qr)
        self.card_row.addWidget(self.card_button)
        self.card_row.addWidget(self.leave_button)
        self.card_row.addStretch(1)
        outer.addLayout(self.card_row)
        outer.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setSpacing(16)  # (_room)
        self.add_button = button("", "addPeopleButton")
        self.ok_button = button("", "doneButton")
        # Three fifths of the row and two, whatever the text (a name is in the first)
        for b, share in ((self.add_button, MORE_SHARE), (self.ok_button, 5 - MORE_SHARE)):
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            bottom.addWidget(b, share)
        outer.addLayout(bottom)
        self.card_button.clicked.connect(self.make_card)
        self.add_button.clicked.connect(self.add_people)
        self.leave_button.clicked.connect(self.leave)
        self.ok_button.clicked.connect(self.finish)
        self._asked = ""  # the name "Someone with you?" asks by
        self.reset()
        self.retranslate()

    def retranslate(self) -> None:
        self.qr.setAccessibleName(self.tr("Your card's QR code"))
        retext(self.card_button, self.tr("Make me a card for next time"))
        self._name_leave(self._asked)
        retext(self.ok_button, self.tr("Done"))
        self._ask_more(self._asked)

    def show_message(self, message: str, detail: str = "", offer_card: bool = False,
                     offer_more: bool = False, name: str = "", offer_leave: bool = False,
                     ) -> None:
        """``offer_more``: "Someone with you?", asked of ``name`` by name, so that the next
        person in the queue, should they step up before this screen has gone, does not
        take it for their own way in (it opens this visitor's household). ``offer_leave``:
        "Sign me out"."""
        self.message.setText(message)
        self.detail.setText(detail)
        self.qr.clear()
        self.qr.hide()
        self.card_button.setVisible(offer_card)
        self.leave_button.setVisible(offer_leave)
        if offer_more:
            self._ask_more(name)
        self.add_button.setVisible(offer_more)
        if offer_leave:
            self._name_leave(name)

    def _ask_more(self, name: str) -> None:
        """ "Someone with you?", with ``name`` in it (the next in the queue must not take
        it for their own way in): the whole question where it fits, else without "Sign
        them in"; only a name too long even for that is left out."""
        self._asked = name
        text = self.tr("Someone with you? Sign them in")
        if name:
            room, metrics = self._room(), self.add_button.fontMetrics()
            for named in (self.tr("Someone with you, %s? Sign them in") % name,
                          self.tr("Someone with you, %s?") % name):
                if metrics.horizontalAdvance(named) <= room:
                    text = named
                    break
        if self.add_button.text() != text:
            retext(self.add_button, text)

    def _name_leave(self, name: str) -> None:
        """ "Sign me out", with the visitor's name on it: the next in the queue, stepping
        up before this screen has gone, must not take it for their own."""
        text = self.tr("Sign me out, %s") % name if name else self.tr("Sign me out")
        if self.leave_button.text() != text:
            retext(self.leave_button, text)

    def _room(self) -> int:
        """The room for text on "Someone with you?". Worked out from the stack's width: a
        page is laid out only once shown, and Done may not have been yet."""
        page = self.parentWidget() or self
        margins, b = self.layout().contentsMargins(), self.add_button
        row = page.width() - margins.left() - margins.right() - 16  # (the spacing)
        return row * MORE_SHARE // 5 - (b.width() - room_for_text(b))  # less padding, border

    def show_card(self, token: str, printed: bool) -> None:
        size = max(200, min(self.height() // 2, 420))
        self.qr.setPixmap(qr_pixmap(token, size))
        self.qr.show()
        self.card_button.hide()
        self.detail.setText(
            self.tr("Your card is printing — scan it next time.") if printed else
            self.tr("Take a photo of this code with your phone, and show it to the scanner "
                    "next time."))

    def reset(self) -> None:
        self.show_message("")
        self._ask_more("")  # (the question without the last visitor's name)
        self._name_leave("")
        self.qr.setPixmap(QPixmap())


class NewScreen(Screen):
    """I'm new: a few details about you and your household, then the privacy notice."""

    wants_keyboard = True
    next_step = Signal()
    add_member = Signal(str, str)
    remove_member = Signal(int)
    agree = Signal()
    count_me = Signal()
    back = Signal()
    MEMBER_COLUMNS = 4
    HERE_ROWS = 3  # the consent step's "Who's here with you today?", at most
    CONFIRM_MS = 6000  # how long "Remove Leila?" waits for its tap

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("newScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 12)
        outer.setSpacing(12)
        head = QHBoxLayout()
        self.back_button = _back("newBackButton")
        self.title = label("", "newTitle", role="heading")
        self.count_button = button("", "countMeButton", role="quiet")
        self.count_button.setFixedWidth(300)
        # The family step's way on sits in the header, where the keyboard never covers it
        # however many people are added (in place of "Just count me": the privacy step
        # after it offers that too).
        self.family_next = button("", "familyNextButton", role="primary")
        self.family_next.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        head.addWidget(self.count_button)
        head.addWidget(self.family_next)
        outer.addLayout(head)

        # Step 1: about you
        self.step_you = QWidget()
        you = QGridLayout(self.step_you)
        you.setContentsMargins(0, 0, 0, 0)
        you.setSpacing(12)
        self.first = _line("newFirstName")
        self.last = _line("newLastName")
        self.year = _line("newBirthYear")
        self.year.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.year.setMaxLength(4)
        self.postcode = _line("newPostcode")
        self.postcode.setMaxLength(8)
        # Capitals, as postcodes are written (the keyboard would drop Shift after the
        # first letter, as in a sentence); no word suggestions for a code.
        self.postcode.setInputMethodHints(Qt.InputMethodHint.ImhPreferUppercase
                                          | Qt.InputMethodHint.ImhNoPredictiveText
                                          | Qt.InputMethodHint.ImhNoAutoUppercase)
        self.phone = _line("newPhone")
        self.phone.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        self.phone.setMaxLength(20)
        you.addWidget(self.first, 0, 0)
        you.addWidget(self.last, 0, 1)
        you.addWidget(self.year, 0, 2)
        you.addWidget(self.postcode, 1, 0)
        you.addWidget(self.phone, 1, 1)
        self.you_next = button("", "newNextButton", role="primary")
        you.addWidget(self.you_next, 1, 2)
        outer.addWidget(self.step_you)

        # Step 2: who lives with you. The fields come first, under the header: the people
        # added so far go below them, the part the keyboard may cover.
        self.step_family = QWidget()
        fam = QVBoxLayout(self.step_family)
        fam.setContentsMargins(0, 0, 0, 0)
        fam.setSpacing(10)
        add = QHBoxLayout()
        self.member_name = _line("memberName")
        self.member_year = _line("memberYear")
        self.member_year.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.member_year.setMaxLength(4)
        self.member_add = button("", "memberAddButton")
        add.addWidget(self.member_name, 3)
        add.addWidget(self.member_year, 2)
        add.addWidget(self.member_add, 1)
        fam.addLayout(add)
        self.members = QGridLayout()
        self.members.setSpacing(10)
        for column in range(self.MEMBER_COLUMNS):
            self.members.setColumnStretch(column, 1)
        fam.addLayout(self.members)
        # A tap on a person only asks "Remove Leila?" below them, and only for a few
        # seconds: a bump now and another later cannot take anyone off.
        self.chips: list[QPushButton] = []
        self.confirms: list[QPushButton] = []
        self._armed = -1
        self._disarm_timer = QTimer(self)
        self._disarm_timer.setSingleShot(True)
        self._disarm_timer.setInterval(self.CONFIRM_MS)
        self._disarm_timer.timeout.connect(self._disarm)
        outer.addWidget(self.step_family)

        # Step 3: the privacy notice and the choice
        self.step_consent = QWidget()
        con = QVBoxLayout(self.step_consent)
        con.setContentsMargins(0, 0, 0, 0)
        con.setSpacing(14)
        # Who of the household came today: everyone lives with her, not all are here
        # (a partner at work, a teenager at school must not be counted, nor be on the fire
        # register). All on to start with: a family that came together taps nothing.
        self.here_title = label("", "hereTitle", role="heading")
        con.addWidget(self.here_title)
        self.here_grid = QGridLayout()
        self.here_grid.setSpacing(12)
        con.addLayout(self.here_grid)
        self.here_toggles: list[QPushButton] = []
        self.notice = label("", "privacyNotice", role="notice")
        con.addWidget(self.notice)
        row = QHBoxLayout()
        row.setSpacing(16)
        self.agree_button = button("", "agreeButton", role="primary")
        self.decline_button = button("", "declineButton")
        row.addWidget(self.agree_button)
        row.addWidget(self.decline_button)
        con.addLayout(row)
        con.addStretch(1)
        outer.addWidget(self.step_consent)
        outer.addStretch(1)

        self.first.returnPressed.connect(self.last.setFocus)
        self.last.returnPressed.connect(self.year.setFocus)
        self.year.returnPressed.connect(self.postcode.setFocus)
        self.postcode.returnPressed.connect(self.phone.setFocus)
        self.phone.returnPressed.connect(self.next_step)
        self.you_next.clicked.connect(self.next_step)
        self.member_name.returnPressed.connect(self.member_year.setFocus)
        self.member_year.returnPressed.connect(self._add)
        self.member_add.clicked.connect(self._add)
        self.family_next.clicked.connect(self.next_step)
        self.agree_button.clicked.connect(self.agree)
        self.decline_button.clicked.connect(self.count_me)
        self.count_button.clicked.connect(self.count_me)
        self.back_button.clicked.connect(self.back)
        self._names: list[str] = []  # the household so far
        self._you: QLabel | None = None
        self.show_step(0)
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.back_button, self.tr("‹ Back"))
        retext(self.count_button, self.tr("Just count me"),
               self.tr("Just count me, without my details"))
        retext(self.family_next, self.tr("That's everyone — next"))
        _words(self.first, self.tr("First name"), self.tr("Your first name"))
        _words(self.last, self.tr("Surname or initial"),
               self.tr("Your surname, or just its first letter"))
        _words(self.year, self.tr("Year born or age"),
               self.tr("The year you were born, or your age"))
        _words(self.postcode, self.tr("Postcode (optional)"), self.tr("Your postcode, optional"))
        _words(self.phone, self.tr("Phone (optional)"), self.tr("Your phone number, optional"))
        retext(self.you_next, self.tr("Next"))
        _words(self.member_name, self.tr("Their first name"),
               self.tr("Household member's first name"))
        _words(self.member_year, self.tr("Age (baby: 0) or year"),
               self.tr("Household member's year of birth or age (0 for a baby under one)"))
        retext(self.member_add, self.tr("Add"))
        retext(self.agree_button, self.tr("Yes, save my details and sign me in")
               if not self._names else self.tr("Yes, save our details and sign us in"))
        retext(self.decline_button, self.tr("No thanks — just count me"))
        self.here_title.setText(self.tr("Who's here with you today?"))
        for name, b in zip(self._names, self.here_toggles, strict=False):
            b.setAccessibleName(self.tr("%s is here") % name)
        self.title.setText(self._title())
        if self._you is not None:
            self._you.setText(self.tr("You"))
        for name, chip, confirm in zip(self._names, self.chips, self.confirms, strict=True):
            self._chip_words(name, chip, confirm)

    def _title(self) -> str:
        return [self.tr("Welcome! Tell us a little about you"),
                self.tr("Who else lives with you? Add children too"),
                self.tr("Your details and your privacy")][self.step]

    def _chip_words(self, name: str, chip: QPushButton, confirm: QPushButton) -> None:
        retext(chip, f"{name}  ✕", self.tr("%s: tap to remove") % name)
        retext(confirm, self.tr("Remove %s?") % name)

    def set_minimised(self, postcode: bool, phone: bool) -> None:
        """Hide the optional fields this install does not collect."""
        self.postcode.setVisible(postcode)
        self.phone.setVisible(phone)

    def _add(self) -> None:
        self.add_member.emit(self.member_name.text(), self.member_year.text())

    def show_here(self) -> None:
        """The consent step's "Who's here with you today?": a toggle for each member typed
        in (on, or as last left if they are the same people), hidden when she lives alone."""
        before = {b.text(): b.isChecked() for b in self.here_toggles}
        _clear_layout(self.here_grid)
        self.here_toggles = []
        # A big household in at most HERE_ROWS rows of compact toggles (still 64 px), so
        # that the notice and Yes / No thanks stay on the page, with no scrolling to them.
        names = len(self._names)
        columns = max(self.MEMBER_COLUMNS, -(-names // self.HERE_ROWS))
        for column in range(max(columns, self.here_grid.columnCount())):
            self.here_grid.setColumnStretch(column, 1 if column < columns else 0)
        for i, name in enumerate(self._names):
            b = button(name, f"here{i}", role="toggle")
            b.setSizePolicy(QSizePolicy.Policy.Ignored, b.sizePolicy().verticalPolicy())
            b.setProperty("compact", names > self.MEMBER_COLUMNS)  # (theme.qss)
            b.setCheckable(True)
            b.setChecked(before.get(name, True))
            self.here_toggles.append(b)
            self.here_grid.addWidget(b, i // columns, i % columns)
        self.here_title.setVisible(bool(self._names))
        self.retranslate()

    def here(self) -> list[int]:
        """Which of the members typed in are here today, by their place in the list."""
        return [i for i, b in enumerate(self.here_toggles) if b.isChecked()]

    def show_step(self, step: int) -> None:
        self.step = step
        if step == 2:
            self.show_here()
        self.step_you.setVisible(step == 0)
        self.step_family.setVisible(step == 1)
        self.step_consent.setVisible(step == 2)
        self.count_button.setVisible(step != 1)
        self.family_next.setVisible(step == 1)
        self.title.setText(self._title())
        focus = [self.first, self.member_name, None][step]
        if focus is not None and self.isVisible():
            focus.setFocus()

    def first_field(self) -> QWidget | None:
        return [self.first, self.member_name, None][self.step]

    def show_members(self, names: list[str]) -> None:
        """The household so far: "You", then a chip per person; a chip's tap asks first."""
        self._disarm()
        _clear_layout(self.members)
        top = Qt.AlignmentFlag.AlignTop
        you = self._you = label(self.tr("You"), "memberYou", role="onnow", wrap=False)
        self.member_add.ensurePolished()  # (its size as the style sheet makes it)
        you.setMinimumHeight(max(64, self.member_add.sizeHint().height()))  # a chip's
        self.members.addWidget(you, 0, 0, top)
        self.chips, self.confirms, self._names = [], [], list(names)
        for i, name in enumerate(names):
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(8)
            chip = button("", f"memberRemove{i}", role="quiet")
            confirm = button("", f"memberRemoveConfirm{i}", role="danger")
            self._chip_words(name, chip, confirm)
            for b in (chip, confirm):  # a long name is cut short, not a wider column
                b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            confirm.hide()
            chip.clicked.connect(slot(self._arm, i))
            confirm.clicked.connect(slot(self._remove, i))
            box.addWidget(chip)
            box.addWidget(confirm)
            self.chips.append(chip)
            self.confirms.append(confirm)
            cells = i + 1
            self.members.addWidget(cell, cells // self.MEMBER_COLUMNS,
                                   cells % self.MEMBER_COLUMNS, top)
        forget(self.member_name)
        forget(self.member_year)

    def _arm(self, index: int) -> None:
        """A chip tapped: show its "Remove …?" (a second tap on the chip takes it back)."""
        if index == self._armed:
            self._disarm()
            return
        self._disarm()
        self._armed = index
        self.confirms[index].show()
        self._disarm_timer.start()

    def _disarm(self) -> None:
        self._disarm_timer.stop()
        if 0 <= self._armed < len(self.confirms):
            self.confirms[self._armed].hide()
        self._armed = -1

    def _remove(self, index: int) -> None:
        self._disarm()
        self.remove_member.emit(index)

    def set_notice(self, text: str) -> None:
        self.notice.setText(text)

    def reset(self) -> None:
        super().reset()
        self.show_members([])
        _clear_layout(self.here_grid)
        self.here_toggles = []
        self.show_step(0)


class CountMeScreen(Screen):
    """An anonymous head-count: "me + 2 children"."""

    confirm = Signal(int)
    back = Signal()

    def __init__(self, most: int = 30) -> None:
        """``most``: the largest head-count the kiosk takes (the core's limit)."""
        super().__init__()
        self.most = most
        self.setObjectName("countMeScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 30, 60, 30)
        outer.setSpacing(24)
        head = QHBoxLayout()
        self.back_button = _back("countBackButton")
        head.addWidget(self.back_button)
        self.title = label("", "countTitle", role="heading")
        head.addWidget(self.title, 1)
        outer.addLayout(head)
        outer.addStretch(1)
        row = QHBoxLayout()
        self.minus = button("−", "countMinus", role="key")
        self.plus = button("+", "countPlus", role="key")
        self.value = label("", "countValue", role="big")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row.addWidget(self.minus, 1)
        row.addWidget(self.value, 3)
        row.addWidget(self.plus, 1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.ok = button("", "countConfirm", role="primary")
        outer.addWidget(self.ok)
        self.minus.clicked.connect(slot(self._step, -1))
        self.plus.clicked.connect(slot(self._step, 1))
        self.ok.clicked.connect(slot(self._confirm))
        self.back_button.clicked.connect(self.back)
        self._set(1)
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.back_button, self.tr("‹ Back"))
        self.title.setText(self.tr("No problem — we'll just count you. How many of you are "
                                   "here?"))
        retext(self.minus, "−", self.tr("One fewer"))
        retext(self.plus, "+", self.tr("One more"))
        retext(self.ok, self.tr("Count us in"))
        self._set(self.count)

    def _step(self, by: int) -> None:
        self._set(self.count + by)

    def _confirm(self) -> None:
        self.confirm.emit(self.count)

    def _set(self, n: int) -> None:
        self.count = max(1, min(self.most, n))
        self.value.setText(self.tr("Just me") if self.count == 1
                           else self.tr("Me + %n", "", self.count - 1))

    def start_at(self, n: int) -> None:
        self._set(n)

    def reset(self) -> None:
        self._set(1)


class _Message(QPlainTextEdit):
    """Have your say's message. Enter goes on to the name field: a new line there only
    ever put the visitor's name inside her anonymous message."""

    enter = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.enter.emit()
            return
        super().keyPressEvent(event)


class FeedbackScreen(Screen):
    """Have your say: a topic, a few words, a name only if they want."""

    wants_keyboard = True
    send = Signal(str, str, str)
    back = Signal()

    def __init__(self, topics: tuple[str, ...]) -> None:
        super().__init__()
        self.setObjectName("feedbackScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 12)
        outer.setSpacing(12)
        head = QHBoxLayout()
        self.back_button = _back("feedbackBackButton")
        head.addWidget(self.back_button)
        self.title = label("", "feedbackTitle", role="heading")
        head.addWidget(self.title, 1)
        self.send_button = button("", "feedbackSend", role="primary")
        self.send_button.setFixedWidth(220)
        head.addWidget(self.send_button)
        outer.addLayout(head)
        row = QGridLayout()
        row.setSpacing(10)
        self.topics: dict[str, QPushButton] = {}
        for i, topic in enumerate(topics):
            b = button("", f"topic{i}", role="choice")
            b.setCheckable(True)
            b.setAutoExclusive(True)
            b.setMinimumHeight(72)
            # One row of equal buttons: the message and the name under them both stay above
            # the keyboard at 1280×800 (the name is how a visitor chooses not to be anonymous).
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self.topics[topic] = b
            row.addWidget(b, 0, i)
            row.setColumnStretch(i, 1)
        outer.addLayout(row)
        self.text = _Message()
        text_field(self.text)
        self.text.setObjectName("feedbackText")
        self.text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setFixedHeight(120)
        outer.addWidget(self.text)
        self.name = _line("feedbackName")
        outer.addWidget(self.name)
        self.text.enter.connect(self.name.setFocus)
        outer.addStretch(1)
        self.send_button.clicked.connect(self._send)
        self.back_button.clicked.connect(self.back)
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.back_button, self.tr("‹ Back"))
        self.title.setText(self.tr("Have your say — a worry or an idea for the room"))
        retext(self.send_button, self.tr("Send"))
        for topic, b in self.topics.items():  # (sent in English, whatever is shown)
            retext(b, QCoreApplication.translate(TOPICS_CONTEXT, topic))
        _words(self.text, self.tr("Write it here. You don't have to give your name."),
               self.tr("Your message"))
        _words(self.name, self.tr("Your name (optional)"), self.tr("Your name, optional"))

    def first_field(self) -> QWidget:
        return self.text

    def _send(self) -> None:
        topic = next((t for t, b in self.topics.items() if b.isChecked()), "")
        self.send.emit(topic, self.text.toPlainText(), self.name.text())

    def reset(self) -> None:
        super().reset()
        for b in self.topics.values():
            b.setAutoExclusive(False)
            b.setChecked(False)
            b.setAutoExclusive(True)
